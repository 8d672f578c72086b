//! Cached per-instance verdicts of the static placement conditions of a request: a `memberOf`
//! expression (keyed by its `Arc`, held while cached) or a required attribute.
//!
//! A verdict is a pure function of the instance's attributes, agent, version, id and registration
//! time, *unless* evaluating it read `runningTasksCount` or `task:group`, which change with every
//! placement: such an instance is marked [`Verdict::Depends`] and placement evaluates it live.
//! The recording view makes this exact per instance: if an evaluation read no task state, the
//! path it took (and so its result) cannot change until a static field does.
//!
//! Architecture Invariant: for every instance of the cluster, `verdicts[id]` is the verdict of the
//! instance as it is at the last `sync_index`, and `matching`/`non_matching`/`depends` partition
//! the cluster's instances by it. Static fields change only through `World::instance_mut`, which
//! marks the instance for re-evaluation.
//!
//! Costs: building a cache evaluates every instance of the cluster once; a static change
//! re-evaluates that instance under every cache of the cluster (O(caches × evaluation)); a lookup is
//! O(1). At most [`MAX_CONDITIONS`] caches per cluster, the least recently prepared evicted first.

use crate::ids::InstanceId;
use crate::instance::ContainerInstance;
use ecsim_query::{Expression, InstanceView};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::Arc;

/// RULE: a bound on cached conditions per cluster (each costs a byte per instance and its sets);
/// an evicted one is rebuilt when a request names it again.
pub const MAX_CONDITIONS: usize = 64;

/// What a cached condition says about one instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not an instance of this cluster.
    Absent,
    Match,
    NoMatch,
    /// The result reads task state on this instance: evaluate it at placement time.
    Depends,
}

/// The condition itself.
#[derive(Clone, Debug)]
pub enum Condition {
    /// A `memberOf` constraint's compiled expression; cached per `Arc`.
    MemberOf(Arc<Expression>),
    /// The instance has this attribute (SPEC §4 step 1: required attributes present).
    HasAttribute(String),
}

/// One cached condition of a cluster.
#[derive(Clone, Debug)]
pub struct ConditionCache {
    pub condition: Condition,
    verdicts: Vec<Verdict>,
    pub matching: BTreeSet<InstanceId>,
    pub non_matching: BTreeSet<InstanceId>,
    pub depends: BTreeSet<InstanceId>,
    /// The index's preparation clock when a request last named it (for eviction).
    pub(crate) last_used: u64,
}

impl ConditionCache {
    pub(crate) fn new(condition: Condition, last_used: u64) -> ConditionCache {
        ConditionCache {
            condition,
            verdicts: Vec::new(),
            matching: BTreeSet::new(),
            non_matching: BTreeSet::new(),
            depends: BTreeSet::new(),
            last_used,
        }
    }

    pub fn is_member_of(&self, expr: &Arc<Expression>) -> bool {
        matches!(&self.condition, Condition::MemberOf(e) if Arc::ptr_eq(e, expr))
    }

    pub fn is_attribute(&self, name: &str) -> bool {
        matches!(&self.condition, Condition::HasAttribute(n) if n == name)
    }

    /// Re-evaluates one instance of the cluster.
    pub(crate) fn refresh(&mut self, inst: &ContainerInstance, start_time_unix_ms: i64) {
        let verdict = match &self.condition {
            Condition::HasAttribute(name) => {
                if inst.attribute(name).is_some() {
                    Verdict::Match
                } else {
                    Verdict::NoMatch
                }
            }
            Condition::MemberOf(expr) => {
                let view = StaticView {
                    instance: inst,
                    start_time_unix_ms,
                    read_tasks: Cell::new(false),
                };
                let matched = expr.matches(&view);
                if view.read_tasks.get() {
                    Verdict::Depends
                } else if matched {
                    Verdict::Match
                } else {
                    Verdict::NoMatch
                }
            }
        };
        let id = inst.id;
        if self.verdicts.len() <= id.index() {
            self.verdicts.resize(id.index() + 1, Verdict::Absent);
        }
        let old = std::mem::replace(&mut self.verdicts[id.index()], verdict);
        if old == verdict {
            return;
        }
        if let Some(set) = self.set_mut(old) {
            set.remove(&id);
        }
        if let Some(set) = self.set_mut(verdict) {
            set.insert(id);
        }
    }

    fn set_mut(&mut self, v: Verdict) -> Option<&mut BTreeSet<InstanceId>> {
        match v {
            Verdict::Absent => None,
            Verdict::Match => Some(&mut self.matching),
            Verdict::NoMatch => Some(&mut self.non_matching),
            Verdict::Depends => Some(&mut self.depends),
        }
    }
}

/// An instance as the query language sees it, answering task-state subjects with placeholders and
/// recording that it was asked: a result that read them is not cached.
struct StaticView<'a> {
    instance: &'a ContainerInstance,
    start_time_unix_ms: i64,
    read_tasks: Cell<bool>,
}

impl InstanceView for StaticView<'_> {
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.instance.attribute(name)
    }
    fn agent_connected(&self) -> bool {
        self.instance.agent_connected
    }
    fn agent_version(&self) -> &str {
        &self.instance.agent_version
    }
    fn ec2_instance_id(&self) -> &str {
        &self.instance.ec2_instance_id
    }
    fn registered_at_ms(&self) -> i64 {
        self.start_time_unix_ms + self.instance.registered_at.ms() as i64
    }
    fn running_tasks_count(&self) -> u32 {
        self.read_tasks.set(true);
        0
    }
    fn has_task_group(&self, _group: &str) -> bool {
        self.read_tasks.set(true);
        false
    }
    fn task_groups(&self) -> Vec<&str> {
        self.read_tasks.set(true);
        Vec::new()
    }
}
