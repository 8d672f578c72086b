//! A scenario as a document (the JSON `ecsim run` reads) and as the loader lowered it.

use crate::{Error, Outcome};
use ecsim_scenario::overrides;
use serde_json::Value;

/// A valid scenario: its JSON document and the loader's lowered form. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Scenario {
    doc: Value,
    loaded: std::sync::Arc<ecsim_scenario::Loaded>,
}

impl Scenario {
    /// Starts a scenario in code; see [`crate::ScenarioBuilder`].
    pub fn builder(name: &str) -> crate::ScenarioBuilder {
        crate::ScenarioBuilder::new(name)
    }

    /// Loads a scenario from its JSON text, as `ecsim validate` does.
    pub fn from_json(text: &str) -> Result<Scenario, Error> {
        let loaded = ecsim_scenario::load(text).map_err(Error::Invalid)?;
        // The loader accepted it, so it is JSON (a byte-order mark aside).
        let doc = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            Error::Invalid(vec![ecsim_scenario::ScenarioError {
                path: String::new(),
                line: Some(e.line()),
                column: Some(e.column()),
                value: None,
                message: e.to_string(),
            }])
        })?;
        Ok(Scenario {
            doc,
            loaded: std::sync::Arc::new(loaded),
        })
    }

    /// Loads a scenario file.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Scenario, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Scenario::from_json(&text)
    }

    /// The scenario's JSON document.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The scenario as the engine runs it.
    pub fn lowered(&self) -> &ecsim_engine::Scenario {
        &self.loaded.scenario
    }

    /// The fields the loader accepted and ignores (`summary.json` `ignoredFields`).
    pub fn ignored_fields(&self) -> &[String] {
        &self.loaded.ignored_fields
    }

    /// The same scenario with the value at `pointer` (RFC 6901, e.g.
    /// `/actions/3/input/placementStrategy`) set to `value`, validated again: a `--set`-style
    /// override, applied by the same code as `ecsim run --set POINTER=JSON` and a sweep variant
    /// ([`ecsim_scenario::overrides`]), so the same pointers work. Every step but the last names a
    /// value that exists; the last names an existing member or array element (replaced), a new
    /// member of an existing object (added after its other members) or `-`, the end of an existing
    /// array (appended). Anything else names nothing and is an [`Error::Pointer`] saying which step
    /// fails. A new member is read by the loader like any field, so a misspelt name is still
    /// refused, as an unknown field ([`Error::Invalid`]).
    ///
    /// ```
    /// # let text = r#"{"schemaVersion": 1, "name": "a", "actions": [
    /// #   {"at": 0, "action": "CreateCluster", "input": {}}]}"#;
    /// let scenario = ecsim::Scenario::from_json(text).unwrap();
    /// // CreateCluster's input has no clusterName: the override adds it, as --set does.
    /// let named = scenario.set("/actions/0/input/clusterName", "prod".into()).unwrap();
    /// assert_eq!(named.document()["actions"][0]["input"]["clusterName"], "prod");
    /// assert!(scenario.set("/actions/1/input", serde_json::json!({})).is_err());
    /// ```
    pub fn set(&self, pointer: &str, value: Value) -> Result<Scenario, Error> {
        let pointer_error = |message: String| Error::Pointer {
            pointer: pointer.to_string(),
            message,
        };
        let tokens = overrides::parse_pointer(pointer).map_err(pointer_error)?;
        let mut doc = self.doc.clone();
        overrides::apply(&mut doc, &tokens, value)
            .map_err(|why| pointer_error(format!("names nothing in the scenario: {why}")))?;
        Scenario::from_value(doc)
    }

    /// The same scenario with another seed.
    pub fn with_seed(&self, seed: u64) -> Scenario {
        let mut doc = self.doc.clone();
        if let Value::Object(map) = &mut doc {
            map.insert("seed".to_string(), Value::from(seed));
        }
        let mut loaded = (*self.loaded).clone();
        loaded.scenario.seed = seed;
        Scenario {
            doc,
            loaded: std::sync::Arc::new(loaded),
        }
    }

    /// Loads a document built in code.
    pub(crate) fn from_value(doc: Value) -> Result<Scenario, Error> {
        let text = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");
        let loaded = ecsim_scenario::load(&text).map_err(Error::Invalid)?;
        Ok(Scenario {
            doc,
            loaded: std::sync::Arc::new(loaded),
        })
    }

    /// Runs the scenario to its horizon, keeping every record in memory (for tests and runs of
    /// moderate size; a large run streams through [`ecsim_engine::Engine::with_sink`]).
    pub fn run(&self) -> Outcome {
        Outcome::new(ecsim_engine::run(&self.loaded.scenario))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEXT: &str = r#"{"schemaVersion": 1, "name": "set", "seed": 3, "actions": [
  {"at": 0, "action": "CreateCluster", "input": {}},
  {"at": 0, "action": "LaunchContainerInstances",
   "input": {"cluster": "default", "instanceType": "m5.large", "count": 2}}]}"#;

    fn scenario() -> Scenario {
        Scenario::from_json(TEXT).unwrap()
    }

    #[test]
    fn set_replaces_adds_members_and_appends_as_set_does() {
        let s = scenario().set("/seed", json!(9)).unwrap();
        assert_eq!(s.lowered().seed, 9);
        let s = scenario()
            .set("/actions/0/input/clusterName", json!("default"))
            .unwrap();
        assert_eq!(
            s.document()["actions"][0]["input"]["clusterName"],
            "default"
        );
        let s = scenario()
            .set(
                "/actions/-",
                json!({"at": 60, "action": "CreateCluster", "input": {"clusterName": "b"}}),
            )
            .unwrap();
        assert_eq!(s.lowered().actions.len(), 3);
    }

    #[test]
    fn set_refuses_what_set_refuses() {
        let err = scenario().set("/actions/5/input", json!({})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/actions/5/input: names nothing in the scenario: /actions is an array and '5' is not one of its indices (it has 2 elements, indices 0 to 1)"
        );
        let err = scenario().set("/action/0", json!({})).unwrap_err();
        assert!(err.to_string().contains("did you mean 'actions'?"), "{err}");
        let Err(Error::Pointer { message, .. }) = scenario().set("seed", json!(1)) else {
            panic!("not a pointer")
        };
        assert!(message.contains("starts with '/'"), "{message}");
        // A new member is a field like any other: a misspelt one is refused by the loader.
        let Err(Error::Invalid(errors)) = scenario().set("/actions/1/input/cont", json!(3)) else {
            panic!("an unknown field")
        };
        assert_eq!(errors[0].path, "actions[1].input.cont");
    }
}
