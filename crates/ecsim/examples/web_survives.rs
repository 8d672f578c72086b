//! A deployment invariant, property-tested over random fault timings: across random instance
//! losses and agent disconnects, does `web` (6 tasks on 6 m5.large over three zones, rolling
//! 50/200) keep at least 3 healthy tasks once it is up?
//!
//! `cargo test -p ecsim --example web_survives` runs it as a test (as `cargo test` does);
//! `cargo run -p ecsim --example web_survives` runs it with more cases.

use ecsim::strategies::fault_plans;
use ecsim::{Scenario, Service, TaskDefinition};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// The property: the scenario with the plan's faults keeps `web` at 3 healthy tasks or more
/// from 5 minutes on.
fn web_survives(plan: &ecsim::strategies::FaultPlan) -> Result<(), TestCaseError> {
    let b = Scenario::builder("web-survives")
        .seed(1)
        .horizon("1h")
        .cluster("prod")
        .fleet("m5.large", 6, &["us-east-1a", "us-east-1b", "us-east-1c"])
        .task_definition(
            TaskDefinition::new("web")
                .container("app", 512, 1024)
                .port(80),
        )
        .service(Service::new("web", "web", 6).at("1m").deployment(50, 200))
        // A redeploy in the middle of it.
        .action(
            "30m",
            "UpdateService",
            serde_json::json!({ "cluster": "prod", "service": "web", "forceNewDeployment": true }),
        );
    let scenario = plan
        .apply(b)
        .build()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let outcome = scenario.run();
    // Two losses take 2 of 6 instances; the rest keep room for every task.
    if let Err(v) = outcome.check_healthy("web", 3, "5m", "1h") {
        return Err(TestCaseError::fail(format!(
            "{v}; faults {:?}",
            plan.faults
        )));
    }
    Ok(())
}

fn check(cases: u32) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&fault_plans(6, 2, "5m", "55m"), |plan| web_survives(&plan))
        .unwrap();
}

fn main() {
    check(200);
    println!("web kept 3 healthy tasks under 200 random fault plans");
}

#[test]
fn web_survives_random_faults() {
    check(if cfg!(debug_assertions) { 16 } else { 64 });
}

/// The property can fail: with all six instances lost, `web` has nowhere to run.
#[test]
fn the_property_catches_a_fleet_wiped_out() {
    let plan = ecsim::strategies::FaultPlan {
        faults: (1..=6)
            .map(|instance| ecsim::strategies::Fault::InstanceLoss {
                at_s: 600,
                instance,
            })
            .collect(),
    };
    assert!(web_survives(&plan).is_err());
}
