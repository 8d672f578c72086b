//! The scenario's `assertions` (SPEC §3): what a run must show, each naming only clusters,
//! services and capacity providers that some action of the scenario creates.

use crate::cx::{as_array, object, unknown_message, Cx, Field, Fold, Obj};
use crate::path::Path;
use crate::refs::Refs;
use ecsim_engine::Assertion;
use ecsim_kernel::{SimDuration, SimTime};
use serde_json::Value;

use Field::Used;

/// The assertion types, in the order SPEC §3 shows them.
pub(crate) const ASSERTIONS: [&str; 8] = [
    "minHealthyTasks",
    "deploymentCompletes",
    "serviceSteadyBy",
    "maxPlacementFailures",
    "maxActionErrors",
    "maxInstances",
    "maxCostPerHour",
    "maxTasksProvisioning",
];

pub(crate) fn read(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    refs: &Refs,
    horizon: Option<SimDuration>,
) -> Vec<Assertion> {
    let Some(items) = as_array(cx, value, path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Value::Object(map) = item else {
            cx.error_value(&p, item, "expected an assertion object like {\"type\": \"maxPlacementFailures\", \"atMost\": 0}");
            continue;
        };
        let kind_value = map.get("type").filter(|v| !v.is_null());
        let Some(kind) = kind_value.and_then(Value::as_str) else {
            match kind_value {
                Some(v) => {
                    cx.error_value(&p.key("type"), v, "expected the assertion type as a string")
                }
                None => cx.error(
                    &p.key("type"),
                    "missing required field 'type'; e.g. \"type\": \"maxPlacementFailures\"",
                ),
            }
            continue;
        };
        let assertion = match kind {
            "maxPlacementFailures" | "maxActionErrors" => count_assertion(cx, item, &p, kind),
            "minHealthyTasks" | "deploymentCompletes" | "serviceSteadyBy" => {
                service_assertion(cx, item, &p, kind, refs, horizon)
            }
            "maxInstances" | "maxCostPerHour" | "maxTasksProvisioning" => {
                capacity_assertion(cx, item, &p, kind, refs)
            }
            other => {
                cx.error_value(
                    &p.key("type"),
                    kind_value.unwrap_or(&Value::Null),
                    unknown_message("assertion type", other, &ASSERTIONS),
                );
                None
            }
        };
        out.extend(assertion);
    }
    out
}

/// The fields an assertion of type `kind` (one of [`ASSERTIONS`]) accepts.
pub(crate) fn fields_of(kind: &str) -> Vec<(&'static str, Field)> {
    let own: &[&str] = match kind {
        "minHealthyTasks" => &["cluster", "service", "atLeast", "from", "until"],
        "deploymentCompletes" => &["cluster", "service", "within"],
        "serviceSteadyBy" => &["cluster", "service", "by"],
        "maxInstances" => &["cluster", "capacityProvider", "atMost"],
        "maxCostPerHour" | "maxPlacementFailures" | "maxActionErrors" => &["atMost"],
        _ => &["cluster", "atMost"],
    };
    std::iter::once("type")
        .chain(own.iter().copied())
        .map(|f| (f, Used))
        .collect()
}

/// maxPlacementFailures and maxActionErrors: `atMost`, required.
fn count_assertion(cx: &mut Cx, item: &Value, p: &Path, kind: &str) -> Option<Assertion> {
    let a = object(cx, item, p, "an assertion", &fields_of(kind))?;
    if !a.has("atMost") {
        a.missing(cx, "atMost", "the most allowed, e.g. \"atMost\": 0");
        return None;
    }
    let n = a.int(cx, "atMost", 0, i64::MAX, None)? as u64;
    Some(if kind == "maxActionErrors" {
        Assertion::MaxActionErrors { at_most: n }
    } else {
        Assertion::MaxPlacementFailures { at_most: n }
    })
}

/// maxInstances (`cluster`, `capacityProvider`), maxTasksProvisioning (`cluster`) and
/// maxCostPerHour: the names optional (absent: the whole run), each naming a cluster or an Auto
/// Scaling group provider that some action of the scenario creates, and `atMost` required (a
/// count, or for maxCostPerHour dollars per hour, at least 0).
fn capacity_assertion(
    cx: &mut Cx,
    item: &Value,
    p: &Path,
    kind: &str,
    refs: &Refs,
) -> Option<Assertion> {
    let a = object(cx, item, p, "an assertion", &fields_of(kind))?;
    let errors = cx.error_count();
    let mut cluster = None;
    if let Some(text) = a.str(cx, "cluster") {
        match refs.created_cluster(text) {
            Ok(name) => cluster = Some(name),
            Err(message) => a.error_reference(cx, "cluster", format!("cluster {text}"), message),
        }
    }
    let mut capacity_provider = None;
    if let Some(text) = a.str(cx, "capacityProvider") {
        match refs.created_provider(text) {
            Ok(name) => capacity_provider = Some(name),
            Err(message) => a.error_reference(
                cx,
                "capacityProvider",
                format!("capacity provider {text}"),
                message,
            ),
        }
    }
    if !a.has("atMost") {
        let hint = if kind == "maxCostPerHour" {
            "the most dollars per hour allowed, e.g. \"atMost\": 2.5"
        } else {
            "the most allowed, e.g. \"atMost\": 10"
        };
        a.missing(cx, "atMost", hint);
        return None;
    }
    let assertion = if kind == "maxCostPerHour" {
        let at_most = a.number(cx, "atMost")?;
        if at_most < 0.0 {
            a.error_field(cx, "atMost", "expected at least 0 dollars per hour");
            return None;
        }
        Assertion::MaxCostPerHour { at_most }
    } else {
        let at_most = a.u32(cx, "atMost")?;
        if kind == "maxInstances" {
            Assertion::MaxInstances {
                cluster,
                capacity_provider,
                at_most,
            }
        } else {
            Assertion::MaxTasksProvisioning { cluster, at_most }
        }
    };
    (cx.error_count() == errors).then_some(assertion)
}

/// A required duration field of an assertion.
fn required_duration(cx: &mut Cx, a: &Obj<'_>, name: &str, hint: &str) -> Option<SimDuration> {
    if !a.has(name) {
        a.missing(cx, name, hint);
        return None;
    }
    a.duration(cx, name)
}

/// A time point of an assertion, which must not be after the horizon (RULE: it would never be
/// reached, so the assertion could not be evaluated as written).
fn within_horizon(
    cx: &mut Cx,
    a: &Obj<'_>,
    name: &str,
    at: Option<SimDuration>,
    horizon: Option<SimDuration>,
) -> Option<SimDuration> {
    let at = at?;
    if let Some(h) = horizon {
        if at.ms() > h.ms() {
            cx.error_folded(
                Fold::AfterHorizon,
                &a.at(name),
                a.get(name).unwrap_or(&Value::Null),
                format!(
                    "{name} is {} ms, after the horizon ({} ms), so the run never reaches it; make it earlier or raise horizon",
                    at.ms(),
                    h.ms()
                ),
            );
            return None;
        }
    }
    Some(at)
}

/// minHealthyTasks, deploymentCompletes and serviceSteadyBy: a `cluster` (default `default`) and
/// a `service` that some action of the scenario creates in it, plus their own fields.
fn service_assertion(
    cx: &mut Cx,
    item: &Value,
    p: &Path,
    kind: &str,
    refs: &Refs,
    horizon: Option<SimDuration>,
) -> Option<Assertion> {
    let a = object(cx, item, p, "an assertion", &fields_of(kind))?;
    let errors = cx.error_count();
    let cluster_text = match a.get("cluster") {
        Some(_) => a.str(cx, "cluster"),
        None => Some("default"),
    };
    let service_text = a.req_str(cx, "service", "the name of a service the scenario creates");
    let names = match (cluster_text, service_text) {
        (Some(c), Some(s)) => match refs.created_service(c, s) {
            Ok(names) => Some(names),
            Err((field, message)) => {
                let name = match field {
                    "service" => format!("service {c}/{s}"),
                    _ => format!("cluster {c}"),
                };
                a.error_reference(cx, field, name, message);
                None
            }
        },
        _ => None,
    };
    let assertion = match kind {
        "minHealthyTasks" => {
            let at_least = if a.has("atLeast") {
                a.u32(cx, "atLeast")
            } else {
                a.missing(
                    cx,
                    "atLeast",
                    "the fewest healthy tasks allowed, e.g. \"atLeast\": 4",
                );
                None
            };
            let from = a.duration(cx, "from").unwrap_or(SimDuration::ZERO);
            let from = within_horizon(cx, &a, "from", Some(from), horizon);
            let until = a.duration(cx, "until");
            if let (Some(f), Some(u)) = (from, until) {
                if u < f {
                    // RULE: an empty window is a mistake in the scenario.
                    a.error_field(cx, "until", "until must not be before from");
                }
            }
            let (cluster, service) = names?;
            Assertion::MinHealthyTasks {
                cluster,
                service,
                at_least: at_least?,
                from: SimTime(from?.ms()),
                until: until.map(|u| SimTime(u.ms())),
            }
        }
        "deploymentCompletes" => {
            let within = required_duration(
                cx,
                &a,
                "within",
                "how long each deployment may take to complete, e.g. \"within\": \"15m\"",
            );
            let (cluster, service) = names?;
            Assertion::DeploymentCompletes {
                cluster,
                service,
                within: within?,
            }
        }
        _ => {
            let by = required_duration(
                cx,
                &a,
                "by",
                "the time by which the service is steady, e.g. \"by\": \"20m\"",
            );
            let by = within_horizon(cx, &a, "by", by, horizon);
            let (cluster, service) = names?;
            Assertion::ServiceSteadyBy {
                cluster,
                service,
                by: SimTime(by?.ms()),
            }
        }
    };
    (cx.error_count() == errors).then_some(assertion)
}
