//! The `status` tag: a user's presence (online, away, offline, do not disturb) as others
//! see it, and the custom status (emoji and text) they show beside their name.

use super::Api;
use crate::app::{status, users};
use crate::auth::permissions::require_user;
use crate::contract::{
    self, GetUserStatusPath, PostUserRecentCustomStatusDeletePath, RemoveRecentCustomStatusPath,
    UnsetUserCustomStatusPath, UpdateUserCustomStatusPath, UpdateUserStatusPath, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;
use crate::store::entity::user;

/// The user's, with custom statuses on (TeamSettings.EnableCustomUserStatuses).
async fn custom_status_owner(ctx: &Ctx, user_id: &str) -> Result<user::Model, ApiError> {
    users::require_session_and_id(ctx, user_id)?;
    require_user(ctx, user_id).await?;
    status::require_custom_statuses(ctx)?;
    users::get(ctx.state.db(), user_id).await
}

fn status_ok() -> serde_json::Value {
    serde_json::json!({"status": "OK"})
}

impl contract::StatusApi for Api {
    /// `PUT /api/v4/users/{user_id}/status/custom`: the user or edit_other_users, with
    /// custom statuses on. Emoji (a name) and text (at most 100 characters) show beside the
    /// name; the status joins the five recent ones.
    async fn update_user_custom_status(
        ctx: &Ctx,
        path: UpdateUserCustomStatusPath,
        body: types::UpdateUserCustomStatusBody,
    ) -> Result<serde_json::Value, ApiError> {
        let account = custom_status_owner(ctx, &path.user_id).await?;
        let custom = status::custom_status(body)?;
        // The emoji must exist (a system one or a live custom one) when the status is set.
        let emoji = custom["emoji"].as_str().unwrap_or_default();
        if !emoji.is_empty()
            && let Err(e) = crate::app::emoji::require_exists(ctx, emoji).await
        {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "api.custom_status.set_custom_statuses.emoji_not_found",
                "The custom status's emoji does not exist.",
            )
            .detail(e.message));
        }
        status::set_custom(ctx, account, Some(custom)).await?;
        super::publish_account_of(ctx, &path.user_id).await?;
        Ok(status_ok())
    }

    /// `DELETE /api/v4/users/{user_id}/status/custom`: as UpdateUserCustomStatus; clears
    /// it.
    async fn unset_user_custom_status(
        ctx: &Ctx,
        path: UnsetUserCustomStatusPath,
    ) -> Result<serde_json::Value, ApiError> {
        let account = custom_status_owner(ctx, &path.user_id).await?;
        status::set_custom(ctx, account, None).await?;
        super::publish_account_of(ctx, &path.user_id).await?;
        Ok(status_ok())
    }

    /// `DELETE /api/v4/users/{user_id}/status/custom/recent`: as UpdateUserCustomStatus;
    /// forgets one of the recent statuses.
    async fn remove_recent_custom_status(
        ctx: &Ctx,
        path: RemoveRecentCustomStatusPath,
        body: types::RemoveRecentCustomStatusBody,
    ) -> Result<serde_json::Value, ApiError> {
        custom_status_owner(ctx, &path.user_id).await?;
        status::forget_recent(ctx, &path.user_id, &body.emoji, &body.text).await?;
        Ok(status_ok())
    }

    /// `POST /api/v4/users/{user_id}/status/custom/recent/delete`: the same, for clients
    /// that cannot send a body with DELETE.
    async fn post_user_recent_custom_status_delete(
        ctx: &Ctx,
        path: PostUserRecentCustomStatusDeletePath,
        body: types::PostUserRecentCustomStatusDeleteBody,
    ) -> Result<serde_json::Value, ApiError> {
        custom_status_owner(ctx, &path.user_id).await?;
        status::forget_recent(ctx, &path.user_id, &body.emoji, &body.text).await?;
        Ok(status_ok())
    }

    /// `POST /api/v4/users/status/ids`: a session. One status per id given.
    async fn get_users_statuses_by_ids(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<Vec<types::Status>, ApiError> {
        ctx.session()?;
        super::ids_body(&body, "user_ids", 1000)?;
        status::of_users(ctx.state.db(), &body).await
    }

    /// `GET /api/v4/users/{user_id}/status`: a session.
    async fn get_user_status(
        ctx: &Ctx,
        path: GetUserStatusPath,
    ) -> Result<types::Status, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        let db = ctx.state.db();
        users::get(db, &path.user_id).await?;
        let stored = status::find(db, &path.user_id).await?;
        Ok(status::to_api(&path.user_id, stored))
    }

    /// `PUT /api/v4/users/{user_id}/status`: the user or edit_other_users. A status they
    /// set stays until they change it (do not disturb until `dnd_end_time`, in seconds,
    /// when given).
    async fn update_user_status(
        ctx: &Ctx,
        path: UpdateUserStatusPath,
        body: types::UpdateUserStatusBody,
    ) -> Result<types::Status, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_user(ctx, &path.user_id).await?;
        if body.user_id != path.user_id {
            return Err(ApiError::invalid_param("user_id"));
        }
        if !status::STATUSES.contains(&body.status.as_str()) {
            return Err(ApiError::invalid_param("status"));
        }
        users::get(ctx.state.db(), &path.user_id).await?;
        let dnd_end_time = body.dnd_end_time.unwrap_or(0);
        let row = status::set(ctx, &path.user_id, &body.status, dnd_end_time).await?;
        Ok(status::to_api(&path.user_id, Some(row)))
    }
}
