//! `ecsim sweep` (SPEC §12.2): a sweep file's variants × grid points × seeds, validated before any
//! run, run in parallel over `--jobs` threads (rayon: one run per task, never parallel inside a
//! run), collected, and written in row order into the sweep directory, atomically: `sweep.csv`
//! and `aggregate.csv`, or, for one shard (`--shard I/N`), that shard's rows and `shard.json`,
//! which `ecsim sweep merge` joins ([`merge`]).

mod merge;
mod shard;

pub use merge::merge;
pub use shard::{resolve_shard, Shard, SHARD_INDEX_VARIABLES};

use crate::run::{run_to_dir, StreamOptions};
use crate::rundir::{write_error, TempRunDir};
use crate::UsageError;
use crate::{file_errors, override_error, read_scenario, read_text, set_argument, shell_word};
use ecsim_engine::{Discard, Engine};
use ecsim_report::sweep as files;
use ecsim_scenario::overrides::{Document, OverrideError};
use ecsim_scenario::sweep::{Combination, Sweep, SweepScenario};
use ecsim_scenario::{Loaded, ScenarioError};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The files a sweep directory may hold, and the directory of its kept runs.
pub const SWEEP_FILES: [&str; 3] = ["sweep.csv", "aggregate.csv", "shard.json"];
pub const RUNS_DIR: &str = "runs";

/// The most threads `--jobs` may ask for.
pub const MAX_JOBS: usize = 1024;

/// How a sweep runs.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Runs at once (threads).
    pub jobs: usize,
    /// Only this shard's rows.
    pub shard: Option<Shard>,
    /// The sweep directory (default `results/<sweep name>/`, or
    /// `results/<sweep name>-shard-I-of-N/` for a shard).
    pub out: Option<PathBuf>,
    /// Writes every run's directory under `runs/`.
    pub keep_runs: bool,
    /// Shows a progress bar on stderr.
    pub progress: bool,
}

/// What a sweep did.
#[derive(Clone, Debug)]
pub struct SweepOutcome {
    pub name: String,
    pub out_dir: PathBuf,
    /// Rows run by this invocation (all of them, or one shard's).
    pub runs: usize,
    /// Rows of the whole sweep.
    pub total_runs: usize,
    pub combinations: usize,
    pub seeds: usize,
    /// Runs whose exit is 1 (an assertion failed).
    pub failed: usize,
    /// The command that reproduces the first of them.
    pub first_failed: Option<String>,
}

/// A sweep file read, its scenario parsed and every combination checked.
pub struct Prepared {
    pub sweep: Sweep,
    /// The sweep file.
    pub path: PathBuf,
    doc: Document,
    /// The scenario file (`None` for a scenario inside the sweep file).
    scenario_path: Option<PathBuf>,
    /// sha256 of the scenario: the file's bytes, or the inline scenario's compact JSON.
    pub scenario_sha256: String,
}

impl Prepared {
    /// The file errors of the scenario are reported against.
    fn scenario_file(&self) -> &Path {
        self.scenario_path.as_deref().unwrap_or(&self.path)
    }

    /// Loads one combination's scenario (with the scenario's own seed).
    pub fn load(&self, c: &Combination) -> Result<Loaded, OverrideError> {
        let mut loaded = self.doc.load(&c.overrides).map_err(|e| match e {
            OverrideError::Invalid(errors) if self.scenario_path.is_none() => {
                OverrideError::Invalid(inline_paths(errors))
            }
            e => e,
        })?;
        if self.scenario_path.is_none() && c.overrides.is_empty() {
            // RULE (ours): an inline scenario's sha256 is that of its compact JSON.
            loaded.sha256 = self.scenario_sha256.clone();
        }
        Ok(loaded)
    }

    /// `ecsim run ...` for one row, or why there is none.
    pub fn reproduce(&self, c: &Combination, seed: u64) -> String {
        let Some(path) = &self.scenario_path else {
            return format!(
                "the scenario is inside {}; save it to a file to run it alone",
                self.path.display()
            );
        };
        let mut cmd = format!(
            "ecsim run {} --seed {seed}",
            shell_word(&path.display().to_string())
        );
        for o in &c.overrides {
            cmd.push_str(" --set ");
            cmd.push_str(&shell_word(&set_argument(o)));
        }
        cmd
    }

    /// Why combination `c` makes no valid scenario.
    fn combination_error(&self, c: &Combination, e: &OverrideError) -> UsageError {
        let applied = format!("variant '{}'", c.name);
        match e {
            OverrideError::Pointer {
                origin,
                pointer,
                message,
            } => UsageError(format!(
                "error: {}: {origin}, in {applied}: the pointer {pointer} names nothing in {}: {message}",
                self.path.display(),
                self.scenario_file().display()
            )),
            OverrideError::Invalid(_) => override_error(self.scenario_file(), e, &applied),
        }
    }
}

/// An inline scenario's errors are about the sweep file's `scenario` field.
fn inline_paths(errors: Vec<ScenarioError>) -> Vec<ScenarioError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.path = if e.path.is_empty() {
                "scenario".into()
            } else if e.path.starts_with('[') {
                format!("scenario{}", e.path)
            } else {
                format!("scenario.{}", e.path)
            };
            e
        })
        .collect()
}

/// A thread pool of `jobs` threads.
pub fn pool(jobs: usize) -> Result<rayon::ThreadPool, UsageError> {
    if !(1..=MAX_JOBS).contains(&jobs) {
        return Err(UsageError(format!(
            "error: --jobs {jobs}: expected 1 to {MAX_JOBS} runs at once"
        )));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| UsageError(format!("error: cannot start {jobs} threads: {e}")))
}

/// Reads the sweep file and its scenario and checks every combination (in `pool`), before any run.
pub fn prepare(path: &Path, pool: &rayon::ThreadPool) -> Result<Prepared, UsageError> {
    let src = read_text(path, "sweep")?;
    let sweep = ecsim_scenario::sweep::parse(&src).map_err(|e| file_errors(path, &e))?;
    let (doc, scenario_path, scenario_sha256) = match &sweep.scenario {
        SweepScenario::File(relative) => {
            let dir = path.parent().unwrap_or(Path::new(""));
            let scenario = dir.join(relative);
            let text = read_scenario(&scenario).map_err(|UsageError(m)| {
                UsageError(format!(
                    "{m}\nerror: {}: scenario: the sweep's scenario, {relative:?}, is read relative to the sweep file's directory",
                    path.display()
                ))
            })?;
            let doc = Document::parse(&text).map_err(|e| file_errors(&scenario, &e))?;
            let sha = ecsim_scenario::sha256_hex(text.as_bytes());
            (doc, Some(scenario), sha)
        }
        SweepScenario::Inline { src, sha256 } => {
            let doc = Document::parse(src).map_err(|e| file_errors(path, &inline_paths(e)))?;
            (doc, None, sha256.clone())
        }
    };
    let prepared = Prepared {
        sweep,
        path: path.to_path_buf(),
        doc,
        scenario_path,
        scenario_sha256,
    };
    // Every combination makes a valid scenario, or nothing runs; the first invalid one (in row
    // order) is reported, with how many others are.
    let problems: Vec<(usize, OverrideError)> = pool.install(|| {
        (0..prepared.sweep.combination_count())
            .into_par_iter()
            .filter_map(|i| {
                let c = prepared.sweep.combination(i);
                prepared.load(&c).err().map(|e| (i, e))
            })
            .collect()
    });
    if let Some((i, e)) = problems.first() {
        let c = prepared.sweep.combination(*i);
        let mut error = prepared.combination_error(&c, e);
        if problems.len() > 1 {
            error.0.push_str(&format!(
                "\nerror: {}: {} of the sweep's {} variants (with their grid points) make no valid scenario; the first is shown",
                path.display(),
                problems.len(),
                prepared.sweep.combination_count()
            ));
        }
        return Err(error);
    }
    Ok(prepared)
}

/// Checks, before anything runs, that `dir` names a directory to create or an earlier sweep
/// directory (holding nothing but sweep files and `runs/`), so that replacing it destroys nothing
/// of the user's.
pub fn check_out_dir(dir: &Path) -> Result<(), UsageError> {
    crate::rundir::check_dir_holding(
        dir,
        &SWEEP_FILES,
        &[RUNS_DIR],
        "an ecsim sweep directory",
        "sweep directory",
    )
}

/// One row's run, or why it could not end.
type RowResult = Result<Vec<String>, UsageError>;

/// Runs the sweep file at `path` (all of it, or one shard) and writes its directory.
pub fn run(path: &Path, opts: &SweepOptions) -> Result<SweepOutcome, UsageError> {
    let pool = pool(opts.jobs)?;
    let prepared = prepare(path, &pool)?;
    let sweep = &prepared.sweep;
    let out_dir = opts.out.clone().unwrap_or_else(|| {
        let name = match opts.shard {
            None => sweep.name.clone(),
            Some(s) => format!("{}-shard-{}-of-{}", sweep.name, s.index, s.count),
        };
        PathBuf::from("results").join(name)
    });
    check_out_dir(&out_dir)?;
    let total = sweep.run_count();
    let rows: Vec<usize> = (0..total)
        .filter(|r| opts.shard.is_none_or(|s| r % s.count == s.index))
        .collect();
    // From here on a SIGINT or SIGTERM stops the sweep before its next run, and the temporary
    // directory goes with `tmp`, as for `ecsim run`.
    crate::signals::install();
    let tmp = TempRunDir::create(&out_dir)?;
    let runs_dir = tmp.path().join(RUNS_DIR);
    if opts.keep_runs {
        std::fs::create_dir(&runs_dir).map_err(|e| write_error(&out_dir, "creating runs/", e))?;
    }
    let bar = if opts.progress {
        let bar = indicatif::ProgressBar::new(rows.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{wide_bar} {pos}/{len} runs, {elapsed} ({eta} left)",
            )
            .expect("a valid template"),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let results: Vec<RowResult> = pool.install(|| {
        rows.par_iter()
            .map(|&r| {
                if let Some((_, name)) = crate::signals::caught() {
                    return Err(UsageError(format!(
                        "error: {}: interrupted by {name}; nothing was written",
                        path.display()
                    )));
                }
                let result = run_row(&prepared, r, opts.keep_runs.then_some(&runs_dir));
                bar.inc(1);
                result
            })
            .collect()
    });
    bar.finish_and_clear();
    if let Some((_, name)) = crate::signals::caught() {
        return Err(UsageError(format!(
            "error: {}: interrupted by {name}; nothing was written",
            path.display()
        )));
    }
    let mut cells = Vec::with_capacity(results.len());
    for result in results {
        // The first failure in row order: the same whatever the thread count.
        cells.push(result?);
    }
    let failed_rows: Vec<usize> = rows
        .iter()
        .zip(&cells)
        .filter(|(_, row)| row[2 + sweep.grid.len()] != "0")
        .map(|(&r, _)| r)
        .collect();
    let first_failed = failed_rows.first().map(|&r| {
        let c = sweep.combination(r / sweep.seeds.len());
        prepared.reproduce(&c, sweep.seeds[r % sweep.seeds.len()])
    });
    let header = files::header(
        &sweep
            .grid
            .iter()
            .map(|a| a.pointer.clone())
            .collect::<Vec<_>>(),
    );
    write_csv_file(&tmp, "sweep.csv", &header, &cells)?;
    match opts.shard {
        None => {
            let aggregate = files::aggregate(&header, &cells)
                .map_err(|e| UsageError(format!("error: the sweep's figures: {e}")))?;
            write_csv_file(&tmp, "aggregate.csv", &files::AGGREGATE_HEADER, &aggregate)?;
        }
        Some(s) => {
            let csv_sha = ecsim_scenario::sha256_hex(
                &std::fs::read(tmp.path().join("sweep.csv"))
                    .map_err(|e| write_error(&out_dir, "reading back sweep.csv", e))?,
            );
            let info = shard::ShardInfo {
                name: sweep.name.clone(),
                sweep_sha256: sweep.sha256.clone(),
                scenario_sha256: prepared.scenario_sha256.clone(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                shards: s.count,
                shard: s.index,
                rows: total,
                shard_rows: rows.len(),
                keep_runs: opts.keep_runs,
                sweep_csv_sha256: csv_sha,
            };
            let mut f = tmp.file("shard.json")?;
            f.write_all(info.to_json().as_bytes())
                .map_err(|e| write_error(&out_dir, "writing shard.json", e))?;
            tmp.close(f)?;
        }
    }
    // A signal while the files were written: nothing is committed.
    if let Some((_, name)) = crate::signals::caught() {
        return Err(UsageError(format!(
            "error: {}: interrupted by {name}; nothing was written",
            path.display()
        )));
    }
    tmp.commit()?;
    Ok(SweepOutcome {
        name: sweep.name.clone(),
        out_dir,
        runs: rows.len(),
        total_runs: total,
        combinations: sweep.combination_count(),
        seeds: sweep.seeds.len(),
        failed: failed_rows.len(),
        first_failed,
    })
}

/// Writes one CSV file of the sweep directory.
pub(crate) fn write_csv_file<S: AsRef<str>>(
    tmp: &TempRunDir,
    name: &str,
    header: &[S],
    rows: &[Vec<String>],
) -> Result<(), UsageError> {
    let mut f = tmp.file(name)?;
    files::write_csv(&mut f, header, rows)
        .map_err(|e| write_error(tmp.target(), &format!("writing {name}"), e))?;
    tmp.close(f)
}

/// Runs row `r`: combination `r / seeds`, seed `r % seeds`; into `runs/V-S/` when runs are kept.
fn run_row(prepared: &Prepared, r: usize, runs_dir: Option<&PathBuf>) -> RowResult {
    let sweep = &prepared.sweep;
    let combination = r / sweep.seeds.len();
    let seed = sweep.seeds[r % sweep.seeds.len()];
    let c = sweep.combination(combination);
    let mut loaded = prepared
        .load(&c)
        .map_err(|e| prepared.combination_error(&c, &e))?;
    loaded.scenario.seed = seed;
    let summary = match runs_dir {
        Some(dir) => {
            let out = dir.join(format!("{combination}-{seed}"));
            run_to_dir(
                prepared.scenario_file(),
                loaded,
                &out,
                StreamOptions::default(),
            )
            .map_err(|UsageError(m)| halted(prepared, &c, seed, &m))?
            .summary
        }
        None => {
            let mut engine = Engine::with_owned_sink(Arc::new(loaded.scenario), Box::new(Discard));
            if let Err(h) = engine.run_to_end() {
                return Err(halted(prepared, &c, seed, &format!("error: {h}")));
            }
            engine.finish()
        }
    };
    Ok(files::row(
        &c.name,
        seed,
        &c.grid_values,
        &files::run_row(&summary),
    ))
}

/// A run that could not end: the sweep stops with nothing written.
fn halted(prepared: &Prepared, c: &Combination, seed: u64, message: &str) -> UsageError {
    UsageError(format!(
        "{message}\nerror: {}: the run of variant '{}' with seed {seed} did not end, so the sweep wrote nothing; reproduce: {}",
        prepared.path.display(),
        c.name,
        prepared.reproduce(c, seed)
    ))
}
