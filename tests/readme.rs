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
