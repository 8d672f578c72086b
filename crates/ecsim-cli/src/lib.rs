//! The I/O shell of ecsim, under the `ecsim` binary: reading scenario files with errors that name
//! the file, streaming a run into its run directory on a writer thread, and the directory's atomic
//! replacement. The only crate that touches files, threads, the clock or the process; the binary
//! (`main.rs`) parses arguments and prints.

pub mod check;
pub mod run;
pub mod rundir;

use std::path::Path;

/// An error that ends the command with exit code 2 (invalid input, usage, or a run limit reached),
/// with the message to print.
#[derive(Debug)]
pub struct UsageError(pub String);

/// Reads and validates a scenario file; every error names the file, line, column and JSON path.
pub fn load(path: &Path) -> Result<ecsim_scenario::Loaded, UsageError> {
    let src = std::fs::read(path).map_err(|e| {
        UsageError(format!(
            "error: {}: cannot read the scenario file: {e}",
            path.display()
        ))
    })?;
    let src = String::from_utf8(src).map_err(|e| {
        UsageError(format!(
            "error: {}: the scenario file is not UTF-8 (byte {}); save it as UTF-8 JSON",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    ecsim_scenario::load(&src).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            // "file:line:col: path: message", or "file: path: message" where no position is known.
            .map(|e| match e.line {
                Some(_) => format!("error: {}:{e}", path.display()),
                None => format!("error: {}: {e}", path.display()),
            })
            .collect();
        UsageError(lines.join("\n"))
    })
}
