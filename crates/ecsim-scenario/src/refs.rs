//! What earlier actions have defined, replayed in (at, file index) order: clusters, task
//! definition revisions, services and their task sets, capacity providers and their clusters
//! ([`providers`]), and the instance-type and AMI catalogs. References to anything not defined by
//! an earlier action are input errors (SPEC §3); whatever depends on the simulated state at that
//! moment is left to the engine. A delete is such a thing: the cluster may refuse it (DeleteService
//! of a service scaled above 0 without `force`, DeleteTaskSet likewise, DeleteCluster of a cluster
//! with instances or services), so a later action may still name what an earlier one deleted, and
//! the engine decides when it runs.

mod providers;

pub(crate) use providers::{ProviderKind, ProviderName, ProviderRef};

use crate::cx::{closest, Cx};
use crate::path::Path;
use ecsim_engine::service::{DeploymentController, SchedulingStrategy};
use ecsim_model::arn::Ref;
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
    /// Task-level `cpu` (units) and `memory` (MiB), when given (Fargate needs both).
    pub task_cpu: Option<u32>,
    pub task_memory_mib: Option<u32>,
    /// Its RegisterTaskDefinition had no errors. When it had, what is known of it may be a
    /// default standing for a field in error, so nothing is checked against it.
    pub complete: bool,
}

/// Where a request's tasks run, as far as the request says (SPEC §8): with neither a launch type
/// nor a strategy, the cluster's default strategy decides at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Runs {
    /// Not known from the request (the cluster's default strategy, or the EC2 launch type).
    Unknown,
    /// The EC2 launch type, or a strategy of Auto Scaling group providers.
    OnEc2,
    /// The FARGATE launch type, or a strategy of FARGATE and FARGATE_SPOT.
    OnFargate,
}

/// A task set created by CreateTaskSet. Its API id is the engine's to give when the run creates it
/// (deployments and task sets take their ids from one counter), so later actions name it by its
/// externalId (RULE), and the loader lowers that to the CreateTaskSet action's index.
#[derive(Clone, Debug)]
pub(crate) struct TaskSetRef {
    /// The index of the CreateTaskSet action in the file.
    pub action: usize,
    pub external_id: Option<String>,
    /// False once an earlier DeleteTaskSet deleted it (if the cluster allowed: later actions may
    /// still name it).
    pub live: bool,
}

/// What a later action needs to know about a service that exists at this point.
#[derive(Clone, Debug)]
pub(crate) struct ServiceRef {
    pub strategy: SchedulingStrategy,
    pub controller: DeploymentController,
    /// Placement constraints of its current task definition and of its requests (together at
    /// most 10 per task).
    pub task_definition_constraints: usize,
    pub request_constraints: usize,
    /// In creation order, deleted ones included (so that a reference to one says so).
    pub task_sets: Vec<TaskSetRef>,
    /// Where its tasks run, as its CreateService and UpdateServices said.
    pub runs: Runs,
    /// Its CreateService or an UpdateService gave a (non-empty) capacity provider strategy.
    pub has_strategy: bool,
    /// Its current task definition (`family:revision` and what is known of it), when one
    /// revision applies.
    pub task_definition: Option<(String, Revision)>,
    /// An earlier DeleteService deleted it, if the cluster allowed: its name is free for a
    /// CreateService, and later actions may still name it (the engine decides whether it is gone).
    pub deleted: bool,
}

/// The scenario's declared world at one point of the (at, index) replay.
pub(crate) struct Refs {
    pub region: String,
    pub account_id: String,
    pub instance_types: InstanceTypeCatalog,
    pub amis: AmiCatalog,
    /// The scenario's `ssmParameters`: each name and the AMI id its value holds.
    pub ssm_parameters: BTreeMap<String, String>,
    /// An `amis` or `ssmParameters` entry had an error: an AMI id (a parameter name) the catalog
    /// lacks may be the unreadable entry's, so it is not reported again.
    pub amis_unreadable: bool,
    pub ssm_unreadable: bool,
    /// Every cluster some CreateCluster so far created, deleted ones included (a DeleteCluster may
    /// be refused; the engine decides).
    created_clusters: BTreeSet<String>,
    /// Every Auto Scaling group provider some CreateCapacityProvider so far created (the latest
    /// of each name), deleted ones included.
    providers: BTreeMap<String, ProviderRef>,
    /// The cluster each Auto Scaling group provider is associated with now, as the earlier
    /// CreateCluster and PutClusterCapacityProviders actions left it.
    associations: BTreeMap<String, String>,
    families: BTreeMap<String, Vec<Revision>>,
    /// The services created so far, per cluster, by name (the latest of each name), deleted ones
    /// included.
    services: BTreeMap<String, BTreeMap<String, ServiceRef>>,
    /// Every (cluster, service) some CreateService so far created, deleted ones included.
    created_services: BTreeSet<(String, String)>,
    /// The file index of the action being lowered.
    pub current_action: usize,
    /// How many definitions (clusters, revisions, services, task sets, providers) the actions so
    /// far made: a defining action that adds none could not read the name it defines.
    pub definitions: usize,
}

/// The most names listed in an "unknown ..." message.
const LIST_MAX: usize = 12;

pub(crate) fn list(names: &[String]) -> String {
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
            ssm_parameters: BTreeMap::new(),
            amis_unreadable: false,
            ssm_unreadable: false,
            created_clusters: BTreeSet::new(),
            providers: BTreeMap::new(),
            associations: BTreeMap::new(),
            families: BTreeMap::new(),
            services: BTreeMap::new(),
            created_services: BTreeSet::new(),
            current_action: 0,
            definitions: 0,
        }
    }

    /// The part after `arn:PARTITION:ecs:REGION:ACCOUNT:<kind>/`, when `text` is such an ARN of
    /// this scenario's region and account. `Err` explains what is wrong with an ARN.
    pub(crate) fn arn_rest<'t>(
        &self,
        text: &'t str,
        kind: &str,
    ) -> Result<Option<&'t str>, String> {
        match Ref::parse(text, kind) {
            Ok(Ref::Name(_)) => Ok(None),
            Ok(Ref::Arn(a)) if a.region != self.region || a.account != self.account_id => Err(format!(
                "the ARN names region {} and account {}, but this scenario runs in region {} and account {}",
                a.region, a.account, self.region, self.account_id
            )),
            Ok(Ref::Arn(a)) => Ok(Some(a.rest)),
            Err(_) => Err(format!(
                "expected a {kind} name or an ARN like arn:aws:ecs:{}:{}:{kind}/NAME",
                self.region, self.account_id
            )),
        }
    }

    /// Checks a container instance or task reference (`kind` `container-instance` or `task`): a
    /// bare id passes (whether it names anything is the engine's to find at run time); an ARN must
    /// be an ECS ARN of that resource type in this scenario's region and account, as task
    /// definition ARNs are (RULE: no instance or task of the run lives elsewhere). `example` says
    /// what is expected.
    pub(crate) fn resource_ref(
        &self,
        cx: &mut Cx,
        path: &Path,
        value: &Value,
        text: &str,
        kind: &str,
        example: &str,
    ) -> bool {
        match self.arn_rest(text, kind) {
            Ok(_) => true,
            Err(message) => {
                let message = if message.starts_with("the ARN names region") {
                    message
                } else {
                    format!(
                        "expected {example}, like arn:aws:ecs:{}:{}:{kind}/CLUSTER/ID",
                        self.region, self.account_id
                    )
                };
                cx.error_value(path, value, message);
                false
            }
        }
    }

    /// Resolves a cluster name or ARN that an earlier CreateCluster created (a DeleteCluster since
    /// does not matter: the engine decides whether the cluster is gone); returns its name.
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
        if self.created_clusters.contains(name) {
            return Some(name.to_string());
        }
        let message = if self.created_clusters.is_empty() {
            format!(
                "unknown cluster '{name}'; no cluster is created before this action; add a CreateCluster action with an earlier 'at' (the default cluster exists only once created)"
            )
        } else {
            let names: Vec<String> = self.created_clusters.iter().cloned().collect();
            format!(
                "unknown cluster '{name}'; clusters created before this action: {}",
                list(&names)
            )
        };
        cx.error_reference(path, value, format!("cluster {name}"), message);
        None
    }

    pub(crate) fn create_cluster(&mut self, name: &str) {
        self.definitions += 1;
        self.created_clusters.insert(name.to_string());
    }

    /// A DeleteCluster ends the cluster's capacity provider associations (assuming, as for every
    /// disassociation, that the cluster allows it). Its services stay as they are: ECS deletes a
    /// cluster only once its services are (ClusterContainsServicesException), so a service no
    /// DeleteService deleted keeps its name, and one that was deleted has freed it already.
    pub(crate) fn delete_cluster(&mut self, name: &str) {
        self.associations.retain(|_, cluster| cluster != name);
    }

    /// Resolves the cluster of an assertion: a name or ARN of a cluster some action of the
    /// scenario creates (whenever). `Err` explains why not.
    pub(crate) fn created_cluster(&self, text: &str) -> Result<String, String> {
        let name = match self.arn_rest(text, "cluster")? {
            Some(rest) => rest,
            None => text,
        };
        if self.created_clusters.contains(name) {
            return Ok(name.to_string());
        }
        let names: Vec<&str> = self.created_clusters.iter().map(String::as_str).collect();
        Err(if let Some(close) = closest(name, &names) {
            format!("no action creates cluster '{name}'; did you mean '{close}'?")
        } else if names.is_empty() {
            format!("no action creates cluster '{name}'; an assertion needs a CreateCluster of that name in the scenario")
        } else {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            format!(
                "no action creates cluster '{name}'; clusters the scenario creates: {}",
                list(&names)
            )
        })
    }

    pub(crate) fn register(&mut self, family: &str, revision: Revision) {
        self.definitions += 1;
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
                cx.error_reference(path, value, format!("task definition {family}"), message);
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

    /// The service of that name in `cluster`, if one exists now that no DeleteService deleted
    /// (its name is taken).
    pub(crate) fn live_service(&self, cluster: &str, name: &str) -> Option<&ServiceRef> {
        self.known_service(cluster, name).filter(|s| !s.deleted)
    }

    /// The latest service of that name created in `cluster`, deleted or not.
    fn known_service(&self, cluster: &str, name: &str) -> Option<&ServiceRef> {
        self.services.get(cluster)?.get(name)
    }

    /// Records a service created by CreateService (its name is taken until a DeleteService).
    pub(crate) fn create_service(&mut self, cluster: &str, name: &str, service: ServiceRef) {
        self.definitions += 1;
        self.services
            .entry(cluster.to_string())
            .or_default()
            .insert(name.to_string(), service);
        self.created_services
            .insert((cluster.to_string(), name.to_string()));
    }

    /// Frees the name of a service deleted by DeleteService; later actions may still name it.
    pub(crate) fn delete_service(&mut self, cluster: &str, name: &str) {
        if let Some(service) = self.service_mut(cluster, name) {
            service.deleted = true;
        }
    }

    pub(crate) fn service_mut(&mut self, cluster: &str, name: &str) -> Option<&mut ServiceRef> {
        self.services.get_mut(cluster)?.get_mut(name)
    }

    /// The service name in a service reference (a name, or an ARN
    /// `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME` or the older `service/NAME`) of a request
    /// on `cluster`. `Err` explains a malformed reference.
    fn service_name<'t>(&self, text: &'t str, cluster: &str) -> Result<&'t str, String> {
        let rest = match self.arn_rest(text, "service") {
            Ok(Some(rest)) => rest,
            Ok(None) => return Ok(text),
            Err(message) if message.starts_with("the ARN names region") => return Err(message),
            Err(_) => {
                return Err(format!(
                "expected a service name or an ARN like arn:aws:ecs:{}:{}:service/{cluster}/NAME",
                self.region, self.account_id
            ))
            }
        };
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            [name] if !name.is_empty() => Ok(name),
            [arn_cluster, name] if !name.is_empty() => {
                if *arn_cluster == cluster {
                    Ok(name)
                } else {
                    Err(format!(
                        "the ARN names a service of cluster '{arn_cluster}', but this request is on cluster '{cluster}'"
                    ))
                }
            }
            _ => Err(format!(
                "expected a service name or an ARN like arn:aws:ecs:{}:{}:service/{cluster}/NAME",
                self.region, self.account_id
            )),
        }
    }

    /// Resolves a service name or ARN that an earlier CreateService created in `cluster` (an
    /// earlier DeleteService does not matter: the engine decides whether the service is gone);
    /// returns its name.
    pub(crate) fn service(
        &self,
        cx: &mut Cx,
        path: &Path,
        value: &Value,
        text: &str,
        cluster: &str,
    ) -> Option<(String, &ServiceRef)> {
        let name = match self.service_name(text, cluster) {
            Ok(name) => name,
            Err(message) => {
                cx.error_value(path, value, message);
                return None;
            }
        };
        if let Some(service) = self.known_service(cluster, name) {
            return Some((name.to_string(), service));
        }
        let names: Vec<&str> = self
            .services
            .get(cluster)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let message = if names.is_empty() {
            format!(
                "unknown service '{name}'; no service is created in cluster '{cluster}' before this action; add a CreateService action with an earlier 'at'"
            )
        } else if let Some(close) = closest(name, &names) {
            format!("unknown service '{name}' in cluster '{cluster}'; did you mean '{close}'?")
        } else {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            format!(
                "unknown service '{name}' in cluster '{cluster}'; services created there before this action: {}",
                list(&names)
            )
        };
        cx.error_reference(path, value, format!("service {cluster}/{name}"), message);
        None
    }

    /// Resolves the cluster and service of an assertion: the service must be created by some
    /// action of the scenario in that cluster (whenever). Returns (cluster name, service name), or
    /// the field in error (`cluster` or `service`) and an explanation.
    pub(crate) fn created_service(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<(String, String), (&'static str, String)> {
        let cluster = match self.arn_rest(cluster, "cluster") {
            Ok(Some(rest)) => rest,
            Ok(None) => cluster,
            Err(message) => return Err(("cluster", message)),
        };
        let name = self
            .service_name(service, cluster)
            .map_err(|m| ("service", m))?;
        let key = (cluster.to_string(), name.to_string());
        if self.created_services.contains(&key) {
            return Ok(key);
        }
        let in_cluster: Vec<&str> = self
            .created_services
            .iter()
            .filter(|(c, _)| c == cluster)
            .map(|(_, s)| s.as_str())
            .collect();
        let elsewhere: Vec<&str> = self
            .created_services
            .iter()
            .filter(|(c, s)| c != cluster && s == name)
            .map(|(c, _)| c.as_str())
            .collect();
        Err((
            "service",
            if let Some(close) = closest(name, &in_cluster) {
                format!("no action creates service '{name}' in cluster '{cluster}'; did you mean '{close}'?")
            } else if let Some(other) = elsewhere.first() {
                format!(
                "no action creates service '{name}' in cluster '{cluster}'; it is created in cluster '{other}': set \"cluster\": \"{other}\""
            )
            } else if in_cluster.is_empty() {
                format!(
                "no action creates service '{name}' in cluster '{cluster}'; an assertion needs a CreateService of that name in the scenario"
            )
            } else {
                let names: Vec<String> = in_cluster.iter().map(|n| n.to_string()).collect();
                format!(
                "no action creates service '{name}' in cluster '{cluster}'; services created there: {}",
                list(&names)
            )
            },
        ))
    }

    /// Records a task set that the CreateTaskSet being lowered creates on its service, if that
    /// service exists.
    pub(crate) fn create_task_set(
        &mut self,
        cluster: Option<&str>,
        service: Option<&str>,
        external_id: Option<&str>,
    ) {
        let action = self.current_action;
        if let (Some(c), Some(s)) = (cluster, service) {
            self.definitions += 1;
            if let Some(svc) = self.service_mut(c, s) {
                svc.task_sets.push(TaskSetRef {
                    action,
                    external_id: external_id.map(str::to_string),
                    live: true,
                });
            }
        }
    }

    pub(crate) fn delete_task_set(&mut self, cluster: &str, service: &str, action: usize) {
        if let Some(svc) = self.service_mut(cluster, service) {
            for t in svc.task_sets.iter_mut().filter(|t| t.action == action) {
                t.live = false;
            }
        }
    }

    /// Resolves a task set reference of `service` in `cluster`: the externalId of exactly one of
    /// its task sets that no DeleteTaskSet deleted, else of the latest one deleted (the engine
    /// decides whether it is gone), or an ARN (`arn:aws:ecs:REGION:ACCOUNT:task-set/CLUSTER/
    /// SERVICE/EXTERNAL_ID`) ending in one (RULE: a task set's own id is given when the run
    /// creates it, so a scenario names it by the externalId it gave). Returns the index of the
    /// CreateTaskSet action.
    pub(crate) fn task_set(
        &self,
        cx: &mut Cx,
        path: &Path,
        value: &Value,
        text: &str,
        cluster: &str,
        service: &str,
    ) -> Option<usize> {
        let example = format!(
            "arn:aws:ecs:{}:{}:task-set/{cluster}/{service}/EXTERNAL_ID",
            self.region, self.account_id
        );
        let wanted = match self.arn_rest(text, "task-set") {
            Ok(None) => text,
            Ok(Some(rest)) => {
                let parts: Vec<&str> = rest.splitn(3, '/').collect();
                match parts.as_slice() {
                    [c, s, id] if *c == cluster && *s == service && !id.is_empty() => *id,
                    [c, s, id] if !id.is_empty() => {
                        cx.error_value(
                            path,
                            value,
                            format!("the ARN names a task set of service '{s}' in cluster '{c}', but this request is on service '{service}' in cluster '{cluster}'"),
                        );
                        return None;
                    }
                    _ => {
                        cx.error_value(
                            path,
                            value,
                            format!("expected a task set's externalId or an ARN like {example}"),
                        );
                        return None;
                    }
                }
            }
            Err(message) => {
                let message = if message.starts_with("the ARN names region") {
                    message
                } else {
                    format!("expected a task set's externalId or an ARN like {example}")
                };
                cx.error_value(path, value, message);
                return None;
            }
        };
        let sets: &[TaskSetRef] = self
            .known_service(cluster, service)
            .map(|s| s.task_sets.as_slice())
            .unwrap_or(&[]);
        let named: Vec<&TaskSetRef> = sets
            .iter()
            .filter(|t| t.external_id.as_deref() == Some(wanted))
            .collect();
        let live: Vec<&&TaskSetRef> = named.iter().filter(|t| t.live).collect();
        match live.as_slice() {
            [one] => return Some(one.action),
            [] => {
                if let Some(deleted) = named.last() {
                    return Some(deleted.action);
                }
            }
            several => {
                let actions: Vec<String> = several
                    .iter()
                    .map(|t| format!("actions[{}]", t.action))
                    .collect();
                cx.error_value(
                    path,
                    value,
                    format!(
                        "externalId '{wanted}' names {} task sets of service '{service}' (created by {}); give each task set its own externalId",
                        several.len(),
                        list(&actions)
                    ),
                );
                return None;
            }
        }
        let known: Vec<String> = sets
            .iter()
            .map(|t| match &t.external_id {
                Some(e) => format!("'{e}'"),
                None => format!("the one actions[{}] creates (no externalId)", t.action),
            })
            .collect();
        let message = if known.is_empty() {
            format!("unknown task set '{wanted}'; service '{service}' has no task set created before this action; add a CreateTaskSet action with an earlier 'at'")
        } else {
            format!(
                "unknown task set '{wanted}' of service '{service}'; its task sets created before this action (by externalId): {}; a task set is named by the externalId its CreateTaskSet gives",
                list(&known)
            )
        };
        cx.error_reference(
            path,
            value,
            format!("task set {cluster}/{service}/{wanted}"),
            message,
        );
        None
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

    /// An `imageId` as given: an AMI id, or `resolve:ssm:NAME` naming an entry of the scenario's
    /// `ssmParameters` (SPEC §3), lowered to the AMI id; None (reported) when it names neither.
    pub(crate) fn image_id(
        &self,
        cx: &mut Cx,
        path: &Path,
        value: &Value,
        image_id: &str,
    ) -> Option<String> {
        if let Some(name) = image_id.strip_prefix("resolve:ssm:") {
            return match self.ssm_parameters.get(name) {
                Some(id) => Some(id.clone()),
                // One mistake, one error: the unreadable parameter may be this one.
                None if self.ssm_unreadable => None,
                None => {
                    let known: Vec<&str> = self.ssm_parameters.keys().map(String::as_str).collect();
                    let listed = if known.is_empty() {
                        "the scenario has no ssmParameters".to_string()
                    } else {
                        format!("its ssmParameters: {}", known.join(", "))
                    };
                    cx.error_value(
                        path,
                        value,
                        format!("no SSM parameter named '{name}' ({listed}); add the parameter, as aws ssm get-parameters prints it, to ssmParameters"),
                    );
                    None
                }
            };
        }
        self.ami(cx, path, value, image_id)
            .then(|| image_id.to_string())
    }

    /// Checks an AMI id against the catalog (built-in plus the scenario's `amis`).
    pub(crate) fn ami(&self, cx: &mut Cx, path: &Path, value: &Value, image_id: &str) -> bool {
        if self.amis.get(image_id).is_some() {
            return true;
        }
        if self.amis_unreadable {
            // One mistake, one error: the unreadable entry may be this AMI's.
            return false;
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
