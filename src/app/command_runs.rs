//! Running a custom slash command: its integration called with Mattermost's form fields
//! (behind the outbound guard), and what a command answers (now, or later through its
//! response URL) turned into posts or ephemeral messages, as Mattermost's
//! HandleCommandResponse.

use super::commands::{enabled, ids};
use super::webhooks::{acting_for, slack_attachments, slack_text};
use super::{channels, outbound, outgoing_oauth, posting, teams, users};
use crate::auth::Caller;
use crate::contract::types;
use crate::error::ApiError;
use crate::ids::{is_valid_id, new_id, now_millis};
use crate::store::entity::{command, command_webhook as response_url};
use axum::http::StatusCode;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Map, Value};

/// A response URL takes answers this long (Mattermost's CommandWebhookLifetime) ...
const RESPONSE_URL_MILLIS: i64 = 30 * 60 * 1000;
/// ... and this many of them.
const RESPONSE_URL_USES: i32 = 5;

fn invalid(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message)
}

/// What a command was typed with, as ExecuteCommand checked it.
#[derive(Clone)]
pub struct Args {
    pub user_id: String,
    pub channel_id: String,
    pub team_id: String,
    pub root_id: String,
    pub site_url: String,
}

/// What a command answers (Mattermost's CommandResponse).
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Response {
    pub response_type: String,
    pub text: String,
    pub username: String,
    pub channel_id: String,
    pub icon_url: String,
    #[serde(rename = "type")]
    pub post_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub props: Option<Map<String, Value>>,
    pub goto_location: String,
    pub trigger_id: String,
    pub skip_slack_parsing: bool,
    pub attachments: Option<Vec<Value>>,
    pub extra_responses: Option<Vec<Response>>,
}

impl Response {
    /// An ephemeral text for the user who typed the command.
    pub fn ephemeral(text: impl Into<String>) -> Self {
        Response {
            response_type: "ephemeral".to_owned(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// A text posted in the channel as the user.
    pub fn in_channel(text: impl Into<String>) -> Self {
        Response {
            response_type: "in_channel".to_owned(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// A place for the client to go.
    pub fn go_to(location: impl Into<String>) -> Self {
        Response {
            goto_location: location.into(),
            ..Default::default()
        }
    }

    /// Read as Mattermost's CommandResponseFromHTTPBody: JSON when the type says so,
    /// else the whole body is the text.
    pub fn from_body(content_type: &str, body: &[u8]) -> Result<Self, serde_json::Error> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        if media.eq_ignore_ascii_case("application/json") {
            serde_json::from_slice(body)
        } else {
            Ok(Response {
                text: String::from_utf8_lossy(body).into_owned(),
                ..Default::default()
            })
        }
    }

    pub fn to_api(&self) -> Result<types::CommandResponse, ApiError> {
        let value = serde_json::to_value(self).map_err(ApiError::internal)?;
        serde_json::from_value(value).map_err(ApiError::internal)
    }
}

/// Where a command's posts come from: the custom command's own name and icon (empty for a
/// built-in one).
#[derive(Default, Clone)]
pub struct Source {
    pub username: String,
    pub icon_url: String,
    pub built_in: bool,
}

impl Source {
    pub fn of(c: &command::Model) -> Self {
        Source {
            username: c.username.clone(),
            icon_url: c.icon_url.clone(),
            built_in: false,
        }
    }

    pub fn built_in() -> Self {
        Source {
            built_in: true,
            ..Default::default()
        }
    }
}

fn failed(trigger: &str, detail: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        ids::FAILED,
        format!("Command with a trigger of '{trigger}' failed."),
    )
    .detail(detail.to_string())
}

/// Calls a custom command's integration with Mattermost's fields (a form posted, or the
/// query of a GET) and reads its answer.
pub async fn call(
    caller: &Caller,
    cmd: &command::Model,
    args: &Args,
    message: &str,
    trigger_id: &str,
) -> Result<Response, ApiError> {
    enabled(caller)?;
    let db = caller.state.db();
    let team = teams::get(db, &cmd.team_id).await?;
    let channel = channels::get(db, &args.channel_id).await?;
    let user = users::get(db, &args.user_id).await?;
    let hook = response_url::Model {
        id: new_id(),
        create_at: now_millis(),
        command_id: cmd.id.clone(),
        user_id: args.user_id.clone(),
        channel_id: args.channel_id.clone(),
        root_id: args.root_id.clone(),
        use_count: 0,
    };
    // Response URLs past their 30 minutes go as new ones are made.
    response_url::Entity::delete_many()
        .filter(response_url::Column::CreateAt.lt(now_millis() - RESPONSE_URL_MILLIS))
        .exec(db)
        .await?;
    let hook = hook.into_active_model().insert(db).await?;
    let mentioned = mentions(caller, message, &team.id).await?;
    let response_url = format!("{}/hooks/commands/{}", args.site_url, hook.id);
    let form = {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("channel_id", &args.channel_id)
            .append_pair("channel_name", &channel.name)
            .append_pair("command", &format!("/{}", cmd.trigger))
            .append_pair("response_url", &response_url)
            .append_pair("team_domain", &team.name)
            .append_pair("team_id", &cmd.team_id)
            .append_pair("text", message)
            .append_pair("token", &cmd.token)
            .append_pair("trigger_id", trigger_id)
            .append_pair("user_id", &args.user_id)
            .append_pair("user_name", &user.username);
        for (key, value) in &mentioned {
            form.append_pair(key, value);
        }
        form.finish()
    };
    let config = caller.state.config();
    let mut target = reqwest::Url::parse(&cmd.url).map_err(|e| failed(&cmd.trigger, e))?;
    let Some(client) =
        outbound::guarded_client(&config, &target, outbound::integration_timeout(&config)).await?
    else {
        return Err(failed(
            &cmd.trigger,
            format!("{} is not an address integrations may reach", cmd.url),
        ));
    };
    let request = if cmd.method == "G" {
        let query = match target.query() {
            Some(q) if !q.is_empty() => format!("{q}&{form}"),
            _ => form,
        };
        target.set_query(Some(&query));
        client.get(target)
    } else {
        client
            .post(target)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
    };
    // A connection serving the URL replaces the command's token; one whose token cannot be
    // had leaves it (as Mattermost, which logs and goes on).
    let authorization = match outgoing_oauth::authorization_for(caller, &cmd.url).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(command_id = %cmd.id, error = %e.message, "outgoing oauth token");
            None
        }
    };
    let authorization = authorization.unwrap_or_else(|| format!("Token {}", cmd.token));
    let request = request
        .header("Accept", "application/json")
        .header("Authorization", authorization);
    let response = request.send().await.map_err(|e| failed(&cmd.trigger, e))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = outbound::read_capped(response, outbound::MAX_INTEGRATION_RESPONSE)
        .await
        .map_err(|e| failed(&cmd.trigger, e))?;
    if status != reqwest::StatusCode::OK {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ids::FAILED_RESPONSE,
            format!(
                "Command with a trigger of '{}' returned response {status}.",
                cmd.trigger
            ),
        )
        .detail(String::from_utf8_lossy(&body).into_owned()));
    }
    Response::from_body(&content_type, &body).map_err(|e| failed(&cmd.trigger, e))
}

/// The form fields naming the team members and public channels a message mentions
/// (Mattermost's `user_mentions`/`user_mentions_ids` and `channel_mentions`/
/// `channel_mentions_ids`).
async fn mentions(
    caller: &Caller,
    message: &str,
    team_id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let db = caller.state.db();
    let mut users_found: Vec<(String, String)> = Vec::new();
    for name in words_after(message, '@') {
        let mut name = name.to_lowercase();
        loop {
            if let Some(u) = users::find_by_username(db, &name).await? {
                if teams::active_member(db, team_id, &u.id).await?.is_some()
                    && !users_found.iter().any(|(n, _)| *n == name)
                {
                    users_found.push((name, u.id));
                }
                break;
            }
            match name.pop() {
                Some('.' | '-' | '_') if !name.is_empty() => {}
                _ => break,
            }
        }
    }
    let mut channels_found: Vec<(String, String)> = Vec::new();
    for name in words_after(message, '~') {
        if let Ok(c) = channels::get_by_name(db, team_id, &name, false).await
            && c.channel_type == "O"
            && !channels_found.iter().any(|(n, _)| *n == name)
        {
            channels_found.push((name, c.id));
        }
    }
    let mut fields = Vec::new();
    for (key, found) in [
        ("user_mentions", users_found),
        ("channel_mentions", channels_found),
    ] {
        if found.is_empty() {
            continue;
        }
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        let ids: Vec<&str> = found.iter().map(|(_, i)| i.as_str()).collect();
        fields.push((key.to_owned(), names.join(",")));
        fields.push((format!("{key}_ids"), ids.join(",")));
    }
    Ok(fields)
}

/// The names after `sigil` at the start of a word: letters and digits, then `.-_:` too.
fn words_after(message: &str, sigil: char) -> Vec<String> {
    let mut found = Vec::new();
    let mut previous: Option<char> = None;
    for (i, c) in message.char_indices() {
        let starts_word = previous.is_none_or(|p| !p.is_alphanumeric() && p != '_');
        previous = Some(c);
        if c != sigil || !starts_word {
            continue;
        }
        let rest = &message[i + c.len_utf8()..];
        if !rest.chars().next().is_some_and(char::is_alphanumeric) {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
            .collect();
        if !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

/// Acts on a command's answer as Mattermost's HandleCommandResponse: the answer and each
/// of its `extra_responses` posted (in the channel) or shown (ephemeral); a failure of any
/// is a 500 once all were tried.
pub async fn handle(
    caller: &Caller,
    source: &Source,
    args: &Args,
    response: &Response,
    trigger: &str,
) -> Result<(), ApiError> {
    let mut failed = false;
    let extra = response.extra_responses.iter().flatten();
    for one in std::iter::once(response).chain(extra) {
        if let Err(e) = handle_one(caller, source, args, one).await {
            tracing::debug!(error = %e.message, "a command's answer was not posted");
            failed = true;
        }
    }
    if failed {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ids::POST_FAILED,
            format!("Command '{trigger}' created a post that could not be saved."),
        ));
    }
    Ok(())
}

async fn handle_one(
    caller: &Caller,
    source: &Source,
    args: &Args,
    response: &Response,
) -> Result<(), ApiError> {
    let settings = caller.state.config().service_settings.clone();
    let db = caller.state.db();
    let mut channel_id = args.channel_id.clone();
    if !response.channel_id.is_empty() {
        if channels::member(db, &response.channel_id, &args.user_id)
            .await?
            .is_none()
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ids::POST_FORBIDDEN,
                "The command's answer names a channel its user is not in.",
            ));
        }
        channel_id.clone_from(&response.channel_id);
    }
    let mut props = response.props.clone().unwrap_or_default();
    let mut from_bot = !source.built_in;
    if settings.enable_post_username_override {
        let name = [&source.username, &response.username]
            .into_iter()
            .find(|n| !n.is_empty());
        if let Some(name) = name {
            props.insert("override_username".to_owned(), name.clone().into());
            from_bot = true;
        }
    }
    if settings.enable_post_icon_override {
        let icon = [&source.icon_url, &response.icon_url]
            .into_iter()
            .find(|n| !n.is_empty());
        props.insert(
            "override_icon_url".to_owned(),
            icon.cloned().unwrap_or_default().into(),
        );
        from_bot |= icon.is_some();
    }
    if from_bot {
        props.insert("from_webhook".to_owned(), "true".into());
    }
    let (text, attachments) = if response.skip_slack_parsing {
        (response.text.clone(), response.attachments.clone())
    } else {
        (
            slack_text(&response.text),
            response.attachments.clone().map(slack_attachments),
        )
    };
    if response.post_type.starts_with("system_") {
        return Err(ApiError::invalid_param("post.type"));
    }
    let mut post_type = response.post_type.clone();
    if let Some(list) = &attachments {
        props.insert("attachments".to_owned(), Value::Array(list.clone()));
        post_type = "slack_attachment".to_owned();
    }
    let acting = acting_for(caller, &users::get(db, &args.user_id).await?);
    match response.response_type.as_str() {
        "in_channel" => {
            let new = posting::NewPost {
                user_id: args.user_id.clone(),
                root_id: args.root_id.clone(),
                message: text,
                props,
                file_ids: Vec::new(),
                pending_post_id: String::new(),
                post_type,
            };
            posting::create_trusted(&acting, channel_id, new).await?;
        }
        "" | "ephemeral" if !text.is_empty() || attachments.is_some() => {
            let shown = super::ephemeral::Ephemeral {
                author: args.user_id.clone(),
                channel_id,
                root_id: args.root_id.clone(),
                message: text,
                props,
            };
            super::ephemeral::ephemeral(caller, &args.user_id, shown);
        }
        _ => {}
    }
    Ok(())
}

/// A later answer through a response URL (`POST /hooks/commands/{id}`): within 30 minutes
/// of the call, five at most, in the channel and thread the command was typed in.
pub async fn answer_later(caller: &Caller, id: &str, response: Response) -> Result<(), ApiError> {
    let db = caller.state.db();
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ids::URL_MISSING,
            "Unable to find the command's response URL.",
        )
    };
    if !is_valid_id(id) {
        return Err(missing());
    }
    let hook = response_url::Entity::find_by_id(id.to_owned())
        .filter(response_url::Column::CreateAt.gt(now_millis() - RESPONSE_URL_MILLIS))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let cmd = command::Entity::find_by_id(hook.command_id.clone())
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "web.command_webhook.command.app_error",
                "The command of this response URL is gone.",
            )
        })?;
    // One use counted whatever else answers at the same moment.
    let used = response_url::Entity::update_many()
        .col_expr(
            response_url::Column::UseCount,
            Expr::col(response_url::Column::UseCount).add(1),
        )
        .filter(response_url::Column::Id.eq(&hook.id))
        .filter(response_url::Column::UseCount.lt(RESPONSE_URL_USES))
        .exec(db)
        .await?;
    if used.rows_affected == 0 {
        return Err(invalid(
            ids::URL_USED,
            "This response URL has been used five times.",
        ));
    }
    let args = Args {
        user_id: hook.user_id,
        channel_id: hook.channel_id,
        team_id: cmd.team_id.clone(),
        root_id: hook.root_id,
        site_url: String::new(),
    };
    handle(caller, &Source::of(&cmd), &args, &response, &cmd.trigger).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mention_words() {
        assert_eq!(
            words_after("hi @alice, @bob.smith. and mail@example.com @", '@'),
            ["alice", "bob.smith."]
        );
        assert_eq!(words_after("join ~town-square now", '~'), ["town-square"]);
    }

    #[test]
    fn plain_text_answers() {
        let r = Response::from_body("text/plain", b"hello").unwrap();
        assert_eq!(r.text, "hello");
        let r = Response::from_body(
            "application/json; charset=utf-8",
            br#"{"response_type":"in_channel","text":"hi","extra_responses":[{"text":"more"}]}"#,
        )
        .unwrap();
        assert_eq!(r.response_type, "in_channel");
        assert_eq!(r.extra_responses.unwrap()[0].text, "more");
        assert!(Response::from_body("application/json", b"{").is_err());
    }
}
