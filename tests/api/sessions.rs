//! Sessions: listing, revoking one, all of a user's, everyone's; binding a device; and the
//! audit trail these leave.

use crate::common::{TestServer, assert_fails, assert_logged_out, eventually, login_body};
use ferromost_client::types;

const EXPIRED: &str = "api.context.session_expired.app_error";
const FORBIDDEN: &str = "api.context.permissions.app_error";

#[tokio::test]
async fn users_list_their_own_sessions_without_tokens() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let second = server.login("basic", crate::common::PASSWORD).await;
    let listed = user.client.get_sessions("me").await.unwrap().into_inner();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|s| s.token.as_deref() == Some("")));
    assert!(listed.iter().all(|s| !s.props.contains_key("csrf")));
    let second_id = second.session_id(&server).await;
    assert!(listed.iter().any(|s| s.id == second_id));
    // Another user's sessions need edit_other_users.
    assert_fails(user.client.get_sessions(admin.id()).await, 403, FORBIDDEN).await;
    assert_eq!(
        admin
            .client
            .get_sessions(user.id())
            .await
            .unwrap()
            .into_inner()
            .len(),
        2
    );
    assert_fails(
        server.anonymous().get_sessions(user.id()).await,
        401,
        EXPIRED,
    )
    .await;
    assert_fails(
        user.client.get_sessions("junk").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
}

#[tokio::test]
async fn revoking_a_session_ends_it_at_once_and_only_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let other = server.login("basic", crate::common::PASSWORD).await;
    user.client.get_user("me").await.unwrap();
    let body = types::RevokeSessionBody {
        session_id: other.session_id(&server).await.unwrap(),
    };
    user.client.revoke_session(user.id(), &body).await.unwrap();
    assert_logged_out(&other.client).await;
    user.client.get_user("me").await.unwrap();
    // A session that is not the named user's is refused.
    let admin_session = types::RevokeSessionBody {
        session_id: admin.session_id(&server).await.unwrap(),
    };
    assert_fails(
        admin.client.revoke_session(user.id(), &admin_session).await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    let unknown = types::RevokeSessionBody {
        session_id: ferromost::ids::new_id(),
    };
    assert_fails(
        user.client.revoke_session(user.id(), &unknown).await,
        404,
        "app.session.get.app_error",
    )
    .await;
}

#[tokio::test]
async fn revoke_all_and_revoke_everyone() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let second = server.login("basic", crate::common::PASSWORD).await;
    assert_fails(
        user.client.revoke_all_sessions(admin.id()).await,
        403,
        FORBIDDEN,
    )
    .await;
    admin.client.revoke_all_sessions(user.id()).await.unwrap();
    for client in [&user.client, &second.client] {
        assert_logged_out(client).await;
    }
    let user = server.login("basic", crate::common::PASSWORD).await;
    assert_fails(
        user.client.revoke_sessions_from_all_users().await,
        403,
        FORBIDDEN,
    )
    .await;
    admin.client.revoke_sessions_from_all_users().await.unwrap();
    assert_logged_out(&user.client).await;
    assert_logged_out(&admin.client).await;
}

#[tokio::test]
async fn attaching_a_device_makes_a_mobile_session_and_ends_older_ones_on_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let first = server.login("sysadmin", crate::common::PASSWORD).await;
    let device = types::AttachDeviceExtraPropsBody {
        device_id: Some("android_rn:abc123".into()),
        device_notification_disabled: None,
        mobile_version: None,
    };
    first
        .client
        .attach_device_extra_props(&device)
        .await
        .unwrap();
    admin
        .client
        .attach_device_extra_props(&device)
        .await
        .unwrap();
    assert_logged_out(&first.client).await;
    let sessions = admin.client.get_sessions("me").await.unwrap().into_inner();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].device_id.as_deref(), Some("android_rn:abc123"));
    let bad = types::AttachDeviceExtraPropsBody {
        device_id: Some("nokia:1".into()),
        ..device
    };
    assert_fails(
        admin.client.attach_device_extra_props(&bad).await,
        400,
        "api.context.invalid_param.app_error",
    )
    .await;
}

#[tokio::test]
async fn logins_and_session_changes_are_audited() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let wrong = login_body("basic", "wrong");
    let _ = server.anonymous().login(&wrong).await;
    user.client.revoke_all_sessions(user.id()).await.unwrap();
    let user = server.login("basic", crate::common::PASSWORD).await;
    let trail = user
        .client
        .get_user_audits(user.id())
        .await
        .unwrap()
        .into_inner();
    let actions: Vec<(String, String)> = trail
        .iter()
        .map(|a| (a.action.clone().unwrap(), a.extra_info.clone().unwrap()))
        .collect();
    assert!(
        actions
            .iter()
            .any(|(a, e)| a == "/api/v4/users/login" && e.starts_with("failure"))
    );
    assert!(
        actions
            .iter()
            .any(|(a, _)| a.ends_with("/sessions/revoke/all"))
    );
    assert!(
        trail
            .iter()
            .all(|a| a.ip_address.as_deref() == Some("127.0.0.1"))
    );
    assert!(actions.iter().any(|(_, e)| e.starts_with("success")));
    // Newest first.
    assert!(trail.windows(2).all(|w| w[0].create_at >= w[1].create_at));
    assert_fails(
        user.client.get_user_audits(admin.id()).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(user.client.get_audits(None, None).await, 403, FORBIDDEN).await;
    let all = admin
        .client
        .get_audits(Some(0), Some(200))
        .await
        .unwrap()
        .into_inner();
    assert!(all.len() > trail.len());
}

/// Moves a session's last activity into the past, as if it had been idle, and drops the
/// cached copy so the server reads it again.
async fn age_session(server: &TestServer, token: &str, minutes: i64) {
    use ferromost::store::entity::session;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let past = ferromost::ids::now_millis() - minutes * 60_000;
    session::Entity::update_many()
        .col_expr(session::Column::LastActivityAt, Expr::value(past))
        .filter(session::Column::Token.eq(token))
        .exec(server.state.db())
        .await
        .unwrap();
    server.state.sessions().remove(token);
}

#[tokio::test]
async fn idle_web_sessions_end_and_active_ones_are_extended() {
    let server =
        TestServer::start_with(|c| c.service_settings.session_idle_timeout_in_minutes = 30).await;
    let admin = server.admin().await;
    let idle = server.login("sysadmin", crate::common::PASSWORD).await;
    age_session(&server, &idle.token, 31).await;
    assert_logged_out(&idle.client).await;
    // An active session has its activity recorded and its expiry renewed.
    age_session(&server, &admin.token, 10).await;
    let before = ferromost::ids::now_millis();
    admin.client.get_user("me").await.unwrap();
    let listed = admin.client.get_sessions("me").await.unwrap().into_inner();
    let my_id = admin.session_id(&server).await;
    let mine = listed.iter().find(|s| s.id == my_id).unwrap();
    assert!(mine.last_activity_at.unwrap() >= before);
    assert!(mine.expires_at.unwrap() >= before + 719 * 3_600_000);
    // Mobile sessions are not subject to the idle timeout.
    let device = types::AttachDeviceExtraPropsBody {
        device_id: Some("apple:device1".into()),
        device_notification_disabled: None,
        mobile_version: None,
    };
    admin
        .client
        .attach_device_extra_props(&device)
        .await
        .unwrap();
    age_session(&server, &admin.token, 120).await;
    admin.client.get_user("me").await.unwrap();
}

#[tokio::test]
async fn a_revocation_on_one_node_holds_on_every_node() {
    // Several nodes share a PostgreSQL database; SQLite serves one.
    let node_a = TestServer::start_postgres().await;
    let node_b = node_a.second_node().await;
    let admin = node_a.admin().await;
    let user = node_a.user(&admin, "basic").await;
    // Node B caches the user's session.
    let on_b = node_b.client_with_token(&user.token);
    on_b.get_user("me").await.unwrap();
    // Revoked through node A: node B refuses it at once.
    admin.client.revoke_all_sessions(user.id()).await.unwrap();
    let refused = eventually(|| {
        let on_b = &on_b;
        async move { on_b.get_user("me").await.is_err() }
    })
    .await;
    assert!(refused, "node B still accepts a session revoked on node A");
    // A role change on node A applies on node B.
    let user = node_a.login("basic", crate::common::PASSWORD).await;
    let on_b = node_b.client_with_token(&user.token);
    assert!(on_b.get_config().await.is_err());
    let role = admin
        .client
        .get_role_by_name("system_user")
        .await
        .unwrap()
        .into_inner();
    let mut permissions = role.permissions.clone();
    permissions.push("sysconsole_read_environment_web_server".to_owned());
    admin
        .client
        .patch_role(
            role.id.as_deref().unwrap(),
            &types::PatchRoleBody { permissions },
        )
        .await
        .unwrap();
    let allowed = eventually(|| {
        let on_b = &on_b;
        async move { on_b.get_config().await.is_ok() }
    })
    .await;
    assert!(allowed, "node B still uses the roles as they were");
}
