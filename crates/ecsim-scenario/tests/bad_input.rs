//! The top-level corpus of broken scenarios (`tests/bad-input/`, run end to end by the CLI's
//! tests) seen from the loader: every file is refused, and the service files each with the one
//! error they are about.

use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-input")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(corpus().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_file_is_refused() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("tests/bad-input")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        // Some files are deliberately not UTF-8 text or not JSON; both must be refused.
        let bytes = std::fs::read(&path).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            ecsim_scenario::load(&text).is_err(),
            "{} loads, but every file of the corpus is broken",
            path.display()
        );
    }
}

/// Each service (and run-limit) file: exactly one error, at this path, quoting this value (when it has one) and
/// saying this.
#[test]
fn service_files_have_the_one_error_they_are_about() {
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        (
            "service-duplicate-name.json",
            "actions[3].input.serviceName",
            Some("\"web\""),
            "service 'web' already exists in cluster 'c'",
        ),
        (
            "service-missing-desired-count.json",
            "actions[2].input.desiredCount",
            None,
            "missing required field 'desiredCount'",
        ),
        (
            "desired-count-over-5000.json",
            "actions[2].input.desiredCount",
            Some("5001"),
            "expected from 0 to 5000 tasks",
        ),
        (
            "daemon-with-desired-count.json",
            "actions[2].input.desiredCount",
            None,
            "a DAEMON service takes no desiredCount",
        ),
        (
            "daemon-with-placement-strategy.json",
            "actions[2].input.placementStrategy",
            None,
            "the DAEMON scheduling strategy does not support placement strategies",
        ),
        (
            "daemon-maximum-percent.json",
            "actions[2].input.deploymentConfiguration.maximumPercent",
            Some("200"),
            "a DAEMON service's maximumPercent must be 100",
        ),
        (
            "minimum-healthy-over-100.json",
            "actions[2].input.deploymentConfiguration.minimumHealthyPercent",
            Some("150"),
            "from 0 to 100",
        ),
        (
            "code-deploy-controller.json",
            "actions[2].input.deploymentController.type",
            Some("\"CODE_DEPLOY\""),
            "the CODE_DEPLOY (blue/green) deployment controller is not simulated",
        ),
        (
            "service-fargate-launch-type.json",
            "actions[2].input.launchType",
            Some("\"FARGATE\""),
            "the FARGATE launch type is not simulated by this version of ecsim",
        ),
        (
            "service-capacity-provider-strategy.json",
            "actions[2].input.capacityProviderStrategy",
            None,
            "capacity providers are not simulated by this version of ecsim; remove capacityProviderStrategy (the service then uses the EC2 launch type)",
        ),
        (
            "external-service-task-definition.json",
            "actions[2].input.taskDefinition",
            None,
            "a service with the EXTERNAL deployment controller takes no taskDefinition",
        ),
        (
            "unknown-service.json",
            "actions[3].input.service",
            Some("\"wbe\""),
            "unknown service 'wbe' in cluster 'c'; did you mean 'web'?",
        ),
        (
            "update-deleted-service.json",
            "actions[4].input.service",
            Some("\"web\""),
            "service 'web' of cluster 'c' was deleted by an earlier action",
        ),
        (
            "task-set-on-ecs-service.json",
            "actions[3].input.service",
            Some("\"web\""),
            "task sets need the EXTERNAL one",
        ),
        (
            "unknown-task-set.json",
            "actions[4].input.primaryTaskSet",
            Some("\"green\""),
            "unknown task set 'green' of service 'web'",
        ),
        (
            "scale-over-100.json",
            "actions[3].input.scale.value",
            Some("150"),
            "\"Accepted values are numbers between 0 and 100.\"",
        ),
        (
            "task-protection-eleven-tasks.json",
            "actions[2].input.tasks",
            None,
            "expected from 1 to 10 task ids or ARNs",
        ),
        (
            "describe-services-empty.json",
            "actions[2].input.services",
            Some("[]"),
            "expected from 1 to 10 service names or ARNs",
        ),
        // Run limits (SPEC §3): checked before the run, naming both fields.
        (
            "horizon-over-3660-days.json",
            "horizon",
            Some("4294967296"),
            "horizon is 49710 days, more than a run may simulate (at most 3660 days)",
        ),
        (
            "too-many-samples.json",
            "sampleInterval",
            Some("\"1ms\""),
            "horizon (86400000 ms) over sampleInterval (1 ms) makes 86400001 sample times, more than a run may take (1000000)",
        ),
        (
            "assertion-unknown-service.json",
            "assertions[0].service",
            Some("\"wbe\""),
            "no action creates service 'wbe' in cluster 'c'; did you mean 'web'?",
        ),
    ];
    for (file, path, value, fragment) in cases {
        let errors = match ecsim_scenario::load(&read(file)) {
            Ok(_) => panic!("{file} loads"),
            Err(errors) => errors,
        };
        assert_eq!(errors.len(), 1, "{file}: {errors:#?}");
        let e = &errors[0];
        assert_eq!(e.path, *path, "{file}: {e}");
        assert!(e.line.is_some() && e.column.is_some(), "{file}: located");
        if let Some(v) = value {
            assert_eq!(e.value.as_deref(), Some(*v), "{file}: {e}");
        }
        assert!(e.message.contains(fragment), "{file}: {e}");
    }
}
