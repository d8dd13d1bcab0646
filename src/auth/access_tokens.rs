//! Personal access tokens and bot tokens as credentials: the session a token stands for.

use super::Session;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::state::AppState;
use crate::store::entity::{session, user_access_token as pat};
use sea_orm::sea_query::OnConflict;
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
    let Some(account) = state.accounts().get(db, &t.user_id).await? else {
        return Ok(None);
    };
    let (owner, is_bot) = (&account.user, account.bot.is_some());
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
        token: Set(t.token.clone()),
        create_at: Set(now),
        expires_at: Set(0),
        last_activity_at: Set(now),
        user_id: Set(owner.id.clone()),
        device_id: Set(String::new()),
        roles: Set(owner.roles.clone()),
        is_oauth: Set(false),
        expired_notify: Set(false),
        props: Set(props.to_string()),
    };
    // Requests using a new token at once each make its session: the first one stored
    // serves them all (the token is unique).
    session::Entity::insert(row)
        .on_conflict(
            OnConflict::column(session::Column::Token)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let stored = session::Entity::find()
        .filter(session::Column::Token.eq(token))
        .one(db)
        .await?;
    Ok(stored.map(Session::from_model))
}
