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

impl ScenarioError {
    /// The error as compilers print it: `error: PATH: MESSAGE (found VALUE)`, then
    /// `--> FILE:LINE:COLUMN` and the offending line of `src` (the text the error was found in)
    /// with a caret under the column. `file` names the source (a path, or an option's name).
    pub fn render(&self, file: &str, src: &str) -> String {
        let mut headline = String::new();
        if !self.path.is_empty() {
            headline.push_str(&self.path);
            headline.push_str(": ");
        }
        headline.push_str(&self.message);
        if let Some(value) = &self.value {
            headline.push_str(&format!(" (found {value})"));
        }
        render("error", &headline, file, src, self.line, self.column)
    }
}

/// A value that is valid but probably not what was meant (a warning), or something the loader
/// did that the reader should know (a note). Located like a [`ScenarioError`]; the exit code is
/// not changed by either, and `--deny-warnings` refuses warnings, not notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioWarning {
    /// JSON path of the value (`""` for the whole document).
    pub path: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column, in characters, where known.
    pub column: Option<usize>,
    /// What is probably wrong, and how to say it so that it is not.
    pub message: String,
    /// A note rather than a warning.
    pub note: bool,
}

impl fmt::Display for ScenarioWarning {
    /// `LINE:COL: PATH: MESSAGE`, leaving out the parts that are unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{line}:{column}: ")?,
            (Some(line), None) => write!(f, "{line}: ")?,
            _ => {}
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl ScenarioWarning {
    /// As [`ScenarioError::render`], headed `warning:` (or `note:`); `as_error` heads it `error:`
    /// (a warning refused by `--deny-warnings`).
    pub fn render(&self, file: &str, src: &str, as_error: bool) -> String {
        let level = match (as_error, self.note) {
            (true, _) => "error",
            (false, true) => "note",
            (false, false) => "warning",
        };
        let mut headline = String::new();
        if !self.path.is_empty() {
            headline.push_str(&self.path);
            headline.push_str(": ");
        }
        headline.push_str(&self.message);
        render(level, &headline, file, src, self.line, self.column)
    }
}

/// The widest part of a source line shown, in characters; a longer line is cut around the column.
const SNIPPET_CHARS_MAX: usize = 100;
/// How many characters of a cut line are shown before the column.
const SNIPPET_CHARS_BEFORE: usize = 40;
/// A tab in a shown line is this many spaces (so that the caret stays under its character).
const TAB_WIDTH: usize = 4;

/// `LEVEL: HEADLINE`, then, where the position is known, the rustc-style location and snippet:
///
/// ```text
/// error: actions[2].input.count: expected an integer from 1 to 10 (found 11)
///   --> scenario.json:12:20
///    |
/// 12 |   "count": 11,
///    |            ^^
/// ```
fn render(
    level: &str,
    headline: &str,
    file: &str,
    src: &str,
    line: Option<usize>,
    column: Option<usize>,
) -> String {
    let Some(line) = line else {
        return format!("{level}: {file}: {headline}");
    };
    let location = match column {
        Some(column) => format!("{file}:{line}:{column}"),
        None => format!("{file}:{line}"),
    };
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let Some(text) = src.split('\n').nth(line - 1) else {
        return format!("{level}: {headline}\n --> {location}");
    };
    let text = text.strip_suffix('\r').unwrap_or(text);
    let (shown, caret_at, caret_len) = snippet(text, column.unwrap_or(1));
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let mut out = format!("{level}: {headline}\n{pad}--> {location}\n{pad} |\n{line} | {shown}");
    if column.is_some() {
        out.push_str(&format!(
            "\n{pad} | {}{}",
            " ".repeat(caret_at),
            "^".repeat(caret_len)
        ));
    }
    out
}

/// The part of `text` shown for a caret at 1-based character `column`: the text (tabs as spaces,
/// control characters as U+FFFD, cut around the column when long), the caret's offset in it and
/// its length (the JSON token that starts at the column, within what is shown).
fn snippet(text: &str, column: usize) -> (String, usize, usize) {
    let chars: Vec<char> = text.chars().collect();
    let at = column.saturating_sub(1).min(chars.len());
    let (start, end) = if chars.len() <= SNIPPET_CHARS_MAX {
        (0, chars.len())
    } else {
        let start = at.saturating_sub(SNIPPET_CHARS_BEFORE);
        (start, (start + SNIPPET_CHARS_MAX).min(chars.len()))
    };
    let token = token_chars(&chars[at..]).clamp(1, (end.max(at + 1)) - at);
    let mut shown = String::new();
    let mut caret_at = 0;
    let mut caret_len = 0;
    if start > 0 {
        shown.push('…');
    }
    for (i, &c) in chars.iter().enumerate().take(end).skip(start) {
        let (piece, width) = match c {
            '\t' => (" ".repeat(TAB_WIDTH), TAB_WIDTH),
            c if c.is_control() => ("\u{fffd}".to_string(), 1),
            c => (c.to_string(), 1),
        };
        if i < at {
            caret_at += width;
        } else if i < at + token {
            caret_len += width;
        }
        shown.push_str(&piece);
    }
    if start > 0 {
        caret_at += 1;
    }
    if end < chars.len() {
        shown.push('…');
    }
    (shown, caret_at, caret_len.max(1))
}

/// How many characters the JSON token at the start of `rest` spans: a string to its closing
/// quote, a number or literal to its end, one character otherwise.
fn token_chars(rest: &[char]) -> usize {
    match rest.first() {
        Some('"') => {
            let mut escaped = false;
            for (i, &c) in rest.iter().enumerate().skip(1) {
                match c {
                    '"' if !escaped => return i + 1,
                    '\\' => escaped = !escaped,
                    _ => escaped = false,
                }
            }
            rest.len()
        }
        Some(c) if c.is_ascii_alphanumeric() || *c == '-' => rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
            .count(),
        _ => 1,
    }
}

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

    fn error_at(line: usize, column: usize) -> ScenarioError {
        ScenarioError {
            path: "actions[0].input.count".into(),
            line: Some(line),
            column: Some(column),
            value: Some("11".into()),
            message: "expected an integer from 1 to 10".into(),
        }
    }

    #[test]
    fn render_shows_the_line_with_a_caret_under_the_token() {
        let src = "{\n  \"count\": 11,\n  \"name\": \"x\"\n}";
        assert_eq!(
            error_at(2, 12).render("s.json", src),
            "error: actions[0].input.count: expected an integer from 1 to 10 (found 11)\n\
             \x20--> s.json:2:12\n\
             \x20 |\n\
             2 |   \"count\": 11,\n\
             \x20 |            ^^"
        );
        // A string is underlined to its closing quote, the gutter widens with the line number.
        let mut src = "\n".repeat(11);
        src.push_str("\t\"name\": \"a\\\"b\"}");
        let shown = error_at(12, 10).render("s.json", &src);
        assert!(
            shown.ends_with("\n12 |     \"name\": \"a\\\"b\"}\n   |             ^^^^^^"),
            "{shown}"
        );
        assert!(shown.contains("\n  --> s.json:12:10\n   |\n"), "{shown}");
    }

    #[test]
    fn render_without_a_position_names_the_file() {
        let mut e = error_at(1, 1);
        e.line = None;
        e.column = None;
        assert_eq!(
            e.render("s.json", "{}"),
            "error: s.json: actions[0].input.count: expected an integer from 1 to 10 (found 11)"
        );
    }

    #[test]
    fn render_cuts_long_lines_and_hides_control_characters() {
        let line = format!("{}\"x\"{}\u{7}", "a".repeat(300), "b".repeat(300));
        let shown = error_at(1, 301).render("s.json", &line);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(
            lines[3],
            format!("1 | …{}\"x\"{}…", "a".repeat(40), "b".repeat(57))
        );
        assert_eq!(lines[4], format!("  | {}^^^", " ".repeat(41)));
        let shown = error_at(1, 2).render("s.json", "\u{0}1\r\n");
        assert!(shown.ends_with("1 | \u{fffd}1\n  |  ^"), "{shown:?}");
    }

    #[test]
    fn warnings_render_as_warnings_notes_or_denied_errors() {
        let w = ScenarioWarning {
            path: "horizon".into(),
            line: Some(1),
            column: Some(13),
            message: "3600000 seconds is 41.7 days".into(),
            note: false,
        };
        let src = "{\"horizon\": 3600000}";
        assert!(w
            .render("s.json", src, false)
            .starts_with("warning: horizon: 3600000"));
        assert!(w
            .render("s.json", src, true)
            .starts_with("error: horizon: 3600000"));
        assert!(w
            .render("s.json", src, false)
            .ends_with("|             ^^^^^^^"));
        let note = ScenarioWarning { note: true, ..w };
        assert!(note.render("s.json", src, false).starts_with("note: "));
    }

    #[test]
    fn long_values_are_cut() {
        let long = serde_json::Value::String("x".repeat(200));
        let shown = show(&long);
        assert_eq!(shown.chars().count(), 80);
        assert!(shown.ends_with('…'));
    }
}
