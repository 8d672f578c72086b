//! `events.jsonl`: one EventBridge-shaped line per event, in simulation order (SPEC §9).
//!
//! A run can have a million events, so each line is serialized from small borrowed structs into
//! one reused buffer and handed to the writer with a single `write_all`: no `serde_json::Value`,
//! no allocation per line once the buffer has grown to the longest line.

use crate::ecs::instance_az;
use crate::ecs::service::{deployment, service};
use crate::time::IsoTime;
use ecsim_engine::{EventDetail, EventRecord, RunOutput};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct EventLine<'a> {
    t: u64,
    time: IsoTime,
    #[serde(rename = "detail-type")]
    detail_type: &'static str,
    /// The EventBridge envelope's `resources`: the service's ARN for the service detail-types
    /// (reference §3.3), absent for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<[&'a str; 1]>,
    detail: Detail<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Detail<'a> {
    TaskStateChange(TaskStateChange<'a>),
    ContainerInstanceStateChange(ContainerInstanceStateChange<'a>),
    PlacementDecision(PlacementDecision<'a>),
    PlacementFailure(PlacementFailure<'a>),
    ServiceAction(ServiceAction<'a>),
    DeploymentStateChange(DeploymentStateChange<'a>),
    ActionError(ActionError<'a>),
}

/// `ECS Task State Change`. The status fields are those of the event; the rest resolve against
/// the final world (they do not change over a task's life).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskStateChange<'a> {
    cluster_arn: &'a str,
    task_arn: &'a str,
    task_definition_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    container_instance_arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ec2_instance_id: Option<&'a str>,
    group: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_by: Option<&'a str>,
    launch_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_provider_name: Option<&'a str>,
    last_status: &'static str,
    desired_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_reason: Option<&'a str>,
    cpu: U32Str,
    memory: U32Str,
}

/// `ECS Container Instance State Change`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerInstanceStateChange<'a> {
    cluster_arn: &'a str,
    container_instance_arn: &'a str,
    ec2_instance_id: &'a str,
    status: &'static str,
    agent_connected: bool,
    running_tasks_count: u32,
    pending_tasks_count: u32,
    reason: &'static str,
}

/// `ECS Placement Decision`: one per placed task.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlacementDecision<'a> {
    cluster_arn: &'a str,
    task_arn: &'a str,
    task_definition_arn: &'a str,
    group: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_by: Option<&'a str>,
    container_instance_arn: &'a str,
    ec2_instance_id: &'a str,
    availability_zone: Option<&'a str>,
    finalists: u32,
}

/// `ECS Placement Failure`: one per unplaced task; the instance is the closest match (SPEC §4).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlacementFailure<'a> {
    cluster_arn: &'a str,
    group: &'a str,
    task_definition_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_by: Option<&'a str>,
    container_instance_arn: Option<&'a str>,
    reason: &'a str,
}

/// `ECS Service Action` (reference §3.3): the service event's text in `message`; a placement
/// failure adds its `reason` and the closest instance in `containerInstanceArns`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceAction<'a> {
    event_type: &'static str,
    event_name: &'static str,
    cluster_arn: &'a str,
    created_at: IsoTime,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container_instance_arns: Option<[&'a str; 1]>,
}

/// `ECS Deployment State Change` (reference §3.3): `deploymentId` is the deployment's
/// `ecs-svc/...` id; `eventType` is ERROR for SERVICE_DEPLOYMENT_FAILED, else INFO.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentStateChange<'a> {
    event_type: &'static str,
    event_name: &'static str,
    deployment_id: &'a str,
    updated_at: IsoTime,
    rollout_state: &'static str,
    reason: &'a str,
}

/// `ECS Action Error`: an action the simulated state rejected.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionError<'a> {
    event_name: &'a str,
    action_index: usize,
    error: &'a str,
    message: &'a str,
}

/// A `u32` written as a JSON string without allocating (ECS shows task cpu and memory as strings).
struct U32Str(u32);

impl Serialize for U32Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 10];
        let mut i = buf.len();
        let mut v = self.0;
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        s.serialize_str(std::str::from_utf8(&buf[i..]).expect("digits are ASCII"))
    }
}

/// The detail of `d`, which happened at `time`, and the envelope's `resources`.
fn detail<'a>(
    out: &'a RunOutput,
    time: IsoTime,
    d: &'a EventDetail,
) -> (Detail<'a>, Option<[&'a str; 1]>) {
    let world = &out.world;
    let detail = match d {
        EventDetail::TaskStateChange {
            task,
            last_status,
            desired_status,
            stop_code,
            stopped_reason,
        } => {
            let task = world.task(*task);
            let inst = task.instance.map(|i| world.instance(i));
            Detail::TaskStateChange(TaskStateChange {
                cluster_arn: &world.cluster(task.cluster).arn,
                task_arn: &task.arn,
                task_definition_arn: &world.task_definition(task.task_definition).arn,
                container_instance_arn: inst.map(|i| i.arn.as_str()),
                ec2_instance_id: inst.map(|i| i.ec2_instance_id.as_str()),
                group: world.group_name(task.group),
                started_by: task.started_by.as_deref(),
                launch_type: task.launch_type.as_str(),
                capacity_provider_name: task.capacity_provider.as_deref(),
                last_status: last_status.as_str(),
                desired_status: desired_status.as_str(),
                stop_code: stop_code.map(|c| c.as_str()),
                stopped_reason: stopped_reason.as_deref(),
                cpu: U32Str(task.requirements.cpu),
                memory: U32Str(task.requirements.memory_mib),
            })
        }
        EventDetail::ContainerInstanceStateChange {
            instance,
            status,
            agent_connected,
            running_tasks_count,
            pending_tasks_count,
            reason,
        } => {
            let inst = world.instance(*instance);
            Detail::ContainerInstanceStateChange(ContainerInstanceStateChange {
                cluster_arn: &world.cluster(inst.cluster).arn,
                container_instance_arn: &inst.arn,
                ec2_instance_id: &inst.ec2_instance_id,
                status: status.as_str(),
                agent_connected: *agent_connected,
                running_tasks_count: *running_tasks_count,
                pending_tasks_count: *pending_tasks_count,
                reason,
            })
        }
        EventDetail::PlacementDecision {
            task,
            instance,
            finalists,
        } => {
            let task = world.task(*task);
            let inst = world.instance(*instance);
            Detail::PlacementDecision(PlacementDecision {
                cluster_arn: &world.cluster(task.cluster).arn,
                task_arn: &task.arn,
                task_definition_arn: &world.task_definition(task.task_definition).arn,
                group: world.group_name(task.group),
                started_by: task.started_by.as_deref(),
                container_instance_arn: &inst.arn,
                ec2_instance_id: &inst.ec2_instance_id,
                availability_zone: instance_az(inst),
                finalists: *finalists,
            })
        }
        EventDetail::PlacementFailure {
            cluster,
            group,
            task_definition,
            started_by,
            instance,
            requested,
            reason,
        } => Detail::PlacementFailure(PlacementFailure {
            cluster_arn: &world.cluster(*cluster).arn,
            group: world.group_name(*group),
            task_definition_arn: &world.task_definition(*task_definition).arn,
            started_by: started_by.as_deref(),
            container_instance_arn: instance
                .map(|i| world.instance(i).arn.as_str())
                .or(requested.as_deref()),
            reason,
        }),
        EventDetail::ServiceAction {
            service: id,
            event_name,
            event_type,
            message,
            reason,
            instance,
        } => {
            let s = service(out, *id);
            let detail = Detail::ServiceAction(ServiceAction {
                event_type,
                event_name,
                cluster_arn: &world.cluster(s.cluster).arn,
                created_at: time,
                message,
                reason: reason.as_deref(),
                container_instance_arns: instance.map(|i| [world.instance(i).arn.as_str()]),
            });
            return (detail, Some([s.arn.as_str()]));
        }
        EventDetail::DeploymentStateChange {
            service: id,
            deployment: dep,
            event_name,
            rollout_state,
            reason,
        } => {
            let s = service(out, *id);
            let dep = deployment(out, *dep);
            debug_assert_eq!(dep.service, *id, "deployment of another service");
            let detail = Detail::DeploymentStateChange(DeploymentStateChange {
                event_type: if *event_name == "SERVICE_DEPLOYMENT_FAILED" {
                    "ERROR"
                } else {
                    "INFO"
                },
                event_name,
                deployment_id: &dep.ecs_id,
                updated_at: time,
                rollout_state: rollout_state.as_str(),
                reason,
            });
            return (detail, Some([s.arn.as_str()]));
        }
        EventDetail::ActionError {
            action_index,
            action,
            error,
            message,
        } => Detail::ActionError(ActionError {
            event_name: action,
            action_index: *action_index,
            error,
            message,
        }),
    };
    (detail, None)
}

/// Appends one event line (with its newline) to `buf`.
fn push_line(buf: &mut Vec<u8>, out: &RunOutput, time: IsoTime, e: &EventRecord) -> io::Result<()> {
    let (detail, resources) = detail(out, time, &e.detail);
    let line = EventLine {
        t: e.t.ms(),
        time,
        detail_type: e.detail.detail_type(),
        resources,
        detail,
    };
    serde_json::to_writer(&mut *buf, &line).map_err(io::Error::from)?;
    buf.push(b'\n');
    Ok(())
}

/// Lines are gathered into a buffer of about this size before each write.
const FLUSH_BYTES: usize = 64 * 1024;

/// Writes `events.jsonl`.
pub fn write_events(out: &RunOutput, mut w: impl Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_BYTES + 4096);
    // Events come in time order with many sharing a time: render each time once.
    let mut last: Option<(u64, IsoTime)> = None;
    for e in &out.events {
        let t = e.t.ms();
        let time = match last {
            Some((lt, time)) if lt == t => time,
            _ => {
                let time = IsoTime::new(out.start_time_unix_ms, t);
                last = Some((t, time));
                time
            }
        };
        push_line(&mut buf, out, time, e)?;
        if buf.len() >= FLUSH_BYTES {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)?;
    w.flush()
}
