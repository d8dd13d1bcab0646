//! The `bookmarks` tag: channel bookmarks. Available without a licence (Mattermost asks for
//! one and answers 501 `api.channel.bookmark.channel_bookmark.license.error` without).

use super::Api;
use crate::app::bookmarks::{self, Action, New, Patch, to_api};
use crate::app::{channels, events::Broadcast, events::Event};
use crate::auth::permissions::{self, ids as perm};
use crate::contract::{self, types};
use crate::contract::{
    CreateChannelBookmarkPath, DeleteChannelBookmarkPath, ListChannelBookmarksForChannelPath,
    ListChannelBookmarksForChannelQuery, UpdateChannelBookmarkPath,
    UpdateChannelBookmarkSortOrderPath,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;

fn channel_id(id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("channel_id"))
    }
}

/// Tells the channel's members but the requesting connection (its `Connection-Id`).
fn publish(ctx: &Ctx, event: &str, channel_id: &str, key: &str, value: &impl serde::Serialize) {
    let omit = ctx.header("connection-id").unwrap_or_default();
    let event = Event::new(event, Broadcast::channel_but(channel_id, omit)).with_json(key, value);
    ctx.state.events().publish(event);
}

impl contract::BookmarksApi for Api {
    /// `GET /api/v4/channels/{channel_id}/bookmarks`: read_channel_content; in order, or
    /// with `bookmarks_since` what changed since then (deleted ones too).
    async fn list_channel_bookmarks_for_channel(
        ctx: &Ctx,
        path: ListChannelBookmarksForChannelPath,
        query: ListChannelBookmarksForChannelQuery,
    ) -> Result<Vec<types::ChannelBookmarkWithFileInfo>, ApiError> {
        channel_id(&path.channel_id)?;
        permissions::require_channel(ctx, &path.channel_id, perm::READ_CHANNEL_CONTENT).await?;
        let since = query.bookmarks_since.unwrap_or(0);
        let rows = bookmarks::list(ctx.state.db(), &path.channel_id, since).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `POST /api/v4/channels/{channel_id}/bookmarks`: add_bookmark_public_channel /
    /// add_bookmark_private_channel; in a direct or group channel, any member but a guest.
    async fn create_channel_bookmark(
        ctx: &Ctx,
        path: CreateChannelBookmarkPath,
        body: types::CreateChannelBookmarkBody,
    ) -> Result<types::ChannelBookmarkWithFileInfo, ApiError> {
        channel_id(&path.channel_id)?;
        let db = ctx.state.db();
        let channel = channels::get(db, &path.channel_id).await?;
        bookmarks::permit(ctx, &channel, Action::Add).await?;
        let new = New {
            display_name: body.display_name,
            kind: match body.type_ {
                types::CreateChannelBookmarkBodyType::File => "file".to_owned(),
                types::CreateChannelBookmarkBodyType::Link => "link".to_owned(),
            },
            link_url: body.link_url.unwrap_or_default(),
            image_url: body.image_url.unwrap_or_default(),
            emoji: body.emoji.unwrap_or_default(),
            file_id: body.file_id.unwrap_or_default(),
        };
        let created = to_api(bookmarks::create(ctx, &channel, new).await?);
        publish(
            ctx,
            "channel_bookmark_created",
            &channel.id,
            "bookmark",
            &created,
        );
        Ok(created)
    }

    /// `PATCH /api/v4/channels/{channel_id}/bookmarks/{bookmark_id}`: edit_bookmark_*;
    /// another's bookmark is replaced by the caller's edited copy (`deleted` names it).
    async fn update_channel_bookmark(
        ctx: &Ctx,
        path: UpdateChannelBookmarkPath,
        body: types::UpdateChannelBookmarkBody,
    ) -> Result<types::UpdateChannelBookmarkResponse, ApiError> {
        channel_id(&path.channel_id)?;
        let db = ctx.state.db();
        let original = bookmarks::get_in(db, &path.channel_id, &path.bookmark_id).await?;
        let channel = channels::get(db, &path.channel_id).await?;
        bookmarks::permit(ctx, &channel, Action::Edit).await?;
        let patch = Patch {
            file_id: body.file_id,
            display_name: body.display_name,
            sort_order: body.sort_order,
            link_url: body.link_url,
            image_url: body.image_url,
            emoji: body.emoji,
        };
        let done = bookmarks::update(ctx, original, patch).await?;
        let reply = types::UpdateChannelBookmarkResponse {
            updated: Some(to_api(done.updated)),
            deleted: done.deleted.map(to_api),
        };
        publish(
            ctx,
            "channel_bookmark_updated",
            &channel.id,
            "bookmarks",
            &reply,
        );
        Ok(reply)
    }

    /// `DELETE /api/v4/channels/{channel_id}/bookmarks/{bookmark_id}`: delete_bookmark_*;
    /// answers the bookmark as deleted.
    async fn delete_channel_bookmark(
        ctx: &Ctx,
        path: DeleteChannelBookmarkPath,
    ) -> Result<types::ChannelBookmarkWithFileInfo, ApiError> {
        channel_id(&path.channel_id)?;
        let db = ctx.state.db();
        let channel = channels::get(db, &path.channel_id).await?;
        bookmarks::permit(ctx, &channel, Action::Delete).await?;
        let found = bookmarks::get_in(db, &path.channel_id, &path.bookmark_id).await?;
        let deleted = to_api(bookmarks::delete(ctx, found).await?);
        publish(
            ctx,
            "channel_bookmark_deleted",
            &channel.id,
            "bookmark",
            &deleted,
        );
        Ok(deleted)
    }

    /// `POST /api/v4/channels/{channel_id}/bookmarks/{bookmark_id}/sort_order`: the body is
    /// the new place (0 first); order_bookmark_*. Answers all of them in the new order.
    async fn update_channel_bookmark_sort_order(
        ctx: &Ctx,
        path: UpdateChannelBookmarkSortOrderPath,
        body: Option<i64>,
    ) -> Result<Vec<types::ChannelBookmarkWithFileInfo>, ApiError> {
        channel_id(&path.channel_id)?;
        let index = body
            .filter(|i| *i >= 0)
            .ok_or_else(|| ApiError::invalid_param("channelBookmarkSortOrder"))?;
        let db = ctx.state.db();
        let channel = channels::get(db, &path.channel_id).await?;
        bookmarks::permit(ctx, &channel, Action::Order).await?;
        let sorted: Vec<_> = bookmarks::sort(ctx, &channel.id, &path.bookmark_id, index)
            .await?
            .into_iter()
            .map(to_api)
            .collect();
        publish(
            ctx,
            "channel_bookmark_sorted",
            &channel.id,
            "bookmarks",
            &sorted,
        );
        Ok(sorted)
    }
}
