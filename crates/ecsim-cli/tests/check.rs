//! `ecsim check` (SPEC §12.4) end to end on the bundled check example: it finds the planted
//! minHealthyTasks violation, its output does not depend on `--jobs`, the command it prints
//! reproduces the failure, and `--shrink` reduces the run to the faults the failure needs.

mod support;
use std::path::Path;
use std::process::{Command, Output};
use support::{root, text};

const EXAMPLE: &str = "scenarios/check-instance-loss.json";

fn ecsim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ecsim")
}

fn ecsim(args: &[&str]) -> Output {
    ecsim_in(&root(), args)
}

/// The stdout line starting with `prefix` (after indentation).
fn line<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{out}"))
}

#[test]
fn finds_the_planted_violation_with_counts_and_the_lowest_seed() {
    let out = ecsim(&["check", EXAMPLE, "--seeds", "1..40", "--jobs", "2"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let head = line(&stdout, "check-instance-loss:");
    assert!(head.contains("40 seeds run (1..40)"), "{head}");
    let failed: u64 = head
        .rsplit(", ")
        .next()
        .and_then(|s| s.strip_suffix(" failed"))
        .and_then(|n| n.parse().ok())
        .expect("seeds failed");
    assert!(failed > 0 && failed < 40, "some seeds, not all: {head}");
    let by = line(&stdout, "minHealthyTasks (assertions[0]):");
    assert_eq!(
        by,
        format!("minHealthyTasks (assertions[0]): {failed} seeds failed")
    );
    let first = line(&stdout, "first failing seed:");
    assert!(
        first.contains("minHealthyTasks (assertions[0]) failed at"),
        "{first}"
    );
    assert!(first.contains("below 5"), "{first}");
    // The lowest failing seed: every seed below it passes on its own.
    let seed: u64 = first["first failing seed: ".len()..]
        .split(':')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a seed");
    let passing = ecsim(&["check", EXAMPLE, "--seeds", &format!("1..{}", seed - 1)]);
    assert_eq!(passing.status.code(), Some(0), "{}", text(&passing.stdout));
    assert!(text(&passing.stdout).contains(", 0 failed"));
    // The same output whatever the number of jobs.
    let one = ecsim(&["check", EXAMPLE, "--seeds", "1..40", "--jobs", "1"]);
    assert_eq!(text(&one.stdout), stdout);
}

#[test]
fn the_printed_command_reproduces_the_failure() {
    let out = ecsim(&["check", EXAMPLE, "--seeds", "1..40"]);
    let stdout = text(&out.stdout);
    let first = line(&stdout, "first failing seed:");
    let detail = first.rsplit(": ").next().expect("detail");
    let command = line(&stdout, "reproduce: ")["reproduce: ".len()..].to_string();
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[1..4], ["run", EXAMPLE, "--seed"], "{command}");
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("run");
    let mut args: Vec<&str> = words[1..].to_vec();
    args.extend(["--out", out_dir.to_str().expect("utf-8")]);
    let run = Command::new(words[0])
        .args(&args)
        .current_dir(root())
        .output()
        .expect("the printed program runs");
    let run_out = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{run_out}");
    assert!(
        run_out.contains(&format!("assertion minHealthyTasks: FAILED ({detail})")),
        "{run_out}\nexpected the detail {detail:?}"
    );
}

#[test]
fn shrink_keeps_exactly_the_faults_the_failure_needs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("check-instance-loss.json");
    std::fs::copy(root().join(EXAMPLE), &copy).expect("copy");
    let out = ecsim_in(
        dir.path(),
        &[
            "check",
            "check-instance-loss.json",
            "--seeds",
            "1..40",
            "--shrink",
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let shrunk = line(&stdout, "shrunk: ");
    assert!(
        shrunk.ends_with("wrote check-instance-loss.min.json"),
        "{shrunk}"
    );
    let min_path = dir.path().join("check-instance-loss.min.json");
    let min: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&min_path).expect("written")).expect("json");
    assert!(
        min.get("faults").is_none(),
        "the faults are plain actions now"
    );
    let seed = min["seed"].as_u64().expect("the failing seed");
    assert!(
        line(&stdout, "first failing seed:").starts_with(&format!("first failing seed: {seed}:"))
    );
    let actions = min["actions"].as_array().expect("actions");
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(EXAMPLE)).unwrap()).unwrap();
    let own = original["actions"].as_array().unwrap().len();
    assert_eq!(
        actions[..own],
        original["actions"].as_array().unwrap()[..],
        "the scenario's own actions stay"
    );
    let losses = &actions[own..];
    assert!(!losses.is_empty());
    assert!(losses
        .iter()
        .all(|a| a["action"] == "TerminateContainerInstances"));
    // "k of n injected faults kept": fewer than the run drew.
    let counts: Vec<usize> = shrunk["shrunk: ".len()..]
        .split(' ')
        .filter_map(|w| w.parse().ok())
        .take(2)
        .collect();
    assert_eq!(counts[0], losses.len(), "{shrunk}");
    assert!(
        counts[0] < counts[1],
        "some faults were not needed: {shrunk}"
    );
    // The horizon is cut to the end of a sample interval (60 s) after the failure.
    let horizon = min["horizon"].as_str().expect("horizon");
    let ms: u64 = horizon
        .strip_suffix("ms")
        .and_then(|h| h.parse().ok())
        .expect("ms");
    assert_eq!(ms % 60_000, 0, "{horizon}");
    // The shrunk file still fails the same assertion...
    let run = ecsim_in(
        dir.path(),
        &["run", "check-instance-loss.min.json", "--out", "r"],
    );
    let run_out = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{run_out}");
    assert!(
        run_out.contains("assertion minHealthyTasks: FAILED"),
        "{run_out}"
    );
    // ...and every fault it kept is needed: without any one of them the run passes.
    for k in 0..losses.len() {
        let mut fewer = min.clone();
        fewer["actions"].as_array_mut().unwrap().remove(own + k);
        let path = dir.path().join(format!("fewer-{k}.json"));
        std::fs::write(&path, fewer.to_string()).expect("write");
        let r = ecsim_in(
            dir.path(),
            &["run", path.to_str().unwrap(), "--out", &format!("f{k}")],
        );
        assert_eq!(
            r.status.code(),
            Some(0),
            "without loss {k}: {}",
            text(&r.stdout)
        );
    }
}

#[test]
fn exit_codes_and_usage_errors() {
    let pass = ecsim(&["check", "scenarios/quickstart.json", "--seeds", "1..3"]);
    assert_eq!(pass.status.code(), Some(0), "{}", text(&pass.stdout));
    assert!(text(&pass.stdout).starts_with("quickstart: 3 seeds run (1..3), 0 failed\n"));
    for bad in ["3..1", "x..2", "5", "1..-2"] {
        let out = ecsim(&["check", EXAMPLE, "--seeds", bad]);
        assert_eq!(out.status.code(), Some(2), "--seeds {bad}");
        assert!(
            text(&out.stderr).contains("--seeds"),
            "{}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    let zero = ecsim(&["check", EXAMPLE, "--seeds", "1..2", "--jobs", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    let broken = ecsim(&[
        "check",
        "tests/bad-input/fault-unknown-type.json",
        "--seeds",
        "1..2",
    ]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(text(&broken.stderr).contains("faults[0].type"));
    let missing = ecsim(&["check", EXAMPLE]);
    assert_eq!(missing.status.code(), Some(2), "--seeds is required");
}
