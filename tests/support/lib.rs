//! Fixtures shared by the cross-crate tests and the benchmarks: worlds and scenarios of a given size,
//! built deterministically from a seed.

use ecsim_kernel::{RandomStreams, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;

pub const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// A task definition with one container of this size and no ports.
pub fn simple_task_definition(family: &str, cpu: u32, memory_mib: u32) -> TaskDefinition {
    TaskDefinition {
        id: TaskDefId(0),
        family: family.to_string(),
        revision: 0,
        arn: String::new(),
        status: TaskDefStatus::Active,
        containers: vec![ContainerDefinition {
            name: "app".into(),
            image: "app".into(),
            cpu: Some(cpu),
            memory_mib: Some(memory_mib),
            memory_reservation_mib: None,
            port_mappings: vec![],
            gpus: 0,
            essential: true,
            depends_on: vec![],
            health_check: None,
            stop_timeout_s: None,
        }],
        container_start_order: vec![0],
        cpu: None,
        memory_mib: None,
        network_mode: NetworkMode::Bridge,
        requires_compatibilities: vec![],
        placement_constraints: vec![],
        simulation: Default::default(),
        registered_at: SimTime::ZERO,
    }
}

/// A cluster of `instances` m5.xlarge across three zones, with about `fill` of each instance's
/// memory already taken by tasks of group `family:filler` (random per instance, from `seed`).
pub fn filled_world(instances: usize, fill: f64, seed: u64) -> (World, ClusterId) {
    filled_world_in_pools(instances, fill, seed, 0)
}

/// The name of the k-th capacity provider of [`filled_world_in_pools`].
pub fn provider_name(k: usize) -> String {
    format!("cp-{k}")
}

/// [`filled_world`] with the instances registered with `providers` capacity providers in turn
/// (instance k with [`provider_name`]`(k % providers)`, so each provider spans the three zones);
/// none for 0.
pub fn filled_world_in_pools(
    instances: usize,
    fill: f64,
    seed: u64,
    providers: usize,
) -> (World, ClusterId) {
    let mut world = World::new("us-east-1", "123456789012", 0);
    let c = world.create_cluster("bench");
    let catalog = InstanceTypeCatalog::builtin();
    let t = catalog.get("m5.xlarge").expect("m5.xlarge").clone();
    let names: Vec<std::sync::Arc<str>> = (0..providers)
        .map(|k| std::sync::Arc::from(provider_name(k)))
        .collect();
    for k in 0..instances {
        world.add_instance(c, None, |i| {
            if providers > 0 {
                i.capacity_provider = Some(names[k % providers].clone());
            }
            i.registered = Resources {
                cpu: t.registered_cpu(),
                memory_mib: t.registered_memory_mib,
                gpus: 0,
                enis: t.max_enis - 1,
            };
            i.registered_tcp_ports = Box::new([22, 2375, 2376, 51678, 51679, 51680]);
            i.agent_version = "1.101.2".into();
            i.attributes
                .insert("ecs.availability-zone", Some(ZONES[k % 3]));
            i.attributes.insert("ecs.instance-type", Some("m5.xlarge"));
        });
    }
    let filler = world.register_task_definition(simple_task_definition("filler", 128, 256));
    let group = world.intern_group("family:filler");
    let mut rng = RandomStreams::new(seed).stream("fixture");
    for k in 0..instances {
        // Uniform in 0..=2*fill*15 fillers (each 1/16 of the instance's CPU), so the mean is `fill`.
        let n = rng.below((fill * 2.0 * 15.0) as u64 + 1).min(15);
        for _ in 0..n {
            let requirements = world
                .task_definition(filler)
                .requirements(&TaskOverride::default());
            place_new_task(
                &mut world,
                c,
                filler,
                group,
                &requirements,
                InstanceId(k as u32),
            );
        }
    }
    world.sync_index();
    (world, c)
}

/// The spec of tasks of `def` in `group` with these requirements: an existing one, or a new one.
pub fn spec_for(
    world: &mut World,
    cluster: ClusterId,
    def: TaskDefId,
    group: GroupId,
    requirements: &TaskRequirements,
) -> SpecId {
    let found = (0..world.spec_count())
        .rev()
        .map(|k| SpecId(k as u32))
        .find(|&id| {
            let s = world.spec(id);
            s.cluster == cluster
                && s.task_definition == def
                && s.group == group
                && s.requirements == *requirements
        });
    found.unwrap_or_else(|| {
        world.add_spec(TaskSpec::simple(cluster, def, group, requirements.clone()))
    })
}

/// Creates a task of `def` in `group` and places it on `instance` (as the engine would), for
/// benches and tests that drive placement without the event loop.
pub fn place_new_task(
    world: &mut World,
    cluster: ClusterId,
    def: TaskDefId,
    group: GroupId,
    requirements: &TaskRequirements,
    instance: InstanceId,
) -> TaskId {
    let spec = spec_for(world, cluster, def, group, requirements);
    let task = world.add_task(Task::new(spec, cluster, SimTime::ZERO));
    world.place_task(task, instance);
    world.sync_index();
    task
}

/// The end-to-end workload of the performance floor: `instances` m5.xlarge across three zones, then
/// `tasks` RunTask tasks (10 per call) with spread(zone)+binpack(memory), arriving evenly over an hour,
/// each running 5–15 minutes. Returns the scenario file's text.
pub fn runtask_scenario_json(instances: usize, tasks: usize) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(tasks * 40 + 4096);
    let _ = write!(
        s,
        r#"{{"schemaVersion": 1, "name": "runtask-{tasks}-on-{instances}", "seed": 1, "horizon": "2h", "sampleInterval": "60s",
"actions": [
{{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "perf"}}}},
{{"at": 0, "action": "LaunchContainerInstances", "input": {{"cluster": "perf", "instanceType": "m5.xlarge", "count": {instances}, "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}}},
{{"at": 0, "action": "RegisterTaskDefinition", "input": {{"family": "job", "containerDefinitions": [{{"name": "work", "image": "batch", "cpu": 256, "memory": 512}}]}},
  "simulation": {{"runDuration": {{"dist": "uniform", "min": "5m", "max": "15m"}}}}}}"#
    );
    let calls = tasks.div_ceil(10);
    for k in 0..calls {
        let count = (tasks - k * 10).min(10);
        let at_ms = 120_000 + (k as u64 * 3_600_000) / calls as u64;
        let _ = write!(
            s,
            ",\n{{\"at\": \"{at_ms}ms\", \"action\": \"RunTask\", \"input\": {{\"cluster\": \"perf\", \"taskDefinition\": \"job\", \"count\": {count}, \"placementStrategy\": [{{\"type\": \"spread\", \"field\": \"attribute:ecs.availability-zone\"}}, {{\"type\": \"binpack\", \"field\": \"memory\"}}]}}}}"
        );
    }
    s.push_str("\n],\n\"assertions\": [{\"type\": \"maxPlacementFailures\", \"atMost\": 0}]}\n");
    s
}

/// The whole-scenario service workload of the services bench: `instances` m5.xlarge across three
/// zones, `services` REPLICA services (desired 2–10, 256–1024 cpu units, 512–2048 MiB, the default
/// spread), every one redeployed once with a new revision, the redeployments spread over the day.
/// One simulated day. Returns the scenario file's text.
pub fn services_scenario_json(instances: usize, services: usize) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(services * 600 + 4096);
    let _ = write!(
        s,
        r#"{{"schemaVersion": 1, "name": "services-{services}-on-{instances}", "seed": 1, "horizon": "1d", "sampleInterval": "60s",
"actions": [
{{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "perf"}}}},
{{"at": 0, "action": "LaunchContainerInstances", "input": {{"cluster": "perf", "instanceType": "m5.xlarge", "count": {instances}, "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}}}"#
    );
    for k in 0..services {
        let cpu = 256 << (k % 3);
        let memory = 512 << (k % 3);
        for image in ["app:1", "app:2"] {
            let _ = write!(
                s,
                ",\n{{\"at\": 0, \"action\": \"RegisterTaskDefinition\", \"input\": {{\"family\": \"svc{k}\", \"containerDefinitions\": [{{\"name\": \"app\", \"image\": \"{image}\", \"cpu\": {cpu}, \"memory\": {memory}, \"portMappings\": [{{\"containerPort\": 8080, \"hostPort\": 0}}]}}]}}}}"
            );
        }
        let desired = 2 + k % 9;
        let _ = write!(
            s,
            ",\n{{\"at\": \"2m\", \"action\": \"CreateService\", \"input\": {{\"cluster\": \"perf\", \"serviceName\": \"svc{k}\", \"taskDefinition\": \"svc{k}:1\", \"desiredCount\": {desired}}}}}"
        );
    }
    for k in 0..services {
        // Redeployments from 30 minutes in, spread evenly over the next 22 hours.
        let at_ms = 1_800_000 + (k as u64 * 22 * 3_600_000) / services as u64;
        let _ = write!(
            s,
            ",\n{{\"at\": \"{at_ms}ms\", \"action\": \"UpdateService\", \"input\": {{\"cluster\": \"perf\", \"service\": \"svc{k}\", \"taskDefinition\": \"svc{k}:2\"}}}}"
        );
    }
    s.push_str("\n],\n\"assertions\": [{\"type\": \"maxPlacementFailures\", \"atMost\": 0}]}\n");
    s
}

/// The C1M shape (issue "The engine at scale"): `instances` m5.2xlarge across three zones, then
/// `services` REPLICA services of `tasks` tasks each (32 CPU units, 128 MiB), all created at 2 minutes,
/// placed by spread(zone) then binpack(memory); ten simulated minutes. With the defaults (5,000,
/// 1,000, 1,000) it places a million tasks.
pub fn c1m_scenario_json(instances: usize, services: usize, tasks: usize) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(services * 400 + 4096);
    let _ = write!(
        s,
        r#"{{"schemaVersion": 1, "name": "c1m-{services}x{tasks}-on-{instances}", "seed": 1, "horizon": "10m", "sampleInterval": "60s",
"actions": [
{{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "c1m"}}}},
{{"at": 0, "action": "LaunchContainerInstances", "input": {{"cluster": "c1m", "instanceType": "m5.2xlarge", "count": {instances}, "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}}},
{{"at": 0, "action": "RegisterTaskDefinition", "input": {{"family": "app", "containerDefinitions": [{{"name": "app", "image": "app", "cpu": 32, "memory": 128}}]}}}}"#
    );
    for k in 0..services {
        let _ = write!(
            s,
            ",\n{{\"at\": \"2m\", \"action\": \"CreateService\", \"input\": {{\"cluster\": \"c1m\", \"serviceName\": \"svc{k}\", \"taskDefinition\": \"app:1\", \"desiredCount\": {tasks}, \"placementStrategy\": [{{\"type\": \"spread\", \"field\": \"attribute:ecs.availability-zone\"}}, {{\"type\": \"binpack\", \"field\": \"memory\"}}]}}}}"
        );
    }
    s.push_str("\n],\n\"assertions\": [{\"type\": \"maxPlacementFailures\", \"atMost\": 0}]}\n");
    s
}

/// A simulated week (issue "The engine at scale"): `instances` m5.xlarge across three zones,
/// `services` REPLICA services of `tasks` tasks each (256 CPU units, 512 MiB, a dynamic port) on the
/// default strategy (spread zone, then instance), each redeployed once a day (forceNewDeployment),
/// the redeployments of a day spread evenly over it; `days` simulated days.
pub fn week_scenario_json(instances: usize, services: usize, tasks: usize, days: u64) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(services * (200 + 200 * days as usize) + 4096);
    let _ = write!(
        s,
        r#"{{"schemaVersion": 1, "name": "week-{services}x{tasks}-on-{instances}", "seed": 1, "horizon": "{days}d", "sampleInterval": "60s",
"actions": [
{{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "week"}}}},
{{"at": 0, "action": "LaunchContainerInstances", "input": {{"cluster": "week", "instanceType": "m5.xlarge", "count": {instances}, "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}}},
{{"at": 0, "action": "RegisterTaskDefinition", "input": {{"family": "app", "containerDefinitions": [{{"name": "app", "image": "app", "cpu": 256, "memory": 512, "portMappings": [{{"containerPort": 8080, "hostPort": 0}}]}}]}}}}"#
    );
    for k in 0..services {
        let _ = write!(
            s,
            ",\n{{\"at\": \"2m\", \"action\": \"CreateService\", \"input\": {{\"cluster\": \"week\", \"serviceName\": \"svc{k}\", \"taskDefinition\": \"app:1\", \"desiredCount\": {tasks}}}}}"
        );
    }
    for day in 0..days {
        for k in 0..services {
            // From 10 minutes into each day, spread evenly over the rest of it.
            let at_ms = day * 86_400_000 + 600_000 + (k as u64 * 85_000_000) / services as u64;
            let _ = write!(
                s,
                ",\n{{\"at\": \"{at_ms}ms\", \"action\": \"UpdateService\", \"input\": {{\"cluster\": \"week\", \"service\": \"svc{k}\", \"forceNewDeployment\": true}}}}"
            );
        }
    }
    s.push_str("\n],\n\"assertions\": [{\"type\": \"maxPlacementFailures\", \"atMost\": 0}]}\n");
    s
}

/// Issue "Capacity providers": a simulated day of `services` REPLICA services spread over four
/// Auto Scaling group capacity providers of m5.xlarge across three zones, at most `instances` in
/// all. Each service follows a daily curve (its desired count changes every hour between 10 and
/// 30 tasks of 512 CPU, binpack on CPU), so that at the peak the fleet needs most of its
/// instances. With `managed`, managed scaling (target 100%) grows the groups from 25 instances
/// each and gives instances back as the curve falls; without it the groups hold `instances` all
/// day, the same workload on a fixed fleet.
pub fn managed_day_scenario_json(instances: usize, services: usize, managed: bool) -> String {
    use std::fmt::Write;
    const PROVIDERS: usize = 4;
    let per_group = instances / PROVIDERS;
    let mut s = String::with_capacity(services * 24 * 160 + 8192);
    let _ = write!(
        s,
        r#"{{"schemaVersion": 1, "name": "managed-day-{services}-on-{instances}-{}", "seed": 1, "horizon": "1d", "sampleInterval": "60s",
"actions": ["#,
        if managed { "managed" } else { "fixed" }
    );
    for k in 0..PROVIDERS {
        let (scaling, desired) = if managed {
            (
                r#", "managedScaling": {"status": "ENABLED", "targetCapacity": 100, "maximumScalingStepSize": 100, "instanceWarmupPeriod": 120}"#,
                25.min(per_group),
            )
        } else {
            ("", per_group)
        };
        let _ = write!(
            s,
            "{}\n{{\"at\": 0, \"action\": \"CreateCapacityProvider\", \"input\": {{\"name\": \"cp{k}\", \"autoScalingGroupProvider\": {{\"autoScalingGroupArn\": \"asg-{k}\"{scaling}}}}}, \"simulation\": {{\"autoScalingGroup\": {{\"instanceTypes\": [\"m5.xlarge\"], \"availabilityZones\": [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"], \"minSize\": 0, \"maxSize\": {per_group}, \"desiredCapacity\": {desired}}}}}}}",
            if k == 0 { "" } else { "," }
        );
    }
    s.push_str(
        ",\n{\"at\": 0, \"action\": \"CreateCluster\", \"input\": {\"clusterName\": \"day\", \"capacityProviders\": [\"cp0\", \"cp1\", \"cp2\", \"cp3\"]}}",
    );
    s.push_str(",\n{\"at\": 0, \"action\": \"RegisterTaskDefinition\", \"input\": {\"family\": \"app\", \"containerDefinitions\": [{\"name\": \"app\", \"image\": \"app\", \"cpu\": 512, \"memory\": 1024}]}}");
    // The daily curve: 10 tasks at night, 30 at the peak in the afternoon.
    let curve = |hour: u64| -> u64 {
        let x = (hour as f64 - 15.0) / 24.0 * std::f64::consts::TAU;
        (20.0 + 10.0 * x.cos()).round() as u64
    };
    for k in 0..services {
        let (a, b) = (k % PROVIDERS, (k + 1) % PROVIDERS);
        let _ = write!(
            s,
            ",\n{{\"at\": \"2m\", \"action\": \"CreateService\", \"input\": {{\"cluster\": \"day\", \"serviceName\": \"svc{k}\", \"taskDefinition\": \"app:1\", \"desiredCount\": {}, \"capacityProviderStrategy\": [{{\"capacityProvider\": \"cp{a}\", \"base\": 2, \"weight\": 2}}, {{\"capacityProvider\": \"cp{b}\", \"weight\": 1}}], \"placementStrategy\": [{{\"type\": \"binpack\", \"field\": \"cpu\"}}]}}}}",
            curve(0)
        );
    }
    for hour in 1..24u64 {
        for k in 0..services {
            // Spread over the first ten minutes of the hour.
            let at_ms = hour * 3_600_000 + (k as u64 * 600_000) / services as u64;
            let _ = write!(
                s,
                ",\n{{\"at\": \"{at_ms}ms\", \"action\": \"UpdateService\", \"input\": {{\"cluster\": \"day\", \"service\": \"svc{k}\", \"desiredCount\": {}}}}}",
                curve(hour)
            );
        }
    }
    s.push_str("\n]}\n");
    s
}
