//! The I/O shell of ecsim, under the `ecsim` binary: reading scenario files with errors that name
//! the file, streaming a run into its run directory on a writer thread, the directory's atomic
//! replacement, and `ecsim plan`'s search over many runs in parallel. The only crate that touches
//! files, threads, the clock or the process; the binary (`main.rs`) parses arguments and prints.

pub mod check;
pub mod import;
pub mod plan;
pub mod report;
pub mod run;
pub mod rundir;
pub mod signals;
pub mod sweep;

pub use ecsim_scenario::overrides::{Override, OverrideError};
use std::path::Path;

/// An error that ends the command with exit code 2 (invalid input, usage, or a run limit reached),
/// with the message to print.
#[derive(Debug)]
pub struct UsageError(pub String);

/// The most errors printed for one file; the rest are counted (as compilers stop at a few
/// dozen, so that the first, usually the cause of the others, stays on the screen).
pub const ERRORS_PRINTED: usize = 20;

/// Reads and validates a scenario file; every error names the file, line, column and JSON path
/// and shows the offending line. Warnings and notes are printed to stderr; with `deny_warnings`,
/// a warning is an error instead.
pub fn load(path: &Path, deny_warnings: bool) -> Result<ecsim_scenario::Loaded, UsageError> {
    // A file over the limit is refused before it is read (ours: nothing that grows is unbounded).
    if let Ok(m) = std::fs::metadata(path) {
        if m.is_file() && m.len() > ecsim_scenario::MAX_FILE_BYTES {
            return Err(UsageError(format!(
                "error: {}: {}",
                path.display(),
                ecsim_scenario::too_large(m.len())
            )));
        }
    }
    let bytes = std::fs::read(path).map_err(|e| {
        UsageError(format!(
            "error: {}: cannot read the scenario file: {e}",
            path.display()
        ))
    })?;
    let file = path.display().to_string();
    match ecsim_scenario::load_bytes(&bytes) {
        Ok(loaded) => {
            // Warnings point into valid UTF-8 text.
            let src = String::from_utf8_lossy(&bytes);
            let denied = print_warnings(&file, &src, &loaded.warnings, deny_warnings);
            if denied > 0 {
                return Err(UsageError(denied_message(&file, denied)));
            }
            Ok(loaded)
        }
        Err(errors) => {
            // A file that is not UTF-8 is shown as far as it reads.
            let src = String::from_utf8_lossy(&bytes);
            Err(UsageError(render_errors(&file, &src, &errors)))
        }
    }
}

/// Every error (at most [`ERRORS_PRINTED`]) as compilers print them, a blank line between two.
pub fn render_errors(file: &str, src: &str, errors: &[ecsim_scenario::ScenarioError]) -> String {
    let mut shown: Vec<String> = errors
        .iter()
        .take(ERRORS_PRINTED)
        .map(|e| e.render(file, src))
        .collect();
    if errors.len() > ERRORS_PRINTED {
        shown.push(format!(
            "error: {file}: {} more errors not shown; fix the ones above first",
            errors.len() - ERRORS_PRINTED
        ));
    }
    shown.join("\n\n")
}

/// Prints the warnings and notes of `file` to stderr, a blank line after each (warnings refused
/// by `deny_warnings` as errors); returns how many were refused.
pub fn print_warnings(
    file: &str,
    src: &str,
    warnings: &[ecsim_scenario::ScenarioWarning],
    deny_warnings: bool,
) -> usize {
    let mut denied = 0;
    for w in warnings {
        let as_error = deny_warnings && !w.note;
        denied += usize::from(as_error);
        eprintln!("{}\n", w.render(file, src, as_error));
    }
    denied
}

/// The last line when `--deny-warnings` refused `n` warnings of `file`.
pub fn denied_message(file: &str, n: usize) -> String {
    let warnings = if n == 1 { "warning" } else { "warnings" };
    format!("error: {file}: {n} {warnings} refused by --deny-warnings; nothing was run or written")
}

/// Reads a scenario file as text; errors name the file.
pub fn read_scenario(path: &Path) -> Result<String, UsageError> {
    read_text(path, "scenario")
}

/// Reads a JSON input file (`what` names its kind in errors) as UTF-8 text.
pub fn read_text(path: &Path, what: &str) -> Result<String, UsageError> {
    let src = std::fs::read(path).map_err(|e| {
        UsageError(format!(
            "error: {}: cannot read the {what} file: {e}",
            path.display()
        ))
    })?;
    String::from_utf8(src).map_err(|e| {
        UsageError(format!(
            "error: {}: the {what} file is not UTF-8 (byte {}); save it as UTF-8 JSON",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Reads a scenario file, applies `overrides` (`--set`) in order and validates the result, as
/// [`load`] does: errors rendered as compilers print them (those in a value an override put there
/// name the override, and have no line in the file), warnings printed, and refused with
/// `deny_warnings`. With no override this is [`load`].
pub fn load_with_overrides(
    path: &Path,
    overrides: &[Override],
    deny_warnings: bool,
) -> Result<ecsim_scenario::Loaded, UsageError> {
    if overrides.is_empty() {
        return load(path, deny_warnings);
    }
    let src = read_scenario(path)?;
    let file = path.display().to_string();
    match ecsim_scenario::overrides::load_with_overrides(&src, overrides) {
        Ok(loaded) => {
            let denied = print_warnings(&file, &src, &loaded.warnings, deny_warnings);
            if denied > 0 {
                return Err(UsageError(denied_message(&file, denied)));
            }
            Ok(loaded)
        }
        Err(OverrideError::Invalid(errors)) => {
            let origins: Vec<&str> = overrides.iter().map(|o| o.origin.as_str()).collect();
            Err(UsageError(format!(
                "error: {file}, with the overrides applied ({}), is not a valid scenario:\n\n{}",
                origins.join(", "),
                render_errors(&file, &src, &errors)
            )))
        }
        Err(e) => Err(override_error(path, &e, "")),
    }
}

/// Errors of a file, one line each: "error: file:line:col: path: message", or "error: file: path:
/// message" where no position is known.
pub fn file_errors(path: &Path, errors: &[ecsim_scenario::ScenarioError]) -> UsageError {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| match e.line {
            Some(_) => format!("error: {}:{e}", path.display()),
            None => format!("error: {}: {e}", path.display()),
        })
        .collect();
    UsageError(lines.join("\n"))
}

/// Why overrides of the scenario file `path` (described by `applied`, e.g. the `--set` options)
/// make no valid scenario.
pub fn override_error(path: &Path, e: &OverrideError, applied: &str) -> UsageError {
    match e {
        OverrideError::Pointer {
            origin,
            pointer,
            message,
        } => UsageError(format!(
            "error: {origin}: the pointer {pointer} names nothing in {}: {message}",
            path.display()
        )),
        OverrideError::Invalid(errors) => {
            let header = format!(
                "error: {}, with the overrides applied ({applied}), is not a valid scenario:",
                path.display()
            );
            UsageError(format!("{header}\n{}", file_errors(path, errors).0))
        }
    }
}

/// `s` as one shell word (for the commands that reproduce a run).
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./=:,+@%".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The `--set` argument that gives `o` (the inverse of [`Override::parse_set`]).
pub fn set_argument(o: &Override) -> String {
    format!(
        "{}={}",
        o.pointer,
        serde_json::to_string(&o.value).expect("a JSON value serializes")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_quote_what_a_shell_would_split() {
        assert_eq!(shell_word("scenarios/a.json"), "scenarios/a.json");
        assert_eq!(shell_word("/seed=3"), "/seed=3");
        assert_eq!(
            shell_word("/a=[{\"type\":\"binpack\"}]"),
            "'/a=[{\"type\":\"binpack\"}]'"
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        let o = Override::parse_set("/x=[1, {\"a\": \"b\"}]").unwrap();
        assert_eq!(set_argument(&o), "/x=[1,{\"a\":\"b\"}]");
        assert_eq!(
            Override::parse_set(&set_argument(&o)).unwrap().value,
            o.value
        );
    }
}
