//! The OAuth 2.0 provider: apps managed with manage_oauth (others' with
//! manage_system_wide_oauth), and a published OAuth client (the `oauth2` crate) going
//! through the authorization-code flow with PKCE, refreshing, and losing its grant.

use crate::common::{Account, TestServer, assert_fails};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, TokenResponse, TokenUrl,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CALLBACK: &str = "https://app.example/callback";
const FORBIDDEN: &str = "api.context.permissions.app_error";

async fn provider() -> TestServer {
    TestServer::start_with(|c| {
        c.service_settings
            .extra
            .insert("EnableOAuthServiceProvider".into(), true.into());
    })
    .await
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sends `body` as JSON to `path` (under the server's root) as `who`.
async fn call(
    server: &TestServer,
    who: Option<&Account>,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = no_redirects().request(method, format!("{}{path}", server.url));
    if let Some(who) = who {
        req = req.bearer_auth(&who.token);
    }
    if !body.is_null() {
        req = req.json(&body);
    }
    let response = req.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn make_app(server: &TestServer, who: &Account, extra: Value) -> Value {
    let mut body = json!({
        "name": "Planner",
        "description": "plans things",
        "homepage": "https://app.example",
        "callback_urls": [CALLBACK],
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let (status, app) = call(
        server,
        Some(who),
        reqwest::Method::POST,
        "/api/v4/oauth/apps",
        body,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    app
}

/// The `oauth2` crate's HTTP client, over the project's reqwest.
async fn http(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = no_redirects()
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut out = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        out = out.header(name, value);
    }
    Ok(out.body(response.bytes().await?.to_vec()).unwrap())
}

/// What the browser is sent to after `who` allows the app (through POST /oauth/authorize).
async fn allow(server: &TestServer, who: &Account, url: &reqwest::Url) -> reqwest::Url {
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let (status, body) = call(
        server,
        Some(who),
        reqwest::Method::POST,
        "/oauth/authorize",
        json!(q),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    reqwest::Url::parse(body["redirect"].as_str().unwrap()).unwrap()
}

fn query(url: &reqwest::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn apps_are_managed_as_mattermost_manages_them() {
    let server = TestServer::start_with(|c| {
        c.service_settings
            .extra
            .insert("EnableOAuthServiceProvider".into(), false.into());
    })
    .await;
    let admin = server.admin().await;
    let member = server.user(&admin, "appmaker").await;
    // Turned off: 501.
    let body = json!({"name": "x", "homepage": "https://a.example", "callback_urls": [CALLBACK]});
    let (status, err) = call(
        &server,
        Some(&admin),
        reqwest::Method::POST,
        "/api/v4/oauth/apps",
        body.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(err["id"], "api.oauth.register_oauth_app.turn_off.app_error");
    server.configure(|c| {
        c.service_settings
            .extra
            .insert("EnableOAuthServiceProvider".into(), true.into());
    });
    // Without manage_oauth: 403.
    let (status, err) = call(
        &server,
        Some(&member),
        reqwest::Method::POST,
        "/api/v4/oauth/apps",
        body,
    )
    .await;
    assert_eq!(
        (status, err["id"].as_str()),
        (StatusCode::FORBIDDEN, Some(FORBIDDEN))
    );
    let (status, err) = call(
        &server,
        Some(&member),
        reqwest::Method::GET,
        "/api/v4/oauth/apps",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, err["id"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("api.command.admin_only.app_error")
        )
    );
    // Checked as Mattermost checks them.
    for (bad, id) in [
        (json!({"name": ""}), "model.oauth.is_valid.name.app_error"),
        (
            json!({"callback_urls": []}),
            "model.oauth.is_valid.callback.app_error",
        ),
        (
            json!({"callback_urls": ["nope"]}),
            "model.oauth.is_valid.callback.app_error",
        ),
        (
            json!({"homepage": "ftp://x"}),
            "model.oauth.is_valid.homepage.app_error",
        ),
        (
            json!({"icon_url": "x"}),
            "model.oauth.is_valid.icon_url.app_error",
        ),
    ] {
        let mut body =
            json!({"name": "n", "homepage": "https://a.example", "callback_urls": [CALLBACK]});
        body.as_object_mut()
            .unwrap()
            .extend(bad.as_object().unwrap().clone());
        let (status, err) = call(
            &server,
            Some(&admin),
            reqwest::Method::POST,
            "/api/v4/oauth/apps",
            body,
        )
        .await;
        assert_eq!(
            (status, err["id"].as_str()),
            (StatusCode::BAD_REQUEST, Some(id))
        );
    }
    // An admin's app may be trusted; it has a secret the info view hides.
    let app = make_app(&server, &admin, json!({"is_trusted": true})).await;
    let id = app["id"].as_str().unwrap().to_owned();
    assert_eq!(app["is_trusted"], true);
    assert_eq!(app["creator_id"], admin.id());
    assert_eq!(app["client_secret"].as_str().unwrap().len(), 26);
    let info = member
        .client
        .get_o_auth_app_info(&id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.client_secret.as_deref(), Some(""));
    assert_eq!(info.name.as_deref(), Some("Planner"));
    assert_fails(member.client.get_o_auth_app(&id).await, 403, FORBIDDEN).await;
    assert_fails(
        member.client.regenerate_o_auth_app_secret(&id).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(member.client.delete_o_auth_app(&id).await, 403, FORBIDDEN).await;
    assert_fails(
        admin.client.get_o_auth_app(&"a".repeat(26)).await,
        404,
        "app.oauth.get_app.find.app_error",
    )
    .await;
    // Regenerating changes the secret; updating keeps it and the id must match.
    let regen = admin
        .client
        .regenerate_o_auth_app_secret(&id)
        .await
        .unwrap()
        .into_inner();
    assert_ne!(
        regen.client_secret.as_deref(),
        app["client_secret"].as_str()
    );
    let mut changed = app.clone();
    changed["name"] = "Planner 2".into();
    changed["client_secret"] = "chosen".into();
    let (status, updated) = call(
        &server,
        Some(&admin),
        reqwest::Method::PUT,
        &format!("/api/v4/oauth/apps/{id}"),
        changed.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Planner 2");
    assert_eq!(
        updated["client_secret"].as_str(),
        regen.client_secret.as_deref()
    );
    changed["id"] = "b".repeat(26).into();
    let (status, err) = call(
        &server,
        Some(&admin),
        reqwest::Method::PUT,
        &format!("/api/v4/oauth/apps/{id}"),
        changed,
    )
    .await;
    assert_eq!(
        (status, err["id"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("api.context.invalid_param.app_error")
        )
    );
    let listed = admin
        .client
        .get_o_auth_apps(None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 1);
    admin.client.delete_o_auth_app(&id).await.unwrap();
    assert_fails(
        admin.client.get_o_auth_app(&id).await,
        404,
        "app.oauth.get_app.find.app_error",
    )
    .await;
}

#[tokio::test]
async fn a_public_client_signs_in_with_pkce_and_its_code_works_once() {
    let server = provider().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "oauthuser").await;
    let app = make_app(&server, &admin, json!({"is_public": true})).await;
    assert_eq!(app["client_secret"], "");
    let client = BasicClient::new(ClientId::new(app["id"].as_str().unwrap().to_owned()))
        .set_auth_uri(AuthUrl::new(format!("{}/oauth/authorize", server.url)).unwrap())
        .set_token_uri(TokenUrl::new(format!("{}/oauth/access_token", server.url)).unwrap())
        .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap())
        .set_auth_type(AuthType::RequestBody);

    // Without PKCE a public client is refused.
    let (plain_url, _) = client.authorize_url(CsrfToken::new_random).url();
    let q: std::collections::HashMap<String, String> =
        plain_url.query_pairs().into_owned().collect();
    let (status, err) = call(
        &server,
        Some(&member),
        reqwest::Method::POST,
        "/oauth/authorize",
        json!(q),
    )
    .await;
    assert_eq!(
        (status, err["id"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("model.authorize.is_valid.code_challenge.app_error")
        )
    );

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    // A browser without a session goes to the login page first.
    let page = no_redirects().get(url.as_str()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::FOUND);
    let to = page.headers()["location"].to_str().unwrap();
    assert!(
        to.contains("/login?redirect_to=%2Foauth%2Fauthorize%3F"),
        "{to}"
    );
    // Signed in, an untrusted app the user never allowed gets the consent page.
    let page = no_redirects()
        .get(url.as_str())
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Planner"));
    let back = allow(&server, &member, &url).await;
    assert_eq!(
        query(&back, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = query(&back, "code").unwrap();

    // A wrong verifier is refused and leaves the code usable.
    let wrong = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(PkceCodeVerifier::new("x".repeat(64)))
        .request_async(&http)
        .await;
    assert!(wrong.is_err());
    // Racing exchanges of the code: exactly one gets a token.
    let mut racers = Vec::new();
    for _ in 0..6 {
        let client = client.clone();
        let code = code.clone();
        let verifier = PkceCodeVerifier::new(verifier.secret().clone());
        racers.push(tokio::spawn(async move {
            client
                .exchange_code(AuthorizationCode::new(code))
                .set_pkce_verifier(verifier)
                .request_async(&http)
                .await
                .ok()
        }));
    }
    let mut tokens = Vec::new();
    for r in racers {
        if let Some(t) = r.await.unwrap() {
            tokens.push(t);
        }
    }
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    assert!(
        token.refresh_token().is_none(),
        "public clients get no refresh token"
    );
    // The access token is an OAuth session: accepted as ?access_token=.
    let me = no_redirects()
        .get(format!(
            "{}/api/v4/users/me?access_token={}",
            server.url,
            token.access_token().secret()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.unwrap()["id"], member.id());
    // The user's authorized apps list it, without its secret.
    let authorized = member
        .client
        .get_authorized_o_auth_apps_for_user(member.id(), None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(authorized.len(), 1);
    // Allowed once, the next authorization goes straight back to the app.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let page = no_redirects()
        .get(url.as_str())
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FOUND);
    assert!(
        page.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&format!("{CALLBACK}?code="))
    );
}

#[tokio::test]
async fn a_confidential_client_refreshes_and_loses_its_grant() {
    let server = provider().await;
    let admin = server.admin().await;
    let member = server.user(&admin, "granter").await;
    let outsider = server.user(&admin, "stranger").await;
    let app = make_app(&server, &admin, json!({})).await;
    let app_id = app["id"].as_str().unwrap().to_owned();
    let client = BasicClient::new(ClientId::new(app_id.clone()))
        .set_client_secret(ClientSecret::new(
            app["client_secret"].as_str().unwrap().to_owned(),
        ))
        .set_auth_uri(AuthUrl::new(format!("{}/oauth/authorize", server.url)).unwrap())
        .set_token_uri(TokenUrl::new(format!("{}/oauth/access_token", server.url)).unwrap())
        .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap())
        .set_auth_type(AuthType::RequestBody);
    let (url, _) = client.authorize_url(CsrfToken::new_random).url();
    let code = query(&allow(&server, &member, &url).await, "code").unwrap();
    // A wrong secret is refused.
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", app_id.as_str()),
        ("client_secret", "wrong"),
        ("redirect_uri", CALLBACK),
    ];
    let refused = no_redirects()
        .post(format!("{}/oauth/access_token", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            reqwest::Url::parse_with_params("http://x/", &form)
                .unwrap()
                .query()
                .unwrap()
                .to_owned(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["id"],
        "api.oauth.get_access_token.credentials.app_error"
    );
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .request_async(&http)
        .await
        .unwrap();
    let first = token.access_token().secret().clone();
    let refresh = token.refresh_token().unwrap().secret().clone();
    let as_app = server.client_with_token(&first);
    assert_eq!(
        as_app
            .get_user("me")
            .await
            .unwrap()
            .into_inner()
            .id
            .as_deref(),
        Some(member.id())
    );
    // Refreshing ends the old session; the old refresh token is spent.
    let renewed = client
        .exchange_refresh_token(&RefreshToken::new(refresh.clone()))
        .request_async(&http)
        .await
        .unwrap();
    assert_ne!(renewed.access_token().secret(), &first);
    assert!(
        server
            .client_with_token(&first)
            .get_user("me")
            .await
            .is_err()
    );
    assert!(
        client
            .exchange_refresh_token(&RefreshToken::new(refresh))
            .request_async(&http)
            .await
            .is_err()
    );
    let second = renewed.access_token().secret().clone();
    assert!(
        server
            .client_with_token(&second)
            .get_user("me")
            .await
            .is_ok()
    );
    // An OAuth session cannot grant apps itself.
    let as_oauth = Account {
        client: server.client_with_token(&second),
        user: member.user.clone(),
        token: second.clone(),
    };
    let (status, _) = call(
        &server,
        Some(&as_oauth),
        reqwest::Method::POST,
        "/oauth/authorize",
        json!({"response_type": "code", "client_id": app_id, "redirect_uri": CALLBACK}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another user cannot read the member's authorized apps.
    assert_fails(
        outsider
            .client
            .get_authorized_o_auth_apps_for_user(member.id(), None, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    // A redirect URL that is not the app's is refused.
    let (status, err) = call(&server, Some(&member), reqwest::Method::POST, "/oauth/authorize", json!({"response_type": "code", "client_id": app_id, "redirect_uri": "https://evil.example/cb"})).await;
    assert_eq!(
        (status, err["id"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("api.oauth.allow_oauth.redirect_callback.app_error")
        )
    );
    // Deauthorizing ends the session at once, and the app leaves the list.
    let (status, _) = call(
        &server,
        Some(&member),
        reqwest::Method::POST,
        "/oauth/deauthorize",
        json!({"client_id": app_id}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        server
            .client_with_token(&second)
            .get_user("me")
            .await
            .is_err()
    );
    let authorized = member
        .client
        .get_authorized_o_auth_apps_for_user(member.id(), None, None)
        .await
        .unwrap()
        .into_inner();
    assert!(authorized.is_empty());
    // Logging out of an OAuth session spends its refresh token too (Mattermost removes the
    // access data with the session).
    // A new grant (the member allows, the client exchanges the code): its token response.
    macro_rules! grant {
        () => {{
            let (url, _) = client.authorize_url(CsrfToken::new_random).url();
            let code = query(&allow(&server, &member, &url).await, "code").unwrap();
            client
                .exchange_code(AuthorizationCode::new(code))
                .request_async(&http)
                .await
                .unwrap()
        }};
    }
    let granted = grant!();
    let refresh = granted.refresh_token().unwrap().secret().clone();
    server
        .client_with_token(granted.access_token().secret())
        .logout()
        .await
        .unwrap();
    assert!(
        client
            .exchange_refresh_token(&RefreshToken::new(refresh))
            .request_async(&http)
            .await
            .is_err()
    );
    // Deleting the app ends the sessions it still had.
    let token = grant!();
    let third = token.access_token().secret().clone();
    assert!(
        server
            .client_with_token(&third)
            .get_user("me")
            .await
            .is_ok()
    );
    admin.client.delete_o_auth_app(&app_id).await.unwrap();
    assert!(
        server
            .client_with_token(&third)
            .get_user("me")
            .await
            .is_err()
    );
    // A session that is not OAuth is refused in the query string.
    let me = no_redirects()
        .get(format!(
            "{}/api/v4/users/me?access_token={}",
            server.url, member.token
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_requests_to_the_provider_are_clear_errors() {
    let server = provider().await;
    let admin = server.admin().await;
    let cases: Vec<(reqwest::Method, &str, Option<&Account>, &str)> = vec![
        (reqwest::Method::GET, "/oauth/authorize", None, ""),
        (
            reqwest::Method::GET,
            "/oauth/authorize?client_id=nope&response_type=code&redirect_uri=x",
            None,
            "",
        ),
        (
            reqwest::Method::POST,
            "/oauth/authorize",
            Some(&admin),
            "{\"client_id\": 5}",
        ),
        (reqwest::Method::POST, "/oauth/authorize", None, "{}"),
        (
            reqwest::Method::POST,
            "/oauth/access_token",
            None,
            "grant_type=password",
        ),
        (
            reqwest::Method::POST,
            "/oauth/access_token",
            None,
            "%%%\u{0}",
        ),
        (
            reqwest::Method::POST,
            "/oauth/deauthorize",
            Some(&admin),
            "{\"client_id\": \"x\"}",
        ),
        (
            reqwest::Method::POST,
            "/oauth/deauthorize",
            Some(&admin),
            "not json",
        ),
    ];
    for (method, path, who, body) in cases {
        let mut req = no_redirects()
            .request(method.clone(), format!("{}{path}", server.url))
            .body(body.to_owned());
        if path == "/oauth/access_token" {
            req = req.header("content-type", "application/x-www-form-urlencoded");
        } else {
            req = req.header("content-type", "application/json");
        }
        if let Some(who) = who {
            req = req.bearer_auth(&who.token);
        }
        let response = req.send().await.unwrap();
        let status = response.status();
        let error: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_client_error(), "{method} {path}: {status}");
        assert!(error["id"].is_string(), "{method} {path}: {error}");
    }
}
