//! Incoming webhooks: managing them (who may, in which channels, one's own and others'),
//! and posting through one (JSON, a form's payload, a multipart form; the channel override
//! and its lock; Slack markup and attachments; the username and icon overrides; long text
//! split; a deleted hook or deactivated owner stopping it; the setting).

use crate::common::{
    Account, TestServer, assert_app_error, assert_fails, latest, make_channel, make_team,
};
use crate::websocket::join_team;
use ferromost_client::types;
use serde_json::{Value, json};

const FORBIDDEN: &str = "api.context.permissions.app_error";

fn new_hook(channel: &str) -> types::CreateIncomingWebhookBody {
    types::CreateIncomingWebhookBody {
        channel_id: channel.to_owned(),
        display_name: Some("CI".into()),
        description: Some("builds".into()),
        username: None,
        icon_url: None,
        user_id: None,
        channel_locked: None,
    }
}

async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.unwrap()
}

fn to_hook(server: &TestServer, hook: &str) -> reqwest::RequestBuilder {
    server.http().post(format!("{}/hooks/{hook}", server.url))
}

async fn make_team_admin(admin: &Account, team: &str, who: &Account) {
    let roles = types::UpdateTeamMemberRolesBody {
        roles: "team_user team_admin".into(),
    };
    admin
        .client
        .update_team_member_roles(team, who.id(), &roles)
        .await
        .unwrap();
}

#[tokio::test]
async fn managing_incoming_webhooks() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "hooks", "O").await;
    join_team(&admin, &team, &member).await;
    let channel = make_channel(&admin, &team, "builds", "O").await;
    let private = make_channel(&admin, &team, "secret", "P").await;
    // A plain team member may not make one (team admins may, by default).
    assert_fails(
        member
            .client
            .create_incoming_webhook(&new_hook(&channel))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    make_team_admin(&admin, &team, &member).await;
    // A team admin may make one for a public channel, not for a private channel they
    // cannot read, nor for someone else.
    let made = member
        .client
        .create_incoming_webhook(&new_hook(&channel))
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made = made.into_inner();
    assert_eq!(made.user_id.as_deref(), Some(member.id()));
    assert_eq!(made.team_id.as_deref(), Some(team.as_str()));
    assert_fails(
        member
            .client
            .create_incoming_webhook(&new_hook(&private))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // Someone outside the team may not.
    assert_fails(
        outsider
            .client
            .create_incoming_webhook(&new_hook(&channel))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // An admin makes one for another user; the override fields only with the settings.
    let mut named = new_hook(&channel);
    named.user_id = Some(member.id().to_owned());
    named.username = Some("ci-bot".into());
    let theirs = admin
        .client
        .create_incoming_webhook(&named)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(theirs.user_id.as_deref(), Some(member.id()));
    assert_eq!(
        theirs.username.as_deref(),
        Some(""),
        "EnablePostUsernameOverride is off"
    );
    let hook_id = made.id.clone().unwrap();
    // Listing: one's own in the team; an admin sees all.
    let mine = member
        .client
        .get_incoming_webhooks(None, None, Some(&team))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.len(), 2, "both are the member's");
    assert_fails(
        member.client.get_incoming_webhooks(None, None, None).await,
        403,
        FORBIDDEN,
    )
    .await;
    let all = admin
        .client
        .get_incoming_webhooks(None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.len(), 2);
    // Reading, updating, deleting: the owner, or with manage_others_incoming_webhooks.
    let other_member = server.user(&admin, "other").await;
    join_team(&admin, &team, &other_member).await;
    assert_fails(
        other_member.client.get_incoming_webhook(&hook_id).await,
        403,
        FORBIDDEN,
    )
    .await;
    let update = types::UpdateIncomingWebhookBody {
        id: hook_id.clone(),
        channel_id: channel.clone(),
        display_name: Some("CI builds".into()),
        description: None,
        icon_url: None,
        username: None,
        team_id: None,
        channel_locked: Some(true),
    };
    let updated = member
        .client
        .update_incoming_webhook(&hook_id, &update)
        .await
        .unwrap();
    assert_eq!(updated.status(), 201, "Mattermost answers 201 to an update");
    let updated = updated.into_inner();
    assert_eq!(updated.display_name.as_deref(), Some("CI builds"));
    assert_eq!(updated.channel_locked, Some(true));
    let mut elsewhere = update.clone();
    elsewhere.id = "abcdefghijklmnopqrstuvwxyz".into();
    assert_fails(
        member
            .client
            .update_incoming_webhook(&hook_id, &elsewhere)
            .await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    let other_team = make_team(&admin, "otherhooks", "O").await;
    let mut moved = update.clone();
    moved.team_id = Some(other_team);
    assert_fails(
        member
            .client
            .update_incoming_webhook(&hook_id, &moved)
            .await,
        400,
        "api.webhook.team_mismatch.app_error",
    )
    .await;
    assert_fails(
        other_member.client.delete_incoming_webhook(&hook_id).await,
        403,
        FORBIDDEN,
    )
    .await;
    member
        .client
        .delete_incoming_webhook(&hook_id)
        .await
        .unwrap();
    assert_fails(
        member.client.get_incoming_webhook(&hook_id).await,
        404,
        "app.webhooks.get_incoming.app_error",
    )
    .await;
    // The setting off: 501.
    server.configure(|c| c.service_settings.enable_incoming_webhooks = false);
    assert_fails(
        member
            .client
            .create_incoming_webhook(&new_hook(&channel))
            .await,
        501,
        "api.incoming_webhook.disabled.app_error",
    )
    .await;
}

#[tokio::test]
async fn posting_through_a_hook() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "poster").await;
    let team = make_team(&admin, "webhooked", "O").await;
    join_team(&admin, &team, &member).await;
    make_team_admin(&admin, &team, &member).await;
    let channel = make_channel(&admin, &team, "alerts", "O").await;
    let other = make_channel(&admin, &team, "other", "O").await;
    make_channel(&admin, &team, "private", "P").await;
    let hook = member
        .client
        .create_incoming_webhook(&new_hook(&channel))
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    // JSON: the post is the owner's, marked as from a webhook; the answer is `ok`.
    let response = send(
        to_hook(&server, &hook)
            .json(&json!({"text": "build <https://ci.example.com/1|#1> passed <!channel>"})),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(response.text().await.unwrap(), "ok");
    let (message, props, _) = latest(&admin, &channel, 1).await.remove(0);
    assert_eq!(
        message,
        "build [#1](https://ci.example.com/1) passed @channel"
    );
    assert_eq!(props["from_webhook"], "true");
    assert_eq!(props["webhook_display_name"], "CI");
    assert!(
        props.get("override_username").is_none(),
        "overrides are off"
    );
    // A form's payload; the channel named by the message (not locked).
    let payload = json!({"text": "from a form", "channel": "other"}).to_string();
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload)
        .finish();
    let request = to_hook(&server, &hook)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    let response = send(request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(latest(&admin, &other, 1).await[0].0, "from a form");
    // A multipart form of the fields.
    let multipart = reqwest::multipart::Form::new().text("text", "from multipart");
    let response = send(to_hook(&server, &hook).multipart(multipart)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(latest(&admin, &channel, 1).await[0].0, "from multipart");
    // Attachments make a slack_attachment post; field values become strings.
    let attached = json!({"attachments": [{"fallback": "f", "text": "see <https://x.example|x>", "fields": [{"title": "n", "value": 3}]}]});
    let response = send(to_hook(&server, &hook).json(&attached)).await;
    assert_eq!(response.status(), 200);
    let (_, props, post_type) = latest(&admin, &channel, 1).await.remove(0);
    assert_eq!(post_type, "slack_attachment");
    assert_eq!(
        props["attachments"][0]["text"],
        "see [x](https://x.example)"
    );
    assert_eq!(props["attachments"][0]["fields"][0]["value"], "3");
    // With the overrides on, the username and icon the message names.
    server.configure(|c| {
        c.service_settings.enable_post_username_override = true;
        c.service_settings.enable_post_icon_override = true;
    });
    let dressed =
        json!({"text": "dressed", "username": "jenkins", "icon_url": "https://example.com/j.png"});
    send(to_hook(&server, &hook).json(&dressed)).await;
    let (_, props, _) = latest(&admin, &channel, 1).await.remove(0);
    assert_eq!(props["override_username"], "jenkins");
    assert_eq!(props["override_icon_url"], "https://example.com/j.png");
    // Text over a post's length becomes several posts.
    let long = "y".repeat(16_383 + 10);
    send(to_hook(&server, &hook).json(&json!({"text": long}))).await;
    let two = latest(&admin, &channel, 2).await;
    let lengths: Vec<usize> = two.iter().map(|(m, _, _)| m.chars().count()).collect();
    assert_eq!(lengths, [10, 16_383]);
    // Refused: no text, bad JSON, an unknown hook, a channel the owner cannot read, an
    // unknown channel; a system post type.
    for (body, status, id) in [
        (
            json!({"text": ""}),
            400,
            "web.incoming_webhook.text.app_error",
        ),
        (
            json!({"text": "x", "channel": "private"}),
            403,
            "web.incoming_webhook.permissions.app_error",
        ),
        (
            json!({"text": "x", "channel": "nowhere"}),
            404,
            "web.incoming_webhook.channel.app_error",
        ),
        (
            json!({"text": "x", "type": "system_join_channel"}),
            400,
            "api.context.invalid_param.app_error",
        ),
    ] {
        let response = send(to_hook(&server, &hook).json(&body)).await;
        assert_app_error(response, status, id).await;
    }
    let response = send(
        to_hook(&server, &hook)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_app_error(response, 400, "model.incoming_hook.parse_data.app_error").await;
    let response =
        send(to_hook(&server, "abcdefghijklmnopqrstuvwxyz").json(&json!({"text": "x"}))).await;
    assert_app_error(response, 400, "web.incoming_webhook.invalid.app_error").await;
    // A direct message to a user, from the hook's owner.
    let to_admin = format!("@{}", admin.user.username.as_deref().unwrap());
    let response =
        send(to_hook(&server, &hook).json(&json!({"text": "psst", "channel": to_admin}))).await;
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    // Locked to its channel: elsewhere is refused.
    let lock = types::UpdateIncomingWebhookBody {
        id: hook.clone(),
        channel_id: channel.clone(),
        display_name: Some("CI".into()),
        description: None,
        icon_url: None,
        username: None,
        team_id: None,
        channel_locked: Some(true),
    };
    member
        .client
        .update_incoming_webhook(&hook, &lock)
        .await
        .unwrap();
    let response =
        send(to_hook(&server, &hook).json(&json!({"text": "x", "channel": "other"}))).await;
    assert_app_error(
        response,
        403,
        "web.incoming_webhook.channel_locked.app_error",
    )
    .await;
    // A deactivated owner's hook stops; so does everything with the setting off.
    admin
        .client
        .update_user_active(member.id(), &types::UpdateUserActiveBody { active: false })
        .await
        .unwrap();
    let response = send(to_hook(&server, &hook).json(&json!({"text": "x"}))).await;
    assert_app_error(response, 403, "web.incoming_webhook.user.app_error").await;
    server.configure(|c| c.service_settings.enable_incoming_webhooks = false);
    let response = send(to_hook(&server, &hook).json(&json!({"text": "x"}))).await;
    assert_app_error(response, 501, "web.incoming_webhook.disabled.app_error").await;
}

#[tokio::test]
async fn ephemeral_posts_reach_one_user_and_are_never_stored() {
    use crate::websocket::{connect, events_until_pong, expect_hello, named};
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "reader").await;
    let other = server.user(&admin, "bystander").await;
    let team = make_team(&admin, "ephemeral", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &other).await;
    let channel = make_channel(&admin, &team, "quiet", "O").await;
    let mut member_ws = connect(&server, &member).await;
    expect_hello(&mut member_ws, member.id()).await;
    let mut other_ws = connect(&server, &other).await;
    expect_hello(&mut other_ws, other.id()).await;
    let body = types::CreatePostEphemeralBody {
        user_id: member.id().to_owned(),
        post: types::CreatePostEphemeralBodyPost {
            channel_id: channel.clone(),
            message: "only you can see this".into(),
            root_id: None,
            props: serde_json::Map::new(),
        },
    };
    // Only with create_post_ephemeral (system admins).
    assert_fails(
        member.client.create_post_ephemeral(&body).await,
        403,
        FORBIDDEN,
    )
    .await;
    let sent = admin.client.create_post_ephemeral(&body).await.unwrap();
    assert_eq!(sent.status(), 201);
    let sent = sent.into_inner();
    assert_eq!(sent.type_.as_deref(), Some("system_ephemeral"));
    assert_eq!(sent.user_id.as_deref(), Some(admin.id()));
    let heard = events_until_pong(&mut member_ws, 1).await;
    let got = named(&heard, "ephemeral_message");
    assert_eq!(got.len(), 1, "{heard:?}");
    let post: Value = serde_json::from_str(got[0]["data"]["post"].as_str().unwrap()).unwrap();
    assert_eq!(post["message"], "only you can see this");
    assert_eq!(got[0]["broadcast"]["user_id"], member.id());
    assert!(
        named(
            &events_until_pong(&mut other_ws, 1).await,
            "ephemeral_message"
        )
        .is_empty()
    );
    assert_fails(
        admin
            .client
            .get_post(sent.id.as_deref().unwrap(), None)
            .await,
        404,
        "app.post.get.app_error",
    )
    .await;
}
