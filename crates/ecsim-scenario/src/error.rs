//! Input errors: what is wrong, where (JSON path, line, column), the value found and what to do.

use std::fmt;

/// One problem in a scenario file. Messages are lowercase, without a trailing period, and say what
/// was expected (with a fix-it hint where one helps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// JSON path like `actions[3].input.placementStrategy[0].field` (`""` for the whole document).
    pub path: String,
    /// 1-based line of the offending value (or key), where known.
    pub line: Option<usize>,
    /// 1-based column, in characters, where known.
    pub column: Option<usize>,
    /// The offending value as written (compact JSON, truncated to about 80 characters).
    pub value: Option<String>,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    /// `LINE:COL: PATH: MESSAGE (found VALUE)`, leaving out the parts that are unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{line}:{column}: ")?,
            (Some(line), None) => write!(f, "{line}: ")?,
            _ => {}
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(value) = &self.value {
            write!(f, " (found {value})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// The longest value shown in an error, in characters.
const VALUE_MAX_CHARS: usize = 80;

/// A value as compact JSON, cut to about 80 characters.
pub(crate) fn show(value: &serde_json::Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    truncate(&text)
}

pub(crate) fn truncate(text: &str) -> String {
    if text.chars().count() <= VALUE_MAX_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(VALUE_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_leaves_out_unknown_parts() {
        let mut e = ScenarioError {
            path: "actions[3].input.count".into(),
            line: Some(12),
            column: Some(20),
            value: Some("11".into()),
            message: "expected at most 10".into(),
        };
        assert_eq!(
            e.to_string(),
            "12:20: actions[3].input.count: expected at most 10 (found 11)"
        );
        e.column = None;
        e.value = None;
        assert_eq!(
            e.to_string(),
            "12: actions[3].input.count: expected at most 10"
        );
        e.line = None;
        e.path = String::new();
        assert_eq!(e.to_string(), "expected at most 10");
    }

    #[test]
    fn long_values_are_cut() {
        let long = serde_json::Value::String("x".repeat(200));
        let shown = show(&long);
        assert_eq!(shown.chars().count(), 80);
        assert!(shown.ends_with('…'));
    }
}
