//! The `root` tag: the mobile app's receipt for a push notification.

use super::Api;
use crate::contract::{self, types};
use crate::error::ApiError;
use crate::rt::Ctx;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

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
        let push = ctx
            .state
            .config()
            .setting("EmailSettings", "SendPushNotifications")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if !push {
            return Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "api.push_notification.disabled.app_error",
                "Push Notifications are disabled on this server.",
            ));
        }
        let post_id = body.post_id.unwrap_or_default();
        if body.is_id_loaded == Some(true)
            && !post_id.is_empty()
            && body.type_.as_deref() == Some("message")
        {
            let (post, channel) = super::posts::readable_post(ctx, &post_id, false).await?;
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
            return Ok(message.as_object().cloned().unwrap_or_default());
        }
        Ok(Map::from_iter([("status".to_owned(), json!("OK"))]))
    }
}
