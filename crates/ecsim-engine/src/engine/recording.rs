//! Recording: every event, row and snapshot goes through here as it happens, straight to the sink.
//! The recorder derives the counts and the fingerprint from the records themselves (so no emit
//! site can forget them) and declares the names a record uses before the record. A sink that
//! refuses a record is remembered; the event loop ends the run after the current event.

use crate::output::Counts;
use crate::record::{
    Declaration, EventDetail, EventRecord, Record, ServiceRow, Sink, SinkError, SnapshotRecord,
    TimeseriesRow,
};
use ecsim_kernel::{Fingerprint, SimTime};
use ecsim_model::{
    DesiredStatus, GroupId, InstanceId, SpecId, TaskDefId, TaskStatus, World, ZoneId,
};
use std::sync::Arc;

/// How many of each kind of name have been declared.
#[derive(Default)]
struct Declared {
    clusters: usize,
    instances: usize,
    task_definitions: usize,
    groups: usize,
    specs: usize,
    zones: usize,
}

/// Where the records go: a sink the engine owns, or one its caller lends it.
pub(crate) enum SinkRef<'s> {
    Owned(Box<dyn Sink + 's>),
    Borrowed(&'s mut dyn Sink),
}

pub(crate) struct Recorder<'s> {
    sink: SinkRef<'s>,
    /// The sink's refusal, if it refused a record (the records after it are dropped).
    refused: Option<SinkError>,
    fingerprint: Fingerprint,
    pub counts: Counts,
    declared: Declared,
    /// Check mode: every task state change is checked for a legal transition.
    pub transitions: Option<Box<crate::check::Transitions>>,
}

impl<'s> Recorder<'s> {
    pub fn new(sink: SinkRef<'s>) -> Recorder<'s> {
        Recorder {
            sink,
            refused: None,
            fingerprint: Fingerprint::new(),
            counts: Counts::default(),
            declared: Declared::default(),
            transitions: None,
        }
    }

    fn push(&mut self, r: Record) {
        if self.refused.is_some() {
            return;
        }
        let sink: &mut dyn Sink = match &mut self.sink {
            SinkRef::Owned(b) => &mut **b,
            SinkRef::Borrowed(s) => &mut **s,
        };
        if let Err(e) = sink.record(r) {
            self.refused = Some(e);
        }
    }

    /// The sink's refusal, once.
    pub fn take_refusal(&mut self) -> Option<SinkError> {
        self.refused.take()
    }

    /// A queue event was processed: it is counted and hashed (time, phase, kind, id).
    pub fn processed(&mut self, t: SimTime, phase: u8, kind: u8, id: u64) {
        self.counts.events_processed += 1;
        let mut b = [0u8; 21];
        b[..8].copy_from_slice(&t.ms().to_le_bytes());
        b[8] = phase;
        b[9..17].copy_from_slice(&id.to_le_bytes());
        b[17] = kind;
        self.fingerprint.absorb(&b);
    }

    pub fn fingerprint_hex(&self) -> String {
        self.fingerprint.hex()
    }

    /// Declares every cluster, instance, task definition, group and spec the world has gained
    /// since the last record, so that a sink resolving names has them before any record uses them.
    fn sync(&mut self, world: &World) {
        while self.declared.clusters < world.clusters.len() {
            let c = &world.clusters[self.declared.clusters];
            self.declared.clusters += 1;
            self.push(Record::Declare(Declaration::Cluster {
                id: c.id,
                name: Arc::from(c.name.as_str()),
                arn: Arc::from(c.arn.as_str()),
            }));
        }
        while self.declared.instances < world.instances.len() {
            let i = &world.instances[self.declared.instances];
            self.declared.instances += 1;
            self.push(Record::Declare(Declaration::Instance {
                id: i.id,
                cluster: i.cluster,
                arn: Arc::from(world.instance_arn(i.id)),
                ec2_instance_id: Arc::from(i.ec2_instance_id.as_str()),
                availability_zone: i.availability_zone().map(Arc::from),
            }));
        }
        while self.declared.task_definitions < world.task_definition_count() {
            let id = TaskDefId(self.declared.task_definitions as u32);
            self.declared.task_definitions += 1;
            self.push(Record::Declare(Declaration::TaskDefinition {
                id,
                definition: Arc::clone(world.task_definition_arc(id)),
            }));
        }
        while self.declared.groups < world.group_count() {
            let id = GroupId(self.declared.groups as u32);
            self.declared.groups += 1;
            self.push(Record::Declare(Declaration::Group {
                id,
                name: Arc::from(world.group_name(id)),
            }));
        }
        while self.declared.zones < world.zone_count() {
            let id = ZoneId(self.declared.zones as u16);
            self.declared.zones += 1;
            self.push(Record::Declare(Declaration::Zone {
                id,
                name: Arc::clone(world.zone_name(id)),
            }));
        }
        while self.declared.specs < world.spec_count() {
            let id = SpecId(self.declared.specs as u32);
            self.declared.specs += 1;
            self.push(Record::Declare(Declaration::Spec {
                id,
                spec: Arc::clone(world.spec_arc(id)),
            }));
        }
    }

    /// Declares a name the world does not hold (a service).
    pub fn declare(&mut self, world: &World, d: Declaration) {
        self.sync(world);
        self.push(Record::Declare(d));
    }

    /// An instance's zone attribute changed.
    pub fn instance_zone(&mut self, world: &World, id: InstanceId) {
        self.sync(world);
        let zone = world.instance(id).availability_zone().map(Arc::from);
        self.push(Record::Declare(Declaration::InstanceZone {
            id,
            availability_zone: zone,
        }));
    }

    /// Records an event at `now`: counted, hashed (what happened, not only when: which instance a
    /// task went to, which reason a failure had) and queued for the sink.
    pub fn emit(&mut self, now: SimTime, world: &World, detail: EventDetail) {
        self.sync(world);
        let f = &mut self.fingerprint;
        f.write(&now.ms().to_le_bytes());
        match &detail {
            EventDetail::TaskStateChange {
                task,
                last_status,
                desired_status,
                stop_code,
                ..
            } => {
                f.write(&[
                    1,
                    *last_status as u8,
                    *desired_status as u8,
                    stop_code.map_or(255, |c| c as u8),
                ]);
                f.write(&task.0.to_le_bytes());
                if let Some(tr) = &mut self.transitions {
                    tr.observe(
                        *task,
                        world.task(*task).created_at,
                        *last_status,
                        *desired_status,
                    );
                }
                match last_status {
                    // A spot warning says RUNNING again with desired STOPPED: not a new start.
                    TaskStatus::Running if *desired_status == DesiredStatus::Running => {
                        self.counts.tasks_started += 1
                    }
                    TaskStatus::Stopped => {
                        let code = stop_code.map_or("UserInitiated", |c| c.as_str());
                        *self.counts.tasks_stopped.entry(code).or_insert(0) += 1;
                    }
                    _ => {}
                }
            }
            EventDetail::ContainerInstanceStateChange {
                instance,
                status,
                agent_connected,
                ..
            } => {
                f.write(&[2, *status as u8, *agent_connected as u8]);
                f.write(&instance.0.to_le_bytes());
            }
            EventDetail::PlacementDecision {
                task,
                instance,
                zone,
                finalists,
                ..
            } => {
                f.write(&[3]);
                f.write(&task.0.to_le_bytes());
                match instance {
                    Some(i) => f.write(&i.0.to_le_bytes()),
                    // A Fargate task: its zone, marked apart from every instance id.
                    None => {
                        f.write(&[0xfe]);
                        f.write(&zone.map_or(u32::MAX, |z| z.0 as u32).to_le_bytes());
                    }
                }
                f.write(&finalists.to_le_bytes());
                self.counts.placements += 1;
            }
            EventDetail::PlacementFailure {
                spec,
                instance,
                reason,
                ..
            } => {
                let spec = world.spec(*spec);
                f.write(&[4]);
                f.write(&spec.group.0.to_le_bytes());
                f.write(&spec.task_definition.0.to_le_bytes());
                f.write(&instance.map_or(u32::MAX, |i| i.0).to_le_bytes());
                f.write(reason.as_bytes());
                *self.counts.placement_failures.entry(reason).or_insert(0) += 1;
                *(self.counts.placement_failures_by_cluster)
                    .entry(spec.cluster)
                    .or_insert(0) += 1;
            }
            EventDetail::ServiceAction {
                service,
                event_name,
                message,
                ..
            } => {
                f.write(&[6]);
                f.write(&service.0.to_le_bytes());
                f.write(event_name.as_bytes());
                f.write(message.as_bytes());
            }
            EventDetail::DeploymentStateChange {
                service,
                deployment,
                rollout_state,
                ..
            } => {
                f.write(&[7, *rollout_state as u8]);
                f.write(&service.0.to_le_bytes());
                f.write(&deployment.0.to_le_bytes());
            }
            EventDetail::ScalingActivity {
                activity,
                count,
                desired_capacity,
                ..
            } => {
                f.write(&[8, *activity as u8]);
                f.write(&count.to_le_bytes());
                f.write(&desired_capacity.to_le_bytes());
            }
            EventDetail::CapacityProviderReservation {
                needed,
                running,
                change,
                ..
            } => {
                f.write(&[9]);
                f.write(&needed.to_le_bytes());
                f.write(&running.to_le_bytes());
                f.write(&change.to_le_bytes());
            }
            EventDetail::ActionError {
                action_index,
                error,
                ..
            } => {
                f.write(&[5]);
                f.write(&(*action_index as u64).to_le_bytes());
                f.write(error.as_bytes());
                self.counts.action_errors += 1;
            }
            EventDetail::FaultInjected {
                fault_type,
                target,
                until,
            } => {
                f.write(&[10]);
                f.write(fault_type.as_bytes());
                f.write(target.as_bytes());
                f.write(&until.map_or(u64::MAX, |u| u.ms()).to_le_bytes());
            }
        }
        f.end();
        self.push(Record::Event(EventRecord { t: now, detail }));
    }

    pub fn sample(&mut self, world: &World, row: TimeseriesRow) {
        self.sync(world);
        self.push(Record::Sample(row));
    }

    pub fn service_row(&mut self, world: &World, row: ServiceRow) {
        self.sync(world);
        self.push(Record::ServiceRow(row));
    }

    pub fn snapshot(&mut self, world: &World, s: SnapshotRecord) {
        self.sync(world);
        self.push(Record::Snapshot(Box::new(s)));
    }
}
