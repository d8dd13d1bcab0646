//! The permission matrix: identity operations, each sent by six callers, with the status
//! Mattermost's roles give each. The basic user acts on another user (`{t}`); teams do not
//! exist yet, so there is no team admin column.

use crate::common::{Account, PASSWORD, TestServer};
use ferromost_client::types;

/// Columns: anonymous, basic user, guest, bot, system manager, system admin.
const CALLERS: [&str; 6] = ["anonymous", "user", "guest", "bot", "manager", "admin"];

/// (method, path with {t} for the other user, JSON body, expected statuses by caller)
const MATRIX: &[(&str, &str, &str, [u16; 6])] = &[
    ("GET", "/users/{t}", "", [401, 200, 403, 200, 200, 200]),
    ("GET", "/users/junk", "", [401, 400, 400, 400, 400, 400]),
    (
        "GET",
        "/users/{unknown}",
        "",
        [401, 404, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/users/{t}/image",
        "",
        [401, 200, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/users/{t}/sessions",
        "",
        [401, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/audits",
        "",
        [401, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/terms_of_service",
        "",
        [401, 403, 403, 403, 403, 404],
    ),
    (
        "PUT",
        "/users/{t}/patch",
        r#"{"nickname":"n"}"#,
        [401, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/roles",
        r#"{"roles":"system_user"}"#,
        [401, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/active",
        r#"{"active":true}"#,
        [401, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/password",
        r#"{"new_password":"Another-1"}"#,
        [401, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/{t}/tokens",
        r#"{"description":"d"}"#,
        [401, 403, 403, 403, 403, 501],
    ),
    (
        "POST",
        "/users/{t}/mfa/generate",
        "",
        [401, 403, 403, 403, 403, 501],
    ),
    ("GET", "/users/tokens", "", [401, 403, 403, 403, 403, 200]),
    (
        "POST",
        "/users/search",
        r#"{"term":"tar"}"#,
        [401, 200, 200, 200, 200, 200],
    ),
    ("GET", "/users/stats", "", [401, 200, 200, 200, 200, 200]),
    ("GET", "/audits", "", [401, 403, 403, 403, 403, 200]),
    ("GET", "/config", "", [401, 403, 403, 403, 200, 200]),
    ("GET", "/roles", "", [401, 403, 403, 403, 403, 200]),
    (
        "GET",
        "/roles/name/system_user",
        "",
        [401, 200, 200, 200, 200, 200],
    ),
    ("GET", "/bots", "", [401, 403, 403, 403, 403, 200]),
    (
        "POST",
        "/bots",
        r#"{"username":"matrixbot"}"#,
        [401, 403, 403, 403, 403, 201],
    ),
    (
        "POST",
        "/schemes",
        r#"{"name":"s","scope":"team"}"#,
        [401, 403, 403, 403, 403, 201],
    ),
];

async fn callers(server: &TestServer) -> (Vec<Option<String>>, String) {
    let admin = server.admin().await;
    let target = server.user(&admin, "target").await;
    let user = server.user(&admin, "basic").await;
    let guest = server.user(&admin, "guestie").await;
    admin.client.demote_user_to_guest(guest.id()).await.unwrap();
    let guest = server.login("guestie", PASSWORD).await;
    let manager = server.user(&admin, "manager").await;
    let roles = types::UpdateUserRolesBody {
        roles: "system_user system_manager".into(),
    };
    admin
        .client
        .update_user_roles(manager.id(), &roles)
        .await
        .unwrap();
    let bot = bot_token(server, &admin).await;
    let tokens = vec![
        None,
        Some(user.token),
        Some(guest.token),
        Some(bot),
        Some(manager.token),
        Some(admin.token),
    ];
    (tokens, target.id().to_owned())
}

/// A bot of the admin's and a token for it (tokens on just long enough to make one).
async fn bot_token(server: &TestServer, admin: &Account) -> String {
    let body = types::CreateBotBody {
        username: "helper".into(),
        display_name: None,
        description: None,
    };
    let bot = admin.client.create_bot(&body).await.unwrap().into_inner();
    server.configure(|c| c.service_settings.enable_user_access_tokens = true);
    let token = types::CreateUserAccessTokenBody {
        description: "matrix".into(),
    };
    let made = admin
        .client
        .create_user_access_token(bot.user_id.as_deref().unwrap(), &token)
        .await;
    server.configure(|c| c.service_settings.enable_user_access_tokens = false);
    made.unwrap().into_inner().token.unwrap()
}

#[tokio::test]
async fn every_caller_gets_what_mattermost_gives() {
    let server = TestServer::start_with(|c| {
        c.guest_accounts_settings.enable = true;
        c.service_settings.enable_bot_account_creation = true;
    })
    .await;
    let (tokens, target) = callers(&server).await;
    let unknown = ferromost::ids::new_id();
    let http = server.http();
    let mut wrong = Vec::new();
    for (method, path, body, expected) in MATRIX {
        let path = path.replace("{t}", &target).replace("{unknown}", &unknown);
        for ((caller, token), want) in CALLERS.iter().zip(&tokens).zip(expected) {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = http.request(method.clone(), server.api(&path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if !body.is_empty() {
                request = request
                    .header("content-type", "application/json")
                    .body(*body);
            }
            let response = request.send().await.unwrap();
            let got = response.status().as_u16();
            if got != *want {
                let text = response.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{method} {path} as {caller}: {got}, want {want}: {text}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn user_json_never_carries_secrets() {
    let server =
        TestServer::start_with(|c| c.service_settings.enable_multifactor_authentication = true)
            .await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let secret = user
        .client
        .generate_mfa_secret("me")
        .await
        .unwrap()
        .into_inner()
        .secret
        .unwrap();
    let hash = ferromost::app::users::find_by_username(server.state.db(), "basic")
        .await
        .unwrap()
        .unwrap()
        .password;
    let ids = serde_json::json!([user.id(), admin.id()]).to_string();
    let reads = [
        ("GET", format!("/users/{}", user.id()), String::new()),
        ("GET", "/users/me".to_owned(), String::new()),
        ("GET", "/users/username/basic".to_owned(), String::new()),
        (
            "GET",
            "/users/email/basic@example.com".to_owned(),
            String::new(),
        ),
        ("GET", "/users".to_owned(), String::new()),
        ("POST", "/users/ids".to_owned(), ids),
        (
            "POST",
            "/users/usernames".to_owned(),
            r#"["basic"]"#.to_owned(),
        ),
        (
            "POST",
            "/users/search".to_owned(),
            r#"{"term":"bas"}"#.to_owned(),
        ),
        (
            "GET",
            "/users/autocomplete?name=bas".to_owned(),
            String::new(),
        ),
        (
            "PUT",
            "/users/me/patch".to_owned(),
            r#"{"nickname":"b"}"#.to_owned(),
        ),
    ];
    for token in [&user.token, &admin.token] {
        for (method, path, body) in &reads {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = server
                .http()
                .request(method, server.api(path))
                .bearer_auth(token);
            if !body.is_empty() {
                request = request
                    .header("content-type", "application/json")
                    .body(body.clone());
            }
            let response = request.send().await.unwrap();
            assert!(response.status().is_success(), "{path}");
            let text = response.text().await.unwrap();
            for leak in [
                hash.as_str(),
                secret.as_str(),
                "\"password\"",
                "\"mfa_secret\"",
                "\"auth_data\"",
            ] {
                assert!(!text.contains(leak), "{path} leaks {leak}: {text}");
            }
        }
    }
    // The login reply too.
    let reply = server
        .http()
        .post(server.api("/users/login"))
        .json(&serde_json::json!({"login_id": "sysadmin", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!reply.contains("$pbkdf2$") && !reply.contains("\"password\""));
}
