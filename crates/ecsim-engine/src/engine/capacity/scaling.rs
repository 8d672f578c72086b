//! Managed scaling (SPEC §8): every 60 s, per provider with managed scaling, the
//! CapacityProviderReservation metric M / N × 100, and target tracking on it: a scale-out within
//! the step sizes, warm-up and maxSize, or, after 15 minutes below the target, a scale-in step.

use super::groups::{is_empty, Command, Group};
use super::{Capacity, ProviderIx};
use crate::engine::cx::{Cx, Phase};
use crate::engine::{CapEv, Ev};
use crate::record::EventDetail;
use ecsim_kernel::SimDuration;
use ecsim_model::{GroupId, InstanceId, InstanceStatus, TaskId};
use std::sync::Arc;

/// The metric's period (reference §5.3: published every minute).
pub(crate) const PERIOD: SimDuration = SimDuration::from_seconds(60);
/// Scale-in needs 15 minutes below the target, and 15 minutes since the last scale-out.
const SCALE_IN_AFTER: SimDuration = SimDuration::from_seconds(15 * 60);

pub(crate) fn schedule_next(cx: &mut Cx) {
    cx.schedule_in(PERIOD, Phase::Scaling, Ev::Capacity(CapEv::Evaluate));
}

/// What one evaluation found for a provider.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reading {
    /// M: instances needed.
    pub needed: u32,
    /// N: instances running (registered or booting).
    pub running: u32,
    pub reservation: f64,
}

/// The resources a task of the waiting queue needs, as the metric packs them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Need {
    pub cpu: u32,
    pub memory: u32,
    pub task: TaskId,
    /// Its task group, when a `distinctInstance` constraint keeps it off instances holding
    /// another task of the group.
    pub distinct: Option<GroupId>,
}

/// One instance's room as the packing sees it.
struct Room {
    cpu: u32,
    memory: u32,
    /// It holds a task that is not a daemon's (it counts in M).
    used: bool,
    /// The groups with a task there (for `distinctInstance`).
    groups: Vec<GroupId>,
}

impl Room {
    fn takes(&self, n: &Need) -> bool {
        self.cpu >= n.cpu
            && self.memory >= n.memory
            && n.distinct.is_none_or(|g| !self.groups.contains(&g))
    }

    fn take(&mut self, n: &Need) {
        self.cpu -= n.cpu;
        self.memory -= n.memory;
        if let Some(g) = n.distinct {
            self.groups.push(g);
        }
    }
}

/// M and N for one group (SPEC §8): N its instances running or booting; M those holding a task
/// that is not a daemon's, plus the instances its PROVISIONING tasks (`waiting`) need when packed
/// by memory then CPU, largest first, into the room of its ACTIVE instances and booting launches,
/// then onto new instances of its first type. A task that fits not even an empty instance of
/// that type is not counted. RULE: the packing keeps a `distinctInstance` task off an instance
/// that holds (or was packed with) a task of its group, as placement would.
pub(crate) fn read(cx: &Cx, g: &Group, waiting: &[Need]) -> Reading {
    let running = g.running();
    let t = cx
        .scenario
        .instance_types
        .get(&g.config.group.instance_types[0])
        .expect("the loader checked the group's types");
    let full = (t.registered_cpu(), t.registered_memory_mib);
    let empty = || Room {
        cpu: full.0,
        memory: full.1,
        used: false,
        groups: Vec::new(),
    };
    // Room per instance that may take tasks: ACTIVE instances (not leaving), then launches.
    let mut rooms: Vec<Room> = Vec::new();
    let mut needed = 0u32;
    for &i in &g.instances {
        let inst = cx.world.instance(i);
        let used = !is_empty(cx, i);
        if used {
            needed += 1;
        }
        if inst.status == InstanceStatus::Active && !g.leaving.contains(&i) {
            let r = inst.remaining();
            rooms.push(Room {
                cpu: r.cpu,
                memory: r.memory_mib,
                used,
                groups: inst.group_counts.iter().map(|&(g, _)| g).collect(),
            });
        }
    }
    for _ in g.booting.values() {
        rooms.push(empty());
    }
    let mut tasks = waiting.to_vec();
    tasks.sort_by(|a, b| {
        b.memory
            .cmp(&a.memory)
            .then(b.cpu.cmp(&a.cpu))
            .then(a.task.cmp(&b.task))
    });
    let mut new_instances: Vec<Room> = Vec::new();
    for n in tasks {
        if let Some(room) = rooms.iter_mut().find(|r| r.takes(&n)) {
            room.take(&n);
            if !room.used {
                room.used = true;
                needed += 1;
            }
            continue;
        }
        if let Some(room) = new_instances.iter_mut().find(|r| r.takes(&n)) {
            room.take(&n);
            continue;
        }
        let mut room = empty();
        if room.takes(&n) {
            room.take(&n);
            new_instances.push(room);
        }
    }
    needed += new_instances.len() as u32;
    let reservation = match (needed, running) {
        // Reference §5.3: no instance and tasks waiting: 200; no instance and none: 100.
        (0, 0) => 100.0,
        (_, 0) => 200.0,
        (m, n) => m as f64 * 100.0 / n as f64,
    };
    Reading {
        needed,
        running,
        reservation,
    }
}

/// What target tracking decides from a reading (SPEC §8): instances to launch (> 0) or to take
/// away (< 0), 0 for nothing. Updates the group's scale-in window.
pub(crate) fn decide(g: &mut Group, r: &Reading, now: ecsim_kernel::SimTime) -> i64 {
    let m = &g.config.managed_scaling;
    let target = m.target_capacity as f64;
    let desired = (r.needed as u64 * 100).div_ceil(m.target_capacity as u64) as i64;
    let n = r.running as i64;
    let max = g.config.group.max_size as i64;
    if r.reservation > target {
        g.below_since = None;
        if g.warming_up(now) {
            return 0;
        }
        let multi =
            g.config.group.instance_types.len() > 1 || g.config.group.availability_zones.len() > 1;
        let min_step = m.minimum_scaling_step_size as i64;
        let step = if n == 0 {
            // DG: "When Amazon ECS scales out from 0 instances, it automatically launches 2
            // instances."
            min_step.max(2)
        } else if multi {
            // API ManagedScaling: "will scale up by the exact minimum scaling step size value and
            // will ignore both the maximum scaling step size as well as the capacity demand".
            min_step
        } else {
            (desired - n).clamp(min_step, m.maximum_scaling_step_size as i64)
        };
        let room = max - g.running() as i64;
        return step.min(room).max(0);
    }
    if r.reservation == target {
        g.below_since = None;
        return 0;
    }
    let since = *g.below_since.get_or_insert(now);
    let quiet = g
        .last_scale_out
        .is_none_or(|t| now.since(t) >= SCALE_IN_AFTER);
    if now.since(since) < SCALE_IN_AFTER || !quiet {
        return 0;
    }
    let keep = desired.max(g.config.group.min_size as i64);
    // A launch-first refresh batch's replacements are above the desired capacity for the while;
    // the batch takes as many old instances away itself.
    let live = g.live() as i64 - g.refresh.as_ref().map_or(0, |r| r.surge()) as i64;
    let k = (live - keep).min((live / 2).max(1));
    -(k.max(0))
}

/// The instances a scale-in of `k` takes, by the group's own policy (the zone with the most of
/// its instances, then the oldest), among the empty ones only under managed termination
/// protection.
pub(crate) fn victims(cx: &Cx, g: &Group, k: usize) -> Vec<InstanceId> {
    let mut candidates: Vec<InstanceId> = g
        .instances
        .iter()
        .copied()
        .filter(|i| !g.leaving.contains(i) && !g.interrupted.contains_key(i))
        .filter(|&i| cx.world.instance(i).status == InstanceStatus::Active)
        .filter(|&i| !g.config.managed_termination_protection || is_empty(cx, i))
        .collect();
    let mut per_zone = g.per_zone(cx);
    let mut out = Vec::new();
    while out.len() < k && !candidates.is_empty() {
        let zone_of = |i: InstanceId| cx.world.instance(i).availability_zone().unwrap_or("");
        let zone_order = |z: &str| {
            g.config
                .group
                .availability_zones
                .iter()
                .position(|x| x == z)
                .unwrap_or(usize::MAX)
        };
        let pick = candidates
            .iter()
            .enumerate()
            .min_by_key(|(_, &i)| {
                let z = zone_of(i);
                let inst = cx.world.instance(i);
                (
                    std::cmp::Reverse(per_zone.get(z).copied().unwrap_or(0)),
                    zone_order(z),
                    inst.registered_at,
                    i,
                )
            })
            .map(|(k, _)| k)
            .expect("a candidate");
        let i = candidates.swap_remove(pick);
        if let Some(n) = per_zone.get_mut(zone_of(i)) {
            *n = n.saturating_sub(1);
        }
        out.push(i);
    }
    out
}

/// One evaluation of every provider with managed scaling: the metric (an event, and the value
/// the time series shows), then target tracking's launches and scale-in.
pub(crate) fn evaluate(cap: &mut Capacity, cx: &mut Cx) {
    let now = cx.now;
    for p in 0..cap.providers.len() {
        if !cap.providers[p].managed_scaling() {
            continue;
        }
        let provider = &cap.providers[p];
        let name: Arc<str> = Arc::clone(&provider.name);
        let g = provider.group().expect("managed scaling has a group");
        let Some(cluster) = g.cluster else {
            continue;
        };
        let waiting = cap.waiting.needs(cx, cluster, &name);
        let reading = read(cx, g, &waiting);
        let target = g.config.managed_scaling.target_capacity;
        let g = cap.providers[p].group_mut().expect("a group");
        let change = decide(g, &reading, now);
        cap.last_reading.insert(p, reading.reservation);
        cx.rec.emit(
            now,
            &cx.world,
            EventDetail::CapacityProviderReservation {
                cluster,
                capacity_provider: Arc::clone(&name),
                reservation: reading.reservation,
                needed: reading.needed,
                running: reading.running,
                target_capacity: target,
                change: change as i32,
            },
        );
        if change > 0 {
            scale_out(cap, cx, p, change as u32, &reading);
        } else if change < 0 {
            scale_in(cap, cx, p, (-change) as usize, &reading);
        }
    }
    schedule_next(cx);
}

fn scale_out(cap: &mut Capacity, cx: &mut Cx, p: ProviderIx, k: u32, r: &Reading) {
    let now = cx.now;
    let name = Arc::clone(&cap.providers[p].name);
    let g = cap.providers[p].group_mut().expect("a group");
    // Instances a scale-in is taking away are no longer in the desired capacity.
    g.desired = (g.live() + k).min(g.config.group.max_size).max(g.desired);
    g.last_scale_out = Some(now);
    let desired = g.desired;
    let cluster = g.cluster;
    let launched = super::groups::fill(cap, cx, p, None);
    let cause = format!(
        "managed scaling: CapacityProviderReservation {} is above the target {}; {} instances needed, {} running",
        fmt_metric(r.reservation),
        cap.providers[p]
            .group()
            .map_or(100, |g| g.config.managed_scaling.target_capacity),
        r.needed,
        r.running
    );
    cx.rec.emit(
        now,
        &cx.world,
        EventDetail::ScalingActivity {
            cluster,
            capacity_provider: name,
            activity: crate::record::ScalingActivityKind::Launch,
            count: launched,
            desired_capacity: desired,
            instances: Vec::new(),
            cause: Arc::from(cause),
        },
    );
}

fn scale_in(cap: &mut Capacity, cx: &mut Cx, p: ProviderIx, k: usize, r: &Reading) {
    let now = cx.now;
    let name = Arc::clone(&cap.providers[p].name);
    let g = cap.providers[p].group().expect("a group");
    let chosen = victims(cx, g, k);
    if chosen.is_empty() {
        return;
    }
    let draining = g.config.managed_draining;
    let target = g.config.managed_scaling.target_capacity;
    let g = cap.providers[p].group_mut().expect("a group");
    g.desired = g.desired.saturating_sub(chosen.len() as u32);
    for &i in &chosen {
        g.leaving.insert(i);
    }
    let (desired, cluster) = (g.desired, g.cluster);
    for &i in &chosen {
        if draining {
            cap.commands.push_back(Command::Drain {
                instance: i,
                reason: "draining (managed scale-in)",
            });
        } else {
            cap.commands.push_back(Command::Terminate { instance: i });
        }
    }
    let cause = format!(
        "managed scaling: CapacityProviderReservation {} has been below the target {target} for 15 minutes; {} instances needed, {} running",
        fmt_metric(r.reservation),
        r.needed,
        r.running
    );
    cx.rec.emit(
        now,
        &cx.world,
        EventDetail::ScalingActivity {
            cluster,
            capacity_provider: name,
            activity: if draining {
                crate::record::ScalingActivityKind::Drain
            } else {
                crate::record::ScalingActivityKind::Terminate
            },
            count: chosen.len() as u32,
            desired_capacity: desired,
            instances: chosen,
            cause: Arc::from(cause),
        },
    );
}

/// A metric value as the events write it: at most two decimals, no trailing zeros.
pub(crate) fn fmt_metric(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::{AsgProvider, AutoScalingGroup, ManagedScaling};
    use ecsim_kernel::SimTime;

    fn group(types: usize, zones: usize, min_step: u32, max_step: u32, max: u32) -> Group {
        let config = AsgProvider {
            auto_scaling_group_arn: "asg".into(),
            managed_scaling: ManagedScaling {
                enabled: true,
                target_capacity: 100,
                minimum_scaling_step_size: min_step,
                maximum_scaling_step_size: max_step,
                instance_warmup_period: SimDuration::from_seconds(300),
            },
            managed_termination_protection: false,
            managed_draining: true,
            group: AutoScalingGroup {
                instance_types: (0..types).map(|k| format!("m5.{k}")).collect(),
                availability_zones: (0..zones).map(|k| format!("us-east-1{k}")).collect(),
                min_size: 0,
                max_size: max,
                desired_capacity: 0,
                spot: false,
                image_id: None,
                interruptions_per_hour: 0.0,
                tags: Vec::new(),
                instance_launch: None,
            },
        };
        Group {
            config,
            desired: 0,
            instances: Default::default(),
            launched_at: Default::default(),
            booting: Default::default(),
            cluster: None,
            plan: None,
            last_scale_out: None,
            below_since: None,
            leaving: Default::default(),
            interrupted: Default::default(),
            image_id: String::new(),
            refresh: None,
        }
    }

    fn reading(needed: u32, running: u32) -> Reading {
        let reservation = match (needed, running) {
            (0, 0) => 100.0,
            (_, 0) => 200.0,
            (m, n) => m as f64 * 100.0 / n as f64,
        };
        Reading {
            needed,
            running,
            reservation,
        }
    }

    /// DG: "When Amazon ECS scales out from 0 instances, it automatically launches 2 instances";
    /// reference §5.3: the metric is 200 then.
    #[test]
    fn scale_out_from_zero_launches_two() {
        let mut g = group(1, 1, 1, 10_000, 10);
        let r = reading(1, 0);
        assert_eq!(r.reservation, 200.0);
        assert_eq!(decide(&mut g, &r, SimTime(0)), 2);
        let mut g = group(1, 1, 3, 10_000, 10);
        assert_eq!(
            decide(&mut g, &r, SimTime(0)),
            3,
            "a larger minimum step wins"
        );
    }

    /// API ManagedScaling: launch the minimum step if the calculated count is below it, else the
    /// calculated count up to the maximum step.
    #[test]
    fn the_step_sizes_bound_a_single_type_single_zone_group() {
        // Needed 9 on 4 running at target 100: desired 9, calculated 5.
        let mut g = group(1, 1, 1, 10_000, 100);
        assert_eq!(decide(&mut g, &reading(9, 4), SimTime(0)), 5);
        let mut g = group(1, 1, 1, 3, 100);
        assert_eq!(decide(&mut g, &reading(9, 4), SimTime(0)), 3);
        let mut g = group(1, 1, 7, 10, 100);
        assert_eq!(decide(&mut g, &reading(9, 4), SimTime(0)), 7);
    }

    /// API ManagedScaling: a group of several types or zones "will scale up by the exact minimum
    /// scaling step size value and will ignore both the maximum scaling step size as well as the
    /// capacity demand".
    #[test]
    fn several_types_or_zones_scale_by_the_minimum_step_exactly() {
        let mut g = group(1, 3, 2, 10_000, 100);
        assert_eq!(decide(&mut g, &reading(9, 4), SimTime(0)), 2);
        let mut g = group(2, 1, 1, 10_000, 100);
        assert_eq!(decide(&mut g, &reading(9, 4), SimTime(0)), 1);
    }

    #[test]
    fn never_beyond_max_size() {
        let mut g = group(1, 1, 1, 10_000, 3);
        assert_eq!(decide(&mut g, &reading(10, 0), SimTime(0)), 2);
        let mut g = group(1, 1, 5, 10_000, 3);
        assert_eq!(decide(&mut g, &reading(10, 0), SimTime(0)), 3);
    }

    /// Reference §5.3: 15 data points below the target before a scale-in, and never within 15
    /// minutes of a scale-out; a step takes at most half the group.
    #[test]
    fn scale_in_waits_fifteen_minutes_and_takes_at_most_half() {
        let mut g = group(1, 1, 1, 10_000, 100);
        // 8 instances registered (as far as `live` goes), 1 needed.
        for k in 0..8 {
            g.instances.insert(InstanceId(k));
        }
        let r = reading(1, 8);
        let min = |m: u64| SimTime(m * 60_000);
        assert_eq!(decide(&mut g, &r, min(1)), 0);
        assert_eq!(decide(&mut g, &r, min(15)), 0, "14 minutes below");
        assert_eq!(
            decide(&mut g, &r, min(16)),
            -4,
            "15 minutes below: half of 8"
        );
        g.last_scale_out = Some(min(10));
        assert_eq!(
            decide(&mut g, &r, min(20)),
            0,
            "within 15 minutes of a scale-out"
        );
        assert_eq!(decide(&mut g, &r, min(25)), -4);
        // At the target the window restarts.
        assert_eq!(decide(&mut g, &reading(8, 8), min(26)), 0);
        assert_eq!(decide(&mut g, &r, min(27)), 0);
    }
}
