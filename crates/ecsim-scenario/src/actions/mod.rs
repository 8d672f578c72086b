//! The `actions` array: each action's envelope (`at`, `action`, `input`, `simulation`), then its
//! request lowered into the engine's [`Action`], replayed in (at, file index) order so that
//! references resolve against what earlier actions defined.

mod capacity;
mod cluster;
mod container_instance;
mod faults;
mod launch;
mod load_balancer;
mod query;
mod service;
mod simulator;
mod task;
mod task_definition;
mod task_set;

use crate::cx::{as_duration, object, unknown_message, Cx, Field};
use crate::path::Path;
use crate::refs::Refs;
use ecsim_engine::{Action, ScheduledAction};
use ecsim_kernel::{SimDuration, SimTime};
use serde_json::{Map, Value};

/// The actions this version simulates (SPEC §2), in the order the SPEC lists them.
pub(crate) const SUPPORTED: [&str; 39] = [
    "CreateCluster",
    "DeleteCluster",
    "PutClusterCapacityProviders",
    "UpdateClusterSettings",
    "CreateCapacityProvider",
    "UpdateCapacityProvider",
    "DeleteCapacityProvider",
    "RegisterContainerInstance",
    "DeregisterContainerInstance",
    "UpdateContainerInstancesState",
    "PutAttributes",
    "DeleteAttributes",
    "RegisterTaskDefinition",
    "DeregisterTaskDefinition",
    "RunTask",
    "StartTask",
    "StopTask",
    "UpdateTaskProtection",
    "CreateService",
    "UpdateService",
    "DeleteService",
    "CreateTaskSet",
    "UpdateTaskSet",
    "DeleteTaskSet",
    "UpdateServicePrimaryTaskSet",
    "ListContainerInstances",
    "DescribeServices",
    "DescribeContainerInstances",
    "DescribeTasks",
    "ListAttributes",
    "DescribeCapacityProviders",
    "LaunchContainerInstances",
    "TerminateContainerInstances",
    "DisconnectAgent",
    "ReconnectAgent",
    "FailAvailabilityZone",
    "RestoreAvailabilityZone",
    "InterruptSpot",
    "Snapshot",
];

/// Actions SPEC §2 names that this version does not simulate yet.
pub(crate) const NOT_SIMULATED: [&str; 2] =
    ["DescribeInstanceImageMetadata", "StartInstanceRefresh"];

/// The simulator's own actions (not part of the ECS API).
const SIMULATOR_ACTIONS: [&str; 9] = [
    "LaunchContainerInstances",
    "TerminateContainerInstances",
    "DisconnectAgent",
    "ReconnectAgent",
    "FailAvailabilityZone",
    "RestoreAvailabilityZone",
    "InterruptSpot",
    "StartInstanceRefresh",
    "Snapshot",
];

/// Actions that accept a `simulation` block (SPEC §3), among those simulated.
const WITH_SIMULATION: [&str; 8] = [
    "CreateCluster",
    "CreateCapacityProvider",
    "RegisterTaskDefinition",
    "RunTask",
    "StartTask",
    "StopTask",
    "CreateService",
    "LaunchContainerInstances",
];

/// One action's envelope, read in file order.
struct Envelope<'v> {
    index: usize,
    path: Path,
    at: Option<SimTime>,
    name: Option<&'v str>,
    input: Option<&'v Value>,
    simulation: Option<&'v Value>,
}

/// Reads and lowers every action; the result is in file order.
pub(crate) fn lower(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    refs: &mut Refs,
    horizon: Option<SimDuration>,
) -> Vec<ScheduledAction> {
    let Value::Array(items) = value else {
        cx.error_value(
            path,
            value,
            "expected an array of actions, each {\"at\": ..., \"action\": ..., \"input\": {...}}",
        );
        return Vec::new();
    };
    let envelopes: Vec<Envelope<'_>> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| envelope(cx, item, &path.index(i), i, horizon))
        .collect();

    // SPEC §3: actions run in (at, file order); references resolve in that order. An action
    // whose `at` is in error (reported) is replayed right after the action before it in the file,
    // so that its references do not cascade into "unknown" errors.
    let mut replay_at = Vec::with_capacity(envelopes.len());
    let mut previous = SimTime::ZERO;
    for e in &envelopes {
        previous = e.at.unwrap_or(previous);
        replay_at.push(previous);
    }
    let mut order: Vec<usize> = (0..envelopes.len()).collect();
    order.sort_by_key(|&k| (replay_at[k], envelopes[k].index));

    let empty = Value::Object(Map::new());
    let mut lowered: Vec<Option<Action>> = vec![None; envelopes.len()];
    for k in order {
        let e = &envelopes[k];
        let Some(name) = e.name else { continue };
        let input = e.input.unwrap_or(&empty);
        let input_path = e.path.key("input");
        let simulation = e.simulation.map(|v| (v, e.path.key("simulation")));
        refs.current_action = e.index;
        lowered[k] = lower_one(cx, refs, name, input, &input_path, simulation);
    }

    let mut out = Vec::new();
    for (e, action) in envelopes.iter().zip(lowered) {
        if let (Some(at), Some(name), Some(action)) = (e.at, e.name, action) {
            out.push(ScheduledAction {
                at,
                index: e.index,
                name: name.to_string(),
                input_json: serde_json::to_string(e.input.unwrap_or(&empty)).unwrap_or_default(),
                action,
            });
        }
    }
    out
}

fn envelope<'v>(
    cx: &mut Cx,
    value: &'v Value,
    path: &Path,
    index: usize,
    horizon: Option<SimDuration>,
) -> Option<Envelope<'v>> {
    let o = object(
        cx,
        value,
        path,
        "an action {\"at\": ..., \"action\": ..., \"input\": {...}}",
        &[
            ("at", Field::Used),
            ("action", Field::Used),
            ("input", Field::Used),
            ("simulation", Field::Used),
        ],
    )?;
    let at = match o.get("at") {
        Some(v) => as_duration(cx, v, &o.at("at")).map(|d| SimTime(d.ms())),
        None => {
            o.missing(
                cx,
                "at",
                "the time of the action, e.g. \"at\": 0 or \"at\": \"5m\"",
            );
            None
        }
    };
    if let (Some(at), Some(horizon)) = (at, horizon) {
        if at.ms() > horizon.ms() {
            // RULE: an action after the horizon would never run; that is almost certainly a
            // mistake in the scenario.
            o.error_field(cx, "at", format!(
                    "the action is at {} ms, after the horizon ({} ms), so it would never run; move it earlier or raise horizon",
                    at.ms(),
                    horizon.ms()
                ),
            );
        }
    }
    let mut name = o.req_str(
        cx,
        "action",
        "the ECS action's name, e.g. \"action\": \"RunTask\"",
    );
    if let Some(n) = name {
        if NOT_SIMULATED.contains(&n) {
            let what = if SIMULATOR_ACTIONS.contains(&n) {
                "is part of ecsim's scenario format but not simulated by this version of ecsim"
            } else {
                "is part of the ECS API but not simulated by this version of ecsim"
            };
            o.error_field(cx, "action", format!("action '{n}' {what}"));
            name = None;
        } else if !SUPPORTED.contains(&n) {
            o.error_field(cx, "action", unknown_message("action", n, &SUPPORTED));
            name = None;
        }
    }
    let input = o.get("input");
    if let Some(v) = input {
        if !v.is_object() {
            cx.error_value(
                &o.at("input"),
                v,
                "expected an object: the request body of the action",
            );
            name = None;
        }
    }
    let simulation = o.get("simulation");
    if let (Some(_), Some(n)) = (simulation, name) {
        if !WITH_SIMULATION.contains(&n) {
            cx.error_key(
                &o.at("simulation"),
                format!(
                    "action {n} takes no simulation block; only {} do",
                    WITH_SIMULATION.join(", ")
                ),
            );
        }
    }
    Some(Envelope {
        index,
        path: path.clone(),
        at,
        name,
        input,
        simulation,
    })
}

fn lower_one(
    cx: &mut Cx,
    refs: &mut Refs,
    name: &str,
    input: &Value,
    path: &Path,
    simulation: Option<(&Value, Path)>,
) -> Option<Action> {
    match name {
        "CreateCluster" => cluster::create_cluster(cx, refs, input, path, simulation),
        "DeleteCluster" => cluster::delete_cluster(cx, refs, input, path),
        "PutClusterCapacityProviders" => {
            capacity::put_cluster_capacity_providers(cx, refs, input, path)
        }
        "CreateCapacityProvider" => capacity::create(cx, refs, input, path, simulation),
        "UpdateCapacityProvider" => capacity::update(cx, refs, input, path),
        "DeleteCapacityProvider" => capacity::delete(cx, refs, input, path),
        "DescribeCapacityProviders" => capacity::describe(cx, refs, input, path),
        "UpdateClusterSettings" => cluster::update_cluster_settings(cx, refs, input, path),
        "RegisterContainerInstance" => container_instance::register(cx, refs, input, path),
        "DeregisterContainerInstance" => container_instance::deregister(cx, refs, input, path),
        "UpdateContainerInstancesState" => container_instance::update_state(cx, refs, input, path),
        "PutAttributes" => container_instance::put_attributes(cx, refs, input, path),
        "DeleteAttributes" => container_instance::delete_attributes(cx, refs, input, path),
        "RegisterTaskDefinition" => task_definition::register(cx, refs, input, path, simulation),
        "DeregisterTaskDefinition" => task_definition::deregister(cx, refs, input, path),
        "RunTask" => task::run_task(cx, refs, input, path, simulation),
        "StartTask" => task::start_task(cx, refs, input, path, simulation),
        "StopTask" => task::stop_task(cx, refs, input, path, simulation),
        "UpdateTaskProtection" => service::update_task_protection(cx, refs, input, path),
        "CreateService" => service::create_service(cx, refs, input, path, simulation),
        "UpdateService" => service::update_service(cx, refs, input, path),
        "DeleteService" => service::delete_service(cx, refs, input, path),
        "CreateTaskSet" => task_set::create_task_set(cx, refs, input, path),
        "UpdateTaskSet" => task_set::update_task_set(cx, refs, input, path),
        "DeleteTaskSet" => task_set::delete_task_set(cx, refs, input, path),
        "UpdateServicePrimaryTaskSet" => task_set::update_primary_task_set(cx, refs, input, path),
        "DescribeServices" => service::describe_services(cx, refs, input, path),
        "ListContainerInstances" => query::list_container_instances(cx, refs, input, path),
        "DescribeContainerInstances" => query::describe_container_instances(cx, refs, input, path),
        "DescribeTasks" => query::describe_tasks(cx, refs, input, path),
        "ListAttributes" => query::list_attributes(cx, refs, input, path),
        "LaunchContainerInstances" => simulator::launch(cx, refs, input, path, simulation),
        "TerminateContainerInstances" => simulator::terminate(cx, refs, input, path),
        "DisconnectAgent" => simulator::agent(cx, refs, input, path, false),
        "ReconnectAgent" => simulator::agent(cx, refs, input, path, true),
        "FailAvailabilityZone" => faults::availability_zone(cx, refs, input, path, true),
        "RestoreAvailabilityZone" => faults::availability_zone(cx, refs, input, path, false),
        "InterruptSpot" => faults::interrupt_spot(cx, refs, input, path),
        "Snapshot" => simulator::snapshot(cx, refs, input, path),
        _ => None,
    }
}

/// Reads the request's `cluster` (default `default`, API: "If you do not specify a cluster, the
/// default cluster is assumed"), which must exist at this point.
pub(crate) fn cluster_ref(
    cx: &mut Cx,
    refs: &Refs,
    o: &crate::cx::Obj<'_>,
    required: bool,
) -> Option<String> {
    let default = Value::String("default".to_string());
    let (value, text) = match o.get("cluster") {
        Some(v) => (v, o.str(cx, "cluster")?),
        None if required => {
            o.missing(cx, "cluster", "the cluster's name or ARN");
            return None;
        }
        None => (&default, "default"),
    };
    refs.cluster(cx, &o.at("cluster"), value, text)
}

/// RULE: an Availability Zone name is the scenario's region followed by one lowercase letter
/// (us-east-1a), which catches zones of another region.
pub(crate) fn is_zone_of(region: &str, zone: &str) -> bool {
    zone.strip_prefix(region)
        .is_some_and(|rest| rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_lowercase()))
}

/// Checks that `zone` (at `path`) is an Availability Zone of the scenario's region.
pub(crate) fn check_zone(cx: &mut Cx, region: &str, path: &Path, zone: &str) -> bool {
    if is_zone_of(region, zone) {
        return true;
    }
    cx.error(
        path,
        format!("'{zone}' is not an Availability Zone of region {region}; expected a zone like {region}a or {region}b"),
    );
    false
}

/// A non-empty list of container instance ids or ARNs of at most `max` entries.
pub(crate) fn instance_list(
    cx: &mut Cx,
    o: &crate::cx::Obj<'_>,
    name: &str,
    max: usize,
    api: &str,
) -> Option<Vec<String>> {
    if !o.has(name) {
        o.missing(cx, name, "a list of container instance ids or ARNs");
        return None;
    }
    let list = o.strings(cx, name)?;
    if list.is_empty() || list.len() > max {
        o.error_field(
            cx,
            name,
            format!("expected from 1 to {max} entries ({api})"),
        );
        return None;
    }
    if let Some(i) = list.iter().position(|s| s.is_empty()) {
        cx.error(
            &o.at(name).index(i),
            "expected a container instance id or ARN, not an empty string",
        );
        return None;
    }
    Some(list.into_iter().map(str::to_string).collect())
}
