//! The small edit the planner makes to a scenario's JSON before loading it, so that every variant
//! goes through the loader's validation: set members named by RFC 6901 JSON Pointers (the fleet's
//! instance type and count) and append the fault action to `actions`. Private to the plan module:
//! only what the planner needs.

use serde_json::Value;

/// One RFC 6901 reference token, unescaped (`~1` is `/`, `~0` is `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Sets the member or element `pointer` names to `value`. Its parent must exist; an object member
/// is created if absent, an array element must exist.
pub(super) fn set(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    if pointer.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = pointer
        .rsplit_once('/')
        .ok_or_else(|| format!("{pointer}: a JSON Pointer starts with /"))?;
    let last = unescape(last);
    match doc.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(last, value);
            Ok(())
        }
        Some(Value::Array(a)) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a[i] = value;
                Ok(())
            }
            _ => Err(format!(
                "{pointer}: the array has {} elements; no element {last}",
                a.len()
            )),
        },
        Some(_) => Err(format!(
            "{pointer}: {parent} is neither an object nor an array"
        )),
        None => Err(format!("{pointer}: {parent} names nothing in the scenario")),
    }
}

/// Appends `value` to the array `pointer` names.
pub(super) fn push(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    match doc.pointer_mut(pointer) {
        Some(Value::Array(a)) => {
            a.push(value);
            Ok(())
        }
        _ => Err(format!("{pointer}: not an array in the scenario")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_replaces_creates_and_refuses() {
        let mut doc = json!({"actions": [{"input": {"count": 3}}, {"input": {}}], "a/b": {"~": 1}});
        set(&mut doc, "/actions/0/input/count", json!(12)).unwrap();
        set(
            &mut doc,
            "/actions/1/input/instanceType",
            json!("m6i.xlarge"),
        )
        .unwrap();
        set(&mut doc, "/a~1b/~0", json!(2)).unwrap();
        assert_eq!(doc["actions"][0]["input"]["count"], 12);
        assert_eq!(doc["actions"][1]["input"]["instanceType"], "m6i.xlarge");
        assert_eq!(doc["a/b"]["~"], 2);
        assert!(set(&mut doc, "/actions/2/input", json!(1)).is_err());
        assert!(set(&mut doc, "/actions/9", json!(1)).is_err());
        assert!(set(&mut doc, "/actions/0/input/count/x", json!(1)).is_err());
        assert!(set(&mut doc, "no-slash", json!(1)).is_err());
        set(&mut doc, "", json!([])).unwrap();
        assert_eq!(doc, json!([]));
    }

    #[test]
    fn push_appends_to_an_array_only() {
        let mut doc = json!({"actions": [1], "name": "x"});
        push(&mut doc, "/actions", json!(2)).unwrap();
        assert_eq!(doc["actions"], json!([1, 2]));
        assert!(push(&mut doc, "/name", json!(3)).is_err());
        assert!(push(&mut doc, "/missing", json!(3)).is_err());
    }
}
