//! EC2 Auto Scaling's instance refresh over a provider's group (SPEC §2 StartInstanceRefresh):
//! the group's instances not on the refresh's image are replaced in batches, each batch waiting
//! for the one before it to be in service and warmed up.
//!
//! With maxHealthyPercentage 100 a batch of `max(1, floor(N × (100 − min) / 100))` old instances
//! (N the group's desired capacity) is drained (with managed draining) and terminated once it holds
//! no task but daemon tasks; the group replaces each one as it leaves, with the new image. Above
//! 100 a batch of `max(1, floor(N × (max − 100) / 100))` replacements launches first, and once they
//! are in service and warm as many old instances leave without replacement. Every step is an
//! `ECS Scaling Activity`: the start, each batch, and the end (`REFRESH`), and the drains,
//! terminations and launches themselves.

use super::groups::{self, Command, Group};
use super::{Capacity, ProviderIx};
use crate::capacity::InstanceRefresh;
use crate::engine::cx::{Cx, Phase};
use crate::engine::{CapEv, Ev};
use crate::record::{EventDetail, ScalingActivityKind};
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::InstanceId;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The attribute that says which image an instance runs.
const AMI_ATTRIBUTE: &str = "ecs.ami-id";

/// A refresh under way in a group.
#[derive(Debug)]
pub(crate) struct Refresh {
    pub image_id: String,
    /// maxHealthyPercentage above 100: replacements launch before old instances leave.
    launch_first: bool,
    min_healthy: u32,
    max_healthy: u32,
    warmup: SimDuration,
    /// Old instances of the current batch, leaving (draining, then terminated).
    pub replacing: BTreeSet<InstanceId>,
    /// Instances that registered during the refresh and are not yet warm, with when they are.
    warm_at: BTreeMap<InstanceId, SimTime>,
    /// Launch first: the replacements the current batch launched, for as many old instances.
    ahead: u32,
    started_at: SimTime,
    batches: u32,
    replaced: u32,
}

impl Refresh {
    /// The instances a launch-first batch has added above the desired capacity, which it takes
    /// away again (as old instances) once they are warm.
    pub fn surge(&self) -> u32 {
        self.ahead
    }

    /// Whether the refresh is taking `i` away.
    pub fn is_replacing(&self, i: InstanceId) -> bool {
        self.replacing.contains(&i)
    }
}

/// The group's instances still on another image than `image_id`, oldest launch first: those a
/// batch takes (neither leaving nor warned of a spot interruption).
fn old_instances(cx: &Cx, g: &Group, image_id: &str) -> Vec<InstanceId> {
    let mut old: Vec<(SimTime, InstanceId)> = g
        .instances
        .iter()
        .copied()
        .filter(|i| {
            !g.leaving.contains(i)
                && !g.interrupted.contains_key(i)
                && !g.refresh.as_ref().is_some_and(|r| r.is_replacing(*i))
                && cx.world.instance(*i).attribute(AMI_ATTRIBUTE).flatten() != Some(image_id)
        })
        .map(|i| (g.launched_at.get(&i).copied().unwrap_or(SimTime::ZERO), i))
        .collect();
    old.sort();
    old.into_iter().map(|(_, i)| i).collect()
}

/// StartInstanceRefresh: from now on the group launches `r.image_id`, and its instances on
/// another image are replaced. A refresh already under way is an error, as in EC2 Auto Scaling
/// (InstanceRefreshInProgress).
pub(crate) fn start(cap: &mut Capacity, cx: &mut Cx, index: usize, r: &InstanceRefresh) {
    let Some(p) = cap.provider_ix(&r.capacity_provider) else {
        cx.action_error(
            index,
            "ClientException",
            format!(
                "The specified capacity provider {} does not exist.",
                r.capacity_provider
            ),
        );
        return;
    };
    let name = Arc::clone(&cap.providers[p].name);
    let Some(g) = cap.providers[p].group_mut() else {
        cx.action_error(
            index,
            "InvalidParameterException",
            format!("The capacity provider {name} has no Auto Scaling group to refresh."),
        );
        return;
    };
    if g.refresh.is_some() {
        cx.action_error(
            index,
            "InstanceRefreshInProgress",
            format!("An instance refresh is already in progress for the Auto Scaling group of capacity provider {name}."),
        );
        return;
    }
    g.image_id = r.image_id.clone();
    if let Some(plan) = &g.plan {
        let mut plan = (**plan).clone();
        plan.image_id = Arc::from(r.image_id.as_str());
        g.plan = Some(Arc::new(plan));
    }
    let warmup = r
        .instance_warmup
        .unwrap_or(g.config.managed_scaling.instance_warmup_period);
    g.refresh = Some(Refresh {
        image_id: r.image_id.clone(),
        launch_first: r.max_healthy_percentage > 100,
        min_healthy: r.min_healthy_percentage,
        max_healthy: r.max_healthy_percentage,
        warmup,
        replacing: BTreeSet::new(),
        warm_at: BTreeMap::new(),
        ahead: 0,
        started_at: cx.now,
        batches: 0,
        replaced: 0,
    });
    let old = old_instances(cx, g, &r.image_id).len();
    let cause = format!(
        "instance refresh started: {old} instances to replace with {} (minHealthyPercentage {}, maxHealthyPercentage {}, instanceWarmup {} s)",
        r.image_id,
        r.min_healthy_percentage,
        r.max_healthy_percentage,
        secs(warmup)
    );
    progress(cx, cap, p, cause);
    advance(cap, cx, p);
}

/// The refresh's start or end: a REFRESH activity of no instances.
fn progress(cx: &mut Cx, cap: &Capacity, p: ProviderIx, cause: String) {
    emit(
        cx,
        cap,
        p,
        ScalingActivityKind::Refresh,
        0,
        Vec::new(),
        cause,
    );
}

/// One `ECS Scaling Activity` of the refresh of `p`'s group.
fn emit(
    cx: &mut Cx,
    cap: &Capacity,
    p: ProviderIx,
    activity: ScalingActivityKind,
    count: u32,
    instances: Vec<InstanceId>,
    cause: String,
) {
    let g = cap.providers[p].group().expect("a group");
    cx.rec.emit(
        cx.now,
        &cx.world,
        EventDetail::ScalingActivity {
            cluster: g.cluster,
            capacity_provider: Arc::clone(&cap.providers[p].name),
            activity,
            count,
            desired_capacity: g.desired,
            instances,
            cause: Arc::from(cause),
        },
    );
}

/// Moves the refresh of `p`'s group on as far as it can now: the next batch starts once the one
/// before has left, its replacements have registered and warmed up, and the group is back at its
/// desired capacity; with no old instance left the refresh is complete.
pub(crate) fn advance(cap: &mut Capacity, cx: &mut Cx, p: ProviderIx) {
    let now = cx.now;
    let draining = cap.providers[p]
        .group()
        .is_some_and(|g| g.config.managed_draining);
    // Launches asked for and not yet made count as booting.
    let queued = cap
        .commands
        .iter()
        .any(|c| matches!(c, Command::Launch { provider, .. } if *provider == p));
    let Some(g) = cap.providers[p].group_mut() else {
        return;
    };
    let (live, desired, booting) = (g.live(), g.desired, queued || !g.booting.is_empty());
    let Some(r) = g.refresh.as_mut() else {
        return;
    };
    r.warm_at.retain(|_, &mut t| t > now);
    if !r.replacing.is_empty() || !r.warm_at.is_empty() || booting {
        return;
    }
    let image_id = r.image_id.clone();
    let old = old_instances(cx, g, &image_id);
    let r = g.refresh.as_mut().expect("a refresh");
    if live < desired && !(old.is_empty() && r.ahead == 0) {
        // Replacements that could not launch yet (a failed zone, a group not yet serving a
        // cluster): the group retries them.
        return;
    }
    if r.launch_first && r.ahead > 0 {
        // The batch's replacements are in service and warm: as many old instances leave, and the
        // desired capacity falls back by what the batch raised it.
        let take: Vec<InstanceId> = old.iter().copied().take(r.ahead as usize).collect();
        g.desired = g.desired.saturating_sub(r.ahead);
        r.ahead = 0;
        if !take.is_empty() {
            for &i in &take {
                g.leaving.insert(i);
            }
            let batch = r.batches;
            let cause = format!(
                "instance refresh: the replacements of batch {batch} are in service; {} on older images leave",
                plural(take.len() as u32, "instance")
            );
            emit(
                cx,
                cap,
                p,
                ScalingActivityKind::Refresh,
                take.len() as u32,
                take.clone(),
                cause,
            );
            leave(cap, cx, p, take, draining, batch);
            return;
        }
    }
    if old.is_empty() {
        let cause = format!(
            "instance refresh completed: {} replaced in {}, {} s",
            plural(r.replaced, "instance"),
            plural(r.batches, "batch"),
            secs(now.since(r.started_at))
        );
        g.refresh = None;
        progress(cx, cap, p, cause);
        return;
    }
    let n = g.desired;
    r.batches += 1;
    let batch = r.batches;
    if r.launch_first {
        // RULE: above 100 the batch is the room above the desired capacity; the healthy
        // instances never fall below it.
        let b = batch_size(n, r.max_healthy - 100).min(old.len() as u32);
        r.ahead = b;
        g.desired += b;
        let cause = format!(
            "instance refresh: batch {batch} launches {b} instances on {image_id} before {b} on older images terminate ({} left)",
            old.len()
        );
        emit(
            cx,
            cap,
            p,
            ScalingActivityKind::Refresh,
            b,
            Vec::new(),
            cause,
        );
        groups::fill(
            cap,
            cx,
            p,
            Some("instance refresh: replacements launch first"),
        );
    } else {
        let b = batch_size(n, 100 - r.min_healthy).min(old.len() as u32);
        let take: Vec<InstanceId> = old.iter().copied().take(b as usize).collect();
        let cause = format!(
            "instance refresh: batch {batch} replaces {b} of {} instances on older images",
            old.len()
        );
        emit(
            cx,
            cap,
            p,
            ScalingActivityKind::Refresh,
            b,
            take.clone(),
            cause,
        );
        leave(cap, cx, p, take, draining, batch);
    }
}

/// "1 batch", "6 batches".
fn plural(n: u32, what: &str) -> String {
    match (n, what.ends_with("ch")) {
        (1, _) => format!("1 {what}"),
        (_, true) => format!("{n} {what}es"),
        _ => format!("{n} {what}s"),
    }
}

/// A duration in seconds as the events write it ("90", "90.5").
fn secs(d: SimDuration) -> String {
    format!("{}", d.ms() as f64 / 1000.0)
}

/// `max(1, floor(n × percent / 100))`.
fn batch_size(n: u32, percent: u32) -> u32 {
    ((n as u64 * percent as u64 / 100) as u32).max(1)
}

/// The batch's old instances leave: DRAINING first with managed draining (terminated once they
/// hold no task but daemon tasks), else terminated now.
fn leave(
    cap: &mut Capacity,
    cx: &mut Cx,
    p: ProviderIx,
    take: Vec<InstanceId>,
    draining: bool,
    batch: u32,
) {
    let g = cap.providers[p].group_mut().expect("a group");
    let r = g.refresh.as_mut().expect("a refresh");
    for &i in &take {
        r.replacing.insert(i);
    }
    let mut drained = Vec::new();
    for &i in &take {
        if draining && !groups::is_empty(cx, i) {
            cap.commands.push_back(Command::Drain {
                instance: i,
                reason: "draining (instance refresh)",
            });
            drained.push(i);
        } else {
            cap.commands.push_back(Command::Terminate { instance: i });
        }
    }
    if !drained.is_empty() {
        let cause =
            format!("instance refresh: batch {batch} drains its instances before they terminate");
        let n = drained.len() as u32;
        emit(cx, cap, p, ScalingActivityKind::Drain, n, drained, cause);
    }
}

/// One of the group's instances left (`chosen`: by a scale-in or a launch-first batch, the
/// desired capacity already lowered): a refresh's is replaced (terminate first) or was already
/// (launch first). An old instance lost otherwise while a launch-first batch is under way is one
/// the batch no longer needs to replace: the desired capacity falls by it, so the group does not
/// replace it and ends the batch at its desired capacity. Returns whether the refresh took it.
pub(crate) fn instance_gone(g: &mut Group, cx: &Cx, i: InstanceId, chosen: bool) -> bool {
    let Some(r) = g.refresh.as_mut() else {
        return false;
    };
    r.warm_at.remove(&i);
    if r.replacing.remove(&i) {
        r.replaced += 1;
        return true;
    }
    let old = cx.world.instance(i).attribute(AMI_ATTRIBUTE).flatten() != Some(r.image_id.as_str());
    if r.launch_first && r.ahead > 0 && !chosen && old {
        r.ahead -= 1;
        g.desired = g.desired.saturating_sub(1);
    }
    false
}

/// A launch of the group registered as `i`: during a refresh it warms up before the next batch.
pub(crate) fn registered(cap: &mut Capacity, cx: &mut Cx, p: ProviderIx, i: InstanceId) {
    let Some(r) = cap.providers[p]
        .group_mut()
        .and_then(|g| g.refresh.as_mut())
    else {
        return;
    };
    let at = cx.now + r.warmup;
    r.warm_at.insert(i, at);
    cx.schedule_at(at, Phase::Task, Ev::Capacity(CapEv::RefreshWarm(p)));
}
