//! The event loop: scenario actions, the task lifecycle, instance launches and samples, applied in
//! (time, phase, insertion) order.
//!
//! Event phases within one millisecond: task lifecycle transitions first, then instance launches
//! completing, then scenario actions (in file order), then the service scheduler's pass over every
//! service something happened to, then the sample, so that a sample shows the state after
//! everything that happened at its time.

mod services;
pub use services::PassAudit;

use crate::action::*;
use crate::output::*;
use crate::scenario::Scenario;
use crate::service::{Deployment, Service};
use ecsim_kernel::{EventQueue, Fingerprint, RandomStreams, SimDuration, SimTime, Stream};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{
    ClusterId, ClusterStatus, DeploymentId, DesiredStatus, GroupId, InstanceId, InstanceStatus,
    LaunchType, NetworkMode, PlacementConstraint, ServiceId, StopCode, Task, TaskDefId,
    TaskDefStatus, TaskId, TaskSimulation, TaskStatus, Timings, World,
};
use ecsim_placement::{place, Decision, Failure, PlacementRequest, PlacementStrategy};
use services::ServiceRuntime;

/// Service quota: container instances per cluster (DG service-quotas; SPEC §3 limits).
const MAX_INSTANCES_PER_CLUSTER: usize = 5000;

const PHASE_TASK: u8 = 0;
const PHASE_LAUNCH: u8 = 1;
const PHASE_ACTION: u8 = 2;
const PHASE_SERVICE: u8 = 3;
const PHASE_SAMPLE: u8 = 4;

/// The agent's default reserved TCP ports (DG: ecs-agent-config, ECS_RESERVED_PORTS since 2023-02).
pub const AGENT_RESERVED_TCP_PORTS: [u16; 6] = [22, 2375, 2376, 51678, 51679, 51680];

/// The awsvpc capability appeared in agent 1.15.0 (awsvpc network mode launch).
const TASK_ENI_MIN_AGENT: &str = "1.15.0";

#[derive(Clone, Copy, Debug)]
enum Ev {
    /// Scenario action by index into `actions`.
    Action(usize),
    /// The task's lifecycle state (the one it was in when this was scheduled) has run its course.
    /// A stale event — the task has moved on since — is ignored.
    TaskAdvance(TaskId, TaskStatus),
    /// The task's essential container exits (run duration or crash).
    TaskExit(TaskId, bool),
    /// A launched EC2 instance boots and registers.
    InstanceReady(usize),
    /// The service scheduler's pass over the services marked since the last one.
    SchedulerPass,
    /// A service's retry (placement retry, throttling, protection expiry, steady-state reminder).
    ServiceRetry(ServiceId),
    /// The task's health is decided: healthy (true) or failing its health checks (false).
    TaskHealth(TaskId, bool),
    Sample,
}

/// Per-task simulation state that ECS does not have.
#[derive(Clone, Debug)]
struct TaskRuntime {
    timings: Timings,
    simulation: TaskSimulation,
    fails_to_start: bool,
    /// Drawn at creation: it will fail its container health checks (`unhealthyProbability`).
    fails_health_check: bool,
    /// Drawn at creation: the seed of its `crashAfter` draw, so that a crash model on one task
    /// moves no other task's draws.
    crash_seed: u64,
    timer: Option<ecsim_kernel::EventKey>,
    health_timer: Option<ecsim_kernel::EventKey>,
    /// The service and deployment (or task set) it belongs to.
    service: Option<(ServiceId, DeploymentId)>,
    /// Counted healthy by its service (SPEC §7 health).
    healthy: bool,
    /// Scale-in protected until then (UpdateTaskProtection).
    protected_until: Option<SimTime>,
}

/// What an instance registers with (see `Engine::register`).
struct InstanceSpec {
    number: u64,
    /// From an identity document; None = the run's `i-` + 17 hex digits of `number`.
    ec2_instance_id: Option<String>,
    capacity_provider: Option<String>,
    resources: ecsim_model::Resources,
    tcp_ports: Vec<u16>,
    udp_ports: Vec<u16>,
    agent_version: String,
    /// Built-in attributes first, then the request's or launch's own (which may override them).
    attributes: Vec<(String, Option<String>)>,
}

/// An instance that is booting.
#[derive(Clone, Debug)]
struct PendingLaunch {
    /// The LaunchContainerInstances action, for errors when the instance comes up.
    action_index: usize,
    /// Taken at launch (SPEC §9: "the n-th instance launched").
    number: u64,
    cluster: String,
    instance_type: String,
    availability_zone: String,
    attributes: Vec<ecsim_model::Attribute>,
    image_id: String,
    capacity_provider: Option<String>,
}

/// The simulator. Build it with [`Engine::new`], drive it with [`Engine::run_until`] or
/// [`Engine::run_to_end`], and take the results with [`Engine::finish`].
pub struct Engine {
    scenario: Scenario,
    world: World,
    queue: EventQueue<Ev>,
    now: SimTime,
    horizon: SimTime,
    placement_rng: Stream,
    durations_rng: Stream,
    failures_rng: Stream,
    tasks: Vec<TaskRuntime>,
    launches: Vec<PendingLaunch>,
    services: Vec<Service>,
    service_rt: Vec<ServiceRuntime>,
    deployments: Vec<Deployment>,
    /// Services to visit at the next scheduler pass.
    dirty: std::collections::BTreeSet<ServiceId>,
    pass_scheduled: bool,
    service_rows: Vec<ServiceRow>,
    next_service_event: u64,
    audit: Option<Vec<services::PassAudit>>,
    events: Vec<EventRecord>,
    timeseries: Vec<TimeseriesRow>,
    snapshots: Vec<SnapshotRecord>,
    counts: Counts,
    fingerprint: Fingerprint,
    utilization: UtilizationAccumulator,
}

#[derive(Default)]
struct UtilizationAccumulator {
    samples: u64,
    cpu_sum: f64,
    cpu_peak: f64,
    memory_sum: f64,
    memory_peak: f64,
}

impl Engine {
    pub fn new(scenario: &Scenario) -> Engine {
        let streams = RandomStreams::new(scenario.seed);
        let mut queue = EventQueue::new();
        // Actions run in (at, file order): the queue's insertion sequence keeps file order for equal times.
        let mut order: Vec<usize> = (0..scenario.actions.len()).collect();
        order.sort_by_key(|&i| (scenario.actions[i].at, i));
        for i in order {
            queue.schedule(scenario.actions[i].at, PHASE_ACTION, Ev::Action(i));
        }
        queue.schedule(SimTime::ZERO, PHASE_SAMPLE, Ev::Sample);
        Engine {
            world: World::new(
                &scenario.region,
                &scenario.account_id,
                scenario.start_time_unix_ms,
            ),
            horizon: SimTime::ZERO + scenario.horizon,
            scenario: scenario.clone(),
            queue,
            now: SimTime::ZERO,
            placement_rng: streams.stream("placement"),
            durations_rng: streams.stream("durations"),
            failures_rng: streams.stream("failures"),
            tasks: Vec::new(),
            launches: Vec::new(),
            services: Vec::new(),
            service_rt: Vec::new(),
            deployments: Vec::new(),
            dirty: std::collections::BTreeSet::new(),
            pass_scheduled: false,
            service_rows: Vec::new(),
            next_service_event: 0,
            audit: None,
            events: Vec::new(),
            timeseries: Vec::new(),
            snapshots: Vec::new(),
            counts: Counts::default(),
            fingerprint: Fingerprint::new(),
            utilization: UtilizationAccumulator::default(),
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Processes every event at or before `until` (and never past the horizon).
    pub fn run_until(&mut self, until: SimTime) {
        let until = until.min(self.horizon);
        while let Some(t) = self.queue.peek_time() {
            if t > until {
                break;
            }
            let (t, phase, ev) = self.queue.pop().expect("peeked");
            self.now = t;
            self.counts.events_processed += 1;
            self.fingerprint.absorb(&fingerprint_record(t, phase, ev));
            match ev {
                Ev::Action(i) => self.apply_action(i),
                Ev::TaskAdvance(task, from) => self.advance_task(task, from),
                Ev::TaskExit(task, crashed) => self.task_exited(task, crashed),
                Ev::InstanceReady(i) => self.instance_ready(i),
                Ev::SchedulerPass => self.scheduler_pass(),
                Ev::ServiceRetry(s) => self.service_retry(s),
                Ev::TaskHealth(task, healthy) => self.task_health(task, healthy),
                Ev::Sample => self.sample(),
            }
        }
        self.now = self.now.max(until);
    }

    pub fn run_to_end(&mut self) {
        self.run_until(self.horizon);
    }

    /// The run's outputs, with assertions evaluated.
    pub fn finish(mut self) -> RunOutput {
        let end = self.horizon;
        let services = self.service_outputs(end);
        let u = &self.utilization;
        let n = u.samples.max(1) as f64;
        let utilization = Utilization {
            cpu_reserved_mean: u.cpu_sum / n,
            cpu_reserved_peak: u.cpu_peak,
            memory_reserved_mean: u.memory_sum / n,
            memory_reserved_peak: u.memory_peak,
        };
        let assertions = self
            .scenario
            .assertions
            .iter()
            .map(|a| {
                a.evaluate(&crate::assertions::RunFacts {
                    counts: &self.counts,
                    world: &self.world,
                    services: &services,
                    deployments: &self.deployments,
                    end: self.horizon,
                })
            })
            .collect();
        RunOutput {
            scenario_name: self.scenario.name.clone(),
            seed: self.scenario.seed,
            start_time_unix_ms: self.scenario.start_time_unix_ms,
            simulated_ms: self.horizon.ms(),
            fingerprint: self.fingerprint.hex(),
            world: self.world,
            events: self.events,
            timeseries: self.timeseries,
            snapshots: self.snapshots,
            service_rows: self.service_rows,
            services,
            deployments: self.deployments,
            counts: self.counts,
            utilization,
            assertions,
        }
    }

    // ----- recording -----

    /// Records an event: the counts and the fingerprint are derived here, from the events themselves,
    /// so that no emit site can forget them and the fingerprint sees every outcome (which instance a
    /// task went to, which reason a failure had), not only the order of the queue's events.
    fn emit(&mut self, detail: EventDetail) {
        let mut record = Vec::with_capacity(48);
        record.extend_from_slice(&self.now.ms().to_le_bytes());
        match &detail {
            EventDetail::TaskStateChange {
                task,
                last_status,
                desired_status,
                stop_code,
                ..
            } => {
                record.extend_from_slice(&[
                    1,
                    *last_status as u8,
                    *desired_status as u8,
                    stop_code.map_or(255, |c| c as u8),
                ]);
                record.extend_from_slice(&task.0.to_le_bytes());
                match last_status {
                    TaskStatus::Running => self.counts.tasks_started += 1,
                    TaskStatus::Stopped => {
                        let code = stop_code.map_or("UserInitiated", |c| c.as_str());
                        *self.counts.tasks_stopped.entry(code).or_insert(0) += 1;
                    }
                    _ => {}
                }
            }
            EventDetail::ContainerInstanceStateChange {
                instance,
                status,
                agent_connected,
                ..
            } => {
                record.extend_from_slice(&[2, *status as u8, *agent_connected as u8]);
                record.extend_from_slice(&instance.0.to_le_bytes());
            }
            EventDetail::PlacementDecision {
                task,
                instance,
                finalists,
            } => {
                record.push(3);
                record.extend_from_slice(&task.0.to_le_bytes());
                record.extend_from_slice(&instance.0.to_le_bytes());
                record.extend_from_slice(&finalists.to_le_bytes());
                self.counts.placements += 1;
            }
            EventDetail::PlacementFailure {
                group,
                task_definition,
                instance,
                reason,
                ..
            } => {
                record.push(4);
                record.extend_from_slice(&group.0.to_le_bytes());
                record.extend_from_slice(&task_definition.0.to_le_bytes());
                record.extend_from_slice(&instance.map_or(u32::MAX, |i| i.0).to_le_bytes());
                record.extend_from_slice(reason.as_bytes());
                *self
                    .counts
                    .placement_failures
                    .entry(reason.clone())
                    .or_insert(0) += 1;
            }
            EventDetail::ServiceAction {
                service,
                event_name,
                message,
                ..
            } => {
                record.push(6);
                record.extend_from_slice(&service.0.to_le_bytes());
                record.extend_from_slice(event_name.as_bytes());
                record.extend_from_slice(message.as_bytes());
            }
            EventDetail::DeploymentStateChange {
                service,
                deployment,
                rollout_state,
                ..
            } => {
                record.extend_from_slice(&[7, *rollout_state as u8]);
                record.extend_from_slice(&service.0.to_le_bytes());
                record.extend_from_slice(&deployment.0.to_le_bytes());
            }
            EventDetail::ActionError {
                action_index,
                error,
                ..
            } => {
                record.push(5);
                record.extend_from_slice(&(*action_index as u64).to_le_bytes());
                record.extend_from_slice(error.as_bytes());
                self.counts.action_errors += 1;
            }
        }
        self.fingerprint.absorb(&record);
        self.events.push(EventRecord {
            t: self.now,
            detail,
        });
    }

    fn action_error(&mut self, index: usize, error: &str, message: String) {
        let action = self.scenario.actions[index].name.clone();
        self.emit(EventDetail::ActionError {
            action_index: index,
            action,
            error: error.to_string(),
            message,
        });
    }

    fn emit_task_state(&mut self, task: TaskId) {
        let t = self.world.task(task);
        let detail = EventDetail::TaskStateChange {
            task,
            last_status: t.last_status,
            desired_status: t.desired_status,
            stop_code: t.stop_code,
            stopped_reason: t.stopped_reason.clone(),
        };
        self.emit(detail);
    }

    fn emit_instance_state(&mut self, instance: InstanceId, reason: &'static str) {
        let i = self.world.instance(instance);
        let detail = EventDetail::ContainerInstanceStateChange {
            instance,
            status: i.status,
            agent_connected: i.agent_connected,
            running_tasks_count: i.running_tasks_count,
            pending_tasks_count: i.pending_tasks_count,
            reason,
        };
        self.emit(detail);
        // Every service of the cluster reacts to an instance's change (SPEC §7).
        let cluster = self.world.instance(instance).cluster;
        self.mark_cluster(cluster);
    }

    // ----- actions -----

    fn apply_action(&mut self, index: usize) {
        let action = self.scenario.actions[index].action.clone();
        match action {
            Action::CreateCluster { cluster_name } => {
                self.world.create_cluster(&cluster_name);
            }
            Action::DeleteCluster { cluster } => self.delete_cluster(index, &cluster),
            Action::NoEffect => {}
            Action::RegisterContainerInstance(r) => self.register_container_instance(index, r),
            Action::LaunchContainerInstances(l) => self.launch_container_instances(index, l),
            Action::DeregisterContainerInstance {
                cluster,
                container_instance,
                force,
            } => self.deregister_container_instance(index, &cluster, &container_instance, force),
            Action::UpdateContainerInstancesState {
                cluster,
                container_instances,
                status,
            } => {
                self.update_container_instances_state(index, &cluster, &container_instances, status)
            }
            Action::PutAttributes {
                cluster,
                attributes,
            } => self.put_attributes(index, &cluster, &attributes, false),
            Action::DeleteAttributes {
                cluster,
                attributes,
            } => self.put_attributes(index, &cluster, &attributes, true),
            Action::RegisterTaskDefinition(def) => {
                let mut def = *def;
                def.registered_at = self.now;
                def.status = TaskDefStatus::Active;
                self.world.register_task_definition(def);
            }
            Action::DeregisterTaskDefinition { task_definition } => {
                match self.world.task_definition_by_ref(&task_definition) {
                    Some(id) => {
                        self.world.task_definitions[id.index()].status = TaskDefStatus::Inactive
                    }
                    None => self.action_error(
                        index,
                        "ClientException",
                        format!("Unable to describe task definition {task_definition}."),
                    ),
                }
            }
            Action::RunTask(r) => self.run_task(index, r),
            Action::StartTask(s) => self.start_task(index, s),
            Action::StopTask {
                cluster,
                task,
                reason,
            } => self.stop_task_action(index, &cluster, &task, reason),
            Action::TerminateContainerInstances {
                cluster,
                selector,
                count,
            } => self.terminate_container_instances(index, &cluster, &selector, count),
            Action::DisconnectAgent { cluster, selector } => {
                self.set_agent(index, &cluster, &selector, false)
            }
            Action::ReconnectAgent { cluster, selector } => {
                self.set_agent(index, &cluster, &selector, true)
            }
            Action::ListContainerInstances { .. }
            | Action::DescribeContainerInstances { .. }
            | Action::DescribeTasks { .. }
            | Action::ListAttributes { .. }
            | Action::DescribeServices { .. }
            | Action::Snapshot { .. } => self.query(index, &action),
            Action::CreateService(_)
            | Action::UpdateService(_)
            | Action::DeleteService { .. }
            | Action::UpdateTaskProtection { .. }
            | Action::CreateTaskSet(_)
            | Action::UpdateTaskSet { .. }
            | Action::DeleteTaskSet { .. }
            | Action::UpdateServicePrimaryTaskSet { .. } => self.service_action(index, action),
        }
    }

    fn cluster(&mut self, index: usize, name: &str) -> Option<ClusterId> {
        match self.world.cluster_by_ref(name) {
            Some(c) if self.world.cluster(c).status == ClusterStatus::Active => Some(c),
            _ => {
                self.action_error(
                    index,
                    "ClusterNotFoundException",
                    "Cluster not found.".to_string(),
                );
                None
            }
        }
    }

    /// The cluster has a container instance that is not INACTIVE.
    fn has_registered_instances(&self, c: ClusterId) -> bool {
        self.world
            .cluster(c)
            .instances
            .iter()
            .any(|&i| self.world.instance(i).status != InstanceStatus::Inactive)
    }

    fn delete_cluster(&mut self, index: usize, name: &str) {
        let Some(c) = self.cluster(index, name) else {
            return;
        };
        if self.has_registered_instances(c) {
            // API: DeleteCluster — "You must deregister all container instances from this cluster before you may delete it."
            self.action_error(
                index,
                "ClusterContainsContainerInstancesException",
                "The cluster contains one or more registered container instances; deregister them before deleting the cluster.".to_string(),
            );
            return;
        }
        if self
            .services
            .iter()
            .any(|s| s.cluster == c && s.status != crate::service::ServiceStatus::Inactive)
        {
            // API: DeleteCluster — ClusterContainsServicesException.
            self.action_error(
                index,
                "ClusterContainsServicesException",
                "The cluster contains one or more active services; delete them before deleting the cluster.".to_string(),
            );
            return;
        }
        self.world.clusters[c.index()].status = ClusterStatus::Inactive;
    }

    fn register_container_instance(&mut self, index: usize, r: RegisterContainerInstance) {
        let Some(c) = self.cluster(index, &r.cluster) else {
            return;
        };
        let max_enis = r
            .instance_type
            .as_deref()
            .and_then(|t| self.scenario.instance_types.get(t))
            .map_or(1, |t| t.max_enis);
        let mut attributes = Vec::new();
        if let Some(t) = &r.instance_type {
            attributes.push(("ecs.instance-type".to_string(), Some(t.clone())));
        }
        if let Some(az) = &r.availability_zone {
            attributes.push(("ecs.availability-zone".to_string(), Some(az.clone())));
        }
        attributes.extend(
            r.attributes
                .iter()
                .map(|a| (a.name.clone(), a.value.clone())),
        );
        let spec = InstanceSpec {
            number: self.world.next_instance_number(),
            ec2_instance_id: r.ec2_instance_id.clone(),
            capacity_provider: None,
            resources: ecsim_model::Resources {
                cpu: r.cpu,
                memory_mib: r.memory_mib,
                gpus: r.gpus,
                enis: max_enis.saturating_sub(1),
            },
            tcp_ports: r
                .tcp_ports
                .clone()
                .unwrap_or_else(|| AGENT_RESERVED_TCP_PORTS.to_vec()),
            udp_ports: r.udp_ports.clone().unwrap_or_default(),
            agent_version: r
                .agent_version
                .clone()
                .unwrap_or_else(|| self.scenario.amis.recommended().ecs_agent_version.clone()),
            attributes,
        };
        self.register(index, c, spec);
    }

    /// The one way an instance joins a cluster, whether registered by a request or booted by a launch:
    /// checks that it may (its EC2 id is free, the cluster has room), adds it, and says so.
    fn register(&mut self, index: usize, cluster: ClusterId, spec: InstanceSpec) {
        let ec2 = spec
            .ec2_instance_id
            .clone()
            .unwrap_or_else(|| ecsim_model::ec2_instance_id(spec.number));
        if !self.may_register(index, cluster, &ec2) {
            return;
        }
        let now = self.now;
        let id =
            self.world
                .add_numbered_instance(cluster, spec.number, spec.ec2_instance_id, |inst| {
                    inst.registered_at = now;
                    inst.capacity_provider = spec.capacity_provider;
                    inst.registered = spec.resources;
                    inst.registered_tcp_ports = spec.tcp_ports;
                    inst.registered_udp_ports = spec.udp_ports;
                    // The awsvpc capability came with agent 1.15.0 (awsvpc network mode launch).
                    if version_at_least(&spec.agent_version, TASK_ENI_MIN_AGENT) {
                        inst.attributes
                            .insert("ecs.capability.task-eni".into(), None);
                    }
                    inst.agent_version = spec.agent_version;
                    // Built-in attributes first, then the request's or launch's own.
                    for (name, value) in spec.attributes {
                        inst.attributes.insert(name, value);
                    }
                });
        self.emit_instance_state(id, "registered");
    }

    /// Whether an instance may join `c`: its EC2 id is not taken, and the cluster has room (API
    /// quota: 5,000 container instances per cluster). Otherwise an `ECS Action Error` for `index`.
    fn may_register(&mut self, index: usize, c: ClusterId, ec2_instance_id: &str) -> bool {
        if self.world.ec2_instance_id_in_use(ec2_instance_id) {
            self.action_error(
                index,
                "InvalidParameterException",
                format!("An instance with ec2InstanceId {ec2_instance_id} is already registered; an EC2 instance registers once."),
            );
            return false;
        }
        let cluster = self.world.cluster(c);
        let registered = if cluster.instances.len() < MAX_INSTANCES_PER_CLUSTER {
            cluster.instances.len()
        } else {
            cluster
                .instances
                .iter()
                .filter(|&&i| self.world.instance(i).status != InstanceStatus::Inactive)
                .count()
        };
        if registered >= MAX_INSTANCES_PER_CLUSTER {
            self.action_error(
                index,
                "LimitExceededException",
                format!("The cluster already has {MAX_INSTANCES_PER_CLUSTER} registered container instances, the most a cluster can have."),
            );
            return false;
        }
        true
    }

    fn launch_container_instances(&mut self, index: usize, l: LaunchContainerInstances) {
        if self.cluster(index, &l.cluster).is_none() {
            return;
        }
        let launch = l
            .timings
            .instance_launch
            .or(self.scenario.timings.instance_launch)
            .unwrap_or(SimDuration::from_seconds(90));
        let zones = if l.availability_zones.is_empty() {
            // RULE: no zones given means the region's first zone.
            vec![format!("{}a", self.scenario.region)]
        } else {
            l.availability_zones.clone()
        };
        let image_id = l
            .image_id
            .clone()
            .unwrap_or_else(|| self.scenario.amis.recommended().image_id.clone());
        for k in 0..l.count as usize {
            let i = self.launches.len();
            let number = self.world.next_instance_number();
            self.launches.push(PendingLaunch {
                action_index: index,
                number,
                cluster: l.cluster.clone(),
                instance_type: l.instance_type.clone(),
                availability_zone: zones[k % zones.len()].clone(),
                attributes: l.attributes.clone(),
                image_id: image_id.clone(),
                capacity_provider: l.capacity_provider.clone(),
            });
            self.queue
                .schedule(self.now + launch, PHASE_LAUNCH, Ev::InstanceReady(i));
        }
    }

    fn instance_ready(&mut self, i: usize) {
        let l = self.launches[i].clone();
        // The cluster may have been deleted while the instance booted; it then never registers.
        let Some(c) = self
            .world
            .cluster_by_ref(&l.cluster)
            .filter(|&c| self.world.cluster(c).status == ClusterStatus::Active)
        else {
            return;
        };
        // A scenario lowered by ecsim-scenario names only known types; one built in code might not.
        let Some(t) = self.scenario.instance_types.get(&l.instance_type).cloned() else {
            let message = format!("Unknown instance type {}.", l.instance_type);
            self.action_error(l.action_index, "InvalidParameterException", message);
            return;
        };
        let ami = self
            .scenario
            .amis
            .get(&l.image_id)
            .unwrap_or_else(|| self.scenario.amis.recommended())
            .clone();
        // One subnet per zone, numbered by the zone letter (a = 1).
        let zone_index = l
            .availability_zone
            .bytes()
            .last()
            .filter(u8::is_ascii_lowercase)
            .map_or(0, |b| (b - b'a' + 1) as u32);
        let mut attributes: Vec<(String, Option<String>)> = [
            ("ecs.availability-zone", l.availability_zone.clone()),
            ("ecs.instance-type", t.name.clone()),
            ("ecs.os-type", ami.os_type().to_string()),
            ("ecs.os-family", ami.os_family()),
            ("ecs.cpu-architecture", t.cpu_architecture.to_string()),
            ("ecs.ami-id", ami.image_id.clone()),
            // RULE: one VPC per run, one subnet per zone.
            ("ecs.vpc-id", "vpc-00000000000000001".to_string()),
            ("ecs.subnet-id", format!("subnet-{zone_index:017x}")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Some(v)))
        .collect();
        attributes.extend(
            l.attributes
                .iter()
                .map(|a| (a.name.clone(), a.value.clone())),
        );
        let spec = InstanceSpec {
            number: l.number,
            ec2_instance_id: None,
            capacity_provider: l.capacity_provider.clone(),
            resources: ecsim_model::Resources {
                cpu: t.registered_cpu(),
                memory_mib: t.registered_memory_mib,
                gpus: t.gpus,
                enis: t.max_enis.saturating_sub(1),
            },
            tcp_ports: AGENT_RESERVED_TCP_PORTS.to_vec(),
            udp_ports: Vec::new(),
            agent_version: ami.ecs_agent_version.clone(),
            attributes,
        };
        self.register(l.action_index, c, spec);
    }

    fn resolve_instances(
        &mut self,
        index: usize,
        cluster: ClusterId,
        refs: &[String],
    ) -> Vec<InstanceId> {
        let mut out = Vec::new();
        for r in refs {
            match self.world.instance_by_ref(cluster, r) {
                Some(i) => out.push(i),
                None => self.action_error(
                    index,
                    "InvalidParameterException",
                    format!("Container instance {r} not found (MISSING)."),
                ),
            }
        }
        out
    }

    fn select(
        &mut self,
        index: usize,
        cluster: ClusterId,
        selector: &InstanceSelector,
    ) -> Vec<InstanceId> {
        match selector {
            InstanceSelector::Ids(ids) => self.resolve_instances(index, cluster, ids),
            InstanceSelector::Filter(expr) => {
                let w = &self.world;
                w.cluster(cluster)
                    .instances
                    .iter()
                    .copied()
                    .filter(|&i| w.instance(i).status != InstanceStatus::Inactive)
                    .filter(|&i| {
                        expr.matches(&ecsim_placement::InstanceRef {
                            world: w,
                            instance: w.instance(i),
                        })
                    })
                    .collect()
            }
        }
    }

    fn deregister_container_instance(&mut self, index: usize, cluster: &str, r: &str, force: bool) {
        let Some(c) = self.cluster(index, cluster) else {
            return;
        };
        let Some(&id) = self.resolve_instances(index, c, &[r.to_string()]).first() else {
            return;
        };
        if self.world.instance(id).status == InstanceStatus::Inactive {
            self.action_error(
                index,
                "InvalidParameterException",
                format!("Container instance {r} is already deregistered (INACTIVE)."),
            );
            return;
        }
        let tasks: Vec<TaskId> = self.world.instance(id).tasks.iter().copied().collect();
        if !tasks.is_empty() && !force {
            // DG: deregistering with running tasks needs `force`.
            self.action_error(
                index,
                "InvalidParameterException",
                format!(
                    "Container instance {r} has {} tasks; deregister with force: ecsim then stops them (TerminationNotice).",
                    tasks.len()
                ),
            );
            return;
        }
        for t in tasks {
            self.stop_now(
                t,
                StopCode::TerminationNotice,
                "Container instance deregistered.".to_string(),
            );
        }
        let now = self.now;
        let inst = self.world.instance_mut(id);
        inst.status = InstanceStatus::Inactive;
        inst.deregistered_at = Some(now);
        self.emit_instance_state(id, "deregistered");
    }

    fn update_container_instances_state(
        &mut self,
        index: usize,
        cluster: &str,
        refs: &[String],
        status: InstanceStatus,
    ) {
        let Some(c) = self.cluster(index, cluster) else {
            return;
        };
        for id in self.resolve_instances(index, c, refs) {
            let current = self.world.instance(id).status;
            let allowed = match (current, status) {
                (a, b) if a == b => continue,
                // API: "You can change the status of a container instance to DRAINING only if it is ACTIVE".
                (InstanceStatus::Active, InstanceStatus::Draining)
                | (InstanceStatus::Draining, InstanceStatus::Active) => true,
                _ => false,
            };
            if !allowed {
                let arn = self.world.instance(id).arn.clone();
                self.action_error(
                    index,
                    "InvalidParameterException",
                    format!(
                        "Container instance {arn} is {} and cannot be set to {}.",
                        current.as_str(),
                        status.as_str()
                    ),
                );
                continue;
            }
            self.world.instance_mut(id).status = status;
            let reason = if status == InstanceStatus::Draining {
                "draining"
            } else {
                "activated"
            };
            self.emit_instance_state(id, reason);
        }
    }

    fn put_attributes(
        &mut self,
        index: usize,
        cluster: &str,
        attributes: &[TargetedAttribute],
        delete: bool,
    ) {
        let Some(c) = self.cluster(index, cluster) else {
            return;
        };
        for a in attributes {
            let Some(target) = a.target_id.as_deref() else {
                self.action_error(
                    index,
                    "InvalidParameterException",
                    format!("Attribute {} has no targetId.", a.name),
                );
                continue;
            };
            let Some(&id) = self
                .resolve_instances(index, c, &[target.to_string()])
                .first()
            else {
                continue;
            };
            let inst = self.world.instance_mut(id);
            if delete {
                inst.remove_attribute(&a.name);
            } else {
                inst.set_attribute(&a.name, a.value.clone());
            }
            // DAEMON services re-evaluate their constraints (reference §4.1).
            self.mark_cluster(c);
        }
    }

    fn resolve_task_definition(&mut self, index: usize, r: &str) -> Option<TaskDefId> {
        match self.world.task_definition_by_ref(r) {
            Some(id) if self.world.task_definition(id).status == TaskDefStatus::Active => Some(id),
            Some(_) => {
                self.action_error(
                    index,
                    "ClientException",
                    format!("TaskDefinition {r} is inactive."),
                );
                None
            }
            None => {
                self.action_error(
                    index,
                    "ClientException",
                    format!("Unable to describe task definition {r}."),
                );
                None
            }
        }
    }

    fn run_task(&mut self, index: usize, r: RunTask) {
        let Some(c) = self.cluster(index, &r.cluster) else {
            return;
        };
        let Some(def) = self.resolve_task_definition(index, &r.task_definition) else {
            return;
        };
        if !self.has_registered_instances(c) {
            // RunTask on a cluster with no registered instances is an API error, not a failure entry.
            self.action_error(
                index,
                "InvalidParameterException",
                "No Container Instances were found in your cluster.".to_string(),
            );
            return;
        }
        let strategies = if r.placement_strategy.is_empty() {
            PlacementStrategy::run_task_default()
        } else {
            r.placement_strategy.clone()
        };
        let spec = TaskSpec {
            cluster: c,
            task_definition: def,
            group: r.group.clone(),
            started_by: r.started_by.clone(),
            launch_type: r.launch_type.unwrap_or(LaunchType::Ec2),
            overrides: r.overrides.clone(),
            extra_constraints: r.placement_constraints.clone(),
            strategies,
            simulation: r.simulation.clone(),
            service: None,
        };
        for k in 0..r.count {
            if let Err((group, closest, reason)) = self.place_one(&spec, None) {
                // RULE: a task of the call found no instance and nothing has changed since, so the
                // rest of the call fails the same way; record it without running the pipeline again.
                for _ in k + 1..r.count {
                    self.record_failure_group(&spec, group, closest, None, reason);
                }
                break;
            }
        }
    }

    fn start_task(&mut self, index: usize, s: StartTask) {
        let Some(c) = self.cluster(index, &s.cluster) else {
            return;
        };
        let Some(def) = self.resolve_task_definition(index, &s.task_definition) else {
            return;
        };
        let spec = TaskSpec {
            cluster: c,
            task_definition: def,
            group: s.group.clone(),
            started_by: s.started_by.clone(),
            launch_type: LaunchType::Ec2,
            overrides: s.overrides.clone(),
            extra_constraints: Vec::new(),
            strategies: Vec::new(),
            simulation: s.simulation.clone(),
            service: None,
        };
        for r in &s.container_instances {
            match self.world.instance_by_ref(c, r) {
                // DG api_failures_messages: StartTask — MISSING (not found), INACTIVE (deregistered).
                None => self.record_failure(&spec, None, Some(r.clone()), "MISSING"),
                Some(i) if self.world.instance(i).status == InstanceStatus::Inactive => {
                    self.record_failure(&spec, Some(i), None, "INACTIVE")
                }
                // RULE: a DRAINING instance takes no new tasks, StartTask's included.
                Some(i) if self.world.instance(i).status == InstanceStatus::Draining => {
                    self.record_failure(&spec, Some(i), None, "DRAINING")
                }
                Some(i) => {
                    // StartTask places one task per named instance; a failure is already recorded.
                    let _ = self.place_one(&spec, Some(i));
                }
            }
        }
    }

    /// Places one task of `spec` (on `only` when given) and records the decision, or records the
    /// failure and returns its group, closest instance and reason.
    fn place_one(
        &mut self,
        spec: &TaskSpec,
        only: Option<InstanceId>,
    ) -> Result<TaskId, (GroupId, Option<InstanceId>, &'static str)> {
        let def = self.world.task_definition(spec.task_definition);
        let requirements = def.requirements(&spec.overrides);
        let group_name = spec.group.clone().unwrap_or_else(|| def.default_group());
        let mut constraints: Vec<PlacementConstraint> = def.placement_constraints.clone();
        constraints.extend(spec.extra_constraints.iter().cloned());
        let group = self.world.intern_group(&group_name);
        for s in &spec.strategies {
            if let PlacementStrategy::Spread(ecsim_placement::SpreadField::Attribute(a)) = s {
                self.world.track_attribute(spec.cluster, a);
            }
        }
        self.world.sync_index();
        let only_ids = only.map(|i| [i]);
        let result = {
            let req = PlacementRequest {
                cluster: spec.cluster,
                requirements: &requirements,
                group,
                launch_type: spec.launch_type,
                constraints: &constraints,
                strategies: &spec.strategies,
                only: only_ids.as_ref().map(|a| &a[..]),
                explain: false,
            };
            place(&self.world, &req, &mut self.placement_rng)
        };
        match result {
            Ok(Decision {
                instance,
                finalists,
                ..
            }) => {
                let task = self.create_task(spec, group, requirements);
                self.world.place_task(task, instance);
                self.emit(EventDetail::PlacementDecision {
                    task,
                    instance,
                    finalists,
                });
                self.start_lifecycle(task);
                Ok(task)
            }
            Err(Failure {
                closest, reason, ..
            }) => {
                self.record_failure_group(spec, group, closest, None, reason);
                Err((group, closest, reason))
            }
        }
    }

    fn record_failure(
        &mut self,
        spec: &TaskSpec,
        instance: Option<InstanceId>,
        requested: Option<String>,
        reason: &str,
    ) {
        let def = self.world.task_definition(spec.task_definition);
        let group_name = spec.group.clone().unwrap_or_else(|| def.default_group());
        let group = self.world.intern_group(&group_name);
        self.record_failure_group(spec, group, instance, requested, reason);
    }

    fn record_failure_group(
        &mut self,
        spec: &TaskSpec,
        group: GroupId,
        instance: Option<InstanceId>,
        requested: Option<String>,
        reason: &str,
    ) {
        self.emit(EventDetail::PlacementFailure {
            cluster: spec.cluster,
            group,
            task_definition: spec.task_definition,
            started_by: spec.started_by.clone(),
            instance,
            requested,
            reason: reason.to_string(),
        });
    }

    fn create_task(
        &mut self,
        spec: &TaskSpec,
        group: GroupId,
        requirements: ecsim_model::TaskRequirements,
    ) -> TaskId {
        let now = self.now;
        let def = self.world.task_definition(spec.task_definition);
        // Timings precedence (SPEC §3): the action's, the task definition's, the scenario's, then §6 defaults.
        let simulation = spec
            .simulation
            .clone()
            .unwrap_or_default()
            .or(&def.simulation);
        let mut timings = simulation
            .timings
            .or(&self.scenario.timings)
            .or(&default_timings(def.network_mode, def.stop_timeout_s()));
        // SPEC §6: STOPPING is capped by stopTimeout, whoever set it (the agent kills the containers then).
        let cap = SimDuration::from_seconds(def.stop_timeout_s() as u64);
        timings.stopping = timings.stopping.map(|d| d.min(cap));
        let mut task = Task::new(
            spec.cluster,
            spec.task_definition,
            group,
            spec.launch_type,
            requirements,
            now,
        );
        task.started_by = spec.started_by.clone();
        task.overrides = spec.overrides.clone();
        let id = self.world.add_task(task);
        // Drawn for every task, whatever the probabilities, so the failures stream stays aligned:
        // adding a failure model to one task definition moves no other task's fate.
        let fails_to_start = self
            .failures_rng
            .chance(simulation.fail_to_start_probability.unwrap_or(0.0));
        let fails_health_check = self
            .failures_rng
            .chance(simulation.unhealthy_probability.unwrap_or(0.0));
        let crash_seed = self.failures_rng.below(u64::MAX);
        debug_assert_eq!(id.index(), self.tasks.len());
        self.tasks.push(TaskRuntime {
            timings,
            simulation,
            fails_to_start,
            fails_health_check,
            crash_seed,
            timer: None,
            health_timer: None,
            service: spec.service,
            healthy: false,
            protected_until: None,
        });
        if let Some((service, _)) = spec.service {
            self.service_task_created(service, id);
        }
        id
    }

    // ----- lifecycle -----

    /// The placed task begins its lifecycle in PROVISIONING.
    fn start_lifecycle(&mut self, task: TaskId) {
        self.enter(task, TaskStatus::Provisioning);
    }

    fn state_duration(&self, task: TaskId, status: TaskStatus) -> Option<SimDuration> {
        let t = &self.tasks[task.index()].timings;
        match status {
            TaskStatus::Provisioning => t.provisioning,
            TaskStatus::Pending => t.pending,
            TaskStatus::Activating => t.activating,
            TaskStatus::Deactivating => t.deactivating,
            TaskStatus::Stopping => t.stopping,
            TaskStatus::Deprovisioning => t.deprovisioning,
            TaskStatus::Running | TaskStatus::Stopped => None,
        }
    }

    /// Enters `status`, skipping states with zero duration (RULE: a state the task spends no time
    /// in is not entered and has no event), and arms the timer for the state's end.
    fn enter(&mut self, task: TaskId, mut status: TaskStatus) {
        loop {
            // RULE: leaving PENDING (timed or not) is where a task that fails to start fails.
            if status == TaskStatus::Activating
                && self.tasks[task.index()].fails_to_start
                && self.world.task(task).desired_status == DesiredStatus::Running
            {
                self.mark_stopping(
                    task,
                    StopCode::TaskFailedToStart,
                    "Task failed to start (simulated: failToStartProbability).".to_string(),
                );
                status = TaskStatus::Deprovisioning;
                continue;
            }
            match status {
                TaskStatus::Running => {
                    self.world.set_last_status(task, TaskStatus::Running);
                    self.world.tasks[task.index()].started_at = Some(self.now);
                    self.emit_task_state(task);
                    self.arm_exit(task);
                    self.arm_health(task);
                    self.service_task_changed(task);
                    return;
                }
                TaskStatus::Stopped => {
                    self.world.set_last_status(task, TaskStatus::Stopped);
                    self.world.release_task(task);
                    self.world.tasks[task.index()].stopped_at = Some(self.now);
                    self.emit_task_state(task);
                    self.service_task_stopped(task);
                    return;
                }
                _ => {}
            }
            let d = self
                .state_duration(task, status)
                .unwrap_or(SimDuration::ZERO);
            if d > SimDuration::ZERO {
                self.world.set_last_status(task, status);
                if status == TaskStatus::Stopping {
                    self.world.tasks[task.index()].stopping_at = Some(self.now);
                }
                self.emit_task_state(task);
                let key =
                    self.queue
                        .schedule(self.now + d, PHASE_TASK, Ev::TaskAdvance(task, status));
                self.tasks[task.index()].timer = Some(key);
                self.service_task_changed(task);
                return;
            }
            status = self.next_status(task, status);
        }
    }

    /// The state after `status`, given the task's desired status and fate.
    fn next_status(&self, task: TaskId, status: TaskStatus) -> TaskStatus {
        let t = self.world.task(task);
        if t.desired_status == DesiredStatus::Stopped && status < TaskStatus::Running {
            // Stopped before it ran: nothing to deactivate or stop (RULE).
            return if status < TaskStatus::Deprovisioning {
                TaskStatus::Deprovisioning
            } else {
                TaskStatus::Stopped
            };
        }
        status.next().expect("STOPPED has no successor")
    }

    fn advance_task(&mut self, task: TaskId, from: TaskStatus) {
        let status = self.world.task(task).last_status;
        if status != from {
            return;
        }
        self.tasks[task.index()].timer = None;
        let next = self.next_status(task, status);
        self.enter(task, next);
    }

    /// Schedules the essential container's exit, when the task definition says it exits.
    fn arm_exit(&mut self, task: TaskId) {
        let sim = self.tasks[task.index()].simulation.clone();
        let run = sim
            .run_duration
            .as_ref()
            .map(|d| d.sample(&mut self.durations_rng));
        // Failures come from the failures stream (through the task's own seed), never from the
        // durations stream: adding a crash model moves no run duration and no placement.
        let seed = self.tasks[task.index()].crash_seed;
        let crash = sim
            .crash_after
            .as_ref()
            .map(|d| d.sample(&mut RandomStreams::new(seed).stream("crash")));
        let exit = match (run, crash) {
            (Some(r), Some(c)) if c < r => Some((c, true)),
            (Some(r), _) => Some((r, false)),
            (None, Some(c)) => Some((c, true)),
            (None, None) => None,
        };
        if let Some((d, crashed)) = exit {
            let key = self
                .queue
                .schedule(self.now + d, PHASE_TASK, Ev::TaskExit(task, crashed));
            self.tasks[task.index()].timer = Some(key);
        }
    }

    fn task_exited(&mut self, task: TaskId, crashed: bool) {
        self.tasks[task.index()].timer = None;
        if self.world.task(task).last_status != TaskStatus::Running {
            return;
        }
        let reason = if crashed {
            "Essential container in task exited (simulated crash)."
        } else {
            "Essential container in task exited."
        };
        self.begin_stop(task, StopCode::EssentialContainerExited, reason.to_string());
    }

    /// Sets desired STOPPED with its stop code and reason (once).
    fn mark_stopping(&mut self, task: TaskId, code: StopCode, reason: String) -> bool {
        if !self.world.set_desired_stopped(task) {
            return false;
        }
        let t = &mut self.world.tasks[task.index()];
        t.stop_code = Some(code);
        t.stopped_reason = Some(reason);
        if let Some(key) = self.tasks[task.index()].health_timer.take() {
            self.queue.cancel(key);
        }
        self.service_task_desired_stopped(task);
        true
    }

    /// Stops a task through its lifecycle (DEACTIVATING, STOPPING, DEPROVISIONING as timed).
    fn begin_stop(&mut self, task: TaskId, code: StopCode, reason: String) {
        if !self.mark_stopping(task, code, reason) {
            return;
        }
        let status = self.world.task(task).last_status;
        if let Some(key) = self.tasks[task.index()].timer.take() {
            self.queue.cancel(key);
        }
        let next = match status {
            TaskStatus::Running => TaskStatus::Deactivating,
            s if s < TaskStatus::Running => self.next_status(task, s),
            // Already on its way down: let the current state finish.
            _ => {
                let d = self
                    .state_duration(task, status)
                    .unwrap_or(SimDuration::ZERO);
                let key =
                    self.queue
                        .schedule(self.now + d, PHASE_TASK, Ev::TaskAdvance(task, status));
                self.tasks[task.index()].timer = Some(key);
                return;
            }
        };
        self.enter(task, next);
    }

    /// Stops a task at once (its host is gone): straight to STOPPED (RULE: no STOPPING, nothing is
    /// left to stop).
    fn stop_now(&mut self, task: TaskId, code: StopCode, reason: String) {
        if self.world.task(task).last_status == TaskStatus::Stopped {
            return;
        }
        if let Some(key) = self.tasks[task.index()].timer.take() {
            self.queue.cancel(key);
        }
        if self.world.task(task).desired_status == DesiredStatus::Running {
            self.mark_stopping(task, code, reason);
        }
        self.enter(task, TaskStatus::Stopped);
    }

    fn stop_task_action(&mut self, index: usize, cluster: &str, r: &str, reason: Option<String>) {
        let Some(c) = self.cluster(index, cluster) else {
            return;
        };
        match self.world.task_by_ref(c, r) {
            Some(t) => self.begin_stop(
                t,
                StopCode::UserInitiated,
                reason.unwrap_or_else(|| "Task stopped by user.".to_string()),
            ),
            None => self.action_error(
                index,
                "InvalidParameterException",
                "The referenced task was not found.".to_string(),
            ),
        }
    }

    fn terminate_container_instances(
        &mut self,
        index: usize,
        cluster: &str,
        selector: &InstanceSelector,
        count: Option<u32>,
    ) {
        let Some(c) = self.cluster(index, cluster) else {
            return;
        };
        let mut ids: Vec<InstanceId> = self
            .select(index, c, selector)
            .into_iter()
            .filter(|&i| self.world.instance(i).status != InstanceStatus::Inactive)
            .collect();
        if let Some(n) = count {
            ids.truncate(n as usize);
        }
        for id in ids {
            let ec2 = self.world.instance(id).ec2_instance_id.clone();
            let tasks: Vec<TaskId> = self.world.instance(id).tasks.iter().copied().collect();
            for t in tasks {
                self.stop_now(
                    t,
                    StopCode::TerminationNotice,
                    format!("Host EC2 (instance {ec2}) terminated."),
                );
            }
            let now = self.now;
            let inst = self.world.instance_mut(id);
            inst.status = InstanceStatus::Inactive;
            inst.agent_connected = false;
            inst.terminated = true;
            inst.deregistered_at = Some(now);
            self.emit_instance_state(id, "terminated");
        }
    }

    fn set_agent(
        &mut self,
        index: usize,
        cluster: &str,
        selector: &InstanceSelector,
        connected: bool,
    ) {
        let Some(c) = self.cluster(index, cluster) else {
            return;
        };
        for id in self.select(index, c, selector) {
            let inst = self.world.instance(id);
            if inst.status == InstanceStatus::Inactive || inst.agent_connected == connected {
                continue;
            }
            self.world.instance_mut(id).agent_connected = connected;
            self.emit_instance_state(
                id,
                if connected {
                    "agent connected"
                } else {
                    "agent disconnected"
                },
            );
        }
    }

    // ----- queries and snapshots -----

    fn query(&mut self, index: usize, action: &Action) {
        let response = match action {
            Action::ListContainerInstances {
                cluster,
                filter,
                status,
                max_results,
                next_token,
            } => {
                let Some(c) = self.cluster(index, cluster) else {
                    return;
                };
                let w = &self.world;
                let arns: Vec<String> = w
                    .cluster(c)
                    .instances
                    .iter()
                    .map(|&i| w.instance(i))
                    // API: without `status`, every status other than INACTIVE.
                    .filter(|i| match status {
                        Some(s) => i.status == *s,
                        None => i.status != InstanceStatus::Inactive,
                    })
                    .filter(|i| {
                        filter.as_ref().is_none_or(|f| {
                            f.matches(&ecsim_placement::InstanceRef {
                                world: w,
                                instance: i,
                            })
                        })
                    })
                    .map(|i| i.arn.clone())
                    .collect();
                // RULE: tokens are `ecsim-token-OFFSET`; one ecsim did not issue starts at the first page.
                let start = next_token
                    .as_deref()
                    .and_then(|t| t.strip_prefix("ecsim-token-"))
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                let page = max_results.unwrap_or(100).clamp(1, 100) as usize;
                let end = (start + page).min(arns.len());
                let next = (end < arns.len()).then(|| format!("ecsim-token-{end}"));
                SnapshotResponse::ListContainerInstances {
                    container_instance_arns: arns.get(start..end).unwrap_or(&[]).to_vec(),
                    next_token: next,
                }
            }
            Action::DescribeContainerInstances {
                cluster,
                container_instances,
            } => {
                let Some(c) = self.cluster(index, cluster) else {
                    return;
                };
                let w = &self.world;
                let (found, failures) = describe(container_instances, |r| {
                    w.instance_by_ref(c, r).map(|i| w.instance(i).clone())
                });
                SnapshotResponse::DescribeContainerInstances {
                    container_instances: found,
                    failures,
                }
            }
            Action::DescribeTasks { cluster, tasks } => {
                let Some(c) = self.cluster(index, cluster) else {
                    return;
                };
                let w = &self.world;
                let (found, failures) =
                    describe(tasks, |r| w.task_by_ref(c, r).map(|t| w.task(t).clone()));
                SnapshotResponse::DescribeTasks {
                    tasks: found,
                    failures,
                }
            }
            Action::ListAttributes {
                cluster,
                attribute_name,
                attribute_value,
            } => {
                let Some(c) = self.cluster(index, cluster) else {
                    return;
                };
                let w = &self.world;
                let mut attributes = Vec::new();
                for &i in &w.cluster(c).instances {
                    let inst = w.instance(i);
                    if inst.status == InstanceStatus::Inactive {
                        continue;
                    }
                    for (name, value) in &inst.attributes {
                        if attribute_name.as_ref().is_some_and(|n| n != name)
                            || attribute_value
                                .as_ref()
                                .is_some_and(|v| Some(v) != value.as_ref())
                        {
                            continue;
                        }
                        attributes.push((name.clone(), value.clone(), inst.arn.clone()));
                    }
                }
                SnapshotResponse::ListAttributes { attributes }
            }
            Action::DescribeServices { cluster, services } => {
                let Some(c) = self.cluster(index, cluster) else {
                    return;
                };
                self.describe_services(c, services)
            }
            Action::Snapshot { cluster, .. } => {
                let clusters: Vec<ClusterId> = match cluster {
                    Some(name) => match self.cluster(index, name) {
                        Some(c) => vec![c],
                        None => return,
                    },
                    None => self
                        .world
                        .clusters
                        .iter()
                        .filter(|c| c.status == ClusterStatus::Active)
                        .map(|c| c.id)
                        .collect(),
                };
                self.snapshot(&clusters)
            }
            _ => unreachable!("not a query action"),
        };
        let a = &self.scenario.actions[index];
        let label = match &a.action {
            Action::Snapshot { label, .. } => label.clone(),
            _ => None,
        };
        self.snapshots.push(SnapshotRecord {
            t: self.now,
            action: a.name.clone(),
            label,
            input_json: a.input_json.clone(),
            response,
        });
    }

    fn snapshot(&self, clusters: &[ClusterId]) -> SnapshotResponse {
        let w = &self.world;
        let hour = SimDuration::from_seconds(3600);
        let mut out_clusters = Vec::new();
        let mut instances = Vec::new();
        let mut tasks = Vec::new();
        for &c in clusters {
            let cl = w.cluster(c);
            let live: Vec<_> = cl
                .instances
                .iter()
                .map(|&i| w.instance(i))
                .filter(|i| i.status != InstanceStatus::Inactive)
                .collect();
            out_clusters.push(ClusterSnapshot {
                cluster: c,
                status: cl.status.as_str(),
                registered_container_instances_count: live.len() as u32,
                running_tasks_count: cl.tasks_by_status[TaskStatus::Running as usize],
                pending_tasks_count: cl.tasks_by_status[TaskStatus::Pending as usize],
            });
            instances.extend(live.into_iter().cloned());
        }
        // Tasks not yet stopped, and those stopped within the last hour (DG: stopped-task-errors).
        for t in &w.tasks {
            if !clusters.contains(&t.cluster) {
                continue;
            }
            let visible = match t.stopped_at {
                None => true,
                Some(s) => self.now.since(s) <= hour,
            };
            if visible {
                tasks.push(t.clone());
            }
        }
        SnapshotResponse::Snapshot {
            clusters: out_clusters,
            container_instances: instances,
            services: self
                .services
                .iter()
                .filter(|s| clusters.contains(&s.cluster))
                .map(|s| self.service_snapshot(s.id))
                .collect(),
            tasks,
        }
    }

    fn sample(&mut self) {
        let w = &self.world;
        let mut total_cpu = (0u64, 0u64);
        let mut total_mem = (0u64, 0u64);
        for c in w
            .clusters
            .iter()
            .filter(|c| c.status == ClusterStatus::Active)
        {
            let mut row = TimeseriesRow {
                t_s: self.now.seconds(),
                cluster: c.id,
                capacity_provider: None,
                instances_active: 0,
                instances_draining: 0,
                cpu_registered: 0,
                cpu_reserved: 0,
                memory_registered_mib: 0,
                memory_reserved_mib: 0,
                tasks_provisioning: c.tasks_by_status[TaskStatus::Provisioning as usize],
                tasks_pending: c.tasks_by_status[TaskStatus::Pending as usize],
                tasks_running: c.tasks_by_status[TaskStatus::Running as usize],
                capacity_provider_reservation: None,
            };
            for &i in &c.instances {
                let inst = w.instance(i);
                match inst.status {
                    InstanceStatus::Active => row.instances_active += 1,
                    InstanceStatus::Draining => row.instances_draining += 1,
                    InstanceStatus::Inactive => continue,
                }
                row.cpu_registered += inst.registered.cpu as u64;
                row.cpu_reserved += inst.reserved.cpu as u64;
                row.memory_registered_mib += inst.registered.memory_mib as u64;
                row.memory_reserved_mib += inst.reserved.memory_mib as u64;
            }
            total_cpu.0 += row.cpu_reserved;
            total_cpu.1 += row.cpu_registered;
            total_mem.0 += row.memory_reserved_mib;
            total_mem.1 += row.memory_registered_mib;
            self.timeseries.push(row);
        }
        if total_cpu.1 > 0 && total_mem.1 > 0 {
            let u = &mut self.utilization;
            let cpu = total_cpu.0 as f64 / total_cpu.1 as f64;
            let mem = total_mem.0 as f64 / total_mem.1 as f64;
            u.samples += 1;
            u.cpu_sum += cpu;
            u.memory_sum += mem;
            u.cpu_peak = u.cpu_peak.max(cpu);
            u.memory_peak = u.memory_peak.max(mem);
        }
        self.sample_services();
        let next = self.now + self.scenario.sample_interval;
        if next <= self.horizon && self.scenario.sample_interval > SimDuration::ZERO {
            self.queue.schedule(next, PHASE_SAMPLE, Ev::Sample);
        }
    }

    /// Explains, at the current time, where a task of `task_definition` would go in `cluster`: every
    /// ACTIVE instance's verdict and each strategy's scores. `strategies` empty means RunTask's default;
    /// `constraints` are the request's (the task definition's are added); `group` defaults to
    /// `family:FAMILY`. The final draw uses a stream of its own, so it illustrates, and need not equal,
    /// the run's own draw.
    pub fn explain(
        &self,
        cluster: &str,
        task_definition: &str,
        strategies: &[PlacementStrategy],
        constraints: &[PlacementConstraint],
        group: Option<&str>,
    ) -> Result<(Result<Decision, Failure>, ClusterId), String> {
        let c = self
            .world
            .cluster_by_ref(cluster)
            .filter(|&c| self.world.cluster(c).status == ClusterStatus::Active)
            .ok_or_else(|| format!("cluster '{cluster}' does not exist at this time"))?;
        let def_id = self.world.task_definition_by_ref(task_definition).ok_or_else(|| {
            let known: Vec<String> = self.world.task_definitions.iter().map(|d| d.family_revision()).collect();
            match known.is_empty() {
                true => format!("task definition '{task_definition}' is not registered at this time; none is"),
                false => format!("task definition '{task_definition}' is not registered at this time; registered: {}", known.join(", ")),
            }
        })?;
        let def = self.world.task_definition(def_id);
        if def.status != TaskDefStatus::Active {
            // As RunTask: an INACTIVE revision runs no new tasks.
            return Err(format!(
                "task definition '{}' is INACTIVE at this time; RunTask would refuse it",
                def.family_revision()
            ));
        }
        let requirements = def.requirements(&TaskOverride::default());
        let group_name = group
            .map(str::to_string)
            .unwrap_or_else(|| def.default_group());
        let group = self
            .world
            .group_id(&group_name)
            .unwrap_or(GroupId(u32::MAX));
        let strategies = if strategies.is_empty() {
            PlacementStrategy::run_task_default()
        } else {
            strategies.to_vec()
        };
        let mut all_constraints = def.placement_constraints.clone();
        all_constraints.extend(constraints.iter().cloned());
        let req = PlacementRequest {
            cluster: c,
            requirements: &requirements,
            group,
            launch_type: LaunchType::Ec2,
            constraints: &all_constraints,
            strategies: &strategies,
            only: None,
            explain: true,
        };
        let mut rng = RandomStreams::new(self.scenario.seed).stream("explain");
        Ok((place(&self.world, &req, &mut rng), c))
    }

    /// The scenario's horizon.
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }
}

/// What one placement call needs, shared by the tasks of a RunTask or StartTask.
struct TaskSpec {
    cluster: ClusterId,
    task_definition: TaskDefId,
    group: Option<String>,
    started_by: Option<String>,
    launch_type: LaunchType,
    overrides: TaskOverride,
    extra_constraints: Vec<PlacementConstraint>,
    strategies: Vec<PlacementStrategy>,
    simulation: Option<TaskSimulation>,
    /// A service task: its service and deployment (or task set).
    service: Option<(ServiceId, DeploymentId)>,
}

/// SPEC §6 default durations for a task of this network mode.
fn default_timings(mode: NetworkMode, stop_timeout_s: u32) -> Timings {
    let awsvpc = mode == NetworkMode::Awsvpc;
    Timings {
        provisioning: Some(SimDuration::from_seconds(if awsvpc { 5 } else { 0 })),
        pending: Some(SimDuration::from_seconds(10)),
        activating: Some(SimDuration::ZERO),
        deactivating: Some(SimDuration::ZERO),
        // STOPPING 5 s, capped by stopTimeout (SPEC §6).
        stopping: Some(SimDuration::from_seconds(5.min(stop_timeout_s as u64))),
        deprovisioning: Some(SimDuration::from_seconds(if awsvpc { 5 } else { 0 })),
        instance_launch: Some(SimDuration::from_seconds(90)),
        healthy_after: Some(SimDuration::from_seconds(40)),
    }
}

/// Describe* over references: what each names, or a `MISSING` failure for it (API: Failure;
/// DG api_failures_messages — Describe* report MISSING).
fn describe<T>(refs: &[String], find: impl Fn(&str) -> Option<T>) -> (Vec<T>, Vec<ApiFailure>) {
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for r in refs {
        match find(r) {
            Some(x) => found.push(x),
            None => failures.push(ApiFailure {
                arn: r.clone(),
                reason: "MISSING".into(),
                detail: None,
            }),
        }
    }
    (found, failures)
}

/// `v` is `min` or newer, compared as the query language compares `agentVersion`.
fn version_at_least(v: &str, min: &str) -> bool {
    ecsim_query::compare_agent_version(v, min).is_some_and(|o| o != std::cmp::Ordering::Less)
}

fn fingerprint_record(t: SimTime, phase: u8, ev: Ev) -> [u8; 21] {
    let (kind, id): (u8, u64) = match ev {
        Ev::Action(i) => (1, i as u64),
        Ev::TaskAdvance(task, _) => (2, task.0 as u64),
        Ev::TaskExit(task, crashed) => (3 + crashed as u8, task.0 as u64),
        Ev::InstanceReady(i) => (5, i as u64),
        Ev::Sample => (6, 0),
        Ev::SchedulerPass => (7, 0),
        Ev::ServiceRetry(service) => (8, service.0 as u64),
        Ev::TaskHealth(task, healthy) => (9 + healthy as u8, task.0 as u64),
    };
    let mut b = [0u8; 21];
    b[..8].copy_from_slice(&t.ms().to_le_bytes());
    b[8] = phase;
    b[9..17].copy_from_slice(&id.to_le_bytes());
    b[17] = kind;
    b
}
