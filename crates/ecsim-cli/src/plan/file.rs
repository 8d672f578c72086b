//! The plan file (SPEC §12.3), read with the scenario loader's care: unknown fields are errors, and
//! every error names the JSON path, the line and column, the value found and what was expected.
//! Pure: it takes the text and returns the plan or every error found, in document order.

use ecsim_kernel::SimDuration;
use ecsim_scenario::ScenarioError;
use serde_json::Value;

/// SPEC §12.3: the search gives up beyond the cluster limit (DG service quotas: 5,000 container
/// instances per cluster).
pub const CLUSTER_LIMIT: u32 = 5000;

/// The most seeds a plan may name (ours: each one is a run per count tried and per fault).
pub const SEEDS_MAX: usize = 10_000;

const FIELDS: [&str; 10] = [
    "schemaVersion",
    "name",
    "description",
    "scenario",
    "fleet",
    "instanceTypes",
    "survive",
    "at",
    "recoverWithin",
    "seeds",
];

/// What the fleet must survive at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Survive {
    /// No fault.
    None,
    /// Each zone in use, failed in turn (one run per zone).
    AvailabilityZone,
    /// The N instances with the most tasks, terminated.
    Instances(u32),
}

impl Survive {
    /// As `plan.csv` names it: `none`, `availabilityZone`, `instances:N`.
    pub fn label(self) -> String {
        match self {
            Survive::None => "none".into(),
            Survive::AvailabilityZone => "availabilityZone".into(),
            Survive::Instances(n) => format!("instances:{n}"),
        }
    }
}

/// A plan file, validated on its own (what it says of the scenario is checked once the scenario is
/// read: `Planner::new`).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFile {
    pub name: String,
    pub description: Option<String>,
    /// The scenario file as written: a path relative to the plan file.
    pub scenario: String,
    /// The index, in the scenario's `actions`, of the LaunchContainerInstances or
    /// CreateCapacityProvider that the planner varies.
    pub fleet_action: usize,
    pub instance_types: Vec<String>,
    pub survive: Vec<Survive>,
    pub at: SimDuration,
    pub recover_within: SimDuration,
    /// None: the scenario's own seed.
    pub seeds: Option<Vec<u64>>,
}

/// Errors found so far, each located in the plan's text.
pub(crate) struct Errors<'a> {
    src: &'a str,
    list: Vec<ScenarioError>,
}

impl<'a> Errors<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Errors {
            src,
            list: Vec::new(),
        }
    }

    /// An error about the value at `path`.
    pub(crate) fn value(&mut self, path: &str, value: Option<&Value>, message: impl Into<String>) {
        let pos = ecsim_scenario::locate(self.src, path);
        self.push(path, pos, value, message.into());
    }

    /// An error about the member at `path` itself (an unknown field): located at its key.
    fn key(&mut self, path: &str, message: impl Into<String>) {
        let pos = ecsim_scenario::locate_key(self.src, path);
        self.push(path, pos, None, message.into());
    }

    fn push(
        &mut self,
        path: &str,
        pos: Option<(usize, usize)>,
        value: Option<&Value>,
        message: String,
    ) {
        self.list.push(ScenarioError {
            path: path.to_string(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            value: value.map(show),
            message,
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every error, in document order.
    pub(crate) fn finish(mut self) -> Vec<ScenarioError> {
        self.list.sort_by_key(|e| {
            (
                e.line.unwrap_or(usize::MAX),
                e.column.unwrap_or(usize::MAX),
                e.path.clone(),
            )
        });
        self.list.dedup();
        self.list
    }
}

/// A value as compact JSON, cut to about 80 characters (as the loader shows values).
fn show(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    if text.chars().count() <= 80 {
        return text;
    }
    let mut cut: String = text.chars().take(79).collect();
    cut.push('…');
    cut
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Refuses the members of `o` not in `known`.
fn unknown_fields(
    errors: &mut Errors,
    o: &serde_json::Map<String, Value>,
    path: &str,
    known: &[&str],
) {
    for key in o.keys() {
        if !known.contains(&key.as_str()) {
            errors.key(
                &join(path, key),
                format!(
                    "unknown field '{key}'; expected one of {}",
                    known.join(", ")
                ),
            );
        }
    }
}

/// A member, `null` counting as absent (as in scenarios).
fn get<'v>(o: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v Value> {
    o.get(key).filter(|v| !v.is_null())
}

/// The required member `key`, a non-empty array; else its error, saying `expected`.
fn non_empty_list<'v>(
    errors: &mut Errors,
    o: &'v serde_json::Map<String, Value>,
    key: &str,
    expected: &str,
) -> Option<&'v Vec<Value>> {
    let Some(v) = get(o, key) else {
        errors.value("", None, format!("missing {key}; {expected}"));
        return None;
    };
    let list = v.as_array().filter(|l| !l.is_empty());
    if list.is_none() {
        errors.value(key, Some(v), expected);
    }
    list
}

/// True for a name usable as a directory name everywhere (the scenario loader's rule for `name`).
fn valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// A duration as scenarios write it: seconds as a number, or a string with one unit.
fn duration(v: &Value) -> Result<SimDuration, String> {
    const EXPECTED: &str =
        "expected a duration: seconds as a number, or a string such as \"90s\", \"30m\" or \"2h\"";
    match v {
        Value::String(s) => ecsim_scenario::parse_duration(s),
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(u), _) => ecsim_scenario::parse_duration(&u.to_string()),
            (None, Some(f)) if f.is_finite() && f >= 0.0 => {
                ecsim_scenario::parse_duration(&format!("{f}s"))
            }
            _ => Err("expected a duration of at least 0 seconds".into()),
        },
        _ => Err(EXPECTED.into()),
    }
}

/// Reads a plan file. On failure, returns every error found, in document order (never an empty
/// list). Never panics, whatever the input.
pub fn parse(src: &str) -> Result<PlanFile, Vec<ScenarioError>> {
    let doc = ecsim_scenario::parse_document(
        src,
        "a JSON object with schemaVersion, name, scenario, fleet, instanceTypes, survive, at and recoverWithin",
    )?;
    let text = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut errors = Errors::new(text);
    let Some(o) = doc.as_object() else {
        errors.value(
            "",
            Some(&doc),
            "expected a JSON object with schemaVersion, name, scenario, fleet, instanceTypes, survive, at and recoverWithin",
        );
        return Err(errors.finish());
    };
    // The version first, alone: a plan of another version is not read further.
    match get(o, "schemaVersion") {
        None => errors.value(
            "",
            None,
            "missing schemaVersion; this ecsim reads plan files with \"schemaVersion\": 1",
        ),
        Some(v) if v.as_u64() == Some(1) => {}
        Some(v) => {
            errors.value(
                "schemaVersion",
                Some(v),
                "unsupported schemaVersion; this ecsim reads schemaVersion 1",
            );
            return Err(errors.finish());
        }
    }
    unknown_fields(&mut errors, o, "", &FIELDS);
    let name = required_string(
        &mut errors,
        o,
        "name",
        "a plan name, e.g. \"name\": \"fit\"",
    );
    if let Some(n) = &name {
        if !valid_name(n) {
            errors.value(
                "name",
                get(o, "name"),
                "expected 1 to 128 characters from A-Z a-z 0-9 . _ - (it names the output directory), not . or ..",
            );
        }
    }
    let description = match get(o, "description") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            errors.value("description", Some(v), "expected a string");
            None
        }
    };
    let scenario = required_string(
        &mut errors,
        o,
        "scenario",
        "the scenario file, a path relative to the plan file, e.g. \"scenario\": \"workload.json\"",
    );
    let fleet_action = fleet(&mut errors, o);
    let instance_types = instance_types(&mut errors, o);
    let survive = survive(&mut errors, o);
    let at = required_duration(
        &mut errors,
        o,
        "at",
        "the time of the fault, e.g. \"at\": \"30m\"",
    );
    let recover_within = required_duration(
        &mut errors,
        o,
        "recoverWithin",
        "how long the services have to recover after the fault, e.g. \"recoverWithin\": \"10m\"",
    );
    if let Some(a) = at {
        if a.ms() == 0 {
            errors.value(
                "at",
                get(o, "at"),
                "expected a time after 0: the fault strikes a running fleet",
            );
        }
    }
    if let Some(r) = recover_within {
        if r.ms() == 0 {
            errors.value(
                "recoverWithin",
                get(o, "recoverWithin"),
                "expected a duration greater than 0: replacements need time to start",
            );
        }
    }
    let seeds = seeds(&mut errors, o);
    if !errors.is_empty() {
        return Err(errors.finish());
    }
    match (
        name,
        scenario,
        fleet_action,
        instance_types,
        survive,
        at,
        recover_within,
        seeds,
    ) {
        (
            Some(name),
            Some(scenario),
            Some(fleet_action),
            Some(instance_types),
            Some(survive),
            Some(at),
            Some(recover_within),
            Some(seeds),
        ) => Ok(PlanFile {
            name,
            description,
            scenario,
            fleet_action,
            instance_types,
            survive,
            at,
            recover_within,
            seeds,
        }),
        // Every None above recorded an error.
        _ => {
            errors.value(
                "",
                None,
                "the plan could not be read (an internal error of ecsim: please report it)",
            );
            Err(errors.finish())
        }
    }
}

fn required_string(
    errors: &mut Errors,
    o: &serde_json::Map<String, Value>,
    key: &str,
    expected: &str,
) -> Option<String> {
    match get(o, key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        None => {
            errors.value("", None, format!("missing {key}; expected {expected}"));
            None
        }
        Some(v) => {
            errors.value(key, Some(v), format!("expected {expected}"));
            None
        }
    }
}

fn required_duration(
    errors: &mut Errors,
    o: &serde_json::Map<String, Value>,
    key: &str,
    expected: &str,
) -> Option<SimDuration> {
    match get(o, key) {
        None => {
            errors.value("", None, format!("missing {key}; expected {expected}"));
            None
        }
        Some(v) => match duration(v) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.value(key, Some(v), e);
                None
            }
        },
    }
}

fn fleet(errors: &mut Errors, o: &serde_json::Map<String, Value>) -> Option<usize> {
    const EXPECTED: &str = "expected {\"action\": N}, N the index in the scenario's actions of the LaunchContainerInstances or CreateCapacityProvider to vary";
    let v = match get(o, "fleet") {
        None => {
            errors.value("", None, format!("missing fleet; {EXPECTED}"));
            return None;
        }
        Some(v) => v,
    };
    let Some(f) = v.as_object() else {
        errors.value("fleet", Some(v), EXPECTED);
        return None;
    };
    unknown_fields(errors, f, "fleet", &["action"]);
    match get(f, "action") {
        None => {
            errors.value("fleet", None, format!("missing fleet.action; {EXPECTED}"));
            None
        }
        Some(a) => match a.as_u64() {
            Some(i) if i <= u32::MAX as u64 => Some(i as usize),
            _ => {
                errors.value(
                    "fleet.action",
                    Some(a),
                    "expected the index of an action (an integer from 0)",
                );
                None
            }
        },
    }
}

fn instance_types(errors: &mut Errors, o: &serde_json::Map<String, Value>) -> Option<Vec<String>> {
    const EXPECTED: &str =
        "expected a non-empty list of instance types, e.g. [\"m6i.xlarge\", \"c5.2xlarge\"]";
    let list = non_empty_list(errors, o, "instanceTypes", EXPECTED)?;
    let mut types: Vec<String> = Vec::new();
    let mut ok = true;
    for (i, t) in list.iter().enumerate() {
        let path = format!("instanceTypes[{i}]");
        match t.as_str().filter(|s| !s.is_empty()) {
            Some(s) if types.iter().any(|x| x == s) => {
                errors.value(
                    &path,
                    Some(t),
                    "this instance type is already listed; list each once",
                );
                ok = false;
            }
            Some(s) => types.push(s.to_string()),
            None => {
                errors.value(
                    &path,
                    Some(t),
                    "expected an instance type name, e.g. \"m6i.xlarge\"",
                );
                ok = false;
            }
        }
    }
    ok.then_some(types)
}

fn survive(errors: &mut Errors, o: &serde_json::Map<String, Value>) -> Option<Vec<Survive>> {
    const EXPECTED: &str = "expected a non-empty list of survive cases, e.g. [{\"type\": \"none\"}, {\"type\": \"availabilityZone\"}, {\"type\": \"instances\", \"count\": 2}]";
    let list = non_empty_list(errors, o, "survive", EXPECTED)?;
    let mut cases: Vec<Survive> = Vec::new();
    let mut ok = true;
    for (i, c) in list.iter().enumerate() {
        let path = format!("survive[{i}]");
        let Some(m) = c.as_object() else {
            errors.value(&path, Some(c), "expected a survive case: {\"type\": \"none\" | \"availabilityZone\" | \"instances\"} (with \"count\" for instances)");
            ok = false;
            continue;
        };
        unknown_fields(errors, m, &path, &["type", "count"]);
        let count = get(m, "count");
        let case = match get(m, "type") {
            Some(Value::String(t)) if t == "none" || t == "availabilityZone" => {
                if let Some(n) = count {
                    errors.value(
                        &format!("{path}.count"),
                        Some(n),
                        format!("only an \"instances\" case takes a count; remove it from this \"{t}\" case"),
                    );
                    ok = false;
                }
                if t == "none" {
                    Some(Survive::None)
                } else {
                    Some(Survive::AvailabilityZone)
                }
            }
            Some(Value::String(t)) if t == "instances" => match count {
                None => {
                    errors.value(&path, None, "missing count; an \"instances\" case terminates count instances, e.g. {\"type\": \"instances\", \"count\": 2}");
                    None
                }
                Some(n) => match n.as_u64() {
                    Some(k) if (1..=CLUSTER_LIMIT as u64).contains(&k) => {
                        Some(Survive::Instances(k as u32))
                    }
                    _ => {
                        errors.value(
                            &format!("{path}.count"),
                            Some(n),
                            "expected from 1 to 5000 instances",
                        );
                        None
                    }
                },
            },
            None => {
                errors.value(
                    &path,
                    None,
                    "missing type; expected \"none\", \"availabilityZone\" or \"instances\"",
                );
                None
            }
            Some(t) => {
                errors.value(
                    &format!("{path}.type"),
                    Some(t),
                    "expected \"none\", \"availabilityZone\" or \"instances\"",
                );
                None
            }
        };
        match case {
            Some(c) if cases.contains(&c) => {
                errors.value(
                    &path,
                    None,
                    format!(
                        "the survive case {} is already listed; list each once",
                        c.label()
                    ),
                );
                ok = false;
            }
            Some(c) => cases.push(c),
            None => ok = false,
        }
    }
    ok.then_some(cases)
}

/// `seeds`: absent (the scenario's own), a list of seeds, or `{"from": A, "to": B}` (inclusive).
fn seeds(errors: &mut Errors, o: &serde_json::Map<String, Value>) -> Option<Option<Vec<u64>>> {
    const EXPECTED: &str =
        "expected a non-empty list of seeds, e.g. [1, 2, 3], or a range {\"from\": 1, \"to\": 10}";
    let Some(v) = get(o, "seeds") else {
        return Some(None);
    };
    let too_many = format!("expected at most {SEEDS_MAX} seeds (each is a run per count tried)");
    match v {
        Value::Array(list) if !list.is_empty() => {
            if list.len() > SEEDS_MAX {
                errors.value("seeds", Some(v), too_many);
                return None;
            }
            let mut seeds: Vec<u64> = Vec::new();
            let mut ok = true;
            for (i, s) in list.iter().enumerate() {
                let path = format!("seeds[{i}]");
                match s.as_u64() {
                    Some(x) if seeds.contains(&x) => {
                        errors.value(
                            &path,
                            Some(s),
                            "this seed is already listed; list each once",
                        );
                        ok = false;
                    }
                    Some(x) => seeds.push(x),
                    None => {
                        errors.value(&path, Some(s), "expected a seed: an integer from 0");
                        ok = false;
                    }
                }
            }
            ok.then_some(Some(seeds))
        }
        Value::Object(r) => {
            unknown_fields(errors, r, "seeds", &["from", "to"]);
            let bound = |errors: &mut Errors, key: &str| match get(r, key) {
                None => {
                    errors.value("seeds", None, format!("missing seeds.{key}; {EXPECTED}"));
                    None
                }
                Some(x) => match x.as_u64() {
                    Some(n) => Some(n),
                    None => {
                        errors.value(
                            &format!("seeds.{key}"),
                            Some(x),
                            "expected a seed: an integer from 0",
                        );
                        None
                    }
                },
            };
            let from = bound(errors, "from");
            let to = bound(errors, "to");
            let (from, to) = (from?, to?);
            if to < from {
                errors.value(
                    "seeds.to",
                    get(r, "to"),
                    "expected a seed at least seeds.from (the range is inclusive)",
                );
                return None;
            }
            if to - from >= SEEDS_MAX as u64 {
                errors.value("seeds", Some(v), too_many);
                return None;
            }
            Some(Some((from..=to).collect()))
        }
        _ => {
            errors.value("seeds", Some(v), EXPECTED);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{ "schemaVersion": 1, "name": "fit", "scenario": "workload.json",
  "fleet": { "action": 1 },
  "instanceTypes": [ "m5.xlarge", "c5.2xlarge" ],
  "survive": [ { "type": "none" }, { "type": "availabilityZone" }, { "type": "instances", "count": 2 } ],
  "at": "30m", "recoverWithin": "10m", "seeds": [ 1 ] }"#;

    #[test]
    fn the_spec_example_reads() {
        let p = parse(GOOD).expect("valid");
        assert_eq!(p.name, "fit");
        assert_eq!(p.fleet_action, 1);
        assert_eq!(p.instance_types, vec!["m5.xlarge", "c5.2xlarge"]);
        assert_eq!(
            p.survive,
            vec![
                Survive::None,
                Survive::AvailabilityZone,
                Survive::Instances(2)
            ]
        );
        assert_eq!(p.at, SimDuration::from_minutes(30));
        assert_eq!(p.recover_within, SimDuration::from_minutes(10));
        assert_eq!(p.seeds, Some(vec![1]));
        let labels: Vec<String> = p.survive.iter().map(|s| s.label()).collect();
        assert_eq!(labels, ["none", "availabilityZone", "instances:2"]);
    }

    #[test]
    fn a_seed_range_is_inclusive() {
        let src = GOOD.replace("\"seeds\": [ 1 ]", "\"seeds\": {\"from\": 3, \"to\": 5}");
        assert_eq!(parse(&src).expect("valid").seeds, Some(vec![3, 4, 5]));
    }

    fn first_error(src: &str) -> String {
        parse(src).expect_err("invalid")[0].to_string()
    }

    #[test]
    fn errors_name_the_path_line_column_and_value() {
        let src = GOOD.replace("\"count\": 2", "\"count\": 0");
        assert_eq!(
            first_error(&src),
            "4:100: survive[2].count: expected from 1 to 5000 instances (found 0)"
        );
        let src = GOOD.replace("\"action\": 1", "\"action\": -1");
        assert_eq!(
            first_error(&src),
            "2:24: fleet.action: expected the index of an action (an integer from 0) (found -1)"
        );
        let src = GOOD.replace("\"at\": \"30m\"", "\"at\": \"30 minutes\"");
        assert!(
            first_error(&src).starts_with("5:9: at: "),
            "{}",
            first_error(&src)
        );
        let src = GOOD.replace("\"fleet\"", "\"fleat\"");
        let errors: Vec<String> = parse(&src)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("2:3: fleat: unknown field 'fleat'")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("missing fleet")),
            "{errors:?}"
        );
    }

    #[test]
    fn every_mistake_is_reported() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "\"schemaVersion\": 1",
                "\"schemaVersion\": 2",
                "unsupported schemaVersion",
            ),
            (
                "\"name\": \"fit\"",
                "\"name\": \"a/b\"",
                "name: expected 1 to 128 characters",
            ),
            (
                "\"scenario\": \"workload.json\"",
                "\"scenario\": 3",
                "scenario: expected the scenario file",
            ),
            (
                "[ \"m5.xlarge\", \"c5.2xlarge\" ]",
                "[]",
                "instanceTypes: expected a non-empty list",
            ),
            (
                "\"c5.2xlarge\" ]",
                "\"m5.xlarge\" ]",
                "instanceTypes[1]: this instance type is already listed",
            ),
            (
                "{ \"type\": \"none\" }",
                "{ \"type\": \"nothing\" }",
                "survive[0].type: expected \"none\"",
            ),
            (
                "{ \"type\": \"none\" }",
                "{ \"type\": \"none\", \"count\": 1 }",
                "only an \"instances\" case takes a count",
            ),
            (
                "{ \"type\": \"none\" }",
                "{ \"type\": \"availabilityZone\" }",
                "survive[1]: the survive case availabilityZone is already listed",
            ),
            (
                "\"count\": 2",
                "\"count\": 5001",
                "expected from 1 to 5000 instances",
            ),
            (
                "\"at\": \"30m\"",
                "\"at\": 0",
                "at: expected a time after 0",
            ),
            (
                "\"recoverWithin\": \"10m\"",
                "\"recoverWithin\": \"0s\"",
                "recoverWithin: expected a duration greater than 0",
            ),
            (
                "\"seeds\": [ 1 ]",
                "\"seeds\": [ 1, 1 ]",
                "seeds[1]: this seed is already listed",
            ),
            (
                "\"seeds\": [ 1 ]",
                "\"seeds\": {\"from\": 5, \"to\": 1}",
                "seeds.to: expected a seed at least seeds.from",
            ),
            (
                "\"seeds\": [ 1 ]",
                "\"seeds\": {\"from\": 0, \"to\": 10000}",
                "expected at most 10000 seeds",
            ),
            (
                "\"seeds\": [ 1 ]",
                "\"seeds\": [ 1 ], \"seeds\": [ 2 ]",
                "duplicate key",
            ),
            ("\"at\": \"30m\", ", "", "missing at"),
        ];
        for (from, to, expected) in cases {
            assert!(GOOD.contains(from), "{from}");
            let src = GOOD.replacen(from, to, 1);
            let errors: Vec<String> = parse(&src)
                .expect_err(expected)
                .iter()
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{expected}: {errors:?}"
            );
        }
    }

    #[test]
    fn not_json_and_empty_files_are_errors() {
        assert!(first_error("").contains("the file is empty"));
        assert!(first_error("[1]").contains("expected a JSON object"));
        let e = parse("{\n  \"name\": \"x\",,\n}").unwrap_err();
        assert_eq!(e[0].line, Some(2));
        assert!(e[0].message.contains("not valid JSON"), "{}", e[0]);
    }
}
