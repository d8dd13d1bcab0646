//! The publish seam: operations publish Mattermost's websocket events (name, data,
//! broadcast) once their change is committed; the websocket will deliver them.

use crate::common::{Account, TestServer, make_channel, make_team};
use ferromost::app::events::Event;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::broadcast::Receiver;

async fn send(server: &TestServer, who: &Account, method: &str, path: &str, body: Value) -> Value {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = server
        .http()
        .request(method, server.api(path))
        .bearer_auth(&who.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// The next event named `name` (others are skipped), within two seconds.
async fn next(events: &mut Receiver<Arc<Event>>, name: &str) -> Arc<Event> {
    let wait = async {
        loop {
            let event = events.recv().await.unwrap();
            if event.event == name {
                return event;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(2), wait)
        .await
        .unwrap_or_else(|_| panic!("no {name} event"))
}

fn json_data(event: &Event, key: &str) -> Value {
    serde_json::from_str(event.data[key].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn posts_publish_posted_edited_and_deleted() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let team = make_team(&admin, "events", "O").await;
    let channel = make_channel(&admin, &team, "news", "O").await;
    let join = json!({"team_id": team, "user_id": user.id()});
    send(
        &server,
        &admin,
        "POST",
        &format!("/teams/{team}/members"),
        join,
    )
    .await;
    let add = json!({"user_id": user.id()});
    send(
        &server,
        &admin,
        "POST",
        &format!("/channels/{channel}/members"),
        add,
    )
    .await;
    let mut events = server.state.events().subscribe();

    let body = json!({"channel_id": channel, "message": "hello @basic"});
    let made = send(&server, &admin, "POST", "/posts?set_online=false", body).await;
    let posted = next(&mut events, "posted").await;
    assert_eq!(posted.broadcast.channel_id, channel);
    assert_eq!(posted.data["channel_type"], "O");
    assert_eq!(posted.data["channel_name"], "news");
    assert_eq!(posted.data["team_id"], team.as_str());
    assert_eq!(posted.data["set_online"], false);
    let sender = format!("@{}", admin.user.username.as_deref().unwrap());
    assert_eq!(posted.data["sender_name"], sender.as_str());
    assert_eq!(json_data(&posted, "post")["id"], made["id"]);
    assert_eq!(posted.mentions, [user.id()]);
    let post_id = made["id"].as_str().unwrap();

    let patch = json!({"message": "hello again"});
    send(
        &server,
        &admin,
        "PUT",
        &format!("/posts/{post_id}/patch"),
        patch,
    )
    .await;
    let edited = next(&mut events, "post_edited").await;
    assert_eq!(edited.broadcast.channel_id, channel);
    assert_eq!(json_data(&edited, "post")["message"], "hello again");

    let reaction = json!({"user_id": user.id(), "post_id": post_id, "emoji_name": "smile"});
    send(&server, &user, "POST", "/reactions", reaction).await;
    let added = next(&mut events, "reaction_added").await;
    assert_eq!(json_data(&added, "reaction")["emoji_name"], "smile");
    let path = format!("/users/{}/posts/{post_id}/reactions/smile", user.id());
    send(&server, &user, "DELETE", &path, Value::Null).await;
    let removed = next(&mut events, "reaction_removed").await;
    assert_eq!(json_data(&removed, "reaction")["user_id"], user.id());

    send(
        &server,
        &admin,
        "DELETE",
        &format!("/posts/{post_id}"),
        Value::Null,
    )
    .await;
    let for_members = next(&mut events, "post_deleted").await;
    assert!(for_members.broadcast.contains_sanitized_data);
    assert!(!for_members.data.contains_key("delete_by"));
    let for_admins = next(&mut events, "post_deleted").await;
    assert!(for_admins.broadcast.contains_sensitive_data);
    assert_eq!(for_admins.data["delete_by"], admin.id());
    assert_eq!(json_data(&for_admins, "post")["id"], post_id);
}

#[tokio::test]
async fn a_direct_message_is_named_after_its_sender() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let pair = json!([admin.id(), user.id()]);
    let dm = send(&server, &admin, "POST", "/channels/direct", pair).await;
    let mut events = server.state.events().subscribe();
    let body = json!({"channel_id": dm["id"], "message": "psst"});
    send(&server, &user, "POST", "/posts", body).await;
    let posted = next(&mut events, "posted").await;
    assert_eq!(posted.data["channel_type"], "D");
    assert_eq!(posted.data["channel_display_name"], "@basic");
    assert_eq!(posted.data["team_id"], "");
    assert_eq!(posted.data["set_online"], true);
    assert!(posted.mentions.is_empty());
}
