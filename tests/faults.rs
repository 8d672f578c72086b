//! Random faults (SPEC §12.1): the same seed gives the same bytes, another seed other faults; a
//! fault block that injects nothing moves no other draw; and replacing the `faults` block with the
//! explicit actions `summary.json` lists reproduces the run event for event.

use serde_json::{json, Value};

/// A cluster of four instances in three zones with an EC2 service, a spot group behind a
/// service of its own, a Fargate Spot service and a random-placement batch, under `faults`.
fn scenario(seed: u64, faults: Value) -> Value {
    json!({
        "schemaVersion": 1, "name": "faults", "seed": seed, "horizon": "3h",
        "actions": [
            { "at": 0, "action": "CreateCapacityProvider",
              "input": { "name": "spot", "autoScalingGroupProvider": { "autoScalingGroupArn": "asg-spot" } },
              "simulation": { "autoScalingGroup": { "instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1a", "us-east-1b"],
                                                    "minSize": 2, "maxSize": 4, "spot": true } } },
            { "at": 0, "action": "CreateCluster",
              "input": { "clusterName": "prod", "capacityProviders": ["spot", "FARGATE_SPOT"] } },
            { "at": 0, "action": "LaunchContainerInstances",
              "input": { "cluster": "prod", "instanceType": "m5.large", "count": 4,
                         "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"] } },
            { "at": 0, "action": "RegisterTaskDefinition",
              "input": { "family": "web", "containerDefinitions": [ { "name": "app", "image": "nginx", "cpu": 256, "memory": 512 } ] } },
            { "at": 0, "action": "RegisterTaskDefinition",
              "input": { "family": "fg", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
                         "containerDefinitions": [ { "name": "app", "image": "nginx" } ] } },
            { "at": 0, "action": "RegisterTaskDefinition",
              "input": { "family": "job", "containerDefinitions": [ { "name": "j", "image": "job", "cpu": 128, "memory": 128 } ] },
              "simulation": { "runDuration": { "dist": "exponential", "mean": "10m" } } },
            { "at": "2m", "action": "CreateService",
              "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 6, "launchType": "EC2" } },
            { "at": "2m", "action": "CreateService",
              "input": { "cluster": "prod", "serviceName": "onspot", "taskDefinition": "web", "desiredCount": 3,
                         "capacityProviderStrategy": [ { "capacityProvider": "spot", "weight": 1 } ] } },
            { "at": "2m", "action": "CreateService",
              "input": { "cluster": "prod", "serviceName": "fg", "taskDefinition": "fg", "desiredCount": 2,
                         "capacityProviderStrategy": [ { "capacityProvider": "FARGATE_SPOT", "weight": 1 } ],
                         "networkConfiguration": { "awsvpcConfiguration": { "subnets": ["subnet-a", "subnet-b"] } } } },
            { "at": "5m", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "job", "count": 10, "launchType": "EC2" } },
            { "at": "1h", "action": "RunTask", "input": { "cluster": "prod", "taskDefinition": "job", "count": 10, "launchType": "EC2" } }
        ],
        "faults": faults
    })
}

fn every_fault() -> Value {
    json!([
        { "type": "instanceLoss", "cluster": "prod", "ratePerHour": 1, "filter": "attribute:ecs.availability-zone != us-east-1c" },
        { "type": "availabilityZoneOutage", "ratePerHour": 0.7, "duration": { "dist": "uniform", "min": "5m", "max": "20m" } },
        { "type": "agentDisconnect", "cluster": "prod", "ratePerHour": 2, "duration": "3m" },
        { "type": "spotInterruption", "capacityProvider": "spot", "ratePerHour": 1 },
        { "type": "spotInterruption", "capacityProvider": "FARGATE_SPOT", "cluster": "prod", "ratePerHour": 1 },
        { "type": "taskCrash", "cluster": "prod", "service": "web", "ratePerHour": 3, "from": "10m", "until": "150m" }
    ])
}

/// The run's events.jsonl lines and its summary.json.
fn run(doc: &Value) -> (Vec<String>, Value) {
    let loaded = ecsim_scenario::load(&doc.to_string()).unwrap_or_else(|e| panic!("{e:#?}"));
    let out = ecsim_engine::run(&loaded.scenario);
    assert!(out.halt.is_none());
    let mut events = Vec::new();
    ecsim_report::write_events(&out, &mut events).expect("events");
    let mut summary = Vec::new();
    let meta = ecsim_report::SummaryMeta {
        scenario_sha256: &loaded.sha256,
        ignored_fields: &loaded.ignored_fields,
    };
    ecsim_report::write_summary(&out.summary, &meta, &mut summary).expect("summary");
    let lines = String::from_utf8(events)
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect();
    (lines, serde_json::from_slice(&summary).expect("json"))
}

fn is_fault_event(line: &str) -> bool {
    line.contains("\"detail-type\":\"ECS Fault Injected\"")
}

#[test]
fn same_seed_same_bytes_and_another_seed_other_faults() {
    let (a, sa) = run(&scenario(3, every_fault()));
    let (b, sb) = run(&scenario(3, every_fault()));
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    let (c, sc) = run(&scenario(4, every_fault()));
    assert_ne!(
        sa["faults"], sc["faults"],
        "another seed draws other faults"
    );
    assert_ne!(
        a.iter().filter(|l| is_fault_event(l)).collect::<Vec<_>>(),
        c.iter().filter(|l| is_fault_event(l)).collect::<Vec<_>>()
    );
    // Every type was injected at least once across these seeds, each with its event.
    let mut types = std::collections::BTreeSet::new();
    for seed in 1..=6 {
        let (lines, _) = run(&scenario(seed, every_fault()));
        for l in lines.iter().filter(|l| is_fault_event(l)) {
            let v: Value = serde_json::from_str(l).expect("json");
            types.insert(v["detail"]["type"].as_str().expect("type").to_string());
            let has_end = v["detail"]["until"].is_string();
            let ends = matches!(
                v["detail"]["type"].as_str(),
                Some("availabilityZoneOutage" | "agentDisconnect")
            );
            assert_eq!(has_end, ends, "{l}");
        }
    }
    assert_eq!(types.len(), 5, "{types:?}");
}

#[test]
fn a_fault_block_that_injects_nothing_moves_no_other_draw() {
    let (plain, s) = run(&scenario(5, json!([])));
    assert_eq!(s["faults"], json!([]));
    // Frequent arrivals that never find a target: no instance matches, no such zone is in use.
    let idle = json!([
        { "type": "instanceLoss", "cluster": "prod", "ratePerHour": 30, "filter": "attribute:ecs.instance-type == x9.none" },
        { "type": "agentDisconnect", "cluster": "prod", "ratePerHour": 30, "filter": "attribute:nothing exists", "duration": "1m" }
    ]);
    let (with_idle, s) = run(&scenario(5, idle));
    assert_eq!(s["faults"], json!([]));
    assert_eq!(plain, with_idle);
    let (without_block, s) = run(&{
        let mut d = scenario(5, json!([]));
        d.as_object_mut().unwrap().remove("faults");
        d
    });
    assert!(s.get("faults").is_none(), "no block, no key");
    assert_eq!(plain, without_block);
}

/// SPEC §12.1: "so a run can be replayed without its faults block".
#[test]
fn the_listed_actions_replay_the_run() {
    let mut checked = 0;
    for seed in 1..=8 {
        let original = scenario(seed, every_fault());
        let (events, summary) = run(&original);
        let faults = summary["faults"].as_array().expect("faults").clone();
        assert!(!faults.is_empty(), "seed {seed} injected something");
        let mut replay = original.clone();
        replay.as_object_mut().unwrap().remove("faults");
        replay["actions"]
            .as_array_mut()
            .unwrap()
            .extend(faults.iter().cloned());
        let (replayed, rs) = run(&replay);
        let expected: Vec<&String> = events.iter().filter(|l| !is_fault_event(l)).collect();
        let got: Vec<&String> = replayed.iter().collect();
        assert_eq!(expected.len(), got.len(), "seed {seed}: event count");
        for (k, (e, g)) in expected.iter().zip(&got).enumerate() {
            assert_eq!(e, g, "seed {seed}: event {k} differs");
        }
        assert_eq!(
            summary["counts"]["tasksStopped"],
            rs["counts"]["tasksStopped"]
        );
        checked += faults.len();
    }
    assert!(checked > 20, "{checked} fault actions replayed");
}
