//! Generates the client SDK from `../openapi/` with progenitor, into `$OUT_DIR/client.rs`
//! (and `extra_client.rs` from `mattermost-extra.yaml`, `chatcaptain_client.rs` from
//! `chatcaptain.yaml`, `corteza_client.rs` from `corteza-system.yaml`).
//! The operations progenitor cannot express are removed from its output; `src/special.rs`
//! writes them by hand. Also writes the operation lists and the contract's fingerprint.

#[path = "spec_view.rs"]
mod spec_view;

use heck::ToSnakeCase;
use std::path::Path;

fn main() {
    let contract = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/mattermost-v4.yaml");
    println!("cargo:rerun-if-changed={}", contract.display());
    println!("cargo:rerun-if-changed=spec_view.rs");
    let text = std::fs::read(&contract).expect("reading the contract");
    let spec = spec_view::load(&contract);
    let special = spec_view::special_operations(&spec);
    let special_fns: Vec<String> = special.iter().map(|id| id.to_snake_case()).collect();

    let mut settings = progenitor_impl::GenerationSettings::default();
    settings.with_derive("schemars::JsonSchema");
    let tokens = progenitor_impl::Generator::new(&settings)
        .generate_tokens(&spec_view::progenitor_input(&spec))
        .unwrap_or_else(|e| panic!("progenitor: {e}"));
    let mut file: syn::File = syn::parse2(tokens).expect("progenitor output parses");
    for item in &mut file.items {
        if let syn::Item::Impl(imp) = item {
            imp.items.retain(|ii| match ii {
                syn::ImplItem::Fn(f) => !special_fns.contains(&f.sig.ident.to_string()),
                _ => true,
            });
        }
    }
    let generated: Vec<String> = spec_view::operations(&spec)
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .filter(|id| !special.contains(id))
        .collect();
    let lists = format!(
        "/// Operations whose methods progenitor generated.\n\
         pub const GENERATED_OPERATIONS: &[&str] = &{generated:?};\n\
         /// Operations whose methods are written by hand in `special.rs`.\n\
         pub const HAND_WRITTEN_OPERATIONS: &[&str] = &{special:?};\n\
         /// FNV-1a of the contract this client was generated from.\n\
         pub const CONTRACT_FINGERPRINT: u64 = {};\n",
        spec_view::fingerprint(&text)
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).to_path_buf();
    std::fs::write(out.join("client.rs"), prettyplease::unparse(&file)).expect("client.rs");

    // The other contracts (the endpoints outside the v4 paths, ChatCaptain's API,
    // Corteza's system API): a client of their own each, in modules `extra`,
    // `chatcaptain` and `corteza`.
    for spec_view::Contract {
        file, client_file, ..
    } in spec_view::OTHER_CONTRACTS
    {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../openapi")
            .join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let spec = spec_view::load(&path);
        let tokens = progenitor_impl::Generator::new(&settings)
            .generate_tokens(&spec_view::progenitor_input(&spec))
            .unwrap_or_else(|e| panic!("progenitor ({file}): {e}"));
        let file: syn::File = syn::parse2(tokens).expect("progenitor output parses");
        std::fs::write(out.join(client_file), prettyplease::unparse(&file)).expect(client_file);
    }
    std::fs::write(out.join("operations.rs"), lists).expect("operations.rs");
}
