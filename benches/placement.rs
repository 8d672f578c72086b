//! Placement throughput with churn: a cluster of m5.xlarge across three zones, half full
//! (`filled_world(instances, 0.5, seed 1)`), where for every task placed one earlier task is stopped
//! and released (oldest first, the fillers in a seeded shuffled order), so the cluster stays half
//! full. Each placement is `prepare` + `place` + `World::place_task`, and the stop is
//! `set_desired_stopped` + `release_task` + STOPPED + `release_stopped_task`; all of it is timed,
//! creating the tasks is not.
//! Tasks belong to `instances / 5` groups in turn (about 37 live tasks per group in steady state,
//! a service's worth), for the spreads over instances.
//!
//! Each chain is measured through the index and, as `_scan`, through the reference scan on the same
//! workload, so the index's gain is a ratio within one run. Names carry the chain, seed and size;
//! the baselines are in results/BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{
    ClusterId, GroupId, LaunchType, SpecId, Task, TaskDefId, TaskId, TaskRequirements, TaskSpec,
    TaskStatus, World,
};
use ecsim_placement::{
    place, place_scan, prepare, BinpackField, PlacementRequest, PlacementStrategy, SpreadField,
};
use ecsim_tests::{filled_world, simple_task_definition};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

const SEED: u64 = 1;

fn chains() -> Vec<(&'static str, Vec<PlacementStrategy>)> {
    use PlacementStrategy::{Binpack, Random, Spread};
    let az = || Spread(SpreadField::Attribute("ecs.availability-zone".into()));
    vec![
        ("binpack_memory", vec![Binpack(BinpackField::Memory)]),
        ("binpack_cpu", vec![Binpack(BinpackField::Cpu)]),
        (
            "spread_az_binpack_memory",
            vec![az(), Binpack(BinpackField::Memory)],
        ),
        (
            "spread_az_spread_instance",
            PlacementStrategy::service_default(),
        ),
        ("spread_instance", vec![Spread(SpreadField::Instance)]),
        (
            "spread_instance_binpack_memory",
            vec![Spread(SpreadField::Instance), Binpack(BinpackField::Memory)],
        ),
        ("spread_az_random", vec![az(), Random]),
        ("random", vec![Random]),
    ]
}

/// One cluster in steady churn.
struct Churn {
    world: World,
    cluster: ClusterId,
    def: TaskDefId,
    requirements: TaskRequirements,
    /// One task spec per group, the groups taken in turn.
    specs: Vec<SpecId>,
    /// Live tasks, oldest first.
    live: VecDeque<TaskId>,
    next_group: usize,
    rng: ecsim_kernel::Stream,
}

impl Churn {
    fn new(instances: usize) -> Churn {
        let (mut world, cluster) = filled_world(instances, 0.5, SEED);
        // The fillers are all the tasks so far; stop them in a seeded random order.
        let mut live: Vec<TaskId> = world.tasks().map(|t| t.id).collect();
        let mut shuffle = RandomStreams::new(SEED).stream("churn");
        for k in (1..live.len()).rev() {
            live.swap(k, shuffle.below(k as u64 + 1) as usize);
        }
        // The same size as the fillers, so that replacing one by the other keeps the fill.
        let def = world.register_task_definition(simple_task_definition("web", 128, 256));
        let requirements = world
            .task_definition(def)
            .requirements(&TaskOverride::default());
        let groups: Vec<GroupId> = (0..(instances / 5).max(1))
            .map(|k| world.intern_group(&format!("service:web-{k}")))
            .collect();
        let specs = groups
            .iter()
            .map(|&g| world.add_spec(TaskSpec::simple(cluster, def, g, requirements.clone())))
            .collect();
        world.sync_index();
        Churn {
            world,
            cluster,
            def,
            requirements,
            specs,
            live: live.into(),
            next_group: 0,
            rng: RandomStreams::new(SEED).stream("placement"),
        }
    }

    /// A copy in the same state, with the placement stream started afresh.
    fn fork(&self) -> Churn {
        Churn {
            world: self.world.clone(),
            cluster: self.cluster,
            def: self.def,
            requirements: self.requirements.clone(),
            specs: self.specs.clone(),
            live: self.live.clone(),
            next_group: self.next_group,
            rng: RandomStreams::new(SEED).stream("placement"),
        }
    }

    /// New tasks to place (not timed), one group after another.
    fn new_tasks(&mut self, n: u64) -> Vec<TaskId> {
        (0..n)
            .map(|_| {
                let spec = self.specs[self.next_group];
                self.next_group = (self.next_group + 1) % self.specs.len();
                self.world
                    .add_task(Task::new(spec, self.cluster, SimTime::ZERO))
            })
            .collect()
    }

    /// Places `tasks`, each followed by stopping the oldest live task; returns the time taken.
    fn run(&mut self, tasks: &[TaskId], strategies: &[PlacementStrategy], scan: bool) -> Duration {
        let requirements = self.requirements.clone();
        let start = Instant::now();
        for &task in tasks {
            let req = PlacementRequest {
                cluster: self.cluster,
                requirements: &requirements,
                group: self.world.task_spec(task).group,
                launch_type: LaunchType::Ec2,
                constraints: &[],
                strategies,
                only: None,
                capacity_provider: None,
                explain: false,
            };
            prepare(&mut self.world, &req);
            let d = if scan {
                place_scan(&self.world, &req, &mut self.rng)
            } else {
                place(&self.world, &req, &mut self.rng)
            };
            let d = d.expect("a half-full cluster has room");
            self.world.place_task(task, d.instance);
            self.live.push_back(task);
            let old = self.live.pop_front().expect("live tasks");
            self.world.set_desired_stopped(old);
            self.world.release_task(old);
            // STOPPED, and forgotten (nothing names it any more), so memory follows the live tasks.
            self.world.set_last_status(old, TaskStatus::Stopped);
            self.world.release_stopped_task(old);
        }
        start.elapsed()
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("placement");
    group.throughput(Throughput::Elements(1));
    for instances in [1000usize, 5000, 10_000, 100_000] {
        let base = Churn::new(instances);
        for (name, strategies) in chains() {
            // 5,000 instances is the REPLICA default's target only.
            if instances == 5000 && name != "spread_az_spread_instance" {
                continue;
            }
            // Each chain starts from the same cluster, after one placement per instance under it
            // (through the index, which decides as the scan would), so that index and scan are
            // measured on the chain's own steady state.
            let mut warmed = base.fork();
            let tasks = warmed.new_tasks(instances as u64);
            warmed.run(&tasks, &strategies, false);
            for scan in [false, true] {
                let mut churn = warmed.fork();
                let label = if scan {
                    format!("{name}_scan/seed={SEED}")
                } else {
                    format!("{name}/seed={SEED}")
                };
                let id = BenchmarkId::new(label, format!("instances={instances}"));
                group.bench_function(id, |b| {
                    b.iter_custom(|iters| {
                        let tasks = churn.new_tasks(iters);
                        churn.run(&tasks, &strategies, scan)
                    })
                });
            }
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
