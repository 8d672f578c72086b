//! The walking context: collects input errors and ignored field paths, and reads JSON objects
//! against a table of the fields they accept.
//!
//! Every reader reports what it could not accept and returns `None` for it, so one pass over the
//! file finds every error; positions are filled in at the end from the [`crate::locate::Index`].

use crate::duration::{
    duration_from_seconds, duration_from_whole_seconds, looks_like_milliseconds, parse_duration,
};
use crate::error::{show, ScenarioError, ScenarioWarning};
use crate::locate::{column_in_string, Index, Pos};
use crate::path::Path;
use ecsim_kernel::SimDuration;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Where an error points.
#[derive(Clone, Debug)]
enum Anchor {
    /// At the value of the path (or its nearest ancestor that exists).
    Value,
    /// At the key of the path (unknown and duplicate fields).
    Key,
    /// At the `n`-th (0-based) decoded character inside the string value of the path.
    InString(usize),
    /// At a known position, with the printed path of what is there.
    At(Pos, String),
}

#[derive(Clone, Debug)]
struct Issue {
    path: Path,
    anchor: Anchor,
    value: Option<String>,
    message: String,
    kind: IssueKind,
    /// For a folded error: what it names (`service prod/web`); errors naming the same fold.
    mistake: String,
}

/// What an issue is, for the rules that keep one mistake to one error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IssueKind {
    Error,
    /// One of the errors one mistake gives everywhere it shows, folded into the first (see
    /// [`Fold`]).
    Folded(Fold),
    /// A reference error after an action that could not be read (its name unknown): what that
    /// action would have defined is not known, so the error would send the reader after the
    /// wrong fix. Kept out of the report.
    Unknowable,
}

/// Mistakes that show in many places, each reported once, at the first place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fold {
    /// A reference to something no earlier action defined: several references to the same name
    /// (the first clause of the message) are one mistake, a misspelled definition or a
    /// misspelled reference copied around.
    Reference,
    /// Times after the horizon: a horizon too short (or a time in the wrong unit) is one mistake.
    AfterHorizon,
}

impl Fold {
    /// What the folded places are said to share.
    fn phrase(self) -> &'static str {
        match self {
            Fold::Reference => "also referenced at",
            Fold::AfterHorizon => "so are",
        }
    }
}

/// What a request field does in ecsim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// Lowered into the engine's types (or it changes how the request is read).
    Used,
    /// Accepted and ignored: recorded in `ignoredFields`, its content not read (SPEC §2).
    Ignored,
    /// Validated as ECS would, then ignored: it has no effect on placement or scheduling.
    Checked,
}

#[derive(Default)]
pub(crate) struct Cx {
    issues: Vec<Issue>,
    ignored: Vec<Path>,
    /// Values that are valid but probably not what was meant (SPEC §10 exit codes unchanged).
    warnings: Vec<Issue>,
    /// The run's horizon once read (or its default), for the warnings that compare with it.
    pub(crate) horizon: Option<SimDuration>,
    /// Set once the replay met an action it could not read: later references to undefined
    /// names are then [`IssueKind::Unknowable`].
    pub(crate) unreadable_action: bool,
    /// The printed paths of the errors so far, for [`Cx::has_error_at`].
    error_paths: BTreeSet<String>,
}

impl Cx {
    pub(crate) fn has_errors(&self) -> bool {
        !self.issues.is_empty()
    }

    pub(crate) fn error_count(&self) -> usize {
        self.issues.len()
    }

    /// Forgets the errors and warnings reported since `count` errors (`error_count`) and
    /// `warnings` warnings (`warning_count`): for an action read only for what it defines.
    pub(crate) fn forget_since(&mut self, errors: usize, warnings: usize) {
        for issue in self.issues.drain(errors..) {
            self.error_paths.remove(&issue.path.to_string());
        }
        self.warnings.truncate(warnings);
    }

    /// Whether an error was reported at `path` or inside it: a check across fields skips a
    /// field in error, whose value stands in as its default.
    pub(crate) fn has_error_at(&self, path: &Path) -> bool {
        let prefix = path.to_string();
        self.error_paths
            .range(prefix.clone()..)
            .take_while(|p| p.starts_with(&prefix))
            .any(|p| {
                let rest = &p[prefix.len()..];
                rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')
            })
    }

    fn push_issue(&mut self, issue: Issue) {
        self.error_paths.insert(issue.path.to_string());
        self.issues.push(issue);
    }

    pub(crate) fn warning_count(&self) -> usize {
        self.warnings.len()
    }

    /// A reference error at `value` (at `path`): a name no earlier action defined. `name` says
    /// what is named (`cluster prod`, `task definition web`): later errors naming the same are
    /// counted into the first.
    pub(crate) fn error_reference(
        &mut self,
        path: &Path,
        value: &Value,
        name: String,
        message: impl Into<String>,
    ) {
        let kind = if self.unreadable_action {
            IssueKind::Unknowable
        } else {
            IssueKind::Folded(Fold::Reference)
        };
        self.push_issue(Issue {
            path: path.clone(),
            anchor: Anchor::Value,
            value: Some(show(value)),
            message: message.into(),
            kind,
            mistake: name,
        });
    }

    /// An error at `value` (at `path`) that one mistake gives in many places: the first is
    /// reported, counting the others.
    pub(crate) fn error_folded(
        &mut self,
        fold: Fold,
        path: &Path,
        value: &Value,
        message: impl Into<String>,
    ) {
        self.push_issue(Issue {
            path: path.clone(),
            anchor: Anchor::Value,
            value: Some(show(value)),
            message: message.into(),
            kind: IssueKind::Folded(fold),
            mistake: String::new(),
        });
    }

    /// A warning at the value of `path`, quoting it.
    pub(crate) fn warn_value(&mut self, path: &Path, value: &Value, message: impl Into<String>) {
        self.warnings.push(Issue {
            path: path.clone(),
            anchor: Anchor::Value,
            value: Some(show(value)),
            message: message.into(),
            kind: IssueKind::Error,
            mistake: String::new(),
        });
    }

    /// An error at the value of `path`, without showing the value.
    pub(crate) fn error(&mut self, path: &Path, message: impl Into<String>) {
        self.push(path, Anchor::Value, None, message.into());
    }

    /// An error at `value`, which lives at `path`.
    pub(crate) fn error_value(&mut self, path: &Path, value: &Value, message: impl Into<String>) {
        self.push(path, Anchor::Value, Some(show(value)), message.into());
    }

    /// An error at the key of `path`.
    pub(crate) fn error_key(&mut self, path: &Path, message: impl Into<String>) {
        self.push(path, Anchor::Key, None, message.into());
    }

    /// An error at the `char_index`-th character inside the string at `path`.
    pub(crate) fn error_in_string(
        &mut self,
        path: &Path,
        value: &Value,
        char_index: usize,
        message: impl Into<String>,
    ) {
        self.push(
            path,
            Anchor::InString(char_index),
            Some(show(value)),
            message.into(),
        );
    }

    /// An error at a known position of the value (or key) at the printed `path`.
    pub(crate) fn error_at(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        let anchor = Anchor::At(pos, path.to_string());
        self.push(&Path::root(), anchor, None, message.into());
    }

    fn push(&mut self, path: &Path, anchor: Anchor, value: Option<String>, message: String) {
        self.push_issue(Issue {
            path: path.clone(),
            anchor,
            value,
            message,
            kind: IssueKind::Error,
            mistake: String::new(),
        });
    }

    /// Records an accepted-but-ignored field.
    pub(crate) fn ignore(&mut self, path: &Path) {
        self.ignored.push(path.clone());
    }

    /// The printed paths whose positions [`Cx::finish_errors`] and [`Cx::finish_ignored`] will ask
    /// for: each error's path and its ancestors (an error falls back to the nearest one the
    /// document has), and each ignored field's.
    pub(crate) fn wanted_paths(&self) -> HashSet<String> {
        // The paths the errors, the warnings and the ignored fields name, with their parents.
        let mut wanted = HashSet::new();
        for issue in self.issues.iter().chain(&self.warnings) {
            if let Anchor::At(..) = issue.anchor {
                continue;
            }
            let mut p = issue.path.clone();
            loop {
                if !wanted.insert(p.to_string()) || p.is_root() {
                    break;
                }
                p = p.parent();
            }
        }
        for path in &self.ignored {
            wanted.insert(path.to_string());
        }
        wanted
    }

    /// The errors with their positions, in document order, each once.
    ///
    /// **RULE (ours): one mistake, one error.** References to the same undefined name are one
    /// error, at the first, counting the others; references made unknowable by an unreadable
    /// action are left out (the action's own error says what to fix).
    pub(crate) fn finish_errors(&self, src: &str, index: &Index) -> Vec<ScenarioError> {
        /// The fold of a folded error and the mistake it names.
        type Mistake = Option<(Fold, String)>;
        let mut located: Vec<(usize, ScenarioError, Mistake)> = Vec::new();
        let mut seen = BTreeSet::new();
        for issue in &self.issues {
            if issue.kind == IssueKind::Unknowable {
                continue;
            }
            let (pos, error) = locate_issue(issue, src, index);
            let key = (
                error.path.clone(),
                error.line,
                error.column,
                error.value.clone(),
                error.message.clone(),
            );
            if seen.insert(key) {
                let mistake = match issue.kind {
                    IssueKind::Folded(fold) => Some((fold, issue.mistake.clone())),
                    _ => None,
                };
                located.push((pos.map(|p| p.offset).unwrap_or(0), error, mistake));
            }
        }
        located.sort_by_key(|(offset, _, _)| *offset);
        // The repeats of a mistake, folded into its first error.
        let mut out: Vec<(ScenarioError, Mistake, Vec<String>)> = Vec::new();
        let mut first: BTreeMap<(Fold, String), usize> = BTreeMap::new();
        for (_, error, mistake) in located {
            if let Some(m) = &mistake {
                if let Some(&i) = first.get(m) {
                    out[i].2.push(error.path);
                    continue;
                }
                first.insert(m.clone(), out.len());
            }
            out.push((error, mistake, Vec::new()));
        }
        out.into_iter()
            .map(|(mut error, mistake, repeats)| {
                if let (Some((fold, _)), false) = (mistake, repeats.is_empty()) {
                    error
                        .message
                        .push_str(&repeated_at(fold.phrase(), &repeats));
                }
                error
            })
            .collect()
    }

    /// The warnings with their positions, in document order, each once.
    pub(crate) fn finish_warnings(&self, src: &str, index: &Index) -> Vec<ScenarioWarning> {
        let mut located: Vec<(usize, ScenarioWarning)> = Vec::new();
        let mut seen = BTreeSet::new();
        for issue in &self.warnings {
            let (pos, error) = locate_issue(issue, src, index);
            let mut message = error.message;
            if let Some(value) = error.value {
                message = format!("{message} (found {value})");
            }
            let warning = ScenarioWarning {
                path: error.path,
                line: error.line,
                column: error.column,
                message,
                note: false,
            };
            if seen.insert(warning.to_string()) {
                located.push((pos.map(|p| p.offset).unwrap_or(0), warning));
            }
        }
        located.sort_by_key(|(offset, _)| *offset);
        located.into_iter().map(|(_, w)| w).collect()
    }

    /// The ignored field paths in document order, each once.
    pub(crate) fn finish_ignored(&self, index: &Index) -> Vec<String> {
        let mut paths: Vec<(usize, String)> = Vec::new();
        let mut seen = BTreeSet::new();
        for path in &self.ignored {
            let text = path.to_string();
            if !seen.insert(text.clone()) {
                continue;
            }
            let offset = index
                .get(&text)
                .map(|l| l.key.unwrap_or(l.value).offset)
                .unwrap_or(usize::MAX);
            paths.push((offset, text));
        }
        paths.sort();
        paths.into_iter().map(|(_, p)| p).collect()
    }
}

/// Where `issue` points, and the error it reads as there.
fn locate_issue(issue: &Issue, src: &str, index: &Index) -> (Option<Pos>, ScenarioError) {
    let path = match &issue.anchor {
        Anchor::At(_, printed) => printed.clone(),
        _ => issue.path.to_string(),
    };
    let pos = match issue.anchor {
        Anchor::At(pos, _) => Some(pos),
        Anchor::Key => index
            .get(&path)
            .map(|l| l.key.unwrap_or(l.value))
            .or_else(|| nearest(index, &issue.path)),
        Anchor::Value => nearest(index, &issue.path),
        Anchor::InString(n) => match index.get(&path) {
            Some(l) => {
                let column = column_in_string(src, l.value, n);
                Some(Pos {
                    offset: l.value.offset + (column - l.value.column),
                    line: l.value.line,
                    column,
                })
            }
            None => nearest(index, &issue.path),
        },
    };
    let error = ScenarioError {
        path,
        line: pos.map(|p| p.line),
        column: pos.map(|p| p.column),
        value: issue.value.clone(),
        message: escape_controls(&issue.message),
    };
    (pos, error)
}

/// The most repeats of a reference mistake named in its error.
const REPEATS_NAMED: usize = 3;

/// "; PHRASE a, b and c" (or "…, c and N more places").
fn repeated_at(phrase: &str, paths: &[String]) -> String {
    let named: Vec<&str> = paths
        .iter()
        .take(REPEATS_NAMED)
        .map(String::as_str)
        .collect();
    let rest = paths.len() - named.len();
    let list = match (named.as_slice(), rest) {
        ([one], 0) => one.to_string(),
        (_, 0) => format!(
            "{} and {}",
            named[..named.len() - 1].join(", "),
            named[named.len() - 1]
        ),
        (_, 1) => format!("{} and 1 more place", named.join(", ")),
        _ => format!("{} and {rest} more places", named.join(", ")),
    };
    format!("; {phrase} {list}")
}

/// Messages quote names from the file; control characters in them are shown escaped, so that an
/// error never prints raw control characters to a terminal.
fn escape_controls(message: &str) -> String {
    if !message.chars().any(char::is_control) {
        return message.to_string();
    }
    message
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:04x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The position of the value at `path`, or of its nearest ancestor that the document has.
fn nearest(index: &Index, path: &Path) -> Option<Pos> {
    let mut p = path.clone();
    loop {
        if let Some(l) = index.get(&p.to_string()) {
            return Some(l.value);
        }
        if p.is_root() {
            return None;
        }
        p = p.parent();
    }
}

/// "unknown field 'x'; did you mean 'y'?" or "...; expected one of a, b, c".
pub(crate) fn unknown_message(what: &str, name: &str, known: &[&str]) -> String {
    if let Some(close) = closest(name, known) {
        format!("unknown {what} '{name}'; did you mean '{close}'?")
    } else if known.is_empty() {
        format!("unknown {what} '{name}'; nothing is accepted here")
    } else {
        format!(
            "unknown {what} '{name}'; expected one of {}",
            known.join(", ")
        )
    }
}

/// Shortest name that suggests the one known name it begins (`failToStart` for
/// `failToStartProbability`).
const PREFIX_CHARS_MIN: usize = 4;

/// The known name closest to `name`: the same letters ignoring case, or within a small edit
/// distance, or else the one known name that `name` begins (ignoring case).
pub(crate) fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        return Some(k);
    }
    if let Some(close) = closest_by_edits(name, known) {
        return Some(close);
    }
    let lower = name.to_ascii_lowercase();
    let mut starting = known
        .iter()
        .filter(|k| k.to_ascii_lowercase().starts_with(&lower));
    match (starting.next(), starting.next()) {
        (Some(only), None) if name.chars().count() >= PREFIX_CHARS_MIN => Some(only),
        _ => None,
    }
}

/// The known name within a small edit distance of `name`, if any.
fn closest_by_edits<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_ascii_lowercase();
    // About one edit per five characters: `placementStrategies` (19) finds `placementStrategy`.
    let limit = match name.chars().count() {
        0..=5 => 1,
        n => (n / 5).max(2),
    };
    let length = lower.chars().count();
    known
        .iter()
        .filter(|k| k.chars().count().abs_diff(length) <= limit)
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
/// adjacent characters each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(200).collect();
    let b: Vec<char> = b.chars().take(200).collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// An object read against the table of the fields it accepts.
pub(crate) struct Obj<'v> {
    pub map: &'v Map<String, Value>,
    pub path: Path,
    /// (field, the misspelled key standing for it): see [`object`].
    aliases: Vec<(String, &'v str)>,
}

/// Reads `value` as an object accepting exactly `fields`: unknown fields are errors, ignored ones
/// are recorded. `what` names the object in the "expected an object" message.
/// The one schema version this ecsim reads, of scenario and sweep files alike.
pub(crate) const SCHEMA_VERSION: u64 = 1;

/// Checks the file's `schemaVersion` (required, [`SCHEMA_VERSION`]); `files` names what is read
/// in the message ("" for scenarios, "sweep files of " for sweeps). False when it is another
/// version, which is not worth reading further.
pub(crate) fn schema_version(cx: &mut Cx, o: &Obj<'_>, files: &str) -> bool {
    match o.get("schemaVersion") {
        None => o.missing(cx, "schemaVersion", "add \"schemaVersion\": 1"),
        Some(v) => {
            match v.as_u64() {
                Some(SCHEMA_VERSION) => {}
                Some(n) => {
                    cx.error_value(
                    &o.at("schemaVersion"),
                    v,
                    format!("unsupported schemaVersion {n}; this ecsim reads {files}schemaVersion 1"),
                );
                    return false;
                }
                None => cx.error_value(&o.at("schemaVersion"), v, "expected the integer 1"),
            }
        }
    }
    true
}

pub(crate) fn object<'v>(
    cx: &mut Cx,
    value: &'v Value,
    path: &Path,
    what: &str,
    fields: &[(&str, Field)],
) -> Option<Obj<'v>> {
    read_object(cx, value, path, what, None, fields)
}

/// Reads `value` as an object of the API model's structure `shape`: `fields` says what ecsim does
/// with the members it reads (`Used`, `Checked`); every other member of the shape is accepted,
/// checked against the model ([`crate::model::check`]) and recorded as ignored. A member neither
/// lists is an unknown field.
pub(crate) fn object_in<'v>(
    cx: &mut Cx,
    value: &'v Value,
    path: &Path,
    what: &str,
    shape: &str,
    fields: &[(&str, Field)],
) -> Option<Obj<'v>> {
    read_object(cx, value, path, what, Some(shape), fields)
}

fn read_object<'v>(
    cx: &mut Cx,
    value: &'v Value,
    path: &Path,
    what: &str,
    shape: Option<&str>,
    fields: &[(&str, Field)],
) -> Option<Obj<'v>> {
    let Value::Object(map) = value else {
        cx.error_value(path, value, format!("expected an object ({what})"));
        return None;
    };
    let members = shape.map(|s| &crate::model::model().shape(s).members);
    let member = |key: &str| members.and_then(|m| m.get(key)).map(|r| r.shape.as_str());
    let owner = shape
        .map(|s| s.strip_suffix("Request").unwrap_or(s))
        .unwrap_or("");
    let names = || {
        let mut names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
        for m in members.into_iter().flat_map(|m| m.keys()) {
            if !names.contains(&m.as_str()) {
                names.push(m);
            }
        }
        if members.is_some() {
            names.sort_unstable();
        }
        names
    };
    let mut aliases: Vec<(String, &'v str)> = Vec::new();
    for (key, v) in map {
        let field = fields.iter().find(|(name, _)| name == key).map(|(_, f)| *f);
        match (field, member(key)) {
            (Some(Field::Ignored) | None, Some(shape)) => {
                if !v.is_null() {
                    cx.ignore(&path.key(key));
                    let member = format!("{owner}.{key}");
                    crate::model::check(cx, v, &path.key(key), shape, &member);
                }
            }
            (Some(Field::Ignored | Field::Checked), _) => {
                if !v.is_null() {
                    cx.ignore(&path.key(key));
                }
            }
            (Some(Field::Used), _) => {}
            (None, None) => {
                let names = names();
                cx.error_key(&path.key(key), unknown_message("field", key, &names));
                if let Some(close) = closest(key, &names) {
                    aliases.push((close.to_string(), key.as_str()));
                }
            }
        }
    }
    // RULE (ours): a misspelled field stands for the field it is closest to, when that field is
    // not given and no other misspelling claims it, so that one misspelling is one error: the
    // field is not reported missing, and what it defines is known to later actions.
    let claimed = |name: &str, aliases: &[(String, &str)]| {
        aliases.iter().filter(|(close, _)| close == name).count()
    };
    let aliases: Vec<(String, &'v str)> = aliases
        .iter()
        .filter(|(close, _)| !map.contains_key(close.as_str()) && claimed(close, &aliases) == 1)
        .cloned()
        .collect();
    // API: the model's required members that ecsim does not read must still be given.
    if let Some(shape) = shape {
        for name in &crate::model::model().shape(shape).required {
            let read = fields.iter().any(|(n, _)| n == name);
            let given = map.get(name).is_some_and(|v| !v.is_null())
                || aliases.iter().any(|(close, _)| close == name);
            if !read && !given {
                cx.error(
                    &path.key(name),
                    format!("missing required field '{name}' (API model: {shape})"),
                );
            }
        }
    }
    Some(Obj {
        map,
        path: path.clone(),
        aliases,
    })
}

impl<'v> Obj<'v> {
    /// The key the field `name` is written under: its own, or the misspelling standing for it.
    pub(crate) fn key_of<'n>(&self, name: &'n str) -> &'n str
    where
        'v: 'n,
    {
        self.aliases
            .iter()
            .find(|(close, _)| close == name)
            .map_or(name, |(_, key)| key)
    }

    /// The field's value; JSON `null` counts as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&'v Value> {
        self.map.get(self.key_of(name)).filter(|v| !v.is_null())
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn at(&self, name: &str) -> Path {
        self.path.key(self.key_of(name))
    }

    /// An error about field `name`'s value, located at it and quoting it.
    pub(crate) fn error_field(&self, cx: &mut Cx, name: &str, message: impl Into<String>) {
        cx.error_value(
            &self.at(name),
            self.get(name).unwrap_or(&Value::Null),
            message,
        );
    }

    /// A reference error about field `field`'s value, naming `name` (see
    /// [`Cx::error_reference`]).
    pub(crate) fn error_reference(
        &self,
        cx: &mut Cx,
        field: &str,
        name: String,
        message: impl Into<String>,
    ) {
        cx.error_reference(
            &self.at(field),
            self.get(field).unwrap_or(&Value::Null),
            name,
            message,
        );
    }

    /// Reports a missing required field; `hint` (may be empty) says what to write.
    pub(crate) fn missing(&self, cx: &mut Cx, name: &str, hint: &str) {
        let message = if hint.is_empty() {
            format!("missing required field '{name}'")
        } else {
            format!("missing required field '{name}'; {hint}")
        };
        cx.error(&self.at(name), message);
    }

    pub(crate) fn str(&self, cx: &mut Cx, name: &str) -> Option<&'v str> {
        as_str(cx, self.get(name)?, &self.at(name))
    }

    pub(crate) fn req_str(&self, cx: &mut Cx, name: &str, hint: &str) -> Option<&'v str> {
        if !self.has(name) {
            self.missing(cx, name, hint);
            return None;
        }
        self.str(cx, name)
    }

    pub(crate) fn bool(&self, cx: &mut Cx, name: &str) -> Option<bool> {
        as_bool(cx, self.get(name)?, &self.at(name))
    }

    /// An integer in `min..=max`; out of range reports `range_message` (or a generic one).
    pub(crate) fn int(
        &self,
        cx: &mut Cx,
        name: &str,
        min: i64,
        max: i64,
        range_message: Option<&str>,
    ) -> Option<i64> {
        as_int(cx, self.get(name)?, &self.at(name), min, max, range_message)
    }

    pub(crate) fn u32(&self, cx: &mut Cx, name: &str) -> Option<u32> {
        self.int(cx, name, 0, u32::MAX as i64, None)
            .map(|v| v as u32)
    }

    pub(crate) fn array(&self, cx: &mut Cx, name: &str) -> Option<&'v Vec<Value>> {
        as_array(cx, self.get(name)?, &self.at(name))
    }

    /// An array of strings; None when it is not one (each element that is not a string is
    /// reported), so that the list's own checks (its length, its entries) do not report the
    /// same mistake again.
    pub(crate) fn strings(&self, cx: &mut Cx, name: &str) -> Option<Vec<&'v str>> {
        let items = self.array(cx, name)?;
        let path = self.at(name);
        let strings: Vec<&'v str> = items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| as_str(cx, v, &path.index(i)))
            .collect();
        (strings.len() == items.len()).then_some(strings)
    }

    pub(crate) fn duration(&self, cx: &mut Cx, name: &str) -> Option<SimDuration> {
        as_duration(cx, self.get(name)?, &self.at(name))
    }

    /// A finite number.
    pub(crate) fn number(&self, cx: &mut Cx, name: &str) -> Option<f64> {
        as_number(cx, self.get(name)?, &self.at(name))
    }
}

pub(crate) fn as_str<'v>(cx: &mut Cx, value: &'v Value, path: &Path) -> Option<&'v str> {
    match value {
        Value::String(s) => Some(s),
        _ => {
            cx.error_value(path, value, "expected a string");
            None
        }
    }
}

pub(crate) fn as_bool(cx: &mut Cx, value: &Value, path: &Path) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        _ => {
            cx.error_value(path, value, "expected true or false");
            None
        }
    }
}

pub(crate) fn as_array<'v>(cx: &mut Cx, value: &'v Value, path: &Path) -> Option<&'v Vec<Value>> {
    match value {
        Value::Array(a) => Some(a),
        _ => {
            cx.error_value(path, value, "expected an array");
            None
        }
    }
}

pub(crate) fn as_number(cx: &mut Cx, value: &Value, path: &Path) -> Option<f64> {
    match value.as_f64() {
        Some(x) if x.is_finite() => Some(x),
        _ => {
            cx.error_value(path, value, "expected a number");
            None
        }
    }
}

/// An integer (written without a fraction or exponent) in `min..=max`.
pub(crate) fn as_int(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    min: i64,
    max: i64,
    range_message: Option<&str>,
) -> Option<i64> {
    let range = || match range_message {
        Some(m) => m.to_string(),
        None if max == i64::MAX => format!("expected an integer of at least {min}"),
        None => format!("expected an integer from {min} to {max}"),
    };
    let Value::Number(n) = value else {
        let message = match range_message {
            Some(_) => format!("expected an integer from {min} to {max}"),
            None => range(),
        };
        cx.error_value(path, value, message);
        return None;
    };
    match n.as_i64() {
        Some(v) if (min..=max).contains(&v) => Some(v),
        Some(_) => {
            cx.error_value(path, value, range());
            None
        }
        None if n.is_u64() => {
            cx.error_value(path, value, range());
            None
        }
        None => {
            cx.error_value(
                path,
                value,
                format!("expected a whole number from {min} to {max}"),
            );
            None
        }
    }
}

/// A duration: a number of seconds, or a string with one unit (SPEC §3).
pub(crate) fn as_duration(cx: &mut Cx, value: &Value, path: &Path) -> Option<SimDuration> {
    let result = match value {
        Value::Number(n) => match n.as_u64() {
            Some(s) => {
                if let Some(warning) = looks_like_milliseconds(s) {
                    cx.warn_value(path, value, warning);
                }
                duration_from_whole_seconds(s)
            }
            None => duration_from_seconds(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => parse_duration(s),
        _ => Err(crate::duration::EXPECTED.to_string()),
    };
    match result {
        Ok(d) => Some(d),
        Err(message) => {
            cx.error_value(path, value, message);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            closest(
                "placementStrategies",
                &["placementConstraints", "placementStrategy", "propagateTags"]
            ),
            Some("placementStrategy")
        );
        let known = ["memory", "memoryReservation", "cpu"];
        assert_eq!(
            closest("memoryReservaton", &known),
            Some("memoryReservation")
        );
        assert_eq!(closest("CPU", &known), Some("cpu"));
        assert_eq!(closest("disk", &known), None);
        assert_eq!(closest("nmae", &["name", "seed"]), Some("name"));
        // A name that begins exactly one known name suggests it.
        let simulation = [
            "failToStartProbability",
            "unhealthyProbability",
            "runDuration",
        ];
        assert_eq!(
            closest("failToStart", &simulation),
            Some("failToStartProbability")
        );
        assert_eq!(
            closest("UNHEALTHY", &simulation),
            Some("unhealthyProbability")
        );
        assert_eq!(closest("run", &simulation), None, "too short to suggest");
        assert_eq!(closest("memory", &["memoryMiB", "memoryReservation"]), None);
        assert_eq!(
            unknown_message("field", "foo", &["a", "b"]),
            "unknown field 'foo'; expected one of a, b"
        );
    }
}
