//! The `root` tag: the mobile app's receipt for a push notification.

use super::Api;
use crate::contract::{self, types};
use crate::error::ApiError;
use crate::rt::Ctx;
use crate::store::entity::{channel, post};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// 501 when EmailSettings.SendPushNotifications is off, as Mattermost answers.
fn require_push(ctx: &Ctx) -> Result<(), ApiError> {
    let config = ctx.state.config();
    let setting = config.setting("EmailSettings", "SendPushNotifications");
    if setting.and_then(|v| v.as_bool()).unwrap_or(true) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "api.push_notification.disabled.app_error",
        "Push Notifications are disabled on this server.",
    ))
}

/// A `message` receipt's notification content.
fn message_content(
    body: types::AcknowledgeNotificationBody,
    post: &post::Model,
    channel: &channel::Model,
) -> Map<String, Value> {
    let message = json!({
        "ack_id": body.id.unwrap_or_default(),
        "platform": body.platform.unwrap_or_default(),
        "type": "message",
        "post_id": post.id,
        "root_id": post.root_id,
        "channel_id": channel.id,
        "channel_name": channel.display_name,
        "team_id": channel.team_id,
        "sender_id": post.user_id,
        "message": post.message,
        "is_id_loaded": true,
    });
    message.as_object().cloned().unwrap_or_default()
}

impl contract::RootApi for Api {
    /// `POST /api/v4/notifications/ack`: a session. ferromost sends no push notifications
    /// through a proxy, so there is nothing to forward; with EmailSettings.SendPushNotifications
    /// off it answers 501 as Mattermost does. When the app asks for the message
    /// (`is_id_loaded` on a `message` receipt), it gets the post's notification content if
    /// it may read the post; otherwise `{"status":"OK"}`.
    async fn acknowledge_notification(
        ctx: &Ctx,
        body: types::AcknowledgeNotificationBody,
    ) -> Result<Map<String, Value>, ApiError> {
        ctx.session()?;
        require_push(ctx)?;
        let post_id = body.post_id.clone().unwrap_or_default();
        let wants_message =
            body.is_id_loaded == Some(true) && body.type_.as_deref() == Some("message");
        if wants_message && !post_id.is_empty() {
            let (post, channel) = super::posts::readable_post(ctx, &post_id, false).await?;
            return Ok(message_content(body, &post, &channel));
        }
        Ok(Map::from_iter([("status".to_owned(), json!("OK"))]))
    }
}
