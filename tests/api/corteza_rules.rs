//! Corteza's permission rules, statistics and subscription through its generated client:
//! rules written through `/permissions/` decide what the Corteza API allows.

use crate::corteza::{corteza, corteza_id, message, raw, setup};
use ferromost_client::corteza::types as cz;

fn rule(resource: &str, operation: &str, access: cz::CortezaRuleAccess) -> cz::CortezaRule {
    cz::CortezaRule {
        role_id: None,
        resource: resource.into(),
        operation: operation.into(),
        access,
    }
}

#[tokio::test]
async fn rules_are_read_written_and_enforced() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));
    let whitelist = cz_basic
        .corteza_permissions_list()
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(whitelist.len(), 25);
    assert_eq!(
        (
            whitelist[0].resource.as_str(),
            whitelist[0].operation.as_str()
        ),
        ("system", "access")
    );
    let effective = |client: ferromost_client::corteza::Client| async move {
        client
            .corteza_permissions_effective(None)
            .await
            .unwrap()
            .into_inner()
            .response
            .unwrap()
            .into_iter()
            .filter(|p| p.allow)
            .map(|p| p.operation)
            .collect::<Vec<_>>()
    };
    assert_eq!(effective(cz_admin.clone()).await.len(), 7);
    assert!(effective(cz_basic.clone()).await.is_empty());
    // Reading and writing rules takes `grant`.
    let refused = cz_basic
        .corteza_permissions_read("1")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to set permissions");
    let admins = cz_admin
        .corteza_permissions_read("2")
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert!(
        admins
            .iter()
            .any(|r| r.resource == "system" && r.operation == "grant")
    );
    // Everyone may create users once a rule allows it; `inherit` takes the rule away.
    let everyone = |rules: Vec<cz::CortezaRule>| {
        let cz_admin = cz_admin.clone();
        async move {
            cz_admin
                .corteza_permissions_update("1", &cz::CortezaPermissionsUpdateBody { rules })
                .await
                .unwrap()
                .into_inner()
        }
    };
    let create = || {
        let cz_basic = cz_basic.clone();
        async move {
            let body = cz::CortezaUserCreateBody {
                email: "made@example.com".into(),
                name: Some("Made Here".into()),
                handle: None,
                kind: None,
            };
            cz_basic
                .corteza_user_create(&body)
                .await
                .unwrap()
                .into_inner()
        }
    };
    assert_eq!(message(&create().await), "not allowed to create users");
    let done = everyone(vec![rule(
        "system",
        "user.create",
        cz::CortezaRuleAccess::Allow,
    )])
    .await;
    assert!(done.success.is_some());
    assert!(create().await.response.is_some());
    everyone(vec![rule(
        "system",
        "user.create",
        cz::CortezaRuleAccess::Inherit,
    )])
    .await;
    let again = cz::CortezaUserCreateBody {
        email: "second@example.com".into(),
        name: None,
        handle: None,
        kind: None,
    };
    let refused = cz_basic
        .corteza_user_create(&again)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to create users");
    // A deny on the caller's own role wins over Everyone's allow: basic reads no users.
    let role = cz_admin
        .corteza_role_create(&cz::CortezaRoleCreateBody {
            name: "Restricted".into(),
            handle: "restricted".into(),
            members: vec![corteza_id(&cz_admin, "basic").await],
        })
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    cz_admin
        .corteza_permissions_update(
            &role.role_id,
            &cz::CortezaPermissionsUpdateBody {
                rules: vec![rule("system:user:*", "read", cz::CortezaRuleAccess::Deny)],
            },
        )
        .await
        .unwrap();
    let (_, listed) = raw(&server, "GET", "/users/", Some(&basic.token), "").await;
    assert_eq!(listed["response"]["filter"]["count"], 0, "{listed}");
    // A rule outside the whitelist refuses the whole request and writes nothing.
    let body = r#"{"rules":[{"resource":"system","operation":"access","access":"allow"},{"resource":"system:user:*","operation":"fly","access":"allow"}]}"#;
    let (status, answer) = raw(
        &server,
        "PATCH",
        &format!("/permissions/{}/rules", role.role_id),
        Some(&admin.token),
        body,
    )
    .await;
    assert_eq!(
        (status, answer["error"]["message"].as_str()),
        (
            200,
            Some("failed to complete request due to internal error")
        )
    );
    let rules = cz_admin
        .corteza_permissions_read(&role.role_id)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].role_id.as_deref(), Some(role.role_id.as_str()));
    // Deleting the role's rules lets Everyone's read apply again.
    cz_admin
        .corteza_permissions_delete(&role.role_id)
        .await
        .unwrap();
    let (_, listed) = raw(&server, "GET", "/users/", Some(&basic.token), "").await;
    assert_eq!(listed["response"]["filter"]["count"], 3);
}

#[tokio::test]
async fn statistics_and_subscription() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let id = corteza_id(&cz_admin, "basic").await;
    cz_admin.corteza_user_suspend(&id).await.unwrap();
    let stats = cz_admin
        .corteza_stats_list()
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    let users = stats.users.unwrap();
    assert_eq!(
        (users.total, users.valid, users.suspended, users.deleted),
        (Some(2), Some(1), Some(1), Some(0))
    );
    assert_eq!(users.daily_created.len(), 2, "one day, two accounts");
    assert_eq!(users.daily_created[1], 2);
    let roles = stats.roles.unwrap();
    assert_eq!(roles.total, roles.valid);
    cz_admin.corteza_user_unsuspend(&id).await.unwrap();
    let cz_basic = corteza(&server, Some(&basic_token(&server, &basic).await));
    let refused = cz_basic.corteza_stats_list().await.unwrap().into_inner();
    assert_eq!(message(&refused), "not allowed to read statistics");
    let subscription = cz_basic
        .corteza_subscription_current()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(subscription.success.unwrap().message, "OK");
}

/// A fresh session of `account` (its first ended when it was suspended).
async fn basic_token(
    server: &crate::common::TestServer,
    account: &crate::common::Account,
) -> String {
    server
        .login(
            account.user.username.as_deref().unwrap(),
            crate::common::PASSWORD,
        )
        .await
        .token
}
