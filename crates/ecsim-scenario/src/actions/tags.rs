//! EC2 tags of launched and registered instances (SPEC §13.1): LaunchContainerInstances', an
//! Auto Scaling group's and RegisterContainerInstance's `tags`, which DescribeInstanceImageMetadata
//! reports and filters on.

use crate::cx::{as_array, object, Cx, Field};
use crate::path::Path;
use serde_json::Value;

/// EC2: "You can assign a maximum of 50 tags to a resource" (Tag restrictions).
const TAGS_MAX: usize = 50;

/// `tags`: `[{"key", "value"}]` as SPEC §13.1 writes them, or, where `ec2_spelling` (the
/// simulator's own actions), `[{"Key", "Value"}]` as EC2 and EC2 Auto Scaling do (RULE, ours: either
/// spelling, one per tag; an ECS request such as RegisterContainerInstance takes the ECS API's
/// `Tag` only); a key of 1 to 128 characters not starting with `aws:`, a value of at most 256
/// (absent: empty), each key once.
pub(crate) fn ec2_tags(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    ec2_spelling: bool,
) -> Vec<(String, String)> {
    let Some(items) = as_array(cx, value, path) else {
        return Vec::new();
    };
    if items.len() > TAGS_MAX {
        cx.error_value(
            path,
            value,
            format!(
                "{} tags given; an instance takes at most {TAGS_MAX} (EC2 tag restrictions)",
                items.len()
            ),
        );
        return Vec::new();
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let capitalized =
            ec2_spelling && (item.get("Key").is_some() || item.get("Value").is_some());
        let (key_name, value_name) = if capitalized {
            ("Key", "Value")
        } else {
            ("key", "value")
        };
        let Some(t) = object(
            cx,
            item,
            &path.index(i),
            "a tag {\"key\": ..., \"value\": ...}",
            &[(key_name, Field::Used), (value_name, Field::Used)],
        ) else {
            continue;
        };
        let Some(key) = t.req_str(cx, key_name, "the tag's key, e.g. \"key\": \"team\"") else {
            continue;
        };
        if key.is_empty() || key.chars().count() > 128 {
            t.error_field(cx, key_name, "expected a tag key of 1 to 128 characters");
            continue;
        }
        if key.starts_with("aws:") {
            t.error_field(
                cx,
                key_name,
                "tag keys starting with aws: are reserved for AWS use",
            );
            continue;
        }
        let tag_value = t.str(cx, value_name).unwrap_or("");
        if tag_value.chars().count() > 256 {
            t.error_field(
                cx,
                value_name,
                "expected a tag value of at most 256 characters",
            );
            continue;
        }
        if out.iter().any(|(k, _)| k == key) {
            t.error_field(
                cx,
                key_name,
                format!("tag '{key}' is given twice: each tag key must be unique; keep one"),
            );
            continue;
        }
        out.push((key.to_string(), tag_value.to_string()));
    }
    out
}
