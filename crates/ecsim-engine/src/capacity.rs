//! Capacity providers as scenarios state them (SPEC §8): strategies, Auto Scaling group providers
//! with managed scaling, the simulated Auto Scaling group behind each, Fargate's simulation
//! settings and the run's prices. The engine's `capacity` subsystem runs them.

use ecsim_kernel::SimDuration;

/// The two providers every account has (API: "The FARGATE and FARGATE_SPOT capacity providers are
/// reserved").
pub const FARGATE: &str = "FARGATE";
pub const FARGATE_SPOT: &str = "FARGATE_SPOT";

/// Whether `name` is one of the Fargate providers.
pub fn is_fargate(name: &str) -> bool {
    name == FARGATE || name == FARGATE_SPOT
}

/// API: CapacityProviderStrategyItem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategyItem {
    pub capacity_provider: String,
    /// 0–1000 (API default 0).
    pub weight: u32,
    /// 0–100000 (API default 0); at most one item of a strategy has one above 0.
    pub base: u32,
}

/// API: ManagedScaling, with the API's defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedScaling {
    /// API: status ENABLED (default DISABLED when the block is absent).
    pub enabled: bool,
    /// 1–100, default 100.
    pub target_capacity: u32,
    /// 1–10000, default 1.
    pub minimum_scaling_step_size: u32,
    /// 1–10000, default 10000.
    pub maximum_scaling_step_size: u32,
    /// 0–10000 s, default 300.
    pub instance_warmup_period: SimDuration,
}

impl Default for ManagedScaling {
    fn default() -> Self {
        ManagedScaling {
            enabled: false,
            target_capacity: 100,
            minimum_scaling_step_size: 1,
            maximum_scaling_step_size: 10_000,
            instance_warmup_period: SimDuration::from_seconds(300),
        }
    }
}

/// The Auto Scaling group a provider names, as its `simulation.autoScalingGroup` describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoScalingGroup {
    /// At least one; RULE: launches always use the first.
    pub instance_types: Vec<String>,
    /// At least one; launches go to the healthy zone with the fewest of the group's instances,
    /// ties in this order.
    pub availability_zones: Vec<String>,
    pub min_size: u32,
    /// Above 0 (API: "MaxCapacity must be greater than 0").
    pub max_size: u32,
    /// Default `min_size`.
    pub desired_capacity: u32,
    /// A spot group: instances may be interrupted, and are billed at the spot discount.
    pub spot: bool,
    /// None: the catalog's recommended ECS-optimized AMI.
    pub image_id: Option<String>,
    /// Poisson rate of spot interruptions per running instance per hour (default 0).
    pub interruptions_per_hour: f64,
    /// EC2 tags of every instance the group launches (key, value) (SPEC §13.1).
    pub tags: Vec<(String, String)>,
    /// `timings.instanceLaunch` for the group's launches; None: the scenario's, then 90 s.
    pub instance_launch: Option<SimDuration>,
}

/// API: AutoScalingGroupProvider, lowered, with its simulated group.
#[derive(Clone, Debug, PartialEq)]
pub struct AsgProvider {
    pub auto_scaling_group_arn: String,
    pub managed_scaling: ManagedScaling,
    /// API: managedTerminationProtection ENABLED (default DISABLED); needs managed scaling.
    pub managed_termination_protection: bool,
    /// API: managedDraining (default ENABLED).
    pub managed_draining: bool,
    pub group: AutoScalingGroup,
}

/// API: CreateCapacityProvider, lowered (an Auto Scaling group provider: Fargate's cannot be
/// created).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateCapacityProvider {
    pub name: String,
    pub provider: AsgProvider,
}

/// API: UpdateCapacityProvider, lowered. `None` leaves a setting as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UpdateCapacityProvider {
    pub name: String,
    /// The fields of `managedScaling` given; the others keep their values.
    pub managed_scaling: Option<ManagedScalingUpdate>,
    pub managed_termination_protection: Option<bool>,
    pub managed_draining: Option<bool>,
}

/// The fields of an UpdateCapacityProvider's `managedScaling`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ManagedScalingUpdate {
    pub enabled: Option<bool>,
    pub target_capacity: Option<u32>,
    pub minimum_scaling_step_size: Option<u32>,
    pub maximum_scaling_step_size: Option<u32>,
    pub instance_warmup_period: Option<SimDuration>,
}

impl ManagedScaling {
    /// This configuration with an update's given fields applied.
    pub fn updated(&self, u: &ManagedScalingUpdate) -> ManagedScaling {
        ManagedScaling {
            enabled: u.enabled.unwrap_or(self.enabled),
            target_capacity: u.target_capacity.unwrap_or(self.target_capacity),
            minimum_scaling_step_size: u
                .minimum_scaling_step_size
                .unwrap_or(self.minimum_scaling_step_size),
            maximum_scaling_step_size: u
                .maximum_scaling_step_size
                .unwrap_or(self.maximum_scaling_step_size),
            instance_warmup_period: u
                .instance_warmup_period
                .unwrap_or(self.instance_warmup_period),
        }
    }
}

/// CreateCluster's `simulation` block: Fargate Spot in this cluster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FargateSpotSimulation {
    /// At most this many FARGATE_SPOT tasks running at once (None: unlimited).
    pub capacity: Option<u32>,
    /// Poisson rate of interruptions per running FARGATE_SPOT task per hour (default 0).
    pub interruptions_per_hour: f64,
}

/// The scenario's `pricing` (SPEC §3, §8): overrides of the catalog's prices.
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    /// Spot instances and FARGATE_SPOT tasks cost `1 − spot_discount` of the on-demand price.
    pub spot_discount: f64,
    /// Fargate Linux x86, us-east-1, $ per vCPU-hour.
    pub fargate_vcpu_hour: f64,
    /// Fargate Linux x86, us-east-1, $ per GB-hour.
    pub fargate_gb_hour: f64,
}

/// The date of the catalog's Fargate prices.
pub const FARGATE_PRICE_DATE: &str = "2026-01-01";

impl Default for Pricing {
    fn default() -> Self {
        // AWS Fargate pricing, Linux/x86, US East (N. Virginia), on-demand: $0.04048 per vCPU per
        // hour and $0.004445 per GB per hour (unchanged since the 2019 price cut).
        Pricing {
            spot_discount: 0.7,
            fargate_vcpu_hour: 0.04048,
            fargate_gb_hour: 0.004445,
        }
    }
}

/// Simulator: StartInstanceRefresh (SPEC §2), EC2 Auto Scaling's instance refresh of a
/// provider's group, with EC2 Auto Scaling's defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceRefresh {
    pub capacity_provider: String,
    /// The image the group's instances are to run (resolved from `resolve:ssm:` by the loader).
    pub image_id: String,
    /// 0–100, default 90 (EC2 Auto Scaling: RefreshPreferences.MinHealthyPercentage).
    pub min_healthy_percentage: u32,
    /// 100–200, default 100, at most 100 above the minimum (RefreshPreferences.MaxHealthyPercentage).
    pub max_healthy_percentage: u32,
    /// None: the provider's `instanceWarmupPeriod`.
    pub instance_warmup: Option<SimDuration>,
}

/// How many tasks or instances an InterruptSpot takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SpotAmount {
    Count(u32),
    /// Of the running ones, rounded up (0 < f ≤ 1).
    Fraction(f64),
}

/// The Fargate task sizes (SPEC §8, reference §5.2): whether `cpu` units and `memory` MiB are a
/// valid pair.
pub fn fargate_size_is_valid(cpu: u32, memory: u32) -> bool {
    let gb = |g: u32| g * 1024;
    match cpu {
        256 => matches!(memory, 512 | 1024 | 2048),
        512 => matches!(memory, 1024 | 2048 | 3072 | 4096),
        1024 => (gb(2)..=gb(8)).contains(&memory) && memory.is_multiple_of(1024),
        2048 => (gb(4)..=gb(16)).contains(&memory) && memory.is_multiple_of(1024),
        4096 => (gb(8)..=gb(30)).contains(&memory) && memory.is_multiple_of(1024),
        8192 => (gb(16)..=gb(60)).contains(&memory) && memory.is_multiple_of(gb(4)),
        16384 => (gb(32)..=gb(120)).contains(&memory) && memory.is_multiple_of(gb(8)),
        _ => false,
    }
}

/// The API's text for an invalid Fargate size (DG task-cpu-memory-error).
pub const FARGATE_SIZE_ERROR: &str = "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_fargate_sizes() {
        assert!(fargate_size_is_valid(256, 512));
        assert!(!fargate_size_is_valid(256, 3072));
        assert!(fargate_size_is_valid(512, 4096));
        assert!(fargate_size_is_valid(1024, 8192));
        assert!(!fargate_size_is_valid(1024, 1024));
        assert!(fargate_size_is_valid(4096, 30720));
        assert!(!fargate_size_is_valid(4096, 31744));
        assert!(fargate_size_is_valid(8192, 16384));
        assert!(!fargate_size_is_valid(8192, 17408));
        assert!(fargate_size_is_valid(16384, 122880));
        assert!(!fargate_size_is_valid(16384, 36864));
        assert!(!fargate_size_is_valid(128, 512));
    }
}
