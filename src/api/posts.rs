//! The `posts` tag: posting, reading channels and threads, editing, deleting, pinning.

use super::{Api, ok};
use crate::app::{channels, events, posting, posts, search, users};
use crate::auth::permissions::{has_channel, ids as perm, require_channel, require_user};
use crate::contract::{
    self, CreatePostQuery, DeletePostPath, GetFileInfosForPostPath, GetFileInfosForPostQuery,
    GetFlaggedPostsForUserPath, GetFlaggedPostsForUserQuery, GetPostPath, GetPostQuery,
    GetPostThreadPath, GetPostThreadQuery, GetPostsAroundLastUnreadPath,
    GetPostsAroundLastUnreadQuery, GetPostsForChannelPath, GetPostsForChannelQuery, PatchPostPath,
    PinPostPath, SearchPostsPath, SetPostUnreadPath, UnpinPostPath, UpdatePostPath, types,
};
use crate::error::ApiError;
use crate::ids::{is_valid_id, now_millis};
use crate::rt::Ctx;
use crate::store::entity::{channel, post};
use axum::http::StatusCode;

/// A session, a well-formed `post_id`, the post (deleted ones only when `include_deleted`)
/// and its channel, which the caller must be able to read.
pub(super) async fn readable_post(
    ctx: &Ctx,
    post_id: &str,
    include_deleted: bool,
) -> Result<(post::Model, channel::Model), ApiError> {
    ctx.session()?;
    if !is_valid_id(post_id) {
        return Err(ApiError::invalid_url_param("post_id"));
    }
    let db = ctx.state.db();
    let found = posts::get(db, post_id).await?;
    let c = channels::get(db, &found.channel_id).await?;
    channels::require_read(ctx, &c).await?;
    if found.delete_at != 0 && !include_deleted {
        return Err(posts::not_found());
    }
    Ok((found, c))
}

/// Editing takes edit_post in the channel for one's own post, edit_others_posts for
/// another's; system messages and deleted posts do not change, nor posts in archived
/// channels.
async fn editable_post(
    ctx: &Ctx,
    post_id: &str,
    archived_id: &'static str,
) -> Result<post::Model, ApiError> {
    let me = ctx.session()?.user_id.clone();
    if !is_valid_id(post_id) {
        return Err(ApiError::invalid_url_param("post_id"));
    }
    let db = ctx.state.db();
    let found = posts::get(db, post_id).await?;
    let needed = if found.user_id == me {
        perm::EDIT_POST
    } else {
        perm::EDIT_OTHERS_POSTS
    };
    require_channel(ctx, &found.channel_id, needed).await?;
    if found.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            posts::ids::ALREADY_DELETED,
            "The post is deleted.",
        ));
    }
    if found.post_type.starts_with("system_") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            posts::ids::SYSTEM_MESSAGE,
            "System messages are not edited.",
        ));
    }
    if channels::get(db, &found.channel_id).await?.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            archived_id,
            "The channel is archived.",
        ));
    }
    Ok(found)
}

/// Applies an edit: the message (which sets `edit_at`), the pin, the props (an empty or
/// absent props object leaves them as they are).
async fn apply_edit(
    ctx: &Ctx,
    mut found: post::Model,
    message: Option<String>,
    is_pinned: Option<bool>,
    props: Option<serde_json::Map<String, serde_json::Value>>,
    file_ids: Option<Vec<String>>,
) -> Result<types::Post, ApiError> {
    if let Some(message) = message
        && message != found.message
    {
        found.message = message;
        found.edit_at = now_millis();
    }
    if let Some(pinned) = is_pinned {
        found.is_pinned = pinned;
    }
    if let Some(props) = props {
        found.props = serde_json::Value::Object(props).to_string();
    }
    let txn = ctx.state.begin_write().await?;
    if let Some(wanted) = file_ids {
        let current: Vec<String> = serde_json::from_str(&found.file_ids).unwrap_or_default();
        if wanted != current {
            // The post's files become those asked for that it has or its author may attach
            // (their own uploads in the channel, in no post); the ones left out go.
            let kept: Vec<String> = wanted
                .iter()
                .filter(|id| current.contains(id))
                .cloned()
                .collect();
            let added: Vec<String> = wanted
                .iter()
                .filter(|id| !current.contains(id))
                .cloned()
                .collect();
            let attached = crate::app::files::attach(
                &txn,
                &found.id,
                &found.channel_id,
                &found.user_id,
                &added,
            )
            .await?;
            let now = now_millis();
            let removed: Vec<String> = current
                .into_iter()
                .filter(|id| !wanted.contains(id))
                .collect();
            crate::app::files::delete_from_post(&txn, &found.id, &removed, now).await?;
            let ids: Vec<String> = wanted
                .into_iter()
                .filter(|id| kept.contains(id) || attached.contains(id))
                .take(10)
                .collect();
            found.file_ids = serde_json::to_string(&ids).map_err(ApiError::internal)?;
            found.edit_at = now;
        }
    }
    let saved = posts::save(&txn, found).await?;
    txn.commit().await?;
    let db = ctx.state.db();
    let shown = posts::to_api_one(db, &saved).await?;
    let edited = events::post_edited(&saved.channel_id, &shown);
    ctx.state.events().publish(edited);
    Ok(shown)
}

async fn set_pinned(ctx: &Ctx, post_id: &str, pinned: bool) -> Result<types::StatusOk, ApiError> {
    let (mut found, c) = readable_post(ctx, post_id, false).await?;
    if c.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            posts::ids::UPDATE_DELETED_CHANNEL,
            "The channel is archived.",
        ));
    }
    require_channel(ctx, &c.id, perm::READ_CHANNEL).await?;
    found.is_pinned = pinned;
    let db = ctx.state.db();
    let saved = posts::save(db, found).await?;
    let shown = posts::to_api_one(db, &saved).await?;
    ctx.state
        .events()
        .publish(events::post_edited(&saved.channel_id, &shown));
    Ok(ok())
}

impl contract::PostsApi for Api {
    async fn do_post_action(
        ctx: &Ctx,
        path: contract::DoPostActionPath,
        body: Option<types::DoPostActionBody>,
    ) -> Result<types::DoPostActionResponse, ApiError> {
        super::actions::do_post_action(ctx, path, body).await
    }

    /// `GET /api/v4/channels/{channel_id}/posts`: readable channel. Newest first: a page,
    /// posts changed `since` a time (deleted ones too), or those `before`/`after` a post.
    async fn get_posts_for_channel(
        ctx: &Ctx,
        path: GetPostsForChannelPath,
        query: GetPostsForChannelQuery,
    ) -> Result<types::PostList, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.channel_id) {
            return Err(ApiError::invalid_url_param("channel_id"));
        }
        let db = ctx.state.db();
        let c = channels::get(db, &path.channel_id).await?;
        channels::require_read(ctx, &c).await?;
        let asked = posts::PageQuery {
            since: query.since,
            before: query.before.as_deref(),
            after: query.after.as_deref(),
            page: query.page,
            per_page: query.per_page,
        };
        let page = posts::Page::of(db, &c.id, asked).await?;
        let include_deleted = query.include_deleted == Some(true);
        let rows = posts::channel_posts(db, &c.id, page, include_deleted).await?;
        posts::post_list(db, rows).await
    }

    /// `POST /api/v4/posts`: create_post in the channel. The author is the caller;
    /// `@channel`/`@all`/`@here` notify everyone only with use_channel_mentions.
    async fn create_post(
        ctx: &Ctx,
        query: CreatePostQuery,
        body: types::CreatePostBody,
    ) -> Result<types::Post, ApiError> {
        let session = ctx.session()?;
        if !is_valid_id(&body.channel_id) {
            return Err(ApiError::invalid_param("channel_id"));
        }
        let mut props = body.props;
        // A bot's posts say so; bots' own clients skip them by it.
        if session.is_bot() {
            props.insert("from_bot".to_owned(), "true".into());
        }
        let post = posting::NewPost {
            user_id: session.user_id.clone(),
            root_id: body.root_id.unwrap_or_default(),
            message: body.message,
            props,
            file_ids: body.file_ids,
            pending_post_id: body.pending_post_id.unwrap_or_default(),
            post_type: String::new(),
        };
        let set_online = query.set_online.unwrap_or(true);
        let author = session.user_id.clone();
        let created = posting::create(ctx, body.channel_id, post, set_online).await?;
        crate::app::outgoing_hooks::after_post(ctx, &created);
        if set_online {
            crate::app::presence::set_online(ctx, &author, false).await?;
        }
        Ok(created)
    }

    /// `POST /api/v4/posts/ephemeral`: 201; create_post_ephemeral (system admins). The post
    /// is never stored: only `user_id`'s connections get it (`ephemeral_message`), as a
    /// `system_ephemeral` post by the caller.
    async fn create_post_ephemeral(
        ctx: &Ctx,
        body: types::CreatePostEphemeralBody,
    ) -> Result<types::Post, ApiError> {
        let me = ctx.session()?.user_id.clone();
        if body.user_id.is_empty() {
            return Err(ApiError::invalid_param("user_id"));
        }
        crate::auth::permissions::require_system(ctx, perm::CREATE_POST_EPHEMERAL).await?;
        let shown = crate::app::ephemeral::ephemeral(
            ctx,
            &body.user_id,
            crate::app::ephemeral::Ephemeral {
                author: me,
                channel_id: body.post.channel_id,
                root_id: body.post.root_id.unwrap_or_default(),
                message: body.post.message,
                props: body.post.props,
            },
        );
        Ok(shown)
    }

    /// `POST /api/v4/users/{user_id}/posts/{post_id}/ack`: the user (or who may act for
    /// them), read_channel_content in the post's channel.
    async fn save_acknowledgement_for_post(
        ctx: &Ctx,
        path: contract::SaveAcknowledgementForPostPath,
    ) -> Result<types::PostAcknowledgement, ApiError> {
        ack_allowed(ctx, &path.user_id, &path.post_id).await?;
        let saved = crate::app::acknowledgements::save(ctx, &path.post_id, &path.user_id).await?;
        Ok(crate::app::acknowledgements::to_api(&saved))
    }

    /// `DELETE /api/v4/users/{user_id}/posts/{post_id}/ack`: as the acknowledgement; within
    /// five minutes of it.
    async fn delete_acknowledgement_for_post(
        ctx: &Ctx,
        path: contract::DeleteAcknowledgementForPostPath,
    ) -> Result<types::StatusOk, ApiError> {
        ack_allowed(ctx, &path.user_id, &path.post_id).await?;
        crate::app::acknowledgements::delete(ctx, &path.post_id, &path.user_id).await?;
        Ok(super::ok())
    }

    /// `GET /api/v4/posts/{post_id}/files/info`: the post's files, as GetPost reads the
    /// post (deleted ones with `include_deleted`, which takes manage_system); an ETag of
    /// the post and the newest change.
    async fn get_file_infos_for_post(
        ctx: &Ctx,
        path: GetFileInfosForPostPath,
        query: GetFileInfosForPostQuery,
    ) -> Result<Vec<types::FileInfo>, ApiError> {
        let include_deleted = query.include_deleted == Some(true);
        if include_deleted {
            crate::auth::permissions::require_system(ctx, perm::MANAGE_SYSTEM).await?;
        }
        let (found, _) = readable_post(ctx, &path.post_id, include_deleted).await?;
        let infos =
            crate::app::files::for_posts(ctx.state.db(), vec![found.id.clone()], include_deleted)
                .await?;
        let version = crate::router::MATTERMOST_VERSION;
        let etag = match infos.iter().map(|f| f.update_at).max() {
            Some(newest) => format!("{version}.{}.{newest}", found.id),
            None => version.to_owned(),
        };
        ctx.etag(&etag)?;
        Ok(infos.iter().map(crate::app::files::to_api).collect())
    }

    /// `GET /api/v4/posts/{post_id}`: a readable channel; a deleted post only with
    /// `include_deleted`, which takes manage_system.
    async fn get_post(
        ctx: &Ctx,
        path: GetPostPath,
        query: GetPostQuery,
    ) -> Result<types::Post, ApiError> {
        let include_deleted = query.include_deleted == Some(true);
        if include_deleted {
            crate::auth::permissions::require_system(ctx, perm::MANAGE_SYSTEM).await?;
        }
        let (found, _) = readable_post(ctx, &path.post_id, include_deleted).await?;
        posts::to_api_one(ctx.state.db(), &found).await
    }

    /// `PUT /api/v4/posts/{post_id}`: edit_post for one's own, edit_others_posts otherwise.
    async fn update_post(
        ctx: &Ctx,
        path: UpdatePostPath,
        body: types::UpdatePostBody,
    ) -> Result<types::Post, ApiError> {
        if body.id != path.post_id {
            return Err(ApiError::invalid_param("id"));
        }
        let found = editable_post(ctx, &path.post_id, posts::ids::UPDATE_DELETED_CHANNEL).await?;
        let props = (!body.props.is_empty()).then_some(body.props);
        apply_edit(ctx, found, body.message, body.is_pinned, props, None).await
    }

    /// `DELETE /api/v4/posts/{post_id}`: delete_post for one's own, delete_others_posts
    /// otherwise. A root post takes its replies with it.
    async fn delete_post(ctx: &Ctx, path: DeletePostPath) -> Result<types::StatusOk, ApiError> {
        let me = ctx.session()?.user_id.clone();
        if !is_valid_id(&path.post_id) {
            return Err(ApiError::invalid_url_param("post_id"));
        }
        let db = ctx.state.db();
        let found = posts::get(db, &path.post_id).await?;
        let needed = if found.user_id == me {
            perm::DELETE_POST
        } else {
            perm::DELETE_OTHERS_POSTS
        };
        require_channel(ctx, &found.channel_id, needed).await?;
        if found.delete_at != 0 {
            return Err(posts::not_found());
        }
        if channels::get(db, &found.channel_id).await?.delete_at != 0 {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                posts::ids::DELETE_DELETED_CHANNEL,
                "The channel is archived.",
            ));
        }
        let shown = posts::to_api_one(db, &found).await?;
        let channel_id = found.channel_id.clone();
        let txn = ctx.state.begin_write().await?;
        posts::delete(&txn, found).await?;
        txn.commit().await?;
        for event in events::post_deleted(&channel_id, &shown, &me) {
            ctx.state.events().publish(event);
        }
        Ok(ok())
    }

    /// `PUT /api/v4/posts/{post_id}/patch`: as UpdatePost, for the fields sent.
    async fn patch_post(
        ctx: &Ctx,
        path: PatchPostPath,
        body: types::PatchPostBody,
    ) -> Result<types::Post, ApiError> {
        let found = editable_post(ctx, &path.post_id, posts::ids::PATCH_DELETED_CHANNEL).await?;
        let props = (!body.props.is_empty()).then_some(body.props);
        // An empty list is read as "unchanged" (clients patching the text send none).
        let file_ids = (!body.file_ids.is_empty()).then_some(body.file_ids);
        apply_edit(ctx, found, body.message, body.is_pinned, props, file_ids).await
    }

    /// `POST /api/v4/posts/{post_id}/pin`: read_channel in the post's channel.
    async fn pin_post(ctx: &Ctx, path: PinPostPath) -> Result<types::StatusOk, ApiError> {
        set_pinned(ctx, &path.post_id, true).await
    }

    /// `POST /api/v4/posts/{post_id}/unpin`: read_channel in the post's channel.
    async fn unpin_post(ctx: &Ctx, path: UnpinPostPath) -> Result<types::StatusOk, ApiError> {
        set_pinned(ctx, &path.post_id, false).await
    }

    /// `GET /api/v4/posts/{post_id}/thread`: a readable channel. The root and its live
    /// replies, newest first (the post may be any post of the thread).
    async fn get_post_thread(
        ctx: &Ctx,
        path: GetPostThreadPath,
        _query: GetPostThreadQuery,
    ) -> Result<types::PostList, ApiError> {
        let (found, _) = readable_post(ctx, &path.post_id, false).await?;
        let db = ctx.state.db();
        let root = if found.root_id.is_empty() {
            found
        } else {
            posts::get(db, &found.root_id).await?
        };
        let rows = posts::thread_posts(db, &root).await?;
        posts::post_list(db, rows).await
    }

    /// `POST /api/v4/users/{user_id}/posts/{post_id}/reminder`: the user (or who may act
    /// for them), read_channel_content in the post's channel.
    async fn set_post_reminder(
        ctx: &Ctx,
        path: contract::SetPostReminderPath,
        body: types::SetPostReminderBody,
    ) -> Result<types::StatusOk, ApiError> {
        super::actions::set_post_reminder(ctx, path, body).await
    }

    /// `POST /api/v4/users/{user_id}/posts/{post_id}/set_unread`: the user, in a channel
    /// they are in. The channel is unread from that post on.
    async fn set_post_unread(
        ctx: &Ctx,
        path: SetPostUnreadPath,
    ) -> Result<types::ChannelUnreadAt, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        let (found, c) = readable_post(ctx, &path.post_id, false).await?;
        let db = ctx.state.db();
        let m = channels::member(db, &c.id, &path.user_id)
            .await?
            .ok_or_else(channels::member_missing)?;
        let account = users::get(db, &path.user_id).await?;
        let everyone = has_channel(ctx, &c.id, perm::USE_CHANNEL_MENTIONS).await?;
        let now = posts::mark_unread_from(db, &c, m, &found, &account.username, everyone).await?;
        let unread = events::ChannelUnread {
            team_id: &c.team_id,
            channel_id: &c.id,
            post_id: &found.id,
            msg_count: now.msg_count,
            msg_count_root: now.msg_count_root,
            mention_count: now.mention_count,
            mention_count_root: now.mention_count_root,
            last_viewed_at: now.last_viewed_at,
        };
        let marked = events::post_unread(&path.user_id, &unread);
        ctx.state.events().publish(marked);
        Ok(types::ChannelUnreadAt {
            team_id: Some(c.team_id.clone()),
            channel_id: Some(c.id.clone()),
            msg_count: Some(now.msg_count),
            mention_count: Some(now.mention_count),
            last_viewed_at: Some(now.last_viewed_at),
        })
    }

    /// `GET /api/v4/users/{user_id}/channels/{channel_id}/posts/unread`: the user, in a
    /// channel they are in. The posts around where they stopped reading: up to
    /// `limit_after` newer (oldest first kept) and `limit_before` older, newest first.
    async fn get_posts_around_last_unread(
        ctx: &Ctx,
        path: GetPostsAroundLastUnreadPath,
        query: GetPostsAroundLastUnreadQuery,
    ) -> Result<types::PostList, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        if !is_valid_id(&path.channel_id) {
            return Err(ApiError::invalid_url_param("channel_id"));
        }
        require_channel(ctx, &path.channel_id, perm::READ_CHANNEL).await?;
        let limit = |v: Option<i64>, name: &str| -> Result<u64, ApiError> {
            let v = v.unwrap_or(60);
            if (0..=200).contains(&v) {
                Ok(u64::try_from(v).unwrap_or(60))
            } else {
                Err(ApiError::invalid_param(name))
            }
        };
        let before = limit(query.limit_before, "limit_before")?;
        let after = limit(query.limit_after, "limit_after")?;
        let db = ctx.state.db();
        let m = channels::member(db, &path.channel_id, &path.user_id)
            .await?
            .ok_or_else(channels::member_missing)?;
        let (rows, prev, next) =
            posts::around(db, &path.channel_id, m.last_viewed_at, before, after).await?;
        let mut list = posts::post_list(db, rows).await?;
        list.prev_post_id = Some(prev);
        list.has_next = Some(!next.is_empty());
        list.next_post_id = Some(next);
        Ok(list)
    }

    /// `POST /api/v4/teams/{team_id}/posts/search`: view_team. Only the channels of the
    /// team (and direct and group channels) the caller is a member of are searched:
    /// words (all of them, or any with `is_or_search`), `"phrases"`, `word*`, `-word`,
    /// `#hashtag`, `from:username`, `in:channel-name`, `on:`/`before:`/`after:` dates.
    async fn search_posts(
        ctx: &Ctx,
        path: SearchPostsPath,
        body: types::SearchPostsBody,
    ) -> Result<types::PostListWithSearchMatches, ApiError> {
        let me = ctx.session()?.user_id.clone();
        if ctx.state.busy_until().is_some() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "api.context.server_busy.app_error",
                "Server is busy, non-critical services are temporarily unavailable.",
            ));
        }
        if !is_valid_id(&path.team_id) {
            return Err(ApiError::invalid_url_param("team_id"));
        }
        crate::auth::permissions::require_team(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        if body.terms.trim().is_empty() {
            return Err(ApiError::invalid_param("terms"));
        }
        if body.page < 0 || !(1..=200).contains(&body.per_page) {
            return Err(ApiError::invalid_param("per_page"));
        }
        let scope = search::Scope {
            user_id: me,
            team_id: path.team_id,
            include_deleted_channels: body.include_deleted_channels == Some(true),
            is_or: body.is_or_search,
            time_zone_offset: body.time_zone_offset,
            offset: u64::try_from(body.page.saturating_mul(body.per_page)).unwrap_or(0),
            limit: u64::try_from(body.per_page).unwrap_or(60),
        };
        search::post_list(ctx, &body.terms, &scope).await
    }

    /// `GET /api/v4/users/{user_id}/posts/flagged`: the user or whoever may act for them.
    /// The live posts they flagged (the `flagged_post` preference) in channels they are a
    /// member of, newest first, optionally of one team or channel, paged by the database.
    async fn get_flagged_posts_for_user(
        ctx: &Ctx,
        path: GetFlaggedPostsForUserPath,
        query: GetFlaggedPostsForUserQuery,
    ) -> Result<types::PostList, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        for (value, name) in [
            (&query.team_id, "team_id"),
            (&query.channel_id, "channel_id"),
        ] {
            if value.as_deref().is_some_and(|v| !is_valid_id(v)) {
                return Err(ApiError::invalid_param(name));
            }
        }
        let db = ctx.state.db();
        let page = posts::flagged(
            db,
            &path.user_id,
            query.channel_id.as_deref(),
            query.team_id.as_deref(),
            u64::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0),
            u64::try_from(query.per_page).unwrap_or(60),
        )
        .await?;
        posts::post_list(db, page).await
    }

    /// `POST /api/v4/posts/ids`: a session. The live posts among the ids given whose
    /// channels the caller can read (others are left out).
    async fn get_posts_by_ids(ctx: &Ctx, body: Vec<String>) -> Result<Vec<types::Post>, ApiError> {
        ctx.session()?;
        super::ids_body(&body, "post_ids", 1000)?;
        let db = ctx.state.db();
        let mut out = Vec::new();
        for found in posts::readable_among(ctx, &body).await? {
            if found.delete_at == 0 {
                out.push(posts::to_api_one(db, &found).await?);
            }
        }
        Ok(out)
    }
}

/// Who may acknowledge a post for `user_id`: the user or whoever may act for them, with
/// read_channel_content in the post's channel.
async fn ack_allowed(ctx: &Ctx, user_id: &str, post_id: &str) -> Result<(), ApiError> {
    ctx.session()?;
    if !is_valid_id(post_id) {
        return Err(ApiError::invalid_url_param("post_id"));
    }
    if !is_valid_id(user_id) {
        return Err(ApiError::invalid_url_param("user_id"));
    }
    crate::auth::permissions::require_user(ctx, user_id).await?;
    let found = crate::app::posts::get(ctx.state.db(), post_id).await?;
    crate::auth::permissions::require_channel(ctx, &found.channel_id, perm::READ_CHANNEL_CONTENT)
        .await
}
