//! Acknowledgements of posts, as Mattermost keeps them (without a licence here): a user
//! acknowledges a post they can read in a live channel; they may take it back within five
//! minutes. The channel hears of both.

use super::events::{Broadcast, Event};
use super::{channels, posts};
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::{post, post_acknowledgement as ack};
use axum::http::StatusCode;
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, IntoActiveModel};

/// How long an acknowledgement may be taken back.
const UNDO_WINDOW_MS: i64 = 5 * 60 * 1000;

pub fn to_api(a: &ack::Model) -> types::PostAcknowledgement {
    types::PostAcknowledgement {
        user_id: Some(a.user_id.clone()),
        post_id: Some(a.post_id.clone()),
        acknowledged_at: Some(a.acknowledged_at),
    }
}

/// The live post in a live channel (403 with `archived` for an archived one).
async fn live(
    caller: &Caller,
    post_id: &str,
    archived: &'static str,
) -> Result<post::Model, ApiError> {
    let db = caller.state.db();
    let found = posts::get(db, post_id).await?;
    if found.delete_at != 0 {
        return Err(posts::not_found());
    }
    if channels::get(db, &found.channel_id).await?.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            archived,
            "The channel is archived.",
        ));
    }
    Ok(found)
}

fn publish(caller: &Caller, event: &str, channel_id: &str, a: &ack::Model) {
    let event =
        Event::new(event, Broadcast::channel(channel_id)).with_json("acknowledgement", &to_api(a));
    caller.state.events().publish(event);
}

/// Acknowledges `post_id` for `user_id` (again: the time moves on).
pub async fn save(caller: &Caller, post_id: &str, user_id: &str) -> Result<ack::Model, ApiError> {
    let found = live(
        caller,
        post_id,
        "api.acknowledgement.save.archived_channel.app_error",
    )
    .await?;
    let row = ack::Model {
        post_id: found.id.clone(),
        user_id: user_id.to_owned(),
        channel_id: found.channel_id.clone(),
        acknowledged_at: now_millis(),
    };
    ack::Entity::insert(row.clone().into_active_model())
        .on_conflict(
            OnConflict::columns([ack::Column::PostId, ack::Column::UserId])
                .update_column(ack::Column::AcknowledgedAt)
                .to_owned(),
        )
        .exec_without_returning(caller.state.db())
        .await?;
    publish(
        caller,
        "post_acknowledgement_added",
        &found.channel_id,
        &row,
    );
    Ok(row)
}

/// Takes an acknowledgement back: 404 without one, 403 after five minutes.
pub async fn delete(caller: &Caller, post_id: &str, user_id: &str) -> Result<(), ApiError> {
    let found = live(
        caller,
        post_id,
        "api.acknowledgement.delete.archived_channel.app_error",
    )
    .await?;
    let db = caller.state.db();
    let old = ack::Entity::find_by_id((found.id.clone(), user_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "app.acknowledgement.get.app_error",
                "There is no acknowledgement to take back.",
            )
        })?;
    if now_millis() - old.acknowledged_at > UNDO_WINDOW_MS {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "api.acknowledgement.delete.deadline.app_error",
            "An acknowledgement can only be taken back within five minutes.",
        ));
    }
    ack::Entity::delete_by_id((old.post_id.clone(), old.user_id.clone()))
        .exec(db)
        .await?;
    publish(
        caller,
        "post_acknowledgement_removed",
        &found.channel_id,
        &old,
    );
    Ok(())
}
