//! Corteza's settings: named raw JSON values (`corteza_settings`), global (owner 0) or a
//! user's own, read with `settings.read` and written with `settings.manage` on `system`
//! (Administrators hold both); a file set through `POST /settings/{key}` is kept as a
//! `settings` attachment and the value points at it (`"attachment:<id>"`). What Corteza's
//! web apps read at start (`GET /settings/current`) comes from Mattermost's sign-in
//! settings and the `ui.one.*` values.

use super::{attachments, caller_id, error, json_text, json_value, parse_id, rbac, time};
use crate::auth::Caller;
use crate::contract::types::{CortezaSettingInput, CortezaSettingValue};
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::corteza_setting as setting;
use axum::extract::Multipart;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const CANNOT_READ: &str = "not allowed to read settings";
const CANNOT_MANAGE: &str = "not allowed to manage settings";

fn view(s: setting::Model) -> CortezaSettingValue {
    CortezaSettingValue {
        name: s.name,
        value: json_value(&s.value),
        updated_at: time(s.updated_at),
        updated_by: s.updated_by,
    }
}

/// An owner given in a request: a user's numeric id, or global (empty or 0).
fn owner(given: Option<&str>) -> Result<i64, ApiError> {
    match given.map(str::trim) {
        None | Some("" | "0") => Ok(0),
        Some(id) => parse_id(id),
    }
}

/// `GET /settings/`: the global values whose names start with `prefix`, by name (None when
/// there are none: Corteza answers `null`).
pub async fn list(
    caller: &Caller,
    prefix: Option<&str>,
) -> Result<Option<Vec<CortezaSettingValue>>, ApiError> {
    rbac::require(caller, "system", "settings.read", CANNOT_READ).await?;
    let mut query = setting::Entity::find().filter(setting::Column::OwnedBy.eq(0));
    if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
        query = query.filter(setting::Column::Name.starts_with(prefix));
    }
    let rows = query
        .order_by_asc(setting::Column::Name)
        .all(caller.state.db())
        .await?;
    Ok((!rows.is_empty()).then(|| rows.into_iter().map(view).collect()))
}

/// `PATCH /settings/`: writes the global values given (a value left out is written as
/// null, as Corteza does), those that changed only, in one transaction; answers true.
pub async fn update(caller: &Caller, values: Vec<CortezaSettingInput>) -> Result<bool, ApiError> {
    let checker = rbac::Checker::load(caller).await?;
    if !(checker.allows("system", "settings.manage") && checker.allows("system", "settings.read")) {
        return Err(error(CANNOT_MANAGE));
    }
    if let Some(bad) = values
        .iter()
        .find(|v| v.name.trim().is_empty() || v.name.len() > 512)
    {
        return Err(error(format!("invalid setting name \"{}\"", bad.name)));
    }
    let me = caller_id(caller).await?;
    let now = now_millis();
    // Rows are written in the order of their names (a name given twice: the last value
    // wins), so concurrent updates lock them in one order and never deadlock.
    let mut values = values;
    values.sort_by(|a, b| a.name.cmp(&b.name));
    let txn = caller.state.begin_write().await?;
    let names: Vec<String> = values.iter().map(|v| v.name.clone()).collect();
    let current: std::collections::HashMap<String, String> = setting::Entity::find()
        .filter(setting::Column::OwnedBy.eq(0))
        .filter(setting::Column::Name.is_in(names))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.name, s.value))
        .collect();
    for given in values {
        let text = json_text(given.value.as_ref());
        let unchanged = current
            .get(&given.name)
            .is_some_and(|old| json_value(old) == json_value(&text));
        if unchanged {
            continue;
        }
        write(&txn, &given.name, 0, text, now, me).await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// Stores one value (replacing the one of the same name and owner).
async fn write(
    db: &impl sea_orm::ConnectionTrait,
    name: &str,
    owned_by: i64,
    value: String,
    now: i64,
    by: i64,
) -> Result<setting::Model, ApiError> {
    let row = setting::ActiveModel {
        name: Set(name.to_owned()),
        owned_by: Set(owned_by),
        value: Set(value),
        updated_at: Set(now),
        updated_by: Set(by),
    };
    setting::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([setting::Column::Name, setting::Column::OwnedBy])
                .update_columns([
                    setting::Column::Value,
                    setting::Column::UpdatedAt,
                    setting::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    setting::Entity::find_by_id((name.to_owned(), owned_by))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("the setting was not stored"))
}

/// `GET /settings/{key}`: the value of `key` for `owner_id` (global when none); None when
/// it is not set.
pub async fn get(
    caller: &Caller,
    key: &str,
    owner_id: Option<&str>,
) -> Result<Option<CortezaSettingValue>, ApiError> {
    rbac::require(caller, "system", "settings.read", CANNOT_READ).await?;
    let owned_by = owner(owner_id)?;
    Ok(setting::Entity::find_by_id((key.to_owned(), owned_by))
        .one(caller.state.db())
        .await?
        .map(view))
}

/// `POST /settings/{key}` (multipart): the `upload` file becomes a `settings` attachment
/// and the value of `key` (for the `ownerID` part's owner, global when none) points at it.
pub async fn set_file(
    caller: &Caller,
    key: &str,
    mut form: Multipart,
) -> Result<CortezaSettingValue, ApiError> {
    rbac::require(caller, "system", "settings.manage", CANNOT_MANAGE).await?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        error(format!("error processing uploaded file: {}", e.body_text()))
    };
    let mut owner_text = None;
    let mut upload = None;
    let mut parts = 0;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // A form with no part at all (only its closing boundary) is complete for Go;
            // it has no file.
            Err(e) if parts == 0 && e.body_text().contains("incomplete multipart stream") => {
                break;
            }
            Err(e) => return Err(unreadable(e)),
        };
        parts += 1;
        match field.name() {
            Some("upload") if upload.is_none() => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                upload = Some((name, bytes));
            }
            Some("ownerID") => owner_text = Some(field.text().await.map_err(unreadable)?),
            _ => {}
        }
    }
    let owned_by = owner(owner_text.as_deref())?;
    let (name, bytes) =
        upload.ok_or_else(|| error("error processing uploaded file: http: no such file"))?;
    let me = caller_id(caller).await?;
    // The attachment and the value pointing at it: both or neither.
    let txn = caller.state.begin_write().await?;
    let stored = attachments::store(caller, &txn, me, &name, bytes).await?;
    let value = json!(format!("attachment:{}", stored.id)).to_string();
    let saved = write(&txn, key, owned_by, value, now_millis(), me).await?;
    txn.commit().await?;
    Ok(view(saved))
}

/// `GET /settings/current`: what Corteza's web apps read at start (no check).
pub async fn current(caller: &Caller) -> Result<(Value, Value), ApiError> {
    let auth = super::auth::settings(caller);
    let site = caller.state.config().service_settings.site_url.clone();
    let site = site.trim_end_matches('/').to_owned();
    let auth = json!({
        "Internal": {
            "Enabled": auth.internal_enabled,
            "Signup": {
                "Enabled": auth.internal_sign_up_enabled,
                "EmailConfirmationRequired": auth.internal_sign_up_email_confirmation_required,
            },
            "PasswordReset": {"Enabled": auth.internal_password_reset_enabled},
        },
        "External": {"Enabled": auth.external_enabled, "Providers": []},
        "Frontend": {"Url": {
            "PasswordReset": format!("{site}/auth/reset-password?token="),
            "EmailConfirmation": format!("{site}/auth/confirm-email?token="),
            "Redirect": format!("{site}/auth"),
            "Base": format!("{site}/"),
        }},
    });
    let ui: std::collections::HashMap<String, Value> = setting::Entity::find()
        .filter(setting::Column::OwnedBy.eq(0))
        .filter(setting::Column::Name.starts_with("ui.one."))
        .all(caller.state.db())
        .await?
        .into_iter()
        .map(|s| {
            (
                s.name.trim_start_matches("ui.one.").to_owned(),
                json_value(&s.value),
            )
        })
        .collect();
    let text = |key: &str| {
        ui.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let one = json!({
        "logo": text("logo"),
        "title": text("title"),
        "panelsEnabled": ui.get("panelsEnabled").and_then(Value::as_bool).unwrap_or(false),
        "panels": ui.get("panels").filter(|p| p.is_array()).cloned().unwrap_or_else(|| json!([])),
    });
    Ok((auth, json!({ "one": one })))
}
