//! Scenario assertions, evaluated at the end of a run.

use crate::output::Counts;

#[derive(Clone, Debug, PartialEq)]
pub enum Assertion {
    /// At most this many placement failures over the run.
    MaxPlacementFailures { at_most: u64 },
    /// At most this many actions rejected by the simulated state (`ECS Action Error` events).
    MaxActionErrors { at_most: u64 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssertionResult {
    pub type_name: &'static str,
    pub passed: bool,
    pub detail: String,
}

impl Assertion {
    pub fn type_name(&self) -> &'static str {
        match self {
            Assertion::MaxPlacementFailures { .. } => "maxPlacementFailures",
            Assertion::MaxActionErrors { .. } => "maxActionErrors",
        }
    }

    pub fn evaluate(&self, counts: &Counts) -> AssertionResult {
        match *self {
            Assertion::MaxPlacementFailures { at_most } => {
                let failures: u64 = counts.placement_failures.values().sum();
                AssertionResult {
                    type_name: self.type_name(),
                    passed: failures <= at_most,
                    detail: format!("{failures} placement failures (at most {at_most} allowed)"),
                }
            }
            Assertion::MaxActionErrors { at_most } => AssertionResult {
                type_name: self.type_name(),
                passed: counts.action_errors <= at_most,
                detail: format!(
                    "{} action errors (at most {at_most} allowed)",
                    counts.action_errors
                ),
            },
        }
    }
}
