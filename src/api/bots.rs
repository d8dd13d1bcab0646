//! The `bots` tag: bot accounts and their icons.

use super::{Api, ok};
use crate::app::bots::{self, BotAccount, ListFilter};
use crate::app::{audits, users};
use crate::auth::permissions::ids::{
    ASSIGN_BOT, CREATE_BOT, MANAGE_SYSTEM, READ_BOTS, READ_OTHERS_BOTS,
};
use crate::auth::permissions::{can_read_bot, has_system, require_manage_bot, require_system};
use crate::contract::{
    self, AssignBotPath, ConvertBotToUserPath, ConvertBotToUserQuery, ConvertUserToBotPath,
    DeleteBotIconImagePath, DisableBotPath, EnableBotPath, GetBotIconImagePath, GetBotPath,
    GetBotQuery, GetBotsQuery, PatchBotPath, SetBotIconImagePath, types,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::{Binary, Ctx, Multipart};
use axum::http::StatusCode;

/// The bot `id` (disabled ones too) that the caller may manage.
async fn managed_bot(ctx: &Ctx, id: &str) -> Result<BotAccount, ApiError> {
    ctx.session()?;
    if !is_valid_id(id) {
        return Err(ApiError::invalid_url_param("bot_user_id"));
    }
    let account = bots::get(ctx, id, true).await?;
    require_manage_bot(ctx, &account.bot.owner_id).await?;
    Ok(account)
}

impl contract::BotsApi for Api {
    /// `POST /api/v4/bots`: create_bot, and ServiceSettings.EnableBotAccountCreation.
    async fn create_bot(ctx: &Ctx, body: types::CreateBotBody) -> Result<types::Bot, ApiError> {
        let owner = ctx.session()?.user_id.clone();
        require_system(ctx, CREATE_BOT).await?;
        if !ctx
            .state
            .config()
            .service_settings
            .enable_bot_account_creation
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                bots::ids::CREATE_DISABLED,
                "Creating bot accounts is turned off on this server.",
            ));
        }
        let created = bots::create(ctx, &owner, body).await?;
        audits::record(ctx, &created.bot.user_id, "bot created").await;
        Ok(bots::to_api(&created))
    }

    /// `GET /api/v4/bots`: read_others_bots lists every bot, read_bots one's own.
    async fn get_bots(ctx: &Ctx, query: GetBotsQuery) -> Result<Vec<types::Bot>, ApiError> {
        let me = ctx.session()?.user_id.clone();
        let owner_id = if has_system(ctx, READ_OTHERS_BOTS).await? {
            None
        } else if has_system(ctx, READ_BOTS).await? {
            Some(me.as_str())
        } else {
            return Err(ApiError::forbidden());
        };
        let filter = ListFilter {
            owner_id,
            include_deleted: query.include_deleted.unwrap_or(false),
            only_orphaned: query.only_orphaned.unwrap_or(false),
            page: query.page,
            per_page: query.per_page,
        };
        bots::list(ctx, filter).await
    }

    /// `GET /api/v4/bots/{bot_user_id}`: read_bots for one's own, read_others_bots for
    /// anyone's; a bot the caller may not read does not exist for them.
    async fn get_bot(
        ctx: &Ctx,
        path: GetBotPath,
        query: GetBotQuery,
    ) -> Result<types::Bot, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.bot_user_id) {
            return Err(ApiError::invalid_url_param("bot_user_id"));
        }
        let account = bots::get(
            ctx,
            &path.bot_user_id,
            query.include_deleted.unwrap_or(false),
        )
        .await?;
        if !can_read_bot(ctx, &account.bot.owner_id).await? {
            return Err(bots::missing());
        }
        Ok(bots::to_api(&account))
    }

    /// `PUT /api/v4/bots/{bot_user_id}`: manage_bots (manage_others_bots for others').
    async fn patch_bot(
        ctx: &Ctx,
        path: PatchBotPath,
        body: types::PatchBotBody,
    ) -> Result<types::Bot, ApiError> {
        let account = managed_bot(ctx, &path.bot_user_id).await?;
        let patched = bots::patch(ctx, account, body).await?;
        super::publish_account(ctx, &patched.user);
        Ok(bots::to_api(&patched))
    }

    /// `POST /api/v4/bots/{bot_user_id}/disable`: as PatchBot; the bot's tokens stop.
    async fn disable_bot(ctx: &Ctx, path: DisableBotPath) -> Result<types::Bot, ApiError> {
        let account = managed_bot(ctx, &path.bot_user_id).await?;
        let updated = bots::set_active(ctx, account, false).await?;
        super::publish_account(ctx, &updated.user);
        audits::record(ctx, &path.bot_user_id, "bot disabled").await;
        Ok(bots::to_api(&updated))
    }

    /// `POST /api/v4/bots/{bot_user_id}/enable`: as PatchBot.
    async fn enable_bot(ctx: &Ctx, path: EnableBotPath) -> Result<types::Bot, ApiError> {
        let account = managed_bot(ctx, &path.bot_user_id).await?;
        let updated = bots::set_active(ctx, account, true).await?;
        super::publish_account(ctx, &updated.user);
        audits::record(ctx, &path.bot_user_id, "bot enabled").await;
        Ok(bots::to_api(&updated))
    }

    /// `POST /api/v4/bots/{bot_user_id}/assign/{user_id}`: the right to manage the bot and
    /// assign_bot; the new owner must exist.
    async fn assign_bot(ctx: &Ctx, path: AssignBotPath) -> Result<types::Bot, ApiError> {
        let account = managed_bot(ctx, &path.bot_user_id).await?;
        if !is_valid_id(&path.user_id) {
            return Err(ApiError::invalid_url_param("user_id"));
        }
        require_system(ctx, ASSIGN_BOT).await?;
        users::get(ctx.state.db(), &path.user_id).await?;
        let updated = bots::assign(ctx, account, &path.user_id).await?;
        audits::record(
            ctx,
            &path.bot_user_id,
            &format!("bot assigned to {}", path.user_id),
        )
        .await;
        Ok(bots::to_api(&updated))
    }

    /// `GET /api/v4/bots/{bot_user_id}/icon`: a session. The SVG, or 404 when there is none.
    async fn get_bot_icon_image(ctx: &Ctx, path: GetBotIconImagePath) -> Result<Binary, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.bot_user_id) {
            return Err(ApiError::invalid_url_param("bot_user_id"));
        }
        bots::icon(ctx, &bots::get(ctx, &path.bot_user_id, true).await?).await
    }

    /// `POST /api/v4/bots/{bot_user_id}/icon`: as PatchBot; the `image` part must be SVG.
    async fn set_bot_icon_image(
        ctx: &Ctx,
        path: SetBotIconImagePath,
        body: Multipart,
    ) -> Result<types::StatusOk, ApiError> {
        let account = managed_bot(ctx, &path.bot_user_id).await?;
        bots::set_icon(ctx, account, body).await?;
        Ok(ok())
    }

    /// `DELETE /api/v4/bots/{bot_user_id}/icon`: as PatchBot.
    async fn delete_bot_icon_image(
        ctx: &Ctx,
        path: DeleteBotIconImagePath,
    ) -> Result<types::StatusOk, ApiError> {
        let account = managed_bot(ctx, &path.bot_user_id).await?;
        bots::delete_icon(ctx, account).await?;
        Ok(ok())
    }

    /// `POST /api/v4/bots/{bot_user_id}/convert_to_user`: manage_system. A password is
    /// required; `set_system_admin` makes the account an administrator.
    async fn convert_bot_to_user(
        ctx: &Ctx,
        path: ConvertBotToUserPath,
        query: ConvertBotToUserQuery,
        body: types::ConvertBotToUserBody,
    ) -> Result<types::StatusOk, ApiError> {
        ctx.session()?;
        if !is_valid_id(&path.bot_user_id) {
            return Err(ApiError::invalid_url_param("bot_user_id"));
        }
        require_system(ctx, MANAGE_SYSTEM).await?;
        let account = bots::get(ctx, &path.bot_user_id, true).await?;
        bots::convert_bot_to_user(ctx, account, body, query.set_system_admin.unwrap_or(false))
            .await?;
        audits::record(ctx, &path.bot_user_id, "bot converted to user").await;
        Ok(ok())
    }

    /// `POST /api/v4/users/{user_id}/convert_to_bot`: manage_system.
    async fn convert_user_to_bot(
        ctx: &Ctx,
        path: ConvertUserToBotPath,
    ) -> Result<types::StatusOk, ApiError> {
        users::require_session_and_id(ctx, &path.user_id)?;
        require_system(ctx, MANAGE_SYSTEM).await?;
        let account = users::get(ctx.state.db(), &path.user_id).await?;
        if users::is_bot(ctx.state.db(), &account.id).await? {
            return Err(ApiError::invalid_url_param("user_id").detail("already a bot"));
        }
        bots::convert_user_to_bot(ctx, account).await?;
        audits::record(ctx, &path.user_id, "user converted to bot").await;
        Ok(ok())
    }
}
