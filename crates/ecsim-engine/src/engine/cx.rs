//! The context every subsystem works in: the clock, the event queue, the ECS state, the recorder
//! and the notices subsystems leave for each other. It holds no subsystem's own state.

use super::recording::{Recorder, SinkRef};
use super::Ev;
use crate::output::Halt;
use crate::scenario::Scenario;
use ecsim_kernel::{EventKey, EventQueue, SimDuration, SimTime};
use ecsim_model::{ClusterId, ClusterStatus, InstanceId, TaskDefId, TaskDefStatus, TaskId, World};
use std::collections::VecDeque;
use std::sync::Arc;

/// Event phases within one millisecond, in the order they run (SPEC §11: events are ordered by
/// time, phase, then insertion). A sample comes last, so it shows the state after everything that
/// happened at its time; the scheduler's pass comes after the actions and lifecycle changes it
/// reacts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Phase {
    /// Task lifecycle transitions and health decisions.
    Task = 0,
    /// Launched instances registering.
    Launch = 1,
    /// Scenario actions, in file order for equal times.
    Action = 2,
    /// The service scheduler's pass, and service retries.
    Service = 3,
    /// Managed scaling's evaluation (SPEC §8: after the scheduler pass).
    Scaling = 4,
    /// Samples.
    Sample = 5,
}

impl Phase {
    /// The phase of a queue position.
    pub fn from_order(order: u8) -> Phase {
        match order {
            0 => Phase::Task,
            1 => Phase::Launch,
            2 => Phase::Action,
            3 => Phase::Service,
            4 => Phase::Scaling,
            _ => Phase::Sample,
        }
    }

    /// The phase's code in the fingerprint: the phases that existed before managed scaling keep
    /// theirs, so adding a phase changed no run's fingerprint.
    pub fn fingerprint_code(self) -> u8 {
        match self {
            Phase::Task => 0,
            Phase::Launch => 1,
            Phase::Action => 2,
            Phase::Service => 3,
            Phase::Sample => 4,
            Phase::Scaling => 5,
        }
    }
}

/// What one subsystem tells the others happened (SPEC §7: the scheduler reacts to every task and
/// instance change). Notices are delivered in the order they were left, after the call that left
/// them returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Notice {
    /// The task's lastStatus changed (to the status it now has, STOPPED included).
    TaskStatus(TaskId),
    /// The task's desired status became STOPPED.
    TaskDesiredStopped(TaskId),
    /// The task's health was decided: healthy, or failing its health checks.
    TaskHealth(TaskId, bool),
    /// The instance changed: registered, status, agent, attributes.
    InstanceChanged(InstanceId),
    /// Its `ecs.availability-zone` changed (PutAttributes, DeleteAttributes): its RUNNING tasks
    /// count in another zone for the zone balance.
    InstanceZoneChanged(InstanceId),
}

/// The subsystems an operation on tasks works through: placing them, their lifecycle, and the
/// capacity they run on.
pub(crate) struct Ops<'a, 's> {
    pub cx: &'a mut Cx<'s>,
    pub tasks: &'a mut super::tasks::Tasks,
    pub placing: &'a mut super::placing::Placing,
    pub capacity: &'a mut super::capacity::Capacity,
}

/// The shared context.
pub(crate) struct Cx<'s> {
    pub scenario: Arc<Scenario>,
    pub now: SimTime,
    pub horizon: SimTime,
    pub queue: EventQueue<Ev>,
    pub world: World,
    pub rec: Recorder<'s>,
    pub notices: VecDeque<Notice>,
    /// Set when a bound of the run is reached; the event loop stops after the current event.
    pub halt: Option<Halt>,
    /// The actions injected faults stood for, in order: action `actions.len() + k` is the k-th.
    pub injected: Vec<crate::fault::InjectedAction>,
    /// Check mode (`Engine::enable_checks`): the invariants are evaluated; the first broken one.
    pub checking: bool,
    pub violation: Option<crate::check::Violation>,
}

impl<'s> Cx<'s> {
    pub fn new(scenario: Arc<Scenario>, sink: SinkRef<'s>) -> Cx<'s> {
        let world = World::new(
            &scenario.region,
            &scenario.account_id,
            scenario.start_time_unix_ms,
        );
        Cx {
            horizon: SimTime::ZERO + scenario.horizon,
            scenario,
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            world,
            rec: Recorder::new(sink),
            notices: VecDeque::new(),
            halt: None,
            injected: Vec::new(),
            checking: false,
            violation: None,
        }
    }

    /// Schedules `ev` after `delay` in `phase`.
    pub fn schedule_in(&mut self, delay: SimDuration, phase: Phase, ev: Ev) -> EventKey {
        self.queue.schedule(self.now + delay, phase as u8, ev)
    }

    /// Schedules `ev` at `at` in `phase`.
    pub fn schedule_at(&mut self, at: SimTime, phase: Phase, ev: Ev) -> EventKey {
        self.queue.schedule(at, phase as u8, ev)
    }

    pub fn notice(&mut self, n: Notice) {
        self.notices.push_back(n);
    }

    /// Records that action `index` was rejected by the simulated state (`ECS Action Error`).
    pub fn action_error(&mut self, index: usize, error: &'static str, message: String) {
        let now = self.now;
        let action = Arc::from(self.action_name(index));
        let label = self
            .scenario
            .actions
            .get(index)
            .and_then(|a| a.label.as_deref())
            .map(Arc::from);
        self.rec.emit(
            now,
            &self.world,
            crate::record::EventDetail::ActionError {
                action_index: index,
                action,
                label,
                error,
                message,
            },
        );
    }

    /// The name of action `index`: the scenario's, or after them an injected fault's.
    pub fn action_name(&self, index: usize) -> &str {
        let n = self.scenario.actions.len();
        match self.scenario.actions.get(index) {
            Some(a) => &a.name,
            None => self.injected[index - n].name,
        }
    }

    /// The ACTIVE cluster `name` (name or ARN) names, or an action error for `index`: a deleted
    /// (INACTIVE) cluster is not found either (API: ClusterNotFoundException, "The specified
    /// cluster wasn't found").
    pub fn cluster(&mut self, index: usize, name: &str) -> Option<ClusterId> {
        match self.world.cluster_by_ref(name) {
            Some(c) if self.world.cluster(c).status == ClusterStatus::Active => Some(c),
            found => {
                let message = if found.is_some() {
                    format!("Cluster {name} is INACTIVE (deleted).")
                } else {
                    "Cluster not found.".to_string()
                };
                self.action_error(index, "ClusterNotFoundException", message);
                None
            }
        }
    }

    /// The ACTIVE task definition revision `r` names, or an action error for `index`.
    pub fn task_definition(&mut self, index: usize, r: &str) -> Option<TaskDefId> {
        match self.world.task_definition_by_ref(r) {
            Some(id) if self.world.task_definition(id).status == TaskDefStatus::Active => Some(id),
            Some(_) => {
                self.action_error(
                    index,
                    "ClientException",
                    format!("TaskDefinition {r} is inactive."),
                );
                None
            }
            None => {
                self.action_error(
                    index,
                    "ClientException",
                    format!("Unable to describe task definition {r}."),
                );
                None
            }
        }
    }

    /// Check mode: records a broken invariant (the first one is kept).
    pub fn violate(&mut self, invariant: &'static str, detail: String) {
        if self.violation.is_none() {
            self.violation = Some(crate::check::Violation {
                at: self.now,
                invariant,
                detail,
            });
        }
    }

    /// Stops the run after the current event.
    pub fn halt(&mut self, what: String) {
        if self.halt.is_none() {
            self.halt = Some(Halt::Bound { what, at: self.now });
        }
    }
}
