//! A valid scenario that uses every supported action lowers into the expected engine values.

use ecsim_engine::service::{
    CircuitBreaker, DeploymentConfigurationInput, DeploymentController, SchedulingStrategy,
};
use ecsim_engine::{Action, Assertion, InstanceSelector};
use ecsim_kernel::{Distribution, SimDuration, SimTime};
use ecsim_model::{
    Compatibility, DependencyCondition, InstanceStatus, LaunchType, NetworkMode,
    PlacementConstraint, Protocol,
};
use ecsim_placement::{BinpackField, PlacementStrategy, SpreadField};
use ecsim_scenario::{load, parse_duration, parse_start_time, Loaded};

/// Capacity providers, Fargate, spot and zone faults.
#[path = "lowering/capacity.rs"]
mod capacity;

const EVERY_ACTION: &str = include_str!("every_action.json");

fn loaded() -> Loaded {
    match load(EVERY_ACTION) {
        Ok(l) => l,
        Err(errors) => panic!("{errors:#?}"),
    }
}

fn action(l: &Loaded, index: usize) -> &Action {
    let a = &l.scenario.actions[index];
    assert_eq!(a.index, index);
    &a.action
}

fn s(seconds: u64) -> Option<SimDuration> {
    Some(SimDuration::from_seconds(seconds))
}

#[test]
fn top_level_settings() {
    let l = loaded();
    let sc = &l.scenario;
    assert_eq!(sc.name, "every-action");
    assert_eq!(sc.seed, 7);
    assert_eq!(sc.region, "eu-west-1");
    assert_eq!(sc.account_id, "111122223333");
    assert_eq!(
        sc.start_time_unix_ms,
        parse_start_time("2026-03-01T12:00:00Z").unwrap()
    );
    assert_eq!(sc.start_time_unix_ms, 1_772_366_400_000);
    assert_eq!(sc.horizon, SimDuration::from_seconds(7200));
    assert_eq!(sc.sample_interval, SimDuration::from_seconds(30));
    assert_eq!(sc.timings.pending, s(10));
    assert_eq!(sc.timings.stopping, s(5));
    assert_eq!(sc.timings.instance_launch, s(90));
    assert_eq!(sc.timings.healthy_after, s(40));
    assert_eq!(sc.timings.provisioning, None);
    assert_eq!(
        sc.assertions,
        vec![
            Assertion::MaxPlacementFailures { at_most: 3 },
            Assertion::MinHealthyTasks {
                cluster: "prod".to_string(),
                service: "api".to_string(),
                at_least: 2,
                from: SimTime(900_000),
                until: Some(SimTime(3_000_000)),
            },
            Assertion::DeploymentCompletes {
                cluster: "prod".to_string(),
                service: "api".to_string(),
                within: SimDuration::from_seconds(600),
            },
            Assertion::ServiceSteadyBy {
                cluster: "prod".to_string(),
                service: "api".to_string(),
                by: SimTime(2_400_000),
            },
        ]
    );
    assert_eq!(l.sha256.len(), 64);
    assert!(l
        .sha256
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
}

#[test]
fn catalogs_are_extended() {
    let l = loaded();
    let t = l
        .scenario
        .instance_types
        .get("x9.custom")
        .expect("scenario type");
    assert_eq!((t.vcpu, t.memory_mib, t.gpus, t.max_enis), (4, 16384, 1, 4));
    assert_eq!(t.registered_memory_mib, 15970);
    assert_eq!(t.cpu_architecture, "arm64");
    assert_eq!(t.price_per_hour, 0.19);
    assert_eq!(t.price_date, "scenario");
    assert!(
        l.scenario.instance_types.get("m5.large").is_some(),
        "built-ins stay"
    );
    let ami = l.scenario.amis.get("ami-0123abcd").expect("scenario AMI");
    assert_eq!(ami.ecs_agent_version, "1.80.0");
    assert!(
        l.scenario.amis.get("ami-aff65ad2").is_some(),
        "built-ins stay"
    );
}

#[test]
fn actions_keep_file_order_with_times_and_inputs() {
    let l = loaded();
    let names: Vec<&str> = l.scenario.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names.len(), 54);
    assert_eq!(names[0], "CreateCluster");
    assert_eq!(names[23], "DeleteCluster");
    assert_eq!(names[35], "DeleteService");
    assert_eq!(names[53], "DeleteCapacityProvider");
    let a = &l.scenario.actions[6];
    assert_eq!(a.at, SimTime(60_000));
    assert_eq!(l.scenario.actions[23].at, SimTime(3_600_000));
    // The request body is kept, as compact JSON, for the actions that echo it in snapshots.jsonl
    // (queries and Snapshot), and for no other.
    assert_eq!(
        l.scenario.actions[9].input_json,
        r#"{"cluster":"prod","filter":"agentConnected == true","status":"ACTIVE","maxResults":10}"#
    );
    assert_eq!(
        l.scenario.actions[20].input_json,
        r#"{"label":"after-terminate"}"#
    );
    for a in &l.scenario.actions {
        assert_eq!(
            a.input_json.is_empty(),
            !a.action.echoes_input(),
            "actions[{}] {}",
            a.index,
            a.name
        );
    }
    assert!(matches!(action(&l, 0), Action::CreateCluster(c) if c.cluster_name == "prod"));
    assert!(matches!(action(&l, 1), Action::NoEffect));
}

#[test]
fn container_instances() {
    let l = loaded();
    let Action::LaunchContainerInstances(launch) = action(&l, 2) else {
        panic!()
    };
    assert_eq!(launch.cluster, "prod");
    assert_eq!(launch.instance_type, "x9.custom");
    assert_eq!(launch.count, 3);
    assert_eq!(launch.availability_zones, ["eu-west-1a", "eu-west-1b"]);
    assert_eq!(launch.attributes[0].name, "stack");
    assert_eq!(launch.attributes[0].value.as_deref(), Some("prod"));
    assert_eq!(launch.image_id.as_deref(), Some("ami-0123abcd"));
    assert_eq!(launch.capacity_provider, None);
    assert_eq!(launch.timings.instance_launch, s(120));

    let Action::RegisterContainerInstance(reg) = action(&l, 3) else {
        panic!()
    };
    assert_eq!(reg.cluster, "prod", "cluster ARN lowered to its name");
    assert_eq!(reg.ec2_instance_id.as_deref(), Some("i-0abc"));
    assert_eq!(reg.instance_type.as_deref(), Some("m5.large"));
    assert_eq!(reg.availability_zone.as_deref(), Some("eu-west-1c"));
    assert_eq!((reg.cpu, reg.memory_mib, reg.gpus), (2048, 7680, 2));
    assert_eq!(reg.tcp_ports, Some(vec![22, 2375]));
    assert_eq!(reg.udp_ports, None);
    assert_eq!(reg.attributes[0].name, "ecs.capability.task-eni");
    assert_eq!(reg.attributes[0].value, None);
    assert_eq!(reg.agent_version.as_deref(), Some("1.79.0"));
    // RULE: the request's tags are the EC2 instance's too.
    assert_eq!(reg.tags, [("team".to_string(), "a".to_string())]);

    let Action::PutAttributes { attributes, .. } = action(&l, 13) else {
        panic!()
    };
    assert_eq!(
        attributes[0].target_id.as_deref(),
        Some("i-00000000000000001")
    );
    let Action::UpdateContainerInstancesState {
        status,
        container_instances,
        ..
    } = action(&l, 15)
    else {
        panic!()
    };
    assert_eq!(*status, InstanceStatus::Draining);
    assert_eq!(container_instances, &["i-00000000000000002"]);
    let Action::DisconnectAgent {
        selector: InstanceSelector::Filter(f),
        ..
    } = action(&l, 16)
    else {
        panic!()
    };
    assert_eq!(f.source(), "attribute:ecs.availability-zone == eu-west-1a");
    let Action::ReconnectAgent {
        selector: InstanceSelector::Ids(ids),
        ..
    } = action(&l, 17)
    else {
        panic!()
    };
    assert_eq!(ids, &["i-00000000000000001"]);
    let Action::TerminateContainerInstances {
        count,
        selector: InstanceSelector::Filter(_),
        ..
    } = action(&l, 19)
    else {
        panic!()
    };
    assert_eq!(*count, Some(1));
    let Action::DeregisterContainerInstance {
        force,
        container_instance,
        ..
    } = action(&l, 21)
    else {
        panic!()
    };
    assert!(*force);
    assert_eq!(container_instance, "i-00000000000000003");
}

#[test]
fn task_definitions() {
    let l = loaded();
    let Action::RegisterTaskDefinition(td) = action(&l, 4) else {
        panic!()
    };
    assert_eq!(td.family, "web");
    assert_eq!(td.network_mode, NetworkMode::Bridge);
    assert_eq!(td.requires_compatibilities, [Compatibility::Ec2]);
    assert_eq!((td.cpu, td.memory_mib), (None, None));
    let names: Vec<&str> = td.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["app", "proxy", "init"]);
    // Dependencies first; among ready containers, definition order: proxy and init are ready at
    // once (proxy first), then app.
    assert_eq!(td.container_start_order, [1, 2, 0]);
    let app = &td.containers[0];
    assert_eq!(
        (app.cpu, app.memory_mib, app.memory_reservation_mib),
        (Some(256), Some(512), Some(256))
    );
    assert_eq!(app.port_mappings.len(), 2);
    assert_eq!(app.port_mappings[0].container_port, Some(80));
    assert_eq!(app.port_mappings[0].host_port, Some(0));
    assert_eq!(app.port_mappings[0].protocol, Protocol::Tcp);
    assert_eq!(app.port_mappings[1].host_port, Some(8053));
    assert_eq!(app.port_mappings[1].protocol, Protocol::Udp);
    assert_eq!(
        app.depends_on,
        [
            ("init".to_string(), DependencyCondition::Success),
            ("proxy".to_string(), DependencyCondition::Healthy)
        ]
    );
    assert!(app.essential);
    let proxy = &td.containers[1];
    assert_eq!(proxy.gpus, 1);
    let hc = proxy.health_check.as_ref().expect("health check");
    assert_eq!(
        (hc.interval_s, hc.timeout_s, hc.retries, hc.start_period_s),
        (10, 5, 2, 0)
    );
    assert_eq!(proxy.stop_timeout_s, Some(60));
    assert!(!td.containers[2].essential);
    assert_eq!(td.placement_constraints.len(), 1);
    assert!(
        matches!(&td.placement_constraints[0], PlacementConstraint::MemberOf(e) if e.source() == "attribute:stack == prod")
    );
    // The engine assigns identity at registration.
    assert_eq!(
        (td.revision, td.arn.as_str(), td.registered_at),
        (0, "", SimTime(0))
    );
    let sim = &td.simulation;
    assert_eq!(sim.timings.pending, s(20));
    assert_eq!(sim.timings.stopping, s(3));
    assert_eq!(sim.fail_to_start_probability, Some(0.1));
    assert_eq!(sim.unhealthy_probability, Some(0.05));
    assert_eq!(
        sim.run_duration,
        Some(Distribution::Uniform {
            min_ms: 600_000,
            max_ms: 1_200_000
        })
    );
    assert_eq!(
        sim.crash_after,
        Some(Distribution::Lognormal {
            median_ms: 3_600_000,
            sigma: 0.5
        })
    );

    let Action::RegisterTaskDefinition(batch) = action(&l, 5) else {
        panic!()
    };
    assert_eq!((batch.cpu, batch.memory_mib), (Some(512), Some(1024)));
    assert_eq!(batch.network_mode, NetworkMode::Awsvpc);
    assert_eq!(batch.container_start_order, [0]);
    assert!(batch.requires_compatibilities.is_empty());

    let Action::DeregisterTaskDefinition { task_definition } = action(&l, 22) else {
        panic!()
    };
    assert_eq!(task_definition, "web:1");
}

#[test]
fn run_task_and_start_task() {
    let l = loaded();
    let Action::RunTask(run) = action(&l, 6) else {
        panic!()
    };
    assert_eq!(run.cluster, "prod");
    assert_eq!(run.task_definition, "web:1");
    assert_eq!(run.count, 4);
    assert_eq!(run.group.as_deref(), Some("web-batch"));
    assert_eq!(run.started_by.as_deref(), Some("ci_42"));
    assert_eq!(run.launch_type, Some(LaunchType::Ec2));
    assert_eq!(run.overrides.cpu, Some(1024));
    assert_eq!(run.overrides.memory_mib, Some(2048));
    assert_eq!(
        run.overrides.containers.len(),
        1,
        "the empty container override is skipped"
    );
    let o = &run.overrides.containers[0];
    assert_eq!(
        (
            o.name.as_str(),
            o.cpu,
            o.memory_mib,
            o.memory_reservation_mib
        ),
        ("app", Some(128), Some(1024), Some(512))
    );
    assert!(matches!(
        run.placement_constraints[0],
        PlacementConstraint::DistinctInstance
    ));
    assert!(matches!(
        &run.placement_constraints[1],
        PlacementConstraint::MemberOf(_)
    ));
    assert_eq!(
        run.placement_strategy,
        [
            PlacementStrategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
            PlacementStrategy::Binpack(BinpackField::Memory),
            PlacementStrategy::Spread(SpreadField::Instance),
            PlacementStrategy::Random,
        ]
    );
    let sim = run.simulation.as_ref().expect("simulation");
    assert_eq!(sim.timings.pending, s(5));
    assert_eq!(
        sim.run_duration,
        Some(Distribution::Fixed { ms: 1_800_000 })
    );

    let Action::RunTask(batch) = action(&l, 7) else {
        panic!()
    };
    assert_eq!(
        batch.task_definition, "batch",
        "ARN without revision lowered to the family"
    );
    assert_eq!(batch.count, 1);
    assert_eq!(batch.launch_type, None);
    assert_eq!(batch.capacity_provider_strategy, None);
    assert_eq!(batch.subnets, ["subnet-1"]);
    assert!(run.subnets.is_empty());
    assert!(batch.placement_strategy.is_empty());
    assert!(batch.simulation.is_none());

    let Action::StartTask(start) = action(&l, 8) else {
        panic!()
    };
    assert_eq!(start.task_definition, "web");
    assert_eq!(start.container_instances, ["i-00000000000000001"]);
    assert_eq!(start.started_by.as_deref(), Some("manual"));
    assert_eq!(start.overrides.containers[0].memory_mib, Some(256));
    assert_eq!(
        start
            .simulation
            .as_ref()
            .and_then(|s| s.crash_after.clone()),
        Some(Distribution::Exponential { mean_ms: 7_200_000 })
    );

    let Action::StopTask { task, reason, .. } = action(&l, 18) else {
        panic!()
    };
    assert_eq!(task, "0000000000000000000000000000000a");
    assert_eq!(reason.as_deref().map(String::as_str), Some("done"));
}

#[test]
fn queries_and_snapshot() {
    let l = loaded();
    let Action::ListContainerInstances {
        filter,
        status,
        max_results,
        next_token,
        ..
    } = action(&l, 9)
    else {
        panic!()
    };
    assert_eq!(
        filter.as_ref().map(|f| f.source()),
        Some("agentConnected == true")
    );
    assert_eq!(*status, Some(InstanceStatus::Active));
    assert_eq!((*max_results, next_token.as_deref()), (Some(10), None));
    let Action::DescribeContainerInstances {
        container_instances,
        ..
    } = action(&l, 10)
    else {
        panic!()
    };
    assert_eq!(container_instances.len(), 1);
    let Action::DescribeTasks { tasks, .. } = action(&l, 11) else {
        panic!()
    };
    assert_eq!(tasks.len(), 1);
    let Action::ListAttributes {
        attribute_name,
        attribute_value,
        ..
    } = action(&l, 12)
    else {
        panic!()
    };
    assert_eq!(
        (attribute_name.as_deref(), attribute_value.as_deref()),
        (Some("stack"), Some("prod"))
    );
    let Action::Snapshot { label, cluster } = action(&l, 20) else {
        panic!()
    };
    assert_eq!(
        (label.as_deref(), cluster.as_deref()),
        (Some("after-terminate"), None)
    );
}

#[test]
fn services() {
    let l = loaded();
    let Action::CreateService(api) = action(&l, 25) else {
        panic!()
    };
    assert_eq!(api.cluster, "prod");
    assert_eq!(api.service_name, "api");
    assert_eq!(api.task_definition.as_deref(), Some("api"));
    assert_eq!(api.desired_count, 4);
    assert_eq!(api.scheduling_strategy, SchedulingStrategy::Replica);
    assert_eq!(api.controller, DeploymentController::Ecs);
    assert_eq!(api.launch_type, Some(LaunchType::Ec2));
    assert_eq!(api.capacity_provider_strategy, None);
    assert_eq!(
        api.deployment_configuration,
        DeploymentConfigurationInput {
            minimum_healthy_percent: Some(50),
            maximum_percent: Some(150),
            circuit_breaker: Some(CircuitBreaker {
                enable: true,
                rollback: true
            }),
        }
    );
    assert!(matches!(
        api.placement_constraints.as_slice(),
        [PlacementConstraint::DistinctInstance]
    ));
    assert_eq!(
        api.placement_strategy,
        [
            PlacementStrategy::Spread(SpreadField::Attribute("ecs.availability-zone".to_string())),
            PlacementStrategy::Binpack(BinpackField::Cpu),
        ]
    );
    assert_eq!(api.health_check_grace_period_s, 30);
    let sim = api.simulation.as_ref().expect("simulation block");
    assert_eq!(sim.timings.healthy_after, s(20));
    assert_eq!(sim.unhealthy_probability, Some(0.1));
    assert_eq!(sim.fail_to_start_probability, Some(0.05));

    // DAEMON: desired count 0, no strategy.
    let Action::CreateService(agent) = action(&l, 26) else {
        panic!()
    };
    assert_eq!(agent.scheduling_strategy, SchedulingStrategy::Daemon);
    assert_eq!(agent.desired_count, 0);
    assert_eq!(agent.task_definition.as_deref(), Some("api:1"));
    assert_eq!(
        agent.deployment_configuration,
        DeploymentConfigurationInput {
            minimum_healthy_percent: Some(0),
            maximum_percent: Some(100),
            circuit_breaker: None,
        }
    );
    assert!(agent.placement_strategy.is_empty());
    assert!(agent.simulation.is_none());

    // EXTERNAL: no task definition.
    let Action::CreateService(ext) = action(&l, 27) else {
        panic!()
    };
    assert_eq!(ext.controller, DeploymentController::External);
    assert_eq!(ext.task_definition, None);
    assert_eq!(ext.desired_count, 4);
    assert_eq!(
        ext.deployment_configuration,
        DeploymentConfigurationInput::default()
    );
    assert_eq!(ext.health_check_grace_period_s, 0);

    let Action::UpdateService(update) = action(&l, 31) else {
        panic!()
    };
    assert_eq!(
        (update.cluster.as_str(), update.service.as_str()),
        ("prod", "api")
    );
    assert_eq!(update.desired_count, Some(6));
    assert_eq!(update.task_definition.as_deref(), Some("api:1"));
    assert_eq!(
        update.deployment_configuration,
        Some(DeploymentConfigurationInput {
            minimum_healthy_percent: None,
            maximum_percent: Some(200),
            circuit_breaker: None,
        })
    );
    // API: "To remove all existing placement constraints, specify an empty array."
    assert!(update
        .placement_constraints
        .as_ref()
        .is_some_and(Vec::is_empty));
    assert!(update.placement_strategy.is_none());
    assert!(update.force_new_deployment);
    assert_eq!(update.health_check_grace_period_s, Some(60));
    assert!(update.network_configuration);
    assert_eq!(update.subnets, Some(vec!["subnet-1".to_string()]));
    assert_eq!(update.capacity_provider_strategy, None);

    let Action::UpdateTaskProtection {
        cluster,
        tasks,
        protection_enabled,
        expires_in_minutes,
    } = action(&l, 32)
    else {
        panic!()
    };
    assert_eq!(cluster, "prod");
    assert_eq!(tasks, &["0000000000000000000000000000000b"]);
    assert!(*protection_enabled);
    assert_eq!(*expires_in_minutes, 60);

    // Unknown services are not input errors: the response reports them MISSING.
    let Action::DescribeServices { cluster, services } = action(&l, 33) else {
        panic!()
    };
    assert_eq!(cluster, "prod");
    assert_eq!(services, &["api", "nope"]);

    assert!(matches!(action(&l, 35),
        Action::DeleteService { cluster, service, force: true } if cluster == "prod" && service == "agent"));
}

#[test]
fn task_sets() {
    let l = loaded();
    // Later actions name the task set by the index of the CreateTaskSet that creates it.
    let id = 28;
    let Action::CreateTaskSet(ts) = action(&l, 28) else {
        panic!()
    };
    assert_eq!((ts.cluster.as_str(), ts.service.as_str()), ("prod", "ext"));
    assert_eq!(ts.task_definition, "api:1");
    assert_eq!(ts.external_id.as_deref(), Some("blue"));
    assert_eq!(ts.scale_percent, 50.0);
    assert_eq!(ts.launch_type, Some(LaunchType::Ec2));
    // By externalId (with the service named by its ARN too), and by an ARN ending in it.
    assert!(matches!(action(&l, 29),
        Action::UpdateTaskSet { service, task_set, scale_percent, .. }
            if service == "ext" && *task_set == id && *scale_percent == 100.0));
    assert!(matches!(action(&l, 30),
        Action::UpdateServicePrimaryTaskSet { service, primary_task_set, .. }
            if service == "ext" && *primary_task_set == id));
    assert!(matches!(action(&l, 34),
        Action::DeleteTaskSet { task_set, force: true, .. } if *task_set == id));
}

/// A scenario with cluster `prod`, task definition `web` and the given actions from index 2.
fn scenario(actions: &str) -> String {
    format!(
        r#"{{ "schemaVersion": 1, "name": "services", "actions": [
  {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }} }},
  {{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "web", "containerDefinitions": [ {{ "name": "app", "image": "nginx", "memory": 128 }} ] }} }},
  {actions}
] }}"#
    )
}

fn load_ok(src: &str) -> Loaded {
    load(src).unwrap_or_else(|e| panic!("{e:#?}"))
}

#[test]
fn task_sets_are_named_by_their_external_id() {
    // A task set's id is the engine's to give (deployments and task sets share one counter), so a
    // later action names it by its externalId, lowered to the CreateTaskSet's index.
    let l = load_ok(&scenario(
        r#"{ "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "ext", "desiredCount": 2, "deploymentController": { "type": "EXTERNAL" } } },
  { "at": 9, "action": "CreateTaskSet", "input": { "cluster": "prod", "service": "ext", "taskDefinition": "web", "externalId": "late" } },
  { "at": 5, "action": "CreateTaskSet", "input": { "cluster": "prod", "service": "ext", "taskDefinition": "web", "externalId": "early" } },
  { "at": 5, "action": "CreateTaskSet", "input": { "cluster": "prod", "service": "ext", "taskDefinition": "web:1", "scale": {} } },
  { "at": 10, "action": "UpdateServicePrimaryTaskSet", "input": { "cluster": "prod", "service": "ext", "primaryTaskSet": "late" } }"#,
    ));
    let sets: Vec<(usize, Option<&str>, f64)> = l
        .scenario
        .actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::CreateTaskSet(t) => Some((a.index, t.external_id.as_deref(), t.scale_percent)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sets,
        [
            (3, Some("late"), 100.0),
            (4, Some("early"), 100.0),
            (5, None, 100.0)
        ]
    );
    assert!(matches!(
        &l.scenario.actions[6].action,
        Action::UpdateServicePrimaryTaskSet {
            primary_task_set: 3,
            ..
        }
    ));
}

#[test]
fn a_deleted_service_frees_its_name() {
    let l = load_ok(&scenario(
        r#"{ "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } },
  { "at": 2, "action": "DeleteService", "input": { "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "service": "arn:aws:ecs:us-east-1:123456789012:service/prod/web" } },
  { "at": 3, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "schedulingStrategy": "DAEMON", "taskDefinition": "web" } },
  { "at": 4, "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "forceNewDeployment": true } }"#,
    ));
    assert!(matches!(&l.scenario.actions[3].action,
        Action::DeleteService { cluster, service, force: false } if cluster == "prod" && service == "web"));
    let Action::CreateService(daemon) = &l.scenario.actions[4].action else {
        panic!()
    };
    assert_eq!(daemon.scheduling_strategy, SchedulingStrategy::Daemon);
    let Action::UpdateService(u) = &l.scenario.actions[5].action else {
        panic!()
    };
    assert!(u.force_new_deployment);
    assert_eq!(u.desired_count, None);
    assert_eq!(u.task_definition, None);
    assert!(u.placement_constraints.is_none());
    assert!(!u.network_configuration);
    assert_eq!(u.subnets, None);
    assert_eq!(u.capacity_provider_strategy, None);
}

#[test]
fn service_defaults() {
    let l = load_ok(&scenario(
        r#"{ "at": 1, "action": "CreateService", "input": { "serviceName": "web", "taskDefinition": "web", "desiredCount": 0, "cluster": "prod", "capacityProviderStrategy": [] } },
  { "at": 2, "action": "UpdateTaskProtection", "input": { "cluster": "prod", "tasks": ["t1"], "protectionEnabled": false, "expiresInMinutes": 5 } },
  { "at": 3, "action": "UpdateTaskProtection", "input": { "cluster": "prod", "tasks": ["t1", "t2"], "protectionEnabled": true } }"#,
    ));
    let Action::CreateService(web) = &l.scenario.actions[2].action else {
        panic!()
    };
    assert_eq!(web.desired_count, 0);
    assert_eq!(web.scheduling_strategy, SchedulingStrategy::Replica);
    assert_eq!(web.controller, DeploymentController::Ecs);
    // No launch type and an empty strategy: the engine resolves them against the cluster's
    // default strategy.
    assert_eq!(web.launch_type, None);
    assert_eq!(web.capacity_provider_strategy, None);
    assert!(web.subnets.is_empty());
    assert!(web.placement_constraints.is_empty() && web.placement_strategy.is_empty());
    assert_eq!(
        web.deployment_configuration,
        DeploymentConfigurationInput::default()
    );
    // API: "If you don't specify the time, then the task is automatically protected for 120
    // minutes (2 hours)."
    assert!(matches!(
        &l.scenario.actions[4].action,
        Action::UpdateTaskProtection { protection_enabled: true, expires_in_minutes: 120, tasks, .. } if tasks.len() == 2
    ));
    // Without protection, expiresInMinutes has no effect: listed as ignored.
    assert_eq!(l.ignored_fields, ["actions[3].input.expiresInMinutes"]);
}

#[test]
fn service_assertions_default_to_the_default_cluster() {
    let src = r#"{ "schemaVersion": 1, "name": "d", "horizon": "1h",
  "actions": [
    { "at": 0, "action": "CreateCluster", "input": {} },
    { "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "web", "containerDefinitions": [ { "name": "app", "image": "nginx", "memory": 128 } ] } },
    { "at": "30m", "action": "CreateService", "input": { "serviceName": "web", "taskDefinition": "web", "desiredCount": 1 } }
  ],
  "assertions": [
    { "type": "minHealthyTasks", "service": "web", "atLeast": 1 },
    { "type": "serviceSteadyBy", "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/default", "service": "web", "by": "1h" }
  ] }"#;
    let l = load_ok(src);
    assert_eq!(
        l.scenario.assertions,
        [
            Assertion::MinHealthyTasks {
                cluster: "default".to_string(),
                service: "web".to_string(),
                at_least: 1,
                from: SimTime::ZERO,
                until: None,
            },
            Assertion::ServiceSteadyBy {
                cluster: "default".to_string(),
                service: "web".to_string(),
                by: SimTime(3_600_000),
            },
        ]
    );
}

#[test]
fn ignored_fields_in_document_order() {
    let l = loaded();
    assert_eq!(
        l.ignored_fields,
        [
            "actions[0].input.tags",
            "actions[0].input.settings",
            "actions[1].input.settings",
            "actions[3].input.versionInfo.dockerVersion",
            "actions[4].input.taskRoleArn",
            "actions[4].input.containerDefinitions[0].portMappings[1].name",
            "actions[4].input.containerDefinitions[0].logConfiguration",
            "actions[4].input.containerDefinitions[0].environment",
            "actions[4].input.containerDefinitions[1].healthCheck.command",
            "actions[4].input.containerDefinitions[2].command",
            "actions[6].input.clientToken",
            "actions[6].input.enableECSManagedTags",
            "actions[6].input.overrides.taskRoleArn",
            "actions[6].input.overrides.containerOverrides[0].environment",
            "actions[8].input.tags",
            "actions[10].input.include",
            "actions[25].input.deploymentConfiguration.alarms",
            "actions[25].input.propagateTags",
            "actions[25].input.enableExecuteCommand",
            "actions[25].input.tags",
            "actions[25].input.clientToken",
            "actions[28].input.clientToken",
            "actions[31].input.serviceRegistries",
            "actions[33].input.include",
            "actions[36].input.tags",
            "actions[42].input.platformVersion",
            "actions[42].input.networkConfiguration.awsvpcConfiguration.securityGroups",
            "actions[42].input.networkConfiguration.awsvpcConfiguration.assignPublicIp",
            "actions[46].input.include",
            "actions[46].input.maxResults",
        ]
    );
}

#[test]
fn minimal_scenario_takes_the_spec_defaults() {
    let l = load(r#"{"schemaVersion": 1, "name": "min", "actions": []}"#).unwrap();
    let sc = &l.scenario;
    assert_eq!(sc.seed, 1);
    assert_eq!(sc.region, "us-east-1");
    assert_eq!(sc.account_id, "123456789012");
    assert_eq!(sc.start_time_unix_ms, 1_767_225_600_000);
    assert_eq!(sc.horizon, SimDuration::from_seconds(86_400));
    assert_eq!(sc.sample_interval, SimDuration::from_seconds(60));
    assert!(sc.actions.is_empty());
    assert!(l.ignored_fields.is_empty());
}

#[test]
fn public_duration_parser() {
    for (text, ms) in [
        ("500ms", 500),
        ("90s", 90_000),
        ("15m", 900_000),
        ("2h", 7_200_000),
        ("1d", 86_400_000),
        ("42", 42_000),
    ] {
        assert_eq!(parse_duration(text), Ok(SimDuration(ms)), "{text}");
    }
    for bad in ["5 minutes", "-1s", "1w", "", "1.5"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn public_locator() {
    let src = "{\n  \"actions\": [\n    {\"at\": 0}\n  ]\n}";
    assert_eq!(ecsim_scenario::locate(src, "actions[0].at"), Some((3, 12)));
    assert_eq!(ecsim_scenario::locate(src, "actions"), Some((2, 14)));
    assert_eq!(ecsim_scenario::locate(src, "missing"), None);
}

#[test]
fn loads_the_spec_example() {
    // SPEC §3's example, verbatim.
    let src = r#"{
  "schemaVersion": 1,
  "name": "quickstart",
  "description": "Three services on six m5.large in three AZs, then a rolling deployment.",
  "seed": 7,
  "region": "us-east-1",
  "accountId": "123456789012",
  "startTime": "2026-01-01T00:00:00Z",
  "horizon": "2h",
  "sampleInterval": "60s",
  "timings": { "pending": "10s", "stopping": "5s", "instanceLaunch": "90s", "healthyAfter": "40s" },
  "instanceTypes": [ { "name": "x9.custom", "vcpu": 4, "memoryMiB": 16384, "gpus": 0, "maxEnis": 4, "pricePerHour": 0.19 } ],
  "amis": [ { "schema_version": 1, "image_id": "ami-aff65ad2", "image_name": "amzn-ami-2017.09.l-amazon-ecs-optimized", "os": "Amazon Linux", "ecs_agent_version": "1.17.3", "ecs_runtime_version": "Docker version 17.12.1-ce" } ],
  "actions": [
    { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod" } },
    { "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod", "instanceType": "m5.large", "count": 6, "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"], "imageId": "ami-aff65ad2" } },
    { "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "web", "containerDefinitions": [ { "name": "app", "image": "nginx", "cpu": 256, "memory": 512, "portMappings": [ { "containerPort": 80, "hostPort": 0 } ] } ] },
      "simulation": { "pending": "20s", "failToStartProbability": 0.0 } },
    { "at": "2m", "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 6 } },
    { "at": "29m", "action": "RegisterTaskDefinition", "input": { "family": "web", "containerDefinitions": [ { "name": "app", "image": "nginx:2", "cpu": 256, "memory": 512, "portMappings": [ { "containerPort": 80, "hostPort": 0 } ] } ] } },
    { "at": "30m", "action": "UpdateService", "input": { "cluster": "prod", "service": "web", "taskDefinition": "web:2" } }
  ],
  "assertions": [
    { "type": "minHealthyTasks", "cluster": "prod", "service": "web", "atLeast": 6, "from": "10m" },
    { "type": "deploymentCompletes", "cluster": "prod", "service": "web", "within": "15m" },
    { "type": "maxPlacementFailures", "atMost": 0 }
  ]
}"#;
    let l = load(src).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(l.scenario.actions.len(), 6);
    let Action::RegisterTaskDefinition(td) = &l.scenario.actions[2].action else {
        panic!()
    };
    assert_eq!(td.simulation.timings.pending, s(20));
    let Action::CreateService(web) = &l.scenario.actions[3].action else {
        panic!()
    };
    assert_eq!((web.service_name.as_str(), web.desired_count), ("web", 6));
    let Action::UpdateService(update) = &l.scenario.actions[5].action else {
        panic!()
    };
    assert_eq!(update.task_definition.as_deref(), Some("web:2"));
    assert_eq!(l.scenario.assertions.len(), 3);
    assert!(l.ignored_fields.is_empty(), "{:?}", l.ignored_fields);
}
