//! Bot accounts: a `users` row without a password (so no password login) and a `bots` row
//! with its owner and description. An orphaned bot is one whose owner is deactivated.

use crate::app::{sessions, users};
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::rt::{Binary, Multipart};
use crate::store::entity::{bot, user};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

pub mod ids {
    pub const CREATE_DISABLED: &str = "api.bot.create_disabled";
    pub const DESCRIPTION: &str = "model.bot.is_valid.description.app_error";
    pub const ICON_MISSING: &str = "api.ferromost.bot_icon_missing.app_error";
}

/// A bot and its user row.
pub struct BotAccount {
    pub bot: bot::Model,
    pub user: user::Model,
}

pub fn missing() -> ApiError {
    ApiError::bot_missing()
}

pub fn to_api(b: &BotAccount) -> types::Bot {
    types::Bot {
        user_id: Some(b.bot.user_id.clone()),
        username: Some(b.user.username.clone()),
        display_name: Some(b.user.first_name.clone()),
        description: Some(b.bot.description.clone()),
        owner_id: Some(b.bot.owner_id.clone()),
        create_at: Some(b.bot.create_at),
        update_at: Some(b.bot.update_at),
        delete_at: Some(b.bot.delete_at),
    }
}

fn validate_description(description: &str) -> Result<(), ApiError> {
    if description.chars().count() > 1024 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ids::DESCRIPTION,
            "A bot's description has at most 1024 characters.",
        ));
    }
    Ok(())
}

/// Creates a bot owned by `owner_id`.
pub async fn create(
    caller: &Caller,
    owner_id: &str,
    body: types::CreateBotBody,
) -> Result<BotAccount, ApiError> {
    let description = body.description.unwrap_or_default();
    validate_description(&description)?;
    let config = caller.state.config();
    let username = body.username.trim().to_lowercase();
    let new = users::NewUser {
        email: format!("{username}@localhost"),
        username,
        password: None,
        first_name: body.display_name.unwrap_or_default(),
        last_name: String::new(),
        nickname: String::new(),
        position: String::new(),
        locale: String::new(),
        props: serde_json::Map::new(),
        notify_props: None,
        timezone: None,
        email_verified: true,
    };
    let txn = caller.state.begin_write().await?;
    let user = users::create(&txn, &config, new, "system_user").await?;
    let now = now_millis();
    let row = bot::ActiveModel {
        user_id: Set(user.id.clone()),
        description: Set(description),
        owner_id: Set(owner_id.to_owned()),
        last_icon_update: Set(0),
        create_at: Set(now),
        update_at: Set(now),
        delete_at: Set(0),
    };
    let bot = bot::Entity::insert(row).exec_with_returning(&txn).await?;
    txn.commit().await?;
    Ok(BotAccount { bot, user })
}

/// The bot `id`; a disabled one only with `include_deleted`.
pub async fn get(caller: &Caller, id: &str, include_deleted: bool) -> Result<BotAccount, ApiError> {
    let db = caller.state.db();
    let bot = bot::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(missing)?;
    if bot.delete_at != 0 && !include_deleted {
        return Err(missing());
    }
    let user = user::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(missing)?;
    Ok(BotAccount { bot, user })
}

/// What GET /bots lists.
pub struct ListFilter<'a> {
    pub owner_id: Option<&'a str>,
    pub include_deleted: bool,
    pub only_orphaned: bool,
    pub page: i64,
    pub per_page: i64,
}

pub async fn list(caller: &Caller, filter: ListFilter<'_>) -> Result<Vec<types::Bot>, ApiError> {
    let db = caller.state.db();
    let mut find = bot::Entity::find().order_by_asc(bot::Column::CreateAt);
    if let Some(owner) = filter.owner_id {
        find = find.filter(bot::Column::OwnerId.eq(owner));
    }
    if !filter.include_deleted {
        find = find.filter(bot::Column::DeleteAt.eq(0));
    }
    if filter.only_orphaned {
        let deactivated: Vec<String> = user::Entity::find()
            .filter(user::Column::DeleteAt.ne(0))
            .all(db)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        find = find.filter(bot::Column::OwnerId.is_in(deactivated));
    }
    let bots = find
        .offset(u64::try_from(filter.page.saturating_mul(filter.per_page)).unwrap_or(0))
        .limit(u64::try_from(filter.per_page).unwrap_or(0))
        .all(db)
        .await?;
    let ids: Vec<String> = bots.iter().map(|b| b.user_id.clone()).collect();
    let mut users: std::collections::HashMap<String, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    Ok(bots
        .into_iter()
        .filter_map(|bot| {
            let user = users.remove(&bot.user_id)?;
            Some(to_api(&BotAccount { bot, user }))
        })
        .collect())
}

/// Applies PatchBot: username (Mattermost's rules, unique), display name, description.
pub async fn patch(
    caller: &Caller,
    account: BotAccount,
    body: types::PatchBotBody,
) -> Result<BotAccount, ApiError> {
    if let Some(d) = &body.description {
        validate_description(d)?;
    }
    let user_patch = types::PatchUserBody {
        username: Some(body.username),
        first_name: body.display_name,
        ..users::patch_nothing()
    };
    let user = users::patch(caller, account.user, user_patch).await?;
    let mut row = account.bot.into_active_model();
    if let Some(d) = body.description {
        row.description = Set(d);
    }
    row.update_at = Set(now_millis());
    let bot = row.update(caller.state.db()).await?;
    caller.state.forget_account(&bot.user_id).await?;
    Ok(BotAccount { bot, user })
}

/// Disables (the bot's sessions and tokens stop at once) or enables a bot.
pub async fn set_active(
    caller: &Caller,
    account: BotAccount,
    active: bool,
) -> Result<BotAccount, ApiError> {
    let now = now_millis();
    let mut row = account.bot.into_active_model();
    row.delete_at = Set(if active { 0 } else { now });
    row.update_at = Set(now);
    let bot = row.update(caller.state.db()).await?;
    caller.state.forget_account(&bot.user_id).await?;
    // Deactivating the user ends its sessions, its tokens' included.
    let user = users::set_active(caller, account.user, active).await?;
    Ok(BotAccount { bot, user })
}

/// Gives the bot to `owner_id`.
pub async fn assign(
    caller: &Caller,
    account: BotAccount,
    owner_id: &str,
) -> Result<BotAccount, ApiError> {
    let mut row = account.bot.into_active_model();
    row.owner_id = Set(owner_id.to_owned());
    row.update_at = Set(now_millis());
    let bot = row.update(caller.state.db()).await?;
    caller.state.forget_account(&bot.user_id).await?;
    Ok(BotAccount {
        bot,
        user: account.user,
    })
}

/// Turns a person's account into a bot owned by itself: its password and sessions end.
pub async fn convert_user_to_bot(caller: &Caller, account: user::Model) -> Result<(), ApiError> {
    let id = account.id.clone();
    let now = now_millis();
    let txn = caller.state.begin_write().await?;
    let display = if account.nickname.is_empty() {
        account.username.clone()
    } else {
        account.nickname.clone()
    };
    let mut row = account.into_active_model();
    row.password = Set(String::new());
    row.first_name = Set(display);
    row.update_at = Set(now);
    row.update(&txn).await?;
    let bot = bot::ActiveModel {
        user_id: Set(id.clone()),
        description: Set(String::new()),
        owner_id: Set(id.clone()),
        last_icon_update: Set(0),
        create_at: Set(now),
        update_at: Set(now),
        delete_at: Set(0),
    };
    bot::Entity::insert(bot).exec(&txn).await?;
    txn.commit().await?;
    caller.state.forget_account(&id).await?;
    sessions::revoke_all_for_user(caller, &id, None).await
}

/// Turns a bot back into a person's account with the patch's fields and a password.
pub async fn convert_bot_to_user(
    caller: &Caller,
    account: BotAccount,
    body: types::ConvertBotToUserBody,
    system_admin: bool,
) -> Result<(), ApiError> {
    let password = body
        .password
        .clone()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::invalid_param("password"))?;
    let hashed = users::hash_new_password(&caller.state.config(), password).await?;
    let id = account.bot.user_id.clone();
    let patch = types::PatchUserBody {
        username: body.username,
        email: body.email,
        first_name: body.first_name,
        last_name: body.last_name,
        nickname: body.nickname,
        locale: body.locale,
        position: body.position,
        notify_props: body.notify_props,
        props: body.props,
        timezone: None,
    };
    let roles = if system_admin {
        "system_user system_admin"
    } else {
        "system_user"
    };
    let txn = caller.state.begin_write().await?;
    users::convert_from_bot(&txn, account.user, patch, hashed, roles).await?;
    bot::Entity::delete_by_id(id.clone()).exec(&txn).await?;
    txn.commit().await?;
    caller.state.forget_account(&id).await?;
    caller
        .state
        .invalidate(crate::cluster::Invalidation::User { id, keep: None })
        .await
}

fn icon_path(id: &str) -> String {
    format!("bots/{id}/icon.svg")
}

fn store(caller: &Caller) -> Result<super::filestore::FileStore, ApiError> {
    super::filestore::FileStore::from_config(&caller.state.config())
}

/// An SVG document, as Mattermost accepts for bot icons.
fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let root = text.find("<svg");
    (text.starts_with("<svg") || text.starts_with("<?xml") || text.starts_with("<!--"))
        && root.is_some()
        && (text.trim_end().ends_with("</svg>") || text.trim_end().ends_with("/>"))
}

/// Stores the `image` part of the form as the bot's icon.
pub async fn set_icon(
    caller: &Caller,
    account: BotAccount,
    mut form: Multipart,
) -> Result<(), ApiError> {
    let mut image = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::invalid_body_param("image").detail(e.body_text()))?
    {
        if field.name() == Some("image") {
            let bytes = field
                .bytes()
                .await
                .map_err(|e| ApiError::invalid_body_param("image").detail(e.body_text()))?;
            image = Some(bytes);
        }
    }
    let image = image.ok_or_else(|| ApiError::invalid_body_param("image"))?;
    if !is_svg(&image) {
        return Err(ApiError::invalid_param("image").detail("a bot icon must be an SVG document"));
    }
    store(caller)?
        .write_bytes(&icon_path(&account.bot.user_id), image.to_vec())
        .await?;
    touch_icon(caller, account.bot, now_millis()).await
}

async fn touch_icon(caller: &Caller, bot: bot::Model, at: i64) -> Result<(), ApiError> {
    let mut row = bot.into_active_model();
    row.last_icon_update = Set(at);
    row.update_at = Set(now_millis());
    let updated = row.update(caller.state.db()).await?;
    caller.state.forget_account(&updated.user_id).await
}

pub async fn icon(caller: &Caller, account: &BotAccount) -> Result<Binary, ApiError> {
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::ICON_MISSING,
            "This bot has no icon.",
        )
    };
    if account.bot.last_icon_update == 0 {
        return Err(missing());
    }
    let bytes = store(caller)?
        .read_all(&icon_path(&account.bot.user_id))
        .await
        .map_err(|_| missing())?;
    Ok(Binary::bytes("image/svg+xml", bytes))
}

pub async fn delete_icon(caller: &Caller, account: BotAccount) -> Result<(), ApiError> {
    store(caller)?
        .remove(&icon_path(&account.bot.user_id))
        .await;
    touch_icon(caller, account.bot, 0).await
}

#[cfg(test)]
mod tests {
    use super::is_svg;

    #[test]
    fn only_svg_documents_are_icons() {
        assert!(is_svg(
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"4\"/></svg>"
        ));
        assert!(is_svg(b"<?xml version=\"1.0\"?>\n<svg width=\"4\"/>"));
        assert!(!is_svg(b"\x89PNG\r\n"));
        assert!(!is_svg(b"<html><body>hi</body></html>"));
    }
}
