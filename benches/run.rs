//! End to end: what `ecsim run` does (load the scenario, simulate, write every output file), on the
//! workload of the performance floor. Names carry the size and seed; baselines in results/BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecsim_tests::{runtask_scenario_json, services_scenario_json};
use std::io::{BufWriter, Write};

fn run_once(src: &str, dir: &std::path::Path) -> u64 {
    let loaded = ecsim_scenario::load(src).expect("generated scenario is valid");
    let out = ecsim_engine::run(&loaded.scenario);
    let file = |n: &str| {
        BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join(n)).expect("create"))
    };
    let meta = ecsim_report::SummaryMeta {
        scenario_sha256: &loaded.sha256,
        ignored_fields: &loaded.ignored_fields,
    };
    let mut w = file("summary.json");
    ecsim_report::write_summary(&out, &meta, &mut w).expect("write");
    w.flush().expect("flush");
    let mut w = file("events.jsonl");
    ecsim_report::write_events(&out, &mut w).expect("write");
    w.flush().expect("flush");
    let mut w = file("timeseries.csv");
    ecsim_report::write_timeseries(&out, &mut w).expect("write");
    w.flush().expect("flush");
    for name in ["services.csv", "snapshots.jsonl"] {
        let mut w = file(name);
        ecsim_report::write_run_file(name, &out, &meta, &mut w).expect("write");
        w.flush().expect("flush");
    }
    out.counts.placements
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("run");
    let dir = tempfile::tempdir().expect("tempdir");
    for (tasks, instances) in [(10_000usize, 1000usize), (100_000, 5000)] {
        let src = runtask_scenario_json(instances, tasks);
        group.throughput(Throughput::Elements(tasks as u64));
        let id = BenchmarkId::new(
            "runtask_spread_az_binpack_memory/seed=1",
            format!("tasks={tasks},instances={instances}"),
        );
        group.bench_with_input(id, &src, |b, src| {
            b.iter(|| assert_eq!(run_once(src, dir.path()), tasks as u64))
        });
    }
    group.finish();

    // Issue "Services and deployments": one simulated day of 200 REPLICA services on 1,000
    // instances, every service redeployed once. The throughput is simulated seconds, so criterion's
    // "elem/s" is the simulated-time to wall-time ratio.
    let mut group = c.benchmark_group("run_services");
    let (services, instances) = (200usize, 1000usize);
    let src = services_scenario_json(instances, services);
    group.throughput(Throughput::Elements(86_400));
    let id = BenchmarkId::new(
        "replica_redeploy_once_1d/seed=1",
        format!("services={services},instances={instances}"),
    );
    group.bench_with_input(id, &src, |b, src| {
        b.iter(|| assert!(run_once(src, dir.path()) > 0))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(std::time::Duration::from_millis(200)).measurement_time(std::time::Duration::from_secs(20));
    targets = bench
}
criterion_main!(benches);
