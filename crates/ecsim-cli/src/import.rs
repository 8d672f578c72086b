//! `ecsim import`: builds a scenario from saved AWS CLI outputs (SPEC §13.2). Each file is
//! recognised by its top-level keys; the scenario reproduces at time 0 the clusters, container
//! instances, task definitions and services those outputs describe, and says what it cannot carry.
//! Pure: takes the files' names and text, returns the scenario's JSON or the input errors.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
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

/// API: DescribeTaskDefinition response members that are not part of the request.
const TASK_DEFINITION_RESPONSE_ONLY: [&str; 9] = [
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "enableFaultInjection",
];

/// The most task definition registrations an import makes: the sum over families of the highest
/// revision imported.
pub const MAX_REGISTRATIONS: u64 = 100_000;

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

/// A service's or strategy's capacity provider that import carries: RULE: only FARGATE and
/// FARGATE_SPOT (an Auto Scaling group provider's group is not in the ECS outputs).
fn carried_provider(name: &str) -> bool {
    name == "FARGATE" || name == "FARGATE_SPOT"
}

struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, note: String) {
        if !self.0.contains(&note) {
            self.0.push(note);
        }
    }
}

/// Keeps the capacity-provider strategy items that import carries, noting the rest.
fn strategy(value: Option<&Value>, whose: &str, notes: &mut Notes) -> Option<Value> {
    let Value::Array(items) = value? else {
        return None;
    };
    let mut kept = Vec::new();
    for item in items {
        let provider = item.get("capacityProvider").and_then(Value::as_str);
        match provider {
            Some(p) if carried_provider(p) => {
                let mut o = Map::new();
                for k in ["capacityProvider", "weight", "base"] {
                    if let Some(v) = item.get(k) {
                        o.insert(k.to_string(), v.clone());
                    }
                }
                kept.push(Value::Object(o));
            }
            Some(p) => notes.add(format!(
                "{whose}: capacity provider strategy item {p} (an Auto Scaling group provider) dropped"
            )),
            None => notes.add(format!("{whose}: a capacity provider strategy item without a provider dropped")),
        }
    }
    Some(Value::Array(kept))
}

/// The cluster a container instance ARN names (`.../container-instance/CLUSTER/ID`).
fn instance_cluster(arn: &str) -> Option<String> {
    let rest = arn.split_once(":container-instance/")?.1;
    let (cluster, _) = rest.split_once('/')?;
    Some(cluster.to_string())
}

struct Instance {
    file: String,
    path: String,
    ec2_instance_id: String,
    arn: Option<String>,
    cluster: Option<String>,
    status: String,
    agent_connected: bool,
    agent_version: Option<String>,
    resources: Vec<Value>,
    attributes: Vec<(String, Option<String>)>,
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
    let agent_version = match item.value.get("versionInfo") {
        Some(Value::Object(v)) => v
            .get("agentVersion")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
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
        resources,
        attributes,
    })
}

struct TaskDefinition {
    family: String,
    revision: u64,
    inactive: bool,
    request: Value,
}

fn read_task_definition(
    item: &Item,
    errors: &mut Errors,
    notes: &mut Notes,
) -> Option<TaskDefinition> {
    let family = req_str(item, "family", errors)?.to_string();
    let revision = match item.value.get("revision") {
        Some(v) if v.as_u64().is_some_and(|r| r >= 1) => v.as_u64()?,
        Some(other) => {
            errors.push(
                item.file,
                &format!("{}.revision", item.path),
                format!("expected a revision number from 1, found {other}"),
            );
            return None;
        }
        None => {
            errors.push(
                item.file,
                &item.path,
                "missing required member \"revision\"",
            );
            return None;
        }
    };
    let (task_members, container_members) = ecsim_scenario::task_definition_members();
    let mut request = Map::new();
    for (k, v) in item.value {
        if k == "containerDefinitions" {
            request.insert(
                k.clone(),
                containers(v, &container_members, &family, revision, notes),
            );
        } else if task_members.contains(&k.as_str()) {
            request.insert(k.clone(), v.clone());
        } else if !TASK_DEFINITION_RESPONSE_ONLY.contains(&k.as_str()) {
            notes.add(format!(
                "task definition {family}:{revision}: member {k} dropped"
            ));
        }
    }
    let inactive = item.value.get("status").and_then(Value::as_str) == Some("INACTIVE");
    Some(TaskDefinition {
        family,
        revision,
        inactive,
        request: Value::Object(request),
    })
}

/// A task definition's container definitions less the members the scenario does not take (newer
/// ones than it knows), each noted.
fn containers(
    value: &Value,
    members: &[&str],
    family: &str,
    revision: u64,
    notes: &mut Notes,
) -> Value {
    let Value::Array(items) = value else {
        return value.clone();
    };
    Value::Array(
        items
            .iter()
            .map(|c| match c {
                Value::Object(o) => Value::Object(
                    o.iter()
                        .filter(|(k, _)| {
                            let known = members.contains(&k.as_str());
                            if !known {
                                notes.add(format!(
                                    "task definition {family}:{revision}: container member {k} dropped"
                                ));
                            }
                            known
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                other => other.clone(),
            })
            .collect(),
    )
}

/// API: Service members a CreateService request shares with the DescribeServices response and
/// that import carries as they are.
const SERVICE_CARRIED: [&str; 11] = [
    "availabilityZoneRebalancing",
    "enableECSManagedTags",
    "enableExecuteCommand",
    "propagateTags",
    "launchType",
    "placementStrategy",
    "placementConstraints",
    "deploymentConfiguration",
    "schedulingStrategy",
    "healthCheckGracePeriodSeconds",
    "platformVersion",
];

/// DescribeServices members that describe the running service, not its request: not carried and
/// not worth a note (a run recomputes them).
const SERVICE_STATE: [&str; 16] = [
    "serviceArn",
    "serviceName",
    "clusterArn",
    "status",
    "desiredCount",
    "runningCount",
    "pendingCount",
    "taskDefinition",
    "capacityProviderStrategy",
    "deployments",
    "taskSets",
    "events",
    "createdAt",
    "createdBy",
    "roleArn",
    "deploymentController",
];

fn build(inputs: &Inputs, name: &str, errors: &mut Errors) -> Imported {
    let mut notes = Notes(Vec::new());
    let mut region_account: Option<(String, String)> = None;
    let mut see_arn = |arn: Option<&str>| {
        if region_account.is_none() {
            region_account = arn.and_then(arn_region_account);
        }
    };

    // Clusters, by name, in the order first seen.
    let mut clusters: Vec<(String, Value)> = Vec::new();
    for item in &inputs.clusters {
        let Some(cname) = req_str(item, "clusterName", errors) else {
            continue;
        };
        see_arn(item.value.get("clusterArn").and_then(Value::as_str));
        if clusters.iter().any(|(n, _)| n == cname) {
            continue;
        }
        if item.value.get("status").and_then(Value::as_str) == Some("INACTIVE") {
            notes.add(format!("cluster {cname}: INACTIVE, not carried"));
            continue;
        }
        let mut input = Map::new();
        input.insert("clusterName".into(), json!(cname));
        if let Some(Value::Array(cps)) = item.value.get("capacityProviders") {
            let mut kept = Vec::new();
            for cp in cps {
                match cp.as_str() {
                    Some(p) if carried_provider(p) => kept.push(json!(p)),
                    Some(p) => notes.add(format!(
                        "cluster {cname}: capacity provider {p} (an Auto Scaling group provider) not carried; its instances are registered as plain container instances"
                    )),
                    None => {}
                }
            }
            if !kept.is_empty() {
                input.insert("capacityProviders".into(), Value::Array(kept));
            }
        }
        if let Some(s) = strategy(
            item.value.get("defaultCapacityProviderStrategy"),
            &format!("cluster {cname}"),
            &mut notes,
        ) {
            if s.as_array().is_some_and(|a| !a.is_empty()) {
                input.insert("defaultCapacityProviderStrategy".into(), s);
            }
        }
        clusters.push((cname.to_string(), Value::Object(input)));
    }
    for item in &inputs.capacity_providers {
        if let Some(n) = opt_str(item, "name", errors) {
            if !carried_provider(n) {
                notes.add(format!(
                    "capacity provider {n}: an Auto Scaling group provider, not carried (the outputs do not describe its group's sizes and launch template)"
                ));
            }
        }
    }

    // EC2 metadata by instance id.
    let mut ec2: BTreeMap<&str, &Map<String, Value>> = BTreeMap::new();
    for item in &inputs.images {
        if let Some(id) = req_str(item, "InstanceId", errors) {
            ec2.insert(id, item.value);
        }
    }

    // ListAttributes, by target (an ARN or an ID).
    let mut extra_attributes: Vec<(String, String, Option<String>)> = Vec::new();
    for item in &inputs.attributes {
        let (Some(n), Some(target)) = (
            req_str(item, "name", errors),
            req_str(item, "targetId", errors),
        ) else {
            continue;
        };
        let value = opt_str(item, "value", errors).map(str::to_string);
        extra_attributes.push((target.to_string(), n.to_string(), value));
    }

    // Container instances.
    let mut instances = Vec::new();
    for item in &inputs.instances {
        see_arn(
            item.value
                .get("containerInstanceArn")
                .and_then(Value::as_str),
        );
        if let Some(i) = read_instance(item, errors, &mut notes) {
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

    // Task definitions, by family then revision.
    let mut families: BTreeMap<String, BTreeMap<u64, TaskDefinition>> = BTreeMap::new();
    // Families in the order first seen, so that the scenario registers them as the files list them.
    let mut family_order: Vec<String> = Vec::new();
    for item in &inputs.task_definitions {
        see_arn(item.value.get("taskDefinitionArn").and_then(Value::as_str));
        if let Some(td) = read_task_definition(item, errors, &mut notes) {
            if !family_order.contains(&td.family) {
                family_order.push(td.family.clone());
            }
            families
                .entry(td.family.clone())
                .or_default()
                .insert(td.revision, td);
        }
    }

    // RULE (ours): every revision up to the highest is registered, so the revisions are bounded
    // to keep the scenario's size in proportion to the files'.
    let registrations: u64 = families.values().filter_map(|r| r.keys().next_back()).sum();
    if registrations > MAX_REGISTRATIONS {
        let (family, revision) = families
            .iter()
            .filter_map(|(f, r)| Some((f, *r.keys().next_back()?)))
            .max_by_key(|(_, r)| *r)
            .expect("a family");
        let item = inputs
            .task_definitions
            .iter()
            .find(|i| {
                i.value.get("family").and_then(Value::as_str) == Some(family.as_str())
                    && i.value.get("revision").and_then(Value::as_u64) == Some(revision)
            })
            .expect("the family's highest revision came from a file");
        errors.push(
            item.file,
            &format!("{}.revision", item.path),
            format!(
                "the task definitions' highest revisions add up to {registrations}, more than import registers (at most {MAX_REGISTRATIONS}); {family}:{revision} is the highest"
            ),
        );
        return Imported {
            scenario: Value::Null,
            not_carried: notes.0,
        };
    }
    let (region, account) =
        region_account.unwrap_or_else(|| ("us-east-1".into(), "123456789012".into()));
    let only_cluster = || -> Option<String> {
        match clusters.as_slice() {
            [(n, _)] => Some(n.clone()),
            [] => Some("default".to_string()),
            _ => None,
        }
    };

    let mut actions: Vec<Value> = Vec::new();
    let mut act = |action: &str, input: Value| {
        actions.push(json!({"at": 0, "action": action, "input": input}));
    };

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
            Some((_, input)) => act("CreateCluster", input.clone()),
            None => act("CreateCluster", json!({"clusterName": n})),
        }
    }

    // Task definitions: every revision from 1 up to the highest imported, so that each keeps its
    // number (RULE: a revision not imported is registered as a copy of the next imported one and
    // deregistered at once; an INACTIVE revision is registered and deregistered).
    for family in &family_order {
        let revisions = &families[family];
        let top = *revisions
            .keys()
            .next_back()
            .expect("a family has a revision");
        let mut gaps = 0;
        for r in 1..=top {
            let (td, gap) = match revisions.get(&r) {
                Some(td) => (td, false),
                None => (
                    revisions
                        .range(r..)
                        .next()
                        .expect("a higher revision exists")
                        .1,
                    true,
                ),
            };
            act("RegisterTaskDefinition", td.request.clone());
            if gap || td.inactive {
                gaps += usize::from(gap);
                act(
                    "DeregisterTaskDefinition",
                    json!({"taskDefinition": format!("{family}:{r}")}),
                );
            }
        }
        if gaps > 0 {
            notes.add(format!(
                "task definition {family}: {gaps} revisions below {top} not imported; registered as copies of the next one and deregistered"
            ));
        }
    }

    // Container instances.
    let mut carried_launch_time = 0;
    let mut carried_tags = 0;
    for (inst, cluster) in instances.iter().zip(&instance_clusters) {
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
        let meta_str = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let instance_type = meta_str("InstanceType").or_else(|| attr("ecs.instance-type"));
        let zone = meta_str("AvailabilityZone").or_else(|| attr("ecs.availability-zone"));
        let image = meta
            .and_then(|m| m.get("ImageMetadata"))
            .and_then(|m| m.get("ImageId"))
            .and_then(Value::as_str)
            .map(str::to_string);
        if meta.is_some_and(|m| m.get("LaunchTime").is_some()) {
            carried_launch_time += 1;
        }
        if meta.is_some_and(|m| {
            m.get("Tags")
                .and_then(Value::as_array)
                .is_some_and(|t| !t.is_empty())
        }) {
            carried_tags += 1;
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
        for (target, n, v) in &extra_attributes {
            let matches = Some(target) == inst.arn.as_ref()
                || inst
                    .arn
                    .as_deref()
                    .is_some_and(|a| a.ends_with(&format!("/{target}")))
                || *target == inst.ec2_instance_id;
            if matches
                && !(n == "ecs.instance-type" && instance_type.is_some())
                && !(n == "ecs.availability-zone" && zone.is_some())
            {
                put(n, v.clone());
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
        act("RegisterContainerInstance", Value::Object(input));
        if inst.status == "DRAINING" {
            act(
                "UpdateContainerInstancesState",
                json!({"cluster": cluster, "containerInstances": [inst.ec2_instance_id], "status": "DRAINING"}),
            );
        }
        if !inst.agent_connected {
            act(
                "DisconnectAgent",
                json!({"cluster": cluster, "containerInstances": [inst.ec2_instance_id]}),
            );
        }
    }
    if carried_launch_time > 0 {
        notes.add(format!(
            "{carried_launch_time} instances' EC2 launch time not carried (registered instances join at time 0)"
        ));
    }
    if carried_tags > 0 {
        notes.add(format!(
            "{carried_tags} instances' EC2 tags not carried (RegisterContainerInstance takes no EC2 tags)"
        ));
    }
    let unjoined = ec2
        .keys()
        .filter(|id| !instances.iter().any(|i| i.ec2_instance_id == **id))
        .count();
    if unjoined > 0 {
        notes.add(format!(
            "{unjoined} EC2 instances with no container instance"
        ));
    }

    // Services.
    for (item, cluster) in inputs.services.iter().zip(&service_clusters) {
        let Some(sname) = req_str(item, "serviceName", errors) else {
            continue;
        };
        let Some(cluster) = cluster else {
            errors.push(
                item.file,
                &item.path,
                "no clusterArn, and several clusters are imported",
            );
            continue;
        };
        let status = item
            .value
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("ACTIVE");
        if status != "ACTIVE" {
            notes.add(format!("service {sname}: {status}, not carried"));
            continue;
        }
        let whose = format!("service {sname}");
        if item
            .value
            .get("deploymentController")
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .is_some_and(|t| t != "ECS")
        {
            notes.add(format!("{whose}: not an ECS-controlled service (its task sets are not in the outputs), not carried"));
            continue;
        }
        let Some(td) = opt_str(item, "taskDefinition", errors) else {
            notes.add(format!("{whose}: no task definition, not carried"));
            continue;
        };
        let td_ref = arn_name(td, "task-definition");
        let known = td_ref
            .rsplit_once(':')
            .and_then(|(f, r)| Some((f, r.parse::<u64>().ok()?)))
            .is_some_and(|(f, r)| families.get(f).is_some_and(|revs| revs.contains_key(&r)));
        if !known {
            notes.add(format!(
                "{whose}: its task definition {td_ref} is not among the imported ones (add its describe-task-definition output), not carried"
            ));
            continue;
        }
        let mut input = Map::new();
        input.insert("cluster".into(), json!(cluster));
        input.insert("serviceName".into(), json!(sname));
        input.insert("taskDefinition".into(), json!(td_ref));
        let daemon = item.value.get("schedulingStrategy").and_then(Value::as_str) == Some("DAEMON");
        if !daemon {
            if let Some(d) = item.value.get("desiredCount") {
                input.insert("desiredCount".into(), d.clone());
            }
        }
        for k in SERVICE_CARRIED {
            if let Some(v) = item.value.get(k) {
                if !v.is_null() {
                    input.insert(k.into(), v.clone());
                }
            }
        }
        // API: DeploymentConfiguration — the members the scenario takes; newer ones (a deployment
        // strategy, bake time, lifecycle hooks) are listed.
        if let Some(Value::Object(d)) = item.value.get("deploymentConfiguration") {
            let mut kept = Map::new();
            for (k, v) in d {
                if [
                    "alarms",
                    "deploymentCircuitBreaker",
                    "maximumPercent",
                    "minimumHealthyPercent",
                ]
                .contains(&k.as_str())
                {
                    kept.insert(k.clone(), v.clone());
                } else {
                    notes.add(format!("{whose}: deploymentConfiguration.{k} not carried"));
                }
            }
            input.insert("deploymentConfiguration".into(), Value::Object(kept));
        }
        if let Some(s) = strategy(
            item.value.get("capacityProviderStrategy"),
            &whose,
            &mut notes,
        ) {
            if s.as_array().is_some_and(|a| !a.is_empty()) {
                input.insert("capacityProviderStrategy".into(), s);
                input.remove("launchType");
            }
        }
        if let Some(n) = item.value.get("networkConfiguration") {
            input.insert("networkConfiguration".into(), n.clone());
        }
        for (k, v) in item.value {
            // An empty or false member asks for nothing that a run could miss.
            let empty = match v {
                Value::Null | Value::Bool(false) => true,
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                Value::String(s) => s.is_empty() || s == "NONE",
                Value::Number(_) | Value::Bool(true) => false,
            };
            if !empty
                && !SERVICE_CARRIED.contains(&k.as_str())
                && !SERVICE_STATE.contains(&k.as_str())
                && k != "networkConfiguration"
            {
                notes.add(format!("{whose}: {k} not carried"));
            }
        }
        act("CreateService", Value::Object(input));
    }

    // AMIs from SSM parameters.
    let mut amis: Vec<Value> = Vec::new();
    for item in &inputs.parameters {
        let Some(text) = req_str(item, "Value", errors) else {
            continue;
        };
        let vpath = format!("{}.Value", item.path);
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) if m.get("image_id").and_then(Value::as_str).is_some() => {
                let mut ami = Map::new();
                for (k, v) in &m {
                    if [
                        "schema_version",
                        "image_id",
                        "image_name",
                        "os",
                        "ecs_agent_version",
                        "ecs_runtime_version",
                    ]
                    .contains(&k.as_str())
                    {
                        ami.insert(k.clone(), v.clone());
                    } else {
                        notes.add(format!("AMI metadata member {k} not carried"));
                    }
                }
                let id = m["image_id"].clone();
                if !amis.iter().any(|a| a["image_id"] == id) {
                    amis.push(Value::Object(ami));
                }
            }
            Ok(_) => errors.push(
                item.file,
                &vpath,
                "expected the JSON of the ECS-optimized AMI metadata, an object with \"image_id\"",
            ),
            Err(e) => errors.push(
                item.file,
                &vpath,
                format!("expected the JSON of the ECS-optimized AMI metadata: {e}"),
            ),
        }
    }

    let mut description = format!(
        "Imported: {} clusters, {} container instances, {} task definition revisions, {} services, {} AMIs, at time 0.",
        cluster_names.len(),
        instances.len(),
        families.values().map(BTreeMap::len).sum::<usize>(),
        actions
            .iter()
            .filter(|a| a["action"] == "CreateService")
            .count(),
        amis.len()
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
    scenario.insert("actions".into(), Value::Array(actions));
    Imported {
        scenario: Value::Object(scenario),
        not_carried: notes.0,
    }
}

/// `ecsim import`: reads `paths`, builds the scenario, checks that it loads, and writes it to
/// `out` atomically (a temporary file beside it, synced and renamed) or returns it for stdout.
/// What it cannot carry goes to stderr.
pub fn import_command(
    paths: &[std::path::PathBuf],
    out: Option<&std::path::Path>,
    name: Option<&str>,
) -> Result<Option<String>, crate::UsageError> {
    use crate::UsageError;
    use std::io::Write;
    let mut files = Vec::new();
    for p in paths {
        let shown = p.display().to_string();
        if let Ok(m) = std::fs::metadata(p) {
            if m.is_file() && m.len() > ecsim_scenario::MAX_FILE_BYTES {
                return Err(UsageError(format!(
                    "error: {shown}: {}",
                    ecsim_scenario::too_large(m.len())
                )));
            }
        }
        let bytes = std::fs::read(p)
            .map_err(|e| UsageError(format!("error: {shown}: cannot read it: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| UsageError(format!("error: {shown}: not UTF-8 text; expected JSON")))?;
        files.push((shown, text));
    }
    let imported = import(&files, name).map_err(|errors| {
        UsageError(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let mut text = serde_json::to_string_pretty(&imported.scenario).expect("JSON serializes");
    text.push('\n');
    // What the outputs held that the scenario cannot load is an input error, not a crash.
    if let Err(errors) = ecsim_scenario::load_bytes(text.as_bytes()) {
        return Err(UsageError(format!(
            "{}\nerror: the scenario imported from {} does not load: the values above come from those files",
            crate::render_errors("the imported scenario", &text, &errors),
            files
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for n in &imported.not_carried {
        eprintln!("import: {n}");
    }
    let Some(out) = out else {
        return Ok(Some(text));
    };
    let file_name = out
        .file_name()
        .map_or_else(|| "scenario".into(), |n| n.to_string_lossy().into_owned());
    let tmp = out.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        UsageError(format!(
            "error: {}: cannot write the scenario: {e}",
            out.display()
        ))
    })?;
    Ok(None)
}
