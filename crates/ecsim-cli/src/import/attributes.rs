//! `aws ecs list-attributes` (`attributes`): attributes by target, added to the container
//! instance each names (by its ARN, the ARN's last part, or its EC2 id).

use super::{opt_str, req_str, Errors, Item};

/// One listed attribute and the target it names.
pub(super) struct TargetedAttribute {
    /// An ARN or an id, as the output gives it.
    pub target: String,
    pub name: String,
    pub value: Option<String>,
}

impl TargetedAttribute {
    /// Whether it names the container instance of ARN `arn` and EC2 id `ec2_instance_id`.
    pub fn targets(&self, arn: Option<&str>, ec2_instance_id: &str) -> bool {
        Some(self.target.as_str()) == arn
            || arn.is_some_and(|a| a.ends_with(&format!("/{}", self.target)))
            || self.target == ec2_instance_id
    }
}

/// The attributes in the order listed.
pub(super) fn read(items: &[Item], errors: &mut Errors) -> Vec<TargetedAttribute> {
    let mut out = Vec::new();
    for item in items {
        let (Some(n), Some(target)) = (
            req_str(item, "name", errors),
            req_str(item, "targetId", errors),
        ) else {
            continue;
        };
        let value = opt_str(item, "value", errors).map(str::to_string);
        out.push(TargetedAttribute {
            target: target.to_string(),
            name: n.to_string(),
            value,
        });
    }
    out
}
