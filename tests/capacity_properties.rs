//! Properties of capacity providers over random providers, strategies, services and fault timings
//! (the capacity-provider issue, "What proves it"). Each case is a scenario file, run through the
//! loader and the engine; the properties are checked against a replay of its events, with the
//! rules recomputed here independently of the engine's code:
//!
//! - the split: every task a service creates goes to the provider the base/weight rule of SPEC §8
//!   names, given the service's tasks with desired status RUNNING per provider just before;
//! - managed termination protection: a scale-in never takes an instance that runs a task;
//! - the metric: each `ECS Capacity Provider Reservation` is M / N × 100 with M and N recomputed
//!   from the replayed state (instances, their tasks and room, the launches booting, the tasks
//!   waiting in PROVISIONING), special cases included;
//! - PROVISIONING never holds more than 300 tasks of a cluster;
//! - the cost is the sum over instances of price × lifetime (and over Fargate tasks of their rate
//!   × PENDING-to-STOPPED time).

use ecsim_engine::{EventDetail, RunOutput, ScalingActivityKind};
use ecsim_model::{DesiredStatus, InstanceId, InstanceStatus, ServiceId, TaskId, TaskStatus};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const TYPES: [(&str, f64); 2] = [
    // name, $/hour (the catalog's; the registered CPU and memory are read from the scenario)
    ("m5.large", 0.096),
    ("m5.xlarge", 0.192),
];
const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

#[derive(Clone, Debug)]
struct ProviderCase {
    managed: bool,
    protection: bool,
    spot: bool,
    zones: usize,
    min: u32,
    max: u32,
    desired: u32,
    instance_type: usize,
    target: u32,
    min_step: u32,
}

#[derive(Clone, Debug)]
struct ServiceCase {
    desired: u32,
    cpu: u32,
    memory: u32,
    /// (provider index, base, weight).
    strategy: Vec<(usize, u32, u32)>,
    /// A later desired count, at minute `at`.
    update: Option<(u32, u32)>,
}

#[derive(Clone, Debug)]
enum Fault {
    Interrupt { provider: usize, tenths: u32 },
    FailZone { zone: usize },
}

#[derive(Clone, Debug)]
struct Case {
    seed: u64,
    providers: Vec<ProviderCase>,
    services: Vec<ServiceCase>,
    faults: Vec<(u32, Fault)>,
}

fn provider() -> impl Strategy<Value = ProviderCase> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        1usize..=3,
        0u32..=2,
        2u32..=8,
        0u32..=8,
        0usize..2,
        50u32..=100,
        1u32..=3,
    )
        .prop_map(
            |(managed, protection, spot, zones, min, max, desired, t, target, min_step)| {
                let max = max.max(min + 1);
                ProviderCase {
                    managed,
                    protection: protection && managed,
                    spot,
                    zones,
                    min,
                    max,
                    desired: desired.clamp(min, max),
                    instance_type: t,
                    target,
                    min_step,
                }
            },
        )
}

fn service(providers: usize) -> impl Strategy<Value = ServiceCase> {
    (
        1u32..=12,
        prop::sample::select(vec![256u32, 512, 1024]),
        prop::sample::select(vec![512u32, 1024, 2048, 3072]),
        prop::collection::vec((0..providers, 0u32..=3, 0u32..=4), 1..=providers),
        prop::option::of((0u32..=16, 20u32..=80)),
    )
        .prop_map(|(desired, cpu, memory, items, update)| {
            // Distinct providers, one base at most, at least one weight above 0.
            let mut seen = BTreeSet::new();
            let mut strategy: Vec<(usize, u32, u32)> = items
                .into_iter()
                .filter(|(p, _, _)| seen.insert(*p))
                .collect();
            for (k, item) in strategy.iter_mut().enumerate() {
                if k > 0 {
                    item.1 = 0;
                }
            }
            if strategy.iter().all(|i| i.2 == 0) {
                strategy[0].2 = 1;
            }
            ServiceCase {
                desired,
                cpu,
                memory,
                strategy,
                update,
            }
        })
}

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec(provider(), 1..=3).prop_flat_map(|providers| {
        let n = providers.len();
        (
            any::<u64>(),
            Just(providers),
            prop::collection::vec(service(n), 1..=3),
            prop::collection::vec(
                (
                    5u32..=100,
                    prop_oneof![
                        (0..n, 1u32..=10)
                            .prop_map(|(provider, tenths)| Fault::Interrupt { provider, tenths }),
                        (0usize..3).prop_map(|zone| Fault::FailZone { zone }),
                    ],
                ),
                0..=2,
            ),
        )
            .prop_map(|(seed, providers, services, faults)| Case {
                seed,
                providers,
                services,
                faults,
            })
    })
}

fn scenario(c: &Case) -> String {
    let mut actions: Vec<Value> = Vec::new();
    for (k, p) in c.providers.iter().enumerate() {
        let mut input = json!({ "name": format!("cp{k}"),
            "autoScalingGroupProvider": { "autoScalingGroupArn": format!("asg-{k}") } });
        if p.managed {
            input["autoScalingGroupProvider"]["managedScaling"] = json!({ "status": "ENABLED",
                "targetCapacity": p.target, "minimumScalingStepSize": p.min_step, "instanceWarmupPeriod": 120 });
            input["autoScalingGroupProvider"]["managedTerminationProtection"] =
                json!(if p.protection { "ENABLED" } else { "DISABLED" });
        }
        actions.push(
            json!({ "at": 0, "action": "CreateCapacityProvider", "input": input,
            "simulation": { "autoScalingGroup": { "instanceTypes": [TYPES[p.instance_type].0],
                "availabilityZones": ZONES[..p.zones], "minSize": p.min, "maxSize": p.max,
                "desiredCapacity": p.desired, "spot": p.spot } } }),
        );
    }
    let names: Vec<String> = (0..c.providers.len()).map(|k| format!("cp{k}")).collect();
    actions.push(json!({ "at": 0, "action": "CreateCluster",
        "input": { "clusterName": "prod", "capacityProviders": names } }));
    for (k, s) in c.services.iter().enumerate() {
        actions.push(json!({ "at": 0, "action": "RegisterTaskDefinition", "input": { "family": format!("f{k}"),
            "containerDefinitions": [ { "name": "app", "image": "app", "cpu": s.cpu, "memory": s.memory } ] } }));
        let strategy: Vec<Value> = s
            .strategy
            .iter()
            .map(|&(p, base, weight)| {
                json!({ "capacityProvider": format!("cp{p}"), "base": base, "weight": weight })
            })
            .collect();
        actions.push(json!({ "at": "1m", "action": "CreateService", "input": { "cluster": "prod",
            "serviceName": format!("s{k}"), "taskDefinition": format!("f{k}"), "desiredCount": s.desired,
            "capacityProviderStrategy": strategy } }));
        if let Some((d, at)) = s.update {
            actions.push(json!({ "at": format!("{at}m"), "action": "UpdateService",
                "input": { "cluster": "prod", "service": format!("s{k}"), "desiredCount": d } }));
        }
    }
    for (at, f) in &c.faults {
        match f {
            Fault::Interrupt { provider, tenths } if c.providers[*provider].spot => {
                actions.push(json!({ "at": format!("{at}m"), "action": "InterruptSpot",
                    "input": { "capacityProvider": format!("cp{provider}"), "fraction": *tenths as f64 / 10.0 } }));
            }
            Fault::Interrupt { .. } => {}
            Fault::FailZone { zone } => {
                actions.push(
                    json!({ "at": format!("{at}m"), "action": "FailAvailabilityZone",
                    "input": { "availabilityZone": ZONES[*zone] } }),
                );
                actions.push(
                    json!({ "at": format!("{}m", at + 10), "action": "RestoreAvailabilityZone",
                    "input": { "availabilityZone": ZONES[*zone] } }),
                );
            }
        }
    }
    json!({ "schemaVersion": 1, "name": "capacity-property", "seed": c.seed, "horizon": "2h",
        "actions": actions })
    .to_string()
}

/// SPEC §8's split, recomputed: the base provider until it holds its base, then the largest
/// weight × (n + 1) / W − count beyond the base, ties to the earlier item.
fn expected_item(strategy: &[(usize, u32, u32)], counts: &[u32]) -> Option<usize> {
    if let Some(b) = strategy.iter().position(|i| i.1 > 0) {
        if counts[b] < strategy[b].1 {
            return Some(b);
        }
    }
    let w: f64 = strategy.iter().map(|i| i.2 as f64).sum();
    let beyond: Vec<f64> = strategy
        .iter()
        .zip(counts)
        .map(|(i, &c)| c.saturating_sub(i.1) as f64)
        .collect();
    let n: f64 = beyond.iter().sum();
    let mut best: Option<(usize, f64)> = None;
    for (k, i) in strategy.iter().enumerate() {
        if i.2 == 0 {
            continue;
        }
        let d = i.2 as f64 * (n + 1.0) / w - beyond[k];
        if best.is_none_or(|(_, b)| d > b + 1e-9) {
            best = Some((k, d));
        }
    }
    best.map(|(k, _)| k)
}

/// The replayed state of one run.
#[derive(Default)]
struct Replay {
    /// Tasks seen, with their service, provider and whether their desired status is RUNNING.
    tasks: BTreeMap<TaskId, (Option<ServiceId>, Option<String>, bool)>,
    /// Tasks holding resources per instance, with their (cpu, memory).
    on: BTreeMap<InstanceId, BTreeMap<TaskId, (u32, u32)>>,
    status: BTreeMap<InstanceId, InstanceStatus>,
    /// Launches booting per provider.
    booting: BTreeMap<String, i64>,
    /// Tasks waiting in PROVISIONING (created, not placed, not stopping).
    waiting: BTreeMap<TaskId, (String, u32, u32)>,
    placed: BTreeSet<TaskId>,
}

fn check(c: &Case, sc: &ecsim_engine::Scenario, o: &RunOutput) -> Result<(), TestCaseError> {
    let w = &o.world;
    let provider_of = |i: InstanceId| {
        w.instance(i)
            .capacity_provider
            .as_deref()
            .map(str::to_string)
    };
    let mut r = Replay::default();
    let zone_failed = c
        .faults
        .iter()
        .any(|(_, f)| matches!(f, Fault::FailZone { .. }));
    for e in o.events() {
        match &e.detail {
            EventDetail::PlacementDecision {
                task,
                spec,
                instance,
                ..
            } => {
                let s = w.spec(*spec);
                let first = !r.tasks.contains_key(task);
                if first {
                    created(c, &mut r, o, *task, *spec)?;
                }
                r.waiting.remove(task);
                r.placed.insert(*task);
                if let Some(i) = instance {
                    r.on.entry(*i)
                        .or_default()
                        .insert(*task, (s.requirements.cpu, s.requirements.memory_mib));
                }
            }
            EventDetail::TaskStateChange {
                task,
                spec,
                instance,
                last_status,
                desired_status,
                ..
            } => {
                if !r.tasks.contains_key(task) {
                    // A task that waits in PROVISIONING says so before any placement.
                    created(c, &mut r, o, *task, *spec)?;
                    if *last_status == TaskStatus::Provisioning && !r.placed.contains(task) {
                        let s = w.spec(*spec);
                        if let Some(p) = &s.capacity_provider {
                            r.waiting.insert(
                                *task,
                                (p.to_string(), s.requirements.cpu, s.requirements.memory_mib),
                            );
                        }
                    }
                }
                if *desired_status == DesiredStatus::Stopped {
                    r.waiting.remove(task);
                    if let Some(t) = r.tasks.get_mut(task) {
                        t.2 = false;
                    }
                }
                if *last_status == TaskStatus::Stopped {
                    if let Some(i) = instance {
                        if let Some(m) = r.on.get_mut(i) {
                            m.remove(task);
                        }
                    }
                }
            }
            EventDetail::ContainerInstanceStateChange {
                instance,
                status,
                reason,
                ..
            } => {
                if *reason == "registered" {
                    if let Some(p) = provider_of(*instance) {
                        *r.booting.entry(p).or_default() -= 1;
                    }
                }
                r.status.insert(*instance, *status);
            }
            EventDetail::ScalingActivity {
                capacity_provider,
                activity,
                count,
                instances,
                cause,
                ..
            } => {
                if *activity == ScalingActivityKind::Launch {
                    *r.booting.entry(capacity_provider.to_string()).or_default() += *count as i64;
                }
                let k: usize = capacity_provider[2..].parse().expect("cp{k}");
                let scale_in = cause.starts_with("managed scaling")
                    && *activity != ScalingActivityKind::Launch;
                if scale_in && c.providers[k].protection {
                    for i in instances {
                        let busy = r.on.get(i).is_some_and(|m| !m.is_empty());
                        prop_assert!(
                            !busy,
                            "managed termination protection: {capacity_provider} scaled in {:?}, which runs tasks, at {} ms",
                            i,
                            e.t.ms()
                        );
                    }
                }
            }
            EventDetail::CapacityProviderReservation {
                capacity_provider,
                reservation,
                needed,
                running,
                ..
            } if !zone_failed => {
                let k: usize = capacity_provider[2..].parse().expect("cp{k}");
                let (m, n) = recompute(c, sc, &r, o, k, capacity_provider);
                prop_assert_eq!(
                    (m, n),
                    (*needed, *running),
                    "M and N of {} at {} ms",
                    capacity_provider,
                    e.t.ms()
                );
                let expected = match (m, n) {
                    (0, 0) => 100.0,
                    (_, 0) => 200.0,
                    (m, n) => m as f64 * 100.0 / n as f64,
                };
                prop_assert!((reservation - expected).abs() < 1e-9);
            }
            _ => {}
        }
    }
    prop_assert!(w.cluster(ecsim_model::ClusterId(0)).provisioning_peak <= 300);
    if !zone_failed {
        check_costs(c, o)?;
    }
    Ok(())
}

/// A service task was created: it must have gone where the split says.
fn created(
    c: &Case,
    r: &mut Replay,
    o: &RunOutput,
    task: TaskId,
    spec: ecsim_model::SpecId,
) -> Result<(), TestCaseError> {
    let s = o.world.spec(spec);
    let service = s.service.map(|(sv, _)| sv);
    let provider = s.capacity_provider.as_deref().map(str::to_string);
    if let (Some(sv), Some(p)) = (service, &provider) {
        let case = &c.services[sv.index()];
        let counts: Vec<u32> = case
            .strategy
            .iter()
            .map(|&(k, _, _)| {
                r.tasks
                    .values()
                    .filter(|t| t.0 == Some(sv) && t.2 && t.1.as_deref() == Some(&format!("cp{k}")))
                    .count() as u32
            })
            .collect();
        let expected =
            expected_item(&case.strategy, &counts).map(|k| format!("cp{}", case.strategy[k].0));
        prop_assert_eq!(
            expected.as_deref(),
            Some(p.as_str()),
            "split of service {} with counts {:?}",
            sv.0,
            counts
        );
    }
    r.tasks.insert(task, (service, provider, true));
    Ok(())
}

/// M and N of provider `k` from the replay: N its instances not gone plus its launches booting;
/// M its instances holding a task, plus what its waiting tasks need, packed by memory then CPU
/// (largest first, then task id) first-fit into its ACTIVE instances (by id), its booting
/// launches, then new instances of its type.
fn recompute(
    c: &Case,
    sc: &ecsim_engine::Scenario,
    r: &Replay,
    o: &RunOutput,
    k: usize,
    name: &str,
) -> (u32, u32) {
    let t = (sc.instance_types.get(TYPES[c.providers[k].instance_type].0)).expect("a catalog type");
    let (cpu, mem) = (t.registered_cpu(), t.registered_memory_mib);
    let mine: Vec<InstanceId> = r
        .status
        .iter()
        .filter(|(i, s)| {
            **s != InstanceStatus::Inactive
                && o.world.instance(**i).capacity_provider.as_deref() == Some(name)
        })
        .map(|(i, _)| *i)
        .collect();
    let booting = r.booting.get(name).copied().unwrap_or(0).max(0) as u32;
    let n = mine.len() as u32 + booting;
    let mut m = 0;
    // (cpu, memory, counted)
    let mut rooms: Vec<(u32, u32, bool)> = Vec::new();
    for &i in &mine {
        let tasks = r.on.get(&i);
        let used = tasks.is_some_and(|t| !t.is_empty());
        if used {
            m += 1;
        }
        if r.status[&i] == InstanceStatus::Active {
            let (uc, um) = tasks
                .map(|t| t.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)))
                .unwrap_or((0, 0));
            rooms.push((cpu - uc, mem - um, used));
        }
    }
    for _ in 0..booting {
        rooms.push((cpu, mem, false));
    }
    let mut waiting: Vec<(TaskId, u32, u32)> = r
        .waiting
        .iter()
        .filter(|(_, w)| w.0 == name)
        .map(|(t, w)| (*t, w.1, w.2))
        .collect();
    waiting.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    let mut fresh: Vec<(u32, u32)> = Vec::new();
    for (_, tc, tm) in waiting {
        if let Some(room) = rooms.iter_mut().find(|x| x.0 >= tc && x.1 >= tm) {
            room.0 -= tc;
            room.1 -= tm;
            if !room.2 {
                room.2 = true;
                m += 1;
            }
        } else if let Some(room) = fresh.iter_mut().find(|x| x.0 >= tc && x.1 >= tm) {
            room.0 -= tc;
            room.1 -= tm;
        } else if cpu >= tc && mem >= tm {
            fresh.push((cpu - tc, mem - tm));
        }
    }
    (m + fresh.len() as u32, n)
}

/// EC2: every launch billed from the ECS Scaling Activity that made it to its instance's
/// termination (or the end), at its group's price, 30% of it for a spot group's. Which launch
/// became which instance does not matter to the sum: Σ (end − start) = Σ ends − Σ starts.
fn check_costs(c: &Case, o: &RunOutput) -> Result<(), TestCaseError> {
    let end = o.summary.simulated_ms as f64;
    let mut expected = 0.0;
    for (k, p) in c.providers.iter().enumerate() {
        let name = format!("cp{k}");
        let price = TYPES[p.instance_type].1 * if p.spot { 0.3 } else { 1.0 };
        let mut starts = 0.0;
        let mut launched = 0u32;
        for e in o.events() {
            if let EventDetail::ScalingActivity {
                capacity_provider,
                activity: ScalingActivityKind::Launch,
                count,
                ..
            } = &e.detail
            {
                if **capacity_provider == *name {
                    starts += e.t.ms() as f64 * *count as f64;
                    launched += count;
                }
            }
        }
        let mut ends = 0.0;
        let mut registered = 0u32;
        let mut terminated: BTreeMap<InstanceId, f64> = BTreeMap::new();
        for e in o.events() {
            if let EventDetail::ContainerInstanceStateChange {
                instance,
                reason: "terminated",
                ..
            } = &e.detail
            {
                terminated.insert(*instance, e.t.ms() as f64);
            }
        }
        for i in &o.world.instances {
            if i.capacity_provider.as_deref() == Some(name.as_str()) {
                registered += 1;
                ends += terminated.get(&i.id).copied().unwrap_or(end);
            }
        }
        // Launches still booting at the end are billed to it.
        ends += (launched - registered) as f64 * end;
        expected += price * (ends - starts) / 3_600_000.0;
    }
    let billed = o.summary.costs.ec2;
    prop_assert!(
        (billed - expected).abs() < 1e-6,
        "billed {billed}, the instances' price × lifetime {expected}"
    );
    prop_assert_eq!(o.summary.costs.fargate, 0.0);
    Ok(())
}

#[test]
fn capacity_properties_hold() {
    let cases = if cfg!(debug_assertions) { 24 } else { 96 };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&case(), |c| {
            let src = scenario(&c);
            let loaded = ecsim_scenario::load(&src)
                .map_err(|e| TestCaseError::fail(format!("{e:?}\n{src}")))?;
            let o = ecsim_engine::run(&loaded.scenario);
            prop_assert!(o.halt.is_none(), "the run halted: {:?}", o.halt);
            check(&c, &loaded.scenario, &o)
        })
        .unwrap();
}

/// PROVISIONING holds at most 300 tasks per cluster (reference §5.5, the 2022 quota): a service
/// of 400 tasks on a managed-scaling group that cannot grow waits with 300 and fails the rest.
#[test]
fn provisioning_stops_at_300_per_cluster() {
    let src = json!({ "schemaVersion": 1, "name": "limit", "horizon": "20m", "actions": [
        { "at": 0, "action": "CreateCapacityProvider", "input": { "name": "cp", "autoScalingGroupProvider": {
            "autoScalingGroupArn": "a", "managedScaling": { "status": "ENABLED" } } },
          "simulation": { "autoScalingGroup": { "instanceTypes": ["m5.large"], "availabilityZones": ["us-east-1a"],
            "minSize": 0, "maxSize": 1 } } },
        { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod", "capacityProviders": ["cp"],
            "defaultCapacityProviderStrategy": [ { "capacityProvider": "cp", "weight": 1 } ] } },
        { "at": 0, "action": "RegisterTaskDefinition", "input": { "family": "big",
            "containerDefinitions": [ { "name": "app", "image": "app", "cpu": 2048, "memory": 7000 } ] } },
        { "at": "1m", "action": "CreateService", "input": { "cluster": "prod", "serviceName": "s",
            "taskDefinition": "big", "desiredCount": 400 } } ] })
    .to_string();
    let o = ecsim_engine::run(&ecsim_scenario::load(&src).expect("valid").scenario);
    let c = o.world.cluster(ecsim_model::ClusterId(0));
    assert_eq!(c.provisioning_peak, 300);
    // One instance (maxSize 1) takes one task; the metric's two from zero are capped at 1.
    assert!(o.summary.counts.placement_failures_total() > 0);
    let waiting = c.tasks_by_status[TaskStatus::Provisioning as usize];
    assert!(waiting <= 300, "{waiting}");
}
