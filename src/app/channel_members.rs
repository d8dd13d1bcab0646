//! Channel membership: a member's row and roles (scheme flags plus explicit roles; a
//! channel scheme's, else the team scheme's), joining and leaving, the default channels
//! of a team, notification settings and what a member has read.

use super::channels::*;
use super::membership;
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::store::entity::{channel, channel_member, team, team_member, user};
use crate::store::member_roles;
use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};

pub async fn member(
    db: &impl ConnectionTrait,
    channel_id: &str,
    user_id: &str,
) -> Result<Option<channel_member::Model>, ApiError> {
    Ok(
        channel_member::Entity::find_by_id((channel_id.to_owned(), user_id.to_owned()))
            .one(db)
            .await?,
    )
}

/// `SELECT user_id FROM channel_members WHERE channel_id = ?`, for `IN` conditions.
pub fn member_ids(channel_id: &str) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(channel_member::Column::UserId)
        .from(channel_member::Entity)
        .and_where(channel_member::Column::ChannelId.eq(channel_id))
        .to_owned()
}

pub fn member_missing() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::MEMBER_MISSING,
        "That user is not a member of the channel.",
    )
}

fn notify_props(m: &channel_member::Model) -> types::ChannelNotifyProps {
    serde_json::from_str(&m.notify_props).unwrap_or_default()
}

pub async fn members_to_api(
    db: &impl ConnectionTrait,
    c: &channel::Model,
    members: &[channel_member::Model],
) -> Result<Vec<types::ChannelMember>, ApiError> {
    let scheme = member_roles::channel_scheme_roles(db, c).await?;
    Ok(members
        .iter()
        .map(|m| types::ChannelMember {
            channel_id: Some(m.channel_id.clone()),
            user_id: Some(m.user_id.clone()),
            roles: Some(member_roles::channel_member_roles(m, &scheme).join(" ")),
            last_viewed_at: Some(m.last_viewed_at),
            msg_count: Some(m.msg_count),
            mention_count: Some(m.mention_count),
            notify_props: Some(notify_props(m)),
            last_update_at: Some(m.last_update_at),
            scheme_guest: Some(m.scheme_guest),
            scheme_user: Some(m.scheme_user),
            scheme_admin: Some(m.scheme_admin),
            explicit_roles: Some(m.roles.clone()),
            msg_count_root: Some(m.msg_count_root),
            mention_count_root: Some(m.mention_count_root),
            urgent_mention_count: Some(m.urgent_mention_count),
        })
        .collect())
}

pub async fn member_to_api(
    db: &impl ConnectionTrait,
    c: &channel::Model,
    m: &channel_member::Model,
) -> Result<types::ChannelMember, ApiError> {
    let mut all = members_to_api(db, c, std::slice::from_ref(m)).await?;
    all.pop()
        .ok_or_else(|| ApiError::internal("member lost in conversion"))
}

/// A new member's notification settings: everything as the account's defaults.
fn default_notify_props() -> String {
    serde_json::json!({
        "desktop": "default",
        "email": "default",
        "push": "default",
        "mark_unread": "all",
        "ignore_channel_mentions": "default",
        "channel_auto_follow_threads": "off",
    })
    .to_string()
}

/// Adds `account` to `c` (a guest as channel guest; `as_admin` makes a channel admin).
/// Team channels take active team members only; joining twice changes nothing.
pub async fn join(
    db: &impl ConnectionTrait,
    c: &channel::Model,
    account: &user::Model,
    as_admin: bool,
) -> Result<channel_member::Model, ApiError> {
    if account.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DEACTIVATED,
            "A deactivated account cannot join a channel.",
        ));
    }
    if is_team_channel(c) {
        let membership = team_member::Entity::find_by_id((c.team_id.clone(), account.id.clone()))
            .one(db)
            .await?;
        match membership {
            None => return Err(super::teams::member_missing()),
            Some(m) if m.delete_at != 0 => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ids::LEFT_TEAM,
                    "The user has left the channel's team.",
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(existing) = member(db, &c.id, &account.id).await? {
        return Ok(existing);
    }
    let guest = super::users::is_guest(account);
    let row = channel_member::Model {
        channel_id: c.id.clone(),
        user_id: account.id.clone(),
        roles: String::new(),
        last_viewed_at: 0,
        msg_count: 0,
        msg_count_root: 0,
        mention_count: 0,
        mention_count_root: 0,
        urgent_mention_count: 0,
        notify_props: default_notify_props(),
        last_update_at: now_millis(),
        scheme_guest: guest,
        scheme_user: !guest,
        scheme_admin: as_admin && !guest,
    };
    // Concurrent joins: one insert wins, the others find the member it made.
    super::membership::changed();
    channel_member::Entity::insert(row.into_active_model())
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                channel_member::Column::ChannelId,
                channel_member::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    member(db, &c.id, &account.id)
        .await?
        .ok_or_else(|| ApiError::internal("a channel membership vanished"))
}

/// Removes `user_id` from `c`. `by_self` picks Mattermost's leave errors over its remove
/// errors: nobody leaves town-square or a direct channel, nor leaves a private channel
/// empty.
pub async fn leave(
    db: &impl ConnectionTrait,
    c: &channel::Model,
    user_id: &str,
    by_self: bool,
) -> Result<(), ApiError> {
    if c.channel_type == "D" {
        let id = if by_self {
            ids::LEAVE_DIRECT
        } else {
            ids::REMOVE_TYPE
        };
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            id,
            "Nobody leaves a direct message channel.",
        ));
    }
    if c.name == TOWN_SQUARE && is_team_channel(c) {
        let id = if by_self {
            ids::LEAVE_DEFAULT
        } else {
            ids::REMOVE_DEFAULT
        };
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            id,
            "Every team member stays in the team's default channel.",
        ));
    }
    if member(db, &c.id, user_id).await?.is_none() {
        return Err(member_missing());
    }
    if by_self && c.channel_type == "P" && count_members(db, &c.id).await? == 1 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::LEAVE_LAST,
            "You are the last member; archive the channel instead.",
        ));
    }
    super::membership::changed();
    channel_member::Entity::delete_by_id((c.id.clone(), user_id.to_owned()))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn count_members(db: &impl ConnectionTrait, channel_id: &str) -> Result<u64, ApiError> {
    use sea_orm::PaginatorTrait;
    Ok(channel_member::Entity::find()
        .filter(channel_member::Column::ChannelId.eq(channel_id))
        .count(db)
        .await?)
}

/// Creates a team's town-square and off-topic channels.
pub async fn create_defaults(
    db: &impl ConnectionTrait,
    team_id: &str,
    creator_id: &str,
) -> Result<(), ApiError> {
    for (name, display) in [(TOWN_SQUARE, "Town Square"), (OFF_TOPIC, "Off-Topic")] {
        create(
            db,
            NewChannel {
                team_id: team_id.to_owned(),
                channel_type: "O".to_owned(),
                name: name.to_owned(),
                display_name: display.to_owned(),
                header: String::new(),
                purpose: String::new(),
                creator_id: creator_id.to_owned(),
            },
        )
        .await?;
    }
    Ok(())
}

/// Puts a new team member (not a guest) into the team's live default channels.
pub async fn join_defaults(
    db: &impl ConnectionTrait,
    team_id: &str,
    account: &user::Model,
) -> Result<(), ApiError> {
    if super::users::is_guest(account) {
        return Ok(());
    }
    let defaults = channel::Entity::find()
        .filter(channel::Column::TeamId.eq(team_id))
        .filter(channel::Column::Name.is_in([TOWN_SQUARE, OFF_TOPIC]))
        .filter(channel::Column::DeleteAt.eq(0))
        .all(db)
        .await?;
    for c in &defaults {
        join(db, c, account, false).await?;
    }
    Ok(())
}

/// Takes someone who left a team out of all its channels.
pub async fn leave_team_channels(
    db: &impl ConnectionTrait,
    team_id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let ids: Vec<String> = channel::Entity::find()
        .filter(channel::Column::TeamId.eq(team_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    super::membership::changed();
    channel_member::Entity::delete_many()
        .filter(channel_member::Column::UserId.eq(user_id))
        .filter(channel_member::Column::ChannelId.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// Sets a member's explicit roles and user/admin flags (guest status is not changed here).
pub async fn set_member_flags(
    db: &impl ConnectionTrait,
    m: channel_member::Model,
    explicit: String,
    user: bool,
    admin: bool,
) -> Result<channel_member::Model, ApiError> {
    if m.scheme_guest && (user || admin) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::GUEST_AND_USER,
            "A guest member cannot also be a user or admin of the channel.",
        ));
    }
    let mut row = m.into_active_model();
    row.roles = Set(explicit);
    row.scheme_user = Set(user);
    row.scheme_admin = Set(admin);
    row.last_update_at = Set(now_millis());
    Ok(row.update(db).await?)
}

/// Sets a member's roles from a role string as UpdateChannelRoles takes it.
pub async fn set_member_roles(
    db: &impl ConnectionTrait,
    c: &channel::Model,
    m: channel_member::Model,
    roles: &str,
) -> Result<channel_member::Model, ApiError> {
    let scheme = member_roles::channel_scheme_roles(db, c).await?;
    let ([guest, user, admin], explicit) = membership::parse_roles(db, roles, &scheme, || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::SCHEME_ROLE,
            "That role is managed by a scheme.",
        )
    })
    .await?;
    if guest != m.scheme_guest {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::CHANGING_GUEST,
            "Guest status is changed by promoting or demoting the account, not here.",
        ));
    }
    set_member_flags(db, m, explicit, user, admin).await
}

/// After a demotion to guest (or a promotion), the account's channel memberships follow.
pub async fn set_guest_memberships(
    db: &impl ConnectionTrait,
    user_id: &str,
    guest: bool,
) -> Result<(), ApiError> {
    channel_member::Entity::update_many()
        .col_expr(channel_member::Column::SchemeGuest, Expr::value(guest))
        .col_expr(channel_member::Column::SchemeUser, Expr::value(!guest))
        .col_expr(channel_member::Column::SchemeAdmin, Expr::value(false))
        .filter(channel_member::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// 400 for a direct or group message channel, to which nobody is added.
pub fn require_addable(found: &channel::Model) -> Result<(), ApiError> {
    if is_team_channel(found) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::ADD_TYPE,
        "Nobody is added to a direct or group message channel.",
    ))
}

/// Adds account `user_id` to team channel `found` (400 for a direct or group channel or
/// an archived one).
pub async fn add_member(
    caller: &Caller,
    found: &channel::Model,
    user_id: &str,
) -> Result<channel_member::Model, ApiError> {
    require_addable(found)?;
    if found.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DELETED,
            "The channel is archived.",
        ));
    }
    let db = caller.state.db();
    let target = super::users::get(db, user_id).await?;
    join(db, found, &target, false).await
}

/// Sets the notification settings named in `changes` (None leaves one as it is) on a
/// membership; the others stay.
pub async fn set_notify_props(
    db: &impl ConnectionTrait,
    m: channel_member::Model,
    changes: &[(&str, Option<String>)],
) -> Result<channel_member::Model, ApiError> {
    let mut props: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&m.notify_props).unwrap_or_default();
    for (key, value) in changes {
        if let Some(value) = value {
            props.insert((*key).to_owned(), value.clone().into());
        }
    }
    let mut row = m.into_active_model();
    row.notify_props = Set(serde_json::Value::Object(props).to_string());
    row.last_update_at = Set(now_millis());
    Ok(row.update(db).await?)
}

/// Marks `c` read for `user_id` now: the member has seen every message and mention.
pub async fn view(
    db: &impl ConnectionTrait,
    c: &channel::Model,
    m: channel_member::Model,
) -> Result<i64, ApiError> {
    let now = now_millis();
    let mut row = m.into_active_model();
    row.last_viewed_at = Set(now);
    row.msg_count = Set(c.total_msg_count);
    row.msg_count_root = Set(c.total_msg_count_root);
    row.mention_count = Set(0);
    row.mention_count_root = Set(0);
    row.urgent_mention_count = Set(0);
    row.last_update_at = Set(now);
    row.update(db).await?;
    Ok(now)
}

/// `user_id`'s memberships of live team channels with the team's names, by channel id.
pub async fn members_with_team_data(
    db: &impl ConnectionTrait,
    user_id: &str,
    offset: usize,
    limit: usize,
) -> Result<Vec<types::ChannelMemberWithTeamData>, ApiError> {
    let (offset, limit) = (offset as u64, limit as u64);
    let mine = memberships_of(db, user_id, None, true, offset, limit).await?;
    let team_ids: Vec<String> = mine.iter().map(|(c, _)| c.team_id.clone()).collect();
    let teams: std::collections::HashMap<String, team::Model> = team::Entity::find()
        .filter(team::Column::Id.is_in(team_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    let mut out = Vec::with_capacity(mine.len());
    for (c, m) in &mine {
        let Some(t) = teams.get(&c.team_id) else {
            continue;
        };
        let t = t.clone();
        let base = member_to_api(db, c, m).await?;
        out.push(types::ChannelMemberWithTeamData {
            channel_id: base.channel_id,
            explicit_roles: base.explicit_roles,
            last_update_at: base.last_update_at,
            last_viewed_at: base.last_viewed_at,
            mention_count: base.mention_count,
            mention_count_root: base.mention_count_root,
            msg_count: base.msg_count,
            msg_count_root: base.msg_count_root,
            notify_props: base.notify_props,
            roles: base.roles,
            scheme_admin: base.scheme_admin,
            scheme_guest: base.scheme_guest,
            scheme_user: base.scheme_user,
            team_display_name: Some(t.display_name),
            team_name: Some(t.name),
            team_update_at: Some(t.update_at),
            urgent_mention_count: base.urgent_mention_count,
            user_id: base.user_id,
        });
    }
    Ok(out)
}

/// The ids of everyone who shares a channel with `user_id`.
pub async fn channel_mates(
    db: &impl ConnectionTrait,
    user_id: &str,
) -> Result<std::collections::HashSet<String>, ApiError> {
    let mine: Vec<String> = channel_member::Entity::find()
        .filter(channel_member::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.channel_id)
        .collect();
    if mine.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    Ok(channel_member::Entity::find()
        .filter(channel_member::Column::ChannelId.is_in(mine))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .filter(|id| id != user_id)
        .collect())
}
