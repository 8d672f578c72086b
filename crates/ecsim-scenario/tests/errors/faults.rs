//! The `faults` block (SPEC §12.1) and StopTask's simulation block: what lowers, and each error's
//! path, position and message.

use super::capacity::with_providers;
use super::{at, errors, find, load, pos};
use ecsim_engine::FaultKind;
use ecsim_kernel::{Distribution, SimTime};

/// The providers' scenario (cluster `prod`, a service `web` created at index 5, spot group
/// `spot`) with `faults` appended as its `faults` block.
fn with_faults(faults: &str) -> String {
    let base = with_providers(
        r#"{ "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 2 } }"#,
    );
    let end = base.rfind('}').expect("an object");
    format!(
        "{},\n  \"faults\": [ {faults} ]\n}}",
        &base[..end].trim_end()
    )
}

#[test]
fn every_type_lowers_with_its_rate_window_and_targets() {
    let src = with_faults(
        r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": 0.5, "filter": "attribute:ecs.availability-zone != us-east-1c" },
      { "type": "availabilityZoneOutage", "ratePerDay": 1, "duration": { "dist": "uniform", "min": "10m", "max": "1h" }, "from": "1h", "until": "20h" },
      { "type": "agentDisconnect", "cluster": "prod", "ratePerHour": 2, "duration": "3m" },
      { "type": "spotInterruption", "capacityProvider": "spot", "ratePerHour": 1 },
      { "type": "spotInterruption", "capacityProvider": "FARGATE_SPOT", "cluster": "prod", "ratePerHour": 1 },
      { "type": "taskCrash", "cluster": "prod", "service": "web", "ratePerHour": 4 }"#,
    );
    let loaded = load(&src).unwrap_or_else(|e| panic!("{e:#?}"));
    let faults = loaded.scenario.faults.expect("a faults block");
    assert_eq!(faults.len(), 6);
    assert!(
        matches!(&faults[0].kind, FaultKind::InstanceLoss { cluster, filter: Some(_) } if cluster == "prod")
    );
    assert_eq!(faults[0].rate_per_hour, 0.5);
    assert_eq!(faults[0].from, SimTime(0));
    assert_eq!(faults[0].until, None);
    match &faults[1].kind {
        FaultKind::AvailabilityZoneOutage { duration } => assert_eq!(
            *duration,
            Distribution::Uniform {
                min_ms: 600_000,
                max_ms: 3_600_000
            }
        ),
        k => panic!("{k:?}"),
    }
    assert!((faults[1].rate_per_hour - 1.0 / 24.0).abs() < 1e-12);
    assert_eq!(faults[1].from, SimTime(3_600_000));
    assert_eq!(faults[1].until, Some(SimTime(72_000_000)));
    assert!(matches!(
        &faults[2].kind,
        FaultKind::AgentDisconnect {
            duration: Distribution::Fixed { ms: 180_000 },
            filter: None,
            ..
        }
    ));
    assert!(
        matches!(&faults[3].kind, FaultKind::SpotInterruption { capacity_provider, cluster: None } if capacity_provider == "spot")
    );
    assert!(
        matches!(&faults[4].kind, FaultKind::SpotInterruption { cluster: Some(c), .. } if c == "prod")
    );
    assert!(matches!(&faults[5].kind, FaultKind::TaskCrash { service, .. } if service == "web"));
    // No block: None, so summary.json has no `faults` key.
    let plain = load(&with_providers(
        "{ \"at\": 1, \"action\": \"Snapshot\", \"input\": {} }",
    ))
    .expect("loads");
    assert!(plain.scenario.faults.is_none());
}

#[test]
fn an_unknown_field_is_named_with_a_hint() {
    let src = with_faults(
        r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": 1, "filtr": "x" }"#,
    );
    let e = find(&src, "faults[0].filtr", "did you mean 'filter'");
    assert_eq!(at(&e), pos(&src, "\"filtr\""));
}

#[test]
fn the_type_is_required_and_known() {
    let src = with_faults(r#"{ "cluster": "prod", "ratePerHour": 1 }"#);
    find(&src, "faults[0].type", "missing required field 'type'");
    let src = with_faults(
        r#"{ "type": "taskcrash", "cluster": "prod", "service": "web", "ratePerHour": 1 }"#,
    );
    let e = find(&src, "faults[0].type", "did you mean 'taskCrash'");
    assert_eq!(at(&e), pos(&src, "\"taskcrash\""));
    let src = with_faults(r#"7"#);
    find(&src, "faults[0]", "expected a fault object");
    let src = with_providers("{ \"at\": 1, \"action\": \"Snapshot\", \"input\": {} }");
    let end = src.rfind('}').unwrap();
    let src = format!("{},\n  \"faults\": {{}}\n}}", src[..end].trim_end());
    let all = errors(&src);
    assert!(all.iter().any(|e| e.path == "faults"), "{all:#?}");
}

#[test]
fn a_rate_is_one_of_two_and_at_least_zero() {
    let src = with_faults(r#"{ "type": "instanceLoss", "cluster": "prod" }"#);
    find(&src, "faults[0]", "missing ratePerHour or ratePerDay");
    let src = with_faults(r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": -1 }"#);
    let e = find(&src, "faults[0].ratePerHour", "a rate of at least 0");
    assert_eq!(e.value.as_deref(), Some("-1"));
    let src =
        with_faults(r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": "often" }"#);
    errors(&src)
        .iter()
        .find(|e| e.path == "faults[0].ratePerHour")
        .expect("a type error");
    // RULE: at most a million faults expected from one entry.
    let src =
        with_faults(r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": 100000000 }"#);
    find(&src, "faults[0].ratePerHour", "more than a run may draw");
}

#[test]
fn the_window_lies_within_the_horizon() {
    let src = with_faults(
        r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": 1, "from": "2d" }"#,
    );
    find(&src, "faults[0].from", "after the horizon");
    let src = with_faults(
        r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": 1, "until": "2d" }"#,
    );
    find(&src, "faults[0].until", "after the horizon");
    let src = with_faults(
        r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": 1, "from": "1h", "until": "1h" }"#,
    );
    find(&src, "faults[0].until", "until must be after from");
}

#[test]
fn durations_are_required_positive_and_may_be_distributions() {
    let src = with_faults(r#"{ "type": "agentDisconnect", "cluster": "prod", "ratePerHour": 1 }"#);
    find(
        &src,
        "faults[0].duration",
        "missing required field 'duration'",
    );
    let src = with_faults(
        r#"{ "type": "agentDisconnect", "cluster": "prod", "ratePerHour": 1, "duration": 0 }"#,
    );
    find(&src, "faults[0].duration", "greater than 0");
    let src = with_faults(
        r#"{ "type": "availabilityZoneOutage", "ratePerHour": 1, "duration": { "dist": "normal" } }"#,
    );
    find(&src, "faults[0].duration.dist", "unknown distribution");
    // A duration field on a type without one is an unknown field.
    let src = with_faults(
        r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": 1, "duration": "1m" }"#,
    );
    find(&src, "faults[0].duration", "unknown field");
}

#[test]
fn names_are_those_the_scenario_creates() {
    let src = with_faults(
        r#"{ "type": "agentDisconnect", "cluster": "prdo", "ratePerHour": 1, "duration": "1m" }"#,
    );
    let e = find(&src, "faults[0].cluster", "did you mean 'prod'");
    assert!(e.message.contains("no action creates cluster 'prdo'"));
    let src = with_faults(
        r#"{ "type": "taskCrash", "cluster": "prod", "service": "api", "ratePerHour": 1 }"#,
    );
    find(
        &src,
        "faults[0].service",
        "no action creates service 'api' in cluster 'prod'",
    );
    let src = with_faults(r#"{ "type": "taskCrash", "cluster": "prod", "ratePerHour": 1 }"#);
    find(
        &src,
        "faults[0].service",
        "missing required field 'service'",
    );
    let src = with_faults(
        r#"{ "type": "instanceLoss", "cluster": "prod", "ratePerHour": 1, "filter": "attribute:x ==" }"#,
    );
    find(
        &src,
        "faults[0].filter",
        "invalid cluster query language expression",
    );
}

#[test]
fn spot_interruptions_name_spot_capacity() {
    let src = with_faults(
        r#"{ "type": "spotInterruption", "capacityProvider": "cp", "ratePerHour": 1 }"#,
    );
    find(&src, "faults[0].capacityProvider", "has an on-demand group");
    let src = with_faults(
        r#"{ "type": "spotInterruption", "capacityProvider": "FARGATE", "ratePerHour": 1 }"#,
    );
    find(&src, "faults[0].capacityProvider", "never interrupted");
    let src = with_faults(
        r#"{ "type": "spotInterruption", "capacityProvider": "spto", "ratePerHour": 1 }"#,
    );
    find(&src, "faults[0].capacityProvider", "did you mean 'spot'");
    let src = with_faults(
        r#"{ "type": "spotInterruption", "capacityProvider": "spot", "cluster": "prod", "ratePerHour": 1 }"#,
    );
    find(&src, "faults[0].cluster", "applies to FARGATE_SPOT only");
}

#[test]
fn stop_task_takes_only_the_crash_stop_code() {
    let stop = |sim: &str| {
        with_providers(&format!(
            r#"{{ "at": 1, "action": "StopTask", "input": {{ "cluster": "prod", "task": "t" }}, "simulation": {sim} }}"#
        ))
    };
    let ok = load(&stop(r#"{ "stopCode": "EssentialContainerExited" }"#)).expect("loads");
    assert!(matches!(
        ok.scenario.actions[5].action,
        ecsim_engine::Action::StopTask { crash: true, .. }
    ));
    find(
        &stop(r#"{ "stopCode": "UserInitiated" }"#),
        "actions[5].simulation.stopCode",
        "expected \"EssentialContainerExited\"",
    );
    find(
        &stop("{}"),
        "actions[5].simulation.stopCode",
        "missing required field",
    );
    find(
        &stop(r#"{ "reason": "x" }"#),
        "actions[5].simulation.reason",
        "unknown field",
    );
}
