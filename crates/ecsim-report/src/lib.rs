//! Turns a run's output into the files of the run directory (SPEC §9): `summary.json`,
//! `events.jsonl`, `timeseries.csv`, `services.csv` and `snapshots.jsonl`, one writer each, all
//! named in [`RUN_FILES`] and reachable by name through [`write_run_file`].
//!
//! Every writer takes an `impl io::Write` and never opens a path; the CLI owns the directory and its
//! atomic rename. Every byte is a pure function of the [`RunOutput`] (and, for the summary, of
//! [`SummaryMeta`]): no clock, no hash-map order, floats rendered by serde_json's shortest
//! round-trip formatting after explicit rounding.
//!
//! Architecture Invariant: the engine's types carry no serde derives; the JSON shapes live here as
//! borrowed views (`ecs`, `events`, `snapshots`, `summary`) built by hand from them.

mod ecs;
mod events;
mod services;
mod snapshots;
mod summary;
mod time;
mod timeseries;

pub use ecsim_engine::RunOutput;
pub use events::write_events;
pub use services::{write_services, SERVICES_HEADER};
pub use snapshots::write_snapshots;
pub use summary::{write_summary, SummaryMeta};
pub use time::iso_time;
pub use timeseries::{write_timeseries, TIMESERIES_HEADER};

use std::io::{self, Write};

/// Names of the files of a run directory, in the order they should be written.
pub const RUN_FILES: [&str; 5] = [
    "summary.json",
    "events.jsonl",
    "timeseries.csv",
    "services.csv",
    "snapshots.jsonl",
];

/// Writes the run file `name` (one of [`RUN_FILES`]), so that a caller looping over
/// [`RUN_FILES`] writes every file, including those added later. Any other name is an
/// `InvalidInput` error.
pub fn write_run_file(
    name: &str,
    out: &RunOutput,
    meta: &SummaryMeta,
    w: impl Write,
) -> io::Result<()> {
    match name {
        "summary.json" => write_summary(out, meta, w),
        "events.jsonl" => write_events(out, w),
        "timeseries.csv" => write_timeseries(out, w),
        "services.csv" => write_services(out, w),
        "snapshots.jsonl" => write_snapshots(out, w),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name} is not a run file (expected one of {RUN_FILES:?})"),
        )),
    }
}
