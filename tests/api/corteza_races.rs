//! Concurrent Corteza writes that change several rows, sent in opposite orders: every one
//! succeeds (none is lost to a deadlock between them), and what is left is one request's
//! whole effect.

use crate::corteza::{corteza, raw, setup};
use ferromost_client::corteza::types as cz;
use serde_json::{Value, json};

/// Runs the requests at once; answers their JSON bodies in the order given.
async fn at_once(
    server: &crate::common::TestServer,
    token: &str,
    requests: Vec<(&str, String, Value)>,
) -> Vec<Value> {
    let sent = requests.into_iter().map(|(method, path, body)| {
        let body = body.to_string();
        async move { raw(server, method, &path, Some(token), &body).await }
    });
    futures::future::join_all(sent)
        .await
        .into_iter()
        .map(|(status, body)| {
            assert_eq!(status, 200, "{body}");
            body
        })
        .collect()
}

#[tokio::test]
async fn writes_of_several_rows_in_opposite_orders_all_succeed() {
    let (server, admin, _basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let mut accounts = Vec::new();
    for i in 0..4 {
        let body = cz::CortezaUserCreateBody {
            email: format!("racer{i}@example.com"),
            name: None,
            handle: None,
            kind: None,
        };
        let made = cz_admin
            .corteza_user_create(&body)
            .await
            .unwrap()
            .into_inner();
        accounts.push(made.response.unwrap().user_id);
    }
    let role = cz_admin
        .corteza_role_create(&cz::CortezaRoleCreateBody {
            name: "Racers".into(),
            handle: "racers".into(),
            members: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap()
        .role_id;
    let settings: Vec<String> = (0..6).map(|i| format!("race.s{i}")).collect();
    let rules = [
        ("system", "access"),
        ("system", "grant"),
        ("system", "user.create"),
        ("system", "role.create"),
        ("system:user:*", "read"),
        ("system:role:*", "read"),
    ];
    let admin_get = async |path: String| raw(&server, "GET", &path, Some(&admin.token), "").await;
    for round in 0..4 {
        let mut requests = Vec::new();
        for (turn, reversed) in [(0, false), (1, true)] {
            let value = round * 2 + turn;
            let mut values: Vec<Value> = settings
                .iter()
                .map(|name| json!({"name": name, "value": value}))
                .collect();
            let access = if turn == 0 { "allow" } else { "deny" };
            let mut written: Vec<Value> = rules
                .iter()
                .map(|(resource, operation)| {
                    json!({"resource": resource, "operation": operation, "access": access})
                })
                .collect();
            let mut members = accounts.clone();
            if reversed {
                values.reverse();
                written.reverse();
                members.reverse();
            }
            requests.push((
                "PATCH",
                "/settings/".to_owned(),
                json!({ "values": values }),
            ));
            requests.push((
                "PATCH",
                format!("/permissions/{role}/rules"),
                json!({ "rules": written }),
            ));
            requests.push((
                "PUT",
                format!("/roles/{role}"),
                json!({"name": "Racers", "handle": "racers", "members": members}),
            ));
            requests.push((
                "POST",
                "/roles/".to_owned(),
                json!({"name": format!("Made {round}-{turn}"), "handle": format!("made{round}x{turn}"), "members": members}),
            ));
        }
        for answer in at_once(&server, &admin.token, requests).await {
            assert!(answer["error"].is_null(), "round {round}: {answer}");
        }
        // Each group of rows holds one request's values, whole.
        let (_, listed) = admin_get("/settings/?prefix=race.".to_owned()).await;
        let seen: Vec<&Value> = listed["response"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| &s["value"])
            .collect();
        assert_eq!(seen.len(), settings.len(), "{listed}");
        assert!(
            seen.iter().all(|v| *v == seen[0])
                && [round * 2, round * 2 + 1]
                    .iter()
                    .any(|w| *seen[0] == json!(w)),
            "round {round}: {listed}"
        );
        let (_, held) = admin_get(format!("/permissions/{role}/rules")).await;
        let held = held["response"].as_array().unwrap();
        assert_eq!(held.len(), rules.len(), "{held:?}");
        assert!(
            held.iter().all(|r| r["access"] == held[0]["access"]),
            "{held:?}"
        );
        let (_, members) = admin_get(format!("/roles/{role}/members")).await;
        let mut members: Vec<String> = serde_json::from_value(members["response"].clone()).unwrap();
        members.sort();
        let mut expected = accounts.clone();
        expected.sort();
        assert_eq!(members, expected);
    }
}
