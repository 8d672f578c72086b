//! `ecsim report DIR [--out FILE]` (SPEC §13.3): reads a run directory (or a sweep directory, one
//! holding `sweep.csv`) and writes one self-contained HTML page, `DIR/report.html` by default,
//! atomically (a temporary file beside it, renamed).

use crate::UsageError;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

fn read(dir: &Path, name: &str) -> Result<String, UsageError> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|e| {
        UsageError(format!(
            "error: {}: cannot read it: {e}; ecsim report takes a run directory (summary.json, events.jsonl, timeseries.csv, services.csv, snapshots.jsonl) or a sweep directory (sweep.csv)",
            path.display()
        ))
    })
}

/// Draws the report of `dir` into `out` (default `dir/report.html`); returns the file written.
pub fn report(dir: &Path, out: Option<PathBuf>) -> Result<PathBuf, UsageError> {
    if !dir.is_dir() {
        return Err(UsageError(format!(
            "error: {}: not a directory; ecsim report takes a run or sweep directory",
            dir.display()
        )));
    }
    let bad = |e: ecsim_report::html::ReportError| {
        UsageError(format!(
            "error: {}: {}",
            dir.join(e.file).display(),
            e.message
        ))
    };
    let html = if dir.join("sweep.csv").is_file() {
        let name = dir
            .file_name()
            .map_or_else(|| "sweep".to_string(), |n| n.to_string_lossy().into_owned());
        ecsim_report::html::sweep_report(&name, &read(dir, "sweep.csv")?).map_err(bad)?
    } else {
        let events_path = dir.join("events.jsonl");
        let events = std::fs::File::open(&events_path).map_err(|e| {
            UsageError(format!(
                "error: {}: cannot read it: {e}",
                events_path.display()
            ))
        })?;
        ecsim_report::html::run_report(ecsim_report::html::RunFiles {
            summary: read(dir, "summary.json")?,
            timeseries: read(dir, "timeseries.csv")?,
            services: read(dir, "services.csv")?,
            snapshots: read(dir, "snapshots.jsonl")?,
            events: BufReader::new(events),
        })
        .map_err(bad)?
    };
    let out = out.unwrap_or_else(|| dir.join("report.html"));
    let tmp = out.with_extension(format!("html.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(html.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &out)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        UsageError(format!(
            "error: {}: cannot write the report: {e}",
            out.display()
        ))
    })?;
    Ok(out)
}
