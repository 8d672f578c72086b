//! The names records use, as the writers resolve them: kept from the stream's declarations (or
//! taken from a finished run's world), so that a writer needs nothing of the engine's state and can
//! run on a thread of its own.

use ecsim_engine::Declaration;
use ecsim_model::{
    ClusterId, GroupId, InstanceId, ServiceId, SpecId, StartedBy, TaskDefId, TaskDefinition,
    TaskId, TaskSpec, World, ZoneId,
};
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

/// A cluster's name and ARN.
#[derive(Clone, Debug)]
pub struct ClusterName {
    pub name: Arc<str>,
    pub arn: Arc<str>,
}

/// What records say of a container instance.
#[derive(Clone, Debug)]
pub struct InstanceName {
    pub cluster: ClusterId,
    pub arn: Arc<str>,
    pub ec2_instance_id: Arc<str>,
    /// Its `ecs.availability-zone` attribute, as of the latest record.
    pub availability_zone: Option<Arc<str>>,
}

/// A service's cluster, name and ARN.
#[derive(Clone, Debug)]
pub struct ServiceName {
    pub cluster: ClusterId,
    pub name: Arc<str>,
    pub arn: Arc<str>,
}

/// Every name declared so far, by id.
#[derive(Clone, Debug)]
pub struct Names {
    pub region: String,
    pub account_id: String,
    /// Simulated time 0 as Unix epoch milliseconds.
    pub start_time_unix_ms: i64,
    clusters: Vec<ClusterName>,
    instances: Vec<InstanceName>,
    task_definitions: Vec<Arc<TaskDefinition>>,
    groups: Vec<Arc<str>>,
    specs: Vec<Arc<TaskSpec>>,
    services: Vec<ServiceName>,
    zones: Vec<Arc<str>>,
}

/// Puts `value` at `id` of a table declared in id order.
fn put<T>(table: &mut Vec<T>, id: usize, value: T) {
    if id == table.len() {
        table.push(value);
    } else {
        assert!(
            id < table.len(),
            "declared out of order: id {id} after {}",
            table.len()
        );
        table[id] = value;
    }
}

impl Names {
    pub fn new(region: &str, account_id: &str, start_time_unix_ms: i64) -> Names {
        Names {
            region: region.to_string(),
            account_id: account_id.to_string(),
            start_time_unix_ms,
            clusters: Vec::new(),
            instances: Vec::new(),
            task_definitions: Vec::new(),
            groups: Vec::new(),
            specs: Vec::new(),
            services: Vec::new(),
            zones: Vec::new(),
        }
    }

    /// Takes a declaration of the stream.
    pub fn declare(&mut self, d: &Declaration) {
        match d {
            Declaration::Cluster { id, name, arn } => put(
                &mut self.clusters,
                id.index(),
                ClusterName {
                    name: Arc::clone(name),
                    arn: Arc::clone(arn),
                },
            ),
            Declaration::Instance {
                id,
                cluster,
                arn,
                ec2_instance_id,
                availability_zone,
            } => put(
                &mut self.instances,
                id.index(),
                InstanceName {
                    cluster: *cluster,
                    arn: Arc::clone(arn),
                    ec2_instance_id: Arc::clone(ec2_instance_id),
                    availability_zone: availability_zone.clone(),
                },
            ),
            Declaration::InstanceZone {
                id,
                availability_zone,
            } => self.instances[id.index()].availability_zone = availability_zone.clone(),
            Declaration::TaskDefinition { id, definition } => put(
                &mut self.task_definitions,
                id.index(),
                Arc::clone(definition),
            ),
            Declaration::Group { id, name } => put(&mut self.groups, id.index(), Arc::clone(name)),
            Declaration::Spec { id, spec } => put(&mut self.specs, id.index(), Arc::clone(spec)),
            Declaration::Zone { id, name } => put(&mut self.zones, id.index(), Arc::clone(name)),
            Declaration::Service {
                id,
                cluster,
                name,
                arn,
            } => put(
                &mut self.services,
                id.index(),
                ServiceName {
                    cluster: *cluster,
                    name: Arc::clone(name),
                    arn: Arc::clone(arn),
                },
            ),
        }
    }

    /// Every name of a world (services come from declarations: they are not the world's).
    pub fn from_world(world: &World) -> Names {
        let mut names = Names::new(&world.region, &world.account_id, world.start_time_unix_ms);
        for c in &world.clusters {
            names.clusters.push(ClusterName {
                name: Arc::from(c.name.as_str()),
                arn: Arc::from(c.arn.as_str()),
            });
        }
        for i in &world.instances {
            names.instances.push(InstanceName {
                cluster: i.cluster,
                arn: Arc::from(world.instance_arn(i.id)),
                ec2_instance_id: Arc::from(i.ec2_instance_id.as_str()),
                availability_zone: i.availability_zone().map(Arc::from),
            });
        }
        for k in 0..world.task_definition_count() {
            names
                .task_definitions
                .push(Arc::clone(world.task_definition_arc(TaskDefId(k as u32))));
        }
        for k in 0..world.group_count() {
            names
                .groups
                .push(Arc::from(world.group_name(GroupId(k as u32))));
        }
        for k in 0..world.spec_count() {
            names
                .specs
                .push(Arc::clone(world.spec_arc(SpecId(k as u32))));
        }
        for k in 0..world.zone_count() {
            names
                .zones
                .push(Arc::clone(world.zone_name(ZoneId(k as u16))));
        }
        names
    }

    /// A Fargate task's zone.
    pub fn zone(&self, id: ZoneId) -> &str {
        &self.zones[id.index()]
    }

    pub fn cluster(&self, id: ClusterId) -> &ClusterName {
        &self.clusters[id.index()]
    }

    pub fn instance(&self, id: InstanceId) -> &InstanceName {
        &self.instances[id.index()]
    }

    pub fn task_definition(&self, id: TaskDefId) -> &TaskDefinition {
        &self.task_definitions[id.index()]
    }

    pub fn group(&self, id: GroupId) -> &str {
        &self.groups[id.index()]
    }

    pub fn spec(&self, id: SpecId) -> &TaskSpec {
        &self.specs[id.index()]
    }

    pub fn service(&self, id: ServiceId) -> &ServiceName {
        &self.services[id.index()]
    }

    /// A task's ARN, `arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/` + 32 hex digits (SPEC §9).
    pub fn task_arn(&self, task: TaskId, cluster: ClusterId) -> TaskArn<'_> {
        TaskArn {
            names: self,
            task,
            cluster,
        }
    }
}

/// A task ARN rendered through `Display` (and serialized as a string) without allocating.
#[derive(Clone, Copy)]
pub struct TaskArn<'a> {
    names: &'a Names,
    task: TaskId,
    cluster: ClusterId,
}

impl fmt::Display for TaskArn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:aws:ecs:{}:{}:task/{}/{}",
            self.names.region,
            self.names.account_id,
            self.names.cluster(self.cluster).name,
            self.task.hex()
        )
    }
}

impl Serialize for TaskArn<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A capacity provider's ARN (API: `arn:aws:ecs:REGION:ACCOUNT:capacity-provider/NAME`).
pub struct ProviderArn<'a> {
    pub names: &'a Names,
    pub name: &'a str,
}

impl fmt::Display for ProviderArn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:aws:ecs:{}:{}:capacity-provider/{}",
            self.names.region, self.names.account_id, self.name
        )
    }
}

impl Serialize for ProviderArn<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Anything `Display` serialized as a JSON string (through serde_json's escaping writer, without
/// building a `String`).
pub(crate) struct AsStr<T>(pub T);

impl<T: fmt::Display> Serialize for AsStr<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// API: Task.startedBy as text: a deployment's id, or the request's string.
pub(crate) struct StartedByText<'a>(pub &'a StartedBy);

impl fmt::Display for StartedByText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            StartedBy::Deployment(d) => write!(f, "{}", d.ecs_id()),
            StartedBy::Text(t) => f.write_str(t),
        }
    }
}
