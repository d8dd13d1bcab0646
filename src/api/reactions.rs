//! The `reactions` tag: emoji reactions to posts.

use super::{Api, ok};
use crate::app::{channels, events, posts};
use crate::auth::permissions::{has_system, ids as perm, require_channel};
use crate::contract::{self, DeleteReactionPath, GetReactionsPath, types};
use crate::error::ApiError;
use crate::ids::{is_valid_id, now_millis};
use crate::rt::Ctx;
use crate::store::entity::{post, reaction};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// Mattermost's emoji names: 1 to 64 of letters, digits, `-`, `+` and `_`.
fn is_valid_emoji_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'+' || b == b'_')
}

fn to_api(r: reaction::Model) -> types::Reaction {
    types::Reaction {
        user_id: Some(r.user_id),
        post_id: Some(r.post_id),
        emoji_name: Some(r.emoji_name),
        create_at: Some(r.create_at),
    }
}

/// A live post whose channel is not archived (`archived` names the 400 otherwise).
async fn live_post(
    ctx: &Ctx,
    post_id: &str,
    archived: &'static str,
) -> Result<post::Model, ApiError> {
    let db = ctx.state.db();
    let found = posts::get(db, post_id).await?;
    if found.delete_at != 0 {
        return Err(posts::not_found());
    }
    if channels::get(db, &found.channel_id).await?.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            archived,
            "The channel is archived.",
        ));
    }
    Ok(found)
}

async fn reactions_of(ctx: &Ctx, post_ids: Vec<String>) -> Result<Vec<reaction::Model>, ApiError> {
    Ok(reaction::Entity::find()
        .filter(reaction::Column::PostId.is_in(post_ids))
        .order_by_asc(reaction::Column::CreateAt)
        .all(ctx.state.db())
        .await?)
}

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
                "api.reaction.save_reaction.user_id.app_error",
                "You may only react as yourself.",
            ));
        }
        let db = ctx.state.db();
        let found = posts::get(db, &post_id).await?;
        require_channel(ctx, &found.channel_id, perm::ADD_REACTION).await?;
        let found = live_post(
            ctx,
            &post_id,
            "api.reaction.save.archived_channel.app_error",
        )
        .await?;
        let row = reaction::Model {
            post_id: found.id.clone(),
            user_id: me.clone(),
            emoji_name: emoji.clone(),
            channel_id: found.channel_id.clone(),
            create_at: now_millis(),
        };
        // The same reaction sent twice at once: one insert wins, both answer what is stored.
        reaction::Entity::insert(row.clone().into_active_model())
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    reaction::Column::PostId,
                    reaction::Column::UserId,
                    reaction::Column::EmojiName,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        let stored = reaction::Entity::find_by_id((found.id.clone(), me, emoji))
            .one(db)
            .await?
            .unwrap_or(row);
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
        let rows = reactions_of(ctx, vec![found.id]).await?;
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
        live_post(
            ctx,
            &path.post_id,
            "api.reaction.delete.archived_channel.app_error",
        )
        .await?;
        let gone = reaction::Model {
            post_id: path.post_id,
            user_id: path.user_id,
            emoji_name: path.emoji_name,
            channel_id: found.channel_id.clone(),
            create_at: 0,
        };
        reaction::Entity::delete_by_id((
            gone.post_id.clone(),
            gone.user_id.clone(),
            gone.emoji_name.clone(),
        ))
        .exec(db)
        .await?;
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
        for r in reactions_of(ctx, readable).await? {
            map.entry(r.post_id.clone()).or_default().push(to_api(r));
        }
        Ok(types::PostIdToReactionsMap(map))
    }
}
