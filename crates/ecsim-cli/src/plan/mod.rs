//! `ecsim plan PLAN.json` (SPEC §12.3): for each instance type and survive case, the smallest fleet
//! that carries the scenario's workload through the fault, found by simulation.
//!
//! The plan names one fleet action of a scenario (a LaunchContainerInstances, or a
//! CreateCapacityProvider whose Auto Scaling group it sizes). Each variant is the scenario's JSON
//! with that action's instance type and count set and, for a survive case, the fault action
//! appended (by `edit`: the editor of `--set`), loaded through the scenario loader like any file,
//! so every variant is validated; each run of a variant is judged by `judge`; the count is
//! searched by doubling then bisection (`search`); the rows are written by `output`. Runs are
//! independent and fan out over rayon (rows, seeds, zones); every result is collected in plan
//! order, so the output is the same for any number of threads.

mod file;
mod judge;
mod output;
mod search;

pub use file::{parse as parse_plan, PlanFile, Survive, CLUSTER_LIMIT, SEEDS_MAX};
pub use output::{plan_csv, plan_json};
pub use search::{smallest, Found};

use crate::UsageError;
use ecsim_engine::{Action, Scenario};
use ecsim_kernel::SimTime;
use ecsim_scenario::overrides;
use judge::{judge, FleetInstances, Judged, Probe, Stop, Windows};
use rayon::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The kind of action the plan varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FleetKind {
    /// LaunchContainerInstances: its `instanceType` and `count`.
    Launch,
    /// CreateCapacityProvider: its group's first instance type, and its minSize, maxSize and
    /// desiredCapacity all set to the count.
    Group,
}

impl FleetKind {
    pub fn action_name(self) -> &'static str {
        match self {
            FleetKind::Launch => "LaunchContainerInstances",
            FleetKind::Group => "CreateCapacityProvider",
        }
    }
}

/// The fault a run injects at `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// FailAvailabilityZone of this zone.
    Zone(String),
    /// TerminateContainerInstances of these instances (EC2 ids) of the cluster.
    Terminate {
        cluster: String,
        instances: Vec<String>,
    },
}

impl Fault {
    /// The simulator action appended to the scenario's actions (None for no fault).
    pub fn action(&self, at: SimTime) -> Option<Value> {
        let at = if at.ms().is_multiple_of(1000) {
            format!("{}s", at.ms() / 1000)
        } else {
            format!("{}ms", at.ms())
        };
        match self {
            Fault::None => None,
            Fault::Zone(z) => Some(json!({
                "at": at, "action": "FailAvailabilityZone", "input": { "availabilityZone": z }
            })),
            Fault::Terminate { cluster, instances } => Some(json!({
                "at": at, "action": "TerminateContainerInstances",
                "input": { "cluster": cluster, "containerInstances": instances }
            })),
        }
    }

    fn describe(&self) -> String {
        match self {
            Fault::None => "no fault".into(),
            Fault::Zone(z) => format!("FailAvailabilityZone {z}"),
            Fault::Terminate { instances, .. } => {
                format!("TerminateContainerInstances {}", instances.join(" "))
            }
        }
    }
}

/// One run of a verification: which seed and fault, and how it went.
#[derive(Clone, Debug)]
pub struct RunRecord {
    pub seed: u64,
    pub fault: Fault,
    /// The first check that failed; None: passed.
    pub failure: Option<String>,
    /// Equal to `ecsim run`'s of the same variant and seed; None when the run was stopped at its
    /// first failure (search runs only).
    pub fingerprint: Option<String>,
}

/// A count the search tried.
#[derive(Clone, Debug)]
pub struct Tried {
    pub instances: u32,
    pub feasible: bool,
    /// The first failure among its runs (seed, fault, what failed).
    pub failure: Option<String>,
}

/// One row of `plan.csv`.
#[derive(Clone, Debug)]
pub struct Row {
    pub instance_type: String,
    pub survive: Survive,
    /// The smallest count that passed; None: none up to the cluster limit.
    pub instances: Option<u32>,
    pub cost_per_hour: Option<f64>,
    pub lower_bound: Option<u32>,
    /// Mean over the seeds of the fleet cluster's stranded CPU and memory in the run without fault
    /// at the answer.
    pub stranded_pct: Option<(f64, f64)>,
    /// Every simulation the row took (probes and verification runs included).
    pub runs: u64,
    pub tried: Vec<Tried>,
    /// The answer's runs (all passed) and the runs of the count below it (some failed).
    pub answer_runs: Vec<RunRecord>,
    pub below: Option<(u32, Vec<RunRecord>)>,
}

/// A plan, read and checked against its scenario, ready to run.
pub struct Planner {
    /// The plan file, for messages.
    path: PathBuf,
    pub plan: PlanFile,
    pub plan_sha256: String,
    pub scenario_name: String,
    pub scenario_sha256: String,
    /// The scenario's JSON, which every variant edits.
    doc: Value,
    pub fleet_kind: FleetKind,
    pub seeds: Vec<u64>,
}

/// Puts `value` where the RFC 6901 `pointer` points in `doc`, by the rule of `ecsim run --set`
/// (one editor, [`ecsim_scenario::overrides::apply`]): the fleet's members are replaced or added,
/// and `/actions/-` appends the fault action.
fn edit(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let tokens = overrides::parse_pointer(pointer)?;
    overrides::apply(doc, &tokens, value)
        .map(|_| ())
        .map_err(|why| format!("{pointer}: {why}"))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `file:line:col: path: message`, or `file: path: message` where no position is known.
fn located(path: &Path, errors: &[ecsim_scenario::ScenarioError]) -> UsageError {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| match e.line {
            Some(_) => format!("error: {}:{e}", path.display()),
            None => format!("error: {}: {e}", path.display()),
        })
        .collect();
    UsageError(lines.join("\n"))
}

/// The largest over CPU, memory and GPUs of ceil(what the fleet must hold / what one instance
/// registers), scaled for the survive case: `availabilityZone` over z ≥ 2 zones in use
/// ceil(bound × z / (z − 1)), `instances:N` bound + N. What the fleet must hold is what the tasks
/// reserve on the fleet's cluster less what its other instances register. None: a resource is
/// needed that an instance of the type does not have.
pub fn lower_bound(
    reserved: [u64; 3],
    others_registered: [u64; 3],
    per_instance: [u64; 3],
    survive: Survive,
    zones: usize,
) -> Option<u32> {
    let mut bound: u64 = 0;
    for r in 0..3 {
        let need = reserved[r].saturating_sub(others_registered[r]);
        if need == 0 {
            continue;
        }
        if per_instance[r] == 0 {
            return None;
        }
        bound = bound.max(need.div_ceil(per_instance[r]));
    }
    let scaled = match survive {
        Survive::None => bound,
        Survive::AvailabilityZone if zones >= 2 => {
            let z = zones as u64;
            (bound * z).div_ceil(z - 1)
        }
        Survive::AvailabilityZone => bound,
        Survive::Instances(n) => bound + n as u64,
    };
    u32::try_from(scaled).ok()
}

impl Planner {
    /// Reads the plan file and its scenario, and checks what the plan says of the scenario (the
    /// fleet action, the instance types, the times); every variant's shape is loaded once here, so
    /// that a plan whose variants the loader refuses fails before any run.
    pub fn open(path: &Path) -> Result<Planner, UsageError> {
        let src = crate::read_text(path, "plan")?;
        let plan = file::parse(&src).map_err(|e| located(path, &e))?;
        let text = src.strip_prefix('\u{feff}').unwrap_or(&src);
        let scenario_path = path.parent().unwrap_or(Path::new(".")).join(&plan.scenario);
        let loaded = crate::load(&scenario_path, false)?;
        let scenario_src = crate::read_text(&scenario_path, "scenario")?;
        let doc: Value = serde_json::from_str(
            scenario_src
                .strip_prefix('\u{feff}')
                .unwrap_or(&scenario_src),
        )
        .map_err(|e| {
            UsageError(format!(
                "error: {}: the scenario could not be read again: {e}",
                scenario_path.display()
            ))
        })?;
        let mut errors = file::Errors::new(text);
        let plan_value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let actions = doc["actions"].as_array().map_or(0, Vec::len);
        let fleet_kind = match doc["actions"].get(plan.fleet_action) {
            None => {
                errors.value(
                    "fleet.action",
                    plan_value.pointer("/fleet/action"),
                    format!(
                        "the scenario {} has {actions} actions (0 to {}); name its LaunchContainerInstances or CreateCapacityProvider",
                        plan.scenario,
                        actions.saturating_sub(1)
                    ),
                );
                None
            }
            Some(a) => match a["action"].as_str() {
                Some("LaunchContainerInstances") => Some(FleetKind::Launch),
                Some("CreateCapacityProvider") => Some(FleetKind::Group),
                other => {
                    errors.value(
                        "fleet.action",
                        plan_value.pointer("/fleet/action"),
                        format!(
                            "actions[{}] of {} is {}; the planner varies a LaunchContainerInstances or a CreateCapacityProvider",
                            plan.fleet_action,
                            plan.scenario,
                            other.unwrap_or("not an action")
                        ),
                    );
                    None
                }
            },
        };
        for (i, t) in plan.instance_types.iter().enumerate() {
            if loaded.scenario.instance_types.get(t).is_none() {
                errors.value(
                    &format!("instanceTypes[{i}]"),
                    plan_value.pointer(&format!("/instanceTypes/{i}")),
                    "not in the instance-type catalog (the built-in types and the scenario's instanceTypes)",
                );
            }
        }
        let horizon = loaded.scenario.horizon;
        if plan.at.ms() + plan.recover_within.ms() > horizon.ms() {
            errors.value(
                "recoverWithin",
                plan_value.get("recoverWithin"),
                format!(
                    "at + recoverWithin ends at {} ms, after the scenario's horizon ({} ms); the recovery must be seen within the run",
                    plan.at.ms() + plan.recover_within.ms(),
                    horizon.ms()
                ),
            );
        }
        let Some(fleet_kind) = fleet_kind.filter(|_| errors.is_empty()) else {
            return Err(located(path, &errors.finish()));
        };
        let seeds = plan
            .seeds
            .clone()
            .unwrap_or_else(|| vec![loaded.scenario.seed]);
        let planner = Planner {
            path: path.to_path_buf(),
            plan_sha256: sha256(src.as_bytes()),
            scenario_name: loaded.scenario.name.clone(),
            scenario_sha256: loaded.sha256.clone(),
            doc,
            fleet_kind,
            seeds,
            plan,
        };
        planner.check_variants(&loaded.scenario)?;
        Ok(planner)
    }

    /// Loads, for every instance type, the variants at 1 and at the cluster limit with each fault
    /// kind the plan uses (in shape: a zone of the region, an instance id), so that a variant the
    /// loader refuses is reported before any run.
    fn check_variants(&self, scenario: &Scenario) -> Result<(), UsageError> {
        let mut faults = vec![Fault::None];
        if self.plan.survive.contains(&Survive::AvailabilityZone) {
            faults.push(Fault::Zone(format!("{}a", scenario.region)));
        }
        let launch_cluster = match &scenario
            .actions
            .iter()
            .find(|a| a.index == self.plan.fleet_action)
            .map(|a| &a.action)
        {
            Some(Action::LaunchContainerInstances(l)) => Some(l.cluster.clone()),
            _ => None,
        };
        if let Some(cluster) = launch_cluster {
            if self
                .plan
                .survive
                .iter()
                .any(|s| matches!(s, Survive::Instances(_)))
            {
                faults.push(Fault::Terminate {
                    cluster,
                    instances: vec![ecsim_model::world::ec2_instance_id_for(1).to_string()],
                });
            }
        }
        for t in 0..self.plan.instance_types.len() {
            for count in [1, CLUSTER_LIMIT] {
                for f in &faults {
                    self.variant(t, count, f)?;
                }
            }
        }
        Ok(())
    }

    /// The edits that make the fleet `count` instances of the plan's `t`-th type, as (RFC 6901
    /// pointer, value) pairs in the order applied.
    pub fn edits(&self, t: usize, count: u32) -> Vec<(String, Value)> {
        let i = self.plan.fleet_action;
        let instance_type = Value::from(self.plan.instance_types[t].as_str());
        match self.fleet_kind {
            FleetKind::Launch => vec![
                (format!("/actions/{i}/input/instanceType"), instance_type),
                (format!("/actions/{i}/input/count"), Value::from(count)),
            ],
            FleetKind::Group => {
                let g = format!("/actions/{i}/simulation/autoScalingGroup");
                vec![
                    (format!("{g}/instanceTypes/0"), instance_type),
                    (format!("{g}/minSize"), Value::from(count)),
                    (format!("{g}/maxSize"), Value::from(count)),
                    (format!("{g}/desiredCapacity"), Value::from(count)),
                ]
            }
        }
    }

    fn variant_name(&self, t: usize, count: u32, fault: &Fault) -> String {
        format!(
            "{} × {count}, {}",
            self.plan.instance_types[t],
            fault.describe()
        )
    }

    /// The scenario with the fleet set and the fault appended, loaded (its seed the scenario's).
    fn variant(&self, t: usize, count: u32, fault: &Fault) -> Result<Scenario, UsageError> {
        let invalid = |what: String| {
            UsageError(format!(
                "error: {}: the variant '{}' of {} is invalid: {what}",
                self.path.display(),
                self.variant_name(t, count, fault),
                self.plan.scenario
            ))
        };
        let mut doc = self.doc.clone();
        for (pointer, value) in self.edits(t, count) {
            edit(&mut doc, &pointer, value).map_err(invalid)?;
        }
        if let Some(action) = fault.action(self.at()) {
            edit(&mut doc, "/actions/-", action).map_err(invalid)?;
        }
        let text = serde_json::to_string(&doc).map_err(|e| invalid(e.to_string()))?;
        ecsim_scenario::load(&text)
            .map(|l| l.scenario)
            .map_err(|errors| {
                // Positions would point into the generated text: the JSON path says where.
                let what: Vec<String> = errors
                    .iter()
                    .map(|e| {
                        let mut e = e.clone();
                        e.line = None;
                        e.column = None;
                        e.to_string()
                    })
                    .collect();
                invalid(what.join("; "))
            })
    }

    fn at(&self) -> SimTime {
        SimTime(self.plan.at.ms())
    }

    fn windows(&self, fault: &Fault) -> Windows {
        Windows {
            at: self.at(),
            recover_within: self.plan.recover_within,
            fault: *fault != Fault::None,
        }
    }

    /// Which instances of a variant are the fleet's.
    fn fleet_instances(&self, scenario: &Scenario, t: usize) -> FleetInstances {
        let action = scenario
            .actions
            .iter()
            .find(|a| a.index == self.plan.fleet_action)
            .map(|a| &a.action);
        match action {
            Some(Action::LaunchContainerInstances(l)) => FleetInstances::Launched {
                cluster: l.cluster.clone(),
                instance_type: self.plan.instance_types[t].clone(),
                capacity_provider: l.capacity_provider.clone(),
            },
            Some(Action::CreateCapacityProvider(p)) => FleetInstances::Group {
                provider: p.name.clone(),
            },
            // The plan was checked against the scenario: the action is one of the two.
            _ => FleetInstances::Group {
                provider: String::new(),
            },
        }
    }

    /// The cluster a launched fleet joins (known before any instance exists).
    fn launch_cluster(fleet: &FleetInstances) -> Option<&str> {
        match fleet {
            FleetInstances::Launched { cluster, .. } => Some(cluster),
            FleetInstances::Group { .. } => None,
        }
    }

    /// Runs one variant with one seed.
    fn run(
        &self,
        t: usize,
        count: u32,
        fault: &Fault,
        seed: u64,
        stop: Stop,
    ) -> Result<Judged, UsageError> {
        let mut scenario = self.variant(t, count, fault)?;
        scenario.seed = seed;
        let fleet = self.fleet_instances(&scenario, t);
        Ok(judge(
            Arc::new(scenario),
            self.windows(fault),
            &fleet,
            Self::launch_cluster(&fleet),
            stop,
        ))
    }

    /// What one instance of the `t`-th type registers, and its $/hour in the fleet.
    fn instance_figures(&self, scenario: &Scenario, t: usize) -> ([u64; 3], f64) {
        let name = &self.plan.instance_types[t];
        let Some(it) = scenario.instance_types.get(name) else {
            return ([0; 3], 0.0);
        };
        let spot = scenario
            .actions
            .iter()
            .find(|a| a.index == self.plan.fleet_action)
            .is_some_and(
                |a| matches!(&a.action, Action::CreateCapacityProvider(p) if p.provider.group.spot),
            );
        let price = if spot {
            it.price_per_hour * (1.0 - scenario.pricing.spot_discount)
        } else {
            it.price_per_hour
        };
        (
            [
                it.registered_cpu() as u64,
                it.registered_memory_mib as u64,
                it.gpus as u64,
            ],
            price,
        )
    }

    /// Every seed's runs of the survive case at `count`.
    fn evaluate(
        &self,
        t: usize,
        survive: Survive,
        count: u32,
        stop: Stop,
    ) -> Result<Evaluated, UsageError> {
        let per_seed: Vec<SeedRuns> = self
            .seeds
            .par_iter()
            .map(|&seed| self.evaluate_seed(t, survive, count, seed, stop))
            .collect::<Result<_, _>>()?;
        let mut e = Evaluated {
            feasible: true,
            runs: Vec::new(),
            probes: Vec::new(),
            stranded: Vec::new(),
            sims: 0,
            first_failure: None,
        };
        for s in per_seed {
            e.sims += s.sims;
            e.probes.push(s.probe);
            for (record, stranded) in s.runs {
                if let Some(f) = &record.failure {
                    e.feasible = false;
                    if e.first_failure.is_none() {
                        e.first_failure = Some(format!(
                            "seed {}, {}: {f}",
                            record.seed,
                            record.fault.describe()
                        ));
                    }
                }
                if let Some(s) = stranded {
                    e.stranded.push(s);
                }
                e.runs.push(record);
            }
        }
        Ok(e)
    }

    fn evaluate_seed(
        &self,
        t: usize,
        survive: Survive,
        count: u32,
        seed: u64,
        stop: Stop,
    ) -> Result<SeedRuns, UsageError> {
        let record = |fault: Fault, j: &Judged| RunRecord {
            seed,
            fault,
            failure: j.failure.clone(),
            fingerprint: j.fingerprint.clone(),
        };
        if survive == Survive::None {
            let j = self.run(t, count, &Fault::None, seed, stop)?;
            return Ok(SeedRuns {
                sims: 1,
                runs: vec![(record(Fault::None, &j), j.stranded_pct)],
                probe: j.probe,
            });
        }
        // The run without the fault, up to `at`: where the fault goes.
        let p = self.run(t, count, &Fault::None, seed, Stop::Probe)?;
        let probe = match (p.probe, stop) {
            (Some(probe), Stop::Full) => probe,
            (Some(probe), _) if probe.failed_before_at.is_none() => probe,
            // The search needs no more: every fault run would fail before `at` the same way.
            (probe, _) => {
                let why = p
                    .failure
                    .clone()
                    .or_else(|| probe.as_ref().and_then(|q| q.failed_before_at.clone()))
                    .unwrap_or_else(|| "the run without the fault failed".into());
                return Ok(SeedRuns {
                    sims: 1,
                    runs: vec![(
                        RunRecord {
                            seed,
                            fault: Fault::None,
                            failure: Some(format!("before the fault: {why}")),
                            fingerprint: None,
                        },
                        None,
                    )],
                    probe,
                });
            }
        };
        let faults: Vec<Fault> = match survive {
            Survive::None => vec![Fault::None],
            Survive::AvailabilityZone => probe.zones.iter().cloned().map(Fault::Zone).collect(),
            Survive::Instances(n) => match &probe.cluster {
                Some(cluster) if !probe.by_tasks.is_empty() => vec![Fault::Terminate {
                    cluster: cluster.clone(),
                    instances: probe.by_tasks.iter().take(n as usize).cloned().collect(),
                }],
                _ => Vec::new(),
            },
        };
        // Nothing to fail (no zone in use, no instance): the run without a fault decides.
        let faults = if faults.is_empty() {
            vec![Fault::None]
        } else {
            faults
        };
        let judged: Vec<Judged> = faults
            .par_iter()
            .map(|f| self.run(t, count, f, seed, stop))
            .collect::<Result<_, _>>()?;
        Ok(SeedRuns {
            sims: 1 + faults.len() as u64,
            runs: faults
                .into_iter()
                .zip(&judged)
                .map(|(f, j)| (record(f, j), None))
                .collect(),
            probe: Some(probe),
        })
    }

    /// Finds one row's answer, verifies it and the count below, and computes its figures.
    fn row(&self, t: usize, survive: Survive, progress: &Progress) -> Result<Row, UsageError> {
        let mut memo: BTreeMap<u32, Evaluated> = BTreeMap::new();
        let mut error: Option<UsageError> = None;
        let label = format!("{} {}", self.plan.instance_types[t], survive.label());
        let found = search::smallest(CLUSTER_LIMIT, |count| {
            if error.is_some() {
                return false;
            }
            progress.trying(&label, count);
            match self.evaluate(t, survive, count, Stop::Early) {
                Ok(e) => {
                    let ok = e.feasible;
                    memo.insert(count, e);
                    ok
                }
                Err(e) => {
                    error = Some(e);
                    false
                }
            }
        });
        if let Some(e) = error {
            return Err(e);
        }
        let mut sims: u64 = memo.values().map(|e| e.sims).sum();
        let tried = found
            .tried
            .iter()
            .map(|&(c, ok)| Tried {
                instances: c,
                feasible: ok,
                failure: memo.get(&c).and_then(|e| e.first_failure.clone()),
            })
            .collect();
        let mut row = Row {
            instance_type: self.plan.instance_types[t].clone(),
            survive,
            instances: found.answer,
            cost_per_hour: None,
            lower_bound: None,
            stranded_pct: None,
            runs: 0,
            tried,
            answer_runs: Vec::new(),
            below: None,
        };
        let base = self.variant(t, 1, &Fault::None)?;
        let (per_instance, price) = self.instance_figures(&base, t);
        let bound = |probes: &[Option<Probe>]| -> Option<u32> {
            let mut best: Option<u32> = Some(0);
            for p in probes {
                // What is reserved is the workload's demand only if everything was placed.
                let b = p
                    .as_ref()
                    .filter(|p| p.failed_before_at.is_none())
                    .and_then(|p| {
                        lower_bound(
                            p.reserved,
                            p.others_registered,
                            per_instance,
                            survive,
                            p.zones.len(),
                        )
                    });
                best = match (best, b) {
                    (Some(x), Some(y)) => Some(x.max(y)),
                    _ => None,
                };
            }
            best
        };
        match found.answer {
            Some(answer) => {
                let verified = memo.remove(&answer).expect("the answer was evaluated");
                row.answer_runs = verified.runs;
                if answer > 1 {
                    let below = self.evaluate(t, survive, answer - 1, Stop::Full)?;
                    sims += below.sims;
                    row.below = Some((answer - 1, below.runs));
                }
                // The figures come from the runs without the fault at the answer.
                let (probes, stranded) = if survive == Survive::None {
                    (verified.probes, verified.stranded)
                } else {
                    let base = self.evaluate(t, Survive::None, answer, Stop::Full)?;
                    sims += base.sims;
                    (base.probes, base.stranded)
                };
                row.lower_bound = bound(&probes);
                if !stranded.is_empty() {
                    let n = stranded.len() as f64;
                    row.stranded_pct = Some((
                        stranded.iter().map(|s| s.0).sum::<f64>() / n,
                        stranded.iter().map(|s| s.1).sum::<f64>() / n,
                    ));
                }
                row.cost_per_hour = Some(answer as f64 * price);
            }
            None => {
                // The lower bound from the state before `at` at the cluster limit.
                let mut probes = memo
                    .remove(&CLUSTER_LIMIT)
                    .map(|e| e.probes)
                    .unwrap_or_default();
                if probes.len() != self.seeds.len() || probes.iter().any(Option::is_none) {
                    let p = self.evaluate_probes(t)?;
                    sims += p.len() as u64;
                    probes = p;
                }
                row.lower_bound = bound(&probes);
            }
        }
        row.runs = sims;
        progress.row_done(&label);
        Ok(row)
    }

    /// The probe of every seed at the cluster limit.
    fn evaluate_probes(&self, t: usize) -> Result<Vec<Option<Probe>>, UsageError> {
        self.seeds
            .par_iter()
            .map(|&seed| {
                self.run(t, CLUSTER_LIMIT, &Fault::None, seed, Stop::Probe)
                    .map(|j| j.probe)
            })
            .collect()
    }

    /// Every row, in plan order (instance types, then survive cases), on `jobs` threads.
    pub fn run_all(&self, jobs: usize, progress: &Progress) -> Result<Vec<Row>, UsageError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build()
            .map_err(|e| UsageError(format!("error: cannot start {jobs} threads: {e}")))?;
        let cases: Vec<(usize, Survive)> = (0..self.plan.instance_types.len())
            .flat_map(|t| self.plan.survive.iter().map(move |&s| (t, s)))
            .collect();
        pool.install(|| {
            cases
                .par_iter()
                .map(|&(t, s)| self.row(t, s, progress))
                .collect()
        })
    }

    /// The number of rows.
    pub fn row_count(&self) -> usize {
        self.plan.instance_types.len() * self.plan.survive.len()
    }
}

/// The files of a plan directory.
pub const PLAN_FILES: [&str; 2] = ["plan.csv", "plan.json"];

/// Checks, before the search, that `dir` is a new directory or an earlier plan directory.
pub fn check_out_dir(dir: &Path) -> Result<(), UsageError> {
    crate::rundir::check_dir_holding(
        dir,
        &PLAN_FILES,
        &[],
        "an ecsim plan directory",
        "run directory",
    )
}

/// Writes `plan.csv` and `plan.json` into `dir`, atomically (a temporary directory renamed into
/// place).
pub fn write(dir: &Path, planner: &Planner, rows: &[Row]) -> Result<(), UsageError> {
    use std::io::Write as _;
    let tmp = crate::rundir::TempRunDir::create(dir)?;
    for (name, text) in [
        ("plan.csv", plan_csv(rows)),
        ("plan.json", plan_json(planner, rows)),
    ] {
        let mut f = tmp.file(name)?;
        f.write_all(text.as_bytes())
            .map_err(|e| crate::rundir::write_error(dir, "writing its files", e))?;
        tmp.close(f)?;
    }
    tmp.commit()
}

/// Per-seed runs of one count.
struct SeedRuns {
    sims: u64,
    /// Each run with the stranded figures of a run without fault that went to its end.
    runs: Vec<(RunRecord, Option<(f64, f64)>)>,
    probe: Option<Probe>,
}

/// Every seed's runs of one count.
struct Evaluated {
    feasible: bool,
    runs: Vec<RunRecord>,
    /// Per seed, in seed order.
    probes: Vec<Option<Probe>>,
    stranded: Vec<(f64, f64)>,
    sims: u64,
    first_failure: Option<String>,
}

/// Where the planner says how far it is (a progress bar on a terminal, nothing elsewhere).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    /// The count each row is trying, shown in the bar's message.
    trying: Mutex<BTreeMap<String, u32>>,
}

impl Progress {
    /// No progress shown.
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            trying: Mutex::new(BTreeMap::new()),
        }
    }

    /// A bar of `rows` rows on stderr.
    pub fn bar(rows: usize) -> Progress {
        let bar = indicatif::ProgressBar::new(rows as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} rows  {wide_msg}",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Progress {
            bar: Some(bar),
            trying: Mutex::new(BTreeMap::new()),
        }
    }

    fn trying(&self, row: &str, count: u32) {
        let Some(bar) = &self.bar else { return };
        let Ok(mut trying) = self.trying.lock() else {
            return;
        };
        trying.insert(row.to_string(), count);
        let msg: Vec<String> = trying.iter().map(|(r, c)| format!("{r}: {c}")).collect();
        bar.set_message(msg.join(", "));
    }

    fn row_done(&self, row: &str) {
        let Some(bar) = &self.bar else { return };
        if let Ok(mut trying) = self.trying.lock() {
            trying.remove(row);
        }
        bar.inc(1);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC §12.3's bound, by hand: the largest resource decides; a zone loss over z zones scales
    /// by z / (z − 1), rounded up; losing N instances adds N.
    #[test]
    fn lower_bound_by_hand() {
        // 100 tasks of 1024 CPU and 256 MiB on instances of 4096 CPU and 15,000 MiB: CPU decides.
        let per = [4096, 15_000, 0];
        let reserved = [100 * 1024, 100 * 256, 0];
        assert_eq!(
            lower_bound(reserved, [0; 3], per, Survive::None, 1),
            Some(25)
        );
        // 25 over 3 zones: ceil(25 × 3 / 2) = 38; over 2 zones: 50; one zone: no scaling.
        assert_eq!(
            lower_bound(reserved, [0; 3], per, Survive::AvailabilityZone, 3),
            Some(38)
        );
        assert_eq!(
            lower_bound(reserved, [0; 3], per, Survive::AvailabilityZone, 2),
            Some(50)
        );
        assert_eq!(
            lower_bound(reserved, [0; 3], per, Survive::AvailabilityZone, 1),
            Some(25)
        );
        assert_eq!(
            lower_bound(reserved, [0; 3], per, Survive::Instances(2), 3),
            Some(27)
        );
        // Memory decides when it is the scarcer: 100 × 600 MiB = 60,000 MiB = 4 instances' worth;
        // 10 CPU-light tasks do not change it.
        assert_eq!(
            lower_bound([10 * 128, 60_000, 0], [0; 3], per, Survive::None, 1),
            Some(4)
        );
        // What the cluster's other instances register is subtracted first.
        assert_eq!(
            lower_bound(reserved, [8192, 0, 0], per, Survive::None, 1),
            Some(23)
        );
        // GPUs reserved, and the type has none: no count is enough.
        assert_eq!(lower_bound([0, 0, 1], [0; 3], per, Survive::None, 1), None);
        // Nothing reserved: 0 (plus what a fault takes).
        assert_eq!(
            lower_bound([0; 3], [0; 3], per, Survive::Instances(1), 2),
            Some(1)
        );
    }

    /// The planner's edits are `--set`'s: members replaced or added (a group's `desiredCapacity`
    /// may be absent), the fault appended with `-`; a pointer naming nothing is refused.
    #[test]
    fn edit_sets_the_fleet_and_appends_the_fault() {
        let mut doc = json!({"actions": [{"simulation": {"autoScalingGroup":
            {"instanceTypes": ["m5.large", "c5.large"], "minSize": 0, "maxSize": 4}}}]});
        let g = "/actions/0/simulation/autoScalingGroup";
        edit(
            &mut doc,
            &format!("{g}/instanceTypes/0"),
            json!("m6i.xlarge"),
        )
        .unwrap();
        edit(&mut doc, &format!("{g}/desiredCapacity"), json!(7)).unwrap();
        edit(
            &mut doc,
            "/actions/-",
            json!({"action": "FailAvailabilityZone"}),
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"actions": [{"simulation": {"autoScalingGroup":
                {"instanceTypes": ["m6i.xlarge", "c5.large"], "minSize": 0, "maxSize": 4,
                 "desiredCapacity": 7}}}, {"action": "FailAvailabilityZone"}]})
        );
        assert_eq!(
            edit(&mut doc, "/actions/2/input", json!(1)).unwrap_err(),
            "/actions/2/input: /actions is an array and '2' is not one of its indices (it has 2 elements, indices 0 to 1)"
        );
        assert!(edit(&mut doc, "no-slash", json!(1)).is_err());
    }

    #[test]
    fn fault_actions_are_the_simulator_actions() {
        let at = SimTime(1_800_000);
        assert_eq!(Fault::None.action(at), None);
        assert_eq!(
            Fault::Zone("us-east-1b".into()).action(at),
            Some(json!({"at": "1800s", "action": "FailAvailabilityZone",
                        "input": {"availabilityZone": "us-east-1b"}}))
        );
        assert_eq!(
            Fault::Terminate {
                cluster: "prod".into(),
                instances: vec!["i-00000000000000003".into()]
            }
            .action(SimTime(1500)),
            Some(
                json!({"at": "1500ms", "action": "TerminateContainerInstances",
                        "input": {"cluster": "prod", "containerInstances": ["i-00000000000000003"]}})
            )
        );
    }
}
