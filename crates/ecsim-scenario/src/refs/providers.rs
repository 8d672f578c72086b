//! Capacity providers as earlier actions left them (SPEC §8): the Auto Scaling group providers
//! CreateCapacityProvider made, what later requests need to know of each, and the cluster each
//! one is associated with.
//!
//! RULE: a DeleteCapacityProvider frees the name for a later CreateCapacityProvider, but later
//! references to the provider still resolve: whether the deletion happens (the provider may still
//! be associated with a cluster or used by a service) is the engine's to decide, and what a later
//! action does with a deleted provider is its `ECS Action Error`.

use super::{list, Refs};
use crate::cx::{closest, Cx};
use crate::path::Path;
use ecsim_engine::capacity::{ManagedScaling, FARGATE, FARGATE_SPOT};
use serde_json::Value;

/// What a later action needs to know about an Auto Scaling group provider.
#[derive(Clone, Debug)]
pub(crate) struct ProviderRef {
    /// Its group is a spot group (`simulation.autoScalingGroup.spot`); None when the group
    /// could not be read (its error is reported), so that nothing is checked against it.
    pub spot: Option<bool>,
    /// Its managed scaling, as its CreateCapacityProvider and UpdateCapacityProviders left it.
    pub managed_scaling: ManagedScaling,
    /// Managed termination protection ENABLED, likewise.
    pub managed_termination_protection: bool,
    /// A DeleteCapacityProvider named it (the name is free for a new CreateCapacityProvider).
    pub deleted: bool,
}

/// The kind of a capacity provider a request names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProviderKind {
    Fargate,
    FargateSpot,
    /// An Auto Scaling group provider created by an earlier action.
    AutoScalingGroup,
}

impl ProviderKind {
    pub(crate) fn is_fargate(self) -> bool {
        self != ProviderKind::AutoScalingGroup
    }
}

/// How a request may name a capacity provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProviderName {
    /// Its short name only (API: CapacityProviderStrategyItem.capacityProvider, "The short name
    /// of the capacity provider.").
    Short,
    /// Its short name or full ARN (API: DeleteCapacityProvider, DescribeCapacityProviders).
    ShortOrArn,
}

impl Refs {
    /// Records a provider that the CreateCapacityProvider being lowered creates (replacing a
    /// deleted one of that name).
    pub(crate) fn create_provider(&mut self, name: &str, provider: ProviderRef) {
        self.definitions += 1;
        self.providers.insert(name.to_string(), provider);
        self.associations.remove(name);
    }

    /// The Auto Scaling group provider of that name, if some earlier action created it (deleted
    /// or not).
    pub(crate) fn provider(&self, name: &str) -> Option<&ProviderRef> {
        self.providers.get(name)
    }

    pub(crate) fn provider_mut(&mut self, name: &str) -> Option<&mut ProviderRef> {
        self.providers.get_mut(name)
    }

    /// Marks a provider deleted: its name is free for a new CreateCapacityProvider, and it is no
    /// longer associated with a cluster.
    pub(crate) fn delete_provider(&mut self, name: &str) {
        if let Some(p) = self.providers.get_mut(name) {
            p.deleted = true;
        }
        self.associations.remove(name);
    }

    /// The cluster an Auto Scaling group provider is associated with now, if any.
    pub(crate) fn provider_cluster(&self, name: &str) -> Option<&str> {
        self.associations.get(name).map(String::as_str)
    }

    /// Replaces the Auto Scaling group providers associated with `cluster` by those of
    /// `providers` (CreateCluster, PutClusterCapacityProviders).
    pub(crate) fn associate(&mut self, cluster: &str, providers: &[String]) {
        self.associations.retain(|_, c| c != cluster);
        for p in providers {
            if self.providers.contains_key(p) {
                self.associations.insert(p.clone(), cluster.to_string());
            }
        }
    }

    /// Resolves a capacity provider reference: FARGATE, FARGATE_SPOT or an Auto Scaling group
    /// provider some earlier action created. Returns its name and kind.
    pub(crate) fn capacity_provider(
        &self,
        cx: &mut Cx,
        path: &Path,
        value: &Value,
        text: &str,
        how: ProviderName,
    ) -> Option<(String, ProviderKind)> {
        let name = match how {
            ProviderName::ShortOrArn => match self.arn_rest(text, "capacity-provider") {
                Ok(Some(rest)) => rest,
                Ok(None) => text,
                Err(message) => {
                    let message = if message.starts_with("the ARN names region") {
                        message
                    } else {
                        format!(
                            "expected a capacity provider name or an ARN like arn:aws:ecs:{}:{}:capacity-provider/NAME",
                            self.region, self.account_id
                        )
                    };
                    cx.error_value(path, value, message);
                    return None;
                }
            },
            ProviderName::Short if text.starts_with("arn:") => {
                cx.error_value(
                    path,
                    value,
                    "expected the capacity provider's short name, not an ARN: \"The short name of the capacity provider.\" (API: CapacityProviderStrategyItem.capacityProvider)",
                );
                return None;
            }
            ProviderName::Short => text,
        };
        let kind = match name {
            FARGATE => Some(ProviderKind::Fargate),
            FARGATE_SPOT => Some(ProviderKind::FargateSpot),
            _ if self.providers.contains_key(name) => Some(ProviderKind::AutoScalingGroup),
            _ => None,
        };
        if let Some(kind) = kind {
            return Some((name.to_string(), kind));
        }
        let mut names: Vec<&str> = vec![FARGATE, FARGATE_SPOT];
        names.extend(self.providers.keys().map(String::as_str));
        let message = if name.is_empty() {
            "expected a capacity provider name, not an empty string".to_string()
        } else if let Some(close) = closest(name, &names) {
            format!("unknown capacity provider '{name}'; did you mean '{close}'?")
        } else if self.providers.is_empty() {
            format!(
                "unknown capacity provider '{name}'; the Fargate providers are FARGATE and FARGATE_SPOT, and no CreateCapacityProvider creates another before this action"
            )
        } else {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            format!(
                "unknown capacity provider '{name}'; capacity providers at this point: {}",
                list(&names)
            )
        };
        if name.is_empty() {
            cx.error_value(path, value, message);
        } else {
            cx.error_reference(path, value, format!("capacity provider {name}"), message);
        }
        None
    }

    /// Resolves the capacity provider of an assertion: an Auto Scaling group provider some action
    /// of the scenario creates (whenever). `Err` explains why not.
    pub(crate) fn created_provider(&self, name: &str) -> Result<String, String> {
        if self.providers.contains_key(name) {
            return Ok(name.to_string());
        }
        if name == FARGATE || name == FARGATE_SPOT {
            return Err(format!(
                "capacity provider {name} runs tasks without container instances, so it has no instances to count; name an Auto Scaling group provider"
            ));
        }
        let names: Vec<&str> = self.providers.keys().map(String::as_str).collect();
        Err(if let Some(close) = closest(name, &names) {
            format!("no action creates capacity provider '{name}'; did you mean '{close}'?")
        } else if names.is_empty() {
            format!("no action creates capacity provider '{name}'; an assertion needs a CreateCapacityProvider of that name in the scenario")
        } else {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            format!(
                "no action creates capacity provider '{name}'; capacity providers the scenario creates: {}",
                list(&names)
            )
        })
    }
}
