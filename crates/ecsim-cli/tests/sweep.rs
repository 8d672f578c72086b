//! `ecsim sweep`, `ecsim sweep merge` and `ecsim run --set` end to end (SPEC §10, §12.2): the same
//! bytes for any `--jobs`, shards merged into exactly the unsharded directory, every row's
//! fingerprint that of `ecsim run --seed S` with the row's overrides, kept runs equal to those
//! runs, and bad input refused with exit code 2 and nothing written.

mod support;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{root, text};

fn ecsim(args: &[&str]) -> Output {
    ecsim_env(args, &[])
}

fn ecsim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsim"));
    cmd.args(args).current_dir(root());
    for var in ecsim_cli::sweep::SHARD_INDEX_VARIABLES {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run ecsim")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn scenario() -> String {
    s(&root().join("scenarios/batch-jobs.json")).to_string()
}

const BINPACK: &str = r#"[{"type":"binpack","field":"memory"}]"#;

/// A sweep over `scenarios/batch-jobs.json` (random placement, so every seed differs): three
/// variants, one of which leaves too few instances (its assertion fails), a grid of two values,
/// seeds 1 to 4: 24 runs.
fn sweep_json(scenario: &str, seeds: &str) -> String {
    format!(
        r#"{{ "schemaVersion": 1, "name": "batch", "scenario": {scenario},
  "seeds": {seeds},
  "variants": [ {{ "name": "random", "set": {{}} }},
                {{ "name": "binpack", "set": {{ "/actions/5/input/placementStrategy": {BINPACK} }} }},
                {{ "name": "tight", "set": {{ "/actions/1/input/count": 2 }} }} ],
  "grid": {{ "/actions/9/input/count": [5, 10] }} }}
"#
    )
}

fn write_sweep(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("sweep.json");
    std::fs::write(&path, body).expect("write sweep");
    path
}

fn standard_sweep(dir: &Path) -> PathBuf {
    let scenario = serde_json::to_string(&scenario()).expect("json");
    write_sweep(dir, &sweep_json(&scenario, r#"{ "from": 1, "to": 4 }"#))
}

fn run_sweep(sweep: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", s(sweep), "--out", s(out)];
    args.extend_from_slice(extra);
    let o = ecsim(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    o
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn csv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    ecsim_report::sweep::read_csv(&read(p)[..]).expect("csv")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The `--set` arguments of a row, written independently of ecsim's own code.
fn sets(variant: &str, grid_value: &str) -> Vec<String> {
    let mut v = Vec::new();
    match variant {
        "binpack" => v.push(format!("/actions/5/input/placementStrategy={BINPACK}")),
        "tight" => v.push("/actions/1/input/count=2".to_string()),
        _ => {}
    }
    v.push(format!("/actions/9/input/count={grid_value}"));
    v
}

#[test]
fn jobs_1_and_2_write_the_same_bytes_in_row_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = standard_sweep(dir.path());
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    let out = run_sweep(&sweep, &one, &["--jobs", "1"]);
    run_sweep(&sweep, &two, &["--jobs", "2"]);
    for f in ["sweep.csv", "aggregate.csv"] {
        assert!(
            read(&one.join(f)) == read(&two.join(f)),
            "{f} differs between --jobs 1 and --jobs 2"
        );
    }
    assert_eq!(
        entries(&one),
        ["aggregate.csv", "sweep.csv"],
        "no run directories"
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .contains("batch: 24 runs (6 variants × 4 seeds) on 1 job, 8 with a failed assertion"),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("reproduce the first run with a failed assertion: ecsim run "),
        "{}",
        text(&out.stderr)
    );

    let (header, rows) = csv(&one.join("sweep.csv"));
    assert_eq!(
        header.join(","),
        "variant,seed,/actions/9/input/count,exit,fingerprint,placements,placement_failures,tasks_started,action_errors,instances_peak,instance_hours,cost,cpu_reserved_mean,memory_reserved_mean,seconds_below_min_healthy,deployments_completed,deployments_failed,assertions_failed,cpu_stranded_pct,memory_stranded_pct,zone_imbalance_max,unplaced_tasks,unplaced_task_seconds"
    );
    let order: Vec<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let mut expected = Vec::new();
    for v in ["random", "binpack", "tight"] {
        for g in ["5", "10"] {
            for seed in 1..=4 {
                expected.push((format!("{v} /actions/9/input/count={g}"), seed.to_string()));
            }
        }
    }
    assert_eq!(order, expected, "rows in (variant, seed) order");
    for r in &rows {
        let tight = r[0].starts_with("tight");
        // The tight fleet fails placements, and so its maxPlacementFailures assertion.
        assert_eq!(r[3], if tight { "1" } else { "0" }, "exit of {r:?}");
        assert_eq!(
            r[17],
            if tight { "1" } else { "0" },
            "assertions_failed of {r:?}"
        );
        assert_eq!(r[2], r[0].rsplit('=').next().unwrap(), "grid column");
        assert_eq!(
            r[9],
            if tight { "2" } else { "6" },
            "instances_peak of {r:?}"
        );
    }
    let fingerprints: std::collections::BTreeSet<&String> = rows.iter().map(|r| &r[4]).collect();
    assert_eq!(fingerprints.len(), rows.len(), "every run differs");

    // The aggregate: one row per variant and figure, over the variant's 4 seeds.
    let (agg_header, agg) = csv(&one.join("aggregate.csv"));
    assert_eq!(
        agg_header.join(","),
        "variant,figure,n,mean,stddev,min,p50,p95,p99,max,ci95_low,ci95_high"
    );
    assert_eq!(agg.len(), 6 * 18);
    let placements: Vec<f64> = rows[..4].iter().map(|r| r[5].parse().unwrap()).collect();
    let mean = placements.iter().sum::<f64>() / 4.0;
    let first = &agg[0];
    assert_eq!(
        &first[..3],
        ["random /actions/9/input/count=5", "placements", "4"]
    );
    assert!(
        (first[3].parse::<f64>().unwrap() - mean).abs() < 1e-6,
        "{first:?}"
    );
    let min = placements.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(first[5].parse::<f64>().unwrap(), min);
    let (lo, hi): (f64, f64) = (first[10].parse().unwrap(), first[11].parse().unwrap());
    assert!(lo <= mean && mean <= hi, "{first:?}");
}

#[test]
fn every_rows_fingerprint_is_that_of_ecsim_run_with_its_sets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = standard_sweep(dir.path());
    let out = dir.path().join("out");
    run_sweep(&sweep, &out, &["--jobs", "2"]);
    let (_, rows) = csv(&out.join("sweep.csv"));
    let scenario = scenario();
    for (i, r) in rows.iter().enumerate() {
        let variant = r[0].split(' ').next().unwrap();
        let run_dir = dir.path().join(format!("run-{i}"));
        let mut args = vec![
            "run".to_string(),
            scenario.clone(),
            "--seed".into(),
            r[1].clone(),
            "--out".into(),
            s(&run_dir).into(),
        ];
        for set in sets(variant, &r[2]) {
            args.push("--set".into());
            args.push(set);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = ecsim(&args);
        assert_eq!(
            o.status.code(),
            Some(r[3].parse::<i32>().unwrap()),
            "the row's exit is the run's: {r:?}"
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&read(&run_dir.join("summary.json"))).expect("summary");
        assert_eq!(summary["fingerprint"], r[4].as_str(), "row {i}: {r:?}");
        assert_eq!(summary["counts"]["placements"].to_string(), r[5], "row {i}");
        assert_eq!(
            summary["costs"]["instanceHours"].to_string(),
            r[10],
            "row {i}"
        );
    }
}

#[test]
fn kept_runs_are_the_runs_of_ecsim_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = serde_json::to_string(&scenario()).expect("json");
    let sweep = write_sweep(dir.path(), &sweep_json(&scenario, "[2, 3]"));
    let out = dir.path().join("out");
    run_sweep(&sweep, &out, &["--keep-runs"]);
    assert_eq!(entries(&out), ["aggregate.csv", "runs", "sweep.csv"]);
    let runs = entries(&out.join("runs"));
    let mut expected: Vec<String> = (0..6)
        .flat_map(|v| [2, 3].map(|seed| format!("{v}-{seed}")))
        .collect();
    expected.sort();
    assert_eq!(runs, expected);
    // Variant 3 is binpack at the grid's second value, 10.
    let alone = dir.path().join("alone");
    let set = format!("/actions/5/input/placementStrategy={BINPACK}");
    let o = ecsim(&[
        "run",
        &crate::scenario(),
        "--seed",
        "3",
        "--set",
        &set,
        "--set",
        "/actions/9/input/count=10",
        "--out",
        s(&alone),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in [
        "summary.json",
        "events.jsonl",
        "timeseries.csv",
        "services.csv",
        "snapshots.jsonl",
    ] {
        assert!(
            read(&out.join("runs/3-3").join(f)) == read(&alone.join(f)),
            "runs/3-3/{f} differs from ecsim run's"
        );
    }
    // The same sweep without --keep-runs writes the same rows.
    let plain = dir.path().join("plain");
    run_sweep(&sweep, &plain, &[]);
    assert!(read(&plain.join("sweep.csv")) == read(&out.join("sweep.csv")));
}

#[test]
fn shards_merged_are_the_unsharded_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = standard_sweep(dir.path());
    let whole = dir.path().join("whole");
    run_sweep(&sweep, &whole, &[]);
    let shard = |i: usize, jobs: &str| {
        let d = dir.path().join(format!("shard-{i}"));
        run_sweep(&sweep, &d, &["--shard", &format!("{i}/3"), "--jobs", jobs]);
        d
    };
    let shards = [shard(0, "1"), shard(1, "2"), shard(2, "1")];
    assert_eq!(entries(&shards[1]), ["shard.json", "sweep.csv"]);
    let info: serde_json::Value =
        serde_json::from_slice(&read(&shards[1].join("shard.json"))).expect("shard.json");
    assert_eq!(info["shards"], 3);
    assert_eq!(info["shard"], 1);
    assert_eq!(info["rows"], 24);
    assert_eq!(info["shardRows"], 8);
    let (_, whole_rows) = csv(&whole.join("sweep.csv"));
    let (_, shard_rows) = csv(&shards[1].join("sweep.csv"));
    let expected: Vec<Vec<String>> = whole_rows.iter().skip(1).step_by(3).cloned().collect();
    assert_eq!(shard_rows, expected, "shard 1 holds rows 1, 4, 7, ...");

    // An array job's index with --shards: the same shard.
    for var in ecsim_cli::sweep::SHARD_INDEX_VARIABLES {
        let d = dir.path().join(format!("env-{var}"));
        let o = ecsim_env(
            &["sweep", s(&sweep), "--shards", "3", "--out", s(&d)],
            &[(var, "1")],
        );
        assert_eq!(o.status.code(), Some(0), "{var}: {}", text(&o.stderr));
        for f in ["shard.json", "sweep.csv"] {
            assert!(read(&d.join(f)) == read(&shards[1].join(f)), "{var}: {f}");
        }
    }

    // Merged in any order: exactly the unsharded directory.
    let merged = dir.path().join("merged");
    let o = ecsim(&[
        "sweep",
        "merge",
        "--out",
        s(&merged),
        s(&shards[2]),
        s(&shards[0]),
        s(&shards[1]),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("batch: merged 3 shards, 24 runs"));
    assert_eq!(entries(&merged), entries(&whole));
    for f in ["sweep.csv", "aggregate.csv"] {
        assert!(read(&merged.join(f)) == read(&whole.join(f)), "{f} differs");
    }

    // Refused, exit 2, nothing written: a missing shard, a shard twice, a shard of another sweep,
    // a shard whose rows were edited.
    let refused = |args: &[&Path], expect: &str| {
        let out = dir.path().join("refused");
        let mut a = vec!["sweep", "merge", "--out", s(&out)];
        a.extend(args.iter().map(|p| s(p)));
        let o = ecsim(&a);
        assert_eq!(o.status.code(), Some(2), "{expect}: {}", text(&o.stdout));
        assert!(
            text(&o.stderr).contains(expect),
            "{expect}: {}",
            text(&o.stderr)
        );
        assert!(!out.exists(), "{expect}: nothing written");
    };
    refused(&[&shards[0], &shards[2]], "shard 1 of 3 is missing");
    refused(
        &[&shards[0], &shards[1], &shards[1], &shards[2]],
        "are both shard 1 of 3",
    );
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).expect("mkdir");
    let scenario = serde_json::to_string(&scenario()).expect("json");
    let other = write_sweep(
        &other_dir,
        &sweep_json(&scenario, r#"{ "from": 5, "to": 8 }"#),
    );
    let foreign = dir.path().join("foreign");
    run_sweep(&other, &foreign, &["--shard", "1/3"]);
    refused(
        &[&shards[0], &foreign, &shards[2]],
        "a shard of another sweep",
    );
    refused(&[&shards[0], &whole, &shards[2]], "not a shard directory");
    let edited = dir.path().join("edited");
    std::fs::create_dir(&edited).expect("mkdir");
    for f in ["shard.json", "sweep.csv"] {
        std::fs::copy(shards[1].join(f), edited.join(f)).expect("copy");
    }
    let csv_text = text(&read(&edited.join("sweep.csv"))).replacen(",0,", ",9,", 1);
    std::fs::write(edited.join("sweep.csv"), csv_text).expect("write");
    refused(
        &[&shards[0], &edited, &shards[2]],
        "is not the file this shard wrote",
    );
}

#[test]
fn kept_runs_of_shards_merge_into_the_unsharded_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = serde_json::to_string(&scenario()).expect("json");
    let sweep = write_sweep(dir.path(), &sweep_json(&scenario, "[7]"));
    let whole = dir.path().join("whole");
    run_sweep(&sweep, &whole, &["--keep-runs"]);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    run_sweep(&sweep, &a, &["--keep-runs", "--shard", "0/2"]);
    run_sweep(&sweep, &b, &["--keep-runs", "--shard", "1/2"]);
    let merged = dir.path().join("merged");
    let o = ecsim(&["sweep", "merge", "--out", s(&merged), s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(entries(&merged.join("runs")), entries(&whole.join("runs")));
    for run in entries(&whole.join("runs")) {
        for f in entries(&whole.join("runs").join(&run)) {
            let p = Path::new("runs").join(&run).join(&f);
            assert!(
                read(&merged.join(&p)) == read(&whole.join(&p)),
                "{}",
                p.display()
            );
        }
    }
    for f in ["sweep.csv", "aggregate.csv"] {
        assert!(read(&merged.join(f)) == read(&whole.join(f)), "{f}");
    }
    // Shards run with and without --keep-runs do not merge.
    let c = dir.path().join("c");
    run_sweep(&sweep, &c, &["--shard", "1/2"]);
    let o = ecsim(&[
        "sweep",
        "merge",
        "--out",
        s(&dir.path().join("x")),
        s(&a),
        s(&c),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--keep-runs"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn an_inline_scenario_sweeps_like_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from_file = standard_sweep(dir.path());
    let inline_dir = dir.path().join("inline");
    std::fs::create_dir(&inline_dir).expect("mkdir");
    let body = std::fs::read_to_string(scenario()).expect("scenario");
    let inline = write_sweep(&inline_dir, &sweep_json(&body, r#"{ "from": 1, "to": 4 }"#));
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    run_sweep(&from_file, &a, &[]);
    let o = run_sweep(&inline, &b, &[]);
    assert!(
        text(&o.stderr).contains("the scenario is inside"),
        "no ecsim run line for an inline scenario: {}",
        text(&o.stderr)
    );
    for f in ["sweep.csv", "aggregate.csv"] {
        assert!(read(&a.join(f)) == read(&b.join(f)), "{f}");
    }
}

#[test]
fn bad_sweeps_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = serde_json::to_string(&scenario()).expect("json");
    let good = sweep_json(&scenario, r#"{ "from": 1, "to": 4 }"#);
    let inline_bad = r#"{ "schemaVersion": 1, "name": "x", "seeds": [1], "variants": [{"name": "v"}],
  "scenario": { "schemaVersion": 1, "name": "in", "actions": [
    { "at": 0, "action": "CreateCluster", "input": { "clusterName": 5 } } ] } }"#;
    let cases: Vec<(String, Vec<&str>, Vec<&str>)> = vec![
        ("{".into(), vec![], vec!["sweep.json:", "not valid JSON"]),
        (
            good.replace("\"variants\"", "\"variant\""),
            vec![],
            vec!["sweep.json:3:3: variant: unknown field 'variant'; did you mean 'variants'?"],
        ),
        (
            good.replace("/actions/1/input/count", "/actions/99/input/count"),
            vec![],
            vec![
                "variants[2].set[\"/actions/99/input/count\"] (line 5, column",
                "the pointer /actions/99/input/count names nothing in",
                "'99' is not one of its indices (it has 16 elements",
            ],
        ),
        (
            good.replace("\"field\":\"memory\"", "\"field\":\"disk\""),
            vec![],
            vec![
                "with the overrides applied (variant 'binpack /actions/9/input/count=5'), is not a valid scenario",
                "batch-jobs.json: actions[5].input.placementStrategy[0].field: binpack works on field cpu or memory only",
                "the value comes from the sweep's variants[1].set[\"/actions/5/input/placementStrategy\"] (line 4, column",
                "2 of the sweep's 6 variants",
            ],
        ),
        (
            good.replace("[5, 10]", "[5, 11]"),
            vec![],
            vec![
                "actions[9].input.count: count must be from 1 to 10",
                "the value comes from the sweep's grid[\"/actions/9/input/count\"][1] (line 6, column",
            ],
        ),
        (
            good.replace("{ \"from\": 1, \"to\": 4 }", "{ \"from\": 1, \"to\": 200000 }"),
            vec![],
            vec!["the sweep makes 1200000 runs (3 variants × 2 grid points × 200000 seeds); at most 1000000"],
        ),
        (
            good.replace("{ \"from\": 1, \"to\": 4 }", "{ \"from\": 4, \"to\": 1 }"),
            vec![],
            vec!["sweep.json:2:31: seeds.to: expected at least seeds.from (4)"],
        ),
        (
            good.replace("batch-jobs.json", "no-such-file.json"),
            vec![],
            vec!["no-such-file.json: cannot read the scenario file", "relative to the sweep file's directory"],
        ),
        (
            good.replace("\"/actions/9/input/count\": [5, 10]", "\"/actions/1/input/count\": [1, 2]"),
            vec![],
            vec!["grid[\"/actions/1/input/count\"]: variant 'tight' sets /actions/1/input/count, which this grid path would replace"],
        ),
        (inline_bad.into(), vec![], vec!["sweep.json:3:69: scenario.actions[0].input.clusterName: expected a string (found 5)"]),
        (good.clone(), vec!["--jobs", "0"], vec!["--jobs 0: expected 1 to 1024"]),
        (good.clone(), vec!["--shard", "3/3"], vec!["--shard 3/3: the index counts from 0"]),
        (good.clone(), vec!["--shards", "3"], vec!["--shards 3 needs this shard's index"]),
    ];
    for (i, (body, extra, expect)) in cases.iter().enumerate() {
        let case = dir.path().join(format!("case-{i}"));
        std::fs::create_dir(&case).expect("mkdir");
        let sweep = write_sweep(&case, body);
        let out = case.join("out");
        let mut args = vec!["sweep", s(&sweep), "--out", s(&out)];
        args.extend(extra.iter().copied());
        let o = ecsim(&args);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {stderr}");
        assert!(o.stdout.is_empty(), "case {i}: {}", text(&o.stdout));
        for e in expect {
            assert!(stderr.contains(e), "case {i}: expected {e:?} in\n{stderr}");
        }
        assert!(!out.exists(), "case {i}: nothing written");
        assert_eq!(
            entries(&case),
            ["sweep.json"],
            "case {i}: no temporary directory left"
        );
    }
    // An --out that is not a sweep directory is left alone.
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).expect("mkdir");
    std::fs::write(mine.join("notes.txt"), "keep").expect("write");
    let sweep = write_sweep(dir.path(), &good);
    let o = ecsim(&["sweep", s(&sweep), "--out", s(&mine)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("holds 'notes.txt', so it is not an ecsim sweep directory"));
    assert_eq!(entries(&mine), ["notes.txt"]);
}

#[test]
fn run_set_overrides_the_scenario_as_a_variant_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = scenario();
    let plain = dir.path().join("plain");
    let o = ecsim(&["run", &scenario, "--out", s(&plain)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // Two instances instead of six: placements fail, and so does the scenario's assertion.
    let tight = dir.path().join("tight");
    let o = ecsim(&[
        "run",
        &scenario,
        "--set",
        "/actions/1/input/count=2",
        "--out",
        s(&tight),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--seed 42 --set /actions/1/input/count=2"),
        "the reproduce line carries the overrides: {}",
        text(&o.stderr)
    );
    let summary = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&read(&d.join("summary.json"))).expect("summary")
    };
    let (p, t) = (summary(&plain), summary(&tight));
    assert_eq!(p["counts"]["placementFailures"], serde_json::json!({}));
    assert_ne!(t["counts"]["placementFailures"], serde_json::json!({}));
    assert_ne!(p["scenario"]["sha256"], t["scenario"]["sha256"]);
    // The same value as the file's: the same run, under another digest.
    let same = dir.path().join("same");
    let o = ecsim(&[
        "run",
        &scenario,
        "--set",
        "/actions/1/input/count=6",
        "--out",
        s(&same),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(summary(&same)["fingerprint"], p["fingerprint"]);

    let refused = |sets: &[&str], expect: &[&str]| {
        let out = dir.path().join("refused");
        let mut args = vec!["run", scenario.as_str(), "--out", s(&out)];
        for set in sets {
            args.push("--set");
            args.push(set);
        }
        let o = ecsim(&args);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{sets:?}: {stderr}");
        for e in expect {
            assert!(stderr.contains(e), "{sets:?}: expected {e:?} in\n{stderr}");
        }
        assert!(
            o.stdout.is_empty() && !out.exists(),
            "{sets:?}: nothing written"
        );
    };
    refused(
        &["/actions/99/input/count=1"],
        &[
            "--set /actions/99/input/count: the pointer /actions/99/input/count names nothing in",
            "it has 16 elements",
        ],
    );
    refused(
        &["/actions/1/inputs/count=1"],
        &["/actions/1 has no member 'inputs'; did you mean 'input'?"],
    );
    refused(
        &["/actions/5/input/count=11"],
        &[
            "batch-jobs.json, with the overrides applied (--set /actions/5/input/count), is not a valid scenario",
            "actions[5].input.count: count must be from 1 to 10",
            "the value comes from --set /actions/5/input/count (found 11)",
        ],
    );
    refused(
        &["/name=batch jobs"],
        &["--set /name=batch jobs: the value after '=' is not JSON"],
    );
    refused(
        &["actions/1=1"],
        &["is not a JSON Pointer: it starts with '/'"],
    );
    refused(&["/a~2b=1"], &["'~' is followed by 0 or 1"]);
    refused(&["/seed"], &["expected POINTER=JSON"]);
    // Applied in order: a later override sees the earlier one.
    let later = dir.path().join("later");
    let o = ecsim(&[
        "run",
        &scenario,
        "--set",
        "/actions/1/input={\"cluster\":\"batch\",\"instanceType\":\"m5.xlarge\",\"count\":2,\"availabilityZones\":[\"us-east-1a\"]}",
        "--set",
        "/actions/1/input/count=6",
        "--out",
        s(&later),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// The strategy benchmark in `results/strategies/` is what `ecsim sweep` writes today (re-bless
/// with `ECSIM_BLESS=1`), and the README's table shows its means and intervals, rounded as printed.
#[test]
fn the_strategy_benchmark_and_its_readme_table_are_current() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("strategies");
    let sweep = root().join("scenarios/sweeps/placement-strategies.json");
    let o = run_sweep(&sweep, &out, &["--jobs", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let committed = root().join("results/strategies");
    for file in ["sweep.csv", "aggregate.csv"] {
        if std::env::var_os("ECSIM_BLESS").is_some() {
            std::fs::copy(out.join(file), committed.join(file)).expect("bless");
        }
        assert!(
            read(&out.join(file)) == read(&committed.join(file)),
            "results/strategies/{file} is not what the sweep writes today"
        );
    }
    // aggregate.csv: variant,figure,n,mean,...,ci95_low,ci95_high.
    let (header, rows) = csv(&committed.join("aggregate.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (v, f, mean, lo, hi) = (
        col("variant"),
        col("figure"),
        col("mean"),
        col("ci95_low"),
        col("ci95_high"),
    );
    let figure = |variant: &str, figure: &str| -> [f64; 3] {
        let r = rows
            .iter()
            .find(|r| r[v] == variant && r[f] == figure)
            .unwrap_or_else(|| panic!("{variant} {figure}"));
        [mean, lo, hi].map(|k| r[k].parse().expect("a number"))
    };
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let table = readme
        .split("| figure (mean of 100 seeds) |")
        .nth(1)
        .expect("the README's strategy table");
    let rows_of_table = [
        ("instances (peak)", "instances_peak"),
        ("instance-hours", "instance_hours"),
        ("cost ($)", "cost"),
        ("stranded CPU (%)", "cpu_stranded_pct"),
        ("stranded memory (%)", "memory_stranded_pct"),
        ("unplaced tasks", "unplaced_tasks"),
        ("unplaced task-seconds", "unplaced_task_seconds"),
        ("zone imbalance (max)", "zone_imbalance_max"),
    ];
    // The columns, from the table's header: every variant of the sweep, each once.
    let header_line = table.lines().next().expect("the header");
    let variants: Vec<&str> = header_line
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let mut swept: Vec<&str> = rows.iter().map(|r| r[v].as_str()).collect();
    swept.dedup();
    let mut sorted = variants.clone();
    sorted.sort_unstable();
    let mut expected = swept.clone();
    expected.sort_unstable();
    assert_eq!(
        sorted, expected,
        "the README's columns are the sweep's variants"
    );
    for (label, name) in rows_of_table {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
            .unwrap_or_else(|| panic!("README row {label}"));
        let cells: Vec<&str> = line
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        for (k, variant) in variants.iter().enumerate() {
            let cell = cells[k + 1];
            // "11.37 [11.25–11.49]": as many decimals as the cell prints.
            let numbers: Vec<&str> = cell
                .split([' ', '[', ']', '–'])
                .filter(|s| !s.is_empty())
                .collect();
            let want = figure(variant, name);
            for (text, value) in numbers.iter().zip(want) {
                let decimals = text.split('.').nth(1).map_or(0, str::len);
                let printed = format!("{value:.decimals$}");
                assert_eq!(*text, printed, "README {label}, {variant}: {cell}");
            }
        }
    }
}
