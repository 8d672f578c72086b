//! What services add to the run directory (SPEC §9): the `ECS Service Action` and `ECS Deployment
//! State Change` events (reference §3.3), `services.csv`, `summary.json` `services`, and the API
//! `Service` shape in DescribeServices responses and Snapshots. Checked against the fixture's `web`
//! (ECS controller) and `edge` (EXTERNAL) services.

mod fixture;

use ecsim_engine::RunOutput;
use ecsim_report::{
    write_events, write_run_file, write_services, write_snapshots, write_summary, SummaryMeta,
    RUN_FILES, SERVICES_HEADER,
};
use serde_json::{json, Value};

const CLUSTER: &str = "arn:aws:ecs:us-east-1:123456789012:cluster/prod";
const INSTANCE_1: &str =
    "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/00000000000000000000000000000001";
const WEB: &str = "arn:aws:ecs:us-east-1:123456789012:service/prod/web";
const EDGE: &str = "arn:aws:ecs:us-east-1:123456789012:service/prod/edge";
const WEB_1: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1";
const WEB_2: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2";
const EDGE_1: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/edge:1";
/// Epoch seconds of the fixture's simulated time 0 (2026-01-01T00:00:00Z).
const T0_S: f64 = 1_767_225_600.0;

fn text(write: impl FnOnce(&RunOutput, &mut Vec<u8>)) -> String {
    let mut v = Vec::new();
    write(&fixture::run_output(), &mut v);
    String::from_utf8(v).unwrap()
}

fn events() -> String {
    text(|o, v| write_events(o, v).unwrap())
}

fn services_csv() -> String {
    text(|o, v| write_services(o, v).unwrap())
}

fn summary() -> Value {
    let s = text(|o, v| {
        let meta = SummaryMeta {
            scenario_sha256: "ab12",
            ignored_fields: &[],
        };
        write_summary(o, &meta, v).unwrap()
    });
    serde_json::from_str(&s).unwrap()
}

fn snapshot_line(action: &str) -> Value {
    let s = text(|o, v| write_snapshots(o, v).unwrap());
    s.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["action"] == action)
        .unwrap()
}

/// The event lines of one detail-type, in order.
fn events_of(detail_type: &str) -> Vec<String> {
    events()
        .lines()
        .filter(|l| l.contains(&format!(r#""detail-type":"{detail_type}""#)))
        .map(str::to_string)
        .collect()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

// ---- events.jsonl -------------------------------------------------------------------------------

/// Reference §3.3: SERVICE_TASK_PLACEMENT_FAILURE is an ERROR with `reason` and
/// `containerInstanceArns`; the service's ARN is the envelope's `resources`.
#[test]
fn service_action_placement_failure() {
    assert_eq!(
        events_of("ECS Service Action")[0],
        format!(
            r#"{{"t":310000,"time":"2026-01-01T00:05:10.000Z","detail-type":"ECS Service Action","resources":["{WEB}"],"detail":{{"eventType":"ERROR","eventName":"SERVICE_TASK_PLACEMENT_FAILURE","clusterArn":"{CLUSTER}","createdAt":"2026-01-01T00:05:10.000Z","message":"{}","reason":"RESOURCE:MEMORY","containerInstanceArns":["{INSTANCE_1}"]}}}}"#,
            fixture::PLACEMENT_FAILURE_MESSAGE
        )
    );
}

/// An INFO action without a reason or an instance leaves both out.
#[test]
fn service_action_steady_state() {
    assert_eq!(
        events_of("ECS Service Action")[1],
        format!(
            r#"{{"t":320000,"time":"2026-01-01T00:05:20.000Z","detail-type":"ECS Service Action","resources":["{EDGE}"],"detail":{{"eventType":"INFO","eventName":"SERVICE_STEADY_STATE","clusterArn":"{CLUSTER}","createdAt":"2026-01-01T00:05:20.000Z","message":"(service edge) has reached a steady state."}}}}"#
        )
    );
}

/// Reference §3.3: `deploymentId` is the `ecs-svc/...` id, `updatedAt` the event's time; INFO while in
/// progress, ERROR for SERVICE_DEPLOYMENT_FAILED.
#[test]
fn deployment_state_changes() {
    let lines = events_of("ECS Deployment State Change");
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        format!(
            r#"{{"t":330000,"time":"2026-01-01T00:05:30.000Z","detail-type":"ECS Deployment State Change","resources":["{WEB}"],"detail":{{"eventType":"INFO","eventName":"SERVICE_DEPLOYMENT_IN_PROGRESS","deploymentId":"ecs-svc/0000000000000000002","updatedAt":"2026-01-01T00:05:30.000Z","rolloutState":"IN_PROGRESS","reason":"ECS deployment ecs-svc/0000000000000000002 in progress."}}}}"#
        )
    );
    assert_eq!(
        lines[1],
        format!(
            r#"{{"t":340500,"time":"2026-01-01T00:05:40.500Z","detail-type":"ECS Deployment State Change","resources":["{WEB}"],"detail":{{"eventType":"ERROR","eventName":"SERVICE_DEPLOYMENT_FAILED","deploymentId":"ecs-svc/0000000000000000002","updatedAt":"2026-01-01T00:05:40.500Z","rolloutState":"FAILED","reason":"ECS deployment circuit breaker: task failed to start."}}}}"#
        )
    );
}

/// Only the service detail-types carry `resources`.
#[test]
fn other_events_have_no_resources() {
    for l in events().lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        let service = v["detail-type"] == "ECS Service Action"
            || v["detail-type"] == "ECS Deployment State Change";
        assert_eq!(v.get("resources").is_some(), service, "{l}");
    }
}

/// `RunSummary.deployments[i]` must be DeploymentId(i): a mis-indexed summary is a bug, caught in
/// debug builds.
#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "deployment of another service")]
fn misindexed_deployments_panic_in_debug() {
    let mut out = fixture::run_output();
    out.summary.deployments.swap(0, 2);
    let meta = SummaryMeta {
        scenario_sha256: "",
        ignored_fields: &[],
    };
    write_summary(&out, &meta, Vec::new()).unwrap();
}

// ---- services.csv -------------------------------------------------------------------------------

#[test]
fn services_csv_header_and_rows() {
    let text = services_csv();
    assert_eq!(
        text,
        "t_s,cluster,service,desired,pending,running,healthy,primary_running,deployments,below_min_healthy\n\
         180,prod,web,2,1,1,0,0,2,1\n\
         180,prod,edge,3,0,3,3,2,2,0\n\
         240,prod,web,2,0,2,2,1,2,0\n"
    );
    assert_eq!(SERVICES_HEADER.join(","), text.lines().next().unwrap());
}

#[test]
fn services_csv_without_services_is_the_header() {
    let mut out = fixture::run_output();
    out.records
        .retain(|r| !matches!(r, ecsim_engine::Record::ServiceRow(_)));
    let mut v = Vec::new();
    write_services(&out, &mut v).unwrap();
    assert_eq!(
        String::from_utf8(v).unwrap(),
        SERVICES_HEADER.join(",") + "\n"
    );
}

// ---- summary.json -------------------------------------------------------------------------------

/// SPEC §9: one entry per service in creation order, its deployments in creation order with their
/// last status.
#[test]
fn summary_services_shape() {
    let v = summary();
    let services = v["services"].as_array().unwrap();
    assert_eq!(services.len(), 2);

    let web = &services[0];
    assert_eq!(
        keys(web),
        [
            "cluster",
            "serviceName",
            "desiredCount",
            "runningCount",
            "healthyCount",
            "secondsBelowMinHealthy",
            "deployments",
            "unplacedTaskSeconds",
            "zoneImbalance"
        ]
    );
    assert_eq!(web["cluster"], "prod");
    assert_eq!(web["serviceName"], "web");
    assert_eq!(web["desiredCount"], 2);
    assert_eq!(web["runningCount"], 1);
    assert_eq!(web["healthyCount"], 1);
    assert_eq!(web["secondsBelowMinHealthy"].as_f64(), Some(12.345));
    let deps = web["deployments"].as_array().unwrap();
    assert_eq!(deps.len(), 2);
    assert_eq!(
        keys(&deps[0]),
        [
            "id",
            "status",
            "rolloutState",
            "taskDefinition",
            "createdMs",
            "completedMs",
            "failedTasks"
        ]
    );
    assert_eq!(
        deps[0],
        json!({"id": "ecs-svc/0000000000000000001", "status": "ACTIVE", "rolloutState": "COMPLETED",
               "taskDefinition": WEB_1, "createdMs": 60_000, "completedMs": 100_000, "failedTasks": 0})
    );
    // Never completed: completedMs is null, not absent.
    assert_eq!(
        deps[1],
        json!({"id": "ecs-svc/0000000000000000002", "status": "PRIMARY", "rolloutState": "FAILED",
               "taskDefinition": WEB_2, "createdMs": 160_000, "completedMs": null, "failedTasks": 3})
    );

    // EXTERNAL: the task sets, listed the same way; a deleted one still
    // stopping its tasks is DRAINING.
    let edge = &services[1];
    assert_eq!(edge["serviceName"], "edge");
    assert_eq!(edge["desiredCount"], 3);
    assert_eq!(edge["runningCount"], 3);
    assert_eq!(edge["healthyCount"], 2);
    assert_eq!(
        edge["deployments"],
        json!([
            {"id": "ecs-svc/0000000000000000003", "status": "PRIMARY", "rolloutState": "COMPLETED",
             "taskDefinition": EDGE_1, "createdMs": 260_000, "completedMs": null, "failedTasks": 0},
            {"id": "ecs-svc/0000000000000000004", "status": "DRAINING", "rolloutState": "IN_PROGRESS",
             "taskDefinition": EDGE_1, "createdMs": 360_000, "completedMs": null, "failedTasks": 0}
        ])
    );
}

/// secondsBelowMinHealthy keeps milliseconds: an integer when whole (as SPEC §9's `0`), else the
/// millisecond fraction.
#[test]
fn summary_seconds_below_min_healthy_text() {
    let mut out = fixture::run_output();
    let render = |out: &RunOutput| {
        let meta = SummaryMeta {
            scenario_sha256: "",
            ignored_fields: &[],
        };
        let mut v = Vec::new();
        write_summary(out, &meta, &mut v).unwrap();
        String::from_utf8(v).unwrap()
    };
    let text = render(&out);
    assert!(text.contains("\"secondsBelowMinHealthy\": 12.345,\n"));
    assert!(text.contains("\"secondsBelowMinHealthy\": 60,\n"));
    for (ms, shown) in [(0, "0"), (1, "0.001"), (1_500, "1.5"), (7_200_000, "7200")] {
        out.summary.services[0].record.below_min_healthy_ms = ms;
        assert!(
            render(&out).contains(&format!("\"secondsBelowMinHealthy\": {shown},\n")),
            "{ms} ms"
        );
    }
}

// ---- snapshots.jsonl ----------------------------------------------------------------------------

/// API DescribeServices response: `services` in the API Service shape, then `failures`.
#[test]
fn describe_services_ecs_controller() {
    let v = snapshot_line("DescribeServices");
    assert_eq!(v["time"], "2026-01-01T00:04:00.000Z");
    let r = &v["response"];
    assert_eq!(keys(r), ["services", "failures"]);
    assert_eq!(
        r["failures"],
        json!([{"arn": "arn:aws:ecs:us-east-1:123456789012:service/prod/gone", "reason": "MISSING"}])
    );
    let web = &r["services"][0];
    assert_eq!(
        keys(web),
        [
            "serviceArn",
            "serviceName",
            "clusterArn",
            "status",
            "desiredCount",
            "runningCount",
            "pendingCount",
            "launchType",
            "taskDefinition",
            "deploymentConfiguration",
            "deployments",
            "events",
            "placementConstraints",
            "placementStrategy",
            "schedulingStrategy",
            "deploymentController",
            "healthCheckGracePeriodSeconds",
            "createdAt"
        ]
    );
    assert_eq!(web["serviceArn"], WEB);
    assert_eq!(web["serviceName"], "web");
    assert_eq!(web["clusterArn"], CLUSTER);
    assert_eq!(web["status"], "ACTIVE");
    assert_eq!(web["desiredCount"], 2);
    assert_eq!(web["runningCount"], 1);
    assert_eq!(web["pendingCount"], 1);
    assert_eq!(web["launchType"], "EC2");
    // The PRIMARY deployment's task definition.
    assert_eq!(web["taskDefinition"], WEB_2);
    assert_eq!(
        web["deploymentConfiguration"],
        json!({"deploymentCircuitBreaker": {"enable": true, "rollback": false},
               "maximumPercent": 200, "minimumHealthyPercent": 50})
    );
    // Newest first, as captured, with the API's epoch-second timestamps.
    assert_eq!(
        web["deployments"],
        json!([
            {"id": "ecs-svc/0000000000000000002", "status": "PRIMARY", "taskDefinition": WEB_2,
             "desiredCount": 2, "pendingCount": 1, "runningCount": 0, "failedTasks": 3,
             "createdAt": T0_S + 160.0, "updatedAt": T0_S + 340.5, "launchType": "EC2",
             "rolloutState": "FAILED",
             "rolloutStateReason": "ECS deployment circuit breaker: task failed to start."},
            {"id": "ecs-svc/0000000000000000001", "status": "ACTIVE", "taskDefinition": WEB_1,
             "desiredCount": 0, "pendingCount": 0, "runningCount": 1, "failedTasks": 0,
             "createdAt": T0_S + 60.0, "updatedAt": T0_S + 170.0, "launchType": "EC2",
             "rolloutState": "COMPLETED",
             "rolloutStateReason": "ECS deployment ecs-svc/0000000000000000001 completed."}
        ])
    );
    assert_eq!(
        web["placementConstraints"],
        json!([{"type": "distinctInstance"}])
    );
    assert_eq!(
        web["placementStrategy"],
        json!([{"type": "spread", "field": "attribute:ecs.availability-zone"},
               {"type": "spread", "field": "instanceId"}])
    );
    assert_eq!(web["schedulingStrategy"], "REPLICA");
    assert_eq!(web["deploymentController"], json!({"type": "ECS"}));
    assert_eq!(web["healthCheckGracePeriodSeconds"], 30);
    assert_eq!(web["createdAt"].as_f64(), Some(T0_S + 60.0));
    assert!(web.get("taskSets").is_none());
}

/// DG service-event-messages: the 100 most recent events, newest first.
#[test]
fn describe_services_events_newest_first_at_most_100() {
    let v = snapshot_line("DescribeServices");
    let events = v["response"]["services"][0]["events"].as_array().unwrap();
    assert_eq!(fixture::WEB_EVENTS, 102);
    assert_eq!(events.len(), 100);
    assert_eq!(
        events[0],
        // The id is derived from the service (0) and the event's number in the run (102 = 0x66).
        json!({"id": "00000000-0000-4000-8000-000000000066", "createdAt": T0_S + 162.0,
               "message": "(service web) event 102."})
    );
    assert_eq!(events[99]["id"], "00000000-0000-4000-8000-000000000003");
    assert_eq!(v["response"]["services"][1]["events"], json!([]));
}

/// API TaskSet for an EXTERNAL service: no `taskDefinition` nor `deployments` on the service.
#[test]
fn describe_services_external_task_sets() {
    let v = snapshot_line("DescribeServices");
    let edge = &v["response"]["services"][1];
    assert_eq!(edge["serviceArn"], EDGE);
    assert!(edge.get("taskDefinition").is_none());
    assert!(edge.get("deployments").is_none());
    assert_eq!(edge["deploymentController"], json!({"type": "EXTERNAL"}));
    assert_eq!(
        edge["deploymentConfiguration"],
        json!({"deploymentCircuitBreaker": {"enable": false, "rollback": false},
               "maximumPercent": 200, "minimumHealthyPercent": 100})
    );
    assert_eq!(edge["placementConstraints"], json!([]));
    assert_eq!(edge["placementStrategy"], json!([]));
    let sets = edge["taskSets"].as_array().unwrap();
    assert_eq!(
        keys(&sets[1]),
        [
            "id",
            "taskSetArn",
            "serviceArn",
            "clusterArn",
            "externalId",
            "status",
            "taskDefinition",
            "computedDesiredCount",
            "pendingCount",
            "runningCount",
            "createdAt",
            "updatedAt",
            "launchType",
            "scale",
            "stabilityStatus",
            "stabilityStatusAt"
        ]
    );
    assert_eq!(
        sets[1],
        json!({"id": "ecs-svc/0000000000000000003",
               "taskSetArn": "arn:aws:ecs:us-east-1:123456789012:task-set/prod/edge/ecs-svc/0000000000000000003",
               "serviceArn": EDGE, "clusterArn": CLUSTER, "externalId": "blue", "status": "PRIMARY",
               "taskDefinition": EDGE_1, "computedDesiredCount": 3, "pendingCount": 0,
               "runningCount": 2, "createdAt": T0_S + 260.0, "updatedAt": T0_S + 260.0,
               "launchType": "EC2", "scale": {"value": 100.0, "unit": "PERCENT"},
               "stabilityStatus": "STEADY_STATE", "stabilityStatusAt": T0_S + 200.0})
    );
    // Deleted and still stopping its tasks: DRAINING; no external id: omitted.
    assert_eq!(sets[0]["status"], "DRAINING");
    assert!(sets[0].get("externalId").is_none());
    assert_eq!(sets[0]["scale"], json!({"value": 50.5, "unit": "PERCENT"}));
    assert_eq!(sets[0]["stabilityStatus"], "STABILIZING");
}

/// A Snapshot's `services` are the same API Service objects, and its clusters count the ACTIVE ones.
#[test]
fn snapshot_services() {
    let snap = snapshot_line("Snapshot");
    let described = snapshot_line("DescribeServices");
    assert_eq!(
        snap["response"]["services"],
        described["response"]["services"]
    );
    assert_eq!(snap["response"]["clusters"][0]["activeServicesCount"], 2);
}

// ---- the run directory --------------------------------------------------------------------------

#[test]
fn services_csv_is_a_run_file() {
    assert!(RUN_FILES.contains(&"services.csv"));
}

/// `write_run_file` writes every run file exactly as its own writer does, and refuses other names.
#[test]
fn write_run_file_covers_every_run_file() {
    let out = fixture::run_output();
    let meta = SummaryMeta {
        scenario_sha256: "ab12",
        ignored_fields: &[],
    };
    for name in RUN_FILES {
        let mut by_name = Vec::new();
        write_run_file(name, &out, &meta, &mut by_name).unwrap();
        let mut direct = Vec::new();
        match name {
            "summary.json" => write_summary(&out, &meta, &mut direct),
            "events.jsonl" => write_events(&out, &mut direct),
            "timeseries.csv" => ecsim_report::write_timeseries(&out, &mut direct),
            "services.csv" => write_services(&out, &mut direct),
            "snapshots.jsonl" => write_snapshots(&out, &mut direct),
            other => panic!("no writer checked for {other}"),
        }
        .unwrap();
        assert!(!by_name.is_empty(), "{name}");
        assert_eq!(by_name, direct, "{name}");
    }
    let err = write_run_file("notes.txt", &out, &meta, Vec::new()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn service_outputs_are_byte_identical_across_calls() {
    assert_eq!(services_csv(), services_csv());
    assert_eq!(events(), events());
    assert_eq!(summary(), summary());
}
