//! The `system` tag: ping and configuration.

use crate::common::{TestServer, assert_app_error, assert_fails};

#[tokio::test]
async fn ping_answers_ok_and_checks_the_database_when_asked() {
    let server = TestServer::start().await;
    let ping = server
        .anonymous()
        .get_ping(None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ping.status.as_deref(), Some("OK"));
    assert!(ping.database_status.is_none());
    let ping = server
        .anonymous()
        .get_ping(None, Some(true), None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ping.database_status.as_deref(), Some("OK"));
}

#[tokio::test]
async fn the_config_is_for_admins_and_hides_secrets() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    assert_fails(
        server.anonymous().get_config().await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
    assert_fails(
        user.client.get_config().await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    let config = admin.client.get_config().await.unwrap().into_inner();
    let shown = serde_json::to_value(config).unwrap();
    assert_eq!(
        shown["SqlSettings"]["DataSource"],
        ferromost::config::FAKE_SETTING
    );
    assert_eq!(shown["ServiceSettings"]["MaximumLoginAttempts"], 10);
}

#[tokio::test]
async fn the_client_config_is_public_in_the_old_format_only() {
    let server = TestServer::start().await;
    let response = server.get("/config/client?format=old").await;
    assert_eq!(response.status(), 200);
    let config: serde_json::Value = response.json().await.unwrap();
    assert_eq!(config["Version"], ferromost::router::MATTERMOST_VERSION);
    assert_eq!(config["EnableBotAccountCreation"], "false");
    let response = server.get("/config/client?format=new").await;
    assert_app_error(response, 400, "api.context.invalid_param.app_error").await;
    let response = server.get("/config/client").await;
    assert_app_error(response, 501, "api.config.client.old_format.app_error").await;
}

#[tokio::test]
async fn the_client_license_says_unlicensed() {
    let server = TestServer::start().await;
    let response = server.get("/license/client?format=old").await;
    assert_eq!(response.status(), 200);
    let license: serde_json::Value = response.json().await.unwrap();
    assert_eq!(license, serde_json::json!({"IsLicensed": "false"}));
    let response = server.get("/license/client?format=new").await;
    assert_app_error(response, 400, "api.context.invalid_param.app_error").await;
    let response = server.get("/license/client").await;
    assert_app_error(response, 501, "api.license.client.old_format.app_error").await;
}
