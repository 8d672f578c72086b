//! ECS state and resource accounting: clusters, container instances, task definitions, tasks and task
//! groups, plus the instance-type and AMI catalogs.
//!
//! The model holds state and keeps its books (every reservation is asserted when made and when
//! released); it decides nothing. Placement reads it, the engine changes it.

pub mod arn;
pub mod catalog;
pub mod ids;
pub mod index;
pub mod instance;
pub mod spec;
pub mod task;
pub mod task_definition;
pub mod timings;
pub mod world;

pub use catalog::{AmiCatalog, AmiMetadata, Ec2ImageFields, InstanceType, InstanceTypeCatalog};
pub use ids::{
    ClusterId, DeploymentId, EcsSvcId, GroupId, Hex32, InstanceId, ServiceId, SpecId, TaskDefId,
    TaskId, ZoneId,
};
pub use instance::{
    Attribute, AttributeEntry, Attributes, ContainerInstance, Ec2InstanceId, InstanceStatus,
    Resources,
};
pub use spec::{StartedBy, TaskSpec};
pub use task::{
    DesiredStatus, HealthStatus, LaunchType, StopCode, StoppedReason, Task, TaskStatus,
};
pub use task_definition::{
    Compatibility, ContainerDefinition, DependencyCondition, HealthCheck, LoadBalancerTiming,
    NetworkMode, PlacementConstraint, PortMapping, Protocol, TaskDefStatus, TaskDefinition,
    TaskRequirements, TaskSimulation,
};
pub use timings::Timings;
pub use world::{
    ec2_instance_id_for as ec2_instance_id, network_bindings, Cluster, ClusterStatus,
    NetworkBinding, World,
};
