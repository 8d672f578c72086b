//! The event loop: applies scenario actions at their times, walks tasks through their lifecycle,
//! asks placement where tasks go, and records events, samples and snapshots as they happen.
//!
//! It never touches files, the environment, the wall clock or threads: a run is a pure function of
//! the lowered [`Scenario`], and its records go to a [`Sink`] the caller provides.

pub mod action;
pub mod assertions;
pub mod capacity;
pub mod check;
pub mod engine;
pub mod fault;
pub mod output;
pub mod record;
pub mod scenario;
pub mod service;

pub use action::*;
pub use assertions::{Assertion, AssertionResult};
pub use engine::{run, Engine, Limits, PassAudit, Phase, AGENT_RESERVED_TCP_PORTS};
pub use fault::{Fault, FaultKind, InjectedAction};
pub use output::*;
pub use record::*;
pub use scenario::Scenario;
