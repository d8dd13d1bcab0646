//! Slash commands: managing custom ones (who may, clashes, races, the sanitized lists),
//! running one against an integration that this test runs (the form Mattermost sends, GET
//! and POST, in-channel and ephemeral answers, extra responses, answers later through the
//! response URL, failures and the outbound guard), the built-in commands, autocomplete.

use crate::common::{
    Account, TestServer, assert_fails, eventually, latest, make_channel, make_team,
    trusting_loopback,
};
use crate::websocket::join_team;
use ferromost_client::types;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const FORBIDDEN: &str = "api.context.permissions.app_error";

/// What the integration received: method, query, headers we look at, body.
#[derive(Clone, Debug, Default)]
struct Call {
    method: String,
    query: String,
    authorization: String,
    body: String,
}

type Calls = Arc<Mutex<Vec<Call>>>;

/// An integration on loopback: `/json` answers `reply` as JSON, `/text` a plain text,
/// `/broken` a 500.
async fn integration(reply: Value) -> (String, Calls) {
    let calls: Calls = Arc::default();
    let record = |calls: Calls, answer: (u16, &'static str, String)| {
        move |method: axum::http::Method,
              uri: axum::http::Uri,
              headers: axum::http::HeaderMap,
              body: String| {
            let calls = calls.clone();
            let answer = answer.clone();
            async move {
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                calls.lock().unwrap().push(Call {
                    method: method.to_string(),
                    query: uri.query().unwrap_or_default().to_owned(),
                    authorization: header("authorization"),
                    body,
                });
                (
                    axum::http::StatusCode::from_u16(answer.0).unwrap(),
                    [("content-type", answer.1)],
                    answer.2,
                )
            }
        }
    };
    let any = |calls: &Calls, answer: (u16, &'static str, String)| {
        axum::routing::get(record(calls.clone(), answer.clone()))
            .post(record(calls.clone(), answer))
    };
    let app = axum::Router::new()
        .route(
            "/json",
            any(&calls, (200, "application/json", reply.to_string())),
        )
        .route(
            "/text",
            any(&calls, (200, "text/plain", "plain answer".to_owned())),
        )
        .route(
            "/broken",
            any(&calls, (500, "text/plain", "oops".to_owned())),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, calls)
}

fn command(team: &str, trigger: &str, url: &str, method: &str) -> types::Command {
    serde_json::from_value(json!({
        "team_id": team,
        "trigger": trigger,
        "url": url,
        "method": method,
        "display_name": "Deployer",
        "auto_complete": true,
        "auto_complete_desc": "Deploys things",
        "auto_complete_hint": "[service]",
    }))
    .unwrap()
}

async fn run(
    by: &Account,
    channel: &str,
    text: &str,
) -> Result<
    ferromost_client::ResponseValue<types::CommandResponse>,
    ferromost_client::Error<types::AppError>,
> {
    let body: types::ExecuteCommandBody =
        serde_json::from_value(json!({"channel_id": channel, "command": text})).unwrap();
    by.client.execute_command(&body).await
}

async fn answer(by: &Account, channel: &str, text: &str) -> Value {
    serde_json::to_value(run(by, channel, text).await.unwrap().into_inner()).unwrap()
}

fn form(text: &str) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

#[tokio::test]
async fn managing_commands() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let team = make_team(&admin, "cmds", "O").await;
    let other_team = make_team(&admin, "cmdsother", "O").await;
    join_team(&admin, &team, &member).await;
    let url = "https://deploy.example.com/run";
    // A team user may not (team and system admins may).
    assert_fails(
        member
            .client
            .create_command(&command(&team, "deploy", url, "P"))
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    let made = admin
        .client
        .create_command(&command(&team, "Deploy", url, "P"))
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made = made.into_inner();
    assert_eq!(made.trigger.as_deref(), Some("deploy"));
    assert_eq!(made.token.as_ref().map(String::len), Some(26));
    assert_eq!(made.creator_id.as_deref(), Some(admin.id()));
    let id = made.id.clone().unwrap();
    // Refused: a trigger in use (also a built-in one), a bad URL, method or trigger.
    for (trigger, url, method, error) in [
        (
            "deploy",
            url,
            "P",
            "api.command.duplicate_trigger.app_error",
        ),
        ("echo", url, "P", "api.command.duplicate_trigger.app_error"),
        (
            "x",
            "ftp://example.com",
            "P",
            "model.command.is_valid.url_http.app_error",
        ),
        ("x", "", "P", "model.command.is_valid.url.app_error"),
        ("x", url, "PUT", "model.command.is_valid.method.app_error"),
        (
            "two words",
            url,
            "P",
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "/slash",
            url,
            "P",
            "model.command.is_valid.trigger.app_error",
        ),
    ] {
        assert_fails(
            admin
                .client
                .create_command(&command(&team, trigger, url, method))
                .await,
            400,
            error,
        )
        .await;
    }
    // Reading it: managers only; to others it does not exist.
    let got = admin
        .client
        .get_command_by_id(&id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.token, made.token);
    assert_fails(
        member.client.get_command_by_id(&id).await,
        404,
        "store.sql_command.save.get.app_error",
    )
    .await;
    // The lists: a member sees the autocomplete list (sanitized); custom_only is for
    // managers, unsanitized.
    let seen = member
        .client
        .list_commands(Some(false), Some(&team))
        .await
        .unwrap()
        .into_inner();
    let deploy = seen
        .iter()
        .find(|c| c.trigger.as_deref() == Some("deploy"))
        .expect("the custom command is listed");
    assert_eq!(deploy.token.as_deref(), Some(""));
    assert_eq!(deploy.url.as_deref(), Some(""));
    assert!(seen.iter().any(|c| c.trigger.as_deref() == Some("echo")));
    assert_fails(
        member.client.list_commands(Some(true), Some(&team)).await,
        403,
        FORBIDDEN,
    )
    .await;
    let custom = admin
        .client
        .list_commands(Some(true), Some(&team))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(custom.len(), 1);
    assert_eq!(custom[0].url.as_deref(), Some(url));
    assert_fails(
        admin.client.list_commands(None, None).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
    // Updating: the same team only, the path's id; member may not.
    let mut change = got.clone();
    change.description = Some("Ships it".into());
    change.method = Some("G".into());
    let updated = admin
        .client
        .update_command(&id, &change)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (updated.description.as_deref(), updated.method.as_deref()),
        (Some("Ships it"), Some("G"))
    );
    assert_eq!(updated.token, made.token);
    let mut elsewhere = change.clone();
    elsewhere.team_id = Some(other_team.clone());
    assert_fails(
        admin.client.update_command(&id, &elsewhere).await,
        400,
        "api.command.team_mismatch.app_error",
    )
    .await;
    assert_fails(
        member.client.update_command(&id, &change).await,
        404,
        "store.sql_command.save.get.app_error",
    )
    .await;
    // A new token.
    let token = admin
        .client
        .regen_command_token(&id)
        .await
        .unwrap()
        .into_inner()
        .token;
    assert!(token.is_some() && token != made.token);
    // Moving it to another team.
    let to: types::MoveCommandBody =
        serde_json::from_value(json!({"team_id": other_team})).unwrap();
    assert_fails(member.client.move_command(&id, &to).await, 403, FORBIDDEN).await;
    admin.client.move_command(&id, &to).await.unwrap();
    let moved = admin
        .client
        .get_command_by_id(&id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.team_id.as_deref(), Some(other_team.as_str()));
    // Deleting: the trigger is free again.
    assert_fails(
        member.client.delete_command(&id).await,
        404,
        "store.sql_command.save.get.app_error",
    )
    .await;
    admin.client.delete_command(&id).await.unwrap();
    assert_fails(
        admin.client.get_command_by_id(&id).await,
        404,
        "store.sql_command.save.get.app_error",
    )
    .await;
    admin
        .client
        .create_command(&command(&other_team, "deploy", url, "P"))
        .await
        .unwrap();
}

#[tokio::test]
async fn racing_creations_keep_one_command() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let team = make_team(&admin, "cmdrace", "O").await;
    let body = command(&team, "race", "https://example.com/x", "P");
    let tries = (0..12).map(|_| admin.client.create_command(&body));
    let results = futures::future::join_all(tries).await;
    let made = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(made, 1);
    for r in results.into_iter().filter(|r| r.is_err()) {
        assert_fails(r, 400, "api.command.duplicate_trigger.app_error").await;
    }
}

#[tokio::test]
async fn custom_commands_call_their_integration() {
    let server = TestServer::start_with(|c| {
        trusting_loopback(c);
        c.service_settings.enable_post_username_override = true;
    })
    .await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let team = make_team(&admin, "cmdrun", "O").await;
    join_team(&admin, &team, &member).await;
    let channel = make_channel(&admin, &team, "ops", "O").await;
    admin
        .client
        .add_channel_member(
            &channel,
            &serde_json::from_value(json!({"user_id": member.id()})).unwrap(),
        )
        .await
        .unwrap();
    let reply = json!({
        "response_type": "in_channel",
        "text": "Deploying <https://example.com|the site>",
        "username": "deploybot",
        "extra_responses": [{"text": "only you see this"}],
    });
    let (base, calls) = integration(reply).await;
    let made = admin
        .client
        .create_command(&command(&team, "deploy", &format!("{base}/json"), "P"))
        .await
        .unwrap()
        .into_inner();
    let shown = answer(&member, &channel, "/deploy web @member ~ops").await;
    assert_eq!(shown["response_type"], "in_channel");
    assert_eq!(shown["trigger_id"].as_str().map(str::len), Some(26));
    // The integration got Mattermost's form, with the command's token.
    let call = calls.lock().unwrap()[0].clone();
    assert_eq!(call.method, "POST");
    assert_eq!(
        call.authorization,
        format!("Token {}", made.token.clone().unwrap())
    );
    let fields = form(&call.body);
    assert_eq!(fields["token"], made.token.clone().unwrap());
    assert_eq!(fields["command"], "/deploy");
    assert_eq!(fields["text"], "web @member ~ops");
    assert_eq!(fields["team_domain"], "cmdrun");
    assert_eq!(fields["channel_name"], "ops");
    assert_eq!(fields["user_name"], "member");
    assert_eq!(fields["user_mentions"], "member");
    assert_eq!(fields["user_mentions_ids"], member.id());
    assert_eq!(fields["channel_mentions_ids"], channel);
    assert!(!fields["trigger_id"].is_empty());
    let response_url = fields["response_url"].clone();
    assert!(response_url.contains("/hooks/commands/"));
    // The in-channel answer is a post from the member with the command's marks; the
    // extra, ephemeral one is not stored.
    let posts = latest(&admin, &channel, 5).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].0, "Deploying [the site](https://example.com)");
    assert_eq!(posts[0].1["from_webhook"], "true");
    assert_eq!(posts[0].1["override_username"], "deploybot");
    // Later answers through the response URL: five at most.
    for i in 0..5 {
        let sent = server
            .http()
            .post(&response_url)
            .json(&json!({"response_type": "in_channel", "text": format!("later {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
        assert_eq!(sent.text().await.unwrap(), "ok");
    }
    let sixth = server
        .http()
        .post(&response_url)
        .json(&json!({"response_type": "in_channel", "text": "too many"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sixth.status(), 400);
    let error: Value = sixth.json().await.unwrap();
    assert_eq!(error["id"], "app.command_webhook.try_use.invalid");
    assert_eq!(latest(&admin, &channel, 10).await.len(), 6);
    let unknown = server
        .http()
        .post(format!("{}/hooks/commands/{}", server.url, "a".repeat(26)))
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    // GET: the fields in the query; a plain-text answer is shown to the user only.
    let mut get = command(&team, "ask", &format!("{base}/text?x=1"), "G");
    get.username = None;
    admin.client.create_command(&get).await.unwrap();
    let shown = answer(&member, &channel, "/ask what").await;
    assert_eq!(shown["text"], "plain answer");
    let call = calls.lock().unwrap().last().cloned().unwrap();
    assert_eq!(call.method, "GET");
    let query = form(&call.query);
    assert_eq!((query["x"].as_str(), query["text"].as_str()), ("1", "what"));
    assert_eq!(latest(&admin, &channel, 10).await.len(), 6);
    // An integration that fails, a command in a channel the user may not post to.
    admin
        .client
        .create_command(&command(&team, "broken", &format!("{base}/broken"), "P"))
        .await
        .unwrap();
    assert_fails(
        run(&member, &channel, "/broken").await,
        500,
        "api.command.execute_command.failed_resp.app_error",
    )
    .await;
    let private = make_channel(&admin, &team, "hidden", "P").await;
    assert_fails(run(&member, &private, "/deploy").await, 403, FORBIDDEN).await;
    // Bad requests and unknown commands.
    assert_fails(
        run(&member, &channel, "deploy").await,
        400,
        "api.command.execute_command.start.app_error",
    )
    .await;
    assert_fails(
        run(&member, "nochannel", "/deploy").await,
        400,
        "api.command.execute_command.start.app_error",
    )
    .await;
    assert_fails(
        run(&member, &channel, "/nosuchcommand").await,
        404,
        "api.command.execute_command.not_found.app_error",
    )
    .await;
}

#[tokio::test]
async fn integrations_on_private_addresses_are_refused() {
    // Loopback is not trusted here.
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let team = make_team(&admin, "cmdguard", "O").await;
    let channel = make_channel(&admin, &team, "ops", "O").await;
    let (base, calls) = integration(json!({"text": "hi"})).await;
    admin
        .client
        .create_command(&command(&team, "probe", &format!("{base}/json"), "P"))
        .await
        .unwrap();
    assert_fails(
        run(&admin, &channel, "/probe").await,
        500,
        "api.command.execute_command.failed.app_error",
    )
    .await;
    assert!(calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn commands_can_be_turned_off() {
    let server = TestServer::start_with(|c| {
        c.service_settings
            .extra
            .insert("EnableCommands".into(), false.into());
    })
    .await;
    let admin = server.admin().await;
    let team = make_team(&admin, "cmdoff", "O").await;
    let channel = make_channel(&admin, &team, "ops", "O").await;
    assert_fails(
        admin
            .client
            .create_command(&command(&team, "x", "https://example.com", "P"))
            .await,
        501,
        "api.command.disabled.app_error",
    )
    .await;
    assert_fails(
        run(&admin, &channel, "/echo hi").await,
        501,
        "api.command.disabled.app_error",
    )
    .await;
}

#[tokio::test]
async fn built_in_commands() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let friend = server.user(&admin, "friend").await;
    let third = server.user(&admin, "third").await;
    let team = make_team(&admin, "builtins", "O").await;
    for who in [&member, &friend, &third] {
        join_team(&admin, &team, who).await;
    }
    let town = admin
        .client
        .get_channel_by_name(&team, "town-square", None)
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let open = make_channel(&admin, &team, "open-room", "O").await;
    // Posts in the channel as the user.
    answer(&member, &town, "/me waves").await;
    answer(&member, &town, "/shrug ok").await;
    answer(&member, &town, "/code let x = 1;\nx").await;
    let posts = latest(&admin, &town, 3).await;
    assert_eq!(posts[2].0, "*waves*");
    assert_eq!(posts[2].2, "me");
    assert_eq!(posts[1].0, "ok ¯\\\\\\_(ツ)\\_/¯");
    assert_eq!(posts[0].0, "    let x = 1;\n    x");
    let shown = answer(&member, &town, "/code").await;
    assert_eq!(shown["response_type"], "ephemeral");
    answer(&member, &town, "/echo \"said twice\" 0").await;
    assert!(eventually(|| async { latest(&admin, &town, 1).await[0].0 == "said twice" }).await);
    // The channel's header, purpose and name.
    answer(&member, &town, "/join open-room").await;
    answer(&member, &open, "/header The new header").await;
    answer(&member, &open, "/purpose Talking").await;
    answer(&member, &open, "/rename Open Space").await;
    let c = admin.client.get_channel(&open).await.unwrap().into_inner();
    assert_eq!(
        (
            c.header.as_deref(),
            c.purpose.as_deref(),
            c.display_name.as_deref()
        ),
        (Some("The new header"), Some("Talking"), Some("Open Space"))
    );
    // Joining and leaving.
    let shown = answer(&friend, &town, "/join ~open-room").await;
    assert_eq!(
        shown["goto_location"].as_str().unwrap().rsplit('/').next(),
        Some("open-room")
    );
    assert!(
        admin
            .client
            .get_channel_member(&open, friend.id())
            .await
            .is_ok()
    );
    let shown = answer(&friend, &open, "/leave").await;
    assert!(
        shown["goto_location"]
            .as_str()
            .unwrap()
            .ends_with("/channels/town-square")
    );
    assert!(
        admin
            .client
            .get_channel_member(&open, friend.id())
            .await
            .is_err()
    );
    // Inviting and removing.
    answer(&member, &open, "/invite @friend").await;
    assert!(
        admin
            .client
            .get_channel_member(&open, friend.id())
            .await
            .is_ok()
    );
    let shown = answer(&member, &open, "/invite @friend").await;
    assert!(shown["text"].as_str().unwrap().contains("already"));
    answer(&member, &open, "/kick @friend").await;
    assert!(
        admin
            .client
            .get_channel_member(&open, friend.id())
            .await
            .is_err()
    );
    // Direct and group messages.
    let shown = answer(&member, &town, "/msg @friend hello there").await;
    let dm = shown["goto_location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert!(dm.contains("__"));
    let pair = [member.id().to_owned(), friend.id().to_owned()];
    let direct = admin
        .client
        .create_direct_channel(&pair)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(direct.name.as_deref(), Some(dm.as_str()));
    let said = latest(&admin, direct.id.as_deref().unwrap(), 1).await;
    assert_eq!(said[0].0, "hello there");
    let shown = answer(&member, &town, "/groupmsg @friend,@third hi all").await;
    assert!(
        shown["goto_location"]
            .as_str()
            .unwrap()
            .contains("/channels/")
    );
    // Status, custom status, preferences, mute.
    answer(&member, &town, "/away").await;
    let status = member
        .client
        .get_user_status(member.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.status.as_deref(), Some("away"));
    answer(&member, &town, "/dnd").await;
    let status = member
        .client
        .get_user_status(member.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.status.as_deref(), Some("dnd"));
    answer(&member, &town, "/online").await;
    answer(&member, &town, "/status :coffee: On a break").await;
    let me = member
        .client
        .get_user(member.id())
        .await
        .unwrap()
        .into_inner();
    let custom: Value = serde_json::from_str(
        me.props
            .get("customStatus")
            .and_then(Value::as_str)
            .unwrap_or("{}"),
    )
    .unwrap();
    assert_eq!(custom["emoji"], "coffee");
    assert_eq!(custom["text"], "On a break");
    answer(&member, &town, "/collapse").await;
    let pref = member
        .client
        .get_preferences_by_category_by_name(member.id(), "display_settings", "collapse_previews")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pref.value.as_deref(), Some("true"));
    answer(&member, &open, "/mute").await;
    let m = member
        .client
        .get_channel_member(&open, member.id())
        .await
        .unwrap()
        .into_inner();
    let props = serde_json::to_value(&m.notify_props).unwrap();
    assert_eq!(props["mark_unread"], "mention");
    answer(&member, &open, "/mute").await;
    let m = member
        .client
        .get_channel_member(&open, member.id())
        .await
        .unwrap()
        .into_inner();
    let props = serde_json::to_value(&m.notify_props).unwrap();
    assert_eq!(props["mark_unread"], "all");
    let shown = answer(&member, &town, "/logout").await;
    assert_eq!(shown["goto_location"], "/login");
}

#[tokio::test]
async fn removing_needs_the_permission() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let friend = server.user(&admin, "friend").await;
    let team = make_team(&admin, "cmdperm", "O").await;
    join_team(&admin, &team, &member).await;
    join_team(&admin, &team, &friend).await;
    let private = make_channel(&admin, &team, "private-room", "P").await;
    for who in [&member, &friend] {
        admin
            .client
            .add_channel_member(
                &private,
                &serde_json::from_value(json!({"user_id": who.id()})).unwrap(),
            )
            .await
            .unwrap();
    }
    // Take manage_private_channel_members from channel users.
    let role = admin
        .client
        .get_role_by_name("channel_user")
        .await
        .unwrap()
        .into_inner();
    let kept: Vec<String> = role
        .permissions
        .iter()
        .filter(|p| p.as_str() != "manage_private_channel_members")
        .cloned()
        .collect();
    let patch: types::PatchRoleBody = serde_json::from_value(json!({"permissions": kept})).unwrap();
    admin
        .client
        .patch_role(role.id.as_deref().unwrap(), &patch)
        .await
        .unwrap();
    let shown = answer(&member, &private, "/kick @friend").await;
    assert_eq!(shown["response_type"], "ephemeral");
    assert!(shown["text"].as_str().unwrap().contains("permission"));
    assert!(
        admin
            .client
            .get_channel_member(&private, friend.id())
            .await
            .is_ok()
    );
    // Text is needed.
    let shown = answer(&member, &private, "/header").await;
    assert_eq!(shown["response_type"], "ephemeral");
}

#[tokio::test]
async fn autocomplete_lists_and_suggestions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    let outsider = server.user(&admin, "outsider").await;
    let team = make_team(&admin, "cmdauto", "O").await;
    join_team(&admin, &team, &member).await;
    admin
        .client
        .create_command(&command(&team, "deploy", "https://example.com/d", "P"))
        .await
        .unwrap();
    let mut hidden = command(&team, "hidden", "https://example.com/h", "P");
    hidden.auto_complete = Some(false);
    admin.client.create_command(&hidden).await.unwrap();
    let listed = member
        .client
        .list_autocomplete_commands(&team)
        .await
        .unwrap()
        .into_inner();
    let triggers: Vec<&str> = listed.iter().filter_map(|c| c.trigger.as_deref()).collect();
    assert!(triggers.contains(&"deploy") && triggers.contains(&"away"));
    assert!(!triggers.contains(&"hidden"));
    assert!(
        listed
            .iter()
            .all(|c| c.token.as_deref().unwrap_or_default().is_empty())
    );
    assert_fails(
        outsider.client.list_autocomplete_commands(&team).await,
        403,
        FORBIDDEN,
    )
    .await;
    let suggested = member
        .client
        .list_command_autocomplete_suggestions(&team, "/de")
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = suggested
        .iter()
        .filter_map(|s| s.suggestion.as_deref())
        .collect();
    assert_eq!(names, ["deploy"]);
    assert_eq!(suggested[0].hint.as_deref(), Some("[service]"));
    let suggested = member
        .client
        .list_command_autocomplete_suggestions(&team, "/o")
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = suggested
        .iter()
        .filter_map(|s| s.suggestion.as_deref())
        .collect();
    assert_eq!(names, ["offline", "online", "open"]);
    // Past the trigger: /rename's text argument (its hint), nothing for a command that
    // declares no arguments.
    let suggested = member
        .client
        .list_command_autocomplete_suggestions(&team, "/rename ")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(suggested.len(), 1);
    assert_eq!(suggested[0].complete.as_deref(), Some("rename "));
    assert_eq!(suggested[0].hint.as_deref(), Some("[text]"));
    let suggested = member
        .client
        .list_command_autocomplete_suggestions(&team, "/deploy api")
        .await
        .unwrap()
        .into_inner();
    assert!(suggested.is_empty());
}
