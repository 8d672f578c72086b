//! Every loader error on a broken scenario points inside the file: random mutations of the bundled
//! scenarios (characters deleted, adjacent tokens swapped, values of the wrong type, a stray
//! character) are refused, or not, but each error they give has a line and a column that exist in
//! the text, and renders with its source line and a caret.

use proptest::prelude::*;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The bundled scenarios (`scenarios/*.json`), in name order.
fn bundled() -> &'static [String] {
    static FILES: OnceLock<Vec<String>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("scenarios/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        assert!(paths.len() >= 5, "the bundled scenarios");
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("read"))
            .collect()
    })
}

/// The byte ranges of the JSON tokens of `src` (strings, punctuation, and runs of other
/// characters), whitespace left out.
fn tokens(src: &str) -> Vec<(usize, usize)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b' ' | b'\n' | b'\r' | b'\t' => {
                i += 1;
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
            }
            b'{' | b'}' | b'[' | b']' | b',' | b':' => i += 1,
            _ => {
                while i < bytes.len() && !b" \n\r\t{}[],:\"".contains(&bytes[i]) {
                    i += 1;
                }
            }
        }
        out.push((start, i));
    }
    out
}

/// A value of another JSON type than `v`'s.
fn wrong_type(v: &Value, k: u8) -> Value {
    match (v, k % 2) {
        (Value::String(_), 0) => serde_json::json!(7),
        (Value::String(_), _) => serde_json::json!(["x"]),
        (Value::Number(n), 0) => Value::String(n.to_string()),
        (Value::Number(_), _) => serde_json::json!({}),
        (Value::Bool(b), 0) => Value::String(b.to_string()),
        (Value::Bool(_), _) => serde_json::json!(1),
        (Value::Array(_), 0) => serde_json::json!({}),
        (Value::Array(_), _) => serde_json::json!("[]"),
        (Value::Object(_), 0) => serde_json::json!([]),
        (Value::Object(_), _) => serde_json::json!(true),
        (Value::Null, _) => serde_json::json!(0),
    }
}

/// Replaces the `n`-th value (pre-order) of `v` with a value of another type; false when `v` has
/// fewer values.
fn replace_nth(v: &mut Value, n: &mut usize, k: u8) -> bool {
    if *n == 0 {
        *v = wrong_type(v, k);
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|c| replace_nth(c, n, k)),
        Value::Object(map) => map.values_mut().any(|c| replace_nth(c, n, k)),
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

/// The nearest character boundary at or before byte `at`.
fn boundary(src: &str, mut at: usize) -> usize {
    at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Delete 1 to 3 characters at a position.
    Delete { at: usize, chars: usize },
    /// Swap a token with the next one.
    Swap { token: usize },
    /// Give a value the wrong type (the file is printed again, pretty).
    WrongType { value: usize, kind: u8 },
    /// Insert a character that JSON gives meaning to.
    Insert { at: usize, c: char },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=3_usize).prop_map(|(at, chars)| Mutation::Delete { at, chars }),
        any::<usize>().prop_map(|token| Mutation::Swap { token }),
        (any::<usize>(), any::<u8>()).prop_map(|(value, kind)| Mutation::WrongType { value, kind }),
        (
            any::<usize>(),
            prop::sample::select(&['{', '}', '[', ']', ',', ':', '"', '1', 'x', '\\'][..])
        )
            .prop_map(|(at, c)| Mutation::Insert { at, c }),
    ]
}

fn apply(src: &str, mutation: &Mutation) -> String {
    match *mutation {
        Mutation::Delete { at, chars } => {
            let start = boundary(src, at % src.len());
            let end = src[start..]
                .char_indices()
                .nth(chars)
                .map_or(src.len(), |(i, _)| start + i);
            format!("{}{}", &src[..start], &src[end..])
        }
        Mutation::Swap { token } => {
            let tokens = tokens(src);
            let i = token % (tokens.len() - 1);
            let ((a0, a1), (b0, b1)) = (tokens[i], tokens[i + 1]);
            format!(
                "{}{}{}{}{}",
                &src[..a0],
                &src[b0..b1],
                &src[a1..b0],
                &src[a0..a1],
                &src[b1..]
            )
        }
        Mutation::WrongType { value, kind } => {
            let mut doc: Value = serde_json::from_str(src).expect("a bundled scenario is JSON");
            // The root itself is left alone: it is the first value.
            let mut n = 1 + value % (count(&doc) - 1);
            replace_nth(&mut doc, &mut n, kind);
            serde_json::to_string_pretty(&doc).expect("print")
        }
        Mutation::Insert { at, c } => {
            let at = boundary(src, at % src.len());
            format!("{}{c}{}", &src[..at], &src[at..])
        }
    }
}

/// Each error of `src` has a line of the text and a column of that line (or just past its end),
/// and renders with that line and a caret.
fn check(src: &str) -> Result<(), TestCaseError> {
    let Err(errors) = ecsim_scenario::load(src) else {
        return Ok(());
    };
    prop_assert!(!errors.is_empty());
    let lines: Vec<&str> = src.split('\n').collect();
    for e in &errors {
        let (Some(line), Some(column)) = (e.line, e.column) else {
            return Err(TestCaseError::fail(format!("no line and column: {e}")));
        };
        prop_assert!(
            (1..=lines.len()).contains(&line),
            "line {line} of {}: {e}",
            lines.len()
        );
        let chars = lines[line - 1].trim_end_matches('\r').chars().count();
        prop_assert!(
            (1..=chars + 1).contains(&column),
            "column {column} of a line of {chars} characters: {e}"
        );
        let shown = e.render("s.json", src);
        prop_assert!(
            shown.contains(&format!("--> s.json:{line}:{column}\n")),
            "{shown}"
        );
        prop_assert!(shown.ends_with('^'), "{shown}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn every_error_of_a_mutated_scenario_points_inside_the_file(
        scenario in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..=3),
    ) {
        let files = bundled();
        let mut src = files[scenario % files.len()].clone();
        for m in &mutations {
            // A wrong type needs JSON to start from; after a textual mutation it may not be.
            if matches!(m, Mutation::WrongType { .. }) && serde_json::from_str::<Value>(&src).is_err() {
                continue;
            }
            src = apply(&src, m);
        }
        check(&src)?;
    }
}

/// The mutations start from valid files, which the loader has nothing to warn about.
#[test]
fn the_bundled_scenarios_load_as_they_are() {
    for src in bundled() {
        match ecsim_scenario::load(src) {
            Ok(loaded) => assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings),
            Err(errors) => panic!("{errors:?}"),
        }
    }
}

/// One mistake, one error: every value of every bundled scenario given the wrong type (both
/// ways), and every third token deleted or swapped with the next, give a single error, but for
/// a few in a thousand (two unknown references in an action whose `at` moved before what it
/// names). Before misspelled names stood for what they meant, unreadable definitions made the
/// references to them unknowable and one mistake's repeats were folded, about 3% of these gave
/// two errors or more.
#[test]
fn one_mistake_gives_one_error() {
    let (mut mutations, mut several) = (0, Vec::new());
    for src in bundled() {
        let doc: Value = serde_json::from_str(src).expect("JSON");
        let mut each = Vec::new();
        for value in 0..count(&doc) - 1 {
            for kind in 0..2 {
                each.push(Mutation::WrongType { value, kind });
            }
        }
        for (token, &(start, _)) in tokens(src).iter().enumerate().step_by(3) {
            each.push(Mutation::Swap { token });
            each.push(Mutation::Delete {
                at: start + 1,
                chars: 1,
            });
        }
        for m in each {
            let mutated = apply(src, &m);
            mutations += 1;
            if let Err(errors) = ecsim_scenario::load(&mutated) {
                if errors.len() > 1 {
                    several.push(format!("{m:?}: {errors:#?}"));
                }
            }
        }
    }
    assert!(
        several.len() * 1000 <= mutations * 2,
        "{} of {mutations} single mistakes give several errors, e.g. {}",
        several.len(),
        several[0]
    );
}
