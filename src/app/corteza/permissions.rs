//! Corteza's permission rules as its `/permissions/` endpoints read and write them: the
//! whitelist of what a rule may name, the caller's effective permissions, and each role's
//! rules (reading and writing them needs `grant` on `system`).

use super::{error, parse_id, rbac};
use crate::auth::Caller;
use crate::contract::types::{
    CortezaEffectivePermission, CortezaPermission, CortezaRule, CortezaRuleAccess,
};
use crate::error::ApiError;
use crate::store::entity::corteza_rule;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// What a rule may name: each resource type (`system`, or a type prefix whose rules name one
/// object or `*`) with its operations, in Corteza's order.
const WHITELIST: [(&str, &[&str]); 5] = [
    (
        "system",
        &[
            "access",
            "grant",
            "settings.read",
            "settings.manage",
            "organisation.create",
            "role.create",
            "user.create",
            "application.create",
            "reminder.assign",
        ],
    ),
    ("system:organisation:", &["access"]),
    ("system:application:", &["read", "update", "delete"]),
    (
        "system:user:",
        &[
            "read",
            "update",
            "delete",
            "suspend",
            "unsuspend",
            "unmask.email",
            "unmask.name",
            "impersonate",
        ],
    ),
    (
        "system:role:",
        &["read", "update", "delete", "members.manage"],
    ),
];

/// The operations `GET /permissions/effective` answers, on `system`.
const EFFECTIVE: [&str; 7] = [
    "access",
    "grant",
    "settings.read",
    "settings.manage",
    "application.create",
    "role.create",
    "organisation.create",
];

const REFUSED: &str = "not allowed to set permissions";

/// `GET /permissions/`: the whitelist.
pub fn whitelist() -> Vec<CortezaPermission> {
    WHITELIST
        .iter()
        .flat_map(|(resource, operations)| {
            operations.iter().map(|operation| CortezaPermission {
                resource: (*resource).to_owned(),
                operation: (*operation).to_owned(),
            })
        })
        .collect()
}

/// `GET /permissions/effective`: whether the caller may do each of seven operations on
/// `system` (Corteza ignores the `resource` asked for, and so does this).
pub async fn effective(caller: &Caller) -> Result<Vec<CortezaEffectivePermission>, ApiError> {
    let checker = rbac::Checker::load(caller).await?;
    Ok(EFFECTIVE
        .iter()
        .map(|operation| CortezaEffectivePermission {
            resource: "system".to_owned(),
            operation: (*operation).to_owned(),
            allow: checker.allows("system", operation),
        })
        .collect())
}

/// Whether a rule's resource and operation are in the whitelist: `system` itself, or a
/// typed resource naming one object (a number) or all of them (`*`).
fn whitelisted(resource: &str, operation: &str) -> bool {
    WHITELIST.iter().any(|(prefix, operations)| {
        let resource_ok = if prefix.ends_with(':') {
            resource.strip_prefix(prefix).is_some_and(|rest| {
                rest == "*" || (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
            })
        } else {
            resource == *prefix
        };
        resource_ok && operations.contains(&operation)
    })
}

fn to_api(row: corteza_rule::Model) -> CortezaRule {
    CortezaRule {
        role_id: Some(row.role_id.to_string()),
        resource: row.resource,
        operation: row.operation,
        access: if row.access == "deny" {
            CortezaRuleAccess::Deny
        } else {
            CortezaRuleAccess::Allow
        },
    }
}

/// `GET /permissions/{roleID}/rules`: `grant` on `system`.
pub async fn rules(caller: &Caller, role_id: &str) -> Result<Vec<CortezaRule>, ApiError> {
    let role = parse_id(role_id)?;
    rbac::require(caller, "system", "grant", REFUSED).await?;
    Ok(corteza_rule::Entity::find()
        .filter(corteza_rule::Column::RoleId.eq(role))
        .order_by_asc(corteza_rule::Column::Resource)
        .order_by_asc(corteza_rule::Column::Operation)
        .all(caller.state.db())
        .await?
        .into_iter()
        .map(to_api)
        .collect())
}

/// `DELETE /permissions/{roleID}/rules`: `grant` on `system`; every rule of the role goes.
pub async fn clear(caller: &Caller, role_id: &str) -> Result<(), ApiError> {
    let role = parse_id(role_id)?;
    rbac::require(caller, "system", "grant", REFUSED).await?;
    corteza_rule::Entity::delete_many()
        .filter(corteza_rule::Column::RoleId.eq(role))
        .exec(caller.state.db())
        .await?;
    Ok(())
}

/// `PATCH /permissions/{roleID}/rules`: `grant` on `system`. Each rule is the path role's
/// (whatever `roleID` it names); `allow` and `deny` replace the rule on the same resource
/// and operation, `inherit` removes it. A rule outside the whitelist refuses the whole
/// request; the rest are written in one transaction.
pub async fn merge(
    caller: &Caller,
    role_id: &str,
    rules: Vec<CortezaRule>,
) -> Result<(), ApiError> {
    let role = parse_id(role_id)?;
    rbac::require(caller, "system", "grant", REFUSED).await?;
    if let Some(bad) = rules
        .iter()
        .find(|r| !whitelisted(&r.resource, &r.operation))
    {
        return Err(error(super::INTERNAL).detail(format!(
            "{} {} is not a permission",
            bad.resource, bad.operation
        )));
    }
    // Rules are written in the order of their keys (one given twice: the last wins), so
    // concurrent updates lock them in one order and never deadlock.
    let mut rules = rules;
    rules.sort_by(|a, b| (&a.resource, &a.operation).cmp(&(&b.resource, &b.operation)));
    let txn = caller.state.begin_write().await?;
    for rule in rules {
        let key = corteza_rule::Entity::find()
            .filter(corteza_rule::Column::RoleId.eq(role))
            .filter(corteza_rule::Column::Resource.eq(&rule.resource))
            .filter(corteza_rule::Column::Operation.eq(&rule.operation));
        let access = match rule.access {
            CortezaRuleAccess::Allow => "allow",
            CortezaRuleAccess::Deny => "deny",
            CortezaRuleAccess::Inherit => {
                if let Some(row) = key.one(&txn).await? {
                    corteza_rule::Entity::delete_by_id((row.role_id, row.resource, row.operation))
                        .exec(&txn)
                        .await?;
                }
                continue;
            }
        };
        let row = corteza_rule::ActiveModel {
            role_id: Set(role),
            resource: Set(rule.resource),
            operation: Set(rule.operation),
            access: Set(access.to_owned()),
        };
        corteza_rule::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    corteza_rule::Column::RoleId,
                    corteza_rule::Column::Resource,
                    corteza_rule::Column::Operation,
                ])
                .update_column(corteza_rule::Column::Access)
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{whitelist, whitelisted};

    #[test]
    fn the_whitelist_is_corteza_2020_9s() {
        assert_eq!(whitelist().len(), 25);
        assert!(whitelisted("system", "grant"));
        assert!(whitelisted("system:user:*", "impersonate"));
        assert!(whitelisted("system:role:123", "members.manage"));
        assert!(!whitelisted("system:role:abc", "read"));
        assert!(!whitelisted("system:user:", "read"));
        assert!(!whitelisted("system", "read"));
        assert!(!whitelisted("compose", "access"));
    }
}
