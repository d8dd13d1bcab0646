//! Corteza's system API (openapi/corteza-system.yaml) through its generated client, on the
//! same accounts and sessions as Mattermost's API: envelopes with HTTP 200, numeric ids.

use crate::common::{Account, PASSWORD, TestServer, assert_logged_out, http_sending};
use ferromost_client::corteza::{self, types as cz};
use ferromost_client::types;
use serde_json::Value;

/// The Corteza client sending `token` as its bearer (or nothing).
pub fn corteza(server: &TestServer, token: Option<&str>) -> corteza::Client {
    let bearer = token.map(|t| format!("Bearer {t}")).unwrap_or_default();
    corteza::Client::new_with_client(&server.url, http_sending("authorization", &bearer))
}

/// Corteza's user `id` as `client` reads it.
async fn read_user(client: &corteza::Client, id: &str) -> cz::CortezaUser {
    let reply = client.corteza_user_read(id).await.unwrap().into_inner();
    reply.response.unwrap()
}

/// The claims of a JWT (its middle part), unverified.
pub fn jwt_claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The `error.message` of an answer that failed (Corteza answers errors with 200).
pub fn message<T: serde::Serialize>(reply: &T) -> String {
    let value = serde_json::to_value(reply).unwrap();
    value["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {value}"))
        .to_owned()
}

/// A raw request's JSON answer, with its status.
pub async fn raw(
    server: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = server
        .http()
        .request(method, format!("{}/api/system{path}", server.url))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The Corteza id of a Mattermost account, as Corteza's list shows it (by username).
pub async fn corteza_id(client: &corteza::Client, username: &str) -> String {
    let list = client
        .corteza_user_list(
            Some(1),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            Some(1),
            None,
            Some(username),
        )
        .await
        .unwrap()
        .into_inner();
    list.response.unwrap().set.unwrap()[0].user_id.clone()
}

pub async fn setup() -> (TestServer, Account, Account) {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    (server, admin, user)
}

#[tokio::test]
async fn a_sign_in_through_either_api_works_on_both() {
    let (server, admin, _user) = setup().await;
    let anonymous = corteza(&server, None);
    let settings = anonymous
        .corteza_auth_settings()
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert!(settings.internal_enabled);
    // Corteza's sign-in gives a token Mattermost's API takes.
    let login = |password: &str| {
        let body = cz::CortezaAuthInternalLoginBody {
            email: admin.user.email.clone().unwrap(),
            password: password.to_owned(),
        };
        let anonymous = anonymous.clone();
        async move {
            anonymous
                .corteza_auth_internal_login(&body)
                .await
                .unwrap()
                .into_inner()
        }
    };
    let wrong = login("not the password").await;
    assert_eq!(message(&wrong), "invalid username and password combination");
    let signed_in = login(PASSWORD).await.response.unwrap();
    assert_eq!(signed_in.user.email, admin.user.email.clone().unwrap());
    assert_eq!(signed_in.user.roles.as_deref(), Some(&["2".to_owned()][..]));
    let as_mattermost = server.client_with_token(&signed_in.jwt);
    let me = as_mattermost.get_user("me").await.unwrap().into_inner();
    assert_eq!(me.id.as_deref(), Some(admin.id()));
    // Mattermost's token works on Corteza's check.
    let checked = corteza(&server, Some(&admin.token))
        .corteza_auth_check()
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(checked.user.user_id, signed_in.user.user_id);
    // The answer is a JWT with Corteza's claims, carrying the session it stands for (and
    // long enough for Corteza's own client, which refuses tokens of 100 characters or less).
    let claims = jwt_claims(&checked.jwt);
    assert!(checked.jwt.len() > 100);
    assert_eq!(claims["sid"], serde_json::json!(admin.token));
    assert_eq!(claims["userID"], serde_json::json!(signed_in.user.user_id));
    assert_eq!(claims["memberOf"], serde_json::json!("2"));
    assert!(claims["exp"].as_i64().unwrap() > 1_700_000_000);
    // A JWT whose signature is not the server's is nobody's.
    let forged = format!("{}x", checked.jwt);
    let (_, body) = raw(&server, "GET", "/auth/check", Some(&forged), "").await;
    assert_eq!(
        body,
        serde_json::json!({"error": {"message": "not authenticated"}})
    );
    // The token also comes from ?jwt= and the jwt cookie.
    let (_, by_query) = raw(
        &server,
        "GET",
        &format!("/auth/check?jwt={}", signed_in.jwt),
        None,
        "",
    )
    .await;
    assert_eq!(
        by_query["response"]["user"]["userID"],
        signed_in.user.user_id.as_str()
    );
    let by_cookie = server
        .http()
        .get(format!("{}/api/system/auth/check", server.url))
        .header("cookie", format!("jwt={}", signed_in.jwt))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(by_cookie["response"]["jwt"], signed_in.jwt.as_str());
    // Logging out through Corteza ends the session everywhere.
    let out = corteza(&server, Some(&signed_in.jwt))
        .corteza_auth_logout()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(out.response, Some(true));
    assert_logged_out(&as_mattermost).await;
    let gone = anonymous.corteza_auth_check().await.unwrap().into_inner();
    assert_eq!(message(&gone), "not authenticated");
    let (status, body) = raw(
        &server,
        "POST",
        "/auth/internal/login",
        None,
        r#"{"email":"nope","password":"x"}"#,
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (200, Some("invalid email"))
    );
}

#[tokio::test]
async fn users_are_one_account_whichever_api_changes_them() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let created = cz_admin
        .corteza_user_create(&cz::CortezaUserCreateBody {
            email: "Jane.Roe@Example.com".into(),
            name: Some("Jane Roe".into()),
            handle: Some("jroe".into()),
            kind: None,
        })
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert!(created.user_id.parse::<u64>().unwrap() > 2);
    assert_eq!(
        (created.handle.as_str(), created.name.as_str()),
        ("jroe", "Jane Roe")
    );
    assert_eq!(created.email, "jane.roe@example.com");
    // Mattermost sees the account and changes it; Corteza reads the change.
    let account = admin
        .client
        .get_user_by_username("jroe")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(account.first_name.as_deref(), Some("Jane"));
    let patch = types::PatchUserBody {
        last_name: Some("Doe".into()),
        ..Default::default()
    };
    admin
        .client
        .patch_user(account.id.as_deref().unwrap(), &patch)
        .await
        .unwrap();
    let read = read_user(&cz_admin, &created.user_id).await;
    assert_eq!(read.name, "Jane Doe");
    assert_eq!(read.user_id, created.user_id, "ids are stable");
    // Corteza's update reaches Mattermost.
    cz_admin
        .corteza_user_update(
            &created.user_id,
            &cz::CortezaUserUpdateBody {
                email: "jane@example.com".into(),
                name: "Jane Q Roe".into(),
                handle: Some("janeroe".into()),
                kind: None,
            },
        )
        .await
        .unwrap();
    let account = admin
        .client
        .get_user(account.id.as_deref().unwrap())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(account.username.as_deref(), Some("janeroe"));
    assert_eq!(account.email.as_deref(), Some("jane@example.com"));
    assert_eq!(account.last_name.as_deref(), Some("Q Roe"));
    // Someone without unmask permissions sees masked addresses and names, but their own.
    let cz_basic = corteza(&server, Some(&basic.token));
    let masked = read_user(&cz_basic, &created.user_id).await;
    assert_eq!(masked.email, "####.#######@######.###");
    assert_eq!(masked.name, "##### ##########");
    let own_id = corteza_id(&cz_admin, "basic").await;
    let own = cz_basic
        .corteza_user_read(&own_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        own.response.unwrap().email,
        basic.user.email.clone().unwrap()
    );
    // Memberships: the admin holds Administrators (2); Everyone is never listed.
    let admin_id = corteza_id(&cz_admin, "sysadmin").await;
    let roles = cz_basic
        .corteza_user_membership_list(&admin_id)
        .await
        .unwrap()
        .into_inner()
        .response;
    assert_eq!(roles, ["2"]);
    assert!(
        cz_basic
            .corteza_user_membership_list(&own_id)
            .await
            .unwrap()
            .into_inner()
            .response
            .is_empty()
    );
}

#[tokio::test]
async fn suspending_ends_sessions_and_deleting_is_mattermosts_soft_delete() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let id = corteza_id(&cz_admin, "basic").await;
    let done = cz_admin
        .corteza_user_suspend(&id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.success.unwrap().message, "OK");
    assert_logged_out(&basic.client).await;
    let account = admin
        .client
        .get_user(basic.id())
        .await
        .unwrap()
        .into_inner();
    assert!(account.delete_at.unwrap() > 0, "deactivated in Mattermost");
    let read = read_user(&cz_admin, &id).await;
    assert!(read.suspended_at.is_some() && read.deleted_at.is_none());
    // Lists leave suspended accounts out unless asked (1 include, 2 only).
    let listed = |suspended: Option<i64>| {
        let cz_admin = cz_admin.clone();
        async move {
            cz_admin
                .corteza_user_list(
                    None, None, None, None, None, None, None, None, None, None, None, None, None,
                    suspended, None, None,
                )
                .await
                .unwrap()
                .into_inner()
                .response
                .unwrap()
        }
    };
    assert_eq!(listed(None).await.set.unwrap().len(), 1);
    assert_eq!(listed(Some(1)).await.set.unwrap().len(), 2);
    let only = listed(Some(2)).await;
    assert_eq!(only.set.unwrap()[0].user_id, id);
    assert_eq!(only.filter["count"], 1);
    assert_eq!(only.filter["suspended"], 2);
    // Signing in is refused while suspended.
    let attempt = corteza(&server, None)
        .corteza_auth_internal_login(&cz::CortezaAuthInternalLoginBody {
            email: basic.user.email.clone().unwrap(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&attempt), "failedForUnknownUser");
    cz_admin.corteza_user_unsuspend(&id).await.unwrap();
    let account = admin
        .client
        .get_user(basic.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(account.delete_at, Some(0));
    // Deleting is Mattermost's soft delete; Mattermost's restore undoes it for Corteza too.
    cz_admin.corteza_user_delete(&id).await.unwrap();
    let read = read_user(&cz_admin, &id).await;
    assert!(read.deleted_at.is_some() && read.suspended_at.is_none());
    admin
        .client
        .update_user_active(basic.id(), &types::UpdateUserActiveBody { active: true })
        .await
        .unwrap();
    let read = read_user(&cz_admin, &id).await;
    assert!(read.deleted_at.is_none());
    // A deactivation through Mattermost reads as deleted; Corteza's undelete restores it.
    admin
        .client
        .update_user_active(basic.id(), &types::UpdateUserActiveBody { active: false })
        .await
        .unwrap();
    let read = read_user(&cz_admin, &id).await;
    assert!(read.deleted_at.is_some());
    cz_admin.corteza_user_undelete(&id).await.unwrap();
    let account = admin
        .client
        .get_user(basic.id())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(account.delete_at, Some(0));
}

#[tokio::test]
async fn each_operation_checks_corteza_permissions_and_input() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));
    let admin_id = corteza_id(&cz_admin, "sysadmin").await;
    let own_id = corteza_id(&cz_admin, "basic").await;
    let body = cz::CortezaUserCreateBody {
        email: "x@example.com".into(),
        name: None,
        handle: None,
        kind: None,
    };
    let refused = cz_basic
        .corteza_user_create(&body)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to create users");
    let refused = cz_basic
        .corteza_user_suspend(&admin_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to suspend this user");
    let refused = cz_basic
        .corteza_user_set_password(
            &admin_id,
            &cz::CortezaUserSetPasswordBody {
                password: "Another-passw0rd!".into(),
            },
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to update this user");
    let refused = cz_basic
        .corteza_user_delete(&admin_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to delete this user");
    // Unsuspending has a refusal of its own; undeleting says `delete`, as in Corteza.
    let refused = cz_basic
        .corteza_user_unsuspend(&admin_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to unsuspend this user");
    let refused = cz_basic
        .corteza_user_undelete(&admin_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to delete this user");
    // Updating oneself needs no permission.
    cz_basic
        .corteza_user_update(
            &own_id,
            &cz::CortezaUserUpdateBody {
                email: basic.user.email.clone().unwrap(),
                name: "Basic User".into(),
                handle: None,
                kind: None,
            },
        )
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    // Bad input: Corteza's messages, HTTP 200, nothing changed.
    for (method, path, body, expected) in [
        ("GET", "/users/abc".to_owned(), "", "invalid ID"),
        ("GET", "/users/0".to_owned(), "", "invalid ID"),
        ("GET", "/users/123456789".to_owned(), "", "user not found"),
        (
            "POST",
            "/users/".to_owned(),
            "{",
            "error parsing http request body",
        ),
        (
            "POST",
            "/users/".to_owned(),
            r#"{"email":"not an address"}"#,
            "invalid email",
        ),
        (
            "POST",
            "/users/".to_owned(),
            r#"{"email":"b@example.com","handle":"basic"}"#,
            "handle not unique",
        ),
        (
            "GET",
            "/users/?sort=password".to_owned(),
            "",
            "unknown order-by column \"password\"",
        ),
        (
            "POST",
            format!("/users/{own_id}/password"),
            r#"{"password":"abc"}"#,
            "provided password is not secure",
        ),
    ] {
        let (status, answer) = raw(&server, method, &path, Some(&admin.token), body).await;
        assert_eq!(status, 200, "{method} {path}");
        let text = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(text.starts_with(expected), "{method} {path}: {answer}");
    }
    // Without a token every private operation is Unauthorized.
    let (status, answer) = raw(&server, "GET", "/users/", None, "").await;
    assert_eq!(
        (status, answer["error"]["message"].as_str()),
        (200, Some("Unauthorized"))
    );
    // Deleted accounts are listed only with `access` on system.
    let (_, answer) = raw(&server, "GET", "/users/?deleted=1", Some(&basic.token), "").await;
    assert_eq!(answer["error"]["message"], "not allowed to list users");
    // Paging: limit and offset, or page (from 1) and perPage; the filter echoes them.
    let (_, answer) = raw(
        &server,
        "GET",
        "/users/?perPage=1&page=2&sort=username%20DESC",
        Some(&admin.token),
        "",
    )
    .await;
    let response = &answer["response"];
    assert_eq!(response["filter"]["count"], 2);
    assert_eq!(response["filter"]["perPage"], 1);
    assert_eq!(response["set"][0]["handle"], "basic");
    let (_, answer) = raw(
        &server,
        "GET",
        "/users/?limit=x&offset=1",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(
        answer["response"]["set"].as_array().unwrap().len(),
        1,
        "a malformed limit is 0"
    );
}

#[tokio::test]
async fn changing_ones_password_ends_the_other_sessions() {
    let (server, _admin, basic) = setup().await;
    let other = server.login("basic", PASSWORD).await;
    let change = |token: Option<String>, old: &str, new: &str| {
        let client = corteza(&server, token.as_deref());
        let body = cz::CortezaAuthInternalChangePasswordBody {
            old_password: old.into(),
            new_password: new.into(),
        };
        async move {
            client
                .corteza_auth_internal_change_password(&body)
                .await
                .unwrap()
                .into_inner()
        }
    };
    let anonymous = change(None, PASSWORD, "Another-passw0rd!").await;
    assert_eq!(message(&anonymous), "invalid user (not authenticated)");
    let token = Some(basic.token.clone());
    let wrong = change(token.clone(), "not it", "Another-passw0rd!").await;
    assert_eq!(
        message(&wrong),
        "failed to change password, old password does not match"
    );
    let short = change(token.clone(), PASSWORD, "abc").await;
    assert!(message(&short).starts_with("provided password is not secure"));
    let done = change(token, PASSWORD, "Another-passw0rd!").await;
    assert_eq!(done.response, Some(true));
    // The caller's session goes on; the account's other sessions ended; the new password
    // signs in through Mattermost.
    assert!(basic.client.get_user("me").await.is_ok());
    assert_logged_out(&other.client).await;
    server.login("basic", "Another-passw0rd!").await;
}
