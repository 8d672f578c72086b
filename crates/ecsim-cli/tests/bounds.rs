//! The `ecsim` binary against inputs that once exhausted the machine or left things behind (issue
//! "Exact where it is not yet, bounded where it can be pushed over", items 9–12): each fuzz-found
//! input runs under a memory limit (`RLIMIT_AS`, set before the binary starts) and must end with
//! exit code 2, a message naming the cause, and nothing written; a run stopped by SIGINT or
//! SIGTERM removes its temporary directory; a later run removes what a killed run left.
#![cfg(unix)]

mod support;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{root, text};

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecsim"));
    c.args(args).current_dir(root());
    c
}

/// The address space a run may take here: far below what the fuzz inputs took (gigabytes), and
/// ample for the binary itself (its threads' stacks and the allocator's arenas included).
const ADDRESS_SPACE_BYTES: u64 = 1 << 30;

/// Runs ecsim with its address space limited to [`ADDRESS_SPACE_BYTES`]: an allocation beyond it
/// fails, and Rust aborts, which no case below may do.
fn limited(args: &[&str]) -> Output {
    let mut c = command(args);
    // SAFETY: between fork and exec the closure only calls setrlimit, which is async-signal-safe,
    // and allocates nothing.
    unsafe {
        c.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE_BYTES as libc::rlim_t,
                rlim_max: ADDRESS_SPACE_BYTES as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    c.output().expect("run ecsim")
}

/// The names in `dir`.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A service whose tasks start and stop without time passing (run duration, pending and stopping
/// all 0): it churns as long as it is let.
fn churn(horizon: &str) -> String {
    format!(
        r#"{{"schemaVersion": 1, "name": "churn", "horizon": "{horizon}", "timings": {{"pending": 0, "stopping": 0}},
  "actions": [
    {{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "c"}}}},
    {{"at": 0, "action": "RegisterContainerInstance", "input": {{"cluster": "c", "totalResources": [{{"name": "CPU", "type": "INTEGER", "integerValue": 4096}}, {{"name": "MEMORY", "type": "INTEGER", "integerValue": 8192}}]}}}},
    {{"at": 0, "action": "RegisterTaskDefinition", "input": {{"family": "spin", "containerDefinitions": [{{"name": "s", "image": "s", "memory": 128}}]}},
     "simulation": {{"runDuration": {{"dist": "fixed", "value": 0}}}}}},
    {{"at": 1, "action": "CreateService", "input": {{"cluster": "c", "serviceName": "spin", "taskDefinition": "spin", "desiredCount": 3}}}}
  ]}}"#
    )
}

const CLUSTER: &str = r#"{"at": 0, "action": "CreateCluster", "input": {"clusterName": "c"}}"#;

/// Each fuzz-found input, under the memory limit: exit code 2, the cause and what to change in the
/// message, nothing on stdout, no run directory and no temporary directory left.
#[test]
fn fuzz_inputs_end_with_exit_2_under_a_memory_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut many_actions = String::from(r#"{"schemaVersion": 1, "name": "many", "actions": ["#);
    many_actions.push_str(&vec!["0"; ecsim_scenario::MAX_ACTIONS + 1].join(","));
    many_actions.push_str("]}");
    let cases: Vec<(&str, String, &[&str], &[&str])> = vec![
        // Item 9: a 1-day horizon with 1 ms samples; a horizon of 2^31 s.
        (
            "samples",
            format!(
                r#"{{"schemaVersion": 1, "name": "s", "horizon": "1d", "sampleInterval": "1ms", "actions": [{CLUSTER}]}}"#
            ),
            &[],
            &[
                "sampleInterval",
                "horizon",
                "86400001 sample times",
                "1000000",
            ],
        ),
        (
            "horizon",
            format!(
                r#"{{"schemaVersion": 1, "name": "h", "horizon": 2147483648, "actions": [{CLUSTER}]}}"#
            ),
            &[],
            &[
                "horizon",
                "24855 days",
                "at most 3660 days",
                "sampleInterval",
                "35791395 sample times",
            ],
        ),
        // Item 10: zero-time churn reaches the event budget, and the output budget.
        (
            "churn-events",
            churn("1h"),
            &["--max-events", "200000"],
            &[
                "event budget of 200000 events",
                "without time passing",
                "--max-events",
                "nothing was written",
            ],
        ),
        (
            "churn-output",
            churn("1h"),
            &["--max-output-bytes", "1000000"],
            &[
                "budget of 1000000 bytes",
                "--max-output-bytes",
                "nothing was written",
            ],
        ),
        // Item 11: a million actions, each an error, used to take gigabytes in errors and positions.
        (
            "actions",
            many_actions,
            &[],
            &["actions", "1000001 actions", "at most 1000000"],
        ),
    ];
    for (name, scenario, flags, fragments) in &cases {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, scenario).expect("write");
        let runs = dir.path().join(format!("runs-{name}"));
        std::fs::create_dir(&runs).expect("mkdir");
        let out_dir = runs.join("out");
        let mut args = vec![
            "run",
            file.to_str().expect("utf-8"),
            "--out",
            out_dir.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(flags);
        let out = limited(&args);
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name}: exit code; stderr: {err}"
        );
        for f in *fragments {
            assert!(err.contains(f), "{name}: mentions {f:?}: {err}");
        }
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(
            entries(&runs).is_empty(),
            "{name}: nothing written: {:?}",
            entries(&runs)
        );
    }
    // A file over the size limit is refused before it is read: a sparse file, so it takes no disk.
    let huge = dir.path().join("huge.json");
    let f = std::fs::File::create(&huge).expect("create");
    f.set_len(ecsim_scenario::MAX_FILE_BYTES + 1)
        .expect("set_len");
    drop(f);
    for args in [
        vec!["validate", huge.to_str().expect("utf-8")],
        vec!["run", huge.to_str().expect("utf-8"), "--out", "unused"],
    ] {
        let out = limited(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("huge.json") && err.contains("more than a scenario file may be"),
            "{err}"
        );
    }
    assert!(!root().join("unused").exists());
}

/// Starts a churning run of a simulated year (longer than any test waits for) into
/// `dir/out`, and returns it once its temporary directory exists (the signal handlers are in place
/// before it is created).
fn start_long_run(dir: &Path) -> (Child, PathBuf) {
    let file = dir.join("long.json");
    std::fs::write(&file, churn("365d")).expect("write");
    let out_dir = dir.join("out");
    let file = file.to_str().expect("utf-8");
    let out = out_dir.to_str().expect("utf-8");
    spawn_writing(
        &["run", file, "--out", out, "--events", "none"],
        dir,
        "events.jsonl",
    )
}

/// Starts ecsim with `args` writing into `dir/out`, and returns it once `name` exists in its
/// temporary directory `dir/.out.tmp-PID` (the directory itself for ""), with that directory.
fn spawn_writing(args: &[&str], dir: &Path, name: &str) -> (Child, PathBuf) {
    let child = command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ecsim");
    let tmp = dir.join(format!(".out.tmp-{}", child.id()));
    let deadline = Instant::now() + Duration::from_secs(120);
    while !tmp.join(name).exists() {
        assert!(
            Instant::now() < deadline,
            "ecsim never created {tmp:?}/{name}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, tmp)
}

/// ecsim stopped by `signal` (called `name`): exit 128 + the signal, the message, and nothing left
/// in `dir` but `left`.
fn assert_interrupted(out: &Output, signal: libc::c_int, name: &str, dir: &Path, left: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(128 + signal), "{name}: {err}");
    assert!(
        err.contains(&format!("interrupted by {name}")) && err.contains("nothing was written"),
        "{name}: {err}"
    );
    assert_eq!(entries(dir), [left], "{name}: nothing is left");
}

/// Waits for `child` to exit (killing it and failing after two minutes).
fn wait(mut child: Child) -> Output {
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the run did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn send(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) with the pid of our own child.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
}

/// Item 12: SIGINT and SIGTERM stop the run, which removes its temporary directory and exits with
/// 128 + the signal's number, saying so.
#[test]
fn an_interrupted_run_removes_its_temporary_directory() {
    for (signal, name) in [(libc::SIGINT, "SIGINT"), (libc::SIGTERM, "SIGTERM")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (child, tmp) = start_long_run(dir.path());
        send(&child, signal);
        let out = wait(child);
        assert!(!tmp.exists(), "{name}: the temporary directory is removed");
        assert_interrupted(&out, signal, name, dir.path(), "long.json");
    }
}

/// Item 12: a run killed outright (SIGKILL) leaves its temporary directory; the next run into the
/// same place removes it, and leaves alone what is not a dead run's.
#[test]
fn a_later_run_removes_what_a_killed_run_left() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, killed) = start_long_run(dir.path());
    send(&child, libc::SIGKILL);
    let out = wait(child);
    assert_eq!(out.status.code(), None, "killed");
    assert!(killed.exists(), "a killed run cannot clean up");
    // A temporary directory of a process that is still there (this test's), and one of a gone
    // process that holds something other than run files: neither is a dead run's.
    let live = dir.path().join(format!(".out.tmp-{}", std::process::id()));
    std::fs::create_dir(&live).expect("mkdir");
    std::fs::write(live.join("events.jsonl"), "").expect("write");
    let mut gone = Command::new("true").spawn().expect("spawn true");
    gone.wait().expect("wait");
    let not_a_run = dir.path().join(format!(".out.tmp-{}", gone.id()));
    std::fs::create_dir(&not_a_run).expect("mkdir");
    std::fs::write(not_a_run.join("notes.txt"), "mine").expect("write");
    let out_dir = dir.path().join("out");
    let next = command(&[
        "run",
        "scenarios/quickstart.json",
        "--out",
        out_dir.to_str().expect("utf-8"),
    ])
    .output()
    .expect("run ecsim");
    assert_eq!(next.status.code(), Some(0), "{}", text(&next.stderr));
    assert!(
        !killed.exists(),
        "the killed run's temporary directory is removed"
    );
    assert!(
        live.exists(),
        "a running process's temporary directory stays"
    );
    assert!(
        not_a_run.join("notes.txt").exists(),
        "what is not run files stays"
    );
    assert!(out_dir.join("summary.json").is_file());
    // A previous run moved aside by a run killed before it could remove it, once the new run is in
    // place, goes too.
    let moved_aside = dir.path().join(format!(".out.old-{}", gone.id()));
    std::fs::create_dir(&moved_aside).expect("mkdir");
    std::fs::write(moved_aside.join("summary.json"), "{}").expect("write");
    let again = command(&[
        "run",
        "scenarios/quickstart.json",
        "--out",
        out_dir.to_str().expect("utf-8"),
    ])
    .output()
    .expect("run ecsim");
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(!moved_aside.exists(), "the moved-aside run is removed");
    assert_eq!(
        entries(dir.path()),
        [
            "long.json".to_string(),
            live.file_name().unwrap().to_string_lossy().into_owned(),
            not_a_run
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            "out".to_string()
        ]
        .iter()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
}

/// A sweep stopped by SIGINT or SIGTERM runs no further run, removes its temporary directory and
/// exits with 128 + the signal's number, as a run does.
#[test]
fn an_interrupted_sweep_removes_its_temporary_directory() {
    for (signal, name) in [(libc::SIGINT, "SIGINT"), (libc::SIGTERM, "SIGTERM")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let sweep = dir.path().join("sweep.json");
        let scenario = root().join("scenarios/placement-strategies.json");
        std::fs::write(
            &sweep,
            format!(
                r#"{{ "schemaVersion": 1, "name": "long", "scenario": "{}",
                "seeds": {{ "from": 1, "to": 1000000 }}, "variants": [ {{ "name": "base", "set": {{}} }} ] }}"#,
                scenario.display()
            ),
        )
        .expect("write");
        let out_dir = dir.path().join("out");
        let (sweep, out) = (
            sweep.to_str().expect("utf-8"),
            out_dir.to_str().expect("utf-8"),
        );
        let (child, _) = spawn_writing(
            &["sweep", sweep, "--out", out, "--jobs", "1"],
            dir.path(),
            "",
        );
        send(&child, signal);
        let out = wait(child);
        assert_interrupted(&out, signal, name, dir.path(), "sweep.json");
    }
}
