//! `timings` objects and the actions' `simulation` blocks (SPEC §3): what ECS does not have and
//! ecsim simulates — lifecycle timings, run-duration and crash distributions, probabilities.

use crate::cx::{as_duration, object, Cx, Field, Obj};
use crate::duration::describe;
use crate::path::Path;
use ecsim_engine::capacity::FargateSpotSimulation;
use ecsim_kernel::{Distribution, SimDuration};
use ecsim_model::{TaskSimulation, Timings};
use serde_json::Value;

/// The timing keys of SPEC §6, in the order they are listed there.
pub(crate) const TIMING_KEYS: [&str; 8] = [
    "provisioning",
    "pending",
    "activating",
    "deactivating",
    "stopping",
    "deprovisioning",
    "instanceLaunch",
    "healthyAfter",
];

fn slot<'t>(t: &'t mut Timings, key: &str) -> Option<&'t mut Option<SimDuration>> {
    Some(match key {
        "provisioning" => &mut t.provisioning,
        "pending" => &mut t.pending,
        "activating" => &mut t.activating,
        "deactivating" => &mut t.deactivating,
        "stopping" => &mut t.stopping,
        "deprovisioning" => &mut t.deprovisioning,
        "instanceLaunch" => &mut t.instance_launch,
        "healthyAfter" => &mut t.healthy_after,
        _ => return None,
    })
}

fn used(keys: &[&'static str]) -> Vec<(&'static str, Field)> {
    keys.iter().map(|k| (*k, Field::Used)).collect()
}

/// The fields of a block that may hold every timing key, with those of no effect there marked
/// so (they are validated and listed in `ignoredFields`, SPEC §2).
fn timing_fields(no_effect: &[&str]) -> Vec<(&'static str, Field)> {
    TIMING_KEYS
        .iter()
        .map(|&k| {
            (
                k,
                if no_effect.contains(&k) {
                    Field::Checked
                } else {
                    Field::Used
                },
            )
        })
        .collect()
}

/// A `timings` object: each key a duration.
pub(crate) fn timings(cx: &mut Cx, value: &Value, path: &Path) -> Timings {
    let mut t = Timings::default();
    if let Some(o) = object(
        cx,
        value,
        path,
        "timings, e.g. {\"pending\": \"10s\"}",
        &timing_fields(&[]),
    ) {
        read_timing_keys(cx, &o, &mut t);
    }
    t
}

fn read_timing_keys(cx: &mut Cx, o: &Obj<'_>, t: &mut Timings) {
    for key in TIMING_KEYS {
        if let Some(v) = o.get(key) {
            if let (Some(d), Some(s)) = (as_duration(cx, v, &o.at(key)), slot(t, key)) {
                *s = Some(d);
                // RULE (ours): a timing longer than the horizon is valid, but what it times never
                // ends within the run, which is rarely what was meant.
                if let Some(horizon) = cx.horizon.filter(|h| d > *h) {
                    cx.warn_value(
                        &o.at(key),
                        v,
                        format!(
                            "{key} is {}, longer than the horizon ({}), so what it times does not end within the run; shorten it or raise horizon",
                            describe(d),
                            describe(horizon)
                        ),
                    );
                }
            }
        }
    }
}

/// Timing keys written directly in a simulation block and/or in its `timings` object.
/// A key set in both places is an error (RULE: one place per key).
fn block_timings(cx: &mut Cx, o: &Obj<'_>) -> Timings {
    let mut direct = Timings::default();
    read_timing_keys(cx, o, &mut direct);
    let Some(nested_value) = o.get("timings") else {
        return direct;
    };
    let nested = timings(cx, nested_value, &o.at("timings"));
    let mut merged = nested.clone();
    for key in TIMING_KEYS {
        let d = slot(&mut direct, key).and_then(|s| *s);
        let n = slot(&mut merged, key);
        if let (Some(d), Some(n)) = (d, n) {
            if n.is_some() {
                cx.error_key(
                    &o.at(key),
                    format!("'{key}' is set both here and in this block's timings; keep one"),
                );
            }
            *n = Some(d);
        }
    }
    merged
}

/// The members of a task's `simulation` block.
pub(crate) fn task_simulation_fields() -> Vec<(&'static str, Field)> {
    // A task's block: instanceLaunch applies to instances, not tasks.
    let mut fields = timing_fields(&["instanceLaunch"]);
    // healthyAfter and unhealthyProbability decide when a service task is healthy and whether it
    // fails its health check (SPEC §7).
    fields.extend(used(&[
        "timings",
        "runDuration",
        "crashAfter",
        "failToStartProbability",
        "unhealthyProbability",
    ]));
    fields
}

/// The members of LaunchContainerInstances' `simulation` block.
pub(crate) const LAUNCH_SIMULATION_FIELDS: [(&str, Field); 2] =
    [("instanceLaunch", Field::Used), ("timings", Field::Used)];

/// The members of CreateCluster's `simulation` block.
pub(crate) const CLUSTER_SIMULATION_FIELDS: [(&str, Field); 2] = [
    ("fargateSpotCapacity", Field::Used),
    ("fargateSpotInterruptionsPerHour", Field::Used),
];

/// The `simulation` block of RegisterTaskDefinition, RunTask, StartTask and CreateService.
pub(crate) fn task_simulation(cx: &mut Cx, value: &Value, path: &Path) -> TaskSimulation {
    let fields = task_simulation_fields();
    let mut sim = TaskSimulation::default();
    let Some(o) = object(cx, value, path, "a simulation block", &fields) else {
        return sim;
    };
    sim.timings = block_timings(cx, &o);
    if let Some(v) = o.get("runDuration") {
        sim.run_duration = distribution(cx, v, &o.at("runDuration"));
    }
    if let Some(v) = o.get("crashAfter") {
        sim.crash_after = distribution(cx, v, &o.at("crashAfter"));
    }
    for (key, target) in [
        ("failToStartProbability", &mut sim.fail_to_start_probability),
        ("unhealthyProbability", &mut sim.unhealthy_probability),
    ] {
        if let Some(p) = o.number(cx, key) {
            if (0.0..=1.0).contains(&p) {
                *target = Some(p);
            } else {
                o.error_field(cx, key, "expected a probability from 0 to 1");
            }
        }
    }
    sim
}

/// The `simulation` block of LaunchContainerInstances: timings only.
pub(crate) fn launch_simulation(cx: &mut Cx, value: &Value, path: &Path) -> Timings {
    // Only instanceLaunch applies to instances; the task timings belong on tasks.
    match object(
        cx,
        value,
        path,
        "a simulation block",
        &LAUNCH_SIMULATION_FIELDS,
    ) {
        Some(o) => block_timings(cx, &o),
        None => Timings::default(),
    }
}

/// The `simulation` block of CreateCluster (SPEC §8): `fargateSpotCapacity`, the most
/// FARGATE_SPOT tasks running at once in the cluster (absent: unlimited; RULE: 0 is allowed, a
/// cluster with no spot capacity), and `fargateSpotInterruptionsPerHour`, the Poisson rate of
/// interruptions per running FARGATE_SPOT task (default 0).
pub(crate) fn cluster_simulation(cx: &mut Cx, value: &Value, path: &Path) -> FargateSpotSimulation {
    let mut sim = FargateSpotSimulation::default();
    let Some(o) = object(
        cx,
        value,
        path,
        "a simulation block {\"fargateSpotCapacity\": ..., \"fargateSpotInterruptionsPerHour\": ...}",
        &CLUSTER_SIMULATION_FIELDS,
    ) else {
        return sim;
    };
    sim.capacity = o.u32(cx, "fargateSpotCapacity");
    if let Some(rate) = o.number(cx, "fargateSpotInterruptionsPerHour") {
        if rate < 0.0 {
            o.error_field(
                cx,
                "fargateSpotInterruptionsPerHour",
                "expected a rate of at least 0 (interruptions per running FARGATE_SPOT task per hour)",
            );
        } else {
            sim.interruptions_per_hour = rate;
        }
    }
    sim
}

/// `{"dist": "fixed"|"uniform"|"exponential"|"lognormal", ...}`.
pub(crate) fn distribution(cx: &mut Cx, value: &Value, path: &Path) -> Option<Distribution> {
    const KINDS: [&str; 4] = ["fixed", "uniform", "exponential", "lognormal"];
    let Value::Object(map) = value else {
        cx.error_value(
            path,
            value,
            "expected a distribution like {\"dist\": \"fixed\", \"value\": \"10m\"}",
        );
        return None;
    };
    let kind_value = map.get("dist").filter(|v| !v.is_null());
    let Some(kind_value) = kind_value else {
        cx.error(
            &path.key("dist"),
            "missing required field 'dist'; expected one of fixed, uniform, exponential, lognormal",
        );
        return None;
    };
    let Some(kind) = kind_value.as_str() else {
        cx.error_value(
            &path.key("dist"),
            kind_value,
            "expected one of fixed, uniform, exponential, lognormal",
        );
        return None;
    };
    let fields: &[&'static str] = match kind {
        "fixed" => &["dist", "value"],
        "uniform" => &["dist", "min", "max"],
        "exponential" => &["dist", "mean"],
        "lognormal" => &["dist", "median", "sigma"],
        _ => {
            cx.error_value(
                &path.key("dist"),
                kind_value,
                crate::cx::unknown_message("distribution", kind, &KINDS),
            );
            return None;
        }
    };
    let o = object(cx, value, path, "a distribution", &used(fields))?;
    let req = |cx: &mut Cx, name: &str| -> Option<SimDuration> {
        if !o.has(name) {
            o.missing(
                cx,
                name,
                "a duration such as \"30s\" or a number of seconds",
            );
            return None;
        }
        o.duration(cx, name)
    };
    match kind {
        "fixed" => Some(Distribution::Fixed {
            ms: req(cx, "value")?.ms(),
        }),
        "uniform" => {
            let min = req(cx, "min");
            let max = req(cx, "max");
            let (min, max) = (min?, max?);
            if min > max {
                o.error_field(cx, "min", "min must not exceed max");
                return None;
            }
            Some(Distribution::Uniform {
                min_ms: min.ms(),
                max_ms: max.ms(),
            })
        }
        "exponential" => Some(Distribution::Exponential {
            mean_ms: req(cx, "mean")?.ms(),
        }),
        _ => {
            let median = req(cx, "median");
            let sigma = if o.has("sigma") {
                o.number(cx, "sigma")
            } else {
                o.missing(
                    cx,
                    "sigma",
                    "the standard deviation of the underlying normal, a number > 0",
                );
                None
            };
            let sigma = sigma?;
            if sigma <= 0.0 {
                o.error_field(cx, "sigma", "sigma must be greater than 0");
                return None;
            }
            Some(Distribution::Lognormal {
                median_ms: median?.ms(),
                sigma,
            })
        }
    }
}
