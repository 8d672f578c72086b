//! `ecsim import`: builds a scenario from saved AWS CLI outputs (SPEC §13.2). Each file is
//! recognised by its top-level keys; the scenario reproduces at time 0 the clusters, container
//! instances, task definitions and services those outputs describe, and says what it cannot carry.
//! Pure: takes the files' names and text, returns the scenario's JSON or the input errors.
//!
//! This module recognises the files and assembles the scenario; each kind of output is read by a
//! module of its own, and `command` is the shell that reads the files and writes the scenario.

mod attributes;
mod capacity_providers;
mod clusters;
mod command;
mod container_instances;
mod instance_image_metadata;
mod services;
mod ssm_parameters;
mod task_definitions;

pub use command::import_command;
pub use task_definitions::MAX_REGISTRATIONS;

use serde_json::{json, Map, Value};
use std::fmt;

/// The top-level keys that name what a file holds, with the command that prints it.
pub const RECOGNISED_KEYS: [(&str, &str); 8] = [
    ("clusters", "aws ecs describe-clusters"),
    ("containerInstances", "aws ecs describe-container-instances"),
    ("services", "aws ecs describe-services"),
    ("taskDefinition", "aws ecs describe-task-definition"),
    ("capacityProviders", "aws ecs describe-capacity-providers"),
    ("attributes", "aws ecs list-attributes"),
    (
        "InstanceImageMetadata",
        "aws ec2 describe-instance-image-metadata",
    ),
    ("Parameters", "aws ssm get-parameters"),
];

/// Top-level keys that come beside the recognised ones and carry nothing to simulate.
const BESIDE_KEYS: [&str; 5] = [
    "failures",
    "nextToken",
    "NextToken",
    "InvalidParameters",
    "tags",
];

/// An import error: the file, the JSON path in it, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file: String,
    pub path: String,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "error: {}: {}", self.file, self.message)
        } else {
            write!(f, "error: {}: {}: {}", self.file, self.path, self.message)
        }
    }
}

/// The imported scenario and what it could not carry (also in its `description`).
#[derive(Debug)]
pub struct Imported {
    pub scenario: Value,
    pub not_carried: Vec<String>,
}

/// One element of an input array, with where it came from.
struct Item<'a> {
    file: &'a str,
    path: String,
    value: &'a Map<String, Value>,
}

/// The recognised files' elements, by kind, in the order the files list them.
#[derive(Default)]
struct Inputs<'a> {
    clusters: Vec<Item<'a>>,
    instances: Vec<Item<'a>>,
    services: Vec<Item<'a>>,
    task_definitions: Vec<Item<'a>>,
    capacity_providers: Vec<Item<'a>>,
    attributes: Vec<Item<'a>>,
    images: Vec<Item<'a>>,
    parameters: Vec<Item<'a>>,
}

struct Errors(Vec<ImportError>);

impl Errors {
    fn push(&mut self, file: &str, path: &str, message: impl Into<String>) {
        self.0.push(ImportError {
            file: file.to_string(),
            path: path.to_string(),
            message: message.into(),
        });
    }
}

/// What the scenario does not carry or changes, each said once, in the order found.
struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, note: String) {
        if !self.0.contains(&note) {
            self.0.push(note);
        }
    }
}

/// The scenario's actions, every one at time 0.
struct Actions(Vec<Value>);

impl Actions {
    fn add(&mut self, action: &str, input: Value) {
        self.0
            .push(json!({"at": 0, "action": action, "input": input}));
    }
}

/// The region and account of the first ARN seen.
#[derive(Default)]
struct RegionAccount(Option<(String, String)>);

impl RegionAccount {
    fn see(&mut self, arn: Option<&str>) {
        if self.0.is_none() {
            self.0 = arn.and_then(arn_region_account);
        }
    }
}

/// Builds the scenario from `files` (name, text), in the order given. `name` is the scenario's
/// name (default `imported`).
pub fn import(
    files: &[(String, String)],
    name: Option<&str>,
) -> Result<Imported, Vec<ImportError>> {
    let mut errors = Errors(Vec::new());
    let mut documents = Vec::new();
    for (file, text) in files {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => documents.push((file.as_str(), v)),
            Err(e) => errors.push(
                file,
                "",
                format!(
                    "not JSON at line {}, column {}: {e}; expected the JSON an AWS CLI command prints (--output json)",
                    e.line(),
                    e.column()
                ),
            ),
        }
    }
    let mut inputs = Inputs::default();
    for (file, doc) in &documents {
        classify(file, doc, &mut inputs, &mut errors);
    }
    if !errors.0.is_empty() {
        return Err(errors.0);
    }
    let out = build(&inputs, name.unwrap_or("imported"), &mut errors);
    if errors.0.is_empty() {
        Ok(out)
    } else {
        Err(errors.0)
    }
}

fn classify<'a>(file: &'a str, doc: &'a Value, inputs: &mut Inputs<'a>, errors: &mut Errors) {
    let Value::Object(top) = doc else {
        errors.push(
            file,
            "",
            format!(
                "expected a JSON object with one of the top-level keys {}",
                key_list()
            ),
        );
        return;
    };
    let mut recognised = 0;
    for (key, _) in RECOGNISED_KEYS {
        let Some(v) = top.get(key) else { continue };
        recognised += 1;
        let list = match key {
            "clusters" => &mut inputs.clusters,
            "containerInstances" => &mut inputs.instances,
            "services" => &mut inputs.services,
            "taskDefinition" => &mut inputs.task_definitions,
            "capacityProviders" => &mut inputs.capacity_providers,
            "attributes" => &mut inputs.attributes,
            "InstanceImageMetadata" => &mut inputs.images,
            _ => &mut inputs.parameters,
        };
        if key == "taskDefinition" {
            match v {
                Value::Object(o) => list.push(Item {
                    file,
                    path: key.to_string(),
                    value: o,
                }),
                _ => errors.push(file, key, "expected the task definition object"),
            }
            continue;
        }
        let Value::Array(items) = v else {
            errors.push(file, key, "expected an array");
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("{key}[{i}]");
            match item {
                Value::Object(o) => list.push(Item {
                    file,
                    path,
                    value: o,
                }),
                _ => errors.push(file, &path, "expected an object"),
            }
        }
    }
    if recognised == 0 {
        let keys: Vec<&str> = top.keys().map(String::as_str).collect();
        errors.push(
            file,
            "",
            format!(
                "not a recognised AWS CLI output (top-level keys: {}); expected one of {}",
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                },
                key_list()
            ),
        );
        return;
    }
    for k in top.keys() {
        if !RECOGNISED_KEYS.iter().any(|(r, _)| r == k) && !BESIDE_KEYS.contains(&k.as_str()) {
            errors.push(
                file,
                k,
                format!("unknown top-level key beside {}", key_list()),
            );
        }
    }
}

fn key_list() -> String {
    RECOGNISED_KEYS
        .iter()
        .map(|(k, c)| format!("{k} ({c})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A required string member.
fn req_str<'a>(item: &'a Item, key: &str, errors: &mut Errors) -> Option<&'a str> {
    match item.value.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(other) => {
            errors.push(
                item.file,
                &format!("{}.{key}", item.path),
                format!("expected a non-empty string, found {other}"),
            );
            None
        }
        None => {
            errors.push(
                item.file,
                &item.path,
                format!("missing required member {key:?}"),
            );
            None
        }
    }
}

fn opt_str<'a>(item: &'a Item, key: &str, errors: &mut Errors) -> Option<&'a str> {
    match item.value.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            errors.push(
                item.file,
                &format!("{}.{key}", item.path),
                format!("expected a string, found {other}"),
            );
            None
        }
    }
}

/// "1 cluster", "3 clusters".
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The name after the resource type in an ARN `arn:aws:ecs:R:A:TYPE/NAME[/...]`, or the text
/// itself when it is not an ARN.
fn arn_name(text: &str, kind: &str) -> String {
    match text.split_once(&format!(":{kind}/")) {
        Some((_, rest)) => rest.to_string(),
        None => text.to_string(),
    }
}

/// Region and account of an ARN.
fn arn_region_account(arn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && !parts[3].is_empty() && !parts[4].is_empty() {
        Some((parts[3].to_string(), parts[4].to_string()))
    } else {
        None
    }
}

/// Reads every input, then writes the scenario's actions in SPEC §13.2's order: clusters, task
/// definitions, container instances, services; then the AMIs and the description.
fn build(inputs: &Inputs, name: &str, errors: &mut Errors) -> Imported {
    let mut notes = Notes(Vec::new());
    let mut region_account = RegionAccount::default();

    let clusters = clusters::read(&inputs.clusters, &mut region_account, errors, &mut notes);
    capacity_providers::read(&inputs.capacity_providers, errors, &mut notes);
    let ec2 = instance_image_metadata::by_instance_id(&inputs.images, errors);
    let extra_attributes = attributes::read(&inputs.attributes, errors);
    let instances =
        container_instances::read(&inputs.instances, &mut region_account, errors, &mut notes);
    let families = task_definitions::read(
        &inputs.task_definitions,
        &mut region_account,
        errors,
        &mut notes,
    );
    if !families.within_bound(&inputs.task_definitions, errors) {
        return Imported {
            scenario: Value::Null,
            not_carried: notes.0,
        };
    }
    // RULE (ours): without an ARN, the account is the EC2 instances' owner.
    let owners = ec2.owners();
    let (region, account) = region_account.0.unwrap_or_else(|| {
        let owner = owners.first().copied().unwrap_or("123456789012");
        ("us-east-1".into(), owner.to_string())
    });
    let others: Vec<&str> = owners.into_iter().filter(|o| *o != account).collect();
    if !others.is_empty() {
        notes.add(format!(
            "EC2 instances' owner {}: not the scenario's account, {account}",
            others.join(", ")
        ));
    }
    let only_cluster = || -> Option<String> {
        match clusters.as_slice() {
            [(n, _)] => Some(n.clone()),
            [] => Some("default".to_string()),
            _ => None,
        }
    };

    let mut actions = Actions(Vec::new());

    // Clusters named by instances or services but not described are created too.
    let mut cluster_names: Vec<String> = clusters.iter().map(|(n, _)| n.clone()).collect();
    let add_cluster = |n: &str, names: &mut Vec<String>, notes: &mut Notes| {
        if !names.iter().any(|c| c == n) {
            names.push(n.to_string());
            notes.add(format!(
                "cluster {n}: not in a describe-clusters output; created with default settings"
            ));
        }
    };
    let mut instance_clusters = Vec::new();
    for inst in &instances {
        let c = inst.cluster.clone().or_else(only_cluster);
        match c {
            Some(c) => {
                add_cluster(&c, &mut cluster_names, &mut notes);
                instance_clusters.push(c);
            }
            None => {
                errors.push(
                    &inst.file,
                    &format!("{}.containerInstanceArn", inst.path),
                    "the container instance ARN names no cluster and several clusters are imported; use the ARN format that names the cluster",
                );
                instance_clusters.push(String::new());
            }
        }
    }
    let mut service_clusters = Vec::new();
    for item in &inputs.services {
        let c = item
            .value
            .get("clusterArn")
            .and_then(Value::as_str)
            .map(|a| arn_name(a, "cluster"))
            .or_else(only_cluster);
        if let Some(c) = &c {
            add_cluster(c, &mut cluster_names, &mut notes);
        }
        service_clusters.push(c);
    }
    for n in &cluster_names {
        match clusters.iter().find(|(c, _)| c == n) {
            Some((_, input)) => actions.add("CreateCluster", input.clone()),
            None => actions.add("CreateCluster", json!({"clusterName": n})),
        }
    }

    families.register(&mut actions, &mut notes);
    let carried = container_instances::register(
        &instances,
        &instance_clusters,
        &ec2,
        &extra_attributes,
        &mut actions,
        &mut notes,
    );
    services::create(
        &inputs.services,
        &service_clusters,
        &families,
        &mut actions,
        errors,
        &mut notes,
    );
    let mut amis = ssm_parameters::amis(&inputs.parameters, errors, &mut notes);
    instance_image_metadata::amis(&carried, &mut amis, &mut notes);

    let services = actions
        .0
        .iter()
        .filter(|a| a["action"] == "CreateService")
        .count();
    let mut description = format!(
        "Imported: {}, {}, {}, {}, {}, at time 0.",
        count(cluster_names.len(), "cluster", "clusters"),
        count(instances.len(), "container instance", "container instances"),
        count(
            families.revision_count(),
            "task definition revision",
            "task definition revisions"
        ),
        count(services, "service", "services"),
        count(amis.len(), "AMI", "AMIs")
    );
    if !notes.0.is_empty() {
        description.push_str(" Not carried or changed: ");
        description.push_str(&notes.0.join("; "));
        description.push('.');
    }
    let mut scenario = Map::new();
    scenario.insert("schemaVersion".into(), json!(1));
    scenario.insert("name".into(), json!(name));
    scenario.insert("description".into(), json!(description));
    scenario.insert("region".into(), json!(region));
    scenario.insert("accountId".into(), json!(account));
    if !amis.is_empty() {
        scenario.insert("amis".into(), Value::Array(amis));
    }
    scenario.insert("actions".into(), Value::Array(actions.0));
    Imported {
        scenario: Value::Object(scenario),
        not_carried: notes.0,
    }
}
