//! Corteza's settings (global and owned values, files) and the attachments they point at.

use crate::corteza::{corteza, corteza_id, message, raw, setup};
use ferromost_client::corteza::types as cz;
use serde_json::{Value, json};

fn input(name: &str, value: Option<Value>) -> cz::CortezaSettingInput {
    cz::CortezaSettingInput {
        name: name.to_owned(),
        value,
    }
}

/// `POST /settings/{key}` with a multipart form (`upload`, and `ownerID` when given).
async fn set_file(
    server: &crate::common::TestServer,
    token: &str,
    key: &str,
    file: Option<(&str, &[u8])>,
    owner: Option<&str>,
) -> Value {
    let mut form = reqwest::multipart::Form::new();
    if let Some((name, bytes)) = file {
        form = form.part(
            "upload",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
    }
    if let Some(owner) = owner {
        form = form.text("ownerID", owner.to_owned());
    }
    let response = server
        .http()
        .post(format!("{}/api/system/settings/{key}", server.url))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn settings_are_read_and_written_by_who_may() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let cz_basic = corteza(&server, Some(&basic.token));

    // Nothing set yet: the list and a key answer null (not left out).
    let (_, body) = raw(&server, "GET", "/settings/", Some(&admin.token), "").await;
    assert_eq!(body, json!({"response": null}));
    let (_, body) = raw(
        &server,
        "GET",
        "/settings/ui.one.title",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(body, json!({"response": null}));

    let values = cz::CortezaSettingsUpdateBody {
        values: vec![
            input("ui.one.title", Some(json!("Ferro One"))),
            input("ui.one.panelsEnabled", Some(json!(true))),
            input("compose.page.size", Some(json!({"rows": 20}))),
            input("cleared", None),
        ],
    };
    let refused = cz_basic
        .corteza_settings_update(&values)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to manage settings");
    let done = cz_admin
        .corteza_settings_update(&values)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.response, Some(true));
    let refused = cz_basic
        .corteza_settings_list(None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to read settings");
    let all = cz_admin
        .corteza_settings_list(None)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    let names: Vec<&str> = all.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cleared",
            "compose.page.size",
            "ui.one.panelsEnabled",
            "ui.one.title"
        ]
    );
    // A value left out is written as null, as Corteza writes it.
    assert_eq!(all[0].value, json!(null));
    let admin_id = corteza_id(&cz_admin, &admin.user.username.clone().unwrap()).await;
    assert_eq!(all[1].updated_by.to_string(), admin_id);
    let ui = cz_admin
        .corteza_settings_list(Some("ui."))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(ui.len(), 2);
    let title = cz_admin
        .corteza_settings_get("ui.one.title", None)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(title.value, json!("Ferro One"));
    let refused = cz_basic
        .corteza_settings_get("ui.one.title", None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to read settings");

    // Only changed values are written: an unchanged one keeps its time.
    let before = title.updated_at.clone();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = cz::CortezaSettingsUpdateBody {
        values: vec![
            input("ui.one.title", Some(json!("Ferro One"))),
            input("ui.one.logo", Some(json!("logo.png"))),
        ],
    };
    cz_admin.corteza_settings_update(&again).await.unwrap();
    let title = cz_admin
        .corteza_settings_get("ui.one.title", None)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(title.updated_at, before);

    // What the web apps read at start, from Mattermost's sign-in settings and ui.one.*.
    let current = cz_basic
        .corteza_settings_current()
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    let auth = current.auth.unwrap();
    assert_eq!(auth["Internal"]["Enabled"], json!(true));
    assert_eq!(auth["External"]["Providers"], json!([]));
    let ui = current.ui.unwrap();
    assert_eq!(ui["one"]["title"], json!("Ferro One"));
    assert_eq!(
        (
            ui["one"]["logo"].clone(),
            ui["one"]["panelsEnabled"].clone(),
            ui["one"]["panels"].clone()
        ),
        (json!("logo.png"), json!(true), json!([]))
    );

    // Bad input, nothing written.
    let (_, body) = raw(
        &server,
        "PATCH",
        "/settings/",
        Some(&admin.token),
        r#"{"values":[{"name":"","value":1}]}"#,
    )
    .await;
    assert_eq!(
        body,
        json!({"error": {"message": "invalid setting name \"\""}})
    );
    let (_, body) = raw(
        &server,
        "PATCH",
        "/settings/",
        Some(&admin.token),
        r#"{"values":"x"}"#,
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
        "/settings/x?ownerID=abc",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(body, json!({"error": {"message": "invalid ID"}}));
    assert_eq!(
        cz_admin
            .corteza_settings_list(None)
            .await
            .unwrap()
            .into_inner()
            .response
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn a_file_setting_is_an_attachment() {
    let (server, admin, basic) = setup().await;
    let cz_admin = corteza(&server, Some(&admin.token));
    let basic_id = corteza_id(&cz_admin, "basic").await;
    let png = &crate::images::png(4, 3)[..];

    let refused = set_file(
        &server,
        &basic.token,
        "ui.one.logo",
        Some(("logo.png", png)),
        None,
    )
    .await;
    assert_eq!(
        refused,
        json!({"error": {"message": "not allowed to manage settings"}})
    );
    let missing = set_file(&server, &admin.token, "ui.one.logo", None, None).await;
    assert_eq!(
        missing,
        json!({"error": {"message": "error processing uploaded file: http: no such file"}})
    );

    let set = set_file(
        &server,
        &admin.token,
        "ui.one.logo",
        Some(("logo.png", png)),
        None,
    )
    .await;
    let value = set["response"]["value"].as_str().unwrap().to_owned();
    let id = value.strip_prefix("attachment:").unwrap().to_owned();
    // A user's own value, beside the global one.
    let own = set_file(
        &server,
        &admin.token,
        "ui.one.logo",
        Some(("notes.txt", b"hello")),
        Some(&basic_id),
    )
    .await;
    assert_ne!(own["response"]["value"], set["response"]["value"]);
    let global = cz_admin
        .corteza_settings_get("ui.one.logo", None)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(global.value, json!(value));
    let owned = cz_admin
        .corteza_settings_get("ui.one.logo", Some(&basic_id))
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(owned.value, own["response"]["value"]);

    // The record, to a signed-in caller; the bytes are public for settings files.
    let record = corteza(&server, Some(&basic.token))
        .corteza_attachment_read("settings", &id, None, None)
        .await
        .unwrap()
        .into_inner()
        .response
        .unwrap();
    assert_eq!(
        (record.name.as_str(), record.url.clone()),
        (
            "logo.png",
            format!("/attachment/settings/{id}/original/logo%2Epng")
        )
    );
    assert_eq!(
        record.meta.unwrap()["original"]["mimetype"],
        json!("image/png")
    );
    let anonymous = corteza(&server, None)
        .corteza_attachment_read("settings", &id, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&anonymous), "Unauthorized");
    let url = format!(
        "{}/api/system/attachment/settings/{id}/original/logo.png",
        server.url
    );
    let bytes = server.http().get(&url).send().await.unwrap();
    assert_eq!(bytes.headers()["content-type"], "image/png");
    assert_eq!(bytes.bytes().await.unwrap().as_ref(), png);
    let download = server
        .http()
        .get(format!("{url}?download=1"))
        .send()
        .await
        .unwrap();
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let preview = server
        .http()
        .get(format!(
            "{}/api/system/attachment/settings/{id}/preview.png",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), 200);
    let text_id = own["response"]["value"]
        .as_str()
        .unwrap()
        .trim_start_matches("attachment:")
        .to_owned();
    let no_preview = server
        .http()
        .get(format!(
            "{}/api/system/attachment/settings/{text_id}/preview.txt",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(no_preview.status(), 404);
    let other_kind = server
        .http()
        .get(format!(
            "{}/api/system/attachment/user/{id}/original/logo.png",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(other_kind.status(), 404);
    assert!(other_kind.bytes().await.unwrap().is_empty());

    // Deleting needs settings.manage; then record and bytes are gone.
    let refused = corteza(&server, Some(&basic.token))
        .corteza_attachment_delete("settings", &id, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&refused), "not allowed to manage settings");
    cz_admin
        .corteza_attachment_delete("settings", &id, None, None)
        .await
        .unwrap();
    let gone = cz_admin
        .corteza_attachment_read("settings", &id, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message(&gone), "system.repository.AttachmentNotFound");
    assert_eq!(server.http().get(&url).send().await.unwrap().status(), 404);
    let (_, body) = raw(
        &server,
        "GET",
        "/attachment/settings/zero",
        Some(&admin.token),
        "",
    )
    .await;
    assert_eq!(body, json!({"error": {"message": "invalid ID"}}));
}
