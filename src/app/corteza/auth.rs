//! Corteza's auth endpoints on Mattermost's accounts and sessions: the token Corteza calls
//! its JWT is a Mattermost session token, so a sign-in through either API works on both.

use super::{Kind, error, numeric_id_of, users::role_ids_of};
use crate::app::account_writes;
use crate::app::login::{self, Attempt};
use crate::auth::{Caller, Session};
use crate::contract::types::{
    CortezaAuth, CortezaAuthSettings, CortezaAuthUser, CortezaPasswordResetToken,
};
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

/// `{"jwt", "user"}` for a session of `account`: the JWT carries the session (see
/// `auth::jwt`), so it works on every API as the session's own token does.
pub async fn answer(
    caller: &Caller,
    session: &Session,
    account: &user::Model,
) -> Result<CortezaAuth, ApiError> {
    let user = payload(caller, account).await?;
    let expires = if session.expires_at > 0 {
        session.expires_at / 1000
    } else {
        // A token session does not expire; Corteza's tokens last 30 days.
        crate::ids::now_millis() / 1000 + 30 * 86_400
    };
    let claims = crate::auth::jwt::Claims {
        session_token: &session.token,
        user_id: user.user_id.parse().unwrap_or(0),
        expires,
        member_of: user.roles.as_deref().unwrap_or_default(),
    };
    Ok(CortezaAuth {
        jwt: crate::auth::jwt::issue(&caller.state.facts().link_salt, &claims),
        user,
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

/// Corteza's message for a token that is not (or no longer) good.
const INVALID_TOKEN: &str = "invalid token";
/// Corteza's message for a password the rules refuse.
const NOT_SECURE: &str =
    "provided password is not secure; use longer password with more non-alphanumeric character";

/// A new session for `account` (as a sign-in through Corteza makes one), audited.
async fn start_session(caller: &Caller, account: &user::Model) -> Result<Session, ApiError> {
    if account.delete_at != 0 {
        return Err(error("failedForDisabledUser"));
    }
    let config = caller.state.config();
    let session =
        crate::app::sessions::create(caller.state.db(), &config, account, "", "corteza").await?;
    let note = format!("success - session_id={}", session.id);
    crate::app::audits::record(caller, &account.id, &note).await;
    Ok(session)
}

/// What `POST /auth/internal/signup` sends.
pub struct Signup {
    pub email: String,
    pub password: String,
    pub username: Option<String>,
    pub handle: Option<String>,
    pub name: Option<String>,
}

/// `POST /auth/internal/signup`: open sign-up as Mattermost allows it (user creation, email
/// sign-up and an open server; the first account needs none of them and becomes an
/// administrator). An address that has an account signs in with it instead. When addresses
/// must be verified, the answer has no token and a verification mail goes out.
pub async fn signup(caller: &Caller, form: Signup) -> Result<CortezaAuth, ApiError> {
    let db = caller.state.db();
    let first = crate::app::users::is_first_account(db).await?;
    let open = settings(caller).internal_sign_up_enabled
        && caller.state.config().team_settings.enable_open_server;
    if !(first || open) {
        return Err(error("internal sign-up (username/password) is disabled"));
    }
    let email = form.email.trim().to_lowercase();
    if crate::app::users::validate_email(&email).is_err() {
        return Err(error("invalid email"));
    }
    if form.password.is_empty() {
        return Err(error(NOT_SECURE));
    }
    if crate::app::users::find_by_email(db, &email)
        .await?
        .is_some()
    {
        return internal_login(caller, email, form.password).await;
    }
    let handle = form
        .handle
        .filter(|h| !h.trim().is_empty())
        .or(form.username.filter(|u| !u.trim().is_empty()));
    let fields = super::users::Fields {
        email,
        name: form.name.unwrap_or_default(),
        handle,
    };
    let config = caller.state.config();
    let verify = config.email_settings.require_email_verification && !first;
    let new = super::users::new_account(fields, Some(form.password), !verify)?;
    let roles = if first {
        "system_admin system_user"
    } else {
        "system_user"
    };
    let account = crate::app::users::create(db, &config, new, roles)
        .await
        .map_err(super::users::refusal)?;
    crate::app::audits::record(caller, &account.id, "signed up through Corteza").await;
    if verify {
        crate::app::links::mail_verification(caller, &account).await?;
        let mut user = payload(caller, &account).await?;
        user.roles = None;
        return Ok(CortezaAuth {
            jwt: String::new(),
            user,
        });
    }
    let session = start_session(caller, &account).await?;
    answer(caller, &session, &account).await
}

/// `POST /auth/internal/request-password-reset`: mails Mattermost's one-hour reset link to
/// an email account with the address (an unknown address is Corteza's generic error).
pub async fn request_password_reset(caller: &Caller, email: &str) -> Result<bool, ApiError> {
    let email = email.trim().to_lowercase();
    if crate::app::users::validate_email(&email).is_err() {
        return Err(error("invalid email"));
    }
    let account = crate::app::users::find_by_email(caller.state.db(), &email)
        .await?
        .filter(|a| a.auth_service.is_empty() && a.delete_at == 0)
        .ok_or_else(|| error(super::INTERNAL))?;
    crate::app::links::mail_password_reset(caller, &account).await?;
    Ok(true)
}

/// `POST /auth/internal/exchange-password-reset-token`: spends the mailed token and answers
/// a new one (as long-lived, for the same account) with the account it is for, so the web
/// app can show whose password it sets.
pub async fn exchange_password_reset_token(
    caller: &Caller,
    token: &str,
) -> Result<CortezaPasswordResetToken, ApiError> {
    use crate::app::links::{Purpose, issue, redeem};
    let txn = caller.state.begin_write().await?;
    let subject = redeem(&txn, Purpose::PasswordRecovery, token.trim())
        .await
        .map_err(|_| error(INVALID_TOKEN))?;
    let account = crate::app::users::get(&txn, &subject.user_id)
        .await
        .map_err(|_| error(INVALID_TOKEN))?;
    let fresh = issue(&txn, Purpose::PasswordRecovery, &subject).await?;
    txn.commit().await?;
    let mut user = payload(caller, &account).await?;
    user.roles = None;
    Ok(CortezaPasswordResetToken { token: fresh, user })
}

/// `POST /auth/internal/reset-password`: spends the token, sets the password (Mattermost's
/// rules; every session of the account ends, a security mail goes out) and signs in.
pub async fn reset_password(
    caller: &Caller,
    token: &str,
    password: String,
) -> Result<CortezaAuth, ApiError> {
    let account = crate::app::links::reset_password(caller, token.trim(), password)
        .await
        .map_err(|e| {
            if e.id.contains("is_valid.pwd") {
                error(NOT_SECURE)
            } else if e.id.starts_with("api.user.reset_password") {
                error(INVALID_TOKEN)
            } else {
                e
            }
        })?;
    let session = start_session(caller, &account).await?;
    answer(caller, &session, &account).await
}

/// `POST /auth/internal/confirm-email`: spends Mattermost's verification token, marks the
/// address verified and signs in.
pub async fn confirm_email(caller: &Caller, token: &str) -> Result<CortezaAuth, ApiError> {
    let account = crate::app::links::verify_email(caller, token.trim())
        .await
        .map_err(|e| {
            if e.id.starts_with("api.user.verify_email") {
                error(INVALID_TOKEN)
            } else {
                e
            }
        })?;
    let session = start_session(caller, &account).await?;
    answer(caller, &session, &account).await
}

/// `POST /auth/exchange`: Corteza trades here the one-time token its external sign-in
/// (OpenID Connect and the like) hands the browser. ferromost offers no external sign-in
/// through Corteza (`GET /auth/` says so), so it issues no such tokens and every token is
/// `invalid token`, as Corteza answers for one it did not issue.
pub fn exchange(token: &str) -> Result<CortezaAuth, ApiError> {
    let _ = token;
    Err(error(INVALID_TOKEN))
}

/// `POST /auth/impersonate`: an administrator (Mattermost's `manage_system`) signs in as
/// another account: a session of that account, recorded on both accounts' audit trails,
/// which ends like any other (logout, expiry, the account's sessions revoked); `expire`
/// is read and not applied, as in Corteza.
pub async fn impersonate(caller: &Caller, user_id: &str) -> Result<CortezaAuth, ApiError> {
    let refused = || error("not allowed to impersonate this user");
    let Some(session) = caller.session.as_ref().filter(|s| !s.is_local()) else {
        return Err(refused());
    };
    let target = super::users::account_of(caller, user_id, "user not found").await?;
    if !crate::auth::permissions::has_system(caller, crate::auth::permissions::ids::MANAGE_SYSTEM)
        .await?
    {
        return Err(refused());
    }
    let impersonation = start_session(caller, &target).await?;
    let what = format!(
        "impersonated by {} - session_id={}",
        session.user_id, impersonation.id
    );
    crate::app::audits::record(caller, &target.id, &what).await;
    let what = format!(
        "impersonating {} - session_id={}",
        target.id, impersonation.id
    );
    crate::app::audits::record(caller, &session.user_id, &what).await;
    answer(caller, &impersonation, &target).await
}
