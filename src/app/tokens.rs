//! Personal access tokens (and bot tokens): created with their value shown once, listed
//! without it, disabled, enabled and revoked. A token authenticates through a session row
//! whose token is the access token itself, made on first use and ended with the token.

use crate::auth::Caller;
use crate::cluster::Invalidation;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::store::entity::{session, user, user_access_token as pat};
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

pub use crate::auth::access_tokens::SESSION_TYPE;

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
pub fn require_enabled(caller: &Caller, for_bot: bool) -> Result<(), ApiError> {
    if for_bot
        || caller
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
    caller: &Caller,
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
        .exec_with_returning(caller.state.db())
        .await?;
    Ok(types::UserAccessToken {
        id: Some(t.id),
        token: Some(t.token),
        user_id: Some(t.user_id),
        description: Some(t.description),
    })
}

pub async fn get(caller: &Caller, token_id: &str) -> Result<pat::Model, ApiError> {
    pat::Entity::find_by_id(token_id.to_owned())
        .one(caller.state.db())
        .await?
        .ok_or_else(not_found)
}

pub async fn list(
    caller: &Caller,
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
        .all(caller.state.db())
        .await?;
    Ok(rows.into_iter().map(sanitized).collect())
}

/// Tokens whose id, user id, owner's username or description starts with `term`.
pub async fn search(
    caller: &Caller,
    term: &str,
) -> Result<Vec<types::UserAccessTokenSanitized>, ApiError> {
    let db = caller.state.db();
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
async fn end_sessions(caller: &Caller, token: &str) -> Result<(), ApiError> {
    session::Entity::delete_many()
        .filter(session::Column::Token.eq(token))
        .exec(caller.state.db())
        .await?;
    caller
        .state
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
pub async fn change(caller: &Caller, t: pat::Model, what: Change) -> Result<(), ApiError> {
    let (owner, id) = (t.user_id.clone(), t.id.clone());
    let verb = match what {
        Change::Revoke => {
            revoke(caller, t).await?;
            "revoked"
        }
        Change::Disable => {
            set_active(caller, t, false).await?;
            "disabled"
        }
        Change::Enable => {
            set_active(caller, t, true).await?;
            "enabled"
        }
    };
    crate::app::audits::record(caller, &owner, &format!("token_id={id} {verb}")).await;
    Ok(())
}

async fn set_active(caller: &Caller, t: pat::Model, active: bool) -> Result<(), ApiError> {
    let token = t.token.clone();
    let mut row = t.into_active_model();
    row.is_active = Set(active);
    row.update(caller.state.db()).await?;
    if !active {
        end_sessions(caller, &token).await?;
    }
    Ok(())
}

async fn revoke(caller: &Caller, t: pat::Model) -> Result<(), ApiError> {
    pat::Entity::delete_by_id(t.id.clone())
        .exec(caller.state.db())
        .await?;
    end_sessions(caller, &t.token).await
}
