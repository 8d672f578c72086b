//! The service scheduler in the event loop (SPEC §7): the services' state and what the scheduler
//! keeps beside ECS's view of them, the service actions (`actions`), the scheduler's passes from
//! facts to a plan to its application (`pass`), health, the circuit breaker and throttling
//! (`health`), service event messages and their de-duplication (`messages`), and the records
//! behind `services.csv`, the summary and the service assertions (`records`).
//!
//! It learns what happened to tasks and instances from notices ([`Notice`]), never from the task
//! lifecycle calling into it; it starts and stops tasks through `Placing` and `Tasks`.

mod actions;
mod health;
mod messages;
mod pass;
mod records;

pub use pass::PassAudit;

use super::cx::{Cx, Notice, Phase};
use super::placing::Unplaced;
use super::Ev;
use crate::assertions::Watch;
use crate::service::{Deployment, SchedulingStrategy, Service, ServiceRecord, ServiceStatus};
use ecsim_kernel::SimTime;
use ecsim_model::{
    ClusterId, DeploymentId, InstanceId, InstanceStatus, ServiceId, SpecId, TaskId, TaskStatus,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub(crate) use super::cx::Ops;

/// What the scheduler keeps of one of a service's tasks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ServiceTask {
    pub deployment: DeploymentId,
    /// Counted healthy (SPEC §7 health).
    pub healthy: bool,
    /// How the tally counts it now.
    pub class: Class,
    /// While RUNNING: its zone, as a key of [`Services::zone_names`] ([`NO_ZONE`] without one).
    zone: u16,
}

/// The zone key of a task in no zone.
const NO_ZONE: u16 = u16::MAX;

/// How a task counts in its service's tally (DescribeServices' pendingCount and runningCount).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Desired RUNNING and not yet RUNNING.
    Pending,
    /// lastStatus RUNNING.
    Running,
    /// Neither (stopping, or stopped before it ran).
    Other,
}

impl Class {
    pub fn of(task: &ecsim_model::Task) -> Class {
        if task.last_status == TaskStatus::Running {
            Class::Running
        } else if task.last_status < TaskStatus::Running
            && task.desired_status == ecsim_model::DesiredStatus::Running
        {
            Class::Pending
        } else {
            Class::Other
        }
    }
}

/// The counts behind a service's tally, kept as its tasks change.
#[derive(Clone, Debug, Default)]
pub(crate) struct Counted {
    pub pending: u32,
    pub running: u32,
    /// (pending, running) per deployment.
    pub by_deployment: BTreeMap<DeploymentId, (u32, u32)>,
    /// RUNNING tasks per zone key, none zero (the zone balance's samples read it).
    pub running_by_zone: Vec<(u16, u32)>,
}

impl Counted {
    fn add(&mut self, d: DeploymentId, class: Class, sign: i32) {
        let e = self.by_deployment.entry(d).or_default();
        let apply = |x: &mut u32| *x = x.checked_add_signed(sign).expect("tally in step");
        match class {
            Class::Pending => {
                apply(&mut self.pending);
                apply(&mut e.0);
            }
            Class::Running => {
                apply(&mut self.running);
                apply(&mut e.1);
            }
            Class::Other => {}
        }
        if *e == (0, 0) {
            self.by_deployment.remove(&d);
        }
    }

    /// A RUNNING task in zone `zone` starts or stops counting.
    fn add_zone(&mut self, zone: u16, sign: i32) {
        if zone == NO_ZONE {
            return;
        }
        match self.running_by_zone.iter().position(|e| e.0 == zone) {
            Some(k) => {
                let n = &mut self.running_by_zone[k].1;
                *n = n.checked_add_signed(sign).expect("zone counts in step");
                if *n == 0 {
                    self.running_by_zone.swap_remove(k);
                }
            }
            None => {
                debug_assert_eq!(sign, 1, "zone counts in step");
                self.running_by_zone.push((zone, 1));
            }
        }
    }
}

/// What the event loop keeps per service beside the API's view of it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceRuntime {
    /// The service's tasks not yet STOPPED.
    pub tasks: BTreeMap<TaskId, ServiceTask>,
    /// The tally of `tasks`, kept in step with them.
    pub counted: Counted,
    /// Tasks scale-in protected (UpdateTaskProtection), until when; few, so kept apart.
    pub protected: BTreeMap<TaskId, SimTime>,
    /// Tasks with desired status RUNNING counted healthy.
    pub healthy: u32,
    pub record: ServiceRecord,
    /// What the scenario's assertions watch of this service's history.
    pub watches: Vec<Watch>,
    below_since: Option<SimTime>,
    /// Whether the service has been steady once: time below minHealthy counts only from then.
    ever_steady: bool,
    /// Desired minus running tasks (when positive) since when, for `unplaced_task_ms`.
    deficit: (SimTime, u32),
    /// The current minHealthy (from D, or the eligible instances of a DAEMON service).
    min_healthy: u32,
    /// D of the last pass (DAEMON: the eligible instances; EXTERNAL: the task sets' counts).
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
    last_placement_failure: BTreeMap<Option<InstanceId>, Unplaced>,
    /// Service event de-duplication: (cause, message) → time of its last emission.
    messages: BTreeMap<(&'static str, Arc<str>), SimTime>,
    /// The last millisecond in which a pass started tasks (one launching pass per millisecond),
    /// and whether the current pass may not launch because of it.
    launched_at: Option<SimTime>,
    launch_blocked: bool,
    /// The primary deployment (ECS) or primary task set (EXTERNAL; None until one is set).
    pub primary: Option<DeploymentId>,
    /// Tasks with desired status RUNNING per capacity provider (the split counts these).
    pub by_provider: BTreeMap<Arc<str>, u32>,
}

pub(crate) struct Services {
    pub services: Vec<Service>,
    pub rt: Vec<ServiceRuntime>,
    /// Every deployment and task set, by id (one counter: SPEC §9 ids).
    pub deployments: Vec<Deployment>,
    /// Each deployment's task spec per item of its capacity provider strategy (0 without one),
    /// resolved at its first launch there (and again after a placement change).
    specs: BTreeMap<(DeploymentId, usize), SpecId>,
    /// The task set each CreateTaskSet action (by its index) created.
    task_sets: BTreeMap<usize, DeploymentId>,
    /// Services to visit at the next scheduler pass.
    dirty: BTreeSet<ServiceId>,
    pass_scheduled: bool,
    next_service_event: u64,
    audit: Option<Vec<PassAudit>>,
    /// Keep each service's healthy-count history (collected runs, for tests).
    keep_history: bool,
    /// The zone names RUNNING tasks have run in, by key (a few: the scenario's zones).
    pub(super) zone_names: Vec<Arc<str>>,
}

impl ServiceRuntime {
    /// Whether the task is scale-in protected at `now`.
    pub fn is_protected(&self, t: TaskId, now: SimTime) -> bool {
        self.protected.get(&t).is_some_and(|&u| u > now)
    }
}

impl Services {
    pub fn new() -> Services {
        Services {
            services: Vec::new(),
            rt: Vec::new(),
            deployments: Vec::new(),
            specs: BTreeMap::new(),
            task_sets: BTreeMap::new(),
            dirty: BTreeSet::new(),
            pass_scheduled: false,
            next_service_event: 0,
            audit: None,
            keep_history: false,
            zone_names: Vec::new(),
        }
    }

    pub fn keep_history(&mut self, keep: bool) {
        self.keep_history = keep;
    }

    pub fn enable_audit(&mut self) {
        self.audit.get_or_insert_with(Vec::new);
    }

    pub fn audit(&self) -> &[PassAudit] {
        self.audit.as_deref().unwrap_or(&[])
    }

    /// The audit entries since the last call (check mode reads them after every event).
    pub fn take_audit(&mut self) -> Vec<PassAudit> {
        self.audit.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The service of a task, if it is a service task that has not stopped.
    fn task(&self, cx: &Cx, task: TaskId) -> Option<(ServiceId, ServiceTask)> {
        let (s, _) = cx
            .world
            .get_task(task)
            .map(|t| cx.world.spec(t.spec).service)??;
        self.rt[s.index()].tasks.get(&task).map(|st| (s, *st))
    }

    /// Whether the service counts the task healthy now.
    pub fn task_counted_healthy(&self, cx: &Cx, t: TaskId) -> bool {
        self.task(cx, t).is_some_and(|(_, st)| st.healthy)
    }

    /// Whether the task is scale-in protected now.
    pub fn task_protected(&self, cx: &Cx, t: TaskId) -> bool {
        self.task(cx, t)
            .is_some_and(|(s, _)| self.rt[s.index()].is_protected(t, cx.now))
    }

    /// Handles every notice left so far, in order. Called after each call into the task lifecycle
    /// or placement, so the scheduler sees a change before it goes on (a task that failed to start
    /// within a pass may have tripped the circuit breaker).
    pub fn absorb(&mut self, op: &mut Ops<'_, '_>) {
        while let Some(n) = op.cx.notices.pop_front() {
            // Capacity keeps its books from the same notices.
            op.capacity.observe(op.cx, n);
            match n {
                Notice::TaskStatus(t) => self.task_status(op, t),
                Notice::TaskDesiredStopped(t) => self.task_desired_stopped(op.cx, t),
                Notice::TaskHealth(t, healthy) => self.task_health(op, t, healthy),
                Notice::InstanceChanged(i) => {
                    let c = op.cx.world.instance(i).cluster;
                    self.mark_cluster(op.cx, c);
                }
                Notice::InstanceZoneChanged(i) => self.rezone(op.cx, i),
            }
        }
    }

    fn task_status(&mut self, op: &mut Ops<'_, '_>, task: TaskId) {
        let status = op.cx.world.task(task).last_status;
        if status == TaskStatus::Stopped {
            self.task_stopped(op, task);
            return;
        }
        if let Some((s, _)) = self.task(op.cx, task) {
            if status == TaskStatus::Running {
                // Reaching RUNNING ends a run of failed starts (reference §4.6).
                self.rt[s.index()].consecutive_failures = 0;
            }
            self.reclassify(op.cx, s, task);
            self.mark_service(op.cx, s);
        }
    }

    /// A service task joins its service's books (just placed).
    pub(super) fn add_task(
        &mut self,
        cx: &Cx,
        s: ServiceId,
        task: TaskId,
        deployment: DeploymentId,
    ) {
        let class = Class::of(cx.world.task(task));
        let zone = self.running_zone(cx, task, class);
        let rt = &mut self.rt[s.index()];
        if let Some(p) = &cx.world.task_spec(task).capacity_provider {
            *rt.by_provider.entry(Arc::clone(p)).or_default() += 1;
        }
        rt.tasks.insert(
            task,
            ServiceTask {
                deployment,
                healthy: false,
                class,
                zone,
            },
        );
        rt.counted.add(deployment, class, 1);
        rt.counted.add_zone(zone, 1);
        self.account_deficit(cx.now, s);
    }

    /// Closes the deficit's interval at `now` (into `unplaced_task_ms`) and opens the next with
    /// the service's desired minus running tasks now (0 when it is not ACTIVE).
    pub(super) fn account_deficit(&mut self, now: SimTime, s: ServiceId) {
        let active = self.services[s.index()].status == ServiceStatus::Active;
        let rt = &mut self.rt[s.index()];
        let (since, n) = rt.deficit;
        rt.record.unplaced_task_ms += n as u64 * now.since(since).ms();
        let n = if active {
            rt.desired_effective.saturating_sub(rt.counted.running)
        } else {
            0
        };
        rt.deficit = (now, n);
    }

    /// The zone key of a task of class `class`: its zone while RUNNING, else [`NO_ZONE`].
    fn running_zone(&mut self, cx: &Cx, task: TaskId, class: Class) -> u16 {
        if class != Class::Running {
            return NO_ZONE;
        }
        let t = cx.world.task(task);
        let name: Option<&str> = match (t.zone, t.instance) {
            (Some(z), _) => Some(cx.world.zone_name(z)),
            (None, Some(i)) => cx.world.instance(i).availability_zone(),
            (None, None) => None,
        };
        name.map_or(NO_ZONE, |n| self.zone_key(n))
    }

    /// The key of a zone name, added if new. RULE (ours): past 65,534 distinct names (only
    /// PutAttributes of `ecs.availability-zone` can make that many) a new name counts in no zone.
    pub(super) fn zone_key(&mut self, name: &str) -> u16 {
        if let Some(k) = self.zone_names.iter().position(|z| **z == *name) {
            return k as u16;
        }
        match u16::try_from(self.zone_names.len()) {
            Ok(k) if k != NO_ZONE => {
                self.zone_names.push(Arc::from(name));
                k
            }
            _ => NO_ZONE,
        }
    }

    /// Check mode: each service's RUNNING tasks per zone, recounted from its tasks and the world,
    /// are the counts it keeps for the zone balance.
    pub fn zone_counts_in_step(&self, cx: &Cx) -> Result<(), String> {
        for (k, rt) in self.rt.iter().enumerate() {
            let mut recount: Vec<(u16, u32)> = Vec::new();
            for (&t, st) in &rt.tasks {
                if st.class != Class::Running {
                    continue;
                }
                let task = cx.world.task(t);
                let name: Option<&str> = match (task.zone, task.instance) {
                    (Some(z), _) => Some(cx.world.zone_name(z)),
                    (None, Some(i)) => cx.world.instance(i).availability_zone(),
                    (None, None) => None,
                };
                let key = name
                    .and_then(|n| self.zone_names.iter().position(|z| **z == *n))
                    .map_or(NO_ZONE, |p| p as u16);
                if key == NO_ZONE {
                    continue;
                }
                match recount.iter_mut().find(|e| e.0 == key) {
                    Some(e) => e.1 += 1,
                    None => recount.push((key, 1)),
                }
            }
            let mut kept = rt.counted.running_by_zone.clone();
            recount.sort_unstable();
            kept.sort_unstable();
            if recount != kept {
                return Err(format!(
                    "service {}: RUNNING tasks per zone {recount:?}, but the zone balance counts {kept:?}",
                    self.services[k].name
                ));
            }
        }
        Ok(())
    }

    /// Instance `i` changed: its RUNNING service tasks count in its zone now (a PutAttributes or
    /// DeleteAttributes of `ecs.availability-zone` moves them).
    fn rezone(&mut self, cx: &Cx, i: ecsim_model::InstanceId) {
        for &t in &cx.world.instance(i).tasks {
            let Some((s, _)) = self.task(cx, t) else {
                continue;
            };
            let Some(st) = self.rt[s.index()].tasks.get(&t) else {
                continue;
            };
            let (class, old) = (st.class, st.zone);
            let zone = self.running_zone(cx, t, class);
            if zone != old {
                let rt = &mut self.rt[s.index()];
                rt.tasks.get_mut(&t).expect("a service task").zone = zone;
                rt.counted.add_zone(old, -1);
                rt.counted.add_zone(zone, 1);
            }
        }
    }

    /// Counts the task as it is now.
    fn reclassify(&mut self, cx: &Cx, s: ServiceId, task: TaskId) {
        let class = Class::of(cx.world.task(task));
        let old = self.rt[s.index()].tasks[&task].class;
        if old != class {
            let zone = self.running_zone(cx, task, class);
            let rt = &mut self.rt[s.index()];
            let st = rt.tasks.get_mut(&task).expect("a service task");
            let (old_zone, d) = (st.zone, st.deployment);
            st.class = class;
            st.zone = zone;
            rt.counted.add(d, old, -1);
            rt.counted.add_zone(old_zone, -1);
            rt.counted.add(d, class, 1);
            rt.counted.add_zone(zone, 1);
            self.account_deficit(cx.now, s);
        }
    }

    /// A healthy task no longer counts once its desired status is STOPPED.
    fn task_desired_stopped(&mut self, cx: &mut Cx, task: TaskId) {
        let Some((s, _)) = self.task(cx, task) else {
            return;
        };
        if let Some(p) = &cx.world.task_spec(task).capacity_provider {
            if let Some(n) = self.rt[s.index()].by_provider.get_mut(p) {
                *n -= 1;
            }
        }
        let st = self.rt[s.index()]
            .tasks
            .get_mut(&task)
            .expect("a service task");
        if std::mem::take(&mut st.healthy) {
            self.rt[s.index()].healthy -= 1;
            self.record_healthy(cx, s);
        }
        self.mark_service(cx, s);
    }

    fn task_stopped(&mut self, op: &mut Ops<'_, '_>, task: TaskId) {
        // A DRAINING instance's daemon task waits for the replica tasks there (reference §4.1).
        if let Some(i) = op.cx.world.task(task).instance {
            let inst = op.cx.world.instance(i);
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
                    self.mark_service(op.cx, s);
                }
            }
        }
        let Some((s, st)) = self.task(op.cx, task) else {
            return;
        };
        let rt = &mut self.rt[s.index()];
        rt.tasks.remove(&task);
        rt.protected.remove(&task);
        rt.counted.add(st.deployment, st.class, -1);
        rt.counted.add_zone(st.zone, -1);
        self.account_deficit(op.cx.now, s);
        let t = op.cx.world.task(task);
        if t.started_at.is_none() && t.stop_code == Some(ecsim_model::StopCode::TaskFailedToStart) {
            // Throttling (reference §4.6) and the circuit breaker's first stage (reference §4.4).
            let rt = &mut self.rt[s.index()];
            rt.consecutive_failures += 1;
            rt.last_failure_at = op.cx.now;
            self.deployment_task_failed(op.cx, s, st.deployment);
        }
        self.mark_service(op.cx, s);
    }

    // ----- marking and passes -----

    /// The service takes part in the next scheduler pass (at this millisecond).
    pub fn mark_service(&mut self, cx: &mut Cx, s: ServiceId) {
        self.dirty.insert(s);
        if !self.pass_scheduled {
            self.pass_scheduled = true;
            cx.schedule_at(cx.now, Phase::Service, Ev::SchedulerPass);
        }
    }

    fn mark_cluster(&mut self, cx: &mut Cx, c: ClusterId) {
        for k in 0..self.services.len() {
            let s = &self.services[k];
            if s.cluster == c && s.status != ServiceStatus::Inactive {
                let id = s.id;
                self.mark_service(cx, id);
            }
        }
    }

    fn schedule_retry(&mut self, cx: &mut Cx, s: ServiceId, at: SimTime) {
        if self.rt[s.index()].retries.insert(at) {
            cx.schedule_at(at, Phase::Service, Ev::ServiceRetry(s));
        }
    }

    /// A service's retry (placement retry, throttling, protection expiry, steady-state reminder).
    pub fn retry(&mut self, cx: &mut Cx, s: ServiceId) {
        let now = cx.now;
        self.rt[s.index()].retries.remove(&now);
        if self.services[s.index()].status != ServiceStatus::Inactive {
            self.mark_service(cx, s);
        }
    }

    /// The providers the strategies of the services not INACTIVE name (of cluster `c`, or of
    /// every cluster): they may not be deleted or taken from the cluster.
    pub fn providers_in_use(&self, c: Option<ClusterId>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for s in &self.services {
            if s.status == ServiceStatus::Inactive || c.is_some_and(|c| c != s.cluster) {
                continue;
            }
            for i in &s.capacity_provider_strategy {
                out.insert(i.capacity_provider.clone());
            }
            for &d in &s.deployments {
                for i in &self.deployments[d.index()].capacity_provider_strategy {
                    out.insert(i.capacity_provider.clone());
                }
            }
        }
        out
    }

    /// Whether the cluster has a service that is not INACTIVE.
    pub fn cluster_has_services(&self, c: ClusterId) -> bool {
        self.services
            .iter()
            .any(|s| s.cluster == c && s.status != ServiceStatus::Inactive)
    }
}
