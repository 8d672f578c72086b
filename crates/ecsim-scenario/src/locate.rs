//! Finds where a JSON path sits in the scenario text: a minimal JSON tokenizer that records the
//! 1-based line and column (in characters) of every value and of every object key.
//!
//! `serde_json::Value` forgets positions, so errors found after parsing ask this index where to
//! point. It also notices duplicate object keys, which `serde_json` silently collapses.

use crate::path::{push_index, push_key};
use std::collections::BTreeMap;

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

/// Every value of a document by printed path (`actions[0].input.count`), built in one pass.
#[derive(Clone, Debug, Default)]
pub struct Index {
    locations: BTreeMap<String, Location>,
    /// Object keys written twice in the same object, as (printed path, position of the repeat).
    pub duplicates: Vec<(String, Pos)>,
}

/// Nesting deeper than this is not indexed (serde_json refuses documents nested beyond 128).
const MAX_DEPTH: usize = 256;

impl Index {
    /// Indexes `src`. Never panics: on text that is not valid JSON it indexes what it could read.
    pub fn new(src: &str) -> Index {
        let mut index = Index::default();
        let mut scanner = Scanner {
            src,
            pos: Pos {
                offset: 0,
                line: 1,
                column: 1,
            },
        };
        let mut path = String::new();
        scanner.value(&mut index, &mut path, None, 0);
        index
    }

    /// The location of the value at `path`, if the document has it.
    pub fn get(&self, path: &str) -> Option<Location> {
        self.locations.get(path).copied()
    }
}

/// Returns the 1-based (line, column) of the value at the printed `path` in `src`.
pub fn locate(src: &str, path: &str) -> Option<(usize, usize)> {
    Index::new(src)
        .get(path)
        .map(|l| (l.value.line, l.value.column))
}

struct Scanner<'s> {
    src: &'s str,
    pos: Pos,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos.offset..)?.chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos.offset += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
                self.bump();
            } else {
                break;
            }
        }
    }

    /// Reads a string literal starting at the opening quote and returns its decoded text.
    fn string(&mut self) -> Option<String> {
        let start = self.pos.offset;
        self.bump(); // the opening quote
        loop {
            match self.bump()? {
                '"' => break,
                '\\' => {
                    self.bump()?;
                }
                _ => {}
            }
        }
        let raw = self.src.get(start..self.pos.offset)?;
        serde_json::from_str::<String>(raw).ok()
    }

    /// Reads one value at `path`; returns false when the text stops making sense.
    fn value(
        &mut self,
        index: &mut Index,
        path: &mut String,
        key: Option<Pos>,
        depth: usize,
    ) -> bool {
        self.skip_ws();
        let value = self.pos;
        if self.peek().is_none() || depth > MAX_DEPTH {
            return false;
        }
        index
            .locations
            .insert(path.clone(), Location { key, value });
        match self.peek() {
            Some('{') => self.object(index, path, depth),
            Some('[') => self.array(index, path, depth),
            Some('"') => self.string().is_some(),
            _ => {
                let mut any = false;
                while let Some(c) = self.peek() {
                    if c == ',' || c == '}' || c == ']' || c.is_whitespace() {
                        break;
                    }
                    any = true;
                    self.bump();
                }
                any
            }
        }
    }

    fn object(&mut self, index: &mut Index, path: &mut String, depth: usize) -> bool {
        self.bump(); // {
        let mut seen: Vec<String> = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some('}') => {
                    self.bump();
                    return true;
                }
                Some('"') => {}
                _ => return false,
            }
            let key_pos = self.pos;
            let Some(key) = self.string() else {
                return false;
            };
            self.skip_ws();
            if self.bump() != Some(':') {
                return false;
            }
            let len = path.len();
            push_key(path, &key);
            if seen.contains(&key) {
                index.duplicates.push((path.clone(), key_pos));
            } else {
                seen.push(key);
            }
            let ok = self.value(index, path, Some(key_pos), depth + 1);
            path.truncate(len);
            if !ok {
                return false;
            }
            self.skip_ws();
            match self.bump() {
                Some(',') => continue,
                Some('}') => return true,
                _ => return false,
            }
        }
    }

    fn array(&mut self, index: &mut Index, path: &mut String, depth: usize) -> bool {
        self.bump(); // [
        self.skip_ws();
        if self.peek() == Some(']') {
            self.bump();
            return true;
        }
        let mut i = 0usize;
        loop {
            let len = path.len();
            push_index(path, i);
            let ok = self.value(index, path, None, depth + 1);
            path.truncate(len);
            if !ok {
                return false;
            }
            self.skip_ws();
            match self.bump() {
                Some(',') => i += 1,
                Some(']') => return true,
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
        let index = Index::new("{\"a\": 1,\n \"a\": 2}");
        assert_eq!(index.duplicates.len(), 1);
        assert_eq!(index.duplicates[0].0, "a");
        assert_eq!(
            (index.duplicates[0].1.line, index.duplicates[0].1.column),
            (2, 2)
        );
    }

    #[test]
    fn survives_garbage() {
        for src in [
            "", "{", "[1,", "{\"a\"", "\"abc", "{\"a\":}", "]]]", "{\"\\u12",
        ] {
            let _ = Index::new(src);
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
