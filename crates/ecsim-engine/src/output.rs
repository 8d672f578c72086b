//! What a run ends with: its figures ([`RunSummary`]) and, when the records were collected, the
//! whole output ([`RunOutput`]). Plain data; the report crate turns it into files.

use crate::assertions::AssertionResult;
use crate::record::{EventRecord, Record, ServiceRow, SnapshotRecord, TimeseriesRow};
use crate::service::{Deployment, Service, ServiceRecord};
use ecsim_kernel::SimTime;
use ecsim_model::{ClusterId, World};
use std::collections::BTreeMap;

/// The run's counters (`summary.json` `counts`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub events_processed: u64,
    pub placements: u64,
    pub tasks_started: u64,
    /// By stopCode.
    pub tasks_stopped: BTreeMap<&'static str, u64>,
    /// By failure reason.
    pub placement_failures: BTreeMap<&'static str, u64>,
    /// Actions the simulated state rejected (`ECS Action Error` events).
    pub action_errors: u64,
    /// Placement failures (tasks that could not be placed) per cluster.
    pub placement_failures_by_cluster: BTreeMap<ClusterId, u64>,
}

impl Counts {
    /// Placement failures of every reason.
    pub fn placement_failures_total(&self) -> u64 {
        self.placement_failures.values().sum()
    }
}

/// A service at the end of the run, with its figures (`summary.json` `services`).
#[derive(Clone, Debug)]
pub struct ServiceOutput {
    pub service: Service,
    /// The name of its cluster.
    pub cluster_name: String,
    pub running_count: u32,
    pub healthy_count: u32,
    pub record: ServiceRecord,
}

/// A cluster's figures for comparing runs (`summary.json` `clusters[]`, the sweep's columns).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterFigures {
    pub cluster: String,
    /// Most of its instances running (launched, not terminated, or registered) at once.
    pub instances_peak: u32,
    /// Its registered instances (ACTIVE or DRAINING), mean over the samples.
    pub instances_mean: f64,
    pub instance_hours: f64,
    /// Registered minus reserved CPU (memory) on the instances that hold tasks, as a percentage
    /// of their registered CPU (memory), mean over the samples that have such instances.
    pub cpu_stranded_pct: f64,
    pub memory_stranded_pct: f64,
    /// Tasks that could not be placed (`ECS Placement Failure`s).
    pub unplaced_tasks: u64,
    /// The integral over the run of its services' desired minus running tasks, task-seconds.
    pub unplaced_task_seconds: f64,
    /// What its instances and Fargate tasks cost, $.
    pub cost: f64,
}

/// Reserved fractions over the samples (`summary.json` `utilization`), 0..1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Utilization {
    pub cpu_reserved_mean: f64,
    pub cpu_reserved_peak: f64,
    pub memory_reserved_mean: f64,
    pub memory_reserved_peak: f64,
}

/// A capacity provider's figures over the run (`summary.json` `capacityProviders[]`), per cluster
/// it served.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderSummary {
    pub cluster: String,
    pub name: String,
    /// Most of its instances running (launched, not terminated) at once.
    pub instances_peak: u32,
    pub instance_hours: f64,
    /// Most of its tasks (desired RUNNING) at once.
    pub tasks_peak: u32,
    /// What its instances (or, for Fargate, its tasks) cost over the run, $.
    pub cost: f64,
}

/// What the run cost (`summary.json` `costs`), USD.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Costs {
    pub instance_hours: f64,
    pub ec2: f64,
    pub fargate_vcpu_hours: f64,
    pub fargate_gb_hours: f64,
    pub fargate: f64,
}

impl Costs {
    pub fn total(&self) -> f64 {
        self.ec2 + self.fargate
    }
}

/// Why a run ended before its horizon (SPEC §3 run limits); nothing of it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Halt {
    /// `--max-events`: the run would process more events than this.
    EventBudget { max_events: u64, at: SimTime },
    /// A bound on what a run may hold (live tasks, pending events) was reached.
    Bound { what: String, at: SimTime },
    /// The sink refused a record (its output budget, or a write error).
    Sink { message: String, at: SimTime },
}

impl Halt {
    /// The simulated time reached.
    pub fn at(&self) -> SimTime {
        match self {
            Halt::EventBudget { at, .. } | Halt::Bound { at, .. } | Halt::Sink { at, .. } => *at,
        }
    }
}

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.at().ms() as f64 / 1000.0;
        match self {
            Halt::EventBudget { max_events, .. } => write!(
                f,
                "the run reached its event budget of {max_events} events at simulated time {at} s (a scenario whose tasks start and stop without time passing churns forever); raise it with --max-events N if the run is meant to be this long"
            ),
            Halt::Bound { what, .. } => write!(f, "{what}, at simulated time {at} s"),
            Halt::Sink { message, .. } => write!(f, "{message}, at simulated time {at} s"),
        }
    }
}

/// A run's figures: everything `summary.json` holds but the scenario's digest and ignored fields.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub scenario_name: String,
    pub seed: u64,
    pub start_time_unix_ms: i64,
    pub simulated_ms: u64,
    pub fingerprint: String,
    pub counts: Counts,
    /// Every service of the run, in creation order (`services[i]` is `ServiceId(i)`).
    pub services: Vec<ServiceOutput>,
    /// Every deployment and task set, by `DeploymentId`.
    pub deployments: Vec<Deployment>,
    /// The ARN of every task definition revision, by `TaskDefId`.
    pub task_definition_arns: Vec<String>,
    pub utilization: Utilization,
    /// Per provider and cluster, in order of (cluster, provider name).
    pub capacity_providers: Vec<ProviderSummary>,
    /// Per cluster, in creation order.
    pub clusters: Vec<ClusterFigures>,
    pub costs: Costs,
    /// The run rate at the end of the run, $/hour (the console line).
    pub cost_per_hour_at_end: f64,
    pub assertions: Vec<AssertionResult>,
    /// The faults injected (SPEC §12.1), as the explicit actions they stand for, in the order
    /// they were carried out; None when the scenario has no `faults` block.
    pub faults: Option<Vec<crate::fault::InjectedAction>>,
}

/// A whole run held in memory: its records in order, its summary and its final world (which, for a
/// collected run, keeps every task, stopped ones included). For tests and small runs; a large run
/// streams its records to a [`crate::Sink`] instead.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub records: Vec<Record>,
    pub summary: RunSummary,
    pub world: World,
    /// Why the run ended early, if it did (its records end there).
    pub halt: Option<Halt>,
}

impl std::ops::Deref for RunOutput {
    type Target = RunSummary;
    fn deref(&self) -> &RunSummary {
        &self.summary
    }
}

impl RunOutput {
    /// The events, in order.
    pub fn events(&self) -> impl Iterator<Item = &EventRecord> {
        self.records.iter().filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
    }

    /// The `timeseries.csv` rows, in order.
    pub fn timeseries(&self) -> impl Iterator<Item = &TimeseriesRow> {
        self.records.iter().filter_map(|r| match r {
            Record::Sample(s) => Some(s),
            _ => None,
        })
    }

    /// The `services.csv` rows, in order.
    pub fn service_rows(&self) -> impl Iterator<Item = &ServiceRow> {
        self.records.iter().filter_map(|r| match r {
            Record::ServiceRow(s) => Some(s),
            _ => None,
        })
    }

    /// The `snapshots.jsonl` lines, in order.
    pub fn snapshots(&self) -> impl Iterator<Item = &SnapshotRecord> {
        self.records.iter().filter_map(|r| match r {
            Record::Snapshot(s) => Some(&**s),
            _ => None,
        })
    }
}
