//! RunTask, StartTask and StopTask.

use super::container_instance::non_empty;
use super::launch::{
    check_ec2_compatible, check_fargate_placement, check_fargate_task_definition, launch, network,
};
use super::task_definition::{gpu_requirements, parse_cpu, parse_memory, reference_value};
use super::{check_refs, cluster_ref, instance_list, IdKind};
use crate::cx::{as_array, object, object_in, Cx, Field, Obj};
use crate::path::Path;
use crate::placement::{constraints, strategies, ConstraintSite, CONSTRAINTS_MAX};
use crate::refs::{Refs, Revision, Runs};
use crate::simulation::task_simulation;
use ecsim_engine::{Action, RunTask, StartTask};
use ecsim_model::task_definition::{ContainerOverride, TaskOverride};
use ecsim_model::{NetworkMode, TaskSimulation};
use serde_json::Value;

use Field::{Checked, Used};

/// API: RunTask request parameters.
const RUN_TASK_FIELDS: [(&str, Field); 11] = [
    ("capacityProviderStrategy", Used),
    ("cluster", Used),
    ("count", Used),
    ("group", Used),
    ("launchType", Used),
    ("networkConfiguration", Used),
    ("overrides", Used),
    ("placementConstraints", Used),
    ("placementStrategy", Used),
    ("startedBy", Used),
    ("taskDefinition", Used),
];

/// API: StartTask request parameters.
const START_TASK_FIELDS: [(&str, Field); 7] = [
    ("cluster", Used),
    ("containerInstances", Used),
    ("group", Used),
    ("networkConfiguration", Checked),
    ("overrides", Used),
    ("startedBy", Used),
    ("taskDefinition", Used),
];

/// The resolved task definition of a request, when one revision applies.
pub(crate) struct Resolved {
    pub family: String,
    pub revision: u32,
    pub info: Revision,
}

impl Resolved {
    /// `family:revision`, for messages.
    pub(crate) fn label(&self) -> String {
        format!("{}:{}", self.family, self.revision)
    }
}

/// Resolves the request's `taskDefinition`; returns the lowered reference (`family` or
/// `family:revision`) and the revision it names now, if any.
pub(crate) fn task_definition(
    cx: &mut Cx,
    refs: &Refs,
    o: &Obj<'_>,
) -> (Option<String>, Option<Resolved>) {
    let Some((value, text)) = reference_value(cx, o) else {
        return (None, None);
    };
    let explicit = refs
        .split_task_definition(text)
        .map(|(f, r)| {
            r.map(|r| format!("{f}:{r}"))
                .unwrap_or_else(|| f.to_string())
        })
        .ok();
    match refs.task_definition(cx, &o.at("taskDefinition"), value, text, false) {
        // A revision registered with errors: nothing is checked against what is known of it.
        Some(Some((_, _, info))) if !info.complete => (explicit, None),
        Some(Some((family, revision, info))) => (
            explicit,
            Some(Resolved {
                family,
                revision,
                info: info.clone(),
            }),
        ),
        Some(None) => (explicit, None),
        None => (None, None),
    }
}

/// Checks, for StartTask (whose tasks run on the EC2 instances it names), that the resolved task
/// definition can run on EC2 instances, and that `networkConfiguration` is given exactly when it
/// uses awsvpc.
fn check_start_task_definition(cx: &mut Cx, o: &Obj<'_>, resolved: &Resolved) {
    check_ec2_compatible(cx, o, resolved);
    let awsvpc = resolved.info.network_mode == NetworkMode::Awsvpc;
    match (awsvpc, o.has("networkConfiguration")) {
        // API: StartTask.networkConfiguration — as RunTask's, "This parameter is required for
        // task definitions that use the awsvpc network mode ... and it isn't supported for other
        // network modes."
        (true, false) => o.missing(
            cx,
            "networkConfiguration",
            &format!(
                "task definition {} uses the awsvpc network mode, which requires it (API: RunTask.networkConfiguration); e.g. {{\"awsvpcConfiguration\": {{\"subnets\": [\"subnet-1\"]}}}}",
                resolved.label()
            ),
        ),
        (false, true) => cx.error_key(
            &o.at("networkConfiguration"),
            format!(
                "task definition {} uses the {} network mode, for which networkConfiguration isn't supported (API: RunTask.networkConfiguration); remove it",
                resolved.label(),
                resolved.info.network_mode.as_str()
            ),
        ),
        _ => {
            if let Some(v) = o.get("networkConfiguration") {
                if !v.is_object() {
                    cx.error_value(&o.at("networkConfiguration"), v, "expected an object like {\"awsvpcConfiguration\": {\"subnets\": [...]}}");
                }
            }
        }
    }
}

/// The placement constraints of a request plus those of its task definition: "You can specify up
/// to 10 constraints for each task (including constraints in the task definition and those
/// specified at runtime)." (API: RunTask / CreateService .placementConstraints).
pub(crate) fn constraint_total(
    cx: &mut Cx,
    o: &Obj<'_>,
    task_definition_constraints: usize,
    task_definition: &str,
    api: &str,
) {
    let Some(list) = o.get("placementConstraints").and_then(Value::as_array) else {
        return;
    };
    let total = task_definition_constraints + list.len();
    if total > CONSTRAINTS_MAX && list.len() <= CONSTRAINTS_MAX {
        cx.error(
            &o.at("placementConstraints"),
            format!(
                "{} constraints here plus {task_definition_constraints} in task definition {task_definition} make {total}; \"You can specify up to 10 constraints for each task (including constraints in the task definition and those specified at runtime).\" (API: {api}.placementConstraints)",
                list.len(),
            ),
        );
    }
}

/// `group` (API: "A task group name must be 255 or fewer characters", DG task-groups).
fn group(cx: &mut Cx, o: &Obj<'_>) -> Option<String> {
    let g = o.str(cx, "group")?;
    if g.is_empty() || g.chars().count() > 255 {
        cx.error_value(
            &o.at("group"),
            o.get("group")?,
            "expected a task group name of 1 to 255 characters",
        );
        return None;
    }
    Some(g.to_string())
}

/// `startedBy`: "Up to `max` letters (uppercase and lowercase), numbers, hyphens (-), and
/// underscores (_) are allowed." (API: RunTask.startedBy 128, StartTask.startedBy 36.)
fn started_by(cx: &mut Cx, o: &Obj<'_>, max: usize, api: &str) -> Option<String> {
    let s = o.str(cx, "startedBy")?;
    let ok = !s.is_empty()
        && s.chars().count() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        cx.error_value(
            &o.at("startedBy"),
            o.get("startedBy")?,
            format!("expected up to {max} letters, numbers, hyphens and underscores (API: {api}.startedBy)"),
        );
        return None;
    }
    Some(s.to_string())
}

/// API: overrides — "A total of 8192 characters are allowed for overrides. This limit includes
/// the JSON formatting characters of the override structure."
const OVERRIDES_MAX_CHARS: usize = 8192;

/// API: TaskOverride and ContainerOverride: cpu, memory and the containers' cpu, memory,
/// memoryReservation and GPU resourceRequirements are used; the rest is ignored.
fn overrides(cx: &mut Cx, o: &Obj<'_>, resolved: Option<&Resolved>) -> TaskOverride {
    let mut out = TaskOverride::default();
    let Some(value) = o.get("overrides") else {
        return out;
    };
    let path = o.at("overrides");
    let length = serde_json::to_string(value)
        .map(|s| s.chars().count())
        .unwrap_or(0);
    if length > OVERRIDES_MAX_CHARS {
        cx.error(
            &path,
            format!("the overrides are {length} characters of JSON; \"A total of 8192 characters are allowed for overrides.\" (API: RunTask.overrides)"),
        );
    }
    let Some(t) = object_in(
        cx,
        value,
        &path,
        "a task override",
        "TaskOverride",
        &[
            ("containerOverrides", Used),
            ("cpu", Used),
            ("memory", Used),
        ],
    ) else {
        return out;
    };
    let size =
        |cx: &mut Cx, name: &str, parse: fn(&str) -> Option<u32>, expected: &str| -> Option<u32> {
            let v = t.get(name)?;
            let parsed = v.as_str().and_then(parse);
            if parsed.is_none() {
                cx.error_value(
                    &t.at(name),
                    v,
                    format!("expected a string with {expected} (API: TaskOverride.{name})"),
                );
            }
            parsed
        };
    out.cpu = size(
        cx,
        "cpu",
        parse_cpu,
        "CPU units like \"1024\" or vCPUs like \"1 vCPU\"",
    );
    out.memory_mib = size(
        cx,
        "memory",
        parse_memory,
        "MiB like \"2048\" or GB like \"2 GB\"",
    );
    let Some(items) = t.get("containerOverrides") else {
        return out;
    };
    let Some(items) = as_array(cx, items, &t.at("containerOverrides")) else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let p = t.at("containerOverrides").index(i);
        let Some(c) = object_in(
            cx,
            item,
            &p,
            "a container override {\"name\": ..., ...}",
            "ContainerOverride",
            &[
                ("cpu", Used),
                ("memory", Used),
                ("memoryReservation", Used),
                ("name", Used),
                ("resourceRequirements", Used),
            ],
        ) else {
            continue;
        };
        // API: ContainerOverride — "An empty container override can be passed in ... If a
        // non-empty container override is specified, the name parameter must be included."
        if c.map.values().all(Value::is_null) {
            continue;
        }
        let Some(name) = c.req_str(cx, "name", "the name of the container to override") else {
            continue;
        };
        if let Some(r) = resolved {
            if !r.info.containers.is_empty() && !r.info.containers.iter().any(|n| n == name) {
                c.error_field(
                    cx,
                    "name",
                    format!(
                        "task definition {}:{} has no container '{name}'; its containers are {}",
                        r.family,
                        r.revision,
                        r.info.containers.join(", ")
                    ),
                );
            }
        }
        // API ContainerOverride.resourceRequirements: "The type and amount of a resource to
        // assign to a container, instead of the default value from the task definition. The only
        // supported resource is a GPU." The container's GPUs are the override's.
        let gpus = match c.get("resourceRequirements") {
            Some(v) => gpu_requirements(cx, v, &c.at("resourceRequirements")),
            None => None,
        };
        let mib = Some("expected a positive number of MiB");
        out.containers.push(ContainerOverride {
            name: name.to_string(),
            cpu: c.u32(cx, "cpu"),
            memory_mib: c
                .int(cx, "memory", 1, u32::MAX as i64, mib)
                .map(|v| v as u32),
            memory_reservation_mib: c
                .int(cx, "memoryReservation", 1, u32::MAX as i64, mib)
                .map(|v| v as u32),
            gpus,
        });
    }
    out
}

pub(crate) fn simulation_block(
    cx: &mut Cx,
    simulation: Option<(&Value, Path)>,
) -> Option<TaskSimulation> {
    simulation.map(|(v, p)| task_simulation(cx, v, &p))
}

/// API: RunTask.
pub(crate) fn run_task(
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
        "the RunTask request",
        "RunTaskRequest",
        &RUN_TASK_FIELDS,
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, false);
    let (task_definition, resolved) = task_definition(cx, refs, &o);
    // API: RunTask.count — "You can specify up to 10 tasks for each call."
    let count = o
        .int(cx, "count", 1, 10, Some("count must be from 1 to 10: \"You can specify up to 10 tasks for each call.\" (API: RunTask.count)"))
        .unwrap_or(1) as u32;
    let group = group(cx, &o);
    let started_by = started_by(cx, &o, 128, "RunTask");

    let launch = launch(cx, refs, &o, "RunTask");
    let overrides = overrides(cx, &o, resolved.as_ref());
    if let Some(r) = &resolved {
        match launch.runs {
            Runs::OnFargate => check_fargate_task_definition(
                cx,
                &o,
                &o.at("taskDefinition"),
                &r.label(),
                &r.info,
                (overrides.cpu, overrides.memory_mib),
            ),
            Runs::OnEc2 => check_ec2_compatible(cx, &o, r),
            Runs::Unknown => {}
        }
    }
    if launch.runs == Runs::OnFargate {
        check_fargate_placement(cx, &o);
    }
    let subnets = network(cx, &o, resolved.as_ref(), launch.runs, "RunTask", true);
    let placement_constraints = match o.get("placementConstraints") {
        Some(v) => constraints(
            cx,
            v,
            &o.at("placementConstraints"),
            ConstraintSite::Request,
        ),
        None => Vec::new(),
    };
    if let Some(r) = &resolved {
        constraint_total(cx, &o, r.info.constraints, &r.label(), "RunTask");
    }
    let placement_strategy = match o.get("placementStrategy") {
        Some(v) => strategies(cx, v, &o.at("placementStrategy")),
        None => Vec::new(),
    };
    let simulation = simulation_block(cx, simulation);
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::RunTask(RunTask {
        cluster: cluster?,
        task_definition: task_definition?,
        count,
        group,
        started_by: started_by.map(std::sync::Arc::from),
        launch_type: launch.launch_type,
        capacity_provider_strategy: launch.strategy,
        subnets,
        overrides,
        placement_constraints,
        placement_strategy,
        simulation,
    }))
}

/// API: StartTask.
pub(crate) fn start_task(
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
        "the StartTask request",
        "StartTaskRequest",
        &START_TASK_FIELDS,
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, false);
    let (task_definition, resolved) = task_definition(cx, refs, &o);
    if let Some(r) = &resolved {
        check_start_task_definition(cx, &o, r);
    }
    // API: StartTask.containerInstances — "You can specify up to 10 container instances."
    let container_instances = instance_list(
        cx,
        refs,
        &o,
        "containerInstances",
        10,
        "API: StartTask.containerInstances: \"You can specify up to 10 container instances.\"",
    );
    let group = group(cx, &o);
    let started_by = started_by(cx, &o, 36, "StartTask");
    let overrides = overrides(cx, &o, resolved.as_ref());
    let simulation = simulation_block(cx, simulation);
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::StartTask(StartTask {
        cluster: cluster?,
        task_definition: task_definition?,
        container_instances: container_instances?,
        group,
        started_by: started_by.map(std::sync::Arc::from),
        overrides,
        simulation,
    }))
}

/// API: StopTask. RULE: its `simulation` block takes only `"stopCode":
/// "EssentialContainerExited"`, which stops the task as its essential container crashing would
/// (the explicit action of a taskCrash fault, SPEC §12.1).
pub(crate) fn stop_task(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
    simulation: Option<(&Value, Path)>,
) -> Option<Action> {
    let mut crash = false;
    if let Some((value, sim_path)) = simulation {
        if let Some(o) = object(
            cx,
            value,
            &sim_path,
            "StopTask's simulation block {\"stopCode\": \"EssentialContainerExited\"}",
            &[("stopCode", Used)],
        ) {
            match o.str(cx, "stopCode") {
                Some("EssentialContainerExited") => crash = true,
                Some(_) => o.error_field(
                    cx,
                    "stopCode",
                    "expected \"EssentialContainerExited\" (the task stops as its essential container crashing would); without a simulation block StopTask stops it with UserInitiated",
                ),
                None if !o.has("stopCode") => o.missing(
                    cx,
                    "stopCode",
                    "\"stopCode\": \"EssentialContainerExited\"",
                ),
                None => {}
            }
        }
    }
    let o = object_in(
        cx,
        input,
        path,
        "the StopTask request",
        "StopTaskRequest",
        &[("cluster", Used), ("reason", Used), ("task", Used)],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let task = non_empty(cx, &o, "task", "the task id or ARN")
        .filter(|_| check_refs(cx, refs, &o, "task", IdKind::Task));
    let reason = o.str(cx, "reason").map(str::to_string);
    Some(Action::StopTask {
        cluster: cluster?,
        task: task?,
        reason: reason.map(std::sync::Arc::new),
        crash,
    })
}
