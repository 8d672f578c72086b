//! Placement restricted to a capacity provider's instances (SPEC §8: a task assigned to a provider
//! "is placed (§4) only among that provider's instances"): the candidates, the closest instance of
//! a failure, a provider with no instances, StartTask's `only` with a provider, DAEMON eligibility,
//! spread counts and explanations. Every decision is made through the index (after `prepare`) and
//! compared with the reference scan.

use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;
use ecsim_placement::pipeline::sample_random_scan;
use ecsim_placement::{
    eligible, place, place_scan, place_with, prepare, BinpackField, Check, Decision, Failure,
    PlacementRequest, PlacementStrategy, Scratch, Served, SpreadField, NO_INSTANCES,
};
use std::sync::Arc;

const AZ: &str = "ecs.availability-zone";

/// One instance to register: its provider, zone, memory (MiB) and extra attributes.
struct Spec<'a> {
    provider: Option<&'a str>,
    zone: &'a str,
    memory_mib: u32,
    attributes: &'a [(&'a str, Option<&'a str>)],
}

fn spec<'a>(provider: Option<&'a str>, zone: &'a str, memory_mib: u32) -> Spec<'a> {
    Spec {
        provider,
        zone,
        memory_mib,
        attributes: &[],
    }
}

struct Fixture {
    world: World,
    cluster: ClusterId,
    ids: Vec<InstanceId>,
    def: TaskDefId,
    requirements: TaskRequirements,
    group: GroupId,
}

/// A cluster of these instances (4 vCPU each) and a task definition of 256 CPU / 512 MiB.
fn fixture(instances: &[Spec]) -> Fixture {
    let mut world = World::new("us-east-1", "123456789012", 0);
    let cluster = world.create_cluster("providers");
    let ids = instances
        .iter()
        .map(|s| {
            world.add_instance(cluster, None, |i| {
                i.registered = Resources {
                    cpu: 4096,
                    memory_mib: s.memory_mib,
                    gpus: 0,
                    enis: 2,
                };
                i.capacity_provider = s.provider.map(Arc::from);
                i.attributes.insert(AZ, Some(s.zone));
                for &(name, value) in s.attributes {
                    i.attributes.insert(name, value);
                }
            })
        })
        .collect();
    let def = world.register_task_definition(task_definition(256, 512));
    let requirements = world
        .task_definition(def)
        .requirements(&TaskOverride::default());
    let group = world.intern_group("service:web");
    world.sync_index();
    Fixture {
        world,
        cluster,
        ids,
        def,
        requirements,
        group,
    }
}

fn task_definition(cpu: u32, memory_mib: u32) -> TaskDefinition {
    TaskDefinition {
        id: TaskDefId(0),
        family: "web".into(),
        revision: 0,
        arn: String::new(),
        status: TaskDefStatus::Active,
        containers: vec![ContainerDefinition {
            name: "app".into(),
            image: "app".into(),
            cpu: Some(cpu),
            memory_mib: Some(memory_mib),
            memory_reservation_mib: None,
            port_mappings: vec![],
            gpus: 0,
            essential: true,
            depends_on: vec![],
            health_check: None,
            stop_timeout_s: None,
        }],
        container_start_order: vec![0],
        cpu: None,
        memory_mib: None,
        network_mode: NetworkMode::Bridge,
        requires_compatibilities: vec![],
        placement_constraints: vec![],
        simulation: Default::default(),
        registered_at: SimTime::ZERO,
    }
}

impl Fixture {
    fn request<'a>(
        &'a self,
        provider: Option<&'a str>,
        strategies: &'a [PlacementStrategy],
        constraints: &'a [PlacementConstraint],
    ) -> PlacementRequest<'a> {
        PlacementRequest {
            cluster: self.cluster,
            requirements: &self.requirements,
            group: self.group,
            launch_type: LaunchType::Ec2,
            constraints,
            strategies,
            only: None,
            capacity_provider: provider,
            explain: false,
        }
    }

    /// Prepares and decides through the index, decides again with the reference (same seed), and
    /// asserts they agree; returns the decision and the path that made it.
    fn decide(
        &mut self,
        provider: Option<&str>,
        strategies: &[PlacementStrategy],
        constraints: &[PlacementConstraint],
        seed: u64,
    ) -> (Result<Decision, Failure>, Served) {
        let mut world = std::mem::replace(&mut self.world, World::new("", "", 0));
        let req = self.request(provider, strategies, constraints);
        prepare(&mut world, &req);
        let mut scratch = Scratch::default();
        let mut rng = RandomStreams::new(seed).stream("placement");
        let indexed = place_with(&world, &req, &mut rng, &mut scratch);
        let mut scan_rng = RandomStreams::new(seed).stream("placement");
        let reference = match strategies.first() {
            Some(PlacementStrategy::Random) => sample_random_scan(&world, &req, &mut scan_rng)
                .map(Ok)
                .unwrap_or_else(|| place_scan(&world, &req, &mut scan_rng)),
            _ => place_scan(&world, &req, &mut scan_rng),
        };
        assert_eq!(indexed, reference, "{strategies:?} in {provider:?}");
        assert_eq!(
            rng.below(1 << 40),
            scan_rng.below(1 << 40),
            "the same draws"
        );
        self.world = world;
        (indexed, scratch.served().expect("decided"))
    }

    /// Places a task of the group on `instance`.
    fn place_on(&mut self, instance: InstanceId) {
        let spec = TaskSpec::simple(
            self.cluster,
            self.def,
            self.group,
            self.requirements.clone(),
        );
        let spec = self.world.add_spec(spec);
        let task = self
            .world
            .add_task(Task::new(spec, self.cluster, SimTime::ZERO));
        self.world.place_task(task, instance);
    }

    fn provider_of(&self, id: InstanceId) -> Option<&str> {
        self.world.instance(id).capacity_provider.as_deref()
    }
}

fn chains() -> Vec<Vec<PlacementStrategy>> {
    use PlacementStrategy::{Binpack, Random, Spread};
    let az = || Spread(SpreadField::Attribute(AZ.into()));
    vec![
        vec![Binpack(BinpackField::Memory)],
        vec![Binpack(BinpackField::Cpu)],
        vec![az(), Binpack(BinpackField::Memory)],
        PlacementStrategy::service_default(),
        vec![Spread(SpreadField::Instance)],
        vec![Spread(SpreadField::Instance), Binpack(BinpackField::Memory)],
        vec![az()],
        vec![az(), Random],
        vec![Random],
        vec![],
    ]
}

/// cp-a: two instances in zones a and b; cp-b: the instance with the least memory; one instance
/// with no provider.
fn three_kinds() -> Fixture {
    fixture(&[
        spec(Some("cp-b"), "us-east-1a", 1024),
        spec(Some("cp-a"), "us-east-1a", 4096),
        spec(None, "us-east-1c", 2048),
        spec(Some("cp-a"), "us-east-1b", 8192),
    ])
}

#[test]
fn a_provider_restricts_the_candidates_for_every_chain() {
    for strategies in chains() {
        let mut f = three_kinds();
        for k in 0..12 {
            let (d, served) = f.decide(Some("cp-a"), &strategies, &[], k);
            let d = d.expect("cp-a has room");
            assert_eq!(f.provider_of(d.instance), Some("cp-a"), "{strategies:?}");
            assert_ne!(served, Served::Scan, "{strategies:?}: served by the pool");
            f.place_on(d.instance);
        }
    }
}

#[test]
fn a_request_without_a_provider_may_land_on_a_providers_instance() {
    // RULE: a task with a launch type may land on any EC2 instance of the cluster.
    let mut f = three_kinds();
    let binpack = [PlacementStrategy::Binpack(BinpackField::Memory)];
    let (d, _) = f.decide(None, &binpack, &[], 1);
    assert_eq!(
        d.expect("room").instance,
        f.ids[0],
        "cp-b's instance has the least memory"
    );
    let (d, _) = f.decide(Some("cp-a"), &binpack, &[], 1);
    assert_eq!(
        d.expect("room").instance,
        f.ids[1],
        "cp-a's with the least memory"
    );
}

#[test]
fn the_closest_instance_is_never_outside_the_provider() {
    // cp-a's instances are too small; cp-b's fits but holds the group (distinctInstance), which
    // makes it the cluster's closest instance.
    let mut f = fixture(&[
        spec(Some("cp-a"), "us-east-1a", 256),
        spec(Some("cp-b"), "us-east-1b", 4096),
        spec(Some("cp-a"), "us-east-1c", 300),
    ]);
    f.place_on(f.ids[1]);
    let distinct = [PlacementConstraint::DistinctInstance];
    for strategies in chains() {
        let (whole, _) = f.decide(None, &strategies, &distinct, 3);
        let whole = whole.expect_err("nowhere");
        assert_eq!(whole.closest, Some(f.ids[1]));
        assert_eq!(whole.reason, Check::DistinctInstance.reason());
        let (pool, _) = f.decide(Some("cp-a"), &strategies, &distinct, 3);
        let pool = pool.expect_err("nowhere in cp-a");
        assert_eq!(pool.closest, Some(f.ids[0]), "cp-a's, lowest id of the tie");
        assert_eq!(pool.reason, Check::Memory.reason());
    }
}

#[test]
fn a_provider_without_instances_fails_with_no_closest_instance() {
    let mut f = three_kinds();
    for strategies in chains() {
        let (d, _) = f.decide(Some("cp-none"), &strategies, &[], 5);
        let d = d.expect_err("no instance");
        assert_eq!((d.closest, d.reason), (None, NO_INSTANCES));
    }
    // A provider whose instances are all DRAINING considers no instance either.
    f.world.instance_mut(f.ids[0]).status = InstanceStatus::Draining;
    for strategies in chains() {
        let (d, _) = f.decide(Some("cp-b"), &strategies, &[], 5);
        let d = d.expect_err("no ACTIVE instance");
        assert_eq!((d.closest, d.reason), (None, NO_INSTANCES));
    }
}

#[test]
fn only_and_a_provider_keep_the_instances_of_both() {
    let f = three_kinds();
    let mut rng = RandomStreams::new(1).stream("placement");
    let with =
        |only: &[InstanceId], provider: Option<&'static str>, rng: &mut ecsim_kernel::Stream| {
            let req = PlacementRequest {
                only: Some(only),
                ..f.request(provider, &[], &[])
            };
            place(&f.world, &req, rng)
        };
    let (b, a) = (f.ids[0], f.ids[1]);
    let d = with(&[b, a], Some("cp-a"), &mut rng).expect("cp-a's");
    assert_eq!((d.instance, d.finalists), (a, 1));
    let d = with(&[b], Some("cp-a"), &mut rng).expect_err("none of cp-a's");
    assert_eq!((d.closest, d.reason), (None, NO_INSTANCES));
    let d = with(&[b], None, &mut rng).expect("any instance");
    assert_eq!(d.instance, b);
}

#[test]
fn daemon_eligibility_follows_the_provider() {
    let f = three_kinds();
    let eligible_for = |provider| -> Vec<InstanceId> {
        let req = f.request(provider, &[], &[]);
        (f.ids.iter().copied())
            .filter(|&i| eligible(&f.world, f.world.instance(i), &req))
            .collect()
    };
    assert_eq!(eligible_for(Some("cp-a")), vec![f.ids[1], f.ids[3]]);
    assert_eq!(eligible_for(Some("cp-b")), vec![f.ids[0]]);
    assert_eq!(eligible_for(Some("cp-none")), vec![]);
    assert_eq!(eligible_for(None), f.ids);
}

#[test]
fn spread_counts_only_the_providers_tasks() {
    // cp-a has one instance in each of zones a and b; the group has two tasks in zone b on cp-a,
    // and five in zone a on cp-b. Over the cluster zone b has fewer; within cp-a, zone a.
    let mut f = fixture(&[
        spec(Some("cp-a"), "us-east-1a", 8192),
        spec(Some("cp-a"), "us-east-1b", 8192),
        spec(Some("cp-b"), "us-east-1a", 8192),
    ]);
    for _ in 0..2 {
        f.place_on(f.ids[1]);
    }
    for _ in 0..5 {
        f.place_on(f.ids[2]);
    }
    let az = PlacementStrategy::Spread(SpreadField::Attribute(AZ.into()));
    for strategies in [
        PlacementStrategy::service_default(),
        vec![az.clone(), PlacementStrategy::Binpack(BinpackField::Memory)],
        vec![az],
    ] {
        let (d, served) = f.decide(Some("cp-a"), &strategies, &[], 2);
        assert_eq!(d.expect("room").instance, f.ids[0], "{strategies:?}");
        assert_ne!(served, Served::Scan);
        let (d, _) = f.decide(None, &strategies, &[], 2);
        assert_eq!(d.expect("room").instance, f.ids[1], "{strategies:?}");
    }
}

#[test]
fn explanations_say_which_provider_and_list_only_its_instances() {
    let f = three_kinds();
    let mut rng = RandomStreams::new(1).stream("explain");
    for strategies in chains() {
        let req = PlacementRequest {
            explain: true,
            ..f.request(Some("cp-a"), &strategies, &[])
        };
        let e = place(&f.world, &req, &mut rng)
            .expect("room")
            .explanation
            .expect("explained");
        assert_eq!(
            e.restriction.as_deref(),
            Some(
                "capacity provider cp-a: only its instances are considered (2 of the cluster's 4)"
            )
        );
        let listed: Vec<InstanceId> = e.verdicts.iter().map(|v| v.instance).collect();
        assert_eq!(listed, vec![f.ids[1], f.ids[3]], "{strategies:?}");
        let req = PlacementRequest {
            explain: true,
            ..f.request(None, &strategies, &[])
        };
        let e = place(&f.world, &req, &mut rng).expect("room").explanation;
        assert_eq!(e.expect("explained").restriction, None);
    }
}

#[test]
fn a_counted_tier_of_many_values_in_a_pool_ignores_the_clusters_exceptions() {
    // Six rack values in cp-a, all tied; outside it, instances of the same racks that an
    // exception set lists (ECS Anywhere, no ENI left). The pool's tier has six candidates.
    const RACKS: [[(&str, Option<&str>); 1]; 6] = [
        [("rack", Some("r0"))],
        [("rack", Some("r1"))],
        [("rack", Some("r2"))],
        [("rack", Some("r3"))],
        [("rack", Some("r4"))],
        [("rack", Some("r5"))],
    ];
    let external: &[(&str, Option<&str>)] = &[
        ("rack", Some("r0")),
        (ecsim_model::instance::EXTERNAL_CAPABILITY, None),
    ];
    let mut specs: Vec<Spec> = RACKS
        .iter()
        .map(|r| Spec {
            attributes: r,
            ..spec(Some("cp-a"), "us-east-1a", 4096)
        })
        .collect();
    specs.push(Spec {
        attributes: external,
        ..spec(None, "us-east-1b", 4096)
    });
    specs.push(Spec {
        attributes: &RACKS[1],
        ..spec(Some("cp-b"), "us-east-1b", 4096)
    });
    let mut f = fixture(&specs);
    let spread = [PlacementStrategy::Spread(SpreadField::Attribute(
        "rack".into(),
    ))];
    for seed in 0..8 {
        let (d, served) = f.decide(Some("cp-a"), &spread, &[], seed);
        let d = d.expect("room");
        assert_eq!(served, Served::Count);
        assert_eq!(d.finalists, 6, "the six racks of cp-a tie");
        assert_eq!(f.provider_of(d.instance), Some("cp-a"));
    }
    // The same with an ENI-hungry task: cp-b's instance has no ENI left.
    f.world.instance_mut(f.ids[7]).registered.enis = 0;
    f.requirements.enis = 1;
    let (d, served) = f.decide(Some("cp-a"), &spread, &[], 9);
    assert_eq!(served, Served::Count);
    assert_eq!(d.expect("room").finalists, 6);
}

#[test]
fn random_draws_among_the_providers_instances() {
    let mut f = three_kinds();
    let random = [PlacementStrategy::Random];
    let mut seen = [false; 4];
    for seed in 0..40 {
        let (d, served) = f.decide(Some("cp-a"), &random, &[], seed);
        let d = d.expect("room");
        assert_eq!(served, Served::Sampled);
        assert_eq!(f.provider_of(d.instance), Some("cp-a"));
        seen[d.instance.index()] = true;
    }
    assert_eq!(
        seen,
        [false, true, false, true],
        "both of cp-a's, nothing else"
    );
    // With the pool, then without the index (the world changed since it was synced): the same
    // draws.
    let mut world = std::mem::replace(&mut f.world, World::new("", "", 0));
    prepare(&mut world, &f.request(Some("cp-a"), &random, &[]));
    let req = f.request(Some("cp-a"), &random, &[]);
    let mut rng = RandomStreams::new(3).stream("placement");
    let before = place(&world, &req, &mut rng).expect("room");
    world.instance_mut(f.ids[2]).agent_connected = true;
    assert!(world.index(f.cluster).is_none(), "the index is stale");
    let mut rng = RandomStreams::new(3).stream("placement");
    assert_eq!(place(&world, &req, &mut rng).expect("room"), before);
}
