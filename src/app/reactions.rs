//! Emoji reactions to posts: the name rule, the post they may be given to, storing one
//! (twice at once stores it once) and removing one, and the reactions of posts.

use super::{channels, posts};
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::{post, reaction};
use axum::http::StatusCode;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

pub mod ids {
    pub const NOT_YOURS: &str = "api.reaction.save_reaction.user_id.app_error";
    pub const SAVE_ARCHIVED: &str = "api.reaction.save.archived_channel.app_error";
    pub const DELETE_ARCHIVED: &str = "api.reaction.delete.archived_channel.app_error";
}

/// Mattermost's emoji names: 1 to 64 of letters, digits, `-`, `+` and `_`.
pub fn is_valid_emoji_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'+' || b == b'_')
}

pub fn to_api(r: reaction::Model) -> types::Reaction {
    types::Reaction {
        user_id: Some(r.user_id),
        post_id: Some(r.post_id),
        emoji_name: Some(r.emoji_name),
        create_at: Some(r.create_at),
    }
}

/// A live post whose channel is not archived (`archived` names the 400 otherwise).
pub async fn live_post(
    db: &impl ConnectionTrait,
    post_id: &str,
    archived: &'static str,
) -> Result<post::Model, ApiError> {
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

fn reaction_row(p: &post::Model, user_id: &str, emoji: &str, create_at: i64) -> reaction::Model {
    reaction::Model {
        post_id: p.id.clone(),
        user_id: user_id.to_owned(),
        emoji_name: emoji.to_owned(),
        channel_id: p.channel_id.clone(),
        create_at,
    }
}

/// Stores `user_id`'s reaction `emoji` to `p`, and answers it as stored: the same reaction
/// sent twice at once is inserted once and both answer the stored one.
pub async fn save(
    db: &impl ConnectionTrait,
    p: &post::Model,
    user_id: &str,
    emoji: &str,
) -> Result<reaction::Model, ApiError> {
    let row = reaction_row(p, user_id, emoji, now_millis());
    reaction::Entity::insert(row.clone().into_active_model())
        .on_conflict(
            OnConflict::columns([
                reaction::Column::PostId,
                reaction::Column::UserId,
                reaction::Column::EmojiName,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let stored = reaction::Entity::find_by_id((p.id.clone(), user_id.to_owned(), emoji.to_owned()))
        .one(db)
        .await?;
    Ok(stored.unwrap_or(row))
}

/// Removes `user_id`'s reaction `emoji` to `p` (gone already: nothing to do), and answers
/// the reaction as Mattermost reports it removed (from the request, not the stored row).
pub async fn remove(
    db: &impl ConnectionTrait,
    p: &post::Model,
    user_id: &str,
    emoji: &str,
) -> Result<reaction::Model, ApiError> {
    let gone = reaction_row(p, user_id, emoji, 0);
    reaction::Entity::delete_by_id((
        gone.post_id.clone(),
        gone.user_id.clone(),
        gone.emoji_name.clone(),
    ))
    .exec(db)
    .await?;
    Ok(gone)
}

/// The reactions to `post_ids`, oldest first.
pub async fn of_posts(
    db: &impl ConnectionTrait,
    post_ids: Vec<String>,
) -> Result<Vec<reaction::Model>, ApiError> {
    Ok(reaction::Entity::find()
        .filter(reaction::Column::PostId.is_in(post_ids))
        .order_by_asc(reaction::Column::CreateAt)
        .all(db)
        .await?)
}
