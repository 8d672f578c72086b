//! Scenario actions carried out: `apply` takes each action of the scenario (or an injected
//! fault's explicit action, numbered after them) to the subsystem it belongs to, and sequences here
//! those that span subsystems: RunTask and StartTask (a spec resolved, tasks placed one by one),
//! StopTask, and an instance leaving with its tasks (`remove_instance`, the one way out for
//! deregistration and termination). After every event the loop also has capacity's commands
//! (launches, drains, terminations) carried out here (`carry_out`).

use super::capacity::{self, Capacity, Command, Route};
use super::cx::Ops;
use super::fleet::Fleet;
use super::placing::{Placing, SpecRequest};
use super::{faults, queries, Engine};
use crate::action::{Action, InstanceSelector, LaunchContainerInstances, RunTask, StartTask};
use ecsim_model::{
    ClusterStatus, GroupId, InstanceId, InstanceStatus, LaunchType, StartedBy, StopCode,
    StoppedReason, TaskDefId, TaskDefStatus, TaskId,
};
use ecsim_placement::PlacementStrategy;
use std::sync::Arc;

impl Engine<'_> {
    pub(super) fn apply_action(&mut self, index: usize) {
        let scenario = Arc::clone(&self.cx.scenario);
        self.apply(index, &scenario.actions[index].action);
    }

    /// Carries out an action a fault stands for, under the next action index after the
    /// scenario's (as if appended to its actions), and lists it for `summary.json`.
    pub(super) fn apply_injected(&mut self, a: faults::FaultAction, fault: u32) {
        let index = self.cx.scenario.actions.len() + self.cx.injected.len();
        self.cx.injected.push(crate::fault::InjectedAction {
            at: self.cx.now,
            name: a.name,
            input_json: a.input_json,
            simulation_json: a.simulation_json,
            fault,
        });
        self.apply(index, &a.action);
    }

    /// Carries out action `index` (the scenario's, or an injected fault's after them).
    fn apply(&mut self, index: usize, action: &Action) {
        let cx = &mut self.cx;
        match action {
            Action::CreateCluster(c) => {
                let id = cx.world.create_cluster(&c.cluster_name);
                self.capacity.cluster_created(cx, index, id, c);
            }
            Action::PutClusterCapacityProviders {
                cluster,
                capacity_providers,
                default_strategy,
            } => {
                let Some(c) = cx.cluster(index, cluster) else {
                    return;
                };
                let in_use = self.services.providers_in_use(Some(c));
                self.capacity.put_cluster_capacity_providers(
                    cx,
                    index,
                    c,
                    capacity_providers,
                    default_strategy,
                    &in_use,
                );
            }
            Action::CreateCapacityProvider(c) => self.capacity.create_provider(cx, index, c),
            Action::UpdateCapacityProvider(u) => self.capacity.update_provider(cx, index, u),
            Action::DeleteCapacityProvider { capacity_provider } => {
                let in_use = self.services.providers_in_use(None);
                self.capacity
                    .delete_provider(cx, index, capacity_provider, &in_use);
            }
            Action::StartInstanceRefresh(r) => self.capacity.start_refresh(cx, index, r),
            Action::InterruptSpot {
                capacity_provider,
                cluster,
                amount,
            } => {
                let c = match cluster {
                    Some(name) => match cx.cluster(index, name) {
                        Some(c) => Some(c),
                        None => return,
                    },
                    None => None,
                };
                let mut ops = ops!(self);
                Capacity::interrupt_spot(&mut ops, index, capacity_provider, c, *amount);
                self.deliver();
            }
            Action::FailAvailabilityZone { availability_zone } => {
                let aborted = self.fleet.abort_zone(&mut self.cx, availability_zone);
                let mut ops = ops!(self);
                Capacity::fail_zone(&mut ops, availability_zone, &aborted);
                self.deliver();
            }
            Action::RestoreAvailabilityZone { availability_zone } => {
                let mut ops = ops!(self);
                Capacity::restore_zone(&mut ops, availability_zone);
            }
            Action::DeleteCluster { cluster } => self.delete_cluster(index, cluster),
            Action::NoEffect => {}
            Action::RegisterContainerInstance(r) => {
                if let Some(i) = self.fleet.register_container_instance(cx, index, r) {
                    self.capacity.registered(cx, i);
                }
            }
            Action::LaunchContainerInstances(l) => self.launch_container_instances(index, l),
            Action::DeregisterContainerInstance {
                cluster,
                container_instance,
                force,
            } => self.deregister_container_instance(index, cluster, container_instance, *force),
            Action::UpdateContainerInstancesState {
                cluster,
                container_instances,
                status,
            } => Fleet::update_state(cx, index, cluster, container_instances, *status),
            Action::PutAttributes {
                cluster,
                attributes,
            } => Fleet::put_attributes(cx, index, cluster, attributes, false),
            Action::DeleteAttributes {
                cluster,
                attributes,
            } => Fleet::put_attributes(cx, index, cluster, attributes, true),
            Action::RegisterTaskDefinition(def) => {
                let mut def = (**def).clone();
                def.registered_at = cx.now;
                def.status = TaskDefStatus::Active;
                cx.world.register_task_definition(def);
            }
            Action::DeregisterTaskDefinition { task_definition } => {
                match cx.world.task_definition_by_ref(task_definition) {
                    Some(id) => cx
                        .world
                        .set_task_definition_status(id, TaskDefStatus::Inactive),
                    None => cx.action_error(
                        index,
                        "ClientException",
                        format!("Unable to describe task definition {task_definition}."),
                    ),
                }
            }
            Action::RunTask(r) => self.run_task(index, r),
            Action::StartTask(s) => self.start_task(index, s),
            Action::StopTask {
                cluster,
                task,
                reason,
                crash,
            } => self.stop_task(index, cluster, task, reason.as_ref(), *crash),
            Action::TerminateContainerInstances {
                cluster,
                selector,
                count,
            } => self.terminate_container_instances(index, cluster, selector, *count),
            Action::DrainContainerInstances { cluster, selector } => {
                Fleet::drain_selected(cx, index, cluster, selector)
            }
            Action::DisconnectAgent { cluster, selector } => {
                Fleet::set_agent(cx, index, cluster, selector, false)
            }
            Action::ReconnectAgent { cluster, selector } => {
                Fleet::set_agent(cx, index, cluster, selector, true)
            }
            Action::ListContainerInstances { .. }
            | Action::DescribeContainerInstances { .. }
            | Action::DescribeTasks { .. }
            | Action::ListAttributes { .. }
            | Action::DescribeServices { .. }
            | Action::DescribeCapacityProviders { .. }
            | Action::DescribeInstanceImageMetadata { .. }
            | Action::Snapshot { .. } => queries::query(
                cx,
                &self.fleet,
                &self.services,
                &self.capacity,
                index,
                action,
            ),
            Action::CreateService(_)
            | Action::UpdateService(_)
            | Action::DeleteService { .. }
            | Action::UpdateTaskProtection { .. }
            | Action::CreateTaskSet(_)
            | Action::UpdateTaskSet { .. }
            | Action::DeleteTaskSet { .. }
            | Action::UpdateServicePrimaryTaskSet { .. } => {
                let mut ops = ops!(self);
                self.services.action(&mut ops, index, action);
            }
        }
    }

    /// LaunchContainerInstances: the instances boot (billed from now); into a provider, they join
    /// its group (RULE: as EC2 Auto Scaling's attach-instances, raising its desired capacity, up
    /// to its maxSize).
    fn launch_container_instances(&mut self, index: usize, l: &LaunchContainerInstances) {
        let Some(c) = self.cx.cluster(index, &l.cluster) else {
            return;
        };
        let provider = match &l.capacity_provider {
            Some(name) => {
                let Some(p) = self.capacity.provider_ix(name) else {
                    self.cx.action_error(
                        index,
                        "ClientException",
                        format!("The specified capacity provider {name} does not exist."),
                    );
                    return;
                };
                if let Err(max) = capacity::attach(&mut self.capacity, p, l.count) {
                    self.cx.action_error(
                        index,
                        "ValidationError",
                        format!("Attaching {} instances to the Auto Scaling group of {name} would exceed its maxSize of {max}.", l.count),
                    );
                    return;
                }
                Some(p)
            }
            None => None,
        };
        for (slot, _, zone) in self.fleet.launch(&mut self.cx, index, l) {
            self.capacity
                .launched(&self.cx, slot, provider, c, &l.instance_type, &zone);
        }
    }

    fn delete_cluster(&mut self, index: usize, name: &str) {
        let Some(c) = self.cx.cluster(index, name) else {
            return;
        };
        if Fleet::has_registered_instances(&self.cx, c) {
            // API: DeleteCluster — "You must deregister all container instances from this cluster
            // before you may delete it."
            self.cx.action_error(
                index,
                "ClusterContainsContainerInstancesException",
                "The cluster contains one or more registered container instances; deregister them before deleting the cluster.".to_string(),
            );
            return;
        }
        if self.services.cluster_has_services(c) {
            // API: DeleteCluster — ClusterContainsServicesException.
            self.cx.action_error(
                index,
                "ClusterContainsServicesException",
                "The cluster contains one or more active services; delete them before deleting the cluster.".to_string(),
            );
            return;
        }
        self.cx.world.clusters[c.index()].status = ClusterStatus::Inactive;
        self.capacity.cluster_deleted(c);
    }

    fn run_task(&mut self, index: usize, r: &RunTask) {
        let Some(c) = self.cx.cluster(index, &r.cluster) else {
            return;
        };
        let Some(def) = self.cx.task_definition(index, &r.task_definition) else {
            return;
        };
        let Some(route) = self.capacity.route(
            &mut self.cx,
            index,
            c,
            r.launch_type,
            r.capacity_provider_strategy.as_deref(),
        ) else {
            return;
        };
        if !self
            .capacity
            .check_fargate(&mut self.cx, index, def, &route, &r.subnets)
        {
            return;
        }
        if matches!(route, Route::LaunchType(lt) if lt != LaunchType::Fargate)
            && !Fleet::has_registered_instances(&self.cx, c)
        {
            // RunTask on a cluster with no registered instances is an API error, not a failure
            // entry (with a capacity provider strategy the tasks wait or fail per provider).
            self.cx.action_error(
                index,
                "InvalidParameterException",
                "No Container Instances were found in your cluster.".to_string(),
            );
            return;
        }
        let strategies = if r.placement_strategy.is_empty() {
            PlacementStrategy::run_task_default()
        } else {
            r.placement_strategy.clone()
        };
        let group = self.group(def, r.group.as_deref());
        let (launch_type, items) = route.split();
        // One spec per strategy item (one in all without a strategy), resolved at first use.
        let mut specs: Vec<Option<ecsim_model::SpecId>> = vec![None; items.len().max(1)];
        let mut counts = vec![0u32; items.len()];
        for k in 0..r.count {
            let item = if items.is_empty() {
                0
            } else {
                match capacity::split::choose(&items, &counts) {
                    Some(i) => i,
                    None => break,
                }
            };
            let spec = match specs[item] {
                Some(spec) => spec,
                None => {
                    let provider = items
                        .get(item)
                        .map(|i| Arc::<str>::from(i.capacity_provider.as_str()));
                    let lt = match &provider {
                        Some(p) => self.capacity.provider_launch_type(p),
                        None => launch_type,
                    };
                    let spec = self.placing.resolve(
                        &mut self.cx,
                        SpecRequest {
                            cluster: c,
                            task_definition: def,
                            group,
                            started_by: r.started_by.clone().map(StartedBy::Text),
                            launch_type: lt,
                            capacity_provider: provider,
                            overrides: &r.overrides,
                            constraints: &r.placement_constraints,
                            strategies: strategies.clone(),
                            simulation: r.simulation.as_ref(),
                            service: None,
                            daemon: false,
                        },
                    );
                    if lt == LaunchType::Fargate {
                        self.capacity.fargate_spec(&mut self.cx, spec, &r.subnets);
                    }
                    specs[item] = Some(spec);
                    spec
                }
            };
            let placed = {
                let mut ops = ops!(self);
                Capacity::place_task(&mut ops, spec, 0)
            };
            match placed {
                Ok(_) => {
                    if let Some(n) = counts.get_mut(item) {
                        *n += 1;
                    }
                    self.deliver();
                }
                Err(u) => {
                    // RULE: a task of the call found no instance and nothing has changed since, so
                    // the rest of the call fails the same way (the split gives them the same
                    // provider); it is recorded without running the pipeline again.
                    for _ in k..r.count {
                        Placing::record_failure(&mut self.cx, spec, u.closest, None, u.reason);
                    }
                    break;
                }
            }
        }
    }

    /// The task group of a call: the request's, or `family:FAMILY` (API: RunTask.group).
    fn group(&mut self, def: TaskDefId, group: Option<&str>) -> GroupId {
        match group {
            Some(g) => self.cx.world.intern_group(g),
            None => {
                let name = self.cx.world.task_definition(def).default_group();
                self.cx.world.intern_group(&name)
            }
        }
    }

    fn start_task(&mut self, index: usize, s: &StartTask) {
        let Some(c) = self.cx.cluster(index, &s.cluster) else {
            return;
        };
        let Some(def) = self.cx.task_definition(index, &s.task_definition) else {
            return;
        };
        let group = self.group(def, s.group.as_deref());
        let spec = self.placing.resolve(
            &mut self.cx,
            SpecRequest {
                cluster: c,
                task_definition: def,
                group,
                started_by: s.started_by.clone().map(StartedBy::Text),
                launch_type: LaunchType::Ec2,
                capacity_provider: None,
                overrides: &s.overrides,
                constraints: &[],
                strategies: Vec::new(),
                simulation: s.simulation.as_ref(),
                service: None,
                daemon: false,
            },
        );
        for r in &s.container_instances {
            let target = self.cx.world.instance_by_ref(c, r);
            let status = target.map(|i| self.cx.world.instance(i).status);
            let failure = match (target, status) {
                // DG api_failures_messages: StartTask — MISSING (not found), INACTIVE
                // (deregistered).
                (None, _) => Some((None, Some(Arc::from(r.as_str())), "MISSING")),
                (Some(i), Some(InstanceStatus::Inactive)) => Some((Some(i), None, "INACTIVE")),
                // RULE: a DRAINING instance takes no new tasks, StartTask's included.
                (Some(i), Some(InstanceStatus::Draining)) => Some((Some(i), None, "DRAINING")),
                (Some(i), _) => {
                    match self
                        .placing
                        .place_one(&mut self.cx, &mut self.tasks, spec, Some(i), 0)
                    {
                        Ok(_) => {
                            self.deliver();
                            None
                        }
                        Err(u) => Some((u.closest, None, u.reason)),
                    }
                }
            };
            if let Some((instance, requested, reason)) = failure {
                Placing::record_failure(&mut self.cx, spec, instance, requested, reason);
            }
        }
    }

    fn stop_task(
        &mut self,
        index: usize,
        cluster: &str,
        r: &str,
        reason: Option<&Arc<String>>,
        crash: bool,
    ) {
        let Some(c) = self.cx.cluster(index, cluster) else {
            return;
        };
        match queries::visible_task(&self.cx, c, r) {
            // RULE: StopTask with simulation.stopCode EssentialContainerExited stops the task as a
            // crash of its essential container does (a taskCrash fault's explicit action).
            Some(t) if crash => {
                self.tasks.crash(&mut self.cx, t);
                self.deliver();
            }
            Some(t) => {
                let reason = match reason {
                    Some(text) => StoppedReason::User(Arc::clone(text)),
                    None => StoppedReason::StoppedByUser,
                };
                self.tasks
                    .begin_stop(&mut self.cx, t, StopCode::UserInitiated, reason);
                self.deliver();
            }
            None => self.cx.action_error(
                index,
                "InvalidParameterException",
                "The referenced task was not found.".to_string(),
            ),
        }
    }

    fn deregister_container_instance(&mut self, index: usize, cluster: &str, r: &str, force: bool) {
        let Some(c) = self.cx.cluster(index, cluster) else {
            return;
        };
        let Some(&id) = Fleet::resolve(&mut self.cx, index, c, &[r.to_string()]).first() else {
            return;
        };
        let inst = self.cx.world.instance(id);
        if inst.status == InstanceStatus::Inactive {
            self.cx.action_error(
                index,
                "InvalidParameterException",
                format!("Container instance {r} is already deregistered (INACTIVE)."),
            );
            return;
        }
        let n = inst.tasks.len();
        if n > 0 && !force {
            // DG: deregistering with running tasks needs `force`.
            self.cx.action_error(
                index,
                "InvalidParameterException",
                format!(
                    "Container instance {r} has {n} tasks; deregister with force: ecsim then stops them (TerminationNotice)."
                ),
            );
            return;
        }
        self.remove_instance(id, false);
    }

    fn terminate_container_instances(
        &mut self,
        index: usize,
        cluster: &str,
        selector: &InstanceSelector,
        count: Option<u32>,
    ) {
        let Some(c) = self.cx.cluster(index, cluster) else {
            return;
        };
        let mut ids: Vec<InstanceId> = Fleet::select(&mut self.cx, index, c, selector)
            .into_iter()
            .filter(|&i| self.cx.world.instance(i).status != InstanceStatus::Inactive)
            .collect();
        if let Some(n) = count {
            ids.truncate(n as usize);
        }
        for id in ids {
            self.remove_instance(id, true);
        }
    }

    /// An instance leaves its cluster: its tasks stop at once (stopCode TerminationNotice), each
    /// change delivered before the next, then the instance is INACTIVE. The one way out, for a
    /// deregistration (`terminated` false) and for an EC2 termination.
    fn remove_instance(&mut self, id: InstanceId, terminated: bool) {
        let tasks: Vec<TaskId> = self.cx.world.instance(id).tasks.iter().copied().collect();
        for t in tasks {
            let reason = if terminated {
                StoppedReason::HostTerminated(id)
            } else {
                StoppedReason::InstanceDeregistered
            };
            self.tasks
                .stop_now(&mut self.cx, t, StopCode::TerminationNotice, reason);
            self.deliver();
        }
        Fleet::left(&mut self.cx, id, terminated);
    }

    /// Carries out what capacity asked for (launches, drains, terminations) and starts the
    /// waiting tasks that may now start, delivering each change before the next, until nothing
    /// is left.
    pub(super) fn carry_out(&mut self) {
        loop {
            let started = {
                let mut ops = ops!(self);
                Capacity::work(&mut ops)
            };
            if started {
                self.deliver();
            }
            let Some(cmd) = self.capacity.commands.pop_front() else {
                if !self.capacity.waiting.has_dirty() {
                    return;
                }
                continue;
            };
            match cmd {
                Command::Launch { provider, zone } => self.launch_for_group(provider, &zone),
                Command::Terminate { instance } => {
                    if self.cx.world.instance(instance).status != InstanceStatus::Inactive {
                        self.remove_instance(instance, true);
                    }
                }
                Command::Drain { instance, reason } => Fleet::drain(&mut self.cx, instance, reason),
            }
            self.deliver();
        }
    }

    /// One launch of a provider's group, in `zone`.
    fn launch_for_group(&mut self, p: capacity::ProviderIx, zone: &str) {
        let Some(g) = self.capacity.providers[p].group() else {
            return;
        };
        let (Some(plan), Some(cluster)) = (g.plan.clone(), g.cluster) else {
            return;
        };
        let Some(z) = plan.availability_zones.iter().position(|x| **x == *zone) else {
            return;
        };
        let delay = g
            .config
            .group
            .instance_launch
            .or(self.cx.scenario.timings.instance_launch)
            .unwrap_or(ecsim_kernel::SimDuration::from_seconds(90));
        let (slot, _) = self.fleet.launch_one(&mut self.cx, &plan, z, delay);
        let instance_type = plan.instance_type.clone();
        self.capacity
            .launched(&self.cx, slot, Some(p), cluster, &instance_type, zone);
    }
}
