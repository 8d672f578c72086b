//! Recursive-descent parser from expression text to the compiled tree, with column-accurate errors.
//!
//! Grammar (**RULE**, SPEC §5; the docs give no precedence, `[DG23:cluster-query-language.md]`
//! only shows `(expression1 or expression2) and expression3`):
//!
//! ```text
//! expr      := or
//! or        := and (("or" | "||") and)*
//! and       := unary (("and" | "&&") unary)*
//! unary     := ("not" | "!") unary | "(" expr ")" | predicate
//! predicate := subject operator [argument]
//! argument  := value | "[" value ("," value)* "]"
//! value     := bare-word | 'single-quoted' | "double-quoted"
//! ```
//!
//! There is no separate tokenizer: what a run of characters means depends on where it stands
//! (`!` is negation before a predicate but part of `!=`, `!exists`, `!in`, `!~` after a subject;
//! `and` is a keyword between predicates but a plain value after `==`), so the parser scans
//! the text itself, position by position.
//!
//! The operators (their spellings, recognising one, which ones each subject takes) are the
//! table in [`operator`]; this file is the grammar around them.

mod operator;

use regex::Regex;

use crate::ast::{AttributeValue, Node, Pattern, Predicate, Test};
use crate::timestamp;
use crate::version::Version;
use crate::QueryError;
use operator::{unsupported_operator, Operator, EXPECTED_OPERATOR};

/// **RULE:** at most this many parentheses and negations may be open at once, so that a hostile
/// expression such as 10,000 `(` is an error instead of a stack overflow.
pub(crate) const MAX_NESTING: usize = 64;

/// **RULE:** attribute names follow the custom-attribute rule, `[DG23:task-placement-
/// constraints.md]` "The name must contain between 1 and 128 characters".
const ATTRIBUTE_NAME_CHARS_MAX: usize = 128;

/// Longest excerpt of the expression quoted in an error's `found`.
const FOUND_CHARS_MAX: usize = 40;

const EXPECTED_OPERAND: &str = "a predicate (subject operator [argument]), '(', 'not' or '!'";
const EXPECTED_SUBJECT: &str = "a subject (agentConnected, agentVersion, attribute:NAME, \
     ec2InstanceId, registeredAt, runningTasksCount or task:group)";
const EXPECTED_ATTRIBUTE_NAME: &str =
    "an attribute name (1 to 128 letters, digits, '-', '_', '/', '\\' or '.')";
const EXPECTED_VALUE: &str = "a value";
const EXPECTED_PATTERN: &str =
    "a pattern (in quotes if it has spaces, parentheses, brackets or commas)";
const EXPECTED_LIST: &str = "'[' starting a list of values";
const EXPECTED_END: &str = "'and', 'or', '&&', '||' or end of expression";
const EXPECTED_BOOLEAN: &str = "true or false";
const EXPECTED_VERSION: &str = "a dotted version such as 1.17.3";
const EXPECTED_INTEGER: &str = "an integer";
const EXPECTED_DATE: &str = "a date in one of the formats 2018-06-18T22:28:28+00:00, \
     2018-06-18T22:28:28Z, 2018-06-18T22:28:28 or 2018-06-18";
const EXPECTED_REGEX: &str = "a valid regular expression";

const EXPECTED_PRINTABLE: &str = "printable characters (no NUL or other control characters)";

/// Parses a whole expression.
pub(crate) fn parse(src: &str) -> Result<Node, QueryError> {
    let mut parser = Parser {
        src,
        pos: 0,
        depth: 0,
    };
    // RULE: an expression holds no control character (NUL, tab, line breaks, DEL, C1): the
    // documents write expressions on one line with spaces between tokens, and a control character
    // in a name or value is a mistake (a stray `\u0000` in the JSON string, a pasted line break)
    // that would otherwise compare as an ordinary character and select nothing.
    if let Some((at, c)) = src.char_indices().find(|&(_, c)| c.is_control()) {
        let found = format!("the control character U+{:04X}", c as u32);
        return Err(parser.error(at, EXPECTED_PRINTABLE, found));
    }
    let root = parser.parse_or()?;
    parser.skip_whitespace();
    if parser.pos < src.len() {
        return Err(parser.error_found_at(parser.pos, EXPECTED_END));
    }
    Ok(root)
}

/// A subject as written, before its argument is parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subject<'a> {
    AgentConnected,
    AgentVersion,
    Attribute(&'a str),
    Ec2InstanceId,
    RegisteredAt,
    RunningTasksCount,
    TaskGroup,
}

/// **RULE:** subject names are matched case-insensitively, in the spelling the docs use.
const SUBJECTS: [(&str, Subject<'static>); 6] = [
    ("agentConnected", Subject::AgentConnected),
    ("agentVersion", Subject::AgentVersion),
    ("ec2InstanceId", Subject::Ec2InstanceId),
    ("registeredAt", Subject::RegisteredAt),
    ("runningTasksCount", Subject::RunningTasksCount),
    ("task:group", Subject::TaskGroup),
];

const ATTRIBUTE_PREFIX: &str = "attribute:";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Connector {
    And,
    Or,
}

/// Characters that end a value: whitespace, brackets, the list comma and quotes.
///
/// **RULE:** anything else belongs to a bare value, so `t2.*`, `service:production`,
/// `us-east-1a`, `2018-06-18T22:28:28+00:00` and `1.14.5` are each one value. A bare value also
/// ends where `&&` or `||` begins (see `Parser::bare_value_len`).
fn is_value_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | '[' | ']' | ',' | '\'' | '"')
}

/// Characters that make up symbol operators and connectors.
fn is_operator_symbol(c: char) -> bool {
    matches!(c, '=' | '!' | '<' | '>' | '~' | '&' | '|')
}

/// Characters of a subject, keyword or operator word: a value character that is not an
/// operator symbol, so `task:group==database` splits into subject, operator and value.
fn is_word_char(c: char) -> bool {
    is_value_char(c) && !is_operator_symbol(c)
}

/// `[DG23:task-placement-constraints.md]` attribute names "may contain letters (uppercase and
/// lowercase), numbers, hyphens, underscores, forward slashes, back slashes, or periods".
fn is_attribute_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '\\' | '.')
}

/// Byte length of the run of characters satisfying `class` at the start of `text`.
fn run_len(text: &str, class: fn(char) -> bool) -> usize {
    text.find(|c: char| !class(c)).unwrap_or(text.len())
}

/// Quotes an excerpt of the expression for an error's `found`, shortened if long.
fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(FOUND_CHARS_MAX).collect();
    if chars.next().is_some() {
        format!("'{head}...'")
    } else {
        format!("'{head}'")
    }
}

struct Parser<'a> {
    src: &'a str,
    /// Byte offset of the next unread character.
    pos: usize,
    /// Parentheses and negations currently open.
    depth: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Byte length of the run of characters satisfying `class` that starts at byte `at`.
    fn run_len(&self, at: usize, class: fn(char) -> bool) -> usize {
        run_len(&self.src[at..], class)
    }

    /// Byte length of the bare value starting at byte `at`.
    ///
    /// **RULE:** the value ends before `&&` or `||`, so `runningTasksCount>=2&&agentConnected==true`
    /// is two predicates. Attribute values cannot contain `&` or `|` (`[DG23:task-placement-
    /// constraints.md]` custom attributes), and a single `|` (regex alternation) stays in the value.
    fn bare_value_len(&self, at: usize) -> usize {
        let rest = &self.src[at..];
        rest.char_indices()
            .find(|&(index, c)| {
                !is_value_char(c) || {
                    let tail = &rest[index..];
                    tail.starts_with("&&") || tail.starts_with("||")
                }
            })
            .map_or(rest.len(), |(index, _)| index)
    }

    /// 1-based character column of byte offset `at`.
    fn column(&self, at: usize) -> usize {
        self.src[..at].chars().count() + 1
    }

    fn error(&self, at: usize, expected: impl Into<String>, found: String) -> QueryError {
        QueryError {
            column: self.column(at),
            expected: expected.into(),
            found,
        }
    }

    /// An error at byte `at` whose `found` describes whatever stands there.
    fn error_found_at(&self, at: usize, expected: impl Into<String>) -> QueryError {
        let found = self.describe(at);
        self.error(at, expected, found)
    }

    /// Names the token that starts at byte `at`, for an error's `found`.
    fn describe(&self, at: usize) -> String {
        let rest = &self.src[at..];
        let Some(first) = rest.chars().next() else {
            return "end of expression".to_string();
        };
        let len = match first {
            c if c.is_whitespace() => return "whitespace".to_string(),
            '(' | ')' | '[' | ']' | ',' => 1,
            quote_char @ ('\'' | '"') => {
                // Up to and including the closing quote, skipping escaped quotes.
                let mut escaped = false;
                rest.char_indices()
                    .skip(1)
                    .find(|&(_, c)| {
                        let closes = c == quote_char && !escaped;
                        escaped = c == '\\' && !escaped;
                        closes
                    })
                    .map_or(rest.len(), |(index, c)| index + c.len_utf8())
            }
            c if is_operator_symbol(c) => self.run_len(at, is_operator_symbol),
            _ => self.run_len(at, is_word_char),
        };
        quote(&rest[..len])
    }

    fn parse_or(&mut self) -> Result<Node, QueryError> {
        let first = self.parse_and()?;
        if !self.eat_connector(Connector::Or) {
            return Ok(first);
        }
        let mut children = vec![first];
        loop {
            children.push(self.parse_and()?);
            if !self.eat_connector(Connector::Or) {
                return Ok(Node::Or(children));
            }
        }
    }

    fn parse_and(&mut self) -> Result<Node, QueryError> {
        let first = self.parse_unary()?;
        if !self.eat_connector(Connector::And) {
            return Ok(first);
        }
        let mut children = vec![first];
        loop {
            children.push(self.parse_unary()?);
            if !self.eat_connector(Connector::And) {
                return Ok(Node::And(children));
            }
        }
    }

    /// Consumes the next connector if it is `kind`.
    ///
    /// Keywords (`and`, `or`, `not`) and operator words are matched case-insensitively (SPEC
    /// §5; the docs only show lower case), so `AND`, `Or` and `EQUALS` all work.
    fn eat_connector(&mut self, kind: Connector) -> bool {
        self.skip_whitespace();
        let rest = self.rest();
        let (found, len) = if rest.starts_with("&&") {
            (Connector::And, 2)
        } else if rest.starts_with("||") {
            (Connector::Or, 2)
        } else {
            let len = self.run_len(self.pos, is_word_char);
            let word = &rest[..len];
            if word.eq_ignore_ascii_case("and") {
                (Connector::And, len)
            } else if word.eq_ignore_ascii_case("or") {
                (Connector::Or, len)
            } else {
                return false;
            }
        };
        if found != kind {
            return false;
        }
        self.pos += len;
        true
    }

    fn parse_unary(&mut self) -> Result<Node, QueryError> {
        self.skip_whitespace();
        let start = self.pos;
        match self.peek() {
            Some('(') => {
                self.enter(start)?;
                self.pos += 1;
                let inner = self.parse_or()?;
                self.skip_whitespace();
                if self.peek() != Some(')') {
                    let expected = format!(
                        "'and', 'or', '&&', '||' or ')' closing the '(' at column {}",
                        self.column(start)
                    );
                    return Err(self.error_found_at(self.pos, expected));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            // `!=` and `!~` here are operators missing their subject, not negation.
            Some('!') if !matches!(self.peek_second(), Some('=' | '~')) => {
                self.pos += 1;
                self.parse_negated(start)
            }
            _ => {
                let len = self.run_len(start, is_word_char);
                if self.src[start..start + len].eq_ignore_ascii_case("not") {
                    // `[DG23:cluster-query-language.md]` writes `not(task:group == database)`;
                    // the word ends at `(`, so the call-like form is ordinary negation.
                    self.pos += len;
                    self.parse_negated(start)
                } else {
                    self.parse_predicate()
                }
            }
        }
    }

    /// Parses the operand of a `not`/`!` that started at byte `start` and has been consumed.
    fn parse_negated(&mut self, start: usize) -> Result<Node, QueryError> {
        self.enter(start)?;
        let inner = self.parse_unary()?;
        self.depth -= 1;
        Ok(Node::Not(Box::new(inner)))
    }

    /// Opens one level of nesting for the `(`, `not` or `!` at byte `at`.
    fn enter(&mut self, at: usize) -> Result<(), QueryError> {
        if self.depth >= MAX_NESTING {
            let expected = format!("at most {MAX_NESTING} nested parentheses and negations");
            return Err(self.error_found_at(at, expected));
        }
        self.depth += 1;
        Ok(())
    }

    fn parse_predicate(&mut self) -> Result<Node, QueryError> {
        let subject_start = self.pos;
        let subject_len = self.run_len(subject_start, is_word_char);
        if subject_len == 0 {
            return Err(self.error_found_at(subject_start, EXPECTED_OPERAND));
        }
        let subject = self.resolve_subject(subject_start, subject_len)?;
        self.pos += subject_len;

        self.skip_whitespace();
        let operator_start = self.pos;
        let Some(operator) = self.parse_operator() else {
            return Err(self.error_found_at(operator_start, EXPECTED_OPERATOR));
        };
        if let Some(expected) = unsupported_operator(subject, operator) {
            let found = quote(&self.src[operator_start..self.pos]);
            return Err(self.error(operator_start, expected, found));
        }

        let predicate = match subject {
            Subject::AgentConnected => {
                Predicate::AgentConnected(self.parse_test(operator, Parser::boolean)?)
            }
            Subject::AgentVersion => {
                Predicate::AgentVersion(self.parse_test(operator, Parser::version)?)
            }
            Subject::Attribute(name) => Predicate::Attribute {
                name: name.to_string(),
                test: self.parse_test(operator, |_, text, _| Ok(AttributeValue::new(text)))?,
            },
            Subject::Ec2InstanceId => {
                Predicate::Ec2InstanceId(self.parse_test(operator, |_, text, _| Ok(text))?)
            }
            Subject::RegisteredAt => {
                Predicate::RegisteredAt(self.parse_test(operator, Parser::timestamp)?)
            }
            Subject::RunningTasksCount => {
                Predicate::RunningTasksCount(self.parse_test(operator, Parser::integer)?)
            }
            Subject::TaskGroup => {
                Predicate::TaskGroup(self.parse_test(operator, |_, text, _| Ok(text))?)
            }
        };
        Ok(Node::Predicate(predicate))
    }

    /// Recognises the subject spelled by the `len` bytes at `start`.
    fn resolve_subject(&self, start: usize, len: usize) -> Result<Subject<'a>, QueryError> {
        let word = &self.src[start..start + len];
        let has_attribute_prefix = word
            .get(..ATTRIBUTE_PREFIX.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(ATTRIBUTE_PREFIX));
        if has_attribute_prefix {
            let name_start = start + ATTRIBUTE_PREFIX.len();
            let name = &word[ATTRIBUTE_PREFIX.len()..];
            if name.is_empty() {
                return Err(self.error_found_at(name_start, EXPECTED_ATTRIBUTE_NAME));
            }
            if let Some((offset, c)) = name
                .char_indices()
                .find(|&(_, c)| !is_attribute_name_char(c))
            {
                return Err(self.error(
                    name_start + offset,
                    EXPECTED_ATTRIBUTE_NAME,
                    quote(&c.to_string()),
                ));
            }
            // Attribute-name characters are ASCII, so bytes and characters agree here.
            if name.len() > ATTRIBUTE_NAME_CHARS_MAX {
                return Err(self.error(
                    name_start + ATTRIBUTE_NAME_CHARS_MAX,
                    EXPECTED_ATTRIBUTE_NAME,
                    format!("a name of {} characters", name.len()),
                ));
            }
            return Ok(Subject::Attribute(name));
        }
        SUBJECTS
            .iter()
            .find(|(spelling, _)| word.eq_ignore_ascii_case(spelling))
            .map(|&(_, subject)| subject)
            .ok_or_else(|| self.error(start, EXPECTED_SUBJECT, quote(word)))
    }

    /// Consumes an operator, or returns `None` (consuming nothing) if none stands here.
    fn parse_operator(&mut self) -> Option<Operator> {
        let (operator, len) = operator::recognise(self.rest())?;
        self.pos += len;
        Some(operator)
    }

    /// Parses the argument `operator` takes (none, one value, or a list) and converts each
    /// value with `convert`, which gets the value's text and byte offset.
    fn parse_test<T>(
        &mut self,
        operator: Operator,
        convert: impl Fn(&Self, String, usize) -> Result<T, QueryError>,
    ) -> Result<Test<T>, QueryError> {
        let convert_all = |parser: &Self, values: Vec<(String, usize)>| {
            values
                .into_iter()
                .map(|(text, at)| convert(parser, text, at))
                .collect::<Result<Vec<T>, QueryError>>()
        };
        Ok(match operator {
            Operator::Exists => Test::Exists,
            Operator::NotExists => Test::NotExists,
            Operator::Compare(comparison) => {
                let (text, at) = self.parse_value(EXPECTED_VALUE)?;
                Test::Compare(comparison, convert(self, text, at)?)
            }
            Operator::In => {
                let values = self.parse_list()?;
                Test::In(convert_all(self, values)?)
            }
            Operator::NotIn => {
                let values = self.parse_list()?;
                Test::NotIn(convert_all(self, values)?)
            }
            Operator::Matches => {
                let (text, at) = self.parse_value(EXPECTED_PATTERN)?;
                Test::Matches(self.pattern(&text, at)?)
            }
            Operator::NotMatches => {
                let (text, at) = self.parse_value(EXPECTED_PATTERN)?;
                Test::NotMatches(self.pattern(&text, at)?)
            }
        })
    }

    /// Parses one value and returns its text (quotes removed) and its byte offset; `expected`
    /// names it in the error when there is none.
    fn parse_value(&mut self, expected: &str) -> Result<(String, usize), QueryError> {
        self.skip_whitespace();
        let start = self.pos;
        if let Some(quote_char @ ('\'' | '"')) = self.peek() {
            return self.parse_quoted(quote_char);
        }
        let len = self.bare_value_len(start);
        if len == 0 {
            return Err(self.error_found_at(start, expected));
        }
        self.pos += len;
        Ok((self.src[start..start + len].to_string(), start))
    }

    /// Parses a quoted value starting at the opening `quote_char`.
    ///
    /// **RULE:** single and double quotes are both accepted (`[DG23:cluster-query-language.md]`
    /// only shows `['i-abcd1234', 'i-wxyx7890']`); inside, `\` escapes the quote character and
    /// itself, and any other `\` is kept, so regex escapes such as `'t2\.micro'` pass through.
    fn parse_quoted(&mut self, quote_char: char) -> Result<(String, usize), QueryError> {
        let start = self.pos;
        self.pos += quote_char.len_utf8();
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    let expected = format!("a closing quote ({quote_char})");
                    return Err(self.error(start, expected, "end of expression".to_string()));
                }
                Some(c) if c == quote_char => {
                    self.pos += c.len_utf8();
                    return Ok((text, start));
                }
                Some('\\') => match self.peek_second() {
                    Some(escaped) if escaped == quote_char || escaped == '\\' => {
                        text.push(escaped);
                        self.pos += 1 + escaped.len_utf8();
                    }
                    _ => {
                        text.push('\\');
                        self.pos += 1;
                    }
                },
                Some(c) => {
                    text.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// Parses `[value, value, ...]` with at least one value.
    fn parse_list(&mut self) -> Result<Vec<(String, usize)>, QueryError> {
        self.skip_whitespace();
        let open = self.pos;
        if self.peek() != Some('[') {
            return Err(self.error_found_at(open, EXPECTED_LIST));
        }
        self.pos += 1;
        let mut values = Vec::new();
        loop {
            values.push(self.parse_value(EXPECTED_VALUE)?);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(values);
                }
                _ => {
                    let expected =
                        format!("',' or ']' closing the '[' at column {}", self.column(open));
                    return Err(self.error_found_at(self.pos, expected));
                }
            }
        }
    }

    /// **RULE:** `agentConnected` takes `true` or `false`, in any case.
    fn boolean(&self, text: String, at: usize) -> Result<bool, QueryError> {
        if text.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if text.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err(self.error(at, EXPECTED_BOOLEAN, quote(&text)))
        }
    }

    fn version(&self, text: String, at: usize) -> Result<Version, QueryError> {
        Version::parse(&text).ok_or_else(|| self.error(at, EXPECTED_VERSION, quote(&text)))
    }

    fn timestamp(&self, text: String, at: usize) -> Result<i64, QueryError> {
        timestamp::parse_epoch_ms(&text).ok_or_else(|| self.error(at, EXPECTED_DATE, quote(&text)))
    }

    fn integer(&self, text: String, at: usize) -> Result<i64, QueryError> {
        text.parse::<i64>()
            .map_err(|_| self.error(at, EXPECTED_INTEGER, quote(&text)))
    }

    /// Compiles a `=~`/`!~` argument to a regex that must match the whole value.
    ///
    /// **RULE:** whole-value match, like Java's `Pattern.matches` (`[DG23:cluster-query-
    /// language.md]` "conforms to the Java regular expression syntax"; `t2.*` selects
    /// `t2.micro` either way, but `t2` alone should not). The pattern is checked on its own
    /// first, so that an unbalanced `)` cannot escape the anchoring group.
    fn pattern(&self, text: &str, at: usize) -> Result<Pattern, QueryError> {
        let invalid = |error: regex::Error| {
            let found = format!("{} ({})", quote(text), regex_problem(&error));
            self.error(at, EXPECTED_REGEX, found)
        };
        Regex::new(text).map_err(invalid)?;
        let regex = Regex::new(&format!("^(?:{text})$")).map_err(invalid)?;
        Ok(Pattern { regex })
    }
}

/// The one-line reason inside a `regex::Error`, whose `Display` spans several lines.
fn regex_problem(error: &regex::Error) -> String {
    match error {
        regex::Error::Syntax(message) => message
            .lines()
            .rev()
            .find_map(|line| line.trim().strip_prefix("error: "))
            .unwrap_or("invalid syntax")
            .to_string(),
        regex::Error::CompiledTooBig(_) => "too large once compiled".to_string(),
        _ => "not supported".to_string(),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn error(src: &str) -> QueryError {
        match parse(src) {
            Ok(node) => panic!("{src:?} should not parse, got {node:?}"),
            Err(error) => error,
        }
    }

    /// Asserts the column, expected and found of the error `src` produces.
    pub(super) fn assert_error(src: &str, column: usize, expected: &str, found: &str) {
        let error = error(src);
        assert_eq!(
            (error.column, error.expected.as_str(), error.found.as_str()),
            (column, expected, found),
            "{src:?}"
        );
    }

    /// The tree's shape: `p` for a predicate, `and(..)`, `or(..)`, `not(..)`.
    pub(super) fn shape(src: &str) -> String {
        fn render(node: &Node) -> String {
            let list =
                |children: &[Node]| children.iter().map(render).collect::<Vec<_>>().join(",");
            match node {
                Node::Or(children) => format!("or({})", list(children)),
                Node::And(children) => format!("and({})", list(children)),
                Node::Not(child) => format!("not({})", render(child)),
                Node::Predicate(_) => "p".to_string(),
            }
        }
        match parse(src) {
            Ok(node) => render(&node),
            Err(error) => panic!("{src:?} should parse: {error}"),
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let (a, b, c) = ("task:group == a", "task:group == b", "task:group == c");
        assert_eq!(shape(&format!("{a} or {b} and {c}")), "or(p,and(p,p))");
        assert_eq!(shape(&format!("{a} and {b} or {c}")), "or(and(p,p),p)");
        assert_eq!(shape(&format!("({a} or {b}) and {c}")), "and(or(p,p),p)");
        assert_eq!(shape(&format!("{a} and {b} and {c}")), "and(p,p,p)");
        assert_eq!(shape(&format!("{a} || {b} || {c}")), "or(p,p,p)");
        assert_eq!(shape(&format!("{a} OR {b} && {c}")), "or(p,and(p,p))");
    }

    #[test]
    fn not_binds_tightest_and_nests() {
        let (a, b) = ("task:group == a", "task:group == b");
        assert_eq!(shape(&format!("not {a} and {b}")), "and(not(p),p)");
        assert_eq!(shape(&format!("not({a} and {b})")), "not(and(p,p))");
        assert_eq!(shape(&format!("!{a} or {b}")), "or(not(p),p)");
        assert_eq!(shape(&format!("! ({a})")), "not(p)");
        assert_eq!(shape(&format!("!!{a}")), "not(not(p))");
        assert_eq!(shape(&format!("NOT not {a}")), "not(not(p))");
        assert_eq!(shape(&format!("((({a})))")), "p");
    }

    #[test]
    fn operators_need_no_surrounding_spaces() {
        for (src, expected) in [
            ("task:group==database", "p"),
            ("attribute:stack!=prod", "p"),
            ("attribute:stack!exists", "p"),
            ("attribute:stack!in[dev,'prod']", "p"),
            ("attribute:stack=~p.*", "p"),
            ("attribute:stack!~p.*", "p"),
            ("runningTasksCount>=1", "p"),
            ("runningTasksCount<-1", "p"),
            ("attribute:stack in[dev]", "p"),
            ("attribute:stack exists&&attribute:zone exists", "and(p,p)"),
            (
                "attribute:stack exists||not(attribute:zone exists)",
                "or(p,not(p))",
            ),
            ("runningTasksCount>=2&&agentConnected==true", "and(p,p)"),
            ("(task:group==a)or(task:group==b)", "or(p,p)"),
        ] {
            assert_eq!(shape(src), expected, "{src}");
        }
    }

    #[test]
    fn subjects_are_case_insensitive() {
        for src in [
            "AGENTCONNECTED == true",
            "agentversion < 1.14.5",
            "Attribute:stack exists",
            "EC2INSTANCEID == i-1",
            "registeredat < 2018-02-13",
            "RunningTasksCount == 1",
            "TASK:GROUP == database",
        ] {
            assert_eq!(shape(src), "p", "{src}");
        }
    }

    #[test]
    fn bare_values_end_before_double_ampersand_and_bar() {
        assert_eq!(shape("task:group==a&&task:group==b"), "and(p,p)");
        assert_eq!(shape("task:group==a||!task:group==b"), "or(p,not(p))");
        assert_eq!(shape("attribute:a =~ t2.*|m5.*"), "p");
        assert_eq!(shape("attribute:a == x&y"), "p");
        assert_error("attribute:a == &&", 16, EXPECTED_VALUE, "'&&'");
    }

    #[test]
    fn keywords_are_plain_values_after_an_operator() {
        assert_eq!(shape("attribute:a == and"), "p");
        assert_eq!(shape("attribute:a in [or, not, and]"), "p");
        assert_eq!(shape("attribute:a == not or attribute:b == or"), "or(p,p)");
    }

    #[test]
    fn empty_expression() {
        assert_error("", 1, EXPECTED_OPERAND, "end of expression");
        assert_error("   ", 4, EXPECTED_OPERAND, "end of expression");
        assert_error("()", 2, EXPECTED_OPERAND, "')'");
        assert_error("not", 4, EXPECTED_OPERAND, "end of expression");
    }

    #[test]
    fn unknown_subject() {
        assert_error(
            "instanceType == t2.micro",
            1,
            EXPECTED_SUBJECT,
            "'instanceType'",
        );
        assert_error(
            "task:group == a and task:groups == b",
            21,
            EXPECTED_SUBJECT,
            "'task:groups'",
        );
        assert_error("!= prod", 1, EXPECTED_OPERAND, "'!='");
        assert_error("== prod", 1, EXPECTED_OPERAND, "'=='");
        assert_error(
            "task:group == a and",
            20,
            EXPECTED_OPERAND,
            "end of expression",
        );
    }

    #[test]
    fn bad_attribute_name() {
        assert_error(
            "attribute:",
            11,
            EXPECTED_ATTRIBUTE_NAME,
            "end of expression",
        );
        assert_error("attribute:==x", 11, EXPECTED_ATTRIBUTE_NAME, "'=='");
        assert_error(
            "attribute:foo:bar exists",
            14,
            EXPECTED_ATTRIBUTE_NAME,
            "':'",
        );
        assert_error("attribute:café exists", 14, EXPECTED_ATTRIBUTE_NAME, "'é'");
        let long = "a".repeat(129);
        assert_error(
            &format!("attribute:{long} exists"),
            139,
            EXPECTED_ATTRIBUTE_NAME,
            "a name of 129 characters",
        );
        shape(&format!("attribute:{} exists", "a".repeat(128)));
        shape(r"attribute:My_Attr-1/x\y.z exists");
    }

    #[test]
    fn control_characters_are_refused_at_their_column() {
        assert_error(
            "attribute:stack == pr\u{0}od",
            22,
            EXPECTED_PRINTABLE,
            "the control character U+0000",
        );
        for (src, column, found) in [
            ("\u{0}", 1, "the control character U+0000"),
            ("attribute:a ==\tb", 15, "the control character U+0009"),
            (
                "task:group == a\nor task:group == b",
                16,
                "the control character U+000A",
            ),
            (
                "attribute:a == 'x\u{7f}'",
                18,
                "the control character U+007F",
            ),
            (
                "attribute:a == 'é\u{85}'",
                18,
                "the control character U+0085",
            ),
        ] {
            assert_error(src, column, EXPECTED_PRINTABLE, found);
        }
    }

    #[test]
    fn missing_argument() {
        assert_error(
            "attribute:stack ==",
            19,
            EXPECTED_VALUE,
            "end of expression",
        );
        assert_error("(task:group == )", 16, EXPECTED_VALUE, "')'");
        assert_error("attribute:stack == , x", 20, EXPECTED_VALUE, "','");
        assert_error("attribute:stack in", 19, EXPECTED_LIST, "end of expression");
        assert_error("attribute:stack in prod", 20, EXPECTED_LIST, "'prod'");
        assert_error("attribute:stack =~ [a]", 20, EXPECTED_PATTERN, "'['");
    }

    #[test]
    fn unbalanced_brackets() {
        assert_error("attribute:a in []", 17, EXPECTED_VALUE, "']'");
        assert_error("attribute:a in [x,]", 19, EXPECTED_VALUE, "']'");
        assert_error(
            "attribute:a in [x, y",
            21,
            "',' or ']' closing the '[' at column 16",
            "end of expression",
        );
        assert_error(
            "attribute:a in [x y]",
            19,
            "',' or ']' closing the '[' at column 16",
            "'y'",
        );
        assert_error("attribute:a in x]", 16, EXPECTED_LIST, "'x'");
    }

    #[test]
    fn unbalanced_parentheses() {
        assert_error(
            "(attribute:stack == prod",
            25,
            "'and', 'or', '&&', '||' or ')' closing the '(' at column 1",
            "end of expression",
        );
        assert_error(
            "task:group == a and (task:group == b or (task:group == c)",
            58,
            "'and', 'or', '&&', '||' or ')' closing the '(' at column 21",
            "end of expression",
        );
        assert_error("attribute:stack == prod)", 24, EXPECTED_END, "')'");
        assert_error(")", 1, EXPECTED_OPERAND, "')'");
    }

    #[test]
    fn trailing_input() {
        assert_error("attribute:stack == prod dev", 25, EXPECTED_END, "'dev'");
        assert_error("agentConnected == true false", 24, EXPECTED_END, "'false'");
        assert_error("attribute:stack exists prod", 24, EXPECTED_END, "'prod'");
        assert_error("attribute:a == 'x'y", 19, EXPECTED_END, "'y'");
        assert_error(
            "(task:group == a) task:group == b",
            19,
            EXPECTED_END,
            "'task:group'",
        );
        assert_error(
            "(task:group == a b)",
            18,
            "'and', 'or', '&&', '||' or ')' closing the '(' at column 1",
            "'b'",
        );
    }

    #[test]
    fn unterminated_quote() {
        assert_error(
            "attribute:a == 'prod",
            16,
            "a closing quote (')",
            "end of expression",
        );
        assert_error(
            r#"attribute:a in ["x", "y\"]"#,
            22,
            "a closing quote (\")",
            "end of expression",
        );
    }

    #[test]
    fn arguments_of_the_wrong_type() {
        assert_error("agentConnected == yes", 19, EXPECTED_BOOLEAN, "'yes'");
        assert_error("agentVersion < 1.x", 16, EXPECTED_VERSION, "'1.x'");
        assert_error("agentVersion >= latest", 17, EXPECTED_VERSION, "'latest'");
        assert_error(
            "registeredAt < 2018-02-30",
            16,
            EXPECTED_DATE,
            "'2018-02-30'",
        );
        assert_error("registeredAt < 'Feb 13'", 16, EXPECTED_DATE, "'Feb 13'");
        assert_error("runningTasksCount == 1.5", 22, EXPECTED_INTEGER, "'1.5'");
        assert_error("runningTasksCount != [1]", 22, EXPECTED_VALUE, "'['");
    }

    #[test]
    fn invalid_regex_is_reported_at_the_argument() {
        assert_error(
            "attribute:a =~ '(t2'",
            16,
            EXPECTED_REGEX,
            "'(t2' (unclosed group)",
        );
        // RULE: a bare value ends at a parenthesis, so a pattern with groups must be quoted.
        assert_error("attribute:a =~ (t2|m5).*", 16, EXPECTED_PATTERN, "'('");
        assert_eq!(shape("attribute:a =~ '(t2|m5).*'"), "p");
        // A `)` must not be able to close the anchoring group and escape the whole-value match.
        let escaped = error("attribute:a =~ 'x)|(.*'");
        assert_eq!(
            (escaped.column, escaped.expected.as_str()),
            (16, EXPECTED_REGEX)
        );
        // Java features the regex crate lacks are errors, not silent mismatches.
        let lookahead = error("ec2InstanceId !~ 'i-(?=0)'");
        assert_eq!(
            (lookahead.column, lookahead.expected.as_str()),
            (18, EXPECTED_REGEX)
        );
    }

    #[test]
    fn nesting_is_limited() {
        let ok = format!("{}task:group == a{}", "(".repeat(64), ")".repeat(64));
        assert_eq!(shape(&ok), "p");
        let deep = format!("{}task:group == a{}", "(".repeat(65), ")".repeat(65));
        assert_error(
            &deep,
            65,
            "at most 64 nested parentheses and negations",
            "'('",
        );
        let nots = format!("{}task:group == a", "not ".repeat(65));
        assert_eq!(error(&nots).column, 257);
        // Far past the limit: an error, not a stack overflow.
        assert_eq!(error(&"(".repeat(100_000)).column, 65);
        assert_eq!(error(&"!".repeat(100_000)).column, 65);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_error("attribute:a == 'ééé' é", 22, EXPECTED_END, "'é'");
        assert_error("attribute:a == ééé x", 20, EXPECTED_END, "'x'");
        assert_error("attribute: == x", 11, EXPECTED_ATTRIBUTE_NAME, "whitespace");
    }

    #[test]
    fn long_found_text_is_shortened() {
        let long = "x".repeat(100);
        let error = error(&format!("attribute:a == b {long}"));
        assert_eq!(error.found, format!("'{}...'", "x".repeat(FOUND_CHARS_MAX)));
    }
}
