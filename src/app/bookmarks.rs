//! Channel bookmarks as Mattermost keeps them: links and uploaded files (uploaded with
//! `?bookmark=true`, so they belong to the channel's bookmarks rather than a user) shown at
//! the top of a channel in `sort_order`, at most 50 live ones a channel. Deleting keeps the
//! row with `delete_at`; someone editing another's bookmark replaces it with a copy of
//! their own (`original_id`), as Mattermost does. Every write runs in one transaction that
//! holds the channel's row, so bookmarks made or moved at once keep distinct places.

use super::files::{self, BOOKMARK_OWNER};
use super::outbound::is_http_url;
use crate::auth::Caller;
use crate::auth::permissions;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{channel, channel_bookmark as bookmark, file_info};
use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

pub mod ids {
    pub const NOT_FOUND: &str = "app.channel.bookmark.get.app_error";
    pub const SAVE: &str = "app.channel.bookmark.save.app_error";
    pub const SORT_INVALID: &str = "app.channel.bookmark.update_sort.invalid_input.app_error";
    pub const SORT_MISSING: &str = "app.channel.bookmark.update_sort.missing_bookmark.app_error";
}

/// Live bookmarks a channel may have.
pub const MAX_PER_CHANNEL: u64 = 50;

/// What a caller does to a channel's bookmarks; each has its permissions and error ids.
#[derive(Clone, Copy)]
pub enum Action {
    Add,
    Edit,
    Delete,
    Order,
}

impl Action {
    /// The permission in a public and in a private channel.
    fn permissions(self) -> (&'static str, &'static str) {
        match self {
            Self::Add => (
                "add_bookmark_public_channel",
                "add_bookmark_private_channel",
            ),
            Self::Edit => (
                "edit_bookmark_public_channel",
                "edit_bookmark_private_channel",
            ),
            Self::Delete => (
                "delete_bookmark_public_channel",
                "delete_bookmark_private_channel",
            ),
            Self::Order => (
                "order_bookmark_public_channel",
                "order_bookmark_private_channel",
            ),
        }
    }

    /// Mattermost's ids for a direct or group channel the caller is not in, or is a guest
    /// of.
    fn direct_ids(self) -> (&'static str, &'static str) {
        match self {
            Self::Add => (
                "api.channel.bookmark.create_channel_bookmark.direct_or_group_channels.forbidden.app_error",
                "api.channel.bookmark.create_channel_bookmark.direct_or_group_channels_by_guests.forbidden.app_error",
            ),
            Self::Edit => (
                "api.channel.bookmark.update_channel_bookmark.direct_or_group_channels.forbidden.app_error",
                "api.channel.bookmark.update_channel_bookmark.direct_or_group_channels_by_guests.forbidden.app_error",
            ),
            Self::Delete => (
                "api.channel.bookmark.delete_channel_bookmark.direct_or_group_channels.forbidden.app_error",
                "api.channel.bookmark.delete_channel_bookmark.direct_or_group_channels_by_guests.forbidden.app_error",
            ),
            Self::Order => (
                "api.channel.bookmark.update_channel_bookmark_sort_order.direct_or_group_channels.forbidden.app_error",
                "api.channel.bookmark.update_channel_bookmark_sort_order.direct_or_group_channels_by_guests.forbidden.app_error",
            ),
        }
    }
}

/// Mattermost's check for changing a channel's bookmarks: the action's permission in a
/// public or private channel; in a direct or group channel, being a member and not a
/// guest.
pub async fn permit(caller: &Caller, c: &channel::Model, action: Action) -> Result<(), ApiError> {
    let me = caller.session()?.user_id.clone();
    let (public, private) = action.permissions();
    match c.channel_type.as_str() {
        "O" => permissions::require_channel(caller, &c.id, public).await,
        "P" => permissions::require_channel(caller, &c.id, private).await,
        _ => {
            let (not_member, guest) = action.direct_ids();
            let db = caller.state.db();
            let member = crate::store::entity::channel_member::Entity::find_by_id((
                c.id.clone(),
                me.clone(),
            ))
            .one(db)
            .await?;
            if member.is_none() {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    not_member,
                    "Only the channel's members may change its bookmarks.",
                ));
            }
            if super::users::is_guest(&super::users::get(db, &me).await?) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    guest,
                    "Guests may not change the bookmarks of direct and group channels.",
                ));
            }
            Ok(())
        }
    }
}

fn invalid(field: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, field, message)
}

/// Mattermost's rules for a bookmark's fields.
fn check(b: &bookmark::Model) -> Result<(), ApiError> {
    if b.display_name.trim().is_empty() {
        return Err(invalid(
            "model.channel_bookmark.is_valid.display_name.app_error",
            "A bookmark needs a display name.",
        ));
    }
    match b.kind.as_str() {
        "link" if !is_http_url(&b.link_url) => Err(invalid(
            "model.channel_bookmark.is_valid.link_url.missing_or_invalid.app_error",
            "A link bookmark needs an http or https link.",
        )),
        "link" if !b.image_url.is_empty() && !is_http_url(&b.image_url) => Err(invalid(
            "model.channel_bookmark.is_valid.image_url.app_error",
            "The bookmark's image must be an http or https link.",
        )),
        "file" if !is_valid_id(&b.file_id) => Err(invalid(
            "model.channel_bookmark.is_valid.file_id.missing_or_invalid.app_error",
            "A file bookmark needs the id of a file uploaded for bookmarks.",
        )),
        "link" | "file" if !b.image_url.is_empty() && !b.file_id.is_empty() => Err(invalid(
            "model.channel_bookmark.is_valid.link_file.app_error",
            "A bookmark has an image link or a file, not both.",
        )),
        "link" | "file" => Ok(()),
        _ => Err(invalid(
            "model.channel_bookmark.is_valid.type.app_error",
            "A bookmark is a link or a file.",
        )),
    }
}

/// The file a file bookmark may take: uploaded for bookmarks of this channel, in no post,
/// and no live bookmark's already.
async fn bookmark_file(
    db: &impl ConnectionTrait,
    channel_id: &str,
    file_id: &str,
) -> Result<file_info::Model, ApiError> {
    let wrong = || {
        invalid(
            "model.channel_bookmark.is_valid.file_id.missing_or_invalid.app_error",
            "The file must be uploaded for this channel's bookmarks (bookmark=true).",
        )
    };
    let file = files::get(db, file_id).await.map_err(|_| wrong())?;
    if file.creator_id != BOOKMARK_OWNER
        || !file.post_id.is_empty()
        || file.channel_id != channel_id
    {
        return Err(wrong());
    }
    let taken = bookmark::Entity::find()
        .filter(bookmark::Column::FileId.eq(file_id))
        .filter(bookmark::Column::DeleteAt.eq(0))
        .count(db)
        .await?;
    if taken > 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::SAVE,
            "That file is another bookmark's already.",
        ));
    }
    Ok(file)
}

/// Holds the channel's row until the transaction ends (PostgreSQL; SQLite's write
/// transactions hold the whole database already).
async fn hold_channel(db: &impl ConnectionTrait, channel_id: &str) -> Result<(), ApiError> {
    channel::Entity::find_by_id(channel_id.to_owned())
        .lock_exclusive()
        .one(db)
        .await?;
    Ok(())
}

fn live_in(channel_id: &str) -> sea_orm::Select<bookmark::Entity> {
    bookmark::Entity::find()
        .filter(bookmark::Column::ChannelId.eq(channel_id))
        .filter(bookmark::Column::DeleteAt.eq(0))
}

/// A bookmark with its file's info, as clients read it.
pub struct Shown {
    pub bookmark: bookmark::Model,
    pub file: Option<file_info::Model>,
}

/// What a new bookmark says.
pub struct New {
    pub display_name: String,
    pub kind: String,
    pub link_url: String,
    pub image_url: String,
    pub emoji: String,
    pub file_id: String,
}

/// Adds a bookmark at the end of the channel's (400 beyond 50).
pub async fn create(caller: &Caller, c: &channel::Model, new: New) -> Result<Shown, ApiError> {
    let me = caller.session()?.user_id.clone();
    let now = now_millis();
    let mut row = bookmark::Model {
        id: new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        channel_id: c.id.clone(),
        owner_id: me,
        file_id: new.file_id,
        display_name: new.display_name,
        sort_order: 0,
        link_url: new.link_url,
        image_url: new.image_url,
        emoji: new.emoji,
        kind: new.kind,
        original_id: String::new(),
        parent_id: String::new(),
    };
    check(&row)?;
    let txn = caller.state.begin_write().await?;
    hold_channel(&txn, &c.id).await?;
    let shown = insert(&txn, &mut row, true).await?;
    txn.commit().await?;
    Ok(shown)
}

/// Inserts `row` (at the end when `at_end`), checking the channel's cap and its file.
async fn insert(
    db: &impl ConnectionTrait,
    row: &mut bookmark::Model,
    at_end: bool,
) -> Result<Shown, ApiError> {
    if live_in(&row.channel_id).count(db).await? >= MAX_PER_CHANNEL {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::SAVE,
            format!("A channel has at most {MAX_PER_CHANNEL} bookmarks."),
        ));
    }
    let file = if row.file_id.is_empty() {
        None
    } else {
        Some(bookmark_file(db, &row.channel_id, &row.file_id).await?)
    };
    if at_end {
        let last: Option<Option<i64>> = live_in(&row.channel_id)
            .select_only()
            .column_as(bookmark::Column::SortOrder.max(), "last")
            .into_tuple()
            .one(db)
            .await?;
        row.sort_order = last.flatten().map_or(0, |n| n + 1);
    }
    row.clone().into_active_model().insert(db).await?;
    Ok(Shown {
        bookmark: row.clone(),
        file,
    })
}

/// A live bookmark of the channel (404 `app.channel.bookmark.get.app_error`; a bookmark of
/// another channel is 400 `channel_id`, as Mattermost answers).
pub async fn get_in(
    db: &impl ConnectionTrait,
    channel_id: &str,
    id: &str,
) -> Result<bookmark::Model, ApiError> {
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::NOT_FOUND,
            "Unable to find the bookmark.",
        )
    };
    if !is_valid_id(id) {
        return Err(missing());
    }
    let found = bookmark::Entity::find_by_id(id.to_owned())
        .filter(bookmark::Column::DeleteAt.eq(0))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    if found.channel_id != channel_id {
        return Err(ApiError::invalid_param("channel_id"));
    }
    Ok(found)
}

/// What a patch may change.
#[derive(Default)]
pub struct Patch {
    pub file_id: Option<String>,
    pub display_name: Option<String>,
    pub sort_order: Option<i64>,
    pub link_url: Option<String>,
    pub image_url: Option<String>,
    pub emoji: Option<String>,
}

/// What an edit did: the bookmark as it is now, and the one it replaced (another's).
pub struct Updated {
    pub updated: Shown,
    pub deleted: Option<Shown>,
}

/// Applies `patch`. The owner's bookmark changes in place; anyone else's is deleted and
/// replaced by the patched copy, owned by the caller.
pub async fn update(
    caller: &Caller,
    original: bookmark::Model,
    patch: Patch,
) -> Result<Updated, ApiError> {
    let me = caller.session()?.user_id.clone();
    let mut row = original.clone();
    let set = |slot: &mut String, value: Option<String>| {
        if let Some(v) = value {
            *slot = v;
        }
    };
    set(&mut row.file_id, patch.file_id);
    set(&mut row.display_name, patch.display_name);
    set(&mut row.link_url, patch.link_url);
    set(&mut row.image_url, patch.image_url);
    set(&mut row.emoji, patch.emoji);
    if let Some(order) = patch.sort_order {
        row.sort_order = order;
    }
    check(&row)?;
    let now = now_millis();
    let txn = caller.state.begin_write().await?;
    hold_channel(&txn, &row.channel_id).await?;
    // Still there? (Deleted or replaced meanwhile: 404, as a fresh read would answer.)
    let current = get_in(&txn, &row.channel_id, &row.id).await?;
    let outcome = if current.owner_id == me {
        let file = if row.file_id.is_empty() {
            None
        } else if row.file_id == current.file_id {
            files::get(&txn, &row.file_id).await.ok()
        } else {
            Some(bookmark_file(&txn, &row.channel_id, &row.file_id).await?)
        };
        row.update_at = now;
        row.clone()
            .into_active_model()
            .reset_all()
            .update(&txn)
            .await?;
        Updated {
            updated: Shown {
                bookmark: row,
                file,
            },
            deleted: None,
        }
    } else {
        let mut gone = current.clone();
        gone.delete_at = now;
        gone.update_at = now;
        gone.clone()
            .into_active_model()
            .reset_all()
            .update(&txn)
            .await?;
        let mut copy = row;
        copy.original_id = current.id.clone();
        copy.id = new_id();
        copy.owner_id = me;
        copy.create_at = now;
        copy.update_at = now;
        copy.delete_at = 0;
        let updated = insert(&txn, &mut copy, false).await?;
        Updated {
            updated,
            deleted: Some(Shown {
                bookmark: gone,
                file: None,
            }),
        }
    };
    txn.commit().await?;
    Ok(outcome)
}

/// Deletes a bookmark (and the file it showed), answering it as deleted.
pub async fn delete(caller: &Caller, found: bookmark::Model) -> Result<Shown, ApiError> {
    let now = now_millis();
    let txn = caller.state.begin_write().await?;
    let gone = bookmark::Entity::update_many()
        .col_expr(bookmark::Column::DeleteAt, Expr::value(now))
        .col_expr(bookmark::Column::UpdateAt, Expr::value(now))
        .filter(bookmark::Column::Id.eq(&found.id))
        .filter(bookmark::Column::DeleteAt.eq(0))
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ids::NOT_FOUND,
            "Unable to find the bookmark.",
        ));
    }
    let mut file = None;
    if !found.file_id.is_empty() {
        file = files::get(&txn, &found.file_id).await.ok();
        file_info::Entity::update_many()
            .col_expr(file_info::Column::DeleteAt, Expr::value(now))
            .col_expr(file_info::Column::UpdateAt, Expr::value(now))
            .filter(file_info::Column::Id.eq(&found.file_id))
            .filter(file_info::Column::CreatorId.eq(BOOKMARK_OWNER))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    let mut bookmark = found;
    bookmark.delete_at = now;
    bookmark.update_at = now;
    Ok(Shown { bookmark, file })
}

/// Moves a bookmark to `index` among the channel's live ones (0 first) and numbers them
/// all again; answers them in their new order.
pub async fn sort(
    caller: &Caller,
    channel_id: &str,
    id: &str,
    index: i64,
) -> Result<Vec<Shown>, ApiError> {
    let now = now_millis();
    let txn = caller.state.begin_write().await?;
    hold_channel(&txn, channel_id).await?;
    let mut rows = list_rows(&txn, channel_id, 0).await?;
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    if index < 0 || index >= count {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::SORT_INVALID,
            "The new place is outside the channel's bookmarks.",
        ));
    }
    let Some(at) = rows.iter().position(|b| b.id == id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ids::SORT_MISSING,
            "Unable to find the bookmark to move.",
        ));
    };
    let moved = rows.remove(at);
    rows.insert(usize::try_from(index).unwrap_or_default(), moved);
    for (place, row) in rows.iter_mut().enumerate() {
        let place = i64::try_from(place).unwrap_or_default();
        if row.sort_order != place || row.id == id {
            bookmark::Entity::update_many()
                .col_expr(bookmark::Column::SortOrder, Expr::value(place))
                .col_expr(bookmark::Column::UpdateAt, Expr::value(now))
                .filter(bookmark::Column::Id.eq(&row.id))
                .exec(&txn)
                .await?;
            row.update_at = now;
        }
        row.sort_order = place;
    }
    let shown = with_files(&txn, rows).await?;
    txn.commit().await?;
    Ok(shown)
}

/// The channel's live bookmarks in order; with `since`, those changed or deleted since
/// then, deleted ones too (at most 100, as Mattermost).
async fn list_rows(
    db: &impl ConnectionTrait,
    channel_id: &str,
    since: i64,
) -> Result<Vec<bookmark::Model>, ApiError> {
    let mut query = bookmark::Entity::find().filter(bookmark::Column::ChannelId.eq(channel_id));
    query = if since > 0 {
        query.filter(
            Condition::any()
                .add(bookmark::Column::UpdateAt.gte(since))
                .add(bookmark::Column::DeleteAt.gte(since)),
        )
    } else {
        query.filter(bookmark::Column::DeleteAt.eq(0))
    };
    Ok(query
        .order_by_asc(bookmark::Column::SortOrder)
        .order_by_asc(bookmark::Column::DeleteAt)
        .limit(MAX_PER_CHANNEL * 2)
        .all(db)
        .await?)
}

async fn with_files(
    db: &impl ConnectionTrait,
    rows: Vec<bookmark::Model>,
) -> Result<Vec<Shown>, ApiError> {
    let file_ids: Vec<String> = rows
        .iter()
        .filter(|b| !b.file_id.is_empty())
        .map(|b| b.file_id.clone())
        .collect();
    let mut infos: HashMap<String, file_info::Model> = if file_ids.is_empty() {
        HashMap::new()
    } else {
        file_info::Entity::find()
            .filter(file_info::Column::Id.is_in(file_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id.clone(), f))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|b| Shown {
            file: infos.remove(&b.file_id),
            bookmark: b,
        })
        .collect())
}

/// ListChannelBookmarksForChannel's rows.
pub async fn list(
    db: &impl ConnectionTrait,
    channel_id: &str,
    since: i64,
) -> Result<Vec<Shown>, ApiError> {
    let rows = list_rows(db, channel_id, since).await?;
    with_files(db, rows).await
}

fn nonempty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// A bookmark as Mattermost's JSON has it (empty optional fields left out).
pub fn to_api(shown: Shown) -> types::ChannelBookmarkWithFileInfo {
    let b = shown.bookmark;
    types::ChannelBookmarkWithFileInfo {
        id: Some(b.id),
        create_at: Some(b.create_at),
        update_at: Some(b.update_at),
        delete_at: Some(b.delete_at),
        channel_id: Some(b.channel_id),
        owner_id: Some(b.owner_id),
        file_id: Some(b.file_id),
        display_name: Some(b.display_name),
        sort_order: Some(b.sort_order),
        link_url: nonempty(b.link_url),
        image_url: nonempty(b.image_url),
        emoji: nonempty(b.emoji),
        type_: Some(if b.kind == "file" {
            types::ChannelBookmarkWithFileInfoType::File
        } else {
            types::ChannelBookmarkWithFileInfoType::Link
        }),
        original_id: nonempty(b.original_id),
        parent_id: nonempty(b.parent_id),
        file: shown.file.as_ref().map(files::to_api),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str) -> bookmark::Model {
        bookmark::Model {
            id: new_id(),
            create_at: 1,
            update_at: 1,
            delete_at: 0,
            channel_id: new_id(),
            owner_id: new_id(),
            file_id: String::new(),
            display_name: "Docs".into(),
            sort_order: 0,
            link_url: url.into(),
            image_url: String::new(),
            emoji: String::new(),
            kind: "link".into(),
            original_id: String::new(),
            parent_id: String::new(),
        }
    }

    #[test]
    fn the_fields_follow_mattermosts_rules() {
        assert!(check(&link("https://example.com/docs")).is_ok());
        assert_eq!(
            check(&link("ftp://example.com")).unwrap_err().id,
            "model.channel_bookmark.is_valid.link_url.missing_or_invalid.app_error"
        );
        let mut unnamed = link("https://example.com");
        unnamed.display_name = "  ".into();
        assert_eq!(
            check(&unnamed).unwrap_err().id,
            "model.channel_bookmark.is_valid.display_name.app_error"
        );
        let mut file = link("");
        file.kind = "file".into();
        assert_eq!(
            check(&file).unwrap_err().id,
            "model.channel_bookmark.is_valid.file_id.missing_or_invalid.app_error"
        );
        file.file_id = new_id();
        file.image_url = "https://example.com/i.png".into();
        assert_eq!(
            check(&file).unwrap_err().id,
            "model.channel_bookmark.is_valid.link_file.app_error"
        );
    }
}
