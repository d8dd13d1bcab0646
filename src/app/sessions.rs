//! Creating and ending login sessions, and the cookies that carry them.

use crate::auth::Caller;
use crate::auth::Session;
use crate::cluster::Invalidation;
use crate::config::Config;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::{oauth_access_data, session, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Starts a session for `user`: mobile when a device id is given, web otherwise, with the
/// length ServiceSettings sets. The token and the CSRF token are 128-bit random ids.
pub async fn create(
    db: &impl ConnectionTrait,
    config: &Config,
    user: &user::Model,
    device_id: &str,
    user_agent: &str,
) -> Result<Session, ApiError> {
    let settings = &config.service_settings;
    let hours = if device_id.is_empty() {
        settings.session_length_web_in_hours
    } else {
        settings.session_length_mobile_in_hours
    };
    let props = serde_json::json!({
        "csrf": new_id(),
        "platform": platform_of(user_agent),
        "browser": user_agent.split('/').next().unwrap_or_default(),
        "os": "",
        "is_mobile": (!device_id.is_empty()).to_string(),
        "is_guest": is_guest(user),
    });
    insert(db, user, device_id, hours, false, props).await
}

/// Starts an OAuth session for `user` granted to `app` (its name as the platform, OAuth2
/// as the OS and browser, as Mattermost marks them), as long as SSO sessions last.
pub async fn create_oauth(
    db: &impl ConnectionTrait,
    config: &Config,
    user: &user::Model,
    app: &crate::store::entity::oauth_app::Model,
) -> Result<Session, ApiError> {
    let props = serde_json::json!({
        "csrf": new_id(),
        "platform": app.name,
        "oauth_app_id": app.id,
        "mattermost_app_id": app.mattermost_app_id,
        "os": "OAuth2",
        "browser": "OAuth2",
        "is_guest": is_guest(user),
    });
    let hours = config.service_settings.session_length_sso_in_hours;
    insert(db, user, "", hours, true, props).await
}

fn is_guest(user: &user::Model) -> String {
    user.roles
        .split_whitespace()
        .any(|r| r == "system_guest")
        .to_string()
}

/// Stores a new session of `user` lasting `hours`, with a new id and token.
async fn insert(
    db: &impl ConnectionTrait,
    user: &user::Model,
    device_id: &str,
    hours: i64,
    is_oauth: bool,
    props: serde_json::Value,
) -> Result<Session, ApiError> {
    let now = now_millis();
    let model = session::ActiveModel {
        id: Set(new_id()),
        token: Set(new_id()),
        create_at: Set(now),
        expires_at: Set(now + hours * 3_600_000),
        last_activity_at: Set(now),
        user_id: Set(user.id.clone()),
        device_id: Set(device_id.to_owned()),
        roles: Set(user.roles.clone()),
        is_oauth: Set(is_oauth),
        expired_notify: Set(false),
        props: Set(props.to_string()),
    };
    let stored = session::Entity::insert(model)
        .exec_with_returning(db)
        .await?;
    Ok(Session::from_model(stored))
}

fn platform_of(user_agent: &str) -> &'static str {
    let ua = user_agent.to_ascii_lowercase();
    if ua.contains("windows") {
        "Windows"
    } else if ua.contains("macintosh") || ua.contains("mac os") {
        "Macintosh"
    } else if ua.contains("linux") {
        "Linux"
    } else {
        ""
    }
}

/// Ends `session` now: the row goes, and so does the cache entry. An OAuth session's
/// access data goes with it, so its refresh token cannot bring it back (Mattermost's
/// RevokeAccessToken).
pub async fn revoke(caller: &Caller, session: &Session) -> Result<(), ApiError> {
    let txn = caller.state.begin_write().await?;
    session::Entity::delete_by_id(session.id.clone())
        .exec(&txn)
        .await?;
    if session.is_oauth {
        oauth_access_data::Entity::delete_by_id(session.token.clone())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    caller
        .state
        .invalidate(Invalidation::Token(session.token.clone()))
        .await
}

/// A user's sessions, newest first, as the API shows them: without the token.
pub async fn list_for_user(
    caller: &Caller,
    user_id: &str,
) -> Result<Vec<types::Session>, ApiError> {
    let now = now_millis();
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_desc(session::Column::LastActivityAt)
        .all(caller.state.db())
        .await?;
    Ok(rows
        .into_iter()
        .filter(|s| s.expires_at == 0 || s.expires_at > now)
        .map(|s| types::Session {
            id: Some(s.id),
            token: Some(String::new()),
            create_at: Some(s.create_at),
            expires_at: Some(s.expires_at),
            last_activity_at: Some(s.last_activity_at),
            user_id: Some(s.user_id),
            device_id: Some(s.device_id),
            roles: Some(s.roles),
            is_oauth: Some(s.is_oauth),
            props: serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&s.props)
                .map(|mut p| {
                    p.remove("csrf");
                    p
                })
                .unwrap_or_default(),
            team_members: Vec::new(),
        })
        .collect())
}

/// Ends every session of `user_id` but `keep` (the caller's own, when it changes its
/// password), in the database and the cache at once.
pub async fn revoke_all_for_user(
    caller: &Caller,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), ApiError> {
    let txn = caller.state.begin_write().await?;
    delete_all_for_user(&txn, user_id, keep).await?;
    txn.commit().await?;
    caller
        .state
        .invalidate(Invalidation::User {
            id: user_id.to_owned(),
            keep: keep.map(str::to_owned),
        })
        .await
}

/// Deletes every session row of `user_id` but `keep` (the caches are the caller's to
/// clear once this is committed).
pub async fn delete_all_for_user(
    db: &impl ConnectionTrait,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), ApiError> {
    let mut ending = sea_orm::Condition::all().add(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        ending = ending.add(session::Column::Id.ne(keep));
    }
    let oauth_tokens: Vec<String> = session::Entity::find()
        .select_only()
        .column(session::Column::Token)
        .filter(ending.clone())
        .filter(session::Column::IsOauth.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    if !oauth_tokens.is_empty() {
        oauth_access_data::Entity::delete_many()
            .filter(oauth_access_data::Column::Token.is_in(oauth_tokens))
            .exec(db)
            .await?;
    }
    session::Entity::delete_many()
        .filter(ending)
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of every user.
pub async fn revoke_everyone(caller: &Caller) -> Result<(), ApiError> {
    let txn = caller.state.begin_write().await?;
    session::Entity::delete_many().exec(&txn).await?;
    oauth_access_data::Entity::delete_many().exec(&txn).await?;
    txn.commit().await?;
    caller.state.invalidate(Invalidation::AllSessions).await
}

/// The session with `id`, or 404 `app.session.get.app_error`.
pub async fn get(caller: &Caller, id: &str) -> Result<Session, ApiError> {
    session::Entity::find_by_id(id.to_owned())
        .one(caller.state.db())
        .await?
        .map(Session::from_model)
        .ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "app.session.get.app_error",
                "There is no such session.",
            )
        })
}

/// The push platforms a device id may name, as `<platform>:<token>`.
const PUSH_PLATFORMS: [&str; 6] = [
    "apple",
    "android",
    "apple_rn",
    "android_rn",
    "apple_rnbeta",
    "android_rnbeta",
];

/// True for `<platform>:<token>` with a known push platform.
pub fn is_push_device_id(device_id: &str) -> bool {
    device_id
        .split_once(':')
        .is_some_and(|(platform, token)| PUSH_PLATFORMS.contains(&platform) && !token.is_empty())
}

/// Binds `current` to `device_id`: it becomes a mobile session with the mobile length, and
/// the user's other sessions on that device end.
pub async fn attach_device(
    caller: &Caller,
    current: &Session,
    device_id: &str,
) -> Result<(), ApiError> {
    let db = caller.state.db();
    let hours = caller
        .state
        .config()
        .service_settings
        .session_length_mobile_in_hours;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(current.user_id.clone()))
        .filter(session::Column::DeviceId.eq(device_id))
        .filter(session::Column::Id.ne(current.id.clone()))
        .exec(db)
        .await?;
    let row = session::ActiveModel {
        id: Set(current.id.clone()),
        device_id: Set(device_id.to_owned()),
        expires_at: Set(now_millis() + hours * 3_600_000),
        ..Default::default()
    };
    session::Entity::update(row).exec(db).await?;
    caller
        .state
        .invalidate(Invalidation::User {
            id: current.user_id.clone(),
            keep: None,
        })
        .await
}
