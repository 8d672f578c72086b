//! StartInstanceRefresh (SPEC §2): batch sizes, the order of drain, termination, replacement and
//! warm-up, launch first above 100, managed draining off, a refresh already under way, and the
//! group's launches afterwards; then properties over random groups and preferences.

use ecsim_engine::{EventDetail, RunOutput, ScalingActivityKind};
use ecsim_model::{InstanceStatus, StopCode, TaskStatus};
use proptest::prelude::*;

const OLD: &str = "ami-aff65ad2";
const NEW: &str = "ami-05a9d3c6794653577";

/// A group of `n` m5.large on the old AMI (launched at 0, registered at 90 s), an optional service
/// of `tasks` tasks (256 CPU, 512 MiB), and a refresh at 30 m with `refresh` as its extra input
/// members; `draining` the provider's managedDraining.
fn scenario(n: u32, tasks: u32, refresh: &str, draining: bool, extra: &str) -> String {
    let draining = if draining { "ENABLED" } else { "DISABLED" };
    let service = if tasks > 0 {
        format!(
            r#"{{ "at": "2m", "action": "CreateService", "input": {{ "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": {tasks} }} }},"#
        )
    } else {
        String::new()
    };
    format!(
        r#"{{ "schemaVersion": 1, "name": "refresh", "horizon": "12h", "actions": [
        {{ "at": 0, "action": "CreateCapacityProvider", "input": {{ "name": "fleet",
            "autoScalingGroupProvider": {{ "autoScalingGroupArn": "asg", "managedDraining": "{draining}" }} }},
          "simulation": {{ "autoScalingGroup": {{ "instanceTypes": ["m5.large"],
            "availabilityZones": ["us-east-1a", "us-east-1b"], "minSize": 0, "maxSize": 40,
            "desiredCapacity": {n}, "imageId": "{OLD}" }} }} }},
        {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod", "capacityProviders": ["fleet"],
            "defaultCapacityProviderStrategy": [ {{ "capacityProvider": "fleet", "weight": 1 }} ] }} }},
        {{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "web",
            "containerDefinitions": [ {{ "name": "app", "image": "nginx", "cpu": 256, "memory": 512 }} ] }} }},
        {service}
        {{ "at": "30m", "action": "StartInstanceRefresh", "input": {{ "capacityProvider": "fleet", "imageId": "{NEW}" {refresh} }} }}
        {extra} ] }}"#
    )
}

fn run(src: &str) -> RunOutput {
    let loaded = ecsim_scenario::load(src).unwrap_or_else(|e| panic!("{e:?}\n{src}"));
    ecsim_engine::run(&loaded.scenario)
}

/// (t ms, count, cause) of the refresh's REFRESH activities.
fn refresh_events(o: &RunOutput) -> Vec<(u64, u32, String)> {
    o.events()
        .filter_map(|e| match &e.detail {
            EventDetail::ScalingActivity {
                activity: ScalingActivityKind::Refresh,
                count,
                cause,
                ..
            } => Some((e.t.ms(), *count, cause.to_string())),
            _ => None,
        })
        .collect()
}

/// The batches' sizes, in order.
fn batches(o: &RunOutput) -> Vec<u32> {
    refresh_events(o)
        .into_iter()
        .filter(|e| e.2.contains(": batch "))
        .map(|e| e.1)
        .collect()
}

/// When the refresh said it completed.
fn completed(o: &RunOutput) -> Option<u64> {
    refresh_events(o)
        .into_iter()
        .find(|e| e.2.starts_with("instance refresh completed"))
        .map(|e| e.0)
}

/// The images of the instances not INACTIVE at the end.
fn images_at_end(o: &RunOutput) -> Vec<String> {
    o.world
        .instances
        .iter()
        .filter(|i| i.status != InstanceStatus::Inactive)
        .map(|i| {
            i.attribute("ecs.ami-id")
                .flatten()
                .unwrap_or("-")
                .to_string()
        })
        .collect()
}

const START_MS: u64 = 30 * 60_000;
const LAUNCH_MS: u64 = 90_000;

/// Empty instances (no service) terminate at once: each batch takes the launch and the warm-up.
/// The batch is max(1, floor(N × (100 − min) / 100)).
#[test]
fn terminate_first_batches_follow_the_rule() {
    for (n, min, b) in [
        (6, 90, 1),
        (10, 50, 5),
        (4, 0, 4),
        (5, 100, 1),
        (3, 70, 1),
        (7, 60, 2),
    ] {
        let o = run(&scenario(
            n,
            0,
            &format!(r#", "minHealthyPercentage": {min}, "instanceWarmup": 60"#),
            true,
            "",
        ));
        let want: Vec<u32> = (0..n.div_ceil(b)).map(|k| b.min(n - k * b)).collect();
        assert_eq!(batches(&o), want, "N {n}, min {min}");
        let per_batch = LAUNCH_MS + 60_000;
        assert_eq!(
            completed(&o),
            Some(START_MS + want.len() as u64 * per_batch),
            "N {n}, min {min}"
        );
        assert_eq!(images_at_end(&o), vec![NEW.to_string(); n as usize]);
    }
}

/// With a service, a batch's instance drains: its tasks start elsewhere first, then stop; it
/// terminates once empty, and only then does its replacement launch.
#[test]
fn a_batch_drains_then_terminates_then_is_replaced() {
    let o = run(&scenario(4, 8, "", true, ""));
    let mut drained_at = None;
    let mut gone_at = None;
    let mut launch_at = None;
    for e in o.events() {
        match &e.detail {
            EventDetail::ContainerInstanceStateChange {
                status: InstanceStatus::Draining,
                ..
            } if drained_at.is_none() => drained_at = Some(e.t.ms()),
            EventDetail::ContainerInstanceStateChange {
                status: InstanceStatus::Inactive,
                running_tasks_count,
                ..
            } if gone_at.is_none() => {
                assert_eq!(*running_tasks_count, 0, "empty when it terminates");
                gone_at = Some(e.t.ms());
            }
            EventDetail::ScalingActivity {
                activity: ScalingActivityKind::Launch,
                cause,
                ..
            } if cause.contains("instance refresh") && launch_at.is_none() => {
                launch_at = Some(e.t.ms())
            }
            _ => {}
        }
    }
    assert_eq!(drained_at, Some(START_MS));
    // Replacements placed at once: PENDING 10 s, healthy 40 s after, STOPPING 5 s (SPEC §6).
    assert_eq!(gone_at, Some(START_MS + 55_000));
    assert_eq!(launch_at, gone_at);
    let stopped_by_termination = o.events().any(|e| {
        matches!(
            e.detail,
            EventDetail::TaskStateChange {
                stop_code: Some(StopCode::TerminationNotice),
                ..
            }
        )
    });
    assert!(!stopped_by_termination, "no task stopped by a termination");
    assert!(o.assertions.iter().all(|a| a.passed));
}

/// Without managed draining the batch terminates at once, tasks and all.
#[test]
fn without_managed_draining_the_batch_terminates_at_once() {
    let o = run(&scenario(4, 8, "", false, ""));
    let first_gone = o
        .events()
        .find(|e| {
            matches!(
                e.detail,
                EventDetail::ContainerInstanceStateChange {
                    status: InstanceStatus::Inactive,
                    ..
                }
            )
        })
        .map(|e| e.t.ms());
    assert_eq!(first_gone, Some(START_MS));
    // Tasks stop with the instance, at each batch's start (launch 90 s and warm-up 300 s apart);
    // the service places them again on the instances left, so later batches stop more.
    let stops: Vec<u64> = o
        .events()
        .filter(|e| {
            matches!(
                e.detail,
                EventDetail::TaskStateChange {
                    last_status: TaskStatus::Stopped,
                    stop_code: Some(StopCode::TerminationNotice),
                    ..
                }
            )
        })
        .map(|e| e.t.ms())
        .collect();
    let batch_ms = LAUNCH_MS + 300_000;
    assert!(stops.len() >= 8, "at least the first placement's 8 tasks");
    for t in &stops {
        let k = (t - START_MS) / batch_ms;
        assert!(k < 4 && *t == START_MS + k * batch_ms, "a stop at {t}");
    }
    assert_eq!(images_at_end(&o), vec![NEW.to_string(); 4]);
}

/// Above 100 the replacements launch first: the group never holds fewer than N ACTIVE
/// instances after the refresh starts, nor more than N + b instances.
#[test]
fn launch_first_keeps_the_desired_capacity() {
    let o = run(&scenario(
        6,
        12,
        r#", "minHealthyPercentage": 100, "maxHealthyPercentage": 150"#,
        true,
        "",
    ));
    assert_eq!(batches(&o), vec![3, 3]);
    let mut active = 0i64;
    let mut registered = 0i64;
    let (mut min_active, mut max_registered) = (i64::MAX, 0);
    let mut status = std::collections::BTreeMap::new();
    for e in o.events() {
        if let EventDetail::ContainerInstanceStateChange {
            instance,
            status: s,
            ..
        } = &e.detail
        {
            let before = status.insert(*instance, *s);
            if before == Some(InstanceStatus::Active) {
                active -= 1;
            }
            if before.is_none() {
                registered += 1;
            }
            if *s == InstanceStatus::Active {
                active += 1;
            }
            if *s == InstanceStatus::Inactive {
                registered -= 1;
            }
            if e.t.ms() >= START_MS {
                min_active = min_active.min(active);
            }
            max_registered = max_registered.max(registered);
        }
    }
    assert_eq!(min_active, 6);
    assert_eq!(max_registered, 9);
    assert_eq!(images_at_end(&o), vec![NEW.to_string(); 6]);
    let web = &o.services[0];
    assert_eq!(web.record.below_min_healthy_ms, 0);
}

/// Launch first: each old instance that leaves is its own TERMINATE activity, and the batch's end
/// names them (REFRESH); an old instance lost otherwise during the batch (a spot interruption) is
/// not replaced, so the group ends at its desired capacity, all on the new image.
#[test]
fn launch_first_losses_and_terminations() {
    let spot = |src: String| {
        src.replace(
            r#""desiredCapacity": 4,"#,
            r#""desiredCapacity": 4, "spot": true,"#,
        )
    };
    let extra = r#", { "at": 1830, "action": "InterruptSpot", "input": { "capacityProvider": "fleet", "count": 1 } }"#;
    for (src, lost) in [
        (
            scenario(
                4,
                0,
                r#", "minHealthyPercentage": 100, "maxHealthyPercentage": 150"#,
                true,
                "",
            ),
            0,
        ),
        (
            spot(scenario(
                4,
                0,
                r#", "minHealthyPercentage": 100, "maxHealthyPercentage": 150"#,
                true,
                extra,
            )),
            1,
        ),
    ] {
        let o = run(&src);
        assert!(completed(&o).is_some(), "lost {lost}");
        let terminations: Vec<&str> = o
            .events()
            .filter_map(|e| match &e.detail {
                EventDetail::ScalingActivity {
                    activity: ScalingActivityKind::Terminate,
                    cause,
                    ..
                } => Some(&**cause),
                _ => None,
            })
            .collect();
        let refreshed = terminations
            .iter()
            .filter(|c| c.starts_with("instance refresh"))
            .count();
        assert_eq!(refreshed, 4 - lost, "{terminations:?}");
        let leaving: u32 = refresh_events(&o)
            .iter()
            .filter(|e| e.2.contains("are in service"))
            .map(|e| e.1)
            .sum();
        assert_eq!(leaving, 4 - lost as u32);
        assert_eq!(images_at_end(&o), vec![NEW.to_string(); 4], "lost {lost}");
        // Batches of floor(4 × 50 / 100) = 2; the lost instance is not replaced by the group.
        assert_eq!(batches(&o), vec![2, 2], "lost {lost}");
        let replaced_loss = o.events().any(|e| {
            matches!(&e.detail, EventDetail::ScalingActivity {
                activity: ScalingActivityKind::Launch, cause, .. } if cause.contains("replaces an instance it lost"))
        });
        assert!(!replaced_loss, "lost {lost}");
    }
}

/// A refresh of a group that serves no cluster yet has nothing to replace and completes at once;
/// the group's launches, once it is associated, use the refresh's image.
#[test]
fn a_refresh_of_a_group_serving_no_cluster_completes_at_once() {
    let src = format!(
        r#"{{ "schemaVersion": 1, "name": "refresh", "horizon": "2h", "actions": [
        {{ "at": 0, "action": "CreateCapacityProvider", "input": {{ "name": "fleet",
            "autoScalingGroupProvider": {{ "autoScalingGroupArn": "asg" }} }},
          "simulation": {{ "autoScalingGroup": {{ "instanceTypes": ["m5.large"],
            "availabilityZones": ["us-east-1a"], "minSize": 2, "maxSize": 4, "imageId": "{OLD}" }} }} }},
        {{ "at": 60, "action": "StartInstanceRefresh", "input": {{ "capacityProvider": "fleet", "imageId": "{NEW}" }} }},
        {{ "at": "15m", "action": "CreateCluster", "input": {{ "clusterName": "prod", "capacityProviders": ["fleet"] }} }}
        ] }}"#
    );
    let o = run(&src);
    assert_eq!(completed(&o), Some(60_000));
    assert_eq!(images_at_end(&o), vec![NEW.to_string(); 2]);
}

/// A second StartInstanceRefresh while one is under way is EC2 Auto Scaling's
/// InstanceRefreshInProgress; once the first completes, the group's launches use its image.
#[test]
fn one_refresh_at_a_time_and_the_image_stays() {
    let extra = r#", { "at": "31m", "action": "StartInstanceRefresh", "input": { "capacityProvider": "fleet", "imageId": "ami-aff65ad2" } },
        { "at": "5h", "action": "TerminateContainerInstances", "input": { "cluster": "prod", "filter": "attribute:ecs.availability-zone == us-east-1a" } }"#;
    let o = run(&scenario(2, 0, "", true, extra));
    let errors: Vec<&str> = o
        .events()
        .filter_map(|e| match &e.detail {
            EventDetail::ActionError { error, .. } => Some(*error),
            _ => None,
        })
        .collect();
    assert_eq!(errors, ["InstanceRefreshInProgress"]);
    assert!(completed(&o).is_some_and(|t| t < 5 * 3_600_000));
    // The instance lost at 5 h is replaced on the refresh's image.
    assert_eq!(images_at_end(&o), vec![NEW.to_string(); 2]);
    assert_eq!(o.world.instances.len(), 2 + 2 + 1);
}

/// A batch whose drained tasks have nowhere to go (every instance of the group in it, or the rest
/// too full) waits: ECS moves a service task only once its replacement is placed, and managed
/// draining holds the termination until the instance is empty. Here min 0 drains all five at once.
#[test]
fn a_batch_with_nowhere_to_move_its_tasks_waits() {
    let o = run(&scenario(5, 5, r#", "minHealthyPercentage": 0"#, true, ""));
    assert_eq!(batches(&o), vec![5]);
    assert!(completed(&o).is_none(), "the refresh cannot complete");
    let draining = o
        .world
        .instances
        .iter()
        .filter(|i| i.status == InstanceStatus::Draining)
        .count();
    assert_eq!(draining, 5);
    let web = &o.services[0];
    assert_eq!(web.running_count, 5, "no task was stopped");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 48 } else { 256 }, ..ProptestConfig::default() })]

    /// Over random group sizes, preferences and services: the batches follow the rule, no task is
    /// stopped by a termination (managed draining on), and, when the instances a batch leaves
    /// ACTIVE can hold every task (8 of these per m5.large by CPU), the refresh completes with every
    /// instance on the new image. Launch first always can.
    #[test]
    fn refreshes_complete_by_the_rule(
        n in 1u32..9,
        min in 0u32..=100,
        above in 0u32..=100,
        tasks_per in 0u32..4,
        warmup in 0u64..400,
    ) {
        let max = (100 + above).min(min + 100).max(100);
        let tasks = n * tasks_per;
        let o = run(&scenario(
            n,
            tasks,
            &format!(r#", "minHealthyPercentage": {min}, "maxHealthyPercentage": {max}, "instanceWarmup": {warmup}"#),
            true,
            "",
        ));
        let b = if max > 100 {
            ((n * (max - 100)) / 100).max(1)
        } else {
            ((n * (100 - min)) / 100).max(1)
        };
        let room = if max > 100 { n } else { n.saturating_sub(b) };
        let terminated = o.events().any(|e| matches!(e.detail, EventDetail::TaskStateChange {
            stop_code: Some(StopCode::TerminationNotice), .. }));
        prop_assert!(!terminated);
        if tasks <= 8 * room {
            prop_assert!(completed(&o).is_some(), "the refresh completes");
            prop_assert_eq!(images_at_end(&o), vec![NEW.to_string(); n as usize]);
            let want: Vec<u32> = (0..n.div_ceil(b)).map(|k| b.min(n - k * b)).collect();
            prop_assert_eq!(batches(&o), want);
        } else {
            prop_assert_eq!(batches(&o).first().copied(), Some(b.min(n)));
        }
    }
}

/// Managed scaling beside a launch-first batch: the batch's replacements are not room a scale-in
/// may take (the batch takes as many old instances itself), so a group at its minSize stays there.
/// The bundled ami-rollout with managed scaling on, 3 tasks, and the refresh at 100/150.
#[test]
fn a_scale_in_does_not_take_a_launch_first_batchs_room() {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/scenarios/ami-rollout.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["actions"][0]["input"]["autoScalingGroupProvider"]["managedScaling"] = serde_json::json!(
        { "status": "ENABLED", "targetCapacity": 100, "instanceWarmupPeriod": 300 });
    doc["actions"][3]["input"]["desiredCount"] = serde_json::json!(3);
    doc["actions"][5]["input"]["minHealthyPercentage"] = serde_json::json!(100);
    doc["actions"][5]["input"]["maxHealthyPercentage"] = serde_json::json!(150);
    doc["assertions"][0]["atLeast"] = serde_json::json!(3);
    let o = run(&doc.to_string());
    assert_eq!(batches(&o), vec![3, 3]);
    assert!(completed(&o).is_some());
    // minSize 6: the group ends with its six instances, all on the new image.
    assert_eq!(images_at_end(&o), vec![NEW.to_string(); 6]);
}
