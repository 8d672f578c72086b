//! The query actions, which write their responses into `snapshots.jsonl`:
//! ListContainerInstances, DescribeContainerInstances, DescribeTasks and ListAttributes.

use super::{check_refs, cluster_ref, instance_list, IdKind};
use crate::cx::{object, object_in, unknown_message, Cx, Field, Obj};
use crate::path::Path;
use crate::placement::expression;
use crate::refs::Refs;
use ecsim_engine::{Action, Ec2Filter, Ec2FilterName};
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

/// The filter names of EC2 DescribeInstanceImageMetadata (seed 001), `tag:<key>` aside.
const IMAGE_METADATA_FILTERS: [&str; 10] = [
    "availability-zone",
    "instance-id",
    "image-allowed",
    "instance-state-name",
    "instance-type",
    "launch-time",
    "owner-alias",
    "owner-id",
    "tag-key",
    "zone-id",
];

/// The DescribeInstanceImageMetadata request: EC2's, so not in the ECS model.
pub(crate) const IMAGE_METADATA_FIELDS: [(&str, Field); 5] = [
    ("Filters", Used),
    ("InstanceIds", Used),
    ("MaxResults", Used),
    ("NextToken", Used),
    ("DryRun", Field::Ignored),
];

/// EC2 API: DescribeInstanceImageMetadata (SPEC §13.1), in EC2's own spelling (`Filters`,
/// `InstanceIds`, `MaxResults`, `NextToken`); `DryRun` is accepted and ignored.
pub(crate) fn describe_instance_image_metadata(
    cx: &mut Cx,
    _refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object(
        cx,
        input,
        path,
        "the DescribeInstanceImageMetadata request",
        &IMAGE_METADATA_FIELDS,
    )?;
    let errors = cx.error_count();
    let mut filters = Vec::new();
    if let Some(items) = o.array(cx, "Filters") {
        for (i, item) in items.iter().enumerate() {
            let p = o.at("Filters").index(i);
            let Some(f) = object(
                cx,
                item,
                &p,
                "a filter {\"Name\": ..., \"Values\": [...]}",
                &[("Name", Used), ("Values", Used)],
            ) else {
                continue;
            };
            let name = f.req_str(cx, "Name", "e.g. \"Name\": \"instance-type\"");
            let name = name.and_then(|n| match n {
                "availability-zone" => Some(Ec2FilterName::AvailabilityZone),
                "instance-id" => Some(Ec2FilterName::InstanceId),
                "image-allowed" => Some(Ec2FilterName::ImageAllowed),
                "instance-state-name" => Some(Ec2FilterName::InstanceStateName),
                "instance-type" => Some(Ec2FilterName::InstanceType),
                "launch-time" => Some(Ec2FilterName::LaunchTime),
                "owner-alias" => Some(Ec2FilterName::OwnerAlias),
                "owner-id" => Some(Ec2FilterName::OwnerId),
                "tag-key" => Some(Ec2FilterName::TagKey),
                "zone-id" => Some(Ec2FilterName::ZoneId),
                _ => match n.strip_prefix("tag:") {
                    Some(key) if !key.is_empty() => Some(Ec2FilterName::Tag(key.to_string())),
                    _ => {
                        // EC2 API: InvalidParameterValue, "the filter 'x' is invalid".
                        let mut known = IMAGE_METADATA_FILTERS.to_vec();
                        known.push("tag:<key>");
                        f.error_field(
                            cx,
                            "Name",
                            format!(
                                "the filter '{n}' is invalid (EC2: InvalidParameterValue); {}",
                                unknown_message("filter", n, &known)
                            ),
                        );
                        None
                    }
                },
            });
            let values = if f.has("Values") {
                f.strings(cx, "Values")
            } else {
                f.missing(
                    cx,
                    "Values",
                    "the values to match, e.g. \"Values\": [\"m5.large\"]",
                );
                None
            };
            if let Some(v) = &values {
                if v.is_empty() {
                    f.error_field(cx, "Values", "expected at least one value to match");
                }
            }
            if let (Some(name), Some(values)) = (name, values) {
                filters.push(Ec2Filter {
                    name,
                    values: values.into_iter().map(str::to_string).collect(),
                });
            }
        }
    }
    let instance_ids = o.strings(cx, "InstanceIds").unwrap_or_default();
    for (i, id) in instance_ids.iter().enumerate() {
        let ok = id
            .strip_prefix("i-")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if !ok {
            // EC2 API: InvalidInstanceID.Malformed.
            cx.error(
                &o.at("InstanceIds").index(i),
                format!("invalid id: \"{id}\" (EC2: InvalidInstanceID.Malformed); expected an instance id like i-0123456789abcdef0"),
            );
        }
    }
    // RULE (SPEC §13.1): MaxResults from 1 to 1000.
    let max_results = o
        .int(
            cx,
            "MaxResults",
            1,
            1000,
            Some("expected from 1 to 1000 (DescribeInstanceImageMetadata.MaxResults)"),
        )
        .map(|v| v as u32);
    let next_token = o.str(cx, "NextToken").map(str::to_string);
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::DescribeInstanceImageMetadata {
        filters,
        instance_ids: instance_ids.into_iter().map(str::to_string).collect(),
        max_results,
        next_token,
    })
}
