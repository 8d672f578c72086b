//! `ecsim plan` (SPEC §12.3): answers worked out by hand, every answer re-run and judged again by
//! a check written apart from the planner's, the count below each answer failing, byte-identical
//! output for any `--jobs`, and bad plan files refused with exit code 2 and nothing written.

mod support;
use ecsim_cli::plan::{plan_json, Planner, Progress, Row, Survive};
use ecsim_engine::EventDetail;
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{ecsim, root, text};

/// A service of `tasks` tasks of 1 vCPU (1024 units) and 256 MiB on a LaunchContainerInstances
/// fleet (actions[1]) of m5.xlarge (4 vCPU, so four tasks each) over `zones`, placed with
/// `strategy`; 20 minutes.
fn workload(tasks: u32, zones: &[&str], strategy: &str) -> String {
    let zones: Vec<String> = zones.iter().map(|z| format!("\"{z}\"")).collect();
    format!(
        r#"{{ "schemaVersion": 1, "name": "cpu-bound", "seed": 3, "horizon": "20m",
  "actions": [
    {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }} }},
    {{ "at": 0, "action": "LaunchContainerInstances",
      "input": {{ "cluster": "prod", "instanceType": "m5.xlarge", "count": 1, "availabilityZones": [{}] }} }},
    {{ "at": 0, "action": "RegisterTaskDefinition",
      "input": {{ "family": "one-vcpu", "containerDefinitions": [ {{ "name": "app", "image": "app", "cpu": 1024, "memory": 256 }} ] }} }},
    {{ "at": "2m", "action": "CreateService",
      "input": {{ "cluster": "prod", "serviceName": "web", "taskDefinition": "one-vcpu", "desiredCount": {tasks},
                 "placementStrategy": {strategy} }} }}
  ],
  "assertions": [ {{ "type": "maxActionErrors", "atMost": 0 }} ] }}"#,
        zones.join(", ")
    )
}

const SPREAD_BINPACK: &str = r#"[ { "type": "spread", "field": "attribute:ecs.availability-zone" }, { "type": "binpack", "field": "cpu" } ]"#;

fn plan_file(instance_types: &[&str], survive: &str, seeds: &str) -> String {
    let types: Vec<String> = instance_types.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        r#"{{ "schemaVersion": 1, "name": "fit", "scenario": "workload.json", "fleet": {{ "action": 1 }},
  "instanceTypes": [{}], "survive": {survive},
  "at": "10m", "recoverWithin": "5m", "seeds": {seeds} }}"#,
        types.join(", ")
    )
}

/// Writes the workload and the plan into a new directory; returns it and the plan's path.
fn write_plan(workload: &str, plan: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("workload.json"), workload).expect("write");
    let plan_path = dir.path().join("plan.json");
    std::fs::write(&plan_path, plan).expect("write");
    (dir, plan_path)
}

fn plan_rows(plan_path: &Path, jobs: usize) -> (Planner, Vec<Row>) {
    let planner = Planner::open(plan_path).unwrap_or_else(|e| panic!("{}", e.0));
    let rows = planner
        .run_all(jobs, &Progress::hidden())
        .unwrap_or_else(|e| panic!("{}", e.0));
    (planner, rows)
}

fn row(rows: &[Row], survive: Survive) -> &Row {
    rows.iter().find(|r| r.survive == survive).expect("row")
}

/// 100 identical tasks of 1 vCPU on 4-vCPU instances under binpack(cpu): the bound
/// ceil(100 × 1024 / 4096) = 25 is achievable (memory is not binding: 100 × 256 MiB is under two
/// instances' worth), so the answer is 25 and 24 fails.
#[test]
fn identical_tasks_need_exactly_the_bound() {
    let (_dir, plan) = write_plan(
        &workload(
            100,
            &["us-east-1a"],
            r#"[ { "type": "binpack", "field": "cpu" } ]"#,
        ),
        &plan_file(&["m5.xlarge"], r#"[ { "type": "none" } ]"#, "[1]"),
    );
    let (_, rows) = plan_rows(&plan, 2);
    let r = row(&rows, Survive::None);
    assert_eq!(r.instances, Some(25));
    assert_eq!(r.lower_bound, Some(25));
    // m5.xlarge's catalog price, 25 of them.
    assert!((r.cost_per_hour.expect("cost") - 25.0 * 0.192).abs() < 1e-9);
    // Every instance's CPU is taken: nothing stranded.
    assert_eq!(r.stranded_pct.expect("stranded").0, 0.0);
    let (below, runs) = r.below.as_ref().expect("the count below");
    assert_eq!(*below, 24);
    assert!(runs.iter().all(|run| run.failure.is_some()), "{runs:?}");
    assert!(r.answer_runs.iter().all(|run| run.failure.is_none()));
}

/// Hand-computed zone loss. 24 tasks of 1 vCPU, spread over three zones then binpacked on CPU, on
/// m5.xlarge (four tasks each) launched round-robin over us-east-1a, b, c.
/// - none: 24 / 4 = 6 instances, two per zone, eight tasks per zone; 5 hold only 20 tasks.
/// - availabilityZone: with n instances the zones hold ceil(n/3), …, and failing the fullest zone
///   leaves n − ceil(n/3) instances for all 24 tasks, which must be at least 6: n = 9 (9 − 3 = 6),
///   while 8 leaves 8 − 3 = 5. That is the none case scaled by 3/2, ceil(6 × 3 / 2) = 9, and the
///   lower bound says the same.
/// - instances:1: losing the instance with the most tasks (four) leaves n − 1 instances, at
///   least 6: n = 7 = 6 + 1, the bound.
#[test]
fn zone_loss_needs_the_none_case_scaled_by_three_halves() {
    let (_dir, plan) = write_plan(
        &workload(
            24,
            &["us-east-1a", "us-east-1b", "us-east-1c"],
            SPREAD_BINPACK,
        ),
        &plan_file(
            &["m5.xlarge"],
            r#"[ { "type": "none" }, { "type": "availabilityZone" }, { "type": "instances", "count": 1 } ]"#,
            "[1, 2]",
        ),
    );
    let (_, rows) = plan_rows(&plan, 2);
    let expected = [
        (Survive::None, 6),
        (Survive::AvailabilityZone, 9),
        (Survive::Instances(1), 7),
    ];
    for (survive, n) in expected {
        let r = row(&rows, survive);
        assert_eq!(r.instances, Some(n), "{}", survive.label());
        assert_eq!(r.lower_bound, Some(n), "{}", survive.label());
    }
    // Each zone in use is failed in its own run, for each seed: 3 zones × 2 seeds.
    let az = row(&rows, Survive::AvailabilityZone);
    assert_eq!(az.answer_runs.len(), 6);
    let mut faults: Vec<String> = az
        .answer_runs
        .iter()
        .map(|r| format!("{:?}", r.fault))
        .collect();
    faults.sort();
    faults.dedup();
    assert_eq!(faults.len(), 3, "{faults:?}");
}

/// A run judged again from its outputs alone (events, services.csv rows, assertions), apart from the
/// planner's judge: true when it passes the plan's checks.
fn passes(out: &ecsim_engine::RunOutput, at_ms: u64, recover_ms: u64, fault: bool) -> bool {
    let until = at_ms + recover_ms;
    let failures_ok = out.events().all(|e| match e.detail {
        EventDetail::PlacementFailure { .. } => {
            let t = e.t.ms();
            fault && t >= at_ms && t < until
        }
        _ => true,
    });
    // The sample at at + recoverWithin (a multiple of the 60 s sample interval here).
    let rows: Vec<_> = out
        .service_rows()
        .filter(|r| r.t_s * 1000 == until)
        .collect();
    assert!(!rows.is_empty(), "a sample at at + recoverWithin");
    let recovered = rows.iter().all(|r| r.running >= r.desired);
    let asserted = out.assertions.iter().all(|a| a.passed);
    failures_ok && recovered && asserted
}

/// The scenario of `set` and `fault` (from plan.json), run with `seed`.
fn rerun(workload: &str, set: &Value, fault: &Value, seed: u64) -> ecsim_engine::RunOutput {
    let mut doc: Value = serde_json::from_str(workload).expect("json");
    for (pointer, value) in set.as_object().expect("set") {
        *doc.pointer_mut(pointer)
            .expect("the pointer names a member") = value.clone();
    }
    if !fault.is_null() {
        doc["actions"]
            .as_array_mut()
            .expect("actions")
            .push(fault.clone());
    }
    let mut loaded =
        ecsim_scenario::load(&serde_json::to_string(&doc).expect("json")).expect("valid variant");
    loaded.scenario.seed = seed;
    ecsim_engine::run(&loaded.scenario)
}

/// The planner never answers a fleet that fails its own verification: each answer's runs, re-run
/// from plan.json's description of them (the edits and the fault action), have the fingerprints
/// plan.json gives and pass the checks judged from their outputs; and for each answer above 1 some
/// run of the count below fails them.
#[test]
fn answers_pass_and_the_count_below_fails_when_rerun() {
    let workload = workload(
        24,
        &["us-east-1a", "us-east-1b", "us-east-1c"],
        SPREAD_BINPACK,
    );
    let (_dir, plan) = write_plan(
        &workload,
        &plan_file(
            &["m5.xlarge", "c5.2xlarge"],
            r#"[ { "type": "none" }, { "type": "availabilityZone" }, { "type": "instances", "count": 2 } ]"#,
            "[1, 2]",
        ),
    );
    let (planner, rows) = plan_rows(&plan, 2);
    let doc: Value = serde_json::from_str(&plan_json(&planner, &rows)).expect("plan.json");
    let (at, recover) = (
        doc["atMs"].as_u64().expect("atMs"),
        doc["recoverWithinMs"].as_u64().expect("recoverWithinMs"),
    );
    let mut checked = 0;
    for r in doc["rows"].as_array().expect("rows") {
        let v = &r["verification"];
        assert!(!v.is_null(), "every row has an answer here: {r}");
        for run in v["answer"]["runs"].as_array().expect("runs") {
            let out = rerun(
                &workload,
                &v["answer"]["set"],
                &run["fault"],
                run["seed"].as_u64().expect("seed"),
            );
            assert_eq!(
                out.fingerprint,
                run["fingerprint"].as_str().expect("fingerprint")
            );
            assert!(
                passes(&out, at, recover, !run["fault"].is_null()),
                "the answer's run fails: {run}"
            );
            checked += 1;
        }
        let below = &v["below"];
        assert!(!below.is_null(), "no answer is 1 here");
        let mut any_failed = false;
        for run in below["runs"].as_array().expect("runs") {
            let out = rerun(
                &workload,
                &below["set"],
                &run["fault"],
                run["seed"].as_u64().expect("seed"),
            );
            assert_eq!(
                out.fingerprint,
                run["fingerprint"].as_str().expect("fingerprint")
            );
            let ok = passes(&out, at, recover, !run["fault"].is_null());
            assert_eq!(ok, run["passed"].as_bool().expect("passed"), "{run}");
            any_failed |= !ok;
        }
        assert!(any_failed, "the count below the answer fails: {r}");
    }
    assert!(checked >= 6 * 2, "{checked} runs checked");
}

/// An Auto Scaling group replaces what it loses: sized by the planner (minSize = maxSize =
/// desiredCapacity), the group relaunches the terminated instance within recoverWithin, so
/// surviving one instance's loss needs no more than the none case — below the bound + N of
/// SPEC §12.3, which counts lost capacity as gone.
#[test]
fn a_group_replaces_lost_instances_within_recovery() {
    let workload = r#"{ "schemaVersion": 1, "name": "group", "horizon": "20m",
  "actions": [
    { "at": 0, "action": "CreateCapacityProvider",
      "input": { "name": "fleet", "autoScalingGroupProvider": { "autoScalingGroupArn": "asg-fleet" } },
      "simulation": { "autoScalingGroup": { "instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1a", "us-east-1b"],
                                            "minSize": 1, "maxSize": 1 } } },
    { "at": 0, "action": "CreateCluster",
      "input": { "clusterName": "prod", "capacityProviders": ["fleet"],
                 "defaultCapacityProviderStrategy": [ { "capacityProvider": "fleet", "weight": 1 } ] } },
    { "at": 0, "action": "RegisterTaskDefinition",
      "input": { "family": "one-vcpu", "containerDefinitions": [ { "name": "app", "image": "app", "cpu": 1024, "memory": 256 } ] } },
    { "at": "2m", "action": "CreateService",
      "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "one-vcpu", "desiredCount": 24,
                 "placementStrategy": [ { "type": "binpack", "field": "cpu" } ] } }
  ] }"#;
    let plan = r#"{ "schemaVersion": 1, "name": "group", "scenario": "workload.json", "fleet": { "action": 0 },
  "instanceTypes": ["m5.xlarge"], "survive": [ { "type": "none" }, { "type": "instances", "count": 1 } ],
  "at": "10m", "recoverWithin": "5m" }"#;
    let (_dir, plan) = write_plan(workload, plan);
    let (planner, rows) = plan_rows(&plan, 2);
    // The group's first type becomes m5.xlarge: four tasks each, 24 tasks on 6.
    assert_eq!(row(&rows, Survive::None).instances, Some(6));
    let lost = row(&rows, Survive::Instances(1));
    assert_eq!(lost.instances, Some(6));
    assert_eq!(lost.lower_bound, Some(7));
    let edits: Vec<String> = planner.edits(0, 6).into_iter().map(|e| e.0).collect();
    assert_eq!(
        edits,
        [
            "/actions/0/simulation/autoScalingGroup/instanceTypes/0",
            "/actions/0/simulation/autoScalingGroup/minSize",
            "/actions/0/simulation/autoScalingGroup/maxSize",
            "/actions/0/simulation/autoScalingGroup/desiredCapacity"
        ]
    );
}

/// The same plan on one thread and on two gives the same bytes (rows, seeds and zones run in
/// parallel; random placement draws from each run's own streams).
#[test]
fn output_is_byte_identical_for_any_jobs() {
    let (dir, plan) = write_plan(
        &workload(
            24,
            &["us-east-1a", "us-east-1b", "us-east-1c"],
            r#"[ { "type": "spread", "field": "attribute:ecs.availability-zone" }, { "type": "random" } ]"#,
        ),
        &plan_file(
            &["m5.xlarge", "c5.2xlarge"],
            r#"[ { "type": "none" }, { "type": "availabilityZone" }, { "type": "instances", "count": 2 } ]"#,
            "[1, 2, 3]",
        ),
    );
    let plan = plan.to_str().expect("utf-8");
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        let out_dir = dir.path().join(format!("out-{jobs}"));
        let out = ecsim(&[
            "plan",
            plan,
            "--jobs",
            jobs,
            "--out",
            out_dir.to_str().expect("utf-8"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let csv = std::fs::read(out_dir.join("plan.csv")).expect("plan.csv");
        let json = std::fs::read(out_dir.join("plan.json")).expect("plan.json");
        // The table printed is the file.
        assert!(text(&out.stdout).starts_with(&text(&csv)));
        outputs.push((csv, json));
    }
    assert!(outputs[0].0 == outputs[1].0, "plan.csv differs");
    assert!(outputs[0].1 == outputs[1].1, "plan.json differs");
    let csv = text(&outputs[0].0);
    assert!(csv.starts_with("instance_type,survive,instances,cost_per_hour,lower_bound,cpu_stranded_pct,memory_stranded_pct,runs\n"));
    assert_eq!(csv.lines().count(), 1 + 2 * 3);
}

/// A row with no answer up to the cluster limit: exit 1, the row's answer fields empty, and the
/// reason in plan.json.
#[test]
fn no_answer_up_to_the_cluster_limit_is_exit_1() {
    // 20 GiB tasks: more memory than an m5.xlarge registers.
    let too_big = workload(
        2,
        &["us-east-1a"],
        r#"[ { "type": "binpack", "field": "cpu" } ]"#,
    )
    .replace("\"memory\": 256", "\"memory\": 20480");
    let (dir, plan) = write_plan(
        &too_big,
        &plan_file(&["m5.xlarge"], r#"[ { "type": "none" } ]"#, "[1]"),
    );
    let out_dir = dir.path().join("out");
    let out = ecsim(&[
        "plan",
        plan.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(out_dir.join("plan.csv")).expect("plan.csv");
    let line = csv.lines().nth(1).expect("a row");
    // No answer, and no bound: nothing could be placed, so nothing reserved says what is needed.
    assert!(line.starts_with("m5.xlarge,none,,,,,,"), "{line}");
    assert!(
        text(&out.stdout).contains("RESOURCE:MEMORY"),
        "{}",
        text(&out.stdout)
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("plan.json")).expect("json"))
            .expect("plan.json");
    let row = &doc["rows"][0];
    assert!(row["instances"].is_null());
    let searched = row["searched"].as_array().expect("searched");
    assert_eq!(searched.last().expect("tried")["instances"], 5000);
    assert!(searched.iter().all(|s| s["passed"] == false));

    // One zone: losing it loses everything, at any count; the bound is still the none case's 6
    // (24 tasks of 1 vCPU, four per instance), unscaled since z / (z − 1) needs two zones.
    let (dir, plan) = write_plan(
        &workload(24, &["us-east-1a"], SPREAD_BINPACK),
        &plan_file(
            &["m5.xlarge"],
            r#"[ { "type": "availabilityZone" } ]"#,
            "[1]",
        ),
    );
    let out_dir = dir.path().join("out");
    let out = ecsim(&[
        "plan",
        plan.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(out_dir.join("plan.csv")).expect("plan.csv");
    let line = csv.lines().nth(1).expect("a row");
    assert!(
        line.starts_with("m5.xlarge,availabilityZone,,,6,,,"),
        "{line}"
    );
    assert!(
        text(&out.stdout).contains("0 of 24 tasks running"),
        "{}",
        text(&out.stdout)
    );
}

/// Each bad plan: exit 2, the plan (or scenario) file and what is wrong in the message, nothing on
/// stdout, and no output directory.
#[test]
fn bad_plan_files_exit_2_and_write_nothing() {
    let good_workload = workload(4, &["us-east-1a", "us-east-1b"], SPREAD_BINPACK);
    let good_plan = plan_file(
        &["m5.xlarge"],
        r#"[ { "type": "none" }, { "type": "instances", "count": 1 } ]"#,
        "[1]",
    );
    let cases: Vec<(&str, String, String, &[&str])> = vec![
        (
            "syntax",
            good_workload.clone(),
            good_plan.replace("\"fleet\"", ",\"fleet\""),
            &["plan.json:1:", "not valid JSON"],
        ),
        (
            "unknown field",
            good_workload.clone(),
            good_plan.replace("\"seeds\"", "\"seed\""),
            &["plan.json:3:", "seed: unknown field 'seed'"],
        ),
        (
            "fleet names another action",
            good_workload.clone(),
            good_plan.replace("\"action\": 1", "\"action\": 2"),
            &["plan.json:1:", "fleet.action", "RegisterTaskDefinition"],
        ),
        (
            "fleet out of range",
            good_workload.clone(),
            good_plan.replace("\"action\": 1", "\"action\": 9"),
            &["fleet.action", "has 4 actions"],
        ),
        (
            "unknown instance type",
            good_workload.clone(),
            good_plan.replace("m5.xlarge", "m9.huge"),
            &["plan.json:2:", "instanceTypes[0]", "catalog", "m9.huge"],
        ),
        (
            "recovery past the horizon",
            good_workload.clone(),
            good_plan.replace("\"5m\"", "\"15m\""),
            &["plan.json:3:", "recoverWithin", "horizon"],
        ),
        (
            "survive count",
            good_workload.clone(),
            good_plan.replace("\"count\": 1", "\"count\": \"one\""),
            &["survive[1].count", "expected from 1 to 5000"],
        ),
        (
            "missing scenario",
            good_workload.clone(),
            good_plan.replace("workload.json", "nothing.json"),
            &["nothing.json", "cannot read the scenario file"],
        ),
        (
            "invalid scenario",
            good_workload.replace("\"desiredCount\": 4", "\"desiredCount\": -4"),
            good_plan.clone(),
            &["workload.json:", "desiredCount"],
        ),
    ];
    for (name, workload, plan, expected) in cases {
        let (dir, plan_path) = write_plan(&workload, &plan);
        let out_dir = dir.path().join("out");
        let out = ecsim(&[
            "plan",
            plan_path.to_str().expect("utf-8"),
            "--out",
            out_dir.to_str().expect("utf-8"),
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{name}: expected {e:?} in: {stderr}");
        }
        assert!(out.stdout.is_empty(), "{name}: {}", text(&out.stdout));
        assert!(!out_dir.exists(), "{name}: nothing written");
    }
    // Usage: no threads, and an output directory that is not a plan's.
    let (dir, plan_path) = write_plan(&good_workload, &good_plan);
    let plan = plan_path.to_str().expect("utf-8");
    let out = ecsim(&["plan", plan, "--jobs", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = ecsim(&["plan", plan, "--out", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not an ecsim plan directory"));
}

/// The planning example (README "Planning capacity"): its committed table is what the planner
/// finds now (`ECSIM_BLESS=1` rewrites it after a deliberate change), and it answers the question
/// it asks: both types survive a zone's loss, c5.2xlarge for less per hour.
#[test]
fn the_planning_example_matches_its_committed_table() {
    let (_, rows) = plan_rows(&root().join("scenarios/plans/one-zone-down.json"), 2);
    let csv = ecsim_cli::plan::plan_csv(&rows);
    let committed = root().join("results/one-zone-down/plan.csv");
    if std::env::var_os("ECSIM_BLESS").is_some() {
        std::fs::write(&committed, &csv).expect("bless");
    }
    let expected = std::fs::read_to_string(&committed).expect("results/one-zone-down/plan.csv");
    assert!(
        csv == expected,
        "plan.csv differs from {}:\n{csv}",
        committed.display()
    );
    let zone = |t: &str| {
        rows.iter()
            .find(|r| r.instance_type == t && r.survive == Survive::AvailabilityZone)
            .and_then(|r| r.cost_per_hour)
            .expect("an answer")
    };
    assert!(zone("c5.2xlarge") < zone("m6i.xlarge"));
}
