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
