//! The placement pipeline (SPEC §4): pure functions over a read-only view of the cluster.
//!
//! The steps: eligibility (status, agent, launch type, attributes); resources (CPU, memory, GPU,
//! ports, ENIs); constraints (`memberOf`, `distinctInstance`); strategies in array order, each keeping
//! its best tier; then a seeded final draw. Every decision can carry an explanation. A request that
//! names a capacity provider considers only the cluster's instances registered with it ([`in_scope`],
//! SPEC §8); one that names none considers every instance.
//!
//! What the engine calls, per task placed:
//! 1. [`prepare`]`(&mut world, &req)`: readies the index for the request (creates its capacity
//!    provider's pool on first use, tracks spread attributes, caches `memberOf` and required
//!    attributes, keeps the ordering a binpack walk reads or the fit class a counted chain reads,
//!    syncs). Cheap when nothing is new.
//! 2. [`place`]`(&world, &req, &mut rng)` (or [`place_with`] and a caller-held [`Scratch`]): the
//!    indexed path where it serves the request, else the reference scan [`place_scan`]; the same
//!    decision and the same draws either way.
//! 3. `World::place_task` with the decision, as before.
//!
//! For DAEMON services, [`eligible`] says whether an instance could host the service's task at all
//! (the scheduler's "where"); placing on it is then `place` with `only`.
//!
//! Architecture Invariant: the crate is pure: it reads the world (and `prepare` readies derived
//! index state only); nothing it does changes a decision but the request and the random stream.

pub mod explain;
mod indexed;
pub mod pipeline;
mod prepare;
pub mod strategy;
pub mod view;

pub use explain::{Check, Explanation, InstanceVerdict, StrategyStep};
pub use indexed::{Scratch, Served};
pub use pipeline::{
    first_failed_check, in_scope, place, place_if_possible, place_scan, place_with, spread_counts,
    Decision, Failure, PlacementRequest, NO_INSTANCES,
};
pub use prepare::{eligible, prepare};
pub use strategy::{BinpackField, PlacementStrategy, SpreadField};
pub use view::InstanceRef;
