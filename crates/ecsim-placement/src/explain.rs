//! Placement explanations: per instance, the check that rejected it; per strategy, the scores and
//! the surviving set (the "why was this not placed?" of Nomad's AllocMetric).

use ecsim_model::InstanceId;

/// The checks of the pipeline, in the order a failure reason is reported (SPEC §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    Agent,
    Attribute,
    Cpu,
    Memory,
    Gpu,
    Ports,
    PortsUdp,
    Eni,
    MemberOf,
    DistinctInstance,
}

impl Check {
    pub const ALL: [Check; 10] = [
        Check::Agent,
        Check::Attribute,
        Check::Cpu,
        Check::Memory,
        Check::Gpu,
        Check::Ports,
        Check::PortsUdp,
        Check::Eni,
        Check::MemberOf,
        Check::DistinctInstance,
    ];

    /// The ECS failure reason (API failures[].reason; DG api_failures_messages).
    pub fn reason(self) -> &'static str {
        match self {
            Check::Agent => "AGENT",
            Check::Attribute => "ATTRIBUTE",
            Check::Cpu => "RESOURCE:CPU",
            Check::Memory => "RESOURCE:MEMORY",
            Check::Gpu => "RESOURCE:GPU",
            Check::Ports => "RESOURCE:PORTS",
            Check::PortsUdp => "RESOURCE:PORTS_UDP",
            Check::Eni => "RESOURCE:ENI",
            Check::MemberOf => "MemberOf placement constraint unsatisfied.",
            Check::DistinctInstance => "DistinctInstance placement constraint unsatisfied.",
        }
    }
}

/// What happened to one instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceVerdict {
    pub instance: InstanceId,
    /// None: it passed every check and was a candidate.
    pub rejected_by: Option<Check>,
}

/// One strategy's step: the score of each candidate it saw (lower is better) and who survived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategyStep {
    pub strategy: String,
    pub scores: Vec<(InstanceId, i64)>,
    pub survivors: Vec<InstanceId>,
}

/// The whole trace of one placement decision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explanation {
    /// One line when the request considers only some of the cluster's instances (a capacity
    /// provider's); the verdicts then list those instances only.
    pub restriction: Option<Box<str>>,
    pub verdicts: Vec<InstanceVerdict>,
    pub steps: Vec<StrategyStep>,
    /// The finalists the seeded draw chose from, and the one chosen.
    pub finalists: Vec<InstanceId>,
    pub chosen: Option<InstanceId>,
}
