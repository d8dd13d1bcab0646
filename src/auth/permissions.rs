//! Permissions are data: roles are rows naming their permission ids, and a session holds
//! role names. A check asks whether any of the session's roles grants the permission, like
//! Mattermost's `SessionHasPermissionTo`; team- and channel-scoped checks add the roles of
//! the caller's team and channel memberships.

use super::Caller;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::role;
use crate::store::member_roles::ChannelAccess;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, RwLock};

/// Permission ids used by handlers, named as Mattermost names them.
pub mod ids {
    pub const MANAGE_SYSTEM: &str = "manage_system";
    pub const MANAGE_ROLES: &str = "manage_roles";
    pub const EDIT_OTHER_USERS: &str = "edit_other_users";
    pub const SYSCONSOLE_WRITE_USERS: &str = "sysconsole_write_user_management_users";
    pub const CREATE_USER_ACCESS_TOKEN: &str = "create_user_access_token";
    pub const READ_USER_ACCESS_TOKEN: &str = "read_user_access_token";
    pub const REVOKE_USER_ACCESS_TOKEN: &str = "revoke_user_access_token";
    pub const CREATE_BOT: &str = "create_bot";
    pub const READ_BOTS: &str = "read_bots";
    pub const READ_OTHERS_BOTS: &str = "read_others_bots";
    pub const MANAGE_BOTS: &str = "manage_bots";
    pub const MANAGE_OTHERS_BOTS: &str = "manage_others_bots";
    pub const ASSIGN_BOT: &str = "assign_bot";
    pub const DEMOTE_TO_GUEST: &str = "demote_to_guest";
    pub const PROMOTE_GUEST: &str = "promote_guest";
    pub const VIEW_TEAM: &str = "view_team";
    pub const READ_CHANNEL: &str = "read_channel";
    pub const READ_CHANNEL_CONTENT: &str = "read_channel_content";
    pub const UPLOAD_FILE: &str = "upload_file";
    pub const EDIT_BRAND: &str = "edit_brand";
    pub const VIEW_MEMBERS: &str = "view_members";
    pub const LIST_USERS_WITHOUT_TEAM: &str = "list_users_without_team";
    pub const SYSCONSOLE_READ_USERS: &str = "sysconsole_read_user_management_users";
    pub const SYSCONSOLE_READ_GROUPS: &str = "sysconsole_read_user_management_groups";
    pub const CREATE_TEAM: &str = "create_team";
    pub const MANAGE_TEAM: &str = "manage_team";
    pub const MANAGE_TEAM_ROLES: &str = "manage_team_roles";
    pub const INVITE_USER: &str = "invite_user";
    pub const ADD_USER_TO_TEAM: &str = "add_user_to_team";
    pub const REMOVE_USER_FROM_TEAM: &str = "remove_user_from_team";
    pub const LIST_PUBLIC_TEAMS: &str = "list_public_teams";
    pub const LIST_PRIVATE_TEAMS: &str = "list_private_teams";
    pub const JOIN_PUBLIC_TEAMS: &str = "join_public_teams";
    pub const JOIN_PRIVATE_TEAMS: &str = "join_private_teams";
    pub const READ_OTHER_USERS_TEAMS: &str = "read_other_users_teams";
    pub const INVALIDATE_EMAIL_INVITE: &str = "invalidate_email_invite";
    pub const INVITE_GUEST: &str = "invite_guest";
    pub const CREATE_PUBLIC_CHANNEL: &str = "create_public_channel";
    pub const CREATE_PRIVATE_CHANNEL: &str = "create_private_channel";
    pub const READ_PUBLIC_CHANNEL: &str = "read_public_channel";
    pub const JOIN_PUBLIC_CHANNELS: &str = "join_public_channels";
    pub const LIST_TEAM_CHANNELS: &str = "list_team_channels";
    pub const MANAGE_PUBLIC_CHANNEL_PROPERTIES: &str = "manage_public_channel_properties";
    pub const MANAGE_PRIVATE_CHANNEL_PROPERTIES: &str = "manage_private_channel_properties";
    pub const MANAGE_PUBLIC_CHANNEL_MEMBERS: &str = "manage_public_channel_members";
    pub const MANAGE_PRIVATE_CHANNEL_MEMBERS: &str = "manage_private_channel_members";
    pub const DELETE_PUBLIC_CHANNEL: &str = "delete_public_channel";
    pub const DELETE_PRIVATE_CHANNEL: &str = "delete_private_channel";
    pub const CONVERT_PUBLIC_TO_PRIVATE: &str = "convert_public_channel_to_private";
    pub const CONVERT_PRIVATE_TO_PUBLIC: &str = "convert_private_channel_to_public";
    pub const MANAGE_CHANNEL_ROLES: &str = "manage_channel_roles";
    pub const CREATE_DIRECT_CHANNEL: &str = "create_direct_channel";
    pub const CREATE_GROUP_CHANNEL: &str = "create_group_channel";
    pub const CREATE_POST: &str = "create_post";
    pub const EDIT_POST: &str = "edit_post";
    pub const EDIT_OTHERS_POSTS: &str = "edit_others_posts";
    pub const DELETE_POST: &str = "delete_post";
    pub const DELETE_OTHERS_POSTS: &str = "delete_others_posts";
    pub const USE_CHANNEL_MENTIONS: &str = "use_channel_mentions";
    pub const SYSCONSOLE_READ_CHANNELS: &str = "sysconsole_read_user_management_channels";
    pub const ADD_REACTION: &str = "add_reaction";
    pub const REMOVE_REACTION: &str = "remove_reaction";
    pub const REMOVE_OTHERS_REACTIONS: &str = "remove_others_reactions";
    pub const CREATE_EMOJIS: &str = "create_emojis";
    pub const MANAGE_INCOMING_WEBHOOKS: &str = "manage_incoming_webhooks";
    pub const MANAGE_OTHERS_INCOMING_WEBHOOKS: &str = "manage_others_incoming_webhooks";
    pub const MANAGE_OUTGOING_WEBHOOKS: &str = "manage_outgoing_webhooks";
    pub const CREATE_POST_EPHEMERAL: &str = "create_post_ephemeral";
    pub const MANAGE_SLASH_COMMANDS: &str = "manage_slash_commands";
    pub const MANAGE_OAUTH: &str = "manage_oauth";
    pub const MANAGE_SYSTEM_WIDE_OAUTH: &str = "manage_system_wide_oauth";
    pub const MANAGE_OUTGOING_OAUTH_CONNECTIONS: &str = "manage_outgoing_oauth_connections";
    pub const MANAGE_OTHERS_SLASH_COMMANDS: &str = "manage_others_slash_commands";
    pub const MANAGE_OTHERS_OUTGOING_WEBHOOKS: &str = "manage_others_outgoing_webhooks";
    pub const DELETE_EMOJIS: &str = "delete_emojis";
    pub const DELETE_OTHERS_EMOJIS: &str = "delete_others_emojis";
}

/// Every permission id Mattermost knows, deprecated ones included (a role may hold them).
pub static ALL_PERMISSIONS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("permissions.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Sysconsole permission → the permissions it implies, in Mattermost's order.
pub static ANCILLARY: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("ancillary_permissions.json")).unwrap_or_default()
});

/// The sysconsole read permissions, any of which lets a session read the configuration.
pub static SYSCONSOLE_READ: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut all: Vec<&'static str> = BUILT_IN_ROLES
        .iter()
        .flat_map(|r| r.permissions.iter().map(String::as_str))
        .filter(|p| p.starts_with("sysconsole_read_"))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
});

/// The sysconsole write permissions, any of which lets a session change the configuration.
pub static SYSCONSOLE_WRITE: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut all: Vec<&'static str> = ALL_PERMISSIONS
        .iter()
        .copied()
        .filter(|p| p.starts_with("sysconsole_write_"))
        .collect();
    all.sort_unstable();
    all
});

/// One built-in role as a fresh Mattermost install has it.
#[derive(serde::Deserialize)]
pub struct BuiltInRole {
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub scheme_managed: bool,
    pub built_in: bool,
    pub permissions: Vec<String>,
}

/// The built-in roles of a fresh install (from Mattermost's role definitions and startup
/// migrations; see ../shared/reference/mattermost-server).
pub static BUILT_IN_ROLES: LazyLock<Vec<BuiltInRole>> =
    LazyLock::new(|| serde_json::from_str(include_str!("default_roles.json")).unwrap_or_default());

/// Inserts every built-in role that the database lacks.
pub async fn seed_roles(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let existing: HashSet<String> = role::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let now = now_millis();
    let missing: Vec<role::ActiveModel> = BUILT_IN_ROLES
        .iter()
        .filter(|r| !existing.contains(&r.name))
        .map(|r| role::ActiveModel {
            id: Set(new_id()),
            name: Set(r.name.clone()),
            display_name: Set(r.display_name.clone()),
            description: Set(r.description.clone()),
            create_at: Set(now),
            update_at: Set(now),
            delete_at: Set(0),
            permissions: Set(r.permissions.join(" ")),
            scheme_managed: Set(r.scheme_managed),
            built_in: Set(r.built_in),
        })
        .collect();
    if !missing.is_empty() {
        role::Entity::insert_many(missing).exec(db).await?;
    }
    Ok(())
}

/// Role name → the permission ids it grants.
type Grants = HashMap<String, HashSet<String>>;

/// Role name → permission set, loaded from the database and reloaded after a role changes.
#[derive(Default)]
pub struct RoleCache {
    roles: RwLock<Option<Arc<Grants>>>,
}

impl RoleCache {
    async fn load(&self, db: &impl ConnectionTrait) -> Result<Arc<Grants>, ApiError> {
        if let Some(roles) = self.roles.read().ok().and_then(|r| r.clone()) {
            return Ok(roles);
        }
        let rows = role::Entity::find().all(db).await?;
        let map: Grants = rows
            .into_iter()
            .filter(|r| r.delete_at == 0)
            .map(|r| {
                (
                    r.name,
                    r.permissions
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                )
            })
            .collect();
        let map = Arc::new(map);
        if let Ok(mut slot) = self.roles.write() {
            *slot = Some(map.clone());
        }
        Ok(map)
    }

    /// Forgets the loaded roles; the next check reads them again.
    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.roles.write() {
            *slot = None;
        }
    }
}

/// True when one of `role_names` grants any of `permissions`.
async fn roles_grant<'a>(
    caller: &Caller,
    role_names: impl Iterator<Item = &'a str>,
    permissions: &[&str],
) -> Result<bool, ApiError> {
    if caller
        .session
        .as_ref()
        .is_some_and(crate::auth::Session::is_local)
    {
        return Ok(true);
    }
    let roles = caller.state.roles().load(caller.state.db()).await?;
    Ok(role_names
        .filter_map(|name| roles.get(name))
        .any(|granted| permissions.iter().any(|p| granted.contains(*p))))
}

/// 401 without a session, 403 unless the session has `permission` system-wide.
pub async fn require_system(caller: &Caller, permission: &str) -> Result<(), ApiError> {
    require_system_any(caller, &[permission]).await
}

/// 401 without a session, 403 unless the session has one of `permissions` system-wide.
pub async fn require_system_any(caller: &Caller, permissions: &[&str]) -> Result<(), ApiError> {
    let session = caller.session()?;
    if roles_grant(caller, session.role_names(), permissions).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden().detail(format!("needs one of: {}", permissions.join(", "))))
    }
}

/// True when the session has `permission` system-wide (no 401/403, for handlers that only
/// adjust what they show).
pub async fn has_system(caller: &Caller, permission: &str) -> Result<bool, ApiError> {
    match &caller.session {
        Some(session) => roles_grant(caller, session.role_names(), &[permission]).await,
        None => Ok(false),
    }
}

/// Mattermost's SessionHasPermissionToTeam: a system-wide grant, or one of the roles the
/// caller holds as an active member of the team (its scheme's roles when it has one).
pub async fn has_team(caller: &Caller, team_id: &str, permission: &str) -> Result<bool, ApiError> {
    let Some(session) = &caller.session else {
        return Ok(false);
    };
    if roles_grant(caller, session.role_names(), &[permission]).await? {
        return Ok(true);
    }
    let roles =
        crate::store::member_roles::in_team(caller.state.db(), team_id, &session.user_id).await?;
    roles_grant(caller, roles.iter().map(String::as_str), &[permission]).await
}

/// 401 without a session; 403 unless the session has `permission` system-wide or in one of
/// the caller's teams (how Mattermost checks the emoji permissions, which team schemes may
/// grant).
pub async fn require_in_any_team(caller: &Caller, permission: &str) -> Result<(), ApiError> {
    use crate::store::entity::team_member;
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let session = caller.session()?;
    if roles_grant(caller, session.role_names(), &[permission]).await? {
        return Ok(());
    }
    let teams: Vec<String> = team_member::Entity::find()
        .select_only()
        .column(team_member::Column::TeamId)
        .filter(team_member::Column::UserId.eq(&session.user_id))
        .filter(team_member::Column::DeleteAt.eq(0))
        .into_tuple()
        .all(caller.state.db())
        .await?;
    for team_id in teams {
        if has_team(caller, &team_id, permission).await? {
            return Ok(());
        }
    }
    Err(ApiError::forbidden().detail(format!("needs {permission}")))
}

/// 401 without a session, 400 for a malformed team id, 403 unless [`has_team`].
pub async fn require_team(
    caller: &Caller,
    team_id: &str,
    permission: &str,
) -> Result<(), ApiError> {
    caller.session()?;
    if !crate::ids::is_valid_id(team_id) {
        return Err(ApiError::invalid_param("team_id"));
    }
    if has_team(caller, team_id, permission).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden().detail(format!("needs {permission} in the team")))
    }
}

/// Mattermost's SessionHasPermissionToChannel: the roles the caller holds as a member of
/// the channel; then, for a channel that exists, manage_system, or the team-scoped check in
/// the channel's team (system-wide for direct and group channels).
pub async fn has_channel(
    caller: &Caller,
    channel_id: &str,
    permission: &str,
) -> Result<bool, ApiError> {
    let Some(session) = &caller.session else {
        return Ok(false);
    };
    match ChannelAccess::load(caller.state.db(), channel_id, &session.user_id).await? {
        Some(access) => access_grants(caller, &access, permission).await,
        None => Ok(false),
    }
}

/// [`has_channel`] on a channel already read with the caller's membership.
pub async fn access_grants(
    caller: &Caller,
    access: &ChannelAccess,
    permission: &str,
) -> Result<bool, ApiError> {
    let Some(session) = &caller.session else {
        return Ok(false);
    };
    let roles = access.member_roles(caller.state.db(), permission).await?;
    if roles_grant(caller, roles.iter().map(String::as_str), &[permission]).await? {
        return Ok(true);
    }
    if roles_grant(caller, session.role_names(), &[ids::MANAGE_SYSTEM]).await? {
        return Ok(true);
    }
    let team_id = &access.channel.team_id;
    if team_id.is_empty() {
        roles_grant(caller, session.role_names(), &[permission]).await
    } else {
        has_team(caller, team_id, permission).await
    }
}

/// 401 without a session, 400 for a malformed channel id, 403 unless [`has_channel`].
pub async fn require_channel(
    caller: &Caller,
    channel_id: &str,
    permission: &str,
) -> Result<(), ApiError> {
    channel_with(caller, channel_id, permission).await.map(drop)
}

/// [`require_channel`], answering the channel as read for the check (with the caller's
/// membership) for further checks and use.
pub async fn channel_with(
    caller: &Caller,
    channel_id: &str,
    permission: &str,
) -> Result<ChannelAccess, ApiError> {
    let session = caller.session()?;
    if !crate::ids::is_valid_id(channel_id) {
        return Err(ApiError::invalid_param("channel_id"));
    }
    let access = ChannelAccess::load(caller.state.db(), channel_id, &session.user_id).await?;
    granted(caller, access, permission).await
}

/// The channel as read (None: it does not exist) when it grants the caller `permission`;
/// 403 otherwise, as [`require_channel`] answers.
pub async fn granted(
    caller: &Caller,
    access: Option<ChannelAccess>,
    permission: &str,
) -> Result<ChannelAccess, ApiError> {
    let forbidden = || ApiError::forbidden().detail(format!("needs {permission} in the channel"));
    let access = access.ok_or_else(forbidden)?;
    if access_grants(caller, &access, permission).await? {
        Ok(access)
    } else {
        Err(forbidden())
    }
}

/// Whether the caller may see bots owned by `owner_id` (read_bots for their own,
/// read_others_bots for anyone's).
pub async fn can_read_bot(caller: &Caller, owner_id: &str) -> Result<bool, ApiError> {
    let own = caller.session()?.user_id == owner_id;
    let needed = if own {
        ids::READ_BOTS
    } else {
        ids::READ_OTHERS_BOTS
    };
    Ok(has_system(caller, needed).await? || has_system(caller, ids::MANAGE_OTHERS_BOTS).await?)
}

/// Mattermost's SessionHasPermissionToManageBot: manage_bots for one's own bots,
/// manage_others_bots for anyone's; a caller who may not even read the bot is told it does
/// not exist (404), one who may read it but not manage it gets 403.
pub async fn require_manage_bot(caller: &Caller, owner_id: &str) -> Result<(), ApiError> {
    let own = caller.session()?.user_id == owner_id;
    let needed = if own {
        ids::MANAGE_BOTS
    } else {
        ids::MANAGE_OTHERS_BOTS
    };
    if has_system(caller, needed).await? {
        Ok(())
    } else if can_read_bot(caller, owner_id).await? {
        Err(ApiError::forbidden().detail(format!("needs {needed}")))
    } else {
        Err(ApiError::bot_missing())
    }
}

/// Mattermost's SessionHasPermissionToUserOrBot: the user themself, or `edit_other_users`
/// (acting on a system admin also takes `manage_system`); for a bot, the right to manage it.
pub async fn require_user(caller: &Caller, user_id: &str) -> Result<(), ApiError> {
    let session = caller.session()?;
    if session.user_id == user_id || session.is_local() {
        return Ok(());
    }
    let target = caller
        .state
        .accounts()
        .get(caller.state.db(), user_id)
        .await?;
    if let Some(bot) = target.as_ref().and_then(|a| a.bot.as_ref()) {
        return require_manage_bot(caller, &bot.owner_id).await;
    }
    require_system(caller, ids::EDIT_OTHER_USERS).await?;
    let target_is_admin =
        target.is_some_and(|a| a.user.roles.split_whitespace().any(|r| r == "system_admin"));
    if target_is_admin {
        require_system(caller, ids::MANAGE_SYSTEM).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_roles_match_a_fresh_mattermost_install() {
        assert_eq!(BUILT_IN_ROLES.len(), 23);
        let admin = BUILT_IN_ROLES
            .iter()
            .find(|r| r.name == "system_admin")
            .unwrap();
        assert_eq!(admin.permissions.len(), 265);
        let user = BUILT_IN_ROLES
            .iter()
            .find(|r| r.name == "system_user")
            .unwrap();
        assert!(!user.permissions.iter().any(|p| p == ids::MANAGE_SYSTEM));
        assert_eq!(SYSCONSOLE_READ.len(), 56);
        assert_eq!(ALL_PERMISSIONS.len(), 286);
        assert_eq!(ANCILLARY.len(), 29);
    }
}
