//! The `status` tag: a user's presence (online, away, offline, do not disturb) as others
//! see it. Custom statuses arrive with the features they belong to.

use super::Api;
use crate::app::users;
use crate::auth::permissions::require_user;
use crate::contract::{self, GetUserStatusPath, UpdateUserStatusPath, types};
use crate::error::ApiError;
use crate::ids::{is_valid_id, now_millis};
use crate::rt::Ctx;
use crate::store::entity::status;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

/// The presences a user may choose.
const STATUSES: [&str; 4] = ["online", "away", "offline", "dnd"];

/// A stored status, with a do-not-disturb that has run out turned back into what came
/// before it; someone never seen is offline.
fn to_api(user_id: &str, row: Option<status::Model>) -> types::Status {
    let Some(mut row) = row else {
        return types::Status {
            user_id: Some(user_id.to_owned()),
            status: Some("offline".to_owned()),
            manual: Some(false),
            last_activity_at: Some(0),
        };
    };
    if row.status == "dnd" && row.dnd_end_time > 0 && row.dnd_end_time * 1000 <= now_millis() {
        row.status = if row.prev_status.is_empty() {
            "online".to_owned()
        } else {
            row.prev_status
        };
    }
    types::Status {
        user_id: Some(row.user_id),
        status: Some(row.status),
        manual: Some(row.manual),
        last_activity_at: Some(row.last_activity_at),
    }
}

async fn find(db: &impl ConnectionTrait, user_id: &str) -> Result<Option<status::Model>, ApiError> {
    Ok(status::Entity::find_by_id(user_id.to_owned())
        .one(db)
        .await?)
}

impl contract::StatusApi for Api {
    /// `POST /api/v4/users/status/ids`: a session. One status per id given.
    async fn get_users_statuses_by_ids(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<Vec<types::Status>, ApiError> {
        ctx.session()?;
        if body.is_empty() || body.len() > 1000 || body.iter().any(|id| !is_valid_id(id)) {
            return Err(ApiError::invalid_body_param("user_ids"));
        }
        let mut rows: std::collections::HashMap<String, status::Model> = status::Entity::find()
            .filter(status::Column::UserId.is_in(body.clone()))
            .all(ctx.state.db())
            .await?
            .into_iter()
            .map(|s| (s.user_id.clone(), s))
            .collect();
        Ok(body.iter().map(|id| to_api(id, rows.remove(id))).collect())
    }

    /// `GET /api/v4/users/{user_id}/status`: a session.
    async fn get_user_status(
        ctx: &Ctx,
        path: GetUserStatusPath,
    ) -> Result<types::Status, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        users::get(ctx.state.db(), &path.user_id).await?;
        Ok(to_api(
            &path.user_id,
            find(ctx.state.db(), &path.user_id).await?,
        ))
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
        if !STATUSES.contains(&body.status.as_str()) {
            return Err(ApiError::invalid_param("status"));
        }
        let db = ctx.state.db();
        users::get(db, &path.user_id).await?;
        let previous = find(db, &path.user_id).await?;
        let prev_status = match (&previous, body.status.as_str()) {
            (Some(p), "dnd") if p.status != "dnd" => p.status.clone(),
            (Some(p), "dnd") => p.prev_status.clone(),
            _ => String::new(),
        };
        let row = status::Model {
            user_id: path.user_id.clone(),
            status: body.status.clone(),
            manual: true,
            last_activity_at: now_millis(),
            dnd_end_time: if body.status == "dnd" {
                body.dnd_end_time.unwrap_or(0).max(0)
            } else {
                0
            },
            prev_status,
        };
        let active = row.clone().into_active_model();
        if previous.is_some() {
            active.reset_all().update(db).await?;
        } else {
            status::Entity::insert(active).exec(db).await?;
        }
        Ok(to_api(&path.user_id, Some(row)))
    }
}
