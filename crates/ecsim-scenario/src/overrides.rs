//! Overrides of a scenario by JSON Pointer (RFC 6901): `ecsim run --set POINTER=JSON`, a sweep
//! variant's `set` and a sweep grid's points are all lists of [`Override`]s applied to the parsed
//! file, in order, before the scenario is validated and lowered like any other.
//!
//! [`apply`] is the one editor of a scenario's JSON by pointer: the library facade's
//! `Scenario::set` and the planner's variants call it too, so every edit follows one rule.
//!
//! Errors keep the file's own positions: an error in a part of the scenario that no override
//! touched points at the file's line and column; an error inside a value an override put there
//! has no position in the file, and says which override the value came from.
//!
//! ```
//! use ecsim_scenario::overrides::{load_with_overrides, Override};
//! let src = r#"{"schemaVersion": 1, "name": "a", "seed": 3, "actions": []}"#;
//! let set = Override::parse_set("/seed=9").unwrap();
//! let loaded = load_with_overrides(src, &[set]).unwrap();
//! assert_eq!(loaded.scenario.seed, 9);
//! ```

use crate::cx::{closest, Cx};
use crate::error::{show, ScenarioError};
use crate::locate::{Index, Outline};
use crate::path::{push_index, push_key};
use crate::{json_error, Loaded};
use serde_json::Value;

/// One override: the value to put where a JSON Pointer points.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The pointer as written, e.g. `/actions/3/input/count`.
    pub pointer: String,
    tokens: Vec<String>,
    pub value: Value,
    /// Where it was given, for messages, e.g. `--set /actions/3/input/count`.
    pub origin: String,
}

impl Override {
    /// An override of the value at `pointer`; `origin` says where it was given.
    pub fn new(pointer: &str, value: Value, origin: impl Into<String>) -> Result<Override, String> {
        Ok(Override {
            pointer: pointer.to_string(),
            tokens: parse_pointer(pointer)?,
            value,
            origin: origin.into(),
        })
    }

    /// Reads `POINTER=JSON` (`ecsim run --set`): the pointer is everything before the first `=`,
    /// the value everything after it, which must be JSON (a string needs its quotes).
    pub fn parse_set(arg: &str) -> Result<Override, String> {
        let Some((pointer, json)) = arg.split_once('=') else {
            return Err(
                "expected POINTER=JSON, e.g. --set /actions/1/input/count=12 (a JSON Pointer, RFC 6901, then '=' and a JSON value)"
                    .into(),
            );
        };
        let tokens = parse_pointer(pointer)?;
        let value: Value = serde_json::from_str(json).map_err(|e| {
            let why = json_error(json, &e).message;
            let why = why.strip_prefix("the file is not valid JSON: ").unwrap_or(&why);
            format!(
                "the value after '=' is not JSON ({why}); a string needs its quotes, e.g. --set '{pointer}=\"text\"'"
            )
        })?;
        if let Some((path, _)) = Outline::new(json, 0).duplicates.first() {
            return Err(format!(
                "the value after '=' has the key {} twice; each field may appear once in an object",
                if path.is_empty() { "at its top" } else { path }
            ));
        }
        Ok(Override {
            pointer: pointer.to_string(),
            tokens,
            value,
            origin: format!("--set {pointer}"),
        })
    }

    /// The pointer's reference tokens, unescaped (`~1` is `/`, `~0` is `~`).
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }
}

/// Splits a JSON Pointer (RFC 6901) into its unescaped reference tokens: `""` is the whole
/// document, `/a/b` the member `b` of the member `a`; `~1` stands for `/` and `~0` for `~`.
pub fn parse_pointer(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!(
            "'{pointer}' is not a JSON Pointer: it starts with '/' (RFC 6901), e.g. /actions/3/input/count"
        ));
    };
    rest.split('/')
        .map(|token| {
            let mut out = String::with_capacity(token.len());
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                if c != '~' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('0') => out.push('~'),
                    Some('1') => out.push('/'),
                    _ => {
                        return Err(format!(
                            "'{pointer}' is not a JSON Pointer: '~' is followed by 0 or 1 (~0 stands for '~', ~1 for '/')"
                        ))
                    }
                }
            }
            Ok(out)
        })
        .collect()
}

/// Writes tokens back as a pointer (the escaped form).
fn pointer_of(tokens: &[String]) -> String {
    let mut out = String::new();
    for t in tokens {
        out.push('/');
        out.push_str(&t.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// Puts `value` where `tokens` point in `doc` and returns the printed JSON path of that place
/// (`actions[3].input.count`). RULE (ours): every token but the last names a value that exists;
/// the last names an existing member or array element (replaced), a new member of an existing
/// object (added at its end), or `-`, the end of an existing array (appended). Anything else names
/// nothing: the error says which part.
pub fn apply(doc: &mut Value, tokens: &[String], value: Value) -> Result<String, String> {
    let mut printed = String::new();
    let mut at = doc;
    for (i, token) in tokens.iter().enumerate() {
        let last = i + 1 == tokens.len();
        let here = || match i {
            0 => "the scenario's top level".to_string(),
            _ => pointer_of(&tokens[..i]),
        };
        match at {
            Value::Object(map) => {
                push_key(&mut printed, token);
                if last {
                    map.insert(token.clone(), value);
                    return Ok(printed);
                }
                if !map.contains_key(token) {
                    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                    let hint = match closest(token, &keys) {
                        Some(k) => format!("; did you mean '{k}'?"),
                        None if keys.is_empty() => "; it is empty".into(),
                        None => format!("; it has {}", keys.join(", ")),
                    };
                    return Err(format!("{} has no member '{token}'{hint}", here()));
                }
                at = map.get_mut(token.as_str()).expect("checked above");
            }
            Value::Array(items) => {
                let len = items.len();
                let range = match len {
                    0 => "it is empty".to_string(),
                    1 => "it has 1 element, index 0".to_string(),
                    n => format!("it has {n} elements, indices 0 to {}", n - 1),
                };
                if token == "-" && last {
                    push_index(&mut printed, len);
                    items.push(value);
                    return Ok(printed);
                }
                let index = array_index(token).filter(|&k| k < len).ok_or_else(|| {
                    let append = if last { ", or '-' to append" } else { "" };
                    format!(
                        "{} is an array and '{token}' is not one of its indices ({range}{append})",
                        here()
                    )
                })?;
                push_index(&mut printed, index);
                if last {
                    items[index] = value;
                    return Ok(printed);
                }
                at = &mut items[index];
            }
            other => {
                let kind = match other {
                    Value::Null => "null",
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::String(_) => "a string",
                    _ => unreachable!("objects and arrays are handled above"),
                };
                return Err(format!(
                    "{} is {kind} ({}), which has no members",
                    here(),
                    show(other)
                ));
            }
        }
    }
    // The empty pointer: the whole document.
    *at = value;
    Ok(printed)
}

/// An array index as RFC 6901 writes it: digits without a leading zero.
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// Why overrides could not make a valid scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OverrideError {
    /// An override's pointer names nothing in the scenario (with the overrides before it applied).
    Pointer {
        origin: String,
        pointer: String,
        message: String,
    },
    /// The scenario with the overrides applied is not valid. Errors outside the overridden values
    /// carry the file's line and column; errors inside one carry none and name its origin.
    Invalid(Vec<ScenarioError>),
}

impl std::fmt::Display for OverrideError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OverrideError::Pointer {
                origin, message, ..
            } => write!(
                f,
                "{origin}: the pointer names nothing in the scenario: {message}"
            ),
            OverrideError::Invalid(errors) => {
                let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                f.write_str(&lines.join("\n"))
            }
        }
    }
}

/// A scenario file parsed once, to be loaded with different overrides (a sweep's variants).
#[derive(Clone, Debug)]
pub struct Document {
    src: String,
    doc: Value,
}

impl Document {
    /// Parses the file; its errors here are the file's own (not JSON, empty, duplicate keys).
    pub fn parse(src: &str) -> Result<Document, Vec<ScenarioError>> {
        let text = src.strip_prefix('\u{feff}').unwrap_or(src);
        if text.trim().is_empty() {
            // `load` reports the empty file.
            return Err(crate::load(src).err().unwrap_or_default());
        }
        let doc: Value = serde_json::from_str(text).map_err(|e| vec![json_error(text, &e)])?;
        let mut cx = Cx::default();
        crate::duplicate_keys(&mut cx, text);
        let errors = cx.finish_errors(text, &Index::new(text));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Document {
            src: src.to_string(),
            doc,
        })
    }

    /// The file's text without its byte order mark.
    fn text(&self) -> &str {
        self.src.strip_prefix('\u{feff}').unwrap_or(&self.src)
    }

    /// Applies `overrides` in order and loads the result. RULE (ours): with no override this is
    /// [`crate::load`] of the file itself; with overrides, `sha256` is that of the scenario as run,
    /// the modified document written as compact JSON (keys in file order, new members last).
    pub fn load(&self, overrides: &[Override]) -> Result<Loaded, OverrideError> {
        if overrides.is_empty() {
            return crate::load(&self.src).map_err(OverrideError::Invalid);
        }
        let mut doc = self.doc.clone();
        let mut landed: Vec<(String, &str)> = Vec::with_capacity(overrides.len());
        for o in overrides {
            let path = apply(&mut doc, &o.tokens, o.value.clone()).map_err(|message| {
                OverrideError::Pointer {
                    origin: o.origin.clone(),
                    pointer: o.pointer.clone(),
                    message,
                }
            })?;
            landed.push((path, &o.origin));
        }
        // The scenario as run: the modified document written compactly, loaded like any file, so
        // its sha256 is that of these bytes. Positions in it mean nothing to the user: they are
        // mapped back to the file (see `Relocate`).
        let compact = serde_json::to_string(&doc).expect("a JSON value serializes");
        let relocate = Relocate {
            original: self.text(),
            compact: &compact,
            landed: &landed,
        };
        match crate::load(&compact) {
            Ok(mut loaded) => {
                for w in &mut loaded.warnings {
                    let message = std::mem::take(&mut w.message);
                    (w.line, w.column, w.message) =
                        relocate.place(&w.path, w.line, w.column, message);
                }
                Ok(loaded)
            }
            Err(errors) => Err(OverrideError::Invalid(
                errors
                    .into_iter()
                    .map(|mut e| {
                        let message = std::mem::take(&mut e.message);
                        (e.line, e.column, e.message) =
                            relocate.place(&e.path, e.line, e.column, message);
                        e
                    })
                    .collect(),
            )),
        }
    }
}

/// Maps a position in the compact, overridden document back to the file.
struct Relocate<'a> {
    /// The file's text, without its byte order mark.
    original: &'a str,
    compact: &'a str,
    /// The printed path each override landed at, and its origin.
    landed: &'a [(String, &'a str)],
}

impl Relocate<'_> {
    /// The line, column and message of something said about `path` at `line:column` of the compact
    /// document. At or under an overridden path, the value is not the file's: no position, and the
    /// message names the override (the last that put a value at or above the path). Elsewhere, the
    /// file's position of the same path: its key's if the compact position was the key's, else its
    /// value's; none if the file has no such path or the compact document gave none.
    fn place(
        &self,
        path: &str,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    ) -> (Option<usize>, Option<usize>, String) {
        if let Some((_, origin)) = self.landed.iter().rev().find(|(p, _)| is_within(path, p)) {
            return (
                None,
                None,
                format!("{message}; the value comes from {origin}"),
            );
        }
        let (Some(line), Some(column)) = (line, column) else {
            return (None, None, message);
        };
        let at_key = Index::new(self.compact)
            .get(path)
            .and_then(|l| l.key)
            .is_some_and(|k| (k.line, k.column) == (line, column));
        let found = if at_key {
            crate::locate_key(self.original, path)
        } else {
            crate::locate(self.original, path)
        };
        match found {
            Some((line, column)) => (Some(line), Some(column), message),
            None => (None, None, message),
        }
    }
}

/// Whether the printed path `path` is `ancestor` or lies under it.
fn is_within(path: &str, ancestor: &str) -> bool {
    if ancestor.is_empty() {
        return true;
    }
    match path.strip_prefix(ancestor) {
        Some("") => true,
        Some(rest) => rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

/// Applies `overrides` to the scenario file `src` and loads the result (see [`Document::load`]);
/// the file's own errors (not JSON, duplicate keys) come back as [`OverrideError::Invalid`].
pub fn load_with_overrides(src: &str, overrides: &[Override]) -> Result<Loaded, OverrideError> {
    if overrides.is_empty() {
        return crate::load(src).map_err(OverrideError::Invalid);
    }
    Document::parse(src)
        .map_err(OverrideError::Invalid)?
        .load(overrides)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256_hex;
    use serde_json::json;

    const SCENARIO: &str = r#"{
  "schemaVersion": 1,
  "name": "over",
  "seed": 3,
  "actions": [
    { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod" } },
    { "at": 0, "action": "LaunchContainerInstances",
      "input": { "cluster": "prod", "instanceType": "m5.large", "count": 2 } },
    { "at": 0, "action": "RegisterTaskDefinition",
      "input": { "family": "web", "containerDefinitions": [ { "name": "app", "image": "nginx", "cpu": 256, "memory": 512 } ] } },
    { "at": 60, "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web", "count": 2 } }
  ]
}"#;

    fn set(arg: &str) -> Override {
        Override::parse_set(arg).unwrap()
    }

    #[test]
    fn pointers_unescape_as_rfc_6901_says() {
        assert_eq!(parse_pointer("").unwrap(), Vec::<String>::new());
        assert_eq!(parse_pointer("/").unwrap(), vec![String::new()]);
        assert_eq!(parse_pointer("/a~1b/m~0n").unwrap(), vec!["a/b", "m~n"]);
        // `~01` is the escape `~0` then `1`: a '~' and a '1', never a '/' (RFC 6901 §4).
        assert_eq!(parse_pointer("/~01").unwrap(), vec!["~1"]);
        assert!(parse_pointer("a/b")
            .unwrap_err()
            .contains("starts with '/'"));
        assert!(parse_pointer("/a~2")
            .unwrap_err()
            .contains("~0 stands for '~'"));
        assert!(parse_pointer("/a~")
            .unwrap_err()
            .contains("followed by 0 or 1"));
        assert_eq!(
            pointer_of(&parse_pointer("/a~1b/m~0n").unwrap()),
            "/a~1b/m~0n"
        );
    }

    #[test]
    fn set_arguments_need_a_pointer_and_json() {
        let o = set("/actions/1/input/count=12");
        assert_eq!(o.pointer, "/actions/1/input/count");
        assert_eq!(o.value, json!(12));
        assert_eq!(o.origin, "--set /actions/1/input/count");
        // The first '=' splits: the value may hold more.
        assert_eq!(set("/description=\"a=b\"").value, json!("a=b"));
        assert!(Override::parse_set("/seed")
            .unwrap_err()
            .contains("expected POINTER=JSON"));
        let e = Override::parse_set("/name=web").unwrap_err();
        assert!(
            e.contains("is not JSON") && e.contains("needs its quotes"),
            "{e}"
        );
        let e = Override::parse_set("/x={\"a\":1,\"a\":2}").unwrap_err();
        assert!(e.contains("key a twice"), "{e}");
        assert!(Override::parse_set("seed=1")
            .unwrap_err()
            .contains("not a JSON Pointer"));
    }

    #[test]
    fn apply_replaces_adds_members_and_appends() {
        let mut doc = json!({"a": {"b": [1, 2, 3]}, "c": 1});
        let t = |p: &str| parse_pointer(p).unwrap();
        assert_eq!(apply(&mut doc, &t("/a/b/1"), json!(20)).unwrap(), "a.b[1]");
        assert_eq!(apply(&mut doc, &t("/a/new"), json!(true)).unwrap(), "a.new");
        assert_eq!(apply(&mut doc, &t("/a/b/-"), json!(4)).unwrap(), "a.b[3]");
        assert_eq!(apply(&mut doc, &t("/a~1x"), json!(0)).unwrap(), "[\"a/x\"]");
        assert_eq!(
            doc,
            json!({"a": {"b": [1, 20, 3, 4], "new": true}, "c": 1, "a/x": 0})
        );
        // New members go last: the document keeps the file's order.
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            r#"{"a":{"b":[1,20,3,4],"new":true},"c":1,"a/x":0}"#
        );
        assert_eq!(apply(&mut doc, &[], json!([])).unwrap(), "");
        assert_eq!(doc, json!([]));
    }

    #[test]
    fn a_pointer_that_names_nothing_says_which_part() {
        let doc = json!({"actions": [{"input": {"count": 1}}], "n": 5, "e": []});
        let err = |p: &str| {
            let mut d = doc.clone();
            apply(&mut d, &parse_pointer(p).unwrap(), json!(1)).unwrap_err()
        };
        assert_eq!(
            err("/actions/3/input"),
            "/actions is an array and '3' is not one of its indices (it has 1 element, index 0)"
        );
        assert_eq!(
            err("/actions/1"),
            "/actions is an array and '1' is not one of its indices (it has 1 element, index 0, or '-' to append)"
        );
        assert!(err("/actions/01/input").contains("'01' is not one of its indices"));
        assert!(err("/actions/x/input").contains("'x' is not one of its indices"));
        assert!(err("/e/0").contains("it is empty"));
        assert_eq!(
            err("/actions/0/inputs/count"),
            "/actions/0 has no member 'inputs'; did you mean 'input'?"
        );
        assert_eq!(
            err("/action/0"),
            "the scenario's top level has no member 'action'; did you mean 'actions'?"
        );
        assert_eq!(err("/n/x"), "/n is a number (5), which has no members");
        // `-` appends only as the last token.
        assert!(err("/actions/-/input").contains("'-' is not one of its indices"));
    }

    #[test]
    fn no_override_is_the_plain_load() {
        let plain = crate::load(SCENARIO).unwrap();
        let doc = Document::parse(SCENARIO).unwrap();
        let loaded = doc.load(&[]).unwrap();
        assert_eq!(loaded.sha256, plain.sha256);
        assert_eq!(loaded.scenario.actions.len(), plain.scenario.actions.len());
    }

    #[test]
    fn overrides_change_the_scenario_and_its_digest() {
        let plain = crate::load(SCENARIO).unwrap();
        let loaded = load_with_overrides(
            SCENARIO,
            &[set("/seed=11"), set("/actions/1/input/count=4")],
        )
        .unwrap();
        assert_eq!(loaded.scenario.seed, 11);
        assert_ne!(loaded.sha256, plain.sha256);
        // The digest is of the modified document as compact JSON.
        let mut doc: Value = serde_json::from_str(SCENARIO).unwrap();
        doc["seed"] = json!(11);
        doc["actions"][1]["input"]["count"] = json!(4);
        assert_eq!(
            loaded.sha256,
            sha256_hex(serde_json::to_string(&doc).unwrap().as_bytes())
        );
        // The same overrides give the same scenario: a sweep's row and `ecsim run --set` agree.
        let again = load_with_overrides(
            SCENARIO,
            &[set("/seed=11"), set("/actions/1/input/count=4")],
        )
        .unwrap();
        assert_eq!(again.sha256, loaded.sha256);
        // Setting a value to what it was still runs the same scenario.
        let same = load_with_overrides(SCENARIO, &[set("/seed=3")]).unwrap();
        assert_eq!(same.scenario.seed, 3);
    }

    #[test]
    fn errors_inside_an_override_name_it_and_others_keep_the_files_positions() {
        // RunTask's count is at most 10: the error is in the overridden value.
        let Err(OverrideError::Invalid(errors)) =
            load_with_overrides(SCENARIO, &[set("/actions/3/input/count=11")])
        else {
            panic!("expected an invalid scenario")
        };
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.path, "actions[3].input.count");
        assert_eq!((e.line, e.column), (None, None));
        assert!(
            e.message
                .ends_with("; the value comes from --set /actions/3/input/count"),
            "{e}"
        );
        assert_eq!(e.value.as_deref(), Some("11"));

        // An error the override causes elsewhere points at the file: the task definition the
        // RunTask names no longer exists once its family is renamed.
        let Err(OverrideError::Invalid(errors)) =
            load_with_overrides(SCENARIO, &[set("/actions/2/input/family=\"api\"")])
        else {
            panic!("expected an invalid scenario")
        };
        let e = errors
            .iter()
            .find(|e| e.path == "actions[3].input.taskDefinition")
            .expect("the RunTask's reference fails");
        assert_eq!(
            (e.line, e.column),
            crate::locate(SCENARIO, "actions[3].input.taskDefinition").unzip()
        );
        assert!(!e.message.contains("comes from"), "{e}");

        // An unknown field added by an override is reported at its path.
        let Err(OverrideError::Invalid(errors)) =
            load_with_overrides(SCENARIO, &[set("/actions/3/input/placmentStrategy=[]")])
        else {
            panic!("expected an invalid scenario")
        };
        assert_eq!(errors[0].path, "actions[3].input.placmentStrategy");
        assert!(errors[0]
            .message
            .contains("did you mean 'placementStrategy'"));
        assert!(errors[0].message.contains("comes from --set"));
    }

    #[test]
    fn pointer_errors_name_the_override() {
        let err = load_with_overrides(SCENARIO, &[set("/actions/9/input/count=1")]).unwrap_err();
        assert_eq!(
            err,
            OverrideError::Pointer {
                origin: "--set /actions/9/input/count".into(),
                pointer: "/actions/9/input/count".into(),
                message: "/actions is an array and '9' is not one of its indices (it has 4 elements, indices 0 to 3)".into(),
            }
        );
        assert!(err.to_string().starts_with(
            "--set /actions/9/input/count: the pointer names nothing in the scenario: "
        ));
    }

    #[test]
    fn the_files_own_errors_come_first() {
        let dup = r#"{"schemaVersion": 1, "name": "a", "name": "b", "actions": []}"#;
        let Err(OverrideError::Invalid(errors)) = load_with_overrides(dup, &[set("/seed=1")])
        else {
            panic!("duplicate keys are an error")
        };
        assert!(errors[0].message.contains("duplicate key"));
        assert_eq!(errors[0].line, Some(1));
        let Err(OverrideError::Invalid(errors)) = load_with_overrides("{", &[set("/seed=1")])
        else {
            panic!("not JSON")
        };
        assert!(errors[0].message.contains("not valid JSON"));
        let Err(OverrideError::Invalid(errors)) = load_with_overrides(" ", &[set("/seed=1")])
        else {
            panic!("empty")
        };
        assert!(errors[0].message.contains("the file is empty"));
    }

    #[test]
    fn within_compares_whole_steps() {
        assert!(is_within("a.b", "a.b"));
        assert!(is_within("a.b.c", "a.b"));
        assert!(is_within("a.b[0]", "a.b"));
        assert!(is_within("a.b[\"x y\"]", "a.b"));
        assert!(!is_within("a.bc", "a.b"));
        assert!(!is_within("a", "a.b"));
        assert!(is_within("anything", ""));
    }
}
