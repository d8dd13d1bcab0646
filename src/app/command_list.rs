//! Which slash commands a team has: the built-in ones (their actions are in `api::slash`)
//! and the team's custom ones, as the autocomplete lists show them, and the suggestions
//! for what a user has typed so far.

use super::{command_suggest, commands};
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;

/// A built-in command as the lists show it.
pub struct Builtin {
    pub trigger: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub hint: &'static str,
}

const fn b(
    trigger: &'static str,
    display_name: &'static str,
    description: &'static str,
    hint: &'static str,
) -> Builtin {
    Builtin {
        trigger,
        display_name,
        description,
        hint,
    }
}

/// The built-in commands, by trigger.
pub const BUILTINS: &[Builtin] = &[
    b("away", "away", "Set your status to away", ""),
    b("code", "code", "Display text as a code block", "[text]"),
    b(
        "collapse",
        "collapse",
        "Collapse image previews by default",
        "",
    ),
    b(
        "dnd",
        "dnd",
        "Do not disturb: no desktop or push notifications",
        "",
    ),
    b(
        "echo",
        "echo",
        "Echo back text from your account",
        "'message' [delay in seconds]",
    ),
    b("expand", "expand", "Expand image previews by default", ""),
    b(
        "groupmsg",
        "groupmsg",
        "Send a group message to the named users",
        "@[username1],@[username2] 'message'",
    ),
    b("header", "header", "Edit the channel header", "[text]"),
    b("help", "help", "Open the help page", ""),
    b(
        "invite",
        "invite",
        "Invite users to a channel",
        "@[username] ~[channel]",
    ),
    b("join", "join", "Join an open channel", "~[channel]"),
    b(
        "kick",
        "kick",
        "Remove a member from the channel",
        "@[username]",
    ),
    b("leave", "leave", "Leave the current channel", ""),
    b("logout", "logout", "Log out of Mattermost", ""),
    b("me", "me", "Do an action", "[message]"),
    b(
        "msg",
        "message",
        "Send a direct message to a user",
        "@[username] 'message'",
    ),
    b(
        "mute",
        "mute",
        "Turn off desktop, email and push notifications for a channel",
        "~[channel]",
    ),
    b("offline", "offline", "Set your status to offline", ""),
    b("online", "online", "Set your status to online", ""),
    b("open", "open", "Join an open channel", "~[channel]"),
    b("purpose", "purpose", "Edit the channel purpose", "[text]"),
    b(
        "remove",
        "remove",
        "Remove a member from the channel",
        "@[username]",
    ),
    b("rename", "rename", "Rename the channel", "[text]"),
    b("search", "search", "Search text in messages", "[text]"),
    b("settings", "settings", "Open the Settings dialog", ""),
    b(
        "shortcuts",
        "shortcuts",
        "Display a list of keyboard shortcuts",
        "",
    ),
    b(
        "shrug",
        "shrug",
        "Adds ¯\\_(ツ)_/¯ to your message",
        "[message]",
    ),
    b(
        "status",
        "status",
        "Set or clear your custom status",
        "[:emoji:] [status message] or clear",
    ),
];

/// The built-in command with this trigger.
pub fn builtin(trigger: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.trigger == trigger)
}

/// The built-in commands in force: `/status` only with custom statuses on.
pub fn available(caller: &Caller) -> impl Iterator<Item = &'static Builtin> {
    let statuses = caller
        .state
        .config()
        .team_settings
        .enable_custom_user_statuses;
    BUILTINS
        .iter()
        .filter(move |b| statuses || b.trigger != "status")
}

/// The autocomplete data a built-in command declares: of those here, only `/rename` (its
/// text argument), as in Mattermost; the others are their trigger and hint.
fn autocomplete_data(b: &Builtin) -> serde_json::Map<String, serde_json::Value> {
    if b.trigger != "rename" {
        return serde_json::Map::new();
    }
    let data = serde_json::json!({
        "Trigger": b.trigger,
        "Hint": b.hint,
        "HelpText": b.description,
        "RoleID": "system_user",
        "Arguments": [{
            "Name": "",
            "HelpText": b.hint,
            "Type": "TextInput",
            "Required": true,
            "Data": {"Hint": b.hint, "Pattern": ""},
        }],
        "SubCommands": null,
    });
    data.as_object().cloned().unwrap_or_default()
}

fn builtin_to_api(b: &Builtin) -> types::Command {
    types::Command {
        id: Some(String::new()),
        token: Some(String::new()),
        create_at: Some(0),
        update_at: Some(0),
        delete_at: Some(0),
        creator_id: Some(String::new()),
        team_id: Some(String::new()),
        trigger: Some(b.trigger.to_owned()),
        method: Some(String::new()),
        username: Some(String::new()),
        icon_url: Some(String::new()),
        auto_complete: Some(true),
        auto_complete_desc: Some(b.description.to_owned()),
        auto_complete_hint: Some(b.hint.to_owned()),
        display_name: Some(b.display_name.to_owned()),
        description: Some(String::new()),
        url: Some(String::new()),
        plugin_id: Some(String::new()),
        autocomplete_data: autocomplete_data(b),
        autocomplete_icon_data: None,
    }
}

/// ListAutocompleteCommands: the team's custom commands that ask for autocomplete (when
/// commands are on), then the built-in ones; sanitized.
pub async fn autocomplete(caller: &Caller, team_id: &str) -> Result<Vec<types::Command>, ApiError> {
    let mut shown = Vec::new();
    if commands::enabled(caller).is_ok() {
        for c in commands::of_team(caller, team_id).await? {
            if c.auto_complete {
                shown.push(commands::to_api_sanitized(&c));
            }
        }
    }
    shown.extend(available(caller).map(builtin_to_api));
    Ok(shown)
}

/// ListCommands for a manager: the built-in commands, then every custom command of the
/// team; sanitized.
pub async fn all(caller: &Caller, team_id: &str) -> Result<Vec<types::Command>, ApiError> {
    let mut shown: Vec<types::Command> = available(caller).map(builtin_to_api).collect();
    if commands::enabled(caller).is_ok() {
        for c in commands::of_team(caller, team_id).await? {
            shown.push(commands::to_api_sanitized(&c));
        }
    }
    Ok(shown)
}

/// The suggestions for `input` (what follows the slash), as Mattermost's GetSuggestions
/// makes them: triggers while the trigger is typed (in trigger order), then the arguments
/// of the command's autocomplete data; each with its command's icon. `admin`: the caller
/// may see commands meant for system admins.
pub fn suggestions(
    mut commands: Vec<types::Command>,
    input: &str,
    admin: bool,
) -> Vec<types::AutocompleteSuggestion> {
    commands.sort_by_key(|c| c.trigger.clone().unwrap_or_default().to_lowercase());
    let data: Vec<_> = commands.iter().map(command_suggest::data_of).collect();
    let role = if admin { "" } else { "system_user" };
    command_suggest::suggest(&data, "", input, role)
        .into_iter()
        .map(|s| {
            let icon = commands
                .iter()
                .find(|c| {
                    s.complete
                        .starts_with(c.trigger.as_deref().unwrap_or_default())
                })
                .and_then(|c| c.autocomplete_icon_data.clone());
            types::AutocompleteSuggestion {
                complete: Some(s.complete),
                suggestion: Some(s.suggestion),
                hint: Some(s.hint),
                description: Some(s.description),
                icon_data: Some(icon.unwrap_or_default()),
            }
        })
        .collect()
}
