//! The Amazon ECS cluster query language: parses `memberOf` expressions and evaluates them
//! against container instances.
//!
//! Source: `[DG23:cluster-query-language.md]` and SPEC §5. An expression is parsed once into an
//! [`Expression`] (all arguments converted and regexes compiled up front) and then evaluated
//! against each candidate instance through the [`InstanceView`] trait, so this crate depends on
//! no other ecsim crate.
//!
//! ```
//! use ecsim_query::Expression;
//!
//! let expression = Expression::parse("attribute:ecs.instance-type =~ t2.* and \
//!                                     not(task:group == database)").unwrap();
//! assert_eq!(expression.source(), "attribute:ecs.instance-type =~ t2.* and not(task:group == database)");
//!
//! let error = Expression::parse("runningTasksCount >= many").unwrap_err();
//! assert_eq!(error.to_string(), "column 22: expected an integer, found 'many'");
//! ```
//!
//! The **RULE**s (choices the docs leave open) are documented where they are implemented:
//! grammar and tokens in `parser`, operators and the subjects that take them in `parser::operator`,
//! comparisons in `ast` and `version`, dates in `timestamp`, missing attributes and `task:group` in
//! `eval`.

mod ast;
mod error;
mod eval;
mod parser;
mod timestamp;
mod version;

use std::fmt;

pub use error::QueryError;

/// Compares an agent version (`1.17.3`, `1.17.3-beta`) with a dotted version of decimal numbers, as
/// `agentVersion` does in the query language; None when `version` is not dotted decimal numbers.
pub fn compare_agent_version(agent_version: &str, version: &str) -> Option<std::cmp::Ordering> {
    version::Version::parse(version).map(|v| v.compare_instance(agent_version))
}

/// What the evaluator needs to know about one container instance.
pub trait InstanceView {
    /// `None`: attribute absent. `Some(None)`: present without a value.
    /// `Some(Some(v))`: present with value `v`.
    fn attribute(&self, name: &str) -> Option<Option<&str>>;
    fn agent_connected(&self) -> bool;
    /// For example `"1.17.3"`.
    fn agent_version(&self) -> &str;
    /// For example `"i-00000000000000001"`.
    fn ec2_instance_id(&self) -> &str;
    /// Unix epoch milliseconds, UTC.
    fn registered_at_ms(&self) -> i64;
    fn running_tasks_count(&self) -> u32;
    /// True when the instance runs at least one task of this group with desired status RUNNING.
    fn has_task_group(&self, group: &str) -> bool;
    /// Every task group with a task (desired RUNNING) on the instance, in any stable order.
    fn task_groups(&self) -> Vec<&str>;
}

/// A parsed cluster query language expression, ready to evaluate against instances.
///
/// Keeps the source text so it can be shown back to the user unchanged.
#[derive(Clone, Debug)]
pub struct Expression {
    source: String,
    root: ast::Node,
}

impl Expression {
    /// Parses and validates `src`: no control characters, the subject, operator (one the
    /// subject takes, per the documented table) and argument of every predicate, argument types
    /// (versions, dates, integers, booleans) and regexes.
    ///
    /// The 2000-character limit (`[API:L21827]`) is the caller's to enforce: the API states it for
    /// PlacementConstraint expressions only.
    pub fn parse(src: &str) -> Result<Expression, QueryError> {
        let root = parser::parse(src)?;
        Ok(Expression {
            source: src.to_string(),
            root,
        })
    }

    /// The expression exactly as it was given to [`Expression::parse`].
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `instance` satisfies the expression.
    pub fn matches(&self, instance: &dyn InstanceView) -> bool {
        self.root.evaluate(instance)
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Instance;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn expression_is_send_and_sync() {
        assert_send_sync::<Expression>();
        assert_send_sync::<QueryError>();
    }

    #[test]
    fn display_and_source_print_the_text_as_given() {
        let text = "  attribute:stack   EQUALS prod ";
        let expression = Expression::parse(text).unwrap();
        assert_eq!(expression.source(), text);
        assert_eq!(expression.to_string(), text);
        assert!(expression
            .clone()
            .matches(&Instance::new().attribute("stack", "prod")));
    }
}
