//! Seeded random streams, one per named purpose.
//!
//! Every draw in a run comes from a ChaCha8 stream derived from (seed, purpose), so adding draws for
//! one purpose (say, task failures) never shifts the draws of another (say, placement).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A purpose's random stream.
#[derive(Clone)]
pub struct Stream {
    rng: ChaCha8Rng,
}

impl Stream {
    /// A uniform integer in `0..n`. `n` must be positive.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Stream::below(0)");
        self.rng.random_range(0..n)
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// An exponential draw with mean `mean` (one uniform, `libm`'s logarithm: the same bits on
    /// every platform), unrounded: for the gaps of a Poisson process accumulated exactly.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -libm::log(1.0 - self.unit()) * mean
    }

    /// True with probability `p` (clamped to [0, 1]). Draws exactly once whatever `p` is,
    /// so the stream's position does not depend on the probability's value.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p.clamp(0.0, 1.0)
    }
}

/// Derives streams from the run's seed.
#[derive(Clone, Copy, Debug)]
pub struct RandomStreams {
    seed: u64,
}

impl RandomStreams {
    pub fn new(seed: u64) -> Self {
        RandomStreams { seed }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream for `purpose`. The same (seed, purpose) always gives the same stream.
    pub fn stream(&self, purpose: &str) -> Stream {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        // ChaCha's 64-bit stream id separates purposes without any shared state.
        rng.set_stream(fnv1a64(purpose.as_bytes()));
        Stream { rng }
    }
}

/// FNV-1a, 64-bit: stable across platforms and releases, unlike std's hasher.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_purpose_give_the_same_draws() {
        let s = RandomStreams::new(42);
        let a: Vec<u64> = (0..10)
            .map({
                let mut st = s.stream("placement");
                move |_| st.below(1000)
            })
            .collect();
        let b: Vec<u64> = (0..10)
            .map({
                let mut st = s.stream("placement");
                move |_| st.below(1000)
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn purposes_and_seeds_are_independent() {
        let draw = |seed: u64, purpose: &str| {
            let mut st = RandomStreams::new(seed).stream(purpose);
            (0..8).map(|_| st.below(1 << 40)).collect::<Vec<_>>()
        };
        assert_ne!(draw(1, "placement"), draw(1, "durations"));
        assert_ne!(draw(1, "placement"), draw(2, "placement"));
    }

    #[test]
    fn below_stays_in_range() {
        let mut st = RandomStreams::new(7).stream("x");
        for n in 1..200 {
            assert!(st.below(n) < n);
        }
    }
}
