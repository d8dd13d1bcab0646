//! Outgoing webhooks: managing them (who may, where, clashes), and a post reaching an
//! integration that this test runs (form or JSON, the token and trigger word) whose answer
//! is posted back; what does not trigger; and the outbound guard (a private address not
//! trusted, a redirect not followed).

use crate::common::{
    Account, TestServer, assert_fails, eventually, make_channel, make_team, trusting_loopback,
};
use crate::websocket::join_team;
use axum::extract::State;
use axum::response::IntoResponse;
use ferromost_client::types;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const FORBIDDEN: &str = "api.context.permissions.app_error";

/// What the integration received: content type and body.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A small HTTP integration on loopback: `/answer` answers `reply` (JSON), `/redirect`
/// sends the caller to `/answer`.
async fn integration(reply: Value) -> (String, Received) {
    let received: Received = Arc::default();
    let record = |received: Received, reply: Value| {
        move |headers: axum::http::HeaderMap, body: String| {
            let received = received.clone();
            let reply = reply.clone();
            async move {
                let kind = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                received.lock().unwrap().push((kind, body));
                axum::Json(reply)
            }
        }
    };
    let app = axum::Router::new()
        .route(
            "/answer",
            axum::routing::post(record(received.clone(), reply)),
        )
        .route(
            "/redirect",
            axum::routing::post(|State(()): State<()>| async {
                axum::response::Redirect::temporary("/answer").into_response()
            }),
        )
        .with_state(());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, received)
}

fn hook(
    team: &str,
    channel: Option<&str>,
    words: &[&str],
    url: &str,
) -> types::CreateOutgoingWebhookBody {
    types::CreateOutgoingWebhookBody {
        team_id: team.to_owned(),
        channel_id: channel.map(str::to_owned),
        creator_id: None,
        description: None,
        display_name: Some("Builder".into()),
        trigger_words: words.iter().map(|w| (*w).to_owned()).collect(),
        trigger_when: None,
        callback_urls: vec![url.to_owned()],
        content_type: String::new(),
        username: None,
        icon_url: None,
    }
}

async fn post(by: &Account, channel: &str, message: &str) -> Value {
    let created = by
        .client
        .create_post(
            None,
            &types::CreatePostBody {
                channel_id: channel.to_owned(),
                message: message.into(),
                root_id: None,
                file_ids: Vec::new(),
                metadata: None,
                props: serde_json::Map::new(),
                pending_post_id: None,
            },
        )
        .await
        .unwrap()
        .into_inner();
    serde_json::to_value(created).unwrap()
}

async fn messages(admin: &Account, channel: &str) -> Vec<(String, Value, String)> {
    let list = admin
        .client
        .get_posts_for_channel(channel, None, None, None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    list.order
        .iter()
        .map(|id| {
            let p = &list.posts[id];
            (
                p.message.clone().unwrap_or_default(),
                serde_json::to_value(&p.props).unwrap(),
                p.root_id.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn managing_outgoing_webhooks() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let team = make_team(&admin, "outhooks", "O").await;
    join_team(&admin, &team, &member).await;
    let channel = make_channel(&admin, &team, "builds", "O").await;
    let private = make_channel(&admin, &team, "secret", "P").await;
    let url = "https://ci.example.com/hook";
    // Team users may not (team and system admins may).
    assert_fails(
        member
            .client
            .create_outgoing_webhook(&hook(&team, None, &["build"], url))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let made = admin
        .client
        .create_outgoing_webhook(&hook(&team, None, &["build"], url))
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made = made.into_inner();
    assert_eq!(made.token.as_ref().map(String::len), Some(26));
    assert_eq!(made.content_type, "application/x-www-form-urlencoded");
    let id = made.id.clone().unwrap();
    // Refused: a private channel, nothing to trigger on, a clash, a bad URL.
    assert_fails(
        admin
            .client
            .create_outgoing_webhook(&hook(&team, Some(&private), &[], url))
            .await,
        403,
        "api.webhook.create_outgoing.not_open.app_error",
    )
    .await;
    assert_fails(
        admin
            .client
            .create_outgoing_webhook(&hook(&team, None, &[], url))
            .await,
        400,
        "api.webhook.create_outgoing.triggers.app_error",
    )
    .await;
    assert_fails(
        admin
            .client
            .create_outgoing_webhook(&hook(&team, None, &["build", "ship"], url))
            .await,
        400,
        "api.webhook.create_outgoing.intersect.app_error",
    )
    .await;
    assert_fails(
        admin
            .client
            .create_outgoing_webhook(&hook(&team, None, &["x"], "ftp://example.com"))
            .await,
        400,
        "model.outgoing_hook.is_valid.url.app_error",
    )
    .await;
    admin
        .client
        .create_outgoing_webhook(&hook(&team, Some(&channel), &[], url))
        .await
        .unwrap();
    // Listing by team and channel; the member sees nothing and may not list.
    let listed = admin
        .client
        .get_outgoing_webhooks(Some(&channel), None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 1);
    let listed = admin
        .client
        .get_outgoing_webhooks(None, None, None, Some(&team))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 2);
    assert_fails(
        member
            .client
            .get_outgoing_webhooks(None, None, None, Some(&team))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        member.client.get_outgoing_webhook(&id).await,
        403,
        FORBIDDEN,
    )
    .await;
    // A new token; an update; a deletion.
    let regenerated = admin
        .client
        .regen_outgoing_hook_token(&id)
        .await
        .unwrap()
        .into_inner();
    assert_ne!(regenerated.token, made.token);
    let update = types::UpdateOutgoingWebhookBody {
        id: id.clone(),
        channel_id: None,
        team_id: None,
        display_name: Some("Shipper".into()),
        description: None,
        trigger_words: vec!["ship".into()],
        trigger_when: Some(1),
        callback_urls: vec![url.into()],
        content_type: Some("application/json".into()),
        username: None,
        icon_url: None,
    };
    let updated = admin
        .client
        .update_outgoing_webhook(&id, &update)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            updated.display_name.as_deref(),
            updated.trigger_when,
            updated.content_type.as_str()
        ),
        (Some("Shipper"), Some(1), "application/json")
    );
    admin.client.delete_outgoing_webhook(&id).await.unwrap();
    assert_fails(
        admin.client.get_outgoing_webhook(&id).await,
        404,
        "app.webhooks.get_outgoing.app_error",
    )
    .await;
    server.configure(|c| c.service_settings.enable_outgoing_webhooks = false);
    assert_fails(
        admin
            .client
            .get_outgoing_webhooks(None, None, None, None)
            .await,
        501,
        "api.outgoing_webhook.disabled.app_error",
    )
    .await;
}

#[tokio::test]
async fn posts_reach_the_integration_and_its_answer_is_posted() {
    let server = TestServer::start_with(trusting_loopback).await;
    let admin = server.admin().await;
    let member = server.user(&admin, "poster").await;
    let team = make_team(&admin, "triggering", "O").await;
    join_team(&admin, &team, &member).await;
    let channel = make_channel(&admin, &team, "ops", "O").await;
    crate::websocket::join_channel(&admin, &channel, &member).await;
    let (base, received) = integration(
        json!({"text": "on it", "response_type": "comment", "props": {"source": "ci"}}),
    )
    .await;
    let made = admin
        .client
        .create_outgoing_webhook(&hook(&team, None, &["build"], &format!("{base}/answer")))
        .await
        .unwrap()
        .into_inner();
    // Not the trigger word exactly: nothing is sent.
    post(&member, &channel, "buildings are tall").await;
    // The trigger word: the integration gets a form with the token and the word, and its
    // answer is posted in the thread as the hook's creator.
    let root = post(&member, &channel, "build main please").await;
    let answered = eventually(|| async {
        messages(&admin, &channel)
            .await
            .iter()
            .any(|(m, _, _)| m == "on it")
    })
    .await;
    assert!(answered, "the integration's answer was posted");
    let calls = received.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let (kind, body) = &calls[0];
    assert_eq!(kind, "application/x-www-form-urlencoded");
    let form: std::collections::HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(form["token"], made.token.clone().unwrap());
    assert_eq!(form["trigger_word"], "build");
    assert_eq!(form["text"], "build main please");
    assert_eq!(form["user_name"], "poster");
    let answer = messages(&admin, &channel)
        .await
        .into_iter()
        .find(|(m, _, _)| m == "on it")
        .unwrap();
    assert_eq!(answer.1["from_webhook"], "true");
    assert_eq!(answer.1["source"], "ci");
    assert_eq!(
        answer.2,
        root["id"].as_str().unwrap(),
        "a comment goes in the thread"
    );
    // JSON, and trigger words that start the first word.
    let update = types::UpdateOutgoingWebhookBody {
        id: made.id.clone().unwrap(),
        channel_id: None,
        team_id: None,
        display_name: Some("Builder".into()),
        description: None,
        trigger_words: vec!["dep".into()],
        trigger_when: Some(1),
        callback_urls: vec![format!("{base}/answer")],
        content_type: Some("application/json".into()),
        username: None,
        icon_url: None,
    };
    admin
        .client
        .update_outgoing_webhook(made.id.as_deref().unwrap(), &update)
        .await
        .unwrap();
    post(&member, &channel, "deploy now").await;
    let twice = eventually(|| async { received.lock().unwrap().len() == 2 }).await;
    assert!(twice, "the second call arrived");
    let (kind, body) = received.lock().unwrap()[1].clone();
    assert_eq!(kind, "application/json");
    let sent: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (sent["trigger_word"].as_str(), sent["text"].as_str()),
        (Some("dep"), Some("deploy now"))
    );
    // A private channel's posts are never sent.
    let private = make_channel(&admin, &team, "quiet", "P").await;
    post(&admin, &private, "deploy secretly").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_outbound_guard() {
    // Loopback is not trusted here: the integration on it is never reached.
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let team = make_team(&admin, "guarded", "O").await;
    let channel = make_channel(&admin, &team, "ops", "O").await;
    let (base, received) = integration(json!({"text": "should not appear"})).await;
    admin
        .client
        .create_outgoing_webhook(&hook(&team, Some(&channel), &[], &format!("{base}/answer")))
        .await
        .unwrap();
    post(&admin, &channel, "hello").await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(
        received.lock().unwrap().is_empty(),
        "a private address is refused"
    );
    // Trusted, but reached through a redirect: the redirect is not followed.
    server.configure(trusting_loopback);
    let other = make_channel(&admin, &team, "redirected", "O").await;
    admin
        .client
        .create_outgoing_webhook(&hook(&team, Some(&other), &[], &format!("{base}/redirect")))
        .await
        .unwrap();
    post(&admin, &other, "hello again").await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(
        received.lock().unwrap().is_empty(),
        "the redirect was not followed"
    );
    assert!(
        !messages(&admin, &other)
            .await
            .iter()
            .any(|(m, _, _)| m == "should not appear")
    );
}
