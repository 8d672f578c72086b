//! Reads scenario files (SPEC §3): parses the JSON, validates every request as the ECS API would
//! on its content alone, and lowers it into the engine's [`ecsim_engine::Scenario`].
//!
//! The scenario format's serde-free types live here at the edge: the file is parsed into a
//! `serde_json::Value` and walked by hand against tables of the fields each ECS request accepts,
//! so that unknown fields are errors, ignored fields are listed, and every error carries its JSON
//! path, line and column ([`ScenarioError::render`] shows it with its source line and a caret).
//! Values that are valid but probably wrong are [`ScenarioWarning`]s of the loaded scenario. References (clusters, task definitions, services, task sets, capacity
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
mod document;
mod duration;
mod error;
mod faults;
mod locate;
mod model;
pub mod overrides;
mod path;
mod placement;
mod refs;
mod schema;
mod simulation;
pub mod sweep;
mod top;

pub use actions::task_definition::request_members as task_definition_members;
pub use document::{MAX_ACTIONS, MAX_ACTION_BYTES, MAX_FIELD_BYTES, MAX_FILE_BYTES};
pub use duration::{parse_duration, parse_start_time};
pub use error::{ScenarioError, ScenarioWarning};
pub use locate::{locate, locate_key};
pub use schema::schema;

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
    /// Values that are valid but probably not what was meant, and notes, in document order.
    pub warnings: Vec<ScenarioWarning>,
}

/// The message for a file with nothing in it.
const EMPTY: &str =
    "the file is empty; expected a JSON object with schemaVersion, name and actions";

/// Reads a scenario file's bytes: UTF-8 text (a byte-order mark allowed), then [`load`]. A file
/// that is not UTF-8 is one error at the line and column of its first byte that is not.
pub fn load_bytes(bytes: &[u8]) -> Result<Loaded, Vec<ScenarioError>> {
    match std::str::from_utf8(bytes) {
        Ok(src) => load(src),
        Err(e) => Err(vec![not_utf8(bytes, &e)]),
    }
}

/// The error for bytes that are not UTF-8: where the first offending byte is, as a line and a
/// column in characters (the valid text before it counts as it reads).
fn not_utf8(bytes: &[u8], e: &std::str::Utf8Error) -> ScenarioError {
    let valid = &bytes[..e.valid_up_to()];
    // The bytes before the error are valid UTF-8, so this never falls back.
    let before = std::str::from_utf8(valid).unwrap_or_default();
    let before = before.strip_prefix('\u{feff}').unwrap_or(before);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    let bad = bytes[e.valid_up_to()];
    let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    let hint = if utf16 {
        "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8"
    } else {
        "save it as UTF-8 (a byte like this one is usually a character saved as Latin-1 or Windows-1252)"
    };
    ScenarioError {
        path: String::new(),
        line: Some(line),
        column: Some(column),
        value: None,
        message: format!(
            "the file is not UTF-8: byte 0x{bad:02x} here is not a UTF-8 character; {hint}"
        ),
    }
}

/// Parses, validates and lowers a scenario file. On failure, returns the errors found, in
/// document order, each mistake once (never an empty list). Never panics, whatever the input.
pub fn load(src: &str) -> Result<Loaded, Vec<ScenarioError>> {
    let sha256 = sha256_hex(src.as_bytes());
    // RULE: a UTF-8 byte order mark is skipped (editors do not count it as a column), and said
    // once, as a note (RFC 8259 §8.1: parsers "MAY ignore the presence of a byte order mark").
    let (text, bom) = match src.strip_prefix('\u{feff}') {
        Some(rest) => (rest, true),
        None => (src, false),
    };
    if text.trim().is_empty() {
        return Err(vec![whole_document(EMPTY.to_string())]);
    }
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(vec![whole_document(too_large(text.len() as u64))]);
    }
    // The whole text is checked first, so that a syntax error is the one error reported; then the
    // document is read a piece at a time (see `document`).
    if let Err(e) = document::check_syntax(text) {
        return Err(vec![json_error(text, &e)]);
    }
    let mut cx = cx::Cx::default();
    let scenario =
        document::read(&mut cx, text).and_then(|d| top::lower(&mut cx, &d.doc, d.actions.as_ref()));
    // Positions are found at the end, for the paths that errors and ignored fields name.
    let index = locate::Index::of(text, &cx.wanted_paths());
    let errors = cx.finish_errors(text, &index);
    let mut warnings = cx.finish_warnings(text, &index);
    if bom {
        warnings.insert(
            0,
            ScenarioWarning {
                path: String::new(),
                line: None,
                column: None,
                message: "the file starts with a UTF-8 byte-order mark, which is skipped (columns count from the character after it)".to_string(),
                note: true,
            },
        );
    }
    match scenario {
        Some(scenario) if errors.is_empty() => Ok(Loaded {
            scenario,
            ignored_fields: cx.finish_ignored(&index),
            sha256,
            warnings,
        }),
        _ if errors.is_empty() => Err(vec![whole_document(
            "the scenario could not be read (an internal error of ecsim: please report it)"
                .to_string(),
        )]),
        _ => Err(errors),
    }
}

/// The message for a file larger than [`MAX_FILE_BYTES`].
pub fn too_large(bytes: u64) -> String {
    format!(
        "the file is {bytes} bytes, more than a scenario file may be (at most {MAX_FILE_BYTES} bytes); split it into several scenarios"
    )
}

/// Parses a JSON document with the loader's care, for the files that sit beside scenarios (plans):
/// a leading byte order mark is skipped, a syntax error carries its line, its column in characters
/// and a hint, and a key written twice in one object is an error. `expected` says what an empty
/// file should have held ("a JSON object with ...").
pub fn parse_document(src: &str, expected: &str) -> Result<serde_json::Value, Vec<ScenarioError>> {
    let text = src.strip_prefix('\u{feff}').unwrap_or(src);
    if text.trim().is_empty() {
        return Err(vec![whole_document(format!(
            "the file is empty; expected {expected}"
        ))]);
    }
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| vec![json_error(text, &e)])?;
    let outline = locate::Outline::new(text, 0);
    let duplicates: Vec<ScenarioError> = outline
        .duplicates
        .iter()
        .map(|(path, pos)| ScenarioError {
            path: path.clone(),
            line: Some(pos.line),
            column: Some(pos.column),
            value: None,
            message: "duplicate key; each field may appear once in an object".to_string(),
        })
        .collect();
    if duplicates.is_empty() {
        Ok(doc)
    } else {
        Err(duplicates)
    }
}

/// Reports every key written twice in one object of `text`.
pub(crate) fn duplicate_keys(cx: &mut cx::Cx, text: &str) {
    for (path, pos) in &locate::Outline::new(text, 0).duplicates {
        // RULE: a key written twice in one object is an error (serde_json would keep the last).
        cx.error_at(
            path,
            *pos,
            "duplicate key; each field may appear once in an object",
        );
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
    let mut line = e.line();
    let mut column = if line == 0 {
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
    let mut hint = json_hint(text, line);
    // RULE (ours): serde_json finds a missing comma at the next value, often on the next line;
    // the comma is missing right after the value before it, so the error points there.
    let missing_comma =
        message.starts_with("expected `,` or `}`") || message.starts_with("expected `,` or `]`");
    if let (true, Some(c)) = (missing_comma, column) {
        if let Some((l, c)) = end_of_previous_token(text, line, c) {
            (line, column) = (l, Some(c));
            hint = "; a comma is probably missing here, after the value before it";
        }
    }
    ScenarioError {
        path: String::new(),
        line: (line > 0).then_some(line),
        column,
        value: None,
        message: format!("the file is not valid JSON: {message}{hint}"),
    }
}

/// The (line, column) just after the last character that is not whitespace before the character
/// at (`line`, `column`), both 1-based (columns in characters); None if there is none.
fn end_of_previous_token(text: &str, line: usize, column: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut l = line.checked_sub(1)?;
    let current: Vec<char> = lines.get(l)?.chars().collect();
    let mut before: Vec<char> = current[..(column - 1).min(current.len())].to_vec();
    loop {
        if let Some(last) = before.iter().rposition(|c| !c.is_whitespace()) {
            return Some((l + 1, last + 2));
        }
        l = l.checked_sub(1)?;
        before = lines[l].chars().collect();
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
