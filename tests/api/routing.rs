//! What the generated router does with real clients' requests: literal routes beside
//! parameter routes, `me`, bad input, limits, and the headers on every response.

use crate::common::{TestServer, assert_app_error};
use ferromost::contract::FORWARDS;

#[test]
fn literal_routes_lacking_a_method_forward_to_their_parameter_sibling() {
    let pairs: std::collections::BTreeSet<(&str, &str)> = FORWARDS
        .iter()
        .map(|&(_, literal, index)| (literal, ferromost::contract::OPERATIONS[index].path))
        .collect();
    assert_eq!(pairs.len(), 45, "{pairs:#?}");
    assert!(pairs.contains(&("/api/v4/users/login", "/api/v4/users/{user_id}")));
}

#[tokio::test]
async fn get_on_a_literal_path_is_served_by_the_parameter_route() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    // GET /users/login is GetUser("login"), as gorilla/mux routes it: a malformed id.
    let response = server
        .http()
        .get(server.api("/users/login"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_app_error(response, 400, "api.context.invalid_url_param.app_error").await;
}

#[tokio::test]
async fn me_stands_for_the_callers_id() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let me = admin.client.get_user("me").await.unwrap().into_inner();
    assert_eq!(me.id, admin.user.id);
    // Without a session, `me` is not resolved and the request needs one.
    let response = server.get("/users/me").await;
    assert_app_error(response, 401, "api.context.session_expired.app_error").await;
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_app_error_json() {
    let server = TestServer::start().await;
    let http = server.http();
    let response = http.get(server.api("/no/such/route")).send().await.unwrap();
    assert_app_error(response, 404, "api.context.404.app_error").await;
    let response = http
        .delete(server.api("/system/ping"))
        .send()
        .await
        .unwrap();
    assert_app_error(response, 405, "api.ferromost.method_not_allowed.app_error").await;
}

#[tokio::test]
async fn unimplemented_operations_answer_the_generated_501() {
    let server = TestServer::start().await;
    let response = server.get("/cluster/status").await;
    assert_app_error(response, 501, "api.ferromost.not_implemented.app_error").await;
}

#[tokio::test]
async fn malformed_bodies_and_query_values_are_400() {
    let server = TestServer::start().await;
    let http = server.http();
    let response = http
        .post(server.api("/users/login"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_app_error(response, 400, "api.context.invalid_body_param.app_error").await;
    let response = http
        .get(server.api("/system/ping?get_server_status=maybe"))
        .send()
        .await
        .unwrap();
    assert_app_error(response, 400, "api.context.invalid_param.app_error").await;
    // A required query parameter left out: 400 with a session; without one, 401 comes
    // first, as Mattermost checks the session before anything else.
    let response = http
        .get(server.api("/users/autocomplete"))
        .send()
        .await
        .unwrap();
    assert_app_error(response, 401, "api.context.session_expired.app_error").await;
    let admin = server.admin().await;
    let response = http
        .get(server.api("/users/autocomplete"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_app_error(response, 400, "api.context.invalid_param.app_error").await;
}

#[tokio::test]
async fn query_booleans_accept_every_go_spelling() {
    let server = TestServer::start().await;
    for yes in ["1", "t", "T", "TRUE", "true", "True"] {
        let url = server.api(&format!("/system/ping?get_server_status={yes}"));
        let body: serde_json::Value = server
            .http()
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["database_status"], "OK", "{yes}");
    }
    for no in ["0", "f", "F", "FALSE", "false", "False"] {
        let url = server.api(&format!("/system/ping?get_server_status={no}"));
        let body: serde_json::Value = server
            .http()
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body.get("database_status").is_none(), "{no}");
    }
}

#[tokio::test]
async fn bodies_over_the_payload_limit_are_413() {
    let server = TestServer::start().await;
    let big = format!("{{\"login_id\":\"{}\"}}", "x".repeat(300_001));
    let response = server
        .http()
        .post(server.api("/users/login"))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_app_error(
        response,
        413,
        "api.context.request_body_too_large.app_error",
    )
    .await;
}

#[tokio::test]
async fn every_response_carries_mattermosts_headers() {
    let server = TestServer::start().await;
    for path in ["/api/v4/system/ping", "/api/v4/no/such/route"] {
        let response = server
            .http()
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        let h = response.headers();
        assert_eq!(h["x-request-id"].len(), 26);
        let version: Vec<&str> = h["x-version-id"].to_str().unwrap().split('.').collect();
        assert_eq!(
            version.len(),
            6,
            "version.build.hash.licensed with a 3-part version"
        );
        assert_eq!(version[5], "false");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["expires"], "0");
        assert!(
            h["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
    }
}

/// PostgreSQL stores no NUL character: a body, path or query value holding one is the
/// client's mistake (400), never a 500 (found by the conformance run on PostgreSQL).
#[tokio::test]
async fn nul_characters_are_refused_not_stored() {
    let server = TestServer::start().await;
    server.admin().await;
    let http = server.http();
    let response = http
        .post(server.api("/users/login"))
        .body(r#"{"login_id":"a\u0000b","password":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_app_error(response, 400, "api.context.invalid_body_param.app_error").await;
    let response = http
        .get(server.api("/users/username/a%00b"))
        .send()
        .await
        .unwrap();
    assert_ne!(response.status().as_u16() / 100, 5);
    let response = http
        .get(server.api("/users/autocomplete?name=%00"))
        .send()
        .await
        .unwrap();
    assert_ne!(response.status().as_u16() / 100, 5);
}

/// A page far past the end answers an empty list: the row offset it asks for (page times
/// page size) must not overflow, nor exceed what the database takes (an offset past
/// i64::MAX made the SQLite binding panic, found by the conformance run).
#[tokio::test]
async fn enormous_pages_answer_empty_lists() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let page = i64::MAX;
    for path in [
        "/users",
        "/teams",
        "/emoji",
        "/oauth/apps",
        "/hooks/incoming",
        "/hooks/outgoing",
        "/bots",
        "/audits",
        "/users/me/tokens",
        "/schemes",
    ] {
        let url = server.api(&format!("{path}?page={page}&per_page=200"));
        let response = server
            .http()
            .get(&url)
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!(status < 500, "{path}: {status}");
        if status == 200 {
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body, serde_json::json!([]), "{path}");
        }
    }
}
