//! Turns a run's output into the files of the run directory (SPEC §9): `summary.json`,
//! `events.jsonl`, `timeseries.csv` and `snapshots.jsonl` (`services.csv` joins them, as its own
//! module and entry of [`RUN_FILES`], with the service scheduler).
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
mod snapshots;
mod summary;
mod time;
mod timeseries;

pub use ecsim_engine::RunOutput;
pub use events::write_events;
pub use snapshots::write_snapshots;
pub use summary::{write_summary, SummaryMeta};
pub use time::iso_time;
pub use timeseries::{write_timeseries, TIMESERIES_HEADER};

/// Names of the files of a run directory, in the order they should be written.
pub const RUN_FILES: [&str; 4] = [
    "summary.json",
    "events.jsonl",
    "timeseries.csv",
    "snapshots.jsonl",
];
