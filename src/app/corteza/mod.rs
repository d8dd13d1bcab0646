//! Corteza's system API over Mattermost's objects: the numeric ids Corteza shows for them
//! (stable, one-to-one, kept in `numeric_ids`), its time format, its errors, and one
//! module per group of operations.
//!
//! Mapping: a Corteza user is a Mattermost account (`handle` and `username` are its
//! username, `name` its first and last name, `kind` `bot` for a bot account); a Corteza role
//! is a Mattermost role (Everyone, id 1, is `system_user`, which every account holds;
//! Administrators, id 2, is `system_admin`). Suspending or deleting in Corteza deactivates
//! the account in Mattermost (its sessions end); `corteza_user_states` remembers which of
//! the two it was, and a deactivation through Mattermost reads as deleted.

pub mod actionlog;
pub mod applications;
pub mod attachments;
pub mod auth;
pub mod automation;
pub mod clock;
pub mod organisations;
pub mod permissions;
pub mod rbac;
pub mod reminders;
pub mod roles;
pub mod settings;
pub mod stats;
pub mod users;

pub use clock::{optional_time, parse_time, time};

use crate::error::ApiError;
use crate::store::entity::numeric_id;
use axum::http::StatusCode;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// What a numeric id stands for (`numeric_ids.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Role,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }
}

/// Everyone's role id (every account holds it; its members cannot be managed).
pub const EVERYONE: i64 = 1;
/// The Administrators role id.
pub const ADMINS: i64 = 2;

/// Corteza's generic message, which it also answers for a role or user that is not there
/// (its repositories' not-found errors are wrapped into it).
pub use crate::error::CORTEZA_INTERNAL as INTERNAL;

/// A Corteza error: answered as `{"error": {"message": ...}}` (HTTP 200).
pub fn error(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "corteza.error", message)
}

/// Corteza's answer for an id that is 0 or not a number.
pub fn invalid_id() -> ApiError {
    error("invalid ID")
}

/// A numeric id as sent in a path, a query or a body: base-10, not 0.
pub fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| i64::try_from(id).ok())
        .filter(|id| *id > 0)
        .ok_or_else(invalid_id)
}

/// A new id: milliseconds since 2020 in the high bits and 22 random bits, as Corteza's
/// Sonyflake ids are time-ordered 64-bit numbers (these stay below 2^63).
pub fn new_numeric_id() -> i64 {
    const EPOCH_2020: i64 = 1_577_836_800_000;
    let elapsed = (crate::ids::now_millis() - EPOCH_2020).max(1);
    (elapsed << 22) | i64::from(rand::random::<u32>() & 0x3f_ffff)
}

/// The numeric ids of `targets` (Mattermost ids; role names for roles), given to those
/// that have none yet. Concurrent requests agree: the first id stored for a target wins.
pub async fn numeric_ids(
    db: &impl ConnectionTrait,
    kind: Kind,
    targets: &[String],
) -> Result<HashMap<String, i64>, ApiError> {
    let read = |targets: Vec<String>| {
        numeric_id::Entity::find()
            .filter(numeric_id::Column::Kind.eq(kind.name()))
            .filter(numeric_id::Column::Target.is_in(targets))
            .all(db)
    };
    let mut found: HashMap<String, i64> = read(targets.to_vec())
        .await?
        .into_iter()
        .map(|row| (row.target, row.id))
        .collect();
    let missing: Vec<String> = targets
        .iter()
        .filter(|t| !found.contains_key(*t))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(found);
    }
    let rows = missing.iter().map(|target| numeric_id::ActiveModel {
        id: sea_orm::ActiveValue::Set(new_numeric_id()),
        kind: sea_orm::ActiveValue::Set(kind.name().to_owned()),
        target: sea_orm::ActiveValue::Set(target.clone()),
    });
    numeric_id::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([numeric_id::Column::Kind, numeric_id::Column::Target])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    found.extend(
        read(missing)
            .await?
            .into_iter()
            .map(|row| (row.target, row.id)),
    );
    Ok(found)
}

/// The numeric id of one target.
pub async fn numeric_id_of(
    db: &impl ConnectionTrait,
    kind: Kind,
    target: &str,
) -> Result<i64, ApiError> {
    numeric_ids(db, kind, &[target.to_owned()])
        .await?
        .get(target)
        .copied()
        .ok_or_else(|| ApiError::internal("a numeric id was not stored"))
}

/// The caller's numeric user id (0 for the local-mode session, which is nobody).
pub async fn caller_id(caller: &crate::auth::Caller) -> Result<i64, ApiError> {
    match caller.session.as_ref().filter(|s| !s.is_local()) {
        Some(session) => numeric_id_of(caller.state.db(), Kind::User, &session.user_id).await,
        None => Ok(0),
    }
}

/// Records a Corteza write in Mattermost's audit trail (which Corteza's action log reads):
/// on `subject`'s trail (an account id), or on the caller's own.
pub async fn audit(caller: &crate::auth::Caller, subject: Option<&str>, what: &str) {
    let own = caller
        .session
        .as_ref()
        .map(|s| s.user_id.clone())
        .unwrap_or_default();
    crate::app::audits::record(caller, subject.unwrap_or(&own), what).await;
}

/// A raw JSON value as stored (its text; `null` when absent).
pub fn json_text(value: Option<&serde_json::Value>) -> String {
    value.map_or_else(|| "null".to_owned(), serde_json::Value::to_string)
}

/// A stored raw JSON text as a value (`null` if it does not parse).
pub fn json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// What numeric id `id` stands for, if it was ever given.
pub async fn target_of(
    db: &impl ConnectionTrait,
    kind: Kind,
    id: i64,
) -> Result<Option<String>, ApiError> {
    Ok(numeric_id::Entity::find_by_id(id)
        .filter(numeric_id::Column::Kind.eq(kind.name()))
        .one(db)
        .await?
        .map(|row| row.target))
}

/// What the numeric ids stand for (ids never given are left out).
pub async fn targets_of(
    db: &impl ConnectionTrait,
    kind: Kind,
    ids: &[i64],
) -> Result<HashMap<i64, String>, ApiError> {
    Ok(numeric_id::Entity::find()
        .filter(numeric_id::Column::Kind.eq(kind.name()))
        .filter(numeric_id::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row.target))
        .collect())
}

/// Corteza 2020.9's paging: `limit`/`offset` when either is set, else `page` (from 1) and
/// `perPage`; none of them: everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Paging {
    pub limit: i64,
    pub offset: i64,
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    /// The paging a list's query gives (each value absent: 0).
    pub fn given(
        limit: Option<i64>,
        offset: Option<i64>,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Self {
        Self {
            limit: limit.unwrap_or(0),
            offset: offset.unwrap_or(0),
            page: page.unwrap_or(0),
            per_page: per_page.unwrap_or(0),
        }
    }

    /// How many rows to skip, and how many to answer at most (None: all).
    pub fn window(&self) -> (usize, Option<usize>) {
        let to = |n: i64| usize::try_from(n.max(0)).unwrap_or(0);
        if self.limit != 0 || self.offset != 0 {
            return (to(self.offset), (self.limit > 0).then(|| to(self.limit)));
        }
        if self.per_page > 0 {
            let page = self.page.max(1);
            return (to((page - 1) * self.per_page), Some(to(self.per_page)));
        }
        (0, None)
    }

    /// Adds the paging to an echoed filter (each value left out when 0).
    pub fn echo(&self, out: &mut serde_json::Map<String, serde_json::Value>) {
        for (key, value) in [
            ("limit", self.limit),
            ("offset", self.offset),
            ("page", self.page),
            ("perPage", self.per_page),
        ] {
            if value != 0 {
                out.insert(key.to_owned(), serde_json::json!(value));
            }
        }
    }
}

/// Whether a row in a state (`at` non-zero) passes a 0/1/2 filter (exclude, include, only).
pub fn passes(state_filter: i64, at: i64) -> bool {
    match state_filter {
        1 => true,
        2 => at != 0,
        _ => at == 0,
    }
}

/// A `sort` as Corteza takes it: columns of `columns`, each with ASC or DESC; the API
/// names `createdAt`, `updatedAt`, `deletedAt` are snake-cased.
pub fn parse_sort(sort: &str, columns: &[&str]) -> Result<Vec<(String, bool)>, ApiError> {
    let mut out = Vec::new();
    for part in sort.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let column = match words.next().unwrap_or_default() {
            "createdAt" => "created_at",
            "updatedAt" => "updated_at",
            "deletedAt" => "deleted_at",
            other => other,
        };
        if !columns.contains(&column) {
            return Err(error(format!("unknown order-by column \"{column}\"")));
        }
        let descending = words.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
        out.push((column.to_owned(), descending));
    }
    Ok(out)
}

/// `{"success": {"message": "OK"}}`.
pub fn success() -> crate::contract::types::CortezaSuccessReply {
    crate::contract::types::CortezaSuccessReply {
        success: Some(crate::contract::types::CortezaSuccessMessage {
            message: "OK".to_owned(),
        }),
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn ids_are_positive_decimal_numbers() {
        assert_eq!(
            parse_id("169857237498503169").ok(),
            Some(169_857_237_498_503_169)
        );
        for bad in ["0", "", "x", "-3", "18446744073709551615"] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
    }
}
