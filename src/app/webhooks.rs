//! Incoming webhooks as Mattermost has them: a URL (`/hooks/<id>`) that posts into a
//! channel as its owner, with `ServiceSettings.EnableIncomingWebhooks`; managed with
//! `manage_incoming_webhooks` (`manage_others_incoming_webhooks` for someone else's) in the
//! channel's team.

use super::{channels, posting, users};
use crate::auth::permissions::{self, ids as perm};
use crate::auth::{Caller, Session};
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{channel, incoming_webhook as hook, user};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Map, Value};

pub mod ids {
    pub const DISABLED: &str = "api.incoming_webhook.disabled.app_error";
    pub const RUN_DISABLED: &str = "web.incoming_webhook.disabled.app_error";
    pub const NOT_FOUND: &str = "app.webhooks.get_incoming.app_error";
    pub const INVALID_USERNAME: &str = "api.incoming_webhook.invalid_username.app_error";
    pub const TEAM_MISMATCH: &str = "api.webhook.team_mismatch.app_error";
    pub const PARSE: &str = "web.incoming_webhook.parse.app_error";
    pub const PARSE_DATA: &str = "model.incoming_hook.parse_data.app_error";
    pub const TEXT: &str = "web.incoming_webhook.text.app_error";
    pub const INVALID: &str = "web.incoming_webhook.invalid.app_error";
    pub const USER: &str = "web.incoming_webhook.user.app_error";
    pub const CHANNEL: &str = "web.incoming_webhook.channel.app_error";
    pub const LOCKED: &str = "web.incoming_webhook.channel_locked.app_error";
    pub const PERMISSIONS: &str = "web.incoming_webhook.permissions.app_error";
    pub const SPLIT_PROPS: &str = "web.incoming_webhook.split_props_length.app_error";
}

/// The name posts show when nothing else names them (EnablePostUsernameOverride on).
const DEFAULT_USERNAME: &str = "webhook";
/// A post's longest message; longer webhook text becomes several posts.
const MAX_POST_RUNES: usize = 16_383;
/// A post's props, as JSON, at most (Mattermost's PostPropsMaxUserRunes).
const MAX_PROPS_RUNES: usize = 800_000;

fn enabled(caller: &Caller) -> Result<(), ApiError> {
    if caller
        .state
        .config()
        .service_settings
        .enable_incoming_webhooks
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::DISABLED,
            "Incoming webhooks have been disabled by the system admin.",
        ))
    }
}

fn bad(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message)
}

/// SessionHasPermissionToTeam, for a channel's team (a direct or group channel has none:
/// only a system-wide grant counts).
async fn in_team(caller: &Caller, team_id: &str, permission: &str) -> Result<bool, ApiError> {
    if team_id.is_empty() {
        permissions::has_system(caller, permission).await
    } else {
        permissions::has_team(caller, team_id, permission).await
    }
}

async fn require_in_team(caller: &Caller, team_id: &str, permission: &str) -> Result<(), ApiError> {
    if in_team(caller, team_id, permission).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden().detail(format!("needs {permission}")))
    }
}

/// A private, direct or group channel also takes read_channel_content.
async fn require_channel_read(caller: &Caller, c: &channel::Model) -> Result<(), ApiError> {
    if c.channel_type == "O" {
        return Ok(());
    }
    permissions::require_channel(caller, &c.id, perm::READ_CHANNEL_CONTENT).await
}

fn check_fields(h: &hook::Model) -> Result<(), ApiError> {
    let too_long = |field: &'static str, max: usize, value: &str| {
        (value.len() > max).then(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                field,
                format!("At most {max} characters."),
            )
        })
    };
    if let Some(e) = too_long(
        "model.incoming_hook.display_name.app_error",
        64,
        &h.display_name,
    )
    .or_else(|| {
        too_long(
            "model.incoming_hook.description.app_error",
            500,
            &h.description,
        )
    })
    .or_else(|| too_long("model.incoming_hook.username.app_error", 64, &h.username))
    .or_else(|| too_long("model.incoming_hook.icon_url.app_error", 1024, &h.icon_url))
    {
        return Err(e);
    }
    if !h.username.is_empty() && users::validate_username(&h.username).is_err() {
        return Err(bad(
            ids::INVALID_USERNAME,
            "The webhook's username is not a valid username.",
        ));
    }
    Ok(())
}

/// What a new or changed hook says.
pub struct Fields {
    pub display_name: String,
    pub description: String,
    pub username: String,
    pub icon_url: String,
    pub channel_locked: bool,
}

/// CreateIncomingWebhook: for the caller, or (manage_others_incoming_webhooks) for
/// `user_id`.
pub async fn create(
    caller: &Caller,
    channel_id: &str,
    user_id: Option<String>,
    fields: Fields,
) -> Result<hook::Model, ApiError> {
    let me = caller.session()?.user_id.clone();
    let db = caller.state.db();
    let c = channels::get(db, channel_id).await?;
    require_in_team(caller, &c.team_id, perm::MANAGE_INCOMING_WEBHOOKS).await?;
    require_channel_read(caller, &c).await?;
    let owner = match user_id.filter(|u| !u.is_empty() && *u != me) {
        Some(other) => {
            require_in_team(caller, &c.team_id, perm::MANAGE_OTHERS_INCOMING_WEBHOOKS).await?;
            users::get(db, &other).await?.id
        }
        None => me,
    };
    enabled(caller)?;
    let settings = caller.state.config().service_settings.clone();
    let now = now_millis();
    let row = hook::Model {
        id: new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        user_id: owner,
        channel_id: c.id.clone(),
        team_id: c.team_id.clone(),
        display_name: fields.display_name,
        description: fields.description,
        username: if settings.enable_post_username_override {
            fields.username
        } else {
            String::new()
        },
        icon_url: if settings.enable_post_icon_override {
            fields.icon_url
        } else {
            String::new()
        },
        channel_locked: fields.channel_locked,
    };
    check_fields(&row)?;
    Ok(row.into_active_model().insert(db).await?)
}

/// A live hook (404 `app.webhooks.get_incoming.app_error`).
pub async fn find(caller: &Caller, id: &str) -> Result<hook::Model, ApiError> {
    enabled(caller)?;
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::NOT_FOUND,
            "Unable to find the incoming webhook.",
        )
    };
    if !is_valid_id(id) {
        return Err(missing());
    }
    hook::Entity::find_by_id(id.to_owned())
        .filter(hook::Column::DeleteAt.eq(0))
        .one(caller.state.db())
        .await?
        .ok_or_else(missing)
}

/// A hook the caller may see and change: manage_incoming_webhooks in its team (and
/// read_channel_content in a channel that is not public), manage_others_incoming_webhooks
/// for someone else's.
pub async fn managed(caller: &Caller, id: &str) -> Result<hook::Model, ApiError> {
    let me = caller.session()?.user_id.clone();
    let found = find(caller, id).await?;
    let c = channels::get(caller.state.db(), &found.channel_id).await?;
    let readable = c.channel_type == "O"
        || permissions::has_channel(caller, &c.id, perm::READ_CHANNEL_CONTENT).await?;
    if !readable || !in_team(caller, &found.team_id, perm::MANAGE_INCOMING_WEBHOOKS).await? {
        return Err(ApiError::forbidden().detail("needs manage_incoming_webhooks"));
    }
    if found.user_id != me {
        require_in_team(
            caller,
            &found.team_id,
            perm::MANAGE_OTHERS_INCOMING_WEBHOOKS,
        )
        .await?;
    }
    Ok(found)
}

/// UpdateIncomingWebhook: the team cannot change; the channel must be in it.
pub async fn update(
    caller: &Caller,
    id: &str,
    channel_id: &str,
    team_id: Option<String>,
    fields: Fields,
) -> Result<hook::Model, ApiError> {
    let me = caller.session()?.user_id.clone();
    let db = caller.state.db();
    let old = find(caller, id).await?;
    let team_id = team_id
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| old.team_id.clone());
    if team_id != old.team_id {
        return Err(bad(
            ids::TEAM_MISMATCH,
            "A webhook cannot move to another team.",
        ));
    }
    let c = channels::get(db, channel_id).await?;
    if c.team_id != team_id {
        return Err(ApiError::invalid_param("channel_id"));
    }
    require_in_team(caller, &c.team_id, perm::MANAGE_INCOMING_WEBHOOKS).await?;
    if me != old.user_id {
        require_in_team(caller, &c.team_id, perm::MANAGE_OTHERS_INCOMING_WEBHOOKS).await?;
    }
    require_channel_read(caller, &c).await?;
    let settings = caller.state.config().service_settings.clone();
    let mut row = old.clone();
    row.channel_id = c.id;
    row.display_name = fields.display_name;
    row.description = fields.description;
    row.channel_locked = fields.channel_locked;
    if settings.enable_post_username_override {
        row.username = fields.username;
    }
    if settings.enable_post_icon_override {
        row.icon_url = fields.icon_url;
    }
    row.update_at = now_millis();
    check_fields(&row)?;
    Ok(row.into_active_model().reset_all().update(db).await?)
}

/// DeleteIncomingWebhook: the hook stops at once (the row stays, deleted).
pub async fn delete(caller: &Caller, found: hook::Model) -> Result<(), ApiError> {
    let mut row = found.into_active_model();
    let now = now_millis();
    row.delete_at = sea_orm::ActiveValue::Set(now);
    row.update_at = sea_orm::ActiveValue::Set(now);
    row.update(caller.state.db()).await?;
    Ok(())
}

/// GetIncomingWebhooks: in a team (manage_incoming_webhooks there) or everywhere
/// (system-wide); only one's own without manage_others_incoming_webhooks.
pub async fn list(
    caller: &Caller,
    team_id: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<Vec<hook::Model>, ApiError> {
    let me = caller.session()?.user_id.clone();
    let (manage, others) = match team_id {
        Some(t) => (
            permissions::has_team(caller, t, perm::MANAGE_INCOMING_WEBHOOKS).await?,
            permissions::has_team(caller, t, perm::MANAGE_OTHERS_INCOMING_WEBHOOKS).await?,
        ),
        None => (
            permissions::has_system(caller, perm::MANAGE_INCOMING_WEBHOOKS).await?,
            permissions::has_system(caller, perm::MANAGE_OTHERS_INCOMING_WEBHOOKS).await?,
        ),
    };
    if !manage {
        return Err(ApiError::forbidden().detail("needs manage_incoming_webhooks"));
    }
    enabled(caller)?;
    let mut query = hook::Entity::find().filter(hook::Column::DeleteAt.eq(0));
    if let Some(t) = team_id {
        query = query.filter(hook::Column::TeamId.eq(t));
    }
    if !others {
        query = query.filter(hook::Column::UserId.eq(me));
    }
    Ok(query
        .order_by_asc(hook::Column::CreateAt)
        .order_by_asc(hook::Column::Id)
        .offset(page * per_page)
        .limit(per_page)
        .all(caller.state.db())
        .await?)
}

pub fn to_api(h: hook::Model) -> types::IncomingWebhook {
    types::IncomingWebhook {
        id: Some(h.id),
        create_at: Some(h.create_at),
        update_at: Some(h.update_at),
        delete_at: Some(h.delete_at),
        user_id: Some(h.user_id),
        channel_id: Some(h.channel_id),
        team_id: Some(h.team_id),
        display_name: Some(h.display_name),
        description: Some(h.description),
        username: Some(h.username),
        icon_url: Some(h.icon_url),
        channel_locked: Some(h.channel_locked),
    }
}

/// What an integration sent to a hook (Mattermost's IncomingWebhookRequest).
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct Message {
    pub text: String,
    pub username: String,
    pub icon_url: String,
    pub icon_emoji: String,
    #[serde(rename = "channel")]
    pub channel_name: String,
    #[serde(rename = "type")]
    pub post_type: String,
    pub props: Option<Map<String, Value>>,
    pub attachments: Option<Vec<Value>>,
}

impl Message {
    /// The JSON a hook received; JSON with raw newlines or tabs inside its strings (which
    /// some integrations send) is read with them escaped, as Mattermost does.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ApiError> {
        let parse_error = |e: serde_json::Error| {
            bad(ids::PARSE_DATA, "Unable to parse the incoming data.").detail(e.to_string())
        };
        match serde_json::from_slice::<Self>(bytes) {
            Ok(m) => Ok(m),
            Err(first) => {
                let escaped = escape_controls_in_strings(bytes);
                if escaped == bytes {
                    return Err(parse_error(first));
                }
                serde_json::from_slice(&escaped).map_err(parse_error)
            }
        }
    }
}

/// `\n` and `\t` inside JSON strings made escapes.
fn escape_controls_in_strings(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match b {
                b'\n' => {
                    out.extend_from_slice(b"\\n");
                    continue;
                }
                b'\t' => {
                    out.extend_from_slice(b"\\t");
                    continue;
                }
                b'\\' if !escaped => escaped = true,
                b'"' if !escaped => in_string = false,
                _ => escaped = false,
            }
            if b != b'\\' {
                escaped = false;
            }
        } else if b == b'"' {
            in_string = true;
        }
        out.push(b);
    }
    out
}

/// Slack's markup made Mattermost's: `<url|text>` links become Markdown links, `<!channel>`,
/// `<!here>` and `<!everyone>` become mentions.
pub fn slack_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let replaced = match inner {
            "!channel" => Some("@channel".to_owned()),
            "!here" => Some("@here".to_owned()),
            "!everyone" | "!all" => Some("@all".to_owned()),
            _ if !inner.contains(['\n', '<']) => inner
                .split_once('|')
                .filter(|(url, label)| !url.is_empty() && !label.is_empty())
                .map(|(url, label)| format!("[{label}]({url})")),
            _ => None,
        };
        match replaced {
            Some(r) => out.push_str(&r),
            None => {
                out.push('<');
                out.push_str(inner);
                out.push('>');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Slack attachments as Mattermost keeps them: field values as strings, text marked up.
pub fn slack_attachments(attachments: Vec<Value>) -> Vec<Value> {
    attachments
        .into_iter()
        .map(|mut a| {
            for key in ["text", "pretext"] {
                if let Some(Value::String(s)) = a.get_mut(key) {
                    *s = slack_text(s);
                }
            }
            if let Some(Value::Array(fields)) = a.get_mut("fields") {
                for field in fields {
                    if let Some(v) = field.get_mut("value")
                        && !v.is_string()
                        && !v.is_null()
                    {
                        *v = Value::String(v.to_string());
                    }
                }
            }
            a
        })
        .collect()
}

/// A session acting for the hook's owner (their roles), for what the hook does.
pub fn acting_for(caller: &Caller, owner: &user::Model) -> Caller {
    let now = now_millis();
    Caller {
        session: Some(Session {
            id: String::new(),
            token: String::new(),
            user_id: owner.id.clone(),
            roles: owner.roles.clone(),
            csrf_token: String::new(),
            is_oauth: false,
            create_at: now,
            expires_at: 0,
            last_activity_at: now,
            device_id: String::new(),
            props: Map::new(),
            mfa_active: false,
            auth_service: String::new(),
        }),
        ..caller.clone()
    }
}

/// Runs a hook: posts `message` as the hook's owner, in the hook's channel or (unless it is
/// locked) the one the message names (`town-square`, `#town-square`, `@username` for a
/// direct message from the owner). Long text becomes several posts.
pub async fn run(caller: &Caller, hook_id: &str, message: Message) -> Result<(), ApiError> {
    let settings = caller.state.config().service_settings.clone();
    if !settings.enable_incoming_webhooks {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::RUN_DISABLED,
            "Incoming webhooks have been disabled by the system admin.",
        ));
    }
    if message.text.is_empty() && message.attachments.is_none() {
        return Err(bad(ids::TEXT, "No text was given."));
    }
    let db = caller.state.db();
    let found = if is_valid_id(hook_id) {
        hook::Entity::find_by_id(hook_id.to_owned())
            .filter(hook::Column::DeleteAt.eq(0))
            .one(db)
            .await?
    } else {
        None
    };
    let found = found.ok_or_else(|| bad(ids::INVALID, "Invalid webhook."))?;
    let owner = users::get(db, &found.user_id)
        .await
        .ok()
        .filter(|u| u.delete_at == 0);
    let channel = match message.channel_name.as_str() {
        "" => channels::get(db, &found.channel_id).await?,
        name if name.starts_with('@') => {
            let other = users::find_by_username(db, &name[1..])
                .await?
                .ok_or_else(|| bad(ids::USER, "Unable to find the user."))?;
            let owner = owner.as_ref().ok_or_else(owner_gone)?;
            channels::direct(db, owner, &other).await?
        }
        name => {
            let name = name.strip_prefix('#').unwrap_or(name);
            channels::get_by_name(db, &found.team_id, name, true)
                .await
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        ids::CHANNEL,
                        "Unable to find the channel.",
                    )
                })?
        }
    };
    if found.channel_locked && channel.id != found.channel_id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::LOCKED,
            "This webhook may only post to its own channel.",
        ));
    }
    let owner = owner.ok_or_else(owner_gone)?;
    let acting = acting_for(caller, &owner);
    if channel.channel_type != "O"
        && !permissions::has_channel(&acting, &channel.id, perm::READ_CHANNEL_CONTENT).await?
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ids::PERMISSIONS,
            "The webhook's owner may not post to that channel.",
        ));
    }
    let post = IntegrationPost {
        text: message.text,
        username: message.username,
        icon_url: message.icon_url,
        icon_emoji: message.icon_emoji,
        props: message.props.unwrap_or_default(),
        attachments: message.attachments,
        post_type: message.post_type,
        root_id: String::new(),
    };
    post_integration(
        &acting,
        &channel,
        &found.display_name,
        (&found.username, &found.icon_url),
        post,
    )
    .await
}

/// What an integration posts (an incoming webhook's message, an outgoing webhook's answer).
pub struct IntegrationPost {
    pub text: String,
    pub username: String,
    pub icon_url: String,
    pub icon_emoji: String,
    pub props: Map<String, Value>,
    pub attachments: Option<Vec<Value>>,
    pub post_type: String,
    pub root_id: String,
}

/// Posts `post` in `channel` as the session of `acting` (the hook's owner), as Mattermost's
/// CreateWebhookPost: Slack markup made Mattermost's, `from_webhook` and
/// `webhook_display_name` set, the username and icon overrides when the settings allow
/// them (`defaults`: the hook's own), text over a post's length split into several posts.
pub async fn post_integration(
    acting: &Caller,
    channel: &channel::Model,
    display_name: &str,
    defaults: (&str, &str),
    post: IntegrationPost,
) -> Result<(), ApiError> {
    let settings = acting.state.config().service_settings.clone();
    if post.post_type.starts_with("system_") {
        return Err(ApiError::invalid_param("post.type"));
    }
    let owner_id = acting.session()?.user_id.clone();
    let mut props = post.props;
    for reserved in ["override_icon_url", "override_username", "from_webhook"] {
        props.remove(reserved);
    }
    let mut post_type = post.post_type;
    let attachments = post.attachments.map(slack_attachments).unwrap_or_default();
    if attachments.is_empty() {
        props.remove("attachments");
    } else {
        props.insert("attachments".to_owned(), Value::Array(attachments));
        post_type = "slack_attachment".to_owned();
    }
    props.insert("webhook_display_name".to_owned(), display_name.into());
    props.insert("from_webhook".to_owned(), "true".into());
    if settings.enable_post_username_override {
        let name = [post.username.as_str(), defaults.0]
            .into_iter()
            .find(|n| !n.is_empty())
            .unwrap_or(DEFAULT_USERNAME);
        props.insert("override_username".to_owned(), name.into());
    }
    if settings.enable_post_icon_override {
        let icon = if post.icon_url.is_empty() {
            defaults.1
        } else {
            &post.icon_url
        };
        if !icon.is_empty() {
            props.insert("override_icon_url".to_owned(), icon.into());
        }
        if !post.icon_emoji.is_empty() {
            props.insert("override_icon_emoji".to_owned(), post.icon_emoji.into());
        }
    }
    if serde_json::to_string(&props).map_or(0, |p| p.chars().count()) > MAX_PROPS_RUNES {
        return Err(bad(ids::SPLIT_PROPS, "The message's props are too long."));
    }
    for (i, part) in split_text(&slack_text(&post.text)).into_iter().enumerate() {
        // Attachments go with the first post only.
        let mut part_props = props.clone();
        if i > 0 {
            part_props.remove("attachments");
        }
        let new = posting::NewPost {
            user_id: owner_id.clone(),
            root_id: post.root_id.clone(),
            message: part,
            props: part_props,
            file_ids: Vec::new(),
            pending_post_id: String::new(),
            post_type: post_type.clone(),
        };
        posting::create_trusted(acting, channel.id.clone(), new).await?;
    }
    Ok(())
}

fn owner_gone() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ids::USER,
        "The webhook's owner is not an active user.",
    )
}

/// Text cut into posts of at most [`MAX_POST_RUNES`] characters (one, possibly empty, at
/// least).
fn split_text(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(MAX_POST_RUNES)
        .map(|c| c.iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_markup_becomes_mattermosts() {
        assert_eq!(
            slack_text("see <https://example.com|the docs> <!channel> <not a link>"),
            "see [the docs](https://example.com) @channel <not a link>"
        );
        assert_eq!(slack_text("a < b"), "a < b");
    }

    #[test]
    fn raw_newlines_in_strings_are_read() {
        let m = Message::from_json(b"{\"text\": \"two\nlines\tand a tab\"}").unwrap();
        assert_eq!(m.text, "two\nlines\tand a tab");
        assert!(Message::from_json(b"{not json").is_err());
    }

    #[test]
    fn long_text_is_split() {
        let parts = split_text(&"x".repeat(MAX_POST_RUNES * 2 + 5));
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            [MAX_POST_RUNES, MAX_POST_RUNES, 5]
        );
    }
}
