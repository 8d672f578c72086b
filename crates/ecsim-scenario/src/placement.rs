//! Placement constraints, placement strategies and cluster query language expressions, as they
//! appear in RunTask, RegisterTaskDefinition and the simulator actions.

use crate::cx::{as_array, as_str, object, unknown_message, Cx, Field};
use crate::path::Path;
use ecsim_model::PlacementConstraint;
use ecsim_placement::{BinpackField, PlacementStrategy, SpreadField};
use ecsim_query::Expression;
use serde_json::Value;
use std::sync::Arc;

/// API: PlacementConstraint.expression — "The expression can have a maximum length of 2000
/// characters."
pub(crate) const EXPRESSION_MAX_CHARS: usize = 2000;

/// API: RunTask.placementStrategy — "You can specify a maximum of 5 strategy rules for each task."
pub(crate) const STRATEGIES_MAX: usize = 5;

/// API: RunTask.placementConstraints — "You can specify up to 10 constraints for each task
/// (including constraints in the task definition and those specified at runtime)."
pub(crate) const CONSTRAINTS_MAX: usize = 10;

/// Parses a cluster query language expression held in a JSON string. A syntax error points at
/// the offending character inside the string.
pub(crate) fn expression(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    max_chars: Option<usize>,
) -> Option<Arc<Expression>> {
    let text = as_str(cx, value, path)?;
    if let Some(max) = max_chars {
        let chars = text.chars().count();
        if chars > max {
            cx.error_value(
                path,
                value,
                format!(
                    "the expression has {chars} characters; the maximum is {max} (API: \"The expression can have a maximum length of 2000 characters.\")"
                ),
            );
            return None;
        }
    }
    match Expression::parse(text) {
        Ok(e) => Some(Arc::new(e)),
        Err(e) => {
            cx.error_in_string(
                path,
                value,
                e.column.saturating_sub(1),
                format!(
                    "invalid cluster query language expression at column {} of the expression: expected {}, found {}",
                    e.column, e.expected, e.found
                ),
            );
            None
        }
    }
}

/// Where constraints are given: the task definition accepts only memberOf.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConstraintSite {
    TaskDefinition,
    Request,
}

/// API: PlacementConstraint / TaskDefinitionPlacementConstraint.
pub(crate) fn constraints(
    cx: &mut Cx,
    value: &Value,
    path: &Path,
    site: ConstraintSite,
) -> Vec<PlacementConstraint> {
    let Some(items) = as_array(cx, value, path) else {
        return Vec::new();
    };
    if items.len() > CONSTRAINTS_MAX {
        cx.error(
            path,
            format!(
                "{} placement constraints; at most {CONSTRAINTS_MAX} are allowed (API: \"You can specify a maximum of 10 constraints for each task.\")",
                items.len()
            ),
        );
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(o) = object(
            cx,
            item,
            &p,
            "a placement constraint {\"type\": ..., \"expression\": ...}",
            &[("expression", Field::Used), ("type", Field::Used)],
        ) else {
            continue;
        };
        // DG: task-placement-constraints — "The constraint type is required, but the expression
        // is optional."
        let Some(kind) = o.req_str(
            cx,
            "type",
            "write \"type\": \"memberOf\" or \"distinctInstance\"",
        ) else {
            continue;
        };
        let kind_value = o.get("type").unwrap_or(&Value::Null);
        match (kind, site) {
            ("memberOf", _) => {
                let Some(expr) = o.get("expression") else {
                    o.missing(
                        cx,
                        "expression",
                        "a memberOf constraint needs a cluster query language expression",
                    );
                    continue;
                };
                // API: the 2000-character limit is PlacementConstraint's (RunTask, CreateService,
                // UpdateService); TaskDefinitionPlacementConstraint.expression states none.
                let max_chars = match site {
                    ConstraintSite::Request => Some(EXPRESSION_MAX_CHARS),
                    ConstraintSite::TaskDefinition => None,
                };
                if let Some(e) = expression(cx, expr, &o.at("expression"), max_chars) {
                    out.push(PlacementConstraint::MemberOf(e));
                }
            }
            ("distinctInstance", ConstraintSite::TaskDefinition) => {
                // API ClientException (RegisterTaskDefinition): "constraint.type
                // 'distinctInstance' is not supported." Only memberOf is valid in a task
                // definition (API: TaskDefinitionPlacementConstraint.type).
                cx.error_value(
                    &o.at("type"),
                    kind_value,
                    "constraint.type 'distinctInstance' is not supported in a task definition; put it in the RunTask request's placementConstraints instead",
                );
            }
            ("distinctInstance", ConstraintSite::Request) => {
                if o.has("expression") {
                    // API: PlacementConstraint.expression.
                    cx.error(
                        &o.at("expression"),
                        "an expression is not allowed on distinctInstance: \"You can't specify an expression if the constraint type is distinctInstance.\" (API: PlacementConstraint.expression); remove the expression",
                    );
                } else {
                    out.push(PlacementConstraint::DistinctInstance);
                }
            }
            _ => {
                let valid: &[&str] = match site {
                    ConstraintSite::TaskDefinition => &["memberOf"],
                    ConstraintSite::Request => &["memberOf", "distinctInstance"],
                };
                cx.error_value(
                    &o.at("type"),
                    kind_value,
                    unknown_message("constraint type", kind, valid),
                );
            }
        }
    }
    out
}

/// API: PlacementStrategy, at most five, in array order.
pub(crate) fn strategies(cx: &mut Cx, value: &Value, path: &Path) -> Vec<PlacementStrategy> {
    let Some(items) = as_array(cx, value, path) else {
        return Vec::new();
    };
    if items.len() > STRATEGIES_MAX {
        cx.error(
            path,
            format!(
                "{} placement strategies; at most {STRATEGIES_MAX} are allowed (API: \"You can specify a maximum of 5 strategy rules for each task.\")",
                items.len()
            ),
        );
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(o) = object(
            cx,
            item,
            &p,
            "a placement strategy {\"type\": ..., \"field\": ...}",
            &[("field", Field::Used), ("type", Field::Used)],
        ) else {
            continue;
        };
        let Some(kind) = o.req_str(
            cx,
            "type",
            "write \"type\": \"binpack\", \"spread\" or \"random\"",
        ) else {
            continue;
        };
        let field_value = o.get("field");
        let field = o.str(cx, "field");
        match kind {
            "binpack" => {
                // API: PlacementStrategy.field — "For the binpack placement strategy, valid
                // values are cpu and memory." RULE: case-insensitive, as ECS echoes MEMORY.
                match field {
                    Some(f) if f.eq_ignore_ascii_case("cpu") => {
                        out.push(PlacementStrategy::Binpack(BinpackField::Cpu))
                    }
                    Some(f) if f.eq_ignore_ascii_case("memory") => {
                        out.push(PlacementStrategy::Binpack(BinpackField::Memory))
                    }
                    Some(_) => cx.error_value(
                        &o.at("field"),
                        field_value.unwrap_or(&Value::Null),
                        "binpack works on field cpu or memory only (API: PlacementStrategy.field)",
                    ),
                    None if field_value.is_none() => o.missing(
                        cx,
                        "field",
                        "binpack needs \"field\": \"cpu\" or \"memory\"",
                    ),
                    None => {}
                }
            }
            "spread" => {
                // API: PlacementStrategy.field — "valid values are instanceId (or host, which has
                // the same effect), or any platform or custom attribute".
                match field {
                    Some(f) if f.eq_ignore_ascii_case("instanceId") || f.eq_ignore_ascii_case("host") => {
                        out.push(PlacementStrategy::Spread(SpreadField::Instance))
                    }
                    Some(f) => match f.strip_prefix("attribute:") {
                        Some(name) if !name.is_empty() => out.push(PlacementStrategy::Spread(
                            SpreadField::Attribute(name.to_string()),
                        )),
                        _ => cx.error_value(
                            &o.at("field"),
                            field_value.unwrap_or(&Value::Null),
                            "spread works on field instanceId, host or attribute:NAME (for example attribute:ecs.availability-zone)",
                        ),
                    },
                    None if field_value.is_none() => o.missing(
                        cx,
                        "field",
                        "spread needs a field: instanceId, host or attribute:NAME",
                    ),
                    None => {}
                }
            }
            "random" => {
                // API: PlacementStrategy.field — "For the random placement strategy, this field
                // is not used." RULE: accepted and listed as ignored.
                if field_value.is_some() {
                    cx.ignore(&o.at("field"));
                }
                out.push(PlacementStrategy::Random);
            }
            other => o.error_field(
                cx,
                "type",
                unknown_message(
                    "placement strategy type",
                    other,
                    &["random", "spread", "binpack"],
                ),
            ),
        }
    }
    out
}
