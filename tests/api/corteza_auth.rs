//! Corteza's sign-up, password reset, email confirmation, exchange and impersonation on
//! Mattermost's accounts, sessions and mailed tokens, and its action log over Mattermost's
//! audit trail.

use crate::common::smtp::Mailbox;
use crate::common::{PASSWORD, TestServer, assert_logged_out};
use crate::corteza::{corteza, corteza_id, message, raw, setup};
use ferromost_client::corteza::types as cz;
use serde_json::json;

async fn mailing_server(
    adjust: impl FnOnce(&mut ferromost::config::Config),
) -> (TestServer, Mailbox) {
    let (mailbox, port) = Mailbox::start().await;
    let server = TestServer::start_with(|c| {
        c.email_settings.smtp_server = "127.0.0.1".into();
        c.email_settings.smtp_port = port.to_string();
        c.service_settings.site_url = "https://chat.example.com".into();
        adjust(c);
    })
    .await;
    (server, mailbox)
}

fn signup(email: &str, password: &str, handle: Option<&str>) -> cz::CortezaAuthInternalSignupBody {
    cz::CortezaAuthInternalSignupBody {
        email: email.to_owned(),
        password: password.to_owned(),
        handle: handle.map(str::to_owned),
        name: Some("Walk In".to_owned()),
        username: None,
    }
}

#[tokio::test]
async fn signing_up_follows_mattermosts_sign_up_settings() {
    let server = TestServer::start().await;
    let anonymous = corteza(&server, None);
    // The first account needs no open server and becomes an administrator.
    let first = anonymous
        .corteza_auth_internal_signup(&signup("first@example.com", PASSWORD, Some("first")))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(first.user.roles.as_deref(), Some(&["2".to_owned()][..]));
    let me = server
        .client_with_token(&first.jwt)
        .get_user("me")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (me.username.as_deref(), me.first_name.as_deref()),
        (Some("first"), Some("Walk"))
    );
    assert!(me.roles.unwrap().contains("system_admin"));
    // Later ones need an open server.
    let closed = anonymous
        .corteza_auth_internal_signup(&signup("second@example.com", PASSWORD, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&closed),
        "internal sign-up (username/password) is disabled"
    );
    server.configure(|c| c.team_settings.enable_open_server = true);
    let second = anonymous
        .corteza_auth_internal_signup(&signup("second@example.com", PASSWORD, None))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    // No handle given: derived from the name, as Corteza derives it.
    assert_eq!(second.user.handle.as_deref(), Some("walkin"));
    assert_eq!(second.user.roles, Some(vec![]));
    // The same address again signs in with the right password and is refused otherwise.
    let again = anonymous
        .corteza_auth_internal_signup(&signup("second@example.com", PASSWORD, None))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(again.user.user_id, second.user.user_id);
    let wrong = anonymous
        .corteza_auth_internal_signup(&signup("second@example.com", "Not-the-pass1", None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&wrong), "invalid username and password combination");
    // Bad input: Corteza's messages, no account made.
    for (body, expected) in [
        (signup("not-an-address", PASSWORD, None), "invalid email"),
        (
            signup("third@example.com", "", None),
            "provided password is not secure; use longer password with more non-alphanumeric character",
        ),
        (
            signup("third@example.com", "abc", None),
            "provided password is not secure; use longer password with more non-alphanumeric character",
        ),
        (
            signup("third@example.com", PASSWORD, Some("first")),
            "handle not unique",
        ),
        (
            signup("third@example.com", PASSWORD, Some("no spaces!")),
            "invalid handle",
        ),
    ] {
        let reply = anonymous
            .corteza_auth_internal_signup(&body)
            .await
            .unwrap()
            .into_inner();
        assert_eq!(message(&reply), expected);
    }
    server.configure(|c| c.team_settings.enable_user_creation = false);
    let off = anonymous
        .corteza_auth_internal_signup(&signup("third@example.com", PASSWORD, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&off),
        "internal sign-up (username/password) is disabled"
    );
}

#[tokio::test]
async fn confirming_an_address_signs_in() {
    let (server, mailbox) = mailing_server(|c| {
        c.email_settings.require_email_verification = true;
        c.team_settings.enable_open_server = true;
    })
    .await;
    server.admin().await;
    let anonymous = corteza(&server, None);
    let pending = anonymous
        .corteza_auth_internal_signup(&signup("walkin@example.com", PASSWORD, Some("walkin")))
        .await
        .unwrap()
        .into_inner();
    let wire = serde_json::to_value(&pending).unwrap();
    assert_eq!(
        (
            wire["response"]["jwt"].clone(),
            wire["response"]["user"]["roles"].clone()
        ),
        (json!(""), json!(null))
    );
    // Signing in before confirming is refused (and re-sends the mail, as Mattermost's
    // login does not; the first mail is the one used).
    let login = cz::CortezaAuthInternalLoginBody {
        email: "walkin@example.com".into(),
        password: PASSWORD.into(),
    };
    let early = anonymous
        .corteza_auth_internal_login(&login)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&early),
        "system requires confirmed email before logging in"
    );
    let token = mailbox
        .last_to("walkin@example.com")
        .await
        .link_param("token");
    let confirm = cz::CortezaAuthInternalConfirmEmailBody {
        token: token.clone(),
    };
    let confirmed = anonymous
        .corteza_auth_internal_confirm_email(&confirm)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    let me = server
        .client_with_token(&confirmed.jwt)
        .get_user("me")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.email_verified, Some(true));
    let reused = anonymous
        .corteza_auth_internal_confirm_email(&confirm)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&reused), "invalid token");
    assert!(
        anonymous
            .corteza_auth_internal_login(&login)
            .await
            .unwrap()
            .into_inner()
            .response
            .is_some()
    );
}

#[tokio::test]
async fn a_mailed_reset_token_is_exchanged_once_and_sets_the_password() {
    let (server, mailbox) = mailing_server(|_| {}).await;
    let admin = server.admin().await;
    let basic = server.user(&admin, "basic").await;
    let anonymous = corteza(&server, None);
    let unknown = anonymous
        .corteza_auth_internal_request_password_reset(
            &cz::CortezaAuthInternalRequestPasswordResetBody {
                email: "nobody@example.com".into(),
            },
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&unknown),
        "failed to complete request due to internal error"
    );
    let asked = anonymous
        .corteza_auth_internal_request_password_reset(
            &cz::CortezaAuthInternalRequestPasswordResetBody {
                email: "basic@example.com".into(),
            },
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(asked.response, Some(true));
    let mailed = mailbox
        .last_to("basic@example.com")
        .await
        .link_param("token");
    let exchange = |token: &str| cz::CortezaAuthInternalExchangePasswordResetTokenBody {
        token: token.to_owned(),
    };
    let exchanged = anonymous
        .corteza_auth_internal_exchange_password_reset_token(&exchange(&mailed))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(exchanged.user.email, "basic@example.com");
    assert_ne!(exchanged.token, mailed);
    // The mailed token is spent; so is an exchanged one once used.
    let spent = anonymous
        .corteza_auth_internal_exchange_password_reset_token(&exchange(&mailed))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&spent), "invalid token");
    let reset = |password: &str| cz::CortezaAuthInternalResetPasswordBody {
        token: exchanged.token.clone(),
        password: password.to_owned(),
    };
    let weak = anonymous
        .corteza_auth_internal_reset_password(&reset("abc"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&weak),
        "provided password is not secure; use longer password with more non-alphanumeric character"
    );
    let done = anonymous
        .corteza_auth_internal_reset_password(&reset("Fresh-pass1"))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(done.user.email, "basic@example.com");
    // Every earlier session ended; the new token and the new password work.
    assert_logged_out(&basic.client).await;
    server
        .client_with_token(&done.jwt)
        .get_user("me")
        .await
        .unwrap();
    server.login("basic", "Fresh-pass1").await;
    let again = anonymous
        .corteza_auth_internal_reset_password(&reset("Other-pass1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&again), "invalid token");
    // Exchange of an external sign-in token: ferromost issues none.
    let external = anonymous
        .corteza_auth_exchange(&cz::CortezaAuthExchangeBody { token: mailed })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&external), "invalid token");
}

#[tokio::test]
async fn administrators_impersonate_in_a_session_of_its_own() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    let admin_id = corteza_id(&cz_admin, "sysadmin").await;
    let as_user = |id: &str| cz::CortezaAuthImpersonateBody {
        user_id: id.to_owned(),
        expire: None,
    };
    let refused = corteza(&server, Some(&basic.token))
        .corteza_auth_impersonate(&as_user(&admin_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to impersonate this user");
    let anonymous = corteza(&server, None)
        .corteza_auth_impersonate(&as_user(&admin_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&anonymous), "not allowed to impersonate this user");
    let missing = cz_admin
        .corteza_auth_impersonate(&as_user("987654321"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&missing), "user not found");
    let (_, body) = raw(
        &server,
        "POST",
        "/auth/impersonate",
        Some(&admin.token),
        r#"{"userID":"x"}"#,
    )
    .await;
    assert_eq!(body, json!({"error": {"message": "invalid ID"}}));

    let signed_in = cz_admin
        .corteza_auth_impersonate(&as_user(&basic_id))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(signed_in.user.user_id, basic_id);
    let as_basic = server.client_with_token(&signed_in.jwt);
    assert_eq!(
        as_basic
            .get_user("me")
            .await
            .unwrap()
            .into_inner()
            .username
            .as_deref(),
        Some("basic")
    );
    // Both trails record it.
    let basic_trail = admin
        .client
        .get_user_audits(basic.id())
        .await
        .unwrap()
        .into_inner();
    assert!(basic_trail.iter().any(|a| {
        a.extra_info
            .as_deref()
            .unwrap_or_default()
            .starts_with(&format!("impersonated by {}", admin.id()))
    }));
    let admin_trail = admin
        .client
        .get_user_audits(admin.id())
        .await
        .unwrap()
        .into_inner();
    assert!(admin_trail.iter().any(|a| {
        a.extra_info
            .as_deref()
            .unwrap_or_default()
            .starts_with(&format!("impersonating {}", basic.id()))
    }));
    // Signing out ends the impersonation only.
    corteza(&server, Some(&signed_in.jwt))
        .corteza_auth_logout()
        .await
        .unwrap();
    assert_logged_out(&as_basic).await;
    basic.client.get_user("me").await.unwrap();
}

#[tokio::test]
async fn the_action_log_is_mattermosts_audit_trail() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    // A change through Corteza is on Mattermost's trail, and one through Mattermost is in
    // Corteza's log.
    cz_admin.corteza_user_suspend(&basic_id).await.unwrap();
    cz_admin.corteza_user_unsuspend(&basic_id).await.unwrap();
    let app = cz_admin
        .corteza_application_create(&cz::CortezaApplicationCreateBody {
            name: "Audited".into(),
            enabled: None,
            unify: None,
            config: None,
        })
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    let own_trail = admin
        .client
        .get_user_audits(admin.id())
        .await
        .unwrap()
        .into_inner();
    let created = format!("application {} created", app.application_id);
    assert!(
        own_trail
            .iter()
            .any(|a| a.extra_info.as_deref() == Some(created.as_str())
                && a.action.as_deref() == Some("/api/system/application/")),
        "{own_trail:?}"
    );
    let trail = admin
        .client
        .get_user_audits(basic.id())
        .await
        .unwrap()
        .into_inner();
    let infos: Vec<String> = trail.iter().filter_map(|a| a.extra_info.clone()).collect();
    assert!(
        infos.contains(&"suspended".to_owned()) && infos.contains(&"unsuspended".to_owned()),
        "{infos:?}"
    );
    admin
        .client
        .update_user_roles(
            basic.id(),
            &ferromost_client::types::UpdateUserRolesBody {
                roles: "system_user".into(),
            },
        )
        .await
        .unwrap();

    let list = |client: &ferromost_client::corteza::Client,
                resource: Option<&'static str>,
                action: Option<String>,
                actors: Vec<String>| {
        let client = client.clone();
        async move {
            let reply = client
                .corteza_actionlog_list(
                    action.as_deref(),
                    Some(&actors),
                    None,
                    None,
                    None,
                    None,
                    None,
                    resource,
                    None,
                )
                .await
                .unwrap()
                .into_inner();
            reply
                .response
                .unwrap_or_else(|| panic!("{:?}", reply.error))
        }
    };
    let everything = list(&cz_admin, None, None, vec![]).await;
    assert_eq!(everything.filter["count"], json!(0));
    let events = everything.set.unwrap();
    // Newest first: the role change made through Mattermost.
    assert_eq!(
        events[0].action,
        format!("/api/v4/users/{}/roles", basic.id())
    );
    assert_eq!(
        (
            events[0].resource.as_str(),
            events[0].description.as_str(),
            events[0].actor_id.as_str()
        ),
        ("system:user", "roles=system_user", basic_id.as_str())
    );
    assert_eq!(events[0].severity, 6);
    let suspended = list(
        &cz_admin,
        Some("system:user"),
        Some(format!("/api/system/users/{basic_id}/suspend")),
        vec![basic_id.clone()],
    )
    .await
    .set
    .unwrap();
    assert_eq!(suspended.len(), 1);
    assert_eq!(suspended[0].description, "suspended");
    // A failed sign-in is an error event.
    server
        .anonymous()
        .login(&crate::common::login_body("basic", "wrong-password"))
        .await
        .ok();
    let failures = list(
        &cz_admin,
        Some("system:user"),
        Some("/api/v4/users/login".into()),
        vec![basic_id.clone()],
    )
    .await
    .set
    .unwrap();
    assert!(
        failures
            .iter()
            .any(|e| e.severity == 4 && e.error.starts_with("failure")),
        "{failures:?}"
    );
    for nothing in ["system:team", "compose:record", "system:", "system:user/x"] {
        let events = list(&cz_admin, Some(nothing), None, vec![])
            .await
            .set
            .unwrap();
        assert!(events.is_empty(), "{nothing}: {events:?}");
    }
    // Somebody without access on system sees their own records only (suspending ended
    // the earlier session).
    let basic = server.login("basic", PASSWORD).await;
    let cz_basic = corteza(&server, Some(&basic.token));
    let own = list(&cz_basic, None, None, vec![]).await.set.unwrap();
    assert!(!own.is_empty());
    assert!(own.iter().all(|e| e.actor_id == basic_id));
    // Time window and paging.
    let (_, body) = raw(
        &server,
        "GET",
        "/actionlog/?from=2999-01-01T00:00:00Z",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(body["response"]["set"], json!([]));
    let (_, body) = raw(
        &server,
        "GET",
        "/actionlog/?limit=2",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(body["response"]["set"].as_array().unwrap().len(), 2);
    let (_, body) = raw(
        &server,
        "GET",
        "/actionlog/?to=yesterday",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(
        body,
        json!({"error": {"message": "parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\""}})
    );
    let (_, body) = raw(
        &server,
        "GET",
        "/actionlog/?actorID=x",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(body, json!({"error": {"message": "invalid ID"}}));
}

#[tokio::test]
async fn concurrent_sign_ups_of_one_address_make_one_account() {
    let server = TestServer::start_with(|c| c.team_settings.enable_open_server = true).await;
    server.admin().await;
    let body = r#"{"email":"race@example.com","password":"Passw0rd!","handle":"racer"}"#;
    let attempts = (0..6).map(|_| raw(&server, "POST", "/auth/internal/signup", None, body));
    let answers = futures::future::join_all(attempts).await;
    let mut made = 0;
    for (status, answer) in answers {
        assert_eq!(status, 200, "{answer}");
        match answer["error"]["message"].as_str() {
            None => made += 1,
            // The losers of the race: the address (or handle) is taken by then.
            Some(m) => assert!(
                ["email not unique", "handle not unique"].contains(&m),
                "{answer}"
            ),
        }
    }
    assert!(made >= 1);
    let admin = server.login("sysadmin", PASSWORD).await;
    let found = admin
        .client
        .get_user_by_email("race@example.com")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.username.as_deref(), Some("racer"));
}
