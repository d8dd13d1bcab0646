//! Who is in a team or a channel, read in SQL: pages of members, members among given ids,
//! counts of active accounts, the members' time zones, a user's unread totals over a team,
//! and which channel members a team lacks.

use crate::error::ApiError;
use crate::store::entity::{channel, channel_member, team_member, user};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

/// `SELECT user_id FROM team_members WHERE team_id = ? AND delete_at = 0`.
fn team_member_ids(team_id: &str) -> SelectStatement {
    Query::select()
        .column(team_member::Column::UserId)
        .from(team_member::Entity)
        .and_where(team_member::Column::TeamId.eq(team_id))
        .and_where(team_member::Column::DeleteAt.eq(0))
        .to_owned()
}

/// Active members of a team by user id, paged.
pub async fn team_members_page(
    db: &impl ConnectionTrait,
    team_id: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<team_member::Model>, ApiError> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::DeleteAt.eq(0))
        .order_by_asc(team_member::Column::UserId)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?)
}

/// The active members of a team among `user_ids`.
pub async fn team_members_among(
    db: &impl ConnectionTrait,
    team_id: &str,
    user_ids: Vec<String>,
) -> Result<Vec<team_member::Model>, ApiError> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::DeleteAt.eq(0))
        .filter(team_member::Column::UserId.is_in(user_ids))
        .order_by_asc(team_member::Column::UserId)
        .all(db)
        .await?)
}

/// A team's active members, and how many of them have active accounts.
pub async fn team_counts(db: &impl ConnectionTrait, team_id: &str) -> Result<(u64, u64), ApiError> {
    let total = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::DeleteAt.eq(0))
        .count(db)
        .await?;
    let active = user::Entity::find()
        .filter(user::Column::Id.in_subquery(team_member_ids(team_id)))
        .filter(user::Column::DeleteAt.eq(0))
        .count(db)
        .await?;
    Ok((total, active))
}

#[derive(FromQueryResult)]
struct Unread {
    messages: i64,
    mentions: i64,
}

/// `COALESCE(SUM(expr), 0)` as a 64-bit integer on both databases.
pub fn sum(expr: Expr) -> Expr {
    Func::coalesce([expr.sum(), Expr::val(0)]).cast_as(Alias::new("BIGINT"))
}

/// A user's unread messages and mentions over their live channels of a team (its own, not
/// direct or group channels), in one query.
pub async fn team_unread(
    db: &impl ConnectionTrait,
    team_id: &str,
    user_id: &str,
) -> Result<(i64, i64), ApiError> {
    let total = Expr::col((channel::Entity, channel::Column::TotalMsgCount));
    let read = Expr::col((channel_member::Entity, channel_member::Column::MsgCount));
    let behind = Expr::case(total.clone().gt(read.clone()), total.sub(read)).finally(0);
    let mentions = Expr::col((channel_member::Entity, channel_member::Column::MentionCount));
    let mut q = Query::select();
    q.expr_as(sum(behind.into()), Alias::new("messages"))
        .expr_as(sum(mentions), Alias::new("mentions"))
        .from(channel_member::Entity)
        .inner_join(
            channel::Entity,
            Expr::col((channel::Entity, channel::Column::Id))
                .equals((channel_member::Entity, channel_member::Column::ChannelId)),
        )
        .cond_where(
            Condition::all()
                .add(
                    Expr::col((channel_member::Entity, channel_member::Column::UserId)).eq(user_id),
                )
                .add(Expr::col((channel::Entity, channel::Column::TeamId)).eq(team_id))
                .add(Expr::col((channel::Entity, channel::Column::DeleteAt)).eq(0)),
        );
    let found = Unread::find_by_statement(db.get_database_backend().build(&q))
        .one(db)
        .await?;
    Ok(found.map_or((0, 0), |u| (u.messages, u.mentions)))
}

/// Members of a channel by user id, paged.
pub async fn channel_members_page(
    db: &impl ConnectionTrait,
    channel_id: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<channel_member::Model>, ApiError> {
    Ok(channel_member::Entity::find()
        .filter(channel_member::Column::ChannelId.eq(channel_id))
        .order_by_asc(channel_member::Column::UserId)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?)
}

/// The members of a channel among `user_ids`.
pub async fn channel_members_among(
    db: &impl ConnectionTrait,
    channel_id: &str,
    user_ids: Vec<String>,
) -> Result<Vec<channel_member::Model>, ApiError> {
    Ok(channel_member::Entity::find()
        .filter(channel_member::Column::ChannelId.eq(channel_id))
        .filter(channel_member::Column::UserId.is_in(user_ids))
        .order_by_asc(channel_member::Column::UserId)
        .all(db)
        .await?)
}

/// How many members of a channel have active accounts.
pub async fn channel_active_count(
    db: &impl ConnectionTrait,
    channel_id: &str,
) -> Result<u64, ApiError> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.in_subquery(super::channels::member_ids(channel_id)))
        .filter(user::Column::DeleteAt.eq(0))
        .count(db)
        .await?)
}

/// The distinct time zones of a channel's members (automatic or manual, as each chose),
/// sorted.
pub async fn channel_timezones(
    db: &impl ConnectionTrait,
    channel_id: &str,
) -> Result<Vec<String>, ApiError> {
    let settings: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Timezone)
        .filter(user::Column::Id.in_subquery(super::channels::member_ids(channel_id)))
        .into_tuple()
        .all(db)
        .await?;
    let mut zones: Vec<String> = settings
        .iter()
        .filter_map(|text| {
            let tz: serde_json::Value = serde_json::from_str(text).ok()?;
            let automatic = tz["useAutomaticTimezone"].as_str() != Some("false");
            let key = if automatic {
                "automaticTimezone"
            } else {
                "manualTimezone"
            };
            tz[key]
                .as_str()
                .filter(|z| !z.is_empty())
                .map(str::to_owned)
        })
        .collect();
    zones.sort();
    zones.dedup();
    Ok(zones)
}

/// The members of a channel who are not active members of `team_id`.
pub async fn channel_members_outside(
    db: &impl ConnectionTrait,
    channel_id: &str,
    team_id: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(channel_member::Entity::find()
        .select_only()
        .column(channel_member::Column::UserId)
        .filter(channel_member::Column::ChannelId.eq(channel_id))
        .filter(channel_member::Column::UserId.not_in_subquery(team_member_ids(team_id)))
        .order_by_asc(channel_member::Column::UserId)
        .into_tuple()
        .all(db)
        .await?)
}
