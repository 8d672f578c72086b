//! Tasks: lifecycle status, desired status, where they run and what they hold.

use crate::ids::{ClusterId, DeploymentId, InstanceId, SpecId, TaskId, ZoneId};
use ecsim_kernel::{SimTime, Stamp};
use std::sync::Arc;

/// API: Task.lastStatus, in lifecycle order (SPEC §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskStatus {
    Provisioning,
    Pending,
    Activating,
    Running,
    Deactivating,
    Stopping,
    Deprovisioning,
    Stopped,
}

impl TaskStatus {
    /// How many states there are (for tables indexed by `status as usize`).
    pub const COUNT: usize = 8;

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Provisioning => "PROVISIONING",
            TaskStatus::Pending => "PENDING",
            TaskStatus::Activating => "ACTIVATING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Deactivating => "DEACTIVATING",
            TaskStatus::Stopping => "STOPPING",
            TaskStatus::Deprovisioning => "DEPROVISIONING",
            TaskStatus::Stopped => "STOPPED",
        }
    }

    /// The next state in the lifecycle, if any.
    pub fn next(self) -> Option<TaskStatus> {
        use TaskStatus::*;
        Some(match self {
            Provisioning => Pending,
            Pending => Activating,
            Activating => Running,
            Running => Deactivating,
            Deactivating => Stopping,
            Stopping => Deprovisioning,
            Deprovisioning => Stopped,
            Stopped => return None,
        })
    }
}

/// API: Task.desiredStatus — only RUNNING or STOPPED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesiredStatus {
    Running,
    Stopped,
}

impl DesiredStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DesiredStatus::Running => "RUNNING",
            DesiredStatus::Stopped => "STOPPED",
        }
    }
}

/// API: Task.stopCode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopCode {
    TaskFailedToStart,
    EssentialContainerExited,
    UserInitiated,
    ServiceSchedulerInitiated,
    SpotInterruption,
    TerminationNotice,
}

impl StopCode {
    pub fn as_str(self) -> &'static str {
        match self {
            StopCode::TaskFailedToStart => "TaskFailedToStart",
            StopCode::EssentialContainerExited => "EssentialContainerExited",
            StopCode::UserInitiated => "UserInitiated",
            StopCode::ServiceSchedulerInitiated => "ServiceSchedulerInitiated",
            StopCode::SpotInterruption => "SpotInterruption",
            StopCode::TerminationNotice => "TerminationNotice",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaunchType {
    Ec2,
    Fargate,
    External,
}

impl LaunchType {
    pub fn as_str(self) -> &'static str {
        match self {
            LaunchType::Ec2 => "EC2",
            LaunchType::Fargate => "FARGATE",
            LaunchType::External => "EXTERNAL",
        }
    }
}

/// API: Task.healthStatus — HEALTHY when every essential container passes its health check,
/// UNHEALTHY when one fails, UNKNOWN otherwise (no health check, or not yet decided).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthStatus {
    Unknown,
    Healthy,
    Unhealthy,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Unknown => "UNKNOWN",
            HealthStatus::Healthy => "HEALTHY",
            HealthStatus::Unhealthy => "UNHEALTHY",
        }
    }
}

/// API: Task.stoppedReason, as the scheduler, the agent or the user gave it. Kept as a small value;
/// [`StoppedReason::text`] renders ECS's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoppedReason {
    /// `failToStartProbability` decided it.
    FailedToStart,
    /// `crashAfter` decided it.
    Crashed,
    /// Its run duration ended.
    Exited,
    ServiceDeleted,
    FailedHealthChecks,
    /// The service scheduler stopped it for a deployment (or task set).
    ScalingActivity(DeploymentId),
    /// Its EC2 instance was terminated.
    HostTerminated(InstanceId),
    InstanceDeregistered,
    /// StopTask without a reason.
    StoppedByUser,
    /// StopTask's `reason` (a thin pointer, so that a task's reason is 16 bytes).
    User(Arc<String>),
    /// It waited 30 minutes in PROVISIONING for capacity: `TaskFailedToStart: R`, R the
    /// [`PROVISIONING_REASONS`] entry at this index.
    ProvisioningTimedOut(u8),
    /// A FARGATE_SPOT interruption.
    SpotInterrupted,
    /// Its zone failed (FailAvailabilityZone) under a Fargate task.
    ZoneFailed,
}

/// Why a task that waited in PROVISIONING could not start (reference §3.1, the capacity-provider
/// path): the placement failure reasons and the capacity provider's own.
pub const PROVISIONING_REASONS: [&str; 13] = [
    "RESOURCE:CPU",
    "RESOURCE:MEMORY",
    "RESOURCE:GPU",
    "RESOURCE:PORTS",
    "RESOURCE:PORTS_UDP",
    "RESOURCE:ENI",
    "AGENT",
    "ATTRIBUTE",
    "MemberOf placement constraint unsatisfied.",
    "DistinctInstance placement constraint unsatisfied.",
    "EMPTY CAPACITY PROVIDER",
    "NO ACTIVE INSTANCES",
    "RESOURCE:FARGATE",
];

impl StoppedReason {
    /// `TaskFailedToStart: R` for one of [`PROVISIONING_REASONS`] (another reason reads as the
    /// capacity provider's `NO ACTIVE INSTANCES`).
    pub fn provisioning_timed_out(reason: &str) -> StoppedReason {
        let k = PROVISIONING_REASONS
            .iter()
            .position(|r| *r == reason)
            .unwrap_or(11);
        StoppedReason::ProvisioningTimedOut(k as u8)
    }
}

impl StoppedReason {
    /// The instance whose EC2 id the text names, if any.
    pub fn instance(&self) -> Option<InstanceId> {
        match self {
            StoppedReason::HostTerminated(i) => Some(*i),
            _ => None,
        }
    }

    /// ECS's text, given the EC2 id of [`StoppedReason::instance`] (ignored by the other reasons).
    pub fn text<'a>(&'a self, ec2_instance_id: &'a str) -> StoppedReasonText<'a> {
        StoppedReasonText {
            reason: self,
            ec2_instance_id,
        }
    }
}

/// A stopped reason rendered as ECS's text (through `Display`, without allocating).
pub struct StoppedReasonText<'a> {
    reason: &'a StoppedReason,
    ec2_instance_id: &'a str,
}

impl std::fmt::Display for StoppedReasonText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason {
            StoppedReason::FailedToStart => {
                f.write_str("Task failed to start (simulated: failToStartProbability).")
            }
            StoppedReason::Crashed => {
                f.write_str("Essential container in task exited (simulated crash).")
            }
            StoppedReason::Exited => f.write_str("Essential container in task exited."),
            StoppedReason::ServiceDeleted => f.write_str("Service deleted."),
            StoppedReason::FailedHealthChecks => f.write_str("Task failed container health checks"),
            StoppedReason::ScalingActivity(d) => {
                write!(
                    f,
                    "Scaling activity initiated by (deployment {})",
                    d.ecs_id()
                )
            }
            StoppedReason::HostTerminated(_) => {
                write!(
                    f,
                    "Host EC2 (instance {}) terminated.",
                    self.ec2_instance_id
                )
            }
            StoppedReason::InstanceDeregistered => f.write_str("Container instance deregistered."),
            StoppedReason::StoppedByUser => f.write_str("Task stopped by user."),
            StoppedReason::User(text) => f.write_str(text),
            StoppedReason::ProvisioningTimedOut(k) => write!(
                f,
                "TaskFailedToStart: {}",
                PROVISIONING_REASONS[*k as usize % PROVISIONING_REASONS.len()]
            ),
            // DG fargate-capacity-providers: the stopped reason of an interrupted Spot task.
            StoppedReason::SpotInterrupted => f.write_str("Your Spot Task was interrupted."),
            StoppedReason::ZoneFailed => {
                f.write_str("Its Availability Zone failed (simulated outage).")
            }
        }
    }
}

/// One task. What it shares with the other tasks of its call or deployment is in its [`TaskSpec`]
/// (`spec`); what is its own is here, kept small (SPEC §9 ids are derived, not stored).
///
/// [`TaskSpec`]: crate::spec::TaskSpec
#[derive(Clone, Debug)]
pub struct Task {
    pub id: TaskId,
    pub spec: SpecId,
    pub cluster: ClusterId,
    pub instance: Option<InstanceId>,
    /// A Fargate task's zone (from its subnets); an EC2 task's is its instance's.
    pub zone: Option<ZoneId>,
    pub last_status: TaskStatus,
    pub desired_status: DesiredStatus,
    pub stop_code: Option<StopCode>,
    /// API: Task.healthStatus.
    pub health_status: HealthStatus,
    /// True while the task holds a reservation on its instance.
    pub holds_resources: bool,
    pub stopped_reason: Option<StoppedReason>,
    /// The host port of each of its task definition's port mappings that binds one, in container
    /// start order (see `World::network_bindings`); empty when none does.
    pub host_ports: Box<[u16]>,
    pub created_at: SimTime,
    pub started_at: Stamp,
    pub stopping_at: Stamp,
    pub stopped_at: Stamp,
    pub version: u32,
}

impl Task {
    /// A new task of `spec`: PROVISIONING, desired RUNNING, not placed. `World::add_task` assigns
    /// its id.
    pub fn new(spec: SpecId, cluster: ClusterId, created_at: SimTime) -> Task {
        Task {
            id: TaskId(0),
            spec,
            cluster,
            instance: None,
            zone: None,
            last_status: TaskStatus::Provisioning,
            desired_status: DesiredStatus::Running,
            stop_code: None,
            health_status: HealthStatus::Unknown,
            holds_resources: false,
            stopped_reason: None,
            host_ports: Box::default(),
            created_at,
            started_at: Stamp::NONE,
            stopping_at: Stamp::NONE,
            stopped_at: Stamp::NONE,
            version: 1,
        }
    }
}
