//! Allocations per placement, end to end: the engine, the recorder and the writers of every run
//! file, counted by a global allocator that wraps the system's (issue "The engine at scale": at
//! most 3 allocations per placement). Loading the scenario is not counted; everything after is.

use ecsim_engine::Engine;
use ecsim_report::{EventsMode, Names, RunFiles, RunWriter};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `src` to its end, writing every file to nowhere; returns (allocations, placements).
fn allocations_per_run(src: &str) -> (u64, u64) {
    let loaded = ecsim_scenario::load(src).expect("valid");
    let sc = &loaded.scenario;
    let shared = std::sync::Arc::new(sc.clone());
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let names = Names::new(&sc.region, &sc.account_id, sc.start_time_unix_ms);
    let files = RunFiles {
        events: std::io::sink(),
        timeseries: std::io::sink(),
        services: std::io::sink(),
        snapshots: std::io::sink(),
    };
    let mut writer = RunWriter::new(names, files, EventsMode::All, u64::MAX).expect("writer");
    let mut engine = Engine::with_sink(shared, &mut writer);
    engine.run_to_end().expect("runs to its end");
    let summary = engine.finish();
    writer.finish().expect("flushed");
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    (after - before, summary.counts.placements)
}

/// One test, so that no other test's allocations are counted with it.
#[test]
fn at_most_3_allocations_per_placement() {
    let src = ecsim_tests::runtask_scenario_json(500, 20_000);
    let (allocations, placements) = allocations_per_run(&src);
    assert_eq!(placements, 20_000);
    let per = allocations as f64 / placements as f64;
    eprintln!("RunTask: {allocations} allocations for {placements} placements ({per:.2} each)");

    // Services on a placement-heavy workload: 100 services of 200 tasks on 500 instances.
    let src = ecsim_tests::c1m_scenario_json(500, 100, 200);
    let (allocations, placements) = allocations_per_run(&src);
    assert_eq!(placements, 20_000);
    let per_service = allocations as f64 / placements as f64;
    eprintln!(
        "services: {allocations} allocations for {placements} placements ({per_service:.2} each)"
    );
    assert!(per <= 3.0, "RunTask: {per:.2} allocations per placement");
    assert!(
        per_service <= 3.0,
        "services: {per_service:.2} allocations per placement"
    );
}
