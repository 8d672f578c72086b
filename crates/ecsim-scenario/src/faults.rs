//! The scenario's `faults` block (SPEC §12.1): random faults, each a Poisson process over
//! `[from, until)` that injects the simulator action it stands for. Every name it uses must be
//! created by some action of the scenario (whenever: the engine skips an arrival that finds
//! nothing to act on).

use crate::cx::{as_array, as_duration, object, unknown_message, Cx, Field, Obj};
use crate::path::Path;
use crate::placement::expression;
use crate::refs::Refs;
use crate::simulation::distribution;
use ecsim_engine::capacity::{FARGATE, FARGATE_SPOT};
use ecsim_engine::{Fault, FaultKind};
use ecsim_kernel::{Distribution, SimDuration, SimTime};
use serde_json::Value;

use Field::Used;

/// The fault types, in the order SPEC §12.1 shows them.
const TYPES: [&str; 5] = [
    "instanceLoss",
    "availabilityZoneOutage",
    "agentDisconnect",
    "spotInterruption",
    "taskCrash",
];

/// RULE: at most this many faults expected from one entry (rate × window), so that a run's
/// faults stay a bounded list.
const MAX_EXPECTED: f64 = 1_000_000.0;

pub(crate) fn read(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    refs: &Refs,
    horizon: Option<SimDuration>,
) -> Vec<Fault> {
    let Some(items) = as_array(cx, value, path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Value::Object(map) = item else {
            cx.error_value(
                &p,
                item,
                "expected a fault object like {\"type\": \"instanceLoss\", \"cluster\": \"prod\", \"ratePerHour\": 0.5}",
            );
            continue;
        };
        let kind_value = map.get("type").filter(|v| !v.is_null());
        let Some(kind) = kind_value.and_then(Value::as_str) else {
            match kind_value {
                Some(v) => cx.error_value(&p.key("type"), v, "expected the fault type as a string"),
                None => cx.error(
                    &p.key("type"),
                    format!(
                        "missing required field 'type'; expected one of {}",
                        TYPES.join(", ")
                    ),
                ),
            }
            continue;
        };
        if !TYPES.contains(&kind) {
            cx.error_value(
                &p.key("type"),
                kind_value.unwrap_or(&Value::Null),
                unknown_message("fault type", kind, &TYPES),
            );
            continue;
        }
        out.extend(one(cx, item, &p, kind, refs, horizon));
    }
    out
}

fn one(
    cx: &mut Cx,
    item: &Value,
    p: &Path,
    kind: &str,
    refs: &Refs,
    horizon: Option<SimDuration>,
) -> Option<Fault> {
    let own: &[&str] = match kind {
        "instanceLoss" => &["cluster", "filter"],
        "availabilityZoneOutage" => &["duration"],
        "agentDisconnect" => &["cluster", "filter", "duration"],
        "spotInterruption" => &["capacityProvider", "cluster"],
        _ => &["cluster", "service"],
    };
    let mut fields: Vec<(&str, Field)> = ["type", "ratePerHour", "ratePerDay", "from", "until"]
        .iter()
        .map(|&f| (f, Used))
        .collect();
    fields.extend(own.iter().map(|&f| (f, Used)));
    let o = object(cx, item, p, "a fault", &fields)?;
    let errors = cx.error_count();
    let rate = rate(cx, &o);
    let (from, until) = window(cx, &o, horizon);
    if let (Some(r), Some(f)) = (rate, from) {
        // The window's length in hours, for the bound on the expected count.
        let end = until.or(horizon).map_or(f.ms(), |u| u.ms());
        let expected = r * end.saturating_sub(f.ms()) as f64 / 3_600_000.0;
        if expected > MAX_EXPECTED {
            let field = if o.has("ratePerHour") {
                "ratePerHour"
            } else {
                "ratePerDay"
            };
            o.error_field(
                cx,
                field,
                format!("this rate over the fault's window makes about {expected:.0} faults, more than a run may draw for one entry (1000000); lower the rate or shorten the window"),
            );
        }
    }
    let kind = match kind {
        "instanceLoss" => FaultKind::InstanceLoss {
            cluster: cluster(cx, &o, refs)?,
            filter: filter(cx, &o),
        },
        "availabilityZoneOutage" => FaultKind::AvailabilityZoneOutage {
            duration: duration(cx, &o)?,
        },
        "agentDisconnect" => {
            let c = cluster(cx, &o, refs);
            let f = filter(cx, &o);
            let d = duration(cx, &o);
            FaultKind::AgentDisconnect {
                cluster: c?,
                filter: f,
                duration: d?,
            }
        }
        "spotInterruption" => spot(cx, &o, refs)?,
        _ => {
            let c = o.req_str(cx, "cluster", "the name of a cluster the scenario creates");
            let s = o.req_str(cx, "service", "the name of a service the scenario creates");
            let (c, s) = (c?, s?);
            match refs.created_service(c, s) {
                Ok((cluster, service)) => FaultKind::TaskCrash { cluster, service },
                Err((field, message)) => {
                    o.error_field(cx, field, for_fault(message));
                    return None;
                }
            }
        }
    };
    if cx.error_count() > errors {
        return None;
    }
    Some(Fault {
        kind,
        rate_per_hour: rate?,
        from: SimTime(from?.ms()),
        until: until.map(|u| SimTime(u.ms())),
    })
}

/// The messages of the shared name checks speak of assertions; here they are about a fault.
fn for_fault(message: String) -> String {
    message.replace("an assertion needs", "a fault needs")
}

/// Exactly one of `ratePerHour` and `ratePerDay`, a finite number of at least 0; lowered to per
/// hour.
fn rate(cx: &mut Cx, o: &Obj<'_>) -> Option<f64> {
    let (key, per_hour) = match (o.has("ratePerHour"), o.has("ratePerDay")) {
        (true, true) => {
            cx.error_key(
                &o.at("ratePerDay"),
                "give ratePerHour or ratePerDay, not both",
            );
            return None;
        }
        (false, false) => {
            cx.error(
                &o.path,
                "missing ratePerHour or ratePerDay; give how often the fault happens, e.g. \"ratePerHour\": 0.5 or \"ratePerDay\": 2",
            );
            return None;
        }
        (true, false) => ("ratePerHour", 1.0),
        (false, true) => ("ratePerDay", 1.0 / 24.0),
    };
    let r = o.number(cx, key)?;
    if !(r.is_finite() && r >= 0.0) {
        o.error_field(
            cx,
            key,
            "expected a rate of at least 0 (the mean number of faults per hour or day)",
        );
        return None;
    }
    Some(r * per_hour)
}

/// `from` (default 0) and `until` (default the horizon): neither after the horizon, `until`
/// after `from` (RULE: an empty window is a mistake in the scenario).
fn window(
    cx: &mut Cx,
    o: &Obj<'_>,
    horizon: Option<SimDuration>,
) -> (Option<SimDuration>, Option<SimDuration>) {
    let after = |cx: &mut Cx, name: &str, d: SimDuration| -> bool {
        match horizon {
            Some(h) if d.ms() > h.ms() => {
                o.error_field(
                    cx,
                    name,
                    format!(
                        "{name} is {} ms, after the horizon ({} ms); make it earlier or raise horizon",
                        d.ms(),
                        h.ms()
                    ),
                );
                true
            }
            _ => false,
        }
    };
    let from = match o.get("from") {
        None => Some(SimDuration::ZERO),
        Some(v) => as_duration(cx, v, &o.at("from")).filter(|&d| !after(cx, "from", d)),
    };
    let until = match o.get("until") {
        None => None,
        Some(v) => match as_duration(cx, v, &o.at("until")) {
            Some(u) if after(cx, "until", u) => None,
            Some(u) => {
                if from.is_some_and(|f| u <= f) {
                    o.error_field(cx, "until", "until must be after from");
                }
                Some(u)
            }
            None => None,
        },
    };
    (from, until)
}

/// `cluster`, required: a cluster some action of the scenario creates.
fn cluster(cx: &mut Cx, o: &Obj<'_>, refs: &Refs) -> Option<String> {
    let text = o.req_str(cx, "cluster", "the name of a cluster the scenario creates")?;
    match refs.created_cluster(text) {
        Ok(name) => Some(name),
        Err(message) => {
            o.error_field(cx, "cluster", for_fault(message));
            None
        }
    }
}

/// `filter`, optional: a cluster query language expression over the instances.
fn filter(cx: &mut Cx, o: &Obj<'_>) -> Option<std::sync::Arc<ecsim_query::Expression>> {
    let v = o.get("filter")?;
    expression(cx, v, &o.at("filter"), None)
}

/// `duration`, required: a duration, or a distribution of durations.
fn duration(cx: &mut Cx, o: &Obj<'_>) -> Option<Distribution> {
    let Some(v) = o.get("duration") else {
        o.missing(
            cx,
            "duration",
            "how long it lasts: a duration such as \"10m\", or a distribution like {\"dist\": \"uniform\", \"min\": \"10m\", \"max\": \"1h\"}",
        );
        return None;
    };
    let d = if v.is_object() {
        distribution(cx, v, &o.at("duration"))?
    } else {
        Distribution::Fixed {
            ms: as_duration(cx, v, &o.at("duration"))?.ms(),
        }
    };
    if d == (Distribution::Fixed { ms: 0 }) {
        o.error_field(cx, "duration", "duration must be greater than 0");
        return None;
    }
    Some(d)
}

/// spotInterruption: `capacityProvider` FARGATE_SPOT (with an optional `cluster`, one the
/// scenario creates) or an Auto Scaling group provider whose group has `spot: true`.
fn spot(cx: &mut Cx, o: &Obj<'_>, refs: &Refs) -> Option<FaultKind> {
    let name = o.req_str(
        cx,
        "capacityProvider",
        "FARGATE_SPOT, or an Auto Scaling group provider whose group has \"spot\": true",
    )?;
    if name == FARGATE_SPOT {
        let cluster = match o.get("cluster") {
            None => None,
            Some(_) => Some(cluster(cx, o, refs)?),
        };
        return Some(FaultKind::SpotInterruption {
            capacity_provider: name.to_string(),
            cluster,
        });
    }
    if name == FARGATE {
        o.error_field(
            cx,
            "capacityProvider",
            "capacity provider FARGATE is on-demand capacity and is never interrupted; name FARGATE_SPOT or a spot group's provider",
        );
        return None;
    }
    let created = match refs.created_provider(name) {
        Ok(n) => n,
        Err(message) => {
            o.error_field(cx, "capacityProvider", for_fault(message));
            return None;
        }
    };
    if refs
        .provider(&created)
        .is_none_or(|p| p.spot == Some(false))
    {
        o.error_field(
            cx,
            "capacityProvider",
            format!("capacity provider '{created}' has an on-demand group (its simulation.autoScalingGroup has no \"spot\": true), so it has no spot instances to interrupt"),
        );
        return None;
    }
    if o.has("cluster") {
        // As InterruptSpot: a spot group's instances are the group's own.
        cx.error_key(
            &o.at("cluster"),
            format!("cluster applies to FARGATE_SPOT only: capacity provider '{created}' interrupts instances of its own group; remove cluster"),
        );
        return None;
    }
    Some(FaultKind::SpotInterruption {
        capacity_provider: created,
        cluster: None,
    })
}
