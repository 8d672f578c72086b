//! The pipeline itself: checks per instance, strategies over the survivors, a seeded final draw.

use crate::explain::{Check, Explanation, InstanceVerdict, StrategyStep};
use crate::indexed::{Scratch, Served};
use crate::strategy::{BinpackField, PlacementStrategy, SpreadField};
use crate::view::InstanceRef;
use ecsim_kernel::Stream;
use ecsim_model::instance::{DYNAMIC_PORT_FIRST, DYNAMIC_PORT_LAST, MAX_RESERVED_PORTS};
use ecsim_model::{
    ClusterId, ContainerInstance, GroupId, InstanceId, InstanceStatus, LaunchType,
    PlacementConstraint, TaskRequirements, World,
};
use std::collections::BTreeMap;

/// One task to place.
#[derive(Clone, Copy)]
pub struct PlacementRequest<'a> {
    pub cluster: ClusterId,
    pub requirements: &'a TaskRequirements,
    pub group: GroupId,
    pub launch_type: LaunchType,
    /// Task definition and request constraints together.
    pub constraints: &'a [PlacementConstraint],
    /// In array order; empty means no strategy (every candidate ties, then the final draw).
    pub strategies: &'a [PlacementStrategy],
    /// Only these instances (StartTask); None = every instance of the cluster.
    pub only: Option<&'a [InstanceId]>,
    /// The capacity provider the task is assigned to: only the cluster's instances registered with
    /// it are considered (SPEC §8), for everything — candidates, the closest instance of a failure,
    /// spread counts, `random`'s draws. None: every instance of the cluster, provider instances
    /// included (RULE: a task with a launch type may land on any EC2 instance of the cluster).
    pub capacity_provider: Option<&'a str>,
    /// Build the explanation trace (costs time; off on the hot path).
    pub explain: bool,
}

/// Where a task goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub instance: InstanceId,
    /// How many instances the strategies left for the final draw.
    pub finalists: u32,
    pub explanation: Option<Explanation>,
}

/// Why a task goes nowhere: the closest instance and the first check it failed (SPEC §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub closest: Option<InstanceId>,
    pub reason: &'static str,
    pub explanation: Option<Explanation>,
}

/// The reason when there is no ACTIVE container instance to consider: none in the cluster, or,
/// for a request naming a capacity provider, none registered with the provider.
pub const NO_INSTANCES: &str = "No Container Instances were found in your cluster.";

/// Whether the request considers `inst` at all: every instance of the cluster, or, when the request
/// names a capacity provider, the instances registered with it (SPEC §8: a task assigned to a
/// provider "is placed only among that provider's instances"). An instance it does not consider is
/// never a candidate, never the closest instance, and counts toward no spread.
pub fn in_scope(inst: &ContainerInstance, req: &PlacementRequest) -> bool {
    match req.capacity_provider {
        None => true,
        // The same interned name mostly: the pointers first, the bytes only when they differ.
        Some(p) => inst
            .capacity_provider
            .as_deref()
            .is_some_and(|q| std::ptr::eq(q, p) || q == p),
    }
}

thread_local! {
    /// The scratch of [`place`]: buffers only, never state that could change a decision.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Places one task, or says why it cannot be placed: [`place_with`] with a per-thread scratch.
/// Call [`crate::prepare`] first, or the index may not serve the request (the scan then does).
pub fn place(world: &World, req: &PlacementRequest, rng: &mut Stream) -> Result<Decision, Failure> {
    SCRATCH.with(|s| place_with(world, req, rng, &mut s.borrow_mut()))
}

/// Places one task through the index when it can serve the request (see `indexed`), else the scan;
/// either way the decision and the draws are the scan's. `scratch` records which path served.
pub fn place_with(
    world: &World,
    req: &PlacementRequest,
    rng: &mut Stream,
    scratch: &mut Scratch,
) -> Result<Decision, Failure> {
    if req.only.is_none() && req.strategies.first() == Some(&PlacementStrategy::Random) {
        if let Some(d) = sample_random(world, req, rng) {
            scratch.set_served(Served::Sampled);
            return Ok(d);
        }
    }
    if let Some(d) = crate::indexed::place_indexed(world, req, rng, scratch) {
        return Ok(d);
    }
    scratch.set_served(Served::Scan);
    place_scan(world, req, rng)
}

/// Places one task as [`place_with`] does, but when no instance can take it answers None, without
/// the scan that would name the closest instance when the index has already found no candidate
/// (for a task tried again while it waits, whose failure nobody reads). The decision and the draws
/// are [`place_with`]'s.
pub fn place_if_possible(
    world: &World,
    req: &PlacementRequest,
    rng: &mut Stream,
    scratch: &mut Scratch,
) -> Option<Decision> {
    if req.only.is_none() && req.strategies.first() == Some(&PlacementStrategy::Random) {
        if let Some(d) = sample_random(world, req, rng) {
            scratch.set_served(Served::Sampled);
            return Some(d);
        }
    }
    scratch.clear_served();
    if let Some(d) = crate::indexed::place_indexed(world, req, rng, scratch) {
        return Some(d);
    }
    if matches!(
        scratch.served(),
        Some(Served::Walk | Served::Count | Served::Subset)
    ) {
        // The index served the request and found no candidate: the scan would find none either.
        return None;
    }
    scratch.set_served(Served::Scan);
    place_scan(world, req, rng).ok()
}

/// Draws before `random` gives up sampling and enumerates (see [`sample_random`]).
pub const RANDOM_SAMPLES: usize = 16;

/// `random` as the first strategy: draw an instance of the request's scope (the cluster, or the
/// provider's instances) uniformly, keep it if it is ACTIVE and passes every check, else draw again;
/// after [`RANDOM_SAMPLES`] misses, None, and the caller enumerates the candidates and draws among
/// them (which also names the closest instance when there is none). Either way the pick is uniform
/// among the instances that can take the task (API: random "places tasks randomly"), at O(1)
/// checks when most instances can.
/// RULE: this sampling is the definition of `random`, so a seed gives the same pick whichever way
/// it is reached; `finalists` is 0 for a sampled pick (the candidates were not counted). The draws
/// index the scope's instances in id order, whatever their status (`Cluster::instances`, or the
/// provider's among them).
/// A provider's instances are read from its pool when the index has one, else enumerated
/// ([`sample_random_scan`], the same draws).
pub fn sample_random(world: &World, req: &PlacementRequest, rng: &mut Stream) -> Option<Decision> {
    match req.capacity_provider {
        None => {
            let pool = &world.cluster(req.cluster).instances;
            sample(world, req, rng, pool.len(), |k| pool[k])
        }
        Some(p) => match world.index(req.cluster).and_then(|i| i.pool(p)) {
            Some(pool) => sample(world, req, rng, pool.instances.len(), |k| pool.instances[k]),
            None => sample_random_scan(world, req, rng),
        },
    }
}

/// [`sample_random`] without the index: the scope's instances enumerated from the cluster's.
pub fn sample_random_scan(
    world: &World,
    req: &PlacementRequest,
    rng: &mut Stream,
) -> Option<Decision> {
    let scope = || {
        world
            .cluster(req.cluster)
            .instances
            .iter()
            .copied()
            .filter(|&id| in_scope(world.instance(id), req))
    };
    let len = scope().count();
    sample(world, req, rng, len, |k| {
        scope().nth(k).expect("in the scope")
    })
}

/// The sampling of [`sample_random`] over a scope of `len` instances, the k-th being `nth(k)`.
fn sample(
    world: &World,
    req: &PlacementRequest,
    rng: &mut Stream,
    len: usize,
    nth: impl Fn(usize) -> InstanceId,
) -> Option<Decision> {
    if len == 0 {
        return None;
    }
    for _ in 0..RANDOM_SAMPLES {
        let id = nth(rng.below(len as u64) as usize);
        let inst = world.instance(id);
        if inst.status == InstanceStatus::Active && first_failed_check(world, inst, req).is_none() {
            let explanation = req.explain.then(|| {
                // The verdicts, for the reader; the pick is the sampled one.
                let mut e = place_scan(
                    world,
                    &PlacementRequest {
                        explain: true,
                        ..*req
                    },
                    &mut ecsim_kernel::RandomStreams::new(0).stream("explain-verdicts"),
                )
                .map_or_else(|f| f.explanation, |d| d.explanation)
                .unwrap_or_default();
                e.finalists = vec![id];
                e.chosen = Some(id);
                e
            });
            return Some(Decision {
                instance: id,
                finalists: 0,
                explanation,
            });
        }
    }
    None
}

/// The reference pipeline: every instance through every check. The indexed path must agree with it.
pub fn place_scan(
    world: &World,
    req: &PlacementRequest,
    rng: &mut Stream,
) -> Result<Decision, Failure> {
    let mut explanation = req.explain.then(|| Explanation {
        restriction: restriction(world, req),
        ..Explanation::default()
    });
    let mut candidates: Vec<InstanceId> = Vec::new();
    let mut closest: Option<(Check, InstanceId)> = None;
    let mut consider = |id: InstanceId, explanation: &mut Option<Explanation>| {
        let inst = world.instance(id);
        // Outside the provider: not considered at all (no verdict, never the closest).
        if !in_scope(inst, req) || inst.status != InstanceStatus::Active {
            return;
        }
        let verdict = first_failed_check(world, inst, req);
        if let Some(e) = explanation.as_mut() {
            e.verdicts.push(InstanceVerdict {
                instance: id,
                rejected_by: verdict,
            });
        }
        match verdict {
            None => candidates.push(id),
            // The closest instance passed the most checks; ties keep the lowest id (SPEC §4).
            Some(check) => match closest {
                Some((best, best_id))
                    if (best, std::cmp::Reverse(best_id)) >= (check, std::cmp::Reverse(id)) => {}
                _ => closest = Some((check, id)),
            },
        }
    };
    match req.only {
        Some(ids) => {
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                consider(id, &mut explanation);
            }
        }
        None => {
            // A provider's instances are its pool's when the index keeps one (the same ids, in the
            // same order, as the cluster's filtered to the provider).
            let pool = req
                .capacity_provider
                .and_then(|p| world.index(req.cluster).and_then(|i| i.pool(p)));
            let ids = match pool {
                Some(pool) => &pool.instances[..],
                None => &world.cluster(req.cluster).instances[..],
            };
            for &id in ids {
                consider(id, &mut explanation);
            }
        }
    }
    if candidates.is_empty() {
        return Err(Failure {
            closest: closest.map(|(_, id)| id),
            reason: closest.map(|(c, _)| c.reason()).unwrap_or(NO_INSTANCES),
            explanation,
        });
    }
    let finalists = apply_strategies(world, req, candidates, explanation.as_mut());
    Ok(choose(finalists, rng, explanation))
}

/// The explanation's line about a capacity provider restriction, if the request names one.
fn restriction(world: &World, req: &PlacementRequest) -> Option<Box<str>> {
    let p = req.capacity_provider?;
    let cluster = &world.cluster(req.cluster).instances;
    let of_provider = cluster
        .iter()
        .filter(|&&id| in_scope(world.instance(id), req))
        .count();
    let line = format!(
        "capacity provider {p}: only its instances are considered ({of_provider} of the cluster's {})",
        cluster.len()
    );
    Some(line.into())
}

/// The final pick: a uniform draw among the finalists when more than one is left.
/// RULE (SPEC §4, final tie-break): a uniform draw from the placement stream; no draw for one.
pub(crate) fn choose(
    finalists: Vec<InstanceId>,
    rng: &mut Stream,
    mut explanation: Option<Explanation>,
) -> Decision {
    let pick = if finalists.len() == 1 {
        0
    } else {
        rng.below(finalists.len() as u64) as usize
    };
    let instance = finalists[pick];
    if let Some(e) = explanation.as_mut() {
        e.finalists = finalists.clone();
        e.chosen = Some(instance);
    }
    Decision {
        instance,
        finalists: finalists.len() as u32,
        explanation,
    }
}

/// Steps 1–3 for one instance: the first check it fails, in SPEC §4's order, or None.
pub fn first_failed_check(
    world: &World,
    inst: &ContainerInstance,
    req: &PlacementRequest,
) -> Option<Check> {
    let r = req.requirements;
    // API: "Only instances connected to an agent can accept task placement requests."
    if !inst.agent_connected {
        return Some(Check::Agent);
    }
    if !launch_type_matches(inst, req.launch_type)
        || r.required_attributes
            .iter()
            .any(|a| inst.attribute(a).is_none())
    {
        return Some(Check::Attribute);
    }
    let rem = inst.remaining();
    if rem.cpu < r.cpu {
        return Some(Check::Cpu);
    }
    if rem.memory_mib < r.memory_mib {
        return Some(Check::Memory);
    }
    if rem.gpus < r.gpus {
        return Some(Check::Gpu);
    }
    let statics = r.static_tcp_ports.len() + r.static_udp_ports.len();
    if !ports_fit(
        &inst.used_tcp_ports,
        &r.static_tcp_ports,
        r.dynamic_tcp_ports,
    ) || (!r.static_tcp_ports.is_empty()
        && inst.reserved_port_count() + statics > MAX_RESERVED_PORTS)
    {
        return Some(Check::Ports);
    }
    if !ports_fit(
        &inst.used_udp_ports,
        &r.static_udp_ports,
        r.dynamic_udp_ports,
    ) || (!r.static_udp_ports.is_empty()
        && inst.reserved_port_count() + statics > MAX_RESERVED_PORTS)
    {
        return Some(Check::PortsUdp);
    }
    if rem.enis < r.enis {
        return Some(Check::Eni);
    }
    if !req.constraints.is_empty() {
        let view = InstanceRef {
            world,
            instance: inst,
        };
        for c in req.constraints {
            if let PlacementConstraint::MemberOf(expr) = c {
                if !expr.matches(&view) {
                    return Some(Check::MemberOf);
                }
            }
        }
        let distinct = req
            .constraints
            .iter()
            .any(|c| matches!(c, PlacementConstraint::DistinctInstance));
        if distinct && inst.group_count(req.group) > 0 {
            return Some(Check::DistinctInstance);
        }
    }
    None
}

pub(crate) fn launch_type_matches(inst: &ContainerInstance, launch_type: LaunchType) -> bool {
    // ECS Anywhere instances carry `ecs.capability.external`; EC2 tasks never go there and
    // EXTERNAL tasks only go there.
    let external = inst.external;
    match launch_type {
        LaunchType::Ec2 => !external,
        LaunchType::External => external,
        LaunchType::Fargate => false,
    }
}

/// Static ports must all be free; dynamic mappings need that many free ports in the dynamic range,
/// not counting the task's own static ports there (they are taken first).
fn ports_fit(used: &std::collections::BTreeSet<u16>, statics: &[u16], dynamic: u16) -> bool {
    // `statics` is sorted: a task asking for one host port twice fits nowhere.
    if statics.windows(2).any(|w| w[0] == w[1]) || statics.iter().any(|p| used.contains(p)) {
        return false;
    }
    if dynamic == 0 {
        return true;
    }
    let range = (DYNAMIC_PORT_LAST - DYNAMIC_PORT_FIRST + 1) as usize;
    let own = statics.iter().filter(|&&p| p >= DYNAMIC_PORT_FIRST).count();
    let taken = used.range(DYNAMIC_PORT_FIRST..).count() + own;
    range.saturating_sub(taken) >= dynamic as usize
}

/// Step 4: each strategy keeps its best tier of the set (lexicographic refinement).
pub(crate) fn apply_strategies(
    world: &World,
    req: &PlacementRequest,
    mut set: Vec<InstanceId>,
    mut explanation: Option<&mut Explanation>,
) -> Vec<InstanceId> {
    for strategy in req.strategies {
        // One candidate left: nothing to refine. An explanation still shows each strategy's score
        // of it (SPEC §4: "per strategy, the scores and the surviving set").
        let decided = set.len() <= 1;
        if decided && explanation.is_none() {
            break;
        }
        // random: the final draw among the current set is exactly "a uniform draw among the candidates".
        if *strategy == PlacementStrategy::Random {
            if let Some(e) = explanation.as_deref_mut() {
                e.steps.push(StrategyStep {
                    strategy: describe(strategy),
                    scores: Vec::new(),
                    survivors: set.clone(),
                });
            }
            break;
        }
        let scores = score(world, req, strategy, &set);
        if decided {
            if let Some(e) = explanation.as_deref_mut() {
                e.steps.push(StrategyStep {
                    strategy: describe(strategy),
                    scores,
                    survivors: set.clone(),
                });
            }
            continue;
        }
        let best = scores.iter().map(|&(_, s)| s).min().expect("non-empty set");
        let survivors: Vec<InstanceId> = scores
            .iter()
            .filter(|&&(_, s)| s == best)
            .map(|&(i, _)| i)
            .collect();
        if let Some(e) = explanation.as_deref_mut() {
            e.steps.push(StrategyStep {
                strategy: describe(strategy),
                scores,
                survivors: survivors.clone(),
            });
        }
        set = survivors;
    }
    set
}

/// The strategy's score of each instance in `set`; lower is better.
pub(crate) fn score(
    world: &World,
    req: &PlacementRequest,
    strategy: &PlacementStrategy,
    set: &[InstanceId],
) -> Vec<(InstanceId, i64)> {
    let r = req.requirements;
    match strategy {
        // API: binpack places tasks on "the least available amount of the resource" that still fits.
        PlacementStrategy::Binpack(field) => set
            .iter()
            .map(|&id| {
                let rem = world.instance(id).remaining();
                let left = match field {
                    BinpackField::Cpu => rem.cpu as i64 - r.cpu as i64,
                    BinpackField::Memory => rem.memory_mib as i64 - r.memory_mib as i64,
                };
                (id, left)
            })
            .collect(),
        PlacementStrategy::Spread(SpreadField::Instance) => set
            .iter()
            .map(|&id| (id, world.instance(id).group_count(req.group) as i64))
            .collect(),
        PlacementStrategy::Spread(SpreadField::Attribute(name)) => {
            // The reference recounts; it never reads the index it is the check of.
            let counts = spread_counts(world, req.cluster, req.capacity_provider, req.group, name);
            set.iter()
                .map(|&id| {
                    let v = world.instance(id).attribute(name).flatten();
                    (id, counts.get(&v).copied().unwrap_or(0) as i64)
                })
                .collect()
        }
        PlacementStrategy::Random => set.iter().map(|&id| (id, 0)).collect(),
    }
}

/// Tasks of `group` with desired status RUNNING per value of attribute `name`, over every instance of
/// the cluster, or, with a capacity provider, over every instance of the cluster registered with it.
/// DG: "fewest number of running tasks for this service in their respective Availability Zone" —
/// the zone's tasks, not only those on instances that can take this task.
/// RULE: instances without the attribute (or with no value) form one value of their own (None).
/// RULE: a request naming a provider counts on the provider's instances only (the instances it
/// considers, [`in_scope`]).
pub fn spread_counts<'w>(
    world: &'w World,
    cluster: ClusterId,
    capacity_provider: Option<&str>,
    group: GroupId,
    name: &str,
) -> BTreeMap<Option<&'w str>, u32> {
    let mut counts = BTreeMap::new();
    for &id in &world.cluster(cluster).instances {
        let inst = world.instance(id);
        if capacity_provider.is_some_and(|p| inst.capacity_provider.as_deref() != Some(p)) {
            continue;
        }
        let n = inst.group_count(group);
        if n > 0 {
            *counts.entry(inst.attribute(name).flatten()).or_insert(0) += n;
        }
    }
    counts
}

fn describe(s: &PlacementStrategy) -> String {
    match s.field() {
        Some(f) => format!("{}({})", s.type_name(), f),
        None => s.type_name().to_string(),
    }
}
