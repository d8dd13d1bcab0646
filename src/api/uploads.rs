//! The `uploads` tag: resumable uploads (and, in the users tag, a user's unfinished ones).

use super::Api;
use crate::app::uploads::{self, Progress, to_api};
use crate::contract::{self, GetUploadPath, UploadDataPath, types};
use crate::error::ApiError;
use crate::rt::{Ctx, Upload};
use axum::http::StatusCode;

impl contract::UploadsApi for Api {
    /// `POST /api/v4/uploads`: 201 with the upload, `upload_file` in the channel.
    async fn create_upload(
        ctx: &Ctx,
        body: types::CreateUploadBody,
    ) -> Result<types::UploadSession, ApiError> {
        let created =
            uploads::create(ctx, &body.channel_id, &body.filename, body.file_size).await?;
        Ok(to_api(&created))
    }

    /// `GET /api/v4/uploads/{upload_id}`: one's own (any with manage_system).
    async fn get_upload(ctx: &Ctx, path: GetUploadPath) -> Result<types::UploadSession, ApiError> {
        Ok(to_api(&uploads::get(ctx, &path.upload_id).await?))
    }

    /// `POST /api/v4/uploads/{upload_id}`: 204 while incomplete, 200 with the file's info
    /// once the last byte is in.
    async fn upload_data(
        ctx: &Ctx,
        path: UploadDataPath,
        body: Upload,
    ) -> Result<types::FileInfo, ApiError> {
        match uploads::data(ctx, &path.upload_id, body).await? {
            Progress::Done(info) => Ok(crate::app::files::to_api(&info)),
            Progress::Partial => {
                ctx.set_status(StatusCode::NO_CONTENT);
                Ok(types::FileInfo::default())
            }
        }
    }
}
