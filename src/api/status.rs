//! The `status` tag: a user's presence (online, away, offline, do not disturb) as others
//! see it, and the custom status (emoji and text) they show beside their name.

use super::Api;
use crate::app::users;
use crate::auth::permissions::require_user;
use crate::contract::{
    self, GetUserStatusPath, PostUserRecentCustomStatusDeletePath, RemoveRecentCustomStatusPath,
    UnsetUserCustomStatusPath, UpdateUserCustomStatusPath, UpdateUserStatusPath, types,
};
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::rt::Ctx;
use crate::store::entity::{preference, status, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

/// How long a custom status lasts, as clients name it ("" for until cleared).
const DURATIONS: [&str; 7] = [
    "",
    "thirty_minutes",
    "one_hour",
    "four_hours",
    "today",
    "this_week",
    "date_and_time",
];

/// The most recent custom statuses a user keeps for reuse.
const RECENT_KEPT: usize = 5;

fn custom_status_error(detail: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "api.custom_status.set_custom_statuses.update.app_error",
        "The custom status is not valid.",
    )
    .detail(detail)
}

/// The user's, with custom statuses on (TeamSettings.EnableCustomUserStatuses).
async fn custom_status_owner(ctx: &Ctx, user_id: &str) -> Result<user::Model, ApiError> {
    users::require_session_and_id(ctx, user_id)?;
    require_user(ctx, user_id).await?;
    if !ctx.state.config().team_settings.enable_custom_user_statuses {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_IMPLEMENTED,
            "api.custom_status.disabled",
            "Custom statuses are turned off on this server.",
        ));
    }
    users::get(ctx.state.db(), user_id).await
}

/// A custom status as clients store it: emoji, text, duration, expires_at.
fn custom_status_json(
    emoji: &str,
    text: &str,
    duration: &str,
    expires_at: &str,
) -> serde_json::Value {
    serde_json::json!({
        "emoji": emoji,
        "text": text,
        "duration": duration,
        "expires_at": expires_at,
    })
}

/// Sets (Some) or clears (None) the `customStatus` prop of the account.
async fn set_custom_status_prop(
    ctx: &Ctx,
    account: user::Model,
    value: Option<&serde_json::Value>,
) -> Result<(), ApiError> {
    let mut props: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&account.props).unwrap_or_default();
    match value {
        Some(v) => {
            props.insert("customStatus".to_owned(), v.to_string().into());
        }
        None => {
            props.remove("customStatus");
        }
    }
    let mut row = account.into_active_model();
    row.props = sea_orm::ActiveValue::Set(serde_json::Value::Object(props).to_string());
    row.update_at = sea_orm::ActiveValue::Set(now_millis());
    let updated = row.update(ctx.state.db()).await?;
    ctx.state.forget_account(&updated.id).await
}

/// The user's recent custom statuses (a preference, newest first).
async fn recent(ctx: &Ctx, user_id: &str) -> Result<Vec<serde_json::Value>, ApiError> {
    let row = preference::Entity::find_by_id((
        user_id.to_owned(),
        "custom_status".to_owned(),
        "recent_custom_statuses".to_owned(),
    ))
    .one(ctx.state.db())
    .await?;
    Ok(row
        .and_then(|r| serde_json::from_str(&r.value).ok())
        .unwrap_or_default())
}

async fn save_recent(ctx: &Ctx, user_id: &str, list: &[serde_json::Value]) -> Result<(), ApiError> {
    let row = preference::Model {
        user_id: user_id.to_owned(),
        category: "custom_status".to_owned(),
        name: "recent_custom_statuses".to_owned(),
        value: serde_json::Value::Array(list.to_vec()).to_string(),
    };
    preference::Entity::insert(row.into_active_model())
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                preference::Column::UserId,
                preference::Column::Category,
                preference::Column::Name,
            ])
            .update_column(preference::Column::Value)
            .to_owned(),
        )
        .exec(ctx.state.db())
        .await?;
    Ok(())
}

/// Whether two custom statuses are the same for the recent list (emoji and text).
fn same_status(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    a["emoji"] == b["emoji"] && a["text"] == b["text"]
}

/// Removes `body`'s status from the recent list (400 when it is not there).
async fn forget_recent(
    ctx: &Ctx,
    path_user: &str,
    emoji: &str,
    text: &str,
) -> Result<serde_json::Value, ApiError> {
    custom_status_owner(ctx, path_user).await?;
    let wanted = custom_status_json(emoji, text, "", "");
    let mut list = recent(ctx, path_user).await?;
    let before = list.len();
    list.retain(|s| !same_status(s, &wanted));
    if list.len() == before {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "api.custom_status.recent_custom_statuses.delete.app_error",
            "That custom status is not among the recent ones.",
        ));
    }
    save_recent(ctx, path_user, &list).await?;
    Ok(serde_json::json!({"status": "OK"}))
}

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
    /// `PUT /api/v4/users/{user_id}/status/custom`: the user or edit_other_users, with
    /// custom statuses on. Emoji (a name) and text (at most 100 characters) show beside the
    /// name; the status joins the five recent ones.
    async fn update_user_custom_status(
        ctx: &Ctx,
        path: UpdateUserCustomStatusPath,
        body: types::UpdateUserCustomStatusBody,
    ) -> Result<serde_json::Value, ApiError> {
        let account = custom_status_owner(ctx, &path.user_id).await?;
        let duration = body.duration.unwrap_or_default();
        if body.text.chars().count() > 100 {
            return Err(custom_status_error("text: at most 100 characters"));
        }
        if body.emoji.is_empty() && body.text.trim().is_empty() {
            return Err(custom_status_error("an emoji or a text is needed"));
        }
        let emoji_ok = body
            .emoji
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'+');
        if !emoji_ok || body.emoji.len() > 64 {
            return Err(custom_status_error("emoji: a name such as 'calendar'"));
        }
        if !DURATIONS.contains(&duration.as_str()) {
            return Err(custom_status_error("duration"));
        }
        let expires_at = body.expires_at.unwrap_or_default();
        if duration == "date_and_time" && expires_at.is_empty() {
            return Err(custom_status_error(
                "expires_at is needed with date_and_time",
            ));
        }
        let status = custom_status_json(&body.emoji, &body.text, &duration, &expires_at);
        set_custom_status_prop(ctx, account, Some(&status)).await?;
        let mut list = recent(ctx, &path.user_id).await?;
        list.retain(|s| !same_status(s, &status));
        list.insert(0, status);
        list.truncate(RECENT_KEPT);
        save_recent(ctx, &path.user_id, &list).await?;
        Ok(serde_json::json!({"status": "OK"}))
    }

    /// `DELETE /api/v4/users/{user_id}/status/custom`: as UpdateUserCustomStatus; clears
    /// it.
    async fn unset_user_custom_status(
        ctx: &Ctx,
        path: UnsetUserCustomStatusPath,
    ) -> Result<serde_json::Value, ApiError> {
        let account = custom_status_owner(ctx, &path.user_id).await?;
        set_custom_status_prop(ctx, account, None).await?;
        Ok(serde_json::json!({"status": "OK"}))
    }

    /// `DELETE /api/v4/users/{user_id}/status/custom/recent`: as UpdateUserCustomStatus;
    /// forgets one of the recent statuses.
    async fn remove_recent_custom_status(
        ctx: &Ctx,
        path: RemoveRecentCustomStatusPath,
        body: types::RemoveRecentCustomStatusBody,
    ) -> Result<serde_json::Value, ApiError> {
        forget_recent(ctx, &path.user_id, &body.emoji, &body.text).await
    }

    /// `POST /api/v4/users/{user_id}/status/custom/recent/delete`: the same, for clients
    /// that cannot send a body with DELETE.
    async fn post_user_recent_custom_status_delete(
        ctx: &Ctx,
        path: PostUserRecentCustomStatusDeletePath,
        body: types::PostUserRecentCustomStatusDeleteBody,
    ) -> Result<serde_json::Value, ApiError> {
        forget_recent(ctx, &path.user_id, &body.emoji, &body.text).await
    }

    /// `POST /api/v4/users/status/ids`: a session. One status per id given.
    async fn get_users_statuses_by_ids(
        ctx: &Ctx,
        body: Vec<String>,
    ) -> Result<Vec<types::Status>, ApiError> {
        ctx.session()?;
        super::ids_body(&body, "user_ids", 1000)?;
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
