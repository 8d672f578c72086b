//! Lifecycle timings (SPEC §6), each optional so that overrides can be layered.

use ecsim_kernel::SimDuration;

/// Durations of the task lifecycle states and of instance launch. `None` means "not set here".
/// Precedence (SPEC §3): the action's, then the task definition's, then the scenario's, then defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    pub provisioning: Option<SimDuration>,
    pub pending: Option<SimDuration>,
    pub activating: Option<SimDuration>,
    pub deactivating: Option<SimDuration>,
    pub stopping: Option<SimDuration>,
    pub deprovisioning: Option<SimDuration>,
    pub instance_launch: Option<SimDuration>,
    pub healthy_after: Option<SimDuration>,
}

impl Timings {
    /// `self` where set, else `fallback`.
    pub fn or(&self, fallback: &Timings) -> Timings {
        Timings {
            provisioning: self.provisioning.or(fallback.provisioning),
            pending: self.pending.or(fallback.pending),
            activating: self.activating.or(fallback.activating),
            deactivating: self.deactivating.or(fallback.deactivating),
            stopping: self.stopping.or(fallback.stopping),
            deprovisioning: self.deprovisioning.or(fallback.deprovisioning),
            instance_launch: self.instance_launch.or(fallback.instance_launch),
            healthy_after: self.healthy_after.or(fallback.healthy_after),
        }
    }
}
