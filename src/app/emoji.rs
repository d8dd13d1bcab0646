//! Custom emoji as Mattermost keeps them: a name (unique among live emoji, never one of the
//! system emoji's), its creator and an image in the file store under `emoji/<id>/image`.
//! Deleting one keeps the row (with `delete_at`), renames the image to `image_deleted` and
//! removes the reactions that used the name.

use super::emoji_image;
use super::filestore::FileStore;
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::rt::Multipart;
use crate::store::entity::{emoji, reaction};
use crate::store::prefix::{escape_like, like};
use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use std::collections::HashSet;
use std::sync::LazyLock;

pub mod ids {
    pub const DISABLED: &str = "api.emoji.disabled.app_error";
    pub const TOO_LARGE: &str = "api.emoji.create.too_large.app_error";
    pub const PARSE: &str = "api.emoji.create.parse.app_error";
    pub const OTHER_USER: &str = "api.emoji.create.other_user.app_error";
    pub const DUPLICATE: &str = "api.emoji.create.duplicate.app_error";
    pub const NAME: &str = "model.emoji.name.app_error";
    pub const SYSTEM_NAME: &str = "model.emoji.system_emoji_name.app_error";
    pub const NOT_FOUND: &str = "app.emoji.get.no_result";
    pub const NAME_NOT_FOUND: &str = "app.emoji.get_by_name.no_result";
    pub const DELETE_NOT_FOUND: &str = "app.emoji.delete.no_results";
    pub const READ_IMAGE: &str = "api.emoji.get_image.read.app_error";
    pub const TOO_MANY_NAMES: &str = "api.emoji.get_multiple_by_name_too_many.request_error";
}

/// The largest emoji upload, in bytes (512 KiB).
pub const MAX_FILE_SIZE: usize = 512 * 1024;
/// Names asked for at once, at most.
pub const MAX_NAMES: usize = 200;
/// Autocomplete's answers, at most.
pub const MAX_AUTOCOMPLETE: u64 = 100;
/// A search's answers, at most (Mattermost's PerPageMaximum).
pub const MAX_SEARCH: u64 = 200;

/// The names of the emoji every Mattermost client ships (and so no custom emoji may take).
static SYSTEM: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("system_emoji.txt").lines().collect());

/// True for a system emoji's name (`smile`, `+1`, ...).
pub fn is_system(name: &str) -> bool {
    SYSTEM.contains(name)
}

/// `ServiceSettings.EnableCustomEmoji`, or `status` with `api.emoji.disabled.app_error`
/// (Mattermost answers 501 from its handlers, 403 from deeper down).
pub fn enabled(caller: &Caller, status: StatusCode) -> Result<(), ApiError> {
    if caller.state.config().service_settings.enable_custom_emoji {
        Ok(())
    } else {
        Err(ApiError::new(
            status,
            ids::DISABLED,
            "Custom emoji have been disabled by the system admin.",
        ))
    }
}

/// Mattermost's name rule for custom emoji: 1 to 64 of letters, digits, `-`, `+` and `_`,
/// and not a system emoji's.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    if !super::reactions::is_valid_emoji_name(name) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::NAME,
            "An emoji name must be 1 to 64 letters, digits, '-', '+' or '_'.",
        ));
    }
    if is_system(name) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::SYSTEM_NAME,
            "That name is a system emoji's.",
        ));
    }
    Ok(())
}

fn image_path(id: &str) -> String {
    format!("emoji/{id}/image")
}

fn live() -> sea_orm::Select<emoji::Entity> {
    emoji::Entity::find().filter(emoji::Column::DeleteAt.eq(0))
}

/// What a create form carries.
struct Form {
    emoji: Option<String>,
    image: Option<bytes::Bytes>,
}

async fn read_form(mut form: Multipart) -> Result<Form, ApiError> {
    let parse = |detail: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::PARSE,
            "Unable to create the emoji: the form could not be read.",
        )
        .detail(detail)
    };
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ids::TOO_LARGE,
            "Unable to create the emoji: the image must be less than 512 KiB.",
        )
    };
    let mut out = Form {
        emoji: None,
        image: None,
    };
    let mut total = 0usize;
    while let Some(mut field) = form.next_field().await.map_err(|e| parse(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| parse(e.body_text()))? {
            total += chunk.len();
            if total > MAX_FILE_SIZE {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "image" if is_file && out.image.is_none() => out.image = Some(bytes.into()),
            "emoji" if !is_file && out.emoji.is_none() => {
                out.emoji = Some(String::from_utf8(bytes).map_err(|e| parse(e.to_string()))?);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// `POST /emoji`: a new emoji named by the form's `emoji` JSON, its image the form's
/// `image`. Checked in Mattermost's order: the setting, the size, the form, create_emojis
/// (system-wide or in any of the caller's teams), the emoji, its name and creator, a live
/// emoji of the same name, the image.
pub async fn create(
    caller: &Caller,
    content_length: Option<usize>,
    form: Multipart,
) -> Result<emoji::Model, ApiError> {
    enabled(caller, StatusCode::NOT_IMPLEMENTED)?;
    let me = caller.session()?.user_id.clone();
    if content_length.is_some_and(|n| n > MAX_FILE_SIZE) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ids::TOO_LARGE,
            "Unable to create the emoji: the image must be less than 512 KiB.",
        ));
    }
    let form = read_form(form).await?;
    permissions::require_in_any_team(caller, perm::CREATE_EMOJIS).await?;
    #[derive(serde::Deserialize)]
    struct Given {
        #[serde(default)]
        name: String,
        #[serde(default)]
        creator_id: String,
    }
    let given: Given = form
        .emoji
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| ApiError::invalid_param("emoji"))?;
    check_name(&given.name)?;
    if given.creator_id != me {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::OTHER_USER,
            "An emoji can only be created as oneself.",
        ));
    }
    let db = caller.state.db();
    if live()
        .filter(emoji::Column::Name.eq(&given.name))
        .count(db)
        .await?
        > 0
    {
        return Err(duplicate());
    }
    let image = form
        .image
        .ok_or_else(|| ApiError::invalid_body_param("createEmoji"))?;
    let stored = tokio::task::spawn_blocking(move || emoji_image::prepare(&image))
        .await
        .map_err(ApiError::internal)??;
    let now = now_millis();
    let row = emoji::Model {
        id: new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        creator_id: me,
        name: given.name,
    };
    let store = FileStore::from_config(&caller.state.config())?;
    let path = image_path(&row.id);
    store.write_bytes(&path, stored).await?;
    match row.clone().into_active_model().insert(db).await {
        Ok(saved) => Ok(saved),
        Err(e) => {
            store.remove(&path).await;
            match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => Err(duplicate()),
                _ => Err(e.into()),
            }
        }
    }
}

fn duplicate() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::DUPLICATE,
        "Unable to create the emoji: another emoji has that name.",
    )
}

/// Live emoji, `per_page` from `page`, by name when `sort` is `name` (else as stored).
pub async fn list(
    db: &impl ConnectionTrait,
    page: u64,
    per_page: u64,
    by_name: bool,
) -> Result<Vec<emoji::Model>, ApiError> {
    let query = if by_name {
        live().order_by_asc(emoji::Column::Name)
    } else {
        live()
            .order_by_asc(emoji::Column::CreateAt)
            .order_by_asc(emoji::Column::Id)
    };
    Ok(query
        .offset(page * per_page)
        .limit(per_page)
        .all(db)
        .await?)
}

/// A live emoji by id (404 `app.emoji.get.no_result`).
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<emoji::Model, ApiError> {
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::NOT_FOUND,
            "Unable to find the emoji.",
        )
    };
    if !is_valid_id(id) {
        return Err(missing());
    }
    live()
        .filter(emoji::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(missing)
}

/// A live emoji by name (404 `app.emoji.get_by_name.no_result`).
pub async fn by_name(db: &impl ConnectionTrait, name: &str) -> Result<emoji::Model, ApiError> {
    live()
        .filter(emoji::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ids::NAME_NOT_FOUND,
                "Unable to find the emoji.",
            )
        })
}

/// Live emoji among `names` (system emoji names left out, as Mattermost does).
pub async fn by_names(
    db: &impl ConnectionTrait,
    names: Vec<String>,
) -> Result<Vec<emoji::Model>, ApiError> {
    let custom: Vec<String> = names.into_iter().filter(|n| !is_system(n)).collect();
    if custom.is_empty() {
        return Ok(Vec::new());
    }
    Ok(live()
        .filter(emoji::Column::Name.is_in(custom))
        .order_by_asc(emoji::Column::Name)
        .all(db)
        .await?)
}

/// Live emoji whose name starts with (or, unless `prefix_only`, contains) `term`, by name.
pub async fn search(
    db: &impl ConnectionTrait,
    term: &str,
    prefix_only: bool,
    limit: u64,
) -> Result<Vec<emoji::Model>, ApiError> {
    let escaped = escape_like(term);
    let pattern = if prefix_only {
        format!("{escaped}%")
    } else {
        format!("%{escaped}%")
    };
    Ok(live()
        .filter(emoji::Column::Name.like(like(&pattern)))
        .order_by_asc(emoji::Column::Name)
        .limit(limit)
        .all(db)
        .await?)
}

/// Deletes an emoji: delete_emojis (system-wide or in a team of the caller's), and
/// delete_others_emojis too for someone else's. Its reactions go with it.
pub async fn delete(caller: &Caller, id: &str) -> Result<(), ApiError> {
    let me = caller.session()?.user_id.clone();
    let db = caller.state.db();
    let found = get(db, id).await?;
    permissions::require_in_any_team(caller, perm::DELETE_EMOJIS).await?;
    if found.creator_id != me {
        permissions::require_in_any_team(caller, perm::DELETE_OTHERS_EMOJIS).await?;
    }
    let now = now_millis();
    let txn = db.begin().await?;
    let gone = emoji::Entity::update_many()
        .col_expr(emoji::Column::DeleteAt, Expr::value(now))
        .col_expr(emoji::Column::UpdateAt, Expr::value(now))
        .filter(emoji::Column::Id.eq(&found.id))
        .filter(emoji::Column::DeleteAt.eq(0))
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ids::DELETE_NOT_FOUND,
            "Unable to find the emoji to delete.",
        ));
    }
    reaction::Entity::delete_many()
        .filter(reaction::Column::EmojiName.eq(&found.name))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    let store = FileStore::from_config(&caller.state.config())?;
    let path = image_path(&found.id);
    if store
        .rename(&path, &format!("emoji/{}/image_deleted", found.id))
        .await
        .is_err()
    {
        tracing::warn!(emoji_id = %found.id, "the deleted emoji's image could not be renamed");
    }
    Ok(())
}

/// A live emoji's image and its content type.
pub async fn image(caller: &Caller, id: &str) -> Result<(Vec<u8>, &'static str), ApiError> {
    let found = get(caller.state.db(), id).await?;
    let store = FileStore::from_config(&caller.state.config())?;
    let bytes = store.read_all(&image_path(&found.id)).await.map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::READ_IMAGE,
            "Unable to read the emoji's image.",
        )
    })?;
    let kind = emoji_image::content_type(&bytes).ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api.emoji.get_image.decode.app_error",
            "Unable to decode the emoji's image.",
        )
    })?;
    Ok((bytes, kind))
}

/// A reaction's or status's emoji must exist: a system emoji, or a live custom one
/// (Mattermost answers the custom lookup's error: 403 when custom emoji are off, else 404).
pub async fn require_exists(caller: &Caller, name: &str) -> Result<(), ApiError> {
    if is_system(name) {
        return Ok(());
    }
    enabled(caller, StatusCode::FORBIDDEN)?;
    by_name(caller.state.db(), name).await.map(|_| ())
}

pub fn to_api(e: emoji::Model) -> crate::contract::types::Emoji {
    crate::contract::types::Emoji {
        id: Some(e.id),
        creator_id: Some(e.creator_id),
        name: Some(e.name),
        create_at: Some(e.create_at),
        update_at: Some(e.update_at),
        delete_at: Some(e.delete_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_names_are_known_and_refused() {
        assert!(is_system("smile"));
        assert!(is_system("+1"));
        assert!(!is_system("ferromost_party"));
        assert_eq!(check_name("smile").unwrap_err().id, ids::SYSTEM_NAME);
        assert_eq!(check_name("no spaces").unwrap_err().id, ids::NAME);
        assert_eq!(check_name(&"a".repeat(65)).unwrap_err().id, ids::NAME);
        assert!(check_name("party-parrot_2").is_ok());
    }
}
