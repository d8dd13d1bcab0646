//! Corteza's system attachments: the files settings point at (kind `settings`, the only
//! kind the system API makes). Their bytes are in Mattermost's file store under
//! `corteza/attachments/<id>/<name>`. Reading one's record or deleting it needs a signed-in
//! caller (deleting also `settings.manage`); the bytes of a `settings` file are public, as
//! in Corteza (logos and the like are shown before sign-in).

use super::{error, new_numeric_id, optional_time, parse_id, rbac, time};
use crate::app::corteza::automation::no_file;
use crate::app::files::mime_type;
use crate::app::filestore::FileStore;
use crate::auth::Caller;
use crate::contract::types::CortezaAttachment;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::rt::Binary;
use crate::store::entity::corteza_attachment as attachment;
use bytes::Bytes;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::json;

/// The kind of attachment settings make.
pub const SETTINGS: &str = "settings";
/// Corteza's answer for an attachment that is not there.
const NOT_FOUND: &str = "system.repository.AttachmentNotFound";

fn store_of(caller: &Caller) -> Result<FileStore, ApiError> {
    FileStore::from_config(&caller.state.config())
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

fn is_image(mimetype: &str) -> bool {
    mimetype.starts_with("image/")
}

/// Keeps `bytes` as a new `settings` attachment uploaded by `owner`, its row written
/// through `db` (the caller's transaction); the bytes go when the row cannot be written.
pub async fn store(
    caller: &Caller,
    db: &impl sea_orm::ConnectionTrait,
    owner: i64,
    name: &str,
    bytes: Bytes,
) -> Result<attachment::Model, ApiError> {
    let name: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    let name = if name.trim().is_empty() {
        "upload".to_owned()
    } else {
        name
    };
    let id = new_numeric_id();
    let path = format!("corteza/attachments/{id}/{name}");
    let mimetype = match mime_type(&extension(&name)) {
        t if t.is_empty() => "application/octet-stream".to_owned(),
        t => t,
    };
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    store_of(caller)?.write_bytes(&path, bytes.to_vec()).await?;
    let row = attachment::Model {
        id,
        owner_id: owner,
        kind: SETTINGS.to_owned(),
        name,
        path,
        size,
        mimetype,
        created_at: now_millis(),
        deleted_at: 0,
    };
    if let Err(e) = attachment::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(db)
        .await
    {
        store_of(caller)?.remove(&row.path).await;
        return Err(e.into());
    }
    Ok(row)
}

/// The attachment of `kind` that `id` names (not deleted).
async fn find(caller: &Caller, kind: &str, id: &str) -> Result<attachment::Model, ApiError> {
    let id = parse_id(id)?;
    attachment::Entity::find_by_id(id)
        .filter(attachment::Column::Kind.eq(kind))
        .filter(attachment::Column::DeletedAt.eq(0))
        .one(caller.state.db())
        .await?
        .ok_or_else(|| error(NOT_FOUND))
}

/// That the caller is signed in (the attachment routes are public; the record is not).
fn signed_in(caller: &Caller) -> Result<(), ApiError> {
    caller
        .session
        .as_ref()
        .map(|_| ())
        .ok_or_else(|| error("Unauthorized"))
}

fn view(a: attachment::Model) -> CortezaAttachment {
    let base = format!("/attachment/{}/{}", a.kind, a.id);
    let escaped =
        percent_encoding::utf8_percent_encode(&a.name, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let image = is_image(&a.mimetype);
    let mut original = json!({"size": a.size, "ext": extension(&a.name), "mimetype": a.mimetype});
    if image {
        original["image"] = json!(true);
    }
    CortezaAttachment {
        attachment_id: a.id.to_string(),
        owner_id: a.owner_id.to_string(),
        url: format!("{base}/original/{escaped}"),
        preview_url: image.then(|| format!("{base}/preview.{}", extension(&a.name))),
        name: a.name,
        meta: Some(json!({ "original": original })),
        created_at: time(a.created_at),
        updated_at: None,
        deleted_at: optional_time(a.deleted_at),
    }
}

/// `GET /attachment/{kind}/{id}`: its record, to a signed-in caller.
pub async fn read(caller: &Caller, kind: &str, id: &str) -> Result<CortezaAttachment, ApiError> {
    signed_in(caller)?;
    find(caller, kind, id).await.map(view)
}

/// `DELETE /attachment/{kind}/{id}`: `settings.manage`; the record goes (soft) and so do
/// the bytes.
pub async fn delete(caller: &Caller, kind: &str, id: &str) -> Result<(), ApiError> {
    signed_in(caller)?;
    let found = find(caller, kind, id).await?;
    rbac::require(
        caller,
        "system",
        "settings.manage",
        "not allowed to manage settings",
    )
    .await?;
    let done = attachment::Entity::update_many()
        .filter(attachment::Column::Id.eq(found.id))
        .filter(attachment::Column::DeletedAt.eq(0))
        .col_expr(attachment::Column::DeletedAt, Expr::value(now_millis()))
        .exec(caller.state.db())
        .await?;
    if done.rows_affected == 0 {
        return Err(error(NOT_FOUND));
    }
    store_of(caller)?.remove(&found.path).await;
    Ok(())
}

/// `GET /attachment/{kind}/{id}/original/{name}` and `…/preview.{ext}` (an image is its own
/// preview; anything else has none): the bytes, or Corteza's empty 404.
pub async fn bytes(
    caller: &Caller,
    kind: &str,
    id: &str,
    preview: bool,
) -> Result<Binary, ApiError> {
    if kind != SETTINGS {
        return Err(no_file());
    }
    let found = find(caller, kind, id).await.map_err(|_| no_file())?;
    if preview && !is_image(&found.mimetype) {
        return Err(no_file());
    }
    let bytes = store_of(caller)?
        .read_all(&found.path)
        .await
        .map_err(|_| no_file())?;
    Ok(Binary::bytes(found.mimetype, bytes))
}
