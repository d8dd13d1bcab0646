//! Outgoing OAuth connections, as Mattermost has them: credentials (client credentials or
//! password grant) that ferromost exchanges at the connection's token URL for a token, sent
//! as `Authorization` on the requests it makes to the connection's audience URLs (slash
//! commands, outgoing webhooks). A new token for every request, as Mattermost's documentation
//! says. Turned on by `ServiceSettings.EnableOutgoingOAuthConnections` (off by default); set
//! up with `manage_outgoing_oauth_connections`, listed also to who may manage a team's
//! outgoing webhooks or slash commands (to pick one for theirs). No licence needed here.

use super::outbound;
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::config::Config;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{
    outgoing_oauth_audience as audience, outgoing_oauth_connection as conn,
};
use axum::http::StatusCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};

pub mod ids {
    pub const DISABLED: &str =
        "api.context.outgoing_oauth_connection.not_available.configuration_disabled";
    pub const LIST_INPUT: &str =
        "api.context.outgoing_oauth_connection.list_connections.input_error";
    pub const LIST: &str = "api.context.outgoing_oauth_connection.list_connections.app_error";
    pub const VALIDATE: &str =
        "api.context.outgoing_oauth_connection.validate_connection_credentials.app_error";
    pub const NOT_FOUND: &str = "ent.outgoing_oauth_connections.get_connection.not_found.app_error";
    pub const SAVE_DUPLICATED: &str =
        "ent.outgoing_oauth_connections.save_connection.audience_duplicated";
    pub const UPDATE_DUPLICATED: &str =
        "ent.outgoing_oauth_connections.update_connection.audience_duplicated";
    pub const AUTHENTICATE: &str = "ent.outgoing_oauth_connections.authenticate.app_error";
    pub const NAME: &str = "model.outgoing_oauth_connection.is_valid.name.error";
    pub const CLIENT_ID: &str = "model.outgoing_oauth_connection.is_valid.client_id.error";
    pub const CLIENT_SECRET: &str = "model.outgoing_oauth_connection.is_valid.client_secret.error";
    pub const TOKEN_URL: &str = "model.outgoing_oauth_connection.is_valid.oauth_token_url.error";
    pub const GRANT_TYPE: &str = "model.outgoing_oauth_connection.is_valid.grant_type.error";
    pub const PASSWORD: &str =
        "model.outgoing_oauth_connection.is_valid.password_credentials.error";
    pub const AUDIENCE_EMPTY: &str = "model.outgoing_oauth_connection.is_valid.audience.empty";
    pub const AUDIENCE: &str = "model.outgoing_oauth_connection.is_valid.audience.error";
}

const CLIENT_CREDENTIALS: &str = "client_credentials";
const PASSWORD: &str = "password";
/// The most of a token endpoint's answer read.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;

fn enabled_in(config: &Config) -> bool {
    config.flag("ServiceSettings", "EnableOutgoingOAuthConnections", false)
}

/// EnableOutgoingOAuthConnections, or 501.
fn enabled(caller: &Caller) -> Result<(), ApiError> {
    if enabled_in(&caller.state.config()) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::DISABLED,
            "Outgoing OAuth connections are not available on this server.",
        ))
    }
}

/// Who may set connections up (`manage_outgoing_oauth_connections`), then whether they
/// are on.
pub async fn require_write(caller: &Caller) -> Result<(), ApiError> {
    permissions::require_system(caller, perm::MANAGE_OUTGOING_OAUTH_CONNECTIONS).await?;
    enabled(caller)
}

/// Who may list them: those who set them up, and who may manage the team's outgoing
/// webhooks or slash commands (to pick one for theirs); then whether they are on.
pub async fn require_read(caller: &Caller, team_id: &str) -> Result<(), ApiError> {
    caller.session()?;
    if permissions::has_system(caller, perm::MANAGE_OUTGOING_OAUTH_CONNECTIONS).await?
        || permissions::has_team(caller, team_id, perm::MANAGE_OUTGOING_WEBHOOKS).await?
        || permissions::has_team(caller, team_id, perm::MANAGE_SLASH_COMMANDS).await?
    {
        enabled(caller)
    } else {
        Err(ApiError::forbidden().detail(format!(
            "needs one of: {}, {}",
            perm::MANAGE_OUTGOING_WEBHOOKS,
            perm::MANAGE_SLASH_COMMANDS
        )))
    }
}

fn invalid(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message.to_owned())
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::NOT_FOUND,
        "The outgoing oauth connection was not found.",
    )
}

pub fn audiences(c: &conn::Model) -> Vec<String> {
    serde_json::from_str(&c.audiences).unwrap_or_default()
}

/// The connection as Mattermost answers it: without its secret and password (Sanitize).
pub fn to_api(c: &conn::Model) -> types::OutgoingOAuthConnection {
    types::OutgoingOAuthConnection {
        id: Some(c.id.clone()),
        creator_id: Some(c.creator_id.clone()),
        create_at: Some(c.create_at),
        update_at: Some(c.update_at),
        name: Some(c.name.clone()),
        client_id: Some(c.client_id.clone()).filter(|v| !v.is_empty()),
        client_secret: None,
        credentials_username: c.credentials_username.clone(),
        credentials_password: None,
        oauth_token_url: Some(c.oauth_token_url.clone()),
        grant_type: Some(c.grant_type.clone()),
        audiences: audiences(c),
    }
}

/// Mattermost's HasValidGrantType.
fn check_grant(c: &conn::Model) -> Result<(), ApiError> {
    if c.grant_type != CLIENT_CREDENTIALS && c.grant_type != PASSWORD {
        return Err(invalid(ids::GRANT_TYPE, "Invalid grant type."));
    }
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    if c.grant_type == PASSWORD
        && !(given(&c.credentials_username) && given(&c.credentials_password))
    {
        return Err(invalid(ids::PASSWORD, "Invalid password credentials."));
    }
    Ok(())
}

/// Mattermost's OutgoingOAuthConnection.IsValid on what a client may get wrong.
fn validate(c: &conn::Model, urls: &[String]) -> Result<(), ApiError> {
    let runes = |s: &str| s.chars().count();
    if c.name.is_empty() || runes(&c.name) > 64 {
        return Err(invalid(ids::NAME, "Invalid name."));
    }
    if c.client_id.is_empty() || runes(&c.client_id) > 255 {
        return Err(invalid(ids::CLIENT_ID, "Invalid client id."));
    }
    if c.client_secret.is_empty() || runes(&c.client_secret) > 255 {
        return Err(invalid(ids::CLIENT_SECRET, "Invalid client secret."));
    }
    if !outbound::is_http_url(&c.oauth_token_url) || runes(&c.oauth_token_url) > 256 {
        return Err(invalid(ids::TOKEN_URL, "Invalid oauth token url."));
    }
    check_grant(c)?;
    if urls.is_empty() {
        return Err(invalid(ids::AUDIENCE_EMPTY, "Audience must not be empty."));
    }
    if let Some(bad) = urls
        .iter()
        .find(|u| !outbound::is_http_url(u) || u.len() > 1024)
    {
        return Err(invalid(
            ids::AUDIENCE,
            &format!("Audience URL is invalid: {bad}"),
        ));
    }
    Ok(())
}

/// The audiences as given, each once, in their first order.
fn distinct(urls: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    urls.into_iter()
        .filter(|u| seen.insert(u.clone()))
        .collect()
}

/// 400 unless `id` is a well-formed connection id.
fn check_id(id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("outgoing_oauth_connection_id"))
    }
}

/// The connection `id`, or 404.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<conn::Model, ApiError> {
    check_id(id)?;
    conn::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// A page of connections by id after `from_id` (Mattermost: `limit` 1 to 100, 10 by default).
pub async fn list(
    caller: &Caller,
    from_id: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<conn::Model>, ApiError> {
    let limit = limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(invalid(ids::LIST_INPUT, "Invalid input parameters.")
            .detail("limit must be between 1 and 100"));
    }
    let mut q = conn::Entity::find().order_by_asc(conn::Column::Id);
    if let Some(from) = from_id.filter(|f| !f.is_empty()) {
        q = q.filter(conn::Column::Id.gt(from));
    }
    Ok(q.limit(limit.unsigned_abs()).all(caller.state.db()).await?)
}

/// Whether `audience` serves `url`: the same URL, or one under it (the URL goes on after the
/// audience with a path, query or fragment).
fn serves(audience: &str, url: &str) -> bool {
    match url.strip_prefix(audience) {
        Some("") => true,
        Some(rest) => audience.ends_with('/') || rest.starts_with(['/', '?', '#']),
        None => false,
    }
}

/// The connection serving `url` (the longest audience that does), if any.
pub async fn for_url(
    db: &impl ConnectionTrait,
    url: &str,
) -> Result<Option<conn::Model>, ApiError> {
    let best = audience::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|a| serves(&a.audience, url))
        .max_by_key(|a| a.audience.len());
    match best {
        Some(a) => Ok(conn::Entity::find_by_id(a.connection_id).one(db).await?),
        None => Ok(None),
    }
}

/// The connection serving `audience`, or 404 (what ListOutgoingOAuthConnections answers
/// for `?audience=`).
pub async fn for_audience(caller: &Caller, url: &str) -> Result<conn::Model, ApiError> {
    for_url(caller.state.db(), url).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::LIST,
            "The outgoing oauth connection for the provided audience was not found.",
        )
    })
}

/// Writes the connection and its audiences in one transaction; an audience another
/// connection serves (found first, or lost in a race at the unique key) is a 400 `dup`.
async fn store(
    caller: &Caller,
    c: conn::Model,
    urls: &[String],
    is_new: bool,
    dup: &'static str,
) -> Result<conn::Model, ApiError> {
    let duplicated = |url: &str| {
        invalid(
            dup,
            &format!(
                "There is already an outgoing oauth connection for the provided audience: {url}"
            ),
        )
    };
    let txn = caller.state.begin_write().await?;
    let taken = audience::Entity::find()
        .filter(audience::Column::Audience.is_in(urls.to_vec()))
        .filter(audience::Column::ConnectionId.ne(c.id.clone()))
        .one(&txn)
        .await?;
    if let Some(a) = taken {
        return Err(duplicated(&a.audience));
    }
    audience::Entity::delete_many()
        .filter(audience::Column::ConnectionId.eq(c.id.clone()))
        .exec(&txn)
        .await?;
    let rows = urls.iter().map(|u| audience::ActiveModel {
        audience: sea_orm::Set(u.clone()),
        connection_id: sea_orm::Set(c.id.clone()),
    });
    let unique_lost = |e: &DbErr| matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)));
    if let Err(e) = audience::Entity::insert_many(rows).exec(&txn).await {
        return Err(if unique_lost(&e) {
            duplicated(urls.first().map(String::as_str).unwrap_or_default())
        } else {
            e.into()
        });
    }
    let row: conn::ActiveModel = c.into();
    let saved = if is_new {
        conn::Entity::insert(row).exec_with_returning(&txn).await
    } else {
        sea_orm::ActiveModelTrait::update(sea_orm::ActiveModelTrait::reset_all(row), &txn).await
    };
    // An update of a connection deleted meanwhile changes no row: it is gone.
    let saved = saved.map_err(|e| match e {
        DbErr::RecordNotUpdated => not_found(),
        e => e.into(),
    })?;
    txn.commit().await?;
    Ok(saved)
}

/// A connection from what a client sent (the fields it may set), with `id`, creator, times
/// and audiences given.
fn from_body(
    id: String,
    creator_id: String,
    now: i64,
    urls: &[String],
    body: types::OutgoingOAuthConnection,
) -> Result<conn::Model, ApiError> {
    Ok(conn::Model {
        id,
        creator_id,
        create_at: now,
        update_at: now,
        name: body.name.unwrap_or_default(),
        client_id: body.client_id.unwrap_or_default(),
        client_secret: body.client_secret.unwrap_or_default(),
        credentials_username: body.credentials_username,
        credentials_password: body.credentials_password,
        oauth_token_url: body.oauth_token_url.unwrap_or_default(),
        grant_type: body.grant_type.unwrap_or_default(),
        audiences: serde_json::to_string(urls).map_err(ApiError::internal)?,
    })
}

/// Saves a new connection made by the caller.
pub async fn create(
    caller: &Caller,
    mut body: types::OutgoingOAuthConnection,
) -> Result<conn::Model, ApiError> {
    let now = now_millis();
    let urls = distinct(std::mem::take(&mut body.audiences));
    let creator = caller.session()?.user_id.clone();
    let c = from_body(new_id(), creator, now, &urls, body)?;
    validate(&c, &urls)?;
    store(caller, c, &urls, true, ids::SAVE_DUPLICATED).await
}

/// Mattermost's Patch: what the body sets (a non-empty field, a non-empty audience list, a
/// username or password given) replaces the stored value.
pub async fn update(
    caller: &Caller,
    old: conn::Model,
    body: types::OutgoingOAuthConnection,
) -> Result<conn::Model, ApiError> {
    let keep = |new: Option<String>, old: String| new.filter(|v| !v.is_empty()).unwrap_or(old);
    let urls = if body.audiences.is_empty() {
        audiences(&old)
    } else {
        distinct(body.audiences)
    };
    let c = conn::Model {
        update_at: now_millis().max(old.update_at + 1),
        name: keep(body.name, old.name),
        client_id: keep(body.client_id, old.client_id),
        client_secret: keep(body.client_secret, old.client_secret),
        oauth_token_url: keep(body.oauth_token_url, old.oauth_token_url),
        grant_type: keep(body.grant_type, old.grant_type),
        credentials_username: body.credentials_username.or(old.credentials_username),
        credentials_password: body.credentials_password.or(old.credentials_password),
        audiences: serde_json::to_string(&urls).map_err(ApiError::internal)?,
        ..old
    };
    validate(&c, &urls)?;
    store(caller, c, &urls, false, ids::UPDATE_DUPLICATED).await
}

/// Deletes the connection and frees its audiences, together (404 when there is none).
pub async fn delete(caller: &Caller, id: &str) -> Result<(), ApiError> {
    check_id(id)?;
    let txn = caller.state.begin_write().await?;
    audience::Entity::delete_many()
        .filter(audience::Column::ConnectionId.eq(id))
        .exec(&txn)
        .await?;
    let gone = conn::Entity::delete_by_id(id.to_owned()).exec(&txn).await?;
    if gone.rows_affected == 0 {
        return Err(not_found());
    }
    txn.commit().await?;
    Ok(())
}

/// What ValidateOutgoingOAuthConnection tries: the body's connection, with the stored
/// secret (and password) when it names a stored connection and leaves them out.
pub async fn candidate(
    caller: &Caller,
    body: types::OutgoingOAuthConnection,
) -> Result<conn::Model, ApiError> {
    let id = body.id.clone().unwrap_or_default();
    let mut c = from_body(id, String::new(), 0, &[], body)?;
    if !c.id.is_empty() && c.client_secret.is_empty() {
        let stored = get(caller.state.db(), &c.id).await?;
        c.client_secret = stored.client_secret;
        if c.credentials_password.is_none() {
            c.credentials_password = stored.credentials_password;
        }
    }
    if !outbound::is_http_url(&c.oauth_token_url) {
        return Err(invalid(ids::TOKEN_URL, "Invalid oauth token url."));
    }
    check_grant(&c)?;
    Ok(c)
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: String,
}

fn authenticate(status: StatusCode, why: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        status,
        ids::AUTHENTICATE,
        format!("There was an error while authenticating the outgoing oauth connection: {why}"),
    )
}

/// Asks the connection's token URL for a token (the credentials in a form, as Mattermost
/// sends them) and answers the `Authorization` value to send with it. The token URL is
/// reached like any integration: guarded, no redirects, the integration time limit. A
/// refusal by the token endpoint is a 400; no answer from it, a 502.
pub async fn token(config: &Config, c: &conn::Model) -> Result<String, ApiError> {
    let url = reqwest::Url::parse(&c.oauth_token_url)
        .map_err(|e| authenticate(StatusCode::BAD_REQUEST, e))?;
    let client = outbound::guarded_client(config, &url, outbound::integration_timeout(config))
        .await?
        .ok_or_else(|| {
            authenticate(
                StatusCode::BAD_REQUEST,
                format!(
                    "{} is not an address integrations may reach",
                    c.oauth_token_url
                ),
            )
        })?;
    let form = {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", &c.grant_type)
            .append_pair("client_id", &c.client_id)
            .append_pair("client_secret", &c.client_secret);
        if c.grant_type == PASSWORD {
            form.append_pair(
                "username",
                c.credentials_username.as_deref().unwrap_or_default(),
            )
            .append_pair(
                "password",
                c.credentials_password.as_deref().unwrap_or_default(),
            );
        }
        form.finish()
    };
    let response = client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(form)
        .send()
        .await
        .map_err(|e| authenticate(StatusCode::BAD_GATEWAY, e))?;
    let status = response.status();
    let body = outbound::read_capped(response, MAX_TOKEN_RESPONSE)
        .await
        .map_err(|e| authenticate(StatusCode::BAD_GATEWAY, e))?;
    if !status.is_success() {
        return Err(authenticate(
            StatusCode::BAD_REQUEST,
            format!("the token URL answered {status}"),
        )
        .detail(String::from_utf8_lossy(&body).into_owned()));
    }
    let answer: TokenAnswer =
        serde_json::from_slice(&body).map_err(|e| authenticate(StatusCode::BAD_GATEWAY, e))?;
    if answer.access_token.is_empty() {
        return Err(authenticate(StatusCode::BAD_GATEWAY, "no access_token"));
    }
    // As Go's oauth2 Token.Type: "bearer" in any case is "Bearer"; none at all is too.
    let kind = match answer.token_type.as_str() {
        t if t.is_empty() || t.eq_ignore_ascii_case("bearer") => "Bearer",
        t => t,
    };
    Ok(format!("{kind} {}", answer.access_token))
}

/// The `Authorization` value for a request to an integration at `url`: a fresh token from
/// the connection serving it, when connections are on and one does; None otherwise.
pub async fn authorization_for(caller: &Caller, url: &str) -> Result<Option<String>, ApiError> {
    let config = caller.state.config();
    if !enabled_in(&config) {
        return Ok(None);
    }
    match for_url(caller.state.db(), url).await? {
        Some(c) => token(&config, &c).await.map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::serves;

    #[test]
    fn audiences_serve_their_urls() {
        assert!(serves("https://a.example/cmd", "https://a.example/cmd"));
        assert!(serves(
            "https://a.example/cmd",
            "https://a.example/cmd/x?y=1"
        ));
        assert!(serves("https://a.example/cmd", "https://a.example/cmd?y=1"));
        assert!(serves("https://a.example/", "https://a.example/cmd"));
        assert!(!serves("https://a.example/cmd", "https://a.example/cmdx"));
        assert!(!serves("https://a.example/cmd", "https://a.example/"));
        assert!(!serves("https://a.example", "https://a.example.evil/"));
    }
}
