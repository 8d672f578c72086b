//! `aws ecs describe-clusters` (`clusters`): each ACTIVE cluster becomes CreateCluster with the
//! capacity providers and default strategy import carries; also the capacity-provider strategy
//! items that services share with clusters.

use super::{req_str, Errors, Item, Notes, RegionAccount};
use serde_json::{json, Map, Value};

/// A service's or strategy's capacity provider that import carries: RULE: only FARGATE and
/// FARGATE_SPOT (an Auto Scaling group provider's group is not in the ECS outputs).
pub(super) fn carried_provider(name: &str) -> bool {
    name == "FARGATE" || name == "FARGATE_SPOT"
}

/// Keeps the capacity-provider strategy items that import carries, noting the rest.
pub(super) fn strategy(value: Option<&Value>, whose: &str, notes: &mut Notes) -> Option<Value> {
    let Value::Array(items) = value? else {
        return None;
    };
    let mut kept = Vec::new();
    for item in items {
        let provider = item.get("capacityProvider").and_then(Value::as_str);
        match provider {
            Some(p) if carried_provider(p) => {
                let mut o = Map::new();
                for k in ["capacityProvider", "weight", "base"] {
                    if let Some(v) = item.get(k) {
                        o.insert(k.to_string(), v.clone());
                    }
                }
                kept.push(Value::Object(o));
            }
            Some(p) => notes.add(format!(
                "{whose}: capacity provider strategy item {p} (an Auto Scaling group provider) dropped"
            )),
            None => notes.add(format!("{whose}: a capacity provider strategy item without a provider dropped")),
        }
    }
    Some(Value::Array(kept))
}

/// The clusters by name, in the order first seen, each with its CreateCluster request.
pub(super) fn read(
    items: &[Item],
    region_account: &mut RegionAccount,
    errors: &mut Errors,
    notes: &mut Notes,
) -> Vec<(String, Value)> {
    let mut clusters: Vec<(String, Value)> = Vec::new();
    for item in items {
        let Some(cname) = req_str(item, "clusterName", errors) else {
            continue;
        };
        region_account.see(item.value.get("clusterArn").and_then(Value::as_str));
        if clusters.iter().any(|(n, _)| n == cname) {
            continue;
        }
        if item.value.get("status").and_then(Value::as_str) == Some("INACTIVE") {
            notes.add(format!("cluster {cname}: INACTIVE, not carried"));
            continue;
        }
        let mut input = Map::new();
        input.insert("clusterName".into(), json!(cname));
        if let Some(Value::Array(cps)) = item.value.get("capacityProviders") {
            let mut kept = Vec::new();
            for cp in cps {
                match cp.as_str() {
                    Some(p) if carried_provider(p) => kept.push(json!(p)),
                    Some(p) => notes.add(format!(
                        "cluster {cname}: capacity provider {p} (an Auto Scaling group provider) not carried; its instances are registered as plain container instances"
                    )),
                    None => {}
                }
            }
            if !kept.is_empty() {
                input.insert("capacityProviders".into(), Value::Array(kept));
            }
        }
        if let Some(s) = strategy(
            item.value.get("defaultCapacityProviderStrategy"),
            &format!("cluster {cname}"),
            notes,
        ) {
            if s.as_array().is_some_and(|a| !a.is_empty()) {
                input.insert("defaultCapacityProviderStrategy".into(), s);
            }
        }
        clusters.push((cname.to_string(), Value::Object(input)));
    }
    clusters
}
