//! An action's `label` (SPEC §3): any action may carry one, copied into its `snapshots.jsonl`
//! line and its `ECS Action Error` events; a Snapshot's own input `label` comes first.

use serde_json::Value;

fn lines(
    write: impl Fn(&ecsim_engine::RunOutput, &mut Vec<u8>),
    o: &ecsim_engine::RunOutput,
) -> Vec<Value> {
    let mut v = Vec::new();
    write(o, &mut v);
    String::from_utf8(v)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn labels_reach_snapshots_and_action_errors() {
    let src = r#"{ "schemaVersion": 1, "name": "labels", "actions": [
        { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod" }, "label": "make it" },
        { "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod", "instanceType": "m5.large" } },
        { "at": "2m", "action": "ListContainerInstances", "input": { "cluster": "prod" }, "label": "before" },
        { "at": "2m", "action": "Snapshot", "input": { "label": "own" }, "label": "envelope" },
        { "at": "2m", "action": "Snapshot", "input": {}, "label": "envelope only" },
        { "at": "3m", "action": "UpdateContainerInstancesState",
          "input": { "cluster": "prod", "containerInstances": ["i-00000000000000009"], "status": "DRAINING" },
          "label": "a mistake" },
        { "at": "3m", "action": "StopTask", "input": { "cluster": "prod", "task": "00000000000000000000000000000009" } }
    ] }"#;
    let loaded = ecsim_scenario::load(src).unwrap_or_else(|e| panic!("{e:?}"));
    let o = ecsim_engine::run(&loaded.scenario);
    let snapshots = lines(|o, v| ecsim_report::write_snapshots(o, v).unwrap(), &o);
    let labels: Vec<&Value> = snapshots.iter().map(|l| &l["label"]).collect();
    assert_eq!(
        labels,
        [
            &Value::from("before"),
            &Value::from("own"),
            &Value::from("envelope only")
        ]
    );
    let events = lines(|o, v| ecsim_report::write_events(o, v).unwrap(), &o);
    let errors: Vec<&Value> = events
        .iter()
        .filter(|e| e["detail-type"] == "ECS Action Error")
        .map(|e| &e["detail"])
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["label"], "a mistake");
    assert!(errors[1].get("label").is_none(), "no label, no member");
}

#[test]
fn a_label_is_a_short_string() {
    let ok = format!(
        r#"{{ "schemaVersion": 1, "name": "labels", "actions": [
        {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }}, "label": "{}" }} ] }}"#,
        "x".repeat(256)
    );
    assert!(
        ecsim_scenario::load(&ok).is_ok(),
        "256 characters are allowed"
    );
    for (label, fragment) in [
        ("5", "expected a string"),
        (
            &format!("\"{}\"", "x".repeat(257))[..],
            "at most 256 characters",
        ),
    ] {
        let src = format!(
            r#"{{ "schemaVersion": 1, "name": "labels", "actions": [
            {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }}, "label": {label} }} ] }}"#
        );
        let errors = ecsim_scenario::load(&src).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, "actions[0].label");
        assert!(errors[0].message.contains(fragment), "{errors:?}");
    }
}
