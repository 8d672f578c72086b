//! The indexed path for strategy chains that begin `[spread(attribute:X)] binpack(R)`: instead of
//! checking every instance, walk each zone's (or the cluster's) instances in order of remaining R
//! from the smallest that could fit, and stop at the first that passes every check.
//!
//! Architecture invariant: for any world and request, this path returns exactly what the scan
//! returns and draws the same random numbers (proptest `indexed_equals_scan`).

use crate::pipeline::{apply_strategies, choose, first_failed_check, Decision, PlacementRequest};
use crate::strategy::{BinpackField, PlacementStrategy, SpreadField};
use ecsim_kernel::Stream;
use ecsim_model::index::{Ordering, Partition};
use ecsim_model::{InstanceId, World};
use std::ops::Bound;

/// The index can serve this request: returns the spread attribute (if any), the binpack field and
/// how many strategies the index covers.
pub(crate) fn plan<'a>(
    world: &'a World,
    req: &PlacementRequest<'a>,
) -> Option<(Option<&'a str>, BinpackField, usize)> {
    if req.explain || req.only.is_some() {
        return None;
    }
    let index = world.index(req.cluster)?;
    match req.strategies {
        [PlacementStrategy::Binpack(f), ..] => Some((None, *f, 1)),
        [PlacementStrategy::Spread(SpreadField::Attribute(a)), PlacementStrategy::Binpack(f), ..] =>
        {
            index.attribute(a)?;
            Some((Some(a.as_str()), *f, 2))
        }
        _ => None,
    }
}

/// Some(decision) when a candidate exists; None when no instance passes every check (the caller
/// then runs the scan, which names the closest instance and the reason).
pub(crate) fn place_indexed(
    world: &World,
    req: &PlacementRequest,
    attribute: Option<&str>,
    field: BinpackField,
    covered: usize,
    rng: &mut Stream,
) -> Option<Decision> {
    let index = world.index(req.cluster).expect("planned");
    let r = req.requirements;
    let (need, other_need) = match field {
        BinpackField::Cpu => (r.cpu, r.memory_mib),
        BinpackField::Memory => (r.memory_mib, r.cpu),
    };
    fn ordering(p: &Partition, field: BinpackField) -> &Ordering {
        match field {
            BinpackField::Cpu => &p.by_cpu,
            BinpackField::Memory => &p.by_memory,
        }
    }
    let fits = |id: InstanceId| first_failed_check(world, world.instance(id), req).is_none();
    // The smallest remaining amount that fits, per partition: in each bucket that may have enough of
    // the other resource, the first instance from `need` up that passes every check.
    let best_in = |p: &Partition| -> Option<u32> {
        let mut best: Option<u32> = None;
        for set in ordering(p, field).candidates(other_need) {
            let found = set
                .range((Bound::Included((need, InstanceId(0))), Bound::Unbounded))
                .take_while(|&&(rem, _)| best.is_none_or(|b| rem < b))
                .find(|&&(_, id)| fits(id));
            if let Some(&(rem, _)) = found {
                best = Some(rem);
            }
        }
        best
    };
    // Partitions in play and their best remaining amount.
    let mut tied: Vec<(&Partition, u32)> = Vec::new();
    match attribute {
        None => {
            if let Some(r) = best_in(&index.all) {
                tied.push((&index.all, r));
            }
        }
        Some(name) => {
            let a = index.attribute(name).expect("planned");
            // spread: the values with the fewest tasks of the group (over the whole cluster).
            let mut best_count = u32::MAX;
            for (value, p) in a.partitions.iter().enumerate() {
                let count = a.group_count(req.group, value as u32);
                if count > best_count || p.is_empty() {
                    continue;
                }
                let Some(r) = best_in(p) else { continue };
                if count < best_count {
                    best_count = count;
                    tied.clear();
                }
                tied.push((p, r));
            }
        }
    }
    // binpack: the least remaining amount among the tied partitions.
    let least = tied.iter().map(|&(_, r)| r).min()?;
    let mut finalists: Vec<InstanceId> = Vec::new();
    for (p, r) in tied {
        if r != least {
            continue;
        }
        for set in ordering(p, field).candidates(other_need) {
            let range = set.range((
                Bound::Included((least, InstanceId(0))),
                Bound::Included((least, InstanceId(u32::MAX))),
            ));
            finalists.extend(range.map(|&(_, id)| id).filter(|&id| fits(id)));
        }
    }
    finalists.sort_unstable();
    let rest = PlacementRequest {
        strategies: &req.strategies[covered..],
        ..*req
    };
    let finalists = apply_strategies(world, &rest, finalists, None);
    Some(choose(finalists, rng, None))
}
