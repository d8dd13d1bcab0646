//! The contract in openapi/ keeps every operation of the reference sources, and the SDK
//! covers all of them and is generated from the contract as it is now.

use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(path: &Path) -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `METHOD path operationId` for every operation of a spec (or of a tag file's paths).
fn operations(paths: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (path, item) in paths.as_mapping().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                let id = op["operationId"].as_str().unwrap();
                out.insert(format!(
                    "{} {} {id}",
                    method.to_uppercase(),
                    path.as_str().unwrap()
                ));
            }
        }
    }
    out
}

fn contract_operations() -> BTreeSet<String> {
    operations(&load(&root().join("openapi/mattermost-v4.yaml"))["paths"])
}

#[test]
fn the_contract_has_exactly_the_472_operations_on_record() {
    let ops = contract_operations();
    assert_eq!(ops.len(), 472);
    let recorded = recorded("operations.txt");
    let lost: Vec<_> = recorded.difference(&ops).collect();
    let invented: Vec<_> = ops.difference(&recorded).collect();
    assert!(
        lost.is_empty() && invented.is_empty(),
        "lost {lost:?}, invented {invented:?}"
    );
}

/// The reference data in `../shared/reference` (beside the checkout, as in CI). Without
/// it the tests that read it fail rather than pass unchecked.
fn shared(name: &str) -> PathBuf {
    let path = root().join("../shared/reference").join(name);
    assert!(
        path.exists(),
        "{} is not here: check out ../shared beside the project",
        path.display()
    );
    path
}

/// Against the reference sources themselves: the 2024 spec with the users and bots contracts swapped for their newer files.
#[test]
fn the_contract_matches_the_reference_sources() {
    let reference = shared("mattermost-api-v4");
    let source = |name: &str| operations(&load(&reference.join("source").join(name)));
    let mut expected = operations(&load(&reference.join("mattermost-openapi-v4.yaml"))["paths"]);
    for (old, new) in [
        ("users.yaml", "users.seed002.yaml"),
        ("bots.yaml", "bots.seed000.yaml"),
    ] {
        for op in source(old) {
            assert!(
                expected.remove(&op),
                "{op} of {old} is in the assembled spec"
            );
        }
        expected.extend(source(new));
    }
    assert_eq!(contract_operations(), expected);
}

#[test]
fn the_sdk_covers_every_operation_once() {
    let ids: BTreeSet<String> = contract_operations()
        .iter()
        .map(|op| op.rsplit(' ').next().unwrap().to_owned())
        .collect();
    let generated: BTreeSet<String> = ferromost_client::GENERATED_OPERATIONS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let by_hand: BTreeSet<String> = ferromost_client::HAND_WRITTEN_OPERATIONS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(by_hand.len(), 16, "15 multipart operations and UploadData");
    assert!(generated.is_disjoint(&by_hand));
    assert_eq!(
        generated.union(&by_hand).cloned().collect::<BTreeSet<_>>(),
        ids
    );
}

#[test]
fn the_sdk_is_generated_from_the_contract_as_it_is_now() {
    let text = std::fs::read(root().join("openapi/mattermost-v4.yaml")).unwrap();
    let fnv = text.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    assert_eq!(
        fnv,
        ferromost_client::CONTRACT_FINGERPRINT,
        "generated/ is stale"
    );
}

#[test]
fn the_server_routes_every_operation() {
    let ops = contract_operations();
    let table: BTreeSet<String> = ferromost::contract::OPERATIONS
        .iter()
        .map(|op| format!("{} {} {}", op.method, op.path, op.id))
        .collect();
    assert_eq!(table, ops);
}

/// Every operation answers the success status Mattermost's handler writes
/// (`status-codes.json`): the contract declares it first, with the server's alternatives,
/// and the generated router answers it. The operations the file could not map keep the
/// contract's.
#[test]
fn success_codes_are_what_the_real_server_answers() {
    let path = shared("mattermost-server/status-codes.json");
    let real: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let spec = load(&root().join("openapi/mattermost-v4.yaml"));
    let mut checked = 0;
    let mut wrong = Vec::new();
    for entry in real["operations"].as_array().unwrap() {
        let id = entry["operationId"].as_str().unwrap();
        let server = entry["server"].as_u64().unwrap();
        let mut expected = vec![server];
        for alt in entry["server_alternatives"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let alt = alt.as_u64().unwrap();
            if alt < 400 && !expected.contains(&alt) {
                expected.push(alt);
            }
        }
        let method = entry["method"].as_str().unwrap().to_lowercase();
        let path = entry["path"].as_str().unwrap();
        let op = &spec["paths"][path][method.as_str()];
        assert_eq!(op["operationId"].as_str(), Some(id), "{id} at {path}");
        let declared: Vec<u64> = op["responses"]
            .as_mapping()
            .unwrap()
            .keys()
            .filter_map(|k| k.as_str()?.parse::<u64>().ok())
            .filter(|c| *c < 400)
            .collect();
        if declared.first() != Some(&server) || expected.iter().any(|c| !declared.contains(c)) {
            wrong.push(format!("{id}: contract {declared:?}, server {expected:?}"));
        }
        let routed = ferromost::contract::OPERATIONS
            .iter()
            .find(|o| o.id == id)
            .unwrap();
        if u64::from(routed.status) != server {
            wrong.push(format!(
                "{id}: router answers {}, server {server}",
                routed.status
            ));
        }
        checked += 1;
    }
    assert_eq!(checked, 460, "every operation the file maps");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The lines of a tests/output file, without comments and blank lines.
fn recorded(name: &str) -> BTreeSet<String> {
    std::fs::read_to_string(root().join("tests/output").join(name))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// ChatCaptain's contract holds the operations on record, which are the five the source
/// document describes (its method line followed by its path line), and the server routes
/// each of them.
#[test]
fn the_chatcaptain_contract_is_the_documents_five_operations() {
    let ops = operations(&load(&root().join("openapi/chatcaptain.yaml"))["paths"]);
    assert_eq!(ops, recorded("chatcaptain-operations.txt"));
    let text =
        std::fs::read_to_string(shared("chatcaptain").join("chatbot-users-api.txt")).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let documented: BTreeSet<String> = lines
        .windows(2)
        .filter(|w| METHODS.contains(&w[0]) && w[1].starts_with("/v1/"))
        .map(|w| format!("{} {}", w[0].to_uppercase(), w[1]))
        .collect();
    let ours: BTreeSet<String> = ops
        .iter()
        .map(|op| op.rsplit_once(' ').unwrap().0.to_owned())
        .collect();
    assert_eq!(documented.len(), 5);
    assert_eq!(ours, documented);
    let table: BTreeSet<String> = ferromost::contract::CHATCAPTAIN_OPERATIONS
        .iter()
        .map(|op| format!("{} {} {}", op.method, op.path, op.id))
        .collect();
    assert_eq!(table, ops);
}

/// Corteza's contract holds the operations on record, which are the 79 endpoints of the
/// source document (each `<path> HTTP/S <METHOD>` line) under the mount point, and the
/// server routes each of them.
#[test]
fn the_corteza_contract_is_the_documents_79_endpoints() {
    let ops = operations(&load(&root().join("openapi/corteza-system.yaml"))["paths"]);
    assert_eq!(ops, recorded("corteza-system-operations.txt"));
    let text = std::fs::read_to_string(shared("corteza-system").join("system-api.txt")).unwrap();
    let documented: BTreeSet<String> = text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (path, protocol, method) = (words.next()?, words.next()?, words.next()?);
            (protocol == "HTTP/S" && path.starts_with('/'))
                .then(|| format!("{method} /api/system{path}"))
        })
        .collect();
    let ours: BTreeSet<String> = ops
        .iter()
        .map(|op| op.rsplit_once(' ').unwrap().0.to_owned())
        .collect();
    assert_eq!(documented.len(), 79);
    assert_eq!(ours, documented);
    let table: BTreeSet<String> = ferromost::contract::CORTEZA_OPERATIONS
        .iter()
        .map(|op| format!("{} {} {}", op.method, op.path, op.id))
        .collect();
    assert_eq!(table, ops);
}
