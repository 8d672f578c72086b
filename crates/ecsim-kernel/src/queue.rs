//! The event queue: a min-heap ordered by (time, phase, insertion sequence), with cancellation.
//!
//! The payload never decides the order: two events at the same time and phase come out in the order
//! they were scheduled. Cancellation is lazy: a cancelled event stays in the heap and is skipped when
//! it reaches the top. Each scheduled event owns a slot, reused once the event has come out, and a key
//! names (slot, generation), so the bookkeeping is bounded by the events pending at once, not by the
//! events of the whole run.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Identifies one scheduled event, for cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey {
    slot: u32,
    generation: u32,
}

struct Entry<E> {
    time: SimTime,
    phase: u8,
    seq: u64,
    slot: u32,
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

/// A slot's state: the generation of the event that holds it, and whether that event is still
/// pending (scheduled, neither cancelled nor come out). A slot is freed only when its entry leaves
/// the heap, so a cancelled event's slot is never reused while its entry is still there.
#[derive(Clone, Copy)]
struct Slot {
    generation: u32,
    pending: bool,
}

/// A discrete-event queue. `phase` orders events scheduled for the same millisecond
/// (lower phases first); the insertion sequence breaks the remaining ties.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    slots: Vec<Slot>,
    free: Vec<u32>,
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
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
        }
    }

    /// Schedules `payload` at `time` in `phase`; returns the key that cancels it.
    pub fn schedule(&mut self, time: SimTime, phase: u8, payload: E) -> EventKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    pending: false,
                });
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 pending events")
            }
        };
        let s = &mut self.slots[slot as usize];
        s.generation = s.generation.wrapping_add(1);
        s.pending = true;
        let key = EventKey {
            slot,
            generation: s.generation,
        };
        self.live += 1;
        self.heap.push(Entry {
            time,
            phase,
            seq,
            slot,
            payload,
        });
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

    /// Frees the slot of an entry that left the heap; a late `cancel` of its key is a no-op.
    fn release(&mut self, slot: u32) {
        self.slots[slot as usize].pending = false;
        self.free.push(slot);
    }

    /// Removes and returns the earliest live event.
    pub fn pop(&mut self) -> Option<(SimTime, u8, E)> {
        while let Some(entry) = self.heap.pop() {
            let pending = self.slots[entry.slot as usize].pending;
            self.release(entry.slot);
            if !pending {
                continue;
            }
            self.live -= 1;
            return Some((entry.time, entry.phase, entry.payload));
        }
        None
    }

    /// The time of the earliest live event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(top) = self.heap.peek() {
            if !self.slots[top.slot as usize].pending {
                let slot = top.slot;
                self.heap.pop();
                self.release(slot);
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

    /// Entries held, cancelled ones included (what the queue costs in memory).
    pub fn held(&self) -> usize {
        self.heap.len()
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
    }
}
