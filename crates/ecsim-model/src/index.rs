//! An index over a cluster's instances for placement. It is derived state only: placement's scan
//! gives the same answers, and the index lets it find them without looking at every instance.
//!
//! What it holds, per cluster:
//! - **Scopes** ([`Scope`], `scope.rs`): the instances a request may be placed on. The cluster
//!   scope holds every instance; a **pool** ([`Pool`]) holds one capacity provider's instances (the
//!   cluster's instances registered with it: a task assigned to the provider is placed only among
//!   them, SPEC §8). Pools are created by placement's `prepare` the first time a request names the
//!   provider (`World::track_pool`); a run without providers has none and pays nothing for them.
//!   An instance of a provider with a pool is in two scopes, the cluster's and its pool's, and each
//!   refresh and group change updates both; no instance is in two pools (its provider is fixed at
//!   registration). Each scope has:
//!   - **Partitions**: `all`, and one per value of each tracked attribute (`ecs.availability-zone`
//!     always, any other spread attribute from its first use; values interned as `u32`, the same
//!     ids in every scope). A partition holds its *placeable* instances (ACTIVE, agent connected):
//!     `members`, an order-statistics set by instance id ([`RankSet`]: count, rank and k-th in
//!     O(log n)); per **fit class** (a task size `prepare` registered, at most
//!     [`MAX_FIT_CLASSES`], shared by every scope) the members with at least that much CPU and
//!     memory left, another [`RankSet`]; and, when kept, two [`Ordering`]s, by remaining CPU and by
//!     remaining memory, each split into 33 buckets by the log2 of the *other* resource (so a walk
//!     for a CPU-hungry task skips CPU-full instances wholesale), in pooled [`SortedBlocks`].
//!   - **Which orderings are kept** ([`Kept`], per scope and per scope's attribute): all of them
//!     until the first `World::index_on_demand` (placement's `prepare`), then only those a prepared
//!     binpack walk in that scope reads. Counted chains need none: their fit class answers "has
//!     room". A pool's orderings are kept only for the walks requests naming the provider make.
//!   - **Groups**: per task group, the instances of the scope holding its tasks (desired RUNNING,
//!     any status), sorted by id, and the task count per (tracked attribute, value) over every
//!     instance of the scope: what spread counts for a request in that scope. The world reports
//!     each change as it happens (`note_group`, from `place_task`, `release_task`,
//!     `set_desired_stopped`).
//! - **Exception sets**, over the whole cluster and small in practice, that let placement enumerate
//!   every placeable instance a check other than CPU and memory could reject: `odd` (ECS Anywhere
//!   instances, instances near the 100 reserved ports or out of dynamic ports), `no_eni` (no ENI
//!   left), `port_users` (task static host ports per port) and the registered (agent) ports of any
//!   instance. A request in a pool enumerates them too and keeps the pool's members (one bit test
//!   each).
//! - **Conditions**: cached verdicts of `memberOf` expressions and required attributes
//!   ([`ConditionCache`]), over the whole cluster, shared by every scope.
//!
//! Why pools are scopes of their own rather than a filter over the cluster's structures: a spread
//! in a pool counts the group's tasks on the pool's instances only, and its tiers are the pool's
//! least-loaded values, so the counts and the per-value candidate sets have to be the pool's; a
//! filter would make the binpack walk step over every other provider's instances and the counted
//! chains subtract them one by one. The price is a second update per refresh for instances in a
//! pool (the same O(log n) work, allocation-free like the first).
//!
//! Architecture Invariant: after `World::sync_index`, every instance of the cluster has an entry
//! holding what it has now (placeable, remaining CPU and memory, value ids, task static ports, its
//! pool), and every structure above holds exactly the instances its entry says: an instance is in a
//! scope iff it is the cluster's (cluster scope) or registered with the scope's provider (pool), in
//! a scope's partition's `members` iff also it is placeable and has that value, in a fit class's set
//! iff also its remaining resources admit the class, in each kept ordering at its remaining (CPU,
//! memory), and in a scope's `occupied` set of group `g` iff it holds a task of `g` with desired
//! status RUNNING (kept at every change, even between syncs). Static fields (attributes, agent,
//! status) change only through `World::instance_mut`, which marks the entry for re-reading them;
//! the capacity provider never changes (a refresh asserts it).
//! Architecture Invariant: refreshing an instance and reporting a group change allocate nothing in
//! steady state, in every scope: entries keep their buffers, the sets are pooled, nothing is cloned
//! per refresh.
//!
//! Costs, n instances, p partitions an instance is in per scope (1 + tracked attributes), s scopes
//! it is in (1, or 2 in a pool), o kept orderings, f fit classes: refreshing an instance after a
//! placement O(s × p × (o log n + f)) plus O(f × log n) per class it enters or leaves; a group change
//! O(s × (p + log n)); a status or attribute change also O(s × p log n + conditions × evaluation);
//! tracking a new attribute, ordering, class, pool or condition O(n log n) once.

mod blocks;
mod condition;
mod rank;
mod scope;

pub use blocks::SortedBlocks;
pub use condition::{Condition, ConditionCache, Verdict, MAX_CONDITIONS};
pub use rank::{select_union, RankSet};
pub use scope::{
    bucket, AttributeIndex, FitClass, GroupState, Kept, Ordering, Partition, Pool, Resource, Scope,
    BUCKETS, EMPTY_SET,
};

use crate::ids::{GroupId, InstanceId};
use crate::instance::{
    ContainerInstance, DYNAMIC_PORT_FIRST, DYNAMIC_PORT_LAST, MAX_RESERVED_PORTS,
};
use crate::task_definition::Protocol;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// RULE: requests with at most this many static host ports may skip the 100-reserved-ports check on
/// instances outside `odd` (an instance joins `odd` above 100 − this many reserved ports).
pub const ODD_STATIC_PORTS_MAX: usize = 16;
/// RULE: requests with at most this many dynamic host ports of a protocol may skip the dynamic-range
/// check on instances outside `odd` (an instance joins `odd` with fewer free dynamic ports).
pub const ODD_DYNAMIC_PORTS_MAX: u16 = 64;

/// RULE: task sizes (CPU, memory) with their own order-statistics sets per partition, the least
/// recently prepared replaced first. Each costs a bit per instance per partition and a comparison
/// per refresh; a counted request of a size not tracked is served by the scan.
pub const MAX_FIT_CLASSES: usize = 16;

/// The value ids of one tracked attribute, shared by every scope of the cluster. Values are
/// interned as ids so that the hot path compares integers, not strings.
#[derive(Clone, Debug, Default)]
pub struct AttributeValues {
    /// The id of "absent, or present without a value" (RULE: one value of its own), once seen.
    none_id: Option<u32>,
    /// The id of each value seen.
    some_ids: BTreeMap<String, u32>,
    /// Ids handed out.
    len: u32,
}

impl AttributeValues {
    /// The id of a value, if any instance has had it.
    pub fn value_id(&self, value: Option<&str>) -> Option<u32> {
        match value {
            None => self.none_id,
            Some(v) => self.some_ids.get(v).copied(),
        }
    }

    /// How many values have ids (ids are `0..len`).
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn intern(&mut self, value: Option<&str>) -> u32 {
        if let Some(id) = self.value_id(value) {
            return id;
        }
        let id = self.len;
        self.len += 1;
        match value {
            None => self.none_id = Some(id),
            Some(v) => {
                self.some_ids.insert(v.to_string(), id);
            }
        }
        id
    }
}

/// What the index holds about one instance (to remove it again).
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: InstanceId,
    present: bool,
    pub placeable: bool,
    pub odd: bool,
    no_eni: bool,
    /// Set by `World::instance_mut`: attributes, agent or status may have changed.
    static_stale: bool,
    pub cpu: u32,
    pub memory: u32,
    /// The instance's value id of each tracked attribute, in `ClusterIndex::attributes` order.
    pub values: Vec<u32>,
    /// The pool of its capacity provider (a position in `ClusterIndex::pools`), once one exists.
    pub pool: Option<u32>,
    /// Static host ports held by tasks (reserved and not registered), as last read.
    ports: Vec<(Protocol, u16)>,
}

impl Default for Entry {
    fn default() -> Self {
        Entry {
            id: InstanceId(u32::MAX),
            present: false,
            placeable: false,
            odd: false,
            no_eni: false,
            static_stale: false,
            cpu: 0,
            memory: 0,
            values: Vec::new(),
            pool: None,
            ports: Vec::new(),
        }
    }
}

/// The index of one cluster.
#[derive(Clone, Debug)]
pub struct ClusterIndex {
    /// False until the first `World::index_on_demand`: until then every scope keeps both orderings
    /// (for callers that place without `prepare`); from then on only those asked for.
    on_demand: bool,
    /// Every instance of the cluster.
    pub cluster: Scope,
    /// One scope per capacity provider a prepared request named, in order of first use.
    pub pools: Vec<Pool>,
    /// Tracked attribute names and their value ids, by slot.
    pub attributes: Vec<(String, AttributeValues)>,
    /// By instance id (ids of other clusters are absent).
    entries: Vec<Entry>,
    /// Placeable instances a request may fail on for reasons other than CPU, memory, ENIs, static
    /// ports in use and conditions: external (ECS Anywhere), near the reserved-port limit, or short
    /// of dynamic ports (see [`ODD_STATIC_PORTS_MAX`], [`ODD_DYNAMIC_PORTS_MAX`]).
    pub odd: BTreeSet<InstanceId>,
    /// Placeable instances with no ENI left.
    pub no_eni: BTreeSet<InstanceId>,
    /// Instances with a task holding this static host port.
    pub port_users: BTreeMap<(Protocol, u16), BTreeSet<InstanceId>>,
    /// Every port an agent of the cluster registered (reserved on that instance from the start).
    pub registered_ports: BTreeSet<(Protocol, u16)>,
    pub conditions: Vec<ConditionCache>,
    pub fit_classes: Vec<FitClass>,
    clock: u64,
    /// Scratch for value ids during a refresh.
    values: Vec<u32>,
}

impl Default for ClusterIndex {
    fn default() -> Self {
        ClusterIndex {
            on_demand: false,
            cluster: Scope::new(0, Kept::BOTH),
            pools: Vec::new(),
            attributes: Vec::new(),
            entries: Vec::new(),
            odd: BTreeSet::new(),
            no_eni: BTreeSet::new(),
            port_users: BTreeMap::new(),
            registered_ports: BTreeSet::new(),
            conditions: Vec::new(),
            fit_classes: Vec::new(),
            clock: 0,
            values: Vec::new(),
        }
    }
}

/// The scopes an entry is in: the cluster's, and its pool's if it has one.
fn scopes_of<'s>(
    cluster: &'s mut Scope,
    pools: &'s mut [Pool],
    pool: Option<u32>,
) -> impl Iterator<Item = &'s mut Scope> {
    let pool = pool.map(|k| &mut pools[k as usize].scope);
    std::iter::once(cluster).chain(pool)
}

impl ClusterIndex {
    /// The slot of a tracked attribute (its position in `attributes`, in every scope's
    /// `attributes` and in each entry's `values`).
    pub fn slot(&self, name: &str) -> Option<usize> {
        self.attributes.iter().position(|(n, _)| n == name)
    }

    /// A tracked attribute of the cluster scope.
    pub fn attribute(&self, name: &str) -> Option<&AttributeIndex> {
        Some(self.cluster.attribute(self.slot(name)?))
    }

    /// The scope of a request: the pool of `provider` (if created), or the cluster's for None.
    pub fn scope(&self, provider: Option<&str>) -> Option<&Scope> {
        match provider {
            None => Some(&self.cluster),
            Some(p) => self.pool(p).map(|p| &p.scope),
        }
    }

    /// The pool of a capacity provider, if a prepared request named it.
    pub fn pool(&self, provider: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| *p.name == *provider)
    }

    fn pool_position(&self, provider: &str) -> Option<u32> {
        self.pools
            .iter()
            .position(|p| *p.name == *provider)
            .map(|k| k as u32)
    }

    /// The pool `inst` belongs to, if its provider has one.
    fn pool_of(&self, inst: &ContainerInstance) -> Option<u32> {
        self.pool_position(inst.capacity_provider.as_deref()?)
    }

    /// The entry of an instance of this cluster.
    pub fn entry(&self, id: InstanceId) -> Option<&Entry> {
        self.entries.get(id.index()).filter(|e| e.present)
    }

    /// The cached verdicts of a `memberOf` expression, if prepared.
    pub fn member_of(&self, expr: &Arc<ecsim_query::Expression>) -> Option<&ConditionCache> {
        self.conditions.iter().find(|c| c.is_member_of(expr))
    }

    /// The cached presence of a required attribute, if prepared.
    pub fn required_attribute(&self, name: &str) -> Option<&ConditionCache> {
        self.conditions.iter().find(|c| c.is_attribute(name))
    }

    /// What a new ordering set keeps: everything until `keep_on_demand`, then nothing until asked.
    fn initial_kept(&self) -> Kept {
        if self.on_demand {
            Kept::default()
        } else {
            Kept::BOTH
        }
    }

    /// Starts tracking `name` in every scope, built from the current entries.
    pub(crate) fn track(&mut self, name: &str, instances: &[ContainerInstance]) {
        if self.slot(name).is_some() {
            return;
        }
        let slot = self.attributes.len();
        let kept = self.initial_kept();
        let mut ids = AttributeValues::default();
        for s in
            std::iter::once(&mut self.cluster).chain(self.pools.iter_mut().map(|p| &mut p.scope))
        {
            s.attributes.push(AttributeIndex::new(slot, kept));
        }
        for e in self.entries.iter_mut().filter(|e| e.present) {
            let inst = &instances[e.id.index()];
            let v = ids.intern(inst.attribute(name).flatten());
            e.values.push(v);
            for s in scopes_of(&mut self.cluster, &mut self.pools, e.pool) {
                // The new attribute only: its partition and its group counts.
                let a = &mut s.attributes[slot];
                if e.placeable {
                    let kept = a.kept;
                    a.partition_mut(v).insert(e, &self.fit_classes, kept);
                }
                for &(g, n) in &inst.group_counts {
                    a.add_count(g, v, n as i64);
                }
            }
        }
        self.attributes.push((name.to_string(), ids));
    }

    /// Creates the pool of capacity provider `name` (a no-op if it exists), built from the current
    /// entries: the instances registered with it.
    pub(crate) fn track_pool(&mut self, name: &str, instances: &[ContainerInstance]) {
        if self.pool_position(name).is_some() {
            return;
        }
        let k = self.pools.len() as u32;
        let mut scope = Scope::new(self.attributes.len(), self.initial_kept());
        let mut members = Vec::new();
        for e in self.entries.iter_mut().filter(|e| e.present) {
            let inst = &instances[e.id.index()];
            if inst.capacity_provider.as_deref() != Some(name) {
                continue;
            }
            e.pool = Some(k);
            members.push(e.id);
            if e.placeable {
                scope.insert(e, &e.values, &self.fit_classes);
            }
            scope.add_groups(e.id, &inst.group_counts, &e.values);
        }
        self.pools.push(Pool {
            name: Arc::from(name),
            scope,
            instances: members,
        });
    }

    /// Caches a condition (or marks it used), evaluated on every instance of the cluster.
    pub(crate) fn track_condition(
        &mut self,
        found: impl Fn(&ConditionCache) -> bool,
        make: impl FnOnce() -> Condition,
        instances: &[ContainerInstance],
        start_time_unix_ms: i64,
    ) {
        self.clock += 1;
        if let Some(c) = self.conditions.iter_mut().find(|c| found(c)) {
            c.last_used = self.clock;
            return;
        }
        if self.conditions.len() >= MAX_CONDITIONS {
            let oldest = (0..self.conditions.len())
                .min_by_key(|&k| self.conditions[k].last_used)
                .expect("non-empty");
            self.conditions.swap_remove(oldest);
        }
        let mut c = ConditionCache::new(make(), self.clock);
        for e in self.entries.iter().filter(|e| e.present) {
            c.refresh(&instances[e.id.index()], start_time_unix_ms);
        }
        self.conditions.push(c);
    }

    /// From now on, keeps only the orderings `keep_ordering` asks for: those kept so far are
    /// dropped, in every scope. Once per cluster (placement's `prepare` calls it first).
    pub(crate) fn keep_on_demand(&mut self) {
        if self.on_demand {
            return;
        }
        self.on_demand = true;
        self.cluster.keep_none();
        for p in &mut self.pools {
            p.scope.keep_none();
        }
    }

    /// Keeps the ordering by `r` of a scope's partitions (`provider` None: the cluster scope;
    /// `attribute` None: its `all` partition) from now on, built from the current members; a no-op
    /// when kept, or when the pool or the attribute is not tracked.
    pub(crate) fn keep_ordering(
        &mut self,
        provider: Option<&str>,
        attribute: Option<&str>,
        r: Resource,
    ) {
        let slot = match attribute {
            Some(name) => match self.slot(name) {
                Some(s) => Some(s),
                None => return,
            },
            None => None,
        };
        let scope = match provider {
            None => &mut self.cluster,
            Some(p) => match self.pool_position(p) {
                Some(k) => &mut self.pools[k as usize].scope,
                None => return,
            },
        };
        let (kept, partitions) = match slot {
            None => (&mut scope.all_kept, std::slice::from_mut(&mut scope.all)),
            Some(s) => {
                let a = &mut scope.attributes[s];
                (&mut a.kept, &mut a.partitions[..])
            }
        };
        if kept.has(r) {
            return;
        }
        let entries = &self.entries;
        for p in partitions {
            p.build_ordering(r, |id| {
                let e = &entries[id.index()];
                (e.cpu, e.memory)
            });
        }
        match r {
            Resource::Cpu => kept.cpu = true,
            Resource::Memory => kept.memory = true,
        }
    }

    /// The fit class of exactly this task size, if tracked.
    pub fn fit_class(&self, cpu: u32, memory: u32) -> Option<usize> {
        self.fit_classes
            .iter()
            .position(|c| (c.cpu, c.memory) == (cpu, memory))
    }

    /// Tracks a task size (or marks it used) in every partition of every scope, built from the
    /// current entries.
    pub(crate) fn track_fit_class(&mut self, cpu: u32, memory: u32) {
        self.clock += 1;
        if let Some(k) = self.fit_class(cpu, memory) {
            self.fit_classes[k].last_used = self.clock;
            return;
        }
        let mut partitions: Vec<&mut Partition> = std::iter::once(&mut self.cluster)
            .chain(self.pools.iter_mut().map(|p| &mut p.scope))
            .flat_map(|s| s.partitions_mut())
            .collect();
        let classes = self.fit_classes.len();
        for p in &mut partitions {
            p.fits.resize_with(classes, RankSet::default);
        }
        if classes >= MAX_FIT_CLASSES {
            let oldest = (0..classes)
                .min_by_key(|&k| self.fit_classes[k].last_used)
                .expect("non-empty");
            self.fit_classes.swap_remove(oldest);
            for p in &mut partitions {
                p.fits.swap_remove(oldest);
            }
        }
        let class = FitClass {
            cpu,
            memory,
            last_used: self.clock,
        };
        for p in &mut partitions {
            let mut set = RankSet::default();
            for id in p.members.iter() {
                let e = &self.entries[id.index()];
                if class.admits(e.cpu, e.memory) {
                    set.insert(id);
                }
            }
            p.fits.push(set);
        }
        self.fit_classes.push(class);
    }

    /// `World::instance_mut` was called: static fields may change before the next refresh.
    pub(crate) fn mark_static(&mut self, id: InstanceId) {
        if let Some(e) = self.entries.get_mut(id.index()) {
            e.static_stale = true;
        }
    }

    /// A task of `group` on instance `id` started (`delta` 1) or stopped counting (−1) as desired
    /// RUNNING; `after` is the instance's count of the group now. Called by the world as it
    /// happens, so that a refresh never compares group lists. Ignored for an instance not yet
    /// indexed (its first refresh reads its counts whole).
    pub(crate) fn note_group(&mut self, id: InstanceId, group: GroupId, delta: i32, after: u32) {
        let Some(e) = self.entries.get(id.index()).filter(|e| e.present) else {
            return;
        };
        for s in scopes_of(&mut self.cluster, &mut self.pools, e.pool) {
            s.note_group(id, &e.values, group, delta, after);
        }
    }

    /// Whether the next refresh of `id` reads its static fields (new, or `instance_mut` was called).
    pub(crate) fn static_stale(&self, id: InstanceId) -> bool {
        self.entries
            .get(id.index())
            .is_none_or(|e| !e.present || e.static_stale)
    }

    /// Re-reads one instance.
    pub(crate) fn refresh(&mut self, inst: &ContainerInstance, start_time_unix_ms: i64) {
        let id = inst.id;
        if self.entries.len() <= id.index() {
            self.entries.resize_with(id.index() + 1, Entry::default);
        }
        let mut e = std::mem::take(&mut self.entries[id.index()]);
        let first = !e.present;
        let read_static = first || e.static_stale;
        let rem = inst.remaining();
        let placeable = inst.accepts_tasks();
        if first {
            e.pool = self.pool_of(inst);
        } else if read_static {
            assert_eq!(
                e.pool,
                self.pool_of(inst),
                "the capacity provider of {} changed after registration",
                inst.ec2_instance_id
            );
        }

        // Values of the tracked attributes change only with static fields.
        let mut values = std::mem::take(&mut self.values);
        values.clear();
        if read_static {
            for (name, ids) in &mut self.attributes {
                values.push(ids.intern(inst.attribute(name).flatten()));
            }
        } else {
            values.extend_from_slice(&e.values);
        }
        let moved = first || placeable != e.placeable || values != e.values;

        // Partitions, in every scope of the instance.
        let classes = &self.fit_classes;
        if !first && e.placeable {
            if moved {
                for s in scopes_of(&mut self.cluster, &mut self.pools, e.pool) {
                    s.remove(&e, classes);
                }
            } else if (e.cpu, e.memory) != (rem.cpu, rem.memory_mib) {
                let (old, new) = ((e.cpu, e.memory), (rem.cpu, rem.memory_mib));
                for s in scopes_of(&mut self.cluster, &mut self.pools, e.pool) {
                    s.move_member(id, &e.values, old, new, classes);
                }
            }
        }
        let old_values_differ = !first && values != e.values;
        e.id = id;
        e.present = true;
        e.placeable = placeable;
        e.static_stale = false;
        e.cpu = rem.cpu;
        e.memory = rem.memory_mib;
        if moved && placeable {
            for s in scopes_of(&mut self.cluster, &mut self.pools, e.pool) {
                s.insert(&e, &values, classes);
            }
        }

        // Groups: kept by `note_group` as tasks come and go; read whole when the instance is new,
        // and moved wholesale when its values changed.
        if first {
            for s in scopes_of(&mut self.cluster, &mut self.pools, e.pool) {
                s.add_groups(id, &inst.group_counts, &values);
            }
            if let Some(k) = e.pool {
                // Ids only grow, so the new instance goes last; the search keeps it exact anyway.
                let list = &mut self.pools[k as usize].instances;
                let at = list.partition_point(|&i| i < id);
                list.insert(at, id);
            }
        } else if old_values_differ {
            for s in scopes_of(&mut self.cluster, &mut self.pools, e.pool) {
                s.move_groups(&inst.group_counts, &e.values, &values);
            }
        }
        std::mem::swap(&mut e.values, &mut values);
        self.values = values;

        // Ports held by tasks: reserved minus registered, read only when there may be any.
        let registered = inst.registered_tcp_ports.len() + inst.registered_udp_ports.len();
        if first {
            for &p in &inst.registered_tcp_ports {
                self.registered_ports.insert((Protocol::Tcp, p));
            }
            for &p in &inst.registered_udp_ports {
                self.registered_ports.insert((Protocol::Udp, p));
            }
        }
        if !e.ports.is_empty() || inst.reserved_port_count() > registered {
            let mut ports = std::mem::take(&mut e.ports);
            for &key in &ports {
                let users = self.port_users.get_mut(&key).expect("port user");
                users.remove(&id);
            }
            ports.clear();
            let tcp = inst
                .reserved_tcp_ports
                .iter()
                .filter(|p| !inst.registered_tcp_ports.contains(p))
                .map(|&p| (Protocol::Tcp, p));
            let udp = inst
                .reserved_udp_ports
                .iter()
                .filter(|p| !inst.registered_udp_ports.contains(p))
                .map(|&p| (Protocol::Udp, p));
            ports.extend(tcp.chain(udp));
            for &key in &ports {
                self.port_users.entry(key).or_default().insert(id);
            }
            e.ports = ports;
        }

        // Exception sets.
        let odd = placeable && is_odd(inst);
        if odd != e.odd {
            if odd {
                self.odd.insert(id);
            } else {
                self.odd.remove(&id);
            }
            e.odd = odd;
        }
        let no_eni = placeable && rem.enis == 0;
        if no_eni != e.no_eni {
            if no_eni {
                self.no_eni.insert(id);
            } else {
                self.no_eni.remove(&id);
            }
            e.no_eni = no_eni;
        }

        if read_static {
            for c in &mut self.conditions {
                c.refresh(inst, start_time_unix_ms);
            }
        }
        self.entries[id.index()] = e;
    }
}

/// Whether a request within the `ODD_*` limits could fail on `inst` for a reason the index does not
/// otherwise enumerate.
fn is_odd(inst: &ContainerInstance) -> bool {
    let range = (DYNAMIC_PORT_LAST - DYNAMIC_PORT_FIRST + 1) as usize;
    let short = |used: &BTreeSet<u16>| {
        // `used.len()` bounds the dynamic ports in use; count them only when it could matter.
        used.len() + ODD_DYNAMIC_PORTS_MAX as usize > range
            && used.range(DYNAMIC_PORT_FIRST..).count() + ODD_DYNAMIC_PORTS_MAX as usize > range
    };
    inst.external
        || inst.reserved_port_count() + ODD_STATIC_PORTS_MAX > MAX_RESERVED_PORTS
        || short(&inst.used_tcp_ports)
        || short(&inst.used_udp_ports)
}
