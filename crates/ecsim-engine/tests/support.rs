//! Builders for hand-made scenarios in engine tests.
#![allow(dead_code)]

use ecsim_engine::*;
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::task_definition::TaskOverride;
use ecsim_model::*;

pub fn at(s: u64) -> SimTime {
    SimTime(s * 1000)
}

pub fn push(sc: &mut Scenario, t: SimTime, name: &str, action: Action) {
    let index = sc.actions.len();
    sc.actions.push(ScheduledAction {
        at: t,
        index,
        name: name.to_string(),
        input_json: "{}".to_string(),
        label: None,
        action,
    });
}

pub fn cluster(sc: &mut Scenario, name: &str) {
    push(
        sc,
        SimTime::ZERO,
        "CreateCluster",
        Action::CreateCluster(Box::new(ecsim_engine::CreateCluster {
            cluster_name: name.to_string(),
            ..Default::default()
        })),
    );
}

pub fn launch(
    sc: &mut Scenario,
    t: SimTime,
    cluster: &str,
    instance_type: &str,
    count: u32,
    zones: &[&str],
) {
    push(
        sc,
        t,
        "LaunchContainerInstances",
        Action::LaunchContainerInstances(LaunchContainerInstances {
            cluster: cluster.to_string(),
            instance_type: instance_type.to_string(),
            count,
            availability_zones: zones.iter().map(|s| s.to_string()).collect(),
            attributes: vec![],
            tags: Vec::new(),
            image_id: None,
            capacity_provider: None,
            timings: Timings::default(),
        }),
    );
}

pub fn container(name: &str, cpu: u32, memory: u32, ports: &[(u16, u16)]) -> ContainerDefinition {
    ContainerDefinition {
        name: name.to_string(),
        image: "nginx".to_string(),
        cpu: Some(cpu),
        memory_mib: Some(memory),
        memory_reservation_mib: None,
        port_mappings: ports
            .iter()
            .map(|&(c, h)| PortMapping {
                container_port: Some(c),
                host_port: Some(h),
                protocol: Protocol::Tcp,
            })
            .collect(),
        gpus: 0,
        essential: true,
        depends_on: vec![],
        health_check: None,
        stop_timeout_s: None,
    }
}

pub fn task_def(
    family: &str,
    containers: Vec<ContainerDefinition>,
    simulation: TaskSimulation,
) -> TaskDefinition {
    TaskDefinition {
        id: TaskDefId(0),
        family: family.to_string(),
        revision: 0,
        arn: String::new(),
        status: TaskDefStatus::Active,
        container_start_order: (0..containers.len()).collect(),
        containers,
        cpu: None,
        memory_mib: None,
        network_mode: NetworkMode::Bridge,
        requires_compatibilities: vec![],
        placement_constraints: vec![],
        simulation,
        registered_at: SimTime::ZERO,
    }
}

pub fn register(sc: &mut Scenario, t: SimTime, def: TaskDefinition) {
    push(
        sc,
        t,
        "RegisterTaskDefinition",
        Action::RegisterTaskDefinition(Box::new(def)),
    );
}

pub fn run_task(
    sc: &mut Scenario,
    t: SimTime,
    cluster: &str,
    td: &str,
    count: u32,
    strategy: Vec<ecsim_placement::PlacementStrategy>,
) {
    push(
        sc,
        t,
        "RunTask",
        Action::RunTask(RunTask {
            cluster: cluster.to_string(),
            task_definition: td.to_string(),
            count,
            group: None,
            started_by: None,
            launch_type: None,
            capacity_provider_strategy: None,
            subnets: Vec::new(),
            overrides: TaskOverride::default(),
            placement_constraints: vec![],
            placement_strategy: strategy,
            simulation: None,
        }),
    );
}

pub fn horizon(sc: &mut Scenario, seconds: u64) {
    sc.horizon = SimDuration::from_seconds(seconds);
}

/// A CreateService request with the defaults of a plain EC2 service.
pub fn service_request(
    cluster: &str,
    name: &str,
    td: &str,
    desired: u32,
    strategy: ecsim_engine::service::SchedulingStrategy,
    config: ecsim_engine::service::DeploymentConfigurationInput,
) -> CreateService {
    CreateService {
        cluster: cluster.to_string(),
        service_name: name.to_string(),
        task_definition: Some(td.to_string()),
        desired_count: desired,
        scheduling_strategy: strategy,
        controller: ecsim_engine::service::DeploymentController::Ecs,
        launch_type: Some(LaunchType::Ec2),
        capacity_provider_strategy: None,
        subnets: Vec::new(),
        deployment_configuration: config,
        placement_constraints: vec![],
        placement_strategy: vec![],
        health_check_grace_period_s: 0,
        simulation: None,
    }
}

pub fn create_service(
    sc: &mut Scenario,
    t: SimTime,
    cluster: &str,
    name: &str,
    td: &str,
    desired: u32,
    config: ecsim_engine::service::DeploymentConfigurationInput,
) {
    let strategy = ecsim_engine::service::SchedulingStrategy::Replica;
    let request = service_request(cluster, name, td, desired, strategy, config);
    push(
        sc,
        t,
        "CreateService",
        Action::CreateService(Box::new(request)),
    );
}

pub fn daemon_service(sc: &mut Scenario, t: SimTime, cluster: &str, name: &str, td: &str) {
    let strategy = ecsim_engine::service::SchedulingStrategy::Daemon;
    let request = service_request(cluster, name, td, 0, strategy, Default::default());
    push(
        sc,
        t,
        "CreateService",
        Action::CreateService(Box::new(request)),
    );
}

pub fn update_service(sc: &mut Scenario, t: SimTime, u: UpdateService) {
    push(sc, t, "UpdateService", Action::UpdateService(Box::new(u)));
}

pub fn percent(min: u32, max: u32) -> ecsim_engine::service::DeploymentConfigurationInput {
    ecsim_engine::service::DeploymentConfigurationInput {
        minimum_healthy_percent: Some(min),
        maximum_percent: Some(max),
        circuit_breaker: None,
    }
}

/// The `ECS Service Action` messages of a run, with their times in seconds.
pub fn service_messages(out: &RunOutput) -> Vec<(u64, String)> {
    out.events()
        .filter_map(|e| match &e.detail {
            EventDetail::ServiceAction { message, .. } => {
                Some((e.t.seconds(), message.to_string()))
            }
            _ => None,
        })
        .collect()
}
