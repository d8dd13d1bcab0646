//! Finding accounts: the filters, search and sort orders behind GetUsers, SearchUsers,
//! AutocompleteUsers and the user counts. Team and channel scopes follow active
//! memberships.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::entity::{bot, team, team_member, user};
use crate::store::prefix::{self, escape_like, like};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Which accounts to include.
#[derive(Default)]
pub struct Filter {
    /// Some(true): active only; Some(false): deactivated only; None: both.
    pub active: Option<bool>,
    /// Any of these system roles (empty: any role).
    pub roles: Vec<String>,
    /// A prefix of the username, first or last name, nickname, or (when allowed) email.
    pub term: Option<String>,
    pub term_matches_email: bool,
    pub exclude_bots: bool,
    /// Active members of this team only.
    pub in_team: Option<String>,
    /// Everyone but the active members of this team.
    pub not_in_team: Option<String>,
    /// Only accounts in no live team.
    pub without_team: bool,
    /// Members of this channel only.
    pub in_channel: Option<String>,
    /// Everyone but the members of this channel.
    pub not_in_channel: Option<String>,
    /// Only accounts whose email is in none of these domains.
    pub email_domains_outside: Vec<String>,
}

/// The email is in none of `domains` (`…@domain` exactly).
fn outside_domains(domains: &[String]) -> Condition {
    domains.iter().fold(Condition::all(), |all, d| {
        let pattern = format!("%@{}", escape_like(&d.to_lowercase()));
        all.add(Expr::col(user::Column::Email).not_like(like(&pattern)))
    })
}

/// The orders Mattermost offers.
#[derive(Clone, Copy)]
pub enum Sort {
    Username,
    CreateAt,
    LastActivityAt,
}

impl Sort {
    /// `sort=` as GetUsers takes it; an unknown order is a 400.
    pub fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        match value.unwrap_or_default() {
            "" => Ok(Self::Username),
            "create_at" => Ok(Self::CreateAt),
            "last_activity_at" => Ok(Self::LastActivityAt),
            _ => Err(ApiError::invalid_param("sort")),
        }
    }
}

async fn condition(caller: &Caller, filter: &Filter) -> Result<Condition, ApiError> {
    let mut all = Condition::all();
    match filter.active {
        Some(true) => all = all.add(user::Column::DeleteAt.eq(0)),
        Some(false) => all = all.add(user::Column::DeleteAt.ne(0)),
        None => {}
    }
    if !filter.roles.is_empty() {
        let mut any = Condition::any();
        for role in &filter.roles {
            any = any.add(
                Expr::col(user::Column::Roles).like(like(&format!("%{}%", escape_like(role)))),
            );
        }
        all = all.add(any);
    }
    if let Some(term) = filter
        .term
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let mut columns = vec![
            user::Column::Username,
            user::Column::FirstName,
            user::Column::LastName,
            user::Column::Nickname,
        ];
        if filter.term_matches_email {
            columns.push(user::Column::Email);
        }
        let backend = caller.state.db().get_database_backend();
        let term = term.trim_start_matches('@');
        all = all.add(prefix::any_starts_with::<user::Entity>(
            backend, &columns, term,
        ));
    }
    if !filter.email_domains_outside.is_empty() {
        all = all.add(outside_domains(&filter.email_domains_outside));
    }
    if let Some(team_id) = &filter.in_team {
        all = all.add(user::Column::Id.in_subquery(members_of(Some(team_id))));
    }
    if let Some(team_id) = &filter.not_in_team {
        all = all.add(user::Column::Id.not_in_subquery(members_of(Some(team_id))));
    }
    if let Some(channel_id) = &filter.in_channel {
        all = all.add(user::Column::Id.in_subquery(super::channels::member_ids(channel_id)));
    }
    if let Some(channel_id) = &filter.not_in_channel {
        all = all.add(user::Column::Id.not_in_subquery(super::channels::member_ids(channel_id)));
    }
    if filter.without_team {
        all = all.add(user::Column::Id.not_in_subquery(members_of(None)));
    }
    if filter.exclude_bots {
        let bots = Query::select()
            .column(bot::Column::UserId)
            .from(bot::Entity)
            .to_owned();
        all = all.add(user::Column::Id.not_in_subquery(bots));
    }
    Ok(all)
}

/// The user ids of the active members of `team_id`, or of any live team.
fn members_of(team_id: Option<&str>) -> SelectStatement {
    let mut q = Query::select();
    q.column((team_member::Entity, team_member::Column::UserId))
        .from(team_member::Entity)
        .and_where(Expr::col((team_member::Entity, team_member::Column::DeleteAt)).eq(0));
    match team_id {
        Some(id) => {
            q.and_where(Expr::col((team_member::Entity, team_member::Column::TeamId)).eq(id));
        }
        None => {
            q.inner_join(
                team::Entity,
                Expr::col((team::Entity, team::Column::Id))
                    .equals((team_member::Entity, team_member::Column::TeamId)),
            )
            .and_where(Expr::col((team::Entity, team::Column::DeleteAt)).eq(0));
        }
    }
    q
}

/// The accounts matching `filter`, in `sort` order, from `offset`, at most `limit`.
pub async fn find(
    caller: &Caller,
    filter: &Filter,
    sort: Sort,
    offset: u64,
    limit: u64,
) -> Result<Vec<user::Model>, ApiError> {
    let mut query = user::Entity::find().filter(condition(caller, filter).await?);
    query = match sort {
        Sort::Username => query.order_by_asc(user::Column::Username),
        Sort::CreateAt => query
            .order_by_desc(user::Column::CreateAt)
            .order_by_asc(user::Column::Username),
        Sort::LastActivityAt => query
            .order_by_desc(user::Column::LastActivityAt)
            .order_by_asc(user::Column::Username),
    };
    Ok(query
        .offset(offset)
        .limit(limit)
        .all(caller.state.db())
        .await?)
}

/// How many accounts match `filter`.
pub async fn count(caller: &Caller, filter: &Filter) -> Result<i64, ApiError> {
    let n = user::Entity::find()
        .filter(condition(caller, filter).await?)
        .count(caller.state.db())
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// `a,b,c` as a list, blanks dropped.
pub fn split_list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The columns the user report sorts by, as Mattermost names them.
fn report_column(name: &str) -> Result<user::Column, ApiError> {
    match name {
        "" | "Username" => Ok(user::Column::Username),
        "CreateAt" => Ok(user::Column::CreateAt),
        "FirstName" => Ok(user::Column::FirstName),
        "LastName" => Ok(user::Column::LastName),
        "Nickname" => Ok(user::Column::Nickname),
        "Email" => Ok(user::Column::Email),
        _ => Err(ApiError::invalid_param("sort_column")),
    }
}

/// A page of the user report: `filter`, sorted by `column` (`ascending` or not), starting
/// after the row (`from_value`, `from_id`) when given; `backwards` pages the other way
/// (Mattermost's `direction=prev`), still returning rows in the sort order.
pub struct ReportPage<'a> {
    pub column: &'a str,
    pub ascending: bool,
    pub backwards: bool,
    pub from: Option<(&'a str, &'a str)>,
    pub size: u64,
}

pub async fn report(
    caller: &Caller,
    filter: &Filter,
    page: ReportPage<'_>,
) -> Result<Vec<user::Model>, ApiError> {
    let column = report_column(page.column)?;
    let forward = page.ascending != page.backwards;
    let mut query = user::Entity::find().filter(condition(caller, filter).await?);
    if let Some((value, id)) = page.from {
        let value: sea_orm::Value = if matches!(column, user::Column::CreateAt) {
            value
                .parse::<i64>()
                .map_err(|_| ApiError::invalid_param("from_column_value"))?
                .into()
        } else {
            value.to_owned().into()
        };
        let (after, tie) = if forward {
            (
                Expr::col(column).gt(value.clone()),
                Expr::col(user::Column::Id).gt(id),
            )
        } else {
            (
                Expr::col(column).lt(value.clone()),
                Expr::col(user::Column::Id).lt(id),
            )
        };
        query = query.filter(
            Condition::any()
                .add(after)
                .add(Expr::col(column).eq(value).and(tie)),
        );
    }
    query = if forward {
        query.order_by_asc(column).order_by_asc(user::Column::Id)
    } else {
        query.order_by_desc(column).order_by_desc(user::Column::Id)
    };
    let mut rows = query.limit(page.size).all(caller.state.db()).await?;
    if page.backwards {
        rows.reverse();
    }
    Ok(rows)
}

/// What the user report shows of an account's activity.
#[derive(Default)]
pub struct Activity {
    pub posts: i64,
    pub last_post_at: Option<i64>,
    /// Distinct days (UTC) on which the account posted.
    pub days_active: i64,
    pub last_status_at: Option<i64>,
}

/// The posting and status activity of each of `rows`.
pub async fn post_activity(
    caller: &Caller,
    rows: &[user::Model],
) -> Result<std::collections::HashMap<String, Activity>, ApiError> {
    use crate::store::entity::{post, status};
    let ids: Vec<String> = rows.iter().map(|u| u.id.clone()).collect();
    let db = caller.state.db();
    let mut out: std::collections::HashMap<String, Activity> = std::collections::HashMap::new();
    let mut days: std::collections::HashMap<String, std::collections::HashSet<i64>> =
        std::collections::HashMap::new();
    let posts = post::Entity::find()
        .filter(post::Column::UserId.is_in(ids.clone()))
        .filter(post::Column::DeleteAt.eq(0))
        .all(db)
        .await?;
    for p in posts {
        let entry = out.entry(p.user_id.clone()).or_default();
        entry.posts += 1;
        entry.last_post_at = Some(std::cmp::max(entry.last_post_at.unwrap_or(0), p.create_at));
        days.entry(p.user_id)
            .or_default()
            .insert(p.create_at.div_euclid(86_400_000));
    }
    for (id, set) in days {
        if let Some(entry) = out.get_mut(&id) {
            entry.days_active = i64::try_from(set.len()).unwrap_or(i64::MAX);
        }
    }
    for s in status::Entity::find()
        .filter(status::Column::UserId.is_in(ids))
        .all(db)
        .await?
    {
        out.entry(s.user_id).or_default().last_status_at = Some(s.last_activity_at);
    }
    Ok(out)
}

/// Active accounts that are not bots (Mattermost's total user count).
pub async fn count_active_humans(caller: &Caller) -> Result<i64, ApiError> {
    let filter = Filter {
        active: Some(true),
        exclude_bots: true,
        ..Filter::default()
    };
    count(caller, &filter).await
}

/// The accounts among `ids` (unknown ones left out); with `since`, only those changed
/// after it.
pub async fn by_ids(
    caller: &Caller,
    ids: Vec<String>,
    since: Option<i64>,
) -> Result<Vec<user::Model>, ApiError> {
    let mut find = user::Entity::find().filter(user::Column::Id.is_in(ids));
    if let Some(since) = since {
        find = find.filter(user::Column::UpdateAt.gt(since));
    }
    Ok(find.all(caller.state.db()).await?)
}

/// The accounts with the usernames given, in any case (unknown ones left out).
pub async fn by_usernames(caller: &Caller, names: &[String]) -> Result<Vec<user::Model>, ApiError> {
    let names: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    Ok(user::Entity::find()
        .filter(user::Column::Username.is_in(names))
        .all(caller.state.db())
        .await?)
}

/// The members of each group channel among `channel_ids` that the caller is in, by
/// username (other channels left out).
pub async fn group_channel_members(
    caller: &Caller,
    channel_ids: Vec<String>,
) -> Result<Vec<(String, Vec<user::Model>)>, ApiError> {
    let me = caller.session()?.user_id.as_str();
    let db = caller.state.db();
    let mut out = Vec::new();
    for id in channel_ids {
        let Ok(c) = super::channels::get(db, &id).await else {
            continue;
        };
        if c.channel_type != "G" || super::channels::member(db, &id, me).await?.is_none() {
            continue;
        }
        let rows = user::Entity::find()
            .filter(user::Column::Id.in_subquery(super::channels::member_ids(&id)))
            .order_by_asc(user::Column::Username)
            .all(db)
            .await?;
        out.push((id, rows));
    }
    Ok(out)
}

/// A page of the user report: each account with its sign-in and posting activity.
pub async fn user_reports(
    caller: &Caller,
    filter: &Filter,
    page: ReportPage<'_>,
) -> Result<Vec<crate::contract::types::UserReport>, ApiError> {
    let rows = report(caller, filter, page).await?;
    let activity = post_activity(caller, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|u| {
            let posted = activity.get(&u.id);
            let full = format!("{} {}", u.first_name, u.last_name);
            let display_name = if full.trim().is_empty() {
                u.username.clone()
            } else {
                full.trim().to_owned()
            };
            crate::contract::types::UserReport {
                display_name: Some(display_name),
                id: Some(u.id),
                username: Some(u.username),
                email: Some(u.email),
                create_at: Some(u.create_at),
                last_login_at: Some(u.last_login),
                last_status_at: posted.and_then(|a| a.last_status_at),
                last_post_date: posted.and_then(|a| a.last_post_at),
                days_active: posted.map(|a| a.days_active),
                total_posts: posted.map(|a| a.posts),
            }
        })
        .collect())
}
