//! The `webhooks` tag (incoming and outgoing webhooks) and `POST /hooks/{hook_id}`, where
//! integrations post through an incoming one.

use super::{Api, ok};
use crate::app::outgoing_hooks;
use crate::app::webhooks::{self, Fields, Message, to_api};
use crate::contract::{self, types};
use crate::contract::{
    DeleteIncomingWebhookPath, DeleteOutgoingWebhookPath, ExecuteCommandWebhookPath,
    ExecuteIncomingWebhookPath, GetIncomingWebhookPath, GetIncomingWebhooksQuery,
    GetOutgoingWebhookPath, GetOutgoingWebhooksQuery, RegenOutgoingHookTokenPath,
    UpdateIncomingWebhookPath, UpdateOutgoingWebhookPath,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::{Binary, Ctx, Upload};
use axum::http::StatusCode;

/// `page` and `per_page` as Mattermost reads them.
fn paging(ctx: &Ctx) -> (u64, u64) {
    let q = ctx.query();
    (q.page().unsigned_abs(), q.per_page().unsigned_abs())
}

fn hook_id(id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("hook_id"))
    }
}

impl contract::WebhooksApi for Api {
    /// `POST /api/v4/hooks/incoming`: 201; manage_incoming_webhooks in the channel's team
    /// (and read_channel_content unless it is public); for another user also
    /// manage_others_incoming_webhooks.
    async fn create_incoming_webhook(
        ctx: &Ctx,
        body: types::CreateIncomingWebhookBody,
    ) -> Result<types::IncomingWebhook, ApiError> {
        ctx.session()?;
        if !is_valid_id(&body.channel_id) {
            return Err(ApiError::invalid_param("channel_id"));
        }
        let fields = Fields {
            display_name: body.display_name.unwrap_or_default(),
            description: body.description.unwrap_or_default(),
            username: body.username.unwrap_or_default(),
            icon_url: body.icon_url.unwrap_or_default(),
            channel_locked: body.channel_locked.unwrap_or(false),
        };
        let made = webhooks::create(ctx, &body.channel_id, body.user_id, fields).await?;
        Ok(to_api(made))
    }

    /// `GET /api/v4/hooks/incoming`: in a team, or everywhere; one's own unless
    /// manage_others_incoming_webhooks.
    async fn get_incoming_webhooks(
        ctx: &Ctx,
        query: GetIncomingWebhooksQuery,
    ) -> Result<Vec<types::IncomingWebhook>, ApiError> {
        ctx.session()?;
        let team_id = query.team_id.filter(|t| !t.is_empty());
        if team_id.as_deref().is_some_and(|t| !is_valid_id(t)) {
            return Err(ApiError::invalid_url_param("team_id"));
        }
        let (page, per_page) = paging(ctx);
        let rows = webhooks::list(ctx, team_id.as_deref(), page, per_page).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `GET /api/v4/hooks/incoming/{hook_id}`.
    async fn get_incoming_webhook(
        ctx: &Ctx,
        path: GetIncomingWebhookPath,
    ) -> Result<types::IncomingWebhook, ApiError> {
        hook_id(&path.hook_id)?;
        Ok(to_api(webhooks::managed(ctx, &path.hook_id).await?))
    }

    /// `PUT /api/v4/hooks/incoming/{hook_id}`: the body's id must be the path's.
    async fn update_incoming_webhook(
        ctx: &Ctx,
        path: UpdateIncomingWebhookPath,
        body: types::UpdateIncomingWebhookBody,
    ) -> Result<types::IncomingWebhook, ApiError> {
        hook_id(&path.hook_id)?;
        if body.id != path.hook_id {
            return Err(ApiError::invalid_param("hook_id"));
        }
        let fields = Fields {
            display_name: body.display_name.unwrap_or_default(),
            description: body.description.unwrap_or_default(),
            username: body.username.unwrap_or_default(),
            icon_url: body.icon_url.unwrap_or_default(),
            channel_locked: body.channel_locked.unwrap_or(false),
        };
        let updated =
            webhooks::update(ctx, &path.hook_id, &body.channel_id, body.team_id, fields).await?;
        Ok(to_api(updated))
    }

    /// `POST /api/v4/hooks/outgoing`: 201; manage_outgoing_webhooks in the team (for another
    /// creator also manage_others_outgoing_webhooks); a public channel of the team or
    /// trigger words.
    async fn create_outgoing_webhook(
        ctx: &Ctx,
        body: types::CreateOutgoingWebhookBody,
    ) -> Result<types::OutgoingWebhook, ApiError> {
        ctx.session()?;
        let fields = outgoing_hooks::Fields {
            channel_id: body.channel_id.unwrap_or_default(),
            trigger_words: body.trigger_words,
            trigger_when: body.trigger_when.unwrap_or(0),
            callback_urls: body.callback_urls,
            display_name: body.display_name.unwrap_or_default(),
            description: body.description.unwrap_or_default(),
            content_type: body.content_type,
            username: body.username.unwrap_or_default(),
            icon_url: body.icon_url.unwrap_or_default(),
        };
        let made = outgoing_hooks::create(ctx, &body.team_id, body.creator_id, fields).await?;
        Ok(outgoing_hooks::to_api(made))
    }

    /// `GET /api/v4/hooks/outgoing`: by `channel_id`, `team_id`, or everywhere.
    async fn get_outgoing_webhooks(
        ctx: &Ctx,
        query: GetOutgoingWebhooksQuery,
    ) -> Result<Vec<types::OutgoingWebhook>, ApiError> {
        ctx.session()?;
        let channel_id = query.channel_id.filter(|c| !c.is_empty());
        let team_id = query.team_id.filter(|t| !t.is_empty());
        if channel_id.as_deref().is_some_and(|c| !is_valid_id(c)) {
            return Err(ApiError::invalid_url_param("channel_id"));
        }
        if team_id.as_deref().is_some_and(|t| !is_valid_id(t)) {
            return Err(ApiError::invalid_url_param("team_id"));
        }
        let (page, per_page) = paging(ctx);
        let rows = outgoing_hooks::list(
            ctx,
            channel_id.as_deref(),
            team_id.as_deref(),
            page,
            per_page,
        )
        .await?;
        Ok(rows.into_iter().map(outgoing_hooks::to_api).collect())
    }

    /// `GET /api/v4/hooks/outgoing/{hook_id}`.
    async fn get_outgoing_webhook(
        ctx: &Ctx,
        path: GetOutgoingWebhookPath,
    ) -> Result<types::OutgoingWebhook, ApiError> {
        hook_id(&path.hook_id)?;
        Ok(outgoing_hooks::to_api(
            outgoing_hooks::managed(ctx, &path.hook_id).await?,
        ))
    }

    /// `PUT /api/v4/hooks/outgoing/{hook_id}`: the body's id must be the path's.
    async fn update_outgoing_webhook(
        ctx: &Ctx,
        path: UpdateOutgoingWebhookPath,
        body: types::UpdateOutgoingWebhookBody,
    ) -> Result<types::OutgoingWebhook, ApiError> {
        hook_id(&path.hook_id)?;
        if body.id != path.hook_id {
            return Err(ApiError::invalid_param("hook_id"));
        }
        let old = outgoing_hooks::managed(ctx, &path.hook_id).await?;
        let fields = outgoing_hooks::Fields {
            channel_id: body.channel_id.unwrap_or_default(),
            trigger_words: body.trigger_words,
            trigger_when: body.trigger_when.unwrap_or(0),
            callback_urls: body.callback_urls,
            display_name: body.display_name.unwrap_or_default(),
            description: body.description.unwrap_or_default(),
            content_type: body.content_type.unwrap_or_default(),
            username: body.username.unwrap_or_default(),
            icon_url: body.icon_url.unwrap_or_default(),
        };
        let updated = outgoing_hooks::update(ctx, old, body.team_id, fields).await?;
        Ok(outgoing_hooks::to_api(updated))
    }

    /// `DELETE /api/v4/hooks/outgoing/{hook_id}`.
    async fn delete_outgoing_webhook(
        ctx: &Ctx,
        path: DeleteOutgoingWebhookPath,
    ) -> Result<types::StatusOk, ApiError> {
        hook_id(&path.hook_id)?;
        let old = outgoing_hooks::managed(ctx, &path.hook_id).await?;
        outgoing_hooks::delete(ctx, old).await?;
        Ok(ok())
    }

    /// `POST /api/v4/hooks/outgoing/{hook_id}/regen_token`: the hook with a new token.
    async fn regen_outgoing_hook_token(
        ctx: &Ctx,
        path: RegenOutgoingHookTokenPath,
    ) -> Result<types::OutgoingWebhook, ApiError> {
        hook_id(&path.hook_id)?;
        let old = outgoing_hooks::managed(ctx, &path.hook_id).await?;
        Ok(outgoing_hooks::to_api(
            outgoing_hooks::regenerate_token(ctx, old).await?,
        ))
    }

    /// `DELETE /api/v4/hooks/incoming/{hook_id}`.
    async fn delete_incoming_webhook(
        ctx: &Ctx,
        path: DeleteIncomingWebhookPath,
    ) -> Result<types::StatusOk, ApiError> {
        hook_id(&path.hook_id)?;
        let found = webhooks::managed(ctx, &path.hook_id).await?;
        webhooks::delete(ctx, found).await?;
        Ok(ok())
    }
}

/// The form fields of a multipart message, as the JSON one would carry them.
async fn multipart_message(body: Upload) -> Result<Message, ApiError> {
    let mut form = body.multipart().await?;
    let mut fields = serde_json::Map::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "api.webhook.incoming.error",
            "Unable to read the form.",
        )
        .detail(e.body_text())
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        let value = field.text().await.map_err(bad)?;
        fields.insert(name, value.into());
    }
    let bytes = serde_json::to_vec(&fields).map_err(ApiError::internal)?;
    Message::from_json(&bytes)
}

impl contract::HooksApi for Api {
    async fn execute_command_webhook(
        ctx: &Ctx,
        path: ExecuteCommandWebhookPath,
        body: Upload,
    ) -> Result<Binary, ApiError> {
        super::commands::answer_later(ctx, path, body).await
    }

    /// `POST /hooks/{hook_id}`: no session; JSON, a form's `payload`, or a multipart form.
    /// Answers `ok` as text.
    async fn execute_incoming_webhook(
        ctx: &Ctx,
        path: ExecuteIncomingWebhookPath,
        body: Upload,
    ) -> Result<Binary, ApiError> {
        let content_type = ctx.header("content-type").unwrap_or_default();
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let message = if media == "multipart/form-data" {
            multipart_message(body).await?
        } else {
            let limit = ctx
                .state
                .config()
                .service_settings
                .maximum_payload_size_bytes;
            let bytes = body.bytes_up_to(limit).await?;
            if media == "application/x-www-form-urlencoded" {
                let payload = form_urlencoded::parse(&bytes)
                    .find(|(k, _)| k == "payload")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                Message::from_json(payload.as_bytes())?
            } else {
                Message::from_json(&bytes)?
            }
        };
        webhooks::run(ctx, &path.hook_id, message).await?;
        Ok(Binary::bytes("text/plain", "ok"))
    }
}
