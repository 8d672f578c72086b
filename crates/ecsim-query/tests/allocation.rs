//! Evaluation of the common predicates allocates nothing: it runs once per candidate instance
//! per placement, so a heap allocation there would be paid millions of times in a large run.
//!
//! A counting global allocator records allocations made by the current thread only, so the
//! test harness's other threads cannot disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ecsim_query::{Expression, InstanceView};

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// const-initialised thread-local without a destructor, so touching it never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// An instance whose answers are all borrowed from static data.
struct StaticInstance;

impl InstanceView for StaticInstance {
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        match name {
            "stack" => Some(Some("prod")),
            "weight" => Some(Some("10")),
            "ecs.capability.external" => Some(None),
            _ => None,
        }
    }

    fn agent_connected(&self) -> bool {
        true
    }

    fn agent_version(&self) -> &str {
        "1.17.3"
    }

    fn ec2_instance_id(&self) -> &str {
        "i-0000000000000001"
    }

    fn registered_at_ms(&self) -> i64 {
        1_518_480_000_000
    }

    fn running_tasks_count(&self) -> u32 {
        3
    }

    fn has_task_group(&self, group: &str) -> bool {
        matches!(group, "database" | "service:web")
    }

    fn task_groups(&self) -> Vec<&str> {
        vec!["database", "service:web"]
    }
}

#[test]
fn common_predicates_do_not_allocate() {
    let expressions: Vec<Expression> = [
        "attribute:stack == prod",
        "attribute:stack != dev",
        "attribute:stack in [dev, prod]",
        "attribute:stack !in [dev, test]",
        "attribute:missing != prod",
        "attribute:ecs.capability.external exists",
        "attribute:weight > 9",
        "task:group == database",
        "task:group != cache",
        "task:group in [cache, database]",
        "not(task:group == database) or task:group !in [cache]",
        "agentVersion < 1.14.5 || agentConnected == true",
        "registeredAt < 2018-02-13 and runningTasksCount <= 3",
        "ec2InstanceId in ['i-abcd1234', 'i-0000000000000001']",
    ]
    .iter()
    .map(|text| Expression::parse(text).expect("the expressions are valid"))
    .collect();

    let mut results = [false; 14];
    let before = allocations();
    for (result, expression) in results.iter_mut().zip(&expressions) {
        *result = expression.matches(&StaticInstance);
    }
    let allocated = allocations() - before;
    assert_eq!(allocated, 0, "evaluation allocated {allocated} times");
    // Only the `!=` on a missing attribute (RULE) and the `registeredAt <` at the very instant
    // of registration are false.
    let expected = [
        true, true, true, true, false, true, true, true, true, true, true, true, false, true,
    ];
    assert_eq!(results, expected);
}
