//! Health, the deployment circuit breaker and throttling (SPEC §7; reference §4.3, §4.4, §4.6).

use super::{Ops, Services};
use crate::engine::cx::Cx;
use crate::record::EventDetail;
use crate::service::{
    circuit_breaker_threshold, DeploymentController, DeploymentStatus, RolloutState,
    SchedulingStrategy,
};
use ecsim_kernel::SimDuration;
use ecsim_model::{DeploymentId, ServiceId, StopCode, StoppedReason, TaskId};
use std::sync::Arc;

/// The service scheduler's retry interval for tasks it could not place (SPEC §7).
pub(super) const RETRY: SimDuration = SimDuration::from_seconds(15);
/// The longest throttling delay (reference §4.6: "up to a maximum of 15 minutes").
const THROTTLE_MAX: SimDuration = SimDuration::from_seconds(900);

impl Services {
    /// A service task's health was decided (the lifecycle armed it when the task reached RUNNING).
    pub(super) fn task_health(&mut self, op: &mut Ops<'_, '_>, task: TaskId, healthy: bool) {
        let Some((s, st)) = self.task(op.cx, task) else {
            return;
        };
        if healthy {
            self.rt[s.index()]
                .tasks
                .get_mut(&task)
                .expect("a service task")
                .healthy = true;
            self.rt[s.index()].healthy += 1;
            self.record_healthy(op.cx, s);
            // SPEC §7 RULE: a healthy task resets its deployment's consecutive failures.
            self.deployments[st.deployment.index()].failed_tasks = 0;
            self.mark_service(op.cx, s);
        } else {
            self.deployment_task_failed(op.cx, s, st.deployment);
            // Reference §4.3: service tasks reported UNHEALTHY are stopped and replaced.
            op.tasks.begin_stop(
                op.cx,
                task,
                StopCode::ServiceSchedulerInitiated,
                StoppedReason::FailedHealthChecks,
            );
            self.absorb(op);
            let name = &self.services[s.index()].name;
            let message = format!(
                "(service {name}) has stopped 1 running tasks: (task {}).",
                task.hex()
            );
            self.service_event_always(op.cx, s, "SERVICE_TASKS_STOPPED", "INFO", message);
        }
    }

    /// One more failed task for the deployment; the circuit breaker trips at its threshold.
    pub(super) fn deployment_task_failed(&mut self, cx: &mut Cx, s: ServiceId, d: DeploymentId) {
        let dep = &mut self.deployments[d.index()];
        dep.failed_tasks += 1;
        let svc = &self.services[s.index()];
        let desired = match svc.scheduling_strategy {
            SchedulingStrategy::Replica => svc.desired_count,
            SchedulingStrategy::Daemon => self.rt[s.index()].desired_effective,
        };
        let trips = svc.configuration.circuit_breaker.enable
            && svc.controller == DeploymentController::Ecs
            && dep.status == DeploymentStatus::Primary
            && dep.rollout_state == RolloutState::InProgress
            && dep.failed_tasks >= circuit_breaker_threshold(desired);
        if trips {
            self.trip_circuit_breaker(cx, s, d);
        }
    }

    /// Reference §4.4: FAILED, no more launches; with rollback, the most recent COMPLETED
    /// deployment becomes PRIMARY again (IN_PROGRESS); without one, the deployment stalls.
    fn trip_circuit_breaker(&mut self, cx: &mut Cx, s: ServiceId, d: DeploymentId) {
        let now = cx.now;
        let reason: Arc<str> = Arc::from("ECS deployment circuit breaker: task failed to start.");
        let dep = &mut self.deployments[d.index()];
        dep.rollout_state = RolloutState::Failed;
        dep.rollout_state_reason = Arc::clone(&reason);
        dep.updated_at = now;
        cx.rec.emit(
            now,
            &cx.world,
            EventDetail::DeploymentStateChange {
                service: s,
                deployment: d,
                event_name: "SERVICE_DEPLOYMENT_FAILED",
                rollout_state: RolloutState::Failed,
                reason,
            },
        );
        if !self.services[s.index()]
            .configuration
            .circuit_breaker
            .rollback
        {
            return;
        }
        let target = self.services[s.index()]
            .deployments
            .iter()
            .rev()
            .copied()
            .find(|&o| {
                o != d && self.deployments[o.index()].rollout_state == RolloutState::Completed
            });
        let Some(target) = target else {
            // Stalled: the FAILED primary launches nothing.
            return;
        };
        let failed = &mut self.deployments[d.index()];
        failed.status = DeploymentStatus::Active;
        failed.updated_at = now;
        let reason: Arc<str> = Arc::from(format!(
            "ECS deployment circuit breaker: rolling back to deploymentId {}.",
            target.ecs_id()
        ));
        let t = &mut self.deployments[target.index()];
        t.status = DeploymentStatus::Primary;
        t.rollout_state = RolloutState::InProgress;
        t.failed_tasks = 0;
        t.updated_at = now;
        t.rollout_state_reason = Arc::clone(&reason);
        self.rt[s.index()].primary = Some(target);
        self.rt[s.index()].consecutive_failures = 0;
        cx.rec.emit(
            now,
            &cx.world,
            EventDetail::DeploymentStateChange {
                service: s,
                deployment: target,
                event_name: "SERVICE_DEPLOYMENT_IN_PROGRESS",
                rollout_state: RolloutState::InProgress,
                reason,
            },
        );
        self.set_steady(cx, s, false);
        self.mark_service(cx, s);
    }

    /// Whether the deployment may launch now; when throttled, a retry is scheduled for the end of
    /// the wait.
    pub(super) fn may_launch(&mut self, cx: &mut Cx, s: ServiceId, d: DeploymentId) -> bool {
        if self.deployments[d.index()].rollout_state == RolloutState::Failed {
            return false;
        }
        let rt = &self.rt[s.index()];
        if rt.consecutive_failures == 0 {
            return true;
        }
        // SPEC §7 RULE: after k consecutive tasks that stopped before RUNNING, the next attempt
        // waits min(15 min, 15 s × 2^(k−1)).
        let k = rt.consecutive_failures.min(32);
        let wait = SimDuration(
            RETRY
                .ms()
                .saturating_mul(1u64 << (k - 1))
                .min(THROTTLE_MAX.ms()),
        );
        let at = rt.last_failure_at + wait;
        if cx.now >= at {
            return true;
        }
        if k >= 2 {
            let name = &self.services[s.index()].name;
            let message =
                format!("(service {name}) is unable to consistently start tasks successfully.");
            self.service_event(
                cx,
                s,
                "throttled",
                "SERVICE_TASK_START_IMPAIRED",
                "WARN",
                message,
            );
        }
        self.schedule_retry(cx, s, at);
        false
    }

    /// Whether deployment `d` may go on launching in this pass: a task that failed within the pass
    /// may have tripped the circuit breaker, rolled the service back or started throttling.
    pub(super) fn may_still_launch(
        &self,
        s: ServiceId,
        d: DeploymentId,
        failures_before: u32,
    ) -> bool {
        let dep = &self.deployments[d.index()];
        let rt = &self.rt[s.index()];
        dep.rollout_state != RolloutState::Failed
            && (dep.task_set.is_some() || rt.primary == Some(d))
            && rt.consecutive_failures <= failures_before
    }
}
