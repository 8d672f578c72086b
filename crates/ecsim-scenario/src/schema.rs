//! `ecsim schema` (SPEC §13.4): a JSON Schema (draft 2020-12) of the scenario format, generated
//! from the tables the loader reads with and from the API model, so that it says what the loader
//! accepts in shape.
//!
//! The schema knows the shape of a file only: members, JSON types, enums, ranges and required
//! members. References, limits and combinations of fields are the loader's alone, so a file the
//! schema accepts may still be refused by `ecsim validate`; a file refused for its shape is refused
//! by both.

use crate::actions::WITH_SIMULATION;
use crate::actions::{faults, simulator, ENVELOPE_FIELDS, SIMULATOR_ACTIONS, SUPPORTED};
use crate::assertions::{fields_of, ASSERTIONS};
use crate::cx::Field;
use crate::model::{model, Shape};
use crate::simulation;
use crate::top::TOP_FIELDS;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The JSON Schema of a scenario file (schemaVersion 1).
pub fn schema() -> Value {
    let mut defs = Map::new();
    defs.insert(
        "duration".to_string(),
        json!({
            "description": "a number of seconds, or a string with one unit: \"500ms\", \"90s\", \"15m\", \"2h\", \"1d\"",
            "anyOf": [ { "type": "number", "minimum": 0 }, { "type": "string" } ]
        }),
    );
    let action = action(&mut defs);
    defs.insert("action".to_string(), action);
    defs.insert("assertion".to_string(), assertion());
    let properties: Map<String, Value> = TOP_FIELDS
        .iter()
        .map(|(name, _)| (name.to_string(), top_field(name)))
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ecsim scenario (schemaVersion 1)",
        "type": "object",
        "required": ["schemaVersion", "name", "actions"],
        "additionalProperties": false,
        "properties": properties,
        "$defs": defs,
    })
}

/// A top-level field's schema (SPEC §3).
fn top_field(name: &str) -> Value {
    match name {
        "schemaVersion" => json!({ "const": 1 }),
        "name" | "description" | "region" | "accountId" | "startTime" => {
            json!({ "type": "string" })
        }
        "seed" => json!({ "type": "integer", "minimum": 0 }),
        "horizon" | "sampleInterval" => json!({ "$ref": "#/$defs/duration" }),
        "timings" => json!({
            "type": "object",
            "additionalProperties": false,
            "properties": crate::simulation::TIMING_KEYS
                .iter()
                .map(|k| (k.to_string(), json!({ "$ref": "#/$defs/duration" })))
                .collect::<Map<String, Value>>(),
        }),
        "subnets" => json!({ "type": "object", "additionalProperties": { "type": "string" } }),
        "instanceTypes" => json!({ "type": "array", "items": { "type": "object" } }),
        // An AMI's metadata as an object, or as the JSON string of an SSM parameter's `Value`.
        "amis" => json!({
            "type": "array",
            "items": { "anyOf": [ { "type": "object" }, { "type": "string" } ] }
        }),
        "ssmParameters" => json!({
            "type": "array",
            "items": {
                "type": "object",
                "required": ["Name", "Type", "Value"],
                "additionalProperties": false,
                "properties": {
                    "Name": { "type": "string" },
                    "Type": { "const": "String" },
                    "Value": { "type": "string" },
                    "Version": { "type": "integer", "minimum": 1 },
                    "ARN": true,
                    "LastModifiedDate": true,
                    "DataType": true
                }
            }
        }),
        "pricing" => json!({ "type": "object" }),
        "actions" => json!({ "type": "array", "items": { "$ref": "#/$defs/action" } }),
        "assertions" => json!({ "type": "array", "items": { "$ref": "#/$defs/assertion" } }),
        // A field the schema does not describe further.
        _ => json!(true),
    }
}

/// An action: its envelope, and for each action its `input` (the API model's request shape, or
/// the simulator's own table) and whether it takes a `simulation` block.
fn action(defs: &mut Map<String, Value>) -> Value {
    let properties: Map<String, Value> = ENVELOPE_FIELDS
        .iter()
        .map(|(name, _)| {
            let s = match *name {
                "at" => json!({ "$ref": "#/$defs/duration" }),
                "action" => json!({ "enum": SUPPORTED.to_vec() }),
                "label" => json!({ "type": "string", "maxLength": 256 }),
                _ => json!({ "type": "object" }),
            };
            (name.to_string(), s)
        })
        .collect();
    let mut cases = Vec::new();
    for name in SUPPORTED {
        let input = match model().input(name) {
            Some(shape) => {
                add_shape(defs, shape);
                json!({ "$ref": format!("#/$defs/{shape}") })
            }
            None if name == "DescribeInstanceImageMetadata" => image_metadata_request(),
            None => table(simulator_fields(name)),
        };
        let mut then = json!({ "properties": { "input": input } });
        match simulation_fields(name) {
            Some(fields) => then["properties"]["simulation"] = table(&fields),
            None => then["not"] = json!({ "required": ["simulation"] }),
        }
        cases.push(json!({
            "if": { "properties": { "action": { "const": name } }, "required": ["action"] },
            "then": then,
        }));
    }
    json!({
        "type": "object",
        "required": ["at", "action"],
        "additionalProperties": false,
        "properties": properties,
        "allOf": cases,
    })
}

/// The members of the action's `simulation` block, when it takes one.
fn simulation_fields(name: &str) -> Option<Vec<(&'static str, Field)>> {
    if !WITH_SIMULATION.contains(&name) {
        return None;
    }
    Some(match name {
        "LaunchContainerInstances" => simulation::LAUNCH_SIMULATION_FIELDS.to_vec(),
        "CreateCluster" => simulation::CLUSTER_SIMULATION_FIELDS.to_vec(),
        "CreateCapacityProvider" => crate::actions::capacity::SIMULATION_FIELDS.to_vec(),
        "CreateService" => {
            // The service's load balancer targets (`loadBalancer`) beside the task's members.
            let mut fields = simulation::task_simulation_fields();
            fields.push(("loadBalancer", Field::Used));
            fields
        }
        _ => simulation::task_simulation_fields(),
    })
}

/// The input table of one of the simulator's own actions.
fn simulator_fields(name: &str) -> &'static [(&'static str, Field)] {
    debug_assert!(SIMULATOR_ACTIONS.contains(&name));
    match name {
        "DrainContainerInstances" => &simulator::DRAIN_FIELDS,
        "LaunchContainerInstances" => &simulator::LAUNCH_FIELDS,
        "TerminateContainerInstances" => &simulator::TERMINATE_FIELDS,
        "DisconnectAgent" | "ReconnectAgent" => &simulator::AGENT_FIELDS,
        "Snapshot" => &simulator::SNAPSHOT_FIELDS,
        "InterruptSpot" => &faults::INTERRUPT_SPOT_FIELDS,
        "StartInstanceRefresh" => &crate::actions::refresh::REFRESH_FIELDS,
        "FailAvailabilityZone" | "RestoreAvailabilityZone" => &faults::ZONE_FIELDS,
        other => panic!("no input table for {other}"),
    }
}

/// EC2's DescribeInstanceImageMetadata request (EC2 API; seed 001): not in the ECS model.
fn image_metadata_request() -> Value {
    let names: Vec<&str> = crate::actions::IMAGE_METADATA_FIELDS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    debug_assert_eq!(
        names,
        [
            "Filters",
            "InstanceIds",
            "MaxResults",
            "NextToken",
            "DryRun"
        ]
    );
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "Filters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "Name": { "type": "string" },
                        "Values": { "type": "array", "items": { "type": "string" } }
                    }
                }
            },
            "InstanceIds": { "type": "array", "items": { "type": "string" } },
            "MaxResults": { "type": "integer", "minimum": 1, "maximum": 1000 },
            "NextToken": { "type": "string" },
            "DryRun": { "type": "boolean" }
        }
    })
}

/// An object of exactly the fields of a loader table, their values described by the loader alone.
fn table(fields: &[(&str, Field)]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|(name, _)| (name.to_string(), json!(true)))
        .collect();
    json!({ "type": "object", "additionalProperties": false, "properties": properties })
}

/// An assertion: its `type`, then the fields of that type.
fn assertion() -> Value {
    let cases: Vec<Value> = ASSERTIONS
        .iter()
        .map(|kind| {
            let mut then = table(&fields_of(kind));
            then.as_object_mut().expect("an object").remove("type");
            json!({
                "if": { "properties": { "type": { "const": kind } }, "required": ["type"] },
                "then": then,
            })
        })
        .collect();
    json!({
        "type": "object",
        "required": ["type"],
        "properties": { "type": { "enum": ASSERTIONS.to_vec() } },
        "allOf": cases,
    })
}

/// Adds the model's shape `name` and every shape it reaches to `defs`.
fn add_shape(defs: &mut Map<String, Value>, name: &str) {
    let mut pending = vec![name.to_string()];
    let mut seen: BTreeSet<String> = defs.keys().cloned().collect();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let s = model().shape(&name);
        let refs = s
            .members
            .values()
            .chain(&s.member)
            .chain(&s.value)
            .map(|r| r.shape.clone());
        pending.extend(refs);
        defs.insert(name, shape_schema(s));
    }
}

fn reference(shape: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{shape}") })
}

/// One model shape as JSON Schema.
fn shape_schema(s: &Shape) -> Value {
    let mut out = Map::new();
    fn bound(out: &mut Map<String, Value>, key: &str, x: Option<f64>, integer: bool) {
        if let Some(x) = x {
            let v = if integer { json!(x as i64) } else { json!(x) };
            out.insert(key.to_string(), v);
        }
    }
    match s.kind.as_str() {
        "structure" => {
            let properties: Map<String, Value> = s
                .members
                .iter()
                .map(|(k, r)| (k.clone(), reference(&r.shape)))
                .collect();
            out.insert("type".into(), json!("object"));
            out.insert("properties".into(), Value::Object(properties));
            out.insert("additionalProperties".into(), json!(false));
            if !s.required.is_empty() {
                out.insert("required".into(), json!(s.required));
            }
        }
        "list" => {
            bound(&mut out, "minItems", s.min, true);
            bound(&mut out, "maxItems", s.max, true);
            out.insert("type".into(), json!("array"));
            if let Some(r) = &s.member {
                out.insert("items".into(), reference(&r.shape));
            }
        }
        "map" => {
            bound(&mut out, "minProperties", s.min, true);
            bound(&mut out, "maxProperties", s.max, true);
            out.insert("type".into(), json!("object"));
            if let Some(r) = &s.value {
                out.insert("additionalProperties".into(), reference(&r.shape));
            }
        }
        "string" => {
            bound(&mut out, "minLength", s.min, true);
            bound(&mut out, "maxLength", s.max, true);
            out.insert("type".into(), json!("string"));
            if !s.values.is_empty() {
                out.insert("enum".into(), json!(s.values));
            }
        }
        "integer" | "long" => {
            bound(&mut out, "minimum", s.min, true);
            bound(&mut out, "maximum", s.max, true);
            out.insert("type".into(), json!("integer"));
        }
        "double" => {
            bound(&mut out, "minimum", s.min, false);
            bound(&mut out, "maximum", s.max, false);
            out.insert("type".into(), json!("number"));
        }
        "boolean" => {
            out.insert("type".into(), json!("boolean"));
        }
        _ => {}
    }
    Value::Object(out)
}
