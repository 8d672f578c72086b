//! API: CapacityProvider and CapacityProviderStrategyItem, as DescribeCapacityProviders, Snapshot
//! and the cluster's shape show them.

use crate::names::{Names, ProviderArn};
use ecsim_engine::capacity::StrategyItem;
use ecsim_engine::CapacityProviderSnapshot;
use serde::Serialize;

/// API: CapacityProviderStrategyItem.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StrategyItemJson<'a> {
    capacity_provider: &'a str,
    weight: u32,
    base: u32,
}

impl<'a> StrategyItemJson<'a> {
    pub(crate) fn new(i: &'a StrategyItem) -> StrategyItemJson<'a> {
        StrategyItemJson {
            capacity_provider: &i.capacity_provider,
            weight: i.weight,
            base: i.base,
        }
    }
}

/// API: CapacityProvider.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CapacityProviderJson<'a> {
    capacity_provider_arn: ProviderArn<'a>,
    name: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_scaling_group_provider: Option<AutoScalingGroupProviderJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_status: Option<&'static str>,
}

/// API: AutoScalingGroupProvider.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AutoScalingGroupProviderJson<'a> {
    auto_scaling_group_arn: &'a str,
    managed_scaling: ManagedScalingJson,
    managed_termination_protection: &'static str,
    managed_draining: &'static str,
}

/// API: ManagedScaling.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManagedScalingJson {
    status: &'static str,
    target_capacity: u32,
    minimum_scaling_step_size: u32,
    maximum_scaling_step_size: u32,
    instance_warmup_period: u64,
}

fn enabled(on: bool) -> &'static str {
    if on {
        "ENABLED"
    } else {
        "DISABLED"
    }
}

impl<'a> CapacityProviderJson<'a> {
    pub(crate) fn new(
        names: &'a Names,
        p: &'a CapacityProviderSnapshot,
    ) -> CapacityProviderJson<'a> {
        CapacityProviderJson {
            capacity_provider_arn: ProviderArn {
                names,
                name: &p.name,
            },
            name: &p.name,
            status: p.status,
            auto_scaling_group_provider: p.auto_scaling_group_provider.as_ref().map(|a| {
                let m = &a.managed_scaling;
                AutoScalingGroupProviderJson {
                    auto_scaling_group_arn: &a.auto_scaling_group_arn,
                    managed_scaling: ManagedScalingJson {
                        status: enabled(m.enabled),
                        target_capacity: m.target_capacity,
                        minimum_scaling_step_size: m.minimum_scaling_step_size,
                        maximum_scaling_step_size: m.maximum_scaling_step_size,
                        instance_warmup_period: m.instance_warmup_period.ms() / 1000,
                    },
                    managed_termination_protection: enabled(a.managed_termination_protection),
                    managed_draining: enabled(a.managed_draining),
                }
            }),
            update_status: p.update_status,
        }
    }
}
