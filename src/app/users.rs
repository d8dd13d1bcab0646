//! User accounts: validation with Mattermost's rules, creation, lookup, and the JSON view of
//! a user for whoever is asking.

pub use super::account_writes::*;
pub use super::profile_images::*;
use crate::auth::Caller;
use crate::auth::Session;
use crate::auth::password;
use crate::auth::permissions::{has_system, ids::MANAGE_SYSTEM};
use crate::config::Config;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::ids::{new_id, now_millis};
use crate::store::entity::{bot, user};
use axum::http::StatusCode;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    SqlErr,
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

pub(super) fn username_exists() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::USERNAME_EXISTS,
        "That username is taken.",
    )
}

pub(super) fn email_exists() -> ApiError {
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

/// True when the account's system role is system_guest.
pub fn is_guest(account: &user::Model) -> bool {
    account
        .roles
        .split_whitespace()
        .any(|r| r == "system_guest")
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
