//! The compiled form of an expression: a tree of `and`/`or`/`not` over typed predicates.
//!
//! Arguments are converted to their subject's type (version, instant, integer, boolean, regex)
//! once, when the expression is parsed, so evaluation does no parsing of the argument and no
//! allocation on the common predicates.

use std::cmp::Ordering;

use regex::Regex;

use crate::version::Version;

/// One node of the expression tree. `Or` and `And` hold two or more children, in source order.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Predicate(Predicate),
}

/// `subject operator [argument]` with the argument already converted to the subject's type.
///
/// Source: `[DG23:cluster-query-language.md]` lists the seven subjects.
#[derive(Clone, Debug)]
pub(crate) enum Predicate {
    AgentConnected(Test<bool>),
    AgentVersion(Test<Version>),
    Attribute {
        name: String,
        test: Test<AttributeValue>,
    },
    Ec2InstanceId(Test<String>),
    /// Unix epoch milliseconds, UTC.
    RegisteredAt(Test<i64>),
    RunningTasksCount(Test<i64>),
    TaskGroup(Test<String>),
}

/// The operator and its argument, for a subject whose values have type `T`.
#[derive(Clone, Debug)]
pub(crate) enum Test<T> {
    Exists,
    NotExists,
    Compare(Comparison, T),
    In(Vec<T>),
    NotIn(Vec<T>),
    Matches(Pattern),
    NotMatches(Pattern),
}

/// The six value comparisons: `==`, `!=`, `>`, `>=`, `<`, `<=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Comparison {
    Equal,
    NotEqual,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
}

impl Comparison {
    /// Whether the comparison holds when the instance's value orders as `ordering` against the
    /// argument (`Less` means the instance's value is smaller).
    pub(crate) fn holds(self, ordering: Ordering) -> bool {
        match self {
            Comparison::Equal => ordering == Ordering::Equal,
            Comparison::NotEqual => ordering != Ordering::Equal,
            Comparison::Greater => ordering == Ordering::Greater,
            Comparison::GreaterEqual => ordering != Ordering::Less,
            Comparison::Less => ordering == Ordering::Less,
            Comparison::LessEqual => ordering != Ordering::Greater,
        }
    }

    /// Whether this is one of the four ordering comparisons (not `==`/`!=`).
    pub(crate) fn is_ordering(self) -> bool {
        !matches!(self, Comparison::Equal | Comparison::NotEqual)
    }
}

/// A `=~`/`!~` argument compiled to a whole-value regex.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    /// `^(?:pattern)$`, so that `is_match` is a whole-value match.
    pub(crate) regex: Regex,
}

impl Pattern {
    pub(crate) fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

/// An `attribute:` argument: the text, and its number when it reads as one.
#[derive(Clone, Debug)]
pub(crate) struct AttributeValue {
    pub(crate) text: String,
    pub(crate) number: Option<f64>,
}

impl AttributeValue {
    pub(crate) fn new(text: String) -> AttributeValue {
        let number = parse_number(&text);
        AttributeValue { text, number }
    }

    /// Orders an instance's attribute value against this argument.
    ///
    /// **RULE:** when both sides read as finite decimal numbers they compare as numbers (so
    /// `10 > 9` and `1.0 == 1`), otherwise as strings, byte by byte. The docs call `==` "String
    /// equality" but leave `>`/`<` on attributes open (`[DG23:cluster-query-language.md]`).
    pub(crate) fn compare_instance(&self, instance_value: &str) -> Ordering {
        if let (Some(argument), Some(instance)) = (self.number, parse_number(instance_value)) {
            if let Some(ordering) = instance.partial_cmp(&argument) {
                return ordering;
            }
        }
        instance_value.as_bytes().cmp(self.text.as_bytes())
    }
}

/// Reads `text` as a finite decimal number (`12`, `-3.5`, `1e3`); `None` otherwise.
///
/// Only the characters of a decimal literal are allowed, so words that Rust's float parser
/// accepts (`inf`, `NaN`) stay strings. Allocation-free.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let decimal_only = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !decimal_only || !text.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<f64>().ok().filter(|number| number.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_truth_table() {
        let table = [
            (Comparison::Equal, [false, true, false]),
            (Comparison::NotEqual, [true, false, true]),
            (Comparison::Greater, [false, false, true]),
            (Comparison::GreaterEqual, [false, true, true]),
            (Comparison::Less, [true, false, false]),
            (Comparison::LessEqual, [true, true, false]),
        ];
        for (comparison, expected) in table {
            let got = [Ordering::Less, Ordering::Equal, Ordering::Greater]
                .map(|ordering| comparison.holds(ordering));
            assert_eq!(got, expected, "{comparison:?}");
        }
    }

    #[test]
    fn numbers_are_decimal_literals_only() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-3.5"), Some(-3.5));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        for text in [
            "", "inf", "NaN", "infinity", "1e400", "e", "-", "1.2.3", "t2.small", "0x10",
        ] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }

    #[test]
    fn attribute_values_compare_numerically_when_both_are_numbers() {
        let ten = AttributeValue::new("10".to_string());
        assert_eq!(ten.compare_instance("9"), Ordering::Less);
        assert_eq!(ten.compare_instance("10.0"), Ordering::Equal);
        assert_eq!(ten.compare_instance("100"), Ordering::Greater);
        // Text on one side: byte-wise, so "9" sorts after "10".
        assert_eq!(ten.compare_instance("9a"), Ordering::Greater);
        let word = AttributeValue::new("prod".to_string());
        assert_eq!(word.compare_instance("dev"), Ordering::Less);
        assert_eq!(word.compare_instance("prod"), Ordering::Equal);
        assert_eq!(word.compare_instance("Prod"), Ordering::Less);
    }
}
