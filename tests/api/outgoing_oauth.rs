//! Outgoing OAuth connections: managed with manage_outgoing_oauth_connections (listed also
//! to a team's integration managers), their checks and audiences (one connection each, also
//! when created at once), validation against a token endpoint this test runs (both grants,
//! refusals, an unreachable endpoint, the outbound guard), and the tokens reaching a slash
//! command's and an outgoing webhook's integration.

use crate::common::{
    Account, TestServer, assert_fails, eventually, make_channel, make_team, trusting_loopback,
};
use crate::websocket::join_team;
use ferromost_client::types;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const FORBIDDEN: &str = "api.context.permissions.app_error";
const SECRET: &str = "s3cret";

/// What the fake services saw: (path, Authorization header, form or body).
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A token endpoint (`/token`: a new token per request for the right secret, 401
/// otherwise; `/moved`: a redirect to the metadata address) and an integration (`/cmd`
/// answers a slash command, `/hook` an outgoing webhook), on loopback.
async fn services() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: String| {
            let record = record.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let path = uri.path().to_owned();
                let n = {
                    let mut seen = record.lock().unwrap();
                    seen.push((path.clone(), auth, body.clone()));
                    seen.len()
                };
                let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .collect();
                let (status, location, answer) = match path.as_str() {
                    "/token" if form.get("client_secret").map(String::as_str) == Some(SECRET) => (
                        200,
                        "",
                        json!({"access_token": format!("tok{n}"), "token_type": "bearer"}),
                    ),
                    "/token" => (401, "", json!({"error": "invalid_client"})),
                    "/moved" => (302, "http://169.254.169.254/token", json!({})),
                    "/cmd" => (200, "", json!({"text": "done"})),
                    _ => (200, "", json!({})),
                };
                let mut response =
                    axum::response::Response::new(axum::body::Body::from(answer.to_string()));
                *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
                response
                    .headers_mut()
                    .insert("content-type", "application/json".parse().unwrap());
                if !location.is_empty() {
                    response
                        .headers_mut()
                        .insert("location", location.parse().unwrap());
                }
                response
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, seen)
}

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        trusting_loopback(c);
        c.service_settings
            .extra
            .insert("EnableOutgoingOAuthConnections".into(), true.into());
    })
    .await
}

async fn call(
    server: &TestServer,
    who: &Account,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = server
        .http()
        .request(method, server.api(path))
        .bearer_auth(&who.token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn connection(name: &str, token_url: &str, audiences: &[&str]) -> Value {
    json!({
        "name": name,
        "client_id": "client",
        "client_secret": SECRET,
        "oauth_token_url": token_url,
        "grant_type": "client_credentials",
        "audiences": audiences,
    })
}

fn expect_error(answer: &(StatusCode, Value), status: u16, id: &str) {
    assert_eq!(answer.0.as_u16(), status, "{}", answer.1);
    assert_eq!(answer.1["id"], id, "{}", answer.1);
}

#[tokio::test]
async fn managing_connections() {
    let server = server().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "member").await;
    // The member runs a team (team admin: its outgoing webhooks and commands) and is a
    // plain member of the admin's.
    let own = make_team(&member, "ownteam", "O").await;
    let team = make_team(&admin, "connteam", "O").await;
    join_team(&admin, &team, &member).await;
    let base = "/oauth/outgoing_connections";
    let token_url = "https://idp.example/token";
    let made = call(
        &server,
        &admin,
        Method::POST,
        base,
        Some(connection(
            "Deployer",
            token_url,
            &["https://deploy.example/cmd"],
        )),
    )
    .await;
    assert_eq!(made.0, StatusCode::CREATED, "{}", made.1);
    let id = made.1["id"].as_str().unwrap().to_owned();
    // Answers never carry the secret or the password.
    assert_eq!(made.1["client_id"], "client");
    assert!(made.1.get("client_secret").is_none(), "{}", made.1);
    assert!(made.1.get("credentials_password").is_none());
    assert_eq!(made.1["audiences"], json!(["https://deploy.example/cmd"]));
    assert_eq!(made.1["creator_id"], admin.id());
    // Refused: each of Mattermost's checks, and an audience another connection serves.
    let password_without = {
        let mut c = connection("P", token_url, &["https://p.example/"]);
        c["grant_type"] = "password".into();
        c["credentials_username"] = "bot".into();
        c
    };
    for (body, error) in [
        (
            connection("", token_url, &["https://a.example/"]),
            "model.outgoing_oauth_connection.is_valid.name.error",
        ),
        (
            connection("N", "ftp://idp.example/", &["https://a.example/"]),
            "model.outgoing_oauth_connection.is_valid.oauth_token_url.error",
        ),
        (
            connection("N", token_url, &[]),
            "model.outgoing_oauth_connection.is_valid.audience.empty",
        ),
        (
            connection("N", token_url, &["not a url"]),
            "model.outgoing_oauth_connection.is_valid.audience.error",
        ),
        (
            json!({"name": "N", "client_secret": "x", "oauth_token_url": token_url, "grant_type": "client_credentials", "audiences": ["https://a.example/"]}),
            "model.outgoing_oauth_connection.is_valid.client_id.error",
        ),
        (
            json!({"name": "N", "client_id": "x", "oauth_token_url": token_url, "grant_type": "client_credentials", "audiences": ["https://a.example/"]}),
            "model.outgoing_oauth_connection.is_valid.client_secret.error",
        ),
        (
            {
                let mut c = connection("N", token_url, &["https://a.example/"]);
                c["grant_type"] = "implicit".into();
                c
            },
            "model.outgoing_oauth_connection.is_valid.grant_type.error",
        ),
        (
            password_without,
            "model.outgoing_oauth_connection.is_valid.password_credentials.error",
        ),
        (
            connection(
                "Again",
                token_url,
                &["https://x.example/", "https://deploy.example/cmd"],
            ),
            "ent.outgoing_oauth_connections.save_connection.audience_duplicated",
        ),
    ] {
        let answer = call(&server, &admin, Method::POST, base, Some(body)).await;
        expect_error(&answer, 400, error);
    }
    let answer = call(&server, &admin, Method::POST, base, None).await;
    expect_error(
        &answer,
        400,
        "api.context.outgoing_oauth_connection.create_connection.input_error",
    );
    // Forbidden: setting up, reading one, changing, deleting, validating for a member
    // (also one who runs a team); listing for a plain team member.
    let one = format!("{base}/{id}");
    for (method, path, body) in [
        (
            Method::POST,
            base.to_owned(),
            Some(connection("M", token_url, &["https://m.example/"])),
        ),
        (Method::GET, one.clone(), None),
        (
            Method::PUT,
            one.clone(),
            Some(json!({"id": id, "name": "Mine"})),
        ),
        (Method::DELETE, one.clone(), None),
        (
            Method::POST,
            format!("{base}/validate"),
            Some(connection("M", token_url, &[])),
        ),
        (Method::GET, format!("{base}?team_id={team}"), None),
        (Method::GET, base.to_owned(), None),
    ] {
        let answer = call(&server, &member, method, &path, body).await;
        expect_error(&answer, 403, FORBIDDEN);
    }
    // Listing: to the team's integration managers, without secrets; paged by id.
    let listed = call(
        &server,
        &member,
        Method::GET,
        &format!("{base}?team_id={own}"),
        None,
    )
    .await;
    assert_eq!(listed.0, StatusCode::OK);
    assert_eq!(listed.1.as_array().unwrap().len(), 1);
    assert!(listed.1[0].get("client_secret").is_none());
    let second = call(
        &server,
        &admin,
        Method::POST,
        base,
        Some(connection(
            "Second",
            token_url,
            &["https://second.example/"],
        )),
    )
    .await;
    let second_id = second.1["id"].as_str().unwrap().to_owned();
    let all = call(
        &server,
        &admin,
        Method::GET,
        &format!("{base}?limit=100"),
        None,
    )
    .await;
    let ids: Vec<&str> = all
        .1
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let mut sorted = vec![id.as_str(), second_id.as_str()];
    sorted.sort();
    assert_eq!(ids, sorted);
    let after = call(
        &server,
        &admin,
        Method::GET,
        &format!("{base}?from_id={}", sorted[0]),
        None,
    )
    .await;
    assert_eq!(after.1.as_array().unwrap().len(), 1);
    assert_eq!(after.1[0]["id"], sorted[1]);
    for limit in ["0", "101"] {
        let answer = call(
            &server,
            &admin,
            Method::GET,
            &format!("{base}?limit={limit}"),
            None,
        )
        .await;
        expect_error(
            &answer,
            400,
            "api.context.outgoing_oauth_connection.list_connections.input_error",
        );
    }
    // The one serving a URL: an audience, or a URL under it; nothing else.
    let serving = call(
        &server,
        &admin,
        Method::GET,
        &format!("{base}?audience=https://deploy.example/cmd/run%3Fx%3D1"),
        None,
    )
    .await;
    assert_eq!(serving.1.as_array().unwrap().len(), 1, "{}", serving.1);
    assert_eq!(serving.1[0]["id"], id.as_str());
    let none = call(
        &server,
        &admin,
        Method::GET,
        &format!("{base}?audience=https://deploy.example/cmdx"),
        None,
    )
    .await;
    expect_error(
        &none,
        404,
        "api.context.outgoing_oauth_connection.list_connections.app_error",
    );
    // Reading and changing one: what the body sets replaces, the rest (the secret) stays.
    let got = call(&server, &admin, Method::GET, &one, None).await;
    assert_eq!(got.1["name"], "Deployer");
    let answer = call(
        &server,
        &admin,
        Method::PUT,
        &one,
        Some(json!({"id": second_id, "name": "X"})),
    )
    .await;
    expect_error(&answer, 400, "api.context.invalid_param.app_error");
    let answer = call(
        &server,
        &admin,
        Method::PUT,
        &one,
        Some(json!({"id": id, "audiences": ["https://second.example/"]})),
    )
    .await;
    expect_error(
        &answer,
        400,
        "ent.outgoing_oauth_connections.update_connection.audience_duplicated",
    );
    let changed = call(
        &server,
        &admin,
        Method::PUT,
        &one,
        Some(json!({"id": id, "name": "Renamed", "audiences": ["https://moved.example/"]})),
    )
    .await;
    assert_eq!(changed.0, StatusCode::OK, "{}", changed.1);
    assert_eq!(changed.1["name"], "Renamed");
    assert_eq!(changed.1["client_id"], "client");
    let stored = ferromost::app::outgoing_oauth::get(server.state.db(), &id)
        .await
        .unwrap();
    assert_eq!(stored.client_secret, SECRET);
    // The old audience is free again.
    let reuse = call(
        &server,
        &admin,
        Method::POST,
        base,
        Some(connection(
            "Reuse",
            token_url,
            &["https://deploy.example/cmd"],
        )),
    )
    .await;
    assert_eq!(reuse.0, StatusCode::CREATED, "{}", reuse.1);
    // Unknown and malformed ids.
    let answer = call(
        &server,
        &admin,
        Method::GET,
        &format!("{base}/{}", ferromost::ids::new_id()),
        None,
    )
    .await;
    expect_error(
        &answer,
        404,
        "ent.outgoing_oauth_connections.get_connection.not_found.app_error",
    );
    let answer = call(&server, &admin, Method::GET, &format!("{base}/nope"), None).await;
    expect_error(&answer, 400, "api.context.invalid_url_param.app_error");
    // Deleting: gone, and its audience with it.
    let deleted = call(&server, &admin, Method::DELETE, &one, None).await;
    assert_eq!(deleted.1["status"], "OK");
    let answer = call(&server, &admin, Method::DELETE, &one, None).await;
    expect_error(
        &answer,
        404,
        "ent.outgoing_oauth_connections.get_connection.not_found.app_error",
    );
    let answer = call(
        &server,
        &admin,
        Method::POST,
        base,
        Some(connection("Moved", token_url, &["https://moved.example/"])),
    )
    .await;
    assert_eq!(answer.0, StatusCode::CREATED, "{}", answer.1);
    // Turned off: 501, after the permission check.
    server.configure(|c| {
        c.service_settings
            .extra
            .insert("EnableOutgoingOAuthConnections".into(), false.into());
    });
    let answer = call(&server, &admin, Method::GET, base, None).await;
    expect_error(
        &answer,
        501,
        "api.context.outgoing_oauth_connection.not_available.configuration_disabled",
    );
    let answer = call(&server, &member, Method::GET, base, None).await;
    expect_error(&answer, 403, FORBIDDEN);
}

#[tokio::test]
async fn one_connection_per_audience_when_saved_at_once() {
    let server = server().await;
    let admin = server.admin().await;
    let bodies = (0..6)
        .map(|i| {
            Some(connection(
                &format!("C{i}"),
                "https://idp.example/token",
                &["https://same.example/"],
            ))
        })
        .collect();
    let mut statuses = server
        .race_as(
            "POST",
            "/oauth/outgoing_connections",
            Some(&admin.token),
            bodies,
        )
        .await;
    statuses.sort_unstable();
    assert_eq!(statuses, vec![201, 400, 400, 400, 400, 400]);
    let all = call(
        &server,
        &admin,
        Method::GET,
        "/oauth/outgoing_connections",
        None,
    )
    .await;
    assert_eq!(all.1.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn validating_credentials() {
    let server = server().await;
    let admin = server.admin().await;
    let (base, seen) = services().await;
    let validate = "/oauth/outgoing_connections/validate";
    let good = connection("V", &format!("{base}/token"), &[]);
    let answer = call(&server, &admin, Method::POST, validate, Some(good.clone())).await;
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    assert_eq!(answer.1["status"], "OK");
    let (path, _, form) = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(path, "/token");
    let form: HashMap<String, String> = form_urlencoded::parse(form.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "client");
    assert_eq!(form["client_secret"], SECRET);
    // The password grant sends the user's credentials too.
    let mut password = good.clone();
    password["grant_type"] = "password".into();
    password["credentials_username"] = "bot".into();
    password["credentials_password"] = "pw".into();
    let answer = call(&server, &admin, Method::POST, validate, Some(password)).await;
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    let (_, _, form) = seen.lock().unwrap().last().cloned().unwrap();
    let form: HashMap<String, String> = form_urlencoded::parse(form.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        (
            form["grant_type"].as_str(),
            form["username"].as_str(),
            form["password"].as_str()
        ),
        ("password", "bot", "pw")
    );
    // Refused credentials: 400; a stored connection's secret used when the body has none.
    let mut wrong = good.clone();
    wrong["client_secret"] = "nope".into();
    let answer = call(&server, &admin, Method::POST, validate, Some(wrong)).await;
    expect_error(
        &answer,
        400,
        "ent.outgoing_oauth_connections.authenticate.app_error",
    );
    let stored = call(
        &server,
        &admin,
        Method::POST,
        "/oauth/outgoing_connections",
        Some(connection(
            "S",
            &format!("{base}/token"),
            &[&format!("{base}/cmd")],
        )),
    )
    .await;
    let mut by_id = good.clone();
    by_id["id"] = stored.1["id"].clone();
    by_id.as_object_mut().unwrap().remove("client_secret");
    let answer = call(&server, &admin, Method::POST, validate, Some(by_id)).await;
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    // No answer at all: 502. A redirect (to the metadata address) is not followed; an
    // untrusted private address is not asked.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for (url, status) in [
        (format!("http://127.0.0.1:{closed}/token"), 502),
        (format!("{base}/moved"), 400),
        ("http://10.255.255.1/token".to_owned(), 400),
    ] {
        let answer = call(
            &server,
            &admin,
            Method::POST,
            validate,
            Some(connection("V", &url, &[])),
        )
        .await;
        expect_error(
            &answer,
            status,
            "ent.outgoing_oauth_connections.authenticate.app_error",
        );
    }
}

/// Runs `/trigger` in `channel` as `who`.
async fn run(who: &Account, channel: &str, trigger: &str) {
    let body: types::ExecuteCommandBody =
        serde_json::from_value(json!({"channel_id": channel, "command": format!("/{trigger}")}))
            .unwrap();
    who.client.execute_command(&body).await.unwrap();
}

#[tokio::test]
async fn tokens_reach_commands_and_outgoing_webhooks() {
    let server = server().await;
    let admin = server.admin().await;
    let (base, seen) = services().await;
    let team = make_team(&admin, "tokteam", "O").await;
    let channel = make_channel(&admin, &team, "tokchan", "O").await;
    let made_command = |trigger: &str, url: String| {
        serde_json::from_value::<types::Command>(json!({
            "team_id": team, "trigger": trigger, "url": url, "method": "P",
        }))
        .unwrap()
    };
    let served = admin
        .client
        .create_command(&made_command("served", format!("{base}/cmd/deploy")))
        .await
        .unwrap()
        .into_inner();
    let plain = admin
        .client
        .create_command(&made_command("plain", format!("{base}/other")))
        .await
        .unwrap()
        .into_inner();
    let made = call(
        &server,
        &admin,
        Method::POST,
        "/oauth/outgoing_connections",
        Some(connection(
            "C",
            &format!("{base}/token"),
            &[&format!("{base}/cmd"), &format!("{base}/hook")],
        )),
    )
    .await;
    assert_eq!(made.0, StatusCode::CREATED, "{}", made.1);
    let last_to = |path: &str| {
        seen.lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(p, ..)| p == path)
            .map(|(_, auth, _)| auth.clone())
    };
    // A command under an audience gets a fresh bearer token; another keeps its own token.
    run(&admin, &channel, "served").await;
    let first = last_to("/cmd/deploy").unwrap();
    assert!(first.starts_with("Bearer tok"), "{first}");
    run(&admin, &channel, "served").await;
    let again = last_to("/cmd/deploy").unwrap();
    assert!(again.starts_with("Bearer tok") && again != first, "{again}");
    run(&admin, &channel, "plain").await;
    assert_eq!(
        last_to("/other").unwrap(),
        format!("Token {}", plain.token.unwrap())
    );
    // An outgoing webhook's callback under an audience too.
    let hook: types::CreateOutgoingWebhookBody = serde_json::from_value(json!({
        "team_id": team, "channel_id": channel, "callback_urls": [format!("{base}/hook")],
        "display_name": "Hook", "content_type": "application/json",
    }))
    .unwrap();
    admin.client.create_outgoing_webhook(&hook).await.unwrap();
    let post: types::CreatePostBody =
        serde_json::from_value(json!({"channel_id": channel, "message": "ship it"})).unwrap();
    admin.client.create_post(None, &post).await.unwrap();
    assert!(eventually(|| async { last_to("/hook").is_some() }).await);
    assert!(last_to("/hook").unwrap().starts_with("Bearer tok"));
    // Connections turned off: the command's own token again.
    server.configure(|c| {
        c.service_settings
            .extra
            .insert("EnableOutgoingOAuthConnections".into(), false.into());
    });
    run(&admin, &channel, "served").await;
    assert_eq!(
        last_to("/cmd/deploy").unwrap(),
        format!("Token {}", served.token.unwrap())
    );
}

#[tokio::test]
async fn forbidden_to_a_plain_user_through_the_sdk() {
    let server = server().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "plain").await;
    assert_fails(
        member
            .client
            .delete_outgoing_o_auth_connection(&ferromost::ids::new_id(), None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
}
