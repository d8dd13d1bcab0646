//! Multi-factor authentication: setup with a QR code, the login flow the clients use
//! (401 mfa.validate_token… first, then the code), single-use codes even under concurrency,
//! and deactivation ending sessions.

use crate::common::{
    Account, PASSWORD, TestServer, assert_app_error, assert_fails, assert_logged_out, login_body,
};
use ferromost::auth::mfa;
use ferromost_client::types;

/// A server with MFA on, and a user `basic` with MFA active; returns the user's secret.
async fn setup() -> (TestServer, Account, Account, String) {
    let server =
        TestServer::start_with(|c| c.service_settings.enable_multifactor_authentication = true)
            .await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let generated = user
        .client
        .generate_mfa_secret("me")
        .await
        .unwrap()
        .into_inner();
    let secret = generated.secret.unwrap();
    let qr = generated.qr_code.unwrap();
    assert!(qr.starts_with("iVBORw0KGgo"), "a base64 PNG");
    let code = mfa::code_at(&secret, mfa::unix_seconds()).unwrap();
    let activate = types::UpdateUserMfaBody {
        activate: true,
        code: Some(code),
    };
    user.client.update_user_mfa("me", &activate).await.unwrap();
    (server, admin, user, secret)
}

/// A code for `secret` that is one step ahead of now, so it has not been used yet.
fn fresh_code(secret: &str) -> String {
    mfa::code_at(secret, mfa::unix_seconds() + 30).unwrap()
}

#[tokio::test]
async fn mfa_is_off_by_default() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    assert_fails(
        admin.client.generate_mfa_secret("me").await,
        501,
        "mfa.mfa_disabled.app_error",
    )
    .await;
    let check = types::CheckUserMfaBody {
        login_id: "sysadmin".into(),
    };
    let reply = server
        .anonymous()
        .check_user_mfa(&check)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.mfa_required, Some(false));
}

#[tokio::test]
async fn login_asks_for_the_code_then_accepts_it_once() {
    let (server, _admin, user, secret) = setup().await;
    let check = types::CheckUserMfaBody {
        login_id: "basic".into(),
    };
    let reply = server
        .anonymous()
        .check_user_mfa(&check)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.mfa_required, Some(true));
    let me = user.client.get_user("me").await.unwrap().into_inner();
    assert_eq!(me.mfa_active, Some(true));
    // Without a code: the id clients branch on.
    assert_fails(
        server
            .anonymous()
            .login(&login_body("basic", PASSWORD))
            .await,
        401,
        "mfa.validate_token.authenticate.app_error",
    )
    .await;
    let wrong = types::LoginBody {
        token: Some("000000".into()),
        ..login_body("basic", PASSWORD)
    };
    assert_fails(
        server.anonymous().login(&wrong).await,
        401,
        "api.user.check_user_mfa.bad_code.app_error",
    )
    .await;
    let code = fresh_code(&secret);
    let right = types::LoginBody {
        token: Some(code),
        ..login_body("basic", PASSWORD)
    };
    server.anonymous().login(&right).await.unwrap();
    // The same code again is a replay.
    assert_fails(
        server.anonymous().login(&right).await,
        401,
        "api.user.check_user_mfa.bad_code.app_error",
    )
    .await;
    // The successful login reset the count; the replay counted as a wrong code.
    let row = ferromost::app::users::find_by_username(server.state.db(), "basic")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.failed_attempts, 1);
}

#[tokio::test]
async fn one_code_used_concurrently_succeeds_exactly_once() {
    let (server, ..) = setup().await;
    let secret = ferromost::app::users::find_by_username(server.state.db(), "basic")
        .await
        .unwrap()
        .unwrap()
        .mfa_secret;
    let body = serde_json::json!({"login_id": "basic", "password": PASSWORD, "token": fresh_code(&secret)});
    let statuses = server.race("/users/login", vec![body; 8]).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn deactivating_mfa_ends_other_sessions_and_is_guarded() {
    let (server, admin, user, secret) = setup().await;
    let right = types::LoginBody {
        token: Some(fresh_code(&secret)),
        ..login_body("basic", PASSWORD)
    };
    let reply = server.anonymous().login(&right).await.unwrap();
    let elsewhere = server.client_with_token(reply.headers()["token"].to_str().unwrap());
    let off = types::UpdateUserMfaBody {
        activate: false,
        code: None,
    };
    assert_fails(
        user.client.update_user_mfa(admin.id(), &off).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    user.client.update_user_mfa("me", &off).await.unwrap();
    user.client.get_user("me").await.unwrap();
    assert_logged_out(&elsewhere).await;
    server.login("basic", PASSWORD).await;
    // An admin can reset someone's MFA; activation needs a matching code.
    let bad = types::UpdateUserMfaBody {
        activate: true,
        code: Some("123456".into()),
    };
    admin.client.generate_mfa_secret(user.id()).await.unwrap();
    assert_fails(
        admin.client.update_user_mfa(user.id(), &bad).await,
        400,
        "mfa.activate.bad_token.app_error",
    )
    .await;
    let response = server
        .http()
        .put(server.api(&format!("/users/{}/mfa", user.id())))
        .bearer_auth(&admin.token)
        .json(&serde_json::json!({"activate": true}))
        .send()
        .await
        .unwrap();
    assert_app_error(response, 400, "api.context.invalid_param.app_error").await;
}

#[tokio::test]
async fn enforcement_confines_people_without_mfa_to_setting_it_up() {
    let required = "api.context.mfa_required.app_error";
    let server =
        TestServer::start_with(|c| c.service_settings.enable_multifactor_authentication = true)
            .await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    server.configure(|c| c.service_settings.enforce_multifactor_authentication = true);
    // Administrators are not exempt either.
    let names = vec!["basic".to_owned()];
    assert_fails(
        admin.client.get_users_by_usernames(&names).await,
        403,
        required,
    )
    .await;
    assert_fails(user.client.get_user(admin.id()).await, 403, required).await;
    // What setting it up needs still works.
    user.client.get_user("me").await.unwrap();
    let secret = user
        .client
        .generate_mfa_secret("me")
        .await
        .unwrap()
        .into_inner()
        .secret
        .unwrap();
    let code = mfa::code_at(&secret, mfa::unix_seconds()).unwrap();
    let activate = types::UpdateUserMfaBody {
        activate: true,
        code: Some(code),
    };
    user.client.update_user_mfa("me", &activate).await.unwrap();
    // With MFA on, the same session may do everything again.
    user.client.get_user(admin.id()).await.unwrap();
}
