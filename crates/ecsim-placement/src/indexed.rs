//! The indexed path: the scan's decision without looking at every instance.
//!
//! A request's strategy chain is first normalised without changing its meaning: a spread on a field
//! already spread on is a no-op (its survivors all share the best score), and `random` after other
//! strategies is the final draw (the scan stops there). What is left is served when it has the form
//!
//! ```text
//! [spread(attribute:X)] [spread(instanceId)] ( binpack(R) then anything | nothing )
//! ```
//!
//! (the REPLICA default is spread(zone), spread(instanceId), SPEC §4 "Defaults"; a leading `random`
//! that missed its samples is the empty chain). The rules it reproduces are the scan's: candidates
//! pass every check of SPEC §4 steps 1–3; each strategy keeps its best tier (SPEC §4 step 4);
//! spread counts the group's tasks over every instance of the scope, instances without the
//! attribute forming one value (DG task-placement-strategies; RULE, `pipeline::spread_counts`);
//! the final pick is one uniform draw among the finalists sorted by id, none for one (RULE, SPEC §4
//! "Final tie-break"). Two ways, both exact:
//! - **walk** (a binpack follows): per value of X with the fewest tasks of the group (over the
//!   scope), walk the value's instances in order of remaining R from the smallest that could fit,
//!   skipping those holding the group when spread(instanceId) came first, and stop at the first that
//!   passes every check; the finalists are the few with that remaining amount, and whatever strategies
//!   follow are applied to them as the scan would ([`apply_rest`]).
//! - **count** (nothing follows): the candidates of the tier are the members of the tier's values
//!   with room for the task (the partitions' fit-class sets for its size, which `prepare`
//!   registered), less an enumerated exclusion list: those of the index's small exception sets and
//!   of the conditions' non-matching sets that fail a check, and those holding the group, for
//!   spread(instanceId) or distinctInstance. Counting them is a subtraction, and the k-th by id, k
//!   being the scan's one draw, is an order-statistics walk over the union of the values' sets that
//!   steps over the exclusions ([`ecsim_model::index::select_union`]).
//!
//! When every candidate holds the group already (spread(instanceId) cannot be served at level 0),
//! or a `memberOf`/required attribute matches fewer instances than it rejects, the candidates are
//! listed from the group's occupied instances or the condition's matching set, and the scan's
//! strategies run over that short list (**subset**).
//!
//! Every way runs in the request's **scope** ([`ecsim_model::index::Scope`]): the whole cluster,
//! or, for a request naming a capacity provider, the provider's pool, which `prepare` created. The
//! values, their group counts, the partitions walked or counted and the occupied instances are the
//! scope's, so they are the scan's over the instances it considers (`pipeline::in_scope`); what the
//! index keeps cluster-wide (the exception sets, the conditions' verdicts) is enumerated whole and
//! kept to the scope by its members (a bit test), so an instance of another provider is never
//! counted, excluded or listed. A provider whose pool is not tracked is served by the scan.
//!
//! Falls back to the scan (correct, slower) for: `explain`, StartTask's `only`, an untracked pool, a
//! chain of another
//! form (two different spread attributes, spread(instanceId) before spread(attribute); a spread
//! after binpack is fine), and what [`crate::prepare`] was not asked to ready: an untracked spread
//! attribute, an uncached condition, a walk whose ordering is not kept, a counted request whose task
//! size has no fit class (more than [`ecsim_model::index::MAX_FIT_CLASSES`] sizes in rotation evict
//! one another). For *count* only, also requests outside what the exception sets enumerate: a
//! launch type other than EC2, GPUs, more than one ENI, more than
//! [`ecsim_model::index::ODD_STATIC_PORTS_MAX`] static ports or a static port in the dynamic range or
//! registered by an agent, more than [`ecsim_model::index::ODD_DYNAMIC_PORTS_MAX`] dynamic ports.
//! A request no instance can take always ends in the scan, which names the closest instance.
//!
//! Architecture Invariant: for any world and request, this path returns exactly what
//! [`crate::place_scan`] returns (instance and finalist count) and leaves the random stream where the
//! scan leaves it (proptest `indexed_equals_scan_under_churn`).
//! Architecture Invariant: in steady state it allocates nothing: every list lives in [`Scratch`].
//!
//! Costs, n instances, v values of X, b non-empty buckets (at most 33), E exclusions (the group's
//! occupied instances, for spread(instanceId), plus exceptions): walk O(v × b × log n + instances
//! checked, usually one per value); count O(v + E log E + v log n × select iterations, few unless
//! exclusions crowd the pick); subset O(list × checks).

mod count;
mod walk;

use crate::pipeline::{first_failed_check, spread_counts, Decision, PlacementRequest};
use crate::strategy::{BinpackField, PlacementStrategy, SpreadField};
use ecsim_kernel::Stream;
use ecsim_model::index::{
    AttributeIndex, ClusterIndex, ConditionCache, Partition, Resource, Scope,
};
use ecsim_model::{InstanceId, PlacementConstraint, World};

/// Which path served a decision (for tests and benches that must know the index was used).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Served {
    /// `random` sampled an instance.
    Sampled,
    /// The binpack walk.
    Walk,
    /// Count and select.
    Count,
    /// A short list of candidates (occupied instances or a narrow condition), then the strategies.
    Subset,
    /// The reference scan.
    Scan,
}

/// Buffers reused across decisions, so that the indexed path allocates nothing in steady state.
/// One per thread is kept by [`crate::place`]; a caller may keep its own for [`crate::place_with`].
#[derive(Debug, Default)]
pub struct Scratch {
    /// (task count of the group, value id) of the values of X, sorted.
    pub(crate) values: Vec<(u32, u32)>,
    /// Per value of the tier being looked at: (value id, candidates at level 0 or the best
    /// remaining amount).
    pub(crate) tier: Vec<(u32, u32)>,
    /// Per value of a walked tier, the buckets that may hold its finalists.
    pub(crate) masks: Vec<u64>,
    /// Exclusions of a counted tier: (instance, position of its value in the tier).
    pub(crate) excluded: Vec<(InstanceId, u32)>,
    pub(crate) finalists: Vec<InstanceId>,
    pub(crate) scores: Vec<i64>,
    served: Option<Served>,
}

impl Scratch {
    /// The path of the last decision made with this scratch.
    pub fn served(&self) -> Option<Served> {
        self.served
    }

    pub(crate) fn set_served(&mut self, s: Served) {
        self.served = Some(s);
    }

    pub(crate) fn clear_served(&mut self) {
        self.served = None;
    }
}

/// The served form of a chain, read from the strategies alone.
pub(crate) struct Shape<'a> {
    /// spread(attribute:X) first.
    pub attribute: Option<&'a str>,
    /// spread(instanceId) next; its position in the request's strategies.
    pub level: Option<usize>,
    /// binpack(R) next (a walk); the strategies after it are `rest`. None: counted.
    pub binpack: Option<BinpackField>,
    pub rest: &'a [PlacementStrategy],
}

/// The chain normalised (see the module doc), if it has a served form.
pub(crate) fn shape(strategies: &[PlacementStrategy]) -> Option<Shape<'_>> {
    let mut shape = Shape {
        attribute: None,
        level: None,
        binpack: None,
        rest: &[],
    };
    if strategies.first() == Some(&PlacementStrategy::Random) {
        // Sampling missed: the scan's `random` keeps every candidate for the final draw.
        return Some(shape);
    }
    let mut pos = 0;
    // A spread on a field spread on before keeps every survivor; skip it.
    let skip_repeats = |pos: &mut usize, shape: &Shape| {
        while let Some(PlacementStrategy::Spread(f)) = strategies.get(*pos) {
            let repeat = match f {
                SpreadField::Instance => shape.level.is_some(),
                SpreadField::Attribute(a) => shape.attribute == Some(a.as_str()),
            };
            if !repeat {
                break;
            }
            *pos += 1;
        }
    };
    if let Some(PlacementStrategy::Spread(SpreadField::Attribute(a))) = strategies.get(pos) {
        shape.attribute = Some(a);
        pos += 1;
        skip_repeats(&mut pos, &shape);
    }
    if let Some(PlacementStrategy::Spread(SpreadField::Instance)) = strategies.get(pos) {
        shape.level = Some(pos);
        pos += 1;
        skip_repeats(&mut pos, &shape);
    }
    match strategies.get(pos) {
        None | Some(PlacementStrategy::Random) => {}
        Some(PlacementStrategy::Binpack(f)) => {
            shape.binpack = Some(*f);
            shape.rest = &strategies[pos + 1..];
        }
        Some(PlacementStrategy::Spread(_)) => return None,
    }
    Some(shape)
}

/// The normalised chain, in the request's scope, with the scope's attribute.
pub(crate) struct Plan<'a> {
    /// The cluster's, or the pool of the request's capacity provider.
    pub scope: &'a Scope,
    pub attribute: Option<&'a AttributeIndex>,
    pub level: Option<usize>,
    pub binpack: Option<BinpackField>,
    pub rest: &'a [PlacementStrategy],
}

fn plan<'a>(
    index: &'a ClusterIndex,
    scope: &'a Scope,
    strategies: &'a [PlacementStrategy],
) -> Option<Plan<'a>> {
    let s = shape(strategies)?;
    Some(Plan {
        scope,
        attribute: match s.attribute {
            Some(a) => Some(scope.attribute(index.slot(a)?)),
            None => None,
        },
        level: s.level,
        binpack: s.binpack,
        rest: s.rest,
    })
}

/// The index's name for a binpack field.
pub(crate) fn resource(field: BinpackField) -> Resource {
    match field {
        BinpackField::Cpu => Resource::Cpu,
        BinpackField::Memory => Resource::Memory,
    }
}

/// The indexed decision, or None: no candidate (the scan then names the closest instance), or a
/// request this path does not serve. Records the path in `scratch`.
pub(crate) fn place_indexed(
    world: &World,
    req: &PlacementRequest,
    rng: &mut Stream,
    scratch: &mut Scratch,
) -> Option<Decision> {
    if req.explain || req.only.is_some() {
        return None;
    }
    let index = world.index(req.cluster)?;
    // The request's instances: a provider's pool (tracked by `prepare`), or the whole cluster.
    let scope = index.scope(req.capacity_provider)?;
    // A condition that rejects more instances than it admits: list the admitted ones (any chain).
    if let Some(narrow) = narrowest_condition(index, req) {
        let candidates = merge(narrow.matching.iter(), narrow.depends.iter());
        let d = subset(
            world,
            index,
            scope,
            req,
            candidates,
            req.strategies,
            rng,
            scratch,
        );
        scratch.set_served(Served::Subset);
        return d;
    }
    let plan = plan(index, scope, req.strategies)?;
    match plan.binpack {
        Some(field) => walk::walk(world, index, req, &plan, field, rng, scratch),
        None => count::count(world, index, req, &plan, rng, scratch),
    }
}

/// The cached condition with the fewest admitted instances, if it admits fewer than it rejects
/// (an uncached one is left to the checks: the walk does not need it, the count declines). The
/// figures are the cluster's: in a pool they only choose the path, the list is kept to the pool.
fn narrowest_condition<'i>(
    index: &'i ClusterIndex,
    req: &PlacementRequest,
) -> Option<&'i ConditionCache> {
    let admitted = |c: &ConditionCache| c.matching.len() + c.depends.len();
    let member_of = req.constraints.iter().filter_map(|c| match c {
        PlacementConstraint::MemberOf(e) => index.member_of(e),
        PlacementConstraint::DistinctInstance => None,
    });
    let required =
        (req.requirements.required_attributes.iter()).filter_map(|a| index.required_attribute(a));
    member_of
        .chain(required)
        .filter(|&c| admitted(c) < c.non_matching.len())
        .min_by_key(|&c| admitted(c))
}

/// Two sorted id sequences as one.
fn merge<'a>(
    a: impl Iterator<Item = &'a InstanceId> + 'a,
    b: impl Iterator<Item = &'a InstanceId> + 'a,
) -> impl Iterator<Item = InstanceId> + 'a {
    let (mut a, mut b) = (a.copied().peekable(), b.copied().peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(&x), Some(&y)) if x <= y => a.next(),
        (Some(_), Some(_)) => b.next(),
        (Some(_), None) => a.next(),
        (None, _) => b.next(),
    })
}

/// The scan over a short list of instances (sorted by id, a superset of the candidates), kept to
/// the placeable instances of `scope`, with the spread counts read from the scope.
#[allow(clippy::too_many_arguments)] // the decision's context, the list and the chain
pub(crate) fn subset(
    world: &World,
    index: &ClusterIndex,
    scope: &Scope,
    req: &PlacementRequest,
    ids: impl Iterator<Item = InstanceId>,
    strategies: &[PlacementStrategy],
    rng: &mut Stream,
    s: &mut Scratch,
) -> Option<Decision> {
    let mut finalists = std::mem::take(&mut s.finalists);
    finalists.clear();
    finalists.extend(ids.filter(|&id| {
        scope.all.members.contains(id)
            && first_failed_check(world, world.instance(id), req).is_none()
    }));
    apply_rest(
        world,
        index,
        scope,
        req,
        strategies,
        &mut finalists,
        &mut s.scores,
    );
    let d = choose(&finalists, rng);
    s.finalists = finalists;
    d
}

/// When no candidate of the values in `group` is free of the request's group (spread(instanceId)
/// found no level 0), every candidate there holds it: spread(instanceId), at `level` in the
/// strategies, and what follows run over the group's instances of those values.
#[allow(clippy::too_many_arguments)] // the decision's context, as `subset` takes it, plus the tier
pub(crate) fn holders(
    world: &World,
    index: &ClusterIndex,
    req: &PlacementRequest,
    plan: &Plan,
    group: &[(u32, u32)],
    level: usize,
    rng: &mut Stream,
    s: &mut Scratch,
) -> Option<Decision> {
    let occupied = plan.scope.occupied(req.group).filter(|&id| {
        value_of(index, plan, id)
            .is_some_and(|v| group.binary_search_by_key(&v, |&(_, x)| x).is_ok())
    });
    let d = subset(
        world,
        index,
        plan.scope,
        req,
        occupied,
        &req.strategies[level..],
        rng,
        s,
    );
    if d.is_some() {
        s.set_served(Served::Subset);
    }
    d
}

/// Step 4 of the scan (`pipeline::apply_strategies`) over `set` in place, with the spread counts
/// read from the scope: each strategy keeps its best tier; `random` ends the refinement.
pub(crate) fn apply_rest(
    world: &World,
    index: &ClusterIndex,
    scope: &Scope,
    req: &PlacementRequest,
    strategies: &[PlacementStrategy],
    set: &mut Vec<InstanceId>,
    scores: &mut Vec<i64>,
) {
    let r = req.requirements;
    for strategy in strategies {
        if set.len() <= 1 {
            break;
        }
        scores.clear();
        match strategy {
            PlacementStrategy::Random => break,
            PlacementStrategy::Binpack(field) => scores.extend(set.iter().map(|&id| {
                let rem = world.instance(id).remaining();
                match field {
                    BinpackField::Cpu => rem.cpu as i64 - r.cpu as i64,
                    BinpackField::Memory => rem.memory_mib as i64 - r.memory_mib as i64,
                }
            })),
            PlacementStrategy::Spread(SpreadField::Instance) => scores.extend(
                set.iter()
                    .map(|&id| world.instance(id).group_count(req.group) as i64),
            ),
            PlacementStrategy::Spread(SpreadField::Attribute(name)) => {
                match index.slot(name).map(|k| scope.attribute(k)) {
                    Some(a) => scores.extend(set.iter().map(|&id| {
                        let e = index.entry(id).expect("a candidate has an entry");
                        a.group_count(req.group, e.values[a.slot()]) as i64
                    })),
                    None => {
                        let counts = spread_counts(
                            world,
                            req.cluster,
                            req.capacity_provider,
                            req.group,
                            name,
                        );
                        scores.extend(set.iter().map(|&id| {
                            let v = world.instance(id).attribute(name).flatten();
                            counts.get(&v).copied().unwrap_or(0) as i64
                        }))
                    }
                }
            }
        }
        let best = *scores.iter().min().expect("non-empty set");
        let mut k = 0;
        set.retain(|_| {
            k += 1;
            scores[k - 1] == best
        });
    }
}

/// The scan's final pick over finalists sorted by id: no draw for one, else one uniform draw.
pub(crate) fn choose(finalists: &[InstanceId], rng: &mut Stream) -> Option<Decision> {
    let pick = match finalists.len() {
        0 => return None,
        1 => 0,
        n => rng.below(n as u64) as usize,
    };
    Some(Decision {
        instance: finalists[pick],
        finalists: finalists.len() as u32,
        explanation: None,
    })
}

/// A partition of the plan: the value's, or the whole scope's.
pub(crate) fn partition<'i>(plan: &Plan<'i>, value: u32) -> &'i Partition {
    match plan.attribute {
        Some(a) => &a.partitions[value as usize],
        None => &plan.scope.all,
    }
}

/// The values to look at, by increasing task count of the group: the attribute's non-empty values
/// in the scope, or the single whole-scope partition (value 0).
pub(crate) fn values_by_count(plan: &Plan, req: &PlacementRequest, s: &mut Scratch) {
    s.values.clear();
    match plan.attribute {
        None => {
            if !plan.scope.all.is_empty() {
                s.values.push((0, 0));
            }
        }
        Some(a) => {
            for (v, p) in a.partitions.iter().enumerate() {
                if !p.is_empty() {
                    s.values
                        .push((a.group_count(req.group, v as u32), v as u32));
                }
            }
            s.values.sort_unstable();
        }
    }
}

/// The value of an entry under the plan (0 without an attribute).
pub(crate) fn value_of(index: &ClusterIndex, plan: &Plan, id: InstanceId) -> Option<u32> {
    let e = index.entry(id)?;
    Some(match plan.attribute {
        Some(a) => e.values[a.slot()],
        None => 0,
    })
}
