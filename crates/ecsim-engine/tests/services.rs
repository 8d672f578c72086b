//! Services end to end through the engine (SPEC §7), and the documented deployment examples as
//! golden tests of the reconciler.

mod support;

use ecsim_engine::service::reconcile::*;
use ecsim_engine::service::*;
use ecsim_engine::*;
use ecsim_model::*;
use support::*;

const OLD: DeploymentId = DeploymentId(0);
const NEW: DeploymentId = DeploymentId(1);

fn facts(n: u32, deployment: DeploymentId, healthy: bool) -> Vec<TaskFacts<'static>> {
    (0..n)
        .map(|k| TaskFacts {
            task: TaskId(k + 100 * deployment.0),
            deployment,
            instance: Some(InstanceId(k)),
            zone: Some(["a", "b", "c"][k as usize % 3]),
            spread_value: None,
            running: true,
            healthy,
            on_draining: false,
            protected: false,
            instance_remaining: (1024, 4096),
            reservation: (256, 512),
        })
        .collect()
}

fn view<'a>(desired: u32, min: u32, max: u32, tasks: &'a [TaskFacts<'a>]) -> ReplicaView<'a> {
    ReplicaView {
        desired,
        configuration: DeploymentConfiguration {
            minimum_healthy_percent: min,
            maximum_percent: max,
            circuit_breaker: CircuitBreaker::default(),
        },
        primary: NEW,
        may_launch: true,
        tasks,
        scale_in: ScaleInRule::Default,
    }
}

/// DG deployment-type-ecs: "if the minimum healthy percent is 50 and the desired task count is
/// four, then the scheduler can stop two existing tasks before starting two new tasks."
#[test]
fn documented_min_50_of_4_stops_two_before_starting_two() {
    let old = facts(4, OLD, true);
    let plan = plan_replica(&view(4, 50, 100, &old));
    assert_eq!(plan.stop.len(), 2, "{plan:?}");
    assert_eq!(plan.start, 2, "the two starts come after the two stops");
    assert!(!plan.stuck);
}

/// DG deployment-type-ecs: "if the minimum healthy percent is 75% and the desired task count is
/// two, then the scheduler can't stop any tasks due to the resulting value also being two."
#[test]
fn documented_min_75_of_2_stops_none() {
    let old = facts(2, OLD, true);
    let plan = plan_replica(&view(2, 75, 200, &old));
    assert!(plan.stop.is_empty(), "{plan:?}");
    assert_eq!(
        DeploymentConfiguration::default_for(SchedulingStrategy::Replica).min_healthy(2),
        2
    );
    // With maximumPercent 100 nothing can start either: the deployment is stuck.
    let plan = plan_replica(&view(2, 75, 100, &old));
    assert!(
        plan.stop.is_empty() && plan.start == 0 && plan.stuck,
        "{plan:?}"
    );
}

/// DG deployment-type-ecs: "if the maximum percent is 200 and the desired task count is four then
/// the scheduler can start four new tasks before stopping four existing tasks."
#[test]
fn documented_max_200_of_4_starts_four_before_stopping() {
    let old = facts(4, OLD, true);
    let plan = plan_replica(&view(4, 100, 200, &old));
    assert_eq!(plan.start, 4, "{plan:?}");
    assert!(plan.stop.is_empty());
    // Once the four new tasks are healthy, the four old ones may stop.
    let mut all = old.clone();
    all.extend(facts(4, NEW, true).into_iter().map(|mut t| {
        t.instance = t.instance.map(|i| InstanceId(i.0 + 10));
        t
    }));
    let plan = plan_replica(&view(4, 100, 200, &all));
    assert_eq!(plan.stop.len(), 4);
    assert!(
        plan.stop.iter().all(|(t, _)| t.0 < 100),
        "only old tasks stop"
    );
    assert_eq!(plan.start, 0);
}

/// DG deployment-type-ecs: "if the maximum percent is 125 and the desired task count is three,
/// the scheduler can't start any tasks due to the resulting value also being three."
#[test]
fn documented_max_125_of_3_starts_none() {
    let old = facts(3, OLD, true);
    let plan = plan_replica(&view(3, 100, 125, &old));
    assert_eq!(plan.start, 0, "{plan:?}");
    assert!(plan.stop.is_empty());
    assert!(
        plan.stuck,
        "desired 3 at 75%/125% cannot move: the documented stuck configuration"
    );
}

/// DG deployment-circuit-breaker (current): desired 1 → 3; 25 → 13; 400 → 200; 800 → 200.
#[test]
fn documented_circuit_breaker_thresholds() {
    for (desired, threshold) in [
        (1, 3),
        (25, 13),
        (400, 200),
        (800, 200),
        (0, 3),
        (6, 3),
        (7, 4),
    ] {
        assert_eq!(
            circuit_breaker_threshold(desired),
            threshold,
            "desired {desired}"
        );
    }
}

// ----- end to end -----

fn td(family: &str, simulation: TaskSimulation) -> TaskDefinition {
    task_def(
        family,
        vec![container("app", 256, 512, &[(80, 0)])],
        simulation,
    )
}

fn base(desired: u32, min: u32, max: u32) -> Scenario {
    let mut sc = Scenario::new("svc");
    cluster(&mut sc, "prod");
    launch(
        &mut sc,
        at(0),
        "prod",
        "m5.large",
        6,
        &["us-east-1a", "us-east-1b", "us-east-1c"],
    );
    register(&mut sc, at(0), td("web", TaskSimulation::default()));
    register(&mut sc, at(0), td("web", TaskSimulation::default()));
    create_service(
        &mut sc,
        at(120),
        "prod",
        "web",
        "web:1",
        desired,
        percent(min, max),
    );
    horizon(&mut sc, 3600);
    sc
}

fn deploy(sc: &mut Scenario, t: u64, td: &str) {
    update_service(
        sc,
        at(t),
        UpdateService {
            cluster: "prod".into(),
            service: "web".into(),
            task_definition: Some(td.into()),
            ..Default::default()
        },
    );
}

fn lowest_healthy_after(out: &RunOutput, from: u64) -> u32 {
    out.services[0]
        .record
        .lowest_between(at(from), at(3600))
        .expect("kept history")
        .0
}

#[test]
fn a_new_service_starts_its_tasks_and_reaches_a_steady_state() {
    let out = run(&base(6, 100, 200));
    let s = &out.services[0];
    assert_eq!((s.running_count, s.healthy_count), (6, 6));
    let messages = service_messages(&out);
    assert!(
        messages[0]
            .1
            .starts_with("(service web) has started 6 tasks: (task "),
        "{messages:?}"
    );
    // Placed at 120 s, RUNNING after 10 s of PENDING, healthy 40 s later (DG: the 40-second rule):
    // the deployment completes, then the service is steady (SPEC §7; reference §3.2's wording).
    assert_eq!(
        messages[1],
        (
            170,
            "(service web) (deployment ecs-svc/0000000000000000001) deployment completed."
                .to_string()
        )
    );
    assert_eq!(
        messages[2],
        (170, "(service web) has reached a steady state.".to_string())
    );
    let d = &out.deployments[0];
    assert_eq!(d.rollout_state, RolloutState::Completed);
    assert_eq!(d.completed_at, Some(at(170)));
    // Six tasks spread over three zones: two per zone (the REPLICA default strategy).
    let mut per_zone = std::collections::BTreeMap::new();
    for t in out.world.tasks() {
        let zone = out
            .world
            .instance(t.instance.unwrap())
            .availability_zone()
            .unwrap()
            .to_string();
        *per_zone.entry(zone).or_insert(0) += 1;
    }
    assert!(per_zone.values().all(|&n| n == 2), "{per_zone:?}");
}

#[test]
fn rolling_100_200_never_drops_below_desired_and_completes() {
    let mut sc = base(6, 100, 200);
    deploy(&mut sc, 1200, "web:2");
    let out = run(&sc);
    assert_eq!(lowest_healthy_after(&out, 170), 6);
    let d = &out.deployments[1];
    assert_eq!(
        (d.status, d.rollout_state),
        (DeploymentStatus::Primary, RolloutState::Completed)
    );
    assert_eq!(out.deployments[0].status, DeploymentStatus::Inactive);
    let running: Vec<_> = out
        .world
        .tasks()
        .filter(|t| t.last_status == TaskStatus::Running)
        .collect();
    assert_eq!(running.len(), 6);
    assert!(running.iter().all(|t| out
        .world
        .task_definition(out.world.spec(t.spec).task_definition)
        .revision
        == 2));
}

#[test]
fn rolling_50_100_stops_half_first_and_keeps_half_healthy() {
    let mut sc = base(4, 50, 100);
    deploy(&mut sc, 1200, "web:2");
    let out = run(&sc);
    assert_eq!(lowest_healthy_after(&out, 170), 2);
    // Never more than four tasks with desired status RUNNING: check at every event.
    let messages = service_messages(&out);
    let stop = messages
        .iter()
        .find(|(t, m)| *t >= 1200 && m.contains("has stopped"))
        .unwrap();
    assert!(
        stop.1.contains("has stopped 2 running tasks"),
        "{messages:?}"
    );
    assert_eq!(out.deployments[1].rollout_state, RolloutState::Completed);
}

#[test]
fn a_stuck_configuration_says_so_and_never_completes() {
    let mut sc = base(3, 75, 125);
    deploy(&mut sc, 1200, "web:2");
    let out = run(&sc);
    let messages = service_messages(&out);
    let stuck: Vec<_> = messages.iter().filter(|(_, m)| m.contains("unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.")).collect();
    assert_eq!(
        stuck.len(),
        1,
        "reported once (duplicates omitted for six hours): {messages:?}"
    );
    assert_eq!(out.deployments[1].rollout_state, RolloutState::InProgress);
}

/// DG container-instance-draining: with minimum 100% and maximum 100%, draining never completes.
#[test]
fn draining_at_100_100_never_completes() {
    let mut sc = base(2, 100, 100);
    push(
        &mut sc,
        at(600),
        "UpdateContainerInstancesState",
        Action::UpdateContainerInstancesState {
            cluster: "prod".into(),
            container_instances: (1..=6).map(|n| format!("i-{n:017x}")).collect(),
            status: InstanceStatus::Draining,
        },
    );
    let out = run(&sc);
    let live = out
        .world
        .tasks()
        .filter(|t| t.last_status == TaskStatus::Running)
        .count();
    assert_eq!(live, 2, "the draining tasks can never be replaced");
    assert!(service_messages(&out)
        .iter()
        .any(|(_, m)| m.contains("because of the service deployment configuration")));
}

#[test]
fn draining_one_instance_replaces_its_tasks_elsewhere() {
    let mut sc = base(6, 100, 200);
    push(
        &mut sc,
        at(600),
        "UpdateContainerInstancesState",
        Action::UpdateContainerInstancesState {
            cluster: "prod".into(),
            container_instances: vec![format!("i-{:017x}", 1)],
            status: InstanceStatus::Draining,
        },
    );
    let out = run(&sc);
    let drained = InstanceId(0);
    assert!(out
        .world
        .tasks()
        .filter(|t| t.instance == Some(drained))
        .all(|t| t.last_status == TaskStatus::Stopped));
    assert_eq!(out.services[0].healthy_count, 6);
    assert_eq!(
        lowest_healthy_after(&out, 170),
        6,
        "replacements are healthy before the drained task stops"
    );
}

fn failing() -> TaskSimulation {
    TaskSimulation {
        fail_to_start_probability: Some(1.0),
        ..Default::default()
    }
}

fn with_breaker(sc: &mut Scenario, rollback: bool) {
    if let Action::CreateService(c) = &mut sc.actions.last_mut().unwrap().action {
        c.deployment_configuration.circuit_breaker = Some(CircuitBreaker {
            enable: true,
            rollback,
        });
    }
}

#[test]
fn the_circuit_breaker_rolls_back_to_the_last_completed_deployment() {
    let mut sc = base(4, 100, 200);
    with_breaker(&mut sc, true);
    register(&mut sc, at(0), td("web", failing())); // web:3
    deploy(&mut sc, 1200, "web:3");
    let out = run(&sc);
    let (first, failed) = (&out.deployments[0], &out.deployments[1]);
    assert_eq!(failed.rollout_state, RolloutState::Failed);
    // The four tasks of the batch (maximumPercent 200) fail together; the breaker trips at the
    // third (threshold clamp(ceil(0.5 × 4), 3, 200) = 3), and the fourth is counted too.
    assert_eq!(failed.failed_tasks, 4);
    assert_eq!(failed.status, DeploymentStatus::Inactive);
    assert_eq!(
        (first.status, first.rollout_state),
        (DeploymentStatus::Primary, RolloutState::Completed)
    );
    assert_eq!(out.services[0].healthy_count, 4);
    let reasons: Vec<_> = out
        .events()
        .filter_map(|e| match &e.detail {
            EventDetail::DeploymentStateChange { reason, .. } => Some(reason.to_string()),
            _ => None,
        })
        .collect();
    assert!(
        reasons.contains(&"ECS deployment circuit breaker: task failed to start.".to_string()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&format!(
            "ECS deployment circuit breaker: rolling back to deploymentId {}.",
            first.id.ecs_id()
        )),
        "{reasons:?}"
    );
}

#[test]
fn without_rollback_a_failed_deployment_stops_launching() {
    let mut sc = base(4, 100, 200);
    with_breaker(&mut sc, false);
    register(&mut sc, at(0), td("web", failing()));
    deploy(&mut sc, 1200, "web:3");
    let out = run(&sc);
    let failed = &out.deployments[1];
    assert_eq!(
        (failed.status, failed.rollout_state),
        (DeploymentStatus::Primary, RolloutState::Failed)
    );
    let attempts = out
        .world
        .tasks()
        .filter(|t| out.world.spec(t.spec).task_definition == TaskDefId(2))
        .count();
    assert_eq!(
        attempts, 4,
        "one batch of four, then FAILED launches nothing more"
    );
    assert_eq!(
        out.services[0].healthy_count, 4,
        "the old tasks keep serving"
    );
}

#[test]
fn repeated_start_failures_are_throttled() {
    let mut sc = Scenario::new("throttle");
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 1, &["us-east-1a"]);
    register(&mut sc, at(0), td("bad", failing()));
    create_service(
        &mut sc,
        at(100),
        "prod",
        "bad",
        "bad:1",
        1,
        percent(100, 200),
    );
    horizon(&mut sc, 3600);
    let out = run(&sc);
    let starts: Vec<u64> = out.world.tasks().map(|t| t.created_at.seconds()).collect();
    // Each attempt fails after 10 s of PENDING; waits 15, 30, 60, 120, ... capped at 900 s.
    let gaps: Vec<u64> = starts.windows(2).map(|w| w[1] - w[0] - 10).collect();
    assert_eq!(&gaps[..6], &[15, 30, 60, 120, 240, 480], "{starts:?}");
    assert!(gaps[6..].iter().all(|&g| g == 900), "{gaps:?}");
    assert!(service_messages(&out)
        .iter()
        .any(|(_, m)| m == "(service bad) is unable to consistently start tasks successfully."));
}

#[test]
fn a_daemon_service_follows_the_fleet() {
    let mut sc = Scenario::new("daemon");
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 2, &["us-east-1a"]);
    register(&mut sc, at(0), td("agent", TaskSimulation::default()));
    register(&mut sc, at(0), td("web", TaskSimulation::default()));
    create_service(
        &mut sc,
        at(100),
        "prod",
        "web",
        "web:1",
        2,
        percent(100, 200),
    );
    daemon_service(&mut sc, at(100), "prod", "agent", "agent:1");
    launch(&mut sc, at(300), "prod", "m5.large", 2, &["us-east-1b"]);
    horizon(&mut sc, 1200);
    let out = run(&sc);
    let agent = out.world.group_id("service:agent").unwrap();
    let web = out.world.group_id("service:web").unwrap();
    let mut per_instance = std::collections::BTreeMap::new();
    for t in out
        .world
        .tasks()
        .filter(|t| out.world.spec(t.spec).group == agent)
    {
        *per_instance.entry(t.instance.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(
        per_instance.len(),
        4,
        "one daemon task per instance, new ones included"
    );
    assert!(per_instance.values().all(|&n| n == 1));
    // Daemon tasks are placed before replica tasks created at the same time.
    let first_agent = out
        .world
        .tasks()
        .position(|t| out.world.spec(t.spec).group == agent)
        .unwrap();
    let first_web = out
        .world
        .tasks()
        .position(|t| out.world.spec(t.spec).group == web)
        .unwrap();
    assert!(first_agent < first_web);
}

#[test]
fn protected_tasks_hold_a_deployment_until_their_protection_expires() {
    let mut sc = base(2, 100, 200);
    push(
        &mut sc,
        at(600),
        "UpdateTaskProtection",
        Action::UpdateTaskProtection {
            cluster: "prod".into(),
            tasks: vec![format!("{:032x}", 1)],
            protection_enabled: true,
            expires_in_minutes: 20,
        },
    );
    deploy(&mut sc, 1200, "web:2");
    let out = run(&sc);
    let protected = out.world.task(TaskId(0));
    let stopped_at = protected
        .stopping_at
        .get()
        .or(protected.stopped_at.get())
        .expect("stopped after expiry");
    assert_eq!(
        stopped_at,
        at(600 + 1200),
        "stopped when its protection expired, not before"
    );
    let other = out.world.task(TaskId(1));
    assert!(other.stopped_at.get().unwrap() < at(1800));
    // COMPLETED once the old deployment's last task is STOPPED (SPEC §7): 5 s of STOPPING later.
    assert_eq!(out.deployments[1].completed_at, Some(at(1805)));
}

#[test]
fn a_task_failing_its_health_check_is_replaced_after_the_grace_period() {
    let mut sc = Scenario::new("health");
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 2, &["us-east-1a"]);
    let mut c = container("app", 256, 512, &[]);
    c.health_check = Some(HealthCheck {
        interval_s: 30,
        timeout_s: 5,
        retries: 3,
        start_period_s: 0,
    });
    let sim = TaskSimulation {
        unhealthy_probability: Some(1.0),
        ..Default::default()
    };
    register(&mut sc, at(0), task_def("sick", vec![c], sim));
    create_service(
        &mut sc,
        at(100),
        "prod",
        "sick",
        "sick:1",
        1,
        percent(100, 200),
    );
    if let Action::CreateService(c) = &mut sc.actions.last_mut().unwrap().action {
        c.health_check_grace_period_s = 300;
    }
    horizon(&mut sc, 900);
    let out = run(&sc);
    let first = out.world.task(TaskId(0));
    // RUNNING at 110 s; unhealthy after 3 × 30 s, ignored until the 300 s grace has passed.
    assert_eq!(first.stopping_at.get(), Some(at(410)));
    assert_eq!(first.health_status, HealthStatus::Unhealthy);
    assert_eq!(
        first.stopped_reason,
        Some(StoppedReason::FailedHealthChecks),
        "Task failed container health checks"
    );
    assert!(out.world.tasks_created() as usize >= 2, "replaced");
    assert_eq!(
        out.deployments[0].failed_tasks, 2,
        "each unhealthy stop counts: 410 s and 720 s"
    );
}

#[test]
fn an_unplaceable_service_says_why_and_retries_every_15_seconds() {
    let mut sc = Scenario::new("full");
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "t3.micro", 1, &["us-east-1a"]);
    register(
        &mut sc,
        at(0),
        task_def(
            "big",
            vec![container("app", 256, 4096, &[])],
            TaskSimulation::default(),
        ),
    );
    create_service(
        &mut sc,
        at(100),
        "prod",
        "big",
        "big:1",
        1,
        percent(100, 200),
    );
    horizon(&mut sc, 160);
    let out = run(&sc);
    let messages = service_messages(&out);
    assert_eq!(
        messages.len(),
        1,
        "the repeated cause is reported once: {messages:?}"
    );
    let id = format!("{:032x}", 1);
    assert_eq!(messages[0].1, format!("(service big) was unable to place a task because no container instance met all of its requirements. The closest matching container-instance {id} has insufficient memory available. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."));
    assert_eq!(
        out.counts.placement_failures.get("RESOURCE:MEMORY"),
        Some(&1),
        "an identical retry is not recorded again"
    );
}

#[test]
fn delete_service_needs_zero_or_force_then_drains_to_inactive() {
    let mut sc = base(3, 100, 200);
    push(
        &mut sc,
        at(600),
        "DeleteService",
        Action::DeleteService {
            cluster: "prod".into(),
            service: "web".into(),
            force: false,
        },
    );
    push(
        &mut sc,
        at(700),
        "DeleteService",
        Action::DeleteService {
            cluster: "prod".into(),
            service: "web".into(),
            force: true,
        },
    );
    let out = run(&sc);
    assert_eq!(out.counts.action_errors, 1);
    assert_eq!(out.services[0].service.status, ServiceStatus::Inactive);
    assert!(out
        .world
        .tasks()
        .all(|t| t.last_status == TaskStatus::Stopped));
}

#[test]
fn task_sets_keep_their_scaled_share_and_switch_primary() {
    let mut sc = Scenario::new("sets");
    cluster(&mut sc, "prod");
    launch(
        &mut sc,
        at(0),
        "prod",
        "m5.large",
        4,
        &["us-east-1a", "us-east-1b"],
    );
    register(&mut sc, at(0), td("web", TaskSimulation::default()));
    register(&mut sc, at(0), td("web", TaskSimulation::default()));
    push(
        &mut sc,
        at(100),
        "CreateService",
        Action::CreateService(Box::new(CreateService {
            task_definition: None,
            controller: DeploymentController::External,
            ..service_request(
                "prod",
                "web",
                "",
                4,
                SchedulingStrategy::Replica,
                Default::default(),
            )
        })),
    );
    let set = |td: &str, scale: f64| {
        Action::CreateTaskSet(Box::new(CreateTaskSet {
            cluster: "prod".into(),
            service: "web".into(),
            task_definition: td.into(),
            external_id: None,
            scale_percent: scale,
            launch_type: Some(LaunchType::Ec2),
            capacity_provider_strategy: None,
            subnets: Vec::new(),
        }))
    };
    // Later actions name a task set by the index of the CreateTaskSet action.
    let blue = sc.actions.len();
    push(&mut sc, at(110), "CreateTaskSet", set("web:1", 100.0));
    let green = sc.actions.len();
    push(&mut sc, at(400), "CreateTaskSet", set("web:2", 50.0));
    push(
        &mut sc,
        at(700),
        "UpdateServicePrimaryTaskSet",
        Action::UpdateServicePrimaryTaskSet {
            cluster: "prod".into(),
            service: "web".into(),
            primary_task_set: green,
        },
    );
    push(
        &mut sc,
        at(710),
        "UpdateTaskSet",
        Action::UpdateTaskSet {
            cluster: "prod".into(),
            service: "web".into(),
            task_set: green,
            scale_percent: 100.0,
        },
    );
    push(
        &mut sc,
        at(1000),
        "DeleteTaskSet",
        Action::DeleteTaskSet {
            cluster: "prod".into(),
            service: "web".into(),
            task_set: blue,
            force: true,
        },
    );
    horizon(&mut sc, 1500);
    let out = run(&sc);
    let blue = &out.deployments[0];
    let green = &out.deployments[1];
    assert_eq!(blue.status, DeploymentStatus::Inactive);
    assert_eq!(green.status, DeploymentStatus::Primary);
    assert_eq!(
        green.task_set.as_ref().unwrap().stability_status,
        StabilityStatus::SteadyState
    );
    let live: Vec<_> = out
        .world
        .tasks()
        .filter(|t| t.last_status == TaskStatus::Running)
        .collect();
    assert_eq!(live.len(), 4);
    assert!(
        live.iter()
            .all(|t| out.world.spec(t.spec).started_by
                == Some(StartedBy::Deployment(DeploymentId(1)))),
        "green, the second task set, is DeploymentId(1)"
    );
    // Between 400 s and 700 s: blue 4 tasks, green ceil(4 × 50%) = 2.
    let green_at_600 = out.service_rows().find(|r| r.t_s == 600).unwrap();
    assert_eq!(green_at_600.running, 6);
}

/// Issue: failures are "drawn from their own random stream so that adding a failure model does not
/// move any placement". A crash model that never fires (crashAfter beyond the horizon) on one task
/// definition changes nothing of another's placements or run durations.
#[test]
fn a_failure_model_moves_no_placement_and_no_duration() {
    let build = |crash: bool| {
        let mut sc = Scenario::new("streams");
        cluster(&mut sc, "prod");
        launch(
            &mut sc,
            at(0),
            "prod",
            "m5.large",
            6,
            &["us-east-1a", "us-east-1b"],
        );
        let uniform = |lo: u64, hi: u64| ecsim_kernel::Distribution::Uniform {
            min_ms: lo * 1000,
            max_ms: hi * 1000,
        };
        let mut a = TaskSimulation {
            run_duration: Some(uniform(60, 600)),
            ..Default::default()
        };
        if crash {
            a.crash_after = Some(uniform(86_400 * 10, 86_400 * 11));
            a.fail_to_start_probability = Some(0.0);
        }
        register(&mut sc, at(0), td("a", a));
        register(
            &mut sc,
            at(0),
            td(
                "b",
                TaskSimulation {
                    run_duration: Some(uniform(60, 600)),
                    ..Default::default()
                },
            ),
        );
        for k in 0..20 {
            let family = if k % 2 == 0 { "a" } else { "b" };
            run_task(&mut sc, at(100 + k * 30), "prod", family, 3, vec![]);
        }
        create_service(&mut sc, at(200), "prod", "web", "b:1", 4, percent(100, 200));
        horizon(&mut sc, 3600);
        run(&sc)
    };
    let (plain, with_crash) = (build(false), build(true));
    let shape = |out: &RunOutput| -> Vec<(u32, Option<InstanceId>, Option<u64>)> {
        out.world
            .tasks()
            .map(|t| (t.id.0, t.instance, t.stopped_at.get().map(|s| s.ms())))
            .collect()
    };
    assert_eq!(shape(&plain), shape(&with_crash));
}

fn protect(sc: &mut Scenario, t: u64, task: u32, minutes: u32) {
    push(
        sc,
        at(t),
        "UpdateTaskProtection",
        Action::UpdateTaskProtection {
            cluster: "prod".into(),
            tasks: vec![format!("{task:032x}")],
            protection_enabled: true,
            expires_in_minutes: minutes,
        },
    );
}

/// Review finding: a protection expiring after an already scheduled retry (another protection,
/// the six-hour steady-state reminder) must still wake the scheduler.
#[test]
fn every_protection_expiry_wakes_the_scheduler() {
    let mut sc = base(2, 100, 200);
    protect(&mut sc, 600, 1, 10);
    protect(&mut sc, 600, 2, 20);
    deploy(&mut sc, 700, "web:2");
    let out = run(&sc);
    assert_eq!(out.world.task(TaskId(1)).stopping_at.get(), Some(at(1800)));
    assert_eq!(out.deployments[1].rollout_state, RolloutState::Completed);

    let mut sc = base(1, 100, 200);
    protect(&mut sc, 600, 1, 480);
    deploy(&mut sc, 700, "web:2");
    horizon(&mut sc, 60_000);
    let out = run(&sc);
    assert_eq!(
        out.world.task(TaskId(0)).stopping_at.get(),
        Some(at(600 + 480 * 60))
    );
    assert_eq!(out.deployments[1].rollout_state, RolloutState::Completed);
}

/// Review finding: tasks that start and exit in the same millisecond must not hold simulated time
/// still; the service launches again a millisecond later.
#[test]
fn instant_exits_do_not_stop_time() {
    let mut sc = Scenario::new("instant");
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 1, &["us-east-1a"]);
    let zero = ecsim_kernel::SimDuration::ZERO;
    let sim = TaskSimulation {
        timings: Timings {
            pending: Some(zero),
            stopping: Some(zero),
            ..Default::default()
        },
        run_duration: Some(ecsim_kernel::Distribution::Fixed { ms: 0 }),
        ..Default::default()
    };
    register(&mut sc, at(0), td("blink", sim));
    create_service(
        &mut sc,
        at(100),
        "prod",
        "blink",
        "blink:1",
        1,
        percent(100, 200),
    );
    horizon(&mut sc, 101);
    let out = run(&sc);
    // One launch per millisecond from 100 s to 101 s.
    assert_eq!(out.world.tasks_created() as usize, 1001);
}

/// Review finding: a DAEMON service's placement retries fail instance by instance; each target's
/// repeated failure is recorded once, and each message is sent once per six hours.
#[test]
fn daemon_placement_failures_are_recorded_once_per_instance() {
    let mut sc = Scenario::new("daemon-full");
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 3, &["us-east-1a"]);
    register(
        &mut sc,
        at(0),
        task_def(
            "huge",
            vec![container("app", 128, 100_000, &[])],
            TaskSimulation::default(),
        ),
    );
    daemon_service(&mut sc, at(100), "prod", "huge", "huge:1");
    horizon(&mut sc, 3600);
    let out = run(&sc);
    assert_eq!(
        out.counts.placement_failures.get("RESOURCE:MEMORY"),
        Some(&3)
    );
    assert_eq!(
        service_messages(&out).len(),
        3,
        "{:?}",
        service_messages(&out)
    );
}

/// Review finding: when the circuit breaker trips in the middle of a pass, the rest of the pass
/// launches nothing for the failed deployment.
#[test]
fn a_tripped_breaker_stops_launching_within_the_pass() {
    let mut sc = base(10, 100, 200);
    with_breaker(&mut sc, false);
    let zero = ecsim_kernel::SimDuration::ZERO;
    let sim = TaskSimulation {
        fail_to_start_probability: Some(1.0),
        timings: Timings {
            pending: Some(zero),
            ..Default::default()
        },
        ..Default::default()
    };
    register(&mut sc, at(0), td("web", sim)); // web:3
    deploy(&mut sc, 1200, "web:3");
    horizon(&mut sc, 3600);
    let out = run(&sc);
    let failed = &out.deployments[1];
    assert_eq!(failed.rollout_state, RolloutState::Failed);
    assert_eq!(
        failed.failed_tasks, 5,
        "threshold clamp(ceil(0.5 × 10), 3, 200) = 5; nothing launched after"
    );
}
