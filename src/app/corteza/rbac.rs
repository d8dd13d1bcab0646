//! Corteza's permission rules (`corteza_rules`), checked as Corteza 2020.9 checks them: the
//! caller's roles on the exact resource, then on its wildcard (`system:user:*`), then
//! Everyone's (role 1, which applies to every caller) on each; at each step a `deny` among
//! the rules wins over an `allow`; with no rule at all, reading a role or an application is
//! allowed and everything else denied. The caller's roles are their Mattermost roles by
//! numeric id (`system_admin` is Administrators, 2). The local-mode session passes every
//! check, as Corteza's super-user does.

use super::{EVERYONE, Kind, numeric_ids};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::entity::{corteza_role, corteza_rule, role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// The numeric ids of the caller's roles, Everyone left out (it applies to everyone).
pub async fn roles_of(caller: &Caller) -> Result<Vec<i64>, ApiError> {
    let Some(session) = &caller.session else {
        return Ok(Vec::new());
    };
    let db = caller.state.db();
    // Deleted and archived roles grant nothing (Corteza leaves them out of `memberOf`).
    let live: Vec<String> = role::Entity::find()
        .filter(role::Column::Name.is_in(session.role_names().map(str::to_owned)))
        .filter(role::Column::DeleteAt.eq(0))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let archived: Vec<String> = corteza_role::Entity::find()
        .filter(corteza_role::Column::Name.is_in(live.clone()))
        .filter(corteza_role::Column::ArchivedAt.ne(0))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let names: Vec<String> = live.into_iter().filter(|n| !archived.contains(n)).collect();
    let ids = numeric_ids(db, Kind::Role, &names).await?;
    let mut roles: Vec<i64> = ids.into_values().filter(|id| *id != EVERYONE).collect();
    roles.sort_unstable();
    Ok(roles)
}

/// `system:user:5` → `system:user:*`; `system` has none.
fn wildcard(resource: &str) -> Option<String> {
    let (kind, _) = resource.rsplit_once(':')?;
    (kind.contains(':')).then(|| format!("{kind}:*"))
}

/// What applies when no rule decides.
fn fallback(resource: &str, operation: &str) -> bool {
    operation == "read"
        && (resource.starts_with("system:role:") || resource.starts_with("system:application:"))
}

/// The caller's roles and every rule that can apply to them, read once: a list checks each
/// of its rows against it without going back to the database.
pub struct Checker {
    /// The local-mode session: everything is allowed.
    local: bool,
    roles: Vec<i64>,
    rules: Vec<corteza_rule::Model>,
}

impl Checker {
    /// Reads the caller's roles and their rules (and Everyone's).
    pub async fn load(caller: &Caller) -> Result<Self, ApiError> {
        if caller.session.as_ref().is_some_and(|s| s.is_local()) {
            return Ok(Self {
                local: true,
                roles: Vec::new(),
                rules: Vec::new(),
            });
        }
        let roles = roles_of(caller).await?;
        let mut all_roles = roles.clone();
        all_roles.push(EVERYONE);
        let rules = corteza_rule::Entity::find()
            .filter(corteza_rule::Column::RoleId.is_in(all_roles))
            .all(caller.state.db())
            .await?;
        Ok(Self {
            local: false,
            roles,
            rules,
        })
    }

    /// Whether the caller may do `operation` on `resource`.
    pub fn allows(&self, resource: &str, operation: &str) -> bool {
        if self.local {
            return true;
        }
        let wildcard = wildcard(resource);
        let everyone = [EVERYONE];
        let steps = [
            (&self.roles[..], Some(resource)),
            (&self.roles[..], wildcard.as_deref()),
            (&everyone[..], Some(resource)),
            (&everyone[..], wildcard.as_deref()),
        ];
        for (step_roles, on) in steps {
            let Some(on) = on else { continue };
            let matching = self.rules.iter().filter(|r| {
                step_roles.contains(&r.role_id) && r.resource == on && r.operation == operation
            });
            let mut allowed = false;
            for rule in matching {
                match rule.access.as_str() {
                    "deny" => return false,
                    "allow" => allowed = true,
                    _ => {}
                }
            }
            if allowed {
                return true;
            }
        }
        fallback(resource, operation)
    }
}

/// Whether the caller may do `operation` on `resource`.
pub async fn can(caller: &Caller, resource: &str, operation: &str) -> Result<bool, ApiError> {
    Ok(Checker::load(caller).await?.allows(resource, operation))
}

/// [`can`], or Corteza's refusal `message` (e.g. `not allowed to list users`).
pub async fn require(
    caller: &Caller,
    resource: &str,
    operation: &str,
    message: &str,
) -> Result<(), ApiError> {
    if can(caller, resource, operation).await? {
        Ok(())
    } else {
        Err(super::error(message))
    }
}

#[cfg(test)]
mod tests {
    use super::{fallback, wildcard};

    #[test]
    fn wildcards_and_fallbacks() {
        assert_eq!(wildcard("system:user:12").as_deref(), Some("system:user:*"));
        assert_eq!(wildcard("system"), None);
        assert!(fallback("system:role:3", "read"));
        assert!(!fallback("system:user:3", "read"));
        assert!(!fallback("system:role:3", "update"));
    }
}
