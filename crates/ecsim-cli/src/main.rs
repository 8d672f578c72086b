//! The `ecsim` binary: parses arguments, reads scenario files, runs the engine and writes the run
//! directory atomically. The only crate that touches files, the clock or the process.

use clap::{Parser, Subcommand};
use ecsim_engine::Engine;
use ecsim_kernel::SimTime;
use ecsim_placement::Check;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
    },
    /// Checks a scenario without running it.
    Validate { scenario: PathBuf },
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

/// Prints to stdout, ignoring a closed pipe (`ecsim run X | head -1` must not panic).
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// An error that ends the command with exit code 2 (invalid input or usage).
struct UsageError(String);

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
        } => run(&scenario, seed, out),
        Command::Validate { scenario } => validate(&scenario),
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

/// Reads and validates a scenario file; every error names the file, line, column and JSON path.
fn load(path: &Path) -> Result<ecsim_scenario::Loaded, UsageError> {
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

fn run(path: &Path, seed: Option<u64>, out: Option<PathBuf>) -> Result<u8, UsageError> {
    let started = Instant::now();
    let mut loaded = load(path)?;
    if let Some(seed) = seed {
        loaded.scenario.seed = seed;
    }
    let out_dir = out.unwrap_or_else(|| PathBuf::from("results").join(&loaded.scenario.name));
    check_out_dir(&out_dir)?;
    let output = ecsim_engine::run(&loaded.scenario);
    let simulated = started.elapsed();
    write_run_dir(&out_dir, &output, &loaded)?;
    let failed: Vec<_> = output.assertions.iter().filter(|a| !a.passed).collect();
    let failures: u64 = output.counts.placement_failures.values().sum();
    out!(
        "{}: seed {}, {} placements, {} placement failures, {} tasks started, fingerprint {}",
        output.scenario_name,
        output.seed,
        output.counts.placements,
        failures,
        output.counts.tasks_started,
        output.fingerprint
    );
    if output.counts.action_errors > 0 {
        out!(
            "  {} actions rejected by the simulated state (ECS Action Error):",
            output.counts.action_errors
        );
        let errors = output.events.iter().filter_map(|e| match &e.detail {
            ecsim_engine::EventDetail::ActionError {
                action_index,
                action,
                error,
                message,
            } => Some((e.t, *action_index, action, error, message)),
            _ => None,
        });
        for (t, index, action, error, message) in errors.clone().take(10) {
            out!(
                "    at {}s actions[{index}] {action}: {error}: {message}",
                t.ms() as f64 / 1000.0
            );
        }
        if output.counts.action_errors > 10 {
            out!(
                "    ... and {} more in events.jsonl",
                output.counts.action_errors - 10
            );
        }
    }
    // One line per service (at most 10): where it ended and how its deployments went.
    for s in output.services.iter().take(10) {
        let deployments: Vec<&str> = s
            .service
            .deployments
            .iter()
            .map(|d| output.deployments[d.index()].rollout_state.as_str())
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
    if output.services.len() > 10 {
        out!(
            "  ... and {} more services in summary.json",
            output.services.len() - 10
        );
    }
    for a in &output.assertions {
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
    if !failed.is_empty() {
        let program = std::env::args().next().unwrap_or_else(|| "ecsim".into());
        eprintln!(
            "reproduce: {program} run {} --seed {}",
            path.display(),
            output.seed
        );
        return Ok(1);
    }
    Ok(0)
}

/// Writes every file into a temporary sibling directory, then renames it into place, so a failed
/// Checks, before anything runs, that `--out` names a directory to create or an earlier run
/// directory (holding nothing but run files), so that replacing it destroys nothing of the user's.
fn check_out_dir(dir: &Path) -> Result<(), UsageError> {
    let refuse = |why: String| {
        UsageError(format!(
            "error: --out {}: {why}; choose a new directory, or an earlier run directory to replace",
            dir.display()
        ))
    };
    match dir.file_name() {
        None => return Err(refuse("names no directory of its own".into())),
        Some(n) if n == "." || n == ".." => {
            return Err(refuse("names no directory of its own".into()))
        }
        Some(_) => {}
    }
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(refuse("exists and is not a directory".into()));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| refuse(format!("cannot be read ({e})")))?;
    for entry in entries {
        let entry = entry.map_err(|e| refuse(format!("cannot be read ({e})")))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !ecsim_report::RUN_FILES.contains(&name.as_str()) || !entry.path().is_file() {
            return Err(refuse(format!(
                "exists and holds '{name}', so it is not an ecsim run directory"
            )));
        }
    }
    Ok(())
}

/// Writes every file into a temporary sibling directory, then renames it into place (replacing an
/// earlier run directory that `check_out_dir` accepted), so a failed or interrupted run never leaves a
/// half-written result.
fn write_run_dir(
    dir: &Path,
    output: &ecsim_engine::RunOutput,
    loaded: &ecsim_scenario::Loaded,
) -> Result<(), UsageError> {
    let err = |what: &str, e: std::io::Error| {
        UsageError(format!(
            "error: {}: cannot write the run directory ({what}): {e}",
            dir.display()
        ))
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| err("creating its parent", e))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| err("creating a temporary directory", e))?;
    let written = (|| -> std::io::Result<()> {
        let meta = ecsim_report::SummaryMeta {
            scenario_sha256: &loaded.sha256,
            ignored_fields: &loaded.ignored_fields,
        };
        let file = |n: &str| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
            Ok(std::io::BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(tmp.join(n))?,
            ))
        };
        // Every run file, by name: a new file cannot be forgotten here.
        for name in ecsim_report::RUN_FILES {
            let mut w = file(name)?;
            ecsim_report::write_run_file(name, output, &meta, &mut w)?;
            w.flush()?;
        }
        Ok(())
    })()
    .map_err(|e| err("writing files", e))
    .and_then(|()| {
        let replacing = dir.exists();
        if replacing {
            std::fs::rename(dir, &old).map_err(|e| err("moving the previous run aside", e))?;
        }
        std::fs::rename(&tmp, dir).map_err(|e| {
            // Put the previous run back: a failed run leaves things as they were.
            if replacing {
                let _ = std::fs::rename(&old, dir);
            }
            err("renaming the finished run into place", e)
        })
    });
    let _ = std::fs::remove_dir_all(&tmp);
    if written.is_ok() {
        let _ = std::fs::remove_dir_all(&old);
    }
    written
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
    engine.run_until(at_time);
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
                .map(|i| world.instance(i).arn.clone())
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
