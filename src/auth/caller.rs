//! Who is asking, as the layers below the HTTP handlers see a request: the server state,
//! the session (if any) and the request facts Mattermost's app layer records (its id, the
//! caller's address, the path). No headers, cookies or response: those stay in src/api.

use super::Session;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Clone)]
pub struct Caller {
    pub state: AppState,
    pub session: Option<Session>,
    pub request_id: String,
    /// The caller's address (the socket peer).
    pub ip: String,
    /// The request's path as sent (Mattermost records it as an audit's action).
    pub path: String,
}

impl Caller {
    /// The server itself, for work no request started (timers, background tasks).
    pub fn background(state: &AppState) -> Self {
        Self {
            state: state.clone(),
            session: None,
            request_id: crate::ids::new_id(),
            ip: String::new(),
            path: String::new(),
        }
    }

    /// The caller's session, or 401 when the request carries none.
    pub fn session(&self) -> Result<&Session, ApiError> {
        self.session.as_ref().ok_or_else(ApiError::unauthorized)
    }
}
