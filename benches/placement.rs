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
//!
//! `_provider_pool` (binpack(memory) and the REPLICA default, at 10,000 instances): the same
//! workload on a cluster whose instances are split over four capacity providers in turn
//! (`filled_world_in_pools`), each group's tasks naming one provider (group k the k mod 4-th), so
//! every decision is made in a provider's pool of 2,500 instances; its ratio to the chain's case
//! without providers is the cost (or gain) of deciding in a pool.

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
use ecsim_tests::{filled_world_in_pools, provider_name, simple_task_definition};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

const SEED: u64 = 1;

/// Capacity providers of the `_provider_pool` cases.
const PROVIDERS: usize = 4;

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
    /// Per group, the capacity provider its tasks name (empty: none).
    providers: Vec<String>,
}

impl Churn {
    /// `providers` capacity providers (0: none), each group's tasks naming one in turn.
    fn new(instances: usize, providers: usize) -> Churn {
        let (mut world, cluster) = filled_world_in_pools(instances, 0.5, SEED, providers);
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
        let providers = match providers {
            0 => Vec::new(),
            n => (0..groups.len()).map(|k| provider_name(k % n)).collect(),
        };
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
            providers,
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
            providers: self.providers.clone(),
        }
    }

    /// New tasks to place (not timed), one group after another, with their group's position.
    fn new_tasks(&mut self, n: u64) -> Vec<(TaskId, usize)> {
        (0..n)
            .map(|_| {
                let k = self.next_group;
                self.next_group = (self.next_group + 1) % self.specs.len();
                let task =
                    (self.world).add_task(Task::new(self.specs[k], self.cluster, SimTime::ZERO));
                (task, k)
            })
            .collect()
    }

    /// Places `tasks`, each followed by stopping the oldest live task; returns the time taken.
    fn run(
        &mut self,
        tasks: &[(TaskId, usize)],
        strategies: &[PlacementStrategy],
        scan: bool,
    ) -> Duration {
        let requirements = self.requirements.clone();
        let providers = std::mem::take(&mut self.providers);
        let start = Instant::now();
        for &(task, group) in tasks {
            let req = PlacementRequest {
                cluster: self.cluster,
                requirements: &requirements,
                group: self.world.task_spec(task).group,
                launch_type: LaunchType::Ec2,
                constraints: &[],
                strategies,
                only: None,
                capacity_provider: providers.get(group).map(String::as_str),
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
        let elapsed = start.elapsed();
        self.providers = providers;
        elapsed
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("placement");
    group.throughput(Throughput::Elements(1));
    for instances in [1000usize, 5000, 10_000, 100_000] {
        let base = Churn::new(instances, 0);
        let pools = (instances == 10_000).then(|| Churn::new(instances, PROVIDERS));
        for (name, strategies) in chains() {
            // 5,000 instances is the REPLICA default's target only.
            if instances == 5000 && name != "spread_az_spread_instance" {
                continue;
            }
            // In providers' pools: the two target chains, against their case without providers.
            let pooled = ["binpack_memory", "spread_az_spread_instance"].contains(&name);
            if let (Some(pools), true) = (&pools, pooled) {
                let mut churn = pools.fork();
                let tasks = churn.new_tasks(instances as u64);
                churn.run(&tasks, &strategies, false);
                let id = BenchmarkId::new(
                    format!("{name}_provider_pool/seed={SEED}"),
                    format!("instances={instances}"),
                );
                group.bench_function(id, |b| {
                    b.iter_custom(|iters| {
                        let tasks = churn.new_tasks(iters);
                        churn.run(&tasks, &strategies, false)
                    })
                });
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
