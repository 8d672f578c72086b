//! Capacity provider strategies (API: CapacityProviderStrategyItem), the FARGATE launch type and
//! what Fargate asks of a task, and `networkConfiguration` (SPEC §3, §4, §8).

use super::capacity::with_providers;
use super::{at, errors, find, load, pos, run_task, with_actions};

/// A RunTask on `prod` (index 5 after [`with_providers`]) of task definition `td` with the given
/// further fields.
fn run(td: &str, extra: &str) -> String {
    with_providers(&format!(
        r#"{{ "at": 1, "action": "RunTask", "input": {{ "cluster": "prod", "taskDefinition": "{td}", {extra} }} }}"#
    ))
}

/// A RunTask of `fg` with this strategy (index 5).
fn strategy(items: &str) -> String {
    run(
        "fg",
        &format!(
            r#""capacityProviderStrategy": {items}, "networkConfiguration": {{ "awsvpcConfiguration": {{ "subnets": ["subnet-1"] }} }}"#
        ),
    )
}

const SUBNETS: &str =
    r#""networkConfiguration": { "awsvpcConfiguration": { "subnets": ["subnet-1"] } }"#;

#[test]
fn the_fixtures_load() {
    assert!(load(&strategy(
        r#"[ { "capacityProvider": "FARGATE", "weight": 1 } ]"#
    ))
    .is_ok());
    assert!(load(&run(
        "fg",
        &format!(r#""launchType": "FARGATE", {SUBNETS}"#)
    ))
    .is_ok());
    assert!(load(&run(
        "web",
        r#""capacityProviderStrategy": [ { "capacityProvider": "cp", "base": 2 }, { "capacityProvider": "spot", "weight": 1 } ]"#
    ))
    .is_ok());
}

#[test]
fn at_most_six_providers() {
    let seven = (0..7)
        .map(|_| r#"{ "capacityProvider": "FARGATE", "weight": 1 }"#)
        .collect::<Vec<_>>()
        .join(", ");
    let src = strategy(&format!("[{seven}]"));
    let e = find(
        &src,
        "actions[5].input.capacityProviderStrategy",
        "the strategy has 7 items: \"A capacity provider strategy may contain a maximum of 6 capacity providers.\" (API: CapacityProviderStrategyItem)",
    );
    assert_eq!(at(&e), pos(&src, "[{ \"capacityProvider\""));
}

#[test]
fn one_base_in_range_and_weights_in_range() {
    let src = strategy(
        r#"[ { "capacityProvider": "FARGATE", "base": 1, "weight": 1 }, { "capacityProvider": "FARGATE_SPOT", "base": 2, "weight": 1 } ]"#,
    );
    let e = find(
        &src,
        "actions[5].input.capacityProviderStrategy[1].base",
        "item 0 of this strategy has a base already: \"Only one capacity provider in a capacity provider strategy can have a base defined.\" (API: CapacityProviderStrategyItem.base); keep one base (this one is 2)",
    );
    assert_eq!(e.value.as_deref(), Some("2"));
    // RULE: a base of 0 is no base.
    assert!(load(&strategy(
        r#"[ { "capacityProvider": "FARGATE", "base": 0, "weight": 1 }, { "capacityProvider": "FARGATE_SPOT", "base": 3, "weight": 1 } ]"#
    ))
    .is_ok());
    let src = strategy(r#"[ { "capacityProvider": "FARGATE", "base": 100001, "weight": 1 } ]"#);
    find(
        &src,
        "actions[5].input.capacityProviderStrategy[0].base",
        "expected a base from 0 to 100000 tasks (API: CapacityProviderStrategyItem.base)",
    );
    for w in ["1001", "-1"] {
        let src = strategy(&format!(
            r#"[ {{ "capacityProvider": "FARGATE", "weight": {w} }} ]"#
        ));
        let e = find(
            &src,
            "actions[5].input.capacityProviderStrategy[0].weight",
            "expected a weight from 0 to 1000 (API: CapacityProviderStrategyItem.weight)",
        );
        assert_eq!(e.value.as_deref(), Some(w));
    }
}

#[test]
fn not_every_weight_zero() {
    let message = "every provider of this strategy has weight 0 (the default): \"at least one of the capacity providers must have a weight value greater than zero and any capacity providers with a weight of 0 can't be used to place tasks\" (API: CapacityProviderStrategyItem.weight); give one a weight of at least 1";
    let src = strategy(
        r#"[ { "capacityProvider": "FARGATE", "base": 1 }, { "capacityProvider": "FARGATE_SPOT", "weight": 0 } ]"#,
    );
    find(&src, "actions[5].input.capacityProviderStrategy", message);
    // RULE: a strategy of one provider of weight 0 too.
    let src = strategy(r#"[ { "capacityProvider": "FARGATE" } ]"#);
    find(&src, "actions[5].input.capacityProviderStrategy", message);
}

#[test]
fn fargate_and_group_providers_do_not_mix() {
    let src = run(
        "fg",
        &format!(
            r#""capacityProviderStrategy": [ {{ "capacityProvider": "FARGATE_SPOT", "weight": 1 }}, {{ "capacityProvider": "cp", "weight": 1 }} ], {SUBNETS}"#
        ),
    );
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path, "actions[5].input.capacityProviderStrategy");
    assert_eq!(
        all[0].message,
        "a capacity provider strategy can't mix the Fargate providers with Auto Scaling group providers (here FARGATE_SPOT and cp): Fargate tasks run without container instances (Developer Guide: cluster capacity providers); use one kind per strategy"
    );
}

#[test]
fn each_provider_once_and_known() {
    let src = strategy(
        r#"[ { "capacityProvider": "FARGATE", "weight": 1 }, { "capacityProvider": "FARGATE", "weight": 2 } ]"#,
    );
    find(
        &src,
        "actions[5].input.capacityProviderStrategy[1].capacityProvider",
        "capacity provider 'FARGATE' is item 0 of this strategy already; list each provider once",
    );
    let src = strategy(r#"[ { "capacityProvider": "FARGATE-SPOT", "weight": 1 } ]"#);
    let e = find(
        &src,
        "actions[5].input.capacityProviderStrategy[0].capacityProvider",
        "unknown capacity provider 'FARGATE-SPOT'; did you mean 'FARGATE_SPOT'?",
    );
    assert_eq!(at(&e), pos(&src, "\"FARGATE-SPOT\""));
    let src = run(
        "web",
        r#""capacityProviderStrategy": [ { "capacityProvider": "cpp", "weight": 1 } ]"#,
    );
    find(
        &src,
        "actions[5].input.capacityProviderStrategy[0].capacityProvider",
        "unknown capacity provider 'cpp'; did you mean 'cp'?",
    );
    let src = run(
        "web",
        r#""capacityProviderStrategy": [ { "capacityProvider": "gpu", "weight": 1 } ]"#,
    );
    find(
        &src,
        "actions[5].input.capacityProviderStrategy[0].capacityProvider",
        "unknown capacity provider 'gpu'; capacity providers at this point: FARGATE, FARGATE_SPOT, cp, spot",
    );
    let src = run(
        "web",
        r#""capacityProviderStrategy": [ { "capacityProvider": "arn:aws:ecs:us-east-1:123456789012:capacity-provider/cp", "weight": 1 } ]"#,
    );
    find(
        &src,
        "actions[5].input.capacityProviderStrategy[0].capacityProvider",
        "expected the capacity provider's short name, not an ARN: \"The short name of the capacity provider.\" (API: CapacityProviderStrategyItem.capacityProvider)",
    );
    let src = strategy(r#"[ { "weight": 1 }, 7 ]"#);
    find(
        &src,
        "actions[5].input.capacityProviderStrategy[0].capacityProvider",
        "missing required field 'capacityProvider'",
    );
    find(
        &src,
        "actions[5].input.capacityProviderStrategy[1]",
        "expected an object (a capacity provider strategy item",
    );
    let src = strategy(r#"{ "capacityProvider": "FARGATE" }"#);
    find(
        &src,
        "actions[5].input.capacityProviderStrategy",
        "expected an array of capacity provider strategy items",
    );
}

#[test]
fn a_provider_created_later_is_unknown() {
    let src = with_actions(
        r#"{ "at": 1, "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web", "capacityProviderStrategy": [ { "capacityProvider": "late", "weight": 1 } ] } },
    { "at": 5, "action": "CreateCapacityProvider", "input": { "name": "late", "autoScalingGroupProvider": { "autoScalingGroupArn": "a" } },
      "simulation": { "autoScalingGroup": { "instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1a"], "minSize": 0, "maxSize": 1 } } }"#,
    );
    find(
        &src,
        "actions[2].input.capacityProviderStrategy[0].capacityProvider",
        "unknown capacity provider 'late'; the Fargate providers are FARGATE and FARGATE_SPOT, and no CreateCapacityProvider creates another before this action",
    );
}

#[test]
fn fargate_needs_awsvpc_and_a_fargate_size() {
    // `web` uses the bridge network mode and has no task-level size.
    let src = run_task(&format!(r#""launchType": "FARGATE", {SUBNETS}"#));
    let e = find(
        &src,
        "actions[2].input.taskDefinition",
        "task definition web:1 uses the bridge network mode, but \"For Amazon ECS tasks on Fargate, the awsvpc network mode is required.\" (API: TaskDefinition.networkMode); register a revision with \"networkMode\": \"awsvpc\"",
    );
    assert_eq!(at(&e), pos(&src, "\"web:1\""));
    find(
        &src,
        "actions[2].input.taskDefinition",
        "task definition web:1 has no task-level cpu and memory, which a Fargate task needs: \"ClientException: Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.\"; set task-level cpu and memory to a Fargate size, e.g. \"cpu\": \"256\", \"memory\": \"512\"",
    );
    // A size EC2 accepts but Fargate does not.
    let src = with_actions(&format!(
        r#"{{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "big", "networkMode": "awsvpc", "cpu": "256", "memory": "4096",
         "containerDefinitions": [ {{ "name": "a", "image": "x" }} ] }} }},
    {{ "at": 1, "action": "RunTask", "input": {{ "cluster": "prod", "taskDefinition": "big", "launchType": "FARGATE", {SUBNETS} }} }}"#
    ));
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path, "actions[3].input.taskDefinition");
    assert_eq!(
        all[0].message,
        "cpu 256 with memory 4096 MiB is not a Fargate task size (task definition big:1): \"ClientException: Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.\"; use a valid pair, e.g. cpu \"256\" with memory \"512\", \"1024\" or \"2048\""
    );
    // The request's overrides count.
    let src = run(
        "fg",
        &format!(r#""launchType": "FARGATE", "overrides": {{ "memory": "4096" }}, {SUBNETS}"#),
    );
    find(
        &src,
        "actions[5].input.overrides",
        "cpu 256 with memory 4096 MiB is not a Fargate task size (task definition fg:1)",
    );
    assert!(load(&run(
        "fg",
        &format!(r#""launchType": "FARGATE", "overrides": {{ "cpu": "512", "memory": "4096" }}, {SUBNETS}"#)
    ))
    .is_ok());
}

#[test]
fn launch_types_and_compatibilities() {
    // RULE: a task definition runs only on the launch types its requiresCompatibilities lists.
    let src = with_actions(&format!(
        r#"{{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "ec2only", "requiresCompatibilities": ["EC2"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
         "containerDefinitions": [ {{ "name": "a", "image": "x" }} ] }} }},
    {{ "at": 1, "action": "RunTask", "input": {{ "cluster": "prod", "taskDefinition": "ec2only", "launchType": "FARGATE", {SUBNETS} }} }}"#
    ));
    find(
        &src,
        "actions[3].input.taskDefinition",
        "task definition ec2only:1 lists requiresCompatibilities EC2 without FARGATE, so its tasks can't run on Fargate; register a revision with \"requiresCompatibilities\": [\"FARGATE\"]",
    );
    let src = run("fg", &format!(r#""launchType": "EC2", {SUBNETS}"#));
    find(
        &src,
        "actions[5].input.taskDefinition",
        "task definition fg:1 lists requiresCompatibilities FARGATE without EC2, so its tasks can't run on EC2 container instances; run it on Fargate or register a revision that lists EC2",
    );
    let src = run(
        "fg",
        &format!(
            r#""capacityProviderStrategy": [ {{ "capacityProvider": "cp", "weight": 1 }} ], {SUBNETS}"#
        ),
    );
    find(
        &src,
        "actions[5].input.taskDefinition",
        "lists requiresCompatibilities FARGATE without EC2",
    );
    // Without a launch type or strategy the cluster's default strategy decides at run time.
    assert!(load(&run("fg", SUBNETS)).is_ok());
}

#[test]
fn fargate_takes_no_placement() {
    let src = run(
        "fg",
        &format!(
            r#""launchType": "FARGATE", {SUBNETS}, "placementStrategy": [ {{ "type": "random" }} ], "placementConstraints": [ {{ "type": "distinctInstance" }} ]"#
        ),
    );
    let e = find(
        &src,
        "actions[5].input.placementStrategy",
        "tasks on Fargate take no placement strategies: Fargate spreads them across the zones of their subnets (SPEC §4); remove placementStrategy",
    );
    assert_eq!(at(&e), pos(&src, "\"placementStrategy\""));
    find(
        &src,
        "actions[5].input.placementConstraints",
        "tasks on Fargate take no placement constraints: Fargate spreads them across the zones of their subnets (SPEC §4); remove placementConstraints",
    );
    assert!(load(&run(
        "fg",
        &format!(r#""launchType": "FARGATE", {SUBNETS}, "placementStrategy": []"#)
    ))
    .is_ok());
}

#[test]
fn fargate_needs_subnets() {
    let src = run("fg", r#""launchType": "FARGATE""#);
    find(
        &src,
        "actions[5].input.networkConfiguration",
        "missing required field 'networkConfiguration'; Fargate tasks need awsvpcConfiguration subnets, in whose zones they run; e.g. {\"awsvpcConfiguration\": {\"subnets\": [\"subnet-1\"]}}",
    );
    let src = run(
        "fg",
        r#""launchType": "FARGATE", "networkConfiguration": {}"#,
    );
    find(
        &src,
        "actions[5].input.networkConfiguration.awsvpcConfiguration",
        "missing required field 'awsvpcConfiguration'; Fargate tasks need its subnets, in whose zones they run",
    );
    let network = |config: &str| {
        run(
            "fg",
            &format!(
                r#""launchType": "FARGATE", "networkConfiguration": {{ "awsvpcConfiguration": {config} }}"#
            ),
        )
    };
    let path = "actions[5].input.networkConfiguration.awsvpcConfiguration";
    find(
        &network(r#"{ "securityGroups": ["sg-1"] }"#),
        &format!("{path}.subnets"),
        "missing required field 'subnets'; the ids of 1 to 16 subnets for the tasks' network interfaces, e.g. [\"subnet-1\"] (API: AwsVpcConfiguration.subnets)",
    );
    let seventeen = (0..17)
        .map(|i| format!("\"subnet-{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    for list in [seventeen.as_str(), ""] {
        find(
            &network(&format!(r#"{{ "subnets": [{list}] }}"#)),
            &format!("{path}.subnets"),
            "expected from 1 to 16 subnet ids: \"There's a limit of 16 subnets that can be specified per AwsVpcConfiguration.\" (API: AwsVpcConfiguration.subnets)",
        );
    }
    find(
        &network(r#"{ "subnets": ["subnet-1", ""] }"#),
        &format!("{path}.subnets[1]"),
        "expected a subnet id, not an empty string",
    );
    let six = (0..6)
        .map(|i| format!("\"sg-{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    find(
        &network(&format!(r#"{{ "subnets": ["s"], "securityGroups": [{six}] }}"#)),
        &format!("{path}.securityGroups"),
        "expected at most 5 security groups: \"There's a limit of 5 security groups that can be specified per AwsVpcConfiguration.\" (API: AwsVpcConfiguration.securityGroups)",
    );
    find(
        &network(r#"{ "subnets": ["s"], "assignPublicIp": "YES" }"#),
        &format!("{path}.assignPublicIp"),
        "expected ENABLED or DISABLED (API: AwsVpcConfiguration.assignPublicIp)",
    );
    find(
        &network(r#"{ "subnets": ["s"], "vpc": "v" }"#),
        &format!("{path}.vpc"),
        "unknown field 'vpc'; expected one of assignPublicIp, securityGroups, subnets",
    );
}

#[test]
fn fargate_services() {
    let service = |fields: &str| {
        with_providers(&format!(
            r#"{{ "at": 1, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "s", "taskDefinition": "fg", {fields} }} }}"#
        ))
    };
    let src = service(&format!(
        r#""schedulingStrategy": "DAEMON", "launchType": "FARGATE", {SUBNETS}"#
    ));
    find(
        &src,
        "actions[5].input.schedulingStrategy",
        "the DAEMON scheduling strategy can't run on Fargate: \"Tasks using the Fargate launch type or the CODE_DEPLOY or EXTERNAL deployment controller types don't support the DAEMON scheduling strategy.\" (API: CreateService.schedulingStrategy); use REPLICA, or run the service on EC2",
    );
    let src = service(&format!(
        r#""desiredCount": 1, "capacityProviderStrategy": [ {{ "capacityProvider": "FARGATE_SPOT", "weight": 1 }} ], {SUBNETS}, "placementStrategy": [ {{ "type": "spread", "field": "instanceId" }} ]"#
    ));
    find(
        &src,
        "actions[5].input.placementStrategy",
        "tasks on Fargate take no placement strategies",
    );
    let src = service(r#""desiredCount": 1, "launchType": "FARGATE""#);
    find(
        &src,
        "actions[5].input.networkConfiguration",
        "missing required field 'networkConfiguration'; Fargate tasks need awsvpcConfiguration subnets",
    );
}

#[test]
fn fargate_task_sets() {
    let src = with_providers(
        r#"{ "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "ext", "deploymentController": { "type": "EXTERNAL" } } },
    { "at": 2, "action": "CreateTaskSet", "input": { "cluster": "prod", "service": "ext", "taskDefinition": "web", "capacityProviderStrategy": [ { "capacityProvider": "FARGATE_SPOT", "weight": 1 } ] } }"#,
    );
    find(
        &src,
        "actions[6].input.taskDefinition",
        "task definition web:1 uses the bridge network mode, but \"For Amazon ECS tasks on Fargate, the awsvpc network mode is required.\"",
    );
    find(
        &src,
        "actions[6].input.networkConfiguration",
        "missing required field 'networkConfiguration'; Fargate tasks need awsvpcConfiguration subnets",
    );
}

#[test]
fn update_service_strategies() {
    // `web` (bridge, EC2) and `fgs` (FARGATE with a strategy of its own) at indices 5 and 6.
    let update = |fields: &str| {
        with_providers(&format!(
            r#"{{ "at": 1, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 }} }},
    {{ "at": 1, "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "fgs", "taskDefinition": "fg", "desiredCount": 1, {SUBNETS},
       "capacityProviderStrategy": [ {{ "capacityProvider": "FARGATE", "weight": 1 }} ] }} }},
    {{ "at": 2, "action": "UpdateService", "input": {{ "cluster": "prod", {fields} }} }}"#
        ))
    };
    assert!(load(&update(
        r#""service": "web", "capacityProviderStrategy": []"#
    ))
    .is_ok());
    // Moving `web` to Fargate: its task definition is checked, the error at the strategy.
    let src = update(
        r#""service": "web", "capacityProviderStrategy": [ { "capacityProvider": "FARGATE", "weight": 2 } ]"#,
    );
    let e = find(
        &src,
        "actions[7].input.capacityProviderStrategy",
        "task definition web:1 uses the bridge network mode, but \"For Amazon ECS tasks on Fargate, the awsvpc network mode is required.\"",
    );
    assert_eq!(
        at(&e),
        pos(
            &src,
            "[ { \"capacityProvider\": \"FARGATE\", \"weight\": 2 } ]"
        )
    );
    // A new task definition for a Fargate service.
    find(
        &update(r#""service": "fgs", "taskDefinition": "web""#),
        "actions[7].input.taskDefinition",
        "task definition web:1 uses the bridge network mode",
    );
    find(
        &update(r#""service": "fgs", "placementStrategy": [ { "type": "random" } ]"#),
        "actions[7].input.placementStrategy",
        "tasks on Fargate take no placement strategies",
    );
    find(
        &update(r#""service": "fgs", "networkConfiguration": {}"#),
        "actions[7].input.networkConfiguration.awsvpcConfiguration",
        "missing required field 'awsvpcConfiguration'; the service's Fargate tasks take their zones from its subnets",
    );
    let e = find(
        &update(r#""service": "fgs", "capacityProviderStrategy": []"#),
        "actions[7].input.capacityProviderStrategy",
        "service 'fgs' uses a capacity provider strategy of its own, and an empty one would mean the cluster's default: \"when a service is using a capacity provider strategy that's not the default capacity provider strategy, the service can't be updated to use the cluster's default capacity provider strategy\" (API: UpdateService.capacityProviderStrategy); give the strategy to use",
    );
    assert_eq!(e.value, None);
    find(
        &update(
            r#""service": "web", "capacityProviderStrategy": [ { "capacityProvider": "cp" } ]"#,
        ),
        "actions[7].input.capacityProviderStrategy",
        "every provider of this strategy has weight 0",
    );
}
