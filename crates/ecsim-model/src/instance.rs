//! Container instances: status, agent, registered and reserved resources, ports, attributes, task groups.

use crate::ids::{ClusterId, GroupId, InstanceId, TaskId};
use ecsim_kernel::{SimTime, Stamp};
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

/// The attribute that says where an instance is.
pub const ZONE_ATTRIBUTE: &str = "ecs.availability-zone";

/// The attribute of ECS Anywhere instances.
pub const EXTERNAL_CAPABILITY: &str = "ecs.capability.external";

/// The dynamic host-port range of the Linux agent (API: PortMapping.hostPort).
pub const DYNAMIC_PORT_FIRST: u16 = 49153;
pub const DYNAMIC_PORT_LAST: u16 = 65535;
/// API: PortMapping — "A container instance can have up to 100 reserved ports at a time".
pub const MAX_RESERVED_PORTS: usize = 100;

/// One attribute of a set: its name and, unless it is a capability, its value.
pub type AttributeEntry = (Arc<str>, Option<Arc<str>>);

/// An instance's attributes (API: ContainerInstance.attributes), sorted by name: a capability has
/// no value. A set is immutable and shared: the world keeps one copy of each set its instances
/// registered with (a fleet of one launch template holds one set per zone), and a change makes
/// the changed instance its own copy. Names and values are shared strings too.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attributes {
    entries: Arc<[AttributeEntry]>,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            entries: Arc::from(Vec::new()),
        }
    }
}

impl std::borrow::Borrow<[AttributeEntry]> for Attributes {
    fn borrow(&self) -> &[AttributeEntry] {
        &self.entries
    }
}

impl Attributes {
    /// The set of `entries` given in order of precedence: a later entry replaces an earlier one
    /// of the same name.
    pub fn from_entries(mut entries: Vec<AttributeEntry>) -> Attributes {
        sort_entries(&mut entries);
        Attributes {
            entries: Arc::from(entries),
        }
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(n, _)| (**n).cmp(name))
    }

    /// The attribute: `Some(None)` for a capability, `Some(Some(v))` for a value.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.find(name).ok().map(|k| self.entries[k].1.as_deref())
    }

    /// The shared string of an attribute's value.
    pub fn get_shared(&self, name: &str) -> Option<&Arc<str>> {
        self.find(name)
            .ok()
            .and_then(|k| self.entries[k].1.as_ref())
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
        let mut entries = self.entries.to_vec();
        match self.find(&name) {
            Ok(k) => entries[k].1 = value,
            Err(k) => entries.insert(k, (name, value)),
        }
        self.entries = Arc::from(entries);
    }

    pub fn remove(&mut self, name: &str) {
        if let Ok(k) = self.find(name) {
            let mut entries = self.entries.to_vec();
            entries.remove(k);
            self.entries = Arc::from(entries);
        }
    }

    /// The attributes in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.entries.iter().map(|(n, v)| (&**n, v.as_deref()))
    }

    pub fn entries(&self) -> &[AttributeEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Sorts entries given in order of precedence by name, keeping the last of each name.
pub fn sort_entries(entries: &mut Vec<AttributeEntry>) {
    // A stable sort keeps equal names in precedence order; the last of each run wins.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut w = 0;
    for r in 0..entries.len() {
        if r + 1 < entries.len() && entries[r + 1].0 == entries[r].0 {
            continue;
        }
        entries.swap(w, r);
        w += 1;
    }
    entries.truncate(w);
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = (&'a str, Option<&'a str>);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, Option<&'a str>)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// An instance's EC2 id: the run's own (`i-` + 17 hex digits of its number, SPEC §9), held
/// inline, or one given by an identity document.
#[derive(Clone, PartialEq, Eq)]
pub enum Ec2InstanceId {
    Run([u8; 19]),
    Given(Box<str>),
}

impl Ec2InstanceId {
    /// The run's id of the n-th instance.
    pub fn for_number(n: u64) -> Ec2InstanceId {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // 17 digits: a u64 has 16, so the first is always 0.
        let mut b = *b"i-00000000000000000";
        let mut v = n;
        for byte in b[3..].iter_mut().rev() {
            *byte = HEX[(v & 0xf) as usize];
            v >>= 4;
        }
        Ec2InstanceId::Run(b)
    }

    /// An id given by an identity document.
    pub fn given(id: &str) -> Ec2InstanceId {
        Ec2InstanceId::Given(Box::from(id))
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Built of ASCII digits by `for_number`.
            Ec2InstanceId::Run(b) => std::str::from_utf8(b).expect("ASCII"),
            Ec2InstanceId::Given(s) => s,
        }
    }
}

impl std::ops::Deref for Ec2InstanceId {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Ec2InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Ec2InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Ec2InstanceId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Ec2InstanceId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One container instance of a cluster.
#[derive(Clone, Debug)]
pub struct ContainerInstance {
    pub id: InstanceId,
    pub cluster: ClusterId,
    /// The n-th instance of the run: `i-` + 17 hex digits of n (SPEC §9), unless given.
    pub ec2_instance_id: Ec2InstanceId,
    /// Its number in the run: its ARN ends in it as 32 hex digits (`World::instance_arn`).
    pub number: u64,
    pub status: InstanceStatus,
    pub agent_connected: bool,
    /// Shared with the other instances of that version.
    pub agent_version: Arc<str>,
    pub capacity_provider: Option<Arc<str>>,
    pub registered_at: SimTime,
    /// When it left the cluster (deregistered or terminated).
    pub deregistered_at: Stamp,
    /// True for an EC2 instance that was terminated (not just deregistered).
    pub terminated: bool,
    /// Registered resources (API: registeredResources).
    pub registered: Resources,
    /// What tasks hold now; remaining = registered - reserved (API: remainingResources).
    pub reserved: Resources,
    /// Ports the agent reserves (API: registeredResources PORTS / PORTS_UDP).
    pub registered_tcp_ports: Box<[u16]>,
    pub registered_udp_ports: Box<[u16]>,
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
    /// Derived: its `ecs.availability-zone` value, read on every scheduler pass.
    pub(crate) zone: Option<Arc<str>>,
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

    /// `ecs.availability-zone` (kept from the attributes, the one record of where an instance is).
    pub fn availability_zone(&self) -> Option<&str> {
        self.zone.as_deref()
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
        self.zone = self.attributes.get_shared(ZONE_ATTRIBUTE).cloned();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: &str, v: Option<&str>) -> AttributeEntry {
        (Arc::from(n), v.map(Arc::from))
    }

    #[test]
    fn a_later_entry_of_a_name_wins_and_names_come_out_sorted() {
        let set = Attributes::from_entries(vec![
            entry("b", Some("1")),
            entry("a", None),
            entry("b", Some("2")),
            entry("c", Some("x")),
            entry("b", Some("3")),
        ]);
        let got: Vec<_> = set.iter().collect();
        assert_eq!(got, vec![("a", None), ("b", Some("3")), ("c", Some("x"))]);
    }

    #[test]
    fn a_change_leaves_the_shared_set_alone() {
        let shared = Attributes::from_entries(vec![entry("a", Some("1"))]);
        let mut mine = shared.clone();
        mine.insert("b", None);
        mine.remove("a");
        assert_eq!(shared.iter().collect::<Vec<_>>(), vec![("a", Some("1"))]);
        assert_eq!(mine.iter().collect::<Vec<_>>(), vec![("b", None)]);
    }

    #[test]
    fn the_run_ec2_id_is_17_hex_digits_of_the_number() {
        for n in [0u64, 1, 0xabc, 1 << 40, u64::MAX] {
            assert_eq!(Ec2InstanceId::for_number(n).as_str(), format!("i-{n:017x}"));
        }
    }
}
