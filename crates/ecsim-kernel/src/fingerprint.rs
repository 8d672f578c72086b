//! The run fingerprint: a hash over every processed event, in order.
//!
//! Two runs with the same fingerprint processed the same events at the same times in the same order.
//! It is two independent FNV-1a lanes (128 bits): fast on the hot path and stable across platforms;
//! it guards against accidental divergence, not adversaries.

/// An order-sensitive hash of a run's events.
#[derive(Clone, Debug)]
pub struct Fingerprint {
    a: u64,
    b: u64,
    count: u64,
}

impl Default for Fingerprint {
    fn default() -> Self {
        Self::new()
    }
}

impl Fingerprint {
    pub fn new() -> Self {
        Fingerprint {
            a: 0xcbf2_9ce4_8422_2325,
            b: 0x6c62_272e_07bb_0142,
            count: 0,
        }
    }

    /// Absorbs a whole record's bytes: [`Fingerprint::write`] then [`Fingerprint::end`].
    pub fn absorb(&mut self, bytes: &[u8]) {
        self.write(bytes);
        self.end();
    }

    /// Absorbs part of a record. A record written in several parts hashes exactly as its
    /// concatenation, so callers need no buffer to assemble one.
    pub fn write(&mut self, bytes: &[u8]) {
        for &x in bytes {
            self.a ^= x as u64;
            self.a = self.a.wrapping_mul(0x0000_0100_0000_01b3);
            self.b ^= (x as u64).rotate_left(5) ^ 0x9e;
            self.b = self.b.wrapping_mul(0x0000_0100_0000_01b3).rotate_left(1);
        }
    }

    /// Ends a record: a separator, so ("ab","c") and ("a","bc") differ.
    pub fn end(&mut self) {
        self.a = (self.a ^ 0xff).wrapping_mul(0x0000_0100_0000_01b3);
        self.b = (self.b ^ 0x1ff).wrapping_mul(0x0000_0100_0000_01b3);
        self.count += 1;
    }

    /// Number of records absorbed.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The fingerprint as 32 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.a, self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_boundaries_matter() {
        let h = |parts: &[&[u8]]| {
            let mut f = Fingerprint::new();
            for p in parts {
                f.absorb(p);
            }
            f.hex()
        };
        assert_eq!(h(&[b"a", b"b"]), h(&[b"a", b"b"]));
        assert_ne!(h(&[b"a", b"b"]), h(&[b"b", b"a"]));
        assert_ne!(h(&[b"ab", b"c"]), h(&[b"a", b"bc"]));
    }

    #[test]
    fn a_record_in_parts_hashes_as_a_whole() {
        let mut whole = Fingerprint::new();
        whole.absorb(b"abcdef");
        let mut parts = Fingerprint::new();
        parts.write(b"ab");
        parts.write(b"cd");
        parts.write(b"ef");
        parts.end();
        assert_eq!(whole.hex(), parts.hex());
        assert_eq!(parts.count(), 1);
    }
}
