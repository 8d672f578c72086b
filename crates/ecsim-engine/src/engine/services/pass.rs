//! The scheduler's pass: for each service marked since the last one, the facts of its tasks, the
//! pure reconciler's plan (what to stop, how many to start), and the plan applied — stops through
//! the task lifecycle, starts through `Placing::place_one`, the same "where" as RunTask — then the
//! deployments and steady state settled.

use super::health::RETRY;
use super::{Ops, Services};
use crate::engine::cx::Cx;
use crate::engine::placing::{Placing, SpecRequest};
use crate::record::EventDetail;
use crate::service::reconcile::{
    plan_daemon, plan_replica, DaemonInstance, DaemonView, Figures, ReplicaView, ScaleInRule,
    TaskFacts,
};
use crate::service::{
    DeploymentController, DeploymentStatus, RolloutState, SchedulingStrategy, ServiceStatus,
    StabilityStatus,
};
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{
    DeploymentId, DesiredStatus, InstanceId, InstanceStatus, ServiceId, SpecId, StartedBy,
    StopCode, StoppedReason, TaskId, TaskStatus,
};
use ecsim_placement::{eligible, BinpackField, PlacementRequest, PlacementStrategy, SpreadField};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One scheduler pass as the audit log records it (see `Engine::enable_audit`): the figures the
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
    /// The task set the pass was for (EXTERNAL controller: one audit per task set, its figures
    /// that task set's alone).
    pub task_set: Option<DeploymentId>,
    /// The tasks the reconciler's plan named to stop, and how many it said to start: the engine
    /// stops no other task in the pass and starts no more (ARCHITECTURE.md).
    pub planned_stops: Vec<TaskId>,
    pub planned_start: u32,
    /// Tasks the pass started.
    pub started: u32,
}

/// What a plan says to do, once the facts it was made from are gone.
struct Applied {
    stops: Vec<TaskId>,
    start: u32,
    stuck: bool,
    blocked_by_protection: bool,
    /// Protected tasks among the stops (for the audit; the reconciler never chooses one).
    protected_stopped: u32,
}

impl Services {
    /// Visits every marked service: DAEMON services first, so that their tasks are placed before
    /// replica tasks (reference §4.1), then the others, each in creation order.
    pub fn pass(&mut self, op: &mut Ops<'_, '_>) {
        self.pass_scheduled = false;
        let dirty = std::mem::take(&mut self.dirty);
        let (daemons, others): (Vec<ServiceId>, Vec<ServiceId>) =
            dirty.into_iter().partition(|s| {
                self.services[s.index()].scheduling_strategy == SchedulingStrategy::Daemon
            });
        for s in daemons.into_iter().chain(others) {
            self.reconcile(op, s);
        }
    }

    fn reconcile(&mut self, op: &mut Ops<'_, '_>, s: ServiceId) {
        let svc = &self.services[s.index()];
        match svc.status {
            ServiceStatus::Inactive => return,
            ServiceStatus::Draining => {
                // Reference §4.9: INACTIVE once every task is stopping or stopped.
                let left = self.rt[s.index()]
                    .tasks
                    .keys()
                    .any(|&t| op.cx.world.task(t).last_status < TaskStatus::Stopping);
                if !left {
                    self.services[s.index()].status = ServiceStatus::Inactive;
                    let now = op.cx.now;
                    for &d in &self.services[s.index()].deployments {
                        let dep = &mut self.deployments[d.index()];
                        if dep.status != DeploymentStatus::Inactive {
                            dep.status = DeploymentStatus::Inactive;
                            dep.updated_at = now;
                        }
                    }
                    self.set_steady(op.cx, s, false);
                    self.update_below(op.cx, s);
                }
                return;
            }
            ServiceStatus::Active => {}
        }
        let (controller, strategy) = (svc.controller, svc.scheduling_strategy);
        let now = op.cx.now;
        let rt = &mut self.rt[s.index()];
        rt.launch_blocked = rt.launched_at == Some(now);
        match (controller, strategy) {
            (DeploymentController::External, _) => self.task_set_pass(op, s),
            (_, SchedulingStrategy::Daemon) => self.daemon_pass(op, s),
            (_, SchedulingStrategy::Replica) => self.replica_pass(op, s),
        }
        self.settle(op.cx, s);
    }

    /// The facts of the service's tasks with desired status RUNNING (of deployment `only`, when
    /// given), in task id order.
    fn facts<'w>(
        &self,
        cx: &'w Cx,
        s: ServiceId,
        only: Option<DeploymentId>,
    ) -> Vec<TaskFacts<'w>> {
        let svc = &self.services[s.index()];
        let spread = match (svc.scheduling_strategy, svc.placement_strategy.first()) {
            // The REPLICA default spreads over zones first (SPEC §4).
            (SchedulingStrategy::Replica, None) => {
                Some(SpreadField::Attribute("ecs.availability-zone".into()))
            }
            (_, Some(PlacementStrategy::Spread(f))) => Some(f.clone()),
            _ => None,
        };
        let w = &cx.world;
        let now = cx.now;
        let rt = &self.rt[s.index()];
        rt.tasks
            .iter()
            .filter_map(|(&t, st)| {
                let task = w.task(t);
                if task.desired_status != DesiredStatus::Running
                    || only.is_some_and(|d| d != st.deployment)
                {
                    return None;
                }
                let req = &w.spec(task.spec).requirements;
                let mut facts = TaskFacts {
                    task: t,
                    deployment: st.deployment,
                    instance: None,
                    zone: task.zone.map(|z| &**w.zone_name(z)),
                    spread_value: None,
                    running: task.last_status >= TaskStatus::Running,
                    healthy: st.healthy,
                    on_draining: false,
                    protected: rt.is_protected(t, now),
                    instance_remaining: (0, 0),
                    reservation: (req.cpu as u64, req.memory_mib as u64),
                };
                // A task on no instance (Fargate, or waiting in PROVISIONING) has its zone, if
                // any, and nothing else an instance would give it.
                if let Some(i) = task.instance {
                    let inst = w.instance(i);
                    facts.instance = Some(i);
                    facts.zone = inst.availability_zone();
                    facts.spread_value = match &spread {
                        Some(SpreadField::Instance) => Some(inst.ec2_instance_id.as_str()),
                        Some(SpreadField::Attribute(a)) => inst.attribute(a).flatten(),
                        None => None,
                    };
                    facts.on_draining = inst.status != InstanceStatus::Active;
                    facts.instance_remaining = (
                        inst.registered.cpu.saturating_sub(inst.reserved.cpu) as u64,
                        inst.registered
                            .memory_mib
                            .saturating_sub(inst.reserved.memory_mib)
                            as u64,
                    );
                }
                Some(facts)
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

    /// Tasks counted against maxTasks: desired status RUNNING.
    fn counted(&self, cx: &Cx, s: ServiceId) -> u32 {
        self.rt[s.index()]
            .tasks
            .keys()
            .filter(|&&t| cx.world.task(t).desired_status == DesiredStatus::Running)
            .count() as u32
    }

    /// The plan for a REPLICA service (or one task set, `only`), with the facts it was made from
    /// already dropped.
    fn replica_plan(
        &self,
        cx: &Cx,
        s: ServiceId,
        deployment: DeploymentId,
        desired: u32,
        may_launch: bool,
        only: Option<DeploymentId>,
    ) -> (Applied, Figures) {
        let facts = self.facts(cx, s, only);
        let svc = &self.services[s.index()];
        let view = ReplicaView {
            desired,
            configuration: svc.configuration,
            primary: deployment,
            may_launch,
            tasks: &facts,
            scale_in: self.scale_in_rule(s),
        };
        let plan = plan_replica(&view);
        let applied = Applied {
            protected_stopped: protected_among(&facts, plan.stop.iter().map(|&(t, _)| t)),
            stops: plan.stop.iter().map(|&(t, _)| t).collect(),
            start: plan.start,
            stuck: plan.stuck,
            blocked_by_protection: plan.blocked_by_protection,
        };
        (applied, view.figures())
    }

    fn replica_pass(&mut self, op: &mut Ops<'_, '_>, s: ServiceId) {
        let Some(primary) = self.rt[s.index()].primary else {
            return;
        };
        let may_launch = self.may_launch(op.cx, s, primary);
        let desired = self.services[s.index()].desired_count;
        let (plan, figures) = self.replica_plan(op.cx, s, primary, desired, may_launch, None);
        self.rt[s.index()].desired_effective = desired;
        self.rt[s.index()].min_healthy = figures.min_healthy;
        let audit = self.audit_begin(op.cx, s, desired, &figures, &plan, None);
        self.stop_service_tasks(op, s, &plan.stops);
        let mut placed = Vec::new();
        self.start_service_tasks(op, s, primary, plan.start, None, &mut placed);
        self.audit_end(op.cx, audit, plan.protected_stopped, placed.len());
        self.report_started(op.cx, s, &placed);
        self.report_blocked(op.cx, s, plan.stuck, plan.blocked_by_protection);
    }

    fn audit_begin(
        &self,
        cx: &Cx,
        s: ServiceId,
        desired: u32,
        f: &Figures,
        plan: &Applied,
        task_set: Option<DeploymentId>,
    ) -> Option<PassAudit> {
        self.audit.as_ref()?;
        Some(PassAudit {
            t: cx.now,
            service: s,
            desired,
            min_healthy: f.min_healthy,
            max_tasks: f.max_tasks,
            healthy_before: match task_set {
                None => self.rt[s.index()].healthy,
                Some(_) => f.healthy,
            },
            healthy_after: 0,
            counted_before: f.counted,
            counted_after: 0,
            protected_stopped: 0,
            completed: None,
            task_set,
            planned_stops: plan.stops.clone(),
            planned_start: plan.start,
            started: 0,
        })
    }

    fn audit_end(
        &mut self,
        cx: &Cx,
        audit: Option<PassAudit>,
        protected_stopped: u32,
        started: usize,
    ) {
        let Some(mut a) = audit else { return };
        let s = a.service;
        a.protected_stopped = protected_stopped;
        a.started = started as u32;
        // Healthy after the stops: a healthy task stopped by the pass no longer counts (a task it
        // started is not healthy yet).
        match a.task_set {
            None => {
                a.healthy_after = self.rt[s.index()].healthy;
                a.counted_after = self.counted(cx, s);
            }
            Some(d) => {
                let facts = self.facts(cx, s, Some(d));
                a.healthy_after = facts.iter().filter(|t| t.healthy).count() as u32;
                a.counted_after = facts.len() as u32;
            }
        }
        if let Some(log) = self.audit.as_mut() {
            log.push(a);
        }
    }

    fn daemon_pass(&mut self, op: &mut Ops<'_, '_>, s: ServiceId) {
        let Some(primary) = self.rt[s.index()].primary else {
            return;
        };
        let may_launch = self.may_launch(op.cx, s, primary);
        let instances = self.daemon_instances(op, s, primary);
        let eligible = instances.iter().filter(|i| i.eligible).count() as u32;
        let configuration = self.services[s.index()].configuration;
        let (plan, figures, start) = {
            let facts = self.facts(op.cx, s, None);
            let view = DaemonView {
                configuration,
                primary,
                may_launch,
                instances: &instances,
                tasks: &facts,
            };
            let plan = plan_daemon(&view);
            let figures = Figures {
                max_tasks: configuration.max_tasks(eligible),
                min_healthy: configuration.min_healthy(eligible),
                counted: facts.len() as u32,
                healthy: facts.iter().filter(|t| t.healthy).count() as u32,
                primary: 0,
                old: 0,
            };
            let applied = Applied {
                protected_stopped: protected_among(&facts, plan.stop.iter().map(|&(t, _)| t)),
                stops: plan.stop.iter().map(|&(t, _)| t).collect(),
                start: plan.start.len() as u32,
                stuck: plan.stuck,
                blocked_by_protection: plan.blocked_by_protection,
            };
            (applied, figures, plan.start)
        };
        self.rt[s.index()].desired_effective = eligible;
        self.rt[s.index()].min_healthy = configuration.min_healthy(eligible);
        let audit = self.audit_begin(op.cx, s, eligible, &figures, &plan, None);
        self.stop_service_tasks(op, s, &plan.stops);
        let mut placed = Vec::new();
        for i in start {
            // Reference §4.1: a placement that fails is an event, and ECS keeps retrying on that
            // instance; the other instances still get theirs.
            self.start_service_tasks(op, s, primary, 1, Some(i), &mut placed);
        }
        self.audit_end(op.cx, audit, plan.protected_stopped, placed.len());
        self.report_started(op.cx, s, &placed);
        self.report_blocked(op.cx, s, plan.stuck, plan.blocked_by_protection);
    }

    /// How the cluster's instances look to a DAEMON service: which could host its primary
    /// deployment's task (placement's answer, `eligible`), which are DRAINING and still hold replica
    /// tasks, which hold a task of the service.
    fn daemon_instances(
        &mut self,
        op: &mut Ops<'_, '_>,
        s: ServiceId,
        primary: DeploymentId,
    ) -> Vec<DaemonInstance> {
        let spec = self.deployment_spec(op, s, primary, 0);
        let spec = Arc::clone(op.cx.world.spec_arc(spec));
        let req = PlacementRequest {
            cluster: spec.cluster,
            requirements: &spec.requirements,
            group: spec.group,
            launch_type: spec.launch_type,
            constraints: &spec.constraints,
            strategies: &[],
            only: None,
            capacity_provider: spec.capacity_provider.as_deref(),
            explain: false,
        };
        let w = &op.cx.world;
        let holding: BTreeSet<InstanceId> = self.rt[s.index()]
            .tasks
            .keys()
            .filter_map(|&t| w.task(t).instance)
            .collect();
        w.cluster(spec.cluster)
            .instances
            .iter()
            .map(|&i| w.instance(i))
            .filter(|i| i.status != InstanceStatus::Inactive)
            .map(|inst| {
                let replica_tasks_left = inst.tasks.iter().any(|&t| {
                    w.task_spec(t).service.is_some_and(|(o, _)| {
                        self.services[o.index()].scheduling_strategy == SchedulingStrategy::Replica
                    })
                });
                DaemonInstance {
                    instance: inst.id,
                    eligible: eligible(w, inst, &req),
                    draining: inst.status == InstanceStatus::Draining,
                    replica_tasks_left,
                    holding: holding.contains(&inst.id),
                }
            })
            .collect()
    }

    /// EXTERNAL controller: each task set keeps its computed desired count, with the replica rules
    /// applied to it alone (its tasks on DRAINING instances are replaced within min/max).
    fn task_set_pass(&mut self, op: &mut Ops<'_, '_>, s: ServiceId) {
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
            let desired = self.task_set_desired(s, d);
            let may_launch = self.may_launch(op.cx, s, d);
            let (plan, figures) = self.replica_plan(op.cx, s, d, desired, may_launch, Some(d));
            min_healthy += figures.min_healthy;
            desired_total += desired;
            let audit = self.audit_begin(op.cx, s, desired, &figures, &plan, Some(d));
            let before = placed.len();
            self.stop_service_tasks(op, s, &plan.stops);
            self.start_service_tasks(op, s, d, plan.start, None, &mut placed);
            self.audit_end(op.cx, audit, plan.protected_stopped, placed.len() - before);
            stuck |= plan.stuck;
            blocked |= plan.blocked_by_protection;
        }
        self.rt[s.index()].desired_effective = desired_total;
        self.rt[s.index()].min_healthy = min_healthy;
        self.report_started(op.cx, s, &placed);
        self.report_blocked(op.cx, s, stuck, blocked);
    }

    /// Stops tasks for the scheduler, with ECS's stopped reason, and reports them.
    fn stop_service_tasks(&mut self, op: &mut Ops<'_, '_>, s: ServiceId, stops: &[TaskId]) {
        if stops.is_empty() {
            return;
        }
        let mut running = Vec::new();
        for &t in stops {
            let Some(st) = self.rt[s.index()].tasks.get(&t) else {
                continue;
            };
            let deployment = st.deployment;
            if op.cx.world.task(t).last_status == TaskStatus::Running {
                running.push(t);
            }
            op.tasks.begin_stop(
                op.cx,
                t,
                StopCode::ServiceSchedulerInitiated,
                StoppedReason::ScalingActivity(deployment),
            );
            self.absorb(op);
        }
        self.report_stopped(op.cx, s, &running);
    }

    /// The spec of deployment `d`'s tasks on item `item` of its capacity provider strategy (0
    /// without one), resolved at its first launch there.
    fn deployment_spec(
        &mut self,
        op: &mut Ops<'_, '_>,
        s: ServiceId,
        d: DeploymentId,
        item: usize,
    ) -> SpecId {
        if let Some(&spec) = self.specs.get(&(d, item)) {
            return spec;
        }
        let svc = &self.services[s.index()];
        let dep = &self.deployments[d.index()];
        let provider = dep
            .capacity_provider_strategy
            .get(item)
            .map(|i| Arc::<str>::from(i.capacity_provider.as_str()));
        let launch_type = match &provider {
            Some(p) => op.capacity.provider_launch_type(p),
            None => dep.launch_type,
        };
        let subnets = dep.subnets.clone();
        let spec = op.placing.resolve(
            op.cx,
            SpecRequest {
                cluster: svc.cluster,
                task_definition: dep.task_definition,
                group: svc.group,
                started_by: Some(StartedBy::Deployment(d)),
                launch_type,
                capacity_provider: provider,
                overrides: &TaskOverride::default(),
                constraints: &svc.placement_constraints,
                strategies: svc.effective_strategy(),
                simulation: svc.simulation.as_ref(),
                service: Some((s, d)),
                daemon: svc.scheduling_strategy == SchedulingStrategy::Daemon,
            },
        );
        if launch_type == ecsim_model::LaunchType::Fargate {
            op.capacity.fargate_spec(op.cx, spec, &subnets);
        }
        self.specs.insert((d, item), spec);
        spec
    }

    /// A placement change applies to the deployments' next tasks.
    pub(super) fn forget_specs(&mut self, s: ServiceId) {
        for &d in &self.services[s.index()].deployments {
            self.specs.retain(|&(x, _), _| x != d);
        }
    }

    /// The strategy item the service's next task of deployment `d` goes to (SPEC §8 split over
    /// the service's tasks with desired status RUNNING); 0 without a strategy.
    fn next_item(&self, s: ServiceId, d: DeploymentId) -> Option<usize> {
        let strategy = &self.deployments[d.index()].capacity_provider_strategy;
        if strategy.is_empty() {
            return Some(0);
        }
        let counts: Vec<u32> = strategy
            .iter()
            .map(|i| {
                self.rt[s.index()]
                    .by_provider
                    .get(i.capacity_provider.as_str())
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        crate::engine::capacity::split::choose(strategy, &counts)
    }

    /// Check mode: the split invariant for the item the next task goes to, over the service's
    /// counts recomputed from the world's tasks (not from the scheduler's own tally).
    fn check_split(&self, cx: &mut Cx, s: ServiceId, d: DeploymentId, item: usize) {
        let strategy = &self.deployments[d.index()].capacity_provider_strategy;
        if strategy.is_empty() {
            return;
        }
        let w = &cx.world;
        let counts: Vec<u32> = strategy
            .iter()
            .map(|i| {
                w.tasks()
                    .filter(|t| t.desired_status == ecsim_model::DesiredStatus::Running)
                    .filter(|t| {
                        let spec = w.spec(t.spec);
                        spec.service.map(|x| x.0) == Some(s)
                            && spec.capacity_provider.as_deref()
                                == Some(i.capacity_provider.as_str())
                    })
                    .count() as u32
            })
            .collect();
        if let Err(detail) = crate::check::split_assignment(strategy, &counts, item) {
            let detail = format!("service {}: {detail}", self.services[s.index()].name);
            cx.violate("split", detail);
        }
    }

    /// Places up to `n` tasks of deployment `d` (on `only` when given); returns false when a
    /// placement failed (a retry is then scheduled).
    fn start_service_tasks(
        &mut self,
        op: &mut Ops<'_, '_>,
        s: ServiceId,
        d: DeploymentId,
        n: u32,
        only: Option<InstanceId>,
        placed: &mut Vec<TaskId>,
    ) -> bool {
        if n == 0 {
            return true;
        }
        // RULE: one launching pass per service per millisecond; a later pass in the same
        // millisecond (tasks that started and stopped at once) launches a millisecond later, so
        // simulated time always moves.
        let now = op.cx.now;
        if self.rt[s.index()].launch_blocked {
            self.schedule_retry(op.cx, s, now + SimDuration::from_ms(1));
            return true;
        }
        let grace = self.services[s.index()].health_check_grace_period_s;
        self.rt[s.index()].launched_at = Some(now);
        let failures_before = self.rt[s.index()].consecutive_failures;
        for k in 0..n {
            if k > 0 && !self.may_still_launch(s, d, failures_before) {
                self.schedule_retry(op.cx, s, now + SimDuration::from_ms(1));
                break;
            }
            let previous = self.rt[s.index()]
                .last_placement_failure
                .get(&only)
                .copied();
            // RULE: every weight 0 and the base met leaves no provider (the loader refuses such a
            // strategy; a service can still reach it): the task fails as an empty provider does.
            let Some(item) = self.next_item(s, d) else {
                self.placement_failed_event(op.cx, s, None, "EMPTY CAPACITY PROVIDER");
                self.schedule_retry(op.cx, s, now + RETRY);
                return false;
            };
            if op.cx.checking {
                self.check_split(op.cx, s, d, item);
            }
            let spec = self.deployment_spec(op, s, d, item);
            let result = match only {
                Some(_) => op.placing.place_one(op.cx, op.tasks, spec, only, grace),
                None => crate::engine::capacity::Capacity::place_task(op, spec, grace),
            };
            match result {
                Ok(task) => {
                    self.add_task(op.cx, s, task, d);
                    self.absorb(op);
                    self.rt[s.index()].last_placement_failure.remove(&only);
                    self.clear_cause(s, "placement");
                    placed.push(task);
                }
                Err(unplaced) => {
                    self.rt[s.index()]
                        .last_placement_failure
                        .insert(only, unplaced);
                    // RULE: a retry that fails exactly as the previous attempt adds nothing to the
                    // run's record; otherwise this task and the rest of the pass fail the same way
                    // (as RunTask's rest of a call).
                    if previous != Some(unplaced) {
                        for _ in k..n {
                            Placing::record_failure(
                                op.cx,
                                spec,
                                unplaced.closest,
                                None,
                                unplaced.reason,
                            );
                        }
                    }
                    self.placement_failed_event(op.cx, s, unplaced.closest, unplaced.reason);
                    self.schedule_retry(op.cx, s, now + RETRY);
                    return false;
                }
            }
        }
        true
    }

    /// Deployments with no tasks left become INACTIVE; a primary with its desired count healthy
    /// and alone completes; the steady state is recorded.
    fn settle(&mut self, cx: &mut Cx, s: ServiceId) {
        let now = cx.now;
        let mut live_by: BTreeMap<DeploymentId, (u32, u32)> = BTreeMap::new();
        let mut old_left = false;
        // SPEC §7: COMPLETED only once no other deployment has a task not yet STOPPED; and the
        // service is steady only once no task of it is still stopping (a scale-in included).
        let mut other_not_stopped = false;
        let mut stopping_left = false;
        let primary = self.rt[s.index()].primary;
        for (&t, st) in &self.rt[s.index()].tasks {
            let task = cx.world.task(t);
            if Some(st.deployment) != primary && task.last_status != TaskStatus::Stopped {
                other_not_stopped = true;
            }
            if task.desired_status != DesiredStatus::Running {
                stopping_left |= task.last_status != TaskStatus::Stopped;
                continue;
            }
            let d = st.deployment;
            let e = live_by.entry(d).or_default();
            e.0 += 1;
            let on_draining = task
                .instance
                .is_some_and(|i| cx.world.instance(i).status != InstanceStatus::Active);
            if st.healthy && !on_draining {
                e.1 += 1;
            }
            if Some(d) != primary || on_draining {
                old_left = true;
            }
        }
        let external = self.services[s.index()].controller == DeploymentController::External;
        let desired_count = self.services[s.index()].desired_count;
        for k in 0..self.services[s.index()].deployments.len() {
            let d = self.services[s.index()].deployments[k];
            let dep = &mut self.deployments[d.index()];
            let (n, healthy) = live_by.get(&d).copied().unwrap_or_default();
            if external {
                let Some(ts) = dep.task_set.as_mut() else {
                    continue;
                };
                let computed = if ts.deleted {
                    0
                } else {
                    ts.computed_desired(desired_count)
                };
                let steady = n == computed && healthy == computed;
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
        let desired = self.rt[s.index()].desired_effective;
        let steady = match (external, primary) {
            (true, _) => self.services[s.index()].deployments.iter().all(|d| {
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
        let completed = steady && !external && !other_not_stopped;
        let steady = steady && (external || (!other_not_stopped && !stopping_left));
        if let (false, Some(p), true) = (external, primary, completed) {
            let dep = &mut self.deployments[p.index()];
            if dep.rollout_state == RolloutState::InProgress {
                dep.rollout_state = RolloutState::Completed;
                let reason: Arc<str> =
                    Arc::from(format!("ECS deployment {} completed.", p.ecs_id()));
                dep.rollout_state_reason = Arc::clone(&reason);
                // The first completion is kept (a rollback may complete it again).
                dep.completed_at.get_or_insert(now);
                dep.updated_at = now;
                let def = dep.task_definition;
                if let Some(log) = self.audit.as_mut() {
                    let n = self.rt[s.index()]
                        .tasks
                        .keys()
                        .filter(|&&t| {
                            let task = cx.world.task(t);
                            task.desired_status == DesiredStatus::Running
                                && cx.world.spec(task.spec).task_definition == def
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
                        task_set: None,
                        planned_stops: Vec::new(),
                        planned_start: 0,
                        started: 0,
                    });
                }
                cx.rec.emit(
                    now,
                    &cx.world,
                    EventDetail::DeploymentStateChange {
                        service: s,
                        deployment: p,
                        event_name: "SERVICE_DEPLOYMENT_COMPLETED",
                        rollout_state: RolloutState::Completed,
                        reason,
                    },
                );
                // Reference §3.2: "(service X) (deployment ecs-svc/…) deployment completed."
                let message = format!(
                    "(service {}) (deployment {}) deployment completed.",
                    self.services[s.index()].name,
                    p.ecs_id()
                );
                self.service_event_always(cx, s, "SERVICE_DEPLOYMENT_COMPLETED", "INFO", message);
            }
        }
        self.set_steady(cx, s, steady);
        self.update_below(cx, s);
    }
}

/// How many of `stops` the facts show protected.
fn protected_among<'a>(facts: &[TaskFacts<'a>], stops: impl Iterator<Item = TaskId>) -> u32 {
    stops
        .filter(|t| facts.iter().any(|f| f.task == *t && f.protected))
        .count() as u32
}
