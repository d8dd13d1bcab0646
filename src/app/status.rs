//! Presence (online, away, offline, do not disturb) and custom statuses (emoji and text
//! beside a name, with the five most recent kept for reuse).

use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::{preference, status, user};
use axum::http::StatusCode;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::Value;

pub mod ids {
    pub const CUSTOM_INVALID: &str = "api.custom_status.set_custom_statuses.update.app_error";
    pub const CUSTOM_DISABLED: &str = "api.custom_status.disabled";
    pub const RECENT_MISSING: &str = "api.custom_status.recent_custom_statuses.delete.app_error";
}

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

/// The presences a user may choose.
pub const STATUSES: [&str; 4] = ["online", "away", "offline", "dnd"];

fn custom_status_error(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::CUSTOM_INVALID,
        "The custom status is not valid.",
    )
    .detail(detail)
}

/// 501 while TeamSettings.EnableCustomUserStatuses is off.
pub fn require_custom_statuses(caller: &Caller) -> Result<(), ApiError> {
    if caller
        .state
        .config()
        .team_settings
        .enable_custom_user_statuses
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::CUSTOM_DISABLED,
            "Custom statuses are turned off on this server.",
        ))
    }
}

/// A custom status as clients store it: emoji, text, duration, expires_at.
fn custom_status_json(emoji: &str, text: &str, duration: &str, expires_at: &str) -> Value {
    serde_json::json!({
        "emoji": emoji,
        "text": text,
        "duration": duration,
        "expires_at": expires_at,
    })
}

/// Checks a custom status (an emoji name and/or at most 100 characters of text, a known
/// duration, an end for `date_and_time`) and answers it as stored.
pub fn custom_status(body: types::UpdateUserCustomStatusBody) -> Result<Value, ApiError> {
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
    Ok(custom_status_json(
        &body.emoji,
        &body.text,
        &duration,
        &expires_at,
    ))
}

/// Whether two custom statuses are the same for the recent list (emoji and text).
fn same_status(a: &Value, b: &Value) -> bool {
    a["emoji"] == b["emoji"] && a["text"] == b["text"]
}

/// Sets (Some) or clears (None) the account's custom status; a set one goes first in the
/// recent list. One transaction: the account row is written first, so concurrent changes
/// of one account's statuses take turns and none of the list is lost.
pub async fn set_custom(
    caller: &Caller,
    account: user::Model,
    value: Option<Value>,
) -> Result<(), ApiError> {
    let id = account.id.clone();
    let mut props: serde_json::Map<String, Value> =
        serde_json::from_str(&account.props).unwrap_or_default();
    match &value {
        Some(v) => {
            props.insert("customStatus".to_owned(), v.to_string().into());
        }
        None => {
            props.remove("customStatus");
        }
    }
    let txn = caller.state.begin_write().await?;
    let mut row = account.into_active_model();
    row.props = Set(Value::Object(props).to_string());
    row.update_at = Set(now_millis());
    row.update(&txn).await?;
    if let Some(status) = value {
        let mut list = recent(&txn, &id).await?;
        list.retain(|s| !same_status(s, &status));
        list.insert(0, status);
        list.truncate(RECENT_KEPT);
        save_recent(&txn, &id, &list).await?;
    }
    txn.commit().await?;
    caller.state.forget_account(&id).await
}

/// Removes a status from the user's recent list (400 when it is not there).
pub async fn forget_recent(
    caller: &Caller,
    user_id: &str,
    emoji: &str,
    text: &str,
) -> Result<(), ApiError> {
    let wanted = custom_status_json(emoji, text, "", "");
    let txn = caller.state.begin_write().await?;
    let mut list = recent(&txn, user_id).await?;
    let before = list.len();
    list.retain(|s| !same_status(s, &wanted));
    if list.len() == before {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::RECENT_MISSING,
            "That custom status is not among the recent ones.",
        ));
    }
    save_recent(&txn, user_id, &list).await?;
    txn.commit().await?;
    Ok(())
}

/// The user's recent custom statuses (a preference, newest first).
async fn recent(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<Value>, ApiError> {
    let row = preference::Entity::find_by_id((
        user_id.to_owned(),
        "custom_status".to_owned(),
        "recent_custom_statuses".to_owned(),
    ))
    .one(db)
    .await?;
    Ok(row
        .and_then(|r| serde_json::from_str(&r.value).ok())
        .unwrap_or_default())
}

async fn save_recent(
    db: &impl ConnectionTrait,
    user_id: &str,
    list: &[Value],
) -> Result<(), ApiError> {
    let row = preference::Model {
        user_id: user_id.to_owned(),
        category: "custom_status".to_owned(),
        name: "recent_custom_statuses".to_owned(),
        value: Value::Array(list.to_vec()).to_string(),
    };
    Ok(crate::store::preferences::upsert(db, row).await?)
}

/// A stored status, with a do-not-disturb that has run out turned back into what came
/// before it; someone never seen is offline.
pub fn to_api(user_id: &str, row: Option<status::Model>) -> types::Status {
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

/// The stored status of `user_id`, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    user_id: &str,
) -> Result<Option<status::Model>, ApiError> {
    Ok(status::Entity::find_by_id(user_id.to_owned())
        .one(db)
        .await?)
}

/// The statuses of `user_ids`, in that order.
pub async fn of_users(
    db: &impl ConnectionTrait,
    user_ids: &[String],
) -> Result<Vec<types::Status>, ApiError> {
    let mut rows: std::collections::HashMap<String, status::Model> = status::Entity::find()
        .filter(status::Column::UserId.is_in(user_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.user_id.clone(), s))
        .collect();
    Ok(user_ids
        .iter()
        .map(|id| to_api(id, rows.remove(id)))
        .collect())
}

/// Sets a status the user chose (manual; do not disturb until `dnd_end_time`, in seconds,
/// when given, remembering what came before it). The first status of a user set twice at
/// once is stored once: an insert that updates the row another request just made.
pub async fn set(
    caller: &Caller,
    user_id: &str,
    status: &str,
    dnd_end_time: i64,
) -> Result<status::Model, ApiError> {
    let txn = caller.state.begin_write().await?;
    let previous = find(&txn, user_id).await?;
    let prev_status = match (&previous, status) {
        (Some(p), "dnd") if p.status != "dnd" => p.status.clone(),
        (Some(p), "dnd") => p.prev_status.clone(),
        _ => String::new(),
    };
    let row = status::Model {
        user_id: user_id.to_owned(),
        status: status.to_owned(),
        // "online" is never a chosen status: the automatic rules may change it again.
        manual: status != "online",
        last_activity_at: now_millis(),
        dnd_end_time: if status == "dnd" {
            dnd_end_time.max(0)
        } else {
            0
        },
        prev_status,
    };
    status::Entity::insert(row.clone().into_active_model())
        .on_conflict(
            OnConflict::column(status::Column::UserId)
                .update_columns([
                    status::Column::Status,
                    status::Column::Manual,
                    status::Column::LastActivityAt,
                    status::Column::DndEndTime,
                    status::Column::PrevStatus,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    let before = previous.as_ref().map(|p| p.status.as_str());
    super::presence::chosen(caller, user_id, before, status);
    Ok(row)
}
