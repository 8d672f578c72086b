//! The shell of `ecsim import`: reads the files, imports them, loads the result with the
//! scenario crate's loader, and writes it atomically.

use super::import;

/// `ecsim import`: reads `paths`, builds the scenario, checks that it loads, and writes it to
/// `out` atomically (a temporary file beside it, synced and renamed) or returns it for stdout.
/// What it cannot carry goes to stderr.
pub fn import_command(
    paths: &[std::path::PathBuf],
    out: Option<&std::path::Path>,
    name: Option<&str>,
) -> Result<Option<String>, crate::UsageError> {
    use crate::UsageError;
    use std::io::Write;
    let mut files = Vec::new();
    for p in paths {
        let shown = p.display().to_string();
        if let Ok(m) = std::fs::metadata(p) {
            if m.is_file() && m.len() > ecsim_scenario::MAX_FILE_BYTES {
                return Err(UsageError(format!(
                    "error: {shown}: {}",
                    ecsim_scenario::too_large(m.len())
                )));
            }
        }
        let bytes = std::fs::read(p)
            .map_err(|e| UsageError(format!("error: {shown}: cannot read it: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| UsageError(format!("error: {shown}: not UTF-8 text; expected JSON")))?;
        files.push((shown, text));
    }
    let imported = import(&files, name).map_err(|errors| {
        UsageError(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let mut text = serde_json::to_string_pretty(&imported.scenario).expect("JSON serializes");
    text.push('\n');
    // What the outputs held that the scenario cannot load is an input error, not a crash.
    if let Err(errors) = ecsim_scenario::load_bytes(text.as_bytes()) {
        return Err(UsageError(format!(
            "{}\nerror: the scenario imported from {} does not load: the values above come from those files",
            crate::render_errors("the imported scenario", &text, &errors),
            files
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for n in &imported.not_carried {
        eprintln!("import: {n}");
    }
    let Some(out) = out else {
        return Ok(Some(text));
    };
    let file_name = out
        .file_name()
        .map_or_else(|| "scenario".into(), |n| n.to_string_lossy().into_owned());
    let tmp = out.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        UsageError(format!(
            "error: {}: cannot write the scenario: {e}",
            out.display()
        ))
    })?;
    Ok(None)
}
