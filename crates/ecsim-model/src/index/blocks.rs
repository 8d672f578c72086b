//! A sorted set as a list of sorted blocks (a B-tree of height two with wide leaves), whose emptied
//! blocks are kept for reuse: after warm-up, inserting and removing allocate nothing, which a
//! `BTreeSet` cannot promise (its nodes split and merge as keys move).
//!
//! Architecture Invariant: every block is non-empty and sorted, blocks are in increasing order with
//! no key in two, `firsts[i] == blocks[i][0]`, and `len` is the number of keys.
//!
//! Costs, n keys, B = [`BLOCK`]: `insert`/`remove` O(log n + B) (a binary search over the
//! blocks' first keys, one within the block, a move of at most 2B keys), a split or merge O(n/B);
//! iterating from a key O(log n) to start, then O(1) per key.

/// Half the largest block: blocks split at 2 × BLOCK keys and merge below BLOCK / 4.
pub const BLOCK: usize = 64;

#[derive(Clone, Debug)]
pub struct SortedBlocks<T> {
    blocks: Vec<Vec<T>>,
    firsts: Vec<T>,
    /// Emptied blocks, reused by splits.
    spare: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for SortedBlocks<T> {
    fn default() -> Self {
        SortedBlocks {
            blocks: Vec::new(),
            firsts: Vec::new(),
            spare: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Ord + Copy> SortedBlocks<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The block that holds `x` if anything does: the last whose first key is at most `x`.
    fn block_of(&self, x: &T) -> usize {
        self.firsts.partition_point(|f| f <= x).saturating_sub(1)
    }

    /// Adds `x`; false if it was there.
    pub fn insert(&mut self, x: T) -> bool {
        if self.blocks.is_empty() {
            let mut b = self.new_block();
            b.push(x);
            self.blocks.push(b);
            self.firsts.push(x);
            self.len = 1;
            return true;
        }
        let i = self.block_of(&x);
        let b = &mut self.blocks[i];
        let Err(p) = b.binary_search(&x) else {
            return false;
        };
        b.insert(p, x);
        self.firsts[i] = b[0];
        self.len += 1;
        if b.len() >= 2 * BLOCK {
            let mut upper = self
                .spare
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(2 * BLOCK));
            let b = &mut self.blocks[i];
            upper.extend_from_slice(&b[BLOCK..]);
            b.truncate(BLOCK);
            self.firsts.insert(i + 1, upper[0]);
            self.blocks.insert(i + 1, upper);
        }
        true
    }

    /// Removes `x`; false if it was not there.
    pub fn remove(&mut self, x: &T) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let i = self.block_of(x);
        let b = &mut self.blocks[i];
        let Ok(p) = b.binary_search(x) else {
            return false;
        };
        b.remove(p);
        self.len -= 1;
        if b.is_empty() {
            self.retire(i);
            return true;
        }
        self.firsts[i] = b[0];
        let small = b.len();
        // A small block joins its successor when both fit in one.
        if small < BLOCK / 4
            && i + 1 < self.blocks.len()
            && small + self.blocks[i + 1].len() < 2 * BLOCK
        {
            let next = std::mem::take(&mut self.blocks[i + 1]);
            self.blocks[i].extend_from_slice(&next);
            self.blocks[i + 1] = next;
            self.blocks[i + 1].clear();
            self.retire(i + 1);
        }
        true
    }

    /// An empty block with room for 2 × BLOCK keys, so that it never grows.
    fn new_block(&mut self) -> Vec<T> {
        self.spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(2 * BLOCK))
    }

    fn retire(&mut self, i: usize) {
        let mut b = self.blocks.remove(i);
        self.firsts.remove(i);
        b.clear();
        self.spare.push(b);
    }

    /// Keys from `x` (included) up, in increasing order.
    pub fn iter_from(&self, x: T) -> impl Iterator<Item = &T> + '_ {
        let (i, p) = if self.blocks.is_empty() {
            (0, 0)
        } else {
            let i = self.block_of(&x);
            (i, self.blocks[i].partition_point(|k| *k < x))
        };
        self.blocks
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .flat_map(move |(k, b)| b[if k == 0 { p } else { 0 }..].iter())
    }

    /// Every key in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.blocks.iter().flat_map(|b| b.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn behaves_as_a_btreeset_under_churn() {
        let mut s = SortedBlocks::default();
        let mut reference = BTreeSet::new();
        let mut x = 11u64;
        for k in 0..40_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = ((x >> 33) % 3000) as u32;
            if k % 2 == 0 || reference.len() < 100 {
                assert_eq!(s.insert(key), reference.insert(key));
            } else {
                assert_eq!(s.remove(&key), reference.remove(&key));
            }
            if k % 997 == 0 {
                assert!(s.iter().copied().eq(reference.iter().copied()));
                assert!(s
                    .iter_from(key)
                    .copied()
                    .eq(reference.range(key..).copied()));
            }
        }
        assert_eq!(s.len(), reference.len());
        for key in reference.clone() {
            assert!(s.remove(&key));
        }
        assert!(s.is_empty());
        assert_eq!(s.iter_from(0).count(), 0);
    }
}
