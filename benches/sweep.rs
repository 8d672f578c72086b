//! `ecsim sweep` end to end: 1,000 runs (the four strategy variants of
//! `scenarios/sweeps/placement-strategies.json` × seeds 1 to 250, on its small workload) read,
//! checked, run and written as `sweep.csv` and `aggregate.csv`, at `--jobs 1` and `--jobs 2` in
//! the same bench run, so that their ratio is the sweep's parallel speed-up on this machine.
//! Baselines in results/BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecsim_cli::sweep::{run, SweepOptions};
use std::path::Path;
use std::time::Duration;

/// The bundled strategy sweep with 250 seeds: 4 variants × 250 = 1,000 runs.
fn sweep_file(dir: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(root.join("scenarios/sweeps/placement-strategies.json"))
        .expect("the bundled sweep");
    let mut sweep: serde_json::Value = serde_json::from_str(&src).expect("JSON");
    sweep["scenario"] = serde_json::Value::String(
        root.join("scenarios/placement-strategies.json")
            .to_string_lossy()
            .into_owned(),
    );
    sweep["seeds"] = serde_json::json!({ "from": 1, "to": 250 });
    let path = dir.join("sweep.json");
    std::fs::write(&path, serde_json::to_string(&sweep).expect("JSON")).expect("write");
    path
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = sweep_file(dir.path());
    let mut group = c.benchmark_group("sweep");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60))
        .throughput(Throughput::Elements(1000));
    for jobs in [1usize, 2] {
        let id = BenchmarkId::new("placement-strategies/runs=1000", format!("jobs={jobs}"));
        let opts = SweepOptions {
            jobs,
            shard: None,
            out: Some(dir.path().join(format!("out-{jobs}"))),
            keep_runs: false,
            progress: false,
        };
        group.bench_with_input(id, &opts, |b, opts| {
            b.iter(|| {
                let done = run(&sweep, opts).unwrap_or_else(|e| panic!("{}", e.0));
                assert_eq!(done.runs, 1000);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
