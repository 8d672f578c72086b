//! Random faults (SPEC §12.1): the arrivals of each `faults` entry drawn at the start of the run,
//! and at each arrival the target drawn and the explicit action it stands for built. The loop
//! carries the action out through the same path as the scenario's own actions.
//!
//! Every draw comes from the `faults` stream, so a fault block moves no other subsystem's draws.
//! RULE: the arrivals of every entry are drawn first, entry by entry in file order; the targets
//! and durations are drawn at each arrival, in the order the arrivals happen; an arrival with
//! nothing to act on draws nothing and is skipped.

use super::capacity::Capacity;
use super::cx::Cx;
use super::services::Services;
use crate::action::{Action, InstanceSelector};
use crate::capacity::SpotAmount;
use crate::fault::{Fault, FaultKind};
use crate::service::ServiceStatus;
use ecsim_kernel::{RandomStreams, SimTime, Stream};
use ecsim_model::{ClusterStatus, DesiredStatus, InstanceId, InstanceStatus, TaskStatus, World};
use std::collections::BTreeSet;

/// The most arrivals a run draws for one entry (the loader bounds the expected count far below
/// this; the bound keeps the loop finite whatever the rate).
const MAX_ARRIVALS: usize = 10_000_000;

/// An explicit action a fault stands for.
pub(crate) struct FaultAction {
    pub name: &'static str,
    pub action: Action,
    pub input_json: String,
    pub simulation_json: Option<String>,
}

/// What one arrival injects: its event's target and end, the action now, and the action to
/// carry out at the end (outages and disconnects).
pub(crate) struct Injection {
    pub type_name: &'static str,
    pub target: String,
    pub until: Option<SimTime>,
    pub now: FaultAction,
    pub later: Option<FaultAction>,
}

pub(crate) struct Faults {
    faults: Vec<Fault>,
    rng: Stream,
    /// The ends still to come, by the id their event carries.
    ends: Vec<Option<(FaultAction, u32)>>,
    /// Faults injected so far.
    pub injected: u32,
}

impl Faults {
    pub fn new(streams: &RandomStreams, faults: &[Fault]) -> Faults {
        Faults {
            faults: faults.to_vec(),
            rng: streams.stream("faults"),
            ends: Vec::new(),
            injected: 0,
        }
    }

    /// Every entry's arrivals over `[from, until)` (until: the horizon), as (time, entry), in
    /// time order (ties: file order of the entries). RULE: the gaps between arrivals are
    /// exponential with mean 1 / rate, accumulated exactly and truncated to the millisecond.
    pub fn arrivals(&mut self, horizon: SimTime) -> Vec<(SimTime, u32)> {
        let mut out = Vec::new();
        for (k, f) in self.faults.iter().enumerate() {
            if f.rate_per_hour <= 0.0 {
                continue;
            }
            let until = f.until.unwrap_or(horizon).min(horizon);
            let mean_ms = 3_600_000.0 / f.rate_per_hour;
            let mut t = f.from.ms() as f64;
            for _ in 0..MAX_ARRIVALS {
                t += self.rng.exponential(mean_ms);
                let ms = t.floor();
                if ms >= until.ms() as f64 {
                    break;
                }
                out.push((SimTime(ms as u64), k as u32));
            }
        }
        // Stable: equal times keep the entries' file order.
        out.sort_by_key(|&(t, _)| t);
        out
    }

    /// The injection entry `k` makes now, if it has something to act on.
    pub fn arrive(
        &mut self,
        cx: &Cx,
        services: &Services,
        capacity: &Capacity,
        k: u32,
    ) -> Option<Injection> {
        let kind = self.faults[k as usize].kind.clone();
        let w = &cx.world;
        let now = cx.now;
        let type_name = kind.type_name();
        match kind {
            FaultKind::InstanceLoss { cluster, filter } => {
                let candidates = instances(w, &cluster, filter.as_deref(), false);
                let i = self.draw(&candidates)?;
                let id = w.instance(i).ec2_instance_id.as_str().to_string();
                Some(Injection {
                    type_name,
                    target: id.clone(),
                    until: None,
                    now: terminate(&cluster, &id),
                    later: None,
                })
            }
            FaultKind::AgentDisconnect {
                cluster,
                filter,
                duration,
            } => {
                let candidates = instances(w, &cluster, filter.as_deref(), true);
                let i = self.draw(&candidates)?;
                let id = w.instance(i).ec2_instance_id.as_str().to_string();
                let d = duration.sample(&mut self.rng);
                Some(Injection {
                    type_name,
                    target: id.clone(),
                    until: Some(now + d),
                    now: agent(&cluster, &id, false),
                    later: Some(agent(&cluster, &id, true)),
                })
            }
            FaultKind::AvailabilityZoneOutage { duration } => {
                let zones: Vec<String> = zones_in_use(w)
                    .into_iter()
                    .filter(|z| !capacity.failed_zones.contains(z))
                    .collect();
                let zone = self.draw(&zones)?;
                let d = duration.sample(&mut self.rng);
                Some(Injection {
                    type_name,
                    target: zone.clone(),
                    until: Some(now + d),
                    now: zone_action(&zone, true),
                    later: Some(zone_action(&zone, false)),
                })
            }
            FaultKind::SpotInterruption {
                capacity_provider,
                cluster,
            } => {
                let c = match &cluster {
                    Some(name) => Some(active_cluster(w, name)?),
                    None => None,
                };
                // The victim is InterruptSpot's to draw (from the `spot` stream, as the explicit
                // action does); the fault only needs one to exist.
                if capacity.spot_candidates(w, &capacity_provider, c) == 0 {
                    return None;
                }
                let mut input = format!("{{\"capacityProvider\":{}", json_str(&capacity_provider));
                if let Some(c) = &cluster {
                    input.push_str(&format!(",\"cluster\":{}", json_str(c)));
                }
                input.push_str(",\"count\":1}");
                let target = match &cluster {
                    Some(c) => format!("{capacity_provider} in {c}"),
                    None => capacity_provider.clone(),
                };
                Some(Injection {
                    type_name,
                    target,
                    until: None,
                    now: FaultAction {
                        name: "InterruptSpot",
                        action: Action::InterruptSpot {
                            capacity_provider,
                            cluster,
                            amount: SpotAmount::Count(1),
                        },
                        input_json: input,
                        simulation_json: None,
                    },
                    later: None,
                })
            }
            FaultKind::TaskCrash { cluster, service } => {
                let c = active_cluster(w, &cluster)?;
                let s = services
                    .services
                    .iter()
                    .rev()
                    .find(|s| s.cluster == c && s.name == service)?;
                if s.status != ServiceStatus::Active {
                    return None;
                }
                let candidates: Vec<_> = services.rt[s.id.index()]
                    .tasks
                    .keys()
                    .copied()
                    .filter(|&t| {
                        let t = w.task(t);
                        t.last_status == TaskStatus::Running
                            && t.desired_status == DesiredStatus::Running
                    })
                    .collect();
                let t = self.draw(&candidates)?;
                let arn = w.task_arn(t);
                Some(Injection {
                    type_name,
                    target: arn.clone(),
                    until: None,
                    now: FaultAction {
                        name: "StopTask",
                        action: Action::StopTask {
                            cluster: cluster.clone(),
                            task: arn.clone(),
                            reason: None,
                            crash: true,
                        },
                        input_json: format!(
                            "{{\"cluster\":{},\"task\":{}}}",
                            json_str(&cluster),
                            json_str(&arn)
                        ),
                        simulation_json: Some(
                            "{\"stopCode\":\"EssentialContainerExited\"}".to_string(),
                        ),
                    },
                    later: None,
                })
            }
        }
    }

    /// Keeps the action to carry out at an injection's end; returns the id its event carries.
    pub fn keep_end(&mut self, action: FaultAction, fault: u32) -> u32 {
        self.ends.push(Some((action, fault)));
        (self.ends.len() - 1) as u32
    }

    /// The action of end `id` (once).
    pub fn take_end(&mut self, id: u32) -> Option<(FaultAction, u32)> {
        self.ends.get_mut(id as usize).and_then(Option::take)
    }

    /// A uniform draw among `candidates` (in their order); none, and no draw, when empty.
    fn draw<T: Clone>(&mut self, candidates: &[T]) -> Option<T> {
        if candidates.is_empty() {
            return None;
        }
        let j = self.rng.below(candidates.len() as u64) as usize;
        Some(candidates[j].clone())
    }
}

/// The ACTIVE cluster of that name.
fn active_cluster(w: &World, name: &str) -> Option<ecsim_model::ClusterId> {
    w.cluster_by_ref(name)
        .filter(|&c| w.cluster(c).status == ClusterStatus::Active)
}

/// The registered (ACTIVE or DRAINING) instances of the cluster matching `filter`, in id order;
/// with `connected`, only those whose agent is connected.
fn instances(
    w: &World,
    cluster: &str,
    filter: Option<&ecsim_query::Expression>,
    connected: bool,
) -> Vec<InstanceId> {
    let Some(c) = active_cluster(w, cluster) else {
        return Vec::new();
    };
    w.cluster(c)
        .instances
        .iter()
        .copied()
        .filter(|&i| {
            let inst = w.instance(i);
            inst.status != InstanceStatus::Inactive && (!connected || inst.agent_connected)
        })
        .filter(|&i| {
            filter.is_none_or(|e| {
                e.matches(&ecsim_placement::InstanceRef {
                    world: w,
                    instance: w.instance(i),
                })
            })
        })
        .collect()
}

/// RULE: the zones in use are those of the registered instances of every ACTIVE cluster and of
/// the Fargate tasks not yet stopped, in name order.
fn zones_in_use(w: &World) -> Vec<String> {
    let mut zones = BTreeSet::new();
    for c in w
        .clusters
        .iter()
        .filter(|c| c.status == ClusterStatus::Active)
    {
        for &i in &c.instances {
            let inst = w.instance(i);
            if inst.status != InstanceStatus::Inactive {
                if let Some(z) = inst.availability_zone() {
                    zones.insert(z.to_string());
                }
            }
        }
    }
    for t in w.tasks() {
        if t.instance.is_none() && t.last_status != TaskStatus::Stopped {
            if let Some(z) = t.zone {
                zones.insert(w.zone_name(z).to_string());
            }
        }
    }
    zones.into_iter().collect()
}

fn terminate(cluster: &str, id: &str) -> FaultAction {
    FaultAction {
        name: "TerminateContainerInstances",
        action: Action::TerminateContainerInstances {
            cluster: cluster.to_string(),
            selector: InstanceSelector::Ids(vec![id.to_string()]),
            count: None,
        },
        input_json: format!(
            "{{\"cluster\":{},\"containerInstances\":[{}]}}",
            json_str(cluster),
            json_str(id)
        ),
        simulation_json: None,
    }
}

fn agent(cluster: &str, id: &str, connected: bool) -> FaultAction {
    let selector = InstanceSelector::Ids(vec![id.to_string()]);
    let cluster_name = cluster.to_string();
    let (name, action) = if connected {
        (
            "ReconnectAgent",
            Action::ReconnectAgent {
                cluster: cluster_name,
                selector,
            },
        )
    } else {
        (
            "DisconnectAgent",
            Action::DisconnectAgent {
                cluster: cluster_name,
                selector,
            },
        )
    };
    FaultAction {
        name,
        action,
        input_json: format!(
            "{{\"cluster\":{},\"containerInstances\":[{}]}}",
            json_str(cluster),
            json_str(id)
        ),
        simulation_json: None,
    }
}

fn zone_action(zone: &str, fail: bool) -> FaultAction {
    let availability_zone = zone.to_string();
    let (name, action) = if fail {
        (
            "FailAvailabilityZone",
            Action::FailAvailabilityZone { availability_zone },
        )
    } else {
        (
            "RestoreAvailabilityZone",
            Action::RestoreAvailabilityZone { availability_zone },
        )
    };
    FaultAction {
        name,
        action,
        input_json: format!("{{\"availabilityZone\":{}}}", json_str(zone)),
        simulation_json: None,
    }
}

/// A JSON string literal (the names here are validated identifiers, but escape anyway).
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
