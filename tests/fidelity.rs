//! Scenarios where ecsim follows the ECS documents to the letter: each test is a small scenario
//! file, run through the loader and the engine, and names the sentence it follows.

use ecsim_engine::{EventDetail, RunOutput};

/// Loads and runs a scenario file's text (panics on an input error: these files are valid).
fn run(src: &str) -> RunOutput {
    let loaded = ecsim_scenario::load(src).unwrap_or_else(|e| panic!("{e:?}"));
    ecsim_engine::run(&loaded.scenario)
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
