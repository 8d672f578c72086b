//! `summary.json`: the run's figures, in exactly the shape and key order of SPEC §9.

use crate::ecs::service::deployment_status;
use crate::names::AsStr;
use ecsim_engine::{RunSummary, ServiceOutput};
use ecsim_model::EcsSvcId;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// What the summary needs that the run itself does not know: the scenario file's digest and the
/// fields the scenario crate accepted and ignored.
#[derive(Clone, Copy, Debug)]
pub struct SummaryMeta<'a> {
    /// Lowercase hex SHA-256 of the scenario file's bytes.
    pub scenario_sha256: &'a str,
    /// Each ignored field's JSON path, once, in the order the scenario crate reports them.
    pub ignored_fields: &'a [String],
}

impl SummaryMeta<'static> {
    /// No digest and no ignored fields (for writing the other files).
    pub fn none() -> SummaryMeta<'static> {
        SummaryMeta {
            scenario_sha256: "",
            ignored_fields: &[],
        }
    }
}

/// The `summary.json` schema version (SPEC §9).
const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    schema_version: u32,
    scenario: ScenarioJson<'a>,
    seed: u64,
    fingerprint: &'a str,
    simulated_ms: u64,
    counts: CountsJson<'a>,
    services: Vec<ServiceJson<'a>>,
    capacity_providers: Vec<ProviderJson<'a>>,
    costs: CostsJson,
    utilization: UtilizationJson,
    /// Beside SPEC §9's keys: the figures for comparing runs, per cluster.
    clusters: Vec<ClusterJson<'a>>,
    assertions: Vec<AssertionJson<'a>>,
    /// SPEC §12.1: the faults the run injected, as the explicit actions they stand for (only when
    /// the scenario has a `faults` block).
    #[serde(skip_serializing_if = "Option::is_none")]
    faults: Option<Vec<FaultJson<'a>>>,
    ignored_fields: &'a [String],
}

/// An injected fault as a scenario action: pasted into `actions` (with the `faults` block
/// removed), it replays the run.
#[derive(Serialize)]
struct FaultJson<'a> {
    /// The exact millisecond, as a duration string.
    at: String,
    action: &'a str,
    input: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    simulation: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct ScenarioJson<'a> {
    name: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CountsJson<'a> {
    events_processed: u64,
    placements: u64,
    tasks_started: u64,
    tasks_stopped: &'a BTreeMap<&'static str, u64>,
    placement_failures: &'a BTreeMap<&'static str, u64>,
    action_errors: u64,
}

/// One service at the end of the run (SPEC §9 `services[]`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceJson<'a> {
    cluster: &'a str,
    service_name: &'a str,
    desired_count: u32,
    running_count: u32,
    healthy_count: u32,
    seconds_below_min_healthy: SecondsFromMs,
    deployments: Vec<DeploymentJson<'a>>,
    /// Beside SPEC §9's keys: the figures for comparing runs.
    unplaced_task_seconds: SecondsFromMs,
    zone_imbalance: ZoneImbalanceJson,
}

/// Over the samples, the largest difference in running tasks between zones.
#[derive(Serialize)]
struct ZoneImbalanceJson {
    mean: f64,
    max: u32,
}

/// A cluster's figures for comparing runs (`clusters[]`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterJson<'a> {
    cluster: &'a str,
    instances_peak: u32,
    instances_mean: f64,
    instance_hours: f64,
    cpu_stranded_pct: f64,
    memory_stranded_pct: f64,
    unplaced_tasks: u64,
    unplaced_task_seconds: f64,
    cost: f64,
}

/// One deployment (or task set) of a service, with its last status (SPEC §9
/// `services[].deployments[]`); a task set is listed in the same shape.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentJson<'a> {
    id: AsStr<EcsSvcId>,
    status: &'static str,
    rollout_state: &'static str,
    task_definition: &'a str,
    created_ms: u64,
    /// Null when it never completed.
    completed_ms: Option<u64>,
    failed_tasks: u32,
}

/// A duration in milliseconds written as seconds, exactly: an integer when it is whole seconds
/// (`0`, `120`, as SPEC §9's example shows), else a number with the millisecond fraction
/// (`12.345`). The quotient by 1000 is correctly rounded, so serde_json's shortest round-trip
/// rendering is the millisecond value itself (see `time::epoch_seconds`).
struct SecondsFromMs(u64);

impl Serialize for SecondsFromMs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(1000) {
            s.serialize_u64(self.0 / 1000)
        } else {
            s.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

impl<'a> ServiceJson<'a> {
    /// Deployments in the service's creation order, each in its final state.
    fn new(summary: &'a RunSummary, o: &'a ServiceOutput) -> ServiceJson<'a> {
        let s = &o.service;
        ServiceJson {
            cluster: &o.cluster_name,
            service_name: &s.name,
            desired_count: s.desired_count,
            running_count: o.running_count,
            healthy_count: o.healthy_count,
            seconds_below_min_healthy: SecondsFromMs(o.record.below_min_healthy_ms),
            unplaced_task_seconds: SecondsFromMs(o.record.unplaced_task_ms),
            zone_imbalance: ZoneImbalanceJson {
                mean: round6(o.record.zone_imbalance_mean()),
                max: o.record.zone_imbalance_max,
            },
            deployments: s
                .deployments
                .iter()
                .map(|&id| {
                    let d = &summary.deployments[id.index()];
                    debug_assert_eq!(d.service, s.id, "deployment of another service");
                    DeploymentJson {
                        id: AsStr(d.id.ecs_id()),
                        status: deployment_status(d),
                        rollout_state: d.rollout_state.as_str(),
                        task_definition: &summary.task_definition_arns[d.task_definition.index()],
                        created_ms: d.created_at.ms(),
                        completed_ms: d.completed_at.map(|t| t.ms()),
                        failed_tasks: d.failed_tasks,
                    }
                })
                .collect(),
        }
    }
}

/// One provider in one cluster over the run (SPEC §9 `capacityProviders[]`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProviderJson<'a> {
    cluster: &'a str,
    name: &'a str,
    instances_peak: u32,
    instance_hours: f64,
    tasks_peak: u32,
    cost: f64,
}

/// What the run cost (SPEC §9 `costs`), rounded to 6 decimals.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CostsJson {
    instance_hours: f64,
    ec2: f64,
    fargate_vcpu_hours: f64,
    fargate_gb_hours: f64,
    fargate: f64,
    total: f64,
    currency: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UtilizationJson {
    cpu_reserved_mean: f64,
    cpu_reserved_peak: f64,
    memory_reserved_mean: f64,
    memory_reserved_peak: f64,
}

#[derive(Serialize)]
struct AssertionJson<'a> {
    #[serde(rename = "type")]
    type_name: &'a str,
    passed: bool,
    detail: &'a str,
}

/// Rounds to 6 decimals so that summaries compare cleanly across float noise; -0 becomes 0.
pub(crate) fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Writes `summary.json`: pretty-printed with two-space indents and a trailing newline.
pub fn write_summary(out: &RunSummary, meta: &SummaryMeta, mut w: impl Write) -> io::Result<()> {
    let u = &out.utilization;
    let summary = Summary {
        schema_version: SCHEMA_VERSION,
        scenario: ScenarioJson {
            name: &out.scenario_name,
            sha256: meta.scenario_sha256,
        },
        seed: out.seed,
        fingerprint: &out.fingerprint,
        simulated_ms: out.simulated_ms,
        counts: CountsJson {
            events_processed: out.counts.events_processed,
            placements: out.counts.placements,
            tasks_started: out.counts.tasks_started,
            tasks_stopped: &out.counts.tasks_stopped,
            placement_failures: &out.counts.placement_failures,
            action_errors: out.counts.action_errors,
        },
        services: out
            .services
            .iter()
            .map(|o| ServiceJson::new(out, o))
            .collect(),
        clusters: out
            .clusters
            .iter()
            .map(|c| ClusterJson {
                cluster: &c.cluster,
                instances_peak: c.instances_peak,
                instances_mean: round6(c.instances_mean),
                instance_hours: round6(c.instance_hours),
                cpu_stranded_pct: round6(c.cpu_stranded_pct),
                memory_stranded_pct: round6(c.memory_stranded_pct),
                unplaced_tasks: c.unplaced_tasks,
                unplaced_task_seconds: round6(c.unplaced_task_seconds),
                cost: round6(c.cost),
            })
            .collect(),
        capacity_providers: out
            .capacity_providers
            .iter()
            .map(|p| ProviderJson {
                cluster: &p.cluster,
                name: &p.name,
                instances_peak: p.instances_peak,
                instance_hours: round6(p.instance_hours),
                tasks_peak: p.tasks_peak,
                cost: round6(p.cost),
            })
            .collect(),
        costs: CostsJson {
            instance_hours: round6(out.costs.instance_hours),
            ec2: round6(out.costs.ec2),
            fargate_vcpu_hours: round6(out.costs.fargate_vcpu_hours),
            fargate_gb_hours: round6(out.costs.fargate_gb_hours),
            fargate: round6(out.costs.fargate),
            total: round6(out.costs.total()),
            currency: "USD",
        },
        utilization: UtilizationJson {
            cpu_reserved_mean: round6(u.cpu_reserved_mean),
            cpu_reserved_peak: round6(u.cpu_reserved_peak),
            memory_reserved_mean: round6(u.memory_reserved_mean),
            memory_reserved_peak: round6(u.memory_reserved_peak),
        },
        assertions: out
            .assertions
            .iter()
            .map(|a| AssertionJson {
                type_name: a.type_name,
                passed: a.passed,
                detail: &a.detail,
            })
            .collect(),
        faults: out.faults.as_ref().map(|faults| {
            faults
                .iter()
                .map(|f| FaultJson {
                    at: format!("{}ms", f.at.ms()),
                    action: f.name,
                    input: serde_json::from_str(&f.input_json).unwrap_or(serde_json::Value::Null),
                    simulation: f
                        .simulation_json
                        .as_deref()
                        .map(|s| serde_json::from_str(s).unwrap_or(serde_json::Value::Null)),
                })
                .collect()
        }),
        ignored_fields: meta.ignored_fields,
    };
    let mut buf = serde_json::to_vec_pretty(&summary).map_err(io::Error::from)?;
    buf.push(b'\n');
    w.write_all(&buf)?;
    w.flush()
}
