//! AMIs as users hold them (SPEC §3, seed 000): `ssmParameters` in the shape `aws ssm
//! get-parameters` prints, `resolve:ssm:NAME` image ids, and `amis` entries given as the
//! parameter's `Value` string. The parameters and values are seed 000's outputs, verbatim.

use ecsim_engine::Action;
use serde_json::Value;

/// Seed 000: the `Parameters` of both `aws ssm get-parameters` outputs (Linux and Windows).
const PARAMETERS: &str = r#"[
          {
              "Name": "/aws/service/ecs/optimized-ami/amazon-linux/recommended",
              "Type": "String",
              "Value": "{\"schema_version\":1,\"image_name\":\"amzn-ami-2017.09.l-amazon-ecs-optimized\",\"image_id\":\"ami-aff65ad2\",\"os\":\"Amazon Linux\",\"ecs_runtime_version\":\"Docker version 17.12.1-ce\",\"ecs_agent_version\":\"1.17.3\"}",
              "Version": 21
          },
          {
              "Name": "/aws/service/ecs/optimized-ami/windows_server/2016/english/full/recommended",
              "Type": "String",
              "Value": "{\"schema_version\":1,\"os\":\"Windows_Server-2016-English-Full\",\"image_id\":\"ami-c014cbbd\",\"ecs_agent_version\":\"1.17.2\",\"ecs_runtime_version\":\"Docker version 17.06.2-ee-6, build e75fdb8\",\"image_name\":\"Windows_Server-2016-English-Full-ECS_Optimized-2018.03.26\"}",
              "Version": 1
          }
      ]"#;

/// Seed 000's Windows parameter value, as an `amis` entry.
const WINDOWS_VALUE: &str = r#""{\"schema_version\":1,\"os\":\"Windows_Server-2016-English-Full\",\"image_id\":\"ami-c014cbbd\",\"ecs_agent_version\":\"1.17.2\",\"ecs_runtime_version\":\"Docker version 17.06.2-ee-6, build e75fdb8\",\"image_name\":\"Windows_Server-2016-English-Full-ECS_Optimized-2018.03.26\"}""#;

fn scenario(top: &str, image_id: &str) -> String {
    format!(
        r#"{{ "schemaVersion": 1, "name": "ssm", {top} "actions": [
        {{ "at": 0, "action": "CreateCluster", "input": {{ "clusterName": "prod" }} }},
        {{ "at": 0, "action": "LaunchContainerInstances", "input": {{ "cluster": "prod",
            "instanceType": "m5.large", "imageId": "{image_id}" }} }},
        {{ "at": "5m", "action": "DescribeInstanceImageMetadata", "input": {{}} }},
        {{ "at": "5m", "action": "ListAttributes", "input": {{ "cluster": "prod", "targetType": "container-instance", "attributeName": "ecs.os-type" }} }} ] }}"#
    )
}

/// (ImageMetadata of the one instance, its ecs.os-type).
fn launched(src: &str) -> (Value, String) {
    let loaded = ecsim_scenario::load(src).unwrap_or_else(|e| panic!("{e:?}"));
    let o = ecsim_engine::run(&loaded.scenario);
    let mut v = Vec::new();
    ecsim_report::write_snapshots(&o, &mut v).unwrap();
    let lines: Vec<Value> = String::from_utf8(v)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        lines[0]["response"]["InstanceImageMetadata"][0]["ImageMetadata"].clone(),
        lines[1]["response"]["attributes"][0]["value"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[test]
fn resolve_ssm_names_the_parameters_ami() {
    let top = format!(r#""ssmParameters": {PARAMETERS},"#);
    let windows =
        "resolve:ssm:/aws/service/ecs/optimized-ami/windows_server/2016/english/full/recommended";
    let (image, os_type) = launched(&scenario(&top, windows));
    assert_eq!(image["ImageId"], "ami-c014cbbd");
    assert_eq!(
        image["Name"],
        "Windows_Server-2016-English-Full-ECS_Optimized-2018.03.26"
    );
    assert_eq!(os_type, "windows", "the parameter's os names Windows");
    let linux = "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux/recommended";
    let (image, os_type) = launched(&scenario(&top, linux));
    assert_eq!(image["ImageId"], "ami-aff65ad2");
    assert_eq!(os_type, "linux");
    // The lowered action holds the id, not the parameter's name.
    let loaded = ecsim_scenario::load(&scenario(&top, windows)).unwrap();
    let Action::LaunchContainerInstances(l) = &loaded.scenario.actions[1].action else {
        panic!()
    };
    assert_eq!(l.image_id.as_deref(), Some("ami-c014cbbd"));
    // Each parameter's AMI joins amis: its id may be given directly.
    launched(&scenario(&top, "ami-c014cbbd"));
}

#[test]
fn an_amis_entry_may_be_the_value_string() {
    let top = format!(r#""amis": [ {WINDOWS_VALUE} ],"#);
    let (image, os_type) = launched(&scenario(&top, "ami-c014cbbd"));
    assert_eq!(image["ImageId"], "ami-c014cbbd");
    assert_eq!(os_type, "windows");
    // Without the entry the AMI is unknown: the entry is what made it known.
    let errors = ecsim_scenario::load(&scenario("", "ami-c014cbbd")).unwrap_err();
    assert_eq!(errors[0].path, "actions[1].input.imageId");
}

#[test]
fn ssm_mistakes_are_input_errors() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            r#""ssmParameters": [],"#,
            "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux/recommended",
            "actions[1].input.imageId",
            "no SSM parameter named '/aws/service/ecs/optimized-ami/amazon-linux/recommended' (the scenario has no ssmParameters)",
        ),
        (
            r#""ssmParameters": [ { "Name": "p", "Type": "SecureString", "Value": "{}", "Version": 1 } ],"#,
            "ami-aff65ad2",
            "ssmParameters[0].Type",
            "expected String",
        ),
        (
            r#""ssmParameters": [ { "Name": "p", "Type": "String", "Value": "ami-aff65ad2", "Version": 1 } ],"#,
            "ami-aff65ad2",
            "ssmParameters[0].Value",
            "this string is not JSON",
        ),
        (
            r#""ssmParameters": [ { "Name": "p", "Type": "String", "Value": "{\"schema_version\":1,\"image_id\":\"ami-1\"}", "Version": 1 } ],"#,
            "ami-aff65ad2",
            "ssmParameters[0].Value.image_name",
            "missing required field 'image_name'",
        ),
        (
            r#""amis": [ "{\"schema_version\":1}" ],"#,
            "ami-aff65ad2",
            "amis[0].image_id",
            "missing required field 'image_id'",
        ),
        (
            r#""amis": [ "not json" ],"#,
            "ami-aff65ad2",
            "amis[0]",
            "this string is not JSON",
        ),
    ];
    for (top, image_id, path, fragment) in cases {
        let errors = ecsim_scenario::load(&scenario(top, image_id)).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.path == *path && e.message.contains(fragment) && e.line.is_some()),
            "{top}: {errors:#?}"
        );
    }
}

/// One mistake, one error: an unreadable parameter or AMI entry is the only error, though an
/// `imageId` names what it would have defined.
#[test]
fn an_unreadable_entry_does_not_make_its_references_errors() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#""ssmParameters": [ { "Name": "/p", "Type": 5, "Value": "{\"schema_version\":1,\"image_name\":\"n\",\"image_id\":\"ami-1\",\"os\":\"Amazon Linux\",\"ecs_runtime_version\":\"Docker\",\"ecs_agent_version\":\"1.17.3\"}" } ],"#,
            "resolve:ssm:/p",
            "ssmParameters[0].Type",
        ),
        (
            r#""amis": [ { "schema_version": 1, "image_id": "ami-1", "image_name": 7, "os": "Amazon Linux", "ecs_runtime_version": "Docker", "ecs_agent_version": "1.17.3" } ],"#,
            "ami-1",
            "amis[0].image_name",
        ),
        (
            r#""ssmParameters": [ { "Name": "/p", "Type": "String", "Value": "{\"schema_version\":1,\"image_id\":\"ami-1\",\"os\":\"Amazon Linux\",\"ecs_runtime_version\":\"Docker\",\"ecs_agent_version\":\"1.17.3\"}" } ],"#,
            "ami-1",
            "ssmParameters[0].Value.image_name",
        ),
    ];
    for (top, image_id, path) in cases {
        let errors = ecsim_scenario::load(&scenario(top, image_id)).unwrap_err();
        assert_eq!(errors.len(), 1, "{top}: {errors:#?}");
        assert_eq!(errors[0].path, *path, "{top}: {errors:#?}");
    }
}
