//! The task lifecycle and resource books, end to end through the engine.

mod support;
use ecsim_engine::*;
use ecsim_kernel::Distribution;
use ecsim_model::*;
use ecsim_placement::{BinpackField, PlacementStrategy};
use support::*;

fn batch_scenario(seed: u64) -> Scenario {
    let mut sc = Scenario::new("batch");
    sc.seed = seed;
    horizon(&mut sc, 3600);
    cluster(&mut sc, "prod");
    launch(
        &mut sc,
        at(0),
        "prod",
        "m5.large",
        4,
        &["us-east-1a", "us-east-1b"],
    );
    let sim = TaskSimulation {
        run_duration: Some(Distribution::Fixed { ms: 600_000 }),
        ..Default::default()
    };
    register(
        &mut sc,
        at(0),
        task_def("job", vec![container("app", 512, 1024, &[])], sim),
    );
    for k in 0..3 {
        run_task(&mut sc, at(120 + k), "prod", "job", 10, vec![]);
    }
    sc
}

#[test]
fn tasks_walk_pending_running_stopping_stopped_and_release_everything() {
    let out = run(&batch_scenario(1));
    // 4 x m5.large = 8192 CPU, 4 x 7985 MiB memory; 30 tasks of 512 CPU / 1024 MiB fit (max 16 by CPU... 4 per instance by CPU? 2048/512 = 4) -> 16 placed.
    assert_eq!(out.counts.placements, 16, "{:?}", out.counts);
    assert_eq!(out.counts.placement_failures.get("RESOURCE:CPU"), Some(&14));
    assert_eq!(out.counts.tasks_started, 16);
    assert_eq!(
        out.counts.tasks_stopped.get("EssentialContainerExited"),
        Some(&16)
    );
    for inst in &out.world.instances {
        assert_eq!(
            inst.reserved,
            Resources::default(),
            "everything released on {}",
            inst.ec2_instance_id
        );
        assert_eq!(inst.running_tasks_count, 0);
        assert!(inst.group_counts.is_empty());
    }
    let states: Vec<&str> = out
        .events()
        .filter_map(|e| match &e.detail {
            EventDetail::TaskStateChange {
                task, last_status, ..
            } if task.0 == 0 => Some(last_status.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(states, ["PENDING", "RUNNING", "STOPPING", "STOPPED"]);
}

#[test]
fn same_seed_same_fingerprint_different_seed_different_placements() {
    let a = run(&batch_scenario(7));
    let b = run(&batch_scenario(7));
    let c = run(&batch_scenario(8));
    assert_eq!(a.fingerprint, b.fingerprint);
    let placements = |o: &RunOutput| -> Vec<u32> {
        o.events()
            .filter_map(|e| match e.detail {
                EventDetail::PlacementDecision { instance, .. } => instance.map(|i| i.0),
                _ => None,
            })
            .collect()
    };
    assert_eq!(placements(&a), placements(&b));
    assert_ne!(
        placements(&a),
        placements(&c),
        "random placement must depend on the seed"
    );
    assert_ne!(
        a.fingerprint, c.fingerprint,
        "the fingerprint sees where tasks went"
    );
}

#[test]
fn binpack_fills_one_instance_before_the_next() {
    let mut sc = Scenario::new("binpack");
    horizon(&mut sc, 600);
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 3, &["us-east-1a"]);
    register(
        &mut sc,
        at(0),
        task_def(
            "web",
            vec![container("app", 256, 512, &[])],
            Default::default(),
        ),
    );
    run_task(
        &mut sc,
        at(100),
        "prod",
        "web",
        10,
        vec![PlacementStrategy::Binpack(BinpackField::Memory)],
    );
    let out = run(&sc);
    let mut per_instance = vec![0; 3];
    for t in out.world.tasks() {
        per_instance[t.instance.unwrap().index()] += 1;
    }
    per_instance.sort();
    // m5.large: 2048 CPU / 256 = 8 tasks per instance by CPU; binpack puts 8 on one, 2 on the next.
    assert_eq!(per_instance, vec![0, 2, 8]);
}

#[test]
fn static_host_ports_conflict_with_resource_ports() {
    let mut sc = Scenario::new("ports");
    horizon(&mut sc, 600);
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.xlarge", 2, &["us-east-1a"]);
    register(
        &mut sc,
        at(0),
        task_def(
            "web",
            vec![container("app", 128, 128, &[(80, 80)])],
            Default::default(),
        ),
    );
    run_task(&mut sc, at(100), "prod", "web", 3, vec![]);
    let out = run(&sc);
    assert_eq!(out.counts.placements, 2);
    assert_eq!(
        out.counts.placement_failures.get("RESOURCE:PORTS"),
        Some(&1)
    );
}

/// A task's dynamic ports never take its own static ports, and a task that maps one host port twice
/// fits nowhere (RESOURCE:PORTS) instead of breaking the books.
#[test]
fn a_tasks_own_ports_never_collide() {
    let mut sc = Scenario::new("own-ports");
    horizon(&mut sc, 600);
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 1, &["us-east-1a"]);
    let mut mixed = container("app", 64, 64, &[(81, 49153)]);
    mixed.port_mappings.insert(
        0,
        PortMapping {
            container_port: Some(80),
            host_port: None,
            protocol: Protocol::Tcp,
        },
    );
    register(
        &mut sc,
        at(0),
        task_def("mixed", vec![mixed], Default::default()),
    );
    register(
        &mut sc,
        at(0),
        task_def(
            "twice",
            vec![
                container("a", 64, 64, &[(80, 8080)]),
                container("b", 64, 64, &[(81, 8080)]),
            ],
            Default::default(),
        ),
    );
    run_task(&mut sc, at(100), "prod", "mixed", 1, vec![]);
    run_task(&mut sc, at(100), "prod", "twice", 1, vec![]);
    let out = run(&sc);
    let ports: Vec<u16> = out
        .world
        .network_bindings(TaskId(0))
        .map(|b| b.host_port)
        .collect();
    assert!(
        ports.contains(&49153) && ports.contains(&49154),
        "{ports:?}"
    );
    assert_eq!(out.counts.placements, 1);
    assert_eq!(
        out.counts.placement_failures.get("RESOURCE:PORTS"),
        Some(&1)
    );
}

fn stop_times(out: &RunOutput) -> Vec<(u64, &'static str)> {
    out.events()
        .filter_map(|e| match &e.detail {
            EventDetail::TaskStateChange {
                task, last_status, ..
            } if task.0 == 0 => Some((e.t.ms(), last_status.as_str())),
            _ => None,
        })
        .collect()
}

/// A task that fails to start fails whether or not PENDING takes any time.
#[test]
fn fail_to_start_applies_when_pending_takes_no_time() {
    let mut sc = Scenario::new("fail");
    horizon(&mut sc, 600);
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "m5.large", 1, &["us-east-1a"]);
    let sim = TaskSimulation {
        fail_to_start_probability: Some(1.0),
        timings: Timings {
            pending: Some(ecsim_kernel::SimDuration::ZERO),
            ..Default::default()
        },
        ..Default::default()
    };
    register(
        &mut sc,
        at(0),
        task_def("bad", vec![container("app", 64, 64, &[])], sim),
    );
    run_task(&mut sc, at(100), "prod", "bad", 3, vec![]);
    let out = run(&sc);
    assert_eq!(out.counts.tasks_started, 0);
    assert_eq!(out.counts.tasks_stopped.get("TaskFailedToStart"), Some(&3));
    assert_eq!(stop_times(&out), vec![(100_000, "STOPPED")]);
}

/// STOPPING lasts 5 s capped by the task's stop timeout: the longest container stopTimeout, 30 s for a
/// container that sets none; an override of STOPPING is capped too (SPEC §6).
#[test]
fn stopping_is_capped_by_the_longest_stop_timeout() {
    let stop_after = |timeouts: &[Option<u32>], stopping_override_s: Option<u64>| {
        let mut sc = Scenario::new("stop");
        horizon(&mut sc, 3600);
        cluster(&mut sc, "prod");
        launch(&mut sc, at(0), "prod", "m5.large", 1, &["us-east-1a"]);
        if let Some(s) = stopping_override_s {
            sc.timings.stopping = Some(ecsim_kernel::SimDuration::from_seconds(s));
        }
        let containers = timeouts
            .iter()
            .enumerate()
            .map(|(k, &t)| {
                let mut c = container(&format!("c{k}"), 64, 64, &[]);
                c.stop_timeout_s = t;
                c
            })
            .collect();
        let sim = TaskSimulation {
            run_duration: Some(Distribution::Fixed { ms: 60_000 }),
            ..Default::default()
        };
        register(&mut sc, at(0), task_def("t", containers, sim));
        run_task(&mut sc, at(100), "prod", "t", 1, vec![]);
        let out = run(&sc);
        let times = stop_times(&out);
        let stopping = times
            .iter()
            .find(|(_, s)| *s == "STOPPING")
            .expect("STOPPING")
            .0;
        let stopped = times
            .iter()
            .find(|(_, s)| *s == "STOPPED")
            .expect("STOPPED")
            .0;
        (stopped - stopping) / 1000
    };
    assert_eq!(
        stop_after(&[Some(2)], None),
        2,
        "one container that stops within 2 s"
    );
    assert_eq!(
        stop_after(&[Some(2), None], None),
        5,
        "the other waits the agent's 30 s: 5 s default applies"
    );
    assert_eq!(
        stop_after(&[Some(10)], Some(60)),
        10,
        "an override is capped by stopTimeout"
    );
    assert_eq!(
        stop_after(&[None], Some(20)),
        20,
        "under the 30 s default cap"
    );
}

fn register_instance(
    sc: &mut Scenario,
    t: ecsim_kernel::SimTime,
    cluster: &str,
    ec2: Option<&str>,
) {
    push(
        sc,
        t,
        "RegisterContainerInstance",
        Action::RegisterContainerInstance(RegisterContainerInstance {
            cluster: cluster.to_string(),
            ec2_instance_id: ec2.map(str::to_string),
            instance_type: None,
            availability_zone: None,
            cpu: 1024,
            memory_mib: 1024,
            gpus: 0,
            tcp_ports: None,
            udp_ports: None,
            attributes: vec![],
            agent_version: None,
            tags: vec![],
        }),
    );
}

/// SPEC §9: the n-th instance *launched* is `i-` + 17 hex digits of n, whichever boots first.
#[test]
fn instances_are_numbered_in_launch_order() {
    let mut sc = Scenario::new("numbers");
    horizon(&mut sc, 900);
    cluster(&mut sc, "prod");
    push(
        &mut sc,
        at(0),
        "LaunchContainerInstances",
        Action::LaunchContainerInstances(LaunchContainerInstances {
            cluster: "prod".into(),
            instance_type: "m5.large".into(),
            count: 1,
            availability_zones: vec!["us-east-1a".into()],
            attributes: vec![],
            tags: Vec::new(),
            image_id: None,
            capacity_provider: None,
            timings: Timings {
                instance_launch: Some(ecsim_kernel::SimDuration::from_seconds(300)),
                ..Default::default()
            },
        }),
    );
    launch(&mut sc, at(10), "prod", "c5.large", 1, &["us-east-1b"]);
    let out = run(&sc);
    let by_type = |t: &str| {
        out.world
            .instances
            .iter()
            .find(|i| i.instance_type() == Some(t))
            .expect("registered")
            .ec2_instance_id
            .clone()
    };
    assert_eq!(
        by_type("m5.large"),
        "i-00000000000000001",
        "launched first, booted last"
    );
    assert_eq!(by_type("c5.large"), "i-00000000000000002");
}

/// An EC2 instance registers once: a second registration under the same id is an action error.
#[test]
fn duplicate_ec2_instance_ids_are_rejected() {
    let mut sc = Scenario::new("dupes");
    horizon(&mut sc, 900);
    cluster(&mut sc, "prod");
    register_instance(&mut sc, at(0), "prod", Some("i-00000000000000002"));
    launch(&mut sc, at(0), "prod", "m5.large", 2, &["us-east-1a"]);
    let out = run(&sc);
    let ids: Vec<&str> = out
        .world
        .instances
        .iter()
        .map(|i| i.ec2_instance_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["i-00000000000000002", "i-00000000000000003"],
        "the launch numbered 2 could not take the registered id"
    );
    assert_eq!(out.counts.action_errors, 1);
}

/// Service quota: at most 5,000 container instances per cluster.
#[test]
fn a_cluster_holds_at_most_5000_instances() {
    let mut sc = Scenario::new("quota");
    horizon(&mut sc, 900);
    cluster(&mut sc, "prod");
    launch(&mut sc, at(0), "prod", "t3.medium", 5000, &["us-east-1a"]);
    register_instance(&mut sc, at(200), "prod", None);
    let out = run(&sc);
    assert_eq!(out.world.instances.len(), 5000);
    assert_eq!(out.counts.action_errors, 1);
    assert!(out.events().any(|e| matches!(&e.detail, EventDetail::ActionError { error, .. } if *error == "LimitExceededException")));
}
