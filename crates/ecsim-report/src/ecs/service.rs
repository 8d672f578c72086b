//! The ECS API's service data types (API reference, "Data Types": Service, Deployment, TaskSet,
//! Scale, ServiceEvent, DeploymentConfiguration, DeploymentCircuitBreaker, DeploymentController,
//! PlacementConstraint, PlacementStrategy) as borrowed serde views over a captured
//! [`ServiceSnapshot`], plus the lookups of services and deployments by id.
//!
//! Timestamps are epoch seconds with a millisecond fraction, as every other API data type of this
//! crate renders them (API: `"createdAt": number`; DescribeServices sample
//! `"createdAt": 1432829320.611`). Only EventBridge details use ISO-8601 strings.

use crate::names::{AsStr, Names};
use crate::time::epoch_seconds;
use ecsim_engine::service::{Deployment, DeploymentController, DeploymentStatus, Service};
use ecsim_engine::{DeploymentSnapshot, ServiceSnapshot};
use ecsim_model::{EcsSvcId, PlacementConstraint};
use serde::Serialize;

/// API: ServiceEvent. DescribeServices shows at most this many, newest first (DG
/// service-event-messages: "the 100 most recent events").
pub(crate) const SERVICE_EVENTS_MAX: usize = 100;

/// The status a deployment shows: API Deployment.status, or for a task set API TaskSet.status,
/// where a deleted task set whose tasks are still stopping is DRAINING ("The tasks in the task set
/// are being stopped").
pub(crate) fn deployment_status(d: &Deployment) -> &'static str {
    match &d.task_set {
        Some(ts) if ts.deleted && d.status != DeploymentStatus::Inactive => "DRAINING",
        _ => d.status.as_str(),
    }
}

/// API: DeploymentCircuitBreaker.
#[derive(Serialize)]
struct DeploymentCircuitBreakerJson {
    enable: bool,
    rollback: bool,
}

/// API: DeploymentConfiguration (no alarms: not simulated).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentConfigurationJson {
    deployment_circuit_breaker: DeploymentCircuitBreakerJson,
    maximum_percent: u32,
    minimum_healthy_percent: u32,
}

/// API: DeploymentController.
#[derive(Serialize)]
struct DeploymentControllerJson {
    #[serde(rename = "type")]
    kind: &'static str,
}

/// API: Deployment (ECS controller).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentJson<'a> {
    id: AsStr<EcsSvcId>,
    status: &'static str,
    task_definition: &'a str,
    desired_count: u32,
    pending_count: u32,
    running_count: u32,
    failed_tasks: u32,
    created_at: f64,
    updated_at: f64,
    /// Absent when the tasks use a capacity provider strategy (the API shows one or the other).
    #[serde(skip_serializing_if = "Option::is_none")]
    launch_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    capacity_provider_strategy: Vec<super::capacity::StrategyItemJson<'a>>,
    rollout_state: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    rollout_state_reason: &'a str,
}

/// API: Scale. The unit is always PERCENT (its only valid value).
#[derive(Serialize)]
struct ScaleJson {
    value: f64,
    unit: &'static str,
}

/// API: TaskSet (EXTERNAL controller).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskSetJson<'a> {
    id: AsStr<EcsSvcId>,
    /// `arn:aws:ecs:REGION:ACCOUNT:task-set/CLUSTER/SERVICE/ID`, with the task set's `ecs-svc/...`
    /// id as ID.
    task_set_arn: String,
    service_arn: &'a str,
    cluster_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    status: &'static str,
    task_definition: &'a str,
    computed_desired_count: u32,
    pending_count: u32,
    running_count: u32,
    created_at: f64,
    updated_at: f64,
    /// Absent when the tasks use a capacity provider strategy (the API shows one or the other).
    #[serde(skip_serializing_if = "Option::is_none")]
    launch_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    capacity_provider_strategy: Vec<super::capacity::StrategyItemJson<'a>>,
    scale: ScaleJson,
    stability_status: &'static str,
    stability_status_at: f64,
}

/// API: ServiceEvent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceEventJson<'a> {
    id: String,
    created_at: f64,
    message: &'a str,
}

/// API: PlacementConstraint: `{type}` for distinctInstance, `{type, expression}` for memberOf (the
/// expression exactly as the scenario gave it).
#[derive(Serialize)]
struct PlacementConstraintJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expression: Option<&'a str>,
}

impl<'a> PlacementConstraintJson<'a> {
    fn new(c: &'a PlacementConstraint) -> PlacementConstraintJson<'a> {
        PlacementConstraintJson {
            kind: c.type_name(),
            expression: match c {
                PlacementConstraint::MemberOf(e) => Some(e.source()),
                PlacementConstraint::DistinctInstance => None,
            },
        }
    }
}

/// API: PlacementStrategy: `{type}` for random, `{type, field}` otherwise, with the field as ECS
/// echoes it (binpack `CPU`/`MEMORY`).
#[derive(Serialize)]
struct PlacementStrategyJson {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

/// API: Service, as DescribeServices returns it. An ECS-controller service lists `deployments`
/// and has a `taskDefinition` (its PRIMARY deployment's); an EXTERNAL one lists `taskSets` and has
/// neither.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceJson<'a> {
    service_arn: &'a str,
    service_name: &'a str,
    cluster_arn: &'a str,
    status: &'static str,
    desired_count: u32,
    running_count: u32,
    pending_count: u32,
    /// Absent when the tasks use a capacity provider strategy (the API shows one or the other).
    #[serde(skip_serializing_if = "Option::is_none")]
    launch_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    capacity_provider_strategy: Vec<super::capacity::StrategyItemJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_definition: Option<&'a str>,
    deployment_configuration: DeploymentConfigurationJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployments: Option<Vec<DeploymentJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_sets: Option<Vec<TaskSetJson<'a>>>,
    events: Vec<ServiceEventJson<'a>>,
    placement_constraints: Vec<PlacementConstraintJson<'a>>,
    placement_strategy: Vec<PlacementStrategyJson>,
    scheduling_strategy: &'static str,
    deployment_controller: DeploymentControllerJson,
    health_check_grace_period_seconds: u32,
    created_at: f64,
}

impl<'a> ServiceJson<'a> {
    /// `snap` is the captured service; cluster and task definition ARNs (which never change)
    /// resolve through the declared names.
    pub(crate) fn new(names: &'a Names, snap: &'a ServiceSnapshot) -> ServiceJson<'a> {
        let start = names.start_time_unix_ms;
        let s = &snap.service;
        let cluster = names.cluster(s.cluster);
        debug_assert!(
            snap.deployments
                .iter()
                .all(|d| (s.controller == DeploymentController::External)
                    == d.deployment.task_set.is_some()),
            "service {}: task sets belong to EXTERNAL services, deployments to ECS ones",
            s.name
        );
        let def_arn = |d: &Deployment| -> &'a str { &names.task_definition(d.task_definition).arn };
        let (task_definition, deployments, task_sets) = match s.controller {
            DeploymentController::Ecs => (
                snap.deployments
                    .iter()
                    .find(|d| d.deployment.status == DeploymentStatus::Primary)
                    .map(|d| def_arn(&d.deployment)),
                Some(
                    snap.deployments
                        .iter()
                        .map(|d| deployment_json(start, def_arn(&d.deployment), d))
                        .collect(),
                ),
                None,
            ),
            DeploymentController::External => (
                None,
                None,
                Some(
                    snap.deployments
                        .iter()
                        .map(|d| task_set_json(names, s, def_arn(&d.deployment), d))
                        .collect(),
                ),
            ),
        };
        let c = &s.configuration;
        ServiceJson {
            service_arn: &s.arn,
            service_name: &s.name,
            cluster_arn: &cluster.arn,
            status: s.status.as_str(),
            desired_count: s.desired_count,
            running_count: snap.running_count,
            pending_count: snap.pending_count,
            launch_type: s
                .capacity_provider_strategy
                .is_empty()
                .then(|| s.launch_type.as_str()),
            capacity_provider_strategy: s
                .capacity_provider_strategy
                .iter()
                .map(super::capacity::StrategyItemJson::new)
                .collect(),
            task_definition,
            deployment_configuration: DeploymentConfigurationJson {
                deployment_circuit_breaker: DeploymentCircuitBreakerJson {
                    enable: c.circuit_breaker.enable,
                    rollback: c.circuit_breaker.rollback,
                },
                maximum_percent: c.maximum_percent,
                minimum_healthy_percent: c.minimum_healthy_percent,
            },
            deployments,
            task_sets,
            events: s
                .events
                .iter()
                .take(SERVICE_EVENTS_MAX)
                .map(|e| ServiceEventJson {
                    id: e.id(),
                    created_at: epoch_seconds(start, e.created_at.ms()),
                    message: &e.message,
                })
                .collect(),
            placement_constraints: s
                .placement_constraints
                .iter()
                .map(PlacementConstraintJson::new)
                .collect(),
            // As the service was given it (the REPLICA default spread is not echoed).
            placement_strategy: s
                .placement_strategy
                .iter()
                .map(|p| PlacementStrategyJson {
                    kind: p.type_name(),
                    field: p.field(),
                })
                .collect(),
            scheduling_strategy: s.scheduling_strategy.as_str(),
            deployment_controller: DeploymentControllerJson {
                kind: s.controller.as_str(),
            },
            health_check_grace_period_seconds: s.health_check_grace_period_s,
            created_at: epoch_seconds(start, s.created_at.ms()),
        }
    }
}

fn deployment_json<'a>(
    start: i64,
    task_definition: &'a str,
    d: &'a DeploymentSnapshot,
) -> DeploymentJson<'a> {
    let dep = &d.deployment;
    DeploymentJson {
        id: AsStr(dep.id.ecs_id()),
        status: dep.status.as_str(),
        task_definition,
        desired_count: d.desired_count,
        pending_count: d.pending_count,
        running_count: d.running_count,
        failed_tasks: dep.failed_tasks,
        created_at: epoch_seconds(start, dep.created_at.ms()),
        updated_at: epoch_seconds(start, dep.updated_at.ms()),
        launch_type: dep
            .capacity_provider_strategy
            .is_empty()
            .then(|| dep.launch_type.as_str()),
        capacity_provider_strategy: dep
            .capacity_provider_strategy
            .iter()
            .map(super::capacity::StrategyItemJson::new)
            .collect(),
        rollout_state: dep.rollout_state.as_str(),
        rollout_state_reason: &dep.rollout_state_reason,
    }
}

fn task_set_json<'a>(
    names: &'a Names,
    s: &'a Service,
    task_definition: &'a str,
    d: &'a DeploymentSnapshot,
) -> TaskSetJson<'a> {
    let start = names.start_time_unix_ms;
    let dep = &d.deployment;
    let cluster = names.cluster(s.cluster);
    let ts = dep
        .task_set
        .as_ref()
        .expect("an EXTERNAL service's deployments are task sets");
    TaskSetJson {
        id: AsStr(dep.id.ecs_id()),
        task_set_arn: format!(
            "arn:aws:ecs:{}:{}:task-set/{}/{}/{}",
            names.region,
            names.account_id,
            cluster.name,
            s.name,
            dep.id.ecs_id()
        ),
        service_arn: &s.arn,
        cluster_arn: &cluster.arn,
        external_id: ts.external_id.as_deref(),
        status: deployment_status(dep),
        task_definition,
        computed_desired_count: d.desired_count,
        pending_count: d.pending_count,
        running_count: d.running_count,
        created_at: epoch_seconds(start, dep.created_at.ms()),
        updated_at: epoch_seconds(start, dep.updated_at.ms()),
        launch_type: dep
            .capacity_provider_strategy
            .is_empty()
            .then(|| dep.launch_type.as_str()),
        capacity_provider_strategy: dep
            .capacity_provider_strategy
            .iter()
            .map(super::capacity::StrategyItemJson::new)
            .collect(),
        scale: ScaleJson {
            value: ts.scale_percent,
            unit: "PERCENT",
        },
        stability_status: ts.stability_status.as_str(),
        stability_status_at: epoch_seconds(start, ts.stability_status_at.ms()),
    }
}
