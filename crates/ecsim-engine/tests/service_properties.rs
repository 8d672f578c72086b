//! Properties of the service scheduler over random clusters, services, deployment configurations
//! and fault timings (SPEC §7; issue "What proves it"):
//!
//! - the scheduler never takes a REPLICA service's healthy tasks below minHealthy (only faults may);
//! - a pass never raises the tasks counted against maxTasks above maxTasks;
//! - a DAEMON service never has two tasks (not yet STOPPED) on one instance;
//! - a deployment that completes leaves exactly desiredCount tasks of the primary task definition;
//! - protected tasks are never stopped by the scheduler;
//! - the engine stops no service task the reconciler's plan did not name, except for failed health
//!   checks and DeleteService (ARCHITECTURE.md), and starts no more than the plan says;
//! - the same for task sets (EXTERNAL controller), each task set on its own figures.
//!
//! The services run under every placement strategy chain (the default, binpack, spread zone, spread
//! zone then binpack, random, spread instance), with no health check, a container health check that
//! may fail (with or without a grace period), or a load balancer, as REPLICA or DAEMON services (a
//! DAEMON service with minimumHealthyPercent 0 to 100), and may be deleted.
//!
//! The engine's audit log records every pass's figures and plan; the events give the daemon's
//! placements and every stop's code and reason.
//!
//! A second property calls the pure reconciler (`plan_replica`, `plan_daemon`) on random facts: it
//! always returns a plan, whose stops name only given tasks, each once, and whose starts respect
//! maxTasks and minHealthy.

use ecsim_engine::service::reconcile::{
    plan_daemon, plan_replica, DaemonInstance, DaemonStopWhy, DaemonView, ReplicaView, ScaleInRule,
    TaskFacts,
};
use ecsim_engine::service::{
    CircuitBreaker, DeploymentConfiguration, DeploymentConfigurationInput, DeploymentController,
    SchedulingStrategy,
};
use ecsim_engine::*;
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::task_definition::HealthCheck;
use ecsim_model::*;
use ecsim_placement::{BinpackField, PlacementStrategy, SpreadField};
mod support;

use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
struct ServiceSpec {
    desired: u32,
    min: u32,
    max: u32,
    daemon: bool,
    breaker: Option<bool>,
    fail_new: bool,
    deploy_at: u64,
    /// Index into `strategies()`.
    strategy: usize,
    health: Health,
    grace_s: u32,
    /// EXTERNAL controller: two task sets, the second made primary at `deploy_at`.
    external: bool,
}

#[derive(Clone, Copy, Debug)]
enum Health {
    /// Healthy 40 s after RUNNING.
    None,
    /// A container health check that fails with this probability (percent).
    Container(u32),
    /// Behind a load balancer (target healthy 60 s after RUNNING, 30 s deregistration delay).
    LoadBalancer,
}

/// The placement strategy chains a service may use.
fn strategies(k: usize) -> Vec<PlacementStrategy> {
    let zone = || PlacementStrategy::Spread(SpreadField::Attribute("ecs.availability-zone".into()));
    match k {
        0 => vec![],
        1 => vec![PlacementStrategy::Binpack(BinpackField::Memory)],
        2 => vec![zone()],
        3 => vec![zone(), PlacementStrategy::Binpack(BinpackField::Memory)],
        4 => vec![PlacementStrategy::Random],
        _ => vec![PlacementStrategy::Spread(SpreadField::Instance)],
    }
}

#[derive(Clone, Debug)]
enum Fault {
    Terminate(u64, u32),
    Drain(u64, u32),
    Reactivate(u64, u32),
    Disconnect(u64, u32),
    Protect(u64, u32),
    Scale(u64, u32),
    Delete(u64, u32),
}

#[derive(Clone, Debug)]
struct Case {
    instances: u32,
    zones: u32,
    services: Vec<ServiceSpec>,
    faults: Vec<Fault>,
    seed: u64,
}

fn health() -> impl Strategy<Value = Health> {
    prop_oneof![
        Just(Health::None),
        (0u32..40).prop_map(Health::Container),
        Just(Health::LoadBalancer),
    ]
}

fn service_spec() -> impl Strategy<Value = ServiceSpec> {
    (
        (
            1u32..8,
            prop::sample::select(vec![0u32, 50, 75, 100]),
            prop::sample::select(vec![100u32, 125, 150, 200]),
            prop::bool::weighted(0.2),
            prop::option::of(any::<bool>()),
            prop::bool::weighted(0.3),
            300u64..2400,
        ),
        (
            0usize..6,
            health(),
            prop::sample::select(vec![0u32, 60]),
            prop::bool::weighted(0.2),
        ),
    )
        .prop_map(
            |(
                (desired, min, max, daemon, breaker, fail_new, deploy_at),
                (strategy, health, grace_s, external),
            )| ServiceSpec {
                desired,
                min,
                max: if daemon { 100 } else { max },
                daemon,
                breaker,
                fail_new,
                deploy_at,
                // A DAEMON service takes no placement strategy (API).
                strategy: if daemon { 0 } else { strategy },
                health,
                grace_s,
                external: external && !daemon,
            },
        )
}

fn fault() -> impl Strategy<Value = Fault> {
    (0u8..7, 200u64..3400, 1u32..10).prop_map(|(k, t, n)| match k {
        0 => Fault::Terminate(t, n),
        1 => Fault::Drain(t, n),
        2 => Fault::Reactivate(t, n),
        3 => Fault::Disconnect(t, n),
        4 => Fault::Protect(t, n),
        5 => Fault::Scale(t, n),
        _ => Fault::Delete(t, n),
    })
}

fn case() -> impl Strategy<Value = Case> {
    (
        2u32..9,
        1u32..4,
        prop::collection::vec(service_spec(), 1..4),
        prop::collection::vec(fault(), 0..6),
        any::<u64>(),
    )
        .prop_map(|(instances, zones, services, faults, seed)| Case {
            instances,
            zones,
            services,
            faults,
            seed,
        })
}

fn push(sc: &mut Scenario, at: u64, name: &str, action: Action) {
    let index = sc.actions.len();
    sc.actions.push(ScheduledAction {
        at: SimTime(at * 1000),
        index,
        name: name.to_string(),
        input_json: "{}".to_string(),
        label: None,
        action,
    });
}

fn build(c: &Case) -> Scenario {
    let mut sc = Scenario::new("properties");
    sc.seed = c.seed;
    sc.horizon = SimDuration::from_seconds(3600);
    push(
        &mut sc,
        0,
        "CreateCluster",
        Action::CreateCluster(Box::new(ecsim_engine::CreateCluster {
            cluster_name: "prod".into(),
            ..Default::default()
        })),
    );
    let zones: Vec<String> = (0..c.zones)
        .map(|z| format!("us-east-1{}", (b'a' + z as u8) as char))
        .collect();
    push(
        &mut sc,
        0,
        "LaunchContainerInstances",
        Action::LaunchContainerInstances(LaunchContainerInstances {
            cluster: "prod".into(),
            instance_type: "m5.large".into(),
            count: c.instances,
            availability_zones: zones,
            attributes: vec![],
            tags: Vec::new(),
            image_id: None,
            capacity_provider: None,
            timings: Timings::default(),
        }),
    );
    for (k, s) in c.services.iter().enumerate() {
        let family = format!("svc{k}");
        let mut app = support::container("app", 256, 512, &[]);
        let mut simulation = TaskSimulation::default();
        if let Health::Container(p) = s.health {
            app.health_check = Some(HealthCheck {
                interval_s: 10,
                timeout_s: 5,
                retries: 3,
                start_period_s: 0,
            });
            simulation.unhealthy_probability = Some(p as f64 / 100.0);
        }
        let def = support::task_def(&family, vec![app], simulation);
        push(
            &mut sc,
            0,
            "RegisterTaskDefinition",
            Action::RegisterTaskDefinition(Box::new(def.clone())),
        );
        let mut bad = def;
        if s.fail_new {
            bad.simulation.fail_to_start_probability = Some(0.7);
        }
        push(
            &mut sc,
            0,
            "RegisterTaskDefinition",
            Action::RegisterTaskDefinition(Box::new(bad)),
        );
        // A service's `simulation` block replaces its task definitions' (so a load-balanced
        // service's failures to start are the same for both revisions).
        let service_simulation = match s.health {
            Health::LoadBalancer => Some(TaskSimulation {
                load_balancer: Some(LoadBalancerTiming {
                    healthy_after: SimDuration::from_seconds(60),
                    deregistration_delay: SimDuration::from_seconds(30),
                }),
                fail_to_start_probability: s.fail_new.then_some(0.3),
                ..TaskSimulation::default()
            }),
            _ => None,
        };
        push(
            &mut sc,
            100,
            "CreateService",
            Action::CreateService(Box::new(CreateService {
                cluster: "prod".into(),
                service_name: family.clone(),
                task_definition: (!s.external).then(|| format!("{family}:1")),
                desired_count: if s.daemon { 0 } else { s.desired },
                scheduling_strategy: if s.daemon {
                    SchedulingStrategy::Daemon
                } else {
                    SchedulingStrategy::Replica
                },
                controller: if s.external {
                    DeploymentController::External
                } else {
                    DeploymentController::Ecs
                },
                launch_type: Some(LaunchType::Ec2),
                capacity_provider_strategy: None,
                subnets: Vec::new(),
                deployment_configuration: DeploymentConfigurationInput {
                    minimum_healthy_percent: Some(s.min),
                    maximum_percent: Some(s.max),
                    circuit_breaker: s.breaker.map(|rollback| CircuitBreaker {
                        enable: true,
                        rollback,
                    }),
                },
                placement_constraints: vec![],
                placement_strategy: strategies(s.strategy),
                health_check_grace_period_s: s.grace_s,
                simulation: service_simulation,
            })),
        );
        if s.external {
            let set = |revision: u32| {
                Action::CreateTaskSet(Box::new(CreateTaskSet {
                    cluster: "prod".into(),
                    service: family.clone(),
                    task_definition: format!("{family}:{revision}"),
                    external_id: None,
                    scale_percent: 100.0,
                    launch_type: Some(LaunchType::Ec2),
                    capacity_provider_strategy: None,
                    subnets: Vec::new(),
                }))
            };
            let blue = sc.actions.len();
            push(&mut sc, 110, "CreateTaskSet", set(1));
            let green = sc.actions.len();
            push(&mut sc, s.deploy_at, "CreateTaskSet", set(2));
            push(
                &mut sc,
                s.deploy_at + 200,
                "UpdateServicePrimaryTaskSet",
                Action::UpdateServicePrimaryTaskSet {
                    cluster: "prod".into(),
                    service: family.clone(),
                    primary_task_set: green,
                },
            );
            push(
                &mut sc,
                s.deploy_at + 400,
                "UpdateTaskSet",
                Action::UpdateTaskSet {
                    cluster: "prod".into(),
                    service: family.clone(),
                    task_set: blue,
                    scale_percent: 0.0,
                },
            );
        } else {
            push(
                &mut sc,
                s.deploy_at,
                "UpdateService",
                Action::UpdateService(Box::new(UpdateService {
                    cluster: "prod".into(),
                    service: family.clone(),
                    task_definition: Some(format!("{family}:2")),
                    ..Default::default()
                })),
            );
        }
    }
    let instance = |n: u32| format!("i-{:017x}", 1 + n % c.instances);
    for f in &c.faults {
        match *f {
            Fault::Terminate(t, n) => push(
                &mut sc,
                t,
                "TerminateContainerInstances",
                Action::TerminateContainerInstances {
                    cluster: "prod".into(),
                    selector: InstanceSelector::Ids(vec![instance(n)]),
                    count: None,
                },
            ),
            Fault::Drain(t, n) | Fault::Reactivate(t, n) => push(
                &mut sc,
                t,
                "UpdateContainerInstancesState",
                Action::UpdateContainerInstancesState {
                    cluster: "prod".into(),
                    container_instances: vec![instance(n)],
                    status: if matches!(f, Fault::Drain(..)) {
                        InstanceStatus::Draining
                    } else {
                        InstanceStatus::Active
                    },
                },
            ),
            Fault::Disconnect(t, n) => push(
                &mut sc,
                t,
                "DisconnectAgent",
                Action::DisconnectAgent {
                    cluster: "prod".into(),
                    selector: InstanceSelector::Ids(vec![instance(n)]),
                },
            ),
            Fault::Protect(t, n) => push(
                &mut sc,
                t,
                "UpdateTaskProtection",
                Action::UpdateTaskProtection {
                    cluster: "prod".into(),
                    tasks: vec![format!("{:032x}", 1 + n)],
                    protection_enabled: true,
                    expires_in_minutes: 15,
                },
            ),
            Fault::Scale(t, n) => {
                let k = n as usize % c.services.len();
                if !c.services[k].daemon && !c.services[k].external {
                    push(
                        &mut sc,
                        t,
                        "UpdateService",
                        Action::UpdateService(Box::new(UpdateService {
                            cluster: "prod".into(),
                            service: format!("svc{k}"),
                            desired_count: Some(n % 7),
                            ..Default::default()
                        })),
                    );
                }
            }
            Fault::Delete(t, n) => push(
                &mut sc,
                t,
                "DeleteService",
                Action::DeleteService {
                    cluster: "prod".into(),
                    service: format!("svc{}", n as usize % c.services.len()),
                    force: true,
                },
            ),
        }
    }
    sc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 24 } else { 160 }, ..ProptestConfig::default() })]

    #[test]
    fn scheduler_invariants(c in case()) {
        let sc = build(&c);
        let mut sink = Collector::default();
        let mut engine = Engine::with_sink(std::sync::Arc::new(sc.clone()), &mut sink);
        engine.enable_audit();
        engine.keep_history();
        engine.run_to_end().unwrap();
        let daemons: Vec<bool> = engine.services().iter().map(|s| s.scheduling_strategy == SchedulingStrategy::Daemon).collect();
        // (time, task) of every stop a pass's plan named.
        let mut named: BTreeMap<(SimTime, TaskId), ()> = BTreeMap::new();
        for a in engine.audit() {
            for &t in &a.planned_stops {
                named.insert((a.t, t), ());
            }
            prop_assert!(a.started <= a.planned_start, "the pass started more than the plan said: {:?}", a);
            if let Some((n, desired)) = a.completed {
                prop_assert_eq!(n, desired, "a completed deployment has exactly D tasks of its task definition: {:?}", a);
                continue;
            }
            prop_assert_eq!(a.protected_stopped, 0, "the scheduler stopped a protected task: {:?}", a);
            if !daemons[a.service.index()] {
                prop_assert!(a.healthy_after >= a.min_healthy.min(a.healthy_before),
                    "the scheduler took healthy below minHealthy: {:?}", a);
                prop_assert!(a.counted_after <= a.max_tasks.max(a.counted_before),
                    "the scheduler went above maxTasks: {:?}", a);
            }
        }
        // A DAEMON service never has two tasks not yet STOPPED on one instance.
        let (out, world) = engine.finish_with_world();
        let mut live: BTreeMap<(u32, InstanceId), u32> = BTreeMap::new();
        let mut seen: BTreeMap<TaskId, bool> = BTreeMap::new();
        let events = || sink.records.iter().filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        });
        // The engine never stops a service task the plan did not name: every task the service
        // scheduler stopped was named by a pass at that moment, or failed its health checks, or
        // its service was deleted (ECS stops those regardless).
        let mut stopping: BTreeMap<TaskId, ()> = BTreeMap::new();
        for e in events() {
            if let EventDetail::TaskStateChange { task, desired_status: DesiredStatus::Stopped, stop_code, stopped_reason, .. } = &e.detail {
                if stopping.insert(*task, ()).is_some() {
                    continue;
                }
                if *stop_code != Some(StopCode::ServiceSchedulerInitiated) {
                    continue;
                }
                let exception = matches!(stopped_reason, Some(StoppedReason::FailedHealthChecks | StoppedReason::ServiceDeleted));
                prop_assert!(exception || named.contains_key(&(e.t, *task)),
                    "task {:?} stopped at {:?} ({:?}) without a plan naming it", task, e.t, stopped_reason);
            }
        }
        for e in events() {
            if let EventDetail::TaskStateChange { task, last_status, .. } = &e.detail {
                let t = world.task(*task);
                let Some(i) = t.instance else { continue };
                let group = world.spec(t.spec).group.0;
                let daemon_group = out.services.iter().any(|s| daemons[s.service.id.index()] && s.service.group.0 == group);
                if !daemon_group {
                    continue;
                }
                let was = seen.insert(*task, *last_status != TaskStatus::Stopped);
                let entry = live.entry((group, i)).or_default();
                match (was, *last_status == TaskStatus::Stopped) {
                    (None, false) => *entry += 1,
                    (Some(true), true) => *entry -= 1,
                    (None, true) => {}
                    _ => {}
                }
                prop_assert!(*entry <= 1, "two daemon tasks on {:?}", i);
            }
        }
    }
}

/// Random facts about one task: (deployment 0..3, instance 0..5, running, healthy, on a DRAINING
/// instance, protected, instance remaining memory, reservation memory).
type RawFacts = (u32, u32, bool, bool, bool, bool, u64, u64);

fn raw_facts() -> impl Strategy<Value = Vec<RawFacts>> {
    prop::collection::vec(
        (
            0u32..3,
            0u32..5,
            any::<bool>(),
            any::<bool>(),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
            0u64..4096,
            0u64..2048,
        ),
        0..16,
    )
}

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// The facts, with task ids 10, 11, ... (so that a stop naming an id not given is visible), and a
/// task that is not RUNNING never healthy (as the engine counts it).
fn facts_of(raw: &[RawFacts]) -> Vec<TaskFacts<'static>> {
    raw.iter()
        .enumerate()
        .map(
            |(k, &(d, i, running, healthy, on_draining, protected, rem, res))| TaskFacts {
                task: TaskId(10 + k as u32),
                deployment: DeploymentId(d),
                instance: Some(InstanceId(i)),
                zone: Some(ZONES[i as usize % 3]),
                spread_value: Some(ZONES[i as usize % 3]),
                running,
                healthy: healthy && running,
                on_draining,
                protected,
                instance_remaining: (1024, rem),
                reservation: (256, res),
            },
        )
        .collect()
}

fn configuration(min: u32, max: u32) -> DeploymentConfiguration {
    DeploymentConfiguration {
        minimum_healthy_percent: min,
        maximum_percent: max,
        ..DeploymentConfiguration::default_for(SchedulingStrategy::Replica)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 256 } else { 2048 }, ..ProptestConfig::default() })]

    /// `plan_replica` is total: any facts give a plan, its stops name given tasks (each once, none
    /// protected), healthy tasks stay at minHealthy or above (or where they were), and the tasks
    /// counted after its stops and starts stay within maxTasks (or where they were).
    #[test]
    fn replica_reconciler_is_total(
        raw in raw_facts(),
        desired in 0u32..12,
        min in 0u32..=100,
        max in 100u32..=200,
        may_launch in any::<bool>(),
        rule in 0usize..4,
    ) {
        let facts = facts_of(&raw);
        let view = ReplicaView {
            desired,
            configuration: configuration(min, max),
            primary: DeploymentId(0),
            may_launch,
            tasks: &facts,
            scale_in: [ScaleInRule::Default, ScaleInRule::Spread, ScaleInRule::BinpackCpu, ScaleInRule::BinpackMemory][rule],
        };
        let f = view.figures();
        let plan = plan_replica(&view);
        let mut named = BTreeMap::new();
        for &(t, _) in &plan.stop {
            let fact = facts.iter().find(|x| x.task == t);
            prop_assert!(fact.is_some(), "a stop names task {:?}, which was not given", t);
            prop_assert!(!fact.unwrap().protected, "a stop names protected task {:?}", t);
            prop_assert!(named.insert(t, ()).is_none(), "task {:?} stopped twice", t);
        }
        let healthy_stopped = facts.iter().filter(|x| x.healthy && named.contains_key(&x.task)).count() as u32;
        prop_assert!(f.healthy - healthy_stopped >= f.min_healthy.min(f.healthy),
            "healthy {} - {} stopped is below minHealthy {}", f.healthy, healthy_stopped, f.min_healthy);
        let counted = f.counted - plan.stop.len() as u32 + plan.start;
        prop_assert!(plan.start == 0 || counted <= f.max_tasks,
            "{} counted after the plan's starts, maxTasks {}", counted, f.max_tasks);
        prop_assert!(may_launch || plan.start == 0, "a plan started tasks while launches are blocked");
        prop_assert!(f.primary + plan.start <= desired.max(f.primary), "a plan starts beyond D");
    }

    /// `plan_daemon` is total: its stops name given tasks (each once, none protected), it starts only
    /// on eligible instances that hold no task of the service (so the tasks on eligible instances
    /// never exceed maxTasks = the eligible count), and it replaces healthy old tasks only while the
    /// healthy count stays at or above minHealthy.
    #[test]
    fn daemon_reconciler_is_total(
        raw in raw_facts(),
        instances in prop::collection::vec((any::<bool>(), prop::bool::weighted(0.2), any::<bool>(), prop::bool::weighted(0.2)), 0..6),
        min in 0u32..=100,
        may_launch in any::<bool>(),
    ) {
        let facts = facts_of(&raw);
        let instances: Vec<DaemonInstance> = instances
            .iter()
            .enumerate()
            .map(|(k, &(eligible, draining, replica_tasks_left, stopping_left))| DaemonInstance {
                instance: InstanceId(k as u32),
                eligible: eligible && !draining,
                draining,
                replica_tasks_left,
                // A task of the service not yet STOPPED: one in the facts, or one stopping.
                holding: stopping_left || facts.iter().any(|t| t.instance == Some(InstanceId(k as u32))),
            })
            .collect();
        let configuration = DeploymentConfiguration {
            minimum_healthy_percent: min,
            ..DeploymentConfiguration::default_for(SchedulingStrategy::Daemon)
        };
        let view = DaemonView {
            configuration,
            primary: DeploymentId(0),
            may_launch,
            instances: &instances,
            tasks: &facts,
        };
        let plan = plan_daemon(&view);
        let eligible = instances.iter().filter(|i| i.eligible).count() as u32;
        let min_healthy = configuration.min_healthy(eligible);
        let mut named = BTreeMap::new();
        for &(t, _) in &plan.stop {
            let fact = facts.iter().find(|x| x.task == t);
            prop_assert!(fact.is_some(), "a stop names task {:?}, which was not given", t);
            prop_assert!(!fact.unwrap().protected, "a stop names protected task {:?}", t);
            prop_assert!(named.insert(t, ()).is_none(), "task {:?} stopped twice", t);
        }
        let mut started = BTreeMap::new();
        for &i in &plan.start {
            let inst = instances.iter().find(|x| x.instance == i);
            prop_assert!(inst.is_some_and(|x| x.eligible && !x.holding), "a start on {:?}, not an eligible free instance", i);
            prop_assert!(started.insert(i, ()).is_none(), "two starts on {:?}", i);
        }
        prop_assert!(may_launch || plan.start.is_empty(), "a plan started tasks while launches are blocked");
        let on_eligible = instances.iter().filter(|i| i.eligible && i.holding).count() as u32;
        prop_assert!(on_eligible + plan.start.len() as u32 <= eligible, "starts beyond maxTasks");
        // Replacing a healthy task never takes the healthy count below minHealthy: at most
        // healthy − minHealthy healthy tasks are replaced (stops for a violated constraint, a
        // DRAINING instance or a duplicate are not bounded by it, and use up the same room).
        let healthy = facts.iter().filter(|t| t.healthy).count() as u32;
        let replaced_healthy = plan.stop.iter().filter(|&&(t, why)| why == DaemonStopWhy::Replaced && facts.iter().any(|x| x.task == t && x.healthy)).count() as u32;
        prop_assert!(replaced_healthy <= healthy.saturating_sub(min_healthy),
            "{} healthy tasks replaced; healthy {}, minHealthy {}", replaced_healthy, healthy, min_healthy);
    }
}
