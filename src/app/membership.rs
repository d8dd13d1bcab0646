//! What team and channel memberships share: a member's roles are its explicit roles plus
//! those its scheme flags (guest, user, admin) imply, named by the scheme in force.

use crate::error::ApiError;
use crate::store::entity::role;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A scheme's (guest, user, admin) role names.
pub type SchemeRoles = [String; 3];

/// The scheme flags (guest, user, admin) of a membership.
pub type Flags = [bool; 3];

/// A member's role names: the explicit ones, then those its flags imply.
pub fn role_names(explicit: &str, flags: Flags, scheme: &SchemeRoles) -> Vec<String> {
    let mut names: Vec<String> = explicit.split_whitespace().map(str::to_owned).collect();
    for (flag, role) in flags.into_iter().zip(scheme.iter()) {
        if flag && !names.contains(role) {
            names.push(role.clone());
        }
    }
    names
}

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
