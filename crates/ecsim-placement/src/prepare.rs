//! What the engine calls around a placement: the mutable preparation step before it, and the DAEMON
//! scheduler's question "could this instance host the task at all".

use crate::indexed::resource;
use crate::pipeline::{in_scope, launch_type_matches, PlacementRequest};
use crate::strategy::{PlacementStrategy, SpreadField};
use crate::view::InstanceRef;
use ecsim_model::{ContainerInstance, InstanceStatus, PlacementConstraint, World};

/// Readies the index for `req`, so that [`crate::place`] (which takes `&World`) can serve it: creates
/// the pool of its capacity provider on first use (the provider's instances as a scope of their
/// own), tracks every spread attribute of its strategies, caches its `memberOf` expressions and
/// required attributes, keeps the ordering a binpack walk reads (in the request's scope) or tracks
/// the task's size when the chain is counted, and refreshes the instances changed since the last
/// call. Call it before every placement (RunTask's tasks, each service task): it costs a few
/// lookups when nothing is new, and nothing it does changes a decision.
pub fn prepare(world: &mut World, req: &PlacementRequest) {
    world.index_on_demand(req.cluster);
    if let Some(p) = req.capacity_provider {
        world.track_pool(req.cluster, p);
    }
    for s in req.strategies {
        if let PlacementStrategy::Spread(SpreadField::Attribute(a)) = s {
            world.track_attribute(req.cluster, a);
        }
    }
    for c in req.constraints {
        if let PlacementConstraint::MemberOf(e) = c {
            world.track_member_of(req.cluster, e);
        }
    }
    for a in &req.requirements.required_attributes {
        world.track_required_attribute(req.cluster, a);
    }
    if let Some(shape) = crate::indexed::shape(req.strategies) {
        match shape.binpack {
            Some(f) => world.track_ordering(
                req.cluster,
                req.capacity_provider,
                shape.attribute,
                resource(f),
            ),
            None => {
                let r = req.requirements;
                world.track_fit_class(req.cluster, r.cpu, r.memory_mib);
            }
        }
    }
    world.sync_index();
}

/// Whether `inst` could host a task of `req` apart from resources and task placement: the request
/// considers it (it is registered with the request's capacity provider, if one is named: SPEC §8),
/// it is ACTIVE (SPEC §4 step 1; DG: the daemon scheduler "doesn't place any tasks on instances
/// that have a DRAINING status"), its launch type matches (SPEC §4 step 1), it has every required
/// attribute, and every `memberOf` constraint holds (SPEC §4 step 3). This is the DAEMON
/// scheduler's "where" (DG: one task "on each active container instance that meets all of the task
/// placement constraints"). Resources, ports and `distinctInstance` are not asked (one task per
/// instance is the scheduler's own rule), nor, RULE (as the engine's DAEMON pass has it), the
/// agent's connection: an instance whose agent is away still counts toward the service's desired
/// count, and placing on it fails with AGENT until the agent is back.
pub fn eligible(world: &World, inst: &ContainerInstance, req: &PlacementRequest) -> bool {
    in_scope(inst, req)
        && inst.status == InstanceStatus::Active
        && launch_type_matches(inst, req.launch_type)
        && req
            .requirements
            .required_attributes
            .iter()
            .all(|a| inst.attribute(a).is_some())
        && req.constraints.iter().all(|c| match c {
            PlacementConstraint::MemberOf(e) => e.matches(&InstanceRef {
                world,
                instance: inst,
            }),
            PlacementConstraint::DistinctInstance => true,
        })
}
