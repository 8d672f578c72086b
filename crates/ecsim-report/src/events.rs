//! `events.jsonl`: one EventBridge-shaped line per event, in simulation order (SPEC §9).
//!
//! A run can have tens of millions of events, so each line is serialized from small borrowed
//! structs into one reused buffer and handed to the writer in 64 KiB pieces: no
//! `serde_json::Value`, no allocation per line once the buffer has grown to the longest line.

use crate::ecs::stopped_reason;
use crate::names::{AsStr, Names, ProviderArn, StartedByText, TaskArn};
use crate::time::IsoTime;
use ecsim_engine::{EventDetail, EventRecord};
use ecsim_model::task::StoppedReasonText;
use ecsim_model::EcsSvcId;
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
    ScalingActivity(ScalingActivity<'a>),
    CapacityProviderReservation(CapacityProviderReservation<'a>),
    ActionError(ActionError<'a>),
    FaultInjected(FaultInjected<'a>),
}

/// `ECS Fault Injected` (SPEC §12.1): `until` is the end of an outage or disconnect, null for
/// the faults that have none.
#[derive(Serialize)]
struct FaultInjected<'a> {
    #[serde(rename = "type")]
    fault_type: &'a str,
    target: &'a str,
    until: Option<IsoTime>,
}

/// `ECS Task State Change`. The status fields are those of the event; the rest resolve through
/// the task's spec (they do not change over a task's life).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskStateChange<'a> {
    cluster_arn: &'a str,
    task_arn: TaskArn<'a>,
    task_definition_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    container_instance_arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ec2_instance_id: Option<&'a str>,
    /// A Fargate task's zone (EC2 tasks: see their instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    availability_zone: Option<&'a str>,
    group: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_by: Option<AsStr<StartedByText<'a>>>,
    launch_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_provider_name: Option<&'a str>,
    last_status: &'static str,
    desired_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_reason: Option<AsStr<StoppedReasonText<'a>>>,
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
    task_arn: TaskArn<'a>,
    task_definition_arn: &'a str,
    group: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_by: Option<AsStr<StartedByText<'a>>>,
    /// None for a Fargate task.
    #[serde(skip_serializing_if = "Option::is_none")]
    container_instance_arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ec2_instance_id: Option<&'a str>,
    availability_zone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_provider_name: Option<&'a str>,
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
    started_by: Option<AsStr<StartedByText<'a>>>,
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
    deployment_id: AsStr<EcsSvcId>,
    updated_at: IsoTime,
    rollout_state: &'static str,
    reason: &'a str,
}

/// `ECS Scaling Activity`: an Auto Scaling group provider's launch, drain or termination.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScalingActivity<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster_arn: Option<&'a str>,
    capacity_provider_arn: ProviderArn<'a>,
    capacity_provider_name: &'a str,
    activity: &'static str,
    count: u32,
    desired_capacity: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ec2_instance_ids: Vec<&'a str>,
    cause: &'a str,
}

/// `ECS Capacity Provider Reservation`: one managed-scaling evaluation (SPEC §8).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CapacityProviderReservation<'a> {
    cluster_arn: &'a str,
    capacity_provider_arn: ProviderArn<'a>,
    capacity_provider_name: &'a str,
    /// M / N × 100.
    capacity_provider_reservation: f64,
    instances_needed: u32,
    instances_running: u32,
    target_capacity: u32,
    /// Instances launched (> 0) or terminated (< 0) by this evaluation.
    scaling_change: i32,
}

/// `ECS Action Error`: an action the simulated state rejected.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionError<'a> {
    event_name: &'a str,
    action_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
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
    names: &'a Names,
    time: IsoTime,
    d: &'a EventDetail,
) -> (Detail<'a>, Option<[&'a str; 1]>) {
    let detail = match d {
        EventDetail::TaskStateChange {
            task,
            spec,
            instance,
            zone,
            last_status,
            desired_status,
            stop_code,
            stopped_reason: reason,
        } => {
            let spec = names.spec(*spec);
            let inst = instance.map(|i| names.instance(i));
            Detail::TaskStateChange(TaskStateChange {
                cluster_arn: &names.cluster(spec.cluster).arn,
                task_arn: names.task_arn(*task, spec.cluster),
                task_definition_arn: &names.task_definition(spec.task_definition).arn,
                container_instance_arn: inst.map(|i| &*i.arn),
                ec2_instance_id: inst.map(|i| &*i.ec2_instance_id),
                availability_zone: zone.map(|z| names.zone(z)),
                group: names.group(spec.group),
                started_by: spec.started_by.as_ref().map(|s| AsStr(StartedByText(s))),
                launch_type: spec.launch_type.as_str(),
                capacity_provider_name: spec.capacity_provider.as_deref(),
                last_status: last_status.as_str(),
                desired_status: desired_status.as_str(),
                stop_code: stop_code.map(|c| c.as_str()),
                stopped_reason: reason.as_ref().map(|r| AsStr(stopped_reason(names, r))),
                cpu: U32Str(spec.requirements.cpu),
                memory: U32Str(spec.requirements.memory_mib),
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
            let inst = names.instance(*instance);
            Detail::ContainerInstanceStateChange(ContainerInstanceStateChange {
                cluster_arn: &names.cluster(inst.cluster).arn,
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
            spec,
            instance,
            zone,
            finalists,
        } => {
            let spec = names.spec(*spec);
            let inst = instance.map(|i| names.instance(i));
            Detail::PlacementDecision(PlacementDecision {
                cluster_arn: &names.cluster(spec.cluster).arn,
                task_arn: names.task_arn(*task, spec.cluster),
                task_definition_arn: &names.task_definition(spec.task_definition).arn,
                group: names.group(spec.group),
                started_by: spec.started_by.as_ref().map(|s| AsStr(StartedByText(s))),
                container_instance_arn: inst.map(|i| &*i.arn),
                ec2_instance_id: inst.map(|i| &*i.ec2_instance_id),
                availability_zone: match zone {
                    Some(z) => Some(names.zone(*z)),
                    None => inst.and_then(|i| i.availability_zone.as_deref()),
                },
                capacity_provider_name: spec.capacity_provider.as_deref(),
                finalists: *finalists,
            })
        }
        EventDetail::PlacementFailure {
            spec,
            instance,
            requested,
            reason,
        } => {
            let spec = names.spec(*spec);
            Detail::PlacementFailure(PlacementFailure {
                cluster_arn: &names.cluster(spec.cluster).arn,
                group: names.group(spec.group),
                task_definition_arn: &names.task_definition(spec.task_definition).arn,
                started_by: spec.started_by.as_ref().map(|s| AsStr(StartedByText(s))),
                container_instance_arn: instance
                    .map(|i| &*names.instance(i).arn)
                    .or(requested.as_deref()),
                reason,
            })
        }
        EventDetail::ServiceAction {
            service: id,
            event_name,
            event_type,
            message,
            reason,
            instance,
        } => {
            let s = names.service(*id);
            let detail = Detail::ServiceAction(ServiceAction {
                event_type,
                event_name,
                cluster_arn: &names.cluster(s.cluster).arn,
                created_at: time,
                message,
                reason: *reason,
                container_instance_arns: instance.map(|i| [&*names.instance(i).arn]),
            });
            return (detail, Some([&*s.arn]));
        }
        EventDetail::DeploymentStateChange {
            service: id,
            deployment,
            event_name,
            rollout_state,
            reason,
        } => {
            let s = names.service(*id);
            let detail = Detail::DeploymentStateChange(DeploymentStateChange {
                event_type: if *event_name == "SERVICE_DEPLOYMENT_FAILED" {
                    "ERROR"
                } else {
                    "INFO"
                },
                event_name,
                deployment_id: AsStr(deployment.ecs_id()),
                updated_at: time,
                rollout_state: rollout_state.as_str(),
                reason,
            });
            return (detail, Some([&*s.arn]));
        }
        EventDetail::ScalingActivity {
            cluster,
            capacity_provider,
            activity,
            count,
            desired_capacity,
            instances,
            cause,
        } => Detail::ScalingActivity(ScalingActivity {
            cluster_arn: cluster.map(|c| &*names.cluster(c).arn),
            capacity_provider_arn: ProviderArn {
                names,
                name: capacity_provider,
            },
            capacity_provider_name: capacity_provider,
            activity: activity.as_str(),
            count: *count,
            desired_capacity: *desired_capacity,
            ec2_instance_ids: instances
                .iter()
                .map(|&i| &*names.instance(i).ec2_instance_id)
                .collect(),
            cause,
        }),
        EventDetail::CapacityProviderReservation {
            cluster,
            capacity_provider,
            reservation,
            needed,
            running,
            target_capacity,
            change,
        } => Detail::CapacityProviderReservation(CapacityProviderReservation {
            cluster_arn: &names.cluster(*cluster).arn,
            capacity_provider_arn: ProviderArn {
                names,
                name: capacity_provider,
            },
            capacity_provider_name: capacity_provider,
            capacity_provider_reservation: crate::summary::round6(*reservation),
            instances_needed: *needed,
            instances_running: *running,
            target_capacity: *target_capacity,
            scaling_change: *change,
        }),
        EventDetail::ActionError {
            action_index,
            action,
            label,
            error,
            message,
        } => Detail::ActionError(ActionError {
            event_name: action,
            action_index: *action_index,
            label: label.as_deref(),
            error,
            message,
        }),
        EventDetail::FaultInjected {
            fault_type,
            target,
            until,
        } => Detail::FaultInjected(FaultInjected {
            fault_type,
            target,
            until: until.map(|u| IsoTime::new(names.start_time_unix_ms, u.ms())),
        }),
    };
    (detail, None)
}

/// Which events `events.jsonl` holds (SPEC §10 `--events`); every other file and the fingerprint
/// are the same whichever is chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventsMode {
    #[default]
    All,
    /// Without `ECS Task State Change` and `ECS Placement Decision`.
    NoTasks,
    /// An empty file.
    None,
}

/// Lines are gathered into a buffer of about this size before each write.
const FLUSH_BYTES: usize = 64 * 1024;

/// Writes `events.jsonl` line by line as events arrive.
pub struct EventsWriter<W: Write> {
    w: W,
    mode: EventsMode,
    buf: Vec<u8>,
    /// Events come in time order with many sharing a time: each time is rendered once.
    last: Option<(u64, IsoTime)>,
    /// Bytes of the file so far (written and buffered).
    bytes: u64,
}

impl<W: Write> EventsWriter<W> {
    pub fn new(w: W, mode: EventsMode) -> EventsWriter<W> {
        EventsWriter {
            w,
            mode,
            buf: Vec::with_capacity(FLUSH_BYTES + 4096),
            last: None,
            bytes: 0,
        }
    }

    /// Bytes of `events.jsonl` so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Writes one event's line (unless the mode leaves it out).
    pub fn event(&mut self, names: &Names, e: &EventRecord) -> io::Result<()> {
        match self.mode {
            EventsMode::None => return Ok(()),
            EventsMode::NoTasks if e.detail.is_task_event() => return Ok(()),
            _ => {}
        }
        let t = e.t.ms();
        let time = match self.last {
            Some((lt, time)) if lt == t => time,
            _ => {
                let time = IsoTime::new(names.start_time_unix_ms, t);
                self.last = Some((t, time));
                time
            }
        };
        let before = self.buf.len();
        let (detail, resources) = detail(names, time, &e.detail);
        let line = EventLine {
            t,
            time,
            detail_type: e.detail.detail_type(),
            resources,
            detail,
        };
        serde_json::to_writer(&mut self.buf, &line).map_err(io::Error::from)?;
        self.buf.push(b'\n');
        self.bytes += (self.buf.len() - before) as u64;
        if self.buf.len() >= FLUSH_BYTES {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes what is buffered and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.w.write_all(&self.buf)?;
        self.w.flush()?;
        Ok(self.w)
    }
}
