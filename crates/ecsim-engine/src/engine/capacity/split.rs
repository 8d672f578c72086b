//! The base/weight split of a capacity provider strategy (SPEC §8 RULE): which provider the next
//! task goes to, given how many of the counted tasks each provider already has. Pure, so the
//! documented examples are tests.

use crate::capacity::StrategyItem;

/// The item of `strategy` the next task is assigned to, given `counts[i]`, the counted tasks on
/// item i's provider (a service's tasks with desired status RUNNING, or the tasks of one RunTask
/// call so far). None when no item may take it (every weight 0 and the base met).
///
/// The base provider first, until it holds `base` tasks; then the provider with the largest
/// deficit `weight_p × (n + 1) / W − count_p`, where W is the sum of the weights, n the tasks
/// beyond the base and count_p those of them on p; ties go to the earlier item; weight-0 items
/// take nothing beyond their base.
pub fn choose(strategy: &[StrategyItem], counts: &[u32]) -> Option<usize> {
    debug_assert_eq!(strategy.len(), counts.len());
    if let Some(b) = strategy.iter().position(|i| i.base > 0) {
        if counts[b] < strategy[b].base {
            return Some(b);
        }
    }
    let w: u64 = strategy.iter().map(|i| i.weight as u64).sum();
    if w == 0 {
        return None;
    }
    // Counts beyond the base.
    let beyond = |k: usize| -> u64 { (counts[k] - strategy[k].base.min(counts[k])) as u64 };
    let n: u64 = (0..strategy.len()).map(beyond).sum();
    // Compare weight_p × (n + 1) / W − count_p scaled by W: exact in integers.
    let mut best: Option<(usize, i128)> = None;
    for (k, item) in strategy.iter().enumerate() {
        if item.weight == 0 {
            continue;
        }
        let deficit = item.weight as i128 * (n as i128 + 1) - beyond(k) as i128 * w as i128;
        if best.is_none_or(|(_, d)| deficit > d) {
            best = Some((k, deficit));
        }
    }
    best.map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, base: u32, weight: u32) -> StrategyItem {
        StrategyItem {
            capacity_provider: name.to_string(),
            weight,
            base,
        }
    }

    /// Assigns `tasks` tasks one at a time; returns the count per item.
    fn split(strategy: &[StrategyItem], tasks: u32) -> Vec<u32> {
        let mut counts = vec![0; strategy.len()];
        for _ in 0..tasks {
            let k = choose(strategy, &counts).expect("an item takes it");
            counts[k] += 1;
        }
        counts
    }

    /// DG cluster-capacity-providers: weights 1 and 1 — "when the base is satisfied, the tasks will
    /// be split evenly".
    #[test]
    fn equal_weights_split_evenly() {
        let s = [item("a", 0, 1), item("b", 0, 1)];
        assert_eq!(split(&s, 10), vec![5, 5]);
        assert_eq!(split(&s, 7), vec![4, 3]);
    }

    /// DG: weights A=1, B=4 — "for every one task that's run using capacityProviderA, four tasks
    /// would use capacityProviderB".
    #[test]
    fn one_to_four_gives_one_of_every_five_to_a() {
        let s = [item("a", 0, 1), item("b", 0, 4)];
        assert_eq!(split(&s, 10), vec![2, 8]);
        assert_eq!(split(&s, 5), vec![1, 4]);
        assert_eq!(split(&s, 100), vec![20, 80]);
    }

    /// The AWS workshop's example: base 2 with weight 1 on on-demand, weight 3 on spot: "ECS first
    /// places 2 tasks (since base=2) ... then splits the remaining tasks ... in 1:3 ratio"; 10
    /// tasks give 4 and 6.
    #[test]
    fn base_two_then_one_to_three_over_ten_gives_four_and_six() {
        let s = [item("od", 2, 1), item("spot", 0, 3)];
        assert_eq!(split(&s, 10), vec![4, 6]);
        assert_eq!(split(&s, 2), vec![2, 0], "the base comes first");
    }

    /// SPEC §8: base 2 on A with weight 0 and weight 1 on B gives 2 and 8.
    #[test]
    fn a_weight_zero_base_provider_takes_only_its_base() {
        let s = [item("a", 2, 0), item("b", 0, 1)];
        assert_eq!(split(&s, 10), vec![2, 8]);
    }

    /// API: "any capacity providers with a weight of 0 can't be used to place tasks"; all weights 0
    /// leaves nothing once the base is met.
    #[test]
    fn all_zero_weights_place_nothing_beyond_the_base() {
        assert_eq!(choose(&[item("a", 0, 0), item("b", 0, 0)], &[0, 0]), None);
        let s = [item("a", 1, 0), item("b", 0, 0)];
        assert_eq!(choose(&s, &[0, 0]), Some(0));
        assert_eq!(choose(&s, &[1, 0]), None);
    }

    /// Counts that strayed (tasks stopped on one provider) are caught up by the deficit.
    #[test]
    fn the_deficit_rebalances_a_strayed_split() {
        let s = [item("a", 0, 1), item("b", 0, 1)];
        assert_eq!(choose(&s, &[0, 4]), Some(0));
        assert_eq!(choose(&s, &[3, 4]), Some(0));
        assert_eq!(choose(&s, &[4, 4]), Some(0), "ties go to the earlier");
    }
}
