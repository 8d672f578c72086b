//! A scope of a cluster's index: the instances one request may be placed on, with what placement
//! reads about them. The whole cluster is one scope; each capacity provider a request named is
//! another (a [`Pool`]: the cluster's instances registered with that provider, SPEC §8 "placed only
//! among that provider's instances").
//!
//! A scope holds its placeable instances as partitions (`all`, and one per value of each tracked
//! attribute, the value ids being the cluster's), each with its fit-class sets and the orderings the
//! scope keeps; and, per task group, the instances of the scope holding its tasks and the task
//! count per (tracked attribute, value) over every instance of the scope.
//!
//! Architecture Invariant: a scope holds exactly the instances of the cluster that belong to it (all
//! of them for the cluster scope, the provider's for a pool), in the structures their index entry
//! says (see `ClusterIndex`): an instance of the scope is in a partition's `members` iff it is
//! placeable and has that value, and it counts toward its values' group counts whatever its status.

use super::{Entry, RankSet, SortedBlocks};
use crate::ids::{GroupId, InstanceId};
use std::sync::Arc;

/// Number of log2 buckets of a `u32` (0, then `[1]`, `[2,3]`, `[4,7]`, ... `[2^31, 2^32-1]`).
pub const BUCKETS: usize = 33;

/// The log2 bucket of an amount: 0 for 0, else 1 + floor(log2(x)). Bucket b ≥ 1 holds
/// [2^(b-1), 2^b - 1].
pub fn bucket(x: u32) -> usize {
    (32 - x.leading_zeros()) as usize
}

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

/// A task size that requests use: its sets hold the partition's members with at least this much
/// CPU and memory remaining.
#[derive(Clone, Copy, Debug)]
pub struct FitClass {
    pub cpu: u32,
    pub memory: u32,
    pub(crate) last_used: u64,
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

/// Which orderings a scope's partitions keep (`all`, or one attribute's partitions). An ordering is
/// kept from the first request whose chain walks it (binpack on that resource after a spread on that
/// attribute, or after no attribute spread, in that scope): counted chains need none, and every
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
    pub(crate) fits: Vec<RankSet>,
    pub by_cpu: Ordering,
    pub by_memory: Ordering,
}

impl Partition {
    /// The members that fit class `k`.
    pub fn fits(&self, k: usize) -> &RankSet {
        self.fits.get(k).unwrap_or(&EMPTY_SET)
    }
    pub(crate) fn insert(&mut self, e: &Entry, classes: &[FitClass], kept: Kept) {
        self.members.insert(e.id);
        self.insert_orderings(e.cpu, e.memory, e.id, kept);
        self.fits.resize_with(classes.len(), RankSet::default);
        for (k, c) in classes.iter().enumerate() {
            if c.admits(e.cpu, e.memory) {
                self.fits[k].insert(e.id);
            }
        }
    }
    pub(crate) fn remove(&mut self, e: &Entry, classes: &[FitClass], kept: Kept) {
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
    /// Builds the ordering by `r` from the members (`cpu_memory` gives an entry's remaining
    /// amounts).
    pub(crate) fn build_ordering(
        &mut self,
        r: Resource,
        cpu_memory: impl Fn(InstanceId) -> (u32, u32),
    ) {
        let Partition {
            members,
            by_cpu,
            by_memory,
            ..
        } = self;
        for id in members.iter() {
            let (cpu, memory) = cpu_memory(id);
            match r {
                Resource::Cpu => by_cpu.insert(cpu, memory, id),
                Resource::Memory => by_memory.insert(memory, cpu, id),
            }
        }
    }
    /// Drops both orderings.
    pub(crate) fn drop_orderings(&mut self) {
        self.by_cpu = Ordering::default();
        self.by_memory = Ordering::default();
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

/// One tracked attribute within a scope: a partition per value id (the cluster's ids; a value no
/// instance of the scope has had may have no partition) and the group counts per value.
#[derive(Clone, Debug, Default)]
pub struct AttributeIndex {
    /// Placeable instances of the scope per value id.
    pub partitions: Vec<Partition>,
    /// Its position in `ClusterIndex::attributes` (and in each entry's `values`).
    slot: usize,
    /// Tasks (desired RUNNING) per group id, per value id, over every instance of the scope.
    counts: Vec<Vec<u32>>,
    /// The orderings its partitions keep.
    pub kept: Kept,
}

impl AttributeIndex {
    pub(crate) fn new(slot: usize, kept: Kept) -> AttributeIndex {
        AttributeIndex {
            slot,
            kept,
            ..AttributeIndex::default()
        }
    }

    /// Tasks (desired status RUNNING) of `group` on instances of the scope whose value has id
    /// `value`.
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

    /// The partition of value `v`, created (empty) if the scope has none yet.
    pub(crate) fn partition_mut(&mut self, v: u32) -> &mut Partition {
        if self.partitions.len() <= v as usize {
            self.partitions
                .resize_with(v as usize + 1, Partition::default);
        }
        &mut self.partitions[v as usize]
    }

    pub(crate) fn add_count(&mut self, group: GroupId, value: u32, delta: i64) {
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

/// The instances of a scope holding tasks of one group.
#[derive(Clone, Debug, Default)]
pub struct GroupState {
    /// Instances with at least one task of the group (desired RUNNING), sorted by id.
    pub occupied: SortedBlocks<InstanceId>,
}

/// The instances one request may be placed on: the whole cluster, or a [`Pool`].
#[derive(Clone, Debug)]
pub struct Scope {
    pub all: Partition,
    /// The orderings `all` keeps.
    pub all_kept: Kept,
    /// Per tracked attribute, by slot.
    pub attributes: Vec<AttributeIndex>,
    /// By group id.
    groups: Vec<GroupState>,
}

impl Scope {
    /// An empty scope with `attributes` tracked attributes, keeping `kept` in every partition.
    pub(crate) fn new(attributes: usize, kept: Kept) -> Scope {
        Scope {
            all: Partition::default(),
            all_kept: kept,
            attributes: (0..attributes)
                .map(|slot| AttributeIndex::new(slot, kept))
                .collect(),
            groups: Vec::new(),
        }
    }

    /// The tracked attribute at `slot` (every scope tracks every attribute of the cluster).
    pub fn attribute(&self, slot: usize) -> &AttributeIndex {
        &self.attributes[slot]
    }

    /// The instances of the scope holding tasks of `group` (desired RUNNING), sorted by id.
    pub fn occupied(&self, group: GroupId) -> impl Iterator<Item = InstanceId> + '_ {
        self.groups
            .get(group.index())
            .into_iter()
            .flat_map(|g| g.occupied.iter().copied())
    }

    /// Every partition: `all`, then each attribute's.
    pub(crate) fn partitions_mut(&mut self) -> impl Iterator<Item = &mut Partition> {
        std::iter::once(&mut self.all).chain(
            self.attributes
                .iter_mut()
                .flat_map(|a| a.partitions.iter_mut()),
        )
    }

    /// A placeable instance joins: `all`, and its value's partition of each attribute.
    pub(crate) fn insert(&mut self, e: &Entry, values: &[u32], classes: &[FitClass]) {
        self.all.insert(e, classes, self.all_kept);
        for (a, &v) in self.attributes.iter_mut().zip(values) {
            let kept = a.kept;
            a.partition_mut(v).insert(e, classes, kept);
        }
    }

    /// A placeable instance leaves (its entry as last indexed).
    pub(crate) fn remove(&mut self, e: &Entry, classes: &[FitClass]) {
        self.all.remove(e, classes, self.all_kept);
        for (a, &v) in self.attributes.iter_mut().zip(&e.values) {
            a.partitions[v as usize].remove(e, classes, a.kept);
        }
    }

    /// A member's remaining resources changed, its values did not.
    pub(crate) fn move_member(
        &mut self,
        id: InstanceId,
        values: &[u32],
        old: (u32, u32),
        new: (u32, u32),
        classes: &[FitClass],
    ) {
        self.all.move_member(id, old, new, classes, self.all_kept);
        for (a, &v) in self.attributes.iter_mut().zip(values) {
            a.partitions[v as usize].move_member(id, old, new, classes, a.kept);
        }
    }

    /// An instance new to the scope brings its tasks: `counts` per group, at `values`.
    pub(crate) fn add_groups(&mut self, id: InstanceId, counts: &[(GroupId, u32)], values: &[u32]) {
        for &(g, n) in counts {
            for (a, &v) in self.attributes.iter_mut().zip(values) {
                a.add_count(g, v, n as i64);
            }
            self.group_mut(g).occupied.insert(id);
        }
    }

    /// An instance's values changed from `old` to `new`: its tasks move with it.
    pub(crate) fn move_groups(&mut self, counts: &[(GroupId, u32)], old: &[u32], new: &[u32]) {
        for &(g, n) in counts {
            for ((a, &o), &v) in self.attributes.iter_mut().zip(old).zip(new) {
                a.add_count(g, o, -(n as i64));
                a.add_count(g, v, n as i64);
            }
        }
    }

    /// A task of `group` on `id` (at `values`) started (`delta` 1) or stopped (−1) counting as
    /// desired RUNNING; `after` is the instance's count of the group now.
    pub(crate) fn note_group(
        &mut self,
        id: InstanceId,
        values: &[u32],
        group: GroupId,
        delta: i32,
        after: u32,
    ) {
        for (a, &v) in self.attributes.iter_mut().zip(values) {
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

    /// Keeps no ordering from now on.
    pub(crate) fn keep_none(&mut self) {
        self.all_kept = Kept::default();
        for p in self.partitions_mut() {
            p.drop_orderings();
        }
        for a in &mut self.attributes {
            a.kept = Kept::default();
        }
    }
}

/// The scope of one capacity provider: the cluster's instances registered with it (SPEC §8),
/// created by the first request that names the provider.
#[derive(Clone, Debug)]
pub struct Pool {
    /// The provider's name (`ContainerInstance::capacity_provider`).
    pub name: Arc<str>,
    pub scope: Scope,
    /// Every instance of the cluster registered with the provider, whatever its status, by id:
    /// what `random` draws from (the pool's `Cluster::instances`).
    pub instances: Vec<InstanceId>,
}
