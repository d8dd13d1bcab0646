//! Uploaded files as Mattermost keeps them: the bytes in the file store under
//! `<yyyymmdd>/teams/noteam/channels/<channel>/users/<user>/<file id>/<name>`, thumbnails and
//! previews of images beside them, one `file_infos` row each. A file belongs to its uploader
//! until a post of theirs in the same channel takes it; then it is read as the post is.

use super::file_images;
use super::filestore::{FileStore, WriteError};
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::rt::Upload;
use crate::store::entity::file_info;
use axum::http::StatusCode;
use base64::Engine;
use bytes::Bytes;
use futures::Stream;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

pub mod ids {
    pub const DISABLED: &str = "api.file.attachments.disabled.app_error";
    pub const READ_REQUEST: &str = "api.file.upload_file.read_request.app_error";
    pub const READ_FORM_VALUE: &str = "api.file.upload_file.read_form_value.app_error";
    pub const MULTIPLE_CHANNELS: &str = "api.file.upload_file.multiple_channel_ids.app_error";
    pub const CLIENT_IDS: &str = "api.file.upload_file.incorrect_number_of_client_ids.app_error";
    pub const TOO_LARGE: &str = "api.file.upload_file.too_large_detailed.app_error";
    pub const LARGE_IMAGE: &str = "api.file.upload_file.large_image_detailed.app_error";
    pub const NOT_FOUND: &str = "app.file_info.get.app_error";
    pub const SAVE: &str = "app.file_info.save.app_error";
    pub const NO_THUMBNAIL: &str = "api.file.get_file_thumbnail.no_thumbnail.app_error";
    pub const NO_PREVIEW: &str = "api.file.get_file_preview.no_preview.app_error";
    pub const LINK_DISABLED: &str = "api.file.get_public_link.disabled.app_error";
    pub const NO_POST: &str = "api.file.get_public_link.no_post.app_error";
    pub const PUBLIC_INVALID: &str = "api.file.get_file.public_invalid.app_error";
}

/// Uploads are filed under this team, whatever the channel's (as Mattermost does).
const FILE_TEAM: &str = "noteam";
/// The most bytes a form value (not a file) may have.
const MAX_FORM_VALUE: usize = 10 * 1024;

/// What an upload request stored, in order, and the client ids it named for them.
pub struct Uploaded {
    pub infos: Vec<file_info::Model>,
    pub client_ids: Vec<String>,
    /// Files received before the form named their channel, waiting for it: (id, name,
    /// where they wait, size).
    staged: Vec<(String, String, String, u64)>,
}

/// Where an upload goes and who makes it; checked once per request.
struct Target {
    channel_id: String,
    user_id: String,
}

/// `FileSettings.EnableFileAttachments`, or `status` with
/// `api.file.attachments.disabled.app_error` (Mattermost answers 403 to UploadFile and 501
/// to its upload API).
pub fn attachments_enabled(caller: &Caller, status: StatusCode) -> Result<(), ApiError> {
    if caller.state.config().file_settings.enable_file_attachments {
        Ok(())
    } else {
        Err(ApiError::new(
            status,
            ids::DISABLED,
            "File attachments have been disabled on this server.",
        ))
    }
}

pub(crate) fn read_request(detail: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::READ_REQUEST,
        "Unable to upload file(s). Error reading or parsing request data.",
    )
    .detail(detail.into())
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ids::TOO_LARGE,
        format!("Unable to upload file. The file is larger than the {limit} bytes allowed."),
    )
}

/// UploadFile: a multipart form (`channel_id`, then `client_ids` and `files` parts) or the
/// file as the body with `channel_id` and `filename` (and `client_id`) in the query. All
/// the request's files are kept, or none.
pub async fn upload(
    caller: &Caller,
    query: &crate::rt::QueryMap,
    body: Upload,
) -> Result<Uploaded, ApiError> {
    attachments_enabled(caller, StatusCode::FORBIDDEN)?;
    let config = caller.state.config();
    if body.declared_empty() {
        return Err(read_request("Content-Length should not be 0"));
    }
    let store = FileStore::from_config(&config)?;
    let limit = config.file_settings.max_file_size;
    drop(config);
    let mut stored = Uploaded {
        infos: Vec::new(),
        client_ids: Vec::new(),
        staged: Vec::new(),
    };
    let outcome = if body.is_multipart() {
        upload_form(caller, &store, query, body, limit, &mut stored).await
    } else {
        upload_raw(caller, &store, query, body, limit, &mut stored).await
    };
    match outcome {
        Ok(()) => Ok(stored),
        Err(e) => {
            forget(caller, &store, &stored.infos).await;
            for (_, _, path, _) in &stored.staged {
                store.remove(path).await;
            }
            Err(e)
        }
    }
}

async fn upload_raw(
    caller: &Caller,
    store: &FileStore,
    query: &crate::rt::QueryMap,
    body: Upload,
    limit: usize,
    stored: &mut Uploaded,
) -> Result<(), ApiError> {
    let channel_id = query.required_string("channel_id")?;
    let filename = query.required_string("filename")?;
    let target = target(caller, query, &channel_id).await?;
    let client_id = query.string("client_id").unwrap_or_default();
    let chunks = body.into_body().into_data_stream();
    let info = store_one(caller, store, &target, &filename, chunks, limit).await?;
    stored.infos.push(info);
    if !client_id.is_empty() {
        stored.client_ids.push(client_id);
    }
    Ok(())
}

async fn upload_form(
    caller: &Caller,
    store: &FileStore,
    query: &crate::rt::QueryMap,
    body: Upload,
    limit: usize,
    stored: &mut Uploaded,
) -> Result<(), ApiError> {
    let mut form = body.multipart().await?;
    let mut channel_id = query.string("channel_id").unwrap_or_default();
    let mut target: Option<Target> = None;
    let mut client_ids: Vec<String> = Vec::new();
    let mut expect_client_ids = true;
    let form_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            read_request(e.body_text())
        }
    };
    while let Some(mut field) = form.next_field().await.map_err(form_error)? {
        let Some(name) = field.name().map(str::to_owned).filter(|n| !n.is_empty()) else {
            continue;
        };
        let Some(filename) = field
            .file_name()
            .map(str::to_owned)
            .filter(|n| !n.is_empty())
        else {
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                value.extend_from_slice(&chunk);
                if value.len() > MAX_FORM_VALUE {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        ids::READ_FORM_VALUE,
                        format!("Unable to upload file(s). Error reading the value for {name}."),
                    ));
                }
            }
            let value = String::from_utf8(value).map_err(|_| ApiError::invalid_param(&name))?;
            match name.as_str() {
                "channel_id" => {
                    if !channel_id.is_empty() && channel_id != value {
                        return Err(ApiError::new(
                            StatusCode::BAD_REQUEST,
                            ids::MULTIPLE_CHANNELS,
                            "Unable to upload file(s). Multiple conflicting channel_ids.",
                        ));
                    }
                    if !value.is_empty() {
                        channel_id = value;
                    }
                }
                "client_ids" if expect_client_ids => client_ids.push(value),
                _ => return Err(ApiError::invalid_param(&name)),
            }
            continue;
        };
        // A file before the channel is named (clients send the channel first): this and
        // every later file wait until the form has been read, as Mattermost buffers them.
        if !stored.staged.is_empty() || (target.is_none() && channel_id.is_empty()) {
            let name = file_name(&filename).ok_or_else(|| ApiError::invalid_param("filename"))?;
            let id = new_id();
            let path = format!("staging/{id}/{name}");
            let size = store
                .write(&path, field_chunks(field), limit as u64)
                .await
                .map_err(|e| write_failed(e, limit))?;
            stored.staged.push((id, name, path, size));
            continue;
        }
        if target.is_none() {
            target = Some(self::target(caller, query, &channel_id).await?);
        }
        let Some(to) = &target else {
            return Err(ApiError::invalid_param("channel_id"));
        };
        if stored.infos.is_empty() && client_ids.is_empty() {
            expect_client_ids = false;
        }
        let client_id = if expect_client_ids {
            client_ids
                .get(stored.infos.len())
                .cloned()
                .ok_or_else(|| ApiError::invalid_param("client_ids"))?
        } else {
            String::new()
        };
        let chunks = field_chunks(field);
        let info = store_one(caller, store, to, &filename, chunks, limit).await?;
        stored.infos.push(info);
        if expect_client_ids {
            stored.client_ids.push(client_id);
        }
    }
    if !stored.staged.is_empty() {
        // The files that waited: now that the form is read, their channel and client ids
        // (none, or one per file).
        if channel_id.is_empty() {
            return Err(ApiError::invalid_param("channel_id"));
        }
        let to = self::target(caller, query, &channel_id).await?;
        if !client_ids.is_empty() && client_ids.len() != stored.staged.len() {
            return Err(client_ids_error(client_ids.len(), stored.staged.len()));
        }
        while let Some((id, name, waiting, size)) = stored.staged.first().cloned() {
            let now = now_millis();
            let path = format!("{}{name}", folder(now, &to.channel_id, &to.user_id, &id));
            store.rename(&waiting, &path).await?;
            stored.staged.remove(0);
            let file = Stored {
                id,
                user_id: to.user_id.clone(),
                channel_id: to.channel_id.clone(),
                name,
                path,
                size,
                at: now,
            };
            let info = record(caller, caller.state.db(), store, file, ids::LARGE_IMAGE).await?;
            stored.infos.push(info);
        }
        stored.client_ids = client_ids;
        return Ok(());
    }
    if expect_client_ids && client_ids.len() != stored.infos.len() {
        return Err(client_ids_error(client_ids.len(), stored.infos.len()));
    }
    Ok(())
}

fn client_ids_error(client_ids: usize, files: usize) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::CLIENT_IDS,
        format!("Unable to upload file(s). Have {client_ids} client_ids for {files} files."),
    )
}

/// What a failed write of an upload answers.
fn write_failed(e: WriteError, limit: usize) -> ApiError {
    match e {
        WriteError::TooLarge => too_large(limit),
        WriteError::Body(e) if e.contains("length limit") => too_large(limit),
        WriteError::Body(e) => read_request(e),
        WriteError::Store(e) => e,
    }
}

/// A form part's bytes as they arrive.
pub fn field_chunks(
    field: axum::extract::multipart::Field<'_>,
) -> impl Stream<Item = Result<Bytes, axum::extract::multipart::MultipartError>> + Unpin + '_ {
    Box::pin(futures::stream::unfold(field, |mut field| async move {
        match field.chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk), field)),
            Ok(None) => None,
            Err(e) => Some((Err(e), field)),
        }
    }))
}

/// The name a file is kept under: the last path segment of `given` (as Mattermost's
/// filepath.Base); None when that is empty, `.` or `..`, longer than a file system takes
/// (255 bytes), or has an extension over 64 characters.
pub fn file_name(given: &str) -> Option<String> {
    let name = given
        .rsplit(['/', '\\'])
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")?;
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    (name.len() <= 255 && extension.chars().count() <= 64).then(|| name.to_owned())
}

/// Whose files a bookmark's upload (`?bookmark=true`) makes: no user's, the channel's.
pub const BOOKMARK_OWNER: &str = "bookmark";

/// The channel an upload goes to, once `upload_file` there is checked; a bookmark's file
/// (`?bookmark=true`) belongs to no user but to the channel's bookmarks.
async fn target(
    caller: &Caller,
    query: &crate::rt::QueryMap,
    channel_id: &str,
) -> Result<Target, ApiError> {
    permissions::require_channel(caller, channel_id, perm::UPLOAD_FILE).await?;
    let bookmark = query
        .string(BOOKMARK_OWNER)
        .and_then(|v| crate::rt::parse_go_bool(&v))
        .unwrap_or(false);
    Ok(Target {
        channel_id: channel_id.to_owned(),
        user_id: if bookmark {
            BOOKMARK_OWNER.to_owned()
        } else {
            caller.session()?.user_id.clone()
        },
    })
}

/// The MIME type Mattermost gives a name: by its extension, text types in UTF-8, empty
/// when the extension is unknown.
pub fn mime_type(extension: &str) -> String {
    match mime_guess::from_ext(extension).first_raw() {
        Some(t) if t.starts_with("text/") => format!("{t}; charset=utf-8"),
        Some(t) => t.to_owned(),
        None => String::new(),
    }
}

/// Stores one file from `chunks` with its info; images get their dimensions, thumbnail,
/// preview and mini preview. Nothing is left behind on failure.
async fn store_one<S, E>(
    caller: &Caller,
    store: &FileStore,
    to: &Target,
    filename: &str,
    chunks: S,
    limit: usize,
) -> Result<file_info::Model, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let name = file_name(filename).ok_or_else(|| ApiError::invalid_param("filename"))?;
    let id = new_id();
    let now = now_millis();
    let prefix = folder(now, &to.channel_id, &to.user_id, &id);
    let path = format!("{prefix}{name}");
    let size = store
        .write(&path, chunks, limit as u64)
        .await
        .map_err(|e| write_failed(e, limit))?;
    let row = Stored {
        id,
        user_id: to.user_id.clone(),
        channel_id: to.channel_id.clone(),
        name,
        path,
        size,
        at: now,
    };
    record(caller, caller.state.db(), store, row, ids::LARGE_IMAGE).await
}

/// Where a new file of `user_id` in `channel_id` goes (`<yyyymmdd>/teams/noteam/...`; a
/// bookmark's under `bookmark/teams/noteam/channels/<channel>/<id>/`).
pub fn folder(now: i64, channel_id: &str, user_id: &str, id: &str) -> String {
    if user_id == BOOKMARK_OWNER {
        return format!("{BOOKMARK_OWNER}/teams/{FILE_TEAM}/channels/{channel_id}/{id}/");
    }
    let day = chrono_day(now);
    format!("{day}/teams/{FILE_TEAM}/channels/{channel_id}/users/{user_id}/{id}/")
}

/// A file whose bytes are in the store, before its info is recorded.
pub struct Stored {
    pub id: String,
    pub user_id: String,
    pub channel_id: String,
    pub name: String,
    pub path: String,
    pub size: u64,
    pub at: i64,
}

/// Records the info of a stored file (in `db`): its type from its name; an image's
/// dimensions, thumbnail, preview and mini preview (`too_large_id` when it has more pixels
/// than allowed). On failure nothing of it is left.
pub async fn record(
    caller: &Caller,
    db: &impl ConnectionTrait,
    store: &FileStore,
    file: Stored,
    too_large_id: &'static str,
) -> Result<file_info::Model, ApiError> {
    let extension = file
        .name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_lowercase())
        .unwrap_or_default();
    let prefix = file
        .path
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| format!("{dir}/"));
    let mut row = file_info::Model {
        id: file.id,
        creator_id: file.user_id,
        post_id: String::new(),
        channel_id: file.channel_id,
        create_at: file.at,
        update_at: file.at,
        delete_at: 0,
        path: file.path,
        thumbnail_path: String::new(),
        preview_path: String::new(),
        name: file.name,
        mime_type: mime_type(&extension),
        extension,
        size: i64::try_from(file.size).unwrap_or(i64::MAX),
        width: 0,
        height: 0,
        has_preview_image: false,
        mini_preview: None,
    };
    let outcome = async {
        if row.mime_type.starts_with("image") {
            let max_pixels = caller.state.config().file_settings.max_image_resolution;
            file_images::describe(store, &mut row, &prefix, max_pixels, too_large_id).await?;
        }
        row.clone()
            .into_active_model()
            .reset_all()
            .insert(db)
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ids::SAVE,
                    "Unable to save the file info.",
                )
                .detail(e.to_string())
            })
    }
    .await;
    if outcome.is_err() {
        remove_bytes(store, &row).await;
    }
    outcome
}

/// The UTC day of `millis` as `yyyymmdd`.
fn chrono_day(millis: i64) -> String {
    let (year, month, day) = crate::logs::civil_from_days(millis.div_euclid(86_400_000));
    format!("{year:04}{month:02}{day:02}")
}

async fn remove_bytes(store: &FileStore, row: &file_info::Model) {
    for path in [&row.path, &row.thumbnail_path, &row.preview_path] {
        if !path.is_empty() {
            store.remove(path).await;
        }
    }
}

/// Deletes the info rows `condition` selects (in `db`, a transaction of the caller's) and
/// answers them, so their bytes can be removed once it commits ([`remove_stored`]).
pub async fn forget_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::Condition,
) -> Result<Vec<file_info::Model>, ApiError> {
    let rows = file_info::Entity::find()
        .filter(condition.clone())
        .all(db)
        .await?;
    file_info::Entity::delete_many()
        .filter(condition)
        .exec(db)
        .await?;
    Ok(rows)
}

/// Removes the bytes (file, thumbnail, preview) of files whose rows are gone.
pub async fn remove_stored(caller: &Caller, rows: &[file_info::Model]) -> Result<(), ApiError> {
    if rows.is_empty() {
        return Ok(());
    }
    let store = FileStore::from_config(&caller.state.config())?;
    for row in rows {
        remove_bytes(&store, row).await;
    }
    Ok(())
}

/// Undoes a request's earlier uploads when a later part of it failed.
async fn forget(caller: &Caller, store: &FileStore, infos: &[file_info::Model]) {
    if infos.is_empty() {
        return;
    }
    let ids: Vec<String> = infos.iter().map(|i| i.id.clone()).collect();
    let _ = file_info::Entity::delete_many()
        .filter(file_info::Column::Id.is_in(ids))
        .exec(caller.state.db())
        .await;
    for info in infos {
        remove_bytes(store, info).await;
    }
}

/// A live file's info (404 `app.file_info.get.app_error` when there is none).
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<file_info::Model, ApiError> {
    if !is_valid_id(id) {
        return Err(ApiError::invalid_url_param("file_id"));
    }
    file_info::Entity::find_by_id(id.to_owned())
        .filter(file_info::Column::DeleteAt.eq(0))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ids::NOT_FOUND,
                "Unable to get the file info.",
            )
        })
}

/// A file the caller may read: their own upload, or one in a channel where they have
/// `read_channel_content`.
pub async fn readable(caller: &Caller, id: &str) -> Result<file_info::Model, ApiError> {
    let session = caller.session()?;
    let info = get(caller.state.db(), id).await?;
    if info.creator_id == session.user_id
        || permissions::has_channel(caller, &info.channel_id, perm::READ_CHANNEL_CONTENT).await?
    {
        Ok(info)
    } else {
        Err(ApiError::forbidden().detail("needs read_channel_content in the file's channel"))
    }
}

/// The hash a public link carries: SHA-256 of the salt then the file id, base64url
/// without padding.
pub fn link_hash(caller: &Caller, file_id: &str) -> String {
    use sha2::Digest;
    let configured = caller.state.config().file_settings.public_link_salt.clone();
    let salt = if configured.is_empty() {
        caller.state.facts().link_salt.clone()
    } else {
        configured
    };
    let mut hash = sha2::Sha256::new();
    hash.update(salt.as_bytes());
    hash.update(file_id.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash.finalize())
}

fn links_enabled(caller: &Caller) -> Result<(), ApiError> {
    if caller.state.config().file_settings.enable_public_link {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::LINK_DISABLED,
            "Public links have been disabled.",
        ))
    }
}

/// GetFileLink: the public link of a file the caller may read that is in a post.
pub async fn public_link(caller: &Caller, id: &str, site_url: &str) -> Result<String, ApiError> {
    links_enabled(caller)?;
    let info = readable(caller, id).await?;
    if info.post_id.is_empty() && info.creator_id != BOOKMARK_OWNER {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::NO_POST,
            "Unable to get a public link for a file that is not in a post.",
        ));
    }
    Ok(format!(
        "{}/files/{}/public?h={}",
        site_url.trim_end_matches('/'),
        info.id,
        link_hash(caller, &info.id)
    ))
}

/// GetFilePublic: the file behind a public link whose hash matches (400
/// `api.file.get_file.public_invalid.app_error` otherwise).
pub async fn public(caller: &Caller, id: &str, hash: &str) -> Result<file_info::Model, ApiError> {
    links_enabled(caller)?;
    let info = get(caller.state.db(), id).await?;
    let expected = link_hash(caller, &info.id);
    let matches = !hash.is_empty()
        && subtle::ConstantTimeEq::ct_eq(hash.as_bytes(), expected.as_bytes()).into();
    if !matches {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::PUBLIC_INVALID,
            "The public link does not appear to be valid.",
        ));
    }
    Ok(info)
}

/// The files of posts, oldest first (deleted ones too with `include_deleted`).
pub async fn for_posts(
    db: &impl ConnectionTrait,
    post_ids: Vec<String>,
    include_deleted: bool,
) -> Result<Vec<file_info::Model>, ApiError> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = file_info::Entity::find().filter(file_info::Column::PostId.is_in(post_ids));
    if !include_deleted {
        query = query.filter(file_info::Column::DeleteAt.eq(0));
    }
    Ok(query
        .order_by_asc(file_info::Column::CreateAt)
        .order_by_asc(file_info::Column::Id)
        .all(db)
        .await?)
}

/// Attaches the files `wanted` to a new post (in `db`, the post's transaction): only the
/// author's own uploads in the post's channel that no post has yet. Answers the ids taken,
/// in the order asked.
pub async fn attach(
    db: &impl ConnectionTrait,
    post_id: &str,
    channel_id: &str,
    user_id: &str,
    wanted: &[String],
) -> Result<Vec<String>, ApiError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    file_info::Entity::update_many()
        .col_expr(file_info::Column::PostId, Expr::value(post_id))
        .col_expr(file_info::Column::UpdateAt, Expr::value(now_millis()))
        .filter(file_info::Column::Id.is_in(wanted.to_vec()))
        .filter(file_info::Column::PostId.eq(""))
        .filter(file_info::Column::CreatorId.eq(user_id))
        .filter(file_info::Column::ChannelId.eq(channel_id))
        .filter(file_info::Column::DeleteAt.eq(0))
        .exec(db)
        .await?;
    let taken: std::collections::HashSet<String> = file_info::Entity::find()
        .filter(file_info::Column::PostId.eq(post_id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    let mut seen = std::collections::HashSet::new();
    Ok(wanted
        .iter()
        .filter(|id| taken.contains(*id) && seen.insert((*id).clone()))
        .cloned()
        .collect())
}

/// Deletes the infos of `ids` attached to `post_id` (files taken off a post by an edit).
pub async fn delete_from_post(
    db: &impl ConnectionTrait,
    post_id: &str,
    ids: &[String],
    now: i64,
) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    file_info::Entity::update_many()
        .col_expr(file_info::Column::DeleteAt, Expr::value(now))
        .col_expr(file_info::Column::UpdateAt, Expr::value(now))
        .filter(file_info::Column::Id.is_in(ids.to_vec()))
        .filter(file_info::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A stored file opened for reading.
pub async fn open(caller: &Caller, path: &str) -> Result<super::filestore::Opened, ApiError> {
    FileStore::from_config(&caller.state.config())?
        .open(path)
        .await
}

/// The file info as Mattermost's JSON shows it.
pub fn to_api(f: &file_info::Model) -> crate::contract::types::FileInfo {
    let b64 = base64::engine::general_purpose::STANDARD;
    crate::contract::types::FileInfo {
        id: Some(f.id.clone()),
        user_id: Some(f.creator_id.clone()),
        post_id: (!f.post_id.is_empty()).then(|| f.post_id.clone()),
        channel_id: Some(f.channel_id.clone()),
        create_at: Some(f.create_at),
        update_at: Some(f.update_at),
        delete_at: Some(f.delete_at),
        name: Some(f.name.clone()),
        extension: Some(f.extension.clone()),
        size: Some(f.size),
        mime_type: Some(f.mime_type.clone()),
        width: (f.width != 0).then_some(i64::from(f.width)),
        height: (f.height != 0).then_some(i64::from(f.height)),
        has_preview_image: f.has_preview_image.then_some(true),
        mini_preview: f.mini_preview.as_ref().map(|m| b64.encode(m)),
        remote_id: Some(String::new()),
        archived: Some(false),
    }
}
