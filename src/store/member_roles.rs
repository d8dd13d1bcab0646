//! The role names a team or channel member holds: its explicit roles plus those its scheme
//! flags (guest, user, admin) imply, named by the scheme in force. Permission checks (in
//! src/auth) and the membership views (in src/app) both read them from here.

use crate::store::entity::{channel, channel_member, scheme, team, team_member};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

/// A scheme's (guest, user, admin) role names.
pub type SchemeRoles = [String; 3];

/// The scheme flags (guest, user, admin) of a membership.
pub type Flags = [bool; 3];

/// The channel permissions a channel scheme may moderate.
pub const MODERATED: [&str; 6] = [
    "create_post",
    "add_reaction",
    "remove_reaction",
    "manage_public_channel_members",
    "manage_private_channel_members",
    "use_channel_mentions",
];

/// A member's role names: the explicit ones, then those its flags imply.
pub fn role_names(explicit: &str, flags: Flags, scheme: &SchemeRoles) -> Vec<String> {
    let mut names: Vec<String> = explicit.split_whitespace().map(str::to_owned).collect();
    for (flag, role) in flags.into_iter().zip(scheme.iter()) {
        if flag && !names.contains(role) {
            names.push(role.clone());
        }
    }
    names
}

/// A team member's role names.
pub fn team_member_roles(member: &team_member::Model, scheme: &SchemeRoles) -> Vec<String> {
    role_names(
        &member.roles,
        [member.scheme_guest, member.scheme_user, member.scheme_admin],
        scheme,
    )
}

/// A channel member's role names.
pub fn channel_member_roles(m: &channel_member::Model, scheme: &SchemeRoles) -> Vec<String> {
    role_names(
        &m.roles,
        [m.scheme_guest, m.scheme_user, m.scheme_admin],
        scheme,
    )
}

/// The role names a team scheme uses for (guest, user, admin) members ("" or a deleted
/// scheme: the built-in ones).
pub async fn team_scheme_roles(
    db: &impl ConnectionTrait,
    scheme_id: &str,
) -> Result<SchemeRoles, DbErr> {
    Ok(match live_scheme(db, scheme_id).await? {
        Some(s) => [
            s.default_team_guest_role,
            s.default_team_user_role,
            s.default_team_admin_role,
        ],
        None => [
            "team_guest".to_owned(),
            "team_user".to_owned(),
            "team_admin".to_owned(),
        ],
    })
}

/// The scheme `scheme_id` unless it is "" or deleted.
async fn live_scheme(
    db: &impl ConnectionTrait,
    scheme_id: &str,
) -> Result<Option<scheme::Model>, DbErr> {
    if scheme_id.is_empty() {
        return Ok(None);
    }
    Ok(scheme::Entity::find_by_id(scheme_id.to_owned())
        .one(db)
        .await?
        .filter(|s| s.delete_at == 0))
}

/// The active membership of `user_id` in `team_id`.
pub async fn active_team_member(
    db: &impl ConnectionTrait,
    team_id: &str,
    user_id: &str,
) -> Result<Option<team_member::Model>, DbErr> {
    Ok(
        team_member::Entity::find_by_id((team_id.to_owned(), user_id.to_owned()))
            .one(db)
            .await?
            .filter(|m| m.delete_at == 0),
    )
}

/// The role names `user_id` holds in `team_id` (none unless an active member).
pub async fn in_team(
    db: &impl ConnectionTrait,
    team_id: &str,
    user_id: &str,
) -> Result<Vec<String>, DbErr> {
    let Some(member) = active_team_member(db, team_id, user_id).await? else {
        return Ok(Vec::new());
    };
    let scheme_id = team::Entity::find_by_id(team_id.to_owned())
        .one(db)
        .await?
        .map(|t| t.scheme_id)
        .unwrap_or_default();
    Ok(team_member_roles(
        &member,
        &team_scheme_roles(db, &scheme_id).await?,
    ))
}

/// The role names the channel's scheme uses for (guest, user, admin) members: a channel
/// scheme's, else the team scheme's channel roles, else the built-in ones.
pub async fn channel_scheme_roles(
    db: &impl ConnectionTrait,
    c: &channel::Model,
) -> Result<SchemeRoles, DbErr> {
    if c.scheme_id.is_empty() {
        higher_scoped_channel_roles(db, c).await
    } else {
        channel_roles_of_scheme(db, &c.scheme_id).await
    }
}

/// The channel roles of the channel's team scheme, else the built-in ones: what a channel
/// scheme's roles fall back to for every permission it does not moderate.
async fn higher_scoped_channel_roles(
    db: &impl ConnectionTrait,
    c: &channel::Model,
) -> Result<SchemeRoles, DbErr> {
    let mut scheme_id = String::new();
    if !c.team_id.is_empty() {
        scheme_id = team::Entity::find_by_id(c.team_id.clone())
            .one(db)
            .await?
            .map(|t| t.scheme_id)
            .unwrap_or_default();
    }
    channel_roles_of_scheme(db, &scheme_id).await
}

/// A scheme's channel roles ("" or a deleted scheme: the built-in ones).
async fn channel_roles_of_scheme(
    db: &impl ConnectionTrait,
    scheme_id: &str,
) -> Result<SchemeRoles, DbErr> {
    Ok(match live_scheme(db, scheme_id).await? {
        Some(s) => [
            s.default_channel_guest_role,
            s.default_channel_user_role,
            s.default_channel_admin_role,
        ],
        None => [
            "channel_guest".to_owned(),
            "channel_user".to_owned(),
            "channel_admin".to_owned(),
        ],
    })
}

/// A channel with what decides one user's permissions in it (their membership, the team's
/// scheme), read in one query so that several checks on one request cost one round trip.
#[derive(Clone)]
pub struct ChannelAccess {
    pub channel: channel::Model,
    pub member: Option<channel_member::Model>,
    /// The scheme of the channel's team ("" for none, or no team).
    team_scheme_id: String,
}

/// The prefix of the membership's columns in [`ChannelAccess::load`]'s row.
const MEMBER_PREFIX: &str = "member_";

impl ChannelAccess {
    /// Channel `channel_id` as `user_id` meets it (None: no such channel).
    pub async fn load(
        db: &impl ConnectionTrait,
        channel_id: &str,
        user_id: &str,
    ) -> Result<Option<Self>, DbErr> {
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
        use sea_orm::{FromQueryResult, IdenStatic, Iterable};
        let mut query = Query::select();
        query.from(channel::Entity);
        for column in channel::Column::iter() {
            query.expr_as(
                Expr::col((channel::Entity, column)),
                Alias::new(column.as_str()),
            );
        }
        for column in channel_member::Column::iter() {
            query.expr_as(
                Expr::col((channel_member::Entity, column)),
                Alias::new(format!("{MEMBER_PREFIX}{}", column.as_str())),
            );
        }
        query
            .expr_as(
                Expr::col((team::Entity, team::Column::SchemeId)),
                Alias::new("team_scheme_id"),
            )
            .left_join(
                channel_member::Entity,
                Expr::col((channel_member::Entity, channel_member::Column::ChannelId))
                    .equals((channel::Entity, channel::Column::Id))
                    .and(
                        Expr::col((channel_member::Entity, channel_member::Column::UserId))
                            .eq(user_id),
                    ),
            )
            .left_join(
                team::Entity,
                Expr::col((team::Entity, team::Column::Id))
                    .equals((channel::Entity, channel::Column::TeamId)),
            )
            .and_where(Expr::col((channel::Entity, channel::Column::Id)).eq(channel_id));
        let Some(row) = db.query_one(&query).await? else {
            return Ok(None);
        };
        Ok(Some(Self {
            channel: channel::Model::from_query_result(&row, "")?,
            member: channel_member::Model::from_query_result_optional(&row, MEMBER_PREFIX)?,
            team_scheme_id: row
                .try_get::<Option<String>>("", "team_scheme_id")?
                .unwrap_or_default(),
        }))
    }

    /// The role names that decide `permission` for the user as a member (none when not a
    /// member): with a channel scheme, its roles for the permissions it moderates and the
    /// higher-scoped channel roles (team scheme or built-in) for the rest, as Mattermost
    /// combines them.
    pub async fn member_roles(
        &self,
        db: &impl ConnectionTrait,
        permission: &str,
    ) -> Result<Vec<String>, DbErr> {
        let Some(m) = &self.member else {
            return Ok(Vec::new());
        };
        let c = &self.channel;
        let scheme_id = if c.scheme_id.is_empty() || !MODERATED.contains(&permission) {
            &self.team_scheme_id
        } else {
            &c.scheme_id
        };
        let scheme = channel_roles_of_scheme(db, scheme_id).await?;
        Ok(channel_member_roles(m, &scheme))
    }
}
