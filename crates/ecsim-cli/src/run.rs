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
/// Kinds of action error printed on the console (each kind one line, however often it happened).
pub const ERRORS_SHOWN: usize = 10;

/// How a run is streamed.
#[derive(Clone, Copy, Debug)]
pub struct StreamOptions {
    pub events: EventsMode,
    pub max_events: u64,
    pub max_output_bytes: u64,
    /// A run that ends with warnings is an error (exit 2, nothing written).
    pub deny_warnings: bool,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            events: EventsMode::All,
            max_events: 1_000_000_000,
            max_output_bytes: 4 << 30,
            deny_warnings: false,
        }
    }
}

/// One kind of action error as the console shows it: the same action rejected with the same
/// error and message, however many times (RULE, ours: a rejection repeated 1,000 times is one
/// line with its count).
pub struct ShownError {
    /// The first time, and the file index of the action.
    pub t_ms: u64,
    pub index: usize,
    pub action: Arc<str>,
    pub error: &'static str,
    pub message: String,
    /// How many times, and the last time and action index.
    pub count: u64,
    pub last_t_ms: u64,
    pub last_index: usize,
}

impl ShownError {
    /// `at 5s actions[3] StopTask: Error: message`, and for a repeated rejection
    /// ` (1000 times, the last at 1004s actions[1002])`.
    pub fn line(&self) -> String {
        let mut line = format!(
            "at {}s actions[{}] {}: {}: {}",
            self.t_ms as f64 / 1000.0,
            self.index,
            self.action,
            self.error,
            self.message
        );
        if self.count > 1 {
            line.push_str(&format!(
                " ({} times, the last at {}s actions[{}])",
                self.count,
                self.last_t_ms as f64 / 1000.0,
                self.last_index
            ));
        }
        line
    }
}

/// What a streamed run ended with.
pub struct Outcome {
    pub summary: ecsim_engine::RunSummary,
    /// The first kinds of action error, and how many action errors there were in all.
    pub errors: Vec<ShownError>,
    pub error_count: u64,
    /// What the run suggests is probably wrong with the scenario (printed as warnings).
    pub warnings: Vec<String>,
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
    /// Per service (by id), whether it has reached a steady state (`SERVICE_STEADY_STATE`).
    steady: Vec<bool>,
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
            match &e.detail {
                EventDetail::ActionError {
                    action_index,
                    action,
                    error,
                    message,
                    ..
                } => {
                    self.error_count += 1;
                    let room = self.errors.len() < ERRORS_SHOWN;
                    let same = self.errors.iter_mut().find(|shown| {
                        shown.action == *action
                            && shown.error == *error
                            && shown.message == *message
                    });
                    match same {
                        Some(shown) => {
                            shown.count += 1;
                            shown.last_t_ms = e.t.ms();
                            shown.last_index = *action_index;
                        }
                        None if room => {
                            self.errors.push(ShownError {
                                t_ms: e.t.ms(),
                                index: *action_index,
                                action: Arc::clone(action),
                                error,
                                message: message.clone(),
                                count: 1,
                                last_t_ms: e.t.ms(),
                                last_index: *action_index,
                            });
                        }
                        None => {}
                    }
                }
                EventDetail::ServiceAction {
                    service,
                    event_name: "SERVICE_STEADY_STATE",
                    ..
                } => {
                    let i = service.index();
                    if self.steady.len() <= i {
                        self.steady.resize(i + 1, false);
                    }
                    self.steady[i] = true;
                }
                _ => {}
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
        steady: Vec::new(),
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
    let warnings = run_warnings(&scenario, &summary, sink.error_count, &sink.steady);
    if opts.deny_warnings && !warnings.is_empty() {
        // Nothing is written: the temporary directory goes with `tmp`.
        let lines: Vec<String> = warnings
            .iter()
            .map(|w| format!("error: {}: {w}", path.display()))
            .collect();
        return Err(UsageError(format!(
            "{}\n{}",
            lines.join("\n"),
            crate::denied_message(&path.display().to_string(), warnings.len())
                .replace("nothing was run or written", "nothing was written")
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
        warnings,
        simulated,
    })
}

/// What a finished run suggests is probably wrong with its scenario (ours, docs/semantics.md):
/// actions the simulated state rejected with no `maxActionErrors` assertion to judge them, and
/// services that never reached a steady state with no `serviceSteadyBy` or `deploymentCompletes`
/// assertion on them.
fn run_warnings(
    scenario: &ecsim_engine::Scenario,
    summary: &ecsim_engine::RunSummary,
    error_count: u64,
    steady: &[bool],
) -> Vec<String> {
    use ecsim_engine::assertions::Assertion;
    let mut warnings = Vec::new();
    let bounded = scenario
        .assertions
        .iter()
        .any(|a| matches!(a, Assertion::MaxActionErrors { .. }));
    if error_count > 0 && !bounded {
        let actions = if error_count == 1 {
            "1 action was".to_string()
        } else {
            format!("{error_count} actions were")
        };
        warnings.push(format!(
            "{actions} rejected by the simulated state (ECS Action Error) and no assertion bounds them; add {{\"type\": \"maxActionErrors\", \"atMost\": 0}} to the assertions to make that a failure, or a higher atMost if they are expected"
        ));
    }
    for (i, s) in summary.services.iter().enumerate() {
        if steady.get(i).copied().unwrap_or(false) {
            continue;
        }
        let (cluster, name) = (&s.cluster_name, &s.service.name);
        let judged = scenario.assertions.iter().any(|a| match a {
            Assertion::ServiceSteadyBy {
                cluster: c,
                service,
                ..
            }
            | Assertion::DeploymentCompletes {
                cluster: c,
                service,
                ..
            } => c == cluster && service == name,
            _ => false,
        });
        if !judged {
            warnings.push(format!(
                "service {name} (cluster {cluster}) never reached a steady state in the run ({} running, {} healthy at the end); its ECS Service Action events in events.jsonl say why; a serviceSteadyBy or deploymentCompletes assertion on it makes that a failure",
                s.running_count, s.healthy_count
            ));
        }
    }
    warnings
}
