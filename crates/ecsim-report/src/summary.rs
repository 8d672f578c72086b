//! `summary.json`: the run's figures, in exactly the shape and key order of SPEC §9.

use ecsim_engine::RunOutput;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// What the summary needs that the run itself does not know: the scenario file's digest and the
/// fields the scenario crate accepted and ignored.
#[derive(Clone, Copy, Debug)]
pub struct SummaryMeta<'a> {
    /// Lowercase hex SHA-256 of the scenario file's bytes.
    pub scenario_sha256: &'a str,
    /// Each ignored field's JSON path, once, in the order the scenario crate reports them.
    pub ignored_fields: &'a [String],
}

/// The `summary.json` schema version (SPEC §9).
const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    schema_version: u32,
    scenario: ScenarioJson<'a>,
    seed: u64,
    fingerprint: &'a str,
    simulated_ms: u64,
    counts: CountsJson<'a>,
    /// Per-service figures arrive with the service scheduler; an empty array until then.
    services: [(); 0],
    /// Per-capacity-provider figures arrive with capacity providers; an empty array until then.
    capacity_providers: [(); 0],
    utilization: UtilizationJson,
    assertions: Vec<AssertionJson<'a>>,
    ignored_fields: &'a [String],
}

#[derive(Serialize)]
struct ScenarioJson<'a> {
    name: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CountsJson<'a> {
    events_processed: u64,
    placements: u64,
    tasks_started: u64,
    tasks_stopped: &'a BTreeMap<&'static str, u64>,
    placement_failures: &'a BTreeMap<String, u64>,
    action_errors: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UtilizationJson {
    cpu_reserved_mean: f64,
    cpu_reserved_peak: f64,
    memory_reserved_mean: f64,
    memory_reserved_peak: f64,
}

#[derive(Serialize)]
struct AssertionJson<'a> {
    #[serde(rename = "type")]
    type_name: &'a str,
    passed: bool,
    detail: &'a str,
}

/// Rounds to 6 decimals so that summaries compare cleanly across float noise; -0 becomes 0.
pub(crate) fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Writes `summary.json`: pretty-printed with two-space indents and a trailing newline.
pub fn write_summary(out: &RunOutput, meta: &SummaryMeta, mut w: impl Write) -> io::Result<()> {
    let u = &out.utilization;
    let summary = Summary {
        schema_version: SCHEMA_VERSION,
        scenario: ScenarioJson {
            name: &out.scenario_name,
            sha256: meta.scenario_sha256,
        },
        seed: out.seed,
        fingerprint: &out.fingerprint,
        simulated_ms: out.simulated_ms,
        counts: CountsJson {
            events_processed: out.counts.events_processed,
            placements: out.counts.placements,
            tasks_started: out.counts.tasks_started,
            tasks_stopped: &out.counts.tasks_stopped,
            placement_failures: &out.counts.placement_failures,
            action_errors: out.counts.action_errors,
        },
        services: [],
        capacity_providers: [],
        utilization: UtilizationJson {
            cpu_reserved_mean: round6(u.cpu_reserved_mean),
            cpu_reserved_peak: round6(u.cpu_reserved_peak),
            memory_reserved_mean: round6(u.memory_reserved_mean),
            memory_reserved_peak: round6(u.memory_reserved_peak),
        },
        assertions: out
            .assertions
            .iter()
            .map(|a| AssertionJson {
                type_name: a.type_name,
                passed: a.passed,
                detail: &a.detail,
            })
            .collect(),
        ignored_fields: meta.ignored_fields,
    };
    let mut buf = serde_json::to_vec_pretty(&summary).map_err(io::Error::from)?;
    buf.push(b'\n');
    w.write_all(&buf)?;
    w.flush()
}
