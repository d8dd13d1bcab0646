//! Outgoing webhooks as Mattermost has them (`ServiceSettings.EnableOutgoingWebhooks`):
//! posts in a team's public channels whose first word is a trigger word (exactly, or as
//! its start), or any post in the hook's channel when it has none, are sent to the hook's
//! URLs (JSON or a form, with the hook's token); an answer with text or attachments is
//! posted back as the hook's creator. Managed with `manage_outgoing_webhooks`
//! (`manage_others_outgoing_webhooks` for someone else's) in the team.

use super::webhooks::{IntegrationPost, acting_for, post_integration};
use super::{channels, outbound, outgoing_oauth, teams, users};
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{channel, outgoing_webhook as hook};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Map, Value};

pub mod ids {
    pub const DISABLED: &str = "api.outgoing_webhook.disabled.app_error";
    pub const NOT_FOUND: &str = "app.webhooks.get_outgoing.app_error";
    pub const NOT_OPEN: &str = "api.webhook.create_outgoing.not_open.app_error";
    pub const PERMISSIONS: &str = "api.webhook.create_outgoing.permissions.app_error";
    pub const TRIGGERS: &str = "api.webhook.create_outgoing.triggers.app_error";
    pub const INTERSECT: &str = "api.webhook.create_outgoing.intersect.app_error";
    pub const UPDATE_INTERSECT: &str = "api.webhook.update_outgoing.intersect.app_error";
    pub const TEAM_MISMATCH: &str = "api.webhook.team_mismatch.app_error";
}

fn enabled(caller: &Caller) -> Result<(), ApiError> {
    if caller
        .state
        .config()
        .service_settings
        .enable_outgoing_webhooks
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::DISABLED,
            "Outgoing webhooks have been disabled by the system admin.",
        ))
    }
}

fn invalid(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message)
}

fn words(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// What a hook says (created or changed).
pub struct Fields {
    pub channel_id: String,
    pub trigger_words: Vec<String>,
    pub trigger_when: i64,
    pub callback_urls: Vec<String>,
    pub display_name: String,
    pub description: String,
    pub content_type: String,
    pub username: String,
    pub icon_url: String,
}

/// Mattermost's OutgoingWebhook.IsValid for the fields a client sets.
fn check(f: &Fields) -> Result<(), ApiError> {
    let list_len = |l: &[String]| format!("{l:?}").len();
    if list_len(&f.trigger_words) > 1024 {
        return Err(invalid(
            "model.outgoing_hook.is_valid.words.app_error",
            "The trigger words are too long.",
        ));
    }
    if f.trigger_words.iter().any(String::is_empty) {
        return Err(invalid(
            "model.outgoing_hook.is_valid.trigger_words.app_error",
            "A trigger word is empty.",
        ));
    }
    if f.callback_urls.is_empty() || list_len(&f.callback_urls) > 1024 {
        return Err(invalid(
            "model.outgoing_hook.is_valid.callback.app_error",
            "One or more callback URLs are needed.",
        ));
    }
    if !f.callback_urls.iter().all(|u| outbound::is_http_url(u)) {
        return Err(invalid(
            "model.outgoing_hook.is_valid.url.app_error",
            "Callback URLs must be http or https URLs.",
        ));
    }
    let too_long = [
        (
            f.display_name.len() > 64,
            "model.outgoing_hook.is_valid.display_name.app_error",
        ),
        (
            f.description.len() > 500,
            "model.outgoing_hook.is_valid.description.app_error",
        ),
        (
            f.content_type.len() > 128,
            "model.outgoing_hook.is_valid.content_type.app_error",
        ),
        (
            !(0..=1).contains(&f.trigger_when),
            "model.outgoing_hook.is_valid.content_type.app_error",
        ),
        (
            f.username.len() > 64,
            "model.outgoing_hook.username.app_error",
        ),
        (
            f.icon_url.len() > 1024,
            "model.outgoing_hook.icon_url.app_error",
        ),
    ];
    match too_long.into_iter().find(|(bad, _)| *bad) {
        Some((_, id)) => Err(invalid(id, "A field of the webhook is not valid.")),
        None => Ok(()),
    }
}

/// The channel (a public one of the team) or, without one, trigger words are required; no
/// other hook of the team may share the channel, a URL and a trigger word.
async fn check_scope(
    caller: &Caller,
    team_id: &str,
    f: &Fields,
    except: Option<&str>,
) -> Result<(), ApiError> {
    let db = caller.state.db();
    if !f.channel_id.is_empty() {
        let c = channels::get(db, &f.channel_id).await?;
        if c.channel_type != "O" {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ids::NOT_OPEN,
                "Outgoing webhooks work in public channels only.",
            ));
        }
        if c.team_id != team_id {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ids::PERMISSIONS,
                "The channel is in another team.",
            ));
        }
    } else if f.trigger_words.is_empty() {
        return Err(invalid(
            ids::TRIGGERS,
            "Either a channel or trigger words are needed.",
        ));
    }
    for other in live_in_team(caller, team_id).await? {
        if Some(other.id.as_str()) == except || other.channel_id != f.channel_id {
            continue;
        }
        let urls = words(&other.callback_urls);
        let triggers = words(&other.trigger_words);
        if urls.iter().any(|u| f.callback_urls.contains(u))
            && triggers.iter().any(|t| f.trigger_words.contains(t))
        {
            let id = if except.is_some() {
                ids::UPDATE_INTERSECT
            } else {
                ids::INTERSECT
            };
            return Err(invalid(
                id,
                "Another webhook has the same channel, a trigger word and a URL.",
            ));
        }
    }
    Ok(())
}

async fn live_in_team(caller: &Caller, team_id: &str) -> Result<Vec<hook::Model>, ApiError> {
    Ok(hook::Entity::find()
        .filter(hook::Column::TeamId.eq(team_id))
        .filter(hook::Column::DeleteAt.eq(0))
        .all(caller.state.db())
        .await?)
}

fn content_type(given: String) -> String {
    if given.is_empty() {
        "application/x-www-form-urlencoded".to_owned()
    } else {
        given
    }
}

/// CreateOutgoingWebhook: manage_outgoing_webhooks in the team; for another creator also
/// manage_others_outgoing_webhooks.
pub async fn create(
    caller: &Caller,
    team_id: &str,
    creator_id: Option<String>,
    fields: Fields,
) -> Result<hook::Model, ApiError> {
    let me = caller.session()?.user_id.clone();
    if !is_valid_id(team_id) {
        return Err(ApiError::invalid_param("team_id"));
    }
    permissions::require_team(caller, team_id, perm::MANAGE_OUTGOING_WEBHOOKS).await?;
    let creator = match creator_id.filter(|c| !c.is_empty()) {
        Some(other) => {
            permissions::require_team(caller, team_id, perm::MANAGE_OTHERS_OUTGOING_WEBHOOKS)
                .await?;
            users::get(caller.state.db(), &other).await?.id
        }
        None => me,
    };
    enabled(caller)?;
    check(&fields)?;
    check_scope(caller, team_id, &fields, None).await?;
    let now = now_millis();
    let row = hook::Model {
        id: new_id(),
        token: new_id(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        creator_id: creator,
        channel_id: fields.channel_id,
        team_id: team_id.to_owned(),
        trigger_words: serde_json::to_string(&fields.trigger_words).map_err(ApiError::internal)?,
        trigger_when: i32::try_from(fields.trigger_when).unwrap_or_default(),
        callback_urls: serde_json::to_string(&fields.callback_urls).map_err(ApiError::internal)?,
        display_name: fields.display_name,
        description: fields.description,
        content_type: content_type(fields.content_type),
        username: fields.username,
        icon_url: fields.icon_url,
    };
    Ok(row.into_active_model().insert(caller.state.db()).await?)
}

/// A live hook the caller manages: manage_outgoing_webhooks in its team, and
/// manage_others_outgoing_webhooks for someone else's.
pub async fn managed(caller: &Caller, id: &str) -> Result<hook::Model, ApiError> {
    let me = caller.session()?.user_id.clone();
    enabled(caller)?;
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::NOT_FOUND,
            "Unable to find the outgoing webhook.",
        )
    };
    if !is_valid_id(id) {
        return Err(missing());
    }
    let found = hook::Entity::find_by_id(id.to_owned())
        .filter(hook::Column::DeleteAt.eq(0))
        .one(caller.state.db())
        .await?
        .ok_or_else(missing)?;
    permissions::require_team(caller, &found.team_id, perm::MANAGE_OUTGOING_WEBHOOKS).await?;
    if found.creator_id != me {
        permissions::require_team(
            caller,
            &found.team_id,
            perm::MANAGE_OTHERS_OUTGOING_WEBHOOKS,
        )
        .await?;
    }
    Ok(found)
}

/// UpdateOutgoingWebhook: the team cannot change; the creator becomes the caller, as in
/// Mattermost.
pub async fn update(
    caller: &Caller,
    old: hook::Model,
    team_id: Option<String>,
    fields: Fields,
) -> Result<hook::Model, ApiError> {
    if team_id.is_some_and(|t| !t.is_empty() && t != old.team_id) {
        return Err(invalid(
            ids::TEAM_MISMATCH,
            "A webhook cannot move to another team.",
        ));
    }
    check(&fields)?;
    check_scope(caller, &old.team_id, &fields, Some(&old.id)).await?;
    let mut row = old;
    row.creator_id = caller.session()?.user_id.clone();
    row.channel_id = fields.channel_id;
    row.trigger_words = serde_json::to_string(&fields.trigger_words).map_err(ApiError::internal)?;
    row.trigger_when = i32::try_from(fields.trigger_when).unwrap_or_default();
    row.callback_urls = serde_json::to_string(&fields.callback_urls).map_err(ApiError::internal)?;
    row.display_name = fields.display_name;
    row.description = fields.description;
    row.content_type = content_type(fields.content_type);
    row.username = fields.username;
    row.icon_url = fields.icon_url;
    row.update_at = now_millis();
    Ok(row
        .into_active_model()
        .reset_all()
        .update(caller.state.db())
        .await?)
}

/// A new token (the old one stops at once).
pub async fn regenerate_token(caller: &Caller, old: hook::Model) -> Result<hook::Model, ApiError> {
    let mut row = old;
    row.token = new_id();
    row.update_at = now_millis();
    Ok(row
        .into_active_model()
        .reset_all()
        .update(caller.state.db())
        .await?)
}

pub async fn delete(caller: &Caller, old: hook::Model) -> Result<(), ApiError> {
    let mut row = old;
    let now = now_millis();
    row.delete_at = now;
    row.update_at = now;
    row.into_active_model()
        .reset_all()
        .update(caller.state.db())
        .await?;
    Ok(())
}

/// GetOutgoingWebhooks: by channel, by team, or everywhere, each with its permission;
/// one's own only without manage_others_outgoing_webhooks.
pub async fn list(
    caller: &Caller,
    channel_id: Option<&str>,
    team_id: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<Vec<hook::Model>, ApiError> {
    let me = caller.session()?.user_id.clone();
    let (manage, others) = if let Some(c) = channel_id {
        (
            permissions::has_channel(caller, c, perm::MANAGE_OUTGOING_WEBHOOKS).await?,
            permissions::has_channel(caller, c, perm::MANAGE_OTHERS_OUTGOING_WEBHOOKS).await?,
        )
    } else if let Some(t) = team_id {
        (
            permissions::has_team(caller, t, perm::MANAGE_OUTGOING_WEBHOOKS).await?,
            permissions::has_team(caller, t, perm::MANAGE_OTHERS_OUTGOING_WEBHOOKS).await?,
        )
    } else {
        (
            permissions::has_system(caller, perm::MANAGE_OUTGOING_WEBHOOKS).await?,
            permissions::has_system(caller, perm::MANAGE_OTHERS_OUTGOING_WEBHOOKS).await?,
        )
    };
    if !manage {
        return Err(ApiError::forbidden().detail("needs manage_outgoing_webhooks"));
    }
    enabled(caller)?;
    let mut query = hook::Entity::find().filter(hook::Column::DeleteAt.eq(0));
    if let Some(c) = channel_id {
        query = query.filter(hook::Column::ChannelId.eq(c));
    } else if let Some(t) = team_id {
        query = query.filter(hook::Column::TeamId.eq(t));
    }
    if !others {
        query = query.filter(hook::Column::CreatorId.eq(me));
    }
    Ok(query
        .order_by_asc(hook::Column::CreateAt)
        .order_by_asc(hook::Column::Id)
        .offset(page * per_page)
        .limit(per_page)
        .all(caller.state.db())
        .await?)
}

pub fn to_api(h: hook::Model) -> types::OutgoingWebhook {
    types::OutgoingWebhook {
        id: Some(h.id),
        token: Some(h.token),
        create_at: Some(h.create_at),
        update_at: Some(h.update_at),
        delete_at: Some(h.delete_at),
        creator_id: Some(h.creator_id),
        channel_id: Some(h.channel_id),
        team_id: Some(h.team_id),
        trigger_words: words(&h.trigger_words),
        trigger_when: Some(i64::from(h.trigger_when)),
        callback_urls: words(&h.callback_urls),
        display_name: Some(h.display_name),
        description: Some(h.description),
        content_type: h.content_type,
        username: Some(h.username),
        icon_url: Some(h.icon_url),
    }
}

/// The trigger word of `h` that `first` matches, if any ("" for a channel hook without
/// trigger words).
fn trigger_for(h: &hook::Model, channel_id: &str, first: &str) -> Option<String> {
    if !h.channel_id.is_empty() && h.channel_id != channel_id {
        return None;
    }
    let triggers = words(&h.trigger_words);
    if h.channel_id == channel_id && triggers.is_empty() {
        return Some(String::new());
    }
    if first.is_empty() {
        return None;
    }
    triggers.into_iter().find(|t| {
        if h.trigger_when == 0 {
            t == first
        } else {
            first.starts_with(t.as_str())
        }
    })
}

/// What an integration answered (Mattermost's OutgoingWebhookResponse).
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Answer {
    text: Option<String>,
    username: String,
    icon_url: String,
    props: Option<Map<String, Value>>,
    attachments: Option<Vec<Value>>,
    #[serde(rename = "type")]
    post_type: String,
    response_type: String,
}

/// The post that triggers hooks, as what they need of it.
#[derive(Clone)]
struct Posted {
    id: String,
    channel_id: String,
    user_id: String,
    message: String,
    root_id: String,
    create_at: i64,
    file_ids: Vec<String>,
}

/// After a user's post: sends it to every outgoing webhook it triggers (in the
/// background; failures are logged, as Mattermost logs them).
pub fn after_post(caller: &Caller, created: &types::Post) {
    let config = caller.state.config();
    if !config.service_settings.enable_outgoing_webhooks
        || created.type_.as_deref().is_some_and(|t| !t.is_empty())
    {
        return;
    }
    let caller = caller.clone();
    let created = Posted {
        id: created.id.clone().unwrap_or_default(),
        channel_id: created.channel_id.clone().unwrap_or_default(),
        user_id: created.user_id.clone().unwrap_or_default(),
        message: created.message.clone().unwrap_or_default(),
        root_id: created.root_id.clone().unwrap_or_default(),
        create_at: created.create_at.unwrap_or_default(),
        file_ids: created.file_ids.clone(),
    };
    tokio::spawn(async move {
        if let Err(e) = trigger(&caller, &created).await {
            tracing::warn!(post_id = %created.id, error = %e.message, "outgoing webhooks");
        }
    });
}

async fn trigger(caller: &Caller, p: &Posted) -> Result<(), ApiError> {
    let db = caller.state.db();
    let c = channels::get(db, &p.channel_id).await?;
    if c.channel_type != "O" {
        return Ok(());
    }
    let hooks = live_in_team(caller, &c.team_id).await?;
    let first = p
        .message
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let matched: Vec<(hook::Model, String)> = hooks
        .into_iter()
        .filter_map(|h| trigger_for(&h, &c.id, &first).map(|t| (h, t)))
        .collect();
    if matched.is_empty() {
        return Ok(());
    }
    let team = teams::get(db, &c.team_id).await?;
    let author = users::get(db, &p.user_id).await?;
    for (h, trigger_word) in matched {
        let payload = serde_json::json!({
            "token": h.token,
            "team_id": h.team_id,
            "team_domain": team.name,
            "channel_id": c.id,
            "channel_name": c.name,
            "timestamp": p.create_at,
            "user_id": p.user_id,
            "user_name": author.username,
            "post_id": p.id,
            "text": p.message,
            "trigger_word": trigger_word,
            "file_ids": p.file_ids.join(","),
        });
        for url in words(&h.callback_urls) {
            let caller = caller.clone();
            let (h, c, p, payload) = (h.clone(), c.clone(), p.clone(), payload.clone());
            tokio::spawn(async move {
                if let Err(e) = call(&caller, &h, &c, &p, &url, &payload).await {
                    tracing::warn!(hook_id = %h.id, %url, error = %e.message, "outgoing webhook");
                }
            });
        }
    }
    Ok(())
}

/// One request to one callback URL, and its answer posted back.
async fn call(
    caller: &Caller,
    h: &hook::Model,
    c: &channel::Model,
    p: &Posted,
    url: &str,
    payload: &Value,
) -> Result<(), ApiError> {
    let config = caller.state.config();
    let target = reqwest::Url::parse(url).map_err(ApiError::internal)?;
    let client = outbound::guarded_client(&config, &target, outbound::integration_timeout(&config))
        .await?
        .ok_or_else(|| {
            ApiError::internal(format!("{url} is not an address integrations may reach"))
        })?;
    // A connection serving the URL whose token cannot be had: no request (as Mattermost).
    let authorization = outgoing_oauth::authorization_for(caller, url).await?;
    let mut request = client.post(target).header("Accept", "application/json");
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let request = if h.content_type == "application/json" {
        request
            .header("Content-Type", "application/json")
            .body(payload.to_string())
    } else {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (key, value) in payload.as_object().into_iter().flatten() {
            let text = match (key.as_str(), value) {
                // The form carries seconds, as Mattermost's ToFormValues.
                ("timestamp", Value::Number(n)) => {
                    (n.as_i64().unwrap_or_default() / 1000).to_string()
                }
                (_, Value::String(s)) => s.clone(),
                (_, other) => other.to_string(),
            };
            form.append_pair(key, &text);
        }
        request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.finish())
    };
    let response = request.send().await.map_err(ApiError::internal)?;
    let body = outbound::read_capped(response, outbound::MAX_INTEGRATION_RESPONSE)
        .await
        .map_err(ApiError::internal)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let answer: Answer = serde_json::from_slice(&body).map_err(ApiError::internal)?;
    if answer.text.is_none() && answer.attachments.as_ref().is_none_or(Vec::is_empty) {
        return Ok(());
    }
    let creator = users::get(caller.state.db(), &h.creator_id).await?;
    let acting = acting_for(caller, &creator);
    let root_id = if answer.response_type == "comment" {
        if p.root_id.is_empty() {
            p.id.clone()
        } else {
            p.root_id.clone()
        }
    } else {
        String::new()
    };
    let post = IntegrationPost {
        text: answer.text.unwrap_or_default(),
        username: answer.username,
        icon_url: answer.icon_url,
        icon_emoji: String::new(),
        props: answer.props.unwrap_or_default(),
        attachments: answer.attachments,
        post_type: answer.post_type,
        root_id,
    };
    post_integration(
        &acting,
        c,
        &h.display_name,
        (&h.username, &h.icon_url),
        post,
    )
    .await
}
