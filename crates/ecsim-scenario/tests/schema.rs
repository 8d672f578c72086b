//! `ecsim schema` (SPEC §13.4) against the files it describes: every bundled scenario validates,
//! and every file of the bad-input corpus refused for its shape does not.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator() -> jsonschema::Validator {
    let schema = ecsim_scenario::schema();
    jsonschema::draft202012::new(&schema).expect("the schema is a valid draft 2020-12 schema")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// The errors the schema finds in `path`, or None when the file is not JSON.
fn schema_errors(validator: &jsonschema::Validator, path: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    Some(
        validator
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect(),
    )
}

#[test]
fn every_bundled_scenario_validates() {
    let validator = validator();
    let files = json_files(&root().join("scenarios"));
    assert!(files.len() > 10);
    let mut refused = Vec::new();
    for path in files {
        let errors = schema_errors(&validator, &path).expect("a bundled scenario is JSON");
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        refused.extend(errors.into_iter().map(|e| format!("{file}: {e}")));
    }
    assert!(refused.is_empty(), "{refused:#?}");
}

/// The corpus, file by file: refused for its shape (the schema refuses it too: an unknown member,
/// a wrong JSON type, an unknown action, a missing required member, a value outside an enum or a
/// range the model or the format gives) ...
const SHAPE: &[&str] = &[
    "register-instance-ec2-tag-spelling.json",
    "image-metadata-max-results-over-1000.json",
    "missing-name.json",
    "negative-duration.json",
    "not-an-object.json",
    "put-cluster-providers-without-default-strategy.json",
    "target-capacity-over-100.json",
    "unknown-action.json",
    "unknown-container-field.json",
    "unknown-top-level-field.json",
    "unsupported-schema-version.json",
    "value-outside-enum.json",
    "wrong-type-count.json",
];
/// ... or for what only the loader checks (references, limits, combinations, and the syntax of a
/// duration's or a query's string: the schema accepts it) ...
const SEMANTIC: &[&str] = &[
    "refresh-fargate-provider.json",
    "refresh-healthy-spread-over-100.json",
    "refresh-image-from-unknown-ssm-parameter.json",
    "ami-bad-deprecation-time.json",
    "drain-list-and-filter.json",
    "image-metadata-unknown-filter.json",
    "launch-tag-reserved-prefix.json",
    "ssm-parameter-unknown.json",
    "ssm-parameter-value-not-json.json",
    // The faults block: its members are the loader's to check.
    "fault-bad-filter.json",
    "fault-outage-without-duration.json",
    "fault-spot-on-demand-provider.json",
    "fault-task-crash-unknown-service.json",
    "fault-two-rates.json",
    "fault-unknown-cluster.json",
    "fault-unknown-type.json",
    "fault-until-before-from.json",
    "assertion-unknown-capacity-provider.json",
    "assertion-unknown-service.json",
    "bad-query-syntax.json",
    "binpack-on-disk.json",
    "capacity-provider-reserved-prefix.json",
    "capacity-provider-without-group.json",
    "code-deploy-controller.json",
    "count-eleven.json",
    "cyclic-depends-on.json",
    "daemon-maximum-percent.json",
    "daemon-with-desired-count.json",
    "daemon-with-placement-strategy.json",
    "default-strategy-not-in-providers.json",
    "delete-fargate-provider.json",
    "describe-services-empty.json",
    "desired-count-over-5000.json",
    "duplicate-host-port.json",
    "expression-on-distinct-instance.json",
    "external-service-task-definition.json",
    "fail-zone-of-another-region.json",
    "fargate-bridge-network-mode.json",
    "fargate-invalid-task-size.json",
    "fargate-placement-strategy.json",
    "fargate-without-subnets.json",
    "group-desired-above-max.json",
    "group-image-from-ssm.json",
    "horizon-over-3660-days.json",
    "instance-arn-of-another-region.json",
    "interrupt-on-demand-provider.json",
    "launch-into-fargate-provider.json",
    "launch-type-with-strategy.json",
    "load-balancer-simulation-without-load-balancers.json",
    "load-balancer-unknown-container.json",
    "minimum-healthy-over-100.json",
    "provider-in-two-clusters.json",
    "scale-over-100.json",
    "service-duplicate-name.json",
    "service-missing-desired-count.json",
    "six-strategies.json",
    "spot-discount-of-1.json",
    "strategy-all-weights-zero.json",
    "strategy-mixes-fargate-and-group.json",
    "strategy-two-bases.json",
    "subnet-in-another-region.json",
    "subnets-over-16.json",
    "task-protection-eleven-tasks.json",
    "task-set-on-ecs-service.json",
    "termination-protection-without-managed-scaling.json",
    "too-many-samples.json",
    "unknown-capacity-provider.json",
    "unknown-cluster.json",
    "unknown-instance-type.json",
    "unknown-service.json",
    "unknown-task-definition.json",
    "unknown-task-set.json",
    "unparseable-duration.json",
];
/// ... or not JSON at all.
const NOT_JSON: &[&str] = &["empty-file.json", "malformed-json.json", "not-utf-8.json"];

#[test]
fn the_corpus_shape_errors_are_refused_and_only_they() {
    let validator = validator();
    let mut unclassified = Vec::new();
    for path in json_files(&root().join("tests/bad-input")) {
        let file = path.file_name().unwrap().to_str().unwrap();
        let errors = schema_errors(&validator, &path);
        if SHAPE.contains(&file) {
            let errors = errors.unwrap_or_else(|| panic!("{file} is JSON"));
            assert!(
                !errors.is_empty(),
                "{file}: a shape error the schema accepts"
            );
        } else if SEMANTIC.contains(&file) {
            let errors = errors.unwrap_or_else(|| panic!("{file} is JSON"));
            assert!(
                errors.is_empty(),
                "{file}: the schema refuses a shape the loader reads: {errors:#?}"
            );
        } else if NOT_JSON.contains(&file) {
            assert!(errors.is_none(), "{file} is not JSON");
        } else {
            unclassified.push(file.to_string());
        }
    }
    assert!(unclassified.is_empty(), "classify these: {unclassified:?}");
}

/// Shapes the corpus does not cover, made from a small valid scenario: each refused by the schema
/// and by the loader, and the valid one accepted by both.
#[test]
fn simulation_blocks_assertions_and_ignored_members_are_described() {
    let validator = validator();
    let scenario = |action: &str, assertion: &str| {
        format!(
            r#"{{"schemaVersion": 1, "name": "s", "actions": [
                {{"at": 0, "action": "CreateCluster", "input": {{"clusterName": "c"}}}},
                {action}
            ], "assertions": [{assertion}]}}"#
        )
    };
    let register = |extra: &str| {
        format!(
            r#"{{"at": 0, "action": "RegisterTaskDefinition", "input": {{"family": "web", "containerDefinitions": [{{"name": "app", "image": "nginx", "memory": 256}}]{extra}}}, "simulation": {{"failToStartProbability": 0.1}}}}"#
        )
    };
    let count = r#"{"type": "maxPlacementFailures", "atMost": 0}"#;
    let valid = scenario(&register(r#", "pidMode": "task""#), count);
    let refused = [
        // An unknown member of a simulation block.
        scenario(
            &register("").replace("failToStartProbability", "failToStart"),
            count,
        ),
        // A simulation block on an action that takes none.
        scenario(
            r#"{"at": 0, "action": "DeleteCluster", "input": {"cluster": "c"}, "simulation": {}}"#,
            count,
        ),
        // A member of another assertion type.
        scenario(
            &register(""),
            r#"{"type": "maxPlacementFailures", "atMost": 0, "service": "web"}"#,
        ),
        // An ignored member outside the model's enum.
        scenario(&register(r#", "pidMode": "none""#), count),
        // An ignored member of the wrong type.
        scenario(&register(r#", "tags": {"k": "v"}"#), count),
    ];
    let value = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("JSON");
    assert!(validator.is_valid(&value(&valid)), "{valid}");
    assert!(ecsim_scenario::load(&valid).is_ok(), "{valid}");
    for text in refused {
        assert!(
            !validator.is_valid(&value(&text)),
            "the schema accepts {text}"
        );
        assert!(
            ecsim_scenario::load(&text).is_err(),
            "the loader accepts {text}"
        );
    }
}
