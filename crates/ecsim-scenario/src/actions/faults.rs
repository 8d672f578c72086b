//! The simulator's capacity faults (SPEC §2, §8): InterruptSpot, FailAvailabilityZone and
//! RestoreAvailabilityZone.

use super::{check_zone, cluster_ref, provider_ref};
use crate::cx::{object, Cx, Field};
use crate::path::Path;
use crate::refs::{ProviderKind, Refs};
use ecsim_engine::capacity::SpotAmount;
use ecsim_engine::Action;
use serde_json::Value;

use Field::Used;

/// The InterruptSpot input (SPEC §2).
pub(crate) const INTERRUPT_SPOT_FIELDS: [(&str, Field); 4] = [
    ("capacityProvider", Used),
    ("cluster", Used),
    ("count", Used),
    ("fraction", Used),
];

/// The FailAvailabilityZone and RestoreAvailabilityZone input (SPEC §2).
pub(crate) const ZONE_FIELDS: [(&str, Field); 1] = [("availabilityZone", Used)];

/// InterruptSpot: FARGATE_SPOT tasks (of one cluster, or of every cluster) or a spot group's
/// instances get the two-minute warning, then stop. Exactly one of `count` (at least 1) and
/// `fraction` (above 0, at most 1) says how many.
pub(crate) fn interrupt_spot(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object(
        cx,
        input,
        path,
        "the InterruptSpot input",
        &INTERRUPT_SPOT_FIELDS,
    )?;
    let errors = cx.error_count();
    let provider = provider_ref(
        cx,
        refs,
        &o,
        "FARGATE_SPOT, or an Auto Scaling group provider whose group has \"spot\": true",
    );
    let provider = match provider {
        Some((name, ProviderKind::FargateSpot)) => Some((name, true)),
        Some((name, ProviderKind::Fargate)) => {
            o.error_field(
                cx,
                "capacityProvider",
                format!("capacity provider {name} is on-demand capacity and is never interrupted; name FARGATE_SPOT or a spot group's provider"),
            );
            None
        }
        Some((name, ProviderKind::AutoScalingGroup)) => {
            if refs.provider(&name).is_some_and(|p| p.spot != Some(false)) {
                Some((name, false))
            } else {
                o.error_field(
                    cx,
                    "capacityProvider",
                    format!("capacity provider '{name}' has an on-demand group (its simulation.autoScalingGroup has no \"spot\": true), so it has no spot instances to interrupt"),
                );
                None
            }
        }
        None => None,
    };
    let cluster = match (&provider, o.has("cluster")) {
        (_, false) => None,
        (Some((name, false)), true) => {
            // RULE: a spot group's instances are the group's; naming a cluster would not select
            // among them.
            cx.error_key(
                &o.at("cluster"),
                format!("cluster applies to FARGATE_SPOT only: capacity provider '{name}' interrupts instances of its own group; remove cluster"),
            );
            None
        }
        (_, true) => cluster_ref(cx, refs, &o, true),
    };
    let amount = match (o.get("count"), o.get("fraction")) {
        (Some(_), Some(_)) => {
            cx.error_key(&o.at("fraction"), "give count or fraction, not both");
            None
        }
        (None, None) => {
            cx.error(
                &o.path,
                "missing count or fraction; give how many to interrupt, e.g. \"count\": 1 or \"fraction\": 0.5 (of those running, rounded up)",
            );
            None
        }
        (Some(_), None) => o
            .int(
                cx,
                "count",
                1,
                u32::MAX as i64,
                Some("expected a count of at least 1"),
            )
            .map(|c| SpotAmount::Count(c as u32)),
        (None, Some(_)) => match o.number(cx, "fraction") {
            Some(f) if f > 0.0 && f <= 1.0 => Some(SpotAmount::Fraction(f)),
            Some(_) => {
                o.error_field(
                    cx,
                    "fraction",
                    "expected a fraction above 0 and at most 1 (of those running, rounded up)",
                );
                None
            }
            None => None,
        },
    };
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::InterruptSpot {
        capacity_provider: provider?.0,
        cluster,
        amount: amount?,
    })
}

/// FailAvailabilityZone (`fail`) and RestoreAvailabilityZone: `availabilityZone`, a zone of the
/// scenario's region.
pub(crate) fn availability_zone(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
    fail: bool,
) -> Option<Action> {
    let what = if fail {
        "the FailAvailabilityZone input"
    } else {
        "the RestoreAvailabilityZone input"
    };
    let o = object(cx, input, path, what, &ZONE_FIELDS)?;
    let zone = o.req_str(
        cx,
        "availabilityZone",
        &format!("a zone of the scenario's region, e.g. \"{}a\"", refs.region),
    )?;
    if !check_zone(cx, &refs.region, &o.at("availabilityZone"), zone) {
        return None;
    }
    let availability_zone = zone.to_string();
    Some(if fail {
        Action::FailAvailabilityZone { availability_zone }
    } else {
        Action::RestoreAvailabilityZone { availability_zone }
    })
}
