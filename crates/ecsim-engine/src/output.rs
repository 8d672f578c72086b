//! What a run produces: events, samples, snapshots, counts and the final state. Plain data; the
//! report crate turns it into files.

use ecsim_kernel::SimTime;
use ecsim_model::{
    ClusterId, ContainerInstance, DesiredStatus, GroupId, InstanceId, InstanceStatus, StopCode,
    Task, TaskDefId, TaskId, TaskStatus, World,
};
use std::collections::BTreeMap;

use crate::assertions::AssertionResult;
use crate::service::{Deployment, RolloutState, Service, ServiceRecord};
use ecsim_model::{DeploymentId, ServiceId};

/// One event of `events.jsonl`.
#[derive(Clone, Debug)]
pub struct EventRecord {
    pub t: SimTime,
    pub detail: EventDetail,
}

/// The event kinds (SPEC §9 detail-types). Ids resolve against the run's final [`World`], whose
/// arenas never drop anything; fields that change over time are captured here.
#[derive(Clone, Debug)]
pub enum EventDetail {
    /// `ECS Task State Change`.
    TaskStateChange {
        task: TaskId,
        last_status: TaskStatus,
        desired_status: DesiredStatus,
        stop_code: Option<StopCode>,
        stopped_reason: Option<String>,
    },
    /// `ECS Container Instance State Change`.
    ContainerInstanceStateChange {
        instance: InstanceId,
        status: InstanceStatus,
        agent_connected: bool,
        running_tasks_count: u32,
        pending_tasks_count: u32,
        /// Why it changed, e.g. "registered", "draining", "terminated", "agent disconnected".
        reason: &'static str,
    },
    /// `ECS Placement Decision`: one per placed task.
    PlacementDecision {
        task: TaskId,
        instance: InstanceId,
        /// How many instances the strategies left for the final draw.
        finalists: u32,
    },
    /// `ECS Placement Failure`: one per unplaced task.
    PlacementFailure {
        cluster: ClusterId,
        group: GroupId,
        task_definition: TaskDefId,
        started_by: Option<String>,
        /// The closest matching instance (None when the cluster has none).
        instance: Option<InstanceId>,
        /// The instance StartTask named, when it names no instance of the cluster (echoed as the
        /// failure's ARN, as ECS echoes `failures[].arn`).
        requested: Option<String>,
        reason: String,
    },
    /// `ECS Service Action`: a service event (reference §3.2 wording in `message`; §3.3 names).
    ServiceAction {
        service: ServiceId,
        /// EventBridge eventName, e.g. `SERVICE_STEADY_STATE`, `SERVICE_TASK_PLACEMENT_FAILURE`.
        event_name: &'static str,
        /// `INFO`, `WARN` or `ERROR`.
        event_type: &'static str,
        message: String,
        /// For placement failures: the failure reason (`RESOURCE:MEMORY`) and the closest instance.
        reason: Option<String>,
        instance: Option<InstanceId>,
    },
    /// `ECS Deployment State Change`.
    DeploymentStateChange {
        service: ServiceId,
        deployment: DeploymentId,
        /// `SERVICE_DEPLOYMENT_IN_PROGRESS`, `SERVICE_DEPLOYMENT_COMPLETED` or `SERVICE_DEPLOYMENT_FAILED`.
        event_name: &'static str,
        rollout_state: RolloutState,
        reason: String,
    },
    /// `ECS Action Error`: an action the simulated state rejected; the run goes on.
    ActionError {
        action_index: usize,
        action: String,
        error: String,
        message: String,
    },
}

impl EventDetail {
    /// The EventBridge detail-type.
    pub fn detail_type(&self) -> &'static str {
        match self {
            EventDetail::TaskStateChange { .. } => "ECS Task State Change",
            EventDetail::ContainerInstanceStateChange { .. } => {
                "ECS Container Instance State Change"
            }
            EventDetail::PlacementDecision { .. } => "ECS Placement Decision",
            EventDetail::PlacementFailure { .. } => "ECS Placement Failure",
            EventDetail::ServiceAction { .. } => "ECS Service Action",
            EventDetail::DeploymentStateChange { .. } => "ECS Deployment State Change",
            EventDetail::ActionError { .. } => "ECS Action Error",
        }
    }
}

/// One row of `timeseries.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeseriesRow {
    pub t_s: u64,
    pub cluster: ClusterId,
    /// None is written as `-`.
    pub capacity_provider: Option<String>,
    pub instances_active: u32,
    pub instances_draining: u32,
    pub cpu_registered: u64,
    pub cpu_reserved: u64,
    pub memory_registered_mib: u64,
    pub memory_reserved_mib: u64,
    pub tasks_provisioning: u32,
    pub tasks_pending: u32,
    pub tasks_running: u32,
    /// Empty when no managed scaling applies.
    pub capacity_provider_reservation: Option<f64>,
}

/// One row of `services.csv` (SPEC §9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRow {
    pub t_s: u64,
    pub cluster: ClusterId,
    pub service: ServiceId,
    pub desired: u32,
    /// Desired RUNNING and not yet RUNNING (PROVISIONING, PENDING, ACTIVATING).
    pub pending: u32,
    /// lastStatus RUNNING.
    pub running: u32,
    /// Running tasks counted healthy.
    pub healthy: u32,
    /// Running tasks of the primary deployment (or primary task set).
    pub primary_running: u32,
    /// Deployments (or task sets) not INACTIVE.
    pub deployments: u32,
    pub below_min_healthy: bool,
}

/// A service as DescribeServices shows it at a time point.
#[derive(Clone, Debug)]
pub struct ServiceSnapshot {
    pub service: Service,
    pub running_count: u32,
    pub pending_count: u32,
    /// Its deployments (or task sets) not INACTIVE, newest first, with their task counts.
    pub deployments: Vec<DeploymentSnapshot>,
}

/// A deployment or task set with its counts at a time point.
#[derive(Clone, Debug)]
pub struct DeploymentSnapshot {
    pub deployment: Deployment,
    /// The deployment's share of the desired count (API Deployment.desiredCount /
    /// TaskSet.computedDesiredCount).
    pub desired_count: u32,
    pub pending_count: u32,
    pub running_count: u32,
}

/// One API failure entry (API: Failure).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiFailure {
    pub arn: String,
    pub reason: String,
    pub detail: Option<String>,
}

/// A cluster as DescribeClusters would show it at a time point.
#[derive(Clone, Debug)]
pub struct ClusterSnapshot {
    pub cluster: ClusterId,
    pub status: &'static str,
    pub registered_container_instances_count: u32,
    pub running_tasks_count: u32,
    pub pending_tasks_count: u32,
}

/// The response of a query action, or a Snapshot's state, captured at its time.
#[derive(Clone, Debug)]
pub enum SnapshotResponse {
    ListContainerInstances {
        container_instance_arns: Vec<String>,
        next_token: Option<String>,
    },
    DescribeContainerInstances {
        container_instances: Vec<ContainerInstance>,
        failures: Vec<ApiFailure>,
    },
    DescribeTasks {
        tasks: Vec<Task>,
        failures: Vec<ApiFailure>,
    },
    /// (name, value, targetId = container-instance ARN).
    ListAttributes {
        attributes: Vec<(String, Option<String>, String)>,
    },
    DescribeServices {
        services: Vec<ServiceSnapshot>,
        failures: Vec<ApiFailure>,
    },
    Snapshot {
        clusters: Vec<ClusterSnapshot>,
        container_instances: Vec<ContainerInstance>,
        services: Vec<ServiceSnapshot>,
        /// Tasks not stopped, plus those stopped in the last hour (DG: stopped tasks stay visible
        /// "for at least 1 hour").
        tasks: Vec<Task>,
    },
}

/// One line of `snapshots.jsonl`.
#[derive(Clone, Debug)]
pub struct SnapshotRecord {
    pub t: SimTime,
    pub action: String,
    pub label: Option<String>,
    pub input_json: String,
    pub response: SnapshotResponse,
}

/// The run's counters (`summary.json` `counts`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub events_processed: u64,
    pub placements: u64,
    pub tasks_started: u64,
    /// By stopCode.
    pub tasks_stopped: BTreeMap<&'static str, u64>,
    /// By failure reason.
    pub placement_failures: BTreeMap<String, u64>,
    /// Actions the simulated state rejected (`ECS Action Error` events).
    pub action_errors: u64,
}

/// A service at the end of the run, with its figures (`summary.json` `services`).
#[derive(Clone, Debug)]
pub struct ServiceOutput {
    pub service: Service,
    pub running_count: u32,
    pub healthy_count: u32,
    pub record: ServiceRecord,
}

/// Reserved fractions over the samples (`summary.json` `utilization`), 0..1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Utilization {
    pub cpu_reserved_mean: f64,
    pub cpu_reserved_peak: f64,
    pub memory_reserved_mean: f64,
    pub memory_reserved_peak: f64,
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub scenario_name: String,
    pub seed: u64,
    pub start_time_unix_ms: i64,
    pub simulated_ms: u64,
    pub fingerprint: String,
    pub world: World,
    pub events: Vec<EventRecord>,
    pub timeseries: Vec<TimeseriesRow>,
    pub snapshots: Vec<SnapshotRecord>,
    /// One row per sample per service (`services.csv`).
    pub service_rows: Vec<ServiceRow>,
    /// Every service of the run, in creation order.
    pub services: Vec<ServiceOutput>,
    /// Every deployment and task set, by `DeploymentId`.
    pub deployments: Vec<Deployment>,
    pub counts: Counts,
    pub utilization: Utilization,
    pub assertions: Vec<AssertionResult>,
}
