//! The websocket (`GET /api/v4/websocket`), as ../shared/reference/mattermost-server/
//! websocket.md describes Mattermost's: authentication by the upgrade's session or by the
//! `authentication_challenge` action within 5 s; `hello` as event 0; events numbered per
//! connection without gaps; replies `{status, seq_reply, data|error}`; the client actions;
//! protocol pings every 60 s and a 100 s pong deadline; and the delivery rules of §2.2
//! applied to every event the app layer publishes (src/app/events.rs).
//!
//! A transport, beside src/api: it reads and writes frames and asks src/app and src/auth
//! for everything else.

mod queue;

pub use queue::Registry;
use queue::{Accepted, Events, Filter, Link, Resumed};

use crate::auth::permissions::{self, ids as perm};
use crate::auth::{Caller, Session};
use crate::ids::{is_valid_id, new_id, now_millis};
use axum::extract::ws::{Message, WebSocket};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep_until};

/// A connection without a session is closed this long after opening.
const AUTH_DEADLINE: Duration = Duration::from_secs(5);
/// Protocol pings, and how long after the last pong the socket is given up.
const PING_INTERVAL: Duration = Duration::from_secs(60);
const PONG_WAIT: Duration = Duration::from_secs(100);
/// The largest frame a client may send.
pub const MAX_FRAME: usize = 8192;
/// The socket's read buffer starts this small (tungstenite's default is 128 KiB, which
/// 10,000 idle connections cannot afford; clients send frames of a few dozen bytes); it
/// grows for a larger frame.
pub const READ_BUFFER: usize = 1024;
/// Frames are written once this much waits (or at once when flushed, as every event is).
pub const WRITE_BUFFER: usize = 4096;

/// What the upgrade request asked for.
pub struct Options {
    /// `posted_ack=true`: `posted` events carry `should_ack` where Mattermost adds it.
    pub posted_ack: bool,
}

/// One socket's state; its queues are the link's (queue.rs), which outlive it.
struct Conn {
    /// Shared with the link once it is registered.
    caller: Arc<Caller>,
    link: Option<Arc<Link>>,
    /// The link's subscription, while this socket serves it.
    events: Option<Events>,
    posted_ack: bool,
}

/// What woke a connection's task.
enum Step {
    Published(Result<Arc<crate::app::events::Event>, RecvError>),
    Woken,
    Incoming(Option<Result<Message, axum::Error>>),
    Expired,
    Ping,
}

/// A reply to request `seq`.
fn reply(seq: i64, outcome: Result<Option<Value>, Failure>) -> Value {
    let mut out = Map::new();
    match outcome {
        Ok(data) => {
            out.insert("status".into(), "OK".into());
            if let Some(data) = data.filter(|d| d.as_object().is_none_or(|o| !o.is_empty())) {
                out.insert("data".into(), data);
            }
        }
        Err(f) => {
            out.insert("status".into(), "FAIL".into());
            out.insert(
                "error".into(),
                json!({
                    "id": f.id,
                    "message": f.message,
                    "detailed_error": "",
                    "status_code": f.status,
                }),
            );
        }
    }
    if seq != 0 {
        out.insert("seq_reply".into(), seq.into());
    }
    Value::Object(out)
}

/// A failed action, as Mattermost's websocket errors carry it.
struct Failure {
    id: &'static str,
    message: String,
    status: u16,
}

fn failure(id: &'static str, message: &str, status: u16) -> Failure {
    Failure {
        id,
        message: message.to_owned(),
        status,
    }
}

fn invalid_param(name: &str) -> Failure {
    Failure {
        id: "api.websocket_handler.invalid_param.app_error",
        message: format!("Invalid {name} parameter."),
        status: 400,
    }
}

/// The host name `hello` reports (absent when it cannot be read).
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// What the upgrade asked to resume.
pub enum Resume {
    /// A fresh connection.
    Fresh,
    /// `connection_id` and `sequence_number`, well formed.
    From(String, i64),
    /// Malformed: Mattermost closes the socket right after the upgrade.
    Bad,
}

/// Serves one upgraded connection until it closes.
pub async fn serve(mut socket: WebSocket, caller: Caller, options: Options, resume: Resume) {
    let mut conn = Conn {
        caller: Arc::new(caller),
        link: None,
        events: None,
        posted_ack: options.posted_ack,
    };
    match resume {
        // Only an upgrade with a session may resume (or be refused for asking badly).
        Resume::Bad if conn.caller.session.is_some() => return,
        Resume::From(id, seq)
            if conn.caller.session.is_some()
                && !Box::pin(conn.resumed(&mut socket, &id, seq)).await =>
        {
            return;
        }
        _ => {}
    }
    // The rarely taken paths are boxed: an idle connection's task holds only the loop.
    if conn.caller.session.is_some() && conn.link.is_none() && !Box::pin(conn.opened()).await {
        return;
    }
    let opened = Instant::now();
    let mut last_pong = Instant::now();
    let mut next_ping = opened + PING_INTERVAL;
    // One timer for the whole connection (the next ping or the deadline, whichever comes
    // first), moved only when that changes.
    let timer = sleep_until(opened + AUTH_DEADLINE);
    tokio::pin!(timer);
    // Whether a session is here (kept beside the loop: the caller lives elsewhere).
    let mut authenticated = conn.caller.session.is_some();
    loop {
        let deadline = if authenticated {
            last_pong + PONG_WAIT
        } else {
            opened + AUTH_DEADLINE
        };
        if timer.deadline() != deadline.min(next_ping) {
            timer.as_mut().reset(deadline.min(next_ping));
        }
        let link = &conn.link;
        let wake = std::future::poll_fn(|cx| match link {
            Some(link) => link.wake.poll_woken(cx),
            None => std::task::Poll::Pending,
        });
        let published = async {
            match &mut conn.events {
                Some(events) => events.recv().await,
                None => std::future::pending().await,
            }
        };
        // Events and what is ready to write first, then what the client sent, then the
        // timers.
        let step = tokio::select! {
            biased;
            published = published => Step::Published(published),
            () = wake => Step::Woken,
            incoming = socket.recv() => Step::Incoming(incoming),
            () = &mut timer => if Instant::now() >= deadline { Step::Expired } else { Step::Ping },
        };
        let open = match step {
            Step::Published(published) => match (&conn.link, &mut conn.events) {
                (Some(link), Some(events)) => match link.accept(events, published, true).await {
                    Accepted::Write(frame) => socket.send(Message::Text(frame)).await.is_ok(),
                    Accepted::Queued => conn.flush(&mut socket).await,
                    Accepted::Skipped => true,
                    Accepted::Closed => {
                        link.close();
                        false
                    }
                },
                _ => false,
            },
            Step::Woken => conn.flush(&mut socket).await,
            Step::Incoming(incoming) => {
                let Some(Ok(message)) = incoming else { break };
                let request = match message {
                    Message::Text(text) if text.len() <= MAX_FRAME => {
                        serde_json::from_str::<Value>(text.as_str()).ok()
                    }
                    Message::Binary(bytes) if bytes.len() <= MAX_FRAME => {
                        rmp_serde::from_slice::<Value>(&bytes).ok()
                    }
                    Message::Pong(_) => {
                        last_pong = Instant::now();
                        if let Some(session) = &conn.caller.session {
                            let (caller, user_id) = (conn.caller.clone(), session.user_id.clone());
                            tokio::spawn(async move {
                                let _ = crate::app::presence::pong(&caller, &user_id).await;
                            });
                        }
                        continue;
                    }
                    Message::Ping(_) => continue,
                    _ => break,
                };
                let Some(request) = request else { break };
                let open = Box::pin(conn.act(&mut socket, request)).await;
                authenticated = conn.caller.session.is_some();
                open
            }
            Step::Expired => false,
            Step::Ping => {
                next_ping += PING_INTERVAL;
                socket.send(Message::Ping(Vec::new().into())).await.is_ok()
            }
        };
        if !open {
            break;
        }
    }
    Box::pin(conn.closed()).await;
}

impl Conn {
    /// A session arrived (at the upgrade or by challenge): a new connection, `hello`
    /// queued as its event 0, then online.
    async fn opened(&mut self) -> bool {
        let Some(session) = &self.caller.session else {
            return false;
        };
        let user_id = session.user_id.clone();
        let id = new_id();
        let mut data = Map::new();
        data.insert(
            "server_version".into(),
            self.caller.state.version_id().into(),
        );
        data.insert("connection_id".into(), id.clone().into());
        if let Some(host) = hostname() {
            data.insert("server_hostname".into(), host.into());
        }
        let broadcast = queue::broadcast_json(&crate::app::events::Broadcast::user(&user_id));
        let hello = queue::open_object(
            json!({"event": "hello", "data": data, "broadcast": broadcast}).to_string(),
        );
        let filter = Filter {
            admin: Filter::admin_of(&self.caller).await,
            caller: self.caller.clone(),
            posted_ack: self.posted_ack,
        };
        let registry = self.caller.state.realtime();
        let Some((link, events)) = registry.register(filter, id, hello) else {
            return false;
        };
        link.wake.notify();
        self.link = Some(link);
        self.events = Some(events);
        // Online, as Mattermost's NewWebConn: the `status_change` follows `hello`.
        let _ = crate::app::presence::connected(&self.caller, &user_id).await;
        true
    }

    /// A resume: the link's missed events go out again with their numbers and no `hello`;
    /// when nothing can be resumed, a new connection.
    async fn resumed(&mut self, socket: &mut WebSocket, id: &str, seq: i64) -> bool {
        let Some(session) = &self.caller.session else {
            return false;
        };
        let user_id = session.user_id.clone();
        match self.caller.state.realtime().resume(id, &user_id, seq) {
            Resumed::Link(link, again) => {
                let events = link.reclaim().await;
                if events.is_none() {
                    // The pump ended first (the link expired or was dropped): a new one.
                    return Box::pin(self.opened()).await;
                }
                for frame in again {
                    if socket.send(Message::Text(frame)).await.is_err() {
                        link.detach(events);
                        return false;
                    }
                }
                self.link = Some(link);
                self.events = events;
                let _ = crate::app::presence::connected(&self.caller, &user_id).await;
                true
            }
            Resumed::Lost => self.opened().await,
        }
    }

    /// Writes what the link queued; false when the link was dropped or the socket failed.
    async fn flush(&self, socket: &mut WebSocket) -> bool {
        let Some(link) = &self.link else {
            return true;
        };
        let Some(frames) = link.take() else {
            return false;
        };
        for frame in frames {
            if socket.send(Message::Text(frame)).await.is_err() {
                return false;
            }
        }
        true
    }

    async fn closed(&mut self) {
        if let Some(link) = &self.link {
            link.detach(self.events.take());
        }
        if let Some(session) = &self.caller.session {
            let _ = crate::app::presence::disconnected(&self.caller, &session.user_id).await;
        }
    }

    /// Handles one client request; false closes the socket.
    async fn act(&mut self, socket: &mut WebSocket, request: Value) -> bool {
        let seq = request["seq"].as_i64().unwrap_or(0);
        let action = request["action"].as_str().unwrap_or_default().to_owned();
        let data = request.get("data").cloned().unwrap_or(Value::Null);
        if action == "authentication_challenge" {
            if self.caller.session.is_some() {
                return true;
            }
            let Some(token) = data["token"].as_str() else {
                return false;
            };
            let Some(session) = authenticate(&self.caller, token).await else {
                return false;
            };
            Arc::make_mut(&mut self.caller).session = Some(session);
            if !self.opened().await || !self.flush(socket).await {
                return false;
            }
            return send_json(socket, &reply(seq, Ok(None))).await;
        }
        if action.starts_with("custom_") {
            return true;
        }
        let outcome = if action == "presence" {
            if let Some(link) = &self.link {
                link.set_presence(&data);
            }
            Ok(None)
        } else if action.is_empty() {
            Err(failure(
                "api.web_socket_router.no_action.app_error",
                "No websocket action.",
                400,
            ))
        } else if seq <= 0 {
            Err(failure(
                "api.web_socket_router.bad_seq.app_error",
                "Invalid sequence for WebSocket message.",
                400,
            ))
        } else if self.caller.session.is_none() {
            // Unauthenticated sockets get no replies (Mattermost routes replies through
            // the hub, which only knows authenticated connections).
            return true;
        } else {
            self.route(&action, &data).await
        };
        send_json(socket, &reply(seq, outcome)).await
    }

    /// The authenticated actions.
    async fn route(&self, action: &str, data: &Value) -> Result<Option<Value>, Failure> {
        let caller = &self.caller;
        let user_id = caller
            .session
            .as_ref()
            .map(|s| s.user_id.clone())
            .unwrap_or_default();
        match action {
            "ping" => Ok(Some(json!({
                "text": "pong",
                "version": crate::router::MATTERMOST_VERSION,
                "server_time": now_millis(),
                "node_id": "",
            }))),
            "posted_notify_ack" => Ok(None),
            "user_typing" => {
                let channel_id = data["channel_id"].as_str().unwrap_or_default();
                if !is_valid_id(channel_id) {
                    return Err(invalid_param("channel_id"));
                }
                let parent_id = data["parent_id"].as_str().unwrap_or_default();
                let allowed = permissions::has_channel(caller, channel_id, perm::CREATE_POST).await;
                if !allowed.unwrap_or(false) {
                    return Err(invalid_param("channel_id"));
                }
                crate::app::presence::typing(caller, &user_id, channel_id, parent_id).map_err(
                    |_| {
                        failure(
                            "api.websocket_handler.server_busy.app_error",
                            "Server is busy, non-critical services are temporarily unavailable.",
                            503,
                        )
                    },
                )?;
                Ok(None)
            }
            "user_update_active_status" => {
                let Some(active) = data["user_is_active"].as_bool() else {
                    return Err(invalid_param("user_is_active"));
                };
                let manual = data["manual"].as_bool().unwrap_or(false);
                crate::app::presence::activity(caller, &user_id, active, manual)
                    .await
                    .map_err(|_| invalid_param("user_is_active"))?;
                Ok(None)
            }
            "get_statuses" => crate::app::presence::all_not_offline(caller)
                .await
                .map(Some)
                .map_err(|_| failure("app.status.get.app_error", "Statuses not found.", 500)),
            "get_statuses_by_ids" => {
                let ids: Vec<String> = data["user_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                if ids.is_empty() {
                    return Err(invalid_param("user_ids"));
                }
                crate::app::presence::by_ids_map(caller, &ids)
                    .await
                    .map(Some)
                    .map_err(|_| invalid_param("user_ids"))
            }
            _ => Err(failure(
                "api.web_socket_router.bad_action.app_error",
                "Unknown WebSocket action.",
                500,
            )),
        }
    }
}

async fn send_json(socket: &mut WebSocket, value: &Value) -> bool {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .is_ok()
}

/// The session of `token`, as the REST API would accept it in an `Authorization` header
/// (and past MFA), or None.
async fn authenticate(caller: &Caller, token: &str) -> Option<Session> {
    let mut headers = axum::http::HeaderMap::new();
    let value = axum::http::HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    headers.insert(axum::http::header::AUTHORIZATION, value);
    let method = axum::http::Method::GET;
    let session = crate::auth::authenticate(&caller.state, &method, &headers, "")
        .await
        .ok()??;
    crate::auth::require_mfa_if_enforced(&caller.state, &session, "ConnectWebSocket", false)
        .ok()?;
    Some(session)
}

/// What `connection_id` and `sequence_number` ask for: nothing (absent or empty id), a
/// resume, or, malformed, a socket closed at once (as Mattermost).
pub fn resume_of(connection_id: Option<String>, sequence_number: Option<String>) -> Resume {
    let Some(id) = connection_id.filter(|id| !id.is_empty()) else {
        return Resume::Fresh;
    };
    let seq = sequence_number.and_then(|s| s.parse::<i64>().ok());
    match seq {
        Some(seq) if is_valid_id(&id) => Resume::From(id, seq),
        _ => Resume::Bad,
    }
}
