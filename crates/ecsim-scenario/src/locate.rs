//! Finds where a JSON path sits in the scenario text: a small JSON scanner that records the 1-based
//! line and column (in characters) of values and object keys, and outlines the document (its
//! top-level fields and the spans of its actions) so that the loader can parse one piece at a time.
//!
//! `serde_json::Value` forgets positions, so errors found after parsing ask an [`Index`] where to
//! point; an index keeps only the paths it was asked for, so that locating a few errors in a large
//! file costs one pass over the text and memory for those few. The [`Outline`] also notices
//! duplicate object keys, which `serde_json` silently collapses.

use crate::path::{push_index, push_key};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

/// A position in the source: byte offset, 1-based line and 1-based character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// Where a value sits, and where its key sits when it is an object member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub key: Option<Pos>,
    pub value: Pos,
}

/// Values of a document by printed path (`actions[0].input.count`), built in one pass: every value,
/// or only those asked for.
#[derive(Clone, Debug, Default)]
pub struct Index {
    locations: BTreeMap<String, Location>,
}

/// Nesting deeper than this is not indexed (serde_json refuses documents nested beyond 128).
const MAX_DEPTH: usize = 256;

impl Index {
    /// Indexes every value of `src`. Never panics: on text that is not valid JSON it indexes what
    /// it could read.
    pub fn new(src: &str) -> Index {
        let mut all = Every(Index::default());
        Scanner::new(src, &mut all).document();
        all.0
    }

    /// Indexes only the values at the printed paths in `wanted` (nothing at all when it is empty).
    pub fn of(src: &str, wanted: &HashSet<String>) -> Index {
        let mut some = Wanted {
            wanted,
            index: Index::default(),
        };
        if !wanted.is_empty() {
            Scanner::new(src, &mut some).document();
        }
        some.index
    }

    /// The location of the value at `path`, if the document has it. A path written twice (a
    /// duplicate key) is where it was last written, as serde_json keeps the last value.
    pub fn get(&self, path: &str) -> Option<Location> {
        self.locations.get(path).copied()
    }
}

/// Returns the 1-based (line, column) of the value at the printed `path` in `src`.
pub fn locate(src: &str, path: &str) -> Option<(usize, usize)> {
    let wanted: HashSet<String> = [path.to_string()].into();
    Index::of(src, &wanted)
        .get(path)
        .map(|l| (l.value.line, l.value.column))
}

/// The 1-based line and character column of the key of the member at `path` (its value's when it is
/// an array element or the whole document), for errors about the member itself (an unknown field).
pub fn locate_key(src: &str, path: &str) -> Option<(usize, usize)> {
    Index::new(src).get(path).map(|l| {
        let p = l.key.unwrap_or(l.value);
        (p.line, p.column)
    })
}

/// One field of the top-level object.
#[derive(Debug)]
pub(crate) struct Member {
    /// The key, decoded.
    pub key: String,
    /// The value's text: `src[start..end]`.
    pub start: usize,
    pub end: usize,
    /// When the key is `actions` and the value an array: each element's text as (start, end), the
    /// first [`Outline::MAX_ELEMENTS`] of them.
    pub elements: Option<Vec<(usize, usize)>>,
    /// How many elements that array has.
    pub element_count: usize,
}

/// The shape of a valid document: whether it is an object, its top-level fields with their spans,
/// and the duplicate keys anywhere in it.
#[derive(Debug, Default)]
pub(crate) struct Outline {
    pub is_object: bool,
    pub members: Vec<Member>,
    /// Object keys written twice in the same object, as (printed path, position of the repeat).
    pub duplicates: Vec<(String, Pos)>,
    /// Elements of `actions` arrays beyond this are counted, not kept.
    max_elements: usize,
}

impl Outline {
    /// Outlines `src`, keeping the spans of at most `max_elements` actions.
    pub(crate) fn new(src: &str, max_elements: usize) -> Outline {
        let mut outline = Outline {
            max_elements,
            ..Outline::default()
        };
        Scanner::new(src, &mut outline).document();
        outline
    }
}

/// What a scan does with what it finds.
trait Collect {
    /// Whether duplicate keys are looked for.
    const DUPLICATES: bool;
    /// A value starts at `at` (`first` is its first byte) at the printed `path`, depth 0 being the
    /// document; `key` is its key and the key's position when it is an object member.
    fn value(&mut self, path: &str, key: Option<(&str, Pos)>, at: Pos, first: u8, depth: usize);
    /// The value at `depth` that started last ends before byte `end`.
    fn end(&mut self, _depth: usize, _end: usize) {}
    /// The key at `at` repeats one of its object's keys.
    fn duplicate(&mut self, _path: &str, _at: Pos) {}
}

struct Every(Index);

impl Collect for Every {
    const DUPLICATES: bool = false;
    fn value(&mut self, path: &str, key: Option<(&str, Pos)>, at: Pos, _: u8, _: usize) {
        let key = key.map(|(_, p)| p);
        self.0
            .locations
            .insert(path.to_string(), Location { key, value: at });
    }
}

struct Wanted<'w> {
    wanted: &'w HashSet<String>,
    index: Index,
}

impl Collect for Wanted<'_> {
    const DUPLICATES: bool = false;
    fn value(&mut self, path: &str, key: Option<(&str, Pos)>, at: Pos, _: u8, _: usize) {
        if self.wanted.contains(path) {
            let key = key.map(|(_, p)| p);
            self.index
                .locations
                .insert(path.to_string(), Location { key, value: at });
        }
    }
}

impl Collect for Outline {
    const DUPLICATES: bool = true;
    fn value(&mut self, path: &str, key: Option<(&str, Pos)>, at: Pos, first: u8, depth: usize) {
        match depth {
            0 => self.is_object = first == b'{',
            1 if self.is_object => {
                let key = key.map(|(k, _)| k).unwrap_or_default();
                let actions = path == "actions" && first == b'[';
                if actions {
                    // Only the last `actions` counts (serde_json keeps the last value).
                    for m in &mut self.members {
                        m.elements = None;
                    }
                }
                self.members.push(Member {
                    key: key.to_string(),
                    start: at.offset,
                    end: at.offset,
                    elements: actions.then(Vec::new),
                    element_count: 0,
                });
            }
            2 => {
                if let Some(m) = self.members.last_mut() {
                    if let Some(elements) = &mut m.elements {
                        m.element_count += 1;
                        if elements.len() < self.max_elements {
                            elements.push((at.offset, at.offset));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, depth: usize, end: usize) {
        let Some(m) = self.members.last_mut() else {
            return;
        };
        match depth {
            1 => m.end = end,
            2 => {
                if let Some(elements) = &mut m.elements {
                    if m.element_count <= self.max_elements {
                        if let Some(last) = elements.last_mut() {
                            last.1 = end;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn duplicate(&mut self, path: &str, at: Pos) {
        self.duplicates.push((path.to_string(), at));
    }
}

/// The keys of one object seen so far: a short list, or a set once the object is large (an object
/// of a million keys must not take a million squared comparisons).
enum Keys<'s> {
    Few(Vec<Cow<'s, str>>),
    Many(HashSet<Cow<'s, str>>),
}

impl<'s> Keys<'s> {
    /// Adds `key`; false when the object already had it.
    fn insert(&mut self, key: Cow<'s, str>) -> bool {
        match self {
            Keys::Few(v) if v.len() < 16 => {
                if v.contains(&key) {
                    return false;
                }
                v.push(key);
                true
            }
            Keys::Few(v) => {
                let mut set: HashSet<Cow<'s, str>> = v.drain(..).collect();
                let new = set.insert(key);
                *self = Keys::Many(set);
                new
            }
            Keys::Many(set) => set.insert(key),
        }
    }
}

struct Scanner<'s, 'c, C> {
    src: &'s str,
    bytes: &'s [u8],
    pos: Pos,
    path: String,
    collect: &'c mut C,
}

impl<'s, 'c, C: Collect> Scanner<'s, 'c, C> {
    fn new(src: &'s str, collect: &'c mut C) -> Self {
        Scanner {
            src,
            bytes: src.as_bytes(),
            pos: Pos {
                offset: 0,
                line: 1,
                column: 1,
            },
            path: String::new(),
            collect,
        }
    }

    fn document(&mut self) {
        self.value(None, 0);
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos.offset).copied()
    }

    /// Moves past one byte, counting lines and (character) columns.
    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos.offset += 1;
        if b == b'\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else if b & 0xC0 != 0x80 {
            // Not a UTF-8 continuation byte: a new character.
            self.pos.column += 1;
        }
        Some(b)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }

    /// Whether the character at the current position is whitespace (beyond JSON's four).
    fn at_whitespace(&self) -> bool {
        match self.peek() {
            Some(b) if b < 0x80 => (b as char).is_whitespace(),
            Some(_) => self.src[self.pos.offset..]
                .chars()
                .next()
                .is_some_and(char::is_whitespace),
            None => false,
        }
    }

    /// Moves past a string literal starting at the opening quote; returns its raw text (quotes
    /// included), or None when it does not end.
    fn skip_string(&mut self) -> Option<&'s str> {
        let start = self.pos.offset;
        self.bump(); // the opening quote
        loop {
            match self.bump()? {
                b'"' => break,
                b'\\' => {
                    self.bump()?;
                }
                _ => {}
            }
        }
        self.src.get(start..self.pos.offset)
    }

    /// Reads a key (a string literal) and returns its decoded text.
    fn key(&mut self) -> Option<Cow<'s, str>> {
        let raw = self.skip_string()?;
        if raw.contains('\\') {
            serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
        } else {
            raw.get(1..raw.len() - 1).map(Cow::Borrowed)
        }
    }

    /// Reads one value at the current path; returns false when the text stops making sense.
    fn value(&mut self, key: Option<(&str, Pos)>, depth: usize) -> bool {
        self.skip_ws();
        let at = self.pos;
        let Some(first) = self.peek() else {
            return false;
        };
        if depth > MAX_DEPTH {
            return false;
        }
        self.collect.value(&self.path, key, at, first, depth);
        let ok = match first {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.skip_string().is_some(),
            _ => {
                let mut any = false;
                while let Some(b) = self.peek() {
                    if b == b',' || b == b'}' || b == b']' || self.at_whitespace() {
                        break;
                    }
                    any = true;
                    self.bump();
                }
                any
            }
        };
        if ok {
            self.collect.end(depth, self.pos.offset);
        }
        ok
    }

    fn object(&mut self, depth: usize) -> bool {
        self.bump(); // {
        let mut seen = Keys::Few(Vec::new());
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.bump();
                    return true;
                }
                Some(b'"') => {}
                _ => return false,
            }
            let key_pos = self.pos;
            let Some(key) = self.key() else {
                return false;
            };
            self.skip_ws();
            if self.bump() != Some(b':') {
                return false;
            }
            let len = self.path.len();
            push_key(&mut self.path, &key);
            if C::DUPLICATES && !seen.insert(key.clone()) {
                self.collect.duplicate(&self.path, key_pos);
            }
            let ok = self.value(Some((&key, key_pos)), depth + 1);
            self.path.truncate(len);
            if !ok {
                return false;
            }
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b'}') => return true,
                _ => return false,
            }
        }
    }

    fn array(&mut self, depth: usize) -> bool {
        self.bump(); // [
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.bump();
            return true;
        }
        let mut i = 0usize;
        loop {
            let len = self.path.len();
            push_index(&mut self.path, i);
            let ok = self.value(None, depth + 1);
            self.path.truncate(len);
            if !ok {
                return false;
            }
            self.skip_ws();
            match self.bump() {
                Some(b',') => i += 1,
                Some(b']') => return true,
                _ => return false,
            }
        }
    }
}

/// The 1-based column of the `char_index`-th (0-based) decoded character of the string literal
/// whose opening quote is at `quote`: escapes count as one decoded character but several columns.
/// An index past the end points at the closing quote.
pub(crate) fn column_in_string(src: &str, quote: Pos, char_index: usize) -> usize {
    let Some(rest) = src.get(quote.offset..) else {
        return quote.column;
    };
    let mut chars = rest.chars();
    if chars.next() != Some('"') {
        return quote.column;
    }
    let mut column = quote.column + 1;
    let mut decoded = 0usize;
    while decoded < char_index {
        match chars.next() {
            None | Some('"') => return column,
            Some('\\') => match chars.next() {
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    column += 6;
                    // A high surrogate followed by `\uDC00`-style low surrogate is one character.
                    let high = u32::from_str_radix(&hex, 16)
                        .map(|v| (0xD800..0xDC00).contains(&v))
                        .unwrap_or(false);
                    if high && chars.as_str().starts_with("\\u") {
                        chars.by_ref().take(6).for_each(drop);
                        column += 6;
                    }
                }
                Some(_) => column += 2,
                None => return column,
            },
            Some(_) => column += 1,
        }
        decoded += 1;
    }
    column
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "schemaVersion": 1,
  "name": "x",
  "actions": [
    { "at": 0, "action": "RunTask",
      "input": { "count": "three", "placementStrategy": [ {"type": "binpack", "field": "disk"} ] } }
  ],
  "é": {"ü": [1, [2, 3]]}
}"#;

    #[test]
    fn finds_values_keys_and_nested_array_elements() {
        let index = Index::new(DOC);
        assert_eq!(locate(DOC, ""), Some((1, 1)));
        assert_eq!(locate(DOC, "schemaVersion"), Some((2, 20)));
        assert_eq!(locate(DOC, "actions[0]"), Some((5, 5)));
        assert_eq!(locate(DOC, "actions[0].input.count"), Some((6, 27)));
        assert_eq!(
            locate(DOC, "actions[0].input.placementStrategy[0].field"),
            Some((6, 88))
        );
        let count = index.get("actions[0].input.count").unwrap();
        assert_eq!(count.key.map(|k| (k.line, k.column)), Some((6, 18)));
        // Non-ASCII keys print quoted, and columns count characters, not bytes.
        assert_eq!(locate(DOC, "[\"é\"][\"ü\"][1]"), Some((8, 18)));
        assert_eq!(locate(DOC, "[\"é\"][\"ü\"][1][1]"), Some((8, 22)));
        assert_eq!(locate(DOC, "actions[1]"), None);
    }

    #[test]
    fn reports_duplicate_keys() {
        let outline = Outline::new("{\"a\": 1,\n \"a\": 2, \"b\": {\"c\": 1, \"c\": 2}}", 10);
        let found: Vec<(&str, usize, usize)> = outline
            .duplicates
            .iter()
            .map(|(p, pos)| (p.as_str(), pos.line, pos.column))
            .collect();
        assert_eq!(found, [("a", 2, 2), ("b.c", 2, 24)]);
        // A large object is checked by a set: every repeat is found, once.
        let keys: Vec<String> = (0..100).map(|i| format!("\"k{}\": 0", i % 60)).collect();
        let big = format!("{{{}}}", keys.join(", "));
        assert_eq!(Outline::new(&big, 10).duplicates.len(), 40);
    }

    #[test]
    fn an_index_keeps_only_what_it_was_asked_for() {
        let wanted: HashSet<String> =
            ["actions[0].input.count".to_string(), "nowhere".to_string()].into();
        let index = Index::of(DOC, &wanted);
        assert_eq!(index.locations.len(), 1);
        let count = index.get("actions[0].input.count").unwrap();
        assert_eq!((count.value.line, count.value.column), (6, 27));
        assert_eq!(index.get("schemaVersion"), None);
        // A repeated key is located where it was written last, as serde_json keeps the last value.
        let wanted: HashSet<String> = ["a".to_string()].into();
        let index = Index::of("{\"a\": 1, \"a\": 2}", &wanted);
        assert_eq!(index.get("a").unwrap().value.column, 15);
    }

    #[test]
    fn outlines_the_top_level_and_the_actions() {
        let outline = Outline::new(DOC, 10);
        assert!(outline.is_object);
        let keys: Vec<&str> = outline.members.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["schemaVersion", "name", "actions", "é"]);
        let name = &outline.members[1];
        assert_eq!(&DOC[name.start..name.end], "\"x\"");
        let actions = &outline.members[2];
        let elements = actions.elements.as_ref().unwrap();
        assert_eq!(elements.len(), 1);
        assert!(DOC[elements[0].0..elements[0].1].starts_with("{ \"at\": 0"));
        assert!(DOC[elements[0].0..elements[0].1].ends_with("] } }"));
        // Beyond the limit elements are counted, not kept; only the last `actions` has elements.
        let src = "{\"actions\": [1, 2, 3], \"actions\": [4, 5, 6, 7]}";
        let outline = Outline::new(src, 2);
        assert!(outline.members[0].elements.is_none());
        assert_eq!(outline.members[1].element_count, 4);
        let kept: Vec<&str> = outline.members[1]
            .elements
            .as_ref()
            .unwrap()
            .iter()
            .map(|&(a, b)| &src[a..b])
            .collect();
        assert_eq!(kept, ["4", "5"]);
        // A document that is not an object has no members.
        let outline = Outline::new("[{\"a\": 1}]", 2);
        assert!(!outline.is_object && outline.members.is_empty());
    }

    #[test]
    fn survives_garbage() {
        for src in [
            "", "{", "[1,", "{\"a\"", "\"abc", "{\"a\":}", "]]]", "{\"\\u12",
        ] {
            let _ = Index::new(src);
            let _ = Outline::new(src, 2);
        }
    }

    #[test]
    fn columns_inside_strings_skip_escapes() {
        let src = r#"{"e": "a\"b\u00e9c"}"#;
        let quote = Index::new(src).get("e").unwrap().value;
        assert_eq!(quote.column, 7);
        assert_eq!(column_in_string(src, quote, 0), 8); // a
        assert_eq!(column_in_string(src, quote, 1), 9); // \"
        assert_eq!(column_in_string(src, quote, 2), 11); // b
        assert_eq!(column_in_string(src, quote, 3), 12); // \u00e9
        assert_eq!(column_in_string(src, quote, 4), 18); // c
        assert_eq!(column_in_string(src, quote, 5), 19); // closing quote
    }
}
