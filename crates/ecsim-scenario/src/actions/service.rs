//! Services (SPEC §7): CreateService, UpdateService, DeleteService and UpdateTaskProtection, and
//! the DescribeServices query (the task set actions are in [`super::task_set`]).
//!
//! References resolve against what earlier actions defined ([`Refs`]): a service must be created
//! by an earlier CreateService (an earlier DeleteService frees its name but does not remove it:
//! the delete may be refused). Whatever depends on the simulated state (a DeleteService of a
//! service scaled above 0, an action on a service that is gone, a task that is not a service task,
//! a capacity provider not associated with the cluster) is the engine's to decide.

use super::cluster::is_name;
use super::launch::{
    check_ec2_compatible, check_fargate_placement, check_fargate_task_definition, launch, network,
    network_configuration, request_strategy,
};
use super::load_balancer::{load_balancers, split_simulation};
use super::query::include;
use super::task::{constraint_total, simulation_block, task_definition, Resolved};
use super::{check_refs, cluster_ref, IdKind};
use crate::cx::{object, object_in, Cx, Field, Obj};
use crate::path::Path;
use crate::placement::{constraints, strategies, ConstraintSite, CONSTRAINTS_MAX};
use crate::refs::{Refs, Runs, ServiceRef};
use ecsim_engine::capacity::StrategyItem;
use ecsim_engine::service::{
    CircuitBreaker, DeploymentConfigurationInput, DeploymentController, SchedulingStrategy,
};
use ecsim_engine::{Action, CreateService, UpdateService};
use serde_json::Value;

use Field::{Checked, Used};

/// API: CreateService request parameters that ecsim reads; the API model supplies the others
/// (accepted, checked and ignored: SPEC §2).
const CREATE_SERVICE_FIELDS: [(&str, Field); 15] = [
    ("capacityProviderStrategy", Used),
    ("cluster", Used),
    ("deploymentConfiguration", Used),
    ("deploymentController", Used),
    ("desiredCount", Used),
    ("healthCheckGracePeriodSeconds", Used),
    ("launchType", Used),
    ("loadBalancers", Used),
    ("networkConfiguration", Used),
    ("placementConstraints", Used),
    ("placementStrategy", Used),
    ("propagateTags", Checked),
    ("schedulingStrategy", Used),
    ("serviceName", Used),
    ("taskDefinition", Used),
];

/// API: UpdateService request parameters that ecsim reads (the others as in CreateService).
/// `networkConfiguration` is used for its presence only (a change of network starts a
/// deployment); its content is listed as ignored.
const UPDATE_SERVICE_FIELDS: [(&str, Field); 13] = [
    ("capacityProviderStrategy", Used),
    ("cluster", Used),
    ("deploymentConfiguration", Used),
    ("desiredCount", Used),
    ("forceNewDeployment", Used),
    ("healthCheckGracePeriodSeconds", Used),
    ("loadBalancers", Used),
    ("networkConfiguration", Used),
    ("placementConstraints", Used),
    ("placementStrategy", Used),
    ("propagateTags", Checked),
    ("service", Used),
    ("taskDefinition", Used),
];

/// SPEC §3: "≤ 5000 tasks per service" (the ECS service quota).
const DESIRED_COUNT_MAX: i64 = 5000;

/// RULE: the API gives no upper bound for maximumPercent; ecsim accepts up to 10000 (a hundred
/// times the desired count), far above any useful batch size, so that `desiredCount ×
/// maximumPercent / 100` stays small.
const MAXIMUM_PERCENT_MAX: i64 = 10_000;

/// API: healthCheckGracePeriodSeconds — "up to 2,147,483,647 seconds".
const GRACE_PERIOD_MAX_S: i64 = 2_147_483_647;

/// API: UpdateTaskProtection.expiresInMinutes — "from 1 minute to up to 2,880 minutes (48
/// hours)", default 120.
const PROTECTION_MINUTES_MAX: i64 = 2880;
const PROTECTION_MINUTES_DEFAULT: u32 = 120;

/// API: UpdateTaskProtection.tasks — "A list of up to 10 task IDs or full ARN entries."
const PROTECTION_TASKS_MAX: usize = 10;

/// API: DescribeServices.services — "You may specify up to 10 services to describe in a single
/// operation."
const DESCRIBE_SERVICES_MAX: usize = 10;

/// API: CreateService.serviceName — "Up to 255 letters (uppercase and lowercase), numbers,
/// underscores, and hyphens are allowed. Service names must be unique within a cluster".
fn service_name<'v>(
    cx: &mut Cx,
    refs: &Refs,
    o: &Obj<'v>,
    cluster: Option<&str>,
) -> Option<&'v str> {
    let name = o.req_str(
        cx,
        "serviceName",
        "the service's name, e.g. \"serviceName\": \"web\"",
    )?;
    if !is_name(name, 255) {
        o.error_field(
            cx,
            "serviceName",
            "expected up to 255 letters, numbers, underscores and hyphens (API: CreateService.serviceName)",
        );
        return None;
    }
    if let Some(cluster) = cluster {
        if refs.live_service(cluster, name).is_some() {
            // API: DeleteService — "If you attempt to create a new service with the same name as
            // an existing service in either ACTIVE or DRAINING status, you receive an error."
            o.error_field(
                cx,
                "serviceName",
                format!(
                    "service '{name}' already exists in cluster '{cluster}' (an earlier CreateService made it and no DeleteService removed it): \"Service names must be unique within a cluster\" (API: CreateService.serviceName); delete it first or choose another name"
                ),
            );
            return None;
        }
    }
    Some(name)
}

/// API: CreateService.schedulingStrategy, default REPLICA.
fn scheduling_strategy(cx: &mut Cx, o: &Obj<'_>) -> SchedulingStrategy {
    match o.str(cx, "schedulingStrategy") {
        None | Some("REPLICA") => SchedulingStrategy::Replica,
        Some("DAEMON") => SchedulingStrategy::Daemon,
        Some(_) => {
            o.error_field(
                cx,
                "schedulingStrategy",
                "expected REPLICA or DAEMON (API: CreateService.schedulingStrategy)",
            );
            SchedulingStrategy::Replica
        }
    }
}

/// API: DeploymentController — "If no deployment controller is specified, the default value of
/// ECS is used." CODE_DEPLOY (blue/green) is not simulated.
fn deployment_controller(cx: &mut Cx, o: &Obj<'_>) -> DeploymentController {
    let Some(value) = o.get("deploymentController") else {
        return DeploymentController::Ecs;
    };
    let Some(d) = object(
        cx,
        value,
        &o.at("deploymentController"),
        "a deployment controller {\"type\": \"ECS\"}",
        &[("type", Used)],
    ) else {
        return DeploymentController::Ecs;
    };
    match d.req_str(cx, "type", "ECS (rolling update) or EXTERNAL (task sets)") {
        None | Some("ECS") => DeploymentController::Ecs,
        Some("EXTERNAL") => DeploymentController::External,
        Some("CODE_DEPLOY") => {
            d.error_field(
                cx,
                "type",
                "the CODE_DEPLOY (blue/green) deployment controller is not simulated by this version of ecsim; use ECS (rolling update) or EXTERNAL (task sets)",
            );
            DeploymentController::Ecs
        }
        Some(_) => {
            d.error_field(
                cx,
                "type",
                "expected ECS, CODE_DEPLOY or EXTERNAL (API: DeploymentController.type)",
            );
            DeploymentController::Ecs
        }
    }
}

/// `desiredCount`: from 0 to 5000.
fn desired_count(cx: &mut Cx, o: &Obj<'_>) -> Option<u32> {
    o.int(
        cx,
        "desiredCount",
        0,
        DESIRED_COUNT_MAX,
        Some("expected from 0 to 5000 tasks: a service runs at most 5000 tasks (the ECS quota of tasks per service)"),
    )
    .map(|v| v as u32)
}

/// A DAEMON service has no desired count: "If schedulingStrategy is DAEMON then this isn't
/// required." (API: CreateService.desiredCount). RULE: giving one is an error, since ecsim would
/// ignore it.
fn no_daemon_desired_count(cx: &mut Cx, o: &Obj<'_>) {
    if o.has("desiredCount") {
        cx.error_key(
            &o.at("desiredCount"),
            "a DAEMON service takes no desiredCount: it runs one task on each container instance that meets its placement constraints (API: \"If schedulingStrategy is DAEMON then this isn't required.\"); remove desiredCount",
        );
    }
}

/// A DAEMON service has no placement strategy: "When you're using this strategy, you don't need
/// to specify a desired number of tasks, a task placement strategy, or use Service Auto Scaling
/// policies." (API: CreateService.schedulingStrategy). An empty array gives none and is accepted.
fn no_daemon_strategy(cx: &mut Cx, o: &Obj<'_>) {
    let given = o
        .get("placementStrategy")
        .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()));
    if given {
        cx.error_key(
            &o.at("placementStrategy"),
            "the DAEMON scheduling strategy does not support placement strategies: it places one task on each container instance that meets its placement constraints (API: CreateService.schedulingStrategy); remove placementStrategy",
        );
    }
}

/// A DAEMON service's tasks can't run on Fargate (API: CreateService.schedulingStrategy); the
/// error points at `field`.
fn fargate_daemon(cx: &mut Cx, o: &Obj<'_>, field: &str) {
    cx.error_key(
        &o.at(field),
        "the DAEMON scheduling strategy can't run on Fargate: \"Tasks using the Fargate launch type or the CODE_DEPLOY or EXTERNAL deployment controller types don't support the DAEMON scheduling strategy.\" (API: CreateService.schedulingStrategy); use REPLICA, or run the service on EC2",
    );
}

/// `healthCheckGracePeriodSeconds`: from 0 to 2147483647.
fn grace_period(cx: &mut Cx, o: &Obj<'_>) -> Option<u32> {
    o.int(
        cx,
        "healthCheckGracePeriodSeconds",
        0,
        GRACE_PERIOD_MAX_S,
        Some("expected from 0 to 2147483647 seconds: \"you can specify a health check grace period of up to 2,147,483,647 seconds\" (API: healthCheckGracePeriodSeconds)"),
    )
    .map(|v| v as u32)
}

/// `propagateTags`: validated, then ignored.
fn propagate_tags(cx: &mut Cx, o: &Obj<'_>, api: &str) {
    if let Some(s) = o.str(cx, "propagateTags") {
        if !matches!(s, "TASK_DEFINITION" | "SERVICE" | "NONE") {
            o.error_field(
                cx,
                "propagateTags",
                format!("expected TASK_DEFINITION, SERVICE or NONE (API: {api}.propagateTags)"),
            );
        }
    }
}

/// API: DeploymentConfiguration, for a service of `strategy` and `controller`. `None` when it is
/// absent (or in error).
fn deployment_configuration(
    cx: &mut Cx,
    o: &Obj<'_>,
    strategy: SchedulingStrategy,
    controller: DeploymentController,
) -> Option<DeploymentConfigurationInput> {
    let value = o.get("deploymentConfiguration")?;
    let d = object_in(
        cx,
        value,
        &o.at("deploymentConfiguration"),
        "a deployment configuration {\"minimumHealthyPercent\": ..., \"maximumPercent\": ...}",
        "DeploymentConfiguration",
        &[
            ("deploymentCircuitBreaker", Used),
            ("maximumPercent", Used),
            ("minimumHealthyPercent", Used),
            ("strategy", Checked),
        ],
    )?;
    let errors = cx.error_count();
    // RULE: ecsim simulates rolling deployments only; the model's other deployment strategies
    // (BLUE_GREEN, LINEAR, CANARY) would change scheduling, so they are refused rather than
    // ignored.
    if let Some(v) = d.get("strategy") {
        if v.as_str() != Some("ROLLING") {
            d.error_field(
                cx,
                "strategy",
                "expected ROLLING: ecsim simulates rolling deployments only (API: DeploymentConfiguration.strategy)",
            );
        }
    }
    // RULE: the API gives no range; minimumHealthyPercent is a share of desiredCount that must
    // stay healthy, so more than 100 could never be met.
    let minimum_healthy_percent = d
        .int(
            cx,
            "minimumHealthyPercent",
            0,
            100,
            Some("expected a percentage of desiredCount from 0 to 100 (RULE: more than 100 healthy tasks could never be met)"),
        )
        .map(|v| v as u32);
    let maximum_percent = match strategy {
        SchedulingStrategy::Daemon => {
            let max = d.int(cx, "maximumPercent", 0, MAXIMUM_PERCENT_MAX, None);
            if max.is_some_and(|m| m != 100) {
                // DG daemon scheduling strategy: "the maximum percent parameter must be 100".
                d.error_field(
                    cx,
                    "maximumPercent",
                    "a DAEMON service's maximumPercent must be 100: \"the maximum percent parameter must be 100\" (Developer Guide, daemon scheduling strategy); write 100 or leave it out",
                );
            }
            max.map(|v| v as u32)
        }
        SchedulingStrategy::Replica => d
            .int(
                cx,
                "maximumPercent",
                100,
                MAXIMUM_PERCENT_MAX,
                Some("expected a percentage of desiredCount from 100 to 10000 (RULE: below 100 a service could never run its desiredCount; above 10000 is refused)"),
            )
            .map(|v| v as u32),
    };
    let circuit_breaker = d
        .get("deploymentCircuitBreaker")
        .and_then(|v| circuit_breaker(cx, v, &d.at("deploymentCircuitBreaker")));
    if controller == DeploymentController::External && d.has("deploymentCircuitBreaker") {
        cx.error_key(
            &d.at("deploymentCircuitBreaker"),
            "\"The deployment circuit breaker can only be used for services using the rolling update (ECS) deployment type.\" (API: DeploymentCircuitBreaker); this service uses the EXTERNAL deployment controller, so remove deploymentCircuitBreaker",
        );
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(DeploymentConfigurationInput {
        minimum_healthy_percent,
        maximum_percent,
        circuit_breaker,
    })
}

/// API: DeploymentCircuitBreaker — `enable` and `rollback`, both required.
fn circuit_breaker(cx: &mut Cx, value: &Value, path: &Path) -> Option<CircuitBreaker> {
    let c = object_in(
        cx,
        value,
        path,
        "a deployment circuit breaker {\"enable\": true, \"rollback\": true}",
        "DeploymentCircuitBreaker",
        &[("enable", Used), ("rollback", Used)],
    )?;
    let mut flag = |name: &str, hint: &str| -> Option<bool> {
        if !c.has(name) {
            c.missing(cx, name, hint);
            return None;
        }
        c.bool(cx, name)
    };
    let enable = flag(
        "enable",
        "true or false: whether a deployment that can't reach a steady state fails (API: DeploymentCircuitBreaker.enable)",
    );
    let rollback = flag(
        "rollback",
        "true or false: whether a failed deployment rolls back to the last completed one (API: DeploymentCircuitBreaker.rollback)",
    );
    Some(CircuitBreaker {
        enable: enable?,
        rollback: rollback?,
    })
}

/// `placementConstraints`, when given.
fn placement_constraints(
    cx: &mut Cx,
    o: &Obj<'_>,
) -> Option<Vec<ecsim_model::PlacementConstraint>> {
    let v = o.get("placementConstraints")?;
    Some(constraints(
        cx,
        v,
        &o.at("placementConstraints"),
        ConstraintSite::Request,
    ))
}

/// `placementStrategy`, when given.
fn placement_strategy(cx: &mut Cx, o: &Obj<'_>) -> Option<Vec<ecsim_placement::PlacementStrategy>> {
    let v = o.get("placementStrategy")?;
    Some(strategies(cx, v, &o.at("placementStrategy")))
}

/// The number of entries of an array field (0 when absent or not an array).
fn array_len(o: &Obj<'_>, name: &str) -> usize {
    o.get(name).and_then(Value::as_array).map_or(0, Vec::len)
}

/// API: CreateService.
pub(crate) fn create_service(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
    simulation: Option<(&Value, Path)>,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the CreateService request",
        "CreateServiceRequest",
        &CREATE_SERVICE_FIELDS,
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, false);
    let name = service_name(cx, refs, &o, cluster.as_deref());
    let controller = deployment_controller(cx, &o);
    let strategy = scheduling_strategy(cx, &o);
    if strategy == SchedulingStrategy::Daemon && controller == DeploymentController::External {
        o.error_field(
            cx,
            "schedulingStrategy",
            "the DAEMON scheduling strategy can't be used with the EXTERNAL deployment controller: \"Tasks using the Fargate launch type or the CODE_DEPLOY or EXTERNAL deployment controller types don't support the DAEMON scheduling strategy.\" (API: CreateService.schedulingStrategy)",
        );
    }

    // API: CreateService.taskDefinition — "A task definition must be specified if the service
    // uses either the ECS or CODE_DEPLOY deployment controllers." With EXTERNAL, "you can specify
    // only parameters that aren't controlled at the task set level": the task sets name it.
    let (task_definition, resolved): (Option<String>, Option<Resolved>) = match controller {
        DeploymentController::External => {
            if o.has("taskDefinition") {
                cx.error_key(
                    &o.at("taskDefinition"),
                    "a service with the EXTERNAL deployment controller takes no taskDefinition: its task sets name it (API: CreateService, \"When creating a service that uses the EXTERNAL deployment controller, you can specify only parameters that aren't controlled at the task set level.\"); remove it and use CreateTaskSet",
                );
            }
            (None, None)
        }
        DeploymentController::Ecs if !o.has("taskDefinition") => {
            o.missing(
                cx,
                "taskDefinition",
                "family, family:revision or a task definition ARN: \"A task definition must be specified if the service uses either the ECS or CODE_DEPLOY deployment controllers.\" (API: CreateService.taskDefinition)",
            );
            (None, None)
        }
        DeploymentController::Ecs => task_definition(cx, refs, &o),
    };

    let desired_count = match strategy {
        SchedulingStrategy::Daemon => {
            no_daemon_desired_count(cx, &o);
            0
        }
        SchedulingStrategy::Replica if o.has("desiredCount") => desired_count(cx, &o).unwrap_or(0),
        // RULE: with the EXTERNAL controller "The only required parameter is the service name."
        // (API: CreateService), so desiredCount defaults to 0.
        SchedulingStrategy::Replica if controller == DeploymentController::External => 0,
        // A schedulingStrategy in error reads as REPLICA; it may have meant DAEMON.
        SchedulingStrategy::Replica if cx.has_error_at(&o.at("schedulingStrategy")) => 0,
        SchedulingStrategy::Replica => {
            o.missing(
                cx,
                "desiredCount",
                "the number of tasks to keep running: \"This is required if schedulingStrategy is REPLICA or isn't specified.\" (API: CreateService.desiredCount)",
            );
            0
        }
    };
    let launch = launch(cx, refs, &o, "CreateService");
    if let Some(r) = &resolved {
        match launch.runs {
            Runs::OnFargate => check_fargate_task_definition(
                cx,
                &o,
                &o.at("taskDefinition"),
                &r.label(),
                &r.info,
                (None, None),
            ),
            Runs::OnEc2 => check_ec2_compatible(cx, &o, r),
            Runs::Unknown => {}
        }
    }
    if launch.runs == Runs::OnFargate {
        check_fargate_placement(cx, &o);
        if strategy == SchedulingStrategy::Daemon {
            fargate_daemon(cx, &o, "schedulingStrategy");
        }
    }
    // With the EXTERNAL controller the task sets launch the tasks, and carry their network.
    let network_runs = match controller {
        DeploymentController::External => Runs::Unknown,
        DeploymentController::Ecs => launch.runs,
    };
    let subnets = network(
        cx,
        &o,
        resolved.as_ref(),
        network_runs,
        "CreateService",
        true,
    );
    let deployment_configuration =
        deployment_configuration(cx, &o, strategy, controller).unwrap_or_default();
    let placement_constraints = placement_constraints(cx, &o).unwrap_or_default();
    if let Some(r) = &resolved {
        constraint_total(cx, &o, r.info.constraints, &r.label(), "CreateService");
    }
    if strategy == SchedulingStrategy::Daemon {
        no_daemon_strategy(cx, &o);
    }
    let placement_strategy = placement_strategy(cx, &o).unwrap_or_default();
    let health_check_grace_period_s = grace_period(cx, &o).unwrap_or(0);
    propagate_tags(cx, &o, "CreateService");
    let has_load_balancers =
        load_balancers(cx, &o, resolved.as_ref(), "CreateService").unwrap_or(false);
    let (simulation, load_balancer) = split_simulation(cx, simulation, has_load_balancers);
    let mut simulation = simulation_block(cx, simulation.as_ref().map(|(v, p)| (v, p.clone())));
    if let Some(t) = load_balancer {
        simulation
            .get_or_insert_with(Default::default)
            .load_balancer = Some(t);
    }

    // The service exists for later references even when this request has other errors, so that
    // one mistake does not cascade into "unknown service" on every later action.
    if let (Some(c), Some(n)) = (&cluster, name) {
        refs.create_service(
            c,
            n,
            ServiceRef {
                strategy,
                controller,
                task_definition_constraints: resolved.as_ref().map_or(0, |r| r.info.constraints),
                request_constraints: array_len(&o, "placementConstraints"),
                task_sets: Vec::new(),
                runs: launch.runs,
                has_strategy: launch.strategy.is_some(),
                task_definition: resolved.as_ref().map(|r| (r.label(), r.info.clone())),
                deleted: false,
            },
        );
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::CreateService(Box::new(CreateService {
        cluster: cluster?,
        service_name: name?.to_string(),
        task_definition,
        desired_count,
        scheduling_strategy: strategy,
        controller,
        launch_type: launch.launch_type,
        capacity_provider_strategy: launch.strategy,
        subnets,
        deployment_configuration,
        placement_constraints,
        placement_strategy,
        health_check_grace_period_s,
        simulation,
    })))
}

/// Resolves the request's service reference (field `name`, required) in `cluster`; returns its
/// name and what is known of it.
pub(crate) fn service_ref(
    cx: &mut Cx,
    refs: &Refs,
    o: &Obj<'_>,
    name: &str,
    cluster: Option<&str>,
) -> Option<(String, ServiceRef)> {
    let text = o.req_str(cx, name, "the service's name or ARN")?;
    let cluster = cluster?;
    let value = o.get(name)?;
    refs.service(cx, &o.at(name), value, text, cluster)
        .map(|(n, s)| (n, s.clone()))
}

/// API: UpdateService — "For services using an external deployment controller, you can update
/// only the desired count, task placement constraints and strategies, health check grace period,
/// enable ECS managed tags option, and propagate tags option ... If the launch type, load
/// balancer, network configuration, platform version, or task definition need to be updated,
/// create a new task set." RULE: forceNewDeployment is refused there too (an EXTERNAL service's
/// deployments are its task sets).
fn not_on_external(cx: &mut Cx, o: &Obj<'_>, field: &str, service: &str) {
    cx.error_key(
        &o.at(field),
        format!(
            "service '{service}' uses the EXTERNAL deployment controller, whose {field} can't be updated: \"If the launch type, load balancer, network configuration, platform version, or task definition need to be updated, create a new task set.\" (API: UpdateService); use CreateTaskSet"
        ),
    );
}

/// API: UpdateService. Every field but `service` is optional and lowered to an `Option`.
pub(crate) fn update_service(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the UpdateService request",
        "UpdateServiceRequest",
        &UPDATE_SERVICE_FIELDS,
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, false);
    let service = service_ref(cx, refs, &o, "service", cluster.as_deref());
    let external = service
        .as_ref()
        .is_some_and(|(_, s)| s.controller == DeploymentController::External);
    let daemon = service
        .as_ref()
        .is_some_and(|(_, s)| s.strategy == SchedulingStrategy::Daemon);
    let service_name = service.as_ref().map_or("", |(n, _)| n.as_str());

    if daemon {
        no_daemon_desired_count(cx, &o);
    }
    let desired_count = if daemon { None } else { desired_count(cx, &o) };

    let mut resolved: Option<Resolved> = None;
    let task_definition = if !o.has("taskDefinition") {
        None
    } else if external {
        not_on_external(cx, &o, "taskDefinition", service_name);
        None
    } else {
        let (t, r) = task_definition(cx, refs, &o);
        resolved = r;
        t
    };
    let (capacity_provider_strategy, runs) = update_capacity(
        cx,
        refs,
        &o,
        service.as_ref().map(|(_, s)| s),
        service_name,
        resolved.as_ref(),
    );

    // An unknown service is reported above; its configuration is still read (as a REPLICA
    // service's with the ECS controller, whose rules accept every valid configuration of the
    // others) so that its own mistakes show too.
    let (strategy, controller) = service.as_ref().map_or(
        (SchedulingStrategy::Replica, DeploymentController::Ecs),
        |(_, s)| (s.strategy, s.controller),
    );
    let deployment_configuration = deployment_configuration(cx, &o, strategy, controller);
    let placement_constraints = placement_constraints(cx, &o);
    if let Some((_, s)) = &service {
        let td_constraints = resolved
            .as_ref()
            .map_or(s.task_definition_constraints, |r| r.info.constraints);
        let td_label = resolved
            .as_ref()
            .map_or_else(|| "of the service".to_string(), Resolved::label);
        if o.has("placementConstraints") {
            constraint_total(cx, &o, td_constraints, &td_label, "UpdateService");
        } else if let Some(r) = &resolved {
            let total = r.info.constraints + s.request_constraints;
            if total > CONSTRAINTS_MAX {
                cx.error(
                    &o.at("taskDefinition"),
                    format!(
                        "task definition {} has {} placement constraints and the service {} more, {total} in all; \"You can specify a maximum of 10 constraints for each task. This limit includes constraints in the task definition and those specified at runtime.\" (API: UpdateService.placementConstraints)",
                        r.label(),
                        r.info.constraints,
                        s.request_constraints
                    ),
                );
            }
        }
    }
    if daemon {
        no_daemon_strategy(cx, &o);
    }
    let placement_strategy = placement_strategy(cx, &o);
    let force_new_deployment = o.bool(cx, "forceNewDeployment").unwrap_or(false);
    if force_new_deployment && external {
        not_on_external(cx, &o, "forceNewDeployment", service_name);
    }
    let health_check_grace_period_s = grace_period(cx, &o);
    let (network_configuration, subnets) = match o.get("networkConfiguration") {
        None => (false, None),
        Some(_) if external => {
            not_on_external(cx, &o, "networkConfiguration", service_name);
            (false, None)
        }
        Some(v) => {
            let path = o.at("networkConfiguration");
            let subnets = network_configuration(cx, v, &path);
            if runs == Runs::OnFargate && v.is_object() && v.get("awsvpcConfiguration").is_none() {
                cx.error(
                    &path.key("awsvpcConfiguration"),
                    "missing required field 'awsvpcConfiguration'; the service's Fargate tasks take their zones from its subnets, e.g. {\"awsvpcConfiguration\": {\"subnets\": [\"subnet-1\"]}}",
                );
            }
            (true, subnets)
        }
    };
    propagate_tags(cx, &o, "UpdateService");
    // API LoadBalancer: "When you add, update, or remove a load balancer configuration, Amazon
    // ECS starts a new deployment". The tasks' task definition: the update's, else the service's.
    let current = service
        .as_ref()
        .and_then(|(_, s)| s.task_definition.clone())
        .map(|(label, info)| {
            let (family, revision) = label.rsplit_once(':').unwrap_or((&label, "0"));
            Resolved {
                family: family.to_string(),
                revision: revision.parse().unwrap_or(0),
                info,
            }
        });
    let load_balancers = if o.has("loadBalancers") && external {
        not_on_external(cx, &o, "loadBalancers", service_name);
        None
    } else {
        load_balancers(
            cx,
            &o,
            resolved.as_ref().or(current.as_ref()),
            "UpdateService",
        )
    };

    if let (Some(c), Some((n, _))) = (&cluster, &service) {
        if let Some(s) = refs.service_mut(c, n) {
            if let Some(r) = &resolved {
                s.task_definition_constraints = r.info.constraints;
            }
            if o.has("placementConstraints") {
                s.request_constraints = array_len(&o, "placementConstraints");
            }
            if let Some(r) = &resolved {
                s.task_definition = Some((r.label(), r.info.clone()));
            }
            s.runs = runs;
            s.has_strategy |= capacity_provider_strategy.is_some();
        }
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::UpdateService(Box::new(UpdateService {
        cluster: cluster?,
        service: service?.0,
        desired_count,
        task_definition,
        deployment_configuration,
        placement_constraints,
        placement_strategy,
        force_new_deployment,
        health_check_grace_period_s,
        network_configuration,
        subnets,
        capacity_provider_strategy,
        load_balancers,
    })))
}

/// UpdateService's `capacityProviderStrategy`, and what Fargate asks of the update when the
/// service's tasks run there after it. Returns the new strategy (`None`: unchanged) and where the
/// tasks run after the update.
fn update_capacity(
    cx: &mut Cx,
    refs: &Refs,
    o: &Obj<'_>,
    service: Option<&ServiceRef>,
    service_name: &str,
    resolved: Option<&Resolved>,
) -> (Option<Vec<StrategyItem>>, Runs) {
    let external = service.is_some_and(|s| s.controller == DeploymentController::External);
    let current = service.map_or(Runs::Unknown, |s| s.runs);
    let strategy = match o.get("capacityProviderStrategy") {
        None => None,
        Some(_) if external => {
            not_on_external(cx, o, "capacityProviderStrategy", service_name);
            None
        }
        Some(Value::Array(items)) if items.is_empty() => {
            if service.is_some_and(|s| s.has_strategy) {
                // API: UpdateService.capacityProviderStrategy.
                cx.error_key(
                    &o.at("capacityProviderStrategy"),
                    format!("service '{service_name}' uses a capacity provider strategy of its own, and an empty one would mean the cluster's default: \"when a service is using a capacity provider strategy that's not the default capacity provider strategy, the service can't be updated to use the cluster's default capacity provider strategy\" (API: UpdateService.capacityProviderStrategy); give the strategy to use"),
                );
            }
            // RULE: otherwise an empty strategy changes nothing (the service keeps the default).
            None
        }
        Some(_) => request_strategy(cx, refs, o),
    };
    let runs = match &strategy {
        Some(s) if s.fargate => Runs::OnFargate,
        Some(_) => Runs::OnEc2,
        None => current,
    };
    match runs {
        Runs::OnFargate => {
            // The task definition the update leaves: the new one, or the service's when the
            // update moves it to Fargate.
            let checked = match (resolved, service) {
                (Some(r), _) => Some((o.at("taskDefinition"), r.label(), r.info.clone())),
                (None, Some(s)) if current != Runs::OnFargate => s
                    .task_definition
                    .clone()
                    .map(|(label, info)| (o.at("capacityProviderStrategy"), label, info)),
                _ => None,
            };
            if let Some((anchor, label, info)) = checked {
                check_fargate_task_definition(cx, o, &anchor, &label, &info, (None, None));
            }
            check_fargate_placement(cx, o);
            if strategy.is_some()
                && service.is_some_and(|s| s.strategy == SchedulingStrategy::Daemon)
            {
                fargate_daemon(cx, o, "capacityProviderStrategy");
            }
        }
        Runs::OnEc2 => {
            if let Some(r) = resolved {
                check_ec2_compatible(cx, o, r);
            }
        }
        Runs::Unknown => {}
    }
    (strategy.map(|s| s.items), runs)
}

/// API: DeleteService. The service's name is free again for a later CreateService, and later
/// actions may still name the service: whether the delete happens (a REPLICA service scaled above
/// 0 needs `force`) and what a later action does with a deleted service are the engine's to
/// decide.
pub(crate) fn delete_service(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DeleteService request",
        "DeleteServiceRequest",
        &[("cluster", Used), ("force", Used), ("service", Used)],
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, false);
    let service = service_ref(cx, refs, &o, "service", cluster.as_deref());
    let force = o.bool(cx, "force").unwrap_or(false);
    let (cluster, (service, _)) = (cluster?, service?);
    refs.delete_service(&cluster, &service);
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::DeleteService {
        cluster,
        service,
        force,
    })
}

/// API: UpdateTaskProtection. Whether the tasks exist and belong to a service is the engine's to
/// decide (API: "Invoking this operation for a standalone task will result in an TASK_NOT_VALID
/// failure").
pub(crate) fn update_task_protection(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the UpdateTaskProtection request",
        "UpdateTaskProtectionRequest",
        &[
            ("cluster", Used),
            ("expiresInMinutes", Used),
            ("protectionEnabled", Used),
            ("tasks", Used),
        ],
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, true);
    let tasks = task_list(cx, refs, &o);
    let protection_enabled = if o.has("protectionEnabled") {
        o.bool(cx, "protectionEnabled")
    } else {
        o.missing(
            cx,
            "protectionEnabled",
            "true to protect the tasks from scale-in and deployments, false to remove the protection",
        );
        None
    };
    let expires_in_minutes = o
        .int(
            cx,
            "expiresInMinutes",
            1,
            PROTECTION_MINUTES_MAX,
            Some("expected from 1 to 2880 minutes: \"You can specify a value from 1 minute to up to 2,880 minutes (48 hours).\" (API: UpdateTaskProtection.expiresInMinutes)"),
        )
        .map(|v| v as u32);
    if protection_enabled == Some(false) && o.has("expiresInMinutes") {
        // API: "If you set protectionEnabled to true, you can specify the duration": without
        // protection it has no effect (accepted and listed as ignored).
        cx.ignore(&o.at("expiresInMinutes"));
    }
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::UpdateTaskProtection {
        cluster: cluster?,
        tasks: tasks?,
        protection_enabled: protection_enabled?,
        expires_in_minutes: expires_in_minutes.unwrap_or(PROTECTION_MINUTES_DEFAULT),
    })
}

/// UpdateTaskProtection's `tasks`: 1 to 10 task ids or ARNs.
fn task_list(cx: &mut Cx, refs: &Refs, o: &Obj<'_>) -> Option<Vec<String>> {
    if !o.has("tasks") {
        o.missing(cx, "tasks", "a list of up to 10 task ids or ARNs");
        return None;
    }
    let list = o.strings(cx, "tasks")?;
    if list.is_empty() || list.len() > PROTECTION_TASKS_MAX {
        o.error_field(
            cx,
            "tasks",
            "expected from 1 to 10 task ids or ARNs: \"A list of up to 10 task IDs or full ARN entries.\" (API: UpdateTaskProtection.tasks)",
        );
        return None;
    }
    if let Some(i) = list.iter().position(|s| s.is_empty()) {
        cx.error(
            &o.at("tasks").index(i),
            "expected a task id or ARN, not an empty string",
        );
        return None;
    }
    if !check_refs(cx, refs, o, "tasks", IdKind::Task) {
        return None;
    }
    Some(list.into_iter().map(str::to_string).collect())
}

/// API: DescribeServices. Services that do not exist are not input errors: the response lists
/// them as MISSING failures, as ECS does.
pub(crate) fn describe_services(
    cx: &mut Cx,
    refs: &mut Refs,
    input: &Value,
    path: &Path,
) -> Option<Action> {
    let o = object_in(
        cx,
        input,
        path,
        "the DescribeServices request",
        "DescribeServicesRequest",
        &[("cluster", Used), ("include", Checked), ("services", Used)],
    )?;
    let errors = cx.error_count();
    let cluster = cluster_ref(cx, refs, &o, false);
    include(cx, &o, &["TAGS"], "DescribeServices");
    let services = if o.has("services") {
        o.strings(cx, "services").and_then(|list| {
            if list.is_empty() || list.len() > DESCRIBE_SERVICES_MAX {
                o.error_field(
                    cx,
                    "services",
                    "expected from 1 to 10 service names or ARNs: \"You may specify up to 10 services to describe in a single operation.\" (API: DescribeServices.services)",
                );
                None
            } else if let Some(i) = list.iter().position(|s| s.is_empty()) {
                cx.error(
                    &o.at("services").index(i),
                    "expected a service name or ARN, not an empty string",
                );
                None
            } else {
                Some(list.into_iter().map(str::to_string).collect())
            }
        })
    } else {
        o.missing(cx, "services", "a list of up to 10 service names or ARNs");
        None
    };
    if cx.error_count() > errors {
        return None;
    }
    Some(Action::DescribeServices {
        cluster: cluster?,
        services: services?,
    })
}
