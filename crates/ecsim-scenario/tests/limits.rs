//! The loader's limits (issue "Exact where it is not yet, bounded where it can be pushed over",
//! items 9 and 11): a scenario holds at most a million actions, an action is at most 1 MiB of JSON
//! and any other top-level field at most 4 MiB, each an input error with its JSON path, line and
//! column, found before anything of the document is read into values; a horizon beyond the run
//! limits names the fields that make it so.

use ecsim_scenario::{load, ScenarioError, MAX_ACTIONS, MAX_ACTION_BYTES, MAX_FIELD_BYTES};

fn only_error(src: &str) -> ScenarioError {
    let errors = match load(src) {
        Ok(_) => panic!("loads"),
        Err(errors) => errors,
    };
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().expect("one")
}

const CLUSTER: &str = r#"{"at": 0, "action": "CreateCluster", "input": {"clusterName": "c"}}"#;

/// One more action than a scenario may hold: the count is the one error, at `actions`, however
/// wrong the actions are (the fuzz input was a million actions that each were an error).
#[test]
fn more_actions_than_the_limit_is_one_input_error() {
    let mut src = String::from("{\"schemaVersion\": 1, \"name\": \"many\",\n\"actions\": [");
    for i in 0..=MAX_ACTIONS {
        src.push_str(if i == 0 { "0" } else { ",0" });
    }
    src.push_str("]}");
    let e = only_error(&src);
    assert_eq!(e.path, "actions");
    assert_eq!((e.line, e.column), (Some(2), Some(12)));
    assert!(
        e.message.contains("1000001 actions") && e.message.contains("at most 1000000"),
        "{e}"
    );
}

#[test]
fn an_action_over_a_mebibyte_is_an_input_error() {
    let big = "x".repeat(MAX_ACTION_BYTES);
    let src = format!(
        "{{\"schemaVersion\": 1, \"name\": \"big\", \"actions\": [{CLUSTER},\n  {{\"at\": 0, \"action\": \"Snapshot\", \"input\": {{\"label\": \"{big}\"}}}}]}}"
    );
    let e = only_error(&src);
    assert_eq!(e.path, "actions[1]");
    assert_eq!((e.line, e.column), (Some(2), Some(3)));
    assert!(
        e.message
            .contains("more than an action may be (at most 1048576 bytes)"),
        "{e}"
    );
    // Just under the limit, the action is read (and its label refused for its own reasons, or not).
    let fits = "x".repeat(MAX_ACTION_BYTES - 64);
    let src = format!(
        "{{\"schemaVersion\": 1, \"name\": \"big\", \"actions\": [{CLUSTER},\n  {{\"at\": 0, \"action\": \"Snapshot\", \"input\": {{\"label\": \"{fits}\"}}}}]}}"
    );
    if let Err(errors) = load(&src) {
        assert!(
            errors.iter().all(|e| !e.message.contains("bytes of JSON")),
            "{errors:#?}"
        );
    }
}

#[test]
fn a_top_level_field_over_four_mebibytes_is_an_input_error() {
    let big = "x".repeat(MAX_FIELD_BYTES);
    let src = format!(
        "{{\"schemaVersion\": 1, \"name\": \"big\",\n \"description\": \"{big}\", \"actions\": [{CLUSTER}]}}"
    );
    let e = only_error(&src);
    assert_eq!(e.path, "description");
    assert_eq!((e.line, e.column), (Some(2), Some(17)));
    assert!(
        e.message
            .contains("more than a field other than actions may be (at most 4194304 bytes)"),
        "{e}"
    );
}

/// A syntax error anywhere is reported before any limit: the file is not JSON at all.
#[test]
fn a_syntax_error_comes_before_the_limits() {
    let big = "x".repeat(MAX_FIELD_BYTES);
    let src = format!(
        "{{\"schemaVersion\": 1, \"name\": \"big\", \"description\": \"{big}\", \"actions\": [}}"
    );
    let e = only_error(&src);
    assert!(e.message.starts_with("the file is not valid JSON"), "{e}");
}

/// Item 9: a horizon of 2^31 s is over the 3,660 days a run may simulate, and its samples at the
/// default interval over the million a run may take: the one error names both fields.
#[test]
fn a_horizon_of_two_to_the_31_seconds_names_both_fields() {
    let src = format!(
        r#"{{"schemaVersion": 1, "name": "h", "horizon": 2147483648, "actions": [{CLUSTER}]}}"#
    );
    let e = only_error(&src);
    assert_eq!(e.path, "horizon");
    assert!(
        e.message.contains("horizon is 24855 days")
            && e.message.contains("at most 3660 days")
            && e.message.contains("sampleInterval (60000 ms)")
            && e.message.contains("35791395 sample times"),
        "{e}"
    );
    // With an interval that keeps the samples within their bound, only the horizon is named.
    let src = format!(
        r#"{{"schemaVersion": 1, "name": "h", "horizon": 2147483648, "sampleInterval": "1d", "actions": [{CLUSTER}]}}"#
    );
    let e = only_error(&src);
    assert!(!e.message.contains("sampleInterval"), "{e}");
}
