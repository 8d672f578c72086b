//! Placement pipeline throughput: one `place()` call on a partly filled cluster, per strategy and size.
//! Names carry the size and seed; baselines live in results/BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecsim_kernel::RandomStreams;
use ecsim_model::task_definition::TaskOverride;
use ecsim_placement::{place, BinpackField, PlacementRequest, PlacementStrategy, SpreadField};
use ecsim_tests::{filled_world, simple_task_definition};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let strategies: [(&str, Vec<PlacementStrategy>); 3] = [
        ("binpack_memory", vec![PlacementStrategy::Binpack(BinpackField::Memory)]),
        (
            "spread_az_binpack_memory",
            vec![
                PlacementStrategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
                PlacementStrategy::Binpack(BinpackField::Memory),
            ],
        ),
        ("random", vec![PlacementStrategy::Random]),
    ];
    let mut group = c.benchmark_group("placement");
    group.throughput(Throughput::Elements(1));
    for instances in [1000usize, 5000] {
        let (mut world, cluster) = filled_world(instances, 0.5, 1);
        let def = simple_task_definition("web", 256, 512);
        let requirements = def.requirements(&TaskOverride::default());
        let grp = world.intern_group("family:filler");
        for (name, strategy) in &strategies {
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
            let mut rng = RandomStreams::new(1).stream("placement");
            group.bench_with_input(BenchmarkId::new(format!("{name}/seed=1"), format!("instances={instances}")), &instances, |b, _| {
                b.iter(|| black_box(place(&world, &req, &mut rng).is_ok()))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
