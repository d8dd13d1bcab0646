//! What users grant OAuth apps, as Mattermost's provider does it: consent (remembered as an
//! `oauth_app` preference), authorization codes (single use, ten minutes, bound to their
//! redirect URL and, with PKCE, to an S256 challenge), the implicit flow, access tokens that
//! are OAuth sessions (the only ones taken as `?access_token=`), refresh tokens (not for
//! public clients), and deauthorization, which ends the sessions at once.

use super::oauth_apps::{self, AUTHORIZED_CATEGORY};
use super::sessions;
use crate::auth::Caller;
use crate::cluster::Invalidation;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{
    oauth_access_data as access, oauth_app, oauth_auth_data as auth_data, preference, session, user,
};
use axum::http::StatusCode;
use base64::Engine as _;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::Digest as _;

pub mod ids {
    pub const CLIENT_ID: &str = "model.authorize.is_valid.client_id.app_error";
    pub const RESPONSE_TYPE: &str = "model.authorize.is_valid.response_type.app_error";
    pub const REDIRECT_URI: &str = "model.authorize.is_valid.redirect_uri.app_error";
    pub const STATE: &str = "model.authorize.is_valid.state.app_error";
    pub const SCOPE: &str = "model.authorize.is_valid.scope.app_error";
    pub const CODE_CHALLENGE: &str = "model.authorize.is_valid.code_challenge.app_error";
    pub const CODE_CHALLENGE_METHOD: &str =
        "model.authorize.is_valid.code_challenge_method.app_error";
    pub const BAD_CALLBACK: &str = "api.oauth.allow_oauth.redirect_callback.app_error";
    pub const TOKEN_DISABLED: &str = "api.oauth.get_access_token.disabled.app_error";
    pub const MISSING_CODE: &str = "api.oauth.get_access_token.missing_code.app_error";
    pub const MISSING_REFRESH: &str = "api.oauth.get_access_token.missing_refresh_token.app_error";
    pub const BAD_GRANT: &str = "api.oauth.get_access_token.bad_grant.app_error";
    pub const BAD_CLIENT_ID: &str = "api.oauth.get_access_token.bad_client_id.app_error";
    pub const BAD_SECRET: &str = "api.oauth.get_access_token.bad_client_secret.app_error";
    pub const CREDENTIALS: &str = "api.oauth.get_access_token.credentials.app_error";
    pub const EXPIRED_CODE: &str = "api.oauth.get_access_token.expired_code.app_error";
    pub const REDIRECT_MISMATCH: &str = "api.oauth.get_access_token.redirect_uri.app_error";
    pub const USER: &str = "api.oauth.get_access_token.internal_user.app_error";
    pub const REFRESH: &str = "api.oauth.get_access_token.refresh_token.app_error";
    pub const VERIFIER: &str = "api.oauth.get_access_token.code_verifier.app_error";
}

/// How long a code may wait to be exchanged (Mattermost's AuthCodeExpireTime), seconds.
const CODE_LIFETIME_SECS: i64 = 600;
const DEFAULT_SCOPE: &str = "user";

fn bad(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message.to_owned())
}

/// What an app asks a user for (`/oauth/authorize`, as query or JSON).
#[derive(Debug, Default, Clone)]
pub struct AuthorizeRequest {
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

impl AuthorizeRequest {
    /// The request from its named fields (a query's or a JSON body's; a missing one empty).
    pub fn from_fields(field: impl Fn(&str) -> Option<String>) -> Self {
        let f = |name: &str| field(name).unwrap_or_default();
        Self {
            response_type: f("response_type"),
            client_id: f("client_id"),
            redirect_uri: f("redirect_uri"),
            scope: f("scope"),
            state: f("state"),
            code_challenge: f("code_challenge"),
            code_challenge_method: f("code_challenge_method"),
        }
    }

    /// Mattermost's AuthorizeRequest.IsValid, and the PKCE parameters' form (S256 only).
    pub fn validate(&self) -> Result<(), ApiError> {
        if !is_valid_id(&self.client_id) {
            return Err(bad(ids::CLIENT_ID, "The client id is not valid."));
        }
        if self.response_type.is_empty() {
            return Err(bad(ids::RESPONSE_TYPE, "A response type is needed."));
        }
        let uri = &self.redirect_uri;
        if uri.is_empty() || uri.len() > 256 || !super::outbound::is_http_url(uri) {
            return Err(bad(
                ids::REDIRECT_URI,
                "The redirect URI is not a valid URL.",
            ));
        }
        if self.state.len() > 1024 {
            return Err(bad(ids::STATE, "The state has at most 1024 characters."));
        }
        if self.scope.len() > 128 {
            return Err(bad(ids::SCOPE, "The scope has at most 128 characters."));
        }
        if self.code_challenge.is_empty() {
            if !self.code_challenge_method.is_empty() {
                return Err(bad(
                    ids::CODE_CHALLENGE,
                    "A code challenge method needs a code challenge.",
                ));
            }
            return Ok(());
        }
        if self.code_challenge_method != "S256" {
            return Err(bad(
                ids::CODE_CHALLENGE_METHOD,
                "The code challenge method must be S256.",
            ));
        }
        let c = &self.code_challenge;
        let form = c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !(43..=128).contains(&c.len()) || !form {
            return Err(bad(
                ids::CODE_CHALLENGE,
                "The code challenge is 43 to 128 base64url characters.",
            ));
        }
        Ok(())
    }
}

/// The redirect URL is exactly one of the app's callbacks, or 400.
pub fn check_redirect(app: &oauth_app::Model, redirect_uri: &str) -> Result<(), ApiError> {
    if oauth_apps::callback_urls(app)
        .iter()
        .any(|u| u == redirect_uri)
    {
        Ok(())
    } else {
        Err(bad(
            ids::BAD_CALLBACK,
            "The redirect URL is not one of the app's callback URLs.",
        ))
    }
}

/// True when `user_id` consented to `client_id` before.
pub async fn consented(caller: &Caller, user_id: &str, client_id: &str) -> Result<bool, ApiError> {
    let db = caller.state.db();
    let found = crate::store::preferences::get(db, user_id, AUTHORIZED_CATEGORY, client_id).await?;
    Ok(found.is_some())
}

/// `uri` with `pairs` set in its query (Go's Values.Encode: sorted by key).
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let Ok(mut url) = reqwest::Url::parse(uri) else {
        return format!("{uri}?error=redirect_uri_parse_error");
    };
    let mut all: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !pairs.iter().any(|(p, _)| p == k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    all.extend(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    url.set_query(Some(&encoded(all)));
    url.to_string()
}

/// Go's Values.Encode of `pairs`: sorted by key, form-encoded.
fn encoded(mut pairs: Vec<(String, String)>) -> String {
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Grants `request` for `user_id` (Mattermost's AllowOAuthAppAccessToUser): a code (or,
/// for `response_type=token`, an access token) in the redirect URL, and the consent
/// remembered. A public client must use PKCE. The URL to send the user to.
pub async fn allow(
    caller: &Caller,
    user_id: &str,
    mut request: AuthorizeRequest,
) -> Result<String, ApiError> {
    oauth_apps::enabled(caller)?;
    if request.scope.is_empty() {
        DEFAULT_SCOPE.clone_into(&mut request.scope);
    }
    let app = oauth_apps::get(caller, &request.client_id).await?;
    check_redirect(&app, &request.redirect_uri)?;
    let redirect = match request.response_type.as_str() {
        "code" => {
            if app.is_public && request.code_challenge.is_empty() {
                return Err(bad(
                    ids::CODE_CHALLENGE,
                    "A public client must use PKCE (S256).",
                ));
            }
            let code = format!("{}{}", new_id(), new_id());
            let row = auth_data::ActiveModel {
                code: Set(code.clone()),
                client_id: Set(app.id.clone()),
                user_id: Set(user_id.to_owned()),
                expires_in: Set(CODE_LIFETIME_SECS),
                create_at: Set(now_millis()),
                redirect_uri: Set(request.redirect_uri.clone()),
                state: Set(request.state.clone()),
                scope: Set(request.scope.clone()),
                code_challenge: Set(request.code_challenge.clone()),
                code_challenge_method: Set(request.code_challenge_method.clone()),
            };
            auth_data::Entity::insert(row)
                .exec_without_returning(caller.state.db())
                .await?;
            with_query(
                &request.redirect_uri,
                &[("code", &code), ("state", &request.state)],
            )
        }
        "token" => {
            let account = super::users::get(caller.state.db(), user_id).await?;
            let config = caller.state.config();
            let txn = caller.state.begin_write().await?;
            let made = sessions::create_oauth(&txn, &config, &account, &app).await?;
            save_access(&txn, &app, user_id, &made, "", &request).await?;
            txn.commit().await?;
            let expires_in = ((made.expires_at - now_millis()) / 1000).to_string();
            let pairs = [
                ("access_token", made.token.clone()),
                ("token_type", "bearer".to_owned()),
                ("expires_in", expires_in),
                ("scope", request.scope.clone()),
                ("state", request.state.clone()),
            ];
            let pairs = pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            format!("{}#{}", request.redirect_uri, encoded(pairs))
        }
        _ => {
            return Ok(format!(
                "{}?error=unsupported_response_type&state={}",
                request.redirect_uri, request.state
            ));
        }
    };
    let consent = preference::Model {
        user_id: user_id.to_owned(),
        category: AUTHORIZED_CATEGORY.to_owned(),
        name: app.id.clone(),
        value: request.scope.clone(),
    };
    crate::store::preferences::upsert(caller.state.db(), consent).await?;
    Ok(redirect)
}

async fn save_access(
    db: &impl sea_orm::ConnectionTrait,
    app: &oauth_app::Model,
    user_id: &str,
    made: &crate::auth::Session,
    refresh_token: &str,
    request: &AuthorizeRequest,
) -> Result<(), ApiError> {
    let row = access::ActiveModel {
        token: Set(made.token.clone()),
        client_id: Set(app.id.clone()),
        user_id: Set(user_id.to_owned()),
        refresh_token: Set(refresh_token.to_owned()),
        redirect_uri: Set(request.redirect_uri.clone()),
        expires_at: Set(made.expires_at),
        scope: Set(request.scope.clone()),
    };
    access::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// What an app sends to `/oauth/access_token` (a form).
#[derive(Debug, Default)]
pub struct TokenRequest {
    pub grant_type: String,
    pub code: String,
    pub refresh_token: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    pub code_verifier: String,
}

/// The token endpoint's answer, as Mattermost encodes its AccessResponse.
#[derive(Debug, serde::Serialize)]
pub struct AccessResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    pub refresh_token: String,
    pub id_token: String,
}

impl AccessResponse {
    /// A bearer token's answer (no scope or id token, as Mattermost's code flow answers).
    fn bearer(access_token: String, expires_in: i64, refresh_token: String) -> Self {
        Self {
            access_token,
            token_type: "bearer",
            expires_in,
            scope: String::new(),
            refresh_token,
            id_token: String::new(),
        }
    }
}

/// Mattermost's getAccessToken and GetOAuthAccessTokenForCodeFlow: a code (once) or a
/// refresh token for an access token. A public client sends no secret; with PKCE the
/// verifier must hash to the code's challenge.
pub async fn exchange(caller: &Caller, form: TokenRequest) -> Result<AccessResponse, ApiError> {
    match form.grant_type.as_str() {
        "authorization_code" if form.code.is_empty() => {
            return Err(bad(ids::MISSING_CODE, "The code is missing."));
        }
        "refresh_token" if form.refresh_token.is_empty() => {
            return Err(bad(ids::MISSING_REFRESH, "The refresh token is missing."));
        }
        "authorization_code" | "refresh_token" => {}
        _ => return Err(bad(ids::BAD_GRANT, "The grant type is not supported.")),
    }
    if !is_valid_id(&form.client_id) {
        return Err(bad(ids::BAD_CLIENT_ID, "The client id is not valid."));
    }
    oauth_apps::enabled_or(caller, ids::TOKEN_DISABLED)?;
    let credentials = |status| {
        ApiError::new(
            status,
            ids::CREDENTIALS,
            "The client credentials are not valid.",
        )
    };
    let Some(app) = oauth_app::Entity::find_by_id(form.client_id.clone())
        .one(caller.state.db())
        .await?
    else {
        return Err(if form.client_secret.is_empty() {
            bad(ids::BAD_SECRET, "The client secret is missing.")
        } else {
            credentials(StatusCode::NOT_FOUND)
        });
    };
    if !app.is_public {
        if form.client_secret.is_empty() {
            return Err(bad(ids::BAD_SECRET, "The client secret is missing."));
        }
        if !same(&app.client_secret, &form.client_secret) {
            return Err(credentials(StatusCode::FORBIDDEN));
        }
    }
    if form.grant_type == "authorization_code" {
        exchange_code(caller, &app, form).await
    } else {
        refresh(caller, &app, &form.refresh_token).await
    }
}

fn expired_code(status: StatusCode) -> ApiError {
    ApiError::new(
        status,
        ids::EXPIRED_CODE,
        "The code is not valid or has expired.",
    )
}

fn live_user(found: Option<user::Model>) -> Result<user::Model, ApiError> {
    match found {
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ids::USER,
            "The user is gone.",
        )),
        Some(u) if u.delete_at != 0 => Err(expired_code(StatusCode::FORBIDDEN)),
        Some(u) => Ok(u),
    }
}

async fn exchange_code(
    caller: &Caller,
    app: &oauth_app::Model,
    form: TokenRequest,
) -> Result<AccessResponse, ApiError> {
    let db = caller.state.db();
    let found = auth_data::Entity::find_by_id(form.code.clone())
        .one(db)
        .await?;
    let Some(code) = found.filter(|c| c.client_id == app.id) else {
        return Err(expired_code(StatusCode::BAD_REQUEST));
    };
    if now_millis() > code.create_at + code.expires_in * 1000 {
        auth_data::Entity::delete_by_id(code.code.clone())
            .exec(db)
            .await?;
        return Err(expired_code(StatusCode::FORBIDDEN));
    }
    if code.redirect_uri != form.redirect_uri {
        return Err(bad(
            ids::REDIRECT_MISMATCH,
            "The redirect URI does not match the code's.",
        ));
    }
    if !code.code_challenge.is_empty() && !verifies(&form.code_verifier, &code.code_challenge) {
        return Err(bad(
            ids::VERIFIER,
            "The code verifier does not match the code challenge.",
        ));
    }
    let account = live_user(
        user::Entity::find_by_id(code.user_id.clone())
            .one(db)
            .await?,
    )?;
    let config = caller.state.config();
    let txn = caller.state.begin_write().await?;
    // The code is taken before anything is granted: of racing exchanges, one wins.
    let taken = auth_data::Entity::delete_by_id(code.code.clone())
        .exec(&txn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(expired_code(StatusCode::BAD_REQUEST));
    }
    let previous = access::Entity::find()
        .filter(access::Column::UserId.eq(&account.id))
        .filter(access::Column::ClientId.eq(&app.id))
        .order_by_desc(access::Column::ExpiresAt)
        .one(&txn)
        .await?;
    let now = now_millis();
    let (answer, ended) = match previous {
        // A live grant is answered again, as Mattermost does.
        Some(p) if p.expires_at > now => {
            let expires_in = (p.expires_at - now) / 1000;
            (
                AccessResponse::bearer(p.token, expires_in, p.refresh_token),
                None,
            )
        }
        Some(p) => {
            let (answer, old) = renew(&txn, &config, app, &account, p).await?;
            (answer, Some(old))
        }
        None => {
            let made = sessions::create_oauth(&txn, &config, &account, app).await?;
            let refresh_token = refresh_token_for(app);
            let request = AuthorizeRequest {
                redirect_uri: form.redirect_uri.clone(),
                scope: code.scope.clone(),
                ..AuthorizeRequest::default()
            };
            save_access(&txn, app, &account.id, &made, &refresh_token, &request).await?;
            let expires_in = sso_seconds(&config);
            (
                AccessResponse::bearer(made.token, expires_in, refresh_token),
                None,
            )
        }
    };
    txn.commit().await?;
    if let Some(old) = ended {
        caller.state.invalidate(Invalidation::Token(old)).await?;
    }
    Ok(answer)
}

/// A new refresh token, or none for a public client.
fn refresh_token_for(app: &oauth_app::Model) -> String {
    if app.is_public {
        String::new()
    } else {
        new_id()
    }
}

/// How long a new OAuth session lasts, in seconds (SessionLengthSSOInHours).
fn sso_seconds(config: &crate::config::Config) -> i64 {
    config.service_settings.session_length_sso_in_hours * 3600
}

/// PKCE S256: BASE64URL(SHA-256(verifier)) equals the challenge; the verifier is 43 to 128
/// unreserved characters.
fn verifies(verifier: &str, challenge: &str) -> bool {
    let form = verifier
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !(43..=128).contains(&verifier.len()) || !form {
        return false;
    }
    let hashed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    same(&hashed, challenge)
}

/// A new session and refresh token for the grant `old` (its session ends). The answer and
/// the token that ended.
async fn renew(
    txn: &impl sea_orm::ConnectionTrait,
    config: &crate::config::Config,
    app: &oauth_app::Model,
    account: &user::Model,
    old: access::Model,
) -> Result<(AccessResponse, String), ApiError> {
    let made = sessions::create_oauth(txn, config, account, app).await?;
    let refresh_token = refresh_token_for(app);
    // Only the holder of the current token renews it: of racing refreshes, one wins.
    let moved = access::Entity::update_many()
        .col_expr(access::Column::Token, made.token.clone().into())
        .col_expr(access::Column::RefreshToken, refresh_token.clone().into())
        .col_expr(access::Column::ExpiresAt, made.expires_at.into())
        .filter(access::Column::Token.eq(&old.token))
        .filter(access::Column::RefreshToken.eq(&old.refresh_token))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(refresh_missing());
    }
    session::Entity::delete_many()
        .filter(session::Column::Token.eq(&old.token))
        .exec(txn)
        .await?;
    let expires_in = sso_seconds(config);
    let answer = AccessResponse::bearer(made.token, expires_in, refresh_token);
    Ok((answer, old.token))
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn refresh_missing() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::REFRESH,
        "The refresh token is not valid.",
    )
}

async fn refresh(
    caller: &Caller,
    app: &oauth_app::Model,
    refresh_token: &str,
) -> Result<AccessResponse, ApiError> {
    let db = caller.state.db();
    let found = access::Entity::find()
        .filter(access::Column::RefreshToken.eq(refresh_token))
        .one(db)
        .await?;
    let Some(grant) = found.filter(|g| g.client_id == app.id) else {
        return Err(refresh_missing());
    };
    let account = live_user(
        user::Entity::find_by_id(grant.user_id.clone())
            .one(db)
            .await?,
    )?;
    let config = caller.state.config();
    let txn = caller.state.begin_write().await?;
    let (answer, old) = renew(&txn, &config, app, &account, grant).await?;
    txn.commit().await?;
    caller.state.invalidate(Invalidation::Token(old)).await?;
    Ok(answer)
}

/// Takes back `user_id`'s grants to `client_id`: its sessions end now, its codes and the
/// consent go (Mattermost's DeauthorizeOAuthAppForUser), in one transaction.
pub async fn deauthorize(caller: &Caller, user_id: &str, client_id: &str) -> Result<(), ApiError> {
    oauth_apps::enabled(caller)?;
    let txn = caller.state.begin_write().await?;
    let tokens = oauth_apps::end_grants(&txn, client_id, Some(user_id)).await?;
    txn.commit().await?;
    oauth_apps::forget_sessions(caller, tokens).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_verifies_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(verifies(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verifies(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!verifies(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn redirects_keep_the_callbacks_query_and_sort_like_go() {
        let out = with_query(
            "https://app.example/cb?z=1",
            &[("code", "c"), ("state", "s t")],
        );
        assert_eq!(out, "https://app.example/cb?code=c&state=s+t&z=1");
    }

    #[test]
    fn requests_are_checked_as_mattermost_checks_them() {
        let good = AuthorizeRequest {
            response_type: "code".into(),
            client_id: new_id(),
            redirect_uri: "https://app.example/cb".into(),
            ..AuthorizeRequest::default()
        };
        assert!(good.validate().is_ok());
        let plain = AuthorizeRequest {
            code_challenge: "a".repeat(43),
            code_challenge_method: "plain".into(),
            ..good.clone()
        };
        assert!(plain.validate().is_err());
        let s256 = AuthorizeRequest {
            code_challenge_method: "S256".into(),
            ..plain
        };
        assert!(s256.validate().is_ok());
        let no_client = AuthorizeRequest {
            client_id: "x".into(),
            ..good
        };
        assert!(no_client.validate().is_err());
    }
}
