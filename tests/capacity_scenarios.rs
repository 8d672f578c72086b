//! The bundled capacity scenarios, run through the engine, with their key figures recomputed here
//! from the events and the scenario's own numbers (not from the engine's counters), so that their
//! golden summaries are checked, not only recorded.

use ecsim_engine::{EventDetail, RunOutput, ScalingActivityKind, SnapshotResponse};
use ecsim_model::{DesiredStatus, InstanceId, LaunchType, TaskId, TaskStatus};
use std::collections::BTreeMap;

fn run(name: &str) -> RunOutput {
    let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).expect("bundled scenario");
    let loaded = ecsim_scenario::load(&src).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    ecsim_engine::run(&loaded.scenario)
}

/// (time ms, provider) of every placement decision, in order.
fn placements(o: &RunOutput) -> Vec<(u64, Option<String>)> {
    o.events()
        .filter_map(|e| match &e.detail {
            EventDetail::PlacementDecision { spec, .. } => Some((
                e.t.ms(),
                o.world
                    .spec(*spec)
                    .capacity_provider
                    .as_deref()
                    .map(str::to_string),
            )),
            _ => None,
        })
        .collect()
}

/// Every scaling activity: (time s, provider, kind, count, instances).
fn activities(o: &RunOutput) -> Vec<(u64, String, ScalingActivityKind, u32, Vec<InstanceId>)> {
    o.events()
        .filter_map(|e| match &e.detail {
            EventDetail::ScalingActivity {
                capacity_provider,
                activity,
                count,
                instances,
                ..
            } => Some((
                e.t.ms() / 1000,
                capacity_provider.to_string(),
                *activity,
                *count,
                instances.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// SPEC §8 and the AWS workshop: base 2 on on-demand, then 1:3 to spot — 10 tasks give 4 and 6.
/// Half of the 4 spot instances are interrupted at 30m: the three tasks they held are replaced,
/// split over the tasks still wanted (the draining ones among them), which gives spot, on-demand,
/// spot, so the service ends 5 and 5.
#[test]
fn capacity_provider_split() {
    let o = run("capacity-provider-split");
    let p = placements(&o);
    let first: Vec<_> = p.iter().take(10).collect();
    let on = |list: &[&(u64, Option<String>)], name: &str| {
        list.iter()
            .filter(|(_, p)| p.as_deref() == Some(name))
            .count()
    };
    assert_eq!((on(&first, "on-demand"), on(&first, "spot")), (4, 6));
    let rest: Vec<_> = p.iter().skip(10).collect();
    assert_eq!(
        rest.len(),
        3,
        "three tasks lived on the two interrupted instances"
    );
    assert_eq!((on(&rest, "on-demand"), on(&rest, "spot")), (1, 2));
    // Costs: 2 on-demand m5.large ($0.096) for the hour; 4 spot instances at 30% of it for the
    // hour (two end at 32m, and their replacements launch then).
    let c = &o.summary.costs;
    assert!(close(c.ec2, 2.0 * 0.096 + 4.0 * 0.096 * 0.3), "{c:?}");
    assert!(close(c.instance_hours, 6.0));
    let drains = activities(&o)
        .into_iter()
        .filter(|a| a.2 == ScalingActivityKind::Drain)
        .count();
    assert_eq!(drains, 2, "half of 4 spot instances");
}

/// DG cluster-auto-scaling: "When Amazon ECS scales out from 0 instances, it automatically
/// launches 2 instances"; the metric is 200 then (reference §5.3). 5 tasks of 1024 CPU / 3072 MiB
/// fit 2 per m5.large (2048 CPU, 7680 MiB registered): 3 instances needed; the third launches once
/// the first two are past their 300 s warm-up (at 60 + 300 s).
#[test]
fn scale_out_from_zero() {
    let o = run("scale-out-from-zero");
    let first = o
        .events()
        .find_map(|e| match &e.detail {
            EventDetail::CapacityProviderReservation {
                reservation,
                needed,
                running,
                change,
                ..
            } => Some((e.t.ms(), *reservation, *needed, *running, *change)),
            _ => None,
        })
        .expect("an evaluation");
    assert_eq!(first, (60_000, 200.0, 3, 0, 2));
    let launches: Vec<_> = activities(&o)
        .into_iter()
        .filter(|a| a.2 == ScalingActivityKind::Launch)
        .map(|a| (a.0, a.3))
        .collect();
    assert_eq!(launches, vec![(60, 2), (360, 1)]);
    // Billed from launch to the end (2 h): 2 × 7140 s + 1 × 6840 s at $0.096.
    let hours = (2.0 * 7140.0 + 6840.0) / 3600.0;
    assert!(close(o.summary.costs.instance_hours, hours));
    assert!(close(o.summary.costs.ec2, hours * 0.096));
}

/// 24 tasks of 1024 CPU / 4096 MiB fit 3 per m5.xlarge (15,xxx MiB registered): 8 instances in
/// both clusters; scaled in to 6 tasks, binpack leaves 2 instances holding tasks and spread 6.
#[test]
fn binpack_against_spread_under_managed_scaling() {
    let o = run("binpack-vs-spread-managed-scaling");
    let at_end = |cluster: &str| {
        o.timeseries()
            .filter(|r| o.world.cluster(r.cluster).name == cluster && r.capacity_provider.is_some())
            .last()
            .map(|r| r.instances_active)
            .expect("rows")
    };
    assert_eq!(at_end("binpack"), 2);
    assert_eq!(at_end("spread"), 6);
    let peak = |name: &str| {
        o.summary
            .capacity_providers
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.instances_peak)
    };
    assert_eq!(peak("binpack-asg"), Some(8));
    assert_eq!(peak("spread-asg"), Some(8));
}

/// distinctInstance: one task per instance. One instance to start with, so 3 of 4 tasks wait; the
/// metric packs them one per instance: M = 4 on N = 1, 400, and the group (one type, one zone)
/// launches desired − N = 3. At 30m the desired count doubles; maxSize 6 leaves two tasks that
/// never start: each waits 30 minutes and stops with TaskFailedToStart.
#[test]
fn distinct_instance_waits_in_provisioning() {
    let o = run("distinct-instance-provisioning");
    let waiting_at = |t: u64| {
        o.events()
            .filter(|e| e.t.ms() == t)
            .filter(|e| {
                matches!(
                    e.detail,
                    EventDetail::TaskStateChange {
                        last_status: TaskStatus::Provisioning,
                        ..
                    }
                )
            })
            .count()
    };
    assert_eq!(waiting_at(180_000), 3);
    assert_eq!(waiting_at(1_800_000), 4);
    let reading = o.events().find_map(|e| match &e.detail {
        EventDetail::CapacityProviderReservation {
            reservation,
            needed,
            running,
            change,
            ..
        } if e.t.ms() == 180_000 => Some((*reservation, *needed, *running, *change)),
        _ => None,
    });
    assert_eq!(reading, Some((400.0, 4, 1, 3)));
    let timed_out: Vec<u64> = o
        .events()
        .filter_map(|e| match &e.detail {
            EventDetail::TaskStateChange {
                last_status: TaskStatus::Stopped,
                stop_code: Some(ecsim_model::StopCode::TaskFailedToStart),
                ..
            } => Some(e.t.ms() / 1000),
            _ => None,
        })
        .collect();
    assert_eq!(&timed_out[..2], &[3600, 3600], "30 minutes after 1800 s");
    assert_eq!(
        o.world.cluster(ecsim_model::ClusterId(0)).provisioning_peak,
        4
    );
    assert_eq!(o.summary.counts.placement_failures_total(), 0);
}

/// Fargate costs recomputed from the task events: each task billed from PENDING to STOPPED (or the
/// end) at 0.5 vCPU × $0.04048 + 1 GB × $0.004445 per hour, FARGATE_SPOT at 30% of that; the
/// split (base 2 on FARGATE, then 1:2) puts 3 of the first 6 on each.
#[test]
fn fargate_spot_interrupted_during_a_deployment() {
    let o = run("fargate-spot-deployment");
    let p = placements(&o);
    let first: Vec<_> = p.iter().take(6).map(|(_, p)| p.clone().unwrap()).collect();
    assert_eq!(
        first,
        [
            "FARGATE",
            "FARGATE",
            "FARGATE_SPOT",
            "FARGATE",
            "FARGATE_SPOT",
            "FARGATE_SPOT"
        ]
    );
    let end = 3_600_000u64;
    let mut started: BTreeMap<TaskId, u64> = BTreeMap::new();
    let mut cost = 0.0;
    let mut vcpu_hours = 0.0;
    let rate = 0.5 * 0.04048 + 1.0 * 0.004445;
    let mut warnings = 0;
    for e in o.events() {
        if let EventDetail::TaskStateChange {
            task,
            spec,
            last_status,
            desired_status,
            stop_code,
            ..
        } = &e.detail
        {
            let s = o.world.spec(*spec);
            assert_eq!(s.launch_type, LaunchType::Fargate);
            if *last_status == TaskStatus::Pending {
                started.insert(*task, e.t.ms());
            }
            if *last_status == TaskStatus::Running
                && *desired_status == DesiredStatus::Stopped
                && *stop_code == Some(ecsim_model::StopCode::SpotInterruption)
            {
                warnings += 1;
            }
            if *last_status == TaskStatus::Stopped {
                let h = (e.t.ms() - started.remove(task).expect("started")) as f64 / 3_600_000.0;
                let spot = s.capacity_provider.as_deref() == Some("FARGATE_SPOT");
                cost += h * rate * if spot { 0.3 } else { 1.0 };
                vcpu_hours += h * 0.5;
            }
        }
    }
    for (task, t) in started {
        let h = (end - t) as f64 / 3_600_000.0;
        let spec = o.world.task(task).spec;
        let spot = o.world.spec(spec).capacity_provider.as_deref() == Some("FARGATE_SPOT");
        cost += h * rate * if spot { 0.3 } else { 1.0 };
        vcpu_hours += h * 0.5;
    }
    let c = &o.summary.costs;
    assert!(
        (c.fargate - cost).abs() < 1e-9,
        "{} against {cost}",
        c.fargate
    );
    assert!((c.fargate_vcpu_hours - vcpu_hours).abs() < 1e-9);
    assert!((c.fargate_gb_hours - 2.0 * vcpu_hours).abs() < 1e-9);
    assert_eq!(
        warnings, 4,
        "half of the 7 Spot tasks running at 21m, rounded up"
    );
    assert_eq!(c.ec2, 0.0);
}

/// Six instances, two per zone; us-east-1a's two terminate at 20m and are relaunched one in each
/// healthy zone; 9 instance-hours in all (4 × 1.5 h, 2 × 20 min, 2 × 70 min).
#[test]
fn a_zone_fails_under_an_auto_scaling_group() {
    let o = run("az-outage-auto-scaling-group");
    let acts = activities(&o);
    let at_20m: Vec<_> = acts
        .iter()
        .filter(|a| a.0 == 1200)
        .map(|a| (a.2, a.3))
        .collect();
    assert_eq!(
        at_20m,
        [
            (ScalingActivityKind::Terminate, 1),
            (ScalingActivityKind::Launch, 1),
            (ScalingActivityKind::Terminate, 1),
            (ScalingActivityKind::Launch, 1)
        ]
    );
    assert!(close(o.summary.costs.instance_hours, 9.0));
    // The replacements registered in the healthy zones.
    let mut zones: Vec<String> = o
        .world
        .instances
        .iter()
        .filter(|i| i.number > 6)
        .map(|i| i.availability_zone().unwrap_or("").to_string())
        .collect();
    zones.sort();
    assert_eq!(zones, ["us-east-1b", "us-east-1c"]);
    let snapshot = o.snapshots().next().expect("the 30m snapshot");
    match &snapshot.response {
        SnapshotResponse::Snapshot {
            container_instances,
            ..
        } => assert_eq!(container_instances.len(), 6),
        _ => panic!("a Snapshot"),
    }
}

/// With managed termination protection the scale-in takes the two empty (newest) instances; the
/// group's own policy takes the two oldest, which still run tasks: two TerminationNotice stops.
#[test]
fn termination_protection_takes_only_empty_instances() {
    let o = run("termination-protection-scale-in");
    let terminated: BTreeMap<String, Vec<u64>> = activities(&o)
        .into_iter()
        .filter(|a| a.2 == ScalingActivityKind::Terminate)
        .map(|a| {
            (
                a.1,
                a.4.iter().map(|&i| o.world.instance(i).number).collect(),
            )
        })
        .collect();
    // The groups launch in turn: 1–2 and 5–10 are the protected group's two scale-outs, 3–4 and
    // 11–16 the other's.
    assert_eq!(terminated["protected-asg"], [9, 10]);
    assert_eq!(terminated["unprotected-asg"], [3, 4]);
    assert_eq!(
        o.summary.counts.tasks_stopped.get("TerminationNotice"),
        Some(&2)
    );
}
