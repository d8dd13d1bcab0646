//! User accounts: validation with Mattermost's rules, creation, lookup, and the JSON view of
//! a user for whoever is asking.

use crate::app::images;
use crate::auth::Caller;
use crate::auth::Session;
use crate::auth::permissions::{has_system, ids::MANAGE_SYSTEM};
use crate::auth::{mfa, password};
use crate::cluster::Invalidation;
use crate::config::Config;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::ids::{new_id, now_millis};
use crate::rt::{Binary, Multipart};
use crate::state::AppState;
use crate::store::entity::{bot, role, session, user};
use axum::http::StatusCode;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, SqlErr,
};

pub mod ids {
    pub const USERNAME_INVALID: &str = "model.user.is_valid.username.app_error";
    pub const EMAIL_INVALID: &str = "model.user.is_valid.email.app_error";
    pub const USERNAME_EXISTS: &str = "app.user.save.username_exists.app_error";
    pub const EMAIL_EXISTS: &str = "app.user.save.email_exists.app_error";
    pub const MISSING_ACCOUNT: &str = "app.user.missing_account.const";
    pub const SAVE_FAILED: &str = "app.user.save.app_error";
    pub const ROLE_NOT_FOUND: &str = "app.role.check_roles_exist.role_not_found";
}

/// Usernames Mattermost reserves for mentions and the system.
const RESERVED_USERNAMES: [&str; 5] = ["all", "channel", "here", "matterbot", "system"];

/// Mattermost's username rule: 3 to 22 characters, a lower-case letter first, then lower-case
/// letters, digits, `.`, `-` or `_`; not a reserved name.
pub fn validate_username(username: &str) -> Result<(), ApiError> {
    let valid = (3..=22).contains(&username.len())
        && username.starts_with(|c: char| c.is_ascii_lowercase())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
        && !RESERVED_USERNAMES.contains(&username);
    if valid {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::USERNAME_INVALID,
            "A username starts with a letter and has 3 to 22 lower-case letters, digits, '.', '-' or '_'.",
        ))
    }
}

/// A plausible address, as Go's net/mail accepts: one `@` with text on both sides, no
/// spaces, at most 128 bytes (`helper@localhost`, Mattermost's bot addresses, included).
pub fn validate_email(email: &str) -> Result<(), ApiError> {
    let valid = email.len() <= 128
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::EMAIL_INVALID,
            "The email address is not valid.",
        ))
    }
}

/// A test one character class passes.
type CharTest = fn(char) -> bool;

/// PasswordSettings: minimum length (and at most 72 bytes, bcrypt's limit that Mattermost
/// keeps), and the character classes the settings require. The error id names the classes,
/// as Mattermost's does (`model.user.is_valid.pwd_lowercase_number.app_error`).
pub fn validate_password(password: &str, config: &Config) -> Result<(), ApiError> {
    let s = &config.password_settings;
    let mut id = String::from("model.user.is_valid.pwd");
    let mut ok = password.chars().count() >= s.minimum_length && password.len() <= 72;
    let classes: [(bool, &str, CharTest); 4] = [
        (s.lowercase, "lowercase", |c| c.is_lowercase()),
        (s.uppercase, "uppercase", |c| c.is_uppercase()),
        (s.number, "number", |c| c.is_ascii_digit()),
        (s.symbol, "symbol", |c| c.is_ascii_punctuation() || c == ' '),
    ];
    for (required, name, test) in classes {
        if required {
            id.push('_');
            id.push_str(name);
            ok &= password.chars().any(test);
        }
    }
    if ok {
        return Ok(());
    }
    id.push_str(".app_error");
    let mut e = ApiError::new(
        StatusCode::BAD_REQUEST,
        "model.user.is_valid.pwd.app_error",
        format!(
            "The password needs at least {} characters, at most 72 bytes, and the character \
             kinds the password settings require.",
            s.minimum_length
        ),
    );
    e.id = id.into();
    Err(e)
}

/// What a new account is made from.
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub nickname: String,
    pub position: String,
    pub locale: String,
    pub props: serde_json::Map<String, serde_json::Value>,
    pub notify_props: Option<types::UserNotifyProps>,
    pub timezone: Option<types::Timezone>,
    pub email_verified: bool,
}

/// Mattermost's notify props for a new account.
fn default_notify_props(username: &str) -> serde_json::Value {
    serde_json::json!({
        "email": "true", "push": "mention", "desktop": "mention", "desktop_sound": "true",
        "mention_keys": "", "channel": "true", "first_name": "false",
        "comments": "never", "push_status": "online", "auto_responder_active": "false",
        "auto_responder_message": "", "username": username,
    })
}

fn default_timezone() -> serde_json::Value {
    serde_json::json!({
        "automaticTimezone": "", "manualTimezone": "", "useAutomaticTimezone": true
    })
}

/// True when no account exists yet: the first account becomes a system admin.
pub async fn is_first_account(db: &impl ConnectionTrait) -> Result<bool, ApiError> {
    Ok(user::Entity::find().count(db).await? == 0)
}

/// Validates and stores a new account. `roles` are the system roles it starts with.
pub async fn create(
    db: &impl ConnectionTrait,
    config: &Config,
    new: NewUser,
    roles: &str,
) -> Result<user::Model, ApiError> {
    insert(db, prepare(config, new).await?, roles).await
}

/// A new account checked and with its password hashed, ready for [`insert`]. The hash
/// takes a while, so it is made before any transaction that stores the account.
pub struct Prepared {
    new: NewUser,
    username: String,
    email: String,
    hashed: String,
}

/// Checks what a new account can be checked for without the database, and hashes its
/// password.
pub async fn prepare(config: &Config, new: NewUser) -> Result<Prepared, ApiError> {
    let username = new.username.trim().to_lowercase();
    let email = new.email.trim().to_lowercase();
    validate_username(&username)?;
    if let Some(p) = &new.password {
        validate_password(p, config)?;
    }
    let rounds = config.password_settings.pbkdf2_iterations;
    let hashed = match new.password.clone() {
        Some(p) => password::hash_off_thread(p, rounds).await?,
        None => String::new(),
    };
    Ok(Prepared {
        new,
        username,
        email,
        hashed,
    })
}

impl Prepared {
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The account takes the address its invitation went to, verified by that.
    pub fn invited_as(&mut self, email: &str) {
        self.email = email.trim().to_lowercase();
        self.new.email_verified = true;
    }
}

/// Stores a [`prepare`]d account unless its username or email address is taken.
pub async fn insert(
    db: &impl ConnectionTrait,
    prepared: Prepared,
    roles: &str,
) -> Result<user::Model, ApiError> {
    let Prepared {
        new,
        username,
        email,
        hashed,
    } = prepared;
    // Checked here, not in `prepare`: an invitation may still change it.
    validate_email(&email)?;
    if find_by_username(db, &username).await?.is_some() {
        return Err(username_exists());
    }
    if find_by_email(db, &email).await?.is_some() {
        return Err(email_exists());
    }
    let now = now_millis();
    let notify_props = match &new.notify_props {
        Some(p) => serde_json::to_value(p).unwrap_or_else(|_| default_notify_props(&username)),
        None => default_notify_props(&username),
    };
    let timezone = match &new.timezone {
        Some(t) => serde_json::to_value(t).unwrap_or_else(|_| default_timezone()),
        None => default_timezone(),
    };
    let model = user::ActiveModel {
        id: Set(new_id()),
        create_at: Set(now),
        update_at: Set(now),
        delete_at: Set(0),
        username: Set(username),
        password: Set(hashed),
        auth_data: Set(None),
        auth_service: Set(String::new()),
        email: Set(email),
        email_verified: Set(new.email_verified),
        nickname: Set(new.nickname),
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        position: Set(new.position),
        roles: Set(roles.to_owned()),
        allow_marketing: Set(false),
        props: Set(serde_json::Value::Object(new.props).to_string()),
        notify_props: Set(notify_props.to_string()),
        last_password_update: Set(now),
        last_picture_update: Set(0),
        failed_attempts: Set(0),
        locale: Set(if new.locale.is_empty() {
            "en".to_owned()
        } else {
            new.locale
        }),
        timezone: Set(timezone.to_string()),
        mfa_active: Set(false),
        mfa_secret: Set(String::new()),
        mfa_used_step: Set(0),
        remote_id: Set(None),
        last_activity_at: Set(0),
        last_login: Set(0),
        terms_of_service_id: Set(String::new()),
        terms_of_service_create_at: Set(0),
        disable_welcome_email: Set(false),
    };
    match user::Entity::insert(model).exec_with_returning(db).await {
        Ok(m) => Ok(m),
        Err(e) => Err(match e.sql_err() {
            // A concurrent create won the race for the name or the address.
            Some(SqlErr::UniqueConstraintViolation(msg)) if msg.contains("email") => email_exists(),
            Some(SqlErr::UniqueConstraintViolation(_)) => username_exists(),
            _ => ApiError::internal(e),
        }),
    }
}

fn username_exists() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::USERNAME_EXISTS,
        "That username is taken.",
    )
}

fn email_exists() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::EMAIL_EXISTS,
        "An account with that email exists.",
    )
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, ApiError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username.to_lowercase()))
        .one(db)
        .await?)
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, ApiError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.to_lowercase()))
        .one(db)
        .await?)
}

/// The account with `id`, or 404 `app.user.missing_account.const`.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<user::Model, ApiError> {
    user::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(missing_account)
}

/// 404 `app.user.missing_account.const`.
pub fn missing_account() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::MISSING_ACCOUNT,
        "There is no such user.",
    )
}

/// True when the account is a bot (its id has a `bots` row).
pub async fn is_bot(db: &impl ConnectionTrait, id: &str) -> Result<bool, ApiError> {
    Ok(bot::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .is_some())
}

/// The caller's session and a well-formed `user_id` path value: 401 first, then 400
/// `api.context.invalid_url_param.app_error`, as Mattermost orders them.
pub fn require_session_and_id<'a>(
    caller: &'a Caller,
    user_id: &str,
) -> Result<&'a Session, ApiError> {
    let session = caller.session()?;
    if is_valid_id(user_id) {
        Ok(session)
    } else {
        Err(ApiError::invalid_url_param("user_id"))
    }
}

/// What the caller may see of `target`: everything when it is the caller or the caller
/// manages the system, a profile otherwise.
pub async fn view_for(caller: &Caller, target: &user::Model) -> Result<View, ApiError> {
    let own = caller
        .session
        .as_ref()
        .is_some_and(|s| s.user_id == target.id);
    if own || has_system(caller, MANAGE_SYSTEM).await? {
        Ok(View::Full)
    } else {
        Ok(View::Profile)
    }
}

/// One account as the caller may see it.
pub async fn show(caller: &Caller, account: &user::Model) -> Result<types::User, ApiError> {
    require_can_see(caller, &account.id).await?;
    let view = view_for(caller, account).await?;
    let cached = caller
        .state
        .accounts()
        .get(caller.state.db(), &account.id)
        .await?;
    let bot = cached.as_ref().and_then(|a| a.bot.as_ref());
    Ok(to_api(account, view, &caller.state.config(), bot))
}

/// Account `id` (user and bot rows) from the account cache, or 404.
pub async fn account(
    caller: &Caller,
    id: &str,
) -> Result<std::sync::Arc<crate::store::accounts::Account>, ApiError> {
    caller
        .state
        .accounts()
        .get(caller.state.db(), id)
        .await?
        .ok_or_else(missing_account)
}

/// The accounts among `rows` as the caller may see them.
pub async fn views(caller: &Caller, rows: &[user::Model]) -> Result<Vec<types::User>, ApiError> {
    let config = caller.state.config();
    let admin = has_system(caller, MANAGE_SYSTEM).await?;
    let me = caller
        .session
        .as_ref()
        .map(|s| s.user_id.as_str())
        .unwrap_or_default();
    let ids: Vec<String> = rows.iter().map(|u| u.id.clone()).collect();
    let bots: std::collections::HashMap<String, bot::Model> = bot::Entity::find()
        .filter(bot::Column::UserId.is_in(ids))
        .all(caller.state.db())
        .await?
        .into_iter()
        .map(|b| (b.user_id.clone(), b))
        .collect();
    Ok(rows
        .iter()
        .map(|u| {
            let view = if admin || u.id == me {
                View::Full
            } else {
                View::Profile
            };
            to_api(u, view, &config, bots.get(&u.id))
        })
        .collect())
}

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

/// How much of an account the caller may see.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The account's owner or an administrator: everything but secrets.
    Full,
    /// Anyone else: email and full name only as PrivacySettings allow.
    Profile,
}

/// The contract's User for `m`. Password, auth data and MFA secret never leave the server.
/// Bots (`bot` given) carry `is_bot`, their description and icon time.
pub fn to_api(
    m: &user::Model,
    view: View,
    config: &Config,
    bot: Option<&bot::Model>,
) -> types::User {
    let full = view == View::Full;
    let privacy = &config.privacy_settings;
    let show_email = full || privacy.show_email_address;
    let show_name = full || privacy.show_full_name;
    types::User {
        id: Some(m.id.clone()),
        create_at: Some(m.create_at),
        update_at: Some(m.update_at),
        delete_at: Some(m.delete_at),
        username: Some(m.username.clone()),
        auth_service: Some(m.auth_service.clone()),
        email: Some(if show_email {
            m.email.clone()
        } else {
            String::new()
        }),
        email_verified: full.then_some(m.email_verified),
        failed_attempts: full.then_some(m.failed_attempts),
        first_name: Some(if show_name {
            m.first_name.clone()
        } else {
            String::new()
        }),
        last_name: Some(if show_name {
            m.last_name.clone()
        } else {
            String::new()
        }),
        nickname: Some(m.nickname.clone()),
        last_password_update: full.then_some(m.last_password_update),
        last_picture_update: Some(m.last_picture_update),
        locale: Some(m.locale.clone()),
        mfa_active: full.then_some(m.mfa_active),
        notify_props: if full {
            serde_json::from_str(&m.notify_props).ok()
        } else {
            None
        },
        props: serde_json::from_str(&m.props).unwrap_or_default(),
        roles: Some(m.roles.clone()),
        terms_of_service_create_at: full.then_some(m.terms_of_service_create_at),
        terms_of_service_id: full.then(|| m.terms_of_service_id.clone()),
        timezone: serde_json::from_str(&m.timezone).ok(),
        position: Some(m.position.clone()),
        is_bot: Some(bot.is_some()),
        bot_description: bot.map(|b| b.description.clone()),
        bot_last_icon_update: bot.map(|b| b.last_icon_update),
    }
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
    after_account_change(caller, &updated.id, !active).await?;
    Ok(updated)
}

/// Marks the account active or deactivated; deactivation deletes its sessions.
async fn write_active(
    db: &impl ConnectionTrait,
    account: user::Model,
    active: bool,
) -> Result<user::Model, ApiError> {
    let now = now_millis();
    let mut row = account.into_active_model();
    row.delete_at = Set(if active { 0 } else { now });
    row.update_at = Set(now);
    let updated = row.update(db).await?;
    if !active {
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

fn profile_image_path(caller: &Caller, id: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(&caller.state.config().file_settings.directory)
        .join("users")
        .join(id)
        .join("profile.png")
}

/// The account's image: its upload, a bot's icon, or the default one.
pub async fn profile_image(caller: &Caller, account: &user::Model) -> Result<Binary, ApiError> {
    if account.last_picture_update > 0
        && let Ok(bytes) = tokio::fs::read(profile_image_path(caller, &account.id)).await
    {
        return Ok(Binary {
            content_type: "image/png".to_owned(),
            bytes: bytes.into(),
        });
    }
    if let Some(bot) = bot::Entity::find_by_id(account.id.clone())
        .one(caller.state.db())
        .await?
        && bot.last_icon_update > 0
    {
        let found = crate::app::bots::get(caller, &account.id, true).await?;
        return crate::app::bots::icon(caller, &found).await;
    }
    default_profile_image(account)
}

/// The default image: the initial on the account's colour.
pub fn default_profile_image(account: &user::Model) -> Result<Binary, ApiError> {
    let png = images::default_profile_png(&account.id, &account.username)?;
    Ok(Binary {
        content_type: "image/png".to_owned(),
        bytes: png.into(),
    })
}

/// Stores the `image` part of the form as the account's picture (cropped and scaled).
pub async fn set_profile_image(
    caller: &Caller,
    account: user::Model,
    form: Multipart,
) -> Result<(), ApiError> {
    let png = images::read_upload(form, images::PROFILE_FORM).await?;
    let path = profile_image_path(caller, &account.id);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(ApiError::internal)?;
    }
    tokio::fs::write(&path, png)
        .await
        .map_err(ApiError::internal)?;
    set_picture_time(caller, account, now_millis()).await
}

/// Back to the default image. The negative time still changes, so cached copies refresh.
pub async fn reset_profile_image(caller: &Caller, account: user::Model) -> Result<(), ApiError> {
    match tokio::fs::remove_file(profile_image_path(caller, &account.id)).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ApiError::internal(e)),
    }
    set_picture_time(caller, account, -now_millis()).await
}

async fn set_picture_time(caller: &Caller, account: user::Model, at: i64) -> Result<(), ApiError> {
    let mut row = account.into_active_model();
    row.last_picture_update = Set(at);
    row.update_at = Set(now_millis());
    let updated = row.update(caller.state.db()).await?;
    caller.state.forget_account(&updated.id).await
}

/// True when the account's system role is system_guest.
pub fn is_guest(account: &user::Model) -> bool {
    account
        .roles
        .split_whitespace()
        .any(|r| r == "system_guest")
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
    crate::store::entity::thread_membership::Entity::delete_many()
        .filter(crate::store::entity::thread_membership::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    crate::store::entity::reaction::Entity::delete_many()
        .filter(crate::store::entity::reaction::Column::UserId.eq(id.clone()))
        .exec(&txn)
        .await?;
    crate::store::entity::status::Entity::delete_by_id(id.clone())
        .exec(&txn)
        .await?;
    bot::Entity::delete_by_id(id.clone()).exec(&txn).await?;
    user::Entity::delete_by_id(id.clone()).exec(&txn).await?;
    txn.commit().await?;
    caller.state.forget_account(&id).await?;
    caller
        .state
        .invalidate(Invalidation::User {
            id: id.clone(),
            keep: None,
        })
        .await?;
    let dir = std::path::PathBuf::from(&caller.state.config().file_settings.directory)
        .join("users")
        .join(&id);
    if let Err(e) = tokio::fs::remove_dir_all(&dir).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        return Err(ApiError::internal(e));
    }
    Ok(())
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

/// Mattermost's UserCanSeeOtherUser: everyone with `view_members` sees everyone; without it
/// (guests) only people sharing a team or a channel.
pub async fn require_can_see(caller: &Caller, target_id: &str) -> Result<(), ApiError> {
    let me = caller.session()?.user_id.as_str();
    if me == target_id
        || has_system(caller, crate::auth::permissions::ids::VIEW_MEMBERS).await?
        || super::teams::share_a_team(caller.state.db(), me, target_id).await?
        || super::channels::channel_mates(caller.state.db(), me)
            .await?
            .contains(target_id)
    {
        Ok(())
    } else {
        Err(ApiError::forbidden().detail("needs view_members"))
    }
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
    crate::store::entity::team_member::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::channel_member::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::post::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::thread::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::thread_membership::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::reaction::Entity::delete_many()
        .exec(&txn)
        .await?;
    crate::store::entity::status::Entity::delete_many()
        .exec(&txn)
        .await?;
    bot::Entity::delete_many().exec(&txn).await?;
    user::Entity::delete_many().exec(&txn).await?;
    txn.commit().await?;
    caller.state.invalidate(Invalidation::AllAccounts).await?;
    caller.state.invalidate(Invalidation::AllSessions).await?;
    let files = std::path::PathBuf::from(&caller.state.config().file_settings.directory);
    for dir in ["users", "bots"] {
        if let Err(e) = tokio::fs::remove_dir_all(files.join(dir)).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(ApiError::internal(e));
        }
    }
    Ok(())
}
