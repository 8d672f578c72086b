//! One run of a plan's variant, judged as SPEC §12.3 says: no placement fails before `at`; after
//! the fault every service is back at its desired running count by `at + recoverWithin` and no
//! placement fails from then on; the scenario's own assertions pass. On the way it reads the state
//! just before `at` (the [`Probe`]): the zones in use, the instances with the most tasks, and what
//! the tasks reserve, for the fault to inject and the lower bound.

use ecsim_engine::service::ServiceStatus;
use ecsim_engine::{Engine, EventDetail, Halt, Record, Scenario, Sink, SinkError};
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::{ClusterId, InstanceStatus, ServiceId, SpecId, StoppedReason, TaskStatus, World};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// How far a run goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// Up to the millisecond before `at`, for the probe only.
    Probe,
    /// To the end, unless a check fails: then at once (the search needs only the verdict).
    Early,
    /// To the end whatever happens (a verification run, whose fingerprint is reported).
    Full,
}

/// Which instances are the fleet's: those the planner varies.
#[derive(Clone, Debug)]
pub(super) enum FleetInstances {
    /// LaunchContainerInstances: the cluster's instances of the planned type (and of the provider
    /// the action attaches them to, if any).
    Launched {
        cluster: String,
        instance_type: String,
        capacity_provider: Option<String>,
    },
    /// An Auto Scaling group provider's instances.
    Group { provider: String },
}

impl FleetInstances {
    fn holds(&self, world: &World, i: &ecsim_model::ContainerInstance) -> bool {
        match self {
            FleetInstances::Launched {
                cluster,
                instance_type,
                capacity_provider,
            } => {
                world.cluster_by_ref(cluster) == Some(i.cluster)
                    && i.instance_type() == Some(instance_type.as_str())
                    && i.capacity_provider.as_deref() == capacity_provider.as_deref()
            }
            FleetInstances::Group { provider } => {
                i.capacity_provider.as_deref() == Some(provider.as_str())
            }
        }
    }

    /// The fleet's cluster: the action's, or the cluster of the group's first instance.
    fn cluster(&self, world: &World) -> Option<ClusterId> {
        match self {
            FleetInstances::Launched { cluster, .. } => world.cluster_by_ref(cluster),
            FleetInstances::Group { .. } => world
                .instances
                .iter()
                .find(|i| self.holds(world, i))
                .map(|i| i.cluster),
        }
    }
}

/// The state just before `at` (after every event before it).
#[derive(Clone, Debug, Default)]
pub(super) struct Probe {
    /// The first placement that failed before `at`, described.
    pub failed_before_at: Option<String>,
    /// The zones of every registered (ACTIVE or DRAINING) instance, of every cluster, sorted.
    pub zones: Vec<String>,
    /// The fleet's cluster, when it exists.
    pub cluster: Option<String>,
    /// The registered instances of the fleet's cluster, most tasks (runningTasksCount) first, ties
    /// by lowest instance number: their EC2 instance ids.
    pub by_tasks: Vec<String>,
    /// CPU units, memory MiB and GPUs reserved on the fleet's cluster's registered instances.
    pub reserved: [u64; 3],
    /// The same resources registered by the cluster's registered instances outside the fleet.
    pub others_registered: [u64; 3],
}

impl Probe {
    fn read(world: &World, fleet: &FleetInstances) -> Probe {
        let registered = |i: &&ecsim_model::ContainerInstance| {
            matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining) && !i.terminated
        };
        let mut zones: Vec<String> = world
            .instances
            .iter()
            .filter(registered)
            .filter_map(|i| i.availability_zone().map(str::to_string))
            .collect();
        zones.sort();
        zones.dedup();
        let mut probe = Probe {
            zones,
            ..Probe::default()
        };
        let Some(c) = fleet.cluster(world) else {
            return probe;
        };
        probe.cluster = Some(world.cluster(c).name.clone());
        let mut members: Vec<&ecsim_model::ContainerInstance> = world
            .cluster(c)
            .instances
            .iter()
            .map(|&id| world.instance(id))
            .filter(registered)
            .collect();
        for i in &members {
            probe.reserved[0] += i.reserved.cpu as u64;
            probe.reserved[1] += i.reserved.memory_mib as u64;
            probe.reserved[2] += i.reserved.gpus as u64;
            if !fleet.holds(world, i) {
                probe.others_registered[0] += i.registered.cpu as u64;
                probe.others_registered[1] += i.registered.memory_mib as u64;
                probe.others_registered[2] += i.registered.gpus as u64;
            }
        }
        members.sort_by_key(|i| (std::cmp::Reverse(i.running_tasks_count), i.number));
        probe.by_tasks = members
            .iter()
            .map(|i| i.ec2_instance_id.to_string())
            .collect();
        probe
    }
}

/// What a run showed.
#[derive(Clone, Debug)]
pub(super) struct Judged {
    /// The first check that failed, described; None: the run passed every check.
    pub failure: Option<String>,
    /// The run's fingerprint, when it ran to its end.
    pub fingerprint: Option<String>,
    pub probe: Option<Probe>,
    /// The fleet cluster's mean stranded CPU and memory (summary `clusters[]`), when the run ran to
    /// its end.
    pub stranded_pct: Option<(f64, f64)>,
}

/// The windows a failed placement is judged in.
#[derive(Clone, Copy, Debug)]
pub(super) struct Windows {
    pub at: SimTime,
    pub recover_within: SimDuration,
    /// Whether a fault strikes at `at` (placements may then fail until `at + recoverWithin`).
    pub fault: bool,
}

impl Windows {
    fn until(&self) -> SimTime {
        self.at + self.recover_within
    }

    /// Whether a placement that fails at `t` fails the run.
    fn forbidden(&self, t: SimTime) -> bool {
        t < self.at || !self.fault || t >= self.until()
    }
}

/// Why a placement failed, kept until the world can name its task group.
#[derive(Clone, Debug)]
struct Failed {
    t: SimTime,
    spec: SpecId,
    reason: &'static str,
    provisioning: bool,
}

/// What the watch has seen.
#[derive(Default)]
struct Seen {
    first_before_at: Option<Failed>,
    first_forbidden: Option<Failed>,
}

/// Watches a run's placement failures (and PROVISIONING timeouts, which are placements that failed
/// after waiting); shares what it saw with the judge, since the engine owns it.
struct Watch {
    windows: Windows,
    early: bool,
    seen: Rc<RefCell<Seen>>,
}

impl Sink for Watch {
    fn record(&mut self, record: Record) -> Result<(), SinkError> {
        let Record::Event(e) = &record else {
            return Ok(());
        };
        let failed = match &e.detail {
            EventDetail::PlacementFailure { spec, reason, .. } => Failed {
                t: e.t,
                spec: *spec,
                reason,
                provisioning: false,
            },
            EventDetail::TaskStateChange {
                spec,
                last_status: TaskStatus::Stopped,
                stopped_reason: Some(StoppedReason::ProvisioningTimedOut(k)),
                ..
            } => Failed {
                t: e.t,
                spec: *spec,
                reason: ecsim_model::task::PROVISIONING_REASONS
                    .get(*k as usize)
                    .copied()
                    .unwrap_or("PROVISIONING"),
                provisioning: true,
            },
            _ => return Ok(()),
        };
        let mut seen = self.seen.borrow_mut();
        if failed.t < self.windows.at && seen.first_before_at.is_none() {
            seen.first_before_at = Some(failed.clone());
        }
        if self.windows.forbidden(failed.t) && seen.first_forbidden.is_none() {
            seen.first_forbidden = Some(failed);
            if self.early {
                return Err(SinkError(STOPPED.into()));
            }
        }
        Ok(())
    }
}

/// The early stop's message (never shown: the failure that caused it is).
const STOPPED: &str = "a check of the plan failed";

/// `40m`, `31m20s`, `1h`, `90.5s`: a simulated time as the messages show it.
pub(super) fn clock(t: SimTime) -> String {
    let ms = t.ms();
    if !ms.is_multiple_of(1000) {
        return format!("{}s", ms as f64 / 1000.0);
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 || out.is_empty() {
        out += &format!("{s}s");
    }
    out
}

fn describe(world: &World, f: &Failed) -> String {
    let group = world.group_name(world.spec(f.spec).group);
    if f.provisioning {
        format!(
            "a task of {group} timed out in PROVISIONING at {} (TaskFailedToStart: {})",
            clock(f.t),
            f.reason
        )
    } else {
        format!(
            "a task of {group} could not be placed at {} ({})",
            clock(f.t),
            f.reason
        )
    }
}

/// Runs `scenario` (a loaded variant, its seed set) and judges it.
pub(super) fn judge(
    scenario: Arc<Scenario>,
    windows: Windows,
    fleet: &FleetInstances,
    fleet_cluster_hint: Option<&str>,
    stop: Stop,
) -> Judged {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let watch = Watch {
        windows,
        early: stop == Stop::Early,
        seen: Rc::clone(&seen),
    };
    let mut engine = Engine::with_owned_sink(scenario, Box::new(watch));
    let mut judged = Judged {
        failure: None,
        fingerprint: None,
        probe: None,
        stranded_pct: None,
    };
    // The first forbidden placement failure, described (it wins over later findings).
    let forbidden = |engine: &Engine| {
        seen.borrow()
            .first_forbidden
            .as_ref()
            .map(|f| describe(engine.world(), f))
    };
    // A halt is ours (an early stop: the failure says why) or a run limit.
    let halted = |engine: &Engine, h: Halt| match h {
        Halt::Sink { ref message, .. } if message == STOPPED => forbidden(engine),
        other => Some(format!("the run stopped before its end: {other}")),
    };
    // `at` is after 0 (the plan file says so): the probe reads the state after every event before it.
    let probe_at = SimTime(windows.at.ms().saturating_sub(1));
    if let Err(h) = engine.run_until(probe_at) {
        judged.failure = halted(&engine, h);
        return judged;
    }
    let mut probe = Probe::read(engine.world(), fleet);
    probe.failed_before_at = seen
        .borrow()
        .first_before_at
        .as_ref()
        .map(|f| describe(engine.world(), f));
    judged.probe = Some(probe);
    if stop == Stop::Probe {
        judged.failure = forbidden(&engine);
        return judged;
    }
    let until = windows.until();
    if let Err(h) = engine.run_until(until) {
        judged.failure = halted(&engine, h);
        return judged;
    }
    // Every service back at its desired running count by `at + recoverWithin`.
    let mut late: Option<String> = None;
    for (k, svc) in engine.services().iter().enumerate() {
        if svc.status != ServiceStatus::Active {
            continue;
        }
        let (desired, running) = engine.service_desired_running(ServiceId(k as u32));
        if running < desired {
            late = Some(format!(
                "service {} had {running} of {desired} tasks running at {} (at + recoverWithin)",
                svc.name,
                clock(until)
            ));
            break;
        }
    }
    if let Some(f) = forbidden(&engine).or(late) {
        judged.failure = Some(f);
        if stop == Stop::Early {
            return judged;
        }
    }
    if let Err(h) = engine.run_to_end() {
        judged.failure = judged.failure.take().or_else(|| halted(&engine, h));
        if judged.failure.is_some() {
            return judged;
        }
    }
    let after = forbidden(&engine);
    let summary = engine.finish();
    judged.failure = judged.failure.take().or(after).or_else(|| {
        summary.assertions.iter().find(|a| !a.passed).map(|a| {
            format!(
                "the scenario's assertion {} failed: {}",
                a.type_name, a.detail
            )
        })
    });
    judged.fingerprint = Some(summary.fingerprint.clone());
    let cluster = judged
        .probe
        .as_ref()
        .and_then(|p| p.cluster.as_deref())
        .or(fleet_cluster_hint);
    judged.stranded_pct = cluster.and_then(|c| {
        summary
            .clusters
            .iter()
            .find(|f| f.cluster == c)
            .map(|f| (f.cpu_stranded_pct, f.memory_stranded_pct))
    });
    judged
}
