//! `aws ecs describe-services` (`services`): each ACTIVE, ECS-controlled service whose task
//! definition revision is imported becomes CreateService with the members import carries.

use super::clusters::strategy;
use super::task_definitions::Families;
use super::{arn_name, opt_str, req_str, Actions, Errors, Item, Notes};
use serde_json::{json, Map, Value};

/// API: Service members a CreateService request shares with the DescribeServices response and
/// that import carries as they are.
const SERVICE_CARRIED: [&str; 11] = [
    "availabilityZoneRebalancing",
    "enableECSManagedTags",
    "enableExecuteCommand",
    "propagateTags",
    "launchType",
    "placementStrategy",
    "placementConstraints",
    "deploymentConfiguration",
    "schedulingStrategy",
    "healthCheckGracePeriodSeconds",
    "platformVersion",
];

/// DescribeServices members that describe the running service, not its request: not carried and
/// not worth a note (a run recomputes them).
const SERVICE_STATE: [&str; 16] = [
    "serviceArn",
    "serviceName",
    "clusterArn",
    "status",
    "desiredCount",
    "runningCount",
    "pendingCount",
    "taskDefinition",
    "capacityProviderStrategy",
    "deployments",
    "taskSets",
    "events",
    "createdAt",
    "createdBy",
    "roleArn",
    "deploymentController",
];

/// CreateService for each service that import carries, in `clusters` (one per service: None when
/// its output names no cluster and several are imported).
pub(super) fn create(
    items: &[Item],
    clusters: &[Option<String>],
    families: &Families,
    actions: &mut Actions,
    errors: &mut Errors,
    notes: &mut Notes,
) {
    for (item, cluster) in items.iter().zip(clusters) {
        let Some(sname) = req_str(item, "serviceName", errors) else {
            continue;
        };
        let Some(cluster) = cluster else {
            errors.push(
                item.file,
                &item.path,
                "no clusterArn, and several clusters are imported",
            );
            continue;
        };
        let status = item
            .value
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("ACTIVE");
        if status != "ACTIVE" {
            notes.add(format!("service {sname}: {status}, not carried"));
            continue;
        }
        let whose = format!("service {sname}");
        if item
            .value
            .get("deploymentController")
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .is_some_and(|t| t != "ECS")
        {
            notes.add(format!("{whose}: not an ECS-controlled service (its task sets are not in the outputs), not carried"));
            continue;
        }
        let Some(td) = opt_str(item, "taskDefinition", errors) else {
            notes.add(format!("{whose}: no task definition, not carried"));
            continue;
        };
        let td_ref = arn_name(td, "task-definition");
        let known = td_ref
            .rsplit_once(':')
            .and_then(|(f, r)| Some((f, r.parse::<u64>().ok()?)))
            .is_some_and(|(f, r)| families.has(f, r));
        if !known {
            notes.add(format!(
                "{whose}: its task definition {td_ref} is not among the imported ones (add its describe-task-definition output), not carried"
            ));
            continue;
        }
        let mut input = Map::new();
        input.insert("cluster".into(), json!(cluster));
        input.insert("serviceName".into(), json!(sname));
        input.insert("taskDefinition".into(), json!(td_ref));
        let daemon = item.value.get("schedulingStrategy").and_then(Value::as_str) == Some("DAEMON");
        if !daemon {
            if let Some(d) = item.value.get("desiredCount") {
                input.insert("desiredCount".into(), d.clone());
            }
        }
        for k in SERVICE_CARRIED {
            if let Some(v) = item.value.get(k) {
                if !v.is_null() {
                    input.insert(k.into(), v.clone());
                }
            }
        }
        // API: DeploymentConfiguration — the members the scenario takes; newer ones (a deployment
        // strategy, bake time, lifecycle hooks) are listed.
        if let Some(Value::Object(d)) = item.value.get("deploymentConfiguration") {
            let mut kept = Map::new();
            for (k, v) in d {
                if [
                    "alarms",
                    "deploymentCircuitBreaker",
                    "maximumPercent",
                    "minimumHealthyPercent",
                ]
                .contains(&k.as_str())
                {
                    kept.insert(k.clone(), v.clone());
                } else {
                    notes.add(format!("{whose}: deploymentConfiguration.{k} not carried"));
                }
            }
            input.insert("deploymentConfiguration".into(), Value::Object(kept));
        }
        if let Some(s) = strategy(item.value.get("capacityProviderStrategy"), &whose, notes) {
            if s.as_array().is_some_and(|a| !a.is_empty()) {
                input.insert("capacityProviderStrategy".into(), s);
                input.remove("launchType");
            }
        }
        if let Some(n) = item.value.get("networkConfiguration") {
            input.insert("networkConfiguration".into(), n.clone());
        }
        for (k, v) in item.value {
            // An empty or false member asks for nothing that a run could miss.
            let empty = match v {
                Value::Null | Value::Bool(false) => true,
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                Value::String(s) => s.is_empty() || s == "NONE",
                Value::Number(_) | Value::Bool(true) => false,
            };
            if !empty
                && !SERVICE_CARRIED.contains(&k.as_str())
                && !SERVICE_STATE.contains(&k.as_str())
                && k != "networkConfiguration"
            {
                notes.add(format!("{whose}: {k} not carried"));
            }
        }
        actions.add("CreateService", Value::Object(input));
    }
}
