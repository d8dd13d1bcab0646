//! Slash commands as Mattermost has them: a team's custom commands (managed with
//! `manage_slash_commands`, `manage_others_slash_commands` for someone else's; turned on by
//! `ServiceSettings.EnableCommands`), finding the one a user typed. Calling it and what it
//! answers are in `command_runs`; the built-in commands in `api::slash`.

use super::{channels, outbound, teams};
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::command;
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, SqlErr,
};
use serde_json::Map;

pub mod ids {
    pub const DISABLED: &str = "api.command.disabled.app_error";
    pub const DUPLICATE: &str = "api.command.duplicate_trigger.app_error";
    pub const NOT_FOUND: &str = "store.sql_command.save.get.app_error";
    pub const TEAM_MISMATCH: &str = "api.command.team_mismatch.app_error";
    pub const START: &str = "api.command.execute_command.start.app_error";
    pub const FORMAT: &str = "api.command.execute_command.format.app_error";
    pub const UNKNOWN: &str = "api.command.execute_command.not_found.app_error";
    pub const FAILED: &str = "api.command.execute_command.failed.app_error";
    pub const FAILED_RESPONSE: &str = "api.command.execute_command.failed_resp.app_error";
    pub const FAILED_EMPTY: &str = "api.command.execute_command.failed_empty.app_error";
    pub const POST_FAILED: &str = "api.command.execute_command.create_post_failed.app_error";
    pub const POST_FORBIDDEN: &str = "api.command.command_post.forbidden.app_error";
    pub const URL_MISSING: &str = "app.command_webhook.get.missing";
    pub const URL_USED: &str = "app.command_webhook.try_use.invalid";
    pub const URL_PARSE: &str = "web.command_webhook.parse.app_error";
}

/// EnableCommands, or 501.
pub fn enabled(caller: &Caller) -> Result<(), ApiError> {
    if caller
        .state
        .config()
        .flag("ServiceSettings", "EnableCommands", true)
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::DISABLED,
            "Slash commands have been disabled by the system admin.",
        ))
    }
}

/// 404 for a command the caller may not see (Mattermost does not tell it exists).
pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::NOT_FOUND,
        "Unable to find the command.",
    )
}

fn invalid(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message)
}

/// What a client sets of a command.
#[derive(Default)]
pub struct Fields {
    pub trigger: String,
    pub method: String,
    pub username: String,
    pub icon_url: String,
    pub auto_complete: bool,
    pub auto_complete_desc: String,
    pub auto_complete_hint: String,
    pub display_name: String,
    pub description: String,
    pub url: String,
}

/// Mattermost's Command.IsValid for what a client sets.
fn check(f: &Fields) -> Result<(), ApiError> {
    if f.trigger.is_empty()
        || f.trigger.len() > 128
        || f.trigger.starts_with('/')
        || f.trigger.contains(' ')
    {
        return Err(invalid(
            "model.command.is_valid.trigger.app_error",
            "The trigger is 1 to 128 characters, without spaces or a leading slash.",
        ));
    }
    if f.url.is_empty() || f.url.len() > 1024 {
        return Err(invalid(
            "model.command.is_valid.url.app_error",
            "A URL of at most 1024 characters is needed.",
        ));
    }
    if !outbound::is_http_url(&f.url) {
        return Err(invalid(
            "model.command.is_valid.url_http.app_error",
            "The URL must be an http or https URL.",
        ));
    }
    if f.method != "P" && f.method != "G" {
        return Err(invalid(
            "model.command.is_valid.method.app_error",
            "The method is P (POST) or G (GET).",
        ));
    }
    if f.display_name.chars().count() > 64 {
        return Err(invalid(
            "model.command.is_valid.display_name.app_error",
            "The display name is at most 64 characters.",
        ));
    }
    if f.description.chars().count() > 128 {
        return Err(invalid(
            "model.command.is_valid.description.app_error",
            "The description is at most 128 characters.",
        ));
    }
    Ok(())
}

/// The live custom commands of a team, oldest first.
pub async fn of_team(caller: &Caller, team_id: &str) -> Result<Vec<command::Model>, ApiError> {
    Ok(command::Entity::find()
        .filter(command::Column::TeamId.eq(team_id))
        .filter(command::Column::DeleteAt.eq(0))
        .order_by_asc(command::Column::CreateAt)
        .order_by_asc(command::Column::Id)
        .all(caller.state.db())
        .await?)
}

fn duplicate() -> ApiError {
    invalid(
        ids::DUPLICATE,
        "This trigger word is already in use. Please choose another word.",
    )
}

/// CreateCommand: the caller (already checked for manage_slash_commands) becomes its
/// creator. No other live command of the team, nor a built-in one, has its trigger.
pub async fn create(
    caller: &Caller,
    team_id: &str,
    mut fields: Fields,
) -> Result<command::Model, ApiError> {
    let me = caller.session()?.user_id.clone();
    enabled(caller)?;
    fields.trigger = fields.trigger.to_lowercase();
    check(&fields)?;
    if super::command_list::builtin(&fields.trigger).is_some()
        || of_team(caller, team_id)
            .await?
            .iter()
            .any(|c| c.trigger == fields.trigger)
    {
        return Err(duplicate());
    }
    let now = now_millis();
    let row = command::Model {
        id: new_id(),
        token: new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        creator_id: me,
        team_id: team_id.to_owned(),
        trigger: fields.trigger,
        method: fields.method,
        username: fields.username,
        icon_url: fields.icon_url,
        auto_complete: fields.auto_complete,
        auto_complete_desc: fields.auto_complete_desc,
        auto_complete_hint: fields.auto_complete_hint,
        display_name: fields.display_name,
        description: fields.description,
        url: fields.url,
        plugin_id: String::new(),
    };
    match row.into_active_model().insert(caller.state.db()).await {
        Ok(made) => Ok(made),
        // Two creations with one trigger at once: the unique index keeps one.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(duplicate())
        }
        Err(e) => Err(e.into()),
    }
}

/// A live command, or 404 (also when commands are off, as Mattermost's handlers answer).
pub async fn find(caller: &Caller, id: &str) -> Result<command::Model, ApiError> {
    if enabled(caller).is_err() || !is_valid_id(id) {
        return Err(not_found());
    }
    command::Entity::find_by_id(id.to_owned())
        .filter(command::Column::DeleteAt.eq(0))
        .one(caller.state.db())
        .await?
        .ok_or_else(not_found)
}

/// A command the caller may change: manage_slash_commands in its team (else 404, not to
/// tell it exists), and manage_others_slash_commands for someone else's.
pub async fn managed(caller: &Caller, id: &str) -> Result<command::Model, ApiError> {
    let me = caller.session()?.user_id.clone();
    let found = find(caller, id).await?;
    if !permissions::has_team(caller, &found.team_id, perm::MANAGE_SLASH_COMMANDS).await? {
        return Err(not_found());
    }
    if found.creator_id != me {
        permissions::require_team(caller, &found.team_id, perm::MANAGE_OTHERS_SLASH_COMMANDS)
            .await?;
    }
    Ok(found)
}

/// UpdateCommand: everything but its id, token, creator, team and times, as Mattermost.
pub async fn update(
    caller: &Caller,
    old: command::Model,
    team_id: &str,
    mut fields: Fields,
) -> Result<command::Model, ApiError> {
    if team_id != old.team_id {
        return Err(invalid(
            ids::TEAM_MISMATCH,
            "Unable to update commands across teams.",
        ));
    }
    enabled(caller)?;
    fields.trigger = fields.trigger.to_lowercase();
    check(&fields)?;
    let mut row = old;
    row.trigger = fields.trigger;
    row.method = fields.method;
    row.username = fields.username;
    row.icon_url = fields.icon_url;
    row.auto_complete = fields.auto_complete;
    row.auto_complete_desc = fields.auto_complete_desc;
    row.auto_complete_hint = fields.auto_complete_hint;
    row.display_name = fields.display_name;
    row.description = fields.description;
    row.url = fields.url;
    row.update_at = now_millis();
    save(caller, row).await
}

async fn save(caller: &Caller, row: command::Model) -> Result<command::Model, ApiError> {
    match row
        .into_active_model()
        .reset_all()
        .update(caller.state.db())
        .await
    {
        Ok(saved) => Ok(saved),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(duplicate())
        }
        Err(e) => Err(e.into()),
    }
}

/// MoveCommand: to another team (its trigger must be free there).
pub async fn move_to(
    caller: &Caller,
    old: command::Model,
    team_id: &str,
) -> Result<command::Model, ApiError> {
    let mut row = old;
    row.team_id = team_id.to_owned();
    row.update_at = now_millis();
    save(caller, row).await
}

/// A new token; the old one stops at once.
pub async fn regenerate_token(
    caller: &Caller,
    old: command::Model,
) -> Result<command::Model, ApiError> {
    enabled(caller)?;
    let mut row = old;
    row.token = new_id();
    row.update_at = now_millis();
    save(caller, row).await
}

pub async fn delete(caller: &Caller, old: command::Model) -> Result<(), ApiError> {
    enabled(caller)?;
    let mut row = old;
    let now = now_millis();
    row.delete_at = now;
    row.update_at = now;
    save(caller, row).await.map(|_| ())
}

/// The command as its managers see it.
pub fn to_api(c: &command::Model) -> types::Command {
    types::Command {
        id: Some(c.id.clone()),
        token: Some(c.token.clone()),
        create_at: Some(c.create_at),
        update_at: Some(c.update_at),
        delete_at: Some(c.delete_at),
        creator_id: Some(c.creator_id.clone()),
        team_id: Some(c.team_id.clone()),
        trigger: Some(c.trigger.clone()),
        method: Some(c.method.clone()),
        username: Some(c.username.clone()),
        icon_url: Some(c.icon_url.clone()),
        auto_complete: Some(c.auto_complete),
        auto_complete_desc: Some(c.auto_complete_desc.clone()),
        auto_complete_hint: Some(c.auto_complete_hint.clone()),
        display_name: Some(c.display_name.clone()),
        description: Some(c.description.clone()),
        url: Some(c.url.clone()),
        plugin_id: Some(c.plugin_id.clone()),
        autocomplete_data: Map::new(),
        autocomplete_icon_data: None,
    }
}

/// The command as anyone in the team sees it (Mattermost's Sanitize: no token, creator,
/// method, URL, username or icon).
pub fn to_api_sanitized(c: &command::Model) -> types::Command {
    let mut shown = to_api(c);
    for field in [
        &mut shown.token,
        &mut shown.creator_id,
        &mut shown.method,
        &mut shown.url,
        &mut shown.username,
        &mut shown.icon_url,
    ] {
        *field = Some(String::new());
    }
    shown
}

/// The trigger (lower case, without its slash) and the rest of what was typed.
pub fn split(command: &str) -> Result<(String, String), ApiError> {
    let (trigger, message) = match command.find(char::is_whitespace) {
        Some(i) => {
            let rest = &command[i..];
            let skip = rest.chars().next().map_or(0, char::len_utf8);
            (&command[..i], &rest[skip..])
        }
        None => (command, ""),
    };
    let trigger = trigger.to_lowercase();
    let Some(trigger) = trigger.strip_prefix('/') else {
        return Err(invalid(ids::FORMAT, "A command starts with a slash."));
    };
    Ok((trigger.to_owned(), message.to_owned()))
}

/// The team a command typed in `channel_id` runs for: the channel's own, or for a direct
/// or group channel the one the client names, if the user is in it (else the user needs
/// create_post system-wide, as in Mattermost).
pub async fn team_for(
    caller: &Caller,
    channel_id: &str,
    given: String,
) -> Result<String, ApiError> {
    let db = caller.state.db();
    let channel = channels::get(db, channel_id).await?;
    if channel.channel_type != "D" && channel.channel_type != "G" {
        return Ok(channel.team_id);
    }
    let user_id = caller.session()?.user_id.clone();
    let member = is_valid_id(&given) && teams::active_member(db, &given, &user_id).await?.is_some();
    if !member {
        permissions::require_system(caller, perm::CREATE_POST).await?;
    }
    Ok(given)
}

/// 404 for a trigger no command has (cut to 512 characters).
pub fn unknown(trigger: &str) -> ApiError {
    let mut shown: String = trigger.chars().take(512).collect();
    if shown.len() < trigger.len() {
        shown.push_str("...");
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        ids::UNKNOWN,
        format!("Command with a trigger of '{shown}' not found."),
    )
}

/// A live custom command of the team with this trigger.
pub async fn by_trigger(
    caller: &Caller,
    team_id: &str,
    trigger: &str,
) -> Result<Option<command::Model>, ApiError> {
    Ok(command::Entity::find()
        .filter(command::Column::TeamId.eq(team_id))
        .filter(command::Column::Trigger.eq(trigger))
        .filter(command::Column::DeleteAt.eq(0))
        .one(caller.state.db())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_and_message() {
        let (t, m) = split("/Echo hello  world").unwrap();
        assert_eq!((t.as_str(), m.as_str()), ("echo", "hello  world"));
        let (t, m) = split("/away").unwrap();
        assert_eq!((t.as_str(), m.as_str()), ("away", ""));
        assert!(split("away").is_err());
    }
}
