//! The runtime that the generated glue (`gen.rs`) calls: the request context handed to every
//! handler, parameter and body parsing with Mattermost's rules, and reply rendering.

use crate::auth::{Caller, Session};
use crate::error::ApiError;
pub use crate::error::Dialect;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

pub type Request = axum::extract::Request;
pub type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send>>;
pub type Multipart = axum::extract::Multipart;
pub type WebSocketUpgrade = axum::extract::ws::WebSocketUpgrade;

/// The response of an accepted upgrade (101), as the handler built it.
pub struct Upgraded(pub Response);

/// The websocket upgrade a request asks for: 400
/// `api.web_socket.connect.upgrade.app_error` for a request that is not one.
pub async fn websocket_upgrade(req: Request) -> Result<WebSocketUpgrade, ApiError> {
    use axum::extract::FromRequestParts;
    let (mut parts, _) = req.into_parts();
    WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.web_socket.connect.upgrade.app_error",
                "Failed to upgrade websocket connection.",
            )
        })
}

/// How the glue reads an operation's request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Json,
    Multipart,
    Raw,
    /// An upload, handed to the handler unread.
    Stream,
    /// A websocket upgrade request.
    Upgrade,
}

/// One row of the generated operation table.
pub struct Operation {
    pub id: &'static str,
    pub method: &'static str,
    /// The contract path template, e.g. `/api/v4/users/{user_id}`.
    pub path: &'static str,
    pub body: BodyKind,
    /// The success status the contract declares first (the one Mattermost answers).
    pub status: u16,
    /// The API the operation belongs to: its error shape and token source.
    pub dialect: Dialect,
    /// Whether Mattermost's handler requires a session: the glue answers 401 without one.
    pub session_required: bool,
    /// Whether a session is optional and a bad token ignored (APIHandlerTrustRequester).
    pub trust_requester: bool,
    pub call: fn(Ctx, Request) -> BoxFuture,
}

/// A binary success body (images, files): bytes in memory, or a stream (a stored file,
/// read as it is sent).
pub struct Binary {
    pub content_type: String,
    pub body: Payload,
}

pub enum Payload {
    Bytes(Bytes),
    Stream(axum::body::Body),
}

impl Binary {
    pub fn bytes(content_type: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            content_type: content_type.into(),
            body: Payload::Bytes(bytes.into()),
        }
    }
}

/// A request body handed to the handler unread (uploads: multipart or raw), capped at
/// `FileSettings.MaxFileSize` and 512 bytes, as Mattermost's file API caps it.
pub struct Upload {
    req: Request,
}

impl Upload {
    /// The multipart boundary's form, when the body is `multipart/form-data`.
    pub fn is_multipart(&self) -> bool {
        self.req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("multipart/form-data"))
    }

    /// The declared length (None when not declared or not a number).
    pub fn content_length(&self) -> Option<u64> {
        self.req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    /// Whether the request says its body is empty: `Content-Length: 0`, or neither a
    /// length nor chunked encoding (as Go reads a request's ContentLength).
    pub fn declared_empty(&self) -> bool {
        match self.content_length() {
            Some(n) => n == 0,
            None => !self.req.headers().contains_key(header::TRANSFER_ENCODING),
        }
    }

    /// The body as a multipart form, read part by part as it arrives.
    pub async fn multipart(self) -> Result<Multipart, ApiError> {
        use axum::extract::FromRequest;
        Multipart::from_request(self.req, &()).await.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.file.upload_file.read_request.app_error",
                "Unable to upload file(s). Error reading or parsing request data.",
            )
            .detail(e.body_text())
        })
    }

    /// The whole body, read into memory: at most `limit` bytes (413 beyond).
    pub async fn bytes_up_to(self, limit: usize) -> Result<Bytes, ApiError> {
        let limited = http_body_util::Limited::new(self.req.into_body(), limit);
        Ok(http_body_util::BodyExt::collect(limited)
            .await
            .map_err(|_| ApiError::body_too_large(limit))?
            .to_bytes())
    }

    /// The body as it arrives.
    pub fn into_body(self) -> axum::body::Body {
        self.req.into_body()
    }
}

/// An upload's body, unread: 413 at once when it declares more than the file size limit.
pub async fn upload_body(ctx: &Ctx, req: Request) -> Result<Upload, ApiError> {
    let limit = ctx.state.config().file_settings.max_file_size + 512;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "api.file.upload_file.too_large_detailed.app_error",
            format!("Unable to upload file. The request is larger than the {limit} bytes allowed."),
        ));
    }
    let (parts, body) = req.into_parts();
    let limited = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    Ok(Upload {
        req: Request::from_parts(parts, limited),
    })
}

/// What a handler may add to its success response besides the body.
#[derive(Default)]
struct Extras {
    headers: HeaderMap,
    status: Option<StatusCode>,
}

/// The request context every handler receives: state, who is calling, and the raw request
/// facts the typed parameters do not carry.
pub struct Ctx {
    /// What the layers below see of the request (state, session, id, address, path);
    /// `ctx.state`, `ctx.session` and the rest read through to it.
    pub caller: Caller,
    pub operation: &'static Operation,
    pub headers: HeaderMap,
    path_params: Vec<(&'static str, String)>,
    raw_query: String,
    extras: Mutex<Extras>,
}

impl std::ops::Deref for Ctx {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl Ctx {
    #[expect(clippy::too_many_arguments, reason = "built once, by the router")]
    pub(crate) fn new(
        state: AppState,
        request_id: String,
        operation: &'static Operation,
        headers: HeaderMap,
        path: String,
        ip: String,
        session: Option<Session>,
        path_params: Vec<(&'static str, String)>,
        raw_query: String,
    ) -> Self {
        Self {
            caller: Caller {
                state,
                session,
                request_id,
                ip,
                path,
            },
            operation,
            headers,
            path_params,
            raw_query,
            extras: Mutex::default(),
        }
    }

    /// Adds a header to the success response.
    pub fn set_header(&self, name: HeaderName, value: HeaderValue) {
        if let Ok(mut extras) = self.extras.lock() {
            extras.headers.append(name, value);
        }
    }

    /// Sets `ETag: etag` on the reply; 304 (as an error to return) when the client's copy,
    /// named by `If-None-Match`, is that one.
    pub fn etag(&self, etag: &str) -> Result<(), ApiError> {
        if self.header("if-none-match") == Some(etag) {
            return Err(ApiError::not_modified());
        }
        if let Ok(value) = HeaderValue::from_str(etag) {
            self.set_header(header::ETAG, value);
        }
        Ok(())
    }

    /// Overrides the contract's success status (for operations with more than one).
    pub fn set_status(&self, status: StatusCode) {
        if let Ok(mut extras) = self.extras.lock() {
            extras.status = Some(status);
        }
    }

    /// A request header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn path_str(&self, name: &str) -> Result<String, ApiError> {
        self.path_params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty() && !v.contains('\0'))
            .ok_or_else(|| ApiError::invalid_url_param(name))
    }

    pub(crate) fn path_int(&self, name: &str) -> Result<i64, ApiError> {
        self.path_str(name)?
            .parse()
            .map_err(|_| ApiError::invalid_url_param(name))
    }

    /// The query string as sent (undecoded).
    pub fn raw_query(&self) -> &str {
        &self.raw_query
    }

    /// The query string, for parameters Mattermost reads but the contract does not declare.
    pub fn query(&self) -> QueryMap {
        QueryMap::parse(&self.raw_query)
    }
}

/// The query string as decoded pairs, read with Mattermost's parsing rules.
pub struct QueryMap {
    pairs: Vec<(String, String)>,
}

/// Mattermost's paging: `per_page` defaults to 60 and is cut to 200.
pub const PER_PAGE_DEFAULT: i64 = 60;
pub const PER_PAGE_MAXIMUM: i64 = 200;
/// The last page a list reads: far past any list's end, and small enough that its offset
/// fits every database's integer whatever the page size.
pub const PAGE_MAXIMUM: i64 = 1_000_000_000;

impl QueryMap {
    pub fn parse(raw: &str) -> Self {
        Self {
            pairs: form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        }
    }

    /// A parameter's value; one holding a NUL character (which no stored text can hold)
    /// counts as not given.
    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.contains('\0'))
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    pub fn required_string(&self, name: &str) -> Result<String, ApiError> {
        self.string(name)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::invalid_param(name))
    }

    pub fn required<T>(&self, name: &str, value: Option<T>) -> Result<T, ApiError> {
        value.ok_or_else(|| ApiError::invalid_param(name))
    }

    /// A number: absent or empty is None; anything that does not parse is a 400.
    fn parsed<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid_param(name)),
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.parsed(name)
    }

    pub fn num(&self, name: &str) -> Result<Option<f64>, ApiError> {
        self.parsed(name)
    }

    /// Booleans accept every spelling Go's `strconv.ParseBool` accepts.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => parse_go_bool(v)
                .map(Some)
                .ok_or_else(|| ApiError::invalid_param(name)),
        }
    }

    /// Repeated keys, and comma-separated values within each.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .filter(|s| !s.is_empty() && !s.contains('\0'))
            .map(str::to_owned)
            .collect()
    }

    /// Corteza's unsigned number: absent is None, a value that does not parse reads as 0.
    pub fn lenient_int(&self, name: &str) -> Option<i64> {
        self.get(name)
            .map(|v| v.trim().parse::<u32>().map_or(0, i64::from))
    }

    /// Corteza's boolean: true for `t`, `true`, `y`, `yes` or `1` (any case, trimmed),
    /// false for anything else; absent is None.
    pub fn lenient_bool(&self, name: &str) -> Option<bool> {
        self.get(name).map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "t" | "true" | "y" | "yes" | "1"
            )
        })
    }

    /// A list as Corteza reads one: repeated `name=` or `name[]=`.
    pub fn bracketed_list(&self, name: &str) -> Vec<String> {
        let mut values = self.list(name);
        values.extend(self.list(&format!("{name}[]")));
        values
    }

    /// A malformed or negative page reads as 0, as Mattermost does.
    ///
    /// Pages past [`PAGE_MAXIMUM`] read as that page (which is empty anyway), so that a
    /// page's first row (`page * per_page`) stays within what the databases take: a larger
    /// offset made the SQLite binding panic.
    pub fn page(&self) -> i64 {
        self.get("page")
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|p| *p >= 0)
            .map_or(0, |p| p.min(PAGE_MAXIMUM))
    }

    /// A malformed or negative `per_page` reads as 60; above 200 it is cut to 200.
    pub fn per_page(&self) -> i64 {
        self.get("per_page")
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|p| *p >= 0)
            .map_or(PER_PAGE_DEFAULT, |p| p.min(PER_PAGE_MAXIMUM))
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Reads the whole body, refusing more than `limit` bytes with 413.
async fn read_limited(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::body_too_large(limit));
    }
    let body = http_body_util::Limited::new(req.into_body(), limit);
    match body.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            Err(ApiError::body_too_large(limit))
        }
        Err(e) => Err(ApiError::invalid_body_param("body").detail(e.to_string())),
    }
}

pub async fn raw_body(ctx: &Ctx, req: Request) -> Result<Bytes, ApiError> {
    read_limited(
        req,
        ctx.state
            .config()
            .service_settings
            .maximum_payload_size_bytes,
    )
    .await
}

pub async fn optional_json_body<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    req: Request,
) -> Result<Option<T>, ApiError> {
    let bytes = raw_body(ctx, req).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let bad = |e: serde_json::Error| ApiError::invalid_body_param("body").detail(e.to_string());
    // A NUL character can be in JSON but in no stored text (PostgreSQL refuses it): such a
    // body is the client's mistake, answered 400 before anything reads it.
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(bad)?;
        if has_nul(&value) {
            return Err(ApiError::invalid_body_param("body").detail("a NUL character"));
        }
        return serde_json::from_value(value).map(Some).map_err(bad);
    }
    serde_json::from_slice(&bytes).map(Some).map_err(bad)
}

pub async fn json_body<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    req: Request,
) -> Result<T, ApiError> {
    optional_json_body(ctx, req)
        .await?
        .ok_or_else(|| ApiError::invalid_body_param("body"))
}

/// True when any string (or key) in `value` holds a NUL character.
pub(crate) fn has_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(has_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Multipart bodies are streamed to the handler, capped by FileSettings.MaxFileSize.
pub async fn multipart_body(ctx: &Ctx, req: Request) -> Result<Multipart, ApiError> {
    use axum::extract::FromRequest;
    let limit = ctx.state.config().file_settings.max_file_size;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::body_too_large(limit));
    }
    let (parts, body) = req.into_parts();
    let limited = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    let req = Request::from_parts(parts, limited);
    Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::invalid_body_param("multipart form").detail(e.body_text()))
}

pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
}

/// A JSON success body with `status`.
pub fn json_reply<T: serde::Serialize>(status: StatusCode, out: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(out)
        .map_err(|e| ApiError::internal(format!("encoding the reply: {e}")))?;
    let content_type = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )];
    Ok((status, content_type, body).into_response())
}

/// A binary success body (an image, a file) with `status`.
pub fn binary_reply(status: StatusCode, out: Binary) -> Result<Response, ApiError> {
    let content_type = HeaderValue::from_str(&out.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let headers = [(header::CONTENT_TYPE, content_type)];
    Ok(match out.body {
        Payload::Bytes(bytes) => (status, headers, bytes).into_response(),
        Payload::Stream(body) => (status, headers, body).into_response(),
    })
}

/// Where an operation without a handler is routed: the generated 501, before any parsing.
pub fn not_implemented(ctx: Ctx, _req: Request) -> BoxFuture {
    Box::pin(async move {
        let id = ctx.operation.id;
        finish(ctx, Err(ApiError::not_implemented(id)))
    })
}

/// Turns a handler's outcome into the response, with the handler's extra headers.
pub fn finish(ctx: Ctx, result: Result<Response, ApiError>) -> Response {
    let mut response = match result {
        Ok(r) => r,
        Err(e) => return e.render(ctx.operation.dialect, &ctx.request_id),
    };
    if let Ok(extras) = ctx.extras.into_inner() {
        if let Some(status) = extras.status {
            *response.status_mut() = status;
            // A 204 has no body, whatever the handler's success type would carry.
            if status == StatusCode::NO_CONTENT {
                *response.body_mut() = axum::body::Body::empty();
                response.headers_mut().remove(header::CONTENT_TYPE);
                response.headers_mut().remove(header::CONTENT_LENGTH);
            }
        }
        for (name, value) in extras.headers.iter() {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}
