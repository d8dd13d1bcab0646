//! Channels and channel membership: validation as Mattermost's `Channel.IsValid`, the
//! default channels of a team, direct and group channels, joining and leaving, and member
//! roles (scheme flags plus explicit roles; a channel scheme's, else the team scheme's).

use super::membership;
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{channel, channel_member, team, team_member, user};
use crate::store::member_roles;
use crate::store::prefix;
use axum::http::StatusCode;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

pub mod ids {
    pub const NOT_FOUND: &str = "app.channel.get.existing.app_error";
    pub const NAME_NOT_FOUND: &str = "app.channel.get_by_name.missing.app_error";
    pub const EXISTS: &str = "store.sql_channel.save_channel.exists.app_error";
    pub const MEMBER_MISSING: &str = "app.channel.get_member.missing.app_error";
    pub const DIRECT_VIA_CREATE: &str = "api.channel.create_channel.direct_channel.app_error";
    pub const DELETED: &str = "api.channel.update_channel.deleted.app_error";
    pub const DIRECT_UPDATE: &str =
        "api.channel.update_channel.update_direct_or_group_messages_not_allowed.app_error";
    pub const DEFAULT_RENAME: &str = "api.channel.update_channel.tried.app_error";
    pub const DELETE_TYPE: &str = "api.channel.delete_channel.type.invalid";
    pub const MOVE_TYPE: &str = "api.channel.move_channel.type.invalid";
    pub const MOVE_MEMBERS: &str = "app.channel.move_channel.members_do_not_match.error";
    pub const DELETE_DEFAULT: &str = "api.channel.delete_channel.cannot.app_error";
    pub const ALREADY_DELETED: &str = "api.channel.delete_channel.deleted.app_error";
    pub const NOT_ARCHIVED: &str = "api.channel.restore_channel.restored.app_error";
    pub const DEFAULT_PRIVATE: &str = "api.channel.update_channel_privacy.default_channel_error";
    pub const ADD_TYPE: &str = "api.channel.add_user_to_channel.type.app_error";
    pub const LEFT_TEAM: &str = "api.channel.add_user.to.channel.failed.deleted.app_error";
    pub const DEACTIVATED: &str = "app.channel.add_member.deleted_user.app_error";
    pub const REMOVE_TYPE: &str = "api.channel.remove_user_from_channel.app_error";
    pub const REMOVE_DEFAULT: &str = "api.channel.remove.default.app_error";
    pub const LEAVE_DEFAULT: &str = "api.channel.leave.default.app_error";
    pub const LEAVE_DIRECT: &str = "api.channel.leave.direct.app_error";
    pub const LEAVE_LAST: &str = "api.channel.leave.last_member.app_error";
    pub const DIRECT_USER: &str = "api.channel.create_direct_channel.invalid_user.app_error";
    pub const GROUP_SIZE: &str = "api.channel.create_group.bad_size.app_error";
    pub const GROUP_USER: &str = "api.channel.create_group.bad_user.app_error";
    pub const GUEST_AND_USER: &str =
        "api.channel.update_channel_member_roles.guest_and_user.app_error";
    pub const CHANGING_GUEST: &str =
        "api.channel.update_channel_member_roles.changing_guest_role.app_error";
    pub const SCHEME_ROLE: &str = "api.channel.update_channel_member_roles.scheme_role.app_error";
    pub const SCHEME_SCOPE: &str = "api.channel.update_channel_scheme.scheme_scope.error";
}

/// The channel every team member is in and cannot leave.
pub const TOWN_SQUARE: &str = "town-square";
/// The second default channel.
pub const OFF_TOPIC: &str = "off-topic";

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::NOT_FOUND,
        "There is no such channel.",
    )
}

fn invalid(id: &'static str, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        id,
        format!("The channel's {what} is not valid."),
    )
}

/// Mattermost's channel names: lower-case letters, digits, `-` and `_`, starting with a
/// letter or digit, at most 64 characters.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.bytes();
    let Some(first) = chars.next() else {
        return false;
    };
    name.len() <= 64
        && (first.is_ascii_lowercase() || first.is_ascii_digit())
        && chars.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A name only a direct (`id__id`) or group (40 hex digits) channel may have.
fn looks_like_direct_or_group(name: &str) -> bool {
    let hex = name.len() == 40
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let pair = name
        .split_once("__")
        .is_some_and(|(a, b)| is_valid_id(a) && is_valid_id(b));
    hex || pair
}

/// Mattermost's `Channel.IsValid`, in its order.
pub fn validate(c: &channel::Model) -> Result<(), ApiError> {
    if c.display_name.chars().count() > 64 {
        return Err(invalid(
            "model.channel.is_valid.display_name.app_error",
            "display name",
        ));
    }
    if !is_valid_name(&c.name) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "model.channel.is_valid.1_or_more.app_error",
            "A channel name is 1 to 64 lower-case letters, digits, '-' or '_'.",
        ));
    }
    if !["O", "P", "D", "G"].contains(&c.channel_type.as_str()) {
        return Err(invalid("model.channel.is_valid.type.app_error", "type"));
    }
    if c.header.chars().count() > 1024 {
        return Err(invalid("model.channel.is_valid.header.app_error", "header"));
    }
    if c.purpose.chars().count() > 250 {
        return Err(invalid(
            "model.channel.is_valid.purpose.app_error",
            "purpose",
        ));
    }
    if is_team_channel(c) && looks_like_direct_or_group(&c.name) {
        return Err(invalid("model.channel.is_valid.name.app_error", "name"));
    }
    Ok(())
}

pub fn is_team_channel(c: &channel::Model) -> bool {
    c.channel_type == "O" || c.channel_type == "P"
}

pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<channel::Model, ApiError> {
    channel::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// The channel of `team_id` named `name` (archived ones only when `include_deleted`).
pub async fn get_by_name(
    db: &impl ConnectionTrait,
    team_id: &str,
    name: &str,
    include_deleted: bool,
) -> Result<channel::Model, ApiError> {
    let mut find = channel::Entity::find()
        .filter(channel::Column::TeamId.eq(team_id))
        .filter(channel::Column::Name.eq(name));
    if !include_deleted {
        find = find.filter(channel::Column::DeleteAt.eq(0));
    }
    find.one(db).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::NAME_NOT_FOUND,
            "There is no channel with that name in the team.",
        )
    })
}

/// What a new channel starts with.
pub struct NewChannel {
    pub team_id: String,
    pub channel_type: String,
    pub name: String,
    pub display_name: String,
    pub header: String,
    pub purpose: String,
    pub creator_id: String,
}

/// Stores a new channel (no members yet); names are unique within the team.
pub async fn create(
    db: &impl ConnectionTrait,
    new: NewChannel,
) -> Result<channel::Model, ApiError> {
    let now = now_millis();
    let row = channel::Model {
        id: new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        team_id: new.team_id,
        channel_type: new.channel_type,
        display_name: new.display_name.trim().to_owned(),
        name: new.name.trim().to_owned(),
        header: new.header,
        purpose: new.purpose,
        last_post_at: now,
        total_msg_count: 0,
        total_msg_count_root: 0,
        last_root_post_at: now,
        extra_update_at: 0,
        creator_id: new.creator_id,
        scheme_id: String::new(),
        group_constrained: false,
    };
    validate(&row)?;
    if is_team_channel(&row) && row.display_name.is_empty() {
        return Err(invalid(
            "model.channel.is_valid.display_name.app_error",
            "display name",
        ));
    }
    let taken = channel::Entity::find()
        .filter(channel::Column::TeamId.eq(row.team_id.clone()))
        .filter(channel::Column::Name.eq(row.name.clone()))
        .one(db)
        .await?
        .is_some();
    if taken {
        return Err(name_taken());
    }
    // A name taken meanwhile by a concurrent request: no row (and no failed statement,
    // which would end a PostgreSQL transaction), so the same answer as above.
    let inserted = channel::Entity::insert(row.clone().into_active_model())
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                channel::Column::TeamId,
                channel::Column::Name,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        return Err(name_taken());
    }
    Ok(row)
}

/// A direct or group channel made by whoever asks first: when concurrent requests race to
/// make the same one, the losers get the winner's.
async fn create_or_existing(
    db: &impl ConnectionTrait,
    new: NewChannel,
) -> Result<channel::Model, ApiError> {
    let name = new.name.clone();
    match create(db, new).await {
        Ok(made) => Ok(made),
        Err(e) if e.id == ids::EXISTS => get_by_name(db, "", &name, true).await,
        Err(e) => Err(e),
    }
}

fn name_taken() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::EXISTS,
        "A channel with that name already exists in the team.",
    )
}

/// Writes `row` back after validating it; `update_at` moves on.
pub async fn save(
    db: &impl ConnectionTrait,
    mut row: channel::Model,
) -> Result<channel::Model, ApiError> {
    row.update_at = now_millis();
    validate(&row)?;
    if is_team_channel(&row) && row.display_name.trim().is_empty() {
        return Err(invalid(
            "model.channel.is_valid.display_name.app_error",
            "display name",
        ));
    }
    let clash = channel::Entity::find()
        .filter(channel::Column::TeamId.eq(row.team_id.clone()))
        .filter(channel::Column::Name.eq(row.name.clone()))
        .filter(channel::Column::Id.ne(row.id.clone()))
        .one(db)
        .await?
        .is_some();
    if clash {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "store.sql_channel.update.exists.app_error",
            "A channel with that name already exists in the team.",
        ));
    }
    Ok(row.into_active_model().reset_all().update(db).await?)
}

/// The team permission creating a channel of `channel_type` takes (400 for direct and
/// group channels, which have their own calls, and for unknown types).
pub fn creation_permission(channel_type: &str) -> Result<&'static str, ApiError> {
    use crate::auth::permissions::ids as perm;
    match channel_type {
        "O" => Ok(perm::CREATE_PUBLIC_CHANNEL),
        "P" => Ok(perm::CREATE_PRIVATE_CHANNEL),
        "D" | "G" => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DIRECT_VIA_CREATE,
            "Direct and group channels are made with their own calls.",
        )),
        _ => Err(invalid("model.channel.is_valid.type.app_error", "type")),
    }
}

/// Creates `new`; its creator (unless the local socket) becomes its first member and
/// channel admin in the same transaction.
pub async fn create_by(caller: &Caller, new: NewChannel) -> Result<channel::Model, ApiError> {
    let session = caller.session()?;
    let creator = if session.is_local() {
        None
    } else {
        Some(super::users::get(caller.state.db(), &session.user_id).await?)
    };
    let txn = caller.state.begin_write().await?;
    let made = create(&txn, new).await?;
    if let Some(creator) = &creator {
        join(&txn, &made, creator, true).await?;
    }
    txn.commit().await?;
    Ok(made)
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

/// Moves a public or private channel to team `team_id`. Its members must all be in that
/// team, unless `force`, which takes out those who are not; its name must be free there.
/// One transaction.
pub async fn move_to_team(
    caller: &Caller,
    mut found: channel::Model,
    team_id: &str,
    force: bool,
) -> Result<channel::Model, ApiError> {
    if !is_team_channel(&found) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::MOVE_TYPE,
            "Only public and private channels move between teams.",
        ));
    }
    let db = caller.state.db();
    let target = super::teams::get(db, team_id).await?;
    let outside = super::rosters::channel_members_outside(db, &found.id, &target.id).await?;
    if !outside.is_empty() && !force {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::MOVE_MEMBERS,
            "Some members of the channel are not in the team.",
        )
        .detail(outside.join(", ")));
    }
    let txn = caller.state.begin_write().await?;
    channel_member::Entity::delete_many()
        .filter(channel_member::Column::ChannelId.eq(found.id.clone()))
        .filter(channel_member::Column::UserId.is_in(outside))
        .exec(&txn)
        .await?;
    found.team_id = target.id;
    let saved = save(&txn, found).await?;
    txn.commit().await?;
    Ok(saved)
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

/// The live public channels of a team among `ids`, by display name.
pub async fn public_among(
    db: &impl ConnectionTrait,
    team_id: &str,
    ids: Vec<String>,
) -> Result<Vec<channel::Model>, ApiError> {
    Ok(channel::Entity::find()
        .filter(channel::Column::TeamId.eq(team_id))
        .filter(channel::Column::ChannelType.eq("O"))
        .filter(channel::Column::DeleteAt.eq(0))
        .filter(channel::Column::Id.is_in(ids))
        .order_by_asc(channel::Column::DisplayName)
        .all(db)
        .await?)
}

/// Mattermost's read rule: a public channel is readable with read_public_channel in its
/// team or read_channel in it; any other only with read_channel.
pub async fn require_read(caller: &Caller, c: &channel::Model) -> Result<(), ApiError> {
    use crate::auth::permissions::{has_team, ids as perm, require_channel};
    if c.channel_type == "O" && has_team(caller, &c.team_id, perm::READ_PUBLIC_CHANNEL).await? {
        return Ok(());
    }
    require_channel(caller, &c.id, perm::READ_CHANNEL).await
}

/// The channel as Mattermost's JSON shows it.
pub fn to_api(c: &channel::Model) -> types::Channel {
    types::Channel {
        id: Some(c.id.clone()),
        create_at: Some(c.create_at),
        update_at: Some(c.update_at),
        delete_at: Some(c.delete_at),
        team_id: Some(c.team_id.clone()),
        type_: Some(c.channel_type.clone()),
        display_name: Some(c.display_name.clone()),
        name: Some(c.name.clone()),
        header: Some(c.header.clone()),
        purpose: Some(c.purpose.clone()),
        last_post_at: Some(c.last_post_at),
        total_msg_count: Some(c.total_msg_count),
        extra_update_at: Some(c.extra_update_at),
        creator_id: Some(c.creator_id.clone()),
        scheme_id: (!c.scheme_id.is_empty()).then(|| c.scheme_id.clone()),
        props: serde_json::Map::new(),
        group_constrained: Some(c.group_constrained),
        shared: Some(false),
        total_msg_count_root: Some(c.total_msg_count_root),
        policy_id: None,
        last_root_post_at: Some(c.last_root_post_at),
    }
}

pub fn to_api_all(rows: &[channel::Model]) -> Vec<types::Channel> {
    rows.iter().map(to_api).collect()
}

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

/// `SELECT channel_id` of the channels `user_id` is a member of in `team_id`, and of
/// their direct and group channels (archived ones only with `include_deleted`).
pub fn member_channel_ids(
    user_id: &str,
    team_id: &str,
    include_deleted: bool,
) -> sea_orm::sea_query::SelectStatement {
    let mut q = sea_orm::sea_query::Query::select();
    q.column((channel_member::Entity, channel_member::Column::ChannelId))
        .from(channel_member::Entity)
        .inner_join(
            channel::Entity,
            Expr::col((channel::Entity, channel::Column::Id))
                .equals((channel_member::Entity, channel_member::Column::ChannelId)),
        )
        .and_where(Expr::col((channel_member::Entity, channel_member::Column::UserId)).eq(user_id))
        .and_where(
            Expr::col((channel::Entity, channel::Column::TeamId))
                .eq(team_id)
                .or(Expr::col((channel::Entity, channel::Column::TeamId)).eq("")),
        );
    if !include_deleted {
        q.and_where(Expr::col((channel::Entity, channel::Column::DeleteAt)).eq(0));
    }
    q
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

/// The channels `user_id` is in (as channels_of), as a condition on `channels`.
fn mine(user_id: &str, team_id: Option<&str>, include_deleted: bool) -> Condition {
    let memberships = sea_orm::sea_query::Query::select()
        .column(channel_member::Column::ChannelId)
        .from(channel_member::Entity)
        .and_where(channel_member::Column::UserId.eq(user_id))
        .to_owned();
    let mut cond = Condition::all().add(channel::Column::Id.in_subquery(memberships));
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

/// `user_id`'s live channels of team `team_id` (not direct or group ones) whose name or
/// display name starts with `term`, by display name, at most `limit`.
pub async fn mine_starting_with(
    db: &impl ConnectionTrait,
    user_id: &str,
    team_id: &str,
    term: &str,
    limit: u64,
) -> Result<Vec<channel::Model>, ApiError> {
    let columns = [channel::Column::Name, channel::Column::DisplayName];
    let backend = db.get_database_backend();
    Ok(channel::Entity::find()
        .filter(mine(user_id, Some(team_id), false))
        .filter(channel::Column::TeamId.eq(team_id))
        .filter(prefix::any_starts_with::<channel::Entity>(
            backend,
            &columns,
            term.trim(),
        ))
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
        let columns = [channel::Column::Name, channel::Column::DisplayName];
        let backend = db.get_database_backend();
        find = find.filter(prefix::any_starts_with::<channel::Entity>(
            backend, &columns, term,
        ));
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
    let mine = sea_orm::sea_query::Query::select()
        .column(channel_member::Column::ChannelId)
        .from(channel_member::Entity)
        .and_where(channel_member::Column::UserId.eq(user_id))
        .to_owned();
    Ok(channel::Entity::find()
        .filter(channel::Column::Id.in_subquery(mine))
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
        let columns = [channel::Column::Name, channel::Column::DisplayName];
        let backend = db.get_database_backend();
        find = find.filter(prefix::any_starts_with::<channel::Entity>(
            backend, &columns, term,
        ));
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
    let teams = sea_orm::sea_query::Query::select()
        .column(team_member::Column::TeamId)
        .from(team_member::Entity)
        .and_where(team_member::Column::UserId.eq(user_id))
        .and_where(team_member::Column::DeleteAt.eq(0))
        .to_owned();
    let memberships = sea_orm::sea_query::Query::select()
        .column(channel_member::Column::ChannelId)
        .from(channel_member::Entity)
        .and_where(channel_member::Column::UserId.eq(user_id))
        .to_owned();
    Condition::any()
        .add(
            Condition::all()
                .add(channel::Column::ChannelType.eq("O"))
                .add(channel::Column::TeamId.in_subquery(teams)),
        )
        .add(channel::Column::Id.in_subquery(memberships))
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
        let columns = [channel::Column::Name, channel::Column::DisplayName];
        let backend = db.get_database_backend();
        let mut any = prefix::any_starts_with::<channel::Entity>(backend, &columns, term);
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

/// The direct channel between two accounts (one account: a channel with oneself), made
/// on first use with both as members.
pub async fn direct(
    db: &impl ConnectionTrait,
    a: &user::Model,
    b: &user::Model,
) -> Result<channel::Model, ApiError> {
    let (lo, hi) = if a.id <= b.id { (a, b) } else { (b, a) };
    let name = format!("{}__{}", lo.id, hi.id);
    if let Ok(found) = get_by_name(db, "", &name, true).await {
        return Ok(found);
    }
    let made = create_or_existing(
        db,
        NewChannel {
            team_id: String::new(),
            channel_type: "D".to_owned(),
            name,
            display_name: String::new(),
            header: String::new(),
            purpose: String::new(),
            creator_id: String::new(),
        },
    )
    .await?;
    join(db, &made, lo, false).await?;
    join(db, &made, hi, false).await?;
    Ok(made)
}

/// The group channel of 3 to 8 accounts, made on first use: its name is the SHA-1 of the
/// sorted ids, its display name the sorted usernames.
pub async fn group(
    db: &impl ConnectionTrait,
    members: &[user::Model],
) -> Result<channel::Model, ApiError> {
    use sha1::Digest;
    let mut ids: Vec<&str> = members.iter().map(|u| u.id.as_str()).collect();
    ids.sort_unstable();
    let mut hasher = sha1::Sha1::new();
    for id in &ids {
        hasher.update(id.as_bytes());
    }
    let name: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if let Ok(found) = get_by_name(db, "", &name, true).await {
        return Ok(found);
    }
    let mut usernames: Vec<&str> = members.iter().map(|u| u.username.as_str()).collect();
    usernames.sort_unstable();
    let mut display = usernames.join(", ");
    if display.len() > 64 {
        let mut cut = 64;
        while !display.is_char_boundary(cut) {
            cut -= 1;
        }
        display.truncate(cut);
    }
    let made = create_or_existing(
        db,
        NewChannel {
            team_id: String::new(),
            channel_type: "G".to_owned(),
            name,
            display_name: display,
            header: String::new(),
            purpose: String::new(),
            creator_id: String::new(),
        },
    )
    .await?;
    for account in members {
        join(db, &made, account, false).await?;
    }
    Ok(made)
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
