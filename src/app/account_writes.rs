//! Changes to an account: password, activation, roles, guest status, profile fields, MFA,
//! sign-in service, verification and terms, and deleting it. Each write is one
//! transaction and forgets the account in every node's cache after commit.

use super::users::*;
use crate::auth::Caller;
use crate::auth::{mfa, password};
use crate::cluster::Invalidation;
use crate::config::Config;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::state::AppState;
use crate::store::entity::{bot, role, session, user};
use axum::http::StatusCode;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter,
};

/// Replaces the password of `account` after the PasswordSettings check; the account's
/// failed attempts start again from zero.
pub async fn set_password(
    caller: &Caller,
    account: user::Model,
    new_password: String,
) -> Result<(), ApiError> {
    let hashed = hash_new_password(&caller.state.config(), new_password).await?;
    let updated = write_password(caller.state.db(), account, hashed).await?;
    caller.state.forget_account(&updated.id).await
}

/// Replaces the password as Mattermost does when someone changes it: the PasswordSettings
/// check, a security notice to the account's address, every session of the account ended
/// but `keep` (the caller's own, when they changed their own password), an audit.
pub async fn replace_password(
    caller: &Caller,
    account: user::Model,
    new_password: String,
    keep: Option<&str>,
) -> Result<(), ApiError> {
    let (id, email) = (account.id.clone(), account.email.clone());
    set_password(caller, account, new_password).await?;
    crate::app::mail::notify_security_event(caller, &email, "The password was changed");
    crate::app::sessions::revoke_all_for_user(caller, &id, keep).await?;
    crate::app::audits::record(caller, &id, "password updated").await;
    Ok(())
}

/// The hash of a new password, after the PasswordSettings check (off the async threads).
pub async fn hash_new_password(config: &Config, new_password: String) -> Result<String, ApiError> {
    validate_password(&new_password, config)?;
    let rounds = config.password_settings.pbkdf2_iterations;
    password::hash_off_thread(new_password, rounds).await
}

/// Stores a hashed password; the failed attempts start again from zero.
async fn write_password(
    db: &impl ConnectionTrait,
    account: user::Model,
    hashed: String,
) -> Result<user::Model, ApiError> {
    let mut active = account.into_active_model();
    active.password = Set(hashed);
    active.last_password_update = Set(now_millis());
    active.failed_attempts = Set(0);
    active.update_at = Set(now_millis());
    Ok(active.update(db).await?)
}

/// Checks a typed password against the account's hash, off the async threads.
pub async fn password_matches(
    caller: &Caller,
    account: &user::Model,
    typed: String,
) -> Result<password::Verdict, ApiError> {
    let rounds = caller.state.config().password_settings.pbkdf2_iterations;
    password::verify_off_thread(typed, account.password.clone(), rounds).await
}

/// Activates or deactivates `account`; deactivation ends its sessions at once. Returns
/// the updated row.
pub async fn set_active(
    caller: &Caller,
    account: user::Model,
    active: bool,
) -> Result<user::Model, ApiError> {
    let txn = caller.state.begin_write().await?;
    let updated = write_active(&txn, account, active).await?;
    txn.commit().await?;
    after_set_active(caller, &updated.id, active).await?;
    Ok(updated)
}

/// What follows a committed [`write_active`]: the cached account goes (and its sessions,
/// when it was deactivated, whose status goes offline).
pub async fn after_set_active(caller: &Caller, id: &str, active: bool) -> Result<(), ApiError> {
    after_account_change(caller, id, !active).await?;
    if !active {
        super::presence::deactivated(caller, id).await?;
    }
    Ok(())
}

/// Marks the account active or deactivated; deactivation deletes its sessions, activation
/// clears what Corteza's API recorded of it (suspended, deleted).
pub async fn write_active(
    db: &impl ConnectionTrait,
    account: user::Model,
    active: bool,
) -> Result<user::Model, ApiError> {
    let now = now_millis();
    let mut row = account.into_active_model();
    row.delete_at = Set(if active { 0 } else { now });
    row.update_at = Set(now);
    let updated = row.update(db).await?;
    if active {
        crate::store::entity::corteza_user_state::Entity::delete_by_id(updated.id.clone())
            .exec(db)
            .await?;
    } else {
        crate::app::sessions::delete_all_for_user(db, &updated.id, None).await?;
    }
    Ok(updated)
}

/// Once a change to account `id` is committed: the cached account goes, and so do its
/// cached sessions when they ended or carry changed roles.
async fn after_account_change(caller: &Caller, id: &str, sessions: bool) -> Result<(), ApiError> {
    caller.state.forget_account(id).await?;
    if sessions {
        caller
            .state
            .invalidate(Invalidation::User {
                id: id.to_owned(),
                keep: None,
            })
            .await?;
    }
    Ok(())
}

/// Gives `account` the system roles `roles` (space-separated, each an existing role) and
/// carries them into the account's sessions.
pub async fn set_roles(
    caller: &Caller,
    account: user::Model,
    roles: &str,
) -> Result<user::Model, ApiError> {
    let txn = caller.state.begin_write().await?;
    let updated = write_roles(&txn, account, roles).await?;
    txn.commit().await?;
    after_account_change(caller, &updated.id, true).await?;
    Ok(updated)
}

/// Changes the system roles of account `user_id` with `edit` under the account row's lock,
/// in `db` (the caller's write transaction), and its sessions' copies; answers the account
/// as written (None: no such account). Concurrent changes of one account's roles queue.
pub async fn edit_roles_in(
    db: &impl ConnectionTrait,
    user_id: &str,
    edit: impl FnOnce(&mut Vec<String>),
) -> Result<Option<user::Model>, ApiError> {
    use sea_orm::QuerySelect;
    let Some(account) = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let mut roles: Vec<String> = account
        .roles
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let before = roles.clone();
    edit(&mut roles);
    if roles == before {
        return Ok(Some(account));
    }
    write_roles(db, account, &roles.join(" ")).await.map(Some)
}

/// What follows committed role changes of `ids`: their cached accounts and sessions go.
pub async fn after_roles_changed(caller: &Caller, ids: &[String]) -> Result<(), ApiError> {
    for id in ids {
        after_account_change(caller, id, true).await?;
    }
    Ok(())
}

/// Writes the account's system roles (space-separated, each an existing role) and its
/// sessions' copies of them.
async fn write_roles(
    db: &impl ConnectionTrait,
    account: user::Model,
    roles: &str,
) -> Result<user::Model, ApiError> {
    let names: Vec<&str> = roles.split_whitespace().collect();
    let valid_name = |n: &str| {
        n.len() <= 64
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if names.is_empty() || !names.iter().all(|n| valid_name(n)) {
        return Err(ApiError::invalid_param("roles"));
    }
    let known = role::Entity::find()
        .filter(role::Column::Name.is_in(names.clone()))
        .count(db)
        .await?;
    if usize::try_from(known).unwrap_or(0) != names.len() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::ROLE_NOT_FOUND,
            "One of the roles does not exist.",
        ));
    }
    let roles = names.join(" ");
    let id = account.id.clone();
    let mut row = account.into_active_model();
    row.roles = Set(roles.clone());
    row.update_at = Set(now_millis());
    let updated = row.update(db).await?;
    session::Entity::update_many()
        .col_expr(session::Column::Roles, Expr::value(roles))
        .filter(session::Column::UserId.eq(id))
        .exec(db)
        .await?;
    Ok(updated)
}

/// A bot's account made a person's (see bots::convert_bot_to_user): the patch, the
/// password, the roles, and active again, written in `db` (the caller's transaction).
pub async fn convert_from_bot(
    db: &impl ConnectionTrait,
    account: user::Model,
    patch: types::PatchUserBody,
    hashed_password: String,
    roles: &str,
) -> Result<user::Model, ApiError> {
    let account = write_patch(db, account, patch).await?;
    let account = write_password(db, account, hashed_password).await?;
    let account = write_roles(db, account, roles).await?;
    write_active(db, account, true).await
}

/// Demotes a member to guest or promotes a guest to member: the system role and every team
/// and channel membership change together.
pub async fn set_guest(
    caller: &Caller,
    account: user::Model,
    to_guest: bool,
) -> Result<(), ApiError> {
    let id = account.id.clone();
    let roles = if to_guest {
        "system_guest"
    } else {
        "system_user"
    };
    let txn = caller.state.begin_write().await?;
    write_roles(&txn, account, roles).await?;
    super::teams::set_guest_memberships(&txn, &id, to_guest).await?;
    super::channels::set_guest_memberships(&txn, &id, to_guest).await?;
    txn.commit().await?;
    after_account_change(caller, &id, true).await
}

/// A patch that changes nothing, to fill in with the fields that do change.
pub fn patch_nothing() -> types::PatchUserBody {
    types::PatchUserBody {
        username: None,
        email: None,
        first_name: None,
        last_name: None,
        nickname: None,
        locale: None,
        position: None,
        notify_props: None,
        props: serde_json::Map::new(),
        timezone: None,
    }
}

/// Applies a patch: only the fields it carries change; username and email keep
/// Mattermost's rules and stay unique.
pub async fn patch(
    caller: &Caller,
    account: user::Model,
    patch: types::PatchUserBody,
) -> Result<user::Model, ApiError> {
    let old_email = account.email.clone();
    let updated = write_patch(caller.state.db(), account, patch).await?;
    caller.state.forget_account(&updated.id).await?;
    notify_email_change(caller, &old_email, &updated);
    Ok(updated)
}

/// Tells the old address that the account's email changed (when it did).
fn notify_email_change(caller: &Caller, old_email: &str, updated: &user::Model) {
    if updated.email != old_email {
        crate::app::mail::notify_security_event(
            caller,
            old_email,
            &format!("The email address was changed to {}", updated.email),
        );
    }
}

/// Writes a patch (see [`patch`]).
async fn write_patch(
    db: &impl ConnectionTrait,
    account: user::Model,
    patch: types::PatchUserBody,
) -> Result<user::Model, ApiError> {
    let id = account.id.clone();
    let mut row = account.clone().into_active_model();
    if let Some(username) = patch.username.map(|u| u.trim().to_lowercase())
        && username != account.username
    {
        validate_username(&username)?;
        let holder = find_by_username(db, &username).await?;
        if holder.is_some_and(|u| u.id != id) {
            return Err(username_exists());
        }
        row.username = Set(username);
    }
    if let Some(email) = patch.email.map(|e| e.trim().to_lowercase())
        && email != account.email
    {
        validate_email(&email)?;
        let holder = find_by_email(db, &email).await?;
        if holder.is_some_and(|u| u.id != id) {
            return Err(email_exists());
        }
        row.email = Set(email);
        row.email_verified = Set(false);
    }
    if let Some(v) = patch.first_name {
        row.first_name = Set(v);
    }
    if let Some(v) = patch.last_name {
        row.last_name = Set(v);
    }
    if let Some(v) = patch.nickname {
        row.nickname = Set(v);
    }
    if let Some(v) = patch.position {
        row.position = Set(v);
    }
    if let Some(v) = patch.locale {
        row.locale = Set(v);
    }
    if let Some(v) = patch.notify_props {
        row.notify_props = Set(serde_json::to_string(&v).map_err(ApiError::internal)?);
    }
    if let Some(v) = patch.timezone {
        row.timezone = Set(serde_json::to_string(&v).map_err(ApiError::internal)?);
    }
    if !patch.props.is_empty() {
        row.props = Set(serde_json::Value::Object(patch.props).to_string());
    }
    row.update_at = Set(now_millis());
    Ok(row.update(db).await?)
}

/// One more failed login attempt for `account`.
pub async fn count_failed_attempt(state: &AppState, account: &user::Model) -> Result<(), ApiError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::FailedAttempts,
            Expr::col(user::Column::FailedAttempts).add(1),
        )
        .filter(user::Column::Id.eq(account.id.clone()))
        .exec(state.db())
        .await?;
    state.forget_account(&account.id).await
}

/// Accepts `code` for `account` once: true when it matches a time step later than the last
/// one used. The conditional update makes concurrent uses of one code succeed exactly once.
pub async fn consume_mfa_code(
    state: &AppState,
    account: &user::Model,
    code: &str,
) -> Result<bool, ApiError> {
    let Some(step) = mfa::matching_step(&account.mfa_secret, code, mfa::unix_seconds()) else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let result = user::Entity::update_many()
        .col_expr(user::Column::MfaUsedStep, Expr::value(step))
        .filter(user::Column::Id.eq(account.id.clone()))
        .filter(user::Column::MfaUsedStep.lt(step))
        .exec(state.db())
        .await?;
    state.forget_account(&account.id).await?;
    Ok(result.rows_affected == 1)
}

/// Sets whether MFA is active and the secret it uses.
pub async fn set_mfa(
    state: &AppState,
    account: user::Model,
    active: bool,
    secret: &str,
) -> Result<(), ApiError> {
    let mut row = account.into_active_model();
    row.mfa_active = Set(active);
    row.mfa_secret = Set(secret.to_owned());
    if !active {
        row.mfa_used_step = Set(0);
    }
    row.update_at = Set(now_millis());
    let updated = row.update(state.db()).await?;
    state.forget_account(&updated.id).await
}

/// Clears the failed login attempts that lock an account.
pub async fn reset_failed_attempts(state: &AppState, account: user::Model) -> Result<(), ApiError> {
    let mut row = account.into_active_model();
    row.failed_attempts = Set(0);
    let updated = row.update(state.db()).await?;
    state.forget_account(&updated.id).await
}

/// Removes the account and everything that is only its own: sessions, tokens, bot row,
/// preferences, audits and its pictures.
pub async fn permanent_delete(caller: &Caller, account: user::Model) -> Result<(), ApiError> {
    use crate::store::entity::{audit, preference, user_access_token};
    let id = account.id.clone();
    let txn = caller.state.begin_write().await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    user_access_token::Entity::delete_many()
        .filter(user_access_token::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    preference::Entity::delete_many()
        .filter(preference::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    audit::Entity::delete_many()
        .filter(audit::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    super::membership::changed();
    crate::store::entity::team_member::Entity::delete_many()
        .filter(crate::store::entity::team_member::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    crate::store::entity::channel_member::Entity::delete_many()
        .filter(crate::store::entity::channel_member::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    crate::store::entity::post::Entity::delete_many()
        .filter(crate::store::entity::post::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    // The files they uploaded (their bytes go once this commits).
    let files = super::files::forget_where(
        &txn,
        sea_orm::Condition::all()
            .add(crate::store::entity::file_info::Column::CreatorId.eq(id.clone())),
    )
    .await?;
    crate::store::entity::thread_membership::Entity::delete_many()
        .filter(crate::store::entity::thread_membership::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    crate::store::entity::reaction::Entity::delete_many()
        .filter(crate::store::entity::reaction::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    crate::store::entity::post_acknowledgement::Entity::delete_many()
        .filter(crate::store::entity::post_acknowledgement::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    super::chatbots::forget_account(&txn, &id).await?;
    crate::store::entity::corteza_user_state::Entity::delete_by_id(id.clone())
        .exec(&txn)
        .await?;
    crate::store::entity::post_reminder::Entity::delete_many()
        .filter(crate::store::entity::post_reminder::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    super::oauth_apps::forget_user(&txn, &id).await?;
    crate::store::entity::status::Entity::delete_by_id(id.clone())
        .exec(&txn)
        .await?;
    bot::Entity::delete_by_id(id.clone()).exec(&txn).await?;
    user::Entity::delete_by_id(id.clone()).exec(&txn).await?;
    txn.commit().await?;
    super::membership::changed();
    caller.state.forget_account(&id).await?;
    caller
        .state
        .invalidate(Invalidation::User {
            id: id.clone(),
            keep: None,
        })
        .await?;
    super::files::remove_stored(caller, &files).await?;
    super::filestore::FileStore::from_config(&caller.state.config())?
        .remove_all(&format!("users/{id}"))
        .await
}

/// Marks the account's address as verified.
pub async fn set_email_verified(state: &AppState, account: user::Model) -> Result<(), ApiError> {
    let mut row = account.into_active_model();
    row.email_verified = Set(true);
    row.update_at = Set(now_millis());
    let updated = row.update(state.db()).await?;
    state.forget_account(&updated.id).await
}

/// Records the terms of service version the account accepted (None: rejected).
pub async fn set_terms_accepted(
    state: &AppState,
    account: user::Model,
    terms_id: Option<&str>,
) -> Result<(), ApiError> {
    let mut row = account.into_active_model();
    row.terms_of_service_id = Set(terms_id.unwrap_or_default().to_owned());
    row.terms_of_service_create_at = Set(if terms_id.is_some() { now_millis() } else { 0 });
    row.update_at = Set(now_millis());
    let updated = row.update(state.db()).await?;
    state.forget_account(&updated.id).await
}

/// The sign-in services an account may use ("" is email and password).
const AUTH_SERVICES: [&str; 7] = [
    "",
    "gitlab",
    "ldap",
    "saml",
    "google",
    "office365",
    "openid",
];

/// Moves the account to `auth.auth_service`: another service takes the account's id there
/// (unique) and drops the password; email ("" or "email") clears the service, leaving the
/// account to set a password through the reset email. Its sessions end either way.
pub async fn set_auth(
    caller: &Caller,
    account: user::Model,
    auth: types::UserAuthData,
) -> Result<types::UserAuthData, ApiError> {
    let service = if auth.auth_service == "email" {
        String::new()
    } else {
        auth.auth_service
    };
    if !AUTH_SERVICES.contains(&service.as_str()) {
        return Err(ApiError::invalid_param("auth_service"));
    }
    let id = account.id.clone();
    let auth_data = if service.is_empty() {
        None
    } else {
        if auth.auth_data.is_empty() || auth.auth_data.len() > 128 {
            return Err(ApiError::invalid_param("auth_data"));
        }
        let taken = user::Entity::find()
            .filter(user::Column::AuthData.eq(auth.auth_data.clone()))
            .filter(user::Column::Id.ne(id.clone()))
            .one(caller.state.db())
            .await?;
        if taken.is_some() {
            return Err(ApiError::invalid_param("auth_data").detail("another account has it"));
        }
        Some(auth.auth_data)
    };
    let mut row = account.into_active_model();
    row.auth_service = Set(service);
    row.auth_data = Set(auth_data);
    row.password = Set(String::new());
    row.mfa_active = Set(false);
    row.update_at = Set(now_millis());
    let updated = row.update(caller.state.db()).await?;
    caller.state.forget_account(&id).await?;
    crate::app::sessions::revoke_all_for_user(caller, &id, None).await?;
    Ok(types::UserAuthData {
        auth_data: updated.auth_data.unwrap_or_default(),
        auth_service: updated.auth_service,
    })
}

/// Removes every account with its sessions, tokens, preferences, audits, bot rows, emailed
/// links and pictures (PermanentDeleteAllUsers, local mode).
pub async fn permanent_delete_all(caller: &Caller) -> Result<(), ApiError> {
    use crate::store::entity::{audit, preference, token, user_access_token};
    let txn = caller.state.begin_write().await?;
    session::Entity::delete_many().exec(&txn).await?;
    user_access_token::Entity::delete_many().exec(&txn).await?;
    preference::Entity::delete_many().exec(&txn).await?;
    audit::Entity::delete_many().exec(&txn).await?;
    token::Entity::delete_many().exec(&txn).await?;
    super::membership::changed();
    crate::store::entity::team_member::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::channel_member::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::post::Entity::delete_many()
        .exec(&txn)
        .await?;
    let files = super::files::forget_where(&txn, sea_orm::Condition::all()).await?;
    crate::store::entity::thread::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::thread_membership::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::reaction::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::post_acknowledgement::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::chatbot_user::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::post_reminder::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::oauth_access_data::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::oauth_auth_data::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::status::Entity::delete_many()
        .exec(&txn)
        .await?;
    bot::Entity::delete_many().exec(&txn).await?;
    user::Entity::delete_many().exec(&txn).await?;
    txn.commit().await?;
    super::membership::changed();
    caller.state.invalidate(Invalidation::AllAccounts).await?;
    caller.state.invalidate(Invalidation::AllSessions).await?;
    super::files::remove_stored(caller, &files).await?;
    let store = super::filestore::FileStore::from_config(&caller.state.config())?;
    for dir in ["users", "bots"] {
        store.remove_all(dir).await?;
    }
    Ok(())
}
