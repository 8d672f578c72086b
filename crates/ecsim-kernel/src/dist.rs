//! Duration distributions for simulated behaviour (task run times, crash times), sampled from a stream.

use crate::random::Stream;
use crate::time::SimDuration;

/// A distribution of durations. Parameters are in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    Fixed {
        ms: u64,
    },
    Uniform {
        min_ms: u64,
        max_ms: u64,
    },
    Exponential {
        mean_ms: u64,
    },
    /// `median_ms` is exp(mu); `sigma` the standard deviation of the underlying normal.
    Lognormal {
        median_ms: u64,
        sigma: f64,
    },
}

impl Distribution {
    /// One sample, rounded to whole milliseconds. The transcendental functions come from `libm`
    /// (pure Rust, the same bits on every platform), not the system's maths library, so a seed gives
    /// the same durations on every machine (SPEC §11). Draws a fixed number of values per variant
    /// (two for lognormal, one otherwise, none for fixed), so streams stay aligned across runs.
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        let ms = match *self {
            Distribution::Fixed { ms } => ms as f64,
            Distribution::Uniform { min_ms, max_ms } => {
                let u = stream.unit();
                min_ms as f64 + u * (max_ms.saturating_sub(min_ms)) as f64
            }
            Distribution::Exponential { mean_ms } => {
                let u = stream.unit();
                -libm::log(1.0 - u) * mean_ms as f64
            }
            Distribution::Lognormal { median_ms, sigma } => {
                // Box-Muller from two uniforms.
                let u1 = 1.0 - stream.unit();
                let u2 = stream.unit();
                let z = (-2.0 * libm::log(u1)).sqrt() * libm::cos(2.0 * std::f64::consts::PI * u2);
                median_ms as f64 * libm::exp(sigma * z)
            }
        };
        let ms = if ms.is_finite() && ms > 0.0 {
            ms.round()
        } else {
            0.0
        };
        SimDuration(ms.min(u64::MAX as f64 / 2.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::RandomStreams;

    #[test]
    fn samples_stay_in_their_support() {
        let mut st = RandomStreams::new(3).stream("d");
        for _ in 0..1000 {
            assert_eq!(Distribution::Fixed { ms: 5 }.sample(&mut st).ms(), 5);
            let u = Distribution::Uniform {
                min_ms: 10,
                max_ms: 20,
            }
            .sample(&mut st)
            .ms();
            assert!((10..=20).contains(&u));
        }
    }

    #[test]
    fn exponential_mean_is_close() {
        let mut st = RandomStreams::new(9).stream("d");
        let n = 20_000;
        let sum: u64 = (0..n)
            .map(|_| {
                Distribution::Exponential { mean_ms: 1000 }
                    .sample(&mut st)
                    .ms()
            })
            .sum();
        let mean = sum as f64 / n as f64;
        assert!((mean - 1000.0).abs() < 50.0, "mean {mean}");
    }
}
