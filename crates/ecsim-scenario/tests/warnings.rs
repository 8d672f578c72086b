//! What the loader says about a file it accepts: values that are valid but probably wrong
//! (warnings, each at its line and column), and what it did that the reader should know (notes);
//! and how it refuses a file that is not UTF-8.

use ecsim_scenario::{load, load_bytes, ScenarioWarning};

/// A valid scenario with `top` added to its top level and `simulation` on its task definition.
fn scenario(top: &str, simulation: &str) -> String {
    format!(
        r#"{{
  "schemaVersion": 1,
  "name": "w",{top}
  "actions": [
    {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }} }},
    {{ "at": 0, "action": "RegisterTaskDefinition", "input": {{ "family": "web",
       "containerDefinitions": [ {{ "name": "app", "image": "nginx", "memory": 512 }} ] }}{simulation} }}
  ]
}}"#
    )
}

fn warnings(src: &str) -> Vec<ScenarioWarning> {
    match load(src) {
        Ok(loaded) => loaded.warnings,
        Err(errors) => panic!("the scenario should load: {errors:#?}"),
    }
}

/// The 1-based (line, column) of the first `needle` in `src`.
fn pos(src: &str, needle: &str) -> (Option<usize>, Option<usize>) {
    let at = src.find(needle).expect("in the source");
    let line = src[..at].matches('\n').count() + 1;
    let column = src[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    (Some(line), Some(column))
}

#[test]
fn a_byte_order_mark_is_accepted_and_said_once() {
    let src = format!("\u{feff}{}", scenario("", ""));
    let all = warnings(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].note, "a note, which --deny-warnings does not refuse");
    assert_eq!((all[0].line, all[0].column), (None, None));
    assert_eq!(
        all[0].message,
        "the file starts with a UTF-8 byte-order mark, which is skipped (columns count from the character after it)"
    );
    assert!(warnings(&scenario("", "")).is_empty());
    // Positions count from the character after it.
    let broken = format!("\u{feff}{}", scenario("", "").replace("512", "\"512\""));
    let errors = load(&broken).unwrap_err();
    let expected = pos(&scenario("", ""), "512");
    assert_eq!((errors[0].line, errors[0].column), expected);
}

#[test]
fn a_file_that_is_not_utf8_is_refused_at_a_line_and_column() {
    let mut bytes = scenario("", "").into_bytes();
    // "nginx" becomes "ng\xe9nx" on line 7: Latin-1 é.
    let at = bytes.windows(5).position(|w| w == b"nginx").unwrap() + 2;
    bytes[at] = 0xe9;
    let errors = load_bytes(&bytes).unwrap_err();
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    let line_start = bytes[..at].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    assert_eq!((e.line, e.column), (Some(line), Some(at - line_start + 1)));
    assert_eq!(
        e.message,
        "the file is not UTF-8: byte 0xe9 here is not a UTF-8 character; save it as UTF-8 (a byte like this one is usually a character saved as Latin-1 or Windows-1252)"
    );
    assert!(!e.to_string().contains("offset"), "{e}");
    // Columns count the characters before it, not bytes.
    let errors = load_bytes(b"{\"name\": \"\xc3\xa9\xe9\"}").unwrap_err();
    assert_eq!((errors[0].line, errors[0].column), (Some(1), Some(12)));
    // UTF-16 says so.
    let errors = load_bytes(b"\xff\xfe{\x00}\x00").unwrap_err();
    assert!(
        errors[0].message.contains("the file is UTF-16"),
        "{}",
        errors[0]
    );
    assert_eq!((errors[0].line, errors[0].column), (Some(1), Some(1)));
}

#[test]
fn a_duration_that_looks_like_milliseconds_is_a_warning() {
    let src = scenario("\n  \"horizon\": 3600000,", "");
    let all = warnings(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(!all[0].note);
    assert_eq!(all[0].path, "horizon");
    assert_eq!((all[0].line, all[0].column), pos(&src, "3600000"));
    assert_eq!(
        all[0].message,
        "3600000 seconds is 41.7 days: a number is read as seconds, and this one looks like milliseconds; write \"3600000ms\" for 1 hour, or \"3600000s\" to keep 41.7 days (found 3600000)"
    );
    let loaded = load(&src).unwrap();
    assert_eq!(loaded.scenario.horizon.ms(), 3_600_000_000, "still seconds");
    // Any duration: a task's timing in its simulation block.
    let src = scenario("", r#", "simulation": { "pending": 30000 }"#);
    let all = warnings(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path, "actions[1].simulation.pending");
    // Written with a unit, or a number of seconds that does not look like milliseconds: nothing.
    for top in [
        "\n  \"horizon\": \"3600000s\",",
        "\n  \"horizon\": \"3600000ms\",",
        "\n  \"horizon\": 86400,",
        "\n  \"horizon\": 7200,",
    ] {
        assert!(warnings(&scenario(top, "")).is_empty(), "{top}");
    }
}

#[test]
fn an_action_after_the_horizon_in_milliseconds_says_so() {
    let src = scenario("\n  \"horizon\": \"1h\",", "").replace(
        "{ \"at\": 0, \"action\": \"CreateCluster\"",
        "{ \"at\": 600000, \"action\": \"CreateCluster\"",
    );
    let errors = load(&src).unwrap_err();
    assert!(
        errors[0]
            .message
            .ends_with("; a number is read as seconds: for milliseconds write \"600000ms\""),
        "{}",
        errors[0]
    );
}

#[test]
fn a_timing_longer_than_the_horizon_is_a_warning() {
    let src = scenario(
        "\n  \"horizon\": \"2h\",\n  \"timings\": { \"instanceLaunch\": \"3h\" },",
        r#", "simulation": { "timings": { "healthyAfter": "1d" }, "pending": "2h" }"#,
    );
    let all = warnings(&src);
    let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert_eq!(all[0].path, "timings.instanceLaunch");
    assert_eq!((all[0].line, all[0].column), pos(&src, "\"3h\""));
    assert_eq!(
        all[0].message,
        "instanceLaunch is 3 hours, longer than the horizon (2 hours), so what it times does not end within the run; shorten it or raise horizon (found \"3h\")"
    );
    assert_eq!(all[1].path, "actions[1].simulation.timings.healthyAfter");
    // The default horizon is one day.
    let src = scenario("", r#", "simulation": { "stopping": "2d" }"#);
    let all = warnings(&src);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].message.contains("longer than the horizon (1 day)"));
}
