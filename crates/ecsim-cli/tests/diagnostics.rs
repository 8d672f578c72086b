//! What `ecsim` says to the person at the keyboard: errors with the offending line and a caret,
//! warnings for values that are valid but probably wrong and for what a run suggests is wrong
//! (stderr, the exit code unchanged, `--deny-warnings` to refuse them), notes, and a rejected
//! action repeated many times as one console line.

mod support;
use std::path::Path;
use support::{ecsim, root, text};

/// Writes `content` to `name` in `dir` and returns its path as a string.
fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    path.to_str().expect("utf-8").to_string()
}

/// A cluster, the task definition `web`, and `actions` after them.
fn scenario(top: &str, actions: &str) -> String {
    format!(
        r#"{{
  "schemaVersion": 1,
  "name": "diagnostics",{top}
  "actions": [
    {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }} }},
    {{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "web",
       "containerDefinitions": [ {{ "name": "app", "image": "nginx", "memory": 512 }} ] }} }}{actions}
  ]
}}"#
    )
}

#[test]
fn an_error_shows_its_line_with_a_caret_under_the_value() {
    let out = ecsim(&["validate", "tests/bad-input/count-eleven.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "error: actions[2].input.count: count must be from 1 to 10: \"You can specify up to 10 tasks for each call.\" (API: RunTask.count) (found 11)"
    );
    assert_eq!(lines[1], " --> tests/bad-input/count-eleven.json:4:95");
    assert_eq!(lines[2], "  |");
    let source =
        std::fs::read_to_string(root().join("tests/bad-input/count-eleven.json")).expect("read");
    assert_eq!(lines[3], format!("4 | {}", source.lines().nth(3).unwrap()));
    assert_eq!(lines[4], format!("  | {}^^", " ".repeat(94)));
    assert!(out.stdout.is_empty());
}

/// The README shows this error as `ecsim validate` prints it.
#[test]
fn the_readme_shows_an_error_as_it_is_printed() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("```text\nerror: actions[2].input.count")
        .expect("the README's error example")
        + "```text\n".len();
    let end = start + readme[start..].find("```").expect("closed block");
    let out = ecsim(&["validate", "tests/bad-input/count-eleven.json"]);
    assert_eq!(text(&out.stderr), &readme[start..end]);
}

#[test]
fn an_option_error_shows_the_option_text_with_a_caret() {
    let out = ecsim(&[
        "explain",
        "scenarios/port-conflicts.json",
        "--at",
        "3m",
        "--task-definition",
        "web-static",
        "--strategy",
        r#"[{"type": "binpack", "field": "disk"}]"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: [0].field: "), "{err}");
    assert!(err.contains("\n --> --strategy:1:31\n"), "{err}");
    assert!(
        err.ends_with(&format!("  | {}^^^^^^\n", " ".repeat(30))),
        "{err}"
    );
}

#[test]
fn many_errors_are_cut_to_the_first_twenty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs: Vec<String> = (0..30)
        .map(|i| {
            format!(
                r#",
    {{ "at": {i}, "action": "RunTask", "input": {{ "cluster": "prod", "taskDefinition": "web", "count": {} }} }}"#,
                11 + i
            )
        })
        .collect();
    let path = write(dir.path(), "many.json", scenario("", &runs.concat()));
    let out = ecsim(&["validate", &path]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.matches("\nerror: ").count() + 1, 21, "{err}");
    assert!(
        err.trim_end().ends_with(&format!(
            "error: {path}: 10 more errors not shown; fix the ones above first"
        )),
        "{err}"
    );
}

#[test]
fn warnings_keep_the_exit_code_unless_denied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "ms.json",
        scenario("\n  \"horizon\": 3600000,", ""),
    );
    let out = ecsim(&["validate", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("warning: horizon: 3600000 seconds is 41.7 days: a number is read as seconds, and this one looks like milliseconds; write \"3600000ms\" for 1 hour"),
        "{err}"
    );
    assert!(err.contains(&format!("\n --> {path}:4:14\n")), "{err}");
    assert!(text(&out.stdout).starts_with("ok: "));

    let out = ecsim(&["validate", "--deny-warnings", &path]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: horizon: 3600000 seconds is 41.7 days"),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with(&format!(
            "error: {path}: 1 warning refused by --deny-warnings; nothing was run or written"
        )),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out_dir = dir.path().join("out");
    let out_dir = out_dir.to_str().expect("utf-8");
    let out = ecsim(&["run", &path, "--out", out_dir, "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!Path::new(out_dir).exists(), "nothing written");
}

#[test]
fn a_byte_order_mark_is_one_note_that_deny_warnings_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "bom.json",
        format!("\u{feff}{}", scenario("", "")),
    );
    for args in [
        vec!["validate", &path],
        vec!["validate", "--deny-warnings", &path],
    ] {
        let out = ecsim(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stderr),
            format!("note: {path}: the file starts with a UTF-8 byte-order mark, which is skipped (columns count from the character after it)\n\n")
        );
    }
}

/// 1,000 StopTasks of a task that does not exist: one console line with the count, and a warning
/// that no assertion bounds the action errors.
#[test]
fn a_rejection_repeated_a_thousand_times_is_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stops: Vec<String> = (1..=1000)
        .map(|i| {
            format!(
                r#",
    {{ "at": {i}, "action": "StopTask", "input": {{ "cluster": "prod", "task": "0123456789abcdef0123456789abcdef" }} }}"#
            )
        })
        .collect();
    let actions = format!(
        r#"{},
    {{ "at": 5, "action": "RunTask", "input": {{ "cluster": "prod", "taskDefinition": "web" }} }}"#,
        stops.concat()
    );
    let path = write(
        dir.path(),
        "stops.json",
        scenario("\n  \"horizon\": \"1h\",", &actions),
    );
    let out_dir = dir.path().join("out");
    let out = ecsim(&["run", &path, "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("  1001 actions rejected by the simulated state (ECS Action Error):\n    at 1s actions[2] StopTask: InvalidParameterException: The referenced task was not found. (1000 times, the last at 1000s actions[1001])\n    at 5s actions[1002] RunTask: InvalidParameterException: No Container Instances were found in your cluster.\n  wrote "),
        "{stdout}"
    );
    assert_eq!(stdout.matches("StopTask").count(), 1, "{stdout}");
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!("warning: {path}: 1001 actions were rejected by the simulated state (ECS Action Error) and no assertion bounds them; add {{\"type\": \"maxActionErrors\", \"atMost\": 0}}")),
        "{err}"
    );
    let events = std::fs::read_to_string(out_dir.join("events.jsonl")).expect("events");
    assert_eq!(
        events.matches("ECS Action Error").count(),
        1001,
        "every one is an event"
    );

    // With the assertion the warning goes; refused, the run writes nothing.
    let bounded = scenario("\n  \"horizon\": \"1h\",", &actions).replace(
        "\n  ]\n}",
        "\n  ],\n  \"assertions\": [ { \"type\": \"maxActionErrors\", \"atMost\": 1001 } ]\n}",
    );
    let bounded = write(dir.path(), "bounded.json", bounded);
    let out = ecsim(&["run", &bounded, "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
    let denied_dir = dir.path().join("denied");
    let out = ecsim(&[
        "run",
        &path,
        "--out",
        denied_dir.to_str().expect("utf-8"),
        "--deny-warnings",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!("error: {path}: 1001 actions were rejected")),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with(&format!(
            "error: {path}: 1 warning refused by --deny-warnings; nothing was written"
        )),
        "{err}"
    );
    assert!(!denied_dir.exists(), "nothing written");
}

#[test]
fn a_service_that_never_reaches_a_steady_state_is_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No instance: the service's tasks are never placed.
    let service = r#",
    { "at": 1, "action": "CreateService", "input": { "cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 2 } }"#;
    let path = write(
        dir.path(),
        "unsteady.json",
        scenario("\n  \"horizon\": \"30m\",", service),
    );
    let out_dir = dir.path().join("out");
    let out = ecsim(&["run", &path, "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!("warning: {path}: service web (cluster prod) never reached a steady state in the run (0 running, 0 healthy at the end)")),
        "{err}"
    );
    // An assertion on its steady state judges it instead.
    let judged = scenario("\n  \"horizon\": \"30m\",", service).replace(
        "\n  ]\n}",
        "\n  ],\n  \"assertions\": [ { \"type\": \"serviceSteadyBy\", \"cluster\": \"prod\", \"service\": \"web\", \"by\": \"20m\" } ]\n}",
    );
    let judged = write(dir.path(), "judged.json", judged);
    let out = ecsim(&["run", &judged, "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
    // With instances it reaches its steady state: no warning.
    let placed = scenario("\n  \"horizon\": \"30m\",", service).replace(
        "{ \"at\": 1, \"action\": \"CreateService\"",
        "{ \"at\": 0, \"action\": \"LaunchContainerInstances\", \"input\": { \"cluster\": \"prod\", \"instanceType\": \"m5.large\", \"count\": 2 } },\n    { \"at\": 1, \"action\": \"CreateService\"",
    );
    let placed = write(dir.path(), "placed.json", placed);
    let out = ecsim(&["run", &placed, "--out", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}

/// Warnings go to stderr: a bundled scenario's run directory is the same with or without them
/// (the goldens are checked in cli.rs); `port-conflicts.json` has two action errors by design and
/// no assertion on them.
#[test]
fn a_warning_changes_nothing_in_the_run_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a");
    let out = ecsim(&[
        "run",
        "scenarios/port-conflicts.json",
        "--out",
        a.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).starts_with(
        "warning: scenarios/port-conflicts.json: 2 actions were rejected by the simulated state"
    ));
    let summary = std::fs::read_to_string(a.join("summary.json")).expect("summary");
    let golden = std::fs::read_to_string(root().join("tests/golden/port-conflicts.summary.json"))
        .expect("golden");
    assert!(summary == golden);
    assert!(!summary.contains("warning"));
}
