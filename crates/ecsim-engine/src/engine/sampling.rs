//! Sampling: every `sampleInterval`, one `timeseries.csv` row per cluster and one `services.csv`
//! row per service (SPEC §9), and the utilization figures of the summary.

use super::cx::{Cx, Phase};
use super::services::Services;
use super::Ev;
use crate::output::Utilization;
use crate::record::TimeseriesRow;
use ecsim_kernel::SimDuration;
use ecsim_model::{ClusterStatus, InstanceStatus, TaskStatus};

#[derive(Default)]
pub(crate) struct Sampling {
    samples: u64,
    cpu_sum: f64,
    cpu_peak: f64,
    memory_sum: f64,
    memory_peak: f64,
}

impl Sampling {
    pub fn sample(&mut self, cx: &mut Cx, services: &Services) {
        let mut total_cpu = (0u64, 0u64);
        let mut total_mem = (0u64, 0u64);
        for k in 0..cx.world.clusters.len() {
            let c = &cx.world.clusters[k];
            if c.status != ClusterStatus::Active {
                continue;
            }
            let mut row = TimeseriesRow {
                t_s: cx.now.seconds(),
                cluster: c.id,
                capacity_provider: None,
                instances_active: 0,
                instances_draining: 0,
                cpu_registered: 0,
                cpu_reserved: 0,
                memory_registered_mib: 0,
                memory_reserved_mib: 0,
                tasks_provisioning: c.tasks_by_status[TaskStatus::Provisioning as usize],
                tasks_pending: c.tasks_by_status[TaskStatus::Pending as usize],
                tasks_running: c.tasks_by_status[TaskStatus::Running as usize],
                capacity_provider_reservation: None,
                cost_per_hour: 0.0,
            };
            for &i in &c.instances {
                let inst = cx.world.instance(i);
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
            total_cpu.0 += row.cpu_reserved;
            total_cpu.1 += row.cpu_registered;
            total_mem.0 += row.memory_reserved_mib;
            total_mem.1 += row.memory_registered_mib;
            cx.rec.sample(&cx.world, row);
        }
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
