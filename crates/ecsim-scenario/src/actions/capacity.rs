//! Capacity providers (SPEC §8): CreateCapacityProvider (the API body plus the Auto Scaling group
//! it names, described in `simulation.autoScalingGroup`, see [`group`]), UpdateCapacityProvider,
//! DeleteCapacityProvider, the DescribeCapacityProviders query, and a cluster's providers and
//! default strategy (CreateCluster, PutClusterCapacityProviders).
//!
//! What the request alone decides is checked here, and what the loader tracks in file order (see
//! [`crate::refs`]): providers created earlier, and the cluster each Auto Scaling group provider
//! is associated with. What depends on the simulated state (deleting a provider a service uses,
//! disassociating one that tasks use) is the engine's.

mod group;
pub(crate) use group::SIMULATION_FIELDS;

use super::cluster::is_name;
use super::cluster_ref;
use super::launch::strategy;
use super::query::include;
use crate::cx::{object, object_in, Cx, Field, Obj};
use crate::path::Path;
use crate::refs::{ProviderKind, ProviderName, ProviderRef, Refs};
use ecsim_engine::capacity::{
    AsgProvider, CreateCapacityProvider, ManagedScaling, ManagedScalingUpdate, StrategyItem,
    UpdateCapacityProvider,
};
use ecsim_engine::Action;
use ecsim_kernel::SimDuration;
use serde_json::Value;

use Field::{Checked, Used};

/// API: ManagedScaling.targetCapacity, "Valid Range: Minimum value of 1. Maximum value of 100."
const TARGET_CAPACITY_MAX: i64 = 100;
/// API: ManagedScaling.minimumScalingStepSize / maximumScalingStepSize, 1 to 10000.
const STEP_SIZE_MAX: i64 = 10_000;
/// API: ManagedScaling.instanceWarmupPeriod, 0 to 10000 seconds.
const WARMUP_MAX_S: i64 = 10_000;

/// API: DescribeCapacityProviders.capacityProviders — "Up to 100 capacity providers can be
/// described in an action."
const DESCRIBE_MAX: usize = 100;

/// API: CreateCapacityProvider.name — "The name can't be prefixed with "aws", "ecs", or
/// "fargate"."
const RESERVED_PREFIXES: [&str; 3] = ["aws", "ecs", "fargate"];

/// The API's managed termination protection note (AutoScalingGroupProvider).
const TERMINATION_PROTECTION_NOTE: &str = "\"When using managed termination protection, managed scaling must also be used otherwise managed termination protection doesn't work.\" (API: AutoScalingGroupProvider.managedTerminationProtection)";

/// An `ENABLED | DISABLED` field: `Some(true)` for ENABLED.
fn enabled(cx: &mut Cx, o: &Obj<'_>, name: &str, api: &str) -> Option<bool> {
    match o.str(cx, name)? {
        "ENABLED" => Some(true),
        "DISABLED" => Some(false),
        _ => {
            o.error_field(
                cx,
                name,
                format!("expected ENABLED or DISABLED (API: {api}.{name})"),
            );
            None
        }
    }
}

/// API: ManagedScaling, each field as given (the ranges of the API checked).
fn managed_scaling(cx: &mut Cx, value: &Value, path: &Path) -> Option<ManagedScalingUpdate> {
    let m = object(
        cx,
        value,
        path,
        "managed scaling {\"status\": \"ENABLED\", \"targetCapacity\": ...}",
        &[
            ("instanceWarmupPeriod", Used),
            ("maximumScalingStepSize", Used),
            ("minimumScalingStepSize", Used),
            ("status", Used),
            ("targetCapacity", Used),
        ],
    )?;
    let enabled = enabled(cx, &m, "status", "ManagedScaling");
    let target_capacity = m.int(
        cx,
        "targetCapacity",
        1,
        TARGET_CAPACITY_MAX,
        Some("expected a target capacity from 1 to 100 percent: \"The specified value must be greater than 0 and less than or equal to 100.\" (API: ManagedScaling.targetCapacity)"),
    );
    let step = |cx: &mut Cx, name: &str| {
        m.int(
            cx,
            name,
            1,
            STEP_SIZE_MAX,
            Some(&format!(
                "expected from 1 to 10000 instances (API: ManagedScaling.{name})"
            )),
        )
        .map(|v| v as u32)
    };
    let minimum_scaling_step_size = step(cx, "minimumScalingStepSize");
    let maximum_scaling_step_size = step(cx, "maximumScalingStepSize");
    let instance_warmup_period = m
        .int(
            cx,
            "instanceWarmupPeriod",
            0,
            WARMUP_MAX_S,
            Some("expected from 0 to 10000 seconds (API: ManagedScaling.instanceWarmupPeriod)"),
        )
        .map(|s| SimDuration::from_seconds(s as u64));
    Some(ManagedScalingUpdate {
        enabled,
        target_capacity: target_capacity.map(|v| v as u32),
        minimum_scaling_step_size,
        maximum_scaling_step_size,
        instance_warmup_period,
    })
}

/// RULE: the maximum scaling step size must be at least the minimum one (the API gives both
/// ranges; a maximum below the minimum could never be honoured). `scaling` is the configuration
/// the request leaves; the error points at what the request gave.
fn check_step_sizes(
    cx: &mut Cx,
    path: &Path,
    given: &ManagedScalingUpdate,
    scaling: &ManagedScaling,
) {
    let (min, max) = (
        scaling.minimum_scaling_step_size,
        scaling.maximum_scaling_step_size,
    );
    if max < min {
        let field = if given.maximum_scaling_step_size.is_some() {
            "maximumScalingStepSize"
        } else {
            "minimumScalingStepSize"
        };
        cx.error(
            &path.key(field),
            format!("maximumScalingStepSize ({max}) is below minimumScalingStepSize ({min}); the maximum must be at least the minimum"),
        );
    }
}

/// Managed termination protection ENABLED needs managed scaling ENABLED (the API's note). The
/// error points at what the request gave of the two (`o` is its `autoScalingGroupProvider`).
fn check_termination_protection(
    cx: &mut Cx,
    o: &Obj<'_>,
    termination_protection: bool,
    scaling_enabled: bool,
) {
    // A managed scaling or termination protection in error reads as its default: not checked.
    let in_error = cx.has_error_at(&o.at("managedScaling"))
        || cx.has_error_at(&o.at("managedTerminationProtection"));
    if !termination_protection || scaling_enabled || in_error {
        return;
    }
    let at = if o.has("managedTerminationProtection") {
        o.at("managedTerminationProtection")
    } else {
        o.at("managedScaling").key("status")
    };
    cx.error(
        &at,
        format!("managed termination protection is ENABLED but managed scaling is not: {TERMINATION_PROTECTION_NOTE}; set managedScaling.status to ENABLED or managedTerminationProtection to DISABLED"),
    );
}

/// API: CreateCapacityProvider.name — up to 255 letters, digits, underscores and hyphens, not
/// FARGATE or FARGATE_SPOT, not prefixed with aws, ecs or fargate (RULE: in any case, as the
/// reserved FARGATE shows), and not the name of a provider not yet deleted.
fn provider_name<'v>(cx: &mut Cx, refs: &Refs, o: &Obj<'v>) -> Option<&'v str> {
    let name = o.req_str(
        cx,
        "name",
        "the capacity provider's name, e.g. \"name\": \"cp-on-demand\"",
    )?;
    if !is_name(name, 255) {
        o.error_field(
            cx,
            "name",
            "expected up to 255 letters, numbers, underscores and hyphens (API: CreateCapacityProvider.name)",
        );
        return None;
    }
    if name == ecsim_engine::capacity::FARGATE || name == ecsim_engine::capacity::FARGATE_SPOT {
        o.error_field(
            cx,
            "name",
            format!("the name {name} is reserved: \"Only capacity providers that use an Auto Scaling group can be created. Amazon ECS tasks on AWS Fargate use the FARGATE and FARGATE_SPOT capacity providers.\" (API: CreateCapacityProvider); choose another name"),
        );
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| lower.starts_with(*p)) {
        o.error_field(
            cx,
            "name",
            format!("a capacity provider's name can't start with '{prefix}': \"The name can't be prefixed with \"aws\", \"ecs\", or \"fargate\".\" (API: CreateCapacityProvider.name); choose another name"),
        );
        return None;
    }
    if refs.provider(name).is_some_and(|p| !p.deleted) {
        o.error_field(
            cx,
            "name",
            format!("capacity provider '{name}' already exists (an earlier CreateCapacityProvider made it and no DeleteCapacityProvider removed it); choose another name or delete it first"),
        );
        return None;
    }
    Some(name)
}

/// API: CreateCapacityProvider, with the Auto Scaling group in `simulation.autoScalingGroup`.
pub(crate) fn create(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
    simulation: Option<(&Value, Path)>,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the CreateCapacityProvider request",
        "CreateCapacityProviderRequest",
        &[("autoScalingGroupProvider", Used), ("name", Used)],
    )?;
    let errors = cx.error_count();
    let name = provider_name(cx, refs, &o);
    let provider = match o.get("autoScalingGroupProvider") {
        Some(v) => auto_scaling_group_provider(cx, v, &o.at("autoScalingGroupProvider")),
        None => {
            o.missing(
                cx,
                "autoScalingGroupProvider",
                "e.g. {\"autoScalingGroupArn\": \"my-asg\", \"managedScaling\": {\"status\": \"ENABLED\"}}: \"Only capacity providers that use an Auto Scaling group can be created.\" (API: CreateCapacityProvider)",
            );
            None
        }
    };
    let action_path = path.parent();
    let group = match &simulation {
        Some((v, p)) => group::simulation(cx, refs, v, p),
        None => {
            cx.error(
                &action_path.key("simulation").key("autoScalingGroup"),
                format!("missing required field 'autoScalingGroup'; ecsim needs the Auto Scaling group described, since the request only names it: add \"simulation\": {{\"autoScalingGroup\": {{\"instanceTypes\": [\"m5.large\"], \"availabilityZones\": [\"{}a\"], \"minSize\": 0, \"maxSize\": 10}}}} to the action", refs.region),
            );
            None
        }
    };
    // The provider exists for later references even when this request has other errors, so
    // that one mistake does not cascade into "unknown capacity provider" on every later action.
    if let Some(n) = name {
        refs.create_provider(
            n,
            ProviderRef {
                spot: group.as_ref().map(|g| g.spot),
                managed_scaling: provider
                    .as_ref()
                    .map(|p| p.managed_scaling.clone())
                    .unwrap_or_default(),
                managed_termination_protection: provider
                    .as_ref()
                    .is_some_and(|p| p.managed_termination_protection),
                deleted: false,
            },
        );
    }
    if cx.error_count() > errors {
        return None;
    }
    let provider = provider?;
    Some(Action::CreateCapacityProvider(Box::new(
        CreateCapacityProvider {
            name: name?.to_string(),
            provider: AsgProvider {
                auto_scaling_group_arn: provider.auto_scaling_group_arn,
                managed_scaling: provider.managed_scaling,
                managed_termination_protection: provider.managed_termination_protection,
                managed_draining: provider.managed_draining,
                group: group?,
            },
        },
    )))
}

/// API: AutoScalingGroupProvider, lowered but for its group.
struct ProviderSettings {
    auto_scaling_group_arn: String,
    managed_scaling: ManagedScaling,
    managed_termination_protection: bool,
    managed_draining: bool,
}

fn auto_scaling_group_provider(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
) -> Option<ProviderSettings> {
    let a = object(
        cx,
        value,
        path,
        "an Auto Scaling group provider {\"autoScalingGroupArn\": ..., \"managedScaling\": {...}}",
        &[
            ("autoScalingGroupArn", Used),
            ("managedDraining", Used),
            ("managedScaling", Used),
            ("managedTerminationProtection", Used),
        ],
    )?;
    let errors = cx.error_count();
    let arn = a.req_str(
        cx,
        "autoScalingGroupArn",
        "the Auto Scaling group's ARN or name (API: AutoScalingGroupProvider.autoScalingGroupArn); ecsim simulates the group that the action's simulation.autoScalingGroup describes",
    );
    if arn == Some("") {
        a.error_field(
            cx,
            "autoScalingGroupArn",
            "expected the Auto Scaling group's ARN or name, not an empty string",
        );
    }
    let update = match a.get("managedScaling") {
        Some(v) => managed_scaling(cx, v, &a.at("managedScaling")),
        None => Some(ManagedScalingUpdate::default()),
    };
    // RULE: a managedScaling block without `status` is DISABLED, as is no block (the API names no
    // other default).
    let scaling = update
        .as_ref()
        .map(|u| ManagedScaling::default().updated(u));
    if let (Some(u), Some(s)) = (&update, &scaling) {
        check_step_sizes(cx, &a.at("managedScaling"), u, s);
    }
    let termination = enabled(
        cx,
        &a,
        "managedTerminationProtection",
        "AutoScalingGroupProvider",
    );
    // API: managedDraining — default ENABLED.
    let draining = enabled(cx, &a, "managedDraining", "AutoScalingGroupProvider").unwrap_or(true);
    if let Some(s) = &scaling {
        check_termination_protection(cx, &a, termination == Some(true), s.enabled);
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(ProviderSettings {
        auto_scaling_group_arn: arn?.to_string(),
        managed_scaling: scaling?,
        managed_termination_protection: termination.unwrap_or(false),
        managed_draining: draining,
    })
}

/// Resolves the Auto Scaling group provider a request names in field `name` (required); the
/// Fargate providers are refused with `fargate_message`.
fn group_provider(
    cx: &mut Cx,
    refs: &Refs,
    o: &Obj<'_>,
    name: &str,
    how: ProviderName,
    fargate_message: &str,
) -> Option<String> {
    let text = o.req_str(cx, name, "the capacity provider's name")?;
    let (provider, kind) = refs.capacity_provider(cx, &o.at(name), o.get(name)?, text, how)?;
    if kind != ProviderKind::AutoScalingGroup {
        o.error_field(
            cx,
            name,
            format!("capacity provider {provider} {fargate_message}"),
        );
        return None;
    }
    Some(provider)
}

/// API: UpdateCapacityProvider: the fields of `autoScalingGroupProvider` given
/// (AutoScalingGroupProviderUpdate); the rest keeps its value.
pub(crate) fn update(cx: &mut Cx, refs: &mut Refs, input: &Value, path: &Path) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the UpdateCapacityProvider request",
        "UpdateCapacityProviderRequest",
        &[("autoScalingGroupProvider", Used), ("name", Used)],
    )?;
    let errors = cx.error_count();
    let name = group_provider(
        cx,
        refs,
        &o,
        "name",
        ProviderName::Short,
        "is reserved and has no settings to update: \"The FARGATE and FARGATE_SPOT capacity providers are reserved\" (API: DeleteCapacityProvider); name an Auto Scaling group provider",
    );
    let Some(value) = o.get("autoScalingGroupProvider") else {
        o.missing(
            cx,
            "autoScalingGroupProvider",
            "the settings to change, e.g. {\"managedScaling\": {\"targetCapacity\": 90}}",
        );
        return None;
    };
    let a = object(
        cx,
        value,
        &o.at("autoScalingGroupProvider"),
        "an Auto Scaling group provider update {\"managedScaling\": {...}, ...}",
        &[
            ("managedDraining", Used),
            ("managedScaling", Used),
            ("managedTerminationProtection", Used),
        ],
    )?;
    let scaling = a
        .get("managedScaling")
        .and_then(|v| managed_scaling(cx, v, &a.at("managedScaling")));
    let termination = enabled(
        cx,
        &a,
        "managedTerminationProtection",
        "AutoScalingGroupProviderUpdate",
    );
    let draining = enabled(cx, &a, "managedDraining", "AutoScalingGroupProviderUpdate");
    if let Some(current) = name.as_deref().and_then(|n| refs.provider(n)).cloned() {
        let after = match &scaling {
            Some(u) => current.managed_scaling.updated(u),
            None => current.managed_scaling.clone(),
        };
        if let Some(u) = &scaling {
            check_step_sizes(cx, &a.at("managedScaling"), u, &after);
        }
        let protection = termination.unwrap_or(current.managed_termination_protection);
        if termination.is_some() || scaling.is_some() {
            check_termination_protection(cx, &a, protection, after.enabled);
        }
        if let Some(p) = name.as_deref().and_then(|n| refs.provider_mut(n)) {
            p.managed_scaling = after;
            p.managed_termination_protection = protection;
        }
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::UpdateCapacityProvider(Box::new(
        UpdateCapacityProvider {
            name: name?,
            managed_scaling: scaling,
            managed_termination_protection: termination,
            managed_draining: draining,
        },
    )))
}

/// API: DeleteCapacityProvider (a name or ARN). Whether the provider can be deleted at that time
/// (still associated with a cluster, or used by a service) is the engine's to decide; see
/// [`crate::refs`] for what later actions may still name.
pub(crate) fn delete(cx: &mut Cx, refs: &mut Refs, input: &Value, path: &Path) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DeleteCapacityProvider request",
        "DeleteCapacityProviderRequest",
        &[("capacityProvider", Used)],
    )?;
    let name = group_provider(
        cx,
        refs,
        &o,
        "capacityProvider",
        ProviderName::ShortOrArn,
        "is reserved: \"The FARGATE and FARGATE_SPOT capacity providers are reserved and can't be deleted. You can disassociate them from a cluster using either the PutClusterCapacityProviders API or by deleting the cluster.\" (API: DeleteCapacityProvider)",
    )?;
    refs.delete_provider(&name);
    Some(Action::DeleteCapacityProvider {
        capacity_provider: name,
    })
}

/// API: DescribeCapacityProviders. Providers that do not exist are not input errors (the response
/// lists them as failures, as DescribeServices does). RULE: `maxResults` (1–10) and `nextToken`
/// are validated and ignored: the response lists every provider asked for in one page.
pub(crate) fn describe(cx: &mut Cx, refs: &mut Refs, input: &Value, path: &Path) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DescribeCapacityProviders request",
        "DescribeCapacityProvidersRequest",
        &[
            ("capacityProviders", Used),
            ("include", Checked),
            ("maxResults", Checked),
            ("nextToken", Checked),
        ],
    )?;
    let errors = cx.error_count();
    include(cx, &o, &["TAGS"], "DescribeCapacityProviders");
    o.int(
        cx,
        "maxResults",
        1,
        10,
        Some("expected from 1 to 10: \"This value can be between 1 and 10.\" (API: DescribeCapacityProviders.maxResults)"),
    );
    o.str(cx, "nextToken");
    let mut names = Vec::new();
    if let Some(list) = o.strings(cx, "capacityProviders") {
        if list.len() > DESCRIBE_MAX {
            o.error_field(
                cx,
                "capacityProviders",
                "expected at most 100 capacity providers: \"Up to 100 capacity providers can be described in an action.\" (API: DescribeCapacityProviders.capacityProviders)",
            );
        }
        for (i, text) in list.iter().enumerate() {
            let p = o.at("capacityProviders").index(i);
            match refs.arn_rest(text, "capacity-provider") {
                _ if text.is_empty() => cx.error(
                    &p,
                    "expected a capacity provider name or ARN, not an empty string",
                ),
                Ok(rest) => names.push(rest.unwrap_or(text).to_string()),
                Err(message) if message.starts_with("the ARN names region") => {
                    cx.error(&p, message)
                }
                Err(_) => cx.error(
                    &p,
                    format!(
                        "expected a capacity provider name or an ARN like arn:aws:ecs:{}:{}:capacity-provider/NAME",
                        refs.region, refs.account_id
                    ),
                ),
            }
        }
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::DescribeCapacityProviders {
        capacity_providers: names,
    })
}

/// API: PutClusterCapacityProviders: `cluster`, `capacityProviders` and
/// `defaultCapacityProviderStrategy`, all required (the strategy may be `[]`).
pub(crate) fn put_cluster_capacity_providers(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the PutClusterCapacityProviders request",
        "PutClusterCapacityProvidersRequest",
        &[
            ("capacityProviders", Used),
            ("cluster", Used),
            ("defaultCapacityProviderStrategy", Used),
        ],
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, true);
    let (providers, default_strategy) = cluster_capacity(
        cx,
        refs,
        &o,
        cluster.as_deref(),
        true,
        "PutClusterCapacityProviders",
    );
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::PutClusterCapacityProviders {
        cluster: cluster?,
        capacity_providers: providers?,
        default_strategy: default_strategy?,
    })
}

/// `capacityProviders` and `defaultCapacityProviderStrategy` of CreateCluster and
/// PutClusterCapacityProviders (`required`: both must be given). Each provider is FARGATE,
/// FARGATE_SPOT or one an earlier action created, listed once; an Auto Scaling group provider may
/// not be associated with another cluster (API: CreateCluster.capacityProviders, "the capacity
/// provider must be created but not associated with another cluster"; RULE: whether or not it has
/// managed scaling, checked against the associations earlier actions made, in file order); the
/// default strategy names only providers of the list. The associations are recorded for `cluster`.
pub(crate) fn cluster_capacity(
    cx: &mut Cx,
    refs: &mut Refs,
    o: &Obj<'_>,
    cluster: Option<&str>,
    required: bool,
    api: &str,
) -> (Option<Vec<String>>, Option<Vec<StrategyItem>>) {
    let errors = cx.error_count();
    let mut providers: Vec<String> = Vec::new();
    match o.strings(cx, "capacityProviders") {
        Some(list) => {
            for (i, text) in list.iter().enumerate() {
                let p = o.at("capacityProviders").index(i);
                let value = Value::String(text.to_string());
                let Some((name, kind)) =
                    refs.capacity_provider(cx, &p, &value, text, ProviderName::Short)
                else {
                    continue;
                };
                if providers.contains(&name) {
                    // RULE: a provider listed twice is an error (the list is a set).
                    cx.error_value(&p, &value, format!("capacity provider '{name}' is listed twice; list each provider once"));
                    continue;
                }
                if kind == ProviderKind::AutoScalingGroup {
                    if let (Some(other), Some(c)) = (refs.provider_cluster(&name), cluster) {
                        if other != c {
                            cx.error_value(
                                &p,
                                &value,
                                format!("capacity provider '{name}' is associated with cluster '{other}' by an earlier action, and an Auto Scaling group provider serves one cluster: \"the capacity provider must be created but not associated with another cluster\" (API: CreateCluster.capacityProviders); remove it from '{other}' first with PutClusterCapacityProviders"),
                            );
                        }
                    }
                }
                providers.push(name);
            }
        }
        None if required && !o.has("capacityProviders") => o.missing(
            cx,
            "capacityProviders",
            &format!("the providers to associate with the cluster, [] for none: \"If the specified cluster has existing capacity providers associated with it, you must specify all existing capacity providers in addition to any new ones you want to add.\" (API: {api})"),
        ),
        None => {}
    }
    // A list with errors is not known in full: checking the strategy against it would report
    // its mistakes again.
    let providers_known = cx.error_count() == errors;
    let strategy = match o.get("defaultCapacityProviderStrategy") {
        Some(v) => {
            let path = o.at("defaultCapacityProviderStrategy");
            let s = strategy(cx, refs, v, &path);
            if let (Some(s), true) = (&s, providers_known) {
                for (i, item) in s.items.iter().enumerate() {
                    if !providers.contains(&item.capacity_provider) {
                        cx.error(
                            &path.index(i).key("capacityProvider"),
                            format!("capacity provider '{}' is not in this request's capacityProviders: \"A capacity provider must be associated with a cluster before it can be included as part of the default capacity provider strategy of the cluster\" (API: CreateCluster.capacityProviders); add it to capacityProviders", item.capacity_provider),
                        );
                    }
                }
            }
            s.map(|s| s.items)
        }
        None if required => {
            o.missing(
                cx,
                "defaultCapacityProviderStrategy",
                &format!("[] for none: \"you must specify an empty array ([]) to bypass defining a default strategy\" (API: {api})"),
            );
            None
        }
        None => Some(Vec::new()),
    };
    if let Some(c) = cluster {
        refs.associate(c, &providers);
    }
    if cx.error_count() > errors {
        return (None, None);
    }
    (Some(providers), strategy)
}
