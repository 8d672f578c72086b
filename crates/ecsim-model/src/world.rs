//! The world: arenas of clusters, container instances, task definitions, task specs and tasks, with
//! the resource books. Every reservation is asserted when it is made and again when it is released.
//!
//! Tasks live in a slab: a STOPPED task can be released once no output can name it any more (the
//! engine releases it an hour after it stopped), so the world's memory follows the live tasks.

use crate::arn::Ref;
use crate::ids::{ClusterId, GroupId, InstanceId, SpecId, TaskDefId, TaskId, ZoneId};
use crate::index::{ClusterIndex, Condition};
use crate::instance::{
    sort_entries, AttributeEntry, Attributes, ContainerInstance, Ec2InstanceId, InstanceStatus,
    MAX_RESERVED_PORTS,
};
use crate::spec::TaskSpec;
use crate::task::{DesiredStatus, Task, TaskStatus};
use crate::task_definition::{PortMapping, Protocol, TaskDefStatus, TaskDefinition};
use ecsim_kernel::{Slab, Stamp};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterStatus {
    Active,
    Inactive,
}

impl ClusterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterStatus::Active => "ACTIVE",
            ClusterStatus::Inactive => "INACTIVE",
        }
    }
}

/// One cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub id: ClusterId,
    pub name: String,
    pub arn: String,
    pub status: ClusterStatus,
    /// Every instance ever registered to it, in registration order.
    pub instances: Vec<InstanceId>,
    /// Tasks per lastStatus (index: `TaskStatus as usize`), for the time series.
    pub tasks_by_status: [u32; TaskStatus::COUNT],
    /// The most tasks it had in PROVISIONING at once.
    pub provisioning_peak: u32,
}

/// All ECS state of a run.
#[derive(Clone, Debug)]
pub struct World {
    pub region: String,
    pub account_id: String,
    /// Simulated time 0 as Unix epoch milliseconds (for `registeredAt` and ISO times).
    pub start_time_unix_ms: i64,
    pub clusters: Vec<Cluster>,
    pub instances: Vec<ContainerInstance>,
    task_definitions: Vec<Arc<TaskDefinition>>,
    specs: Vec<Arc<TaskSpec>>,
    tasks: Slab<Task>,
    cluster_names: BTreeMap<String, ClusterId>,
    families: BTreeMap<String, Vec<TaskDefId>>,
    groups: Vec<String>,
    group_ids: BTreeMap<String, GroupId>,
    /// Instances by number (their ARN's id and, unless given one, their EC2 id derive from it).
    instance_numbers_map: BTreeMap<u64, InstanceId>,
    /// Instances registered with an EC2 id of their own (an identity document's).
    instance_ec2_ids: BTreeMap<Box<str>, InstanceId>,
    /// Attribute names and values, shared by the instances that have them.
    strings: BTreeSet<Arc<str>>,
    /// The attribute sets instances registered with, shared (a change makes its own copy).
    attribute_sets: BTreeSet<Attributes>,
    /// Zone names Fargate tasks carry, by `ZoneId`.
    zones: Vec<Arc<str>>,
    /// Tasks in PROVISIONING in every cluster, now and at most at once.
    provisioning_now: u32,
    pub provisioning_peak: u32,
    /// The placement index per cluster, and the instances changed since it was last refreshed.
    indexes: Vec<ClusterIndex>,
    dirty: Vec<InstanceId>,
    /// Instance numbers handed out so far.
    instance_numbers: u64,
}

/// The EC2 id of the n-th instance of a run (from 1): `i-` + 17 hex digits of n (SPEC §9).
pub fn ec2_instance_id_for(n: u64) -> Ec2InstanceId {
    Ec2InstanceId::for_number(n)
}

impl World {
    pub fn new(region: &str, account_id: &str, start_time_unix_ms: i64) -> World {
        World {
            region: region.to_string(),
            account_id: account_id.to_string(),
            start_time_unix_ms,
            clusters: Vec::new(),
            instances: Vec::new(),
            task_definitions: Vec::new(),
            specs: Vec::new(),
            tasks: Slab::new(),
            cluster_names: BTreeMap::new(),
            families: BTreeMap::new(),
            groups: Vec::new(),
            group_ids: BTreeMap::new(),
            instance_numbers_map: BTreeMap::new(),
            instance_ec2_ids: BTreeMap::new(),
            strings: BTreeSet::new(),
            attribute_sets: BTreeSet::new(),
            zones: Vec::new(),
            provisioning_now: 0,
            provisioning_peak: 0,
            indexes: Vec::new(),
            dirty: Vec::new(),
            instance_numbers: 0,
        }
    }

    // ----- the placement index -----

    /// The cluster's placement index, if it is up to date (see [`World::sync_index`]).
    pub fn index(&self, cluster: ClusterId) -> Option<&ClusterIndex> {
        if self.dirty.is_empty() {
            self.indexes.get(cluster.index())
        } else {
            None
        }
    }

    /// Refreshes the index entries of every instance changed since the last call.
    pub fn sync_index(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        for &id in &dirty {
            // Derived fields follow the attributes, which change only through `instance_mut`.
            let cluster = self.instances[id.index()].cluster;
            if self.indexes[cluster.index()].static_stale(id) {
                self.instances[id.index()].refresh_derived();
            }
            let inst = &self.instances[id.index()];
            self.indexes[inst.cluster.index()].refresh(inst, self.start_time_unix_ms);
        }
        // The buffer is kept, so that steady-state placement allocates nothing here.
        dirty.clear();
        self.dirty = dirty;
    }

    /// Caches the verdicts of a `memberOf` expression in `cluster`'s index (placement's
    /// preparation step; a no-op beyond marking it used when already cached).
    pub fn track_member_of(&mut self, cluster: ClusterId, expr: &Arc<ecsim_query::Expression>) {
        self.indexes[cluster.index()].track_condition(
            |c| c.is_member_of(expr),
            || Condition::MemberOf(expr.clone()),
            &self.instances,
            self.start_time_unix_ms,
        );
    }

    /// Keeps, per partition of `cluster`'s index, the instances with at least this much CPU and
    /// memory remaining (placement's preparation step for counted spread chains).
    pub fn track_fit_class(&mut self, cluster: ClusterId, cpu: u32, memory_mib: u32) {
        self.indexes[cluster.index()].track_fit_class(cpu, memory_mib);
    }

    /// From now on `cluster`'s index keeps only the orderings [`World::track_ordering`] asks for
    /// (until this call it keeps them all, for callers that place without preparing).
    pub fn index_on_demand(&mut self, cluster: ClusterId) {
        self.indexes[cluster.index()].keep_on_demand();
    }

    /// Keeps, in `cluster`'s index, the instances of each value of `attribute` (None: of the whole
    /// scope) ordered by remaining `resource`, in the scope of `provider` (None: the whole cluster;
    /// its pool must be tracked) (placement's preparation step for binpack walks).
    pub fn track_ordering(
        &mut self,
        cluster: ClusterId,
        provider: Option<&str>,
        attribute: Option<&str>,
        resource: crate::index::Resource,
    ) {
        self.indexes[cluster.index()].keep_ordering(provider, attribute, resource);
    }

    /// Starts indexing, in `cluster`, the instances of capacity provider `provider` as a scope of
    /// their own (a pool; placement's preparation step for a request that names the provider).
    pub fn track_pool(&mut self, cluster: ClusterId, provider: &str) {
        if self.indexes[cluster.index()].pool(provider).is_some() {
            return;
        }
        self.sync_index();
        self.indexes[cluster.index()].track_pool(provider, &self.instances);
    }

    /// Caches which instances of `cluster` have attribute `name` (a required attribute).
    pub fn track_required_attribute(&mut self, cluster: ClusterId, name: &str) {
        self.indexes[cluster.index()].track_condition(
            |c| c.is_attribute(name),
            || Condition::HasAttribute(name.to_string()),
            &self.instances,
            self.start_time_unix_ms,
        );
    }

    /// Starts indexing attribute `name` in `cluster` (for spread strategies on it).
    pub fn track_attribute(&mut self, cluster: ClusterId, name: &str) {
        if self.indexes[cluster.index()].attribute(name).is_some() {
            return;
        }
        self.sync_index();
        self.indexes[cluster.index()].track(name, &self.instances);
    }

    fn touch(&mut self, id: InstanceId) {
        self.dirty.push(id);
    }

    fn arn(&self, resource: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{}:{}",
            self.region, self.account_id, resource
        )
    }

    // ----- clusters -----

    /// Creates a cluster, or returns the existing ACTIVE one of that name (API: CreateCluster is
    /// idempotent for an existing name).
    pub fn create_cluster(&mut self, name: &str) -> ClusterId {
        if let Some(&id) = self.cluster_names.get(name) {
            self.clusters[id.index()].status = ClusterStatus::Active;
            return id;
        }
        let id = ClusterId(self.clusters.len() as u32);
        let arn = self.arn(&format!("cluster/{name}"));
        self.clusters.push(Cluster {
            id,
            name: name.to_string(),
            arn,
            status: ClusterStatus::Active,
            instances: Vec::new(),
            tasks_by_status: [0; TaskStatus::COUNT],
            provisioning_peak: 0,
        });
        self.cluster_names.insert(name.to_string(), id);
        let mut index = ClusterIndex::default();
        // Every service spreads over zones by default (SPEC §4), so zones are always tracked.
        index.track("ecs.availability-zone", &self.instances);
        self.indexes.push(index);
        id
    }

    /// A cluster by name or ARN.
    pub fn cluster_by_ref(&self, r: &str) -> Option<ClusterId> {
        let name = Ref::parse(r, "cluster").ok()?.rest();
        self.cluster_names.get(name).copied()
    }

    pub fn cluster(&self, id: ClusterId) -> &Cluster {
        &self.clusters[id.index()]
    }

    // ----- container instances -----

    /// Takes the next instance number: the n-th instance of the run (from 1) is `i-` + 17 hex digits
    /// of n, and its ARN ends in n as 32 hex digits (SPEC §9). A launched instance takes its number
    /// when it is launched, so numbers follow launch order, not the order in which boots finish.
    pub fn next_instance_number(&mut self) -> u64 {
        self.instance_numbers += 1;
        self.instance_numbers
    }

    /// Whether an instance of the run already has this ec2InstanceId.
    pub fn ec2_instance_id_in_use(&self, ec2_instance_id: &str) -> bool {
        self.instance_by_ec2_instance_id(ec2_instance_id).is_some()
    }

    /// The instance with this ec2InstanceId: one registered with it, or the one whose number it
    /// derives from.
    fn instance_by_ec2_instance_id(&self, ec2_instance_id: &str) -> Option<InstanceId> {
        if let Some(&i) = self.instance_ec2_ids.get(ec2_instance_id) {
            return Some(i);
        }
        let hex = ec2_instance_id.strip_prefix("i-")?;
        if hex.len() != 17 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let n = u64::from_str_radix(hex, 16).ok()?;
        let &i = self.instance_numbers_map.get(&n)?;
        (self.instances[i.index()].ec2_instance_id == ec2_instance_id).then_some(i)
    }

    /// An attribute name or value, shared with every instance that has it.
    pub fn intern(&mut self, text: &str) -> Arc<str> {
        shared(&mut self.strings, text)
    }

    /// The attribute set of `pairs` (given in order of precedence: a later pair replaces an earlier
    /// one of the same name), shared with every instance that registered with the same set.
    pub fn attribute_set(&mut self, pairs: &[(&str, Option<&str>)]) -> Attributes {
        let strings = &mut self.strings;
        let mut entries: Vec<AttributeEntry> = pairs
            .iter()
            .map(|&(n, v)| (shared(strings, n), v.map(|v| shared(strings, v))))
            .collect();
        sort_entries(&mut entries);
        if let Some(set) = self.attribute_sets.get(&entries[..]) {
            return set.clone();
        }
        let set = Attributes::from_entries(entries);
        self.attribute_sets.insert(set.clone());
        set
    }

    /// The shared copy of an attribute set (see [`World::attribute_set`]).
    fn share_attributes(&mut self, set: Attributes) -> Attributes {
        if let Some(shared) = self.attribute_sets.get(set.entries()) {
            return shared.clone();
        }
        let pairs: Vec<(&str, Option<&str>)> = set.iter().collect();
        self.attribute_set(&pairs)
    }

    /// The id of a zone name (for Fargate tasks), added if new.
    pub fn intern_zone(&mut self, name: &str) -> ZoneId {
        if let Some(k) = self.zones.iter().position(|z| **z == *name) {
            return ZoneId(k as u16);
        }
        // Zones come from a scenario's subnets, a few dozen at most (a scenario's size bounds
        // them far below 2^16).
        let k = u16::try_from(self.zones.len()).expect("fewer than 65536 zones");
        let name = self.intern(name);
        self.zones.push(name);
        ZoneId(k)
    }

    pub fn zone_name(&self, id: ZoneId) -> &Arc<str> {
        &self.zones[id.index()]
    }

    /// Zones named so far (ids `0..zone_count()`).
    pub fn zone_count(&self) -> usize {
        self.zones.len()
    }

    /// Sets an instance's attribute (PutAttributes), sharing its strings.
    pub fn set_attribute(&mut self, id: InstanceId, name: &str, value: Option<&str>) {
        let name = self.intern(name);
        let value = value.map(|v| self.intern(v));
        self.instance_mut(id).attributes.insert_shared(name, value);
        self.instances[id.index()].refresh_derived();
    }

    /// Removes an instance's attribute (DeleteAttributes).
    pub fn remove_attribute(&mut self, id: InstanceId, name: &str) {
        self.instance_mut(id).remove_attribute(name);
    }

    /// Adds a registered container instance with the next instance number. `fill` sets everything
    /// but the ids.
    pub fn add_instance(
        &mut self,
        cluster: ClusterId,
        ec2_instance_id: Option<String>,
        fill: impl FnOnce(&mut ContainerInstance),
    ) -> InstanceId {
        let n = self.next_instance_number();
        self.add_numbered_instance(cluster, n, ec2_instance_id, fill)
    }

    /// Adds a registered container instance with number `n` (from [`World::next_instance_number`]).
    pub fn add_numbered_instance(
        &mut self,
        cluster: ClusterId,
        n: u64,
        ec2_instance_id: Option<String>,
        fill: impl FnOnce(&mut ContainerInstance),
    ) -> InstanceId {
        let id = InstanceId(self.instances.len() as u32);
        let mut inst = ContainerInstance {
            id,
            cluster,
            ec2_instance_id: match ec2_instance_id {
                Some(given) if *ec2_instance_id_for(n) != *given => Ec2InstanceId::given(&given),
                _ => ec2_instance_id_for(n),
            },
            number: n,
            status: InstanceStatus::Active,
            agent_connected: true,
            agent_version: Arc::from(""),
            capacity_provider: None,
            registered_at: Default::default(),
            deregistered_at: Stamp::NONE,
            terminated: false,
            registered: Default::default(),
            reserved: Default::default(),
            registered_tcp_ports: Box::default(),
            registered_udp_ports: Box::default(),
            used_tcp_ports: Default::default(),
            used_udp_ports: Default::default(),
            reserved_tcp_ports: Default::default(),
            reserved_udp_ports: Default::default(),
            attributes: Default::default(),
            external: false,
            zone: None,
            running_tasks_count: 0,
            pending_tasks_count: 0,
            group_counts: Vec::new(),
            tasks: Default::default(),
            version: 1,
        };
        fill(&mut inst);
        inst.refresh_derived();
        inst.used_tcp_ports = inst.registered_tcp_ports.iter().copied().collect();
        inst.used_udp_ports = inst.registered_udp_ports.iter().copied().collect();
        inst.reserved_tcp_ports = inst.used_tcp_ports.clone();
        inst.reserved_udp_ports = inst.used_udp_ports.clone();
        if let Ec2InstanceId::Given(given) = &inst.ec2_instance_id {
            self.instance_ec2_ids.insert(given.clone(), id);
        }
        self.instance_numbers_map.insert(n, id);
        // The instance's strings and attribute set are shared with the other instances that have
        // them.
        inst.agent_version = shared(&mut self.strings, &inst.agent_version);
        inst.attributes = self.share_attributes(inst.attributes.clone());
        self.clusters[cluster.index()].instances.push(id);
        self.instances.push(inst);
        self.touch(id);
        id
    }

    /// An instance of `cluster` by ec2InstanceId, ARN or ARN id (32 hex digits).
    pub fn instance_by_ref(&self, cluster: ClusterId, r: &str) -> Option<InstanceId> {
        let found = match Ref::parse(r, "container-instance").ok()? {
            Ref::Arn(_) => {
                let i = self.instance_by_number_hex(Ref::Name(r).last())?;
                (self.instance_arn(i) == r).then_some(i)
            }
            Ref::Name(name) => self
                .instance_by_ec2_instance_id(name)
                .or_else(|| self.instance_by_number_hex(name)),
        };
        found.filter(|&i| self.instances[i.index()].cluster == cluster)
    }

    /// The instance whose ARN id is `hex` (32 hex digits of its number).
    fn instance_by_number_hex(&self, hex: &str) -> Option<InstanceId> {
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let n = u64::try_from(u128::from_str_radix(hex, 16).ok()?).ok()?;
        self.instance_numbers_map.get(&n).copied()
    }

    /// An instance's ARN, `arn:aws:ecs:REGION:ACCOUNT:container-instance/CLUSTER/` + its number as
    /// 32 hex digits (SPEC §9).
    pub fn instance_arn(&self, id: InstanceId) -> String {
        let inst = &self.instances[id.index()];
        let cluster = &self.clusters[inst.cluster.index()].name;
        self.arn(&format!(
            "container-instance/{cluster}/{:032x}",
            inst.number
        ))
    }

    pub fn instance(&self, id: InstanceId) -> &ContainerInstance {
        &self.instances[id.index()]
    }

    pub fn instance_mut(&mut self, id: InstanceId) -> &mut ContainerInstance {
        self.touch(id);
        // Attributes, agent and status change only here: the index re-reads them at the next sync.
        let cluster = self.instances[id.index()].cluster;
        self.indexes[cluster.index()].mark_static(id);
        let inst = &mut self.instances[id.index()];
        inst.version += 1;
        inst
    }

    // ----- task definitions -----

    /// Registers the next revision of `def.family`; id, revision and ARN are assigned here.
    pub fn register_task_definition(&mut self, mut def: TaskDefinition) -> TaskDefId {
        let id = TaskDefId(self.task_definitions.len() as u32);
        let revisions = self.families.entry(def.family.clone()).or_default();
        def.id = id;
        def.revision = revisions.len() as u32 + 1;
        def.arn = format!(
            "arn:aws:ecs:{}:{}:task-definition/{}:{}",
            self.region, self.account_id, def.family, def.revision
        );
        revisions.push(id);
        self.task_definitions.push(Arc::new(def));
        id
    }

    /// Task definition revisions registered so far.
    pub fn task_definition_count(&self) -> usize {
        self.task_definitions.len()
    }

    /// Every task definition revision registered so far, in registration order.
    pub fn task_definitions(&self) -> impl Iterator<Item = &TaskDefinition> {
        self.task_definitions.iter().map(|d| &**d)
    }

    /// A revision shared as its outputs hold it.
    pub fn task_definition_arc(&self, id: TaskDefId) -> &Arc<TaskDefinition> {
        &self.task_definitions[id.index()]
    }

    /// API: DeregisterTaskDefinition sets the revision INACTIVE (tasks already running keep it).
    pub fn set_task_definition_status(&mut self, id: TaskDefId, status: TaskDefStatus) {
        Arc::make_mut(&mut self.task_definitions[id.index()]).status = status;
    }

    /// `family` (latest ACTIVE revision), `family:revision`, or a task-definition ARN.
    pub fn task_definition_by_ref(&self, r: &str) -> Option<TaskDefId> {
        let r = Ref::parse(r, "task-definition").ok()?.rest();
        match r.rsplit_once(':') {
            Some((family, rev)) if rev.chars().all(|c| c.is_ascii_digit()) && !rev.is_empty() => {
                let rev: usize = rev.parse().ok()?;
                self.families.get(family)?.get(rev.checked_sub(1)?).copied()
            }
            _ => self
                .families
                .get(r)?
                .iter()
                .rev()
                .copied()
                .find(|&id| self.task_definitions[id.index()].status == TaskDefStatus::Active),
        }
    }

    pub fn task_definition(&self, id: TaskDefId) -> &TaskDefinition {
        &self.task_definitions[id.index()]
    }

    // ----- task groups -----

    pub fn intern_group(&mut self, name: &str) -> GroupId {
        if let Some(&g) = self.group_ids.get(name) {
            return g;
        }
        let g = GroupId(self.groups.len() as u32);
        self.groups.push(name.to_string());
        self.group_ids.insert(name.to_string(), g);
        g
    }

    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.group_ids.get(name).copied()
    }

    /// Task groups interned so far.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    pub fn group_name(&self, g: GroupId) -> &str {
        &self.groups[g.index()]
    }

    // ----- task specs -----

    /// Adds the shared part of a call's or a deployment's tasks.
    pub fn add_spec(&mut self, spec: TaskSpec) -> SpecId {
        let id = SpecId(u32::try_from(self.specs.len()).expect("fewer than 2^32 specs"));
        self.specs.push(Arc::new(spec));
        id
    }

    /// Specs added so far.
    pub fn spec_count(&self) -> usize {
        self.specs.len()
    }

    pub fn spec(&self, id: SpecId) -> &TaskSpec {
        &self.specs[id.index()]
    }

    /// A spec shared as its outputs hold it.
    pub fn spec_arc(&self, id: SpecId) -> &Arc<TaskSpec> {
        &self.specs[id.index()]
    }

    /// The spec of a task.
    pub fn task_spec(&self, task: TaskId) -> &TaskSpec {
        &self.specs[self.task(task).spec.index()]
    }

    // ----- tasks -----

    /// Adds a task built with [`Task::new`] and assigns its id: the n-th task of the run has id n-1
    /// and ARN `.../task/CLUSTER/` + n as 32 hex digits (SPEC §9).
    pub fn add_task(&mut self, task: Task) -> TaskId {
        let id = TaskId(self.tasks.next_id());
        let mut task = task;
        task.id = id;
        debug_assert_eq!(task.last_status, TaskStatus::Provisioning);
        debug_assert_eq!(self.specs[task.spec.index()].cluster, task.cluster);
        let c = &mut self.clusters[task.cluster.index()];
        c.tasks_by_status[task.last_status as usize] += 1;
        let provisioning = c.tasks_by_status[TaskStatus::Provisioning as usize];
        c.provisioning_peak = c.provisioning_peak.max(provisioning);
        self.provisioning_now += 1;
        self.provisioning_peak = self.provisioning_peak.max(self.provisioning_now);
        let pushed = self.tasks.push(task);
        debug_assert_eq!(pushed, id.0);
        id
    }

    /// A task that has not been released. Panics on a released task: holding the id of one is a bug.
    pub fn task(&self, id: TaskId) -> &Task {
        self.tasks
            .get(id.0)
            .unwrap_or_else(|| panic!("task {} was released", id.hex()))
    }

    /// A task, if it has not been released.
    pub fn get_task(&self, id: TaskId) -> Option<&Task> {
        self.tasks.get(id.0)
    }

    /// A task's fields that no book depends on (times, stop code and reason, health). Status,
    /// placement and desired status change through the methods that keep the books.
    pub fn task_mut(&mut self, id: TaskId) -> &mut Task {
        self.tasks
            .get_mut(id.0)
            .unwrap_or_else(|| panic!("task {} was released", id.hex()))
    }

    /// The tasks not yet released, in id order.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().map(|(_, t)| t)
    }

    /// Tasks created so far (released ones included).
    pub fn tasks_created(&self) -> u32 {
        self.tasks.issued()
    }

    /// Tasks held in memory (not released).
    pub fn tasks_held(&self) -> usize {
        self.tasks.len()
    }

    /// Forgets a STOPPED task (nothing can name it any more).
    pub fn release_stopped_task(&mut self, id: TaskId) {
        let t = self.tasks.remove(id.0).expect("released once");
        assert_eq!(
            t.last_status,
            TaskStatus::Stopped,
            "only STOPPED tasks are released"
        );
        debug_assert!(!t.holds_resources);
    }

    /// The task's ARN, `arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/` + 32 hex digits (SPEC §9).
    pub fn task_arn(&self, id: TaskId) -> String {
        let cluster = &self.clusters[self.task(id).cluster.index()].name;
        format!("{}{}", self.arn(&format!("task/{cluster}/")), id.hex())
    }

    /// A task of `cluster` by ARN or id, if it has not been released.
    /// Task ids are deterministic (the n-th task is n as 32 hex digits), so a reference is parsed,
    /// not looked up: a full ARN must match the task's exactly, a bare id only its number.
    pub fn task_by_ref(&self, cluster: ClusterId, r: &str) -> Option<TaskId> {
        let hex = Ref::parse(r, "task").ok()?.last();
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let n = u128::from_str_radix(hex, 16).ok()?;
        let id = TaskId(u32::try_from(n.checked_sub(1)?).ok()?);
        let task = self.get_task(id)?;
        let same = !r.contains('/') || self.task_arn(id) == r;
        (same && task.cluster == cluster).then_some(id)
    }

    /// The network bindings of a placed task (see [`network_bindings`]).
    pub fn network_bindings(&self, id: TaskId) -> impl Iterator<Item = NetworkBinding<'_>> {
        let task = self.task(id);
        let def = &self.task_definitions[self.specs[task.spec.index()].task_definition.index()];
        network_bindings(def, task)
    }

    /// Places a not-yet-placed task on `instance`: reserves CPU, memory, GPUs, ENIs and host ports,
    /// and counts it in the instance's task groups. The caller has checked that it fits; a task that
    /// does not fit here is a bug.
    pub fn place_task(&mut self, task: TaskId, instance: InstanceId) {
        let World {
            tasks,
            specs,
            task_definitions,
            instances,
            indexes,
            ..
        } = self;
        let t = tasks.get_mut(task.0).expect("placing a released task");
        assert!(
            t.instance.is_none() && !t.holds_resources,
            "task placed twice"
        );
        let spec = &specs[t.spec.index()];
        let req = &spec.requirements;
        let def = &task_definitions[spec.task_definition.index()];
        let inst = &mut instances[instance.index()];
        let rem = inst.remaining();
        assert!(
            rem.cpu >= req.cpu
                && rem.memory_mib >= req.memory_mib
                && rem.gpus >= req.gpus
                && rem.enis >= req.enis,
            "over-commit on {}: remaining {:?}, task needs cpu {} memory {} gpus {} enis {}",
            inst.ec2_instance_id,
            rem,
            req.cpu,
            req.memory_mib,
            req.gpus,
            req.enis
        );
        inst.reserved.cpu += req.cpu;
        inst.reserved.memory_mib += req.memory_mib;
        inst.reserved.gpus += req.gpus;
        inst.reserved.enis += req.enis;
        let mut host_ports = Vec::new();
        if def.network_mode.binds_host_ports() {
            // Static ports first, so that the dynamic ones (lowest free, SPEC §4) never take a port
            // the task itself asks for.
            for (_, pm, fixed) in host_port_mappings(def) {
                if let Some(p) = fixed {
                    let (used, reserved) = match pm.protocol {
                        Protocol::Tcp => (&mut inst.used_tcp_ports, &mut inst.reserved_tcp_ports),
                        Protocol::Udp => (&mut inst.used_udp_ports, &mut inst.reserved_udp_ports),
                    };
                    assert!(
                        used.insert(p),
                        "host port {p} already in use on {}",
                        inst.ec2_instance_id
                    );
                    reserved.insert(p);
                }
            }
            let mut next_tcp = crate::instance::DYNAMIC_PORT_FIRST;
            let mut next_udp = crate::instance::DYNAMIC_PORT_FIRST;
            for (_, pm, fixed) in host_port_mappings(def) {
                let host_port = match fixed {
                    Some(p) => p,
                    None => {
                        let (used, next) = match pm.protocol {
                            Protocol::Tcp => (&mut inst.used_tcp_ports, &mut next_tcp),
                            Protocol::Udp => (&mut inst.used_udp_ports, &mut next_udp),
                        };
                        let p = ContainerInstance::free_dynamic_port(used, *next)
                            .expect("no free dynamic port on an instance placement said fits");
                        used.insert(p);
                        *next = p;
                        p
                    }
                };
                host_ports.push(host_port);
            }
            assert!(
                inst.reserved_port_count() <= MAX_RESERVED_PORTS,
                "more than 100 reserved ports on {}",
                inst.ec2_instance_id
            );
        }
        inst.tasks.insert(task);
        if t.desired_status == DesiredStatus::Running {
            inst.add_running(spec.group);
            let after = inst.group_count(spec.group);
            indexes[inst.cluster.index()].note_group(instance, spec.group, 1, after);
        }
        if t.last_status == TaskStatus::Pending {
            inst.pending_tasks_count += 1;
        }
        inst.version += 1;
        t.instance = Some(instance);
        t.holds_resources = true;
        t.host_ports = host_ports.into_boxed_slice();
        self.touch(instance);
    }

    /// Releases everything the task holds on its instance (it has reached STOPPED).
    pub fn release_task(&mut self, task: TaskId) {
        let World {
            tasks,
            specs,
            task_definitions,
            instances,
            indexes,
            ..
        } = self;
        let t = tasks.get_mut(task.0).expect("releasing a released task");
        if !t.holds_resources {
            return;
        }
        t.holds_resources = false;
        let Some(instance) = t.instance else { return };
        let spec = &specs[t.spec.index()];
        let req = &spec.requirements;
        let def = &task_definitions[spec.task_definition.index()];
        let inst = &mut instances[instance.index()];
        assert!(
            inst.reserved.cpu >= req.cpu
                && inst.reserved.memory_mib >= req.memory_mib
                && inst.reserved.gpus >= req.gpus
                && inst.reserved.enis >= req.enis,
            "releasing more than reserved on {}",
            inst.ec2_instance_id
        );
        inst.reserved.cpu -= req.cpu;
        inst.reserved.memory_mib -= req.memory_mib;
        inst.reserved.gpus -= req.gpus;
        inst.reserved.enis -= req.enis;
        // The host ports pair with the mappings that bind one, in the order they were given.
        for ((_, pm, fixed), &port) in host_port_mappings(def).zip(t.host_ports.iter()) {
            let (used, reserved) = match pm.protocol {
                Protocol::Tcp => (&mut inst.used_tcp_ports, &mut inst.reserved_tcp_ports),
                Protocol::Udp => (&mut inst.used_udp_ports, &mut inst.reserved_udp_ports),
            };
            assert!(used.remove(&port), "releasing host port {port} not held");
            if fixed.is_some() {
                assert!(
                    reserved.remove(&port),
                    "releasing reserved port {port} not held"
                );
            }
        }
        assert!(inst.tasks.remove(&task), "task not on its instance");
        if t.desired_status == DesiredStatus::Running {
            inst.remove_running(spec.group);
            let after = inst.group_count(spec.group);
            indexes[inst.cluster.index()].note_group(instance, spec.group, -1, after);
        }
        inst.version += 1;
        self.touch(instance);
    }

    /// Sets the desired status to STOPPED (once), updating the instance's counts.
    pub fn set_desired_stopped(&mut self, task: TaskId) -> bool {
        let t = self.tasks.get_mut(task.0).expect("a released task");
        if t.desired_status == DesiredStatus::Stopped {
            return false;
        }
        t.desired_status = DesiredStatus::Stopped;
        t.version += 1;
        let (instance, holds) = (t.instance, t.holds_resources);
        let group = self.specs[t.spec.index()].group;
        if let (Some(i), true) = (instance, holds) {
            let inst = &mut self.instances[i.index()];
            inst.remove_running(group);
            let after = inst.group_count(group);
            self.indexes[inst.cluster.index()].note_group(i, group, -1, after);
            inst.version += 1;
            self.touch(i);
        }
        true
    }

    /// Moves a task to `status`, keeping the cluster's and instance's counters.
    pub fn set_last_status(&mut self, task: TaskId, status: TaskStatus) {
        let t = self.tasks.get_mut(task.0).expect("a released task");
        let old = t.last_status;
        if old == status {
            return;
        }
        assert!(
            status > old,
            "task status went backwards: {old:?} -> {status:?}"
        );
        t.last_status = status;
        t.version += 1;
        let (cluster, instance) = (t.cluster, t.instance);
        let c = &mut self.clusters[cluster.index()];
        c.tasks_by_status[old as usize] -= 1;
        c.tasks_by_status[status as usize] += 1;
        if old == TaskStatus::Provisioning {
            self.provisioning_now -= 1;
        }
        if let Some(i) = instance {
            let inst = &mut self.instances[i.index()];
            if old == TaskStatus::Pending && inst.tasks.contains(&task) {
                inst.pending_tasks_count -= 1;
            }
            if status == TaskStatus::Pending && inst.tasks.contains(&task) {
                inst.pending_tasks_count += 1;
            }
        }
    }
}

/// The copy of `text` in `strings`, added if it is not there yet.
fn shared(strings: &mut BTreeSet<Arc<str>>, text: &str) -> Arc<str> {
    if let Some(s) = strings.get(text) {
        return Arc::clone(s);
    }
    let s: Arc<str> = Arc::from(text);
    strings.insert(Arc::clone(&s));
    s
}

/// The port mappings of a task definition that bind a host port, in container start order, with
/// their container's name and static host port (None: a dynamic one). A placed task's `host_ports`
/// pair with these, one by one.
fn host_port_mappings(
    def: &TaskDefinition,
) -> impl Iterator<Item = (&str, &PortMapping, Option<u16>)> + '_ {
    let mode = def.network_mode;
    def.containers_in_start_order()
        .filter(move |_| mode.binds_host_ports())
        .flat_map(move |c| {
            c.port_mappings
                .iter()
                .map(move |pm| (c.name.as_str(), pm, pm.static_host_port(mode)))
        })
}

/// The network bindings of a placed task of `def` (API: NetworkBinding): one per port mapping that
/// binds a host port, in container start order, with the port it was given.
pub fn network_bindings<'a>(
    def: &'a TaskDefinition,
    task: &'a Task,
) -> impl Iterator<Item = NetworkBinding<'a>> + 'a {
    host_port_mappings(def).zip(task.host_ports.iter()).map(
        |((container, pm, fixed), &host_port)| NetworkBinding {
            container,
            container_port: pm.container_port,
            host_port,
            protocol: pm.protocol,
            dynamic: fixed.is_none(),
        },
    )
}

/// API: NetworkBinding — a host port a container was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkBinding<'a> {
    pub container: &'a str,
    pub container_port: Option<u16>,
    pub host_port: u16,
    pub protocol: Protocol,
    /// Taken from the dynamic range (hostPort 0 or absent in bridge mode).
    pub dynamic: bool,
}
