//! Dotted-version comparison for the `agentVersion` subject.
//!
//! Source: `[DG23:cluster-query-language.md]` "find instances that are running outdated versions
//! of the Amazon ECS container agent", with the example `agentVersion < 1.14.5`. Comparing the
//! text would put 1.9 after 1.10, so versions compare component by component, numerically.

use std::cmp::Ordering;

/// A version argument from the expression, such as `1.14.5`, parsed once at compile time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Version {
    components: Vec<u64>,
}

impl Version {
    /// Parses a dotted version made only of decimal components (`1`, `1.14`, `1.14.5`).
    ///
    /// **RULE:** an argument that is not a dotted list of decimal numbers is an error rather than
    /// a text comparison, so that a typo such as `1.14,5` cannot silently match everything.
    pub(crate) fn parse(text: &str) -> Option<Version> {
        let components = text
            .split('.')
            .map(|component| {
                if component.is_empty() || !component.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                component.parse::<u64>().ok()
            })
            .collect::<Option<Vec<u64>>>()?;
        Some(Version { components })
    }

    /// Compares an instance's agent version text with this version; `Less` means the
    /// instance runs the older agent.
    ///
    /// **RULE:** missing components count as 0 (so `1.14` equals `1.14.0`), and each component
    /// of the instance's version is the number its leading digits spell (so `1.17.3-beta` reads
    /// as `1.17.3`; a component without digits reads as 0). This never allocates: it runs once
    /// per instance per placement.
    pub(crate) fn compare_instance(&self, instance_version: &str) -> Ordering {
        let mut instance_components = instance_version.split('.').map(leading_number);
        let mut argument_components = self.components.iter().copied();
        loop {
            match (instance_components.next(), argument_components.next()) {
                (None, None) => return Ordering::Equal,
                (instance, argument) => {
                    let ordering = instance.unwrap_or(0).cmp(&argument.unwrap_or(0));
                    if ordering != Ordering::Equal {
                        return ordering;
                    }
                }
            }
        }
    }
}

/// The number spelled by the leading ASCII digits of `component`, saturating at `u64::MAX`.
fn leading_number(component: &str) -> u64 {
    component
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0_u64, |value, digit| {
            value
                .saturating_mul(10)
                .saturating_add(u64::from(digit - b'0'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(instance: &str, argument: &str) -> Ordering {
        Version::parse(argument)
            .expect("test argument is a version")
            .compare_instance(instance)
    }

    #[test]
    fn components_compare_numerically() {
        assert_eq!(compare("1.14.4", "1.14.5"), Ordering::Less);
        assert_eq!(compare("1.14.5", "1.14.5"), Ordering::Equal);
        assert_eq!(compare("1.17.3", "1.14.5"), Ordering::Greater);
        assert_eq!(compare("1.9.0", "1.14.5"), Ordering::Less);
        assert_eq!(compare("1.9", "1.10"), Ordering::Less);
        assert_eq!(compare("10.0.0", "9.99.99"), Ordering::Greater);
    }

    #[test]
    fn missing_components_are_zero() {
        assert_eq!(compare("1.14", "1.14.0"), Ordering::Equal);
        assert_eq!(compare("1.14.0.0", "1.14"), Ordering::Equal);
        assert_eq!(compare("1.14.0.1", "1.14"), Ordering::Greater);
        assert_eq!(compare("", "0"), Ordering::Equal);
    }

    #[test]
    fn instance_suffixes_are_ignored() {
        assert_eq!(compare("1.17.3-beta", "1.17.3"), Ordering::Equal);
        assert_eq!(compare("v1", "0"), Ordering::Equal);
        assert_eq!(
            compare("99999999999999999999999", "18446744073709551615"),
            Ordering::Equal
        );
    }

    #[test]
    fn arguments_must_be_dotted_numbers() {
        for text in [
            "",
            "1.",
            ".1",
            "1..2",
            "1.x",
            "1.14,5",
            "+1",
            "1 .2",
            "99999999999999999999999",
        ] {
            assert_eq!(Version::parse(text), None, "{text}");
        }
        assert!(Version::parse("007.1").is_some());
    }
}
