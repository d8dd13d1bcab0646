//! Concurrent identical requests (issue 8's list): never a 5xx, and the end state exact.
//! Each test fires N copies of one request at once and then reads what was stored.

use crate::common::{Account, TestServer, make_channel, make_team};
use serde_json::{Value, json};

const N: usize = 16;

/// Sends `n` copies of the request at once as `who`; the statuses.
async fn burst(
    server: &TestServer,
    who: &Account,
    method: &str,
    path: &str,
    body: Option<Value>,
    n: usize,
) -> Vec<u16> {
    server
        .race_as(method, path, Some(&who.token), vec![body; n])
        .await
}

fn all_succeeded(statuses: &[u16]) {
    assert!(
        statuses.iter().all(|s| (200..300).contains(s)),
        "{statuses:?}"
    );
}

async fn get(server: &TestServer, who: &Account, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(server.api(path))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

struct World {
    server: TestServer,
    admin: Account,
    user: Account,
    team: String,
    channel: String,
}

/// The world's user joins its team and channel (added by the admin).
async fn join_the_channel(w: &World) {
    for (path, body) in [
        (
            format!("/teams/{}/members", w.team),
            json!({"team_id": w.team, "user_id": w.user.id()}),
        ),
        (
            format!("/channels/{}/members", w.channel),
            json!({"user_id": w.user.id()}),
        ),
    ] {
        let status = reqwest::Client::new()
            .post(w.server.api(&path))
            .bearer_auth(&w.admin.token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "{path}: {status}");
    }
}

/// A root post by the admin in the world's channel; its id.
async fn root_post(w: &World) -> String {
    let root: Value = reqwest::Client::new()
        .post(w.server.api("/posts"))
        .bearer_auth(&w.admin.token)
        .json(&json!({"channel_id": w.channel, "message": "root"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    root["id"].as_str().unwrap().to_owned()
}

async fn world() -> World {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let team = make_team(&admin, "racing", "O").await;
    let channel = make_channel(&admin, &team, "track", "O").await;
    World {
        server,
        admin,
        user,
        team,
        channel,
    }
}

#[tokio::test]
async fn joining_a_team_and_a_channel_at_once() {
    let w = world().await;
    let body = json!({"team_id": w.team, "user_id": w.user.id()});
    let path = format!("/teams/{}/members", w.team);
    all_succeeded(&burst(&w.server, &w.admin, "POST", &path, Some(body), N).await);
    let members = get(&w.server, &w.admin, &format!("/teams/{}/members", w.team)).await;
    assert_eq!(members.as_array().unwrap().len(), 2);
    let body = json!({"user_id": w.user.id()});
    let path = format!("/channels/{}/members", w.channel);
    all_succeeded(&burst(&w.server, &w.admin, "POST", &path, Some(body), N).await);
    let stats = get(
        &w.server,
        &w.admin,
        &format!("/channels/{}/stats", w.channel),
    )
    .await;
    assert_eq!(stats["member_count"], 2);
}

#[tokio::test]
async fn the_same_direct_channel_at_once() {
    let w = world().await;
    let body = json!([w.user.id(), w.admin.id()]);
    all_succeeded(
        &burst(
            &w.server,
            &w.user,
            "POST",
            "/channels/direct",
            Some(body),
            N,
        )
        .await,
    );
    let mine = get(&w.server, &w.user, "/users/me/channels").await;
    let direct = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "D")
        .count();
    assert_eq!(direct, 1);
}

#[tokio::test]
async fn first_replies_reactions_and_follows_at_once() {
    let w = world().await;
    let root_id = root_post(&w).await;
    let reply = json!({"channel_id": w.channel, "message": "me too", "root_id": root_id});
    all_succeeded(&burst(&w.server, &w.admin, "POST", "/posts", Some(reply), N).await);
    let thread = get(&w.server, &w.admin, &format!("/posts/{root_id}")).await;
    assert_eq!(thread["reply_count"], N);
    let channel = get(&w.server, &w.admin, &format!("/channels/{}", w.channel)).await;
    assert_eq!(channel["total_msg_count"], N + 1);
    // The same reaction: one stays.
    let reaction = json!({"user_id": w.admin.id(), "post_id": root_id, "emoji_name": "tada"});
    all_succeeded(&burst(&w.server, &w.admin, "POST", "/reactions", Some(reaction), N).await);
    let reactions = get(&w.server, &w.admin, &format!("/posts/{root_id}/reactions")).await;
    assert_eq!(reactions.as_array().unwrap().len(), 1);
    // Following the thread at once.
    let path = format!(
        "/users/{}/teams/{}/threads/{root_id}/following",
        w.admin.id(),
        w.team
    );
    all_succeeded(&burst(&w.server, &w.admin, "PUT", &path, None, N).await);
    let threads = get(
        &w.server,
        &w.admin,
        &format!("/users/{}/teams/{}/threads", w.admin.id(), w.team),
    )
    .await;
    let followed: Vec<&Value> = threads["threads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == root_id.as_str())
        .collect();
    assert_eq!(followed.len(), 1);
    assert_eq!(followed[0]["reply_count"], N);
}

#[tokio::test]
async fn preference_upserts_at_once() {
    let w = world().await;
    let body = json!([{"user_id": w.user.id(), "category": "display_settings",
                       "name": "use_military_time", "value": "true"}]);
    let path = format!("/users/{}/preferences", w.user.id());
    all_succeeded(&burst(&w.server, &w.user, "PUT", &path, Some(body), N).await);
    let prefs = get(&w.server, &w.user, &format!("{path}/display_settings")).await;
    assert_eq!(prefs.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_burst_of_posts_counts_exactly() {
    let w = world().await;
    let post = json!({"channel_id": w.channel, "message": "fast"});
    let bursts = 2 * N;
    all_succeeded(&burst(&w.server, &w.admin, "POST", "/posts", Some(post), bursts).await);
    let channel = get(&w.server, &w.admin, &format!("/channels/{}", w.channel)).await;
    assert_eq!(channel["total_msg_count"], bursts);
    let page = get(
        &w.server,
        &w.admin,
        &format!("/channels/{}/posts?per_page=200", w.channel),
    )
    .await;
    assert_eq!(page["order"].as_array().unwrap().len(), bursts);
    // The author read each of their posts: nothing unread, whatever the order.
    let unread = get(
        &w.server,
        &w.admin,
        &format!("/users/me/channels/{}/unread", w.channel),
    )
    .await;
    assert_eq!(unread["msg_count"], 0, "{unread}");
}

#[tokio::test]
async fn mentions_in_concurrent_replies_count_exactly() {
    let w = world().await;
    join_the_channel(&w).await;
    let root_id = root_post(&w).await;
    let reply = json!({"channel_id": w.channel, "message": "ping @basic", "root_id": root_id});
    all_succeeded(&burst(&w.server, &w.admin, "POST", "/posts", Some(reply), N).await);
    // The channel counts every mention once, and so does the thread.
    let member = get(
        &w.server,
        &w.user,
        &format!("/channels/{}/members/{}", w.channel, w.user.id()),
    )
    .await;
    assert_eq!(member["mention_count"], N);
    let thread = get(
        &w.server,
        &w.user,
        &format!("/users/{}/teams/{}/threads/{root_id}", w.user.id(), w.team),
    )
    .await;
    assert_eq!(thread["unread_mentions"], N);
    assert_eq!(thread["reply_count"], N);
    assert_eq!(thread["unread_replies"], N);
    let participants: Vec<&str> = thread["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(participants, [w.admin.id()]);
}

#[tokio::test]
async fn a_mixed_burst_is_group_committed_and_counts_exactly() {
    let w = world().await;
    join_the_channel(&w).await;
    let root_id = root_post(&w).await;
    let (posts_before, _) = w.server.state.post_writer().counts();
    // Root posts naming basic, root posts to @channel, plain replies: all at once.
    let mut bodies = Vec::new();
    for _ in 0..N {
        bodies.push(Some(
            json!({"channel_id": w.channel, "message": "hi @basic"}),
        ));
        bodies.push(Some(
            json!({"channel_id": w.channel, "message": "all of you @channel"}),
        ));
        bodies.push(Some(
            json!({"channel_id": w.channel, "message": "reply", "root_id": root_id}),
        ));
    }
    let statuses = w
        .server
        .race_as("POST", "/posts", Some(&w.admin.token), bodies)
        .await;
    all_succeeded(&statuses);
    let (posts, batches) = w.server.state.post_writer().counts();
    assert_eq!(posts - posts_before, 3 * N as u64);
    assert!(batches < posts, "{batches} batches for {posts} posts");
    let channel = get(&w.server, &w.admin, &format!("/channels/{}", w.channel)).await;
    assert_eq!(channel["total_msg_count"], 3 * N + 1);
    assert_eq!(channel["total_msg_count_root"], 2 * N + 1);
    let member = get(
        &w.server,
        &w.user,
        &format!("/channels/{}/members/{}", w.channel, w.user.id()),
    )
    .await;
    assert_eq!(member["mention_count"], 2 * N);
    assert_eq!(member["mention_count_root"], 2 * N);
    let thread = get(&w.server, &w.admin, &format!("/posts/{root_id}/thread")).await;
    assert_eq!(thread["order"].as_array().unwrap().len(), N + 1);
    let root = &thread["posts"][root_id.as_str()];
    assert_eq!(root["reply_count"], N, "{root}");
}

#[tokio::test]
async fn statuses_and_custom_statuses_at_once() {
    let w = world().await;
    let me = w.user.id();
    // The user's first status, set many times at once: stored once, no 5xx.
    let status = json!({"user_id": me, "status": "dnd"});
    let path = format!("/users/{me}/status");
    all_succeeded(&burst(&w.server, &w.user, "PUT", &path, Some(status), N).await);
    let stored = get(&w.server, &w.user, &path).await;
    assert_eq!(stored["status"], "dnd");
    // Different custom statuses at once: the recent list keeps five of them, none lost
    // to another's read-modify-write, none twice.
    let bodies: Vec<Option<Value>> = (0..N)
        .map(|i| Some(json!({"emoji": "calendar", "text": format!("busy {i}")})))
        .collect();
    let custom = format!("/users/{me}/status/custom");
    let statuses = w
        .server
        .race_as("PUT", &custom, Some(&w.user.token), bodies)
        .await;
    all_succeeded(&statuses);
    let account = get(&w.server, &w.user, "/users/me").await;
    let current: Value =
        serde_json::from_str(account["props"]["customStatus"].as_str().unwrap()).unwrap();
    let prefs = get(&w.server, &w.user, &format!("/users/{me}/preferences")).await;
    let recent = prefs
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "recent_custom_statuses")
        .map(|p| serde_json::from_str::<Value>(p["value"].as_str().unwrap()).unwrap())
        .unwrap();
    let texts: Vec<&str> = recent
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 5, "{texts:?}");
    let distinct: std::collections::HashSet<&&str> = texts.iter().collect();
    assert_eq!(distinct.len(), 5, "{texts:?}");
    // The newest in the list is the one the account shows.
    assert_eq!(texts[0], current["text"].as_str().unwrap());
}

#[tokio::test]
async fn batches_of_the_same_rows_in_opposite_orders_at_once() {
    let w = world().await;
    let mut ids = vec![w.user.id().to_owned()];
    for name in ["racer1", "racer2", "racer3"] {
        ids.push(w.server.user(&w.admin, name).await.id().to_owned());
    }
    let mut reversed = ids.clone();
    reversed.reverse();
    for round in 0..4 {
        // Adding the same accounts to a team in opposite orders.
        let team = make_team(&w.admin, &format!("batch{round}"), "O").await;
        let bodies: Vec<_> = [&ids, &reversed, &ids, &reversed]
            .into_iter()
            .map(|order| {
                let members: Vec<Value> = order
                    .iter()
                    .map(|id| json!({"team_id": team, "user_id": id}))
                    .collect();
                Some(json!(members))
            })
            .collect();
        let path = format!("/teams/{team}/members/batch");
        let statuses = w
            .server
            .race_as("POST", &path, Some(&w.admin.token), bodies)
            .await;
        assert!(statuses.iter().all(|s| *s == 201), "{path}: {statuses:?}");
        let members = get(&w.server, &w.admin, &format!("/teams/{team}/members")).await;
        assert_eq!(
            members.as_array().unwrap().len(),
            ids.len() + 1,
            "round {round}"
        );
        // Saving the same preferences in opposite orders.
        let prefs: Vec<Value> = (0..6)
            .map(|i| {
                json!({"user_id": w.user.id(), "category": "race",
                       "name": format!("p{i}"), "value": format!("{round}")})
            })
            .collect();
        let mut backwards = prefs.clone();
        backwards.reverse();
        let bodies = vec![Some(json!(prefs)), Some(json!(backwards))];
        let path = format!("/users/{}/preferences", w.user.id());
        all_succeeded(
            &w.server
                .race_as("PUT", &path, Some(&w.user.token), bodies)
                .await,
        );
        let saved = get(&w.server, &w.user, &format!("{path}/race")).await;
        assert_eq!(saved.as_array().unwrap().len(), 6, "round {round}");
    }
    // The same group channel asked for in different orders: one channel.
    let bodies: Vec<_> = [&ids, &reversed, &ids, &reversed]
        .into_iter()
        .map(|order| Some(json!(order)))
        .collect();
    all_succeeded(
        &w.server
            .race_as("POST", "/channels/group", Some(&w.admin.token), bodies)
            .await,
    );
}
