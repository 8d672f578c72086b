//! Tasks waiting in PROVISIONING for capacity (SPEC §8): a task of a provider with managed
//! scaling that no instance can take (or a FARGATE_SPOT task beyond the cluster's spot capacity)
//! waits, at most 300 per cluster, and is placed as soon as it can be (tried again when instances
//! register or change and when tasks stop); after 30 minutes it stops with `TaskFailedToStart`.

use super::fargate;
use super::Unplaced;
use crate::engine::cx::{Cx, Phase};
use crate::engine::services::Ops;
use crate::engine::{CapEv, Ev};
use ecsim_kernel::{EventKey, SimDuration};
use ecsim_model::{ClusterId, SpecId, StopCode, StoppedReason, TaskId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Service quota: tasks in PROVISIONING per cluster (reference §5.5: 300, not adjustable).
pub(crate) const LIMIT: usize = 300;
/// RULE: a task waits 30 minutes for capacity (reference §5.5: "between 10 and 30 minutes").
pub(crate) const TIMEOUT: SimDuration = SimDuration::from_seconds(30 * 60);

#[derive(Clone, Debug)]
struct Waiter {
    task: TaskId,
    spec: SpecId,
    timeout: EventKey,
}

#[derive(Debug, Default)]
pub(crate) struct Waiting {
    /// Per cluster, in the order they began to wait.
    queues: BTreeMap<ClusterId, VecDeque<Waiter>>,
    by_task: BTreeMap<TaskId, ClusterId>,
    /// Clusters where something changed that could let a waiting task start.
    dirty: BTreeSet<ClusterId>,
}

impl Waiting {
    pub fn len(&self, c: ClusterId) -> usize {
        self.queues.get(&c).map_or(0, VecDeque::len)
    }

    pub fn contains(&self, t: TaskId) -> bool {
        self.by_task.contains_key(&t)
    }

    /// Something changed in `c` that may let a waiting task start.
    pub fn touch(&mut self, c: ClusterId) {
        if self.queues.get(&c).is_some_and(|q| !q.is_empty()) {
            self.dirty.insert(c);
        }
    }

    pub fn has_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// The task no longer waits (it is stopping, or was placed).
    pub fn remove(&mut self, cx: &mut Cx, t: TaskId) -> bool {
        let Some(c) = self.by_task.remove(&t) else {
            return false;
        };
        let q = self.queues.get_mut(&c).expect("a queue");
        if let Some(k) = q.iter().position(|w| w.task == t) {
            let w = q.remove(k).expect("present");
            cx.queue.cancel(w.timeout);
        }
        true
    }

    /// What the waiting tasks of provider `name` in `c` need (managed scaling's M).
    pub fn needs(&self, cx: &Cx, c: ClusterId, name: &str) -> Vec<super::scaling::Need> {
        let Some(q) = self.queues.get(&c) else {
            return Vec::new();
        };
        q.iter()
            .filter_map(|w| {
                let s = cx.world.spec(w.spec);
                let distinct = s
                    .constraints
                    .iter()
                    .any(|c| matches!(c, ecsim_model::PlacementConstraint::DistinctInstance))
                    .then_some(s.group);
                (s.capacity_provider.as_deref() == Some(name)).then_some(super::scaling::Need {
                    cpu: s.requirements.cpu,
                    memory: s.requirements.memory_mib,
                    task: w.task,
                    distinct,
                })
            })
            .collect()
    }
}

/// A task of `spec` that found no room begins to wait in PROVISIONING, if the cluster has fewer
/// than 300 waiting; otherwise it fails now with the reason that would apply at the timeout.
pub(crate) fn wait(
    op: &mut Ops<'_, '_>,
    spec: SpecId,
    grace_period_s: u32,
    unplaced: Unplaced,
) -> Result<TaskId, Unplaced> {
    let c = op.cx.world.spec(spec).cluster;
    if op.capacity.waiting.len(c) >= LIMIT {
        return Err(unplaced);
    }
    let task = op.tasks.create(op.cx, spec, grace_period_s);
    op.capacity.task_created(op.cx, task);
    op.tasks.wait_in_provisioning(op.cx, task);
    let timeout = op.cx.schedule_in(
        TIMEOUT,
        Phase::Task,
        Ev::Capacity(CapEv::ProvisioningTimeout(task)),
    );
    let w = &mut op.capacity.waiting;
    w.queues.entry(c).or_default().push_back(Waiter {
        task,
        spec,
        timeout,
    });
    w.by_task.insert(task, c);
    Ok(task)
}

/// Tries the waiting tasks of every cluster where something changed, in the order they began to
/// wait; each one placed starts its lifecycle.
pub(crate) fn retry(op: &mut Ops<'_, '_>) -> bool {
    let dirty = std::mem::take(&mut op.capacity.waiting.dirty);
    let mut placed_any = false;
    for c in dirty {
        let waiters: Vec<Waiter> = op
            .capacity
            .waiting
            .queues
            .get(&c)
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default();
        for w in waiters {
            if !op.capacity.waiting.contains(w.task) {
                continue;
            }
            let s = std::sync::Arc::clone(op.cx.world.spec_arc(w.spec));
            let placed = if s.launch_type == ecsim_model::LaunchType::Fargate {
                fargate::start_waiting(op, w.task)
            } else {
                op.placing.place_waiting(op.cx, w.spec, w.task).is_some()
            };
            if placed {
                op.capacity.waiting.remove(op.cx, w.task);
                if s.launch_type != ecsim_model::LaunchType::Fargate {
                    op.tasks.resume_provisioning(op.cx, w.task);
                }
                placed_any = true;
            }
        }
    }
    placed_any
}

/// A waiting task's 30 minutes are up: unless it can start now, it stops, `TaskFailedToStart: R`
/// with the reason that applies now (reference §3.1, the capacity-provider path).
pub(crate) fn timed_out(op: &mut Ops<'_, '_>, task: TaskId) {
    if !op.capacity.waiting.contains(task) {
        return;
    }
    let spec = op.cx.world.task(task).spec;
    let s = std::sync::Arc::clone(op.cx.world.spec_arc(spec));
    let reason = if s.launch_type == ecsim_model::LaunchType::Fargate {
        if fargate::start_waiting(op, task) {
            op.capacity.waiting.remove(op.cx, task);
            return;
        }
        "RESOURCE:FARGATE"
    } else {
        match op.placing.place_existing(op.cx, spec, task) {
            Ok(_) => {
                op.capacity.waiting.remove(op.cx, task);
                op.tasks.resume_provisioning(op.cx, task);
                return;
            }
            Err(unplaced) => {
                let p = s
                    .capacity_provider
                    .as_deref()
                    .and_then(|n| op.capacity.provider_ix(n));
                match p {
                    Some(p) => {
                        op.capacity
                            .provider_failure(op.cx, p, s.cluster, unplaced)
                            .reason
                    }
                    None => unplaced.reason,
                }
            }
        }
    };
    // The timeout event is the one firing: nothing to cancel.
    let c = op.capacity.waiting.by_task.remove(&task).expect("waiting");
    let q = op.capacity.waiting.queues.get_mut(&c).expect("a queue");
    q.retain(|w| w.task != task);
    op.tasks.begin_stop(
        op.cx,
        task,
        StopCode::TaskFailedToStart,
        StoppedReason::provisioning_timed_out(reason),
    );
}
