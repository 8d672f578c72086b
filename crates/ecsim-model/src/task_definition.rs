//! Task definitions (family:revision), their containers, and what a task of them reserves.

use crate::ids::TaskDefId;
use crate::timings::Timings;
use ecsim_kernel::{Distribution, SimDuration, SimTime};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskDefStatus {
    Active,
    Inactive,
}

/// API: TaskDefinition.networkMode. EC2 Linux default is bridge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkMode {
    Bridge,
    Host,
    Awsvpc,
    None,
}

impl NetworkMode {
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
            NetworkMode::Awsvpc => "awsvpc",
            NetworkMode::None => "none",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compatibility {
    Ec2,
    Fargate,
    External,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
}

/// API: PortMapping. `host_port` None or 0 in bridge mode asks for a dynamic port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortMapping {
    pub container_port: Option<u16>,
    pub host_port: Option<u16>,
    pub protocol: Protocol,
}

impl NetworkMode {
    /// Whether its port mappings bind ports of the host. awsvpc ports live on the task's own ENI;
    /// `none` has no ports (API: TaskDefinition.networkMode).
    pub fn binds_host_ports(self) -> bool {
        matches!(self, NetworkMode::Bridge | NetworkMode::Host)
    }
}

impl PortMapping {
    /// The static host port this mapping binds in `mode`, or None for a dynamic one (bridge mode,
    /// hostPort 0 or absent). API: PortMapping.hostPort — in host mode the host port is the
    /// container port. Meaningful only where `mode.binds_host_ports()`.
    pub fn static_host_port(&self, mode: NetworkMode) -> Option<u16> {
        let port = match mode {
            NetworkMode::Host => self.host_port.or(self.container_port),
            _ => self.host_port,
        };
        port.filter(|&p| p != 0)
    }
}

/// API: ContainerDependency.condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DependencyCondition {
    Start,
    Complete,
    Success,
    Healthy,
}

/// API: HealthCheck, with the documented defaults filled in (seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    pub interval_s: u32,
    pub timeout_s: u32,
    pub retries: u32,
    pub start_period_s: u32,
}

/// API: ContainerDefinition, the fields that matter to placement and scheduling.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: String,
    pub cpu: Option<u32>,
    pub memory_mib: Option<u32>,
    pub memory_reservation_mib: Option<u32>,
    pub port_mappings: Vec<PortMapping>,
    pub gpus: u32,
    pub essential: bool,
    pub depends_on: Vec<(String, DependencyCondition)>,
    pub health_check: Option<HealthCheck>,
    pub stop_timeout_s: Option<u32>,
}

/// A placement constraint, with its expression compiled once.
#[derive(Clone, Debug)]
pub enum PlacementConstraint {
    MemberOf(Arc<ecsim_query::Expression>),
    DistinctInstance,
}

impl PlacementConstraint {
    pub fn type_name(&self) -> &'static str {
        match self {
            PlacementConstraint::MemberOf(_) => "memberOf",
            PlacementConstraint::DistinctInstance => "distinctInstance",
        }
    }
}

/// What ECS does not know and ecsim simulates (the `simulation` block of SPEC §3).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskSimulation {
    pub timings: Timings,
    /// Tasks with a run duration exit by themselves (EssentialContainerExited) after it.
    pub run_duration: Option<Distribution>,
    pub fail_to_start_probability: Option<f64>,
    pub crash_after: Option<Distribution>,
    pub unhealthy_probability: Option<f64>,
    /// A service behind a load balancer (`loadBalancers` on CreateService, SPEC §7): how its
    /// targets behave. Set by the service, never by a task definition.
    pub load_balancer: Option<LoadBalancerTiming>,
}

/// A service task's target in its load balancer's target group (SPEC §7): registered while the
/// task is ACTIVATING (5 s), healthy once the target group's health check passes,
/// `healthy_after` after RUNNING (default 150 s: the ELB defaults of 5 checks 30 s apart), and
/// deregistered while the task is DEACTIVATING, for `deregistration_delay` (default 300 s, the
/// target group's default) before STOPPING.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadBalancerTiming {
    pub healthy_after: SimDuration,
    pub deregistration_delay: SimDuration,
}

impl Default for LoadBalancerTiming {
    fn default() -> Self {
        LoadBalancerTiming {
            healthy_after: SimDuration::from_seconds(150),
            deregistration_delay: SimDuration::from_seconds(300),
        }
    }
}

impl TaskSimulation {
    /// `self` where set, else `fallback`, key by key (SPEC §3: the action's block, then the task
    /// definition's).
    pub fn or(&self, fallback: &TaskSimulation) -> TaskSimulation {
        TaskSimulation {
            timings: self.timings.or(&fallback.timings),
            run_duration: self
                .run_duration
                .clone()
                .or_else(|| fallback.run_duration.clone()),
            fail_to_start_probability: self
                .fail_to_start_probability
                .or(fallback.fail_to_start_probability),
            crash_after: self
                .crash_after
                .clone()
                .or_else(|| fallback.crash_after.clone()),
            unhealthy_probability: self
                .unhealthy_probability
                .or(fallback.unhealthy_probability),
            load_balancer: self.load_balancer.or(fallback.load_balancer),
        }
    }
}

/// A registered task definition revision.
#[derive(Clone, Debug)]
pub struct TaskDefinition {
    pub id: TaskDefId,
    pub family: String,
    pub revision: u32,
    pub arn: String,
    pub status: TaskDefStatus,
    pub containers: Vec<ContainerDefinition>,
    /// Container indices in start order (dependencies first), from the dependsOn DAG.
    pub container_start_order: Vec<usize>,
    pub cpu: Option<u32>,
    pub memory_mib: Option<u32>,
    pub network_mode: NetworkMode,
    pub requires_compatibilities: Vec<Compatibility>,
    pub placement_constraints: Vec<PlacementConstraint>,
    pub simulation: TaskSimulation,
    pub registered_at: SimTime,
}

/// Everything placement needs to know about one task: its reservation and its needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskRequirements {
    pub cpu: u32,
    pub memory_mib: u32,
    pub gpus: u32,
    /// Static host ports (non-zero hostPort, or containerPort in host mode).
    pub static_tcp_ports: Vec<u16>,
    pub static_udp_ports: Vec<u16>,
    /// Port mappings that take a dynamic host port (bridge mode, hostPort 0 or absent).
    pub dynamic_tcp_ports: u16,
    pub dynamic_udp_ports: u16,
    /// awsvpc tasks use one ENI each.
    pub enis: u32,
    /// Attributes the instance must have (e.g. `ecs.capability.task-eni` for awsvpc).
    pub required_attributes: Vec<String>,
}

/// Per-container overrides of a RunTask/StartTask (API: ContainerOverride).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerOverride {
    pub name: String,
    pub cpu: Option<u32>,
    pub memory_mib: Option<u32>,
    pub memory_reservation_mib: Option<u32>,
    /// API ContainerOverride.resourceRequirements: the container's GPUs "instead of the default
    /// value from the task definition" (None: the task definition's).
    pub gpus: Option<u32>,
}

/// Task-level overrides (API: TaskOverride).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskOverride {
    pub cpu: Option<u32>,
    pub memory_mib: Option<u32>,
    pub containers: Vec<ContainerOverride>,
}

impl TaskDefinition {
    /// The task group of its standalone tasks when none is given (API: RunTask.group — "The default
    /// value is the family name of the task definition (for example, family:my-family-name)").
    pub fn default_group(&self) -> String {
        format!("family:{}", self.family)
    }

    /// `family:revision`.
    pub fn family_revision(&self) -> String {
        format!("{}:{}", self.family, self.revision)
    }

    /// The task's reservation and needs under `overrides`.
    ///
    /// RULE (SPEC §4, task reservation): task-level cpu/memory when given; otherwise the sum over
    /// containers of `cpu` (missing = 0) and of `memoryReservation` if set else `memory`.
    /// API: ContainerDefinition.memoryReservation — "that value is subtracted from the available
    /// memory resources"; otherwise the value of `memory` is used.
    pub fn requirements(&self, overrides: &TaskOverride) -> TaskRequirements {
        let mut sum_cpu = 0u32;
        let mut sum_mem = 0u32;
        let mut gpus = 0u32;
        let mut req = TaskRequirements::default();
        for c in &self.containers {
            let o = overrides.containers.iter().find(|o| o.name == c.name);
            let cpu = o.and_then(|o| o.cpu).or(c.cpu).unwrap_or(0);
            let mem = o.and_then(|o| o.memory_mib).or(c.memory_mib);
            let res = o
                .and_then(|o| o.memory_reservation_mib)
                .or(c.memory_reservation_mib);
            sum_cpu = sum_cpu.saturating_add(cpu);
            sum_mem = sum_mem.saturating_add(res.or(mem).unwrap_or(0));
            gpus = gpus.saturating_add(o.and_then(|o| o.gpus).unwrap_or(c.gpus));
            for pm in c
                .port_mappings
                .iter()
                .filter(|_| self.network_mode.binds_host_ports())
            {
                match (pm.static_host_port(self.network_mode), pm.protocol) {
                    (Some(p), Protocol::Tcp) => req.static_tcp_ports.push(p),
                    (Some(p), Protocol::Udp) => req.static_udp_ports.push(p),
                    (None, Protocol::Tcp) => req.dynamic_tcp_ports += 1,
                    (None, Protocol::Udp) => req.dynamic_udp_ports += 1,
                }
            }
        }
        req.cpu = overrides.cpu.or(self.cpu).unwrap_or(sum_cpu);
        req.memory_mib = overrides.memory_mib.or(self.memory_mib).unwrap_or(sum_mem);
        req.gpus = gpus;
        req.static_tcp_ports.sort_unstable();
        req.static_udp_ports.sort_unstable();
        if self.network_mode == NetworkMode::Awsvpc {
            req.enis = 1;
            req.required_attributes
                .push("ecs.capability.task-eni".to_string());
        }
        req
    }

    /// The containers in start order: dependencies first (API: ContainerDefinition.dependsOn), as
    /// computed at registration; definition order when no order was computed.
    pub fn containers_in_start_order(&self) -> impl Iterator<Item = &ContainerDefinition> {
        let ordered = self.container_start_order.len() == self.containers.len();
        (0..self.containers.len()).map(move |k| {
            &self.containers[if ordered {
                self.container_start_order[k]
            } else {
                k
            }]
        })
    }

    /// How long the agent waits for the task's containers to stop before killing them, seconds: the
    /// longest of its containers' `stopTimeout`, a container without one waiting the agent's default
    /// of 30 s (API: ContainerDefinition.stopTimeout; ECS_CONTAINER_STOP_TIMEOUT).
    pub fn stop_timeout_s(&self) -> u32 {
        self.containers
            .iter()
            .map(|c| c.stop_timeout_s.unwrap_or(30))
            .max()
            .unwrap_or(30)
    }

    pub fn has_essential_health_check(&self) -> bool {
        self.containers
            .iter()
            .any(|c| c.essential && c.health_check.is_some())
    }
}
