//! What can go wrong before a run: a scenario that does not load, an override that names nothing.

use std::fmt;

/// Why a scenario could not be built, loaded or changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The scenario is invalid: every error the loader found, each with its JSON path, line and
    /// column (of the JSON the scenario was loaded from) and what was expected.
    Invalid(Vec<ecsim_scenario::ScenarioError>),
    /// A file could not be read.
    Io {
        /// The file.
        path: String,
        /// What the system said.
        message: String,
    },
    /// An RFC 6901 pointer names nothing in the scenario, or is not a pointer.
    Pointer {
        /// The pointer as given.
        pointer: String,
        /// What is wrong with it.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(errors) => {
                for (k, e) in errors.iter().enumerate() {
                    if k > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            Error::Io { path, message } => write!(f, "{path}: {message}"),
            Error::Pointer { pointer, message } => write!(f, "{pointer}: {message}"),
        }
    }
}

impl std::error::Error for Error {}
