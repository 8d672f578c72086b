//! DrainContainerInstances (SPEC §2): UpdateContainerInstancesState DRAINING for every matching
//! ACTIVE instance, by list or by filter.

use ecsim_engine::EventDetail;
use serde_json::Value;

#[test]
fn drains_every_matching_active_instance() {
    let src = r#"{ "schemaVersion": 1, "name": "drain", "actions": [
        { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod" } },
        { "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod",
            "instanceType": "m5.large", "count": 2, "imageId": "ami-aff65ad2" } },
        { "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod",
            "instanceType": "m5.large", "count": 2 } },
        { "at": "3m", "action": "UpdateContainerInstancesState", "input": { "cluster": "prod",
            "containerInstances": ["i-00000000000000002"], "status": "DRAINING" } },
        { "at": "5m", "action": "DrainContainerInstances", "input": { "cluster": "prod",
            "filter": "attribute:ecs.ami-id == ami-aff65ad2" } },
        { "at": "6m", "action": "ListContainerInstances", "input": { "cluster": "prod", "status": "DRAINING" } },
        { "at": "7m", "action": "DrainContainerInstances", "input": { "cluster": "prod",
            "containerInstances": ["i-00000000000000004"] } },
        { "at": "8m", "action": "ListContainerInstances", "input": { "cluster": "prod", "status": "ACTIVE" } }
    ] }"#;
    let loaded = ecsim_scenario::load(src).unwrap_or_else(|e| panic!("{e:?}"));
    let o = ecsim_engine::run(&loaded.scenario);
    let mut v = Vec::new();
    ecsim_report::write_snapshots(&o, &mut v).unwrap();
    let lines: Vec<Value> = String::from_utf8(v)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let arns = |k: usize| -> Vec<String> {
        lines[k]["response"]["containerInstanceArns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().rsplit('/').next().unwrap().to_string())
            .collect()
    };
    // Instances 1 and 2 run the seed AMI; 2 was already DRAINING (no error for it).
    assert_eq!(
        arns(0),
        [
            "00000000000000000000000000000001",
            "00000000000000000000000000000002"
        ]
    );
    assert_eq!(arns(1), ["00000000000000000000000000000003"]);
    let drained: Vec<u64> = o
        .events()
        .filter_map(|e| match &e.detail {
            EventDetail::ContainerInstanceStateChange { reason, .. } if *reason == "draining" => {
                Some(e.t.ms() / 1000)
            }
            _ => None,
        })
        .collect();
    assert_eq!(drained, [180, 300, 420]);
    assert!(!o
        .events()
        .any(|e| matches!(e.detail, EventDetail::ActionError { .. })));
}
