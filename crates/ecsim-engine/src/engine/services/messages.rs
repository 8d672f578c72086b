//! Service event messages in ECS's wording (reference §3.2), with their six-hour de-duplication.

use super::Services;
use crate::engine::cx::Cx;
use crate::record::EventDetail;
use crate::service::ServiceEvent;
use ecsim_kernel::SimDuration;
use ecsim_model::{InstanceId, ServiceId, TaskId};
use ecsim_placement::NO_INSTANCES;
use std::sync::Arc;

/// Duplicate service event messages are omitted for six hours (reference §3.2), and a steady
/// service repeats its steady-state message at that cadence.
pub(super) const EVENT_REPEAT: SimDuration = SimDuration::from_seconds(6 * 3600);
/// DescribeServices shows the 100 most recent events (reference §3.2).
const EVENTS_KEPT: usize = 100;
/// The suffix of ECS's placement-failure service events.
const TROUBLESHOOTING: &str =
    " For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";

impl Services {
    /// Emits a service event unless the same cause sent the same message within six hours
    /// (reference §3.2); returns whether it was sent.
    pub(super) fn service_event(
        &mut self,
        cx: &mut Cx,
        s: ServiceId,
        cause: &'static str,
        event_name: &'static str,
        event_type: &'static str,
        message: String,
    ) -> bool {
        self.service_event_with(cx, s, cause, event_name, event_type, message, None, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn service_event_with(
        &mut self,
        cx: &mut Cx,
        s: ServiceId,
        cause: &'static str,
        event_name: &'static str,
        event_type: &'static str,
        message: String,
        reason: Option<&'static str>,
        instance: Option<InstanceId>,
    ) -> bool {
        let now = cx.now;
        let message: Arc<str> = Arc::from(message);
        let key = (cause, message);
        if let Some(at) = self.rt[s.index()].messages.get(&key) {
            if now.since(*at) < EVENT_REPEAT {
                return false;
            }
        }
        let message = Arc::clone(&key.1);
        self.rt[s.index()].messages.insert(key, now);
        self.push_service_event(cx, s, event_name, event_type, message, reason, instance);
        true
    }

    /// The cause is resolved: its next message is sent at once.
    pub(super) fn clear_cause(&mut self, s: ServiceId, cause: &'static str) {
        self.rt[s.index()].messages.retain(|(c, _), _| *c != cause);
    }

    pub(super) fn service_event_always(
        &mut self,
        cx: &mut Cx,
        s: ServiceId,
        event_name: &'static str,
        event_type: &'static str,
        message: String,
    ) {
        self.push_service_event(
            cx,
            s,
            event_name,
            event_type,
            Arc::from(message),
            None,
            None,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_service_event(
        &mut self,
        cx: &mut Cx,
        s: ServiceId,
        event_name: &'static str,
        event_type: &'static str,
        message: Arc<str>,
        reason: Option<&'static str>,
        instance: Option<InstanceId>,
    ) {
        self.next_service_event += 1;
        let events = &mut self.services[s.index()].events;
        events.push_front(ServiceEvent {
            number: self.next_service_event,
            service: s,
            created_at: cx.now,
            message: Arc::clone(&message),
        });
        events.truncate(EVENTS_KEPT);
        cx.rec.emit(
            cx.now,
            &cx.world,
            EventDetail::ServiceAction {
                service: s,
                event_name,
                event_type,
                message,
                reason,
                instance,
            },
        );
    }

    /// `(service NAME) was unable to place a task because no container instance met all of its
    /// requirements. ...` (reference §3.2), once per six hours per text.
    pub(super) fn placement_failed_event(
        &mut self,
        cx: &mut Cx,
        s: ServiceId,
        closest: Option<InstanceId>,
        reason: &'static str,
    ) {
        let name = &self.services[s.index()].name;
        let message = match closest {
            None if reason == NO_INSTANCES => format!(
                "(service {name}) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.{TROUBLESHOOTING}"
            ),
            None => format!(
                "(service {name}) was unable to place a task because no container instance met all of its requirements. Reason: {reason}{TROUBLESHOOTING}"
            ),
            Some(i) => {
                let id = ecsim_model::Hex32(cx.world.instance(i).number);
                let what = match reason {
                    "RESOURCE:CPU" => "has insufficient CPU units available.".to_string(),
                    "RESOURCE:MEMORY" => "has insufficient memory available.".to_string(),
                    "RESOURCE:PORTS" | "RESOURCE:PORTS_UDP" => {
                        "is already using a port required by your task.".to_string()
                    }
                    "ATTRIBUTE" => "is missing an attribute required by your task.".to_string(),
                    other => format!("encountered error \"{other}\"."),
                };
                format!(
                    "(service {name}) was unable to place a task because no container instance met all of its requirements. The closest matching container-instance {id} {what}{TROUBLESHOOTING}"
                )
            }
        };
        self.service_event_with(
            cx,
            s,
            "placement",
            "SERVICE_TASK_PLACEMENT_FAILURE",
            "ERROR",
            message,
            Some(reason),
            closest,
        );
    }

    /// `(service NAME) has started N tasks: (task ID) ...`.
    pub(super) fn report_started(&mut self, cx: &mut Cx, s: ServiceId, placed: &[TaskId]) {
        if placed.is_empty() {
            return;
        }
        let name = &self.services[s.index()].name;
        let mut message = format!("(service {name}) has started {} tasks:", placed.len());
        for t in placed {
            use std::fmt::Write;
            let _ = write!(message, " (task {})", t.hex());
        }
        message.push('.');
        self.service_event_always(cx, s, "SERVICE_TASKS_STARTED", "INFO", message);
    }

    /// `(service NAME) has stopped N running tasks: (task ID) ...`.
    pub(super) fn report_stopped(&mut self, cx: &mut Cx, s: ServiceId, running: &[TaskId]) {
        if running.is_empty() {
            return;
        }
        let name = &self.services[s.index()].name;
        let behind_load_balancer = (self.services[s.index()].simulation.as_ref())
            .is_some_and(|sim| sim.load_balancer.is_some());
        if behind_load_balancer {
            // Reference §3.2: "(service X) has begun draining connections on 1 tasks.", as the
            // targets of the stopped tasks deregister (DEACTIVATING).
            let message = format!(
                "(service {name}) has begun draining connections on {} tasks.",
                running.len()
            );
            self.service_event_always(cx, s, "SERVICE_TASKS_DRAINING", "INFO", message);
        }
        let name = &self.services[s.index()].name;
        let mut message = format!(
            "(service {name}) has stopped {} running tasks:",
            running.len()
        );
        for t in running {
            use std::fmt::Write;
            let _ = write!(message, " (task {})", t.hex());
        }
        message.push('.');
        self.service_event_always(cx, s, "SERVICE_TASKS_STOPPED", "INFO", message);
    }

    /// The configuration stops a deployment, or protected tasks stop a scale-in.
    pub(super) fn report_blocked(
        &mut self,
        cx: &mut Cx,
        s: ServiceId,
        stuck: bool,
        protected: bool,
    ) {
        let name = &self.services[s.index()].name;
        if stuck {
            let message = format!("(service {name}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.");
            self.service_event(
                cx,
                s,
                "stuck",
                "SERVICE_DEPLOYMENT_BLOCKED",
                "WARN",
                message,
            );
        } else {
            self.clear_cause(s, "stuck");
        }
        if !protected {
            return;
        }
        let now = cx.now;
        let rt = &self.rt[s.index()];
        let protected_count = rt
            .tasks
            .keys()
            .filter(|&&t| {
                cx.world.task(t).desired_status == ecsim_model::DesiredStatus::Running
                    && rt.is_protected(t, now)
            })
            .count() as u32;
        if protected_count > rt.desired_effective {
            let set = rt
                .primary
                .map(|d| d.ecs_id().to_string())
                .unwrap_or_default();
            let name = &self.services[s.index()].name;
            let message = format!("(service {name}) was unable to reach steady state because task set ({set}) was unable to scale in. Reason: The number of protected tasks are more than the desired count of tasks.");
            self.service_event(
                cx,
                s,
                "protected",
                "SERVICE_DEPLOYMENT_BLOCKED",
                "WARN",
                message,
            );
        }
    }
}
