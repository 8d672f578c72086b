//! Sweep files (SPEC §12.2): a scenario, seeds, variants and a grid, read with the same care as a
//! scenario (every error with its JSON path, line, column, the value found and what was expected),
//! and expanded into the combinations a sweep runs, each a list of [`Override`]s.
//!
//! ```
//! let sweep = ecsim_scenario::sweep::parse(r#"{
//!   "schemaVersion": 1, "name": "strategies", "scenario": "workload.json",
//!   "seeds": { "from": 1, "to": 3 },
//!   "variants": [ { "name": "spread", "set": {} },
//!                 { "name": "binpack", "set": { "/actions/3/input/placementStrategy": [ { "type": "binpack", "field": "memory" } ] } } ],
//!   "grid": { "/actions/1/input/count": [ 9, 12 ] } }"#).unwrap();
//! assert_eq!(sweep.run_count(), 12);
//! assert_eq!(sweep.combination(3).name, "binpack /actions/1/input/count=12");
//! ```

use crate::cx::{as_array, object, Cx, Field::Used};
use crate::error::ScenarioError;
use crate::locate::Index;
use crate::overrides::{parse_pointer, Override};
use crate::path::Path;
use crate::top::valid_name;
use crate::{json_error, sha256_hex};
use serde_json::Value;
use std::collections::BTreeSet;

/// RULE (ours): a sweep makes at most this many runs (variants × grid points × seeds).
pub const MAX_RUNS: u64 = 1_000_000;

/// Longest variant name, in characters.
const VARIANT_NAME_MAX: usize = 256;

/// A sweep file, validated.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub name: String,
    pub scenario: SweepScenario,
    /// Ascending, each once.
    pub seeds: Vec<u64>,
    /// In file order.
    pub variants: Vec<Variant>,
    /// In file order; each axis's values in file order.
    pub grid: Vec<GridAxis>,
    /// sha256 of the sweep file's bytes, lowercase hex.
    pub sha256: String,
}

/// Where the swept scenario is.
#[derive(Clone, Debug)]
pub enum SweepScenario {
    /// A path relative to the sweep file's directory, as written.
    File(String),
    /// A scenario object inside the sweep file. `src` is the sweep file's text up to the end of
    /// that object with everything before it blanked (newlines kept), so that the scenario's
    /// errors carry the sweep file's lines and columns; `sha256` is that of its compact JSON.
    Inline { src: String, sha256: String },
}

/// One `variants` entry.
#[derive(Clone, Debug)]
pub struct Variant {
    pub name: String,
    /// Its `set`, in file order.
    pub set: Vec<Override>,
}

/// One `grid` path and the values it takes (each an override at that path).
#[derive(Clone, Debug)]
pub struct GridAxis {
    pub pointer: String,
    pub values: Vec<Override>,
}

/// One variant at one grid point: what a sweep runs for every seed.
#[derive(Clone, Debug)]
pub struct Combination {
    /// The variant's name, then for each grid path a space and `POINTER=VALUE` (compact JSON).
    pub name: String,
    /// Each grid path's value at this point, compact JSON.
    pub grid_values: Vec<String>,
    /// The variant's `set`, then the grid point's values, in file order.
    pub overrides: Vec<Override>,
}

impl Sweep {
    /// Grid points (1 without a grid).
    pub fn grid_points(&self) -> usize {
        self.grid.iter().map(|a| a.values.len()).product()
    }

    /// Variants × grid points.
    pub fn combination_count(&self) -> usize {
        self.variants.len() * self.grid_points()
    }

    /// Combinations × seeds: the rows of `sweep.csv`.
    pub fn run_count(&self) -> usize {
        self.combination_count() * self.seeds.len()
    }

    /// The `i`-th combination in row order: variants in file order, and within a variant the grid
    /// points as an odometer over the paths in file order (the last path changes fastest).
    pub fn combination(&self, i: usize) -> Combination {
        let points = self.grid_points();
        let variant = &self.variants[i / points];
        let mut point = i % points;
        let mut picks = vec![0; self.grid.len()];
        for (k, axis) in self.grid.iter().enumerate().rev() {
            picks[k] = point % axis.values.len();
            point /= axis.values.len();
        }
        let mut name = variant.name.clone();
        let mut grid_values = Vec::with_capacity(self.grid.len());
        let mut overrides = variant.set.clone();
        for (axis, &pick) in self.grid.iter().zip(&picks) {
            let o = &axis.values[pick];
            let value = serde_json::to_string(&o.value).expect("a JSON value serializes");
            name.push(' ');
            name.push_str(&axis.pointer);
            name.push('=');
            name.push_str(&value);
            grid_values.push(value);
            overrides.push(o.clone());
        }
        Combination {
            name,
            grid_values,
            overrides,
        }
    }
}

const TOP_FIELDS: [(&str, crate::cx::Field); 7] = [
    ("schemaVersion", Used),
    ("name", Used),
    ("description", Used),
    ("scenario", Used),
    ("seeds", Used),
    ("variants", Used),
    ("grid", Used),
];

/// Reads and validates a sweep file. On failure, every error found, in document order. Never
/// panics, whatever the input.
pub fn parse(src: &str) -> Result<Sweep, Vec<ScenarioError>> {
    let sha256 = sha256_hex(src.as_bytes());
    let text = src.strip_prefix('\u{feff}').unwrap_or(src);
    if text.trim().is_empty() {
        return Err(vec![ScenarioError {
            path: String::new(),
            line: None,
            column: None,
            value: None,
            message: "the file is empty; expected a JSON object with schemaVersion, name, scenario, seeds and variants".into(),
        }]);
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| vec![json_error(text, &e)])?;
    let index = Index::new(text);
    let mut cx = Cx::default();
    crate::duplicate_keys(&mut cx, text);
    let sweep = read(&mut cx, &doc, text, &index, sha256);
    let errors = cx.finish_errors(text, &index);
    match sweep {
        Some(sweep) if errors.is_empty() => Ok(sweep),
        _ if errors.is_empty() => Err(vec![ScenarioError {
            path: String::new(),
            line: None,
            column: None,
            value: None,
            message: "the sweep could not be read (an internal error of ecsim: please report it)"
                .into(),
        }]),
        _ => Err(errors),
    }
}

/// `where` for an origin: the printed path and, where known, its line and column.
fn origin(index: &Index, path: &Path) -> String {
    let printed = path.to_string();
    match index.get(&printed) {
        Some(l) => format!(
            "the sweep's {printed} (line {}, column {})",
            l.value.line, l.value.column
        ),
        None => format!("the sweep's {printed}"),
    }
}

fn read(cx: &mut Cx, doc: &Value, text: &str, index: &Index, sha256: String) -> Option<Sweep> {
    let root = Path::root();
    let o = object(
        cx,
        doc,
        &root,
        "a sweep: a JSON object with schemaVersion, name, scenario, seeds and variants",
        &TOP_FIELDS,
    )?;
    if !crate::cx::schema_version(cx, &o, "sweep files of ") {
        return None;
    }
    let name = match o.req_str(
        cx,
        "name",
        "the sweep's name, e.g. \"name\": \"strategies\"",
    ) {
        Some(name) if valid_name(name) => Some(name.to_string()),
        Some(_) => {
            o.error_field(cx, "name", "expected 1 to 128 letters, digits, '.', '_' or '-' (not \".\" or \"..\"): the name becomes the sweep's directory name");
            None
        }
        None => None,
    };
    o.str(cx, "description");
    let scenario = match o.get("scenario") {
        None => {
            o.missing(
                cx,
                "scenario",
                "a scenario file relative to this sweep file, e.g. \"scenario\": \"workload.json\", or a scenario object",
            );
            None
        }
        Some(Value::String(s)) if !s.is_empty() => Some(SweepScenario::File(s.clone())),
        Some(v @ Value::Object(_)) => Some(inline(v, text, index, &o.at("scenario"))),
        Some(v) => {
            cx.error_value(
                &o.at("scenario"),
                v,
                "expected the path of a scenario file (relative to this sweep file) or a scenario object",
            );
            None
        }
    };
    let seeds = match o.get("seeds") {
        None => {
            o.missing(
                cx,
                "seeds",
                "a range, e.g. \"seeds\": {\"from\": 1, \"to\": 100}, or a list, e.g. [1, 2, 3]",
            );
            None
        }
        Some(v) => seeds(cx, v, &o.at("seeds")),
    };
    let variants = match o.get("variants") {
        None => {
            o.missing(
                cx,
                "variants",
                "at least one, e.g. \"variants\": [{\"name\": \"base\", \"set\": {}}]",
            );
            None
        }
        Some(v) => variants(cx, v, &o.at("variants"), index),
    };
    let grid = match o.get("grid") {
        None => Some(Vec::new()),
        Some(v) => grid(cx, v, &o.at("grid"), index),
    };
    if let (Some(variants), Some(grid)) = (&variants, &grid) {
        conflicts(cx, variants, grid, &o.at("grid"));
    }
    let (name, scenario, seeds, variants, grid) = (name?, scenario?, seeds?, variants?, grid?);
    // The bound on runs, counted without overflow before anything is expanded.
    let points: u128 = grid.iter().map(|a| a.values.len() as u128).product();
    let runs = variants.len() as u128 * points * seeds.len() as u128;
    if runs > MAX_RUNS as u128 {
        cx.error(
            &root,
            format!(
                "the sweep makes {runs} runs ({} variants × {points} grid points × {} seeds); at most {MAX_RUNS}: use fewer seeds, variants or grid values, or split it into several sweeps",
                variants.len(),
                seeds.len()
            ),
        );
        return None;
    }
    Some(Sweep {
        name,
        scenario,
        seeds,
        variants,
        grid,
        sha256,
    })
}

/// The inline scenario at `path`: the sweep text up to its end, everything before it blanked.
fn inline(v: &Value, text: &str, index: &Index, path: &Path) -> SweepScenario {
    let compact = serde_json::to_string(v).expect("a JSON value serializes");
    let sha256 = sha256_hex(compact.as_bytes());
    let src = index
        .get(&path.to_string())
        .and_then(|l| {
            let start = l.value.offset;
            let rest = text.get(start..)?;
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            values.next()?.ok()?;
            let end = start + values.byte_offset();
            let blank: String = text[..start]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' })
                .collect();
            Some(blank + &text[start..end])
        })
        // Not reached for a document that parsed; the compact text still loads the same scenario.
        .unwrap_or_else(|| compact.clone());
    SweepScenario::Inline { src, sha256 }
}

fn seeds(cx: &mut Cx, v: &Value, path: &Path) -> Option<Vec<u64>> {
    let seed = |cx: &mut Cx, v: &Value, path: &Path| match v.as_u64() {
        Some(s) => Some(s),
        None => {
            cx.error_value(
                path,
                v,
                "expected a seed: an integer from 0 to 18446744073709551615",
            );
            None
        }
    };
    match v {
        Value::Object(_) => {
            let o = object(
                cx,
                v,
                path,
                "a range of seeds, e.g. {\"from\": 1, \"to\": 100}",
                &[("from", Used), ("to", Used)],
            )?;
            let from = match o.get("from") {
                Some(f) => seed(cx, f, &o.at("from")),
                None => {
                    o.missing(cx, "from", "the first seed, e.g. \"from\": 1");
                    None
                }
            };
            let to = match o.get("to") {
                Some(t) => seed(cx, t, &o.at("to")),
                None => {
                    o.missing(cx, "to", "the last seed (inclusive), e.g. \"to\": 100");
                    None
                }
            };
            let (from, to) = (from?, to?);
            if to < from {
                o.error_field(
                    cx,
                    "to",
                    format!("expected at least seeds.from ({from}): the range is inclusive"),
                );
                return None;
            }
            if to - from >= MAX_RUNS {
                cx.error(
                    path,
                    format!(
                        "the range holds {} seeds; a sweep makes at most {MAX_RUNS} runs",
                        (to - from) as u128 + 1
                    ),
                );
                return None;
            }
            Some((from..=to).collect())
        }
        Value::Array(items) => {
            if items.is_empty() {
                cx.error_value(path, v, "expected at least one seed");
                return None;
            }
            if items.len() as u64 > MAX_RUNS {
                cx.error(
                    path,
                    format!(
                        "the list holds {} seeds; a sweep makes at most {MAX_RUNS} runs",
                        items.len()
                    ),
                );
                return None;
            }
            let mut seen = BTreeSet::new();
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match seed(cx, item, &path.index(i)) {
                    Some(s) if !seen.insert(s) => {
                        cx.error_value(
                            &path.index(i),
                            item,
                            format!("seed {s} is listed twice; list each seed once"),
                        );
                        ok = false;
                    }
                    Some(_) => {}
                    None => ok = false,
                }
            }
            // RULE (ours): rows follow the seeds in ascending order, whatever the list's order.
            ok.then(|| seen.into_iter().collect())
        }
        _ => {
            cx.error_value(
                path,
                v,
                "expected a range, e.g. {\"from\": 1, \"to\": 100}, or a list of seeds, e.g. [1, 2, 3]",
            );
            None
        }
    }
}

/// A `set` or `grid` key: a JSON Pointer.
fn pointer_key(cx: &mut Cx, key: &str, path: &Path) -> Option<Vec<String>> {
    match parse_pointer(key) {
        Ok(tokens) => Some(tokens),
        Err(message) => {
            cx.error_key(path, message);
            None
        }
    }
}

fn variants(cx: &mut Cx, v: &Value, path: &Path, index: &Index) -> Option<Vec<Variant>> {
    let items = as_array(cx, v, path)?;
    if items.is_empty() {
        cx.error_value(
            path,
            v,
            "expected at least one variant, e.g. [{\"name\": \"base\", \"set\": {}}]",
        );
        return None;
    }
    let before = cx.error_count();
    let mut names: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = path.index(i);
        let Some(o) = object(
            cx,
            item,
            &at,
            "a variant, e.g. {\"name\": \"binpack\", \"set\": {\"/actions/3/input/placementStrategy\": [...]}}",
            &[("name", Used), ("description", Used), ("set", Used)],
        ) else {
            continue;
        };
        o.str(cx, "description");
        let name = o.req_str(cx, "name", "the variant's name, e.g. \"name\": \"binpack\"");
        if let Some(name) = name {
            if name.is_empty()
                || name.chars().count() > VARIANT_NAME_MAX
                || name.chars().any(char::is_control)
            {
                o.error_field(
                    cx,
                    "name",
                    format!("expected 1 to {VARIANT_NAME_MAX} characters without control characters (it names rows of sweep.csv)"),
                );
            } else if !names.insert(name) {
                o.error_field(
                    cx,
                    "name",
                    "another variant has this name; give each variant its own",
                );
            }
        }
        let mut set = Vec::new();
        match o.get("set") {
            None => {}
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    let p = o.at("set").key(key);
                    if pointer_key(cx, key, &p).is_some() {
                        set.push(
                            Override::new(key, value.clone(), origin(index, &p))
                                .expect("the pointer was checked"),
                        );
                    }
                }
            }
            Some(other) => o.error_field(
                cx,
                "set",
                format!(
                    "expected an object of JSON Pointer → value, e.g. {{\"/actions/1/input/count\": 12}} (found {})",
                    crate::error::show(other)
                ),
            ),
        }
        if let Some(name) = name {
            out.push(Variant {
                name: name.to_string(),
                set,
            });
        }
    }
    (cx.error_count() == before).then_some(out)
}

fn grid(cx: &mut Cx, v: &Value, path: &Path, index: &Index) -> Option<Vec<GridAxis>> {
    let Value::Object(map) = v else {
        cx.error_value(
            path,
            v,
            "expected an object of JSON Pointer → list of values, e.g. {\"/actions/1/input/count\": [9, 12]}",
        );
        return None;
    };
    let before = cx.error_count();
    let mut axes = Vec::with_capacity(map.len());
    for (key, values) in map {
        let at = path.key(key);
        if pointer_key(cx, key, &at).is_none() {
            continue;
        }
        let Value::Array(items) = values else {
            cx.error_value(
                &at,
                values,
                "expected a list of the values this path takes, e.g. [9, 12]",
            );
            continue;
        };
        if items.is_empty() {
            cx.error_value(&at, values, "expected at least one value");
            continue;
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let compact = serde_json::to_string(item).expect("a JSON value serializes");
            if !seen.insert(compact) {
                cx.error_value(
                    &at.index(i),
                    item,
                    "this value is listed twice for the path; list each value once",
                );
                continue;
            }
            out.push(
                Override::new(key, item.clone(), origin(index, &at.index(i)))
                    .expect("the pointer was checked"),
            );
        }
        axes.push(GridAxis {
            pointer: key.clone(),
            values: out,
        });
    }
    (cx.error_count() == before).then_some(axes)
}

/// RULE (ours): a grid path may not be a path a variant sets, nor one above it: the grid's value,
/// applied after the variant's, would silently replace it.
fn conflicts(cx: &mut Cx, variants: &[Variant], grid: &[GridAxis], path: &Path) {
    for axis in grid {
        let g = parse_pointer(&axis.pointer).unwrap_or_default();
        for variant in variants {
            if let Some(o) = variant.set.iter().find(|o| o.tokens().starts_with(&g)) {
                cx.error_key(
                    &path.key(&axis.pointer),
                    format!(
                        "variant '{}' sets {}, which this grid path would replace; set it in the variant or in the grid, not both",
                        variant.name, o.pointer
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(src: &str) -> Vec<String> {
        parse(src)
            .expect_err("an invalid sweep")
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    const GOOD: &str = r#"{ "schemaVersion": 1, "name": "strategies", "scenario": "workload.json",
  "seeds": { "from": 1, "to": 100 },
  "variants": [ { "name": "spread", "set": {} },
                { "name": "binpack", "set": { "/actions/3/input/placementStrategy": [ { "type": "binpack", "field": "memory" } ] } } ],
  "grid": { "/actions/1/input/count": [ 9, 12 ] } }"#;

    #[test]
    fn the_spec_example_expands_in_file_order() {
        let s = parse(GOOD).unwrap();
        assert_eq!(s.name, "strategies");
        assert!(matches!(&s.scenario, SweepScenario::File(f) if f == "workload.json"));
        assert_eq!(s.seeds, (1..=100).collect::<Vec<u64>>());
        assert_eq!(s.combination_count(), 4);
        assert_eq!(s.run_count(), 400);
        let names: Vec<String> = (0..4).map(|i| s.combination(i).name).collect();
        assert_eq!(
            names,
            [
                "spread /actions/1/input/count=9",
                "spread /actions/1/input/count=12",
                "binpack /actions/1/input/count=9",
                "binpack /actions/1/input/count=12"
            ]
        );
        let c = s.combination(3);
        assert_eq!(c.grid_values, ["12"]);
        let pointers: Vec<&str> = c.overrides.iter().map(|o| o.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/actions/3/input/placementStrategy",
                "/actions/1/input/count"
            ]
        );
        assert_eq!(c.overrides[1].value, json!(12));
        assert_eq!(
            c.overrides[1].origin,
            "the sweep's grid[\"/actions/1/input/count\"][1] (line 5, column 44)"
        );
        assert_eq!(s.sha256, sha256_hex(GOOD.as_bytes()));
    }

    #[test]
    fn the_grid_is_an_odometer_with_the_last_path_fastest() {
        let s = parse(
            r#"{"schemaVersion": 1, "name": "g", "scenario": "w.json", "seeds": [3, 1],
                "variants": [{"name": "v"}],
                "grid": {"/a": [1, 2], "/b": ["x", "y", "z"], "/c": [[1, 2]]}}"#,
        )
        .unwrap();
        assert_eq!(s.seeds, [1, 3], "seeds run in ascending order");
        let names: Vec<String> = (0..s.combination_count())
            .map(|i| s.combination(i).name)
            .collect();
        assert_eq!(
            names,
            [
                "v /a=1 /b=\"x\" /c=[1,2]",
                "v /a=1 /b=\"y\" /c=[1,2]",
                "v /a=1 /b=\"z\" /c=[1,2]",
                "v /a=2 /b=\"x\" /c=[1,2]",
                "v /a=2 /b=\"y\" /c=[1,2]",
                "v /a=2 /b=\"z\" /c=[1,2]",
            ]
        );
        // Without a grid, the combinations are the variants.
        let s = parse(
            r#"{"schemaVersion": 1, "name": "g", "scenario": "w.json", "seeds": [1],
                "variants": [{"name": "a"}, {"name": "b", "set": {"/seed": 2}}]}"#,
        )
        .unwrap();
        assert_eq!(s.combination_count(), 2);
        assert_eq!(s.combination(1).name, "b");
        assert!(s.combination(1).grid_values.is_empty());
    }

    #[test]
    fn bad_sweeps_name_the_path_line_and_column() {
        assert_eq!(
            errors(r#"{"schemaVersion": 1, "name": "x", "scenario": "w.json", "seeds": {"from": 5, "to": 2}, "variants": [{"name": "a"}]}"#),
            ["1:84: seeds.to: expected at least seeds.from (5): the range is inclusive (found 2)"]
        );
        let e = errors(
            r#"{"schemaVersion": 1, "name": "x", "scenario": "w.json", "seeds": [1, 1.5, 1],
                "variants": [{"name": "a", "set": {"actions/1": 1}}, {"name": "a", "colour": 1}],
                "grid": {"/x": [], "/y": [1, 1], "/z": 3}}"#,
        );
        let expect = [
            "seeds[1]: expected a seed: an integer from 0 to 18446744073709551615 (found 1.5)",
            "seeds[2]: seed 1 is listed twice; list each seed once (found 1)",
            "variants[0].set[\"actions/1\"]: 'actions/1' is not a JSON Pointer: it starts with '/'",
            "variants[1].name: another variant has this name",
            "variants[1].colour: unknown field 'colour'",
            "grid[\"/x\"]: expected at least one value (found [])",
            "grid[\"/y\"][1]: this value is listed twice for the path",
            "grid[\"/z\"]: expected a list of the values this path takes",
        ];
        assert_eq!(e.len(), expect.len(), "{e:#?}");
        for (got, want) in e.iter().zip(expect) {
            assert!(got.contains(want), "{got} should contain {want}");
            assert!(got.starts_with(char::is_numeric), "{got} has its position");
        }
        assert!(errors(r#"{"name": "x"}"#)
            .iter()
            .any(|e| e.contains("missing required field 'schemaVersion'")));
        let e = errors(r#"{"schemaVersion": 1}"#);
        for field in ["name", "scenario", "seeds", "variants"] {
            assert!(
                e.iter()
                    .any(|m| m.contains(&format!("missing required field '{field}'"))),
                "{e:?}"
            );
        }
        assert_eq!(
            errors(r#"{"schemaVersion": 2}"#),
            ["1:19: schemaVersion: unsupported schemaVersion 2; this ecsim reads sweep files of schemaVersion 1 (found 2)"]
        );
        assert!(errors("[1, 2")[0].contains("not valid JSON"));
        assert!(errors("  ")[0].contains("the file is empty"));
        assert!(errors(r#"{"schemaVersion": 1, "schemaVersion": 1}"#)
            .iter()
            .any(|e| e.contains("duplicate key")));
        assert!(errors(
            r#"{"schemaVersion": 1, "name": "a b", "scenario": 3, "seeds": "1", "variants": []}"#
        )
        .iter()
        .all(|e| e.starts_with("1:")));
    }

    #[test]
    fn a_grid_path_may_not_replace_what_a_variant_sets() {
        for grid in ["/a/b", "/a"] {
            let src = format!(
                r#"{{"schemaVersion": 1, "name": "x", "scenario": "w.json", "seeds": [1],
                    "variants": [{{"name": "v", "set": {{"/a/b": 1}}}}], "grid": {{"{grid}": [1]}}}}"#
            );
            let e = errors(&src);
            assert_eq!(e.len(), 1, "{e:?}");
            assert!(
                e[0].contains("variant 'v' sets /a/b, which this grid path would replace"),
                "{e:?}"
            );
        }
        // Below a variant's value is fine: the grid refines it.
        parse(
            r#"{"schemaVersion": 1, "name": "x", "scenario": "w.json", "seeds": [1],
                "variants": [{"name": "v", "set": {"/a": {"b": 1}}}], "grid": {"/a/b": [2, 3]}}"#,
        )
        .unwrap();
    }

    #[test]
    fn runs_are_bounded_before_anything_is_expanded() {
        let e = errors(
            r#"{"schemaVersion": 1, "name": "x", "scenario": "w.json", "seeds": {"from": 0, "to": 18446744073709551615}, "variants": [{"name": "v"}]}"#,
        );
        assert!(
            e[0].contains("the range holds 18446744073709551616 seeds"),
            "{e:?}"
        );
        let e = errors(
            r#"{"schemaVersion": 1, "name": "x", "scenario": "w.json", "seeds": {"from": 1, "to": 1000},
                "variants": [{"name": "v"}, {"name": "w"}], "grid": {"/a": [1, 2, 3, 4, 5], "/b": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101]}}"#,
        );
        assert_eq!(
            e,
            ["1:1: the sweep makes 1010000 runs (2 variants × 505 grid points × 1000 seeds); at most 1000000: use fewer seeds, variants or grid values, or split it into several sweeps"]
        );
        // Exactly at the bound is accepted.
        let s = parse(
            r#"{"schemaVersion": 1, "name": "x", "scenario": "w.json", "seeds": {"from": 1, "to": 1000000}, "variants": [{"name": "v"}]}"#,
        )
        .unwrap();
        assert_eq!(s.run_count(), 1_000_000);
    }

    #[test]
    fn an_inline_scenario_keeps_the_sweep_files_positions() {
        let src = "{\"schemaVersion\": 1, \"name\": \"x\", \"seeds\": [1], \"variants\": [{\"name\": \"v\"}],\n  \"scenario\": {\"schemaVersion\": 1, \"name\": \"in\",\n    \"actions\": [{\"at\": 0, \"action\": \"CreateCluster\", \"input\": {\"clusterName\": 5}}]}}";
        let s = parse(src).unwrap();
        let SweepScenario::Inline { src: inner, sha256 } = &s.scenario else {
            panic!("an inline scenario")
        };
        let value: Value = serde_json::from_str(inner).unwrap();
        assert_eq!(value["name"], json!("in"));
        assert_eq!(
            sha256,
            &sha256_hex(serde_json::to_string(&value).unwrap().as_bytes())
        );
        let e = crate::load(inner).unwrap_err();
        assert_eq!(e[0].path, "actions[0].input.clusterName");
        // Line 3 of the sweep file, where the value is.
        assert_eq!(e[0].line, Some(3));
        assert_eq!(
            e[0].column,
            Some(src.lines().nth(2).unwrap().find("5}").unwrap() + 1)
        );
    }
}
