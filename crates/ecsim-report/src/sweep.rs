//! A sweep's files (SPEC §12.2): `sweep.csv`, one row of figures per run, and `aggregate.csv`,
//! their statistics per variant and figure.
//!
//! Rows are cells of text: a run's figures are formatted once, when the run ends, and the
//! statistics are computed from the cells as written, so that a sweep run at once and one merged
//! from shards (which reads the shards' `sweep.csv`) write the same bytes.

use crate::summary::round6;
use ecsim_engine::service::RolloutState;
use ecsim_engine::RunSummary;
use std::io::{self, Read, Write};

/// The figures of a run, in column order: SPEC §12.2's, then the figures for comparing placement
/// (stranded resources, zone balance, unplaced tasks).
pub const FIGURES: [&str; 18] = [
    "placements",
    "placement_failures",
    "tasks_started",
    "action_errors",
    "instances_peak",
    "instance_hours",
    "cost",
    "cpu_reserved_mean",
    "memory_reserved_mean",
    "seconds_below_min_healthy",
    "deployments_completed",
    "deployments_failed",
    "assertions_failed",
    "cpu_stranded_pct",
    "memory_stranded_pct",
    "zone_imbalance_max",
    "unplaced_tasks",
    "unplaced_task_seconds",
];

/// `aggregate.csv`'s columns.
pub const AGGREGATE_HEADER: [&str; 12] = [
    "variant",
    "figure",
    "n",
    "mean",
    "stddev",
    "min",
    "p50",
    "p95",
    "p99",
    "max",
    "ci95_low",
    "ci95_high",
];

/// `sweep.csv`'s columns: `variant,seed`, one per grid path (headed by the pointer), then
/// `exit,fingerprint` and the figures.
pub fn header(grid_pointers: &[String]) -> Vec<String> {
    let mut h = vec!["variant".to_string(), "seed".to_string()];
    h.extend(grid_pointers.iter().cloned());
    h.push("exit".into());
    h.push("fingerprint".into());
    h.extend(FIGURES.iter().map(|f| f.to_string()));
    h
}

/// What one run contributes to its row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRow {
    /// The run's exit code: 0, or 1 when an assertion failed.
    pub exit: u8,
    pub fingerprint: String,
    /// The figures, formatted, in [`FIGURES`] order.
    pub figures: Vec<String>,
}

/// A number as the files write it: rounded to 6 decimals, shortest form (`12`, `0.25`).
pub fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{}", round6(x))
    } else {
        // Not produced by a run; written as empty rather than as text no reader expects.
        String::new()
    }
}

/// Milliseconds written as seconds, exactly (`12`, `12.345`).
fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{}", ms as f64 / 1000.0)
    }
}

/// A run's row figures. RULE (ours), for runs of several clusters or services:
/// `instances_peak`, `unplaced_tasks` and `unplaced_task_seconds` are summed over the clusters;
/// `cpu_stranded_pct` and `memory_stranded_pct` are the clusters' figures weighted by their
/// instance-hours (0 without instance-hours); `seconds_below_min_healthy` is summed over the
/// services and `zone_imbalance_max` is the largest over them; `deployments_completed` and
/// `deployments_failed` count every deployment and task set by its last rollout state;
/// `instance_hours` and `cost` are the run's totals (`costs` in summary.json), `cpu_reserved_mean`
/// and `memory_reserved_mean` its `utilization` means (fractions of registered).
pub fn run_row(s: &RunSummary) -> RunRow {
    let failed = s.assertions.iter().filter(|a| !a.passed).count();
    let weight: f64 = s.clusters.iter().map(|c| c.instance_hours).sum();
    let stranded = |f: fn(&ecsim_engine::ClusterFigures) -> f64| {
        if weight > 0.0 {
            s.clusters
                .iter()
                .map(|c| f(c) * c.instance_hours)
                .sum::<f64>()
                / weight
        } else {
            0.0
        }
    };
    let deployments = |state: RolloutState| {
        s.deployments
            .iter()
            .filter(|d| d.rollout_state == state)
            .count()
            .to_string()
    };
    let figures = vec![
        s.counts.placements.to_string(),
        s.counts.placement_failures_total().to_string(),
        s.counts.tasks_started.to_string(),
        s.counts.action_errors.to_string(),
        s.clusters
            .iter()
            .map(|c| u64::from(c.instances_peak))
            .sum::<u64>()
            .to_string(),
        number(s.costs.instance_hours),
        number(s.costs.total()),
        number(s.utilization.cpu_reserved_mean),
        number(s.utilization.memory_reserved_mean),
        seconds(
            s.services
                .iter()
                .map(|o| o.record.below_min_healthy_ms)
                .sum(),
        ),
        deployments(RolloutState::Completed),
        deployments(RolloutState::Failed),
        failed.to_string(),
        number(stranded(|c| c.cpu_stranded_pct)),
        number(stranded(|c| c.memory_stranded_pct)),
        s.services
            .iter()
            .map(|o| o.record.zone_imbalance_max)
            .max()
            .unwrap_or(0)
            .to_string(),
        s.clusters
            .iter()
            .map(|c| c.unplaced_tasks)
            .sum::<u64>()
            .to_string(),
        number(s.clusters.iter().map(|c| c.unplaced_task_seconds).sum()),
    ];
    debug_assert_eq!(figures.len(), FIGURES.len());
    RunRow {
        exit: u8::from(failed > 0),
        fingerprint: s.fingerprint.clone(),
        figures,
    }
}

/// One row of `sweep.csv`.
pub fn row(variant: &str, seed: u64, grid_values: &[String], run: &RunRow) -> Vec<String> {
    let mut r = Vec::with_capacity(4 + grid_values.len() + run.figures.len());
    r.push(variant.to_string());
    r.push(seed.to_string());
    r.extend(grid_values.iter().cloned());
    r.push(run.exit.to_string());
    r.push(run.fingerprint.clone());
    r.extend(run.figures.iter().cloned());
    r
}

/// Writes a CSV file: the header, then the rows; fields quoted only where they need it, lines
/// ending in `\n`.
pub fn write_csv<'r, S: AsRef<str> + 'r>(
    w: impl Write,
    header: &[S],
    rows: impl IntoIterator<Item = &'r Vec<String>>,
) -> io::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w);
    csv.write_record(header.iter().map(|h| h.as_ref()))
        .map_err(crate::timeseries::csv_error)?;
    for r in rows {
        csv.write_record(r).map_err(crate::timeseries::csv_error)?;
    }
    csv.flush()
}

/// Reads a CSV file written by [`write_csv`]: its header and rows, each row as long as the header.
pub fn read_csv(r: impl Read) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(r);
    let mut records = csv.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(str::to_string).collect(),
        Some(Err(e)) => return Err(format!("line 1: {e}")),
        None => return Err("the file is empty; expected a header line".into()),
    };
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let record = record.map_err(|e| format!("line {}: {e}", i + 2))?;
        if record.len() != header.len() {
            return Err(format!(
                "line {}: {} fields where the header has {}",
                i + 2,
                record.len(),
                header.len()
            ));
        }
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

/// The rows of `aggregate.csv` for `sweep.csv`'s header and rows: per variant (in row order) and
/// figure (in column order), the statistics of that figure over the variant's runs.
pub fn aggregate(header: &[String], rows: &[Vec<String>]) -> Result<Vec<Vec<String>>, String> {
    let first = header
        .iter()
        .position(|h| h == "fingerprint")
        .ok_or("the header has no fingerprint column")?
        + 1;
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let variant = &rows[start][0];
        let end = start
            + rows[start..]
                .iter()
                .take_while(|r| &r[0] == variant)
                .count();
        for (col, figure) in header.iter().enumerate().skip(first) {
            let mut values = Vec::with_capacity(end - start);
            for (i, r) in rows[start..end].iter().enumerate() {
                let cell = &r[col];
                match cell.parse::<f64>() {
                    Ok(x) if x.is_finite() => values.push(x),
                    _ => {
                        return Err(format!(
                            "row {} ({variant}), column {figure}: '{cell}' is not a number",
                            start + i + 1
                        ))
                    }
                }
            }
            let s = Stats::of(&values);
            let opt = |x: Option<f64>| x.map(number).unwrap_or_default();
            out.push(vec![
                variant.clone(),
                figure.clone(),
                s.n.to_string(),
                number(s.mean),
                opt(s.stddev),
                number(s.min),
                number(s.p50),
                number(s.p95),
                number(s.p99),
                number(s.max),
                opt(s.ci95.map(|c| c.0)),
                opt(s.ci95.map(|c| c.1)),
            ]);
        }
        start = end;
    }
    Ok(out)
}

/// The statistics of one figure over a variant's runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub mean: f64,
    /// The sample standard deviation (n − 1 in the denominator); `None` for one run.
    pub stddev: Option<f64>,
    pub min: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    /// The 95% confidence interval of the mean, `mean ± t(0.975, n − 1) · stddev / √n` (Student's
    /// t); `None` for one run.
    pub ci95: Option<(f64, f64)>,
}

impl Stats {
    /// The statistics of `values` (at least one), summed in their order.
    pub fn of(values: &[f64]) -> Stats {
        assert!(!values.is_empty(), "statistics of no values");
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (stddev, ci95) = if n > 1 {
            let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
            let sd = (ss / (n - 1) as f64).sqrt();
            let half = student_t_975(n as u64 - 1) * sd / (n as f64).sqrt();
            (Some(sd), Some((mean - half, mean + half)))
        } else {
            (None, None)
        };
        Stats {
            n,
            mean,
            stddev,
            min: sorted[0],
            p50: percentile(&sorted, 0.50),
            p95: percentile(&sorted, 0.95),
            p99: percentile(&sorted, 0.99),
            max: sorted[n - 1],
            ci95,
        }
    }
}

/// RULE (ours): the percentile by linear interpolation between the closest ranks (Hyndman and
/// Fan's definition 7, the default of R, NumPy and spreadsheets' PERCENTILE.INC): with the values
/// sorted, `h = (n − 1) p`, and the percentile is `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋])`.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The 0.975 quantile of Student's t distribution with `df` degrees of freedom (`df` ≥ 1): the
/// t with `P(T ≤ t) = 0.975`, found by bisection on the distribution function (through the
/// regularized incomplete beta function) to the last bit; pure Rust maths (`libm`), so every
/// platform computes the same bits.
pub fn student_t_975(df: u64) -> f64 {
    assert!(df >= 1, "Student's t needs at least one degree of freedom");
    let v = df as f64;
    // The upper tail P(T > t) = I_{v / (v + t²)}(v / 2, 1 / 2) / 2, decreasing in t.
    let tail = |t: f64| 0.5 * incomplete_beta(v / 2.0, 0.5, v / (v + t * t));
    let (mut lo, mut hi) = (0.0_f64, 64.0_f64);
    while tail(hi) > 0.025 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if tail(mid) > 0.025 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz's method;
/// Numerical Recipes §6.4), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges
/// faster.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b)
        + a * libm::log(x)
        + b * libm::log(1.0 - x);
    let front = libm::exp(ln_front);
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=500 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        // t(0.975, df), to 7 significant digits (Abramowitz and Stegun, table 26.10; R's qt).
        for (df, t) in [
            (1, 12.706_205),
            (2, 4.302_653),
            (3, 3.182_446),
            (4, 2.776_445),
            (5, 2.570_582),
            (9, 2.262_157),
            (10, 2.228_139),
            (30, 2.042_272),
            (99, 1.984_217),
            (1000, 1.962_339),
            (1_000_000, 1.959_966),
        ] {
            let got = student_t_975(df);
            assert!((got - t).abs() < 5e-6, "df {df}: {got} against {t}");
        }
        // df = 1 is the Cauchy distribution: tan(0.475 π).
        assert!((student_t_975(1) - (0.475 * std::f64::consts::PI).tan()).abs() < 1e-9);
    }

    #[test]
    fn percentiles_interpolate_between_closest_ranks() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), 2.5);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 1.0), 4.0);
        assert!((percentile(&v, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert!((percentile(&hundred, 0.99) - 99.01).abs() < 1e-9);
        assert!((percentile(&hundred, 0.95) - 95.05).abs() < 1e-9);
    }

    #[test]
    fn stats_by_hand() {
        let s = Stats::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.n, 8);
        assert_eq!(s.mean, 5.0);
        // Σ(x − 5)² = 32; sample variance 32 / 7.
        let sd = (32.0_f64 / 7.0).sqrt();
        assert!((s.stddev.unwrap() - sd).abs() < 1e-12);
        let half = 2.364_624 * sd / 8.0_f64.sqrt();
        let (lo, hi) = s.ci95.unwrap();
        assert!((lo - (5.0 - half)).abs() < 1e-5 && (hi - (5.0 + half)).abs() < 1e-5);
        assert_eq!((s.min, s.max, s.p50), (2.0, 9.0, 4.5));
        let one = Stats::of(&[3.5]);
        assert_eq!((one.stddev, one.ci95), (None, None));
        assert_eq!((one.mean, one.p99), (3.5, 3.5));
    }

    #[test]
    fn aggregate_groups_rows_by_variant_and_leaves_one_run_undefined() {
        let header: Vec<String> = ["variant", "seed", "/a", "exit", "fingerprint", "x", "y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = |v: &str, seed: &str, x: &str, y: &str| -> Vec<String> {
            [v, seed, "1", "0", "f", x, y]
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        let rows = vec![
            r("a /a=1", "1", "1", "0.5"),
            r("a /a=1", "2", "3", "0.5"),
            r("b /a=1", "1", "10", "2"),
        ];
        let agg = aggregate(&header, &rows).unwrap();
        let lines: Vec<String> = agg.iter().map(|r| r.join(",")).collect();
        let t1 = student_t_975(1) * 2.0_f64.sqrt() / 2.0_f64.sqrt();
        assert_eq!(
            lines,
            [
                format!(
                    "a /a=1,x,2,2,{},1,2,2.9,2.98,3,{},{}",
                    number(2.0_f64.sqrt()),
                    number(2.0 - t1),
                    number(2.0 + t1)
                ),
                "a /a=1,y,2,0.5,0,0.5,0.5,0.5,0.5,0.5,0.5,0.5".to_string(),
                "b /a=1,x,1,10,,10,10,10,10,10,,".to_string(),
                "b /a=1,y,1,2,,2,2,2,2,2,,".to_string(),
            ]
        );
        let mut bad = rows.clone();
        bad[1][5] = "many".into();
        assert_eq!(
            aggregate(&header, &bad).unwrap_err(),
            "row 2 (a /a=1), column x: 'many' is not a number"
        );
    }

    #[test]
    fn csv_round_trips_quoted_fields() {
        let header = header(&["/actions/3/input/placementStrategy".to_string()]);
        let rows = vec![vec![
            "binpack /x=[{\"a\":1,\"b\":2}]".to_string(),
            "1".to_string(),
            "[{\"type\":\"binpack\",\"field\":\"memory\"}]".to_string(),
        ]
        .into_iter()
        .chain(std::iter::repeat_n("0".to_string(), header.len() - 3))
        .collect::<Vec<String>>()];
        let mut out = Vec::new();
        write_csv(&mut out, &header, &rows).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with(
            "variant,seed,/actions/3/input/placementStrategy,exit,fingerprint,placements,"
        ));
        assert!(text.contains("\"binpack /x=[{\"\"a\"\":1,\"\"b\"\":2}]\",1,\"[{\"\"type\"\""));
        assert!(text.ends_with("0\n") && !text.contains('\r'));
        let (h, r) = read_csv(&out[..]).unwrap();
        assert_eq!(h, header);
        assert_eq!(r, rows);
        assert!(read_csv(&b"a,b\n1\n"[..]).unwrap_err().contains("line 2"));
        assert!(read_csv(&b""[..]).is_err());
    }

    #[test]
    fn numbers_are_rounded_and_short() {
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(-0.0000001), "0");
        assert_eq!(number(1234567.1234567), "1234567.123457");
        assert_eq!(seconds(12_345), "12.345");
        assert_eq!(seconds(120_000), "120");
    }
}
