//! Channels: validation as Mattermost's `Channel.IsValid`, creating, saving and moving
//! them, direct and group channels, and the read rule. Membership is in channel_members
//! and lists in channel_lists, both re-exported here.

pub use super::channel_lists::*;
pub use super::channel_members::*;
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{channel, channel_member, user};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
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
    super::membership::changed();
    channel_member::Entity::delete_many()
        .filter(channel_member::Column::ChannelId.eq(found.id.clone()))
        .filter(channel_member::Column::UserId.is_in(outside))
        .exec(&txn)
        .await?;
    found.team_id = target.id;
    let saved = save(&txn, found).await?;
    txn.commit().await?;
    super::membership::changed();
    Ok(saved)
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

/// Archives `found` (not the team's default channel, not twice).
pub async fn archive(
    db: &impl ConnectionTrait,
    mut found: channel::Model,
) -> Result<channel::Model, ApiError> {
    if found.name == TOWN_SQUARE {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DELETE_DEFAULT,
            "The team's default channel cannot be archived.",
        ));
    }
    if found.delete_at != 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::ALREADY_DELETED,
            "The channel is archived already.",
        ));
    }
    found.delete_at = now_millis();
    save(db, found).await
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
