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
//! - instances belong to 0–3 capacity providers (some to none) and requests name one of them, a
//!   provider without instances, or none: a request naming a provider is decided among that
//!   provider's instances only (chosen, closest, spread counts, `random`'s draws), through the
//!   provider's pool in the index, and still exactly as the scan decides; the pools' counts,
//!   occupied sets and instance lists are the scan's recount too;
//! - and the index does serve: most successful decisions, and every chain, go through it, with a
//!   provider or without.

use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;
use ecsim_placement::pipeline::sample_random_scan;
use ecsim_placement::{
    first_failed_check, place, place_if_possible, place_scan, place_with, prepare, BinpackField,
    PlacementRequest, PlacementStrategy, Scratch, Served, SpreadField,
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
    /// Its capacity provider `cp{n}`, if n is below the case's number of providers.
    provider: Option<u8>,
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
    /// The capacity provider named, `cp{n}` (`cp3` never has instances).
    provider: Option<u8>,
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
        // Up to six values with None: a tier of more than four values finds its members by entry.
        prop::option::of(0u8..5),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.8),
        prop::option::weighted(0.8, 0u8..3),
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
                provider,
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
                    provider,
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
        prop::option::weighted(0.5, prop_oneof![6 => 0u8..3, 1 => Just(3u8)]),
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
                provider,
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
                    provider,
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

const CONSTRAINTS: u8 = 9;
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
        // Narrow too, across zones: the short list's spread is scored from its scope's counts.
        7 => vec![expr("attribute:rack in [r0, r1]")],
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

/// The name of capacity provider `n`.
fn provider_name(n: u8) -> String {
    format!("cp{n}")
}

/// Registers an instance; its provider only if below `providers` (the case's count, 0–3).
fn register(world: &mut World, c: ClusterId, spec: &InstanceSpec, providers: u8) -> InstanceId {
    world.add_instance(c, None, |i| {
        i.capacity_provider = spec
            .provider
            .filter(|&n| n < providers)
            .map(|n| Arc::from(provider_name(n)));
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

fn build_world(instances: &[InstanceSpec], providers: u8) -> (World, ClusterId) {
    let mut world = World::new("us-east-1", "123456789012", 0);
    let c = world.create_cluster("prop");
    for spec in instances {
        register(&mut world, c, spec, providers);
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
    /// The same, for requests naming a provider.
    provider_by_path: BTreeMap<Served, u64>,
    provider_indexed_by_chain: BTreeMap<u8, u64>,
    /// Failures of requests naming a provider with no ACTIVE instance it considers.
    empty_provider_failures: u64,
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
    /// Capacity providers instances may belong to (0–3).
    providers: u8,
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
                register(w, self.cluster, spec, self.providers);
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
        let provider = r.provider.map(provider_name);
        let req = PlacementRequest {
            cluster,
            requirements: &requirements,
            group,
            launch_type,
            constraints: &cons,
            strategies: &strategies,
            only: None,
            capacity_provider: provider.as_deref(),
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
        // The answer without the closest instance (a waiting task retried): the same decision and
        // the same draws, whichever path served.
        let mut quick_rng = self.indexed_rng.clone();
        let quick = place_if_possible(world, &req, &mut quick_rng, &mut Scratch::default());
        let indexed = place_with(world, &req, &mut self.indexed_rng, &mut self.scratch);
        prop_assert_eq!(&quick, &indexed.as_ref().ok().cloned(), "place_if_possible");
        prop_assert_eq!(
            quick_rng.below(1 << 40),
            self.indexed_rng.clone().below(1 << 40)
        );
        let reference = match strategies.first() {
            Some(PlacementStrategy::Random) => sample_random_scan(world, &req, &mut self.scan_rng)
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

        // The instances the request considers: the provider's, or the whole cluster.
        let of_provider = |i: InstanceId| {
            provider.is_none()
                || world.instance(i).capacity_provider.as_deref() == provider.as_deref()
        };
        let considered: Vec<InstanceId> = (world.cluster(cluster).instances.iter().copied())
            .filter(|&i| of_provider(i) && world.instance(i).status == InstanceStatus::Active)
            .collect();
        let feasible: Vec<InstanceId> = (considered.iter().copied())
            .filter(|&i| first_failed_check(world, world.instance(i), &req).is_none())
            .collect();
        prop_assert_eq!(
            indexed.is_ok(),
            !feasible.is_empty(),
            "a feasible request never fails; an infeasible one never succeeds"
        );
        let d = match indexed {
            Ok(d) => d,
            Err(f) => {
                // The closest instance is one the request considers; none when it considers none.
                prop_assert_eq!(f.closest.is_none(), considered.is_empty());
                if let Some(c) = f.closest {
                    prop_assert!(
                        considered.contains(&c),
                        "the closest instance is considered"
                    );
                }
                if considered.is_empty() {
                    prop_assert_eq!(f.reason, ecsim_placement::NO_INSTANCES);
                    if provider.is_some() {
                        tally.empty_provider_failures += 1;
                    }
                }
                return Ok(());
            }
        };
        *tally.by_path.entry(served).or_insert(0) += 1;
        if served != Served::Scan {
            *tally.indexed_by_chain.entry(r.chain).or_insert(0) += 1;
        }
        if provider.is_some() {
            *tally.provider_by_path.entry(served).or_insert(0) += 1;
            if served != Served::Scan {
                *tally.provider_indexed_by_chain.entry(r.chain).or_insert(0) += 1;
            }
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
        let explanation = explained.explanation.expect("explain");
        prop_assert_eq!(explanation.restriction.is_some(), provider.is_some());
        prop_assert!(
            explanation.verdicts.iter().all(|v| of_provider(v.instance)),
            "only the instances the request considers have verdicts"
        );
        for step in &explanation.steps {
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

    /// The index's per-(group, value) counts, in the cluster scope and in every pool, are the
    /// scan's recount, and each scope's occupied sets and each pool's instances are the world's.
    fn check_counts(&mut self) -> Result<(), TestCaseError> {
        self.world.sync_index();
        let world = &self.world;
        let index = world.index(self.cluster).expect("synced");
        let instances = &world.cluster(self.cluster).instances;
        let scopes = std::iter::once((None, &index.cluster))
            .chain(index.pools.iter().map(|p| (Some(&*p.name), &p.scope)));
        for (provider, scope) in scopes {
            let of_scope = |i: InstanceId| {
                provider.is_none() || world.instance(i).capacity_provider.as_deref() == provider
            };
            if let Some(p) = provider {
                let listed = &index.pool(p).expect("listed").instances;
                let expected: Vec<InstanceId> =
                    instances.iter().copied().filter(|&i| of_scope(i)).collect();
                prop_assert_eq!(listed, &expected, "pool {}: its instances", p);
            }
            for g in 0..3 {
                let Some(g) = world.group_id(&format!("g{g}")) else {
                    continue;
                };
                let occupied: Vec<InstanceId> = scope.occupied(g).collect();
                let expected: Vec<InstanceId> = (instances.iter().copied())
                    .filter(|&i| of_scope(i) && world.instance(i).group_count(g) > 0)
                    .collect();
                prop_assert_eq!(occupied, expected, "{:?}: occupied", provider);
                for (slot, (name, ids)) in index.attributes.iter().enumerate() {
                    let a = scope.attribute(slot);
                    let counts =
                        ecsim_placement::spread_counts(world, self.cluster, provider, g, name);
                    for (value, n) in &counts {
                        let id = ids
                            .value_id(*value)
                            .expect("a value with tasks is interned");
                        prop_assert_eq!(
                            a.group_count(g, id),
                            *n,
                            "{:?}: {} = {:?}",
                            provider,
                            name,
                            value
                        );
                    }
                    let total: u32 = (0..ids.len()).map(|v| a.group_count(g, v)).sum();
                    prop_assert_eq!(
                        total,
                        counts.values().sum::<u32>(),
                        "{:?}: {}: no stale counts",
                        provider,
                        name
                    );
                }
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
        cases: 1000,
        source_file: Some(file!()),
        ..Config::default()
    };
    let tally = RefCell::new(Tally::default());
    let case = (
        prop::collection::vec(instance_spec(), 1..20),
        prop::collection::vec(op(), 1..80),
        0u64..1000,
        prop::bool::weighted(0.15),
        0u8..=3,
    );
    TestRunner::new(config)
        .run(&case, |(instances, ops, seed, legacy, providers)| {
            let (world, cluster) = build_world(&instances, providers);
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
                providers,
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
    // And with a provider: through its pool, for every chain.
    let total: u64 = tally.provider_by_path.values().sum();
    let scanned = tally
        .provider_by_path
        .get(&Served::Scan)
        .copied()
        .unwrap_or(0);
    assert!(
        scanned * 3 < total,
        "the scan served {scanned} of {total} decisions naming a provider: {:?}",
        tally.provider_by_path
    );
    for code in 0..CHAINS - 1 {
        assert!(
            tally
                .provider_indexed_by_chain
                .get(&code)
                .copied()
                .unwrap_or(0)
                >= 8,
            "chain {:?} rarely reached a pool: {:?}",
            chain(code, &[]),
            tally.provider_indexed_by_chain
        );
    }
    assert!(
        tally.empty_provider_failures >= 10,
        "requests naming a provider without instances: {}",
        tally.empty_provider_failures
    );
}

#[test]
fn no_instances_gives_no_closest() {
    let (world, cluster) = build_world(&[], 0);
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
        capacity_provider: None,
        explain: false,
    };
    let f = place(&world, &req, &mut RandomStreams::new(1).stream("p")).unwrap_err();
    assert_eq!(f.closest, None);
}
