//! Creating and ending login sessions, and the cookies that carry them.

use crate::auth::{CSRF_COOKIE, SESSION_COOKIE, Session, USER_COOKIE};
use crate::config::Config;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::rt::Ctx;
use crate::store::entity::{session, user};
use axum::http::{HeaderValue, header};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

/// Starts a session for `user`: mobile when a device id is given, web otherwise, with the
/// length ServiceSettings sets. The token and the CSRF token are 128-bit random ids.
pub async fn create(
    db: &impl ConnectionTrait,
    config: &Config,
    user: &user::Model,
    device_id: &str,
    user_agent: &str,
) -> Result<Session, ApiError> {
    let now = now_millis();
    let settings = &config.service_settings;
    let hours = if device_id.is_empty() {
        settings.session_length_web_in_hours
    } else {
        settings.session_length_mobile_in_hours
    };
    let csrf = new_id();
    let props = serde_json::json!({
        "csrf": csrf,
        "platform": platform_of(user_agent),
        "browser": user_agent.split('/').next().unwrap_or_default(),
        "os": "",
        "is_mobile": (!device_id.is_empty()).to_string(),
        "is_guest": user.roles.split_whitespace().any(|r| r == "system_guest").to_string(),
    });
    let model = session::ActiveModel {
        id: Set(new_id()),
        token: Set(new_id()),
        create_at: Set(now),
        expires_at: Set(now + hours * 3_600_000),
        last_activity_at: Set(now),
        user_id: Set(user.id.clone()),
        device_id: Set(device_id.to_owned()),
        roles: Set(user.roles.clone()),
        is_oauth: Set(false),
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

/// Ends `session` now: the row goes, and so does the cache entry.
pub async fn revoke(ctx: &Ctx, session: &Session) -> Result<(), ApiError> {
    session::Entity::delete_by_id(session.id.clone())
        .exec(ctx.state.db())
        .await?;
    ctx.state.sessions().remove(&session.token);
    Ok(())
}

/// Sets the `Token` header and the three cookies Mattermost's clients read.
pub fn attach(ctx: &Ctx, session: &Session) {
    let config = ctx.state.config();
    let secure = config.service_settings.site_url.starts_with("https://");
    let max_age = (session.expires_at - now_millis()).max(0) / 1000;
    if let Ok(v) = HeaderValue::from_str(&session.token) {
        ctx.set_header(header::HeaderName::from_static("token"), v);
    }
    let cookies = [
        (SESSION_COOKIE, session.token.as_str(), true),
        (USER_COOKIE, session.user_id.as_str(), false),
        (CSRF_COOKIE, session.csrf_token.as_str(), false),
    ];
    for (name, value, http_only) in cookies {
        let cookie = format!(
            "{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax{}{}",
            if http_only { "; HttpOnly" } else { "" },
            if secure { "; Secure" } else { "" },
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            ctx.set_header(header::SET_COOKIE, v);
        }
    }
}

/// Tells the browser to drop the session cookies.
pub fn clear_cookies(ctx: &Ctx) {
    for name in [SESSION_COOKIE, USER_COOKIE, CSRF_COOKIE] {
        if let Ok(v) = HeaderValue::from_str(&format!("{name}=; Path=/; Max-Age=0")) {
            ctx.set_header(header::SET_COOKIE, v);
        }
    }
}
