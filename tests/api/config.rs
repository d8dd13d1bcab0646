//! The client configuration (every key Mattermost sends, in the right scope) and the config
//! API (who may change what, validation, secrets, environment overrides, saving).

use crate::common::{PASSWORD, TestServer, assert_fails, new_user};
use ferromost_client::types;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/mattermost-server/client-config.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("../shared beside the checkout"))
        .unwrap()
}

async fn client_config(server: &TestServer, token: Option<&str>) -> HashMap<String, String> {
    let client = match token {
        Some(t) => server.client_with_token(t),
        None => server.anonymous(),
    };
    client
        .get_client_config(Some("old"))
        .await
        .unwrap()
        .into_inner()
}

/// Keys an unlicensed Mattermost leaves out (conditional on a licence or on licensed
/// custom terms of service).
fn licensed_only(key: &Value) -> bool {
    let condition = key["condition"].as_str().unwrap_or_default();
    condition.starts_with("only present") || condition.starts_with("only when")
}

#[tokio::test]
async fn the_client_config_has_every_key_mattermost_sends_in_its_scope() {
    let server = TestServer::start().await;
    let reference = reference();
    let keys = reference["keys"].as_array().unwrap();
    let expected = |full: bool| -> BTreeSet<String> {
        keys.iter()
            .filter(|k| !licensed_only(k) && (full || k["scope"] == "limited"))
            .map(|k| k["key"].as_str().unwrap().to_owned())
            .collect()
    };
    // Before any account exists the web app offers to create the first one.
    let anonymous = client_config(&server, None).await;
    assert_eq!(anonymous["NoAccounts"], "true");
    let admin = server.admin().await;
    let anonymous = client_config(&server, None).await;
    assert_eq!(anonymous["NoAccounts"], "false");
    assert_eq!(
        anonymous.keys().cloned().collect::<BTreeSet<_>>(),
        expected(false)
    );
    // An invalid token is no session here, and no error either.
    assert_eq!(
        client_config(&server, Some("not-a-token")).await.len(),
        anonymous.len()
    );
    let full = client_config(&server, Some(&admin.token)).await;
    assert_eq!(
        full.keys().cloned().collect::<BTreeSet<_>>(),
        expected(true)
    );
    // Every value a fresh install shows, where it is not about this server itself.
    let own = [
        "Version",
        "BuildNumber",
        "BuildHash",
        "BuildDate",
        "DiagnosticId",
        "TelemetryId",
        "AsymmetricSigningPublicKey",
        "InstallationDate",
        "SchemaVersion",
        "NoAccounts",
        "SQLDriverName",
        "GiphySdkKey",
        "CWSURL",
    ];
    let mut differ = Vec::new();
    for key in keys.iter().filter(|k| !licensed_only(k)) {
        let name = key["key"].as_str().unwrap();
        if own.contains(&name) {
            continue;
        }
        if full[name] != key["default"].as_str().unwrap() {
            differ.push(format!(
                "{name}: {} (Mattermost: {})",
                full[name], key["default"]
            ));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    assert_eq!(full["Version"], ferromost::router::MATTERMOST_VERSION);
    assert_eq!(full["DiagnosticId"].len(), 26);
    assert_eq!(full["DiagnosticId"], full["TelemetryId"]);
    assert_eq!(anonymous["CWSURL"], "");
    assert_eq!(full["CWSURL"], "https://customers.mattermost.com");
    // A P-256 public key as DER, base64: 91 bytes.
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode(&full["AsymmetricSigningPublicKey"])
        .unwrap();
    assert_eq!(key.len(), 91);
    // The identity is the server's, whichever node answers.
    let again = server.second_node().await;
    let other = client_config(&again, None).await;
    assert_eq!(other["DiagnosticId"], anonymous["DiagnosticId"]);
    assert_eq!(
        other["AsymmetricSigningPublicKey"],
        anonymous["AsymmetricSigningPublicKey"]
    );
}

#[tokio::test]
async fn a_setting_changed_by_an_admin_shows_in_the_client_config_and_takes_effect() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let before = client_config(&server, Some(&admin.token)).await;
    assert_eq!(before["EnableUserAccessTokens"], "false");
    let patch: types::Config =
        serde_json::from_value(json!({"ServiceSettings": {"EnableUserAccessTokens": true}}))
            .unwrap();
    assert_fails(
        user.client.patch_config(&patch).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    let shown = admin
        .client
        .patch_config(&patch)
        .await
        .unwrap()
        .into_inner();
    let shown = serde_json::to_value(shown).unwrap();
    assert_eq!(shown["ServiceSettings"]["EnableUserAccessTokens"], true);
    // The rest is untouched by a patch.
    assert_eq!(shown["TeamSettings"]["SiteName"], "Mattermost");
    let after = client_config(&server, Some(&admin.token)).await;
    assert_eq!(after["EnableUserAccessTokens"], "true");
    // ...and the server acts on it: creating a token works now.
    let token = types::CreateUserAccessTokenBody {
        description: "t".into(),
    };
    admin
        .client
        .create_user_access_token(admin.id(), &token)
        .await
        .unwrap();
    // Written to the config file, whole.
    let file = server.state.config().file.clone().unwrap();
    let on_disk: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(on_disk["ServiceSettings"]["EnableUserAccessTokens"], true);
    // Audited.
    let audits = admin.client.get_user_audits(admin.id()).await;
    let audits = serde_json::to_value(audits.unwrap().into_inner()).unwrap();
    assert!(
        audits
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["extra_info"] == "config updated"),
        "{audits}"
    );
}

#[tokio::test]
async fn console_roles_change_only_their_own_areas() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (manager, reader) = server.manager_and_reader(&admin).await;
    let patch: types::Config = serde_json::from_value(json!({
        "ServiceSettings": {"EnableUserAccessTokens": true, "EnableMultifactorAuthentication": true},
        "PasswordSettings": {"MinimumLength": 12},
    }))
    .unwrap();
    // Reading is not writing.
    reader.client.get_config().await.unwrap();
    assert_fails(
        reader.client.patch_config(&patch).await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    // A system manager writes integrations, not authentication.
    manager.client.patch_config(&patch).await.unwrap();
    let config = server.state.config();
    assert!(config.service_settings.enable_user_access_tokens);
    assert!(!config.service_settings.enable_multifactor_authentication);
    assert_eq!(config.password_settings.minimum_length, 8);
    // What a console role may not read shows as its type's zero value.
    let shown =
        serde_json::to_value(reader.client.get_config().await.unwrap().into_inner()).unwrap();
    assert_eq!(shown["ServiceSettings"]["EnableUserAccessTokens"], true);
    let admin_view =
        serde_json::to_value(admin.client.get_config().await.unwrap().into_inner()).unwrap();
    assert_eq!(admin_view["PasswordSettings"]["MinimumLength"], 8);
}

#[tokio::test]
async fn invalid_settings_are_refused_and_nothing_is_saved() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let file = server.state.config().file.clone().unwrap();
    let before = std::fs::read_to_string(&file).unwrap();
    for (patch, id) in [
        (
            json!({"ServiceSettings": {"SiteURL": "ftp://chat.example.com", "EnableDeveloper": true}}),
            "model.config.is_valid.site_url.app_error",
        ),
        (
            json!({"ServiceSettings": {"MaximumLoginAttempts": -1}}),
            "model.config.is_valid.login_attempts.app_error",
        ),
        (
            json!({"PasswordSettings": {"MinimumLength": 100}}),
            "model.config.is_valid.password_length.app_error",
        ),
        (
            json!({"TeamSettings": {"RestrictDirectMessage": "nobody"}}),
            "model.config.is_valid.restrict_direct_message.app_error",
        ),
        (
            json!({"ServiceSettings": {"EnableDeveloper": "yes"}}),
            "api.context.invalid_body_param.app_error",
        ),
    ] {
        let body: types::Config = serde_json::from_value(patch).unwrap();
        assert_fails(admin.client.patch_config(&body).await, 400, id).await;
    }
    assert!(!server.state.config().service_settings.enable_developer);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    // A site URL, once set, cannot be cleared.
    let set: types::Config = serde_json::from_value(
        json!({"ServiceSettings": {"SiteURL": "https://chat.example.com/"}}),
    )
    .unwrap();
    admin.client.patch_config(&set).await.unwrap();
    let clear: types::Config =
        serde_json::from_value(json!({"ServiceSettings": {"SiteURL": ""}})).unwrap();
    assert_fails(
        admin.client.patch_config(&clear).await,
        400,
        "api.config.update_config.clear_siteurl.app_error",
    )
    .await;
    let anonymous = client_config(&server, None).await;
    assert_eq!(anonymous["SiteURL"], "https://chat.example.com");
}

#[tokio::test]
async fn masked_secrets_and_environment_settings_keep_their_values() {
    let server = TestServer::start_with(|c| {
        c.email_settings.smtp_password = "s3cret".into();
        // As if MM_SERVICESETTINGS_ENABLEDEVELOPER=true were set.
        c.service_settings.enable_developer = true;
        c.environment
            .insert(("ServiceSettings".into(), "EnableDeveloper".into()));
    })
    .await;
    // The file holds its own value; the environment's is only in force.
    let file = server.state.config().file.clone().unwrap();
    let mut on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    on_disk["ServiceSettings"]["EnableDeveloper"] = json!(false);
    std::fs::write(&file, on_disk.to_string()).unwrap();
    let admin = server.admin().await;
    let shown = admin.client.get_config().await.unwrap().into_inner();
    let mut full = serde_json::to_value(&shown).unwrap();
    assert_eq!(
        full["EmailSettings"]["SMTPPassword"],
        ferromost::config::FAKE_SETTING
    );
    // The whole configuration sent back (as the System Console does) keeps the secret.
    full["ServiceSettings"]["EnableDeveloper"] = json!(false);
    full["ServiceSettings"]["EnableTesting"] = json!(true);
    full["TeamSettings"]["SiteName"] = json!("Renamed");
    let body: types::Config = serde_json::from_value(full).unwrap();
    admin.client.update_config(&body).await.unwrap();
    let config = server.state.config();
    assert_eq!(config.email_settings.smtp_password, "s3cret");
    assert_eq!(config.team_settings.site_name, "Renamed");
    assert!(
        config.service_settings.enable_developer,
        "set by the environment"
    );
    let env = admin
        .client
        .get_environment_config()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        serde_json::to_value(env).unwrap(),
        json!({"ServiceSettings": {"EnableDeveloper": true}})
    );
    // The environment's value never reaches the file.
    let on_disk: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(on_disk["ServiceSettings"]["EnableDeveloper"], false);
    assert_eq!(on_disk["ServiceSettings"]["EnableTesting"], true);
    assert_eq!(on_disk["EmailSettings"]["SMTPPassword"], "s3cret");
}

#[tokio::test]
async fn reload_reads_the_config_file_again() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let file = server.state.config().file.clone().unwrap();
    let mut on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    on_disk["TeamSettings"]["SiteName"] = json!("Edited by hand");
    std::fs::write(&file, on_disk.to_string()).unwrap();
    assert_fails(
        user.client.reload_config().await,
        403,
        "api.context.permissions.app_error",
    )
    .await;
    admin.client.reload_config().await.unwrap();
    assert_eq!(
        client_config(&server, None).await["SiteName"],
        "Edited by hand"
    );
}

/// On PostgreSQL a node already running applies the change at once; on SQLite (one node) a
/// node started afterwards reads it.
#[tokio::test]
async fn a_change_holds_on_every_node() {
    let server = TestServer::start().await;
    let running = server.second_node().await;
    let admin = server.admin().await;
    let patch: types::Config =
        serde_json::from_value(json!({"TeamSettings": {"EnableOpenServer": true}})).unwrap();
    admin.client.patch_config(&patch).await.unwrap();
    let other = if server.is_postgres() {
        for _ in 0..100 {
            if running.state.config().team_settings.enable_open_server {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        running
    } else {
        server.second_node().await
    };
    assert!(other.state.config().team_settings.enable_open_server);
    // The other node lets anyone sign up now.
    other
        .anonymous()
        .create_user(None, None, &new_user("walkin"))
        .await
        .unwrap();
    let response = other.get("/config/client?format=old").await;
    let config: Value = response.json().await.unwrap();
    assert_eq!(config["EnableOpenServer"], "true");
}

#[tokio::test]
async fn a_setting_not_yet_in_the_config_is_added_only_by_who_may_write_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let manager = server.user(&admin, "usermanager").await;
    let roles = types::UpdateUserRolesBody {
        roles: "system_user system_user_manager".into(),
    };
    admin
        .client
        .update_user_roles(manager.id(), &roles)
        .await
        .unwrap();
    let manager = server.login("usermanager", PASSWORD).await;
    let patch: types::Config = serde_json::from_value(json!({
        "ServiceSettings": {"AllowedUntrustedInternalConnections": "127.0.0.1"},
    }))
    .unwrap();
    manager.client.patch_config(&patch).await.unwrap();
    let stored = server
        .state
        .config()
        .setting("ServiceSettings", "AllowedUntrustedInternalConnections");
    assert_eq!(stored, None, "a user manager writes no web server setting");
    admin.client.patch_config(&patch).await.unwrap();
    let stored = server
        .state
        .config()
        .setting("ServiceSettings", "AllowedUntrustedInternalConnections");
    assert_eq!(stored, Some(json!("127.0.0.1")));
}
