//! Corteza's settings and the attachments they point at (`openapi/corteza-system.yaml`,
//! tags `corteza_settings`, `corteza_attachments`); see `app::corteza::settings` and
//! `app::corteza::attachments`.

use super::Api;
use crate::app::corteza::{self, attachments, settings};
use crate::contract::{
    self, CortezaAttachmentDeletePath, CortezaAttachmentDeleteQuery, CortezaAttachmentOriginalPath,
    CortezaAttachmentOriginalQuery, CortezaAttachmentPreviewPath, CortezaAttachmentPreviewQuery,
    CortezaAttachmentReadPath, CortezaAttachmentReadQuery, CortezaSettingsGetPath,
    CortezaSettingsGetQuery, CortezaSettingsListQuery, CortezaSettingsSetPath, types,
};
use crate::error::ApiError;
use crate::rt::{Binary, Ctx, Multipart};
use axum::http::{HeaderValue, header};

fn value(out: Option<types::CortezaSettingValue>) -> types::CortezaSettingValueReply {
    types::CortezaSettingValueReply {
        response: out,
        error: None,
    }
}

impl contract::CortezaSettingsApi for Api {
    /// `GET /settings/`: `settings.read`.
    async fn corteza_settings_list(
        ctx: &Ctx,
        query: CortezaSettingsListQuery,
    ) -> Result<types::CortezaSettingValueArrayReply, ApiError> {
        Ok(types::CortezaSettingValueArrayReply {
            response: settings::list(ctx, query.prefix.as_deref()).await?,
            error: None,
        })
    }

    /// `PATCH /settings/`: `settings.manage` and `settings.read`.
    async fn corteza_settings_update(
        ctx: &Ctx,
        body: types::CortezaSettingsUpdateBody,
    ) -> Result<types::CortezaBooleanReply, ApiError> {
        let names: Vec<String> = body.values.iter().map(|v| v.name.clone()).collect();
        let done = settings::update(ctx, body.values).await?;
        let what = format!("settings updated: {}", names.join(", "));
        corteza::audit(ctx, None, &what).await;
        Ok(types::CortezaBooleanReply {
            response: Some(done),
            error: None,
        })
    }

    /// `GET /settings/{key}`: `settings.read`; null when not set.
    async fn corteza_settings_get(
        ctx: &Ctx,
        path: CortezaSettingsGetPath,
        query: CortezaSettingsGetQuery,
    ) -> Result<types::CortezaSettingValueReply, ApiError> {
        settings::get(ctx, &path.key, query.owner_id.as_deref())
            .await
            .map(value)
    }

    /// `POST /settings/{key}`: `settings.manage`; the `upload` file becomes the value.
    async fn corteza_settings_set(
        ctx: &Ctx,
        path: CortezaSettingsSetPath,
        body: Multipart,
    ) -> Result<types::CortezaSettingValueReply, ApiError> {
        let saved = settings::set_file(ctx, &path.key, body).await?;
        corteza::audit(ctx, None, &format!("setting {} set to a file", path.key)).await;
        Ok(value(Some(saved)))
    }

    /// `GET /settings/current`: no check.
    async fn corteza_settings_current(
        ctx: &Ctx,
    ) -> Result<types::CortezaCurrentSettingsReply, ApiError> {
        let (auth, ui) = settings::current(ctx).await?;
        Ok(types::CortezaCurrentSettingsReply {
            response: Some(types::CortezaCurrentSettings {
                auth: Some(auth),
                ui: Some(ui),
            }),
            error: None,
        })
    }
}

impl contract::CortezaAttachmentsApi for Api {
    /// `GET /attachment/{kind}/{attachmentID}`: a signed-in caller.
    async fn corteza_attachment_read(
        ctx: &Ctx,
        path: CortezaAttachmentReadPath,
        _query: CortezaAttachmentReadQuery,
    ) -> Result<types::CortezaAttachmentReply, ApiError> {
        Ok(types::CortezaAttachmentReply {
            response: Some(attachments::read(ctx, &path.kind, &path.attachment_id).await?),
            error: None,
        })
    }

    /// `DELETE /attachment/{kind}/{attachmentID}`: `settings.manage`.
    async fn corteza_attachment_delete(
        ctx: &Ctx,
        path: CortezaAttachmentDeletePath,
        _query: CortezaAttachmentDeleteQuery,
    ) -> Result<types::CortezaSuccessReply, ApiError> {
        attachments::delete(ctx, &path.kind, &path.attachment_id).await?;
        Ok(corteza::success())
    }

    /// `GET /attachment/{kind}/{attachmentID}/original/{name}`: the bytes (`download`:
    /// as a file to save).
    async fn corteza_attachment_original(
        ctx: &Ctx,
        path: CortezaAttachmentOriginalPath,
        query: CortezaAttachmentOriginalQuery,
    ) -> Result<Binary, ApiError> {
        let out = attachments::bytes(ctx, &path.kind, &path.attachment_id, false).await?;
        if query.download == Some(true) {
            let escaped = percent_encoding::utf8_percent_encode(
                &path.name,
                percent_encoding::NON_ALPHANUMERIC,
            );
            let disposition = format!("attachment; filename*=UTF-8''{escaped}");
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                ctx.set_header(header::CONTENT_DISPOSITION, v);
            }
        }
        Ok(out)
    }

    /// `GET /attachment/{kind}/{attachmentID}/preview.{ext}`.
    async fn corteza_attachment_preview(
        ctx: &Ctx,
        path: CortezaAttachmentPreviewPath,
        _query: CortezaAttachmentPreviewQuery,
    ) -> Result<Binary, ApiError> {
        attachments::bytes(ctx, &path.kind, &path.attachment_id, true).await
    }
}
