//! Scenario assertions, evaluated at the end of a run.

use crate::output::{Counts, ServiceOutput};
use crate::service::{Deployment, RolloutState};
use ecsim_kernel::{SimDuration, SimTime};
use ecsim_model::World;

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
}

/// What the service assertions read: the run's services and deployments, and its end.
pub struct RunFacts<'a> {
    pub counts: &'a Counts,
    pub world: &'a World,
    pub services: &'a [ServiceOutput],
    pub deployments: &'a [Deployment],
    pub end: SimTime,
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
}

impl Assertion {
    pub fn type_name(&self) -> &'static str {
        match self {
            Assertion::MaxPlacementFailures { .. } => "maxPlacementFailures",
            Assertion::MaxActionErrors { .. } => "maxActionErrors",
            Assertion::MinHealthyTasks { .. } => "minHealthyTasks",
            Assertion::DeploymentCompletes { .. } => "deploymentCompletes",
            Assertion::ServiceSteadyBy { .. } => "serviceSteadyBy",
        }
    }

    pub fn evaluate(&self, facts: &RunFacts<'_>) -> AssertionResult {
        let counts = facts.counts;
        let result = |passed: bool, detail: String| AssertionResult {
            type_name: self.type_name(),
            passed,
            detail,
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
                let (lowest, at) = s.record.lowest_between(*from, until);
                let passed = lowest >= *at_least;
                let detail = if passed {
                    format!("service {service} kept at least {at_least} healthy tasks from {} to {} (lowest {lowest})", seconds(*from), seconds(until))
                } else {
                    format!(
                        "service {service} had {lowest} healthy tasks at {}, below {at_least}",
                        seconds(at)
                    )
                };
                result(passed, detail)
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
                    let why = match (d.rollout_state, d.completed_at) {
                        (RolloutState::Failed, _) => "FAILED".to_string(),
                        (_, Some(c)) => format!("completed only at {}", seconds(c)),
                        _ if deadline > facts.end => "not completed when the run ended".to_string(),
                        _ => format!("still {} at its deadline", d.rollout_state.as_str()),
                    };
                    problems.push(format!(
                        "deployment {} (created at {}): {why}",
                        d.ecs_id,
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
                    result(false, format!("service {service}: {}", problems.join("; ")))
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
                match s.record.steady_at(*by) {
                    Some(since) => result(
                        true,
                        format!(
                            "service {service} was steady at {} (since {})",
                            seconds(*by),
                            seconds(since)
                        ),
                    ),
                    None => result(
                        false,
                        format!(
                            "service {service} was not in a steady state at {}",
                            seconds(*by)
                        ),
                    ),
                }
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
                }
            }
            Assertion::MaxActionErrors { at_most } => AssertionResult {
                type_name: self.type_name(),
                passed: counts.action_errors <= at_most,
                detail: format!(
                    "{} action errors (at most {at_most} allowed)",
                    counts.action_errors
                ),
            },
            _ => unreachable!("a service assertion"),
        }
    }
}
