//! Properties of the placement pipeline over random clusters and requests (issue: "What proves it").
//!
//! - the indexed path and the scan agree on every decision and draw the same random numbers;
//! - no instance is ever over-committed, no two tasks hold the same host port on an instance
//!   (`World::place_task` asserts both; a violation panics the test);
//! - `distinctInstance` groups never share an instance; `memberOf` tasks land only where the
//!   expression holds;
//! - a strategy never empties a non-empty candidate set; a feasible request never fails.

use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;
use ecsim_placement::{
    first_failed_check, place, place_scan, BinpackField, PlacementRequest, PlacementStrategy,
    SpreadField,
};
use ecsim_tests::{place_new_task, simple_task_definition};
use proptest::prelude::*;
use std::sync::Arc;

#[derive(Clone, Debug)]
struct InstanceSpec {
    vcpu: u32,
    memory_mib: u32,
    zone: Option<u8>,
    stack: Option<bool>,
    connected: bool,
    draining: bool,
}

#[derive(Clone, Debug)]
struct RequestSpec {
    cpu: u32,
    memory_mib: u32,
    ports: Vec<u16>,
    dynamic: u16,
    group: u8,
    constraint: u8,
    strategies: Vec<u8>,
}

fn instance_spec() -> impl Strategy<Value = InstanceSpec> {
    (
        1u32..=4,
        1000u32..8000,
        prop::option::weighted(0.9, 0u8..3),
        prop::option::of(any::<bool>()),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(vcpu, memory_mib, zone, stack, connected, draining)| InstanceSpec {
                vcpu,
                memory_mib,
                zone,
                stack,
                connected,
                draining,
            },
        )
}

fn request_spec() -> impl Strategy<Value = RequestSpec> {
    (
        0u32..1500,
        0u32..3000,
        prop::collection::vec(prop::sample::select(vec![80u16, 443, 8080]), 0..2),
        0u16..2,
        0u8..2,
        0u8..4,
        prop::collection::vec(0u8..7, 0..4),
    )
        .prop_map(
            |(cpu, memory_mib, mut ports, dynamic, group, constraint, strategies)| {
                ports.sort_unstable();
                ports.dedup();
                RequestSpec {
                    cpu,
                    memory_mib,
                    ports,
                    dynamic,
                    group,
                    constraint,
                    strategies,
                }
            },
        )
}

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

fn strategy(code: u8) -> PlacementStrategy {
    match code {
        0 => PlacementStrategy::Binpack(BinpackField::Cpu),
        1 => PlacementStrategy::Binpack(BinpackField::Memory),
        2 => PlacementStrategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
        3 => PlacementStrategy::Spread(SpreadField::Instance),
        4 => PlacementStrategy::Spread(SpreadField::Attribute("stack".into())),
        5 => PlacementStrategy::Random,
        // An indexable prefix, so that the indexed path is exercised often.
        _ => PlacementStrategy::Binpack(BinpackField::Memory),
    }
}

fn strategies(codes: &[u8]) -> Vec<PlacementStrategy> {
    let mut v: Vec<PlacementStrategy> = codes.iter().map(|&c| strategy(c)).collect();
    if codes.first() == Some(&6) {
        v.insert(0, strategy(2));
    }
    v.truncate(5);
    v
}

fn constraints(code: u8) -> Vec<PlacementConstraint> {
    let expr = |s: &str| {
        PlacementConstraint::MemberOf(Arc::new(ecsim_query::Expression::parse(s).expect("valid")))
    };
    match code {
        1 => vec![PlacementConstraint::DistinctInstance],
        2 => vec![expr("attribute:stack == prod")],
        3 => vec![
            expr("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"),
            PlacementConstraint::DistinctInstance,
        ],
        _ => vec![],
    }
}

/// A task definition with these static TCP host ports (bridge mode) and dynamic mappings.
fn port_task_definition(
    family: &str,
    cpu: u32,
    memory: u32,
    ports: &[u16],
    dynamic: u16,
) -> TaskDefinition {
    let mut def = simple_task_definition(family, cpu, memory);
    for &p in ports {
        def.containers[0].port_mappings.push(PortMapping {
            container_port: Some(p),
            host_port: Some(p),
            protocol: Protocol::Tcp,
        });
    }
    for k in 0..dynamic {
        def.containers[0].port_mappings.push(PortMapping {
            container_port: Some(9000 + k),
            host_port: Some(0),
            protocol: Protocol::Tcp,
        });
    }
    def
}

fn build_world(instances: &[InstanceSpec]) -> (World, ClusterId) {
    let mut world = World::new("us-east-1", "123456789012", 0);
    let c = world.create_cluster("prop");
    for spec in instances {
        world.add_instance(c, None, |i| {
            i.registered = Resources {
                cpu: spec.vcpu * 1024,
                memory_mib: spec.memory_mib,
                gpus: 0,
                enis: 2,
            };
            i.registered_tcp_ports = vec![22, 2375, 2376, 51678, 51679, 51680];
            i.agent_connected = spec.connected;
            i.status = if spec.draining {
                InstanceStatus::Draining
            } else {
                InstanceStatus::Active
            };
            if let Some(z) = spec.zone {
                i.attributes
                    .insert("ecs.availability-zone", Some(ZONES[z as usize]));
            }
            if let Some(prod) = spec.stack {
                i.attributes
                    .insert("stack", Some(if prod { "prod" } else { "dev" }));
            }
        });
    }
    world.track_attribute(c, "stack");
    world.sync_index();
    (world, c)
}

/// Places the requests one after another, checking each decision; returns the placed count.
fn place_all(
    world: &mut World,
    cluster: ClusterId,
    requests: &[RequestSpec],
    seed: u64,
) -> Result<usize, TestCaseError> {
    let mut rng = RandomStreams::new(seed).stream("placement");
    let mut placed = 0;
    for (k, r) in requests.iter().enumerate() {
        let def = world.register_task_definition(port_task_definition(
            &format!("f{k}"),
            r.cpu,
            r.memory_mib,
            &r.ports,
            r.dynamic,
        ));
        let requirements = world
            .task_definition(def)
            .requirements(&TaskOverride::default());
        let group = world.intern_group(&format!("g{}", r.group));
        let cons = constraints(r.constraint);
        let strats = strategies(&r.strategies);
        let req = PlacementRequest {
            cluster,
            requirements: &requirements,
            group,
            launch_type: LaunchType::Ec2,
            constraints: &cons,
            strategies: &strats,
            only: None,
            explain: true,
        };
        let feasible: Vec<InstanceId> = world
            .cluster(cluster)
            .instances
            .iter()
            .copied()
            .filter(|&i| {
                world.instance(i).status == InstanceStatus::Active
                    && first_failed_check(world, world.instance(i), &req).is_none()
            })
            .collect();
        let result = place(world, &req, &mut rng);
        prop_assert_eq!(
            result.is_ok(),
            !feasible.is_empty(),
            "a feasible request never fails; an infeasible one never succeeds"
        );
        if let Ok(d) = result {
            prop_assert!(
                feasible.contains(&d.instance),
                "the chosen instance passes every check"
            );
            let e = d.explanation.as_ref().expect("explain");
            for step in &e.steps {
                prop_assert!(
                    !step.survivors.is_empty(),
                    "strategy {} emptied the candidate set",
                    step.strategy
                );
            }
            let inst = world.instance(d.instance);
            if cons
                .iter()
                .any(|c| matches!(c, PlacementConstraint::DistinctInstance))
            {
                prop_assert_eq!(
                    inst.group_count(group),
                    0,
                    "distinctInstance: the group is not on the instance yet"
                );
            }
            for c in &cons {
                if let PlacementConstraint::MemberOf(e) = c {
                    prop_assert!(
                        e.matches(&ecsim_placement::InstanceRef {
                            world,
                            instance: inst
                        }),
                        "memberOf holds"
                    );
                }
            }
            // place_task asserts no over-commit and no host port held twice.
            place_new_task(world, cluster, def, group, &requirements, d.instance);
            placed += 1;
        }
    }
    Ok(placed)
}

fn check_books(world: &World) -> Result<(), TestCaseError> {
    for inst in &world.instances {
        let held: u32 = inst
            .tasks
            .iter()
            .map(|&t| world.task_spec(t).requirements.memory_mib)
            .sum();
        prop_assert_eq!(held, inst.reserved.memory_mib);
        let cpu: u32 = inst
            .tasks
            .iter()
            .map(|&t| world.task_spec(t).requirements.cpu)
            .sum();
        prop_assert_eq!(cpu, inst.reserved.cpu);
        prop_assert!(
            inst.reserved.cpu <= inst.registered.cpu
                && inst.reserved.memory_mib <= inst.registered.memory_mib
        );
        let mut ports: Vec<u16> = inst
            .tasks
            .iter()
            .flat_map(|&t| world.network_bindings(t).map(|b| b.host_port))
            .collect();
        let n = ports.len();
        ports.sort_unstable();
        ports.dedup();
        prop_assert_eq!(ports.len(), n, "two tasks hold the same host port");
        prop_assert!(
            ports.iter().all(|p| !inst.registered_tcp_ports.contains(p)),
            "a task holds an agent-reserved port"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn sequential_placements_keep_every_invariant(
        instances in prop::collection::vec(instance_spec(), 1..12),
        requests in prop::collection::vec(request_spec(), 1..40),
        seed in 0u64..1000,
    ) {
        let (mut world, cluster) = build_world(&instances);
        place_all(&mut world, cluster, &requests, seed)?;
        check_books(&world)?;
    }

    #[test]
    fn indexed_equals_scan(
        instances in prop::collection::vec(instance_spec(), 1..16),
        fill in prop::collection::vec(request_spec(), 0..30),
        probe in request_spec(),
        seed in 0u64..1000,
    ) {
        let (mut world, cluster) = build_world(&instances);
        place_all(&mut world, cluster, &fill, seed)?;
        let def = world.register_task_definition(port_task_definition("probe", probe.cpu, probe.memory_mib, &probe.ports, probe.dynamic));
        let requirements = world.task_definition(def).requirements(&TaskOverride::default());
        let group = world.intern_group(&format!("g{}", probe.group));
        let cons = constraints(probe.constraint);
        // The index's per-(group, zone) counts are the scan's recount.
        let index = world.index(cluster).expect("synced");
        for name in ["ecs.availability-zone", "stack"] {
            let a = index.attribute(name).expect("tracked");
            for g in 0..2 {
                let Some(g) = world.group_id(&format!("g{g}")) else { continue };
                for (value, n) in ecsim_placement::spread_counts(&world, cluster, g, name) {
                    let id = a.value_id(value).expect("a value with tasks is interned");
                    prop_assert_eq!(a.group_count(g, id), n, "{} = {:?}", name, value);
                }
            }
        }
        // Every chain that starts with an indexable prefix, plus whatever follows.
        for prefix in [vec![1u8], vec![0], vec![2, 1], vec![2, 0], vec![4, 1]] {
            let mut codes = prefix.clone();
            codes.extend(probe.strategies.iter().copied().filter(|&c| c != 6));
            let strats = strategies(&codes);
            let req = PlacementRequest { cluster, requirements: &requirements, group, launch_type: LaunchType::Ec2, constraints: &cons, strategies: &strats, only: None, explain: false };
            let mut a = RandomStreams::new(seed).stream("placement");
            let mut b = RandomStreams::new(seed).stream("placement");
            let indexed = place(&world, &req, &mut a);
            let scan = place_scan(&world, &req, &mut b);
            prop_assert_eq!(&indexed, &scan, "strategies {:?}", strats);
            prop_assert_eq!(a.below(1 << 40), b.below(1 << 40), "both paths drew the same numbers");
        }
    }
}

#[test]
fn no_instances_gives_no_closest() {
    let (world, cluster) = build_world(&[]);
    let def = simple_task_definition("x", 1, 1);
    let requirements = def.requirements(&TaskOverride::default());
    let req = PlacementRequest {
        cluster,
        requirements: &requirements,
        group: GroupId(0),
        launch_type: LaunchType::Ec2,
        constraints: &[],
        strategies: &[],
        only: None,
        explain: false,
    };
    let f = place(&world, &req, &mut RandomStreams::new(1).stream("p")).unwrap_err();
    assert_eq!(f.closest, None);
    let _ = SimTime::ZERO;
}
