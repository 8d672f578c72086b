//! Services (SPEC §7): their state, deployments and task sets, and the pure reconciler that says
//! what a scheduler pass should do. Where the tasks go is placement's business, applied by the
//! event loop.

pub mod reconcile;

use ecsim_kernel::SimTime;
use ecsim_model::{
    ClusterId, DeploymentId, GroupId, LaunchType, PlacementConstraint, ServiceId, TaskDefId,
    TaskSimulation,
};
use ecsim_placement::PlacementStrategy;
use std::collections::VecDeque;
use std::sync::Arc;

/// API: Service.schedulingStrategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchedulingStrategy {
    Replica,
    Daemon,
}

impl SchedulingStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            SchedulingStrategy::Replica => "REPLICA",
            SchedulingStrategy::Daemon => "DAEMON",
        }
    }
}

/// API: DeploymentController.type (CODE_DEPLOY is not simulated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentController {
    Ecs,
    External,
}

impl DeploymentController {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentController::Ecs => "ECS",
            DeploymentController::External => "EXTERNAL",
        }
    }
}

/// API: Service.status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceStatus {
    Active,
    Draining,
    Inactive,
}

impl ServiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Active => "ACTIVE",
            ServiceStatus::Draining => "DRAINING",
            ServiceStatus::Inactive => "INACTIVE",
        }
    }
}

/// API: DeploymentCircuitBreaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CircuitBreaker {
    pub enable: bool,
    pub rollback: bool,
}

/// API: DeploymentConfiguration as a request gives it (absent fields keep their current or default
/// value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DeploymentConfigurationInput {
    pub minimum_healthy_percent: Option<u32>,
    pub maximum_percent: Option<u32>,
    pub circuit_breaker: Option<CircuitBreaker>,
}

/// API: DeploymentConfiguration with every value decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeploymentConfiguration {
    pub minimum_healthy_percent: u32,
    pub maximum_percent: u32,
    pub circuit_breaker: CircuitBreaker,
}

impl DeploymentConfiguration {
    /// API DeploymentConfiguration defaults: REPLICA 100/200, DAEMON 0/100.
    pub fn default_for(strategy: SchedulingStrategy) -> DeploymentConfiguration {
        let (min, max) = match strategy {
            SchedulingStrategy::Replica => (100, 200),
            SchedulingStrategy::Daemon => (0, 100),
        };
        DeploymentConfiguration {
            minimum_healthy_percent: min,
            maximum_percent: max,
            circuit_breaker: CircuitBreaker::default(),
        }
    }

    /// This configuration with the request's fields applied.
    pub fn with(self, input: &DeploymentConfigurationInput) -> DeploymentConfiguration {
        DeploymentConfiguration {
            minimum_healthy_percent: input
                .minimum_healthy_percent
                .unwrap_or(self.minimum_healthy_percent),
            maximum_percent: input.maximum_percent.unwrap_or(self.maximum_percent),
            circuit_breaker: input.circuit_breaker.unwrap_or(self.circuit_breaker),
        }
    }

    /// DG deployment-type-ecs: the most tasks, `floor(D × maximumPercent / 100)` (rounded down).
    pub fn max_tasks(&self, desired: u32) -> u32 {
        (desired as u64 * self.maximum_percent as u64 / 100).min(u32::MAX as u64) as u32
    }

    /// DG deployment-type-ecs: the fewest healthy tasks, `ceil(D × minimumHealthyPercent / 100)`
    /// (rounded up).
    pub fn min_healthy(&self, desired: u32) -> u32 {
        (desired as u64 * self.minimum_healthy_percent as u64)
            .div_ceil(100)
            .min(u32::MAX as u64) as u32
    }
}

/// DG deployment-circuit-breaker (current): `clamp(ceil(0.5 × desired), 3, 200)`.
pub fn circuit_breaker_threshold(desired: u32) -> u32 {
    desired.div_ceil(2).clamp(3, 200)
}

/// API: Deployment.status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentStatus {
    Primary,
    Active,
    Inactive,
}

impl DeploymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::Primary => "PRIMARY",
            DeploymentStatus::Active => "ACTIVE",
            DeploymentStatus::Inactive => "INACTIVE",
        }
    }
}

/// API: Deployment.rolloutState.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutState {
    InProgress,
    Completed,
    Failed,
}

impl RolloutState {
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
        }
    }
}

/// API: TaskSet.stabilityStatus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StabilityStatus {
    SteadyState,
    Stabilizing,
}

impl StabilityStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StabilityStatus::SteadyState => "STEADY_STATE",
            StabilityStatus::Stabilizing => "STABILIZING",
        }
    }
}

/// A deployment (ECS controller) or a task set (EXTERNAL controller): a task definition and the
/// tasks started for it. Both are kept in one arena, told apart by `task_set`; the arena index is
/// the one counter their API ids come from (`DeploymentId::ecs_id`: `ecs-svc/` + 19 digits, also
/// their tasks' `startedBy`).
#[derive(Clone, Debug)]
pub struct Deployment {
    pub id: DeploymentId,
    pub service: ServiceId,
    pub status: DeploymentStatus,
    pub task_definition: TaskDefId,
    pub launch_type: LaunchType,
    /// Its tasks' capacity provider strategy (empty: they use `launch_type`).
    pub capacity_provider_strategy: Vec<crate::capacity::StrategyItem>,
    /// `networkConfiguration.awsvpcConfiguration.subnets` (Fargate tasks take their zone there).
    pub subnets: Vec<String>,
    pub rollout_state: RolloutState,
    pub rollout_state_reason: Arc<str>,
    /// API: Deployment.failedTasks (consecutive; SPEC §7 RULE).
    pub failed_tasks: u32,
    pub created_at: SimTime,
    pub updated_at: SimTime,
    /// When it last reached COMPLETED.
    pub completed_at: Option<SimTime>,
    /// Task sets only.
    pub task_set: Option<TaskSetState>,
}

/// What a task set adds to a deployment (API: TaskSet).
#[derive(Clone, Debug)]
pub struct TaskSetState {
    /// API: TaskSet.scale.value, in percent.
    pub scale_percent: f64,
    pub external_id: Option<String>,
    pub stability_status: StabilityStatus,
    pub stability_status_at: SimTime,
    /// DeleteTaskSet: its tasks are stopping and it takes no new ones.
    pub deleted: bool,
}

impl TaskSetState {
    /// API TaskSet.computedDesiredCount: `ceil(desiredCount × scale / 100)` (SPEC §7).
    pub fn computed_desired(&self, service_desired: u32) -> u32 {
        let x = service_desired as f64 * self.scale_percent / 100.0;
        // The product of an integer and a percentage given with a few decimals: round away the
        // float noise before taking the ceiling (1000 × 10.1% is 101, not 102).
        let x = (x * 1e9).round() / 1e9;
        x.ceil() as u32
    }
}

/// API: ServiceEvent.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceEvent {
    /// The event's number in the run (from 1): its id is derived from it (see
    /// [`ServiceEvent::id`]).
    pub number: u64,
    pub service: ServiceId,
    pub created_at: SimTime,
    pub message: Arc<str>,
}

impl ServiceEvent {
    /// A deterministic id: the service and the event's number in the run, as a UUID-shaped string.
    pub fn id(&self) -> String {
        let n = self.number;
        format!(
            "{:08x}-{:04x}-4000-8000-{:012x}",
            self.service.0,
            (n >> 48) & 0xffff,
            n & 0xffff_ffff_ffff
        )
    }
}

/// One service.
#[derive(Clone, Debug)]
pub struct Service {
    pub id: ServiceId,
    pub name: String,
    /// `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME`.
    pub arn: String,
    pub cluster: ClusterId,
    pub status: ServiceStatus,
    pub desired_count: u32,
    pub scheduling_strategy: SchedulingStrategy,
    pub controller: DeploymentController,
    pub launch_type: LaunchType,
    /// Empty: its tasks use `launch_type`.
    pub capacity_provider_strategy: Vec<crate::capacity::StrategyItem>,
    pub subnets: Vec<String>,
    pub configuration: DeploymentConfiguration,
    pub placement_constraints: Vec<PlacementConstraint>,
    /// As given (empty: the REPLICA default applies when placing).
    pub placement_strategy: Vec<PlacementStrategy>,
    pub health_check_grace_period_s: u32,
    /// `service:NAME`.
    pub group: GroupId,
    /// The CreateService action's `simulation` block.
    pub simulation: Option<TaskSimulation>,
    pub created_at: SimTime,
    /// Deployments (ECS) or task sets (EXTERNAL), in creation order.
    pub deployments: Vec<DeploymentId>,
    /// The 100 most recent, newest first, as DescribeServices lists them.
    pub events: VecDeque<ServiceEvent>,
}

impl Service {
    /// The placement strategy its tasks use: its own, or SPEC §4's REPLICA default.
    pub fn effective_strategy(&self) -> Vec<PlacementStrategy> {
        match (self.scheduling_strategy, self.placement_strategy.is_empty()) {
            (SchedulingStrategy::Replica, true) => PlacementStrategy::service_default(),
            (SchedulingStrategy::Daemon, _) => Vec::new(),
            _ => self.placement_strategy.clone(),
        }
    }
}

/// A service's figures over the run, for `summary.json` and the assertions. The histories of its
/// healthy count and steady state are not kept (they grow with the run): each entry, once final,
/// goes to the assertions that watch it ([`crate::assertions::Watch`]); only the last entry is held.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceRecord {
    /// The last (time, healthy count) entry, merged within a millisecond; earlier ones are final.
    pub healthy_last: Option<(SimTime, u32)>,
    /// Every entry, when the run keeps its history (collected runs, for tests): the changes of the
    /// healthy count from creation, one per millisecond.
    pub healthy: Option<Vec<(SimTime, u32)>>,
    /// Milliseconds with healthy < minHealthy (SPEC §9 `secondsBelowMinHealthy`, in ms).
    pub below_min_healthy_ms: u64,
    /// The last (time, steady) entry, merged within a millisecond.
    pub steady_last: Option<(SimTime, bool)>,
    /// The integral of desired minus running tasks (when positive) over the run, in
    /// task-milliseconds (`unplacedTaskSeconds`).
    pub unplaced_task_ms: u64,
    /// Zone balance over the samples: the largest difference in running tasks between zones at
    /// each sample, summed, its largest, and the samples counted.
    pub zone_imbalance_sum: u64,
    pub zone_imbalance_max: u32,
    pub zone_samples: u32,
}

impl ServiceRecord {
    /// The mean over the samples of the largest difference in running tasks between zones.
    pub fn zone_imbalance_mean(&self) -> f64 {
        if self.zone_samples == 0 {
            0.0
        } else {
            self.zone_imbalance_sum as f64 / self.zone_samples as f64
        }
    }
}

impl ServiceRecord {
    /// The lowest healthy count over `[from, until]`, with the first time it was reached, from the
    /// kept history (None when the run did not keep it).
    pub fn lowest_between(&self, from: SimTime, until: SimTime) -> Option<(u32, SimTime)> {
        let history = self.healthy.as_ref()?;
        let mut watch = crate::assertions::LowestHealthy::new(from, until);
        for &(t, n) in history {
            watch.entry(t, n);
        }
        Some(watch.lowest())
    }
}
