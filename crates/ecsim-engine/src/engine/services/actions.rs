//! The service actions (API: CreateService, UpdateService, DeleteService, UpdateTaskProtection,
//! CreateTaskSet, UpdateTaskSet, DeleteTaskSet, UpdateServicePrimaryTaskSet). What the simulated
//! state rejects is an `ECS Action Error`, with the API's exception name.

use super::{Ops, ServiceRuntime, Services};
use crate::action::{Action, CreateService, CreateTaskSet, UpdateService};
use crate::engine::cx::Cx;
use crate::record::{Declaration, EventDetail};
use crate::service::{
    Deployment, DeploymentConfiguration, DeploymentController, DeploymentStatus, RolloutState,
    SchedulingStrategy, Service, ServiceRecord, ServiceStatus, StabilityStatus, TaskSetState,
};
use ecsim_kernel::SimDuration;
use ecsim_model::{
    ClusterId, DeploymentId, DesiredStatus, ServiceId, StopCode, StoppedReason, TaskDefId,
};
use std::collections::VecDeque;
use std::sync::Arc;

impl Services {
    /// Applies service action `index`.
    pub fn action(&mut self, op: &mut Ops<'_, '_>, index: usize, action: &Action) {
        match action {
            Action::CreateService(c) => self.create_service(op, index, c),
            Action::UpdateService(u) => self.update_service(op, index, u),
            Action::DeleteService {
                cluster,
                service,
                force,
            } => self.delete_service(op, index, cluster, service, *force),
            Action::UpdateTaskProtection {
                cluster,
                tasks,
                protection_enabled,
                expires_in_minutes,
            } => self.update_task_protection(
                op.cx,
                index,
                cluster,
                tasks,
                *protection_enabled,
                *expires_in_minutes,
            ),
            Action::CreateTaskSet(t) => self.create_task_set(op.cx, op.capacity, index, t),
            Action::UpdateTaskSet {
                cluster,
                service,
                task_set,
                scale_percent,
            } => {
                if let Some((s, d)) = self.task_set(op.cx, index, cluster, service, *task_set) {
                    let now = op.cx.now;
                    let dep = &mut self.deployments[d.index()];
                    if let Some(ts) = dep.task_set.as_mut() {
                        ts.scale_percent = *scale_percent;
                    }
                    dep.updated_at = now;
                    self.mark_service(op.cx, s);
                }
            }
            Action::DeleteTaskSet {
                cluster,
                service,
                task_set,
                force,
            } => self.delete_task_set(op.cx, index, cluster, service, *task_set, *force),
            Action::UpdateServicePrimaryTaskSet {
                cluster,
                service,
                primary_task_set,
            } => {
                if let Some((s, d)) =
                    self.task_set(op.cx, index, cluster, service, *primary_task_set)
                {
                    self.set_primary_task_set(op.cx, s, d);
                }
            }
            _ => unreachable!("not a service action"),
        }
    }

    /// The live (ACTIVE or DRAINING) service of that name or ARN in the cluster.
    fn live_service(&self, cluster: ClusterId, r: &str) -> Option<ServiceId> {
        self.latest_service(cluster, r, false)
    }

    /// The ACTIVE service `r` names, or the API's exception as an action error: a service being
    /// deleted (DRAINING) or deleted (INACTIVE) is `ServiceNotActiveException` ("The specified
    /// service isn't active. You can't update a service that's inactive. If you have previously
    /// deleted a service, you can re-create it with CreateService."), one never created
    /// `ServiceNotFoundException`.
    fn service_ref(
        &mut self,
        cx: &mut Cx,
        index: usize,
        cluster: &str,
        r: &str,
    ) -> Option<ServiceId> {
        let c = cx.cluster(index, cluster)?;
        match self.latest_service(c, r, true) {
            Some(s) if self.services[s.index()].status == ServiceStatus::Active => Some(s),
            Some(s) => {
                let status = self.services[s.index()].status;
                let state = if status == ServiceStatus::Draining {
                    "DRAINING (being deleted)"
                } else {
                    "INACTIVE (deleted)"
                };
                cx.action_error(
                    index,
                    "ServiceNotActiveException",
                    format!("Service {r} is {state}."),
                );
                None
            }
            None => {
                cx.action_error(
                    index,
                    "ServiceNotFoundException",
                    format!("Service {r} not found."),
                );
                None
            }
        }
    }

    fn create_service(&mut self, op: &mut Ops<'_, '_>, index: usize, c: &CreateService) {
        let Some(cluster) = op.cx.cluster(index, &c.cluster) else {
            return;
        };
        // RULE: a DAEMON service runs on its launch type (EC2 unless given); capacity provider
        // strategies, the cluster's default included, are for REPLICA services.
        let (launch_type, strategy) = if c.scheduling_strategy == SchedulingStrategy::Daemon {
            if c.capacity_provider_strategy.is_some() {
                op.cx.action_error(
                    index,
                    "InvalidParameterException",
                    "A capacity provider strategy is not supported for services using the DAEMON scheduling strategy.".to_string(),
                );
                return;
            }
            (c.launch_type.or(Some(ecsim_model::LaunchType::Ec2)), None)
        } else {
            (c.launch_type, c.capacity_provider_strategy.as_deref())
        };
        let Some(route) = op
            .capacity
            .route(op.cx, index, cluster, launch_type, strategy)
        else {
            return;
        };
        let cx = &mut *op.cx;
        if self.live_service(cluster, &c.service_name).is_some() {
            cx.action_error(
                index,
                "InvalidParameterException",
                "Creation of service was not idempotent.".to_string(),
            );
            return;
        }
        let Some(task_definition) =
            optional_task_definition(cx, index, c.task_definition.as_deref())
        else {
            return;
        };
        if let Some(def) = task_definition {
            if !op
                .capacity
                .check_fargate(cx, index, def, &route, &c.subnets)
            {
                return;
            }
        }
        let (launch_type, capacity_provider_strategy) = route.split();
        let id = ServiceId(self.services.len() as u32);
        let cluster_name = cx.world.cluster(cluster).name.clone();
        let group = cx
            .world
            .intern_group(&format!("service:{}", c.service_name));
        let configuration = DeploymentConfiguration::default_for(c.scheduling_strategy)
            .with(&c.deployment_configuration);
        let arn = format!(
            "arn:aws:ecs:{}:{}:service/{}/{}",
            cx.scenario.region, cx.scenario.account_id, cluster_name, c.service_name
        );
        cx.rec.declare(
            &cx.world,
            Declaration::Service {
                id,
                cluster,
                name: Arc::from(c.service_name.as_str()),
                arn: Arc::from(arn.as_str()),
            },
        );
        self.services.push(Service {
            id,
            name: c.service_name.clone(),
            arn,
            cluster,
            status: ServiceStatus::Active,
            desired_count: c.desired_count,
            scheduling_strategy: c.scheduling_strategy,
            controller: c.controller,
            launch_type,
            capacity_provider_strategy,
            subnets: c.subnets.clone(),
            configuration,
            placement_constraints: c.placement_constraints.clone(),
            placement_strategy: c.placement_strategy.clone(),
            health_check_grace_period_s: c.health_check_grace_period_s,
            group,
            simulation: c.simulation.clone(),
            created_at: cx.now,
            deployments: Vec::new(),
            events: VecDeque::new(),
        });
        // The assertions that name this service watch its history from now on.
        let end = cx.horizon;
        let watches = cx
            .scenario
            .assertions
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.service().is_some_and(|(cl, name)| {
                    name == c.service_name && cx.world.cluster_by_ref(cl) == Some(cluster)
                })
            })
            .filter_map(|(k, a)| a.watch(k, end))
            .collect();
        self.rt.push(ServiceRuntime {
            watches,
            record: ServiceRecord {
                healthy: self.keep_history.then(Vec::new),
                ..ServiceRecord::default()
            },
            ..ServiceRuntime::default()
        });
        self.record_healthy(cx, id);
        if let Some(def) = task_definition {
            self.new_deployment(cx, id, def);
        }
        self.mark_service(cx, id);
    }

    /// A new PRIMARY deployment of `def`; the previous primary becomes ACTIVE.
    fn new_deployment(&mut self, cx: &mut Cx, s: ServiceId, def: TaskDefId) -> DeploymentId {
        let id = DeploymentId(self.deployments.len() as u32);
        if let Some(old) = self.rt[s.index()].primary {
            let d = &mut self.deployments[old.index()];
            d.status = DeploymentStatus::Active;
            d.updated_at = cx.now;
            // Reference §4.6: a new task definition returns the service to a non-throttled state.
            if d.task_definition != def {
                self.rt[s.index()].consecutive_failures = 0;
            }
        }
        let reason: Arc<str> = Arc::from(format!("ECS deployment {} in progress.", id.ecs_id()));
        self.deployments.push(Deployment {
            id,
            service: s,
            status: DeploymentStatus::Primary,
            task_definition: def,
            launch_type: self.services[s.index()].launch_type,
            capacity_provider_strategy: self.services[s.index()].capacity_provider_strategy.clone(),
            subnets: self.services[s.index()].subnets.clone(),
            rollout_state: RolloutState::InProgress,
            rollout_state_reason: Arc::clone(&reason),
            failed_tasks: 0,
            created_at: cx.now,
            updated_at: cx.now,
            completed_at: None,
            task_set: None,
        });
        self.services[s.index()].deployments.push(id);
        self.rt[s.index()].primary = Some(id);
        cx.rec.emit(
            cx.now,
            &cx.world,
            EventDetail::DeploymentStateChange {
                service: s,
                deployment: id,
                event_name: "SERVICE_DEPLOYMENT_IN_PROGRESS",
                rollout_state: RolloutState::InProgress,
                reason,
            },
        );
        self.set_steady(cx, s, false);
        id
    }

    fn update_service(&mut self, op: &mut Ops<'_, '_>, index: usize, u: &UpdateService) {
        let Some(s) = self.service_ref(op.cx, index, &u.cluster, &u.service) else {
            return;
        };
        let Some(def) = optional_task_definition(op.cx, index, u.task_definition.as_deref()) else {
            return;
        };
        let svc = &mut self.services[s.index()];
        if let Some(n) = u.desired_count {
            svc.desired_count = n;
        }
        if let Some(cfg) = &u.deployment_configuration {
            svc.configuration = svc.configuration.with(cfg);
        }
        if let Some(g) = u.health_check_grace_period_s {
            svc.health_check_grace_period_s = g;
            // Tasks not yet RUNNING arm their health with the new grace period.
            for &t in self.rt[s.index()].tasks.keys() {
                op.tasks.set_grace_period(t, g);
            }
        }
        if let Some(strategy) = &u.capacity_provider_strategy {
            let cluster = self.services[s.index()].cluster;
            let route = op
                .capacity
                .route(op.cx, index, cluster, None, Some(strategy));
            let Some(route) = route else {
                return;
            };
            if let Some(d) = def.or(self.rt[s.index()]
                .primary
                .map(|d| self.deployments[d.index()].task_definition))
            {
                let subnets = u
                    .subnets
                    .clone()
                    .unwrap_or_else(|| self.services[s.index()].subnets.clone());
                if !op.capacity.check_fargate(op.cx, index, d, &route, &subnets) {
                    return;
                }
            }
            let (launch_type, items) = route.split();
            let svc = &mut self.services[s.index()];
            svc.launch_type = launch_type;
            svc.capacity_provider_strategy = items;
        }
        if let Some(subnets) = &u.subnets {
            self.services[s.index()].subnets = subnets.clone();
        }
        let svc = &mut self.services[s.index()];
        let mut redeploy = u.force_new_deployment
            || u.network_configuration
            || u.capacity_provider_strategy.is_some();
        if let Some(any) = u.load_balancers {
            // API LoadBalancer: adding, updating or removing load balancers starts a deployment.
            let sim = svc.simulation.get_or_insert_with(Default::default);
            sim.load_balancer = match any {
                true => Some(sim.load_balancer.unwrap_or_default()),
                false => None,
            };
            redeploy = true;
        }
        let mut placement_changed = false;
        if let Some(pc) = &u.placement_constraints {
            svc.placement_constraints = pc.clone();
            redeploy = true;
            placement_changed = true;
        }
        if let Some(ps) = &u.placement_strategy {
            svc.placement_strategy = ps.clone();
            redeploy = true;
            placement_changed = true;
        }
        let controller = svc.controller;
        if placement_changed {
            self.forget_specs(s);
        }
        let primary = self.rt[s.index()].primary;
        let current = primary.map(|d| self.deployments[d.index()].task_definition);
        if let Some(d) = def {
            redeploy |= current != Some(d);
        }
        if redeploy && controller == DeploymentController::Ecs {
            if let Some(d) = def.or(current) {
                self.new_deployment(op.cx, s, d);
            }
        }
        self.mark_service(op.cx, s);
    }

    fn delete_service(
        &mut self,
        op: &mut Ops<'_, '_>,
        index: usize,
        cluster: &str,
        r: &str,
        force: bool,
    ) {
        let Some(s) = self.service_ref(op.cx, index, cluster, r) else {
            return;
        };
        let svc = &self.services[s.index()];
        if svc.scheduling_strategy == SchedulingStrategy::Replica && svc.desired_count > 0 && !force
        {
            // API DeleteService: "you must update the service to a desired task count of zero"
            // unless `force`.
            op.cx.action_error(
                index,
                "InvalidParameterException",
                "The service cannot be stopped while it is scaled above 0.".to_string(),
            );
            return;
        }
        // Reference §4.9: ACTIVE → DRAINING; INACTIVE once every task is stopping or stopped.
        let svc = &mut self.services[s.index()];
        svc.status = ServiceStatus::Draining;
        svc.desired_count = 0;
        let live: Vec<_> = self.rt[s.index()]
            .tasks
            .keys()
            .copied()
            .filter(|&t| op.cx.world.task(t).desired_status == DesiredStatus::Running)
            .collect();
        for t in live {
            op.tasks.begin_stop(
                op.cx,
                t,
                StopCode::ServiceSchedulerInitiated,
                StoppedReason::ServiceDeleted,
            );
            self.absorb(op);
        }
        self.mark_service(op.cx, s);
    }

    fn update_task_protection(
        &mut self,
        cx: &mut Cx,
        index: usize,
        cluster: &str,
        refs: &[String],
        enabled: bool,
        minutes: u32,
    ) {
        let Some(c) = cx.cluster(index, cluster) else {
            return;
        };
        for r in refs {
            let Some(t) = crate::engine::queries::visible_task(cx, c, r) else {
                cx.action_error(index, "MISSING", format!("Task {r} was not found."));
                continue;
            };
            let Some((s, _)) = cx.world.task_spec(t).service else {
                // Reference §3.1: task protection applies to service tasks.
                cx.action_error(
                    index,
                    "TASK_NOT_VALID",
                    format!("Task {r} is not part of a service."),
                );
                continue;
            };
            if cx.world.task(t).desired_status == DesiredStatus::Stopped {
                cx.action_error(index, "TASK_NOT_VALID", format!("Task {r} is stopping."));
                continue;
            }
            let until = enabled.then(|| cx.now + SimDuration::from_seconds(minutes as u64 * 60));
            let rt = &mut self.rt[s.index()];
            if rt.tasks.contains_key(&t) {
                match until {
                    Some(u) => rt.protected.insert(t, u),
                    None => rt.protected.remove(&t),
                };
            }
            if let Some(u) = until {
                // The scheduler looks again when the protection expires.
                self.schedule_retry(cx, s, u);
            }
            self.mark_service(cx, s);
        }
    }

    /// The live task set that CreateTaskSet action `handle` created, or TaskSetNotFoundException.
    fn task_set(
        &mut self,
        cx: &mut Cx,
        index: usize,
        cluster: &str,
        service: &str,
        handle: usize,
    ) -> Option<(ServiceId, DeploymentId)> {
        let s = self.service_ref(cx, index, cluster, service)?;
        let found = self.task_sets.get(&handle).copied().filter(|d| {
            let dep = &self.deployments[d.index()];
            dep.service == s && dep.task_set.as_ref().is_some_and(|t| !t.deleted)
        });
        if found.is_none() {
            cx.action_error(
                index,
                "TaskSetNotFoundException",
                format!(
                    "The specified task set (the one actions[{handle}] creates) does not exist."
                ),
            );
        }
        found.map(|d| (s, d))
    }

    fn create_task_set(
        &mut self,
        cx: &mut Cx,
        capacity: &crate::engine::capacity::Capacity,
        index: usize,
        t: &CreateTaskSet,
    ) {
        let Some(s) = self.service_ref(cx, index, &t.cluster, &t.service) else {
            return;
        };
        if self.services[s.index()].controller != DeploymentController::External {
            cx.action_error(
                index,
                "InvalidParameterException",
                "Task sets can only be created for services using the EXTERNAL deployment controller."
                    .to_string(),
            );
            return;
        }
        let Some(def) = cx.task_definition(index, &t.task_definition) else {
            return;
        };
        let cluster = self.services[s.index()].cluster;
        let Some(route) = capacity.route(
            cx,
            index,
            cluster,
            t.launch_type,
            t.capacity_provider_strategy.as_deref(),
        ) else {
            return;
        };
        if !capacity.check_fargate(cx, index, def, &route, &t.subnets) {
            return;
        }
        let (launch_type, capacity_provider_strategy) = route.split();
        let id = DeploymentId(self.deployments.len() as u32);
        let first = self.rt[s.index()].primary.is_none();
        self.deployments.push(Deployment {
            id,
            service: s,
            // RULE: the first task set of a service is its primary until another is chosen.
            status: if first {
                DeploymentStatus::Primary
            } else {
                DeploymentStatus::Active
            },
            task_definition: def,
            launch_type,
            capacity_provider_strategy,
            subnets: t.subnets.clone(),
            rollout_state: RolloutState::InProgress,
            rollout_state_reason: Arc::from(""),
            failed_tasks: 0,
            created_at: cx.now,
            updated_at: cx.now,
            completed_at: None,
            task_set: Some(TaskSetState {
                scale_percent: t.scale_percent,
                external_id: t.external_id.clone(),
                stability_status: StabilityStatus::Stabilizing,
                stability_status_at: cx.now,
                deleted: false,
            }),
        });
        self.services[s.index()].deployments.push(id);
        self.task_sets.insert(index, id);
        if first {
            self.rt[s.index()].primary = Some(id);
        }
        self.mark_service(cx, s);
    }

    fn delete_task_set(
        &mut self,
        cx: &mut Cx,
        index: usize,
        cluster: &str,
        service: &str,
        handle: usize,
        force: bool,
    ) {
        let Some((s, d)) = self.task_set(cx, index, cluster, service, handle) else {
            return;
        };
        let computed = self.task_set_desired(s, d);
        if computed > 0 && !force {
            // API DeleteTaskSet: `force` deletes a task set "even if it hasn't been scaled down to zero".
            cx.action_error(
                index,
                "InvalidParameterException",
                format!("The task set {} cannot be deleted while it is scaled above 0; scale it to 0 or use force.", d.ecs_id()),
            );
            return;
        }
        let now = cx.now;
        let dep = &mut self.deployments[d.index()];
        if let Some(ts) = dep.task_set.as_mut() {
            ts.deleted = true;
        }
        dep.updated_at = now;
        if self.rt[s.index()].primary == Some(d) {
            self.rt[s.index()].primary = None;
        }
        self.mark_service(cx, s);
    }

    fn set_primary_task_set(&mut self, cx: &mut Cx, s: ServiceId, d: DeploymentId) {
        let now = cx.now;
        if let Some(old) = self.rt[s.index()].primary {
            if old != d {
                self.deployments[old.index()].status = DeploymentStatus::Active;
                self.deployments[old.index()].updated_at = now;
            }
        }
        self.deployments[d.index()].status = DeploymentStatus::Primary;
        self.deployments[d.index()].updated_at = now;
        self.rt[s.index()].primary = Some(d);
        self.mark_service(cx, s);
    }

    /// API TaskSet.computedDesiredCount (0 once deleted).
    pub(super) fn task_set_desired(&self, s: ServiceId, d: DeploymentId) -> u32 {
        match &self.deployments[d.index()].task_set {
            Some(ts) if !ts.deleted => ts.computed_desired(self.services[s.index()].desired_count),
            _ => 0,
        }
    }
}

/// An optional task definition reference resolved: `Some(None)` when absent, `None` when it does
/// not resolve (the action error is recorded).
fn optional_task_definition(
    cx: &mut Cx,
    index: usize,
    r: Option<&str>,
) -> Option<Option<TaskDefId>> {
    match r {
        Some(r) => cx.task_definition(index, r).map(Some),
        None => Some(None),
    }
}
