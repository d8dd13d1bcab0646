//! The sidebar category operations of the `channels` tag (their trait methods in
//! `channels.rs` hand over to these): the user, or whoever may act for them
//! (edit_other_users), in a team they can see; each change whole, in one transaction.

use crate::app::{events, sidebar};
use crate::auth::permissions::ids::VIEW_TEAM;
use crate::auth::permissions::{require_team, require_user};
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;

/// 401/400/403 as Mattermost checks them: a session, well-formed ids, the user's own
/// sidebar (or edit_other_users), a team the caller can see.
async fn scope(ctx: &Ctx, user_id: &str, team_id: &str) -> Result<(), ApiError> {
    ctx.session()?;
    if !is_valid_id(user_id) {
        return Err(ApiError::invalid_url_param("user_id"));
    }
    if !is_valid_id(team_id) {
        return Err(ApiError::invalid_url_param("team_id"));
    }
    require_user(ctx, user_id).await?;
    require_team(ctx, team_id, VIEW_TEAM).await
}

pub async fn all(
    ctx: &Ctx,
    user_id: &str,
    team_id: &str,
) -> Result<types::OrderedSidebarCategories, ApiError> {
    scope(ctx, user_id, team_id).await?;
    let txn = ctx.state.begin_write().await?;
    let out = sidebar::all(&txn, user_id, team_id).await?;
    txn.commit().await?;
    Ok(out)
}

pub async fn one(
    ctx: &Ctx,
    user_id: &str,
    team_id: &str,
    category_id: &str,
) -> Result<types::SidebarCategoryWithChannels, ApiError> {
    scope(ctx, user_id, team_id).await?;
    let txn = ctx.state.begin_write().await?;
    let out = sidebar::one(&txn, user_id, team_id, category_id).await?;
    txn.commit().await?;
    Ok(out)
}

pub async fn order(ctx: &Ctx, user_id: &str, team_id: &str) -> Result<Vec<String>, ApiError> {
    scope(ctx, user_id, team_id).await?;
    let txn = ctx.state.begin_write().await?;
    let out = sidebar::order(&txn, user_id, team_id).await?;
    txn.commit().await?;
    Ok(out)
}

pub async fn set_order(
    ctx: &Ctx,
    user_id: &str,
    team_id: &str,
    wanted: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    scope(ctx, user_id, team_id).await?;
    let txn = ctx.state.begin_write().await?;
    let out = sidebar::set_order(&txn, user_id, team_id, wanted).await?;
    txn.commit().await?;
    let changed = events::category_order_updated(user_id, team_id, &out);
    ctx.state.events().publish(changed);
    Ok(out)
}

/// The category in the body must be the user's and the team's (as Mattermost checks).
fn owned_by(
    body: &types::SidebarCategoryWithChannels,
    user_id: &str,
    team_id: &str,
) -> Result<(), ApiError> {
    let differs = |v: &Option<String>, want: &str| v.as_deref().is_some_and(|v| v != want);
    if differs(&body.user_id, user_id) || differs(&body.team_id, team_id) {
        return Err(ApiError::invalid_body_param("category"));
    }
    Ok(())
}

pub async fn create(
    ctx: &Ctx,
    user_id: &str,
    team_id: &str,
    body: types::SidebarCategoryWithChannels,
) -> Result<types::SidebarCategoryWithChannels, ApiError> {
    scope(ctx, user_id, team_id).await?;
    owned_by(&body, user_id, team_id)?;
    let txn = ctx.state.begin_write().await?;
    let out = sidebar::create(&txn, user_id, team_id, body).await?;
    txn.commit().await?;
    let id = out.id.as_deref().unwrap_or_default();
    let created = events::category_created(user_id, team_id, id);
    ctx.state.events().publish(created);
    Ok(out)
}

pub async fn update(
    ctx: &Ctx,
    user_id: &str,
    team_id: &str,
    bodies: Vec<types::SidebarCategoryWithChannels>,
) -> Result<Vec<types::SidebarCategoryWithChannels>, ApiError> {
    scope(ctx, user_id, team_id).await?;
    if bodies.is_empty() {
        return Err(ApiError::invalid_body_param("categories"));
    }
    for body in &bodies {
        owned_by(body, user_id, team_id)?;
    }
    let txn = ctx.state.begin_write().await?;
    let out = sidebar::update(&txn, user_id, team_id, bodies).await?;
    txn.commit().await?;
    let changed = events::categories_updated(user_id, team_id, &out);
    ctx.state.events().publish(changed);
    Ok(out)
}

pub async fn update_one(
    ctx: &Ctx,
    user_id: &str,
    team_id: &str,
    category_id: &str,
    body: types::SidebarCategoryWithChannels,
) -> Result<types::SidebarCategoryWithChannels, ApiError> {
    if body.id.as_deref().is_some_and(|id| id != category_id) {
        return Err(ApiError::invalid_body_param("category"));
    }
    let mut body = body;
    body.id = Some(category_id.to_owned());
    let mut out = update(ctx, user_id, team_id, vec![body]).await?;
    out.pop()
        .ok_or_else(|| ApiError::internal("the updated category vanished"))
}

pub async fn remove(
    ctx: &Ctx,
    user_id: &str,
    team_id: &str,
    category_id: &str,
) -> Result<(), ApiError> {
    scope(ctx, user_id, team_id).await?;
    let txn = ctx.state.begin_write().await?;
    sidebar::remove(&txn, user_id, team_id, category_id).await?;
    txn.commit().await?;
    let removed = events::category_deleted(user_id, team_id, category_id);
    ctx.state.events().publish(removed);
    Ok(())
}
