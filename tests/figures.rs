//! The figures for comparing runs (`summary.json` `clusters[]` and the services' zone balance and
//! unplaced task-seconds; the comparing-runs issue), on a scenario small enough to compute by hand.

use serde_json::json;

/// Two m5.large in two zones (registered at 90 s); at 120 s a service of 3 tasks (256 CPU,
/// 512 MiB) on binpack(memory): all three land on one instance. Horizon 10 minutes, samples every
/// 60 s (0, 60, …, 600: 11 samples).
fn scenario() -> String {
    json!({ "schemaVersion": 1, "name": "figures", "seed": 3, "horizon": "10m", "sampleInterval": "60s",
        "actions": [
            { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod" } },
            { "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod",
                "instanceType": "m5.large", "count": 2, "availabilityZones": ["us-east-1a", "us-east-1b"] } },
            { "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "web",
                "containerDefinitions": [ { "name": "app", "image": "nginx", "cpu": 256, "memory": 512 } ] } },
            { "at": "2m", "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web",
                "taskDefinition": "web", "desiredCount": 3,
                "placementStrategy": [ { "type": "binpack", "field": "memory" } ] } }
        ] })
    .to_string()
}

#[test]
fn cluster_and_service_figures_match_a_hand_computation() {
    let loaded = ecsim_scenario::load(&scenario()).expect("valid");
    let registered_mib = loaded
        .scenario
        .instance_types
        .get("m5.large")
        .expect("catalog")
        .registered_memory_mib as f64;
    let out = ecsim_engine::run(&loaded.scenario);
    let c = &out.clusters[0];
    assert_eq!(c.cluster, "prod");
    // Both instances launched at 0 and never terminated.
    assert_eq!(c.instances_peak, 2);
    // Registered from 90 s: 0 at the samples 0 and 60, 2 at the nine from 120 to 600.
    assert!(
        (c.instances_mean - 18.0 / 11.0).abs() < 1e-9,
        "{}",
        c.instances_mean
    );
    // Billed from launch: 2 × 600 s at $0.096/hour.
    assert!((c.instance_hours - 2.0 * 600.0 / 3600.0).abs() < 1e-9);
    assert!((c.cost - 2.0 * 600.0 / 3600.0 * 0.096).abs() < 1e-9);
    // One instance holds the three tasks from 120 s (reserved at placement), at each of the nine
    // samples from 120 s: (2048 − 768) / 2048 of its CPU and (M − 1536) / M of its memory unused.
    assert!(
        (c.cpu_stranded_pct - 62.5).abs() < 1e-9,
        "{}",
        c.cpu_stranded_pct
    );
    let mem = (registered_mib - 1536.0) * 100.0 / registered_mib;
    assert!((c.memory_stranded_pct - mem).abs() < 1e-9);
    assert_eq!(c.unplaced_tasks, 0);
    // Desired 3, running 0 from 120 s until the tasks are RUNNING at 130 s (PENDING 10 s).
    assert!((c.unplaced_task_seconds - 30.0).abs() < 1e-9);
    let s = &out.services[0];
    assert_eq!(s.record.unplaced_task_ms, 30_000);
    // Zones a and b: 0 and 0 running at the 120 s sample, 3 and 0 at the eight from 180 s.
    assert_eq!(s.record.zone_samples, 9);
    assert_eq!(s.record.zone_imbalance_max, 3);
    assert!((s.record.zone_imbalance_mean() - 24.0 / 9.0).abs() < 1e-9);
    // Healthy at 170 s (40 s after RUNNING); the time before the first steady state is not time
    // below minHealthy.
    assert_eq!(s.record.below_min_healthy_ms, 0);
}

/// A task lost after the first steady state is time below minHealthy, and unplaced
/// task-seconds until its replacement runs.
#[test]
fn a_lost_task_after_steady_state_counts() {
    let mut v: serde_json::Value = serde_json::from_str(&scenario()).unwrap();
    v["actions"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "at": "5m", "action": "StopTask",
        "input": { "cluster": "prod", "task": format!("{:032x}", 1) } }));
    let out = ecsim_engine::run(
        &ecsim_scenario::load(&v.to_string())
            .expect("valid")
            .scenario,
    );
    let s = &out.services[0];
    // Stopped at 300 s: the stopping task no longer counts against maxTasks (desired STOPPED), so
    // the scheduler starts its replacement at once; RUNNING 10 s later, healthy 40 s after that.
    let replacement_running = 300 + 10;
    // 30 task-seconds at the start, then one task missing from 300 s until the replacement runs.
    assert_eq!(
        s.record.unplaced_task_ms,
        30_000 + (replacement_running - 300) * 1000,
        "replacement RUNNING at {replacement_running} s"
    );
    // Below minHealthy (3) from 300 s until the replacement is healthy, 40 s after RUNNING.
    assert_eq!(
        s.record.below_min_healthy_ms,
        (replacement_running + 40 - 300) * 1000
    );
}

/// A PutAttributes of `ecs.availability-zone` moves the instance, and its RUNNING tasks with it:
/// two instances in us-east-1a and us-east-1b, a task on each (spread by zone); at 5 m the second
/// instance is said to be in us-east-1c. The zones are then a and c, one task each: balanced at
/// every sample, before and after.
#[test]
fn a_zone_attribute_change_moves_the_instances_tasks() {
    let src = json!({ "schemaVersion": 1, "name": "rezone", "horizon": "10m", "sampleInterval": "60s",
        "actions": [
            { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod" } },
            { "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod",
                "instanceType": "m5.large", "count": 2, "availabilityZones": ["us-east-1a", "us-east-1b"] } },
            { "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "web",
                "containerDefinitions": [ { "name": "app", "image": "nginx", "cpu": 256, "memory": 512 } ] } },
            { "at": "2m", "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web",
                "taskDefinition": "web", "desiredCount": 2 } },
            { "at": "5m", "action": "PutAttributes", "input": { "cluster": "prod", "attributes": [
                { "name": "ecs.availability-zone", "value": "us-east-1c", "targetType": "container-instance", "targetId": "i-00000000000000002" } ] } }
        ] })
    .to_string();
    let loaded = ecsim_scenario::load(&src).unwrap_or_else(|e| panic!("{e:?}"));
    let out = ecsim_engine::run(&loaded.scenario);
    let s = &out.services[0];
    assert!(s.record.zone_samples > 0);
    assert_eq!(
        s.record.zone_imbalance_max, 0,
        "{:?}",
        s.record.zone_imbalance_sum
    );
}
