//! The README's example scenario is valid and runs as the README says.

#[test]
fn readme_example_scenario_loads_and_places_every_task() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme.find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + readme[start..].find("```").expect("closed block");
    let loaded = ecsim_scenario::load(&readme[start..end])
        .unwrap_or_else(|e| panic!("README example: {e:?}"));
    let out = ecsim_engine::run(&loaded.scenario);
    assert_eq!(out.counts.placements, 10);
    assert!(out.assertions.iter().all(|a| a.passed));
    assert_eq!(out.snapshots().count(), 1, "the Snapshot action");
}

/// The README's capacity-provider example does what its text says: the tasks wait in PROVISIONING,
/// the group scales out from zero by 2 m5.large, every task runs, and its assertions pass.
#[test]
fn readme_capacity_example_scales_out_by_two() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let block = readme
        .split("```json\n")
        .skip(1)
        .map(|b| &b[..b.find("```").expect("closed block")])
        .find(|b| b.contains("\"name\": \"scale-out\""))
        .expect("the capacity example");
    let loaded = ecsim_scenario::load(block).unwrap_or_else(|e| panic!("README example: {e:?}"));
    let out = ecsim_engine::run(&loaded.scenario);
    assert!(
        out.assertions.iter().all(|a| a.passed),
        "{:?}",
        out.assertions
    );
    assert_eq!(out.counts.placements, 8);
    assert_eq!(out.counts.placement_failures_total(), 0);
    let c = out.world.cluster(ecsim_model::ClusterId(0));
    assert_eq!(c.provisioning_peak, 8, "the tasks waited for capacity");
    let launches: Vec<u32> = out
        .events()
        .filter_map(|e| match &e.detail {
            ecsim_engine::EventDetail::ScalingActivity {
                activity: ecsim_engine::ScalingActivityKind::Launch,
                count,
                ..
            } => Some(*count),
            _ => None,
        })
        .collect();
    assert_eq!(launches, vec![2], "one scale-out from zero, of 2 instances");
}

/// The README's "Planning capacity" section shows the bundled plan as it is (less its description)
/// and the table the planner committed for it.
#[test]
fn readme_planning_section_shows_the_bundled_plan_and_its_table() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let section = &readme[readme.find("### Planning capacity").expect("the section")..];
    let block = |fence: &str| {
        let start = section.find(fence).expect("a block") + fence.len();
        &section[start..start + section[start..].find("```").expect("closed block")]
    };
    let shown = ecsim_cli::plan::parse_plan(block("```json\n")).expect("the README's plan");
    let file = std::fs::read_to_string(format!("{root}/scenarios/plans/one-zone-down.json"))
        .expect("the bundled plan");
    let mut bundled = ecsim_cli::plan::parse_plan(&file).expect("the bundled plan");
    bundled.description = None;
    assert_eq!(shown, bundled);
    let table = std::fs::read_to_string(format!("{root}/results/one-zone-down/plan.csv"))
        .expect("results/one-zone-down/plan.csv");
    assert_eq!(block("```csv\n"), table);
}

/// The README's `faults` fragment is valid in a scenario, and its `ecsim check` example fails first
/// at the seed its `ecsim run` line names.
#[test]
fn readme_faults_and_check_examples() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let block = readme
        .split("```json\n")
        .skip(1)
        .map(|b| &b[..b.find("```").expect("closed block")])
        .find(|b| b.trim_start().starts_with("\"faults\""))
        .expect("the faults example");
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/check-instance-loss.json"
    ))
    .expect("the check example");
    let at = example.find("\"faults\"").expect("a faults block");
    let end = example.rfind(']').expect("its end") + 1;
    let spliced = format!("{}{}{}", &example[..at], block.trim(), &example[end..]);
    let loaded = ecsim_scenario::load(&spliced).unwrap_or_else(|e| panic!("README faults: {e:?}"));
    assert_eq!(loaded.scenario.faults.as_ref().map(Vec::len), Some(2));

    let loaded = ecsim_scenario::load(&example).expect("valid");
    let outcomes =
        ecsim_cli::check::check_seeds(&loaded.scenario, 1, 200, 2, &|| {}).expect("runs");
    let first = outcomes
        .iter()
        .find(|o| o.first.is_some())
        .expect("a failing seed");
    let line = format!(
        "target/release/ecsim run scenarios/check-instance-loss.json --seed {}",
        first.seed
    );
    assert!(
        readme.contains(&line),
        "README names the first failing seed: {line}"
    );
}

/// The README's sweep example is a valid sweep of the bundled strategy workload, and each of its
/// combinations loads (it is written as if saved in `scenarios/sweeps/`).
#[test]
fn readme_sweep_example_is_valid() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let block = readme
        .split("```json\n")
        .skip(1)
        .map(|b| &b[..b.find("```").expect("closed block")])
        .find(|b| b.contains("\"name\": \"fleet-size\""))
        .expect("the sweep example");
    let sweep = ecsim_scenario::sweep::parse(block)
        .unwrap_or_else(|e| panic!("README sweep example: {e:?}"));
    assert_eq!(sweep.run_count(), 80, "as the README says");
    let ecsim_scenario::sweep::SweepScenario::File(rel) = &sweep.scenario else {
        panic!("a scenario file")
    };
    let src = std::fs::read_to_string(root.join("scenarios/sweeps").join(rel)).expect("scenario");
    let doc = ecsim_scenario::overrides::Document::parse(&src).expect("scenario parses");
    for i in 0..sweep.combination_count() {
        let c = sweep.combination(i);
        doc.load(&c.overrides)
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
    }
    assert_eq!(
        sweep.combination(1).name,
        "spread /actions/0/simulation/autoScalingGroup/maxSize=12"
    );
}

/// The README's `--set` example names values the bundled workload has.
#[test]
fn readme_set_example_applies() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(root.join("scenarios/placement-strategies.json"))
        .expect("scenario");
    let sets = [
        ecsim_scenario::overrides::Override::parse_set(
            r#"/actions/7/input/placementStrategy=[{"type":"binpack","field":"memory"}]"#,
        )
        .expect("set"),
        ecsim_scenario::overrides::Override::parse_set(
            "/actions/0/simulation/autoScalingGroup/maxSize=8",
        )
        .expect("set"),
    ];
    let plain = ecsim_scenario::load(&src).expect("loads");
    let set = ecsim_scenario::overrides::load_with_overrides(&src, &sets).expect("loads with sets");
    assert_ne!(plain.sha256, set.sha256);
    let a = ecsim_engine::run(&plain.scenario);
    let b = ecsim_engine::run(&set.scenario);
    assert_ne!(a.fingerprint, b.fingerprint, "the overrides change the run");
}

/// The console lines `ecsim run` prints for a run written to `out` (as `main.rs` prints them):
/// the headline, one line per service and per assertion, and where it wrote.
fn console_lines(summary: &ecsim_engine::RunSummary, out: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "{}: seed {}, {} placements, {} placement failures, {} tasks started, ${:.4}/hour at the end, {:.2} instance-hours (${:.2}), fingerprint {}",
        summary.scenario_name,
        summary.seed,
        summary.counts.placements,
        summary.counts.placement_failures_total(),
        summary.counts.tasks_started,
        summary.cost_per_hour_at_end + 0.0,
        summary.costs.instance_hours,
        summary.costs.total(),
        summary.fingerprint
    )];
    for s in &summary.services {
        let deployments: Vec<&str> = s
            .service
            .deployments
            .iter()
            .map(|d| summary.deployments[d.index()].rollout_state.as_str())
            .collect();
        lines.push(format!(
            "  service {}: {} running, {} healthy, {} desired; deployments {}; {:.0} s below minHealthy",
            s.service.name,
            s.running_count,
            s.healthy_count,
            s.service.desired_count,
            deployments.join(", "),
            s.record.below_min_healthy_ms as f64 / 1000.0
        ));
    }
    for a in &summary.assertions {
        let result = if a.passed { "passed" } else { "FAILED" };
        lines.push(format!(
            "  assertion {}: {result} ({})",
            a.type_name, a.detail
        ));
    }
    lines.push(format!("  wrote {out}"));
    lines
}

/// What a user can read of one run: its console lines, `events.jsonl` and `snapshots.jsonl`, and
/// each DescribeInstanceImageMetadata element as `[InstanceId, State.Name, ImageId]`.
struct Shown {
    console: Vec<String>,
    events: String,
    snapshots: String,
    images: Vec<String>,
}

impl Shown {
    fn run(src: &str, sets: &[ecsim_scenario::overrides::Override], out: &str) -> Shown {
        let loaded = ecsim_scenario::overrides::load_with_overrides(src, sets).expect("loads");
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let dir = tmp.path().join("run");
        let outcome = ecsim_cli::run::run_to_dir(
            std::path::Path::new(out),
            loaded,
            &dir,
            ecsim_cli::run::StreamOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{}", e.0));
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect(f);
        let snapshots = read("snapshots.jsonl");
        let mut images = Vec::new();
        for line in snapshots.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            for e in v["response"]["InstanceImageMetadata"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let row = serde_json::json!([
                    e["InstanceId"],
                    e["State"]["Name"],
                    e["ImageMetadata"]["ImageId"]
                ]);
                images.push(row.to_string());
            }
        }
        Shown {
            console: console_lines(&outcome.summary, out),
            events: read("events.jsonl"),
            snapshots,
            images,
        }
    }

    fn shows(&self, line: &str) -> bool {
        self.console.iter().any(|l| l == line)
            || self.images.iter().any(|l| l == line)
            || self.events.contains(line)
            || self.snapshots.contains(line)
    }
}

/// The README's "AMI rollouts" section: its SSM parameter and DrainContainerInstances are the
/// bundled scenarios' own, its StartInstanceRefresh with the defaults spelled out runs exactly as
/// the bundled one, every output line it quotes is what the three runs it shows print and write,
/// and each batch of the refresh takes the 55 + 90 + 300 s it says.
#[test]
fn readme_ami_rollouts_section_shows_the_bundled_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let start = readme.find("### AMI rollouts\n").expect("the section");
    let end = start
        + 1
        + readme[start + 1..]
            .find("\n### ")
            .expect("the next section");
    let section = &readme[start..end];
    let blocks = |fence: &str| -> Vec<&str> {
        section
            .split(fence)
            .skip(1)
            .map(|b| &b[..b.find("```").expect("closed block")])
            .collect()
    };
    let json = blocks("```json\n");
    let json = |i: usize| -> serde_json::Value {
        serde_json::from_str(json[i]).unwrap_or_else(|e| panic!("README json block {i}: {e}"))
    };
    let rollout_src =
        std::fs::read_to_string(root.join("scenarios/ami-rollout.json")).expect("ami-rollout");
    let drain_src = std::fs::read_to_string(root.join("scenarios/deprecated-ami-drain.json"))
        .expect("deprecated-ami-drain");
    let rollout: serde_json::Value = serde_json::from_str(&rollout_src).expect("JSON");
    let drain: serde_json::Value = serde_json::from_str(&drain_src).expect("JSON");

    assert_eq!(json(0), rollout["ssmParameters"][1], "the AL2023 parameter");
    let refresh = json(1);
    let actions = rollout["actions"].as_array().expect("actions");
    let at = actions
        .iter()
        .position(|a| a["action"] == "StartInstanceRefresh")
        .expect("a refresh");
    let bundled = &actions[at];
    assert_eq!(refresh["at"], bundled["at"]);
    for field in ["capacityProvider", "imageId"] {
        assert_eq!(refresh["input"][field], bundled["input"][field], "{field}");
    }
    let mut spelled = rollout.clone();
    spelled["actions"][at] = refresh;
    let run = |v: &serde_json::Value| {
        let loaded = ecsim_scenario::load(&v.to_string()).expect("loads");
        ecsim_engine::run(&loaded.scenario).fingerprint.clone()
    };
    assert_eq!(
        run(&spelled),
        run(&rollout),
        "the defaults as the README spells them"
    );
    assert!(
        drain["actions"]
            .as_array()
            .expect("actions")
            .contains(&json(2)),
        "the README's DrainContainerInstances is the bundled one"
    );

    // The three runs the section shows, with the --set it names.
    let set_line = blocks("```sh\n")
        .into_iter()
        .flat_map(str::lines)
        .find(|l| l.contains("--set "))
        .expect("the --set run");
    let arg = set_line["--set ".len() + set_line.find("--set ").unwrap()..]
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(arg, format!("/actions/{at}/input/maxHealthyPercentage=150"));
    let set = ecsim_scenario::overrides::Override::parse_set(arg).expect("a --set");
    let runs = [
        Shown::run(&rollout_src, &[], "results/ami-rollout"),
        Shown::run(&rollout_src, &[set], "results/ami-rollout-150"),
        Shown::run(&drain_src, &[], "results/deprecated-ami-drain"),
    ];
    for r in &runs {
        let assertions: Vec<&String> = r
            .console
            .iter()
            .filter(|l| l.contains("assertion"))
            .collect();
        assert!(
            assertions.len() == 2 && assertions.iter().all(|l| l.contains(": passed (")),
            "every assertion passes, as the section says: {assertions:?}"
        );
    }
    let mut quoted = 0;
    for block in blocks("```text\n") {
        for line in block.lines().filter(|l| *l != "...") {
            assert!(
                runs.iter().any(|r| r.shows(line)),
                "the README quotes what no run shows: {line}"
            );
            quoted += 1;
        }
    }
    assert!(quoted >= 25, "{quoted} lines quoted");

    // Each batch: drained in 55 s, its replacement registered 90 s later, the next batch 300 s
    // after that.
    let mut draining = Vec::new();
    let mut gone = Vec::new();
    let mut registered = Vec::new();
    for line in runs[0].events.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("an event");
        if v["detail-type"] != "ECS Container Instance State Change" {
            continue;
        }
        let t = v["t"].as_u64().expect("t");
        match v["detail"]["status"].as_str() {
            Some("DRAINING") => draining.push(t),
            Some("INACTIVE") => gone.push(t),
            Some("ACTIVE") if t > 0 && v["detail"]["reason"] == "registered" => registered.push(t),
            _ => {}
        }
    }
    let registered: Vec<u64> = registered.into_iter().filter(|&t| t > 1_800_000).collect();
    assert_eq!((draining.len(), gone.len(), registered.len()), (6, 6, 6));
    for k in 0..6 {
        assert_eq!(gone[k] - draining[k], 55_000, "batch {k} drains in 55 s");
        assert_eq!(registered[k] - gone[k], 90_000, "its replacement registers");
        if k < 5 {
            assert_eq!(
                draining[k + 1] - registered[k],
                300_000,
                "after the warm-up"
            );
        }
    }
    assert_eq!(draining[0], 1_800_000);
    assert_eq!(registered[5] + 300_000 - draining[0], 2_670_000);
}
