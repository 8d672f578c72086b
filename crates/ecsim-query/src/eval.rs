//! Evaluates a compiled expression against one container instance.
//!
//! This runs once per instance per placement, so the common predicates (`==`, `!=`, `in` on
//! attributes and `task:group`) borrow everything from the instance and allocate nothing.

use std::cmp::Ordering;

use crate::ast::{Comparison, Node, Pattern, Predicate, Test};
use crate::InstanceView;

impl Node {
    pub(crate) fn evaluate(&self, instance: &dyn InstanceView) -> bool {
        match self {
            Node::Or(children) => children.iter().any(|child| child.evaluate(instance)),
            Node::And(children) => children.iter().all(|child| child.evaluate(instance)),
            Node::Not(child) => !child.evaluate(instance),
            Node::Predicate(predicate) => predicate.evaluate(instance),
        }
    }
}

impl Predicate {
    fn evaluate(&self, instance: &dyn InstanceView) -> bool {
        match self {
            Predicate::AgentConnected(test) => {
                let connected = instance.agent_connected();
                let text = if connected { "true" } else { "false" };
                test.evaluate(
                    |argument| connected.cmp(argument),
                    |pattern| pattern.is_match(text),
                )
            }
            Predicate::AgentVersion(test) => {
                let version = instance.agent_version();
                // The parser takes only comparisons for agentVersion, so no pattern reaches here.
                test.evaluate(|argument| argument.compare_instance(version), |_| false)
            }
            Predicate::Attribute { name, test } => match instance.attribute(name) {
                // RULE: a missing attribute satisfies only `!exists`; `[DG23:task-placement-
                // constraints.md]` "attribute:stack != prod" lists "the instances with the custom
                // attribute "stack" unless the attribute value is "prod"", so `!=` needs the
                // attribute, and `!in`/`!~` follow the same reading.
                None => matches!(test, Test::NotExists),
                // RULE: an attribute without a value exists, but has no value to compare.
                Some(None) => matches!(test, Test::Exists),
                Some(Some(value)) => test.evaluate(
                    |argument| argument.compare_instance(value),
                    |pattern| pattern.is_match(value),
                ),
            },
            Predicate::Ec2InstanceId(test) => {
                let id = instance.ec2_instance_id();
                test.evaluate(
                    |argument| id.cmp(argument.as_str()),
                    |pattern| pattern.is_match(id),
                )
            }
            Predicate::RegisteredAt(test) => {
                let registered_at_ms = instance.registered_at_ms();
                // The parser takes only comparisons for registeredAt, so no pattern reaches here.
                test.evaluate(|argument| registered_at_ms.cmp(argument), |_| false)
            }
            Predicate::RunningTasksCount(test) => {
                let count = instance.running_tasks_count();
                // The parser takes only comparisons for runningTasksCount, so no pattern reaches
                // here.
                test.evaluate(|argument| i64::from(count).cmp(argument), |_| false)
            }
            Predicate::TaskGroup(test) => evaluate_task_group(test, instance),
        }
    }
}

impl<T> Test<T> {
    /// Applies the operator, given how to order the instance's value against one argument and
    /// how to match it against a pattern. Only called when the instance has a value.
    fn evaluate(
        &self,
        compare: impl Fn(&T) -> Ordering,
        is_match: impl Fn(&Pattern) -> bool,
    ) -> bool {
        match self {
            // Only attributes take `exists` here (task:group has its own evaluation), and the
            // caller only gets here when the attribute has a value.
            Test::Exists => true,
            Test::NotExists => false,
            Test::Compare(comparison, argument) => comparison.holds(compare(argument)),
            Test::In(arguments) => arguments
                .iter()
                .any(|argument| compare(argument) == Ordering::Equal),
            Test::NotIn(arguments) => !arguments
                .iter()
                .any(|argument| compare(argument) == Ordering::Equal),
            Test::Matches(pattern) => is_match(pattern),
            Test::NotMatches(pattern) => !is_match(pattern),
        }
    }
}

/// `task:group` is a set-valued subject: an instance hosts zero or more task groups.
///
/// `[DG23:cluster-query-language.md]` "selects instances that are hosting tasks in the
/// `service:production` group" for `task:group == service:production`, and "not hosting tasks in
/// the database group" for `not(task:group == database)`.
fn evaluate_task_group(test: &Test<String>, instance: &dyn InstanceView) -> bool {
    let hosts_any_matching = |pattern: &Pattern| {
        instance
            .task_groups()
            .iter()
            .any(|group| pattern.is_match(group))
    };
    match test {
        Test::Exists => true,
        Test::NotExists => false,
        Test::Compare(Comparison::Equal, group) => instance.has_task_group(group),
        // RULE: `!=` is the negation of `==` ("hosts no task of group G"), so
        // `task:group != G` and `not(task:group == G)` select the same instances.
        Test::Compare(Comparison::NotEqual, group) => !instance.has_task_group(group),
        // RULE: the subject table does not restrict task:group, so `>`, `>=`, `<`, `<=` hold when
        // the instance hosts a group that orders so against G, byte by byte (as `in` and `=~`
        // hold when any hosted group does); a name is not a number, so groups never compare as
        // numbers.
        Test::Compare(comparison, group) => instance
            .task_groups()
            .iter()
            .any(|hosted| comparison.holds(hosted.as_bytes().cmp(group.as_bytes()))),
        // RULE: `in` holds when the instance hosts any listed group, and `=~` when any hosted
        // group matches; `!in` and `!~` are their negations, as `!=` is of `==`.
        Test::In(groups) => groups.iter().any(|group| instance.has_task_group(group)),
        Test::NotIn(groups) => !groups.iter().any(|group| instance.has_task_group(group)),
        Test::Matches(pattern) => hosts_any_matching(pattern),
        Test::NotMatches(pattern) => !hosts_any_matching(pattern),
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{holds, Instance};

    /// Evaluates an expression against instances with `stack` missing, present without a
    /// value, and set to `dev`, `prod`, `10` and `9`, in that order.
    fn stack_row(expression: &str) -> [bool; 6] {
        let instances = [
            Instance::new(),
            Instance::new().flag("stack"),
            Instance::new().attribute("stack", "dev"),
            Instance::new().attribute("stack", "prod"),
            Instance::new().attribute("stack", "10"),
            Instance::new().attribute("stack", "9"),
        ];
        instances.map(|instance| holds(expression, &instance))
    }

    #[test]
    fn attribute_predicates_by_presence() {
        let table = [
            (
                "attribute:stack exists",
                [false, true, true, true, true, true],
            ),
            (
                "attribute:stack !exists",
                [true, false, false, false, false, false],
            ),
            (
                "attribute:stack == prod",
                [false, false, false, true, false, false],
            ),
            (
                "attribute:stack != prod",
                [false, false, true, false, true, true],
            ),
            (
                "attribute:stack in [dev, prod]",
                [false, false, true, true, false, false],
            ),
            (
                "attribute:stack !in [dev, prod]",
                [false, false, false, false, true, true],
            ),
            (
                "attribute:stack =~ 'p.*'",
                [false, false, false, true, false, false],
            ),
            (
                "attribute:stack !~ 'p.*'",
                [false, false, true, false, true, true],
            ),
            // Mixed text and numbers order as bytes, where letters sort after digits.
            (
                "attribute:stack > 9",
                [false, false, true, true, true, false],
            ),
            (
                "attribute:stack >= 9",
                [false, false, true, true, true, true],
            ),
            (
                "attribute:stack < 10",
                [false, false, false, false, false, true],
            ),
            (
                "attribute:stack <= 9.0",
                [false, false, false, false, false, true],
            ),
            (
                "attribute:stack > 'm'",
                [false, false, false, true, false, false],
            ),
            (
                "attribute:stack < dz",
                [false, false, true, false, true, true],
            ),
            (
                "not attribute:stack == prod",
                [true, true, true, false, true, true],
            ),
        ];
        for (expression, expected) in table {
            assert_eq!(stack_row(expression), expected, "{expression}");
        }
    }

    #[test]
    fn attribute_names_and_values_are_case_sensitive() {
        let instance = Instance::new().attribute("stack", "prod");
        assert!(holds("attribute:stack == prod", &instance));
        assert!(!holds("attribute:stack == PROD", &instance));
        assert!(!holds("attribute:Stack == prod", &instance));
        assert!(holds("ATTRIBUTE:stack EQUALS prod", &instance));
    }

    #[test]
    fn numeric_attribute_values() {
        let instance = Instance::new().attribute("weight", "1.0");
        assert!(holds("attribute:weight == 1", &instance));
        assert!(holds("attribute:weight in [2, 1e0]", &instance));
        assert!(holds("attribute:weight > -3", &instance));
        assert!(!holds("attribute:weight != 1.00", &instance));
    }

    #[test]
    fn quoted_values() {
        let instance = Instance::new()
            .attribute("quote", "it's")
            .attribute("path", r"C:\tmp")
            .attribute("spaced", "a b");
        assert!(holds(r"attribute:quote == 'it\'s'", &instance));
        assert!(holds(r#"attribute:quote == "it's""#, &instance));
        assert!(holds(r"attribute:path == 'C:\\tmp'", &instance));
        assert!(holds(r"attribute:path == 'C:\tmp'", &instance));
        assert!(holds("attribute:spaced == 'a b'", &instance));
        assert!(holds(r#"attribute:spaced in ["x", 'a b']"#, &instance));
    }

    #[test]
    fn patterns_match_the_whole_value() {
        let instance = Instance::new().attribute("ecs.instance-type", "t2.micro");
        assert!(holds("attribute:ecs.instance-type =~ t2.*", &instance));
        assert!(!holds("attribute:ecs.instance-type =~ t2", &instance));
        assert!(!holds("attribute:ecs.instance-type =~ micro", &instance));
        assert!(holds(
            "attribute:ecs.instance-type =~ '(?i)T2\\.MICRO'",
            &instance
        ));
        // Leftmost-first alternation still has to cover the whole value, as in Java's matches().
        assert!(holds(
            "attribute:ecs.instance-type =~ 't2|t2.micro'",
            &instance
        ));
        assert!(holds(
            "attribute:ecs.instance-type matches '[a-z][0-9]\\.\\w+'",
            &instance
        ));
        assert!(holds(
            "attribute:ecs.instance-type not_matches m5.*",
            &instance
        ));
    }

    #[test]
    fn task_group_is_set_valued() {
        let both = Instance::new()
            .task_group("database")
            .task_group("service:web");
        let none = Instance::new();
        let table = [
            ("task:group == database", [true, false]),
            ("task:group != database", [false, true]),
            ("task:group == service:web", [true, false]),
            ("task:group in [cache, database]", [true, false]),
            ("task:group !in [cache, database]", [false, true]),
            ("task:group =~ 'service:.*'", [true, false]),
            ("task:group !~ 'service:.*'", [false, true]),
            ("task:group =~ data", [false, false]),
            ("task:group exists", [true, true]),
            ("task:group !exists", [false, false]),
            ("not(task:group == database)", [false, true]),
            // Ordering: some hosted group orders so against the argument, byte by byte.
            ("task:group > database", [true, false]),
            ("task:group >= database", [true, false]),
            ("task:group < database", [false, false]),
            ("task:group <= database", [true, false]),
            ("task:group less_than e", [true, false]),
            ("task:group > service:web", [false, false]),
        ];
        for (expression, expected) in table {
            let got = [holds(expression, &both), holds(expression, &none)];
            assert_eq!(got, expected, "{expression}");
        }
    }

    #[test]
    fn agent_connected_is_a_boolean() {
        let connected = Instance::new().connected(true);
        let disconnected = Instance::new().connected(false);
        let table = [
            ("agentConnected == true", [true, false]),
            ("agentConnected == FALSE", [false, true]),
            ("agentConnected != true", [false, true]),
            ("agentConnected in [false]", [false, true]),
            ("agentConnected !in [false]", [true, false]),
            ("agentConnected =~ t.*", [true, false]),
            ("agentConnected !~ t.*", [false, true]),
        ];
        for (expression, expected) in table {
            let got = [
                holds(expression, &connected),
                holds(expression, &disconnected),
            ];
            assert_eq!(got, expected, "{expression}");
        }
    }

    #[test]
    fn agent_version_compares_as_a_version() {
        let version = |text: &str| Instance::new().agent_version(text);
        assert!(holds("agentVersion < 1.14.5", &version("1.9.0")));
        assert!(holds("agentVersion > 1.9", &version("1.10")));
        assert!(holds("agentVersion == 1.14", &version("1.14.0")));
        assert!(holds("agentVersion != 1.14.1", &version("1.14.0")));
        assert!(holds("agentVersion >= 1.14.5", &version("1.14.5")));
        assert!(holds("agentVersion <= 1.14.5", &version("1.14.5")));
    }

    #[test]
    fn ec2_instance_id_is_a_string() {
        let instance = Instance::new().ec2_instance_id("i-abcd1234");
        assert!(holds("ec2InstanceId == i-abcd1234", &instance));
        assert!(holds("ec2InstanceId !in [i-0, 'i-1']", &instance));
        assert!(holds("ec2InstanceId =~ 'i-[0-9a-f]{8}'", &instance));
    }

    #[test]
    fn registered_at_compares_instants() {
        // 2018-02-13T00:00:00Z.
        let midnight_ms = 1_518_480_000_000;
        let at = |ms: i64| Instance::new().registered_at_ms(ms);
        assert!(holds("registeredAt < 2018-02-13", &at(midnight_ms - 1)));
        assert!(!holds("registeredAt < 2018-02-13", &at(midnight_ms)));
        assert!(holds(
            "registeredAt == 2018-02-13T00:00:00Z",
            &at(midnight_ms)
        ));
        assert!(holds(
            "registeredAt == 2018-02-13T01:00:00+01:00",
            &at(midnight_ms)
        ));
        assert!(holds(
            "registeredAt >= '2018-02-13T00:00:00'",
            &at(midnight_ms)
        ));
        assert!(holds(
            "registeredAt > 2018-02-12T23:59:59-00:00",
            &at(midnight_ms)
        ));
    }

    #[test]
    fn running_tasks_count_is_an_integer() {
        let count = |n: u32| Instance::new().running_tasks_count(n);
        assert!(holds("runningTasksCount == 1", &count(1)));
        assert!(holds("runningTasksCount > -1", &count(0)));
        assert!(holds("runningTasksCount <= 10", &count(9)));
        assert!(holds("runningTasksCount != +2", &count(1)));
        assert!(holds("runningTasksCount == 4294967295", &count(u32::MAX)));
    }
}
