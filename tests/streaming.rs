//! The run files are the same however they are made: streamed from the engine as records happen
//! (stopped tasks released an hour after they stop), or collected in memory with everything kept
//! and written afterwards; and whatever `--events` leaves out of `events.jsonl`, the other files and
//! the fingerprint do not change (issue "The engine at scale": outputs streamed).

use ecsim_engine::Engine;
use ecsim_report::{EventsMode, Names, RunFiles, RunWriter, SummaryMeta, RUN_FILES};
use std::sync::Arc;

/// Every run file of a streamed run, by name, and its fingerprint.
fn streamed(src: &str, mode: EventsMode) -> (Vec<(String, Vec<u8>)>, String) {
    let loaded = ecsim_scenario::load(src).expect("valid");
    let sc = Arc::new(loaded.scenario.clone());
    let names = Names::new(&sc.region, &sc.account_id, sc.start_time_unix_ms);
    let files = RunFiles {
        events: Vec::new(),
        timeseries: Vec::new(),
        services: Vec::new(),
        snapshots: Vec::new(),
    };
    let mut writer = RunWriter::new(names, files, mode, u64::MAX).expect("writer");
    let mut engine = Engine::with_sink(sc, &mut writer);
    engine.run_to_end().expect("runs to its end");
    let (summary, world) = engine.finish_with_world();
    if sc_name(src) == "long-batch" {
        // The run did release what it may: tasks stopped more than an hour before its end.
        assert!(
            world.tasks_held() < world.tasks_created() as usize / 2,
            "{} of {} tasks held",
            world.tasks_held(),
            world.tasks_created()
        );
    }
    let files = writer.finish().expect("flushed");
    let meta = SummaryMeta {
        scenario_sha256: &loaded.sha256,
        ignored_fields: &loaded.ignored_fields,
    };
    let mut s = Vec::new();
    ecsim_report::write_summary(&summary, &meta, &mut s).expect("summary");
    let out = vec![
        ("summary.json".to_string(), s),
        ("events.jsonl".to_string(), files.events),
        ("timeseries.csv".to_string(), files.timeseries),
        ("services.csv".to_string(), files.services),
        ("snapshots.jsonl".to_string(), files.snapshots),
    ];
    (out, summary.fingerprint)
}

fn sc_name(src: &str) -> String {
    ecsim_scenario::load(src).expect("valid").scenario.name
}

/// Every run file of a collected run (`ecsim_engine::run`, which keeps every task), by name.
fn collected(src: &str) -> Vec<(String, Vec<u8>)> {
    let loaded = ecsim_scenario::load(src).expect("valid");
    let out = ecsim_engine::run(&loaded.scenario);
    let meta = SummaryMeta {
        scenario_sha256: &loaded.sha256,
        ignored_fields: &loaded.ignored_fields,
    };
    RUN_FILES
        .iter()
        .map(|&f| {
            let mut v = Vec::new();
            ecsim_report::write_run_file(f, &out, &meta, &mut v).expect("write");
            (f.to_string(), v)
        })
        .collect()
}

fn sources() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("read"))
        })
        .collect();
    v.sort();
    // Four hours of batch work with snapshots and queries late in the run: the streamed run
    // releases the tasks that stopped more than an hour before, the collected one keeps them.
    v.push(("long-batch".into(), long_batch()));
    v
}

fn long_batch() -> String {
    let mut actions = vec![
        r#"{"at": 0, "action": "CreateCluster", "input": {"clusterName": "b"}}"#.to_string(),
        r#"{"at": 0, "action": "LaunchContainerInstances", "input": {"cluster": "b", "instanceType": "m5.xlarge", "count": 4, "availabilityZones": ["us-east-1a", "us-east-1b"]}}"#.to_string(),
        r#"{"at": 0, "action": "RegisterTaskDefinition", "input": {"family": "job", "containerDefinitions": [{"name": "j", "image": "j", "cpu": 256, "memory": 512}]}, "simulation": {"runDuration": {"dist": "exponential", "mean": "10m"}}}"#.to_string(),
    ];
    for m in (2..230).step_by(7) {
        actions.push(format!(
            r#"{{"at": "{m}m", "action": "RunTask", "input": {{"cluster": "b", "taskDefinition": "job", "count": 10}}}}"#
        ));
    }
    actions.push(r#"{"at": "230m", "action": "Snapshot", "input": {"label": "late"}}"#.to_string());
    actions.push(r#"{"at": "235m", "action": "DescribeTasks", "input": {"cluster": "b", "tasks": ["00000000000000000000000000000001", "00000000000000000000000000000200"]}}"#.to_string());
    format!(
        r#"{{"schemaVersion": 1, "name": "long-batch", "horizon": "4h", "actions": [{}]}}"#,
        actions.join(",\n")
    )
}

#[test]
fn streamed_files_equal_collected_ones() {
    for (name, src) in sources() {
        let (streamed, _) = streamed(&src, EventsMode::All);
        let collected = collected(&src);
        for ((f, a), (_, b)) in streamed.iter().zip(&collected) {
            assert!(a == b, "{name}/{f}: streamed and collected runs differ");
        }
    }
}

#[test]
fn events_modes_change_only_events_jsonl() {
    for (name, src) in sources() {
        let (all, fp_all) = streamed(&src, EventsMode::All);
        let (no_tasks, fp_no_tasks) = streamed(&src, EventsMode::NoTasks);
        let (none, fp_none) = streamed(&src, EventsMode::None);
        assert_eq!(fp_all, fp_no_tasks, "{name}: the fingerprint");
        assert_eq!(fp_all, fp_none, "{name}: the fingerprint");
        for k in 0..all.len() {
            let (f, a) = &all[k];
            if f == "events.jsonl" {
                let lines = |v: &[u8]| -> Vec<String> {
                    String::from_utf8(v.to_vec())
                        .unwrap()
                        .lines()
                        .map(str::to_string)
                        .collect()
                };
                let expected: Vec<String> = lines(a)
                    .into_iter()
                    .filter(|l| {
                        !l.contains("\"detail-type\":\"ECS Task State Change\"")
                            && !l.contains("\"detail-type\":\"ECS Placement Decision\"")
                    })
                    .collect();
                assert_eq!(lines(&no_tasks[k].1), expected, "{name}: --events no-tasks");
                assert!(none[k].1.is_empty(), "{name}: --events none");
            } else {
                assert!(
                    *a == no_tasks[k].1 && *a == none[k].1,
                    "{name}/{f} depends on --events"
                );
            }
        }
    }
}
