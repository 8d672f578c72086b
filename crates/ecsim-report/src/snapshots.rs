//! `snapshots.jsonl`: one line per query action or Snapshot, with the response body the ECS API
//! would return at that time (SPEC §9).

use crate::ecs::capacity::CapacityProviderJson;
use crate::ecs::service::ServiceJson;
use crate::ecs::{ClusterJson, ContainerInstanceJson, FailureJson, TaskJson};
use crate::names::Names;
use crate::time::IsoTime;
use ecsim_engine::service::ServiceStatus;
use ecsim_engine::{InstanceImageMetadata, ServiceSnapshot, SnapshotRecord, SnapshotResponse};
use ecsim_model::ClusterId;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct SnapshotLine<'a> {
    t: u64,
    time: IsoTime,
    action: &'a str,
    label: Option<&'a str>,
    /// The action's input as the scenario gave it, parsed back so it embeds as an object.
    input: serde_json::Value,
    response: Response<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Response<'a> {
    ListContainerInstances(ListContainerInstances<'a>),
    DescribeContainerInstances(DescribeContainerInstances<'a>),
    DescribeTasks(DescribeTasks<'a>),
    ListAttributes(ListAttributes<'a>),
    DescribeServices(DescribeServices<'a>),
    DescribeCapacityProviders(DescribeCapacityProviders<'a>),
    DescribeInstanceImageMetadata(DescribeInstanceImageMetadata<'a>),
    Snapshot(Snapshot<'a>),
}

/// EC2 API: DescribeInstanceImageMetadata response (SPEC §13.1; seed 001's example outputs).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInstanceImageMetadata<'a> {
    instance_image_metadata: Vec<InstanceImageMetadataJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<&'a str>,
}

/// EC2 API: InstanceImageMetadata.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceImageMetadataJson<'a> {
    instance_id: &'a str,
    instance_type: &'a str,
    launch_time: &'a str,
    availability_zone: &'a str,
    zone_id: &'a str,
    state: Ec2StateJson,
    owner_id: &'a str,
    tags: Vec<Ec2TagJson<'a>>,
    image_metadata: ImageMetadataJson<'a>,
}

/// EC2 API: InstanceState.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Ec2StateJson {
    code: u32,
    name: &'static str,
}

/// EC2 API: Tag.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Ec2TagJson<'a> {
    key: &'a str,
    value: &'a str,
}

/// EC2 API: ImageMetadata; only `ImageId` for an AMI the scenario does not know, nothing for an
/// instance registered without one.
#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ImageMetadataJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    image_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_owner_alias: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    creation_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deprecation_time: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_public: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_allowed: Option<bool>,
}

impl<'a> InstanceImageMetadataJson<'a> {
    fn new(m: &'a InstanceImageMetadata) -> Self {
        let image_metadata = match &m.image {
            None => ImageMetadataJson::default(),
            Some(i) => match &i.known {
                None => ImageMetadataJson {
                    image_id: Some(&i.image_id),
                    ..ImageMetadataJson::default()
                },
                Some(a) => ImageMetadataJson {
                    image_id: Some(&i.image_id),
                    name: Some(&a.image_name),
                    owner_id: Some(&a.ec2.owner_id),
                    state: Some(&a.ec2.state),
                    image_owner_alias: Some(&a.ec2.owner_alias),
                    creation_date: a.ec2.creation_date.as_deref(),
                    deprecation_time: a.ec2.deprecation_time.as_deref(),
                    is_public: Some(a.ec2.is_public),
                    // No Allowed-AMIs policy is simulated (SPEC §13.1).
                    image_allowed: Some(true),
                },
            },
        };
        InstanceImageMetadataJson {
            instance_id: &m.instance_id,
            instance_type: &m.instance_type,
            launch_time: &m.launch_time,
            availability_zone: &m.availability_zone,
            zone_id: &m.zone_id,
            state: Ec2StateJson {
                code: m.state.code(),
                name: m.state.name(),
            },
            owner_id: &m.owner_id,
            tags: m
                .tags
                .iter()
                .map(|(key, value)| Ec2TagJson { key, value })
                .collect(),
            image_metadata,
        }
    }
}

/// API: DescribeCapacityProviders response.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DescribeCapacityProviders<'a> {
    capacity_providers: Vec<CapacityProviderJson<'a>>,
    failures: Vec<FailureJson<'a>>,
}

/// API: ListContainerInstances response.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListContainerInstances<'a> {
    container_instance_arns: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<&'a str>,
}

/// API: DescribeContainerInstances response.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DescribeContainerInstances<'a> {
    container_instances: Vec<ContainerInstanceJson<'a>>,
    failures: Vec<FailureJson<'a>>,
}

/// API: DescribeTasks response.
#[derive(Serialize)]
struct DescribeTasks<'a> {
    tasks: Vec<TaskJson<'a>>,
    failures: Vec<FailureJson<'a>>,
}

/// API: ListAttributes response; every attribute here targets a container instance.
#[derive(Serialize)]
struct ListAttributes<'a> {
    attributes: Vec<TargetedAttribute<'a>>,
}

/// API: Attribute with its target.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TargetedAttribute<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    target_type: &'static str,
    target_id: &'a str,
}

/// API: DescribeServices response.
#[derive(Serialize)]
struct DescribeServices<'a> {
    services: Vec<ServiceJson<'a>>,
    failures: Vec<FailureJson<'a>>,
}

/// A Snapshot action's state: each element in the shape of the ECS data type of that name.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot<'a> {
    clusters: Vec<ClusterJson<'a>>,
    container_instances: Vec<ContainerInstanceJson<'a>>,
    services: Vec<ServiceJson<'a>>,
    tasks: Vec<TaskJson<'a>>,
    capacity_providers: Vec<CapacityProviderJson<'a>>,
}

/// API Cluster.activeServicesCount: the snapshot's ACTIVE services in `cluster` (ClusterSnapshot
/// does not carry the count; a Snapshot captures every service, so it can be derived here).
fn active_services_count(services: &[ServiceSnapshot], cluster: ClusterId) -> u32 {
    let n = services
        .iter()
        .filter(|s| s.service.cluster == cluster && s.service.status == ServiceStatus::Active)
        .count();
    u32::try_from(n).expect("fewer than 2^32 services")
}

fn response<'a>(names: &'a Names, r: &'a SnapshotResponse) -> Response<'a> {
    match r {
        SnapshotResponse::ListContainerInstances {
            container_instance_arns,
            next_token,
        } => Response::ListContainerInstances(ListContainerInstances {
            container_instance_arns,
            next_token: next_token.as_deref(),
        }),
        SnapshotResponse::DescribeContainerInstances {
            container_instances,
            failures,
        } => Response::DescribeContainerInstances(DescribeContainerInstances {
            container_instances: container_instances
                .iter()
                .map(|i| ContainerInstanceJson::new(names, i))
                .collect(),
            failures: failures.iter().map(FailureJson::new).collect(),
        }),
        SnapshotResponse::DescribeTasks { tasks, failures } => {
            Response::DescribeTasks(DescribeTasks {
                tasks: tasks.iter().map(|t| TaskJson::new(names, t)).collect(),
                failures: failures.iter().map(FailureJson::new).collect(),
            })
        }
        SnapshotResponse::ListAttributes { attributes } => {
            Response::ListAttributes(ListAttributes {
                attributes: attributes
                    .iter()
                    .map(|(name, value, target)| TargetedAttribute {
                        name,
                        value: value.as_deref(),
                        target_type: "container-instance",
                        target_id: target,
                    })
                    .collect(),
            })
        }
        SnapshotResponse::DescribeServices { services, failures } => {
            Response::DescribeServices(DescribeServices {
                services: services
                    .iter()
                    .map(|s| ServiceJson::new(names, s))
                    .collect(),
                failures: failures.iter().map(FailureJson::new).collect(),
            })
        }
        SnapshotResponse::Snapshot {
            clusters,
            container_instances,
            services,
            tasks,
            capacity_providers,
        } => Response::Snapshot(Snapshot {
            clusters: clusters
                .iter()
                .map(|c| ClusterJson::new(names, c, active_services_count(services, c.cluster)))
                .collect(),
            container_instances: container_instances
                .iter()
                .map(|i| ContainerInstanceJson::new(names, i))
                .collect(),
            services: services
                .iter()
                .map(|s| ServiceJson::new(names, s))
                .collect(),
            tasks: tasks.iter().map(|t| TaskJson::new(names, t)).collect(),
            capacity_providers: capacity_providers
                .iter()
                .map(|p| CapacityProviderJson::new(names, p))
                .collect(),
        }),
        SnapshotResponse::DescribeInstanceImageMetadata {
            instance_image_metadata,
            next_token,
        } => Response::DescribeInstanceImageMetadata(DescribeInstanceImageMetadata {
            instance_image_metadata: instance_image_metadata
                .iter()
                .map(InstanceImageMetadataJson::new)
                .collect(),
            next_token: next_token.as_deref(),
        }),
        SnapshotResponse::DescribeCapacityProviders {
            capacity_providers,
            failures,
        } => Response::DescribeCapacityProviders(DescribeCapacityProviders {
            capacity_providers: capacity_providers
                .iter()
                .map(|p| CapacityProviderJson::new(names, p))
                .collect(),
            failures: failures.iter().map(FailureJson::new).collect(),
        }),
    }
}

fn push_line(buf: &mut Vec<u8>, names: &Names, s: &SnapshotRecord) -> io::Result<()> {
    let input: serde_json::Value = serde_json::from_str(&s.input_json).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "snapshot input of {} at t={} ms is not JSON: {e}",
                s.action,
                s.t.ms()
            ),
        )
    })?;
    let line = SnapshotLine {
        t: s.t.ms(),
        time: IsoTime::new(names.start_time_unix_ms, s.t.ms()),
        action: &s.action,
        label: s.label.as_deref(),
        input,
        response: response(names, &s.response),
    };
    serde_json::to_writer(&mut *buf, &line).map_err(io::Error::from)?;
    buf.push(b'\n');
    Ok(())
}

/// Writes `snapshots.jsonl` line by line.
pub struct SnapshotsWriter<W: Write> {
    w: W,
    buf: Vec<u8>,
}

impl<W: Write> SnapshotsWriter<W> {
    pub fn new(w: W) -> SnapshotsWriter<W> {
        SnapshotsWriter { w, buf: Vec::new() }
    }

    pub fn snapshot(&mut self, names: &Names, s: &SnapshotRecord) -> io::Result<()> {
        self.buf.clear();
        push_line(&mut self.buf, names, s)?;
        self.w.write_all(&self.buf)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }
}
