//! The `commands` tag: a team's custom slash commands, running any command, the
//! autocomplete lists; and `POST /hooks/commands/{id}`, where integrations answer later.

use super::{Api, ok, slash};
use crate::app::command_list;
use crate::app::command_runs::{self, Args, Response};
use crate::app::commands::{self, Fields, to_api};
use crate::auth::permissions::{self, ids as perm};
use crate::contract::{self, types};
use crate::contract::{
    DeleteCommandPath, ExecuteCommandWebhookPath, GetCommandByIdPath, ListAutocompleteCommandsPath,
    ListCommandAutocompleteSuggestionsPath, ListCommandAutocompleteSuggestionsQuery,
    ListCommandsQuery, MoveCommandPath, RegenCommandTokenPath, UpdateCommandPath,
};
use crate::error::ApiError;
use crate::ids::is_valid_id;
use crate::rt::{Binary, Ctx, Upload};
use axum::http::StatusCode;

fn command_id(id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("command_id"))
    }
}

fn team_id_param(id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid_url_param("team_id"))
    }
}

fn fields(c: types::Command) -> Fields {
    Fields {
        trigger: c.trigger.unwrap_or_default(),
        method: c.method.unwrap_or_default(),
        username: c.username.unwrap_or_default(),
        icon_url: c.icon_url.unwrap_or_default(),
        auto_complete: c.auto_complete.unwrap_or(false),
        auto_complete_desc: c.auto_complete_desc.unwrap_or_default(),
        auto_complete_hint: c.auto_complete_hint.unwrap_or_default(),
        display_name: c.display_name.unwrap_or_default(),
        description: c.description.unwrap_or_default(),
        url: c.url.unwrap_or_default(),
    }
}

impl contract::CommandsApi for Api {
    /// `GET /api/v4/commands?team_id=`: view_team. Managers (manage_slash_commands) get the
    /// built-in and all custom commands, others the autocomplete list; `custom_only` asks
    /// for the custom ones, unsanitized, and needs manage_slash_commands.
    async fn list_commands(
        ctx: &Ctx,
        query: ListCommandsQuery,
    ) -> Result<Vec<types::Command>, ApiError> {
        ctx.session()?;
        let team_id = query.team_id.unwrap_or_default();
        if team_id.is_empty() {
            return Err(ApiError::invalid_param("team_id"));
        }
        permissions::require_team(ctx, &team_id, perm::VIEW_TEAM).await?;
        let manager = permissions::has_team(ctx, &team_id, perm::MANAGE_SLASH_COMMANDS).await?;
        if query.custom_only.unwrap_or(false) {
            if !manager {
                return Err(ApiError::forbidden().detail("needs manage_slash_commands"));
            }
            commands::enabled(ctx)?;
            let rows = commands::of_team(ctx, &team_id).await?;
            return Ok(rows.iter().map(to_api).collect());
        }
        if manager {
            command_list::all(ctx, &team_id).await
        } else {
            command_list::autocomplete(ctx, &team_id).await
        }
    }

    /// `POST /api/v4/commands`: 201; manage_slash_commands in the command's team.
    async fn create_command(ctx: &Ctx, body: types::Command) -> Result<types::Command, ApiError> {
        ctx.session()?;
        let team_id = body.team_id.clone().unwrap_or_default();
        permissions::require_team(ctx, &team_id, perm::MANAGE_SLASH_COMMANDS).await?;
        let made = commands::create(ctx, &team_id, fields(body)).await?;
        ctx.set_status(StatusCode::CREATED);
        Ok(to_api(&made))
    }

    /// `POST /api/v4/commands/execute`: create_post in the channel; runs a custom command
    /// of the channel's team, else a built-in one.
    async fn execute_command(
        ctx: &Ctx,
        body: types::ExecuteCommandBody,
    ) -> Result<types::CommandResponse, ApiError> {
        let session = ctx.session()?.clone();
        let command = body.command.unwrap_or_default();
        let channel_id = body.channel_id.unwrap_or_default();
        if command.len() <= 1 || !command.starts_with('/') || !is_valid_id(&channel_id) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                commands::ids::START,
                "No command trigger found.",
            ));
        }
        permissions::require_channel(ctx, &channel_id, perm::CREATE_POST).await?;
        let given_team = body.team_id.unwrap_or_default();
        let team_id = commands::team_for(ctx, &channel_id, given_team).await?;
        let args = Args {
            user_id: session.user_id.clone(),
            channel_id,
            team_id,
            root_id: body.root_id.unwrap_or_default(),
            site_url: super::files::site_url(ctx),
        };
        let (trigger, message) = commands::split(&command)?;
        slash::execute(ctx, &args, &trigger, &message)
            .await?
            .to_api()
    }

    /// `GET /api/v4/commands/{command_id}`: view_team and manage_slash_commands in its
    /// team; 404 otherwise.
    async fn get_command_by_id(
        ctx: &Ctx,
        path: GetCommandByIdPath,
    ) -> Result<types::Command, ApiError> {
        ctx.session()?;
        command_id(&path.command_id)?;
        let found = commands::find(ctx, &path.command_id).await?;
        if !permissions::has_team(ctx, &found.team_id, perm::VIEW_TEAM).await?
            || !permissions::has_team(ctx, &found.team_id, perm::MANAGE_SLASH_COMMANDS).await?
        {
            return Err(commands::not_found());
        }
        Ok(to_api(&found))
    }

    /// `PUT /api/v4/commands/{command_id}`: the body's id must be the path's; the team
    /// cannot change.
    async fn update_command(
        ctx: &Ctx,
        path: UpdateCommandPath,
        body: types::Command,
    ) -> Result<types::Command, ApiError> {
        ctx.session()?;
        command_id(&path.command_id)?;
        if body.id.as_deref() != Some(path.command_id.as_str()) {
            return Err(ApiError::invalid_param("command"));
        }
        let old = commands::find(ctx, &path.command_id).await?;
        let team_id = body.team_id.clone().unwrap_or_default();
        if team_id != old.team_id {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                commands::ids::TEAM_MISMATCH,
                "Unable to update commands across teams.",
            ));
        }
        let old = commands::managed(ctx, &old.id).await?;
        let saved = commands::update(ctx, old, &team_id, fields(body)).await?;
        Ok(to_api(&saved))
    }

    /// `DELETE /api/v4/commands/{command_id}`.
    async fn delete_command(
        ctx: &Ctx,
        path: DeleteCommandPath,
    ) -> Result<types::StatusOk, ApiError> {
        ctx.session()?;
        command_id(&path.command_id)?;
        let found = commands::managed(ctx, &path.command_id).await?;
        commands::delete(ctx, found).await?;
        Ok(ok())
    }

    /// `PUT /api/v4/commands/{command_id}/move`: manage_slash_commands in both teams.
    async fn move_command(
        ctx: &Ctx,
        path: MoveCommandPath,
        body: types::MoveCommandBody,
    ) -> Result<types::StatusOk, ApiError> {
        ctx.session()?;
        command_id(&path.command_id)?;
        let team_id = body.team_id.unwrap_or_default();
        if !is_valid_id(&team_id) {
            return Err(ApiError::invalid_param("team_id"));
        }
        let team = crate::app::teams::get(ctx.state.db(), &team_id).await?;
        permissions::require_team(ctx, &team.id, perm::MANAGE_SLASH_COMMANDS).await?;
        let found = commands::find(ctx, &path.command_id).await?;
        if !permissions::has_team(ctx, &found.team_id, perm::MANAGE_SLASH_COMMANDS).await? {
            return Err(commands::not_found());
        }
        commands::move_to(ctx, found, &team.id).await?;
        Ok(ok())
    }

    /// `PUT /api/v4/commands/{command_id}/regen_token`: `{"token": ...}`.
    async fn regen_command_token(
        ctx: &Ctx,
        path: RegenCommandTokenPath,
    ) -> Result<types::RegenCommandTokenResponse, ApiError> {
        ctx.session()?;
        command_id(&path.command_id)?;
        let found = commands::managed(ctx, &path.command_id).await?;
        let saved = commands::regenerate_token(ctx, found).await?;
        Ok(types::RegenCommandTokenResponse {
            token: Some(saved.token),
        })
    }

    /// `GET /api/v4/teams/{team_id}/commands/autocomplete`: view_team.
    async fn list_autocomplete_commands(
        ctx: &Ctx,
        path: ListAutocompleteCommandsPath,
    ) -> Result<Vec<types::Command>, ApiError> {
        ctx.session()?;
        team_id_param(&path.team_id)?;
        permissions::require_team(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        command_list::autocomplete(ctx, &path.team_id).await
    }

    /// `GET /api/v4/teams/{team_id}/commands/autocomplete_suggestions`: view_team; the
    /// commands matching what the user has typed.
    async fn list_command_autocomplete_suggestions(
        ctx: &Ctx,
        path: ListCommandAutocompleteSuggestionsPath,
        query: ListCommandAutocompleteSuggestionsQuery,
    ) -> Result<Vec<types::AutocompleteSuggestion>, ApiError> {
        ctx.session()?;
        team_id_param(&path.team_id)?;
        permissions::require_team(ctx, &path.team_id, perm::VIEW_TEAM).await?;
        if query.user_input.is_empty() {
            return Err(ApiError::invalid_param("userInput"));
        }
        let input = query
            .user_input
            .strip_prefix('/')
            .unwrap_or(&query.user_input);
        let listed = command_list::autocomplete(ctx, &path.team_id).await?;
        let admin = permissions::has_system(ctx, perm::MANAGE_SYSTEM).await?;
        Ok(command_list::suggestions(listed, input, admin))
    }
}

/// `POST /hooks/commands/{id}`: a command's later answer (JSON, or plain text).
pub(super) async fn answer_later(
    ctx: &Ctx,
    path: ExecuteCommandWebhookPath,
    body: Upload,
) -> Result<Binary, ApiError> {
    let content_type = ctx.header("content-type").unwrap_or_default().to_owned();
    let limit = ctx
        .state
        .config()
        .service_settings
        .maximum_payload_size_bytes;
    let bytes = body.bytes_up_to(limit).await?;
    let response = Response::from_body(&content_type, &bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            commands::ids::URL_PARSE,
            "Unable to parse the incoming data.",
        )
        .detail(e.to_string())
    })?;
    command_runs::answer_later(ctx, &path.id, response).await?;
    Ok(Binary::bytes("text/plain", "ok"))
}
