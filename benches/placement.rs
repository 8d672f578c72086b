//! Placement throughput: 1,000 tasks placed one after another into a half-filled cluster, each
//! decision applied to the world (reservation and index refresh) before the next, per strategy and
//! cluster size. The `_scan` variants force the reference scan on the same workload, so the index's
//! gain is a ratio measured in one run. Names carry the size and seed; baselines in results/BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use ecsim_kernel::RandomStreams;
use ecsim_model::task_definition::TaskOverride;
use ecsim_placement::{
    place, place_scan, BinpackField, PlacementRequest, PlacementStrategy, SpreadField,
};
use ecsim_tests::{filled_world, place_new_task, simple_task_definition};

const TASKS: u64 = 1000;

fn bench(c: &mut Criterion) {
    let binpack = vec![PlacementStrategy::Binpack(BinpackField::Memory)];
    let spread_binpack = vec![
        PlacementStrategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
        PlacementStrategy::Binpack(BinpackField::Memory),
    ];
    // (name, strategies, force the scan)
    let variants: [(&str, Vec<PlacementStrategy>, bool); 6] = [
        ("binpack_memory", binpack.clone(), false),
        ("binpack_memory_scan", binpack, true),
        ("spread_az_binpack_memory", spread_binpack.clone(), false),
        ("spread_az_binpack_memory_scan", spread_binpack, true),
        ("random", vec![PlacementStrategy::Random], false),
        ("random_scan", vec![PlacementStrategy::Random], true),
    ];
    let mut group = c.benchmark_group("placement");
    group.throughput(Throughput::Elements(TASKS));
    for instances in [1000usize, 5000] {
        let (mut world, cluster) = filled_world(instances, 0.5, 1);
        let def = world.register_task_definition(simple_task_definition("web", 256, 512));
        let requirements = world
            .task_definition(def)
            .requirements(&TaskOverride::default());
        let grp = world.intern_group("family:web");
        for (name, strategy, scan) in &variants {
            let id = BenchmarkId::new(format!("{name}/seed=1"), format!("instances={instances}"));
            group.bench_with_input(id, &instances, |b, _| {
                b.iter_batched(
                    || (world.clone(), RandomStreams::new(1).stream("placement")),
                    |(mut w, mut rng)| {
                        for _ in 0..TASKS {
                            let req = PlacementRequest {
                                cluster,
                                requirements: &requirements,
                                group: grp,
                                launch_type: ecsim_model::LaunchType::Ec2,
                                constraints: &[],
                                strategies: strategy,
                                only: None,
                                explain: false,
                            };
                            let d = if *scan {
                                place_scan(&w, &req, &mut rng)
                            } else {
                                place(&w, &req, &mut rng)
                            };
                            let d = d.expect("the cluster has room");
                            place_new_task(&mut w, cluster, def, grp, &requirements, d.instance);
                        }
                        w
                    },
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
