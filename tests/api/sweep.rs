//! Sends every operation of the contract, anonymously and as a system admin, with
//! well-formed random ids, and checks each answer: AppError JSON or a real response, never
//! plain text, never a 5xx other than 501; anonymously, every implemented operation whose
//! Mattermost handler requires a session answers exactly 401 `session_expired`. The operations that answer the generated 501
//! must be exactly those in tests/output/unimplemented-operations.txt
//! (FERROMOST_BLESS=1 rewrites the file).

use crate::common::TestServer;
use ferromost::contract::{CHATCAPTAIN_OPERATIONS, CORTEZA_OPERATIONS, OPERATIONS};
use ferromost::rt::{BodyKind, Operation};
use std::collections::BTreeSet;

const NOT_IMPLEMENTED: &str = "api.ferromost.not_implemented.app_error";
const LIST: &str = "tests/output/unimplemented-operations.txt";

/// Path parameters that the contract declares as integers.
fn integer_path_params() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/mattermost-v4.yaml"
    ));
    let spec: serde_yaml::Value = serde_yaml::from_str(&text.unwrap()).unwrap();
    let mut out = BTreeSet::new();
    for (_, item) in spec["paths"].as_mapping().unwrap() {
        for (_, op) in item.as_mapping().unwrap() {
            for p in op["parameters"].as_sequence().into_iter().flatten() {
                if p["in"] == "path" && p["schema"]["type"] == "integer" {
                    let id = op["operationId"].as_str().unwrap().to_owned();
                    out.insert((id, p["name"].as_str().unwrap().to_owned()));
                }
            }
        }
    }
    out
}

/// A request for `op` with well-formed random ids in its path (`1` for integers) and a
/// minimal body of the kind it takes.
fn request_for(
    server: &TestServer,
    op: &Operation,
    integers: &BTreeSet<(String, String)>,
) -> reqwest::RequestBuilder {
    let url = format!("{}{}", server.url, path_for(op, integers, false));
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
    let request = server.http().request(method, &url);
    match op.body {
        BodyKind::Json => request
            .header("content-type", "application/json")
            .body("{}"),
        BodyKind::Multipart | BodyKind::Stream => {
            request.multipart(reqwest::multipart::Form::new().text("x", "y"))
        }
        BodyKind::Raw => request.body(""),
        BodyKind::None | BodyKind::Upgrade => request,
    }
}

/// `op`'s path with well-formed random ids (`1` for integers; with `numeric`, Corteza's
/// numeric ids for every parameter, and a value of each mixed segment's shape).
fn path_for(op: &Operation, integers: &BTreeSet<(String, String)>, numeric: bool) -> String {
    let path: Vec<String> = op
        .path
        .split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if integers.contains(&(op.id.to_owned(), name.to_owned())) => {
                    "1".to_owned()
                }
                _ if numeric && seg.contains('{') => seg
                    .split('{')
                    .map(|p| p.split_once('}').map_or(p, |(_, text)| text))
                    .collect::<Vec<_>>()
                    .join("98765432101234567"),
                Some(_) => ferromost::ids::new_id(),
                None => seg.to_owned(),
            },
        )
        .collect();
    path.join("/")
}

/// Sends each operation once; returns the ids of those answering the generated 501.
async fn sweep(server: &TestServer, token: Option<&str>) -> BTreeSet<String> {
    let integers = integer_path_params();
    let mut unimplemented = BTreeSet::new();
    let mut failures = Vec::new();
    // Logout last: it ends the session the others use.
    let mut ops: Vec<_> = OPERATIONS.iter().collect();
    ops.sort_by_key(|op| op.id == "Logout");
    for op in ops {
        let mut request = request_for(server, op, &integers);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.bytes().await.unwrap();
        let what = format!("{} {} ({}) → {status}", op.method, op.path, op.id);
        if content_type.starts_with("text/plain") {
            failures.push(format!("{what}: plain text"));
            continue;
        }
        if (500..600).contains(&status) && status != 501 {
            failures.push(format!("{what}: {}", String::from_utf8_lossy(&body)));
            continue;
        }
        if status >= 400 {
            let error: serde_json::Value = match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(_) => {
                    failures.push(format!("{what}: not AppError JSON"));
                    continue;
                }
            };
            let well_formed = error["id"].is_string()
                && error["message"].is_string()
                && error["request_id"].is_string()
                && error["status_code"] == status;
            if !well_formed || !content_type.starts_with("application/json") {
                failures.push(format!("{what}: malformed AppError {error}"));
            }
            if error["id"] == NOT_IMPLEMENTED {
                assert_eq!(status, 501, "{what}");
                unimplemented.insert(op.id.to_owned());
            } else if token.is_none()
                && op.session_required
                && (status != 401 || error["id"] != "api.context.session_expired.app_error")
            {
                // Mattermost answers these before anything else without a session.
                failures.push(format!(
                    "{what}: not the 401 of a session-required operation"
                ));
            }
        } else if token.is_none() && op.session_required {
            failures.push(format!("{what}: answered without a session"));
        } else if content_type.starts_with("application/json")
            && serde_json::from_slice::<serde_json::Value>(&body).is_err()
        {
            failures.push(format!("{what}: body is not JSON"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} operations misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
    unimplemented
}

#[tokio::test]
async fn every_operation_answers_app_error_json_or_a_real_response() {
    let server = TestServer::start().await;
    let anonymous = sweep(&server, None).await;
    let admin = server.admin().await;
    let as_admin = sweep(&server, Some(&admin.token)).await;
    assert_eq!(
        anonymous, as_admin,
        "the generated 501 does not depend on who asks"
    );

    ratchet(LIST, &as_admin);
}

/// Checks that `list` (a tests/output file) names exactly the operations in `found` that
/// answer the generated 501 (FERROMOST_BLESS=1 rewrites it).
fn ratchet(list: &str, found: &BTreeSet<String>) {
    let path = format!("{}/{list}", env!("CARGO_MANIFEST_DIR"));
    let mut text = String::from(
        "# Every operation that still answers the generated 501, one operationId a line.\n\
         # Kept exact by tests/api/sweep.rs (FERROMOST_BLESS=1 cargo test rewrites it).\n",
    );
    for id in found {
        text.push_str(id);
        text.push('\n');
    }
    if std::env::var("FERROMOST_BLESS").is_ok() {
        std::fs::write(&path, &text).unwrap();
    }
    let recorded = std::fs::read_to_string(&path).unwrap_or_default();
    let listed: BTreeSet<String> = recorded
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let implemented: Vec<_> = listed.difference(found).collect();
    let regressed: Vec<_> = found.difference(&listed).collect();
    assert!(
        implemented.is_empty() && regressed.is_empty(),
        "{list} is not exact: now implemented (remove them): {implemented:?}; \
         answering 501 but not listed: {regressed:?}"
    );
    assert_eq!(
        recorded, text,
        "{list}: only the order or the header differs"
    );
}

/// ChatCaptain's operations, anonymously and with a system admin's key, with well-formed
/// random ids: every answer is JSON, every error exactly `{"error": "<text>"}`, never a
/// 5xx, none the generated 501; anonymously each is 401.
#[tokio::test]
async fn every_chatcaptain_operation_answers_its_error_shape() {
    let server =
        TestServer::start_with(|c| c.service_settings.enable_user_access_tokens = true).await;
    let admin = server.admin().await;
    let key = admin
        .client
        .create_user_access_token(
            admin.id(),
            &ferromost_client::types::CreateUserAccessTokenBody {
                description: "sweep".into(),
            },
        )
        .await
        .unwrap()
        .into_inner()
        .token
        .unwrap();
    let mut failures = Vec::new();
    for key in [None, Some(key.as_str())] {
        for op in &CHATCAPTAIN_OPERATIONS {
            let mut request = request_for(&server, op, &BTreeSet::new());
            if let Some(key) = key {
                request = request.header("x-chatcaptain-key", key);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let json = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json");
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            let what = format!("{} {} ({}) → {status} {body}", op.method, op.path, op.id);
            let is_error = body
                .as_object()
                .is_some_and(|o| o.len() == 1 && o["error"].is_string());
            if !json || status >= 500 || (status >= 400 && !is_error) {
                failures.push(what);
            } else if key.is_none() && status != 401 {
                failures.push(format!("{what}: not 401 without a key"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The Corteza operations that answer a file: for a file that is not there, Corteza
/// answers an empty 404 (WIRE.md §2), which the sweep accepts from them.
const CORTEZA_FILE_ANSWERS: [&str; 3] = [
    "CortezaAttachmentOriginal",
    "CortezaAttachmentPreview",
    "CortezaAutomationBundle",
];

/// Corteza's operations, anonymously and as a system admin (a token from Mattermost's
/// login), with numeric ids: every answer is JSON, every error exactly Corteza's
/// `{"error": {"message": "<text>"}}` with HTTP 200 (the generated 501 aside), never a
/// 5xx; anonymously, each private operation answers `Unauthorized`. The operations still
/// answering 501 are exactly those in tests/output/corteza-unimplemented-operations.txt.
#[tokio::test]
async fn every_corteza_operation_answers_its_envelope() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let mut failures = Vec::new();
    let mut unimplemented = BTreeSet::new();
    for token in [None, Some(admin.token.as_str())] {
        for op in &CORTEZA_OPERATIONS {
            let url = path_for(op, &BTreeSet::new(), true);
            let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
            let mut request = server
                .http()
                .request(method, format!("{}{url}", server.url))
                .header("content-type", "application/json")
                .body("{}");
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let json = response
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap().starts_with("application/json"));
            let bytes = response.bytes().await.unwrap();
            if status == 404 && bytes.is_empty() && CORTEZA_FILE_ANSWERS.contains(&op.id) {
                // Corteza's answer for a file that is not there.
                continue;
            }
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let what = format!("{} {} ({}) → {status} {body}", op.method, op.path, op.id);
            let message = body["error"]["message"].as_str();
            let is_error = message.is_some() && body.as_object().is_some_and(|o| o.len() == 1);
            if status == 501 && is_error {
                unimplemented.insert(op.id.to_owned());
                continue;
            }
            if !json || status != 200 || (body.get("error").is_some() && !is_error) {
                failures.push(what);
            } else if token.is_none() && op.session_required && message != Some("Unauthorized") {
                failures.push(format!("{what}: not Unauthorized without a token"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    ratchet(
        "tests/output/corteza-unimplemented-operations.txt",
        &unimplemented,
    );
}
