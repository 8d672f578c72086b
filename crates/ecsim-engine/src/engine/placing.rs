//! Placing: a call's (or a deployment's) task spec resolved once — requirements, group,
//! constraints, timings — and `place_one`, which asks placement where one task of it goes and, if
//! somewhere, creates it there and starts its lifecycle. The engine decides what to start;
//! placement decides where (STYLE: what is separate from where).

use super::cx::Cx;
use super::tasks::Tasks;
use crate::record::EventDetail;
use ecsim_kernel::{RandomStreams, SimDuration, Stream};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{
    ClusterId, DeploymentId, GroupId, InstanceId, LaunchType, LoadBalancerTiming, NetworkMode,
    PlacementConstraint, ServiceId, SpecId, StartedBy, TaskDefId, TaskId, TaskSimulation, TaskSpec,
    Timings,
};
use ecsim_placement::{
    place_if_possible, place_with, prepare, Decision, PlacementRequest, PlacementStrategy, Scratch,
};
use std::sync::Arc;

/// What a call asks its tasks to be; resolved into a [`TaskSpec`] by [`Placing::resolve`].
pub(crate) struct SpecRequest<'a> {
    pub cluster: ClusterId,
    pub task_definition: TaskDefId,
    /// The task group (a call's default is `family:FAMILY`).
    pub group: GroupId,
    pub started_by: Option<StartedBy>,
    pub launch_type: LaunchType,
    /// The provider the tasks run on (SPEC §8): placed only among its instances.
    pub capacity_provider: Option<Arc<str>>,
    pub overrides: &'a TaskOverride,
    /// The request's (or service's) constraints; the task definition's are added.
    pub constraints: &'a [PlacementConstraint],
    pub strategies: Vec<PlacementStrategy>,
    /// The action's `simulation` block.
    pub simulation: Option<&'a TaskSimulation>,
    pub service: Option<(ServiceId, DeploymentId)>,
    /// A DAEMON service's tasks.
    pub daemon: bool,
}

/// Why a task was not placed: the closest instance and the reason (SPEC §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unplaced {
    pub closest: Option<InstanceId>,
    pub reason: &'static str,
}

pub(crate) struct Placing {
    rng: Stream,
    /// Each spec's placement strategies (placement's types, which the model's spec cannot hold).
    strategies: Vec<Vec<PlacementStrategy>>,
    /// Placement's working buffers, reused by every decision.
    scratch: Scratch,
}

impl Placing {
    pub fn new(streams: &RandomStreams) -> Placing {
        Placing {
            rng: streams.stream("placement"),
            strategies: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// Resolves a call's or a deployment's spec, once for all its tasks.
    pub fn resolve(&mut self, cx: &mut Cx, r: SpecRequest<'_>) -> SpecId {
        let def = cx.world.task_definition(r.task_definition);
        let requirements = def.requirements(r.overrides);
        let mut constraints = def.placement_constraints.clone();
        constraints.extend(r.constraints.iter().cloned());
        // Timings precedence (SPEC §3): the action's, the task definition's, the scenario's, then
        // §6 defaults.
        let simulation = r
            .simulation
            .cloned()
            .unwrap_or_default()
            .or(&def.simulation);
        let mut timings = simulation
            .timings
            .or(&cx.scenario.timings)
            .or(&default_timings(
                def.network_mode,
                r.launch_type,
                def.stop_timeout_s(),
                simulation.load_balancer.as_ref(),
            ));
        // SPEC §6: STOPPING is capped by stopTimeout, whoever set it (the agent kills the
        // containers then).
        let cap = SimDuration::from_seconds(def.stop_timeout_s() as u64);
        timings.stopping = timings.stopping.map(|d| d.min(cap));
        // The world's interned name, the one its instances carry: placement compares pointers.
        let capacity_provider = r.capacity_provider.map(|p| cx.world.intern(&p));
        let id = cx.world.add_spec(TaskSpec {
            cluster: r.cluster,
            task_definition: r.task_definition,
            group: r.group,
            started_by: r.started_by,
            launch_type: r.launch_type,
            capacity_provider,
            overrides: r.overrides.clone(),
            requirements,
            constraints,
            timings,
            simulation,
            service: r.service,
            daemon: r.daemon,
        });
        debug_assert_eq!(id.index(), self.strategies.len());
        self.strategies.push(r.strategies);
        id
    }

    /// Places one task of `spec` (on `only` when given): if an instance can take it, creates the
    /// task there, records the decision and starts its lifecycle. A failure is returned, not
    /// recorded (the caller decides: a service does not record a retry that fails the same way).
    pub fn place_one(
        &mut self,
        cx: &mut Cx,
        tasks: &mut Tasks,
        spec: SpecId,
        only: Option<InstanceId>,
        grace_period_s: u32,
    ) -> Result<TaskId, Unplaced> {
        let only_ids = only.map(|i| [i]);
        let result = {
            // The spec is shared (a count, not a copy), so the request can borrow it while the
            // index gets ready in the world.
            let s = Arc::clone(cx.world.spec_arc(spec));
            let req = PlacementRequest {
                cluster: s.cluster,
                requirements: &s.requirements,
                group: s.group,
                launch_type: s.launch_type,
                constraints: &s.constraints,
                strategies: &self.strategies[spec.index()],
                only: only_ids.as_ref().map(|a| &a[..]),
                capacity_provider: s.capacity_provider.as_deref(),
                explain: false,
            };
            prepare(&mut cx.world, &req);
            place_with(&cx.world, &req, &mut self.rng, &mut self.scratch)
        };
        match result {
            Ok(Decision {
                instance,
                finalists,
                ..
            }) => {
                let task = tasks.create(cx, spec, grace_period_s);
                cx.world.place_task(task, instance);
                cx.rec.emit(
                    cx.now,
                    &cx.world,
                    EventDetail::PlacementDecision {
                        task,
                        spec,
                        instance: Some(instance),
                        zone: None,
                        finalists,
                    },
                );
                tasks.start_lifecycle(cx, task);
                Ok(task)
            }
            Err(f) => Err(Unplaced {
                closest: f.closest,
                reason: f.reason,
            }),
        }
    }

    /// Places a task that already exists (one waiting in PROVISIONING) if an instance can take it
    /// now: reserves it there and records the decision; its lifecycle is the caller's. Otherwise
    /// why not (the scan names the closest instance).
    pub fn place_existing(
        &mut self,
        cx: &mut Cx,
        spec: SpecId,
        task: TaskId,
    ) -> Result<InstanceId, Unplaced> {
        self.place_existing_with(cx, spec, task, true)
    }

    /// [`Self::place_existing`] for a waiting task tried again: when no instance can take it, None
    /// without asking why (the index's answer, without the scan).
    pub fn place_waiting(&mut self, cx: &mut Cx, spec: SpecId, task: TaskId) -> Option<InstanceId> {
        self.place_existing_with(cx, spec, task, false).ok()
    }

    fn place_existing_with(
        &mut self,
        cx: &mut Cx,
        spec: SpecId,
        task: TaskId,
        why: bool,
    ) -> Result<InstanceId, Unplaced> {
        let s = Arc::clone(cx.world.spec_arc(spec));
        let req = PlacementRequest {
            cluster: s.cluster,
            requirements: &s.requirements,
            group: s.group,
            launch_type: s.launch_type,
            constraints: &s.constraints,
            strategies: &self.strategies[spec.index()],
            only: None,
            capacity_provider: s.capacity_provider.as_deref(),
            explain: false,
        };
        prepare(&mut cx.world, &req);
        let placed = if why {
            place_with(&cx.world, &req, &mut self.rng, &mut self.scratch).map_err(|f| Unplaced {
                closest: f.closest,
                reason: f.reason,
            })
        } else {
            place_if_possible(&cx.world, &req, &mut self.rng, &mut self.scratch).ok_or(Unplaced {
                closest: None,
                reason: "",
            })
        };
        let Decision {
            instance,
            finalists,
            ..
        } = placed?;
        cx.world.place_task(task, instance);
        cx.rec.emit(
            cx.now,
            &cx.world,
            EventDetail::PlacementDecision {
                task,
                spec,
                instance: Some(instance),
                zone: None,
                finalists,
            },
        );
        Ok(instance)
    }

    /// Records that a task of `spec` found no instance (`ECS Placement Failure`).
    pub fn record_failure(
        cx: &mut Cx,
        spec: SpecId,
        instance: Option<InstanceId>,
        requested: Option<Arc<str>>,
        reason: &'static str,
    ) {
        cx.rec.emit(
            cx.now,
            &cx.world,
            EventDetail::PlacementFailure {
                spec,
                instance,
                requested,
                reason,
            },
        );
    }
}

/// SPEC §6 default durations for a task of this network mode and launch type, behind a load
/// balancer or not: ACTIVATING 5 s while its target registers, DEACTIVATING for the target group's
/// deregistration delay.
fn default_timings(
    mode: NetworkMode,
    launch_type: LaunchType,
    stop_timeout_s: u32,
    load_balancer: Option<&LoadBalancerTiming>,
) -> Timings {
    let fargate = launch_type == LaunchType::Fargate;
    let awsvpc = mode == NetworkMode::Awsvpc || fargate;
    Timings {
        provisioning: Some(SimDuration::from_seconds(if awsvpc { 5 } else { 0 })),
        pending: Some(SimDuration::from_seconds(if fargate { 30 } else { 10 })),
        activating: Some(match load_balancer {
            Some(_) => SimDuration::from_seconds(5),
            None => SimDuration::ZERO,
        }),
        deactivating: Some(load_balancer.map_or(SimDuration::ZERO, |lb| lb.deregistration_delay)),
        // STOPPING 5 s, capped by stopTimeout (SPEC §6).
        stopping: Some(SimDuration::from_seconds(5.min(stop_timeout_s as u64))),
        deprovisioning: Some(SimDuration::from_seconds(if awsvpc { 5 } else { 0 })),
        instance_launch: Some(SimDuration::from_seconds(90)),
        healthy_after: Some(SimDuration::from_seconds(40)),
    }
}
