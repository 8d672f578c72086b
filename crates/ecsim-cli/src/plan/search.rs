//! The smallest feasible count by doubling then bisection (SPEC §12.3), over any oracle. Pure: the
//! oracle is the only thing it calls, once per count, in an order fixed by the answers it gets.

/// What a search found: the smallest count the oracle accepted (None when it accepted none up to
/// `limit`), and every count it tried with the oracle's verdict, in the order tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub answer: Option<u32>,
    pub tried: Vec<(u32, bool)>,
}

/// Tries 1, 2, 4, … (the last step capped at `limit`) until the oracle accepts a count, then
/// bisects between the largest count refused and the smallest accepted. When feasibility is
/// monotone in the count the answer is the smallest feasible count, and the count below it was
/// tried and refused (unless the answer is 1): the answer and the count below are both decided by
/// the oracle, never inferred.
pub fn smallest(limit: u32, mut feasible: impl FnMut(u32) -> bool) -> Found {
    assert!(limit >= 1, "a search needs a count to try");
    let mut tried = Vec::new();
    let mut try_count = |c: u32, tried: &mut Vec<(u32, bool)>| {
        let ok = feasible(c);
        tried.push((c, ok));
        ok
    };
    // Doubling: `lo` the largest count refused (0: none yet), `hi` the first accepted.
    let mut lo = 0u32;
    let mut c = 1u32;
    let hi = loop {
        if try_count(c, &mut tried) {
            break c;
        }
        lo = c;
        if c == limit {
            return Found {
                answer: None,
                tried,
            };
        }
        c = c.saturating_mul(2).min(limit);
    };
    let mut hi = hi;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if try_count(mid, &mut tried) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Found {
        answer: Some(hi),
        tried,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For every threshold up to a limit (and beyond it), a monotone oracle's search finds the
    /// threshold, tried the count below, never tried a count twice or beyond the limit, and took
    /// about 2·log2 steps.
    #[test]
    fn finds_every_threshold_and_tries_the_count_below() {
        for limit in [1u32, 2, 3, 7, 64, 100, 5000] {
            for threshold in 1..=limit + 1 {
                let found = smallest(limit, |c| c >= threshold);
                let expected = (threshold <= limit).then_some(threshold);
                assert_eq!(
                    found.answer, expected,
                    "limit {limit}, threshold {threshold}"
                );
                let counts: Vec<u32> = found.tried.iter().map(|t| t.0).collect();
                let mut unique = counts.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(
                    unique.len(),
                    counts.len(),
                    "no count tried twice: {counts:?}"
                );
                assert!(counts.iter().all(|&c| (1..=limit).contains(&c)));
                for &(c, ok) in &found.tried {
                    assert_eq!(ok, c >= threshold, "the verdicts are the oracle's");
                }
                match expected {
                    Some(a) => {
                        assert!(found.tried.contains(&(a, true)), "the answer was tried");
                        if a > 1 {
                            assert!(
                                found.tried.contains(&(a - 1, false)),
                                "the count below was tried"
                            );
                        }
                    }
                    None => assert!(found.tried.contains(&(limit, false)), "the limit was tried"),
                }
                let log = 32 - limit.leading_zeros();
                assert!(
                    counts.len() as u32 <= 2 * log + 2,
                    "{} tries for limit {limit}",
                    counts.len()
                );
            }
        }
    }

    /// The order of tries for the README's kind of answer: doubling up to 32, then bisection.
    #[test]
    fn doubling_then_bisection_order() {
        let found = smallest(5000, |c| c >= 25);
        assert_eq!(
            found.tried,
            vec![
                (1, false),
                (2, false),
                (4, false),
                (8, false),
                (16, false),
                (32, true),
                (24, false),
                (28, true),
                (26, true),
                (25, true)
            ]
        );
        // Past the last power of two below the limit, the limit itself is tried.
        let found = smallest(5000, |c| c >= 4500);
        assert_eq!(found.tried[12], (4096, false));
        assert_eq!(found.tried[13], (5000, true));
        assert_eq!(found.answer, Some(4500));
    }
}
