//! CreateCluster, DeleteCluster and UpdateClusterSettings (PutClusterCapacityProviders is with
//! the capacity providers, in [`super::capacity`]).

use super::capacity::cluster_capacity;
use super::cluster_ref;
use crate::cx::{as_str, object, object_in, unknown_message, Cx, Field, Obj};
use crate::path::Path;
use crate::refs::Refs;
use crate::simulation::cluster_simulation;
use ecsim_engine::capacity::FargateSpotSimulation;
use ecsim_engine::Action;
use serde_json::Value;

/// True for 1 to `max` letters, digits, underscores and hyphens (API: CreateCluster.clusterName,
/// RegisterTaskDefinition.family, ContainerDefinition.name).
pub(crate) fn is_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.chars().count() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// API: CreateCluster. `clusterName` defaults to `default`; `capacityProviders` and
/// `defaultCapacityProviderStrategy` as PutClusterCapacityProviders takes them (see
/// [`cluster_capacity`]); the action's `simulation` block holds Fargate Spot's capacity and
/// interruption rate in this cluster.
pub(crate) fn create_cluster(
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
        "the CreateCluster request",
        "CreateClusterRequest",
        &[
            ("capacityProviders", Field::Used),
            ("clusterName", Field::Used),
            ("defaultCapacityProviderStrategy", Field::Used),
            ("settings", Field::Checked),
        ],
    )?;
    let errors = cx.error_count();
    let fargate_spot = match &simulation {
        Some((v, p)) => cluster_simulation(cx, v, p),
        None => FargateSpotSimulation::default(),
    };
    if o.has("settings") {
        settings(cx, &o);
    }
    let name = match o.get("clusterName") {
        Some(_) => match o.str(cx, "clusterName") {
            Some(name) if is_name(name, 255) => Some(name),
            Some(_) => {
                o.error_field(cx, "clusterName", "expected up to 255 letters, numbers, underscores and hyphens (API: CreateCluster.clusterName)",
                );
                None
            }
            None => None,
        },
        None => Some("default"),
    };
    let (capacity_providers, default_strategy) =
        cluster_capacity(cx, refs, &o, name, false, "CreateCluster");
    let name = name?;
    // The cluster exists for later references even when this request has other errors, so that
    // one mistake does not cascade into an "unknown cluster" on every later action.
    refs.create_cluster(name);
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::CreateCluster(Box::new(
        ecsim_engine::CreateCluster {
            cluster_name: name.to_string(),
            capacity_providers: capacity_providers?,
            default_strategy: default_strategy?,
            fargate_spot,
        },
    )))
}

/// API: DeleteCluster. The cluster must exist; deregistering its instances first is the engine's
/// to check.
pub(crate) fn delete_cluster(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DeleteCluster request",
        "DeleteClusterRequest",
        &[("cluster", Field::Used)],
    )?;
    let cluster = cluster_ref(cx, refs, &o, true)?;
    refs.delete_cluster(&cluster);
    Some(Action::DeleteCluster { cluster })
}

/// API: UpdateClusterSettings — accepted and validated, no effect (SPEC §2).
pub(crate) fn update_cluster_settings(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the UpdateClusterSettings request",
        "UpdateClusterSettingsRequest",
        &[("cluster", Field::Used), ("settings", Field::Checked)],
    )?;
    let errors = cx.error_count();
    cluster_ref(cx, refs, &o, true);
    if o.has("settings") {
        settings(cx, &o);
    } else {
        o.missing(
            cx,
            "settings",
            "e.g. [{\"name\": \"containerInsights\", \"value\": \"enabled\"}]",
        );
    }
    (cx.error_count() == errors).then_some(Action::NoEffect)
}

/// API: ClusterSetting — name `containerInsights`, value `enabled` or `disabled`.
fn settings(cx: &mut Cx, o: &Obj<'_>) {
    let Some(items) = o.array(cx, "settings") else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let p = o.at("settings").index(i);
        let Some(s) = object(
            cx,
            item,
            &p,
            "a cluster setting {\"name\": \"containerInsights\", \"value\": ...}",
            &[("name", Field::Used), ("value", Field::Used)],
        ) else {
            continue;
        };
        if let Some(v) = s.get("name") {
            if let Some(name) = as_str(cx, v, &s.at("name")) {
                if name != "containerInsights" {
                    cx.error_value(
                        &s.at("name"),
                        v,
                        unknown_message("cluster setting", name, &["containerInsights"]),
                    );
                }
            }
        }
        if let Some(v) = s.get("value") {
            if let Some(value) = as_str(cx, v, &s.at("value")) {
                if value != "enabled" && value != "disabled" {
                    cx.error_value(
                        &s.at("value"),
                        v,
                        "expected enabled or disabled (API: ClusterSetting.value)",
                    );
                }
            }
        }
    }
}
