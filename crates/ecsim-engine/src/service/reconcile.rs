//! The service reconciler: given a service's tasks and its configuration, which tasks to stop and
//! how many to start. Pure: it reads plain facts and returns a plan; where new tasks go is
//! placement's business (SPEC §7, reference §1.6 and §4.2).
//!
//! The arithmetic (SPEC §7), with D the desired count:
//! - `maxTasks = floor(D × maximumPercent / 100)`, `minHealthy = ceil(D × minimumHealthyPercent / 100)`;
//! - tasks counted against maxTasks: desired status RUNNING (a stopping task has desired STOPPED);
//! - old tasks: those of other deployments, and the primary's on DRAINING instances;
//! - stop old tasks that are not healthy (stopping them cannot lower the healthy count), then
//!   healthy old tasks and tasks beyond D while `healthy > minHealthy`, by the scale-in rule;
//! - then start `min(D − primaryTasks, maxTasks − counted)` primary tasks.

use super::DeploymentConfiguration;
use ecsim_model::{DeploymentId, InstanceId, TaskId};
use std::collections::BTreeMap;

/// What the reconciler needs to know of one of the service's tasks whose desired status is RUNNING.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskFacts<'a> {
    pub task: TaskId,
    pub deployment: DeploymentId,
    /// None for a task on no instance (a Fargate task, or one waiting in PROVISIONING for
    /// capacity): RULE: such tasks count as one "instance" of their own when scale-in counts.
    pub instance: Option<InstanceId>,
    /// The instance's Availability Zone, or a Fargate task's (None: no zone attribute).
    pub zone: Option<&'a str>,
    /// The value of the service's first strategy's spread field on the instance (None: absent).
    pub spread_value: Option<&'a str>,
    /// Its last status is RUNNING or later.
    pub running: bool,
    /// Counted healthy (SPEC §7 health).
    pub healthy: bool,
    /// Its instance is DRAINING.
    pub on_draining: bool,
    /// Scale-in protected (UpdateTaskProtection): the scheduler never chooses it.
    pub protected: bool,
    /// The instance's remaining (cpu, memory) now, and the task's reservation (cpu, memory): for
    /// binpack scale-in.
    pub instance_remaining: (u64, u64),
    pub reservation: (u64, u64),
}

/// Which of the service's tasks to stop first when it must lose some (reference §1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleInRule {
    /// No strategy: the zone with the most of the service's tasks, then the instance with the most.
    Default,
    /// First strategy spread(field): the value with the most tasks (keeps the balance).
    Spread,
    /// First strategy binpack: the instance left with the most of that resource (0 cpu, 1 memory).
    BinpackCpu,
    BinpackMemory,
}

/// A REPLICA service (or one task set) as the reconciler sees it.
#[derive(Clone, Debug)]
pub struct ReplicaView<'a> {
    pub desired: u32,
    pub configuration: DeploymentConfiguration,
    pub primary: DeploymentId,
    /// False when the primary may not launch: FAILED, stalled, or throttled.
    pub may_launch: bool,
    /// Every task of the service with desired status RUNNING.
    pub tasks: &'a [TaskFacts<'a>],
    pub scale_in: ScaleInRule,
}

/// Why the plan stops a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopWhy {
    /// An old task (another deployment's, or on a DRAINING instance) being replaced.
    Replaced,
    /// More tasks than desired.
    ScaleIn,
}

/// What one scheduler pass does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Tasks to stop, in order.
    pub stop: Vec<(TaskId, StopWhy)>,
    /// Primary tasks to start (after the stops).
    pub start: u32,
    /// Nothing can be started or stopped, old tasks remain, and no task is on its way to healthy:
    /// the deployment configuration itself stops progress.
    pub stuck: bool,
    /// Tasks that should stop are protected.
    pub blocked_by_protection: bool,
}

/// The arithmetic figures of a view, for audits and explanations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Figures {
    pub max_tasks: u32,
    pub min_healthy: u32,
    pub counted: u32,
    pub healthy: u32,
    pub primary: u32,
    pub old: u32,
}

impl ReplicaView<'_> {
    fn is_primary(&self, t: &TaskFacts) -> bool {
        t.deployment == self.primary && !t.on_draining
    }

    pub fn figures(&self) -> Figures {
        let primary = self.tasks.iter().filter(|t| self.is_primary(t)).count() as u32;
        Figures {
            max_tasks: self.configuration.max_tasks(self.desired),
            min_healthy: self.configuration.min_healthy(self.desired),
            counted: self.tasks.len() as u32,
            healthy: self.tasks.iter().filter(|t| t.healthy).count() as u32,
            primary,
            old: self.tasks.len() as u32 - primary,
        }
    }
}

/// The pass for a REPLICA service or a task set.
pub fn plan_replica(view: &ReplicaView<'_>) -> Plan {
    let f = view.figures();
    let mut plan = Plan::default();
    let mut stopped: Vec<bool> = vec![false; view.tasks.len()];
    let mut budget = f.healthy.saturating_sub(f.min_healthy);

    // 1. Old tasks that are not healthy: not yet RUNNING first, then RUNNING but not yet healthy.
    for running in [false, true] {
        for (k, t) in view.tasks.iter().enumerate() {
            if !view.is_primary(t) && !t.healthy && t.running == running {
                if t.protected {
                    plan.blocked_by_protection = true;
                    continue;
                }
                stopped[k] = true;
                plan.stop.push((t.task, StopWhy::Replaced));
            }
        }
    }
    // 2. Healthy old tasks, while the healthy count stays at or above minHealthy.
    let old_healthy: Vec<usize> = (0..view.tasks.len())
        .filter(|&k| !view.is_primary(&view.tasks[k]) && view.tasks[k].healthy)
        .collect();
    let victims = pick_victims(view, &old_healthy, &stopped, budget as usize, &mut plan);
    budget -= victims.len() as u32;
    for k in victims {
        stopped[k] = true;
        plan.stop.push((view.tasks[k].task, StopWhy::Replaced));
    }
    // 3. Primary tasks beyond D: not healthy ones first (free), then healthy within the budget.
    let mut surplus = f.primary.saturating_sub(view.desired) as usize;
    if surplus > 0 {
        let not_healthy: Vec<usize> = (0..view.tasks.len())
            .filter(|&k| view.is_primary(&view.tasks[k]) && !view.tasks[k].healthy)
            .collect();
        for k in pick_victims(view, &not_healthy, &stopped, surplus, &mut plan) {
            stopped[k] = true;
            surplus -= 1;
            plan.stop.push((view.tasks[k].task, StopWhy::ScaleIn));
        }
        let healthy: Vec<usize> = (0..view.tasks.len())
            .filter(|&k| view.is_primary(&view.tasks[k]) && view.tasks[k].healthy)
            .collect();
        let n = surplus.min(budget as usize);
        for k in pick_victims(view, &healthy, &stopped, n, &mut plan) {
            stopped[k] = true;
            plan.stop.push((view.tasks[k].task, StopWhy::ScaleIn));
        }
    }
    // 4. Starts, with the stopped tasks no longer counted.
    let counted = f.counted - plan.stop.len() as u32;
    if view.may_launch {
        let want = view.desired.saturating_sub(f.primary);
        let room = f.max_tasks.saturating_sub(counted);
        plan.start = want.min(room);
    }
    let old_left = view
        .tasks
        .iter()
        .enumerate()
        .any(|(k, t)| !stopped[k] && !view.is_primary(t));
    let in_flight = view
        .tasks
        .iter()
        .enumerate()
        .any(|(k, t)| !stopped[k] && !t.healthy);
    plan.stuck = view.may_launch
        && plan.start == 0
        && plan.stop.is_empty()
        && old_left
        && !in_flight
        && !plan.blocked_by_protection;
    plan
}

/// Chooses up to `n` of `candidates` (indices into the view's tasks) by the scale-in rule, skipping
/// stopped and protected tasks (noting the latter in the plan). Balance counts are over the
/// service's tasks not yet stopped. Ties go to the youngest task (the highest id) (RULE).
fn pick_victims(
    view: &ReplicaView<'_>,
    candidates: &[usize],
    stopped: &[bool],
    n: usize,
    plan: &mut Plan,
) -> Vec<usize> {
    let mut chosen = Vec::new();
    if n == 0 {
        return chosen;
    }
    let mut pool: Vec<usize> = Vec::with_capacity(candidates.len());
    for &k in candidates {
        if stopped[k] {
            continue;
        }
        if view.tasks[k].protected {
            plan.blocked_by_protection = true;
            continue;
        }
        pool.push(k);
    }
    // Per-key counts over the remaining tasks, and per-instance remaining resources.
    let mut zone_count: BTreeMap<Option<&str>, u32> = BTreeMap::new();
    let mut value_count: BTreeMap<Option<&str>, u32> = BTreeMap::new();
    let mut instance_count: BTreeMap<Option<InstanceId>, u32> = BTreeMap::new();
    let mut remaining: BTreeMap<Option<InstanceId>, (u64, u64)> = BTreeMap::new();
    for (k, t) in view.tasks.iter().enumerate() {
        if stopped[k] {
            continue;
        }
        *zone_count.entry(t.zone).or_default() += 1;
        *value_count.entry(t.spread_value).or_default() += 1;
        *instance_count.entry(t.instance).or_default() += 1;
        remaining.entry(t.instance).or_insert(t.instance_remaining);
    }
    while chosen.len() < n && !pool.is_empty() {
        let score = |k: usize| -> (u64, u64, u32) {
            let t = &view.tasks[k];
            let (a, b) = match view.scale_in {
                ScaleInRule::Default => (
                    zone_count[&t.zone] as u64,
                    instance_count[&t.instance] as u64,
                ),
                ScaleInRule::Spread => (
                    value_count[&t.spread_value] as u64,
                    instance_count[&t.instance] as u64,
                ),
                ScaleInRule::BinpackCpu => (remaining[&t.instance].0 + t.reservation.0, 0),
                ScaleInRule::BinpackMemory => (remaining[&t.instance].1 + t.reservation.1, 0),
            };
            (a, b, t.task.0)
        };
        let (pos, &k) = pool
            .iter()
            .enumerate()
            .max_by_key(|&(_, &k)| score(k))
            .expect("pool is not empty");
        pool.swap_remove(pos);
        let t = &view.tasks[k];
        *zone_count.get_mut(&t.zone).expect("counted") -= 1;
        *value_count.get_mut(&t.spread_value).expect("counted") -= 1;
        *instance_count.get_mut(&t.instance).expect("counted") -= 1;
        let r = remaining.get_mut(&t.instance).expect("counted");
        r.0 += t.reservation.0;
        r.1 += t.reservation.1;
        chosen.push(k);
    }
    chosen
}

/// One container instance as a DAEMON service sees it.
#[derive(Clone, Debug)]
pub struct DaemonInstance {
    pub instance: InstanceId,
    /// ACTIVE and meeting the service's constraints (memberOf, required attributes).
    pub eligible: bool,
    pub draining: bool,
    /// Tasks of REPLICA services not yet STOPPED on it (a DRAINING instance's daemon task waits
    /// for them).
    pub replica_tasks_left: bool,
    /// A task of this service is on it and not yet STOPPED (still holding its resources).
    pub holding: bool,
}

/// A DAEMON service as the reconciler sees it.
#[derive(Clone, Debug)]
pub struct DaemonView<'a> {
    pub configuration: DeploymentConfiguration,
    pub primary: DeploymentId,
    pub may_launch: bool,
    /// The cluster's registered instances (not INACTIVE), in id order.
    pub instances: &'a [DaemonInstance],
    /// Every task of the service with desired status RUNNING.
    pub tasks: &'a [TaskFacts<'a>],
}

/// What a DAEMON pass does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaemonPlan {
    pub stop: Vec<(TaskId, DaemonStopWhy)>,
    /// Instances to start a primary task on.
    pub start: Vec<InstanceId>,
    pub stuck: bool,
    pub blocked_by_protection: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DaemonStopWhy {
    /// The instance no longer meets the constraints (reference §4.1: "stops tasks that don't meet
    /// the placement constraints").
    ConstraintViolated,
    /// The instance is DRAINING and its replica tasks have stopped.
    Draining,
    /// An older deployment's task, replaced.
    Replaced,
    /// A second task on the instance.
    Duplicate,
}

/// The pass for a DAEMON service: one primary task per eligible ACTIVE instance (reference §4.1),
/// old tasks replaced instance by instance within minimumHealthyPercent (D = eligible instances).
pub fn plan_daemon(view: &DaemonView<'_>) -> DaemonPlan {
    let mut plan = DaemonPlan::default();
    let desired = view.instances.iter().filter(|i| i.eligible).count() as u32;
    let min_healthy = view.configuration.min_healthy(desired);
    let healthy = view.tasks.iter().filter(|t| t.healthy).count() as u32;
    let mut budget = healthy.saturating_sub(min_healthy);
    let mut by_instance: BTreeMap<Option<InstanceId>, Vec<&TaskFacts<'_>>> = BTreeMap::new();
    for t in view.tasks {
        by_instance.entry(t.instance).or_default().push(t);
    }
    let stop = |t: &TaskFacts<'_>, why: DaemonStopWhy, plan: &mut DaemonPlan, budget: &mut u32| {
        // Protected tasks are never stopped by the scheduler, whatever the reason (SPEC §7).
        if t.protected {
            plan.blocked_by_protection = true;
            return false;
        }
        if t.healthy {
            if why == DaemonStopWhy::Replaced && *budget == 0 {
                return false;
            }
            *budget = budget.saturating_sub(1);
        }
        plan.stop.push((t.task, why));
        true
    };
    let mut waiting = false;
    for inst in view.instances {
        let tasks = by_instance.remove(&Some(inst.instance)).unwrap_or_default();
        if inst.draining {
            if !inst.replica_tasks_left {
                for t in &tasks {
                    stop(t, DaemonStopWhy::Draining, &mut plan, &mut budget);
                }
            }
            continue;
        }
        if !inst.eligible {
            for t in &tasks {
                stop(t, DaemonStopWhy::ConstraintViolated, &mut plan, &mut budget);
            }
            continue;
        }
        let mut primary: Vec<&TaskFacts<'_>> = tasks
            .iter()
            .copied()
            .filter(|t| t.deployment == view.primary)
            .collect();
        // Keep the oldest primary task; any other is a duplicate.
        primary.sort_by_key(|t| t.task);
        for t in primary.iter().skip(1) {
            stop(t, DaemonStopWhy::Duplicate, &mut plan, &mut budget);
        }
        let old: Vec<&TaskFacts<'_>> = tasks
            .iter()
            .copied()
            .filter(|t| t.deployment != view.primary)
            .collect();
        let mut old_left = false;
        for t in &old {
            if !stop(t, DaemonStopWhy::Replaced, &mut plan, &mut budget) {
                old_left = true;
            }
        }
        if old_left {
            waiting = true;
        }
        // RULE: the new task starts once the instance holds no task of the service (the old one
        // has STOPPED and released its resources), so an instance never has two.
        if primary.is_empty() && old.is_empty() && !inst.holding && view.may_launch {
            plan.start.push(inst.instance);
        }
    }
    // Tasks on instances no longer registered (none expected: a deregistered instance's tasks
    // stop), through `stop` too, so that a protected one is kept there as well.
    for tasks in by_instance.into_values() {
        for t in tasks {
            stop(t, DaemonStopWhy::ConstraintViolated, &mut plan, &mut budget);
        }
    }
    let in_flight = view.tasks.iter().any(|t| !t.healthy);
    plan.stuck = waiting
        && plan.start.is_empty()
        && plan.stop.is_empty()
        && !in_flight
        && !plan.blocked_by_protection;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{DeploymentConfiguration, SchedulingStrategy};

    const OLD: DeploymentId = DeploymentId(0);
    const NEW: DeploymentId = DeploymentId(1);

    fn task(id: u32, deployment: DeploymentId, instance: u32, healthy: bool) -> TaskFacts<'static> {
        let zone = ["a", "b", "c"][instance as usize % 3];
        TaskFacts {
            task: TaskId(id),
            deployment,
            instance: Some(InstanceId(instance)),
            zone: Some(zone),
            spread_value: Some(zone),
            running: true,
            healthy,
            on_draining: false,
            protected: false,
            instance_remaining: (1024, 2048),
            reservation: (256, 512),
        }
    }

    fn config(min: u32, max: u32) -> DeploymentConfiguration {
        DeploymentConfiguration {
            minimum_healthy_percent: min,
            maximum_percent: max,
            ..DeploymentConfiguration::default_for(SchedulingStrategy::Replica)
        }
    }

    fn view<'a>(desired: u32, min: u32, max: u32, tasks: &'a [TaskFacts<'a>]) -> ReplicaView<'a> {
        ReplicaView {
            desired,
            configuration: config(min, max),
            primary: NEW,
            may_launch: true,
            tasks,
            scale_in: ScaleInRule::Default,
        }
    }

    #[test]
    fn fresh_service_starts_desired() {
        let plan = plan_replica(&view(6, 100, 200, &[]));
        assert_eq!(plan.start, 6);
        assert!(plan.stop.is_empty());
        assert!(!plan.stuck);
    }

    #[test]
    fn scale_in_takes_the_busiest_zone_then_the_youngest() {
        // Zones: a has 2 tasks (instances 0, 3), b 1 (instance 1), c 1 (instance 2).
        let tasks = [
            task(1, NEW, 0, true),
            task(2, NEW, 1, true),
            task(3, NEW, 2, true),
            task(4, NEW, 3, true),
        ];
        let plan = plan_replica(&view(3, 100, 200, &tasks));
        assert_eq!(plan.stop, vec![(TaskId(4), StopWhy::ScaleIn)]);
        assert_eq!(plan.start, 0);
    }

    #[test]
    fn protected_tasks_are_never_chosen() {
        let mut tasks = [task(1, OLD, 0, true), task(2, OLD, 1, true)];
        tasks[0].protected = true;
        let plan = plan_replica(&view(2, 0, 100, &tasks));
        assert_eq!(plan.stop, vec![(TaskId(2), StopWhy::Replaced)]);
        assert!(plan.blocked_by_protection);
    }
}
