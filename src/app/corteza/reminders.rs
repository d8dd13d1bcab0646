//! Corteza's reminders: a resource (any string, e.g. `compose:record:42`), a payload
//! (raw JSON), who it is for and when. As in Corteza 2020.9, any signed-in user may list,
//! read, dismiss, snooze and delete any reminder; assigning one to somebody else needs
//! `reminder.assign` on `system`. Deleting is soft and deleted reminders are never shown.

use super::{
    INTERNAL, Kind, Paging, caller_id, error, json_text, json_value, new_numeric_id, optional_time,
    parse_id, parse_time, rbac, target_of, time,
};
use crate::auth::Caller;
use crate::contract::types::{CortezaReminder, CortezaReminderList};
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::corteza_reminder as reminder;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

fn view(r: reminder::Model) -> CortezaReminder {
    CortezaReminder {
        reminder_id: r.id.to_string(),
        resource: r.resource,
        payload: json_value(&r.payload),
        snooze_count: r.snooze_count,
        assigned_to: r.assigned_to.to_string(),
        assigned_by: r.assigned_by.to_string(),
        assigned_at: time(r.assigned_at),
        dismissed_by: r.dismissed_by.to_string(),
        dismissed_at: optional_time(r.dismissed_at),
        remind_at: optional_time(r.remind_at),
        created_at: time(r.created_at),
        updated_at: optional_time(r.updated_at),
        deleted_at: optional_time(r.deleted_at),
    }
}

/// The reminder `id` names (not deleted); `missing` is the message when there is none.
async fn find(caller: &Caller, id: &str, missing: &str) -> Result<reminder::Model, ApiError> {
    let id = parse_id(id)?;
    reminder::Entity::find_by_id(id)
        .filter(reminder::Column::DeletedAt.eq(0))
        .one(caller.state.db())
        .await?
        .ok_or_else(|| error(missing))
}

/// A time given in a request, if any (empty: none).
fn optional_moment(text: Option<&str>) -> Result<i64, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => parse_time(t),
        None => Ok(0),
    }
}

/// Who a reminder is for: `assigned_to` (the caller when empty or 0), an existing user;
/// somebody else needs `reminder.assign`.
async fn assignee(caller: &Caller, me: i64, assigned_to: &str) -> Result<i64, ApiError> {
    let given = assigned_to.trim();
    let id = if given.is_empty() || given == "0" {
        me
    } else {
        parse_id(given)?
    };
    if id != me {
        rbac::require(
            caller,
            "system",
            "reminder.assign",
            "not allowed to assign reminders to other users",
        )
        .await?;
    }
    if target_of(caller.state.db(), Kind::User, id)
        .await?
        .is_none()
    {
        return Err(error("user not found"));
    }
    Ok(id)
}

/// What a reminder is made of in a create or an update.
pub struct Fields {
    pub resource: String,
    pub assigned_to: String,
    pub payload: serde_json::Value,
    pub remind_at: Option<String>,
}

/// `POST /reminder/`: assigned by the caller, now.
pub async fn create(caller: &Caller, fields: Fields) -> Result<CortezaReminder, ApiError> {
    let me = caller_id(caller).await?;
    let remind_at = optional_moment(fields.remind_at.as_deref())?;
    let assigned_to = assignee(caller, me, &fields.assigned_to).await?;
    let now = now_millis();
    let row = reminder::Model {
        id: new_numeric_id(),
        resource: fields.resource,
        payload: json_text(Some(&fields.payload)),
        snooze_count: 0,
        assigned_to,
        assigned_by: me,
        assigned_at: now,
        dismissed_by: 0,
        dismissed_at: 0,
        remind_at,
        created_at: now,
        updated_at: 0,
        deleted_at: 0,
    };
    reminder::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(caller.state.db())
        .await?;
    Ok(view(row))
}

/// `PUT /reminder/{id}`: resource, payload and time replaced; a new assignee is assigned by
/// the caller, now.
pub async fn update(
    caller: &Caller,
    id: &str,
    fields: Fields,
) -> Result<CortezaReminder, ApiError> {
    let found = find(caller, id, INTERNAL).await?;
    let me = caller_id(caller).await?;
    let remind_at = optional_moment(fields.remind_at.as_deref())?;
    let assigned_to = assignee(caller, me, &fields.assigned_to).await?;
    let reassigned = assigned_to != found.assigned_to;
    let mut row = found.into_active_model();
    row.resource = Set(fields.resource);
    row.payload = Set(json_text(Some(&fields.payload)));
    row.remind_at = Set(remind_at);
    if reassigned {
        row.assigned_to = Set(assigned_to);
        row.assigned_by = Set(me);
        row.assigned_at = Set(now_millis());
    }
    row.updated_at = Set(now_millis());
    Ok(view(row.update(caller.state.db()).await?))
}

/// `GET /reminder/{id}`.
pub async fn read(caller: &Caller, id: &str) -> Result<CortezaReminder, ApiError> {
    find(caller, id, INTERNAL).await.map(view)
}

/// What changes a reminder without a body of fields.
pub enum Change {
    Delete,
    Dismiss,
    /// Due again at this time (RFC 3339).
    Snooze(String),
}

/// `DELETE /reminder/{id}`, `PATCH …/dismiss`, `PATCH …/snooze`. The write is one
/// statement on the row as it then is, so concurrent snoozes count every one of them.
pub async fn change(caller: &Caller, id: &str, change: Change) -> Result<(), ApiError> {
    let found = find(caller, id, "reminder not found").await?;
    let now = now_millis();
    let update = reminder::Entity::update_many()
        .filter(reminder::Column::Id.eq(found.id))
        .filter(reminder::Column::DeletedAt.eq(0))
        .col_expr(reminder::Column::UpdatedAt, Expr::value(now));
    let update = match change {
        Change::Delete => update.col_expr(reminder::Column::DeletedAt, Expr::value(now)),
        Change::Dismiss => update
            .col_expr(reminder::Column::DismissedAt, Expr::value(now))
            .col_expr(
                reminder::Column::DismissedBy,
                Expr::value(caller_id(caller).await?),
            ),
        Change::Snooze(at) => {
            let at = parse_time(at.trim())?;
            update
                .col_expr(reminder::Column::RemindAt, Expr::value(at))
                .col_expr(
                    reminder::Column::SnoozeCount,
                    Expr::col(reminder::Column::SnoozeCount).add(1),
                )
        }
    };
    let done = update.exec(caller.state.db()).await?;
    if done.rows_affected == 0 {
        return Err(error("reminder not found"));
    }
    Ok(())
}

/// What `GET /reminder/` filters by.
#[derive(Default)]
pub struct Filter {
    pub reminder_ids: Vec<String>,
    pub resource: Option<String>,
    pub assigned_to: Option<String>,
    pub scheduled_from: Option<String>,
    pub scheduled_until: Option<String>,
    pub scheduled_only: bool,
    pub exclude_dismissed: bool,
    pub paging: Paging,
    pub sort: Option<String>,
}

/// `GET /reminder/`: by resource prefix, assignee, due time (inclusive) and state, soonest
/// first; `reminderID` and `sort` are echoed and not applied, as in Corteza 2020.9.
pub async fn list(caller: &Caller, filter: Filter) -> Result<CortezaReminderList, ApiError> {
    let from = optional_moment(filter.scheduled_from.as_deref())?;
    let until = optional_moment(filter.scheduled_until.as_deref())?;
    let assigned_to = match filter.assigned_to.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() && t != "0" => parse_id(t)?,
        _ => 0,
    };
    let mut condition = Condition::all().add(reminder::Column::DeletedAt.eq(0));
    if let Some(prefix) = filter.resource.as_deref().filter(|p| !p.is_empty()) {
        condition = condition.add(reminder::Column::Resource.starts_with(prefix));
    }
    if assigned_to != 0 {
        condition = condition.add(reminder::Column::AssignedTo.eq(assigned_to));
    }
    if from != 0 {
        condition = condition.add(reminder::Column::RemindAt.gte(from));
    }
    if until != 0 {
        condition = condition.add(reminder::Column::RemindAt.lte(until));
    }
    if filter.scheduled_only {
        condition = condition.add(reminder::Column::RemindAt.ne(0));
    }
    if filter.exclude_dismissed {
        condition = condition.add(reminder::Column::DismissedAt.eq(0));
    }
    let db = caller.state.db();
    let query = reminder::Entity::find().filter(condition);
    let count = query.clone().count(db).await?;
    let (offset, limit) = filter.paging.window();
    let mut page = query
        .order_by_asc(reminder::Column::RemindAt)
        .order_by_asc(reminder::Column::Id);
    if offset > 0 || limit.is_some() {
        // SQLite takes an offset only after a limit; i64::MAX is "no limit" in both.
        let most = limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let skip = i64::try_from(offset).unwrap_or(i64::MAX);
        page = page.limit(most.unsigned_abs()).offset(skip.unsigned_abs());
    }
    let rows = page.all(db).await?;
    let mut echo = serde_json::Map::new();
    let ids: Vec<i64> = filter
        .reminder_ids
        .iter()
        .filter_map(|id| parse_id(id).ok())
        .collect();
    echo.insert("reminderID".into(), serde_json::json!(ids));
    echo.insert(
        "resource".into(),
        serde_json::json!(filter.resource.unwrap_or_default()),
    );
    echo.insert("assignedTo".into(), serde_json::json!(assigned_to));
    for (key, at) in [("scheduledFrom", from), ("scheduledUntil", until)] {
        echo.insert(key.into(), serde_json::json!(optional_time(at)));
    }
    echo.insert(
        "excludeDismissed".into(),
        serde_json::json!(filter.exclude_dismissed),
    );
    echo.insert(
        "scheduledOnly".into(),
        serde_json::json!(filter.scheduled_only),
    );
    echo.insert(
        "sort".into(),
        serde_json::json!(filter.sort.unwrap_or_default()),
    );
    filter.paging.echo(&mut echo);
    echo.insert("count".into(), serde_json::json!(count));
    Ok(CortezaReminderList {
        filter: echo,
        set: (!rows.is_empty()).then(|| rows.into_iter().map(view).collect()),
    })
}
