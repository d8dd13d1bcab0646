//! Who is calling: the session token's source and precedence, the CSRF rule for cookie
//! sessions, and the session cache that keeps authentication off the database.
//!
//! Token sources, in Mattermost's order: the `MMAUTHTOKEN` cookie, `Authorization: Bearer`,
//! `Authorization: Token` (OAuth), then `?access_token=` (OAuth sessions only).

pub mod access_tokens;
mod caller;
pub mod jwt;
pub mod mfa;
pub mod password;
pub mod permissions;

pub use caller::Caller;

use crate::error::{ApiError, ids};
use crate::ids::now_millis;
use crate::state::AppState;
use crate::store::entity::session;
use axum::http::{HeaderMap, Method, StatusCode, header};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const SESSION_COOKIE: &str = "MMAUTHTOKEN";
pub const USER_COOKIE: &str = "MMUSERID";
pub const CSRF_COOKIE: &str = "MMCSRF";

/// An authenticated session, as the handlers see it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub token: String,
    pub user_id: String,
    /// Space-separated role names.
    pub roles: String,
    pub csrf_token: String,
    pub is_oauth: bool,
    pub create_at: i64,
    pub expires_at: i64,
    pub last_activity_at: i64,
    pub device_id: String,
    pub props: serde_json::Map<String, serde_json::Value>,
    /// The account's MFA state and sign-in service, read with the session.
    pub mfa_active: bool,
    pub auth_service: String,
}

impl Session {
    pub fn from_model(m: session::Model) -> Self {
        let props: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&m.props).unwrap_or_default();
        let csrf_token = props
            .get("csrf")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        Self {
            id: m.id,
            token: m.token,
            user_id: m.user_id,
            roles: m.roles,
            csrf_token,
            is_oauth: m.is_oauth,
            create_at: m.create_at,
            expires_at: m.expires_at,
            last_activity_at: m.last_activity_at,
            device_id: m.device_id,
            props,
            mfa_active: false,
            auth_service: String::new(),
        }
    }

    /// The role names this session carries.
    pub fn role_names(&self) -> impl Iterator<Item = &str> {
        self.roles.split_whitespace()
    }

    fn prop(&self, name: &str) -> &str {
        self.props
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    }

    /// The session of a request over the local-mode socket: fully authorised, as
    /// Mattermost's unrestricted local sessions are; it belongs to no account.
    pub fn local() -> Self {
        let mut props = serde_json::Map::new();
        props.insert(
            "local".to_owned(),
            serde_json::Value::String("true".to_owned()),
        );
        Self {
            id: String::new(),
            token: String::new(),
            user_id: String::new(),
            roles: "system_admin".to_owned(),
            csrf_token: String::new(),
            is_oauth: false,
            create_at: 0,
            expires_at: 0,
            last_activity_at: 0,
            device_id: String::new(),
            props,
            mfa_active: true,
            auth_service: String::new(),
        }
    }

    /// True for the local-mode session.
    pub fn is_local(&self) -> bool {
        self.prop("local") == "true"
    }

    /// True for a session made from a personal access token or a bot token.
    pub fn is_access_token(&self) -> bool {
        self.prop("type") == access_tokens::SESSION_TYPE
    }

    /// True when the session belongs to a bot account.
    pub fn is_bot(&self) -> bool {
        self.prop("is_bot") == "true"
    }

    pub(crate) fn is_expired(&self, now: i64) -> bool {
        expired(self.expires_at, now)
    }
}

/// Whether a session expiring at `expires_at` (0: never) has expired at `now`.
pub(crate) fn expired(expires_at: i64, now: i64) -> bool {
    expires_at != 0 && expires_at < now
}

/// Where the token came from, which decides the CSRF and query-string rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Cookie,
    Header,
    Query,
}

/// Finds the request's token, in Mattermost's precedence order.
pub fn token_from_request(headers: &HeaderMap, query: &str) -> Option<(String, TokenSource)> {
    if let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        return Some((token, TokenSource::Cookie));
    }
    for scheme in ["bearer ", "token "] {
        if let Some(token) = authorization(headers, scheme) {
            return Some((token, TokenSource::Header));
        }
    }
    query_value(query, "access_token").map(|token| (token, TokenSource::Query))
}

/// The credentials of an `Authorization` header with `scheme` (lower case, with its
/// trailing space; compared ignoring case).
fn authorization(headers: &HeaderMap, scheme: &str) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    (auth.len() > scheme.len() && auth[..scheme.len()].eq_ignore_ascii_case(scheme))
        .then(|| auth[scheme.len()..].trim().to_owned())
}

/// The first non-empty value of query parameter `name`.
fn query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.into_owned())
}

/// The value of cookie `name`, if the request sends it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Resolves the request's session. No token, or a token that names no live session, gives
/// `None` (handlers that need a session answer 401). A cookie session on a non-GET request
/// that fails the CSRF check, and a query-string token of a non-OAuth session, are 401 here.
pub async fn authenticate(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    query: &str,
) -> Result<Option<Session>, ApiError> {
    let Some((token, source)) = token_from_request(headers, query) else {
        return Ok(None);
    };
    let Some(session) = live_session(state, &token).await? else {
        return Ok(None);
    };
    if source == TokenSource::Query && !session.is_oauth {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ids::TOKEN_PROVIDED,
            "A token in the query string is accepted only for OAuth sessions.",
        ));
    }
    if source == TokenSource::Cookie && method != Method::GET {
        let sent = headers.get("X-CSRF-Token").and_then(|v| v.to_str().ok());
        let passed = match sent {
            Some(sent) => !session.csrf_token.is_empty() && sent == session.csrf_token,
            None => {
                let xhr = headers
                    .get("X-Requested-With")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v == "XMLHttpRequest");
                xhr && !state
                    .config()
                    .service_settings
                    .experimental_strict_csrf_enforcement
            }
        };
        if !passed {
            return Err(ApiError::unauthorized().detail("The CSRF check failed."));
        }
    }
    Ok(Some(session))
}

/// The live session of `token`, its activity recorded (None: no such session, or it ended).
async fn live_session(state: &AppState, token: &str) -> Result<Option<Session>, ApiError> {
    // A JWT Corteza's auth answered stands for the session it carries.
    let unwrapped = jwt::session_token(&state.facts().link_salt, token);
    let token = unwrapped.as_deref().unwrap_or(token);
    let Some(session) = state.sessions().get(state, token).await? else {
        return Ok(None);
    };
    let Some(session) = keep_alive(state, session).await? else {
        return Ok(None);
    };
    // A token session of a person stops working as soon as tokens are turned off.
    if session.is_access_token()
        && !session.is_bot()
        && !state.config().service_settings.enable_user_access_tokens
    {
        return Ok(None);
    }
    Ok(Some(session))
}

/// The session of a Corteza request: its token from `?jwt=`, then `Authorization: Bearer`,
/// then the `jwt` cookie, as Corteza 2020.9 reads its JWT. Any live session's token serves
/// (a login through any API, a personal access token, a bot's token); none, or one that
/// names no live session, gives `None` (the caller is anonymous).
pub async fn authenticate_corteza(
    state: &AppState,
    headers: &HeaderMap,
    query: &str,
) -> Result<Option<Session>, ApiError> {
    let token = query_value(query, "jwt")
        .or_else(|| authorization(headers, "bearer "))
        .or_else(|| cookie(headers, "jwt"))
        .filter(|t| !t.is_empty());
    match token {
        Some(token) => live_session(state, &token).await,
        None => Ok(None),
    }
}

/// The session of an API key sent in header `name` (ChatCaptain's `x-chatcaptain-key`):
/// a personal access token or a bot's token. No header gives `None`; a token of another
/// kind (a login session) is 401.
pub async fn authenticate_key(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
) -> Result<Option<Session>, ApiError> {
    let Some(token) = headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    match live_session(state, token).await? {
        Some(session) if session.is_access_token() => Ok(Some(session)),
        Some(_) => Err(ApiError::unauthorized().detail(format!(
            "{name} takes a personal access token or a bot token, not a login session"
        ))),
        None => Ok(None),
    }
}

/// How often a session's activity is written down (Mattermost's session activity interval).
const ACTIVITY_INTERVAL_MS: i64 = 5 * 60 * 1000;

/// Applies the idle timeout and records activity. A web session (not mobile, not a token,
/// not OAuth) idle for longer than ServiceSettings.SessionIdleTimeoutInMinutes ends; an
/// active one has its activity written at most every five minutes, and its expiry renewed
/// when ExtendSessionLengthWithActivity is on.
async fn keep_alive(state: &AppState, mut session: Session) -> Result<Option<Session>, ApiError> {
    let now = now_millis();
    let config = state.config();
    let settings = &config.service_settings;
    let web = session.device_id.is_empty() && !session.is_access_token() && !session.is_oauth;
    let idle = settings.session_idle_timeout_in_minutes * 60_000;
    if web && idle > 0 && now - session.last_activity_at > idle {
        session::Entity::delete_by_id(session.id.clone())
            .exec(state.db())
            .await?;
        state
            .invalidate(crate::cluster::Invalidation::Token(session.token.clone()))
            .await?;
        return Ok(None);
    }
    if now - session.last_activity_at < ACTIVITY_INTERVAL_MS {
        return Ok(Some(session));
    }
    session.last_activity_at = now;
    if settings.extend_session_length_with_activity && session.expires_at != 0 {
        let hours = if session.device_id.is_empty() {
            settings.session_length_web_in_hours
        } else {
            settings.session_length_mobile_in_hours
        };
        session.expires_at = now + hours * 3_600_000;
    }
    // A filtered update: a session revoked meanwhile is simply not there to update.
    session::Entity::update_many()
        .col_expr(session::Column::LastActivityAt, Expr::value(now))
        .col_expr(session::Column::ExpiresAt, Expr::value(session.expires_at))
        .filter(session::Column::Id.eq(session.id.clone()))
        .exec(state.db())
        .await?;
    state.sessions().put(&session, now);
    Ok(Some(session))
}

/// Sessions by token, so that authenticating a request costs no database round trip.
/// Entries live at most `SessionCacheInMinutes`; logout and revocation remove them at once.
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Session, i64)>>,
    /// The size at which the next insert first sweeps out retired entries.
    sweep_at: AtomicUsize,
    /// Moves on whenever a cached session is removed or replaced: a holder of a session
    /// checked at one epoch knows it still holds while the epoch has not moved.
    epoch: std::sync::atomic::AtomicU64,
}

/// The cache size below which it is never swept.
const SWEEP_FLOOR: usize = 1024;

impl Default for SessionCache {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
            sweep_at: AtomicUsize::new(SWEEP_FLOOR),
            epoch: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl SessionCache {
    /// The live session for `token`, from the cache or the database.
    pub async fn get(&self, state: &AppState, token: &str) -> Result<Option<Session>, ApiError> {
        let now = now_millis();
        let ttl = state.config().service_settings.session_cache_in_minutes * 60_000;
        if let Some(session) = self.cached(token, now, ttl) {
            return Ok(Some(session));
        }
        let found = session::Entity::find()
            .filter(session::Column::Token.eq(token))
            .one(state.db())
            .await?;
        let mut session = match found {
            Some(model) => Session::from_model(model),
            None => match access_tokens::session_for_token(state, token).await? {
                Some(session) => session,
                None => return Ok(None),
            },
        };
        // The account behind it: gone or deactivated ends the session; its MFA state
        // decides MFA enforcement.
        let owner = state.accounts().get(state.db(), &session.user_id).await?;
        match owner {
            Some(owner) if owner.user.delete_at == 0 => {
                session.mfa_active = owner.user.mfa_active;
                session.auth_service.clone_from(&owner.user.auth_service);
            }
            _ => return Ok(None),
        }
        if session.is_expired(now) {
            return Ok(None);
        }
        self.store(token, &session, now, ttl);
        Ok(Some(session))
    }

    /// Caches `session` under `token`. Tokens used once and never again would otherwise
    /// stay forever: past a size, whatever the TTL has retired is dropped first (at most
    /// once per doubling, so it stays cheap).
    fn store(&self, token: &str, session: &Session, now: i64, ttl: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.sweep_at.load(Ordering::Relaxed) {
                entries.retain(|_, (s, at)| now - *at <= ttl && !s.is_expired(now));
                let next = (entries.len() * 2).max(SWEEP_FLOOR);
                self.sweep_at.store(next, Ordering::Relaxed);
            }
            entries.insert(token.to_owned(), (session.clone(), now));
        }
    }

    /// The current epoch (see the field): read it before checking a session.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    fn moved(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// How many sessions are cached (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn cached(&self, token: &str, now: i64, ttl: i64) -> Option<Session> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(token) {
            Some((s, at)) if now - at <= ttl && !s.is_expired(now) => Some(s.clone()),
            Some(_) => {
                entries.remove(token);
                None
            }
            None => None,
        }
    }

    /// Replaces the cached copy of a session.
    fn put(&self, session: &Session, now: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(session.token.clone(), (session.clone(), now));
        }
        self.moved();
    }

    /// Forgets one token (logout, revoke).
    pub fn remove(&self, token: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(token);
        }
        self.moved();
    }

    /// Forgets every session of a user but the one with id `keep` (revoke all,
    /// deactivation, password change).
    pub fn remove_user(&self, user_id: &str, keep: Option<&str>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (s, _)| s.user_id != user_id || Some(s.id.as_str()) == keep);
        }
        self.moved();
    }

    /// Forgets every session.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
        self.moved();
    }
}

/// The operations a person without MFA may still use while MFA is enforced: enough to set it
/// up, read their own account and sign out.
const MFA_SETUP_OPERATIONS: [&str; 8] = [
    "Login",
    "Logout",
    "CheckUserMfa",
    "GenerateMfaSecret",
    "UpdateUserMfa",
    "GetPing",
    "GetClientConfig",
    "GetClientLicense",
];

/// ServiceSettings.EnforceMultifactorAuthentication: an email or LDAP account without MFA
/// gets 403 `api.context.mfa_required.app_error` outside the setup operations (and GetUser
/// of itself). Bots, tokens and OAuth sessions are exempt.
pub fn require_mfa_if_enforced(
    state: &AppState,
    session: &Session,
    operation_id: &str,
    own_user_id_param: bool,
) -> Result<(), ApiError> {
    let config = state.config();
    let settings = &config.service_settings;
    let enforced =
        settings.enable_multifactor_authentication && settings.enforce_multifactor_authentication;
    let applies = !session.mfa_active
        && (session.auth_service.is_empty() || session.auth_service == "ldap")
        && !session.is_oauth
        && !session.is_bot()
        && !session.is_access_token();
    let allowed = MFA_SETUP_OPERATIONS.contains(&operation_id)
        || (operation_id == "GetUser" && own_user_id_param);
    if enforced && applies && !allowed {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::MFA_REQUIRED,
            "This server requires multi-factor authentication; set it up first.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_sweeps_retired_entries_as_it_grows() {
        let cache = SessionCache::default();
        let session = Session::local();
        let ttl = 60_000;
        for i in 0..SWEEP_FLOOR {
            cache.store(&format!("old{i}"), &session, 0, ttl);
        }
        assert_eq!(cache.len(), SWEEP_FLOOR);
        // Past the TTL, the next insert sweeps the old ones out.
        cache.store("fresh", &session, ttl + 1, ttl);
        assert_eq!(cache.len(), 1);
        assert!(cache.cached("fresh", ttl + 2, ttl).is_some());
    }
}
