//! Random faults (SPEC §12.1): the scenario's `faults` block, lowered. Each entry is a Poisson
//! process over `[from, until)` whose arrivals inject the simulator action it stands for.

use ecsim_kernel::{Distribution, SimTime};
use std::sync::Arc;

/// What one `faults` entry injects.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// TerminateContainerInstances of one registered instance of `cluster` matching `filter`.
    InstanceLoss {
        cluster: String,
        filter: Option<Arc<ecsim_query::Expression>>,
    },
    /// FailAvailabilityZone of one zone in use, RestoreAvailabilityZone after `duration`.
    AvailabilityZoneOutage { duration: Distribution },
    /// DisconnectAgent of one registered instance of `cluster` (matching `filter`) whose agent is
    /// connected, ReconnectAgent after `duration`.
    AgentDisconnect {
        cluster: String,
        filter: Option<Arc<ecsim_query::Expression>>,
        duration: Distribution,
    },
    /// InterruptSpot with count 1.
    SpotInterruption {
        capacity_provider: String,
        /// FARGATE_SPOT: the cluster whose tasks (None: every cluster's).
        cluster: Option<String>,
    },
    /// StopTask of one RUNNING task of the service, as its essential container exiting.
    TaskCrash { cluster: String, service: String },
}

impl FaultKind {
    /// The entry's `type`, as the scenario writes it.
    pub fn type_name(&self) -> &'static str {
        match self {
            FaultKind::InstanceLoss { .. } => "instanceLoss",
            FaultKind::AvailabilityZoneOutage { .. } => "availabilityZoneOutage",
            FaultKind::AgentDisconnect { .. } => "agentDisconnect",
            FaultKind::SpotInterruption { .. } => "spotInterruption",
            FaultKind::TaskCrash { .. } => "taskCrash",
        }
    }
}

/// One `faults` entry.
#[derive(Clone, Debug)]
pub struct Fault {
    pub kind: FaultKind,
    /// Arrivals per hour (`ratePerDay` is lowered to per hour).
    pub rate_per_hour: f64,
    pub from: SimTime,
    /// None: the horizon.
    pub until: Option<SimTime>,
}

/// A fault the run injected, as the explicit action it stands for (`summary.json` `faults`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectedAction {
    pub at: SimTime,
    /// The action's name (`TerminateContainerInstances`).
    pub name: &'static str,
    /// The action's `input`, compact JSON.
    pub input_json: String,
    /// The action's `simulation` block, compact JSON, when it has one.
    pub simulation_json: Option<String>,
    /// Which injected fault it belongs to (an outage's failure and its restore share one), in
    /// the order the faults were injected.
    pub fault: u32,
}
