//! The `actions` array: each action's envelope (`at`, `action`, `input`, `simulation`), then its
//! request lowered into the engine's [`Action`], replayed in (at, file index) order so that
//! references resolve against what earlier actions defined.

pub(crate) mod capacity;
mod cluster;
mod container_instance;
pub(crate) mod faults;
mod launch;
mod load_balancer;
mod query;
pub(crate) mod refresh;
pub(crate) use query::IMAGE_METADATA_FIELDS;
mod service;
pub(crate) mod simulator;
mod tags;
mod task;
pub(crate) mod task_definition;
mod task_set;

use crate::cx::{as_duration, closest, object, unknown_message, Cx, Field, Fold};
use crate::document::Actions;
use crate::duration::looks_like_milliseconds;
use crate::path::Path;
use crate::refs::Refs;
use ecsim_engine::{Action, ScheduledAction};
use ecsim_kernel::{SimDuration, SimTime};
use serde_json::{Map, Value};

/// The actions this version simulates (SPEC §2), in the order the SPEC lists them.
pub(crate) const SUPPORTED: [&str; 42] = [
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
    "DescribeInstanceImageMetadata",
    "LaunchContainerInstances",
    "TerminateContainerInstances",
    "DrainContainerInstances",
    "DisconnectAgent",
    "ReconnectAgent",
    "FailAvailabilityZone",
    "RestoreAvailabilityZone",
    "InterruptSpot",
    "StartInstanceRefresh",
    "Snapshot",
];

/// The simulator's own actions (not part of the ECS API).
pub(crate) const SIMULATOR_ACTIONS: [&str; 10] = [
    "LaunchContainerInstances",
    "TerminateContainerInstances",
    "DrainContainerInstances",
    "DisconnectAgent",
    "ReconnectAgent",
    "FailAvailabilityZone",
    "RestoreAvailabilityZone",
    "InterruptSpot",
    "StartInstanceRefresh",
    "Snapshot",
];

/// Actions that accept a `simulation` block (SPEC §3), among those simulated.
pub(crate) const WITH_SIMULATION: [&str; 8] = [
    "CreateCluster",
    "CreateCapacityProvider",
    "RegisterTaskDefinition",
    "RunTask",
    "StartTask",
    "StopTask",
    "CreateService",
    "LaunchContainerInstances",
];

/// An action's envelope (SPEC §3).
pub(crate) const ENVELOPE_FIELDS: [(&str, Field); 5] = [
    ("at", Field::Used),
    ("action", Field::Used),
    ("input", Field::Used),
    ("simulation", Field::Used),
    ("label", Field::Used),
];

/// RULE (ours): an action's `label` is at most this many characters.
const LABEL_MAX_CHARS: usize = 256;

/// The actions that define a name later actions refer to.
const DEFINING: [&str; 5] = [
    "CreateCluster",
    "CreateCapacityProvider",
    "RegisterTaskDefinition",
    "CreateService",
    "CreateTaskSet",
];

/// One action's envelope, read in file order; what the replay needs of it once its value is gone.
struct Envelope {
    index: usize,
    at: Option<SimTime>,
    name: Option<&'static str>,
    /// For an unknown action name: the supported action it is closest to.
    guess: Option<&'static str>,
    /// The keys of `input` and `simulation` as written, when one is misspelled (a misspelled key
    /// stands for the field it names); None, the usual case, costs a word.
    keys: Option<Box<(String, String)>>,
}

/// The `actions` array: the elements' text (each parsed when it is read), or a value that is not
/// an array.
pub(crate) enum Items<'a, 's> {
    Text(&'a Actions<'s>),
    Value(&'a Value),
}

/// Reads and lowers every action; the result is in file order. Each action is parsed from its text
/// twice, for its envelope and for its request, and dropped after each: the loader holds one
/// action's `Value` at a time.
pub(crate) fn lower(
    cx: &mut Cx,
    items: Items<'_, '_>,
    path: &Path,
    refs: &mut Refs,
    horizon: Option<SimDuration>,
) -> Vec<ScheduledAction> {
    // The array's elements: each parsed from its text, or (the array came as a value, under a
    // misspelled key read for the one it names) cloned from it.
    enum Elements<'a, 's> {
        Text(&'a Actions<'s>),
        Values(&'a [Value]),
    }
    impl Elements<'_, '_> {
        fn len(&self) -> usize {
            match self {
                Elements::Text(a) => a.len(),
                Elements::Values(v) => v.len(),
            }
        }
        fn get(&self, cx: &mut Cx, path: &Path, i: usize) -> Option<Value> {
            match self {
                Elements::Text(a) => a.get(cx, path, i),
                Elements::Values(v) => v.get(i).cloned(),
            }
        }
    }
    let items = match items {
        Items::Text(a) => Elements::Text(a),
        Items::Value(Value::Array(values)) => Elements::Values(values),
        Items::Value(value) => {
            cx.error_value(
                path,
                value,
                "expected an array of actions, each {\"at\": ..., \"action\": ..., \"input\": {...}}",
            );
            // What the assertions name is then unknowable.
            cx.unreadable_action = true;
            return Vec::new();
        }
    };
    let mut envelopes: Vec<Envelope> = Vec::with_capacity(items.len());
    for i in 0..items.len() {
        let read = items.get(cx, path, i).and_then(|item| {
            envelope(cx, &item, &path.index(i), i, horizon).map(|e| Envelope {
                index: e.index,
                at: e.at,
                name: e
                    .name
                    .and_then(|n| SUPPORTED.iter().copied().find(|s| *s == n)),
                guess: e.guess,
                keys: e.keys,
            })
        });
        match read {
            Some(e) => envelopes.push(e),
            // An action that is not even an object: neither its time nor what it defines is
            // known.
            None => cx.unreadable_action = true,
        }
    }

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
    drop(replay_at);

    let empty = Value::Object(Map::new());
    let mut out = Vec::with_capacity(envelopes.len());
    for k in order {
        let e = &envelopes[k];
        let (name, guess) = (e.name, e.guess);
        if name.is_none() && guess.is_none() {
            // An action that could not be read may have defined what later actions name.
            cx.unreadable_action = true;
            continue;
        }
        let Some(item) = items.get(cx, path, e.index) else {
            continue;
        };
        // What `envelope` read: `input` and `simulation`, JSON `null` counting as absent.
        let field = |name: &str| item.get(name).filter(|v| !v.is_null());
        let (input_key, simulation_key) = e
            .keys
            .as_deref()
            .map_or(("input", "simulation"), |(i, s)| (i.as_str(), s.as_str()));
        let input = field(input_key).unwrap_or(&empty);
        let action_path = path.index(e.index);
        let input_path = action_path.key(input_key);
        let simulation = field(simulation_key).map(|v| (v, action_path.key(simulation_key)));
        refs.current_action = e.index;
        let Some(name) = name else {
            // RULE (ours): an action whose name is misspelled is read as the action its name is
            // closest to, for what it defines only (its request's own errors would be about a
            // guess), so that the actions after it do not report what it defines as unknown: one
            // misspelling, one error. It does not run.
            let (errors, warnings) = (cx.error_count(), cx.warning_count());
            lower_one(
                cx,
                refs,
                guess.expect("a guess"),
                input,
                &input_path,
                simulation,
            );
            cx.forget_since(errors, warnings);
            continue;
        };
        let (errors, definitions) = (cx.error_count(), refs.definitions);
        let action = lower_one(cx, refs, name, input, &input_path, simulation);
        if DEFINING.contains(&name) && refs.definitions == definitions && cx.error_count() > errors
        {
            // Its name could not be read, so what later actions name is unknowable.
            cx.unreadable_action = true;
        }
        if let (Some(at), Some(action)) = (e.at, action) {
            out.push(ScheduledAction {
                at,
                index: e.index,
                name: name.to_string(),
                label: item.get("label").and_then(Value::as_str).map(Box::from),
                input_json: if action.echoes_input() {
                    serde_json::to_string(input).unwrap_or_default()
                } else {
                    String::new()
                },
                action,
            });
        }
    }
    // Back to file order, in place.
    out.sort_unstable_by_key(|a| a.index);
    out
}

/// One action's envelope as read from its value.
struct Read<'v> {
    index: usize,
    at: Option<SimTime>,
    name: Option<&'v str>,
    guess: Option<&'static str>,
    keys: Option<Box<(String, String)>>,
}

fn envelope<'v>(
    cx: &mut Cx,
    value: &'v Value,
    path: &Path,
    index: usize,
    horizon: Option<SimDuration>,
) -> Option<Read<'v>> {
    let o = object(
        cx,
        value,
        path,
        "an action {\"at\": ..., \"action\": ..., \"input\": {...}}",
        &ENVELOPE_FIELDS,
    )?;
    if let Some(label) = o.str(cx, "label") {
        if label.chars().count() > LABEL_MAX_CHARS {
            o.error_field(
                cx,
                "label",
                format!("expected a label of at most {LABEL_MAX_CHARS} characters"),
            );
        }
    }
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
            // A number that looks like milliseconds is the likely cause: say so in the error
            // (its warning is not shown when the file has errors).
            let milliseconds = o
                .get("at")
                .and_then(Value::as_u64)
                .filter(|&s| looks_like_milliseconds(s).is_some())
                .map(|s| format!("; a number is read as seconds: for milliseconds write \"{s}ms\""))
                .unwrap_or_default();
            cx.error_folded(
                Fold::AfterHorizon,
                &o.at("at"),
                o.get("at").unwrap_or(&Value::Null),
                format!(
                    "the action is at {} ms, after the horizon ({} ms), so it would never run; move it earlier or raise horizon{milliseconds}",
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
    let mut guess = None;
    if let Some(n) = name {
        if !SUPPORTED.contains(&n) {
            o.error_field(cx, "action", unknown_message("action", n, &SUPPORTED));
            guess = closest(n, &SUPPORTED);
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
            guess = None;
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
    let (input_key, simulation_key) = (o.key_of("input"), o.key_of("simulation"));
    let keys = (input_key != "input" || simulation_key != "simulation")
        .then(|| Box::new((input_key.to_string(), simulation_key.to_string())));
    Some(Read {
        index,
        at,
        name,
        guess,
        keys,
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
        "DescribeInstanceImageMetadata" => {
            query::describe_instance_image_metadata(cx, refs, input, path)
        }
        "LaunchContainerInstances" => simulator::launch(cx, refs, input, path, simulation),
        "TerminateContainerInstances" => simulator::terminate(cx, refs, input, path),
        "DrainContainerInstances" => simulator::drain(cx, refs, input, path),
        "DisconnectAgent" => simulator::agent(cx, refs, input, path, false),
        "ReconnectAgent" => simulator::agent(cx, refs, input, path, true),
        "FailAvailabilityZone" => faults::availability_zone(cx, refs, input, path, true),
        "RestoreAvailabilityZone" => faults::availability_zone(cx, refs, input, path, false),
        "InterruptSpot" => faults::interrupt_spot(cx, refs, input, path),
        "StartInstanceRefresh" => refresh::start_instance_refresh(cx, refs, input, path),
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

/// Reads the request's required `capacityProvider` (its short name: FARGATE, FARGATE_SPOT or an
/// Auto Scaling group provider an earlier action created); `hint` says what to give when it is
/// missing.
pub(crate) fn provider_ref(
    cx: &mut Cx,
    refs: &Refs,
    o: &crate::cx::Obj<'_>,
    hint: &str,
) -> Option<(String, crate::refs::ProviderKind)> {
    let text = o.req_str(cx, "capacityProvider", hint)?;
    let value = o.get("capacityProvider")?;
    refs.capacity_provider(
        cx,
        &o.at("capacityProvider"),
        value,
        text,
        crate::refs::ProviderName::Short,
    )
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

/// What a container instance or task reference may be (see [`Refs::resource_ref`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdKind {
    ContainerInstance,
    Task,
}

impl IdKind {
    pub(crate) fn arn_type(self) -> &'static str {
        match self {
            IdKind::ContainerInstance => "container-instance",
            IdKind::Task => "task",
        }
    }

    pub(crate) fn expected(self) -> &'static str {
        match self {
            IdKind::ContainerInstance => {
                "a container instance id, an EC2 instance id or a container instance ARN"
            }
            IdKind::Task => "a task id or a task ARN",
        }
    }
}

/// Checks the references of field `name` (a string, or an array of strings; other values are
/// reported where they are read) with [`Refs::resource_ref`]. False when one is refused.
pub(crate) fn check_refs(
    cx: &mut Cx,
    refs: &Refs,
    o: &crate::cx::Obj<'_>,
    name: &str,
    kind: IdKind,
) -> bool {
    let mut ok = true;
    let mut check = |cx: &mut Cx, path: &Path, v: &Value| {
        if let Value::String(text) = v {
            ok &= refs.resource_ref(cx, path, v, text, kind.arn_type(), kind.expected());
        }
    };
    match o.get(name) {
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                check(cx, &o.at(name).index(i), v);
            }
        }
        Some(v) => check(cx, &o.at(name), v),
        None => {}
    }
    ok
}

/// A non-empty list of container instance ids or ARNs of at most `max` entries.
pub(crate) fn instance_list(
    cx: &mut Cx,
    refs: &Refs,
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
    if !check_refs(cx, refs, o, name, IdKind::ContainerInstance) {
        return None;
    }
    Some(list.into_iter().map(str::to_string).collect())
}
