//! Post reminders: set for oneself (or by who may act for the user) on a post one can read,
//! confirmed with an ephemeral post; when due, the system bot's `reminder` post arrives in
//! the user's direct channel with it, once.

use crate::common::{TestServer, assert_fails, make_channel, make_team};
use crate::websocket::{connect, expect_hello, join_channel, join_team, next, request};
use ferromost_client::types::SetPostReminderBody;
use serde_json::{Value, json};

const FORBIDDEN: &str = "api.context.permissions.app_error";

/// The next event named `name` within `secs` seconds (others skipped).
async fn wait_for(socket: &mut crate::websocket::Socket, name: &str, secs: u64) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no {name} in {secs} s"
        );
        let frame = next(socket).await.expect("the socket stays open");
        if frame["event"] == name {
            return frame;
        }
    }
}

fn post_of(frame: &Value) -> Value {
    serde_json::from_str(frame["data"]["post"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn a_reminder_is_confirmed_and_arrives_from_the_system_bot_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "forgetful").await;
    let outsider = server.user(&admin, "elsewhere").await;
    let team = make_team(&admin, "remind", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &outsider).await;
    let channel = make_channel(&admin, &team, "later", "P").await;
    join_channel(&admin, &channel, &member).await;
    let post = request(
        &server,
        &admin,
        "POST",
        "/posts".into(),
        json!({"channel_id": channel, "message": "look at this tomorrow"}),
    )
    .await;
    let post_id = post["id"].as_str().unwrap().to_owned();
    let mut ws = connect(&server, &member).await;
    expect_hello(&mut ws, member.id()).await;

    // Far ahead: confirmed to the user alone, nothing sent yet.
    let later = SetPostReminderBody {
        target_time: 4_102_444_800,
    };
    member
        .client
        .set_post_reminder(member.id(), &post_id, &later)
        .await
        .unwrap();
    let note = post_of(&wait_for(&mut ws, "ephemeral_message", 5).await);
    assert_eq!(note["type"], "system_ephemeral");
    assert_eq!(note["root_id"], post_id.as_str());
    assert_eq!(note["props"]["type"], "reminder");
    assert_eq!(note["props"]["username"], "sysadmin");
    assert_eq!(note["props"]["team_name"], "remind");
    assert_eq!(note["props"]["target_time"], 4_102_444_800_i64);
    let message = note["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "/remind/pl/{post_id} by @sysadmin at 01 Jan 00 00:00 UTC"
        )),
        "{message}"
    );

    // Not for someone else, not on a post one cannot read, not on a post that is not there.
    assert_fails(
        member
            .client
            .set_post_reminder(admin.id(), &post_id, &later)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        outsider
            .client
            .set_post_reminder(outsider.id(), &post_id, &later)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        member
            .client
            .set_post_reminder(member.id(), &"a".repeat(26), &later)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        member
            .client
            .set_post_reminder(member.id(), "not-an-id", &later)
            .await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    // An admin may set one for the user.
    admin
        .client
        .set_post_reminder(member.id(), &post_id, &later)
        .await
        .unwrap();
    wait_for(&mut ws, "ephemeral_message", 5).await;

    // Moved into the past: it arrives once, from the system bot, in a direct channel.
    let past = SetPostReminderBody {
        target_time: now_secs() - 5,
    };
    member
        .client
        .set_post_reminder(member.id(), &post_id, &past)
        .await
        .unwrap();
    let posted = wait_for(&mut ws, "posted", 10).await;
    let sent = post_of(&posted);
    assert_eq!(sent["type"], "reminder");
    assert_eq!(posted["data"]["channel_type"], "D");
    assert_eq!(posted["data"]["sender_name"], "@system-bot");
    assert_eq!(sent["props"]["post_id"], post_id.as_str());
    assert_eq!(sent["props"]["team_name"], "remind");
    let text = sent["message"].as_str().unwrap();
    assert!(
        text.starts_with("Hi there, here's your reminder about this message from @sysadmin: "),
        "{text}"
    );
    assert!(text.ends_with(&format!("/remind/pl/{post_id}")), "{text}");
    let bot = request(
        &server,
        &admin,
        "GET",
        "/users/username/system-bot".into(),
        json!(null),
    )
    .await;
    assert_eq!(bot["is_bot"], true, "{bot}");
    assert_eq!(bot["first_name"], "System");
    // Taken: nothing is left to send, and nothing arrives twice.
    {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let left = ferromost::store::entity::post_reminder::Entity::find()
            .count(server.state.db())
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let dm = sent["channel_id"].as_str().unwrap();
    let reminders: Vec<_> = crate::common::latest(&member, dm, 10)
        .await
        .into_iter()
        .filter(|(_, _, kind)| kind == "reminder")
        .collect();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
}

fn now_secs() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_secs()).unwrap()
}
