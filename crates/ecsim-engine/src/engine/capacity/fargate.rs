//! Fargate and Fargate Spot (SPEC §8): a Fargate task has no container instance; it takes a zone
//! of its subnets, spreading its group's tasks evenly across them (fewest first, ties in subnet
//! order), never a failed zone. FARGATE_SPOT tasks may be capped per cluster (beyond the cap they
//! wait in PROVISIONING) and interrupted with a two-minute warning; there is no on-demand
//! fallback.

use super::provisioning;
use super::{Capacity, Unplaced};
use crate::capacity::FARGATE_SPOT;
use crate::engine::cx::Phase;
use crate::engine::services::Ops;
use crate::engine::{CapEv, Ev};
use crate::record::EventDetail;
use crate::Scenario;
use ecsim_model::{ClusterId, GroupId, SpecId, TaskId, ZoneId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// RULE: the zone of every subnet the scenario names: the `subnets` map's, else the region's zones
/// `a`, `b`, `c`, … in order of first mention in the scenario (after `z`, `a` again).
pub(crate) fn subnet_zones(scenario: &Scenario) -> BTreeMap<String, Arc<str>> {
    let mut out: BTreeMap<String, Arc<str>> = scenario
        .subnets
        .iter()
        .map(|(s, z)| (s.clone(), Arc::from(z.as_str())))
        .collect();
    let mut next = 0u8;
    let mut mention = |s: &String, out: &mut BTreeMap<String, Arc<str>>| {
        if !out.contains_key(s) {
            let zone = format!("{}{}", scenario.region, (b'a' + next % 26) as char);
            next += 1;
            out.insert(s.clone(), Arc::from(zone));
        }
    };
    use crate::action::Action;
    for a in &scenario.actions {
        let subnets: &[String] = match &a.action {
            Action::RunTask(r) => &r.subnets,
            Action::CreateService(c) => &c.subnets,
            Action::UpdateService(u) => u.subnets.as_deref().unwrap_or(&[]),
            Action::CreateTaskSet(t) => &t.subnets,
            _ => &[],
        };
        for s in subnets {
            mention(s, &mut out);
        }
    }
    out
}

/// Fargate's books: the zones each Fargate spec may use, its groups' tasks per zone, the running
/// FARGATE_SPOT tasks per cluster.
#[derive(Debug, Default)]
pub(crate) struct FargateBooks {
    /// The zones of a spec's subnets, in subnet order, without repeats.
    zones: BTreeMap<SpecId, Arc<[ZoneId]>>,
    /// Tasks with desired status RUNNING per (cluster, group, zone).
    per_zone: BTreeMap<(ClusterId, GroupId, ZoneId), u32>,
    /// FARGATE_SPOT tasks started (given a zone) and not yet desired STOPPED, per cluster.
    spot_running: BTreeMap<ClusterId, u32>,
}

impl Capacity {
    /// Remembers the zones a Fargate spec's tasks may take, from its subnets.
    pub fn fargate_spec(
        &mut self,
        cx: &mut crate::engine::cx::Cx,
        spec: SpecId,
        subnets: &[String],
    ) {
        let mut zones: Vec<ZoneId> = Vec::new();
        for s in subnets {
            let name = match self.subnet_zones.get(s) {
                Some(z) => Arc::clone(z),
                None => Arc::from(format!("{}a", cx.scenario.region)),
            };
            let z = cx.world.intern_zone(&name);
            if !zones.contains(&z) {
                zones.push(z);
            }
        }
        self.fargate.zones.insert(spec, Arc::from(zones));
    }

    /// A Fargate task no longer counts in its zone (its desired status became STOPPED).
    pub(crate) fn fargate_task_leaving(&mut self, cx: &crate::engine::cx::Cx, t: TaskId) {
        let task = cx.world.task(t);
        let Some(z) = task.zone else {
            return;
        };
        let spec = cx.world.spec(task.spec);
        if let Some(n) = self
            .fargate
            .per_zone
            .get_mut(&(task.cluster, spec.group, z))
        {
            *n -= 1;
        }
        if spec.capacity_provider.as_deref() == Some(FARGATE_SPOT) {
            if let Some(n) = self.fargate.spot_running.get_mut(&task.cluster) {
                *n -= 1;
            }
            self.waiting.touch(task.cluster);
        }
    }
}

/// The zone a new task of `spec` takes, and how many zones tied for it; None when every zone of
/// its subnets has failed.
fn choose_zone(op: &Ops<'_, '_>, spec: SpecId) -> Option<(ZoneId, u32)> {
    let s = op.cx.world.spec(spec);
    let zones = op.capacity.fargate.zones.get(&spec)?;
    let mut best: Option<(ZoneId, u32, u32)> = None;
    for &z in zones.iter() {
        if op
            .capacity
            .failed_zones
            .contains(&**op.cx.world.zone_name(z))
        {
            continue;
        }
        let n = op
            .capacity
            .fargate
            .per_zone
            .get(&(s.cluster, s.group, z))
            .copied()
            .unwrap_or(0);
        match &mut best {
            Some((_, m, ties)) if n == *m => *ties += 1,
            Some((_, m, _)) if n > *m => {}
            _ => best = Some((z, n, 1)),
        }
    }
    best.map(|(z, _, ties)| (z, ties))
}

/// Whether the cluster's FARGATE_SPOT capacity is used up.
fn spot_full(op: &Ops<'_, '_>, spec: SpecId) -> bool {
    let s = op.cx.world.spec(spec);
    if s.capacity_provider.as_deref() != Some(FARGATE_SPOT) {
        return false;
    }
    let cap = op.capacity.fargate_spot(s.cluster).capacity;
    let running = op
        .capacity
        .fargate
        .spot_running
        .get(&s.cluster)
        .copied()
        .unwrap_or(0);
    cap.is_some_and(|c| running >= c)
}

/// Starts a Fargate task of `spec`, or makes it wait when Fargate Spot's capacity is used up.
pub(crate) fn place(
    op: &mut Ops<'_, '_>,
    spec: SpecId,
    grace_period_s: u32,
) -> Result<TaskId, Unplaced> {
    let none = Unplaced {
        closest: None,
        reason: "RESOURCE:FARGATE",
    };
    if spot_full(op, spec) {
        return provisioning::wait(op, spec, grace_period_s, none);
    }
    let Some((zone, ties)) = choose_zone(op, spec) else {
        return Err(none);
    };
    let task = op.tasks.create(op.cx, spec, grace_period_s);
    op.capacity.task_created(op.cx, task);
    assign(op, task, spec, zone, ties);
    op.tasks.start_lifecycle(op.cx, task);
    Ok(task)
}

/// Gives `task` its zone, counts it there, and records the decision.
fn assign(op: &mut Ops<'_, '_>, task: TaskId, spec: SpecId, zone: ZoneId, ties: u32) {
    let s = op.cx.world.spec(spec);
    let (cluster, group, spot) = (
        s.cluster,
        s.group,
        s.capacity_provider.as_deref() == Some(FARGATE_SPOT),
    );
    op.cx.world.task_mut(task).zone = Some(zone);
    *op.capacity
        .fargate
        .per_zone
        .entry((cluster, group, zone))
        .or_default() += 1;
    if spot {
        *op.capacity.fargate.spot_running.entry(cluster).or_default() += 1;
    }
    op.cx.rec.emit(
        op.cx.now,
        &op.cx.world,
        EventDetail::PlacementDecision {
            task,
            spec,
            instance: None,
            zone: Some(zone),
            finalists: ties,
        },
    );
}

/// A waiting Fargate task starts if it now can; whether it did.
pub(crate) fn start_waiting(op: &mut Ops<'_, '_>, task: TaskId) -> bool {
    let spec = op.cx.world.task(task).spec;
    if spot_full(op, spec) {
        return false;
    }
    let Some((zone, ties)) = choose_zone(op, spec) else {
        return false;
    };
    assign(op, task, spec, zone, ties);
    op.tasks.resume_provisioning(op.cx, task);
    true
}

/// The two-minute warning (SPEC §8): the task's desired status becomes STOPPED with stopCode
/// `SpotInterruption` now, and it stops when the warning ends.
pub(crate) fn interrupt(op: &mut Ops<'_, '_>, task: TaskId) {
    if !op.tasks.spot_warning(op.cx, task) {
        return;
    }
    op.cx.schedule_in(
        super::groups::SPOT_WARNING,
        Phase::Task,
        Ev::Capacity(CapEv::SpotTaskStop(task)),
    );
}

/// A FARGATE_SPOT task reached RUNNING: with an interruption rate, its interruption is drawn
/// (exponential, from the `spot` stream).
pub(crate) fn arm_interruption(cap: &mut Capacity, cx: &mut crate::engine::cx::Cx, task: TaskId) {
    let cluster = cx.world.task(task).cluster;
    let rate = cap.fargate_spot(cluster).interruptions_per_hour;
    if let Some(at) = cap.draw_interruption(rate) {
        cx.schedule_in(
            at,
            Phase::Task,
            Ev::Capacity(CapEv::SpotTaskInterrupt(task)),
        );
    }
}

impl Capacity {
    /// The time to a spot interruption at `per_hour` (a Poisson rate), drawn from the `spot`
    /// stream; None at rate 0 (nothing is drawn then).
    pub(crate) fn draw_interruption(&mut self, per_hour: f64) -> Option<ecsim_kernel::SimDuration> {
        if per_hour <= 0.0 {
            return None;
        }
        let mean_ms = (3_600_000.0 / per_hour).round().clamp(1.0, 4e15) as u64;
        Some(ecsim_kernel::Distribution::Exponential { mean_ms }.sample(&mut self.spot_rng))
    }
}
