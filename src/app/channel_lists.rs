//! Lists of channels: a user's own (with their memberships), a team's by type and name,
//! the system console's search, and group channels by name.

use super::channels::*;
use crate::contract::types;
use crate::error::ApiError;
use crate::store::entity::{channel, channel_member, team, team_member};
use crate::store::prefix;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The channels `user_id` is a member of: those of `team_id` (when given) plus their
/// direct and group channels; archived ones only with `include_deleted`.
pub async fn channels_of(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: Option<&str>,
    include_deleted: bool,
) -> Result<Vec<channel::Model>, ApiError> {
    Ok(channel::Entity::find()
        .filter(mine(user_id, team_id, include_deleted))
        .order_by_asc(channel::Column::DisplayName)
        .order_by_asc(channel::Column::Name)
        .all(db)
        .await?)
}

/// `SELECT channel_id FROM channel_members WHERE user_id = ?`.
fn memberships(user_id: &str) -> SelectStatement {
    Query::select()
        .column(channel_member::Column::ChannelId)
        .from(channel_member::Entity)
        .and_where(channel_member::Column::UserId.eq(user_id))
        .to_owned()
}

/// The channels `user_id` is in (as channels_of), as a condition on `channels`.
fn mine(user_id: &str, team_id: Option<&str>, include_deleted: bool) -> Condition {
    let mut cond = Condition::all().add(channel::Column::Id.in_subquery(memberships(user_id)));
    if let Some(team_id) = team_id {
        cond = cond.add(
            Condition::any()
                .add(channel::Column::TeamId.eq(team_id))
                .add(channel::Column::TeamId.eq("")),
        );
    }
    if !include_deleted {
        cond = cond.add(channel::Column::DeleteAt.eq(0));
    }
    cond
}

/// `SELECT id` of the channels `user_id` is a member of in `team_id`, and of their direct
/// and group channels (archived ones only with `include_deleted`), for `IN` conditions.
pub fn member_channel_ids(user_id: &str, team_id: &str, include_deleted: bool) -> SelectStatement {
    Query::select()
        .column(channel::Column::Id)
        .from(channel::Entity)
        .cond_where(mine(user_id, Some(team_id), include_deleted))
        .to_owned()
}

/// The channel's name or display name starts with `term` (case aside), by index.
fn named_starting(db: &impl ConnectionTrait, term: &str) -> Condition {
    let columns = [channel::Column::Name, channel::Column::DisplayName];
    prefix::any_starts_with::<channel::Entity>(db.get_database_backend(), &columns, term)
}

/// `user_id`'s live channels of team `team_id` (not direct or group ones) whose name or
/// display name starts with `term`, by display name, at most `limit`.
pub async fn mine_starting_with(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    term: &str,
    limit: u64,
) -> Result<Vec<channel::Model>, ApiError> {
    Ok(channel::Entity::find()
        .filter(mine(user_id, Some(team_id), false))
        .filter(channel::Column::TeamId.eq(team_id))
        .filter(named_starting(db, term.trim()))
        .order_by_asc(channel::Column::DisplayName)
        .order_by_asc(channel::Column::Name)
        .limit(limit)
        .all(db)
        .await?)
}

/// `user_id`'s archived private channels of team `team_id`, optionally only those whose
/// name or display name starts with `term`.
pub async fn my_archived_private(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    term: Option<&str>,
) -> Result<Vec<channel::Model>, ApiError> {
    let mut find = channel::Entity::find()
        .filter(mine(user_id, Some(team_id), true))
        .filter(channel::Column::ChannelType.eq("P"))
        .filter(channel::Column::DeleteAt.ne(0));
    if let Some(term) = term.map(str::trim).filter(|t| !t.is_empty()) {
        find = find.filter(named_starting(db, term));
    }
    Ok(find
        .order_by_asc(channel::Column::DisplayName)
        .order_by_asc(channel::Column::Name)
        .all(db)
        .await?)
}

/// `user_id`'s memberships with their channels (as channels_of; in channel id order,
/// from `offset`, at most `limit`; only team channels with `team_channels_only`), in two
/// queries.
pub async fn memberships_of(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: Option<&str>,
    team_channels_only: bool,
    offset: u64,
    limit: u64,
) -> Result<Vec<(channel::Model, channel_member::Model)>, ApiError> {
    let mut find = channel::Entity::find().filter(mine(user_id, team_id, false));
    if team_channels_only {
        find = find.filter(channel::Column::ChannelType.is_in(["O", "P"]));
    }
    let found = find
        .order_by_asc(channel::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<String> = found.iter().map(|c| c.id.clone()).collect();
    let mut members: std::collections::HashMap<String, channel_member::Model> =
        channel_member::Entity::find()
            .filter(channel_member::Column::UserId.eq(user_id))
            .filter(channel_member::Column::ChannelId.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.channel_id.clone(), m))
            .collect();
    Ok(found
        .into_iter()
        .filter_map(|c| members.remove(&c.id).map(|m| (c, m)))
        .collect())
}

/// The live group channels `user_id` is in whose display name (the members' usernames)
/// contains `term`, in any case, by display name.
pub async fn groups_named_like(
    db: &impl ConnectionTrait,
    user_id: &str,
    term: &str,
) -> Result<Vec<channel::Model>, ApiError> {
    let pattern = format!(
        "%{}%",
        crate::store::prefix::escape_like(&term.to_lowercase())
    );
    Ok(channel::Entity::find()
        .filter(channel::Column::Id.in_subquery(memberships(user_id)))
        .filter(channel::Column::ChannelType.eq("G"))
        .filter(channel::Column::DeleteAt.eq(0))
        .filter(
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
                channel::Column::DisplayName,
            )))
            .like(crate::store::prefix::like(&pattern)),
        )
        .order_by_asc(channel::Column::DisplayName)
        .all(db)
        .await?)
}

/// Which channels of a team a listing takes.
pub struct Listing<'a> {
    pub team_id: &'a str,
    /// `O` or `P`.
    pub channel_type: &'a str,
    pub deleted: bool,
    /// Name or display name starts with this (any when None).
    pub term: Option<&'a str>,
    pub offset: u64,
    pub limit: u64,
}

pub async fn list(
    db: &impl ConnectionTrait,
    listing: &Listing<'_>,
) -> Result<Vec<channel::Model>, ApiError> {
    let mut find = channel::Entity::find()
        .filter(channel::Column::TeamId.eq(listing.team_id))
        .filter(channel::Column::ChannelType.eq(listing.channel_type));
    find = if listing.deleted {
        find.filter(channel::Column::DeleteAt.ne(0))
    } else {
        find.filter(channel::Column::DeleteAt.eq(0))
    };
    if let Some(term) = listing.term.map(str::trim).filter(|t| !t.is_empty()) {
        find = find.filter(named_starting(db, term));
    }
    Ok(find
        .order_by_asc(channel::Column::DisplayName)
        .order_by_asc(channel::Column::Name)
        .offset(listing.offset)
        .limit(listing.limit)
        .all(db)
        .await?)
}

/// What the system console's channel listing and search take.
#[derive(Default)]
pub struct ConsoleFilter {
    /// Name or display name starts with this (or, with `by_id`, the id is it).
    pub term: Option<String>,
    pub by_id: bool,
    pub team_ids: Vec<String>,
    pub public: bool,
    pub private: bool,
    /// Some(true): archived only; Some(false): live only; None: both.
    pub deleted: Option<bool>,
    pub exclude_defaults: bool,
    /// Only channels this user may see: public ones of their teams and those they are in
    /// (None: every channel, for the system console).
    pub visible_to: Option<String>,
}

/// Public channels of `user_id`'s teams, and the channels they are in.
fn visible_to(user_id: &str) -> Condition {
    let teams = Query::select()
        .column(team_member::Column::TeamId)
        .from(team_member::Entity)
        .and_where(team_member::Column::UserId.eq(user_id))
        .and_where(team_member::Column::DeleteAt.eq(0))
        .to_owned();
    Condition::any()
        .add(
            Condition::all()
                .add(channel::Column::ChannelType.eq("O"))
                .add(channel::Column::TeamId.in_subquery(teams)),
        )
        .add(channel::Column::Id.in_subquery(memberships(user_id)))
}

/// Team channels (public and private) across teams for the system console, by display
/// name, with the total before paging.
pub async fn console_list(
    db: &impl ConnectionTrait,
    filter: &ConsoleFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<channel::Model>, u64), ApiError> {
    use sea_orm::PaginatorTrait;
    let types: Vec<&str> = match (filter.public, filter.private) {
        (true, false) => vec!["O"],
        (false, true) => vec!["P"],
        _ => vec!["O", "P"],
    };
    let mut cond = Condition::all().add(channel::Column::ChannelType.is_in(types));
    match filter.deleted {
        Some(true) => cond = cond.add(channel::Column::DeleteAt.ne(0)),
        Some(false) => cond = cond.add(channel::Column::DeleteAt.eq(0)),
        None => {}
    }
    if !filter.team_ids.is_empty() {
        cond = cond.add(channel::Column::TeamId.is_in(filter.team_ids.clone()));
    }
    if filter.exclude_defaults {
        cond = cond.add(channel::Column::Name.is_not_in([TOWN_SQUARE, OFF_TOPIC]));
    }
    if let Some(term) = filter
        .term
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let mut any = named_starting(db, term);
        if filter.by_id {
            any = any.add(channel::Column::Id.eq(term));
        }
        cond = cond.add(any);
    }
    if let Some(user_id) = &filter.visible_to {
        cond = cond.add(visible_to(user_id));
    }
    let total = channel::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let rows = channel::Entity::find()
        .filter(cond)
        .order_by_asc(channel::Column::DisplayName)
        .order_by_asc(channel::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// A channel with its team's names, as the system console lists them.
pub async fn with_team_data(
    db: &impl ConnectionTrait,
    rows: &[channel::Model],
) -> Result<Vec<types::ChannelWithTeamData>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|c| c.team_id.clone()).collect();
    let teams: std::collections::HashMap<String, team::Model> = team::Entity::find()
        .filter(team::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    Ok(rows
        .iter()
        .map(|c| {
            let base = to_api(c);
            let t = teams.get(&c.team_id);
            types::ChannelWithTeamData {
                create_at: base.create_at,
                creator_id: base.creator_id,
                delete_at: base.delete_at,
                display_name: base.display_name,
                extra_update_at: base.extra_update_at,
                group_constrained: base.group_constrained,
                header: base.header,
                id: base.id,
                last_post_at: base.last_post_at,
                last_root_post_at: base.last_root_post_at,
                name: base.name,
                policy_id: base.policy_id,
                props: base.props,
                purpose: base.purpose,
                scheme_id: base.scheme_id,
                shared: base.shared,
                team_display_name: t.map(|t| t.display_name.clone()),
                team_id: base.team_id,
                team_name: t.map(|t| t.name.clone()),
                team_update_at: t.map(|t| t.update_at),
                total_msg_count: base.total_msg_count,
                total_msg_count_root: base.total_msg_count_root,
                type_: base.type_,
                update_at: base.update_at,
            }
        })
        .collect())
}
