//! The run directory (SPEC §9): written into a temporary sibling directory while the run streams,
//! synced, and renamed into place at the end, so a failed or interrupted run never leaves a
//! half-written result; `--out` may name a new directory or an earlier run directory (holding
//! nothing but run files), which is replaced. A run first removes the temporary directories that
//! killed runs left beside it (`.NAME.tmp-PID` whose process is gone).

use crate::UsageError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Checks, before anything runs, that `--out` names a directory to create or an earlier run
/// directory, so that replacing it destroys nothing of the user's.
pub fn check_out_dir(dir: &Path) -> Result<(), UsageError> {
    check_dir_holding(
        dir,
        &ecsim_report::RUN_FILES,
        &[],
        "an ecsim run directory",
        "run directory",
    )
}

/// Checks that `dir` is a directory to create, or one holding nothing but the files `files` and
/// the directories `dirs` (a directory of this kind, which `kind` names for the message, and
/// `earlier` in the advice), so that replacing it destroys nothing else.
pub fn check_dir_holding(
    dir: &Path,
    files: &[&str],
    dirs: &[&str],
    kind: &str,
    earlier: &str,
) -> Result<(), UsageError> {
    let refuse = |why: String| {
        UsageError(format!(
            "error: --out {}: {why}; choose a new directory, or an earlier {earlier} to replace",
            dir.display()
        ))
    };
    match dir.file_name() {
        None => return Err(refuse("names no directory of its own".into())),
        Some(n) if n == "." || n == ".." => {
            return Err(refuse("names no directory of its own".into()))
        }
        Some(_) => {}
    }
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(refuse("exists and is not a directory".into()));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| refuse(format!("cannot be read ({e})")))?;
    for entry in entries {
        let entry = entry.map_err(|e| refuse(format!("cannot be read ({e})")))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let ok = (files.contains(&name.as_str()) && path.is_file())
            || (dirs.contains(&name.as_str()) && path.is_dir());
        if !ok {
            return Err(refuse(format!(
                "exists and holds '{name}', so it is not {kind}"
            )));
        }
    }
    Ok(())
}

/// A run directory being written: the temporary directory beside the target, removed unless
/// [`TempRunDir::commit`] renames it into place.
pub struct TempRunDir {
    dir: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

pub type RunFile = std::io::BufWriter<std::fs::File>;

impl TempRunDir {
    pub fn create(dir: &Path) -> Result<TempRunDir, UsageError> {
        let parent = parent(dir);
        std::fs::create_dir_all(parent).map_err(|e| write_error(dir, "creating its parent", e))?;
        remove_leftovers(dir);
        let tmp = parent.join(format!(".{}.tmp-{}", name(dir), std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir(&tmp)
            .map_err(|e| write_error(dir, "creating a temporary directory", e))?;
        Ok(TempRunDir {
            dir: dir.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    /// The temporary directory itself (for what goes in below it: a sweep's kept runs).
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The directory it will be renamed to.
    pub fn target(&self) -> &Path {
        &self.dir
    }

    /// Creates one of the run's files.
    pub fn file(&self, name: &str) -> Result<RunFile, UsageError> {
        std::fs::File::create(self.tmp.join(name))
            .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| write_error(&self.dir, "creating its files", e))
    }

    /// A second handle on one of the run's files, to sync it while it is being written.
    pub fn handle(&self, file: &RunFile) -> Result<std::fs::File, UsageError> {
        file.get_ref()
            .try_clone()
            .map_err(|e| write_error(&self.dir, "opening its files", e))
    }

    /// Flushes and syncs a finished file.
    pub fn close(&self, file: RunFile) -> Result<(), UsageError> {
        let f = file
            .into_inner()
            .map_err(|e| write_error(&self.dir, "writing its files", e.into_error()))?;
        f.sync_all()
            .map_err(|e| write_error(&self.dir, "syncing its files", e))
    }

    /// Renames the finished directory into place, replacing an earlier run directory that
    /// [`check_out_dir`] accepted. Its files were synced as they were closed; the directory is
    /// synced before the rename, and its parent after.
    pub fn commit(mut self) -> Result<(), UsageError> {
        let dir = self.dir.clone();
        sync_dir(&self.tmp).map_err(|e| write_error(&dir, "syncing its files", e))?;
        let old = parent(&dir).join(format!(".{}.old-{}", name(&dir), std::process::id()));
        let replacing = dir.exists();
        if replacing {
            std::fs::rename(&dir, &old)
                .map_err(|e| write_error(&dir, "moving the previous run aside", e))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &dir) {
            // Put the previous run back: a failed run leaves things as they were.
            if replacing {
                let _ = std::fs::rename(&old, &dir);
            }
            return Err(write_error(&dir, "renaming the finished run into place", e));
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&old);
        sync_dir(parent(&dir)).map_err(|e| write_error(&dir, "syncing its parent", e))
    }
}

/// Syncs a directory's entries (the names of the files in it, a rename into it).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Removes what runs killed before they could clean up left beside `dir`: their temporary
/// directories `.NAME.tmp-PID`, and the previous run they had moved aside (`.NAME.old-PID`) when
/// the new one is in place. Only directories of run files, and only when process PID is gone (a
/// run still going keeps its own); anything else is left alone.
pub fn remove_leftovers(dir: &Path) {
    let name = name(dir);
    let (tmp, old) = (format!(".{name}.tmp-"), format!(".{name}.old-"));
    let Ok(entries) = std::fs::read_dir(parent(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let (pid, moved_aside) = match (file_name.strip_prefix(&tmp), file_name.strip_prefix(&old))
        {
            (Some(pid), _) => (pid, false),
            (_, Some(pid)) => (pid, true),
            _ => continue,
        };
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid == std::process::id()
            || crate::signals::process_exists(pid)
            || (moved_aside && !dir.is_dir())
            || !holds_only_run_files(&entry.path())
        {
            continue;
        }
        let _ = std::fs::remove_dir_all(entry.path());
    }
}

/// Whether `path` is a directory holding nothing but run files (a run's, partly written maybe).
fn holds_only_run_files(path: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(path) else {
        return false;
    };
    entries.into_iter().all(|e| {
        e.is_ok_and(|e| {
            e.path().is_file()
                && ecsim_report::RUN_FILES.contains(&e.file_name().to_string_lossy().as_ref())
        })
    })
}

impl Drop for TempRunDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

fn parent(dir: &Path) -> &Path {
    dir.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into())
}

pub fn write_error(dir: &Path, what: &str, e: std::io::Error) -> UsageError {
    UsageError(format!(
        "error: {}: cannot write the run directory ({what}): {e}",
        dir.display()
    ))
}

/// Writes `summary.json` into the directory.
pub fn write_summary(
    tmp: &TempRunDir,
    summary: &ecsim_engine::RunSummary,
    meta: &ecsim_report::SummaryMeta,
) -> Result<(), UsageError> {
    let mut f = tmp.file("summary.json")?;
    ecsim_report::write_summary(summary, meta, &mut f)
        .and_then(|()| f.flush())
        .map_err(|e| write_error(&tmp.dir, "writing summary.json", e))?;
    tmp.close(f)
}

/// Syncs a file that is being written, every `period`, until dropped: the kernel writes a large
/// `events.jsonl` back while the run goes on, so the sync before the rename has little left to do.
pub struct Syncer {
    stop: std::sync::mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Syncer {
    pub fn start(file: std::fs::File, period: std::time::Duration) -> Syncer {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(period)
            {
                // A failure here is found again by the final sync, which reports it.
                let _ = file.sync_data();
            }
        });
        Syncer {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
