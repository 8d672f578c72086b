//! A run streamed to its run directory: the scenario simulated on this thread, its records
//! formatted and written on a thread of their own (so formatting overlaps simulation), into a
//! temporary run directory renamed into place at the end.

use crate::rundir::{write_error, write_summary, Syncer, TempRunDir};
use crate::signals;
use crate::UsageError;
use ecsim_engine::{Engine, EventDetail, Halt, Limits, Record, Sink, SinkError};
use ecsim_report::{EventsMode, Names, RunFiles, RunWriter};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Instant;

/// Records per batch handed to the writer thread.
const BATCH: usize = 4096;
/// Batches in flight between the threads (what the writer may lag behind by).
const IN_FLIGHT: usize = 8;
/// How often the growing `events.jsonl` is synced while the run goes on.
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// Action errors printed on the console.
pub const ERRORS_SHOWN: usize = 10;

/// How a run is streamed.
#[derive(Clone, Copy, Debug)]
pub struct StreamOptions {
    pub events: EventsMode,
    pub max_events: u64,
    pub max_output_bytes: u64,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            events: EventsMode::All,
            max_events: 1_000_000_000,
            max_output_bytes: 4 << 30,
        }
    }
}

/// An action error as the console shows it.
pub struct ShownError {
    pub t_ms: u64,
    pub index: usize,
    pub action: Arc<str>,
    pub error: &'static str,
    pub message: String,
}

/// What a streamed run ended with.
pub struct Outcome {
    pub summary: ecsim_engine::RunSummary,
    /// The first action errors, and how many there were.
    pub errors: Vec<ShownError>,
    pub error_count: u64,
    /// Wall time until the engine finished (the writer may still have been writing).
    pub simulated: std::time::Duration,
}

/// Hands records to the writer thread in batches (which come back empty to be reused, so that
/// streaming allocates nothing); keeps the first action errors for the console.
struct ChannelSink {
    tx: Option<SyncSender<Vec<Record>>>,
    /// Batches the writer has emptied.
    returned: Receiver<Vec<Record>>,
    batch: Vec<Record>,
    writer_failed: Arc<AtomicBool>,
    errors: Vec<ShownError>,
    error_count: u64,
}

impl ChannelSink {
    fn send(&mut self) -> Result<(), SinkError> {
        let empty = self
            .returned
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let batch = std::mem::replace(&mut self.batch, empty);
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(batch).is_ok());
        if sent {
            Ok(())
        } else {
            Err(SinkError("the run's writer stopped".into()))
        }
    }

    /// Sends what is left and closes the channel.
    fn close(&mut self) -> Result<(), SinkError> {
        let r = if self.batch.is_empty() {
            Ok(())
        } else {
            self.send()
        };
        self.tx = None;
        r
    }
}

impl Sink for ChannelSink {
    fn record(&mut self, record: Record) -> Result<(), SinkError> {
        if self.writer_failed.load(Ordering::Relaxed) {
            return Err(SinkError("the run's writer stopped".into()));
        }
        if let Some((_, name)) = signals::caught() {
            return Err(SinkError(format!("interrupted by {name}")));
        }
        if let Record::Event(e) = &record {
            if let EventDetail::ActionError {
                action_index,
                action,
                error,
                message,
            } = &e.detail
            {
                self.error_count += 1;
                if self.errors.len() < ERRORS_SHOWN {
                    self.errors.push(ShownError {
                        t_ms: e.t.ms(),
                        index: *action_index,
                        action: Arc::clone(action),
                        error,
                        message: message.clone(),
                    });
                }
            }
        }
        self.batch.push(record);
        if self.batch.len() >= BATCH {
            self.send()?;
        }
        Ok(())
    }
}

/// Runs `loaded` (whose file is `path`, for messages) into the run directory `out_dir`, which
/// [`crate::rundir::check_out_dir`] accepted: all of it, or (on an error or a reached limit) nothing.
pub fn run_to_dir(
    path: &Path,
    loaded: ecsim_scenario::Loaded,
    out_dir: &Path,
    opts: StreamOptions,
) -> Result<Outcome, UsageError> {
    let started = Instant::now();
    let out_dir = out_dir.to_path_buf();
    // From here on a SIGINT or SIGTERM stops the run at its next record, and the temporary
    // directory goes with `tmp` as for any other error.
    signals::install();
    let tmp = TempRunDir::create(&out_dir)?;
    let scenario = Arc::new(loaded.scenario);
    let files = RunFiles {
        events: tmp.file("events.jsonl")?,
        timeseries: tmp.file("timeseries.csv")?,
        services: tmp.file("services.csv")?,
        snapshots: tmp.file("snapshots.jsonl")?,
    };
    let syncer = Syncer::start(tmp.handle(&files.events)?, SYNC_EVERY);
    let names = Names::new(
        &scenario.region,
        &scenario.account_id,
        scenario.start_time_unix_ms,
    );
    let mut writer = RunWriter::new(names, files, opts.events, opts.max_output_bytes)
        .map_err(|e| write_error(&out_dir, "writing its files", e))?;

    let (tx, rx) = sync_channel::<Vec<Record>>(IN_FLIGHT);
    let (back, returned) = sync_channel::<Vec<Record>>(IN_FLIGHT + 2);
    let writer_failed = Arc::new(AtomicBool::new(false));
    let failed = Arc::clone(&writer_failed);
    let handle = std::thread::spawn(move || {
        for mut batch in rx {
            for r in batch.drain(..) {
                if let Err(e) = writer.record(r) {
                    failed.store(true, Ordering::Relaxed);
                    return (writer, Err(e));
                }
            }
            // Back for reuse; if the engine has enough already, it is dropped.
            let _ = back.try_send(batch);
        }
        (writer, Ok(()))
    });
    let mut sink = ChannelSink {
        tx: Some(tx),
        returned,
        batch: Vec::with_capacity(BATCH),
        writer_failed,
        errors: Vec::new(),
        error_count: 0,
    };
    let mut engine = Engine::with_sink(Arc::clone(&scenario), &mut sink);
    engine.set_limits(Limits {
        max_events: opts.max_events,
        ..Limits::default()
    });
    let ran = engine.run_to_end();
    let now = engine.now();
    let summary = engine.finish();
    let closed = sink.close();
    let simulated = started.elapsed();
    let (writer, written) = handle
        .join()
        .map_err(|_| UsageError("error: the run's writer thread panicked".into()))?;
    // The writer's own error explains a refused record better than the channel's.
    let halt = match (ran, written, closed) {
        (Err(Halt::Sink { at, .. }), Err(e), _) => Some(Halt::Sink { message: e.0, at }),
        (Err(h), _, _) => Some(h),
        (Ok(()), Err(e), _) | (Ok(()), Ok(()), Err(e)) => Some(Halt::Sink {
            message: e.0,
            at: now,
        }),
        (Ok(()), Ok(()), Ok(())) => None,
    };
    if let Some(h) = halt {
        // Nothing is written: the temporary directory goes with `tmp`.
        return Err(UsageError(format!(
            "error: {}: {h}; nothing was written",
            path.display()
        )));
    }
    let files = writer
        .finish()
        .map_err(|e| write_error(&out_dir, "writing its files", e))?;
    drop(syncer);
    for f in [
        files.events,
        files.timeseries,
        files.services,
        files.snapshots,
    ] {
        tmp.close(f)?;
    }
    let meta = ecsim_report::SummaryMeta {
        scenario_sha256: &loaded.sha256,
        ignored_fields: &loaded.ignored_fields,
    };
    write_summary(&tmp, &summary, &meta)?;
    if let Some((_, name)) = signals::caught() {
        return Err(UsageError(format!(
            "error: {}: interrupted by {name}; nothing was written",
            path.display()
        )));
    }
    tmp.commit()?;
    Ok(Outcome {
        summary,
        errors: sink.errors,
        error_count: sink.error_count,
        simulated,
    })
}
