//! The AWS API model of the ECS requests ecsim reads: botocore's `ecs` service model
//! (`model/ecs-2014-11-13.json`, trimmed to the shapes of the actions in scope), embedded in the
//! binary and parsed once, at first use.
//!
//! The model supplies every member a request may have, its JSON type, enum values and ranges; the
//! loader's own tables say only what ecsim does with a member (`Used`, `Checked`), so a body a
//! current `aws ecs <action> --generate-cli-skeleton` prints is accepted as it is. Members the
//! loader does not read are checked against the model here and listed under `ignoredFields`.

use crate::cx::{closest, unknown_message, Cx};
use crate::path::Path;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The trimmed botocore model (Apache-2.0, see `model/LICENSE` and `model/README.md`).
const MODEL_JSON: &str = include_str!("../model/ecs-2014-11-13.json");

#[derive(Deserialize)]
pub(crate) struct Model {
    operations: BTreeMap<String, Operation>,
    pub(crate) shapes: BTreeMap<String, Shape>,
}

#[derive(Deserialize)]
struct Operation {
    input: String,
}

#[derive(Deserialize)]
pub(crate) struct Ref {
    pub(crate) shape: String,
}

/// One shape of the model: `type` is botocore's (`structure`, `list`, `map`, `string`,
/// `integer`, `long`, `double`, `boolean`).
#[derive(Deserialize)]
pub(crate) struct Shape {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) members: BTreeMap<String, Ref>,
    #[serde(default)]
    pub(crate) required: Vec<String>,
    #[serde(default, rename = "enum")]
    pub(crate) values: Vec<String>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) member: Option<Ref>,
    pub(crate) value: Option<Ref>,
}

/// The model, parsed at first use. The embedded text is part of the program, so a parse failure
/// is a bug (the model test parses it).
pub(crate) fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| serde_json::from_str(MODEL_JSON).expect("the embedded ECS model parses"))
}

impl Model {
    /// The request shape of `action`, when the model has the action.
    pub(crate) fn input(&self, action: &str) -> Option<&str> {
        self.operations.get(action).map(|o| o.input.as_str())
    }

    /// The actions the model describes, by name.
    #[cfg(test)]
    pub(crate) fn actions(&self) -> impl Iterator<Item = &str> {
        self.operations.keys().map(String::as_str)
    }

    pub(crate) fn shape(&self, name: &str) -> &Shape {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("the ECS model has no shape {name}"))
    }
}

/// Checks `value` (at `path`) against the model's shape `shape`, the member the API reference names
/// `member` (`DeploymentConfiguration.bakeTimeInMinutes`), which messages quote: JSON type, enum values, numeric
/// ranges, lengths of strings and lists, members of structures (unknown ones are errors, required
/// ones must be given). JSON `null` counts as absent, as everywhere in the loader.
///
/// API: the model's constraints are the ones the ECS API validates a request with; ecsim reads
/// nothing here, it only refuses what ECS would refuse.
pub(crate) fn check(cx: &mut Cx, value: &Value, path: &Path, shape: &str, member: &str) {
    let s = model().shape(shape);
    let api = |what: &str| format!("{what} (API model: {member})");
    match s.kind.as_str() {
        "structure" => {
            let Value::Object(map) = value else {
                cx.error_value(path, value, api("expected an object"));
                return;
            };
            let names: Vec<&str> = s.members.keys().map(String::as_str).collect();
            for (key, v) in map {
                match s.members.get(key) {
                    Some(_) if v.is_null() => {}
                    Some(r) => check(cx, v, &path.key(key), &r.shape, &format!("{shape}.{key}")),
                    None => cx.error_key(&path.key(key), unknown_message("field", key, &names)),
                }
            }
            for name in &s.required {
                let given = map.get(name).is_some_and(|v| !v.is_null());
                // A misspelled member stands for the member it names (one mistake, one error).
                let misspelled = map
                    .keys()
                    .any(|k| !s.members.contains_key(k) && closest(k, &names) == Some(name));
                if !given && !misspelled {
                    cx.error(
                        &path.key(name),
                        format!("missing required field '{name}' (API model: {shape})"),
                    );
                }
            }
        }
        "list" => {
            let Value::Array(items) = value else {
                cx.error_value(path, value, api("expected an array"));
                return;
            };
            if !within(items.len() as f64, s) {
                cx.error_value(path, value, api(&range("entries", s)));
            }
            let item = s.member.as_ref().map(|r| r.shape.as_str()).unwrap_or("");
            for (i, v) in items.iter().enumerate() {
                if !v.is_null() && !item.is_empty() {
                    check(cx, v, &path.index(i), item, member);
                }
            }
        }
        "map" => {
            let Value::Object(map) = value else {
                cx.error_value(path, value, api("expected an object"));
                return;
            };
            if !within(map.len() as f64, s) {
                cx.error_value(path, value, api(&range("entries", s)));
            }
            if let Some(r) = &s.value {
                for (k, v) in map {
                    if !v.is_null() {
                        check(cx, v, &path.key(k), &r.shape, member);
                    }
                }
            }
        }
        "string" => {
            let Value::String(text) = value else {
                cx.error_value(path, value, api("expected a string"));
                return;
            };
            if !s.values.is_empty() && !s.values.iter().any(|v| v == text) {
                let expected = format!("expected one of {}", s.values.join(", "));
                cx.error_value(path, value, api(&expected));
            } else if !within(text.chars().count() as f64, s) {
                cx.error_value(path, value, api(&range("characters", s)));
            }
        }
        "integer" | "long" => match value.as_i64() {
            Some(n) if value.is_i64() || value.is_u64() => {
                if !within(n as f64, s) {
                    cx.error_value(path, value, api(&range("", s)));
                }
            }
            _ => cx.error_value(path, value, api("expected an integer")),
        },
        "double" => match value.as_f64() {
            Some(x) if x.is_finite() => {
                if !within(x, s) {
                    cx.error_value(path, value, api(&range("", s)));
                }
            }
            _ => cx.error_value(path, value, api("expected a number")),
        },
        "boolean" => {
            if !value.is_boolean() {
                cx.error_value(path, value, api("expected true or false"));
            }
        }
        // The trimmed model has no other types (timestamps and blobs are in responses only).
        other => cx.error_value(path, value, format!("the model's type {other} is not read")),
    }
}

fn within(x: f64, s: &Shape) -> bool {
    s.min.is_none_or(|min| x >= min) && s.max.is_none_or(|max| x <= max)
}

/// "expected from 1 to 10 entries", "expected at least 1 characters", "expected from 0 to 100".
fn range(unit: &str, s: &Shape) -> String {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    match (s.min, s.max) {
        (Some(min), Some(max)) => format!("expected from {min} to {max}{unit}"),
        (Some(min), None) => format!("expected at least {min}{unit}"),
        (None, Some(max)) => format!("expected at most {max}{unit}"),
        (None, None) => "expected a value".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_has_every_ecs_action_in_scope() {
        let m = model();
        for action in crate::actions::SUPPORTED {
            if crate::actions::SIMULATOR_ACTIONS.contains(&action)
                || action == "DescribeInstanceImageMetadata"
            {
                assert!(m.input(action).is_none(), "{action}");
            } else {
                let input = m.input(action).unwrap_or_else(|| panic!("{action}"));
                assert_eq!(m.shape(input).kind, "structure");
            }
        }
        // Every shape a shape names is in the trimmed model.
        for s in m.shapes.values() {
            for r in s.members.values().chain(&s.member).chain(&s.value) {
                m.shape(&r.shape);
            }
        }
    }

    /// A body with every member of `shape`, each value the first the model allows: what
    /// `--generate-cli-skeleton` prints, filled in.
    pub(crate) fn skeleton(shape: &str, depth: usize) -> Value {
        let s = model().shape(shape);
        let bound = |x: Option<f64>, default: f64| x.unwrap_or(default);
        match s.kind.as_str() {
            "structure" => Value::Object(
                s.members
                    .iter()
                    .filter(|_| depth < 12)
                    .map(|(k, r)| (k.clone(), skeleton(&r.shape, depth + 1)))
                    .collect(),
            ),
            "list" => {
                let n = bound(s.min, 1.0).max(1.0) as usize;
                let member = &s.member.as_ref().expect("a list's member").shape;
                Value::Array((0..n).map(|_| skeleton(member, depth + 1)).collect())
            }
            "map" => {
                let value = &s.value.as_ref().expect("a map's value").shape;
                let mut map = serde_json::Map::new();
                map.insert("key".to_string(), skeleton(value, depth + 1));
                Value::Object(map)
            }
            "string" => match s.values.first() {
                Some(v) => Value::String(v.clone()),
                None => Value::String("x".repeat(bound(s.min, 1.0).max(1.0) as usize)),
            },
            "integer" | "long" => Value::from(bound(s.min, 1.0) as i64),
            "double" => Value::from(bound(s.min, 1.0)),
            "boolean" => Value::Bool(false),
            other => panic!("{other}"),
        }
    }

    /// For every ECS action in scope, a body with every member the model defines loads, or is
    /// refused only for what the loader itself checks (references, limits, combinations): no
    /// member is unknown, and no value the model allows is refused by the model's check.
    #[test]
    fn every_member_the_model_defines_is_accepted() {
        let mut refused = Vec::new();
        for action in model().actions() {
            let input = skeleton(model().input(action).unwrap(), 0);
            let scenario = serde_json::json!({
                "schemaVersion": 1,
                "name": "skeleton",
                "actions": [
                    { "at": 0, "action": "CreateCluster", "input": {} },
                    { "at": 1, "action": action, "input": input }
                ]
            });
            let Err(errors) = crate::load(&scenario.to_string()) else {
                continue;
            };
            for e in errors {
                if e.message.starts_with("unknown field") || e.message.contains("(API model: ") {
                    refused.push(format!("{action}: {e}"));
                }
            }
        }
        assert!(refused.is_empty(), "{}", refused.join("\n"));
    }
}
