//! A scenario as a document (the JSON `ecsim run` reads) and as the loader lowered it.

use crate::{Error, Outcome};
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

    /// The same scenario with its value at `pointer` (RFC 6901, e.g.
    /// `/actions/3/input/placementStrategy`) replaced by `value`, validated again: what
    /// `ecsim run --set POINTER=JSON` and a sweep variant do. A pointer that names nothing is an
    /// error; to add a member, point at its object.
    pub fn set(&self, pointer: &str, value: Value) -> Result<Scenario, Error> {
        let mut doc = self.doc.clone();
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(Error::Pointer {
                pointer: pointer.to_string(),
                message: "a JSON Pointer starts with '/' (RFC 6901)".to_string(),
            });
        }
        match doc.pointer_mut(pointer) {
            Some(slot) => *slot = value,
            None => {
                return Err(Error::Pointer {
                    pointer: pointer.to_string(),
                    message: "names nothing in the scenario".to_string(),
                })
            }
        }
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
