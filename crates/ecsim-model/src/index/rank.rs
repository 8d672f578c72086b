//! An order-statistics set of instance ids: a bitset over the dense `u32` arena ids with a Fenwick
//! tree over the popcounts of its 64-bit words, so that a spread tier can be counted and its k-th
//! member (by id) found without listing it.
//!
//! Architecture Invariant: `tree` is the Fenwick tree of `words[..].count_ones()`, and `len` is the
//! number of set bits; every operation keeps both.
//!
//! Costs, n = highest id + 1: `insert`/`remove` O(log(n/64)); `contains` O(1); the k-th member of
//! the union of several sets O(sets × log(n/64) + 64), without building the union
//! ([`select_union`]); growing to a larger id O(n/64) (amortised by doubling).

use crate::ids::InstanceId;

#[derive(Clone, Debug, Default)]
pub struct RankSet {
    words: Vec<u64>,
    /// Fenwick tree over word popcounts, 1-based: `tree[i]` sums words `(i - lowbit(i), i]` - 1.
    /// Its length is a power of two (or 0) so that `select` can descend by halving.
    tree: Vec<u32>,
    len: u32,
}

impl RankSet {
    pub const fn new() -> RankSet {
        RankSet {
            words: Vec::new(),
            tree: Vec::new(),
            len: 0,
        }
    }

    /// Number of members.
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn contains(&self, id: InstanceId) -> bool {
        let (w, b) = (id.index() / 64, id.index() % 64);
        self.words.get(w).is_some_and(|&x| x >> b & 1 == 1)
    }

    /// Adds `id`; false if it was already a member.
    pub fn insert(&mut self, id: InstanceId) -> bool {
        let (w, b) = (id.index() / 64, id.index() % 64);
        if w >= self.words.len() {
            self.grow(w + 1);
        }
        if self.words[w] >> b & 1 == 1 {
            return false;
        }
        self.words[w] |= 1 << b;
        self.add(w, 1);
        self.len += 1;
        true
    }

    /// Removes `id`; false if it was not a member.
    pub fn remove(&mut self, id: InstanceId) -> bool {
        let (w, b) = (id.index() / 64, id.index() % 64);
        if !self.contains(id) {
            return false;
        }
        self.words[w] &= !(1 << b);
        self.add(w, -1);
        self.len -= 1;
        true
    }

    /// Members in increasing id order.
    pub fn iter(&self) -> impl Iterator<Item = InstanceId> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut x = word;
            std::iter::from_fn(move || {
                if x == 0 {
                    return None;
                }
                let b = x.trailing_zeros();
                x &= x - 1;
                Some(InstanceId((w * 64) as u32 + b))
            })
        })
    }

    /// Fenwick node `next` (covering words `(pos, next]`) of the descent in [`select_union`], for a
    /// tree that may be shorter than the descent's: sizes are powers of two, so a node past this
    /// tree's end is the first step (pos 0, covering every member) or lies wholly past its words.
    fn node(&self, pos: usize, next: usize) -> u32 {
        if next <= self.tree.len() {
            self.tree[next - 1]
        } else if pos == 0 {
            self.len
        } else {
            0
        }
    }

    fn add(&mut self, w: usize, delta: i32) {
        let mut i = w + 1;
        while i <= self.tree.len() {
            self.tree[i - 1] = self.tree[i - 1].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }

    /// Room for `words` words: the tree doubles and is rebuilt, O(n/64).
    fn grow(&mut self, words: usize) {
        let size = words.next_power_of_two().max(4);
        self.words.resize(size, 0);
        self.tree.clear();
        self.tree.resize(size, 0);
        for i in 1..=size {
            self.tree[i - 1] += self.words[i - 1].count_ones();
            let parent = i + (i & i.wrapping_neg());
            if parent <= size {
                let v = self.tree[i - 1];
                self.tree[parent - 1] += v;
            }
        }
    }
}

/// The k-th id (0-based) of the union of disjoint sets, if the union has more than k members.
pub fn select_union<'a, I>(sets: I, k: u32) -> Option<InstanceId>
where
    I: Iterator<Item = &'a RankSet> + Clone,
{
    let size = sets.clone().map(|s| s.tree.len()).max().unwrap_or(0);
    if size == 0 {
        return None;
    }
    // Fenwick descent: the largest position whose prefix holds at most k members.
    let mut pos = 0usize;
    let mut left = k;
    let mut step = size;
    while step > 0 {
        let next = pos + step;
        if next <= size {
            let here: u32 = sets.clone().map(|s| s.node(pos, next)).sum();
            if here <= left {
                pos = next;
                left -= here;
            }
        }
        step /= 2;
    }
    // The answer is in word `pos`, the `left`-th set bit of the union's word.
    let mut word: u64 = sets
        .map(|s| s.words.get(pos).copied().unwrap_or(0))
        .fold(0, |a, b| a | b);
    if word.count_ones() <= left {
        return None;
    }
    for _ in 0..left {
        word &= word - 1;
    }
    Some(InstanceId((pos * 64) as u32 + word.trailing_zeros()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_agrees_with_a_sorted_list() {
        let mut s = RankSet::default();
        let mut list = Vec::new();
        // A deterministic spread of ids, some repeated, some removed.
        let mut x = 7u32;
        for k in 0..3000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345) % 5000;
            if k % 3 == 2 {
                assert_eq!(s.remove(InstanceId(x)), list.contains(&x));
                list.retain(|&y| y != x);
            } else {
                assert_eq!(s.insert(InstanceId(x)), !list.contains(&x));
                if !list.contains(&x) {
                    list.push(x);
                }
            }
        }
        list.sort_unstable();
        assert_eq!(s.len() as usize, list.len());
        assert_eq!(s.iter().map(|i| i.0).collect::<Vec<_>>(), list);
        for (k, &id) in list.iter().enumerate() {
            assert_eq!(
                select_union(std::iter::once(&s), k as u32),
                Some(InstanceId(id))
            );
            assert!(s.contains(InstanceId(id)));
        }
        assert_eq!(select_union(std::iter::once(&s), list.len() as u32), None);
        assert!(!s.contains(InstanceId(1_000_000)));
    }

    #[test]
    fn the_union_of_disjoint_sets_selects_in_id_order() {
        let (mut a, mut b, mut c) = (RankSet::default(), RankSet::default(), RankSet::default());
        for id in 0..700u32 {
            match id % 5 {
                0 | 3 => a.insert(InstanceId(id)),
                1 => b.insert(InstanceId(id)),
                _ => c.insert(InstanceId(id * 3)), // a longer tree than the others
            };
        }
        let union: Vec<u32> = {
            let mut v: Vec<u32> = a.iter().chain(b.iter()).map(|i| i.0).collect();
            v.sort_unstable();
            v
        };
        for (k, &id) in union.iter().enumerate() {
            assert_eq!(
                select_union([&a, &b].into_iter(), k as u32),
                Some(InstanceId(id))
            );
        }
        assert_eq!(select_union([&a, &b].into_iter(), union.len() as u32), None);
        assert_eq!(select_union([&b, &c].into_iter(), 0), Some(InstanceId(1)));
        assert_eq!(select_union(std::iter::empty(), 0), None);
    }
}
