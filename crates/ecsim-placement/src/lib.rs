//! The placement pipeline (SPEC §4): pure functions over a read-only view of the cluster.
//!
//! The steps: eligibility (status, agent, launch type, attributes); resources (CPU, memory, GPU,
//! ports, ENIs); constraints (`memberOf`, `distinctInstance`); strategies in array order, each keeping
//! its best tier; then a seeded final draw. Every decision can carry an explanation.

pub mod explain;
mod indexed;
pub mod pipeline;
mod prepare;
pub mod strategy;
pub mod view;

pub use explain::{Check, Explanation, InstanceVerdict, StrategyStep};
pub use indexed::{Scratch, Served};
pub use pipeline::{
    first_failed_check, place, place_scan, place_with, spread_counts, Decision, Failure,
    PlacementRequest, NO_INSTANCES,
};
pub use prepare::{eligible, prepare};
pub use strategy::{BinpackField, PlacementStrategy, SpreadField};
pub use view::InstanceRef;
