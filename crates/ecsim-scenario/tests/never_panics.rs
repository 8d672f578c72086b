//! `load` never panics: on arbitrary text, on byte-level mutations of a valid scenario, and on
//! structural mutations (any value of the valid scenario replaced by an odd one). Either Ok, or
//! Err with at least one error, each with a lowercase message. The same for overrides (any pointer,
//! any value) and for sweep files and the combinations they load.

use proptest::prelude::*;
use serde_json::Value;

const VALID: &str = include_str!("every_action.json");

fn check(src: &str) {
    match ecsim_scenario::load(src) {
        Ok(loaded) => assert_eq!(loaded.sha256.len(), 64),
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(!e.message.is_empty());
                assert!(!e.message.ends_with('.'), "trailing period: {e}");
                assert!(
                    !e.message.starts_with(|c: char| c.is_ascii_uppercase()),
                    "not lowercase: {e}"
                );
                let _ = e.to_string();
            }
        }
    }
}

/// Odd values to put anywhere in a scenario.
fn oddity(k: u8) -> Value {
    match k % 16 {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => serde_json::json!(-1),
        3 => serde_json::json!(0),
        4 => serde_json::json!(1e300),
        5 => serde_json::json!(""),
        6 => serde_json::json!("5 minutes"),
        7 => serde_json::json!([]),
        8 => serde_json::json!({}),
        9 => serde_json::json!(18446744073709551615u64),
        10 => serde_json::json!("attribute:x == (y"),
        11 => serde_json::json!([{"type": "binpack"}, {}, null]),
        12 => serde_json::json!({"dist": "uniform", "min": "1s", "max": -1}),
        13 => serde_json::json!("arn:aws:ecs:eu-west-1:111122223333:task-definition/web:999"),
        14 => serde_json::json!(0.5),
        _ => serde_json::json!("\u{0}\u{feff}é"),
    }
}

/// Replaces the `n`-th value (pre-order, modulo the count) of `v` by `with`.
fn replace_nth(v: &mut Value, n: &mut usize, with: &Value) -> bool {
    if *n == 0 {
        *v = with.clone();
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|c| replace_nth(c, n, with)),
        Value::Object(map) => map.values_mut().any(|c| replace_nth(c, n, with)),
        _ => false,
    }
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(src in any::<String>()) {
        check(&src);
    }

    #[test]
    fn json_looking_strings(src in "[{}\\[\\]\":,0-9a-zA-Z .\\-\n\\\\]{0,300}") {
        check(&src);
    }

    #[test]
    fn byte_mutations(edits in prop::collection::vec((any::<u32>(), any::<u8>(), 0u8..4), 1..8)) {
        let mut bytes = VALID.as_bytes().to_vec();
        for (at, byte, kind) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at as usize % bytes.len();
            match kind {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                2 => bytes.insert(i, byte),
                _ => {
                    let end = (i + byte as usize).min(bytes.len());
                    bytes.drain(i..end);
                }
            }
        }
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn structural_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut doc: Value = serde_json::from_str(VALID).unwrap();
        for (n, k) in edits {
            let mut n = n % count(&doc);
            replace_nth(&mut doc, &mut n, &oddity(k));
        }
        check(&serde_json::to_string_pretty(&doc).unwrap());
    }
}

#[test]
fn deeply_nested_input_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    check(&deep);
    let deep_objects = format!(
        r#"{{"schemaVersion": 1, "name": "d", "actions": [], "description": {}1{}}}"#,
        "{\"a\":".repeat(120),
        "}".repeat(120)
    );
    check(&deep_objects);
}

/// A valid sweep with an inline scenario, so that its combinations are loaded too.
const SWEEP: &str = r#"{ "schemaVersion": 1, "name": "s",
  "scenario": { "schemaVersion": 1, "name": "in", "horizon": "1h", "actions": [
    { "at": 0, "action": "CreateCluster", "input": { "clusterName": "prod" } },
    { "at": 0, "action": "LaunchContainerInstances", "input": { "cluster": "prod", "instanceType": "m5.large", "count": 2 } } ] },
  "seeds": { "from": 1, "to": 3 },
  "variants": [ { "name": "a", "set": { "/seed": 2 } },
                { "name": "b", "set": { "/actions/1/input/count": 3 } } ],
  "grid": { "/horizon": [ "1h", "2h" ] } }"#;

fn check_errors(errors: &[ecsim_scenario::ScenarioError]) {
    assert!(!errors.is_empty());
    for e in errors {
        assert!(!e.message.is_empty());
        assert!(!e.message.ends_with('.'), "trailing period: {e}");
        assert!(
            !e.message.starts_with(|c: char| c.is_ascii_uppercase()),
            "not lowercase: {e}"
        );
    }
}

/// `sweep::parse` never panics; a sweep it accepts is within the bound, and each of its
/// combinations loads or fails with well-formed errors.
fn check_sweep(src: &str) {
    use ecsim_scenario::overrides::{Document, OverrideError};
    use ecsim_scenario::sweep::{parse, SweepScenario, MAX_RUNS};
    match parse(src) {
        Ok(sweep) => {
            assert!(sweep.run_count() as u64 <= MAX_RUNS && sweep.run_count() > 0);
            let SweepScenario::Inline { src, .. } = &sweep.scenario else {
                return;
            };
            let Ok(doc) = Document::parse(src) else {
                return;
            };
            for i in 0..sweep.combination_count().min(64) {
                match doc.load(&sweep.combination(i).overrides) {
                    Ok(_) => {}
                    Err(OverrideError::Invalid(errors)) => check_errors(&errors),
                    Err(OverrideError::Pointer { message, .. }) => {
                        assert!(!message.is_empty() && !message.ends_with('.'))
                    }
                }
            }
        }
        Err(errors) => check_errors(&errors),
    }
}

/// Pointer tokens to build overrides from: names the valid scenario has, and ones it has not.
const TOKENS: [&str; 12] = [
    "actions",
    "0",
    "3",
    "-",
    "input",
    "count",
    "placementStrategy",
    "x",
    "~0",
    "~1",
    "01",
    "",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn sweeps_arbitrary_strings(src in any::<String>()) {
        check_sweep(&src);
    }

    #[test]
    fn sweeps_structural_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut doc: Value = serde_json::from_str(SWEEP).unwrap();
        for (n, k) in edits {
            let mut n = n % count(&doc);
            replace_nth(&mut doc, &mut n, &oddity(k));
        }
        check_sweep(&serde_json::to_string_pretty(&doc).unwrap());
    }

    #[test]
    fn overrides_anywhere(
        picks in prop::collection::vec(prop::collection::vec(0..TOKENS.len(), 0..6), 1..3),
        ks in prop::collection::vec(any::<u8>(), 3),
    ) {
        use ecsim_scenario::overrides::{load_with_overrides, Override, OverrideError};
        let overrides: Vec<Override> = picks
            .iter()
            .zip(&ks)
            .filter_map(|(p, &k)| {
                let pointer: String = p.iter().map(|&t| format!("/{}", TOKENS[t])).collect();
                Override::new(&pointer, oddity(k), format!("--set {pointer}")).ok()
            })
            .collect();
        match load_with_overrides(VALID, &overrides) {
            Ok(loaded) => assert_eq!(loaded.sha256.len(), 64),
            Err(OverrideError::Invalid(errors)) => check_errors(&errors),
            Err(OverrideError::Pointer { message, origin, .. }) => {
                assert!(!message.is_empty() && !message.ends_with('.'));
                assert!(origin.starts_with("--set "));
            }
        }
    }
}
