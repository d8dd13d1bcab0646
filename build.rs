//! Generates the server's contract layer from `openapi/mattermost-v4.yaml` (and, the same
//! way, from `openapi/mattermost-extra.yaml`: the endpoints outside the v4 paths, in
//! `EXTRA_OPERATIONS`) into `$OUT_DIR`:
//!
//! - `types.rs`: every request and response type, as progenitor (typify) names them.
//! - `api.rs`: per operation a path struct, a query struct and a dispatch function; per spec
//!   tag a route trait with one method per operationId whose default answers 501; and the
//!   static operation table (plus forwarded literal routes) that `src/router.rs` turns into
//!   the axum router.
//!
//! The body and response type of each operation are read from the signatures of the client
//! that progenitor generates from the same contract, so server and SDK agree on every name.

#![expect(
    clippy::expect_used,
    reason = "a build script reports a broken contract by panicking with the reason"
)]

#[path = "generated/spec_view.rs"]
#[expect(
    dead_code,
    reason = "shared with the client's build script, which uses the rest"
)]
mod spec_view;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use spec_view::{METHODS, OTHER_CONTRACTS};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// How an operation's request body reaches its handler.
enum Body {
    None,
    Json {
        ty: TokenStream,
        required: bool,
        /// For a lenient (Corteza) contract, the body's properties and how each is read
        /// from a form value (`forms::FormKind`); None: JSON only.
        form: Option<Vec<(String, TokenStream)>>,
    },
    Multipart,
    Raw,
    /// An upload handed over unread (`x-body-stream`): multipart or the raw file.
    Stream,
    /// A websocket upgrade (`x-dropshot-websocket`): the handler takes the upgrade.
    Upgrade,
}

/// What an operation's handler returns on success.
enum Reply {
    Typed(TokenStream),
    Json,
    Binary,
    /// The upgrade's own response (101).
    Upgraded,
}

/// The scalar kind of a path or query parameter.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Int,
    Num,
    Bool,
    List,
}

struct Param {
    name: String,
    field: proc_macro2::Ident,
    kind: Kind,
    required: bool,
}

struct Operation {
    id: String,
    snake: String,
    method: String,
    path: String,
    tag_trait: String,
    path_params: Vec<Param>,
    query_params: Vec<Param>,
    body: Body,
    status: u16,
    /// The API the operation belongs to (`x-ferromost-dialect` of its contract): how its
    /// errors are rendered and where its caller's token is read.
    dialect: TokenStream,
    /// Query values read as Corteza reads them: a malformed number is 0, a boolean is true
    /// for `t`, `true`, `y`, `yes` or `1` and false otherwise, a list also as `name[]`.
    lenient: bool,
    /// Mattermost's handler requires a session (`x-session-required`): 401 before parsing.
    session_required: bool,
    /// A session is optional and a bad token is ignored (`x-trust-requester`, Mattermost's
    /// APIHandlerTrustRequester).
    trust_requester: bool,
    reply: Reply,
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let contract = root.join("openapi/mattermost-v4.yaml");
    println!("cargo:rerun-if-changed={}", contract.display());
    println!("cargo:rerun-if-changed=generated/spec_view.rs");
    let spec = spec_view::load(&contract);
    let others: Vec<(Value, &str)> = OTHER_CONTRACTS
        .iter()
        .map(|contract| {
            let path = root.join("openapi").join(contract.file);
            println!("cargo:rerun-if-changed={}", path.display());
            (spec_view::load(&path), contract.table_prefix)
        })
        .collect();

    println!("cargo:rerun-if-changed=src/api");
    // One `types` module for all contracts: progenitor runs over the v4 contract with the
    // other files' paths and schemas added (a schema two name is the v4 one).
    let mut all = spec.clone();
    for (other, _) in &others {
        all = merged(&all, other);
    }
    let (types, signatures) = progenitor_types(&all);
    let implemented = implemented_methods(&root.join("src/api"));
    let mut api = generate_api(&collect_operations(&spec, &signatures), &implemented, "");
    for (other, prefix) in &others {
        api.extend(generate_api(
            &collect_operations(other, &signatures),
            &implemented,
            prefix,
        ));
    }

    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).to_path_buf();
    write_rust(&out.join("types.rs"), types);
    write_rust(&out.join("api.rs"), api);
}

/// `spec` with `extra`'s paths and components added. A schema both name is `spec`'s; any
/// other component (parameter, response, ...) two contracts name differently is a mistake.
fn merged(spec: &Value, extra: &Value) -> Value {
    let mut all = spec.clone();
    if let (Some(paths), Some(more)) = (all["paths"].as_object_mut(), extra["paths"].as_object()) {
        for (path, item) in more {
            paths.entry(path.clone()).or_insert_with(|| item.clone());
        }
    }
    let kinds = extra["components"].as_object().cloned().unwrap_or_default();
    for (kind, more) in kinds {
        let Some(more) = more.as_object() else {
            continue;
        };
        let mut mine = all["components"][&kind]
            .as_object_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        for (name, item) in more {
            match mine.get(name) {
                Some(existing) if kind != "schemas" && existing != item => {
                    panic!("components.{kind}.{name} differs between two contracts")
                }
                Some(_) => {}
                None => {
                    mine.insert(name.clone(), item.clone());
                }
            }
        }
        all["components"][&kind] = Value::Object(mine);
    }
    all
}

/// The route-trait methods that the modules of `src/api` override: the methods of each
/// `impl contract::<Tag>Api for Api` block of `mod.rs` and of the modules it declares
/// (a file not declared there is not compiled, so its overrides do not count), found by
/// parsing the files with syn. An operation not among them is routed straight to the
/// shared 501, before any parsing, so it answers 501 whatever the request holds. If this
/// missed an override, that operation would answer 501 and its tests would say so.
fn implemented_methods(dir: &Path) -> HashSet<String> {
    let parse = |path: &Path| -> Option<syn::File> {
        let text = std::fs::read_to_string(path).ok()?;
        Some(syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    };
    let mut found = HashSet::new();
    let Some(root) = parse(&dir.join("mod.rs")) else {
        return found;
    };
    let declared: Vec<syn::File> = root
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.content.is_none() => parse(&dir.join(format!("{}.rs", m.ident))),
            _ => None,
        })
        .collect();
    for file in std::iter::once(&root).chain(&declared) {
        for item in &file.items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let Some((_, path, _)) = &block.trait_ else {
                continue;
            };
            if path.segments.first().is_none_or(|s| s.ident != "contract") {
                continue;
            }
            for inner in &block.items {
                if let syn::ImplItem::Fn(f) = inner {
                    found.insert(f.sig.ident.to_string());
                }
            }
        }
    }
    found
}

fn write_rust(path: &Path, tokens: TokenStream) {
    let file: syn::File =
        syn::parse2(tokens).unwrap_or_else(|e| panic!("generated {}: {e}", path.display()));
    std::fs::write(path, prettyplease::unparse(&file)).expect("writing generated code");
}

/// The properties of a lenient contract's JSON body and how each is read from a form
/// value: strings as text, integers and booleans leniently, lists of strings from repeated
/// keys, untyped values as raw JSON; lists of objects are read from JSON only (left out).
fn form_fields(schema: &Value) -> Vec<(String, TokenStream)> {
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(name, p)| {
            let kind = match (p["type"].as_str(), p["items"]["type"].as_str()) {
                (Some("string"), _) => quote!(Text),
                (Some("integer"), _) => quote!(Int),
                (Some("boolean"), _) => quote!(Bool),
                (Some("array"), Some("string")) => quote!(List),
                (Some("array" | "object"), _) => return None,
                (None, _) if p.get("$ref").is_none() => quote!(Json),
                _ => return None,
            };
            Some((name.clone(), kind))
        })
        .collect()
}

/// Runs progenitor over the types view; returns the `types` module's items and, per client
/// method name, the body type and success type of its signature.
fn progenitor_types(
    spec: &Value,
) -> (TokenStream, HashMap<String, (Option<syn::Type>, syn::Type)>) {
    let mut spec = spec.clone();
    spec_view::require_written_nulls(&mut spec);
    let input = spec_view::progenitor_input(&spec);
    let mut settings = progenitor_impl::GenerationSettings::default();
    settings.with_derive("schemars::JsonSchema");
    let tokens = progenitor_impl::Generator::new(&settings)
        .generate_tokens(&input)
        .unwrap_or_else(|e| panic!("progenitor: {e}"));
    let file: syn::File = syn::parse2(tokens).expect("progenitor output parses");
    let mut types = TokenStream::new();
    let mut signatures = HashMap::new();
    for item in file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "types" => {
                for inner in m.content.map(|(_, items)| items).unwrap_or_default() {
                    types.extend(quote!(#inner));
                }
            }
            syn::Item::Impl(imp) if imp.trait_.is_none() && is_client(&imp.self_ty) => {
                for ii in imp.items {
                    if let syn::ImplItem::Fn(f) = ii
                        && f.sig.asyncness.is_some()
                    {
                        let body = f.sig.inputs.iter().find_map(|arg| match arg {
                            syn::FnArg::Typed(pt) if is_ident(&pt.pat, "body") => {
                                Some(strip_ref(&pt.ty))
                            }
                            _ => None,
                        });
                        let ok = success_type(&f.sig.output);
                        signatures.insert(f.sig.ident.to_string(), (body, ok));
                    }
                }
            }
            _ => {}
        }
    }
    (types, signatures)
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

fn is_ident(pat: &syn::Pat, name: &str) -> bool {
    matches!(pat, syn::Pat::Ident(i) if i.ident == name)
}

fn strip_ref(ty: &syn::Type) -> syn::Type {
    match ty {
        syn::Type::Reference(r) => (*r.elem).clone(),
        other => other.clone(),
    }
}

/// `Result<ResponseValue<T>, Error<E>>` → `T`.
fn success_type(output: &syn::ReturnType) -> syn::Type {
    fn first_generic(ty: &syn::Type) -> Option<syn::Type> {
        let syn::Type::Path(p) = ty else { return None };
        let seg = p.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
    }
    let syn::ReturnType::Type(_, ty) = output else {
        panic!("client method without output")
    };
    first_generic(ty)
        .and_then(|rv| first_generic(&rv))
        .expect("client method returns Result<ResponseValue<T>, _>")
}

fn collect_operations(
    spec: &Value,
    signatures: &HashMap<String, (Option<syn::Type>, syn::Type)>,
) -> Vec<Operation> {
    let mut trait_names: HashMap<String, String> = HashMap::new();
    let mut ops = Vec::new();
    let dialect = match spec["x-ferromost-dialect"].as_str() {
        None | Some("mattermost") => quote!(rt::Dialect::Mattermost),
        Some("chatcaptain") => quote!(rt::Dialect::ChatCaptain),
        Some("corteza") => quote!(rt::Dialect::Corteza),
        Some(other) => panic!("unknown x-ferromost-dialect {other}"),
    };
    let lenient = spec["x-ferromost-dialect"] == "corteza";
    let paths = spec["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"].as_str().expect("operationId").to_owned();
            let snake = id.to_snake_case();
            let (body_ty, ok_ty) = signatures
                .get(&snake)
                .unwrap_or_else(|| panic!("progenitor generated no method for {id}"));
            let tag = op["tags"][0].as_str().unwrap_or("default");
            let camel = tag.to_upper_camel_case();
            let tag_trait = trait_names
                .entry(camel.to_lowercase())
                .or_insert(camel)
                .clone();
            let (mut path_params, mut query_params) = (Vec::new(), Vec::new());
            for p in op["parameters"].as_array().into_iter().flatten() {
                let p = resolve(spec, p);
                let name = p["name"].as_str().expect("parameter name").to_owned();
                let kind = match p["schema"]["type"].as_str() {
                    Some("integer") => Kind::Int,
                    Some("number") => Kind::Num,
                    Some("boolean") => Kind::Bool,
                    Some("array") => Kind::List,
                    _ => Kind::Str,
                };
                let param = Param {
                    field: format_ident!("{}", field_name(&name)),
                    name,
                    kind,
                    required: p["required"].as_bool().unwrap_or(false),
                };
                match p["in"].as_str() {
                    Some("path") => path_params.push(param),
                    Some("query") => query_params.push(param),
                    other => panic!("{id}: parameters in {other:?} are not supported"),
                }
            }
            let websocket = op.get("x-dropshot-websocket").is_some();
            let body = match (&op["requestBody"], body_ty) {
                (Value::Null, _) if websocket => Body::Upgrade,
                (Value::Null, _) => Body::None,
                (_, _) if op["x-body-stream"].as_bool() == Some(true) => Body::Stream,
                (b, _) if spec_view::is_multipart(op) => {
                    let _ = b;
                    Body::Multipart
                }
                (b, Some(ty)) if b["content"].get("application/json").is_some() => Body::Json {
                    ty: quote!(#ty),
                    required: b["required"].as_bool().unwrap_or(false),
                    form: lenient.then(|| form_fields(&b["content"]["application/json"]["schema"])),
                },
                _ => Body::Raw,
            };
            // The success status Mattermost's handler answers: `x-success-status` where the
            // operation declares several (openapi/derive.py), else its one 2xx/3xx code.
            let status = op["x-success-status"]
                .as_u64()
                .and_then(|c| u16::try_from(c).ok())
                .or_else(|| {
                    op["responses"].as_object().and_then(|r| {
                        r.keys()
                            .find_map(|c| c.parse::<u16>().ok().filter(|c| *c < 400))
                    })
                })
                .unwrap_or(200);
            let session_required = op["x-session-required"].as_bool().unwrap_or(false);
            let trust_requester = op["x-trust-requester"].as_bool().unwrap_or(false);
            let ok = quote!(#ok_ty).to_string().replace(' ', "");
            let reply = match ok.as_str() {
                "()" => Reply::Json,
                "ByteStream" => Reply::Binary,
                "reqwest::Upgraded" => Reply::Upgraded,
                _ => Reply::Typed(quote!(#ok_ty)),
            };
            ops.push(Operation {
                id,
                snake,
                method: method.to_uppercase(),
                path: path.clone(),
                tag_trait,
                path_params,
                query_params,
                body,
                status,
                dialect: dialect.clone(),
                lenient,
                session_required,
                trust_requester,
                reply,
            });
        }
    }
    ops
}

/// `value`, or what its `$ref` (`#/components/...`) names.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(pointer) => spec
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved $ref {pointer}")),
        None => value,
    }
}

/// A parameter name as a Rust field: snake case, keywords escaped, and `_` (a cache buster
/// the image routes take) named for what it is.
fn field_name(name: &str) -> String {
    let snake = name.to_snake_case();
    match snake.as_str() {
        "" => "cache_buster".to_owned(),
        "type" | "ref" | "match" | "move" | "self" | "in" | "for" | "loop" | "fn" => {
            format!("r#{snake}")
        }
        _ => snake,
    }
}

fn kind_type(kind: Kind, required: bool) -> TokenStream {
    let base = match kind {
        Kind::Str => quote!(String),
        Kind::Int => quote!(i64),
        Kind::Num => quote!(f64),
        Kind::Bool => quote!(bool),
        Kind::List => return quote!(Vec<String>),
    };
    if required {
        base
    } else {
        quote!(Option<#base>)
    }
}

/// The traits, dispatch functions and tables of `ops`; the tables are named
/// `{prefix}OPERATIONS` and `{prefix}FORWARDS`.
fn generate_api(ops: &[Operation], implemented: &HashSet<String>, prefix: &str) -> TokenStream {
    let mut items = TokenStream::new();
    let mut traits: BTreeMap<&str, TokenStream> = BTreeMap::new();
    let mut table = TokenStream::new();
    for op in ops {
        let pascal = op.id.to_upper_camel_case();
        let fn_name = format_ident!("{}", op.snake);
        let call_name = format_ident!("call_{}", op.snake);
        let tr = format_ident!("{}Api", op.tag_trait);
        let doc = format!(" `{} {}` ({})", op.method, op.path, op.id);
        let mut args = quote!(ctx: &rt::Ctx);
        let mut parse = TokenStream::new();
        let mut pass = quote!(&ctx);

        if !op.path_params.is_empty() {
            let name = format_ident!("{pascal}Path");
            let fields = op.path_params.iter().map(|p| {
                let (f, ty) = (&p.field, kind_type(p.kind, true));
                quote!(pub #f: #ty,)
            });
            let inits = op.path_params.iter().map(|p| {
                let (f, n) = (&p.field, &p.name);
                match p.kind {
                    Kind::Int => quote!(#f: ctx.path_int(#n)?,),
                    _ => quote!(#f: ctx.path_str(#n)?,),
                }
            });
            items.extend(quote! {
                #[doc = concat!(" Path parameters of `", #pascal, "`.")]
                #[derive(Debug, Clone)]
                pub struct #name { #(#fields)* }
                impl #name {
                    fn parse(ctx: &rt::Ctx) -> Result<Self, ApiError> { Ok(Self { #(#inits)* }) }
                }
            });
            args.extend(quote!(, path: #name));
            parse.extend(quote!(let path = #name::parse(&ctx)?;));
            pass.extend(quote!(, path));
        }
        if !op.query_params.is_empty() {
            let name = format_ident!("{pascal}Query");
            let fields = op.query_params.iter().map(|p| {
                let f = &p.field;
                let ty = match p.name.as_str() {
                    "page" | "per_page" if !op.lenient => quote!(i64),
                    _ => kind_type(p.kind, p.required),
                };
                quote!(pub #f: #ty,)
            });
            let inits = op.query_params.iter().map(|p| {
                let (f, n) = (&p.field, &p.name);
                if op.lenient {
                    let getter = match (p.kind, p.required) {
                        (Kind::Int, false) => quote!(q.lenient_int(#n)),
                        (Kind::Bool, false) => quote!(q.lenient_bool(#n)),
                        (Kind::List, _) => quote!(q.bracketed_list(#n)),
                        (Kind::Str | Kind::Num, false) => quote!(q.string(#n)),
                        _ => panic!("{}: a required query value in a lenient contract", op.id),
                    };
                    return quote!(#f: #getter,);
                }
                let getter = match (p.name.as_str(), p.kind, p.required) {
                    ("page", ..) => return quote!(#f: q.page(),),
                    ("per_page", ..) => return quote!(#f: q.per_page(),),
                    (_, Kind::Str, false) => quote!(q.string(#n)),
                    (_, Kind::Str, true) => quote!(q.required_string(#n)?),
                    (_, Kind::Int, false) => quote!(q.int(#n)?),
                    (_, Kind::Int, true) => quote!(q.required(#n, q.int(#n)?)?),
                    (_, Kind::Num, false) => quote!(q.num(#n)?),
                    (_, Kind::Num, true) => quote!(q.required(#n, q.num(#n)?)?),
                    (_, Kind::Bool, false) => quote!(q.bool(#n)?),
                    (_, Kind::Bool, true) => quote!(q.required(#n, q.bool(#n)?)?),
                    (_, Kind::List, _) => quote!(q.list(#n)),
                };
                quote!(#f: #getter,)
            });
            items.extend(quote! {
                #[doc = concat!(" Query parameters of `", #pascal, "`.")]
                #[derive(Debug, Clone)]
                pub struct #name { #(#fields)* }
                impl #name {
                    fn parse(ctx: &rt::Ctx) -> Result<Self, ApiError> {
                        let q = ctx.query();
                        Ok(Self { #(#inits)* })
                    }
                }
            });
            args.extend(quote!(, query: #name));
            parse.extend(quote!(let query = #name::parse(&ctx)?;));
            pass.extend(quote!(, query));
        }
        let body_kind = match &op.body {
            Body::None => quote!(rt::BodyKind::None),
            Body::Json { ty, required, form } => {
                let reader = match (form, *required) {
                    (Some(fields), required) => {
                        let names = fields.iter().map(|(n, _)| n);
                        let kinds = fields.iter().map(|(_, k)| k);
                        let table = quote!(&[#((#names, crate::forms::FormKind::#kinds)),*]);
                        if required {
                            quote!(crate::forms::body::<#ty>(&ctx, req, #table))
                        } else {
                            quote!(crate::forms::optional_body::<#ty>(&ctx, req, #table))
                        }
                    }
                    (None, true) => quote!(rt::json_body::<#ty>(&ctx, req)),
                    (None, false) => quote!(rt::optional_json_body::<#ty>(&ctx, req)),
                };
                if *required {
                    args.extend(quote!(, body: #ty));
                } else {
                    args.extend(quote!(, body: Option<#ty>));
                }
                parse.extend(quote!(let body = #reader.await?;));
                pass.extend(quote!(, body));
                quote!(rt::BodyKind::Json)
            }
            Body::Multipart => {
                args.extend(quote!(, body: rt::Multipart));
                parse.extend(quote!(let body = rt::multipart_body(&ctx, req).await?;));
                pass.extend(quote!(, body));
                quote!(rt::BodyKind::Multipart)
            }
            Body::Raw => {
                args.extend(quote!(, body: bytes::Bytes));
                parse.extend(quote!(let body = rt::raw_body(&ctx, req).await?;));
                pass.extend(quote!(, body));
                quote!(rt::BodyKind::Raw)
            }
            Body::Stream => {
                args.extend(quote!(, body: rt::Upload));
                parse.extend(quote!(let body = rt::upload_body(&ctx, req).await?;));
                pass.extend(quote!(, body));
                quote!(rt::BodyKind::Stream)
            }
            Body::Upgrade => {
                args.extend(quote!(, upgrade: rt::WebSocketUpgrade));
                parse.extend(quote!(let upgrade = rt::websocket_upgrade(req).await?;));
                pass.extend(quote!(, upgrade));
                quote!(rt::BodyKind::Upgrade)
            }
        };
        let (ok_ty, finish) = match &op.reply {
            Reply::Typed(ty) => (ty.clone(), quote!(rt::json_reply(status, &out))),
            Reply::Json => (
                quote!(serde_json::Value),
                quote!(rt::json_reply(status, &out)),
            ),
            Reply::Binary => (quote!(rt::Binary), quote!(rt::binary_reply(status, out))),
            Reply::Upgraded => (quote!(rt::Upgraded), quote!(Ok::<_, ApiError>(out.0))),
        };
        let id = &op.id;
        let status = op.status;
        let session_required = op.session_required;
        let trust_requester = op.trust_requester;
        let dialect = &op.dialect;
        let guard = if session_required {
            quote!(ctx.session()?;)
        } else {
            TokenStream::new()
        };
        traits.entry(&op.tag_trait).or_default().extend(quote! {
            #[doc = #doc]
            fn #fn_name(#args) -> impl Future<Output = Result<#ok_ty, ApiError>> + Send {
                async { Err(ApiError::not_implemented(#id)) }
            }
        });
        let call = if implemented.contains(&op.snake) {
            let uses_req = !matches!(op.body, Body::None);
            let req_arg = if uses_req { quote!(req) } else { quote!(_req) };
            items.extend(quote! {
                fn #call_name(ctx: rt::Ctx, #req_arg: rt::Request) -> rt::BoxFuture {
                    Box::pin(async move {
                        let result = async {
                            #guard
                            #parse
                            let out = <Api as #tr>::#fn_name(#pass).await?;
                            let status = rt::status(#status);
                            #finish
                        }.await;
                        rt::finish(ctx, result)
                    })
                }
            });
            quote!(#call_name)
        } else {
            quote!(rt::not_implemented)
        };
        let (method, path) = (&op.method, &op.path);
        table.extend(quote! {
            rt::Operation {
                id: #id, method: #method, path: #path, body: #body_kind, status: #status,
                dialect: #dialect, session_required: #session_required, trust_requester: #trust_requester,
                call: #call,
            },
        });
    }
    let forwards = forwarded_routes(ops);
    let forward_rows = forwards
        .iter()
        .map(|(method, literal, index)| quote!((#method, #literal, #index),));
    let trait_items = traits.iter().map(|(name, methods)| {
        let tr = format_ident!("{}Api", name);
        let doc = format!(" The operations tagged `{name}` in the contract.");
        quote! {
            #[doc = #doc]
            pub trait #tr { #methods }
        }
    });
    let count = ops.len();
    let operations = format_ident!("{prefix}OPERATIONS");
    let forwards = format_ident!("{prefix}FORWARDS");
    quote! {
        #(#trait_items)*
        #items
        /// Every operation of the contract, in contract order.
        pub static #operations: [rt::Operation; #count] = [#table];
        /// `(method, literal path, index into the operations)`: a literal path that lacks a
        /// method its parameter sibling has is served by the sibling, as gorilla/mux would
        /// route it.
        pub static #forwards: &[(&str, &str, usize)] = &[#(#forward_rows)*];
    }
}

/// For each literal path and each method it lacks, the most specific parameter route that
/// the same URL would match.
fn forwarded_routes(ops: &[Operation]) -> Vec<(String, String, usize)> {
    let mut methods_by_path: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for op in ops {
        methods_by_path
            .entry(&op.path)
            .or_default()
            .push(&op.method);
    }
    let segments = |p: &str| p.split('/').map(str::to_owned).collect::<Vec<_>>();
    let is_param = |s: &str| s.starts_with('{');
    let mut out = Vec::new();
    for (literal, methods) in &methods_by_path {
        let lit = segments(literal);
        for method in METHODS.map(str::to_uppercase) {
            if methods.contains(&method.as_str()) {
                continue;
            }
            let best = ops
                .iter()
                .enumerate()
                .filter(|(_, op)| op.method == method && op.path != *literal)
                .filter(|(_, op)| {
                    let cand = segments(&op.path);
                    cand.len() == lit.len()
                        && cand.iter().zip(&lit).all(|(c, l)| {
                            if is_param(l) {
                                is_param(c)
                            } else {
                                is_param(c) || c == l
                            }
                        })
                })
                .max_by_key(|(_, op)| segments(&op.path).iter().filter(|s| !is_param(s)).count());
            if let Some((index, _)) = best {
                out.push((method, (*literal).to_owned(), index));
            }
        }
    }
    out
}
