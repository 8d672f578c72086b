//! RegisterTaskDefinition and DeregisterTaskDefinition: the task definition validated as ECS does
//! (API: RegisterTaskDefinition, ContainerDefinition, PortMapping, HealthCheck,
//! ContainerDependency) and lowered into [`TaskDefinition`].

use super::cluster::is_name;
use crate::cx::{as_array, object, object_in, unknown_message, Cx, Field, Obj};
use crate::path::Path;
use crate::placement::{constraints, ConstraintSite};
use crate::refs::{Refs, Revision};
use crate::simulation::task_simulation;
use ecsim_engine::capacity::fargate_size_is_valid;
use ecsim_engine::Action;
use ecsim_kernel::SimTime;
use ecsim_model::{
    Compatibility, ContainerDefinition, DependencyCondition, HealthCheck, NetworkMode, PortMapping,
    Protocol, TaskDefId, TaskDefStatus, TaskDefinition, TaskSimulation,
};
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graphmap::DiGraphMap;
use serde_json::Value;
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeSet;
use std::hash::BuildHasherDefault;

use Field::Used;

/// API: RegisterTaskDefinition request parameters.
const TASK_DEFINITION_FIELDS: [(&str, Field); 7] = [
    ("containerDefinitions", Used),
    ("cpu", Used),
    ("family", Used),
    ("memory", Used),
    ("networkMode", Used),
    ("placementConstraints", Used),
    ("requiresCompatibilities", Used),
];

/// API: ContainerDefinition contents.
const CONTAINER_FIELDS: [(&str, Field); 11] = [
    ("cpu", Used),
    ("dependsOn", Used),
    ("essential", Used),
    ("healthCheck", Used),
    ("image", Used),
    ("memory", Used),
    ("memoryReservation", Used),
    ("name", Used),
    ("portMappings", Used),
    ("resourceRequirements", Used),
    ("stopTimeout", Used),
];

/// Parses `"1024"`, `"1 vCPU"`, `"0.25 vcpu"` into CPU units (API: RegisterTaskDefinition.cpu —
/// "String values are converted to an integer indicating the CPU units").
pub(crate) fn parse_cpu(s: &str) -> Option<u32> {
    parse_scaled(s, &["vcpu"], 1024)
}

/// Parses `"2048"`, `"2 GB"`, `"0.5GB"` into MiB (API: RegisterTaskDefinition.memory — "String
/// values are converted to an integer indicating the MiB").
pub(crate) fn parse_memory(s: &str) -> Option<u32> {
    parse_scaled(s, &["gb"], 1024)
}

/// A decimal number, optionally followed (with or without a space) by one of `units`
/// (case-insensitive), which multiplies it by `factor`; the result must be a whole number.
fn parse_scaled(s: &str, units: &[&str], factor: u64) -> Option<u32> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let (number, scale) = match units.iter().find(|u| lower.ends_with(*u)) {
        Some(u) => (t[..t.len() - u.len()].trim_end(), factor),
        None => (t, 1),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |d: &str| !d.is_empty() && d.len() <= 12 && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || number.ends_with('.') {
        return None;
    }
    if scale == 1 && !fraction.is_empty() {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let mut value = whole.checked_mul(scale)?;
    if !fraction.is_empty() {
        let numerator: u64 = fraction.parse().ok()?;
        let denominator = 10u64.checked_pow(fraction.len() as u32)?;
        let scaled = numerator.checked_mul(scale)?;
        if scaled % denominator != 0 {
            return None;
        }
        value = value.checked_add(scaled / denominator)?;
    }
    u32::try_from(value).ok()
}

/// API: RegisterTaskDefinition.
pub(crate) fn register(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
    simulation: Option<(&Value, Path)>,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the RegisterTaskDefinition request",
        "RegisterTaskDefinitionRequest",
        &TASK_DEFINITION_FIELDS,
    )?;
    let errors = cx.error_count();

    // API: family — "Up to 255 letters (uppercase and lowercase), numbers, underscores, and
    // hyphens are allowed."
    let family = o.req_str(
        cx,
        "family",
        "the task definition family, e.g. \"family\": \"web\"",
    );
    let family = family.filter(|f| {
        let ok = is_name(f, 255);
        if !ok {
            o.error_field(cx, "family", "expected up to 255 letters, numbers, underscores and hyphens (API: RegisterTaskDefinition.family)",
            );
        }
        ok
    });

    let network_mode = match o.str(cx, "networkMode") {
        None => NetworkMode::Bridge,
        Some("bridge") => NetworkMode::Bridge,
        Some("host") => NetworkMode::Host,
        Some("awsvpc") => NetworkMode::Awsvpc,
        Some("none") => NetworkMode::None,
        Some(other) => {
            o.error_field(
                cx,
                "networkMode",
                unknown_message("network mode", other, &["bridge", "host", "awsvpc", "none"]),
            );
            NetworkMode::Bridge
        }
    };

    let mut compatibilities = Vec::new();
    if let Some(list) = o.strings(cx, "requiresCompatibilities") {
        for (i, c) in list.iter().enumerate() {
            match *c {
                "EC2" => compatibilities.push(Compatibility::Ec2),
                "FARGATE" => compatibilities.push(Compatibility::Fargate),
                "EXTERNAL" => compatibilities.push(Compatibility::External),
                other => cx.error(
                    &o.at("requiresCompatibilities").index(i),
                    unknown_message("launch type", other, &["EC2", "FARGATE", "EXTERNAL"]),
                ),
            }
        }
    }
    // API: requiresCompatibilities — "If no value is specified, the parameter is omitted"; the
    // task definition is then validated for EC2.
    let on_ec2 = compatibilities.is_empty()
        || compatibilities.contains(&Compatibility::Ec2)
        || compatibilities.contains(&Compatibility::External);
    let on_fargate = compatibilities.contains(&Compatibility::Fargate);

    let task_cpu = task_size(
        cx,
        &o,
        "cpu",
        parse_cpu,
        "CPU units like \"1024\" or vCPUs like \"1 vCPU\"",
    );
    let task_memory = task_size(
        cx,
        &o,
        "memory",
        parse_memory,
        "MiB like \"2048\" or GB like \"2 GB\"",
    );
    if let Some(cpu) = task_cpu {
        // API: RegisterTaskDefinition.cpu — "If you're using the EC2 launch type, this field is
        // optional. Supported values are between 128 CPU units (0.125 vCPUs) and 10240 CPU units
        // (10 vCPUs)."
        if on_ec2 && !(128..=10240).contains(&cpu) {
            o.error_field(cx, "cpu", format!("task cpu {cpu} is outside 128 to 10240 CPU units, the range supported on EC2 (API: RegisterTaskDefinition.cpu); for bigger tasks set cpu on the containers instead"),
            );
        }
    }
    if task_memory == Some(0) {
        o.error_field(cx, "memory", "task memory must be greater than 0");
    }

    let containers = containers(cx, &o, network_mode, task_memory, on_ec2);
    let start_order = match &containers {
        Some(list) => start_order(cx, &o.at("containerDefinitions"), list),
        None => None,
    };

    if let Some(list) = &containers {
        // API: ContainerDefinition.memory — "The total amount of memory reserved for all
        // containers within a task must be lower than the task memory value, if one is
        // specified." RULE: equal is accepted, as ECS does.
        if let Some(task_memory) = task_memory {
            let reserved: u64 = list
                .iter()
                .map(|c| c.memory_reservation_mib.or(c.memory_mib).unwrap_or(0) as u64)
                .sum();
            if reserved > task_memory as u64 {
                o.error_field(cx, "memory", format!("the containers reserve {reserved} MiB, more than the task memory {task_memory} MiB (API: ContainerDefinition.memory); raise the task memory or lower the containers'"),
                );
            }
        }
        // API: ContainerDefinition.cpu — "the total amount of CPU reserved for all containers
        // within a task be lower than the task-level cpu value". RULE: equal is accepted.
        if let Some(task_cpu) = task_cpu {
            let reserved: u64 = list.iter().map(|c| c.cpu.unwrap_or(0) as u64).sum();
            if reserved > task_cpu as u64 {
                o.error_field(cx, "cpu", format!("the containers reserve {reserved} CPU units, more than the task cpu {task_cpu} (API: ContainerDefinition.cpu); raise the task cpu or lower the containers'"),
                );
            }
        }
    }

    // A field in error is not checked against the others again: its default would be.
    if on_fargate && !cx.has_error_at(&o.at("requiresCompatibilities")) {
        // API: networkMode — "For Amazon ECS tasks on Fargate, the awsvpc network mode is
        // required."
        if network_mode != NetworkMode::Awsvpc && !cx.has_error_at(&o.at("networkMode")) {
            cx.error(
                &o.at("networkMode"),
                "requiresCompatibilities FARGATE needs \"networkMode\": \"awsvpc\" (API: \"For Amazon ECS tasks on Fargate, the awsvpc network mode is required.\")",
            );
        }
        match (task_cpu, task_memory) {
            (Some(cpu), Some(memory)) if !fargate_size_is_valid(cpu, memory) => cx.error(
                &o.at("cpu"),
                format!("cpu {cpu} with memory {memory} MiB is not a Fargate task size (API ClientException: \"Invalid 'cpu' setting for task.\"); see RegisterTaskDefinition.cpu for the valid pairs"),
            ),
            (Some(_), Some(_)) => {}
            _ if cx.has_error_at(&o.at("cpu")) || cx.has_error_at(&o.at("memory")) => {}
            _ => cx.error(
                &o.path,
                "requiresCompatibilities FARGATE needs task-level cpu and memory, e.g. \"cpu\": \"256\", \"memory\": \"512\" (API: RegisterTaskDefinition.cpu)",
            ),
        }
    }

    let placement_constraints = match o.get("placementConstraints") {
        Some(v) => constraints(
            cx,
            v,
            &o.at("placementConstraints"),
            ConstraintSite::TaskDefinition,
        ),
        None => Vec::new(),
    };
    let constraint_count = o
        .get("placementConstraints")
        .and_then(Value::as_array)
        .map(Vec::len)
        .unwrap_or(0);

    let simulation = match &simulation {
        Some((v, p)) => task_simulation(cx, v, p),
        None => TaskSimulation::default(),
    };

    let family = family?;
    // Registered for later references even when this request has other errors, so that one
    // mistake does not cascade into "unknown task definition" everywhere.
    refs.register(
        family,
        Revision {
            active: true,
            constraints: constraint_count,
            network_mode,
            containers: containers
                .as_ref()
                .map(|l| l.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default(),
            compatibilities: compatibilities.clone(),
            task_cpu,
            task_memory_mib: task_memory,
            complete: cx.error_count() == errors,
        },
    );
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::RegisterTaskDefinition(Box::new(TaskDefinition {
        // Assigned by the engine at registration.
        id: TaskDefId(0),
        family: family.to_string(),
        revision: 0,
        arn: String::new(),
        status: TaskDefStatus::Active,
        containers: containers?,
        container_start_order: start_order?,
        cpu: task_cpu,
        memory_mib: task_memory,
        network_mode,
        requires_compatibilities: compatibilities,
        placement_constraints,
        simulation,
        registered_at: SimTime(0),
    })))
}

/// Task-level `cpu` or `memory`: a string per the API (RULE: a JSON number is refused with a
/// hint, as the AWS CLI refuses it).
fn task_size(
    cx: &mut Cx,
    o: &Obj<'_>,
    name: &str,
    parse: fn(&str) -> Option<u32>,
    expected: &str,
) -> Option<u32> {
    let v = o.get(name)?;
    let Some(s) = v.as_str() else {
        let hint = if v.is_number() {
            format!("; write it as a string, e.g. \"{name}\": \"{v}\"")
        } else {
            String::new()
        };
        cx.error_value(&o.at(name), v, format!("expected a string with {expected} (API: RegisterTaskDefinition.{name} is a String){hint}"));
        return None;
    };
    let parsed = parse(s);
    if parsed.is_none() {
        cx.error_value(&o.at(name), v, format!("expected {expected}"));
    }
    parsed
}

/// Every container definition, or None if any is invalid.
fn containers(
    cx: &mut Cx,
    o: &Obj<'_>,
    network_mode: NetworkMode,
    task_memory: Option<u32>,
    on_ec2: bool,
) -> Option<Vec<ContainerDefinition>> {
    let Some(v) = o.get("containerDefinitions") else {
        o.missing(cx, "containerDefinitions", "at least one container, e.g. [{\"name\": \"app\", \"image\": \"nginx\", \"memory\": 512}]");
        return None;
    };
    let path = o.at("containerDefinitions");
    let items = as_array(cx, v, &path)?;
    if items.is_empty() {
        cx.error_value(&path, v, "a task definition needs at least one container");
        return None;
    }
    let errors = cx.error_count();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(c) = container(cx, item, &path.index(i), network_mode, task_memory, on_ec2) {
            out.push(c);
        }
    }
    if cx.error_count() > errors {
        return None;
    }
    // Container names are unique within a task definition.
    for (i, c) in out.iter().enumerate() {
        if out[..i].iter().any(|d| d.name == c.name) {
            cx.error(
                &path.index(i).key("name"),
                format!("duplicate container name '{}'; container names must be unique within a task definition", c.name),
            );
        }
    }
    // A host port serves one container at a time (DG: "only one container can use a single host
    // port at a time"), so a task that maps one twice could never be placed anywhere. Ours: an
    // input error rather than a task that fails on every instance.
    let mut statics: Vec<(u16, Protocol, usize, usize)> = Vec::new();
    for (i, c) in out.iter().enumerate() {
        for (k, m) in c.port_mappings.iter().enumerate() {
            let fixed = network_mode
                .binds_host_ports()
                .then(|| m.static_host_port(network_mode))
                .flatten();
            let Some(port) = fixed else {
                continue;
            };
            if let Some(&(_, _, j, _)) = statics
                .iter()
                .find(|&&(p, proto, _, _)| p == port && proto == m.protocol)
            {
                cx.error(
                    &path.index(i).key("portMappings").index(k),
                    format!(
                        "host port {port}/{} is already mapped by container '{}'; a host port can serve only one container of a task",
                        if m.protocol == Protocol::Udp { "udp" } else { "tcp" },
                        out[j].name
                    ),
                );
            } else {
                statics.push((port, m.protocol, i, k));
            }
        }
    }
    // API: ContainerDefinition.essential — "All tasks must have at least one essential
    // container."
    if !out.iter().any(|c| c.essential) {
        cx.error(&path, "at least one container must be essential (API: \"All tasks must have at least one essential container.\"); set \"essential\": true on one");
    }
    // API: ContainerDependency — dependencies name containers of this task definition; COMPLETE
    // and SUCCESS "can't be set on an essential container"; HEALTHY "requires that the dependent
    // container has health checks configured".
    for (i, c) in out.iter().enumerate() {
        for (j, (target, condition)) in c.depends_on.iter().enumerate() {
            let p = path.index(i).key("dependsOn").index(j);
            let Some(t) = out.iter().find(|d| &d.name == target) else {
                let names: Vec<&str> = out.iter().map(|d| d.name.as_str()).collect();
                cx.error(
                    &p.key("containerName"),
                    unknown_message("container", target, &names),
                );
                continue;
            };
            match condition {
                DependencyCondition::Complete | DependencyCondition::Success if t.essential => cx.error(
                    &p.key("condition"),
                    format!("container '{target}' is essential, and COMPLETE and SUCCESS can't be set on an essential container (API: ContainerDependency.condition); use START or HEALTHY, or make '{target}' non-essential"),
                ),
                DependencyCondition::Healthy if t.health_check.is_none() => cx.error(
                    &p.key("condition"),
                    format!("the HEALTHY condition requires that container '{target}' has a healthCheck (API: ContainerDependency.condition)"),
                ),
                _ => {}
            }
        }
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(out)
}

fn container(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    network_mode: NetworkMode,
    task_memory: Option<u32>,
    on_ec2: bool,
) -> Option<ContainerDefinition> {
    let c = object_in(
        cx,
        value,
        path,
        "a container definition",
        "ContainerDefinition",
        &CONTAINER_FIELDS,
    )?;
    let errors = cx.error_count();
    // API: ContainerDefinition.name — "Up to 255 letters (uppercase and lowercase), numbers,
    // underscores, and hyphens are allowed."
    let name = c.req_str(cx, "name", "the container's name, e.g. \"name\": \"app\"");
    if let Some(n) = name {
        if !is_name(n, 255) {
            c.error_field(cx, "name", "expected up to 255 letters, numbers, underscores and hyphens (API: ContainerDefinition.name)");
        }
    }
    let image = c.req_str(
        cx,
        "image",
        "the container image, e.g. \"image\": \"nginx:1.27\"",
    );
    if image == Some("") {
        cx.error(
            &c.at("image"),
            "expected a container image, not an empty string",
        );
    }
    let cpu = c.u32(cx, "cpu");
    let memory = c
        .int(
            cx,
            "memory",
            1,
            u32::MAX as i64,
            Some("expected a positive number of MiB"),
        )
        .map(|m| m as u32);
    let memory_reservation = c
        .int(
            cx,
            "memoryReservation",
            1,
            u32::MAX as i64,
            Some("expected a positive number of MiB"),
        )
        .map(|m| m as u32);
    let label = name.unwrap_or("?");
    // API: ContainerDefinition.memory — "If using the EC2 launch type, you must specify either a
    // task-level memory value or a container-level memory value."
    if on_ec2 && task_memory.is_none() && !c.has("memory") && !c.has("memoryReservation") {
        cx.error(
            path,
            format!("invalid setting for container '{label}': at least one of 'memory' or 'memoryReservation' must be specified when the task has no task-level memory (API: ContainerDefinition.memory)"),
        );
    }
    // API: "If you specify both, memory must be greater than memoryReservation."
    if let (Some(m), Some(r)) = (memory, memory_reservation) {
        if m <= r {
            c.error_field(cx, "memoryReservation", format!("memoryReservation must be less than memory ({m} MiB): \"If you specify both, memory must be greater than memoryReservation.\" (API: ContainerDefinition.memoryReservation)"),
            );
        }
    }
    let essential = c.bool(cx, "essential").unwrap_or(true);
    let port_mappings = match c.get("portMappings") {
        Some(v) => port_mappings(cx, v, &c.at("portMappings"), network_mode),
        None => Vec::new(),
    };
    let gpus = match c.get("resourceRequirements") {
        Some(v) => gpu_requirements(cx, v, &c.at("resourceRequirements")).unwrap_or(0),
        None => 0,
    };
    let depends_on = match c.get("dependsOn") {
        Some(v) => dependencies(cx, v, &c.at("dependsOn")),
        None => Vec::new(),
    };
    let health_check = match c.get("healthCheck") {
        Some(v) => health_check(cx, v, &c.at("healthCheck")),
        None => None,
    };
    // API: ContainerDefinition.stopTimeout — "The valid values are 2-120 seconds."
    let stop_timeout_s = c
        .int(
            cx,
            "stopTimeout",
            2,
            120,
            Some("expected from 2 to 120 seconds (API: ContainerDefinition.stopTimeout)"),
        )
        .map(|s| s as u32);
    if cx.error_count() > errors {
        return None;
    }
    Some(ContainerDefinition {
        name: name?.to_string(),
        image: image?.to_string(),
        cpu,
        memory_mib: memory,
        memory_reservation_mib: memory_reservation,
        port_mappings,
        gpus,
        essential,
        depends_on,
        health_check,
        stop_timeout_s,
    })
}

/// API: PortMapping — containerPort, hostPort and protocol are used; appProtocol and name only
/// matter to Service Connect and are ignored.
fn port_mappings(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    network_mode: NetworkMode,
) -> Vec<PortMapping> {
    let Some(items) = as_array(cx, value, path) else {
        return Vec::new();
    };
    if network_mode == NetworkMode::None && !items.is_empty() {
        // API: ContainerDefinition.portMappings — "If the network mode of a task definition is
        // set to none, then you can't specify port mappings."
        cx.error(path, "a task definition with networkMode none can't have port mappings (API: ContainerDefinition.portMappings)");
        return Vec::new();
    }
    let mut out: Vec<PortMapping> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(m) = object_in(
            cx,
            item,
            &p,
            "a port mapping {\"containerPort\": ..., \"hostPort\": ..., \"protocol\": ...}",
            "PortMapping",
            &[
                ("containerPort", Used),
                ("containerPortRange", Used),
                ("hostPort", Used),
                ("protocol", Used),
            ],
        ) else {
            continue;
        };
        if m.has("containerPortRange") {
            cx.error_key(
                &m.at("containerPortRange"),
                "containerPortRange is not simulated by this version of ecsim; list each port as its own port mapping",
            );
            continue;
        }
        let port = |cx: &mut Cx, name: &str| -> Option<u16> {
            m.int(
                cx,
                name,
                0,
                65535,
                Some("expected a port number from 0 to 65535"),
            )
            .map(|v| v as u16)
        };
        let container_port = port(cx, "containerPort");
        let host_port = port(cx, "hostPort");
        if !m.has("containerPort") {
            m.missing(
                cx,
                "containerPort",
                "the port the container listens on, e.g. \"containerPort\": 80",
            );
            continue;
        }
        let protocol = match m.str(cx, "protocol") {
            None | Some("tcp") => Protocol::Tcp,
            Some("udp") => Protocol::Udp,
            Some(_) => {
                m.error_field(
                    cx,
                    "protocol",
                    "expected tcp or udp (API: PortMapping.protocol)",
                );
                continue;
            }
        };
        let (Some(container_port), host_port) = (container_port, host_port) else {
            continue;
        };
        // API: PortMapping — for awsvpc and host network modes "The hostPort can be left blank
        // or it must be the same value as the containerPort."
        if matches!(network_mode, NetworkMode::Host | NetworkMode::Awsvpc) {
            if let Some(h) = host_port {
                if h != container_port {
                    m.error_field(cx, "hostPort", format!("in {} network mode hostPort must be left out or equal containerPort ({container_port}) (API: PortMapping.hostPort)", network_mode.as_str()),
                    );
                }
            }
        }
        // API: PortMapping — "You can't expose the same container port for multiple protocols."
        if out
            .iter()
            .any(|o| o.container_port == Some(container_port) && o.protocol != protocol)
        {
            cx.error(
                &p,
                format!("container port {container_port} is exposed for both tcp and udp; \"You can't expose the same container port for multiple protocols.\" (API: PortMapping)"),
            );
        }
        out.push(PortMapping {
            container_port: Some(container_port),
            host_port,
            protocol,
        });
    }
    out
}

/// API: ResourceRequirement — GPU counts; InferenceAccelerator is accepted and ignored. None when
/// the list names no GPUs.
pub(crate) fn gpu_requirements(cx: &mut Cx, value: &Value, path: &Path) -> Option<u32> {
    let items = as_array(cx, value, path)?;
    let mut gpus: Option<u32> = None;
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(r) = object_in(
            cx,
            item,
            &p,
            "a resource requirement {\"type\": \"GPU\", \"value\": \"1\"}",
            "ResourceRequirement",
            &[("type", Used), ("value", Used)],
        ) else {
            continue;
        };
        let kind = r.req_str(cx, "type", "GPU or InferenceAccelerator");
        let value = r.req_str(
            cx,
            "value",
            "for GPU, the number of GPUs as a string, e.g. \"1\"",
        );
        match kind {
            Some("GPU") => {
                if gpus.is_some() {
                    cx.error(
                        &p,
                        "the GPU requirement is listed twice; give the container's GPU count once",
                    );
                    continue;
                }
                match value.map(|v| (v, v.parse::<u32>())) {
                    Some((v, Ok(n))) if n >= 1 && !v.starts_with('+') => gpus = Some(n),
                    Some(_) => r.error_field(
                        cx,
                        "value",
                        "expected the number of GPUs as a string, e.g. \"1\"",
                    ),
                    None => {}
                }
            }
            Some("InferenceAccelerator") => cx.ignore(&p),
            Some(other) => r.error_field(
                cx,
                "type",
                unknown_message("resource type", other, &["GPU", "InferenceAccelerator"]),
            ),
            None => {}
        }
    }
    gpus
}

/// API: ContainerDependency.
fn dependencies(cx: &mut Cx, value: &Value, path: &Path) -> Vec<(String, DependencyCondition)> {
    let Some(items) = as_array(cx, value, path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(d) = object(
            cx,
            item,
            &path.index(i),
            "a dependency {\"containerName\": ..., \"condition\": ...}",
            &[("condition", Used), ("containerName", Used)],
        ) else {
            continue;
        };
        let name = d.req_str(cx, "containerName", "the container this one waits for");
        let condition = match d.req_str(cx, "condition", "START, COMPLETE, SUCCESS or HEALTHY") {
            Some("START") => Some(DependencyCondition::Start),
            Some("COMPLETE") => Some(DependencyCondition::Complete),
            Some("SUCCESS") => Some(DependencyCondition::Success),
            Some("HEALTHY") => Some(DependencyCondition::Healthy),
            Some(other) => {
                d.error_field(
                    cx,
                    "condition",
                    unknown_message(
                        "dependency condition",
                        other,
                        &["START", "COMPLETE", "SUCCESS", "HEALTHY"],
                    ),
                );
                None
            }
            None => None,
        };
        if let (Some(n), Some(c)) = (name, condition) {
            out.push((n.to_string(), c));
        }
    }
    out
}

/// API: HealthCheck, with its documented defaults and ranges (seconds).
fn health_check(cx: &mut Cx, value: &Value, path: &Path) -> Option<HealthCheck> {
    let h = object_in(
        cx,
        value,
        path,
        "a health check {\"command\": [\"CMD-SHELL\", ...], ...}",
        "HealthCheck",
        &[
            // Required by the API but never run by the simulator.
            ("command", Field::Checked),
            ("interval", Used),
            ("retries", Used),
            ("startPeriod", Used),
            ("timeout", Used),
        ],
    )?;
    match h.strings(cx, "command") {
        // API: HealthCheck.command — "The string array must start with CMD to run the command
        // arguments directly, or CMD-SHELL to run the command with the container's default shell."
        Some(cmd) if matches!(cmd.first(), Some(&"CMD") | Some(&"CMD-SHELL")) => {}
        Some(_) => h.error_field(cx, "command", "the command must start with CMD or CMD-SHELL (API: HealthCheck.command), e.g. [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]",
        ),
        None if !h.has("command") => h.missing(cx, "command", "e.g. [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"] (API: HealthCheck.command)"),
        None => {}
    }
    let interval = h.int(
        cx,
        "interval",
        5,
        300,
        Some("expected from 5 to 300 seconds (API: HealthCheck.interval)"),
    );
    let timeout = h.int(
        cx,
        "timeout",
        2,
        60,
        Some("expected from 2 to 60 seconds (API: HealthCheck.timeout)"),
    );
    let retries = h.int(
        cx,
        "retries",
        1,
        10,
        Some("expected from 1 to 10 retries (API: HealthCheck.retries)"),
    );
    let start_period = h.int(
        cx,
        "startPeriod",
        0,
        300,
        Some("expected from 0 to 300 seconds (API: HealthCheck.startPeriod)"),
    );
    Some(HealthCheck {
        interval_s: interval.unwrap_or(30) as u32,
        timeout_s: timeout.unwrap_or(5) as u32,
        retries: retries.unwrap_or(3) as u32,
        start_period_s: start_period.unwrap_or(0) as u32,
    })
}

/// The containers in start order: dependencies first, and among containers whose dependencies
/// have all started, definition order. A dependsOn cycle is an input error naming it.
fn start_order(cx: &mut Cx, path: &Path, containers: &[ContainerDefinition]) -> Option<Vec<usize>> {
    let index_of = |name: &str| containers.iter().position(|c| c.name == name);
    // GraphMap keeps nodes and edges in insertion order; the fixed hasher only makes lookups
    // independent of any random state.
    let mut graph: DiGraphMap<usize, (), BuildHasherDefault<DefaultHasher>> = DiGraphMap::default();
    for i in 0..containers.len() {
        graph.add_node(i);
    }
    for (i, c) in containers.iter().enumerate() {
        for (dep, _) in &c.depends_on {
            if let Some(d) = index_of(dep) {
                // Edge dependency → dependent: the dependency starts first.
                graph.add_edge(d, i, ());
            }
        }
    }
    if toposort(&graph, None).is_err() {
        // Name the cycle: from the first container of a cyclic component, follow its first
        // dependency that stays in the component until a container repeats.
        let component = tarjan_scc(&graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
            .min_by_key(|scc| scc.iter().min().copied())?;
        let members: BTreeSet<usize> = component.into_iter().collect();
        let first = *members.iter().next()?;
        let mut walk = vec![first];
        loop {
            let current = *walk.last()?;
            let next = containers[current]
                .depends_on
                .iter()
                .filter_map(|(d, _)| index_of(d))
                .find(|d| members.contains(d))?;
            if let Some(at) = walk.iter().position(|&w| w == next) {
                let mut cycle: Vec<&str> = walk[at..]
                    .iter()
                    .map(|&w| containers[w].name.as_str())
                    .collect();
                cycle.push(&containers[next].name);
                cx.error(
                    &path.index(walk[at]).key("dependsOn"),
                    format!(
                        "dependsOn forms a cycle: {} (each depends on the next); a container can't wait for itself, remove one of these dependencies",
                        cycle.join(" → ")
                    ),
                );
                return None;
            }
            walk.push(next);
        }
    }
    // Kahn's algorithm, always taking the ready container defined first.
    let mut waiting: Vec<usize> = containers
        .iter()
        .map(|c| {
            c.depends_on
                .iter()
                .filter(|(d, _)| index_of(d).is_some())
                .count()
        })
        .collect();
    let mut ready: BTreeSet<usize> = (0..containers.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(containers.len());
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for (j, c) in containers.iter().enumerate() {
            let edges = c
                .depends_on
                .iter()
                .filter(|(d, _)| index_of(d) == Some(i))
                .count();
            if edges > 0 {
                waiting[j] -= edges;
                if waiting[j] == 0 {
                    ready.insert(j);
                }
            }
        }
    }
    Some(order)
}

/// API: DeregisterTaskDefinition — `family:revision` or ARN; "You must specify a revision."
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
        "the DeregisterTaskDefinition request",
        "DeregisterTaskDefinitionRequest",
        &[("taskDefinition", Used)],
    )?;
    let text = o.req_str(
        cx,
        "taskDefinition",
        "family:revision or a task definition ARN",
    )?;
    let value = o.get("taskDefinition")?;
    let (family, revision, _) =
        refs.task_definition(cx, &o.at("taskDefinition"), value, text, true)??;
    refs.deregister(&family, revision);
    Some(Action::DeregisterTaskDefinition {
        task_definition: format!("{family}:{revision}"),
    })
}

/// Reads a `taskDefinition` reference of a request.
pub(crate) fn reference_value<'v>(cx: &mut Cx, o: &Obj<'v>) -> Option<(&'v Value, &'v str)> {
    let text = o.req_str(
        cx,
        "taskDefinition",
        "family, family:revision or a task definition ARN",
    )?;
    Some((o.get("taskDefinition")?, text))
}

/// The members a RegisterTaskDefinition request may have, and those of a container definition in
/// it: what `ecsim import` keeps of a DescribeTaskDefinition response (the same field tables the
/// loader reads, so the two cannot disagree).
pub fn request_members() -> (Vec<&'static str>, Vec<&'static str>) {
    (
        TASK_DEFINITION_FIELDS.iter().map(|(n, _)| *n).collect(),
        CONTAINER_FIELDS.iter().map(|(n, _)| *n).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_sizes() {
        assert_eq!(parse_cpu("256"), Some(256));
        assert_eq!(parse_cpu("1 vCPU"), Some(1024));
        assert_eq!(parse_cpu("1 vcpu"), Some(1024));
        assert_eq!(parse_cpu("0.25 vCPU"), Some(256));
        assert_eq!(parse_cpu(".5 vCPU"), None);
        assert_eq!(parse_cpu("2vCPU"), Some(2048));
        assert_eq!(parse_cpu("1.5"), None);
        assert_eq!(parse_cpu("vCPU"), None);
        assert_eq!(parse_cpu("-1"), None);
        assert_eq!(parse_memory("0.5 GB"), Some(512));
        assert_eq!(parse_memory("1GB"), Some(1024));
        assert_eq!(parse_memory("1024"), Some(1024));
        assert_eq!(parse_memory("0.3 GB"), None);
        assert_eq!(parse_memory("99999999999999 GB"), None);
        assert_eq!(parse_memory("1 TB"), None);
    }
}
