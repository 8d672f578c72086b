//! Check mode (SPEC §12.4): the invariant checker catches deliberately broken states, and the
//! bundled scenarios keep every invariant under check mode, seeds and faults included.

use ecsim_engine::capacity::StrategyItem;
use ecsim_engine::check::{pass_invariants, split_assignment, world_invariants, Transitions};
use ecsim_engine::{Engine, PassAudit};
use ecsim_kernel::SimTime;
use ecsim_model::{DesiredStatus, ServiceId, TaskId, TaskStatus, World};
use std::sync::Arc;

/// The world of the drain scenario at its end: instances with tasks and host ports.
fn world() -> World {
    let src = std::fs::read_to_string("scenarios/drain-instance.json").expect("scenario");
    let loaded = ecsim_scenario::load(&src).expect("valid");
    ecsim_engine::run(&loaded.scenario).world
}

/// An instance holding a task with a dynamic host port.
fn busy(w: &World) -> usize {
    w.instances
        .iter()
        .position(|i| !i.tasks.is_empty())
        .expect("an instance with tasks")
}

#[test]
fn a_sound_world_passes() {
    assert_eq!(world_invariants(&world()), Ok(()));
}

#[test]
fn over_commitment_and_broken_books_are_caught() {
    let mut w = world();
    let i = busy(&w);
    w.instances[i].registered.cpu = 1;
    let (what, detail) = world_invariants(&w).expect_err("over-committed");
    assert_eq!(what, "resources");
    assert!(detail.contains("over-committed on CPU"), "{detail}");

    let mut w = world();
    let i = busy(&w);
    w.instances[i].reserved.memory_mib += 1;
    let (what, detail) = world_invariants(&w).expect_err("books");
    assert_eq!(what, "resources");
    assert!(detail.contains("books reserve"), "{detail}");

    let mut w = world();
    let i = busy(&w);
    w.instances[i].status = ecsim_model::InstanceStatus::Inactive;
    assert_eq!(world_invariants(&w).expect_err("left").0, "resources");
}

#[test]
fn a_port_held_twice_is_caught() {
    let mut w = world();
    // Give a second task of an instance the first one's host port.
    let with_ports = |w: &World, i: usize| -> Vec<TaskId> {
        w.instances[i]
            .tasks
            .iter()
            .copied()
            .filter(|&t| !w.task(t).host_ports.is_empty())
            .collect()
    };
    let i = (0..w.instances.len())
        .find(|&i| with_ports(&w, i).len() >= 2)
        .expect("an instance with two tasks holding host ports");
    let tasks = with_ports(&w, i);
    let port = w.task(tasks[0]).host_ports[0];
    let t = w.task_mut(tasks[1]);
    t.host_ports = vec![port].into_boxed_slice();
    let (what, detail) = world_invariants(&w).expect_err("port twice");
    assert_eq!(what, "ports");
    assert!(detail.contains("held twice"), "{detail}");

    let mut w = world();
    let i = busy(&w);
    w.instances[i].used_tcp_ports.insert(40000);
    assert_eq!(world_invariants(&w).expect_err("books").0, "ports");
}

#[test]
fn illegal_transitions_are_caught() {
    let t = TaskId(3);
    let at = SimTime(0);
    let mut ok = Transitions::default();
    ok.observe(t, at, TaskStatus::Pending, DesiredStatus::Running);
    ok.observe(t, at, TaskStatus::Running, DesiredStatus::Running);
    // A spot warning: RUNNING said again with desired STOPPED.
    ok.observe(t, at, TaskStatus::Running, DesiredStatus::Stopped);
    ok.observe(t, at, TaskStatus::Stopped, DesiredStatus::Stopped);
    // The id reused by a task created later.
    ok.observe(t, SimTime(5), TaskStatus::Pending, DesiredStatus::Running);
    assert_eq!(ok.broken, None);

    let mut back = Transitions::default();
    back.observe(t, at, TaskStatus::Running, DesiredStatus::Running);
    back.observe(t, at, TaskStatus::Pending, DesiredStatus::Running);
    assert!(back.broken.expect("backwards").1.contains("PENDING"));

    let mut again = Transitions::default();
    again.observe(t, at, TaskStatus::Stopped, DesiredStatus::Stopped);
    again.observe(t, at, TaskStatus::Stopped, DesiredStatus::Stopped);
    assert!(again.broken.is_some(), "nothing follows STOPPED");

    let mut revived = Transitions::default();
    revived.observe(t, at, TaskStatus::Pending, DesiredStatus::Stopped);
    revived.observe(t, at, TaskStatus::Running, DesiredStatus::Running);
    assert!(
        revived.broken.is_some(),
        "desired STOPPED never returns to RUNNING"
    );
}

#[test]
fn a_split_off_base_or_weight_is_caught() {
    let s = [
        StrategyItem {
            capacity_provider: "a".into(),
            weight: 1,
            base: 2,
        },
        StrategyItem {
            capacity_provider: "b".into(),
            weight: 3,
            base: 0,
        },
    ];
    assert_eq!(split_assignment(&s, &[0, 0], 0), Ok(()));
    assert!(split_assignment(&s, &[1, 0], 1).is_err(), "the base first");
    assert_eq!(split_assignment(&s, &[2, 0], 1), Ok(()));
    assert!(
        split_assignment(&s, &[3, 0], 0).is_err(),
        "b is owed 3 of 4"
    );
    // a is at its share already: not where the rule sends the task.
    assert!(split_assignment(&s, &[3, 3], 0).is_err());
}

#[test]
fn a_pass_beyond_min_or_max_is_caught() {
    let good = PassAudit {
        t: SimTime(0),
        service: ServiceId(0),
        desired: 4,
        min_healthy: 4,
        max_tasks: 8,
        healthy_before: 4,
        healthy_after: 4,
        counted_before: 4,
        counted_after: 8,
        protected_stopped: 0,
        completed: None,
        task_set: None,
        planned_stops: Vec::new(),
        planned_start: 4,
        started: 4,
    };
    assert_eq!(pass_invariants(&good, false), Ok(()));
    let below = PassAudit {
        healthy_after: 3,
        ..good.clone()
    };
    assert!(pass_invariants(&below, false)
        .unwrap_err()
        .contains("below minHealthy"));
    // Already below minHealthy (a fault): the pass may not go lower, but need not climb.
    let faulted = PassAudit {
        healthy_before: 2,
        healthy_after: 2,
        ..good.clone()
    };
    assert_eq!(pass_invariants(&faulted, false), Ok(()));
    let above = PassAudit {
        counted_after: 9,
        ..good.clone()
    };
    assert!(pass_invariants(&above, false)
        .unwrap_err()
        .contains("maxTasks"));
    let protected = PassAudit {
        protected_stopped: 1,
        ..good.clone()
    };
    assert!(pass_invariants(&protected, true).is_err());
    let completed = PassAudit {
        completed: Some((3, 4)),
        ..good
    };
    assert!(pass_invariants(&completed, false).is_err());
}

/// Every bundled scenario keeps every invariant in check mode, for a few seeds, and check mode
/// changes nothing of the run.
#[test]
fn bundled_scenarios_keep_the_invariants() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() > 10);
    for path in files {
        let src = std::fs::read_to_string(&path).expect("read");
        let loaded = ecsim_scenario::load(&src).expect("valid");
        for seed in 1..=3 {
            let mut sc = loaded.scenario.clone();
            sc.seed = seed;
            let sc = Arc::new(sc);
            let mut checked =
                Engine::with_owned_sink(Arc::clone(&sc), Box::new(ecsim_engine::Discard));
            checked.enable_checks();
            checked.run_to_end().expect("runs");
            assert_eq!(checked.violation(), None, "{} seed {seed}", path.display());
            let mut plain =
                Engine::with_owned_sink(Arc::clone(&sc), Box::new(ecsim_engine::Discard));
            plain.run_to_end().expect("runs");
            assert_eq!(
                checked.finish().fingerprint,
                plain.finish().fingerprint,
                "{} seed {seed}: check mode changes nothing",
                path.display()
            );
        }
    }
}
