//! What earlier actions have defined, replayed in (at, file index) order: clusters, task
//! definition revisions, and the instance-type and AMI catalogs. References to anything not
//! defined by an earlier action are input errors (SPEC §3); whatever depends on the simulated
//! state at that moment is left to the engine.

use crate::cx::Cx;
use crate::path::Path;
use ecsim_model::{AmiCatalog, Compatibility, InstanceTypeCatalog, NetworkMode};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a later action may need to know about a registered revision.
#[derive(Clone, Debug)]
pub(crate) struct Revision {
    pub active: bool,
    /// Its placement constraints (they count toward the limit of 10 per task).
    pub constraints: usize,
    pub network_mode: NetworkMode,
    pub containers: Vec<String>,
    /// `requiresCompatibilities` as registered (empty: not given).
    pub compatibilities: Vec<Compatibility>,
}

/// The scenario's declared world at one point of the (at, index) replay.
pub(crate) struct Refs {
    pub region: String,
    pub account_id: String,
    pub instance_types: InstanceTypeCatalog,
    pub amis: AmiCatalog,
    clusters: BTreeSet<String>,
    families: BTreeMap<String, Vec<Revision>>,
}

/// The most names listed in an "unknown ..." message.
const LIST_MAX: usize = 12;

fn list(names: &[String]) -> String {
    if names.len() <= LIST_MAX {
        names.join(", ")
    } else {
        format!(
            "{}, ... ({} in all)",
            names[..LIST_MAX].join(", "),
            names.len()
        )
    }
}

impl Refs {
    pub(crate) fn new(
        region: String,
        account_id: String,
        instance_types: InstanceTypeCatalog,
        amis: AmiCatalog,
    ) -> Refs {
        Refs {
            region,
            account_id,
            instance_types,
            amis,
            clusters: BTreeSet::new(),
            families: BTreeMap::new(),
        }
    }

    /// The part after `arn:PARTITION:ecs:REGION:ACCOUNT:<kind>/`, when `text` is such an ARN of
    /// this scenario's region and account. `Err` explains what is wrong with an ARN.
    fn arn_rest<'t>(&self, text: &'t str, kind: &str) -> Result<Option<&'t str>, String> {
        if !text.starts_with("arn:") {
            return Ok(None);
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let resource = parts.get(5).copied().unwrap_or("");
        let Some(rest) = resource
            .strip_prefix(kind)
            .and_then(|r| r.strip_prefix('/'))
        else {
            return Err(format!(
                "expected a {kind} name or an ARN like arn:aws:ecs:{}:{}:{kind}/NAME",
                self.region, self.account_id
            ));
        };
        if parts.len() != 6 || !parts[1].starts_with("aws") || parts[2] != "ecs" {
            return Err(format!(
                "expected a {kind} name or an ARN like arn:aws:ecs:{}:{}:{kind}/NAME",
                self.region, self.account_id
            ));
        }
        if parts[3] != self.region || parts[4] != self.account_id {
            return Err(format!(
                "the ARN names region {} and account {}, but this scenario runs in region {} and account {}",
                parts[3], parts[4], self.region, self.account_id
            ));
        }
        Ok(Some(rest))
    }

    /// Resolves a cluster name or ARN that must exist now; returns its name.
    pub(crate) fn cluster(
        &self,
        cx: &mut Cx,
        path: &Path,
        value: &Value,
        text: &str,
    ) -> Option<String> {
        let name = match self.arn_rest(text, "cluster") {
            Ok(Some(rest)) => rest,
            Ok(None) => text,
            Err(message) => {
                cx.error_value(path, value, message);
                return None;
            }
        };
        if self.clusters.contains(name) {
            return Some(name.to_string());
        }
        let message = if self.clusters.is_empty() {
            format!(
                "unknown cluster '{name}'; no cluster exists at this point; add a CreateCluster action with an earlier 'at' (the default cluster exists only once created)"
            )
        } else {
            let names: Vec<String> = self.clusters.iter().cloned().collect();
            format!(
                "unknown cluster '{name}'; clusters that exist at this point: {}",
                list(&names)
            )
        };
        cx.error_value(path, value, message);
        None
    }

    pub(crate) fn create_cluster(&mut self, name: &str) {
        self.clusters.insert(name.to_string());
    }

    pub(crate) fn delete_cluster(&mut self, name: &str) {
        self.clusters.remove(name);
    }

    pub(crate) fn register(&mut self, family: &str, revision: Revision) {
        self.families
            .entry(family.to_string())
            .or_default()
            .push(revision);
    }

    /// Splits a task definition reference (`family`, `family:revision` or ARN) into family and
    /// revision. `Err` explains a malformed reference.
    pub(crate) fn split_task_definition<'t>(
        &self,
        text: &'t str,
    ) -> Result<(&'t str, Option<u32>), String> {
        let rest = self.arn_rest(text, "task-definition")?.unwrap_or(text);
        let (family, revision) = match rest.rsplit_once(':') {
            Some((family, revision)) => match revision.parse::<u32>() {
                Ok(r) if r >= 1 && !revision.starts_with('+') => (family, Some(r)),
                _ => {
                    return Err(format!(
                        "'{revision}' is not a revision number; expected family, family:revision (revision from 1) or a task definition ARN"
                    ))
                }
            },
            None => (rest, None),
        };
        if family.is_empty() {
            return Err("expected family, family:revision or a task definition ARN".to_string());
        }
        Ok((family, revision))
    }

    /// Resolves a task definition reference that must have been registered by an earlier action.
    /// `Some(None)`: it exists but no revision is active (the engine decides what happens).
    pub(crate) fn task_definition(
        &self,
        cx: &mut Cx,
        path: &Path,
        value: &Value,
        text: &str,
        need_revision: bool,
    ) -> Option<Option<(String, u32, &Revision)>> {
        let (family, revision) = match self.split_task_definition(text) {
            Ok(split) => split,
            Err(message) => {
                cx.error_value(path, value, message);
                return None;
            }
        };
        if need_revision && revision.is_none() {
            // API: DeregisterTaskDefinition.taskDefinition — "You must specify a revision."
            cx.error_value(
                path,
                value,
                format!("a revision is required here (API: \"You must specify a revision.\"); write {family}:N"),
            );
            return None;
        }
        let revisions = self.families.get(family).map(Vec::as_slice).unwrap_or(&[]);
        let found = match revision {
            Some(r) => revisions.get(r as usize - 1).map(|rev| Some((r, rev))),
            // API: RunTask.taskDefinition — "If a revision isn't specified, the latest ACTIVE
            // revision is used."
            None if !revisions.is_empty() => Some(
                revisions
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|(_, rev)| rev.active)
                    .map(|(i, rev)| (i as u32 + 1, rev)),
            ),
            None => None,
        };
        match found {
            Some(Some((r, rev))) => Some(Some((family.to_string(), r, rev))),
            Some(None) => Some(None),
            None => {
                let registered: Vec<String> = self
                    .families
                    .iter()
                    .flat_map(|(f, revs)| (1..=revs.len()).map(move |r| format!("{f}:{r}")))
                    .collect();
                let message = if registered.is_empty() {
                    format!("unknown task definition '{text}'; no task definition is registered before this action; add a RegisterTaskDefinition with an earlier 'at'")
                } else {
                    format!(
                        "unknown task definition '{text}'; registered before this action: {}",
                        list(&registered)
                    )
                };
                cx.error_value(path, value, message);
                None
            }
        }
    }

    pub(crate) fn deregister(&mut self, family: &str, revision: u32) {
        if let Some(rev) = self
            .families
            .get_mut(family)
            .and_then(|revs| revs.get_mut(revision as usize - 1))
        {
            rev.active = false;
        }
    }

    /// Checks an instance type name against the catalog (built-in plus the scenario's).
    pub(crate) fn instance_type(
        &self,
        cx: &mut Cx,
        path: &Path,
        value: &Value,
        name: &str,
    ) -> bool {
        if self.instance_types.get(name).is_some() {
            return true;
        }
        let names: Vec<&str> = self
            .instance_types
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let hint = match crate::cx::closest(name, &names) {
            Some(close) => format!("did you mean '{close}'? "),
            None => String::new(),
        };
        cx.error_value(
            path,
            value,
            format!(
                "unknown instance type '{name}'; {hint}add it to the scenario's instanceTypes or use one of the {} built-in types",
                names.len()
            ),
        );
        false
    }

    /// Checks an AMI id against the catalog (built-in plus the scenario's `amis`).
    pub(crate) fn ami(&self, cx: &mut Cx, path: &Path, value: &Value, image_id: &str) -> bool {
        if self.amis.get(image_id).is_some() {
            return true;
        }
        cx.error_value(
            path,
            value,
            format!(
                "unknown AMI '{image_id}'; add it to the scenario's amis, or leave imageId out for the recommended AMI ({})",
                self.amis.recommended().image_id
            ),
        );
        false
    }
}
