//! A service's `loadBalancers` (API: LoadBalancer) and its `simulation.loadBalancer` block
//! (SPEC §7): what the targets of its tasks do. ecsim does not simulate the load balancer
//! itself, only what it does to a task's lifecycle and health: registration while ACTIVATING,
//! the target group's health check, deregistration while DEACTIVATING.

use super::task::Resolved;
use crate::cx::{object, object_in, Cx, Field, Obj};
use crate::path::Path;
use ecsim_model::LoadBalancerTiming;
use serde_json::Value;

use Field::Used;

/// API: LoadBalancer.
const LOAD_BALANCER_FIELDS: [(&str, Field); 4] = [
    ("containerName", Used),
    ("containerPort", Used),
    ("loadBalancerName", Used),
    ("targetGroupArn", Used),
];

/// RULE: the Amazon ECS service quota "Target groups per service": 5.
const LOAD_BALANCERS_MAX: usize = 5;

/// The request's `loadBalancers`, validated: Some(whether there is at least one) when given.
/// `resolved` is the task definition the service's tasks use, when known here.
pub(crate) fn load_balancers(
    cx: &mut Cx,
    o: &Obj<'_>,
    resolved: Option<&Resolved>,
    action: &str,
) -> Option<bool> {
    let items = o.array(cx, "loadBalancers")?;
    let path = o.at("loadBalancers");
    if items.len() > LOAD_BALANCERS_MAX {
        o.error_field(
            cx,
            "loadBalancers",
            format!(
                "{} load balancers; a service takes at most {LOAD_BALANCERS_MAX} (the Amazon ECS service quota \"Target groups per service\")",
                items.len()
            ),
        );
    }
    for (k, v) in items.iter().enumerate() {
        load_balancer(cx, v, &path.index(k), resolved, action);
    }
    Some(!items.is_empty())
}

fn load_balancer(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    resolved: Option<&Resolved>,
    action: &str,
) {
    let Some(lb) = object_in(
        cx,
        value,
        path,
        "a load balancer {\"targetGroupArn\": ..., \"containerName\": ..., \"containerPort\": ...}",
        "LoadBalancer",
        &LOAD_BALANCER_FIELDS,
    ) else {
        return;
    };
    match (lb.has("targetGroupArn"), lb.has("loadBalancerName")) {
        (true, true) => lb.error_field(
            cx,
            "loadBalancerName",
            "give targetGroupArn or loadBalancerName, not both: \"If you are using an Application Load Balancer or a Network Load Balancer the load balancer name parameter should be omitted.\" (API: LoadBalancer.loadBalancerName)",
        ),
        (false, false) => lb.missing(
            cx,
            "targetGroupArn",
            "the target group's ARN (an Application or Network Load Balancer), or loadBalancerName for a Classic Load Balancer (API: LoadBalancer)",
        ),
        _ => {}
    }
    if let Some(arn) = lb.str(cx, "targetGroupArn") {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[2] == "elasticloadbalancing"
            && parts[5].starts_with("targetgroup/");
        if !ok {
            lb.error_field(
                cx,
                "targetGroupArn",
                "expected a target group ARN, e.g. \"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef\" (API: LoadBalancer.targetGroupArn, \"The full Amazon Resource Name (ARN) of the Elastic Load Balancing target group\")",
            );
        }
    }
    if let Some(name) = lb.str(cx, "loadBalancerName") {
        if name.is_empty() || name.len() > 32 {
            lb.error_field(
                cx,
                "loadBalancerName",
                "expected a load balancer name of 1 to 32 characters",
            );
        }
    }
    // DG: "You need to specify the container name when configuring the target group for an
    // Amazon ECS load balancer."; the port "must correspond to a containerPort in the task
    // definition".
    if let Some(name) = lb.req_str(
        cx,
        "containerName",
        "the container the target forwards to, as its container definition names it (API: LoadBalancer.containerName)",
    ) {
        {
            if let Some(r) = resolved {
                if !r.info.containers.iter().any(|c| c == name) {
                    lb.error_field(
                        cx,
                        "containerName",
                        format!(
                            "task definition {} has no container named {name:?} ({action}'s load balancer); its containers: {}",
                            r.label(),
                            r.info.containers.join(", ")
                        ),
                    );
                }
            }
        }
    }
    if !lb.has("containerPort") {
        lb.missing(
            cx,
            "containerPort",
            "the container port the target forwards to, a containerPort of the task definition (API: LoadBalancer.containerPort)",
        );
    } else {
        lb.int(
            cx,
            "containerPort",
            0,
            65535,
            Some("expected a port from 0 to 65535 (API: LoadBalancer.containerPort)"),
        );
    }
}

/// The `loadBalancer` entry of CreateService's `simulation` block, taken out of it: the block
/// without it (for the task simulation), and the targets' timing. Errors when the block gives
/// one without `loadBalancers` in the request.
pub(crate) fn split_simulation(
    cx: &mut Cx,
    simulation: Option<(&Value, Path)>,
    has_load_balancers: bool,
) -> (Option<(Value, Path)>, Option<LoadBalancerTiming>) {
    let Some((value, path)) = simulation else {
        return (None, has_load_balancers.then(LoadBalancerTiming::default));
    };
    let Value::Object(map) = value else {
        return (Some((value.clone(), path)), None);
    };
    let mut rest = map.clone();
    let Some(block) = rest.remove("loadBalancer").filter(|v| !v.is_null()) else {
        let timing = has_load_balancers.then(LoadBalancerTiming::default);
        return (Some((Value::Object(rest), path)), timing);
    };
    let at = path.key("loadBalancer");
    let timing = timing(cx, &block, &at);
    if !has_load_balancers {
        cx.error_key(
            &at,
            "simulation.loadBalancer describes the service's load balancer targets, but the request has no loadBalancers; add loadBalancers or remove this block",
        );
    }
    (Some((Value::Object(rest), path)), timing)
}

fn timing(cx: &mut Cx, block: &Value, path: &Path) -> Option<LoadBalancerTiming> {
    let o = object(
        cx,
        block,
        path,
        "the load balancer's simulation {\"healthyAfter\": ..., \"deregistrationDelay\": ...}",
        &[("deregistrationDelay", Used), ("healthyAfter", Used)],
    )?;
    let mut t = LoadBalancerTiming::default();
    if let Some(d) = o.duration(cx, "healthyAfter") {
        t.healthy_after = d;
    }
    if let Some(d) = o.duration(cx, "deregistrationDelay") {
        // ELB: a target group's deregistration delay is 0–3600 seconds.
        if d.ms() > 3_600_000 {
            o.error_field(
                cx,
                "deregistrationDelay",
                "expected at most 3600 s (Elastic Load Balancing: deregistration_delay.timeout_seconds, 0-3600)",
            );
        }
        t.deregistration_delay = d;
    }
    Some(t)
}
