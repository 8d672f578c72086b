//! The event loop: pops events in (time, phase, insertion) order, fingerprints each, dispatches it
//! to the subsystem it belongs to, delivers the notices subsystems left for each other, and hands
//! the records of the event to the sink.
//!
//! Subsystems, each with one job and its own state, over a shared context ([`cx::Cx`]: clock,
//! queue, world, recorder, notices):
//! - `fleet`: container instances joining, changing and leaving;
//! - `tasks`: task creation, the lifecycle state machine, exit and health timers;
//! - `placing`: task specs resolved once, and `place_one` (placement decides where);
//! - `services`: the service scheduler (what to start and stop);
//! - `capacity`: capacity providers, their Auto Scaling groups and managed scaling, tasks waiting
//!   in PROVISIONING, Fargate, spot interruptions, zone faults, and costs;
//! - `queries`, `sampling`: what the outputs show at a time point;
//! - `recording`: every record, counted and fingerprinted as it happens.
//!
//! The loop itself is the mediator: scenario actions that span subsystems (RunTask, an instance
//! leaving with its tasks) are sequenced here.

mod capacity;
mod cx;
mod ec2;
mod faults;
mod fleet;
mod placing;
mod queries;
mod recording;
mod sampling;
mod services;
mod tasks;

pub use cx::Phase;
pub use ec2::Ec2State;

/// The base/weight rule (SPEC §8), for the split invariant of check mode.
pub(crate) fn split_choose(
    strategy: &[crate::capacity::StrategyItem],
    counts: &[u32],
) -> Option<usize> {
    capacity::split::choose(strategy, counts)
}
pub use fleet::AGENT_RESERVED_TCP_PORTS;
pub use services::PassAudit;

use crate::action::*;
use crate::output::{Halt, RunOutput, RunSummary};
use crate::record::{Collector, Discard, Sink};
use crate::scenario::Scenario;
use crate::service::{Deployment, Service};
use capacity::{Capacity, Command, Route};
use cx::Cx;
use cx::Ops;
use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{
    ClusterId, ClusterStatus, DeploymentId, GroupId, InstanceId, InstanceStatus, LaunchType,
    PlacementConstraint, ServiceId, StartedBy, StopCode, StoppedReason, TaskDefId, TaskDefStatus,
    TaskId, World,
};
use ecsim_placement::{place, Decision, Failure, PlacementRequest, PlacementStrategy};
use fleet::Fleet;
use placing::{Placing, SpecRequest};
use recording::SinkRef;
use sampling::Sampling;
use services::Services;
use std::sync::Arc;
use tasks::{TaskEv, Tasks};

/// Capacity's timed events.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CapEv {
    /// Managed scaling's evaluation, every 60 s.
    Evaluate,
    /// A task's 30 minutes in PROVISIONING are up.
    ProvisioningTimeout(TaskId),
    /// A FARGATE_SPOT task's drawn interruption.
    SpotTaskInterrupt(TaskId),
    /// The end of a FARGATE_SPOT task's two-minute warning.
    SpotTaskStop(TaskId),
    /// A spot instance's drawn interruption.
    SpotInstanceInterrupt(InstanceId),
    /// The end of a spot instance's two-minute warning.
    SpotInstanceTerminate(InstanceId),
    /// A replacement of an instance refresh of the provider's group is warm.
    RefreshWarm(capacity::ProviderIx),
}

/// The events of the queue, by the subsystem that handles them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev {
    /// Scenario action by index into `actions`.
    Action(usize),
    Task(TaskEv),
    /// A launched EC2 instance boots and registers.
    InstanceReady(usize),
    /// The service scheduler's pass over the services marked since the last one.
    SchedulerPass,
    /// A service's retry (placement retry, throttling, protection expiry, steady-state reminder).
    ServiceRetry(ServiceId),
    Sample,
    Capacity(CapEv),
    /// A random fault's arrival (by its index among the run's arrivals) and entry.
    Fault(u32, u32),
    /// The end of an injected outage or agent disconnect (by its id in `Faults`).
    FaultEnd(u32),
}

impl Ev {
    /// (kind, id) for the fingerprint: what the event is, not its payload's details.
    fn fingerprint(self) -> (u8, u64) {
        match self {
            Ev::Action(i) => (1, i as u64),
            Ev::Task(t) => t.fingerprint(),
            Ev::InstanceReady(i) => (5, i as u64),
            Ev::Sample => (6, 0),
            Ev::SchedulerPass => (7, 0),
            Ev::ServiceRetry(s) => (8, s.0 as u64),
            Ev::Capacity(c) => match c {
                CapEv::Evaluate => (11, 0),
                CapEv::ProvisioningTimeout(t) => (12, t.0 as u64),
                CapEv::SpotTaskInterrupt(t) => (13, t.0 as u64),
                CapEv::SpotTaskStop(t) => (14, t.0 as u64),
                CapEv::SpotInstanceInterrupt(i) => (15, i.0 as u64),
                CapEv::SpotInstanceTerminate(i) => (16, i.0 as u64),
                CapEv::RefreshWarm(p) => (19, p as u64),
            },
            Ev::Fault(n, _) => (17, n as u64),
            Ev::FaultEnd(n) => (18, n as u64),
        }
    }
}

/// Bounds on one run (SPEC §3 run limits): reaching one ends the run with a [`Halt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Events processed (`ecsim run --max-events`).
    pub max_events: u64,
    /// Tasks held at once (not yet released), a guard on memory.
    pub max_tasks_held: usize,
    /// Events pending at once in the queue, a guard on memory.
    pub max_pending_events: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: 1_000_000_000,
            max_tasks_held: 20_000_000,
            max_pending_events: 100_000_000,
        }
    }
}

/// The simulator. Build it with [`Engine::new`] (its records are dropped) or
/// [`Engine::with_sink`] (they go to your sink as they happen), drive it with
/// [`Engine::run_until`] or [`Engine::run_to_end`], and take the figures with [`Engine::finish`].
pub struct Engine<'s> {
    cx: Cx<'s>,
    fleet: Fleet,
    tasks: Tasks,
    placing: Placing,
    services: Services,
    capacity: Capacity,
    sampling: Sampling,
    faults: faults::Faults,
    limits: Limits,
}

impl Engine<'static> {
    /// An engine whose records are dropped (for runs that want only the figures, or `explain`).
    pub fn new(scenario: &Scenario) -> Engine<'static> {
        Engine::build(
            Arc::new(scenario.clone()),
            SinkRef::Owned(Box::new(Discard)),
        )
    }
}

impl<'s> Engine<'s> {
    /// An engine that hands every record to `sink` as it happens, over a shared scenario (no copy
    /// of its actions).
    pub fn with_sink(scenario: Arc<Scenario>, sink: &'s mut dyn Sink) -> Engine<'s> {
        Engine::build(scenario, SinkRef::Borrowed(sink))
    }

    /// An engine that owns its sink.
    pub fn with_owned_sink(scenario: Arc<Scenario>, sink: Box<dyn Sink + 's>) -> Engine<'s> {
        Engine::build(scenario, SinkRef::Owned(sink))
    }

    fn build(scenario: Arc<Scenario>, sink: SinkRef<'s>) -> Engine<'s> {
        let streams = RandomStreams::new(scenario.seed);
        let mut cx = Cx::new(Arc::clone(&scenario), sink);
        // Actions run in (at, file order): the queue's insertion sequence keeps file order for
        // equal times.
        let mut order: Vec<usize> = (0..scenario.actions.len()).collect();
        order.sort_by_key(|&i| (scenario.actions[i].at, i));
        for i in order {
            cx.schedule_at(scenario.actions[i].at, Phase::Action, Ev::Action(i));
        }
        cx.schedule_at(SimTime::ZERO, Phase::Sample, Ev::Sample);
        // Random faults come after every scenario action of the same millisecond (inserted
        // later), as their explicit actions do when appended to the scenario's.
        let mut faults = faults::Faults::new(&streams, scenario.faults.as_deref().unwrap_or(&[]));
        for (n, (t, k)) in faults.arrivals(cx.horizon).into_iter().enumerate() {
            cx.schedule_at(t, Phase::Action, Ev::Fault(n as u32, k));
        }
        Engine {
            cx,
            fleet: Fleet::default(),
            tasks: Tasks::new(&streams),
            placing: Placing::new(&streams),
            services: Services::new(),
            capacity: Capacity::new(&streams, &scenario),
            sampling: Sampling::default(),
            faults,
            limits: Limits::default(),
        }
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Keeps what a collected run shows after its end: every task (stopped ones are otherwise
    /// released an hour after they stop) and each service's healthy-count history. Outputs are the
    /// same either way; only memory differs.
    pub fn keep_history(&mut self) {
        self.tasks.retain_stopped(true);
        self.services.keep_history(true);
    }

    pub fn world(&self) -> &World {
        &self.cx.world
    }

    pub fn now(&self) -> SimTime {
        self.cx.now
    }

    /// The scenario's horizon.
    pub fn horizon(&self) -> SimTime {
        self.cx.horizon
    }

    /// Processes every event at or before `until` (and never past the horizon). A reached limit,
    /// or a sink that refuses a record, ends the run: the halt is returned (and the run should not
    /// be continued).
    pub fn run_until(&mut self, until: SimTime) -> Result<(), Halt> {
        let until = until.min(self.cx.horizon);
        while let Some(t) = self.cx.queue.peek_time() {
            if t > until {
                break;
            }
            if self.cx.rec.counts.events_processed >= self.limits.max_events {
                return Err(Halt::EventBudget {
                    max_events: self.limits.max_events,
                    at: t,
                });
            }
            let (t, phase, ev) = self.cx.queue.pop().expect("peeked");
            self.cx.now = t;
            let (kind, id) = ev.fingerprint();
            let code = Phase::from_order(phase).fingerprint_code();
            self.cx.rec.processed(t, code, kind, id);
            self.tasks.release_expired(&mut self.cx);
            self.dispatch(ev);
            self.deliver();
            self.carry_out();
            self.check_bounds();
            if self.cx.checking {
                self.check_invariants();
                if self.cx.violation.is_some() {
                    // The state after a broken invariant is a bug's: the run ends here.
                    return Ok(());
                }
            }
            if let Some(e) = self.cx.rec.take_refusal() {
                return Err(Halt::Sink {
                    message: e.0,
                    at: t,
                });
            }
            if let Some(halt) = self.cx.halt.take() {
                return Err(halt);
            }
        }
        self.cx.now = self.cx.now.max(until);
        Ok(())
    }

    /// Check mode (SPEC §12.4): after every event the engine's invariants are evaluated (see
    /// [`crate::check`]); the first broken one ends the run and is kept in
    /// [`Engine::violation`]. A run without it pays nothing for them.
    pub fn enable_checks(&mut self) {
        self.cx.checking = true;
        self.cx.rec.transitions = Some(Box::default());
        self.services.enable_audit();
    }

    /// The first invariant broken in check mode, if any.
    pub fn violation(&self) -> Option<&crate::check::Violation> {
        self.cx.violation.as_ref()
    }

    /// The invariants after one event (check mode).
    fn check_invariants(&mut self) {
        if let Err((invariant, detail)) = crate::check::world_invariants(&self.cx.world) {
            self.cx.violate(invariant, detail);
        }
        let broken = self
            .cx
            .rec
            .transitions
            .as_ref()
            .and_then(|t| t.broken.clone());
        if let Some((task, detail)) = broken {
            let arn = self.cx.world.task_arn(task);
            self.cx
                .violate("transitions", format!("task {arn}: {detail}"));
        }
        for a in self.services.take_audit() {
            let service = &self.services.services[a.service.index()];
            let daemon = service.scheduling_strategy == crate::service::SchedulingStrategy::Daemon;
            if let Err(detail) = crate::check::pass_invariants(&a, daemon) {
                let detail = format!("service {}: {detail}", service.name);
                self.cx.violate("service counts", detail);
            }
        }
    }

    pub fn run_to_end(&mut self) -> Result<(), Halt> {
        self.run_until(self.cx.horizon)
    }

    fn check_bounds(&mut self) {
        let held = self.tasks.held();
        if held > self.limits.max_tasks_held {
            self.cx.halt(format!(
                "the run holds {held} tasks, more than its bound of {}",
                self.limits.max_tasks_held
            ));
        }
        let pending = self.cx.queue.len();
        if pending > self.limits.max_pending_events {
            self.cx.halt(format!(
                "the run has {pending} pending events, more than its bound of {}",
                self.limits.max_pending_events
            ));
        }
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Action(i) => self.apply_action(i),
            Ev::Task(e) => self.tasks.handle(&mut self.cx, e),
            Ev::InstanceReady(i) => {
                let registered = self.fleet.instance_ready(&mut self.cx, i);
                self.capacity.launch_ready(&mut self.cx, i, registered);
            }
            Ev::SchedulerPass => {
                let mut ops = Ops {
                    cx: &mut self.cx,
                    tasks: &mut self.tasks,
                    placing: &mut self.placing,
                    capacity: &mut self.capacity,
                };
                self.services.pass(&mut ops);
            }
            Ev::ServiceRetry(s) => self.services.retry(&mut self.cx, s),
            Ev::Sample => {
                self.sampling
                    .sample(&mut self.cx, &mut self.services, &mut self.capacity)
            }
            Ev::Capacity(e) => {
                let mut ops = Ops {
                    cx: &mut self.cx,
                    tasks: &mut self.tasks,
                    placing: &mut self.placing,
                    capacity: &mut self.capacity,
                };
                Capacity::handle(&mut ops, e);
            }
            Ev::Fault(_, k) => self.inject_fault(k),
            Ev::FaultEnd(id) => {
                if let Some((action, fault)) = self.faults.take_end(id) {
                    self.apply_injected(action, fault);
                }
            }
        }
    }

    /// A random fault arrives (SPEC §12.1): its target is drawn, the `ECS Fault Injected` event
    /// said, and the explicit action it stands for carried out as a scenario action is; its end,
    /// if it has one, is scheduled.
    fn inject_fault(&mut self, k: u32) {
        let Some(inj) = self
            .faults
            .arrive(&self.cx, &self.services, &self.capacity, k)
        else {
            return;
        };
        let fault = self.faults.injected;
        self.faults.injected += 1;
        let now = self.cx.now;
        self.cx.rec.emit(
            now,
            &self.cx.world,
            crate::record::EventDetail::FaultInjected {
                fault_type: inj.type_name,
                target: Arc::from(inj.target.as_str()),
                until: inj.until,
            },
        );
        if let (Some(later), Some(until)) = (inj.later, inj.until) {
            let id = self.faults.keep_end(later, fault);
            self.cx.schedule_at(until, Phase::Action, Ev::FaultEnd(id));
        }
        self.apply_injected(inj.now, fault);
    }

    /// Carries out an action a fault stands for, under the next action index after the
    /// scenario's (as if appended to its actions), and lists it for `summary.json`.
    fn apply_injected(&mut self, a: faults::FaultAction, fault: u32) {
        let index = self.cx.scenario.actions.len() + self.cx.injected.len();
        self.cx.injected.push(crate::fault::InjectedAction {
            at: self.cx.now,
            name: a.name,
            input_json: a.input_json,
            simulation_json: a.simulation_json,
            fault,
        });
        self.apply(index, &a.action);
    }

    /// Carries out what capacity asked for (launches, drains, terminations) and starts the
    /// waiting tasks that may now start, delivering each change before the next, until nothing
    /// is left.
    fn carry_out(&mut self) {
        loop {
            let started = {
                let mut ops = Ops {
                    cx: &mut self.cx,
                    tasks: &mut self.tasks,
                    placing: &mut self.placing,
                    capacity: &mut self.capacity,
                };
                Capacity::work(&mut ops)
            };
            if started {
                self.deliver();
            }
            let Some(cmd) = self.capacity.commands.pop_front() else {
                if !self.capacity.waiting.has_dirty() {
                    return;
                }
                continue;
            };
            match cmd {
                Command::Launch { provider, zone } => self.launch_for_group(provider, &zone),
                Command::Terminate { instance } => {
                    if self.cx.world.instance(instance).status != InstanceStatus::Inactive {
                        self.remove_instance(instance, true);
                    }
                }
                Command::Drain { instance, reason } => Fleet::drain(&mut self.cx, instance, reason),
            }
            self.deliver();
        }
    }

    /// One launch of a provider's group, in `zone`.
    fn launch_for_group(&mut self, p: capacity::ProviderIx, zone: &str) {
        let Some(g) = self.capacity.providers[p].group() else {
            return;
        };
        let (Some(plan), Some(cluster)) = (g.plan.clone(), g.cluster) else {
            return;
        };
        let Some(z) = plan.availability_zones.iter().position(|x| x == zone) else {
            return;
        };
        let delay = g
            .config
            .group
            .instance_launch
            .or(self.cx.scenario.timings.instance_launch)
            .unwrap_or(ecsim_kernel::SimDuration::from_seconds(90));
        let (slot, _) = self.fleet.launch_one(&mut self.cx, &plan, z, delay);
        let instance_type = plan.instance_type.clone();
        self.capacity
            .launched(&self.cx, slot, Some(p), cluster, &instance_type, zone);
    }

    /// Hands the notices left so far to the service scheduler (and capacity).
    fn deliver(&mut self) {
        let mut ops = Ops {
            cx: &mut self.cx,
            tasks: &mut self.tasks,
            placing: &mut self.placing,
            capacity: &mut self.capacity,
        };
        self.services.absorb(&mut ops);
    }

    /// The run's figures, with the assertions evaluated.
    pub fn finish(self) -> RunSummary {
        self.finish_with_world().0
    }

    /// The run's figures and its final world.
    pub fn finish_with_world(mut self) -> (RunSummary, World) {
        let end = self.cx.horizon;
        let (services, watches) = self.services.outputs(&self.cx, end);
        let scenario = Arc::clone(&self.cx.scenario);
        let billing = &self.capacity.billing;
        let instances_peak = |c: Option<ClusterId>, p: Option<&str>| billing.instances_peak(c, p);
        let facts = crate::assertions::RunFacts {
            counts: &self.cx.rec.counts,
            world: &self.cx.world,
            services: &services,
            watches: &watches,
            deployments: &self.services.deployments,
            end,
            instances_peak: &instances_peak,
            max_cost_per_hour: billing.max_rate,
        };
        let assertions = scenario
            .assertions
            .iter()
            .enumerate()
            .map(|(k, a)| a.evaluate(k, &facts))
            .collect();
        let world = &self.cx.world;
        let (costs, capacity_providers) = self
            .capacity
            .billing
            .summary(end, &|c| world.cluster(c).name.clone());
        let clusters = self.sampling.cluster_figures(
            &self.cx,
            &self.capacity,
            &services,
            &self.cx.rec.counts,
            end,
        );
        let summary = RunSummary {
            scenario_name: scenario.name.clone(),
            seed: scenario.seed,
            start_time_unix_ms: scenario.start_time_unix_ms,
            simulated_ms: end.ms(),
            fingerprint: self.cx.rec.fingerprint_hex(),
            counts: self.cx.rec.counts.clone(),
            services,
            deployments: std::mem::take(&mut self.services.deployments),
            task_definition_arns: self
                .cx
                .world
                .task_definitions()
                .map(|d| d.arn.clone())
                .collect(),
            utilization: self.sampling.utilization(),
            capacity_providers,
            clusters,
            costs,
            cost_per_hour_at_end: self.capacity.billing.rate(None),
            assertions,
            faults: scenario
                .faults
                .as_ref()
                .map(|_| std::mem::take(&mut self.cx.injected)),
        };
        (summary, self.cx.world)
    }

    // ----- actions -----

    fn apply_action(&mut self, index: usize) {
        let scenario = Arc::clone(&self.cx.scenario);
        self.apply(index, &scenario.actions[index].action);
    }

    /// Carries out action `index` (the scenario's, or an injected fault's after them).
    fn apply(&mut self, index: usize, action: &Action) {
        let cx = &mut self.cx;
        match action {
            Action::CreateCluster(c) => {
                let id = cx.world.create_cluster(&c.cluster_name);
                self.capacity.cluster_created(cx, index, id, c);
            }
            Action::PutClusterCapacityProviders {
                cluster,
                capacity_providers,
                default_strategy,
            } => {
                let Some(c) = cx.cluster(index, cluster) else {
                    return;
                };
                let in_use = self.services.providers_in_use(Some(c));
                self.capacity.put_cluster_capacity_providers(
                    cx,
                    index,
                    c,
                    capacity_providers,
                    default_strategy,
                    &in_use,
                );
            }
            Action::CreateCapacityProvider(c) => self.capacity.create_provider(cx, index, c),
            Action::UpdateCapacityProvider(u) => self.capacity.update_provider(cx, index, u),
            Action::DeleteCapacityProvider { capacity_provider } => {
                let in_use = self.services.providers_in_use(None);
                self.capacity
                    .delete_provider(cx, index, capacity_provider, &in_use);
            }
            Action::StartInstanceRefresh(r) => self.capacity.start_refresh(cx, index, r),
            Action::InterruptSpot {
                capacity_provider,
                cluster,
                amount,
            } => {
                let c = match cluster {
                    Some(name) => match cx.cluster(index, name) {
                        Some(c) => Some(c),
                        None => return,
                    },
                    None => None,
                };
                let mut ops = Ops {
                    cx: &mut self.cx,
                    tasks: &mut self.tasks,
                    placing: &mut self.placing,
                    capacity: &mut self.capacity,
                };
                Capacity::interrupt_spot(&mut ops, index, capacity_provider, c, *amount);
                self.deliver();
            }
            Action::FailAvailabilityZone { availability_zone } => {
                let aborted = self.fleet.abort_zone(&mut self.cx, availability_zone);
                let mut ops = Ops {
                    cx: &mut self.cx,
                    tasks: &mut self.tasks,
                    placing: &mut self.placing,
                    capacity: &mut self.capacity,
                };
                Capacity::fail_zone(&mut ops, availability_zone, &aborted);
                self.deliver();
            }
            Action::RestoreAvailabilityZone { availability_zone } => {
                let mut ops = Ops {
                    cx: &mut self.cx,
                    tasks: &mut self.tasks,
                    placing: &mut self.placing,
                    capacity: &mut self.capacity,
                };
                Capacity::restore_zone(&mut ops, availability_zone);
            }
            Action::DeleteCluster { cluster } => self.delete_cluster(index, cluster),
            Action::NoEffect => {}
            Action::RegisterContainerInstance(r) => {
                if let Some(i) = self.fleet.register_container_instance(cx, index, r) {
                    self.capacity.registered(cx, i);
                }
            }
            Action::LaunchContainerInstances(l) => self.launch_container_instances(index, l),
            Action::DeregisterContainerInstance {
                cluster,
                container_instance,
                force,
            } => self.deregister_container_instance(index, cluster, container_instance, *force),
            Action::UpdateContainerInstancesState {
                cluster,
                container_instances,
                status,
            } => Fleet::update_state(cx, index, cluster, container_instances, *status),
            Action::PutAttributes {
                cluster,
                attributes,
            } => Fleet::put_attributes(cx, index, cluster, attributes, false),
            Action::DeleteAttributes {
                cluster,
                attributes,
            } => Fleet::put_attributes(cx, index, cluster, attributes, true),
            Action::RegisterTaskDefinition(def) => {
                let mut def = (**def).clone();
                def.registered_at = cx.now;
                def.status = TaskDefStatus::Active;
                cx.world.register_task_definition(def);
            }
            Action::DeregisterTaskDefinition { task_definition } => {
                match cx.world.task_definition_by_ref(task_definition) {
                    Some(id) => cx
                        .world
                        .set_task_definition_status(id, TaskDefStatus::Inactive),
                    None => cx.action_error(
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
                crash,
            } => self.stop_task(index, cluster, task, reason.as_ref(), *crash),
            Action::TerminateContainerInstances {
                cluster,
                selector,
                count,
            } => self.terminate_container_instances(index, cluster, selector, *count),
            Action::DrainContainerInstances { cluster, selector } => {
                Fleet::drain_selected(cx, index, cluster, selector)
            }
            Action::DisconnectAgent { cluster, selector } => {
                Fleet::set_agent(cx, index, cluster, selector, false)
            }
            Action::ReconnectAgent { cluster, selector } => {
                Fleet::set_agent(cx, index, cluster, selector, true)
            }
            Action::ListContainerInstances { .. }
            | Action::DescribeContainerInstances { .. }
            | Action::DescribeTasks { .. }
            | Action::ListAttributes { .. }
            | Action::DescribeServices { .. }
            | Action::DescribeCapacityProviders { .. }
            | Action::DescribeInstanceImageMetadata { .. }
            | Action::Snapshot { .. } => queries::query(
                cx,
                &self.fleet,
                &self.services,
                &self.capacity,
                index,
                action,
            ),
            Action::CreateService(_)
            | Action::UpdateService(_)
            | Action::DeleteService { .. }
            | Action::UpdateTaskProtection { .. }
            | Action::CreateTaskSet(_)
            | Action::UpdateTaskSet { .. }
            | Action::DeleteTaskSet { .. }
            | Action::UpdateServicePrimaryTaskSet { .. } => {
                let mut ops = Ops {
                    cx: &mut self.cx,
                    tasks: &mut self.tasks,
                    placing: &mut self.placing,
                    capacity: &mut self.capacity,
                };
                self.services.action(&mut ops, index, action);
            }
        }
    }

    /// LaunchContainerInstances: the instances boot (billed from now); into a provider, they join
    /// its group (RULE: as EC2 Auto Scaling's attach-instances, raising its desired capacity, up
    /// to its maxSize).
    fn launch_container_instances(&mut self, index: usize, l: &LaunchContainerInstances) {
        let Some(c) = self.cx.cluster(index, &l.cluster) else {
            return;
        };
        let provider = match &l.capacity_provider {
            Some(name) => {
                let Some(p) = self.capacity.provider_ix(name) else {
                    self.cx.action_error(
                        index,
                        "ClientException",
                        format!("The specified capacity provider {name} does not exist."),
                    );
                    return;
                };
                if let Err(max) = capacity::attach(&mut self.capacity, p, l.count) {
                    self.cx.action_error(
                        index,
                        "ValidationError",
                        format!("Attaching {} instances to the Auto Scaling group of {name} would exceed its maxSize of {max}.", l.count),
                    );
                    return;
                }
                Some(p)
            }
            None => None,
        };
        for (slot, _, zone) in self.fleet.launch(&mut self.cx, index, l) {
            self.capacity
                .launched(&self.cx, slot, provider, c, &l.instance_type, &zone);
        }
    }

    fn delete_cluster(&mut self, index: usize, name: &str) {
        let Some(c) = self.cx.cluster(index, name) else {
            return;
        };
        if Fleet::has_registered_instances(&self.cx, c) {
            // API: DeleteCluster — "You must deregister all container instances from this cluster
            // before you may delete it."
            self.cx.action_error(
                index,
                "ClusterContainsContainerInstancesException",
                "The cluster contains one or more registered container instances; deregister them before deleting the cluster.".to_string(),
            );
            return;
        }
        if self.services.cluster_has_services(c) {
            // API: DeleteCluster — ClusterContainsServicesException.
            self.cx.action_error(
                index,
                "ClusterContainsServicesException",
                "The cluster contains one or more active services; delete them before deleting the cluster.".to_string(),
            );
            return;
        }
        self.cx.world.clusters[c.index()].status = ClusterStatus::Inactive;
        self.capacity.cluster_deleted(c);
    }

    fn run_task(&mut self, index: usize, r: &RunTask) {
        let Some(c) = self.cx.cluster(index, &r.cluster) else {
            return;
        };
        let Some(def) = self.cx.task_definition(index, &r.task_definition) else {
            return;
        };
        let Some(route) = self.capacity.route(
            &mut self.cx,
            index,
            c,
            r.launch_type,
            r.capacity_provider_strategy.as_deref(),
        ) else {
            return;
        };
        if !self
            .capacity
            .check_fargate(&mut self.cx, index, def, &route, &r.subnets)
        {
            return;
        }
        if matches!(route, Route::LaunchType(lt) if lt != LaunchType::Fargate)
            && !Fleet::has_registered_instances(&self.cx, c)
        {
            // RunTask on a cluster with no registered instances is an API error, not a failure
            // entry (with a capacity provider strategy the tasks wait or fail per provider).
            self.cx.action_error(
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
        let group = self.group(def, r.group.as_deref());
        let (launch_type, items) = route.split();
        // One spec per strategy item (one in all without a strategy), resolved at first use.
        let mut specs: Vec<Option<ecsim_model::SpecId>> = vec![None; items.len().max(1)];
        let mut counts = vec![0u32; items.len()];
        for k in 0..r.count {
            let item = if items.is_empty() {
                0
            } else {
                match capacity::split::choose(&items, &counts) {
                    Some(i) => i,
                    None => break,
                }
            };
            let spec = match specs[item] {
                Some(spec) => spec,
                None => {
                    let provider = items
                        .get(item)
                        .map(|i| Arc::<str>::from(i.capacity_provider.as_str()));
                    let lt = match &provider {
                        Some(p) => self.capacity.provider_launch_type(p),
                        None => launch_type,
                    };
                    let spec = self.placing.resolve(
                        &mut self.cx,
                        SpecRequest {
                            cluster: c,
                            task_definition: def,
                            group,
                            started_by: r.started_by.clone().map(StartedBy::Text),
                            launch_type: lt,
                            capacity_provider: provider,
                            overrides: &r.overrides,
                            constraints: &r.placement_constraints,
                            strategies: strategies.clone(),
                            simulation: r.simulation.as_ref(),
                            service: None,
                            daemon: false,
                        },
                    );
                    if lt == LaunchType::Fargate {
                        self.capacity.fargate_spec(&mut self.cx, spec, &r.subnets);
                    }
                    specs[item] = Some(spec);
                    spec
                }
            };
            let placed = {
                let mut ops = Ops {
                    cx: &mut self.cx,
                    tasks: &mut self.tasks,
                    placing: &mut self.placing,
                    capacity: &mut self.capacity,
                };
                Capacity::place_task(&mut ops, spec, 0)
            };
            match placed {
                Ok(_) => {
                    if let Some(n) = counts.get_mut(item) {
                        *n += 1;
                    }
                    self.deliver();
                }
                Err(u) => {
                    // RULE: a task of the call found no instance and nothing has changed since, so
                    // the rest of the call fails the same way (the split gives them the same
                    // provider); it is recorded without running the pipeline again.
                    for _ in k..r.count {
                        Placing::record_failure(&mut self.cx, spec, u.closest, None, u.reason);
                    }
                    break;
                }
            }
        }
    }

    /// The task group of a call: the request's, or `family:FAMILY` (API: RunTask.group).
    fn group(&mut self, def: TaskDefId, group: Option<&str>) -> GroupId {
        match group {
            Some(g) => self.cx.world.intern_group(g),
            None => {
                let name = self.cx.world.task_definition(def).default_group();
                self.cx.world.intern_group(&name)
            }
        }
    }

    fn start_task(&mut self, index: usize, s: &StartTask) {
        let Some(c) = self.cx.cluster(index, &s.cluster) else {
            return;
        };
        let Some(def) = self.cx.task_definition(index, &s.task_definition) else {
            return;
        };
        let group = self.group(def, s.group.as_deref());
        let spec = self.placing.resolve(
            &mut self.cx,
            SpecRequest {
                cluster: c,
                task_definition: def,
                group,
                started_by: s.started_by.clone().map(StartedBy::Text),
                launch_type: LaunchType::Ec2,
                capacity_provider: None,
                overrides: &s.overrides,
                constraints: &[],
                strategies: Vec::new(),
                simulation: s.simulation.as_ref(),
                service: None,
                daemon: false,
            },
        );
        for r in &s.container_instances {
            let target = self.cx.world.instance_by_ref(c, r);
            let status = target.map(|i| self.cx.world.instance(i).status);
            let failure = match (target, status) {
                // DG api_failures_messages: StartTask — MISSING (not found), INACTIVE
                // (deregistered).
                (None, _) => Some((None, Some(Arc::from(r.as_str())), "MISSING")),
                (Some(i), Some(InstanceStatus::Inactive)) => Some((Some(i), None, "INACTIVE")),
                // RULE: a DRAINING instance takes no new tasks, StartTask's included.
                (Some(i), Some(InstanceStatus::Draining)) => Some((Some(i), None, "DRAINING")),
                (Some(i), _) => {
                    match self
                        .placing
                        .place_one(&mut self.cx, &mut self.tasks, spec, Some(i), 0)
                    {
                        Ok(_) => {
                            self.deliver();
                            None
                        }
                        Err(u) => Some((u.closest, None, u.reason)),
                    }
                }
            };
            if let Some((instance, requested, reason)) = failure {
                Placing::record_failure(&mut self.cx, spec, instance, requested, reason);
            }
        }
    }

    fn stop_task(
        &mut self,
        index: usize,
        cluster: &str,
        r: &str,
        reason: Option<&Arc<String>>,
        crash: bool,
    ) {
        let Some(c) = self.cx.cluster(index, cluster) else {
            return;
        };
        match queries::visible_task(&self.cx, c, r) {
            // RULE: StopTask with simulation.stopCode EssentialContainerExited stops the task as a
            // crash of its essential container does (a taskCrash fault's explicit action).
            Some(t) if crash => {
                self.tasks.crash(&mut self.cx, t);
                self.deliver();
            }
            Some(t) => {
                let reason = match reason {
                    Some(text) => StoppedReason::User(Arc::clone(text)),
                    None => StoppedReason::StoppedByUser,
                };
                self.tasks
                    .begin_stop(&mut self.cx, t, StopCode::UserInitiated, reason);
                self.deliver();
            }
            None => self.cx.action_error(
                index,
                "InvalidParameterException",
                "The referenced task was not found.".to_string(),
            ),
        }
    }

    fn deregister_container_instance(&mut self, index: usize, cluster: &str, r: &str, force: bool) {
        let Some(c) = self.cx.cluster(index, cluster) else {
            return;
        };
        let Some(&id) = Fleet::resolve(&mut self.cx, index, c, &[r.to_string()]).first() else {
            return;
        };
        let inst = self.cx.world.instance(id);
        if inst.status == InstanceStatus::Inactive {
            self.cx.action_error(
                index,
                "InvalidParameterException",
                format!("Container instance {r} is already deregistered (INACTIVE)."),
            );
            return;
        }
        let n = inst.tasks.len();
        if n > 0 && !force {
            // DG: deregistering with running tasks needs `force`.
            self.cx.action_error(
                index,
                "InvalidParameterException",
                format!(
                    "Container instance {r} has {n} tasks; deregister with force: ecsim then stops them (TerminationNotice)."
                ),
            );
            return;
        }
        self.remove_instance(id, false);
    }

    fn terminate_container_instances(
        &mut self,
        index: usize,
        cluster: &str,
        selector: &InstanceSelector,
        count: Option<u32>,
    ) {
        let Some(c) = self.cx.cluster(index, cluster) else {
            return;
        };
        let mut ids: Vec<InstanceId> = Fleet::select(&mut self.cx, index, c, selector)
            .into_iter()
            .filter(|&i| self.cx.world.instance(i).status != InstanceStatus::Inactive)
            .collect();
        if let Some(n) = count {
            ids.truncate(n as usize);
        }
        for id in ids {
            self.remove_instance(id, true);
        }
    }

    /// An instance leaves its cluster: its tasks stop at once (stopCode TerminationNotice), each
    /// change delivered before the next, then the instance is INACTIVE. The one way out, for a
    /// deregistration (`terminated` false) and for an EC2 termination.
    fn remove_instance(&mut self, id: InstanceId, terminated: bool) {
        let tasks: Vec<TaskId> = self.cx.world.instance(id).tasks.iter().copied().collect();
        for t in tasks {
            let reason = if terminated {
                StoppedReason::HostTerminated(id)
            } else {
                StoppedReason::InstanceDeregistered
            };
            self.tasks
                .stop_now(&mut self.cx, t, StopCode::TerminationNotice, reason);
            self.deliver();
        }
        Fleet::left(&mut self.cx, id, terminated);
    }

    // ----- explanations and accessors -----

    /// Explains, at the current time, where a task of `task_definition` would go in `cluster`:
    /// every ACTIVE instance's verdict and each strategy's scores. `strategies` empty means
    /// RunTask's default; `constraints` are the request's (the task definition's are added);
    /// `group` defaults to `family:FAMILY`; `capacity_provider`, an Auto Scaling group provider
    /// of the cluster, restricts the task to that provider's instances as a task assigned to it
    /// is (SPEC §8). The final draw uses a stream of its own, so it illustrates, and need not
    /// equal, the run's own draw.
    pub fn explain(
        &self,
        cluster: &str,
        task_definition: &str,
        strategies: &[PlacementStrategy],
        constraints: &[PlacementConstraint],
        group: Option<&str>,
        capacity_provider: Option<&str>,
    ) -> Result<(Result<Decision, Failure>, ClusterId), String> {
        let world = &self.cx.world;
        let c = world
            .cluster_by_ref(cluster)
            .filter(|&c| world.cluster(c).status == ClusterStatus::Active)
            .ok_or_else(|| format!("cluster '{cluster}' does not exist at this time"))?;
        let def_id = world.task_definition_by_ref(task_definition).ok_or_else(|| {
            let known: Vec<String> = world.task_definitions().map(|d| d.family_revision()).collect();
            match known.is_empty() {
                true => format!("task definition '{task_definition}' is not registered at this time; none is"),
                false => format!("task definition '{task_definition}' is not registered at this time; registered: {}", known.join(", ")),
            }
        })?;
        let def = world.task_definition(def_id);
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
        let group = world.group_id(&group_name).unwrap_or(GroupId(u32::MAX));
        let strategies = if strategies.is_empty() {
            PlacementStrategy::run_task_default()
        } else {
            strategies.to_vec()
        };
        let mut all_constraints = def.placement_constraints.clone();
        all_constraints.extend(constraints.iter().cloned());
        let provider = match capacity_provider {
            None => None,
            Some(name) => {
                let of_cluster: Vec<&str> = self
                    .capacity
                    .cluster_providers(c)
                    .iter()
                    .map(|&p| &*self.capacity.providers[p].name)
                    .collect();
                let p = self
                    .capacity
                    .provider_ix(name)
                    .filter(|p| self.capacity.cluster_providers(c).contains(p))
                    .ok_or_else(|| match of_cluster.is_empty() {
                        true => format!("capacity provider '{name}' is not associated with cluster '{cluster}' at this time; it has none"),
                        false => format!("capacity provider '{name}' is not associated with cluster '{cluster}' at this time; its providers: {}", of_cluster.join(", ")),
                    })?;
                let provider = &self.capacity.providers[p];
                if provider.is_fargate() {
                    return Err(format!("capacity provider {name} runs tasks on Fargate, which has no container instances to explain"));
                }
                Some(&*provider.name)
            }
        };
        let req = PlacementRequest {
            cluster: c,
            requirements: &requirements,
            group,
            launch_type: LaunchType::Ec2,
            constraints: &all_constraints,
            strategies: &strategies,
            only: None,
            capacity_provider: provider,
            explain: true,
        };
        let mut rng = RandomStreams::new(self.cx.scenario.seed).stream("explain");
        Ok((place(world, &req, &mut rng), c))
    }

    /// Starts recording a [`PassAudit`] for every scheduler pass (for property tests; it costs a
    /// little time per pass).
    pub fn enable_audit(&mut self) {
        self.services.enable_audit();
    }

    /// The audit log since [`Engine::enable_audit`].
    pub fn audit(&self) -> &[PassAudit] {
        self.services.audit()
    }

    /// The healthy count the scheduler keeps for a service.
    pub fn service_healthy(&self, s: ServiceId) -> u32 {
        self.services.rt[s.index()].healthy
    }

    /// A service's desired and RUNNING tasks now, as `services.csv` counts them (DAEMON: the
    /// eligible instances).
    pub fn service_desired_running(&self, s: ServiceId) -> (u32, u32) {
        self.services.desired_and_running(s)
    }

    /// The services so far.
    pub fn services(&self) -> &[Service] {
        &self.services.services
    }

    /// The deployments and task sets so far.
    pub fn deployments(&self) -> &[Deployment] {
        &self.services.deployments
    }

    /// Whether the task is scale-in protected now.
    pub fn task_protected(&self, t: TaskId) -> bool {
        self.services.task_protected(&self.cx, t)
    }

    /// Whether the service counts the task healthy now.
    pub fn task_counted_healthy(&self, t: TaskId) -> bool {
        self.services.task_counted_healthy(&self.cx, t)
    }

    /// The task's service and deployment, if it is a service task.
    pub fn task_service(&self, t: TaskId) -> Option<(ServiceId, DeploymentId)> {
        self.cx
            .world
            .get_task(t)
            .and_then(|task| self.cx.world.spec(task.spec).service)
    }
}

/// Runs a scenario to its horizon and collects everything it produced (for tests and small runs:
/// memory grows with the run; a large run streams to a [`Sink`] with [`Engine::run_to_end`]).
pub fn run(scenario: &Scenario) -> RunOutput {
    let mut sink = Collector::default();
    let mut engine = Engine::with_sink(Arc::new(scenario.clone()), &mut sink);
    engine.keep_history();
    let halt = engine.run_to_end().err();
    let (summary, world) = engine.finish_with_world();
    RunOutput {
        records: sink.records,
        summary,
        world,
        halt,
    }
}
