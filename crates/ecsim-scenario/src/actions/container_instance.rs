//! RegisterContainerInstance, DeregisterContainerInstance, UpdateContainerInstancesState,
//! PutAttributes and DeleteAttributes, plus the ECS `Attribute` shared with
//! LaunchContainerInstances.

use super::{check_refs, cluster_ref, instance_list, IdKind};
use crate::cx::{as_array, as_int, as_str, object, object_in, Cx, Field, Obj};
use crate::path::Path;
use crate::refs::Refs;
use ecsim_engine::{Action, RegisterContainerInstance, TargetedAttribute};
use ecsim_model::{Attribute, InstanceStatus};
use serde_json::Value;

/// Where an `Attribute` appears: at registration (targets are implicit) or in Put/DeleteAttributes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttributeSite {
    Registration,
    Targeted,
}

/// API: Attribute.name — "between 1 and 128 characters ... letters (uppercase and lowercase),
/// numbers, hyphens (-), underscores (_), forward slashes (/), back slashes (\), or periods (.)".
pub(crate) fn valid_attribute_name(s: &str) -> bool {
    (1..=128).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/\\.".contains(c))
}

/// API: Attribute.value — "between 1 and 128 characters ... letters, numbers, hyphens,
/// underscores, periods, at signs (@), forward slashes, back slashes, colons, or spaces. The value
/// can't start or end with a space."
pub(crate) fn valid_attribute_value(s: &str) -> bool {
    (1..=128).contains(&s.chars().count())
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@/\\: ".contains(c))
}

/// Reads an array of ECS `Attribute`s.
pub(crate) fn attributes(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    site: AttributeSite,
) -> Vec<TargetedAttribute> {
    let Some(items) = as_array(cx, value, path) else {
        return Vec::new();
    };
    let target = match site {
        AttributeSite::Registration => Field::Ignored,
        AttributeSite::Targeted => Field::Used,
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(o) = object(
            cx,
            item,
            &p,
            "an attribute {\"name\": ..., \"value\": ...}",
            &[
                ("name", Field::Used),
                ("targetId", target),
                ("targetType", target),
                ("value", Field::Used),
            ],
        ) else {
            continue;
        };
        let Some(name) = o.req_str(cx, "name", "the attribute's name, e.g. \"stack\"") else {
            continue;
        };
        if !valid_attribute_name(name) {
            o.error_field(cx, "name", "expected 1 to 128 letters, numbers, hyphens, underscores, slashes, back slashes or periods (API: Attribute.name)",
            );
        }
        let value = o.str(cx, "value");
        if let Some(v) = value {
            if !valid_attribute_value(v) {
                o.error_field(cx, "value", "expected 1 to 128 letters, numbers, hyphens, underscores, periods, @, slashes, back slashes, colons or inner spaces (API: Attribute.value)",
                );
            }
        }
        let mut target_id = None;
        if site == AttributeSite::Targeted {
            target_id = o.str(cx, "targetId").map(str::to_string);
            let target_type = o.str(cx, "targetType");
            if let Some(t) = target_type {
                if t != "container-instance" {
                    o.error_field(cx, "targetType", "expected container-instance, the only target type (API: Attribute.targetType)",
                    );
                }
            }
            if let Some(id) = &target_id {
                if !id.starts_with("arn:") && target_type.is_none() && !o.has("targetType") {
                    // API: Attribute.targetType — "This parameter is required if you use the
                    // short form ID for a resource instead of the full ARN."
                    cx.error(
                        &o.at("targetId"),
                        "a short-form targetId needs \"targetType\": \"container-instance\" (API: Attribute.targetType); add it or use the container instance ARN",
                    );
                }
            }
        }
        out.push(TargetedAttribute {
            name: name.to_string(),
            value: value.map(str::to_string),
            target_id,
        });
    }
    out
}

/// Plain attributes (name and value) for a registration.
pub(crate) fn plain_attributes(cx: &mut Cx, value: &Value, path: &Path) -> Vec<Attribute> {
    attributes(cx, value, path, AttributeSite::Registration)
        .into_iter()
        .map(|a| Attribute {
            name: a.name,
            value: a.value,
        })
        .collect()
}

/// API: RegisterContainerInstance. The instance is ACTIVE at once, with `totalResources` CPU and
/// MEMORY required (SPEC §2).
pub(crate) fn register(cx: &mut Cx, refs: &mut Refs, input: &Value, path: &Path) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the RegisterContainerInstance request",
        "RegisterContainerInstanceRequest",
        &[
            ("attributes", Field::Used),
            ("cluster", Field::Used),
            ("instanceIdentityDocument", Field::Used),
            ("platformDevices", Field::Used),
            ("tags", Field::Used),
            ("totalResources", Field::Used),
            ("versionInfo", Field::Used),
        ],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let attributes = match o.get("attributes") {
        Some(v) => plain_attributes(cx, v, &o.at("attributes")),
        None => Vec::new(),
    };
    let (mut ec2_instance_id, mut instance_type, mut availability_zone) = (None, None, None);
    if let Some(doc) = o.str(cx, "instanceIdentityDocument") {
        let p = o.at("instanceIdentityDocument");
        match serde_json::from_str::<Value>(doc) {
            Ok(Value::Object(map)) => {
                let mut field = |name: &str| -> Option<String> {
                    match map.get(name) {
                        None | Some(Value::Null) => None,
                        Some(Value::String(s)) => Some(s.clone()),
                        Some(other) => {
                            cx.error_value(&p, other, format!("the document's {name} must be a string"));
                            None
                        }
                    }
                };
                ec2_instance_id = field("instanceId");
                instance_type = field("instanceType");
                availability_zone = field("availabilityZone");
            }
            _ => cx.error(
                &p,
                "expected the EC2 instance identity document as a JSON string, e.g. \"{\\\"instanceId\\\": \\\"i-0123456789abcdef0\\\", \\\"instanceType\\\": \\\"m5.large\\\", \\\"availabilityZone\\\": \\\"us-east-1a\\\"}\"",
            ),
        }
    }
    let mut agent_version = None;
    if let Some(v) = o.get("versionInfo") {
        if let Some(vi) = object_in(
            cx,
            v,
            &o.at("versionInfo"),
            "the version info",
            "VersionInfo",
            &[("agentVersion", Field::Used)],
        ) {
            agent_version = vi.str(cx, "agentVersion").map(str::to_string);
        }
    }
    let resources = match o.get("totalResources") {
        Some(v) => total_resources(cx, v, &o.at("totalResources")),
        None => {
            o.missing(
                cx,
                "totalResources",
                "ecsim registers the request's resources: give at least CPU and MEMORY, e.g. [{\"name\": \"CPU\", \"type\": \"INTEGER\", \"integerValue\": 2048}, {\"name\": \"MEMORY\", \"type\": \"INTEGER\", \"integerValue\": 7985}]",
            );
            None
        }
    };
    let device_gpus = match o.get("platformDevices") {
        Some(v) => platform_devices(cx, v, &o.at("platformDevices")),
        None => 0,
    };
    // API: RegisterContainerInstance.tags, with EC2's restrictions (the same as ECS's: 50 tags,
    // keys of 1 to 128 characters not starting with aws:, values of at most 256).
    let tags = match o.get("tags") {
        Some(v) => super::tags::ec2_tags(cx, v, &o.at("tags"), false),
        None => Vec::new(),
    };
    let resources = resources?;
    Some(Action::RegisterContainerInstance(
        RegisterContainerInstance {
            cluster: cluster?,
            ec2_instance_id,
            instance_type,
            availability_zone,
            cpu: resources.cpu,
            memory_mib: resources.memory_mib,
            // RULE: a GPU resource wins; without one, each platform device of type GPU counts one.
            gpus: resources.gpus.unwrap_or(device_gpus),
            tcp_ports: resources.tcp_ports,
            udp_ports: resources.udp_ports,
            attributes,
            agent_version,
            tags,
        },
    ))
}

struct TotalResources {
    cpu: u32,
    memory_mib: u32,
    gpus: Option<u32>,
    tcp_ports: Option<Vec<u16>>,
    udp_ports: Option<Vec<u16>>,
}

/// API: Resource — CPU, MEMORY and GPU are INTEGER resources, PORTS and PORTS_UDP STRINGSETs of
/// port numbers; other (user-defined) resources are accepted and ignored.
fn total_resources(cx: &mut Cx, value: &Value, path: &Path) -> Option<TotalResources> {
    let items = as_array(cx, value, path)?;
    let (mut cpu, mut memory, mut gpus, mut tcp, mut udp) = (None, None, None, None, None);
    let mut seen: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(r) = object(
            cx,
            item,
            &p,
            "a resource {\"name\": ..., \"type\": ..., \"integerValue\": ...}",
            &[
                ("doubleValue", Field::Used),
                ("integerValue", Field::Used),
                ("longValue", Field::Used),
                ("name", Field::Used),
                ("stringSetValue", Field::Used),
                ("type", Field::Used),
            ],
        ) else {
            continue;
        };
        let Some(name) = r.req_str(cx, "name", "CPU, MEMORY, GPU, PORTS or PORTS_UDP") else {
            continue;
        };
        let kind = r.str(cx, "type");
        if let Some(k) = kind {
            if !["INTEGER", "DOUBLE", "LONG", "STRINGSET"].contains(&k) {
                r.error_field(
                    cx,
                    "type",
                    "expected INTEGER, DOUBLE, LONG or STRINGSET (API: Resource.type)",
                );
                continue;
            }
        }
        if seen.iter().any(|s| s == name) {
            r.error_field(cx, "name", format!("resource {name} is listed twice"));
            continue;
        }
        seen.push(name.to_string());
        match name {
            "CPU" | "MEMORY" | "GPU" => {
                if kind == Some("STRINGSET") {
                    r.error_field(
                        cx,
                        "type",
                        format!("resource {name} is a number: expected INTEGER"),
                    );
                    continue;
                }
                let Some(amount) = integer_resource(cx, &r, name) else {
                    continue;
                };
                match name {
                    "CPU" => cpu = Some(amount),
                    "MEMORY" => memory = Some(amount),
                    _ => gpus = Some(amount),
                }
            }
            "PORTS" | "PORTS_UDP" => {
                if kind.is_some_and(|k| k != "STRINGSET") {
                    r.error_field(
                        cx,
                        "type",
                        format!("resource {name} is a set of port numbers: expected STRINGSET"),
                    );
                    continue;
                }
                let Some(ports) = port_set(cx, &r) else {
                    continue;
                };
                if name == "PORTS" {
                    tcp = Some(ports);
                } else {
                    udp = Some(ports);
                }
            }
            // API: Resource.name — "CPU, MEMORY, PORTS, PORTS_UDP, or a user-defined resource".
            _ => cx.ignore(&p),
        }
    }
    let mut missing = Vec::new();
    if cpu.is_none() && !seen.iter().any(|s| s == "CPU") {
        missing.push("CPU");
    }
    if memory.is_none() && !seen.iter().any(|s| s == "MEMORY") {
        missing.push("MEMORY");
    }
    if !missing.is_empty() {
        cx.error(
            path,
            format!(
                "totalResources must include CPU and MEMORY (missing {}); e.g. {{\"name\": \"CPU\", \"type\": \"INTEGER\", \"integerValue\": 2048}}",
                missing.join(" and ")
            ),
        );
    }
    Some(TotalResources {
        cpu: cpu?,
        memory_mib: memory?,
        gpus,
        tcp_ports: tcp,
        udp_ports: udp,
    })
}

/// The amount of an INTEGER resource, from `integerValue`, `longValue` or `doubleValue`.
fn integer_resource(cx: &mut Cx, r: &Obj<'_>, name: &str) -> Option<u32> {
    let Some(field) = ["integerValue", "longValue", "doubleValue"]
        .into_iter()
        .find(|f| r.has(f))
    else {
        cx.error(
            &r.path,
            format!(
                "resource {name} needs its amount in integerValue, e.g. \"integerValue\": 2048"
            ),
        );
        return None;
    };
    let v = r.get(field)?;
    if field == "doubleValue" {
        let x = crate::cx::as_number(cx, v, &r.at(field))?;
        if x < 0.0 || x.fract() != 0.0 || x > u32::MAX as f64 {
            cx.error_value(
                &r.at(field),
                v,
                format!("resource {name} must be a whole non-negative number"),
            );
            return None;
        }
        return Some(x as u32);
    }
    as_int(cx, v, &r.at(field), 0, u32::MAX as i64, None).map(|x| x as u32)
}

/// A STRINGSET of port numbers.
fn port_set(cx: &mut Cx, r: &Obj<'_>) -> Option<Vec<u16>> {
    let Some(items) = r.get("stringSetValue") else {
        r.missing(
            cx,
            "stringSetValue",
            "the port numbers as strings, e.g. [\"22\", \"2375\"]",
        );
        return None;
    };
    let items = as_array(cx, items, &r.at("stringSetValue"))?;
    let mut ports = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = r.at("stringSetValue").index(i);
        let Some(s) = as_str(cx, item, &p) else {
            continue;
        };
        match s.parse::<u16>() {
            Ok(port) if !s.starts_with('+') => ports.push(port),
            _ => cx.error_value(
                &p,
                item,
                "expected a port number from 0 to 65535 as a string",
            ),
        }
    }
    ports.sort_unstable();
    ports.dedup();
    Some(ports)
}

/// API: PlatformDevice — `{id, type: GPU}`; returns the number of GPUs.
fn platform_devices(cx: &mut Cx, value: &Value, path: &Path) -> u32 {
    let Some(items) = as_array(cx, value, path) else {
        return 0;
    };
    let mut gpus = 0u32;
    for (i, item) in items.iter().enumerate() {
        let Some(d) = object(
            cx,
            item,
            &path.index(i),
            "a platform device {\"id\": ..., \"type\": \"GPU\"}",
            &[("id", Field::Used), ("type", Field::Used)],
        ) else {
            continue;
        };
        d.req_str(cx, "id", "the GPU's id");
        if let Some(kind) = d.req_str(cx, "type", "\"type\": \"GPU\"") {
            if kind == "GPU" {
                gpus = gpus.saturating_add(1);
            } else {
                d.error_field(
                    cx,
                    "type",
                    "expected GPU, the only device type (API: PlatformDevice.type)",
                );
            }
        }
    }
    gpus
}

/// API: DeregisterContainerInstance. `force` defaults to false.
pub(crate) fn deregister(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DeregisterContainerInstance request",
        "DeregisterContainerInstanceRequest",
        &[
            ("cluster", Field::Used),
            ("containerInstance", Field::Used),
            ("force", Field::Used),
        ],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let instance = non_empty(
        cx,
        &o,
        "containerInstance",
        "the container instance id or ARN (or the EC2 instance id)",
    )
    .filter(|_| check_refs(cx, refs, &o, "containerInstance", IdKind::ContainerInstance));
    let force = o.bool(cx, "force").unwrap_or(false);
    Some(Action::DeregisterContainerInstance {
        cluster: cluster?,
        container_instance: instance?,
        force,
    })
}

/// A required, non-empty string.
pub(crate) fn non_empty(cx: &mut Cx, o: &Obj<'_>, name: &str, hint: &str) -> Option<String> {
    let s = o.req_str(cx, name, hint)?;
    if s.is_empty() {
        cx.error(&o.at(name), format!("expected {hint}, not an empty string"));
        return None;
    }
    Some(s.to_string())
}

/// API: UpdateContainerInstancesState — "The only valid values for this action are ACTIVE and
/// DRAINING."
pub(crate) fn update_state(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the UpdateContainerInstancesState request",
        "UpdateContainerInstancesStateRequest",
        &[
            ("cluster", Field::Used),
            ("containerInstances", Field::Used),
            ("status", Field::Used),
        ],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    // API: "A list of up to 10 container instance IDs or full ARN entries."
    let instances = instance_list(
        cx,
        refs,
        &o,
        "containerInstances",
        10,
        "API: UpdateContainerInstancesState.containerInstances",
    );
    let status = match o.req_str(cx, "status", "ACTIVE or DRAINING") {
        Some("ACTIVE") => Some(InstanceStatus::Active),
        Some("DRAINING") => Some(InstanceStatus::Draining),
        Some(s @ ("REGISTERING" | "DEREGISTERING" | "Deregistering" | "REGISTRATION_FAILED")) => {
            o.error_field(cx, "status", format!("status {s} cannot be set: \"The only valid values for this action are ACTIVE and DRAINING.\" (API: UpdateContainerInstancesState.status)"),
            );
            None
        }
        Some(_) => {
            o.error_field(cx, "status", "expected ACTIVE or DRAINING");
            None
        }
        None => None,
    };
    Some(Action::UpdateContainerInstancesState {
        cluster: cluster?,
        container_instances: instances?,
        status: status?,
    })
}

fn targeted(cx: &mut Cx, refs: &Refs, o: &Obj<'_>, what: &str) -> Option<Vec<TargetedAttribute>> {
    let Some(v) = o.get("attributes") else {
        o.missing(
            cx,
            "attributes",
            "e.g. [{\"name\": \"stack\", \"value\": \"prod\", \"targetId\": \"arn:...\"}]",
        );
        return None;
    };
    let list = attributes(cx, v, &o.at("attributes"), AttributeSite::Targeted);
    let items = v.as_array()?;
    let mut targets_ok = true;
    for (i, item) in items.iter().enumerate() {
        if let Some(t @ Value::String(text)) = item.get("targetId") {
            let p = o.at("attributes").index(i).key("targetId");
            targets_ok &= refs.resource_ref(
                cx,
                &p,
                t,
                text,
                IdKind::ContainerInstance.arn_type(),
                IdKind::ContainerInstance.expected(),
            );
        }
    }
    let count = items.len();
    if count == 0 || count > 10 {
        // API: PutAttributes.attributes — "You can specify up to 10 attributes in a single call."
        cx.error_value(
            &o.at("attributes"),
            v,
            format!("expected from 1 to 10 attributes (API: {what}.attributes)"),
        );
        return None;
    }
    targets_ok.then_some(list)
}

/// API: PutAttributes.
pub(crate) fn put_attributes(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the PutAttributes request",
        "PutAttributesRequest",
        &[("attributes", Field::Used), ("cluster", Field::Used)],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let attributes = targeted(cx, refs, &o, "PutAttributes");
    Some(Action::PutAttributes {
        cluster: cluster?,
        attributes: attributes?,
    })
}

/// API: DeleteAttributes.
pub(crate) fn delete_attributes(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DeleteAttributes request",
        "DeleteAttributesRequest",
        &[("attributes", Field::Used), ("cluster", Field::Used)],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let attributes = targeted(cx, refs, &o, "DeleteAttributes");
    Some(Action::DeleteAttributes {
        cluster: cluster?,
        attributes: attributes?,
    })
}
