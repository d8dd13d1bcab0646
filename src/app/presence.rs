//! Presence driven by connections, as Mattermost's platform/status.go: connecting sets a
//! user online (unless they chose a status), the last connection closing sets them
//! offline, activity and inactivity reported over the websocket, typing notices, and the
//! status maps the websocket's `get_statuses*` actions answer. Every change of the stored
//! status value is published as `status_change` to that user only.

use super::events::{Broadcast, Event};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::connections;
use crate::store::entity::status;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Map, Value};

/// A status's activity is written at most this often when nothing else changes.
const MIN_UPDATE_MS: i64 = 120_000;

fn enabled(caller: &Caller) -> bool {
    caller
        .state
        .config()
        .flag("ServiceSettings", "EnableUserStatuses", true)
}

fn status_change(user_id: &str, status: &str) -> Event {
    Event::new("status_change", Broadcast::user(user_id))
        .with("status", status.to_owned())
        .with("user_id", user_id.to_owned())
}

/// Stores `row` over whatever status the user has.
async fn store(caller: &Caller, row: status::Model) -> Result<(), ApiError> {
    let online = (row.status == "online" && !row.manual).then_some(row.last_activity_at);
    caller.state.events().note_online(&row.user_id, online);
    status::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(status::Column::UserId)
                .update_columns([
                    status::Column::Status,
                    status::Column::Manual,
                    status::Column::LastActivityAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(caller.state.db())
        .await?;
    Ok(())
}

/// Mattermost's SetStatusOnline: nothing while the user's status is one they chose
/// (unless `manual`, an explicit "I am active"); online with the activity time otherwise.
pub async fn set_online(caller: &Caller, user_id: &str, manual: bool) -> Result<(), ApiError> {
    if !enabled(caller) {
        return Ok(());
    }
    let now = now_millis();
    if !manual && caller.state.events().recently_online(user_id, now) {
        return Ok(());
    }
    let current = super::status::find(caller.state.db(), user_id).await?;
    if current.as_ref().is_some_and(|s| s.manual && !manual) {
        return Ok(());
    }
    let was_online = current.as_ref().is_some_and(|s| s.status == "online");
    let fresh = current
        .as_ref()
        .is_some_and(|s| !s.manual && was_online && now - s.last_activity_at < MIN_UPDATE_MS);
    if fresh {
        let at = current.map(|s| s.last_activity_at);
        caller.state.events().note_online(user_id, at);
        return Ok(());
    }
    let row = status::Model {
        user_id: user_id.to_owned(),
        status: "online".to_owned(),
        manual: false,
        last_activity_at: now,
        dnd_end_time: 0,
        prev_status: String::new(),
    };
    store(caller, row).await?;
    if !was_online {
        caller
            .state
            .events()
            .publish(status_change(user_id, "online"));
    }
    Ok(())
}

/// Offline (a status the user did not choose), published when it changes.
async fn set_offline(caller: &Caller, user_id: &str) -> Result<(), ApiError> {
    if !enabled(caller) {
        return Ok(());
    }
    let current = super::status::find(caller.state.db(), user_id).await?;
    if current
        .as_ref()
        .is_some_and(|s| s.manual || s.status == "offline")
    {
        return Ok(());
    }
    let row = status::Model {
        user_id: user_id.to_owned(),
        status: "offline".to_owned(),
        manual: false,
        last_activity_at: current.map_or_else(now_millis, |s| s.last_activity_at),
        dnd_end_time: 0,
        prev_status: String::new(),
    };
    store(caller, row).await?;
    caller
        .state
        .events()
        .publish(status_change(user_id, "offline"));
    Ok(())
}

/// Mattermost's SetStatusAwayIfNeeded: away once the user has been idle for
/// TeamSettings.UserStatusAwayTimeout (always with `manual`), unless they chose a status.
async fn set_away_if_needed(caller: &Caller, user_id: &str, manual: bool) -> Result<(), ApiError> {
    if !enabled(caller) {
        return Ok(());
    }
    let current = super::status::find(caller.state.db(), user_id).await?;
    let Some(current) = current else {
        return Ok(());
    };
    if current.manual || current.status == "away" {
        return Ok(());
    }
    let timeout_ms = caller
        .state
        .config()
        .setting("TeamSettings", "UserStatusAwayTimeout")
        .and_then(|v| v.as_i64())
        .unwrap_or(300)
        * 1000;
    if !manual && now_millis() - current.last_activity_at < timeout_ms {
        return Ok(());
    }
    let row = status::Model {
        status: "away".to_owned(),
        manual,
        ..current
    };
    store(caller, row).await?;
    caller
        .state
        .events()
        .publish(status_change(user_id, "away"));
    Ok(())
}

fn shared(caller: &Caller) -> bool {
    caller.state.db().get_database_backend() == sea_orm::DatabaseBackend::Postgres
}

/// A connection of `user_id` opened: online. Nodes sharing a database learn that this
/// node holds one of the user's connections.
pub async fn connected(caller: &Caller, user_id: &str) -> Result<(), ApiError> {
    let events = caller.state.events();
    if events.connection_opened(user_id) && shared(caller) {
        connections::opened(caller.state.db(), events.node(), user_id, now_millis()).await?;
    }
    set_online(caller, user_id, false).await
}

/// A connection of `user_id` closed: offline when it was their last on every node.
pub async fn disconnected(caller: &Caller, user_id: &str) -> Result<(), ApiError> {
    let events = caller.state.events();
    if events.connection_closed(user_id) > 0 {
        return Ok(());
    }
    let db = caller.state.db();
    if shared(caller) && connections::closed(db, events.node(), user_id, now_millis()).await? {
        return Ok(());
    }
    set_offline(caller, user_id).await
}

/// A deactivated account is offline, whatever status it chose.
pub async fn deactivated(caller: &Caller, user_id: &str) -> Result<(), ApiError> {
    if !enabled(caller) {
        return Ok(());
    }
    let current = super::status::find(caller.state.db(), user_id).await?;
    if current.as_ref().is_none_or(|s| s.status == "offline") {
        return Ok(());
    }
    let row = status::Model {
        user_id: user_id.to_owned(),
        status: "offline".to_owned(),
        manual: false,
        last_activity_at: current.map_or_else(now_millis, |s| s.last_activity_at),
        dnd_end_time: 0,
        prev_status: String::new(),
    };
    store(caller, row).await?;
    let changed = status_change(user_id, "offline");
    caller.state.events().publish(changed);
    Ok(())
}

/// A status the user chose was stored (`previous` the one before): forget what this node
/// remembered, and tell the user's sessions when the value changed.
pub fn chosen(caller: &Caller, user_id: &str, previous: Option<&str>, now: &str) {
    caller.state.events().note_online(user_id, None);
    if previous != Some(now) {
        caller.state.events().publish(status_change(user_id, now));
    }
}

/// A protocol pong from a connection of `user_id` (about once a minute): away once they
/// have been idle for UserStatusAwayTimeout.
pub async fn pong(caller: &Caller, user_id: &str) -> Result<(), ApiError> {
    set_away_if_needed(caller, user_id, false).await
}

/// On PostgreSQL, keeps this node's connection rows fresh and sets offline the users
/// whose connections were all on nodes that stopped; runs as long as the runtime does.
pub fn start(state: &crate::state::AppState) {
    let caller = Caller::background(state);
    if !shared(&caller) {
        return;
    }
    tokio::spawn(async move {
        let period = std::time::Duration::from_millis(connections::REFRESH_MS.unsigned_abs());
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            if let Err(e) = keep_fresh(&caller).await {
                tracing::warn!(error = %e.message, "refreshing websocket presence");
            }
        }
    });
}

async fn keep_fresh(caller: &Caller) -> Result<(), ApiError> {
    let events = caller.state.events();
    let db = caller.state.db();
    let now = now_millis();
    connections::refresh(db, events.node(), events.connected_users(), now).await?;
    for user_id in connections::sweep(db, now).await? {
        set_offline(caller, &user_id).await?;
    }
    Ok(())
}

/// The websocket's `user_update_active_status`.
pub async fn activity(
    caller: &Caller,
    user_id: &str,
    active: bool,
    manual: bool,
) -> Result<(), ApiError> {
    if active {
        set_online(caller, user_id, manual).await
    } else {
        set_away_if_needed(caller, user_id, manual).await
    }
}

/// `typing` to the channel's members but the typer (503 while the server is busy: a
/// service Mattermost sheds first).
pub fn typing(
    caller: &Caller,
    user_id: &str,
    channel_id: &str,
    parent_id: &str,
) -> Result<(), ApiError> {
    if caller.state.busy_until().is_some() {
        return Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "api.websocket_handler.server_busy.app_error",
            "Server is busy, non-critical services are temporarily unavailable.",
        ));
    }
    let mut omit = Map::new();
    omit.insert(user_id.to_owned(), Value::Bool(true));
    let broadcast = Broadcast {
        omit_users: Some(omit),
        ..Broadcast::channel(channel_id)
    };
    let event = Event::new("typing", broadcast)
        .with("parent_id", parent_id.to_owned())
        .with("user_id", user_id.to_owned());
    caller.state.events().publish(event);
    Ok(())
}

/// `{user_id: status}` of every user not offline (`{}` while statuses are off).
pub async fn all_not_offline(caller: &Caller) -> Result<Value, ApiError> {
    if !enabled(caller) {
        return Ok(Value::Object(Map::new()));
    }
    let rows = status::Entity::find()
        .filter(status::Column::Status.ne("offline"))
        .all(caller.state.db())
        .await?;
    Ok(Value::Object(
        rows.into_iter()
            .map(|s| (s.user_id, Value::String(s.status)))
            .collect(),
    ))
}

/// `{user_id: status}` of `ids` (offline for those without one).
pub async fn by_ids_map(caller: &Caller, ids: &[String]) -> Result<Value, ApiError> {
    let found = super::status::of_users(caller.state.db(), ids).await?;
    Ok(Value::Object(
        found
            .into_iter()
            .map(|s| {
                let id = s.user_id.unwrap_or_default();
                (
                    id,
                    Value::String(s.status.unwrap_or_else(|| "offline".into())),
                )
            })
            .collect(),
    ))
}
