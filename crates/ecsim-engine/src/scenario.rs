//! A validated scenario, lowered from the scenario file: what the engine runs.

use crate::action::ScheduledAction;
use crate::assertions::Assertion;
use crate::capacity::Pricing;
use ecsim_kernel::SimDuration;
use ecsim_model::{AmiCatalog, InstanceTypeCatalog, Timings};
use std::collections::BTreeMap;

/// Everything a run needs. Built by `ecsim-scenario` (or by hand in tests).
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub region: String,
    pub account_id: String,
    /// `startTime` as Unix epoch milliseconds (UTC): simulated time 0.
    pub start_time_unix_ms: i64,
    pub horizon: SimDuration,
    pub sample_interval: SimDuration,
    /// The scenario's `timings` (unset keys fall back to SPEC §6 defaults).
    pub timings: Timings,
    pub instance_types: InstanceTypeCatalog,
    pub amis: AmiCatalog,
    /// The scenario's `pricing` over the catalog's (SPEC §3, §8).
    pub pricing: Pricing,
    /// The scenario's `subnets`: subnet id → availability zone (SPEC §8, Fargate).
    pub subnets: BTreeMap<String, String>,
    /// In file order; the engine applies equal `at` in this order.
    pub actions: Vec<ScheduledAction>,
    pub assertions: Vec<Assertion>,
    /// The `faults` block (SPEC §12.1), when the scenario has one.
    pub faults: Option<Vec<crate::fault::Fault>>,
}

impl Scenario {
    /// An empty scenario with the SPEC §3 defaults, for tests and library users.
    pub fn new(name: &str) -> Scenario {
        Scenario {
            name: name.to_string(),
            seed: 1,
            region: "us-east-1".to_string(),
            account_id: "123456789012".to_string(),
            start_time_unix_ms: 1_767_225_600_000, // 2026-01-01T00:00:00Z
            horizon: SimDuration::from_seconds(86_400),
            sample_interval: SimDuration::from_seconds(60),
            timings: Timings::default(),
            instance_types: InstanceTypeCatalog::builtin(),
            amis: AmiCatalog::builtin(),
            pricing: Pricing::default(),
            subnets: BTreeMap::new(),
            actions: Vec::new(),
            assertions: Vec::new(),
            faults: None,
        }
    }
}
