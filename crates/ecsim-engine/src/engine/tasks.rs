//! Tasks: creation, the lifecycle state machine (SPEC §6), the exit and health timers, and the
//! release of stopped tasks an hour after they stop. It decides nothing about services: it says
//! what changed through notices ([`Notice::TaskStatus`], [`Notice::TaskDesiredStopped`],
//! [`Notice::TaskHealth`]).

use super::cx::{Cx, Notice, Phase};
use super::Ev;
use crate::record::EventDetail;
use ecsim_kernel::{EventKey, RandomStreams, SimDuration, SimTime, Slab, Stamp, Stream};
use ecsim_model::{
    DesiredStatus, HealthStatus, SpecId, StopCode, StoppedReason, Task, TaskId, TaskStatus,
};
use std::collections::VecDeque;

/// How long a STOPPED task stays visible (DescribeTasks, Snapshot, StopTask): reference §4.9 — ECS
/// shows stopped tasks for an hour. RULE: exactly one hour; after it the task is gone.
pub(crate) const STOPPED_VISIBLE: SimDuration = SimDuration::from_seconds(3600);

/// The task lifecycle's events.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TaskEv {
    /// The task's lifecycle state (the one it was in when this was scheduled) has run its course.
    /// A stale event — the task has moved on since — is ignored.
    Advance(TaskId, TaskStatus),
    /// The task's essential container exits (run duration, or a crash).
    Exit(TaskId, bool),
    /// The task's health is decided: healthy (true) or failing its health checks (false).
    Health(TaskId, bool),
}

impl TaskEv {
    /// (kind, id) for the fingerprint.
    pub fn fingerprint(self) -> (u8, u64) {
        match self {
            TaskEv::Advance(t, _) => (2, t.0 as u64),
            TaskEv::Exit(t, crashed) => (3 + crashed as u8, t.0 as u64),
            TaskEv::Health(t, healthy) => (9 + healthy as u8, t.0 as u64),
        }
    }
}

/// What the simulator keeps per task beside ECS's view of it.
#[derive(Clone, Debug)]
struct TaskRuntime {
    fails_to_start: bool,
    /// Drawn at creation: it will fail its container health checks (`unhealthyProbability`).
    fails_health_check: bool,
    /// Drawn at creation: the seed of its `crashAfter` draw, so that a crash model on one task
    /// moves no other task's draws.
    crash_seed: u64,
    /// The service's health check grace period (0 for standalone tasks).
    grace_period_s: u32,
    timer: Option<EventKey>,
    health_timer: Option<EventKey>,
}

pub(crate) struct Tasks {
    runtime: Slab<TaskRuntime>,
    durations_rng: Stream,
    failures_rng: Stream,
    /// Tasks in the order they stopped, to release each an hour later.
    stopped: VecDeque<(SimTime, TaskId)>,
    /// Keep stopped tasks for the whole run (collected runs, for tests).
    retain: bool,
}

impl Tasks {
    pub fn new(streams: &RandomStreams) -> Tasks {
        Tasks {
            runtime: Slab::new(),
            durations_rng: streams.stream("durations"),
            failures_rng: streams.stream("failures"),
            stopped: VecDeque::new(),
            retain: false,
        }
    }

    pub fn retain_stopped(&mut self, retain: bool) {
        self.retain = retain;
    }

    /// Creates a task of `spec` in PROVISIONING, not yet placed. Its fate is drawn now, for every
    /// task whatever the probabilities, so the failures stream stays aligned: adding a failure
    /// model to one task definition moves no other task's fate.
    pub fn create(&mut self, cx: &mut Cx, spec: SpecId, grace_period_s: u32) -> TaskId {
        let cluster = cx.world.spec(spec).cluster;
        let id = cx.world.add_task(Task::new(spec, cluster, cx.now));
        let sim = &cx.world.spec(spec).simulation;
        let fails_to_start = self
            .failures_rng
            .chance(sim.fail_to_start_probability.unwrap_or(0.0));
        let fails_health_check = self
            .failures_rng
            .chance(sim.unhealthy_probability.unwrap_or(0.0));
        let crash_seed = self.failures_rng.below(u64::MAX);
        let pushed = self.runtime.push(TaskRuntime {
            fails_to_start,
            fails_health_check,
            crash_seed,
            grace_period_s,
            timer: None,
            health_timer: None,
        });
        debug_assert_eq!(pushed, id.0);
        id
    }

    fn rt(&mut self, task: TaskId) -> &mut TaskRuntime {
        self.runtime.get_mut(task.0).expect("a live task")
    }

    /// A service changed its grace period: tasks not yet RUNNING arm their health with it.
    pub fn set_grace_period(&mut self, task: TaskId, grace_period_s: u32) {
        self.rt(task).grace_period_s = grace_period_s;
    }

    /// Tasks in memory (not yet released).
    pub fn held(&self) -> usize {
        self.runtime.len()
    }

    /// Releases the tasks stopped more than an hour ago: nothing can name them any more.
    pub fn release_expired(&mut self, cx: &mut Cx) {
        if self.retain {
            return;
        }
        while let Some(&(at, task)) = self.stopped.front() {
            if cx.now.since(at) <= STOPPED_VISIBLE {
                break;
            }
            self.stopped.pop_front();
            cx.world.release_stopped_task(task);
            self.runtime.remove(task.0);
        }
    }

    pub fn handle(&mut self, cx: &mut Cx, ev: TaskEv) {
        match ev {
            TaskEv::Advance(task, from) => self.advance(cx, task, from),
            TaskEv::Exit(task, crashed) => self.exited(cx, task, crashed),
            TaskEv::Health(task, healthy) => self.health_decided(cx, task, healthy),
        }
    }

    fn emit_state(&mut self, cx: &mut Cx, task: TaskId) {
        let t = cx.world.task(task);
        let detail = EventDetail::TaskStateChange {
            task,
            spec: t.spec,
            instance: t.instance,
            zone: t.zone,
            last_status: t.last_status,
            desired_status: t.desired_status,
            stop_code: t.stop_code,
            stopped_reason: t.stopped_reason.clone(),
        };
        cx.rec.emit(cx.now, &cx.world, detail);
    }

    /// The placed task begins its lifecycle in PROVISIONING.
    pub fn start_lifecycle(&mut self, cx: &mut Cx, task: TaskId) {
        self.enter(cx, task, TaskStatus::Provisioning);
    }

    /// A task with nowhere to go yet waits in PROVISIONING for capacity (SPEC §8): its state is
    /// said once, and nothing is timed until it is placed.
    pub fn wait_in_provisioning(&mut self, cx: &mut Cx, task: TaskId) {
        self.emit_state(cx, task);
        cx.notice(Notice::TaskStatus(task));
    }

    /// A waiting task was placed (or given a Fargate zone): its PROVISIONING runs its own duration
    /// from now (already said: no new state change), then the lifecycle goes on.
    pub fn resume_provisioning(&mut self, cx: &mut Cx, task: TaskId) {
        let d =
            Self::state_duration(cx, task, TaskStatus::Provisioning).unwrap_or(SimDuration::ZERO);
        if d > SimDuration::ZERO {
            let key = cx.schedule_in(
                d,
                Phase::Task,
                Ev::Task(TaskEv::Advance(task, TaskStatus::Provisioning)),
            );
            self.rt(task).timer = Some(key);
        } else {
            let next = Self::next_status(cx, task, TaskStatus::Provisioning);
            self.enter(cx, task, next);
        }
    }

    /// A spot interruption's two-minute warning (SPEC §8): desired STOPPED with stopCode
    /// `SpotInterruption` now, said in a state change; the task keeps running until
    /// [`Tasks::proceed_stop`]. False if it was already stopping.
    pub fn spot_warning(&mut self, cx: &mut Cx, task: TaskId) -> bool {
        if !self.mark_stopping(
            cx,
            task,
            StopCode::SpotInterruption,
            StoppedReason::SpotInterrupted,
        ) {
            return false;
        }
        if let Some(key) = self.rt(task).timer.take() {
            cx.queue.cancel(key);
        }
        self.emit_state(cx, task);
        true
    }

    /// The end of a spot warning: a task still RUNNING goes down its lifecycle.
    pub fn proceed_stop(&mut self, cx: &mut Cx, task: TaskId) {
        if cx.world.task(task).last_status != TaskStatus::Running {
            return;
        }
        if let Some(key) = self.rt(task).timer.take() {
            cx.queue.cancel(key);
        }
        self.enter(cx, task, TaskStatus::Deactivating);
    }

    fn state_duration(cx: &Cx, task: TaskId, status: TaskStatus) -> Option<SimDuration> {
        let t = &cx.world.task_spec(task).timings;
        match status {
            TaskStatus::Provisioning => t.provisioning,
            TaskStatus::Pending => t.pending,
            TaskStatus::Activating => t.activating,
            TaskStatus::Deactivating => t.deactivating,
            TaskStatus::Stopping => t.stopping,
            TaskStatus::Deprovisioning => t.deprovisioning,
            TaskStatus::Running | TaskStatus::Stopped => None,
        }
    }

    /// Enters `status`, skipping states with zero duration (RULE: a state the task spends no time
    /// in is not entered and has no event), and arms the timer for the state's end.
    fn enter(&mut self, cx: &mut Cx, task: TaskId, mut status: TaskStatus) {
        loop {
            // RULE: leaving PENDING (timed or not) is where a task that fails to start fails.
            if status == TaskStatus::Activating
                && self.rt(task).fails_to_start
                && cx.world.task(task).desired_status == DesiredStatus::Running
            {
                self.mark_stopping(
                    cx,
                    task,
                    StopCode::TaskFailedToStart,
                    StoppedReason::FailedToStart,
                );
                status = TaskStatus::Deprovisioning;
                continue;
            }
            match status {
                TaskStatus::Running => {
                    cx.world.set_last_status(task, TaskStatus::Running);
                    cx.world.task_mut(task).started_at = Stamp::at(cx.now);
                    self.emit_state(cx, task);
                    self.arm_exit(cx, task);
                    self.arm_health(cx, task);
                    cx.notice(Notice::TaskStatus(task));
                    return;
                }
                TaskStatus::Stopped => {
                    cx.world.set_last_status(task, TaskStatus::Stopped);
                    cx.world.release_task(task);
                    cx.world.task_mut(task).stopped_at = Stamp::at(cx.now);
                    self.emit_state(cx, task);
                    self.stopped.push_back((cx.now, task));
                    cx.notice(Notice::TaskStatus(task));
                    return;
                }
                _ => {}
            }
            let d = Self::state_duration(cx, task, status).unwrap_or(SimDuration::ZERO);
            if d > SimDuration::ZERO {
                cx.world.set_last_status(task, status);
                if status == TaskStatus::Stopping {
                    cx.world.task_mut(task).stopping_at = Stamp::at(cx.now);
                }
                self.emit_state(cx, task);
                let key = cx.schedule_in(d, Phase::Task, Ev::Task(TaskEv::Advance(task, status)));
                self.rt(task).timer = Some(key);
                cx.notice(Notice::TaskStatus(task));
                return;
            }
            status = Self::next_status(cx, task, status);
        }
    }

    /// The state after `status`, given the task's desired status.
    fn next_status(cx: &Cx, task: TaskId, status: TaskStatus) -> TaskStatus {
        let t = cx.world.task(task);
        if t.desired_status == DesiredStatus::Stopped && status < TaskStatus::Running {
            // Stopped before it ran: nothing to deactivate or stop (RULE).
            return if status < TaskStatus::Deprovisioning {
                TaskStatus::Deprovisioning
            } else {
                TaskStatus::Stopped
            };
        }
        status.next().expect("STOPPED has no successor")
    }

    fn advance(&mut self, cx: &mut Cx, task: TaskId, from: TaskStatus) {
        let status = cx.world.task(task).last_status;
        if status != from {
            return;
        }
        self.rt(task).timer = None;
        let next = Self::next_status(cx, task, status);
        self.enter(cx, task, next);
    }

    /// Schedules the essential container's exit, when the task definition says it exits.
    fn arm_exit(&mut self, cx: &mut Cx, task: TaskId) {
        let sim = &cx.world.task_spec(task).simulation;
        let run = sim
            .run_duration
            .as_ref()
            .map(|d| d.sample(&mut self.durations_rng));
        // Failures come from the failures stream (through the task's own seed), never from the
        // durations stream: adding a crash model moves no run duration and no placement.
        let seed = self.rt(task).crash_seed;
        let crash = sim
            .crash_after
            .as_ref()
            .map(|d| d.sample(&mut RandomStreams::new(seed).stream("crash")));
        let exit = match (run, crash) {
            (Some(r), Some(c)) if c < r => Some((c, true)),
            (Some(r), _) => Some((r, false)),
            (None, Some(c)) => Some((c, true)),
            (None, None) => None,
        };
        if let Some((d, crashed)) = exit {
            let key = cx.schedule_in(d, Phase::Task, Ev::Task(TaskEv::Exit(task, crashed)));
            self.rt(task).timer = Some(key);
        }
    }

    fn exited(&mut self, cx: &mut Cx, task: TaskId, crashed: bool) {
        self.rt(task).timer = None;
        if cx.world.task(task).last_status != TaskStatus::Running {
            return;
        }
        let reason = if crashed {
            StoppedReason::Crashed
        } else {
            StoppedReason::Exited
        };
        self.begin_stop(cx, task, StopCode::EssentialContainerExited, reason);
    }

    /// The task's essential container exits now, as a simulated crash (stopCode
    /// EssentialContainerExited): the same stop as a `crashAfter` crash.
    pub fn crash(&mut self, cx: &mut Cx, task: TaskId) {
        self.begin_stop(
            cx,
            task,
            StopCode::EssentialContainerExited,
            StoppedReason::Crashed,
        );
    }

    /// Sets desired STOPPED with its stop code and reason (once).
    fn mark_stopping(
        &mut self,
        cx: &mut Cx,
        task: TaskId,
        code: StopCode,
        reason: StoppedReason,
    ) -> bool {
        if !cx.world.set_desired_stopped(task) {
            return false;
        }
        let t = cx.world.task_mut(task);
        t.stop_code = Some(code);
        t.stopped_reason = Some(reason);
        if let Some(key) = self.rt(task).health_timer.take() {
            cx.queue.cancel(key);
        }
        cx.notice(Notice::TaskDesiredStopped(task));
        true
    }

    /// Stops a task through its lifecycle (DEACTIVATING, STOPPING, DEPROVISIONING as timed).
    pub fn begin_stop(&mut self, cx: &mut Cx, task: TaskId, code: StopCode, reason: StoppedReason) {
        if !self.mark_stopping(cx, task, code, reason) {
            return;
        }
        let status = cx.world.task(task).last_status;
        if let Some(key) = self.rt(task).timer.take() {
            cx.queue.cancel(key);
        }
        let next = match status {
            TaskStatus::Running => TaskStatus::Deactivating,
            s if s < TaskStatus::Running => Self::next_status(cx, task, s),
            // Already on its way down: let the current state finish.
            _ => {
                let d = Self::state_duration(cx, task, status).unwrap_or(SimDuration::ZERO);
                let key = cx.schedule_in(d, Phase::Task, Ev::Task(TaskEv::Advance(task, status)));
                self.rt(task).timer = Some(key);
                return;
            }
        };
        self.enter(cx, task, next);
    }

    /// Stops a task at once (its host is gone): straight to STOPPED (RULE: no STOPPING, nothing is
    /// left to stop).
    pub fn stop_now(&mut self, cx: &mut Cx, task: TaskId, code: StopCode, reason: StoppedReason) {
        if cx.world.task(task).last_status == TaskStatus::Stopped {
            return;
        }
        if let Some(key) = self.rt(task).timer.take() {
            cx.queue.cancel(key);
        }
        if cx.world.task(task).desired_status == DesiredStatus::Running {
            self.mark_stopping(cx, task, code, reason);
        }
        self.enter(cx, task, TaskStatus::Stopped);
    }

    /// Schedules the task's health decision when it reaches RUNNING (SPEC §7 health).
    fn arm_health(&mut self, cx: &mut Cx, task: TaskId) {
        let spec = cx.world.task_spec(task);
        let def = cx.world.task_definition(spec.task_definition);
        let check = def
            .containers
            .iter()
            .filter(|c| c.essential)
            .filter_map(|c| c.health_check.as_ref())
            .max_by_key(|h| h.start_period_s as u64 + h.interval_s as u64 * h.retries as u64);
        // `healthyAfter` as set by the action, the task definition or the scenario.
        let set = spec
            .simulation
            .timings
            .healthy_after
            .or(cx.scenario.timings.healthy_after);
        let is_service = spec.service.is_some();
        // SPEC §7: behind a load balancer, healthy once the target passes the target group's
        // health check (and the container health check, if any, passes too).
        let target = spec.simulation.load_balancer.map(|lb| lb.healthy_after);
        let rt = self.runtime.get(task.0).expect("a live task");
        let (at, healthy) = match (check, is_service) {
            (None, false) => return,
            (None, true) if target.is_some() => (target.expect("some"), true),
            // DG: with no health check, the scheduler counts the task 40 s after RUNNING.
            (None, true) => (set.unwrap_or(SimDuration::from_seconds(40)), true),
            (Some(h), _) if rt.fails_health_check => {
                // RULE: it becomes UNHEALTHY after the start period and `retries` failed checks;
                // the service ignores that until the grace period has passed.
                let fail = SimDuration::from_seconds(
                    h.start_period_s as u64 + h.interval_s as u64 * h.retries as u64,
                );
                let grace = SimDuration::from_seconds(rt.grace_period_s as u64);
                (fail.max(grace), false)
            }
            // RULE: healthy at the first check (one interval after RUNNING) unless `healthyAfter`
            // says otherwise.
            (Some(h), _) => (
                set.unwrap_or(SimDuration::from_seconds(h.interval_s as u64))
                    .max(target.unwrap_or(SimDuration::ZERO)),
                true,
            ),
        };
        let key = cx.schedule_in(at, Phase::Task, Ev::Task(TaskEv::Health(task, healthy)));
        self.rt(task).health_timer = Some(key);
    }

    fn health_decided(&mut self, cx: &mut Cx, task: TaskId, healthy: bool) {
        self.rt(task).health_timer = None;
        let t = cx.world.task(task);
        if t.desired_status != DesiredStatus::Running || t.last_status != TaskStatus::Running {
            return;
        }
        let spec = cx.world.task_spec(task);
        if cx
            .world
            .task_definition(spec.task_definition)
            .has_essential_health_check()
        {
            cx.world.task_mut(task).health_status = if healthy {
                HealthStatus::Healthy
            } else {
                HealthStatus::Unhealthy
            };
        }
        // Reference §4.3: standalone tasks keep running whatever their health; a service reacts.
        if cx.world.task_spec(task).service.is_some() {
            cx.notice(Notice::TaskHealth(task, healthy));
        }
    }
}
