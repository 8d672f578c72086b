//! The query actions, which write their responses into `snapshots.jsonl`:
//! ListContainerInstances, DescribeContainerInstances, DescribeTasks and ListAttributes.

use super::{check_refs, cluster_ref, instance_list, IdKind};
use crate::cx::{object_in, Cx, Field, Obj};
use crate::path::Path;
use crate::placement::expression;
use crate::refs::Refs;
use ecsim_engine::Action;
use ecsim_model::InstanceStatus;
use serde_json::Value;

use Field::{Checked, Used};

/// `maxResults` — "This value can be between 1 and 100." (API: ListContainerInstances,
/// ListAttributes).
fn max_results(cx: &mut Cx, o: &Obj<'_>, api: &str) -> Option<u32> {
    let message = format!("expected from 1 to 100 (API: {api}.maxResults)");
    o.int(cx, "maxResults", 1, 100, Some(&message))
        .map(|v| v as u32)
}

/// API: ListContainerInstances.
pub(crate) fn list_container_instances(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the ListContainerInstances request",
        "ListContainerInstancesRequest",
        &[
            ("cluster", Used),
            ("filter", Used),
            ("maxResults", Used),
            ("nextToken", Used),
            ("status", Used),
        ],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let filter = o
        .get("filter")
        .and_then(|v| expression(cx, v, &o.at("filter"), None));
    let max_results = max_results(cx, &o, "ListContainerInstances");
    let next_token = o.str(cx, "nextToken").map(str::to_string);
    let status = match o.str(cx, "status") {
        None => None,
        Some("ACTIVE") => Some(InstanceStatus::Active),
        Some("DRAINING") => Some(InstanceStatus::Draining),
        Some(s @ ("REGISTERING" | "DEREGISTERING" | "Deregistering" | "REGISTRATION_FAILED")) => {
            // RULE: registration and deregistration are instantaneous in ecsim, so these statuses
            // are never observable; asking for them is refused rather than answered empty.
            o.error_field(cx, "status", format!("status {s} is never observable in ecsim, where instances register and deregister at once; use ACTIVE or DRAINING"),
            );
            None
        }
        Some(_) => {
            o.error_field(cx, "status", "expected ACTIVE, DRAINING, REGISTERING, DEREGISTERING or REGISTRATION_FAILED (API: ListContainerInstances.status)",
            );
            None
        }
    };
    Some(Action::ListContainerInstances {
        cluster: cluster?,
        filter,
        status,
        max_results,
        next_token,
    })
}

/// Checks an `include` list against its valid values; the field is then ignored.
pub(crate) fn include(cx: &mut Cx, o: &Obj<'_>, valid: &[&str], api: &str) {
    if let Some(list) = o.strings(cx, "include") {
        for (i, s) in list.iter().enumerate() {
            if !valid.contains(s) {
                cx.error(
                    &o.at("include").index(i),
                    format!("expected {} (API: {api}.include)", valid.join(" or ")),
                );
            }
        }
    }
}

/// API: DescribeContainerInstances.
pub(crate) fn describe_container_instances(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DescribeContainerInstances request",
        "DescribeContainerInstancesRequest",
        &[
            ("cluster", Used),
            ("containerInstances", Used),
            ("include", Checked),
        ],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    // API: "A list of up to 100 container instance IDs or full Amazon Resource Name (ARN) entries."
    let instances = instance_list(
        cx,
        refs,
        &o,
        "containerInstances",
        100,
        "API: DescribeContainerInstances.containerInstances",
    );
    include(
        cx,
        &o,
        &["TAGS", "CONTAINER_INSTANCE_HEALTH"],
        "DescribeContainerInstances",
    );
    Some(Action::DescribeContainerInstances {
        cluster: cluster?,
        container_instances: instances?,
    })
}

/// API: DescribeTasks.
pub(crate) fn describe_tasks(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DescribeTasks request",
        "DescribeTasksRequest",
        &[("cluster", Used), ("include", Checked), ("tasks", Used)],
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    include(cx, &o, &["TAGS"], "DescribeTasks");
    let tasks = if o.has("tasks") {
        o.strings(cx, "tasks").and_then(|list| {
            // API: DescribeTasks.tasks — "A list of up to 100 task IDs or full ARN entries."
            if list.is_empty() || list.len() > 100 {
                o.error_field(
                    cx,
                    "tasks",
                    "expected from 1 to 100 task ids or ARNs (API: DescribeTasks.tasks)",
                );
                None
            } else if check_refs(cx, refs, &o, "tasks", IdKind::Task) {
                Some(list.into_iter().map(str::to_string).collect())
            } else {
                None
            }
        })
    } else {
        o.missing(cx, "tasks", "a list of task ids or ARNs");
        None
    };
    Some(Action::DescribeTasks {
        cluster: cluster?,
        tasks: tasks?,
    })
}

/// API: ListAttributes. Only `container-instance` targets exist.
pub(crate) fn list_attributes(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the ListAttributes request",
        "ListAttributesRequest",
        &[
            ("attributeName", Used),
            ("attributeValue", Used),
            ("cluster", Used),
            // The engine's ListAttributes returns every match in one page.
            ("maxResults", Checked),
            ("nextToken", Checked),
            ("targetType", Used),
        ],
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, false);
    let attribute_name = o.str(cx, "attributeName").map(str::to_string);
    let attribute_value = o.str(cx, "attributeValue").map(str::to_string);
    if attribute_value.is_some() && !o.has("attributeName") {
        // API: ListAttributes.attributeValue — "You must also specify an attribute name to use
        // this parameter."
        cx.error_key(&o.at("attributeValue"), "attributeValue needs attributeName too (API: ListAttributes.attributeValue); add \"attributeName\"");
    }
    max_results(cx, &o, "ListAttributes");
    o.str(cx, "nextToken");
    match o.req_str(cx, "targetType", "\"targetType\": \"container-instance\"") {
        Some("container-instance") | None => {}
        Some(_) => o.error_field(
            cx,
            "targetType",
            "expected container-instance, the only target type (API: ListAttributes.targetType)",
        ),
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::ListAttributes {
        cluster: cluster?,
        attribute_name,
        attribute_value,
    })
}
