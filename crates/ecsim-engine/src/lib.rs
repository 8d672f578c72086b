//! The event loop: applies scenario actions at their times, walks tasks through their lifecycle,
//! asks placement where tasks go, and records events, samples and snapshots.
//!
//! It never touches files, the environment, the wall clock or threads: a run is a pure function of
//! the lowered [`Scenario`].

pub mod action;
pub mod assertions;
pub mod engine;
pub mod output;
pub mod scenario;
pub mod service;

pub use action::*;
pub use assertions::{Assertion, AssertionResult};
pub use engine::{Engine, PassAudit};
pub use output::*;
pub use scenario::Scenario;

/// Runs a scenario to its horizon.
pub fn run(scenario: &Scenario) -> RunOutput {
    let mut engine = Engine::new(scenario);
    engine.run_to_end();
    engine.finish()
}
