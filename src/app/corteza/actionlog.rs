//! Corteza's action log over Mattermost's audit trail (`audits`): one record, whichever API
//! wrote it or reads it. An event's `resource` is the kind of object the audited request
//! addressed (`system:<first path segment, singular>`: `/api/v4/users/…` and
//! `/api/system/users/…` are `system:user`), its `action` the request path Mattermost
//! records, its `description` Mattermost's detail (`success`, `roles=…`), its actor the
//! account the record belongs to; a detail starting with `failure` is the event's `error`
//! (severity 4, warning; others 6, info).
//!
//! Corteza 2020.9 lets anyone signed in read the whole log; Mattermost shows an account's
//! trail to the account and everything to administrators. ferromost does the same here:
//! with `access` on `system` (Administrators) every record, otherwise the caller's own.

use super::{Kind, Paging, numeric_ids, parse_id, parse_time, rbac, targets_of, time};
use crate::auth::Caller;
use crate::contract::types::{CortezaActionlogEvent, CortezaActionlogList};
use crate::error::ApiError;
use crate::store::entity::{audit, user};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use std::collections::HashMap;

/// The API prefixes whose paths name an object kind first.
const PREFIXES: [&str; 2] = ["/api/v4/", "/api/system/"];
/// At most this many events when no paging is asked for.
const UNPAGED_MOST: u64 = 1000;

/// `system:<kind>` of an audited request path.
pub fn resource_of(path: &str) -> String {
    let rest = PREFIXES
        .iter()
        .find_map(|p| path.strip_prefix(p))
        .unwrap_or_else(|| path.trim_start_matches('/'));
    let segment = rest.split(['/', '?']).next().unwrap_or_default();
    let kind = segment.strip_suffix('s').unwrap_or(segment);
    format!("system:{kind}")
}

/// `\`-escapes LIKE's wildcards.
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The audit paths a `system:<kind>` resource covers: `<prefix><kind>[s]` alone or
/// followed by `/` (None: a resource no audited path is).
fn resource_condition(resource: &str) -> Option<Condition> {
    let kind = resource
        .strip_prefix("system:")
        .filter(|k| !k.is_empty() && !k.contains(['/', ':']))?;
    let mut any = Condition::any();
    for prefix in PREFIXES {
        for segment in [kind.to_owned(), format!("{kind}s")] {
            let whole = format!("{prefix}{segment}");
            any = any.add(audit::Column::Action.eq(whole.clone())).add(
                Expr::col(audit::Column::Action)
                    .like(LikeExpr::new(format!("{}/%", like_literal(&whole))).escape('\\')),
            );
        }
    }
    Some(any)
}

/// What `GET /actionlog/` filters by.
#[derive(Default)]
pub struct Filter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub resource: Option<String>,
    pub action: Option<String>,
    pub actor_ids: Vec<String>,
    pub paging: Paging,
}

fn moment(text: Option<&str>) -> Result<Option<i64>, ApiError> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(parse_time)
        .transpose()
}

/// `GET /actionlog/`: newest first; `count` is 0, as Corteza 2020.9 never computes it.
pub async fn list(caller: &Caller, filter: Filter) -> Result<CortezaActionlogList, ApiError> {
    let from = moment(filter.from.as_deref())?;
    let to = moment(filter.to.as_deref())?;
    let actors: Vec<i64> = filter
        .actor_ids
        .iter()
        .map(|id| parse_id(id))
        .collect::<Result<_, _>>()?;
    let db = caller.state.db();
    let mut condition = Condition::all();
    if let Some(from) = from {
        condition = condition.add(audit::Column::CreateAt.gte(from));
    }
    if let Some(to) = to {
        condition = condition.add(audit::Column::CreateAt.lte(to));
    }
    if let Some(resource) = filter.resource.as_deref().filter(|r| !r.is_empty()) {
        match resource_condition(resource) {
            Some(paths) => condition = condition.add(paths),
            // No audited request addresses it: nothing matches.
            None => condition = condition.add(audit::Column::Id.is_null()),
        }
    }
    if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
        condition = condition.add(audit::Column::Action.eq(action));
    }
    if !actors.is_empty() {
        let accounts: Vec<String> = targets_of(db, Kind::User, &actors)
            .await?
            .into_values()
            .collect();
        condition = condition.add(audit::Column::UserId.is_in(accounts));
    }
    if !rbac::can(caller, "system", "access").await? {
        let own = caller
            .session
            .as_ref()
            .map(|s| s.user_id.clone())
            .unwrap_or_default();
        condition = condition.add(audit::Column::UserId.eq(own));
    }
    let (offset, limit) = filter.paging.window();
    let most = limit.map_or(UNPAGED_MOST, |l| u64::try_from(l).unwrap_or(u64::MAX));
    let rows = audit::Entity::find()
        .filter(condition)
        .order_by_desc(audit::Column::CreateAt)
        .order_by_desc(audit::Column::Id)
        .limit(std::cmp::min(most, i64::MAX.unsigned_abs()))
        .offset(std::cmp::min(
            u64::try_from(offset).unwrap_or(0),
            i64::MAX.unsigned_abs(),
        ))
        .all(db)
        .await?;
    // A record of nobody (a failed sign-in of an unknown login) has no account to number.
    let mut accounts: Vec<String> = rows
        .iter()
        .map(|r| r.user_id.clone())
        .filter(|id| !id.is_empty())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    let ids = numeric_ids(db, Kind::User, &accounts).await?;
    let names: HashMap<String, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(accounts))
        .all(db)
        .await?
        .into_iter()
        .map(|u| {
            let name = format!("{} {}", u.first_name, u.last_name)
                .trim()
                .to_owned();
            (u.id, if name.is_empty() { u.email } else { name })
        })
        .collect();
    let set: Vec<CortezaActionlogEvent> = rows
        .into_iter()
        .map(|r| {
            let failed = r.extra_info.starts_with("failure");
            CortezaActionlogEvent {
                timestamp: time(r.create_at),
                request_origin: "rest-api".to_owned(),
                request_id: String::new(),
                actor_ip_addr: r.ip_address,
                actor_id: ids.get(&r.user_id).copied().unwrap_or(0).to_string(),
                resource: resource_of(&r.action),
                error: if failed {
                    r.extra_info.clone()
                } else {
                    String::new()
                },
                severity: if failed { 4 } else { 6 },
                description: r.extra_info,
                meta: json!({"auditID": r.id, "sessionID": r.session_id}),
                actor: names.get(&r.user_id).cloned(),
                action: r.action,
            }
        })
        .collect();
    let mut echo = serde_json::Map::new();
    echo.insert("from".into(), json!(from.map(time)));
    echo.insert("to".into(), json!(to.map(time)));
    echo.insert("actorID".into(), json!(actors));
    echo.insert(
        "resource".into(),
        json!(filter.resource.unwrap_or_default()),
    );
    echo.insert("action".into(), json!(filter.action.unwrap_or_default()));
    filter.paging.echo(&mut echo);
    echo.insert("count".into(), json!(0));
    Ok(CortezaActionlogList {
        filter: echo,
        set: Some(set),
    })
}

#[cfg(test)]
mod tests {
    use super::resource_of;

    #[test]
    fn resources_are_the_kind_a_path_addresses() {
        assert_eq!(resource_of("/api/v4/users/login"), "system:user");
        assert_eq!(resource_of("/api/system/users/123/suspend"), "system:user");
        assert_eq!(resource_of("/api/v4/teams/abc"), "system:team");
        assert_eq!(
            resource_of("/api/system/auth/internal/login"),
            "system:auth"
        );
        assert_eq!(
            resource_of("/api/system/application/5"),
            "system:application"
        );
    }
}
