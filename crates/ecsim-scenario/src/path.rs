//! JSON paths into a scenario file (`actions[3].input.placementStrategy[0].field`), as errors and
//! `ignoredFields` print them.

use std::fmt;

/// One step of a path: an object key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A path from the document root. The root itself prints as the empty string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Path(Vec<Seg>);

impl Path {
    pub(crate) fn root() -> Path {
        Path(Vec::new())
    }

    pub(crate) fn key(&self, key: &str) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        Path(segs)
    }

    pub(crate) fn index(&self, index: usize) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Path(segs)
    }

    /// The path without its last step (the root stays the root).
    pub(crate) fn parent(&self) -> Path {
        let mut segs = self.0.clone();
        segs.pop();
        Path(segs)
    }

    pub(crate) fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

/// Appends `.key` (or `key` at the root) to a printed path. Keys that are not plain identifiers
/// print as `["key"]`, so that every printed path reads back unambiguously.
pub(crate) fn push_key(out: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    if plain {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    } else {
        out.push('[');
        out.push_str(&serde_json::to_string(key).unwrap_or_default());
        out.push(']');
    }
}

/// Appends `[index]` to a printed path.
pub(crate) fn push_index(out: &mut String, index: usize) {
    use fmt::Write as _;
    // Writing into a String cannot fail; no temporary string per index.
    let _ = write!(out, "[{index}]");
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(k) => push_key(&mut out, k),
                Seg::Index(i) => push_index(&mut out, *i),
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_the_spec() {
        let p = Path::root()
            .key("actions")
            .index(3)
            .key("input")
            .key("placementStrategy")
            .index(0)
            .key("field");
        assert_eq!(p.to_string(), "actions[3].input.placementStrategy[0].field");
        assert_eq!(Path::root().to_string(), "");
        assert_eq!(Path::root().key("a b").key("c").to_string(), "[\"a b\"].c");
        assert_eq!(
            p.parent().to_string(),
            "actions[3].input.placementStrategy[0]"
        );
    }
}
