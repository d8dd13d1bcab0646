//! The `websocket` tag of openapi/mattermost-extra.yaml: the upgrade to Mattermost's
//! websocket. The connection itself is served by src/realtime.rs.

use super::Api;
use crate::contract::{self, ConnectWebSocketQuery};
use crate::error::ApiError;
use crate::realtime;
use crate::rt::{Ctx, Upgraded, WebSocketUpgrade};
use axum::response::IntoResponse;

impl contract::WebsocketApi for Api {
    /// `GET /api/v4/websocket`: a session is optional (it may come later, by
    /// `authentication_challenge`); `connection_id` with `sequence_number` resumes a
    /// connection that closed in the last 5 minutes.
    async fn connect_web_socket(
        ctx: &Ctx,
        query: ConnectWebSocketQuery,
        upgrade: WebSocketUpgrade,
    ) -> Result<Upgraded, ApiError> {
        let caller = ctx.caller.clone();
        let options = realtime::Options {
            posted_ack: query.posted_ack.as_deref() == Some("true"),
        };
        let resume = realtime::resume_of(query.connection_id, query.sequence_number);
        let response = upgrade
            .max_message_size(realtime::MAX_FRAME)
            .read_buffer_size(realtime::READ_BUFFER)
            .write_buffer_size(realtime::WRITE_BUFFER)
            .on_upgrade(move |socket| realtime::serve(socket, caller, options, resume));
        Ok(Upgraded(response.into_response()))
    }
}
