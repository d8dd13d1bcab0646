//! The built-in slash commands. Each does what its user could do through the API, through
//! the same handlers (so the same permissions, checks and events), and answers as
//! Mattermost's do: an ephemeral text, a post in the channel, or a place to go.

use super::Api;
use crate::app::command_list;
use crate::app::command_runs::{self, Args, Response, Source};
use crate::app::commands;
use crate::app::{channels, users};
use crate::contract::{
    AddChannelMemberPath, ChannelsApi, CreatePostQuery, PatchChannelPath, PostsApi, PreferencesApi,
    RemoveUserFromChannelPath, StatusApi, UnsetUserCustomStatusPath, UpdateChannelNotifyPropsPath,
    UpdatePreferencesPath, UpdateUserCustomStatusPath, UpdateUserStatusPath,
};
use crate::error::ApiError;
use crate::rt::Ctx;
use crate::store::entity::{channel, user};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A generated body from JSON.
fn body<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(ApiError::internal)
}

fn say(text: impl Into<String>) -> Response {
    Response::ephemeral(text)
}

/// Runs a command: the team's custom command with this trigger (its integration called),
/// else the built-in one; what it answered posted or shown. With commands off, neither
/// runs (as in Mattermost).
pub async fn execute(
    ctx: &Ctx,
    args: &Args,
    trigger: &str,
    message: &str,
) -> Result<Response, ApiError> {
    let (client_trigger_id, trigger_id) = crate::app::trigger_ids::generate(ctx, &args.user_id)?;
    commands::enabled(ctx)?;
    if crate::ids::is_valid_id(&args.team_id)
        && let Some(cmd) = commands::by_trigger(ctx, &args.team_id, trigger).await?
    {
        let mut response = command_runs::call(ctx, &cmd, args, message, &trigger_id).await?;
        response.trigger_id = client_trigger_id;
        command_runs::handle(ctx, &Source::of(&cmd), args, &response, trigger).await?;
        return Ok(response);
    }
    let Some(builtin) = command_list::available(ctx).find(|b| b.trigger == trigger) else {
        return Err(commands::unknown(trigger));
    };
    let response = run(ctx, builtin.trigger, args, message).await;
    command_runs::handle(ctx, &Source::built_in(), args, &response, trigger).await?;
    Ok(response)
}

/// Runs the built-in command `trigger` with `message` (what followed it).
pub async fn run(ctx: &Ctx, trigger: &str, args: &Args, message: &str) -> Response {
    let done = match trigger {
        "away" => status(ctx, args, "away", "You are now away.").await,
        "online" => status(ctx, args, "online", "You are now online.").await,
        "offline" => status(ctx, args, "offline", "You are now offline.").await,
        "dnd" => {
            let text = "Do Not Disturb is on: you get no desktop or mobile push notifications \
                        until you turn it off.";
            status(ctx, args, "dnd", text).await
        }
        "echo" => Ok(echo(ctx, args, message)),
        "me" => Ok(Response {
            post_type: "me".to_owned(),
            ..Response::in_channel(format!("*{message}*"))
        }),
        "shrug" => {
            let shrug = "¯\\\\\\_(ツ)\\_/¯";
            Ok(Response::in_channel(if message.is_empty() {
                shrug.to_owned()
            } else {
                format!("{message} {shrug}")
            }))
        }
        "code" => Ok(code(message)),
        "header" | "purpose" | "rename" => edit_channel(ctx, args, trigger, message).await,
        "join" | "open" => join(ctx, args, message).await,
        "leave" => leave(ctx, args).await,
        "kick" | "remove" => remove(ctx, args, message).await,
        "invite" => invite(ctx, args, message).await,
        "msg" => direct(ctx, args, message).await,
        "groupmsg" => group(ctx, args, message).await,
        "mute" => mute(ctx, args, message).await,
        "expand" | "collapse" => collapse(ctx, args, trigger == "collapse").await,
        "status" => custom_status(ctx, args, message).await,
        "logout" => Ok(Response::go_to("/login")),
        "help" => {
            let link = ctx
                .state
                .config()
                .setting("SupportSettings", "HelpLink")
                .and_then(|v| v.as_str().map(str::to_owned))
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| "https://mattermost.com/pl/help/".to_owned());
            Ok(say(format!("Mattermost's help is at {link}")))
        }
        // The clients handle these themselves.
        _ => Ok(say(format!("/{trigger} is not supported on this device."))),
    };
    done.unwrap_or_else(|e| say(format!("/{trigger} failed: {}", e.message)))
}

async fn status(ctx: &Ctx, args: &Args, status: &str, text: &str) -> Result<Response, ApiError> {
    let path = UpdateUserStatusPath {
        user_id: args.user_id.clone(),
    };
    let set = body(json!({"user_id": args.user_id, "status": status}))?;
    <Api as StatusApi>::update_user_status(ctx, path, set).await?;
    Ok(say(text))
}

/// Echoes running at once at most (Mattermost's limit).
const MAX_ECHOES: usize = 100;
static ECHOES: AtomicUsize = AtomicUsize::new(0);

/// `/echo "message" [delay]` or `/echo message [delay]`: posts the message as the user
/// after the delay (seconds, at most 10,000).
fn echo(ctx: &Ctx, args: &Args, message: &str) -> Response {
    if message.is_empty() {
        return say("A message must be given with the /echo command.");
    }
    let mut text = message.to_owned();
    let mut delay: u64 = 0;
    let quoted_end = message.rfind('"');
    if message.starts_with('"') && quoted_end.is_some_and(|end| end > 1) {
        let end = quoted_end.unwrap_or_default();
        if let Ok(d) = message[end..].trim_matches([' ', '"']).parse() {
            delay = d;
        }
        text = message[1..end].to_owned();
    } else if let Some(space) = message.rfind(' ')
        && let Ok(d) = message[space..].trim().parse()
    {
        delay = d;
        text = message[..space].to_owned();
    }
    if delay > 10_000 {
        return say("Delays must be under 10000 seconds.");
    }
    if ECHOES.fetch_add(1, Ordering::SeqCst) >= MAX_ECHOES {
        ECHOES.fetch_sub(1, Ordering::SeqCst);
        return say("High volume: the /echo command cannot be run now.");
    }
    let caller = ctx.caller.clone();
    let args = args.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(delay)).await;
        let new = crate::app::posting::NewPost {
            user_id: args.user_id.clone(),
            root_id: args.root_id.clone(),
            message: text,
            props: serde_json::Map::new(),
            file_ids: Vec::new(),
            pending_post_id: String::new(),
            post_type: String::new(),
        };
        if let Err(e) = crate::app::posting::create_trusted(&caller, args.channel_id, new).await {
            tracing::warn!(error = %e.message, "/echo post");
        }
        ECHOES.fetch_sub(1, Ordering::SeqCst);
    });
    Response::default()
}

fn code(message: &str) -> Response {
    if message.is_empty() {
        return say("A message must be given with the /code command.");
    }
    let indented = format!(
        "    {}",
        message.split('\n').collect::<Vec<_>>().join("\n    ")
    );
    Response {
        skip_slack_parsing: true,
        ..Response::in_channel(indented)
    }
}

async fn current_channel(ctx: &Ctx, args: &Args) -> Result<channel::Model, ApiError> {
    channels::get(ctx.state.db(), &args.channel_id).await
}

fn is_direct(c: &channel::Model) -> bool {
    c.channel_type == "D" || c.channel_type == "G"
}

/// `/header`, `/purpose`, `/rename`: the channel patched as PatchChannel would.
async fn edit_channel(
    ctx: &Ctx,
    args: &Args,
    trigger: &str,
    message: &str,
) -> Result<Response, ApiError> {
    let found = current_channel(ctx, args).await?;
    if trigger != "header" && is_direct(&found) {
        return Ok(say(format!(
            "/{trigger} does not work in direct or group messages; use /header there."
        )));
    }
    if message.is_empty() {
        return Ok(say(format!(
            "Text must be given with the /{trigger} command."
        )));
    }
    if trigger == "rename" && message.chars().count() > 64 {
        return Ok(say("A channel's name is at most 64 characters."));
    }
    let field = match trigger {
        "header" => "header",
        "purpose" => "purpose",
        _ => "display_name",
    };
    let patch = body(json!({ field: message }))?;
    let path = PatchChannelPath {
        channel_id: found.id.clone(),
    };
    match <Api as ChannelsApi>::patch_channel(ctx, path, patch).await {
        Ok(_) => Ok(Response::default()),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Ok(say(format!(
            "You do not have the permissions to change the channel's {}.",
            field.replace('_', " ")
        ))),
        Err(e) if e.id.starts_with("model.channel.is_valid.") => Ok(say(format!(
            "The channel's {} is too long.",
            field.replace('_', " ")
        ))),
        Err(e) => Err(e),
    }
}

async fn team_name(ctx: &Ctx, team_id: &str) -> Result<String, ApiError> {
    Ok(crate::app::teams::get(ctx.state.db(), team_id).await?.name)
}

/// `/join ~channel`: a public channel of the team (or a private one the user is in).
async fn join(ctx: &Ctx, args: &Args, message: &str) -> Result<Response, ApiError> {
    let name = message
        .trim()
        .strip_prefix('~')
        .unwrap_or(message.trim())
        .to_lowercase();
    let Ok(found) = channels::get_by_name(ctx.state.db(), &args.team_id, &name, true).await else {
        return Ok(say("Unable to find the channel."));
    };
    if found.channel_type != "O" && found.channel_type != "P" {
        return Ok(say("An error occurred while joining the channel."));
    }
    let path = AddChannelMemberPath {
        channel_id: found.id.clone(),
    };
    let add = body(json!({"user_id": args.user_id}))?;
    if <Api as ChannelsApi>::add_channel_member(ctx, path, add)
        .await
        .is_err()
    {
        return Ok(say("An error occurred while joining the channel."));
    }
    let team = team_name(ctx, &found.team_id).await?;
    Ok(Response::go_to(format!(
        "{}/{team}/channels/{}",
        args.site_url, found.name
    )))
}

/// `/leave`: the current channel; the client goes to town-square.
async fn leave(ctx: &Ctx, args: &Args) -> Result<Response, ApiError> {
    let found = current_channel(ctx, args).await?;
    let path = RemoveUserFromChannelPath {
        channel_id: found.id.clone(),
        user_id: args.user_id.clone(),
    };
    if let Err(e) = <Api as ChannelsApi>::remove_user_from_channel(ctx, path).await {
        if found.name == channels::TOWN_SQUARE {
            return Ok(say("You cannot leave the town-square channel."));
        }
        return Ok(say(format!("Unable to leave the channel: {}", e.message)));
    }
    let db = ctx.state.db();
    if !crate::ids::is_valid_id(&args.team_id)
        || crate::app::teams::active_member(db, &args.team_id, &args.user_id)
            .await?
            .is_none()
    {
        return Ok(Response::go_to(format!("{}/", args.site_url)));
    }
    let team = team_name(ctx, &args.team_id).await?;
    Ok(Response::go_to(format!(
        "{}/{team}/channels/{}",
        args.site_url,
        channels::TOWN_SQUARE
    )))
}

async fn active_user(ctx: &Ctx, name: &str) -> Result<Option<user::Model>, ApiError> {
    let name = name.trim().trim_start_matches('@').to_lowercase();
    Ok(users::find_by_username(ctx.state.db(), &name)
        .await?
        .filter(|u| u.delete_at == 0))
}

/// `/kick @user`, `/remove @user`: out of the current channel.
async fn remove(ctx: &Ctx, args: &Args, message: &str) -> Result<Response, ApiError> {
    let found = current_channel(ctx, args).await?;
    if is_direct(&found) {
        return Ok(say(
            "Nobody can be removed from a direct or group message channel.",
        ));
    }
    let needed = if found.channel_type == "O" {
        crate::auth::permissions::ids::MANAGE_PUBLIC_CHANNEL_MEMBERS
    } else {
        crate::auth::permissions::ids::MANAGE_PRIVATE_CHANNEL_MEMBERS
    };
    if !crate::auth::permissions::has_channel(ctx, &found.id, needed).await? {
        return Ok(say(
            "You do not have the permissions to remove members from this channel.",
        ));
    }
    let Some(target) = message.split(' ').next().filter(|w| !w.is_empty()) else {
        return Ok(say("A user must be named with /kick or /remove."));
    };
    let Some(target) = active_user(ctx, target).await? else {
        return Ok(say("Unable to find that user."));
    };
    if channels::member(ctx.state.db(), &found.id, &target.id)
        .await?
        .is_none()
    {
        return Ok(say(format!(
            "@{} is not a member of this channel.",
            target.username
        )));
    }
    let path = RemoveUserFromChannelPath {
        channel_id: found.id.clone(),
        user_id: target.id.clone(),
    };
    match <Api as ChannelsApi>::remove_user_from_channel(ctx, path).await {
        Ok(_) => Ok(Response::default()),
        Err(e) => Ok(say(e.message)),
    }
}

/// `/invite @user [@user2 ...] [~channel ...]`: into the named channels, or the current one.
async fn invite(ctx: &Ctx, args: &Args, message: &str) -> Result<Response, ApiError> {
    if message.trim().is_empty() {
        return Ok(say("A user and a channel must be named with /invite."));
    }
    let db = ctx.state.db();
    let mut notes: Vec<String> = Vec::new();
    let mut targets: Vec<user::Model> = Vec::new();
    let mut places: Vec<channel::Model> = Vec::new();
    for (i, word) in message.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if word.starts_with('@') || (i == 0 && !word.starts_with('~')) {
            match active_user(ctx, word).await? {
                Some(u) => targets.push(u),
                None => notes.push(format!(
                    "Unable to find the user {}.",
                    word.trim_start_matches('@')
                )),
            }
        } else {
            let name = word.trim_start_matches('~').to_lowercase();
            match channels::get_by_name(db, &args.team_id, &name, false).await {
                Ok(c) => places.push(c),
                Err(_) => notes.push(format!("Unable to find the channel {name}.")),
            }
        }
    }
    if targets.is_empty() || (places.is_empty() && !notes.is_empty()) {
        if notes.is_empty() {
            notes.push("A user must be named with /invite.".to_owned());
        }
        return Ok(say(notes.join("\n")));
    }
    if places.is_empty() {
        places.push(current_channel(ctx, args).await?);
    }
    for place in places {
        if is_direct(&place) {
            notes.push("Nobody can be added to a direct or group message channel.".to_owned());
            continue;
        }
        for target in &targets {
            if channels::member(db, &place.id, &target.id).await?.is_some() {
                notes.push(format!(
                    "@{} is already in ~{}.",
                    target.username, place.name
                ));
                continue;
            }
            let path = AddChannelMemberPath {
                channel_id: place.id.clone(),
            };
            let add = body(json!({"user_id": target.id}))?;
            match <Api as ChannelsApi>::add_channel_member(ctx, path, add).await {
                Ok(_) if place.id != args.channel_id => {
                    notes.push(format!("@{} added to ~{}.", target.username, place.name))
                }
                Ok(_) => {}
                Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => notes.push(format!(
                    "You do not have the permissions to add @{} to ~{}.",
                    target.username, place.name
                )),
                Err(e) => notes.push(format!(
                    "@{} could not be added to ~{}: {}",
                    target.username, place.name, e.message
                )),
            }
        }
    }
    Ok(if notes.is_empty() {
        Response::ephemeral("")
    } else {
        say(notes.join("\n"))
    })
}

async fn post_as_user(ctx: &Ctx, channel_id: &str, message: &str) -> Result<(), ApiError> {
    if message.is_empty() {
        return Ok(());
    }
    let new = body(json!({"channel_id": channel_id, "message": message}))?;
    let query = CreatePostQuery { set_online: None };
    <Api as PostsApi>::create_post(ctx, query, new).await?;
    Ok(())
}

/// `/msg @user [message]`: a direct channel with them (made if need be), the message
/// posted there, and the client sent to it.
async fn direct(ctx: &Ctx, args: &Args, message: &str) -> Result<Response, ApiError> {
    let (name, text) = message.split_once(' ').unwrap_or((message, ""));
    let missing = || say("Unable to find that user.");
    let Some(target) = active_user(ctx, name).await? else {
        return Ok(missing());
    };
    if target.id == args.user_id || users::require_can_see(ctx, &target.id).await.is_err() {
        return Ok(missing());
    }
    let made =
        <Api as ChannelsApi>::create_direct_channel(ctx, [args.user_id.clone(), target.id.clone()])
            .await;
    let made = match made {
        Ok(c) => c,
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => {
            return Ok(say(
                "You do not have the permissions to send direct messages to this user.",
            ));
        }
        Err(e) => return Err(e),
    };
    let channel_id = made.id.clone().unwrap_or_default();
    post_as_user(ctx, &channel_id, text).await?;
    go_to_channel(ctx, args, &made.name.unwrap_or_default()).await
}

async fn go_to_channel(ctx: &Ctx, args: &Args, name: &str) -> Result<Response, ApiError> {
    let team = if crate::ids::is_valid_id(&args.team_id) {
        team_name(ctx, &args.team_id).await?
    } else {
        String::new()
    };
    Ok(Response {
        goto_location: format!("{}/{team}/channels/{name}", args.site_url),
        ..Response::ephemeral("")
    })
}

/// The user names of `/groupmsg @a,@b message` and the message after them.
fn group_names(message: &str) -> (Vec<String>, String) {
    let mut names = Vec::new();
    let mut rest = String::new();
    let parts: Vec<&str> = message.split(',').collect();
    for (i, part) in parts.iter().enumerate() {
        let clean = part.trim().trim_start_matches('@');
        let mut words = clean.split_whitespace();
        if let Some(first) = words.next() {
            names.push(first.to_owned());
        }
        if words.next().is_some() {
            let tail = parts[i..].join(",");
            let tail = tail.trim().trim_start_matches('@');
            rest = tail
                .strip_prefix(names.last().map_or("", String::as_str))
                .unwrap_or(tail)
                .trim()
                .to_owned();
            break;
        }
    }
    (names, rest)
}

/// `/groupmsg @a,@b [message]`: a group channel of the user and those named (3 to 8
/// people), the message posted there; with one other person, a direct message.
async fn group(ctx: &Ctx, args: &Args, message: &str) -> Result<Response, ApiError> {
    let (names, text) = group_names(message);
    let mut ids = vec![args.user_id.clone()];
    let mut others: Vec<user::Model> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for name in names {
        match active_user(ctx, &name).await? {
            Some(u) if users::require_can_see(ctx, &u.id).await.is_ok() => {
                if !ids.contains(&u.id) {
                    ids.push(u.id.clone());
                    others.push(u);
                }
            }
            _ => unknown.push(name),
        }
    }
    if !unknown.is_empty() {
        return Ok(say(format!(
            "Unable to find the users: @{}",
            unknown.join(", @")
        )));
    }
    if let [one] = others.as_slice() {
        return Box::pin(direct(ctx, args, &format!("{} {text}", one.username))).await;
    }
    if ids.len() < 3 {
        return Ok(say("A group message needs at least 2 other users."));
    }
    if ids.len() > 8 {
        return Ok(say("A group message has at most 7 other users."));
    }
    let made = match <Api as ChannelsApi>::create_group_channel(ctx, ids).await {
        Ok(c) => c,
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => {
            return Ok(say(
                "You do not have the permissions to start a group message.",
            ));
        }
        Err(e) => return Err(e),
    };
    post_as_user(ctx, made.id.as_deref().unwrap_or_default(), &text).await?;
    go_to_channel(ctx, args, &made.name.unwrap_or_default()).await
}

/// `/mute [~channel]`: notifications for the channel (the current one without a name)
/// turned off, or on again.
async fn mute(ctx: &Ctx, args: &Args, message: &str) -> Result<Response, ApiError> {
    let db = ctx.state.db();
    let mut found = current_channel(ctx, args).await?;
    let name = message.split(' ').next().unwrap_or_default();
    let name = name.strip_prefix('~').unwrap_or(name);
    if !name.is_empty() {
        match channels::get_by_name(db, &found.team_id, name, true).await {
            Ok(c) => found = c,
            Err(_) => return Ok(say(format!("Unable to find the channel {name}."))),
        }
    }
    let Some(m) = channels::member(db, &found.id, &args.user_id).await? else {
        return Ok(say(format!("You are not a member of {name}.")));
    };
    let props: Value = serde_json::from_str(&m.notify_props).unwrap_or_default();
    let muted = props.get("mark_unread").and_then(Value::as_str) == Some("mention");
    let mark_unread = if muted { "all" } else { "mention" };
    let path = UpdateChannelNotifyPropsPath {
        channel_id: found.id.clone(),
        user_id: args.user_id.clone(),
    };
    let change = body(json!({ "mark_unread": mark_unread }))?;
    <Api as ChannelsApi>::update_channel_notify_props(ctx, path, change).await?;
    let what = if is_direct(&found) {
        "this conversation".to_owned()
    } else {
        format!("**{}**", found.display_name)
    };
    Ok(say(if muted {
        format!("You will get notifications for {what} again.")
    } else {
        format!("You will get no notifications for {what} until you unmute it.")
    }))
}

/// `/expand`, `/collapse`: the user's image preview preference.
async fn collapse(ctx: &Ctx, args: &Args, collapsed: bool) -> Result<Response, ApiError> {
    let path = UpdatePreferencesPath {
        user_id: args.user_id.clone(),
    };
    let preferences = body(json!([{
        "user_id": args.user_id,
        "category": "display_settings",
        "name": "collapse_previews",
        "value": collapsed.to_string(),
    }]))?;
    <Api as PreferencesApi>::update_preferences(ctx, path, preferences).await?;
    Ok(say(if collapsed {
        "Image links now collapse by default."
    } else {
        "Image links now expand by default."
    }))
}

/// `/status [:emoji:] [text]` sets the custom status (a speech balloon without an emoji);
/// `/status clear` clears it.
async fn custom_status(ctx: &Ctx, args: &Args, message: &str) -> Result<Response, ApiError> {
    let message = message.trim();
    if message == "clear" {
        let path = UnsetUserCustomStatusPath {
            user_id: args.user_id.clone(),
        };
        <Api as StatusApi>::unset_user_custom_status(ctx, path).await?;
        return Ok(say("Your status was cleared."));
    }
    let (emoji, text) = match message
        .strip_prefix(':')
        .and_then(|rest| rest.split_once(':'))
        .filter(|(name, _)| !name.is_empty() && !name.contains(char::is_whitespace))
    {
        Some((name, rest)) => (name.to_owned(), rest.trim().to_owned()),
        None => ("speech_balloon".to_owned(), message.to_owned()),
    };
    let path = UpdateUserCustomStatusPath {
        user_id: args.user_id.clone(),
    };
    let set = body(json!({"emoji": emoji, "text": text}))?;
    <Api as StatusApi>::update_user_custom_status(ctx, path, set).await?;
    Ok(say(format!("Your status is set to \":{emoji}: {text}\".")))
}

#[cfg(test)]
mod tests {
    use super::group_names;

    #[test]
    fn group_message_names() {
        let (names, rest) = group_names("@anne, @bob,@cleo hello there, all");
        assert_eq!(names, ["anne", "bob", "cleo"]);
        assert_eq!(rest, "hello there, all");
        let (names, rest) = group_names("@anne,@bob");
        assert_eq!(names, ["anne", "bob"]);
        assert_eq!(rest, "");
    }
}
