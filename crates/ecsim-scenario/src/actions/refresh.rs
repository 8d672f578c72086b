//! StartInstanceRefresh (SPEC §2): EC2 Auto Scaling's instance refresh of an Auto Scaling group
//! provider's group, with EC2 Auto Scaling's preferences (RefreshPreferences) and their defaults.

use super::provider_ref;
use crate::cx::{object, Cx, Field};
use crate::path::Path;
use crate::refs::{ProviderKind, Refs};
use ecsim_engine::capacity::InstanceRefresh;
use ecsim_engine::Action;
use ecsim_kernel::SimDuration;
use serde_json::Value;

use Field::Used;

/// The StartInstanceRefresh input (SPEC §2).
pub(crate) const REFRESH_FIELDS: [(&str, Field); 5] = [
    ("capacityProvider", Used),
    ("imageId", Used),
    ("minHealthyPercentage", Used),
    ("maxHealthyPercentage", Used),
    ("instanceWarmup", Used),
];

/// EC2 Auto Scaling: RefreshPreferences.MinHealthyPercentage, "Value range is 0 to 100", default 90.
const MIN_HEALTHY_DEFAULT: i64 = 90;
/// RefreshPreferences.MaxHealthyPercentage, "Value range is 100 to 200", default 100; "the
/// difference between them cannot be greater than 100".
const MAX_HEALTHY_DEFAULT: i64 = 100;
const MAX_HEALTHY_MAX: i64 = 200;
const SPREAD_MAX: i64 = 100;
/// RefreshPreferences.InstanceWarmup: "Valid Range: Minimum value of 0" (seconds); RULE: at most
/// a day, ManagedScaling.instanceWarmupPeriod's own range being 0 to 10000 s.
const WARMUP_MAX: SimDuration = SimDuration::from_seconds(86_400);

/// StartInstanceRefresh: `capacityProvider` (an Auto Scaling group provider), `imageId` (an AMI
/// the scenario knows, or `resolve:ssm:NAME`), and the refresh's preferences.
pub(crate) fn start_instance_refresh(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object(
        cx,
        input,
        path,
        "the StartInstanceRefresh input",
        &REFRESH_FIELDS,
    )?;
    let errors = cx.error_count();
    let provider = provider_ref(
        cx,
        refs,
        &o,
        "the short name of an Auto Scaling group provider an earlier CreateCapacityProvider made",
    )
    .and_then(|(name, kind)| match kind {
            ProviderKind::AutoScalingGroup => Some(name),
            ProviderKind::Fargate | ProviderKind::FargateSpot => {
                o.error_field(
                    cx,
                    "capacityProvider",
                    format!("capacity provider {name} is Fargate, which has no instances to refresh; name an Auto Scaling group provider"),
                );
                None
            }
        });
    let image_id = o
        .req_str(
            cx,
            "imageId",
            "the AMI to roll out, e.g. \"imageId\": \"resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended\"",
        )
        .and_then(|id| {
            let value = o.get("imageId")?;
            refs.image_id(cx, &o.at("imageId"), value, id)
        });
    let min = match o.has("minHealthyPercentage") {
        true => o.int(
            cx,
            "minHealthyPercentage",
            0,
            100,
            Some("expected a percentage from 0 to 100 (RefreshPreferences.MinHealthyPercentage)"),
        ),
        false => Some(MIN_HEALTHY_DEFAULT),
    };
    let max = match o.has("maxHealthyPercentage") {
        true => o.int(
            cx,
            "maxHealthyPercentage",
            100,
            MAX_HEALTHY_MAX,
            Some("expected a percentage from 100 to 200 (RefreshPreferences.MaxHealthyPercentage)"),
        ),
        false => Some(MAX_HEALTHY_DEFAULT),
    };
    if let (Some(min), Some(max)) = (min, max) {
        if max - min > SPREAD_MAX {
            o.error_field(
                cx,
                "maxHealthyPercentage",
                format!("maxHealthyPercentage {max} is more than 100 above minHealthyPercentage {min}: \"the difference between them cannot be greater than 100\" (EC2 Auto Scaling)"),
            );
        }
    }
    let warmup = match o.has("instanceWarmup") {
        true => match o.duration(cx, "instanceWarmup") {
            Some(d) if d > WARMUP_MAX => {
                o.error_field(cx, "instanceWarmup", "expected at most a day (86400 s)");
                None
            }
            d => d.map(Some),
        },
        false => Some(None),
    };
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::StartInstanceRefresh(Box::new(InstanceRefresh {
        capacity_provider: provider?,
        image_id: image_id?,
        min_healthy_percentage: min? as u32,
        max_healthy_percentage: max? as u32,
        instance_warmup: warmup?,
    })))
}
