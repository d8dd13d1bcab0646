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
    let recorded: BTreeSet<String> =
        std::fs::read_to_string(root().join("tests/output/operations.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
    let lost: Vec<_> = recorded.difference(&ops).collect();
    let invented: Vec<_> = ops.difference(&recorded).collect();
    assert!(
        lost.is_empty() && invented.is_empty(),
        "lost {lost:?}, invented {invented:?}"
    );
}

/// Against the reference sources themselves, when ../shared is beside the checkout (it is
/// in CI): the 2024 spec with the users and bots contracts swapped for their newer files.
#[test]
fn the_contract_matches_the_reference_sources() {
    let reference = root().join("../shared/reference/mattermost-api-v4");
    if !reference.exists() {
        eprintln!("skipped: {} is not here", reference.display());
        return;
    }
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
    assert_eq!(by_hand.len(), 17, "16 multipart operations and UploadData");
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
