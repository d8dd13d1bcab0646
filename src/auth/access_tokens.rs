//! Personal access tokens and bot tokens as credentials: the session a token stands for.

use super::Session;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::state::AppState;
use crate::store::entity::{bot, session, user, user_access_token as pat};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// The session `props.type` of a token session, as Mattermost names it.
pub const SESSION_TYPE: &str = "UserAccessToken";

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
