//! The apps registered with the OAuth 2.0 provider, as Mattermost keeps them: made and
//! changed with `manage_oauth` (someone else's with `manage_system_wide_oauth`; trusted
//! only by a system admin), turned on by `ServiceSettings.EnableOAuthServiceProvider`.
//! Deleting an app ends every session it was granted. The grants themselves are in
//! `oauth_grants`.

use super::outbound::is_http_url;
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::cluster::Invalidation;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::session;
use crate::store::entity::{oauth_access_data as access, oauth_app, oauth_auth_data, preference};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

pub mod ids {
    pub const TURNED_OFF: &str = "api.oauth.allow_oauth.turn_off.app_error";
    pub const REGISTER_OFF: &str = "api.oauth.register_oauth_app.turn_off.app_error";
    pub const NOT_FOUND: &str = "app.oauth.get_app.find.app_error";
    pub const LIST_FORBIDDEN: &str = "api.command.admin_only.app_error";
    pub const NAME: &str = "model.oauth.is_valid.name.app_error";
    pub const CALLBACK: &str = "model.oauth.is_valid.callback.app_error";
    pub const HOMEPAGE: &str = "model.oauth.is_valid.homepage.app_error";
    pub const DESCRIPTION: &str = "model.oauth.is_valid.description.app_error";
    pub const ICON_URL: &str = "model.oauth.is_valid.icon_url.app_error";
    pub const MATTERMOST_APP_ID: &str = "model.oauth.is_valid.mattermost_app_id.app_error";
}

/// The preference category that records a user's consent to an app (name: the app's id,
/// value: the scope), as Mattermost keeps it.
pub const AUTHORIZED_CATEGORY: &str = "oauth_app";

/// EnableOAuthServiceProvider, or 501 with `id`.
pub fn enabled_or(caller: &Caller, id: &'static str) -> Result<(), ApiError> {
    if caller
        .state
        .config()
        .flag("ServiceSettings", "EnableOAuthServiceProvider", true)
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            id,
            "The OAuth 2.0 service provider has been turned off by the system admin.",
        ))
    }
}

/// EnableOAuthServiceProvider, or 501 `api.oauth.allow_oauth.turn_off.app_error`.
pub fn enabled(caller: &Caller) -> Result<(), ApiError> {
    enabled_or(caller, ids::TURNED_OFF)
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::NOT_FOUND,
        "There is no such OAuth app.",
    )
}

fn invalid(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message.to_owned())
}

pub fn callback_urls(app: &oauth_app::Model) -> Vec<String> {
    serde_json::from_str(&app.callback_urls).unwrap_or_default()
}

/// The app as Mattermost encodes it (with its secret: only its managers see this).
pub fn to_api(app: &oauth_app::Model) -> types::OAuthApp {
    types::OAuthApp {
        id: Some(app.id.clone()),
        creator_id: Some(app.creator_id.clone()),
        create_at: Some(app.create_at),
        update_at: Some(app.update_at),
        client_secret: Some(app.client_secret.clone()),
        name: Some(app.name.clone()),
        description: Some(app.description.clone()),
        icon_url: Some(app.icon_url.clone()),
        callback_urls: callback_urls(app),
        homepage: Some(app.homepage.clone()),
        is_trusted: Some(app.is_trusted),
        mattermost_app_id: Some(app.mattermost_app_id.clone()),
        is_public: Some(app.is_public),
    }
}

/// [`to_api`] without the secret (Mattermost's Sanitize: an empty string).
pub fn to_api_sanitized(app: &oauth_app::Model) -> types::OAuthApp {
    let mut shown = to_api(app);
    shown.client_secret = Some(String::new());
    shown
}

/// Mattermost's OAuthApp.IsValid on what a client sends.
fn validate(app: &oauth_app::Model, urls: &[String]) -> Result<(), ApiError> {
    if app.name.is_empty() || app.name.len() > 64 {
        return Err(invalid(ids::NAME, "An app's name has 1 to 64 characters."));
    }
    let joined = format!("[{}]", urls.join(" "));
    if urls.is_empty() || joined.len() > 1024 || !urls.iter().all(|u| is_http_url(u)) {
        return Err(invalid(
            ids::CALLBACK,
            "An app needs one or more http(s) callback URLs (1024 characters in all).",
        ));
    }
    if app.homepage.is_empty() || app.homepage.len() > 256 || !is_http_url(&app.homepage) {
        return Err(invalid(
            ids::HOMEPAGE,
            "An app's homepage is an http(s) URL.",
        ));
    }
    if app.description.chars().count() > 512 {
        return Err(invalid(
            ids::DESCRIPTION,
            "An app's description has at most 512 characters.",
        ));
    }
    if !app.icon_url.is_empty() && (app.icon_url.len() > 512 || !is_http_url(&app.icon_url)) {
        return Err(invalid(
            ids::ICON_URL,
            "An app's icon URL is an http(s) URL.",
        ));
    }
    if app.mattermost_app_id.len() > 32 {
        return Err(invalid(
            ids::MATTERMOST_APP_ID,
            "A Mattermost App id has at most 32 characters.",
        ));
    }
    Ok(())
}

/// The app `id`, or 404.
pub async fn get(caller: &Caller, id: &str) -> Result<oauth_app::Model, ApiError> {
    oauth_app::Entity::find_by_id(id.to_owned())
        .one(caller.state.db())
        .await?
        .ok_or_else(not_found)
}

/// `manage_oauth`, then the app: one's own, or anyone's with `manage_system_wide_oauth`.
pub async fn managed(caller: &Caller, id: &str) -> Result<oauth_app::Model, ApiError> {
    permissions::require_system(caller, perm::MANAGE_OAUTH).await?;
    let app = get(caller, id).await?;
    if app.creator_id != caller.session()?.user_id {
        permissions::require_system(caller, perm::MANAGE_SYSTEM_WIDE_OAUTH).await?;
    }
    Ok(app)
}

/// Registers an app for the caller: a new id and secret (none for a public client);
/// trusted only when the caller may manage the system.
pub async fn create(caller: &Caller, body: types::OAuthApp) -> Result<oauth_app::Model, ApiError> {
    permissions::require_system(caller, perm::MANAGE_OAUTH).await?;
    let admin = permissions::has_system(caller, perm::MANAGE_SYSTEM).await?;
    enabled_or(caller, ids::REGISTER_OFF)?;
    let now = now_millis();
    let is_public = body.is_public.unwrap_or(false);
    let urls = body.callback_urls;
    let app = oauth_app::Model {
        id: new_id(),
        creator_id: caller.session()?.user_id.clone(),
        create_at: now,
        update_at: now,
        client_secret: if is_public { String::new() } else { new_id() },
        name: body.name.unwrap_or_default(),
        description: body.description.unwrap_or_default(),
        icon_url: body.icon_url.unwrap_or_default(),
        callback_urls: serde_json::to_string(&urls).unwrap_or_else(|_| "[]".to_owned()),
        homepage: body.homepage.unwrap_or_default(),
        is_trusted: admin && body.is_trusted.unwrap_or(false),
        mattermost_app_id: body.mattermost_app_id.unwrap_or_default(),
        is_public,
    };
    validate(&app, &urls)?;
    let row: oauth_app::ActiveModel = app.into();
    Ok(oauth_app::Entity::insert(row)
        .exec_with_returning(caller.state.db())
        .await?)
}

/// Changes what a client may change of `old` (not its id, creator, secret or client type;
/// `is_trusted` only when the caller may manage the system).
pub async fn update(
    caller: &Caller,
    old: oauth_app::Model,
    body: types::OAuthApp,
) -> Result<oauth_app::Model, ApiError> {
    let admin = permissions::has_system(caller, perm::MANAGE_SYSTEM).await?;
    enabled(caller)?;
    let urls = body.callback_urls;
    let app = oauth_app::Model {
        update_at: now_millis().max(old.update_at + 1),
        name: body.name.unwrap_or_default(),
        description: body.description.unwrap_or_default(),
        icon_url: body.icon_url.unwrap_or_default(),
        callback_urls: serde_json::to_string(&urls).unwrap_or_else(|_| "[]".to_owned()),
        homepage: body.homepage.unwrap_or_default(),
        is_trusted: if admin {
            body.is_trusted.unwrap_or(false)
        } else {
            old.is_trusted
        },
        mattermost_app_id: body.mattermost_app_id.unwrap_or_default(),
        ..old
    };
    validate(&app, &urls)?;
    let row: oauth_app::ActiveModel = app.clone().into();
    oauth_app::Entity::update(sea_orm::ActiveModelTrait::reset_all(row))
        .exec(caller.state.db())
        .await?;
    Ok(app)
}

/// A new secret for a confidential client (a public one keeps none).
pub async fn regenerate_secret(
    caller: &Caller,
    app: oauth_app::Model,
) -> Result<oauth_app::Model, ApiError> {
    enabled(caller)?;
    if app.is_public {
        return Ok(app);
    }
    let secret = new_id();
    oauth_app::Entity::update_many()
        .col_expr(oauth_app::Column::ClientSecret, secret.clone().into())
        .filter(oauth_app::Column::Id.eq(&app.id))
        .exec(caller.state.db())
        .await?;
    Ok(oauth_app::Model {
        client_secret: secret,
        ..app
    })
}

/// Deletes the app, every session and code it was granted and every user's consent to it,
/// in one transaction; the sessions end at once on every node.
pub async fn delete(caller: &Caller, app: &oauth_app::Model) -> Result<(), ApiError> {
    enabled(caller)?;
    let txn = caller.state.begin_write().await?;
    let tokens = end_grants(&txn, &app.id, None).await?;
    oauth_app::Entity::delete_by_id(app.id.clone())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    forget_sessions(caller, tokens).await
}

/// Deletes what `client_id` was granted (by `user_id` alone, when given): the sessions of
/// its access tokens, the access data, the codes not yet exchanged and the consent. The
/// tokens of the ended sessions, for [`forget_sessions`] once the transaction commits.
pub async fn end_grants(
    txn: &impl sea_orm::ConnectionTrait,
    client_id: &str,
    user_id: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let mut grants = sea_orm::Condition::all().add(access::Column::ClientId.eq(client_id));
    let mut codes = sea_orm::Condition::all().add(oauth_auth_data::Column::ClientId.eq(client_id));
    let mut consents = sea_orm::Condition::all()
        .add(preference::Column::Category.eq(AUTHORIZED_CATEGORY))
        .add(preference::Column::Name.eq(client_id));
    if let Some(user_id) = user_id {
        grants = grants.add(access::Column::UserId.eq(user_id));
        codes = codes.add(oauth_auth_data::Column::UserId.eq(user_id));
        consents = consents.add(preference::Column::UserId.eq(user_id));
    }
    let tokens: Vec<String> = access::Entity::find()
        .select_only()
        .column(access::Column::Token)
        .filter(grants.clone())
        .into_tuple()
        .all(txn)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::Token.is_in(tokens.clone()))
        .exec(txn)
        .await?;
    access::Entity::delete_many()
        .filter(grants)
        .exec(txn)
        .await?;
    oauth_auth_data::Entity::delete_many()
        .filter(codes)
        .exec(txn)
        .await?;
    preference::Entity::delete_many()
        .filter(consents)
        .exec(txn)
        .await?;
    Ok(tokens)
}

/// Drops the ended sessions `tokens` from every node's cache.
pub async fn forget_sessions(caller: &Caller, tokens: Vec<String>) -> Result<(), ApiError> {
    for token in tokens {
        caller.state.invalidate(Invalidation::Token(token)).await?;
    }
    Ok(())
}

/// A page of the apps the caller manages: all with `manage_system_wide_oauth`, else their
/// own (403 `api.command.admin_only.app_error` without `manage_oauth`).
pub async fn list(
    caller: &Caller,
    page: u64,
    per_page: u64,
) -> Result<Vec<oauth_app::Model>, ApiError> {
    if !permissions::has_system(caller, perm::MANAGE_OAUTH).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::LIST_FORBIDDEN,
            "Only an admin may do this.",
        ));
    }
    enabled(caller)?;
    let mut find = oauth_app::Entity::find();
    if !permissions::has_system(caller, perm::MANAGE_SYSTEM_WIDE_OAUTH).await? {
        find = find.filter(oauth_app::Column::CreatorId.eq(&caller.session()?.user_id));
    }
    Ok(find
        .order_by_asc(oauth_app::Column::CreateAt)
        .order_by_asc(oauth_app::Column::Id)
        .offset(page.saturating_mul(per_page))
        .limit(per_page)
        .all(caller.state.db())
        .await?)
}

/// A page of the apps `user_id` has consented to.
pub async fn authorized(
    caller: &Caller,
    user_id: &str,
    page: u64,
    per_page: u64,
) -> Result<Vec<oauth_app::Model>, ApiError> {
    enabled(caller)?;
    let consented = sea_orm::sea_query::Query::select()
        .column(preference::Column::Name)
        .from(preference::Entity)
        .and_where(preference::Column::UserId.eq(user_id))
        .and_where(preference::Column::Category.eq(AUTHORIZED_CATEGORY))
        .to_owned();
    Ok(oauth_app::Entity::find()
        .filter(oauth_app::Column::Id.in_subquery(consented))
        .order_by_asc(oauth_app::Column::CreateAt)
        .order_by_asc(oauth_app::Column::Id)
        .offset(page.saturating_mul(per_page))
        .limit(per_page)
        .all(caller.state.db())
        .await?)
}

/// Removes what a user permanently deleted leaves of their grants.
pub async fn forget_user(
    db: &impl sea_orm::ConnectionTrait,
    user_id: &str,
) -> Result<(), sea_orm::DbErr> {
    access::Entity::delete_many()
        .filter(access::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    oauth_auth_data::Entity::delete_many()
        .filter(oauth_auth_data::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> oauth_app::Model {
        oauth_app::Model {
            id: new_id(),
            creator_id: new_id(),
            create_at: 1,
            update_at: 1,
            client_secret: new_id(),
            name: "app".into(),
            description: String::new(),
            icon_url: String::new(),
            callback_urls: "[]".into(),
            homepage: "https://example.com".into(),
            is_trusted: false,
            mattermost_app_id: String::new(),
            is_public: false,
        }
    }

    #[test]
    fn apps_are_checked_as_mattermost_checks_them() {
        let urls = vec!["https://example.com/cb".to_owned()];
        assert!(validate(&app(), &urls).is_ok());
        assert!(validate(&app(), &[]).is_err());
        assert!(validate(&app(), &["ftp://x".to_owned()]).is_err());
        let nameless = oauth_app::Model {
            name: String::new(),
            ..app()
        };
        assert!(validate(&nameless, &urls).is_err());
        let no_home = oauth_app::Model {
            homepage: "x".into(),
            ..app()
        };
        assert!(validate(&no_home, &urls).is_err());
        let icon = oauth_app::Model {
            icon_url: "nope".into(),
            ..app()
        };
        assert!(validate(&icon, &urls).is_err());
    }
}
