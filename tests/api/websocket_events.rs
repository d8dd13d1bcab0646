//! The events of the operations websocket.rs does not cover: each test asserts who gets an
//! event, who does not, and what it carries (../shared/reference/mattermost-server/
//! websocket.md, §3).

use crate::common::{Account, TestServer, make_channel, make_team};
use crate::images::png;
use crate::websocket::{
    Socket, all_until_pong, connect, events_until_pong, expect_hello, join_channel, join_team,
    named, request, status_of,
};
use ferromost_client::Upload;
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// An open, greeted socket for `who`.
async fn open(server: &TestServer, who: &Account) -> Socket {
    let mut socket = connect(server, who).await;
    expect_hello(&mut socket, who.id()).await;
    socket
}

/// The events `socket` received by now, without status changes; `seq` numbers the ping.
async fn heard(socket: &mut Socket, seq: i64) -> Vec<Value> {
    events_until_pong(socket, seq).await
}

/// A string field of an event's data, parsed as the JSON it holds.
fn parsed(event: &Value, key: &str) -> Value {
    serde_json::from_str(event["data"][key].as_str().expect("a JSON string")).unwrap()
}

#[tokio::test]
async fn pins_unread_marks_and_thread_updates() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "replier").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "pins", "O").await;
    let channel = make_channel(&admin, &team, "pinned", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &outsider).await;
    join_channel(&admin, &channel, &member).await;
    let post = json!({"channel_id": channel, "message": "root"});
    let root = request(&server, &admin, "POST", "/posts".into(), post).await;
    let root_id = root["id"].as_str().unwrap().to_owned();
    let (mut admin_ws, mut member_ws) = (open(&server, &admin).await, open(&server, &member).await);
    let mut outsider_ws = open(&server, &outsider).await;
    // A pin is an edit the channel's members hear of.
    request(
        &server,
        &member,
        "POST",
        format!("/posts/{root_id}/pin"),
        json!({}),
    )
    .await;
    for socket in [&mut admin_ws, &mut member_ws] {
        let seen = heard(socket, 1).await;
        let edited = named(&seen, "post_edited");
        assert_eq!(edited.len(), 1, "{seen:?}");
        assert_eq!(parsed(edited[0], "post")["is_pinned"], true);
        assert_eq!(edited[0]["broadcast"]["channel_id"], channel.as_str());
    }
    // A reply: the root's author follows, so hears thread_updated and is named a follower.
    let reply = json!({"channel_id": channel, "message": "answer", "root_id": root_id});
    request(&server, &member, "POST", "/posts".into(), reply).await;
    let seen = heard(&mut admin_ws, 2).await;
    let posted = named(&seen, "posted");
    assert_eq!(posted.len(), 1, "{seen:?}");
    assert_eq!(parsed(posted[0], "followers"), json!([admin.id()]));
    let updated = named(&seen, "thread_updated");
    assert_eq!(updated.len(), 1, "{seen:?}");
    assert_eq!(updated[0]["broadcast"]["user_id"], admin.id());
    assert_eq!(updated[0]["broadcast"]["team_id"], team.as_str());
    let thread = parsed(updated[0], "thread");
    assert_eq!(thread["id"], root_id.as_str());
    assert_eq!(thread["reply_count"], 1);
    assert_eq!(thread["unread_replies"], 1);
    assert_eq!(updated[0]["data"]["previous_unread_replies"], 0);
    assert_eq!(updated[0]["data"]["previous_unread_mentions"], 0);
    // The replier follows too (all read), and is not named a follower of their own reply.
    let seen = heard(&mut member_ws, 2).await;
    assert!(named(&seen, "posted")[0]["data"].get("followers").is_none());
    let own = named(&seen, "thread_updated");
    assert_eq!(own.len(), 1, "{seen:?}");
    assert_eq!(parsed(own[0], "thread")["unread_replies"], 0);
    let seen = heard(&mut outsider_ws, 1).await;
    assert!(seen.is_empty(), "{seen:?}");
    // Marking unread: post_unread to that user only, with the channel's counts.
    let path = format!("/users/{}/posts/{root_id}/set_unread", member.id());
    request(&server, &member, "POST", path, json!({})).await;
    let seen = heard(&mut member_ws, 3).await;
    let unread = named(&seen, "post_unread");
    assert_eq!(unread.len(), 1, "{seen:?}");
    assert_eq!(unread[0]["broadcast"]["channel_id"], channel.as_str());
    assert_eq!(unread[0]["broadcast"]["team_id"], team.as_str());
    assert_eq!(unread[0]["data"]["post_id"], root_id.as_str());
    assert_eq!(unread[0]["data"]["msg_count"], 0);
    assert_eq!(unread[0]["data"]["msg_count_root"], 0);
    assert_eq!(unread[0]["data"]["mention_count"], 0);
    let root_at = root["create_at"].as_i64().unwrap();
    assert_eq!(unread[0]["data"]["last_viewed_at"], root_at - 1);
    assert!(named(&heard(&mut admin_ws, 3).await, "post_unread").is_empty());
    // A thread marked unread from a reply: thread_read_changed.
    let reply_at = {
        let thread = format!("/posts/{root_id}/thread");
        let list = request(&server, &admin, "GET", thread, Value::Null).await;
        list["posts"]
            .as_object()
            .unwrap()
            .values()
            .find(|p| p["root_id"] == root_id.as_str())
            .unwrap()
            .clone()
    };
    let reply_id = reply_at["id"].as_str().unwrap();
    let path = format!(
        "/users/{}/teams/{team}/threads/{root_id}/set_unread/{reply_id}",
        admin.id()
    );
    request(&server, &admin, "POST", path, json!({})).await;
    let seen = heard(&mut admin_ws, 4).await;
    let read = named(&seen, "thread_read_changed");
    assert_eq!(read.len(), 1, "{seen:?}");
    assert_eq!(read[0]["data"]["thread_id"], root_id.as_str());
    assert_eq!(
        read[0]["data"]["timestamp"],
        reply_at["create_at"].as_i64().unwrap() - 1
    );
    assert_eq!(read[0]["data"]["unread_replies"], 1);
    assert_eq!(read[0]["data"]["channel_id"], channel.as_str());
}

#[tokio::test]
async fn sidebar_category_events_go_to_their_owner_only() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let other = server.user(&admin, "neighbour").await;
    let team = make_team(&admin, "sidebars", "O").await;
    join_team(&admin, &team, &other).await;
    let (mut mine, mut theirs) = (open(&server, &admin).await, open(&server, &other).await);
    let base = format!("/users/{}/teams/{team}/channels/categories", admin.id());
    let body = json!({"user_id": admin.id(), "team_id": team, "display_name": "Work", "type": "custom", "channel_ids": []});
    let made = request(&server, &admin, "POST", base.clone(), body).await;
    let id = made["id"].as_str().unwrap().to_owned();
    let mut renamed = made.clone();
    renamed["display_name"] = "Projects".into();
    request(&server, &admin, "PUT", base.clone(), json!([renamed])).await;
    let order = request(&server, &admin, "GET", format!("{base}/order"), Value::Null).await;
    let mut order: Vec<Value> = order.as_array().unwrap().clone();
    order.reverse();
    request(
        &server,
        &admin,
        "PUT",
        format!("{base}/order"),
        json!(order),
    )
    .await;
    request(
        &server,
        &admin,
        "DELETE",
        format!("{base}/{id}"),
        Value::Null,
    )
    .await;
    let seen = heard(&mut mine, 1).await;
    let names: Vec<&str> = seen
        .iter()
        .filter_map(|e| e["event"].as_str())
        .filter(|e| e.starts_with("sidebar_"))
        .collect();
    assert_eq!(
        names,
        [
            "sidebar_category_created",
            "sidebar_category_updated",
            "sidebar_category_order_updated",
            "sidebar_category_deleted"
        ],
        "{seen:?}"
    );
    let created = named(&seen, "sidebar_category_created")[0];
    assert_eq!(created["data"]["category_id"], id.as_str());
    assert_eq!(created["broadcast"]["team_id"], team.as_str());
    let updated = named(&seen, "sidebar_category_updated")[0];
    assert_eq!(
        parsed(updated, "updatedCategories")[0]["display_name"],
        "Projects"
    );
    let ordered = named(&seen, "sidebar_category_order_updated")[0];
    assert_eq!(ordered["data"]["order"], json!(order));
    assert_eq!(
        named(&seen, "sidebar_category_deleted")[0]["data"]["category_id"],
        id.as_str()
    );
    let seen = heard(&mut theirs, 1).await;
    assert!(
        seen.iter()
            .all(|e| !e["event"].as_str().unwrap().starts_with("sidebar_")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn role_scheme_and_team_events() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "teamed").await;
    let outsider = server.user(&admin, "elsewhere").await;
    let team = make_team(&admin, "schemed", "O").await;
    let channel = make_channel(&admin, &team, "schemed-room", "O").await;
    join_team(&admin, &team, &member).await;
    let (mut admin_ws, mut member_ws) = (open(&server, &admin).await, open(&server, &member).await);
    let mut outsider_ws = open(&server, &outsider).await;
    // A built-in role: everyone hears it.
    let role = request(
        &server,
        &admin,
        "GET",
        "/roles/name/team_user".into(),
        Value::Null,
    )
    .await;
    let role_id = role["id"].as_str().unwrap();
    let permissions = role["permissions"].clone();
    let patch = json!({"permissions": permissions});
    request(
        &server,
        &admin,
        "PUT",
        format!("/roles/{role_id}/patch"),
        patch,
    )
    .await;
    for socket in [&mut admin_ws, &mut member_ws, &mut outsider_ws] {
        let seen = heard(socket, 1).await;
        let updated = named(&seen, "role_updated");
        assert_eq!(updated.len(), 1, "{seen:?}");
        assert_eq!(parsed(updated[0], "role")["name"], "team_user");
    }
    // A team scheme: every member hears their membership, the team hears the change.
    let body = json!({"name": "Strict", "scope": "team"});
    let scheme = request(&server, &admin, "POST", "/schemes".into(), body).await;
    let body = json!({"scheme_id": scheme["id"]});
    request(
        &server,
        &admin,
        "PUT",
        format!("/teams/{team}/scheme"),
        body,
    )
    .await;
    for (socket, who) in [(&mut admin_ws, &admin), (&mut member_ws, &member)] {
        let seen = heard(socket, 2).await;
        let roles = named(&seen, "memberrole_updated");
        assert_eq!(roles.len(), 1, "{seen:?}");
        assert_eq!(parsed(roles[0], "member")["user_id"], who.id());
        let changed = named(&seen, "update_team_scheme");
        assert_eq!(changed.len(), 1, "{seen:?}");
        assert_eq!(parsed(changed[0], "team")["scheme_id"], scheme["id"]);
        assert_eq!(parsed(changed[0], "team")["invite_id"], "");
    }
    // That scheme's role: only the team using it.
    let name = scheme["default_team_user_role"].as_str().unwrap();
    let role = request(
        &server,
        &admin,
        "GET",
        format!("/roles/name/{name}"),
        Value::Null,
    )
    .await;
    let patch = json!({"permissions": role["permissions"]});
    let path = format!("/roles/{}/patch", role["id"].as_str().unwrap());
    request(&server, &admin, "PUT", path, patch).await;
    let seen = heard(&mut member_ws, 3).await;
    let updated = named(&seen, "role_updated");
    assert_eq!(updated.len(), 1, "{seen:?}");
    assert_eq!(updated[0]["broadcast"]["team_id"], team.as_str());
    assert!(named(&heard(&mut outsider_ws, 3).await, "role_updated").is_empty());
    // A channel scheme: channel_updated to the channel's members.
    let body = json!({"name": "Quiet", "scope": "channel"});
    let quiet = request(&server, &admin, "POST", "/schemes".into(), body).await;
    let body = json!({"scheme_id": quiet["id"]});
    request(
        &server,
        &admin,
        "PUT",
        format!("/channels/{channel}/scheme"),
        body,
    )
    .await;
    let seen = heard(&mut admin_ws, 4).await;
    let updated = named(&seen, "channel_updated");
    assert_eq!(updated.len(), 1, "{seen:?}");
    assert_eq!(parsed(updated[0], "channel")["scheme_id"], quiet["id"]);
    assert!(named(&heard(&mut member_ws, 4).await, "channel_updated").is_empty());
    // A team icon and a restore: update_team and restore_team to the team only.
    admin
        .client
        .set_team_icon(&team, Upload::new("icon.png", png(64, 64)))
        .await
        .unwrap();
    request(
        &server,
        &admin,
        "DELETE",
        format!("/teams/{team}"),
        Value::Null,
    )
    .await;
    request(
        &server,
        &admin,
        "POST",
        format!("/teams/{team}/restore"),
        json!({}),
    )
    .await;
    let seen = heard(&mut member_ws, 5).await;
    let names: Vec<&str> = seen.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        names,
        ["update_team", "delete_team", "restore_team"],
        "{seen:?}"
    );
    let icon = parsed(named(&seen, "update_team")[0], "team");
    assert!(icon["last_team_icon_update"].as_i64().unwrap() > 0);
    assert_eq!(
        parsed(named(&seen, "restore_team")[0], "team")["delete_at"],
        0
    );
    let seen = heard(&mut outsider_ws, 5).await;
    assert!(seen.is_empty(), "{seen:?}");
}

#[tokio::test]
async fn account_changes_reach_everyone_as_they_may_see_them() {
    let server = TestServer::start_with(|c| c.guest_accounts_settings.enable = true).await;
    let admin = server.admin().await;
    let user = server.user(&admin, "changing").await;
    let watcher = server.user(&admin, "watcher").await;
    let team = make_team(&admin, "accounts", "O").await;
    let channel = make_channel(&admin, &team, "lobby", "O").await;
    join_team(&admin, &team, &user).await;
    join_channel(&admin, &channel, &user).await;
    let (mut own, mut others) = (open(&server, &user).await, open(&server, &watcher).await);
    // A custom status: three copies; the watcher gets the profile copy.
    let status = json!({"emoji": "calendar", "text": "In a meeting"});
    let path = format!("/users/{}/status/custom", user.id());
    request(&server, &user, "PUT", path.clone(), status).await;
    let seen = heard(&mut others, 1).await;
    let updated = named(&seen, "user_updated");
    assert_eq!(updated.len(), 1, "{seen:?}");
    let shown = &updated[0]["data"]["user"];
    assert_eq!(shown["id"], user.id());
    assert!(
        shown["props"]["customStatus"]
            .as_str()
            .unwrap()
            .contains("meeting")
    );
    assert!(shown.get("notify_props").is_none(), "{shown}");
    let seen = heard(&mut own, 1).await;
    let mine = named(&seen, "user_updated");
    assert_eq!(mine.len(), 1, "{seen:?}");
    assert_eq!(mine[0]["broadcast"]["user_id"], user.id());
    request(&server, &user, "DELETE", path, Value::Null).await;
    let seen = heard(&mut others, 2).await;
    let cleared = &named(&seen, "user_updated")[0]["data"]["user"];
    assert!(cleared["props"].get("customStatus").is_none(), "{cleared}");
    assert_eq!(named(&heard(&mut own, 2).await, "user_updated").len(), 1);
    // A new picture: one copy to everyone, the user included.
    user.client
        .set_profile_image("me", Upload::new("me.png", png(40, 40)))
        .await
        .unwrap();
    for socket in [&mut own, &mut others] {
        let seen = heard(socket, 3).await;
        let updated = named(&seen, "user_updated");
        assert_eq!(updated.len(), 1, "{seen:?}");
        assert!(
            updated[0]["data"]["user"]["last_picture_update"]
                .as_i64()
                .unwrap()
                > 0
        );
    }
    // Verified by an administrator.
    let path = format!("/users/{}/email/verify/member", user.id());
    request(&server, &admin, "POST", path, json!({})).await;
    assert_eq!(named(&heard(&mut own, 4).await, "user_updated").len(), 1);
    // Demoted to guest: the account, each team and each channel membership.
    let path = format!("/users/{}/demote", user.id());
    request(&server, &admin, "POST", path, json!({})).await;
    let seen = heard(&mut own, 5).await;
    let account = named(&seen, "user_updated");
    assert_eq!(account.len(), 1, "{seen:?}");
    assert_eq!(account[0]["data"]["user"]["roles"], "system_guest");
    let teams = named(&seen, "memberrole_updated");
    assert_eq!(teams.len(), 1, "{seen:?}");
    assert_eq!(parsed(teams[0], "member")["scheme_guest"], true);
    let channels = named(&seen, "channel_member_updated");
    assert!(
        channels.len() >= 2,
        "town square, off-topic, lobby: {seen:?}"
    );
    assert!(
        channels
            .iter()
            .all(|c| parsed(c, "channelMember")["scheme_guest"] == true)
    );
    assert!(named(&heard(&mut others, 5).await, "memberrole_updated").is_empty());
    // Deactivated by DELETE: user_updated to everyone else; the user's socket closes.
    let path = format!("/users/{}", user.id());
    request(&server, &admin, "DELETE", path, Value::Null).await;
    let seen = heard(&mut others, 6).await;
    let gone = named(&seen, "user_updated");
    assert_eq!(gone.len(), 1, "{seen:?}");
    assert!(gone[0]["data"]["user"]["delete_at"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn bot_changes_are_account_changes() {
    let server =
        TestServer::start_with(|c| c.service_settings.enable_bot_account_creation = true).await;
    let admin = server.admin().await;
    let watcher = server.user(&admin, "botwatcher").await;
    let mut others = open(&server, &watcher).await;
    let body = json!({"username": "helper", "display_name": "Helper"});
    let bot = request(&server, &admin, "POST", "/bots".into(), body).await;
    let id = bot["user_id"].as_str().unwrap();
    let patch = json!({"username": "helper", "display_name": "Helping Hand"});
    request(&server, &admin, "PUT", format!("/bots/{id}"), patch).await;
    request(
        &server,
        &admin,
        "POST",
        format!("/bots/{id}/disable"),
        json!({}),
    )
    .await;
    request(
        &server,
        &admin,
        "POST",
        format!("/bots/{id}/enable"),
        json!({}),
    )
    .await;
    let seen = heard(&mut others, 1).await;
    let updated = named(&seen, "user_updated");
    assert_eq!(updated.len(), 3, "{seen:?}");
    assert!(updated.iter().all(|e| e["data"]["user"]["id"] == id));
    assert_eq!(updated[0]["data"]["user"]["first_name"], "Helping Hand");
    assert!(updated[1]["data"]["user"]["delete_at"].as_i64().unwrap() > 0);
    assert_eq!(updated[2]["data"]["user"]["delete_at"], 0);
}

/// `who`'s status as the server reports it, once it is `want` (or the last seen).
async fn status_becomes(server: &TestServer, asker: &Account, who: &Account, want: &str) -> String {
    let mut seen = String::new();
    for _ in 0..75 {
        seen = status_of(server, asker, who.id()).await;
        if seen == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }
    seen
}

/// The `status` of each `status_change` among the frames.
fn changes(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f["event"] == "status_change")
        .map(|f| f["data"]["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn idle_users_go_away_posting_brings_them_back_and_chosen_statuses_stay() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "idler").await;
    let team = make_team(&admin, "presence", "O").await;
    let channel = make_channel(&admin, &team, "here", "O").await;
    join_team(&admin, &team, &user).await;
    join_channel(&admin, &channel, &user).await;
    let patch = json!({"TeamSettings": {"UserStatusAwayTimeout": 1}});
    request(&server, &admin, "PUT", "/config/patch".into(), patch).await;
    let mut socket = open(&server, &user).await;
    assert_eq!(changes(&all_until_pong(&mut socket, 1).await), ["online"]);
    // A pong (the client's answer to the server's ping) after the timeout: away.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    socket.send(Message::Pong(Vec::new().into())).await.unwrap();
    assert_eq!(status_becomes(&server, &admin, &user, "away").await, "away");
    assert_eq!(changes(&all_until_pong(&mut socket, 2).await), ["away"]);
    // A post (set_online is the default) makes them online again.
    let post = json!({"channel_id": channel, "message": "back"});
    request(&server, &user, "POST", "/posts".into(), post).await;
    assert_eq!(status_of(&server, &admin, user.id()).await, "online");
    assert_eq!(changes(&all_until_pong(&mut socket, 3).await), ["online"]);
    // ?set_online=false leaves an away user away.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    socket.send(Message::Pong(Vec::new().into())).await.unwrap();
    assert_eq!(status_becomes(&server, &admin, &user, "away").await, "away");
    let post = json!({"channel_id": channel, "message": "quietly"});
    let path = "/posts?set_online=false".to_owned();
    request(&server, &user, "POST", path, post).await;
    assert_eq!(status_of(&server, &admin, user.id()).await, "away");
    assert_eq!(changes(&all_until_pong(&mut socket, 4).await), ["away"]);
    // A chosen status: its status_change, and neither posts nor pongs replace it.
    let path = format!("/users/{}/status", user.id());
    let dnd = json!({"user_id": user.id(), "status": "dnd"});
    request(&server, &user, "PUT", path.clone(), dnd).await;
    let post = json!({"channel_id": channel, "message": "busy"});
    request(&server, &user, "POST", "/posts".into(), post).await;
    socket.send(Message::Pong(Vec::new().into())).await.unwrap();
    assert_eq!(changes(&all_until_pong(&mut socket, 5).await), ["dnd"]);
    assert_eq!(status_of(&server, &admin, user.id()).await, "dnd");
    // "online" set by hand is not a chosen status: idleness makes it away again.
    let online = json!({"user_id": user.id(), "status": "online"});
    request(&server, &user, "PUT", path, online).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    socket.send(Message::Pong(Vec::new().into())).await.unwrap();
    assert_eq!(status_becomes(&server, &admin, &user, "away").await, "away");
    // Deactivation: offline, whatever was chosen.
    request(
        &server,
        &admin,
        "DELETE",
        format!("/users/{}", user.id()),
        Value::Null,
    )
    .await;
    assert_eq!(status_of(&server, &admin, user.id()).await, "offline");
}

#[tokio::test]
async fn offline_only_when_the_last_connection_on_any_node_closes() {
    let node_a = TestServer::start_postgres().await;
    let node_b = node_a.second_node().await;
    let admin = node_a.admin().await;
    let user = node_a.user(&admin, "twonodes").await;
    let mut on_a = open(&node_a, &user).await;
    let mut on_b = open(&node_b, &user).await;
    assert_eq!(status_of(&node_a, &admin, user.id()).await, "online");
    // The connection on A closes: the one on B keeps the user online.
    on_a.close(None).await.unwrap();
    drop(on_a);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(status_of(&node_b, &admin, user.id()).await, "online");
    assert!(!changes(&all_until_pong(&mut on_b, 1).await).contains(&"offline".to_owned()));
    // Then B's closes: offline.
    on_b.close(None).await.unwrap();
    drop(on_b);
    let seen = status_becomes(&node_a, &admin, &user, "offline").await;
    assert_eq!(seen, "offline");
}
