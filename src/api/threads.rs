//! The `threads` tag: the threads a user follows in a team (collapsed reply threads),
//! following and unfollowing, and what they have read of each.

use super::{Api, ok};
use crate::app::{events, posts, threads, users};
use crate::auth::permissions::{ids as perm, require_team, require_user};
use crate::contract::{
    self, GetThreadMentionCountsByChannelPath, GetUserThreadPath, GetUserThreadsPath,
    GetUserThreadsQuery, SetThreadUnreadByPostIdPath, StartFollowingThreadPath,
    StopFollowingThreadPath, UpdateThreadReadForUserPath, UpdateThreadsReadForUserPath, types,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;
use crate::store::entity::thread;
use std::collections::HashMap;

/// The user (or whoever may act for them) in a team they can see: 401, 400 for malformed
/// ids, 403.
async fn require_user_in_team(ctx: &Ctx, user_id: &str, team_id: &str) -> Result<(), ApiError> {
    users::require_session_and_id(ctx, user_id)?;
    if !is_valid_id(team_id) {
        return Err(ApiError::invalid_url_param("team_id"));
    }
    require_user(ctx, user_id).await?;
    require_team(ctx, team_id, perm::VIEW_TEAM).await
}

/// The thread `thread_id` (a root post with replies) in a channel the caller can read.
async fn readable_thread(ctx: &Ctx, thread_id: &str) -> Result<thread::Model, ApiError> {
    if !is_valid_id(thread_id) {
        return Err(ApiError::invalid_url_param("thread_id"));
    }
    threads::readable(ctx, thread_id).await
}

/// Publishes `thread_read_changed`: the thread is read up to `at`, with the unread counts
/// before and after.
fn publish_read(
    ctx: &Ctx,
    user_id: &str,
    team_id: &str,
    t: &thread::Model,
    at: i64,
    (before, after): (&types::UserThread, &types::UserThread),
) {
    let unread = |v: &types::UserThread| {
        (
            v.unread_mentions.unwrap_or(0),
            v.unread_replies.unwrap_or(0),
        )
    };
    let read = events::ThreadRead {
        thread_id: &t.post_id,
        channel_id: &t.channel_id,
        timestamp: at,
        before: unread(before),
        after: unread(after),
    };
    let changed = events::thread_read_changed(user_id, team_id, &read);
    ctx.state.events().publish(changed);
}

impl contract::ThreadsApi for Api {
    /// `GET /api/v4/users/{user_id}/teams/{team_id}/threads`: the user in a team they are
    /// in. The threads they follow there, most recently active first, with unread totals;
    /// `since` keeps those with replies after it, `deleted` keeps deleted ones.
    async fn get_user_threads(
        ctx: &Ctx,
        path: GetUserThreadsPath,
        query: GetUserThreadsQuery,
    ) -> Result<types::UserThreads, ApiError> {
        require_user_in_team(ctx, &path.user_id, &path.team_id).await?;
        let f = threads::Followed {
            user_id: &path.user_id,
            team_id: &path.team_id,
            include_deleted: query.deleted == Some(true),
            since: query.since.unwrap_or(0),
        };
        let threads = if query.totals_only == Some(true) {
            Vec::new()
        } else {
            let offset = u64::try_from(query.page.saturating_mul(query.per_page)).unwrap_or(0);
            let limit = u64::try_from(query.per_page).unwrap_or(0);
            threads::page(ctx, &f, offset, limit).await?
        };
        if query.threads_only == Some(true) {
            return Ok(types::UserThreads {
                total: None,
                total_unread_threads: None,
                total_unread_mentions: None,
                total_unread_urgent_mentions: None,
                threads,
            });
        }
        let (total, unread_threads, unread_mentions) = threads::totals(ctx, &f).await?;
        let count = |n: u64| Some(i64::try_from(n).unwrap_or(i64::MAX));
        Ok(types::UserThreads {
            total: count(total),
            total_unread_threads: count(unread_threads),
            total_unread_mentions: Some(unread_mentions),
            total_unread_urgent_mentions: Some(0),
            threads,
        })
    }

    /// `GET /api/v4/users/{user_id}/teams/{team_id}/threads/mention_counts`: as
    /// GetUserThreads. Unread thread mentions by channel.
    async fn get_thread_mention_counts_by_channel(
        ctx: &Ctx,
        path: GetThreadMentionCountsByChannelPath,
    ) -> Result<HashMap<String, i64>, ApiError> {
        require_user_in_team(ctx, &path.user_id, &path.team_id).await?;
        threads::mention_counts(ctx, &path.user_id, &path.team_id).await
    }

    /// `PUT /api/v4/users/{user_id}/teams/{team_id}/threads/read`: as GetUserThreads.
    /// Every followed thread there is read now.
    async fn update_threads_read_for_user(
        ctx: &Ctx,
        path: UpdateThreadsReadForUserPath,
    ) -> Result<types::StatusOk, ApiError> {
        require_user_in_team(ctx, &path.user_id, &path.team_id).await?;
        threads::mark_all_read(ctx, &path.user_id, &path.team_id).await?;
        let read = events::threads_read(&path.user_id, &path.team_id);
        ctx.state.events().publish(read);
        Ok(ok())
    }

    /// `GET /api/v4/users/{user_id}/teams/{team_id}/threads/{thread_id}`: as
    /// GetUserThreads, in a readable channel.
    async fn get_user_thread(
        ctx: &Ctx,
        path: GetUserThreadPath,
    ) -> Result<types::UserThread, ApiError> {
        require_user_in_team(ctx, &path.user_id, &path.team_id).await?;
        let t = readable_thread(ctx, &path.thread_id).await?;
        threads::view(ctx, &t, &path.user_id).await
    }

    /// `PUT …/threads/{thread_id}/following`: the user follows the thread.
    async fn start_following_thread(
        ctx: &Ctx,
        path: StartFollowingThreadPath,
    ) -> Result<types::StatusOk, ApiError> {
        require_user_in_team(ctx, &path.user_id, &path.team_id).await?;
        let t = readable_thread(ctx, &path.thread_id).await?;
        let follow = posts::MembershipChange::follow(true);
        posts::upsert_membership(ctx.state.db(), &t.post_id, &path.user_id, follow).await?;
        let (user, team) = (&path.user_id, &path.team_id);
        let changed = events::thread_follow_changed(user, team, &t.post_id, true, t.reply_count);
        ctx.state.events().publish(changed);
        Ok(ok())
    }

    /// `DELETE …/threads/{thread_id}/following`: the user stops following the thread.
    async fn stop_following_thread(
        ctx: &Ctx,
        path: StopFollowingThreadPath,
    ) -> Result<types::StatusOk, ApiError> {
        require_user_in_team(ctx, &path.user_id, &path.team_id).await?;
        let t = readable_thread(ctx, &path.thread_id).await?;
        let unfollow = posts::MembershipChange::follow(false);
        posts::upsert_membership(ctx.state.db(), &t.post_id, &path.user_id, unfollow).await?;
        let (user, team) = (&path.user_id, &path.team_id);
        let changed = events::thread_follow_changed(user, team, &t.post_id, false, t.reply_count);
        ctx.state.events().publish(changed);
        Ok(ok())
    }

    /// `PUT …/threads/{thread_id}/read/{timestamp}`: the thread counts as read up to
    /// `timestamp` (milliseconds).
    async fn update_thread_read_for_user(
        ctx: &Ctx,
        path: UpdateThreadReadForUserPath,
    ) -> Result<types::UserThread, ApiError> {
        require_user_in_team(ctx, &path.user_id, &path.team_id).await?;
        let at: i64 = path
            .timestamp
            .parse()
            .map_err(|_| ApiError::invalid_url_param("timestamp"))?;
        let t = readable_thread(ctx, &path.thread_id).await?;
        let before = threads::view(ctx, &t, &path.user_id).await?;
        posts::mark_read(ctx.state.db(), &t, &path.user_id, at).await?;
        let after = threads::view(ctx, &t, &path.user_id).await?;
        publish_read(ctx, &path.user_id, &path.team_id, &t, at, (&before, &after));
        Ok(after)
    }

    /// `POST …/threads/{thread_id}/set_unread/{post_id}`: the thread is unread from that
    /// reply on.
    async fn set_thread_unread_by_post_id(
        ctx: &Ctx,
        path: SetThreadUnreadByPostIdPath,
    ) -> Result<types::UserThread, ApiError> {
        require_user_in_team(ctx, &path.user_id, &path.team_id).await?;
        if !is_valid_id(&path.post_id) {
            return Err(ApiError::invalid_url_param("post_id"));
        }
        let t = readable_thread(ctx, &path.thread_id).await?;
        let before = threads::view(ctx, &t, &path.user_id).await?;
        threads::set_unread_from(ctx, &t, &path.user_id, &path.post_id).await?;
        let after = threads::view(ctx, &t, &path.user_id).await?;
        let at = after.last_viewed_at.unwrap_or_default();
        publish_read(ctx, &path.user_id, &path.team_id, &t, at, (&before, &after));
        Ok(after)
    }
}
