//! The simulator's own actions (SPEC §2): LaunchContainerInstances, TerminateContainerInstances,
//! DisconnectAgent, ReconnectAgent and Snapshot (the faults of capacity are in
//! [`super::faults`]).

use super::container_instance::plain_attributes;
use super::{check_refs, check_zone, cluster_ref, IdKind};
use crate::cx::{object, Cx, Field, Obj};
use crate::path::Path;
use crate::placement::expression;
use crate::refs::{ProviderName, Refs};
use crate::simulation::launch_simulation;
use ecsim_engine::{Action, InstanceSelector, LaunchContainerInstances};
use ecsim_model::Timings;
use serde_json::Value;

use Field::Used;

/// SPEC §3: "≤ 5000 instances per cluster" (DG service quotas: container instances per cluster).
const INSTANCES_MAX: i64 = 5000;

/// `containerInstances` or `filter` (CQL), exactly one of them.
fn selector(cx: &mut Cx, refs: &Refs, o: &Obj<'_>) -> Option<InstanceSelector> {
    match (o.get("containerInstances"), o.get("filter")) {
        (Some(_), Some(_)) => {
            cx.error_key(
                &o.at("filter"),
                "give containerInstances or filter, not both",
            );
            None
        }
        (None, None) => {
            cx.error(
                &o.path,
                "missing containerInstances or filter; give a list of instance ids or ARNs, or a cluster query language filter such as \"attribute:ecs.availability-zone == us-east-1a\"",
            );
            None
        }
        (Some(_), None) => {
            let list = o.strings(cx, "containerInstances")?;
            if list.is_empty() || list.iter().any(|s| s.is_empty()) {
                o.error_field(
                    cx,
                    "containerInstances",
                    "expected at least one container instance id or ARN (or EC2 instance id)",
                );
                return None;
            }
            if !check_refs(cx, refs, o, "containerInstances", IdKind::ContainerInstance) {
                return None;
            }
            Some(InstanceSelector::Ids(
                list.into_iter().map(str::to_string).collect(),
            ))
        }
        (None, Some(v)) => expression(cx, v, &o.at("filter"), None).map(InstanceSelector::Filter),
    }
}

/// The LaunchContainerInstances input (SPEC §2).
pub(crate) const LAUNCH_FIELDS: [(&str, Field); 8] = [
    ("attributes", Used),
    ("availabilityZones", Used),
    ("capacityProvider", Used),
    ("cluster", Used),
    ("count", Used),
    ("imageId", Used),
    ("instanceType", Used),
    ("tags", Used),
];

/// LaunchContainerInstances: EC2 instances of a catalog type boot and register after
/// `instanceLaunch`.
pub(crate) fn launch(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
    simulation: Option<(&Value, Path)>,
) -> Option<Action> {
    let o = object(
        cx,
        input,
        path,
        "the LaunchContainerInstances input",
        &LAUNCH_FIELDS,
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, false);
    let instance_type = o.req_str(
        cx,
        "instanceType",
        "an instance type, e.g. \"instanceType\": \"m5.large\"",
    );
    if let Some(t) = instance_type {
        refs.instance_type(
            cx,
            &o.at("instanceType"),
            o.get("instanceType").unwrap_or(&Value::Null),
            t,
        );
    }
    let count = o
        .int(
            cx,
            "count",
            1,
            INSTANCES_MAX,
            Some("expected from 1 to 5000 instances (SPEC: at most 5000 instances per cluster)"),
        )
        .unwrap_or(1) as u32;
    let mut availability_zones = Vec::new();
    if let Some(zones) = o.strings(cx, "availabilityZones") {
        for (i, zone) in zones.iter().enumerate() {
            if check_zone(cx, &refs.region, &o.at("availabilityZones").index(i), zone) {
                availability_zones.push(zone.to_string());
            }
        }
    }
    let attributes = match o.get("attributes") {
        Some(v) => plain_attributes(cx, v, &o.at("attributes")),
        None => Vec::new(),
    };
    let tags = match o.get("tags") {
        Some(v) => super::tags::ec2_tags(cx, v, &o.at("tags"), true),
        None => Vec::new(),
    };
    let image_id = o.str(cx, "imageId").and_then(|id| {
        refs.image_id(
            cx,
            &o.at("imageId"),
            o.get("imageId").unwrap_or(&Value::Null),
            id,
        )
    });
    // RULE: the instances join the group of an Auto Scaling group provider created earlier, as
    // EC2 Auto Scaling's attach-instances does (the group's desired capacity grows by `count`).
    let capacity_provider = match (o.get("capacityProvider"), o.str(cx, "capacityProvider")) {
        (Some(v), Some(text)) => refs
            .capacity_provider(cx, &o.at("capacityProvider"), v, text, ProviderName::Short)
            .and_then(|(name, kind)| {
                if kind.is_fargate() {
                    o.error_field(
                        cx,
                        "capacityProvider",
                        format!("capacity provider {name} runs tasks without container instances; name an Auto Scaling group provider, whose group the instances join"),
                    );
                    None
                } else {
                    Some(name)
                }
            }),
        _ => None,
    };
    let timings = match &simulation {
        Some((v, p)) => launch_simulation(cx, v, p),
        None => Timings::default(),
    };
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::LaunchContainerInstances(LaunchContainerInstances {
        cluster: cluster?,
        instance_type: instance_type?.to_string(),
        count,
        availability_zones,
        attributes,
        tags,
        image_id,
        capacity_provider,
        timings,
    }))
}

/// The TerminateContainerInstances input (SPEC §2).
pub(crate) const TERMINATE_FIELDS: [(&str, Field); 4] = [
    ("cluster", Used),
    ("containerInstances", Used),
    ("count", Used),
    ("filter", Used),
];

/// TerminateContainerInstances: the selected instances (at most `count` of them) vanish.
pub(crate) fn terminate(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object(
        cx,
        input,
        path,
        "the TerminateContainerInstances input",
        &TERMINATE_FIELDS,
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let selector = selector(cx, refs, &o);
    let count = o
        .int(
            cx,
            "count",
            1,
            INSTANCES_MAX,
            Some("expected from 1 to 5000 instances"),
        )
        .map(|c| c as u32);
    Some(Action::TerminateContainerInstances {
        cluster: cluster?,
        selector: selector?,
        count,
    })
}

/// The DisconnectAgent and ReconnectAgent input (SPEC §2).
pub(crate) const AGENT_FIELDS: [(&str, Field); 3] = [
    ("cluster", Used),
    ("containerInstances", Used),
    ("filter", Used),
];

/// DisconnectAgent / ReconnectAgent: `agentConnected` false / true.
pub(crate) fn agent(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
    connect: bool,
) -> Option<Action> {
    let what = if connect {
        "the ReconnectAgent input"
    } else {
        "the DisconnectAgent input"
    };
    let o = object(cx, input, path, what, &AGENT_FIELDS)?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let selector = selector(cx, refs, &o);
    let (cluster, selector) = (cluster?, selector?);
    Some(if connect {
        Action::ReconnectAgent { cluster, selector }
    } else {
        Action::DisconnectAgent { cluster, selector }
    })
}

/// The Snapshot input (SPEC §2).
pub(crate) const SNAPSHOT_FIELDS: [(&str, Field); 2] = [("cluster", Used), ("label", Used)];

/// The DrainContainerInstances input (SPEC §2).
pub(crate) const DRAIN_FIELDS: [(&str, Field); 3] = [
    ("cluster", Used),
    ("containerInstances", Used),
    ("filter", Used),
];

/// DrainContainerInstances (SPEC §2): the selected instances, by list or `filter`.
pub(crate) fn drain(cx: &mut Cx, refs: &mut Refs, input: &Value, path: &Path) -> Option<Action> {
    let o = object(
        cx,
        input,
        path,
        "the DrainContainerInstances input",
        &DRAIN_FIELDS,
    )?;
    let cluster = cluster_ref(cx, refs, &o, false);
    let selector = selector(cx, refs, &o);
    Some(Action::DrainContainerInstances {
        cluster: cluster?,
        selector: selector?,
    })
}

/// Snapshot: the state as Describe* would show it, of one cluster or of every cluster.
pub(crate) fn snapshot(cx: &mut Cx, refs: &mut Refs, input: &Value, path: &Path) -> Option<Action> {
    let o = object(cx, input, path, "the Snapshot input", &SNAPSHOT_FIELDS)?;
    let cluster = if o.has("cluster") {
        Some(cluster_ref(cx, refs, &o, true)?)
    } else {
        None
    };
    let label = o.str(cx, "label").map(str::to_string);
    Some(Action::Snapshot { label, cluster })
}
