//! `aws ssm get-parameters` / `get-parameters-by-path` (`Parameters`, seed 000): each
//! parameter's `Value`, the JSON of the ECS-optimized AMI metadata, becomes an `amis` entry.

use super::{req_str, Errors, Item, Notes};
use serde_json::{Map, Value};

/// The `amis` entries, the first for an `image_id` kept.
pub(super) fn amis(items: &[Item], errors: &mut Errors, notes: &mut Notes) -> Vec<Value> {
    let mut amis: Vec<Value> = Vec::new();
    for item in items {
        let Some(text) = req_str(item, "Value", errors) else {
            continue;
        };
        let vpath = format!("{}.Value", item.path);
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) if m.get("image_id").and_then(Value::as_str).is_some() => {
                let mut ami = Map::new();
                for (k, v) in &m {
                    if [
                        "schema_version",
                        "image_id",
                        "image_name",
                        "os",
                        "ecs_agent_version",
                        "ecs_runtime_version",
                    ]
                    .contains(&k.as_str())
                    {
                        ami.insert(k.clone(), v.clone());
                    } else {
                        notes.add(format!("AMI metadata member {k} not carried"));
                    }
                }
                let id = m["image_id"].clone();
                if !amis.iter().any(|a| a["image_id"] == id) {
                    amis.push(Value::Object(ami));
                }
            }
            Ok(_) => errors.push(
                item.file,
                &vpath,
                "expected the JSON of the ECS-optimized AMI metadata, an object with \"image_id\"",
            ),
            Err(e) => errors.push(
                item.file,
                &vpath,
                format!("expected the JSON of the ECS-optimized AMI metadata: {e}"),
            ),
        }
    }
    amis
}
