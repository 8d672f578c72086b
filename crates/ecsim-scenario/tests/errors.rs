//! A corpus of broken scenarios: each asserts the error's JSON path, its line and column where
//! they are meaningful, and a fragment of its message.

use ecsim_scenario::{load, ScenarioError};

/// A valid scenario around `actions` (appended after a cluster `prod` and task definition `web`
/// registered at time 0). Action indices in `actions` start at 2.
fn with_actions(actions: &str) -> String {
    let actions = if actions.is_empty() {
        String::new()
    } else {
        format!(",\n    {actions}")
    };
    format!(
        r#"{{
  "schemaVersion": 1,
  "name": "broken",
  "actions": [
    {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }} }},
    {{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "web",
       "containerDefinitions": [ {{ "name": "app", "image": "nginx", "memory": 512 }} ] }} }}{actions}
  ]
}}"#
    )
}

/// A RegisterTaskDefinition of family `t` with the given container definitions (index 2).
fn with_containers(containers: &str) -> String {
    with_actions(&format!(
        r#"{{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "t", "containerDefinitions": {containers} }} }}"#
    ))
}

/// A RunTask of `web:1` on `prod` with extra input fields (index 2).
fn run_task(extra: &str) -> String {
    with_actions(&format!(
        r#"{{ "at": 1, "action": "RunTask", "input": {{ "cluster": "prod", "taskDefinition": "web:1", {extra} }} }}"#
    ))
}

fn errors(src: &str) -> Vec<ScenarioError> {
    match load(src) {
        Ok(_) => panic!("expected errors, the scenario loaded:\n{src}"),
        Err(errors) => {
            assert!(!errors.is_empty(), "load returned Err with no errors");
            for e in &errors {
                assert!(!e.message.ends_with('.'), "trailing period: {e}");
                assert!(
                    !e.message.starts_with(|c: char| c.is_ascii_uppercase()),
                    "not lowercase: {e}"
                );
            }
            errors
        }
    }
}

/// The error at `path` whose message contains `fragment`.
fn find(src: &str, path: &str, fragment: &str) -> ScenarioError {
    let all = errors(src);
    all.iter()
        .find(|e| e.path == path && e.message.contains(fragment))
        .cloned()
        .unwrap_or_else(|| {
            let listed: Vec<String> = all.iter().map(|e| format!("  {e}")).collect();
            panic!(
                "no error at {path:?} containing {fragment:?}; got:\n{}",
                listed.join("\n")
            )
        })
}

/// The 1-based (line, column) of the first occurrence of `needle` in `src` (columns in chars).
fn pos(src: &str, needle: &str) -> (usize, usize) {
    let at = src
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in source"));
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

fn at(e: &ScenarioError) -> (usize, usize) {
    (e.line.expect("a line"), e.column.expect("a column"))
}

#[test]
fn empty_file() {
    for src in ["", "   \n\t\n"] {
        let all = errors(src);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].path, "");
        assert_eq!(all[0].line, None);
        assert!(all[0].message.contains(
            "the file is empty; expected a JSON object with schemaVersion, name and actions"
        ));
    }
}

#[test]
fn malformed_json() {
    let src = "{\n  \"schemaVersion\": 1,\n  \"name\": \"x\",\n}";
    let all = errors(src);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].path, "");
    assert_eq!((all[0].line, all[0].column), (Some(4), Some(1)));
    assert!(
        all[0].message.starts_with("the file is not valid JSON: "),
        "{}",
        all[0]
    );
    assert!(!all[0].message.contains(" at line "));
}

#[test]
fn malformed_json_columns_count_characters() {
    let src = "{\"name\": \"é\" \"x\"}";
    let all = errors(src);
    assert_eq!((all[0].line, all[0].column), (Some(1), Some(14)));
}

#[test]
fn not_an_object() {
    let e = find("[1, 2]", "", "expected an object");
    assert_eq!(at(&e), (1, 1));
}

#[test]
fn unknown_top_level_field() {
    let src = with_actions("").replace("\"name\": \"broken\"", "\"nmae\": \"broken\"");
    let e = find(&src, "nmae", "unknown field 'nmae'; did you mean 'name'?");
    assert_eq!(at(&e), pos(&src, "\"nmae\""));
    find(&src, "name", "missing required field 'name'");
}

#[test]
fn unknown_field_lists_the_accepted_ones() {
    let src = run_task("\"flavour\": 1");
    let e = find(
        &src,
        "actions[2].input.flavour",
        "unknown field 'flavour'; expected one of capacityProviderStrategy, clientToken",
    );
    assert_eq!(at(&e), pos(&src, "\"flavour\""));
}

#[test]
fn unknown_field_inside_a_container_definition() {
    let src =
        with_containers(r#"[ { "name": "a", "image": "x", "memory": 64, "memorySize": 5 } ]"#);
    let e = find(
        &src,
        "actions[2].input.containerDefinitions[0].memorySize",
        "unknown field 'memorySize'",
    );
    assert_eq!(at(&e), pos(&src, "\"memorySize\""));
}

#[test]
fn wrong_type() {
    let src = run_task(r#""count": "three""#);
    let e = find(
        &src,
        "actions[2].input.count",
        "expected an integer from 1 to 10",
    );
    assert_eq!(e.value.as_deref(), Some("\"three\""));
    assert_eq!(at(&e), pos(&src, "\"three\""));
    assert!(e.to_string().ends_with("(found \"three\")"), "{e}");
}

#[test]
fn unknown_action() {
    let src = with_actions(r#"{ "at": 0, "action": "RunTasks", "input": {} }"#);
    let e = find(
        &src,
        "actions[2].action",
        "unknown action 'RunTasks'; did you mean 'RunTask'?",
    );
    assert_eq!(at(&e), pos(&src, "\"RunTasks\""));
    let src = with_actions(r#"{ "at": 0, "action": "Frobnicate" }"#);
    find(
        &src,
        "actions[2].action",
        "unknown action 'Frobnicate'; expected one of CreateCluster, DeleteCluster",
    );
}

#[test]
fn action_not_simulated() {
    let src = with_actions(
        r#"{ "at": 0, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 2 } }"#,
    );
    let e = find(
        &src,
        "actions[2].action",
        "action 'CreateService' is part of the ECS API but not simulated by this version of ecsim",
    );
    assert_eq!(at(&e), pos(&src, "\"CreateService\""));
    // Its input is not read: only that one error.
    assert_eq!(errors(&src).len(), 1);
    let src = with_actions(r#"{ "at": 0, "action": "InterruptSpot", "input": {} }"#);
    find(
        &src,
        "actions[2].action",
        "not simulated by this version of ecsim",
    );
}

#[test]
fn unknown_task_definition() {
    let src = run_task("\"count\": 1").replace("web:1", "web:3");
    let e = find(
        &src,
        "actions[2].input.taskDefinition",
        "unknown task definition 'web:3'; registered before this action: web:1",
    );
    assert_eq!(at(&e), pos(&src, "\"web:3\""));
}

#[test]
fn task_definition_registered_later_is_unknown() {
    // Same file, but the registration is at 10s and the RunTask at 5s.
    let src = with_actions(
        r#"{ "at": "5s", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "api" } },
    { "at": "10s", "action": "RegisterTaskDefinition", "input": { "family": "api", "containerDefinitions": [ { "name": "a", "image": "x", "memory": 64 } ] } }"#,
    );
    find(
        &src,
        "actions[2].input.taskDefinition",
        "unknown task definition 'api'",
    );
    // Reordered in time (not in the file), it resolves.
    let ok = src.replace("\"5s\"", "\"15s\"");
    assert!(load(&ok).is_ok(), "{:?}", load(&ok).err());
}

#[test]
fn unknown_instance_type() {
    let src = with_actions(
        r#"{ "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod", "instanceType": "m5.huge", "count": 2 } }"#,
    );
    let e = find(
        &src,
        "actions[2].input.instanceType",
        "unknown instance type 'm5.huge'",
    );
    assert_eq!(at(&e), pos(&src, "\"m5.huge\""));
}

#[test]
fn unknown_ami() {
    let src = with_actions(
        r#"{ "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod", "instanceType": "m5.large", "imageId": "ami-00000000" } }"#,
    );
    find(
        &src,
        "actions[2].input.imageId",
        "unknown AMI 'ami-00000000'",
    );
}

#[test]
fn unsupported_schema_version() {
    let src = with_actions("").replace("\"schemaVersion\": 1", "\"schemaVersion\": 2");
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].path, "schemaVersion");
    assert_eq!(
        all[0].message,
        "unsupported schemaVersion 2; this ecsim reads schemaVersion 1"
    );
    assert_eq!(at(&all[0]), pos(&src, "2,"));
}

#[test]
fn missing_required_top_level_fields() {
    let all = errors("{}");
    let paths: Vec<&str> = all.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["schemaVersion", "name", "actions"]);
    assert!(all
        .iter()
        .all(|e| e.message.starts_with("missing required field")));
    assert_eq!(at(&all[0]), (1, 1));
}

#[test]
fn run_task_count_11() {
    let src = run_task(r#""count": 11"#);
    let e = find(
        &src,
        "actions[2].input.count",
        "You can specify up to 10 tasks for each call.",
    );
    assert_eq!(e.value.as_deref(), Some("11"));
    assert_eq!(at(&e), pos(&src, "11"));
}

#[test]
fn six_strategies() {
    let strategy = r#"{ "type": "random" }"#;
    let src = run_task(&format!(
        "\"placementStrategy\": [{}]",
        [strategy; 6].join(", ")
    ));
    let e = find(
        &src,
        "actions[2].input.placementStrategy",
        "6 placement strategies; at most 5 are allowed",
    );
    assert_eq!(at(&e), pos(&src, "[{ \"type\": \"random\""));
}

#[test]
fn binpack_on_disk() {
    let src = run_task(r#""placementStrategy": [ { "type": "binpack", "field": "disk" } ]"#);
    let e = find(
        &src,
        "actions[2].input.placementStrategy[0].field",
        "binpack works on field cpu or memory only",
    );
    assert_eq!(at(&e), pos(&src, "\"disk\""));
}

#[test]
fn expression_on_distinct_instance() {
    let src = run_task(
        r#""placementConstraints": [ { "type": "distinctInstance", "expression": "attribute:a == b" } ]"#,
    );
    let e = find(
        &src,
        "actions[2].input.placementConstraints[0].expression",
        "You can't specify an expression if the constraint type is distinctInstance",
    );
    assert_eq!(at(&e), pos(&src, "\"attribute:a == b\""));
}

#[test]
fn bad_query_language_syntax_points_inside_the_string() {
    let src = run_task(
        r#""placementConstraints": [ { "type": "memberOf", "expression": "runningTasksCount >= many" } ]"#,
    );
    let e = find(
        &src,
        "actions[2].input.placementConstraints[0].expression",
        "expected an integer, found 'many'",
    );
    // The string's quote, then 21 characters before 'many' (QueryError column 22).
    let (line, quote) = pos(&src, "\"runningTasksCount");
    assert_eq!(at(&e), (line, quote + 22));
    assert_eq!(at(&e), pos(&src, "many\""));
}

#[test]
fn bad_query_language_columns_skip_escapes() {
    let src = with_actions(
        r#"{ "at": 0, "action": "ListContainerInstances", "input": { "cluster": "prod", "filter": "attribute:\u0061 == b andd c" } }"#,
    );
    let e = find(&src, "actions[2].input.filter", "found 'andd'");
    assert_eq!(at(&e), pos(&src, "andd"));
}

#[test]
fn expression_longer_than_2000_characters() {
    let long = format!("attribute:a in [{}]", vec!["x"; 1000].join(", "));
    let src = run_task(&format!(
        r#""placementConstraints": [ {{ "type": "memberOf", "expression": "{long}" }} ]"#
    ));
    find(
        &src,
        "actions[2].input.placementConstraints[0].expression",
        "The expression can have a maximum length of 2000 characters.",
    );
}

#[test]
fn too_many_constraints_with_the_task_definition() {
    let memberof = r#"{ "type": "memberOf", "expression": "agentConnected == true" }"#;
    let src = with_actions(&format!(
        r#"{{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "c", "placementConstraints": [{}],
         "containerDefinitions": [ {{ "name": "a", "image": "x", "memory": 64 }} ] }} }},
    {{ "at": 1, "action": "RunTask", "input": {{ "cluster": "prod", "taskDefinition": "c", "placementConstraints": [{}] }} }}"#,
        [memberof; 6].join(", "),
        [memberof; 5].join(", ")
    ));
    find(
        &src,
        "actions[3].input.placementConstraints",
        "5 constraints here plus 6 in task definition c:1 make 11",
    );
}

#[test]
fn cyclic_depends_on() {
    let src = with_containers(
        r#"[
      { "name": "a", "image": "x", "memory": 64, "dependsOn": [ { "containerName": "b", "condition": "START" } ] },
      { "name": "b", "image": "x", "memory": 64, "dependsOn": [ { "containerName": "a", "condition": "START" } ] }
    ]"#,
    );
    let e = find(
        &src,
        "actions[2].input.containerDefinitions[0].dependsOn",
        "dependsOn forms a cycle: a → b → a",
    );
    assert_eq!(at(&e), pos(&src, "[ { \"containerName\": \"b\""));
}

#[test]
fn longer_cycle_and_self_dependency() {
    let src = with_containers(
        r#"[
      { "name": "x", "image": "i", "memory": 64 },
      { "name": "a", "image": "i", "memory": 64, "dependsOn": [ { "containerName": "x", "condition": "START" }, { "containerName": "c", "condition": "START" } ] },
      { "name": "b", "image": "i", "memory": 64, "dependsOn": [ { "containerName": "a", "condition": "START" } ] },
      { "name": "c", "image": "i", "memory": 64, "dependsOn": [ { "containerName": "b", "condition": "START" } ] }
    ]"#,
    );
    find(
        &src,
        "actions[2].input.containerDefinitions[1].dependsOn",
        "a → c → b → a",
    );
    let src = with_containers(
        r#"[ { "name": "s", "image": "i", "memory": 64, "dependsOn": [ { "containerName": "s", "condition": "START" } ] } ]"#,
    );
    find(
        &src,
        "actions[2].input.containerDefinitions[0].dependsOn",
        "s → s",
    );
}

#[test]
fn depends_on_unknown_container_and_bad_conditions() {
    let src = with_containers(
        r#"[
      { "name": "a", "image": "x", "memory": 64, "dependsOn": [ { "containerName": "zz", "condition": "START" }, { "containerName": "b", "condition": "COMPLETE" }, { "containerName": "b", "condition": "HEALTHY" } ] },
      { "name": "b", "image": "x", "memory": 64 }
    ]"#,
    );
    find(
        &src,
        "actions[2].input.containerDefinitions[0].dependsOn[0].containerName",
        "unknown container 'zz'",
    );
    find(
        &src,
        "actions[2].input.containerDefinitions[0].dependsOn[1].condition",
        "can't be set on an essential container",
    );
    find(
        &src,
        "actions[2].input.containerDefinitions[0].dependsOn[2].condition",
        "the HEALTHY condition requires that container 'b' has a healthCheck",
    );
}

#[test]
fn negative_duration() {
    let src =
        with_actions(r#"{ "at": -5, "action": "DeleteCluster", "input": { "cluster": "prod" } }"#);
    let e = find(&src, "actions[2].at", "durations cannot be negative");
    assert_eq!(at(&e), pos(&src, "-5"));
    let src = with_actions(
        r#"{ "at": "-5s", "action": "DeleteCluster", "input": { "cluster": "prod" } }"#,
    );
    find(&src, "actions[2].at", "durations cannot be negative");
}

#[test]
fn unparseable_duration() {
    let src = with_actions(
        r#"{ "at": "5 minutes", "action": "DeleteCluster", "input": { "cluster": "prod" } }"#,
    );
    let e = find(
        &src,
        "actions[2].at",
        "expected a duration: a number of seconds or a string with one unit",
    );
    assert_eq!(e.value.as_deref(), Some("\"5 minutes\""));
    assert_eq!(at(&e), pos(&src, "\"5 minutes\""));
}

#[test]
fn action_after_the_horizon() {
    let src = with_actions(
        r#"{ "at": "2d", "action": "DeleteCluster", "input": { "cluster": "prod" } }"#,
    );
    find(&src, "actions[2].at", "after the horizon");
}

#[test]
fn distinct_instance_in_a_task_definition() {
    let src = with_actions(
        r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "t", "placementConstraints": [ { "type": "distinctInstance" } ],
        "containerDefinitions": [ { "name": "a", "image": "x", "memory": 64 } ] } }"#,
    );
    let e = find(
        &src,
        "actions[2].input.placementConstraints[0].type",
        "constraint.type 'distinctInstance' is not supported",
    );
    assert_eq!(at(&e), pos(&src, "\"distinctInstance\""));
}

#[test]
fn memory_reservation_above_memory() {
    let src = with_containers(
        r#"[ { "name": "a", "image": "x", "memory": 256, "memoryReservation": 513 } ]"#,
    );
    let e = find(
        &src,
        "actions[2].input.containerDefinitions[0].memoryReservation",
        "memoryReservation must be less than memory",
    );
    assert_eq!(at(&e), pos(&src, "513"));
}

#[test]
fn container_memory_rules() {
    let src = with_containers(r#"[ { "name": "a", "image": "x" } ]"#);
    find(
        &src,
        "actions[2].input.containerDefinitions[0]",
        "at least one of 'memory' or 'memoryReservation' must be specified",
    );
    let src = with_actions(
        r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "t", "memory": "512",
        "containerDefinitions": [ { "name": "a", "image": "x", "memoryReservation": 400 }, { "name": "b", "image": "x", "memory": 200 } ] } }"#,
    );
    find(
        &src,
        "actions[2].input.memory",
        "the containers reserve 600 MiB, more than the task memory 512 MiB",
    );
    let src = with_containers(
        r#"[ { "name": "a", "image": "x", "memory": 64, "essential": false }, { "name": "a", "image": "x", "memory": 64, "essential": false } ]"#,
    );
    find(
        &src,
        "actions[2].input.containerDefinitions[1].name",
        "duplicate container name 'a'",
    );
    find(
        &src,
        "actions[2].input.containerDefinitions",
        "at least one container must be essential",
    );
    let src = with_containers("[]");
    find(
        &src,
        "actions[2].input.containerDefinitions",
        "at least one container",
    );
}

#[test]
fn port_mapping_rules() {
    let src = with_actions(
        r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "t", "networkMode": "host",
        "containerDefinitions": [ { "name": "a", "image": "x", "memory": 64, "portMappings": [ { "containerPort": 80, "hostPort": 8080 } ] } ] } }"#,
    );
    find(
        &src,
        "actions[2].input.containerDefinitions[0].portMappings[0].hostPort",
        "in host network mode hostPort must be left out or equal containerPort (80)",
    );
    let src = src.replace("\"host\"", "\"awsvpc\"");
    find(
        &src,
        "actions[2].input.containerDefinitions[0].portMappings[0].hostPort",
        "in awsvpc network mode",
    );
    let src = src.replace("\"awsvpc\"", "\"none\"");
    find(
        &src,
        "actions[2].input.containerDefinitions[0].portMappings",
        "networkMode none can't have port mappings",
    );
}

#[test]
fn task_level_sizes_are_strings() {
    let src = with_actions(
        r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "t", "cpu": 256, "memory": "lots",
        "containerDefinitions": [ { "name": "a", "image": "x" } ] } }"#,
    );
    find(
        &src,
        "actions[2].input.cpu",
        "write it as a string, e.g. \"cpu\": \"256\"",
    );
    find(
        &src,
        "actions[2].input.memory",
        "expected MiB like \"2048\" or GB like \"2 GB\"",
    );
}

#[test]
fn cluster_never_created() {
    let src = run_task("\"count\": 1").replace("\"cluster\": \"prod\"", "\"cluster\": \"staging\"");
    let e = find(
        &src,
        "actions[2].input.cluster",
        "unknown cluster 'staging'; clusters that exist at this point: prod",
    );
    assert_eq!(at(&e), pos(&src, "\"staging\""));
    // Without a cluster, the request means the default cluster, which nobody created.
    let src =
        with_actions(r#"{ "at": 1, "action": "RunTask", "input": { "taskDefinition": "web" } }"#);
    let e = find(
        &src,
        "actions[2].input.cluster",
        "unknown cluster 'default'",
    );
    assert_eq!(at(&e), pos(&src, "{ \"taskDefinition\""));
}

#[test]
fn cluster_deleted_earlier() {
    let src = with_actions(
        r#"{ "at": 5, "action": "DeleteCluster", "input": { "cluster": "prod" } },
    { "at": 6, "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web" } }"#,
    );
    find(
        &src,
        "actions[3].input.cluster",
        "unknown cluster 'prod'; no cluster exists at this point",
    );
}

#[test]
fn launch_type_and_capacity_providers() {
    let src = run_task(r#""launchType": "FARGATE""#);
    find(
        &src,
        "actions[2].input.launchType",
        "the FARGATE launch type is not simulated by this version of ecsim",
    );
    let src = run_task(
        r#""capacityProviderStrategy": [ { "capacityProvider": "FARGATE", "weight": 1 } ]"#,
    );
    find(
        &src,
        "actions[2].input.capacityProviderStrategy",
        "capacity providers are not simulated by this version of ecsim",
    );
    let src = run_task(
        r#""launchType": "EC2", "capacityProviderStrategy": [ { "capacityProvider": "cp", "weight": 1 } ]"#,
    );
    find(
        &src,
        "actions[2].input.capacityProviderStrategy",
        "the launchType parameter must be omitted",
    );
}

#[test]
fn awsvpc_needs_network_configuration() {
    let src = with_actions(
        r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "v", "networkMode": "awsvpc",
        "containerDefinitions": [ { "name": "a", "image": "x", "memory": 64 } ] } },
    { "at": 1, "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "v" } }"#,
    );
    find(
        &src,
        "actions[3].input.networkConfiguration",
        "uses the awsvpc network mode, which requires it",
    );
    let src =
        run_task(r#""networkConfiguration": { "awsvpcConfiguration": { "subnets": ["s"] } }"#);
    find(
        &src,
        "actions[2].input.networkConfiguration",
        "networkConfiguration isn't supported",
    );
}

#[test]
fn container_override_names_a_container() {
    let src = run_task(
        r#""overrides": { "containerOverrides": [ { "name": "nope", "cpu": 1 }, { "cpu": 2 } ] }"#,
    );
    find(
        &src,
        "actions[2].input.overrides.containerOverrides[0].name",
        "task definition web:1 has no container 'nope'; its containers are app",
    );
    find(
        &src,
        "actions[2].input.overrides.containerOverrides[1].name",
        "missing required field 'name'",
    );
}

#[test]
fn deregister_needs_a_revision() {
    let src = with_actions(
        r#"{ "at": 1, "action": "DeregisterTaskDefinition", "input": { "taskDefinition": "web" } }"#,
    );
    find(
        &src,
        "actions[2].input.taskDefinition",
        "You must specify a revision.",
    );
}

#[test]
fn selector_needs_exactly_one() {
    let src = with_actions(
        r#"{ "at": 1, "action": "DisconnectAgent", "input": { "cluster": "prod", "containerInstances": ["i-1"], "filter": "agentConnected == true" } }"#,
    );
    find(
        &src,
        "actions[2].input.filter",
        "give containerInstances or filter, not both",
    );
    let src = with_actions(
        r#"{ "at": 1, "action": "TerminateContainerInstances", "input": { "cluster": "prod" } }"#,
    );
    find(
        &src,
        "actions[2].input",
        "missing containerInstances or filter",
    );
}

#[test]
fn simulation_blocks() {
    let src = with_actions(
        r#"{ "at": 1, "action": "DeleteCluster", "input": { "cluster": "prod" }, "simulation": {} }"#,
    );
    find(
        &src,
        "actions[2].simulation",
        "DeleteCluster takes no simulation block",
    );
    let src = run_task("\"count\": 1").replace(
        "\"count\": 1 } }",
        r#""count": 1 }, "simulation": { "pending": "5s", "timings": { "pending": "6s" }, "failToStartProbability": 1.5,
           "runDuration": { "dist": "uniform", "min": "10m", "max": "5m" }, "crashAfter": { "dist": "weibull" }, "oops": 1 } }"#,
    );
    find(
        &src,
        "actions[2].simulation.pending",
        "'pending' is set both here and in this block's timings",
    );
    find(
        &src,
        "actions[2].simulation.failToStartProbability",
        "expected a probability from 0 to 1",
    );
    find(
        &src,
        "actions[2].simulation.runDuration.min",
        "min must not exceed max",
    );
    find(
        &src,
        "actions[2].simulation.crashAfter.dist",
        "unknown distribution 'weibull'",
    );
    find(&src, "actions[2].simulation.oops", "unknown field 'oops'");
}

#[test]
fn assertions() {
    let src = with_actions("").replace(
        "\"name\": \"broken\",",
        r#""name": "broken", "assertions": [ { "type": "minHealthyTasks", "cluster": "prod", "service": "web", "atLeast": 2 }, { "type": "maxFailures" }, { "type": "maxPlacementFailures", "atMost": -1 } ],"#,
    );
    find(
        &src,
        "assertions[0].type",
        "assertion 'minHealthyTasks' needs services, which this version of ecsim does not simulate",
    );
    find(
        &src,
        "assertions[1].type",
        "unknown assertion type 'maxFailures'",
    );
    find(
        &src,
        "assertions[2].atMost",
        "expected an integer of at least 0",
    );
}

#[test]
fn duplicate_keys() {
    let src = run_task("\"count\": 1, \"count\": 2");
    let e = find(
        &src,
        "actions[2].input.count",
        "duplicate key; each field may appear once",
    );
    assert_eq!(at(&e), pos(&src, "\"count\": 2"));
}

#[test]
fn errors_come_in_document_order_and_all_at_once() {
    let src = with_actions(
        r#"{ "at": "9s", "action": "RunTask", "input": { "cluster": "nope", "taskDefinition": "web", "count": 0 } },
    { "at": "1s", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "zzz" } }"#,
    );
    let all = errors(&src);
    let paths: Vec<&str> = all.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "actions[2].input.cluster",
            "actions[2].input.count",
            "actions[3].input.taskDefinition"
        ]
    );
    let positions: Vec<(usize, usize)> = all.iter().map(at).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(positions, sorted);
}

#[test]
fn display_format() {
    let src = run_task(r#""count": 11"#);
    let e = find(&src, "actions[2].input.count", "count must be from 1 to 10");
    let (line, column) = pos(&src, "11");
    assert_eq!(
        e.to_string(),
        format!("{line}:{column}: actions[2].input.count: count must be from 1 to 10: \"You can specify up to 10 tasks for each call.\" (API: RunTask.count) (found 11)")
    );
}
