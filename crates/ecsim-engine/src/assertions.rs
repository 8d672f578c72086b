//! Scenario assertions: evaluated at the end of a run, from figures kept while it ran. What an
//! assertion needs of a service's history (its lowest healthy count over a window, its steady state
//! at a time) is watched as the history is written ([`Watch`]), so no history is kept.

use crate::output::{Counts, ServiceOutput};
use crate::service::{Deployment, RolloutState};
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::World;

/// The lowest healthy count over `[from, until]` and the first time it was reached, from the
/// entries of a healthy-count history given in time order (one per millisecond, the last value of
/// that millisecond). Before `from` only the value at `from` matters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LowestHealthy {
    from: SimTime,
    until: SimTime,
    /// The value of the last entry at or before `from` (0 before the first).
    at_from: u32,
    lowest: Option<(u32, SimTime)>,
    /// The count below which the window fails, and the first entry after `from` below it.
    threshold: u32,
    first_below: Option<SimTime>,
}

impl LowestHealthy {
    pub fn new(from: SimTime, until: SimTime) -> LowestHealthy {
        LowestHealthy::with_threshold(from, until, 0)
    }

    /// A window that also remembers when the count first fell below `threshold`.
    pub fn with_threshold(from: SimTime, until: SimTime, threshold: u32) -> LowestHealthy {
        LowestHealthy {
            from,
            until,
            at_from: 0,
            lowest: None,
            threshold,
            first_below: None,
        }
    }

    /// The first time in `[from, until]` the count was below the threshold.
    pub fn first_below(&self) -> Option<SimTime> {
        if self.at_from < self.threshold {
            return Some(self.from);
        }
        self.first_below
    }

    /// The next entry of the history.
    pub fn entry(&mut self, t: SimTime, n: u32) {
        if t <= self.from {
            self.at_from = n;
        } else if t <= self.until {
            let lowest = self.lowest.get_or_insert((self.at_from, self.from));
            if n < lowest.0 {
                *lowest = (n, t);
            }
            if n < self.threshold && self.first_below.is_none() {
                self.first_below = Some(t);
            }
        }
    }

    /// The lowest value and when it was first reached.
    pub fn lowest(&self) -> (u32, SimTime) {
        self.lowest.unwrap_or((self.at_from, self.from))
    }
}

/// The steady state at a time point, from a history of (time, steady) entries in time order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SteadyAt {
    by: SimTime,
    last: Option<(SimTime, bool)>,
}

impl SteadyAt {
    pub fn new(by: SimTime) -> SteadyAt {
        SteadyAt { by, last: None }
    }

    pub fn entry(&mut self, t: SimTime, steady: bool) {
        if t <= self.by {
            self.last = Some((t, steady));
        }
    }

    /// Whether the service was steady at `by`, and since when.
    pub fn steady_since(&self) -> Option<SimTime> {
        self.last.and_then(|(t, steady)| steady.then_some(t))
    }
}

/// What one assertion watches of one service's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watch {
    Healthy {
        assertion: usize,
        window: LowestHealthy,
    },
    Steady {
        assertion: usize,
        at: SteadyAt,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Assertion {
    /// At most this many placement failures over the run.
    MaxPlacementFailures { at_most: u64 },
    /// At most this many actions rejected by the simulated state (`ECS Action Error` events).
    MaxActionErrors { at_most: u64 },
    /// The service's healthy tasks never fall below `at_least` over `[from, until]` (until: the
    /// end of the run when absent).
    MinHealthyTasks {
        cluster: String,
        service: String,
        at_least: u32,
        from: SimTime,
        until: Option<SimTime>,
    },
    /// Every deployment of the service reaches COMPLETED within `within` of its creation (a
    /// deployment replaced by a newer one before its deadline is not held to it).
    DeploymentCompletes {
        cluster: String,
        service: String,
        within: SimDuration,
    },
    /// The service is in a steady state at `by`.
    ServiceSteadyBy {
        cluster: String,
        service: String,
        by: SimTime,
    },
    /// At no time more than `at_most` instances running (launched or registered, not yet
    /// terminated or deregistered), in the cluster, the provider's group, or both, or the run.
    MaxInstances {
        cluster: Option<String>,
        capacity_provider: Option<String>,
        at_most: u32,
    },
    /// At no sample the run rate (every instance and Fargate task running then) above `at_most`
    /// dollars per hour.
    MaxCostPerHour { at_most: f64 },
    /// At no time more than `at_most` tasks in PROVISIONING (in the cluster, or in all).
    MaxTasksProvisioning {
        cluster: Option<String>,
        at_most: u32,
    },
}

/// What the service assertions read: the run's services and deployments, the watches of each
/// service (by `ServiceId`), and its end.
pub struct RunFacts<'a> {
    pub counts: &'a Counts,
    pub world: &'a World,
    pub services: &'a [ServiceOutput],
    pub watches: &'a [Vec<Watch>],
    pub deployments: &'a [Deployment],
    pub end: SimTime,
    /// The most instances running at once (launched or registered, not yet gone): of a cluster,
    /// a provider, both, or the run.
    pub instances_peak: &'a dyn Fn(Option<ecsim_model::ClusterId>, Option<&str>) -> u32,
    /// The highest run rate at a sample, $/hour, and when.
    pub max_cost_per_hour: Option<(f64, SimTime)>,
}

impl RunFacts<'_> {
    /// The most recently created service of that name in that cluster.
    fn service(&self, cluster: &str, name: &str) -> Option<&ServiceOutput> {
        let c = self.world.cluster_by_ref(cluster)?;
        self.services
            .iter()
            .rev()
            .find(|s| s.service.cluster == c && s.service.name == name)
    }

    /// The watch of assertion `index` on service `s`.
    fn watch(&self, s: &ServiceOutput, index: usize) -> Option<&Watch> {
        self.watches
            .get(s.service.id.index())?
            .iter()
            .find(|w| match w {
                Watch::Healthy { assertion, .. } | Watch::Steady { assertion, .. } => {
                    *assertion == index
                }
            })
    }
}

fn seconds(t: SimTime) -> String {
    let ms = t.ms();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.3} s", ms as f64 / 1000.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssertionResult {
    pub type_name: &'static str,
    pub passed: bool,
    pub detail: String,
    /// When a failed assertion first failed, as near as its figures tell (`ecsim check`): the
    /// first instant below `atLeast`, a missed deadline, `by`, the peak sample, or else the end
    /// of the run. None when it passed.
    pub failed_at: Option<SimTime>,
}

impl Assertion {
    pub fn type_name(&self) -> &'static str {
        match self {
            Assertion::MaxPlacementFailures { .. } => "maxPlacementFailures",
            Assertion::MaxActionErrors { .. } => "maxActionErrors",
            Assertion::MinHealthyTasks { .. } => "minHealthyTasks",
            Assertion::DeploymentCompletes { .. } => "deploymentCompletes",
            Assertion::ServiceSteadyBy { .. } => "serviceSteadyBy",
            Assertion::MaxInstances { .. } => "maxInstances",
            Assertion::MaxCostPerHour { .. } => "maxCostPerHour",
            Assertion::MaxTasksProvisioning { .. } => "maxTasksProvisioning",
        }
    }

    /// The service this assertion names, if it watches one: (cluster, service).
    pub fn service(&self) -> Option<(&str, &str)> {
        match self {
            Assertion::MinHealthyTasks {
                cluster, service, ..
            }
            | Assertion::DeploymentCompletes {
                cluster, service, ..
            }
            | Assertion::ServiceSteadyBy {
                cluster, service, ..
            } => Some((cluster, service)),
            _ => None,
        }
    }

    /// What this assertion (the `index`-th of the scenario) watches of a service's history, in a run
    /// that ends at `end`.
    pub fn watch(&self, index: usize, end: SimTime) -> Option<Watch> {
        match self {
            Assertion::MinHealthyTasks {
                from,
                until,
                at_least,
                ..
            } => Some(Watch::Healthy {
                assertion: index,
                window: LowestHealthy::with_threshold(
                    *from,
                    until.unwrap_or(end).min(end),
                    *at_least,
                ),
            }),
            Assertion::ServiceSteadyBy { by, .. } => Some(Watch::Steady {
                assertion: index,
                at: SteadyAt::new(*by),
            }),
            _ => None,
        }
    }

    /// Evaluates the `index`-th assertion of the scenario.
    pub fn evaluate(&self, index: usize, facts: &RunFacts<'_>) -> AssertionResult {
        let mut r = self.evaluate_at(index, facts);
        if r.passed {
            r.failed_at = None;
        } else if r.failed_at.is_none() {
            r.failed_at = Some(facts.end);
        }
        r
    }

    fn evaluate_at(&self, index: usize, facts: &RunFacts<'_>) -> AssertionResult {
        let counts = facts.counts;
        let result = |passed: bool, detail: String| AssertionResult {
            type_name: self.type_name(),
            passed,
            detail,
            failed_at: None,
        };
        match self {
            Assertion::MinHealthyTasks {
                cluster,
                service,
                at_least,
                from,
                until,
            } => {
                let Some(s) = facts.service(cluster, service) else {
                    return result(
                        false,
                        format!("service {service} was never created in cluster {cluster}"),
                    );
                };
                let until = until.unwrap_or(facts.end).min(facts.end);
                let (lowest, at, first_below) = match facts.watch(s, index) {
                    Some(Watch::Healthy { window, .. }) => {
                        let (lowest, at) = window.lowest();
                        (lowest, at, window.first_below())
                    }
                    _ => unreachable!("a minHealthyTasks assertion watches its service"),
                };
                let passed = lowest >= *at_least;
                let detail = if passed {
                    format!("service {service} kept at least {at_least} healthy tasks from {} to {} (lowest {lowest})", seconds(*from), seconds(until))
                } else {
                    format!(
                        "service {service} had {lowest} healthy tasks at {}, below {at_least}",
                        seconds(at)
                    )
                };
                AssertionResult {
                    failed_at: first_below.or(Some(at)),
                    ..result(passed, detail)
                }
            }
            Assertion::DeploymentCompletes {
                cluster,
                service,
                within,
            } => {
                let Some(s) = facts.service(cluster, service) else {
                    return result(
                        false,
                        format!("service {service} was never created in cluster {cluster}"),
                    );
                };
                let ids = &s.service.deployments;
                let mut problems = Vec::new();
                let mut first_missed: Option<SimTime> = None;
                let mut checked = 0;
                for (k, id) in ids.iter().enumerate() {
                    let d = &facts.deployments[id.index()];
                    let deadline = d.created_at + *within;
                    let completed = d.completed_at.filter(|&c| c <= deadline);
                    if completed.is_some() {
                        checked += 1;
                        continue;
                    }
                    // Replaced by a newer deployment before its deadline: not held to it.
                    let next = ids
                        .get(k + 1)
                        .map(|n| facts.deployments[n.index()].created_at);
                    if next.is_some_and(|n| n <= deadline) {
                        continue;
                    }
                    checked += 1;
                    let missed = deadline.min(facts.end);
                    first_missed = Some(first_missed.map_or(missed, |m| m.min(missed)));
                    let why = match (d.rollout_state, d.completed_at) {
                        (RolloutState::Failed, _) => "FAILED".to_string(),
                        (_, Some(c)) => format!("completed only at {}", seconds(c)),
                        _ if deadline > facts.end => "not completed when the run ended".to_string(),
                        _ => format!("still {} at its deadline", d.rollout_state.as_str()),
                    };
                    problems.push(format!(
                        "deployment {} (created at {}): {why}",
                        d.id.ecs_id(),
                        seconds(d.created_at)
                    ));
                }
                if problems.is_empty() {
                    result(
                        true,
                        format!(
                            "{checked} deployments of service {service} completed within {} s",
                            within.ms() / 1000
                        ),
                    )
                } else {
                    AssertionResult {
                        failed_at: first_missed,
                        ..result(false, format!("service {service}: {}", problems.join("; ")))
                    }
                }
            }
            Assertion::ServiceSteadyBy {
                cluster,
                service,
                by,
            } => {
                let Some(s) = facts.service(cluster, service) else {
                    return result(
                        false,
                        format!("service {service} was never created in cluster {cluster}"),
                    );
                };
                let since = match facts.watch(s, index) {
                    Some(Watch::Steady { at, .. }) => at.steady_since(),
                    _ => unreachable!("a serviceSteadyBy assertion watches its service"),
                };
                match since {
                    Some(since) => result(
                        true,
                        format!(
                            "service {service} was steady at {} (since {})",
                            seconds(*by),
                            seconds(since)
                        ),
                    ),
                    None => AssertionResult {
                        failed_at: Some(*by),
                        ..result(
                            false,
                            format!(
                                "service {service} was not in a steady state at {}",
                                seconds(*by)
                            ),
                        )
                    },
                }
            }
            Assertion::MaxInstances {
                cluster,
                capacity_provider,
                at_most,
            } => {
                let c = cluster.as_deref().and_then(|n| facts.world.cluster_by_ref(n));
                let peak = (facts.instances_peak)(c, capacity_provider.as_deref());
                let of = match (cluster, capacity_provider) {
                    (Some(c), Some(p)) => format!(" of provider {p} in cluster {c}"),
                    (Some(c), None) => format!(" in cluster {c}"),
                    (None, Some(p)) => format!(" of provider {p}"),
                    (None, None) => String::new(),
                };
                result(
                    peak <= *at_most,
                    format!("at most {peak} instances{of} at once (at most {at_most} allowed)"),
                )
            }
            Assertion::MaxCostPerHour { at_most } => match facts.max_cost_per_hour {
                Some((rate, at)) => AssertionResult {
                    failed_at: Some(at),
                    ..result(
                        rate <= *at_most + 1e-9,
                        format!(
                            "the run rate peaked at ${rate:.4}/hour at {} (at most ${at_most}/hour allowed)",
                            seconds(at)
                        ),
                    )
                },
                None => result(true, "no sample was taken".to_string()),
            },
            Assertion::MaxTasksProvisioning { cluster, at_most } => {
                let peak = match cluster {
                    Some(name) => facts
                        .world
                        .cluster_by_ref(name)
                        .map_or(0, |c| facts.world.cluster(c).provisioning_peak),
                    None => facts.world.provisioning_peak,
                };
                let of = cluster
                    .as_deref()
                    .map_or(String::new(), |c| format!(" in cluster {c}"));
                result(
                    peak <= *at_most,
                    format!("at most {peak} tasks in PROVISIONING{of} at once (at most {at_most} allowed)"),
                )
            }
            _ => self.evaluate_counts(counts),
        }
    }

    fn evaluate_counts(&self, counts: &Counts) -> AssertionResult {
        match *self {
            Assertion::MaxPlacementFailures { at_most } => {
                let failures: u64 = counts.placement_failures.values().sum();
                AssertionResult {
                    type_name: self.type_name(),
                    passed: failures <= at_most,
                    detail: format!("{failures} placement failures (at most {at_most} allowed)"),
                    failed_at: None,
                }
            }
            Assertion::MaxActionErrors { at_most } => AssertionResult {
                type_name: self.type_name(),
                passed: counts.action_errors <= at_most,
                detail: format!(
                    "{} action errors (at most {at_most} allowed)",
                    counts.action_errors
                ),
                failed_at: None,
            },
            _ => unreachable!("a service assertion"),
        }
    }
}
