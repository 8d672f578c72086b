//! Engine state per live task and per instance (issue "The engine at scale": at most 256 bytes per
//! live task, 1 KiB per instance), measured as heap bytes held, with a global allocator that counts
//! them. The run's records go to a sink that drops them: the state measured is the engine's own.

use ecsim_engine::{Engine, Record, SinkError};
use ecsim_kernel::SimTime;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

struct Counting;

static HELD: AtomicI64 = AtomicI64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size() as i64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        HELD.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn held() -> i64 {
    HELD.load(Ordering::Relaxed)
}

/// One test, so that no other test's allocations are counted with it.
#[test]
fn engine_state_per_live_task_and_per_instance() {
    // 1,000 m5.2xlarge, 40 services of 1,000 tasks (the C1M shape, smaller).
    let (instances, services, tasks) = (1000usize, 40usize, 1000usize);
    let src = ecsim_tests::c1m_scenario_json(instances, services, tasks);
    let scenario = Arc::new(ecsim_scenario::load(&src).expect("valid").scenario);
    let mut drop_records = |_: Record| -> Result<(), SinkError> { Ok(()) };
    let base = held();
    let mut engine = Engine::with_sink(Arc::clone(&scenario), &mut drop_records);
    // After the instances registered (90 s), before any service exists (2 m).
    engine.run_until(SimTime(100_000)).expect("runs");
    let with_instances = held();
    // After every task is RUNNING and healthy (services created at 2 m; 10 s PENDING, 40 s to
    // healthy).
    engine.run_until(SimTime(300_000)).expect("runs");
    let with_tasks = held();
    let live = engine.world().tasks_held();
    assert_eq!(live, services * tasks, "every task placed and live");
    let per_instance = (with_instances - base) as f64 / instances as f64;
    let per_task = (with_tasks - with_instances) as f64 / live as f64;
    eprintln!(
        "engine state: {per_instance:.0} bytes per instance, {per_task:.0} bytes per live task"
    );
    assert!(per_task <= 256.0, "{per_task:.0} bytes per live task");
    assert!(
        per_instance <= 1024.0,
        "{per_instance:.0} bytes per instance"
    );
}
