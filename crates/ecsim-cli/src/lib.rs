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
