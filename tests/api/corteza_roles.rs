//! Corteza's roles through its generated client: the same roles Mattermost's role
//! operations list, membership the same fact as Mattermost's user roles.

use crate::corteza::{corteza, corteza_id, message, raw, setup};
use ferromost_client::corteza::types as cz;
use ferromost_client::types;

fn new_role(name: &str, handle: &str, members: &[&str]) -> cz::CortezaRoleCreateBody {
    cz::CortezaRoleCreateBody {
        name: name.into(),
        handle: handle.into(),
        members: members.iter().map(|m| (*m).to_owned()).collect(),
    }
}

async fn members(client: &ferromost_client::corteza::Client, role: &str) -> Vec<String> {
    client
        .corteza_role_member_list(role)
        .await
        .unwrap()
        .into_inner()
        .response
}

async fn mattermost_roles(admin: &crate::common::Account, user_id: &str) -> String {
    admin
        .client
        .get_user(user_id)
        .await
        .unwrap()
        .into_inner()
        .roles
        .unwrap_or_default()
}

#[tokio::test]
async fn a_role_and_its_members_are_the_same_facts_in_both_apis() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    let role = cz_admin
        .corteza_role_create(&new_role("Operations", "Ops-Team", &[&basic_id]))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (role.name.as_str(), role.handle.as_str()),
        ("Operations", "Ops-Team")
    );
    assert_eq!(role.can_update_role, Some(true));
    // Mattermost lists the role, and the member holds it.
    let mm_role = admin
        .client
        .get_role_by_name("ops_team")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mm_role.display_name.as_deref(), Some("Operations"));
    assert!(
        mattermost_roles(&admin, basic.id())
            .await
            .split(' ')
            .any(|r| r == "ops_team")
    );
    assert_eq!(members(&cz_admin, &role.role_id).await, [basic_id.as_str()]);
    let held = cz_admin
        .corteza_user_membership_list(&basic_id)
        .await
        .unwrap()
        .into_inner()
        .response;
    assert_eq!(held, [role.role_id.as_str()]);
    // Mattermost's UpdateUserRoles takes it away; Corteza sees it gone.
    admin
        .client
        .update_user_roles(
            basic.id(),
            &types::UpdateUserRolesBody {
                roles: "system_user".into(),
            },
        )
        .await
        .unwrap();
    assert!(members(&cz_admin, &role.role_id).await.is_empty());
    // Corteza's user membership gives it back; Mattermost sees it.
    cz_admin
        .corteza_user_membership_add(&basic_id, &role.role_id)
        .await
        .unwrap();
    assert!(
        mattermost_roles(&admin, basic.id())
            .await
            .contains("ops_team")
    );
    // Adding twice changes nothing; removing through the role removes it.
    cz_admin
        .corteza_role_member_add(&role.role_id, &basic_id)
        .await
        .unwrap();
    assert_eq!(members(&cz_admin, &role.role_id).await.len(), 1);
    cz_admin
        .corteza_role_member_remove(&role.role_id, &basic_id)
        .await
        .unwrap();
    assert_eq!(mattermost_roles(&admin, basic.id()).await, "system_user");
    // Membership of Administrators is being a system admin in Mattermost: the new admin's
    // session now creates roles through Corteza.
    let cz_basic = corteza(&server, Some(&basic.token));
    let refused = cz_basic
        .corteza_role_create(&new_role("Support", "support", &[]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to create roles");
    cz_admin
        .corteza_role_member_add("2", &basic_id)
        .await
        .unwrap();
    assert!(
        mattermost_roles(&admin, basic.id())
            .await
            .contains("system_admin")
    );
    let made = cz_basic
        .corteza_role_create(&new_role("Support", "support", &[]))
        .await
        .unwrap()
        .into_inner();
    assert!(made.response.is_some(), "{:?}", made.error);
}

#[tokio::test]
async fn roles_archive_delete_and_merge_as_corteza_documents() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    let create = |name: &'static str, handle: &'static str, members: Vec<String>| {
        let cz_admin = cz_admin.clone();
        async move {
            let body = cz::CortezaRoleCreateBody {
                name: name.into(),
                handle: handle.into(),
                members,
            };
            cz_admin
                .corteza_role_create(&body)
                .await
                .unwrap()
                .into_inner()
                .response
                .unwrap()
                .role_id
        }
    };
    let a = create("Alpha", "alpha", vec![basic_id.clone()]).await;
    let b = create("Beta", "beta", vec![]).await;
    // Merge moves the members to the destination.
    let merge = cz::CortezaRoleMergeBody {
        destination: b.clone(),
    };
    cz_admin.corteza_role_merge(&a, &merge).await.unwrap();
    assert!(members(&cz_admin, &a).await.is_empty());
    assert_eq!(members(&cz_admin, &b).await, [basic_id.as_str()]);
    let roles = mattermost_roles(&admin, basic.id()).await;
    assert!(
        roles.contains("beta") && !roles.contains("alpha"),
        "{roles}"
    );
    // Archived and deleted roles leave the default list; 1 includes, 2 lists only them.
    let listed = |query: &'static str| {
        let (server, token) = (&server, admin.token.clone());
        async move {
            let (_, body) = raw(server, "GET", &format!("/roles/?{query}"), Some(&token), "").await;
            body["response"]["set"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["handle"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    cz_admin.corteza_role_archive(&a).await.unwrap();
    let role = cz_admin
        .corteza_role_read(&a)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert!(role.archived_at.is_some());
    assert!(!listed("").await.contains(&"alpha".to_owned()));
    assert_eq!(listed("archived=2").await, ["alpha"]);
    cz_admin.corteza_role_unarchive(&a).await.unwrap();
    assert!(listed("").await.contains(&"alpha".to_owned()));
    cz_admin.corteza_role_delete(&b).await.unwrap();
    assert_eq!(listed("deleted=2").await, ["beta"]);
    let role = cz_admin
        .corteza_role_read(&b)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert!(role.deleted_at.is_some());
    cz_admin.corteza_role_undelete(&b).await.unwrap();
    assert!(listed("query=be").await.contains(&"beta".to_owned()));
    // Built-in roles stay: neither deleted nor archived; Everyone is not changed at all.
    let refused = cz_admin
        .corteza_role_delete("2")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to delete this role");
    let refused = cz_admin
        .corteza_role_archive("2")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to archive this role");
    let everyone = cz_admin
        .corteza_role_read("1")
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (everyone.handle.as_str(), everyone.can_update_role),
        ("system_user", Some(false))
    );
    let refused = cz_admin
        .corteza_role_member_list("1")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "invalid ID");
    let (_, body) = raw(
        &server,
        "PUT",
        "/roles/1",
        Some(&admin.token),
        r#"{"name":"All"}"#,
    )
    .await;
    assert_eq!(body["error"]["message"], "not allowed to update this role");
}

#[tokio::test]
async fn role_operations_check_permissions_and_input() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    let role = cz_admin
        .corteza_role_create(&new_role("Operations", "ops", &[]))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    // Everyone reads roles; managing them takes the permissions Administrators hold.
    assert!(
        cz_basic
            .corteza_role_read(&role.role_id)
            .await
            .unwrap()
            .into_inner()
            .response
            .is_some()
    );
    let refused = cz_basic
        .corteza_role_member_add(&role.role_id, &basic_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to manage role members");
    let refused = cz_basic
        .corteza_role_delete(&role.role_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to delete this role");
    let (_, body) = raw(&server, "GET", "/roles/?deleted=1", Some(&basic.token), "").await;
    assert_eq!(body["error"]["message"], "not allowed to list roles");
    for (method, path, body, expected) in [
        (
            "POST",
            "/roles/",
            r#"{"name":"X","handle":"1bad"}"#,
            "invalid handle",
        ),
        (
            "POST",
            "/roles/",
            r#"{"name":"Other","handle":"OPS"}"#,
            "role handle not unique",
        ),
        (
            "POST",
            "/roles/",
            r#"{"name":"Operations","handle":"other"}"#,
            "role name not unique",
        ),
        ("GET", "/roles/abc", "", "invalid ID"),
        (
            "GET",
            "/roles/123456789",
            "",
            "failed to complete request due to internal error",
        ),
        (
            "GET",
            "/roles/?sort=secret",
            "",
            "unknown order-by column \"secret\"",
        ),
    ] {
        let (status, answer) = raw(&server, method, path, Some(&admin.token), body).await;
        assert_eq!(status, 200);
        assert_eq!(
            answer["error"]["message"], expected,
            "{method} {path}: {answer}"
        );
    }
    let (_, answer) = raw(
        &server,
        "POST",
        &format!("/roles/{}/member/123456789", role.role_id),
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(
        answer["error"]["message"],
        "failed to complete request due to internal error"
    );
    // Members added at once to two roles: the account holds both.
    let other = cz_admin
        .corteza_role_create(&new_role("Other", "other", &[]))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    let adds: Vec<_> = [role.role_id.clone(), other.role_id.clone()]
        .into_iter()
        .map(|r| {
            let (client, user) = (cz_admin.clone(), basic_id.clone());
            tokio::spawn(async move {
                client
                    .corteza_role_member_add(&r, &user)
                    .await
                    .unwrap()
                    .into_inner()
            })
        })
        .collect();
    for add in adds {
        assert!(add.await.unwrap().success.is_some());
    }
    let roles = mattermost_roles(&admin, basic.id()).await;
    assert!(roles.contains("ops") && roles.contains("other"), "{roles}");
}

#[tokio::test]
async fn updating_a_role_renames_it_and_replaces_its_members_in_both_apis() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    let admin_id = corteza_id(&cz_admin, "sysadmin").await;
    let role = cz_admin
        .corteza_role_create(&new_role("Operations", "ops", &[&basic_id]))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    cz_admin
        .corteza_role_create(&new_role("Support", "support", &[]))
        .await
        .unwrap();
    let update = |name: &str, handle: &str, members: &[&str]| cz::CortezaRoleUpdateBody {
        name: Some(name.into()),
        handle: Some(handle.into()),
        members: members.iter().map(|m| (*m).to_owned()).collect(),
    };
    // Somebody without `update` on the role changes nothing.
    let refused = cz_basic
        .corteza_role_update(&role.role_id, &update("Mine", "mine", &[&basic_id]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to update this role");
    // Name and handle are unique over every role; a clash writes nothing.
    for (name, handle, expected) in [
        ("Ops 2", "support", "role handle not unique"),
        ("Support", "ops2", "role name not unique"),
        ("Ops 2", "2x", "invalid handle"),
    ] {
        let refused = cz_admin
            .corteza_role_update(&role.role_id, &update(name, handle, &[&admin_id]))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(message(&refused), expected, "{name} {handle}");
    }
    assert_eq!(members(&cz_admin, &role.role_id).await, [basic_id.as_str()]);
    // The update renames it (Mattermost's display name follows) and its members are
    // replaced: the old member loses the role in Mattermost, the new one holds it.
    let updated = cz_admin
        .corteza_role_update(
            &role.role_id,
            &update("Operations Team", "ops-team", &[&admin_id]),
        )
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.handle.as_str()),
        ("Operations Team", "ops-team")
    );
    assert_eq!(updated.role_id, role.role_id);
    let mm_role = admin
        .client
        .get_role_by_name("ops")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mm_role.display_name.as_deref(), Some("Operations Team"));
    assert_eq!(mattermost_roles(&admin, basic.id()).await, "system_user");
    assert!(
        mattermost_roles(&admin, admin.id())
            .await
            .split(' ')
            .any(|r| r == "ops")
    );
    assert_eq!(members(&cz_admin, &role.role_id).await, [admin_id.as_str()]);
    // No members in the update leaves them as they are.
    cz_admin
        .corteza_role_update(&role.role_id, &update("Operations", "ops-team", &[]))
        .await
        .unwrap();
    assert_eq!(members(&cz_admin, &role.role_id).await, [admin_id.as_str()]);
    // The list finds it by its new name, through the generated client.
    let listed = cz_basic
        .corteza_role_list(None, None, None, None, None, None, Some("Operations"), None)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap()
        .set
        .unwrap_or_default();
    let handles: Vec<_> = listed.iter().map(|r| r.handle.as_str()).collect();
    assert_eq!(handles, ["ops-team"]);
    // The user's side of membership: removing it there is gone in Mattermost and in the
    // role's members; only somebody with `members.manage` may.
    let refused = cz_basic
        .corteza_user_membership_remove(&admin_id, &role.role_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to manage role members");
    assert_eq!(members(&cz_admin, &role.role_id).await, [admin_id.as_str()]);
    let removed = cz_admin
        .corteza_user_membership_remove(&admin_id, &role.role_id)
        .await
        .unwrap()
        .into_inner();
    assert!(removed.success.is_some(), "{:?}", removed.error);
    assert!(members(&cz_admin, &role.role_id).await.is_empty());
    assert!(
        !mattermost_roles(&admin, admin.id())
            .await
            .split(' ')
            .any(|r| r == "ops")
    );
    // Removing what is not held changes nothing and succeeds, as in Corteza.
    let again = cz_admin
        .corteza_user_membership_remove(&admin_id, &role.role_id)
        .await
        .unwrap()
        .into_inner();
    assert!(again.success.is_some(), "{:?}", again.error);
    // Malformed and unknown ids answer Corteza's messages.
    for (path, expected) in [
        (
            format!("/users/abc/membership/{}", role.role_id),
            "invalid ID",
        ),
        (format!("/users/{admin_id}/membership/abc"), "invalid ID"),
        (
            format!("/users/{admin_id}/membership/123456789"),
            "failed to complete request due to internal error",
        ),
    ] {
        let (status, answer) = raw(&server, "DELETE", &path, Some(&admin.token), "").await;
        assert_eq!(status, 200);
        assert_eq!(answer["error"]["message"], expected, "{path}: {answer}");
    }
}

#[tokio::test]
async fn unarchiving_and_undeleting_a_role_take_delete_on_it() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));
    let role = cz_admin
        .corteza_role_create(&new_role("Operations", "ops", &[]))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    let state = || async {
        let read = cz_admin
            .corteza_role_read(&role.role_id)
            .await
            .unwrap()
            .into_inner()
            .response
            .unwrap();
        (read.archived_at.is_some(), read.deleted_at.is_some())
    };
    cz_admin.corteza_role_archive(&role.role_id).await.unwrap();
    cz_admin.corteza_role_delete(&role.role_id).await.unwrap();
    // Corteza has no refusal of its own for these two: both say `delete`.
    let unarchive = cz_basic.corteza_role_unarchive(&role.role_id).await;
    let undelete = cz_basic.corteza_role_undelete(&role.role_id).await;
    for refused in [unarchive, undelete] {
        let refused = refused.unwrap().into_inner();
        assert_eq!(message(&refused), "not allowed to delete this role");
    }
    assert_eq!(state().await, (true, true));
    cz_admin
        .corteza_role_unarchive(&role.role_id)
        .await
        .unwrap();
    cz_admin.corteza_role_undelete(&role.role_id).await.unwrap();
    assert_eq!(state().await, (false, false));
}
