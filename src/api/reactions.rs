//! The `reactions` tag: emoji reactions to posts.

use super::{Api, ok};
use crate::app::reactions::{self, is_valid_emoji_name, to_api};
use crate::app::{channels, events, posts};
use crate::auth::permissions::{has_system, ids as perm, require_channel};
use crate::contract::{self, DeleteReactionPath, GetReactionsPath, types};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::Ctx;
use axum::http::StatusCode;
use std::collections::HashMap;

impl contract::ReactionsApi for Api {
    /// `POST /api/v4/reactions`: one's own reaction, with add_reaction in the post's
    /// channel. Reacting twice with the same emoji changes nothing.
    async fn save_reaction(ctx: &Ctx, body: types::Reaction) -> Result<types::Reaction, ApiError> {
        let me = ctx.session()?.user_id.clone();
        let user_id = body.user_id.unwrap_or_default();
        let post_id = body.post_id.unwrap_or_default();
        let emoji = body.emoji_name.unwrap_or_default();
        if !is_valid_id(&user_id) {
            return Err(ApiError::invalid_param("user_id"));
        }
        if !is_valid_id(&post_id) {
            return Err(ApiError::invalid_param("post_id"));
        }
        if !is_valid_emoji_name(&emoji) {
            return Err(ApiError::invalid_param("emoji_name"));
        }
        if user_id != me {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                reactions::ids::NOT_YOURS,
                "You may only react as yourself.",
            ));
        }
        let db = ctx.state.db();
        let found = posts::get(db, &post_id).await?;
        require_channel(ctx, &found.channel_id, perm::ADD_REACTION).await?;
        crate::app::emoji::require_exists(ctx, &emoji).await?;
        let found = reactions::live_post(db, &post_id, reactions::ids::SAVE_ARCHIVED).await?;
        let stored = reactions::save(db, &found, &me, &emoji).await?;
        let shown = to_api(stored);
        let added = events::reaction("reaction_added", &found.channel_id, &shown);
        ctx.state.events().publish(added);
        Ok(shown)
    }

    /// `GET /api/v4/posts/{post_id}/reactions`: a readable channel. Oldest first.
    async fn get_reactions(
        ctx: &Ctx,
        path: GetReactionsPath,
    ) -> Result<Vec<types::Reaction>, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.post_id) {
            return Err(ApiError::invalid_url_param("post_id"));
        }
        let db = ctx.state.db();
        let found = posts::get(db, &path.post_id).await?;
        channels::require_read(ctx, &channels::get(db, &found.channel_id).await?).await?;
        let rows = reactions::of_posts(db, vec![found.id]).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// `DELETE /api/v4/users/{user_id}/posts/{post_id}/reactions/{emoji_name}`: one's own
    /// with remove_reaction in the channel; someone else's also takes
    /// remove_others_reactions.
    async fn delete_reaction(
        ctx: &Ctx,
        path: DeleteReactionPath,
    ) -> Result<types::StatusOk, ApiError> {
        let me = ctx.session()?.user_id.clone();
        if !is_valid_id(&path.user_id) {
            return Err(ApiError::invalid_url_param("user_id"));
        }
        if !is_valid_id(&path.post_id) {
            return Err(ApiError::invalid_url_param("post_id"));
        }
        if !is_valid_emoji_name(&path.emoji_name) {
            return Err(ApiError::invalid_url_param("emoji_name"));
        }
        let db = ctx.state.db();
        let found = posts::get(db, &path.post_id).await?;
        require_channel(ctx, &found.channel_id, perm::REMOVE_REACTION).await?;
        if path.user_id != me && !has_system(ctx, perm::REMOVE_OTHERS_REACTIONS).await? {
            return Err(ApiError::forbidden().detail("needs remove_others_reactions"));
        }
        let found =
            reactions::live_post(db, &path.post_id, reactions::ids::DELETE_ARCHIVED).await?;
        let gone = reactions::remove(db, &found, &path.user_id, &path.emoji_name).await?;
        let removed = events::reaction("reaction_removed", &found.channel_id, &to_api(gone));
        ctx.state.events().publish(removed);
        Ok(ok())
    }

    /// `POST /api/v4/posts/ids/reactions`: a session. The reactions of each post given
    /// whose channel the caller can read (every such post appears, with none if need be).
    async fn get_bulk_reactions(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<types::PostIdToReactionsMap, ApiError> {
        ctx.session()?;
        super::ids_body(&body, "post_ids", 1000)?;
        let readable: Vec<String> = posts::readable_among(ctx, &body)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let mut map: HashMap<String, Vec<types::Reaction>> =
            readable.iter().map(|id| (id.clone(), Vec::new())).collect();
        for r in reactions::of_posts(ctx.state.db(), readable).await? {
            map.entry(r.post_id.clone()).or_default().push(to_api(r));
        }
        Ok(types::PostIdToReactionsMap(map))
    }
}
