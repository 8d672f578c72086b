//! `ecsim sweep merge --out DIR SHARD_DIR...`: joins the shard directories of one sweep into
//! exactly the directory the unsharded sweep writes (its rows dealt back into row order, the
//! aggregate computed from them), after checking that the shards belong together: the same sweep
//! file, scenario, ecsim version and number of shards, each shard once, none missing, each
//! shard's rows as its `shard.json` recorded them.

use super::shard::{ShardInfo, SHARD_INDEX_VARIABLES};
use super::{check_out_dir, write_csv_file, RUNS_DIR};
use crate::rundir::{write_error, TempRunDir};
use crate::UsageError;
use ecsim_report::sweep as files;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a merge did.
#[derive(Clone, Debug)]
pub struct MergeOutcome {
    pub name: String,
    pub shards: usize,
    pub rows: usize,
}

/// A shard directory read.
struct ShardDir {
    dir: PathBuf,
    info: ShardInfo,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn read_shard(dir: &Path) -> Result<ShardDir, UsageError> {
    let fail = |why: String| UsageError(format!("error: {}: {why}", dir.display()));
    if !dir.is_dir() {
        return Err(fail(
            "not a directory; expected a shard directory that ecsim sweep --shard I/N wrote".into(),
        ));
    }
    let info_path = dir.join("shard.json");
    let text = std::fs::read_to_string(&info_path).map_err(|e| {
        fail(format!(
            "not a shard directory: cannot read shard.json ({e}); shards are written by ecsim sweep --shard I/N (or --shards N in an array job that sets {})",
            SHARD_INDEX_VARIABLES.join(", ")
        ))
    })?;
    let info = ShardInfo::from_json(&text).map_err(|e| fail(format!("shard.json: {e}")))?;
    let csv = std::fs::read(dir.join("sweep.csv"))
        .map_err(|e| fail(format!("cannot read sweep.csv ({e})")))?;
    if ecsim_scenario::sha256_hex(&csv) != info.sweep_csv_sha256 {
        return Err(fail(
            "sweep.csv is not the file this shard wrote (its sha256 differs from shard.json's sweepCsvSha256); run the shard again".into(),
        ));
    }
    let (header, rows) = files::read_csv(&csv[..]).map_err(|e| fail(format!("sweep.csv: {e}")))?;
    if rows.len() != info.shard_rows {
        return Err(fail(format!(
            "sweep.csv has {} rows where shard.json says {}",
            rows.len(),
            info.shard_rows
        )));
    }
    if info.keep_runs && !dir.join(RUNS_DIR).is_dir() {
        return Err(fail(
            "shard.json says its runs were kept, but runs/ is missing".into(),
        ));
    }
    Ok(ShardDir {
        dir: dir.to_path_buf(),
        info,
        header,
        rows,
    })
}

/// Joins `shard_dirs` into the sweep directory `out`.
pub fn merge(out: &Path, shard_dirs: &[PathBuf]) -> Result<MergeOutcome, UsageError> {
    if shard_dirs.is_empty() {
        return Err(UsageError(
            "error: ecsim sweep merge needs the shard directories to merge".into(),
        ));
    }
    check_out_dir(out)?;
    if let Ok(target) = out.canonicalize() {
        if let Some(d) = shard_dirs
            .iter()
            .find(|d| d.canonicalize().is_ok_and(|c| c == target))
        {
            return Err(UsageError(format!(
                "error: --out {}: is the shard directory {}; merge into a directory of its own",
                out.display(),
                d.display()
            )));
        }
    }
    let shards: Vec<ShardDir> = shard_dirs
        .iter()
        .map(|d| read_shard(d))
        .collect::<Result<_, _>>()?;
    let first = &shards[0];
    for s in &shards[1..] {
        let (a, b) = (&first.info, &s.info);
        let differs = if a.sweep_sha256 != b.sweep_sha256 || a.name != b.name {
            Some(format!(
                "it is a shard of another sweep ('{}', sweep file sha256 {}) than {} ('{}', {})",
                b.name,
                short(&b.sweep_sha256),
                first.dir.display(),
                a.name,
                short(&a.sweep_sha256)
            ))
        } else if a.scenario_sha256 != b.scenario_sha256 {
            Some(format!(
                "its sweep ran another scenario (sha256 {}) than {} ({}): the scenario file changed between shards",
                short(&b.scenario_sha256),
                first.dir.display(),
                short(&a.scenario_sha256)
            ))
        } else if a.version != b.version {
            Some(format!(
                "it was run by ecsim {} and {} by ecsim {}: run every shard with one version",
                b.version,
                first.dir.display(),
                a.version
            ))
        } else if a.shards != b.shards || a.rows != b.rows {
            Some(format!(
                "it is one of {} shards and {} one of {}",
                b.shards,
                first.dir.display(),
                a.shards
            ))
        } else if a.keep_runs != b.keep_runs {
            Some(format!(
                "it was run {} --keep-runs and {} {}: run every shard the same way",
                if b.keep_runs { "with" } else { "without" },
                first.dir.display(),
                if a.keep_runs { "with" } else { "without" }
            ))
        } else if s.header != first.header {
            Some(format!(
                "its sweep.csv has other columns than {}'s",
                first.dir.display()
            ))
        } else {
            None
        };
        if let Some(why) = differs {
            return Err(UsageError(format!(
                "error: {}: {why}; nothing was merged",
                s.dir.display()
            )));
        }
    }
    let count = first.info.shards;
    let mut by_index: BTreeMap<usize, &ShardDir> = BTreeMap::new();
    for s in &shards {
        if let Some(other) = by_index.insert(s.info.shard, s) {
            return Err(UsageError(format!(
                "error: {} and {} are both shard {} of {count}; give each shard once",
                other.dir.display(),
                s.dir.display(),
                s.info.shard
            )));
        }
    }
    let missing: Vec<String> = (0..count)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(UsageError(format!(
            "error: shard{} {} of {count} {} missing: merge every shard of the sweep (found {})",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            by_index
                .keys()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Row r is row r / N of shard r mod N.
    let total = first.info.rows;
    let mut rows = Vec::with_capacity(total);
    for r in 0..total {
        rows.push(by_index[&(r % count)].rows[r / count].clone());
    }
    let aggregate = files::aggregate(&first.header, &rows)
        .map_err(|e| UsageError(format!("error: the shards' sweep.csv: {e}")))?;
    let tmp = TempRunDir::create(out)?;
    write_csv_file(&tmp, "sweep.csv", &first.header, &rows)?;
    write_csv_file(&tmp, "aggregate.csv", &files::AGGREGATE_HEADER, &aggregate)?;
    if first.info.keep_runs {
        let runs = tmp.path().join(RUNS_DIR);
        std::fs::create_dir(&runs).map_err(|e| write_error(out, "creating runs/", e))?;
        for s in by_index.values() {
            copy_runs(&s.dir.join(RUNS_DIR), &runs, out)?;
        }
    }
    tmp.commit()?;
    Ok(MergeOutcome {
        name: first.info.name.clone(),
        shards: count,
        rows: total,
    })
}

/// Copies every run directory of a shard's `runs/` into the merged `runs/`.
fn copy_runs(from: &Path, to: &Path, out: &Path) -> Result<(), UsageError> {
    let read = |e: std::io::Error| {
        UsageError(format!(
            "error: {}: cannot read the kept runs ({e})",
            from.display()
        ))
    };
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(read)?
        .collect::<Result<_, _>>()
        .map_err(read)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let target = to.join(entry.file_name());
        if target.exists() {
            return Err(UsageError(format!(
                "error: {}: run {} is in two shards",
                from.display(),
                entry.file_name().to_string_lossy()
            )));
        }
        if entry.path().is_dir() {
            std::fs::create_dir(&target).map_err(|e| write_error(out, "copying runs/", e))?;
            copy_runs(&entry.path(), &target, out)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| write_error(out, "copying runs/", e))?;
        }
    }
    Ok(())
}

/// The first 12 hex digits of a digest, for messages.
fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
