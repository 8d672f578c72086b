//! `ecsim check SCENARIO --seeds A..B [--jobs N] [--shrink]` (SPEC §12.4): the scenario run for
//! every seed in check mode (the engine's invariants after every event, the assertions at the
//! end), seeds in parallel with the results in seed order, and the shrinking of the lowest
//! failing seed into a scenario of plain actions.

use crate::UsageError;
use ecsim_engine::{Discard, Engine, InjectedAction, Scenario};
use ecsim_kernel::SimTime;
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The most seeds one check runs.
pub const MAX_SEEDS: u64 = 100_000_000;

/// `A..B`, both included.
pub fn parse_seeds(text: &str) -> Result<(u64, u64), UsageError> {
    let bad = || {
        UsageError(format!(
            "error: --seeds {text:?}: expected a range A..B of seeds (both included), e.g. --seeds 1..100"
        ))
    };
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if a > b {
        return Err(UsageError(format!(
            "error: --seeds {text:?}: the first seed is after the last; write the lower one first"
        )));
    }
    if b - a >= MAX_SEEDS {
        return Err(UsageError(format!(
            "error: --seeds {text:?}: {} seeds, more than one check runs ({MAX_SEEDS}); split the range",
            b - a + 1
        )));
    }
    Ok((a, b))
}

/// What failed first in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failed {
    /// The scenario's assertion of that index (its type).
    Assertion(usize, &'static str),
    /// An engine invariant (check mode), or `engine panic`.
    Invariant(&'static str),
}

impl Failed {
    /// How the summary counts it: `minHealthyTasks (assertions[0])`, `invariant resources`.
    pub fn label(&self) -> String {
        match self {
            Failed::Assertion(i, t) => format!("{t} (assertions[{i}])"),
            Failed::Invariant(name) => format!("invariant {name}"),
        }
    }
}

/// The first failure of a run: what, when, and what was seen.
#[derive(Clone, Debug)]
pub struct Failure {
    pub what: Failed,
    pub at: Option<SimTime>,
    pub detail: String,
}

/// One seed's run in check mode.
#[derive(Clone, Debug)]
pub struct SeedOutcome {
    pub seed: u64,
    /// The first failure (None: the seed passes).
    pub first: Option<Failure>,
    /// Everything that failed (the first included), for the counts by assertion.
    pub all: Vec<Failed>,
    /// The faults it injected, as explicit actions.
    pub faults: Vec<InjectedAction>,
}

/// Runs `scenario` with `seed` in check mode. RULE: a broken invariant ends the run and is its
/// failure (the assertions are not evaluated over a bug's state); otherwise the failed assertion
/// that failed earliest (ties: file order) is the first. An engine panic is a failure too.
pub fn check_seed(scenario: &Scenario, seed: u64) -> SeedOutcome {
    let mut s = scenario.clone();
    s.seed = seed;
    let s = Arc::new(s);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut engine = Engine::with_owned_sink(Arc::clone(&s), Box::new(Discard));
        engine.enable_checks();
        let halt = engine.run_to_end().err();
        let violation = engine.violation().cloned();
        let summary = engine.finish();
        (halt, violation, summary)
    }));
    let (halt, violation, summary) = match result {
        Ok(r) => r,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            let f = Failure {
                what: Failed::Invariant("engine panic"),
                at: None,
                detail: message,
            };
            return SeedOutcome {
                seed,
                all: vec![f.what.clone()],
                first: Some(f),
                faults: Vec::new(),
            };
        }
    };
    let faults = summary.faults.clone().unwrap_or_default();
    if let Some(v) = violation {
        let what = Failed::Invariant(v.invariant);
        return SeedOutcome {
            seed,
            all: vec![what.clone()],
            first: Some(Failure {
                what,
                at: Some(v.at),
                detail: v.detail,
            }),
            faults,
        };
    }
    if let Some(h) = halt {
        let what = Failed::Invariant("run limit");
        return SeedOutcome {
            seed,
            all: vec![what.clone()],
            first: Some(Failure {
                what,
                at: None,
                detail: h.to_string(),
            }),
            faults,
        };
    }
    let failed: Vec<(usize, &ecsim_engine::AssertionResult)> = summary
        .assertions
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.passed)
        .collect();
    let first = failed
        .iter()
        .min_by_key(|(i, a)| (a.failed_at, *i))
        .map(|(i, a)| Failure {
            what: Failed::Assertion(*i, a.type_name),
            at: a.failed_at,
            detail: a.detail.clone(),
        });
    SeedOutcome {
        seed,
        first,
        all: failed
            .iter()
            .map(|(i, a)| Failed::Assertion(*i, a.type_name))
            .collect(),
        faults,
    }
}

/// Runs every seed of `from..=to` on `jobs` threads; the outcomes in seed order, whatever
/// `jobs` is. `progress` is told of each seed done.
pub fn check_seeds(
    scenario: &Scenario,
    from: u64,
    to: u64,
    jobs: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SeedOutcome>, UsageError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| {
            UsageError(format!(
                "error: --jobs {jobs}: cannot start the threads: {e}"
            ))
        })?;
    Ok(pool.install(|| {
        (from..=to)
            .into_par_iter()
            .map(|seed| {
                let o = check_seed(scenario, seed);
                progress();
                o
            })
            .collect()
    }))
}

/// A time as the console says it: `6344.875 s`.
pub fn seconds(t: SimTime) -> String {
    let ms = t.ms();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.3} s", ms as f64 / 1000.0)
    }
}

/// How a scenario file's `at` or `horizon` reads, in milliseconds (a number is seconds).
fn duration_ms(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_f64().map(|s| (s * 1000.0).round() as u64),
        Value::String(s) => ecsim_scenario::parse_duration(s).ok().map(|d| d.ms()),
        _ => None,
    }
}

/// The fault actions as scenario actions.
fn fault_actions(faults: &[InjectedAction]) -> Vec<Value> {
    faults
        .iter()
        .map(|f| {
            let mut a = Map::new();
            a.insert("at".into(), Value::String(format!("{}ms", f.at.ms())));
            a.insert("action".into(), Value::String(f.name.to_string()));
            a.insert(
                "input".into(),
                serde_json::from_str(&f.input_json).unwrap_or(Value::Null),
            );
            if let Some(sim) = &f.simulation_json {
                a.insert(
                    "simulation".into(),
                    serde_json::from_str(sim).unwrap_or(Value::Null),
                );
            }
            Value::Object(a)
        })
        .collect()
}

/// What a shrunk scenario must fail the same way: the same invariant, or the same assertion
/// (by its JSON, since shrinking may drop assertions before it).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    Assertion(String),
    Invariant(&'static str),
}

fn key_of(doc: &Value, f: &Failure) -> Key {
    match f.what {
        Failed::Assertion(i, _) => Key::Assertion(
            doc.get("assertions")
                .and_then(|a| a.get(i))
                .map(|a| a.to_string())
                .unwrap_or_default(),
        ),
        Failed::Invariant(name) => Key::Invariant(name),
    }
}

/// Loads a candidate document and runs it with its own seed in check mode: its first failure.
fn run_doc(doc: &Value) -> Option<(Failure, Key)> {
    let loaded = ecsim_scenario::load(&doc.to_string()).ok()?;
    let seed = loaded.scenario.seed;
    let f = check_seed(&loaded.scenario, seed).first?;
    let k = key_of(doc, &f);
    Some((f, k))
}

/// The result of shrinking.
pub struct Shrunk {
    pub doc: Value,
    /// Faults kept, of those injected.
    pub kept: usize,
    pub injected: usize,
    pub horizon_ms: Option<u64>,
}

/// SPEC §12.4 `--shrink`: the failing run with its `faults` replaced by the explicit actions it
/// drew (and its seed set), then each injected fault (an outage or disconnect with its end)
/// dropped in turn and kept out while the run still fails the same way, then the horizon cut to
/// the end of the sample interval holding the failure. RULE: the cut drops the actions after the
/// new horizon (they could not run before it) and the assertions whose `from` or `by` lies after
/// it, and is kept only if the run still fails the same way.
pub fn shrink(original: &Value, outcome: &SeedOutcome) -> Result<Shrunk, UsageError> {
    let failure = outcome
        .first
        .as_ref()
        .ok_or_else(|| UsageError("error: --shrink: the seed did not fail".into()))?;
    let target = key_of(original, failure);
    let mut base = original.clone();
    let obj = base
        .as_object_mut()
        .ok_or_else(|| UsageError("error: --shrink: the scenario is not an object".into()))?;
    obj.remove("faults");
    obj.insert("seed".into(), Value::from(outcome.seed));
    let own: Vec<Value> = obj
        .get("actions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let injected = fault_actions(&outcome.faults);
    let groups: Vec<u32> = {
        let mut g: Vec<u32> = outcome.faults.iter().map(|f| f.fault).collect();
        g.dedup();
        g
    };
    let build = |keep: &[u32]| -> Value {
        let mut d = base.clone();
        let mut actions = own.clone();
        for (a, f) in injected.iter().zip(&outcome.faults) {
            if keep.contains(&f.fault) {
                actions.push(a.clone());
            }
        }
        d["actions"] = Value::Array(actions);
        d
    };
    let mut keep = groups.clone();
    let full = build(&keep);
    match run_doc(&full) {
        Some((_, k)) if k == target => {}
        _ => {
            return Err(UsageError(format!(
                "error: --shrink: the run with its faults written as actions does not fail as seed {} did ({}); this is a bug in ecsim",
                outcome.seed,
                failure.what.label()
            )))
        }
    }
    for g in &groups {
        let trial: Vec<u32> = keep.iter().copied().filter(|x| x != g).collect();
        if matches!(run_doc(&build(&trial)), Some((_, k)) if k == target) {
            keep = trial;
        }
    }
    let mut doc = build(&keep);
    let mut horizon_ms = None;
    if let Some((f, _)) = run_doc(&doc) {
        if let Some(at) = f.at {
            if let Some(cut) = cut(&doc, at.ms()) {
                if matches!(run_doc(&cut.0), Some((_, k)) if k == target) {
                    doc = cut.0;
                    horizon_ms = Some(cut.1);
                }
            }
        }
    }
    Ok(Shrunk {
        doc,
        kept: keep.len(),
        injected: groups.len(),
        horizon_ms,
    })
}

/// The document with its horizon cut to the end of the sample interval holding `at_ms`, or None
/// when that is not earlier than its horizon.
fn cut(doc: &Value, at_ms: u64) -> Option<(Value, u64)> {
    let horizon = doc.get("horizon").map_or(Some(86_400_000), duration_ms)?;
    let interval = doc
        .get("sampleInterval")
        .map_or(Some(60_000), duration_ms)?
        .max(1);
    let end = (at_ms / interval + 1) * interval;
    if end >= horizon {
        return None;
    }
    let mut d = doc.clone();
    d["horizon"] = Value::String(format!("{end}ms"));
    if let Some(actions) = d.get_mut("actions").and_then(Value::as_array_mut) {
        actions.retain(|a| a.get("at").and_then(duration_ms).is_none_or(|t| t <= end));
    }
    if let Some(assertions) = d.get_mut("assertions").and_then(Value::as_array_mut) {
        assertions.retain(|a| {
            ["from", "by"]
                .iter()
                .all(|k| a.get(*k).and_then(duration_ms).is_none_or(|t| t <= end))
        });
    }
    Some((d, end))
}
