//! Signing up: open sign-up as the server's settings allow it (the first account becomes
//! the system admin), and sign-up through an email invitation or a team's invite link, in
//! which the account, the spent invitation and the memberships are one transaction.

use super::{channels, links, teams, users};
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::is_valid_id;
use axum::http::StatusCode;

pub mod ids {
    pub const SIGNUP_DISABLED: &str = "api.user.create_user.signup_email_disabled.app_error";
    pub const NO_OPEN_SERVER: &str = "api.user.create_user.no_open_server";
    pub const SIGNUP_LINK_INVALID: &str = "api.user.create_user.signup_link_invalid.app_error";
    pub const CREATE_DISABLED: &str = "api.user.create_user.disabled.app_error";
    pub const INVITATION_TYPE: &str = "api.user.create_user.invalid_invitation_type.app_error";
    pub const INVITE_DOMAIN: &str = "api.team.invite_members.invalid_email.app_error";
    pub const GUESTS_DISABLED: &str = "api.user.create_user.guest_accounts.disabled.app_error";
}

fn links_invalid() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::SIGNUP_LINK_INVALID,
        "The sign-up link is not valid.",
    )
}

fn signup_disabled() -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        ids::SIGNUP_DISABLED,
        "Signing up with an email address is turned off on this server.",
    )
}

/// Whether an account may be created without an invitation: the first account and any a
/// system admin creates need nothing; others need user creation, email sign-up and an open
/// server. Answers whether this is the first account.
pub async fn require_open(caller: &Caller, by_admin: bool) -> Result<bool, ApiError> {
    let first = users::is_first_account(caller.state.db()).await?;
    if first || by_admin {
        return Ok(first);
    }
    let config = caller.state.config();
    if !config.team_settings.enable_user_creation
        || !config.email_settings.enable_sign_up_with_email
    {
        return Err(signup_disabled());
    }
    if !config.team_settings.enable_open_server {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::NO_OPEN_SERVER,
            "This server does not allow open sign-up; ask an administrator.",
        ));
    }
    Ok(false)
}

/// Creates `new` (the first account as system admin).
pub async fn create(
    caller: &Caller,
    new: users::NewUser,
    first: bool,
) -> Result<types::User, ApiError> {
    let roles = if first {
        "system_admin system_user"
    } else {
        "system_user"
    };
    let config = caller.state.config();
    let created = users::create(caller.state.db(), &config, new, roles).await?;
    Ok(users::to_api(&created, users::View::Full, &config, None))
}

/// CreateUser with an invitation: `token` from an email invitation (the address is the
/// invited one, already verified; a guest invitation makes a guest of the team and its
/// channels) or a team's `invite_id` (open-type teams only, the
/// address within the team's allowed domains). Open sign-up need not be on; user creation
/// and email sign-up must be. The account joins the team.
pub async fn create_invited(
    caller: &Caller,
    token: Option<String>,
    invite_id: Option<String>,
    body: types::CreateUserBody,
) -> Result<types::User, ApiError> {
    let config = caller.state.config();
    if !config.team_settings.enable_user_creation {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::CREATE_DISABLED,
            "Creating accounts is turned off on this server.",
        ));
    }
    if !config.email_settings.enable_sign_up_with_email {
        return Err(signup_disabled());
    }
    let mut new = users::prepare(&config, new_account(body, false)?).await?;
    let mut guest_channels = Vec::new();
    // The account, its invitation spent, its team and channels: all or nothing.
    let txn = caller.state.begin_write().await?;
    let (created, team) = if let Some(token) = token {
        // The token is spent in the transaction that creates the account: a refused
        // account keeps the invitation usable, and of racing sign-ups one wins.
        let (guest, invited) = links::redeem_signup(&txn, &token).await?;
        if guest && !config.guest_accounts_settings.enable {
            return Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                ids::GUESTS_DISABLED,
                "Guest accounts are turned off on this server.",
            ));
        }
        let team = teams::get(&txn, &invited.team_id)
            .await
            .map_err(|_| links_invalid())?;
        new.invited_as(&invited.email);
        let roles = if guest { "system_guest" } else { "system_user" };
        let created = users::insert(&txn, new, roles).await?;
        guest_channels = invited.channels;
        (created, team)
    } else {
        let invite_id = invite_id.unwrap_or_default();
        if !is_valid_id(&invite_id) {
            return Err(links_invalid());
        }
        let team = teams::get_by_invite_id(&txn, &invite_id).await?;
        if team.team_type != "O" {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::INVITATION_TYPE,
                "This team does not take sign-ups by invite link.",
            ));
        }
        let allowed = teams::email_allowed(new.email(), &team.allowed_domains);
        if !allowed {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ids::INVITE_DOMAIN,
                "That email address is not in a domain this team allows.",
            ));
        }
        (users::insert(&txn, new, "system_user").await?, team)
    };
    teams::join(&txn, &config, &team, &created, false).await?;
    for channel_id in &guest_channels {
        if let Ok(c) = channels::get(&txn, channel_id).await
            && c.team_id == team.id
            && c.delete_at == 0
        {
            channels::join(&txn, &c, &created, false).await?;
        }
    }
    txn.commit().await?;
    Ok(users::to_api(&created, users::View::Full, &config, None))
}

/// The account a sign-up body describes; a password is required.
pub fn new_account(
    body: types::CreateUserBody,
    email_verified: bool,
) -> Result<users::NewUser, ApiError> {
    if body.password.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::invalid_body_param("password"));
    }
    Ok(users::NewUser {
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
        email_verified,
    })
}
