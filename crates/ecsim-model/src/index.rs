//! An index over a cluster's instances for placement. It is derived state only: placement's scan
//! gives the same answers, and the index lets it find them without looking at every instance.
//!
//! What it holds, per cluster:
//! - **Partitions**: `all`, and one per value of each tracked attribute (`ecs.availability-zone`
//!   always, any other spread attribute from its first use; values interned as `u32`). A partition
//!   holds its *placeable* instances (ACTIVE, agent connected): `members`, an order-statistics set
//!   by instance id ([`RankSet`]: count, rank and k-th in O(log n)); per **fit class** (a task size
//!   `prepare` registered, at most [`MAX_FIT_CLASSES`]) the members with at least that much CPU and
//!   memory left, another [`RankSet`]; and, when kept, two [`Ordering`]s, by remaining CPU and by
//!   remaining memory, each split into 33 buckets by the log2 of the *other* resource (so a walk for
//!   a CPU-hungry task skips CPU-full instances wholesale), in pooled [`SortedBlocks`].
//! - **Which orderings are kept** ([`Kept`], per scope: `all`, or one attribute's partitions): all
//!   of them until the first `World::index_on_demand` (placement's `prepare`), then only those a
//!   prepared binpack walk reads. Counted chains need none: their fit class answers "has room".
//! - **Groups**: per task group, the instances holding its tasks (desired RUNNING, any status),
//!   sorted by id, and the task count per (tracked attribute, value) over every instance. The world
//!   reports each change as it happens (`note_group`, from `place_task`,
//!   `release_task`, `set_desired_stopped`).
//! - **Exception sets**, small in practice, that let placement enumerate every placeable instance a
//!   check other than CPU and memory could reject: `odd` (ECS Anywhere instances, instances near the
//!   100 reserved ports or out of dynamic ports), `no_eni` (no ENI left), `port_users` (task static
//!   host ports per port) and the registered (agent) ports of any instance.
//! - **Conditions**: cached verdicts of `memberOf` expressions and required attributes
//!   ([`ConditionCache`]).
//!
//! Architecture Invariant: after `World::sync_index`, every instance of the cluster has an entry
//! holding what it has now (placeable, remaining CPU and memory, value ids, task static ports), and
//! every structure above holds exactly the instances its entry says: an instance is in a
//! partition's `members` iff it is placeable and has that value, in a fit class's set iff also its
//! remaining resources admit the class, in each kept ordering at its remaining (CPU, memory), and in
//! `groups[g].occupied` iff it holds a task of `g` with desired status RUNNING (kept at every
//! change, even between syncs). Static fields (attributes, agent, status) change only through
//! `World::instance_mut`, which marks the entry for re-reading them.
//! Architecture Invariant: refreshing an instance and reporting a group change allocate nothing in
//! steady state: entries keep their buffers, the sets are pooled, nothing is cloned per refresh.
//!
//! Costs, n instances, p partitions an instance is in (1 + tracked attributes), o kept orderings,
//! f fit classes: refreshing an instance after a placement O(p × (o log n + f)) plus O(f × log n)
//! per class it enters or leaves; a group change O(p + log n); a status or attribute change also
//! O(p log n + conditions × evaluation); tracking a new attribute, ordering, class or condition
//! O(n log n) once.

mod blocks;
mod condition;
mod rank;

pub use blocks::SortedBlocks;
pub use condition::{Condition, ConditionCache, Verdict, MAX_CONDITIONS};
pub use rank::{select_union, RankSet};

use crate::ids::{GroupId, InstanceId};
use crate::instance::{
    ContainerInstance, DYNAMIC_PORT_FIRST, DYNAMIC_PORT_LAST, MAX_RESERVED_PORTS,
};
use crate::task_definition::Protocol;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Number of log2 buckets of a `u32` (0, then `[1]`, `[2,3]`, `[4,7]`, ... `[2^31, 2^32-1]`).
pub const BUCKETS: usize = 33;

/// The log2 bucket of an amount: 0 for 0, else 1 + floor(log2(x)). Bucket b ≥ 1 holds
/// [2^(b-1), 2^b - 1].
pub fn bucket(x: u32) -> usize {
    (32 - x.leading_zeros()) as usize
}

/// RULE: requests with at most this many static host ports may skip the 100-reserved-ports check on
/// instances outside `odd` (an instance joins `odd` above 100 − this many reserved ports).
pub const ODD_STATIC_PORTS_MAX: usize = 16;
/// RULE: requests with at most this many dynamic host ports of a protocol may skip the dynamic-range
/// check on instances outside `odd` (an instance joins `odd` with fewer free dynamic ports).
pub const ODD_DYNAMIC_PORTS_MAX: u16 = 64;

/// Instances ordered by one remaining resource, as (remaining, id), split into buckets by the log2 of
/// the *other* resource's remaining amount.
#[derive(Clone, Debug)]
pub struct Ordering {
    pub buckets: [SortedBlocks<(u32, InstanceId)>; BUCKETS],
    /// Bit b set iff bucket b is non-empty (walks skip empty buckets without touching them).
    nonempty: u64,
}

impl Default for Ordering {
    fn default() -> Self {
        Ordering {
            buckets: std::array::from_fn(|_| SortedBlocks::default()),
            nonempty: 0,
        }
    }
}

impl Ordering {
    fn insert(&mut self, key: u32, other: u32, id: InstanceId) {
        let b = bucket(other);
        self.buckets[b].insert((key, id));
        self.nonempty |= 1 << b;
    }
    fn remove(&mut self, key: u32, other: u32, id: InstanceId) {
        let b = bucket(other);
        assert!(self.buckets[b].remove(&(key, id)), "index out of step");
        if self.buckets[b].is_empty() {
            self.nonempty &= !(1 << b);
        }
    }
    /// The non-empty buckets whose instances may have at least `other_need` of the other resource:
    /// the one holding `other_need` itself (mixed) and every one above it, in increasing order.
    pub fn candidate_buckets(&self, other_need: u32) -> impl Iterator<Item = usize> {
        let mut mask = self.nonempty & !((1u64 << bucket(other_need)) - 1);
        std::iter::from_fn(move || {
            if mask == 0 {
                return None;
            }
            let b = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            Some(b)
        })
    }
}

/// RULE: task sizes (CPU, memory) with their own order-statistics sets per partition, the least
/// recently prepared replaced first. Each costs a bit per instance per partition and a comparison
/// per refresh; a counted request of a size not tracked is served by the scan.
pub const MAX_FIT_CLASSES: usize = 16;

/// A task size that requests use: its sets hold the partition's members with at least this much
/// CPU and memory remaining.
#[derive(Clone, Copy, Debug)]
pub struct FitClass {
    pub cpu: u32,
    pub memory: u32,
    last_used: u64,
}

impl FitClass {
    pub fn admits(&self, cpu: u32, memory: u32) -> bool {
        cpu >= self.cpu && memory >= self.memory
    }
}

/// The resource an ordering sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Cpu,
    Memory,
}

/// Which orderings a scope (the whole cluster, or one tracked attribute's partitions) keeps. An
/// ordering is kept from the first request whose chain walks it (binpack on that resource after a
/// spread on that attribute, or after no attribute spread): counted chains need none, and every
/// ordering kept costs two updates per partition per placement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    pub cpu: bool,
    pub memory: bool,
}

impl Kept {
    pub const BOTH: Kept = Kept {
        cpu: true,
        memory: true,
    };
    pub fn has(self, r: Resource) -> bool {
        match r {
            Resource::Cpu => self.cpu,
            Resource::Memory => self.memory,
        }
    }
}

/// The empty set, for a partition that has not been sized for a class (it has no members).
pub static EMPTY_SET: RankSet = RankSet::new();

/// The placeable instances of a partition: by id, by id among those that fit each fit class, and
/// ordered by remaining CPU and memory.
#[derive(Clone, Debug, Default)]
pub struct Partition {
    pub members: RankSet,
    /// Per fit class (in `ClusterIndex::fit_classes` order), the members it admits.
    fits: Vec<RankSet>,
    pub by_cpu: Ordering,
    pub by_memory: Ordering,
}

impl Partition {
    /// The members that fit class `k`.
    pub fn fits(&self, k: usize) -> &RankSet {
        self.fits.get(k).unwrap_or(&EMPTY_SET)
    }
    fn insert(&mut self, e: &Entry, classes: &[FitClass], kept: Kept) {
        self.members.insert(e.id);
        self.insert_orderings(e.cpu, e.memory, e.id, kept);
        self.fits.resize_with(classes.len(), RankSet::default);
        for (k, c) in classes.iter().enumerate() {
            if c.admits(e.cpu, e.memory) {
                self.fits[k].insert(e.id);
            }
        }
    }
    fn remove(&mut self, e: &Entry, classes: &[FitClass], kept: Kept) {
        assert!(self.members.remove(e.id), "index out of step");
        self.remove_orderings(e.cpu, e.memory, e.id, kept);
        for (k, c) in classes.iter().enumerate() {
            if c.admits(e.cpu, e.memory) {
                assert!(self.fits[k].remove(e.id), "index out of step");
            }
        }
    }
    /// A member's remaining resources changed from `old` to `new` (CPU, memory).
    fn move_member(
        &mut self,
        id: InstanceId,
        old: (u32, u32),
        new: (u32, u32),
        classes: &[FitClass],
        kept: Kept,
    ) {
        self.remove_orderings(old.0, old.1, id, kept);
        self.insert_orderings(new.0, new.1, id, kept);
        for (k, c) in classes.iter().enumerate() {
            match (c.admits(old.0, old.1), c.admits(new.0, new.1)) {
                (true, false) => assert!(self.fits[k].remove(id), "index out of step"),
                (false, true) => {
                    self.fits[k].insert(id);
                }
                _ => {}
            }
        }
    }
    fn insert_orderings(&mut self, cpu: u32, memory: u32, id: InstanceId, kept: Kept) {
        if kept.cpu {
            self.by_cpu.insert(cpu, memory, id);
        }
        if kept.memory {
            self.by_memory.insert(memory, cpu, id);
        }
    }
    fn remove_orderings(&mut self, cpu: u32, memory: u32, id: InstanceId, kept: Kept) {
        if kept.cpu {
            self.by_cpu.remove(cpu, memory, id);
        }
        if kept.memory {
            self.by_memory.remove(memory, cpu, id);
        }
    }
    /// The ordering by `r` (empty unless its scope keeps it).
    pub fn ordering(&self, r: Resource) -> &Ordering {
        match r {
            Resource::Cpu => &self.by_cpu,
            Resource::Memory => &self.by_memory,
        }
    }
    pub fn len(&self) -> u32 {
        self.members.len()
    }
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// One tracked attribute: a partition per value. Values are interned as ids so that the hot path
/// compares integers, not strings.
#[derive(Clone, Debug, Default)]
pub struct AttributeIndex {
    /// The id of "absent, or present without a value" (RULE: one value of its own), once seen.
    none_id: Option<u32>,
    /// The id of each value seen.
    some_ids: BTreeMap<String, u32>,
    /// Placeable instances per value id.
    pub partitions: Vec<Partition>,
    /// Its position in `ClusterIndex::attributes` (and in each entry's `values`).
    slot: usize,
    /// Tasks (desired RUNNING) per group id, per value id, over every instance of the cluster.
    counts: Vec<Vec<u32>>,
    /// The orderings its partitions keep.
    pub kept: Kept,
}

impl AttributeIndex {
    /// The id of a value, if any instance has had it.
    pub fn value_id(&self, value: Option<&str>) -> Option<u32> {
        match value {
            None => self.none_id,
            Some(v) => self.some_ids.get(v).copied(),
        }
    }

    fn intern(&mut self, value: Option<&str>) -> u32 {
        if let Some(id) = self.value_id(value) {
            return id;
        }
        let id = self.partitions.len() as u32;
        self.partitions.push(Partition::default());
        match value {
            None => self.none_id = Some(id),
            Some(v) => {
                self.some_ids.insert(v.to_string(), id);
            }
        }
        id
    }

    /// Tasks (desired status RUNNING) of `group` on instances whose value has id `value`, over every
    /// instance of the cluster.
    pub fn group_count(&self, group: GroupId, value: u32) -> u32 {
        self.counts
            .get(group.index())
            .and_then(|c| c.get(value as usize))
            .copied()
            .unwrap_or(0)
    }

    /// The position of this attribute in each entry's values.
    pub fn slot(&self) -> usize {
        self.slot
    }

    fn add_count(&mut self, group: GroupId, value: u32, delta: i64) {
        if self.counts.len() <= group.index() {
            self.counts.resize_with(group.index() + 1, Vec::new);
        }
        let c = &mut self.counts[group.index()];
        if c.len() <= value as usize {
            c.resize(value as usize + 1, 0);
        }
        let n = &mut c[value as usize];
        *n = u32::try_from(*n as i64 + delta).expect("group count out of step");
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
            ports: Vec::new(),
        }
    }
}

/// The instances holding tasks of one group.
#[derive(Clone, Debug, Default)]
pub struct GroupState {
    /// Instances with at least one task of the group (desired RUNNING), sorted by id.
    pub occupied: SortedBlocks<InstanceId>,
}

/// The index of one cluster.
#[derive(Clone, Debug)]
pub struct ClusterIndex {
    /// False until the first `World::index_on_demand`: until then every scope keeps both orderings
    /// (for callers that place without `prepare`); from then on only those asked for.
    on_demand: bool,
    pub all: Partition,
    /// The orderings `all` keeps.
    pub all_kept: Kept,
    /// Tracked attribute names and their indexes.
    pub attributes: Vec<(String, AttributeIndex)>,
    /// By instance id (ids of other clusters are absent).
    entries: Vec<Entry>,
    /// By group id.
    groups: Vec<GroupState>,
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
            all: Partition::default(),
            all_kept: Kept::BOTH,
            attributes: Vec::new(),
            entries: Vec::new(),
            groups: Vec::new(),
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

impl ClusterIndex {
    pub fn attribute(&self, name: &str) -> Option<&AttributeIndex> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a)
    }

    /// The entry of an instance of this cluster.
    pub fn entry(&self, id: InstanceId) -> Option<&Entry> {
        self.entries.get(id.index()).filter(|e| e.present)
    }

    /// The instances holding tasks of `group` (desired RUNNING), sorted by id.
    pub fn occupied(&self, group: GroupId) -> impl Iterator<Item = InstanceId> + '_ {
        self.groups
            .get(group.index())
            .into_iter()
            .flat_map(|g| g.occupied.iter().copied())
    }

    /// The cached verdicts of a `memberOf` expression, if prepared.
    pub fn member_of(&self, expr: &Arc<ecsim_query::Expression>) -> Option<&ConditionCache> {
        self.conditions.iter().find(|c| c.is_member_of(expr))
    }

    /// The cached presence of a required attribute, if prepared.
    pub fn required_attribute(&self, name: &str) -> Option<&ConditionCache> {
        self.conditions.iter().find(|c| c.is_attribute(name))
    }

    /// Starts tracking `name`, built from the current entries.
    pub(crate) fn track(&mut self, name: &str, instances: &[ContainerInstance]) {
        if self.attribute(name).is_some() {
            return;
        }
        let slot = self.attributes.len();
        let mut a = AttributeIndex {
            slot,
            kept: if self.on_demand {
                Kept::default()
            } else {
                Kept::BOTH
            },
            ..AttributeIndex::default()
        };
        for e in self.entries.iter_mut().filter(|e| e.present) {
            let inst = &instances[e.id.index()];
            let v = a.intern(inst.attribute(name).flatten());
            e.values.push(v);
            if e.placeable {
                a.partitions[v as usize].insert(e, &self.fit_classes, a.kept);
            }
            for &(g, n) in &inst.group_counts {
                a.add_count(g, v, n as i64);
            }
        }
        self.attributes.push((name.to_string(), a));
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
    /// dropped. Once per cluster (placement's `prepare` calls it first).
    pub(crate) fn keep_on_demand(&mut self) {
        if self.on_demand {
            return;
        }
        self.on_demand = true;
        self.all_kept = Kept::default();
        self.all.by_cpu = Ordering::default();
        self.all.by_memory = Ordering::default();
        for (_, a) in &mut self.attributes {
            a.kept = Kept::default();
            for p in &mut a.partitions {
                p.by_cpu = Ordering::default();
                p.by_memory = Ordering::default();
            }
        }
    }

    /// Keeps the ordering by `r` of a scope (`attribute` None: the whole cluster) from now on,
    /// built from the current members; a no-op when kept or when the attribute is not tracked.
    pub(crate) fn keep_ordering(&mut self, attribute: Option<&str>, r: Resource) {
        let entries = &self.entries;
        let (kept, partitions) = match attribute {
            None => (&mut self.all_kept, std::slice::from_mut(&mut self.all)),
            Some(name) => match self.attributes.iter_mut().find(|(n, _)| n == name) {
                Some((_, a)) => (&mut a.kept, &mut a.partitions[..]),
                None => return,
            },
        };
        if kept.has(r) {
            return;
        }
        for p in partitions {
            let Partition {
                members,
                by_cpu,
                by_memory,
                ..
            } = p;
            for id in members.iter() {
                let e = &entries[id.index()];
                match r {
                    Resource::Cpu => by_cpu.insert(e.cpu, e.memory, id),
                    Resource::Memory => by_memory.insert(e.memory, e.cpu, id),
                }
            }
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

    /// Tracks a task size (or marks it used), built from the current entries.
    pub(crate) fn track_fit_class(&mut self, cpu: u32, memory: u32) {
        self.clock += 1;
        if let Some(k) = self.fit_class(cpu, memory) {
            self.fit_classes[k].last_used = self.clock;
            return;
        }
        let mut partitions: Vec<&mut Partition> = std::iter::once(&mut self.all)
            .chain(
                self.attributes
                    .iter_mut()
                    .flat_map(|(_, a)| a.partitions.iter_mut()),
            )
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
        for ((_, a), &v) in self.attributes.iter_mut().zip(&e.values) {
            a.add_count(group, v, delta as i64);
        }
        let occupied = &mut self.group_mut(group).occupied;
        if after == 0 {
            assert!(occupied.remove(&id), "not occupied");
        } else if after as i64 == delta as i64 {
            assert!(occupied.insert(id), "occupied twice");
        }
    }

    fn group_mut(&mut self, g: GroupId) -> &mut GroupState {
        if self.groups.len() <= g.index() {
            self.groups.resize_with(g.index() + 1, GroupState::default);
        }
        &mut self.groups[g.index()]
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

        // Values of the tracked attributes change only with static fields.
        let mut values = std::mem::take(&mut self.values);
        values.clear();
        if read_static {
            for (name, a) in &mut self.attributes {
                values.push(a.intern(inst.attribute(name).flatten()));
            }
        } else {
            values.extend_from_slice(&e.values);
        }
        let moved = first || placeable != e.placeable || values != e.values;

        // Partitions.
        if !first && e.placeable {
            if moved {
                self.all.remove(&e, &self.fit_classes, self.all_kept);
                for ((_, a), &v) in self.attributes.iter_mut().zip(&e.values) {
                    a.partitions[v as usize].remove(&e, &self.fit_classes, a.kept);
                }
            } else if (e.cpu, e.memory) != (rem.cpu, rem.memory_mib) {
                let (old, new) = ((e.cpu, e.memory), (rem.cpu, rem.memory_mib));
                let classes = &self.fit_classes;
                self.all.move_member(id, old, new, classes, self.all_kept);
                for ((_, a), &v) in self.attributes.iter_mut().zip(&e.values) {
                    a.partitions[v as usize].move_member(id, old, new, classes, a.kept);
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
            self.all.insert(&e, &self.fit_classes, self.all_kept);
            for ((_, a), &v) in self.attributes.iter_mut().zip(&values) {
                a.partitions[v as usize].insert(&e, &self.fit_classes, a.kept);
            }
        }

        // Groups: kept by `note_group` as tasks come and go; read whole when the instance is new,
        // and moved wholesale when its values changed.
        if first {
            for &(g, n) in &inst.group_counts {
                for ((_, a), &v) in self.attributes.iter_mut().zip(&values) {
                    a.add_count(g, v, n as i64);
                }
                self.group_mut(g).occupied.insert(id);
            }
        } else if old_values_differ {
            for &(g, n) in &inst.group_counts {
                for (((_, a), &old), &new) in self.attributes.iter_mut().zip(&e.values).zip(&values)
                {
                    a.add_count(g, old, -(n as i64));
                    a.add_count(g, new, n as i64);
                }
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
