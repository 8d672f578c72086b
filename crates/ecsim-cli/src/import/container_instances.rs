//! `aws ecs describe-container-instances` (`containerInstances`): each instance becomes
//! RegisterContainerInstance with its own EC2 id, registered resources, attributes and agent
//! version, its DRAINING status and disconnected agent kept by the actions that make them; joined
//! to its EC2 metadata and its listed attributes.

use super::attributes::TargetedAttribute;
use super::instance_image_metadata::{Ec2Instance, Ec2Instances, NotCarried};
use super::{opt_str, req_str, Actions, Errors, Item, Notes, RegionAccount};
use serde_json::{json, Map, Value};

/// The cluster a container instance ARN names (`.../container-instance/CLUSTER/ID`).
fn instance_cluster(arn: &str) -> Option<String> {
    let rest = arn.split_once(":container-instance/")?.1;
    let (cluster, _) = rest.split_once('/')?;
    Some(cluster.to_string())
}

/// A container instance as read from the output.
pub(super) struct Instance {
    pub file: String,
    pub path: String,
    pub ec2_instance_id: String,
    pub arn: Option<String>,
    pub cluster: Option<String>,
    pub status: String,
    pub agent_connected: bool,
    pub agent_version: Option<String>,
    /// `versionInfo.dockerVersion` (`DockerVersion: 20.10.25`).
    pub docker_version: Option<String>,
    pub resources: Vec<Value>,
    pub attributes: Vec<(String, Option<String>)>,
    /// `tags` (printed with `--include TAGS`): (key, value).
    pub tags: Vec<(String, String)>,
}

/// The instances in the order listed, each EC2 id once.
pub(super) fn read(
    items: &[Item],
    region_account: &mut RegionAccount,
    errors: &mut Errors,
    notes: &mut Notes,
) -> Vec<Instance> {
    let mut instances = Vec::new();
    for item in items {
        region_account.see(
            item.value
                .get("containerInstanceArn")
                .and_then(Value::as_str),
        );
        if let Some(i) = read_instance(item, errors, notes) {
            if instances
                .iter()
                .any(|o: &Instance| o.ec2_instance_id == i.ec2_instance_id)
            {
                errors.push(
                    item.file,
                    &format!("{}.ec2InstanceId", item.path),
                    format!("instance {} is listed twice", i.ec2_instance_id),
                );
                continue;
            }
            instances.push(i);
        }
    }
    instances
}

fn read_instance(item: &Item, errors: &mut Errors, notes: &mut Notes) -> Option<Instance> {
    let before = errors.0.len();
    let ec2 = req_str(item, "ec2InstanceId", errors).map(str::to_string);
    let arn = opt_str(item, "containerInstanceArn", errors).map(str::to_string);
    let status = opt_str(item, "status", errors)
        .unwrap_or("ACTIVE")
        .to_string();
    let agent_connected = match item.value.get("agentConnected") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            errors.push(
                item.file,
                &format!("{}.agentConnected", item.path),
                format!("expected true or false, found {other}"),
            );
            true
        }
    };
    let version = |key: &str| match item.value.get("versionInfo") {
        Some(Value::Object(v)) => v.get(key).and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    let agent_version = version("agentVersion");
    let docker_version = version("dockerVersion");
    let mut resources = Vec::new();
    match item.value.get("registeredResources") {
        Some(Value::Array(rs)) => {
            for (i, r) in rs.iter().enumerate() {
                let p = format!("{}.registeredResources[{i}]", item.path);
                let Some(name) = r.get("name").and_then(Value::as_str) else {
                    errors.push(item.file, &p, "expected a resource with a \"name\"");
                    continue;
                };
                let kind = r.get("type").and_then(Value::as_str).unwrap_or(match name {
                    "PORTS" | "PORTS_UDP" => "STRINGSET",
                    _ => "INTEGER",
                });
                let mut o = Map::new();
                o.insert("name".into(), json!(name));
                o.insert("type".into(), json!(kind));
                match kind {
                    "STRINGSET" => {
                        let set = r.get("stringSetValue").cloned().unwrap_or(json!([]));
                        if !set.is_array() {
                            errors.push(
                                item.file,
                                &format!("{p}.stringSetValue"),
                                "expected an array of strings",
                            );
                            continue;
                        }
                        o.insert("stringSetValue".into(), set);
                    }
                    "INTEGER" => match r.get("integerValue") {
                        Some(v) if v.is_u64() => {
                            o.insert("integerValue".into(), v.clone());
                        }
                        other => {
                            errors.push(
                                item.file,
                                &format!("{p}.integerValue"),
                                format!(
                                    "expected a non-negative integer, found {}",
                                    other.map_or("nothing".to_string(), Value::to_string)
                                ),
                            );
                            continue;
                        }
                    },
                    other => {
                        notes.add(format!(
                            "registered resources of type {other} ({name}) dropped"
                        ));
                        continue;
                    }
                }
                resources.push(Value::Object(o));
            }
        }
        Some(other) => errors.push(
            item.file,
            &format!("{}.registeredResources", item.path),
            format!("expected an array of resources, found {other}"),
        ),
        None => errors.push(
            item.file,
            &item.path,
            "missing required member \"registeredResources\"",
        ),
    }
    let mut attributes = Vec::new();
    match item.value.get("attributes") {
        None => {}
        Some(Value::Array(a)) => {
            for (i, at) in a.iter().enumerate() {
                let p = format!("{}.attributes[{i}]", item.path);
                match (at.get("name").and_then(Value::as_str), at.get("value")) {
                    (Some(n), None | Some(Value::Null)) => attributes.push((n.to_string(), None)),
                    (Some(n), Some(Value::String(v))) => {
                        attributes.push((n.to_string(), Some(v.clone())))
                    }
                    _ => errors.push(
                        item.file,
                        &p,
                        "expected an attribute {\"name\": ..., \"value\": ...}",
                    ),
                }
            }
        }
        Some(other) => errors.push(
            item.file,
            &format!("{}.attributes", item.path),
            format!("expected an array of attributes, found {other}"),
        ),
    }
    let mut tags = Vec::new();
    match item.value.get("tags") {
        None => {}
        Some(Value::Array(a)) => {
            for (i, t) in a.iter().enumerate() {
                match (t.get("key").and_then(Value::as_str), t.get("value")) {
                    (Some(k), None | Some(Value::Null)) => {
                        tags.push((k.to_string(), String::new()))
                    }
                    (Some(k), Some(Value::String(v))) => tags.push((k.to_string(), v.clone())),
                    _ => errors.push(
                        item.file,
                        &format!("{}.tags[{i}]", item.path),
                        "expected a tag {\"key\": ..., \"value\": ...}",
                    ),
                }
            }
        }
        Some(other) => errors.push(
            item.file,
            &format!("{}.tags", item.path),
            format!("expected an array of tags, found {other}"),
        ),
    }
    if errors.0.len() > before {
        return None;
    }
    let cluster = arn.as_deref().and_then(instance_cluster);
    Some(Instance {
        file: item.file.to_string(),
        path: item.path.clone(),
        ec2_instance_id: ec2?,
        arn,
        cluster,
        status,
        agent_connected,
        agent_version,
        docker_version,
        resources,
        attributes,
        tags,
    })
}

/// RegisterContainerInstance (then UpdateContainerInstancesState DRAINING and DisconnectAgent)
/// for each instance that is neither INACTIVE nor DEREGISTERING, in `clusters` (one per instance).
/// Returns the instances carried that have EC2 metadata, with it.
pub(super) fn register<'a>(
    instances: &'a [Instance],
    clusters: &[String],
    ec2: &'a Ec2Instances,
    extra_attributes: &[TargetedAttribute],
    actions: &mut Actions,
    notes: &mut Notes,
) -> Vec<(&'a Instance, &'a Ec2Instance)> {
    let mut joined = Vec::new();
    let mut not_carried = NotCarried::default();
    for (inst, cluster) in instances.iter().zip(clusters) {
        if inst.status == "INACTIVE" || inst.status == "DEREGISTERING" {
            notes.add(format!(
                "container instance {}: {}, not carried",
                inst.ec2_instance_id, inst.status
            ));
            continue;
        }
        let meta = ec2.get(inst.ec2_instance_id.as_str());
        let attr = |n: &str| {
            inst.attributes
                .iter()
                .find(|(a, _)| a == n)
                .and_then(|(_, v)| v.clone())
        };
        let instance_type = meta
            .and_then(|m| m.instance_type.clone())
            .or_else(|| attr("ecs.instance-type"));
        let zone = meta
            .and_then(|m| m.availability_zone.clone())
            .or_else(|| attr("ecs.availability-zone"));
        let image = meta
            .and_then(|m| m.image.as_ref())
            .map(|i| i.image_id.clone());
        if let Some(m) = meta {
            not_carried.add(m);
            joined.push((inst, m));
        }
        let mut doc = Map::new();
        doc.insert("instanceId".into(), json!(inst.ec2_instance_id));
        if let Some(t) = &instance_type {
            doc.insert("instanceType".into(), json!(t));
        }
        if let Some(z) = &zone {
            doc.insert("availabilityZone".into(), json!(z));
        }
        let mut attributes: Vec<(String, Option<String>)> = Vec::new();
        let mut put = |n: &str, v: Option<String>| match attributes.iter_mut().find(|(a, _)| a == n)
        {
            Some(slot) => slot.1 = v,
            None => attributes.push((n.to_string(), v)),
        };
        for (n, v) in &inst.attributes {
            // The identity document's type and zone become these two attributes.
            if (n == "ecs.instance-type" && instance_type.is_some())
                || (n == "ecs.availability-zone" && zone.is_some())
            {
                continue;
            }
            put(n, v.clone());
        }
        if let Some(ami) = &image {
            if attr("ecs.ami-id").is_none() {
                put("ecs.ami-id", Some(ami.clone()));
            }
        }
        for a in extra_attributes {
            let n = &a.name;
            if a.targets(inst.arn.as_deref(), &inst.ec2_instance_id)
                && !(n == "ecs.instance-type" && instance_type.is_some())
                && !(n == "ecs.availability-zone" && zone.is_some())
            {
                put(n, a.value.clone());
            }
        }
        let attributes: Vec<Value> = attributes
            .into_iter()
            .map(|(n, v)| match v {
                Some(v) => json!({"name": n, "value": v}),
                None => json!({"name": n}),
            })
            .collect();
        let mut input = Map::new();
        input.insert("cluster".into(), json!(cluster));
        input.insert(
            "instanceIdentityDocument".into(),
            json!(Value::Object(doc).to_string()),
        );
        input.insert(
            "totalResources".into(),
            Value::Array(inst.resources.clone()),
        );
        if !attributes.is_empty() {
            input.insert("attributes".into(), Value::Array(attributes));
        }
        if let Some(v) = &inst.agent_version {
            input.insert("versionInfo".into(), json!({"agentVersion": v}));
        }
        // RULE: the request's tags are the EC2 instance's (see the scenario crate's `tags`): those
        // DescribeInstanceImageMetadata lists, else the container instance's own (`--include
        // TAGS`); keys starting with aws: are AWS's and cannot be given.
        let own: Vec<(String, String)> = inst
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with("aws:"))
            .cloned()
            .collect();
        let tags = match meta.filter(|m| !m.tags.is_empty()) {
            Some(m) => {
                if !own.is_empty() && own != m.tags {
                    notes.add(format!(
                        "container instance {}: its tags differ from its EC2 instance's; the EC2 instance's carried",
                        inst.ec2_instance_id
                    ));
                }
                m.tags.clone()
            }
            None => {
                if own.len() < inst.tags.len() {
                    notes.add(format!(
                        "container instance {}: tags with keys starting with aws: not carried",
                        inst.ec2_instance_id
                    ));
                }
                own
            }
        };
        if !tags.is_empty() {
            let tags: Vec<Value> = tags
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect();
            input.insert("tags".into(), Value::Array(tags));
        }
        actions.add("RegisterContainerInstance", Value::Object(input));
        if inst.status == "DRAINING" {
            actions.add(
                "UpdateContainerInstancesState",
                json!({"cluster": cluster, "containerInstances": [inst.ec2_instance_id], "status": "DRAINING"}),
            );
        }
        if !inst.agent_connected {
            actions.add(
                "DisconnectAgent",
                json!({"cluster": cluster, "containerInstances": [inst.ec2_instance_id]}),
            );
        }
    }
    not_carried.note(notes);
    let unjoined = ec2.unjoined(|id| instances.iter().any(|i| i.ec2_instance_id == id));
    if unjoined > 0 {
        notes.add(format!(
            "{unjoined} EC2 instances with no container instance"
        ));
    }
    joined
}
