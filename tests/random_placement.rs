//! `random` placement samples instances and keeps the first that can take the task; it must stay
//! uniform over the instances that can, never pick one that cannot, and fall back to enumerating when
//! few can.

use ecsim_kernel::RandomStreams;
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;
use ecsim_placement::{
    place, place_scan, place_with, prepare, PlacementRequest, PlacementStrategy, Scratch, Served,
};
use ecsim_tests::simple_task_definition;

/// `instances` instances with 1024 MiB each; those in `full` have 100 MiB left.
fn world(instances: usize, full: &[usize]) -> (World, ClusterId) {
    let mut w = World::new("us-east-1", "123456789012", 0);
    let c = w.create_cluster("r");
    for k in 0..instances {
        let memory_mib = if full.contains(&k) { 100 } else { 1024 };
        w.add_instance(c, None, |i| {
            i.registered = Resources {
                cpu: 4096,
                memory_mib,
                gpus: 0,
                enis: 1,
            }
        });
    }
    w.sync_index();
    (w, c)
}

/// `n` decisions in the unchanging world (prepared once, as the engine would before placing), and
/// the path that served each.
fn picks(
    w: &mut World,
    c: ClusterId,
    n: usize,
    seed: u64,
) -> (Vec<Result<u32, &'static str>>, Vec<Served>) {
    let requirements = simple_task_definition("t", 10, 512).requirements(&TaskOverride::default());
    let strategy = [PlacementStrategy::Random];
    let req = PlacementRequest {
        cluster: c,
        requirements: &requirements,
        group: GroupId(0),
        launch_type: LaunchType::Ec2,
        constraints: &[],
        strategies: &strategy,
        only: None,
        capacity_provider: None,
        explain: false,
    };
    prepare(w, &req);
    let mut rng = RandomStreams::new(seed).stream("placement");
    let mut scratch = Scratch::default();
    (0..n)
        .map(|_| {
            let p = place_with(w, &req, &mut rng, &mut scratch)
                .map(|d| d.instance.0)
                .map_err(|f| f.reason);
            (p, scratch.served().expect("decided"))
        })
        .unzip()
}

#[test]
fn random_is_uniform_over_the_instances_that_fit() {
    let full = [1, 3, 5, 7, 9];
    let (mut w, c) = world(10, &full);
    let mut counts = [0u32; 10];
    for p in picks(&mut w, c, 20_000, 5).0 {
        counts[p.expect("five instances fit") as usize] += 1;
    }
    for (k, &n) in counts.iter().enumerate() {
        if full.contains(&k) {
            assert_eq!(n, 0, "instance {k} cannot take the task");
        } else {
            // 4,000 expected; five standard deviations is about 280.
            assert!(
                (3720..=4280).contains(&n),
                "instance {k}: {n} of 20,000 ({counts:?})"
            );
        }
    }
}

#[test]
fn one_instance_that_fits_among_a_hundred_is_always_found() {
    let full: Vec<usize> = (0..100).filter(|&k| k != 37).collect();
    let (mut w, c) = world(100, &full);
    let (placed, served) = picks(&mut w, c, 200, 9);
    assert!(placed.iter().all(|p| *p == Ok(37)));
    // Sixteen misses are likely here: the candidates are then counted through the index.
    assert!(served.contains(&Served::Count), "{served:?}");
}

#[test]
fn when_nothing_fits_the_failure_is_the_scans() {
    let full: Vec<usize> = (0..20).collect();
    let (w, c) = world(20, &full);
    let requirements = simple_task_definition("t", 10, 512).requirements(&TaskOverride::default());
    let strategy = [PlacementStrategy::Random];
    let req = PlacementRequest {
        cluster: c,
        requirements: &requirements,
        group: GroupId(0),
        launch_type: LaunchType::Ec2,
        constraints: &[],
        strategies: &strategy,
        only: None,
        capacity_provider: None,
        explain: false,
    };
    let sampled = place(&w, &req, &mut RandomStreams::new(1).stream("p")).unwrap_err();
    let scanned = place_scan(&w, &req, &mut RandomStreams::new(1).stream("p")).unwrap_err();
    assert_eq!(
        (sampled.closest, sampled.reason),
        (scanned.closest, scanned.reason)
    );
    assert_eq!(sampled.reason, "RESOURCE:MEMORY");
}
