//! The `users` tag: accounts, login and sessions.

use super::Api;
use crate::app::{sessions, users};
use crate::auth::password::{self, Verdict};
use crate::auth::permissions::{ids::MANAGE_SYSTEM, require_system};
use crate::contract::{self, CreateUserQuery, GetUserPath, types};
use crate::error::ApiError;
use crate::ids::{is_valid_id, now_millis};
use crate::rt::Ctx;
use crate::store::entity::user;
use axum::http::{StatusCode, header};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

mod ids {
    pub const SIGNUP_DISABLED: &str = "api.user.create_user.signup_email_disabled.app_error";
    pub const NO_OPEN_SERVER: &str = "api.user.create_user.no_open_server";
    pub const SIGNUP_LINK_INVALID: &str = "api.user.create_user.signup_link_invalid.app_error";
    pub const BLANK_PASSWORD: &str = "api.user.login.blank_pwd.app_error";
    pub const INVALID_CREDENTIALS: &str = "api.user.login.invalid_credentials_email_username";
    pub const INACTIVE: &str = "api.user.login.inactive.app_error";
    pub const BOT_LOGIN: &str = "api.user.login.bot_login_forbidden.app_error";
    pub const TOO_MANY_ATTEMPTS: &str = "api.user.check_user_login_attempts.too_many.app_error";
}

impl contract::UsersApi for Api {
    /// `POST /api/v4/users`: open sign-up when the server allows it; the first account, and
    /// any account a system admin creates, needs no permission. The first account becomes
    /// system_admin.
    async fn create_user(
        ctx: &Ctx,
        query: CreateUserQuery,
        body: types::CreateUserBody,
    ) -> Result<types::User, ApiError> {
        let config = ctx.state.config();
        let db = ctx.state.db();
        if query.t.is_some() || query.iid.is_some() {
            // TODO-correctness: email-token and team-invite sign-up arrive with those
            // features; until then no such link can be valid.
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::SIGNUP_LINK_INVALID,
                "The sign-up link is not valid.",
            ));
        }
        let first = users::is_first_account(db).await?;
        let by_admin = match &ctx.session {
            Some(_) => require_system(ctx, MANAGE_SYSTEM).await.is_ok(),
            None => false,
        };
        if !first && !by_admin {
            if !config.team_settings.enable_user_creation
                || !config.email_settings.enable_sign_up_with_email
            {
                return Err(ApiError::new(
                    StatusCode::NOT_IMPLEMENTED,
                    ids::SIGNUP_DISABLED,
                    "Signing up with an email address is turned off on this server.",
                ));
            }
            if !config.team_settings.enable_open_server {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    ids::NO_OPEN_SERVER,
                    "This server does not allow open sign-up; ask an administrator.",
                ));
            }
        }
        if body.password.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::invalid_body_param("password"));
        }
        let roles = if first {
            "system_admin system_user"
        } else {
            "system_user"
        };
        let new = users::NewUser {
            username: body.username,
            email: body.email,
            password: body.password,
            first_name: body.first_name.unwrap_or_default(),
            last_name: body.last_name.unwrap_or_default(),
            nickname: body.nickname.unwrap_or_default(),
            position: body.position.unwrap_or_default(),
            locale: body.locale.unwrap_or_default(),
            props: body.props,
            notify_props: body.notify_props,
            timezone: body.timezone,
            email_verified: by_admin || first,
        };
        let created = users::create(db, &config, new, roles).await?;
        Ok(users::to_api(&created, users::View::Full, &config))
    }

    /// `POST /api/v4/users/login`: login_id is a username or an email address. The session
    /// token comes back in the `Token` header and the MMAUTHTOKEN cookie.
    async fn login(ctx: &Ctx, body: types::LoginBody) -> Result<types::User, ApiError> {
        let config = ctx.state.config();
        let db = ctx.state.db();
        let login_id = body.login_id.unwrap_or_default();
        let secret = body.password.unwrap_or_default();
        if secret.is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::BLANK_PASSWORD,
                "The password must not be blank.",
            ));
        }
        let invalid = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                ids::INVALID_CREDENTIALS,
                "Enter a valid email or username and password.",
            )
        };
        let email_login = config.email_settings.enable_sign_in_with_email;
        let username_login = config.email_settings.enable_sign_in_with_username;
        let found = match (login_id.contains('@') && email_login, username_login) {
            (true, _) => users::find_by_email(db, &login_id).await?,
            (false, true) => users::find_by_username(db, &login_id).await?,
            (false, false) => None,
        };
        let account = found.ok_or_else(invalid)?;
        if users::is_bot(db, &account.id).await? {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ids::BOT_LOGIN,
                "Bots cannot log in with a password.",
            ));
        }
        if account.delete_at != 0 {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ids::INACTIVE,
                "This account has been deactivated.",
            ));
        }
        if account.failed_attempts >= config.service_settings.maximum_login_attempts {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ids::TOO_MANY_ATTEMPTS,
                "This account is locked after too many failed attempts; reset the password.",
            ));
        }
        let rounds = config.password_settings.pbkdf2_iterations;
        let (typed, stored) = (secret.clone(), account.password.clone());
        let verdict =
            tokio::task::spawn_blocking(move || password::verify(&typed, &stored, rounds))
                .await
                .map_err(ApiError::internal)?;
        let mut active = account.clone().into_active_model();
        if verdict == Verdict::Mismatch {
            active.failed_attempts = Set(account.failed_attempts + 1);
            active.update(db).await?;
            return Err(invalid());
        }
        // TODO-security: MFA codes are checked here once MFA lands (issue 3).
        if verdict == Verdict::MatchNeedsRehash {
            // A bcrypt hash from an older server, or fewer rounds than configured: upgrade.
            let hashed = tokio::task::spawn_blocking(move || password::hash(&secret, rounds))
                .await
                .map_err(ApiError::internal)?;
            active.password = Set(hashed);
        }
        active.failed_attempts = Set(0);
        active.last_login = Set(now_millis());
        let account: user::Model = active.update(db).await?;
        let device_id = body.device_id.unwrap_or_default();
        let agent = ctx
            .header(header::USER_AGENT.as_str())
            .unwrap_or_default()
            .to_owned();
        let session = sessions::create(db, &config, &account, &device_id, &agent).await?;
        sessions::attach(ctx, &session);
        Ok(users::to_api(&account, users::View::Full, &config))
    }

    /// `POST /api/v4/users/logout`: ends the caller's session, if any, and clears cookies.
    async fn logout(ctx: &Ctx) -> Result<types::StatusOk, ApiError> {
        if let Some(session) = &ctx.session {
            sessions::revoke(ctx, session).await?;
        }
        sessions::clear_cookies(ctx);
        Ok(types::StatusOk {
            status: Some("OK".to_owned()),
        })
    }

    /// `GET /api/v4/users/{user_id}`: permission: a session (view restrictions arrive with
    /// teams and channels).
    async fn get_user(ctx: &Ctx, path: GetUserPath) -> Result<types::User, ApiError> {
        let session = ctx.session()?;
        if !is_valid_id(&path.user_id) {
            return Err(ApiError::invalid_url_param("user_id"));
        }
        let config = ctx.state.config();
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        let view =
            if account.id == session.user_id || require_system(ctx, MANAGE_SYSTEM).await.is_ok() {
                users::View::Full
            } else {
                users::View::Profile
            };
        Ok(users::to_api(&account, view, &config))
    }
}
