//! proptest strategies for scenarios: fleets, task definitions, deployment configurations,
//! services and fault plans, each a value that adds itself to a [`ScenarioBuilder`]. Write a
//! property against your own service and let proptest search the fault timings:
//!
//! ```
//! use ecsim::strategies::{deployment_configurations, fault_plans};
//! use ecsim::{Scenario, Service, TaskDefinition};
//! use proptest::prelude::*;
//! use proptest::test_runner::{Config, TestRunner};
//!
//! let mut runner = TestRunner::new(Config { cases: 4, ..Config::default() });
//! runner
//!     .run(&(fault_plans(4, 2, "5m", "40m"), deployment_configurations()), |(plan, (min, max))| {
//!         let b = Scenario::builder("p")
//!             .horizon("1h")
//!             .cluster("prod")
//!             .fleet("m5.large", 4, &["us-east-1a", "us-east-1b"])
//!             .task_definition(TaskDefinition::new("web").container("app", 256, 512))
//!             .service(Service::new("web", "web", 4).at("1m").deployment(min, max));
//!         let outcome = plan.apply(b).build().unwrap().run();
//!         // Whatever fails, the service's first four tasks were placed.
//!         prop_assert!(outcome.summary().counts.placements >= 4);
//!         Ok(())
//!     })
//!     .unwrap();
//! ```

use crate::{ScenarioBuilder, Service, TaskDefinition};
use proptest::prelude::*;
use serde_json::json;

/// Instance types of the catalog that strategies draw from.
pub const INSTANCE_TYPES: [&str; 6] = [
    "m5.large",
    "m5.xlarge",
    "c5.large",
    "c5.xlarge",
    "r5.large",
    "m6i.xlarge",
];

/// The zones strategies spread fleets over.
pub const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// A fleet: `count` instances of one type over the first `zones` of [`ZONES`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fleet {
    /// A type of the catalog.
    pub instance_type: &'static str,
    /// How many instances.
    pub count: u32,
    /// How many of [`ZONES`], from the first.
    pub zones: usize,
}

impl Fleet {
    /// Adds the fleet to the builder's current cluster.
    pub fn apply(&self, b: ScenarioBuilder) -> ScenarioBuilder {
        b.fleet(self.instance_type, self.count, &ZONES[..self.zones])
    }
}

/// Fleets of 1 to `max_instances` instances of a catalog type over one to three zones.
pub fn fleets(max_instances: u32) -> impl Strategy<Value = Fleet> {
    (
        prop::sample::select(&INSTANCE_TYPES[..]),
        1..=max_instances.max(1),
        1usize..=3,
    )
        .prop_map(|(instance_type, count, zones)| Fleet {
            instance_type,
            count,
            zones,
        })
}

/// Task definitions of family `family` with one container of 128 to 1024 CPU units and 256 to
/// 2048 MiB.
pub fn task_definitions(family: &'static str) -> impl Strategy<Value = TaskDefinition> {
    (
        prop::sample::select(vec![128u32, 256, 512, 1024]),
        prop::sample::select(vec![256u32, 512, 1024, 2048]),
    )
        .prop_map(move |(cpu, memory)| TaskDefinition::new(family).container("app", cpu, memory))
}

/// `(minimumHealthyPercent, maximumPercent)` pairs the API accepts for a REPLICA service:
/// minimum 0–100, maximum 100–200.
pub fn deployment_configurations() -> impl Strategy<Value = (u32, u32)> {
    (0u32..=100, 100u32..=200)
}

/// The placement strategy chains of the documents: none (the REPLICA default), binpack,
/// spread by zone, spread by zone then binpack, random.
pub fn placement_strategies() -> impl Strategy<Value = serde_json::Value> {
    prop::sample::select(vec![
        json!([]),
        json!([{ "type": "binpack", "field": "memory" }]),
        json!([{ "type": "spread", "field": "attribute:ecs.availability-zone" }]),
        json!([{ "type": "spread", "field": "attribute:ecs.availability-zone" },
               { "type": "binpack", "field": "memory" }]),
        json!([{ "type": "random" }]),
    ])
}

/// Services `name` of task definition `task_definition` with 1 to `max_desired` tasks, a
/// deployment configuration and a placement strategy chain, created at 2 minutes.
pub fn services(
    name: &'static str,
    task_definition: &'static str,
    max_desired: u32,
) -> impl Strategy<Value = Service> {
    (
        1..=max_desired.max(1),
        deployment_configurations(),
        placement_strategies(),
    )
        .prop_map(move |(desired, (min, max), strategy)| {
            Service::new(name, task_definition, desired)
                .at("2m")
                .deployment(min, max)
                .placement_strategy(strategy)
        })
}

/// One fault of a [`FaultPlan`], at `at_s` seconds, on the n-th instance launched (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// TerminateContainerInstances of the instance.
    InstanceLoss {
        /// When, in seconds from the start.
        at_s: u64,
        /// The n-th instance launched, from 1.
        instance: u32,
    },
    /// DisconnectAgent, then ReconnectAgent `for_s` seconds later.
    AgentDisconnect {
        /// When, in seconds from the start.
        at_s: u64,
        /// The n-th instance launched, from 1.
        instance: u32,
        /// How long the agent stays disconnected, seconds.
        for_s: u64,
    },
}

/// Faults at drawn times on drawn instances, applied as the explicit simulator actions they
/// stand for (so a failing case is a scenario you can read and replay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultPlan {
    /// The faults, in time order.
    pub faults: Vec<Fault>,
}

impl FaultPlan {
    /// Adds the plan's actions to the builder, in the builder's current cluster.
    pub fn apply(&self, mut b: ScenarioBuilder) -> ScenarioBuilder {
        let cluster = b.current_cluster();
        let id = |n: u32| format!("i-{n:017x}");
        for f in &self.faults {
            b = match *f {
                Fault::InstanceLoss { at_s, instance } => b.action(
                    at_s,
                    "TerminateContainerInstances",
                    json!({ "cluster": cluster, "containerInstances": [id(instance)] }),
                ),
                Fault::AgentDisconnect {
                    at_s,
                    instance,
                    for_s,
                } => b
                    .action(
                        at_s,
                        "DisconnectAgent",
                        json!({ "cluster": cluster, "containerInstances": [id(instance)] }),
                    )
                    .action(
                        at_s + for_s,
                        "ReconnectAgent",
                        json!({ "cluster": cluster, "containerInstances": [id(instance)] }),
                    ),
            };
        }
        b
    }
}

/// Up to `max_faults` faults between `from` and `until` (durations from the start) on the first
/// `instances` instances launched: instance losses and agent disconnects of 1 to 10 minutes,
/// reconnected by `until` at the latest (keep `until` within the horizon).
///
/// # Panics
/// When `from` or `until` is not a duration, or `until` is not after `from`.
pub fn fault_plans(
    instances: u32,
    max_faults: usize,
    from: &str,
    until: &str,
) -> impl Strategy<Value = FaultPlan> {
    let seconds = |s: &str| {
        ecsim_scenario::parse_duration(s)
            .unwrap_or_else(|e| panic!("{s:?} is not a duration: {e}"))
            .ms()
            / 1000
    };
    let (from, until) = (seconds(from), seconds(until));
    assert!(until > from, "fault_plans: until must be after from");
    let fault = prop_oneof![
        (from..until, 1..=instances.max(1))
            .prop_map(|(at_s, instance)| Fault::InstanceLoss { at_s, instance }),
        (from..until, 1..=instances.max(1), 60u64..=600).prop_map(
            move |(at_s, instance, for_s)| {
                Fault::AgentDisconnect {
                    at_s,
                    instance,
                    // Reconnected by `until` (a later action could fall after the horizon).
                    for_s: for_s.min(until - at_s),
                }
            }
        ),
    ];
    prop::collection::vec(fault, 0..=max_faults).prop_map(|mut faults| {
        faults.sort_by_key(|f| match *f {
            Fault::InstanceLoss { at_s, .. } | Fault::AgentDisconnect { at_s, .. } => at_s,
        });
        FaultPlan { faults }
    })
}
