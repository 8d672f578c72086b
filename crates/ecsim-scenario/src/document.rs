//! Reads a scenario document one piece at a time, so that loading takes memory in proportion to
//! what the scenario holds rather than to a `serde_json::Value` of the whole file (a tree of maps
//! about ten times the size of its text).
//!
//! First the whole text is checked by serde_json's own parser without building anything, so a
//! syntax error is reported exactly as parsing it into a `Value` would report it. Then an
//! [`Outline`] finds the top-level fields and the text of each action; the top-level fields other
//! than `actions` become `Value`s (they are small), and each action is parsed from its own text when
//! it is read, and dropped after. The limits below keep every piece bounded.

use crate::cx::Cx;
use crate::locate::Outline;
use crate::path::Path;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The largest scenario file ecsim reads (ours): 512 MiB.
pub const MAX_FILE_BYTES: u64 = 512 << 20;
/// The most actions a scenario may hold (ours): a run keeps every action in memory.
pub const MAX_ACTIONS: usize = 1_000_000;
/// The largest action, as JSON text (ours): 1 MiB, far above any ECS request body.
pub const MAX_ACTION_BYTES: usize = 1 << 20;
/// The largest top-level field other than `actions`, as JSON text (ours): 4 MiB.
pub const MAX_FIELD_BYTES: usize = 4 << 20;

/// The document read, its actions left as text.
pub(crate) struct Document<'s> {
    /// The top-level value; when `actions` is an array, that field holds an empty array and the
    /// actions are in [`Document::actions`].
    pub doc: Value,
    pub actions: Option<Actions<'s>>,
}

/// The text of each element of the `actions` array.
pub(crate) struct Actions<'s> {
    src: &'s str,
    spans: Vec<(usize, usize)>,
}

impl Actions<'_> {
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The `i`-th action, parsed from its text. The whole document was parsed once already, so
    /// this cannot fail; if it did, the error says where, as an internal error.
    pub(crate) fn get(&self, cx: &mut Cx, path: &Path, i: usize) -> Option<Value> {
        let (start, end) = self.spans[i];
        match serde_json::from_str(&self.src[start..end]) {
            Ok(v) => Some(v),
            Err(e) => {
                cx.error(
                    &path.index(i),
                    format!("the action could not be read again ({e}): an internal error of ecsim, please report it"),
                );
                None
            }
        }
    }
}

/// Checks `text` with serde_json's parser, building nothing: the same errors, at the same places,
/// as parsing it into a `Value` (strings are decoded and numbers converted, as for a `Value`).
pub(crate) fn check_syntax(text: &str) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    Checked::deserialize(&mut de)?;
    de.end()
}

/// Anything, checked and dropped.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Checked, D::Error> {
        // `deserialize_any`, as `Value` does: it decodes strings (escapes, surrogates) and
        // converts numbers (their range), where `deserialize_ignored_any` only skips them.
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Checked, D::Error> {
        Checked::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        // Keys as `Value` reads them: decoded strings.
        while map.next_key::<String>()?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

/// Reads the checked `text` into its top-level value and the text of its actions, reporting
/// duplicate keys and the size limits to `cx`. None when a limit is exceeded: nothing is read then.
pub(crate) fn read<'s>(cx: &mut Cx, text: &'s str) -> Option<Document<'s>> {
    let outline = Outline::new(text, MAX_ACTIONS);
    for (path, pos) in &outline.duplicates {
        // RULE: a key written twice in one object is an error (serde_json would keep the last).
        cx.error_at(
            path,
            *pos,
            "duplicate key; each field may appear once in an object",
        );
    }
    let root = Path::root();
    if !outline.is_object {
        if text.len() > MAX_FIELD_BYTES {
            cx.error(
                &root,
                format!(
                    "expected an object (a scenario: a JSON object with schemaVersion, name and actions), not {} bytes of something else",
                    text.len()
                ),
            );
            return None;
        }
        return Some(Document {
            doc: parse_checked(cx, &root, text),
            actions: None,
        });
    }
    // The limits, before anything is read (ours: everything that grows has a bound).
    let mut within = true;
    for m in &outline.members {
        let bytes = m.end - m.start;
        let path = root.key(&m.key);
        match &m.elements {
            Some(elements) => {
                if m.element_count > MAX_ACTIONS {
                    cx.error(
                        &path,
                        format!(
                            "the scenario has {} actions, more than a scenario may hold (at most {MAX_ACTIONS}); split it into several scenarios",
                            m.element_count
                        ),
                    );
                    within = false;
                }
                for (i, &(start, end)) in elements.iter().enumerate() {
                    if end - start > MAX_ACTION_BYTES {
                        cx.error(
                            &path.index(i),
                            format!(
                                "the action is {} bytes of JSON, more than an action may be (at most {MAX_ACTION_BYTES} bytes)",
                                end - start
                            ),
                        );
                        within = false;
                    }
                }
            }
            None if bytes > MAX_FIELD_BYTES => {
                cx.error(
                    &path,
                    format!(
                        "the field is {bytes} bytes of JSON, more than a field other than actions may be (at most {MAX_FIELD_BYTES} bytes)"
                    ),
                );
                within = false;
            }
            None => {}
        }
    }
    if !within {
        return None;
    }
    let mut map = Map::new();
    let mut actions = None;
    for m in outline.members {
        // `insert` as serde_json's map does it: a repeated key keeps its place, with the last value.
        match m.elements {
            Some(spans) => {
                map.insert(m.key, Value::Array(Vec::new()));
                actions = Some(Actions { src: text, spans });
            }
            None => {
                if m.key == "actions" {
                    actions = None;
                }
                let value = parse_checked(cx, &root.key(&m.key), &text[m.start..m.end]);
                map.insert(m.key, value);
            }
        }
    }
    Some(Document {
        doc: Value::Object(map),
        actions,
    })
}

/// A piece of the checked text, parsed. It parses (the whole text did, and a piece is nested less
/// deeply); if it ever did not, that is reported as an internal error.
fn parse_checked(cx: &mut Cx, path: &Path, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| {
        cx.error(
            path,
            format!("the field could not be read again ({e}): an internal error of ecsim, please report it"),
        );
        Value::Null
    })
}
