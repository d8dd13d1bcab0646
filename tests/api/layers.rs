//! The layers import one way: api → app → store, with auth below app. Checked on the
//! sources, so that a shortcut across layers fails the build's tests, not a later review.

use std::path::Path;

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source file");
                out.push((path.display().to_string(), text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// The places in `dir` that mention one of `forbidden`.
fn offences(dir: &str, forbidden: &[&str]) -> Vec<String> {
    sources(dir)
        .into_iter()
        .flat_map(|(path, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, line)| forbidden.iter().any(|f| line.contains(f)))
                .map(|(n, line)| format!("{path}:{}: {}", n + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn auth_and_store_do_not_import_the_layers_above() {
    for dir in ["src/auth", "src/store"] {
        let found = offences(dir, &["crate::app", "crate::api", "crate::rt::"]);
        assert!(found.is_empty(), "{dir} reaches up:\n{}", found.join("\n"));
    }
}

#[test]
fn app_functions_never_take_the_http_context() {
    let found = offences(
        "src/app",
        &["crate::api", "rt::Ctx", "&Ctx", "set_header", "HeaderMap"],
    );
    assert!(
        found.is_empty(),
        "src/app uses the HTTP layer:\n{}",
        found.join("\n")
    );
}

#[test]
fn handlers_hold_no_queries() {
    let found = offences("src/api", &["sea_orm", "Entity::", "execute_unprepared"]);
    assert!(
        found.is_empty(),
        "src/api queries the database itself (queries belong next to their entities, \
         behind src/app):\n{}",
        found.join("\n")
    );
}

/// The longest a handler may be, signature to closing brace: authenticate, validate,
/// permit, then one call into src/app and the mapping of its answer.
const HANDLER_LINES: usize = 40;

#[test]
fn handlers_are_thin() {
    let mut long = Vec::new();
    for (path, text) in sources("src/api") {
        let mut start: Option<(usize, String)> = None;
        for (n, line) in text.lines().enumerate() {
            if let Some(rest) = line.strip_prefix("    async fn ") {
                let name = rest.split(['(', '<']).next().unwrap_or(rest).to_owned();
                start = Some((n, name));
            } else if line == "    }"
                && let Some((first, name)) = start.take()
            {
                let lines = n - first + 1;
                if lines > HANDLER_LINES {
                    long.push(format!("{path}:{}: {name} has {lines} lines", first + 1));
                }
            }
        }
    }
    assert!(
        long.is_empty(),
        "handlers over {HANDLER_LINES} lines (move the rules into src/app):\n{}",
        long.join("\n")
    );
}
