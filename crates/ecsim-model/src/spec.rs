//! Task specs: what the tasks started by one call (RunTask, StartTask) or for one deployment (or
//! task set) share, resolved once — the task definition, group, launch type, overrides, the
//! reservation they imply, constraints and timings — so that each task carries a small id instead
//! of copies, and each placement reuses the resolved requirements.

use crate::ids::{ClusterId, DeploymentId, GroupId, ServiceId, TaskDefId};
use crate::task::LaunchType;
use crate::task_definition::{PlacementConstraint, TaskOverride, TaskRequirements, TaskSimulation};
use crate::timings::Timings;
use std::sync::Arc;

/// API: Task.startedBy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartedBy {
    /// A service's tasks: the deployment (or task set) id.
    Deployment(DeploymentId),
    /// The request's `startedBy`.
    Text(Arc<str>),
}

/// What the tasks of one call or one deployment share.
#[derive(Clone, Debug)]
pub struct TaskSpec {
    pub cluster: ClusterId,
    pub task_definition: TaskDefId,
    pub group: GroupId,
    pub started_by: Option<StartedBy>,
    pub launch_type: LaunchType,
    pub capacity_provider: Option<Arc<str>>,
    pub overrides: TaskOverride,
    /// The reservation and needs under `overrides` (SPEC §4, task reservation).
    pub requirements: TaskRequirements,
    /// The task definition's constraints, then the request's (or the service's).
    pub constraints: Vec<PlacementConstraint>,
    /// Every lifecycle duration, resolved (SPEC §3 precedence over §6 defaults).
    pub timings: Timings,
    /// The action's simulation block over the task definition's, key by key.
    pub simulation: TaskSimulation,
    /// A service task's service and deployment (or task set).
    pub service: Option<(ServiceId, DeploymentId)>,
    /// A DAEMON service's tasks (an instance holding only these counts as empty for scale-in).
    pub daemon: bool,
}

impl TaskSpec {
    /// A spec with no overrides, constraints or service, for tests and benches that place tasks
    /// without the event loop.
    pub fn simple(
        cluster: ClusterId,
        task_definition: TaskDefId,
        group: GroupId,
        requirements: TaskRequirements,
    ) -> TaskSpec {
        TaskSpec {
            cluster,
            task_definition,
            group,
            started_by: None,
            launch_type: LaunchType::Ec2,
            capacity_provider: None,
            overrides: TaskOverride::default(),
            requirements,
            constraints: Vec::new(),
            timings: Timings::default(),
            simulation: TaskSimulation::default(),
            service: None,
            daemon: false,
        }
    }
}
