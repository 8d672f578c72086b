//! `ecsim report` (SPEC §13.3): one self-contained HTML page for a run directory (its summary and
//! assertions, then SVG charts of reserved against registered CPU and memory per cluster,
//! instances per capacity provider, running/healthy/desired tasks per service with deployments
//! marked, the capacity-provider reservation against its target, placement failures by reason
//! over time, cost per hour, and the per-instance packing at each Snapshot and at the end), or for
//! a sweep directory (box plots of each figure per variant). It reads the files a run wrote, not
//! the engine: a report can be drawn for any run directory, old or new. No scripts, no network,
//! inline CSS; every string from a scenario is escaped.

mod svg;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::io::BufRead;
use svg::{escape, Bar, BoxData, Series};

/// The files of a run directory, as read by the caller (`events` streamed line by line).
pub struct RunFiles<R: BufRead> {
    pub summary: String,
    pub timeseries: String,
    pub services: String,
    pub snapshots: String,
    pub events: R,
}

/// Why a report could not be drawn: the file and what is wrong in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError {
    pub file: &'static str,
    pub message: String,
}

fn err(file: &'static str, message: impl Into<String>) -> ReportError {
    ReportError {
        file,
        message: message.into(),
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}\
.pass{color:#067d17}.fail{color:#b00020;font-weight:bold}svg.chart{width:100%;height:auto;margin:6px 0}\
.title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#444}.legend{font-size:11px}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title><style>{STYLE}</style></head><body>\n{body}\n</body></html>\n",
        escape(title)
    )
}

/// A CSV file as its header and rows of fields.
fn csv_rows(
    text: &str,
    file: &'static str,
) -> Result<(Vec<String>, Vec<Vec<String>>), ReportError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| err(file, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(file, e.to_string()))?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

fn column(header: &[String], name: &str, file: &'static str) -> Result<usize, ReportError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| err(file, format!("no column {name:?}")))
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or(0.0)
}

/// The last path segment of an ARN (a service's name, an instance's id).
fn arn_tail(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The report of a run directory.
pub fn run_report<R: BufRead>(files: RunFiles<R>) -> Result<String, ReportError> {
    let summary: Value =
        serde_json::from_str(&files.summary).map_err(|e| err("summary.json", e.to_string()))?;
    let name = summary["scenario"]["name"].as_str().unwrap_or("run");
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", escape(name));
    summary_tables(&summary, &mut body);

    // timeseries.csv
    let (h, rows) = csv_rows(&files.timeseries, "timeseries.csv")?;
    let f = "timeseries.csv";
    let (ct, cc, cp) = (
        column(&h, "t_s", f)?,
        column(&h, "cluster", f)?,
        column(&h, "capacity_provider", f)?,
    );
    let idx = |n: &str| column(&h, n, f);
    let (ia, idr) = (idx("instances_active")?, idx("instances_draining")?);
    let (cr, cres) = (idx("cpu_registered")?, idx("cpu_reserved")?);
    let (mr, mres) = (idx("memory_registered_mib")?, idx("memory_reserved_mib")?);
    let (cpr, cost) = (idx("capacity_provider_reservation")?, idx("cost_per_hour")?);
    // (cluster) → t → [cpu reg, cpu res, mem reg, mem res]
    let mut per_cluster: BTreeMap<String, BTreeMap<u64, [f64; 4]>> = BTreeMap::new();
    let mut instances: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut reservation: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut cost_at: BTreeMap<u64, f64> = BTreeMap::new();
    for r in &rows {
        let t: u64 = r[ct].parse().unwrap_or(0);
        let e = per_cluster
            .entry(r[cc].clone())
            .or_default()
            .entry(t)
            .or_default();
        e[0] += num(&r[cr]);
        e[1] += num(&r[cres]);
        e[2] += num(&r[mr]);
        e[3] += num(&r[mres]);
        *cost_at.entry(t).or_default() += num(&r[cost]);
        let key = if r[cp] == "-" {
            format!("{} (no provider)", r[cc])
        } else {
            format!("{} / {}", r[cc], r[cp])
        };
        instances
            .entry(key.clone())
            .or_default()
            .push((t as f64, num(&r[ia]) + num(&r[idr])));
        if !r[cpr].is_empty() {
            reservation
                .entry(key)
                .or_default()
                .push((t as f64, num(&r[cpr])));
        }
    }

    // events.jsonl: deployments, failures, targets, the packing at the end.
    let ev = read_events(files.events)?;

    body.push_str("<h2>Reserved and registered resources</h2>");
    for (k, (cluster, by_t)) in per_cluster.iter().enumerate() {
        let pts = |i: usize| {
            by_t.iter()
                .map(|(t, v)| (*t as f64, v[i]))
                .collect::<Vec<_>>()
        };
        body.push_str(&svg::line_chart(
            &format!("cpu-{k}"),
            &format!("CPU units, cluster {cluster}"),
            "CPU units",
            &[
                Series {
                    name: "registered".into(),
                    points: pts(0),
                    dashed: true,
                },
                Series {
                    name: "reserved".into(),
                    points: pts(1),
                    dashed: false,
                },
            ],
            &[],
        ));
        body.push_str(&svg::line_chart(
            &format!("memory-{k}"),
            &format!("Memory (MiB), cluster {cluster}"),
            "MiB",
            &[
                Series {
                    name: "registered".into(),
                    points: pts(2),
                    dashed: true,
                },
                Series {
                    name: "reserved".into(),
                    points: pts(3),
                    dashed: false,
                },
            ],
            &[],
        ));
    }
    body.push_str("<h2>Instances per capacity provider</h2>");
    let series: Vec<Series> = instances
        .into_iter()
        .map(|(name, points)| Series {
            name,
            points,
            dashed: false,
        })
        .collect();
    body.push_str(&svg::line_chart(
        "instances",
        "Registered instances (ACTIVE and DRAINING), instance refreshes marked",
        "instances",
        &series,
        &ev.refreshes,
    ));

    // services.csv
    let (h, rows) = csv_rows(&files.services, "services.csv")?;
    let f = "services.csv";
    let (st, sc, ss) = (
        column(&h, "t_s", f)?,
        column(&h, "cluster", f)?,
        column(&h, "service", f)?,
    );
    let (sd, sr, sh) = (
        column(&h, "desired", f)?,
        column(&h, "running", f)?,
        column(&h, "healthy", f)?,
    );
    // (cluster, service) → desired, running and healthy over time.
    type Lines = [Vec<(f64, f64)>; 3];
    let mut per_service: BTreeMap<(String, String), Lines> = BTreeMap::new();
    for r in &rows {
        let t = num(&r[st]);
        let e = per_service
            .entry((r[sc].clone(), r[ss].clone()))
            .or_default();
        e[0].push((t, num(&r[sd])));
        e[1].push((t, num(&r[sr])));
        e[2].push((t, num(&r[sh])));
    }
    if !per_service.is_empty() {
        body.push_str("<h2>Services</h2>");
    }
    for (k, ((cluster, service), [d, r, hl])) in per_service.into_iter().enumerate() {
        let markers: Vec<(f64, String)> = ev
            .deployments
            .iter()
            .filter(|(_, s, _)| *s == service)
            .map(|(t, _, what)| (*t, what.clone()))
            .collect();
        body.push_str(&svg::line_chart(
            &format!("service-{k}"),
            &format!("Service {service} ({cluster}): tasks, deployments marked"),
            "tasks",
            &[
                Series {
                    name: "desired".into(),
                    points: d,
                    dashed: true,
                },
                Series {
                    name: "running".into(),
                    points: r,
                    dashed: false,
                },
                Series {
                    name: "healthy".into(),
                    points: hl,
                    dashed: false,
                },
            ],
            &markers,
        ));
    }
    if !reservation.is_empty() {
        body.push_str("<h2>Capacity provider reservation</h2>");
        let mut series = Vec::new();
        for (key, points) in reservation {
            let provider = key.rsplit(" / ").next().unwrap_or(&key).to_string();
            let target = ev.targets.get(&provider).copied();
            let (x0, x1) = (
                points.first().map_or(0.0, |p| p.0),
                points.last().map_or(0.0, |p| p.0),
            );
            series.push(Series {
                name: key.clone(),
                points,
                dashed: false,
            });
            if let Some(t) = target {
                series.push(Series {
                    name: format!("{key} target"),
                    points: vec![(x0, t), (x1, t)],
                    dashed: true,
                });
            }
        }
        body.push_str(&svg::line_chart(
            "reservation",
            "CapacityProviderReservation (%) against its target",
            "%",
            &series,
            &[],
        ));
    }
    body.push_str("<h2>Placement failures</h2>");
    if ev.failures.is_empty() {
        body.push_str("<p>No task failed to be placed.</p>");
    }
    let horizon = summary["simulatedMs"].as_f64().unwrap_or(0.0) / 1000.0;
    let bucket = (horizon / 60.0).max(1.0).ceil();
    let series: Vec<Series> = ev
        .failures
        .iter()
        .map(|(reason, times)| {
            let mut counts: BTreeMap<u64, f64> = BTreeMap::new();
            let buckets = (horizon / bucket).ceil() as u64;
            for b in 0..=buckets {
                counts.insert(b, 0.0);
            }
            for &t in times {
                *counts.entry((t / bucket) as u64).or_default() += 1.0;
            }
            Series {
                name: reason.clone(),
                points: counts
                    .into_iter()
                    .map(|(b, c)| (b as f64 * bucket, c))
                    .collect(),
                dashed: false,
            }
        })
        .collect();
    if !series.is_empty() {
        body.push_str(&svg::line_chart(
            "failures",
            &format!(
                "Placement failures by reason, per {}",
                svg::time_label(bucket)
            ),
            "tasks",
            &series,
            &[],
        ));
    }
    body.push_str("<h2>Cost</h2>");
    body.push_str(&svg::line_chart(
        "cost",
        "Cost per hour (USD), all clusters",
        "$/hour",
        &[Series {
            name: "run rate".into(),
            points: cost_at.into_iter().map(|(t, c)| (t as f64, c)).collect(),
            dashed: false,
        }],
        &[],
    ));

    // Packing: each Snapshot, then the end.
    body.push_str("<h2>Packing</h2>");
    let mut registered: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (k, line) in files.snapshots.lines().enumerate() {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| err("snapshots.jsonl", format!("line {}: {e}", k + 1)))?;
        if v["action"] != "Snapshot" {
            continue;
        }
        let label = v["label"].as_str().unwrap_or("");
        let mut bars = Vec::new();
        for ci in v["response"]["containerInstances"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let get = |list: &str, name: &str| {
                ci[list]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|r| r["name"] == name)
                    .and_then(|r| r["integerValue"].as_f64())
                    .unwrap_or(0.0)
            };
            let (rc, rm) = (
                get("registeredResources", "CPU"),
                get("registeredResources", "MEMORY"),
            );
            let (fc, fm) = (
                get("remainingResources", "CPU"),
                get("remainingResources", "MEMORY"),
            );
            let id = ci["ec2InstanceId"].as_str().unwrap_or("").to_string();
            if let Some(arn) = ci["containerInstanceArn"].as_str() {
                registered.insert(arn.to_string(), (rc, rm));
            }
            bars.push(Bar {
                name: id,
                cpu: (rc - fc, rc),
                memory: (rm - fm, rm),
            });
        }
        let t = v["t"].as_f64().unwrap_or(0.0) / 1000.0;
        body.push_str(&svg::packing(
            &format!("packing-{k}"),
            &format!("Snapshot {label:?} at {}", svg::time_label(t)),
            &bars,
        ));
    }
    if ev.saw_tasks {
        // RULE (ours): the end's packing is replayed from the task events; an instance's registered
        // resources come from the last Snapshot that showed it, else its largest reservation.
        let bars: Vec<Bar> = ev
            .reserved
            .iter()
            .filter(|(arn, _)| !ev.gone.contains(*arn))
            .map(|(arn, &(c, m, peak_c, peak_m))| {
                let (rc, rm) = registered.get(arn).copied().unwrap_or((peak_c, peak_m));
                Bar {
                    name: ev
                        .ec2_id
                        .get(arn)
                        .cloned()
                        .unwrap_or_else(|| arn_tail(arn).to_string()),
                    cpu: (c, rc),
                    memory: (m, rm),
                }
            })
            .collect();
        body.push_str(&svg::packing("packing-end", "At the end of the run", &bars));
    } else {
        body.push_str("<p>The run's events.jsonl holds no task events (written with --events no-tasks or none): no packing at the end.</p>");
    }
    Ok(page(&format!("ecsim report: {name}"), &body))
}

/// The summary's headline figures and assertions as tables.
fn summary_tables(s: &Value, body: &mut String) {
    let counts = &s["counts"];
    let _ = write!(
        body,
        "<table><tr><th>seed</th><td>{}</td><th>fingerprint</th><td>{}</td></tr><tr><th>simulated</th><td>{}</td><th>placements</th><td>{}</td></tr><tr><th>tasks started</th><td>{}</td><th>action errors</th><td>{}</td></tr><tr><th>cost</th><td>${}</td><th>instance-hours</th><td>{}</td></tr></table>",
        escape(&s["seed"].to_string()),
        escape(s["fingerprint"].as_str().unwrap_or("")),
        escape(&svg::time_label(s["simulatedMs"].as_f64().unwrap_or(0.0) / 1000.0)),
        escape(&counts["placements"].to_string()),
        escape(&counts["tasksStarted"].to_string()),
        escape(&counts["actionErrors"].to_string()),
        escape(&s["costs"]["total"].to_string()),
        escape(&s["costs"]["instanceHours"].to_string()),
    );
    if let Some(f) = counts["placementFailures"]
        .as_object()
        .filter(|m| !m.is_empty())
    {
        body.push_str("<table><tr><th>placement failure</th><th>tasks</th></tr>");
        for (reason, n) in f {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(reason),
                escape(&n.to_string())
            );
        }
        body.push_str("</table>");
    }
    if let Some(list) = s["assertions"].as_array().filter(|a| !a.is_empty()) {
        body.push_str(
            "<h2>Assertions</h2><table><tr><th>assertion</th><th>result</th><th>detail</th></tr>",
        );
        for a in list {
            let passed = a["passed"].as_bool().unwrap_or(false);
            let _ = write!(
                body,
                "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                escape(a["type"].as_str().unwrap_or("")),
                if passed { "pass" } else { "fail" },
                if passed { "passed" } else { "FAILED" },
                escape(a["detail"].as_str().unwrap_or(""))
            );
        }
        body.push_str("</table>");
    }
}

/// What the report reads from `events.jsonl`.
#[derive(Default)]
struct EventFacts {
    /// (seconds, service name, what) of each deployment state change.
    deployments: Vec<(f64, String, String)>,
    /// (seconds, what) of each instance refresh's start and end.
    refreshes: Vec<(f64, String)>,
    /// Per reason, the seconds of each placement failure.
    failures: BTreeMap<String, Vec<f64>>,
    /// Per provider, its managed scaling target.
    targets: BTreeMap<String, f64>,
    /// Per instance ARN: reserved (cpu, memory) now, and the largest reserved seen.
    reserved: BTreeMap<String, (f64, f64, f64, f64)>,
    ec2_id: BTreeMap<String, String>,
    /// Instances terminated or deregistered.
    gone: std::collections::BTreeSet<String>,
    saw_tasks: bool,
}

fn read_events<R: BufRead>(events: R) -> Result<EventFacts, ReportError> {
    let mut f = EventFacts::default();
    // task ARN → (instance ARN, cpu, memory) while it holds resources.
    let mut holding: BTreeMap<String, (String, f64, f64)> = BTreeMap::new();
    for (k, line) in events.lines().enumerate() {
        let line = line.map_err(|e| err("events.jsonl", e.to_string()))?;
        if line.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line)
            .map_err(|e| err("events.jsonl", format!("line {}: {e}", k + 1)))?;
        let t = v["t"].as_f64().unwrap_or(0.0) / 1000.0;
        let d = &v["detail"];
        match v["detail-type"].as_str().unwrap_or("") {
            "ECS Deployment State Change" => {
                let service = v["resources"][0]
                    .as_str()
                    .map(arn_tail)
                    .unwrap_or("")
                    .to_string();
                let what = format!(
                    "{} {}",
                    d["deploymentId"].as_str().unwrap_or(""),
                    d["eventName"].as_str().unwrap_or("")
                );
                f.deployments.push((t, service, what));
            }
            "ECS Scaling Activity" if d["activity"] == "REFRESH" => {
                let cause = d["cause"].as_str().unwrap_or("");
                let what = if cause.starts_with("instance refresh started") {
                    "refresh started"
                } else if cause.starts_with("instance refresh completed") {
                    "refresh completed"
                } else {
                    continue;
                };
                let provider = d["capacityProviderName"].as_str().unwrap_or("");
                f.refreshes.push((t, format!("{provider}: {what}")));
            }
            "ECS Placement Failure" => {
                let reason = d["reason"].as_str().unwrap_or("").to_string();
                f.failures.entry(reason).or_default().push(t);
            }
            "ECS Capacity Provider Reservation" => {
                if let (Some(p), Some(target)) = (
                    d["capacityProviderName"].as_str(),
                    d["targetCapacity"].as_f64(),
                ) {
                    f.targets.insert(p.to_string(), target);
                }
            }
            "ECS Container Instance State Change" => {
                if let Some(arn) = d["containerInstanceArn"].as_str() {
                    if let Some(id) = d["ec2InstanceId"].as_str() {
                        f.ec2_id.insert(arn.to_string(), id.to_string());
                    }
                    if d["status"] == "INACTIVE" {
                        f.gone.insert(arn.to_string());
                    } else {
                        f.gone.remove(arn);
                    }
                }
            }
            "ECS Task State Change" => {
                f.saw_tasks = true;
                let Some(task) = d["taskArn"].as_str() else {
                    continue;
                };
                let Some(instance) = d["containerInstanceArn"].as_str() else {
                    continue;
                };
                let cpu = d["cpu"].as_str().map_or(0.0, num);
                let mem = d["memory"].as_str().map_or(0.0, num);
                if let Some(id) = d["ec2InstanceId"].as_str() {
                    f.ec2_id.insert(instance.to_string(), id.to_string());
                }
                let stopped = d["lastStatus"] == "STOPPED";
                match (holding.contains_key(task), stopped) {
                    (false, false) => {
                        holding.insert(task.to_string(), (instance.to_string(), cpu, mem));
                        let e = f.reserved.entry(instance.to_string()).or_default();
                        e.0 += cpu;
                        e.1 += mem;
                        e.2 = e.2.max(e.0);
                        e.3 = e.3.max(e.1);
                    }
                    (true, true) => {
                        let (i, c, m) = holding.remove(task).expect("held");
                        let e = f.reserved.entry(i).or_default();
                        e.0 -= c;
                        e.1 -= m;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    Ok(f)
}

/// The columns of `sweep.csv` a sweep is read for, drawn first in this order: instances used,
/// cost, stranded resources, unplaced tasks, zone balance.
const COMPARED_FIRST: [&str; 8] = [
    "instances_peak",
    "instance_hours",
    "cost",
    "cpu_stranded_pct",
    "memory_stranded_pct",
    "unplaced_tasks",
    "unplaced_task_seconds",
    "zone_imbalance_max",
];

/// The report of a sweep directory: for each figure of `sweep.csv`, a box plot per variant, the
/// comparison figures first.
pub fn sweep_report(name: &str, sweep_csv: &str) -> Result<String, ReportError> {
    let (h, rows) = csv_rows(sweep_csv, "sweep.csv")?;
    let variant = column(&h, "variant", "sweep.csv")?;
    let first = column(&h, "fingerprint", "sweep.csv")? + 1;
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1><p>{} runs.</p>", escape(name), rows.len());
    let mut variants: Vec<String> = Vec::new();
    for r in &rows {
        if !variants.contains(&r[variant]) {
            variants.push(r[variant].clone());
        }
    }
    // The figures runs are compared by (SPEC §1) first, then the rest in the file's order.
    let mut order: Vec<usize> = COMPARED_FIRST
        .iter()
        .filter_map(|f| h.iter().position(|c| c == f))
        .filter(|&k| k >= first)
        .collect();
    let rest: Vec<usize> = (first..h.len()).filter(|k| !order.contains(k)).collect();
    order.extend(rest);
    for k in order {
        let figure = &h[k];
        let boxes: Vec<BoxData> = variants
            .iter()
            .map(|v| BoxData {
                name: v.clone(),
                values: rows
                    .iter()
                    .filter(|r| &r[variant] == v)
                    .map(|r| num(&r[k]))
                    .collect(),
            })
            .collect();
        body.push_str(&svg::box_plot(&format!("figure-{k}"), figure, &boxes));
    }
    Ok(page(&format!("ecsim sweep report: {name}"), &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_report_draws_a_box_plot_per_figure_with_variants_escaped() {
        let csv = "variant,seed,exit,fingerprint,placements,cost\n\
                   <b>spread</b>,1,0,aa,10,1.5\n<b>spread</b>,2,0,bb,12,1.7\nbinpack,1,0,cc,10,1.1\n";
        let html = sweep_report("s", csv).unwrap();
        assert!(html.contains("id=\"figure-4\"") && html.contains("id=\"figure-5\""));
        assert!(
            !html.contains("id=\"figure-3\""),
            "the fingerprint is not a figure"
        );
        assert!(html.contains("&lt;b&gt;spread&lt;/b&gt;") && !html.contains("<b>spread"));
        // The comparison figures come first: cost (column 5) before placements (column 4).
        let at = |id: &str| html.find(id).expect(id);
        assert!(at("id=\"figure-5\"") < at("id=\"figure-4\""));
    }

    #[test]
    fn a_run_directory_missing_a_column_says_which() {
        let e = run_report(RunFiles {
            summary: "{}".into(),
            timeseries: "t_s,cluster\n0,prod\n".into(),
            services: String::new(),
            snapshots: String::new(),
            events: std::io::Cursor::new(Vec::new()),
        })
        .unwrap_err();
        assert_eq!(e.file, "timeseries.csv");
        assert!(e.message.contains("capacity_provider"), "{}", e.message);
    }
}
