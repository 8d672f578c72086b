//! The `ecsim` binary: parses arguments, reads scenario files, runs the engine and writes the run
//! directory atomically. The only crate that touches files, the clock, threads or the process.

use clap::{Args, Parser, Subcommand, ValueEnum};
use ecsim_engine::Engine;
use ecsim_kernel::SimTime;
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
    /// Checks a scenario without running it.
    Validate { scenario: PathBuf },
    /// Runs a sweep file's variants × grid points × seeds in parallel and writes sweep.csv and
    /// aggregate.csv (or one shard's rows); `ecsim sweep merge` joins shards.
    Sweep(SweepArgs),
    /// Explains, at a time point, which instances could take a task of a task definition and why not.
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
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
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
            },
        ),
        Command::Validate { scenario } => validate(&scenario),
        Command::Sweep(args) => sweep(args),
        Command::Explain {
            scenario,
            at,
            task_definition,
            cluster,
            strategy,
            constraints,
            group,
            seed,
        } => explain(
            &scenario,
            &at,
            &task_definition,
            cluster,
            strategy.as_deref(),
            constraints.as_deref(),
            group.as_deref(),
            seed,
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(UsageError(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(2)
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
    let mut loaded = ecsim_cli::load_with_overrides(path, &overrides)?;
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
        summary.cost_per_hour_at_end,
        summary.costs.instance_hours,
        summary.costs.total(),
        summary.fingerprint
    );
    if outcome.error_count > 0 {
        out!(
            "  {} actions rejected by the simulated state (ECS Action Error):",
            outcome.error_count
        );
        for e in &outcome.errors {
            out!(
                "    at {}s actions[{}] {}: {}: {}",
                e.t_ms as f64 / 1000.0,
                e.index,
                e.action,
                e.error,
                e.message
            );
        }
        if outcome.error_count > ERRORS_SHOWN as u64 {
            out!(
                "    ... and {} more in events.jsonl",
                outcome.error_count - ERRORS_SHOWN as u64
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

fn validate(path: &Path) -> Result<u8, UsageError> {
    let loaded = load(path)?;
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

#[allow(clippy::too_many_arguments)] // one per command-line option
fn explain(
    path: &Path,
    at: &str,
    task_definition: &str,
    cluster: Option<String>,
    strategy: Option<&str>,
    constraints: Option<&str>,
    group: Option<&str>,
    seed: Option<u64>,
) -> Result<u8, UsageError> {
    let at_arg = at;
    let at = ecsim_scenario::parse_duration(at)
        .map_err(|e| UsageError(format!("error: --at {at:?}: {e}")))?;
    // The same parsing and validation as a RunTask request's fields.
    let option_errors = |option: &str, errors: Vec<ecsim_scenario::ScenarioError>| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("error: {option}: {e}"))
            .collect();
        UsageError(lines.join("\n"))
    };
    let strategies = match strategy {
        Some(s) => ecsim_scenario::parse_placement_strategy(s)
            .map_err(|e| option_errors("--strategy", e))?,
        None => Vec::new(),
    };
    let constraints = match constraints {
        Some(s) => ecsim_scenario::parse_placement_constraints(s)
            .map_err(|e| option_errors("--constraints", e))?,
        None => Vec::new(),
    };
    let mut loaded = load(path)?;
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
        .explain(&cluster, task_definition, &strategies, &constraints, group)
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
    let _ = writeln!(
        out,
        "{:<22} {:<14} {:<12} {:>10} {:>12}  verdict",
        "instance", "az", "type", "cpu free", "memory free"
    );
    for &id in &world.cluster(cluster_id).instances {
        let inst = world.instance(id);
        let rem = inst.remaining();
        let verdict = match explanation.verdicts.iter().find(|v| v.instance == id) {
            Some(v) => match v.rejected_by {
                None => "fits".to_string(),
                Some(c) => format!("rejected: {}{}", c.reason(), hint(c)),
            },
            // Only ACTIVE instances are candidates (DRAINING takes no new tasks; INACTIVE has left).
            None => format!("not a candidate: {}", inst.status.as_str()),
        };
        let _ = writeln!(
            out,
            "{:<22} {:<14} {:<12} {:>10} {:>12}  {verdict}",
            inst.ec2_instance_id,
            inst.availability_zone().unwrap_or("-"),
            inst.instance_type().unwrap_or("-"),
            rem.cpu,
            rem.memory_mib
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
