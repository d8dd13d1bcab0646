//! ChatCaptain's chatbot users over Mattermost's objects. A workspace is a team; a chatbot is
//! a bot account that is an active member of it; a chatbot's users are the accounts granted
//! access to it in that team (`chatbot_users` rows), each with per-chatbot roles.
//!
//! Who may do what (ChatCaptain's permission names): whoever may manage the bot in
//! Mattermost (its owner with `manage_bots`, anyone with `manage_others_bots`) and the
//! team's admins (`manage_team` there) may do everything. Otherwise a user's roles for the
//! chatbot decide, while they are an active member of the team:
//! - `ChatbotAdmin`: every permission;
//! - `ChatbotEditor`: `chatbots.users.list`, `.add` and `.remove`;
//! - `ChatbotViewer`: `chatbots.users.list`.
//!
//! The bot itself may list its users. Removing a user who holds roles takes
//! `chatbots.users.roles.revoke` too, since their roles go with them.

use crate::app::bots::{self, BotAccount};
use crate::auth::Caller;
use crate::auth::permissions::{has_system, has_team, ids as permissions};
use crate::contract::types::{ChatbotRole, ChatbotUser};
use crate::error::ApiError;
use crate::ids::{is_valid_id, now_millis};
use crate::store::entity::{chatbot_user, user};
use axum::http::StatusCode;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

pub mod ids {
    pub const WORKSPACE_MISSING: &str = "chatcaptain.workspace.missing";
    pub const CHATBOT_MISSING: &str = "chatcaptain.chatbot.missing";
    pub const USER_MISSING: &str = "chatcaptain.user.missing";
    pub const NOT_CHATBOT_USER: &str = "chatcaptain.chatbot_user.missing";
    pub const NOT_IN_WORKSPACE: &str = "chatcaptain.user.not_in_workspace";
    pub const OWN_USER: &str = "chatcaptain.chatbot_user.self";
    pub const FORBIDDEN: &str = "chatcaptain.permission.missing";
}

/// The per-chatbot roles, as ChatCaptain names them.
pub const ROLES: [ChatbotRole; 3] = [
    ChatbotRole::ChatbotAdmin,
    ChatbotRole::ChatbotEditor,
    ChatbotRole::ChatbotViewer,
];

/// What a request does with a chatbot's users; each is one ChatCaptain permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    List,
    Add,
    Remove,
    Grant,
    Revoke,
}

impl Action {
    /// ChatCaptain's name for the permission.
    pub fn permission(self) -> &'static str {
        match self {
            Self::List => "chatbots.users.list",
            Self::Add => "chatbots.users.add",
            Self::Remove => "chatbots.users.remove",
            Self::Grant => "chatbots.users.roles.grant",
            Self::Revoke => "chatbots.users.roles.revoke",
        }
    }

    /// Whether holding `role` for the chatbot grants this permission.
    fn granted_by(self, role: ChatbotRole) -> bool {
        match role {
            ChatbotRole::ChatbotAdmin => true,
            ChatbotRole::ChatbotEditor => matches!(self, Self::List | Self::Add | Self::Remove),
            ChatbotRole::ChatbotViewer => self == Self::List,
        }
    }
}

/// A chatbot as a request names it: the bot in the workspace.
pub struct Chatbot {
    pub team_id: String,
    pub bot: BotAccount,
}

impl Chatbot {
    fn id(&self) -> &str {
        &self.bot.bot.user_id
    }
}

fn not_found(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, id, message)
}

/// The chatbot `chatbot_id` of workspace `workspace_id`, once the caller is known to hold
/// `action`'s permission on it: 400 for a malformed id, 404 for a workspace or chatbot that
/// is not there (a disabled bot, or one not in the team), 403 without the permission.
pub async fn open(
    caller: &Caller,
    workspace_id: &str,
    chatbot_id: &str,
    action: Action,
) -> Result<Chatbot, ApiError> {
    caller.session()?;
    if !is_valid_id(workspace_id) {
        return Err(ApiError::invalid_url_param("workspaceId"));
    }
    if !is_valid_id(chatbot_id) {
        return Err(ApiError::invalid_url_param("chatbotId"));
    }
    let db = caller.state.db();
    let team = crate::app::teams::get(db, workspace_id).await;
    if team.is_err() || team.is_ok_and(|t| t.delete_at != 0) {
        return Err(not_found(
            ids::WORKSPACE_MISSING,
            "There is no such workspace.",
        ));
    }
    let missing = || {
        not_found(
            ids::CHATBOT_MISSING,
            "There is no such chatbot in the workspace.",
        )
    };
    let bot = bots::get(caller, chatbot_id, false)
        .await
        .map_err(|_| missing())?;
    if crate::app::teams::active_member(db, workspace_id, chatbot_id)
        .await?
        .is_none()
    {
        return Err(missing());
    }
    let chatbot = Chatbot {
        team_id: workspace_id.to_owned(),
        bot,
    };
    permit(caller, &chatbot, action).await?;
    Ok(chatbot)
}

/// Whether the caller holds `action`'s permission on the chatbot (see the module's text).
pub async fn permitted(
    caller: &Caller,
    chatbot: &Chatbot,
    action: Action,
) -> Result<bool, ApiError> {
    let session = caller.session()?;
    let manage = if session.user_id == chatbot.bot.bot.owner_id {
        permissions::MANAGE_BOTS
    } else {
        permissions::MANAGE_OTHERS_BOTS
    };
    if has_system(caller, manage).await?
        || has_team(caller, &chatbot.team_id, permissions::MANAGE_TEAM).await?
    {
        return Ok(true);
    }
    if session.user_id == chatbot.id() {
        return Ok(action == Action::List);
    }
    let db = caller.state.db();
    if crate::app::teams::active_member(db, &chatbot.team_id, &session.user_id)
        .await?
        .is_none()
    {
        return Ok(false);
    }
    let roles = find(db, chatbot, &session.user_id)
        .await?
        .map(|row| roles_of(&row.roles))
        .unwrap_or_default();
    Ok(roles.into_iter().any(|role| action.granted_by(role)))
}

async fn permit(caller: &Caller, chatbot: &Chatbot, action: Action) -> Result<(), ApiError> {
    if permitted(caller, chatbot, action).await? {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        ids::FORBIDDEN,
        format!(
            "You need the permission {} on chatbots/{}.",
            action.permission(),
            chatbot.id()
        ),
    ))
}

/// The roles stored as space-separated names (unknown names, which nothing writes, are
/// skipped).
fn roles_of(stored: &str) -> Vec<ChatbotRole> {
    stored
        .split_whitespace()
        .filter_map(|name| name.parse().ok())
        .collect()
}

/// `roles` as stored: space-separated, in [`ROLES`]' order.
fn stored_roles(roles: &[ChatbotRole]) -> String {
    ROLES
        .iter()
        .filter(|r| roles.contains(r))
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn rows_of(chatbot: &Chatbot) -> sea_orm::Select<chatbot_user::Entity> {
    chatbot_user::Entity::find()
        .filter(chatbot_user::Column::TeamId.eq(&chatbot.team_id))
        .filter(chatbot_user::Column::BotId.eq(chatbot.id()))
}

fn row_of(chatbot: &Chatbot, user_id: &str) -> sea_orm::Select<chatbot_user::Entity> {
    rows_of(chatbot).filter(chatbot_user::Column::UserId.eq(user_id))
}

async fn find(
    db: &impl ConnectionTrait,
    chatbot: &Chatbot,
    user_id: &str,
) -> Result<Option<chatbot_user::Model>, ApiError> {
    Ok(row_of(chatbot, user_id).one(db).await?)
}

fn to_api(row: chatbot_user::Model, username: String) -> ChatbotUser {
    ChatbotUser {
        roles: roles_of(&row.roles),
        added_by: Some(row.added_by).filter(|a| !a.is_empty()),
        created_at: row.create_at,
        user_id: row.user_id,
        username,
    }
}

/// The chatbot's users, oldest grant first.
pub async fn list(caller: &Caller, chatbot: &Chatbot) -> Result<Vec<ChatbotUser>, ApiError> {
    let db = caller.state.db();
    let rows = rows_of(chatbot)
        .order_by_asc(chatbot_user::Column::CreateAt)
        .order_by_asc(chatbot_user::Column::UserId)
        .all(db)
        .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
    let names: std::collections::HashMap<String, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let name = names.get(&row.user_id).cloned().unwrap_or_default();
            to_api(row, name)
        })
        .collect())
}

/// Grants `user_id` access to the chatbot (again: nothing changes). The user must be an
/// active account and an active member of the workspace, and not the chatbot itself.
pub async fn add(
    caller: &Caller,
    chatbot: &Chatbot,
    user_id: &str,
) -> Result<ChatbotUser, ApiError> {
    if !is_valid_id(user_id) {
        return Err(ApiError::invalid_body_param("userId"));
    }
    if user_id == chatbot.id() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::OWN_USER,
            "A chatbot cannot be a user of itself.",
        ));
    }
    let db = caller.state.db();
    let account = crate::app::users::get(db, user_id)
        .await
        .ok()
        .filter(|u| u.delete_at == 0)
        .ok_or_else(|| not_found(ids::USER_MISSING, "There is no such active user."))?;
    if crate::app::teams::active_member(db, &chatbot.team_id, user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::NOT_IN_WORKSPACE,
            "The user is not a member of the workspace.",
        ));
    }
    let now = now_millis();
    let row = chatbot_user::ActiveModel {
        team_id: Set(chatbot.team_id.clone()),
        bot_id: Set(chatbot.id().to_owned()),
        user_id: Set(user_id.to_owned()),
        roles: Set(String::new()),
        added_by: Set(caller.session()?.user_id.clone()),
        create_at: Set(now),
        update_at: Set(now),
    };
    // One statement: a second identical request finds the row and answers it unchanged.
    let mut keep = OnConflict::columns([
        chatbot_user::Column::TeamId,
        chatbot_user::Column::BotId,
        chatbot_user::Column::UserId,
    ]);
    keep.value(
        chatbot_user::Column::UpdateAt,
        Expr::col((chatbot_user::Entity, chatbot_user::Column::UpdateAt)),
    );
    let stored = chatbot_user::Entity::insert(row)
        .on_conflict(keep)
        .exec_with_returning(db)
        .await?;
    Ok(to_api(stored, account.username))
}

/// Takes the user's access (and their roles for the chatbot) away; false when they had none.
pub async fn remove(caller: &Caller, chatbot: &Chatbot, user_id: &str) -> Result<bool, ApiError> {
    if !is_valid_id(user_id) {
        return Err(ApiError::invalid_url_param("userId"));
    }
    let txn = caller.state.begin_write().await?;
    let Some(row) = locked(&txn, chatbot, user_id).await? else {
        return Ok(false);
    };
    if !row.roles.is_empty() {
        permit(caller, chatbot, Action::Revoke).await?;
    }
    chatbot_user::Entity::delete_by_id((row.team_id, row.bot_id, row.user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// The user's row, held until the transaction ends (PostgreSQL; SQLite's write
/// transactions hold the whole database already).
async fn locked(
    db: &impl ConnectionTrait,
    chatbot: &Chatbot,
    user_id: &str,
) -> Result<Option<chatbot_user::Model>, ApiError> {
    Ok(row_of(chatbot, user_id).lock_exclusive().one(db).await?)
}

/// Parses a role named in a path (400 for a name that is not one of [`ROLES`]).
pub fn parse_role(name: &str) -> Result<ChatbotRole, ApiError> {
    name.parse::<ChatbotRole>()
        .map_err(|_| ApiError::invalid_url_param("role"))
}

/// Gives the user `role` for the chatbot: 404 when they are not one of its users. Answers
/// true (they hold it afterwards, also when they already did).
pub async fn grant(
    caller: &Caller,
    chatbot: &Chatbot,
    user_id: &str,
    role: ChatbotRole,
) -> Result<bool, ApiError> {
    change_roles(caller, chatbot, user_id, |roles| {
        if !roles.contains(&role) {
            roles.push(role);
        }
        true
    })
    .await
    .and_then(|changed| {
        changed.ok_or_else(|| {
            not_found(
                ids::NOT_CHATBOT_USER,
                "The user is not a user of this chatbot.",
            )
        })
    })
}

/// Takes `role` from the user for the chatbot; false when they did not hold it.
pub async fn revoke(
    caller: &Caller,
    chatbot: &Chatbot,
    user_id: &str,
    role: ChatbotRole,
) -> Result<bool, ApiError> {
    let changed = change_roles(caller, chatbot, user_id, |roles| {
        let before = roles.len();
        roles.retain(|r| *r != role);
        roles.len() != before
    })
    .await?;
    Ok(changed.unwrap_or(false))
}

/// Applies `edit` to the user's roles under the row's lock; `edit` answers the operation's
/// outcome. None when the user is not one of the chatbot's users.
async fn change_roles(
    caller: &Caller,
    chatbot: &Chatbot,
    user_id: &str,
    edit: impl FnOnce(&mut Vec<ChatbotRole>) -> bool,
) -> Result<Option<bool>, ApiError> {
    if !is_valid_id(user_id) {
        return Err(ApiError::invalid_url_param("userId"));
    }
    let txn = caller.state.begin_write().await?;
    let Some(row) = locked(&txn, chatbot, user_id).await? else {
        return Ok(None);
    };
    let mut roles = roles_of(&row.roles);
    let outcome = edit(&mut roles);
    let stored = stored_roles(&roles);
    if stored != row.roles {
        let mut active: chatbot_user::ActiveModel = row.into();
        active.roles = Set(stored);
        active.update_at = Set(now_millis());
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(Some(outcome))
}

/// Removes every grant that names `user_id` as the user or as the chatbot (the account is
/// being deleted for good).
pub async fn forget_account(db: &impl ConnectionTrait, user_id: &str) -> Result<(), ApiError> {
    chatbot_user::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(chatbot_user::Column::UserId.eq(user_id))
                .add(chatbot_user::Column::BotId.eq(user_id)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Removes the grants of workspace `team_id` (the team is being deleted for good).
pub async fn forget_team(db: &impl ConnectionTrait, team_id: &str) -> Result<(), ApiError> {
    chatbot_user::Entity::delete_many()
        .filter(chatbot_user::Column::TeamId.eq(team_id))
        .exec(db)
        .await?;
    Ok(())
}
