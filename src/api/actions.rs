//! The `integration_actions` tag (interactive dialogs) and DoPostAction (a button or menu
//! of an interactive message pressed).

use super::{Api, ok};
use crate::app::{post_actions, posts, reminders};
use crate::auth::permissions::{self, ids as perm};
use crate::contract::{self, DoPostActionPath, types};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;

/// `POST /api/v4/posts/{post_id}/actions/{action_id}`: read_channel_content in the post's
/// channel (or, for a cookie's post that is not stored, the cookie's channel).
pub(super) async fn do_post_action(
    ctx: &Ctx,
    path: DoPostActionPath,
    body: Option<types::DoPostActionBody>,
) -> Result<types::DoPostActionResponse, ApiError> {
    ctx.session()?;
    if !is_valid_id(&path.post_id) {
        return Err(ApiError::invalid_url_param("post_id"));
    }
    let body = body.unwrap_or_default();
    let cookie = body.cookie.filter(|c| !c.is_empty());
    let channel_id = match &cookie {
        Some(c) => post_actions::cookie_channel(ctx, c)?,
        None => match posts::get(ctx.state.db(), &path.post_id).await {
            Ok(p) => p.channel_id,
            Err(_) => return Err(ApiError::forbidden().detail("needs read_channel_content")),
        },
    };
    permissions::require_channel(ctx, &channel_id, perm::READ_CHANNEL_CONTENT).await?;
    let selected = body.selected_option.unwrap_or_default();
    let trigger_id = post_actions::press(
        ctx,
        &path.post_id,
        &path.action_id,
        &selected,
        cookie.as_deref(),
    )
    .await?;
    Ok(types::DoPostActionResponse {
        status: Some("OK".to_owned()),
        trigger_id: Some(trigger_id),
    })
}

impl contract::IntegrationActionsApi for Api {
    /// `POST /api/v4/actions/dialogs/open`: by the integration, without a session (as
    /// Mattermost's APIHandler): the trigger id of this server, not expired, is the proof.
    async fn open_interactive_dialog(
        ctx: &Ctx,
        body: types::OpenInteractiveDialogBody,
    ) -> Result<types::StatusOk, ApiError> {
        if body.url.as_deref().unwrap_or_default().is_empty() {
            return Err(ApiError::invalid_param("url"));
        }
        let request = serde_json::to_value(&body).map_err(ApiError::internal)?;
        let request = request.as_object().cloned().unwrap_or_default();
        post_actions::open_dialog(ctx, request)?;
        Ok(ok())
    }

    /// `POST /api/v4/actions/dialogs/submit`: read_channel_content in the channel and
    /// view_team in the team; the integration's errors handed back.
    async fn submit_interactive_dialog(
        ctx: &Ctx,
        body: types::SubmitInteractiveDialogBody,
    ) -> Result<types::SubmitInteractiveDialogResponse, ApiError> {
        ctx.session()?;
        let url = body.url.clone().unwrap_or_default();
        if url.is_empty() {
            return Err(ApiError::invalid_param("url"));
        }
        let channel_id = body.channel_id.clone().unwrap_or_default();
        permissions::require_channel(ctx, &channel_id, perm::READ_CHANNEL_CONTENT).await?;
        let team_id = body.team_id.clone().unwrap_or_default();
        permissions::require_team(ctx, &team_id, perm::VIEW_TEAM).await?;
        let submission = serde_json::to_value(&body).map_err(ApiError::internal)?;
        let submission = submission.as_object().cloned().unwrap_or_default();
        let answer = post_actions::submit_dialog(ctx, &url, submission).await?;
        serde_json::from_value(answer).map_err(ApiError::internal)
    }
}

/// `POST /api/v4/users/{user_id}/posts/{post_id}/reminder`: the user or who may act for them
/// (403), read_channel_content in the post's channel (403, a missing post too, as
/// Mattermost's check by post).
pub(super) async fn set_post_reminder(
    ctx: &Ctx,
    path: contract::SetPostReminderPath,
    body: types::SetPostReminderBody,
) -> Result<types::StatusOk, ApiError> {
    ctx.session()?;
    if !is_valid_id(&path.post_id) {
        return Err(ApiError::invalid_url_param("post_id"));
    }
    if !is_valid_id(&path.user_id) {
        return Err(ApiError::invalid_url_param("user_id"));
    }
    permissions::require_user(ctx, &path.user_id).await?;
    let Ok(found) = posts::get(ctx.state.db(), &path.post_id).await else {
        return Err(ApiError::forbidden().detail("needs read_channel_content"));
    };
    permissions::require_channel(ctx, &found.channel_id, perm::READ_CHANNEL_CONTENT).await?;
    reminders::set(ctx, &path.post_id, &path.user_id, body.target_time).await?;
    Ok(ok())
}
