//! Corteza's auth endpoints on Mattermost's accounts and sessions: the token Corteza calls
//! its JWT is a Mattermost session token, so a sign-in through either API works on both.

use super::{Kind, error, numeric_id_of, users::role_ids_of};
use crate::app::account_writes;
use crate::app::login::{self, Attempt};
use crate::auth::{Caller, Session};
use crate::contract::types::{CortezaAuth, CortezaAuthSettings, CortezaAuthUser};
use crate::error::ApiError;
use crate::store::entity::user;

/// `GET /auth/`: what sign-in offers, from Mattermost's settings.
pub fn settings(caller: &Caller) -> CortezaAuthSettings {
    let config = caller.state.config();
    let email = &config.email_settings;
    CortezaAuthSettings {
        external_enabled: false,
        external_providers: Vec::new(),
        internal_enabled: email.enable_sign_in_with_email || email.enable_sign_in_with_username,
        internal_password_reset_enabled: true,
        internal_sign_up_email_confirmation_required: email.require_email_verification,
        internal_sign_up_enabled: email.enable_sign_up_with_email
            && config.team_settings.enable_user_creation,
        sign_up_disabled: None,
    }
}

/// Corteza's user payload of auth answers (with the roles the account holds).
pub async fn payload(caller: &Caller, account: &user::Model) -> Result<CortezaAuthUser, ApiError> {
    let id = numeric_id_of(caller.state.db(), Kind::User, &account.id).await?;
    Ok(CortezaAuthUser {
        user_id: id.to_string(),
        name: Some(
            format!("{} {}", account.first_name, account.last_name)
                .trim()
                .to_owned(),
        ),
        email: account.email.clone(),
        username: Some(account.username.clone()),
        handle: Some(account.username.clone()),
        roles: Some(role_ids_of(caller, account).await?),
    })
}

/// `{"jwt", "user"}` for a session of `account`.
pub async fn answer(
    caller: &Caller,
    session: &Session,
    account: &user::Model,
) -> Result<CortezaAuth, ApiError> {
    Ok(CortezaAuth {
        jwt: session.token.clone(),
        user: payload(caller, account).await?,
    })
}

/// `GET /auth/check`: the caller's session and account (`not authenticated` without one).
pub async fn check(caller: &Caller) -> Result<CortezaAuth, ApiError> {
    let session = caller
        .session
        .as_ref()
        .filter(|s| !s.is_local())
        .ok_or_else(|| error("not authenticated"))?;
    let account = crate::app::users::get(caller.state.db(), &session.user_id).await?;
    answer(caller, session, &account).await
}

/// `POST /auth/internal/login`: Mattermost's sign-in (lockout, MFA-free accounts only,
/// verified addresses when required) with Corteza's messages.
pub async fn internal_login(
    caller: &Caller,
    email: String,
    password: String,
) -> Result<CortezaAuth, ApiError> {
    let config = caller.state.config();
    if !(config.email_settings.enable_sign_in_with_email
        || config.email_settings.enable_sign_in_with_username)
    {
        return Err(error("internal login (username/password) is disabled"));
    }
    if crate::app::users::validate_email(email.trim()).is_err() {
        return Err(error("invalid email"));
    }
    let attempt = Attempt {
        login_id: email,
        password,
        mfa_code: String::new(),
        device_id: String::new(),
        user_agent: "corteza".to_owned(),
        ldap_only: false,
    };
    let (account, session) = login::login(caller, attempt).await.map_err(|e| {
        let message = match e.id.as_ref() {
            login::ids::INVALID_CREDENTIALS | login::ids::BLANK_PASSWORD => {
                "invalid username and password combination"
            }
            login::ids::INACTIVE | login::ids::BOT_LOGIN => "failedForUnknownUser",
            login::ids::NOT_VERIFIED => "system requires confirmed email before logging in",
            _ => return e,
        };
        error(message)
    })?;
    answer(caller, &session, &account).await
}

/// `GET /auth/logout`: ends the caller's session (Corteza's JWTs cannot be revoked; a
/// Mattermost session can, and a user signing out expects it to end); answers true.
pub async fn logout(caller: &Caller) -> Result<bool, ApiError> {
    if let Some(session) = caller.session.as_ref().filter(|s| !s.is_local()) {
        crate::app::sessions::revoke(caller, session).await?;
    }
    Ok(true)
}

/// `POST /auth/internal/change-password`: the caller's own password, given the old one;
/// their other sessions end, as when Mattermost's users change theirs.
pub async fn change_password(
    caller: &Caller,
    old_password: String,
    new_password: String,
) -> Result<bool, ApiError> {
    let session = caller
        .session
        .as_ref()
        .filter(|s| !s.is_local())
        .ok_or_else(|| error("invalid user (not authenticated)"))?;
    let account = crate::app::users::get(caller.state.db(), &session.user_id).await?;
    let verdict = account_writes::password_matches(caller, &account, old_password).await?;
    if verdict == crate::auth::password::Verdict::Mismatch {
        return Err(error(
            "failed to change password, old password does not match",
        ));
    }
    account_writes::replace_password(caller, account, new_password, Some(&session.id))
        .await
        .map_err(|e| {
            if e.id.contains("is_valid.pwd") {
                error("provided password is not secure; use longer password with more non-alphanumeric character")
            } else {
                e
            }
        })?;
    Ok(true)
}
