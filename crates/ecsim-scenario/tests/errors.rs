//! A corpus of broken scenarios: each asserts the error's JSON path, its line and column where
//! they are meaningful, and a fragment of its message.

use ecsim_scenario::{load, ScenarioError};

/// Capacity providers and their groups, clusters' providers, capacity faults, pricing, subnets
/// and the capacity assertions.
#[path = "errors/capacity.rs"]
mod capacity;
/// Capacity provider strategies, Fargate tasks and network configurations.
#[path = "errors/fargate.rs"]
mod fargate;
/// The `faults` block and StopTask's simulation block.
#[path = "errors/faults.rs"]
mod faults;

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
    // Just after `"é"`, where the comma is missing (counted in characters, not bytes).
    assert_eq!((all[0].line, all[0].column), (Some(1), Some(13)));
    let src = "{\"name\": \"é\" 1:}";
    let all = errors(src);
    assert_eq!((all[0].line, all[0].column), (Some(1), Some(13)));
    let src = "{\"name\": [\"é\", tru]}";
    let all = errors(src);
    assert_eq!((all[0].line, all[0].column), (Some(1), Some(19)));
}

#[test]
fn a_missing_comma_points_at_the_line_where_it_is_missing() {
    for (src, expected) in [
        (
            "{\n  \"schemaVersion\": 1,\n  \"name\": \"x\"\n  \"actions\": []\n}",
            (3, 14),
        ),
        (
            "{\"actions\": [\n  {\"at\": 0}\n\n  {\"at\": 1}\n]}",
            (2, 12),
        ),
        ("{\"a\": 1 \"b\": 2}", (1, 8)),
    ] {
        let all = errors(src);
        assert_eq!(all.len(), 1);
        assert_eq!(at(&all[0]), expected, "{src}: {}", all[0]);
        assert!(
            all[0].message.contains("a comma is probably missing here"),
            "{}",
            all[0]
        );
    }
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
    // One misspelling, one error: `nmae` stands for `name`, which is not reported missing.
    assert_eq!(errors(&src).len(), 1);
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

/// One misspelling, one error: a misspelled action is read as the action it is closest to for
/// what it defines, so the actions that name its cluster, task definition or service do not
/// report them unknown (and advise adding the action that is there).
#[test]
fn a_misspelled_action_is_one_error() {
    let src = r#"{
  "schemaVersion": 1,
  "name": "x",
  "actions": [
    { "at": 0, "action": "CreateClustr", "input": { "clusterName": "prod" } },
    { "at": 0, "action": "RegisterTaskDefiniton", "input": { "family": "web",
       "containerDefinitions": [ { "name": "app", "image": "nginx", "memory": "lots" } ] } },
    { "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } },
    { "at": 2, "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "desiredCount": 2 } },
    { "at": 3, "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web:1" } }
  ],
  "assertions": [ { "type": "serviceSteadyBy", "cluster": "prod", "service": "web", "by": "1h" } ]
}"#;
    let all = errors(src);
    let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "5:26: actions[0].action: unknown action 'CreateClustr'; did you mean 'CreateCluster'? (found \"CreateClustr\")",
            "6:26: actions[1].action: unknown action 'RegisterTaskDefiniton'; did you mean 'RegisterTaskDefinition'? (found \"RegisterTaskDefiniton\")",
        ],
        "the guessed actions' own requests are not judged (the memory of a guess is not an error)"
    );
    // A name with no close action is one error too: what it would have defined is unknowable,
    // so the references after it are not reported.
    let src = src
        .replace("CreateClustr", "MakeCluster")
        .replace("RegisterTaskDefiniton", "RegisterTaskDefinition")
        .replace("\"lots\"", "512");
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0]
        .message
        .starts_with("unknown action 'MakeCluster'; expected one of"));
}

/// A misspelled field stands for the field it is closest to: it is not reported missing, and
/// what it names is defined.
#[test]
fn a_misspelled_field_is_one_error() {
    let src = with_actions(
        r#"{ "at": 0, "action": "CreateCluster", "input": { "clusterNme": "staging" } },
    { "at": 1, "action": "RunTask", "input": { "cluster": "staging", "taskDefinition": "web" } }"#,
    );
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path, "actions[2].input.clusterNme");
    assert!(all[0]
        .message
        .contains("unknown field 'clusterNme'; did you mean 'clusterName'?"));
    // The value is read as the field's: its own errors are reported where it is.
    let src =
        with_actions(r#"{ "at": 0, "action": "CreateCluster", "input": { "ClusterName": 5 } }"#);
    find(&src, "actions[2].input.ClusterName", "expected a string");
}

/// `simulation` blocks say "did you mean" as requests do, for a name that begins the one meant.
#[test]
fn simulation_blocks_suggest_the_field_meant() {
    let src = with_actions(
        r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "t",
       "containerDefinitions": [ { "name": "a", "image": "x", "memory": 64 } ] }, "simulation": { "failToStart": 0.5 } }"#,
    );
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path, "actions[2].simulation.failToStart");
    assert_eq!(
        all[0].message,
        "unknown field 'failToStart'; did you mean 'failToStartProbability'?"
    );
    assert_eq!(at(&all[0]), pos(&src, "\"failToStart\""));
    // Read as the probability it stands for.
    let src = src.replace("0.5", "5");
    find(
        &src,
        "actions[2].simulation.failToStart",
        "expected a probability from 0 to 1",
    );
}

/// One mistake that shows in many places is one error: a horizon too short for the actions and
/// assertions after it, counted at the first.
#[test]
fn times_after_a_short_horizon_are_one_error() {
    let src = with_actions(
        r#"{ "at": "2m", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web" } },
    { "at": "3m", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web" } },
    { "at": "4m", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web" } },
    { "at": "5m", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web" } },
    { "at": "6m", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web" } }"#,
    )
    .replace("\"name\": \"broken\",", "\"name\": \"broken\", \"horizon\": \"1m\",");
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path, "actions[2].at");
    assert!(
        all[0].message.ends_with(
            "so it would never run; move it earlier or raise horizon; so are actions[3].at, actions[4].at, actions[5].at and 1 more place"
        ),
        "{}",
        all[0]
    );
}

#[test]
fn start_instance_refresh_errors() {
    // A Fargate provider has no instances to refresh.
    let src = with_actions(
        r#"{ "at": 0, "action": "StartInstanceRefresh", "input": { "capacityProvider": "FARGATE", "imageId": "ami-aff65ad2" } }"#,
    );
    let e = find(
        &src,
        "actions[2].input.capacityProvider",
        "capacity provider FARGATE is Fargate, which has no instances to refresh",
    );
    assert_eq!(at(&e), pos(&src, "\"FARGATE\""));
    // Each preference out of its range, and the spread between them, is its own error.
    let src = with_actions(
        r#"{ "at": 0, "action": "StartInstanceRefresh", "input": { "capacityProvider": "FARGATE_SPOT", "imageId": "ami-unknown", "minHealthyPercentage": 101, "maxHealthyPercentage": 99 } }"#,
    );
    find(
        &src,
        "actions[2].input.imageId",
        "unknown AMI 'ami-unknown'",
    );
    find(
        &src,
        "actions[2].input.minHealthyPercentage",
        "expected a percentage from 0 to 100",
    );
    find(
        &src,
        "actions[2].input.maxHealthyPercentage",
        "expected a percentage from 100 to 200",
    );
    let src = with_actions(
        r#"{ "at": 0, "action": "StartInstanceRefresh", "input": { "capacityProvider": "FARGATE", "imageId": "ami-aff65ad2", "minHealthyPercentage": 50, "maxHealthyPercentage": 160 } }"#,
    );
    find(
        &src,
        "actions[2].input.maxHealthyPercentage",
        "maxHealthyPercentage 160 is more than 100 above minHealthyPercentage 50",
    );
}

#[test]
fn describe_instance_image_metadata_input() {
    // EC2's request body (SPEC §13.1): what EC2 would refuse on the request alone.
    let q = |input: &str| {
        with_actions(&format!(
            r#"{{ "at": 0, "action": "DescribeInstanceImageMetadata", "input": {input} }}"#
        ))
    };
    find(
        &q(r#"{ "Filters": [ { "Name": "instance-types", "Values": ["m5.large"] } ] }"#),
        "actions[2].input.Filters[0].Name",
        "the filter 'instance-types' is invalid (EC2: InvalidParameterValue); unknown filter 'instance-types'; did you mean 'instance-type'?",
    );
    find(
        &q(r#"{ "Filters": [ { "Name": "tag:", "Values": ["x"] } ] }"#),
        "actions[2].input.Filters[0].Name",
        "the filter 'tag:' is invalid",
    );
    find(
        &q(r#"{ "Filters": [ { "Name": "tag-key" } ] }"#),
        "actions[2].input.Filters[0].Values",
        "missing required field 'Values'",
    );
    find(
        &q(r#"{ "Filters": [ { "Name": "tag-key", "Values": [] } ] }"#),
        "actions[2].input.Filters[0].Values",
        "expected at least one value to match",
    );
    find(
        &q(r#"{ "MaxResults": 1001 }"#),
        "actions[2].input.MaxResults",
        "expected from 1 to 1000 (DescribeInstanceImageMetadata.MaxResults)",
    );
    find(
        &q(r#"{ "MaxResults": 0 }"#),
        "actions[2].input.MaxResults",
        "expected from 1 to 1000",
    );
    find(
        &q(r#"{ "InstanceIds": ["i-123", "web-1"] }"#),
        "actions[2].input.InstanceIds[1]",
        "invalid id: \"web-1\"",
    );
    find(
        &q(r#"{ "Filter": [] }"#),
        "actions[2].input.Filter",
        "unknown field 'Filter'; did you mean 'Filters'?",
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
    assert!(long.chars().count() > 2000);
    let src = run_task(&format!(
        r#""placementConstraints": [ {{ "type": "memberOf", "expression": "{long}" }} ]"#
    ));
    find(
        &src,
        "actions[2].input.placementConstraints[0].expression",
        "The expression can have a maximum length of 2000 characters.",
    );
    // The limit is PlacementConstraint's, so CreateService and UpdateService have it too.
    let constraint = format!(r#"[ {{ "type": "memberOf", "expression": "{long}" }} ]"#);
    let src = create_service(&format!(
        r#""taskDefinition": "web", "desiredCount": 1, "placementConstraints": {constraint}"#
    ));
    find(
        &src,
        "actions[2].input.placementConstraints[0].expression",
        "maximum length of 2000 characters",
    );
    let src = service_action(
        "UpdateService",
        &format!(r#""cluster": "prod", "service": "web", "placementConstraints": {constraint}"#),
    );
    find(
        &src,
        "actions[6].input.placementConstraints[0].expression",
        "maximum length of 2000 characters",
    );
    // A task definition's constraint (TaskDefinitionPlacementConstraint) and a filter have no
    // stated limit: a long valid expression is accepted there.
    let src = with_actions(&format!(
        r#"{{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "c", "placementConstraints": {constraint},
         "containerDefinitions": [ {{ "name": "a", "image": "x", "memory": 64 }} ] }} }},
    {{ "at": 0, "action": "ListContainerInstances", "input": {{ "cluster": "prod", "filter": "{long}" }} }}"#
    ));
    if let Err(errors) = load(&src) {
        panic!("a long expression outside PlacementConstraint is valid: {errors:?}");
    }
}

#[test]
fn control_characters_in_an_expression_are_refused_where_they_are() {
    let src = with_actions(
        r#"{ "at": 0, "action": "ListContainerInstances", "input": { "cluster": "prod", "filter": "attribute:a == b\u0000c" } }"#,
    );
    let e = find(
        &src,
        "actions[2].input.filter",
        "expected printable characters (no NUL or other control characters), found the control character U+0000",
    );
    assert_eq!(at(&e), pos(&src, "\\u0000"));
    let src = run_task(
        r#""placementConstraints": [ { "type": "memberOf", "expression": "attribute:a ==\tb" } ]"#,
    );
    let e = find(
        &src,
        "actions[2].input.placementConstraints[0].expression",
        "found the control character U+0009",
    );
    assert_eq!(at(&e), pos(&src, "\\tb"));
}

#[test]
fn operators_the_subject_table_does_not_allow_are_syntax_errors() {
    for (expression, column) in [
        ("ec2InstanceId > i-1", 15),
        ("runningTasksCount in [1, 2]", 19),
        ("agentVersion =~ '1.17.*'", 14),
        ("agentConnected > true", 16),
    ] {
        let src = with_actions(&format!(
            r#"{{ "at": 0, "action": "ListContainerInstances", "input": {{ "cluster": "prod", "filter": "{expression}" }} }}"#
        ));
        let subject = expression.split(' ').next().unwrap();
        let e = find(
            &src,
            "actions[2].input.filter",
            &format!(
                "at column {column} of the expression: expected an operator that {subject} takes"
            ),
        );
        let (line, quote) = pos(&src, &format!("\"{subject}"));
        assert_eq!(at(&e), (line, quote + column), "{expression}");
    }
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
        "unknown cluster 'staging'; clusters created before this action: prod",
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

/// RULE: a DeleteCluster the cluster may refuse (API DeleteCluster: "You must deregister all
/// container instances from this cluster before you may delete it") leaves the name to later
/// actions; the engine decides at run time (ClusterNotFoundException where it is gone).
#[test]
fn cluster_deleted_earlier() {
    let src = with_actions(
        r#"{ "at": 5, "action": "DeleteCluster", "input": { "cluster": "prod" } },
    { "at": 6, "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web" } },
    { "at": 7, "action": "DeleteCluster", "input": { "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod" } }"#,
    );
    assert!(load(&src).is_ok(), "{:?}", load(&src).err());
    let src = with_actions(
        r#"{ "at": 5, "action": "DeleteCluster", "input": { "cluster": "prod" } },
    { "at": 6, "action": "RunTask", "input": { "cluster": "staging", "taskDefinition": "web" } }"#,
    );
    find(
        &src,
        "actions[3].input.cluster",
        "unknown cluster 'staging'; clusters created before this action: prod",
    );
}

#[test]
fn launch_type_and_capacity_providers() {
    let src = run_task(r#""launchType": "EXTERNAL""#);
    find(
        &src,
        "actions[2].input.launchType",
        "the EXTERNAL launch type is not simulated by this version of ecsim; use EC2 or FARGATE",
    );
    let src = run_task(r#""launchType": "SPOT""#);
    find(
        &src,
        "actions[2].input.launchType",
        "expected EC2, FARGATE or EXTERNAL (API: RunTask.launchType)",
    );
    let src = run_task(
        r#""launchType": "EC2", "capacityProviderStrategy": [ { "capacityProvider": "FARGATE", "weight": 1 } ]"#,
    );
    let e = find(
        &src,
        "actions[2].input.capacityProviderStrategy",
        "launchType and capacityProviderStrategy can't both be given: \"If a capacityProviderStrategy is specified, the launchType parameter must be omitted.\" (API: RunTask.capacityProviderStrategy); remove one",
    );
    assert_eq!(at(&e), pos(&src, "\"capacityProviderStrategy\""));
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
        "assertions[0].service",
        "no action creates service 'web' in cluster 'prod'; an assertion needs a CreateService of that name in the scenario",
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

// --- Services ------------------------------------------------------------------------------

/// A CreateService of service `s` on `prod` with the given further input fields (index 2), and
/// an optional `simulation` block.
fn create_service(fields: &str) -> String {
    with_actions(&format!(
        r#"{{ "at": 1, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "s", {fields} }} }}"#
    ))
}

/// Services at index 2 to 5: `web` (REPLICA, ECS controller), `agent` (DAEMON), `ext` (EXTERNAL)
/// and a task set of `ext` with externalId `blue` (id ecs-svc/5000000000000000001); then
/// `actions` from index 6.
fn with_services(actions: &str) -> String {
    with_actions(&format!(
        r#"{{ "at": 1, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 2 }} }},
    {{ "at": 1, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "agent", "taskDefinition": "web", "schedulingStrategy": "DAEMON" }} }},
    {{ "at": 1, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "ext", "desiredCount": 2, "deploymentController": {{ "type": "EXTERNAL" }} }} }},
    {{ "at": 1, "action": "CreateTaskSet", "input": {{ "cluster": "prod", "service": "ext", "taskDefinition": "web", "externalId": "blue" }} }},
    {actions}"#
    ))
}

/// An action of `kind` at index 6 with the given input fields.
fn service_action(kind: &str, fields: &str) -> String {
    with_services(&format!(
        r#"{{ "at": 2, "action": "{kind}", "input": {{ {fields} }} }}"#
    ))
}

#[test]
fn service_actions_are_valid_as_set_up() {
    // The fixtures above load, so each error below is the one its test introduces.
    assert!(load(&with_services(
        r#"{ "at": 2, "action": "DescribeServices", "input": { "cluster": "prod", "services": ["web"] } }"#
    ))
    .is_ok());
    assert!(load(&create_service(
        r#""taskDefinition": "web", "desiredCount": 1"#
    ))
    .is_ok());
}

#[test]
fn create_service_name() {
    let src = create_service(r#""taskDefinition": "web", "desiredCount": 1"#)
        .replace(r#""serviceName": "s", "#, "");
    find(
        &src,
        "actions[2].input.serviceName",
        "missing required field 'serviceName'",
    );
    for bad in ["web app", "", "web.app"] {
        let src = create_service(r#""taskDefinition": "web", "desiredCount": 1"#).replace(
            r#""serviceName": "s""#,
            &format!(r#""serviceName": "{bad}""#),
        );
        find(
            &src,
            "actions[2].input.serviceName",
            "expected up to 255 letters, numbers, underscores and hyphens (API: CreateService.serviceName)",
        );
    }
    let long = "a".repeat(256);
    let src = create_service(r#""taskDefinition": "web", "desiredCount": 1"#).replace(
        r#""serviceName": "s""#,
        &format!(r#""serviceName": "{long}""#),
    );
    find(&src, "actions[2].input.serviceName", "expected up to 255");
    // 255 is fine.
    let ok = create_service(r#""taskDefinition": "web", "desiredCount": 1"#).replace(
        r#""serviceName": "s""#,
        &format!(r#""serviceName": "{}""#, "a".repeat(255)),
    );
    assert!(load(&ok).is_ok());
}

#[test]
fn create_service_name_must_be_unique_in_its_cluster() {
    let src = with_services(
        r#"{ "at": 2, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } }"#,
    );
    let e = find(
        &src,
        "actions[6].input.serviceName",
        "service 'web' already exists in cluster 'prod'",
    );
    assert!(e
        .message
        .contains("Service names must be unique within a cluster"));
    assert_eq!(errors(&src).len(), 1);
    // Another cluster may have a service of that name.
    let src = with_services(
        r#"{ "at": 2, "action": "CreateCluster", "input": { "clusterName": "other" } },
    { "at": 3, "action": "CreateService", "input": { "cluster": "other", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } }"#,
    );
    assert!(load(&src).is_ok());
}

#[test]
fn create_service_task_definition() {
    let src = create_service(r#""desiredCount": 1"#);
    find(
        &src,
        "actions[2].input.taskDefinition",
        "missing required field 'taskDefinition'; family, family:revision or a task definition ARN: \"A task definition must be specified if the service uses either the ECS or CODE_DEPLOY deployment controllers.\"",
    );
    let src = create_service(r#""taskDefinition": "api", "desiredCount": 1"#);
    find(
        &src,
        "actions[2].input.taskDefinition",
        "unknown task definition 'api'; registered before this action: web:1",
    );
    let src = create_service(
        r#""taskDefinition": "web", "desiredCount": 1, "deploymentController": { "type": "EXTERNAL" }"#,
    );
    let e = find(
        &src,
        "actions[2].input.taskDefinition",
        "a service with the EXTERNAL deployment controller takes no taskDefinition",
    );
    assert_eq!(at(&e), pos(&src, "\"taskDefinition\""));
}

#[test]
fn create_service_awsvpc_needs_a_network_configuration() {
    let src = with_actions(
        r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "v", "networkMode": "awsvpc", "containerDefinitions": [ { "name": "app", "image": "nginx", "memory": 128 } ] } },
    { "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "s", "taskDefinition": "v", "desiredCount": 1 } }"#,
    );
    find(
        &src,
        "actions[3].input.networkConfiguration",
        "uses the awsvpc network mode, which requires it (API: CreateService.networkConfiguration)",
    );
}

#[test]
fn create_service_scheduling_strategy_and_desired_count() {
    let src = create_service(
        r#""taskDefinition": "web", "desiredCount": 1, "schedulingStrategy": "REPLICAS""#,
    );
    find(
        &src,
        "actions[2].input.schedulingStrategy",
        "expected REPLICA or DAEMON (API: CreateService.schedulingStrategy)",
    );
    let src = create_service(r#""taskDefinition": "web""#);
    find(
        &src,
        "actions[2].input.desiredCount",
        "missing required field 'desiredCount'; the number of tasks to keep running: \"This is required if schedulingStrategy is REPLICA or isn't specified.\"",
    );
    for n in ["5001", "-1"] {
        let src = create_service(&format!(r#""taskDefinition": "web", "desiredCount": {n}"#));
        let e = find(
            &src,
            "actions[2].input.desiredCount",
            "expected from 0 to 5000 tasks: a service runs at most 5000 tasks",
        );
        assert_eq!(e.value.as_deref(), Some(n));
    }
    let src = create_service(r#""taskDefinition": "web", "desiredCount": 1.5"#);
    find(
        &src,
        "actions[2].input.desiredCount",
        "expected a whole number",
    );
}

#[test]
fn daemon_services() {
    let daemon = r#""taskDefinition": "web", "schedulingStrategy": "DAEMON""#;
    let src = create_service(&format!("{daemon}, \"desiredCount\": 3"));
    let e = find(
        &src,
        "actions[2].input.desiredCount",
        "a DAEMON service takes no desiredCount",
    );
    assert_eq!(at(&e), pos(&src, "\"desiredCount\""));
    let src = create_service(&format!(
        r#"{daemon}, "placementStrategy": [ {{ "type": "spread", "field": "instanceId" }} ]"#
    ));
    find(
        &src,
        "actions[2].input.placementStrategy",
        "the DAEMON scheduling strategy does not support placement strategies",
    );
    // An empty array gives none.
    assert!(load(&create_service(&format!(
        r#"{daemon}, "placementStrategy": []"#
    )))
    .is_ok());
    let src = create_service(&format!(
        r#"{daemon}, "deploymentConfiguration": {{ "maximumPercent": 200 }}"#
    ));
    find(
        &src,
        "actions[2].input.deploymentConfiguration.maximumPercent",
        "a DAEMON service's maximumPercent must be 100: \"the maximum percent parameter must be 100\"",
    );
    let src = create_service(
        r#""schedulingStrategy": "DAEMON", "deploymentController": { "type": "EXTERNAL" }"#,
    );
    find(
        &src,
        "actions[2].input.schedulingStrategy",
        "the DAEMON scheduling strategy can't be used with the EXTERNAL deployment controller: \"Tasks using the Fargate launch type or the CODE_DEPLOY or EXTERNAL deployment controller types don't support the DAEMON scheduling strategy.\"",
    );
}

#[test]
fn deployment_controller() {
    let src = create_service(
        r#""taskDefinition": "web", "desiredCount": 1, "deploymentController": { "type": "CODE_DEPLOY" }"#,
    );
    find(
        &src,
        "actions[2].input.deploymentController.type",
        "the CODE_DEPLOY (blue/green) deployment controller is not simulated by this version of ecsim; use ECS (rolling update) or EXTERNAL (task sets)",
    );
    let src = create_service(
        r#""taskDefinition": "web", "desiredCount": 1, "deploymentController": { "type": "BLUE" }"#,
    );
    find(
        &src,
        "actions[2].input.deploymentController.type",
        "expected ECS, CODE_DEPLOY or EXTERNAL (API: DeploymentController.type)",
    );
    let src =
        create_service(r#""taskDefinition": "web", "desiredCount": 1, "deploymentController": {}"#);
    find(
        &src,
        "actions[2].input.deploymentController.type",
        "missing required field 'type'",
    );
    // With EXTERNAL, "The only required parameter is the service name."
    assert!(load(&create_service(
        r#""deploymentController": { "type": "EXTERNAL" }"#
    ))
    .is_ok());
}

#[test]
fn create_service_launch_type_and_capacity_providers() {
    let src = create_service(r#""taskDefinition": "web", "desiredCount": 1, "launchType": "SPOT""#);
    find(
        &src,
        "actions[2].input.launchType",
        "expected EC2, FARGATE or EXTERNAL (API: CreateService.launchType)",
    );
    let src = create_service(
        r#""taskDefinition": "web", "desiredCount": 1, "capacityProviderStrategy": [ { "capacityProvider": "cp", "weight": 1 } ]"#,
    );
    let e = find(
        &src,
        "actions[2].input.capacityProviderStrategy[0].capacityProvider",
        "unknown capacity provider 'cp'; the Fargate providers are FARGATE and FARGATE_SPOT, and no CreateCapacityProvider creates another before this action",
    );
    assert_eq!(at(&e), pos(&src, "\"cp\""));
    let src = create_service(
        r#""taskDefinition": "web", "desiredCount": 1, "launchType": "EC2", "capacityProviderStrategy": [ { "capacityProvider": "FARGATE", "weight": 1 } ]"#,
    );
    find(
        &src,
        "actions[2].input.capacityProviderStrategy",
        "launchType and capacityProviderStrategy can't both be given",
    );
}

#[test]
fn deployment_configuration() {
    let with = |config: &str| {
        create_service(&format!(
            r#""taskDefinition": "web", "desiredCount": 1, "deploymentConfiguration": {config}"#
        ))
    };
    let path = "actions[2].input.deploymentConfiguration";
    find(
        &with(r#"{ "minimumHealthyPercent": 101 }"#),
        &format!("{path}.minimumHealthyPercent"),
        "expected a percentage of desiredCount from 0 to 100",
    );
    find(
        &with(r#"{ "maximumPercent": 99 }"#),
        &format!("{path}.maximumPercent"),
        "expected a percentage of desiredCount from 100 to 10000",
    );
    find(
        &with(r#"{ "maximumPercent": 10001 }"#),
        &format!("{path}.maximumPercent"),
        "from 100 to 10000",
    );
    find(
        &with(r#"{ "deploymentCircuitBreaker": { "enable": true } }"#),
        &format!("{path}.deploymentCircuitBreaker.rollback"),
        "missing required field 'rollback'",
    );
    find(
        &with(r#"{ "deploymentCircuitBreaker": { "enable": true, "rollback": "yes" } }"#),
        &format!("{path}.deploymentCircuitBreaker.rollback"),
        "expected true or false",
    );
    find(
        &with(r#"{ "strategy": "BLUE_GREEN" }"#),
        &format!("{path}.strategy"),
        "expected ROLLING: ecsim simulates rolling deployments only",
    );
    find(
        &with(r#"{ "strategy": "ROLING" }"#),
        &format!("{path}.strategy"),
        "expected ROLLING",
    );
    find(
        &with(r#"{ "bakeTimeInMinutes": "5" }"#),
        &format!("{path}.bakeTimeInMinutes"),
        "expected an integer (API model: DeploymentConfiguration.bakeTimeInMinutes)",
    );
    find(
        &with(
            r#"{ "bakeTimeInMinutes": 5, "alarms": { "alarmNames": [], "enable": "yes", "rollback": true } }"#,
        ),
        &format!("{path}.alarms.enable"),
        "expected true or false (API model: DeploymentAlarms.enable)",
    );
    find(
        &with(r#"[]"#),
        path,
        "expected an object (a deployment configuration",
    );
    let src = create_service(
        r#""deploymentController": { "type": "EXTERNAL" }, "deploymentConfiguration": { "deploymentCircuitBreaker": { "enable": true, "rollback": false } }"#,
    );
    find(
        &src,
        &format!("{path}.deploymentCircuitBreaker"),
        "\"The deployment circuit breaker can only be used for services using the rolling update (ECS) deployment type.\"",
    );
    // 0/100 and 100/100 are valid (a deployment that can't progress is an outcome).
    assert!(load(&with(
        r#"{ "minimumHealthyPercent": 100, "maximumPercent": 100 }"#
    ))
    .is_ok());
}

#[test]
fn create_service_other_fields() {
    for v in ["-1", "2147483648"] {
        let src = create_service(&format!(
            r#""taskDefinition": "web", "desiredCount": 1, "healthCheckGracePeriodSeconds": {v}"#
        ));
        find(
            &src,
            "actions[2].input.healthCheckGracePeriodSeconds",
            "expected from 0 to 2147483647 seconds",
        );
    }
    let src =
        create_service(r#""taskDefinition": "web", "desiredCount": 1, "propagateTags": "ALL""#);
    find(
        &src,
        "actions[2].input.propagateTags",
        "expected TASK_DEFINITION, SERVICE or NONE (API: CreateService.propagateTags)",
    );
    let src = create_service(r#""taskDefinition": "web", "desiredCont": 1"#);
    find(
        &src,
        "actions[2].input.desiredCont",
        "unknown field 'desiredCont'; did you mean 'desiredCount'?",
    );
    let src = create_service(r#""taskDefinition": "web", "desiredCount": 1"#)
        .replace(r#""cluster": "prod""#, r#""cluster": "prd""#);
    find(&src, "actions[2].input.cluster", "unknown cluster 'prd'");
    let src = create_service(
        r#""taskDefinition": "web", "desiredCount": 1, "placementStrategy": [ {"type": "random"}, {"type": "random"}, {"type": "random"}, {"type": "random"}, {"type": "random"}, {"type": "random"} ]"#,
    );
    find(
        &src,
        "actions[2].input.placementStrategy",
        "6 placement strategies; at most 5 are allowed",
    );
}

#[test]
fn create_service_constraints_count_the_task_definitions() {
    let nine = [r#"{ "type": "memberOf", "expression": "attribute:a exists" }"#; 9].join(", ");
    let src = with_actions(&format!(
        r#"{{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "c", "placementConstraints": [ {{ "type": "memberOf", "expression": "attribute:x exists" }}, {{ "type": "memberOf", "expression": "attribute:y exists" }} ], "containerDefinitions": [ {{ "name": "app", "image": "nginx", "memory": 128 }} ] }} }},
    {{ "at": 1, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "s", "taskDefinition": "c", "desiredCount": 1, "placementConstraints": [ {nine} ] }} }},
    {{ "at": 2, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "t", "taskDefinition": "web", "desiredCount": 1, "placementConstraints": [ {nine} ] }} }},
    {{ "at": 3, "action": "UpdateService", "input": {{ "cluster": "prod", "service": "t", "taskDefinition": "c" }} }}"#
    ));
    find(
        &src,
        "actions[3].input.placementConstraints",
        "9 constraints here plus 2 in task definition c:1 make 11",
    );
    find(
        &src,
        "actions[5].input.taskDefinition",
        "task definition c:1 has 2 placement constraints and the service 9 more, 11 in all",
    );
    assert_eq!(errors(&src).len(), 2);
}

#[test]
fn create_service_simulation_block() {
    let src = with_actions(
        r#"{ "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "s", "taskDefinition": "web", "desiredCount": 1 },
      "simulation": { "unhealthyProbability": 1.5, "healthyAfter": "soon", "instanceLaunch": "1m" } }"#,
    );
    find(
        &src,
        "actions[2].simulation.unhealthyProbability",
        "expected a probability from 0 to 1",
    );
    find(
        &src,
        "actions[2].simulation.healthyAfter",
        "expected a duration",
    );
    // The other service actions take no simulation block.
    let src = with_services(
        r#"{ "at": 2, "action": "UpdateService", "input": { "cluster": "prod", "service": "web" }, "simulation": {} }"#,
    );
    find(
        &src,
        "actions[6].simulation",
        "action UpdateService takes no simulation block; only CreateCluster, CreateCapacityProvider, RegisterTaskDefinition, RunTask, StartTask, StopTask, CreateService, LaunchContainerInstances do",
    );
}

#[test]
fn service_references() {
    let src = service_action("UpdateService", r#""cluster": "prod""#);
    find(
        &src,
        "actions[6].input.service",
        "missing required field 'service'; the service's name or ARN",
    );
    let src = service_action("UpdateService", r#""cluster": "prod", "service": "wbe""#);
    find(
        &src,
        "actions[6].input.service",
        "unknown service 'wbe' in cluster 'prod'; did you mean 'web'?",
    );
    let src = service_action("UpdateService", r#""cluster": "prod", "service": "zzz""#);
    find(
        &src,
        "actions[6].input.service",
        "unknown service 'zzz' in cluster 'prod'; services created there before this action: agent, ext, web",
    );
    let src = with_actions(
        r#"{ "at": 2, "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "desiredCount": 1 } }"#,
    );
    find(
        &src,
        "actions[2].input.service",
        "unknown service 'web'; no service is created in cluster 'prod' before this action; add a CreateService action with an earlier 'at'",
    );
    // A reference resolves in (at, file index) order: a later CreateService doesn't count.
    let src = with_actions(
        r#"{ "at": 2, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } },
    { "at": 1, "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "desiredCount": 2 } }"#,
    );
    find(&src, "actions[3].input.service", "unknown service 'web'");
    let src = service_action(
        "UpdateService",
        r#""cluster": "prod", "service": "arn:aws:ecs:us-east-1:123456789012:service/other/web""#,
    );
    find(
        &src,
        "actions[6].input.service",
        "the ARN names a service of cluster 'other', but this request is on cluster 'prod'",
    );
    let src = service_action(
        "UpdateService",
        r#""cluster": "prod", "service": "arn:aws:ecs:eu-west-1:123456789012:service/prod/web""#,
    );
    find(
        &src,
        "actions[6].input.service",
        "the ARN names region eu-west-1",
    );
    let src = service_action(
        "UpdateService",
        r#""cluster": "prod", "service": "arn:aws:ecs:us-east-1:123456789012:service/a/b/c""#,
    );
    find(
        &src,
        "actions[6].input.service",
        "expected a service name or an ARN like arn:aws:ecs:us-east-1:123456789012:service/prod/NAME",
    );
}

/// RULE: API DeleteService — "If the service is actively maintaining tasks, you can't delete it,
/// and you must update the service to a desired task count of zero." A delete may be refused, so
/// a later action may name a service an earlier DeleteService deleted (the engine decides:
/// ServiceNotActiveException where it is gone), and its name is free for a CreateService.
#[test]
fn a_deleted_service_can_still_be_named() {
    let src = service_action("DeleteService", r#""cluster": "prod", "service": "web""#);
    assert!(load(&src).is_ok());
    // The documented sequence: try, scale to 0, delete.
    let src = with_services(
        r#"{ "at": 2, "action": "DeleteService", "input": { "cluster": "prod", "service": "web" } },
    { "at": 3, "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "desiredCount": 0 } },
    { "at": 3, "action": "DeleteService", "input": { "cluster": "prod", "service": "web" } },
    { "at": 4, "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "desiredCount": 1 } },
    { "at": 5, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } }"#,
    );
    assert!(load(&src).is_ok(), "{:?}", load(&src).err());
    // What is known of the deleted service still applies: an EXTERNAL one takes no task definition.
    let src = with_services(
        r#"{ "at": 2, "action": "DeleteService", "input": { "cluster": "prod", "service": "ext", "force": true } },
    { "at": 3, "action": "UpdateService", "input": { "cluster": "prod", "service": "ext", "taskDefinition": "web" } }"#,
    );
    find(
        &src,
        "actions[7].input.taskDefinition",
        "uses the EXTERNAL deployment controller",
    );
    // A DeleteCluster leaves its services as they are: one no DeleteService deleted keeps its name
    // (ECS refuses to delete a cluster with services: ClusterContainsServicesException).
    let src = with_services(
        r#"{ "at": 2, "action": "DeleteCluster", "input": { "cluster": "prod" } },
    { "at": 3, "action": "CreateCluster", "input": { "clusterName": "prod" } },
    { "at": 4, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } }"#,
    );
    find(
        &src,
        "actions[8].input.serviceName",
        "service 'web' already exists in cluster 'prod'",
    );
    let src = with_services(
        r#"{ "at": 2, "action": "DeleteService", "input": { "cluster": "prod", "service": "web", "force": true } },
    { "at": 2, "action": "DeleteCluster", "input": { "cluster": "prod" } },
    { "at": 3, "action": "CreateCluster", "input": { "clusterName": "prod" } },
    { "at": 4, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } }"#,
    );
    assert!(load(&src).is_ok(), "{:?}", load(&src).err());
}

#[test]
fn delete_service() {
    let src = service_action("DeleteService", r#""cluster": "prod""#);
    find(
        &src,
        "actions[6].input.service",
        "missing required field 'service'",
    );
    let src = service_action(
        "DeleteService",
        r#""cluster": "prod", "service": "web", "force": "yes""#,
    );
    find(&src, "actions[6].input.force", "expected true or false");
    let src = service_action("DeleteService", r#""cluster": "prod", "service": "webb""#);
    find(&src, "actions[6].input.service", "did you mean 'web'?");
}

#[test]
fn update_service_rules() {
    let update =
        |fields: &str| service_action("UpdateService", &format!(r#""cluster": "prod", {fields}"#));
    find(
        &update(r#""service": "agent", "desiredCount": 2"#),
        "actions[6].input.desiredCount",
        "a DAEMON service takes no desiredCount",
    );
    find(
        &update(r#""service": "agent", "placementStrategy": [ { "type": "random" } ]"#),
        "actions[6].input.placementStrategy",
        "the DAEMON scheduling strategy does not support placement strategies",
    );
    find(
        &update(r#""service": "agent", "deploymentConfiguration": { "maximumPercent": 150 }"#),
        "actions[6].input.deploymentConfiguration.maximumPercent",
        "a DAEMON service's maximumPercent must be 100",
    );
    for (field, value) in [
        ("taskDefinition", r#""web""#),
        (
            "networkConfiguration",
            r#"{ "awsvpcConfiguration": { "subnets": ["s"] } }"#,
        ),
        ("forceNewDeployment", "true"),
    ] {
        let src = update(&format!(r#""service": "ext", "{field}": {value}"#));
        let e = find(
            &src,
            &format!("actions[6].input.{field}"),
            &format!("service 'ext' uses the EXTERNAL deployment controller, whose {field} can't be updated"),
        );
        assert!(e.message.contains("create a new task set"), "{e}");
    }
    find(
        &update(
            r#""service": "ext", "deploymentConfiguration": { "deploymentCircuitBreaker": { "enable": true, "rollback": true } }"#,
        ),
        "actions[6].input.deploymentConfiguration.deploymentCircuitBreaker",
        "can only be used for services using the rolling update (ECS) deployment type",
    );
    // EXTERNAL services may change their desired count and placement.
    assert!(load(&update(r#""service": "ext", "desiredCount": 5, "placementStrategy": [], "forceNewDeployment": false"#)).is_ok());
    find(
        &update(
            r#""service": "web", "capacityProviderStrategy": [ { "capacityProvider": "cp", "weight": 1 } ]"#,
        ),
        "actions[6].input.capacityProviderStrategy[0].capacityProvider",
        "unknown capacity provider 'cp'",
    );
    find(
        &update(r#""service": "ext", "capacityProviderStrategy": [ { "capacityProvider": "FARGATE", "weight": 1 } ]"#),
        "actions[6].input.capacityProviderStrategy",
        "service 'ext' uses the EXTERNAL deployment controller, whose capacityProviderStrategy can't be updated",
    );
    find(
        &update(r#""service": "web", "taskDefinition": "web:2""#),
        "actions[6].input.taskDefinition",
        "unknown task definition 'web:2'",
    );
    find(
        &update(r#""service": "web", "forceNewDeployment": "yes""#),
        "actions[6].input.forceNewDeployment",
        "expected true or false",
    );
    find(
        &update(r#""service": "web", "desiredCount": 6000"#),
        "actions[6].input.desiredCount",
        "expected from 0 to 5000 tasks",
    );
    // A name that begins the one accepted name suggests it (and is read as it: its empty
    // object lacks the subnets).
    let misspelled = update(r#""service": "web", "networkConfiguration": { "awsvpcConfig": {} }"#);
    find(
        &misspelled,
        "actions[6].input.networkConfiguration.awsvpcConfig",
        "unknown field 'awsvpcConfig'; did you mean 'awsvpcConfiguration'?",
    );
    find(
        &misspelled,
        "actions[6].input.networkConfiguration.awsvpcConfig.subnets",
        "missing required field 'subnets'",
    );
    find(
        &update(r#""service": "web", "networkConfiguration": { "vpc": {} }"#),
        "actions[6].input.networkConfiguration.vpc",
        "unknown field 'vpc'; expected one of awsvpcConfiguration",
    );
    find(
        &update(r#""service": "web", "launchType": "EC2""#),
        "actions[6].input.launchType",
        "unknown field 'launchType'",
    );
    find(
        &update(r#""service": "web", "minimumHealthyPercent": 50"#),
        "actions[6].input.minimumHealthyPercent",
        "unknown field 'minimumHealthyPercent'",
    );
}

#[test]
fn update_task_protection() {
    let protect = |fields: &str| service_action("UpdateTaskProtection", fields);
    find(
        &protect(r#""tasks": ["t"], "protectionEnabled": true"#),
        "actions[6].input.cluster",
        "missing required field 'cluster'",
    );
    let eleven = ["\"t\""; 11].join(", ");
    for tasks in [eleven.as_str(), ""] {
        find(
            &protect(&format!(r#""cluster": "prod", "tasks": [{tasks}], "protectionEnabled": true"#)),
            "actions[6].input.tasks",
            "expected from 1 to 10 task ids or ARNs: \"A list of up to 10 task IDs or full ARN entries.\"",
        );
    }
    find(
        &protect(r#""cluster": "prod", "tasks": ["t", ""], "protectionEnabled": true"#),
        "actions[6].input.tasks[1]",
        "expected a task id or ARN, not an empty string",
    );
    find(
        &protect(r#""cluster": "prod", "tasks": ["t"]"#),
        "actions[6].input.protectionEnabled",
        "missing required field 'protectionEnabled'",
    );
    for minutes in ["0", "2881"] {
        find(
            &protect(&format!(r#""cluster": "prod", "tasks": ["t"], "protectionEnabled": true, "expiresInMinutes": {minutes}"#)),
            "actions[6].input.expiresInMinutes",
            "expected from 1 to 2880 minutes: \"You can specify a value from 1 minute to up to 2,880 minutes (48 hours).\"",
        );
    }
}

#[test]
fn create_task_set() {
    let create = |fields: &str| service_action("CreateTaskSet", fields);
    let e = find(
        &create(r#""cluster": "prod", "service": "web", "taskDefinition": "web""#),
        "actions[6].input.service",
        "service 'web' uses the ECS deployment controller, but task sets need the EXTERNAL one: \"This is used when a service uses the EXTERNAL deployment controller type.\" (API: CreateTaskSet)",
    );
    assert!(e
        .message
        .contains("\"deploymentController\": {\"type\": \"EXTERNAL\"}"));
    find(
        &create(r#""cluster": "prod", "service": "ext""#),
        "actions[6].input.taskDefinition",
        "missing required field 'taskDefinition'",
    );
    find(
        &create(r#""service": "ext", "taskDefinition": "web""#),
        "actions[6].input.cluster",
        "missing required field 'cluster'",
    );
    find(
        &create(r#""cluster": "prod", "service": "ext", "taskDefinition": "web", "scale": { "unit": "PERCENT", "value": 100.5 }"#),
        "actions[6].input.scale.value",
        "expected a percentage from 0 to 100: \"Accepted values are numbers between 0 and 100.\" (API: Scale.value)",
    );
    find(
        &create(
            r#""cluster": "prod", "service": "ext", "taskDefinition": "web", "scale": { "unit": "COUNT", "value": 1 }"#,
        ),
        "actions[6].input.scale.unit",
        "expected PERCENT, the only unit (API: Scale.unit)",
    );
    find(
        &create(
            r#""cluster": "prod", "service": "ext", "taskDefinition": "web", "launchType": "EXTERNAL""#,
        ),
        "actions[6].input.launchType",
        "the EXTERNAL launch type is not simulated by this version of ecsim",
    );
    find(
        &create(
            r#""cluster": "prod", "service": "ext", "taskDefinition": "web", "launchType": "FARGATE", "capacityProviderStrategy": [ { "capacityProvider": "FARGATE", "weight": 1 } ]"#,
        ),
        "actions[6].input.capacityProviderStrategy",
        "launchType and capacityProviderStrategy can't both be given: \"If a capacityProviderStrategy is specified, the launchType parameter must be omitted.\" (API: CreateTaskSet.capacityProviderStrategy)",
    );
    find(
        &create(
            r#""cluster": "prod", "service": "ext", "taskDefinition": "web", "externalId": """#,
        ),
        "actions[6].input.externalId",
        "expected a non-empty externalId",
    );
    find(
        &create(r#""cluster": "prod", "service": "extt", "taskDefinition": "web""#),
        "actions[6].input.service",
        "unknown service 'extt' in cluster 'prod'; did you mean 'ext'?",
    );
}

#[test]
fn task_set_references() {
    let update = |fields: &str| {
        service_action(
            "UpdateTaskSet",
            &format!(r#""cluster": "prod", "service": "ext", {fields}"#),
        )
    };
    let scale = r#""scale": { "value": 10 }"#;
    find(
        &update(r#""taskSet": "blue""#),
        "actions[6].input.scale",
        "missing required field 'scale'",
    );
    find(
        &update(r#""taskSet": "blue", "scale": { "unit": "PERCENT" }"#),
        "actions[6].input.scale.value",
        "missing required field 'value'",
    );
    find(
        &update(scale),
        "actions[6].input.taskSet",
        "missing required field 'taskSet'; the task set's externalId or ARN",
    );
    find(
        &update(&format!(r#""taskSet": "green", {scale}"#)),
        "actions[6].input.taskSet",
        "unknown task set 'green' of service 'ext'; its task sets created before this action (by externalId): 'blue'; a task set is named by the externalId its CreateTaskSet gives",
    );
    find(
        &update(&format!(
            r#""taskSet": "arn:aws:ecs:us-east-1:123456789012:task-set/prod/web/blue", {scale}"#
        )),
        "actions[6].input.taskSet",
        "the ARN names a task set of service 'web' in cluster 'prod', but this request is on service 'ext' in cluster 'prod'",
    );
    find(
        &update(&format!(
            r#""taskSet": "arn:aws:ecs:us-east-1:123456789012:task-set/prod", {scale}"#
        )),
        "actions[6].input.taskSet",
        "expected a task set's externalId or an ARN like arn:aws:ecs:us-east-1:123456789012:task-set/prod/ext/EXTERNAL_ID",
    );
    let src = service_action(
        "UpdateTaskSet",
        r#""cluster": "prod", "service": "web", "taskSet": "blue", "scale": { "value": 10 }"#,
    );
    find(
        &src,
        "actions[6].input.service",
        "task sets need the EXTERNAL one",
    );
    // A deleted task set may still be named (RULE: DeleteTaskSet without force is refused above
    // scale 0; the engine decides), and an externalId two task sets share is ambiguous.
    let src = with_services(
        r#"{ "at": 2, "action": "DeleteTaskSet", "input": { "cluster": "prod", "service": "ext", "taskSet": "blue" } },
    { "at": 3, "action": "UpdateServicePrimaryTaskSet", "input": { "cluster": "prod", "service": "ext", "primaryTaskSet": "blue" } },
    { "at": 3, "action": "CreateTaskSet", "input": { "cluster": "prod", "service": "ext", "taskDefinition": "web", "externalId": "green" } },
    { "at": 3, "action": "CreateTaskSet", "input": { "cluster": "prod", "service": "ext", "taskDefinition": "web", "externalId": "green" } },
    { "at": 4, "action": "DeleteTaskSet", "input": { "cluster": "prod", "service": "ext", "taskSet": "green", "force": 1 } }"#,
    );
    assert_eq!(
        errors(&src)
            .iter()
            .filter(|e| e.path.starts_with("actions[7]"))
            .count(),
        0,
        "the deleted task set 'blue' resolves"
    );
    find(
        &src,
        "actions[10].input.taskSet",
        "externalId 'green' names 2 task sets of service 'ext' (created by actions[8], actions[9]); give each task set its own externalId",
    );
    find(&src, "actions[10].input.force", "expected true or false");
    let src = service_action(
        "UpdateServicePrimaryTaskSet",
        r#""cluster": "prod", "service": "ext""#,
    );
    find(
        &src,
        "actions[6].input.primaryTaskSet",
        "missing required field 'primaryTaskSet'",
    );
    let src = service_action(
        "DeleteTaskSet",
        r#""cluster": "prod", "service": "ext", "taskSet": "ecs-svc/1""#,
    );
    find(
        &src,
        "actions[6].input.taskSet",
        "unknown task set 'ecs-svc/1'",
    );
}

#[test]
fn describe_services() {
    let describe = |fields: &str| service_action("DescribeServices", fields);
    let eleven = ["\"web\""; 11].join(", ");
    for list in [eleven.as_str(), ""] {
        find(
            &describe(&format!(r#""cluster": "prod", "services": [{list}]"#)),
            "actions[6].input.services",
            "expected from 1 to 10 service names or ARNs: \"You may specify up to 10 services to describe in a single operation.\"",
        );
    }
    find(
        &describe(r#""cluster": "prod""#),
        "actions[6].input.services",
        "missing required field 'services'",
    );
    find(
        &describe(r#""cluster": "prod", "services": ["web"], "include": ["TAG"]"#),
        "actions[6].input.include[0]",
        "expected TAGS (API: DescribeServices.include)",
    );
    find(
        &describe(r#""cluster": "prod", "services": [""]"#),
        "actions[6].input.services[0]",
        "expected a service name or ARN, not an empty string",
    );
    // Unknown services are answered as MISSING failures, not input errors.
    assert!(load(&describe(r#""services": ["nope"], "cluster": "prod""#)).is_ok());
}

#[test]
fn service_assertions() {
    let with = |assertions: &str| {
        with_services("{ \"at\": 2, \"action\": \"Snapshot\", \"input\": {} }").replace(
            "\"name\": \"broken\",",
            &format!(r#""name": "broken", "horizon": "1h", "assertions": [ {assertions} ],"#),
        )
    };
    find(
        &with(
            r#"{ "type": "minHealthyTasks", "cluster": "prod", "service": "wbe", "atLeast": 1 }"#,
        ),
        "assertions[0].service",
        "no action creates service 'wbe' in cluster 'prod'; did you mean 'web'?",
    );
    find(
        &with(r#"{ "type": "deploymentCompletes", "service": "web", "within": "5m" }"#),
        "assertions[0].service",
        "no action creates service 'web' in cluster 'default'; it is created in cluster 'prod': set \"cluster\": \"prod\"",
    );
    find(
        &with(r#"{ "type": "minHealthyTasks", "cluster": "prod", "service": "web" }"#),
        "assertions[0].atLeast",
        "missing required field 'atLeast'",
    );
    find(
        &with(
            r#"{ "type": "minHealthyTasks", "cluster": "prod", "service": "web", "atLeast": -1 }"#,
        ),
        "assertions[0].atLeast",
        "expected an integer from 0 to 4294967295",
    );
    find(
        &with(
            r#"{ "type": "minHealthyTasks", "cluster": "prod", "service": "web", "atLeast": 1, "from": "10m", "until": "5m" }"#,
        ),
        "assertions[0].until",
        "until must not be before from",
    );
    find(
        &with(
            r#"{ "type": "minHealthyTasks", "cluster": "prod", "service": "web", "atleast": 1 }"#,
        ),
        "assertions[0].atleast",
        "unknown field 'atleast'; did you mean 'atLeast'?",
    );
    find(
        &with(r#"{ "type": "deploymentCompletes", "cluster": "prod", "service": "web" }"#),
        "assertions[0].within",
        "missing required field 'within'",
    );
    find(
        &with(
            r#"{ "type": "deploymentCompletes", "cluster": "prod", "service": "web", "within": "soon" }"#,
        ),
        "assertions[0].within",
        "expected a duration",
    );
    find(
        &with(r#"{ "type": "serviceSteadyBy", "cluster": "prod", "service": "web" }"#),
        "assertions[0].by",
        "missing required field 'by'",
    );
    find(
        &with(r#"{ "type": "serviceSteadyBy", "cluster": "prod", "service": "web", "by": "2h" }"#),
        "assertions[0].by",
        "by is 7200000 ms, after the horizon (3600000 ms)",
    );
    find(
        &with(r#"{ "type": "serviceSteadyBy", "cluster": "prod", "by": "2m" }"#),
        "assertions[0].service",
        "missing required field 'service'",
    );
    find(
        &with(
            r#"{ "type": "serviceSteadyBy", "cluster": "prod", "service": "web", "by": "2m", "within": "1m" }"#,
        ),
        "assertions[0].within",
        "unknown field 'within'",
    );
    find(
        &with(
            r#"{ "type": "serviceSteadyBy", "cluster": "arn:aws:ecs:us-east-1:123456789012:service/prod", "service": "web", "by": "2m" }"#,
        ),
        "assertions[0].cluster",
        "expected a cluster name or an ARN",
    );
    // The configuration of an unknown service is still read.
    let src = service_action(
        "UpdateService",
        r#""cluster": "prod", "service": "nope", "deploymentConfiguration": { "minimumHealthyPercent": 200 }"#,
    );
    find(&src, "actions[6].input.service", "unknown service 'nope'");
    find(
        &src,
        "actions[6].input.deploymentConfiguration.minimumHealthyPercent",
        "from 0 to 100",
    );
    // A service created after its deletion, or later in the file, still counts.
    assert!(load(&with(
        r#"{ "type": "serviceSteadyBy", "cluster": "prod", "service": "ext", "by": "59m" }, { "type": "minHealthyTasks", "cluster": "prod", "service": "agent", "atLeast": 0, "from": 0 }"#
    ))
    .is_ok());
}

#[test]
fn an_action_with_a_bad_time_resolves_after_the_action_before_it() {
    let src = with_actions(
        r#"{ "at": "20m", "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } },
    { "at": "20m30s", "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "desiredCount": 2 } }"#,
    );
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path, "actions[3].at");
}

/// RULE (docs/semantics.md, References): ARNs must be in the scenario's region and account, for
/// container instances and tasks as for task definitions — every instance and task of a run lives
/// in its region and account, so an ARN elsewhere names nothing the run can have. Each field that
/// takes a container instance or task reference refuses one, and an ARN of another resource type.
#[test]
fn instance_and_task_arns_of_another_region_or_account() {
    let instance = "arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/00000000000000000000000000000001";
    let other_account =
        "arn:aws:ecs:us-east-1:999999999999:container-instance/prod/00000000000000000000000000000001";
    let task = "arn:aws:ecs:us-east-1:999999999999:task/prod/00000000000000000000000000000001";
    let cases: Vec<(String, &str, &str)> = vec![
        (
            format!(r#"{{ "at": 1, "action": "DeregisterContainerInstance", "input": {{ "cluster": "prod", "containerInstance": "{instance}" }} }}"#),
            "actions[2].input.containerInstance",
            "the ARN names region eu-west-1 and account 123456789012, but this scenario runs in region us-east-1",
        ),
        (
            format!(r#"{{ "at": 1, "action": "UpdateContainerInstancesState", "input": {{ "cluster": "prod", "containerInstances": ["i-00000000000000001", "{other_account}"], "status": "DRAINING" }} }}"#),
            "actions[2].input.containerInstances[1]",
            "account 999999999999",
        ),
        (
            format!(r#"{{ "at": 1, "action": "StartTask", "input": {{ "cluster": "prod", "taskDefinition": "web", "containerInstances": ["{instance}"] }} }}"#),
            "actions[2].input.containerInstances[0]",
            "region eu-west-1",
        ),
        (
            format!(r#"{{ "at": 1, "action": "DescribeContainerInstances", "input": {{ "cluster": "prod", "containerInstances": ["{other_account}"] }} }}"#),
            "actions[2].input.containerInstances[0]",
            "account 999999999999",
        ),
        (
            format!(r#"{{ "at": 1, "action": "TerminateContainerInstances", "input": {{ "cluster": "prod", "containerInstances": ["{instance}"] }} }}"#),
            "actions[2].input.containerInstances[0]",
            "region eu-west-1",
        ),
        (
            format!(r#"{{ "at": 1, "action": "DisconnectAgent", "input": {{ "cluster": "prod", "containerInstances": ["{instance}"] }} }}"#),
            "actions[2].input.containerInstances[0]",
            "region eu-west-1",
        ),
        (
            format!(r#"{{ "at": 1, "action": "PutAttributes", "input": {{ "cluster": "prod", "attributes": [{{ "name": "stack", "value": "prod", "targetId": "{other_account}" }}] }} }}"#),
            "actions[2].input.attributes[0].targetId",
            "account 999999999999",
        ),
        (
            format!(r#"{{ "at": 1, "action": "DeleteAttributes", "input": {{ "cluster": "prod", "attributes": [{{ "name": "stack", "targetId": "{instance}" }}] }} }}"#),
            "actions[2].input.attributes[0].targetId",
            "region eu-west-1",
        ),
        (
            format!(r#"{{ "at": 1, "action": "StopTask", "input": {{ "cluster": "prod", "task": "{task}" }} }}"#),
            "actions[2].input.task",
            "account 999999999999",
        ),
        (
            format!(r#"{{ "at": 1, "action": "DescribeTasks", "input": {{ "cluster": "prod", "tasks": ["0123", "{task}"] }} }}"#),
            "actions[2].input.tasks[1]",
            "account 999999999999",
        ),
        (
            format!(r#"{{ "at": 1, "action": "UpdateTaskProtection", "input": {{ "cluster": "prod", "tasks": ["{task}"], "protectionEnabled": true }} }}"#),
            "actions[2].input.tasks[0]",
            "account 999999999999",
        ),
        (
            r#"{ "at": 1, "action": "StopTask", "input": { "cluster": "prod", "task": "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/00000000000000000000000000000001" } }"#.to_string(),
            "actions[2].input.task",
            "expected a task id or a task ARN, like arn:aws:ecs:us-east-1:123456789012:task/CLUSTER/ID",
        ),
        (
            r#"{ "at": 1, "action": "DescribeContainerInstances", "input": { "cluster": "prod", "containerInstances": ["arn:aws:ec2:us-east-1:123456789012:instance/i-00000000000000001"] } }"#.to_string(),
            "actions[2].input.containerInstances[0]",
            "expected a container instance id, an EC2 instance id or a container instance ARN",
        ),
    ];
    for (action, path, fragment) in &cases {
        let src = with_actions(action);
        let e = find(&src, path, fragment);
        assert_eq!(errors(&src).len(), 1, "one error: {e}");
    }
    // The scenario's own region and account are accepted, as are bare ids.
    let own = "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/00000000000000000000000000000001";
    let src = with_actions(&format!(
        r#"{{ "at": 1, "action": "DescribeContainerInstances", "input": {{ "cluster": "prod", "containerInstances": ["{own}", "i-00000000000000001"] }} }},
    {{ "at": 1, "action": "StopTask", "input": {{ "cluster": "prod", "task": "arn:aws:ecs:us-east-1:123456789012:task/prod/00000000000000000000000000000001" }} }}"#
    ));
    assert!(load(&src).is_ok(), "{:?}", load(&src).err());
}

/// API ContainerOverride.resourceRequirements take the ResourceRequirement of the task definition:
/// a GPU count as a string of at least 1, listed once; InferenceAccelerator is accepted and ignored.
#[test]
fn gpu_overrides_are_resource_requirements() {
    let with = |requirements: &str| {
        run_task(&format!(
            r#""overrides": {{ "containerOverrides": [ {{ "name": "app", "resourceRequirements": {requirements} }} ] }}"#
        ))
    };
    assert!(load(&with(r#"[{"type": "GPU", "value": "2"}]"#)).is_ok());
    let src = with(r#"[{"type": "GPU", "value": "two"}]"#);
    find(
        &src,
        "actions[2].input.overrides.containerOverrides[0].resourceRequirements[0].value",
        "expected the number of GPUs as a string",
    );
    let src = with(r#"[{"type": "GPU", "value": "1"}, {"type": "GPU", "value": "2"}]"#);
    find(
        &src,
        "actions[2].input.overrides.containerOverrides[0].resourceRequirements[1]",
        "the GPU requirement is listed twice",
    );
    let src = with(r#"[{"type": "Disk", "value": "1"}]"#);
    find(
        &src,
        "actions[2].input.overrides.containerOverrides[0].resourceRequirements[0].type",
        "unknown resource type 'Disk'",
    );
}
