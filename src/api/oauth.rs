//! The `OAuth` tag (the apps registered with the OAuth 2.0 provider, and the outgoing OAuth
//! connections) and the provider's endpoints outside the v4 paths (`oauth_provider`:
//! `/oauth/authorize`, `/oauth/access_token`, `/oauth/deauthorize`).

use super::{Api, ok};
use crate::app::oauth_apps::{self, to_api, to_api_sanitized};
use crate::app::oauth_grants::{self, AuthorizeRequest, TokenRequest};
use crate::app::outgoing_oauth;
use crate::auth::permissions;
use crate::contract::{self, types};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::{Binary, Ctx, Upload};
use axum::http::{HeaderValue, StatusCode, header};

fn app_id(id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("app_id"))
    }
}

const CREATE_INPUT: &str = "api.context.outgoing_oauth_connection.create_connection.input_error";
const UPDATE_INPUT: &str = "api.context.outgoing_oauth_connection.update_connection.input_error";
const VALIDATE_INPUT: &str =
    "api.context.outgoing_oauth_connection.validate_connection_credentials.input_error";

/// A connection body, or 400 `id` (Mattermost's decoder refusing an empty body).
fn connection_body(
    body: Option<types::OutgoingOAuthConnection>,
    id: &'static str,
) -> Result<types::OutgoingOAuthConnection, ApiError> {
    body.ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, id, "Invalid input parameters."))
}

fn paging(ctx: &Ctx) -> (u64, u64) {
    let q = ctx.query();
    (q.page().unsigned_abs(), q.per_page().unsigned_abs())
}

impl contract::OAuthApi for Api {
    /// `GET /api/v4/oauth/apps`: all apps with manage_system_wide_oauth, one's own with
    /// manage_oauth.
    async fn get_o_auth_apps(
        ctx: &Ctx,
        _query: contract::GetOAuthAppsQuery,
    ) -> Result<Vec<types::OAuthApp>, ApiError> {
        let (page, per_page) = paging(ctx);
        let rows = oauth_apps::list(ctx, page, per_page).await?;
        Ok(rows.iter().map(to_api).collect())
    }

    /// `POST /api/v4/oauth/apps`: manage_oauth; trusted only by a system admin.
    async fn create_o_auth_app(
        ctx: &Ctx,
        body: types::OAuthApp,
    ) -> Result<types::OAuthApp, ApiError> {
        let made = oauth_apps::create(ctx, body).await?;
        Ok(to_api(&made))
    }

    /// `GET /api/v4/oauth/apps/{app_id}`: one's own, or anyone's with
    /// manage_system_wide_oauth.
    async fn get_o_auth_app(
        ctx: &Ctx,
        path: contract::GetOAuthAppPath,
    ) -> Result<types::OAuthApp, ApiError> {
        app_id(&path.app_id)?;
        oauth_apps::enabled(ctx)?;
        Ok(to_api(&oauth_apps::managed(ctx, &path.app_id).await?))
    }

    /// `PUT /api/v4/oauth/apps/{app_id}`: as GetOAuthApp; the body's id is the path's.
    async fn update_o_auth_app(
        ctx: &Ctx,
        path: contract::UpdateOAuthAppPath,
        body: types::OAuthApp,
    ) -> Result<types::OAuthApp, ApiError> {
        app_id(&path.app_id)?;
        if body.id.as_deref() != Some(path.app_id.as_str()) {
            return Err(ApiError::invalid_param("app_id"));
        }
        oauth_apps::enabled(ctx)?;
        let old = oauth_apps::managed(ctx, &path.app_id).await?;
        Ok(to_api(&oauth_apps::update(ctx, old, body).await?))
    }

    /// `DELETE /api/v4/oauth/apps/{app_id}`: as GetOAuthApp; its grants end.
    async fn delete_o_auth_app(
        ctx: &Ctx,
        path: contract::DeleteOAuthAppPath,
    ) -> Result<types::StatusOk, ApiError> {
        app_id(&path.app_id)?;
        oauth_apps::enabled(ctx)?;
        let app = oauth_apps::managed(ctx, &path.app_id).await?;
        oauth_apps::delete(ctx, &app).await?;
        Ok(ok())
    }

    /// `GET /api/v4/oauth/apps/{app_id}/info`: any session; without the secret.
    async fn get_o_auth_app_info(
        ctx: &Ctx,
        path: contract::GetOAuthAppInfoPath,
    ) -> Result<types::OAuthApp, ApiError> {
        ctx.session()?;
        app_id(&path.app_id)?;
        oauth_apps::enabled(ctx)?;
        Ok(to_api_sanitized(&oauth_apps::get(ctx, &path.app_id).await?))
    }

    /// `POST /api/v4/oauth/apps/{app_id}/regen_secret`: as GetOAuthApp.
    async fn regenerate_o_auth_app_secret(
        ctx: &Ctx,
        path: contract::RegenerateOAuthAppSecretPath,
    ) -> Result<types::OAuthApp, ApiError> {
        app_id(&path.app_id)?;
        oauth_apps::enabled(ctx)?;
        let app = oauth_apps::managed(ctx, &path.app_id).await?;
        Ok(to_api(&oauth_apps::regenerate_secret(ctx, app).await?))
    }

    /// `GET /api/v4/users/{user_id}/oauth/apps/authorized`: the user or who may act for
    /// them; without secrets.
    async fn get_authorized_o_auth_apps_for_user(
        ctx: &Ctx,
        path: contract::GetAuthorizedOAuthAppsForUserPath,
        _query: contract::GetAuthorizedOAuthAppsForUserQuery,
    ) -> Result<Vec<types::OAuthApp>, ApiError> {
        if !is_valid_id(&path.user_id) {
            return Err(ApiError::invalid_url_param("user_id"));
        }
        permissions::require_user(ctx, &path.user_id).await?;
        let (page, per_page) = paging(ctx);
        let rows = oauth_apps::authorized(ctx, &path.user_id, page, per_page).await?;
        Ok(rows.iter().map(to_api_sanitized).collect())
    }

    /// `GET /api/v4/oauth/outgoing_connections`: who set them up, or who may manage the
    /// team's outgoing webhooks or slash commands; `audience`: the one serving that URL.
    async fn list_outgoing_o_auth_connections(
        ctx: &Ctx,
        query: contract::ListOutgoingOAuthConnectionsQuery,
    ) -> Result<Vec<types::OutgoingOAuthConnection>, ApiError> {
        outgoing_oauth::require_read(ctx, query.team_id.as_deref().unwrap_or_default()).await?;
        let rows = match query.audience.as_deref().filter(|a| !a.is_empty()) {
            Some(url) => vec![outgoing_oauth::for_audience(ctx, url).await?],
            None => outgoing_oauth::list(ctx, query.from_id.as_deref(), query.limit).await?,
        };
        Ok(rows.iter().map(outgoing_oauth::to_api).collect())
    }

    /// `POST /api/v4/oauth/outgoing_connections`: manage_outgoing_oauth_connections.
    async fn create_outgoing_o_auth_connection(
        ctx: &Ctx,
        _query: contract::CreateOutgoingOAuthConnectionQuery,
        body: Option<types::OutgoingOAuthConnection>,
    ) -> Result<types::OutgoingOAuthConnection, ApiError> {
        outgoing_oauth::require_write(ctx).await?;
        let body = connection_body(body, CREATE_INPUT)?;
        Ok(outgoing_oauth::to_api(
            &outgoing_oauth::create(ctx, body).await?,
        ))
    }

    /// `POST /api/v4/oauth/outgoing_connections/validate`: asks the token URL for a token
    /// with the body's credentials (a stored connection's secret when it names one).
    async fn validate_outgoing_o_auth_connection(
        ctx: &Ctx,
        _query: contract::ValidateOutgoingOAuthConnectionQuery,
        body: Option<types::OutgoingOAuthConnection>,
    ) -> Result<types::StatusOk, ApiError> {
        outgoing_oauth::require_write(ctx).await?;
        let body = connection_body(body, VALIDATE_INPUT)?;
        let candidate = outgoing_oauth::candidate(ctx, body).await?;
        outgoing_oauth::token(&ctx.state.config(), &candidate).await?;
        Ok(ok())
    }

    /// `GET /api/v4/oauth/outgoing_connections/{connection_id}`: as Create.
    async fn get_outgoing_o_auth_connection(
        ctx: &Ctx,
        path: contract::GetOutgoingOAuthConnectionPath,
        _query: contract::GetOutgoingOAuthConnectionQuery,
    ) -> Result<types::OutgoingOAuthConnection, ApiError> {
        outgoing_oauth::require_write(ctx).await?;
        let found = outgoing_oauth::get(ctx.state.db(), &path.connection_id).await?;
        Ok(outgoing_oauth::to_api(&found))
    }

    /// `PUT /api/v4/oauth/outgoing_connections/{connection_id}`: as Create; the body's id
    /// is the path's; what it sets replaces what is stored.
    async fn update_outgoing_o_auth_connection(
        ctx: &Ctx,
        path: contract::UpdateOutgoingOAuthConnectionPath,
        _query: contract::UpdateOutgoingOAuthConnectionQuery,
        body: Option<types::OutgoingOAuthConnection>,
    ) -> Result<types::OutgoingOAuthConnection, ApiError> {
        outgoing_oauth::require_write(ctx).await?;
        let body = connection_body(body, UPDATE_INPUT)?;
        if body.id.as_deref() != Some(path.connection_id.as_str()) {
            return Err(ApiError::invalid_param("id"));
        }
        let old = outgoing_oauth::get(ctx.state.db(), &path.connection_id).await?;
        Ok(outgoing_oauth::to_api(
            &outgoing_oauth::update(ctx, old, body).await?,
        ))
    }

    /// `DELETE /api/v4/oauth/outgoing_connections/{connection_id}`: as Create.
    async fn delete_outgoing_o_auth_connection(
        ctx: &Ctx,
        path: contract::DeleteOutgoingOAuthConnectionPath,
        _query: contract::DeleteOutgoingOAuthConnectionQuery,
    ) -> Result<types::StatusOk, ApiError> {
        outgoing_oauth::require_write(ctx).await?;
        outgoing_oauth::delete(ctx, &path.connection_id).await?;
        Ok(ok())
    }
}

impl contract::OauthProviderApi for Api {
    /// `GET /oauth/authorize`: to the login page without a session; straight back to the
    /// app (302) when it is trusted or was consented to; the consent page otherwise.
    async fn authorize_o_auth_page(
        ctx: &Ctx,
        _query: contract::AuthorizeOAuthPageQuery,
    ) -> Result<Binary, ApiError> {
        oauth_apps::enabled_or(ctx, "api.oauth.authorize_oauth.disabled.app_error")?;
        let request = AuthorizeRequest::from_fields(|name| ctx.query().string(name));
        request.validate()?;
        let app = oauth_apps::get(ctx, &request.client_id).await?;
        let Some(session) = ctx.session.as_ref() else {
            let here = format!("{}?{}", ctx.path, ctx.raw_query());
            let to: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
            return Ok(redirect(
                ctx,
                &format!("{}/login?redirect_to={to}", super::files::site_url(ctx)),
            ));
        };
        oauth_grants::check_redirect(&app, &request.redirect_uri)?;
        let user_id = session.user_id.clone();
        if app.is_trusted || oauth_grants::consented(ctx, &user_id, &app.id).await? {
            let to = oauth_grants::allow(ctx, &user_id, request).await?;
            return Ok(redirect(ctx, &to));
        }
        ctx.set_header(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        ctx.set_header(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache, max-age=31556926"),
        );
        Ok(consent_page(&app, &request))
    }

    /// `POST /oauth/authorize`: the user's consent; not from an OAuth session.
    async fn authorize_o_auth_app(
        ctx: &Ctx,
        body: types::AuthorizeRequest,
    ) -> Result<types::AuthorizeOAuthAppResponse, ApiError> {
        let session = ctx.session()?;
        let body = serde_json::to_value(body).map_err(ApiError::internal)?;
        let request = AuthorizeRequest::from_fields(|name| {
            body.get(name).and_then(|v| v.as_str()).map(str::to_owned)
        });
        request.validate()?;
        if session.is_oauth {
            return Err(ApiError::forbidden().detail("attempted access by oauth app"));
        }
        let user_id = session.user_id.clone();
        let redirect = oauth_grants::allow(ctx, &user_id, request).await?;
        Ok(types::AuthorizeOAuthAppResponse {
            redirect: Some(redirect),
        })
    }

    /// `POST /oauth/access_token`: a form; no session.
    async fn get_access_token(ctx: &Ctx, body: Upload) -> Result<types::AccessResponse, ApiError> {
        let limit = ctx
            .state
            .config()
            .service_settings
            .maximum_payload_size_bytes;
        let bytes = body.bytes_up_to(limit).await?;
        let form = token_form(&bytes);
        let answer = oauth_grants::exchange(ctx, form).await?;
        ctx.set_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        ctx.set_header(header::PRAGMA, HeaderValue::from_static("no-cache"));
        Ok(types::AccessResponse {
            access_token: Some(answer.access_token),
            token_type: Some(answer.token_type.to_owned()),
            expires_in: Some(answer.expires_in),
            scope: Some(answer.scope),
            // None for a public client: no refresh token rather than an empty one.
            refresh_token: Some(answer.refresh_token).filter(|t| !t.is_empty()),
            id_token: Some(answer.id_token),
        })
    }

    /// `POST /oauth/deauthorize`: the caller's grants to the app end.
    async fn deauthorize_o_auth_app(
        ctx: &Ctx,
        body: types::DeauthorizeOAuthAppBody,
    ) -> Result<types::DeauthorizeOAuthAppResponse, ApiError> {
        let user_id = ctx.session()?.user_id.clone();
        let client_id = body.client_id.unwrap_or_default();
        if !is_valid_id(&client_id) {
            return Err(ApiError::invalid_param("client_id"));
        }
        oauth_grants::deauthorize(ctx, &user_id, &client_id).await?;
        Ok(types::DeauthorizeOAuthAppResponse {
            status: ok().status,
        })
    }
}

/// The token request's form fields, read as Go's FormValue reads them (the first of a
/// repeated field), with the project's query-string reader.
fn token_form(bytes: &[u8]) -> TokenRequest {
    let form = crate::rt::QueryMap::parse(&String::from_utf8_lossy(bytes));
    let field = |name: &str| form.string(name).unwrap_or_default();
    TokenRequest {
        grant_type: field("grant_type"),
        code: field("code"),
        refresh_token: field("refresh_token"),
        client_id: field("client_id"),
        client_secret: field("client_secret"),
        redirect_uri: field("redirect_uri"),
        code_verifier: field("code_verifier"),
    }
}

/// 302 to `to`, with Go's http.Redirect body.
fn redirect(ctx: &Ctx, to: &str) -> Binary {
    if let Ok(value) = HeaderValue::from_str(to) {
        ctx.set_header(header::LOCATION, value);
    }
    ctx.set_status(StatusCode::FOUND);
    let shown = html_escape(to);
    Binary::bytes(
        "text/html; charset=utf-8",
        format!("<a href=\"{shown}\">Found</a>.\n"),
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The consent page: what the app is, and Allow (POST /oauth/authorize with the session's
/// cookie and CSRF token, then on to the answer) or Deny (back to the app with
/// `error=access_denied`, as Mattermost's page does).
fn consent_page(app: &crate::store::entity::oauth_app::Model, r: &AuthorizeRequest) -> Binary {
    let e = html_escape;
    let request = serde_json::json!({
        "response_type": r.response_type, "client_id": r.client_id,
        "redirect_uri": r.redirect_uri, "scope": r.scope, "state": r.state,
        "code_challenge": r.code_challenge, "code_challenge_method": r.code_challenge_method,
    });
    let denied = format!(
        "{}?error=access_denied&state={}",
        r.redirect_uri,
        form_urlencoded::byte_serialize(r.state.as_bytes()).collect::<String>()
    );
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Authorize {name}</title>\
         </head><body><main data-request=\"{request}\" data-denied=\"{denied}\">\
         <h1>{name}</h1><p>{description}</p><p><a href=\"{homepage}\">{homepage}</a></p>\
         <p>{name} would like to access your account and act on your behalf.</p>\
         <button id=\"allow\">Allow</button> <button id=\"deny\">Deny</button></main>\
         <script>{script}</script></body></html>",
        name = e(&app.name),
        description = e(&app.description),
        homepage = e(&app.homepage),
        request = e(&request.to_string()),
        denied = e(&denied),
        script = CONSENT_SCRIPT,
    );
    Binary::bytes("text/html; charset=utf-8", page)
}

const CONSENT_SCRIPT: &str = "const m=document.querySelector('main');\
const csrf=(document.cookie.match(/(?:^|; )MMCSRF=([^;]*)/)||[])[1]||'';\
document.getElementById('deny').onclick=()=>{location.href=m.dataset.denied;};\
document.getElementById('allow').onclick=async()=>{const r=await fetch('/oauth/authorize',\
{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json',\
'X-Requested-With':'XMLHttpRequest','X-CSRF-Token':csrf},body:m.dataset.request});\
const a=await r.json();if(a.redirect){location.href=a.redirect;}else{alert(a.message);}};";
