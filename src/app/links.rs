//! Single-use, expiring tokens sent by email: password reset (valid one hour) and email
//! verification (valid 48 hours). A token is spent by deleting its row; only the request
//! whose delete removed it goes on, so concurrent uses succeed exactly once.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::{token, user};
use axum::http::StatusCode;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

/// What a token is for, with Mattermost's type names and lifetimes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    PasswordRecovery,
    VerifyEmail,
    /// An email invitation to join a team (and sign up if need be).
    TeamInvitation,
    /// An email invitation to sign up as a guest in a team and some of its channels.
    GuestInvitation,
}

impl Purpose {
    fn kind(self) -> &'static str {
        match self {
            Self::PasswordRecovery => "password_recovery",
            Self::VerifyEmail => "verify_email",
            Self::TeamInvitation => "team_invitation",
            Self::GuestInvitation => "guest_invitation",
        }
    }

    fn lifetime_ms(self) -> i64 {
        match self {
            Self::PasswordRecovery => 60 * 60 * 1000,
            Self::VerifyEmail | Self::TeamInvitation | Self::GuestInvitation => 48 * 60 * 60 * 1000,
        }
    }

    fn send_failed_id(self) -> &'static str {
        match self {
            Self::PasswordRecovery => "api.user.send_password_reset.send.app_error",
            Self::VerifyEmail => "api.user.send_verify_email_and_forget.failed.error",
            Self::TeamInvitation | Self::GuestInvitation => {
                "api.team.invite_members.unable_to_send_email.app_error"
            }
        }
    }

    fn invalid(self) -> ApiError {
        match self {
            Self::PasswordRecovery => ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.user.reset_password.invalid_link.app_error",
                "The password reset link is not valid.",
            ),
            Self::VerifyEmail => ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.user.verify_email.bad_link.app_error",
                "The email verification link is not valid.",
            ),
            Self::TeamInvitation | Self::GuestInvitation => ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.user.create_user.signup_link_invalid.app_error",
                "The invitation link is not valid.",
            ),
        }
    }

    fn expired(self) -> ApiError {
        match self {
            Self::PasswordRecovery => ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.user.reset_password.link_expired.app_error",
                "The password reset link has expired.",
            ),
            Self::VerifyEmail => ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.user.verify_email.link_expired.app_error",
                "The email verification link has expired.",
            ),
            Self::TeamInvitation | Self::GuestInvitation => ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.user.create_user.signup_link_expired.app_error",
                "The invitation link has expired.",
            ),
        }
    }
}

/// Who a token was made for.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Subject {
    /// The account the token was made for ("" for an invitation to a new address).
    pub user_id: String,
    pub email: String,
    /// The team an invitation is to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub team_id: String,
    /// The channels a guest invitation is to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

/// A new token for `subject`: 256 random bits as 52 characters.
pub async fn issue(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    subject: &Subject,
) -> Result<String, ApiError> {
    let value = format!("{}{}", new_id(), new_id());
    let row = token::ActiveModel {
        token: Set(value.clone()),
        create_at: Set(now_millis()),
        kind: Set(purpose.kind().to_owned()),
        extra: Set(serde_json::to_string(subject).map_err(ApiError::internal)?),
    };
    token::Entity::insert(row).exec(db).await?;
    Ok(value)
}

/// Spends `value`: the subject when it is a live token for `purpose` and this request is
/// the one that removed it.
pub async fn redeem(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    value: &str,
) -> Result<Subject, ApiError> {
    if value.is_empty() || value.len() > 64 {
        return Err(purpose.invalid());
    }
    let found = token::Entity::find_by_id(value.to_owned()).one(db).await?;
    let Some(row) = found.filter(|t| t.kind == purpose.kind()) else {
        return Err(purpose.invalid());
    };
    let spent = token::Entity::delete_by_id(value.to_owned())
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        return Err(purpose.invalid());
    }
    if row.create_at + purpose.lifetime_ms() < now_millis() {
        return Err(purpose.expired());
    }
    serde_json::from_str(&row.extra).map_err(|_| purpose.invalid())
}

/// Issues a `purpose` token for `account` and mails it: `subject` after the site name in
/// brackets, and the text `compose` makes from the site URL and the token.
pub async fn mail(
    caller: &Caller,
    account: &user::Model,
    purpose: Purpose,
    subject: &str,
    compose: impl FnOnce(&str, &str) -> String,
) -> Result<(), ApiError> {
    let who = Subject {
        user_id: account.id.clone(),
        email: account.email.clone(),
        team_id: String::new(),
        channels: Vec::new(),
    };
    let token = issue(caller.state.db(), purpose, &who).await?;
    let config = caller.state.config();
    let subject = format!("[{}] {subject}", config.team_settings.site_name);
    let text = compose(&config.service_settings.site_url, &token);
    crate::app::mail::send(
        &config,
        &account.email,
        &subject,
        text,
        purpose.send_failed_id(),
    )
    .await
}

/// Mails `account` a one-hour, single-use link to choose a new password (and audits it).
pub async fn mail_password_reset(caller: &Caller, account: &user::Model) -> Result<(), ApiError> {
    let site = caller.state.config().team_settings.site_name.clone();
    let name = account.username.clone();
    mail(
        caller,
        account,
        Purpose::PasswordRecovery,
        "Reset your password",
        |url, token| {
            format!(
                "Someone asked to reset the password of your {site} account ({name}).\n\n\
                 To choose a new password, open this link within the next hour:\n\
                 {url}/reset_password_complete?token={token}\n\n\
                 If you did not ask for this, ignore this message; your password stays as it is.\n"
            )
        },
    )
    .await?;
    crate::app::audits::record(caller, &account.id, "password reset email sent").await;
    Ok(())
}

/// Spends a password reset `code` and sets `new_password` (Mattermost's password rules):
/// a security mail goes to the account and every session of it ends. Answers the account.
pub async fn reset_password(
    caller: &Caller,
    code: &str,
    new_password: String,
) -> Result<user::Model, ApiError> {
    use crate::app::users;
    let db = caller.state.db();
    users::validate_password(&new_password, &caller.state.config())?;
    let subject = redeem(db, Purpose::PasswordRecovery, code).await?;
    let account = users::get(db, &subject.user_id).await?;
    let email = account.email.clone();
    users::set_password(caller, account, new_password).await?;
    crate::app::mail::notify_security_event(
        caller,
        &email,
        "The password was reset with an emailed link",
    );
    crate::app::sessions::revoke_all_for_user(caller, &subject.user_id, None).await?;
    crate::app::audits::record(
        caller,
        &subject.user_id,
        "password reset with an emailed link",
    )
    .await;
    users::get(db, &subject.user_id).await
}

/// Mails `account` a 48-hour, single-use link to verify its address.
pub async fn mail_verification(caller: &Caller, account: &user::Model) -> Result<(), ApiError> {
    let site = caller.state.config().team_settings.site_name.clone();
    let name = account.username.clone();
    let email: String = form_urlencoded::byte_serialize(account.email.as_bytes()).collect();
    mail(
        caller,
        account,
        Purpose::VerifyEmail,
        "Email verification",
        |url, token| {
            format!(
                "Please verify the email address of your {site} account ({name}) by opening \
                 this link within 48 hours:\n{url}/do_verify_email?token={token}&email={email}\n"
            )
        },
    )
    .await
}

/// Spends a verification `token` and marks the address it was sent to verified (the
/// account must still have it). Answers the account as it now is.
pub async fn verify_email(caller: &Caller, token: &str) -> Result<user::Model, ApiError> {
    use crate::app::users;
    let db = caller.state.db();
    let subject = redeem(db, Purpose::VerifyEmail, token).await?;
    let account = users::get(db, &subject.user_id).await?;
    if account.email != subject.email {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "api.user.verify_email.bad_link.app_error",
            "The link was sent to an address the account no longer has.",
        ));
    }
    users::set_email_verified(&caller.state, account).await?;
    crate::app::audits::record(caller, &subject.user_id, "email verified").await;
    users::get(db, &subject.user_id).await
}

/// Mails an invitation to join `team` to `email`: a single-use link to sign up (or, for an
/// existing account, to join) valid 48 hours; with `guest_channels`, to sign up as a guest
/// in those channels of the team.
pub async fn mail_invitation(
    caller: &Caller,
    team: &crate::store::entity::team::Model,
    email: &str,
    sender: &str,
    guest_channels: Option<&[String]>,
) -> Result<(), ApiError> {
    let who = Subject {
        user_id: String::new(),
        email: email.to_owned(),
        team_id: team.id.clone(),
        channels: guest_channels.map(<[String]>::to_vec).unwrap_or_default(),
    };
    let purpose = if guest_channels.is_some() {
        Purpose::GuestInvitation
    } else {
        Purpose::TeamInvitation
    };
    let token = issue(caller.state.db(), purpose, &who).await?;
    let config = caller.state.config();
    let site = &config.team_settings.site_name;
    let subject = format!(
        "[{site}] {sender} invited you to join {}",
        team.display_name
    );
    let text = format!(
        "{sender} invited you to join the {team_name} team on {site}.\n\n\
         To join, open this link within the next 48 hours:\n\
         {url}/signup_user_complete/?t={token}\n",
        team_name = team.display_name,
        url = config.service_settings.site_url,
    );
    crate::app::mail::send(
        &config,
        email,
        &subject,
        text,
        Purpose::TeamInvitation.send_failed_id(),
    )
    .await
}

/// Spends an invitation to join a team: (team id, invited address).
pub async fn redeem_invitation(
    db: &impl ConnectionTrait,
    value: &str,
) -> Result<Subject, ApiError> {
    redeem(db, Purpose::TeamInvitation, value).await
}

/// Spends an invitation to sign up, of either kind: whether it invites a guest, and to
/// what.
pub async fn redeem_signup(
    db: &impl ConnectionTrait,
    value: &str,
) -> Result<(bool, Subject), ApiError> {
    let kind = token::Entity::find_by_id(value.to_owned())
        .one(db)
        .await?
        .map(|t| t.kind)
        .unwrap_or_default();
    if kind == Purpose::GuestInvitation.kind() {
        Ok((true, redeem(db, Purpose::GuestInvitation, value).await?))
    } else {
        Ok((false, redeem(db, Purpose::TeamInvitation, value).await?))
    }
}

/// Deletes every pending team invitation; returns how many there were.
pub async fn invalidate_invitations(db: &impl ConnectionTrait) -> Result<u64, ApiError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let gone = token::Entity::delete_many()
        .filter(token::Column::Kind.is_in([
            Purpose::TeamInvitation.kind(),
            Purpose::GuestInvitation.kind(),
        ]))
        .exec(db)
        .await?;
    Ok(gone.rows_affected)
}
