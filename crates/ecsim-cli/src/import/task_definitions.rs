//! `aws ecs describe-task-definition` (`taskDefinition`): each revision's request (the response
//! less its own members), registered so that every revision keeps its `family:revision`.

use super::{req_str, Actions, Errors, Item, Notes, RegionAccount};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// API: DescribeTaskDefinition response members that are not part of the request.
const TASK_DEFINITION_RESPONSE_ONLY: [&str; 9] = [
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "enableFaultInjection",
];

/// The most task definition registrations an import makes: the sum over families of the highest
/// revision imported.
pub const MAX_REGISTRATIONS: u64 = 100_000;

struct TaskDefinition {
    family: String,
    revision: u64,
    inactive: bool,
    request: Value,
}

fn read_task_definition(
    item: &Item,
    errors: &mut Errors,
    notes: &mut Notes,
) -> Option<TaskDefinition> {
    let family = req_str(item, "family", errors)?.to_string();
    let revision = match item.value.get("revision") {
        Some(v) if v.as_u64().is_some_and(|r| r >= 1) => v.as_u64()?,
        Some(other) => {
            errors.push(
                item.file,
                &format!("{}.revision", item.path),
                format!("expected a revision number from 1, found {other}"),
            );
            return None;
        }
        None => {
            errors.push(
                item.file,
                &item.path,
                "missing required member \"revision\"",
            );
            return None;
        }
    };
    let (task_members, container_members) = ecsim_scenario::task_definition_members();
    let mut request = Map::new();
    for (k, v) in item.value {
        if k == "containerDefinitions" {
            request.insert(
                k.clone(),
                containers(v, &container_members, &family, revision, notes),
            );
        } else if task_members.contains(&k.as_str()) {
            request.insert(k.clone(), v.clone());
        } else if !TASK_DEFINITION_RESPONSE_ONLY.contains(&k.as_str()) {
            notes.add(format!(
                "task definition {family}:{revision}: member {k} dropped"
            ));
        }
    }
    let inactive = item.value.get("status").and_then(Value::as_str) == Some("INACTIVE");
    Some(TaskDefinition {
        family,
        revision,
        inactive,
        request: Value::Object(request),
    })
}

/// A task definition's container definitions less the members the scenario does not take (newer
/// ones than it knows), each noted.
fn containers(
    value: &Value,
    members: &[&str],
    family: &str,
    revision: u64,
    notes: &mut Notes,
) -> Value {
    let Value::Array(items) = value else {
        return value.clone();
    };
    Value::Array(
        items
            .iter()
            .map(|c| match c {
                Value::Object(o) => Value::Object(
                    o.iter()
                        .filter(|(k, _)| {
                            let known = members.contains(&k.as_str());
                            if !known {
                                notes.add(format!(
                                    "task definition {family}:{revision}: container member {k} dropped"
                                ));
                            }
                            known
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                other => other.clone(),
            })
            .collect(),
    )
}

/// The task definitions by family then revision.
pub(super) struct Families {
    by_family: BTreeMap<String, BTreeMap<u64, TaskDefinition>>,
    /// Families in the order first seen, so that the scenario registers them as the files list
    /// them.
    order: Vec<String>,
}

pub(super) fn read(
    items: &[Item],
    region_account: &mut RegionAccount,
    errors: &mut Errors,
    notes: &mut Notes,
) -> Families {
    let mut families = Families {
        by_family: BTreeMap::new(),
        order: Vec::new(),
    };
    for item in items {
        region_account.see(item.value.get("taskDefinitionArn").and_then(Value::as_str));
        if let Some(td) = read_task_definition(item, errors, notes) {
            if !families.order.contains(&td.family) {
                families.order.push(td.family.clone());
            }
            families
                .by_family
                .entry(td.family.clone())
                .or_default()
                .insert(td.revision, td);
        }
    }
    families
}

impl Families {
    /// Whether `family:revision` is imported.
    pub fn has(&self, family: &str, revision: u64) -> bool {
        self.by_family
            .get(family)
            .is_some_and(|revs| revs.contains_key(&revision))
    }

    /// How many revisions are imported.
    pub fn revision_count(&self) -> usize {
        self.by_family.values().map(BTreeMap::len).sum()
    }

    /// RULE (ours): every revision up to the highest is registered, so the revisions are bounded
    /// to keep the scenario's size in proportion to the files'. False, with the error on the
    /// highest revision's file, when they are not.
    pub fn within_bound(&self, items: &[Item], errors: &mut Errors) -> bool {
        let families = &self.by_family;
        let registrations: u64 = families.values().filter_map(|r| r.keys().next_back()).sum();
        if registrations <= MAX_REGISTRATIONS {
            return true;
        }
        let (family, revision) = families
            .iter()
            .filter_map(|(f, r)| Some((f, *r.keys().next_back()?)))
            .max_by_key(|(_, r)| *r)
            .expect("a family");
        let item = items
            .iter()
            .find(|i| {
                i.value.get("family").and_then(Value::as_str) == Some(family.as_str())
                    && i.value.get("revision").and_then(Value::as_u64) == Some(revision)
            })
            .expect("the family's highest revision came from a file");
        errors.push(
            item.file,
            &format!("{}.revision", item.path),
            format!(
                "the task definitions' highest revisions add up to {registrations}, more than import registers (at most {MAX_REGISTRATIONS}); {family}:{revision} is the highest"
            ),
        );
        false
    }

    /// Every revision from 1 up to the highest imported, so that each keeps its number (RULE: a
    /// revision not imported is registered as a copy of the next imported one and deregistered at
    /// once; an INACTIVE revision is registered and deregistered).
    pub fn register(&self, actions: &mut Actions, notes: &mut Notes) {
        for family in &self.order {
            let revisions = &self.by_family[family];
            let top = *revisions
                .keys()
                .next_back()
                .expect("a family has a revision");
            let mut gaps = 0;
            for r in 1..=top {
                let (td, gap) = match revisions.get(&r) {
                    Some(td) => (td, false),
                    None => (
                        revisions
                            .range(r..)
                            .next()
                            .expect("a higher revision exists")
                            .1,
                        true,
                    ),
                };
                actions.add("RegisterTaskDefinition", td.request.clone());
                if gap || td.inactive {
                    gaps += usize::from(gap);
                    actions.add(
                        "DeregisterTaskDefinition",
                        json!({"taskDefinition": format!("{family}:{r}")}),
                    );
                }
            }
            if gaps > 0 {
                notes.add(format!(
                    "task definition {family}: {gaps} revisions below {top} not imported; registered as copies of the next one and deregistered"
                ));
            }
        }
    }
}
