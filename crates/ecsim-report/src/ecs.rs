//! The ECS API data types (API reference, "Data Types": ContainerInstance, Resource, Attribute, Task,
//! Container, NetworkBinding, Cluster, Failure; the service types are in [`service`]) as borrowed
//! serde views over the model's captured objects, with names resolved through [`Names`].
//!
//! The model's types carry no serde derives (STYLE: serde at the edges); these views are built by
//! hand from them, field by field, in the order the API shows them.

use crate::names::{AsStr, Names, StartedByText, TaskArn};
use crate::time::epoch_seconds;
use ecsim_engine::{ApiFailure, ClusterSnapshot};
use ecsim_model::task::StoppedReasonText;
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{ContainerInstance, Protocol, StoppedReason, Task, TaskStatus};
use serde::Serialize;

pub(crate) mod capacity;
pub(crate) mod service;

/// A stopped reason's text, with the EC2 id it names resolved.
pub(crate) fn stopped_reason<'a>(names: &'a Names, r: &'a StoppedReason) -> StoppedReasonText<'a> {
    let ec2 = r
        .instance()
        .map_or("", |i| &*names.instance(i).ec2_instance_id);
    r.text(ec2)
}

/// API: Resource. Field order and the zero `doubleValue`/`longValue` follow the
/// DescribeContainerInstances sample response.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceJson {
    double_value: f64,
    integer_value: u32,
    long_value: i64,
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_set_value: Option<Vec<String>>,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl ResourceJson {
    fn integer(name: &'static str, value: u32) -> ResourceJson {
        ResourceJson {
            double_value: 0.0,
            integer_value: value,
            long_value: 0,
            name,
            string_set_value: None,
            kind: "INTEGER",
        }
    }

    /// A port set, as strings sorted numerically.
    fn ports(name: &'static str, ports: impl IntoIterator<Item = u16>) -> ResourceJson {
        let mut ports: Vec<u16> = ports.into_iter().collect();
        ports.sort_unstable();
        ports.dedup();
        ResourceJson {
            double_value: 0.0,
            integer_value: 0,
            long_value: 0,
            name,
            string_set_value: Some(ports.iter().map(u16::to_string).collect()),
            kind: "STRINGSET",
        }
    }
}

/// `registeredResources`: what the agent registered.
fn registered_resources(inst: &ContainerInstance) -> Vec<ResourceJson> {
    let mut out = vec![
        ResourceJson::integer("CPU", inst.registered.cpu),
        ResourceJson::integer("MEMORY", inst.registered.memory_mib),
        ResourceJson::ports("PORTS", inst.registered_tcp_ports.iter().copied()),
        ResourceJson::ports("PORTS_UDP", inst.registered_udp_ports.iter().copied()),
    ];
    if inst.registered.gpus > 0 {
        out.push(ResourceJson::integer("GPU", inst.registered.gpus));
    }
    out
}

/// `remainingResources`: registered minus what tasks hold; PORTS lists the reserved ports (the agent's
/// and the tasks' static host ports). Dynamically assigned ports are not reserved ports (API:
/// PortMapping), so they are not listed.
fn remaining_resources(inst: &ContainerInstance) -> Vec<ResourceJson> {
    let remaining = inst.remaining();
    let mut out = vec![
        ResourceJson::integer("CPU", remaining.cpu),
        ResourceJson::integer("MEMORY", remaining.memory_mib),
        ResourceJson::ports("PORTS", inst.reserved_tcp_ports.iter().copied()),
        ResourceJson::ports("PORTS_UDP", inst.reserved_udp_ports.iter().copied()),
    ];
    if inst.registered.gpus > 0 {
        out.push(ResourceJson::integer("GPU", remaining.gpus));
    }
    out
}

/// API: VersionInfo. Only the agent version is known to the model.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionInfoJson<'a> {
    agent_version: &'a str,
}

/// API: Attribute, as ContainerInstance.attributes shows it (a capability has no value).
#[derive(Serialize)]
struct AttributeJson<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
}

/// API: ContainerInstance.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerInstanceJson<'a> {
    container_instance_arn: &'a str,
    ec2_instance_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_provider_name: Option<&'a str>,
    version: u64,
    version_info: VersionInfoJson<'a>,
    remaining_resources: Vec<ResourceJson>,
    registered_resources: Vec<ResourceJson>,
    status: &'static str,
    agent_connected: bool,
    running_tasks_count: u32,
    pending_tasks_count: u32,
    attributes: Vec<AttributeJson<'a>>,
    registered_at: f64,
}

impl<'a> ContainerInstanceJson<'a> {
    pub(crate) fn new(names: &'a Names, inst: &'a ContainerInstance) -> ContainerInstanceJson<'a> {
        ContainerInstanceJson {
            container_instance_arn: &names.instance(inst.id).arn,
            ec2_instance_id: &inst.ec2_instance_id,
            capacity_provider_name: inst.capacity_provider.as_deref(),
            version: inst.version,
            version_info: VersionInfoJson {
                agent_version: &inst.agent_version,
            },
            remaining_resources: remaining_resources(inst),
            registered_resources: registered_resources(inst),
            status: inst.status.as_str(),
            agent_connected: inst.agent_connected,
            running_tasks_count: inst.running_tasks_count,
            pending_tasks_count: inst.pending_tasks_count,
            attributes: inst
                .attributes
                .iter()
                .map(|(name, value)| AttributeJson { name, value })
                .collect(),
            registered_at: epoch_seconds(names.start_time_unix_ms, inst.registered_at.ms()),
        }
    }
}

/// API: NetworkBinding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkBindingJson {
    #[serde(rename = "bindIP")]
    bind_ip: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    container_port: Option<u16>,
    host_port: u16,
    protocol: &'static str,
}

/// API: Container (the fields a placement simulator knows).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerJson<'a> {
    name: &'a str,
    last_status: &'static str,
    network_bindings: Vec<NetworkBindingJson>,
}

/// API: ContainerOverride.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerOverrideJson<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_reservation: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource_requirements: Vec<ResourceRequirementJson>,
}

/// API: ResourceRequirement — a container override's GPUs (`{"type": "GPU", "value": "2"}`).
#[derive(Serialize)]
struct ResourceRequirementJson {
    r#type: &'static str,
    value: String,
}

/// The override's GPU requirement, as the request gave it.
fn gpu_requirement(gpus: Option<u32>) -> Vec<ResourceRequirementJson> {
    gpus.map(|n| ResourceRequirementJson {
        r#type: "GPU",
        value: n.to_string(),
    })
    .into_iter()
    .collect()
}

/// API: TaskOverride. Task-level cpu and memory are strings, like Task.cpu.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskOverrideJson<'a> {
    container_overrides: Vec<ContainerOverrideJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory: Option<String>,
}

/// A container's lastStatus for a task in `status`: PENDING until the task runs, STOPPED once it
/// is deprovisioning.
fn container_status(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Provisioning | TaskStatus::Pending | TaskStatus::Activating => "PENDING",
        TaskStatus::Running | TaskStatus::Deactivating | TaskStatus::Stopping => "RUNNING",
        TaskStatus::Deprovisioning | TaskStatus::Stopped => "STOPPED",
    }
}

pub(crate) fn protocol_str(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
    }
}

/// API: Task.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaskJson<'a> {
    task_arn: TaskArn<'a>,
    cluster_arn: &'a str,
    task_definition_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    container_instance_arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability_zone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_provider_name: Option<&'a str>,
    launch_type: &'static str,
    last_status: &'static str,
    desired_status: &'static str,
    cpu: String,
    memory: String,
    containers: Vec<ContainerJson<'a>>,
    group: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_by: Option<AsStr<StartedByText<'a>>>,
    version: u32,
    created_at: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopping_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_reason: Option<AsStr<StoppedReasonText<'a>>>,
    health_status: &'static str,
    overrides: TaskOverrideJson<'a>,
}

impl<'a> TaskJson<'a> {
    /// `task` is the captured copy; its spec, task definition, cluster and instance (which do not
    /// change in the fields shown) resolve through the declared names.
    pub(crate) fn new(names: &'a Names, task: &'a Task) -> TaskJson<'a> {
        let start = names.start_time_unix_ms;
        let spec = names.spec(task.spec);
        let def = names.task_definition(spec.task_definition);
        let inst = task.instance.map(|i| names.instance(i));
        let last_status = container_status(task.last_status);
        let bindings: Vec<_> = ecsim_model::network_bindings(def, task).collect();
        // Containers in their start order (dependencies first, from the dependsOn DAG).
        let containers = def
            .containers_in_start_order()
            .map(|c| ContainerJson {
                name: &c.name,
                last_status,
                network_bindings: bindings
                    .iter()
                    .filter(|b| b.container == c.name)
                    .map(|b| NetworkBindingJson {
                        bind_ip: "0.0.0.0",
                        container_port: b.container_port,
                        host_port: b.host_port,
                        protocol: protocol_str(b.protocol),
                    })
                    .collect(),
            })
            .collect();
        TaskJson {
            task_arn: names.task_arn(task.id, task.cluster),
            cluster_arn: &names.cluster(task.cluster).arn,
            task_definition_arn: &def.arn,
            container_instance_arn: inst.map(|i| &*i.arn),
            availability_zone: match task.zone {
                Some(z) => Some(names.zone(z)),
                None => inst.and_then(|i| i.availability_zone.as_deref()),
            },
            capacity_provider_name: spec.capacity_provider.as_deref(),
            launch_type: spec.launch_type.as_str(),
            last_status: task.last_status.as_str(),
            desired_status: task.desired_status.as_str(),
            cpu: spec.requirements.cpu.to_string(),
            memory: spec.requirements.memory_mib.to_string(),
            containers,
            group: names.group(spec.group),
            started_by: spec.started_by.as_ref().map(|s| AsStr(StartedByText(s))),
            version: task.version,
            created_at: epoch_seconds(start, task.created_at.ms()),
            started_at: task.started_at.get().map(|t| epoch_seconds(start, t.ms())),
            stopping_at: task.stopping_at.get().map(|t| epoch_seconds(start, t.ms())),
            stopped_at: task.stopped_at.get().map(|t| epoch_seconds(start, t.ms())),
            stop_code: task.stop_code.map(|c| c.as_str()),
            stopped_reason: task
                .stopped_reason
                .as_ref()
                .map(|r| AsStr(stopped_reason(names, r))),
            health_status: task.health_status.as_str(),
            overrides: task_override(def, &spec.overrides),
        }
    }
}

/// One container override per container of the definition, as DescribeTasks shows them (API
/// sample: `{"name": "simple-app"}` for a container without overrides).
fn task_override<'a>(
    def: &'a ecsim_model::TaskDefinition,
    o: &'a TaskOverride,
) -> TaskOverrideJson<'a> {
    let mut container_overrides: Vec<ContainerOverrideJson<'a>> = def
        .containers
        .iter()
        .map(|c| {
            let co = o.containers.iter().find(|co| co.name == c.name);
            ContainerOverrideJson {
                name: &c.name,
                cpu: co.and_then(|co| co.cpu),
                memory: co.and_then(|co| co.memory_mib),
                memory_reservation: co.and_then(|co| co.memory_reservation_mib),
                resource_requirements: gpu_requirement(co.and_then(|co| co.gpus)),
            }
        })
        .collect();
    // Overrides naming no container of the definition are kept, after the definition's.
    for co in &o.containers {
        if !def.containers.iter().any(|c| c.name == co.name) {
            container_overrides.push(ContainerOverrideJson {
                name: &co.name,
                cpu: co.cpu,
                memory: co.memory_mib,
                memory_reservation: co.memory_reservation_mib,
                resource_requirements: gpu_requirement(co.gpus),
            });
        }
    }
    TaskOverrideJson {
        container_overrides,
        cpu: o.cpu.map(|v| v.to_string()),
        memory: o.memory_mib.map(|v| v.to_string()),
    }
}

/// API: Cluster (the counts a snapshot captures).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterJson<'a> {
    cluster_arn: &'a str,
    cluster_name: &'a str,
    status: &'static str,
    registered_container_instances_count: u32,
    running_tasks_count: u32,
    pending_tasks_count: u32,
    active_services_count: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    capacity_providers: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    default_capacity_provider_strategy: Vec<capacity::StrategyItemJson<'a>>,
}

impl<'a> ClusterJson<'a> {
    /// `active_services_count` is the caller's: ClusterSnapshot does not carry it.
    pub(crate) fn new(
        names: &'a Names,
        c: &'a ClusterSnapshot,
        active_services_count: u32,
    ) -> ClusterJson<'a> {
        let cluster = names.cluster(c.cluster);
        ClusterJson {
            cluster_arn: &cluster.arn,
            cluster_name: &cluster.name,
            status: c.status,
            registered_container_instances_count: c.registered_container_instances_count,
            running_tasks_count: c.running_tasks_count,
            pending_tasks_count: c.pending_tasks_count,
            active_services_count,
            capacity_providers: c.capacity_providers.iter().map(|p| p.as_str()).collect(),
            default_capacity_provider_strategy: c
                .default_capacity_provider_strategy
                .iter()
                .map(capacity::StrategyItemJson::new)
                .collect(),
        }
    }
}

/// API: Failure.
#[derive(Serialize)]
pub(crate) struct FailureJson<'a> {
    arn: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

impl<'a> FailureJson<'a> {
    pub(crate) fn new(f: &'a ApiFailure) -> FailureJson<'a> {
        FailureJson {
            arn: &f.arn,
            reason: &f.reason,
            detail: f.detail.as_deref(),
        }
    }
}
