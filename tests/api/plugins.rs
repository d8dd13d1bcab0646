//! The plugins operations of a server that runs no plugins: empty lists to whoever may read
//! them, every plugin not installed, Mattermost's permissions (`sysconsole_read_plugins`,
//! `sysconsole_write_plugins`), plugin ids checked first, and 501 everywhere while
//! `PluginSettings.Enable` is off.

use crate::common::{Account, TestServer, assert_app_error, assert_fails};
use ferromost_client::types;
use serde_json::{Value, json};

const FORBIDDEN: &str = "api.context.permissions.app_error";
const NOT_INSTALLED: &str = "app.plugin.not_installed.app_error";
const DISABLED: &str = "app.plugin.disabled.app_error";

/// The three operations on one plugin, as `who`, each expected to fail with `status`/`id`.
async fn each_change_fails(who: &Account, plugin_id: &str, status: u16, id: &str) {
    assert_fails(who.client.enable_plugin(plugin_id).await, status, id).await;
    assert_fails(who.client.disable_plugin(plugin_id).await, status, id).await;
    assert_fails(who.client.remove_plugin(plugin_id).await, status, id).await;
}

#[tokio::test]
async fn no_plugin_is_installed_and_the_lists_say_so() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let (manager, reader) = server.manager_and_reader(&admin).await;

    // Both lists, always there (the System Console maps over them).
    for who in [&admin, &reader, &manager] {
        let listed = server
            .http()
            .get(server.api("/plugins"))
            .bearer_auth(&who.token)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 200);
        let listed: Value = listed.json().await.unwrap();
        assert_eq!(listed, json!({"active": [], "inactive": []}));
        let statuses = who.client.get_plugin_statuses().await.unwrap();
        assert!(statuses.into_inner().is_empty());
    }
    assert_fails(user.client.get_plugins().await, 403, FORBIDDEN).await;
    assert_fails(user.client.get_plugin_statuses().await, 403, FORBIDDEN).await;
    let anonymous = server.anonymous();
    let expired = "api.context.session_expired.app_error";
    assert_fails(anonymous.get_plugins().await, 401, expired).await;
    // The web app asks for its plugins before anyone signs in.
    let webapp = anonymous.get_webapp_plugins().await.unwrap();
    assert!(webapp.into_inner().is_empty());
    let raw = server.get("/plugins/webapp").await;
    assert_eq!(raw.json::<Value>().await.unwrap(), json!([]));

    // Changing a plugin takes sysconsole_write_plugins, which only admins hold; then the
    // plugin is not there.
    for who in [&user, &reader, &manager] {
        each_change_fails(who, "com.example.demo", 403, FORBIDDEN).await;
    }
    each_change_fails(&admin, "com.example.demo", 404, NOT_INSTALLED).await;
    let invalid = "api.context.invalid_url_param.app_error";
    let too_long = "p".repeat(191);
    for id in ["ab", "has space", "ex@mple", too_long.as_str()] {
        each_change_fails(&admin, id, 400, invalid).await;
        each_change_fails(&user, id, 400, invalid).await;
    }
    let anonymous = server
        .http()
        .post(server.api("/plugins/com.example.demo/enable"))
        .send()
        .await
        .unwrap();
    assert_app_error(anonymous, 401, expired).await;
}

#[tokio::test]
async fn plugins_turned_off_answer_501() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let off: types::Config =
        serde_json::from_value(json!({"PluginSettings": {"Enable": false}})).unwrap();
    admin.client.patch_config(&off).await.unwrap();
    assert_fails(admin.client.get_plugins().await, 501, DISABLED).await;
    assert_fails(admin.client.get_plugin_statuses().await, 501, DISABLED).await;
    assert_fails(server.anonymous().get_webapp_plugins().await, 501, DISABLED).await;
    each_change_fails(&admin, "com.example.demo", 501, DISABLED).await;
    // The id is checked first, as Mattermost does.
    let invalid = "api.context.invalid_url_param.app_error";
    each_change_fails(&admin, "ab", 400, invalid).await;
    // Back on, back to empty lists.
    let on: types::Config =
        serde_json::from_value(json!({"PluginSettings": {"Enable": true}})).unwrap();
    admin.client.patch_config(&on).await.unwrap();
    let listed = admin.client.get_plugins().await.unwrap().into_inner();
    assert!(listed.active.is_empty() && listed.inactive.is_empty());
}

#[tokio::test]
async fn the_first_admin_visit_to_the_marketplace_is_kept_and_told_to_everyone() {
    use crate::websocket::{connect, events_until_pong, expect_hello, named};
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    // What the admin is shown, against `{name, value}` with `value`.
    let shown_is = async |value: &str| {
        let shown = admin
            .client
            .get_marketplace_visited_by_admin()
            .await
            .unwrap();
        let shown = serde_json::to_value(shown.into_inner()).unwrap();
        assert_eq!(
            shown,
            json!({"name": "FirstAdminVisitMarketplace", "value": value})
        );
    };
    shown_is("false").await;
    let body = types::System {
        name: None,
        value: Some("false".into()),
    };
    assert_fails(
        user.client.get_marketplace_visited_by_admin().await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(
        user.client.update_marketplace_visited_by_admin(&body).await,
        403,
        FORBIDDEN,
    )
    .await;
    let mut socket = connect(&server, &user).await;
    expect_hello(&mut socket, user.id()).await;
    // Whatever the body says, the visit is recorded (as Client4 sends it, too).
    let posted = server
        .http()
        .post(server.api("/plugins/marketplace/first_admin_visit"))
        .bearer_auth(&admin.token)
        .json(&json!({"first_admin_visit_marketplace_status": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        posted.json::<Value>().await.unwrap(),
        json!({"status": "OK"})
    );
    admin
        .client
        .update_marketplace_visited_by_admin(&body)
        .await
        .unwrap();
    shown_is("true").await;
    let seen = events_until_pong(&mut socket, 1).await;
    let told = named(&seen, "first_admin_visit_marketplace_status_received");
    assert_eq!(told.len(), 2, "{seen:?}");
    assert_eq!(told[0]["data"]["firstAdminVisitMarketplaceStatus"], "true");
}
