//! The library against an AMI rollout: the bundled `scenarios/ami-rollout.json` (12 tasks of web
//! on six m5.xlarge of a capacity provider's group, StartInstanceRefresh at 30 m), its refresh
//! preferences drawn at random through `Scenario::set`. Whatever the preferences, web keeps its 12
//! healthy tasks: a drained instance's tasks start elsewhere before they stop. The refresh
//! completes, every instance on the new image, whenever the instances a batch leaves can hold the
//! 12 tasks (4 per m5.xlarge by CPU): at maxHealthyPercentage above 100 always, at 100 when a batch,
//! max(1, floor(6 × (100 − min) / 100)), is at most 3 instances. (A larger batch may still end, its
//! drained instances emptying one at a time as room frees; with minHealthyPercentage 0 the batch is
//! the whole group and waits, DRAINING.)

use ecsim::engine::{EventDetail, ScalingActivityKind};
use ecsim::Scenario;
use proptest::prelude::*;
use serde_json::json;

fn bundled() -> Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/ami-rollout.json"
    );
    Scenario::from_file(path).expect("the bundled scenario")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 12 } else { 64 }, ..ProptestConfig::default() })]

    #[test]
    fn web_keeps_twelve_healthy_tasks_through_any_refresh(
        min in 0u32..=100,
        above in 0u32..=100,
        warmup in 0u64..600,
    ) {
        let max = (100 + above).min(min + 100);
        let refresh = "/actions/5/input";
        let scenario = bundled()
            .set(&format!("{refresh}/minHealthyPercentage"), json!(min))
            .and_then(|s| s.set(&format!("{refresh}/maxHealthyPercentage"), json!(max)))
            .and_then(|s| s.set(&format!("{refresh}/instanceWarmup"), json!(warmup)))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let outcome = scenario.run();
        if let Err(v) = outcome.check_healthy("web", 12, "10m", "3h") {
            return Err(TestCaseError::fail(format!("min {min}, max {max}: {v}")));
        }
        let completed = outcome.events().any(|e| matches!(&e.detail,
            EventDetail::ScalingActivity { activity: ScalingActivityKind::Refresh, cause, .. }
                if cause.starts_with("instance refresh completed")));
        let batch = (6 * (100 - min) / 100).max(1);
        if max > 100 || batch <= 3 {
            prop_assert!(completed, "min {}, max {}: the refresh completes", min, max);
            let world = &outcome.output().world;
            let live: Vec<_> = world
                .instances
                .iter()
                .filter(|i| i.status != ecsim::model::InstanceStatus::Inactive)
                .collect();
            prop_assert_eq!(live.len(), 6, "the group ends at its desired capacity");
            for i in live {
                prop_assert_eq!(i.attribute("ecs.ami-id").flatten(), Some("ami-05a9d3c6794653577"));
            }
        } else if batch == 6 {
            prop_assert!(!completed, "min {}: the whole group drains at once", min);
        }
    }
}
