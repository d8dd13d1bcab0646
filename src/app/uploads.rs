//! Resumable uploads, as Mattermost has them: CreateUpload says what file is coming,
//! UploadData sends any part of it from where the upload stands (a dropped connection keeps
//! what arrived), and the last part turns it into a file. Only attachment uploads are made
//! here (imports have nothing to consume them yet).

use super::files::{self, Stored};
use super::filestore::{FileStore, WriteError};
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::rt::Upload;
use crate::store::entity::{file_info, upload_session};
use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    TransactionTrait,
};

pub mod ids {
    pub const TOO_LARGE: &str = "api.upload.create.upload_too_large.app_error";
    pub const FILENAME: &str = "model.upload_session.is_valid.filename.app_error";
    pub const FILE_SIZE: &str = "model.upload_session.is_valid.file_size.app_error";
    pub const DELETED_CHANNEL: &str =
        "app.upload.create.cannot_upload_to_deleted_channel.app_error";
    pub const NOT_FOUND: &str = "app.upload.get.app_error";
    pub const NOT_YOURS: &str = "api.upload.get_upload.forbidden.app_error";
    pub const CONCURRENT: &str = "app.upload.upload_data.concurrent.app_error";
    pub const CONTENT_LENGTH: &str = "api.upload.upload_data.invalid_content_length";
    pub const MULTIPART: &str = "api.upload.upload_data.multipart_error";
    pub const FIRST_PART: &str = "app.upload.upload_data.first_part_too_small.app_error";
    pub const LARGE_IMAGE: &str = "app.upload.upload_data.large_image.app_error";
    pub const FOREIGN_UPLOADS: &str = "api.user.get_uploads_for_user.forbidden.app_error";
}

/// The least a first part may hold unless it is the whole file (S3's smallest part).
const MIN_FIRST_PART: u64 = 5 * 1024 * 1024;

/// The uploads receiving data on this node: one request per upload at a time.
#[derive(Default)]
pub struct UploadLocks {
    busy: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// Held while a request writes to an upload; lets go when dropped.
pub struct UploadLock<'a> {
    locks: &'a UploadLocks,
    id: String,
}

impl UploadLocks {
    /// The lock of upload `id`, unless a request holds it.
    pub fn take(&self, id: &str) -> Option<UploadLock<'_>> {
        let mut busy = self.busy.lock().ok()?;
        busy.insert(id.to_owned()).then(|| UploadLock {
            locks: self,
            id: id.to_owned(),
        })
    }
}

impl Drop for UploadLock<'_> {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.locks.busy.lock() {
            busy.remove(&self.id);
        }
    }
}

/// What UploadData made of a part.
pub enum Progress {
    /// More is expected (204).
    Partial,
    /// The upload is complete: its file (200).
    Done(Box<file_info::Model>),
}

fn enabled(caller: &Caller) -> Result<(), ApiError> {
    files::attachments_enabled(caller, StatusCode::NOT_IMPLEMENTED)
}

/// CreateUpload: an upload of `file_size` bytes named `filename` into a channel where the
/// caller has `upload_file`.
pub async fn create(
    caller: &Caller,
    channel_id: &str,
    filename: &str,
    file_size: i64,
) -> Result<upload_session::Model, ApiError> {
    enabled(caller)?;
    let user_id = caller.session()?.user_id.clone();
    let access = permissions::channel_with(caller, channel_id, perm::UPLOAD_FILE).await?;
    let limit = caller.state.config().file_settings.max_file_size;
    if usize::try_from(file_size).is_ok_and(|n| n > limit) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ids::TOO_LARGE,
            format!("Unable to upload file. The file is larger than the {limit} bytes allowed."),
        ));
    }
    let name = files::file_name(filename).ok_or_else(|| {
        ApiError::new(StatusCode::BAD_REQUEST, ids::FILENAME, "Invalid file name.")
    })?;
    if file_size <= 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::FILE_SIZE,
            "Invalid file size.",
        ));
    }
    if access.channel.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DELETED_CHANNEL,
            "Cannot upload to an archived channel.",
        ));
    }
    let id = new_id();
    let now = now_millis();
    let row = upload_session::Model {
        path: format!("{}{name}", files::folder(now, channel_id, &user_id, &id)),
        id,
        kind: "attachment".to_owned(),
        create_at: now,
        user_id,
        channel_id: channel_id.to_owned(),
        filename: name,
        file_size,
        file_offset: 0,
    };
    Ok(row
        .into_active_model()
        .reset_all()
        .insert(caller.state.db())
        .await?)
}

async fn find(caller: &Caller, id: &str) -> Result<upload_session::Model, ApiError> {
    if !is_valid_id(id) {
        return Err(ApiError::invalid_url_param("upload_id"));
    }
    upload_session::Entity::find_by_id(id.to_owned())
        .one(caller.state.db())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ids::NOT_FOUND,
                "Unable to get the upload.",
            )
        })
}

/// GetUpload: one's own upload (any with manage_system).
pub async fn get(caller: &Caller, id: &str) -> Result<upload_session::Model, ApiError> {
    let me = caller.session()?.user_id.clone();
    let found = find(caller, id).await?;
    if found.user_id != me && !permissions::has_system(caller, perm::MANAGE_SYSTEM).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::NOT_YOURS,
            "You do not have permission to read this upload.",
        ));
    }
    Ok(found)
}

/// GetUploadsForUser: the caller's own unfinished uploads, oldest first.
pub async fn for_user(
    caller: &Caller,
    user_id: &str,
) -> Result<Vec<upload_session::Model>, ApiError> {
    if caller.session()?.user_id != user_id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::FOREIGN_UPLOADS,
            "You may only list your own uploads.",
        ));
    }
    Ok(upload_session::Entity::find()
        .filter(upload_session::Column::UserId.eq(user_id))
        .order_by_asc(upload_session::Column::CreateAt)
        .all(caller.state.db())
        .await?)
}

fn concurrent(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::CONCURRENT,
        "Another request is already sending data to this upload.",
    )
    .detail(detail.to_owned())
}

/// UploadData: the next bytes of one's own upload (multipart, its first part; or the raw
/// body), from where it stands. Two requests at once for one upload: the second is refused.
pub async fn data(caller: &Caller, id: &str, body: Upload) -> Result<Progress, ApiError> {
    enabled(caller)?;
    let me = caller.session()?.user_id.clone();
    let us = find(caller, id).await?;
    if us.user_id != me
        || !permissions::has_channel(caller, &us.channel_id, perm::UPLOAD_FILE).await?
    {
        return Err(ApiError::forbidden().detail("needs upload_file in the upload's channel"));
    }
    let Some(_guard) = caller.state.upload_locks().take(&us.id) else {
        return Err(concurrent("a request is already writing"));
    };
    let remaining = u64::try_from(us.file_size - us.file_offset).unwrap_or(0);
    let from = u64::try_from(us.file_offset).unwrap_or(0);
    let store = FileStore::from_config(&caller.state.config())?;
    let (written, outcome) = if body.is_multipart() {
        let mut form = body.multipart().await?;
        let multipart_error = |detail: String| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::MULTIPART,
                "Unable to read the uploaded data.",
            )
            .detail(detail)
        };
        let field = form
            .next_field()
            .await
            .map_err(|e| multipart_error(e.body_text()))?
            .ok_or_else(|| multipart_error("no part".to_owned()))?;
        store
            .append(&us.path, files::field_chunks(field), remaining, from)
            .await
    } else {
        if body.content_length().is_some_and(|n| n > remaining) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::CONTENT_LENGTH,
                "The data is longer than what remains of the upload.",
            ));
        }
        let chunks = body.into_body().into_data_stream();
        store.append(&us.path, chunks, remaining, from).await
    };
    let total = from + written;
    if from == 0 && written < MIN_FIRST_PART && total != u64::try_from(us.file_size).unwrap_or(0) {
        store.remove(&us.path).await;
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::FIRST_PART,
            format!("The first part of an upload must hold at least {MIN_FIRST_PART} bytes."),
        ));
    }
    let offset = i64::try_from(total).unwrap_or(i64::MAX);
    if written > 0 && offset < us.file_size {
        // The offset moves only from where this request found it (another node's request
        // for the same upload loses).
        let moved = upload_session::Entity::update_many()
            .col_expr(upload_session::Column::FileOffset, Expr::value(offset))
            .filter(upload_session::Column::Id.eq(us.id.clone()))
            .filter(upload_session::Column::FileOffset.eq(us.file_offset))
            .exec(caller.state.db())
            .await?;
        if moved.rows_affected == 0 {
            return Err(concurrent("the offset moved"));
        }
    }
    match outcome {
        Ok(()) => {}
        Err(WriteError::Store(e)) => return Err(e),
        Err(WriteError::Body(e)) => return Err(files::read_request(e)),
        Err(WriteError::TooLarge) => return Err(concurrent("more than the upload")),
    }
    if offset < us.file_size {
        return Ok(Progress::Partial);
    }
    // The whole file: its pieces made one, then its info and the upload's end, together.
    store.seal(&us.path).await?;
    let txn = caller.state.db().begin().await?;
    let gone = upload_session::Entity::delete_many()
        .filter(upload_session::Column::Id.eq(us.id.clone()))
        .filter(upload_session::Column::FileOffset.eq(us.file_offset))
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(concurrent("the upload was finished by another request"));
    }
    let us_id = us.id.clone();
    let file = Stored {
        id: new_id(),
        user_id: us.user_id,
        channel_id: us.channel_id,
        name: us.filename,
        path: us.path,
        size: total,
        at: now_millis(),
    };
    match files::record(caller, &txn, &store, file, ids::LARGE_IMAGE).await {
        Ok(info) => {
            txn.commit().await?;
            Ok(Progress::Done(Box::new(info)))
        }
        Err(e) => {
            // Refused whole (an image too large, ...): the upload ends with nothing kept.
            drop(txn);
            upload_session::Entity::delete_by_id(us_id)
                .exec(caller.state.db())
                .await?;
            Err(e)
        }
    }
}

/// The upload as Mattermost's JSON shows it.
pub fn to_api(us: &upload_session::Model) -> crate::contract::types::UploadSession {
    crate::contract::types::UploadSession {
        id: Some(us.id.clone()),
        type_: Some(crate::contract::types::UploadSessionType::Attachment),
        create_at: Some(us.create_at),
        user_id: Some(us.user_id.clone()),
        channel_id: Some(us.channel_id.clone()),
        filename: Some(us.filename.clone()),
        file_size: Some(us.file_size),
        file_offset: Some(us.file_offset),
    }
}
