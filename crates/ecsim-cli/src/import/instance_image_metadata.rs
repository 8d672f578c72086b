//! `aws ec2 describe-instance-image-metadata` (`InstanceImageMetadata`, seed 001): the EC2 view
//! of each instance, joined by `InstanceId` to the container instance of the same
//! `ec2InstanceId`: its type, zone and tags go into the RegisterContainerInstance request, its
//! image into an `amis` entry with the EC2 fields; its launch time and state cannot be carried.

use super::container_instances::Instance;
use super::{opt_str, req_str, Errors, Item, Notes};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The EC2 metadata by instance id (a later element for an id wins).
pub(super) struct Ec2Instances(BTreeMap<String, Ec2Instance>);

/// One element of the output, as far as import reads it.
pub(super) struct Ec2Instance {
    pub instance_type: Option<String>,
    pub availability_zone: Option<String>,
    pub launch_time: bool,
    /// `State.Name`.
    pub state: Option<String>,
    pub owner_id: Option<String>,
    /// The tags RegisterContainerInstance takes, in the output's order.
    pub tags: Vec<(String, String)>,
    /// The keys of the tags it does not take (`aws:`, reserved for AWS).
    pub reserved_tags: Vec<String>,
    pub image: Option<Image>,
}

/// `ImageMetadata`.
pub(super) struct Image {
    pub image_id: String,
    /// The `amis` entry's members the output gives, in the entry's order: `image_name`,
    /// `owner_id`, `owner_alias`, `creation_date`, `deprecation_time`, `state`, `is_public`.
    pub fields: Map<String, Value>,
    pub allowed: Option<bool>,
}

/// API (EC2): ImageMetadata members and the `amis` entry members they become (SPEC §13.1).
const IMAGE_FIELDS: [(&str, &str); 7] = [
    ("Name", "image_name"),
    ("OwnerId", "owner_id"),
    ("ImageOwnerAlias", "owner_alias"),
    ("CreationDate", "creation_date"),
    ("DeprecationTime", "deprecation_time"),
    ("State", "state"),
    ("IsPublic", "is_public"),
];

pub(super) fn by_instance_id(items: &[Item], errors: &mut Errors) -> Ec2Instances {
    let mut ec2 = BTreeMap::new();
    for item in items {
        let Some(id) = req_str(item, "InstanceId", errors) else {
            continue;
        };
        let (tags, reserved_tags) = tags(item, errors);
        let instance = Ec2Instance {
            instance_type: opt_str(item, "InstanceType", errors).map(str::to_string),
            availability_zone: opt_str(item, "AvailabilityZone", errors).map(str::to_string),
            launch_time: item.value.get("LaunchTime").is_some(),
            state: match object(item, "State", errors) {
                Some(state) => opt_str(&state, "Name", errors).map(str::to_string),
                None => None,
            },
            owner_id: opt_str(item, "OwnerId", errors).map(str::to_string),
            tags,
            reserved_tags,
            image: object(item, "ImageMetadata", errors).and_then(|m| image(&m, errors)),
        };
        ec2.insert(id.to_string(), instance);
    }
    Ec2Instances(ec2)
}

/// Member `key` of `item` when it is an object, as an item of its own.
fn object<'a>(item: &Item<'a>, key: &str, errors: &mut Errors) -> Option<Item<'a>> {
    match item.value.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(Item {
            file: item.file,
            path: format!("{}.{key}", item.path),
            value: o,
        }),
        Some(other) => {
            errors.push(
                item.file,
                &format!("{}.{key}", item.path),
                format!("expected an object, found {other}"),
            );
            None
        }
    }
}

fn opt_bool(item: &Item, key: &str, errors: &mut Errors) -> Option<bool> {
    match item.value.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            errors.push(
                item.file,
                &format!("{}.{key}", item.path),
                format!("expected true or false, found {other}"),
            );
            None
        }
    }
}

fn image(m: &Item, errors: &mut Errors) -> Option<Image> {
    let image_id = opt_str(m, "ImageId", errors)?.to_string();
    let mut fields = Map::new();
    for (from, to) in IMAGE_FIELDS {
        let v = if from == "IsPublic" {
            opt_bool(m, from, errors).map(Value::Bool)
        } else {
            opt_str(m, from, errors).map(|s| json!(s))
        };
        if let Some(v) = v {
            fields.insert(to.to_string(), v);
        }
    }
    Some(Image {
        image_id,
        fields,
        allowed: opt_bool(m, "ImageAllowed", errors),
    })
}

/// `Tags` (`[{"Key", "Value"}]`): those RegisterContainerInstance takes, and the reserved keys.
fn tags(item: &Item, errors: &mut Errors) -> (Vec<(String, String)>, Vec<String>) {
    let (mut taken, mut reserved) = (Vec::new(), Vec::new());
    let path = format!("{}.Tags", item.path);
    match item.value.get("Tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tags)) => {
            for (i, t) in tags.iter().enumerate() {
                let key = t.get("Key").and_then(Value::as_str);
                let value = match t.get("Value") {
                    None | Some(Value::Null) => Some(""),
                    Some(v) => v.as_str(),
                };
                match (key, value) {
                    // EC2 (Tag restrictions): keys starting with aws: are AWS's own (Auto
                    // Scaling's aws:autoscaling:groupName, CloudFormation's stack name); the
                    // loader refuses them, so they are listed instead.
                    (Some(k), Some(_)) if k.starts_with("aws:") => {
                        reserved.push(k.to_string());
                    }
                    (Some(k), Some(v)) => taken.push((k.to_string(), v.to_string())),
                    _ => errors.push(
                        item.file,
                        &format!("{path}[{i}]"),
                        "expected a tag {\"Key\": ..., \"Value\": ...}",
                    ),
                }
            }
        }
        Some(other) => errors.push(
            item.file,
            &path,
            format!("expected an array of tags, found {other}"),
        ),
    }
    (taken, reserved)
}

impl Ec2Instances {
    pub fn get(&self, ec2_instance_id: &str) -> Option<&Ec2Instance> {
        self.0.get(ec2_instance_id)
    }

    /// How many of the instances `joined` says have no container instance.
    pub fn unjoined(&self, joined: impl Fn(&str) -> bool) -> usize {
        self.0.keys().filter(|id| !joined(id)).count()
    }

    /// The accounts that own the instances (`OwnerId`), each once, in instance id order.
    pub fn owners(&self) -> Vec<&str> {
        let mut owners: Vec<&str> = Vec::new();
        for o in self.0.values().filter_map(|e| e.owner_id.as_deref()) {
            if !owners.contains(&o) {
                owners.push(o);
            }
        }
        owners
    }
}

/// What the EC2 metadata of the carried instances says that RegisterContainerInstance cannot:
/// each said once, with how many instances it concerns.
#[derive(Default)]
pub(super) struct NotCarried {
    launch_time: usize,
    states: Vec<String>,
    not_running: usize,
    reserved_keys: Vec<String>,
    reserved: usize,
}

impl NotCarried {
    pub fn add(&mut self, e: &Ec2Instance) {
        self.launch_time += usize::from(e.launch_time);
        if let Some(s) = e.state.as_deref().filter(|s| *s != "running") {
            self.not_running += 1;
            if !self.states.iter().any(|x| x == s) {
                self.states.push(s.to_string());
            }
        }
        if !e.reserved_tags.is_empty() {
            self.reserved += 1;
            for k in &e.reserved_tags {
                if !self.reserved_keys.contains(k) {
                    self.reserved_keys.push(k.clone());
                }
            }
        }
    }

    pub fn note(&self, notes: &mut Notes) {
        if self.launch_time > 0 {
            notes.add(format!(
                "{} instances' EC2 launch time not carried (registered instances join at time 0)",
                self.launch_time
            ));
        }
        if self.not_running > 0 {
            notes.add(format!(
                "{} instances' EC2 state ({}) not carried (a registered instance is running)",
                self.not_running,
                self.states.join(", ")
            ));
        }
        if self.reserved > 0 {
            notes.add(format!(
                "{} instances' EC2 tags {} not carried (tag keys starting with aws: are reserved for AWS use)",
                self.reserved,
                self.reserved_keys.join(", ")
            ));
        }
    }
}

/// RULE (ours): the image of each carried instance whose EC2 metadata names it (`Name`) is an
/// `amis` entry with the EC2 fields the metadata gives. The ECS-optimized AMI members come from
/// the imported SSM parameter of the same `image_id` (whose entry takes the EC2 fields), else from
/// ecsim's catalog, else from the first instance on it: `os` Windows or Linux by its
/// `ecs.os-type`, its agent version, and its Docker version (or the catalog's recommended AMI's
/// when it has none), which is said. The first instance on an image decides its entry.
pub(super) fn amis(
    carried: &[(&Instance, &Ec2Instance)],
    amis: &mut Vec<Value>,
    notes: &mut Notes,
) {
    let catalog = ecsim_model::AmiCatalog::builtin();
    let recommended = catalog.recommended();
    // The images this function has written or completed, with the EC2 fields their entry took.
    let mut done: Vec<(String, Map<String, Value>)> = Vec::new();
    for (inst, e) in carried {
        let Some(image) = &e.image else { continue };
        let id = image.image_id.as_str();
        if image.allowed == Some(false) {
            notes.add(format!(
                "AMI {id}: ImageAllowed false not carried (no Allowed AMIs policy is simulated: every image is allowed)"
            ));
        }
        if let Some((_, fields)) = done.iter().find(|(d, _)| d == id) {
            // An element that names the image alone says nothing against the first.
            if !image.fields.is_empty() && *fields != image.fields {
                notes.add(format!(
                    "AMI {id}: its instances' image metadata differ; the first instance's kept"
                ));
            }
            continue;
        }
        if image.fields.is_empty() {
            continue;
        }
        if !image.fields.contains_key("owner_alias") {
            notes.add(format!(
                "AMI {id}: no ImageOwnerAlias; the scenario's default owner alias (amazon) stands for it"
            ));
        }
        done.push((id.to_string(), image.fields.clone()));
        if let Some(Value::Object(entry)) = amis.iter_mut().find(|a| a["image_id"] == id) {
            // The SSM parameter's name is the ECS-optimized AMI's; EC2 says the rest.
            for (k, v) in &image.fields {
                if k != "image_name" {
                    entry.insert(k.clone(), v.clone());
                }
            }
            continue;
        }
        let known = catalog.get(id);
        let Some(name) = image
            .fields
            .get("image_name")
            .and_then(Value::as_str)
            .or(known.map(|a| a.image_name.as_str()))
        else {
            notes.add(format!(
                "AMI {id}: its EC2 metadata has no Name; not carried as an amis entry"
            ));
            continue;
        };
        let mut entry = Map::new();
        entry.insert("schema_version".into(), json!(1));
        entry.insert("image_id".into(), json!(id));
        entry.insert("image_name".into(), json!(name));
        match known {
            Some(a) => {
                entry.insert("os".into(), json!(a.os));
                entry.insert("ecs_agent_version".into(), json!(a.ecs_agent_version));
                entry.insert("ecs_runtime_version".into(), json!(a.ecs_runtime_version));
            }
            None => {
                let from = &inst.ec2_instance_id;
                let os_type = inst
                    .attributes
                    .iter()
                    .find(|(n, _)| n == "ecs.os-type")
                    .and_then(|(_, v)| v.as_deref());
                let (os, os_from) = match os_type {
                    Some("windows") => ("Windows", format!("{from}'s ecs.os-type")),
                    Some(_) => ("Linux", format!("{from}'s ecs.os-type")),
                    None => ("Linux", "the default".to_string()),
                };
                let (agent, agent_from) = match inst.agent_version.as_deref().filter(|v| dotted(v))
                {
                    Some(v) => (v.to_string(), format!("{from}'s versionInfo")),
                    None => (
                        recommended.ecs_agent_version.clone(),
                        "ecsim's recommended AMI".to_string(),
                    ),
                };
                let (runtime, runtime_from) = match inst.docker_version.as_deref() {
                    // API: VersionInfo.dockerVersion prints "DockerVersion: 20.10.25"; the SSM
                    // metadata says "Docker version 20.10.25".
                    Some(v) => (
                        format!(
                            "Docker version {}",
                            v.strip_prefix("DockerVersion: ").unwrap_or(v)
                        ),
                        format!("{from}'s versionInfo"),
                    ),
                    None => (
                        recommended.ecs_runtime_version.clone(),
                        "ecsim's recommended AMI".to_string(),
                    ),
                };
                notes.add(format!(
                    "AMI {id}: not in an imported SSM parameter or ecsim's catalog, so os {os} ({os_from}), ECS agent {agent} ({agent_from}) and runtime {runtime} ({runtime_from}); add its aws ssm get-parameters output to carry them"
                ));
                entry.insert("os".into(), json!(os));
                entry.insert("ecs_agent_version".into(), json!(agent));
                entry.insert("ecs_runtime_version".into(), json!(runtime));
            }
        }
        for (k, v) in &image.fields {
            if k != "image_name" {
                entry.insert(k.clone(), v.clone());
            }
        }
        amis.push(Value::Object(entry));
    }
}

/// A dotted version like 1.17.3, as an `amis` entry's `ecs_agent_version` must be.
fn dotted(v: &str) -> bool {
    !v.is_empty()
        && v.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}
