//! The indexed path allocates nothing in steady state (issue item 3: "the indexed decision and the
//! index refresh after a placement must not allocate in steady state"). A counting global allocator
//! (this binary's own, so no other test's allocations are counted) watches `prepare` + `place` +
//! `World::place_task` and the stop (`set_desired_stopped` + `release_task`) of an earlier task in a
//! warmed-up, half-full cluster, for every chain the index serves: at most one allocation per
//! placement in all (the bound), and next to none in `prepare` + `place`, where the index
//! refresh of the instances changed and the decision happen. Each chain runs twice: on a cluster
//! without capacity providers, and on one split over four providers where every request names its
//! group's provider (decided in the provider's pool, refreshed alongside the cluster scope).

use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::{LaunchType, PlacementConstraint, Task, TaskId};
use ecsim_placement::{
    place, prepare, BinpackField, PlacementRequest, PlacementStrategy, Served, SpreadField,
};
use ecsim_tests::{filled_world_in_pools, provider_name, simple_task_definition, spec_for};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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

/// Allocations per placement, after `WARM_UP` placements, over `MEASURED` more: in all, and in
/// `prepare` + `place` alone (the index refresh and the decision). With `providers` > 0 the
/// instances are split over that many capacity providers and each group's tasks name one.
fn allocations_per_placement(
    strategies: &[PlacementStrategy],
    constraints: &[PlacementConstraint],
    providers: usize,
) -> (f64, f64, Served) {
    const WARM_UP: usize = 3000;
    const MEASURED: usize = 3000;
    let (mut world, cluster) = filled_world_in_pools(600, 0.5, 7, providers);
    let names: Vec<String> = (0..providers).map(provider_name).collect();
    let def = world.register_task_definition(simple_task_definition("web", 128, 256));
    let requirements = world
        .task_definition(def)
        .requirements(&TaskOverride::default());
    let groups: Vec<_> = (0..40)
        .map(|k| world.intern_group(&format!("service:web-{k}")))
        .collect();
    // The fillers stop first, oldest first; then the tasks placed here.
    let mut live: VecDeque<TaskId> = world.tasks().map(|t| t.id).collect();
    let specs: Vec<_> = groups
        .iter()
        .map(|&g| spec_for(&mut world, cluster, def, g, &requirements))
        .collect();
    let tasks: Vec<TaskId> = (0..WARM_UP + MEASURED)
        .map(|k| world.add_task(Task::new(specs[k % specs.len()], cluster, SimTime::ZERO)))
        .collect();
    let mut rng = RandomStreams::new(7).stream("placement");
    let mut served = None;
    let mut before = 0;
    let mut in_placement = 0;
    for (k, &task) in tasks.iter().enumerate() {
        let req = PlacementRequest {
            cluster,
            requirements: &requirements,
            group: world.task_spec(task).group,
            launch_type: LaunchType::Ec2,
            constraints,
            strategies,
            only: None,
            capacity_provider: (providers > 0)
                .then(|| names[(k % specs.len()) % providers].as_str()),
            explain: false,
        };
        if k == WARM_UP {
            served = Some(last_served(&mut world, &req));
            before = ALLOCATIONS.load(Ordering::Relaxed);
        }
        let start = ALLOCATIONS.load(Ordering::Relaxed);
        prepare(&mut world, &req);
        let d = place(&world, &req, &mut rng).expect("room");
        if k >= WARM_UP {
            in_placement += ALLOCATIONS.load(Ordering::Relaxed) - start;
        }
        world.place_task(task, d.instance);
        live.push_back(task);
        let old = live.pop_front().expect("live");
        world.set_desired_stopped(old);
        world.release_task(old);
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    (
        (after - before) as f64 / MEASURED as f64,
        in_placement as f64 / MEASURED as f64,
        served.expect("measured"),
    )
}

/// Which path serves `req` now (asked with a scratch of its own, before the count starts).
fn last_served(world: &mut ecsim_model::World, req: &PlacementRequest) -> Served {
    prepare(world, req);
    let mut scratch = ecsim_placement::Scratch::default();
    let mut rng = RandomStreams::new(0).stream("probe");
    let _ = ecsim_placement::place_with(world, req, &mut rng, &mut scratch);
    scratch.served().expect("decided")
}

#[test]
fn steady_state_placement_allocates_at_most_once_per_task_on_average() {
    use PlacementStrategy::{Binpack, Random, Spread};
    let az = || Spread(SpreadField::Attribute("ecs.availability-zone".into()));
    let distinct = [PlacementConstraint::DistinctInstance];
    let member_of = [PlacementConstraint::MemberOf(Arc::new(
        ecsim_query::Expression::parse("attribute:ecs.instance-type == m5.xlarge").expect("valid"),
    ))];
    let cases: [(&str, Vec<PlacementStrategy>, &[PlacementConstraint]); 10] = [
        ("binpack(memory)", vec![Binpack(BinpackField::Memory)], &[]),
        ("binpack(cpu)", vec![Binpack(BinpackField::Cpu)], &[]),
        (
            "spread(zone), binpack(memory)",
            vec![az(), Binpack(BinpackField::Memory)],
            &[],
        ),
        ("REPLICA default", PlacementStrategy::service_default(), &[]),
        (
            "REPLICA default, distinctInstance",
            PlacementStrategy::service_default(),
            &distinct,
        ),
        (
            "REPLICA default, memberOf",
            PlacementStrategy::service_default(),
            &member_of,
        ),
        (
            "spread(instanceId)",
            vec![Spread(SpreadField::Instance)],
            &[],
        ),
        (
            "spread(instanceId), binpack(memory)",
            vec![Spread(SpreadField::Instance), Binpack(BinpackField::Memory)],
            &[],
        ),
        ("spread(zone), random", vec![az(), Random], &[]),
        ("random", vec![Random], &[]),
    ];
    let mut report = Vec::new();
    for ((name, strategies, constraints), providers) in
        (cases.iter()).flat_map(|case| [(case, 0), (case, 4)])
    {
        let name = if providers > 0 {
            format!("{name}, in a provider's pool")
        } else {
            name.to_string()
        };
        let (per_task, in_placement, served) =
            allocations_per_placement(strategies, constraints, providers);
        assert_ne!(served, Served::Scan, "{name}: the index must serve it");
        report.push(format!(
            "{name}: {per_task:.3} in all, {in_placement:.4} in prepare + place, via {served:?}"
        ));
        assert!(
            per_task <= 1.0,
            "{name}: {per_task:.3} allocations per placement; all: {report:?}"
        );
        // The index refresh and the decision themselves: a rare growth of a pooled list at most
        // (the rest is `World::place_task`'s, the instance's task set).
        assert!(
            in_placement <= 0.01,
            "{name}: {in_placement:.4} allocations per placement in prepare + place; all: {report:?}"
        );
    }
}
