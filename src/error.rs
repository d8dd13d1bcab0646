//! The one error type of the API, rendered as Mattermost's `AppError` JSON.
//!
//! The client sees `id`, `message`, `detailed_error`, `request_id` and `status_code`; the
//! internal cause of a 5xx is logged and never serialised.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;

/// Mattermost error ids used by the runtime. Handlers name their own next to their code.
pub mod ids {
    pub const NOT_FOUND: &str = "api.context.404.app_error";
    pub const INVALID_URL_PARAM: &str = "api.context.invalid_url_param.app_error";
    pub const INVALID_PARAM: &str = "api.context.invalid_param.app_error";
    pub const INVALID_BODY_PARAM: &str = "api.context.invalid_body_param.app_error";
    pub const PERMISSIONS: &str = "api.context.permissions.app_error";
    pub const SESSION_EXPIRED: &str = "api.context.session_expired.app_error";
    pub const TOKEN_PROVIDED: &str = "api.context.token_provided.app_error";
    pub const MFA_REQUIRED: &str = "api.context.mfa_required.app_error";
    pub const BODY_TOO_LARGE: &str = "api.context.request_body_too_large.app_error";
    pub const NOT_IMPLEMENTED: &str = "api.ferromost.not_implemented.app_error";
    pub const METHOD_NOT_ALLOWED: &str = "api.ferromost.method_not_allowed.app_error";
    pub const INTERNAL: &str = "api.ferromost.internal.app_error";
    pub const BOT_MISSING: &str = "store.sql_bot.get.missing.app_error";
}

/// Corteza's generic error message (for failures inside the server, and for a role or user
/// an operation names that is not there).
pub const CORTEZA_INTERNAL: &str = "failed to complete request due to internal error";

/// The id of Corteza's "no such file" (an automation bundle or an attachment's bytes),
/// which Corteza answers with an empty 404.
pub const CORTEZA_NO_FILE: &str = "corteza.no_file";

/// The API an operation belongs to, which decides its error shape and where its caller's
/// token is read (each contract in `openapi/` declares it as `x-ferromost-dialect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Mattermost's `AppError` JSON; the token from the cookie, `Authorization` or query.
    Mattermost,
    /// `{"error": "<text>"}` with the HTTP status; the token in `x-chatcaptain-key`.
    ChatCaptain,
    /// Corteza 2020.9's `{"error": {"message": "<text>"}}` with HTTP 200 (only the
    /// router's own answers keep 404, 405 or 501); the token from `?jwt=`,
    /// `Authorization: Bearer` or the `jwt` cookie.
    Corteza,
}

/// An error answered to the client as `AppError` JSON.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub id: Cow<'static, str>,
    pub message: String,
    pub detailed_error: String,
    /// Logged, never sent.
    pub cause: Option<String>,
    /// An answer of the router itself (no such route or method, no handler yet), which
    /// keeps its status in every API.
    pub routing: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, id: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            id: Cow::Borrowed(id),
            message: message.into(),
            detailed_error: String::new(),
            cause: None,
            routing: false,
        }
    }

    fn routing(mut self) -> Self {
        self.routing = true;
        self
    }

    /// Adds the `detailed_error` text the client sees.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detailed_error = detail.into();
        self
    }

    /// 400: a path parameter is missing or malformed.
    pub fn invalid_url_param(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ids::INVALID_URL_PARAM,
            format!("The {name} parameter in the URL is missing or not valid."),
        )
    }

    /// 400: a query parameter or field is not valid.
    pub fn invalid_param(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ids::INVALID_PARAM,
            format!("The {name} parameter is not valid."),
        )
    }

    /// 400: the body is missing, is not JSON, or lacks a field.
    pub fn invalid_body_param(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ids::INVALID_BODY_PARAM,
            format!("The {name} in the request body is missing or not valid."),
        )
    }

    /// 401: no valid session.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ids::SESSION_EXPIRED,
            "The session is not valid or has expired; log in again.",
        )
    }

    /// 403: the session lacks a permission.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ids::PERMISSIONS,
            "You do not have the permission this action needs.",
        )
    }

    /// 404 for an unknown route.
    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ids::NOT_FOUND,
            "There is no such API route.",
        )
        .routing()
    }

    /// 405: the path exists but not with this method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ids::METHOD_NOT_ALLOWED,
            "This path does not accept that HTTP method.",
        )
        .routing()
    }

    /// 413: the request body is larger than the server accepts.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ids::BODY_TOO_LARGE,
            format!("The request body is larger than the {limit} bytes this server accepts."),
        )
    }

    /// 501: the operation is in the contract but has no handler yet.
    pub fn not_implemented(operation_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            ids::NOT_IMPLEMENTED,
            format!("ferromost does not implement {operation_id} yet."),
        )
        .routing()
    }

    /// 304: the client's cached copy (its `If-None-Match`) is current; no body.
    /// 404 for a bot that does not exist, or that the caller may not even read.
    pub fn bot_missing() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ids::BOT_MISSING,
            "There is no such bot.",
        )
    }

    pub fn not_modified() -> Self {
        Self::new(StatusCode::NOT_MODIFIED, "", "")
    }

    /// 500 with a cause that is logged but not shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ids::INTERNAL,
            "The server failed to complete the request.",
        );
        e.cause = Some(cause.to_string());
        e
    }

    /// Renders the error in the shape of the API that answers (`dialect`).
    pub fn render(self, dialect: Dialect, request_id: &str) -> Response {
        match dialect {
            Dialect::Mattermost => self.into_response_with(request_id),
            Dialect::ChatCaptain => {
                self.log(request_id);
                let text = if self.detailed_error.is_empty() {
                    self.message
                } else {
                    format!("{} ({})", self.message, self.detailed_error)
                };
                (
                    self.status,
                    axum::Json(serde_json::json!({ "error": text })),
                )
                    .into_response()
            }
            Dialect::Corteza => {
                self.log(request_id);
                if self.id == CORTEZA_NO_FILE {
                    return StatusCode::NOT_FOUND.into_response();
                }
                let status = if self.routing {
                    self.status
                } else {
                    StatusCode::OK
                };
                let body = serde_json::json!({ "error": { "message": self.corteza_message() } });
                (status, axum::Json(body)).into_response()
            }
        }
    }

    /// The text Corteza answers for the runtime's errors; a handler's own message
    /// otherwise.
    fn corteza_message(&self) -> String {
        match self.id.as_ref() {
            ids::SESSION_EXPIRED | ids::TOKEN_PROVIDED | ids::MFA_REQUIRED => {
                "Unauthorized".to_owned()
            }
            ids::INVALID_URL_PARAM => "invalid ID".to_owned(),
            ids::INVALID_BODY_PARAM => {
                format!("error parsing http request body: {}", self.detailed_error)
            }
            ids::INTERNAL => CORTEZA_INTERNAL.to_owned(),
            _ => self.message.clone(),
        }
    }

    fn log(&self, request_id: &str) {
        if let Some(cause) = &self.cause {
            tracing::error!(request_id, id = %self.id, cause = %cause, "request failed");
        }
    }

    /// Renders the AppError body for the request `request_id`.
    pub fn into_response_with(self, request_id: &str) -> Response {
        if self.status == StatusCode::NOT_MODIFIED {
            return StatusCode::NOT_MODIFIED.into_response();
        }
        self.log(request_id);
        let body = serde_json::json!({
            "id": self.id,
            "message": self.message,
            "detailed_error": self.detailed_error,
            "request_id": request_id,
            "status_code": self.status.as_u16(),
        });
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::internal(format!("database: {e}"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.id,
            self.status.as_u16(),
            self.message
        )
    }
}
