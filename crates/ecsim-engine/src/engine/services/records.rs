//! What the scheduler records of each service: its healthy count and steady state over time (for
//! `secondsBelowMinHealthy` and the assertions' watches), the tally of its tasks, and its views
//! (DescribeServices, Snapshot, `services.csv`, the summary).

use super::messages::EVENT_REPEAT;
use super::Services;
#[cfg(debug_assertions)]
use super::{Class, Counted};
use crate::assertions::Watch;
use crate::engine::cx::Cx;
use crate::output::ServiceOutput;
use crate::record::{DeploymentSnapshot, ServiceRow, ServiceSnapshot, SnapshotResponse};
use crate::service::{DeploymentController, DeploymentStatus, SchedulingStrategy, ServiceStatus};
use ecsim_kernel::SimTime;
use ecsim_model::{ClusterId, DeploymentId, InstanceStatus, ServiceId};
use std::collections::BTreeMap;

/// A service's tasks counted once: those not yet STOPPED, by state and deployment.
#[derive(Clone, Debug, Default)]
pub(super) struct Tally {
    /// lastStatus RUNNING.
    pub running: u32,
    /// Desired RUNNING and not yet RUNNING.
    pub pending: u32,
    /// RUNNING tasks of the primary deployment (or task set).
    pub primary_running: u32,
    /// (pending, running) per deployment.
    pub by_deployment: BTreeMap<DeploymentId, (u32, u32)>,
}

impl Services {
    /// The one count of a service's tasks that every view reads, from the counts kept as its
    /// tasks change (checked against a recount in debug builds).
    /// The service's desired and RUNNING tasks now, as `services.csv` counts them (D as the
    /// scheduler sees it: REPLICA its desired count; DAEMON the eligible instances; EXTERNAL the
    /// task sets' computed counts).
    pub(crate) fn desired_and_running(&self, s: ServiceId) -> (u32, u32) {
        let svc = &self.services[s.index()];
        let rt = &self.rt[s.index()];
        let desired = match (svc.scheduling_strategy, svc.controller) {
            (SchedulingStrategy::Replica, DeploymentController::Ecs) => svc.desired_count,
            _ => rt.desired_effective,
        };
        (desired, rt.counted.running)
    }

    pub(super) fn tally(&self, cx: &Cx, s: ServiceId, per_deployment: bool) -> Tally {
        let rt = &self.rt[s.index()];
        let c = &rt.counted;
        let tally = Tally {
            running: c.running,
            pending: c.pending,
            primary_running: rt
                .primary
                .and_then(|p| c.by_deployment.get(&p))
                .map_or(0, |&(_, r)| r),
            by_deployment: if per_deployment {
                c.by_deployment.clone()
            } else {
                BTreeMap::new()
            },
        };
        #[cfg(debug_assertions)]
        {
            let mut recount = Counted::default();
            for (&t, st) in &rt.tasks {
                let class = Class::of(cx.world.task(t));
                debug_assert_eq!(class, st.class, "task {t:?} counted as it was");
                recount.add(st.deployment, class, 1);
            }
            debug_assert_eq!(
                (recount.pending, recount.running, &recount.by_deployment),
                (c.pending, c.running, &c.by_deployment),
                "service {s:?}: the tally is out of step"
            );
        }
        #[cfg(not(debug_assertions))]
        let _ = cx;
        tally
    }

    /// A new healthy count at `now`: merged within the millisecond; the previous entry, now final,
    /// goes to the watches.
    pub(super) fn record_healthy(&mut self, cx: &Cx, s: ServiceId) {
        let now = cx.now;
        let rt = &mut self.rt[s.index()];
        let n = rt.healthy;
        match rt.record.healthy_last {
            Some((t, _)) if t == now => rt.record.healthy_last = Some((now, n)),
            Some((_, v)) if v == n => {}
            previous => {
                if let Some((t, v)) = previous {
                    healthy_entry(&mut rt.watches, t, v);
                }
                rt.record.healthy_last = Some((now, n));
            }
        }
        if let Some(history) = rt.record.healthy.as_mut() {
            match history.last_mut() {
                Some(last) if last.0 == now => last.1 = n,
                Some(last) if last.1 == n => {}
                _ => history.push((now, n)),
            }
        }
        self.update_below(cx, s);
    }

    /// Keeps `secondsBelowMinHealthy`: time with healthy < minHealthy while the service is ACTIVE.
    pub(super) fn update_below(&mut self, cx: &Cx, s: ServiceId) {
        let now = cx.now;
        self.account_deficit(now, s);
        let active = self.services[s.index()].status == ServiceStatus::Active;
        let rt = &mut self.rt[s.index()];
        // RULE: only once the service has first reached a steady state (a new service's start
        // is not time below minHealthy).
        let below = active && rt.ever_steady && rt.healthy < rt.min_healthy;
        match (below, rt.below_since) {
            (true, None) => rt.below_since = Some(now),
            (false, Some(since)) => {
                rt.record.below_min_healthy_ms += now.since(since).ms();
                rt.below_since = None;
            }
            _ => {}
        }
    }

    pub(super) fn set_steady(&mut self, cx: &mut Cx, s: ServiceId, steady: bool) {
        let now = cx.now;
        let rt = &mut self.rt[s.index()];
        let was = rt.steady;
        rt.steady = steady;
        rt.ever_steady |= steady;
        if steady != was {
            match rt.record.steady_last {
                Some((t, _)) if t == now => rt.record.steady_last = Some((now, steady)),
                previous => {
                    if let Some((t, v)) = previous {
                        steady_entry(&mut rt.watches, t, v);
                    }
                    rt.record.steady_last = Some((now, steady));
                }
            }
        }
        if !steady {
            self.clear_cause(s, "steady");
            return;
        }
        let name = &self.services[s.index()].name;
        let message = format!("(service {name}) has reached a steady state.");
        let sent = self.service_event(cx, s, "steady", "SERVICE_STEADY_STATE", "INFO", message);
        if sent {
            // Reference §3.2: the steady state is reported periodically (about every six hours).
            self.schedule_retry(cx, s, now + EVENT_REPEAT);
        }
    }

    /// A service as DescribeServices shows it now.
    pub fn service_snapshot(&self, cx: &Cx, s: ServiceId) -> ServiceSnapshot {
        let svc = &self.services[s.index()];
        let tally = self.tally(cx, s, true);
        let deployments = svc
            .deployments
            .iter()
            .rev()
            .map(|d| &self.deployments[d.index()])
            .filter(|d| d.status != DeploymentStatus::Inactive)
            .map(|d| {
                let (p, r) = tally.by_deployment.get(&d.id).copied().unwrap_or_default();
                let desired = match &d.task_set {
                    Some(_) => self.task_set_desired(s, d.id),
                    None if d.status == DeploymentStatus::Primary => svc.desired_count,
                    None => 0,
                };
                DeploymentSnapshot {
                    deployment: d.clone(),
                    desired_count: desired,
                    pending_count: p,
                    running_count: r,
                }
            })
            .collect();
        ServiceSnapshot {
            service: svc.clone(),
            running_count: tally.running,
            pending_count: tally.pending,
            deployments,
        }
    }

    /// The most recently created service of that name (or ARN: `service/CLUSTER/NAME` or
    /// `service/NAME`) in the cluster; INACTIVE ones only when asked.
    pub(super) fn latest_service(
        &self,
        cluster: ClusterId,
        r: &str,
        inactive: bool,
    ) -> Option<ServiceId> {
        let name = r.rsplit('/').next().unwrap_or(r);
        self.services
            .iter()
            .rev()
            .find(|s| {
                s.cluster == cluster
                    && s.name == name
                    && (inactive || s.status != ServiceStatus::Inactive)
            })
            .map(|s| s.id)
    }

    /// DescribeServices: the most recent service of each name, INACTIVE ones included.
    pub fn describe_services(
        &self,
        cx: &Cx,
        cluster: ClusterId,
        refs: &[String],
    ) -> SnapshotResponse {
        let (services, failures) = crate::engine::queries::describe(refs, |r| {
            self.latest_service(cluster, r, true)
                .map(|s| self.service_snapshot(cx, s))
        });
        SnapshotResponse::DescribeServices { services, failures }
    }

    /// One `services.csv` row per service not INACTIVE, and each ACTIVE service's zone balance:
    /// the largest difference in RUNNING tasks between the zones its cluster has instances in
    /// (and the zones its tasks run in).
    pub fn sample(&mut self, cx: &mut Cx) {
        let t_s = cx.now.seconds();
        // Per cluster, the zone keys of its instances (not INACTIVE), each counted 0.
        let mut zones_of: BTreeMap<ClusterId, Vec<(u16, u32)>> = BTreeMap::new();
        for k in 0..self.services.len() {
            let svc = &self.services[k];
            if svc.status != ServiceStatus::Active {
                continue;
            }
            let cluster = svc.cluster;
            if let std::collections::btree_map::Entry::Vacant(entry) = zones_of.entry(cluster) {
                let mut z: Vec<(u16, u32)> = Vec::new();
                for &i in &cx.world.cluster(cluster).instances {
                    let inst = cx.world.instance(i);
                    if inst.status == InstanceStatus::Inactive {
                        continue;
                    }
                    if let Some(name) = inst.availability_zone() {
                        let key = self.zone_key(name);
                        if !z.iter().any(|e| e.0 == key) {
                            z.push((key, 0));
                        }
                    }
                }
                entry.insert(z);
            }
            // The zones its cluster has instances in, and the zones its RUNNING tasks run in.
            let mut counts = zones_of[&cluster].clone();
            for &(key, n) in &self.rt[k].counted.running_by_zone {
                match counts.iter_mut().find(|e| e.0 == key) {
                    Some(e) => e.1 += n,
                    None => counts.push((key, n)),
                }
            }
            if counts.is_empty() {
                continue;
            }
            let max = counts.iter().map(|e| e.1).max().unwrap_or(0);
            let min = counts.iter().map(|e| e.1).min().unwrap_or(0);
            let r = &mut self.rt[k].record;
            r.zone_imbalance_sum += (max - min) as u64;
            r.zone_imbalance_max = r.zone_imbalance_max.max(max - min);
            r.zone_samples += 1;
        }
        for svc in &self.services {
            if svc.status == ServiceStatus::Inactive {
                continue;
            }
            let rt = &self.rt[svc.id.index()];
            let tally = self.tally(cx, svc.id, false);
            let row = ServiceRow {
                t_s,
                cluster: svc.cluster,
                service: svc.id,
                // D as the scheduler sees it: REPLICA the desired count; DAEMON the eligible
                // instances; EXTERNAL the task sets' computed counts.
                desired: match (svc.scheduling_strategy, svc.controller) {
                    (SchedulingStrategy::Replica, DeploymentController::Ecs) => svc.desired_count,
                    _ => rt.desired_effective,
                },
                pending: tally.pending,
                running: tally.running,
                healthy: rt.healthy,
                primary_running: tally.primary_running,
                deployments: svc
                    .deployments
                    .iter()
                    .filter(|d| self.deployments[d.index()].status != DeploymentStatus::Inactive)
                    .count() as u32,
                below_min_healthy: rt.healthy < rt.min_healthy,
            };
            cx.rec.service_row(&cx.world, row);
        }
    }

    /// Every service with its end-of-run figures, and each one's watches; the open records are
    /// closed at `end`.
    pub fn outputs(&mut self, cx: &Cx, end: SimTime) -> (Vec<ServiceOutput>, Vec<Vec<Watch>>) {
        let end = end.max(cx.now);
        let mut out = Vec::new();
        let mut watches = Vec::new();
        for k in 0..self.services.len() {
            let s = ServiceId(k as u32);
            let tally = self.tally(cx, s, false);
            let rt = &mut self.rt[k];
            // Close the open below-minHealthy and deficit intervals, and the last entries of the
            // histories.
            let (since, n) = rt.deficit;
            rt.record.unplaced_task_ms += n as u64 * end.since(since).ms();
            rt.deficit = (end, n);
            if let Some(since) = rt.below_since.take() {
                rt.record.below_min_healthy_ms += end.since(since).ms();
                rt.below_since = Some(end);
            }
            if let Some((t, v)) = rt.record.healthy_last {
                healthy_entry(&mut rt.watches, t, v);
            }
            if let Some((t, v)) = rt.record.steady_last {
                steady_entry(&mut rt.watches, t, v);
            }
            let svc = &self.services[k];
            out.push(ServiceOutput {
                service: svc.clone(),
                cluster_name: cx.world.cluster(svc.cluster).name.clone(),
                running_count: tally.running,
                healthy_count: rt.healthy,
                record: rt.record.clone(),
            });
            watches.push(std::mem::take(&mut rt.watches));
        }
        (out, watches)
    }
}

fn healthy_entry(watches: &mut [Watch], t: SimTime, n: u32) {
    for w in watches {
        if let Watch::Healthy { window, .. } = w {
            window.entry(t, n);
        }
    }
}

fn steady_entry(watches: &mut [Watch], t: SimTime, steady: bool) {
    for w in watches {
        if let Watch::Steady { at, .. } = w {
            at.entry(t, steady);
        }
    }
}
