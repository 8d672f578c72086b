//! `ecsim import` end to end (SPEC §13.2): the API reference's example responses and the seeds'
//! outputs as input, a multi-file export, bad input, and a round trip through a run's Snapshot
//! and DescribeInstanceImageMetadata; and `ecsim completions`.

mod support;
use serde_json::{json, Value};
use std::path::Path;
use support::{ecsim, root, text};

fn fixtures(under: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join(under))
        .expect("fixture directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    v
}

/// Imports `files` into a scenario file in `dir`, checks that `ecsim validate` accepts it, and
/// returns the scenario and stderr.
fn import_ok(files: &[String], dir: &Path) -> (Value, String) {
    let out = dir.join("imported.json");
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    let out_s = out.display().to_string();
    args.extend(["--out", &out_s]);
    let o = ecsim(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "import failed: {}",
        text(&o.stderr)
    );
    assert!(o.stdout.is_empty(), "--out writes nothing to stdout");
    let v = ecsim(&["validate", &out_s]);
    assert_eq!(v.status.code(), Some(0), "validate: {}", text(&v.stderr));
    let scenario: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("scenario written")).expect("JSON");
    (scenario, text(&o.stderr))
}

fn actions<'a>(s: &'a Value, name: &str) -> Vec<&'a Value> {
    s["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| a["action"] == name)
        .map(|a| &a["input"])
        .collect()
}

fn identity(input: &Value) -> Value {
    serde_json::from_str(
        input["instanceIdentityDocument"]
            .as_str()
            .expect("document"),
    )
    .expect("document JSON")
}

#[test]
fn every_reference_example_and_seed_imports_alone() {
    let files = fixtures("tests/import");
    assert!(files.len() >= 11, "the reference and seed fixtures");
    let dir = tempfile::tempdir().expect("tempdir");
    for f in &files {
        let (s, _) = import_ok(std::slice::from_ref(f), dir.path());
        assert_eq!(s["schemaVersion"], 1, "{f}");
    }
}

#[test]
fn reference_examples_together_carry_what_they_describe() {
    let files: Vec<String> = [
        "api-describe-clusters.json",
        "api-describe-container-instances.json",
        "api-describe-services.json",
        "api-describe-task-definition.json",
        "api-list-attributes.json",
        "seed-000-ssm-get-parameters-1.json",
        "seed-000-ssm-get-parameters-2.json",
    ]
    .iter()
    .map(|f| root().join("tests/import").join(f).display().to_string())
    .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, stderr) = import_ok(&files, dir.path());
    let reg = actions(&s, "RegisterContainerInstance");
    assert_eq!(reg.len(), 1);
    assert_eq!(reg[0]["cluster"], "default");
    assert_eq!(identity(reg[0])["instanceId"], "i-042f39dc");
    assert_eq!(reg[0]["versionInfo"]["agentVersion"], "1.9.0");
    assert_eq!(reg[0]["totalResources"][1]["integerValue"], 995);
    assert_eq!(
        reg[0]["totalResources"][2]["stringSetValue"],
        json!(["22", "2376", "2375", "51678"])
    );
    // hello_world:10 keeps its number: ten registrations, nine deregistered.
    assert_eq!(actions(&s, "RegisterTaskDefinition").len(), 10);
    assert_eq!(actions(&s, "DeregisterTaskDefinition").len(), 9);
    let amis: Vec<&str> = s["amis"]
        .as_array()
        .expect("amis")
        .iter()
        .map(|a| a["image_id"].as_str().expect("id"))
        .collect();
    assert_eq!(amis, ["ami-aff65ad2", "ami-c014cbbd"]);
    // The service's task definition (hpcc-t2-medium:1) is not among the files: said, not guessed.
    assert!(actions(&s, "CreateService").is_empty());
    assert!(stderr.contains("hpcc-t2-medium:1"), "{stderr}");
    assert!(s["description"]
        .as_str()
        .expect("description")
        .contains("hpcc-t2-medium:1"));
}

#[test]
fn a_multi_file_export_is_reproduced_at_time_zero() {
    let files = fixtures("tests/import/export");
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, stderr) = import_ok(&files, dir.path());
    assert_eq!(s["region"], "eu-west-1");
    assert_eq!(s["accountId"], "111122223333");
    assert!(s["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .all(|a| a["at"] == 0));
    let clusters = actions(&s, "CreateCluster");
    assert_eq!(
        clusters,
        [&json!({"clusterName": "web-prod", "capacityProviders": ["FARGATE", "FARGATE_SPOT"]})]
    );
    let reg = actions(&s, "RegisterContainerInstance");
    assert_eq!(reg.len(), 3);
    for (i, r) in reg.iter().enumerate() {
        let doc = identity(r);
        assert_eq!(doc["instanceId"], format!("i-0a1b2c3d4e5f6000{}", i + 1));
        assert_eq!(doc["instanceType"], "m5.xlarge");
        assert_eq!(
            doc["availabilityZone"],
            ["eu-west-1a", "eu-west-1b", "eu-west-1c"][i]
        );
        assert_eq!(r["totalResources"][0]["integerValue"], 4096);
        assert_eq!(r["totalResources"][1]["integerValue"], 15670);
        let attrs = r["attributes"].as_array().expect("attributes");
        assert!(attrs.contains(&json!({"name": "ecs.ami-id", "value": "ami-0c1f2e3d4b5a69788"})));
        assert!(attrs.contains(&json!({"name": "ecs.capability.task-eni"})));
    }
    // ListAttributes joins its instance by ARN.
    assert!(reg[0]["attributes"]
        .as_array()
        .expect("attributes")
        .contains(&json!({"name": "stack", "value": "prod"})));
    assert!(reg[1]["attributes"]
        .as_array()
        .expect("attributes")
        .contains(&json!({"name": "stack", "value": "canary"})));
    assert_eq!(
        actions(&s, "UpdateContainerInstancesState"),
        [
            &json!({"cluster": "web-prod", "containerInstances": ["i-0a1b2c3d4e5f60003"], "status": "DRAINING"})
        ]
    );
    assert_eq!(
        actions(&s, "DisconnectAgent"),
        [&json!({"cluster": "web-prod", "containerInstances": ["i-0a1b2c3d4e5f60002"]})]
    );
    let services = actions(&s, "CreateService");
    assert_eq!(services.len(), 2);
    let api = services[0];
    assert_eq!(api["taskDefinition"], "api:7");
    assert_eq!(api["desiredCount"], 4);
    assert_eq!(api["launchType"], "EC2");
    assert_eq!(
        api["placementConstraints"],
        json!([{"type": "distinctInstance"}])
    );
    assert_eq!(
        api["placementStrategy"],
        json!([{"type": "spread", "field": "attribute:ecs.availability-zone"}, {"type": "binpack", "field": "memory"}])
    );
    assert_eq!(api["deploymentConfiguration"]["maximumPercent"], 150);
    assert_eq!(api["availabilityZoneRebalancing"], "ENABLED");
    assert!(api["deploymentConfiguration"].get("strategy").is_none());
    assert_eq!(
        api["deploymentConfiguration"]["deploymentCircuitBreaker"],
        json!({"enable": true, "rollback": true})
    );
    let worker = services[1];
    assert_eq!(worker["taskDefinition"], "worker:2");
    assert_eq!(
        worker["capacityProviderStrategy"],
        json!([{"capacityProvider": "FARGATE", "weight": 1, "base": 1}, {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0}])
    );
    assert_eq!(s["amis"][0]["image_id"], "ami-0c1f2e3d4b5a69788");
    // The EC2 metadata: each instance's tags but Auto Scaling's own (aws: keys are reserved), and
    // the AMI's EC2 fields joined to the SSM parameter's entry.
    for r in &reg {
        assert_eq!(r["tags"], json!([{"key": "team", "value": "web"}]));
    }
    assert_eq!(
        s["amis"][0],
        json!({
            "schema_version": 1,
            "image_name": "al2023-ami-ecs-hvm-2023.0.20251120-kernel-6.1-x86_64",
            "image_id": "ami-0c1f2e3d4b5a69788",
            "os": "Amazon Linux 2023",
            "ecs_runtime_version": "Docker version 25.0.8",
            "ecs_agent_version": "1.82.1",
            "owner_id": "591542846629",
            "owner_alias": "amazon",
            "creation_date": "2025-11-20T20:15:00.000Z",
            "deprecation_time": "2027-11-20T20:15:00.000Z",
            "state": "available",
            "is_public": true
        })
    );
    // What cannot be carried is said on stderr and in the description alike.
    let description = s["description"].as_str().expect("description");
    for said in [
        "web-prod-asg",
        "launch time",
        "tags aws:autoscaling:groupName not carried",
        "versionConsistency",
        "restartPolicy",
        "deploymentConfiguration.strategy",
    ] {
        assert!(stderr.contains(said), "stderr names {said}: {stderr}");
        assert!(description.contains(said), "description names {said}");
    }
    // It runs: the services' tasks are placed anew.
    let run_dir = dir.path().join("run");
    let o = ecsim(&[
        "run",
        &dir.path().join("imported.json").display().to_string(),
        "--out",
        &run_dir.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// A describe-container-instances output for `ids` (ACTIVE, in the default cluster of seed 001's
/// account).
fn container_instances(ids: &[&str]) -> Value {
    let instances: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            json!({
                "containerInstanceArn": format!("arn:aws:ecs:us-east-1:123412341234:container-instance/default/{n:032x}"),
                "ec2InstanceId": id,
                "status": "ACTIVE",
                "agentConnected": true,
                "versionInfo": {"agentVersion": "1.86.3", "dockerVersion": "DockerVersion: 25.0.6"},
                "registeredResources": [
                    {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                    {"name": "MEMORY", "type": "INTEGER", "integerValue": 993}
                ],
                "attributes": [{"name": "ecs.os-type", "value": "linux"}]
            })
        })
        .collect();
    json!({"containerInstances": instances, "failures": []})
}

/// Seed 001's example 3 joined to the container instances of its two instances, and an instance
/// whose EC2 metadata says it is stopped: type, zone, tags and the AMI (with its EC2 fields) are
/// carried; launch time and state are said not to be; what the AMI's entry needs beyond the EC2
/// metadata is said to come from the container instance.
#[test]
fn seed_001_metadata_joins_its_container_instances() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = root()
        .join("tests/import/seed-001-describe-instance-image-metadata-3.json")
        .display()
        .to_string();
    let stopped = dir.path().join("stopped.json");
    std::fs::write(
        &stopped,
        json!({"InstanceImageMetadata": [{
            "InstanceId": "i-0aaaaaaaaaaaaaaaa", "InstanceType": "t2.small",
            "AvailabilityZone": "us-east-1b", "State": {"Code": 80, "Name": "stopped"},
            "OwnerId": "123412341234", "Tags": [],
            "ImageMetadata": {"ImageId": "ami-0b752bf1df193a6c4", "ImageAllowed": false}
        }]})
        .to_string(),
    )
    .expect("write");
    let ecs = dir.path().join("instances.json");
    let ids = [
        "i-1234567890EXAMPLE",
        "i-0987654321EXAMPLE",
        "i-0aaaaaaaaaaaaaaaa",
    ];
    std::fs::write(&ecs, container_instances(&ids).to_string()).expect("write");
    let files = [
        ecs.display().to_string(),
        seed,
        stopped.display().to_string(),
    ];
    let (s, stderr) = import_ok(&files, dir.path());
    let reg = actions(&s, "RegisterContainerInstance");
    assert_eq!(reg.len(), 3);
    for (r, id) in reg.iter().zip(ids).take(2) {
        assert_eq!(
            identity(r),
            json!({"instanceId": id, "instanceType": "t2.micro", "availabilityZone": "us-east-1a"})
        );
        assert_eq!(
            r["tags"],
            json!([{"key": "MyTagName", "value": "my-tag-value"}])
        );
        assert!(r["attributes"]
            .as_array()
            .expect("attributes")
            .contains(&json!({"name": "ecs.ami-id", "value": "ami-0b752bf1df193a6c4"})));
    }
    assert!(reg[2].get("tags").is_none(), "no tags, no member");
    assert_eq!(identity(reg[2])["instanceType"], "t2.small");
    // The AMI from the seed's ImageMetadata, the rest from the first container instance on it.
    assert_eq!(
        s["amis"],
        json!([{
            "schema_version": 1,
            "image_id": "ami-0b752bf1df193a6c4",
            "image_name": "al2023-ami-2023.5.20240819.0-kernel-6.1-x86_64",
            "os": "Linux",
            "ecs_agent_version": "1.86.3",
            "ecs_runtime_version": "Docker version 25.0.6",
            "owner_id": "137112412989",
            "owner_alias": "amazon",
            "creation_date": "2023-01-25T17:20:40Z",
            "deprecation_time": "2025-01-25T17:20:40Z",
            "state": "available",
            "is_public": true
        }])
    );
    assert_eq!(s["accountId"], "123412341234");
    let description = s["description"].as_str().expect("description");
    for said in [
        "2 instances' EC2 launch time not carried",
        "1 instances' EC2 state (stopped) not carried",
        "AMI ami-0b752bf1df193a6c4: ImageAllowed false not carried",
        "AMI ami-0b752bf1df193a6c4: not in an imported SSM parameter or ecsim's catalog, so os Linux (i-1234567890EXAMPLE's ecs.os-type)",
    ] {
        assert!(stderr.contains(said), "stderr says {said}: {stderr}");
        assert!(description.contains(said), "the description says {said}");
    }
    assert!(
        !stderr.contains("differ"),
        "ImageId alone differs from nothing: {stderr}"
    );
}

#[test]
fn without_out_the_scenario_goes_to_stdout() {
    let f = root().join("tests/import/api-describe-clusters.json");
    let o = ecsim(&["import", &f.display().to_string(), "--name", "from-api"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let s: Value = serde_json::from_slice(&o.stdout).expect("scenario on stdout");
    assert_eq!(s["name"], "from-api");
    assert_eq!(
        actions(&s, "CreateCluster"),
        [&json!({"clusterName": "default"})]
    );
}

/// Writes `content` as a file and imports it beside a valid file; the error must name the file
/// and `expect`, exit 2, and write nothing.
fn refused(content: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, content).expect("write");
    let out = dir.path().join("out.json");
    let good = root().join("tests/import/api-describe-clusters.json");
    let o = ecsim(&[
        "import",
        &good.display().to_string(),
        &bad.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{content}: {err}");
    assert!(err.contains("bad.json"), "names the file: {err}");
    for e in expect {
        assert!(err.contains(e), "{content}: expected {e:?} in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(left.len(), 1, "nothing written: {left:?}");
}

#[test]
fn malformed_and_unrecognised_files_are_input_errors() {
    refused("{\"clusters\": [", &["not JSON at line 1"]);
    refused("[1, 2]", &["expected a JSON object"]);
    refused(
        "{\"reservations\": []}",
        &["not a recognised AWS CLI output", "reservations"],
    );
    refused("{\"clusters\": {}}", &["clusters: expected an array"]);
    refused(
        "{\"containerInstances\": [{\"ec2InstanceId\": \"i-1\", \"registeredResources\": [{\"name\": \"CPU\", \"type\": \"INTEGER\", \"integerValue\": -4}]}]}",
        &["containerInstances[0].registeredResources[0].integerValue"],
    );
    refused(
        "{\"containerInstances\": [{\"ec2InstanceId\": 7}]}",
        &[
            "containerInstances[0].ec2InstanceId",
            "containerInstances[0]: missing required member \"registeredResources\"",
        ],
    );
    refused(
        "{\"taskDefinition\": {\"family\": \"web\", \"revision\": 0}}",
        &["taskDefinition.revision"],
    );
    refused(
        "{\"taskDefinition\": {\"family\": \"web\", \"revision\": 100001, \"containerDefinitions\": []}}",
        &["taskDefinition.revision", "at most 100000"],
    );
    refused(
        "{\"InstanceImageMetadata\": [{\"InstanceId\": \"i-1\", \"Tags\": [{\"Key\": 1}], \"ImageMetadata\": {\"ImageId\": \"ami-1\", \"IsPublic\": \"yes\"}}]}",
        &[
            "InstanceImageMetadata[0].Tags[0]: expected a tag",
            "InstanceImageMetadata[0].ImageMetadata.IsPublic: expected true or false",
        ],
    );
    refused(
        "{\"Parameters\": [{\"Name\": \"/x\", \"Value\": \"ami-123\"}]}",
        &["Parameters[0].Value"],
    );
    refused(
        "{\"services\": [], \"surprise\": 1}",
        &["surprise: unknown top-level key"],
    );
    // Valid JSON whose values the scenario refuses: the loader's error, still exit 2.
    refused(
        "{\"containerInstances\": [{\"ec2InstanceId\": \"i-1\", \"containerInstanceArn\": \"arn:aws:ecs:us-east-1:1:container-instance/default/x\", \"registeredResources\": [{\"name\": \"CPU\", \"type\": \"INTEGER\", \"integerValue\": 1024}]}]}",
        &["does not load", "MEMORY"],
    );
}

/// The instances, attributes, registered resources and services of a Snapshot, in a form that
/// does not depend on the order ECS lists attributes in.
fn shape(snapshot: &Value) -> Value {
    let instances: Vec<Value> = snapshot["containerInstances"]
        .as_array()
        .expect("instances")
        .iter()
        .map(|i| {
            let mut attributes: Vec<String> = i["attributes"]
                .as_array()
                .expect("attributes")
                .iter()
                .map(|a| a.to_string())
                .collect();
            attributes.sort();
            json!({
                "containerInstanceArn": i["containerInstanceArn"],
                "ec2InstanceId": i["ec2InstanceId"],
                "status": i["status"],
                "agentVersion": i["versionInfo"]["agentVersion"],
                "registeredResources": i["registeredResources"],
                "attributes": attributes,
            })
        })
        .collect();
    let services: Vec<Value> = snapshot["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| {
            json!({
                "serviceArn": s["serviceArn"],
                "desiredCount": s["desiredCount"],
                "taskDefinition": s["taskDefinition"],
                "launchType": s["launchType"],
                "capacityProviderStrategy": s["capacityProviderStrategy"],
                "placementStrategy": s["placementStrategy"],
                "placementConstraints": s["placementConstraints"],
                "deploymentConfiguration": s["deploymentConfiguration"],
                "schedulingStrategy": s["schedulingStrategy"],
            })
        })
        .collect();
    let clusters: Vec<Value> = snapshot["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(
            |c| json!({"clusterArn": c["clusterArn"], "capacityProviders": c["capacityProviders"]}),
        )
        .collect();
    json!({"clusters": clusters, "containerInstances": instances, "services": services})
}

/// Every line of a run's `snapshots.jsonl`.
fn snapshot_lines(run_dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(run_dir.join("snapshots.jsonl"))
        .expect("snapshots.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("line"))
        .collect()
}

/// The responses of the first Snapshot and of the DescribeInstanceImageMetadata that follows it
/// at the same time.
fn snapshot_and_image_metadata(run_dir: &Path) -> (Value, Value) {
    let lines = snapshot_lines(run_dir);
    let at = lines
        .iter()
        .position(|l| l["action"] == "Snapshot")
        .expect("a Snapshot");
    let next = &lines[at + 1];
    assert_eq!(next["action"], "DescribeInstanceImageMetadata");
    assert_eq!(next["t"], lines[at]["t"], "at the Snapshot's time");
    (lines[at]["response"].clone(), next["response"].clone())
}

/// The DescribeInstanceImageMetadata elements an import carries, without what it cannot carry:
/// `LaunchTime` (an imported instance registers at time 0), and the instances without an ACTIVE
/// or DRAINING container instance in `snapshot` (EC2 instances still booting, or terminated within
/// the hour: import registers only container instances). Everything else (InstanceId,
/// InstanceType, AvailabilityZone, ZoneId, State, OwnerId, Tags, ImageMetadata) must survive. By
/// InstanceId: EC2 lists in launch order, the import registers in the Snapshot's order.
fn carried_image_metadata(response: &Value, snapshot: &Value) -> Vec<Value> {
    let carried: Vec<&Value> = snapshot["containerInstances"]
        .as_array()
        .expect("instances")
        .iter()
        .filter(|i| i["status"] == "ACTIVE" || i["status"] == "DRAINING")
        .map(|i| &i["ec2InstanceId"])
        .collect();
    let mut elements: Vec<Value> = response["InstanceImageMetadata"]
        .as_array()
        .expect("InstanceImageMetadata")
        .iter()
        .filter(|e| carried.contains(&&e["InstanceId"]))
        .cloned()
        .map(|mut e| {
            e.as_object_mut().expect("element").remove("LaunchTime");
            e
        })
        .collect();
    elements.sort_by_key(|e| e["InstanceId"].as_str().expect("id").to_string());
    elements
}

/// Runs a bundled scenario with a DescribeInstanceImageMetadata beside its first Snapshot (with
/// `snapshot_before`, a Snapshot added just before the first action of that name), turns their
/// responses into AWS CLI outputs, imports them, runs the import with the same two queries at
/// time 0, and compares the two Snapshots and the two DescribeInstanceImageMetadata responses.
fn round_trip(scenario: &str, snapshot_before: Option<&str>) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = root().join("scenarios").join(scenario);
    let original: Value =
        serde_json::from_slice(&std::fs::read(&src).expect("scenario")).expect("JSON");
    let mut copy = original.clone();
    let list = copy["actions"].as_array_mut().expect("actions");
    if let Some(name) = snapshot_before {
        let i = list
            .iter()
            .position(|a| a["action"] == name)
            .expect("the action to snapshot before");
        let at = list[i]["at"].clone();
        list.insert(
            i,
            json!({"at": at, "action": "Snapshot", "input": {"label": "round trip"}}),
        );
    }
    let i = list
        .iter()
        .position(|a| a["action"] == "Snapshot")
        .expect("a Snapshot");
    let at = list[i]["at"].clone();
    list.insert(
        i + 1,
        json!({"at": at, "action": "DescribeInstanceImageMetadata", "input": {}}),
    );
    let first_src = dir.path().join("first.json");
    std::fs::write(&first_src, copy.to_string()).expect("write");
    let first = dir.path().join("first");
    let o = ecsim(&[
        "run",
        &first_src.display().to_string(),
        "--out",
        &first.display().to_string(),
    ]);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{}",
        text(&o.stderr)
    );
    let (snap, image_metadata) = snapshot_and_image_metadata(&first);
    // The task definitions as describe-task-definition prints them: the request, with its family's
    // revision and ARN.
    let account = original["accountId"].as_str().unwrap_or("123456789012");
    let mut files = Vec::new();
    let mut revisions: std::collections::BTreeMap<String, u64> = Default::default();
    let mut registered = Vec::new();
    for a in original["actions"].as_array().expect("actions") {
        if a["action"] != "RegisterTaskDefinition" {
            continue;
        }
        let mut td = a["input"].clone();
        let family = td["family"].as_str().expect("family").to_string();
        let revision = revisions.entry(family.clone()).or_insert(0);
        *revision += 1;
        registered.push(a["input"].clone());
        td["revision"] = json!(*revision);
        td["status"] = json!("ACTIVE");
        td["taskDefinitionArn"] = json!(format!(
            "arn:aws:ecs:us-east-1:{account}:task-definition/{family}:{revision}"
        ));
        let p = dir.path().join(format!("td-{family}-{revision}.json"));
        std::fs::write(&p, json!({"taskDefinition": td}).to_string()).expect("write");
        files.push(p.display().to_string());
    }
    for (name, key) in [
        ("clusters.json", "clusters"),
        ("instances.json", "containerInstances"),
        ("services.json", "services"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, json!({key: snap[key], "failures": []}).to_string()).expect("write");
        files.push(p.display().to_string());
    }
    let p = dir.path().join("describe-instance-image-metadata.json");
    std::fs::write(
        &p,
        json!({"InstanceImageMetadata": image_metadata["InstanceImageMetadata"]}).to_string(),
    )
    .expect("write");
    files.push(p.display().to_string());
    let (mut imported, stderr) = import_ok(&files, dir.path());
    assert!(
        stderr.contains("launch time not carried"),
        "{scenario}: {stderr}"
    );
    // The task definitions: the same requests, in the same order.
    let again: Vec<Value> = actions(&imported, "RegisterTaskDefinition")
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(again, registered, "{scenario}: task definitions");
    let list = imported["actions"].as_array_mut().expect("actions");
    list.push(json!({"at": 0, "action": "Snapshot", "input": {"label": "imported"}}));
    list.push(json!({"at": 0, "action": "DescribeInstanceImageMetadata", "input": {}}));
    let second_src = dir.path().join("second.json");
    std::fs::write(&second_src, imported.to_string()).expect("write");
    let second = dir.path().join("second");
    let o = ecsim(&[
        "run",
        &second_src.display().to_string(),
        "--out",
        &second.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let (snap2, image_metadata2) = snapshot_and_image_metadata(&second);
    assert_eq!(
        shape(&snap2),
        shape(&snap),
        "{scenario}: the second run's Snapshot"
    );
    let carried = carried_image_metadata(&image_metadata, &snap);
    assert!(!carried.is_empty(), "{scenario}: EC2 instances to compare");
    assert_eq!(
        carried_image_metadata(&image_metadata2, &snap2),
        carried,
        "{scenario}: the second run's DescribeInstanceImageMetadata"
    );
    stderr
}

#[test]
fn round_trip_drained_instance_and_service() {
    round_trip("drain-instance.json", None);
}

#[test]
fn round_trip_attributes_and_amis() {
    round_trip("memberof-attributes-amis.json", None);
}

/// Seed 001's deprecated AMI, its EC2 fields and the instances' tags, and the recommended AMI,
/// before the drain. The deprecated AMI is neither in ecsim's catalog nor in an imported SSM
/// parameter: what the EC2 metadata does not say of it is said to be taken from elsewhere.
#[test]
fn round_trip_deprecated_ami_and_tags() {
    let stderr = round_trip("deprecated-ami-drain.json", Some("DrainContainerInstances"));
    assert!(
        stderr.contains("AMI ami-0b752bf1df193a6c4: not in an imported SSM parameter"),
        "{stderr}"
    );
}

#[test]
fn completions_name_every_subcommand() {
    let help = text(&ecsim(&["--help"]).stdout);
    let commands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .expect("a Commands section")
        .split("Options:")
        .next()
        .expect("commands")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    for c in ["run", "validate", "import", "completions"] {
        assert!(commands.contains(&c), "--help lists {c}: {help}");
    }
    let o = ecsim(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    let script = text(&o.stdout);
    assert!(script.contains("complete -F"), "a bash completion script");
    for c in &commands {
        assert!(
            script.contains(&format!("ecsim__{c}")) || script.contains(&format!("ecsim,{c})")),
            "bash completes {c}"
        );
    }
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let o = ecsim(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let s = text(&o.stdout);
        assert!(s.contains("import") && s.contains("completions"), "{shell}");
    }
    let o = ecsim(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn every_subcommand_help_shows_an_example() {
    let help = text(&ecsim(&["--help"]).stdout);
    let commands: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .expect("a Commands section")
        .split("Options:")
        .next()
        .expect("commands")
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    for c in &commands {
        let o = ecsim(&[c, "--help"]);
        let h = text(&o.stdout);
        assert!(
            h.contains("Example") && h.contains("ecsim "),
            "{c} --help shows an example: {h}"
        );
    }
}

/// `describe-container-instances --include TAGS` prints each instance's tags: they are carried as
/// RegisterContainerInstance `tags` (the EC2 instance's, see docs/semantics.md), but for the keys
/// starting with aws:, which are said not carried.
#[test]
fn container_instance_tags_are_carried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("instances.json");
    std::fs::write(
        &file,
        json!({"containerInstances": [{
            "containerInstanceArn": "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/0123456789abcdef0123456789abcdef",
            "ec2InstanceId": "i-0123456789abcdef0",
            "status": "ACTIVE",
            "agentConnected": true,
            "registeredResources": [
                {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 7680}
            ],
            "tags": [
                {"key": "team", "value": "web"},
                {"key": "aws:autoscaling:groupName", "value": "asg"}
            ]
        }], "failures": []})
        .to_string(),
    )
    .expect("write");
    let (s, stderr) = import_ok(&[file.display().to_string()], dir.path());
    let registered = actions(&s, "RegisterContainerInstance");
    assert_eq!(registered.len(), 1);
    assert_eq!(
        registered[0]["tags"],
        json!([{"key": "team", "value": "web"}])
    );
    assert!(
        stderr.contains("tags with keys starting with aws: not carried"),
        "{stderr}"
    );
}
