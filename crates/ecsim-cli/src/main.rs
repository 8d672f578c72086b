//! The `ecsim` binary: parses arguments, reads scenario files, runs the engine and writes the run
//! directory atomically. The only crate that touches files, the clock, threads or the process.

// The arguments' doc comments are their `--help` text, where `results/<name>/` is plain text.
#![allow(rustdoc::invalid_html_tags)]

use clap::{Args, Parser, Subcommand, ValueEnum};
use ecsim_engine::Engine;
use ecsim_kernel::SimTime;
use ecsim_model::InstanceStatus;
use ecsim_placement::Check;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints to stdout, ignoring a closed pipe (`ecsim run X | head -1` must not panic).
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = std::io::Write::write_fmt(&mut std::io::stdout().lock(), format_args!("{}\n", format_args!($($arg)*)));
    }};
}

use ecsim_cli::run::ERRORS_SHOWN;
use ecsim_cli::{load, set_argument, shell_word, Override, UsageError};

#[derive(Parser)]
#[command(
    name = "ecsim",
    version,
    about = "A deterministic simulator of Amazon ECS task placement and scheduling"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Treats warnings (valid values that are probably wrong, and what a run suggests is wrong
    /// with its scenario) as errors: exit code 2, and nothing written.
    #[arg(long, global = true)]
    deny_warnings: bool,
}

/// Which events `events.jsonl` holds.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum EventsArg {
    /// Every event.
    All,
    /// Without ECS Task State Change and ECS Placement Decision.
    NoTasks,
    /// None (an empty file).
    None,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a scenario and writes its run directory.
    #[command(
        after_help = "Example:\n  ecsim run scenarios/quickstart.json --seed 3 --out results/q3\n  writes results/q3/ (summary.json, events.jsonl, timeseries.csv, services.csv, snapshots.jsonl)"
    )]
    Run {
        /// The scenario file (JSON).
        scenario: PathBuf,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// The run directory (default: results/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overrides the value a JSON Pointer (RFC 6901) names in the scenario, as a sweep variant
        /// does, e.g. --set /actions/1/input/count=12 or
        /// --set '/actions/3/input/placementStrategy=[{"type":"binpack","field":"memory"}]';
        /// repeatable, applied in order; the value is JSON (a string needs its quotes).
        #[arg(long = "set", value_name = "POINTER=JSON")]
        set: Vec<String>,
        /// Which events events.jsonl holds; the fingerprint and every other file are the same.
        #[arg(long, value_enum, default_value = "all")]
        events: EventsArg,
        /// The most events the run may process; beyond it the run ends with exit code 2 and
        /// nothing written.
        #[arg(long, default_value_t = 1_000_000_000)]
        max_events: u64,
        /// The most bytes events.jsonl may hold (default 4 GiB); beyond it the run ends with exit
        /// code 2 and nothing written.
        #[arg(long, default_value_t = 4 << 30)]
        max_output_bytes: u64,
    },
    /// Finds, for each instance type and survive case of a plan, the smallest fleet that carries
    /// the scenario through the fault (SPEC §12.3); writes plan.csv and plan.json.
    #[command(
        after_help = "Example:\n  ecsim plan scenarios/plans/one-zone-down.json --jobs 2\n  writes results/<plan name>/plan.csv and plan.json and prints the table"
    )]
    Plan {
        /// The plan file (JSON).
        plan: PathBuf,
        /// Threads to run simulations on (default: the machine's cores); the output is the same
        /// for any number.
        #[arg(long)]
        jobs: Option<usize>,
        /// The output directory (default: results/<plan name>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Checks a scenario without running it.
    #[command(
        after_help = "Example:\n  ecsim validate scenarios/quickstart.json\n  prints 'ok: ...' or every error with its file, line, column and JSON path (exit 2)"
    )]
    Validate { scenario: PathBuf },
    /// Runs a sweep file's variants × grid points × seeds in parallel and writes sweep.csv and
    /// aggregate.csv (or one shard's rows); `ecsim sweep merge` joins shards.
    #[command(
        after_help = "Example:\n  ecsim sweep scenarios/sweeps/placement-strategies.json --jobs 4 --out results/strategies\n  writes results/strategies/ (sweep.csv, aggregate.csv); with --shard 0/4 one shard's rows, joined by\n  ecsim sweep merge --out results/strategies results/strategies-shard-*-of-4"
    )]
    Sweep(SweepArgs),
    /// Runs a scenario for every seed of a range, checking the engine's invariants after every
    /// event and the scenario's assertions at the end; exit code 1 when a seed fails.
    #[command(
        after_help = "Example:\n  ecsim check scenarios/check-instance-loss.json --seeds 1..100 --shrink\n  prints the seeds run and failed, the lowest failing seed with the command that reproduces it, and writes scenarios/check-instance-loss.min.json"
    )]
    Check {
        /// The scenario file (JSON); its `faults` are drawn anew for each seed.
        scenario: PathBuf,
        /// The seeds, A..B (both included).
        #[arg(long)]
        seeds: String,
        /// Runs at once (default: the machine's cores); the output is the same for any number.
        #[arg(long)]
        jobs: Option<usize>,
        /// Writes SCENARIO.min.json: the lowest failing seed's run with its faults as plain
        /// actions, reduced to those the failure needs, its horizon cut after the failure.
        #[arg(long)]
        shrink: bool,
    },
    /// Explains, at a time point, which instances could take a task of a task definition and why not.
    #[command(
        after_help = "Example:\n  ecsim explain scenarios/quickstart.json --at 5m --task-definition web:1\n  prints each instance of the cluster with the checks it passes or fails"
    )]
    Explain {
        scenario: PathBuf,
        /// The time point: seconds or a duration such as 90s, 15m, 2h. The state shown is the one after
        /// every event at or before that time.
        #[arg(long)]
        at: String,
        /// family, family:revision or ARN.
        #[arg(long = "task-definition")]
        task_definition: String,
        /// The cluster (default: the only cluster).
        #[arg(long)]
        cluster: Option<String>,
        /// The placement strategy, as the API's `placementStrategy` JSON array (default: RunTask's
        /// default, random), e.g.
        /// '[{"type":"spread","field":"attribute:ecs.availability-zone"},{"type":"binpack","field":"memory"}]'.
        #[arg(long)]
        strategy: Option<String>,
        /// The request's placement constraints, as the API's `placementConstraints` JSON array; the task
        /// definition's own constraints always apply, e.g. '[{"type":"memberOf","expression":"attribute:stack == prod"}]'.
        #[arg(long)]
        constraints: Option<String>,
        /// The task group (default: family:FAMILY), for spread counts and distinctInstance.
        #[arg(long)]
        group: Option<String>,
        /// The capacity provider the task is assigned to (an Auto Scaling group provider of the
        /// cluster), as a service's or a strategy's task is: only its instances are considered.
        #[arg(long = "capacity-provider")]
        capacity_provider: Option<String>,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Prints a JSON Schema (draft 2020-12) of the scenario format (SPEC §13.4).
    ///
    /// Generated from the tables the loader reads with and the AWS API model of each ECS
    /// request, so it says what a scenario may contain in shape: members, JSON types, enums,
    /// ranges and required members. References, limits and combinations of fields are checked
    /// by `ecsim validate` alone.
    ///
    /// Example: `ecsim schema > scenario.schema.json`, then in an editor's settings map
    /// `scenarios/*.json` to it, or check a file with any JSON Schema validator, e.g.
    /// `check-jsonschema --schemafile scenario.schema.json scenarios/quickstart.json`.
    Schema,
    /// Draws one self-contained HTML page of a run directory (or a sweep directory).
    ///
    /// Example: `ecsim run scenarios/quickstart.json && ecsim report results/quickstart`
    /// writes results/quickstart/report.html: the summary and assertions, then charts of
    /// reserved against registered resources, instances, each service's tasks with its
    /// deployments, the capacity-provider reservation, placement failures, cost, and the
    /// packing of the instances at each Snapshot and at the end.
    Report {
        /// The run directory (or a sweep directory, holding sweep.csv).
        dir: PathBuf,
        /// The page to write (default: DIR/report.html).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Builds a scenario from saved AWS CLI outputs (SPEC §13.2).
    ///
    /// Each file is recognised by its top-level key: describe-clusters (clusters),
    /// describe-container-instances (containerInstances), describe-services (services),
    /// describe-task-definition (taskDefinition), describe-capacity-providers
    /// (capacityProviders), list-attributes (attributes), ec2 describe-instance-image-metadata
    /// (InstanceImageMetadata), ssm get-parameters (Parameters). The scenario reproduces them at
    /// time 0; what it cannot carry is printed to stderr and written into its description.
    #[command(
        after_help = "Example:\n  aws ecs describe-clusters --clusters prod > clusters.json\n  aws ecs describe-container-instances --cluster prod --container-instances $(aws ecs list-container-instances --cluster prod --query containerInstanceArns --output text) > instances.json\n  aws ecs describe-services --cluster prod --services web > services.json\n  aws ecs describe-task-definition --task-definition web:3 > web.json\n  ecsim import clusters.json instances.json services.json web.json --name prod --out prod.json\n  ecsim validate prod.json"
    )]
    Import {
        /// The saved outputs (JSON), in any order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The scenario file to write atomically (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The scenario's name (default: imported).
        #[arg(long)]
        name: Option<String>,
    },
    /// Prints a shell completion script for ecsim.
    #[command(
        after_help = "Example:\n  ecsim completions bash > ~/.local/share/bash-completion/completions/ecsim\n  ecsim completions zsh > ~/.zfunc/_ecsim\n  ecsim completions fish > ~/.config/fish/completions/ecsim.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct SweepArgs {
    #[command(subcommand)]
    command: Option<SweepCommand>,
    /// The sweep file (JSON).
    #[arg(required = true)]
    sweep: Option<PathBuf>,
    /// Runs at once (default: the number of cores); the files are the same for any number.
    #[arg(long)]
    jobs: Option<usize>,
    /// Runs only shard I of N: the rows whose index mod N is I, into a shard directory for
    /// `ecsim sweep merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// The number of shards when an array job names the index (AWS_BATCH_JOB_ARRAY_INDEX,
    /// JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID) and --shard is not given.
    #[arg(long, value_name = "N")]
    shards: Option<usize>,
    /// The sweep directory (default: results/<sweep name>/, or results/<sweep name>-shard-I-of-N/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also writes every run's directory, under runs/V-S/ (V the variant's position from 0 in
    /// row order, S the seed).
    #[arg(long)]
    keep_runs: bool,
}

#[derive(Subcommand)]
enum SweepCommand {
    /// Joins the shard directories of one sweep into the directory the unsharded sweep writes.
    #[command(
        after_help = "Example:\n  ecsim sweep merge --out results/strategies results/strategies-shard-0-of-2 results/strategies-shard-1-of-2\n  writes results/strategies/ as the unsharded sweep would"
    )]
    Merge {
        /// The merged sweep directory.
        #[arg(long)]
        out: PathBuf,
        /// Every shard directory of the sweep.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let deny_warnings = cli.deny_warnings;
    let result = match cli.command {
        Command::Run {
            scenario,
            seed,
            out,
            set,
            events,
            max_events,
            max_output_bytes,
        } => run(
            &scenario,
            seed,
            out,
            &set,
            ecsim_cli::run::StreamOptions {
                events: match events {
                    EventsArg::All => ecsim_report::EventsMode::All,
                    EventsArg::NoTasks => ecsim_report::EventsMode::NoTasks,
                    EventsArg::None => ecsim_report::EventsMode::None,
                },
                max_events,
                max_output_bytes,
                deny_warnings,
            },
        ),
        Command::Plan { plan, jobs, out } => plan_command(&plan, jobs, out),
        Command::Import { files, out, name } => {
            ecsim_cli::import::import_command(&files, out.as_deref(), name.as_deref()).map(|text| {
                if let Some(text) = text {
                    let _ = std::io::stdout().lock().write_all(text.as_bytes());
                }
                0
            })
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "ecsim", &mut std::io::stdout());
            Ok(0)
        }
        Command::Validate { scenario } => validate(&scenario, deny_warnings),
        Command::Schema => {
            let schema = ecsim_scenario::schema();
            out!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Ok(0)
        }
        Command::Sweep(args) => sweep(args),
        Command::Report { dir, out } => ecsim_cli::report::report(&dir, out).map(|path| {
            out!("wrote {}", path.display());
            0
        }),
        Command::Check {
            scenario,
            seeds,
            jobs,
            shrink,
        } => check(&scenario, &seeds, jobs, shrink),
        Command::Explain {
            scenario,
            at,
            task_definition,
            cluster,
            strategy,
            constraints,
            group,
            capacity_provider,
            seed,
        } => explain(
            &scenario,
            &at,
            &task_definition,
            cluster,
            ExplainOptions {
                strategy: strategy.as_deref(),
                constraints: constraints.as_deref(),
                group: group.as_deref(),
                capacity_provider: capacity_provider.as_deref(),
            },
            seed,
            deny_warnings,
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(UsageError(msg)) => {
            eprintln!("{msg}");
            // An interrupted run ends as the signal's (128 + its number), its directory removed.
            match ecsim_cli::signals::caught() {
                Some((signal, _)) => ExitCode::from((128 + signal) as u8),
                None => ExitCode::from(2),
            }
        }
    }
}

/// `ecsim run`: loads the scenario, streams the run into its directory, and says how it went.
fn run(
    path: &Path,
    seed: Option<u64>,
    out: Option<PathBuf>,
    set: &[String],
    opts: ecsim_cli::run::StreamOptions,
) -> Result<u8, UsageError> {
    let started = std::time::Instant::now();
    let overrides: Vec<Override> = set
        .iter()
        .map(|arg| {
            Override::parse_set(arg).map_err(|e| UsageError(format!("error: --set {arg}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let mut loaded = ecsim_cli::load_with_overrides(path, &overrides, opts.deny_warnings)?;
    if let Some(seed) = seed {
        loaded.scenario.seed = seed;
    }
    let out_dir = out.unwrap_or_else(|| PathBuf::from("results").join(&loaded.scenario.name));
    ecsim_cli::rundir::check_out_dir(&out_dir)?;
    let outcome = ecsim_cli::run::run_to_dir(path, loaded, &out_dir, opts)?;
    let summary = &outcome.summary;
    let simulated = outcome.simulated;
    let failures = summary.counts.placement_failures_total();
    out!(
        "{}: seed {}, {} placements, {} placement failures, {} tasks started, ${:.4}/hour at the end, {:.2} instance-hours (${:.2}), fingerprint {}",
        summary.scenario_name,
        summary.seed,
        summary.counts.placements,
        failures,
        summary.counts.tasks_started,
        // Adding 0.0 turns a negative zero (a run rate summed to -0.0) into 0.0, so that the
        // console never says "$-0.0000/hour".
        summary.cost_per_hour_at_end + 0.0,
        summary.costs.instance_hours,
        summary.costs.total(),
        summary.fingerprint
    );
    if outcome.error_count > 0 {
        out!(
            "  {} actions rejected by the simulated state (ECS Action Error):",
            outcome.error_count
        );
        // One line per kind of rejection (the same action, error and message), with its count.
        for e in &outcome.errors {
            out!("    {}", e.line());
        }
        let shown: u64 = outcome.errors.iter().map(|e| e.count).sum();
        if outcome.error_count > shown {
            out!(
                "    ... and {} more of other kinds (beyond the first {ERRORS_SHOWN}) in events.jsonl",
                outcome.error_count - shown
            );
        }
    }
    // One line per service (at most 10): where it ended and how its deployments went.
    for s in summary.services.iter().take(10) {
        let deployments: Vec<&str> = s
            .service
            .deployments
            .iter()
            .map(|d| summary.deployments[d.index()].rollout_state.as_str())
            .collect();
        let desired = match s.service.scheduling_strategy {
            ecsim_engine::service::SchedulingStrategy::Daemon => "one per instance (DAEMON)".into(),
            _ => format!("{} desired", s.service.desired_count),
        };
        out!(
            "  service {}: {} running, {} healthy, {desired}; deployments {}; {:.0} s below minHealthy",
            s.service.name,
            s.running_count,
            s.healthy_count,
            deployments.join(", "),
            s.record.below_min_healthy_ms as f64 / 1000.0
        );
    }
    if summary.services.len() > 10 {
        out!(
            "  ... and {} more services in summary.json",
            summary.services.len() - 10
        );
    }
    for a in &summary.assertions {
        out!(
            "  assertion {}: {} ({})",
            a.type_name,
            if a.passed { "passed" } else { "FAILED" },
            a.detail
        );
    }
    out!("  wrote {}", out_dir.display());
    for w in &outcome.warnings {
        eprintln!("warning: {}: {w}\n", path.display());
    }
    eprintln!(
        "wall time: {:.3}s (simulation {:.3}s)",
        started.elapsed().as_secs_f64(),
        simulated.as_secs_f64()
    );
    if summary.assertions.iter().any(|a| !a.passed) {
        let program = std::env::args().next().unwrap_or_else(|| "ecsim".into());
        let sets: String = overrides
            .iter()
            .map(|o| format!(" --set {}", shell_word(&set_argument(o))))
            .collect();
        eprintln!(
            "reproduce: {program} run {} --seed {}{sets}",
            shell_word(&path.display().to_string()),
            summary.seed
        );
        return Ok(1);
    }
    Ok(0)
}

/// `ecsim sweep` and `ecsim sweep merge`.
fn sweep(args: SweepArgs) -> Result<u8, UsageError> {
    use std::io::IsTerminal;
    let started = std::time::Instant::now();
    if let Some(SweepCommand::Merge { out, shards }) = args.command {
        let merged = ecsim_cli::sweep::merge(&out, &shards)?;
        out!(
            "{}: merged {} shards, {} runs; wrote {}",
            merged.name,
            merged.shards,
            merged.rows,
            out.display()
        );
        return Ok(0);
    }
    let path = args.sweep.expect("clap requires the sweep file");
    let shard = ecsim_cli::sweep::resolve_shard(args.shard.as_deref(), args.shards, |v| {
        std::env::var(v).ok()
    })?;
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opts = ecsim_cli::sweep::SweepOptions {
        jobs,
        shard,
        out: args.out,
        keep_runs: args.keep_runs,
        progress: std::io::stderr().is_terminal(),
    };
    let done = ecsim_cli::sweep::run(&path, &opts)?;
    let part = match shard {
        Some(s) => format!(
            "shard {} of {}: {} of the sweep's {} runs",
            s.index, s.count, done.runs, done.total_runs
        ),
        None => format!("{} runs", done.runs),
    };
    out!(
        "{}: {part} ({} variants × {} seeds) on {jobs} job{}, {} with a failed assertion; wrote {}",
        done.name,
        done.combinations,
        done.seeds,
        if jobs == 1 { "" } else { "s" },
        done.failed,
        done.out_dir.display()
    );
    if let Some(cmd) = &done.first_failed {
        eprintln!("reproduce the first run with a failed assertion: {cmd}");
    }
    eprintln!("wall time: {:.3}s", started.elapsed().as_secs_f64());
    Ok(0)
}

/// `ecsim plan`: reads the plan and its scenario, searches every row, writes the directory and
/// prints the table.
fn plan_command(path: &Path, jobs: Option<usize>, out: Option<PathBuf>) -> Result<u8, UsageError> {
    use ecsim_cli::plan;
    use std::io::IsTerminal;
    let started = std::time::Instant::now();
    if jobs == Some(0) {
        return Err(UsageError(
            "error: --jobs 0: expected at least 1 thread".into(),
        ));
    }
    let planner = plan::Planner::open(path)?;
    let out_dir = out.unwrap_or_else(|| PathBuf::from("results").join(&planner.plan.name));
    plan::check_out_dir(&out_dir)?;
    let jobs = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let progress = if std::io::stderr().is_terminal() {
        plan::Progress::bar(planner.row_count())
    } else {
        plan::Progress::hidden()
    };
    let rows = planner.run_all(jobs, &progress);
    progress.finish();
    let rows = rows?;
    plan::write(&out_dir, &planner, &rows)?;
    out!("{}", plan::plan_csv(&rows).trim_end());
    let unanswered: Vec<String> = rows
        .iter()
        .filter(|r| r.instances.is_none())
        .map(|r| format!("{} {}", r.instance_type, r.survive.label()))
        .collect();
    for r in rows.iter().filter(|r| r.instances.is_none()) {
        let why = r
            .tried
            .last()
            .and_then(|t| t.failure.clone())
            .unwrap_or_default();
        out!(
            "  {} {}: no fleet up to {} instances passes ({why})",
            r.instance_type,
            r.survive.label(),
            plan::CLUSTER_LIMIT
        );
    }
    out!("  wrote {}", out_dir.display());
    let runs: u64 = rows.iter().map(|r| r.runs).sum();
    eprintln!(
        "wall time: {:.3}s ({runs} simulations on {jobs} thread{})",
        started.elapsed().as_secs_f64(),
        if jobs == 1 { "" } else { "s" }
    );
    Ok(if unanswered.is_empty() { 0 } else { 1 })
}

/// `ecsim check`: every seed of the range in check mode, counts on stdout, the lowest failing
/// seed with its command, and with `--shrink` its reduced scenario.
fn check(path: &Path, seeds: &str, jobs: Option<usize>, shrink: bool) -> Result<u8, UsageError> {
    use ecsim_cli::check;
    use std::io::IsTerminal;
    let started = std::time::Instant::now();
    let (from, to) = check::parse_seeds(seeds)?;
    let jobs = match jobs {
        Some(0) => {
            return Err(UsageError(
                "error: --jobs 0: give at least 1 (or leave it out for one per core)".into(),
            ))
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let loaded = load(path, false)?;
    let n = to - from + 1;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(n);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seeds {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let outcomes = check::check_seeds(&loaded.scenario, from, to, jobs, &|| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let failed: Vec<&check::SeedOutcome> = outcomes.iter().filter(|o| o.first.is_some()).collect();
    out!(
        "{}: {} seeds run ({from}..{to}), {} failed",
        loaded.scenario.name,
        n,
        failed.len()
    );
    let mut by: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for o in &failed {
        for f in &o.all {
            *by.entry(f.label()).or_insert(0) += 1;
        }
    }
    for (label, count) in &by {
        out!("  {label}: {count} seeds failed");
    }
    eprintln!("wall time: {:.3}s", started.elapsed().as_secs_f64());
    let Some(first) = failed.first() else {
        return Ok(0);
    };
    let f = first.first.as_ref().expect("a failed seed");
    let at = f.at.map_or("an unknown time".to_string(), check::seconds);
    out!(
        "first failing seed: {}: {} failed at {at}: {}",
        first.seed,
        f.what.label(),
        f.detail
    );
    let program = std::env::args().next().unwrap_or_else(|| "ecsim".into());
    out!(
        "  reproduce: {program} run {} --seed {}",
        path.display(),
        first.seed
    );
    if shrink {
        let text = std::fs::read_to_string(path).map_err(|e| {
            UsageError(format!(
                "error: {}: cannot read the scenario file: {e}",
                path.display()
            ))
        })?;
        let doc: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| UsageError(format!("error: {}: {e}", path.display())))?;
        let shrunk = check::shrink(&doc, first)?;
        let out_path = min_path(path);
        let mut bytes = serde_json::to_vec_pretty(&shrunk.doc)
            .map_err(|e| UsageError(format!("error: {}: {e}", out_path.display())))?;
        bytes.push(b'\n');
        std::fs::write(&out_path, bytes)
            .map_err(|e| UsageError(format!("error: {}: cannot write: {e}", out_path.display())))?;
        let horizon = shrunk.horizon_ms.map_or(String::new(), |h| {
            format!(", horizon cut to {}", check::seconds(SimTime(h)))
        });
        out!(
            "  shrunk: {} of {} injected faults kept{horizon}; wrote {}",
            shrunk.kept,
            shrunk.injected,
            out_path.display()
        );
    }
    Ok(1)
}

/// `x.json` → `x.min.json` beside it.
fn min_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let name = if path.extension().is_some() {
        format!("{stem}.min.json")
    } else {
        format!(
            "{}.min.json",
            path.file_name()
                .map_or("scenario".into(), |s| s.to_string_lossy().into_owned())
        )
    };
    path.with_file_name(name)
}

fn validate(path: &Path, deny_warnings: bool) -> Result<u8, UsageError> {
    let loaded = load(path, deny_warnings)?;
    out!(
        "ok: {}: scenario '{}' with {} actions and {} assertions is valid ({} ignored fields)",
        path.display(),
        loaded.scenario.name,
        loaded.scenario.actions.len(),
        loaded.scenario.assertions.len(),
        loaded.ignored_fields.len()
    );
    Ok(0)
}

/// The options of `explain` that shape the task explained.
struct ExplainOptions<'a> {
    strategy: Option<&'a str>,
    constraints: Option<&'a str>,
    group: Option<&'a str>,
    capacity_provider: Option<&'a str>,
}

fn explain(
    path: &Path,
    at: &str,
    task_definition: &str,
    cluster: Option<String>,
    options: ExplainOptions<'_>,
    seed: Option<u64>,
    deny_warnings: bool,
) -> Result<u8, UsageError> {
    let ExplainOptions {
        strategy,
        constraints,
        group,
        capacity_provider,
    } = options;
    let at_arg = at;
    let at = ecsim_scenario::parse_duration(at)
        .map_err(|e| UsageError(format!("error: --at {at:?}: {e}")))?;
    // The same parsing and validation as a RunTask request's fields, shown against the option's
    // text as a scenario's errors are against the file.
    let option_errors = |option: &str, src: &str, errors: Vec<ecsim_scenario::ScenarioError>| {
        UsageError(ecsim_cli::render_errors(option, src, &errors))
    };
    let strategies = match strategy {
        Some(s) => ecsim_scenario::parse_placement_strategy(s)
            .map_err(|e| option_errors("--strategy", s, e))?,
        None => Vec::new(),
    };
    let constraints = match constraints {
        Some(s) => ecsim_scenario::parse_placement_constraints(s)
            .map_err(|e| option_errors("--constraints", s, e))?,
        None => Vec::new(),
    };
    let mut loaded = load(path, deny_warnings)?;
    if let Some(seed) = seed {
        loaded.scenario.seed = seed;
    }
    let mut engine = Engine::new(&loaded.scenario);
    let at_time = SimTime::ZERO + at;
    if at_time > engine.horizon() {
        return Err(UsageError(format!(
            "error: --at {at_arg}: after the scenario's horizon ({}s); choose a time within the run",
            engine.horizon().seconds()
        )));
    }
    engine
        .run_until(at_time)
        .map_err(|h| UsageError(format!("error: {}: {h}", path.display())))?;
    let world = engine.world();
    let active: Vec<&ecsim_model::Cluster> = world
        .clusters
        .iter()
        .filter(|c| c.status == ecsim_model::ClusterStatus::Active)
        .collect();
    let cluster = match cluster {
        Some(c) => c,
        None => match active.as_slice() {
            [only] => only.name.clone(),
            [] => return Err(UsageError(format!("error: no cluster exists at {at_arg}"))),
            many => {
                let names: Vec<&str> = many.iter().map(|c| c.name.as_str()).collect();
                return Err(UsageError(format!("error: the scenario has several clusters at {at_arg} ({}); choose one with --cluster", names.join(", "))));
            }
        },
    };
    let (result, cluster_id) = engine
        .explain(
            &cluster,
            task_definition,
            &strategies,
            &constraints,
            group,
            capacity_provider,
        )
        .map_err(|e| UsageError(format!("error: at {at_arg}: {e}")))?;
    let def = world.task_definition(
        world
            .task_definition_by_ref(task_definition)
            .expect("resolved by explain"),
    );
    let req = def.requirements(&Default::default());
    let mut out = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "at {}s in cluster {cluster}: a task of {} needs cpu {}, memory {} MiB, gpus {}, tcp ports {:?} (+{} dynamic), enis {}",
        at.ms() / 1000,
        def.family_revision(),
        req.cpu,
        req.memory_mib,
        req.gpus,
        req.static_tcp_ports,
        req.dynamic_tcp_ports,
        req.enis
    );
    let explanation = match &result {
        Ok(d) => d.explanation.clone(),
        Err(f) => f.explanation.clone(),
    }
    .unwrap_or_default();
    if let Some(line) = &explanation.restriction {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "{:<22} {:<14} {:<12} {:>10} {:>12}  verdict",
        "instance", "az", "type", "cpu free", "memory free"
    );
    for &id in &world.cluster(cluster_id).instances {
        let inst = world.instance(id);
        let verdict = match explanation.verdicts.iter().find(|v| v.instance == id) {
            Some(v) => match v.rejected_by {
                None => "fits".to_string(),
                Some(c) => format!("rejected: {}{}", c.reason(), hint(c)),
            },
            // A terminated instance is gone; a deregistered one has left the cluster (INACTIVE).
            None if inst.terminated => "gone: terminated".to_string(),
            None if inst.status == InstanceStatus::Inactive => {
                "not a candidate: INACTIVE (deregistered)".to_string()
            }
            // Another provider's instance is not considered at all (SPEC §8).
            None if capacity_provider.is_some()
                && inst.capacity_provider.as_deref() != capacity_provider =>
            {
                "not considered: not of this capacity provider".to_string()
            }
            // Only ACTIVE instances are candidates (DRAINING takes no new tasks).
            None => format!("not a candidate: {}", inst.status.as_str()),
        };
        // An instance that has left offers nothing: its resources are not free, they are gone.
        let (cpu_free, memory_free) = if inst.status == InstanceStatus::Inactive {
            ("-".to_string(), "-".to_string())
        } else {
            let rem = inst.remaining();
            (rem.cpu.to_string(), rem.memory_mib.to_string())
        };
        let _ = writeln!(
            out,
            "{:<22} {:<14} {:<12} {:>10} {:>12}  {verdict}",
            inst.ec2_instance_id,
            inst.availability_zone().unwrap_or("-"),
            inst.instance_type().unwrap_or("-"),
            cpu_free,
            memory_free
        );
    }
    for step in &explanation.steps {
        let _ = writeln!(
            out,
            "strategy {}: keeps {} of {} (lower score is better)",
            step.strategy,
            step.survivors.len(),
            step.scores.len().max(step.survivors.len())
        );
        for &(id, score) in &step.scores {
            let kept = if step.survivors.contains(&id) {
                "kept"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {:<22} score {:>8}  {kept}",
                world.instance(id).ec2_instance_id,
                score
            );
        }
    }
    match &result {
        Ok(d) => {
            let _ = writeln!(
                out,
                "placement: {} ({} finalist{}; with several, the run draws from its own random stream, so its pick may differ)",
                world.instance(d.instance).ec2_instance_id,
                d.finalists,
                if d.finalists == 1 { "" } else { "s" }
            );
        }
        Err(f) => {
            let closest = f
                .closest
                .map(|i| world.instance_arn(i))
                .unwrap_or_else(|| "-".into());
            let _ = writeln!(
                out,
                "placement fails: reason {}, closest matching instance {closest}",
                f.reason
            );
        }
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(0)
}

fn hint(c: Check) -> &'static str {
    match c {
        Check::Agent => " (agent disconnected)",
        Check::Attribute => " (missing a required attribute)",
        Check::Cpu => " (not enough CPU units left)",
        Check::Memory => " (not enough memory left)",
        Check::Gpu => " (not enough GPUs left)",
        Check::Ports => " (a TCP host port is taken)",
        Check::PortsUdp => " (a UDP host port is taken)",
        Check::Eni => " (no ENI left)",
        Check::MemberOf | Check::DistinctInstance => "",
    }
}
