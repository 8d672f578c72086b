//! Property tests: boolean connectives mean what they say in every spelling, precedence is
//! `not` > `and` > `or`, and no input string makes the parser or evaluator panic.

use ecsim_query::{Expression, InstanceView};
use proptest::prelude::*;

/// A small random container instance.
#[derive(Clone, Debug)]
struct Fake {
    stack: Option<Option<&'static str>>,
    zone: Option<Option<&'static str>>,
    connected: bool,
    agent_version: &'static str,
    ec2_instance_id: &'static str,
    registered_at_ms: i64,
    running_tasks_count: u32,
    task_groups: Vec<&'static str>,
}

impl InstanceView for Fake {
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        match name {
            "stack" => self.stack,
            "ecs.availability-zone" => self.zone,
            _ => None,
        }
    }

    fn agent_connected(&self) -> bool {
        self.connected
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

/// An attribute: missing, present without a value, or one of `values`.
fn attribute(
    values: &'static [&'static str],
) -> impl Strategy<Value = Option<Option<&'static str>>> {
    prop_oneof![
        Just(None),
        Just(Some(None)),
        prop::sample::select(values).prop_map(|value| Some(Some(value))),
    ]
}

fn fake() -> impl Strategy<Value = Fake> {
    (
        attribute(&["dev", "prod", "10", "9"]),
        attribute(&["us-east-1a", "us-east-1b"]),
        any::<bool>(),
        prop::sample::select(&["1.9.0", "1.14.4", "1.14.5", "1.17.3"][..]),
        prop::sample::select(&["i-abcd1234", "i-wxyx7890", "i-0000000000000001"][..]),
        prop::sample::select(&[0_i64, 1_518_479_999_999, 1_518_480_000_000][..]),
        0_u32..4,
        prop::sample::subsequence(&["database", "service:web", "family:batch"][..], 0..=3),
    )
        .prop_map(
            |(
                stack,
                zone,
                connected,
                agent_version,
                ec2_instance_id,
                registered_at_ms,
                running_tasks_count,
                task_groups,
            )| Fake {
                stack,
                zone,
                connected,
                agent_version,
                ec2_instance_id,
                registered_at_ms,
                running_tasks_count,
                task_groups,
            },
        )
}

/// Atomic predicates, covering every subject and operator.
const LEAVES: &[&str] = &[
    "attribute:stack == prod",
    "attribute:stack != prod",
    "attribute:stack exists",
    "attribute:stack !exists",
    "attribute:stack in [dev, 'prod']",
    "attribute:stack not_in [\"dev\"]",
    "attribute:stack =~ 'p.*'",
    "attribute:stack !~ '[0-9]+'",
    "attribute:stack > 9",
    "attribute:stack <= 10",
    "attribute:ecs.availability-zone == us-east-1a",
    "attribute:ecs.availability-zone NOT_EQUALS us-east-1b",
    "task:group == database",
    "task:group != service:web",
    "task:group in [database, family:batch]",
    "task:group !in [service:web]",
    "task:group =~ 'service:.*'",
    "task:group !~ '.*a.*'",
    "runningTasksCount >= 2",
    "runningTasksCount == 0",
    "agentVersion < 1.14.5",
    "agentVersion greater_than_equal 1.14.5",
    "registeredAt < 2018-02-13",
    "registeredAt >= 2018-02-13T00:00:00Z",
    "agentConnected == true",
    "agentConnected != FALSE",
    "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']",
    "ec2InstanceId =~ 'i-a.*'",
    "ec2InstanceId not_in [i-wxyx7890]",
    "agentConnected in [false]",
    "runningTasksCount < 2",
    "task:group > database",
    "task:group <= family:batch",
];

/// A boolean expression over `LEAVES`, with a choice of spelling at each connective.
#[derive(Clone, Debug)]
enum Tree {
    Leaf(usize),
    Not {
        spelling: usize,
        child: Box<Tree>,
    },
    And {
        spelling: usize,
        left: Box<Tree>,
        right: Box<Tree>,
    },
    Or {
        spelling: usize,
        left: Box<Tree>,
        right: Box<Tree>,
    },
    /// Redundant parentheses.
    Group(Box<Tree>),
}

const NOT_SPELLINGS: [&str; 4] = ["not ", "NOT ", "!", "! "];
const AND_SPELLINGS: [&str; 4] = [" and ", " AND ", " && ", "&&"];
const OR_SPELLINGS: [&str; 4] = [" or ", " Or ", " || ", "||"];

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = (0..LEAVES.len()).prop_map(Tree::Leaf);
    leaf.prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            (0..4_usize, inner.clone()).prop_map(|(spelling, child)| Tree::Not {
                spelling,
                child: Box::new(child),
            }),
            (0..4_usize, inner.clone(), inner.clone()).prop_map(|(spelling, left, right)| {
                Tree::And {
                    spelling,
                    left: Box::new(left),
                    right: Box::new(right),
                }
            }),
            (0..4_usize, inner.clone(), inner.clone()).prop_map(|(spelling, left, right)| {
                Tree::Or {
                    spelling,
                    left: Box::new(left),
                    right: Box::new(right),
                }
            }),
            inner.prop_map(|child| Tree::Group(Box::new(child))),
        ]
    })
}

/// Binding strength: `or` 1, `and` 2, `not` and atoms 3.
fn strength(tree: &Tree) -> u8 {
    match tree {
        Tree::Or { .. } => 1,
        Tree::And { .. } => 2,
        Tree::Leaf(_) | Tree::Not { .. } | Tree::Group(_) => 3,
    }
}

/// Prints `tree` with only the parentheses precedence needs (plus the `Group` ones), so the
/// parser's precedence is what gives the text its meaning.
fn print(tree: &Tree, strength_min: u8) -> String {
    let text = match tree {
        Tree::Leaf(index) => LEAVES[*index].to_string(),
        Tree::Not { spelling, child } => format!("{}{}", NOT_SPELLINGS[*spelling], print(child, 3)),
        Tree::And {
            spelling,
            left,
            right,
        } => {
            format!(
                "{}{}{}",
                print(left, 2),
                AND_SPELLINGS[*spelling],
                print(right, 2)
            )
        }
        Tree::Or {
            spelling,
            left,
            right,
        } => {
            format!(
                "{}{}{}",
                print(left, 1),
                OR_SPELLINGS[*spelling],
                print(right, 1)
            )
        }
        Tree::Group(child) => format!("({})", print(child, 1)),
    };
    if strength(tree) < strength_min {
        format!("({text})")
    } else {
        text
    }
}

fn parse(text: &str) -> Expression {
    Expression::parse(text).unwrap_or_else(|error| panic!("{text:?} should parse: {error}"))
}

/// The meaning of `tree`, from the leaves' own evaluations and Rust's boolean operators.
fn oracle(tree: &Tree, instance: &Fake) -> bool {
    match tree {
        Tree::Leaf(index) => parse(LEAVES[*index]).matches(instance),
        Tree::Not { child, .. } => !oracle(child, instance),
        Tree::And { left, right, .. } => oracle(left, instance) && oracle(right, instance),
        Tree::Or { left, right, .. } => oracle(left, instance) || oracle(right, instance),
        Tree::Group(child) => oracle(child, instance),
    }
}

/// Fragments from which arbitrary, mostly malformed, expressions are assembled.
const TOKENS: &[&str] = &[
    "attribute:stack",
    "attribute:",
    "attribute:a:b",
    "task:group",
    "agentVersion",
    "registeredAt",
    "runningTasksCount",
    "agentConnected",
    "ec2InstanceId",
    "==",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "=~",
    "!~",
    "exists",
    "!exists",
    "in",
    "!in",
    "not_in",
    "equals",
    "and",
    "or",
    "not",
    "AND",
    "&&",
    "||",
    "!",
    "(",
    ")",
    "[",
    "]",
    ",",
    "'",
    "\"",
    "\\",
    "prod",
    "1",
    "-1",
    "1.14.5",
    "2018-02-13",
    "2018-02-30",
    "t2.*",
    "'p.*'",
    "'(?x)a#'",
    "'('",
    "é",
    " ",
    "\t",
    "true",
];

proptest! {
    #[test]
    fn printed_trees_mean_what_they_say(tree in tree(), instance in fake()) {
        let text = print(&tree, 1);
        prop_assert_eq!(parse(&text).matches(&instance), oracle(&tree, &instance), "{}", text);
    }

    #[test]
    fn not_negates(tree in tree(), instance in fake(), spelling in 0..4_usize) {
        let text = print(&tree, 1);
        let expected = !parse(&text).matches(&instance);
        let negated = format!("{}({text})", NOT_SPELLINGS[spelling]);
        prop_assert_eq!(parse(&negated).matches(&instance), expected, "{}", negated);
        prop_assert_eq!(parse(&format!("not({text})")).matches(&instance), expected);
    }

    #[test]
    fn and_or_spellings_agree(left in tree(), right in tree(), instance in fake()) {
        let (left, right) = (print(&left, 3), print(&right, 3));
        let (a, b) = (parse(&left).matches(&instance), parse(&right).matches(&instance));
        for spelling in AND_SPELLINGS {
            prop_assert_eq!(parse(&format!("{left}{spelling}{right}")).matches(&instance), a && b);
        }
        for spelling in OR_SPELLINGS {
            prop_assert_eq!(parse(&format!("{left}{spelling}{right}")).matches(&instance), a || b);
        }
    }

    #[test]
    fn and_binds_tighter_than_or(a in tree(), b in tree(), c in tree(), instance in fake()) {
        let (a, b, c) = (print(&a, 3), print(&b, 3), print(&c, 3));
        let unparenthesized = parse(&format!("{a} or {b} and {c}")).matches(&instance);
        let parenthesized = parse(&format!("{a} or ({b} and {c})")).matches(&instance);
        prop_assert_eq!(unparenthesized, parenthesized);
        let unparenthesized = parse(&format!("{a} and {b} or {c}")).matches(&instance);
        let parenthesized = parse(&format!("({a} and {b}) or {c}")).matches(&instance);
        prop_assert_eq!(unparenthesized, parenthesized);
    }

    #[test]
    fn parse_never_panics_on_any_string(text in ".*", instance in fake()) {
        check_total(&text, &instance)?;
    }

    #[test]
    fn parse_never_panics_on_token_soup(
        tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..16),
        separator in prop::sample::select(&["", " "][..]),
        instance in fake(),
    ) {
        check_total(&tokens.join(separator), &instance)?;
    }
}

/// Parsing `text` either succeeds, and evaluation and display work, or fails with a column
/// inside the text (or just past its end) and a one-line lowercase message.
fn check_total(text: &str, instance: &Fake) -> Result<(), TestCaseError> {
    match Expression::parse(text) {
        Ok(expression) => {
            let _ = expression.matches(instance);
            prop_assert_eq!(expression.to_string(), text);
        }
        Err(error) => {
            prop_assert!(error.column >= 1 && error.column <= text.chars().count() + 1);
            prop_assert!(!error.expected.is_empty() && !error.found.is_empty());
            let message = error.to_string();
            prop_assert!(message.starts_with("column "));
            prop_assert!(!message.ends_with('.'));
        }
    }
    Ok(())
}
