//! Reads scenario files (SPEC §3): parses the JSON, validates every request as the ECS API would
//! on its content alone, and lowers it into the engine's [`ecsim_engine::Scenario`].
//!
//! The scenario format's serde-free types live here at the edge: the file is parsed into a
//! `serde_json::Value` and walked by hand against tables of the fields each ECS request accepts,
//! so that unknown fields are errors, ignored fields are listed, and every error carries its JSON
//! path, line and column. References (clusters, task definitions, services, task sets, capacity
//! providers, instance types, AMIs) resolve in (at, file index) order: an action may only name
//! what an earlier action defined. The loader also assigns task set ids, so that later actions
//! can name them.
//!
//! ```
//! let loaded = ecsim_scenario::load(r#"{
//!     "schemaVersion": 1,
//!     "name": "hello",
//!     "actions": [ { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod", "tags": [] } } ]
//! }"#).unwrap();
//! assert_eq!(loaded.scenario.name, "hello");
//! assert_eq!(loaded.ignored_fields, vec!["actions[0].input.tags".to_string()]);
//!
//! let errors = ecsim_scenario::load(r#"{"schemaVersion": 2, "name": "x", "actions": []}"#).unwrap_err();
//! assert_eq!(errors[0].to_string(),
//!     "1:19: schemaVersion: unsupported schemaVersion 2; this ecsim reads schemaVersion 1 (found 2)");
//! ```

mod actions;
mod assertions;
mod cx;
mod duration;
mod error;
mod locate;
pub mod overrides;
mod path;
mod placement;
mod refs;
mod simulation;
pub mod sweep;
mod top;

pub use duration::{parse_duration, parse_start_time};
pub use error::ScenarioError;
pub use locate::locate;

use sha2::{Digest, Sha256};

/// A scenario file, validated and lowered.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: ecsim_engine::Scenario,
    /// Every accepted-but-ignored field path, each once, in document order, e.g.
    /// `actions[2].input.containerDefinitions[0].logConfiguration`.
    pub ignored_fields: Vec<String>,
    /// sha256 of the scenario bytes, lowercase hex.
    pub sha256: String,
}

/// The message for a file with nothing in it.
const EMPTY: &str =
    "the file is empty; expected a JSON object with schemaVersion, name and actions";

/// Parses, validates and lowers a scenario file. On failure, returns every error found, in
/// document order (never an empty list). Never panics, whatever the input.
pub fn load(src: &str) -> Result<Loaded, Vec<ScenarioError>> {
    let sha256 = sha256_hex(src.as_bytes());
    // RULE: a UTF-8 byte order mark is skipped (editors do not count it as a column).
    let text = src.strip_prefix('\u{feff}').unwrap_or(src);
    if text.trim().is_empty() {
        return Err(vec![whole_document(EMPTY.to_string())]);
    }
    let doc: serde_json::Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return Err(vec![json_error(text, &e)]),
    };
    let index = locate::Index::new(text);
    let mut cx = cx::Cx::default();
    duplicate_keys(&mut cx, &index);
    lower_document(cx, &doc, sha256, (text, &index), &index)
}

/// Reports every key written twice in one object of the indexed text.
fn duplicate_keys(cx: &mut cx::Cx, index: &locate::Index) {
    for (path, pos) in &index.duplicates {
        // RULE: a key written twice in one object is an error (serde_json would keep the last).
        cx.error_at(
            path,
            *pos,
            "duplicate key; each field may appear once in an object",
        );
    }
}

/// Lowers a parsed document: its errors are located in `errors_in` (a text and its index, which
/// need not be the document's own text: the overrides' original file), its ignored fields are
/// ordered by `ignored_in`, the index of the document's own text.
fn lower_document(
    mut cx: cx::Cx,
    doc: &serde_json::Value,
    sha256: String,
    errors_in: (&str, &locate::Index),
    ignored_in: &locate::Index,
) -> Result<Loaded, Vec<ScenarioError>> {
    let scenario = top::lower(&mut cx, doc);
    let errors = cx.finish_errors(errors_in.0, errors_in.1);
    match scenario {
        Some(scenario) if errors.is_empty() => Ok(Loaded {
            scenario,
            ignored_fields: cx.finish_ignored(ignored_in),
            sha256,
        }),
        _ if errors.is_empty() => Err(vec![whole_document(
            "the scenario could not be read (an internal error of ecsim: please report it)"
                .to_string(),
        )]),
        _ => Err(errors),
    }
}

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads `src` (JSON) with `read`, the same validation a scenario's request gets, and returns the
/// value or every error, located in `src`. For command-line options that take an API fragment.
fn fragment<T>(
    src: &str,
    read: impl FnOnce(&mut cx::Cx, &serde_json::Value, &path::Path) -> T,
) -> Result<T, Vec<ScenarioError>> {
    let doc: serde_json::Value =
        serde_json::from_str(src).map_err(|e| vec![json_error(src, &e)])?;
    let index = locate::Index::new(src);
    let mut cx = cx::Cx::default();
    let value = read(&mut cx, &doc, &path::Path::root());
    let errors = cx.finish_errors(src, &index);
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

/// Parses an API `placementStrategy` array exactly as a RunTask request's (`ecsim explain --strategy`).
pub fn parse_placement_strategy(
    src: &str,
) -> Result<Vec<ecsim_placement::PlacementStrategy>, Vec<ScenarioError>> {
    fragment(src, placement::strategies)
}

/// Parses an API `placementConstraints` array exactly as a RunTask request's
/// (`ecsim explain --constraints`).
pub fn parse_placement_constraints(
    src: &str,
) -> Result<Vec<ecsim_model::PlacementConstraint>, Vec<ScenarioError>> {
    fragment(src, |cx, v, p| {
        placement::constraints(cx, v, p, placement::ConstraintSite::Request)
    })
}

fn whole_document(message: String) -> ScenarioError {
    ScenarioError {
        path: String::new(),
        line: None,
        column: None,
        value: None,
        message,
    }
}

/// A serde_json syntax error, with its line and its column counted in characters.
fn json_error(text: &str, e: &serde_json::Error) -> ScenarioError {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(at) => &full[..at],
        None => full.as_str(),
    };
    let line = e.line();
    let column = if line == 0 {
        None
    } else {
        // serde_json counts bytes; count characters instead.
        let line_text = text.split('\n').nth(line - 1).unwrap_or("");
        let mut bytes = e.column().min(line_text.len());
        while bytes > 0 && !line_text.is_char_boundary(bytes) {
            bytes -= 1;
        }
        Some(line_text[..bytes].chars().count().max(1))
    };
    ScenarioError {
        path: String::new(),
        line: (line > 0).then_some(line),
        column,
        value: None,
        message: format!(
            "the file is not valid JSON: {message}{}",
            json_hint(text, line)
        ),
    }
}

/// A hint for the usual causes of a JSON syntax error: comments and stray commas.
fn json_hint(text: &str, line: usize) -> &'static str {
    let line_text = text.split('\n').nth(line.saturating_sub(1)).unwrap_or("");
    let near = line_text.trim();
    if near.starts_with("//") || near.starts_with("/*") || near.contains(" //") {
        "; JSON has no comments: remove them, or put notes in the scenario's \"description\""
    } else if near.contains(",,")
        || near.starts_with(',')
        || near.contains(", }")
        || near.contains(",}")
        || near.contains(",]")
        || near.contains(", ]")
    {
        "; JSON allows no doubled or trailing commas"
    } else {
        ""
    }
}
