//! Corteza's users over Mattermost's accounts (see the module above for the mapping).

use super::{
    INTERNAL, Kind, Paging, error, numeric_id_of, numeric_ids, optional_time, parse_id, parse_sort,
    passes, rbac, time,
};
use crate::app::{account_writes, users};
use crate::auth::Caller;
use crate::contract::types::{CortezaUser, CortezaUserList, PatchUserBody};
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::{bot, corteza_user_state, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// What Corteza shows of a masked address and name.
const MASKED_EMAIL: &str = "####.#######@######.###";
const MASKED_NAME: &str = "##### ##########";

/// The account Corteza's user id `id` names; `missing` is the message when there is none.
pub async fn account_of(caller: &Caller, id: &str, missing: &str) -> Result<user::Model, ApiError> {
    let numeric = parse_id(id)?;
    let db = caller.state.db();
    let target = super::target_of(db, Kind::User, numeric)
        .await?
        .ok_or_else(|| error(missing))?;
    users::get(db, &target).await.map_err(|_| error(missing))
}

/// The account `id` names, once the caller may do `operation` on it (else `refused`).
async fn permitted_account(
    caller: &Caller,
    id: &str,
    operation: &str,
    refused: &str,
) -> Result<user::Model, ApiError> {
    let account = account_of(caller, id, INTERNAL).await?;
    require_on(caller, id, operation, refused).await?;
    Ok(account)
}

/// That the caller may do `operation` on user `id` (else `refused`).
async fn require_on(
    caller: &Caller,
    id: &str,
    operation: &str,
    refused: &str,
) -> Result<(), ApiError> {
    let resource = format!("system:user:{}", parse_id(id)?);
    rbac::require(caller, &resource, operation, refused).await
}

/// The Corteza states of accounts, by account id.
pub(super) async fn states_of(
    db: &impl ConnectionTrait,
    ids: Vec<String>,
) -> Result<HashMap<String, corteza_user_state::Model>, ApiError> {
    Ok(corteza_user_state::Entity::find()
        .filter(corteza_user_state::Column::UserId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.user_id.clone(), s))
        .collect())
}

/// When the account was suspended and deleted in Corteza's terms (0: not). A deactivation
/// through Mattermost reads as deleted.
pub(super) fn state(
    account: &user::Model,
    state: Option<&corteza_user_state::Model>,
) -> (i64, i64) {
    let suspended = state.map_or(0, |s| s.suspended_at);
    let deleted = match state.map_or(0, |s| s.deleted_at) {
        0 if account.delete_at != 0 && suspended == 0 => account.delete_at,
        at => at,
    };
    (suspended, deleted)
}

/// The account's full name, as Corteza's `name`.
fn full_name(account: &user::Model) -> String {
    format!("{} {}", account.first_name, account.last_name)
        .trim()
        .to_owned()
}

/// Corteza's view of accounts, masked where the caller may not see addresses or names.
async fn views(
    caller: &Caller,
    checker: &rbac::Checker,
    accounts: &[user::Model],
) -> Result<Vec<CortezaUser>, ApiError> {
    let db = caller.state.db();
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    let numeric = numeric_ids(db, Kind::User, &ids).await?;
    let states = states_of(db, ids.clone()).await?;
    let bots: std::collections::HashSet<String> = bot::Entity::find()
        .select_only()
        .column(bot::Column::UserId)
        .filter(bot::Column::UserId.is_in(ids))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let me = caller.session.as_ref().map(|s| s.user_id.as_str());
    let mut out = Vec::with_capacity(accounts.len());
    for account in accounts {
        let id = numeric.get(&account.id).copied().unwrap_or_default();
        let resource = format!("system:user:{id}");
        let own = me == Some(account.id.as_str());
        let unmask_email = own || checker.allows(&resource, "unmask.email");
        let unmask_name = own || checker.allows(&resource, "unmask.name");
        let (suspended, deleted) = state(account, states.get(&account.id));
        out.push(CortezaUser {
            user_id: id.to_string(),
            username: account.username.clone(),
            email: if unmask_email {
                account.email.clone()
            } else {
                MASKED_EMAIL.to_owned()
            },
            name: if unmask_name {
                full_name(account)
            } else {
                MASKED_NAME.to_owned()
            },
            handle: account.username.clone(),
            kind: if bots.contains(&account.id) {
                "bot".to_owned()
            } else {
                String::new()
            },
            meta: Some(serde_json::json!({})),
            organisation_id: Some("0".to_owned()),
            related_user_id: Some("0".to_owned()),
            user: None,
            created_at: time(account.create_at),
            updated_at: optional_time(account.update_at),
            suspended_at: optional_time(suspended),
            deleted_at: optional_time(deleted),
        });
    }
    Ok(out)
}

/// Corteza's view of one account.
pub async fn view(caller: &Caller, account: &user::Model) -> Result<CortezaUser, ApiError> {
    let checker = rbac::Checker::load(caller).await?;
    let mut one = views(caller, &checker, std::slice::from_ref(account)).await?;
    one.pop()
        .ok_or_else(|| ApiError::internal("no view of the account"))
}

/// `GET /users/{id}`: anyone signed in; masked by the unmask permissions.
pub async fn read(caller: &Caller, id: &str) -> Result<CortezaUser, ApiError> {
    let account = account_of(caller, id, "user not found").await?;
    view(caller, &account).await
}

/// What `GET /users/` filters by.
#[derive(Default)]
pub struct Filter {
    pub user_ids: Vec<String>,
    pub role_ids: Vec<String>,
    pub query: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub handle: Option<String>,
    pub kind: Option<String>,
    pub deleted: i64,
    pub suspended: i64,
    pub paging: Paging,
    pub sort: Option<String>,
}

/// The columns Corteza sorts users by.
const SORT_COLUMNS: [&str; 13] = [
    "id",
    "email",
    "username",
    "name",
    "handle",
    "meta",
    "kind",
    "rel_organisation",
    "email_confirmed",
    "created_at",
    "updated_at",
    "suspended_at",
    "deleted_at",
];

/// `GET /users/`: the accounts the caller may read (`read` on each), filtered, sorted and
/// paged as Corteza does; `deleted` above 0 needs `access` on `system`.
pub async fn list(caller: &Caller, filter: Filter) -> Result<CortezaUserList, ApiError> {
    if filter.deleted > 0 {
        rbac::require(caller, "system", "access", "not allowed to list users").await?;
    }
    let sort = parse_sort(filter.sort.as_deref().unwrap_or_default(), &SORT_COLUMNS)?;
    let db = caller.state.db();
    let accounts = user::Entity::find().all(db).await?;
    let checker = rbac::Checker::load(caller).await?;
    let mut views = views(caller, &checker, &accounts).await?;
    let wanted_roles = role_names(caller, &filter.role_ids).await?;
    let mut kept = Vec::new();
    for (account, view) in accounts.iter().zip(views.drain(..)) {
        let (suspended, deleted) = (view.suspended_at.is_some(), view.deleted_at.is_some());
        let prefix = |v: &str| {
            filter
                .query
                .as_deref()
                .is_none_or(|q| v.to_lowercase().starts_with(&q.to_lowercase()))
        };
        let keep = passes(filter.deleted, i64::from(deleted))
            && passes(filter.suspended, i64::from(suspended))
            && (filter.user_ids.is_empty() || filter.user_ids.contains(&view.user_id))
            && wanted_roles.as_ref().is_none_or(|wanted| {
                account
                    .roles
                    .split_whitespace()
                    .any(|r| wanted.iter().any(|w| w == r))
            })
            && filter.email.as_deref().is_none_or(|e| e == account.email)
            && filter
                .username
                .as_deref()
                .is_none_or(|u| u == account.username)
            && filter
                .handle
                .as_deref()
                .is_none_or(|h| h == account.username)
            && filter.kind.as_deref().is_none_or(|k| k == view.kind)
            && (filter.query.is_none() || prefix(&account.username));
        if keep && checker.allows(&format!("system:user:{}", view.user_id), "read") {
            kept.push((account, view));
        }
    }
    sort_users(&mut kept, &sort);
    let count = kept.len();
    let (offset, limit) = filter.paging.window();
    let set: Vec<CortezaUser> = kept
        .into_iter()
        .map(|(_, v)| v)
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    Ok(CortezaUserList {
        filter: echo(&filter, count),
        set: (!set.is_empty()).then_some(set),
    })
}

/// Role names of the roles Corteza's ids name (unknown ids name none, so match no
/// account); None when no ids are given (no filter).
async fn role_names(caller: &Caller, ids: &[String]) -> Result<Option<Vec<String>>, ApiError> {
    if ids.is_empty() {
        return Ok(None);
    }
    let numeric: Vec<i64> = ids.iter().filter_map(|i| parse_id(i).ok()).collect();
    let names = super::targets_of(caller.state.db(), Kind::Role, &numeric).await?;
    Ok(Some(names.into_values().collect()))
}

fn sort_users(rows: &mut [(&user::Model, CortezaUser)], sort: &[(String, bool)]) {
    let id = |v: &CortezaUser| v.user_id.parse::<u64>().unwrap_or_default();
    rows.sort_by(|(a, va), (b, vb)| {
        for (column, descending) in sort {
            let order = match column.as_str() {
                "id" => id(va).cmp(&id(vb)),
                "email" => a.email.cmp(&b.email),
                "username" | "handle" => a.username.cmp(&b.username),
                "name" => full_name(a).cmp(&full_name(b)),
                "kind" => va.kind.cmp(&vb.kind),
                "created_at" => a.create_at.cmp(&b.create_at),
                "updated_at" => a.update_at.cmp(&b.update_at),
                "suspended_at" => va.suspended_at.cmp(&vb.suspended_at),
                "deleted_at" => va.deleted_at.cmp(&vb.deleted_at),
                _ => std::cmp::Ordering::Equal,
            };
            let order = if *descending { order.reverse() } else { order };
            if order.is_ne() {
                return order;
            }
        }
        id(va).cmp(&id(vb))
    });
}

/// The filter as Corteza echoes it.
fn echo(filter: &Filter, count: usize) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        out.insert(k.to_owned(), v);
    };
    put("userID", serde_json::json!(filter.user_ids));
    put("roleID", serde_json::json!(filter.role_ids));
    for (key, value) in [
        ("query", &filter.query),
        ("email", &filter.email),
        ("username", &filter.username),
        ("handle", &filter.handle),
        ("kind", &filter.kind),
    ] {
        put(key, serde_json::json!(value.clone().unwrap_or_default()));
    }
    put("deleted", serde_json::json!(filter.deleted));
    put("suspended", serde_json::json!(filter.suspended));
    put(
        "sort",
        serde_json::json!(filter.sort.clone().unwrap_or_default()),
    );
    filter.paging.echo(&mut out);
    out.insert("count".to_owned(), serde_json::json!(count));
    out
}

/// Corteza's words for what Mattermost refused in an account's fields.
pub(super) fn refusal(e: ApiError) -> ApiError {
    let id = e.id.as_ref();
    let message = if id.contains("username_exists") {
        "handle not unique"
    } else if id.contains("email_exists") {
        "email not unique"
    } else if id.contains("is_valid.email") {
        "invalid email"
    } else if id.contains("is_valid.username") {
        "invalid handle"
    } else if id.contains("is_valid.pwd") {
        "provided password is not secure; use longer password with more non-alphanumeric character"
    } else {
        return e;
    };
    error(message)
}

/// Splits Corteza's `name` into Mattermost's first and last name (at the first space).
fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.split_once(' ') {
        Some((first, last)) => (first.to_owned(), last.trim().to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

/// A handle derived as Corteza derives one (from the name, else the address's local
/// part), made a valid Mattermost username: lower-case letters, digits, `.`, `-`, `_`.
fn derived_handle(name: &str, email: &str) -> String {
    let source = if name.trim().is_empty() {
        email.split('@').next().unwrap_or_default()
    } else {
        name
    };
    let mut handle: String = source
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    handle = handle
        .trim_start_matches(|c: char| !c.is_ascii_lowercase())
        .to_owned();
    handle.truncate(22);
    handle
}

/// What `POST /users/` and `PUT /users/{id}` send.
pub struct Fields {
    pub email: String,
    pub name: String,
    pub handle: Option<String>,
}

/// The Mattermost account Corteza's fields describe: the handle (else one derived from the
/// name or the address) is its username.
pub(super) fn new_account(
    fields: Fields,
    password: Option<String>,
    email_verified: bool,
) -> Result<users::NewUser, ApiError> {
    let email = fields.email.trim().to_lowercase();
    users::validate_email(&email).map_err(|_| error("invalid email"))?;
    let handle = match fields.handle.filter(|h| !h.trim().is_empty()) {
        Some(h) => h.trim().to_lowercase(),
        None => derived_handle(&fields.name, &email),
    };
    let (first_name, last_name) = split_name(&fields.name);
    Ok(users::NewUser {
        username: handle,
        email,
        password,
        first_name,
        last_name,
        nickname: String::new(),
        position: String::new(),
        locale: String::new(),
        props: serde_json::Map::new(),
        notify_props: None,
        timezone: None,
        email_verified,
    })
}

/// `POST /users/`: `user.create` on `system`. The address counts as confirmed, as Corteza
/// sets it; without a password until one is set.
pub async fn create(caller: &Caller, fields: Fields) -> Result<CortezaUser, ApiError> {
    rbac::require(
        caller,
        "system",
        "user.create",
        "not allowed to create users",
    )
    .await?;
    let new = new_account(fields, None, true)?;
    let config = caller.state.config();
    let txn = caller.state.begin_write().await?;
    let account = users::create(&txn, &config, new, "system_user")
        .await
        .map_err(refusal)?;
    txn.commit().await?;
    numeric_id_of(caller.state.db(), Kind::User, &account.id).await?;
    view(caller, &account).await
}

/// `PUT /users/{id}`: `update` on the user, unless it is the caller. Writes the address,
/// the name and the handle (an omitted handle keeps the username: Mattermost has no account
/// without one).
pub async fn update(caller: &Caller, id: &str, fields: Fields) -> Result<user::Model, ApiError> {
    let account = account_of(caller, id, INTERNAL).await?;
    let own = caller
        .session
        .as_ref()
        .is_some_and(|s| s.user_id == account.id);
    if !own {
        require_on(caller, id, "update", "not allowed to update this user").await?;
    }
    let (first_name, last_name) = split_name(&fields.name);
    let patch = PatchUserBody {
        email: Some(fields.email),
        username: fields.handle.filter(|h| !h.trim().is_empty()),
        first_name: Some(first_name),
        last_name: Some(last_name),
        ..PatchUserBody::default()
    };
    account_writes::patch(caller, account, patch)
        .await
        .map_err(refusal)
}

/// A change of an account's Corteza state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Suspend,
    Unsuspend,
    Delete,
    Undelete,
}

impl Change {
    /// How the audit trail names the change.
    pub fn audited(self) -> &'static str {
        match self {
            Self::Suspend => "suspended",
            Self::Unsuspend => "unsuspended",
            Self::Delete => "deleted",
            Self::Undelete => "undeleted",
        }
    }

    fn check(self) -> (&'static str, &'static str) {
        match self {
            Self::Suspend => ("suspend", "not allowed to suspend this user"),
            Self::Unsuspend => ("unsuspend", "not allowed to unsuspend this user"),
            Self::Delete => ("delete", "not allowed to delete this user"),
            // Corteza has no refusal of its own for undeleting: it checks `delete` and says so.
            Self::Undelete => ("delete", "not allowed to delete this user"),
        }
    }
}

/// Suspends, unsuspends, deletes or undeletes an account. The account is active in
/// Mattermost exactly while it is neither suspended nor deleted; deactivating it ends its
/// sessions at once. Answers the account as it is now.
pub async fn change(caller: &Caller, id: &str, change: Change) -> Result<user::Model, ApiError> {
    let (operation, refused) = change.check();
    let account = permitted_account(caller, id, operation, refused).await?;
    let db = caller.state.db();
    let current = states_of(db, vec![account.id.clone()]).await?;
    let (mut suspended, mut deleted) = state(&account, current.get(&account.id));
    let now = now_millis();
    match change {
        Change::Suspend if suspended == 0 => suspended = now,
        Change::Unsuspend => suspended = 0,
        Change::Delete if deleted == 0 => deleted = now,
        Change::Undelete => deleted = 0,
        _ => {}
    }
    let row = corteza_user_state::ActiveModel {
        user_id: sea_orm::ActiveValue::Set(account.id.clone()),
        suspended_at: sea_orm::ActiveValue::Set(suspended),
        deleted_at: sea_orm::ActiveValue::Set(deleted),
    };
    let active = suspended == 0 && deleted == 0;
    let txn = caller.state.begin_write().await?;
    corteza_user_state::Entity::insert(row)
        .on_conflict(
            OnConflict::column(corteza_user_state::Column::UserId)
                .update_columns([
                    corteza_user_state::Column::SuspendedAt,
                    corteza_user_state::Column::DeletedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    if active == (account.delete_at == 0) {
        txn.commit().await?;
        return Ok(account);
    }
    let updated = account_writes::write_active(&txn, account, active).await?;
    txn.commit().await?;
    account_writes::after_set_active(caller, &updated.id, active).await?;
    Ok(updated)
}

/// `POST /users/{id}/password`: `update` on the user; the password rules are Mattermost's
/// (stricter than Corteza's more than 4 characters), and as in Mattermost the account's
/// other sessions end.
pub async fn set_password(caller: &Caller, id: &str, password: String) -> Result<(), ApiError> {
    let account =
        permitted_account(caller, id, "update", "not allowed to update this user").await?;
    let keep = caller
        .session
        .as_ref()
        .filter(|s| s.user_id == account.id)
        .map(|s| s.id.clone());
    account_writes::replace_password(caller, account, password, keep.as_deref())
        .await
        .map_err(refusal)
}

/// `GET /users/{id}/membership`: the ids of the roles the account holds (Everyone left
/// out, as Corteza lists memberships).
pub async fn memberships(caller: &Caller, id: &str) -> Result<Vec<String>, ApiError> {
    let account = account_of(caller, id, INTERNAL).await?;
    role_ids_of(caller, &account).await
}

/// The numeric ids of the roles `account` holds, Everyone left out, in ascending order.
pub async fn role_ids_of(caller: &Caller, account: &user::Model) -> Result<Vec<String>, ApiError> {
    let names: Vec<String> = account
        .roles
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let ids = numeric_ids(caller.state.db(), Kind::Role, &names).await?;
    let mut ids: Vec<i64> = ids
        .into_values()
        .filter(|i| *i != super::EVERYONE)
        .collect();
    ids.sort_unstable();
    Ok(ids.into_iter().map(|i| i.to_string()).collect())
}
