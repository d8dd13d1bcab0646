//! Corteza's reminders and applications: happy paths, who may, bad input.

use crate::corteza::{corteza, corteza_id, message, raw, setup};
use ferromost_client::corteza::types as cz;
use serde_json::json;

fn reminder_body(
    resource: &str,
    assigned_to: &str,
    remind_at: Option<&str>,
) -> cz::CortezaReminderCreateBody {
    cz::CortezaReminderCreateBody {
        resource: resource.to_owned(),
        assigned_to: assigned_to.to_owned(),
        payload: json!({"note": "call back"}),
        remind_at: remind_at.map(str::to_owned),
    }
}

#[tokio::test]
async fn reminders_are_assigned_snoozed_dismissed_and_deleted() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    let admin_id = corteza_id(&cz_admin, &admin.user.username.clone().unwrap()).await;

    // A user reminds themself ("0" and "" mean the caller).
    let own = cz_basic
        .corteza_reminder_create(&reminder_body(
            "compose:record:1",
            "0",
            Some("2030-01-02T03:04:05Z"),
        ))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (own.assigned_to.as_str(), own.assigned_by.as_str()),
        (basic_id.as_str(), basic_id.as_str())
    );
    assert_eq!(own.remind_at.as_deref(), Some("2030-01-02T03:04:05Z"));
    assert_eq!(own.payload, json!({"note": "call back"}));
    assert_eq!(
        (
            own.snooze_count,
            own.dismissed_by.as_str(),
            own.dismissed_at.as_deref()
        ),
        (0, "0", None)
    );
    // The wire shape: remindAt and dismissedAt are null when unset, never absent.
    let unscheduled = cz_basic
        .corteza_reminder_create(&reminder_body("compose:record:2", "", None))
        .await
        .unwrap()
        .into_inner();
    let wire = serde_json::to_value(&unscheduled).unwrap();
    assert_eq!(wire["response"]["remindAt"], json!(null));
    assert_eq!(wire["response"]["dismissedAt"], json!(null));
    let unscheduled = unscheduled.response.unwrap();

    // Assigning to somebody else needs reminder.assign (Administrators hold it).
    let refused = cz_basic
        .corteza_reminder_create(&reminder_body("system:user:1", &admin_id, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&refused),
        "not allowed to assign reminders to other users"
    );
    let assigned = cz_admin
        .corteza_reminder_create(&reminder_body(
            "system:role:2",
            &basic_id,
            Some("2029-05-05T10:00:00+02:00"),
        ))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (assigned.assigned_to.as_str(), assigned.assigned_by.as_str()),
        (basic_id.as_str(), admin_id.as_str())
    );
    assert_eq!(assigned.remind_at.as_deref(), Some("2029-05-05T08:00:00Z"));
    // Re-assigning through an update needs it too, and records who assigned.
    let update = cz::CortezaReminderUpdateBody {
        resource: "system:role:2".into(),
        assigned_to: admin_id.clone(),
        payload: json!(null),
        remind_at: None,
    };
    let refused = cz_basic
        .corteza_reminder_update(&assigned.reminder_id, &update)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&refused),
        "not allowed to assign reminders to other users"
    );
    let updated = cz_admin
        .corteza_reminder_update(&assigned.reminder_id, &update)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (
            updated.assigned_to.as_str(),
            updated.payload.clone(),
            updated.remind_at.clone()
        ),
        (admin_id.as_str(), json!(null), None)
    );
    assert!(updated.updated_at.is_some());

    // Lists: by resource prefix, assignee, due window, state; soonest first.
    let list = |assigned_to: Option<String>,
                resource: Option<&'static str>,
                from: Option<&'static str>,
                exclude_dismissed: bool| {
        let client = cz_admin.clone();
        async move {
            let reply = client
                .corteza_reminder_list(
                    assigned_to.as_deref(),
                    Some(exclude_dismissed),
                    None,
                    None,
                    None,
                    None,
                    None,
                    resource,
                    from,
                    None,
                    None,
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
    let all = list(None, None, None, false).await;
    assert_eq!(all.filter["count"], json!(3));
    let ids: Vec<String> = all
        .set
        .unwrap()
        .into_iter()
        .map(|r| r.reminder_id)
        .collect();
    assert_eq!(
        ids[..2],
        [unscheduled.reminder_id.clone(), updated.reminder_id.clone()]
    );
    assert_eq!(ids[2], own.reminder_id);
    let mine = list(
        Some(basic_id.clone()),
        Some("compose:"),
        Some("2029-12-31T00:00:00Z"),
        false,
    )
    .await;
    assert_eq!(
        mine.set
            .unwrap()
            .iter()
            .map(|r| r.reminder_id.clone())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&own.reminder_id)
    );

    // Snooze counts every snooze, even concurrent ones; dismiss records who.
    let snooze = cz::CortezaReminderSnoozeBody {
        remind_at: "2031-01-01T00:00:00Z".into(),
    };
    let snoozes = (0..4).map(|_| cz_basic.corteza_reminder_snooze(&own.reminder_id, &snooze));
    for done in futures::future::join_all(snoozes).await {
        assert!(done.unwrap().into_inner().success.is_some());
    }
    cz_basic
        .corteza_reminder_dismiss(&own.reminder_id)
        .await
        .unwrap();
    let read = cz_admin
        .corteza_reminder_read(&own.reminder_id)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(read.snooze_count, 4);
    assert_eq!(read.remind_at.as_deref(), Some("2031-01-01T00:00:00Z"));
    assert_eq!(read.dismissed_by, basic_id);
    assert!(read.dismissed_at.is_some());
    let open = list(None, None, None, true).await;
    assert_eq!(open.filter["count"], json!(2));

    // Deleting is soft and the reminder is gone from reads and lists.
    cz_basic
        .corteza_reminder_delete(&own.reminder_id)
        .await
        .unwrap();
    let gone = cz_basic
        .corteza_reminder_read(&own.reminder_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&gone),
        "failed to complete request due to internal error"
    );
    let again = cz_basic
        .corteza_reminder_dismiss(&own.reminder_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&again), "reminder not found");
    assert_eq!(
        list(None, None, None, false).await.filter["count"],
        json!(2)
    );

    // Bad input: Corteza's messages, nothing written.
    let bad_time = cz_basic
        .corteza_reminder_create(&reminder_body("x", "0", Some("tomorrow")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&bad_time),
        r#"parsing time "tomorrow" as "2006-01-02T15:04:05Z07:00": cannot parse "tomorrow" as "2006""#
    );
    let nobody = cz_admin
        .corteza_reminder_create(&reminder_body("x", "12345", None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&nobody), "user not found");
    for id in ["0", "abc"] {
        let (status, body) = raw(
            &server,
            "GET",
            &format!("/reminder/{id}"),
            Some(&basic.token),
            "",
        )
        .await;
        assert_eq!(
            (status, body),
            (200, json!({"error": {"message": "invalid ID"}}))
        );
    }
    let (_, body) = raw(
        &server,
        "PATCH",
        &format!("/reminder/{}/snooze", updated.reminder_id),
        Some(&basic.token),
        r#"{"remindAt":"2020-02-30T00:00:00Z"}"#,
    )
    .await;
    assert_eq!(
        body,
        json!({"error": {"message": "parsing time \"2020-02-30T00:00:00Z\": day out of range"}})
    );
    assert_eq!(
        list(None, None, None, false).await.filter["count"],
        json!(2)
    );
    // Signed out: Unauthorized.
    let (_, body) = raw(&server, "GET", "/reminder/", None, "").await;
    assert_eq!(body, json!({"error": {"message": "Unauthorized"}}));
}

fn application_body(
    name: &str,
    enabled: Option<bool>,
    unify: Option<serde_json::Value>,
) -> cz::CortezaApplicationCreateBody {
    cz::CortezaApplicationCreateBody {
        name: name.to_owned(),
        enabled,
        unify,
        config: None,
    }
}

#[tokio::test]
async fn applications_follow_corteza_rules() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));

    let refused = cz_basic
        .corteza_application_create(&application_body("CRM", Some(true), None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to create applications");
    let unify =
        json!({"listed": true, "url": "https://crm.example", "config": {"a": 1}, "junk": 5});
    let crm = cz_admin
        .corteza_application_create(&application_body("CRM", Some(true), Some(unify)))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert!(crm.enabled);
    assert_eq!(
        (crm.owner_id, crm.can_update_application, crm.can_grant),
        (0, Some(true), Some(true))
    );
    assert_eq!(
        crm.unify,
        Some(
            json!({"listed": true, "icon": "", "logo": "", "url": "https://crm.example", "config": "{\"a\":1}", "order": 0})
        )
    );
    let wiki = cz_admin
        .corteza_application_create(&application_body("Wiki", None, None))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert!(!wiki.enabled);
    assert!(serde_json::to_value(&wiki).unwrap().get("unify").is_none());

    // Everyone reads applications (Corteza's default rule); only admins change them.
    let read = cz_basic
        .corteza_application_read(&crm.application_id)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (
            read.name.as_str(),
            read.can_update_application,
            read.can_delete_application
        ),
        ("CRM", Some(false), Some(false))
    );
    let update = cz::CortezaApplicationUpdateBody {
        name: "CRM 2".into(),
        enabled: None,
        unify: None,
        config: None,
    };
    let refused = cz_basic
        .corteza_application_update(&crm.application_id, &update)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to update this application");
    let updated = cz_admin
        .corteza_application_update(&crm.application_id, &update)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    // An update replaces everything: omitted enabled is false, omitted unify is none.
    assert_eq!(
        (
            updated.name.as_str(),
            updated.enabled,
            updated.unify.clone()
        ),
        ("CRM 2", false, None)
    );
    let refused = cz_basic
        .corteza_application_delete(&wiki.application_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to delete this application");
    cz_admin
        .corteza_application_delete(&wiki.application_id)
        .await
        .unwrap();
    let refused = cz_basic
        .corteza_application_undelete(&wiki.application_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        message(&refused),
        "not allowed to undelete this application"
    );

    let list =
        |client: &ferromost_client::corteza::Client, deleted: i64, query: Option<&'static str>| {
            let client = client.clone();
            async move {
                client
                    .corteza_application_list(
                        Some(deleted),
                        None,
                        Some("ignored"),
                        None,
                        None,
                        None,
                        query,
                        Some("name DESC"),
                    )
                    .await
                    .unwrap()
                    .into_inner()
            }
        };
    let live = list(&cz_basic, 0, None).await.response.unwrap();
    assert_eq!(
        live.set
            .unwrap()
            .iter()
            .map(|a| a.name.clone())
            .collect::<Vec<_>>(),
        ["CRM 2"]
    );
    assert_eq!(
        (live.filter["count"].clone(), live.filter["name"].clone()),
        (json!(1), json!("ignored"))
    );
    // Deleted ones need access on system to be listed.
    assert_eq!(
        message(&list(&cz_basic, 1, None).await),
        "not allowed to list applications"
    );
    let both = list(&cz_admin, 1, None).await.response.unwrap();
    assert_eq!(
        both.set
            .unwrap()
            .iter()
            .map(|a| a.name.clone())
            .collect::<Vec<_>>(),
        ["Wiki", "CRM 2"]
    );
    let found = list(&cz_admin, 1, Some("rm")).await.response.unwrap();
    assert_eq!(found.filter["count"], json!(1));
    cz_admin
        .corteza_application_undelete(&wiki.application_id)
        .await
        .unwrap();
    assert_eq!(
        list(&cz_basic, 0, None).await.response.unwrap().filter["count"],
        json!(2)
    );

    // A denying rule hides an application from the list and refuses reading it.
    let deny = cz::CortezaPermissionsUpdateBody {
        rules: vec![cz::CortezaRule {
            role_id: None,
            resource: format!("system:application:{}", wiki.application_id),
            operation: "read".into(),
            access: cz::CortezaRuleAccess::Deny,
        }],
    };
    cz_admin
        .corteza_permissions_update("1", &deny)
        .await
        .unwrap();
    let hidden = cz_basic
        .corteza_application_read(&wiki.application_id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&hidden), "not allowed to read this application");
    assert_eq!(
        list(&cz_basic, 0, None).await.response.unwrap().filter["count"],
        json!(1)
    );

    // The trigger runs no script and answers the bare application.
    let trigger = cz::CortezaApplicationTriggerScriptBody {
        script: "/client-scripts/x.js:default".into(),
    };
    let triggered = cz_admin
        .corteza_application_trigger_script(&crm.application_id, &trigger)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (triggered.name.as_str(), triggered.can_grant),
        ("CRM 2", None)
    );

    // Bad input.
    let (_, body) = raw(&server, "GET", "/application/999", Some(&admin.token), "").await;
    assert_eq!(body, json!({"error": {"message": "invalid ID"}}));
    let (_, body) = raw(
        &server,
        "POST",
        "/application/",
        Some(&admin.token),
        r#"{"name":"X","unify":[1]}"#,
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("error parsing http request body"),
        "{body}"
    );
    let (_, body) = raw(
        &server,
        "GET",
        "/application/?sort=owner",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(
        body,
        json!({"error": {"message": "unknown order-by column \"owner\""}})
    );
    assert_eq!(
        list(&cz_admin, 1, None).await.response.unwrap().filter["count"],
        json!(2)
    );
}
