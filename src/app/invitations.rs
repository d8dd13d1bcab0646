//! Email invitations to a team: which addresses may be invited (the team's and the
//! server's domain rules), guests and the channels they are invited to, and the single-use
//! links mailed to each address.

use super::{audits, channels, links, teams, users};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::store::entity::{team, team_member, user};
use axum::http::StatusCode;

pub mod ids {
    pub const NO_ONE: &str = "api.team.invite_members.no_one.app_error";
    pub const DISABLED: &str = "api.team.invite_members.disabled.app_error";
    pub const INVALID_EMAIL: &str = "api.team.invite_members.invalid_email.app_error";
    pub const GUESTS_DISABLED: &str = "api.team.invite_guests_to_channels.disabled.error";
    pub const NO_CHANNELS: &str = "api.team.invite_guests_to_channels.invalid_body.app_error";
    pub const CHANNEL_ELSEWHERE: &str = "api.team.invite_guests.channel_in_invalid_team.app_error";
}

pub fn nobody() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ids::NO_ONE, "Nobody to invite.")
}

fn refused(message: &str, addresses: &[&String]) -> ApiError {
    let list: Vec<&str> = addresses.iter().map(|e| e.as_str()).collect();
    ApiError::new(StatusCode::BAD_REQUEST, ids::INVALID_EMAIL, message).detail(list.join(", "))
}

fn normalized(emails: &[String]) -> Vec<String> {
    emails.iter().map(|e| e.trim().to_lowercase()).collect()
}

/// Mails each address its invitation, signed with the caller's username.
async fn send(
    caller: &Caller,
    found: &team::Model,
    emails: &[String],
    guest_channels: Option<&[String]>,
) -> Result<(), ApiError> {
    let me = caller.session()?.user_id.clone();
    let sender = users::get(caller.state.db(), &me)
        .await
        .map(|u| u.username)
        .unwrap_or_else(|_| "An administrator".to_owned());
    for email in emails {
        links::mail_invitation(caller, found, email, &sender, guest_channels).await?;
    }
    let kind = if guest_channels.is_some() {
        "guests"
    } else {
        "members"
    };
    let what = format!(
        "{} {kind} invited to team {} by email",
        emails.len(),
        found.id
    );
    audits::record(caller, &me, &what).await;
    Ok(())
}

/// Invites `emails` to join team `team_id` (ServiceSettings.EnableEmailInvitations); each
/// address must be valid and within the team's allowed domains and the server's.
pub async fn invite_members(
    caller: &Caller,
    team_id: &str,
    emails: &[String],
) -> Result<(), ApiError> {
    let config = caller.state.config();
    if !config.service_settings.enable_email_invitations {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::DISABLED,
            "Email invitations are turned off on this server.",
        ));
    }
    let found = teams::get(caller.state.db(), team_id).await?;
    let emails = normalized(emails);
    let server_domains = &config.team_settings.restrict_creation_to_domains;
    let bad: Vec<&String> = emails
        .iter()
        .filter(|e| {
            users::validate_email(e).is_err()
                || !teams::email_allowed(e, &found.allowed_domains)
                || !teams::email_allowed(e, server_domains)
        })
        .collect();
    if !bad.is_empty() {
        return Err(refused(
            "Some addresses cannot be invited to this team.",
            &bad,
        ));
    }
    send(caller, &found, &emails, None).await
}

/// Invites `emails` as guests of team `team_id` and of `channel_ids` (live channels of the
/// team), with GuestAccountsSettings.Enable and within its RestrictCreationToDomains.
pub async fn invite_guests(
    caller: &Caller,
    team_id: &str,
    emails: &[String],
    channel_ids: &[String],
) -> Result<(), ApiError> {
    let config = caller.state.config();
    if !config.guest_accounts_settings.enable {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::GUESTS_DISABLED,
            "Guest accounts are turned off on this server.",
        ));
    }
    if emails.is_empty() {
        return Err(nobody());
    }
    if channel_ids.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::NO_CHANNELS,
            "A guest is invited to at least one channel.",
        ));
    }
    let db = caller.state.db();
    let found = teams::get(db, team_id).await?;
    for channel_id in channel_ids {
        let in_team = is_valid_id(channel_id)
            && channels::get(db, channel_id)
                .await
                .is_ok_and(|c| c.team_id == found.id && c.delete_at == 0);
        if !in_team {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::CHANNEL_ELSEWHERE,
                "Every channel must be a live channel of the team.",
            )
            .detail(channel_id.clone()));
        }
    }
    let emails = normalized(emails);
    let domains = &config.guest_accounts_settings.restrict_creation_to_domains;
    let bad = emails
        .iter()
        .find(|e| users::validate_email(e).is_err() || !teams::email_allowed(e, domains));
    if let Some(bad) = bad {
        return Err(refused(
            "Some addresses cannot be invited as guests.",
            &[bad],
        ));
    }
    send(caller, &found, &emails, Some(channel_ids)).await
}

/// `me` joins the team of email invitation `token`, which is spent only if the join goes
/// through (one transaction).
pub async fn join_by_token(
    caller: &Caller,
    me: &user::Model,
    token: &str,
) -> Result<(team::Model, team_member::Model), ApiError> {
    let txn = caller.state.begin_write().await?;
    let invited = links::redeem_invitation(&txn, token).await?;
    let found = teams::get(&txn, &invited.team_id).await?;
    let member = teams::join(&txn, &caller.state.config(), &found, me, false).await?;
    txn.commit().await?;
    let what = format!("joined team {} by email invitation", found.id);
    audits::record(caller, &me.id, &what).await;
    Ok((found, member))
}

/// `me` joins the team whose invite link holds `invite_id` (guests cannot).
pub async fn join_by_invite_id(
    caller: &Caller,
    me: &user::Model,
    invite_id: &str,
) -> Result<(team::Model, team_member::Model), ApiError> {
    let found = teams::get_by_invite_id(caller.state.db(), invite_id).await?;
    if users::is_guest(me) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            teams::ids::GUEST_INVITE,
            "Guests cannot join a team by invite link.",
        ));
    }
    let txn = caller.state.begin_write().await?;
    let member = teams::join(&txn, &caller.state.config(), &found, me, false).await?;
    txn.commit().await?;
    let what = format!("joined team {} by invite", found.id);
    audits::record(caller, &me.id, &what).await;
    Ok((found, member))
}
