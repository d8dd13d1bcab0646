//! Interactive messages and dialogs: buttons and menus of a post's attachments get ids and
//! lose their integration on the way to clients; pressing one reaches the integration this
//! test runs (user, channel, context, selected option, a trigger id), whose answer updates
//! the post and shows an ephemeral text; an ephemeral post's buttons work through their
//! sealed cookie; a dialog opened with the trigger id reaches its user only; a submission
//! reaches the integration and its errors come back; the forbidden paths.

use crate::common::{
    Account, TestServer, assert_fails, make_channel, make_team, trusting_loopback,
};
use crate::websocket::{connect, events_until_pong, expect_hello, join_team, named};
use ferromost_client::types;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const FORBIDDEN: &str = "api.context.permissions.app_error";

type Received = Arc<Mutex<Vec<Value>>>;

/// An integration on loopback: `/press` answers `reply`, `/submit` answers field errors,
/// `/broken` a 500.
async fn integration(reply: Value) -> (String, Received) {
    let received: Received = Arc::default();
    let record = |received: Received, reply: Value| {
        move |axum::Json(body): axum::Json<Value>| {
            let received = received.clone();
            let reply = reply.clone();
            async move {
                received.lock().unwrap().push(body);
                axum::Json(reply)
            }
        }
    };
    let app = axum::Router::new()
        .route(
            "/press",
            axum::routing::post(record(received.clone(), reply)),
        )
        .route(
            "/submit",
            axum::routing::post(record(
                received.clone(),
                json!({"errors": {"name": "A name is needed."}}),
            )),
        )
        .route(
            "/broken",
            axum::routing::post(|| async { axum::http::StatusCode::INTERNAL_SERVER_ERROR }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, received)
}

fn buttons(base: &str) -> serde_json::Map<String, Value> {
    json!({"attachments": [{"text": "Deploy?", "actions": [
        {"name": "Ship it", "type": "button",
         "integration": {"url": format!("{base}/press"), "context": {"build": 42}}},
        {"name": "Pick", "type": "select", "options": [{"text": "A", "value": "a"}],
         "integration": {"url": format!("{base}/press"), "context": {"menu": true}}},
        {"name": "Broken", "type": "button", "integration": {"url": format!("{base}/broken")}}
    ]}]})
    .as_object()
    .unwrap()
    .clone()
}

async fn post_with(by: &Account, channel: &str, props: serde_json::Map<String, Value>) -> Value {
    let body = types::CreatePostBody {
        channel_id: channel.to_owned(),
        message: "a message with buttons".into(),
        root_id: None,
        file_ids: Vec::new(),
        metadata: None,
        props,
        pending_post_id: None,
    };
    let made = by
        .client
        .create_post(None, &body)
        .await
        .unwrap()
        .into_inner();
    serde_json::to_value(made).unwrap()
}

async fn press(
    by: &Account,
    post: &str,
    action: &str,
    body: Value,
) -> Result<
    ferromost_client::ResponseValue<types::DoPostActionResponse>,
    ferromost_client::Error<types::AppError>,
> {
    let body: types::DoPostActionBody = serde_json::from_value(body).unwrap();
    by.client.do_post_action(post, action, &body).await
}

#[tokio::test]
async fn pressing_buttons_and_menus() {
    let server = TestServer::start_with(trusting_loopback).await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "actions", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &outsider).await;
    let channel = make_channel(&admin, &team, "deploys", "P").await;
    admin
        .client
        .add_channel_member(
            &channel,
            &serde_json::from_value(json!({"user_id": member.id()})).unwrap(),
        )
        .await
        .unwrap();
    let reply = json!({
        "update": {"message": "Shipped", "props": {"attachments": [{"text": "done"}]}},
        "ephemeral_text": "You shipped <https://example.com|it>",
    });
    let (base, received) = integration(reply).await;
    let made = post_with(&admin, &channel, buttons(&base)).await;
    let post_id = made["id"].as_str().unwrap().to_owned();
    // Ids given; the integration never shown.
    let actions = made["props"]["attachments"][0]["actions"]
        .as_array()
        .unwrap();
    assert!(
        actions
            .iter()
            .all(|a| a["id"].as_str().map(str::len) == Some(26))
    );
    assert!(actions.iter().all(|a| a.get("integration").is_none()));
    let fetched = admin
        .client
        .get_post(&post_id, None)
        .await
        .unwrap()
        .into_inner();
    let fetched = serde_json::to_value(fetched).unwrap();
    assert!(
        fetched["props"]["attachments"][0]["actions"][0]
            .get("integration")
            .is_none()
    );
    let button = actions[0]["id"].as_str().unwrap().to_owned();
    let menu = actions[1]["id"].as_str().unwrap().to_owned();
    let broken = actions[2]["id"].as_str().unwrap().to_owned();
    // Someone who cannot read the channel may not press; an unknown action is 404.
    assert_fails(
        press(&outsider, &post_id, &button, json!({})).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        press(&member, &post_id, &"x".repeat(26), json!({})).await,
        404,
        "api.post.do_action.action_id.app_error",
    )
    .await;
    // The member presses the menu, then the button.
    let mut socket = connect(&server, &member).await;
    expect_hello(&mut socket, member.id()).await;
    let answered = press(&member, &post_id, &menu, json!({"selected_option": "a"}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answered.status.as_deref(), Some("OK"));
    assert_eq!(answered.trigger_id.as_ref().map(String::len), Some(26));
    let got = received.lock().unwrap()[0].clone();
    assert_eq!(got["user_name"], "member");
    assert_eq!(got["channel_name"], "deploys");
    assert_eq!(got["team_domain"], "actions");
    assert_eq!(got["post_id"], post_id);
    assert_eq!(got["type"], "select");
    assert_eq!(
        got["context"],
        json!({"menu": true, "selected_option": "a"})
    );
    assert!(!got["trigger_id"].as_str().unwrap().is_empty());
    // The answer replaced the post and showed the member an ephemeral text.
    let now = admin
        .client
        .get_post(&post_id, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now.message.as_deref(), Some("Shipped"));
    let heard = events_until_pong(&mut socket, 1).await;
    assert_eq!(named(&heard, "post_edited").len(), 1, "{heard:?}");
    let shown = named(&heard, "ephemeral_message");
    assert_eq!(shown.len(), 1, "{heard:?}");
    let ephemeral: Value =
        serde_json::from_str(shown[0]["data"]["post"].as_str().unwrap()).unwrap();
    assert_eq!(
        ephemeral["message"],
        "You shipped [it](https://example.com)"
    );
    // A broken integration: 400.
    let made = post_with(&admin, &channel, buttons(&base)).await;
    let fresh = made["id"].as_str().unwrap();
    let _ = (button, broken);
    let broken = made["props"]["attachments"][0]["actions"][2]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_fails(
        press(&member, fresh, &broken, json!({})).await,
        400,
        "api.post.do_action.action_integration.app_error",
    )
    .await;
}

#[tokio::test]
async fn ephemeral_buttons_work_through_their_cookie() {
    let server = TestServer::start_with(trusting_loopback).await;
    let admin = server.admin().await;
    let team = make_team(&admin, "cookies", "O").await;
    let channel = make_channel(&admin, &team, "deploys", "O").await;
    let (base, received) = integration(json!({"ephemeral_text": "ok"})).await;
    let body = types::CreatePostEphemeralBody {
        user_id: admin.id().to_owned(),
        post: types::CreatePostEphemeralBodyPost {
            channel_id: channel.clone(),
            message: "pick one".into(),
            root_id: None,
            props: buttons(&base),
        },
    };
    let sent = admin
        .client
        .create_post_ephemeral(&body)
        .await
        .unwrap()
        .into_inner();
    let sent = serde_json::to_value(sent).unwrap();
    let action = &sent["props"]["attachments"][0]["actions"][0];
    assert!(action.get("integration").is_none());
    let cookie = action["cookie"].as_str().unwrap().to_owned();
    let post_id = sent["id"].as_str().unwrap();
    let action_id = action["id"].as_str().unwrap();
    press(&admin, post_id, action_id, json!({"cookie": cookie}))
        .await
        .unwrap();
    assert_eq!(received.lock().unwrap()[0]["context"], json!({"build": 42}));
    // A cookie that was not sealed here, or another post's.
    assert_fails(
        press(
            &admin,
            post_id,
            action_id,
            json!({"cookie": "bm90IGEgY29va2ll"}),
        )
        .await,
        400,
        "api.post.do_action.action_integration.app_error",
    )
    .await;
    assert_fails(
        press(
            &admin,
            &"p".repeat(26),
            action_id,
            json!({"cookie": cookie}),
        )
        .await,
        400,
        "api.post.do_action.action_integration.app_error",
    )
    .await;
}

#[tokio::test]
async fn dialogs_open_for_their_user_and_submissions_reach_the_integration() {
    let server = TestServer::start_with(trusting_loopback).await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let other = server.user(&admin, "other").await;
    let team = make_team(&admin, "dialogs", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &other).await;
    let channel = make_channel(&admin, &team, "forms", "O").await;
    let (base, received) = integration(json!({})).await;
    let made = post_with(&admin, &channel, buttons(&base)).await;
    let post_id = made["id"].as_str().unwrap().to_owned();
    let button = made["props"]["attachments"][0]["actions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for who in [&member, &other] {
        admin
            .client
            .add_channel_member(
                &channel,
                &serde_json::from_value(json!({"user_id": who.id()})).unwrap(),
            )
            .await
            .unwrap();
    }
    press(&member, &post_id, &button, json!({})).await.unwrap();
    let trigger_id = received.lock().unwrap()[0]["trigger_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut mine = connect(&server, &member).await;
    expect_hello(&mut mine, member.id()).await;
    let mut theirs = connect(&server, &other).await;
    expect_hello(&mut theirs, other.id()).await;
    // The integration opens a dialog without a session.
    let dialog = json!({
        "trigger_id": trigger_id,
        "url": format!("{base}/submit"),
        "dialog": {"callback_id": "cb", "title": "Name it", "icon_url": "http://x/i.png",
                   "elements": [{"display_name": "Name", "name": "name", "type": "text"}]},
    });
    let opened = server
        .http()
        .post(format!("{}/api/v4/actions/dialogs/open", server.url))
        .json(&dialog)
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    let heard = events_until_pong(&mut mine, 1).await;
    let shown = named(&heard, "open_dialog");
    assert_eq!(shown.len(), 1, "{heard:?}");
    let request: Value =
        serde_json::from_str(shown[0]["data"]["dialog"].as_str().unwrap()).unwrap();
    assert_eq!(request["dialog"]["title"], "Name it");
    assert_eq!(request["dialog"]["icon_url"], "http://x/i.png");
    assert_eq!(request["trigger_id"].as_str().map(str::len), Some(26));
    assert!(named(&events_until_pong(&mut theirs, 1).await, "open_dialog").is_empty());
    // A trigger id that is not this server's.
    let mut forged = dialog.clone();
    forged["trigger_id"] = "bm90OmF0cmlnZ2VyOmlkOg==".into();
    let refused = server
        .http()
        .post(format!("{}/api/v4/actions/dialogs/open", server.url))
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    // The submission reaches the integration; its field errors come back.
    let submission: types::SubmitInteractiveDialogBody = serde_json::from_value(json!({
        "url": format!("{base}/submit"),
        "callback_id": "cb",
        "state": "s",
        "channel_id": channel,
        "team_id": team,
        "submission": {"name": ""},
        "cancelled": false,
    }))
    .unwrap();
    let answer = member
        .client
        .submit_interactive_dialog(&submission)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.errors["name"], "A name is needed.");
    let got = received.lock().unwrap().last().cloned().unwrap();
    assert_eq!(got["type"], "dialog_submission");
    assert_eq!(got["user_id"], member.id());
    assert_eq!(got["callback_id"], "cb");
    assert!(got.get("url").is_none());
    // Not in the team: refused.
    let stranger = server.user(&admin, "stranger").await;
    assert_fails(
        stranger.client.submit_interactive_dialog(&submission).await,
        403,
        FORBIDDEN,
    )
    .await;
}
