//! What a run emits, as it happens (SPEC §9): events, sample rows, service rows and snapshots, and
//! before them the declarations of the names they use. A [`Sink`] receives them in order.
//!
//! Records are small and owned: ids instead of names, shared `Arc`s instead of copied strings, so
//! that emitting one allocates nothing and a sink may format it on another thread. A sink that
//! resolves names keeps its own table from the [`Declaration`]s, which always come before the first
//! record that uses them.

use crate::capacity::{AsgProvider, StrategyItem};
use crate::service::{Deployment, RolloutState, Service};
use ecsim_kernel::SimTime;
use ecsim_model::{
    ClusterId, ContainerInstance, DeploymentId, DesiredStatus, GroupId, InstanceId, InstanceStatus,
    ServiceId, SpecId, StopCode, StoppedReason, Task, TaskDefId, TaskDefinition, TaskId, TaskSpec,
    TaskStatus, ZoneId,
};
use std::sync::Arc;

/// One record of the stream.
#[derive(Clone, Debug)]
pub enum Record {
    Declare(Declaration),
    Event(EventRecord),
    /// A `timeseries.csv` row.
    Sample(TimeseriesRow),
    /// A `services.csv` row.
    ServiceRow(ServiceRow),
    /// A `snapshots.jsonl` line.
    Snapshot(Box<SnapshotRecord>),
}

/// A name the records that follow may use, declared once, in id order per kind.
#[derive(Clone, Debug)]
pub enum Declaration {
    Cluster {
        id: ClusterId,
        name: Arc<str>,
        arn: Arc<str>,
    },
    Instance {
        id: InstanceId,
        cluster: ClusterId,
        arn: Arc<str>,
        ec2_instance_id: Arc<str>,
        /// Its `ecs.availability-zone` attribute.
        availability_zone: Option<Arc<str>>,
    },
    /// An instance's `ecs.availability-zone` attribute changed (PutAttributes, DeleteAttributes).
    InstanceZone {
        id: InstanceId,
        availability_zone: Option<Arc<str>>,
    },
    TaskDefinition {
        id: TaskDefId,
        definition: Arc<TaskDefinition>,
    },
    Group {
        id: GroupId,
        name: Arc<str>,
    },
    Spec {
        id: SpecId,
        spec: Arc<TaskSpec>,
    },
    Service {
        id: ServiceId,
        cluster: ClusterId,
        name: Arc<str>,
        arn: Arc<str>,
    },
    /// A zone a Fargate task runs in.
    Zone {
        id: ZoneId,
        name: Arc<str>,
    },
}

/// One event of `events.jsonl`.
#[derive(Clone, Debug)]
pub struct EventRecord {
    pub t: SimTime,
    pub detail: EventDetail,
}

/// The event kinds (SPEC §9 detail-types), with ids that resolve through the declarations; fields
/// that change over time are captured here.
#[derive(Clone, Debug)]
pub enum EventDetail {
    /// `ECS Task State Change`.
    TaskStateChange {
        task: TaskId,
        spec: SpecId,
        instance: Option<InstanceId>,
        /// A Fargate task's zone (an EC2 task's is its instance's).
        zone: Option<ZoneId>,
        last_status: TaskStatus,
        desired_status: DesiredStatus,
        stop_code: Option<StopCode>,
        stopped_reason: Option<StoppedReason>,
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
        spec: SpecId,
        /// None for a Fargate task, which has a zone instead.
        instance: Option<InstanceId>,
        zone: Option<ZoneId>,
        /// How many instances the strategies left for the final draw.
        finalists: u32,
    },
    /// `ECS Placement Failure`: one per unplaced task.
    PlacementFailure {
        spec: SpecId,
        /// The closest matching instance (None when the cluster has none).
        instance: Option<InstanceId>,
        /// The instance StartTask named, when it names no instance of the cluster (echoed as the
        /// failure's ARN, as ECS echoes `failures[].arn`).
        requested: Option<Arc<str>>,
        reason: &'static str,
    },
    /// `ECS Service Action`: a service event (reference §3.2 wording in `message`; §3.3 names).
    ServiceAction {
        service: ServiceId,
        /// EventBridge eventName, e.g. `SERVICE_STEADY_STATE`, `SERVICE_TASK_PLACEMENT_FAILURE`.
        event_name: &'static str,
        /// `INFO`, `WARN` or `ERROR`.
        event_type: &'static str,
        message: Arc<str>,
        /// For placement failures: the failure reason (`RESOURCE:MEMORY`) and the closest instance.
        reason: Option<&'static str>,
        instance: Option<InstanceId>,
    },
    /// `ECS Deployment State Change`.
    DeploymentStateChange {
        service: ServiceId,
        deployment: DeploymentId,
        /// `SERVICE_DEPLOYMENT_IN_PROGRESS`, `SERVICE_DEPLOYMENT_COMPLETED` or `SERVICE_DEPLOYMENT_FAILED`.
        event_name: &'static str,
        rollout_state: RolloutState,
        reason: Arc<str>,
    },
    /// `ECS Scaling Activity`: an Auto Scaling group provider launching, draining or terminating
    /// instances (managed scaling, replacements, spot interruptions, zone failures, attached
    /// instances).
    ScalingActivity {
        cluster: Option<ClusterId>,
        capacity_provider: Arc<str>,
        activity: ScalingActivityKind,
        /// How many instances.
        count: u32,
        /// The group's desired capacity after the activity.
        desired_capacity: u32,
        /// The instances, when they exist (drains and terminations; launches register later).
        instances: Vec<InstanceId>,
        /// Why, in words (e.g. "CapacityProviderReservation 200 is above the target 100").
        cause: Arc<str>,
    },
    /// `ECS Capacity Provider Reservation`: one managed-scaling evaluation (SPEC §8).
    CapacityProviderReservation {
        cluster: ClusterId,
        capacity_provider: Arc<str>,
        /// M / N × 100 (with SPEC §8's special cases).
        reservation: f64,
        /// M: instances needed.
        needed: u32,
        /// N: instances running.
        running: u32,
        target_capacity: u32,
        /// Instances the evaluation launches (> 0) or terminates (< 0).
        change: i32,
    },
    /// `ECS Action Error`: an action the simulated state rejected; the run goes on.
    ActionError {
        action_index: usize,
        /// The action's name (`RunTask`).
        action: Arc<str>,
        /// The action's `label`, if it has one.
        label: Option<Arc<str>>,
        error: &'static str,
        message: String,
    },
    /// `ECS Fault Injected`: a random fault of the scenario's `faults` block (SPEC §12.1), said
    /// before the explicit action it stands for is carried out.
    FaultInjected {
        /// The entry's `type` (`instanceLoss`).
        fault_type: &'static str,
        /// What it hit: an ec2InstanceId, a zone, a task ARN, a capacity provider.
        target: Arc<str>,
        /// When an outage or agent disconnect ends (the restore's time, even past the horizon).
        until: Option<SimTime>,
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
            EventDetail::ScalingActivity { .. } => "ECS Scaling Activity",
            EventDetail::CapacityProviderReservation { .. } => "ECS Capacity Provider Reservation",
            EventDetail::ActionError { .. } => "ECS Action Error",
            EventDetail::FaultInjected { .. } => "ECS Fault Injected",
        }
    }

    /// Whether the event is about one task (`--events no-tasks` leaves these out).
    pub fn is_task_event(&self) -> bool {
        matches!(
            self,
            EventDetail::TaskStateChange { .. } | EventDetail::PlacementDecision { .. }
        )
    }
}

/// What an `ECS Scaling Activity` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalingActivityKind {
    /// Instances launched (they register after `instanceLaunch`).
    Launch,
    /// Instances set DRAINING before they terminate (managed draining, a spot warning).
    Drain,
    Terminate,
    /// An instance refresh's progress: its start, each batch, its end.
    Refresh,
}

impl ScalingActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScalingActivityKind::Launch => "LAUNCH",
            ScalingActivityKind::Drain => "DRAIN",
            ScalingActivityKind::Terminate => "TERMINATE",
            ScalingActivityKind::Refresh => "REFRESH",
        }
    }
}

/// One row of `timeseries.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeseriesRow {
    pub t_s: u64,
    pub cluster: ClusterId,
    /// None is written as `-`.
    pub capacity_provider: Option<Arc<str>>,
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
    /// The run rate at the sample, $/hour: the row's instances (launched, not terminated) and, on
    /// the Fargate providers' rows, its running Fargate tasks.
    pub cost_per_hour: f64,
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
    pub capacity_providers: Vec<String>,
    pub default_capacity_provider_strategy: Vec<StrategyItem>,
}

/// A capacity provider as DescribeCapacityProviders shows it (API: CapacityProvider).
#[derive(Clone, Debug)]
pub struct CapacityProviderSnapshot {
    pub name: String,
    /// `ACTIVE` or `INACTIVE` (deleted).
    pub status: &'static str,
    /// None for FARGATE and FARGATE_SPOT.
    pub auto_scaling_group_provider: Option<AsgProvider>,
    /// `UPDATE_COMPLETE` after an update, `DELETE_COMPLETE` after a delete.
    pub update_status: Option<&'static str>,
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
    DescribeCapacityProviders {
        capacity_providers: Vec<CapacityProviderSnapshot>,
        failures: Vec<ApiFailure>,
    },
    /// EC2 DescribeInstanceImageMetadata (SPEC §13.1).
    DescribeInstanceImageMetadata {
        instance_image_metadata: Vec<InstanceImageMetadata>,
        next_token: Option<String>,
    },
    Snapshot {
        clusters: Vec<ClusterSnapshot>,
        container_instances: Vec<ContainerInstance>,
        services: Vec<ServiceSnapshot>,
        /// Tasks not stopped, plus those stopped in the last hour (DG: stopped tasks stay visible
        /// "for at least 1 hour").
        tasks: Vec<Task>,
        /// Every provider the clusters of the snapshot are associated with, by name.
        capacity_providers: Vec<CapacityProviderSnapshot>,
    },
}

/// One line of `snapshots.jsonl`: the response of a query action (or Snapshot).
#[derive(Clone, Debug)]
pub struct SnapshotRecord {
    pub t: SimTime,
    /// The action's name, label and request body as the scenario gave them.
    pub action: String,
    pub label: Option<String>,
    pub input_json: String,
    pub response: SnapshotResponse,
}

/// Why a sink refused a record: the run ends with this message (exit code 2, nothing written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkError(pub String);

/// Receives a run's records in order.
pub trait Sink {
    /// Takes the next record. An error ends the run: [`crate::Engine::run_until`] returns it as a
    /// [`crate::Halt`].
    fn record(&mut self, record: Record) -> Result<(), SinkError>;
}

/// A sink that drops every record (for runs whose files are not wanted: `explain`, checks).
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl Sink for Discard {
    fn record(&mut self, _: Record) -> Result<(), SinkError> {
        Ok(())
    }
}

impl<F: FnMut(Record) -> Result<(), SinkError>> Sink for F {
    fn record(&mut self, record: Record) -> Result<(), SinkError> {
        self(record)
    }
}

/// A sink that keeps every record, in order (memory grows with the run: for tests and small runs).
#[derive(Clone, Debug, Default)]
pub struct Collector {
    pub records: Vec<Record>,
}

impl Sink for Collector {
    fn record(&mut self, record: Record) -> Result<(), SinkError> {
        self.records.push(record);
        Ok(())
    }
}

/// One element of DescribeInstanceImageMetadata's response (EC2 API: InstanceImageMetadata).
#[derive(Clone, Debug)]
pub struct InstanceImageMetadata {
    pub instance_id: String,
    pub instance_type: String,
    /// ISO-8601 UTC with milliseconds.
    pub launch_time: String,
    pub availability_zone: String,
    pub zone_id: String,
    pub state: crate::engine::Ec2State,
    pub owner_id: String,
    pub tags: std::sync::Arc<[(String, String)]>,
    /// None: an instance registered without an AMI id.
    pub image: Option<Ec2ImageMetadata>,
}

/// The image of an instance: its id, and what the scenario knows of it.
#[derive(Clone, Debug)]
pub struct Ec2ImageMetadata {
    pub image_id: String,
    /// None: an AMI the scenario does not know (`ImageMetadata` is then `{ImageId}` alone).
    pub known: Option<ecsim_model::AmiMetadata>,
}
