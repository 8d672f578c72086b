//! Golden tests: every cluster query language example in the ECS Developer Guide, evaluated
//! against small fake clusters, with the instances each one must select.
//!
//! The examples and their tags are listed in `shared/reference/ecs-semantics.md` §2.3; each test
//! quotes the sentence the docs give for its example.

use ecsim_query::{Expression, InstanceView};

/// A container instance with only what the examples look at.
struct Fake {
    name: &'static str,
    attributes: Vec<(&'static str, Option<&'static str>)>,
    agent_version: &'static str,
    ec2_instance_id: &'static str,
    registered_at_ms: i64,
    running_tasks_count: u32,
    task_groups: Vec<&'static str>,
}

impl Fake {
    fn new(name: &'static str) -> Fake {
        Fake {
            name,
            attributes: Vec::new(),
            agent_version: "1.17.3",
            ec2_instance_id: "i-0000000000000001",
            registered_at_ms: 0,
            running_tasks_count: 0,
            task_groups: Vec::new(),
        }
    }

    fn attribute(mut self, name: &'static str, value: &'static str) -> Fake {
        self.attributes.push((name, Some(value)));
        self
    }

    fn flag(mut self, name: &'static str) -> Fake {
        self.attributes.push((name, None));
        self
    }

    fn instance_type(self, value: &'static str) -> Fake {
        self.attribute("ecs.instance-type", value)
    }

    fn zone(self, value: &'static str) -> Fake {
        self.attribute("ecs.availability-zone", value)
    }

    fn agent_version(mut self, version: &'static str) -> Fake {
        self.agent_version = version;
        self
    }

    fn ec2_instance_id(mut self, id: &'static str) -> Fake {
        self.ec2_instance_id = id;
        self
    }

    fn registered_at_ms(mut self, ms: i64) -> Fake {
        self.registered_at_ms = ms;
        self
    }

    fn running_tasks_count(mut self, count: u32) -> Fake {
        self.running_tasks_count = count;
        self
    }

    fn task_group(mut self, group: &'static str) -> Fake {
        self.task_groups.push(group);
        self
    }
}

impl InstanceView for Fake {
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes
            .iter()
            .find(|(candidate, _)| *candidate == name)
            .map(|&(_, value)| value)
    }

    fn agent_connected(&self) -> bool {
        true
    }

    fn agent_version(&self) -> &str {
        self.agent_version
    }

    fn ec2_instance_id(&self) -> &str {
        self.ec2_instance_id
    }

    fn registered_at_ms(&self) -> i64 {
        self.registered_at_ms
    }

    fn running_tasks_count(&self) -> u32 {
        self.running_tasks_count
    }

    fn has_task_group(&self, group: &str) -> bool {
        self.task_groups.contains(&group)
    }

    fn task_groups(&self) -> Vec<&str> {
        self.task_groups.clone()
    }
}

/// The names of the instances `expression` selects, in the order given.
fn selected(expression: &str, cluster: &[Fake]) -> Vec<&'static str> {
    let expression = Expression::parse(expression)
        .unwrap_or_else(|error| panic!("{expression:?} should parse: {error}"));
    cluster
        .iter()
        .filter(|instance| expression.matches(*instance))
        .map(|instance| instance.name)
        .collect()
}

/// Instances of several types in several zones, shared by the attribute examples.
fn typed_cluster() -> Vec<Fake> {
    vec![
        Fake::new("t2.small/1a")
            .instance_type("t2.small")
            .zone("us-east-1a"),
        Fake::new("t2.medium/1b")
            .instance_type("t2.medium")
            .zone("us-east-1b"),
        Fake::new("t2.micro/1d")
            .instance_type("t2.micro")
            .zone("us-east-1d"),
        Fake::new("g2.2xlarge/1a")
            .instance_type("g2.2xlarge")
            .zone("us-east-1a"),
        Fake::new("g2.8xlarge/1d")
            .instance_type("g2.8xlarge")
            .zone("us-east-1d"),
        Fake::new("m5.large/1c")
            .instance_type("m5.large")
            .zone("us-east-1c"),
        // Values are case-sensitive, and an instance may lack any attribute.
        Fake::new("T2.SMALL/1a")
            .instance_type("T2.SMALL")
            .zone("us-east-1a"),
        Fake::new("g2.2xlarge/no-zone").instance_type("g2.2xlarge"),
        Fake::new("bare"),
    ]
}

// ---------------------------------------------------------------------------------------------
// [DG23:cluster-query-language.md], "Example expressions"
// ---------------------------------------------------------------------------------------------

/// `[DG23:cluster-query-language.md]` Example: String Equality, "The following expression
/// selects instances with the specified instance type."
#[test]
fn string_equality() {
    assert_eq!(
        selected("attribute:ecs.instance-type == t2.small", &typed_cluster()),
        ["t2.small/1a"]
    );
}

/// `[DG23:cluster-query-language.md]` Example: Argument List, "The following expression selects
/// instances in the us-east-1a or us-east-1b Availability Zone."
#[test]
fn argument_list() {
    assert_eq!(
        selected(
            "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
            &typed_cluster()
        ),
        [
            "t2.small/1a",
            "t2.medium/1b",
            "g2.2xlarge/1a",
            "T2.SMALL/1a"
        ]
    );
}

/// `[DG23:cluster-query-language.md]` Example: Compound Expression, "The following expression
/// selects G2 instances that are not in the us-east-1d Availability Zone."
///
/// The G2 instance without a zone is not selected: `!=` needs the attribute (RULE, after the
/// `attribute:stack != prod` example below).
#[test]
fn compound_expression() {
    assert_eq!(
        selected(
            "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
            &typed_cluster()
        ),
        ["g2.2xlarge/1a"]
    );
}

/// `[DG23:cluster-query-language.md]` Example: Task Affinity, "The following expression selects
/// instances that are hosting tasks in the `service:production` group."
#[test]
fn task_affinity() {
    let cluster = [
        Fake::new("production").task_group("service:production"),
        Fake::new("production+batch")
            .task_group("family:batch")
            .task_group("service:production"),
        Fake::new("staging").task_group("service:staging"),
        Fake::new("empty"),
    ];
    assert_eq!(
        selected("task:group == service:production", &cluster),
        ["production", "production+batch"]
    );
}

/// `[DG23:cluster-query-language.md]` Example: Task Anti-Affinity, "The following expression
/// selects instances that are not hosting tasks in the database group."
#[test]
fn task_anti_affinity() {
    let cluster = [
        Fake::new("database").task_group("database"),
        Fake::new("database+web")
            .task_group("service:web")
            .task_group("database"),
        Fake::new("web").task_group("service:web"),
        Fake::new("empty"),
    ];
    assert_eq!(
        selected("not(task:group == database)", &cluster),
        ["web", "empty"]
    );
}

/// `[DG23:cluster-query-language.md]` Example: Running task count, "The following expression
/// selects instances that are only running one task."
#[test]
fn running_task_count() {
    let cluster = [
        Fake::new("0").running_tasks_count(0),
        Fake::new("1").running_tasks_count(1),
        Fake::new("2").running_tasks_count(2),
    ];
    assert_eq!(selected("runningTasksCount == 1", &cluster), ["1"]);
}

/// `[DG23:cluster-query-language.md]` Example: Amazon ECS container agent version, "The
/// following expression selects instances that are running a container agent version below
/// 1.14.5."
#[test]
fn container_agent_version() {
    let cluster = [
        Fake::new("1.9.0").agent_version("1.9.0"),
        Fake::new("1.14.4").agent_version("1.14.4"),
        Fake::new("1.14.5").agent_version("1.14.5"),
        Fake::new("1.17.3").agent_version("1.17.3"),
    ];
    // 1.9.0 is older than 1.14.5 although "1.9.0" > "1.14.5" as text.
    assert_eq!(
        selected("agentVersion < 1.14.5", &cluster),
        ["1.9.0", "1.14.4"]
    );
}

/// `[DG23:cluster-query-language.md]` Example: Instance registration time, "The following
/// expression selects instances that were registered before February 13, 2018."
#[test]
fn instance_registration_time() {
    let cluster = [
        // 2017-12-31T12:00:00Z
        Fake::new("2017-12-31").registered_at_ms(1_514_721_600_000),
        // 2018-02-12T23:59:59.999Z
        Fake::new("2018-02-12 last ms").registered_at_ms(1_518_479_999_999),
        // 2018-02-13T00:00:00Z, the bare date read as midnight UTC.
        Fake::new("2018-02-13 midnight").registered_at_ms(1_518_480_000_000),
        // 2018-06-18T22:28:28Z
        Fake::new("2018-06-18").registered_at_ms(1_529_360_908_000),
    ];
    assert_eq!(
        selected("registeredAt < 2018-02-13", &cluster),
        ["2017-12-31", "2018-02-12 last ms"]
    );
}

/// `[DG23:cluster-query-language.md]` Example: Amazon EC2 instance ID, "The following expression
/// selects instances with the following Amazon EC2 instance IDs."
#[test]
fn ec2_instance_id() {
    let cluster = [
        Fake::new("abcd").ec2_instance_id("i-abcd1234"),
        Fake::new("wxyx").ec2_instance_id("i-wxyx7890"),
        Fake::new("other").ec2_instance_id("i-0000000000000001"),
        Fake::new("prefix").ec2_instance_id("i-abcd12345"),
    ];
    assert_eq!(
        selected("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", &cluster),
        ["abcd", "wxyx"]
    );
}

/// `[DG23:cluster-query-language.md]` Compound expressions, "You can specify precedence using
/// parentheses: `(expression1 or expression2) and expression3`", with real predicates in place
/// of the three expressions.
#[test]
fn precedence_using_parentheses() {
    let (expression1, expression2, expression3) = (
        "attribute:ecs.instance-type == t2.small",
        "attribute:ecs.instance-type == g2.2xlarge",
        "attribute:ecs.availability-zone == us-east-1a",
    );
    let cluster = typed_cluster();
    assert_eq!(
        selected(
            &format!("({expression1} or {expression2}) and {expression3}"),
            &cluster
        ),
        ["t2.small/1a", "g2.2xlarge/1a"]
    );
    // Without the parentheses `and` binds tighter (RULE), so every t2.small is selected, and
    // the g2.2xlarge without a zone is not.
    let cluster = [
        Fake::new("t2.small/1b")
            .instance_type("t2.small")
            .zone("us-east-1b"),
        Fake::new("g2.2xlarge/1a")
            .instance_type("g2.2xlarge")
            .zone("us-east-1a"),
        Fake::new("g2.2xlarge/1b")
            .instance_type("g2.2xlarge")
            .zone("us-east-1b"),
    ];
    assert_eq!(
        selected(
            &format!("({expression1} or {expression2}) and {expression3}"),
            &cluster
        ),
        ["g2.2xlarge/1a"]
    );
    assert_eq!(
        selected(
            &format!("{expression1} or {expression2} and {expression3}"),
            &cluster
        ),
        ["t2.small/1b", "g2.2xlarge/1a"]
    );
}

// ---------------------------------------------------------------------------------------------
// [DG23:task-placement-constraints.md], "Filtering by attribute" and "Example constraints"
// ---------------------------------------------------------------------------------------------

/// `[DG23:task-placement-constraints.md]` Example: Built-in attribute, "The following example
/// uses built-in attributes to list the g2.2xlarge instances."
#[test]
fn built_in_attribute() {
    assert_eq!(
        selected(
            "attribute:ecs.instance-type == g2.2xlarge",
            &typed_cluster()
        ),
        ["g2.2xlarge/1a", "g2.2xlarge/no-zone"]
    );
}

/// The instances for the custom attribute examples: `stack` set to `prod`, to `dev`, present
/// without a value, and missing.
fn stack_cluster() -> Vec<Fake> {
    vec![
        Fake::new("prod").attribute("stack", "prod"),
        Fake::new("dev").attribute("stack", "dev"),
        Fake::new("Prod").attribute("stack", "Prod"),
        Fake::new("no value").flag("stack"),
        Fake::new("no stack").attribute("project", "a"),
    ]
}

/// `[DG23:task-placement-constraints.md]` Example: Custom attribute, "The following example
/// lists the instances with the custom attribute "stack=prod"."
#[test]
fn custom_attribute() {
    assert_eq!(
        selected("attribute:stack == prod", &stack_cluster()),
        ["prod"]
    );
}

/// `[DG23:task-placement-constraints.md]` Example: Exclude an attribute value, "The following
/// example lists the instances with the custom attribute "stack" unless the attribute value is
/// "prod"."
///
/// So the instance must have `stack` (RULE: a missing attribute, or one without a value, fails
/// `!=`).
#[test]
fn exclude_an_attribute_value() {
    assert_eq!(
        selected("attribute:stack != prod", &stack_cluster()),
        ["dev", "Prod"]
    );
}

/// `[DG23:task-placement-constraints.md]` Example: Multiple attribute values, "The following
/// example uses built-in attributes to list the instances of type `t2.small` or `t2.medium`."
#[test]
fn multiple_attribute_values() {
    assert_eq!(
        selected(
            "attribute:ecs.instance-type in [t2.small, t2.medium]",
            &typed_cluster()
        ),
        ["t2.small/1a", "t2.medium/1b"]
    );
}

/// `[DG23:task-placement-constraints.md]` Example: Multiple attributes, "The following example
/// uses built-in attributes to list the T2 instances in the us-east-1a Availability Zone."
#[test]
fn multiple_attributes() {
    assert_eq!(
        selected(
            "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a",
            &typed_cluster()
        ),
        ["t2.small/1a"]
    );
}

/// `[DG23:task-placement-constraints.md]` Example constraints, "This example uses the
/// `memberOf` constraint to place tasks on T2 instances."
#[test]
fn member_of_t2_instances() {
    assert_eq!(
        selected("attribute:ecs.instance-type =~ t2.*", &typed_cluster()),
        ["t2.small/1a", "t2.medium/1b", "t2.micro/1d"]
    );
}

/// `[DG23:task-placement-constraints.md]` Example constraints, "The example uses the `memberOf`
/// constraint to place tasks on instances with other tasks in the `databases` task group".
#[test]
fn member_of_databases_task_group() {
    let cluster = [
        Fake::new("databases").task_group("databases"),
        Fake::new("database").task_group("database"),
        Fake::new("databases+web")
            .task_group("service:web")
            .task_group("databases"),
        Fake::new("empty"),
    ];
    assert_eq!(
        selected("task:group == databases", &cluster),
        ["databases", "databases+web"]
    );
}

/// `[DG23:task-placement-constraints.md]` expression `"attribute:ecs.os-type == linux"`;
/// built-in attribute `ecs.os-type`: "The possible values for this attribute are `linux` and
/// `windows`."
#[test]
fn os_type_linux() {
    let cluster = [
        Fake::new("linux").attribute("ecs.os-type", "linux"),
        Fake::new("windows").attribute("ecs.os-type", "windows"),
        Fake::new("LINUX").attribute("ecs.os-type", "LINUX"),
        Fake::new("unknown"),
    ];
    assert_eq!(
        selected("attribute:ecs.os-type == linux", &cluster),
        ["linux"]
    );
}

/// Every example parses, and shows back exactly as written.
#[test]
fn every_example_parses_and_displays_as_written() {
    for example in [
        "attribute:ecs.instance-type == t2.small",
        "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
        "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
        "task:group == service:production",
        "not(task:group == database)",
        "runningTasksCount == 1",
        "agentVersion < 1.14.5",
        "registeredAt < 2018-02-13",
        "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']",
        "attribute:ecs.instance-type == g2.2xlarge",
        "attribute:stack == prod",
        "attribute:stack != prod",
        "attribute:ecs.instance-type in [t2.small, t2.medium]",
        "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a",
        "attribute:ecs.instance-type =~ t2.*",
        "task:group == databases",
        "attribute:ecs.os-type == linux",
    ] {
        let expression = Expression::parse(example)
            .unwrap_or_else(|error| panic!("{example:?} should parse: {error}"));
        assert_eq!(expression.to_string(), example);
    }
}

/// `[DG23:cluster-query-language.md]` "Valid date formats: 2018-06-18T22:28:28+00:00,
/// 2018-06-18T22:28:28Z, 2018-06-18T22:28:28, 2018-06-18": all four name instants, and the
/// three with a time name the same one.
#[test]
fn registered_at_valid_date_formats() {
    // 2018-06-18T22:28:28Z
    let at = Fake::new("at").registered_at_ms(1_529_360_908_000);
    let cluster = [at];
    for format in [
        "2018-06-18T22:28:28+00:00",
        "2018-06-18T22:28:28Z",
        "2018-06-18T22:28:28",
    ] {
        assert_eq!(
            selected(&format!("registeredAt == {format}"), &cluster),
            ["at"]
        );
    }
    assert_eq!(selected("registeredAt > 2018-06-18", &cluster), ["at"]);
    assert_eq!(selected("registeredAt < 2018-06-19", &cluster), ["at"]);
}
