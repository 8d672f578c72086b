//! Services behind load balancers (SPEC §6 and §7, rewritten): a task's target registers while
//! it is ACTIVATING (5 s), it is healthy once the target group's health check passes
//! (`simulation.loadBalancer.healthyAfter`, default 150 s after RUNNING: ELB's defaults of 5
//! checks 30 s apart), and a stopping task is deregistered first (DEACTIVATING for the
//! deregistration delay, default 300 s, the target group's default) before STOPPING. So a
//! rolling deployment behind a load balancer takes as long as it does on AWS. Also the
//! deployment and steady-state events of SPEC §7: `deployment completed.` at COMPLETED, COMPLETED
//! only once no other deployment has a task not yet STOPPED, and `has reached a steady state.`
//! after every return to steady, a scale-in included.

use ecsim_engine::service::RolloutState;
use ecsim_engine::{EventDetail, RunOutput};
use ecsim_model::TaskStatus;
use serde_json::{json, Value};

fn scenario(load_balancer: Option<Value>, extra: Vec<Value>) -> String {
    let mut service = json!({ "cluster": "prod", "serviceName": "web", "taskDefinition": "web",
        "desiredCount": 4,
        "deploymentConfiguration": { "minimumHealthyPercent": 100, "maximumPercent": 200 } });
    let mut create = json!({ "at": "2m", "action": "CreateService", "input": service.clone() });
    if let Some(sim) = load_balancer {
        service["loadBalancers"] = json!([ { "targetGroupArn":
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef",
            "containerName": "app", "containerPort": 80 } ]);
        create["input"] = service;
        if !sim.is_null() {
            create["simulation"] = json!({ "loadBalancer": sim });
        }
    }
    let mut actions = vec![
        json!({ "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod" } }),
        json!({ "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod",
            "instanceType": "m5.large", "count": 2, "availabilityZones": ["us-east-1a", "us-east-1b"] } }),
        json!({ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "web",
            "containerDefinitions": [ { "name": "app", "image": "nginx", "cpu": 256, "memory": 512,
                "portMappings": [ { "containerPort": 80, "hostPort": 0 } ] } ] } }),
        create,
    ];
    actions.extend(extra);
    json!({ "schemaVersion": 1, "name": "lb", "seed": 1, "horizon": "2h", "actions": actions })
        .to_string()
}

fn deploy_at(t: &str) -> Value {
    json!({ "at": t, "action": "UpdateService",
        "input": { "cluster": "prod", "service": "web", "forceNewDeployment": true } })
}

fn run(src: &str) -> RunOutput {
    let loaded = ecsim_scenario::load(src).unwrap_or_else(|e| panic!("{e:?}"));
    ecsim_engine::run(&loaded.scenario)
}

fn messages(out: &RunOutput) -> Vec<(u64, String)> {
    out.events()
        .filter_map(|e| match &e.detail {
            EventDetail::ServiceAction { message, .. } => {
                Some((e.t.seconds(), message.to_string()))
            }
            _ => None,
        })
        .collect()
}

/// The seconds at which task `k` (in creation order) entered `status`.
fn entered(out: &RunOutput, k: usize, status: TaskStatus) -> Option<u64> {
    let task = out.world.tasks().nth(k)?.id;
    out.events().find_map(|e| match &e.detail {
        EventDetail::TaskStateChange {
            task: t,
            last_status,
            ..
        } if *t == task && *last_status == status => Some(e.t.seconds()),
        _ => None,
    })
}

fn completed_s(out: &RunOutput, k: usize) -> u64 {
    out.deployments[k]
        .completed_at
        .expect("completed")
        .seconds()
}

#[test]
fn a_rolling_deployment_behind_a_load_balancer_takes_as_long_as_on_aws() {
    // Created at 120 s (the instances registered at 90 s): PENDING 10 s, ACTIVATING 5 s (the
    // target registers), RUNNING at 135 s, healthy when the target passes its health check 150 s
    // later: COMPLETED at 285 s.
    let with = run(&scenario(Some(Value::Null), vec![deploy_at("30m")]));
    assert_eq!(entered(&with, 0, TaskStatus::Activating), Some(130));
    assert_eq!(entered(&with, 0, TaskStatus::Running), Some(135));
    assert_eq!(completed_s(&with, 0), 285);
    // The deployment at 1800 s starts 4 new tasks (200%): RUNNING at 1815 s, healthy at 1965 s;
    // then the 4 old ones stop: DEACTIVATING 300 s (deregistration), STOPPING 5 s, STOPPED at
    // 2270 s, and only then is the new deployment COMPLETED.
    assert_eq!(entered(&with, 0, TaskStatus::Deactivating), Some(1965));
    assert_eq!(entered(&with, 0, TaskStatus::Stopping), Some(2265));
    assert_eq!(entered(&with, 0, TaskStatus::Stopped), Some(2270));
    assert_eq!(completed_s(&with, 1), 2270);
    assert_eq!(with.deployments[1].rollout_state, RolloutState::Completed);
    let m = messages(&with);
    assert!(
        m.contains(&(
            1965,
            "(service web) has begun draining connections on 4 tasks.".into()
        )),
        "{m:?}"
    );
    let done = m
        .iter()
        .position(|x| {
            *x == (
                2270,
                "(service web) (deployment ecs-svc/0000000000000000002) deployment completed."
                    .into(),
            )
        })
        .expect("the deployment's completion is said");
    assert_eq!(
        m[done + 1],
        (2270, "(service web) has reached a steady state.".into())
    );

    // The same without the load balancer: healthy 40 s after RUNNING, STOPPING at once.
    let without = run(&scenario(None, vec![deploy_at("30m")]));
    assert_eq!(entered(&without, 0, TaskStatus::Running), Some(130));
    assert_eq!(completed_s(&without, 0), 170);
    // New tasks RUNNING at 1810 s, healthy at 1850 s; old ones STOPPED 5 s later.
    assert_eq!(completed_s(&without, 1), 1855);
    assert!(!messages(&without)
        .iter()
        .any(|(_, x)| x.contains("draining connections")));
}

#[test]
fn the_load_balancer_timings_come_from_the_services_simulation_block() {
    let out = run(&scenario(
        Some(json!({ "healthyAfter": "60s", "deregistrationDelay": "30s" })),
        vec![deploy_at("30m")],
    ));
    assert_eq!(completed_s(&out, 0), 135 + 60);
    // New tasks healthy at 1815 + 60 = 1875 s; old ones deregister 30 s, stop 5 s.
    assert_eq!(completed_s(&out, 1), 1875 + 30 + 5);
}

#[test]
fn a_container_health_check_and_the_target_health_check_must_both_pass() {
    // A container health check passing at its first check (30 s) and the target's at 150 s:
    // healthy at the later of the two.
    let mut src: Value = serde_json::from_str(&scenario(Some(Value::Null), vec![])).unwrap();
    src["actions"][2]["input"]["containerDefinitions"][0]["healthCheck"] =
        json!({ "command": ["CMD-SHELL", "true"], "interval": 30 });
    let out = run(&src.to_string());
    assert_eq!(completed_s(&out, 0), 135 + 150);
}

#[test]
fn a_scale_in_returns_to_steady_state_once_its_tasks_have_stopped() {
    let out = run(&scenario(
        None,
        vec![json!({ "at": "10m", "action": "UpdateService",
            "input": { "cluster": "prod", "service": "web", "desiredCount": 2 } })],
    ));
    let steady: Vec<u64> = messages(&out)
        .into_iter()
        .filter(|(_, m)| m == "(service web) has reached a steady state.")
        .map(|(t, _)| t)
        .collect();
    // Steady at 170 s; the scale-in at 600 s stops 2 tasks (STOPPING 5 s): steady again at 605 s.
    assert_eq!(steady, vec![170, 605]);
}

#[test]
fn load_balancers_are_validated_as_the_api_says() {
    let bad = |lb: Value| {
        let mut src: Value = serde_json::from_str(&scenario(Some(Value::Null), vec![])).unwrap();
        src["actions"][3]["input"]["loadBalancers"] = json!([lb]);
        ecsim_scenario::load(&src.to_string())
            .err()
            .map(|e| format!("{e:?}"))
    };
    let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
    assert!(
        bad(json!({ "targetGroupArn": tg, "containerName": "app", "containerPort": 80 })).is_none()
    );
    let e = bad(json!({ "targetGroupArn": tg, "containerName": "nope", "containerPort": 80 }))
        .expect("an unknown container");
    assert!(e.contains("no container named \\\"nope\\\""), "{e}");
    let e = bad(
        json!({ "targetGroupArn": tg, "loadBalancerName": "web", "containerName": "app",
        "containerPort": 80 }),
    )
    .expect("both a target group and a name");
    assert!(e.contains("not both"), "{e}");
    let e = bad(json!({ "targetGroupArn": "web", "containerName": "app", "containerPort": 80 }))
        .expect("not an ARN");
    assert!(e.contains("target group ARN"), "{e}");
    let e = bad(json!({ "targetGroupArn": tg, "containerName": "app" })).expect("no port");
    assert!(e.contains("containerPort"), "{e}");
    // simulation.loadBalancer without loadBalancers.
    let mut src: Value = serde_json::from_str(&scenario(None, vec![])).unwrap();
    src["actions"][3]["simulation"] = json!({ "loadBalancer": { "healthyAfter": "1m" } });
    let e = format!(
        "{:?}",
        ecsim_scenario::load(&src.to_string()).expect_err("refused")
    );
    assert!(e.contains("no loadBalancers"), "{e}");
}
