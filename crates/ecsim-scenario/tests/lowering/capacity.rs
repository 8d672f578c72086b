//! Capacity providers, Fargate, spot and zone faults lower into the engine's capacity types
//! (SPEC §8): the fixture's actions from index 36 on, and small scenarios for the defaults.

use super::{action, load_ok, loaded};
use ecsim_engine::capacity::{
    AsgProvider, AutoScalingGroup, FargateSpotSimulation, ManagedScaling, ManagedScalingUpdate,
    Pricing, SpotAmount, StrategyItem, UpdateCapacityProvider,
};
use ecsim_engine::{Action, Assertion};
use ecsim_kernel::SimDuration;
use ecsim_model::LaunchType;

fn item(provider: &str, base: u32, weight: u32) -> StrategyItem {
    StrategyItem {
        capacity_provider: provider.to_string(),
        weight,
        base,
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn pricing_and_subnets() {
    let l = loaded();
    assert_eq!(
        l.scenario.pricing,
        Pricing {
            spot_discount: 0.6,
            fargate_vcpu_hour: 0.05,
            // Left out: the catalog's.
            fargate_gb_hour: Pricing::default().fargate_gb_hour,
        }
    );
    let subnets: Vec<(&str, &str)> = l
        .scenario
        .subnets
        .iter()
        .map(|(s, z)| (s.as_str(), z.as_str()))
        .collect();
    assert_eq!(
        subnets,
        [("subnet-a", "eu-west-1a"), ("subnet-b", "eu-west-1b")]
    );
    let min = load_ok(r#"{"schemaVersion": 1, "name": "min", "actions": []}"#);
    assert_eq!(min.scenario.pricing, Pricing::default());
    assert!(min.scenario.subnets.is_empty());
}

#[test]
fn create_capacity_provider() {
    let l = loaded();
    let Action::CreateCapacityProvider(od) = action(&l, 36) else {
        panic!()
    };
    assert_eq!(od.name, "od");
    assert_eq!(
        od.provider,
        AsgProvider {
            auto_scaling_group_arn:
                "arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:1:autoScalingGroupName/od"
                    .to_string(),
            managed_scaling: ManagedScaling {
                enabled: true,
                target_capacity: 90,
                minimum_scaling_step_size: 1,
                maximum_scaling_step_size: 5,
                instance_warmup_period: SimDuration::from_seconds(120),
            },
            managed_termination_protection: true,
            managed_draining: false,
            group: AutoScalingGroup {
                instance_types: names(&["m5.large", "x9.custom"]),
                availability_zones: names(&["eu-west-1a", "eu-west-1b"]),
                min_size: 0,
                max_size: 10,
                desired_capacity: 2,
                spot: false,
                image_id: Some("ami-0123abcd".to_string()),
                interruptions_per_hour: 0.0,
                // RULE: the group's tags are its instances' EC2 tags (SPEC §13.1).
                tags: vec![("stack".to_string(), "prod".to_string())],
                instance_launch: Some(SimDuration::from_seconds(120)),
            },
        }
    );
    // The API's defaults: no managed scaling, no termination protection, managed draining on;
    // the group's desired capacity is its minSize and its AMI the recommended one.
    let Action::CreateCapacityProvider(spot) = action(&l, 37) else {
        panic!()
    };
    assert_eq!(spot.provider.auto_scaling_group_arn, "spot-asg");
    assert_eq!(spot.provider.managed_scaling, ManagedScaling::default());
    assert!(!spot.provider.managed_termination_protection);
    assert!(spot.provider.managed_draining);
    let g = &spot.provider.group;
    assert_eq!((g.min_size, g.max_size, g.desired_capacity), (1, 4, 1));
    assert!(g.spot);
    assert_eq!(g.interruptions_per_hour, 0.5);
    assert_eq!(g.image_id, None);
    assert!(g.tags.is_empty());
    assert_eq!(g.instance_launch, None);
}

#[test]
fn clusters_and_their_providers() {
    let l = loaded();
    let Action::CreateCluster(prod) = action(&l, 0) else {
        panic!()
    };
    assert!(prod.capacity_providers.is_empty() && prod.default_strategy.is_empty());
    assert_eq!(prod.fargate_spot, FargateSpotSimulation::default());
    let Action::CreateCluster(cp) = action(&l, 38) else {
        panic!()
    };
    assert_eq!(cp.cluster_name, "cp");
    assert_eq!(
        cp.capacity_providers,
        names(&["od", "FARGATE", "FARGATE_SPOT"])
    );
    assert_eq!(cp.default_strategy, [item("od", 1, 1)]);
    assert_eq!(
        cp.fargate_spot,
        FargateSpotSimulation {
            capacity: Some(10),
            interruptions_per_hour: 0.2,
        }
    );
    let Action::PutClusterCapacityProviders {
        cluster,
        capacity_providers,
        default_strategy,
    } = action(&l, 39)
    else {
        panic!()
    };
    assert_eq!(cluster, "cp");
    assert_eq!(
        capacity_providers,
        &names(&["od", "spot", "FARGATE", "FARGATE_SPOT"])
    );
    assert_eq!(default_strategy, &[item("od", 0, 1), item("spot", 2, 3)]);
}

#[test]
fn update_delete_and_describe_capacity_providers() {
    let l = loaded();
    let Action::UpdateCapacityProvider(u) = action(&l, 40) else {
        panic!()
    };
    assert_eq!(
        **u,
        UpdateCapacityProvider {
            name: "od".to_string(),
            managed_scaling: Some(ManagedScalingUpdate {
                target_capacity: Some(80),
                ..Default::default()
            }),
            managed_termination_protection: None,
            managed_draining: Some(true),
        }
    );
    // By name or ARN, lowered to the name; Fargate's and unknown ones are the response's.
    assert!(matches!(action(&l, 46),
        Action::DescribeCapacityProviders { capacity_providers } if capacity_providers == &names(&["od", "spot", "FARGATE"])));
    assert!(matches!(action(&l, 53),
        Action::DeleteCapacityProvider { capacity_provider } if capacity_provider == "spot"));
}

#[test]
fn fargate_tasks_and_strategies() {
    let l = loaded();
    let Action::RunTask(run) = action(&l, 42) else {
        panic!()
    };
    assert_eq!(run.launch_type, Some(LaunchType::Fargate));
    assert_eq!(run.capacity_provider_strategy, None);
    assert_eq!(run.subnets, names(&["subnet-a", "subnet-b"]));

    let Action::CreateService(fg) = action(&l, 43) else {
        panic!()
    };
    assert_eq!(fg.launch_type, None);
    assert_eq!(
        fg.capacity_provider_strategy,
        Some(vec![item("FARGATE", 1, 1), item("FARGATE_SPOT", 0, 4)])
    );
    assert_eq!(fg.subnets, ["subnet-a"]);

    let Action::UpdateService(u) = action(&l, 44) else {
        panic!()
    };
    assert_eq!(
        u.capacity_provider_strategy,
        Some(vec![item("FARGATE_SPOT", 0, 1)])
    );
    assert_eq!(u.subnets, Some(names(&["subnet-c"])));
    assert!(u.network_configuration);

    let Action::CreateService(ec2) = action(&l, 51) else {
        panic!()
    };
    assert_eq!(
        ec2.capacity_provider_strategy,
        Some(vec![item("od", 0, 1), item("spot", 0, 1)])
    );
    assert!(ec2.subnets.is_empty());

    let Action::CreateTaskSet(ts) = action(&l, 52) else {
        panic!()
    };
    assert_eq!(ts.launch_type, Some(LaunchType::Fargate));
    assert_eq!(ts.subnets, ["subnet-b"]);
    assert_eq!(ts.external_id.as_deref(), Some("green"));
}

#[test]
fn instances_join_a_provider_and_faults() {
    let l = loaded();
    let Action::LaunchContainerInstances(launch) = action(&l, 45) else {
        panic!()
    };
    assert_eq!(launch.capacity_provider.as_deref(), Some("od"));
    assert!(matches!(action(&l, 47),
        Action::InterruptSpot { capacity_provider, cluster: Some(c), amount: SpotAmount::Fraction(f) }
            if capacity_provider == "FARGATE_SPOT" && c == "cp" && *f == 0.5));
    assert!(matches!(action(&l, 48),
        Action::InterruptSpot { capacity_provider, cluster: None, amount: SpotAmount::Count(1) }
            if capacity_provider == "spot"));
    assert!(matches!(action(&l, 49),
        Action::FailAvailabilityZone { availability_zone } if availability_zone == "eu-west-1a"));
    assert!(matches!(action(&l, 50),
        Action::RestoreAvailabilityZone { availability_zone } if availability_zone == "eu-west-1a"));
}

/// A scenario with the given actions after a cluster `prod` (index 0).
fn with(actions: &str) -> String {
    format!(
        r#"{{ "schemaVersion": 1, "name": "capacity", "actions": [
  {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }} }},
  {actions}
] }}"#
    )
}

const GROUP: &str = r#""simulation": { "autoScalingGroup": { "instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1a"], "minSize": 0, "maxSize": 2 } }"#;

#[test]
fn a_deleted_provider_frees_its_name_and_still_resolves() {
    // RULE: the loader forgets nothing on DeleteCapacityProvider: the name may be created again,
    // and later references resolve (the engine decides whether the delete happened).
    let l = load_ok(&with(&format!(
        r#"{{ "at": 1, "action": "CreateCapacityProvider", "input": {{ "name": "cp", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "a" }} }}, {GROUP} }},
  {{ "at": 2, "action": "DeleteCapacityProvider", "input": {{ "capacityProvider": "cp" }} }},
  {{ "at": 3, "action": "PutClusterCapacityProviders", "input": {{ "cluster": "prod", "capacityProviders": ["cp"], "defaultCapacityProviderStrategy": [] }} }},
  {{ "at": 4, "action": "CreateCapacityProvider", "input": {{ "name": "cp", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "b" }} }}, {GROUP} }}"#
    )));
    assert!(matches!(&l.scenario.actions[3].action,
        Action::PutClusterCapacityProviders { capacity_providers, default_strategy, .. }
            if capacity_providers == &["cp"] && default_strategy.is_empty()));
    let Action::CreateCapacityProvider(again) = &l.scenario.actions[4].action else {
        panic!()
    };
    assert_eq!(again.provider.auto_scaling_group_arn, "b");
}

#[test]
fn managed_scaling_without_status_is_disabled() {
    // RULE: a managedScaling block without status is DISABLED; its other fields are kept.
    let l = load_ok(&with(&format!(
        r#"{{ "at": 1, "action": "CreateCapacityProvider", "input": {{ "name": "cp", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "a", "managedScaling": {{ "targetCapacity": 75, "instanceWarmupPeriod": 0 }} }} }}, {GROUP} }}"#
    )));
    let Action::CreateCapacityProvider(cp) = &l.scenario.actions[1].action else {
        panic!()
    };
    assert_eq!(
        cp.provider.managed_scaling,
        ManagedScaling {
            enabled: false,
            target_capacity: 75,
            instance_warmup_period: SimDuration::ZERO,
            ..ManagedScaling::default()
        }
    );
}

#[test]
fn group_tags_without_a_value() {
    // RULE: a tag without a Value has the empty value; both spellings are read.
    let l = load_ok(&with(
        r#"{ "at": 1, "action": "CreateCapacityProvider", "input": { "name": "cp", "autoScalingGroupProvider": { "autoScalingGroupArn": "a" } },
    "simulation": { "autoScalingGroup": { "instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1a", "us-east-1b"], "minSize": 1, "maxSize": 1,
      "tags": [ { "Key": "gpu" }, { "key": "tier", "value": "" }, { "key": "team", "value": "web" } ] } } }"#,
    ));
    let Action::CreateCapacityProvider(cp) = &l.scenario.actions[1].action else {
        panic!()
    };
    let tags: Vec<(&str, &str)> = cp
        .provider
        .group
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(tags, [("gpu", ""), ("tier", ""), ("team", "web")]);
}

#[test]
fn capacity_assertions() {
    // Names by name or ARN, each of a cluster or Auto Scaling group provider the scenario creates
    // (whenever); absent names mean the whole run.
    let src = with(&format!(
        r#"{{ "at": 1, "action": "CreateCapacityProvider", "input": {{ "name": "cp", "autoScalingGroupProvider": {{ "autoScalingGroupArn": "a" }} }}, {GROUP} }}"#
    ))
    .replace(
        "\"name\": \"capacity\",",
        r#""name": "capacity", "assertions": [
    { "type": "maxInstances", "cluster": "prod", "capacityProvider": "cp", "atMost": 20 },
    { "type": "maxInstances", "atMost": 40 },
    { "type": "maxCostPerHour", "atMost": 12.5 },
    { "type": "maxTasksProvisioning", "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "atMost": 300 },
    { "type": "maxTasksProvisioning", "atMost": 0 } ],"#,
    );
    assert_eq!(
        load_ok(&src).scenario.assertions,
        [
            Assertion::MaxInstances {
                cluster: Some("prod".to_string()),
                capacity_provider: Some("cp".to_string()),
                at_most: 20,
            },
            Assertion::MaxInstances {
                cluster: None,
                capacity_provider: None,
                at_most: 40,
            },
            Assertion::MaxCostPerHour { at_most: 12.5 },
            Assertion::MaxTasksProvisioning {
                cluster: Some("prod".to_string()),
                at_most: 300,
            },
            Assertion::MaxTasksProvisioning {
                cluster: None,
                at_most: 0,
            },
        ]
    );
}

#[test]
fn empty_strategies_are_none() {
    // An empty strategy gives none: the cluster's default applies (RunTask, CreateService), and
    // an UpdateService of a service without a strategy of its own changes nothing.
    let l = load_ok(&with(
        r#"{ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "web", "containerDefinitions": [ { "name": "app", "image": "nginx", "memory": 128 } ] } },
  { "at": 1, "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "web", "capacityProviderStrategy": [] } },
  { "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } },
  { "at": 2, "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "capacityProviderStrategy": [] } }"#,
    ));
    let Action::RunTask(run) = &l.scenario.actions[2].action else {
        panic!()
    };
    assert_eq!(
        (run.launch_type, &run.capacity_provider_strategy),
        (None, &None)
    );
    let Action::UpdateService(u) = &l.scenario.actions[4].action else {
        panic!()
    };
    assert_eq!(u.capacity_provider_strategy, None);
}
