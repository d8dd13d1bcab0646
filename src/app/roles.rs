//! Roles as rows: reading them by id and name, and changing a role's permissions (which
//! every node applies from its next request on).

use crate::auth::Caller;
use crate::auth::permissions::ALL_PERMISSIONS;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::role;
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

pub mod ids {
    pub const NOT_FOUND: &str = "app.role.get.app_error";
    pub const NAME_NOT_FOUND: &str = "app.role.get_by_name.app_error";
    pub const TOO_MANY_NAMES: &str = "api.roles.get_multiple_by_name_too_many.request_error";
    pub const INVALID_ROLE: &str = "app.role.save.invalid_role.app_error";
}

/// How many roles one GetRolesByNames may ask for, as in Mattermost.
const MAX_NAMES: usize = 100;

pub fn to_api(r: role::Model) -> types::Role {
    types::Role {
        id: Some(r.id),
        name: Some(r.name),
        display_name: Some(r.display_name),
        description: Some(r.description),
        permissions: r
            .permissions
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        scheme_managed: Some(r.scheme_managed),
    }
}

/// Mattermost's role-name rule: 1 to 64 of a-z, 0-9 and `_`.
pub fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn missing(id: &'static str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, id, "There is no such role.")
}

pub async fn all(caller: &Caller) -> Result<Vec<types::Role>, ApiError> {
    let rows = role::Entity::find().all(caller.state.db()).await?;
    Ok(rows.into_iter().map(to_api).collect())
}

async fn row(caller: &Caller, id: &str) -> Result<role::Model, ApiError> {
    role::Entity::find_by_id(id)
        .one(caller.state.db())
        .await?
        .ok_or_else(|| missing(ids::NOT_FOUND))
}

pub async fn get(caller: &Caller, id: &str) -> Result<types::Role, ApiError> {
    row(caller, id).await.map(to_api)
}

pub async fn get_by_name(caller: &Caller, name: &str) -> Result<types::Role, ApiError> {
    role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .one(caller.state.db())
        .await?
        .map(to_api)
        .ok_or_else(|| missing(ids::NAME_NOT_FOUND))
}

/// The roles named (unknown names are left out): 1 to 100 well-formed names.
pub async fn by_names(caller: &Caller, names: Vec<String>) -> Result<Vec<types::Role>, ApiError> {
    if names.is_empty() {
        return Err(ApiError::invalid_body_param("rolenames"));
    }
    if names.len() > MAX_NAMES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::TOO_MANY_NAMES,
            format!("At most {MAX_NAMES} roles can be asked for at once."),
        ));
    }
    if !names.iter().all(|n| is_valid_name(n)) {
        return Err(ApiError::invalid_param("rolename"));
    }
    let rows = role::Entity::find()
        .filter(role::Column::Name.is_in(names))
        .all(caller.state.db())
        .await?;
    Ok(rows.into_iter().map(to_api).collect())
}

/// Replaces the permissions of role `id`; every permission named must be one Mattermost
/// knows. Every node drops its resolved roles.
pub async fn set_permissions(
    caller: &Caller,
    id: &str,
    mut permissions: Vec<String>,
) -> Result<types::Role, ApiError> {
    if let Some(unknown) = permissions
        .iter()
        .find(|p| !ALL_PERMISSIONS.contains(p.as_str()))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::INVALID_ROLE,
            "The role names a permission that does not exist.",
        )
        .detail(format!("unknown permission: {unknown}")));
    }
    let found = row(caller, id).await?;
    permissions.dedup();
    let mut changed = found.into_active_model();
    changed.permissions = Set(permissions.join(" "));
    changed.update_at = Set(now_millis());
    let updated = changed.update(caller.state.db()).await?;
    caller
        .state
        .invalidate(crate::cluster::Invalidation::Roles)
        .await?;
    let who = caller.session()?.user_id.clone();
    let what = format!("role {} permissions={}", updated.name, updated.permissions);
    super::audits::record(caller, &who, &what).await;
    Ok(to_api(updated))
}

/// Who hears that role `name` changed (`role_updated`), as Mattermost scopes it: a role no
/// scheme holds, everyone; a team scheme's role, the members of each team using that
/// scheme; a channel scheme's role, the members of each channel using it.
pub async fn audiences(
    db: &impl sea_orm::ConnectionTrait,
    name: &str,
) -> Result<Vec<super::events::Broadcast>, ApiError> {
    use super::events::Broadcast;
    use crate::store::entity::{channel, scheme, team};
    use sea_orm::{Condition, QuerySelect};
    /// At most this many broadcasts for one change, as Mattermost caps them.
    const MOST: u64 = 100_000;
    let holds = Condition::any()
        .add(scheme::Column::DefaultTeamAdminRole.eq(name))
        .add(scheme::Column::DefaultTeamUserRole.eq(name))
        .add(scheme::Column::DefaultTeamGuestRole.eq(name))
        .add(scheme::Column::DefaultChannelAdminRole.eq(name))
        .add(scheme::Column::DefaultChannelUserRole.eq(name))
        .add(scheme::Column::DefaultChannelGuestRole.eq(name));
    let Some(owner) = scheme::Entity::find().filter(holds).one(db).await? else {
        return Ok(vec![Broadcast::default()]);
    };
    let ids: Vec<String> = if owner.scope == "team" {
        team::Entity::find()
            .select_only()
            .column(team::Column::Id)
            .filter(team::Column::SchemeId.eq(owner.id))
            .limit(MOST)
            .into_tuple()
            .all(db)
            .await?
    } else {
        channel::Entity::find()
            .select_only()
            .column(channel::Column::Id)
            .filter(channel::Column::SchemeId.eq(owner.id))
            .limit(MOST)
            .into_tuple()
            .all(db)
            .await?
    };
    let to: fn(&str) -> Broadcast = if owner.scope == "team" {
        Broadcast::team
    } else {
        Broadcast::channel
    };
    Ok(ids.iter().map(|id| to(id)).collect())
}
