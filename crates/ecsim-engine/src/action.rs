//! Scenario actions, validated and lowered: ECS API requests (only the fields that matter to
//! placement and scheduling) and the simulator's own actions (SPEC §2).

use crate::capacity::{
    CreateCapacityProvider, FargateSpotSimulation, SpotAmount, StrategyItem, UpdateCapacityProvider,
};
use crate::service::{DeploymentConfigurationInput, DeploymentController, SchedulingStrategy};
use ecsim_kernel::SimTime;
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{
    Attribute, InstanceStatus, LaunchType, PlacementConstraint, TaskDefinition, TaskSimulation,
    Timings,
};
use ecsim_placement::PlacementStrategy;
use std::sync::Arc;

/// One action of the scenario at its time.
#[derive(Clone, Debug)]
pub struct ScheduledAction {
    pub at: SimTime,
    /// Its index in the scenario's `actions` array (for messages: `actions[3]`).
    pub index: usize,
    /// The action's name as written (`RunTask`).
    pub name: String,
    /// The request body as compact JSON, echoed in `snapshots.jsonl` by the actions whose
    /// [`Action::echoes_input`] is true; the loader leaves it empty for the others, which never
    /// print it (a scenario of a million RunTasks holds no second copy of their requests).
    pub input_json: String,
    /// The envelope's `label` (SPEC §3), copied into its `snapshots.jsonl` line and its
    /// `ECS Action Error` events.
    pub label: Option<Box<str>>,
    pub action: Action,
}

/// Which instances a simulator action applies to.
#[derive(Clone, Debug)]
pub enum InstanceSelector {
    /// ec2InstanceIds or container-instance ARNs.
    Ids(Vec<String>),
    /// A cluster-query-language filter.
    Filter(Arc<ecsim_query::Expression>),
}

/// API: Attribute with its target (PutAttributes / DeleteAttributes).
#[derive(Clone, Debug)]
pub struct TargetedAttribute {
    pub name: String,
    pub value: Option<String>,
    /// `container-instance` (the only target type).
    pub target_id: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Action {
    CreateCluster(Box<CreateCluster>),
    DeleteCluster {
        cluster: String,
    },
    /// API: PutClusterCapacityProviders: replaces the cluster's providers and default strategy.
    PutClusterCapacityProviders {
        cluster: String,
        capacity_providers: Vec<String>,
        default_strategy: Vec<StrategyItem>,
    },
    CreateCapacityProvider(Box<CreateCapacityProvider>),
    UpdateCapacityProvider(Box<UpdateCapacityProvider>),
    /// API: DeleteCapacityProvider (by name or ARN).
    DeleteCapacityProvider {
        capacity_provider: String,
    },
    /// API: DescribeCapacityProviders (a query); empty = every provider, Fargate's included.
    DescribeCapacityProviders {
        capacity_providers: Vec<String>,
    },
    /// Simulator: EC2 Auto Scaling's instance refresh of a provider's group (SPEC §2): its
    /// instances not on the image are replaced in batches.
    StartInstanceRefresh(Box<crate::capacity::InstanceRefresh>),
    /// Simulator: a spot interruption of FARGATE_SPOT tasks or of a spot group's instances
    /// (SPEC §2, §8): a two-minute warning, then they stop.
    InterruptSpot {
        capacity_provider: String,
        /// FARGATE_SPOT: the cluster whose tasks (None: every cluster's).
        cluster: Option<String>,
        amount: SpotAmount,
    },
    /// Simulator: every instance in the zone terminates, Fargate tasks there stop, and no group
    /// launches there (nor Fargate task takes it) until it is restored.
    FailAvailabilityZone {
        availability_zone: String,
    },
    RestoreAvailabilityZone {
        availability_zone: String,
    },
    /// Accepted, no effect (UpdateClusterSettings).
    NoEffect,
    RegisterContainerInstance(RegisterContainerInstance),
    LaunchContainerInstances(LaunchContainerInstances),
    DeregisterContainerInstance {
        cluster: String,
        container_instance: String,
        force: bool,
    },
    UpdateContainerInstancesState {
        cluster: String,
        container_instances: Vec<String>,
        status: InstanceStatus,
    },
    PutAttributes {
        cluster: String,
        attributes: Vec<TargetedAttribute>,
    },
    DeleteAttributes {
        cluster: String,
        attributes: Vec<TargetedAttribute>,
    },
    /// A task definition with its `simulation` block; id, revision and ARN are assigned at registration.
    RegisterTaskDefinition(Box<TaskDefinition>),
    DeregisterTaskDefinition {
        task_definition: String,
    },
    RunTask(RunTask),
    StartTask(StartTask),
    StopTask {
        cluster: String,
        task: String,
        reason: Option<Arc<String>>,
        /// `simulation.stopCode` EssentialContainerExited: the task stops as its essential
        /// container crashing would (a taskCrash fault's explicit action).
        crash: bool,
    },
    TerminateContainerInstances {
        cluster: String,
        selector: InstanceSelector,
        count: Option<u32>,
    },
    /// The simulator's DrainContainerInstances (SPEC §2): DRAINING for every selected ACTIVE
    /// instance.
    DrainContainerInstances {
        cluster: String,
        selector: InstanceSelector,
    },
    DisconnectAgent {
        cluster: String,
        selector: InstanceSelector,
    },
    ReconnectAgent {
        cluster: String,
        selector: InstanceSelector,
    },
    ListContainerInstances {
        cluster: String,
        filter: Option<Arc<ecsim_query::Expression>>,
        status: Option<InstanceStatus>,
        max_results: Option<u32>,
        next_token: Option<String>,
    },
    DescribeContainerInstances {
        cluster: String,
        container_instances: Vec<String>,
    },
    DescribeTasks {
        cluster: String,
        tasks: Vec<String>,
    },
    ListAttributes {
        cluster: String,
        attribute_name: Option<String>,
        attribute_value: Option<String>,
    },
    Snapshot {
        label: Option<String>,
        cluster: Option<String>,
    },
    CreateService(Box<CreateService>),
    UpdateService(Box<UpdateService>),
    /// API: DeleteService.
    DeleteService {
        cluster: String,
        service: String,
        force: bool,
    },
    /// API: UpdateTaskProtection.
    UpdateTaskProtection {
        cluster: String,
        tasks: Vec<String>,
        protection_enabled: bool,
        /// Default 120 (API: "If you don't specify a value ... 2 hours").
        expires_in_minutes: u32,
    },
    CreateTaskSet(Box<CreateTaskSet>),
    /// API: UpdateTaskSet (scale in percent).
    UpdateTaskSet {
        cluster: String,
        service: String,
        /// The task set, named by the index of the CreateTaskSet action that creates it (the
        /// loader resolves the request's reference to it).
        task_set: usize,
        scale_percent: f64,
    },
    /// API: DeleteTaskSet.
    DeleteTaskSet {
        cluster: String,
        service: String,
        /// As in UpdateTaskSet.
        task_set: usize,
        force: bool,
    },
    /// API: UpdateServicePrimaryTaskSet.
    UpdateServicePrimaryTaskSet {
        cluster: String,
        service: String,
        /// As in UpdateTaskSet.
        primary_task_set: usize,
    },
    /// API: DescribeServices (a query: its response goes to `snapshots.jsonl`).
    DescribeServices {
        cluster: String,
        services: Vec<String>,
    },
    /// EC2 API: DescribeInstanceImageMetadata (a query, SPEC §13.1).
    DescribeInstanceImageMetadata {
        filters: Vec<Ec2Filter>,
        instance_ids: Vec<String>,
        max_results: Option<u32>,
        next_token: Option<String>,
    },
}

/// EC2 API: Filter of DescribeInstanceImageMetadata; its values are ORed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ec2Filter {
    pub name: Ec2FilterName,
    pub values: Vec<String>,
}

/// The filter names of DescribeInstanceImageMetadata (seed 001).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ec2FilterName {
    AvailabilityZone,
    InstanceId,
    ImageAllowed,
    InstanceStateName,
    InstanceType,
    /// Values may hold `*` wildcards.
    LaunchTime,
    OwnerAlias,
    OwnerId,
    /// `tag:<key>`.
    Tag(String),
    TagKey,
    ZoneId,
}

impl Action {
    /// Whether the action's request body appears in the run's outputs: queries and Snapshot write
    /// it into their `snapshots.jsonl` line.
    pub fn echoes_input(&self) -> bool {
        matches!(
            self,
            Action::ListContainerInstances { .. }
                | Action::DescribeContainerInstances { .. }
                | Action::DescribeTasks { .. }
                | Action::ListAttributes { .. }
                | Action::DescribeServices { .. }
                | Action::DescribeCapacityProviders { .. }
                | Action::DescribeInstanceImageMetadata { .. }
                | Action::Snapshot { .. }
        )
    }
}

/// API: CreateCluster, lowered.
#[derive(Clone, Debug, Default)]
pub struct CreateCluster {
    pub cluster_name: String,
    pub capacity_providers: Vec<String>,
    pub default_strategy: Vec<StrategyItem>,
    /// The action's `simulation` block.
    pub fargate_spot: FargateSpotSimulation,
}

/// API: awsvpcConfiguration's subnets (Fargate tasks take their zone from them).
pub type Subnets = Vec<String>;

/// API: CreateService, lowered.
#[derive(Clone, Debug)]
pub struct CreateService {
    pub cluster: String,
    pub service_name: String,
    /// Required unless the deployment controller is EXTERNAL.
    pub task_definition: Option<String>,
    /// REPLICA: required (API); DAEMON: none.
    pub desired_count: u32,
    pub scheduling_strategy: SchedulingStrategy,
    pub controller: DeploymentController,
    /// None: the capacity provider strategy, else the cluster's default strategy, else EC2.
    pub launch_type: Option<LaunchType>,
    /// Exclusive of `launch_type` (API).
    pub capacity_provider_strategy: Option<Vec<StrategyItem>>,
    /// `networkConfiguration.awsvpcConfiguration.subnets`.
    pub subnets: Subnets,
    pub deployment_configuration: DeploymentConfigurationInput,
    pub placement_constraints: Vec<PlacementConstraint>,
    /// Empty = the REPLICA default (spread AZ, then instance).
    pub placement_strategy: Vec<PlacementStrategy>,
    pub health_check_grace_period_s: u32,
    /// The action's `simulation` block, for every task of the service.
    pub simulation: Option<TaskSimulation>,
}

/// API: UpdateService, lowered. `None` leaves a setting as it is.
#[derive(Clone, Debug, Default)]
pub struct UpdateService {
    pub cluster: String,
    pub service: String,
    pub desired_count: Option<u32>,
    pub task_definition: Option<String>,
    pub deployment_configuration: Option<DeploymentConfigurationInput>,
    /// API: "an empty array removes" them; Some(vec![]) is that.
    pub placement_constraints: Option<Vec<PlacementConstraint>>,
    pub placement_strategy: Option<Vec<PlacementStrategy>>,
    pub force_new_deployment: bool,
    pub health_check_grace_period_s: Option<u32>,
    /// `networkConfiguration` was given (a change of network starts a deployment).
    pub network_configuration: bool,
    /// `networkConfiguration.awsvpcConfiguration.subnets`, when given.
    pub subnets: Option<Subnets>,
    /// `loadBalancers`, when given: whether there is at least one (a change starts a deployment;
    /// the targets keep the service's `simulation.loadBalancer` timing, or the defaults).
    pub load_balancers: Option<bool>,
    /// A new strategy starts a deployment (API: "a new deployment is triggered").
    pub capacity_provider_strategy: Option<Vec<StrategyItem>>,
}

/// API: CreateTaskSet, lowered.
#[derive(Clone, Debug)]
pub struct CreateTaskSet {
    pub cluster: String,
    pub service: String,
    pub task_definition: String,
    pub external_id: Option<String>,
    /// Default 100 (RULE: API Scale.value defaults are not given; a task set without a scale runs
    /// the service's whole desired count).
    pub scale_percent: f64,
    /// None: the strategy, else the cluster's default strategy, else EC2.
    pub launch_type: Option<LaunchType>,
    pub capacity_provider_strategy: Option<Vec<StrategyItem>>,
    pub subnets: Subnets,
}

/// API: RegisterContainerInstance, lowered. The instance is ACTIVE at once (SPEC §2).
#[derive(Clone, Debug)]
pub struct RegisterContainerInstance {
    pub cluster: String,
    /// From `instanceIdentityDocument` when given.
    pub ec2_instance_id: Option<String>,
    pub instance_type: Option<String>,
    pub availability_zone: Option<String>,
    /// `totalResources` CPU and MEMORY (required), GPU if given.
    pub cpu: u32,
    pub memory_mib: u32,
    pub gpus: u32,
    /// `totalResources` PORTS / PORTS_UDP; None = the agent's defaults.
    pub tcp_ports: Option<Vec<u16>>,
    pub udp_ports: Option<Vec<u16>>,
    pub attributes: Vec<Attribute>,
    /// `versionInfo.agentVersion`.
    pub agent_version: Option<String>,
    /// `tags` (key, value): RULE: the EC2 instance's tags too, as the agent registers them with
    /// `ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM=ec2_instance` (DescribeInstanceImageMetadata
    /// shows them).
    pub tags: Vec<(String, String)>,
}

/// The simulator's LaunchContainerInstances (SPEC §2).
#[derive(Clone, Debug)]
pub struct LaunchContainerInstances {
    pub cluster: String,
    pub instance_type: String,
    pub count: u32,
    /// Round-robin; empty = the region's `a` zone.
    pub availability_zones: Vec<String>,
    pub attributes: Vec<Attribute>,
    /// EC2 tags of the launched instances (key, value) (SPEC §13.1).
    pub tags: Vec<(String, String)>,
    pub image_id: Option<String>,
    /// The instances join this provider's Auto Scaling group (RULE: as EC2 Auto Scaling's
    /// attach-instances does, raising its desired capacity by `count`).
    pub capacity_provider: Option<String>,
    /// `simulation.timings` (instanceLaunch).
    pub timings: Timings,
}

/// API: RunTask, lowered.
#[derive(Clone, Debug)]
pub struct RunTask {
    pub cluster: String,
    pub task_definition: String,
    pub count: u32,
    pub group: Option<String>,
    pub started_by: Option<Arc<str>>,
    /// None: the capacity provider strategy, else the cluster's default strategy, else EC2.
    pub launch_type: Option<LaunchType>,
    /// Exclusive of `launch_type` (API).
    pub capacity_provider_strategy: Option<Vec<StrategyItem>>,
    /// `networkConfiguration.awsvpcConfiguration.subnets`.
    pub subnets: Subnets,
    pub overrides: TaskOverride,
    pub placement_constraints: Vec<PlacementConstraint>,
    /// Empty = the default (random).
    pub placement_strategy: Vec<PlacementStrategy>,
    /// The action's `simulation` block (overrides the task definition's).
    pub simulation: Option<TaskSimulation>,
}

/// API: StartTask, lowered.
#[derive(Clone, Debug)]
pub struct StartTask {
    pub cluster: String,
    pub task_definition: String,
    pub container_instances: Vec<String>,
    pub group: Option<String>,
    pub started_by: Option<Arc<str>>,
    pub overrides: TaskOverride,
    pub simulation: Option<TaskSimulation>,
}
