//! A user's preferences: (category, name) → value rows in which the clients keep their
//! display settings, flagged posts, direct channel lists and tutorial state. The rules
//! Mattermost's `Preference.IsValid` checks, saving and deleting a batch whole, and the
//! events that tell the user's other sessions.

use super::{channels, events, posts};
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::store::entity::preference;
use crate::store::preferences as rows;
use axum::http::StatusCode;

/// At most this many preferences are saved or deleted at once.
const MAX_BATCH: usize = 100;

pub mod ids {
    pub const SAVE_OTHERS: &str = "api.preference.update_preferences.set.app_error";
    pub const DELETE_OTHERS: &str = "api.preference.delete_preferences.delete.app_error";
    pub const NOT_SET: &str = "app.preference.get.app_error";
}

pub fn to_api(p: preference::Model) -> types::Preference {
    types::Preference {
        user_id: Some(p.user_id),
        category: Some(p.category),
        name: Some(p.name),
        value: Some(p.value),
    }
}

fn invalid(id: &'static str, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        id,
        format!("The preference's {what} is not valid."),
    )
}

fn not_theirs(id: &'static str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        id,
        "A preference belongs to another user.",
    )
}

fn batch_size(n: usize) -> Result<(), ApiError> {
    if n == 0 || n > MAX_BATCH {
        return Err(ApiError::invalid_body_param("preferences"));
    }
    Ok(())
}

/// One preference as Mattermost's `Preference.IsValid` accepts it.
fn validate(row: &preference::Model) -> Result<(), ApiError> {
    if !is_valid_id(&row.user_id) {
        return Err(invalid("model.preference.is_valid.id.app_error", "user id"));
    }
    if row.category.is_empty() || row.category.len() > 32 {
        return Err(invalid(
            "model.preference.is_valid.category.app_error",
            "category",
        ));
    }
    if row.name.len() > 32 {
        return Err(invalid("model.preference.is_valid.name.app_error", "name"));
    }
    if row.value.chars().count() > 2000 {
        return Err(invalid(
            "model.preference.is_valid.value.app_error",
            "value",
        ));
    }
    let theme_ok =
        || serde_json::from_str::<std::collections::HashMap<String, String>>(&row.value).is_ok();
    if row.category == "theme" && !theme_ok() {
        return Err(invalid(
            "model.preference.is_valid.theme.app_error",
            "theme",
        ));
    }
    Ok(())
}

/// The preferences of `body`, each valid and `user_id`'s; flagging a post takes being
/// able to read it.
async fn checked(
    caller: &Caller,
    user_id: &str,
    body: Vec<types::Preference>,
) -> Result<Vec<preference::Model>, ApiError> {
    batch_size(body.len())?;
    let mut out = Vec::with_capacity(body.len());
    for p in body {
        let row = preference::Model {
            user_id: p.user_id.unwrap_or_default(),
            category: p.category.unwrap_or_default(),
            name: p.name.unwrap_or_default(),
            value: p.value.unwrap_or_default(),
        };
        if row.user_id != user_id {
            return Err(not_theirs(ids::SAVE_OTHERS));
        }
        validate(&row)?;
        if row.category == "flagged_post" {
            let db = caller.state.db();
            let found = posts::get(db, &row.name)
                .await
                .map_err(|_| ApiError::invalid_param("preference.name"))?;
            channels::require_read(caller, &channels::get(db, &found.channel_id).await?).await?;
        }
        out.push(row);
    }
    Ok(out)
}

/// The user's preferences, one category or all, by category then name.
pub async fn list(
    caller: &Caller,
    user_id: &str,
    category: Option<&str>,
) -> Result<Vec<types::Preference>, ApiError> {
    let found = rows::list(caller.state.db(), user_id, category).await?;
    Ok(found.into_iter().map(to_api).collect())
}

/// One preference (400 `app.preference.get.app_error` when unset, as Mattermost answers).
pub async fn get(
    caller: &Caller,
    user_id: &str,
    category: &str,
    name: &str,
) -> Result<types::Preference, ApiError> {
    rows::get(caller.state.db(), user_id, category, name)
        .await?
        .map(to_api)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ids::NOT_SET,
                "That preference is not set.",
            )
        })
}

/// The events Mattermost sends the user after their preferences change: a
/// `sidebar_category_updated` without data, then `event` with the preferences.
fn changed(event: &'static str, user_id: &str, prefs: &[types::Preference]) -> [events::Event; 2] {
    [
        events::Event::new("sidebar_category_updated", events::Broadcast::user(user_id)),
        events::Event::new(event, events::Broadcast::user(user_id))
            .with_json("preferences", &prefs),
    ]
}

/// Saves (or replaces) every preference of `body` in one transaction.
pub async fn save(
    caller: &Caller,
    user_id: &str,
    body: Vec<types::Preference>,
) -> Result<(), ApiError> {
    let saved = checked(caller, user_id, body).await?;
    let txn = caller.state.begin_write().await?;
    for row in in_key_order(&saved, |r| (r.category.as_str(), r.name.as_str())) {
        rows::upsert(&txn, row.clone()).await?;
    }
    txn.commit().await?;
    let shown: Vec<_> = saved.into_iter().map(to_api).collect();
    for e in changed("preferences_changed", user_id, &shown) {
        caller.state.events().publish(e);
    }
    Ok(())
}

/// Deletes the (category, name) pairs of `body`, whatever their value, in one transaction.
pub async fn delete(
    caller: &Caller,
    user_id: &str,
    body: Vec<types::Preference>,
) -> Result<(), ApiError> {
    batch_size(body.len())?;
    if body.iter().any(|p| p.user_id.as_deref() != Some(user_id)) {
        return Err(not_theirs(ids::DELETE_OTHERS));
    }
    let txn = caller.state.begin_write().await?;
    for p in in_key_order(&body, category_and_name) {
        let (category, name) = category_and_name(p);
        rows::delete(&txn, user_id, category, name).await?;
    }
    txn.commit().await?;
    for e in changed("preferences_deleted", user_id, &body) {
        caller.state.events().publish(e);
    }
    Ok(())
}

/// A preference's (category, name), empty where it names none.
fn category_and_name(p: &types::Preference) -> (&str, &str) {
    let category = p.category.as_deref().unwrap_or_default();
    (category, p.name.as_deref().unwrap_or_default())
}

/// `items` in the order of their keys (equal keys as given, so the last one given is
/// written last): concurrent batches of the same rows then lock them in one order and
/// queue instead of deadlocking, whatever order each request lists them in.
fn in_key_order<'a, T, K: Ord + 'a>(items: &'a [T], key: impl Fn(&'a T) -> K) -> Vec<&'a T> {
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort_by_key(|item| key(item));
    sorted
}
