//! The cookies and the `Token` header that carry a login session to the client.

use crate::auth::{CSRF_COOKIE, SESSION_COOKIE, Session, USER_COOKIE};
use crate::ids::now_millis;
use crate::rt::Ctx;
use axum::http::{HeaderValue, header};

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
