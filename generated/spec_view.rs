//! Loads `openapi/mattermost-v4.yaml` and derives the input progenitor can digest.
//! Shared by the server's and the client's build scripts (`#[path]`-included by both).

use serde_json::Value;
use std::path::Path;

/// The HTTP methods an OpenAPI path item may carry, in the order we emit them.
pub const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// A contract beside `mattermost-v4.yaml`, generated the same way by both build scripts.
pub struct Contract {
    /// The file in `openapi/`.
    pub file: &'static str,
    /// The server's operation table for it: `{table_prefix}OPERATIONS`.
    #[allow(
        dead_code,
        reason = "read by the server's build script, not by the client's (both include this file)"
    )]
    pub table_prefix: &'static str,
    /// The client module's generated file.
    pub client_file: &'static str,
}

/// The contracts beside the v4 one: the endpoints outside the v4 paths (client module
/// `extra`), ChatCaptain's API (`chatcaptain`), Corteza's system API (`corteza`).
pub const OTHER_CONTRACTS: [Contract; 3] = [
    Contract {
        file: "mattermost-extra.yaml",
        table_prefix: "EXTRA_",
        client_file: "extra_client.rs",
    },
    Contract {
        file: "chatcaptain.yaml",
        table_prefix: "CHATCAPTAIN_",
        client_file: "chatcaptain_client.rs",
    },
    Contract {
        file: "corteza-system.yaml",
        table_prefix: "CORTEZA_",
        client_file: "corteza_client.rs",
    },
];

/// The one operation with two success shapes (200 FileInfo, 204 empty), which progenitor
/// refuses.
pub const TWO_SUCCESS_SHAPES: &str = "UploadData";

/// Reads the contract as JSON.
pub fn load(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// True when the operation's request body is multipart/form-data.
pub fn is_multipart(op: &Value) -> bool {
    op.pointer("/requestBody/content/multipart~1form-data")
        .is_some()
}

/// The operations progenitor cannot express (multipart bodies, two success shapes): the
/// client writes these by hand.
pub fn special_operations(spec: &Value) -> Vec<String> {
    operations(spec)
        .filter(|op| is_multipart(op) || op["operationId"] == TWO_SUCCESS_SHAPES)
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect()
}

/// Every operation object of the contract, in contract order.
pub fn operations(spec: &Value) -> impl Iterator<Item = &Value> {
    spec["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| METHODS.iter().filter_map(move |m| item.get(*m)))
}

/// The progenitor input: the whole contract with multipart bodies removed and each
/// operation's success responses cut to one shape, so that every operation's body and
/// response types are generated.
pub fn progenitor_input(spec: &Value) -> openapiv3::OpenAPI {
    let mut spec = spec.clone();
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                if op
                    .get("requestBody")
                    .is_some_and(|b| b.pointer("/content/multipart~1form-data").is_some())
                {
                    op.remove("requestBody");
                }
                if let Some(r) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    keep_one_success_shape(r);
                }
            }
        }
    }
    serde_json::from_value(spec).unwrap_or_else(|e| panic!("contract is not OpenAPI 3.0: {e}"))
}

/// The server's view of properties marked `x-ferromost-written-null: true`: optional in the
/// contract (an error answer leaves them out, so clients must not require them), written
/// by the server on success even when null. The server's types make them required, so
/// null is written rather than left out. (The SDK's build script, which shares this file,
/// does not call it.)
#[allow(
    dead_code,
    reason = "the server's build script calls it; the SDK's does not"
)]
pub fn require_written_nulls(spec: &mut Value) {
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for schema in schemas.values_mut().filter_map(Value::as_object_mut) {
        let marked: Vec<Value> = schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, p)| p.get("x-ferromost-written-null") == Some(&Value::Bool(true)))
            .map(|(name, _)| Value::String(name.clone()))
            .collect();
        if marked.is_empty() {
            continue;
        }
        let required = schema
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(list) = required.as_array_mut() {
            list.extend(marked);
        }
    }
}

/// progenitor refuses an operation whose 2xx responses differ in body (UploadData's 200 file
/// and 204 nothing): the 2xx responses whose content differs from the first one's are
/// dropped from its input. The SDK then treats those codes as unexpected; the hand-written
/// methods in `special.rs` accept them.
fn keep_one_success_shape(responses: &mut serde_json::Map<String, Value>) {
    let is_2xx = |code: &str| code.starts_with('2');
    let Some(first) = responses
        .iter()
        .find(|(code, _)| is_2xx(code))
        .map(|(_, r)| r.get("content").cloned())
    else {
        return;
    };
    responses.retain(|code, r| !is_2xx(code) || r.get("content").cloned() == first);
}

/// FNV-1a of the contract text, so a test can tell whether generated code is stale.
pub fn fingerprint(text: &[u8]) -> u64 {
    text.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
