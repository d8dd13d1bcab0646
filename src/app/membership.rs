//! What team and channel memberships share when roles are set: a role string splits into
//! scheme flags and explicit roles (reading them is in store::member_roles).

use crate::error::ApiError;
use crate::store::entity::role;
pub use crate::store::member_roles::{Flags, SchemeRoles};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A role string split as UpdateTeamMemberRoles / UpdateChannelRoles take it: the scheme's
/// roles become flags, the rest must be live roles that no scheme manages and stay
/// explicit. An unknown role is a 400 on `roles`; a scheme-managed one is `scheme_managed`.
pub async fn parse_roles(
    db: &impl ConnectionTrait,
    roles: &str,
    scheme: &SchemeRoles,
    scheme_managed: fn() -> ApiError,
) -> Result<(Flags, String), ApiError> {
    let mut flags = [false; 3];
    let mut explicit = Vec::new();
    for name in roles.split_whitespace() {
        if let Some(i) = scheme.iter().position(|r| r == name) {
            flags[i] = true;
            continue;
        }
        let known = role::Entity::find()
            .filter(role::Column::Name.eq(name))
            .filter(role::Column::DeleteAt.eq(0))
            .one(db)
            .await?;
        match known {
            Some(r) if !r.scheme_managed => explicit.push(name.to_owned()),
            Some(_) => return Err(scheme_managed()),
            None => return Err(ApiError::invalid_param("roles").detail(format!("role {name}"))),
        }
    }
    Ok((flags, explicit.join(" ")))
}
