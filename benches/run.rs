//! End to end: what `ecsim run` does (load the scenario, simulate on this thread while a writer
//! thread formats and writes every file, sync and rename the run directory), on the workloads of the
//! issues' targets. Names carry the size and seed; baselines in results/BENCHMARKS.md.
//!
//! - `run/runtask_...`: RunTask batches (spread zone, binpack memory), the foundation's floor;
//! - `run_services/...`: one simulated day of services, each redeployed once;
//! - `run_c1m/...`: the C1M shape, a million service tasks on 5,000 m5.2xlarge, with every file and
//!   with `--events none`;
//! - `run_week/...`: a simulated week of 1,000 services of 50 tasks on 5,000 instances on the
//!   REPLICA default strategy, every service redeployed daily (throughput: simulated seconds);
//! - `run_managed_day/...`: a simulated day of 500 services on four Auto Scaling group providers
//!   of at most 2,000 instances, with managed scaling and on the same fleet held fixed.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecsim_cli::run::{run_to_dir, StreamOptions};
use ecsim_report::EventsMode;
use ecsim_tests::{
    c1m_scenario_json, managed_day_scenario_json, runtask_scenario_json, services_scenario_json,
    week_scenario_json,
};
use std::path::Path;
use std::time::Duration;

fn run_once(src: &str, dir: &Path, events: EventsMode) -> u64 {
    let loaded = ecsim_scenario::load(src).expect("generated scenario is valid");
    let out = dir.join("run");
    let opts = StreamOptions {
        events,
        ..StreamOptions::default()
    };
    let outcome = run_to_dir(Path::new("bench.json"), loaded, &out, opts)
        .unwrap_or_else(|e| panic!("{}", e.0));
    outcome.summary.counts.placements
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");

    let mut group = c.benchmark_group("run");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (tasks, instances) in [(10_000usize, 1000usize), (100_000, 5000)] {
        let src = runtask_scenario_json(instances, tasks);
        group.throughput(Throughput::Elements(tasks as u64));
        let id = BenchmarkId::new(
            "runtask_spread_az_binpack_memory/seed=1",
            format!("tasks={tasks},instances={instances}"),
        );
        group.bench_with_input(id, &src, |b, src| {
            b.iter(|| assert_eq!(run_once(src, dir.path(), EventsMode::All), tasks as u64))
        });
    }
    group.finish();

    // Issue "Services and deployments": one simulated day of 200 REPLICA services on 1,000
    // instances, every service redeployed once. The throughput is simulated seconds, so criterion's
    // "elem/s" is the simulated-time to wall-time ratio.
    let mut group = c.benchmark_group("run_services");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let (services, instances) = (200usize, 1000usize);
    let src = services_scenario_json(instances, services);
    group.throughput(Throughput::Elements(86_400));
    let id = BenchmarkId::new(
        "replica_redeploy_once_1d/seed=1",
        format!("services={services},instances={instances}"),
    );
    group.bench_with_input(id, &src, |b, src| {
        b.iter(|| assert!(run_once(src, dir.path(), EventsMode::All) > 0))
    });
    group.finish();

    // Issue "The engine at scale": the C1M shape, every file written and with --events none.
    let mut group = c.benchmark_group("run_c1m");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    let src = c1m_scenario_json(5000, 1000, 1000);
    group.throughput(Throughput::Elements(1_000_000));
    for (name, events) in [
        ("all_files", EventsMode::All),
        ("events_none", EventsMode::None),
    ] {
        let id = BenchmarkId::new(
            format!("spread_az_binpack_memory_{name}/seed=1"),
            "services=1000,tasks=1000,instances=5000",
        );
        group.bench_with_input(id, &src, |b, src| {
            b.iter(|| assert_eq!(run_once(src, dir.path(), events), 1_000_000))
        });
    }
    group.finish();

    // Issue "The engine at scale": a simulated week; throughput in simulated seconds.
    let mut group = c.benchmark_group("run_week");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(120));
    let src = week_scenario_json(5000, 1000, 50, 7);
    group.throughput(Throughput::Elements(7 * 86_400));
    let id = BenchmarkId::new(
        "replica_default_redeploy_daily_7d/seed=1",
        "services=1000,tasks=50,instances=5000",
    );
    group.bench_with_input(id, &src, |b, src| {
        b.iter(|| assert!(run_once(src, dir.path(), EventsMode::All) > 0))
    });
    group.finish();

    // Issue "Capacity providers": a simulated day under managed scaling, beside the same workload
    // on a fixed fleet of the groups' maximum; throughput in simulated seconds.
    let mut group = c.benchmark_group("run_managed_day");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    group.throughput(Throughput::Elements(86_400));
    for (name, managed) in [("managed_scaling", true), ("fixed_fleet", false)] {
        let src = managed_day_scenario_json(2000, 500, managed);
        let id = BenchmarkId::new(
            format!("{name}_1d/seed=1"),
            "services=500,instances=2000,providers=4",
        );
        group.bench_with_input(id, &src, |b, src| {
            b.iter(|| assert!(run_once(src, dir.path(), EventsMode::All) > 0))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(200));
    targets = bench
}
criterion_main!(benches);
