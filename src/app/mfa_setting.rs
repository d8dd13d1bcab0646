//! Turning multi-factor authentication on and off for an account: activation proves the
//! generated secret with a current code; turning it off ends the account's other sessions.
//! Either way the owner is told by email and cached sessions re-read the state.

use super::{audits, mail, sessions, users};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::http::StatusCode;

pub mod ids {
    pub const BAD_CODE: &str = "mfa.activate.bad_token.app_error";
}

/// Turns MFA on (`code` must match the generated secret) or off for `user_id`; turning it
/// off revokes every session of theirs except `keep`.
pub async fn set_active(
    caller: &Caller,
    user_id: &str,
    activate: bool,
    code: &str,
    keep: Option<String>,
) -> Result<(), ApiError> {
    let account = users::get(caller.state.db(), user_id).await?;
    let email = account.email.clone();
    if activate {
        if account.mfa_secret.is_empty()
            || !users::consume_mfa_code(&caller.state, &account, code).await?
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::BAD_CODE,
                "The code does not match the generated secret.",
            ));
        }
        let secret = account.mfa_secret.clone();
        users::set_mfa(&caller.state, account, true, &secret).await?;
        mail::notify_security_event(caller, &email, "Multi-factor authentication was turned on");
    } else {
        users::set_mfa(&caller.state, account, false, "").await?;
        mail::notify_security_event(caller, &email, "Multi-factor authentication was turned off");
        sessions::revoke_all_for_user(caller, user_id, keep.as_deref()).await?;
    }
    // Cached sessions carry the MFA state: read it again.
    caller
        .state
        .invalidate(crate::cluster::Invalidation::User {
            id: user_id.to_owned(),
            keep: None,
        })
        .await?;
    audits::record(caller, user_id, &format!("mfa active={activate}")).await;
    Ok(())
}
