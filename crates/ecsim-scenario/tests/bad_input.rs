//! The top-level corpus of broken scenarios (`tests/bad-input/`, run end to end by the CLI's
//! tests) seen from the loader: every file is refused, and the service and capacity files each with
//! the one error they are about.

use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-input")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(corpus().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_file_is_refused() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("tests/bad-input")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        // Some files are deliberately not UTF-8 text or not JSON; both must be refused.
        let bytes = std::fs::read(&path).expect("read");
        assert!(
            ecsim_scenario::load_bytes(&bytes).is_err(),
            "{} loads, but every file of the corpus is broken",
            path.display()
        );
    }
}

/// Each service, capacity (and run-limit) file: exactly one error, at this path, quoting this value (when it has one) and
/// saying this.
#[test]
fn service_files_have_the_one_error_they_are_about() {
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        (
            "service-duplicate-name.json",
            "actions[3].input.serviceName",
            Some("\"web\""),
            "service 'web' already exists in cluster 'c'",
        ),
        (
            "service-missing-desired-count.json",
            "actions[2].input.desiredCount",
            None,
            "missing required field 'desiredCount'",
        ),
        (
            "desired-count-over-5000.json",
            "actions[2].input.desiredCount",
            Some("5001"),
            "expected from 0 to 5000 tasks",
        ),
        (
            "daemon-with-desired-count.json",
            "actions[2].input.desiredCount",
            None,
            "a DAEMON service takes no desiredCount",
        ),
        (
            "daemon-with-placement-strategy.json",
            "actions[2].input.placementStrategy",
            None,
            "the DAEMON scheduling strategy does not support placement strategies",
        ),
        (
            "daemon-maximum-percent.json",
            "actions[2].input.deploymentConfiguration.maximumPercent",
            Some("200"),
            "a DAEMON service's maximumPercent must be 100",
        ),
        (
            "minimum-healthy-over-100.json",
            "actions[2].input.deploymentConfiguration.minimumHealthyPercent",
            Some("150"),
            "from 0 to 100",
        ),
        (
            "code-deploy-controller.json",
            "actions[2].input.deploymentController.type",
            Some("\"CODE_DEPLOY\""),
            "the CODE_DEPLOY (blue/green) deployment controller is not simulated",
        ),
        (
            "external-service-task-definition.json",
            "actions[2].input.taskDefinition",
            None,
            "a service with the EXTERNAL deployment controller takes no taskDefinition",
        ),
        (
            "unknown-service.json",
            "actions[3].input.service",
            Some("\"wbe\""),
            "unknown service 'wbe' in cluster 'c'; did you mean 'web'?",
        ),
        (
            "task-set-on-ecs-service.json",
            "actions[3].input.service",
            Some("\"web\""),
            "task sets need the EXTERNAL one",
        ),
        (
            "unknown-task-set.json",
            "actions[4].input.primaryTaskSet",
            Some("\"green\""),
            "unknown task set 'green' of service 'web'",
        ),
        (
            "scale-over-100.json",
            "actions[3].input.scale.value",
            Some("150"),
            "\"Accepted values are numbers between 0 and 100.\"",
        ),
        (
            "task-protection-eleven-tasks.json",
            "actions[2].input.tasks",
            None,
            "expected from 1 to 10 task ids or ARNs",
        ),
        (
            "describe-services-empty.json",
            "actions[2].input.services",
            Some("[]"),
            "expected from 1 to 10 service names or ARNs",
        ),
        // References (docs/semantics.md: ARNs must be in the scenario's region and account).
        (
            "instance-arn-of-another-region.json",
            "actions[2].input.containerInstances[0]",
            None,
            "the ARN names region eu-west-1 and account 123456789012, but this scenario runs in region us-east-1",
        ),
        // Capacity providers, strategies, Fargate, spot and zone faults (SPEC §8).
        (
            "fargate-bridge-network-mode.json",
            "actions[2].input.taskDefinition",
            None,
            "task definition web:1 uses the bridge network mode, but \"For Amazon ECS tasks on Fargate, the awsvpc network mode is required.\"",
        ),
        (
            "fargate-invalid-task-size.json",
            "actions[2].input.taskDefinition",
            None,
            "\"ClientException: Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.\"",
        ),
        (
            "fargate-placement-strategy.json",
            "actions[2].input.placementStrategy",
            None,
            "tasks on Fargate take no placement strategies",
        ),
        (
            "fargate-without-subnets.json",
            "actions[2].input.networkConfiguration",
            None,
            "missing required field 'networkConfiguration'; Fargate tasks need awsvpcConfiguration subnets",
        ),
        (
            "subnets-over-16.json",
            "actions[2].input.networkConfiguration.awsvpcConfiguration.subnets",
            None,
            "expected from 1 to 16 subnet ids",
        ),
        (
            "launch-type-with-strategy.json",
            "actions[2].input.capacityProviderStrategy",
            None,
            "launchType and capacityProviderStrategy can't both be given",
        ),
        (
            "strategy-mixes-fargate-and-group.json",
            "actions[3].input.capacityProviderStrategy",
            None,
            "a capacity provider strategy can't mix the Fargate providers with Auto Scaling group providers (here FARGATE_SPOT and cp)",
        ),
        (
            "strategy-all-weights-zero.json",
            "actions[3].input.capacityProviderStrategy",
            None,
            "every provider of this strategy has weight 0",
        ),
        (
            "strategy-two-bases.json",
            "actions[2].input.capacityProviderStrategy[1].base",
            Some("1"),
            "\"Only one capacity provider in a capacity provider strategy can have a base defined.\"",
        ),
        (
            "unknown-capacity-provider.json",
            "actions[3].input.capacityProviderStrategy[0].capacityProvider",
            Some("\"cpp\""),
            "unknown capacity provider 'cpp'; did you mean 'cp'?",
        ),
        (
            "capacity-provider-reserved-prefix.json",
            "actions[0].input.name",
            Some("\"ecs-on-demand\""),
            "a capacity provider's name can't start with 'ecs'",
        ),
        (
            "capacity-provider-without-group.json",
            "actions[0].simulation.autoScalingGroup",
            None,
            "missing required field 'autoScalingGroup'; ecsim needs the Auto Scaling group described",
        ),
        (
            "termination-protection-without-managed-scaling.json",
            "actions[0].input.autoScalingGroupProvider.managedTerminationProtection",
            None,
            "\"When using managed termination protection, managed scaling must also be used otherwise managed termination protection doesn't work.\"",
        ),
        (
            "target-capacity-over-100.json",
            "actions[0].input.autoScalingGroupProvider.managedScaling.targetCapacity",
            Some("120"),
            "expected a target capacity from 1 to 100 percent",
        ),
        (
            "group-desired-above-max.json",
            "actions[0].simulation.autoScalingGroup.desiredCapacity",
            Some("6"),
            "desiredCapacity (6) must lie from minSize (1) to maxSize (4)",
        ),
        (
            "group-image-from-ssm.json",
            "actions[0].simulation.autoScalingGroup.imageId",
            None,
            "no SSM parameter named '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id' (the scenario has no ssmParameters)",
        ),
        (
            "provider-in-two-clusters.json",
            "actions[2].input.capacityProviders[0]",
            Some("\"cp\""),
            "capacity provider 'cp' is associated with cluster 'a' by an earlier action",
        ),
        (
            "default-strategy-not-in-providers.json",
            "actions[1].input.defaultCapacityProviderStrategy[0].capacityProvider",
            None,
            "capacity provider 'cp' is not in this request's capacityProviders",
        ),
        (
            "put-cluster-providers-without-default-strategy.json",
            "actions[2].input.defaultCapacityProviderStrategy",
            None,
            "missing required field 'defaultCapacityProviderStrategy'",
        ),
        (
            "delete-fargate-provider.json",
            "actions[0].input.capacityProvider",
            Some("\"FARGATE_SPOT\""),
            "capacity provider FARGATE_SPOT is reserved",
        ),
        (
            "interrupt-on-demand-provider.json",
            "actions[1].input.capacityProvider",
            Some("\"cp\""),
            "capacity provider 'cp' has an on-demand group",
        ),
        (
            "fail-zone-of-another-region.json",
            "actions[0].input.availabilityZone",
            None,
            "'eu-west-1a' is not an Availability Zone of region us-east-1",
        ),
        (
            "launch-into-fargate-provider.json",
            "actions[1].input.capacityProvider",
            Some("\"FARGATE\""),
            "capacity provider FARGATE runs tasks without container instances",
        ),
        (
            "spot-discount-of-1.json",
            "pricing.spotDiscount",
            Some("1.0"),
            "expected a discount from 0 up to, not including, 1",
        ),
        (
            "subnet-in-another-region.json",
            "subnets.subnet-0abc",
            None,
            "'eu-west-1a' is not an Availability Zone of region us-east-1",
        ),
        (
            "assertion-unknown-capacity-provider.json",
            "assertions[0].capacityProvider",
            Some("\"cq\""),
            "no action creates capacity provider 'cq'; did you mean 'cp'?",
        ),
        // Run limits (SPEC §3): checked before the run, naming both fields.
        (
            "horizon-over-3660-days.json",
            "horizon",
            Some("4294967296"),
            "horizon is 49710 days, more than a run may simulate (at most 3660 days)",
        ),
        (
            "too-many-samples.json",
            "sampleInterval",
            Some("\"1ms\""),
            "horizon (86400000 ms) over sampleInterval (1 ms) makes 86400001 sample times, more than a run may take (1000000)",
        ),
        (
            "assertion-unknown-service.json",
            "assertions[0].service",
            Some("\"wbe\""),
            "no action creates service 'wbe' in cluster 'c'; did you mean 'web'?",
        ),
        // DescribeInstanceImageMetadata, EC2 tags and the AMIs' EC2 fields (SPEC §13.1).
        (
            "image-metadata-unknown-filter.json",
            "actions[2].input.Filters[0].Name",
            Some("\"image-id\""),
            "the filter 'image-id' is invalid (EC2: InvalidParameterValue)",
        ),
        (
            "image-metadata-max-results-over-1000.json",
            "actions[1].input.MaxResults",
            Some("5000"),
            "expected from 1 to 1000 (DescribeInstanceImageMetadata.MaxResults)",
        ),
        (
            "launch-tag-reserved-prefix.json",
            "actions[1].input.tags[0].key",
            Some("\"aws:autoscaling:groupName\""),
            "tag keys starting with aws: are reserved for AWS use",
        ),
        (
            "ami-bad-deprecation-time.json",
            "amis[0].deprecation_time",
            Some("\"2025-02-30T17:20:40Z\""),
            "expected an ISO-8601 UTC time as EC2 writes it",
        ),
        // ssmParameters and resolve:ssm: (SPEC §3, seed 000).
        (
            "ssm-parameter-unknown.json",
            "actions[1].input.imageId",
            Some("\"resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended\""),
            "no SSM parameter named '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended' (its ssmParameters: /aws/service/ecs/optimized-ami/amazon-linux/recommended)",
        ),
        (
            "ssm-parameter-value-not-json.json",
            "ssmParameters[0].Value",
            Some("\"ami-aff65ad2\""),
            "expected the AMI metadata's JSON string",
        ),
        // StartInstanceRefresh (SPEC §2): an Auto Scaling group provider, an image the scenario
        // knows, EC2 Auto Scaling's preference ranges.
        (
            "refresh-fargate-provider.json",
            "actions[1].input.capacityProvider",
            Some("\"FARGATE\""),
            "capacity provider FARGATE is Fargate, which has no instances to refresh",
        ),
        (
            "refresh-healthy-spread-over-100.json",
            "actions[1].input.maxHealthyPercentage",
            Some("200"),
            "maxHealthyPercentage 200 is more than 100 above minHealthyPercentage 50",
        ),
        (
            "refresh-image-from-unknown-ssm-parameter.json",
            "actions[1].input.imageId",
            Some("\"resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended\""),
            "no SSM parameter named '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended' (the scenario has no ssmParameters)",
        ),
        // DrainContainerInstances (SPEC §2) selects by list or filter, not both.
        (
            "drain-list-and-filter.json",
            "actions[2].input.filter",
            None,
            "give containerInstances or filter, not both",
        ),
        // Load balancers (SPEC §7; API LoadBalancer).
        (
            "load-balancer-unknown-container.json",
            "actions[2].input.loadBalancers[0].containerName",
            Some("\"nginx\""),
            "task definition web:1 has no container named \"nginx\" (CreateService's load balancer); its containers: app",
        ),
        (
            "load-balancer-simulation-without-load-balancers.json",
            "actions[2].simulation.loadBalancer",
            None,
            "simulation.loadBalancer describes the service's load balancer targets, but the request has no loadBalancers",
        ),
    ];
    for (file, path, value, fragment) in cases {
        let errors = match ecsim_scenario::load(&read(file)) {
            Ok(_) => panic!("{file} loads"),
            Err(errors) => errors,
        };
        assert_eq!(errors.len(), 1, "{file}: {errors:#?}");
        let e = &errors[0];
        assert_eq!(e.path, *path, "{file}: {e}");
        assert!(e.line.is_some() && e.column.is_some(), "{file}: located");
        if let Some(v) = value {
            assert_eq!(e.value.as_deref(), Some(*v), "{file}: {e}");
        }
        assert!(e.message.contains(fragment), "{file}: {e}");
    }
}

/// Each `faults` file (SPEC §12.1): exactly one error, at this path (line and column known),
/// quoting this value (when it has one) and saying this.
#[test]
fn fault_files_have_the_one_error_they_are_about() {
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        (
            "fault-unknown-type.json",
            "faults[0].type",
            Some("\"instanceLos\""),
            "unknown fault type 'instanceLos'; did you mean 'instanceLoss'?",
        ),
        (
            "fault-unknown-cluster.json",
            "faults[0].cluster",
            Some("\"prd\""),
            "no action creates cluster 'prd'; did you mean 'prod'?",
        ),
        (
            "fault-two-rates.json",
            "faults[0].ratePerDay",
            None,
            "give ratePerHour or ratePerDay, not both",
        ),
        (
            "fault-outage-without-duration.json",
            "faults[0].duration",
            None,
            "missing required field 'duration'",
        ),
        (
            "fault-until-before-from.json",
            "faults[0].until",
            Some("\"1h\""),
            "until must be after from",
        ),
        (
            "fault-bad-filter.json",
            "faults[0].filter",
            None,
            "expected a value, found end of expression",
        ),
        (
            "fault-spot-on-demand-provider.json",
            "faults[0].capacityProvider",
            Some("\"cp\""),
            "has an on-demand group",
        ),
        (
            "fault-task-crash-unknown-service.json",
            "faults[0].service",
            Some("\"wbe\""),
            "no action creates service 'wbe' in cluster 'prod'; did you mean 'web'?",
        ),
    ];
    for (file, path, value, fragment) in cases {
        let errors = match ecsim_scenario::load(&read(file)) {
            Ok(_) => panic!("{file} loads"),
            Err(errors) => errors,
        };
        assert_eq!(errors.len(), 1, "{file}: {errors:#?}");
        let e = &errors[0];
        assert_eq!(e.path, *path, "{file}: {e}");
        assert!(e.line.is_some() && e.column.is_some(), "{file}: located");
        if let Some(v) = value {
            assert_eq!(e.value.as_deref(), Some(*v), "{file}: {e}");
        }
        assert!(e.message.contains(fragment), "{file}: {e}");
    }
}
