//! What a run did: its figures, its events, and checks of invariants over them.

use ecsim_engine::{EventRecord, RunOutput, RunSummary, ServiceOutput};
use ecsim_kernel::SimTime;
use std::fmt;

/// A finished run, with every record kept.
#[derive(Clone, Debug)]
pub struct Outcome {
    out: RunOutput,
}

/// An invariant that did not hold: what, and the first simulated time it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Milliseconds from the start of the run.
    pub at_ms: u64,
    /// What did not hold.
    pub what: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {} ms: {}", self.at_ms, self.what)
    }
}

impl std::error::Error for Violation {}

/// A duration as scenarios write it, as a time from the start of the run.
///
/// # Panics
/// When `s` is not a duration (`"90s"`, `"15m"`, `"2h"`, a number of seconds).
fn time(s: &str) -> SimTime {
    let d = ecsim_scenario::parse_duration(s)
        .unwrap_or_else(|e| panic!("{s:?} is not a duration: {e}"));
    SimTime::ZERO + d
}

impl Outcome {
    pub(crate) fn new(out: RunOutput) -> Outcome {
        Outcome { out }
    }

    /// The figures `summary.json` holds.
    pub fn summary(&self) -> &RunSummary {
        &self.out.summary
    }

    /// Everything the run kept: records in order, the summary, the final world.
    pub fn output(&self) -> &RunOutput {
        &self.out
    }

    /// Every event, in simulation order (`events.jsonl`'s lines).
    pub fn events(&self) -> impl Iterator<Item = &EventRecord> {
        self.out.events()
    }

    /// The run reached its horizon and every assertion of the scenario passed.
    pub fn passed(&self) -> bool {
        self.out.halt.is_none() && self.out.summary.assertions.iter().all(|a| a.passed)
    }

    /// The service named `name` (in any cluster; the first created if several share the name).
    pub fn service(&self, name: &str) -> Option<&ServiceOutput> {
        self.out
            .summary
            .services
            .iter()
            .find(|s| s.service.name == name)
    }

    /// The service's healthy count over the run: (milliseconds, count) at each change.
    pub fn healthy_timeline(&self, name: &str) -> Option<Vec<(u64, u32)>> {
        let history = self.service(name)?.record.healthy.as_ref()?;
        Some(history.iter().map(|&(t, n)| (t.ms(), n)).collect())
    }

    /// The lowest healthy count of the service over `[from, until]` (durations from the start:
    /// `"10m"`, `"1h"`); None when there is no such service.
    ///
    /// # Panics
    /// When `from` or `until` is not a duration.
    pub fn min_healthy(&self, name: &str, from: &str, until: &str) -> Option<u32> {
        let s = self.service(name)?;
        s.record
            .lowest_between(time(from), time(until))
            .map(|(n, _)| n)
    }

    /// Ok when the service has at least `at_least` healthy tasks at every instant of
    /// `[from, until]`; else the first time it had fewer.
    ///
    /// # Panics
    /// When `from` or `until` is not a duration.
    pub fn check_healthy(
        &self,
        name: &str,
        at_least: u32,
        from: &str,
        until: &str,
    ) -> Result<(), Violation> {
        let Some(s) = self.service(name) else {
            return Err(Violation {
                at_ms: 0,
                what: format!("no service {name:?} in the run"),
            });
        };
        match s.record.lowest_between(time(from), time(until)) {
            Some((n, t)) if n < at_least => Err(Violation {
                at_ms: t.ms(),
                what: format!("service {name} had {n} healthy tasks, fewer than {at_least}"),
            }),
            _ => Ok(()),
        }
    }

    /// Ok when `invariant` holds at every event; else the first event where it said why not.
    pub fn check_events(
        &self,
        mut invariant: impl FnMut(&EventRecord) -> Result<(), String>,
    ) -> Result<(), Violation> {
        for e in self.events() {
            if let Err(what) = invariant(e) {
                return Err(Violation {
                    at_ms: e.t.ms(),
                    what,
                });
            }
        }
        Ok(())
    }
}
