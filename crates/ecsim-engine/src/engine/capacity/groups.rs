//! The Auto Scaling group behind a capacity provider (SPEC §8): it keeps its desired capacity,
//! launching into the healthy zone with the fewest of its instances, replaces the instances it
//! loses, and gives up the ones a scale-in chooses. It asks for launches, drains and terminations
//! through [`Command`]s, which the event loop carries out.

use super::{Capacity, ProviderIx};
use crate::capacity::AsgProvider;
use crate::engine::cx::Cx;
use crate::engine::fleet::LaunchPlan;
use crate::record::{EventDetail, ScalingActivityKind};
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::{ClusterId, InstanceId, InstanceStatus};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What capacity asks of the event loop, which owns the fleet and the way instances leave.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Command {
    /// Launch one instance of the provider's group in `zone`.
    Launch { provider: ProviderIx, zone: String },
    /// Terminate the instance (its tasks stop with TerminationNotice).
    Terminate { instance: InstanceId },
    /// Set the instance DRAINING.
    Drain {
        instance: InstanceId,
        reason: &'static str,
    },
}

/// One launch of the group, booting.
#[derive(Clone, Debug)]
pub(crate) struct Booting {
    pub zone: String,
    pub launched_at: SimTime,
}

#[derive(Debug)]
pub(crate) struct Group {
    pub config: AsgProvider,
    pub desired: u32,
    /// Registered instances not yet gone (ACTIVE or DRAINING).
    pub instances: BTreeSet<InstanceId>,
    /// When each instance was launched (warm-up), by instance.
    pub launched_at: BTreeMap<InstanceId, SimTime>,
    /// Launches booting, by launch slot.
    pub booting: BTreeMap<usize, Booting>,
    /// The cluster its instances register into (the first it was associated with).
    pub cluster: Option<ClusterId>,
    pub plan: Option<Arc<LaunchPlan>>,
    /// The last scale-out (scale-in waits 15 minutes after it).
    pub last_scale_out: Option<SimTime>,
    /// Since when every evaluation found the reservation below the target.
    pub below_since: Option<SimTime>,
    /// Instances a scale-in chose: draining until their non-daemon tasks stop, then terminated.
    pub leaving: BTreeSet<InstanceId>,
    /// Spot instances warned of their interruption, terminated at the time given.
    pub interrupted: BTreeMap<InstanceId, SimTime>,
    /// The image its launches use.
    pub image_id: String,
    /// The instance refresh under way (StartInstanceRefresh).
    pub refresh: Option<super::refresh::Refresh>,
}

impl Group {
    pub fn new(config: &AsgProvider, cx: &Cx) -> Group {
        let image_id = config
            .group
            .image_id
            .clone()
            .unwrap_or_else(|| cx.scenario.amis.recommended().image_id.clone());
        Group {
            config: config.clone(),
            desired: config.group.desired_capacity,
            instances: BTreeSet::new(),
            launched_at: BTreeMap::new(),
            booting: BTreeMap::new(),
            cluster: None,
            plan: None,
            last_scale_out: None,
            below_since: None,
            leaving: BTreeSet::new(),
            interrupted: BTreeMap::new(),
            image_id,
            refresh: None,
        }
    }

    /// Managed scaling's settings changed: the scale-in window starts again.
    pub fn scaling_changed(&mut self, _now: SimTime) {
        self.below_since = None;
    }

    /// Instances running or booting, the ones a scale-in is taking away excepted.
    pub fn live(&self) -> u32 {
        (self.instances.len() - self.leaving.len() + self.booting.len()) as u32
    }

    /// Instances running or booting, all of them (managed scaling's N).
    pub fn running(&self) -> u32 {
        (self.instances.len() + self.booting.len()) as u32
    }

    /// The zone of one of its instances.
    fn zone_of(cx: &Cx, i: InstanceId) -> Option<String> {
        cx.world.instance(i).availability_zone().map(str::to_string)
    }

    /// Its instances (and launches) per zone of its list, with zones outside the list counted
    /// under their own name.
    pub fn per_zone(&self, cx: &Cx) -> BTreeMap<String, u32> {
        let mut n: BTreeMap<String, u32> = BTreeMap::new();
        for z in &self.config.group.availability_zones {
            n.insert(z.clone(), 0);
        }
        for &i in &self.instances {
            if self.leaving.contains(&i) {
                continue;
            }
            if let Some(z) = Self::zone_of(cx, i) {
                *n.entry(z).or_default() += 1;
            }
        }
        for b in self.booting.values() {
            *n.entry(b.zone.clone()).or_default() += 1;
        }
        n
    }

    /// Whether an instance of the group is still warming up at `now` (no new scale-out then).
    pub fn warming_up(&self, now: SimTime) -> bool {
        let warmup = self.config.managed_scaling.instance_warmup_period;
        let within = |t: SimTime| now.since(t) < warmup;
        self.booting.values().any(|b| within(b.launched_at))
            || self.launched_at.values().any(|&t| within(t))
    }
}

/// The provider's group gained its first cluster: its instances register there from now on, and
/// it starts keeping its desired capacity.
pub(crate) fn associated(cap: &mut Capacity, cx: &mut Cx, p: ProviderIx, c: ClusterId) {
    let name = cap.providers[p].name.to_string();
    let Some(g) = cap.providers[p].group_mut() else {
        return;
    };
    if g.cluster.is_some() {
        return;
    }
    g.cluster = Some(c);
    let cluster = cx.world.cluster(c).name.clone();
    g.plan = Some(Arc::new(LaunchPlan {
        action_index: None,
        cluster,
        // RULE: a group launches the first of its instance types.
        instance_type: Arc::from(g.config.group.instance_types[0].as_str()),
        availability_zones: g
            .config
            .group
            .availability_zones
            .iter()
            .map(|z| Arc::from(z.as_str()))
            .collect(),
        attributes: Vec::new(),
        tags: Arc::from(g.config.group.tags.as_slice()),
        image_id: Arc::from(g.image_id.as_str()),
        capacity_provider: Some(name),
    }));
    fill(
        cap,
        cx,
        p,
        Some("the Auto Scaling group launches its desired capacity"),
    );
}

/// Asks for the launches that bring the group to its desired capacity, in the healthy zones, and
/// says so (an `ECS Scaling Activity` with `cause`, unless nothing is missing).
pub(crate) fn fill(cap: &mut Capacity, cx: &mut Cx, p: ProviderIx, cause: Option<&str>) -> u32 {
    let failed = cap.failed_zones.clone();
    let name = Arc::clone(&cap.providers[p].name);
    let Some(g) = cap.providers[p].group() else {
        return 0;
    };
    let Some(cluster) = g.cluster else {
        return 0;
    };
    // Launches asked for and not yet made count as made.
    let queued: Vec<&String> = cap
        .commands
        .iter()
        .filter_map(|c| match c {
            Command::Launch { provider, zone } if *provider == p => Some(zone),
            _ => None,
        })
        .collect();
    let missing = g.desired.saturating_sub(g.live() + queued.len() as u32);
    // Zones for the launches, each chosen as if the ones before had been made.
    let mut per_zone = g.per_zone(cx);
    for z in queued {
        *per_zone.entry(z.clone()).or_default() += 1;
    }
    let zones: Vec<String> = g
        .config
        .group
        .availability_zones
        .iter()
        .filter(|z| !failed.contains(*z))
        .cloned()
        .collect();
    let desired = g.desired;
    let mut launched = 0;
    while launched < missing {
        let Some(z) = zones
            .iter()
            .min_by_key(|z| per_zone.get(*z).copied().unwrap_or(0))
        else {
            break;
        };
        *per_zone.entry(z.clone()).or_default() += 1;
        cap.commands.push_back(Command::Launch {
            provider: p,
            zone: z.clone(),
        });
        launched += 1;
    }
    if let (Some(cause), true) = (cause, launched > 0) {
        cx.rec.emit(
            cx.now,
            &cx.world,
            EventDetail::ScalingActivity {
                cluster: Some(cluster),
                capacity_provider: name,
                activity: ScalingActivityKind::Launch,
                count: launched,
                desired_capacity: desired,
                instances: Vec::new(),
                cause: Arc::from(cause),
            },
        );
    }
    launched
}

/// The event loop launched one instance of `p`'s group.
pub(crate) fn launched(cap: &mut Capacity, p: ProviderIx, slot: usize, b: Booting) {
    cap.booting.insert(slot, (p, 0));
    if let Some(g) = cap.providers[p].group_mut() {
        g.booting.insert(slot, b);
    }
}

/// A launch came up: `instance` registered (None: it could not register, and is gone).
pub(crate) fn launch_ready(
    cap: &mut Capacity,
    cx: &mut Cx,
    slot: usize,
    instance: Option<InstanceId>,
) -> Option<ProviderIx> {
    let (p, _) = cap.booting.remove(&slot)?;
    let g = cap.providers[p].group_mut()?;
    let b = g.booting.remove(&slot)?;
    match instance {
        Some(i) => {
            g.instances.insert(i);
            g.launched_at.insert(i, b.launched_at);
        }
        None => {
            // It could not register (its cluster was deleted, or is full): the group stops
            // launching into a cluster that is gone.
            if g.cluster
                .is_some_and(|c| cx.world.cluster(c).status != ecsim_model::ClusterStatus::Active)
            {
                g.cluster = None;
                g.plan = None;
            }
        }
    }
    Some(p)
}

/// One of the group's instances left (terminated or deregistered). A scale-in's choice lowers
/// nothing more (the desired capacity already dropped); any other loss is replaced.
pub(crate) fn instance_gone(cap: &mut Capacity, cx: &mut Cx, i: InstanceId) {
    let Some(p) = group_of(cap, cx, i) else {
        return;
    };
    let g = cap.providers[p].group_mut().expect("a group");
    if !g.instances.remove(&i) {
        return;
    }
    g.launched_at.remove(&i);
    let interrupted = g.interrupted.remove(&i).is_some();
    let chosen = g.leaving.remove(&i);
    let refreshed = super::refresh::instance_gone(g, cx, i, chosen);
    let (desired, cluster) = (g.desired, g.cluster);
    let name = Arc::clone(&cap.providers[p].name);
    if !chosen || refreshed {
        let why = if refreshed {
            "instance refresh: the instance on an older image was terminated"
        } else if interrupted {
            "spot interruption: the instance was terminated"
        } else if cx.world.instance(i).terminated {
            "the instance was terminated"
        } else {
            "the instance was deregistered"
        };
        cx.rec.emit(
            cx.now,
            &cx.world,
            EventDetail::ScalingActivity {
                cluster,
                capacity_provider: Arc::clone(&name),
                activity: ScalingActivityKind::Terminate,
                count: 1,
                desired_capacity: desired,
                instances: vec![i],
                cause: Arc::from(why),
            },
        );
    }
    let cause = if refreshed && !chosen {
        "instance refresh: the Auto Scaling group launches a replacement"
    } else {
        "the Auto Scaling group replaces an instance it lost"
    };
    fill(cap, cx, p, Some(cause));
    super::refresh::advance(cap, cx, p);
}

/// The provider whose group holds instance `i`.
pub(crate) fn group_of(cap: &Capacity, cx: &Cx, i: InstanceId) -> Option<ProviderIx> {
    let name = cx.world.instance(i).capacity_provider.as_deref()?;
    let p = cap
        .providers
        .iter()
        .position(|p| &*p.name == name && p.group().is_some_and(|g| g.instances.contains(&i)))?;
    Some(p)
}

/// Whether instance `i` holds no task but daemon tasks (SPEC §8: "empty").
pub(crate) fn is_empty(cx: &Cx, i: InstanceId) -> bool {
    cx.world
        .instance(i)
        .tasks
        .iter()
        .all(|&t| cx.world.spec(cx.world.task(t).spec).daemon)
}

/// A leaving instance (a scale-in's, draining) whose non-daemon tasks have all stopped is
/// terminated.
pub(crate) fn check_leaving(cap: &mut Capacity, cx: &Cx, i: InstanceId) {
    let Some(p) = group_of(cap, cx, i) else {
        return;
    };
    let g = cap.providers[p].group().expect("a group");
    let refreshing = g.refresh.as_ref().is_some_and(|r| r.is_replacing(i));
    if (g.leaving.contains(&i) || refreshing)
        && cx.world.instance(i).status != InstanceStatus::Inactive
        && is_empty(cx, i)
    {
        cap.commands.push_back(Command::Terminate { instance: i });
    }
}

/// LaunchContainerInstances into a provider (RULE: as EC2 Auto Scaling's attach-instances): the
/// group's desired capacity rises by `count`, up to its maxSize; None when that would pass it.
pub(crate) fn attach(cap: &mut Capacity, p: ProviderIx, count: u32) -> Result<(), u32> {
    let g = cap.providers[p].group_mut().ok_or(0u32)?;
    let max = g.config.group.max_size;
    if g.desired + count > max {
        return Err(max);
    }
    g.desired += count;
    Ok(())
}

/// The 2-minute spot interruption warning (SPEC §8).
pub(crate) const SPOT_WARNING: SimDuration = SimDuration::from_seconds(120);
