//! The event loop: pops events in (time, phase, insertion) order, fingerprints each, dispatches it
//! to the subsystem it belongs to, delivers the notices subsystems left for each other, and hands
//! the records of the event to the sink.
//!
//! Subsystems, each with one job and its own state, over a shared context (`cx::Cx`: clock,
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
//! leaving with its tasks) and capacity's commands are sequenced by its `actions` module.

/// The subsystems an operation on tasks needs, borrowed from the engine `$e` beside its services
/// (which take them as [`Ops`]).
macro_rules! ops {
    ($e:expr) => {
        Ops {
            cx: &mut $e.cx,
            tasks: &mut $e.tasks,
            placing: &mut $e.placing,
            capacity: &mut $e.capacity,
        }
    };
}

mod actions;
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

use crate::output::{Halt, RunOutput, RunSummary};
use crate::record::{Collector, Discard, Sink};
use crate::scenario::Scenario;
use crate::service::{Deployment, Service};
use capacity::Capacity;
use cx::Cx;
use cx::Ops;
use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{
    ClusterId, ClusterStatus, DeploymentId, GroupId, InstanceId, LaunchType, PlacementConstraint,
    ServiceId, TaskDefStatus, TaskId, World,
};
use ecsim_placement::{place, Decision, Failure, PlacementRequest, PlacementStrategy};
use fleet::Fleet;
use placing::Placing;
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
        if let Err(detail) = self.services.zone_counts_in_step(&self.cx) {
            self.cx.violate("service counts", detail);
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
                let mut ops = ops!(self);
                self.services.pass(&mut ops);
            }
            Ev::ServiceRetry(s) => self.services.retry(&mut self.cx, s),
            Ev::Sample => {
                self.sampling
                    .sample(&mut self.cx, &mut self.services, &mut self.capacity)
            }
            Ev::Capacity(e) => {
                let mut ops = ops!(self);
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

    /// Hands the notices left so far to the service scheduler (and capacity).
    fn deliver(&mut self) {
        let mut ops = ops!(self);
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
