//! Interactive messages and dialogs as Mattermost has them. A post's attachments may hold
//! actions (buttons and menus) naming an integration; clients never see that part. Pressing
//! one (DoPostAction) sends the integration the user, channel and post with the action's
//! context; its answer may update the post and show the user an ephemeral text. Actions of
//! posts that are not stored (ephemeral ones) carry a cookie sealed with the server's key
//! instead. An integration given a trigger id may open a dialog for that user, whose
//! submission goes to the integration's URL.

use super::webhooks::slack_text;
use super::{channels, outbound, posts, teams, users};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::store::entity::post;
use axum::http::StatusCode;
use base64::Engine;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde_json::{Map, Value, json};
use std::time::Duration;

pub mod ids {
    pub const INTEGRATION: &str = "api.post.do_action.action_integration.app_error";
    pub const ACTION_ID: &str = "api.post.do_action.action_id.app_error";
}

/// The props Mattermost carries over when an integration's answer replaces a post's.
const RETAINED: [&str; 3] = ["from_webhook", "override_username", "override_icon_url"];

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ids::INTEGRATION,
        "The action's integration failed.",
    )
    .detail(detail.into())
}

/// Every action of the attachments in `props`, mutably.
fn actions_mut(props: &mut Map<String, Value>) -> impl Iterator<Item = &mut Map<String, Value>> {
    props
        .get_mut("attachments")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get_mut("actions").and_then(Value::as_array_mut))
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// `props` with an id on every action that has none (Mattermost's GenerateActionIds).
pub fn with_ids(mut props: Map<String, Value>) -> Map<String, Value> {
    for action in actions_mut(&mut props) {
        let missing = action
            .get("id")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if missing {
            action.insert("id".to_owned(), new_id().into());
        }
    }
    props
}

/// `props` as clients see them: no action shows its integration.
pub fn stripped(mut props: Map<String, Value>) -> Map<String, Value> {
    for action in actions_mut(&mut props) {
        action.remove("integration");
    }
    props
}

fn cookie_key(caller: &Caller) -> Result<LessSafeKey, ApiError> {
    let key = UnboundKey::new(&AES_256_GCM, &caller.state.facts().action_cookie_key)
        .map_err(|_| ApiError::internal("the action cookie key"))?;
    Ok(LessSafeKey::new(key))
}

fn seal(caller: &Caller, plain: &str) -> Result<String, ApiError> {
    let mut nonce = [0u8; NONCE_LEN];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
        .map_err(|_| ApiError::internal("no randomness for a cookie"))?;
    let mut sealed = plain.as_bytes().to_vec();
    cookie_key(caller)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut sealed,
        )
        .map_err(|_| ApiError::internal("sealing a cookie"))?;
    let mut whole = nonce.to_vec();
    whole.extend_from_slice(&sealed);
    Ok(base64::engine::general_purpose::STANDARD.encode(whole))
}

fn open(caller: &Caller, cookie: &str) -> Result<Cookie, ApiError> {
    let whole = base64::engine::general_purpose::STANDARD
        .decode(cookie)
        .map_err(|_| bad("the cookie is not base64"))?;
    if whole.len() < NONCE_LEN {
        return Err(bad("the cookie is too short"));
    }
    let (nonce, sealed) = whole.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| bad("the cookie's nonce"))?;
    let mut sealed = sealed.to_vec();
    let plain = cookie_key(caller)?
        .open_in_place(nonce, Aad::empty(), &mut sealed)
        .map_err(|_| bad("the cookie was not sealed here"))?;
    serde_json::from_slice(plain).map_err(|e| bad(e.to_string()))
}

/// What a sealed cookie says of an action (Mattermost's PostActionCookie).
#[derive(Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct Cookie {
    #[serde(rename = "type")]
    action_type: String,
    post_id: String,
    root_post_id: String,
    channel_id: String,
    data_source: String,
    integration: Option<Map<String, Value>>,
    retain_props: Map<String, Value>,
    remove_props: Vec<String>,
}

/// The props a post's integration answer keeps, and those it loses.
fn retained(props: &Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
    let mut keep = Map::new();
    let mut drop = Vec::new();
    for key in RETAINED {
        match props.get(key) {
            Some(v) => {
                keep.insert(key.to_owned(), v.clone());
            }
            None => drop.push(key.to_owned()),
        }
    }
    (keep, drop)
}

/// `props` of a post that is not stored (an ephemeral one) with a sealed cookie on every
/// action, so that pressing it can reach its integration.
pub fn with_cookies(caller: &Caller, row: &post::Model) -> Result<post::Model, ApiError> {
    let mut props: Map<String, Value> = serde_json::from_str(&row.props).unwrap_or_default();
    let (keep, drop) = retained(&props);
    let root = if row.root_id.is_empty() {
        row.id.clone()
    } else {
        row.root_id.clone()
    };
    for action in actions_mut(&mut props) {
        let text = |k: &str| {
            action
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let cookie = Cookie {
            action_type: text("type"),
            post_id: row.id.clone(),
            root_post_id: root.clone(),
            channel_id: row.channel_id.clone(),
            data_source: text("data_source"),
            integration: action
                .get("integration")
                .and_then(Value::as_object)
                .cloned(),
            retain_props: keep.clone(),
            remove_props: drop.clone(),
        };
        let plain = serde_json::to_string(&cookie).map_err(ApiError::internal)?;
        action.insert("cookie".to_owned(), seal(caller, &plain)?.into());
    }
    let mut row = row.clone();
    row.props = Value::Object(props).to_string();
    Ok(row)
}

/// The channel a cookie names (checked by the handler for read_channel_content).
pub fn cookie_channel(caller: &Caller, cookie: &str) -> Result<String, ApiError> {
    Ok(open(caller, cookie)?.channel_id)
}

/// What a pressed action is about, from its stored post or its cookie.
struct Pressed {
    channel_id: String,
    action_type: String,
    data_source: String,
    url: String,
    context: Map<String, Value>,
    root_id: String,
    retain: Map<String, Value>,
    remove: Vec<String>,
    original: Option<post::Model>,
}

async fn pressed(
    caller: &Caller,
    post_id: &str,
    action_id: &str,
    cookie: Option<&str>,
) -> Result<Pressed, ApiError> {
    let found = posts::get(caller.state.db(), post_id).await.ok();
    if let Some(p) = found.filter(|p| p.delete_at == 0) {
        let props: Map<String, Value> = serde_json::from_str(&p.props).unwrap_or_default();
        let mut all = props.clone();
        let action = actions_mut(&mut all)
            .find(|a| a.get("id").and_then(Value::as_str) == Some(action_id))
            .map(|a| a.clone());
        let Some(action) = action.filter(|a| a.get("integration").is_some_and(Value::is_object))
        else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                ids::ACTION_ID,
                "The post has no such action.",
            ));
        };
        let integration = action
            .get("integration")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let text = |k: &str| {
            action
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (retain, remove) = retained(&props);
        return Ok(Pressed {
            channel_id: p.channel_id.clone(),
            action_type: text("type"),
            data_source: text("data_source"),
            url: integration
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            context: integration
                .get("context")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            root_id: if p.root_id.is_empty() {
                p.id.clone()
            } else {
                p.root_id.clone()
            },
            retain,
            remove,
            original: Some(p),
        });
    }
    let Some(cookie) = cookie else {
        return Err(posts::not_found());
    };
    let c = open(caller, cookie)?;
    let integration = c
        .integration
        .ok_or_else(|| bad("no integration in the cookie"))?;
    if c.post_id != post_id {
        return Err(bad("the cookie is another post's"));
    }
    channels::get(caller.state.db(), &c.channel_id).await?;
    Ok(Pressed {
        channel_id: c.channel_id,
        action_type: c.action_type,
        data_source: c.data_source,
        url: integration
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        context: integration
            .get("context")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        root_id: c.root_post_id,
        retain: c.retain_props,
        remove: c.remove_props,
        original: None,
    })
}

fn timeout(caller: &Caller) -> Duration {
    outbound::integration_timeout(&caller.state.config())
}

/// POSTs `body` as JSON to an integration (Mattermost's DoActionRequest): through the
/// outbound guard; anything but a 200 is a 400. The answer's bytes (1 MB at most).
async fn request(caller: &Caller, url: &str, body: &Value) -> Result<Vec<u8>, ApiError> {
    let config = caller.state.config();
    let target = reqwest::Url::parse(url).map_err(|e| bad(e.to_string()))?;
    let client = outbound::guarded_client(&config, &target, timeout(caller))
        .await?
        .ok_or_else(|| bad(format!("{url} is not an address integrations may reach")))?;
    let response = client
        .post(target)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| bad(e.to_string()))?;
    let status = response.status();
    let bytes = outbound::read_capped(response, outbound::MAX_INTEGRATION_RESPONSE)
        .await
        .map_err(|e| bad(e.to_string()))?;
    if status != reqwest::StatusCode::OK {
        return Err(bad(format!("status={}", status.as_u16())));
    }
    Ok(bytes)
}

/// What an integration answers a pressed action.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct ActionAnswer {
    update: Option<Map<String, Value>>,
    ephemeral_text: String,
    skip_slack_parsing: bool,
}

/// DoPostAction: the integration of `action_id` told who pressed it where (with the
/// selected option of a menu); its answer may replace the post's message and props
/// (`post_edited`) and show the user an ephemeral text. The trigger id for a dialog.
pub async fn press(
    caller: &Caller,
    post_id: &str,
    action_id: &str,
    selected_option: &str,
    cookie: Option<&str>,
) -> Result<String, ApiError> {
    let user_id = caller.session()?.user_id.clone();
    let db = caller.state.db();
    let p = pressed(caller, post_id, action_id, cookie).await?;
    let user = users::get(db, &user_id).await?;
    let channel = channels::get(db, &p.channel_id).await?;
    let team_name = if channel.team_id.is_empty() {
        String::new()
    } else {
        teams::get(db, &channel.team_id).await?.name
    };
    let mut context = p.context.clone();
    if p.action_type == "select" && !selected_option.is_empty() {
        context.insert("selected_option".to_owned(), selected_option.into());
    }
    let (client_trigger_id, trigger_id) = super::trigger_ids::generate(caller, &user_id)?;
    let mut request_body = json!({
        "user_id": user_id,
        "user_name": user.username,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "team_id": channel.team_id,
        "team_domain": team_name,
        "post_id": post_id,
        "trigger_id": trigger_id,
        "type": p.action_type,
        "data_source": if p.action_type == "select" && !selected_option.is_empty() {
            p.data_source.clone()
        } else {
            String::new()
        },
    });
    if !context.is_empty() {
        request_body["context"] = Value::Object(context);
    }
    let bytes = request(caller, &p.url, &request_body).await?;
    let answer: ActionAnswer = if bytes.is_empty() {
        ActionAnswer::default()
    } else {
        serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?
    };
    if let (Some(update), Some(original)) = (answer.update, p.original.clone()) {
        replace_post(caller, original, update, &p).await?;
    }
    if !answer.ephemeral_text.is_empty() {
        let message = if answer.skip_slack_parsing {
            answer.ephemeral_text
        } else {
            slack_text(&answer.ephemeral_text)
        };
        let shown = super::ephemeral::Ephemeral {
            author: user_id.clone(),
            channel_id: p.channel_id.clone(),
            root_id: p.root_id.clone(),
            message,
            props: p.retain.clone(),
        };
        super::ephemeral::ephemeral(caller, &user_id, shown);
    }
    Ok(client_trigger_id)
}

/// The post as the integration's `update` has it (message, and props but for those kept
/// or dropped as Mattermost does; the original props when it sends none).
async fn replace_post(
    caller: &Caller,
    mut original: post::Model,
    update: Map<String, Value>,
    p: &Pressed,
) -> Result<(), ApiError> {
    let message = update
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if message != original.message {
        original.message = message;
        original.edit_at = crate::ids::now_millis();
    }
    if let Some(props) = update.get("props").and_then(Value::as_object) {
        let mut props = props.clone();
        props.extend(p.retain.clone());
        for key in &p.remove {
            props.remove(key);
        }
        original.props = Value::Object(with_ids(props)).to_string();
    }
    let db = caller.state.db();
    let saved = posts::save(db, original).await?;
    let shown = posts::to_api_one(db, &saved).await?;
    caller
        .state
        .events()
        .publish(super::events::post_edited(&saved.channel_id, &shown));
    Ok(())
}

/// OpenInteractiveDialog: the trigger id's user (within the integration timeout) gets
/// `open_dialog` with the request, the trigger id replaced by the client's.
pub fn open_dialog(caller: &Caller, mut request: Map<String, Value>) -> Result<(), ApiError> {
    let trigger_id = request
        .get("trigger_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let max_age = i64::try_from(timeout(caller).as_millis()).unwrap_or(i64::MAX);
    let (client_id, user_id) = super::trigger_ids::verify(caller, &trigger_id, max_age)?;
    request.insert("trigger_id".to_owned(), client_id.into());
    let event = super::events::Event::new("open_dialog", super::events::Broadcast::user(&user_id))
        .with_json("dialog", &request);
    caller.state.events().publish(event);
    Ok(())
}

/// SubmitInteractiveDialog: the submission (as `dialog_submission`, by the caller) sent to
/// the dialog's URL; what it answers (`error`, `errors` per field) handed back.
pub async fn submit_dialog(
    caller: &Caller,
    url: &str,
    mut submission: Map<String, Value>,
) -> Result<Value, ApiError> {
    submission.remove("url");
    submission.insert("type".to_owned(), "dialog_submission".into());
    submission.insert(
        "user_id".to_owned(),
        caller.session()?.user_id.clone().into(),
    );
    let bytes = request(caller, url, &Value::Object(submission)).await?;
    // An empty or unreadable answer is no error, as in Mattermost.
    let answer: Map<String, Value> = serde_json::from_slice(&bytes).unwrap_or_default();
    let mut shown = Map::new();
    if let Some(error) = answer
        .get("error")
        .filter(|e| e.as_str().is_some_and(|s| !s.is_empty()))
    {
        shown.insert("error".to_owned(), error.clone());
    }
    if let Some(errors) = answer
        .get("errors")
        .filter(|e| e.as_object().is_some_and(|m| !m.is_empty()))
    {
        shown.insert("errors".to_owned(), errors.clone());
    }
    Ok(Value::Object(shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_get_ids_and_lose_their_integration() {
        let props = json!({"attachments": [{"actions": [
            {"name": "Go", "integration": {"url": "http://x"}},
            {"id": "keep", "name": "Stay"}
        ]}]});
        let props = with_ids(props.as_object().unwrap().clone());
        let actions = &props["attachments"][0]["actions"];
        assert_eq!(actions[0]["id"].as_str().map(str::len), Some(26));
        assert_eq!(actions[1]["id"], "keep");
        let shown = stripped(props);
        assert!(
            shown["attachments"][0]["actions"][0]
                .get("integration")
                .is_none()
        );
    }
}
