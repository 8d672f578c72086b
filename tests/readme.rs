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
