//! Personal access tokens (and bot tokens): created with their value shown once, listed
//! without it, disabled, enabled and revoked. A token authenticates through a session row
//! whose token is the access token itself, made on first use and ended with the token.

use crate::auth::Session;
use crate::cluster::Invalidation;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::rt::Ctx;
use crate::state::AppState;
use crate::store::entity::{bot, session, user, user_access_token as pat};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};

pub mod ids {
    pub const DISABLED: &str = "app.user_access_token.disabled";
    pub const INVALID: &str = "app.user_access_token.invalid_or_missing";
    pub const DESCRIPTION: &str = "model.user_access_token.is_valid.description.app_error";
}

/// The session `props.type` of a token session, as Mattermost names it.
pub const SESSION_TYPE: &str = "UserAccessToken";

pub fn sanitized(t: pat::Model) -> types::UserAccessTokenSanitized {
    types::UserAccessTokenSanitized {
        id: Some(t.id),
        user_id: Some(t.user_id),
        description: Some(t.description),
        is_active: Some(t.is_active),
    }
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::INVALID,
        "There is no such access token.",
    )
}

/// 501 while ServiceSettings.EnableUserAccessTokens is off, unless the token is a bot's
/// (bots get tokens regardless, as in Mattermost).
pub fn require_enabled(ctx: &Ctx, for_bot: bool) -> Result<(), ApiError> {
    if for_bot
        || ctx
            .state
            .config()
            .service_settings
            .enable_user_access_tokens
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::DISABLED,
            "Personal access tokens are turned off on this server.",
        ))
    }
}

/// A new token for `user_id`; the only time its value is returned.
pub async fn create(
    ctx: &Ctx,
    user_id: &str,
    description: &str,
) -> Result<types::UserAccessToken, ApiError> {
    if description.is_empty() {
        return Err(ApiError::invalid_param("description"));
    }
    if description.chars().count() > 255 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DESCRIPTION,
            "A token's description has at most 255 characters.",
        ));
    }
    let row = pat::ActiveModel {
        id: Set(new_id()),
        token: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        description: Set(description.to_owned()),
        is_active: Set(true),
    };
    let t = pat::Entity::insert(row)
        .exec_with_returning(ctx.state.db())
        .await?;
    Ok(types::UserAccessToken {
        id: Some(t.id),
        token: Some(t.token),
        user_id: Some(t.user_id),
        description: Some(t.description),
    })
}

pub async fn get(ctx: &Ctx, token_id: &str) -> Result<pat::Model, ApiError> {
    pat::Entity::find_by_id(token_id.to_owned())
        .one(ctx.state.db())
        .await?
        .ok_or_else(not_found)
}

pub async fn list(
    ctx: &Ctx,
    user_id: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Vec<types::UserAccessTokenSanitized>, ApiError> {
    let mut find = pat::Entity::find().order_by_asc(pat::Column::Id);
    if let Some(user_id) = user_id {
        find = find.filter(pat::Column::UserId.eq(user_id));
    }
    let rows = find
        .offset(u64::try_from(page.saturating_mul(per_page)).unwrap_or(0))
        .limit(u64::try_from(per_page).unwrap_or(0))
        .all(ctx.state.db())
        .await?;
    Ok(rows.into_iter().map(sanitized).collect())
}

/// Tokens whose id, user id, owner's username or description starts with `term`.
pub async fn search(
    ctx: &Ctx,
    term: &str,
) -> Result<Vec<types::UserAccessTokenSanitized>, ApiError> {
    let db = ctx.state.db();
    let owners: Vec<String> = user::Entity::find()
        .filter(user::Column::Username.starts_with(term.to_lowercase()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let rows = pat::Entity::find()
        .filter(
            Condition::any()
                .add(pat::Column::Id.starts_with(term))
                .add(pat::Column::UserId.starts_with(term))
                .add(pat::Column::UserId.is_in(owners))
                .add(pat::Column::Description.starts_with(term)),
        )
        .limit(1000)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(sanitized).collect())
}

/// Ends the sessions made from `token` (in the database and the cache).
async fn end_sessions(ctx: &Ctx, token: &str) -> Result<(), ApiError> {
    session::Entity::delete_many()
        .filter(session::Column::Token.eq(token))
        .exec(ctx.state.db())
        .await?;
    ctx.state
        .invalidate(Invalidation::Token(token.to_owned()))
        .await
}

/// What can happen to an existing token.
#[derive(Clone, Copy)]
pub enum Change {
    Revoke,
    Disable,
    Enable,
}

/// Revokes, disables or enables `t`, and records it in the owner's audit trail.
pub async fn change(ctx: &Ctx, t: pat::Model, what: Change) -> Result<(), ApiError> {
    let (owner, id) = (t.user_id.clone(), t.id.clone());
    let verb = match what {
        Change::Revoke => {
            revoke(ctx, t).await?;
            "revoked"
        }
        Change::Disable => {
            set_active(ctx, t, false).await?;
            "disabled"
        }
        Change::Enable => {
            set_active(ctx, t, true).await?;
            "enabled"
        }
    };
    crate::app::audits::record(ctx, &owner, &format!("token_id={id} {verb}")).await;
    Ok(())
}

async fn set_active(ctx: &Ctx, t: pat::Model, active: bool) -> Result<(), ApiError> {
    let token = t.token.clone();
    let mut row = t.into_active_model();
    row.is_active = Set(active);
    row.update(ctx.state.db()).await?;
    if !active {
        end_sessions(ctx, &token).await?;
    }
    Ok(())
}

async fn revoke(ctx: &Ctx, t: pat::Model) -> Result<(), ApiError> {
    pat::Entity::delete_by_id(t.id.clone())
        .exec(ctx.state.db())
        .await?;
    end_sessions(ctx, &t.token).await
}

/// The session for an access token, made on its first use: only for an active token of an
/// active account, and while tokens are enabled (bots' tokens always are).
pub async fn session_for_token(state: &AppState, token: &str) -> Result<Option<Session>, ApiError> {
    let db = state.db();
    let Some(t) = pat::Entity::find()
        .filter(pat::Column::Token.eq(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !t.is_active {
        return Ok(None);
    }
    let Some(owner) = user::Entity::find_by_id(t.user_id.clone()).one(db).await? else {
        return Ok(None);
    };
    let is_bot = bot::Entity::find_by_id(owner.id.clone())
        .one(db)
        .await?
        .is_some();
    if owner.delete_at != 0
        || !(is_bot || state.config().service_settings.enable_user_access_tokens)
    {
        return Ok(None);
    }
    let now = now_millis();
    let props = serde_json::json!({
        "type": SESSION_TYPE,
        "user_access_token_id": t.id,
        "is_bot": is_bot.to_string(),
    });
    let row = session::ActiveModel {
        id: Set(new_id()),
        token: Set(t.token),
        create_at: Set(now),
        expires_at: Set(0),
        last_activity_at: Set(now),
        user_id: Set(owner.id),
        device_id: Set(String::new()),
        roles: Set(owner.roles),
        is_oauth: Set(false),
        expired_notify: Set(false),
        props: Set(props.to_string()),
    };
    let stored = session::Entity::insert(row).exec_with_returning(db).await?;
    Ok(Some(Session::from_model(stored)))
}
