//! Loading takes memory in proportion to what the scenario holds (issue "Exact where it is not
//! yet, bounded where it can be pushed over", item 11: a 200 MB file took about 23 times its size
//! and aborted `validate`). Measured as heap bytes with a global allocator that counts them and
//! keeps their peak: beyond the text itself and the scenario it lowers to, the loader's own peak is
//! under half the text (one action's `Value` at a time, a few words per action), plus what the
//! ignored fields' paths take, where a `Value` of the whole file and an index of every value in it
//! took 23 times the text.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

struct Counting;

static HELD: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

fn grew(by: i64) {
    let now = HELD.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size() as i64);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grew(new_size as i64 - layout.size() as i64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Loads `src` and returns (peak, kept) heap bytes over what was held before.
fn measure(src: &str) -> (i64, i64, ecsim_scenario::Loaded) {
    let base = HELD.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let loaded = ecsim_scenario::load(src).expect("valid");
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let kept = HELD.load(Ordering::Relaxed) - base;
    (peak, kept, loaded)
}

/// One test, so that no other test's allocations are counted with it.
#[test]
fn loading_holds_little_beyond_the_text_and_the_scenario() {
    // 4,000 RunTask actions (about 0.9 MB of text).
    let plain = ecsim_tests::runtask_scenario_json(100, 40_000);
    // The same with an ignored field in each, whose paths the summary lists and whose positions
    // (to order them) are looked up at the end.
    let tagged = plain.replace(
        "\"taskDefinition\": \"job\",",
        "\"taskDefinition\": \"job\", \"tags\": [{\"key\": \"k\", \"value\": \"v\"}],",
    );
    for (src, ignored, bound) in [(&plain, 0, 0.5), (&tagged, 4_000, 2.0)] {
        let text = src.len() as i64;
        let (peak, kept, loaded) = measure(src);
        assert_eq!(loaded.scenario.actions.len(), 4_003);
        assert_eq!(loaded.ignored_fields.len(), ignored);
        drop(loaded);
        let overhead = peak - kept;
        let ratio = overhead as f64 / text as f64;
        eprintln!(
            "loading {text} bytes of text with {ignored} ignored fields: peak {peak} bytes, {kept} kept (the scenario), {overhead} the loader's own ({ratio:.2}x the text)"
        );
        assert!(
            ratio <= bound,
            "the loader's own peak is {overhead} bytes ({ratio:.2}x) for {text} bytes of text"
        );
    }
}
