//! The task set actions of the EXTERNAL deployment controller (SPEC §7): CreateTaskSet,
//! UpdateTaskSet, DeleteTaskSet and UpdateServicePrimaryTaskSet.
//!
//! A task set must be created by an earlier CreateTaskSet of its service; later actions name it
//! by its externalId (see [`Refs::task_set`]), also after a DeleteTaskSet, which the cluster may
//! refuse (the engine decides).

use super::cluster_ref;
use super::launch::{check_ec2_compatible, check_fargate_task_definition, launch, network};
use super::service::service_ref;
use super::task::task_definition;
use crate::cx::{object, object_in, Cx, Field, Obj};
use crate::path::Path;
use crate::refs::{Refs, Runs};
use ecsim_engine::service::DeploymentController;
use ecsim_engine::{Action, CreateTaskSet};
use serde_json::Value;

use Field::Used;

/// API: CreateTaskSet request parameters.
const CREATE_TASK_SET_FIELDS: [(&str, Field); 8] = [
    ("capacityProviderStrategy", Used),
    ("cluster", Used),
    ("externalId", Used),
    ("launchType", Used),
    ("networkConfiguration", Used),
    ("scale", Used),
    ("service", Used),
    ("taskDefinition", Used),
];

/// What the task set actions are for (API: CreateTaskSet, UpdateTaskSet, DeleteTaskSet,
/// UpdateServicePrimaryTaskSet).
const TASK_SETS_NEED_EXTERNAL: &str =
    "\"This is used when a service uses the EXTERNAL deployment controller type.\"";

/// API: Scale — `unit` PERCENT (the only unit) and `value` from 0 to 100. When `value` is
/// absent: 100 if `value_required` is false (RULE: a task set without a scale runs the service's
/// whole desired count), else an error.
fn scale(cx: &mut Cx, o: &Obj<'_>, value_required: bool) -> Option<f64> {
    let Some(v) = o.get("scale") else {
        return Some(100.0);
    };
    let s = object(
        cx,
        v,
        &o.at("scale"),
        "a scale {\"unit\": \"PERCENT\", \"value\": ...}",
        &[("unit", Used), ("value", Used)],
    )?;
    match s.str(cx, "unit") {
        None | Some("PERCENT") => {}
        Some(_) => s.error_field(
            cx,
            "unit",
            "expected PERCENT, the only unit (API: Scale.unit)",
        ),
    }
    if !s.has("value") {
        if value_required {
            s.missing(
                cx,
                "value",
                "the task set's share of the service's desiredCount, a percentage from 0 to 100",
            );
            return None;
        }
        return Some(100.0);
    }
    let value = s.number(cx, "value")?;
    if !(0.0..=100.0).contains(&value) {
        s.error_field(
            cx,
            "value",
            "expected a percentage from 0 to 100: \"Accepted values are numbers between 0 and 100.\" (API: Scale.value)",
        );
        return None;
    }
    Some(value)
}

/// The cluster (required) and the service (required; it must use the EXTERNAL deployment
/// controller) of a task set action.
fn task_set_service(
    cx: &mut Cx,
    refs: &Refs,
    o: &Obj<'_>,
    api: &str,
) -> (Option<String>, Option<String>) {
    let cluster = cluster_ref(cx, refs, o, true);
    let service = service_ref(cx, refs, o, "service", cluster.as_deref());
    match service {
        Some((name, s)) if s.controller != DeploymentController::External => {
            o.error_field(
                cx,
                "service",
                format!(
                    "service '{name}' uses the {} deployment controller, but task sets need the EXTERNAL one: {TASK_SETS_NEED_EXTERNAL} (API: {api}); create the service with \"deploymentController\": {{\"type\": \"EXTERNAL\"}}",
                    s.controller.as_str()
                ),
            );
            (cluster, None)
        }
        Some((name, _)) => (cluster, Some(name)),
        None => (cluster, None),
    }
}

/// The cluster, the EXTERNAL service and the task set (named in field `name`, required; resolved
/// to the index of the CreateTaskSet action that creates it) an UpdateTaskSet, DeleteTaskSet or
/// UpdateServicePrimaryTaskSet acts on.
fn task_set_target(
    cx: &mut Cx,
    refs: &Refs,
    o: &Obj<'_>,
    api: &str,
    name: &str,
) -> (Option<String>, Option<String>, Option<usize>) {
    let (cluster, service) = task_set_service(cx, refs, o, api);
    let task_set = (|| {
        let text = o.req_str(cx, name, "the task set's externalId or ARN")?;
        let (c, s) = (cluster.as_deref()?, service.as_deref()?);
        refs.task_set(cx, &o.at(name), o.get(name)?, text, c, s)
    })();
    (cluster, service, task_set)
}

/// API: CreateTaskSet. Later actions name the task set by its externalId (see
/// [`Refs::task_set`]).
pub(crate) fn create_task_set(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the CreateTaskSet request",
        "CreateTaskSetRequest",
        &CREATE_TASK_SET_FIELDS,
    )?;
    let errors = cx.error_count();
    let (cluster, service) = task_set_service(cx, refs, &o, "CreateTaskSet");
    let (task_definition, resolved) = task_definition(cx, refs, &o);
    let external_id = o.str(cx, "externalId");
    if external_id == Some("") {
        // RULE: later actions may name the task set by its externalId, so it can't be empty.
        o.error_field(cx, "externalId", "expected a non-empty externalId");
    }
    let launch = launch(cx, refs, &o, "CreateTaskSet");
    if let Some(r) = &resolved {
        match launch.runs {
            Runs::OnFargate => check_fargate_task_definition(
                cx,
                &o,
                &o.at("taskDefinition"),
                &r.label(),
                &r.info,
                (None, None),
            ),
            Runs::OnEc2 => check_ec2_compatible(cx, &o, r),
            Runs::Unknown => {}
        }
    }
    let subnets = network(
        cx,
        &o,
        resolved.as_ref(),
        launch.runs,
        "CreateTaskSet",
        false,
    );
    let scale_percent = scale(cx, &o, false);
    refs.create_task_set(cluster.as_deref(), service.as_deref(), external_id);
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::CreateTaskSet(Box::new(CreateTaskSet {
        cluster: cluster?,
        service: service?,
        task_definition: task_definition?,
        external_id: external_id.map(str::to_string),
        scale_percent: scale_percent?,
        launch_type: launch.launch_type,
        capacity_provider_strategy: launch.strategy,
        subnets,
    })))
}

/// API: UpdateTaskSet (`scale` required; RULE: its `value` too).
pub(crate) fn update_task_set(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the UpdateTaskSet request",
        "UpdateTaskSetRequest",
        &[
            ("cluster", Used),
            ("scale", Used),
            ("service", Used),
            ("taskSet", Used),
        ],
    )?;
    let errors = cx.error_count();
    let (cluster, service, task_set) = task_set_target(cx, refs, &o, "UpdateTaskSet", "taskSet");
    let scale_percent = if o.has("scale") {
        scale(cx, &o, true)
    } else {
        o.missing(cx, "scale", "e.g. {\"unit\": \"PERCENT\", \"value\": 50}");
        None
    };
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::UpdateTaskSet {
        cluster: cluster?,
        service: service?,
        task_set: task_set?,
        scale_percent: scale_percent?,
    })
}

/// API: DeleteTaskSet.
pub(crate) fn delete_task_set(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DeleteTaskSet request",
        "DeleteTaskSetRequest",
        &[
            ("cluster", Used),
            ("force", Used),
            ("service", Used),
            ("taskSet", Used),
        ],
    )?;
    let errors = cx.error_count();
    let (cluster, service, task_set) = task_set_target(cx, refs, &o, "DeleteTaskSet", "taskSet");
    let force = o.bool(cx, "force").unwrap_or(false);
    let (cluster, service, task_set) = (cluster?, service?, task_set?);
    refs.delete_task_set(&cluster, &service, task_set);
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::DeleteTaskSet {
        cluster,
        service,
        task_set,
        force,
    })
}

/// API: UpdateServicePrimaryTaskSet.
pub(crate) fn update_primary_task_set(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the UpdateServicePrimaryTaskSet request",
        "UpdateServicePrimaryTaskSetRequest",
        &[
            ("cluster", Used),
            ("primaryTaskSet", Used),
            ("service", Used),
        ],
    )?;
    let errors = cx.error_count();
    let (cluster, service, primary_task_set) = task_set_target(
        cx,
        refs,
        &o,
        "UpdateServicePrimaryTaskSet",
        "primaryTaskSet",
    );
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::UpdateServicePrimaryTaskSet {
        cluster: cluster?,
        service: service?,
        primary_task_set: primary_task_set?,
    })
}
