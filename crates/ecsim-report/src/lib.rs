//! Turns a run's records into the files of the run directory (SPEC §9): `summary.json`,
//! `events.jsonl`, `timeseries.csv`, `services.csv` and `snapshots.jsonl`, one writer each.
//!
//! [`RunWriter`] is a [`Sink`]: it takes the records as the engine emits them and writes each file
//! line by line, resolving names through the stream's declarations, so nothing that grows with
//! the run stays in memory and the formatting can run on a thread of its own. A run held in
//! memory ([`RunOutput`]) is written by replaying its records through the same writers
//! ([`write_run_file`]).
//!
//! Every writer takes an `impl io::Write` and never opens a path; the CLI owns the directory and its
//! atomic rename. Every byte is a pure function of the records (and, for the summary, of
//! [`SummaryMeta`]): no clock, no hash-map order, floats rendered by serde_json's shortest
//! round-trip formatting after explicit rounding.
//!
//! Architecture Invariant: the engine's types carry no serde derives; the JSON shapes live here as
//! borrowed views (`ecs`, `events`, `snapshots`, `summary`) built by hand from them.

mod ecs;
mod events;
pub mod html;
mod names;
mod services;
mod snapshots;
mod summary;
pub mod sweep;
mod time;
mod timeseries;

pub use ecsim_engine::RunOutput;
pub use events::{EventsMode, EventsWriter};
pub use names::Names;
pub use services::{ServicesWriter, SERVICES_HEADER};
pub use snapshots::SnapshotsWriter;
pub use summary::{write_summary, SummaryMeta};
pub use time::iso_time;
pub use timeseries::{TimeseriesWriter, TIMESERIES_HEADER};

use ecsim_engine::{Record, Sink, SinkError};
use std::io::{self, Write};

/// Names of the files of a run directory, in the order they should be written.
pub const RUN_FILES: [&str; 5] = [
    "summary.json",
    "events.jsonl",
    "timeseries.csv",
    "services.csv",
    "snapshots.jsonl",
];

/// The streamed files of a run directory (everything but `summary.json`, written at the end).
pub struct RunFiles<W> {
    pub events: W,
    pub timeseries: W,
    pub services: W,
    pub snapshots: W,
}

/// Writes a run's files as its records arrive (see the crate docs).
pub struct RunWriter<W: Write> {
    names: Names,
    events: EventsWriter<W>,
    timeseries: TimeseriesWriter<W>,
    services: ServicesWriter<W>,
    snapshots: SnapshotsWriter<W>,
    /// `events.jsonl` may not grow past this (SPEC §3 run limits, `--max-output-bytes`).
    max_event_bytes: u64,
    /// The first write error, kept so that it ends the run with its cause.
    error: Option<String>,
}

impl<W: Write> RunWriter<W> {
    /// A writer for a run whose names start with `names` (region, account, start time).
    pub fn new(
        names: Names,
        files: RunFiles<W>,
        mode: EventsMode,
        max_event_bytes: u64,
    ) -> io::Result<RunWriter<W>> {
        Ok(RunWriter {
            names,
            events: EventsWriter::new(files.events, mode),
            timeseries: TimeseriesWriter::new(files.timeseries)?,
            services: ServicesWriter::new(files.services)?,
            snapshots: SnapshotsWriter::new(files.snapshots),
            max_event_bytes,
            error: None,
        })
    }

    /// Bytes of `events.jsonl` so far.
    pub fn event_bytes(&self) -> u64 {
        self.events.bytes()
    }

    fn write(&mut self, record: &Record) -> io::Result<()> {
        match record {
            Record::Declare(d) => self.names.declare(d),
            Record::Event(e) => self.events.event(&self.names, e)?,
            Record::Sample(r) => self.timeseries.row(&self.names, r)?,
            Record::ServiceRow(r) => self.services.row(&self.names, r)?,
            Record::Snapshot(s) => self.snapshots.snapshot(&self.names, s)?,
        }
        Ok(())
    }

    /// Writes what is buffered and returns the files' writers.
    pub fn finish(self) -> io::Result<RunFiles<W>> {
        Ok(RunFiles {
            events: self.events.finish()?,
            timeseries: self.timeseries.finish()?,
            services: self.services.finish()?,
            snapshots: self.snapshots.finish()?,
        })
    }
}

impl<W: Write> Sink for RunWriter<W> {
    fn record(&mut self, record: Record) -> Result<(), SinkError> {
        if let Some(e) = &self.error {
            return Err(SinkError(e.clone()));
        }
        if let Err(e) = self.write(&record) {
            let message = format!("writing the run's files failed: {e}");
            self.error = Some(message.clone());
            return Err(SinkError(message));
        }
        if self.events.bytes() > self.max_event_bytes {
            let message = format!(
                "events.jsonl would grow past its budget of {} bytes; raise it with --max-output-bytes N, or leave task events out with --events no-tasks",
                self.max_event_bytes
            );
            self.error = Some(message.clone());
            return Err(SinkError(message));
        }
        Ok(())
    }
}

/// A writer that discards what it is given (for the files a replay does not write).
struct Nowhere;

impl Write for Nowhere {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes the run file `name` (one of [`RUN_FILES`]) of a run held in memory, by replaying its
/// records through the streaming writers; any other name is an `InvalidInput` error.
pub fn write_run_file(
    name: &str,
    out: &RunOutput,
    meta: &SummaryMeta,
    w: impl Write,
) -> io::Result<()> {
    if name == "summary.json" {
        return write_summary(&out.summary, meta, w);
    }
    if !RUN_FILES.contains(&name) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name} is not a run file (expected one of {RUN_FILES:?})"),
        ));
    }
    let mut target: Box<dyn Write + '_> = Box::new(w);
    let mut sinks: [Box<dyn Write + '_>; 4] = [
        Box::new(Nowhere),
        Box::new(Nowhere),
        Box::new(Nowhere),
        Box::new(Nowhere),
    ];
    let k = RUN_FILES
        .iter()
        .position(|&n| n == name)
        .expect("a run file")
        - 1;
    std::mem::swap(&mut sinks[k], &mut target);
    let [events, timeseries, services, snapshots] = sinks;
    let names = Names::new(
        &out.world.region,
        &out.world.account_id,
        out.world.start_time_unix_ms,
    );
    let mut writer = RunWriter::new(
        names,
        RunFiles {
            events,
            timeseries,
            services,
            snapshots,
        },
        EventsMode::All,
        u64::MAX,
    )?;
    for r in &out.records {
        writer.write(r)?;
    }
    writer.finish()?;
    Ok(())
}

/// Writes `events.jsonl` of a run held in memory.
pub fn write_events(out: &RunOutput, w: impl Write) -> io::Result<()> {
    write_run_file("events.jsonl", out, &SummaryMeta::none(), w)
}

/// Writes `timeseries.csv` of a run held in memory.
pub fn write_timeseries(out: &RunOutput, w: impl Write) -> io::Result<()> {
    write_run_file("timeseries.csv", out, &SummaryMeta::none(), w)
}

/// Writes `services.csv` of a run held in memory.
pub fn write_services(out: &RunOutput, w: impl Write) -> io::Result<()> {
    write_run_file("services.csv", out, &SummaryMeta::none(), w)
}

/// Writes `snapshots.jsonl` of a run held in memory.
pub fn write_snapshots(out: &RunOutput, w: impl Write) -> io::Result<()> {
    write_run_file("snapshots.jsonl", out, &SummaryMeta::none(), w)
}
