//! Roles and permissions: the built-in roles as rows, lookups, patching (effective on the
//! next request), and the ancillary permission map.

use crate::common::{TestServer, assert_fails, new_user};
use ferromost_client::types;

const FORBIDDEN: &str = "api.context.permissions.app_error";

#[tokio::test]
async fn the_built_in_roles_are_there_with_mattermosts_permissions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let all = admin.client.get_all_roles().await.unwrap().into_inner();
    assert_eq!(all.len(), 23);
    assert_fails(user.client.get_all_roles().await, 403, FORBIDDEN).await;
    let system_user = user
        .client
        .get_role_by_name("system_user")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(system_user.permissions.len(), 13);
    assert!(system_user.permissions.contains(&"create_team".to_owned()));
    let by_id = user
        .client
        .get_role(system_user.id.as_deref().unwrap())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_id.name.as_deref(), Some("system_user"));
    let names = vec![
        "team_user".to_owned(),
        "channel_user".to_owned(),
        "no_such_role".to_owned(),
    ];
    let found = user
        .client
        .get_roles_by_names(&names)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.len(), 2);
    assert_fails(
        user.client.get_role_by_name("Bad-Name").await,
        400,
        "api.context.invalid_url_param.app_error",
    )
    .await;
    assert_fails(
        user.client.get_role_by_name("nothing_here").await,
        404,
        "app.role.get_by_name.app_error",
    )
    .await;
    assert_fails(
        user.client.get_role(&ferromost::ids::new_id()).await,
        404,
        "app.role.get.app_error",
    )
    .await;
    assert_fails(
        server.anonymous().get_role_by_name("system_user").await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
    let too_many: Vec<String> = (0..101).map(|i| format!("role_{i}")).collect();
    assert_fails(
        user.client.get_roles_by_names(&too_many).await,
        400,
        "api.roles.get_multiple_by_name_too_many.request_error",
    )
    .await;
}

#[tokio::test]
async fn a_patched_role_takes_effect_on_the_next_request() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let role = admin
        .client
        .get_role_by_name("system_user")
        .await
        .unwrap()
        .into_inner();
    let role_id = role.id.clone().unwrap();
    // Basic users cannot read the configuration...
    assert_fails(user.client.get_config().await, 403, FORBIDDEN).await;
    let mut permissions = role.permissions.clone();
    permissions.push("sysconsole_read_environment_web_server".to_owned());
    let patch = types::PatchRoleBody { permissions };
    assert_fails(
        user.client.patch_role(&role_id, &patch).await,
        403,
        FORBIDDEN,
    )
    .await;
    let patched = admin
        .client
        .patch_role(&role_id, &patch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(patched.permissions.len(), 14);
    // ...until their role grants a sysconsole read permission.
    user.client.get_config().await.unwrap();
    // The change is in the audit trail.
    let audits = admin
        .client
        .get_audits(None, None)
        .await
        .unwrap()
        .into_inner();
    assert!(audits.iter().any(|a| {
        a.extra_info
            .as_deref()
            .is_some_and(|e| e.starts_with("role system_user permissions="))
    }));
    let bogus = types::PatchRoleBody {
        permissions: vec!["fly_to_the_moon".to_owned()],
    };
    assert_fails(
        admin.client.patch_role(&role_id, &bogus).await,
        400,
        "app.role.save.invalid_role.app_error",
    )
    .await;
}

#[tokio::test]
async fn user_roles_change_only_with_manage_roles_and_reach_live_sessions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let promote = types::UpdateUserRolesBody {
        roles: "system_user system_admin".to_owned(),
    };
    assert_fails(
        user.client.update_user_roles(user.id(), &promote).await,
        403,
        FORBIDDEN,
    )
    .await;
    assert_fails(user.client.get_all_roles().await, 403, FORBIDDEN).await;
    admin
        .client
        .update_user_roles(user.id(), &promote)
        .await
        .unwrap();
    // The live session carries the new roles.
    user.client.get_all_roles().await.unwrap();
    let unknown = types::UpdateUserRolesBody {
        roles: "system_user wizard".to_owned(),
    };
    assert_fails(
        admin.client.update_user_roles(user.id(), &unknown).await,
        400,
        "app.role.check_roles_exist.role_not_found",
    )
    .await;
    // The promoted user can now create accounts as an administrator.
    user.client
        .create_user(None, None, &new_user("third"))
        .await
        .unwrap();
}

#[tokio::test]
async fn ancillary_permissions_follow_mattermosts_map() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let asked = "sysconsole_read_user_management_channels,sysconsole_read_user_management_teams";
    let got = admin
        .client
        .get_ancillary_permissions(Some(asked))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        &got[..2],
        [
            "sysconsole_read_user_management_channels",
            "sysconsole_read_user_management_teams"
        ]
    );
    assert!(got.contains(&"read_channel".to_owned()));
    assert!(got.len() > 2);
    assert_fails(
        server
            .anonymous()
            .get_ancillary_permissions(Some(asked))
            .await,
        401,
        "api.context.session_expired.app_error",
    )
    .await;
}

#[tokio::test]
async fn schemes_own_roles_copied_from_the_built_in_ones() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.user(&admin, "basic").await;
    let team = types::CreateSchemeBody {
        name: "Strict".into(),
        description: None,
        scope: "team".into(),
    };
    assert_fails(user.client.create_scheme(&team).await, 403, FORBIDDEN).await;
    let team = admin
        .client
        .create_scheme(&team)
        .await
        .unwrap()
        .into_inner();
    let user_role = admin
        .client
        .get_role_by_name(team.default_team_user_role.as_deref().unwrap())
        .await;
    let user_role = user_role.unwrap().into_inner();
    let built_in = admin
        .client
        .get_role_by_name("team_user")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(user_role.permissions, built_in.permissions);
    assert_eq!(user_role.scheme_managed, Some(true));
    // A channel scheme: the admin role starts empty, users keep the moderated permissions.
    let channel = types::CreateSchemeBody {
        name: "Quiet".into(),
        description: Some("d".into()),
        scope: "channel".into(),
    };
    let channel = admin
        .client
        .create_scheme(&channel)
        .await
        .unwrap()
        .into_inner();
    assert!(channel.default_team_admin_role.as_deref() == Some(""));
    let admin_role = admin
        .client
        .get_role_by_name(channel.default_channel_admin_role.as_deref().unwrap())
        .await;
    assert!(admin_role.unwrap().into_inner().permissions.is_empty());
    let member = admin
        .client
        .get_role_by_name(channel.default_channel_user_role.as_deref().unwrap())
        .await;
    let member = member.unwrap().into_inner().permissions;
    assert!(
        member.contains(&"create_post".to_owned()) && !member.contains(&"read_channel".to_owned())
    );
    // Listing by scope, patching, scope-specific lists, deletion.
    let teams_only = admin
        .client
        .get_schemes(None, None, Some("team"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(teams_only.len(), 1);
    let patch = types::PatchSchemeBody {
        name: Some("Stricter".into()),
        description: None,
    };
    let patched = admin
        .client
        .patch_scheme(team.id.as_deref().unwrap(), &patch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(patched.name.as_deref(), Some("Stricter"));
    assert!(
        admin
            .client
            .get_teams_for_scheme(team.id.as_deref().unwrap(), None, None)
            .await
            .unwrap()
            .into_inner()
            .is_empty()
    );
    assert_fails(
        admin
            .client
            .get_channels_for_scheme(team.id.as_deref().unwrap(), None, None)
            .await,
        400,
        "api.scheme.get_channels_for_scheme.scope.error",
    )
    .await;
    let bad = types::CreateSchemeBody {
        name: "x".into(),
        description: None,
        scope: "galaxy".into(),
    };
    assert_fails(
        admin.client.create_scheme(&bad).await,
        400,
        "app.scheme.save.invalid_scheme.app_error",
    )
    .await;
    admin
        .client
        .delete_scheme(channel.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(
        admin
            .client
            .get_schemes(None, None, None)
            .await
            .unwrap()
            .into_inner()
            .len(),
        1
    );
    assert_fails(
        admin.client.get_scheme(&ferromost::ids::new_id()).await,
        404,
        "app.scheme.get.app_error",
    )
    .await;
}
