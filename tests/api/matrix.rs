//! The permission matrix: identity, team and channel operations, each sent by seven callers,
//! with the status Mattermost's roles give each. The basic user acts on another user (`{t}`)
//! who shares their team (`{team}`, invite only, with its town-square `{square}` and a
//! private channel `{hidden}` only the system admin is in); the team admin administers that
//! team; the guest and the bot are in no team.

use crate::common::{Account, PASSWORD, TestServer};
use ferromost_client::types;

/// Columns: anonymous, basic user, guest, bot, team admin, system manager, system admin.
const CALLERS: [&str; 7] = [
    "anonymous",
    "user",
    "guest",
    "bot",
    "team_admin",
    "manager",
    "admin",
];

/// (method, path with {t} for the other user, {team} for the team, {admin} for the system
/// admin; JSON body, in which {n} is unique per request; expected statuses by caller)
const MATRIX: &[(&str, &str, &str, [u16; 7])] = &[
    ("GET", "/users/{t}", "", [401, 200, 403, 200, 200, 200, 200]),
    (
        "GET",
        "/users/junk",
        "",
        [401, 400, 400, 400, 400, 400, 400],
    ),
    (
        "GET",
        "/users/{unknown}",
        "",
        [401, 404, 404, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/users/{t}/image",
        "",
        [401, 200, 403, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/{t}/sessions",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/audits",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/users/{t}/terms_of_service",
        "",
        [401, 403, 403, 403, 403, 403, 404],
    ),
    (
        "PUT",
        "/users/{t}/patch",
        r#"{"nickname":"n"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/roles",
        r#"{"roles":"system_user"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/active",
        r#"{"active":true}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "PUT",
        "/users/{t}/password",
        r#"{"new_password":"Another-1"}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/{t}/tokens",
        r#"{"description":"d"}"#,
        [401, 403, 403, 403, 403, 403, 501],
    ),
    (
        "POST",
        "/users/{t}/mfa/generate",
        "",
        [401, 403, 403, 403, 403, 403, 501],
    ),
    (
        "GET",
        "/users/tokens",
        "",
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/users/search",
        r#"{"term":"tar"}"#,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/users/stats",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    ("GET", "/audits", "", [401, 403, 403, 403, 403, 403, 200]),
    ("GET", "/config", "", [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/roles", "", [401, 403, 403, 403, 403, 403, 200]),
    (
        "GET",
        "/roles/name/system_user",
        "",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    ("GET", "/bots", "", [401, 403, 403, 403, 403, 403, 200]),
    (
        "POST",
        "/bots",
        r#"{"username":"matrixbot"}"#,
        [401, 403, 403, 403, 403, 403, 201],
    ),
    (
        "POST",
        "/schemes",
        r#"{"name":"s","scope":"team"}"#,
        [401, 403, 403, 403, 403, 403, 201],
    ),
    (
        "GET",
        "/teams/{team}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/teams/junk",
        "",
        [401, 400, 400, 400, 400, 400, 400],
    ),
    (
        "GET",
        "/teams/{unknown}",
        "",
        [401, 404, 404, 404, 404, 404, 404],
    ),
    ("GET", "/teams", "", [401, 200, 403, 200, 200, 200, 200]),
    (
        "POST",
        "/teams",
        r#"{"name":"made-{n}","display_name":"Made","type":"O"}"#,
        [401, 201, 403, 201, 201, 201, 201],
    ),
    (
        "GET",
        "/teams/{team}/members",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/teams/{team}/stats",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/users?in_team={team}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "PUT",
        "/teams/{team}/patch",
        r#"{"display_name":"Matrix"}"#,
        [401, 403, 403, 403, 200, 200, 200],
    ),
    (
        "POST",
        "/teams/{team}/members",
        r#"{"team_id":"{team}","user_id":"{t}"}"#,
        [401, 201, 403, 403, 201, 201, 201],
    ),
    (
        "PUT",
        "/teams/{team}/members/{t}/schemeRoles",
        r#"{"scheme_admin":false,"scheme_user":true}"#,
        [401, 403, 403, 403, 200, 200, 200],
    ),
    (
        "PUT",
        "/teams/{team}/members/{admin}/schemeRoles",
        r#"{"scheme_admin":true,"scheme_user":true}"#,
        [401, 403, 403, 403, 403, 403, 200],
    ),
    (
        "POST",
        "/teams/{team}/regenerate_invite_id",
        "",
        [401, 403, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/channels/{square}",
        "",
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "GET",
        "/channels/{hidden}",
        "",
        [401, 403, 403, 403, 403, 200, 200],
    ),
    (
        "GET",
        "/channels/junk",
        "",
        [401, 400, 400, 400, 400, 400, 400],
    ),
    (
        "GET",
        "/channels/{unknown}",
        "",
        [401, 404, 404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/channels",
        r#"{"team_id":"{team}","name":"made-{n}","display_name":"Made","type":"O"}"#,
        [401, 201, 403, 403, 201, 403, 201],
    ),
    (
        "PUT",
        "/channels/{square}/patch",
        r#"{"header":"h"}"#,
        [401, 200, 403, 403, 200, 200, 200],
    ),
    (
        "POST",
        "/channels/{hidden}/members",
        r#"{"user_id":"{t}"}"#,
        [401, 403, 403, 403, 201, 201, 201],
    ),
    (
        "GET",
        "/channels/{hidden}/members",
        "",
        [401, 403, 403, 403, 403, 200, 200],
    ),
];

/// The ids the matrix paths name.
struct Targets {
    user: String,
    team: String,
    admin: String,
    /// The team's town-square.
    square: String,
    /// A private channel of the team with the system admin as its only member.
    hidden: String,
}

async fn callers(server: &TestServer) -> (Vec<Option<String>>, Targets) {
    let admin = server.admin().await;
    let target = server.user(&admin, "target").await;
    let user = server.user(&admin, "basic").await;
    let team_admin = server.user(&admin, "teamadmin").await;
    let team = admin
        .client
        .create_team(&types::CreateTeamBody {
            name: "matrix".into(),
            display_name: "Matrix".into(),
            type_: "I".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    for member in [&target, &user, &team_admin] {
        let body = types::AddTeamMemberBody {
            team_id: Some(team.clone()),
            user_id: Some(member.id().to_owned()),
        };
        admin.client.add_team_member(&team, &body).await.unwrap();
    }
    let promote = types::UpdateTeamMemberSchemeRolesBody {
        scheme_admin: true,
        scheme_user: true,
    };
    admin
        .client
        .update_team_member_scheme_roles(&team, team_admin.id(), &promote)
        .await
        .unwrap();
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
        Some(team_admin.token),
        Some(manager.token),
        Some(admin.token.clone()),
    ];
    let square = admin
        .client
        .get_channel_by_name(&team, "town-square", None)
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let hidden = admin
        .client
        .create_channel(&types::CreateChannelBody {
            team_id: team.clone(),
            name: "hidden".into(),
            display_name: "Hidden".into(),
            type_: "P".into(),
            purpose: None,
            header: None,
        })
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let targets = Targets {
        user: target.id().to_owned(),
        team,
        admin: admin.id().to_owned(),
        square,
        hidden,
    };
    (tokens, targets)
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
    let (tokens, targets) = callers(&server).await;
    let unknown = ferromost::ids::new_id();
    let http = server.http();
    let mut wrong = Vec::new();
    let fill = |text: &str| {
        text.replace("{t}", &targets.user)
            .replace("{team}", &targets.team)
            .replace("{admin}", &targets.admin)
            .replace("{square}", &targets.square)
            .replace("{hidden}", &targets.hidden)
            .replace("{unknown}", &unknown)
    };
    for (n, (method, path, body, expected)) in MATRIX.iter().enumerate() {
        let path = fill(path);
        for (((caller, token), want), m) in CALLERS.iter().zip(&tokens).zip(expected).zip(0..) {
            let body = fill(body).replace("{n}", &format!("{n}-{m}"));
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = http.request(method.clone(), server.api(&path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if !body.is_empty() {
                request = request
                    .header("content-type", "application/json")
                    .body(body);
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
