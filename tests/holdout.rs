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

/// A scenario placing `items` (each a task of `[cpu units, memory MiB, GPUs]`) in file order, one
/// RunTask each with binpack(memory), on a LaunchContainerInstances fleet (actions[1]) of
/// `instance_type` (`{"name": ..}` catalog entry).
fn packing_scenario(instance_type: &str, items: &[[u32; 3]]) -> String {
    let mut actions = vec![
        r#"{"at": 0, "action": "CreateCluster", "input": {"clusterName": "bins"}}"#.to_string(),
        r#"{"at": 0, "action": "LaunchContainerInstances", "input": {"cluster": "bins", "instanceType": "bin", "count": 1}}"#.to_string(),
    ];
    let mut families: Vec<[u32; 3]> = items.to_vec();
    families.sort_unstable();
    families.dedup();
    for f in &families {
        let gpu = if f[2] > 0 {
            format!(
                r#", "resourceRequirements": [{{"type": "GPU", "value": "{}"}}]"#,
                f[2]
            )
        } else {
            String::new()
        };
        actions.push(format!(
            r#"{{"at": 0, "action": "RegisterTaskDefinition", "input": {{"family": "item-{}-{}-{}", "containerDefinitions": [{{"name": "item", "image": "item", "cpu": {}, "memory": {}{gpu}}}]}}}}"#,
            f[0], f[1], f[2], f[0], f[1]
        ));
    }
    for it in items {
        actions.push(format!(
            r#"{{"at": "2m", "action": "RunTask", "input": {{"cluster": "bins", "taskDefinition": "item-{}-{}-{}", "placementStrategy": [{{"type": "binpack", "field": "memory"}}]}}}}"#,
            it[0], it[1], it[2]
        ));
    }
    format!(
        r#"{{"schemaVersion": 1, "name": "packing", "horizon": "10m", "instanceTypes": [{instance_type}], "actions": [{}]}}"#,
        actions.join(",\n")
    )
}

/// The planner's answer and lower bound for placing `items` on `instance_type`.
fn plan_packing(instance_type: &str, items: &[[u32; 3]]) -> (u32, u32) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("packing.json"),
        packing_scenario(instance_type, items),
    )
    .expect("write");
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{"schemaVersion": 1, "name": "packing", "scenario": "packing.json", "fleet": {"action": 1},
            "instanceTypes": ["bin"], "survive": [{"type": "none"}], "at": "5m", "recoverWithin": "1m"}"#,
    )
    .expect("write");
    let planner = ecsim_cli::plan::Planner::open(&plan).unwrap_or_else(|e| panic!("{}", e.0));
    let rows = planner
        .run_all(2, &ecsim_cli::plan::Progress::hidden())
        .unwrap_or_else(|e| panic!("{}", e.0));
    (
        rows[0].instances.expect("an answer"),
        rows[0].lower_bound.expect("a bound"),
    )
}

/// The planner's lower bound against instances with proven optima: on one-dimensional instances it
/// is the L1 bound ceil(sum / capacity) of the manifest, never above the optimum, and the planner's
/// answer is binpack's (Best Fit's) count; on a three-dimensional instance (CPU, memory and GPUs
/// as its three dimensions) it is the largest of the three L1 bounds, never above the optimum.
#[test]
fn planner_lower_bound_against_proven_optima() {
    let Some(dir) = holdout() else { return };
    let manifest = std::fs::read_to_string(dir.join("manifest_1d.csv")).expect("manifest");
    let header: Vec<&str> = manifest
        .lines()
        .next()
        .expect("header")
        .split(',')
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let mut outcomes = Vec::new();
    for file in ["falkenauer/Falkenauer_t60_00.txt", "scholl/N1C1W1_A.txt"] {
        let cells: Vec<&str> = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{file},")))
            .unwrap_or_else(|| panic!("{file} in the manifest"))
            .split(',')
            .collect();
        let text = std::fs::read_to_string(dir.join(file)).expect("instance file");
        let mut numbers = text
            .split_whitespace()
            .map(|x| x.parse::<u32>().expect("integer"));
        let n = numbers.next().expect("n") as usize;
        let capacity = numbers.next().expect("capacity");
        let items: Vec<[u32; 3]> = numbers.take(n).map(|w| [0, w, 0]).collect();
        let number = |c: &str| cells[col(c)].parse::<u32>().expect("number");
        let (l1, opt, best_fit) = (
            number("l1_bound"),
            number("opt_ub"),
            number("bf_file_order_bins"),
        );
        assert_eq!(number("opt_lb"), opt, "a proven optimum");
        let (answer, bound) = plan_packing(
            &format!(
                r#"{{"name": "bin", "vcpu": 1, "memoryMiB": {capacity}, "registeredMemoryMiB": {capacity}}}"#
            ),
            &items,
        );
        assert_eq!(bound, l1, "{file}: the planner's bound is L1");
        assert!(bound <= opt, "{file}: a lower bound");
        assert_eq!(answer, best_fit, "{file}: binpack places as Best Fit does");
        outcomes.push(format!(
            "{file}: bound {bound} <= optimum {opt} <= answer {answer}"
        ));
    }
    let manifest = std::fs::read_to_string(
        dir.parent()
            .expect("holdout")
            .join("vbp3d/manifest_vbp3d.csv"),
    )
    .expect("vbp3d manifest");
    let header: Vec<&str> = manifest
        .lines()
        .next()
        .expect("header")
        .split(',')
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let file = "class1_60_3_0.vbp";
    let cells: Vec<&str> = manifest
        .lines()
        .find(|l| l.starts_with(&format!("{file},")))
        .expect("class1 in the manifest")
        .split(',')
        .collect();
    let text = std::fs::read_to_string(dir.parent().expect("holdout").join("vbp3d").join(file))
        .expect("instance file");
    let numbers: Vec<u32> = text
        .split_whitespace()
        .map(|x| x.parse().expect("integer"))
        .collect();
    assert_eq!(numbers[0], 3, "three dimensions");
    let capacity = [numbers[1], numbers[2], numbers[3]];
    let m = numbers[4] as usize;
    let mut items = Vec::new();
    for k in 0..m {
        let row = &numbers[5 + 4 * k..9 + 4 * k];
        for _ in 0..row[3] {
            // CPU scaled by 1024 (a vCPU's units) so that capacity × 1024 registers exactly.
            items.push([row[0] * 1024, row[1], row[2]]);
        }
    }
    let l1 = (0..3)
        .map(|d| {
            items
                .iter()
                .map(|i| i[d] as u64)
                .sum::<u64>()
                .div_ceil(capacity[d] as u64 * if d == 0 { 1024 } else { 1 })
        })
        .max()
        .expect("three");
    let number = |c: &str| cells[col(c)].parse::<u32>().expect("number");
    let (lb, opt) = (number("lb"), number("opt"));
    let (answer, bound) = plan_packing(
        &format!(
            r#"{{"name": "bin", "vcpu": {}, "memoryMiB": {}, "registeredMemoryMiB": {}, "gpus": {}}}"#,
            capacity[0], capacity[1], capacity[1], capacity[2]
        ),
        &items,
    );
    assert_eq!(
        bound as u64, l1,
        "{file}: the largest of the three L1 bounds"
    );
    assert!(
        bound <= lb && lb <= opt && opt <= answer,
        "{file}: bound {bound}, lb {lb}, optimum {opt}, answer {answer}"
    );
    outcomes.push(format!(
        "{file}: bound {bound} <= optimum {opt} <= answer {answer}"
    ));
    eprintln!(
        "the planner against proven optima:\n  {}",
        outcomes.join("\n  ")
    );
}
