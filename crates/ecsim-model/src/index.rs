//! An index over a cluster's instances for placement: the placeable instances ordered by remaining
//! CPU and by remaining memory, partitioned by the value of each tracked attribute, plus the task
//! count per (task group, attribute value).
//!
//! It is an optimization only: placement's scan gives the same answers. The world keeps it up to
//! date; mutations mark instances dirty and `World::sync_index` refreshes them before placement reads.

use crate::ids::{GroupId, InstanceId};
use crate::instance::ContainerInstance;
use std::collections::{BTreeMap, BTreeSet};

/// Number of log2 buckets of a `u32` (0, then [1], [2,3], [4,7], ... [2^31, 2^32-1]).
pub const BUCKETS: usize = 33;

/// The log2 bucket of an amount: 0 for 0, else 1 + floor(log2(x)). Bucket b ≥ 1 holds
/// [2^(b-1), 2^b - 1].
pub fn bucket(x: u32) -> usize {
    (32 - x.leading_zeros()) as usize
}

/// Instances ordered by one remaining resource, as (remaining, id), split into buckets by the log2 of
/// the *other* resource's remaining amount. A binpack(memory) walk for a task needing c CPU units then
/// skips every bucket whose CPU is below c outright, instead of stepping over instances that have
/// memory left but no CPU (the common case for CPU-bound tasks).
#[derive(Clone, Debug)]
pub struct Ordering {
    pub buckets: [BTreeSet<(u32, InstanceId)>; BUCKETS],
}

impl Default for Ordering {
    fn default() -> Self {
        Ordering {
            buckets: std::array::from_fn(|_| BTreeSet::new()),
        }
    }
}

impl Ordering {
    fn insert(&mut self, key: u32, other: u32, id: InstanceId) {
        self.buckets[bucket(other)].insert((key, id));
    }
    fn remove(&mut self, key: u32, other: u32, id: InstanceId) {
        assert!(
            self.buckets[bucket(other)].remove(&(key, id)),
            "index out of step"
        );
    }
    /// The buckets whose instances may have at least `other_need` of the other resource: the one
    /// holding `other_need` itself (mixed) and every one above it.
    pub fn candidates(&self, other_need: u32) -> &[BTreeSet<(u32, InstanceId)>] {
        &self.buckets[bucket(other_need)..]
    }
}

/// The placeable instances of a partition, ordered by remaining CPU and by remaining memory.
#[derive(Clone, Debug, Default)]
pub struct Partition {
    pub by_cpu: Ordering,
    pub by_memory: Ordering,
    pub len: usize,
}

impl Partition {
    fn insert(&mut self, e: &Entry) {
        self.by_cpu.insert(e.cpu, e.memory, e.id);
        self.by_memory.insert(e.memory, e.cpu, e.id);
        self.len += 1;
    }
    fn remove(&mut self, e: &Entry) {
        self.by_cpu.remove(e.cpu, e.memory, e.id);
        self.by_memory.remove(e.memory, e.cpu, e.id);
        self.len -= 1;
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// One tracked attribute: a partition per value, and task counts per (group, value). Values are
/// interned as ids so that the hot path compares integers, not strings.
#[derive(Clone, Debug, Default)]
pub struct AttributeIndex {
    /// The id of "absent, or present without a value" (RULE: one value of its own), once seen.
    none_id: Option<u32>,
    /// The id of each value seen.
    some_ids: BTreeMap<String, u32>,
    /// Placeable instances per value id.
    pub partitions: Vec<Partition>,
    /// Tasks (desired status RUNNING) per (group, value id), over every instance of the cluster.
    pub group_counts: BTreeMap<(GroupId, u32), u32>,
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

    /// Tasks of `group` on instances whose value has id `value`.
    pub fn group_count(&self, group: GroupId, value: u32) -> u32 {
        self.group_counts.get(&(group, value)).copied().unwrap_or(0)
    }
}

/// What the index holds about one instance (to remove it again).
#[derive(Clone, Debug)]
struct Entry {
    id: InstanceId,
    placeable: bool,
    cpu: u32,
    memory: u32,
    /// The instance's value id of each tracked attribute, in `ClusterIndex::attributes` order.
    values: Vec<u32>,
    groups: Vec<(GroupId, u32)>,
}

/// The index of one cluster.
#[derive(Clone, Debug, Default)]
pub struct ClusterIndex {
    pub all: Partition,
    /// Tracked attribute names and their indexes.
    pub attributes: Vec<(String, AttributeIndex)>,
    entries: BTreeMap<InstanceId, Entry>,
}

impl ClusterIndex {
    pub fn attribute(&self, name: &str) -> Option<&AttributeIndex> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a)
    }

    /// Starts tracking `name`, built from the current entries.
    pub(crate) fn track(&mut self, name: &str, instances: &[ContainerInstance]) {
        if self.attribute(name).is_some() {
            return;
        }
        let ids: Vec<InstanceId> = self.entries.keys().copied().collect();
        for &id in &ids {
            self.remove(id);
        }
        self.attributes
            .push((name.to_string(), AttributeIndex::default()));
        for id in ids {
            self.insert(&instances[id.index()]);
        }
    }

    /// Re-reads one instance.
    pub(crate) fn refresh(&mut self, inst: &ContainerInstance) {
        self.remove(inst.id);
        self.insert(inst);
    }

    fn remove(&mut self, id: InstanceId) {
        let Some(e) = self.entries.remove(&id) else {
            return;
        };
        if e.placeable {
            self.all.remove(&e);
        }
        for ((_, a), &v) in self.attributes.iter_mut().zip(&e.values) {
            if e.placeable {
                a.partitions[v as usize].remove(&e);
            }
            for &(g, n) in &e.groups {
                let c = a.group_counts.get_mut(&(g, v)).expect("group count");
                *c -= n;
                if *c == 0 {
                    a.group_counts.remove(&(g, v));
                }
            }
        }
    }

    fn insert(&mut self, inst: &ContainerInstance) {
        let rem = inst.remaining();
        let values = self
            .attributes
            .iter_mut()
            .map(|(n, a)| a.intern(inst.attribute(n).flatten()))
            .collect();
        let e = Entry {
            id: inst.id,
            placeable: inst.accepts_tasks(),
            cpu: rem.cpu,
            memory: rem.memory_mib,
            values,
            groups: inst.group_counts.clone(),
        };
        if e.placeable {
            self.all.insert(&e);
        }
        for ((_, a), &v) in self.attributes.iter_mut().zip(&e.values) {
            if e.placeable {
                a.partitions[v as usize].insert(&e);
            }
            for &(g, n) in &e.groups {
                *a.group_counts.entry((g, v)).or_insert(0) += n;
            }
        }
        self.entries.insert(inst.id, e);
    }
}
