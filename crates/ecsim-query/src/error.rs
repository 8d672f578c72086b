//! The one error a query can produce: where in the expression it went wrong and what was expected there.

use std::fmt;

/// A syntax or argument error in a cluster query language expression.
///
/// Every problem is reported at the 1-based *character* column where it starts, with what the
/// parser expected there and what it found instead, because SPEC §5 asks that "syntax errors
/// name the column and what was expected".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// 1-based character column in the expression where the problem starts.
    pub column: usize,
    /// What was expected, e.g. "an operator (==, !=, ...)".
    pub expected: String,
    /// What was there, e.g. "'foo'" or "end of expression".
    pub found: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column {}: expected {}, found {}",
            self.column, self.expected, self.found
        )
    }
}

impl std::error::Error for QueryError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lowercase_without_trailing_period() {
        let error = QueryError {
            column: 12,
            expected: "a value".to_string(),
            found: "end of expression".to_string(),
        };
        assert_eq!(
            error.to_string(),
            "column 12: expected a value, found end of expression"
        );
    }
}
