//! What team and channel memberships share when roles are set: a role string splits into
//! scheme flags and explicit roles (reading them is in store::member_roles).

use crate::error::ApiError;
use crate::store::entity::role;
pub use crate::store::member_roles::{Flags, SchemeRoles};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts this process's team and channel membership changes (joins, leaves, removals,
/// moves, deletions, and the events that announce them, from any node): what the
/// websocket caches of who is in a channel or team are checked against.
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// Someone joined or left a team or channel (or will, once the current transaction
/// commits: the event published after it counts again).
pub fn changed() {
    CHANGES.fetch_add(1, Ordering::AcqRel);
}

/// The membership changes counted so far.
pub fn changes() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

/// Counts a membership change when `event` announces one (events from other nodes count
/// too).
pub fn count_if_announced(event: &str) {
    if announces_change(event) {
        changed();
    }
}

fn announces_change(event: &str) -> bool {
    matches!(
        event,
        "user_added"
            | "user_removed"
            | "added_to_team"
            | "leave_team"
            | "delete_team"
            | "restore_team"
            | "channel_deleted"
            | "channel_restored"
            | "channel_moved"
            | crate::fanout::RESYNC
    )
}

/// A role string split as UpdateTeamMemberRoles / UpdateChannelRoles take it: the scheme's
/// roles become flags, the rest must be live roles that no scheme manages and stay
/// explicit. An unknown role is a 400 on `roles`; a scheme-managed one is `scheme_managed`.
pub async fn parse_roles(
    db: &impl ConnectionTrait,
    roles: &str,
    scheme: &SchemeRoles,
    scheme_managed: fn() -> ApiError,
) -> Result<(Flags, String), ApiError> {
    let mut flags = [false; 3];
    let mut explicit = Vec::new();
    for name in roles.split_whitespace() {
        if let Some(i) = scheme.iter().position(|r| r == name) {
            flags[i] = true;
            continue;
        }
        let known = role::Entity::find()
            .filter(role::Column::Name.eq(name))
            .filter(role::Column::DeleteAt.eq(0))
            .one(db)
            .await?;
        match known {
            Some(r) if !r.scheme_managed => explicit.push(name.to_owned()),
            Some(_) => return Err(scheme_managed()),
            None => return Err(ApiError::invalid_param("roles").detail(format!("role {name}"))),
        }
    }
    Ok((flags, explicit.join(" ")))
}

/// Every membership of `user_id` as it is now, as events to that user: `memberrole_updated`
/// per team, `channel_member_updated` per channel (as Mattermost announces a promotion or
/// demotion).
pub async fn all_as_events(
    db: &impl ConnectionTrait,
    user_id: &str,
) -> Result<Vec<super::events::Event>, ApiError> {
    use super::events;
    use crate::store::entity::{channel, channel_member, team, team_member};
    let members = team_member::Entity::find()
        .filter(team_member::Column::UserId.eq(user_id))
        .filter(team_member::Column::DeleteAt.eq(0))
        .all(db)
        .await?;
    let ids: Vec<String> = members.iter().map(|m| m.team_id.clone()).collect();
    let teams = team::Entity::find()
        .filter(team::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let mut out = Vec::new();
    for t in &teams {
        for m in members.iter().filter(|m| m.team_id == t.id) {
            let shown = super::teams::member_to_api(db, t, m).await?;
            out.push(events::team_member_updated(user_id, &shown));
        }
    }
    let members = channel_member::Entity::find()
        .filter(channel_member::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let ids: Vec<String> = members.iter().map(|m| m.channel_id.clone()).collect();
    let channels = channel::Entity::find()
        .filter(channel::Column::Id.is_in(ids))
        .all(db)
        .await?;
    for c in &channels {
        for m in members.iter().filter(|m| m.channel_id == c.id) {
            let shown = super::channel_members::member_to_api(db, c, m).await?;
            out.push(events::channel_member_updated(user_id, &shown));
        }
    }
    Ok(out)
}
