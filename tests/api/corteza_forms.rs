//! Corteza's request bodies: forms, the query string and JSON, read as Corteza reads them.

use crate::corteza::{corteza, corteza_id, raw, setup};
use serde_json::json;

/// A request with a form body (or none), as curl and HTML forms send it.
async fn form(
    server: &crate::common::TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> serde_json::Value {
    let mut request = server
        .http()
        .request(method, format!("{}/api/system{path}", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn bodies_are_read_from_forms_and_json_as_corteza_reads_them() {
    let (server, admin, _basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    // Sign in with a form.
    let signed_in = form(
        &server,
        reqwest::Method::POST,
        "/auth/internal/login",
        None,
        "email=sysadmin%40example.com&password=Passw0rd%21",
    )
    .await;
    let token = signed_in["response"]["jwt"]
        .as_str()
        .unwrap_or_else(|| panic!("{signed_in}"));
    assert!(!token.is_empty());
    // Repeated keys are a list; a boolean is read leniently; raw JSON from its text.
    let role = form(
        &server,
        reqwest::Method::POST,
        "/roles/",
        Some(token),
        &format!("name=Form+Made&handle=form-made&members={basic_id}"),
    )
    .await;
    let role_id = role["response"]["roleID"].as_str().unwrap().to_owned();
    let members = cz_admin
        .corteza_role_member_list(&role_id)
        .await
        .unwrap()
        .into_inner()
        .response;
    assert_eq!(members, std::slice::from_ref(&basic_id));
    let app = form(
        &server,
        reqwest::Method::POST,
        "/application/",
        Some(token),
        "name=Board&enabled=yes&unify=%7B%22listed%22%3Atrue%7D",
    )
    .await;
    assert_eq!(
        (
            app["response"]["enabled"].clone(),
            app["response"]["unify"]["listed"].clone()
        ),
        (json!(true), json!(true))
    );
    let reminder = form(
        &server,
        reqwest::Method::POST,
        "/reminder/",
        Some(token),
        "resource=x%3A1&assignedTo=0&payload=%7B%22n%22%3A2%7D",
    )
    .await;
    assert_eq!(reminder["response"]["payload"], json!({"n": 2}));
    // JSON keys match case aside, and a value in the query string wins over the JSON one.
    let (_, renamed) = raw(
        &server,
        "POST",
        "/organisations/?name=From+Query",
        Some(&admin.token),
        r#"{"NAME":"From JSON"}"#,
    )
    .await;
    assert_eq!(renamed["response"]["name"], json!("From Query"));
    let (_, cased) = raw(
        &server,
        "POST",
        "/organisations/",
        Some(&admin.token),
        r#"{"Name":"Cased"}"#,
    )
    .await;
    assert_eq!(cased["response"]["name"], json!("Cased"));
    // Nothing sent at all: Go's decoder's EOF.
    let (_, empty) = raw(&server, "POST", "/organisations/", Some(&admin.token), "").await;
    assert_eq!(
        empty,
        json!({"error": {"message": "error parsing http request body: EOF"}})
    );
    // Lists of objects are JSON only: a form cannot carry settings values.
    let values = form(
        &server,
        reqwest::Method::PATCH,
        "/settings/",
        Some(&admin.token),
        "values=x",
    )
    .await;
    assert!(
        values["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("error parsing http request body"),
        "{values}"
    );
}
