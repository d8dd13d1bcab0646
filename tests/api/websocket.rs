//! The websocket, driven as a client drives it (tokio-tungstenite): authentication by
//! header and by challenge, `hello`, numbered events, replies, the actions, delivery to
//! the right connections only, and presence.

use crate::common::{Account, TestServer, make_channel, make_team};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn ws_url(server: &TestServer, query: &str) -> String {
    format!(
        "{}/api/v4/websocket{query}",
        server.url.replacen("http", "ws", 1)
    )
}

/// A connection authenticated by the `Authorization` header.
pub(crate) async fn connect(server: &TestServer, who: &Account) -> Socket {
    let mut request = ws_url(server, "").into_client_request().unwrap();
    let bearer = format!("Bearer {}", who.token).parse().unwrap();
    request.headers_mut().insert("Authorization", bearer);
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The next JSON frame (pings skipped), within two seconds; None when the socket closed.
pub(crate) async fn next(socket: &mut Socket) -> Option<Value> {
    let wait = async {
        loop {
            match socket.next().await? {
                Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
                Ok(Message::Ping(_) | Message::Pong(_)) => {}
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(other) => panic!("unexpected frame {other:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(2), wait)
        .await
        .expect("a frame within two seconds")
}

/// The next reply (events skipped).
pub(crate) async fn next_reply(socket: &mut Socket) -> Value {
    loop {
        let frame = next(socket).await.expect("a reply");
        if frame.get("event").is_none() {
            return frame;
        }
    }
}

pub(crate) async fn send(socket: &mut Socket, value: Value) {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .unwrap();
}

/// The frames that still arrive within half a second (events are filtered and queued by
/// a task of their own, so one published before a reply may be written after it).
pub(crate) async fn settle(socket: &mut Socket) -> Vec<Value> {
    let mut out = Vec::new();
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_millis(500), socket.next()).await
    {
        if let Message::Text(text) = message {
            out.push(serde_json::from_str(&text).unwrap());
        }
    }
    out
}

/// Sends action `ping` as request `seq` and answers the frames that came before its reply
/// and just after it.
pub(crate) async fn all_until_pong(socket: &mut Socket, seq: i64) -> Vec<Value> {
    send(socket, json!({"seq": seq, "action": "ping"})).await;
    let mut out = Vec::new();
    loop {
        let frame = next(socket).await.expect("the reply");
        if frame["seq_reply"] == seq {
            assert_eq!(frame["status"], "OK");
            assert_eq!(frame["data"]["text"], "pong");
            out.extend(settle(socket).await);
            return out;
        }
        out.push(frame);
    }
}

/// As [`all_until_pong`], without the status changes connecting itself causes.
pub(crate) async fn events_until_pong(socket: &mut Socket, seq: i64) -> Vec<Value> {
    let mut frames = all_until_pong(socket, seq).await;
    frames.retain(|f| f["event"] != "status_change");
    frames
}

/// `method path` with `body` as `who`, which must succeed; its JSON answer (null if none).
pub(crate) async fn request(
    server: &TestServer,
    who: &Account,
    method: &str,
    path: String,
    body: Value,
) -> Value {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = server
        .http()
        .request(method, server.api(&path))
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
    response.json::<Value>().await.unwrap_or(Value::Null)
}

/// `who` joins `team`, added by `admin`.
pub(crate) async fn join_team(admin: &Account, team: &str, who: &Account) {
    let body = ferromost_client::types::AddTeamMemberBody {
        team_id: Some(team.to_owned()),
        user_id: Some(who.id().to_owned()),
    };
    admin.client.add_team_member(team, &body).await.unwrap();
}

/// `who` joins `channel`, added by `admin`.
pub(crate) async fn join_channel(admin: &Account, channel: &str, who: &Account) {
    let body = ferromost_client::types::AddChannelMemberBody {
        user_id: who.id().to_owned(),
        post_root_id: None,
    };
    admin
        .client
        .add_channel_member(channel, &body)
        .await
        .unwrap();
}

pub(crate) async fn expect_hello(socket: &mut Socket, user_id: &str) -> String {
    let hello = next(socket).await.expect("hello");
    assert_eq!(hello["event"], "hello", "{hello}");
    assert_eq!(hello["seq"], 0);
    assert_eq!(hello["broadcast"]["user_id"], user_id);
    assert!(
        hello["data"]["server_version"]
            .as_str()
            .unwrap()
            .contains('.')
    );
    let id = hello["data"]["connection_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 26);
    id
}

pub(crate) async fn status_of(server: &TestServer, who: &Account, user_id: &str) -> String {
    let found: Value = server
        .http()
        .get(server.api(&format!("/users/{user_id}/status")))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    found["status"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn hello_replies_and_errors() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let mut socket = connect(&server, &admin).await;
    let first = expect_hello(&mut socket, admin.id()).await;
    assert!(events_until_pong(&mut socket, 1).await.is_empty());
    // Errors as Mattermost's router answers them.
    send(&mut socket, json!({"seq": 2, "action": "no_such_action"})).await;
    let unknown = next_reply(&mut socket).await;
    assert_eq!(unknown["status"], "FAIL");
    assert_eq!(unknown["seq_reply"], 2);
    assert_eq!(
        unknown["error"]["id"],
        "api.web_socket_router.bad_action.app_error"
    );
    assert_eq!(unknown["error"]["status_code"], 500);
    send(&mut socket, json!({"seq": 0, "action": "ping"})).await;
    let bad_seq = next_reply(&mut socket).await;
    assert_eq!(
        bad_seq["error"]["id"],
        "api.web_socket_router.bad_seq.app_error"
    );
    assert!(bad_seq.get("seq_reply").is_none(), "{bad_seq}");
    send(
        &mut socket,
        json!({"seq": 3, "action": "get_statuses_by_ids", "data": {}}),
    )
    .await;
    let no_ids = next_reply(&mut socket).await;
    assert_eq!(
        no_ids["error"]["id"],
        "api.websocket_handler.invalid_param.app_error"
    );
    // msgpack frames are actions too.
    let packed = rmp_serde::to_vec_named(&json!({"seq": 4, "action": "ping"})).unwrap();
    socket.send(Message::Binary(packed.into())).await.unwrap();
    let pong = next_reply(&mut socket).await;
    assert_eq!(
        (pong["seq_reply"].clone(), pong["data"]["text"].clone()),
        (json!(4), json!("pong"))
    );
    // A second connection is a new one.
    let mut other = connect(&server, &admin).await;
    assert_ne!(expect_hello(&mut other, admin.id()).await, first);
}

#[tokio::test]
async fn authentication_by_challenge_and_its_deadline() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(&server, ""))
        .await
        .unwrap();
    // Unauthenticated: no replies.
    send(&mut socket, json!({"seq": 1, "action": "ping"})).await;
    send(
        &mut socket,
        json!({"seq": 2, "action": "authentication_challenge", "data": {"token": admin.token}}),
    )
    .await;
    expect_hello(&mut socket, admin.id()).await;
    let ok = next_reply(&mut socket).await;
    assert_eq!(
        (ok["status"].clone(), ok["seq_reply"].clone()),
        (json!("OK"), json!(2))
    );
    assert!(events_until_pong(&mut socket, 3).await.is_empty());

    // A wrong token closes the socket.
    let (mut bad, _) = tokio_tungstenite::connect_async(ws_url(&server, ""))
        .await
        .unwrap();
    send(
        &mut bad,
        json!({"seq": 1, "action": "authentication_challenge", "data": {"token": "nope"}}),
    )
    .await;
    assert!(next(&mut bad).await.is_none());

    // Nothing sent: closed after 5 s.
    let (mut silent, _) = tokio_tungstenite::connect_async(ws_url(&server, ""))
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(7), async {
        loop {
            match silent.next().await {
                None | Some(Err(_) | Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "still open after 7 s");

    // A plain GET is no upgrade: Mattermost's 400.
    let plain = server
        .http()
        .get(server.api("/websocket"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 400);
    let error: Value = plain.json().await.unwrap();
    assert_eq!(error["id"], "api.web_socket.connect.upgrade.app_error");
}

#[tokio::test]
async fn posts_reach_the_channels_members_only_numbered_in_order() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "wsteam", "O").await;
    let channel = make_channel(&admin, &team, "wschan", "O").await;
    for user in [&member, &outsider] {
        join_team(&admin, &team, user).await;
    }
    join_channel(&admin, &channel, &member).await;
    let mut member_ws = connect(&server, &member).await;
    expect_hello(&mut member_ws, member.id()).await;
    let mut member_acking = {
        let mut request = ws_url(&server, "?posted_ack=true")
            .into_client_request()
            .unwrap();
        let bearer = format!("Bearer {}", member.token).parse().unwrap();
        request.headers_mut().insert("Authorization", bearer);
        tokio_tungstenite::connect_async(request).await.unwrap().0
    };
    expect_hello(&mut member_acking, member.id()).await;
    let mut outsider_ws = connect(&server, &outsider).await;
    expect_hello(&mut outsider_ws, outsider.id()).await;

    for text in ["first", "second @member"] {
        server
            .http()
            .post(server.api("/posts"))
            .bearer_auth(&admin.token)
            .json(&json!({"channel_id": channel, "message": text}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }
    let seen: Vec<Value> = events_until_pong(&mut member_ws, 1)
        .await
        .into_iter()
        .filter(|e| e["event"] == "posted")
        .collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let seqs: Vec<i64> = seen.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let (first, second) = (&seen[0], &seen[1]);
    let post: Value = serde_json::from_str(first["data"]["post"].as_str().unwrap()).unwrap();
    assert_eq!(post["message"], "first");
    assert_eq!(first["data"]["channel_type"], "O");
    assert_eq!(first["data"]["channel_name"], "wschan");
    assert_eq!(
        first["data"]["sender_name"],
        format!("@{}", admin_name(&admin))
    );
    assert_eq!(first["broadcast"]["channel_id"], channel.as_str());
    assert!(first["data"].get("mentions").is_none());
    assert!(first["data"].get("should_ack").is_none());
    let mentions: Vec<String> =
        serde_json::from_str(second["data"]["mentions"].as_str().unwrap()).unwrap();
    assert_eq!(mentions, [member.id()]);
    // posted_ack=true: the mentioned receiver is asked to acknowledge.
    let acking: Vec<Value> = events_until_pong(&mut member_acking, 1)
        .await
        .into_iter()
        .filter(|e| e["event"] == "posted")
        .collect();
    assert_eq!(acking[1]["data"]["should_ack"], true);
    assert!(acking[0]["data"].get("should_ack").is_none());
    // Not a member: nothing.
    let outside = events_until_pong(&mut outsider_ws, 1).await;
    assert!(
        outside.iter().all(|e| e["event"] != "posted"),
        "{outside:?}"
    );

    // Typing reaches the other members, not the typer.
    send(
        &mut member_ws,
        json!({"seq": 2, "action": "user_typing", "data": {"channel_id": channel}}),
    )
    .await;
    let ok = next_reply(&mut member_ws).await;
    assert_eq!(ok["status"], "OK", "{ok}");
    let mut admin_ws = connect(&server, &admin).await;
    expect_hello(&mut admin_ws, admin.id()).await;
    send(
        &mut member_ws,
        json!({"seq": 3, "action": "user_typing", "data": {"channel_id": channel, "parent_id": ""}}),
    )
    .await;
    let typed = next_reply(&mut member_ws).await;
    assert_eq!(typed["seq_reply"], 3, "{typed}");
    let typing: Vec<Value> = events_until_pong(&mut admin_ws, 1)
        .await
        .into_iter()
        .filter(|e| e["event"] == "typing")
        .collect();
    assert_eq!(typing.len(), 1);
    assert_eq!(typing[0]["data"]["user_id"], member.id());
    assert!(
        events_until_pong(&mut member_ws, 4)
            .await
            .iter()
            .all(|e| e["event"] != "typing")
    );
    // Typing where one may not post is refused.
    send(
        &mut outsider_ws,
        json!({"seq": 2, "action": "user_typing", "data": {"channel_id": channel}}),
    )
    .await;
    let refused = next_reply(&mut outsider_ws).await;
    assert_eq!(
        refused["error"]["id"],
        "api.websocket_handler.invalid_param.app_error"
    );
}

fn admin_name(admin: &Account) -> String {
    admin.user.username.clone().unwrap_or_default()
}

#[tokio::test]
async fn connecting_sets_online_and_the_last_close_offline() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "present").await;
    let mut first = connect(&server, &user).await;
    expect_hello(&mut first, user.id()).await;
    assert_eq!(status_of(&server, &admin, user.id()).await, "online");
    let change = next(&mut first).await.unwrap();
    assert_eq!(
        (
            change["event"].clone(),
            change["data"]["status"].clone(),
            change["seq"].clone()
        ),
        (json!("status_change"), json!("online"), json!(1)),
        "{change}"
    );
    let mut second = connect(&server, &user).await;
    expect_hello(&mut second, user.id()).await;
    first.close(None).await.unwrap();
    drop(first);
    // One connection left: still online.
    events_until_pong(&mut second, 1).await;
    assert_eq!(status_of(&server, &admin, user.id()).await, "online");
    // get_statuses_by_ids answers over the socket.
    send(
        &mut second,
        json!({"seq": 2, "action": "get_statuses_by_ids", "data": {"user_ids": [user.id(), admin.id()]}}),
    )
    .await;
    let statuses = next_reply(&mut second).await;
    assert_eq!(statuses["data"][user.id()], "online");
    assert_eq!(statuses["data"][admin.id()], "offline");
    second.close(None).await.unwrap();
    drop(second);
    let mut status = String::new();
    for _ in 0..50 {
        status = status_of(&server, &admin, user.id()).await;
        if status == "offline" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert_eq!(status, "offline");
}

#[tokio::test]
async fn typing_over_rest_reaches_the_other_members() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "typist").await;
    let team = make_team(&admin, "typeteam", "O").await;
    let channel = make_channel(&admin, &team, "typechan", "O").await;
    let mut admin_ws = connect(&server, &admin).await;
    expect_hello(&mut admin_ws, admin.id()).await;
    let typing = |who: &Account, user_id: String, body: Value| {
        let request = server
            .http()
            .post(server.api(&format!("/users/{user_id}/typing")))
            .bearer_auth(&who.token)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    // Not in the channel: no create_post there.
    let refused = typing(
        &member,
        member.id().to_owned(),
        json!({"channel_id": channel}),
    )
    .await;
    assert_eq!(refused.status(), 403);
    // For someone else: manage_system.
    let other = typing(
        &member,
        admin.id().to_owned(),
        json!({"channel_id": channel}),
    )
    .await;
    assert_eq!(other.status(), 403);
    let bad = typing(
        &member,
        member.id().to_owned(),
        json!({"channel_id": "nope"}),
    )
    .await;
    assert_eq!(bad.status(), 400);
    join_team(&admin, &team, &member).await;
    join_channel(&admin, &channel, &member).await;
    let body = json!({"channel_id": channel, "parent_id": ""});
    let sent = typing(&member, "me".to_owned(), body).await;
    assert_eq!(sent.status(), 200);
    let answer: Value = sent.json().await.unwrap();
    assert_eq!(answer, json!({"status": "OK"}));
    let seen: Vec<Value> = events_until_pong(&mut admin_ws, 1)
        .await
        .into_iter()
        .filter(|e| e["event"] == "typing")
        .collect();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["data"]["user_id"], member.id());
    assert_eq!(seen[0]["broadcast"]["omit_users"][member.id()], true);
}

#[tokio::test]
async fn events_reach_clients_on_every_node() {
    let node_a = TestServer::start_postgres().await;
    let node_b = node_a.second_node().await;
    let admin = node_a.admin().await;
    let member = node_a.user(&admin, "farside").await;
    let team = make_team(&admin, "nodes", "O").await;
    let channel = make_channel(&admin, &team, "across", "O").await;
    join_team(&admin, &team, &member).await;
    join_channel(&admin, &channel, &member).await;
    // The member listens on node B; the admin posts on node A: a short post, one larger
    // than a NOTIFY payload may be, and a third, which must arrive in that order.
    let mut on_b = connect(&node_b, &member).await;
    expect_hello(&mut on_b, member.id()).await;
    let long = "x".repeat(12_000);
    for text in ["one", long.as_str(), "three"] {
        node_a
            .http()
            .post(node_a.api("/posts"))
            .bearer_auth(&admin.token)
            .json(&json!({"channel_id": channel, "message": text}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }
    let mut messages = Vec::new();
    while messages.len() < 3 {
        let frame = next(&mut on_b).await.expect("the posts from node A");
        if frame["event"] == "posted" {
            let post: Value =
                serde_json::from_str(frame["data"]["post"].as_str().unwrap()).unwrap();
            messages.push(post["message"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(messages, ["one".to_owned(), long, "three".to_owned()]);
    // Nothing arrives twice.
    let rest = events_until_pong(&mut on_b, 1).await;
    assert!(rest.iter().all(|e| e["event"] != "posted"), "{rest:?}");
}

pub(crate) async fn connect_with(server: &TestServer, who: &Account, query: &str) -> Socket {
    let mut request = ws_url(server, query).into_client_request().unwrap();
    let bearer = format!("Bearer {}", who.token).parse().unwrap();
    request.headers_mut().insert("Authorization", bearer);
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

pub(crate) async fn post_as(server: &TestServer, who: &Account, channel: &str, text: &str) {
    server
        .http()
        .post(server.api("/posts"))
        .bearer_auth(&who.token)
        .json(&json!({"channel_id": channel, "message": text}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

#[tokio::test]
async fn a_client_that_reconnects_resumes_without_loss_or_gap() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let team = make_team(&admin, "resume", "O").await;
    let channel = make_channel(&admin, &team, "resumed", "O").await;
    let mut socket = connect(&server, &admin).await;
    let id = expect_hello(&mut socket, admin.id()).await;
    post_as(&server, &admin, &channel, "before").await;
    let seen = all_until_pong(&mut socket, 1).await;
    let last = seen.last().unwrap()["seq"].as_i64().unwrap();
    socket.close(None).await.unwrap();
    drop(socket);
    // Two posts while away.
    post_as(&server, &admin, &channel, "away one").await;
    post_as(&server, &admin, &channel, "away two").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Back with the next number expected: no hello, the missed events with their numbers.
    let query = format!("?connection_id={id}&sequence_number={}", last + 1);
    let mut back = connect_with(&server, &admin, &query).await;
    let missed = all_until_pong(&mut back, 1).await;
    assert!(missed.iter().all(|e| e["event"] != "hello"), "{missed:?}");
    let seqs: Vec<i64> = missed.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        ((last + 1)..(last + 1 + seqs.len() as i64)).collect::<Vec<_>>()
    );
    let posts: Vec<String> = missed
        .iter()
        .filter(|e| e["event"] == "posted")
        .map(|e| {
            let post: Value = serde_json::from_str(e["data"]["post"].as_str().unwrap()).unwrap();
            post["message"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(posts, ["away one", "away two"]);
    let newest = *seqs.last().unwrap();
    back.close(None).await.unwrap();
    drop(back);

    // Asking again from an event already written: it is sent again.
    let query = format!("?connection_id={id}&sequence_number={}", last + 1);
    let mut again = connect_with(&server, &admin, &query).await;
    let replayed = all_until_pong(&mut again, 1).await;
    assert_eq!(replayed[0]["seq"], last + 1, "{replayed:?}");
    assert!(replayed.iter().any(|e| e["seq"] == newest));
    again.close(None).await.unwrap();
    drop(again);

    // A number that cannot be served: a new connection and a fresh hello.
    let query = format!("?connection_id={id}&sequence_number=9999");
    let mut lost = connect_with(&server, &admin, &query).await;
    let fresh = expect_hello(&mut lost, admin.id()).await;
    assert_ne!(fresh, id);

    // Someone else's connection id is not theirs to resume.
    let other = server.user(&admin, "stranger").await;
    let query = format!("?connection_id={fresh}&sequence_number=1");
    let mut stranger = connect_with(&server, &other, &query).await;
    assert_ne!(expect_hello(&mut stranger, other.id()).await, fresh);

    // A malformed resume closes the socket at once.
    let query = format!("?connection_id={fresh}&sequence_number=x");
    let mut bad = connect_with(&server, &admin, &query).await;
    assert!(next(&mut bad).await.is_none());
}

#[tokio::test]
async fn who_hears_a_busy_channel_follows_each_join_and_leave_at_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let team = make_team(&admin, "busy", "O").await;
    let channel = make_channel(&admin, &team, "hall", "P").await;
    let guest = server.user(&admin, "visitor").await;
    join_team(&admin, &team, &guest).await;
    let mut socket = connect(&server, &guest).await;
    expect_hello(&mut socket, guest.id()).await;
    // Each round: a post while out, then in, then out again; the posts right after a
    // join or a leave are heard exactly while a member.
    for round in 0..3 {
        post_as(&server, &admin, &channel, "outside").await;
        join_channel(&admin, &channel, &guest).await;
        post_as(&server, &admin, &channel, "inside").await;
        let removed = server
            .http()
            .delete(server.api(&format!("/channels/{channel}/members/{}", guest.id())))
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap();
        assert_eq!(removed.status(), 200);
        post_as(&server, &admin, &channel, "outside again").await;
        let heard: Vec<String> = named(&events_until_pong(&mut socket, round + 1).await, "posted")
            .iter()
            .map(|e| {
                let post: Value =
                    serde_json::from_str(e["data"]["post"].as_str().unwrap()).unwrap();
                post["message"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(heard, ["inside"], "round {round}");
    }
}

#[tokio::test]
async fn a_connection_more_than_256_events_behind_is_dropped_and_starts_again() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let team = make_team(&admin, "behind", "O").await;
    let channel = make_channel(&admin, &team, "busy", "O").await;
    let mut socket = connect(&server, &admin).await;
    let id = expect_hello(&mut socket, admin.id()).await;
    socket.close(None).await.unwrap();
    drop(socket);
    // 260 posts while away: more than the 256 a connection may have waiting.
    for _ in 0..13 {
        let posts = (0..20).map(|_| post_as(&server, &admin, &channel, "away"));
        futures::future::join_all(posts).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let query = format!("?connection_id={id}&sequence_number=1");
    let mut back = connect_with(&server, &admin, &query).await;
    assert_ne!(expect_hello(&mut back, admin.id()).await, id);
    // The new connection receives as any other.
    post_as(&server, &admin, &channel, "after").await;
    let events = events_until_pong(&mut back, 1).await;
    assert_eq!(named(&events, "posted").len(), 1, "{events:?}");
}

/// The events among `frames` named `name`.
pub(crate) fn named<'a>(frames: &'a [Value], name: &str) -> Vec<&'a Value> {
    frames.iter().filter(|f| f["event"] == name).collect()
}

#[tokio::test]
async fn channel_and_team_events_reach_exactly_their_recipients() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "insider").await;
    let bystander = server.user(&admin, "bystander").await;
    let team = make_team(&admin, "evteam", "O").await;
    let mut admin_ws = connect(&server, &admin).await;
    expect_hello(&mut admin_ws, admin.id()).await;
    let mut member_ws = connect(&server, &member).await;
    expect_hello(&mut member_ws, member.id()).await;
    let mut bystander_ws = connect(&server, &bystander).await;
    expect_hello(&mut bystander_ws, bystander.id()).await;
    // Joining the team: added_to_team to the one who joined only.
    for who in [&member, &bystander] {
        let body = json!({"team_id": team, "user_id": who.id()});
        request(
            &server,
            &admin,
            "POST",
            format!("/teams/{team}/members"),
            body,
        )
        .await;
    }
    let seen = events_until_pong(&mut member_ws, 1).await;
    let joined = named(&seen, "added_to_team");
    assert_eq!(joined.len(), 1, "{seen:?}");
    assert_eq!(joined[0]["data"]["user_id"], member.id());
    assert_eq!(joined[0]["broadcast"]["user_id"], member.id());

    // A private channel: created (to its creator), the member added, renamed, archived.
    let body = json!({"team_id": team, "name": "secret", "display_name": "Secret", "type": "P"});
    let channel = request(&server, &admin, "POST", "/channels".into(), body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"user_id": member.id()});
    request(
        &server,
        &admin,
        "POST",
        format!("/channels/{channel}/members"),
        body,
    )
    .await;
    let body = json!({"display_name": "Renamed"});
    request(
        &server,
        &admin,
        "PUT",
        format!("/channels/{channel}/patch"),
        body,
    )
    .await;

    let for_admin = events_until_pong(&mut admin_ws, 1).await;
    let created = named(&for_admin, "channel_created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["data"]["channel_id"], channel.as_str());
    let added = named(&for_admin, "user_added");
    assert_eq!(added.len(), 1, "the other members' copy");
    assert_eq!(added[0]["data"]["user_id"], member.id());
    assert_eq!(added[0]["broadcast"]["omit_users"][member.id()], true);
    let for_member = events_until_pong(&mut member_ws, 2).await;
    assert!(named(&for_member, "channel_created").is_empty());
    let mine = named(&for_member, "user_added");
    assert_eq!(mine.len(), 1, "{for_member:?}");
    assert_eq!(mine[0]["broadcast"]["user_id"], member.id());
    assert_eq!(mine[0]["broadcast"]["channel_id"], channel.as_str());
    let updated = named(&for_member, "channel_updated");
    assert_eq!(updated.len(), 1);
    let shown: Value =
        serde_json::from_str(updated[0]["data"]["channel"].as_str().unwrap()).unwrap();
    assert_eq!(shown["display_name"], "Renamed");
    // Not a member of the private channel: none of it.
    let outside = events_until_pong(&mut bystander_ws, 1).await;
    for name in ["channel_created", "user_added", "channel_updated"] {
        assert!(named(&outside, name).is_empty(), "{name}: {outside:?}");
    }

    // Removing the member: the rest hear who and by whom, the member which channel; then
    // the member no longer hears the channel.
    let removed = server
        .http()
        .delete(server.api(&format!("/channels/{channel}/members/{}", member.id())))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    let body = json!({"display_name": "Again"});
    request(
        &server,
        &admin,
        "PUT",
        format!("/channels/{channel}/patch"),
        body,
    )
    .await;
    let for_member = events_until_pong(&mut member_ws, 3).await;
    let gone = named(&for_member, "user_removed");
    assert_eq!(gone.len(), 1, "{for_member:?}");
    assert_eq!(gone[0]["data"]["channel_id"], channel.as_str());
    assert_eq!(gone[0]["data"]["remover_id"], admin.id());
    assert!(named(&for_member, "channel_updated").is_empty());
    let for_admin = events_until_pong(&mut admin_ws, 2).await;
    let gone = named(&for_admin, "user_removed");
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["data"]["user_id"], member.id());

    // Archiving a private channel tells its members; a public one, the whole team.
    let deleted = server
        .http()
        .delete(server.api(&format!("/channels/{channel}")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let public = make_channel(&admin, &team, "open", "O").await;
    let archived = server
        .http()
        .delete(server.api(&format!("/channels/{public}")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(archived.status(), 200);
    let for_bystander = events_until_pong(&mut bystander_ws, 2).await;
    let deleted = named(&for_bystander, "channel_deleted");
    assert_eq!(deleted.len(), 1, "{for_bystander:?}");
    assert_eq!(deleted[0]["data"]["channel_id"], public.as_str());
    assert_eq!(deleted[0]["broadcast"]["team_id"], team.as_str());
    let for_admin = events_until_pong(&mut admin_ws, 3).await;
    assert_eq!(named(&for_admin, "channel_deleted").len(), 2);

    // The team renamed: every member; then the member leaves: the team hears it, the
    // member too, and then no longer hears the team.
    let body = json!({"display_name": "Events"});
    request(&server, &admin, "PUT", format!("/teams/{team}/patch"), body).await;
    let left = server
        .http()
        .delete(server.api(&format!("/teams/{team}/members/{}", member.id())))
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(left.status(), 200);
    let body = json!({"display_name": "Events again"});
    request(&server, &admin, "PUT", format!("/teams/{team}/patch"), body).await;
    let for_member = events_until_pong(&mut member_ws, 4).await;
    let updates = named(&for_member, "update_team");
    assert_eq!(updates.len(), 1, "{for_member:?}");
    let shown: Value = serde_json::from_str(updates[0]["data"]["team"].as_str().unwrap()).unwrap();
    assert_eq!(
        (shown["display_name"].clone(), shown["email"].clone()),
        (json!("Events"), json!(""))
    );
    assert_eq!(named(&for_member, "leave_team").len(), 1);
    let for_bystander = events_until_pong(&mut bystander_ws, 3).await;
    assert_eq!(named(&for_bystander, "update_team").len(), 2);
    let left = named(&for_bystander, "leave_team");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["data"]["user_id"], member.id());

    // System roles: only the user hears of theirs.
    let body = json!({"roles": "system_user system_user_manager"});
    request(
        &server,
        &admin,
        "PUT",
        format!("/users/{}/roles", bystander.id()),
        body,
    )
    .await;
    let for_bystander = events_until_pong(&mut bystander_ws, 4).await;
    let roles = named(&for_bystander, "user_role_updated");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["data"]["roles"], "system_user system_user_manager");
    assert!(
        named(
            &events_until_pong(&mut member_ws, 5).await,
            "user_role_updated"
        )
        .is_empty()
    );
}

#[tokio::test]
async fn direct_group_viewed_and_member_events() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let one = server.user(&admin, "one").await;
    let two = server.user(&admin, "two").await;
    let three = server.user(&admin, "three").await;
    let mut one_ws = connect(&server, &one).await;
    expect_hello(&mut one_ws, one.id()).await;
    let mut two_ws = connect(&server, &two).await;
    expect_hello(&mut two_ws, two.id()).await;
    let mut three_ws = connect(&server, &three).await;
    expect_hello(&mut three_ws, three.id()).await;
    // A direct channel: both members hear of it, once; the second call changes nothing.
    let body = json!([one.id(), two.id()]);
    let dm = request(
        &server,
        &one,
        "POST",
        "/channels/direct".into(),
        body.clone(),
    )
    .await;
    request(&server, &one, "POST", "/channels/direct".into(), body).await;
    let dm_id = dm["id"].as_str().unwrap().to_owned();
    for socket in [&mut one_ws, &mut two_ws] {
        let seen = events_until_pong(socket, 1).await;
        let added = named(&seen, "direct_added");
        assert_eq!(added.len(), 1, "{seen:?}");
        assert_eq!(added[0]["data"]["creator_id"], one.id());
        assert_eq!(added[0]["data"]["teammate_id"], two.id());
        assert_eq!(added[0]["broadcast"]["channel_id"], dm_id.as_str());
    }
    assert!(named(&events_until_pong(&mut three_ws, 1).await, "direct_added").is_empty());
    // A group channel: a copy to each member, naming them all.
    let body = json!([one.id(), two.id(), three.id()]);
    let gm = request(&server, &one, "POST", "/channels/group".into(), body).await;
    let seen = events_until_pong(&mut three_ws, 2).await;
    let added = named(&seen, "group_added");
    assert_eq!(added.len(), 1, "{seen:?}");
    assert_eq!(added[0]["broadcast"]["user_id"], three.id());
    assert_eq!(added[0]["broadcast"]["channel_id"], gm["id"]);
    let mut ids: Vec<String> =
        serde_json::from_str(added[0]["data"]["teammate_ids"].as_str().unwrap()).unwrap();
    ids.sort();
    let mut expected = vec![
        one.id().to_owned(),
        two.id().to_owned(),
        three.id().to_owned(),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    // Reading an unread channel tells the reader's sessions; reading it again does not.
    let post = json!({"channel_id": dm_id, "message": "read me"});
    request(&server, &one, "POST", "/posts".into(), post).await;
    let view = json!({"channel_id": dm_id});
    request(
        &server,
        &two,
        "POST",
        format!("/channels/members/{}/view", two.id()),
        view.clone(),
    )
    .await;
    request(
        &server,
        &two,
        "POST",
        format!("/channels/members/{}/view", two.id()),
        view,
    )
    .await;
    let seen = events_until_pong(&mut two_ws, 2).await;
    let viewed = named(&seen, "multiple_channels_viewed");
    assert_eq!(viewed.len(), 1, "{seen:?}");
    assert!(viewed[0]["data"]["channel_times"][&dm_id].is_i64());
    // A membership's settings: channel_member_updated to that member only.
    let props = json!({"desktop": "none"});
    let path = format!("/channels/{dm_id}/members/{}/notify_props", two.id());
    request(&server, &two, "PUT", path, props).await;
    let seen = events_until_pong(&mut two_ws, 3).await;
    let updated = named(&seen, "channel_member_updated");
    assert_eq!(updated.len(), 1, "{seen:?}");
    let member: Value =
        serde_json::from_str(updated[0]["data"]["channelMember"].as_str().unwrap()).unwrap();
    assert_eq!(member["notify_props"]["desktop"], "none");
    assert!(
        named(
            &events_until_pong(&mut one_ws, 2).await,
            "channel_member_updated"
        )
        .is_empty()
    );
    // A team membership's roles: memberrole_updated to that member.
    let team = make_team(&admin, "roleteam", "O").await;
    let join = json!({"team_id": team, "user_id": one.id()});
    request(
        &server,
        &admin,
        "POST",
        format!("/teams/{team}/members"),
        join,
    )
    .await;
    let roles = json!({"roles": "team_user team_admin"});
    request(
        &server,
        &admin,
        "PUT",
        format!("/teams/{team}/members/{}/roles", one.id()),
        roles,
    )
    .await;
    let seen = events_until_pong(&mut one_ws, 3).await;
    let changed = named(&seen, "memberrole_updated");
    assert_eq!(changed.len(), 1, "{seen:?}");
    let member: Value =
        serde_json::from_str(changed[0]["data"]["member"].as_str().unwrap()).unwrap();
    assert!(member["roles"].as_str().unwrap().contains("team_admin"));
}

#[tokio::test]
async fn account_events_carry_the_copy_each_audience_may_see() {
    let server = TestServer::start_with(|c| {
        c.guest_accounts_settings.enable = true;
        c.privacy_settings.show_email_address = false;
    })
    .await;
    let admin = server.admin().await;
    let person = server.user(&admin, "person").await;
    let watcher = server.user(&admin, "watcher").await;
    let guest = server.user(&admin, "guest").await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    let guest = server.login("guest", crate::common::PASSWORD).await;
    let mut admin_ws = connect(&server, &admin).await;
    expect_hello(&mut admin_ws, admin.id()).await;
    let mut person_ws = connect(&server, &person).await;
    expect_hello(&mut person_ws, person.id()).await;
    let mut watcher_ws = connect(&server, &watcher).await;
    expect_hello(&mut watcher_ws, watcher.id()).await;
    let mut guest_ws = connect(&server, &guest).await;
    expect_hello(&mut guest_ws, guest.id()).await;

    // The person changes their nickname.
    let patched = server
        .http()
        .put(server.api("/users/me/patch"))
        .bearer_auth(&person.token)
        .json(&json!({"nickname": "Pat"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let user_updated = |frames: Vec<Value>| -> Vec<Value> {
        frames
            .into_iter()
            .filter(|f| f["event"] == "user_updated")
            .collect()
    };
    // Their own copy, with their email and settings; an object, not a string.
    let own = user_updated(events_until_pong(&mut person_ws, 1).await);
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["data"]["user"]["nickname"], "Pat");
    assert_eq!(own[0]["data"]["user"]["email"], "person@example.com");
    assert_eq!(own[0]["broadcast"]["user_id"], person.id());
    // An admin: the admin copy (the email, no verification flag).
    let for_admin = user_updated(events_until_pong(&mut admin_ws, 1).await);
    assert_eq!(for_admin.len(), 1, "{for_admin:?}");
    assert_eq!(for_admin[0]["broadcast"]["contains_sensitive_data"], true);
    assert_eq!(for_admin[0]["data"]["user"]["email"], "person@example.com");
    assert!(for_admin[0]["data"]["user"].get("email_verified").is_none());
    // Anyone else: the profile, without the email the privacy settings hide.
    let for_watcher = user_updated(events_until_pong(&mut watcher_ws, 1).await);
    assert_eq!(for_watcher.len(), 1, "{for_watcher:?}");
    assert_eq!(for_watcher[0]["broadcast"]["contains_sanitized_data"], true);
    assert_eq!(for_watcher[0]["data"]["user"]["email"], "");
    assert_eq!(for_watcher[0]["broadcast"]["omit_users"][person.id()], true);
    // A guest who shares no team or channel with them: nothing.
    let for_guest = user_updated(events_until_pong(&mut guest_ws, 1).await);
    assert!(for_guest.is_empty(), "{for_guest:?}");

    // A new account: everyone hears of it, but the guest who cannot see it.
    admin
        .client
        .create_user(None, None, &crate::common::new_user("newcomer"))
        .await
        .unwrap();
    let heard = events_until_pong(&mut watcher_ws, 2).await;
    assert_eq!(named(&heard, "new_user").len(), 1, "{heard:?}");
    assert!(named(&events_until_pong(&mut guest_ws, 2).await, "new_user").is_empty());

    // Deactivation: the account's copy goes out, and the activation change to everyone.
    let body = json!({"active": false});
    let done = server
        .http()
        .put(server.api(&format!("/users/{}/active", watcher.id())))
        .bearer_auth(&admin.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    let heard = events_until_pong(&mut person_ws, 2).await;
    assert_eq!(
        named(&heard, "user_activation_status_change").len(),
        1,
        "{heard:?}"
    );
    let updated = named(&heard, "user_updated");
    assert_eq!(updated.len(), 1);
    assert!(updated[0]["data"]["user"]["delete_at"].as_i64().unwrap() > 0);
    // The deactivated account's sessions ended: its socket receives nothing more and closes.
    let mut closed = false;
    for _ in 0..10 {
        match next(&mut watcher_ws).await {
            None => {
                closed = true;
                break;
            }
            Some(frame) => assert_ne!(frame["event"], "user_activation_status_change", "{frame}"),
        }
    }
    assert!(closed, "the deactivated user's socket stayed open");
}

#[tokio::test]
async fn thread_and_config_events() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "threader").await;
    let team = make_team(&admin, "threads", "O").await;
    let channel = make_channel(&admin, &team, "talk", "O").await;
    let join = json!({"team_id": team, "user_id": member.id()});
    request(
        &server,
        &admin,
        "POST",
        format!("/teams/{team}/members"),
        join,
    )
    .await;
    let add = json!({"user_id": member.id()});
    request(
        &server,
        &admin,
        "POST",
        format!("/channels/{channel}/members"),
        add,
    )
    .await;
    let root = request(
        &server,
        &admin,
        "POST",
        "/posts".into(),
        json!({"channel_id": channel, "message": "q"}),
    )
    .await;
    let root_id = root["id"].as_str().unwrap().to_owned();
    let reply = json!({"channel_id": channel, "message": "@sysadmin a", "root_id": root_id});
    request(&server, &member, "POST", "/posts".into(), reply).await;
    let mut admin_ws = connect(&server, &admin).await;
    expect_hello(&mut admin_ws, admin.id()).await;
    let base = format!("/users/{}/teams/{team}/threads/{root_id}", admin.id());
    request(
        &server,
        &admin,
        "DELETE",
        format!("{base}/following"),
        Value::Null,
    )
    .await;
    request(
        &server,
        &admin,
        "PUT",
        format!("{base}/following"),
        Value::Null,
    )
    .await;
    let now = 4_102_444_800_000_i64;
    request(
        &server,
        &admin,
        "PUT",
        format!("{base}/read/{now}"),
        Value::Null,
    )
    .await;
    let all = format!("/users/{}/teams/{team}/threads/read", admin.id());
    request(&server, &admin, "PUT", all, Value::Null).await;
    let seen = events_until_pong(&mut admin_ws, 1).await;
    let follows = named(&seen, "thread_follow_changed");
    assert_eq!(follows.len(), 2, "{seen:?}");
    assert_eq!(
        (
            follows[0]["data"]["state"].clone(),
            follows[1]["data"]["state"].clone()
        ),
        (json!(false), json!(true))
    );
    assert_eq!(follows[0]["data"]["reply_count"], 1);
    assert_eq!(follows[0]["broadcast"]["team_id"], team.as_str());
    let reads = named(&seen, "thread_read_changed");
    assert_eq!(reads.len(), 2, "{seen:?}");
    assert_eq!(reads[0]["data"]["thread_id"], root_id.as_str());
    assert_eq!(reads[0]["data"]["previous_unread_mentions"], 1);
    assert_eq!(reads[0]["data"]["unread_mentions"], 0);
    assert_eq!(reads[0]["data"]["unread_replies"], 0);
    assert_eq!(reads[0]["data"]["channel_id"], channel.as_str());
    assert_eq!(reads[1]["data"], json!({}));
    // The member's socket heard none of the admin's thread state.
    let mut member_ws = connect(&server, &member).await;
    expect_hello(&mut member_ws, member.id()).await;
    // A config change reaches every connection, with the client config as an object.
    let patch = json!({"TeamSettings": {"SiteName": "Renamed Site"}});
    request(&server, &admin, "PUT", "/config/patch".into(), patch).await;
    for socket in [&mut admin_ws, &mut member_ws] {
        let seen = events_until_pong(socket, 2).await;
        let changed = named(&seen, "config_changed");
        assert_eq!(changed.len(), 1, "{seen:?}");
        assert_eq!(changed[0]["data"]["config"]["SiteName"], "Renamed Site");
    }
    assert!(
        named(
            &events_until_pong(&mut member_ws, 3).await,
            "thread_read_changed"
        )
        .is_empty()
    );
}

#[tokio::test]
async fn typing_skips_clients_showing_another_channel_and_thread() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let team = make_team(&admin, "scope", "O").await;
    let here = make_channel(&admin, &team, "here", "O").await;
    let there = make_channel(&admin, &team, "there", "O").await;
    let member = server.user(&admin, "scoped").await;
    for (method, path, body) in [
        (
            "POST",
            format!("/teams/{team}/members"),
            json!({"team_id": team, "user_id": member.id()}),
        ),
        (
            "POST",
            format!("/channels/{here}/members"),
            json!({"user_id": member.id()}),
        ),
    ] {
        let response = server
            .http()
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                server.api(&path),
            )
            .bearer_auth(&admin.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    let mut admin_ws = connect(&server, &admin).await;
    expect_hello(&mut admin_ws, admin.id()).await;
    let typing = |data: Value| {
        let request = server
            .http()
            .post(server.api(&format!("/users/{}/typing", member.id())))
            .bearer_auth(&member.token)
            .json(&data);
        async move { assert_eq!(request.send().await.unwrap().status(), 200) }
    };
    // The admin shows another channel and has threads open elsewhere: no typing from here.
    send(
        &mut admin_ws,
        json!({"seq": 1, "action": "presence", "data": {"channel_id": there}}),
    )
    .await;
    send(
        &mut admin_ws,
        json!({"seq": 2, "action": "presence", "data": {"thread_channel_id": there, "is_thread_view": false}}),
    )
    .await;
    send(
        &mut admin_ws,
        json!({"seq": 3, "action": "presence", "data": {"thread_channel_id": there, "is_thread_view": true}}),
    )
    .await;
    for seq in 1..=3 {
        assert_eq!(next_reply(&mut admin_ws).await["seq_reply"], seq);
    }
    typing(json!({"channel_id": here})).await;
    assert!(named(&events_until_pong(&mut admin_ws, 4).await, "typing").is_empty());
    // Showing this channel again: typing arrives.
    send(
        &mut admin_ws,
        json!({"seq": 5, "action": "presence", "data": {"channel_id": here}}),
    )
    .await;
    next_reply(&mut admin_ws).await;
    typing(json!({"channel_id": here})).await;
    assert_eq!(
        named(&events_until_pong(&mut admin_ws, 6).await, "typing").len(),
        1
    );
}
