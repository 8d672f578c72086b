//! Sampling: every `sampleInterval`, one `timeseries.csv` row per cluster and one `services.csv`
//! row per service (SPEC §9), and the utilization figures of the summary.

use super::capacity::Capacity;
use super::cx::{Cx, Phase};
use super::services::Services;
use super::Ev;
use crate::output::{ClusterFigures, Utilization};
use crate::record::TimeseriesRow;
use ecsim_kernel::SimDuration;
use ecsim_model::{ClusterId, ClusterStatus, InstanceStatus, TaskStatus};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Default)]
pub(crate) struct Sampling {
    samples: u64,
    cpu_sum: f64,
    cpu_peak: f64,
    memory_sum: f64,
    memory_peak: f64,
    /// Per cluster, the sums behind its figures.
    clusters: BTreeMap<ClusterId, ClusterSums>,
}

#[derive(Clone, Copy, Debug, Default)]
struct ClusterSums {
    samples: u64,
    instances: u64,
    /// Samples with an instance holding tasks, and the stranded percentages summed over them.
    used_samples: u64,
    cpu_stranded_pct: f64,
    memory_stranded_pct: f64,
}

impl Sampling {
    pub fn sample(&mut self, cx: &mut Cx, services: &mut Services, capacity: &mut Capacity) {
        let mut total_cpu = (0u64, 0u64);
        let mut total_mem = (0u64, 0u64);
        for k in 0..cx.world.clusters.len() {
            let c = &cx.world.clusters[k];
            if c.status != ClusterStatus::Active {
                continue;
            }
            let id = c.id;
            // One row for what runs on no provider, then one per provider of the cluster (SPEC
            // §9); a cluster without providers has the one row, of everything.
            let providers: Vec<Option<Arc<str>>> = std::iter::once(None)
                .chain(
                    capacity
                        .cluster_providers(id)
                        .iter()
                        .map(|&p| Some(Arc::clone(&capacity.providers[p].name))),
                )
                .collect();
            let split = providers.len() > 1;
            let mut rows: Vec<TimeseriesRow> = providers
                .iter()
                .map(|p| TimeseriesRow {
                    t_s: cx.now.seconds(),
                    cluster: id,
                    capacity_provider: p.clone(),
                    instances_active: 0,
                    instances_draining: 0,
                    cpu_registered: 0,
                    cpu_reserved: 0,
                    memory_registered_mib: 0,
                    memory_reserved_mib: 0,
                    tasks_provisioning: 0,
                    tasks_pending: 0,
                    tasks_running: 0,
                    capacity_provider_reservation: p
                        .as_deref()
                        .and_then(|name| capacity.provider_ix(name))
                        .and_then(|ix| capacity.last_reading.get(&ix).copied()),
                    cost_per_hour: capacity.billing.rate(Some(&(id, p.clone()))),
                })
                .collect();
            let row_of = |p: Option<&str>| -> usize {
                providers
                    .iter()
                    .position(|x| x.as_deref() == p)
                    .unwrap_or(0)
            };
            if split {
                for t in cx.world.tasks() {
                    if t.cluster != id {
                        continue;
                    }
                    let row = &mut rows[row_of(cx.world.spec(t.spec).capacity_provider.as_deref())];
                    match t.last_status {
                        TaskStatus::Provisioning => row.tasks_provisioning += 1,
                        TaskStatus::Pending => row.tasks_pending += 1,
                        TaskStatus::Running => row.tasks_running += 1,
                        _ => {}
                    }
                }
            } else {
                let row = &mut rows[0];
                row.tasks_provisioning = c.tasks_by_status[TaskStatus::Provisioning as usize];
                row.tasks_pending = c.tasks_by_status[TaskStatus::Pending as usize];
                row.tasks_running = c.tasks_by_status[TaskStatus::Running as usize];
            }
            // Registered and reserved (cpu, memory) on the instances holding tasks.
            let mut used = [0u64; 4];
            let mut registered_instances = 0u64;
            for &i in &c.instances {
                let inst = cx.world.instance(i);
                if inst.status != InstanceStatus::Inactive {
                    registered_instances += 1;
                    if !inst.tasks.is_empty() {
                        used[0] += inst.registered.cpu as u64;
                        used[1] += inst.reserved.cpu as u64;
                        used[2] += inst.registered.memory_mib as u64;
                        used[3] += inst.reserved.memory_mib as u64;
                    }
                }
                let row = &mut rows[if split {
                    row_of(inst.capacity_provider.as_deref())
                } else {
                    0
                }];
                match inst.status {
                    InstanceStatus::Active => row.instances_active += 1,
                    InstanceStatus::Draining => row.instances_draining += 1,
                    InstanceStatus::Inactive => continue,
                }
                row.cpu_registered += inst.registered.cpu as u64;
                row.cpu_reserved += inst.reserved.cpu as u64;
                row.memory_registered_mib += inst.registered.memory_mib as u64;
                row.memory_reserved_mib += inst.reserved.memory_mib as u64;
            }
            let sums = self.clusters.entry(id).or_default();
            sums.samples += 1;
            sums.instances += registered_instances;
            if used[0] > 0 && used[2] > 0 {
                let pct = |reg: u64, res: u64| reg.saturating_sub(res) as f64 * 100.0 / reg as f64;
                sums.used_samples += 1;
                sums.cpu_stranded_pct += pct(used[0], used[1]);
                sums.memory_stranded_pct += pct(used[2], used[3]);
            }
            for row in rows {
                total_cpu.0 += row.cpu_reserved;
                total_cpu.1 += row.cpu_registered;
                total_mem.0 += row.memory_reserved_mib;
                total_mem.1 += row.memory_registered_mib;
                cx.rec.sample(&cx.world, row);
            }
        }
        let rate = capacity.billing.rate(None);
        capacity.billing.sampled(rate, cx.now);
        if total_cpu.1 > 0 && total_mem.1 > 0 {
            let cpu = total_cpu.0 as f64 / total_cpu.1 as f64;
            let mem = total_mem.0 as f64 / total_mem.1 as f64;
            self.samples += 1;
            self.cpu_sum += cpu;
            self.memory_sum += mem;
            self.cpu_peak = self.cpu_peak.max(cpu);
            self.memory_peak = self.memory_peak.max(mem);
        }
        services.sample(cx);
        let interval = cx.scenario.sample_interval;
        let next = cx.now + interval;
        if next <= cx.horizon && interval > SimDuration::ZERO {
            cx.schedule_at(next, Phase::Sample, Ev::Sample);
        }
    }

    /// Each cluster's figures (in creation order), from the samples, the bills and the
    /// services' records.
    pub fn cluster_figures(
        &self,
        cx: &Cx,
        capacity: &Capacity,
        services: &[crate::output::ServiceOutput],
        counts: &crate::output::Counts,
        end: ecsim_kernel::SimTime,
    ) -> Vec<ClusterFigures> {
        cx.world
            .clusters
            .iter()
            .map(|c| {
                let s = self.clusters.get(&c.id).copied().unwrap_or_default();
                let mean = |sum: f64, n: u64| if n == 0 { 0.0 } else { sum / n as f64 };
                let (instance_hours, cost) = capacity.billing.cluster_totals(end, c.id);
                let unplaced_ms: u64 = services
                    .iter()
                    .filter(|o| o.service.cluster == c.id)
                    .map(|o| o.record.unplaced_task_ms)
                    .sum();
                ClusterFigures {
                    cluster: c.name.clone(),
                    instances_peak: capacity.billing.instances_peak(Some(c.id), None),
                    instances_mean: mean(s.instances as f64, s.samples),
                    instance_hours,
                    cpu_stranded_pct: mean(s.cpu_stranded_pct, s.used_samples),
                    memory_stranded_pct: mean(s.memory_stranded_pct, s.used_samples),
                    unplaced_tasks: counts
                        .placement_failures_by_cluster
                        .get(&c.id)
                        .copied()
                        .unwrap_or(0),
                    unplaced_task_seconds: unplaced_ms as f64 / 1000.0,
                    cost,
                }
            })
            .collect()
    }

    /// The reserved fractions over the samples.
    pub fn utilization(&self) -> Utilization {
        let n = self.samples.max(1) as f64;
        Utilization {
            cpu_reserved_mean: self.cpu_sum / n,
            cpu_reserved_peak: self.cpu_peak,
            memory_reserved_mean: self.memory_sum / n,
            memory_reserved_peak: self.memory_peak,
        }
    }
}
