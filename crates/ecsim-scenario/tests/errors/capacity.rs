//! Capacity providers and their Auto Scaling groups, a cluster's providers and default strategy,
//! the capacity faults, `pricing`, `subnets` and the capacity assertions (SPEC §2, §3, §8).

use super::{at, errors, find, load, pos, with_actions};

/// A Fargate task definition: awsvpc, 256 CPU units, 512 MiB.
const FARGATE_TD: &str = r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "fg", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512", "containerDefinitions": [ { "name": "app", "image": "nginx" } ] } }"#;

/// A group's simulation block.
const GROUP: &str = r#""simulation": { "autoScalingGroup": { "instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1a"], "minSize": 0, "maxSize": 4 } }"#;

/// After `with_actions`' cluster `prod` and task definition `web`: provider `cp` (index 2,
/// managed scaling ENABLED with a maximum step of 5), provider `spot` (index 3, a spot group) and
/// task definition `fg` (index 4, Fargate); then `actions` from index 5.
pub(super) fn with_providers(actions: &str) -> String {
    with_actions(&format!(
        r#"{{ "at": 0, "action": "CreateCapacityProvider", "input": {{ "name": "cp", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "asg-cp", "managedScaling": {{ "status": "ENABLED", "maximumScalingStepSize": 5 }} }} }}, {GROUP} }},
    {{ "at": 0, "action": "CreateCapacityProvider", "input": {{ "name": "spot", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "asg-spot" }} }},
      "simulation": {{ "autoScalingGroup": {{ "instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1b"], "minSize": 0, "maxSize": 4, "spot": true }} }} }},
    {FARGATE_TD},
    {actions}"#
    ))
}

/// An action of `kind` at index 5 with the given input.
fn action(kind: &str, input: &str) -> String {
    with_providers(&format!(
        r#"{{ "at": 1, "action": "{kind}", "input": {{ {input} }} }}"#
    ))
}

/// A CreateCapacityProvider at index 2 with this input and simulation block.
fn create(input: &str, simulation: &str) -> String {
    with_actions(&format!(
        r#"{{ "at": 1, "action": "CreateCapacityProvider", "input": {{ {input} }}{simulation} }}"#
    ))
}

/// A CreateCapacityProvider `cp` at index 2 with the given autoScalingGroupProvider fields.
fn provider(fields: &str) -> String {
    create(
        &format!(
            r#""name": "cp", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "a", {fields} }}"#
        ),
        &format!(", {GROUP}"),
    )
}

/// A CreateCapacityProvider `cp` at index 2 whose group has these fields.
fn group(fields: &str) -> String {
    create(
        r#""name": "cp", "autoScalingGroupProvider": { "autoScalingGroupArn": "a" }"#,
        &format!(r#", "simulation": {{ "autoScalingGroup": {{ {fields} }} }}"#),
    )
}

const SIZES: &str = r#""instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1a"]"#;

#[test]
fn the_fixtures_load() {
    assert!(load(&with_providers(
        r#"{ "at": 1, "action": "Snapshot", "input": {} }"#
    ))
    .is_ok());
    assert!(load(&provider(r#""managedDraining": "ENABLED""#)).is_ok());
    assert!(load(&group(&format!(r#"{SIZES}, "minSize": 1, "maxSize": 1"#))).is_ok());
}

#[test]
fn provider_names() {
    let named = |name: &str| {
        create(
            &format!(
                r#""name": "{name}", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "a" }}"#
            ),
            &format!(", {GROUP}"),
        )
    };
    for bad in ["", "cp one", "cp.1"] {
        find(
            &named(bad),
            "actions[2].input.name",
            "expected up to 255 letters, numbers, underscores and hyphens (API: CreateCapacityProvider.name)",
        );
    }
    let src = named("FARGATE_SPOT");
    let e = find(
        &src,
        "actions[2].input.name",
        "the name FARGATE_SPOT is reserved: \"Only capacity providers that use an Auto Scaling group can be created. Amazon ECS tasks on AWS Fargate use the FARGATE and FARGATE_SPOT capacity providers.\" (API: CreateCapacityProvider); choose another name",
    );
    assert_eq!(at(&e), pos(&src, "\"FARGATE_SPOT\""));
    // RULE: the reserved prefixes in any case.
    for (name, prefix) in [
        ("ecs-cp", "ecs"),
        ("AWSgroup", "aws"),
        ("Fargate2", "fargate"),
    ] {
        find(
            &named(name),
            "actions[2].input.name",
            &format!("a capacity provider's name can't start with '{prefix}': \"The name can't be prefixed with \"aws\", \"ecs\", or \"fargate\".\" (API: CreateCapacityProvider.name); choose another name"),
        );
    }
    let src = with_providers(&format!(
        r#"{{ "at": 1, "action": "CreateCapacityProvider", "input": {{ "name": "cp", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "b" }} }}, {GROUP} }}"#
    ));
    find(
        &src,
        "actions[5].input.name",
        "capacity provider 'cp' already exists (an earlier CreateCapacityProvider made it and no DeleteCapacityProvider removed it); choose another name or delete it first",
    );
    find(
        &create(
            r#""autoScalingGroupProvider": { "autoScalingGroupArn": "a" }"#,
            &format!(", {GROUP}"),
        ),
        "actions[2].input.name",
        "missing required field 'name'",
    );
}

#[test]
fn auto_scaling_group_provider() {
    let src = create(r#""name": "cp""#, &format!(", {GROUP}"));
    find(
        &src,
        "actions[2].input.autoScalingGroupProvider",
        "missing required field 'autoScalingGroupProvider'; e.g. {\"autoScalingGroupArn\": \"my-asg\", \"managedScaling\": {\"status\": \"ENABLED\"}}: \"Only capacity providers that use an Auto Scaling group can be created.\" (API: CreateCapacityProvider)",
    );
    let src = create(
        r#""name": "cp", "autoScalingGroupProvider": {}"#,
        &format!(", {GROUP}"),
    );
    find(
        &src,
        "actions[2].input.autoScalingGroupProvider.autoScalingGroupArn",
        "missing required field 'autoScalingGroupArn'",
    );
    find(
        &provider(r#""managedDraining": "ON""#),
        "actions[2].input.autoScalingGroupProvider.managedDraining",
        "expected ENABLED or DISABLED (API: AutoScalingGroupProvider.managedDraining)",
    );
    let src = provider(r#""managedTerminationProtection": "ENABLED""#);
    let e = find(
        &src,
        "actions[2].input.autoScalingGroupProvider.managedTerminationProtection",
        "managed termination protection is ENABLED but managed scaling is not: \"When using managed termination protection, managed scaling must also be used otherwise managed termination protection doesn't work.\" (API: AutoScalingGroupProvider.managedTerminationProtection); set managedScaling.status to ENABLED or managedTerminationProtection to DISABLED",
    );
    assert_eq!(at(&e), pos(&src, "\"ENABLED\""));
    assert!(load(&provider(
        r#""managedTerminationProtection": "ENABLED", "managedScaling": { "status": "ENABLED" }"#
    ))
    .is_ok());
}

#[test]
fn managed_scaling_ranges() {
    let scaling = |fields: &str| provider(&format!(r#""managedScaling": {{ {fields} }}"#));
    let path = "actions[2].input.autoScalingGroupProvider.managedScaling";
    for v in ["0", "101"] {
        let e = find(
            &scaling(&format!(r#""targetCapacity": {v}"#)),
            &format!("{path}.targetCapacity"),
            "expected a target capacity from 1 to 100 percent: \"The specified value must be greater than 0 and less than or equal to 100.\" (API: ManagedScaling.targetCapacity)",
        );
        assert_eq!(e.value.as_deref(), Some(v));
    }
    for field in ["minimumScalingStepSize", "maximumScalingStepSize"] {
        for v in ["0", "10001"] {
            find(
                &scaling(&format!(r#""{field}": {v}"#)),
                &format!("{path}.{field}"),
                &format!("expected from 1 to 10000 instances (API: ManagedScaling.{field})"),
            );
        }
    }
    find(
        &scaling(r#""instanceWarmupPeriod": 10001"#),
        &format!("{path}.instanceWarmupPeriod"),
        "expected from 0 to 10000 seconds (API: ManagedScaling.instanceWarmupPeriod)",
    );
    find(
        &scaling(r#""status": "on""#),
        &format!("{path}.status"),
        "expected ENABLED or DISABLED (API: ManagedScaling.status)",
    );
    // RULE: the maximum step at least the minimum (the default maximum is 10000).
    find(
        &scaling(r#""minimumScalingStepSize": 10, "maximumScalingStepSize": 5"#),
        &format!("{path}.maximumScalingStepSize"),
        "maximumScalingStepSize (5) is below minimumScalingStepSize (10); the maximum must be at least the minimum",
    );
    assert!(load(&scaling(r#""minimumScalingStepSize": 10000"#)).is_ok());
}

#[test]
fn the_group_is_required() {
    let src = create(
        r#""name": "cp", "autoScalingGroupProvider": { "autoScalingGroupArn": "a" }"#,
        "",
    );
    let all = errors(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path, "actions[2].simulation.autoScalingGroup");
    assert!(all[0].message.starts_with("missing required field 'autoScalingGroup'; ecsim needs the Auto Scaling group described, since the request only names it: add \"simulation\": {\"autoScalingGroup\": {\"instanceTypes\": [\"m5.large\"], \"availabilityZones\": [\"us-east-1a\"], \"minSize\": 0, \"maxSize\": 10}} to the action"), "{}", all[0]);
    assert_eq!(
        at(&all[0]),
        pos(&src, "{ \"at\": 1, \"action\": \"CreateCapacityProvider\"")
    );
    let src = create(
        r#""name": "cp", "autoScalingGroupProvider": { "autoScalingGroupArn": "a" }"#,
        r#", "simulation": { "group": {} }"#,
    );
    find(
        &src,
        "actions[2].simulation.autoScalingGroup",
        "missing required field 'autoScalingGroup'; ecsim needs the Auto Scaling group described",
    );
    find(
        &src,
        "actions[2].simulation.group",
        "unknown field 'group'; expected one of autoScalingGroup",
    );
}

#[test]
fn group_types_zones_and_sizes() {
    let path = "actions[2].simulation.autoScalingGroup";
    let sized = r#""minSize": 0, "maxSize": 2"#;
    find(
        &group(&format!(r#""availabilityZones": ["us-east-1a"], {sized}"#)),
        &format!("{path}.instanceTypes"),
        "missing required field 'instanceTypes'; the group's instance types, e.g. [\"m5.large\"] (RULE: launches use the first)",
    );
    find(
        &group(&format!(
            r#""instanceTypes": [], "availabilityZones": ["us-east-1a"], {sized}"#
        )),
        &format!("{path}.instanceTypes"),
        "expected at least one entry; the group's instance types",
    );
    find(
        &group(&format!(
            r#""instanceTypes": ["m5.lrage"], "availabilityZones": ["us-east-1a"], {sized}"#
        )),
        &format!("{path}.instanceTypes[0]"),
        "unknown instance type 'm5.lrage'; did you mean 'm5.large'?",
    );
    find(
        &group(&format!(
            r#""instanceTypes": ["m5.large", "m5.large"], "availabilityZones": ["us-east-1a"], {sized}"#
        )),
        &format!("{path}.instanceTypes[1]"),
        "'m5.large' is listed twice; list each once",
    );
    let src = group(&format!(
        r#""instanceTypes": ["m5.large"], "availabilityZones": ["eu-west-1a"], {sized}"#
    ));
    let e = find(
        &src,
        &format!("{path}.availabilityZones[0]"),
        "'eu-west-1a' is not an Availability Zone of region us-east-1; expected a zone like us-east-1a or us-east-1b",
    );
    assert_eq!(at(&e), pos(&src, "\"eu-west-1a\""));
    find(
        &group(&format!(r#"{SIZES}, "maxSize": 2"#)),
        &format!("{path}.minSize"),
        "missing required field 'minSize'",
    );
    find(
        &group(&format!(r#"{SIZES}, "minSize": 0, "maxSize": 0"#)),
        &format!("{path}.maxSize"),
        "expected a maxSize from 1 to 5000 instances (RULE: a group holds at most 5000 instances)",
    );
    find(
        &group(&format!(r#"{SIZES}, "minSize": 3, "maxSize": 2"#)),
        &format!("{path}.minSize"),
        "minSize (3) is above maxSize (2)",
    );
    find(
        &group(&format!(
            r#"{SIZES}, "minSize": 1, "maxSize": 2, "desiredCapacity": 3"#
        )),
        &format!("{path}.desiredCapacity"),
        "desiredCapacity (3) must lie from minSize (1) to maxSize (2)",
    );
    find(
        &group(&format!(r#"{SIZES}, {sized}, "size": 1"#)),
        &format!("{path}.size"),
        "unknown field 'size'",
    );
}

#[test]
fn group_spot_image_tags_and_timings() {
    let path = "actions[2].simulation.autoScalingGroup";
    let base = format!(r#"{SIZES}, "minSize": 0, "maxSize": 2"#);
    let src = group(&format!(r#"{base}, "interruptionsPerHour": 1"#));
    let e = find(
        &src,
        &format!("{path}.interruptionsPerHour"),
        "interruptionsPerHour applies to spot groups only; add \"spot\": true or remove it",
    );
    assert_eq!(at(&e), pos(&src, "\"interruptionsPerHour\""));
    find(
        &group(&format!(
            r#"{base}, "spot": true, "interruptionsPerHour": -1"#
        )),
        &format!("{path}.interruptionsPerHour"),
        "expected a rate of at least 0 (interruptions per running instance per hour)",
    );
    find(
        &group(&format!(r#"{base}, "imageId": "ami-0000""#)),
        &format!("{path}.imageId"),
        "unknown AMI 'ami-0000'; add it to the scenario's amis",
    );
    find(
        &group(&format!(r#"{base}, "imageId": "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2/recommended""#)),
        &format!("{path}.imageId"),
        "no SSM parameter named '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended' (the scenario has no ssmParameters); add the parameter, as aws ssm get-parameters prints it, to ssmParameters",
    );
    find(
        &group(&format!(r#"{base}, "tags": [ {{ "Key": "" }} ]"#)),
        &format!("{path}.tags[0].Key"),
        "expected a tag key of 1 to 128 characters",
    );
    find(
        &group(&format!(
            r#"{base}, "tags": [ {{ "key": "aws:cloudformation:stack-name" }} ]"#
        )),
        &format!("{path}.tags[0].key"),
        "tag keys starting with aws: are reserved for AWS use",
    );
    find(
        &group(&format!(
            r#"{base}, "tags": [ {{ "key": "k", "value": "{}" }} ]"#,
            "v".repeat(257)
        )),
        &format!("{path}.tags[0].value"),
        "expected a tag value of at most 256 characters",
    );
    find(
        &group(&format!(
            r#"{base}, "tags": [ {{ "Key": "k" }}, {{ "Key": "k", "Value": "2" }} ]"#
        )),
        &format!("{path}.tags[1].Key"),
        "tag 'k' is given twice: each tag key must be unique; keep one",
    );
    find(
        // One spelling per tag (RULE): EC2's `Key` with the SPEC's `value` is a mistake.
        &group(&format!(
            r#"{base}, "tags": [ {{ "Key": "k", "value": "v" }} ]"#
        )),
        &format!("{path}.tags[0].value"),
        "unknown field 'value'; did you mean 'Value'?",
    );
    find(
        &group(&format!(r#"{base}, "timings": {{ "pending": "5s" }}"#)),
        &format!("{path}.timings.pending"),
        "unknown field 'pending'; expected one of instanceLaunch",
    );
    find(
        &group(&format!(
            r#"{base}, "timings": {{ "instanceLaunch": "soon" }}"#
        )),
        &format!("{path}.timings.instanceLaunch"),
        "duration",
    );
}

#[test]
fn update_capacity_provider() {
    let update = |input: &str| action("UpdateCapacityProvider", input);
    find(
        &update(r#""name": "FARGATE", "autoScalingGroupProvider": {}"#),
        "actions[5].input.name",
        "capacity provider FARGATE is reserved and has no settings to update",
    );
    find(
        &update(r#""name": "cq", "autoScalingGroupProvider": {}"#),
        "actions[5].input.name",
        "unknown capacity provider 'cq'; did you mean 'cp'?",
    );
    find(
        &update(r#""name": "cp""#),
        "actions[5].input.autoScalingGroupProvider",
        "missing required field 'autoScalingGroupProvider'",
    );
    find(
        &update(r#""name": "cp", "autoScalingGroupProvider": { "autoScalingGroupArn": "b" }"#),
        "actions[5].input.autoScalingGroupProvider.autoScalingGroupArn",
        "unknown field 'autoScalingGroupArn'; expected one of managedDraining, managedScaling, managedTerminationProtection",
    );
    // Checked against the provider as earlier actions left it: `spot` has no managed scaling,
    // `cp` a maximum step of 5.
    find(
        &update(
            r#""name": "spot", "autoScalingGroupProvider": { "managedTerminationProtection": "ENABLED" }"#,
        ),
        "actions[5].input.autoScalingGroupProvider.managedTerminationProtection",
        "managed termination protection is ENABLED but managed scaling is not",
    );
    find(
        &update(
            r#""name": "cp", "autoScalingGroupProvider": { "managedScaling": { "minimumScalingStepSize": 6 } }"#,
        ),
        "actions[5].input.autoScalingGroupProvider.managedScaling.minimumScalingStepSize",
        "maximumScalingStepSize (5) is below minimumScalingStepSize (6)",
    );
    find(
        &update(
            r#""name": "cp", "autoScalingGroupProvider": { "managedScaling": { "targetCapacity": 0 } }"#,
        ),
        "actions[5].input.autoScalingGroupProvider.managedScaling.targetCapacity",
        "expected a target capacity from 1 to 100 percent",
    );
    // An update that turns managed scaling off under termination protection.
    let src = with_providers(
        r#"{ "at": 1, "action": "UpdateCapacityProvider", "input": { "name": "cp", "autoScalingGroupProvider": { "managedTerminationProtection": "ENABLED" } } },
    { "at": 2, "action": "UpdateCapacityProvider", "input": { "name": "cp", "autoScalingGroupProvider": { "managedScaling": { "status": "DISABLED" } } } }"#,
    );
    find(
        &src,
        "actions[6].input.autoScalingGroupProvider.managedScaling.status",
        "managed termination protection is ENABLED but managed scaling is not",
    );
}

#[test]
fn delete_and_describe_capacity_providers() {
    let src = action("DeleteCapacityProvider", r#""capacityProvider": "FARGATE""#);
    find(
        &src,
        "actions[5].input.capacityProvider",
        "capacity provider FARGATE is reserved: \"The FARGATE and FARGATE_SPOT capacity providers are reserved and can't be deleted. You can disassociate them from a cluster using either the PutClusterCapacityProviders API or by deleting the cluster.\" (API: DeleteCapacityProvider)",
    );
    find(
        &action(
            "DeleteCapacityProvider",
            r#""capacityProvider": "arn:aws:ecs:eu-west-1:123456789012:capacity-provider/cp""#,
        ),
        "actions[5].input.capacityProvider",
        "the ARN names region eu-west-1 and account 123456789012, but this scenario runs in region us-east-1",
    );
    find(
        &action("DeleteCapacityProvider", r#""capacityProvider": "arn:aws:ecs:us-east-1:123456789012:cluster/cp""#),
        "actions[5].input.capacityProvider",
        "expected a capacity provider name or an ARN like arn:aws:ecs:us-east-1:123456789012:capacity-provider/NAME",
    );
    find(
        &action("DeleteCapacityProvider", ""),
        "actions[5].input.capacityProvider",
        "missing required field 'capacityProvider'",
    );
    let describe = |input: &str| action("DescribeCapacityProviders", input);
    let hundred_one = (0..101)
        .map(|i| format!("\"p{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    find(
        &describe(&format!(r#""capacityProviders": [{hundred_one}]"#)),
        "actions[5].input.capacityProviders",
        "expected at most 100 capacity providers: \"Up to 100 capacity providers can be described in an action.\" (API: DescribeCapacityProviders.capacityProviders)",
    );
    find(
        &describe(r#""capacityProviders": ["cp", ""]"#),
        "actions[5].input.capacityProviders[1]",
        "expected a capacity provider name or ARN, not an empty string",
    );
    find(
        &describe(r#""capacityProviders": ["arn:aws:ecs:us-east-1:123456789012:service/cp"]"#),
        "actions[5].input.capacityProviders[0]",
        "expected a capacity provider name or an ARN like arn:aws:ecs:us-east-1:123456789012:capacity-provider/NAME",
    );
    find(
        &describe(r#""maxResults": 11"#),
        "actions[5].input.maxResults",
        "expected from 1 to 10: \"This value can be between 1 and 10.\" (API: DescribeCapacityProviders.maxResults)",
    );
    find(
        &describe(r#""include": ["TAG"]"#),
        "actions[5].input.include[0]",
        "expected TAGS (API: DescribeCapacityProviders.include)",
    );
    // Unknown providers are the response's failures, not input errors.
    assert!(load(&describe(r#""capacityProviders": ["nope"]"#)).is_ok());
}

#[test]
fn put_cluster_capacity_providers() {
    let put = |input: &str| action("PutClusterCapacityProviders", input);
    find(
        &put(r#""capacityProviders": [], "defaultCapacityProviderStrategy": []"#),
        "actions[5].input.cluster",
        "missing required field 'cluster'",
    );
    find(
        &put(r#""cluster": "prod", "defaultCapacityProviderStrategy": []"#),
        "actions[5].input.capacityProviders",
        "missing required field 'capacityProviders'; the providers to associate with the cluster, [] for none",
    );
    find(
        &put(r#""cluster": "prod", "capacityProviders": ["cp"]"#),
        "actions[5].input.defaultCapacityProviderStrategy",
        "missing required field 'defaultCapacityProviderStrategy'; [] for none: \"you must specify an empty array ([]) to bypass defining a default strategy\" (API: PutClusterCapacityProviders)",
    );
    let src = put(
        r#""cluster": "prod", "capacityProviders": ["cp"], "defaultCapacityProviderStrategy": [ { "capacityProvider": "spot", "weight": 1 } ]"#,
    );
    let e = find(
        &src,
        "actions[5].input.defaultCapacityProviderStrategy[0].capacityProvider",
        "capacity provider 'spot' is not in this request's capacityProviders: \"A capacity provider must be associated with a cluster before it can be included as part of the default capacity provider strategy of the cluster\" (API: CreateCluster.capacityProviders); add it to capacityProviders",
    );
    assert_eq!(at(&e), pos(&src, "\"spot\", \"weight\""));
    find(
        &put(
            r#""cluster": "prod", "capacityProviders": ["cp", "cp"], "defaultCapacityProviderStrategy": []"#,
        ),
        "actions[5].input.capacityProviders[1]",
        "capacity provider 'cp' is listed twice; list each provider once",
    );
    find(
        &put(
            r#""cluster": "prod", "capacityProviders": ["FARGATE_SPOTT"], "defaultCapacityProviderStrategy": []"#,
        ),
        "actions[5].input.capacityProviders[0]",
        "unknown capacity provider 'FARGATE_SPOTT'; did you mean 'FARGATE_SPOT'?",
    );
    find(
        &put(
            r#""cluster": "test", "capacityProviders": [], "defaultCapacityProviderStrategy": []"#,
        ),
        "actions[5].input.cluster",
        "unknown cluster 'test'",
    );
}

#[test]
fn an_auto_scaling_group_provider_serves_one_cluster() {
    // RULE: checked in file order against the associations earlier actions made.
    let src = with_providers(
        r#"{ "at": 1, "action": "PutClusterCapacityProviders", "input": { "cluster": "prod", "capacityProviders": ["cp", "FARGATE"], "defaultCapacityProviderStrategy": [] } },
    { "at": 2, "action": "CreateCluster", "input": { "clusterName": "test", "capacityProviders": ["FARGATE", "cp"] } }"#,
    );
    let e = find(
        &src,
        "actions[6].input.capacityProviders[1]",
        "capacity provider 'cp' is associated with cluster 'prod' by an earlier action, and an Auto Scaling group provider serves one cluster: \"the capacity provider must be created but not associated with another cluster\" (API: CreateCluster.capacityProviders); remove it from 'prod' first with PutClusterCapacityProviders",
    );
    assert_eq!(e.value.as_deref(), Some("\"cp\""));
    // Fargate's serve every cluster; a provider removed from a cluster, or whose cluster was
    // deleted, may serve another.
    assert!(load(&with_providers(
        r#"{ "at": 1, "action": "PutClusterCapacityProviders", "input": { "cluster": "prod", "capacityProviders": ["cp", "FARGATE"], "defaultCapacityProviderStrategy": [] } },
    { "at": 2, "action": "PutClusterCapacityProviders", "input": { "cluster": "prod", "capacityProviders": ["FARGATE"], "defaultCapacityProviderStrategy": [] } },
    { "at": 3, "action": "CreateCluster", "input": { "clusterName": "test", "capacityProviders": ["FARGATE", "cp"] } },
    { "at": 4, "action": "DeleteCluster", "input": { "cluster": "test" } },
    { "at": 5, "action": "CreateCluster", "input": { "clusterName": "other", "capacityProviders": ["cp"] } }"#
    ))
    .is_ok());
}

#[test]
fn create_cluster_with_providers() {
    let cluster = |input: &str, simulation: &str| {
        with_providers(&format!(
            r#"{{ "at": 1, "action": "CreateCluster", "input": {{ "clusterName": "c2", {input} }}{simulation} }}"#
        ))
    };
    find(
        &cluster(
            r#""capacityProviders": ["FARGATE"], "defaultCapacityProviderStrategy": [ { "capacityProvider": "FARGATE_SPOT", "weight": 1 } ]"#,
            "",
        ),
        "actions[5].input.defaultCapacityProviderStrategy[0].capacityProvider",
        "capacity provider 'FARGATE_SPOT' is not in this request's capacityProviders",
    );
    find(
        &cluster(r#""capacityProviders": ["nope"]"#, ""),
        "actions[5].input.capacityProviders[0]",
        "unknown capacity provider 'nope'; capacity providers at this point: FARGATE, FARGATE_SPOT, cp, spot",
    );
    find(
        &cluster(
            r#""capacityProviders": ["cp"], "defaultCapacityProviderStrategy": [ { "capacityProvider": "cp", "weight": 0 } ]"#,
            "",
        ),
        "actions[5].input.defaultCapacityProviderStrategy",
        "every provider of this strategy has weight 0",
    );
    let path = "actions[5].simulation";
    find(
        &cluster(
            "\"tags\": []",
            r#", "simulation": { "fargateSpotCapacity": -1 }"#,
        ),
        &format!("{path}.fargateSpotCapacity"),
        "expected an integer from 0 to 4294967295",
    );
    find(
        &cluster(
            "\"tags\": []",
            r#", "simulation": { "fargateSpotInterruptionsPerHour": -0.5 }"#,
        ),
        &format!("{path}.fargateSpotInterruptionsPerHour"),
        "expected a rate of at least 0 (interruptions per running FARGATE_SPOT task per hour)",
    );
    find(
        &cluster("\"tags\": []", r#", "simulation": { "spotInterruptionRate": 1 }"#),
        &format!("{path}.spotInterruptionRate"),
        "unknown field 'spotInterruptionRate'; expected one of fargateSpotCapacity, fargateSpotInterruptionsPerHour",
    );
}

#[test]
fn interrupt_spot() {
    let interrupt = |input: &str| action("InterruptSpot", input);
    assert!(load(&interrupt(
        r#""capacityProvider": "FARGATE_SPOT", "cluster": "prod", "count": 2"#
    ))
    .is_ok());
    assert!(load(&interrupt(r#""capacityProvider": "spot", "fraction": 1"#)).is_ok());
    find(
        &interrupt(r#""capacityProvider": "FARGATE", "count": 1"#),
        "actions[5].input.capacityProvider",
        "capacity provider FARGATE is on-demand capacity and is never interrupted; name FARGATE_SPOT or a spot group's provider",
    );
    find(
        &interrupt(r#""capacityProvider": "cp", "count": 1"#),
        "actions[5].input.capacityProvider",
        "capacity provider 'cp' has an on-demand group (its simulation.autoScalingGroup has no \"spot\": true), so it has no spot instances to interrupt",
    );
    let src = interrupt(r#""capacityProvider": "spot", "cluster": "prod", "count": 1"#);
    let e = find(
        &src,
        "actions[5].input.cluster",
        "cluster applies to FARGATE_SPOT only: capacity provider 'spot' interrupts instances of its own group; remove cluster",
    );
    assert_eq!(at(&e), pos(&src, "\"cluster\": \"prod\", \"count\""));
    find(
        &interrupt(r#""capacityProvider": "FARGATE_SPOT", "count": 1, "fraction": 0.5"#),
        "actions[5].input.fraction",
        "give count or fraction, not both",
    );
    find(
        &interrupt(r#""capacityProvider": "FARGATE_SPOT""#),
        "actions[5].input",
        "missing count or fraction; give how many to interrupt, e.g. \"count\": 1 or \"fraction\": 0.5 (of those running, rounded up)",
    );
    for f in ["0", "1.5"] {
        find(
            &interrupt(&format!(
                r#""capacityProvider": "FARGATE_SPOT", "fraction": {f}"#
            )),
            "actions[5].input.fraction",
            "expected a fraction above 0 and at most 1 (of those running, rounded up)",
        );
    }
    find(
        &interrupt(r#""capacityProvider": "FARGATE_SPOT", "count": 0"#),
        "actions[5].input.count",
        "expected a count of at least 1",
    );
    find(
        &interrupt(r#""count": 1"#),
        "actions[5].input.capacityProvider",
        "missing required field 'capacityProvider'; FARGATE_SPOT, or an Auto Scaling group provider whose group has \"spot\": true",
    );
    find(
        &interrupt(r#""capacityProvider": "FARGATE_SPOT", "cluster": "test", "count": 1"#),
        "actions[5].input.cluster",
        "unknown cluster 'test'",
    );
}

#[test]
fn availability_zone_faults() {
    for kind in ["FailAvailabilityZone", "RestoreAvailabilityZone"] {
        let src = action(kind, r#""availabilityZone": "us-west-2a""#);
        let e = find(
            &src,
            "actions[5].input.availabilityZone",
            "'us-west-2a' is not an Availability Zone of region us-east-1; expected a zone like us-east-1a or us-east-1b",
        );
        assert_eq!(at(&e), pos(&src, "\"us-west-2a\""));
        find(
            &action(kind, r#""availabilityZone": "us-east-1""#),
            "actions[5].input.availabilityZone",
            "'us-east-1' is not an Availability Zone of region us-east-1",
        );
        find(
            &action(kind, ""),
            "actions[5].input.availabilityZone",
            "missing required field 'availabilityZone'; a zone of the scenario's region, e.g. \"us-east-1a\"",
        );
    }
}

#[test]
fn instances_join_an_auto_scaling_group_provider() {
    let launch = |provider: &str| {
        action(
            "LaunchContainerInstances",
            &format!(
                r#""cluster": "prod", "instanceType": "m5.large", "capacityProvider": "{provider}""#
            ),
        )
    };
    assert!(load(&launch("cp")).is_ok());
    find(
        &launch("FARGATE"),
        "actions[5].input.capacityProvider",
        "capacity provider FARGATE runs tasks without container instances; name an Auto Scaling group provider, whose group the instances join",
    );
    find(
        &launch("sopt"),
        "actions[5].input.capacityProvider",
        "unknown capacity provider 'sopt'; did you mean 'spot'?",
    );
}

#[test]
fn pricing_and_subnets() {
    let top = |fields: &str| {
        with_actions("").replace(
            "\"name\": \"broken\",",
            &format!("\"name\": \"broken\", {fields},"),
        )
    };
    for d in ["1", "-0.1"] {
        let e = find(
            &top(&format!(r#""pricing": {{ "spotDiscount": {d} }}"#)),
            "pricing.spotDiscount",
            "expected a discount from 0 up to, not including, 1 (0.7: spot capacity costs 30% of the on-demand price)",
        );
        assert_eq!(e.value.as_deref(), Some(d));
    }
    find(
        &top(r#""pricing": { "fargateVcpuHour": -1 }"#),
        "pricing.fargateVcpuHour",
        "expected a price of at least 0 dollars per vCPU-hour",
    );
    find(
        &top(r#""pricing": { "fargateGBHour": 1 }"#),
        "pricing.fargateGBHour",
        "unknown field 'fargateGBHour'; did you mean 'fargateGbHour'?",
    );
    find(
        &top(r#""pricng": {}"#),
        "pricng",
        "unknown field 'pricng'; did you mean 'pricing'?",
    );
    let src = top(r#""subnets": { "subnet-1": "eu-west-1a" }"#);
    let e = find(
        &src,
        "subnets.subnet-1",
        "'eu-west-1a' is not an Availability Zone of region us-east-1; expected a zone like us-east-1a or us-east-1b",
    );
    assert_eq!(at(&e), pos(&src, "\"eu-west-1a\""));
    find(
        &top(r#""subnets": ["subnet-1"]"#),
        "subnets",
        "expected an object of subnet ids and their zones, e.g. {\"subnet-0abc\": \"us-east-1a\"}",
    );
    find(
        &top(r#""subnets": { "subnet-1": 1 }"#),
        "subnets.subnet-1",
        "expected a string",
    );
    find(
        &top(r#""subnets": { "": "us-east-1a" }"#),
        "subnets[\"\"]",
        "expected a subnet id, not an empty string",
    )
    .line
    .expect("located");
}

#[test]
fn capacity_assertions() {
    let with_assertions = |list: &str| {
        with_providers(r#"{ "at": 1, "action": "Snapshot", "input": {} }"#).replace(
            "\"name\": \"broken\",",
            &format!("\"name\": \"broken\", \"assertions\": [{list}],"),
        )
    };
    assert!(load(&with_assertions(
        r#"{ "type": "maxInstances", "atMost": 3 }, { "type": "maxInstances", "cluster": "prod", "capacityProvider": "cp", "atMost": 3 }, { "type": "maxCostPerHour", "atMost": 1.5 }, { "type": "maxTasksProvisioning", "atMost": 0 }"#
    ))
    .is_ok());
    let src =
        with_assertions(r#"{ "type": "maxInstances", "capacityProvider": "cq", "atMost": 3 }"#);
    let e = find(
        &src,
        "assertions[0].capacityProvider",
        "no action creates capacity provider 'cq'; did you mean 'cp'?",
    );
    assert_eq!(at(&e), pos(&src, "\"cq\""));
    find(
        &with_assertions(r#"{ "type": "maxInstances", "capacityProvider": "FARGATE", "atMost": 3 }"#),
        "assertions[0].capacityProvider",
        "capacity provider FARGATE runs tasks without container instances, so it has no instances to count; name an Auto Scaling group provider",
    );
    find(
        &with_assertions(r#"{ "type": "maxTasksProvisioning", "cluster": "prd", "atMost": 3 }"#),
        "assertions[0].cluster",
        "no action creates cluster 'prd'; did you mean 'prod'?",
    );
    find(
        &with_assertions(r#"{ "type": "maxInstances", "cluster": "staging", "atMost": 3 }"#),
        "assertions[0].cluster",
        "no action creates cluster 'staging'; clusters the scenario creates: prod",
    );
    find(
        &with_assertions(r#"{ "type": "maxInstances" }"#),
        "assertions[0].atMost",
        "missing required field 'atMost'; the most allowed, e.g. \"atMost\": 10",
    );
    find(
        &with_assertions(r#"{ "type": "maxCostPerHour", "atMost": -1 }"#),
        "assertions[0].atMost",
        "expected at least 0 dollars per hour",
    );
    find(
        &with_assertions(r#"{ "type": "maxCostPerHour", "cluster": "prod", "atMost": 1 }"#),
        "assertions[0].cluster",
        "unknown field 'cluster'; expected one of type, atMost",
    );
    find(
        &with_assertions(r#"{ "type": "maxTaskProvisioning", "atMost": 1 }"#),
        "assertions[0].type",
        "unknown assertion type 'maxTaskProvisioning'; did you mean 'maxTasksProvisioning'?",
    );
}
