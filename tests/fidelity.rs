//! Scenarios where ecsim follows the ECS documents to the letter: each test is a small scenario
//! file, run through the loader and the engine, and names the sentence it follows.

use ecsim_engine::{EventDetail, RunOutput};

/// Loads and runs a scenario file's text (panics on an input error: these files are valid).
fn run(src: &str) -> RunOutput {
    let loaded = ecsim_scenario::load(src).unwrap_or_else(|e| panic!("{e:?}"));
    ecsim_engine::run(&loaded.scenario)
}

/// Every `ECS Action Error` as (action index, exception).
fn action_errors(o: &RunOutput) -> Vec<(usize, &'static str)> {
    o.events()
        .filter_map(|e| match &e.detail {
            EventDetail::ActionError {
                action_index,
                error,
                ..
            } => Some((*action_index, *error)),
            _ => None,
        })
        .collect()
}

/// Every `ECS Placement Failure`'s reason, in order.
fn placement_failures(o: &RunOutput) -> Vec<&'static str> {
    o.events()
        .filter_map(|e| match &e.detail {
            EventDetail::PlacementFailure { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect()
}

/// The number of `ECS Placement Decision`s.
fn placements(o: &RunOutput) -> usize {
    o.events()
        .filter(|e| matches!(e.detail, EventDetail::PlacementDecision { .. }))
        .count()
}

const CPU_MEMORY: &str = r#"[{"name": "CPU", "type": "INTEGER", "integerValue": 2048}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096}]"#;

/// SPEC §2: RegisterContainerInstance registers "its attributes the request's"; SPEC §4: awsvpc
/// needs `ecs.capability.task-eni`, and a missing required attribute is `ATTRIBUTE`, checked
/// before any resource. An instance registered without the capability (its type known, so it has
/// ENIs to offer) refuses an awsvpc task with ATTRIBUTE; the same registration listing it takes
/// the task.
#[test]
fn a_registered_instance_has_exactly_the_requests_attributes() {
    let scenario = |attributes: &str| {
        format!(
            r#"{{"schemaVersion": 1, "name": "register", "horizon": "10m", "actions": [
  {{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "c"}}}},
  {{"at": 0, "action": "RegisterContainerInstance", "input": {{"cluster": "c", "totalResources": {CPU_MEMORY},
    "instanceIdentityDocument": "{{\"instanceId\": \"i-0abc\", \"instanceType\": \"c5.large\", \"availabilityZone\": \"us-east-1a\"}}",
    "attributes": {attributes}}}}},
  {{"at": 0, "action": "RegisterTaskDefinition", "input": {{"family": "vpc", "networkMode": "awsvpc",
    "containerDefinitions": [{{"name": "a", "image": "x", "cpu": 256, "memory": 512}}]}}}},
  {{"at": 10, "action": "RunTask", "input": {{"cluster": "c", "taskDefinition": "vpc",
    "networkConfiguration": {{"awsvpcConfiguration": {{"subnets": ["subnet-1"]}}}}}}}}
]}}"#
        )
    };
    let without = run(&scenario("[]"));
    assert_eq!(placement_failures(&without), ["ATTRIBUTE"]);
    assert_eq!(placements(&without), 0);
    let with = run(&scenario(r#"[{"name": "ecs.capability.task-eni"}]"#));
    assert_eq!(placement_failures(&with), Vec::<&str>::new());
    assert_eq!(placements(&with), 1);
}

/// A cluster `c` with one m5.large launched at 0 (`i-00000000000000001`, up at 90 s), then
/// `actions` (indices from 2).
fn one_instance(actions: &str) -> String {
    format!(
        r#"{{"schemaVersion": 1, "name": "attributes", "horizon": "30m", "actions": [
  {{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "c"}}}},
  {{"at": 0, "action": "LaunchContainerInstances", "input": {{"cluster": "c", "instanceType": "m5.large", "count": 1}}}},
  {actions}
]}}"#
    )
}

/// `{"name": N, "value": V, "targetId": T, "targetType": "container-instance"}`.
fn attribute(name: &str, value: Option<&str>, target: &str) -> String {
    let value = value.map_or(String::new(), |v| format!(r#""value": "{v}", "#));
    format!(
        r#"{{"name": "{name}", {value}"targetId": "{target}", "targetType": "container-instance"}}"#
    )
}

fn put(at: &str, action: &str, attributes: &[String]) -> String {
    format!(
        r#"{{"at": "{at}", "action": "{action}", "input": {{"cluster": "c", "attributes": [{}]}}}}"#,
        attributes.join(", ")
    )
}

/// API PutAttributes and DeleteAttributes, Errors: "TargetNotFoundException — The specified
/// target wasn't found." A call naming an instance the cluster does not have fails whole: the
/// attribute it names for a real instance is not applied either.
#[test]
fn attributes_on_an_unknown_target_are_target_not_found() {
    let known = "i-00000000000000001";
    let unknown = "i-00000000000000009";
    let o = run(&one_instance(
        &[
            put(
                "2m",
                "PutAttributes",
                &[
                    attribute("stack", Some("prod"), known),
                    attribute("stack", Some("prod"), unknown),
                ],
            ),
            put(
                "3m",
                "PutAttributes",
                &[attribute("team", Some("a"), known)],
            ),
            put(
                "4m",
                "DeleteAttributes",
                &[attribute("team", None, unknown)],
            ),
            put(
                "5m",
                "DeleteAttributes",
                &[
                    attribute("team", None, known),
                    attribute("team", None, unknown),
                ],
            ),
        ]
        .join(",\n"),
    ));
    assert_eq!(
        action_errors(&o),
        [
            (2, "TargetNotFoundException"),
            (4, "TargetNotFoundException"),
            (5, "TargetNotFoundException")
        ]
    );
    let inst = &o.world.instances[0];
    assert_eq!(
        inst.attribute("stack"),
        None,
        "the failed call applied nothing"
    );
    assert_eq!(
        inst.attribute("team"),
        Some(Some("a")),
        "nor did the failed delete"
    );
}

/// API PutAttributes.attributes: "You can specify up to 10 custom attributes for each resource";
/// Errors: "AttributeLimitExceeded — You can apply up to 10 custom attributes for each resource."
/// Ten custom attributes fit (the built-in `ecs.` ones do not count); an eleventh fails the call
/// whole; replacing a value of one of the ten, or adding one after a delete, does not.
#[test]
fn an_eleventh_custom_attribute_is_attribute_limit_exceeded() {
    let i = "i-00000000000000001";
    let ten: Vec<String> = (1..=10)
        .map(|k| attribute(&format!("custom-{k}"), Some("x"), i))
        .collect();
    let o = run(&one_instance(
        &[
            put("2m", "PutAttributes", &ten),
            put(
                "3m",
                "PutAttributes",
                &[
                    attribute("custom-1", Some("y"), i),
                    attribute("custom-11", Some("x"), i),
                ],
            ),
            put(
                "4m",
                "PutAttributes",
                &[attribute("custom-1", Some("z"), i)],
            ),
            put(
                "5m",
                "PutAttributes",
                &[attribute("ecs.capability.extra", None, i)],
            ),
            put("6m", "DeleteAttributes", &[attribute("custom-2", None, i)]),
            put(
                "7m",
                "PutAttributes",
                &[attribute("custom-11", Some("x"), i)],
            ),
            put(
                "8m",
                "PutAttributes",
                &[attribute("custom-12", Some("x"), i)],
            ),
        ]
        .join(",\n"),
    ));
    assert_eq!(
        action_errors(&o),
        [(3, "AttributeLimitExceeded"), (8, "AttributeLimitExceeded")]
    );
    let inst = &o.world.instances[0];
    assert_eq!(
        inst.attribute("custom-1"),
        Some(Some("z")),
        "the failed call changed nothing, the next replaced"
    );
    assert_eq!(inst.attribute("custom-2"), None);
    assert_eq!(inst.attribute("custom-11"), Some(Some("x")));
    assert_eq!(inst.attribute("custom-12"), None);
    assert_eq!(inst.attribute("ecs.capability.extra"), Some(None));
}

/// API ContainerOverride.resourceRequirements: "The type and amount of a resource to assign to a
/// container, instead of the default value from the task definition. The only supported resource
/// is a GPU." (RunTask and StartTask request syntax.) A container with one GPU in its task
/// definition, overridden to 3 on RunTask and to 2, then 1, on StartTask, reserves what the
/// override names on a 4-GPU g4dn.12xlarge: 3, then 2 does not fit (RESOURCE:GPU), then 1 does;
/// a task without the override reserves the task definition's 1 and finds none left.
#[test]
fn container_overrides_reserve_the_gpus_they_name() {
    let gpus = |n: u32| {
        format!(
            r#""overrides": {{"containerOverrides": [{{"name": "train", "resourceRequirements": [{{"type": "GPU", "value": "{n}"}}]}}]}}"#
        )
    };
    let instance = "i-00000000000000001";
    let o = run(&format!(
        r#"{{"schemaVersion": 1, "name": "gpus", "horizon": "30m", "actions": [
  {{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "c"}}}},
  {{"at": 0, "action": "LaunchContainerInstances", "input": {{"cluster": "c", "instanceType": "g4dn.12xlarge", "count": 1}}}},
  {{"at": 0, "action": "RegisterTaskDefinition", "input": {{"family": "ml", "containerDefinitions": [
    {{"name": "train", "image": "x", "cpu": 1024, "memory": 2048, "resourceRequirements": [{{"type": "GPU", "value": "1"}}]}}]}}}},
  {{"at": "2m", "action": "RunTask", "input": {{"cluster": "c", "taskDefinition": "ml", {}}}}},
  {{"at": "3m", "action": "StartTask", "input": {{"cluster": "c", "taskDefinition": "ml", "containerInstances": ["{instance}"], {}}}}},
  {{"at": "4m", "action": "StartTask", "input": {{"cluster": "c", "taskDefinition": "ml", "containerInstances": ["{instance}"], {}}}}},
  {{"at": "5m", "action": "RunTask", "input": {{"cluster": "c", "taskDefinition": "ml"}}}},
  {{"at": "6m", "action": "DescribeTasks", "input": {{"cluster": "c", "tasks": ["00000000000000000000000000000001"]}}}}
]}}"#,
        gpus(3),
        gpus(2),
        gpus(1)
    ));
    assert_eq!(placements(&o), 2, "3 GPUs, then 1");
    assert_eq!(placement_failures(&o), ["RESOURCE:GPU", "RESOURCE:GPU"]);
    let inst = &o.world.instances[0];
    assert_eq!(inst.registered.gpus, 4);
    assert_eq!(inst.remaining().gpus, 0, "the overrides' 3 and 1 are held");
    // DescribeTasks shows the override as the request gave it (API Task.overrides).
    let mut snapshots = Vec::new();
    ecsim_report::write_snapshots(&o, &mut snapshots).expect("written");
    let line: serde_json::Value =
        serde_json::from_slice(snapshots.split(|&b| b == b'\n').next().expect("a line"))
            .expect("json");
    assert_eq!(
        line["response"]["tasks"][0]["overrides"],
        serde_json::json!({"containerOverrides": [{"name": "train", "resourceRequirements": [{"type": "GPU", "value": "3"}]}]})
    );
}

/// API DeleteService: "You can delete a service if you have no running tasks in it and the desired
/// task count is zero. If the service is actively maintaining tasks, you can't delete it, and you
/// must update the service to a desired task count of zero"; DeleteTaskSet's `force`: "you can
/// delete a task set even if it hasn't been scaled down to zero"; DeleteCluster: "You must
/// deregister all container instances from this cluster before you may delete it." The bundled
/// `delete-in-steps` scenario writes each "try, scale to 0, delete" in turn: every first delete
/// is refused and leaves the name in place for the actions that bring it down; once the delete
/// happens, what names it is the API's exception (UpdateService: ServiceNotActiveException,
/// UpdateTaskSet: TaskSetNotFoundException, RunTask: ClusterNotFoundException).
#[test]
fn a_refused_delete_leaves_the_name_in_place() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/delete-in-steps.json"
    ))
    .expect("bundled scenario");
    let o = run(&src);
    assert_eq!(
        action_errors(&o),
        [
            (6, "InvalidParameterException"),
            (9, "ServiceNotActiveException"),
            (10, "InvalidParameterException"),
            (13, "TaskSetNotFoundException"),
            (14, "ClusterContainsContainerInstancesException"),
            (19, "ClusterNotFoundException"),
        ]
    );
    let describe = o.snapshots().next().expect("the DescribeServices");
    let ecsim_engine::SnapshotResponse::DescribeServices { services, .. } = &describe.response
    else {
        panic!("a DescribeServices response")
    };
    let statuses: Vec<(&str, &str)> = services
        .iter()
        .map(|s| (s.service.name.as_str(), s.service.status.as_str()))
        .collect();
    assert_eq!(statuses, [("web", "INACTIVE"), ("ext", "ACTIVE")]);
    assert!(o.assertions.iter().all(|a| a.passed), "{:?}", o.assertions);
    assert_eq!(
        o.world.clusters[0].status,
        ecsim_model::ClusterStatus::Inactive
    );
}
