//! The event queue, ordered by (time, phase, insertion sequence), with cancellation.
//!
//! The payload never decides the order: two events at the same time and phase come out in the order
//! they were scheduled. Events are kept in one first-in first-out bucket per (time, phase): a
//! simulation schedules many events for the same millisecond (every task a pass starts ends its
//! PENDING state at the same time), so most schedules append to a bucket and most pops take from
//! the front of one, in O(1), and the order within a bucket is the insertion order by construction.
//! A bucket holds its first event inline, so the many buckets of one event (an action, a timer)
//! allocate nothing; emptied buckets are recycled, so a run in steady state allocates nothing here.
//!
//! Cancellation is lazy: a cancelled event stays in its bucket and is skipped when it reaches the
//! front. Each scheduled event owns a slot, reused once the event has come out, and a key names
//! (slot, generation), so the bookkeeping is bounded by the events pending at once, not by the
//! events of the whole run.

use crate::time::SimTime;
use std::collections::{BTreeMap, VecDeque};
use std::num::NonZeroU32;

/// Identifies one scheduled event, for cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey {
    slot: u32,
    generation: NonZeroU32,
}

/// A slot's state: the generation of the event that holds it, and whether that event is still
/// pending (scheduled, neither cancelled nor come out). A slot is freed only when its event leaves
/// its bucket, so a cancelled event's slot is never reused while the event is still queued.
#[derive(Clone, Copy)]
struct Slot {
    generation: NonZeroU32,
    pending: bool,
}

struct Queued<E> {
    slot: u32,
    payload: E,
}

/// The events of one (time, phase) in insertion order: the first inline, the rest after it.
struct Bucket<E> {
    head: Option<Queued<E>>,
    rest: VecDeque<Queued<E>>,
}

impl<E> Bucket<E> {
    fn push_back(&mut self, q: Queued<E>) {
        // The head is only ever empty before the first push or once it has come out; in the
        // second case every later event belongs behind the ones still in `rest`.
        if self.head.is_none() && self.rest.is_empty() {
            self.head = Some(q);
        } else {
            self.rest.push_back(q);
        }
    }

    fn front(&self) -> Option<&Queued<E>> {
        self.head.as_ref().or_else(|| self.rest.front())
    }

    fn pop_front(&mut self) -> Option<Queued<E>> {
        self.head.take().or_else(|| self.rest.pop_front())
    }

    fn is_empty(&self) -> bool {
        self.head.is_none() && self.rest.is_empty()
    }
}

/// A discrete-event queue. `phase` orders events scheduled for the same millisecond
/// (lower phases first); the insertion sequence breaks the remaining ties.
pub struct EventQueue<E> {
    buckets: BTreeMap<(SimTime, u8), Bucket<E>>,
    /// The storage of emptied buckets' `rest`, kept for reuse.
    spare: Vec<VecDeque<Queued<E>>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
    held: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// Buckets kept for reuse at most, and the capacity each keeps: a burst (a pass that starts a
/// million tasks) leaves no large bucket behind.
const SPARE_MAX: usize = 64;
const SPARE_CAPACITY: usize = 1024;

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            buckets: BTreeMap::new(),
            spare: Vec::new(),
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            held: 0,
        }
    }

    /// Schedules `payload` at `time` in `phase`; returns the key that cancels it.
    pub fn schedule(&mut self, time: SimTime, phase: u8, payload: E) -> EventKey {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot {
                    generation: NonZeroU32::MAX,
                    pending: false,
                });
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 pending events")
            }
        };
        let s = &mut self.slots[slot as usize];
        // Generations wrap from u32::MAX to 1: a key is never 0, so `Option<EventKey>` is 8 bytes.
        s.generation = s.generation.checked_add(1).unwrap_or(NonZeroU32::MIN);
        s.pending = true;
        let key = EventKey {
            slot,
            generation: s.generation,
        };
        self.live += 1;
        self.held += 1;
        let spare = &mut self.spare;
        self.buckets
            .entry((time, phase))
            .or_insert_with(|| Bucket {
                head: None,
                rest: spare.pop().unwrap_or_default(),
            })
            .push_back(Queued { slot, payload });
        key
    }

    /// Cancels a scheduled event. Returns false if it already ran or was cancelled.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        match self.slots.get_mut(key.slot as usize) {
            // A reused slot has moved on to another generation, so an old key matches nothing.
            Some(s) if s.generation == key.generation && s.pending => {
                s.pending = false;
                self.live -= 1;
                true
            }
            _ => false,
        }
    }

    /// Drops cancelled events from the front until a live one leads; returns its (time, phase).
    fn front(&mut self) -> Option<(SimTime, u8)> {
        loop {
            let mut entry = self.buckets.first_entry()?;
            let bucket = entry.get_mut();
            while let Some(q) = bucket.front() {
                if self.slots[q.slot as usize].pending {
                    return Some(*entry.key());
                }
                let slot = q.slot;
                bucket.pop_front();
                self.held -= 1;
                self.free.push(slot);
            }
            let emptied = entry.remove();
            self.recycle(emptied);
        }
    }

    fn recycle(&mut self, bucket: Bucket<E>) {
        let mut bucket = bucket.rest;
        if bucket.capacity() > 0 && self.spare.len() < SPARE_MAX {
            bucket.shrink_to(SPARE_CAPACITY);
            self.spare.push(bucket);
        }
    }

    /// Removes and returns the earliest live event.
    pub fn pop(&mut self) -> Option<(SimTime, u8, E)> {
        let (time, phase) = self.front()?;
        let mut entry = self.buckets.first_entry().expect("a front bucket");
        let q = entry.get_mut().pop_front().expect("a live event");
        if entry.get().is_empty() {
            let emptied = entry.remove();
            self.recycle(emptied);
        }
        self.slots[q.slot as usize].pending = false;
        self.free.push(q.slot);
        self.live -= 1;
        self.held -= 1;
        Some((time, phase, q.payload))
    }

    /// The time of the earliest live event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.front().map(|(t, _)| t)
    }

    /// Number of live (scheduled, not cancelled, not yet popped) events.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Events held, cancelled ones not yet dropped included (what the queue costs in memory).
    pub fn held(&self) -> usize {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_phase_then_insertion() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 1, "c");
        q.schedule(SimTime(5), 2, "b");
        q.schedule(SimTime(5), 1, "a1");
        q.schedule(SimTime(5), 1, "a2");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, _, p)| p)).collect();
        assert_eq!(order, vec!["a1", "a2", "b", "c"]);
    }

    #[test]
    fn an_earlier_phase_scheduled_later_still_comes_first() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), 3, "pass");
        q.schedule(SimTime(5), 3, "pass2");
        assert_eq!(q.pop().map(|e| e.2), Some("pass"));
        // Scheduled while the (5, 3) bucket is being consumed, for the same millisecond.
        q.schedule(SimTime(5), 0, "task");
        assert_eq!(q.pop().map(|e| e.2), Some("task"));
        assert_eq!(q.pop().map(|e| e.2), Some("pass2"));
    }

    #[test]
    fn cancelled_events_never_come_out() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime(1), 0, 1);
        q.schedule(SimTime(2), 0, 2);
        assert!(q.cancel(a));
        assert!(!q.cancel(a), "second cancel is a no-op");
        assert_eq!(q.len(), 1);
        assert_eq!(q.peek_time(), Some(SimTime(2)));
        assert_eq!(q.pop().map(|e| e.2), Some(2));
        assert!(q.pop().is_none());
    }

    #[test]
    fn cancelling_a_popped_event_is_a_no_op() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime(1), 0, 1);
        assert!(q.pop().is_some());
        assert!(!q.cancel(a));
        assert_eq!(q.len(), 0);
        // The slot is reused; the old key still names nothing.
        let b = q.schedule(SimTime(2), 0, 2);
        assert!(!q.cancel(a));
        assert!(q.cancel(b));
    }

    #[test]
    fn bookkeeping_is_bounded_by_pending_events() {
        let mut q = EventQueue::new();
        for t in 0..100_000u64 {
            let k = q.schedule(SimTime(t), 0, t);
            if t % 2 == 0 {
                q.cancel(k);
            }
            q.schedule(SimTime(t), 1, t);
            while q.pop().is_some() {}
        }
        assert!(q.slots.len() <= 4, "slots are reused: {}", q.slots.len());
        assert_eq!(q.held(), 0);
    }

    /// The bucketed queue gives exactly a binary heap's order on (time, phase, insertion).
    #[test]
    fn agrees_with_a_sorted_reference() {
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u8, u64)> = Vec::new();
        let mut x: u64 = 12345;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut seq = 0u64;
        let mut out = Vec::new();
        let mut expected = Vec::new();
        for round in 0..200 {
            for _ in 0..50 {
                let t = round * 10 + next() % 30;
                let phase = (next() % 5) as u8;
                q.schedule(SimTime(t), phase, seq);
                reference.push((t, phase, seq));
                seq += 1;
            }
            for _ in 0..40 {
                reference.sort();
                if reference.is_empty() {
                    break;
                }
                expected.push(reference.remove(0).2);
                out.push(q.pop().expect("an event").2);
            }
        }
        assert_eq!(out, expected);
    }
}
