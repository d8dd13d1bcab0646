//! Signing in with a login id and a password, as Mattermost decides it: which accounts a
//! login id may name, the lockout after failed attempts, the password (an unknown login id
//! costs one hash too, so timing does not tell which accounts exist), then what the
//! account is (a bot, deactivated, unverified, a guest while guests are off: told only to
//! whoever knows its password), then the MFA code. Success resets the failed attempts,
//! upgrades an old hash and starts a session, in one transaction.

use super::{audits, sessions, users};
use crate::auth::password::{self, Verdict};
use crate::auth::{Caller, Session};
use crate::config::Config;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::user;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

pub mod ids {
    pub const BLANK_PASSWORD: &str = "api.user.login.blank_pwd.app_error";
    pub const INVALID_CREDENTIALS: &str = "api.user.login.invalid_credentials_email_username";
    pub const INACTIVE: &str = "api.user.login.inactive.app_error";
    pub const BOT_LOGIN: &str = "api.user.login.bot_login_forbidden.app_error";
    pub const TOO_MANY_ATTEMPTS: &str = "api.user.check_user_login_attempts.too_many.app_error";
    pub const GUEST_LOGIN_DISABLED: &str = "api.user.login.guest_accounts.disabled.error";
    pub const NOT_VERIFIED: &str = "api.user.login.not_verified.app_error";
    pub const LDAP_NOT_AVAILABLE: &str = "api.user.login_ldap.not_available.app_error";
    pub const MFA_REQUIRED: &str = "mfa.validate_token.authenticate.app_error";
    pub const MFA_BAD_CODE: &str = "api.user.check_user_mfa.bad_code.app_error";
}

/// What a sign-in sends.
pub struct Attempt {
    pub login_id: String,
    pub password: String,
    /// The MFA code ("" when none was sent).
    pub mfa_code: String,
    pub device_id: String,
    pub user_agent: String,
    /// AD/LDAP only (not offered).
    pub ldap_only: bool,
}

fn refused(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, id, message.to_owned())
}

fn invalid() -> ApiError {
    refused(
        ids::INVALID_CREDENTIALS,
        "Enter a valid email or username and password.",
    )
}

/// Signs in: the account as it is now, and its new session.
pub async fn login(caller: &Caller, attempt: Attempt) -> Result<(user::Model, Session), ApiError> {
    let config = caller.state.config();
    if attempt.ldap_only {
        // AD/LDAP sign-in is not offered (yet): as Mattermost without it.
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::LDAP_NOT_AVAILABLE,
            "AD/LDAP sign-in is not available on this server.",
        ));
    }
    if attempt.password.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::BLANK_PASSWORD,
            "The password must not be blank.",
        ));
    }
    let rounds = config.password_settings.pbkdf2_iterations;
    let Some(account) = find_account(caller, &config, &attempt.login_id).await? else {
        password::hash_off_thread(attempt.password, rounds).await?;
        return Err(invalid());
    };
    if account.failed_attempts >= config.service_settings.maximum_login_attempts {
        return Err(refused(
            ids::TOO_MANY_ATTEMPTS,
            "This account is locked after too many failed attempts; reset the password.",
        ));
    }
    let verdict =
        password::verify_off_thread(attempt.password.clone(), account.password.clone(), rounds)
            .await?;
    if verdict == Verdict::Mismatch {
        users::count_failed_attempt(&caller.state, &account).await?;
        audits::record(caller, &account.id, "failure - wrong password").await;
        return Err(invalid());
    }
    check_standing(caller, &config, &account).await?;
    check_mfa(caller, &config, &account, &attempt.mfa_code).await?;
    let rehashed = if verdict == Verdict::MatchNeedsRehash {
        // A bcrypt hash from an older server, or fewer rounds than configured: upgrade.
        Some(password::hash_off_thread(attempt.password, rounds).await?)
    } else {
        None
    };
    let txn = caller.state.begin_write().await?;
    let mut row = account.into_active_model();
    if let Some(hashed) = rehashed {
        row.password = Set(hashed);
    }
    row.failed_attempts = Set(0);
    row.last_login = Set(now_millis());
    let account = row.update(&txn).await?;
    let session = sessions::create(
        &txn,
        &config,
        &account,
        &attempt.device_id,
        &attempt.user_agent,
    )
    .await?;
    txn.commit().await?;
    caller.state.forget_account(&account.id).await?;
    let note = format!("success - session_id={}", session.id);
    audits::record(caller, &account.id, &note).await;
    Ok((account, session))
}

/// The account a login id names: an email address when sign-in by email is on, a username
/// when sign-in by username is.
async fn find_account(
    caller: &Caller,
    config: &Config,
    login_id: &str,
) -> Result<Option<user::Model>, ApiError> {
    let db = caller.state.db();
    let by_email = config.email_settings.enable_sign_in_with_email;
    let by_username = config.email_settings.enable_sign_in_with_username;
    match (login_id.contains('@') && by_email, by_username) {
        (true, _) => users::find_by_email(db, login_id).await,
        (false, true) => users::find_by_username(db, login_id).await,
        (false, false) => Ok(None),
    }
}

/// What the account is, once its password checked out.
async fn check_standing(
    caller: &Caller,
    config: &Config,
    account: &user::Model,
) -> Result<(), ApiError> {
    if users::is_bot(caller.state.db(), &account.id).await? {
        return Err(refused(
            ids::BOT_LOGIN,
            "Bots cannot log in with a password.",
        ));
    }
    if account.delete_at != 0 {
        return Err(refused(ids::INACTIVE, "This account has been deactivated."));
    }
    if config.email_settings.require_email_verification && !account.email_verified {
        return Err(refused(
            ids::NOT_VERIFIED,
            "This account's email address is not verified yet.",
        ));
    }
    if users::is_guest(account) && !config.guest_accounts_settings.enable {
        return Err(refused(
            ids::GUEST_LOGIN_DISABLED,
            "Guest accounts are turned off on this server.",
        ));
    }
    Ok(())
}

/// The MFA code, when the account uses MFA; a wrong one counts as a failed attempt.
async fn check_mfa(
    caller: &Caller,
    config: &Config,
    account: &user::Model,
    code: &str,
) -> Result<(), ApiError> {
    if !(config.service_settings.enable_multifactor_authentication && account.mfa_active) {
        return Ok(());
    }
    if code.is_empty() {
        // The clients ask for the code after this answer and post again.
        return Err(refused(
            ids::MFA_REQUIRED,
            "This account needs a multi-factor authentication code.",
        ));
    }
    if !users::consume_mfa_code(&caller.state, account, code).await? {
        users::count_failed_attempt(&caller.state, account).await?;
        audits::record(caller, &account.id, "failure - wrong MFA code").await;
        return Err(refused(
            ids::MFA_BAD_CODE,
            "The multi-factor authentication code is not valid.",
        ));
    }
    Ok(())
}

/// Moves the caller's account from an OAuth service (`from`) to email sign-in with
/// `password`, as Mattermost's SwitchOAuthToEmail: `email` must be the account's and
/// `from` its service; the password is set, the service link dropped and every session
/// of the account ended, in one transaction.
pub async fn switch_to_email(
    caller: &Caller,
    from: &str,
    email: Option<&str>,
    password: Option<String>,
) -> Result<(), ApiError> {
    let user_id = caller.session()?.user_id.clone();
    let account = users::get(caller.state.db(), &user_id).await?;
    if email.map(str::to_lowercase).as_deref() != Some(account.email.as_str()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "api.user.oauth_to_email.context.app_error",
            "The email address is not the signed-in account's.",
        ));
    }
    if account.auth_service != from {
        return Err(ApiError::invalid_param("current_service"));
    }
    let password = password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::invalid_param("password"))?;
    let hashed = users::hash_new_password(&caller.state.config(), password).await?;
    let now = now_millis();
    let mut row = account.into_active_model();
    row.password = Set(hashed);
    row.last_password_update = Set(now);
    row.auth_service = Set(String::new());
    row.auth_data = Set(None);
    row.failed_attempts = Set(0);
    row.update_at = Set(now);
    let txn = caller.state.begin_write().await?;
    row.update(&txn).await?;
    sessions::delete_all_for_user(&txn, &user_id, None).await?;
    txn.commit().await?;
    caller.state.forget_account(&user_id).await?;
    caller
        .state
        .invalidate(crate::cluster::Invalidation::User {
            id: user_id.clone(),
            keep: None,
        })
        .await?;
    audits::record(caller, &user_id, &format!("switched from {from} to email")).await;
    Ok(())
}
