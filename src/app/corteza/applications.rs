//! Corteza's applications: the entries of Corteza's app list, each with a name, whether it
//! is enabled and how the list shows it (`unify`). Checked as Corteza 2020.9 checks them:
//! `application.create` on `system`; `read`, `update` and `delete` on
//! `system:application:<id>` (reading is allowed when no rule decides). Deleting is soft.

use super::{
    INTERNAL, Paging, error, json_value, new_numeric_id, optional_time, parse_id, parse_sort,
    passes, rbac, time,
};
use crate::auth::Caller;
use crate::contract::types::{CortezaApplication, CortezaApplicationList};
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::corteza_application as application;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::{Map, Value, json};

fn resource(id: i64) -> String {
    format!("system:application:{id}")
}

/// Corteza's view of applications, with what the caller may do with each (`flags`: the
/// `can*` fields, which a trigger's answer leaves out).
fn views(
    checker: &rbac::Checker,
    rows: Vec<application::Model>,
    flags: bool,
) -> Vec<CortezaApplication> {
    let can_grant = checker.allows("system", "grant");
    rows.into_iter()
        .map(|a| {
            let on = resource(a.id);
            CortezaApplication {
                application_id: a.id.to_string(),
                name: a.name,
                owner_id: a.owner_id,
                enabled: a.enabled,
                unify: a.unify.as_deref().map(json_value),
                created_at: time(a.created_at),
                updated_at: optional_time(a.updated_at),
                deleted_at: optional_time(a.deleted_at),
                can_grant: flags.then_some(can_grant),
                can_update_application: flags.then(|| checker.allows(&on, "update")),
                can_delete_application: flags.then(|| checker.allows(&on, "delete")),
            }
        })
        .collect()
}

async fn view(
    caller: &Caller,
    row: application::Model,
    flags: bool,
) -> Result<CortezaApplication, ApiError> {
    let checker = rbac::Checker::load(caller).await?;
    views(&checker, vec![row], flags)
        .pop()
        .ok_or_else(|| ApiError::internal("no view of the application"))
}

/// `unify` as Corteza keeps it: its known fields with their defaults (`name` only when
/// given; `config` a string). A form sends it as JSON text. None: not given, or null.
fn unify(given: Option<Value>) -> Result<Option<String>, ApiError> {
    let value = match given {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => serde_json::from_str(&text)
            .map_err(|e| error(format!("error parsing http request body: {e}")))?,
        Some(other) => other,
    };
    let Value::Object(given) = value else {
        return Err(error(
            "error parsing http request body: json: cannot unmarshal unify into an object",
        ));
    };
    let text = |key: &str| {
        given
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut out = Map::new();
    if let Some(name) = given
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        out.insert("name".into(), json!(name));
    }
    out.insert(
        "listed".into(),
        json!(
            given
                .get("listed")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
    );
    for key in ["icon", "logo", "url"] {
        out.insert(key.into(), json!(text(key)));
    }
    let config = match given.get("config") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    out.insert("config".into(), json!(config));
    out.insert(
        "order".into(),
        json!(given.get("order").and_then(Value::as_i64).unwrap_or(0)),
    );
    Ok(Some(Value::Object(out).to_string()))
}

/// The application `id` names (deleted ones too); `missing` is the message when none.
async fn find(caller: &Caller, id: &str, missing: &str) -> Result<application::Model, ApiError> {
    let id = parse_id(id)?;
    application::Entity::find_by_id(id)
        .one(caller.state.db())
        .await?
        .ok_or_else(|| error(missing))
}

/// What an application is made of in a create or an update.
pub struct Fields {
    pub name: String,
    pub enabled: Option<bool>,
    pub unify: Option<Value>,
}

/// `POST /application/`: `application.create` on `system`.
pub async fn create(caller: &Caller, fields: Fields) -> Result<CortezaApplication, ApiError> {
    rbac::require(
        caller,
        "system",
        "application.create",
        "not allowed to create applications",
    )
    .await?;
    let row = application::Model {
        id: new_numeric_id(),
        name: fields.name,
        owner_id: 0,
        enabled: fields.enabled.unwrap_or(false),
        unify: unify(fields.unify)?,
        created_at: now_millis(),
        updated_at: 0,
        deleted_at: 0,
    };
    application::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(caller.state.db())
        .await?;
    view(caller, row, true).await
}

/// `PUT /application/{id}`: `update` on it. Name, enabled (omitted: false) and unify
/// (omitted: none) are replaced.
pub async fn update(
    caller: &Caller,
    id: &str,
    fields: Fields,
) -> Result<CortezaApplication, ApiError> {
    let found = find(caller, id, INTERNAL).await?;
    rbac::require(
        caller,
        &resource(found.id),
        "update",
        "not allowed to update this application",
    )
    .await?;
    let mut row = found.into_active_model();
    row.name = Set(fields.name);
    row.enabled = Set(fields.enabled.unwrap_or(false));
    row.unify = Set(unify(fields.unify)?);
    row.updated_at = Set(now_millis());
    let saved = row.update(caller.state.db()).await?;
    view(caller, saved, true).await
}

/// `GET /application/{id}`: `read` on it.
pub async fn read(caller: &Caller, id: &str) -> Result<CortezaApplication, ApiError> {
    let found = find(caller, id, "invalid ID").await?;
    rbac::require(
        caller,
        &resource(found.id),
        "read",
        "not allowed to read this application",
    )
    .await?;
    view(caller, found, true).await
}

/// `POST /application/{id}/trigger`: `read` on it. Corteza runs the named automation
/// script there (Corredor); ferromost has no script runner, which Corteza answers as it
/// does with Corredor turned off: nothing runs and the application comes back as it is.
pub async fn trigger(
    caller: &Caller,
    id: &str,
    script: &str,
) -> Result<CortezaApplication, ApiError> {
    let found = find(caller, id, INTERNAL).await?;
    rbac::require(
        caller,
        &resource(found.id),
        "read",
        "not allowed to read this application",
    )
    .await?;
    let _ = script;
    view(caller, found, false).await
}

/// `DELETE /application/{id}` (`undelete: false`) and `POST …/undelete`: `delete` on it.
pub async fn set_deleted(caller: &Caller, id: &str, deleted: bool) -> Result<(), ApiError> {
    let found = find(caller, id, INTERNAL).await?;
    let refused = if deleted {
        "not allowed to delete this application"
    } else {
        "not allowed to undelete this application"
    };
    rbac::require(caller, &resource(found.id), "delete", refused).await?;
    let now = now_millis();
    application::Entity::update_many()
        .filter(application::Column::Id.eq(found.id))
        .col_expr(
            application::Column::DeletedAt,
            Expr::value(if deleted { now } else { 0 }),
        )
        .col_expr(application::Column::UpdatedAt, Expr::value(now))
        .exec(caller.state.db())
        .await?;
    Ok(())
}

/// What `GET /application/` filters by.
#[derive(Default)]
pub struct Filter {
    pub name: Option<String>,
    pub query: Option<String>,
    pub deleted: i64,
    pub paging: Paging,
    pub sort: Option<String>,
}

const SORT_COLUMNS: [&str; 8] = [
    "id",
    "rel_owner",
    "name",
    "enabled",
    "unify",
    "created_at",
    "updated_at",
    "deleted_at",
];

/// `GET /application/`: those the caller may read, by name substring and state; `deleted`
/// above 0 needs `access` on `system`. `name` is echoed, not applied, as in Corteza.
pub async fn list(caller: &Caller, filter: Filter) -> Result<CortezaApplicationList, ApiError> {
    if filter.deleted > 0 {
        rbac::require(
            caller,
            "system",
            "access",
            "not allowed to list applications",
        )
        .await?;
    }
    let sort = parse_sort(filter.sort.as_deref().unwrap_or_default(), &SORT_COLUMNS)?;
    let checker = rbac::Checker::load(caller).await?;
    let mut query = application::Entity::find();
    match filter.deleted {
        1 => {}
        2 => query = query.filter(application::Column::DeletedAt.ne(0)),
        _ => query = query.filter(application::Column::DeletedAt.eq(0)),
    }
    let needle = filter.query.as_deref().unwrap_or_default().to_lowercase();
    let mut kept: Vec<application::Model> = query
        .all(caller.state.db())
        .await?
        .into_iter()
        .filter(|a| {
            passes(filter.deleted, a.deleted_at)
                && a.name.to_lowercase().contains(&needle)
                && checker.allows(&resource(a.id), "read")
        })
        .collect();
    kept.sort_by(|a, b| {
        for (column, descending) in &sort {
            let order = match column.as_str() {
                "id" => a.id.cmp(&b.id),
                "rel_owner" => a.owner_id.cmp(&b.owner_id),
                "name" => a.name.cmp(&b.name),
                "enabled" => a.enabled.cmp(&b.enabled),
                "unify" => a.unify.cmp(&b.unify),
                "created_at" => a.created_at.cmp(&b.created_at),
                "updated_at" => a.updated_at.cmp(&b.updated_at),
                _ => a.deleted_at.cmp(&b.deleted_at),
            };
            let order = if *descending { order.reverse() } else { order };
            if order.is_ne() {
                return order;
            }
        }
        a.id.cmp(&b.id)
    });
    let count = kept.len();
    let (offset, limit) = filter.paging.window();
    let page: Vec<application::Model> = kept
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    let mut echo = Map::new();
    echo.insert("name".into(), json!(filter.name.unwrap_or_default()));
    echo.insert("query".into(), json!(filter.query.unwrap_or_default()));
    echo.insert("sort".into(), json!(filter.sort.unwrap_or_default()));
    filter.paging.echo(&mut echo);
    echo.insert("count".into(), json!(count));
    echo.insert("deleted".into(), json!(filter.deleted));
    Ok(CortezaApplicationList {
        filter: echo,
        set: Some(views(&checker, page, true)),
    })
}
