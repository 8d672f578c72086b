//! `aws ecs describe-capacity-providers` (`capacityProviders`): nothing is carried from it; an
//! Auto Scaling group provider is said to be dropped (its group's sizes and launch template are
//! not in the ECS outputs).

use super::clusters::carried_provider;
use super::{opt_str, Errors, Item, Notes};

/// Notes every provider that is not carried.
pub(super) fn read(items: &[Item], errors: &mut Errors, notes: &mut Notes) {
    for item in items {
        if let Some(n) = opt_str(item, "name", errors) {
            if !carried_provider(n) {
                notes.add(format!(
                    "capacity provider {n}: an Auto Scaling group provider, not carried (the outputs do not describe its group's sizes and launch template)"
                ));
            }
        }
    }
}
