//! The engine's binpack against public bin-packing benchmarks with proven optima (the holdout set
//! beside the project, `../shared/holdout/bpp1d`, read in place and never copied: its licences forbid
//! redistribution).
//!
//! ECS binpack places each task on the instance with the least remaining amount that still fits: Best
//! Fit. Placing a benchmark's items in file order onto identical instances must therefore use exactly
//! the manifest's `bf_file_order_bins` instances (a tie between instances with equal remaining amounts
//! leaves the same multiset of remaining amounts whichever is drawn, so the count does not depend on the
//! seed). The gap to the proven optimum is printed for the record.
//!
//! CI has shared/ (and the holdout in it) beside the checkout and must run this; elsewhere the test
//! says it has nothing to check.

use ecsim_kernel::RandomStreams;
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;
use ecsim_placement::{place, BinpackField, PlacementRequest, PlacementStrategy};
use ecsim_tests::{place_new_task, simple_task_definition};
use std::path::PathBuf;

fn holdout() -> Option<PathBuf> {
    let shared = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    let dir = shared.join("holdout/bpp1d");
    if dir.join("manifest_1d.csv").exists() {
        return Some(dir);
    }
    // CI checks out the project with shared/ beside it: there, the data must be found.
    assert!(
        std::env::var_os("CI").is_none() || !shared.is_dir(),
        "CI has shared/ beside the checkout but no holdout data at {}",
        dir.display()
    );
    eprintln!(
        "holdout data not found at {}: nothing to check here",
        dir.display()
    );
    None
}

/// Places `weights` in order with binpack on `field` onto identical instances of `capacity`; returns
/// how many instances hold a task.
fn binpack(weights: &[u32], capacity: u32, field: BinpackField, seed: u64) -> usize {
    let mut world = World::new("us-east-1", "123456789012", 0);
    let c = world.create_cluster("bpp");
    let big = u32::MAX / 2;
    for _ in 0..weights.len() {
        world.add_instance(c, None, |i| {
            i.registered = match field {
                BinpackField::Memory => Resources {
                    cpu: big,
                    memory_mib: capacity,
                    gpus: 0,
                    enis: 1,
                },
                BinpackField::Cpu => Resources {
                    cpu: capacity,
                    memory_mib: big,
                    gpus: 0,
                    enis: 1,
                },
            };
        });
    }
    world.sync_index();
    let group = world.intern_group("family:item");
    let strategy = [PlacementStrategy::Binpack(field)];
    let mut rng = RandomStreams::new(seed).stream("placement");
    for (k, &w) in weights.iter().enumerate() {
        let def = match field {
            BinpackField::Memory => simple_task_definition(&format!("i{k}"), 0, w),
            BinpackField::Cpu => simple_task_definition(&format!("i{k}"), w, 0),
        };
        let def = world.register_task_definition(def);
        let requirements = world
            .task_definition(def)
            .requirements(&TaskOverride::default());
        let req = PlacementRequest {
            cluster: c,
            requirements: &requirements,
            group,
            launch_type: LaunchType::Ec2,
            constraints: &[],
            strategies: &strategy,
            only: None,
            capacity_provider: None,
            explain: false,
        };
        let d = place(&world, &req, &mut rng).expect("one instance per item always suffices");
        place_new_task(&mut world, c, def, group, &requirements, d.instance);
    }
    world
        .instances
        .iter()
        .filter(|i| i.reserved != Resources::default())
        .count()
}

#[test]
fn binpack_is_best_fit_on_every_bpplib_instance() {
    let Some(dir) = holdout() else { return };
    let manifest = std::fs::read_to_string(dir.join("manifest_1d.csv")).expect("manifest");
    let mut header = manifest.lines().next().expect("header").split(',');
    let col = |name: &str| {
        manifest
            .lines()
            .next()
            .unwrap()
            .split(',')
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let (file_c, cap_c, ub_c, lb_c, bf_c) = (
        col("file"),
        col("capacity"),
        col("opt_ub"),
        col("opt_lb"),
        col("bf_file_order_bins"),
    );
    let _ = header.next();
    let mut checked = 0;
    let mut gaps = Vec::new();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let text = std::fs::read_to_string(dir.join(cells[file_c])).expect("instance file");
        let mut numbers = text
            .split_whitespace()
            .map(|x| x.parse::<u32>().expect("integer"));
        let n = numbers.next().expect("n") as usize;
        let capacity = numbers.next().expect("capacity");
        assert_eq!(capacity.to_string(), cells[cap_c]);
        let weights: Vec<u32> = numbers.take(n).collect();
        assert_eq!(weights.len(), n);
        let best_fit: usize = cells[bf_c].parse().expect("bf bins");
        let (lb, ub): (usize, usize) = (
            cells[lb_c].parse().expect("lb"),
            cells[ub_c].parse().expect("ub"),
        );
        for field in [BinpackField::Memory, BinpackField::Cpu] {
            for seed in [1, 2] {
                let used = binpack(&weights, capacity, field, seed);
                assert_eq!(used, best_fit, "{} ({field:?}, seed {seed}): binpack used {used} instances, Best Fit uses {best_fit}", cells[file_c]);
            }
        }
        assert!(best_fit >= lb, "never below the proven lower bound");
        gaps.push(format!(
            "{}: {best_fit} instances, optimum {ub} (+{})",
            cells[file_c],
            best_fit - ub
        ));
        checked += 1;
    }
    assert!(checked >= 20, "the manifest lists every saved instance");
    eprintln!(
        "binpack = Best Fit on {checked} BPPLIB instances:\n  {}",
        gaps.join("\n  ")
    );
}
