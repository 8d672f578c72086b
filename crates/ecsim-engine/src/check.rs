//! The engine's invariants, for `ecsim check` (SPEC §12.4): evaluated after every event when a
//! run is built with [`crate::Engine::enable_checks`], never otherwise (a plain run pays one
//! branch per event and per record).
//!
//! Each check is stated so that it holds exactly in every run of a correct engine, faults and
//! all (see docs/semantics.md, `ecsim check`):
//! - **resources**: on every instance, the tasks holding resources add up to what its books say
//!   it has reserved, and to no more than it registered (CPU, memory, GPUs, ENIs); an instance
//!   that has left holds no task;
//! - **ports**: no host port (TCP or UDP) held twice on an instance, none of the agent's, and
//!   the books' used ports are exactly the tasks' ports;
//! - **transitions**: the statuses a task shows go forward in SPEC §6 order (a state that takes
//!   no time is skipped), the one repeat being RUNNING said again with desired STOPPED (a spot
//!   warning); desired STOPPED never returns to RUNNING; nothing follows STOPPED;
//! - **service counts**: a scheduler pass never leaves more tasks counted against maxTasks than
//!   the larger of maxTasks and what it found, never stops healthy tasks below the smaller of
//!   minHealthy and the healthy count it found, never stops a protected task, and completes a
//!   deployment only with D tasks of its task definition;
//! - **split**: each service task assigned to a capacity provider goes where the base/weight
//!   rule names for the service's counts recomputed from its tasks, and to a provider below its
//!   share (so a split made of assignments stays within one task of base/weight).

use ecsim_kernel::SimTime;
use ecsim_model::{
    network_bindings, DesiredStatus, InstanceStatus, Protocol, TaskId, TaskStatus, World,
};
use std::collections::BTreeSet;

/// A broken invariant: which, when, and what was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub at: SimTime,
    /// `resources`, `ports`, `transitions`, `service counts` or `split`.
    pub invariant: &'static str,
    pub detail: String,
}

/// The resource and port invariants over the whole world: `Err((invariant, detail))` for the
/// first broken one (instances in id order).
pub fn world_invariants(world: &World) -> Result<(), (&'static str, String)> {
    for inst in &world.instances {
        let name = inst.ec2_instance_id.as_str();
        if inst.status == InstanceStatus::Inactive && !inst.tasks.is_empty() {
            return Err((
                "resources",
                format!(
                    "instance {name} has left (INACTIVE) but holds {} tasks",
                    inst.tasks.len()
                ),
            ));
        }
        let (mut cpu, mut memory, mut gpus, mut enis) = (0u64, 0u64, 0u64, 0u64);
        // The books count the agent's reserved ports as in use.
        let mut tcp: BTreeSet<u16> = inst.registered_tcp_ports.iter().copied().collect();
        let mut udp: BTreeSet<u16> = inst.registered_udp_ports.iter().copied().collect();
        for &t in &inst.tasks {
            let Some(task) = world.get_task(t) else {
                return Err((
                    "resources",
                    format!("instance {name} holds task {} which no longer exists", t.0),
                ));
            };
            if !task.holds_resources || task.instance != Some(inst.id) {
                return Err((
                    "resources",
                    format!(
                        "instance {name} lists task {} which does not hold resources there",
                        world.task_arn(t)
                    ),
                ));
            }
            let spec = world.spec(task.spec);
            let req = &spec.requirements;
            cpu += req.cpu as u64;
            memory += req.memory_mib as u64;
            gpus += req.gpus as u64;
            enis += req.enis as u64;
            let def = world.task_definition(spec.task_definition);
            for b in network_bindings(def, task) {
                let (set, registered) = match b.protocol {
                    Protocol::Tcp => (&mut tcp, &inst.registered_tcp_ports),
                    Protocol::Udp => (&mut udp, &inst.registered_udp_ports),
                };
                if registered.contains(&b.host_port) {
                    return Err((
                        "ports",
                        format!(
                            "task {} holds host port {} on instance {name}, a port the agent reserves",
                            world.task_arn(t),
                            b.host_port
                        ),
                    ));
                }
                if !set.insert(b.host_port) {
                    return Err((
                        "ports",
                        format!(
                            "host port {} ({:?}) is held twice on instance {name}",
                            b.host_port, b.protocol
                        ),
                    ));
                }
            }
        }
        let books = [
            ("CPU", cpu, inst.reserved.cpu, inst.registered.cpu),
            (
                "memory",
                memory,
                inst.reserved.memory_mib,
                inst.registered.memory_mib,
            ),
            ("GPU", gpus, inst.reserved.gpus, inst.registered.gpus),
            ("ENI", enis, inst.reserved.enis, inst.registered.enis),
        ];
        for (what, held, reserved, registered) in books {
            if held > registered as u64 {
                return Err((
                    "resources",
                    format!("instance {name} is over-committed on {what}: its tasks hold {held}, it registered {registered}"),
                ));
            }
            if held != reserved as u64 {
                return Err((
                    "resources",
                    format!("instance {name}'s books reserve {reserved} {what} but its tasks hold {held}"),
                ));
            }
        }
        if tcp != inst.used_tcp_ports || udp != inst.used_udp_ports {
            return Err((
                "ports",
                format!("instance {name}'s books list other host ports in use than its tasks hold"),
            ));
        }
    }
    Ok(())
}

/// The transitions each task has shown so far, from its `ECS Task State Change` events.
#[derive(Clone, Debug, Default)]
pub struct Transitions {
    /// By task id: the task's creation time (ids are reused once a stopped task is released, an
    /// hour after it stopped, so the time tells a new task) and the last (status, desired) said.
    last: Vec<Option<(SimTime, TaskStatus, DesiredStatus)>>,
    /// The first broken transition.
    pub broken: Option<(TaskId, String)>,
}

impl Transitions {
    /// The next state change of `task`.
    pub fn observe(
        &mut self,
        task: TaskId,
        created_at: SimTime,
        status: TaskStatus,
        desired: DesiredStatus,
    ) {
        let i = task.0 as usize;
        if self.last.len() <= i {
            self.last.resize(i + 1, None);
        }
        if let Some((_, before, was)) = self.last[i].filter(|e| e.0 == created_at) {
            let forward = status > before
                || (status == before
                    && status == TaskStatus::Running
                    && desired == DesiredStatus::Stopped
                    && was == DesiredStatus::Running);
            let desired_ok = !(was == DesiredStatus::Stopped && desired == DesiredStatus::Running);
            if (!forward || !desired_ok) && self.broken.is_none() {
                self.broken = Some((
                    task,
                    format!(
                        "{} (desired {}) followed {} (desired {})",
                        status.as_str(),
                        desired.as_str(),
                        before.as_str(),
                        was.as_str()
                    ),
                ));
            }
        }
        self.last[i] = Some((created_at, status, desired));
    }
}

/// The split invariant for one assignment: `chosen` is the item the base/weight rule names for
/// `counts` (the service's tasks with desired status RUNNING per item's provider, recomputed
/// from its tasks), and beyond the base it had a positive deficit (it was below its share).
pub fn split_assignment(
    strategy: &[crate::capacity::StrategyItem],
    counts: &[u32],
    chosen: usize,
) -> Result<(), String> {
    let expected = crate::engine::split_choose(strategy, counts);
    if expected != Some(chosen) {
        return Err(format!(
            "a task went to {} with counts {counts:?}, where the split names {}",
            strategy[chosen].capacity_provider,
            expected.map_or("none", |k| strategy[k].capacity_provider.as_str())
        ));
    }
    let in_base = strategy[chosen].base > 0 && counts[chosen] < strategy[chosen].base;
    if !in_base {
        let w: i128 = strategy.iter().map(|i| i.weight as i128).sum();
        let beyond = |k: usize| (counts[k] - strategy[k].base.min(counts[k])) as i128;
        let n: i128 = (0..strategy.len()).map(beyond).sum();
        let deficit = strategy[chosen].weight as i128 * (n + 1) - beyond(chosen) * w;
        if deficit <= 0 {
            return Err(format!(
                "a task went to {} with counts {counts:?}, already at its share",
                strategy[chosen].capacity_provider
            ));
        }
    }
    Ok(())
}

/// The service-count invariants of one scheduler pass (its audit): `Err(detail)` if broken.
/// DAEMON passes are held only to the protection and completion rules (their D follows the
/// eligible instances, which faults change under them).
pub fn pass_invariants(a: &crate::PassAudit, daemon: bool) -> Result<(), String> {
    if let Some((n, desired)) = a.completed {
        if n != desired {
            return Err(format!(
                "a deployment completed with {n} tasks of its task definition, desired {desired}"
            ));
        }
        return Ok(());
    }
    if a.protected_stopped > 0 {
        return Err(format!(
            "the scheduler stopped {} protected tasks",
            a.protected_stopped
        ));
    }
    if daemon {
        return Ok(());
    }
    if a.healthy_after < a.min_healthy.min(a.healthy_before) {
        return Err(format!(
            "a pass stopped healthy tasks from {} to {}, below minHealthy {}",
            a.healthy_before, a.healthy_after, a.min_healthy
        ));
    }
    if a.counted_after > a.max_tasks.max(a.counted_before) {
        return Err(format!(
            "a pass left {} tasks counted against maxTasks {} (it found {})",
            a.counted_after, a.max_tasks, a.counted_before
        ));
    }
    Ok(())
}
