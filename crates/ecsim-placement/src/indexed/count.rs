//! Count and select: chains `[spread(attribute:X)] [spread(instanceId)]` with nothing after them
//! (or `random`), and the empty chain.

use super::{holders, partition, value_of, values_by_count, Plan, Scratch, Served};
use crate::pipeline::{first_failed_check, Decision, PlacementRequest};
use ecsim_kernel::Stream;
use ecsim_model::index::{
    select_union, ClusterIndex, RankSet, ODD_DYNAMIC_PORTS_MAX, ODD_STATIC_PORTS_MAX,
};
use ecsim_model::instance::DYNAMIC_PORT_FIRST;
use ecsim_model::{InstanceId, LaunchType, PlacementConstraint, Protocol, World};

pub(crate) fn count(
    world: &World,
    index: &ClusterIndex,
    req: &PlacementRequest,
    plan: &Plan,
    rng: &mut Stream,
    s: &mut Scratch,
) -> Option<Decision> {
    if !enumerable(index, req) {
        return None;
    }
    let r = req.requirements;
    let distinct = req
        .constraints
        .iter()
        .any(|c| matches!(c, PlacementConstraint::DistinctInstance));
    // Instances holding the group are out: distinctInstance rejects them, spread(instanceId) ranks
    // them after every free candidate.
    let holders_out = distinct || plan.level.is_some();
    // The task's size is tracked (`prepare`): each partition's members with room for it are a set
    // of their own, and only the exceptions below need listing.
    let class = index.fit_class(r.cpu, r.memory_mib)?;
    s.set_served(Served::Count);
    let room = |v: u32| partition(plan, v).fits(class);
    values_by_count(plan, req, s);
    let values = std::mem::take(&mut s.values);
    let mut excluded = std::mem::take(&mut s.excluded);
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
        let group = &values[start..end];
        // The position in `group` of the value whose members with room include `id`, if any: a
        // bit test per value for a few values, else the entry's value looked up.
        let position = |id: InstanceId| -> Option<u32> {
            if group.len() <= 4 {
                return group
                    .iter()
                    .position(|&(_, v)| room(v).contains(id))
                    .map(|k| k as u32);
            }
            // A placeable member of the request's scope, with room for the task.
            let e = index.entry(id)?;
            if !(plan.scope.all.members.contains(id) && e.cpu >= r.cpu && e.memory >= r.memory_mib)
            {
                return None;
            }
            let v = value_of(index, plan, id)?;
            let k = group.binary_search_by_key(&v, |&(_, x)| x).ok()?;
            Some(k as u32)
        };
        // The members with room of these values that are not candidates (or, with
        // spread(instanceId), not free of the group), with their value's position.
        excluded.clear();
        let suspect = |id: InstanceId, excluded: &mut Vec<(InstanceId, u32)>| {
            if let Some(k) = position(id) {
                if first_failed_check(world, world.instance(id), req).is_some() {
                    excluded.push((id, k));
                }
            }
        };
        for &id in &index.odd {
            suspect(id, &mut excluded);
        }
        if r.enis > 0 {
            for &id in &index.no_eni {
                suspect(id, &mut excluded);
            }
        }
        let ports = (r.static_tcp_ports.iter().map(|&p| (Protocol::Tcp, p)))
            .chain(r.static_udp_ports.iter().map(|&p| (Protocol::Udp, p)));
        for key in ports {
            for &id in index.port_users.get(&key).into_iter().flatten() {
                suspect(id, &mut excluded);
            }
        }
        for c in req.constraints {
            if let PlacementConstraint::MemberOf(e) = c {
                let cache = index.member_of(e).expect("enumerable");
                for &id in cache.non_matching.iter().chain(&cache.depends) {
                    suspect(id, &mut excluded);
                }
            }
        }
        for a in &r.required_attributes {
            let cache = index.required_attribute(a).expect("enumerable");
            for &id in &cache.non_matching {
                suspect(id, &mut excluded);
            }
        }
        if holders_out {
            excluded.extend(
                plan.scope
                    .occupied(req.group)
                    .filter_map(|id| Some((id, position(id)?))),
            );
        }
        excluded.sort_unstable();
        excluded.dedup_by_key(|&mut (id, _)| id);

        // Candidates (free of the group, with spread(instanceId)) per value.
        s.tier.clear();
        s.tier
            .extend(group.iter().map(|&(_, v)| (v, room(v).len())));
        for &(_, k) in &excluded {
            s.tier[k as usize].1 -= 1;
        }
        let total: u32 = s.tier.iter().map(|&(_, n)| n).sum();
        if total > 0 {
            let tier = &mut s.tier;
            excluded.retain(|&(_, k)| tier[k as usize].1 > 0);
            tier.retain(|&(_, n)| n > 0);
            // The scan's one draw over the finalists sorted by id, and its pick.
            let k = if total > 1 {
                rng.below(total as u64) as u32
            } else {
                0
            };
            let sets = tier.iter().map(|&(v, _)| room(v));
            result = Some(Decision {
                instance: select_excluding(sets, &excluded, k),
                finalists: total,
                explanation: None,
            });
            break;
        }
        if let (Some(level), false) = (plan.level, distinct) {
            if let Some(d) = holders(world, index, req, plan, group, level, rng, s) {
                result = Some(d);
                break;
            }
        }
        start = end;
    }
    s.values = values;
    s.excluded = excluded;
    result
}

/// Whether every placeable instance this request could fail on, other than for CPU and memory, is
/// in a set the index enumerates (the module doc lists the limits).
fn enumerable(index: &ClusterIndex, req: &PlacementRequest) -> bool {
    let r = req.requirements;
    let ports_ok = |ports: &[u16], protocol: Protocol| {
        // Sorted: a port asked twice fits nowhere, which only the scan reports.
        ports.windows(2).all(|w| w[0] < w[1])
            && ports.iter().all(|&p| {
                p < DYNAMIC_PORT_FIRST && !index.registered_ports.contains(&(protocol, p))
            })
    };
    req.launch_type == LaunchType::Ec2
        && r.gpus == 0
        && r.enis <= 1
        && r.static_tcp_ports.len() + r.static_udp_ports.len() <= ODD_STATIC_PORTS_MAX
        && ports_ok(&r.static_tcp_ports, Protocol::Tcp)
        && ports_ok(&r.static_udp_ports, Protocol::Udp)
        && r.dynamic_tcp_ports <= ODD_DYNAMIC_PORTS_MAX
        && r.dynamic_udp_ports <= ODD_DYNAMIC_PORTS_MAX
        && req.constraints.iter().all(|c| match c {
            PlacementConstraint::MemberOf(e) => index.member_of(e).is_some(),
            PlacementConstraint::DistinctInstance => true,
        })
        && r.required_attributes
            .iter()
            .all(|a| index.required_attribute(a).is_some())
}

/// The k-th member (by id) of the union of `sets` that is not in `excluded` (sorted by id, each a
/// member; the second field is not read).
fn select_excluding<'a>(
    sets: impl Iterator<Item = &'a RankSet> + Clone,
    excluded: &[(InstanceId, u32)],
    k: u32,
) -> InstanceId {
    // Step past the exclusions at or before the current pick until none is left behind it: a
    // fixed point is a member that is not excluded and has exactly k non-excluded members before it.
    let mut skipped = 0u32;
    loop {
        let id = select_union(sets.clone(), k + skipped).expect("counted");
        let before = excluded.partition_point(|&(e, _)| e <= id) as u32;
        if before == skipped {
            return id;
        }
        skipped = before;
    }
}
