//! Where a request's tasks run (SPEC §4, §8): the `launchType` and `capacityProviderStrategy` of
//! RunTask, CreateService, UpdateService and CreateTaskSet (and the default strategies of
//! CreateCluster and PutClusterCapacityProviders), the `networkConfiguration` that gives awsvpc
//! tasks their subnets, and what Fargate asks of a task.
//!
//! Only what the request itself decides is checked here. Whether a provider is associated with the
//! cluster at that time, and what the cluster's default strategy makes of a request that names
//! neither a launch type nor a strategy, are the engine's (`ECS Action Error`).

use super::task::Resolved;
use crate::cx::{object, object_in, Cx, Field, Obj};
use crate::path::Path;
use crate::refs::{ProviderKind, ProviderName, Refs, Revision, Runs};
use ecsim_engine::capacity::{fargate_size_is_valid, StrategyItem, FARGATE_SIZE_ERROR};
use ecsim_model::{Compatibility, LaunchType, NetworkMode};
use serde_json::Value;

use Field::{Checked, Used};

/// API: CapacityProviderStrategyItem — "A capacity provider strategy may contain a maximum of 6
/// capacity providers."
const STRATEGY_ITEMS_MAX: usize = 6;

/// API: CapacityProviderStrategyItem.base, "Valid Range: Minimum value of 0. Maximum value of
/// 100000."
const BASE_MAX: i64 = 100_000;

/// API: CapacityProviderStrategyItem.weight, "Valid Range: Minimum value of 0. Maximum value of
/// 1000."
const WEIGHT_MAX: i64 = 1000;

/// API: AwsVpcConfiguration.subnets — "There's a limit of 16 subnets that can be specified per
/// AwsVpcConfiguration."
const SUBNETS_MAX: usize = 16;

/// API: AwsVpcConfiguration.securityGroups — "There's a limit of 5 security groups that can be
/// specified per AwsVpcConfiguration."
const SECURITY_GROUPS_MAX: usize = 5;

/// The API's name of a launch type in `requiresCompatibilities`.
fn compatibility_name(c: Compatibility) -> &'static str {
    match c {
        Compatibility::Ec2 => "EC2",
        Compatibility::Fargate => "FARGATE",
        Compatibility::External => "EXTERNAL",
    }
}

/// A capacity provider strategy as read: its items, and whether they are the Fargate providers
/// (a strategy has one kind only).
#[derive(Clone, Debug)]
pub(crate) struct Strategy {
    pub items: Vec<StrategyItem>,
    pub fargate: bool,
}

/// Reads a capacity provider strategy (API: CapacityProviderStrategyItem): at most 6 items, each
/// naming FARGATE, FARGATE_SPOT or a provider an earlier action created, once; base 0–100000 on
/// one item at most; weights 0–1000, not all 0; the Fargate providers not mixed with Auto
/// Scaling group providers. `None` when it has errors (reported).
pub(crate) fn strategy(cx: &mut Cx, refs: &Refs, value: &Value, path: &Path) -> Option<Strategy> {
    let Value::Array(items) = value else {
        cx.error_value(
            path,
            value,
            "expected an array of capacity provider strategy items like [{\"capacityProvider\": \"FARGATE\", \"weight\": 1}]",
        );
        return None;
    };
    let errors = cx.error_count();
    if items.len() > STRATEGY_ITEMS_MAX {
        cx.error(
            path,
            format!(
                "the strategy has {} items: \"A capacity provider strategy may contain a maximum of 6 capacity providers.\" (API: CapacityProviderStrategyItem)",
                items.len()
            ),
        );
    }
    let mut out: Vec<StrategyItem> = Vec::new();
    let mut kinds: Vec<ProviderKind> = Vec::new();
    let mut base_item: Option<usize> = None;
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(o) = object(
            cx,
            item,
            &p,
            "a capacity provider strategy item {\"capacityProvider\": ..., \"weight\": ..., \"base\": ...}",
            &[("base", Used), ("capacityProvider", Used), ("weight", Used)],
        ) else {
            continue;
        };
        let provider = o
            .req_str(
                cx,
                "capacityProvider",
                "the provider's short name: FARGATE, FARGATE_SPOT or one a CreateCapacityProvider creates",
            )
            .and_then(|text| {
                let value = o.get("capacityProvider")?;
                refs.capacity_provider(
                    cx,
                    &o.at("capacityProvider"),
                    value,
                    text,
                    ProviderName::Short,
                )
            });
        let base = o.int(
            cx,
            "base",
            0,
            BASE_MAX,
            Some("expected a base from 0 to 100000 tasks (API: CapacityProviderStrategyItem.base)"),
        );
        let weight = o.int(
            cx,
            "weight",
            0,
            WEIGHT_MAX,
            Some("expected a weight from 0 to 1000 (API: CapacityProviderStrategyItem.weight)"),
        );
        if let Some(b) = base.filter(|b| *b > 0) {
            match base_item {
                // RULE: a base of 0 is no base ("If no value is specified, the default value of 0
                // is used"), so only items with a base above 0 count toward the one allowed.
                Some(first) => o.error_field(
                    cx,
                    "base",
                    format!(
                        "item {first} of this strategy has a base already: \"Only one capacity provider in a capacity provider strategy can have a base defined.\" (API: CapacityProviderStrategyItem.base); keep one base (this one is {b})"
                    ),
                ),
                None => base_item = Some(i),
            }
        }
        let Some((name, kind)) = provider else {
            continue;
        };
        if let Some(j) = out.iter().position(|x| x.capacity_provider == name) {
            // RULE: a provider named twice in one strategy is an error (its share would be
            // ambiguous).
            o.error_field(
                cx,
                "capacityProvider",
                format!("capacity provider '{name}' is item {j} of this strategy already; list each provider once"),
            );
            continue;
        }
        out.push(StrategyItem {
            capacity_provider: name,
            weight: weight.unwrap_or(0) as u32,
            base: base.unwrap_or(0) as u32,
        });
        kinds.push(kind);
    }
    if cx.error_count() > errors {
        return None;
    }
    let fargate = kinds.iter().any(|k| k.is_fargate());
    if fargate && !kinds.iter().all(|k| k.is_fargate()) {
        let fargate_name = &out[kinds.iter().position(|k| k.is_fargate())?].capacity_provider;
        let group_name = &out[kinds.iter().position(|k| !k.is_fargate())?].capacity_provider;
        cx.error(
            path,
            format!(
                "a capacity provider strategy can't mix the Fargate providers with Auto Scaling group providers (here {fargate_name} and {group_name}): Fargate tasks run without container instances (Developer Guide: cluster capacity providers); use one kind per strategy"
            ),
        );
        return None;
    }
    if !out.is_empty() && out.iter().all(|i| i.weight == 0) {
        // API: CapacityProviderStrategyItem.weight — "at least one of the capacity providers must
        // have a weight value greater than zero". RULE: also for a strategy of one provider (SPEC
        // §8: "all weights 0 is an error"): a provider of weight 0 takes no task beyond its base.
        cx.error(
            path,
            "every provider of this strategy has weight 0 (the default): \"at least one of the capacity providers must have a weight value greater than zero and any capacity providers with a weight of 0 can't be used to place tasks\" (API: CapacityProviderStrategyItem.weight); give one a weight of at least 1",
        );
        return None;
    }
    Some(Strategy {
        items: out,
        fargate,
    })
}

/// What a request's `launchType` and `capacityProviderStrategy` say.
#[derive(Clone, Debug)]
pub(crate) struct Launch {
    pub launch_type: Option<LaunchType>,
    /// `None`: not given, or given as `[]` (RULE: an empty strategy is none, "If no
    /// capacityProviderStrategy or launchType is specified, the defaultCapacityProviderStrategy
    /// for the cluster is used.").
    pub strategy: Option<Vec<StrategyItem>>,
    pub runs: Runs,
}

/// Whether the request gives a strategy with items (or something that is not an array).
fn strategy_given(o: &Obj<'_>) -> bool {
    o.get("capacityProviderStrategy")
        .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()))
}

/// The request's `capacityProviderStrategy`, when it has items.
pub(crate) fn request_strategy(cx: &mut Cx, refs: &Refs, o: &Obj<'_>) -> Option<Strategy> {
    if !strategy_given(o) {
        return None;
    }
    strategy(
        cx,
        refs,
        o.get("capacityProviderStrategy")?,
        &o.at("capacityProviderStrategy"),
    )
}

/// `launchType` and `capacityProviderStrategy` of RunTask, CreateService and CreateTaskSet:
/// mutually exclusive; EC2 and FARGATE are simulated, EXTERNAL is not.
pub(crate) fn launch(cx: &mut Cx, refs: &Refs, o: &Obj<'_>, api: &str) -> Launch {
    let has_strategy = strategy_given(o);
    let launch_type = match o.str(cx, "launchType") {
        None => None,
        Some("EC2") => Some(LaunchType::Ec2),
        Some("FARGATE") => Some(LaunchType::Fargate),
        Some("EXTERNAL") => {
            if !has_strategy {
                o.error_field(
                    cx,
                    "launchType",
                    "the EXTERNAL launch type is not simulated by this version of ecsim; use EC2 or FARGATE",
                );
            }
            None
        }
        Some(_) => {
            o.error_field(
                cx,
                "launchType",
                format!("expected EC2, FARGATE or EXTERNAL (API: {api}.launchType)"),
            );
            None
        }
    };
    if has_strategy && o.has("launchType") {
        // API: RunTask / CreateService / CreateTaskSet .capacityProviderStrategy — "If a
        // capacityProviderStrategy is specified, the launchType parameter must be omitted."
        cx.error_key(
            &o.at("capacityProviderStrategy"),
            format!("launchType and capacityProviderStrategy can't both be given: \"If a capacityProviderStrategy is specified, the launchType parameter must be omitted.\" (API: {api}.capacityProviderStrategy); remove one"),
        );
    }
    let strategy = request_strategy(cx, refs, o);
    let runs = match (launch_type, &strategy) {
        (Some(LaunchType::Fargate), _) => Runs::OnFargate,
        (Some(_), _) => Runs::OnEc2,
        (None, Some(s)) if s.fargate => Runs::OnFargate,
        (None, Some(_)) => Runs::OnEc2,
        (None, None) => Runs::Unknown,
    };
    Launch {
        launch_type,
        strategy: strategy.map(|s| s.items),
        runs,
    }
}

/// What Fargate asks of a task definition (SPEC §8), checked for `label` (errors point at
/// `anchor`, or at the request's `overrides` when they set the size): that it may run on Fargate,
/// the awsvpc network mode, and a valid Fargate size.
pub(crate) fn check_fargate_task_definition(
    cx: &mut Cx,
    o: &Obj<'_>,
    anchor: &Path,
    label: &str,
    revision: &Revision,
    size_override: (Option<u32>, Option<u32>),
) {
    let compat = &revision.compatibilities;
    if !compat.is_empty() && !compat.contains(&Compatibility::Fargate) {
        // RULE: a task definition that lists requiresCompatibilities runs only on the launch
        // types it lists (as one without FARGATE is refused for EC2 the other way round).
        let listed: Vec<&str> = compat.iter().map(|c| compatibility_name(*c)).collect();
        cx.error(
            anchor,
            format!(
                "task definition {label} lists requiresCompatibilities {} without FARGATE, so its tasks can't run on Fargate; register a revision with \"requiresCompatibilities\": [\"FARGATE\"]",
                listed.join(", ")
            ),
        );
    }
    if revision.network_mode != NetworkMode::Awsvpc {
        cx.error(
            anchor,
            format!(
                "task definition {label} uses the {} network mode, but \"For Amazon ECS tasks on Fargate, the awsvpc network mode is required.\" (API: TaskDefinition.networkMode); register a revision with \"networkMode\": \"awsvpc\"",
                revision.network_mode.as_str()
            ),
        );
    }
    let cpu = size_override.0.or(revision.task_cpu);
    let memory = size_override.1.or(revision.task_memory_mib);
    let at = if size_override.0.is_some() || size_override.1.is_some() {
        o.at("overrides")
    } else {
        anchor.clone()
    };
    match (cpu, memory) {
        (Some(c), Some(m)) if fargate_size_is_valid(c, m) => {}
        (Some(c), Some(m)) => cx.error(
            &at,
            format!(
                "cpu {c} with memory {m} MiB is not a Fargate task size (task definition {label}): \"ClientException: {FARGATE_SIZE_ERROR}\"; use a valid pair, e.g. cpu \"256\" with memory \"512\", \"1024\" or \"2048\""
            ),
        ),
        _ => cx.error(
            &at,
            format!(
                "task definition {label} has no task-level {}, which a Fargate task needs: \"ClientException: {FARGATE_SIZE_ERROR}\"; set task-level cpu and memory to a Fargate size, e.g. \"cpu\": \"256\", \"memory\": \"512\"",
                match (cpu, memory) {
                    (None, None) => "cpu and memory",
                    (None, _) => "cpu",
                    _ => "memory",
                }
            ),
        ),
    }
}

/// Fargate tasks take no placement strategy or constraints (SPEC §4: "Fargate: no strategies or
/// constraints (an input error if given)"); an empty array gives none and is accepted.
pub(crate) fn check_fargate_placement(cx: &mut Cx, o: &Obj<'_>) {
    for (field, what) in [
        ("placementStrategy", "placement strategies"),
        ("placementConstraints", "placement constraints"),
    ] {
        let given = o
            .get(field)
            .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()));
        if given {
            cx.error_key(
                &o.at(field),
                format!("tasks on Fargate take no {what}: Fargate spreads them across the zones of their subnets (SPEC §4); remove {field}"),
            );
        }
    }
}

/// Checks that the resolved task definition can run on EC2 instances (when the request says its
/// tasks run there).
pub(crate) fn check_ec2_compatible(cx: &mut Cx, o: &Obj<'_>, resolved: &Resolved) {
    let compat = &resolved.info.compatibilities;
    if !compat.is_empty() && !compat.contains(&Compatibility::Ec2) {
        let listed: Vec<&str> = compat.iter().map(|c| compatibility_name(*c)).collect();
        cx.error(
            &o.at("taskDefinition"),
            format!(
                "task definition {} lists requiresCompatibilities {} without EC2, so its tasks can't run on EC2 container instances; run it on Fargate or register a revision that lists EC2",
                resolved.label(),
                listed.join(", ")
            ),
        );
    }
}

/// The `networkConfiguration` of RunTask, CreateService and CreateTaskSet: given exactly when the
/// task definition uses awsvpc, and always for Fargate, whose tasks take their zones from its
/// subnets. Returns the subnets given (empty when none). `check_absent`: whether an awsvpc task
/// definition without it is an error (RunTask and CreateService: API "This parameter is required
/// for task definitions that use the awsvpc network mode").
pub(crate) fn network(
    cx: &mut Cx,
    o: &Obj<'_>,
    resolved: Option<&Resolved>,
    runs: Runs,
    api: &str,
    check_absent: bool,
) -> Vec<String> {
    let example = "e.g. {\"awsvpcConfiguration\": {\"subnets\": [\"subnet-1\"]}}";
    let fargate = runs == Runs::OnFargate;
    let Some(value) = o.get("networkConfiguration") else {
        match resolved {
            _ if fargate => o.missing(
                cx,
                "networkConfiguration",
                &format!("Fargate tasks need awsvpcConfiguration subnets, in whose zones they run; {example}"),
            ),
            Some(r) if check_absent && r.info.network_mode == NetworkMode::Awsvpc => o.missing(
                cx,
                "networkConfiguration",
                &format!(
                    "task definition {} uses the awsvpc network mode, which requires it (API: {api}.networkConfiguration); {example}",
                    r.label()
                ),
            ),
            _ => {}
        }
        return Vec::new();
    };
    if let Some(r) = resolved {
        if !fargate && r.info.network_mode != NetworkMode::Awsvpc {
            // API: RunTask.networkConfiguration — "This parameter is required for task
            // definitions that use the awsvpc network mode ... and it isn't supported for other
            // network modes."
            cx.error_key(
                &o.at("networkConfiguration"),
                format!(
                    "task definition {} uses the {} network mode, for which networkConfiguration isn't supported (API: {api}.networkConfiguration); remove it",
                    r.label(),
                    r.info.network_mode.as_str()
                ),
            );
            return Vec::new();
        }
    }
    let subnets = network_configuration(cx, value, &o.at("networkConfiguration"));
    if fargate && subnets.is_none() && value.get("awsvpcConfiguration").is_none() {
        cx.error(
            &o.at("networkConfiguration").key("awsvpcConfiguration"),
            format!("missing required field 'awsvpcConfiguration'; Fargate tasks need its subnets, in whose zones they run; {example}"),
        );
    }
    subnets.unwrap_or_default()
}

/// API: NetworkConfiguration and AwsVpcConfiguration. Returns the subnets, when
/// `awsvpcConfiguration` is given and valid: 1 to 16 non-empty subnet ids (RULE: ecsim does not
/// check their form); `securityGroups` (at most 5) and `assignPublicIp` are validated and ignored.
pub(crate) fn network_configuration(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
) -> Option<Vec<String>> {
    let n = object_in(
        cx,
        value,
        path,
        "a network configuration {\"awsvpcConfiguration\": {\"subnets\": [...]}}",
        "NetworkConfiguration",
        &[("awsvpcConfiguration", Used)],
    )?;
    let a = object_in(
        cx,
        n.get("awsvpcConfiguration")?,
        &n.at("awsvpcConfiguration"),
        "an awsvpc configuration {\"subnets\": [...]}",
        "AwsVpcConfiguration",
        &[
            ("assignPublicIp", Checked),
            ("securityGroups", Checked),
            ("subnets", Used),
        ],
    )?;
    if let Some(s) = a.str(cx, "assignPublicIp") {
        if s != "ENABLED" && s != "DISABLED" {
            a.error_field(
                cx,
                "assignPublicIp",
                "expected ENABLED or DISABLED (API: AwsVpcConfiguration.assignPublicIp)",
            );
        }
    }
    if let Some(groups) = a.strings(cx, "securityGroups") {
        if groups.len() > SECURITY_GROUPS_MAX {
            a.error_field(
                cx,
                "securityGroups",
                "expected at most 5 security groups: \"There's a limit of 5 security groups that can be specified per AwsVpcConfiguration.\" (API: AwsVpcConfiguration.securityGroups)",
            );
        }
    }
    if !a.has("subnets") {
        a.missing(
            cx,
            "subnets",
            "the ids of 1 to 16 subnets for the tasks' network interfaces, e.g. [\"subnet-1\"] (API: AwsVpcConfiguration.subnets)",
        );
        return None;
    }
    let subnets = a.strings(cx, "subnets")?;
    if subnets.is_empty() || subnets.len() > SUBNETS_MAX {
        a.error_field(
            cx,
            "subnets",
            "expected from 1 to 16 subnet ids: \"There's a limit of 16 subnets that can be specified per AwsVpcConfiguration.\" (API: AwsVpcConfiguration.subnets)",
        );
        return None;
    }
    if let Some(i) = subnets.iter().position(|s| s.is_empty()) {
        cx.error(
            &a.at("subnets").index(i),
            "expected a subnet id, not an empty string",
        );
        return None;
    }
    Some(subnets.into_iter().map(str::to_string).collect())
}
