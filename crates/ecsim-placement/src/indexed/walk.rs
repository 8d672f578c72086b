//! The binpack walk: chains `[spread(attribute:X)] [spread(instanceId)] binpack(R) ...`.

use super::{
    apply_rest, choose, holders, partition, resource, values_by_count, Plan, Scratch, Served,
};
use crate::pipeline::{first_failed_check, Decision, PlacementRequest};
use crate::strategy::BinpackField;
use ecsim_kernel::Stream;
use ecsim_model::index::{ClusterIndex, Ordering, Partition, BUCKETS};
use ecsim_model::{InstanceId, World};

pub(crate) fn walk(
    world: &World,
    index: &ClusterIndex,
    req: &PlacementRequest,
    plan: &Plan,
    field: BinpackField,
    rng: &mut Stream,
    s: &mut Scratch,
) -> Option<Decision> {
    // The walk reads the scope's ordering by the binpack resource, kept since `prepare` asked.
    let kept = plan.attribute.map_or(plan.scope.all_kept, |a| a.kept);
    if !kept.has(resource(field)) {
        return None;
    }
    s.set_served(Served::Walk);
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
    // spread(instanceId) before the binpack: first look only at instances free of the group.
    let free =
        |id: InstanceId| plan.level.is_none() || world.instance(id).group_count(req.group) == 0;
    let fits =
        |id: InstanceId| free(id) && first_failed_check(world, world.instance(id), req).is_none();
    // The smallest remaining amount that fits, per partition: in each bucket that may have enough of
    // the other resource, the first instance from `need` up that passes every check. The buckets
    // are walked in order of their smallest amount from `need` (their head), so that once one fits,
    // a bucket whose head is no better is not looked into (usually one check per partition). Also
    // returns the buckets whose head is at most the best: only they can hold finalists.
    let best_in = |p: &Partition| -> Option<(u32, u64)> {
        let from = (need, InstanceId(0));
        let o = ordering(p, field);
        let mut heads: [(u32, usize); BUCKETS] = [(0, 0); BUCKETS];
        let mut n = 0;
        for b in o.candidate_buckets(other_need) {
            if let Some(&(rem, _)) = o.buckets[b].iter_from(from).next() {
                heads[n] = (rem, b);
                n += 1;
            }
        }
        heads[..n].sort_unstable();
        let mut best: Option<u32> = None;
        for &(head, b) in &heads[..n] {
            if best.is_some_and(|best| head >= best) {
                break;
            }
            let found = o.buckets[b]
                .iter_from(from)
                .take_while(|&&(rem, _)| best.is_none_or(|best| rem < best))
                .find(|&&(_, id)| fits(id));
            if let Some(&(rem, _)) = found {
                best = Some(rem);
            }
        }
        let best = best?;
        let mask = heads[..n]
            .iter()
            .take_while(|&&(head, _)| head <= best)
            .fold(0u64, |m, &(_, b)| m | 1 << b);
        Some((best, mask))
    };
    values_by_count(plan, req, s);
    let values = std::mem::take(&mut s.values);
    let mut result = None;
    let mut start = 0;
    while start < values.len() {
        // spread(X): the values with the fewest tasks of the group, if any of them has a candidate.
        let count = values[start].0;
        let end = start
            + values[start..]
                .iter()
                .take_while(|&&(c, _)| c == count)
                .count();
        s.tier.clear();
        s.masks.clear();
        for &(_, v) in &values[start..end] {
            if let Some((rem, mask)) = best_in(partition(plan, v)) {
                s.tier.push((v, rem));
                s.masks.push(mask);
            }
        }
        // binpack: the least remaining amount among them, and every candidate that has it.
        if let Some(least) = s.tier.iter().map(|&(_, rem)| rem).min() {
            let mut finalists = std::mem::take(&mut s.finalists);
            finalists.clear();
            for (&(v, rem), &mask) in s.tier.iter().zip(&s.masks) {
                if rem != least {
                    continue;
                }
                let o = ordering(partition(plan, v), field);
                let mut mask = mask;
                while mask != 0 {
                    let b = mask.trailing_zeros() as usize;
                    mask &= mask - 1;
                    let range = o.buckets[b]
                        .iter_from((least, InstanceId(0)))
                        .take_while(|&&(rem, _)| rem == least);
                    finalists.extend(range.map(|&(_, id)| id).filter(|&id| fits(id)));
                }
            }
            finalists.sort_unstable();
            apply_rest(
                world,
                index,
                plan.scope,
                req,
                plan.rest,
                &mut finalists,
                &mut s.scores,
            );
            result = choose(&finalists, rng);
            s.finalists = finalists;
            break;
        }
        if let Some(level) = plan.level {
            let group = &values[start..end];
            if let Some(d) = holders(world, index, req, plan, group, level, rng, s) {
                result = Some(d);
                break;
            }
        }
        start = end;
    }
    s.values = values;
    result
}
