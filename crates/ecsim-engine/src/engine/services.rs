//! The service scheduler in the event loop (SPEC §7): service actions, scheduler passes that apply
//! the reconciler's plans through placement, health, the circuit breaker, throttling, service
//! events and the per-service records.

use super::*;
use crate::service::reconcile::{
    plan_daemon, plan_replica, DaemonInstance, DaemonView, ReplicaView, ScaleInRule, TaskFacts,
};
use crate::service::{
    circuit_breaker_threshold, DeploymentConfiguration, DeploymentController, DeploymentStatus,
    RolloutState, SchedulingStrategy, ServiceEvent, ServiceRecord, ServiceStatus, StabilityStatus,
    TaskSetState,
};
use ecsim_model::HealthStatus;
use ecsim_placement::{BinpackField, SpreadField, NO_INSTANCES};
use std::collections::{BTreeMap, BTreeSet};

/// The service scheduler's retry interval for tasks it could not place (SPEC §7).
const RETRY: SimDuration = SimDuration::from_seconds(15);
/// The longest throttling delay (reference §4.6: "up to a maximum of 15 minutes").
const THROTTLE_MAX: SimDuration = SimDuration::from_seconds(900);
/// Duplicate service event messages are omitted for six hours (reference §3.2), and a steady
/// service repeats its steady-state message at that cadence.
const EVENT_REPEAT: SimDuration = SimDuration::from_seconds(6 * 3600);
/// DescribeServices shows the 100 most recent events (reference §3.2).
const EVENTS_KEPT: usize = 100;
/// The suffix of ECS's placement-failure service events.
const TROUBLESHOOTING: &str =
    " For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";

/// One scheduler pass as the audit log records it (see [`Engine::enable_audit`]): the figures the
/// invariants of SPEC §7 are stated in, before and after the pass's own stops and starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassAudit {
    pub t: SimTime,
    pub service: ServiceId,
    /// D (DAEMON: the eligible instances; a task set: its computed desired count, summed).
    pub desired: u32,
    pub min_healthy: u32,
    pub max_tasks: u32,
    /// Healthy tasks before the pass, and after its stops.
    pub healthy_before: u32,
    pub healthy_after: u32,
    /// Tasks counted against maxTasks before the pass, and after its stops and starts.
    pub counted_before: u32,
    pub counted_after: u32,
    /// Protected tasks the pass stopped (must be none).
    pub protected_stopped: u32,
    /// Set when the pass completed the primary deployment: (its live tasks of the primary task
    /// definition, D).
    pub completed: Option<(u32, u32)>,
}

/// What the event loop keeps per service beside the API's view of it.
#[derive(Clone, Debug, Default)]
pub(super) struct ServiceRuntime {
    /// The service's tasks not yet STOPPED.
    pub tasks: BTreeSet<TaskId>,
    /// Tasks with desired status RUNNING counted healthy.
    pub healthy: u32,
    pub record: ServiceRecord,
    below_since: Option<SimTime>,
    /// The current minHealthy (from D, or the eligible instances of a DAEMON service).
    min_healthy: u32,
    /// D of the last pass (DAEMON: the eligible instances).
    desired_effective: u32,
    steady: bool,
    /// Throttling (SPEC §7 RULE): consecutive tasks that stopped before RUNNING, and the last one's
    /// time.
    consecutive_failures: u32,
    last_failure_at: SimTime,
    /// Retries already scheduled (one event per distinct time).
    retries: BTreeSet<SimTime>,
    /// The last placement failure recorded per target instance (None: any instance), so an
    /// identical retry is not recorded again (RULE).
    last_placement_failure: BTreeMap<Option<InstanceId>, (&'static str, Option<InstanceId>)>,
    /// Service event dedup: (cause, message) → time of its last emission.
    messages: BTreeMap<(&'static str, String), SimTime>,
    /// The last millisecond in which a pass started tasks (one launching pass per millisecond),
    /// and whether the current pass may not launch because of it.
    launched_at: Option<SimTime>,
    launch_blocked: bool,
    /// The primary deployment (ECS) or primary task set (EXTERNAL; None until one is set).
    pub primary: Option<DeploymentId>,
}

impl Engine {
    // ----- actions -----

    pub(super) fn service_action(&mut self, index: usize, action: Action) {
        match action {
            Action::CreateService(c) => self.create_service(index, *c),
            Action::UpdateService(u) => self.update_service(index, *u),
            Action::DeleteService {
                cluster,
                service,
                force,
            } => self.delete_service(index, &cluster, &service, force),
            Action::UpdateTaskProtection {
                cluster,
                tasks,
                protection_enabled,
                expires_in_minutes,
            } => self.update_task_protection(
                index,
                &cluster,
                &tasks,
                protection_enabled,
                expires_in_minutes,
            ),
            Action::CreateTaskSet(t) => self.create_task_set(index, *t),
            Action::UpdateTaskSet {
                cluster,
                service,
                task_set,
                scale_percent,
            } => {
                if let Some((s, d)) = self.task_set(index, &cluster, &service, &task_set) {
                    let now = self.now;
                    let dep = &mut self.deployments[d.index()];
                    if let Some(ts) = dep.task_set.as_mut() {
                        ts.scale_percent = scale_percent;
                    }
                    dep.updated_at = now;
                    self.mark_service(s);
                }
            }
            Action::DeleteTaskSet {
                cluster,
                service,
                task_set,
                force,
            } => self.delete_task_set(index, &cluster, &service, &task_set, force),
            Action::UpdateServicePrimaryTaskSet {
                cluster,
                service,
                primary_task_set,
            } => {
                if let Some((s, d)) = self.task_set(index, &cluster, &service, &primary_task_set) {
                    self.set_primary_task_set(s, d);
                }
            }
            _ => unreachable!("not a service action"),
        }
    }

    /// The live (ACTIVE or DRAINING) service of that name or ARN in the cluster.
    fn live_service(&self, cluster: ClusterId, r: &str) -> Option<ServiceId> {
        self.latest_service(cluster, r, false)
    }

    /// The most recently created service of that name (or ARN: `service/CLUSTER/NAME` or
    /// `service/NAME`) in the cluster; INACTIVE ones only when asked.
    fn latest_service(&self, cluster: ClusterId, r: &str, inactive: bool) -> Option<ServiceId> {
        let name = r.rsplit('/').next().unwrap_or(r);
        self.services
            .iter()
            .rev()
            .find(|s| {
                s.cluster == cluster
                    && s.name == name
                    && (inactive || s.status != ServiceStatus::Inactive)
            })
            .map(|s| s.id)
    }

    fn service_ref(&mut self, index: usize, cluster: &str, r: &str) -> Option<ServiceId> {
        let c = self.cluster(index, cluster)?;
        match self.live_service(c, r) {
            Some(s) if self.services[s.index()].status == ServiceStatus::Active => Some(s),
            Some(_) => {
                self.action_error(
                    index,
                    "ServiceNotActiveException",
                    format!("Service {r} is DRAINING (being deleted)."),
                );
                None
            }
            None => {
                self.action_error(
                    index,
                    "ServiceNotFoundException",
                    format!("Service {r} not found."),
                );
                None
            }
        }
    }

    fn create_service(&mut self, index: usize, c: crate::action::CreateService) {
        let Some(cluster) = self.cluster(index, &c.cluster) else {
            return;
        };
        if self.live_service(cluster, &c.service_name).is_some() {
            self.action_error(
                index,
                "InvalidParameterException",
                "Creation of service was not idempotent.".to_string(),
            );
            return;
        }
        let Some(task_definition) = self.optional_task_definition(index, &c.task_definition) else {
            return;
        };
        let id = ServiceId(self.services.len() as u32);
        let cluster_name = self.world.cluster(cluster).name.clone();
        let group = self
            .world
            .intern_group(&format!("service:{}", c.service_name));
        let configuration = DeploymentConfiguration::default_for(c.scheduling_strategy)
            .with(&c.deployment_configuration);
        self.services.push(Service {
            id,
            name: c.service_name.clone(),
            arn: format!(
                "arn:aws:ecs:{}:{}:service/{}/{}",
                self.scenario.region, self.scenario.account_id, cluster_name, c.service_name
            ),
            cluster,
            status: ServiceStatus::Active,
            desired_count: c.desired_count,
            scheduling_strategy: c.scheduling_strategy,
            controller: c.controller,
            launch_type: c.launch_type,
            configuration,
            placement_constraints: c.placement_constraints,
            placement_strategy: c.placement_strategy,
            health_check_grace_period_s: c.health_check_grace_period_s,
            group,
            simulation: c.simulation,
            created_at: self.now,
            deployments: Vec::new(),
            events: Vec::new(),
        });
        self.service_rt.push(ServiceRuntime::default());
        self.record_healthy(id);
        if let Some(def) = task_definition {
            self.new_deployment(id, def);
        }
        self.mark_service(id);
    }

    /// An optional task definition reference resolved: `Some(None)` when absent, `None` when it
    /// does not resolve (the action error is recorded).
    fn optional_task_definition(
        &mut self,
        index: usize,
        r: &Option<String>,
    ) -> Option<Option<TaskDefId>> {
        match r {
            Some(r) => self.resolve_task_definition(index, r).map(Some),
            None => Some(None),
        }
    }

    /// A new PRIMARY deployment of `def`; the previous primary becomes ACTIVE.
    fn new_deployment(&mut self, s: ServiceId, def: TaskDefId) -> DeploymentId {
        let id = DeploymentId(self.deployments.len() as u32);
        let ecs_id = format!("ecs-svc/{:019}", id.0 as u64 + 1);
        if let Some(old) = self.service_rt[s.index()].primary {
            let d = &mut self.deployments[old.index()];
            d.status = DeploymentStatus::Active;
            d.updated_at = self.now;
            // Reference §4.6: a new task definition returns the service to a non-throttled state.
            if d.task_definition != def {
                self.service_rt[s.index()].consecutive_failures = 0;
            }
        }
        self.deployments.push(Deployment {
            id,
            service: s,
            ecs_id: ecs_id.clone(),
            status: DeploymentStatus::Primary,
            task_definition: def,
            launch_type: self.services[s.index()].launch_type,
            rollout_state: RolloutState::InProgress,
            rollout_state_reason: format!("ECS deployment {ecs_id} in progress."),
            failed_tasks: 0,
            created_at: self.now,
            updated_at: self.now,
            completed_at: None,
            task_set: None,
        });
        self.services[s.index()].deployments.push(id);
        self.service_rt[s.index()].primary = Some(id);
        self.emit(EventDetail::DeploymentStateChange {
            service: s,
            deployment: id,
            event_name: "SERVICE_DEPLOYMENT_IN_PROGRESS",
            rollout_state: RolloutState::InProgress,
            reason: format!("ECS deployment {ecs_id} in progress."),
        });
        self.set_steady(s, false);
        id
    }

    fn update_service(&mut self, index: usize, u: crate::action::UpdateService) {
        let Some(s) = self.service_ref(index, &u.cluster, &u.service) else {
            return;
        };
        let Some(def) = self.optional_task_definition(index, &u.task_definition) else {
            return;
        };
        let svc = &mut self.services[s.index()];
        if let Some(n) = u.desired_count {
            if n != svc.desired_count {
                svc.desired_count = n;
            }
        }
        if let Some(cfg) = &u.deployment_configuration {
            svc.configuration = svc.configuration.with(cfg);
        }
        if let Some(g) = u.health_check_grace_period_s {
            svc.health_check_grace_period_s = g;
        }
        let mut redeploy = u.force_new_deployment || u.network_configuration;
        if let Some(pc) = u.placement_constraints {
            svc.placement_constraints = pc;
            redeploy = true;
        }
        if let Some(ps) = u.placement_strategy {
            svc.placement_strategy = ps;
            redeploy = true;
        }
        let primary = self.service_rt[s.index()].primary;
        let current = primary.map(|d| self.deployments[d.index()].task_definition);
        if let Some(d) = def {
            redeploy |= current != Some(d);
        }
        if redeploy && self.services[s.index()].controller == DeploymentController::Ecs {
            if let Some(d) = def.or(current) {
                self.new_deployment(s, d);
            }
        }
        self.mark_service(s);
    }

    fn delete_service(&mut self, index: usize, cluster: &str, r: &str, force: bool) {
        let Some(s) = self.service_ref(index, cluster, r) else {
            return;
        };
        let svc = &self.services[s.index()];
        if svc.scheduling_strategy == SchedulingStrategy::Replica && svc.desired_count > 0 && !force
        {
            // API DeleteService: "you must update the service to a desired task count of zero"
            // unless `force`.
            self.action_error(
                index,
                "InvalidParameterException",
                "The service cannot be stopped while it is scaled above 0.".to_string(),
            );
            return;
        }
        // Reference §4.9: ACTIVE → DRAINING; INACTIVE once every task is stopping or stopped.
        let svc = &mut self.services[s.index()];
        svc.status = ServiceStatus::Draining;
        svc.desired_count = 0;
        let live: Vec<TaskId> = self.live_tasks(s);
        for t in live {
            self.begin_stop(
                t,
                StopCode::ServiceSchedulerInitiated,
                "Service deleted.".to_string(),
            );
        }
        self.mark_service(s);
    }

    fn update_task_protection(
        &mut self,
        index: usize,
        cluster: &str,
        refs: &[String],
        enabled: bool,
        minutes: u32,
    ) {
        let Some(c) = self.cluster(index, cluster) else {
            return;
        };
        for r in refs {
            let Some(t) = self.world.task_by_ref(c, r) else {
                self.action_error(index, "MISSING", format!("Task {r} was not found."));
                continue;
            };
            let Some((s, _)) = self.tasks[t.index()].service else {
                // Reference §3.1: task protection applies to service tasks.
                self.action_error(
                    index,
                    "TASK_NOT_VALID",
                    format!("Task {r} is not part of a service."),
                );
                continue;
            };
            if self.world.task(t).desired_status == DesiredStatus::Stopped {
                self.action_error(index, "TASK_NOT_VALID", format!("Task {r} is stopping."));
                continue;
            }
            let until = enabled.then(|| self.now + SimDuration::from_seconds(minutes as u64 * 60));
            self.tasks[t.index()].protected_until = until;
            if let Some(u) = until {
                // The scheduler looks again when the protection expires.
                self.schedule_retry(s, u);
            }
            self.mark_service(s);
        }
    }

    fn task_set(
        &mut self,
        index: usize,
        cluster: &str,
        service: &str,
        id: &str,
    ) -> Option<(ServiceId, DeploymentId)> {
        let s = self.service_ref(index, cluster, service)?;
        let found = self.services[s.index()]
            .deployments
            .iter()
            .copied()
            .find(|d| {
                let dep = &self.deployments[d.index()];
                dep.ecs_id == id && dep.task_set.as_ref().is_some_and(|t| !t.deleted)
            });
        if found.is_none() {
            self.action_error(
                index,
                "TaskSetNotFoundException",
                format!("The specified task set {id} does not exist."),
            );
        }
        found.map(|d| (s, d))
    }

    fn create_task_set(&mut self, index: usize, t: crate::action::CreateTaskSet) {
        let Some(s) = self.service_ref(index, &t.cluster, &t.service) else {
            return;
        };
        if self.services[s.index()].controller != DeploymentController::External {
            self.action_error(
                index,
                "InvalidParameterException",
                "Task sets can only be created for services using the EXTERNAL deployment controller."
                    .to_string(),
            );
            return;
        }
        let Some(def) = self.resolve_task_definition(index, &t.task_definition) else {
            return;
        };
        let id = DeploymentId(self.deployments.len() as u32);
        let first = self.service_rt[s.index()].primary.is_none();
        self.deployments.push(Deployment {
            id,
            service: s,
            ecs_id: t.id.clone(),
            // RULE: the first task set of a service is its primary until another is chosen.
            status: if first {
                DeploymentStatus::Primary
            } else {
                DeploymentStatus::Active
            },
            task_definition: def,
            launch_type: t.launch_type,
            rollout_state: RolloutState::InProgress,
            rollout_state_reason: String::new(),
            failed_tasks: 0,
            created_at: self.now,
            updated_at: self.now,
            completed_at: None,
            task_set: Some(TaskSetState {
                scale_percent: t.scale_percent,
                external_id: t.external_id,
                stability_status: StabilityStatus::Stabilizing,
                stability_status_at: self.now,
                deleted: false,
            }),
        });
        self.services[s.index()].deployments.push(id);
        if first {
            self.service_rt[s.index()].primary = Some(id);
        }
        self.mark_service(s);
    }

    fn delete_task_set(
        &mut self,
        index: usize,
        cluster: &str,
        service: &str,
        id: &str,
        force: bool,
    ) {
        let Some((s, d)) = self.task_set(index, cluster, service, id) else {
            return;
        };
        let computed = self.task_set_desired(s, d);
        if computed > 0 && !force {
            // API DeleteTaskSet: `force` deletes a task set "even if it hasn't been scaled down to zero".
            self.action_error(
                index,
                "InvalidParameterException",
                format!("The task set {id} cannot be deleted while it is scaled above 0; scale it to 0 or use force."),
            );
            return;
        }
        let now = self.now;
        let dep = &mut self.deployments[d.index()];
        if let Some(ts) = dep.task_set.as_mut() {
            ts.deleted = true;
        }
        dep.updated_at = now;
        if self.service_rt[s.index()].primary == Some(d) {
            self.service_rt[s.index()].primary = None;
        }
        self.mark_service(s);
    }

    fn set_primary_task_set(&mut self, s: ServiceId, d: DeploymentId) {
        let now = self.now;
        if let Some(old) = self.service_rt[s.index()].primary {
            if old != d {
                self.deployments[old.index()].status = DeploymentStatus::Active;
                self.deployments[old.index()].updated_at = now;
            }
        }
        self.deployments[d.index()].status = DeploymentStatus::Primary;
        self.deployments[d.index()].updated_at = now;
        self.service_rt[s.index()].primary = Some(d);
        self.mark_service(s);
    }

    /// API TaskSet.computedDesiredCount (0 once deleted).
    fn task_set_desired(&self, s: ServiceId, d: DeploymentId) -> u32 {
        match &self.deployments[d.index()].task_set {
            Some(ts) if !ts.deleted => ts.computed_desired(self.services[s.index()].desired_count),
            _ => 0,
        }
    }

    // ----- marking and passes -----

    /// The service takes part in the next scheduler pass (at this millisecond).
    pub(super) fn mark_service(&mut self, s: ServiceId) {
        self.dirty.insert(s);
        if !self.pass_scheduled {
            self.pass_scheduled = true;
            self.queue
                .schedule(self.now, PHASE_SERVICE, Ev::SchedulerPass);
        }
    }

    pub(super) fn mark_cluster(&mut self, c: ClusterId) {
        let ids: Vec<ServiceId> = self
            .services
            .iter()
            .filter(|s| s.cluster == c && s.status != ServiceStatus::Inactive)
            .map(|s| s.id)
            .collect();
        for s in ids {
            self.mark_service(s);
        }
    }

    fn schedule_retry(&mut self, s: ServiceId, at: SimTime) {
        if self.service_rt[s.index()].retries.insert(at) {
            self.queue.schedule(at, PHASE_SERVICE, Ev::ServiceRetry(s));
        }
    }

    pub(super) fn service_retry(&mut self, s: ServiceId) {
        let now = self.now;
        self.service_rt[s.index()].retries.remove(&now);
        if self.services[s.index()].status != ServiceStatus::Inactive {
            self.mark_service(s);
        }
    }

    /// Visits every marked service: DAEMON services first, so that their tasks are placed before
    /// replica tasks (reference §4.1), then the others, each in creation order.
    pub(super) fn scheduler_pass(&mut self) {
        self.pass_scheduled = false;
        let dirty = std::mem::take(&mut self.dirty);
        let (daemons, others): (Vec<ServiceId>, Vec<ServiceId>) =
            dirty.into_iter().partition(|s| {
                self.services[s.index()].scheduling_strategy == SchedulingStrategy::Daemon
            });
        for s in daemons.into_iter().chain(others) {
            self.reconcile(s);
        }
    }

    fn reconcile(&mut self, s: ServiceId) {
        let svc = &self.services[s.index()];
        match svc.status {
            ServiceStatus::Inactive => return,
            ServiceStatus::Draining => {
                // Reference §4.9: INACTIVE once every task is stopping or stopped.
                let left = self.service_rt[s.index()]
                    .tasks
                    .iter()
                    .any(|&t| self.world.task(t).last_status < TaskStatus::Stopping);
                if !left {
                    self.services[s.index()].status = ServiceStatus::Inactive;
                    let now = self.now;
                    for &d in &self.services[s.index()].deployments {
                        let dep = &mut self.deployments[d.index()];
                        if dep.status != DeploymentStatus::Inactive {
                            dep.status = DeploymentStatus::Inactive;
                            dep.updated_at = now;
                        }
                    }
                    self.set_steady(s, false);
                    self.update_below(s);
                }
                return;
            }
            ServiceStatus::Active => {}
        }
        let now = self.now;
        let rt = &mut self.service_rt[s.index()];
        rt.launch_blocked = rt.launched_at == Some(now);
        match (svc.controller, svc.scheduling_strategy) {
            (DeploymentController::External, _) => self.task_set_pass(s),
            (_, SchedulingStrategy::Daemon) => self.daemon_pass(s),
            (_, SchedulingStrategy::Replica) => self.replica_pass(s),
        }
        self.settle(s);
    }

    /// The service's tasks with desired status RUNNING.
    fn live_tasks(&self, s: ServiceId) -> Vec<TaskId> {
        self.service_rt[s.index()]
            .tasks
            .iter()
            .copied()
            .filter(|&t| self.world.task(t).desired_status == DesiredStatus::Running)
            .collect()
    }

    fn facts(&self, s: ServiceId, only: Option<DeploymentId>) -> Vec<TaskFacts> {
        let svc = &self.services[s.index()];
        let spread = match svc.effective_strategy().first() {
            Some(PlacementStrategy::Spread(f)) => Some(f.clone()),
            _ => None,
        };
        let w = &self.world;
        self.live_tasks(s)
            .into_iter()
            .filter_map(|t| {
                let rt = &self.tasks[t.index()];
                let (_, deployment) = rt.service?;
                if only.is_some_and(|d| d != deployment) {
                    return None;
                }
                let task = w.task(t);
                let inst = w.instance(task.instance?);
                let spread_value = match &spread {
                    Some(SpreadField::Instance) => Some(inst.arn.clone()),
                    Some(SpreadField::Attribute(a)) => {
                        inst.attribute(a).flatten().map(str::to_string)
                    }
                    None => None,
                };
                Some(TaskFacts {
                    task: t,
                    deployment,
                    instance: inst.id,
                    zone: inst.availability_zone().map(str::to_string),
                    spread_value,
                    running: task.last_status >= TaskStatus::Running,
                    healthy: rt.healthy,
                    on_draining: inst.status != InstanceStatus::Active,
                    protected: rt.protected_until.is_some_and(|u| u > self.now),
                    instance_remaining: (
                        inst.registered.cpu.saturating_sub(inst.reserved.cpu) as u64,
                        inst.registered
                            .memory_mib
                            .saturating_sub(inst.reserved.memory_mib)
                            as u64,
                    ),
                    reservation: (
                        task.requirements.cpu as u64,
                        task.requirements.memory_mib as u64,
                    ),
                })
            })
            .collect()
    }

    fn scale_in_rule(&self, s: ServiceId) -> ScaleInRule {
        match self.services[s.index()].placement_strategy.first() {
            Some(PlacementStrategy::Spread(_)) => ScaleInRule::Spread,
            Some(PlacementStrategy::Binpack(BinpackField::Cpu)) => ScaleInRule::BinpackCpu,
            Some(PlacementStrategy::Binpack(BinpackField::Memory)) => ScaleInRule::BinpackMemory,
            // RULE: random has no "best result" to keep; it scales in as with no strategy.
            Some(PlacementStrategy::Random) | None => ScaleInRule::Default,
        }
    }

    /// Whether the deployment may launch now; when throttled, a retry is scheduled for the end of
    /// the wait.
    fn may_launch(&mut self, s: ServiceId, d: DeploymentId) -> bool {
        if self.deployments[d.index()].rollout_state == RolloutState::Failed {
            return false;
        }
        let rt = &self.service_rt[s.index()];
        if rt.consecutive_failures == 0 {
            return true;
        }
        // SPEC §7 RULE: after k consecutive tasks that stopped before RUNNING, the next attempt
        // waits min(15 min, 15 s × 2^(k−1)).
        let k = rt.consecutive_failures.min(32);
        let wait = SimDuration(
            RETRY
                .ms()
                .saturating_mul(1u64 << (k - 1))
                .min(THROTTLE_MAX.ms()),
        );
        let at = rt.last_failure_at + wait;
        if self.now >= at {
            return true;
        }
        if k >= 2 {
            let name = self.services[s.index()].name.clone();
            self.service_event(
                s,
                "throttled",
                "SERVICE_TASK_START_IMPAIRED",
                "WARN",
                format!("(service {name}) is unable to consistently start tasks successfully."),
            );
        }
        self.schedule_retry(s, at);
        false
    }

    fn replica_pass(&mut self, s: ServiceId) {
        let Some(primary) = self.service_rt[s.index()].primary else {
            return;
        };
        let facts = self.facts(s, None);
        let may_launch = self.may_launch(s, primary);
        let svc = &self.services[s.index()];
        let view = ReplicaView {
            desired: svc.desired_count,
            configuration: svc.configuration,
            primary,
            may_launch,
            tasks: &facts,
            scale_in: self.scale_in_rule(s),
        };
        let plan = plan_replica(&view);
        let figures = view.figures();
        self.service_rt[s.index()].desired_effective = svc.desired_count;
        self.service_rt[s.index()].min_healthy = figures.min_healthy;
        let stops: Vec<TaskId> = plan.stop.iter().map(|&(t, _)| t).collect();
        let audit = self.audit_begin(s, svc.desired_count, &figures);
        self.stop_service_tasks(s, &stops);
        let mut placed = Vec::new();
        self.start_service_tasks(s, primary, plan.start, None, &mut placed);
        self.audit_end(audit, &stops);
        self.report_started(s, &placed);
        self.report_blocked(s, plan.stuck, plan.blocked_by_protection);
    }

    fn audit_begin(
        &self,
        s: ServiceId,
        desired: u32,
        f: &crate::service::reconcile::Figures,
    ) -> Option<PassAudit> {
        self.audit.as_ref()?;
        Some(PassAudit {
            t: self.now,
            service: s,
            desired,
            min_healthy: f.min_healthy,
            max_tasks: f.max_tasks,
            healthy_before: self.service_rt[s.index()].healthy,
            healthy_after: 0,
            counted_before: f.counted,
            counted_after: 0,
            protected_stopped: 0,
            completed: None,
        })
    }

    fn audit_end(&mut self, audit: Option<PassAudit>, stops: &[TaskId]) {
        let Some(mut a) = audit else { return };
        let s = a.service;
        a.protected_stopped = stops.iter().filter(|&&t| self.task_protected(t)).count() as u32;
        // Healthy after the stops: a healthy task stopped by the pass no longer counts.
        a.healthy_after = self.service_rt[s.index()].healthy;
        a.counted_after = self.live_tasks(s).len() as u32;
        if let Some(log) = self.audit.as_mut() {
            log.push(a);
        }
    }

    fn daemon_pass(&mut self, s: ServiceId) {
        let Some(primary) = self.service_rt[s.index()].primary else {
            return;
        };
        let facts = self.facts(s, None);
        let may_launch = self.may_launch(s, primary);
        let instances = self.daemon_instances(s);
        let svc = &self.services[s.index()];
        let view = DaemonView {
            configuration: svc.configuration,
            primary,
            may_launch,
            instances: &instances,
            tasks: &facts,
        };
        let plan = plan_daemon(&view);
        let eligible = instances.iter().filter(|i| i.eligible).count() as u32;
        self.service_rt[s.index()].desired_effective = eligible;
        self.service_rt[s.index()].min_healthy = svc.configuration.min_healthy(eligible);
        let stops: Vec<TaskId> = plan.stop.iter().map(|&(t, _)| t).collect();
        let figures = crate::service::reconcile::Figures {
            max_tasks: svc.configuration.max_tasks(eligible),
            min_healthy: svc.configuration.min_healthy(eligible),
            counted: facts.len() as u32,
            healthy: facts.iter().filter(|t| t.healthy).count() as u32,
            primary: 0,
            old: 0,
        };
        let audit = self.audit_begin(s, eligible, &figures);
        self.stop_service_tasks(s, &stops);
        self.audit_end(audit, &stops);
        let mut placed = Vec::new();
        for i in plan.start {
            if !self.start_service_tasks(s, primary, 1, Some(i), &mut placed) {
                // Reference §4.1: placement fails, an event is generated, and ECS keeps retrying on
                // that instance; the other instances still get theirs.
                continue;
            }
        }
        self.report_started(s, &placed);
        self.report_blocked(s, plan.stuck, plan.blocked_by_protection);
    }

    /// How the cluster's instances look to a DAEMON service.
    fn daemon_instances(&self, s: ServiceId) -> Vec<DaemonInstance> {
        let svc = &self.services[s.index()];
        let w = &self.world;
        let def = self.service_rt[s.index()]
            .primary
            .map(|d| w.task_definition(self.deployments[d.index()].task_definition));
        let mut constraints: Vec<&PlacementConstraint> = svc.placement_constraints.iter().collect();
        let mut required: Vec<String> = Vec::new();
        if let Some(def) = def {
            constraints.extend(def.placement_constraints.iter());
            required = def
                .requirements(&TaskOverride::default())
                .required_attributes;
        }
        let holding: BTreeSet<InstanceId> = self.service_rt[s.index()]
            .tasks
            .iter()
            .filter_map(|&t| w.task(t).instance)
            .collect();
        w.cluster(svc.cluster)
            .instances
            .iter()
            .map(|&i| w.instance(i))
            .filter(|i| i.status != InstanceStatus::Inactive)
            .map(|inst| {
                let view = ecsim_placement::InstanceRef {
                    world: w,
                    instance: inst,
                };
                let meets = constraints.iter().all(|c| match c {
                    PlacementConstraint::MemberOf(e) => e.matches(&view),
                    PlacementConstraint::DistinctInstance => true,
                }) && required.iter().all(|a| inst.attribute(a).is_some());
                let replica_tasks_left = inst.tasks.iter().any(|&t| {
                    self.tasks[t.index()].service.is_some_and(|(o, _)| {
                        self.services[o.index()].scheduling_strategy == SchedulingStrategy::Replica
                    })
                });
                DaemonInstance {
                    instance: inst.id,
                    eligible: inst.status == InstanceStatus::Active && meets,
                    draining: inst.status == InstanceStatus::Draining,
                    replica_tasks_left,
                    holding: holding.contains(&inst.id),
                }
            })
            .collect()
    }

    /// EXTERNAL controller: each task set keeps its computed desired count, with the replica rules
    /// applied to it alone (its tasks on DRAINING instances are replaced within min/max).
    fn task_set_pass(&mut self, s: ServiceId) {
        let sets: Vec<DeploymentId> = self.services[s.index()]
            .deployments
            .iter()
            .copied()
            .filter(|d| self.deployments[d.index()].status != DeploymentStatus::Inactive)
            .collect();
        let mut placed = Vec::new();
        let mut stuck = false;
        let mut blocked = false;
        let mut min_healthy = 0;
        let mut desired_total = 0;
        for d in sets {
            let facts = self.facts(s, Some(d));
            let desired = self.task_set_desired(s, d);
            let may_launch = self.may_launch(s, d);
            let svc = &self.services[s.index()];
            let view = ReplicaView {
                desired,
                configuration: svc.configuration,
                primary: d,
                may_launch,
                tasks: &facts,
                scale_in: self.scale_in_rule(s),
            };
            let plan = plan_replica(&view);
            min_healthy += view.figures().min_healthy;
            desired_total += desired;
            let stops: Vec<TaskId> = plan.stop.iter().map(|&(t, _)| t).collect();
            self.stop_service_tasks(s, &stops);
            self.start_service_tasks(s, d, plan.start, None, &mut placed);
            stuck |= plan.stuck;
            blocked |= plan.blocked_by_protection;
        }
        self.service_rt[s.index()].desired_effective = desired_total;
        self.service_rt[s.index()].min_healthy = min_healthy;
        self.report_started(s, &placed);
        self.report_blocked(s, stuck, blocked);
    }

    /// Stops tasks for the scheduler, with ECS's stopped reason, and reports them.
    fn stop_service_tasks(&mut self, s: ServiceId, stops: &[TaskId]) {
        if stops.is_empty() {
            return;
        }
        let mut running = Vec::new();
        for &t in stops {
            let dep = self.tasks[t.index()].service.map(|(_, d)| d);
            let by = dep
                .map(|d| self.deployments[d.index()].ecs_id.clone())
                .unwrap_or_default();
            if self.world.task(t).last_status == TaskStatus::Running {
                running.push(self.world.task(t).short_id().to_string());
            }
            self.begin_stop(
                t,
                StopCode::ServiceSchedulerInitiated,
                format!("Scaling activity initiated by (deployment {by})"),
            );
        }
        if !running.is_empty() {
            let name = self.services[s.index()].name.clone();
            let list: Vec<String> = running.iter().map(|id| format!("(task {id})")).collect();
            self.service_event_always(
                s,
                "SERVICE_TASKS_STOPPED",
                "INFO",
                format!(
                    "(service {name}) has stopped {} running tasks: {}.",
                    running.len(),
                    list.join(" ")
                ),
            );
        }
    }

    /// Places up to `n` tasks of deployment `d` (on `only` when given); returns false when a
    /// placement failed (a retry is then scheduled).
    fn start_service_tasks(
        &mut self,
        s: ServiceId,
        d: DeploymentId,
        n: u32,
        only: Option<InstanceId>,
        placed: &mut Vec<TaskId>,
    ) -> bool {
        if n == 0 {
            return true;
        }
        let svc = &self.services[s.index()];
        let dep = &self.deployments[d.index()];
        let spec = TaskSpec {
            cluster: svc.cluster,
            task_definition: dep.task_definition,
            group: Some(format!("service:{}", svc.name)),
            started_by: Some(dep.ecs_id.clone()),
            launch_type: dep.launch_type,
            overrides: TaskOverride::default(),
            extra_constraints: svc.placement_constraints.clone(),
            strategies: svc.effective_strategy(),
            simulation: svc.simulation.clone(),
            service: Some((s, d)),
        };
        // RULE: one launching pass per service per millisecond; a later pass in the same
        // millisecond (tasks that started and stopped at once) launches a millisecond later, so
        // simulated time always moves.
        let now = self.now;
        if self.service_rt[s.index()].launch_blocked {
            self.schedule_retry(s, now + SimDuration::from_ms(1));
            return true;
        }
        self.service_rt[s.index()].launched_at = Some(now);
        let failures_before = self.service_rt[s.index()].consecutive_failures;
        for k in 0..n {
            // A task that failed within this pass may have tripped the circuit breaker, rolled the
            // service back or started throttling: then nothing more launches now.
            if k > 0 && !self.may_still_launch(s, d, failures_before) {
                self.schedule_retry(s, now + SimDuration::from_ms(1));
                break;
            }
            let previous = self.service_rt[s.index()]
                .last_placement_failure
                .get(&only)
                .copied();
            match self.place_service_task(&spec, only, previous) {
                Ok(task) => {
                    self.service_rt[s.index()]
                        .last_placement_failure
                        .remove(&only);
                    self.clear_cause(s, "placement");
                    placed.push(task);
                }
                Err((closest, reason)) => {
                    self.service_rt[s.index()]
                        .last_placement_failure
                        .insert(only, (reason, closest));
                    if previous != Some((reason, closest)) {
                        // The rest of the pass fails the same way (as RunTask's rest of a call).
                        let group = self.world.intern_group(spec.group.as_deref().unwrap_or(""));
                        for _ in k + 1..n {
                            self.record_failure_group(&spec, group, closest, None, reason);
                        }
                    }
                    self.placement_failed_event(s, closest, reason);
                    self.schedule_retry(s, self.now + RETRY);
                    return false;
                }
            }
        }
        true
    }

    /// Whether deployment `d` may go on launching in this pass.
    fn may_still_launch(&self, s: ServiceId, d: DeploymentId, failures_before: u32) -> bool {
        let dep = &self.deployments[d.index()];
        let rt = &self.service_rt[s.index()];
        dep.rollout_state != RolloutState::Failed
            && (dep.task_set.is_some() || rt.primary == Some(d))
            && rt.consecutive_failures <= failures_before
    }

    /// Places one service task; a failure identical to the service's previous one is not recorded
    /// again (RULE: a retry that fails the same way adds nothing to the run's record).
    fn place_service_task(
        &mut self,
        spec: &TaskSpec,
        only: Option<InstanceId>,
        previous: Option<(&'static str, Option<InstanceId>)>,
    ) -> Result<TaskId, (Option<InstanceId>, &'static str)> {
        // Only a retry after a failure may need taking back.
        let saved = previous.map(|_| {
            (
                self.events.len(),
                self.counts.clone(),
                self.fingerprint.clone(),
            )
        });
        match self.place_one(spec, only) {
            Ok(t) => Ok(t),
            Err((_, closest, reason)) => {
                if let (Some((events, counts, fingerprint)), true) =
                    (saved, previous == Some((reason, closest)))
                {
                    // Take back the record of the repeated failure (a failed placement draws no
                    // random numbers, so nothing else moved).
                    self.events.truncate(events);
                    self.counts = counts;
                    self.fingerprint = fingerprint;
                }
                Err((closest, reason))
            }
        }
    }

    fn placement_failed_event(
        &mut self,
        s: ServiceId,
        closest: Option<InstanceId>,
        reason: &'static str,
    ) {
        let name = self.services[s.index()].name.clone();
        let message = match closest {
            None if reason == NO_INSTANCES => format!(
                "(service {name}) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.{TROUBLESHOOTING}"
            ),
            None => format!(
                "(service {name}) was unable to place a task because no container instance met all of its requirements. Reason: {reason}{TROUBLESHOOTING}"
            ),
            Some(i) => {
                let arn = &self.world.instance(i).arn;
                let id = arn.rsplit('/').next().unwrap_or(arn);
                let what = match reason {
                    "RESOURCE:CPU" => "has insufficient CPU units available.".to_string(),
                    "RESOURCE:MEMORY" => "has insufficient memory available.".to_string(),
                    "RESOURCE:PORTS" | "RESOURCE:PORTS_UDP" => {
                        "is already using a port required by your task.".to_string()
                    }
                    "ATTRIBUTE" => "is missing an attribute required by your task.".to_string(),
                    other => format!("encountered error \"{other}\"."),
                };
                format!(
                    "(service {name}) was unable to place a task because no container instance met all of its requirements. The closest matching container-instance {id} {what}{TROUBLESHOOTING}"
                )
            }
        };
        let svc = s;
        self.service_event_with(
            svc,
            "placement",
            "SERVICE_TASK_PLACEMENT_FAILURE",
            "ERROR",
            message,
            Some(reason.to_string()),
            closest,
        );
    }

    fn report_started(&mut self, s: ServiceId, placed: &[TaskId]) {
        if placed.is_empty() {
            return;
        }
        let name = self.services[s.index()].name.clone();
        let list: Vec<String> = placed
            .iter()
            .map(|&t| format!("(task {})", self.world.task(t).short_id()))
            .collect();
        self.service_event_always(
            s,
            "SERVICE_TASKS_STARTED",
            "INFO",
            format!(
                "(service {name}) has started {} tasks: {}.",
                placed.len(),
                list.join(" ")
            ),
        );
    }

    fn report_blocked(&mut self, s: ServiceId, stuck: bool, protected: bool) {
        let name = self.services[s.index()].name.clone();
        if stuck {
            self.service_event(
                s,
                "stuck",
                "SERVICE_DEPLOYMENT_BLOCKED",
                "WARN",
                format!("(service {name}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."),
            );
        } else {
            self.clear_cause(s, "stuck");
        }
        if !protected {
            return;
        }
        let protected_count = self
            .live_tasks(s)
            .iter()
            .filter(|&&t| {
                self.tasks[t.index()]
                    .protected_until
                    .is_some_and(|u| u > self.now)
            })
            .count() as u32;
        if protected_count > self.service_rt[s.index()].desired_effective {
            let set = self.service_rt[s.index()]
                .primary
                .map(|d| self.deployments[d.index()].ecs_id.clone())
                .unwrap_or_default();
            self.service_event(
                s,
                "protected",
                "SERVICE_DEPLOYMENT_BLOCKED",
                "WARN",
                format!("(service {name}) was unable to reach steady state because task set ({set}) was unable to scale in. Reason: The number of protected tasks are more than the desired count of tasks."),
            );
        }
    }

    // ----- after a pass: deployments, steady state, rollout -----

    /// Deployments with no tasks left become INACTIVE; a primary with its desired count healthy
    /// and alone completes; the steady state is recorded.
    fn settle(&mut self, s: ServiceId) {
        let now = self.now;
        let live = self.live_tasks(s);
        let mut live_by: BTreeMap<DeploymentId, (u32, u32)> = BTreeMap::new();
        let mut old_left = false;
        let primary = self.service_rt[s.index()].primary;
        for &t in &live {
            let rt = &self.tasks[t.index()];
            let Some((_, d)) = rt.service else { continue };
            let e = live_by.entry(d).or_default();
            e.0 += 1;
            let on_draining = self
                .world
                .task(t)
                .instance
                .is_some_and(|i| self.world.instance(i).status != InstanceStatus::Active);
            if rt.healthy && !on_draining {
                e.1 += 1;
            }
            if Some(d) != primary || on_draining {
                old_left = true;
            }
        }
        let svc = &self.services[s.index()];
        let external = svc.controller == DeploymentController::External;
        let ids = svc.deployments.clone();
        for d in &ids {
            let dep = &mut self.deployments[d.index()];
            let (n, healthy) = live_by.get(d).copied().unwrap_or_default();
            if external {
                let Some(ts) = dep.task_set.as_ref() else {
                    continue;
                };
                let computed = if ts.deleted {
                    0
                } else {
                    ts.computed_desired(self.services[s.index()].desired_count)
                };
                let steady = n == computed && healthy == computed;
                let ts = dep.task_set.as_mut().expect("a task set");
                let status = if steady {
                    StabilityStatus::SteadyState
                } else {
                    StabilityStatus::Stabilizing
                };
                if ts.stability_status != status {
                    ts.stability_status = status;
                    ts.stability_status_at = now;
                }
                if ts.deleted && n == 0 && dep.status != DeploymentStatus::Inactive {
                    dep.status = DeploymentStatus::Inactive;
                    dep.updated_at = now;
                }
                continue;
            }
            if dep.status == DeploymentStatus::Active && n == 0 {
                dep.status = DeploymentStatus::Inactive;
                dep.updated_at = now;
            }
        }
        let desired = self.service_rt[s.index()].desired_effective;
        let steady = match (external, primary) {
            (true, _) => ids.iter().all(|d| {
                self.deployments[d.index()]
                    .task_set
                    .as_ref()
                    .is_none_or(|ts| ts.stability_status == StabilityStatus::SteadyState)
            }),
            (false, Some(p)) => {
                let (n, healthy) = live_by.get(&p).copied().unwrap_or_default();
                !old_left && n == desired && healthy == desired
            }
            (false, None) => false,
        };
        if let (false, Some(p), true) = (external, primary, steady) {
            let dep = &mut self.deployments[p.index()];
            if dep.rollout_state == RolloutState::InProgress {
                dep.rollout_state = RolloutState::Completed;
                dep.rollout_state_reason = format!("ECS deployment {} completed.", dep.ecs_id);
                // The first completion is kept (a rollback may complete it again).
                dep.completed_at.get_or_insert(now);
                dep.updated_at = now;
                let reason = dep.rollout_state_reason.clone();
                let def = dep.task_definition;
                if let Some(log) = self.audit.as_mut() {
                    let n = self.service_rt[s.index()]
                        .tasks
                        .iter()
                        .filter(|&&t| {
                            let task = self.world.task(t);
                            task.desired_status == DesiredStatus::Running
                                && task.task_definition == def
                        })
                        .count() as u32;
                    log.push(PassAudit {
                        t: now,
                        service: s,
                        desired,
                        min_healthy: 0,
                        max_tasks: 0,
                        healthy_before: 0,
                        healthy_after: 0,
                        counted_before: 0,
                        counted_after: 0,
                        protected_stopped: 0,
                        completed: Some((n, desired)),
                    });
                }
                self.emit(EventDetail::DeploymentStateChange {
                    service: s,
                    deployment: p,
                    event_name: "SERVICE_DEPLOYMENT_COMPLETED",
                    rollout_state: RolloutState::Completed,
                    reason,
                });
            }
        }
        self.set_steady(s, steady);
        self.update_below(s);
    }

    fn set_steady(&mut self, s: ServiceId, steady: bool) {
        let now = self.now;
        let rt = &mut self.service_rt[s.index()];
        let was = rt.steady;
        rt.steady = steady;
        if steady != was {
            match rt.record.steady.last_mut() {
                Some(last) if last.0 == now => last.1 = steady,
                _ => rt.record.steady.push((now, steady)),
            }
        }
        if !steady {
            self.clear_cause(s, "steady");
            return;
        }
        let name = self.services[s.index()].name.clone();
        let sent = self.service_event(
            s,
            "steady",
            "SERVICE_STEADY_STATE",
            "INFO",
            format!("(service {name}) has reached a steady state."),
        );
        if sent {
            // Reference §3.2: the steady state is reported periodically (about every six hours).
            self.schedule_retry(s, now + EVENT_REPEAT);
        }
    }

    // ----- task hooks -----

    pub(super) fn service_task_created(&mut self, s: ServiceId, task: TaskId) {
        self.service_rt[s.index()].tasks.insert(task);
    }

    pub(super) fn service_task_changed(&mut self, task: TaskId) {
        if let Some((s, _)) = self.tasks[task.index()].service {
            if self.world.task(task).last_status == TaskStatus::Running {
                // Reaching RUNNING ends a run of failed starts (reference §4.6).
                self.service_rt[s.index()].consecutive_failures = 0;
            }
            self.mark_service(s);
        }
    }

    /// A healthy task no longer counts once its desired status is STOPPED.
    pub(super) fn service_task_desired_stopped(&mut self, task: TaskId) {
        let Some((s, _)) = self.tasks[task.index()].service else {
            return;
        };
        if std::mem::take(&mut self.tasks[task.index()].healthy) {
            self.service_rt[s.index()].healthy -= 1;
            self.record_healthy(s);
        }
        self.mark_service(s);
    }

    pub(super) fn service_task_stopped(&mut self, task: TaskId) {
        // A DRAINING instance's daemon task waits for the replica tasks there (reference §4.1).
        if let Some(i) = self.world.task(task).instance {
            let inst = self.world.instance(i);
            if inst.status == InstanceStatus::Draining {
                let c = inst.cluster;
                let daemons: Vec<ServiceId> = self
                    .services
                    .iter()
                    .filter(|s| {
                        s.cluster == c
                            && s.scheduling_strategy == SchedulingStrategy::Daemon
                            && s.status == ServiceStatus::Active
                    })
                    .map(|s| s.id)
                    .collect();
                for s in daemons {
                    self.mark_service(s);
                }
            }
        }
        let Some((s, d)) = self.tasks[task.index()].service else {
            return;
        };
        self.service_rt[s.index()].tasks.remove(&task);
        let t = self.world.task(task);
        if t.started_at.is_none() && t.stop_code == Some(StopCode::TaskFailedToStart) {
            // Throttling (reference §4.6) and the circuit breaker's first stage (reference §4.4).
            let rt = &mut self.service_rt[s.index()];
            rt.consecutive_failures += 1;
            rt.last_failure_at = self.now;
            self.deployment_task_failed(s, d);
        }
        self.mark_service(s);
    }

    /// Schedules the task's health decision when it reaches RUNNING (SPEC §7 health).
    pub(super) fn arm_health(&mut self, task: TaskId) {
        let def = self
            .world
            .task_definition(self.world.task(task).task_definition);
        let check = def
            .containers
            .iter()
            .filter(|c| c.essential)
            .filter_map(|c| c.health_check.clone())
            .max_by_key(|h| h.start_period_s as u64 + h.interval_s as u64 * h.retries as u64);
        let rt = &self.tasks[task.index()];
        // `healthyAfter` as set by the action, the task definition or the scenario.
        let set = rt
            .simulation
            .timings
            .healthy_after
            .or(self.scenario.timings.healthy_after);
        let (at, healthy) = match (&check, rt.service.is_some()) {
            (None, false) => return,
            // DG: with no health check, the scheduler counts the task 40 s after RUNNING.
            (None, true) => (set.unwrap_or(SimDuration::from_seconds(40)), true),
            (Some(h), _) if rt.fails_health_check => {
                // RULE: it becomes UNHEALTHY after the start period and `retries` failed checks;
                // the service ignores that until the grace period has passed.
                let fail = SimDuration::from_seconds(
                    h.start_period_s as u64 + h.interval_s as u64 * h.retries as u64,
                );
                let grace = rt
                    .service
                    .map(|(s, _)| {
                        SimDuration::from_seconds(
                            self.services[s.index()].health_check_grace_period_s as u64,
                        )
                    })
                    .unwrap_or(SimDuration::ZERO);
                (fail.max(grace), false)
            }
            // RULE: healthy at the first check (one interval after RUNNING) unless `healthyAfter`
            // says otherwise.
            (Some(h), _) => (
                set.unwrap_or(SimDuration::from_seconds(h.interval_s as u64)),
                true,
            ),
        };
        let key = self
            .queue
            .schedule(self.now + at, PHASE_TASK, Ev::TaskHealth(task, healthy));
        self.tasks[task.index()].health_timer = Some(key);
    }

    pub(super) fn task_health(&mut self, task: TaskId, healthy: bool) {
        self.tasks[task.index()].health_timer = None;
        let t = self.world.task(task);
        if t.desired_status != DesiredStatus::Running || t.last_status != TaskStatus::Running {
            return;
        }
        let def = self.world.task_definition(t.task_definition);
        let has_check = def.has_essential_health_check();
        if has_check {
            self.world.tasks[task.index()].health_status = if healthy {
                HealthStatus::Healthy
            } else {
                HealthStatus::Unhealthy
            };
        }
        let Some((s, d)) = self.tasks[task.index()].service else {
            // Reference §4.3: standalone tasks keep running whatever their health.
            return;
        };
        if healthy {
            self.tasks[task.index()].healthy = true;
            self.service_rt[s.index()].healthy += 1;
            self.record_healthy(s);
            // SPEC §7 RULE: a healthy task resets its deployment's consecutive failures.
            self.deployments[d.index()].failed_tasks = 0;
            self.mark_service(s);
        } else {
            self.deployment_task_failed(s, d);
            // Reference §4.3: service tasks reported UNHEALTHY are stopped and replaced.
            self.begin_stop(
                task,
                StopCode::ServiceSchedulerInitiated,
                "Task failed container health checks".to_string(),
            );
            let name = self.services[s.index()].name.clone();
            let id = self.world.task(task).short_id().to_string();
            self.service_event_always(
                s,
                "SERVICE_TASKS_STOPPED",
                "INFO",
                format!("(service {name}) has stopped 1 running tasks: (task {id})."),
            );
        }
    }

    /// One more failed task for the deployment; the circuit breaker trips at its threshold.
    fn deployment_task_failed(&mut self, s: ServiceId, d: DeploymentId) {
        let dep = &mut self.deployments[d.index()];
        dep.failed_tasks += 1;
        let svc = &self.services[s.index()];
        let desired = match svc.scheduling_strategy {
            SchedulingStrategy::Replica => svc.desired_count,
            SchedulingStrategy::Daemon => self.service_rt[s.index()].desired_effective,
        };
        let trips = svc.configuration.circuit_breaker.enable
            && svc.controller == DeploymentController::Ecs
            && dep.status == DeploymentStatus::Primary
            && dep.rollout_state == RolloutState::InProgress
            && dep.failed_tasks >= circuit_breaker_threshold(desired);
        if trips {
            self.trip_circuit_breaker(s, d);
        }
    }

    /// Reference §4.4: FAILED, no more launches; with rollback, the most recent COMPLETED
    /// deployment becomes PRIMARY again (IN_PROGRESS); without one, the deployment stalls.
    fn trip_circuit_breaker(&mut self, s: ServiceId, d: DeploymentId) {
        let now = self.now;
        let reason = "ECS deployment circuit breaker: task failed to start.".to_string();
        let dep = &mut self.deployments[d.index()];
        dep.rollout_state = RolloutState::Failed;
        dep.rollout_state_reason = reason.clone();
        dep.updated_at = now;
        self.emit(EventDetail::DeploymentStateChange {
            service: s,
            deployment: d,
            event_name: "SERVICE_DEPLOYMENT_FAILED",
            rollout_state: RolloutState::Failed,
            reason,
        });
        if !self.services[s.index()]
            .configuration
            .circuit_breaker
            .rollback
        {
            return;
        }
        let target = self.services[s.index()]
            .deployments
            .iter()
            .rev()
            .copied()
            .find(|&o| {
                o != d && self.deployments[o.index()].rollout_state == RolloutState::Completed
            });
        let Some(target) = target else {
            // Stalled: the FAILED primary launches nothing.
            return;
        };
        let failed = &mut self.deployments[d.index()];
        failed.status = DeploymentStatus::Active;
        failed.updated_at = now;
        let target_ecs_id = self.deployments[target.index()].ecs_id.clone();
        let t = &mut self.deployments[target.index()];
        t.status = DeploymentStatus::Primary;
        t.rollout_state = RolloutState::InProgress;
        t.failed_tasks = 0;
        t.updated_at = now;
        let reason = format!(
            "ECS deployment circuit breaker: rolling back to deploymentId {target_ecs_id}."
        );
        t.rollout_state_reason = reason.clone();
        self.service_rt[s.index()].primary = Some(target);
        self.service_rt[s.index()].consecutive_failures = 0;
        self.emit(EventDetail::DeploymentStateChange {
            service: s,
            deployment: target,
            event_name: "SERVICE_DEPLOYMENT_IN_PROGRESS",
            rollout_state: RolloutState::InProgress,
            reason,
        });
        self.set_steady(s, false);
        self.mark_service(s);
    }

    // ----- records -----

    fn record_healthy(&mut self, s: ServiceId) {
        let now = self.now;
        let rt = &mut self.service_rt[s.index()];
        let n = rt.healthy;
        match rt.record.healthy.last_mut() {
            Some(last) if last.0 == now => last.1 = n,
            Some(last) if last.1 == n => {}
            _ => rt.record.healthy.push((now, n)),
        }
        self.update_below(s);
    }

    /// Keeps `secondsBelowMinHealthy`: time with healthy < minHealthy while the service is ACTIVE.
    fn update_below(&mut self, s: ServiceId) {
        let now = self.now;
        let active = self.services[s.index()].status == ServiceStatus::Active;
        let rt = &mut self.service_rt[s.index()];
        let below = active && rt.healthy < rt.min_healthy;
        match (below, rt.below_since) {
            (true, None) => rt.below_since = Some(now),
            (false, Some(since)) => {
                rt.record.below_min_healthy_ms += now.since(since).ms();
                rt.below_since = None;
            }
            _ => {}
        }
    }

    /// Emits a service event unless the same cause sent the same message within six hours
    /// (reference §3.2); returns whether it was sent.
    fn service_event(
        &mut self,
        s: ServiceId,
        cause: &'static str,
        event_name: &'static str,
        event_type: &'static str,
        message: String,
    ) -> bool {
        self.service_event_with(s, cause, event_name, event_type, message, None, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn service_event_with(
        &mut self,
        s: ServiceId,
        cause: &'static str,
        event_name: &'static str,
        event_type: &'static str,
        message: String,
        reason: Option<String>,
        instance: Option<InstanceId>,
    ) -> bool {
        let now = self.now;
        let key = (cause, message.clone());
        if let Some(at) = self.service_rt[s.index()].messages.get(&key) {
            if now.since(*at) < EVENT_REPEAT {
                return false;
            }
        }
        self.service_rt[s.index()].messages.insert(key, now);
        self.push_service_event(s, event_name, event_type, message, reason, instance);
        true
    }

    /// The cause is resolved: its next message is sent at once.
    fn clear_cause(&mut self, s: ServiceId, cause: &'static str) {
        self.service_rt[s.index()]
            .messages
            .retain(|(c, _), _| *c != cause);
    }

    fn service_event_always(
        &mut self,
        s: ServiceId,
        event_name: &'static str,
        event_type: &'static str,
        message: String,
    ) {
        self.push_service_event(s, event_name, event_type, message, None, None);
    }

    fn push_service_event(
        &mut self,
        s: ServiceId,
        event_name: &'static str,
        event_type: &'static str,
        message: String,
        reason: Option<String>,
        instance: Option<InstanceId>,
    ) {
        self.next_service_event += 1;
        let n = self.next_service_event;
        let id = format!(
            "{:08x}-{:04x}-4000-8000-{:012x}",
            s.0,
            (n >> 48) & 0xffff,
            n & 0xffff_ffff_ffff
        );
        let events = &mut self.services[s.index()].events;
        events.insert(
            0,
            ServiceEvent {
                id,
                created_at: self.now,
                message: message.clone(),
            },
        );
        events.truncate(EVENTS_KEPT);
        self.emit(EventDetail::ServiceAction {
            service: s,
            event_name,
            event_type,
            message,
            reason,
            instance,
        });
    }

    // ----- views -----

    /// A service as DescribeServices shows it now.
    pub(super) fn service_snapshot(&self, s: ServiceId) -> ServiceSnapshot {
        let svc = &self.services[s.index()];
        let mut per: BTreeMap<DeploymentId, (u32, u32)> = BTreeMap::new();
        let (mut running, mut pending) = (0, 0);
        for &t in &self.service_rt[s.index()].tasks {
            let task = self.world.task(t);
            let Some((_, d)) = self.tasks[t.index()].service else {
                continue;
            };
            let e = per.entry(d).or_default();
            if task.last_status == TaskStatus::Running {
                running += 1;
                e.1 += 1;
            } else if task.last_status < TaskStatus::Running
                && task.desired_status == DesiredStatus::Running
            {
                pending += 1;
                e.0 += 1;
            }
        }
        let deployments = svc
            .deployments
            .iter()
            .rev()
            .map(|d| &self.deployments[d.index()])
            .filter(|d| d.status != DeploymentStatus::Inactive)
            .map(|d| {
                let (p, r) = per.get(&d.id).copied().unwrap_or_default();
                let desired = match &d.task_set {
                    Some(_) => self.task_set_desired(s, d.id),
                    None if d.status == DeploymentStatus::Primary => svc.desired_count,
                    None => 0,
                };
                DeploymentSnapshot {
                    deployment: d.clone(),
                    desired_count: desired,
                    pending_count: p,
                    running_count: r,
                }
            })
            .collect();
        ServiceSnapshot {
            service: svc.clone(),
            running_count: running,
            pending_count: pending,
            deployments,
        }
    }

    pub(super) fn describe_services(
        &self,
        cluster: ClusterId,
        refs: &[String],
    ) -> SnapshotResponse {
        // DescribeServices also shows INACTIVE services (the most recent of that name).
        let (services, failures) = describe(refs, |r| {
            self.latest_service(cluster, r, true)
                .map(|s| self.service_snapshot(s))
        });
        SnapshotResponse::DescribeServices { services, failures }
    }

    /// One `services.csv` row per service not INACTIVE.
    pub(super) fn sample_services(&mut self) {
        let t_s = self.now.seconds();
        for svc in &self.services {
            if svc.status == ServiceStatus::Inactive {
                continue;
            }
            let rt = &self.service_rt[svc.id.index()];
            let primary = rt.primary;
            let mut row = ServiceRow {
                t_s,
                cluster: svc.cluster,
                service: svc.id,
                // D as the scheduler sees it: REPLICA the desired count; DAEMON the eligible
                // instances; EXTERNAL the task sets' computed counts.
                desired: match (svc.scheduling_strategy, svc.controller) {
                    (SchedulingStrategy::Replica, DeploymentController::Ecs) => svc.desired_count,
                    _ => rt.desired_effective,
                },
                pending: 0,
                running: 0,
                healthy: rt.healthy,
                primary_running: 0,
                deployments: svc
                    .deployments
                    .iter()
                    .filter(|d| self.deployments[d.index()].status != DeploymentStatus::Inactive)
                    .count() as u32,
                below_min_healthy: rt.healthy < rt.min_healthy,
            };
            for &t in &rt.tasks {
                let task = self.world.task(t);
                if task.last_status == TaskStatus::Running {
                    row.running += 1;
                    if self.tasks[t.index()].service.map(|(_, d)| d) == primary {
                        row.primary_running += 1;
                    }
                } else if task.last_status < TaskStatus::Running
                    && task.desired_status == DesiredStatus::Running
                {
                    row.pending += 1;
                }
            }
            self.service_rows.push(row);
        }
    }

    /// Every service with its end-of-run figures.
    pub(super) fn service_outputs(&mut self, end: SimTime) -> Vec<ServiceOutput> {
        let ids: Vec<ServiceId> = self.services.iter().map(|s| s.id).collect();
        let now = self.now;
        self.now = end.max(now);
        let mut out = Vec::new();
        for s in ids {
            // Close the open below-minHealthy interval at the end of the run.
            let rt = &mut self.service_rt[s.index()];
            if let Some(since) = rt.below_since.take() {
                rt.record.below_min_healthy_ms += self.now.since(since).ms();
                rt.below_since = Some(self.now);
            }
            let running = rt
                .tasks
                .iter()
                .filter(|&&t| self.world.task(t).last_status == TaskStatus::Running)
                .count() as u32;
            out.push(ServiceOutput {
                service: self.services[s.index()].clone(),
                running_count: running,
                healthy_count: rt.healthy,
                record: rt.record.clone(),
            });
        }
        self.now = now;
        out
    }

    /// Starts recording a [`PassAudit`] for every scheduler pass (for property tests; it costs a
    /// little time per pass).
    pub fn enable_audit(&mut self) {
        self.audit.get_or_insert_with(Vec::new);
    }

    /// The audit log since [`Engine::enable_audit`].
    pub fn audit(&self) -> &[PassAudit] {
        self.audit.as_deref().unwrap_or(&[])
    }

    /// Test and audit access: the healthy count the scheduler keeps for a service.
    pub fn service_healthy(&self, s: ServiceId) -> u32 {
        self.service_rt[s.index()].healthy
    }

    /// The services so far.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The deployments and task sets so far.
    pub fn deployments(&self) -> &[Deployment] {
        &self.deployments
    }

    /// Whether the task is scale-in protected now.
    pub fn task_protected(&self, t: TaskId) -> bool {
        self.tasks[t.index()]
            .protected_until
            .is_some_and(|u| u > self.now)
    }

    /// Whether the service counts the task healthy now.
    pub fn task_counted_healthy(&self, t: TaskId) -> bool {
        self.tasks[t.index()].healthy
    }

    /// The task's service and deployment, if it is a service task.
    pub fn task_service(&self, t: TaskId) -> Option<(ServiceId, DeploymentId)> {
        self.tasks[t.index()].service
    }
}
