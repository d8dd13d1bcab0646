//! Permission schemes and the roles each one owns.
//!
//! A new scheme's roles copy the built-in roles' permissions as they are now. For a
//! channel-scope scheme the channel admin role starts empty and the channel user and guest
//! roles keep only the moderated permissions, as Mattermost creates them.

use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::{channel, role, scheme, team};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

pub mod ids {
    pub const NOT_FOUND: &str = "app.scheme.get.app_error";
    pub const INVALID: &str = "app.scheme.save.invalid_scheme.app_error";
    pub const TEAMS_SCOPE: &str = "api.scheme.get_teams_for_scheme.scope.error";
    pub const CHANNELS_SCOPE: &str = "api.scheme.get_channels_for_scheme.scope.error";
}

pub use crate::store::member_roles::MODERATED;

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::NOT_FOUND,
        "There is no such scheme.",
    )
}

pub fn to_api(s: &scheme::Model) -> types::Scheme {
    types::Scheme {
        id: Some(s.id.clone()),
        name: Some(s.name.clone()),
        description: Some(s.description.clone()),
        create_at: Some(s.create_at),
        update_at: Some(s.update_at),
        delete_at: Some(s.delete_at),
        scope: Some(s.scope.clone()),
        default_team_admin_role: Some(s.default_team_admin_role.clone()),
        default_team_user_role: Some(s.default_team_user_role.clone()),
        default_channel_admin_role: Some(s.default_channel_admin_role.clone()),
        default_channel_user_role: Some(s.default_channel_user_role.clone()),
    }
}

fn invalid(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::INVALID,
        "The scheme is not valid.",
    )
    .detail(detail)
}

fn validate(name: &str, description: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(invalid("name: 1 to 64 characters"));
    }
    if description.chars().count() > 1024 {
        return Err(invalid("description: at most 1024 characters"));
    }
    Ok(())
}

/// Creates a scheme of `scope` (`team` or `channel`) with its roles.
pub async fn create(
    caller: &Caller,
    name: String,
    description: String,
    scope: &str,
) -> Result<scheme::Model, ApiError> {
    validate(&name, &description)?;
    if scope != "team" && scope != "channel" {
        return Err(invalid("scope: team or channel"));
    }
    let txn = caller.state.begin_write().await?;
    let built_in: std::collections::HashMap<String, String> = role::Entity::find()
        .filter(role::Column::BuiltIn.eq(true))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| (r.name, r.permissions))
        .collect();
    let now = now_millis();
    let mut made = std::collections::HashMap::new();
    let kinds: &[(&str, &str)] = if scope == "team" {
        &[
            ("team_admin", "Team Admin"),
            ("team_user", "Team User"),
            ("team_guest", "Team Guest"),
            ("channel_admin", "Channel Admin"),
            ("channel_user", "Channel User"),
            ("channel_guest", "Channel Guest"),
        ]
    } else {
        &[
            ("channel_admin", "Channel Admin"),
            ("channel_user", "Channel User"),
            ("channel_guest", "Channel Guest"),
        ]
    };
    for (base, label) in kinds {
        let inherited = built_in.get(*base).cloned().unwrap_or_default();
        let permissions = match (scope, *base) {
            ("channel", "channel_admin") => String::new(),
            ("channel", _) => inherited
                .split_whitespace()
                .filter(|p| MODERATED.contains(p))
                .collect::<Vec<_>>()
                .join(" "),
            _ => inherited,
        };
        let role_name = new_id();
        let row = role::ActiveModel {
            id: Set(new_id()),
            name: Set(role_name.clone()),
            display_name: Set(format!("{label} Role for Scheme {name}")),
            description: Set(String::new()),
            create_at: Set(now),
            update_at: Set(now),
            delete_at: Set(0),
            permissions: Set(permissions),
            scheme_managed: Set(true),
            built_in: Set(false),
        };
        role::Entity::insert(row).exec(&txn).await?;
        made.insert(*base, role_name);
    }
    let take = |k: &str| made.get(k).cloned().unwrap_or_default();
    let row = scheme::ActiveModel {
        id: Set(new_id()),
        name: Set(name),
        description: Set(description),
        create_at: Set(now),
        update_at: Set(now),
        delete_at: Set(0),
        scope: Set(scope.to_owned()),
        default_team_admin_role: Set(take("team_admin")),
        default_team_user_role: Set(take("team_user")),
        default_team_guest_role: Set(take("team_guest")),
        default_channel_admin_role: Set(take("channel_admin")),
        default_channel_user_role: Set(take("channel_user")),
        default_channel_guest_role: Set(take("channel_guest")),
    };
    let saved = scheme::Entity::insert(row)
        .exec_with_returning(&txn)
        .await?;
    txn.commit().await?;
    caller
        .state
        .invalidate(crate::cluster::Invalidation::Roles)
        .await?;
    Ok(saved)
}

pub async fn get(caller: &Caller, id: &str) -> Result<scheme::Model, ApiError> {
    scheme::Entity::find_by_id(id.to_owned())
        .one(caller.state.db())
        .await?
        .ok_or_else(not_found)
}

/// Live schemes, oldest first, optionally of one scope.
pub async fn list(
    caller: &Caller,
    scope: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Vec<scheme::Model>, ApiError> {
    let mut find = scheme::Entity::find()
        .filter(scheme::Column::DeleteAt.eq(0))
        .order_by_asc(scheme::Column::CreateAt);
    if let Some(scope) = scope {
        find = find.filter(scheme::Column::Scope.eq(scope));
    }
    Ok(find
        .offset(u64::try_from(page.saturating_mul(per_page)).unwrap_or(0))
        .limit(u64::try_from(per_page).unwrap_or(0))
        .all(caller.state.db())
        .await?)
}

fn page_of(page: i64, per_page: i64) -> (u64, u64) {
    let offset = u64::try_from(page.saturating_mul(per_page)).unwrap_or(0);
    (offset, u64::try_from(per_page).unwrap_or(0))
}

/// The live teams using team scheme `found` (400 for another scope), by display name.
pub async fn teams_using(
    caller: &Caller,
    found: &scheme::Model,
    page: i64,
    per_page: i64,
) -> Result<Vec<team::Model>, ApiError> {
    if found.scope != "team" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::TEAMS_SCOPE,
            "Only a team scheme has teams.",
        ));
    }
    let (offset, limit) = page_of(page, per_page);
    Ok(team::Entity::find()
        .filter(team::Column::SchemeId.eq(found.id.clone()))
        .filter(team::Column::DeleteAt.eq(0))
        .order_by_asc(team::Column::DisplayName)
        .offset(offset)
        .limit(limit)
        .all(caller.state.db())
        .await?)
}

/// The live channels using channel scheme `found` (400 for another scope), by display
/// name.
pub async fn channels_using(
    caller: &Caller,
    found: &scheme::Model,
    page: i64,
    per_page: i64,
) -> Result<Vec<channel::Model>, ApiError> {
    if found.scope != "channel" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::CHANNELS_SCOPE,
            "Only a channel scheme has channels.",
        ));
    }
    let (offset, limit) = page_of(page, per_page);
    Ok(channel::Entity::find()
        .filter(channel::Column::SchemeId.eq(found.id.clone()))
        .filter(channel::Column::DeleteAt.eq(0))
        .order_by_asc(channel::Column::DisplayName)
        .offset(offset)
        .limit(limit)
        .all(caller.state.db())
        .await?)
}

pub async fn patch(
    caller: &Caller,
    found: scheme::Model,
    name: Option<String>,
    description: Option<String>,
) -> Result<scheme::Model, ApiError> {
    let name = name.unwrap_or_else(|| found.name.clone());
    let description = description.unwrap_or_else(|| found.description.clone());
    validate(&name, &description)?;
    let mut row = found.into_active_model();
    row.name = Set(name);
    row.description = Set(description);
    row.update_at = Set(now_millis());
    Ok(row.update(caller.state.db()).await?)
}

/// Soft-deletes the scheme and its roles.
pub async fn delete(caller: &Caller, found: scheme::Model) -> Result<(), ApiError> {
    let now = now_millis();
    let roles = [
        &found.default_team_admin_role,
        &found.default_team_user_role,
        &found.default_team_guest_role,
        &found.default_channel_admin_role,
        &found.default_channel_user_role,
        &found.default_channel_guest_role,
    ]
    .into_iter()
    .filter(|r| !r.is_empty())
    .cloned()
    .collect::<Vec<_>>();
    let txn = caller.state.begin_write().await?;
    role::Entity::update_many()
        .col_expr(role::Column::DeleteAt, sea_orm::sea_query::Expr::value(now))
        .filter(role::Column::Name.is_in(roles))
        .exec(&txn)
        .await?;
    let mut row = found.into_active_model();
    row.delete_at = Set(now);
    row.update_at = Set(now);
    row.update(&txn).await?;
    txn.commit().await?;
    caller
        .state
        .invalidate(crate::cluster::Invalidation::Roles)
        .await?;
    Ok(())
}
