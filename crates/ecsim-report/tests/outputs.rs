//! The run-directory files of a hand-built run, checked line by line against SPEC §9 and the ECS
//! API reference's shapes.

mod fixture;

use ecsim_engine::EventDetail;
use ecsim_report::{
    iso_time, write_events, write_snapshots, write_summary, write_timeseries, SummaryMeta,
    RUN_FILES, TIMESERIES_HEADER,
};
use serde_json::Value;

const CLUSTER: &str = "arn:aws:ecs:us-east-1:123456789012:cluster/prod";
const INSTANCE_1: &str =
    "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/00000000000000000000000000000001";

fn ignored() -> Vec<String> {
    vec!["actions[2].input.containerDefinitions[0].logConfiguration".to_string()]
}

fn events() -> String {
    let mut v = Vec::new();
    write_events(&fixture::run_output(), &mut v).unwrap();
    String::from_utf8(v).unwrap()
}

fn snapshots() -> String {
    let mut v = Vec::new();
    write_snapshots(&fixture::run_output(), &mut v).unwrap();
    String::from_utf8(v).unwrap()
}

fn timeseries() -> String {
    let mut v = Vec::new();
    write_timeseries(&fixture::run_output(), &mut v).unwrap();
    String::from_utf8(v).unwrap()
}

fn summary() -> String {
    let fields = ignored();
    let meta = SummaryMeta {
        scenario_sha256: "ab12",
        ignored_fields: &fields,
    };
    let mut v = Vec::new();
    write_summary(&fixture::run_output(), &meta, &mut v).unwrap();
    String::from_utf8(v).unwrap()
}

fn line(text: &str, n: usize) -> &str {
    text.lines().nth(n).unwrap()
}

#[test]
fn run_files_in_write_order() {
    assert_eq!(
        RUN_FILES,
        [
            "summary.json",
            "events.jsonl",
            "timeseries.csv",
            "services.csv",
            "snapshots.jsonl"
        ]
    );
}

#[test]
fn iso_time_examples() {
    assert_eq!(iso_time(fixture::START_MS, 0), "2026-01-01T00:00:00.000Z");
    assert_eq!(
        iso_time(fixture::START_MS, 120_000),
        "2026-01-01T00:02:00.000Z"
    );
    // 2028 is a leap year: 2026-01-01 + 365 + 365 + 59 days is 2028-02-29.
    let days = 365 + 365 + 59;
    assert_eq!(
        iso_time(fixture::START_MS, days * 86_400_000 + 1),
        "2028-02-29T00:00:00.001Z"
    );
    assert_eq!(iso_time(0, 0), "1970-01-01T00:00:00.000Z");
}

#[test]
fn event_container_instance_state_change() {
    assert_eq!(
        line(&events(), 0),
        format!(
            r#"{{"t":90000,"time":"2026-01-01T00:01:30.000Z","detail-type":"ECS Container Instance State Change","detail":{{"clusterArn":"{CLUSTER}","containerInstanceArn":"{INSTANCE_1}","ec2InstanceId":"i-00000000000000001","status":"ACTIVE","agentConnected":true,"runningTasksCount":0,"pendingTasksCount":0,"reason":"registered"}}}}"#
        )
    );
}

#[test]
fn event_placement_decision() {
    assert_eq!(
        line(&events(), 1),
        format!(
            r#"{{"t":120000,"time":"2026-01-01T00:02:00.000Z","detail-type":"ECS Placement Decision","detail":{{"clusterArn":"{CLUSTER}","taskArn":"arn:aws:ecs:us-east-1:123456789012:task/prod/00000000000000000000000000000001","taskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/web:1","group":"service:web","startedBy":"ecs-svc/1","containerInstanceArn":"{INSTANCE_1}","ec2InstanceId":"i-00000000000000001","availabilityZone":"us-east-1a","finalists":1}}}}"#
        )
    );
}

#[test]
fn event_task_state_change() {
    let text = events();
    assert_eq!(
        line(&text, 2),
        format!(
            r#"{{"t":130000,"time":"2026-01-01T00:02:10.000Z","detail-type":"ECS Task State Change","detail":{{"clusterArn":"{CLUSTER}","taskArn":"arn:aws:ecs:us-east-1:123456789012:task/prod/00000000000000000000000000000001","taskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/web:1","containerInstanceArn":"{INSTANCE_1}","ec2InstanceId":"i-00000000000000001","group":"service:web","startedBy":"ecs-svc/1","launchType":"EC2","lastStatus":"RUNNING","desiredStatus":"RUNNING","cpu":"256","memory":"512"}}}}"#
        )
    );
    // A stopped task: stopCode and stoppedReason appear, and strings are escaped.
    assert_eq!(
        line(&text, 6),
        format!(
            r#"{{"t":305250,"time":"2026-01-01T00:05:05.250Z","detail-type":"ECS Task State Change","detail":{{"clusterArn":"{CLUSTER}","taskArn":"arn:aws:ecs:us-east-1:123456789012:task/prod/00000000000000000000000000000003","taskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/worker:1","containerInstanceArn":"{INSTANCE_1}","ec2InstanceId":"i-00000000000000001","group":"family:worker","startedBy":"me \"quoted\"\n","launchType":"EC2","lastStatus":"STOPPED","desiredStatus":"STOPPED","stopCode":"UserInitiated","stoppedReason":"Task stopped by user","cpu":"512","memory":"1024"}}}}"#
        )
    );
}

#[test]
fn event_placement_failure() {
    let text = events();
    assert_eq!(
        line(&text, 3),
        format!(
            r#"{{"t":150000,"time":"2026-01-01T00:02:30.000Z","detail-type":"ECS Placement Failure","detail":{{"clusterArn":"{CLUSTER}","group":"service:web","taskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/web:1","startedBy":"ecs-svc/1","containerInstanceArn":"{INSTANCE_1}","reason":"RESOURCE:PORTS"}}}}"#
        )
    );
    // No closest instance: containerInstanceArn is null; no startedBy: omitted.
    assert_eq!(
        line(&text, 4),
        format!(
            r#"{{"t":150000,"time":"2026-01-01T00:02:30.000Z","detail-type":"ECS Placement Failure","detail":{{"clusterArn":"{CLUSTER}","group":"family:worker","taskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/worker:1","containerInstanceArn":null,"reason":"RESOURCE:MEMORY"}}}}"#
        )
    );
}

#[test]
fn event_action_error() {
    assert_eq!(
        line(&events(), 5),
        r#"{"t":200000,"time":"2026-01-01T00:03:20.000Z","detail-type":"ECS Action Error","detail":{"eventName":"UpdateContainerInstancesState","actionIndex":7,"error":"InvalidParameterException","message":"Container instance is not ACTIVE: \"i-2\"\tok"}}"#
    );
}

#[test]
fn every_event_line_is_json_in_order() {
    let text = events();
    assert!(text.ends_with('\n'));
    let out = fixture::run_output();
    assert_eq!(text.lines().count(), out.events().count());
    for (l, e) in text.lines().zip(out.events()) {
        let v: Value = serde_json::from_str(l).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        // The service detail-types add the envelope's `resources` (the service ARN).
        match e.detail {
            EventDetail::ServiceAction { .. } | EventDetail::DeploymentStateChange { .. } => {
                assert_eq!(keys, ["t", "time", "detail-type", "resources", "detail"])
            }
            _ => assert_eq!(keys, ["t", "time", "detail-type", "detail"]),
        }
        assert_eq!(v["t"], e.t.ms());
        assert_eq!(v["detail-type"], e.detail.detail_type());
    }
}

#[test]
fn timeseries_header_and_rows() {
    let text = timeseries();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "t_s,cluster,capacity_provider,instances_active,instances_draining,cpu_registered,cpu_reserved,memory_registered_mib,memory_reserved_mib,tasks_provisioning,tasks_pending,tasks_running,capacity_provider_reservation,cost_per_hour"
    );
    assert_eq!(TIMESERIES_HEADER.join(","), line(&text, 0));
    assert_eq!(lines.next().unwrap(), "0,prod,-,0,0,0,0,0,0,0,0,0,,0");
    assert_eq!(
        lines.next().unwrap(),
        "180,prod,cp-gpu,1,0,2048,128,7680,320,0,1,0,66.666667,0.526"
    );
    assert_eq!(lines.next(), None);
    assert!(text.ends_with('\n') && !text.contains('\r'));
}

#[test]
fn summary_shape_and_key_order() {
    let text = summary();
    assert!(text.ends_with("}\n"));
    assert!(text.starts_with(
        "{\n  \"schemaVersion\": 1,\n  \"scenario\": {\n    \"name\": \"fixture\",\n"
    ));
    let v: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "schemaVersion",
            "scenario",
            "seed",
            "fingerprint",
            "simulatedMs",
            "counts",
            "services",
            "capacityProviders",
            "costs",
            "utilization",
            "clusters",
            "assertions",
            "ignoredFields"
        ]
    );
    let counts: Vec<&str> = v["counts"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        counts,
        [
            "eventsProcessed",
            "placements",
            "tasksStarted",
            "tasksStopped",
            "placementFailures",
            "actionErrors"
        ]
    );
    assert_eq!(v["scenario"]["sha256"], "ab12");
    assert_eq!(v["seed"], 7);
    assert_eq!(v["simulatedMs"], 3_600_000);
    assert_eq!(v["services"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["capacityProviders"],
        serde_json::json!([{"cluster": "prod", "name": "cp-gpu", "instancesPeak": 1,
            "instanceHours": 0.95, "tasksPeak": 1, "cost": 0.4997}])
    );
    assert!(text.contains(
        "  \"costs\": {\n    \"instanceHours\": 1.333333,\n    \"ec2\": 0.563333,\n    \"fargateVcpuHours\": 0.0,\n    \"fargateGbHours\": 0.0,\n    \"fargate\": 0.0,\n    \"total\": 0.563333,\n    \"currency\": \"USD\"\n  },\n"
    ));
    assert!(text.contains(
        "    \"tasksStopped\": {\n      \"EssentialContainerExited\": 0,\n      \"UserInitiated\": 1\n    },\n    \"placementFailures\": {\n      \"RESOURCE:MEMORY\": 1,\n      \"RESOURCE:PORTS\": 1\n    },\n    \"actionErrors\": 0\n"
    ));
    assert!(text.contains(
        "  \"utilization\": {\n    \"cpuReservedMean\": 0.333333,\n    \"cpuReservedPeak\": 0.1875,\n    \"memoryReservedMean\": 0.0,\n    \"memoryReservedPeak\": 0.666667\n  },\n"
    ));
    assert!(text.contains(
        "  \"assertions\": [\n    {\n      \"type\": \"maxPlacementFailures\",\n      \"passed\": false,\n      \"detail\": \"2 placement failures (at most 0 allowed)\"\n    }\n  ],\n"
    ));
    assert!(text.ends_with(
        "  \"ignoredFields\": [\n    \"actions[2].input.containerDefinitions[0].logConfiguration\"\n  ]\n}\n"
    ));
}

#[test]
fn snapshot_list_container_instances() {
    assert_eq!(
        line(&snapshots(), 0),
        format!(
            r#"{{"t":240000,"time":"2026-01-01T00:04:00.000Z","action":"ListContainerInstances","label":null,"input":{{"cluster":"prod","filter":"attribute:ecs.availability-zone == us-east-1a","maxResults":1}},"response":{{"containerInstanceArns":["{INSTANCE_1}"],"nextToken":"1"}}}}"#
        )
    );
}

#[test]
fn snapshot_list_attributes() {
    assert_eq!(
        line(&snapshots(), 3),
        format!(
            r#"{{"t":240000,"time":"2026-01-01T00:04:00.000Z","action":"ListAttributes","label":null,"input":{{"cluster":"prod","targetType":"container-instance"}},"response":{{"attributes":[{{"name":"ecs.capability.task-eni","targetType":"container-instance","targetId":"{INSTANCE_1}"}},{{"name":"ecs.instance-type","value":"m5.large","targetType":"container-instance","targetId":"{INSTANCE_1}"}}]}}}}"#
        )
    );
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn snapshot_describe_container_instances() {
    let text = snapshots();
    let v: Value = serde_json::from_str(line(&text, 1)).unwrap();
    assert_eq!(keys(&v["response"]), ["containerInstances", "failures"]);
    let ci = &v["response"]["containerInstances"][0];
    assert_eq!(
        keys(ci),
        [
            "containerInstanceArn",
            "ec2InstanceId",
            "capacityProviderName",
            "version",
            "versionInfo",
            "remainingResources",
            "registeredResources",
            "status",
            "agentConnected",
            "runningTasksCount",
            "pendingTasksCount",
            "attributes",
            "registeredAt"
        ]
    );
    assert_eq!(ci["capacityProviderName"], "cp-gpu");
    assert_eq!(
        ci["versionInfo"],
        serde_json::json!({"agentVersion": "1.17.3"})
    );
    assert_eq!(ci["registeredAt"].as_f64(), Some(1_767_225_690.0));
    assert_eq!(ci["runningTasksCount"], 1);
    assert_eq!(ci["pendingTasksCount"], 1);
    // The resources as the API's sample response shows them, plus GPU for a GPU instance.
    let line = line(&text, 1);
    assert!(line.contains(
        r#""registeredResources":[{"doubleValue":0.0,"integerValue":2048,"longValue":0,"name":"CPU","type":"INTEGER"},{"doubleValue":0.0,"integerValue":7680,"longValue":0,"name":"MEMORY","type":"INTEGER"},{"doubleValue":0.0,"integerValue":0,"longValue":0,"name":"PORTS","stringSetValue":["22","2375","2376","51678","51679","51680"],"type":"STRINGSET"},{"doubleValue":0.0,"integerValue":0,"longValue":0,"name":"PORTS_UDP","stringSetValue":[],"type":"STRINGSET"},{"doubleValue":0.0,"integerValue":1,"longValue":0,"name":"GPU","type":"INTEGER"}]"#
    ));
    assert!(line.contains(
        r#""remainingResources":[{"doubleValue":0.0,"integerValue":1920,"longValue":0,"name":"CPU","type":"INTEGER"},{"doubleValue":0.0,"integerValue":7360,"longValue":0,"name":"MEMORY","type":"INTEGER"},"#
    ));
    assert!(line.contains(
        r#""attributes":[{"name":"ecs.availability-zone","value":"us-east-1b"},{"name":"ecs.capability.task-eni"},{"name":"ecs.instance-type","value":"m5.large"}]"#
    ));
    assert!(line.ends_with(r#""failures":[{"arn":"nope","reason":"MISSING"}]}}"#));
}

#[test]
fn snapshot_describe_tasks() {
    let text = snapshots();
    let v: Value = serde_json::from_str(line(&text, 2)).unwrap();
    assert_eq!(keys(&v["response"]), ["tasks", "failures"]);
    let web = &v["response"]["tasks"][0];
    assert_eq!(
        keys(web),
        [
            "taskArn",
            "clusterArn",
            "taskDefinitionArn",
            "containerInstanceArn",
            "availabilityZone",
            "launchType",
            "lastStatus",
            "desiredStatus",
            "cpu",
            "memory",
            "containers",
            "group",
            "startedBy",
            "version",
            "createdAt",
            "startedAt",
            "healthStatus",
            "overrides"
        ]
    );
    // One static and one dynamic host port (the lowest free in 49153-65535).
    assert_eq!(
        web["containers"],
        serde_json::json!([{"name": "app", "lastStatus": "RUNNING", "networkBindings": [
            {"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 8080, "protocol": "tcp"},
            {"bindIP": "0.0.0.0", "containerPort": 9000, "hostPort": 49153, "protocol": "tcp"}]}])
    );
    assert_eq!(web["createdAt"].as_f64(), Some(1_767_225_720.0));
    assert_eq!(
        web["overrides"],
        serde_json::json!({"containerOverrides": [{"name": "app"}]})
    );
    let worker = &v["response"]["tasks"][1];
    assert_eq!(worker["createdAt"].as_f64(), Some(1_767_225_725.5));
    assert_eq!(
        worker["overrides"],
        serde_json::json!({"containerOverrides": [{"name": "main", "cpu": 512, "memoryReservation": 300}, {"name": "sidecar"}], "memory": "1024"})
    );
    assert_eq!(
        v["response"]["failures"],
        serde_json::json!([{"arn": "x", "reason": "MISSING", "detail": "no such task"}])
    );
}

#[test]
fn snapshot_state() {
    let text = snapshots();
    let v: Value = serde_json::from_str(line(&text, 5)).unwrap();
    assert_eq!(v["label"], "end");
    assert_eq!(v["time"], "2026-01-01T01:00:00.000Z");
    let r = &v["response"];
    assert_eq!(
        keys(r),
        [
            "clusters",
            "containerInstances",
            "services",
            "tasks",
            "capacityProviders"
        ]
    );
    assert_eq!(
        r["clusters"],
        serde_json::json!([{"clusterArn": CLUSTER, "clusterName": "prod", "status": "ACTIVE",
            "registeredContainerInstancesCount": 2, "runningTasksCount": 1, "pendingTasksCount": 1,
            "activeServicesCount": 2}])
    );
    // Instance 1 holds the web task's static 8080 besides the agent's ports; its dynamic 49153 is not a
    // reserved port (API: PortMapping, automatically assigned ports) and is not listed.
    assert_eq!(
        r["containerInstances"][0]["remainingResources"][2]["stringSetValue"],
        serde_json::json!(["22", "2375", "2376", "8080", "51678", "51679", "51680"])
    );
    assert!(r["containerInstances"][0]
        .get("capacityProviderName")
        .is_none());
    let stopped = &r["tasks"][2];
    assert_eq!(stopped["lastStatus"], "STOPPED");
    assert_eq!(stopped["stopCode"], "UserInitiated");
    assert_eq!(stopped["stoppedReason"], "Task stopped by user");
    assert_eq!(stopped["stoppingAt"].as_f64(), Some(1_767_225_900.0));
    assert_eq!(stopped["stoppedAt"].as_f64(), Some(1_767_225_905.25));
    assert_eq!(stopped["containers"][0]["lastStatus"], "STOPPED");
    let pending = &r["tasks"][1];
    assert_eq!(pending["lastStatus"], "PENDING");
    assert_eq!(pending["containers"][1]["lastStatus"], "PENDING");
    assert!(pending.get("startedAt").is_none() && pending.get("stopCode").is_none());
    assert_eq!(r["services"].as_array().unwrap().len(), 2);
    assert_eq!(r["capacityProviders"], serde_json::json!([]));
}

#[test]
fn every_snapshot_line_is_json() {
    let text = snapshots();
    let out = fixture::run_output();
    assert_eq!(text.lines().count(), out.snapshots().count());
    for (l, s) in text.lines().zip(out.snapshots()) {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(
            keys(&v),
            ["t", "time", "action", "label", "input", "response"]
        );
        assert_eq!(v["action"], s.action.as_str());
        assert!(v["input"].is_object());
    }
}

#[test]
fn bad_snapshot_input_is_an_error_not_a_panic() {
    let mut out = fixture::run_output();
    let first = out
        .records
        .iter_mut()
        .find_map(|r| match r {
            ecsim_engine::Record::Snapshot(s) => Some(s),
            _ => None,
        })
        .unwrap();
    first.input_json = "{not json".to_string();
    let err = write_snapshots(&out, Vec::new()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}

#[test]
fn outputs_are_byte_identical_across_calls() {
    assert_eq!(events(), events());
    assert_eq!(snapshots(), snapshots());
    assert_eq!(timeseries(), timeseries());
    assert_eq!(summary(), summary());
    // And across two writes of the same RunOutput.
    let out = fixture::run_output();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    write_events(&out, &mut a).unwrap();
    write_events(&out, &mut b).unwrap();
    assert_eq!(a, b);
}

#[test]
fn empty_run() {
    let mut out = fixture::run_output();
    out.records
        .retain(|r| matches!(r, ecsim_engine::Record::Declare(_)));
    let mut v = Vec::new();
    write_events(&out, &mut v).unwrap();
    write_snapshots(&out, &mut v).unwrap();
    assert!(v.is_empty());
    write_timeseries(&out, &mut v).unwrap();
    assert_eq!(
        String::from_utf8(v).unwrap(),
        TIMESERIES_HEADER.join(",") + "\n"
    );
}
