//! The world: arenas of clusters, container instances, task definitions and tasks, with the
//! resource books. Every reservation is asserted when it is made and again when it is released.

use crate::ids::{ClusterId, GroupId, InstanceId, TaskDefId, TaskId};
use crate::index::{ClusterIndex, Condition};
use crate::instance::{ContainerInstance, InstanceStatus, MAX_RESERVED_PORTS};
use crate::task::{DesiredStatus, NetworkBinding, Task, TaskStatus};
use crate::task_definition::{Protocol, TaskDefStatus, TaskDefinition};
use std::collections::BTreeMap;
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
    pub task_definitions: Vec<TaskDefinition>,
    pub tasks: Vec<Task>,
    cluster_names: BTreeMap<String, ClusterId>,
    families: BTreeMap<String, Vec<TaskDefId>>,
    groups: Vec<String>,
    group_ids: BTreeMap<String, GroupId>,
    /// Lookup of instances by ec2InstanceId, ARN and ARN suffix.
    instance_refs: BTreeMap<String, InstanceId>,
    /// The placement index per cluster, and the instances changed since it was last refreshed.
    indexes: Vec<ClusterIndex>,
    dirty: Vec<InstanceId>,
    /// Instance numbers handed out so far.
    instance_numbers: u64,
}

/// The EC2 id of the n-th instance of a run (from 1): `i-` + 17 hex digits of n (SPEC §9).
pub fn ec2_instance_id_for(n: u64) -> String {
    format!("i-{n:017x}")
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
            tasks: Vec::new(),
            cluster_names: BTreeMap::new(),
            families: BTreeMap::new(),
            groups: Vec::new(),
            group_ids: BTreeMap::new(),
            instance_refs: BTreeMap::new(),
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
    /// cluster) ordered by remaining `resource` (placement's preparation step for binpack walks).
    pub fn track_ordering(
        &mut self,
        cluster: ClusterId,
        attribute: Option<&str>,
        resource: crate::index::Resource,
    ) {
        self.indexes[cluster.index()].keep_ordering(attribute, resource);
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
        let name = r.rsplit_once(":cluster/").map(|(_, n)| n).unwrap_or(r);
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
        self.instance_refs.contains_key(ec2_instance_id)
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
        let cluster_name = self.clusters[cluster.index()].name.clone();
        let arn = self.arn(&format!("container-instance/{cluster_name}/{n:032x}"));
        let mut inst = ContainerInstance {
            id,
            cluster,
            ec2_instance_id: ec2_instance_id.unwrap_or_else(|| ec2_instance_id_for(n)),
            arn,
            status: InstanceStatus::Active,
            agent_connected: true,
            agent_version: String::new(),
            capacity_provider: None,
            registered_at: Default::default(),
            deregistered_at: None,
            terminated: false,
            registered: Default::default(),
            reserved: Default::default(),
            registered_tcp_ports: Vec::new(),
            registered_udp_ports: Vec::new(),
            used_tcp_ports: Default::default(),
            used_udp_ports: Default::default(),
            reserved_tcp_ports: Default::default(),
            reserved_udp_ports: Default::default(),
            attributes: BTreeMap::new(),
            external: false,
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
        self.instance_refs.insert(inst.ec2_instance_id.clone(), id);
        self.instance_refs.insert(inst.arn.clone(), id);
        self.instance_refs.insert(format!("{n:032x}"), id);
        self.clusters[cluster.index()].instances.push(id);
        self.instances.push(inst);
        self.touch(id);
        id
    }

    /// An instance of `cluster` by ec2InstanceId, ARN or ARN id.
    pub fn instance_by_ref(&self, cluster: ClusterId, r: &str) -> Option<InstanceId> {
        self.instance_refs
            .get(r)
            .copied()
            .filter(|&i| self.instances[i.index()].cluster == cluster)
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
        self.task_definitions.push(def);
        id
    }

    /// `family` (latest ACTIVE revision), `family:revision`, or a task-definition ARN.
    pub fn task_definition_by_ref(&self, r: &str) -> Option<TaskDefId> {
        let r = r
            .rsplit_once(":task-definition/")
            .map(|(_, x)| x)
            .unwrap_or(r);
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

    pub fn group_name(&self, g: GroupId) -> &str {
        &self.groups[g.index()]
    }

    // ----- tasks -----

    /// Creates a task in PROVISIONING with desired status RUNNING, not yet placed.
    /// Adds a task built with [`Task::new`]; assigns its id and ARN (the n-th task of the run is n as
    /// 32 hex digits, SPEC §9).
    pub fn add_task(&mut self, task: Task) -> TaskId {
        let id = TaskId(self.tasks.len() as u32);
        let n = id.0 as u64 + 1;
        let cluster_name = &self.clusters[task.cluster.index()].name;
        let arn = format!(
            "arn:aws:ecs:{}:{}:task/{}/{n:032x}",
            self.region, self.account_id, cluster_name
        );
        let mut task = task;
        task.id = id;
        task.arn = arn;
        debug_assert_eq!(task.last_status, TaskStatus::Provisioning);
        let c = &mut self.clusters[task.cluster.index()];
        c.tasks_by_status[task.last_status as usize] += 1;
        self.tasks.push(task);
        id
    }

    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id.index()]
    }

    /// A task of `cluster` by ARN or id.
    /// Task ids are deterministic (the n-th task is n as 32 hex digits), so a reference is parsed,
    /// not looked up: a full ARN must match the task's exactly, a bare id only its number.
    pub fn task_by_ref(&self, cluster: ClusterId, r: &str) -> Option<TaskId> {
        let hex = r.rsplit('/').next()?;
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let n = u128::from_str_radix(hex, 16).ok()?;
        let task = self.tasks.get(usize::try_from(n.checked_sub(1)?).ok()?)?;
        let same = if r.contains('/') { task.arn == r } else { true };
        (same && task.cluster == cluster).then_some(task.id)
    }

    /// Places a not-yet-placed task on `instance`: reserves CPU, memory, GPUs, ENIs and host ports,
    /// and counts it in the instance's task groups. The caller has checked that it fits; a task that
    /// does not fit here is a bug.
    pub fn place_task(&mut self, task: TaskId, instance: InstanceId) {
        let (group, req, desired, last_status, containers_ports) = {
            let t = &self.tasks[task.index()];
            assert!(
                t.instance.is_none() && !t.holds_resources,
                "task placed twice"
            );
            let def = &self.task_definitions[t.task_definition.index()];
            // Containers start in dependency order, and take their dynamic ports in that order.
            let mode = def.network_mode;
            let ports: Vec<(String, Option<u16>, Option<u16>, Protocol)> = def
                .containers_in_start_order()
                .flat_map(|c| {
                    c.port_mappings.iter().map(move |pm| {
                        (
                            c.name.clone(),
                            pm.container_port,
                            pm.static_host_port(mode),
                            pm.protocol,
                        )
                    })
                })
                .collect();
            (
                t.group,
                t.requirements.clone(),
                t.desired_status,
                t.last_status,
                (def.network_mode, ports),
            )
        };
        let inst = &mut self.instances[instance.index()];
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
        let mut bindings = Vec::new();
        let (mode, ports) = containers_ports;
        if mode.binds_host_ports() {
            // Static ports first, so that the dynamic ones (lowest free, SPEC §4) never take a port
            // the task itself asks for.
            for &(_, _, fixed, proto) in &ports {
                if let Some(p) = fixed {
                    let (used, reserved) = match proto {
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
            for (container, cport, fixed, proto) in ports {
                let host_port = match fixed {
                    Some(p) => p,
                    None => {
                        let (used, next) = match proto {
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
                bindings.push(NetworkBinding {
                    container,
                    container_port: cport,
                    host_port,
                    protocol: proto,
                    dynamic: fixed.is_none(),
                });
            }
            assert!(
                inst.reserved_port_count() <= MAX_RESERVED_PORTS,
                "more than 100 reserved ports on {}",
                inst.ec2_instance_id
            );
        }
        inst.tasks.insert(task);
        if desired == DesiredStatus::Running {
            inst.add_running(group);
            let after = inst.group_count(group);
            self.indexes[inst.cluster.index()].note_group(instance, group, 1, after);
        }
        if last_status == TaskStatus::Pending {
            inst.pending_tasks_count += 1;
        }
        inst.version += 1;
        self.touch(instance);
        let t = &mut self.tasks[task.index()];
        t.instance = Some(instance);
        t.holds_resources = true;
        t.network_bindings = bindings;
    }

    /// Releases everything the task holds on its instance (it has reached STOPPED).
    pub fn release_task(&mut self, task: TaskId) {
        let t = &mut self.tasks[task.index()];
        if !t.holds_resources {
            return;
        }
        t.holds_resources = false;
        let Some(instance) = t.instance else { return };
        let req = t.requirements.clone();
        let bindings = std::mem::take(&mut t.network_bindings);
        let desired = t.desired_status;
        let group = t.group;
        let inst = &mut self.instances[instance.index()];
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
        for b in &bindings {
            let (used, reserved) = match b.protocol {
                Protocol::Tcp => (&mut inst.used_tcp_ports, &mut inst.reserved_tcp_ports),
                Protocol::Udp => (&mut inst.used_udp_ports, &mut inst.reserved_udp_ports),
            };
            assert!(
                used.remove(&b.host_port),
                "releasing host port {} not held",
                b.host_port
            );
            if !b.dynamic {
                assert!(
                    reserved.remove(&b.host_port),
                    "releasing reserved port {} not held",
                    b.host_port
                );
            }
        }
        assert!(inst.tasks.remove(&task), "task not on its instance");
        if desired == DesiredStatus::Running {
            inst.remove_running(group);
            let after = inst.group_count(group);
            self.indexes[inst.cluster.index()].note_group(instance, group, -1, after);
        }
        inst.version += 1;
        self.touch(instance);
        self.tasks[task.index()].network_bindings = bindings;
    }

    /// Sets the desired status to STOPPED (once), updating the instance's counts.
    pub fn set_desired_stopped(&mut self, task: TaskId) -> bool {
        let t = &mut self.tasks[task.index()];
        if t.desired_status == DesiredStatus::Stopped {
            return false;
        }
        t.desired_status = DesiredStatus::Stopped;
        t.version += 1;
        let (instance, group, holds) = (t.instance, t.group, t.holds_resources);
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
        let t = &mut self.tasks[task.index()];
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
