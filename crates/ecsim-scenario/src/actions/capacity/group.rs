//! CreateCapacityProvider's `simulation` block: the Auto Scaling group the provider names (SPEC
//! §8). ECS only has the group's name; ecsim needs the group itself: its instance types, zones,
//! sizes, whether it is a spot group, its AMI, its tags and its launch time.

use super::super::check_zone;
use crate::cx::{as_duration, object, Cx, Field, Obj};
use crate::path::Path;
use crate::refs::Refs;
use ecsim_engine::capacity::AutoScalingGroup;
use serde_json::Value;

use Field::Used;

/// RULE: a group holds at most 5000 instances (SPEC §3: "≤ 5000 instances per cluster").
const GROUP_SIZE_MAX: i64 = 5000;

/// The members of CreateCapacityProvider's `simulation` block.
pub(crate) const SIMULATION_FIELDS: [(&str, Field); 1] = [("autoScalingGroup", Used)];

/// The `simulation` block of CreateCapacityProvider: `{"autoScalingGroup": {...}}`, required.
pub(crate) fn simulation(
    cx: &mut Cx,
    refs: &Refs,
    value: &Value,
    path: &Path,
) -> Option<AutoScalingGroup> {
    let o = object(
        cx,
        value,
        path,
        "a simulation block {\"autoScalingGroup\": {...}}",
        &SIMULATION_FIELDS,
    )?;
    let Some(group) = o.get("autoScalingGroup") else {
        o.missing(
            cx,
            "autoScalingGroup",
            &format!("ecsim needs the Auto Scaling group described, since the request only names it, e.g. {{\"instanceTypes\": [\"m5.large\"], \"availabilityZones\": [\"{}a\"], \"minSize\": 0, \"maxSize\": 10}}", refs.region),
        );
        return None;
    };
    auto_scaling_group(cx, refs, group, &o.at("autoScalingGroup"))
}

/// A required, non-empty list of distinct strings, each accepted by `check`.
fn names<'v>(
    cx: &mut Cx,
    g: &Obj<'v>,
    field: &str,
    hint: &str,
    mut check: impl FnMut(&mut Cx, &Path, &'v str) -> bool,
) -> Option<Vec<String>> {
    if !g.has(field) {
        g.missing(cx, field, hint);
        return None;
    }
    let list = g.strings(cx, field)?;
    if list.is_empty() {
        g.error_field(cx, field, format!("expected at least one entry; {hint}"));
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for (i, item) in list.iter().enumerate() {
        let p = g.at(field).index(i);
        if !check(cx, &p, item) {
            ok = false;
        } else if out.iter().any(|x| x == item) {
            cx.error(&p, format!("'{item}' is listed twice; list each once"));
            ok = false;
        } else {
            out.push(item.to_string());
        }
    }
    ok.then_some(out)
}

/// `simulation.autoScalingGroup`.
fn auto_scaling_group(
    cx: &mut Cx,
    refs: &Refs,
    value: &Value,
    path: &Path,
) -> Option<AutoScalingGroup> {
    let g = object(
        cx,
        value,
        path,
        "an Auto Scaling group {\"instanceTypes\": [...], \"availabilityZones\": [...], \"minSize\": ..., \"maxSize\": ...}",
        &[
            ("availabilityZones", Used),
            ("desiredCapacity", Used),
            ("imageId", Used),
            ("instanceTypes", Used),
            ("interruptionsPerHour", Used),
            ("maxSize", Used),
            ("minSize", Used),
            ("spot", Used),
            ("tags", Used),
            ("timings", Used),
        ],
    )?;
    let errors = cx.error_count();
    let instance_types = names(
        cx,
        &g,
        "instanceTypes",
        "the group's instance types, e.g. [\"m5.large\"] (RULE: launches use the first)",
        |cx, p, t| refs.instance_type(cx, p, &Value::String(t.to_string()), t),
    );
    let region = refs.region.clone();
    let availability_zones = names(
        cx,
        &g,
        "availabilityZones",
        &format!("the zones the group launches in, e.g. [\"{region}a\", \"{region}b\"]"),
        |cx, p, z| check_zone(cx, &region, p, z),
    );
    let size = |cx: &mut Cx, field: &str, min: i64| -> Option<u32> {
        let message = format!("expected a {field} from {min} to 5000 instances (RULE: a group holds at most 5000 instances)");
        g.int(cx, field, min, GROUP_SIZE_MAX, Some(&message))
            .map(|v| v as u32)
    };
    let min_size = if g.has("minSize") {
        size(cx, "minSize", 0)
    } else {
        g.missing(
            cx,
            "minSize",
            "the fewest instances the group keeps, e.g. \"minSize\": 0",
        );
        None
    };
    let max_size = if g.has("maxSize") {
        // Developer Guide, Auto Scaling group capacity providers: the group's maximum capacity
        // must be greater than 0.
        size(cx, "maxSize", 1)
    } else {
        g.missing(
            cx,
            "maxSize",
            "the most instances the group may hold (above 0), e.g. \"maxSize\": 10",
        );
        None
    };
    if let (Some(min), Some(max)) = (min_size, max_size) {
        if min > max {
            g.error_field(
                cx,
                "minSize",
                format!("minSize ({min}) is above maxSize ({max})"),
            );
        }
    }
    let desired_capacity = size(cx, "desiredCapacity", 0);
    if let (Some(d), Some(min), Some(max)) = (desired_capacity, min_size, max_size) {
        if d < min || d > max {
            g.error_field(
                cx,
                "desiredCapacity",
                format!("desiredCapacity ({d}) must lie from minSize ({min}) to maxSize ({max})"),
            );
        }
    }
    let spot = g.bool(cx, "spot").unwrap_or(false);
    let interruptions_per_hour = match g.number(cx, "interruptionsPerHour") {
        Some(r) if r < 0.0 => {
            g.error_field(
                cx,
                "interruptionsPerHour",
                "expected a rate of at least 0 (interruptions per running instance per hour)",
            );
            0.0
        }
        Some(_) if !spot => {
            cx.error_key(
                &g.at("interruptionsPerHour"),
                "interruptionsPerHour applies to spot groups only; add \"spot\": true or remove it",
            );
            0.0
        }
        Some(r) => r,
        None => 0.0,
    };
    let image_id = image_id(cx, refs, &g);
    // The group's tags are its instances' EC2 tags (SPEC §13.1), no longer attributes.
    let tags = match g.get("tags") {
        Some(v) => crate::actions::tags::ec2_tags(cx, v, &g.at("tags"), true),
        None => Vec::new(),
    };
    let instance_launch = match g.get("timings") {
        Some(v) => object(
            cx,
            v,
            &g.at("timings"),
            "timings {\"instanceLaunch\": ...}",
            &[("instanceLaunch", Used)],
        )
        .and_then(|t| {
            let d = t.get("instanceLaunch")?;
            as_duration(cx, d, &t.at("instanceLaunch"))
        }),
        None => None,
    };
    if cx.error_count() > errors {
        return None;
    }
    let min_size = min_size?;
    Some(AutoScalingGroup {
        instance_types: instance_types?,
        availability_zones: availability_zones?,
        min_size,
        max_size: max_size?,
        desired_capacity: desired_capacity.unwrap_or(min_size),
        spot,
        image_id,
        interruptions_per_hour,
        tags,
        instance_launch,
    })
}

/// The group's `imageId`: an AMI the scenario knows, or `resolve:ssm:NAME` (None: the
/// recommended one).
fn image_id(cx: &mut Cx, refs: &Refs, g: &Obj<'_>) -> Option<String> {
    let id = g.str(cx, "imageId")?;
    let value = g.get("imageId")?;
    refs.image_id(cx, &g.at("imageId"), value, id)
}
