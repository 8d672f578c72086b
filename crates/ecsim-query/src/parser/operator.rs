//! The operator table of the query language (`[DG23:cluster-query-language.md]`): the operators,
//! their symbol and word spellings, recognising one in the text, and which operators each subject
//! takes. The grammar around them is the parser's.

use super::{is_operator_symbol, is_word_char, run_len, Subject};
use crate::ast::Comparison;

pub(super) const EXPECTED_OPERATOR: &str =
    "an operator (==, !=, >, >=, <, <=, exists, !exists, in, !in, \
     =~, !~ or their word forms)";

/// An operator as the grammar needs it: what argument it takes and what it tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Operator {
    Compare(Comparison),
    Exists,
    NotExists,
    In,
    NotIn,
    Matches,
    NotMatches,
}

/// The word forms, `[DG23:cluster-query-language.md]` operator table; matched case-insensitively.
const OPERATOR_WORDS: [(&str, Operator); 12] = [
    ("equals", Operator::Compare(Comparison::Equal)),
    ("not_equals", Operator::Compare(Comparison::NotEqual)),
    ("greater_than", Operator::Compare(Comparison::Greater)),
    (
        "greater_than_equal",
        Operator::Compare(Comparison::GreaterEqual),
    ),
    ("less_than", Operator::Compare(Comparison::Less)),
    ("less_than_equal", Operator::Compare(Comparison::LessEqual)),
    ("exists", Operator::Exists),
    ("not_exists", Operator::NotExists),
    ("in", Operator::In),
    ("not_in", Operator::NotIn),
    ("matches", Operator::Matches),
    ("not_matches", Operator::NotMatches),
];

/// The symbol forms other than `!exists` and `!in`, which are `!` followed by a word.
const OPERATOR_SYMBOLS: [(&str, Operator); 8] = [
    ("==", Operator::Compare(Comparison::Equal)),
    ("!=", Operator::Compare(Comparison::NotEqual)),
    (">", Operator::Compare(Comparison::Greater)),
    (">=", Operator::Compare(Comparison::GreaterEqual)),
    ("<", Operator::Compare(Comparison::Less)),
    ("<=", Operator::Compare(Comparison::LessEqual)),
    ("=~", Operator::Matches),
    ("!~", Operator::NotMatches),
];

/// The operator at the start of `rest` and its length in bytes, or `None` if none stands there:
/// a run of symbol characters spelling one of [`OPERATOR_SYMBOLS`] exactly, a word spelling one of
/// [`OPERATOR_WORDS`], or `!` followed by the word `exists` or `in`. So `===` and `equalsprod` are
/// no operator, while `==prod` is `==` followed by a value.
pub(super) fn recognise(rest: &str) -> Option<(Operator, usize)> {
    let symbols_len = run_len(rest, is_operator_symbol);
    if symbols_len == 0 {
        let len = run_len(rest, is_word_char);
        let word = &rest[..len];
        let &(_, operator) = OPERATOR_WORDS
            .iter()
            .find(|(spelling, _)| word.eq_ignore_ascii_case(spelling))?;
        return Some((operator, len));
    }
    if symbols_len == 1 && rest.starts_with('!') {
        let word_len = run_len(&rest[1..], is_word_char);
        let word = &rest[1..1 + word_len];
        let operator = if word.eq_ignore_ascii_case("exists") {
            Operator::NotExists
        } else if word.eq_ignore_ascii_case("in") {
            Operator::NotIn
        } else {
            return None;
        };
        return Some((operator, 1 + word_len));
    }
    let symbols = &rest[..symbols_len];
    let &(_, operator) = OPERATOR_SYMBOLS
        .iter()
        .find(|(spelling, _)| *spelling == symbols)?;
    Some((operator, symbols_len))
}

/// The operators a subject takes, as the `expected` of the error for one it does not; `None` if
/// `operator` is among them.
///
/// Source: `[DG23:cluster-query-language.md]` (reference §2.1), the subject table's "valid
/// operators": `agentConnected` and `ec2InstanceId` take `==`, `!=`, `in`, `!in`, `=~`, `!~`;
/// `agentVersion`, `registeredAt` and `runningTasksCount` take `==`, `!=`, `>`, `>=`, `<`, `<=`;
/// `attribute:` and `task:group` are not restricted. **RULE:** each operator's word form is the
/// same operator (`not_in` is `!in`), and `exists`/`!exists` are valid only on the unrestricted
/// subjects, since the table lists them for no other.
pub(super) fn unsupported_operator(
    subject: Subject<'_>,
    operator: Operator,
) -> Option<&'static str> {
    let is_equality = matches!(
        operator,
        Operator::Compare(Comparison::Equal | Comparison::NotEqual)
    );
    let is_ordering = matches!(operator, Operator::Compare(c) if c.is_ordering());
    let is_list_or_pattern = matches!(
        operator,
        Operator::In | Operator::NotIn | Operator::Matches | Operator::NotMatches
    );
    match subject {
        Subject::Attribute(_) | Subject::TaskGroup => None,
        Subject::AgentConnected if is_equality || is_list_or_pattern => None,
        Subject::AgentConnected => Some(concat!(
            "an operator that agentConnected takes: ",
            "==, !=, in, !in, =~ or !~ (or their word forms)"
        )),
        Subject::Ec2InstanceId if is_equality || is_list_or_pattern => None,
        Subject::Ec2InstanceId => Some(concat!(
            "an operator that ec2InstanceId takes: ",
            "==, !=, in, !in, =~ or !~ (or their word forms)"
        )),
        Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount
            if is_equality || is_ordering =>
        {
            None
        }
        Subject::AgentVersion => Some(concat!(
            "an operator that agentVersion takes: ",
            "==, !=, >, >=, < or <= (or their word forms)"
        )),
        Subject::RegisteredAt => Some(concat!(
            "an operator that registeredAt takes: ",
            "==, !=, >, >=, < or <= (or their word forms)"
        )),
        Subject::RunningTasksCount => Some(concat!(
            "an operator that runningTasksCount takes: ",
            "==, !=, >, >=, < or <= (or their word forms)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse;
    use crate::parser::tests::{assert_error, shape};

    #[test]
    fn recognise_reads_one_operator_and_its_length() {
        let equal = Operator::Compare(Comparison::Equal);
        assert_eq!(recognise("==prod"), Some((equal, 2)));
        assert_eq!(recognise("EQUALS prod"), Some((equal, 6)));
        assert_eq!(recognise("!exists)"), Some((Operator::NotExists, 7)));
        assert_eq!(recognise("!IN[a]"), Some((Operator::NotIn, 3)));
        assert_eq!(recognise("=~'x'"), Some((Operator::Matches, 2)));
        for none in ["===", "equalsprod", "! exists", "!x", "(", ""] {
            assert_eq!(recognise(none), None, "{none:?}");
        }
    }

    #[test]
    fn every_word_and_symbol_operator_parses_in_any_case() {
        for operator in [
            "==",
            "!=",
            ">",
            ">=",
            "<",
            "<=",
            "equals",
            "NOT_EQUALS",
            "Greater_Than",
            "greater_than_equal",
            "LESS_THAN",
            "less_than_EQUAL",
        ] {
            shape(&format!("attribute:a {operator} 1"));
        }
        for operator in [
            "exists",
            "!exists",
            "EXISTS",
            "!Exists",
            "not_exists",
            "NOT_EXISTS",
        ] {
            shape(&format!("attribute:a {operator}"));
        }
        for operator in ["in", "!in", "IN", "!IN", "not_in", "Not_In"] {
            shape(&format!("attribute:a {operator} [1, 2]"));
        }
        for operator in [
            "=~",
            "!~",
            "matches",
            "MATCHES",
            "not_matches",
            "Not_Matches",
        ] {
            shape(&format!("attribute:a {operator} x.*"));
        }
    }

    #[test]
    fn missing_operator() {
        assert_error(
            "attribute:stack",
            16,
            EXPECTED_OPERATOR,
            "end of expression",
        );
        assert_error("attribute:stack prod", 17, EXPECTED_OPERATOR, "'prod'");
        assert_error("attribute:stack ! exists", 17, EXPECTED_OPERATOR, "'!'");
        assert_error("attribute:stack === prod", 17, EXPECTED_OPERATOR, "'==='");
        assert_error(
            "attribute:stack equalsprod",
            17,
            EXPECTED_OPERATOR,
            "'equalsprod'",
        );
        assert_error("attribute:stack (prod)", 17, EXPECTED_OPERATOR, "'('");
    }

    #[test]
    fn operator_the_subject_does_not_take() {
        const CONNECTED: &str =
            "an operator that agentConnected takes: ==, !=, in, !in, =~ or !~ (or their word forms)";
        const ID: &str =
            "an operator that ec2InstanceId takes: ==, !=, in, !in, =~ or !~ (or their word forms)";
        const VERSION: &str =
            "an operator that agentVersion takes: ==, !=, >, >=, < or <= (or their word forms)";
        const REGISTERED: &str =
            "an operator that registeredAt takes: ==, !=, >, >=, < or <= (or their word forms)";
        const COUNT: &str = "an operator that runningTasksCount takes: ==, !=, >, >=, < or <= (or their word forms)";
        assert_error("agentConnected >= true", 16, CONNECTED, "'>='");
        assert_error("agentConnected > true", 16, CONNECTED, "'>'");
        assert_error("agentConnected exists", 16, CONNECTED, "'exists'");
        assert_error("agentConnected not_exists", 16, CONNECTED, "'not_exists'");
        assert_error("ec2InstanceId > x", 15, ID, "'>'");
        assert_error(
            "ec2InstanceId less_than_equal x",
            15,
            ID,
            "'less_than_equal'",
        );
        assert_error("ec2InstanceId !exists", 15, ID, "'!exists'");
        assert_error("agentVersion =~ 1.*", 14, VERSION, "'=~'");
        assert_error("agentVersion in [1.2]", 14, VERSION, "'in'");
        assert_error("agentVersion not_matches 1.*", 14, VERSION, "'not_matches'");
        assert_error("agentVersion exists", 14, VERSION, "'exists'");
        assert_error("registeredAt =~ 2018.*", 14, REGISTERED, "'=~'");
        assert_error("registeredAt !in [2018-02-13]", 14, REGISTERED, "'!in'");
        assert_error("runningTasksCount in [1, 2]", 19, COUNT, "'in'");
        assert_error("runningTasksCount !~ '1.*'", 19, COUNT, "'!~'");
        assert_error("runningTasksCount exists", 19, COUNT, "'exists'");
        // In a compound expression the column is the operator's.
        assert_error("task:group == a and ec2InstanceId > x", 35, ID, "'>'");
    }

    /// Every (subject, operator) pair: accepted exactly when the documented table lists the
    /// operator for the subject (`attribute:` and `task:group` take every operator).
    #[test]
    fn the_subject_table_decides_every_operator() {
        let operators: [(&str, &str); 12] = [
            ("==", "equals"),
            ("!=", "not_equals"),
            (">", "greater_than"),
            (">=", "greater_than_equal"),
            ("<", "less_than"),
            ("<=", "less_than_equal"),
            ("exists", "exists"),
            ("!exists", "not_exists"),
            ("in", "in"),
            ("!in", "not_in"),
            ("=~", "matches"),
            ("!~", "not_matches"),
        ];
        let equality_list_pattern = ["==", "!=", "in", "!in", "=~", "!~"];
        let comparisons = ["==", "!=", ">", ">=", "<", "<="];
        let subjects: [(&str, &str, &[&str]); 7] = [
            ("agentConnected", "true", &equality_list_pattern),
            ("agentVersion", "1.14.5", &comparisons),
            ("attribute:stack", "prod", &[]),
            ("ec2InstanceId", "i-1", &equality_list_pattern),
            ("registeredAt", "2018-02-13", &comparisons),
            ("runningTasksCount", "1", &comparisons),
            ("task:group", "database", &[]),
        ];
        for (subject, value, allowed) in subjects {
            for (symbol, word) in operators {
                let valid = allowed.is_empty() || allowed.contains(&symbol);
                for spelling in [symbol, word] {
                    let argument = match symbol {
                        "exists" | "!exists" => String::new(),
                        "in" | "!in" => format!(" [{value}]"),
                        "=~" | "!~" => " '.*'".to_string(),
                        _ => format!(" {value}"),
                    };
                    let src = format!("{subject} {spelling}{argument}");
                    match parse(&src) {
                        Ok(_) => assert!(valid, "{src:?} parses, but the table does not allow it"),
                        Err(e) => {
                            assert!(!valid, "{src:?} is refused: {e}");
                            assert_eq!(e.column, subject.len() + 2, "{src:?}");
                            assert!(e.expected.contains(subject), "{src:?}: {e}");
                        }
                    }
                }
            }
        }
    }
}
