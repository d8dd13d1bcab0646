//! Corteza's roles over Mattermost's roles. The roles Corteza shows are the system-level
//! ones: Mattermost's `system_*` roles (built in: never deleted or archived through
//! Corteza, their handles fixed) and the roles made through Corteza, which are Mattermost
//! roles too (no permissions in Mattermost until given some there), listed by its role
//! operations. A role's members are the accounts holding it in their system roles, the same
//! fact Mattermost's UpdateUserRoles writes. Everyone (1, `system_user`) cannot be changed
//! and its members are neither listed nor managed.

use super::{
    EVERYONE, INTERNAL, Kind, Paging, error, numeric_ids, optional_time, parse_id, parse_sort,
    passes, rbac, time,
};
use crate::app::account_writes;
use crate::auth::Caller;
use crate::contract::types::{CortezaRole, CortezaRoleList};
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::{corteza_role, role, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use std::collections::HashMap;

/// A role as Corteza sees it: Mattermost's row, Corteza's side of it, its numeric id.
pub struct Role {
    pub id: i64,
    pub row: role::Model,
    pub side: Option<corteza_role::Model>,
}

impl Role {
    fn handle(&self) -> String {
        self.side
            .as_ref()
            .map_or_else(|| self.row.name.clone(), |s| s.handle.clone())
    }

    pub(super) fn archived_at(&self) -> i64 {
        self.side.as_ref().map_or(0, |s| s.archived_at)
    }

    fn resource(&self) -> String {
        format!("system:role:{}", self.id)
    }
}

/// Whether Corteza shows the Mattermost role: a system-level one.
fn is_corteza_role(row: &role::Model) -> bool {
    row.name.starts_with("system_") || !row.built_in
}

/// Every role Corteza shows, with its numeric id.
pub(super) async fn all_roles(db: &impl ConnectionTrait) -> Result<Vec<Role>, ApiError> {
    let rows: Vec<role::Model> = role::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(is_corteza_role)
        .collect();
    let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    let ids = numeric_ids(db, Kind::Role, &names).await?;
    let mut sides: HashMap<String, corteza_role::Model> = corteza_role::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| Role {
            id: ids.get(&row.name).copied().unwrap_or_default(),
            side: sides.remove(&row.name),
            row,
        })
        .collect())
}

/// The role Corteza's id `id` names (`missing` when none).
pub async fn role_of(caller: &Caller, id: &str, missing: &str) -> Result<Role, ApiError> {
    let numeric = parse_id(id)?;
    let db = caller.state.db();
    let name = super::target_of(db, Kind::Role, numeric)
        .await?
        .ok_or_else(|| error(missing))?;
    let row = role::Entity::find()
        .filter(role::Column::Name.eq(&name))
        .one(db)
        .await?
        .filter(is_corteza_role)
        .ok_or_else(|| error(missing))?;
    let side = corteza_role::Entity::find_by_id(name).one(db).await?;
    Ok(Role {
        id: numeric,
        row,
        side,
    })
}

/// Corteza's view of roles (with what the caller may do with each).
fn views(checker: &rbac::Checker, roles: &[Role]) -> Vec<CortezaRole> {
    let can_grant = checker.allows("system", "grant");
    let mut out = Vec::with_capacity(roles.len());
    for r in roles {
        let changeable = r.id != EVERYONE;
        out.push(CortezaRole {
            role_id: r.id.to_string(),
            name: r.row.display_name.clone(),
            handle: r.handle(),
            organisation_id: Some(r.side.as_ref().map_or(0, |s| s.organisation_id).to_string()),
            created_at: time(r.row.create_at),
            updated_at: optional_time(r.row.update_at),
            archived_at: optional_time(r.archived_at()),
            deleted_at: optional_time(r.row.delete_at),
            can_grant: Some(can_grant),
            can_update_role: Some(changeable && checker.allows(&r.resource(), "update")),
            can_delete_role: Some(changeable && checker.allows(&r.resource(), "delete")),
        });
    }
    out
}

pub async fn view(caller: &Caller, role: &Role) -> Result<CortezaRole, ApiError> {
    let checker = rbac::Checker::load(caller).await?;
    let mut one = views(&checker, std::slice::from_ref(role));
    one.pop()
        .ok_or_else(|| ApiError::internal("no view of the role"))
}

/// `GET /roles/{id}`: deleted and archived roles too; no check.
pub async fn read(caller: &Caller, id: &str) -> Result<CortezaRole, ApiError> {
    let role = role_of(caller, id, INTERNAL).await?;
    view(caller, &role).await
}

/// `POST /roles/{id}/trigger`: Corteza runs the named automation script on the role
/// (Corredor); ferromost has no script runner, which Corteza answers as it does with
/// Corredor turned off: nothing runs, and the role comes back bare (no `can*` fields).
pub async fn trigger(caller: &Caller, id: &str, script: &str) -> Result<CortezaRole, ApiError> {
    let _ = script;
    let role = role_of(caller, id, INTERNAL).await?;
    let mut out = view(caller, &role).await?;
    out.can_grant = None;
    out.can_update_role = None;
    out.can_delete_role = None;
    Ok(out)
}

/// What `GET /roles/` filters by.
#[derive(Default)]
pub struct Filter {
    pub query: Option<String>,
    pub deleted: i64,
    pub archived: i64,
    pub paging: Paging,
    pub sort: Option<String>,
}

const SORT_COLUMNS: [&str; 7] = [
    "id",
    "name",
    "handle",
    "created_at",
    "updated_at",
    "archived_at",
    "deleted_at",
];

/// `GET /roles/`: the roles the caller may read; `deleted` above 0 needs `access` on
/// `system`.
pub async fn list(caller: &Caller, filter: Filter) -> Result<CortezaRoleList, ApiError> {
    if filter.deleted > 0 {
        rbac::require(caller, "system", "access", "not allowed to list roles").await?;
    }
    let sort = parse_sort(filter.sort.as_deref().unwrap_or_default(), &SORT_COLUMNS)?;
    let checker = rbac::Checker::load(caller).await?;
    let mut kept = Vec::new();
    for r in all_roles(caller.state.db()).await? {
        let query = filter.query.as_deref().map(str::to_lowercase);
        let matches = query.as_deref().is_none_or(|q| {
            r.row.display_name.to_lowercase().starts_with(q)
                || r.handle().to_lowercase().starts_with(q)
        });
        if matches
            && passes(filter.deleted, r.row.delete_at)
            && passes(filter.archived, r.archived_at())
            && checker.allows(&r.resource(), "read")
        {
            kept.push(r);
        }
    }
    kept.sort_by(|a, b| {
        for (column, descending) in &sort {
            let order = match column.as_str() {
                "id" => a.id.cmp(&b.id),
                "name" => a.row.display_name.cmp(&b.row.display_name),
                "handle" => a.handle().cmp(&b.handle()),
                "created_at" => a.row.create_at.cmp(&b.row.create_at),
                "updated_at" => a.row.update_at.cmp(&b.row.update_at),
                "archived_at" => a.archived_at().cmp(&b.archived_at()),
                _ => a.row.delete_at.cmp(&b.row.delete_at),
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
    let page: Vec<Role> = kept
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    let mut echo = serde_json::Map::new();
    echo.insert("roleID".into(), serde_json::Value::Null);
    echo.insert("memberID".into(), serde_json::json!(0));
    echo.insert(
        "query".into(),
        serde_json::json!(filter.query.clone().unwrap_or_default()),
    );
    echo.insert("handle".into(), serde_json::json!(""));
    echo.insert("name".into(), serde_json::json!(""));
    echo.insert("deleted".into(), serde_json::json!(filter.deleted));
    echo.insert("archived".into(), serde_json::json!(filter.archived));
    echo.insert(
        "sort".into(),
        serde_json::json!(filter.sort.clone().unwrap_or_default()),
    );
    filter.paging.echo(&mut echo);
    echo.insert("count".into(), serde_json::json!(count));
    Ok(CortezaRoleList {
        filter: echo,
        set: Some(views(&checker, &page)),
    })
}

/// Corteza's handle rule: empty, or a letter, then letters, digits, `_`, `-`, `.`, ending
/// in a letter or digit (at least 2 characters).
fn valid_handle(handle: &str) -> bool {
    if handle.is_empty() {
        return true;
    }
    let bytes = handle.as_bytes();
    bytes.len() >= 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(b))
        && bytes.len() <= 64
}

/// The Mattermost role name a new Corteza role gets: its handle lower-cased with `-` and
/// `.` as `_`, or a generated one for an empty handle.
fn role_name(handle: &str) -> String {
    if handle.is_empty() {
        return format!("custom_{}", new_id());
    }
    handle.to_ascii_lowercase().replace(['-', '.'], "_")
}

/// Checks a handle and a name against every role, deleted ones included (`except`: the
/// role being updated).
async fn check_unique(
    db: &impl ConnectionTrait,
    handle: &str,
    name: &str,
    except: Option<&str>,
) -> Result<(), ApiError> {
    if !valid_handle(handle) {
        return Err(error("invalid handle"));
    }
    let others: Vec<Role> = all_roles(db)
        .await?
        .into_iter()
        .filter(|r| Some(r.row.name.as_str()) != except)
        .collect();
    if !handle.is_empty()
        && others
            .iter()
            .any(|r| r.handle().eq_ignore_ascii_case(handle) || r.row.name == role_name(handle))
    {
        return Err(error("role handle not unique"));
    }
    if others.iter().any(|r| r.row.display_name == name) {
        return Err(error("role name not unique"));
    }
    Ok(())
}

/// The accounts Corteza's user ids name (`invalid ID` for a malformed one; an unknown one
/// is the generic error), each once, in the order of their account ids: the order in which
/// a write locks their rows, so that concurrent writes of the same accounts never deadlock.
async fn accounts_of(caller: &Caller, ids: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out = std::collections::BTreeSet::new();
    for id in ids {
        out.insert(super::users::account_of(caller, id, INTERNAL).await?.id);
    }
    Ok(out.into_iter().collect())
}

/// `POST /roles/`: `role.create` on `system`; members (given) need `members.manage` on the
/// new role. The role, its Corteza side and its members are written in one transaction.
pub async fn create(
    caller: &Caller,
    name: String,
    handle: String,
    members: Vec<String>,
) -> Result<Role, ApiError> {
    rbac::require(
        caller,
        "system",
        "role.create",
        "not allowed to create roles",
    )
    .await?;
    let db = caller.state.db();
    check_unique(db, &handle, &name, None).await?;
    let accounts = accounts_of(caller, &members).await?;
    let mm_name = role_name(&handle);
    let id = super::numeric_id_of(db, Kind::Role, &mm_name).await?;
    if !accounts.is_empty() {
        let resource = format!("system:role:{id}");
        let refused = "not allowed to manage role members";
        rbac::require(caller, &resource, "members.manage", refused).await?;
    }
    let now = now_millis();
    let row = role::ActiveModel {
        id: Set(new_id()),
        name: Set(mm_name.clone()),
        display_name: Set(name),
        description: Set(String::new()),
        create_at: Set(now),
        update_at: Set(now),
        delete_at: Set(0),
        permissions: Set(String::new()),
        scheme_managed: Set(false),
        built_in: Set(false),
    };
    let side = corteza_role::ActiveModel {
        name: Set(mm_name.clone()),
        handle: Set(handle),
        archived_at: Set(0),
        organisation_id: Set(0),
    };
    let txn = caller.state.begin_write().await?;
    let row = role::Entity::insert(row)
        .exec_with_returning(&txn)
        .await
        .map_err(|_| error("role handle not unique"))?;
    let side = corteza_role::Entity::insert(side)
        .exec_with_returning(&txn)
        .await?;
    for account in &accounts {
        account_writes::edit_roles_in(&txn, account, |roles| add(roles, &mm_name)).await?;
    }
    txn.commit().await?;
    account_writes::after_roles_changed(caller, &accounts).await?;
    caller
        .state
        .invalidate(crate::cluster::Invalidation::Roles)
        .await?;
    Ok(Role {
        id,
        row,
        side: Some(side),
    })
}

fn add(roles: &mut Vec<String>, name: &str) {
    if !roles.iter().any(|r| r == name) {
        roles.push(name.to_owned());
    }
}

/// `PUT /roles/{id}`: `update` on the role (never Everyone). Writes the name and the
/// handle (a built-in role keeps its handle); non-empty `members` replace the members.
pub async fn update(
    caller: &Caller,
    id: &str,
    name: String,
    handle: String,
    members: Vec<String>,
) -> Result<Role, ApiError> {
    let role = role_of(caller, id, INTERNAL).await?;
    let refused = "not allowed to update this role";
    if role.id == EVERYONE {
        return Err(error(refused));
    }
    rbac::require(caller, &role.resource(), "update", refused).await?;
    let handle = if role.row.built_in {
        role.handle()
    } else {
        handle
    };
    let db = caller.state.db();
    check_unique(db, &handle, &name, Some(&role.row.name)).await?;
    let accounts = accounts_of(caller, &members).await?;
    if !accounts.is_empty() {
        let refused = "not allowed to manage role members";
        rbac::require(caller, &role.resource(), "members.manage", refused).await?;
    }
    let txn = caller.state.begin_write().await?;
    let mut row = role.row.clone().into_active_model();
    row.display_name = Set(name);
    row.update_at = Set(now_millis());
    let row = row.update(&txn).await?;
    let side = save_side(&txn, &row.name, &handle, role.archived_at()).await?;
    let mut changed = Vec::new();
    if !accounts.is_empty() {
        // Those who hold it and those who will, each once, in the order of their ids.
        let mut touched: std::collections::BTreeSet<String> =
            holders(&txn, &row.name).await?.into_iter().collect();
        touched.extend(accounts.iter().cloned());
        for account in touched {
            let member = accounts.contains(&account);
            account_writes::edit_roles_in(&txn, &account, |roles| {
                if member {
                    add(roles, &row.name);
                } else {
                    roles.retain(|r| *r != row.name);
                }
            })
            .await?;
            changed.push(account);
        }
    }
    txn.commit().await?;
    account_writes::after_roles_changed(caller, &changed).await?;
    caller
        .state
        .invalidate(crate::cluster::Invalidation::Roles)
        .await?;
    Ok(Role {
        id: role.id,
        row,
        side: Some(side),
    })
}

async fn save_side(
    db: &impl ConnectionTrait,
    name: &str,
    handle: &str,
    archived_at: i64,
) -> Result<corteza_role::Model, ApiError> {
    let side = corteza_role::ActiveModel {
        name: Set(name.to_owned()),
        handle: Set(handle.to_owned()),
        archived_at: Set(archived_at),
        organisation_id: sea_orm::ActiveValue::NotSet,
    };
    corteza_role::Entity::insert(side)
        .on_conflict(
            OnConflict::column(corteza_role::Column::Name)
                .update_columns([
                    corteza_role::Column::Handle,
                    corteza_role::Column::ArchivedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    corteza_role::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("the role's Corteza side was not stored"))
}

/// The ids of the accounts holding role `name` among their system roles, in order.
async fn holders(db: &impl ConnectionTrait, name: &str) -> Result<Vec<String>, ApiError> {
    let candidates = user::Entity::find()
        .filter(user::Column::Roles.contains(name))
        .all(db)
        .await?;
    let mut ids: Vec<String> = candidates
        .into_iter()
        .filter(|u| u.roles.split_whitespace().any(|r| r == name))
        .map(|u| u.id)
        .collect();
    ids.sort();
    Ok(ids)
}

/// A change of a role's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Delete,
    Undelete,
    Archive,
    Unarchive,
}

impl Change {
    /// How the audit trail names the change.
    pub fn audited(self) -> &'static str {
        match self {
            Self::Delete => "deleted",
            Self::Undelete => "undeleted",
            Self::Archive => "archived",
            Self::Unarchive => "unarchived",
        }
    }
}

/// Deletes, undeletes, archives or unarchives a role: `delete` on the role (`update` to
/// archive), never Everyone nor a built-in role.
pub async fn change(caller: &Caller, id: &str, change: Change) -> Result<(), ApiError> {
    let role = role_of(caller, id, INTERNAL).await?;
    let (operation, refused) = match change {
        Change::Delete | Change::Undelete => ("delete", "not allowed to delete this role"),
        Change::Archive => ("update", "not allowed to archive this role"),
        // Corteza has no refusal of its own for unarchiving: it checks `delete` and says so.
        Change::Unarchive => ("delete", "not allowed to delete this role"),
    };
    if role.row.built_in {
        return Err(error(refused));
    }
    rbac::require(caller, &role.resource(), operation, refused).await?;
    let now = now_millis();
    let txn = caller.state.begin_write().await?;
    match change {
        Change::Delete | Change::Undelete => {
            let mut row = role.row.clone().into_active_model();
            row.delete_at = Set(if change == Change::Delete { now } else { 0 });
            row.update_at = Set(now);
            row.update(&txn).await?;
        }
        Change::Archive | Change::Unarchive => {
            let at = if change == Change::Archive { now } else { 0 };
            save_side(&txn, &role.row.name, &role.handle(), at).await?;
        }
    }
    txn.commit().await?;
    caller
        .state
        .invalidate(crate::cluster::Invalidation::Roles)
        .await?;
    Ok(())
}

/// `POST /roles/{id}/move`: `update` on the role (never Everyone); the role now belongs to
/// organisation `organisation_id` (0: to none), which must exist.
pub async fn move_to(caller: &Caller, id: &str, organisation_id: &str) -> Result<(), ApiError> {
    let role = role_of(caller, id, INTERNAL).await?;
    let refused = "not allowed to update this role";
    if role.id == EVERYONE {
        return Err(error(refused));
    }
    rbac::require(caller, &role.resource(), "update", refused).await?;
    let organisation = match organisation_id.trim() {
        "" | "0" => 0,
        given => super::organisations::find(caller, given).await?.id,
    };
    let txn = caller.state.begin_write().await?;
    save_side(&txn, &role.row.name, &role.handle(), role.archived_at()).await?;
    corteza_role::Entity::update_many()
        .filter(corteza_role::Column::Name.eq(&role.row.name))
        .col_expr(
            corteza_role::Column::OrganisationId,
            sea_orm::sea_query::Expr::value(organisation),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// `GET /roles/{id}/members`: `read` on the role; the members' ids (deactivated accounts
/// too). Everyone's members are not listed (`invalid ID`).
pub async fn members(caller: &Caller, id: &str) -> Result<Vec<String>, ApiError> {
    let role = role_of(caller, id, INTERNAL).await?;
    if role.id == EVERYONE {
        return Err(super::invalid_id());
    }
    let refused = "not allowed to read this role";
    rbac::require(caller, &role.resource(), "read", refused).await?;
    let db = caller.state.db();
    let accounts = holders(db, &role.row.name).await?;
    let ids = numeric_ids(db, Kind::User, &accounts).await?;
    let mut ids: Vec<i64> = ids.into_values().collect();
    ids.sort_unstable();
    Ok(ids.into_iter().map(|i| i.to_string()).collect())
}

/// Adds or removes a member (`members.manage` on the role; Everyone is `invalid ID`; the
/// user must exist; adding twice and removing a non-member change nothing). Answers the
/// account as it is now.
pub async fn set_member(
    caller: &Caller,
    role_id: &str,
    user_id: &str,
    member: bool,
) -> Result<user::Model, ApiError> {
    let role = role_of(caller, role_id, INTERNAL).await?;
    if role.id == EVERYONE {
        return Err(super::invalid_id());
    }
    let refused = "not allowed to manage role members";
    rbac::require(caller, &role.resource(), "members.manage", refused).await?;
    let account = super::users::account_of(caller, user_id, INTERNAL).await?;
    let name = role.row.name.clone();
    let txn = caller.state.begin_write().await?;
    let updated = account_writes::edit_roles_in(&txn, &account.id, |roles| {
        if member {
            add(roles, &name);
        } else {
            roles.retain(|r| *r != name);
        }
    })
    .await?
    .ok_or_else(|| error(INTERNAL))?;
    txn.commit().await?;
    account_writes::after_roles_changed(caller, std::slice::from_ref(&account.id)).await?;
    Ok(updated)
}

/// `POST /roles/{id}/merge`: `update` on both roles; moves every member of the role to
/// `destination` (they hold the destination and no longer the role), in one transaction.
pub async fn merge(caller: &Caller, id: &str, destination: &str) -> Result<(), ApiError> {
    let source = role_of(caller, id, INTERNAL).await?;
    let target = role_of(caller, destination, INTERNAL).await?;
    let refused = "not allowed to update this role";
    if source.id == EVERYONE || target.id == EVERYONE || source.id == target.id {
        return Err(error(refused));
    }
    rbac::require(caller, &source.resource(), "update", refused).await?;
    rbac::require(caller, &target.resource(), "update", refused).await?;
    let (from, to) = (source.row.name.clone(), target.row.name.clone());
    let txn = caller.state.begin_write().await?;
    let moved = holders(&txn, &from).await?;
    for account in &moved {
        account_writes::edit_roles_in(&txn, account, |roles| {
            roles.retain(|r| *r != from);
            add(roles, &to);
        })
        .await?;
    }
    txn.commit().await?;
    account_writes::after_roles_changed(caller, &moved).await
}

#[cfg(test)]
mod tests {
    use super::{role_name, valid_handle};

    #[test]
    fn handles_and_the_role_names_they_give() {
        for good in ["", "ops", "Ops-Team.2", "a1"] {
            assert!(valid_handle(good), "{good}");
        }
        for bad in ["a", "1ops", "ops-", "o ps", "ops!"] {
            assert!(!valid_handle(bad), "{bad}");
        }
        assert_eq!(role_name("Ops-Team.2"), "ops_team_2");
        assert!(role_name("").starts_with("custom_"));
    }
}
