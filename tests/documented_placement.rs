//! Golden tests: every documented placement strategy and constraint example, each citing the
//! document it comes from (reference/ecs-semantics.md §1.2–§1.5).

use ecsim_kernel::RandomStreams;
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;
use ecsim_placement::{
    eligible, place, prepare, BinpackField, PlacementRequest, PlacementStrategy as S, SpreadField,
};
use ecsim_tests::{place_new_task, simple_task_definition};
use std::sync::Arc;

/// A cluster of instances given as (zone, instance type, cpu, memory MiB).
fn world(instances: &[(&str, &str, u32, u32)]) -> (World, ClusterId) {
    let mut w = World::new("us-east-1", "123456789012", 0);
    let c = w.create_cluster("docs");
    for &(zone, itype, cpu, memory_mib) in instances {
        w.add_instance(c, None, |i| {
            i.registered = Resources {
                cpu,
                memory_mib,
                gpus: 0,
                enis: 2,
            };
            i.attributes.insert("ecs.availability-zone", Some(zone));
            i.attributes.insert("ecs.instance-type", Some(itype));
        });
    }
    w.sync_index();
    (w, c)
}

#[allow(clippy::too_many_arguments)] // a test helper: each argument is one knob of a documented example
/// Places `n` tasks of (cpu, memory) in `group`, one after another; returns the instance index of
/// each (None for a failure, with its reason).
fn run(
    w: &mut World,
    c: ClusterId,
    group: &str,
    size: (u32, u32),
    n: usize,
    strategies: &[S],
    constraints: &[PlacementConstraint],
    seed: u64,
) -> Vec<Result<u32, &'static str>> {
    let def = w.register_task_definition(simple_task_definition(group, size.0, size.1));
    let requirements = w
        .task_definition(def)
        .requirements(&TaskOverride::default());
    let g = w.intern_group(group);
    let mut rng = RandomStreams::new(seed).stream("placement");
    (0..n)
        .map(|_| {
            let req = PlacementRequest {
                cluster: c,
                requirements: &requirements,
                group: g,
                launch_type: LaunchType::Ec2,
                constraints,
                strategies,
                only: None,
                capacity_provider: None,
                explain: false,
            };
            // As the engine does: prepare the index, then place (through it where it serves).
            prepare(w, &req);
            match place(w, &req, &mut rng) {
                Ok(d) => {
                    place_new_task(w, c, def, g, &requirements, d.instance);
                    Ok(d.instance.0)
                }
                Err(f) => Err(f.reason),
            }
        })
        .collect()
}

fn az() -> S {
    S::Spread(SpreadField::Attribute("ecs.availability-zone".into()))
}

fn per_instance(placed: &[Result<u32, &str>], instances: usize) -> Vec<usize> {
    let mut v = vec![0; instances];
    for p in placed.iter().flatten() {
        v[*p as usize] += 1;
    }
    v
}

const SIX: [(&str, &str, u32, u32); 6] = [
    ("us-east-1a", "m5.large", 2048, 7680),
    ("us-east-1a", "m5.large", 2048, 7680),
    ("us-east-1b", "m5.large", 2048, 7680),
    ("us-east-1b", "m5.large", 2048, 7680),
    ("us-east-1c", "m5.large", 2048, 7680),
    ("us-east-1c", "m5.large", 2048, 7680),
];

/// [DG23:task-placement-strategies.md] `{"field": "attribute:ecs.availability-zone", "type": "spread"}`:
/// "distributes tasks evenly across Availability Zones".
#[test]
fn spread_across_availability_zones() {
    let (mut w, c) = world(&SIX);
    let placed = run(&mut w, c, "web", (128, 128), 9, &[az()], &[], 1);
    let v = per_instance(&placed, 6);
    assert_eq!([v[0] + v[1], v[2] + v[3], v[4] + v[5]], [3, 3, 3]);
}

/// [DG23:task-placement-strategies.md] `{"field": "instanceId", "type": "spread"}`: "distributes tasks
/// evenly across all instances".
#[test]
fn spread_across_instances() {
    let (mut w, c) = world(&SIX);
    let placed = run(
        &mut w,
        c,
        "web",
        (128, 128),
        12,
        &[S::Spread(SpreadField::Instance)],
        &[],
        1,
    );
    assert_eq!(per_instance(&placed, 6), vec![2; 6]);
}

/// [DG23:task-placement-strategies.md] `{"field": "memory", "type": "binpack"}`; API PlacementStrategy:
/// "if you binpack on memory, a task is placed on the instance with the least amount of remaining
/// memory but still enough to run the task".
#[test]
fn binpack_on_memory_takes_the_least_remaining_that_still_fits() {
    let (mut w, c) = world(&[
        ("us-east-1a", "m5.large", 4096, 4000),
        ("us-east-1a", "m5.large", 4096, 1000),
        ("us-east-1a", "m5.large", 4096, 500),
        ("us-east-1a", "m5.large", 4096, 2000),
    ]);
    let placed = run(
        &mut w,
        c,
        "web",
        (10, 900),
        1,
        &[S::Binpack(BinpackField::Memory)],
        &[],
        1,
    );
    // 500 MiB is too little; 1000 MiB is the least that still fits.
    assert_eq!(placed, vec![Ok(1)]);
    // The next 900 MiB task no longer fits on instance 1 (100 MiB left): instance 3 (2000) is next.
    assert_eq!(
        run(
            &mut w,
            c,
            "web",
            (10, 900),
            1,
            &[S::Binpack(BinpackField::Memory)],
            &[],
            1
        ),
        vec![Ok(3)]
    );
}

/// [DG23:task-placement-strategies.md] `{"type": "random"}`: "places tasks randomly"; SPEC §11: the draw
/// comes from the seed, so the same seed gives the same placements and seeds differ.
#[test]
fn random_is_seeded_and_reaches_every_instance() {
    let mut seen = [false; 6];
    let mut firsts = Vec::new();
    for seed in 0..40 {
        let (mut w, c) = world(&SIX);
        let placed = run(&mut w, c, "batch", (128, 128), 3, &[S::Random], &[], seed);
        for p in placed.iter().flatten() {
            seen[*p as usize] = true;
        }
        let (mut w2, c2) = world(&SIX);
        assert_eq!(
            placed,
            run(&mut w2, c2, "batch", (128, 128), 3, &[S::Random], &[], seed),
            "same seed, same draws"
        );
        firsts.push(placed[0]);
    }
    assert!(
        seen.iter().all(|&s| s),
        "every instance chosen at some seed: {seen:?}"
    );
    firsts.dedup();
    assert!(firsts.len() > 5, "seeds differ");
}

/// [DG23:task-placement-strategies.md] AZ spread, then instanceId spread: "distributes tasks evenly
/// across Availability Zones and then distributes tasks evenly across the instances within each
/// Availability Zone". Also the REPLICA service default (SPEC §4).
#[test]
fn spread_zones_then_instances() {
    let (mut w, c) = world(&SIX);
    let placed = run(
        &mut w,
        c,
        "service:web",
        (128, 128),
        6,
        &S::service_default(),
        &[],
        3,
    );
    assert_eq!(per_instance(&placed, 6), vec![1; 6]);
}

/// [DG23:task-placement-strategies.md] AZ spread, then memory binpack: "distributes tasks evenly across
/// Availability Zones and then bin packs tasks based on memory within each Availability Zone".
#[test]
fn spread_zones_then_binpack_memory() {
    let (mut w, c) = world(&SIX);
    let placed = run(
        &mut w,
        c,
        "web",
        (128, 128),
        6,
        &[az(), S::Binpack(BinpackField::Memory)],
        &[],
        5,
    );
    let v = per_instance(&placed, 6);
    // Two tasks per zone, both on one instance of the zone.
    for zone in 0..3 {
        let pair = [v[2 * zone], v[2 * zone + 1]];
        assert!(pair == [2, 0] || pair == [0, 2], "zone {zone}: {pair:?}");
    }
}

/// [DGcur:strategy-examples] instanceId spread, then memory binpack: "distributes tasks evenly across
/// all instances and then bin packs tasks based on memory within each instance".
#[test]
fn spread_instances_then_binpack_memory() {
    let (mut w, c) = world(&[
        ("us-east-1a", "m5.large", 4096, 4000),
        ("us-east-1a", "m5.large", 4096, 3000),
        ("us-east-1b", "m5.large", 4096, 5000),
    ]);
    let placed = run(
        &mut w,
        c,
        "web",
        (10, 100),
        4,
        &[
            S::Spread(SpreadField::Instance),
            S::Binpack(BinpackField::Memory),
        ],
        &[],
        1,
    );
    // Every instance gets one task before any gets a second; ties go to the least memory (3000 first).
    assert_eq!(placed, vec![Ok(1), Ok(0), Ok(2), Ok(1)]);
}

fn member_of(expr: &str) -> PlacementConstraint {
    PlacementConstraint::MemberOf(Arc::new(
        ecsim_query::Expression::parse(expr).expect("documented expression parses"),
    ))
}

/// [DG23:task-placement-constraints.md] `{"expression": "attribute:ecs.instance-type =~ t2.*", "type": "memberOf"}`.
#[test]
fn member_of_instance_type_pattern() {
    let (mut w, c) = world(&[
        ("us-east-1a", "m5.large", 2048, 4000),
        ("us-east-1a", "t2.micro", 1024, 990),
        ("us-east-1b", "t2.small", 1024, 1990),
    ]);
    let placed = run(
        &mut w,
        c,
        "web",
        (128, 128),
        6,
        &[S::Random],
        &[member_of("attribute:ecs.instance-type =~ t2.*")],
        2,
    );
    assert!(
        placed.iter().all(|p| matches!(p, Ok(1) | Ok(2))),
        "{placed:?}"
    );
}

/// [DG23:task-placement-constraints.md] `{"expression": "task:group == databases", "type": "memberOf"}`:
/// tasks go only where tasks of the `databases` group run; none there means the constraint fails.
#[test]
fn member_of_task_group() {
    let (mut w, c) = world(&SIX[..3]);
    let constraint = [member_of("task:group == databases")];
    assert_eq!(
        run(
            &mut w,
            c,
            "web",
            (128, 128),
            1,
            &[S::Random],
            &constraint,
            1
        ),
        vec![Err("MemberOf placement constraint unsatisfied.")]
    );
    run(
        &mut w,
        c,
        "databases",
        (128, 128),
        1,
        &[S::Binpack(BinpackField::Memory)],
        &[],
        1,
    );
    let db = w
        .tasks()
        .find(|t| w.group_name(w.spec(t.spec).group) == "databases")
        .and_then(|t| t.instance)
        .unwrap()
        .0;
    let placed = run(
        &mut w,
        c,
        "web",
        (128, 128),
        4,
        &[S::Random],
        &constraint,
        1,
    );
    assert_eq!(placed, vec![Ok(db); 4]);
}

/// [DG23:task-placement-constraints.md] `{"type": "distinctInstance"}`: "Place each task on a different
/// container instance"; a fourth task on three instances fails with the documented reason.
#[test]
fn distinct_instance() {
    let (mut w, c) = world(&SIX[..3]);
    let placed = run(
        &mut w,
        c,
        "web",
        (128, 128),
        4,
        &[S::Random],
        &[PlacementConstraint::DistinctInstance],
        4,
    );
    let mut ok: Vec<u32> = placed.iter().flatten().copied().collect();
    ok.sort();
    assert_eq!(ok, vec![0, 1, 2]);
    assert_eq!(
        placed[3],
        Err("DistinctInstance placement constraint unsatisfied.")
    );
}

/// [DG23:service-event-messages.md] "If your task definition specifies 1000 CPU units, and the container
/// instances in your cluster each have 1024 CPU units, you can only run one copy of this task per
/// container instance." The same for 1000 MiB of memory on 1024 MiB instances.
#[test]
fn one_copy_per_instance_when_resources_allow_only_one() {
    let (mut w, c) = world(&[
        ("us-east-1a", "x", 1024, 4000),
        ("us-east-1a", "x", 1024, 4000),
    ]);
    let placed = run(&mut w, c, "cpu", (1000, 10), 3, &[S::Random], &[], 1);
    assert_eq!(placed[2], Err("RESOURCE:CPU"));
    let (mut w, c) = world(&[
        ("us-east-1a", "x", 4096, 1024),
        ("us-east-1a", "x", 4096, 1024),
    ]);
    let placed = run(&mut w, c, "mem", (10, 1000), 3, &[S::Random], &[], 1);
    assert_eq!(placed[2], Err("RESOURCE:MEMORY"));
}

/// Reference §4.1 (DG ecs_services.md): DAEMON "deploys exactly one task on each active container
/// instance that meets all of the task placement constraints", and "doesn't place any tasks on
/// instances that have a `DRAINING` status". `eligible` is that "where": ACTIVE, the launch type's
/// instances, required attributes present, every memberOf holding; resources, the agent and
/// distinctInstance are not asked (one task per instance is the scheduler's rule).
#[test]
fn daemon_eligibility_is_active_instances_meeting_the_constraints() {
    let (mut w, c) = world(&[
        ("us-east-1a", "t2.micro", 1024, 1024),
        ("us-east-1a", "m5.large", 2048, 8192),
        ("us-east-1b", "t2.micro", 1024, 1024),
        ("us-east-1b", "t2.small", 1024, 2048),
        ("us-east-1c", "t2.micro", 1024, 1024),
    ]);
    w.instance_mut(InstanceId(2)).status = InstanceStatus::Draining;
    w.instance_mut(InstanceId(3)).agent_connected = false;
    w.instance_mut(InstanceId(4))
        .set_attribute(ecsim_model::instance::EXTERNAL_CAPABILITY, None);
    w.sync_index();
    // A task far larger than any instance: resources are not the daemon's question.
    let mut requirements =
        simple_task_definition("d", 99_999, 99_999).requirements(&TaskOverride::default());
    let member_of = PlacementConstraint::MemberOf(Arc::new(
        ecsim_query::Expression::parse("attribute:ecs.instance-type =~ t2.*").expect("valid"),
    ));
    let constraints = [member_of, PlacementConstraint::DistinctInstance];
    let eligible_ids = |w: &World, requirements: &TaskRequirements, launch_type| {
        let req = PlacementRequest {
            cluster: c,
            requirements,
            group: GroupId(0),
            launch_type,
            constraints: &constraints,
            strategies: &[],
            only: None,
            capacity_provider: None,
            explain: false,
        };
        w.cluster(c)
            .instances
            .iter()
            .filter(|&&i| eligible(w, w.instance(i), &req))
            .map(|i| i.0)
            .collect::<Vec<_>>()
    };
    // 1 is not a t2, 2 is DRAINING, 4 is an ECS Anywhere instance; 3's agent is away but counts.
    assert_eq!(eligible_ids(&w, &requirements, LaunchType::Ec2), vec![0, 3]);
    assert_eq!(
        eligible_ids(&w, &requirements, LaunchType::External),
        vec![4]
    );
    // A required attribute no instance has (awsvpc's task ENI capability) leaves none.
    requirements
        .required_attributes
        .push("ecs.capability.task-eni".into());
    assert_eq!(
        eligible_ids(&w, &requirements, LaunchType::Ec2),
        Vec::<u32>::new()
    );
}

/// SPEC §4, Explanations: "Every placement decision can be explained: per instance, which check
/// rejected it; per strategy, the scores and the surviving set." With one candidate left the
/// strategies decide nothing, yet each still shows its score of that candidate (the explanation
/// was cut at the first strategy before); the decision and the random stream are untouched.
#[test]
fn explanations_score_every_strategy_with_one_candidate() {
    let (mut w, c) = world(&[
        ("us-east-1a", "m5.large", 2048, 1024),
        ("us-east-1b", "m5.large", 2048, 7680),
        ("us-east-1c", "m5.large", 2048, 1024),
    ]);
    let def = w.register_task_definition(simple_task_definition("web", 256, 2048));
    let requirements = w
        .task_definition(def)
        .requirements(&TaskOverride::default());
    let g = w.intern_group("family:web");
    let strategies = [az(), S::Binpack(BinpackField::Memory), S::Random];
    let req = PlacementRequest {
        cluster: c,
        requirements: &requirements,
        group: g,
        launch_type: LaunchType::Ec2,
        constraints: &[],
        strategies: &strategies,
        only: None,
        capacity_provider: None,
        explain: true,
    };
    prepare(&mut w, &req);
    let mut rng = RandomStreams::new(7).stream("placement");
    let d = place(&w, &req, &mut rng).expect("one instance has room");
    let only = InstanceId(1);
    assert_eq!((d.instance, d.finalists), (only, 1));
    let e = d.explanation.expect("explained");
    /// A strategy step as (strategy, scores, survivors).
    type Step<'a> = (&'a str, Vec<(InstanceId, i64)>, Vec<InstanceId>);
    let steps: Vec<Step> = e
        .steps
        .iter()
        .map(|s| (s.strategy.as_str(), s.scores.clone(), s.survivors.clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "spread(attribute:ecs.availability-zone)",
                vec![(only, 0)],
                vec![only]
            ),
            ("binpack(MEMORY)", vec![(only, 7680 - 2048)], vec![only]),
            ("random", vec![], vec![only]),
        ]
    );
    let mut fresh = RandomStreams::new(7).stream("placement");
    assert_eq!(rng.below(1 << 30), fresh.below(1 << 30), "no draw was made");
}
