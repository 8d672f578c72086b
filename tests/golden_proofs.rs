//! The golden summaries of the bundled scenarios (other than the capacity ones, which
//! `capacity_scenarios.rs` checks), with their key figures recomputed here rather than only
//! recorded: placements, tasks started, stopped tasks by stop code, placement failures by reason,
//! and each deployment's creation and completion times.
//!
//! Each figure is computed twice, independently of the engine's counters and of each other: once
//! by replaying the run's events (`replay`: a task counts as started once, when it is first seen
//! RUNNING; as stopped once, by the stop code of its STOPPED event; a deployment is created at its
//! first IN_PROGRESS event and completed at its COMPLETED event), compared with the golden file;
//! and, for the figures the scenario's own numbers decide, from the scenario and SPEC §6 (a
//! service task on EC2 with bridge networking, no load balancer and no health check is PENDING for
//! 10 s and healthy 40 s after RUNNING, so a deployment placed at once completes 50 s after it is
//! created), written out per scenario with the reasoning.

use ecsim_engine::{Action, EventDetail, RunOutput};
use ecsim_model::{DesiredStatus, TaskId, TaskStatus};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

struct Run {
    out: RunOutput,
    golden: Value,
    /// (at ms, action name, RunTask's count) of every scenario action, in order.
    actions: Vec<(u64, String, Option<u32>)>,
}

fn run(name: &str) -> Run {
    let root = env!("CARGO_MANIFEST_DIR");
    let src = std::fs::read_to_string(format!("{root}/scenarios/{name}.json")).expect("scenario");
    let loaded = ecsim_scenario::load(&src).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let actions = loaded
        .scenario
        .actions
        .iter()
        .map(|a| {
            let count = match &a.action {
                Action::RunTask(r) => Some(r.count),
                _ => None,
            };
            (a.at.ms(), a.name.clone(), count)
        })
        .collect();
    let out = ecsim_engine::run(&loaded.scenario);
    let golden = std::fs::read_to_string(format!("{root}/tests/golden/{name}.summary.json"))
        .expect("golden summary");
    Run {
        out,
        golden: serde_json::from_str(&golden).expect("golden JSON"),
        actions,
    }
}

/// The figures recomputed from the events.
#[derive(Debug, Default, PartialEq)]
struct Replay {
    placements: u64,
    started: u64,
    stopped: BTreeMap<String, u64>,
    failures: BTreeMap<String, u64>,
    /// Deployment id → (created ms, completed ms).
    deployments: BTreeMap<String, (Option<u64>, Option<u64>)>,
}

fn replay(o: &RunOutput) -> Replay {
    let mut r = Replay::default();
    let mut running: BTreeSet<TaskId> = BTreeSet::new();
    let mut stopped: BTreeSet<TaskId> = BTreeSet::new();
    for e in o.events() {
        match &e.detail {
            EventDetail::PlacementDecision { .. } => r.placements += 1,
            EventDetail::PlacementFailure { reason, .. } => {
                *r.failures.entry(reason.to_string()).or_default() += 1
            }
            EventDetail::TaskStateChange {
                task,
                last_status,
                desired_status,
                stop_code,
                ..
            } => {
                // A spot warning repeats RUNNING with desired STOPPED: the set sees it once.
                if *last_status == TaskStatus::Running
                    && *desired_status == DesiredStatus::Running
                    && running.insert(*task)
                {
                    r.started += 1;
                }
                if *last_status == TaskStatus::Stopped && stopped.insert(*task) {
                    let code = stop_code.map_or("UserInitiated", |c| c.as_str());
                    *r.stopped.entry(code.to_string()).or_default() += 1;
                }
            }
            EventDetail::DeploymentStateChange {
                deployment,
                event_name,
                ..
            } => {
                let d = r
                    .deployments
                    .entry(deployment.ecs_id().to_string())
                    .or_default();
                match *event_name {
                    "SERVICE_DEPLOYMENT_IN_PROGRESS" => {
                        d.0.get_or_insert(e.t.ms());
                    }
                    "SERVICE_DEPLOYMENT_COMPLETED" => {
                        d.1.get_or_insert(e.t.ms());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    r
}

fn counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .expect("an object of counts")
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().expect("a count")))
        .collect()
}

/// The golden file's figures, in the replay's shape.
fn golden_figures(g: &Value) -> Replay {
    let c = &g["counts"];
    let mut deployments = BTreeMap::new();
    for s in g["services"].as_array().expect("services") {
        for d in s["deployments"].as_array().expect("deployments") {
            deployments.insert(
                d["id"].as_str().expect("id").to_string(),
                (d["createdMs"].as_u64(), d["completedMs"].as_u64()),
            );
        }
    }
    Replay {
        placements: c["placements"].as_u64().expect("placements"),
        started: c["tasksStarted"].as_u64().expect("tasksStarted"),
        stopped: counts(&c["tasksStopped"]),
        failures: counts(&c["placementFailures"]),
        deployments,
    }
}

/// Replays the run and compares it with the golden file; returns both for the hand derivations.
/// A task set has no deployment events (no rollout): the golden's entries the events do not name
/// are returned apart, for the scenario's test to derive (none unless the scenario has task sets).
fn check(name: &str) -> (Run, Replay) {
    let r = run(name);
    let mut replayed = replay(&r.out);
    let mut golden = golden_figures(&r.golden);
    let apart: BTreeMap<String, (Option<u64>, Option<u64>)> = golden
        .deployments
        .iter()
        .filter(|(id, _)| !replayed.deployments.contains_key(*id))
        .map(|(id, d)| (id.clone(), *d))
        .collect();
    golden.deployments.retain(|id, _| !apart.contains_key(id));
    // Deployments the replay saw but the golden does not list fail here.
    assert_eq!(
        replayed, golden,
        "{name}: the events and the golden summary disagree"
    );
    replayed.deployments.extend(apart);
    (r, replayed)
}

/// When the scenario's `index`-th action of this name runs (ms).
fn action_at(r: &Run, name: &str, index: usize) -> u64 {
    r.actions
        .iter()
        .filter(|a| a.1 == name)
        .nth(index)
        .unwrap_or_else(|| panic!("no {name} number {index}"))
        .0
}

fn stopped(rp: &Replay, code: &str) -> u64 {
    rp.stopped.get(code).copied().unwrap_or(0)
}

fn deployment(rp: &Replay, n: u64) -> (Option<u64>, Option<u64>) {
    rp.deployments[&format!("ecs-svc/{n:019}")]
}

/// SPEC §6: PENDING 10 s, then healthy 40 s after RUNNING (no health check, no load balancer).
const PLACED_TO_HEALTHY_MS: u64 = 10_000 + 40_000;

/// Deployment `n`, created at `created` and placed at once, completes when its tasks are healthy.
fn placed_at_once(rp: &Replay, n: u64, created: u64) {
    assert_eq!(
        deployment(rp, n),
        (Some(created), Some(created + PLACED_TO_HEALTHY_MS)),
        "deployment {n}"
    );
}

/// Six m5.large (2048 CPU, 7985 MiB) hold 8 tasks of 256 CPU / 512 MiB each by CPU: 48 in all, so
/// the three RunTask batches of 9 are all placed (27) and all start; the one StopTask at 12 m stops
/// one task, by the user.
#[test]
fn quickstart() {
    let (r, rp) = check("quickstart");
    let tasks = 6 * (2048 / 256);
    assert!(27 <= tasks);
    assert_eq!(r.actions.iter().filter(|a| a.1 == "RunTask").count(), 3);
    assert_eq!((rp.placements, rp.started), (27, 27));
    assert_eq!(stopped(&rp, "UserInitiated"), 1);
    assert_eq!(rp.stopped.values().sum::<u64>(), 1);
    assert!(rp.failures.is_empty());
}

/// RunTask counts 10 + 10 + 4 + 10 + 10 + 10 = 54 jobs; six m5.xlarge have room for every one (the
/// scenario's own claim: no failures under any seed), so 54 placements. Every placed job either
/// reaches RUNNING or fails to start (failToStartProbability on thumbnail): started +
/// TaskFailedToStart = 54.
#[test]
fn batch_jobs() {
    let (r, rp) = check("batch-jobs");
    let requested: u64 = r
        .actions
        .iter()
        .filter(|a| a.1 == "RunTask")
        .filter_map(|a| a.2.map(u64::from))
        .sum();
    assert_eq!(requested, 54);
    assert_eq!(rp.placements, requested);
    assert!(rp.failures.is_empty());
    assert_eq!(rp.started + stopped(&rp, "TaskFailedToStart"), requested);
}

/// Each cluster gets 27 workers (1536 MiB) then 2 big tasks (6144 MiB) on 9 m5.large of 7985 MiB.
/// spread: 3 workers per instance leave 7985 − 3 × 1536 = 3377 MiB, too little for a big task, so
/// both fail on memory. binpack: 5 workers fill an instance (5 × 1536 = 7680), so 27 workers use 6
/// instances and leave 3 empty, which take the 2 big tasks. Placements 27 + 27 + 2 = 56.
#[test]
fn spread_vs_binpack() {
    let (_, rp) = check("spread-vs-binpack");
    let memory = 7985u64;
    assert!(
        memory - 3 * 1536 < 6144,
        "spread leaves no room for a big task"
    );
    let per_instance = memory / 1536;
    assert_eq!(per_instance, 5);
    let used = 27u64.div_ceil(per_instance);
    assert!(9 - used >= 2, "binpack leaves two empty instances");
    assert_eq!(rp.placements, 27 + 27 + 2);
    assert_eq!(rp.failures, BTreeMap::from([("RESOURCE:MEMORY".into(), 2)]));
    assert_eq!(rp.started, 56);
}

/// Three m5.large (2048 CPU, 7985 MiB, no GPU), each failure derived from the scenario:
/// - 2 m: 3 web-static (hostPort 80) take one instance each; 4 m: a 4th finds port 80 taken
///   everywhere (RESOURCE:PORTS);
/// - 5 m: 6 web-dynamic (dynamic ports) placed;
/// - 6 m: 4 web-host (host mode, port 8443): 3 placed, the 4th RESOURCE:PORTS;
/// - 7 m: cpu-hog 4096 CPU > 2048 (RESOURCE:CPU); mem-hog 16384 MiB > 7985 (RESOURCE:MEMORY);
///   gpu-train needs a GPU, none has one (RESOURCE:GPU);
/// - 8 m: 4 web-dynamic with distinctInstance on 3 instances (the g4dn.xlarge launched then is not
///   registered until 90 s later): 3 placed, 1 DistinctInstance;
/// - 9 m: StartTask on the disconnected i-3 (AGENT); 10 m: 2 gpu-train, the g4dn.xlarge has 1 GPU:
///   1 placed, 1 RESOURCE:GPU; 11 m: StartTask on an instance not in the cluster (MISSING); 13 m:
///   StartTask on i-2, deregistered at 12 m (INACTIVE).
///
/// Placements 3 + 6 + 3 + 3 + 1 = 16, all started; ten failures.
#[test]
fn port_conflicts() {
    let (_, rp) = check("port-conflicts");
    let expected: BTreeMap<String, u64> = [
        ("RESOURCE:PORTS", 1 + 1),
        ("RESOURCE:CPU", 1),
        ("RESOURCE:MEMORY", 1),
        ("RESOURCE:GPU", 1 + 1),
        ("DistinctInstance placement constraint unsatisfied.", 1),
        ("AGENT", 1),
        ("MISSING", 1),
        ("INACTIVE", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(rp.failures, expected);
    assert_eq!(rp.failures.values().sum::<u64>(), 10);
    assert_eq!((rp.placements, rp.started), (16, 16));
}

/// memberOf over attributes and AMIs; every request fits by resources (128 CPU / 256 MiB tasks on
/// m5.large and c5.large), so only memberOf decides. RunTask counts 4 × 5 + 1 + 2 = 23; the one at
/// 9 m (stack=prod and a c5 instance) admits none: the only prod c5 instance, i-7, is team=search
/// and billing's own constraint wants team=payments. So 22 placements, one MemberOf failure.
#[test]
fn memberof_attributes_amis() {
    let (r, rp) = check("memberof-attributes-amis");
    let requested: u64 = r.actions.iter().filter_map(|a| a.2.map(u64::from)).sum();
    assert_eq!(requested, 23);
    assert_eq!((rp.placements, rp.started), (requested - 1, requested - 1));
    assert_eq!(
        rp.failures,
        BTreeMap::from([("MemberOf placement constraint unsatisfied.".into(), 1)])
    );
}

/// One standalone report task on i-1, then 6 web tasks spread over the three zones (2 each) and
/// binpacked on memory within a zone: in us-east-1a both go to i-1, which the report task already
/// fills most. Draining i-1 at 10 m replaces those 2 and stops them: 1 + 6 + 2 placements, 2
/// stopped by the scheduler; the standalone task is left alone. The deployment completes 50 s
/// after 2 m.
#[test]
fn drain_instance() {
    let (r, rp) = check("drain-instance");
    let created = action_at(&r, "CreateService", 0);
    placed_at_once(&rp, 1, created);
    assert_eq!(rp.placements, 1 + 6 + 2);
    assert_eq!(stopped(&rp, "ServiceSchedulerInitiated"), 2);
}

/// Both services are created at 2 m and placed at once: each completes 50 s later. 3 instances
/// (logging=on) at first: 3 agent tasks and 6 web tasks (spread zone then instance: 2 per
/// instance); the 3 launched at 10 m get an agent each (6 agents). At 15 m logging goes off on i-6:
/// its agent stops. At 20 m i-1 drains: its 2 web tasks are replaced elsewhere and stopped, then
/// its agent stops. Placements 6 + 6 + 2 = 14; 1 + 2 + 1 = 4 stopped by the scheduler; at the end
/// web runs 6 and the agent 6 − 2 = 4.
#[test]
fn daemon_scale_out() {
    let (r, rp) = check("daemon-scale-out");
    let created = action_at(&r, "CreateService", 0);
    for d in [1, 2] {
        placed_at_once(&rp, d, created);
    }
    assert_eq!(rp.placements, 6 + 6 + 2);
    assert_eq!(
        rp.stopped,
        BTreeMap::from([("ServiceSchedulerInitiated".into(), 1 + 2 + 1)])
    );
    let running: BTreeMap<&str, u64> = r.golden["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| {
            (
                s["serviceName"].as_str().expect("name"),
                s["runningCount"].as_u64().expect("runningCount"),
            )
        })
        .collect();
    assert_eq!(running, BTreeMap::from([("web", 6), ("log-agent", 4)]));
}

/// desired 3, min 75 (ceil(2.25) = 3), max 125 (floor(3.75) = 3): the deployment at 20 m can
/// neither start nor stop. At 30 m maximumPercent 200 gives maxTasks 6: 3 new tasks are placed at
/// once, healthy 50 s later, then the 3 old ones stop (STOPPING 5 s), and the deployment completes
/// when they are STOPPED: 30 m + 55 s. Placements 3 + 3; 3 stopped by the scheduler.
#[test]
fn deployment_stuck() {
    let (r, rp) = check("deployment-stuck");
    let (desired, min, max) = (3u32, 75u32, 125u32);
    assert_eq!((desired * min).div_ceil(100), 3);
    assert_eq!(desired * max / 100, 3);
    let created = action_at(&r, "CreateService", 0);
    placed_at_once(&rp, 1, created);
    let update = action_at(&r, "UpdateService", 0);
    let raised = action_at(&r, "UpdateService", 1);
    assert_eq!(
        deployment(&rp, 2),
        (Some(update), Some(raised + PLACED_TO_HEALTHY_MS + 5_000))
    );
    assert_eq!(rp.placements, 6);
    assert_eq!(stopped(&rp, "ServiceSchedulerInitiated"), 3);
}

/// desired 8, 100/200: the new revision (failToStartProbability 1) gets 16 − 8 = 8 tasks at once,
/// all of which fail to start (threshold clamp(ceil(4), 3, 200) = 4 is reached, and the 8 already
/// placed all fail); the rollback leaves the 8 old tasks, never stopped (min 100). Placements
/// 8 + 8, started 8, 8 TaskFailedToStart; the failed deployment never completes.
#[test]
fn circuit_breaker_rollback() {
    let (r, rp) = check("circuit-breaker-rollback");
    let created = action_at(&r, "CreateService", 0);
    placed_at_once(&rp, 1, created);
    assert_eq!(
        deployment(&rp, 2),
        (Some(action_at(&r, "UpdateService", 0)), None)
    );
    assert_eq!((rp.placements, rp.started), (16, 8));
    assert_eq!(
        rp.stopped,
        BTreeMap::from([("TaskFailedToStart".into(), 8)])
    );
}

/// wide (100/200): 6 new tasks at 20 m, healthy 50 s later, then the 6 old stop (5 s): completed at
/// 20 m + 55 s. tight (50/100): 3 old stop and 3 new start at 20 m; when those are healthy (50 s)
/// the other 3 old stop and 3 more start, healthy 50 s later: completed at 20 m + 100 s.
/// Placements 2 × (6 + 6); 12 stopped by the scheduler.
#[test]
fn rolling_deployments() {
    let (r, rp) = check("rolling-deployments");
    let created = action_at(&r, "CreateService", 0);
    let update = action_at(&r, "UpdateService", 0);
    for d in [1, 2] {
        placed_at_once(&rp, d, created);
    }
    assert_eq!(
        deployment(&rp, 3),
        (Some(update), Some(update + PLACED_TO_HEALTHY_MS + 5_000))
    );
    assert_eq!(
        deployment(&rp, 4),
        (Some(update), Some(update + 2 * PLACED_TO_HEALTHY_MS))
    );
    assert_eq!(rp.placements, 2 * (6 + 6));
    assert_eq!(stopped(&rp, "ServiceSchedulerInitiated"), 12);
}

/// desired 9 on 9 m5.xlarge, 3 per zone, one task per instance (spread zone, then instance). At
/// 1230 s web:2 (its `simulation` sets PENDING to 45 s) deploys with 100/200: 9 new tasks placed at
/// once (maxTasks 18). At 1260 s us-east-1a's 3 instances terminate: their 3 old and 3 new tasks
/// (still PENDING) stop with TerminationNotice, and 3 replacements are placed at once (6 + 6
/// counted, room 6). The new tasks are RUNNING at 1275 s and healthy at 1315 s: with 6 + 6 healthy
/// and minHealthy 9, 3 old ones stop (STOPPED at 1320 s); the replacements are RUNNING at 1305 s,
/// healthy at 1345 s, when the last 3 old stop, STOPPED at 1350 s: the deployment completes then.
/// Placements 9 + 9 + 3 = 21; started 9 + 6 + 3 = 18 (the 3 new tasks in us-east-1a never ran);
/// stopped 6 by TerminationNotice, 6 by the scheduler.
#[test]
fn az_outage_during_deployment() {
    let (r, rp) = check("az-outage-during-deployment");
    let created = action_at(&r, "CreateService", 0);
    placed_at_once(&rp, 1, created);
    let update = action_at(&r, "UpdateService", 0);
    let outage = action_at(&r, "TerminateContainerInstances", 0);
    let (pending, healthy, stopping) = (45_000, 40_000, 5_000);
    // The new tasks are still PENDING when the zone goes.
    assert!(outage < update + pending);
    assert_eq!(
        deployment(&rp, 2),
        (Some(update), Some(outage + pending + healthy + stopping))
    );
    assert_eq!((rp.placements, rp.started), (9 + 9 + 3, 9 + 6 + 3));
    assert_eq!(
        rp.stopped,
        BTreeMap::from([
            ("ServiceSchedulerInitiated".into(), 6),
            ("TerminationNotice".into(), 3 + 3),
        ])
    );
}

/// web (2 tasks) and the task set blue (2) are placed at 2 m; web completes 50 s later; a task set
/// has no rollout to complete. All 4 tasks are stopped by the scheduler (scaled to 0 and deleted).
#[test]
fn delete_in_steps() {
    let (r, rp) = check("delete-in-steps");
    let created = action_at(&r, "CreateService", 0);
    placed_at_once(&rp, 1, created);
    // The task set blue: created by CreateTaskSet at 2 m (the golden's figure, which no event
    // names), never completed.
    assert_eq!(
        deployment(&rp, 2),
        (Some(action_at(&r, "CreateTaskSet", 0)), None)
    );
    assert_eq!(rp.placements, 4);
    assert_eq!(
        rp.stopped,
        BTreeMap::from([("ServiceSchedulerInitiated".into(), 4)])
    );
}

/// 14 agent tasks (one per instance) and 24 + 12 + 9 replica tasks, all placed: 59. Each service
/// completes 50 s after its CreateService.
#[test]
fn plan_workload() {
    let (r, rp) = check("plan-workload");
    assert_eq!(rp.placements, 14 + 24 + 12 + 9);
    for (k, d) in (1..=4).enumerate() {
        let created = action_at(&r, "CreateService", k);
        placed_at_once(&rp, d, created);
    }
    assert!(rp.failures.is_empty());
}

/// (t ms, instance number N of i-N, status) of every container instance state change.
fn instance_changes(o: &RunOutput) -> Vec<(u64, u64, ecsim_model::InstanceStatus)> {
    o.events()
        .filter_map(|e| match &e.detail {
            EventDetail::ContainerInstanceStateChange {
                instance, status, ..
            } => Some((e.t.ms(), u64::from(instance.0) + 1, *status)),
            _ => None,
        })
        .collect()
}

/// SPEC §6 and §2: a drained instance's service tasks are replaced first (placed at the drain,
/// healthy 50 s later), then stop (STOPPING 5 s): the instance is empty 55 s after its drain.
const DRAINED_TO_EMPTY_MS: u64 = PLACED_TO_HEALTHY_MS + 5_000;

/// Six m5.xlarge of the group launch at 0 and register at 90 s on seed 000's AMI (ami-aff65ad2);
/// web's 12 tasks are placed at 3 m and complete 50 s later. StartInstanceRefresh at 30 m with
/// the defaults (90/100, the provider's 300 s warm-up): batches of max(1, floor(6 × 10 / 100)) = 1.
/// Each batch drains the oldest old instance, which is empty and terminated 55 s later; the
/// replacement launches then and registers 90 s later, and warms up for 300 s: a batch every
/// 55 + 90 + 300 = 445 s, six batches, complete at 1800 + 6 × 445 = 4470 s. Every moved task is
/// placed once and stopped once (placements − 12 = stopped), web never has fewer than 12 healthy
/// (replacements first), and at 2 h every running instance is on ami-05a9d3c6794653577. Each
/// instance slot is billed without a gap (a replacement launches as its old instance terminates):
/// 6 × 3 h = 18 instance-hours, at $0.192 an hour $3.456.
#[test]
fn ami_rollout() {
    use ecsim_model::InstanceStatus::{Active, Draining, Inactive};
    let (r, rp) = check("ami-rollout");
    let start = action_at(&r, "StartInstanceRefresh", 0);
    assert_eq!(start, 1_800_000);
    let created = action_at(&r, "CreateService", 0);
    placed_at_once(&rp, 1, created);
    let batch_ms = DRAINED_TO_EMPTY_MS + 90_000 + 300_000;
    let changes = instance_changes(&r.out);
    for k in 0..6u64 {
        let drained = start + k * batch_ms;
        let old = k + 1;
        assert!(
            changes.contains(&(drained, old, Draining)),
            "i-{old} drains at {drained}"
        );
        let gone = drained + DRAINED_TO_EMPTY_MS;
        assert!(
            changes.contains(&(gone, old, Inactive)),
            "i-{old} terminates at {gone}"
        );
        assert!(
            changes.contains(&(gone + 90_000, old + 6, Active)),
            "its replacement i-{} registers at {}",
            old + 6,
            gone + 90_000
        );
    }
    let refresh: Vec<(u64, String)> = r
        .out
        .events()
        .filter_map(|e| match &e.detail {
            EventDetail::ScalingActivity {
                activity: ecsim_engine::ScalingActivityKind::Refresh,
                cause,
                ..
            } => Some((e.t.ms(), cause.to_string())),
            _ => None,
        })
        .collect();
    let (end, completed) = refresh.last().expect("the refresh's end");
    assert_eq!(*end, start + 6 * batch_ms);
    assert!(
        completed.contains("6 instances replaced in 6 batches, 2670 s"),
        "{completed}"
    );
    assert_eq!(
        rp.placements - 12,
        stopped(&rp, "ServiceSchedulerInitiated")
    );
    // The query at 2 h: every running instance on the new image (and the old ones terminated in
    // the last hour listed as terminated, on the old one).
    let mut lines = Vec::new();
    ecsim_report::write_snapshots(&r.out, &mut lines).expect("snapshots");
    let last: Value = serde_json::from_str(
        String::from_utf8(lines)
            .expect("UTF-8")
            .lines()
            .last()
            .expect("the 2 h query"),
    )
    .expect("JSON");
    let mut running = 0;
    for e in last["response"]["InstanceImageMetadata"]
        .as_array()
        .expect("elements")
    {
        let image = e["ImageMetadata"]["ImageId"].as_str().expect("an image");
        match e["State"]["Name"].as_str() {
            Some("running") => {
                running += 1;
                assert_eq!(image, "ami-05a9d3c6794653577");
            }
            Some("terminated") => assert_eq!(image, "ami-aff65ad2"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(running, 6);
    let web = &r.golden["services"][0];
    assert_eq!(web["secondsBelowMinHealthy"], 0);
    assert_eq!(r.golden["costs"]["instanceHours"].as_f64(), Some(18.0));
    assert!((r.golden["costs"]["ec2"].as_f64().unwrap() - 18.0 * 0.192).abs() < 1e-9);
}

/// Three m5.large on seed 001's deprecated AMI (i-1 to i-3) and three on the recommended one
/// (i-4 to i-6) register at 90 s; web's 6 tasks are placed at 2 m, one per instance (spread by
/// instance), and complete 50 s later. The drain at 11 m takes exactly i-1 to i-3: their 3 tasks
/// are placed once more, one on each other instance, and stop 55 s later; the terminations at 25 m
/// stop nothing. 9 placements, 3 stopped by the scheduler. Billing: i-1 to i-3 from 0 to 25 m,
/// i-4 to i-6 the whole hour: 3 × 1500/3600 + 3 = 4.25 instance-hours, at $0.096 $0.408.
#[test]
fn deprecated_ami_drain() {
    use ecsim_model::InstanceStatus::{Draining, Inactive};
    let (r, rp) = check("deprecated-ami-drain");
    let created = action_at(&r, "CreateService", 0);
    placed_at_once(&rp, 1, created);
    let drain = action_at(&r, "DrainContainerInstances", 0);
    let end = action_at(&r, "TerminateContainerInstances", 0);
    let changes = instance_changes(&r.out);
    let drained: Vec<u64> = changes
        .iter()
        .filter(|c| c.2 == Draining)
        .map(|c| {
            assert_eq!(c.0, drain);
            c.1
        })
        .collect();
    assert_eq!(drained, [1, 2, 3]);
    let gone: Vec<(u64, u64)> = changes
        .iter()
        .filter(|c| c.2 == Inactive)
        .map(|c| (c.0, c.1))
        .collect();
    assert_eq!(gone, [(end, 1), (end, 2), (end, 3)]);
    assert_eq!((rp.placements, rp.started), (9, 9));
    assert_eq!(stopped(&rp, "ServiceSchedulerInitiated"), 3);
    assert_eq!(stopped(&rp, "TerminationNotice"), 0);
    let hours = 3.0 * (end as f64 / 3_600_000.0) + 3.0;
    assert_eq!(hours, 4.25);
    assert_eq!(r.golden["costs"]["instanceHours"].as_f64(), Some(hours));
    assert!((r.golden["costs"]["ec2"].as_f64().unwrap() - hours * 0.096).abs() < 1e-9);
}

/// The capacity scenarios' figures are derived in `capacity_scenarios.rs`; here their golden files
/// are checked against the events' replay as well.
#[test]
fn capacity_scenarios_replay() {
    for name in CAPACITY {
        check(name);
    }
}

/// Goldens checked against the replay of their run only, not derived by hand: check-instance-loss's
/// faults are drawn from its seed; placement-strategies (the strategy benchmark's workload) runs
/// batches whose durations are drawn. Their figures are recounted from the events.
const REPLAYED: [&str; 2] = ["check-instance-loss", "placement-strategies"];

#[test]
fn replayed_scenarios_replay() {
    for name in REPLAYED {
        check(name);
    }
}

const CAPACITY: [&str; 7] = [
    "az-outage-auto-scaling-group",
    "binpack-vs-spread-managed-scaling",
    "capacity-provider-split",
    "distinct-instance-provisioning",
    "fargate-spot-deployment",
    "scale-out-from-zero",
    "termination-protection-scale-in",
];

/// The scenarios this file derives by hand, one test each.
const DERIVED: [&str; 15] = [
    "ami-rollout",
    "deprecated-ami-drain",
    "quickstart",
    "batch-jobs",
    "spread-vs-binpack",
    "port-conflicts",
    "memberof-attributes-amis",
    "drain-instance",
    "daemon-scale-out",
    "deployment-stuck",
    "circuit-breaker-rollback",
    "rolling-deployments",
    "az-outage-during-deployment",
    "delete-in-steps",
    "plan-workload",
];

/// Every bundled scenario has a golden summary, and every golden summary is proved here or in
/// `capacity_scenarios.rs`: a new scenario without a proof fails this test.
#[test]
fn every_golden_is_proved() {
    let root = env!("CARGO_MANIFEST_DIR");
    let names = |dir: &str, suffix: &str| -> BTreeSet<String> {
        std::fs::read_dir(format!("{root}/{dir}"))
            .expect("directory")
            .filter_map(|e| {
                let name = e.expect("entry").file_name().into_string().expect("UTF-8");
                name.strip_suffix(suffix).map(str::to_string)
            })
            .collect()
    };
    let scenarios = names("scenarios", ".json");
    let goldens = names("tests/golden", ".summary.json");
    assert_eq!(
        scenarios, goldens,
        "one golden summary per bundled scenario"
    );
    let proved: BTreeSet<String> = CAPACITY
        .iter()
        .chain(DERIVED.iter())
        .chain(REPLAYED.iter())
        .map(|s| s.to_string())
        .collect();
    assert_eq!(goldens, proved, "every golden summary has its proof");
}
