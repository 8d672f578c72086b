//! The event queue: a min-heap ordered by (time, phase, insertion sequence), with cancellation.
//!
//! The payload never decides the order: two events at the same time and phase come out in the order
//! they were scheduled. Cancellation is lazy (a tombstone per sequence number), so cancelling is O(1)
//! and a cancelled event is skipped when it reaches the top.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Identifies one scheduled event, for cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey(pub u64);

struct Entry<E> {
    time: SimTime,
    phase: u8,
    seq: u64,
    payload: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the earliest (time, phase, seq) is on top.
        (other.time, other.phase, other.seq).cmp(&(self.time, self.phase, self.seq))
    }
}

/// A discrete-event queue. `phase` orders events scheduled for the same millisecond
/// (lower phases first); the insertion sequence breaks the remaining ties.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    /// `cancelled[seq]` for every sequence number issued; a bit vector would do, but a Vec<bool>
    /// is simpler and the queue's lifetime is one run.
    cancelled: Vec<bool>,
    live: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            cancelled: Vec::new(),
            live: 0,
        }
    }

    /// Schedules `payload` at `time` in `phase`; returns the key that cancels it.
    pub fn schedule(&mut self, time: SimTime, phase: u8, payload: E) -> EventKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.cancelled.push(false);
        self.live += 1;
        self.heap.push(Entry {
            time,
            phase,
            seq,
            payload,
        });
        EventKey(seq)
    }

    /// Cancels a scheduled event. Returns false if it already ran or was cancelled.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        match self.cancelled.get_mut(key.0 as usize) {
            Some(flag) if !*flag => {
                // An event that already ran has its flag set by `pop`, so this is a live one.
                *flag = true;
                self.live -= 1;
                true
            }
            _ => false,
        }
    }

    /// Removes and returns the earliest live event.
    pub fn pop(&mut self) -> Option<(SimTime, u8, E)> {
        while let Some(entry) = self.heap.pop() {
            let flag = &mut self.cancelled[entry.seq as usize];
            if *flag {
                continue;
            }
            *flag = true; // mark as consumed so a late cancel is a no-op
            self.live -= 1;
            return Some((entry.time, entry.phase, entry.payload));
        }
        None
    }

    /// The time of the earliest live event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(top) = self.heap.peek() {
            if self.cancelled[top.seq as usize] {
                self.heap.pop();
            } else {
                return Some(top.time);
            }
        }
        None
    }

    /// Number of live (scheduled, not cancelled, not yet popped) events.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
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
    }
}
