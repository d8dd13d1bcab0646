//! Corteza's organisations (and moving roles into them), its automation without a script
//! runner, and the triggers on users and roles.

use crate::corteza::{corteza, corteza_id, message, raw, setup};
use ferromost_client::corteza::types as cz;
use serde_json::json;

#[tokio::test]
async fn organisations_and_moving_roles_into_them() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));
    let create = |name: &str| cz::CortezaOrganisationCreateBody {
        name: name.to_owned(),
    };

    let refused = cz_basic
        .corteza_organisation_create(&create("Acme"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to create organisations");
    let acme = cz_admin
        .corteza_organisation_create(&create("Acme"))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    let zeta = cz_admin
        .corteza_organisation_create(&create("Zeta"))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(acme.fqn, "");
    // Everyone signed in lists them, by name, in a plain array.
    let listed = cz_basic
        .corteza_organisation_list(None)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        listed.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["Acme", "Zeta"]
    );
    let found = cz_basic
        .corteza_organisation_list(Some("ET"))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(found.len(), 1);

    let rename = cz::CortezaOrganisationUpdateBody {
        name: "Acme Inc".into(),
    };
    let refused = cz_basic
        .corteza_organisation_update(&acme.organisation_id, &rename)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to update this organisation");
    let renamed = cz_admin
        .corteza_organisation_update(&acme.organisation_id, &rename)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(renamed.name, "Acme Inc");
    let refused = cz_basic
        .corteza_organisation_archive(&acme.organisation_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&refused),
        "not allowed to archive this organisation"
    );
    cz_admin
        .corteza_organisation_archive(&acme.organisation_id)
        .await
        .unwrap();
    let archived = cz_basic
        .corteza_organisation_read(&acme.organisation_id)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert!(archived.archived_at.is_some());
    assert_eq!(archived.name, "Acme Inc");

    // A role moves into an organisation (update on the role; never Everyone).
    let role = cz_admin
        .corteza_role_create(&cz::CortezaRoleCreateBody {
            name: "Sales".into(),
            handle: "sales".into(),
            members: vec![],
        })
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(role.organisation_id.as_deref(), Some("0"));
    let to = |id: &str| cz::CortezaRoleMoveBody {
        organisation_id: id.to_owned(),
    };
    let refused = cz_basic
        .corteza_role_move(&role.role_id, &to(&zeta.organisation_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to update this role");
    let refused = cz_admin
        .corteza_role_move("1", &to(&zeta.organisation_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to update this role");
    let missing = cz_admin
        .corteza_role_move(&role.role_id, &to("424242"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&missing), "system.repository.OrganisationNotFound");
    cz_admin
        .corteza_role_move(&role.role_id, &to(&zeta.organisation_id))
        .await
        .unwrap();
    let moved = cz_basic
        .corteza_role_read(&role.role_id)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        moved.organisation_id.as_deref(),
        Some(zeta.organisation_id.as_str())
    );
    // The role's other Corteza facts stay: archiving after a move keeps the organisation.
    cz_admin.corteza_role_archive(&role.role_id).await.unwrap();
    let archived = cz_admin
        .corteza_role_read(&role.role_id)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (
            archived.organisation_id.as_deref(),
            archived.archived_at.is_some()
        ),
        (Some(zeta.organisation_id.as_str()), true)
    );

    // Deleting is soft: gone from reads, lists and moves.
    let refused = cz_basic
        .corteza_organisation_delete(&zeta.organisation_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to delete this organisation");
    cz_admin
        .corteza_organisation_delete(&zeta.organisation_id)
        .await
        .unwrap();
    let gone = cz_basic
        .corteza_organisation_read(&zeta.organisation_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&gone), "system.repository.OrganisationNotFound");
    assert_eq!(
        cz_basic
            .corteza_organisation_list(None)
            .await
            .unwrap()
            .into_inner()
            .response
            .unwrap()
            .len(),
        1
    );
    let (_, body) = raw(&server, "GET", "/organisations/x", Some(&basic.token), "").await;
    assert_eq!(body, json!({"error": {"message": "invalid ID"}}));
}

#[tokio::test]
async fn automation_runs_nothing_and_triggers_answer_their_object() {
    let (server, admin, basic) = setup().await;
    let cz_basic = corteza(&server, Some(&basic.token));
    let cz_admin = corteza(&server, Some(&admin.token));
    let types_given = vec!["system:user".to_owned()];
    let scripts = cz_basic
        .corteza_automation_list(None, Some(true), None, None, None, Some(&types_given))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(scripts.set.map(|s| s.len()), Some(0));
    assert_eq!(
        (
            scripts.filter["resourceTypes"].clone(),
            scripts.filter["excludeClientScripts"].clone(),
            scripts.filter["count"].clone()
        ),
        (json!(["system:user"]), json!(true), json!(0))
    );
    let ran = cz_basic
        .corteza_automation_trigger_script(&cz::CortezaAutomationTriggerScriptBody {
            script: "s.js".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ran.success.unwrap().message, "OK");
    // No bundles: an empty 404.
    let response = server
        .http()
        .get(format!(
            "{}/api/system/automation/client-scripts-auth.js",
            server.url
        ))
        .bearer_auth(&basic.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.bytes().await.unwrap().is_empty());
    // Signed out: Unauthorized, as every private route.
    let (_, body) = raw(
        &server,
        "POST",
        "/automation/trigger",
        None,
        r#"{"script":"s"}"#,
    )
    .await;
    assert_eq!(body, json!({"error": {"message": "Unauthorized"}}));

    let basic_id = corteza_id(&cz_admin, "basic").await;
    let script = |s: &str| cz::CortezaUserTriggerScriptBody {
        script: s.to_owned(),
    };
    let user = cz_basic
        .corteza_user_trigger_script(&basic_id, &script("x"))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(user.user_id, basic_id);
    let missing = cz_basic
        .corteza_user_trigger_script("31337", &script("x"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&missing), "user not found");
    let role = cz_basic
        .corteza_role_trigger_script(
            "2",
            &cz::CortezaRoleTriggerScriptBody { script: "x".into() },
        )
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (role.role_id.as_str(), role.can_grant, role.can_update_role),
        ("2", None, None)
    );
    let (_, body) = raw(
        &server,
        "POST",
        "/roles/2/trigger",
        Some(&basic.token),
        "{}",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("error parsing http request body"),
        "{body}"
    );
}
