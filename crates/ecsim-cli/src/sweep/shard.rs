//! Shards of a sweep: which shard this invocation runs (`--shard I/N`, or an array job's index
//! with `--shards N`), and `shard.json`, what a shard directory says about itself so that
//! `ecsim sweep merge` can check that its shards belong together.

use crate::UsageError;
use serde_json::{json, Value};

/// The environment variables that name an array job's index, in the order they are read: AWS
/// Batch array jobs, Kubernetes Indexed Jobs, Slurm job arrays.
pub const SHARD_INDEX_VARIABLES: [&str; 3] = [
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "JOB_COMPLETION_INDEX",
    "SLURM_ARRAY_TASK_ID",
];

/// The most shards a sweep may be split into (it has at most this many runs).
const MAX_SHARDS: usize = ecsim_scenario::sweep::MAX_RUNS as usize;

/// Shard `index` of `count`: the rows whose index mod `count` is `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// Which shard to run: `--shard I/N` if given; else, with `--shards N`, the index an array job's
/// environment names (`env` reads a variable); else the whole sweep. RULE (ours): the environment
/// is read only with `--shards`, several variables that are set must agree, and indices count
/// from 0.
pub fn resolve_shard(
    shard: Option<&str>,
    shards: Option<usize>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Shard>, UsageError> {
    let count_ok = |n: usize, option: &str| {
        if (1..=MAX_SHARDS).contains(&n) {
            Ok(())
        } else {
            Err(UsageError(format!(
                "error: {option}: expected 1 to {MAX_SHARDS} shards (found {n})"
            )))
        }
    };
    if let Some(text) = shard {
        let parsed = text
            .split_once('/')
            .and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?)));
        let Some((index, count)) = parsed else {
            return Err(UsageError(format!(
                "error: --shard {text}: expected I/N, the shard's index from 0 and the number of shards, e.g. --shard 0/4"
            )));
        };
        count_ok(count, &format!("--shard {text}"))?;
        if index >= count {
            return Err(UsageError(format!(
                "error: --shard {text}: the index counts from 0, so it is below {count}"
            )));
        }
        if let Some(n) = shards.filter(|&n| n != count) {
            return Err(UsageError(format!(
                "error: --shard {text} and --shards {n} disagree on the number of shards; give one of them"
            )));
        }
        return Ok(Some(Shard { index, count }));
    }
    let Some(count) = shards else {
        return Ok(None);
    };
    count_ok(count, &format!("--shards {count}"))?;
    let mut found: Option<(&str, usize)> = None;
    for var in SHARD_INDEX_VARIABLES {
        let Some(value) = env(var).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let index: usize = value.trim().parse().map_err(|_| {
            UsageError(format!(
                "error: {var}={value:?}: expected the array job's index, an integer from 0"
            ))
        })?;
        match found {
            Some((other, i)) if i != index => {
                return Err(UsageError(format!(
                    "error: {other} is {i} but {var} is {index}: the shard's index is ambiguous; give it with --shard I/{count}"
                )))
            }
            Some(_) => {}
            None => found = Some((var, index)),
        }
    }
    let Some((var, index)) = found else {
        return Err(UsageError(format!(
            "error: --shards {count} needs this shard's index: give --shard I/{count}, or run it as an array job, which sets {}",
            SHARD_INDEX_VARIABLES.join(", ")
        )));
    };
    if index >= count {
        return Err(UsageError(format!(
            "error: {var} is {index}, not below --shards {count}: number the array's tasks from 0 to {} (e.g. sbatch --array=0-{})",
            count - 1,
            count - 1
        )));
    }
    Ok(Some(Shard { index, count }))
}

/// What a shard directory says about itself (`shard.json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardInfo {
    /// The sweep's name.
    pub name: String,
    /// sha256 of the sweep file's bytes.
    pub sweep_sha256: String,
    /// sha256 of the scenario (its file's bytes, or the inline scenario's compact JSON).
    pub scenario_sha256: String,
    /// The ecsim version that ran it (another version may run other fingerprints).
    pub version: String,
    pub shards: usize,
    pub shard: usize,
    /// Rows of the whole sweep.
    pub rows: usize,
    /// Rows of this shard.
    pub shard_rows: usize,
    pub keep_runs: bool,
    /// sha256 of this shard's `sweep.csv`.
    pub sweep_csv_sha256: String,
}

/// `shard.json`'s schema version.
const SHARD_SCHEMA_VERSION: u64 = 1;

impl ShardInfo {
    /// `shard.json`: pretty-printed, keys in this order, a trailing newline.
    pub fn to_json(&self) -> String {
        let v = json!({
            "schemaVersion": SHARD_SCHEMA_VERSION,
            "sweep": { "name": self.name, "sha256": self.sweep_sha256 },
            "scenario": { "sha256": self.scenario_sha256 },
            "ecsimVersion": self.version,
            "shards": self.shards,
            "shard": self.shard,
            "rows": self.rows,
            "shardRows": self.shard_rows,
            "keepRuns": self.keep_runs,
            "sweepCsvSha256": self.sweep_csv_sha256,
        });
        let mut s = serde_json::to_string_pretty(&v).expect("JSON serializes");
        s.push('\n');
        s
    }

    /// Reads `shard.json`; the error says which field is wrong.
    pub fn from_json(text: &str) -> Result<ShardInfo, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let get = |path: &[&str]| -> Result<&Value, String> {
            let mut at = &v;
            for p in path {
                at = at
                    .get(p)
                    .ok_or_else(|| format!("missing field {}", path.join(".")))?;
            }
            Ok(at)
        };
        let string = |path: &[&str]| -> Result<String, String> {
            get(path)?
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{}: expected a string", path.join(".")))
        };
        let count = |path: &[&str]| -> Result<usize, String> {
            get(path)?
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| format!("{}: expected an integer from 0", path.join(".")))
        };
        if get(&["schemaVersion"])?.as_u64() != Some(SHARD_SCHEMA_VERSION) {
            return Err(format!(
                "schemaVersion: expected {SHARD_SCHEMA_VERSION}, the version this ecsim writes"
            ));
        }
        let info = ShardInfo {
            name: string(&["sweep", "name"])?,
            sweep_sha256: string(&["sweep", "sha256"])?,
            scenario_sha256: string(&["scenario", "sha256"])?,
            version: string(&["ecsimVersion"])?,
            shards: count(&["shards"])?,
            shard: count(&["shard"])?,
            rows: count(&["rows"])?,
            shard_rows: count(&["shardRows"])?,
            keep_runs: get(&["keepRuns"])?
                .as_bool()
                .ok_or("keepRuns: expected true or false")?,
            sweep_csv_sha256: string(&["sweepCsvSha256"])?,
        };
        // The bounds `ecsim sweep` keeps, so that a damaged file cannot make the merge loop for ever.
        if info.shards > MAX_SHARDS || info.rows > ecsim_scenario::sweep::MAX_RUNS as usize {
            return Err(format!(
                "{} shards of {} rows: a sweep has at most {} runs and {MAX_SHARDS} shards",
                info.shards,
                info.rows,
                ecsim_scenario::sweep::MAX_RUNS
            ));
        }
        if info.shards == 0 || info.shard >= info.shards {
            return Err(format!(
                "shard {} of {}: expected an index below the number of shards",
                info.shard, info.shards
            ));
        }
        if info.shard_rows != rows_of(info.rows, info.shard, info.shards) {
            return Err(format!(
                "shardRows: shard {} of {} of a sweep of {} rows has {} rows, not {}",
                info.shard,
                info.shards,
                info.rows,
                rows_of(info.rows, info.shard, info.shards),
                info.shard_rows
            ));
        }
        Ok(info)
    }
}

/// How many of `rows` rows shard `index` of `count` holds.
pub fn rows_of(rows: usize, index: usize, count: usize) -> usize {
    if index >= rows {
        0
    } else {
        (rows - index).div_ceil(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn message(r: Result<Option<Shard>, UsageError>) -> String {
        r.expect_err("an error").0
    }

    #[test]
    fn the_shard_option_wins_and_is_checked() {
        let none = env(&[("SLURM_ARRAY_TASK_ID", "3")]);
        assert_eq!(
            resolve_shard(Some("1/4"), None, &none).unwrap(),
            Some(Shard { index: 1, count: 4 })
        );
        assert_eq!(
            resolve_shard(Some("1/4"), Some(4), &none).unwrap(),
            Some(Shard { index: 1, count: 4 })
        );
        assert!(message(resolve_shard(Some("4/4"), None, &none)).contains("below 4"));
        assert!(message(resolve_shard(Some("1/0"), None, &none)).contains("expected 1 to"));
        assert!(message(resolve_shard(Some("1-4"), None, &none)).contains("expected I/N"));
        assert!(message(resolve_shard(Some("1/4"), Some(3), &none)).contains("disagree"));
        // Without --shards the environment is not read: the whole sweep runs.
        assert_eq!(resolve_shard(None, None, &none).unwrap(), None);
    }

    #[test]
    fn array_jobs_name_the_index_with_shards() {
        for var in SHARD_INDEX_VARIABLES {
            assert_eq!(
                resolve_shard(None, Some(4), env(&[(var, "2")])).unwrap(),
                Some(Shard { index: 2, count: 4 }),
                "{var}"
            );
        }
        let both = env(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("SLURM_ARRAY_TASK_ID", "1"),
        ]);
        assert_eq!(
            resolve_shard(None, Some(2), both).unwrap(),
            Some(Shard { index: 1, count: 2 })
        );
        let disagree = env(&[("JOB_COMPLETION_INDEX", "0"), ("SLURM_ARRAY_TASK_ID", "1")]);
        assert!(message(resolve_shard(None, Some(2), disagree)).contains("ambiguous"));
        let e = message(resolve_shard(
            None,
            Some(4),
            env(&[("SLURM_ARRAY_TASK_ID", "4")]),
        ));
        assert!(
            e.contains("SLURM_ARRAY_TASK_ID is 4, not below --shards 4")
                && e.contains("--array=0-3"),
            "{e}"
        );
        assert!(message(resolve_shard(
            None,
            Some(4),
            env(&[("SLURM_ARRAY_TASK_ID", "x")])
        ))
        .contains("expected the array job's index"));
        let e = message(resolve_shard(None, Some(4), env(&[])));
        assert!(
            e.contains("needs this shard's index") && e.contains("JOB_COMPLETION_INDEX"),
            "{e}"
        );
        // An empty variable counts as unset.
        assert!(message(resolve_shard(
            None,
            Some(4),
            env(&[("SLURM_ARRAY_TASK_ID", "")])
        ))
        .contains("needs this shard's index"));
    }

    #[test]
    fn rows_are_dealt_round_robin() {
        assert_eq!(rows_of(10, 0, 4), 3);
        assert_eq!(rows_of(10, 1, 4), 3);
        assert_eq!(rows_of(10, 2, 4), 2);
        assert_eq!(rows_of(10, 3, 4), 2);
        assert_eq!(rows_of(2, 3, 4), 0);
        assert_eq!((0..7).map(|i| rows_of(100, i, 7)).sum::<usize>(), 100);
    }

    #[test]
    fn shard_json_round_trips_and_is_checked() {
        let info = ShardInfo {
            name: "s".into(),
            sweep_sha256: "a".into(),
            scenario_sha256: "b".into(),
            version: "0.1.0".into(),
            shards: 4,
            shard: 1,
            rows: 10,
            shard_rows: 3,
            keep_runs: false,
            sweep_csv_sha256: "c".into(),
        };
        let text = info.to_json();
        assert!(text.starts_with("{\n  \"schemaVersion\": 1,\n  \"sweep\": {"));
        assert_eq!(ShardInfo::from_json(&text).unwrap(), info);
        let bad = text.replace("\"shardRows\": 3", "\"shardRows\": 4");
        assert!(ShardInfo::from_json(&bad)
            .unwrap_err()
            .contains("has 3 rows, not 4"));
        let bad = text.replace("\"shard\": 1", "\"shard\": 4");
        assert!(ShardInfo::from_json(&bad)
            .unwrap_err()
            .contains("below the number"));
        let bad = text.replace("\"rows\": 10", "\"rows\": 1000000000000");
        assert!(ShardInfo::from_json(&bad)
            .unwrap_err()
            .contains("at most 1000000 runs"));
        let bad = text
            .replace("\"shards\": 4", "\"shards\": 1000000000000")
            .replace("\"shardRows\": 3", "\"shardRows\": 1");
        assert!(ShardInfo::from_json(&bad)
            .unwrap_err()
            .contains("1000000 shards"));
        assert!(ShardInfo::from_json("{}")
            .unwrap_err()
            .contains("missing field"));
        assert!(ShardInfo::from_json("[")
            .unwrap_err()
            .contains("not valid JSON"));
    }
}
