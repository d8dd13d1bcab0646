//! `GET /stats/`: how many users, roles and applications there are, in which state, and per
//! day (flat `[day, count, day, count, ...]` with the day's start in Unix seconds).

use super::{rbac, roles, users};
use crate::auth::Caller;
use crate::contract::types::{
    CortezaStats, CortezaStatsApplications, CortezaStatsRoles, CortezaStatsUsers,
};
use crate::error::ApiError;
use crate::store::entity::user;
use sea_orm::EntityTrait;
use std::collections::BTreeMap;

/// Counts of moments per day, flattened as Corteza answers them (moments of 0 left out).
fn daily(moments: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut days: BTreeMap<i64, i64> = BTreeMap::new();
    for at in moments.filter(|at| *at != 0) {
        *days.entry(at.div_euclid(86_400_000) * 86_400).or_default() += 1;
    }
    days.into_iter().flat_map(|(day, n)| [day, n]).collect()
}

fn count(n: usize) -> Option<i64> {
    Some(i64::try_from(n).unwrap_or(i64::MAX))
}

/// `access` on `system`.
pub async fn stats(caller: &Caller) -> Result<CortezaStats, ApiError> {
    rbac::require(caller, "system", "access", "not allowed to read statistics").await?;
    let db = caller.state.db();
    let accounts = user::Entity::find().all(db).await?;
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    let states = users::states_of(db, ids).await?;
    let account_states: Vec<(i64, i64)> = accounts
        .iter()
        .map(|a| users::state(a, states.get(&a.id)))
        .collect();
    let suspended = account_states.iter().filter(|(s, _)| *s != 0).count();
    let deleted = account_states.iter().filter(|(_, d)| *d != 0).count();
    let valid = account_states
        .iter()
        .filter(|(s, d)| *s == 0 && *d == 0)
        .count();
    let all_roles = roles::all_roles(db).await?;
    let role_valid = all_roles
        .iter()
        .filter(|r| r.row.delete_at == 0 && r.archived_at() == 0)
        .count();
    Ok(CortezaStats {
        users: Some(CortezaStatsUsers {
            total: count(accounts.len()),
            valid: count(valid),
            deleted: count(deleted),
            suspended: count(suspended),
            daily_created: daily(accounts.iter().map(|a| a.create_at)),
            daily_deleted: daily(account_states.iter().map(|(_, d)| *d)),
            daily_updated: daily(accounts.iter().map(|a| a.update_at)),
            daily_suspended: daily(account_states.iter().map(|(s, _)| *s)),
        }),
        roles: Some(CortezaStatsRoles {
            total: count(all_roles.len()),
            valid: count(role_valid),
            deleted: count(all_roles.iter().filter(|r| r.row.delete_at != 0).count()),
            archived: count(all_roles.iter().filter(|r| r.archived_at() != 0).count()),
            daily_created: daily(all_roles.iter().map(|r| r.row.create_at)),
            daily_deleted: daily(all_roles.iter().map(|r| r.row.delete_at)),
            daily_updated: daily(all_roles.iter().map(|r| r.row.update_at)),
            daily_archived: daily(all_roles.iter().map(roles::Role::archived_at)),
        }),
        applications: Some(CortezaStatsApplications {
            total: Some(0),
            deleted: Some(0),
            valid: Some(0),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::daily;

    #[test]
    fn days_are_flattened_with_their_counts() {
        let day = 86_400_000;
        assert_eq!(
            daily([day + 5, 0, day + 7, 3 * day].into_iter()),
            [86_400, 2, 3 * 86_400, 1]
        );
    }
}
