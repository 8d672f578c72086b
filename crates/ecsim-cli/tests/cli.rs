//! The `ecsim` binary end to end: bad input, determinism, golden summaries of every bundled
//! scenario, `validate`, `explain` and exit codes.
//!
//! Goldens live in the top-level `tests/golden/`; `ECSIM_BLESS=1 cargo test -p ecsim-cli` rewrites them
//! after a deliberate change (review the diff).

mod support;
use std::path::PathBuf;
use support::{ecsim, root, text};

fn scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    assert!(v.len() >= 5, "at least five bundled scenarios");
    v
}

const RUN_FILES: [&str; 5] = [
    "summary.json",
    "events.jsonl",
    "timeseries.csv",
    "services.csv",
    "snapshots.jsonl",
];

/// Each broken scenario: exit code 2, the file, the JSON path and the offending value in the message,
/// nothing on stdout, and no output directory.
#[test]
fn bad_input_is_exit_2_with_path_and_nothing_written() {
    let cases: &[(&str, &[&str])] = &[
        (
            "service-duplicate-name.json",
            &["actions[3].input.serviceName", "already exists"],
        ),
        (
            "service-missing-desired-count.json",
            &["actions[2].input.desiredCount"],
        ),
        (
            "desired-count-over-5000.json",
            &["actions[2].input.desiredCount", "5001"],
        ),
        (
            "daemon-with-desired-count.json",
            &["actions[2].input.desiredCount", "DAEMON"],
        ),
        (
            "daemon-with-placement-strategy.json",
            &["actions[2].input.placementStrategy", "DAEMON"],
        ),
        (
            "daemon-maximum-percent.json",
            &[
                "actions[2].input.deploymentConfiguration.maximumPercent",
                "200",
            ],
        ),
        (
            "minimum-healthy-over-100.json",
            &[
                "actions[2].input.deploymentConfiguration.minimumHealthyPercent",
                "150",
            ],
        ),
        (
            "code-deploy-controller.json",
            &["actions[2].input.deploymentController.type", "CODE_DEPLOY"],
        ),
        (
            "external-service-task-definition.json",
            &["actions[2].input.taskDefinition", "EXTERNAL"],
        ),
        ("unknown-service.json", &["actions[3].input.service", "wbe"]),
        (
            "task-set-on-ecs-service.json",
            &["actions[3].input.service", "EXTERNAL"],
        ),
        (
            "unknown-task-set.json",
            &["actions[4].input.primaryTaskSet", "green"],
        ),
        (
            "scale-over-100.json",
            &["actions[3].input.scale.value", "150"],
        ),
        (
            "task-protection-eleven-tasks.json",
            &["actions[2].input.tasks"],
        ),
        (
            "describe-services-empty.json",
            &["actions[2].input.services", "[]"],
        ),
        (
            "assertion-unknown-service.json",
            &["assertions[0].service", "wbe"],
        ),
        (
            "fargate-bridge-network-mode.json",
            &["actions[2].input.taskDefinition", "awsvpc"],
        ),
        (
            "fargate-invalid-task-size.json",
            &["actions[2].input.taskDefinition", "ClientException"],
        ),
        (
            "fargate-placement-strategy.json",
            &["actions[2].input.placementStrategy", "Fargate"],
        ),
        (
            "fargate-without-subnets.json",
            &["actions[2].input.networkConfiguration", "subnets"],
        ),
        (
            "subnets-over-16.json",
            &[
                "actions[2].input.networkConfiguration.awsvpcConfiguration.subnets",
                "16",
            ],
        ),
        (
            "launch-type-with-strategy.json",
            &["actions[2].input.capacityProviderStrategy", "launchType"],
        ),
        (
            "strategy-mixes-fargate-and-group.json",
            &["actions[3].input.capacityProviderStrategy", "FARGATE_SPOT"],
        ),
        (
            "strategy-all-weights-zero.json",
            &["actions[3].input.capacityProviderStrategy", "weight"],
        ),
        (
            "strategy-two-bases.json",
            &["actions[2].input.capacityProviderStrategy[1].base", "base"],
        ),
        (
            "unknown-capacity-provider.json",
            &[
                "actions[3].input.capacityProviderStrategy[0].capacityProvider",
                "cpp",
            ],
        ),
        (
            "capacity-provider-reserved-prefix.json",
            &["actions[0].input.name", "ecs-on-demand"],
        ),
        (
            "capacity-provider-without-group.json",
            &["actions[0].simulation.autoScalingGroup"],
        ),
        (
            "termination-protection-without-managed-scaling.json",
            &[
                "actions[0].input.autoScalingGroupProvider.managedTerminationProtection",
                "managed scaling",
            ],
        ),
        (
            "target-capacity-over-100.json",
            &[
                "actions[0].input.autoScalingGroupProvider.managedScaling.targetCapacity",
                "120",
            ],
        ),
        (
            "group-desired-above-max.json",
            &[
                "actions[0].simulation.autoScalingGroup.desiredCapacity",
                "6",
            ],
        ),
        (
            "group-image-from-ssm.json",
            &[
                "actions[0].simulation.autoScalingGroup.imageId",
                "resolve:ssm:",
            ],
        ),
        (
            "provider-in-two-clusters.json",
            &["actions[2].input.capacityProviders[0]", "cp"],
        ),
        (
            "default-strategy-not-in-providers.json",
            &[
                "actions[1].input.defaultCapacityProviderStrategy[0].capacityProvider",
                "capacityProviders",
            ],
        ),
        (
            "put-cluster-providers-without-default-strategy.json",
            &["actions[2].input.defaultCapacityProviderStrategy"],
        ),
        (
            "delete-fargate-provider.json",
            &["actions[0].input.capacityProvider", "FARGATE_SPOT"],
        ),
        (
            "interrupt-on-demand-provider.json",
            &["actions[1].input.capacityProvider", "spot"],
        ),
        (
            "fail-zone-of-another-region.json",
            &["actions[0].input.availabilityZone", "eu-west-1a"],
        ),
        (
            "launch-into-fargate-provider.json",
            &["actions[1].input.capacityProvider", "FARGATE"],
        ),
        ("spot-discount-of-1.json", &["pricing.spotDiscount", "1.0"]),
        (
            "subnet-in-another-region.json",
            &["subnets.subnet-0abc", "eu-west-1a"],
        ),
        (
            "assertion-unknown-capacity-provider.json",
            &["assertions[0].capacityProvider", "cq"],
        ),
        (
            "instance-arn-of-another-region.json",
            &["actions[2].input.containerInstances[0]", "eu-west-1"],
        ),
        ("empty-file.json", &["empty"]),
        ("malformed-json.json", &[":2:"]),
        (
            "not-utf-8.json",
            &["not-utf-8.json:2:39", "not UTF-8", "byte 0xe9"],
        ),
        ("not-an-object.json", &["object"]),
        ("missing-name.json", &["name"]),
        ("unknown-top-level-field.json", &["colour"]),
        (
            "unknown-container-field.json",
            &["actions[1].input.containerDefinitions[0].colour"],
        ),
        (
            "wrong-type-count.json",
            &["actions[2].input.count", "three"],
        ),
        (
            "value-outside-enum.json",
            &[
                "actions[2].input.availabilityZoneRebalancing",
                "SOMETIMES",
                "expected one of ENABLED, DISABLED",
            ],
        ),
        (
            "unknown-action.json",
            &["actions[1].action", "LaunchRockets"],
        ),
        (
            "unknown-task-definition.json",
            &["actions[2].input.taskDefinition", "api:1"],
        ),
        (
            "unknown-instance-type.json",
            &["actions[1].input.instanceType", "z9.mega"],
        ),
        ("unsupported-schema-version.json", &["schemaVersion", "2"]),
        ("count-eleven.json", &["actions[2].input.count", "11"]),
        (
            "six-strategies.json",
            &["actions[2].input.placementStrategy"],
        ),
        (
            "binpack-on-disk.json",
            &["actions[2].input.placementStrategy[0].field", "disk"],
        ),
        (
            "expression-on-distinct-instance.json",
            &["actions[2].input.placementConstraints[0]", "expression"],
        ),
        (
            "image-metadata-unknown-filter.json",
            &["actions[2].input.Filters[0].Name", "image-id"],
        ),
        (
            "image-metadata-max-results-over-1000.json",
            &["actions[1].input.MaxResults", "1000"],
        ),
        (
            "launch-tag-reserved-prefix.json",
            &["actions[1].input.tags[0].key", "aws:"],
        ),
        (
            "ami-bad-deprecation-time.json",
            &["amis[0].deprecation_time", "ISO-8601"],
        ),
        (
            "ssm-parameter-unknown.json",
            &["actions[1].input.imageId", "no SSM parameter named"],
        ),
        (
            "ssm-parameter-value-not-json.json",
            &["ssmParameters[0].Value", "not JSON"],
        ),
        (
            "drain-list-and-filter.json",
            &["actions[2].input.filter", "not both"],
        ),
        (
            "register-instance-ec2-tag-spelling.json",
            &["actions[1].input.tags[0].Key", "did you mean 'key'?"],
        ),
        (
            "refresh-fargate-provider.json",
            &[
                "actions[1].input.capacityProvider",
                "no instances to refresh",
            ],
        ),
        (
            "refresh-healthy-spread-over-100.json",
            &[
                "actions[1].input.maxHealthyPercentage",
                "more than 100 above",
            ],
        ),
        (
            "refresh-image-from-unknown-ssm-parameter.json",
            &["actions[1].input.imageId", "no SSM parameter named"],
        ),
        (
            "bad-query-syntax.json",
            &["actions[2].input.placementConstraints[0].expression", "is"],
        ),
        (
            "cyclic-depends-on.json",
            &["actions[1].input.containerDefinitions"],
        ),
        ("negative-duration.json", &["actions[1].at", "-5"]),
        ("unparseable-duration.json", &["actions[1].at", "5 minutes"]),
        (
            "unknown-cluster.json",
            &["actions[1].input.cluster", "nowhere"],
        ),
        (
            "duplicate-host-port.json",
            &[
                "actions[1].input.containerDefinitions[1].portMappings[0]",
                "8080",
            ],
        ),
        (
            "horizon-over-3660-days.json",
            &["horizon", "4294967296", "at most 3660 days"],
        ),
        (
            "too-many-samples.json",
            &["sampleInterval", "horizon", "1000000"],
        ),
        (
            "load-balancer-unknown-container.json",
            &["actions[2].input.loadBalancers[0].containerName", "nginx"],
        ),
        (
            "load-balancer-simulation-without-load-balancers.json",
            &["actions[2].simulation.loadBalancer", "no loadBalancers"],
        ),
        (
            "fault-unknown-type.json",
            &["faults[0].type", "did you mean 'instanceLoss'"],
        ),
        ("fault-unknown-cluster.json", &["faults[0].cluster", "prd"]),
        ("fault-two-rates.json", &["faults[0].ratePerDay"]),
        (
            "fault-outage-without-duration.json",
            &["faults[0].duration"],
        ),
        ("fault-until-before-from.json", &["faults[0].until", "1h"]),
        ("fault-bad-filter.json", &["faults[0].filter", "column 35"]),
        (
            "fault-spot-on-demand-provider.json",
            &["faults[0].capacityProvider", "on-demand"],
        ),
        (
            "fault-task-crash-unknown-service.json",
            &["faults[0].service", "wbe"],
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = std::fs::read_dir(root().join("tests/bad-input"))
        .expect("corpus")
        .count();
    assert_eq!(
        corpus,
        cases.len(),
        "every file of tests/bad-input has a case here"
    );
    for (file, fragments) in cases {
        let path = format!("tests/bad-input/{file}");
        let out_dir = dir.path().join(file);
        let out = ecsim(&["run", &path, "--out", out_dir.to_str().expect("utf-8")]);
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{file}: exit code; stderr: {err}"
        );
        assert!(err.contains(&path), "{file}: names the file: {err}");
        for f in *fragments {
            assert!(err.contains(f), "{file}: mentions {f:?}: {err}");
        }
        assert!(out.stdout.is_empty(), "{file}: nothing on stdout");
        assert!(!out_dir.exists(), "{file}: no output directory");
        let v = ecsim(&["validate", &path]);
        assert_eq!(v.status.code(), Some(2), "{file}: validate agrees");
    }
    // Errors other than scenario content.
    let missing = ecsim(&["run", "tests/bad-input/no-such-file.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no-such-file.json"));
    let usage = ecsim(&["run"]);
    assert_eq!(usage.status.code(), Some(2));
    let bad_flag = ecsim(&["run", "scenarios/quickstart.json", "--seed", "minus-one"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

/// Every bundled scenario validates, runs, matches its golden summary, and gives byte-identical
/// files when run twice.
#[test]
fn bundled_scenarios_are_deterministic_and_match_their_goldens() {
    let bless = std::env::var_os("ECSIM_BLESS").is_some();
    let dir = tempfile::tempdir().expect("tempdir");
    for scenario in scenarios() {
        let name = scenario
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let rel = format!("scenarios/{name}.json");
        assert_eq!(
            ecsim(&["validate", &rel]).status.code(),
            Some(0),
            "{name} validates"
        );
        let a = dir.path().join(format!("{name}-a"));
        let b = dir.path().join(format!("{name}-b"));
        for d in [&a, &b] {
            let out = ecsim(&["run", &rel, "--out", d.to_str().expect("utf-8")]);
            assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        }
        for f in RUN_FILES {
            let x = std::fs::read(a.join(f)).expect("file written");
            let y = std::fs::read(b.join(f)).expect("file written");
            assert!(x == y, "{name}/{f} differs between two runs");
        }
        let summary = std::fs::read_to_string(a.join("summary.json")).expect("summary");
        let golden = root().join(format!("tests/golden/{name}.summary.json"));
        if bless {
            std::fs::write(&golden, &summary).expect("bless");
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
            panic!(
                "missing golden {}; run with ECSIM_BLESS=1",
                golden.display()
            )
        });
        assert!(
            summary == expected,
            "{name}: summary.json differs from {}",
            golden.display()
        );
    }
}

/// A scenario with random placement gives different placements under two seeds.
#[test]
fn seeds_change_random_placements() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = |seed: &str| {
        let d = dir.path().join(seed);
        let out = ecsim(&[
            "run",
            "scenarios/batch-jobs.json",
            "--seed",
            seed,
            "--out",
            d.to_str().expect("utf-8"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        std::fs::read_to_string(d.join("events.jsonl")).expect("events")
    };
    let (one, two) = (events("1"), events("2"));
    let decisions = |s: &str| {
        s.lines()
            .filter(|l| l.contains("ECS Placement Decision"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(!decisions(&one).is_empty());
    assert_ne!(decisions(&one), decisions(&two));
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("2/summary.json")).expect("summary"),
    )
    .expect("json");
    assert_eq!(summary["seed"], 2, "--seed overrides the scenario's seed");
}

/// An assertion that fails gives exit code 1 and the command that reproduces it.
#[test]
fn failed_assertion_is_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("tight.json");
    std::fs::write(
        &scenario,
        r#"{"schemaVersion": 1, "name": "tight", "horizon": "10m", "actions": [
  {"at": 0, "action": "CreateCluster", "input": {"clusterName": "c"}},
  {"at": 0, "action": "LaunchContainerInstances", "input": {"cluster": "c", "instanceType": "m5.large", "count": 1}},
  {"at": 0, "action": "RegisterTaskDefinition", "input": {"family": "big", "containerDefinitions": [{"name": "a", "image": "x", "cpu": 2048, "memory": 1024}]}},
  {"at": "2m", "action": "RunTask", "input": {"cluster": "c", "taskDefinition": "big", "count": 2}}
], "assertions": [{"type": "maxPlacementFailures", "atMost": 0}]}"#,
    )
    .expect("write");
    let out_dir = dir.path().join("out");
    let out = ecsim(&[
        "run",
        scenario.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("FAILED"));
    assert!(
        text(&out.stderr).contains("reproduce: ")
            && text(&out.stderr).contains(" run ")
            && text(&out.stderr).contains("--seed 1")
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("summary.json")).expect("written"),
    )
    .expect("json");
    assert_eq!(summary["assertions"][0]["passed"], false);
    assert_eq!(summary["counts"]["placementFailures"]["RESOURCE:CPU"], 1);
}

/// `explain` prints every instance with its verdict and the placement.
#[test]
fn explain_names_the_check_that_rejects_each_instance() {
    let out = ecsim(&[
        "explain",
        "scenarios/port-conflicts.json",
        "--at",
        "3m",
        "--task-definition",
        "web-static",
    ]);
    let s = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(s.contains("i-00000000000000001"), "{s}");
    assert!(s.contains("RESOURCE:PORTS") || s.contains("fits"), "{s}");
    let bad = ecsim(&[
        "explain",
        "scenarios/port-conflicts.json",
        "--at",
        "soon",
        "--task-definition",
        "web-static",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let unknown = ecsim(&[
        "explain",
        "scenarios/port-conflicts.json",
        "--at",
        "3m",
        "--task-definition",
        "nope",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// `explain` of a task assigned to a capacity provider (SPEC §8: "placed (§4) only among that
/// provider's instances") prints the pipeline's restriction line and marks the other instances as
/// not considered; instances terminated by the spot interruption at 30 m are gone, with no
/// resources "free"; and with one candidate left every strategy still shows its score (SPEC §4:
/// "per strategy, the scores and the surviving set").
#[test]
fn explain_shows_the_provider_terminated_instances_and_every_score() {
    let out = ecsim(&[
        "explain",
        "scenarios/capacity-provider-split.json",
        "--at",
        "40m",
        "--task-definition",
        "web",
        "--capacity-provider",
        "on-demand",
        "--constraints",
        r#"[{"type":"memberOf","expression":"ec2InstanceId == i-00000000000000001"}]"#,
        "--strategy",
        r#"[{"type":"spread","field":"attribute:ecs.availability-zone"},{"type":"binpack","field":"memory"}]"#,
    ]);
    let s = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        s.contains(
            "capacity provider on-demand: only its instances are considered (2 of the cluster's 8)"
        ),
        "{s}"
    );
    let line = |id: &str| {
        s.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} listed: {s}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(line("i-00000000000000001").ends_with("fits"), "{s}");
    assert!(
        line("i-00000000000000003").ends_with("not considered: not of this capacity provider"),
        "{s}"
    );
    assert!(
        line("i-00000000000000004").ends_with("m5.large - - gone: terminated"),
        "{s}"
    );
    for step in [
        "strategy spread(attribute:ecs.availability-zone): keeps 1 of 1",
        "strategy binpack(MEMORY): keeps 1 of 1",
    ] {
        assert!(s.contains(step), "{step}: {s}");
    }
    assert!(
        s.contains("placement: i-00000000000000001 (1 finalist"),
        "{s}"
    );
    // A provider the cluster does not have, and a Fargate one, are usage errors.
    for provider in ["spt", "FARGATE"] {
        let bad = ecsim(&[
            "explain",
            "scenarios/capacity-provider-split.json",
            "--at",
            "40m",
            "--task-definition",
            "web",
            "--capacity-provider",
            provider,
        ]);
        assert_eq!(bad.status.code(), Some(2));
        assert!(
            text(&bad.stderr).contains("is not associated with cluster 'prod'"),
            "{}",
            text(&bad.stderr)
        );
    }
}

/// The scenario that calls every supported action (the loader's fixture) runs to the same bytes
/// twice, services and task sets included.
#[test]
fn every_action_is_deterministic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rel = "crates/ecsim-scenario/tests/every_action.json";
    let runs: Vec<PathBuf> = ["a", "b"]
        .iter()
        .map(|n| {
            let d = dir.path().join(n);
            let out = ecsim(&["run", rel, "--out", d.to_str().expect("utf-8")]);
            assert!(
                matches!(out.status.code(), Some(0) | Some(1)),
                "{}",
                text(&out.stderr)
            );
            d
        })
        .collect();
    for f in RUN_FILES {
        let x = std::fs::read(runs[0].join(f)).expect("file written");
        let y = std::fs::read(runs[1].join(f)).expect("file written");
        assert!(x == y, "every_action/{f} differs between two runs");
    }
    let events = std::fs::read_to_string(runs[0].join("events.jsonl")).expect("events");
    for kind in ["ECS Service Action", "ECS Deployment State Change"] {
        assert!(events.contains(kind), "every_action shows {kind}");
    }
    let snapshots = std::fs::read_to_string(runs[0].join("snapshots.jsonl")).expect("snapshots");
    assert!(snapshots.contains("\"action\":\"DescribeServices\""));
}

/// A run that reaches a budget (SPEC §3 run limits: `--max-events`, `--max-output-bytes`) ends with
/// exit code 2, a message naming the simulated time and the flag, and nothing written.
#[test]
fn budgets_end_the_run_with_nothing_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--max-events", "50"],
            &[
                "event budget of 50 events",
                "--max-events",
                "simulated time",
            ],
        ),
        (
            &["--max-output-bytes", "2000"],
            &[
                "budget of 2000 bytes",
                "--max-output-bytes",
                "simulated time",
            ],
        ),
    ];
    for (k, (flags, fragments)) in cases.iter().enumerate() {
        let out_dir = dir.path().join(format!("run-{k}"));
        let mut args = vec![
            "run",
            "scenarios/quickstart.json",
            "--out",
            out_dir.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(flags);
        let out = ecsim(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        for f in *fragments {
            assert!(err.contains(f), "{flags:?}: mentions {f:?}: {err}");
        }
        assert!(!out_dir.exists(), "{flags:?}: nothing written");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert!(
            leftovers.is_empty(),
            "{flags:?}: no temporary directory left: {leftovers:?}"
        );
    }
}

/// Zero-time churn (issue 9, bounds): tasks of a service that start and stop without time passing
/// cannot run the machine out of memory; the event budget ends the run, naming the cause and the
/// flag to raise.
#[test]
fn zero_time_churn_ends_at_the_event_budget() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("churn.json");
    std::fs::write(
        &scenario,
        r#"{"schemaVersion": 1, "name": "churn", "horizon": "1h", "timings": {"pending": 0, "stopping": 0},
  "actions": [
    {"at": 0, "action": "CreateCluster", "input": {"clusterName": "c"}},
    {"at": 0, "action": "RegisterContainerInstance", "input": {"cluster": "c", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 4096}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 8192}]}},
    {"at": 0, "action": "RegisterTaskDefinition", "input": {"family": "spin", "containerDefinitions": [{"name": "s", "image": "s", "memory": 128}]},
     "simulation": {"runDuration": {"dist": "fixed", "value": 0}}},
    {"at": 1, "action": "CreateService", "input": {"cluster": "c", "serviceName": "spin", "taskDefinition": "spin", "desiredCount": 3}}
  ]}"#,
    )
    .expect("write");
    let out_dir = dir.path().join("out");
    let out = ecsim(&[
        "run",
        scenario.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
        "--max-events",
        "200000",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--max-events") && err.contains("without time passing"),
        "{err}"
    );
    assert!(!out_dir.exists());
}

/// `ecsim schema` prints the JSON Schema of the scenario format (SPEC §13.4), and says so in its
/// help.
#[test]
fn schema_prints_a_draft_2020_12_json_schema() {
    let out = ecsim(&["schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["$defs"]["CreateServiceRequest"]["properties"]["availabilityZoneRebalancing"]
            ["$ref"],
        "#/$defs/AvailabilityZoneRebalancing"
    );
    let help = text(&ecsim(&["schema", "--help"]).stdout);
    assert!(help.contains("JSON Schema (draft 2020-12)"), "{help}");
    assert!(
        help.contains("Example: `ecsim schema > scenario.schema.json`"),
        "{help}"
    );
}

/// The report of an AMI rollout marks the instance refresh's start and end on the instances
/// chart.
#[test]
fn the_report_marks_an_instance_refresh() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let o = ecsim(&[
        "run",
        "scenarios/ami-rollout.json",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = ecsim(&["report", out.to_str().expect("utf-8")]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let chart = html
        .split("id=\"instances\"")
        .nth(1)
        .expect("the instances chart");
    let chart = &chart[..chart.find("</svg>").expect("its end")];
    assert!(
        chart.contains("<title>fleet: refresh started</title>"),
        "{chart}"
    );
    assert!(
        chart.contains("<title>fleet: refresh completed</title>"),
        "{chart}"
    );
}
