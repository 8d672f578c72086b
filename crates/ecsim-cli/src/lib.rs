//! The I/O shell of ecsim, under the `ecsim` binary: reading scenario files with errors that name
//! the file, streaming a run into its run directory on a writer thread, and the directory's atomic
//! replacement. The only crate that touches files, threads, the clock or the process; the binary
//! (`main.rs`) parses arguments and prints.

pub mod run;
pub mod rundir;
pub mod sweep;

pub use ecsim_scenario::overrides::{Override, OverrideError};
use std::path::Path;

/// An error that ends the command with exit code 2 (invalid input, usage, or a run limit reached),
/// with the message to print.
#[derive(Debug)]
pub struct UsageError(pub String);

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

/// Reads and validates a scenario file; every error names the file, line, column and JSON path.
pub fn load(path: &Path) -> Result<ecsim_scenario::Loaded, UsageError> {
    let src = read_scenario(path)?;
    ecsim_scenario::load(&src).map_err(|errors| file_errors(path, &errors))
}

/// Reads a scenario file, applies `overrides` (`--set`) in order and validates the result; errors
/// name the file and say that they are about the file with the overrides applied.
pub fn load_with_overrides(
    path: &Path,
    overrides: &[Override],
) -> Result<ecsim_scenario::Loaded, UsageError> {
    if overrides.is_empty() {
        return load(path);
    }
    let src = read_scenario(path)?;
    let origins: Vec<&str> = overrides.iter().map(|o| o.origin.as_str()).collect();
    ecsim_scenario::overrides::load_with_overrides(&src, overrides)
        .map_err(|e| override_error(path, &e, &origins.join(", ")))
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
