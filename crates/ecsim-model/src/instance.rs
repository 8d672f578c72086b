//! Container instances: status, agent, registered and reserved resources, ports, attributes, task groups.

use crate::ids::{ClusterId, GroupId, InstanceId, TaskId};
use ecsim_kernel::SimTime;
use std::collections::BTreeSet;
use std::sync::Arc;

/// API: ContainerInstance.status. REGISTERING and DEREGISTERING are instantaneous here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum InstanceStatus {
    Active,
    Draining,
    Inactive,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Active => "ACTIVE",
            InstanceStatus::Draining => "DRAINING",
            InstanceStatus::Inactive => "INACTIVE",
        }
    }
}

/// The integer resources of an instance (API: Resource of type INTEGER, plus ENIs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu: u32,
    pub memory_mib: u32,
    pub gpus: u32,
    pub enis: u32,
}

/// API: Attribute. A capability attribute has no value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attribute {
    pub name: String,
    pub value: Option<String>,
}

/// The attribute of ECS Anywhere instances.
pub const EXTERNAL_CAPABILITY: &str = "ecs.capability.external";

/// The dynamic host-port range of the Linux agent (API: PortMapping.hostPort).
pub const DYNAMIC_PORT_FIRST: u16 = 49153;
pub const DYNAMIC_PORT_LAST: u16 = 65535;
/// API: PortMapping — "A container instance can have up to 100 reserved ports at a time".
pub const MAX_RESERVED_PORTS: usize = 100;

/// An instance's attributes (API: ContainerInstance.attributes), sorted by name: a capability has
/// no value. Names and values are shared strings (the world shares one copy among the instances
/// that have them), so the thousands of instances of a fleet hold a few hundred bytes each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    entries: Vec<(Arc<str>, Option<Arc<str>>)>,
}

impl Attributes {
    fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(n, _)| (**n).cmp(name))
    }

    /// The attribute: `Some(None)` for a capability, `Some(Some(v))` for a value.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.find(name).ok().map(|k| self.entries[k].1.as_deref())
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Sets (or replaces) an attribute.
    pub fn insert(&mut self, name: &str, value: Option<&str>) {
        self.insert_shared(Arc::from(name), value.map(Arc::from));
    }

    /// Sets (or replaces) an attribute with strings already shared.
    pub fn insert_shared(&mut self, name: Arc<str>, value: Option<Arc<str>>) {
        match self.find(&name) {
            Ok(k) => self.entries[k].1 = value,
            Err(k) => self.entries.insert(k, (name, value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        if let Ok(k) = self.find(name) {
            self.entries.remove(k);
        }
    }

    /// The attributes in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.entries.iter().map(|(n, v)| (&**n, v.as_deref()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replaces each name and value by the shared copy `share` gives for its text.
    pub fn share(&mut self, mut share: impl FnMut(&str) -> Arc<str>) {
        for (n, v) in &mut self.entries {
            *n = share(n);
            if let Some(v) = v {
                *v = share(v);
            }
        }
        self.entries.shrink_to_fit();
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = (&'a str, Option<&'a str>);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, Option<&'a str>)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// One container instance of a cluster.
#[derive(Clone, Debug)]
pub struct ContainerInstance {
    pub id: InstanceId,
    pub cluster: ClusterId,
    /// The n-th instance of the run: `i-` + 17 hex digits of n (SPEC §9).
    pub ec2_instance_id: String,
    /// Its number in the run: its ARN ends in it as 32 hex digits (`World::instance_arn`).
    pub number: u64,
    pub status: InstanceStatus,
    pub agent_connected: bool,
    /// Shared with the other instances of that version.
    pub agent_version: Arc<str>,
    pub capacity_provider: Option<Arc<str>>,
    pub registered_at: SimTime,
    /// When it left the cluster (deregistered or terminated).
    pub deregistered_at: Option<SimTime>,
    /// True for an EC2 instance that was terminated (not just deregistered).
    pub terminated: bool,
    /// Registered resources (API: registeredResources).
    pub registered: Resources,
    /// What tasks hold now; remaining = registered - reserved (API: remainingResources).
    pub reserved: Resources,
    /// Ports the agent reserves (API: registeredResources PORTS / PORTS_UDP).
    pub registered_tcp_ports: Vec<u16>,
    pub registered_udp_ports: Vec<u16>,
    /// Every TCP/UDP host port in use: registered, static task ports and dynamic task ports.
    pub used_tcp_ports: BTreeSet<u16>,
    pub used_udp_ports: BTreeSet<u16>,
    /// Registered plus static task ports: the reserved ports (API: remainingResources PORTS), which
    /// count toward the limit of 100. Dynamic ports are in `used_*_ports` only (API: PortMapping —
    /// automatically assigned ports "do not count toward the 100 reserved ports limit").
    pub reserved_tcp_ports: BTreeSet<u16>,
    pub reserved_udp_ports: BTreeSet<u16>,
    /// Change with [`ContainerInstance::set_attribute`] / [`ContainerInstance::remove_attribute`]
    /// (or the world's, which share the strings), which keep `external` in step.
    pub attributes: Attributes,
    /// Derived: the instance has `ecs.capability.external` (an ECS Anywhere instance).
    pub external: bool,
    /// API: runningTasksCount — tasks on the instance whose desired status is RUNNING.
    pub running_tasks_count: u32,
    /// API: pendingTasksCount — tasks in the PENDING state.
    pub pending_tasks_count: u32,
    /// Tasks with desired status RUNNING, per task group, sorted by group id.
    pub group_counts: Vec<(GroupId, u32)>,
    /// Tasks holding resources here (placed and not yet STOPPED).
    pub tasks: BTreeSet<TaskId>,
    /// Bumped at every change, like the API's `version`.
    pub version: u64,
}

impl ContainerInstance {
    pub fn remaining(&self) -> Resources {
        Resources {
            cpu: self.registered.cpu - self.reserved.cpu,
            memory_mib: self.registered.memory_mib - self.reserved.memory_mib,
            gpus: self.registered.gpus - self.reserved.gpus,
            enis: self.registered.enis - self.reserved.enis,
        }
    }

    /// `ecs.availability-zone`: the attributes are the one record of where an instance is.
    pub fn availability_zone(&self) -> Option<&str> {
        self.attribute("ecs.availability-zone").flatten()
    }

    /// `ecs.instance-type`.
    pub fn instance_type(&self) -> Option<&str> {
        self.attribute("ecs.instance-type").flatten()
    }

    pub fn set_attribute(&mut self, name: &str, value: Option<&str>) {
        self.attributes.insert(name, value);
        self.refresh_derived();
    }

    pub fn remove_attribute(&mut self, name: &str) {
        self.attributes.remove(name);
        self.refresh_derived();
    }

    /// Recomputes the fields derived from attributes.
    pub fn refresh_derived(&mut self) {
        self.external = self.attributes.contains_key(EXTERNAL_CAPABILITY);
    }

    /// Reserved ports of both protocols (at most 100 may be held).
    pub fn reserved_port_count(&self) -> usize {
        self.reserved_tcp_ports.len() + self.reserved_udp_ports.len()
    }

    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes.get(name)
    }

    pub fn group_count(&self, group: GroupId) -> u32 {
        match self.group_counts.binary_search_by_key(&group, |&(g, _)| g) {
            Ok(i) => self.group_counts[i].1,
            Err(_) => 0,
        }
    }

    /// A task of `group` with desired status RUNNING arrives: it counts in `runningTasksCount` and
    /// in its group (the two always agree: `running_tasks_count` = Σ `group_counts`).
    pub fn add_running(&mut self, group: GroupId) {
        self.running_tasks_count += 1;
        self.add_group(group);
        debug_assert_eq!(
            self.running_tasks_count,
            self.group_counts.iter().map(|&(_, n)| n).sum::<u32>()
        );
    }

    /// A task of `group` leaves, or its desired status becomes STOPPED.
    pub fn remove_running(&mut self, group: GroupId) {
        self.running_tasks_count -= 1;
        self.remove_group(group);
        debug_assert_eq!(
            self.running_tasks_count,
            self.group_counts.iter().map(|&(_, n)| n).sum::<u32>()
        );
    }

    fn add_group(&mut self, group: GroupId) {
        match self.group_counts.binary_search_by_key(&group, |&(g, _)| g) {
            Ok(i) => self.group_counts[i].1 += 1,
            Err(i) => self.group_counts.insert(i, (group, 1)),
        }
    }

    fn remove_group(&mut self, group: GroupId) {
        let i = self
            .group_counts
            .binary_search_by_key(&group, |&(g, _)| g)
            .expect("removing a task group the instance does not hold");
        self.group_counts[i].1 -= 1;
        if self.group_counts[i].1 == 0 {
            self.group_counts.remove(i);
        }
    }

    /// Whether the instance can take placements at all (API: only ACTIVE instances with a
    /// connected agent accept tasks).
    pub fn accepts_tasks(&self) -> bool {
        self.status == InstanceStatus::Active && self.agent_connected
    }

    /// The lowest free dynamic port at or after `from`, if any.
    pub fn free_dynamic_port(used: &BTreeSet<u16>, from: u16) -> Option<u16> {
        let mut candidate = from.max(DYNAMIC_PORT_FIRST);
        for &p in used.range(candidate..) {
            if p > candidate {
                break;
            }
            if p == DYNAMIC_PORT_LAST {
                return None;
            }
            candidate = p + 1;
        }
        Some(candidate)
    }
}
