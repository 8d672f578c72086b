//! Tasks: lifecycle status, desired status, where they run and what they hold.

use crate::ids::{ClusterId, GroupId, InstanceId, TaskDefId, TaskId};
use crate::task_definition::{Protocol, TaskOverride, TaskRequirements};
use ecsim_kernel::SimTime;

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

/// API: NetworkBinding — a host port a container was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkBinding {
    pub container: String,
    pub container_port: Option<u16>,
    pub host_port: u16,
    pub protocol: Protocol,
    /// Taken from the dynamic range (hostPort 0 or absent in bridge mode).
    pub dynamic: bool,
}

/// One task.
#[derive(Clone, Debug)]
pub struct Task {
    pub id: TaskId,
    /// `arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/` + 32 hex digits (SPEC §9).
    pub arn: String,
    pub cluster: ClusterId,
    pub task_definition: TaskDefId,
    pub instance: Option<InstanceId>,
    pub group: GroupId,
    pub started_by: Option<String>,
    pub launch_type: LaunchType,
    pub capacity_provider: Option<String>,
    pub last_status: TaskStatus,
    pub desired_status: DesiredStatus,
    pub stop_code: Option<StopCode>,
    pub stopped_reason: Option<String>,
    pub overrides: TaskOverride,
    pub requirements: TaskRequirements,
    /// Host ports actually held (static and dynamic), for release and for DescribeTasks.
    pub network_bindings: Vec<NetworkBinding>,
    pub created_at: SimTime,
    pub started_at: Option<SimTime>,
    pub stopping_at: Option<SimTime>,
    pub stopped_at: Option<SimTime>,
    /// True while the task holds a reservation on its instance.
    pub holds_resources: bool,
    /// API: Task.healthStatus.
    pub health_status: HealthStatus,
    pub version: u64,
}

impl Task {
    /// A new task: PROVISIONING, desired RUNNING, not placed. `World::add_task` assigns its id and ARN.
    pub fn new(
        cluster: ClusterId,
        task_definition: TaskDefId,
        group: GroupId,
        launch_type: LaunchType,
        requirements: TaskRequirements,
        created_at: SimTime,
    ) -> Task {
        Task {
            id: TaskId(0),
            arn: String::new(),
            cluster,
            task_definition,
            instance: None,
            group,
            started_by: None,
            launch_type,
            capacity_provider: None,
            last_status: TaskStatus::Provisioning,
            desired_status: DesiredStatus::Running,
            stop_code: None,
            stopped_reason: None,
            overrides: TaskOverride::default(),
            requirements,
            network_bindings: Vec::new(),
            created_at,
            started_at: None,
            stopping_at: None,
            stopped_at: None,
            holds_resources: false,
            health_status: HealthStatus::Unknown,
            version: 1,
        }
    }

    /// The 32-hex-digit task id at the end of the ARN.
    pub fn short_id(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or(&self.arn)
    }
}
