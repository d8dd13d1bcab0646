//! Builds the axum router from the generated operation table: one route per contract path,
//! each method served by the same type-erased service, so axum's generic stack is
//! instantiated once rather than per operation. No path is written here by hand.

use crate::auth;
use crate::contract::{
    CHATCAPTAIN_FORWARDS, CHATCAPTAIN_OPERATIONS, CORTEZA_FORWARDS, CORTEZA_OPERATIONS,
    EXTRA_FORWARDS, EXTRA_OPERATIONS, FORWARDS, OPERATIONS,
};
use crate::error::{ApiError, Dialect};
use crate::ids::new_id;
use crate::rt::{Ctx, Operation, Request};
use crate::state::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// The Mattermost version this server answers as, and its build number.
pub const MATTERMOST_VERSION: &str = "10.11.0";
/// One dot-free word, so that `X-Version-Id` keeps Mattermost's six dot-separated parts.
pub const BUILD_NUMBER: &str = "ferromost";

/// The header ChatCaptain's API reads its caller's key from.
pub const CHATCAPTAIN_KEY: &str = "x-chatcaptain-key";

/// Marks a request that came over the local-mode socket.
#[derive(Clone, Copy)]
pub struct LocalMode;

/// The id of the request, set by the outermost layer.
#[derive(Clone)]
struct RequestId(String);

/// Which operation answered, for the request log.
#[derive(Clone, Copy)]
struct Answered(&'static str);

/// A contract's forwarded literal routes: `(method, literal path, operation index)`.
type Forwards = &'static [(&'static str, &'static str, usize)];

/// Every contract's operations with its forwarded routes, Mattermost's first.
const TABLES: [(&[Operation], Forwards); 4] = [
    (&OPERATIONS, FORWARDS),
    (&EXTRA_OPERATIONS, EXTRA_FORWARDS),
    (&CHATCAPTAIN_OPERATIONS, CHATCAPTAIN_FORWARDS),
    (&CORTEZA_OPERATIONS, CORTEZA_FORWARDS),
];

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let mut paths: BTreeMap<String, MethodRouter> = BTreeMap::new();
    let mut add = |path: &'static str, op: &'static Operation, method: &str| {
        let path = axum_path(path);
        let Ok(method) = Method::from_bytes(method.as_bytes()) else {
            return;
        };
        let Ok(filter) = MethodFilter::try_from(method) else {
            return;
        };
        let service = OperationService {
            state: state.clone(),
            op,
        };
        let entry = paths.remove(&path).unwrap_or_default();
        paths.insert(path, entry.on_service(filter, service));
    };
    for (operations, forwards) in TABLES {
        for op in operations {
            add(op.path, op, op.method);
        }
        for &(method, literal, index) in forwards {
            if let Some(op) = operations.get(index) {
                add(literal, op, method);
            }
        }
    }
    let mut router = Router::new();
    for (path, methods) in paths {
        router = router.route(&path, methods.fallback(method_not_allowed));
    }
    router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state, common))
}

/// Serves one operation: resolves the session, reads the path parameters against the
/// operation's template, and hands over to the generated dispatch function.
#[derive(Clone)]
struct OperationService {
    state: AppState,
    op: &'static Operation,
}

impl tower::Service<Request> for OperationService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let (state, op) = (self.state.clone(), self.op);
        Box::pin(async move {
            let mut response = dispatch(state, op, req).await;
            response.extensions_mut().insert(Answered(op.path));
            Ok(response)
        })
    }
}

async fn dispatch(state: AppState, op: &'static Operation, req: Request) -> Response {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let local = req.extensions().get::<LocalMode>().is_some();
    let session = if local {
        Some(auth::Session::local())
    } else {
        let found = match op.dialect {
            Dialect::Mattermost => {
                auth::authenticate(&state, req.method(), req.headers(), &query).await
            }
            Dialect::ChatCaptain => {
                auth::authenticate_key(&state, req.headers(), CHATCAPTAIN_KEY).await
            }
            Dialect::Corteza => auth::authenticate_corteza(&state, req.headers(), &query).await,
        };
        match found {
            Ok(session) => session,
            // A trusting handler (the websocket) goes on without a session.
            Err(_) if op.trust_requester => None,
            Err(e) => return e.render(op.dialect, &request_id),
        }
    };
    let mut params = path_params(op.path, req.uri().path());
    if let Some(session) = &session {
        for (name, value) in &mut params {
            if *name == "user_id" && value == "me" {
                value.clone_from(&session.user_id);
            }
        }
    }
    let mut session = session;
    if let Some(current) = &session {
        let own = params
            .iter()
            .any(|(n, v)| *n == "user_id" && *v == current.user_id);
        if let Err(e) = auth::require_mfa_if_enforced(&state, current, op.id, own) {
            if !op.trust_requester {
                return e.render(op.dialect, &request_id);
            }
            // An MFA-pending session counts as none there (no events, no actions).
            session = None;
        }
    }
    let headers = req.headers().clone();
    let path = req.uri().path().to_owned();
    let ctx = Ctx::new(
        state, request_id, op, headers, path, ip, session, params, query,
    );
    (op.call)(ctx, req).await
}

/// The values of the template's `{name}` segments in `path`, percent-decoded. A segment
/// that mixes text and parameters (Corteza's `{bundle}-{type}.{ext}`) is matched piece by
/// piece: each parameter runs to the next occurrence of the text after it (the last text
/// of the segment, to its last occurrence); a value that does not fit gives no parameters.
fn path_params(template: &'static str, path: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (t, v) in template.split('/').zip(path.split('/')) {
        if !t.contains('{') {
            continue;
        }
        let value = percent_encoding::percent_decode_str(v)
            .decode_utf8_lossy()
            .into_owned();
        match whole_parameter(t) {
            Some(name) => out.push((name, value)),
            None => out.extend(mixed_segment(t, &value)),
        }
    }
    out
}

/// The parameters of one mixed segment (see [`path_params`]).
fn mixed_segment(template: &'static str, value: &str) -> Vec<(&'static str, String)> {
    // Pieces alternate: text before the first parameter, then (name, text after it).
    let mut pieces = template.split('{');
    let lead = pieces.next().unwrap_or_default();
    let Some(mut rest) = value.strip_prefix(lead) else {
        return Vec::new();
    };
    let pieces: Vec<(&'static str, &'static str)> =
        pieces.filter_map(|p| p.split_once('}')).collect();
    let mut out = Vec::new();
    for (i, (name, text)) in pieces.iter().enumerate() {
        let last_text = pieces[i + 1..].iter().all(|(_, t)| t.is_empty());
        let end = if text.is_empty() {
            Some(rest.len())
        } else if last_text {
            rest.rfind(text)
        } else {
            rest.find(text)
        };
        let Some(end) = end.filter(|e| *e > 0) else {
            return Vec::new();
        };
        out.push((*name, rest[..end].to_owned()));
        rest = &rest[end + text.len()..];
    }
    if rest.is_empty() { out } else { Vec::new() }
}

/// The name of a template segment that is one parameter and nothing else (`{user_id}`).
fn whole_parameter(segment: &str) -> Option<&str> {
    segment
        .strip_prefix('{')?
        .strip_suffix('}')
        .filter(|name| !name.contains(['{', '}']))
}

/// The route axum serves for a contract path: a segment that mixes text and parameters
/// becomes one parameter of its own, which [`path_params`] takes apart.
fn axum_path(template: &str) -> String {
    template
        .split('/')
        .enumerate()
        .map(|(i, seg)| {
            if seg.contains('{') && whole_parameter(seg).is_none() {
                format!("{{segment{i}}}")
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn request_id_of(req: &Request) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// The API a path that matched no operation is under, for its error's shape: that of the
/// operation whose path shares the most leading literal segments with it (Mattermost's
/// on a tie, its contracts coming first), so the contracts' own mount points decide.
fn dialect_of(req: &Request) -> Dialect {
    let path = req.uri().path();
    let shared = |template: &str| {
        template
            .split('/')
            .zip(path.split('/'))
            .take_while(|(t, p)| !t.contains('{') && t == p)
            .count()
    };
    let mut best = (0, Dialect::Mattermost);
    for op in TABLES.iter().flat_map(|(operations, _)| operations.iter()) {
        let n = shared(op.path);
        if n > best.0 {
            best = (n, op.dialect);
        }
    }
    best.1
}

async fn not_found(req: Request) -> Response {
    ApiError::route_not_found().render(dialect_of(&req), &request_id_of(&req))
}

async fn method_not_allowed(req: Request) -> Response {
    ApiError::method_not_allowed().render(dialect_of(&req), &request_id_of(&req))
}

/// The canonical form of `path` when it differs (Go's `path.Clean`, keeping a trailing
/// slash, as gorilla/mux cleans request paths): empty and `.` segments dropped, `..`
/// removing the one before.
fn clean_path(path: &str) -> Option<String> {
    if !path.contains("//") && !path.contains("/.") {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut clean = format!("/{}", parts.join("/"));
    if path.ends_with('/') && clean != "/" {
        clean.push('/');
    }
    (clean != path).then_some(clean)
}

/// Outermost layer: request id, the headers Mattermost sends on every response, and one log
/// line per request.
async fn common(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = new_id();
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut response = match clean_path(&path) {
        // As gorilla/mux does: a path that is not in canonical form ("//", "/./", "/../")
        // is redirected to the one that is. Clients rely on it: mattermostdriver asks for
        // a post's reactions at `/posts/{id}//reactions`.
        Some(clean) => {
            let location = match req.uri().query() {
                Some(q) => format!("{clean}?{q}"),
                None => clean,
            };
            let mut redirect = Response::new(axum::body::Body::empty());
            *redirect.status_mut() = axum::http::StatusCode::MOVED_PERMANENTLY;
            if let Ok(value) = HeaderValue::from_str(&location) {
                redirect.headers_mut().insert(header::LOCATION, value);
            }
            redirect
        }
        None => next.run(req).await,
    };
    let config = state.config();
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("x-request-id", &request_id);
    set("x-version-id", &state.version_id());
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "no-referrer");
    if method == Method::GET {
        set("expires", "0");
    }
    if config.service_settings.tls_strict_transport {
        let max_age = config.service_settings.tls_strict_transport_max_age;
        set("strict-transport-security", &format!("max-age={max_age}"));
    }
    if !response.headers().contains_key(header::CONTENT_TYPE) && response.status().as_u16() != 304 {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    let route = response.extensions().get::<Answered>().map_or("-", |a| a.0);
    tracing::info!(
        %method,
        route,
        path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        request_id,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::{axum_path, clean_path, path_params};

    /// The contract path of operation `id`.
    fn path_of(id: &str) -> &'static str {
        super::TABLES
            .iter()
            .flat_map(|(operations, _)| operations.iter())
            .find(|op| op.id == id)
            .map(|op| op.path)
            .unwrap_or_else(|| panic!("no operation {id}"))
    }

    #[test]
    fn mixed_segments_are_one_route_parameter_taken_apart() {
        let bundle = path_of("CortezaAutomationBundle");
        let (folder, _) = bundle.rsplit_once('/').unwrap();
        assert_eq!(axum_path(bundle), format!("{folder}/{{segment4}}"));
        assert_eq!(
            path_params(bundle, "/api/system/automation/system-client.min.js"),
            [
                ("bundle", "system".to_owned()),
                ("type", "client.min".to_owned()),
                ("ext", "js".to_owned())
            ]
        );
        assert!(path_params(bundle, "/api/system/automation/trigger").is_empty());
        let preview = path_of("CortezaAttachmentPreview");
        assert_eq!(
            path_params(preview, "/api/system/attachment/settings/12/preview.png"),
            [
                ("kind", "settings".to_owned()),
                ("attachmentID", "12".to_owned()),
                ("ext", "png".to_owned())
            ]
        );
        assert!(path_params(preview, "/api/system/attachment/settings/12/original.png").len() == 2);
        // Every path whose parameters are whole segments is routed as written.
        for op in &crate::contract::OPERATIONS {
            assert_eq!(axum_path(op.path), op.path);
        }
    }

    #[test]
    fn paths_are_cleaned_as_gorilla_mux_cleans_them() {
        assert_eq!(clean_path("/v4/users/me"), None);
        assert_eq!(
            clean_path("/v4/posts/abc//reactions").as_deref(),
            Some("/v4/posts/abc/reactions")
        );
        assert_eq!(
            clean_path("/v4/./users/x/../me").as_deref(),
            Some("/v4/users/me")
        );
        assert_eq!(clean_path("/v4/users/"), None);
        assert_eq!(clean_path("//v4//").as_deref(), Some("/v4/"));
        assert_eq!(clean_path("/v4/.hidden"), None);
    }
}
