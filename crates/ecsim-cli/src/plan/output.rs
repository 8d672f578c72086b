//! `plan.csv` and `plan.json` (SPEC §12.3), as text: pure functions of the rows, so the files are
//! the same whatever ran them.

use super::{Fault, Planner, Row, RunRecord};
use serde_json::{json, Map, Value};

/// `plan.csv`'s header.
pub const HEADER: &str = "instance_type,survive,instances,cost_per_hour,lower_bound,cpu_stranded_pct,memory_stranded_pct,runs";

/// Rounded as the CSV shows it: cost to 4 decimals, percentages to 2.
fn round(x: f64, decimals: i32) -> f64 {
    let p = 10f64.powi(decimals);
    (x * p).round() / p
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// One line per row, in plan order; an empty field where a row has no answer.
pub fn plan_csv(rows: &[Row]) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for r in rows {
        let line = [
            r.instance_type.clone(),
            r.survive.label(),
            opt(r.instances),
            r.cost_per_hour
                .map(|c| format!("{:.4}", round(c, 4)))
                .unwrap_or_default(),
            opt(r.lower_bound),
            r.stranded_pct
                .map(|s| format!("{:.2}", round(s.0, 2)))
                .unwrap_or_default(),
            r.stranded_pct
                .map(|s| format!("{:.2}", round(s.1, 2)))
                .unwrap_or_default(),
            r.runs.to_string(),
        ];
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn fault_json(planner: &Planner, fault: &Fault) -> Value {
    fault.action(planner.at()).unwrap_or(Value::Null)
}

fn runs_json(planner: &Planner, runs: &[RunRecord]) -> Value {
    Value::Array(
        runs.iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("seed".into(), json!(r.seed));
                o.insert("fault".into(), fault_json(planner, &r.fault));
                o.insert("passed".into(), json!(r.failure.is_none()));
                if let Some(f) = &r.failure {
                    o.insert("failure".into(), json!(f));
                }
                o.insert("fingerprint".into(), json!(r.fingerprint));
                Value::Object(o)
            })
            .collect(),
    )
}

/// The variant's edits as an object of JSON Pointer → value.
fn set_json(planner: &Planner, t: usize, count: u32) -> Value {
    Value::Object(planner.edits(t, count).into_iter().collect())
}

/// The plan, its scenario, and every row with its search and its verification runs.
pub fn plan_json(planner: &Planner, rows: &[Row]) -> String {
    let type_index = |name: &str| {
        planner
            .plan
            .instance_types
            .iter()
            .position(|t| t == name)
            .unwrap_or(0)
    };
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let t = type_index(&r.instance_type);
            let verification = match r.instances {
                None => Value::Null,
                Some(n) => json!({
                    "answer": {
                        "instances": n,
                        "set": set_json(planner, t, n),
                        "runs": runs_json(planner, &r.answer_runs),
                    },
                    "below": match &r.below {
                        None => Value::Null,
                        Some((m, runs)) => json!({
                            "instances": m,
                            "set": set_json(planner, t, *m),
                            "runs": runs_json(planner, runs),
                        }),
                    },
                }),
            };
            json!({
                "instanceType": r.instance_type,
                "survive": r.survive.label(),
                "instances": r.instances,
                "costPerHour": r.cost_per_hour.map(|c| round(c, 4)),
                "lowerBound": r.lower_bound,
                "cpuStrandedPct": r.stranded_pct.map(|s| round(s.0, 2)),
                "memoryStrandedPct": r.stranded_pct.map(|s| round(s.1, 2)),
                "runs": r.runs,
                "searched": r.tried.iter().map(|c| {
                    let mut o = Map::new();
                    o.insert("instances".into(), json!(c.instances));
                    o.insert("passed".into(), json!(c.feasible));
                    if let Some(f) = &c.failure {
                        o.insert("failure".into(), json!(f));
                    }
                    Value::Object(o)
                }).collect::<Vec<_>>(),
                "verification": verification,
            })
        })
        .collect();
    let doc = json!({
        "schemaVersion": 1,
        "plan": { "name": planner.plan.name, "sha256": planner.plan_sha256 },
        "scenario": { "name": planner.scenario_name, "sha256": planner.scenario_sha256 },
        "fleet": { "action": planner.plan.fleet_action, "kind": planner.fleet_kind.action_name() },
        "atMs": planner.plan.at.ms(),
        "recoverWithinMs": planner.plan.recover_within.ms(),
        "seeds": planner.seeds,
        "rows": rows,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
