//! What capacity does when tasks and instances change (it reads the notices the services read),
//! its own timed events (the metric, PROVISIONING timeouts, spot interruptions), and the fault
//! actions (InterruptSpot, FailAvailabilityZone, RestoreAvailabilityZone).

use super::groups::{self, Booting, Command, SPOT_WARNING};
use super::{fargate, provisioning, scaling, Capacity, ProviderIx};
use crate::capacity::{SpotAmount, FARGATE_SPOT};
use crate::engine::cx::{Cx, Notice, Phase};
use crate::engine::services::Ops;
use crate::engine::{CapEv, Ev};
use crate::record::{EventDetail, ScalingActivityKind};
use ecsim_model::{
    ClusterId, DesiredStatus, InstanceId, InstanceStatus, LaunchType, StopCode, StoppedReason,
    TaskId, TaskStatus,
};
use std::sync::Arc;

impl Capacity {
    /// Who a task's bill and counts belong to: its cluster and provider.
    fn task_owner(cx: &Cx, t: TaskId) -> super::billing::Owner {
        let task = cx.world.task(t);
        (
            task.cluster,
            cx.world.spec(task.spec).capacity_provider.clone(),
        )
    }

    /// A task of a provider (or Fargate) was created.
    pub fn task_created(&mut self, cx: &Cx, t: TaskId) {
        let owner = Self::task_owner(cx, t);
        if owner.1.is_some() {
            self.billing.provider_task(owner, 1);
        }
    }

    /// Reads one notice (bookkeeping only: what needs the other subsystems is asked for through
    /// commands, or left for [`Capacity::work`]).
    pub fn observe(&mut self, cx: &mut Cx, n: Notice) {
        match n {
            Notice::TaskStatus(t) => self.task_status(cx, t),
            Notice::TaskDesiredStopped(t) => {
                self.waiting.remove(cx, t);
                self.fargate_task_leaving(cx, t);
                let owner = Self::task_owner(cx, t);
                if owner.1.is_some() {
                    self.billing.provider_task(owner, -1);
                }
            }
            Notice::TaskHealth(..) => {}
            Notice::InstanceChanged(i) => self.instance_changed(cx, i),
            Notice::InstanceZoneChanged(_) => {}
        }
    }

    fn task_status(&mut self, cx: &mut Cx, t: TaskId) {
        let task = cx.world.task(t);
        let (status, cluster, instance) = (task.last_status, task.cluster, task.instance);
        let spec = cx.world.spec(task.spec);
        let fargate = spec.launch_type == LaunchType::Fargate;
        if fargate && status >= TaskStatus::Pending && status < TaskStatus::Stopped {
            let (cpu, memory) = (spec.requirements.cpu, spec.requirements.memory_mib);
            let owner = Self::task_owner(cx, t);
            self.billing.fargate_started(t, owner, cpu, memory, cx.now);
        }
        if fargate
            && status == TaskStatus::Running
            && spec.capacity_provider.as_deref() == Some(FARGATE_SPOT)
        {
            fargate::arm_interruption(self, cx, t);
        }
        if status == TaskStatus::Stopped {
            if fargate {
                self.billing.fargate_stopped(t, cx.now);
            }
            self.waiting.touch(cluster);
            if let Some(i) = instance {
                groups::check_leaving(self, cx, i);
            }
        }
    }

    fn instance_changed(&mut self, cx: &mut Cx, i: InstanceId) {
        let inst = cx.world.instance(i);
        let cluster = inst.cluster;
        match inst.status {
            InstanceStatus::Inactive => {
                // A launched instance is billed until it terminates; one registered by request
                // until it deregisters (RULE).
                let launched = self.from_launches.contains(&i);
                if inst.terminated || !launched {
                    self.billing.instance_ended(i, cx.now);
                }
                groups::instance_gone(self, cx, i);
            }
            _ => {
                self.waiting.touch(cluster);
                groups::check_leaving(self, cx, i);
            }
        }
    }

    /// A launch of the fleet was made: billed from now, and a group's launch boots in its books.
    pub fn launched(
        &mut self,
        cx: &Cx,
        slot: usize,
        provider: Option<ProviderIx>,
        cluster: ClusterId,
        instance_type: &str,
        zone: &str,
    ) {
        let price = cx
            .scenario
            .instance_types
            .get(instance_type)
            .map_or(0.0, |t| t.price_per_hour);
        let spot = provider
            .and_then(|p| self.providers[p].group())
            .is_some_and(|g| g.config.group.spot);
        let owner = (
            cluster,
            provider.map(|p| Arc::clone(&self.providers[p].name)),
        );
        self.billing.launched(slot, owner, price, spot, cx.now);
        self.launching.insert(slot);
        if let Some(p) = provider {
            groups::launched(
                self,
                p,
                slot,
                Booting {
                    zone: zone.to_string(),
                    launched_at: cx.now,
                },
            );
        }
    }

    /// A launch came up as `instance` (None: it could not register).
    pub fn launch_ready(&mut self, cx: &mut Cx, slot: usize, instance: Option<InstanceId>) {
        if !self.launching.remove(&slot) {
            return;
        }
        self.billing.launch_ready(slot, instance, cx.now);
        if let Some(i) = instance {
            self.from_launches.insert(i);
        }
        if let Some(p) = groups::launch_ready(self, cx, slot, instance) {
            match instance {
                Some(i) => {
                    self.arm_instance_interruption(cx, p, i);
                    super::refresh::registered(self, cx, p, i);
                }
                None => {
                    groups::fill(
                        self,
                        cx,
                        p,
                        Some("the Auto Scaling group replaces a launch that could not register"),
                    );
                }
            }
        }
    }

    /// An instance registered by request: billed from now (RULE).
    pub fn registered(&mut self, cx: &Cx, i: InstanceId) {
        let inst = cx.world.instance(i);
        let price = inst
            .instance_type()
            .and_then(|t| cx.scenario.instance_types.get(t))
            .map_or(0.0, |t| t.price_per_hour);
        self.billing
            .registered(i, (inst.cluster, None), price, cx.now);
    }

    /// A spot group's instance registered: with an interruption rate, its interruption is drawn.
    fn arm_instance_interruption(&mut self, cx: &mut Cx, p: ProviderIx, i: InstanceId) {
        let rate = match self.providers[p].group() {
            Some(g) if g.config.group.spot => g.config.group.interruptions_per_hour,
            _ => return,
        };
        if let Some(at) = self.draw_interruption(rate) {
            cx.schedule_in(
                at,
                Phase::Task,
                Ev::Capacity(CapEv::SpotInstanceInterrupt(i)),
            );
        }
    }

    // ----- timed events -----

    pub fn handle(op: &mut Ops<'_, '_>, ev: CapEv) {
        match ev {
            CapEv::Evaluate => scaling::evaluate(op.capacity, op.cx),
            CapEv::ProvisioningTimeout(t) => provisioning::timed_out(op, t),
            CapEv::SpotTaskInterrupt(t) => {
                let Some(task) = op.cx.world.get_task(t) else {
                    return;
                };
                if task.last_status == TaskStatus::Running
                    && task.desired_status == DesiredStatus::Running
                {
                    fargate::interrupt(op, t);
                }
            }
            CapEv::SpotTaskStop(t) => {
                if op.cx.world.get_task(t).is_some() {
                    op.tasks.proceed_stop(op.cx, t);
                }
            }
            CapEv::SpotInstanceInterrupt(i) => op.capacity.warn_instance(op.cx, i),
            CapEv::SpotInstanceTerminate(i) => {
                if op.cx.world.instance(i).status != InstanceStatus::Inactive {
                    op.capacity
                        .commands
                        .push_back(Command::Terminate { instance: i });
                }
            }
            CapEv::RefreshWarm(p) => super::refresh::advance(op.capacity, op.cx, p),
        }
    }

    /// The two-minute warning of a spot instance (SPEC §8): DRAINING now, terminated at its end.
    fn warn_instance(&mut self, cx: &mut Cx, i: InstanceId) {
        let Some(p) = groups::group_of(self, cx, i) else {
            return;
        };
        let name = Arc::clone(&self.providers[p].name);
        let g = self.providers[p].group_mut().expect("a group");
        if g.interrupted.contains_key(&i) || cx.world.instance(i).status == InstanceStatus::Inactive
        {
            return;
        }
        let at = cx.now + SPOT_WARNING;
        g.interrupted.insert(i, at);
        let (desired, cluster) = (g.desired, g.cluster);
        self.commands.push_back(Command::Drain {
            instance: i,
            reason: "draining (spot interruption warning)",
        });
        cx.schedule_at(
            at,
            Phase::Task,
            Ev::Capacity(CapEv::SpotInstanceTerminate(i)),
        );
        cx.rec.emit(
            cx.now,
            &cx.world,
            EventDetail::ScalingActivity {
                cluster,
                capacity_provider: name,
                activity: ScalingActivityKind::Drain,
                count: 1,
                desired_capacity: desired,
                instances: vec![i],
                cause: Arc::from(
                    "spot interruption: a two-minute warning, then the instance is terminated and replaced",
                ),
            },
        );
    }

    // ----- fault actions -----

    /// InterruptSpot (SPEC §2): a count or a fraction (rounded up) of FARGATE_SPOT's running tasks
    /// (of `cluster`, or of every cluster) or of a spot group's instances, chosen uniformly from
    /// the `spot` stream.
    pub fn interrupt_spot(
        op: &mut Ops<'_, '_>,
        index: usize,
        provider: &str,
        cluster: Option<ClusterId>,
        amount: SpotAmount,
    ) {
        let take = |n: usize| match amount {
            SpotAmount::Count(c) => (c as usize).min(n),
            SpotAmount::Fraction(f) => ((n as f64 * f).ceil() as usize).min(n),
        };
        if provider == FARGATE_SPOT {
            let candidates = spot_tasks(&op.cx.world, cluster);
            let chosen = op.capacity.pick(candidates, take);
            for t in chosen {
                fargate::interrupt(op, t);
            }
            return;
        }
        let Some(p) = op.capacity.provider_ix(provider) else {
            op.cx.action_error(
                index,
                "ClientException",
                format!("The specified capacity provider {provider} does not exist."),
            );
            return;
        };
        let Some(candidates) = op.capacity.spot_instances(p) else {
            op.cx.action_error(
                index,
                "InvalidParameterException",
                format!("The capacity provider {provider} has no spot instances to interrupt."),
            );
            return;
        };
        let chosen = op.capacity.pick(candidates, take);
        for i in chosen {
            op.capacity.warn_instance(op.cx, i);
        }
    }

    /// How many tasks or instances an InterruptSpot of `provider` could interrupt now.
    pub fn spot_candidates(
        &self,
        world: &ecsim_model::World,
        provider: &str,
        cluster: Option<ClusterId>,
    ) -> usize {
        if provider == FARGATE_SPOT {
            return spot_tasks(world, cluster).len();
        }
        self.provider_ix(provider)
            .and_then(|p| self.spot_instances(p))
            .map_or(0, |c| c.len())
    }

    /// The instances of a spot group an interruption may take (not warned, not leaving); None
    /// when the provider has no spot group.
    fn spot_instances(&self, p: ProviderIx) -> Option<Vec<InstanceId>> {
        match self.providers[p].group() {
            Some(g) if g.config.group.spot => Some(
                g.instances
                    .iter()
                    .copied()
                    .filter(|i| !g.interrupted.contains_key(i) && !g.leaving.contains(i))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// `take(n)` of `candidates`, drawn uniformly without replacement, in the order drawn.
    fn pick<T: Copy>(&mut self, mut candidates: Vec<T>, take: impl Fn(usize) -> usize) -> Vec<T> {
        let k = take(candidates.len());
        let mut out = Vec::with_capacity(k);
        for _ in 0..k {
            let j = self.spot_rng.below(candidates.len() as u64) as usize;
            out.push(candidates.swap_remove(j));
        }
        out
    }

    /// FailAvailabilityZone: every instance there terminates, Fargate tasks there stop, and no
    /// group launches there (nor Fargate task takes it) until it is restored. Launches booting
    /// there (`aborted`, their launch slots) never come up.
    pub fn fail_zone(op: &mut Ops<'_, '_>, zone: &str, aborted: &[usize]) {
        op.capacity.failed_zones.insert(zone.to_string());
        let now = op.cx.now;
        for &slot in aborted {
            op.capacity.launching.remove(&slot);
            op.capacity.billing.launch_aborted(slot, now);
            if let Some((p, _)) = op.capacity.booting.remove(&slot) {
                if let Some(g) = op.capacity.providers[p].group_mut() {
                    g.booting.remove(&slot);
                }
                groups::fill(
                    op.capacity,
                    op.cx,
                    p,
                    Some("the Auto Scaling group replaces launches lost with their zone"),
                );
            }
        }
        let instances: Vec<InstanceId> = op
            .cx
            .world
            .instances
            .iter()
            .filter(|i| i.status != InstanceStatus::Inactive && i.availability_zone() == Some(zone))
            .map(|i| i.id)
            .collect();
        for i in instances {
            op.capacity
                .commands
                .push_back(Command::Terminate { instance: i });
        }
        let tasks: Vec<TaskId> = op
            .cx
            .world
            .tasks()
            .filter(|t| t.last_status != TaskStatus::Stopped)
            .filter(|t| t.zone.is_some_and(|z| **op.cx.world.zone_name(z) == *zone))
            .map(|t| t.id)
            .collect();
        for t in tasks {
            op.tasks.stop_now(
                op.cx,
                t,
                StopCode::TerminationNotice,
                StoppedReason::ZoneFailed,
            );
        }
    }

    /// RestoreAvailabilityZone: launches may go there again (RULE: nothing moves back by itself;
    /// the groups' next launches fill the zone first, as it has the fewest of their instances).
    pub fn restore_zone(op: &mut Ops<'_, '_>, zone: &str) {
        op.capacity.failed_zones.remove(zone);
        for p in 0..op.capacity.providers.len() {
            groups::fill(
                op.capacity,
                op.cx,
                p,
                Some("the Auto Scaling group launches into a restored zone"),
            );
        }
        for c in op.capacity.clusters.keys().copied().collect::<Vec<_>>() {
            op.capacity.waiting.touch(c);
        }
    }

    /// Places the waiting tasks something may have freed room for; whether any started.
    pub fn work(op: &mut Ops<'_, '_>) -> bool {
        if !op.capacity.waiting.has_dirty() {
            return false;
        }
        provisioning::retry(op)
    }
}

/// The running FARGATE_SPOT tasks (of `cluster`, or of every cluster) not already warned, in id
/// order.
fn spot_tasks(world: &ecsim_model::World, cluster: Option<ClusterId>) -> Vec<TaskId> {
    world
        .tasks()
        .filter(|t| cluster.is_none_or(|c| t.cluster == c))
        .filter(|t| {
            t.last_status == TaskStatus::Running && t.desired_status == DesiredStatus::Running
        })
        .filter(|t| world.spec(t.spec).capacity_provider.as_deref() == Some(FARGATE_SPOT))
        .map(|t| t.id)
        .collect()
}
