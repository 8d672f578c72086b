//! Properties of the service scheduler over random clusters, services, deployment configurations
//! and fault timings (SPEC §7; issue "What proves it"):
//!
//! - the scheduler never takes a REPLICA service's healthy tasks below minHealthy (only faults may);
//! - a pass never raises the tasks counted against maxTasks above maxTasks;
//! - a DAEMON service never has two tasks (not yet STOPPED) on one instance;
//! - a deployment that completes leaves exactly desiredCount tasks of the primary task definition;
//! - protected tasks are never stopped by the scheduler.
//!
//! The engine's audit log records every pass's figures; the events give the daemon's placements.

use ecsim_engine::service::{
    CircuitBreaker, DeploymentConfigurationInput, DeploymentController, SchedulingStrategy,
};
use ecsim_engine::*;
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::*;
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
}

#[derive(Clone, Debug)]
enum Fault {
    Terminate(u64, u32),
    Drain(u64, u32),
    Reactivate(u64, u32),
    Disconnect(u64, u32),
    Protect(u64, u32),
    Scale(u64, u32),
}

#[derive(Clone, Debug)]
struct Case {
    instances: u32,
    zones: u32,
    services: Vec<ServiceSpec>,
    faults: Vec<Fault>,
    seed: u64,
}

fn service_spec() -> impl Strategy<Value = ServiceSpec> {
    (
        1u32..8,
        prop::sample::select(vec![0u32, 50, 75, 100]),
        prop::sample::select(vec![100u32, 125, 150, 200]),
        prop::bool::weighted(0.2),
        prop::option::of(any::<bool>()),
        prop::bool::weighted(0.3),
        300u64..2400,
    )
        .prop_map(
            |(desired, min, max, daemon, breaker, fail_new, deploy_at)| ServiceSpec {
                desired,
                min,
                max: if daemon { 100 } else { max },
                daemon,
                breaker,
                fail_new,
                deploy_at,
            },
        )
}

fn fault() -> impl Strategy<Value = Fault> {
    (0u8..6, 200u64..3400, 1u32..10).prop_map(|(k, t, n)| match k {
        0 => Fault::Terminate(t, n),
        1 => Fault::Drain(t, n),
        2 => Fault::Reactivate(t, n),
        3 => Fault::Disconnect(t, n),
        4 => Fault::Protect(t, n),
        _ => Fault::Scale(t, n),
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
        let def = support::task_def(
            &family,
            vec![support::container("app", 256, 512, &[])],
            TaskSimulation::default(),
        );
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
        push(
            &mut sc,
            100,
            "CreateService",
            Action::CreateService(Box::new(CreateService {
                cluster: "prod".into(),
                service_name: family.clone(),
                task_definition: Some(format!("{family}:1")),
                desired_count: if s.daemon { 0 } else { s.desired },
                scheduling_strategy: if s.daemon {
                    SchedulingStrategy::Daemon
                } else {
                    SchedulingStrategy::Replica
                },
                controller: DeploymentController::Ecs,
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
                placement_strategy: vec![],
                health_check_grace_period_s: 0,
                simulation: None,
            })),
        );
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
                if !c.services[k].daemon {
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
        }
    }
    sc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn scheduler_invariants(c in case()) {
        let sc = build(&c);
        let mut sink = Collector::default();
        let mut engine = Engine::with_sink(std::sync::Arc::new(sc.clone()), &mut sink);
        engine.enable_audit();
        engine.keep_history();
        engine.run_to_end().unwrap();
        let daemons: Vec<bool> = engine.services().iter().map(|s| s.scheduling_strategy == SchedulingStrategy::Daemon).collect();
        for a in engine.audit() {
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
        let events = sink.records.iter().filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        });
        for e in events {
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
