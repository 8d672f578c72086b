//! Properties of the placement pipeline over random clusters that change between decisions (issue:
//! "What proves it"; the index rework: "the property test that compares them now also stops tasks,
//! drains, deregisters and changes attributes between decisions, and covers every chain").
//!
//! - the indexed path (`prepare` + `place_with`) and the reference (`place_scan`, after `random`'s
//!   sampling) agree on every decision, instance and finalist count, and leave the random stream in
//!   the same place, while tasks stop, instances drain, come back, deregister, lose their agent,
//!   change zone and `stack`, and new instances register; some runs never `prepare` (a caller that
//!   only tracks spread attributes and syncs) and must agree too;
//! - the index's per-(group, value) task counts are the scan's recount after every change;
//! - no instance is ever over-committed, no two tasks hold the same host port on an instance
//!   (`World::place_task` asserts both; a violation panics the test);
//! - `distinctInstance` groups never share an instance; `memberOf` tasks land only where the
//!   expression holds; a strategy never empties a non-empty candidate set; a feasible request
//!   never fails — all checked on the indexed decisions;
//! - and the index does serve: most successful decisions, and every chain, go through it.

use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;
use ecsim_placement::pipeline::sample_random;
use ecsim_placement::{
    first_failed_check, place, place_scan, place_with, prepare, BinpackField, PlacementRequest,
    PlacementStrategy, Scratch, Served, SpreadField,
};
use ecsim_tests::{simple_task_definition, spec_for};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug)]
struct InstanceSpec {
    vcpu: u32,
    memory_mib: u32,
    zone: Option<u8>,
    stack: Option<bool>,
    rack: Option<u8>,
    connected: bool,
    draining: bool,
    external: bool,
    eni_capable: bool,
}

#[derive(Clone, Debug)]
struct RequestSpec {
    cpu: u32,
    memory_mib: u32,
    ports: Vec<u16>,
    dynamic: u16,
    group: u8,
    constraint: u8,
    chain: u8,
    extra: Vec<u8>,
    awsvpc: bool,
    require_stack: bool,
    external: bool,
}

/// What happens between decisions.
#[derive(Clone, Debug)]
enum Op {
    Place(RequestSpec),
    /// Stop a live task: desired STOPPED, then its resources released.
    Stop(usize),
    /// Desired STOPPED only (the task still holds its resources until a later `Stop`).
    StopLater(usize),
    Drain(usize),
    Activate(usize),
    Deregister(usize),
    Disconnect(usize),
    Reconnect(usize),
    SetZone(usize, Option<u8>),
    SetStack(usize, Option<bool>),
    Register(InstanceSpec),
}

fn instance_spec() -> impl Strategy<Value = InstanceSpec> {
    (
        // Round sizes half the time, so that remaining amounts often equal what a task asks.
        (
            1u32..=4,
            prop_oneof![
                1000u32..8000,
                prop::sample::select(vec![1024u32, 2048, 4096, 7985])
            ],
        ),
        prop::option::weighted(0.9, 0u8..3),
        prop::option::of(any::<bool>()),
        prop::option::of(0u8..3),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(
                (vcpu, memory_mib),
                zone,
                stack,
                rack,
                connected,
                draining,
                external,
                eni_capable,
            )| {
                InstanceSpec {
                    vcpu,
                    memory_mib,
                    zone,
                    stack,
                    rack,
                    connected,
                    draining,
                    external,
                    eni_capable,
                }
            },
        )
}

fn request_spec() -> impl Strategy<Value = RequestSpec> {
    (
        (
            prop_oneof![
                0u32..1500,
                prop::sample::select(vec![0u32, 128, 256, 512, 1024])
            ],
            prop_oneof![
                0u32..3000,
                prop::sample::select(vec![0u32, 256, 512, 1024, 2048])
            ],
        ),
        prop::collection::vec(prop::sample::select(vec![80u16, 443, 8080]), 0..2),
        0u16..2,
        0u8..3,
        0u8..CONSTRAINTS,
        0u8..CHAINS,
        prop::collection::vec(0u8..6, 0..3),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(
                (cpu, memory_mib),
                mut ports,
                dynamic,
                group,
                constraint,
                chain,
                extra,
                awsvpc,
                require_stack,
                external,
            )| {
                ports.sort_unstable();
                ports.dedup();
                RequestSpec {
                    cpu,
                    memory_mib,
                    ports,
                    dynamic,
                    group,
                    constraint,
                    chain,
                    extra,
                    awsvpc,
                    require_stack,
                    external,
                }
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0usize..64;
    prop_oneof![
        12 => request_spec().prop_map(Op::Place),
        4 => i.clone().prop_map(Op::Stop),
        1 => i.clone().prop_map(Op::StopLater),
        1 => i.clone().prop_map(Op::Drain),
        1 => i.clone().prop_map(Op::Activate),
        1 => i.clone().prop_map(Op::Deregister),
        1 => i.clone().prop_map(Op::Disconnect),
        1 => i.clone().prop_map(Op::Reconnect),
        1 => (i.clone(), prop::option::weighted(0.9, 0u8..3)).prop_map(|(k, z)| Op::SetZone(k, z)),
        1 => (i, prop::option::of(any::<bool>())).prop_map(|(k, s)| Op::SetStack(k, s)),
        1 => instance_spec().prop_map(Op::Register),
    ]
}

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
const AZ: &str = "ecs.availability-zone";
const TASK_ENI: &str = "ecs.capability.task-eni";

fn spread(attribute: &str) -> PlacementStrategy {
    PlacementStrategy::Spread(SpreadField::Attribute(attribute.into()))
}

/// The chains the index serves (issue item 3), then one of arbitrary strategies.
const CHAINS: u8 = 13;
fn chain(code: u8, extra: &[u8]) -> Vec<PlacementStrategy> {
    use PlacementStrategy::{Binpack, Random};
    let instance = PlacementStrategy::Spread(SpreadField::Instance);
    let (cpu, memory) = (Binpack(BinpackField::Cpu), Binpack(BinpackField::Memory));
    match code {
        0 => vec![memory],
        1 => vec![cpu],
        2 => vec![spread(AZ), memory],
        3 => PlacementStrategy::service_default(),
        4 => vec![instance],
        5 => vec![instance, memory],
        6 => vec![spread("stack"), Random],
        7 => vec![spread("stack")],
        8 => vec![Random],
        9 => vec![],
        10 => vec![spread(AZ), instance, cpu],
        // An attribute no instance had tracked before: tracked on first use.
        11 => vec![spread("rack"), instance],
        _ => extra
            .iter()
            .map(|&c| match c {
                0 => cpu.clone(),
                1 => memory.clone(),
                2 => spread(AZ),
                3 => instance.clone(),
                4 => spread("stack"),
                _ => Random,
            })
            .collect(),
    }
}

const CONSTRAINTS: u8 = 8;
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
        // Read task state: cached per instance only where the evaluation did not reach them.
        4 => vec![expr("runningTasksCount < 2")],
        5 => vec![expr("attribute:stack == dev or not(task:group == g1)")],
        // Narrow: admits fewer instances than it rejects, so the candidates are listed from it.
        6 => vec![expr(
            "attribute:ecs.availability-zone == us-east-1c and attribute:stack == dev",
        )],
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

fn register(world: &mut World, c: ClusterId, spec: &InstanceSpec) -> InstanceId {
    world.add_instance(c, None, |i| {
        i.registered = Resources {
            cpu: spec.vcpu * 1024,
            memory_mib: spec.memory_mib,
            gpus: 0,
            enis: 2,
        };
        i.registered_tcp_ports = Box::new([22, 2375, 2376, 51678, 51679, 51680]);
        i.agent_connected = spec.connected;
        i.status = if spec.draining {
            InstanceStatus::Draining
        } else {
            InstanceStatus::Active
        };
        if let Some(z) = spec.zone {
            i.attributes.insert(AZ, Some(ZONES[z as usize]));
        }
        if let Some(prod) = spec.stack {
            i.attributes
                .insert("stack", Some(if prod { "prod" } else { "dev" }));
        }
        if let Some(r) = spec.rack {
            i.attributes.insert("rack", Some(&format!("r{r}")));
        }
        if spec.external {
            i.attributes
                .insert(ecsim_model::instance::EXTERNAL_CAPABILITY, None);
        }
        if spec.eni_capable {
            i.attributes.insert(TASK_ENI, None);
        }
    })
}

fn build_world(instances: &[InstanceSpec]) -> (World, ClusterId) {
    let mut world = World::new("us-east-1", "123456789012", 0);
    let c = world.create_cluster("prop");
    for spec in instances {
        register(&mut world, c, spec);
    }
    world.track_attribute(c, "stack");
    world.sync_index();
    (world, c)
}

/// How often each path served a successful decision, per chain code.
#[derive(Default)]
struct Tally {
    by_path: BTreeMap<Served, u64>,
    indexed_by_chain: BTreeMap<u8, u64>,
}

/// Live tasks (holding resources), in placement order.
struct Run {
    world: World,
    cluster: ClusterId,
    live: Vec<TaskId>,
    indexed_rng: ecsim_kernel::Stream,
    scan_rng: ecsim_kernel::Stream,
    scratch: Scratch,
    requests: usize,
    /// Never `prepare`: place as a caller that only tracks spread attributes and syncs.
    legacy: bool,
}

fn pick(ids: &[InstanceId], k: usize) -> Option<InstanceId> {
    (!ids.is_empty()).then(|| ids[k % ids.len()])
}

impl Run {
    fn apply(&mut self, op: &Op, tally: &mut Tally) -> Result<(), TestCaseError> {
        let ids = self.world.cluster(self.cluster).instances.clone();
        let w = &mut self.world;
        match op {
            Op::Place(r) => return self.decide(r, tally),
            Op::Stop(k) => {
                if !self.live.is_empty() {
                    let t = self.live.remove(k % self.live.len());
                    w.set_desired_stopped(t);
                    w.release_task(t);
                }
            }
            Op::StopLater(k) => {
                if !self.live.is_empty() {
                    w.set_desired_stopped(self.live[k % self.live.len()]);
                }
            }
            Op::Drain(k) | Op::Activate(k) | Op::Deregister(k) => {
                if let Some(i) = pick(&ids, *k) {
                    w.instance_mut(i).status = match op {
                        Op::Drain(_) => InstanceStatus::Draining,
                        Op::Activate(_) => InstanceStatus::Active,
                        _ => InstanceStatus::Inactive,
                    };
                }
            }
            Op::Disconnect(k) | Op::Reconnect(k) => {
                if let Some(i) = pick(&ids, *k) {
                    w.instance_mut(i).agent_connected = matches!(op, Op::Reconnect(_));
                }
            }
            Op::SetZone(k, z) => {
                if let Some(i) = pick(&ids, *k) {
                    match z {
                        Some(z) => w
                            .instance_mut(i)
                            .set_attribute(AZ, Some(ZONES[*z as usize])),
                        None => w.instance_mut(i).remove_attribute(AZ),
                    }
                }
            }
            Op::SetStack(k, s) => {
                if let Some(i) = pick(&ids, *k) {
                    match s {
                        Some(prod) => w
                            .instance_mut(i)
                            .set_attribute("stack", Some(if *prod { "prod" } else { "dev" })),
                        None => w.instance_mut(i).remove_attribute("stack"),
                    }
                }
            }
            Op::Register(spec) => {
                register(w, self.cluster, spec);
            }
        }
        Ok(())
    }

    /// One decision: the indexed path against the reference, then the invariants of the result.
    fn decide(&mut self, r: &RequestSpec, tally: &mut Tally) -> Result<(), TestCaseError> {
        self.requests += 1;
        let cluster = self.cluster;
        let def = self.world.register_task_definition(port_task_definition(
            &format!("f{}", self.requests),
            r.cpu,
            r.memory_mib,
            &r.ports,
            r.dynamic,
        ));
        let mut requirements = self
            .world
            .task_definition(def)
            .requirements(&TaskOverride::default());
        if r.awsvpc {
            requirements.enis = 1;
            requirements.required_attributes.push(TASK_ENI.into());
        }
        if r.require_stack {
            requirements.required_attributes.push("stack".into());
        }
        let group = self.world.intern_group(&format!("g{}", r.group));
        let cons = constraints(r.constraint);
        let strategies = chain(r.chain, &r.extra);
        let launch_type = if r.external {
            LaunchType::External
        } else {
            LaunchType::Ec2
        };
        let req = PlacementRequest {
            cluster,
            requirements: &requirements,
            group,
            launch_type,
            constraints: &cons,
            strategies: &strategies,
            only: None,
            explain: false,
        };
        if self.legacy {
            // A caller that does not prepare: it tracks spread attributes and syncs, as the engine
            // did before `prepare`; the index then keeps every ordering.
            for s in &strategies {
                if let PlacementStrategy::Spread(SpreadField::Attribute(a)) = s {
                    self.world.track_attribute(cluster, a);
                }
            }
            self.world.sync_index();
        } else {
            prepare(&mut self.world, &req);
        }
        let world = &self.world;
        let indexed = place_with(world, &req, &mut self.indexed_rng, &mut self.scratch);
        let reference = match strategies.first() {
            Some(PlacementStrategy::Random) => sample_random(world, &req, &mut self.scan_rng)
                .map(Ok)
                .unwrap_or_else(|| place_scan(world, &req, &mut self.scan_rng)),
            _ => place_scan(world, &req, &mut self.scan_rng),
        };
        let served = self.scratch.served().expect("a decision was made");
        prop_assert_eq!(
            &indexed,
            &reference,
            "strategies {:?}, constraints {}, served by {:?}",
            strategies,
            r.constraint,
            served
        );
        prop_assert_eq!(
            self.indexed_rng.below(1 << 40),
            self.scan_rng.below(1 << 40),
            "both paths drew the same numbers ({:?})",
            served
        );

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
        prop_assert_eq!(
            indexed.is_ok(),
            !feasible.is_empty(),
            "a feasible request never fails; an infeasible one never succeeds"
        );
        let Ok(d) = indexed else { return Ok(()) };
        *tally.by_path.entry(served).or_insert(0) += 1;
        if served != Served::Scan {
            *tally.indexed_by_chain.entry(r.chain).or_insert(0) += 1;
        }
        prop_assert!(
            feasible.contains(&d.instance),
            "the chosen instance passes every check"
        );
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
        // The explanation (the scan's) never shows a strategy emptying the candidates.
        let explained = place(
            world,
            &PlacementRequest {
                explain: true,
                ..req
            },
            &mut RandomStreams::new(0).stream("explain"),
        )
        .expect("feasible");
        for step in &explained.explanation.expect("explain").steps {
            prop_assert!(
                !step.survivors.is_empty(),
                "strategy {} emptied the candidate set",
                step.strategy
            );
        }
        // place_task asserts no over-commit and no host port held twice.
        let spec = spec_for(&mut self.world, cluster, def, group, &requirements);
        let task = self.world.add_task(Task::new(spec, cluster, SimTime::ZERO));
        self.world.place_task(task, d.instance);
        self.live.push(task);
        Ok(())
    }

    /// The index's per-(group, value) counts are the scan's recount.
    fn check_counts(&mut self) -> Result<(), TestCaseError> {
        self.world.sync_index();
        let world = &self.world;
        let index = world.index(self.cluster).expect("synced");
        for (name, a) in &index.attributes {
            for g in 0..3 {
                let Some(g) = world.group_id(&format!("g{g}")) else {
                    continue;
                };
                let counts = ecsim_placement::spread_counts(world, self.cluster, g, name);
                for (value, n) in &counts {
                    let id = a.value_id(*value).expect("a value with tasks is interned");
                    prop_assert_eq!(a.group_count(g, id), *n, "{} = {:?}", name, value);
                }
                let total: u32 = (0..a.partitions.len() as u32)
                    .map(|v| a.group_count(g, v))
                    .sum();
                prop_assert_eq!(
                    total,
                    counts.values().sum::<u32>(),
                    "{}: no stale counts",
                    name
                );
            }
        }
        Ok(())
    }
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

#[test]
fn indexed_equals_scan_under_churn() {
    let config = Config {
        cases: 320,
        source_file: Some(file!()),
        ..Config::default()
    };
    let tally = RefCell::new(Tally::default());
    let case = (
        prop::collection::vec(instance_spec(), 1..20),
        prop::collection::vec(op(), 1..80),
        0u64..1000,
        prop::bool::weighted(0.15),
    );
    TestRunner::new(config)
        .run(&case, |(instances, ops, seed, legacy)| {
            let (world, cluster) = build_world(&instances);
            let streams = RandomStreams::new(seed);
            let mut run = Run {
                world,
                cluster,
                live: Vec::new(),
                indexed_rng: streams.stream("placement"),
                scan_rng: streams.stream("placement"),
                scratch: Scratch::default(),
                requests: 0,
                legacy,
            };
            let mut tally = tally.borrow_mut();
            for op in &ops {
                run.apply(op, &mut tally)?;
                run.check_counts()?;
            }
            check_books(&run.world)
        })
        .unwrap();
    // The index must actually serve: most successful decisions, and every chain of the issue.
    let tally = tally.into_inner();
    let total: u64 = tally.by_path.values().sum();
    let scanned = tally.by_path.get(&Served::Scan).copied().unwrap_or(0);
    assert!(
        scanned * 4 < total,
        "the scan served {scanned} of {total} decisions: {:?}",
        tally.by_path
    );
    for path in [Served::Sampled, Served::Walk, Served::Count, Served::Subset] {
        assert!(
            tally.by_path.get(&path).copied().unwrap_or(0) * 50 > total,
            "{path:?} served too few decisions: {:?}",
            tally.by_path
        );
    }
    for code in 0..CHAINS - 1 {
        assert!(
            tally.indexed_by_chain.get(&code).copied().unwrap_or(0) >= 20,
            "chain {:?} rarely reached the index: {:?}",
            chain(code, &[]),
            tally.indexed_by_chain
        );
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
}
