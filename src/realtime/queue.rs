//! What outlives a socket: each connection's queues, as Mattermost's hub keeps them. A
//! pump task per connection filters the published events for it (§2.2 of websocket.md),
//! numbers them and queues them (at most 256 waiting; a connection that falls further
//! behind is dropped); the socket writes them and keeps the last 128 written. When the
//! socket closes, the connection stays for 5 minutes, still queueing, so that a client
//! reconnecting with its `connection_id` and `sequence_number` gets what it missed, with
//! the original numbers and no new `hello`.

use crate::app::events::{Broadcast, Event};
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::store::entity::{channel_member, team_member};
use axum::extract::ws::Utf8Bytes;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Events kept after they were written, for a resume.
const DEAD_QUEUE: usize = 128;
/// Events waiting to be written; more closes the connection.
const SEND_QUEUE: usize = 256;
/// How long a closed connection waits for its client to come back.
const RESUME_WINDOW: Duration = Duration::from_secs(300);

/// Every connection of this node, by connection id.
#[derive(Default)]
pub struct Registry {
    links: Mutex<HashMap<String, Arc<Link>>>,
}

/// One connection's queues, shared by its pump and whichever socket serves it.
pub struct Link {
    pub id: String,
    pub user_id: String,
    queues: Mutex<Queues>,
    /// Wakes the socket when something was queued (or the link was closed).
    pub wake: Notify,
    /// Where the client says it is (the `presence` action).
    presence: Mutex<Presence>,
}

/// The channel a client shows, and the channels of its open threads (None: not said).
#[derive(Default)]
struct Presence {
    channel: Option<String>,
    thread_channel: Option<String>,
    thread_view_channel: Option<String>,
}

struct Queues {
    next_seq: i64,
    /// Written events (seq, frame), oldest first.
    dead: VecDeque<(i64, Utf8Bytes)>,
    /// Events not written yet.
    pending: VecDeque<(i64, Utf8Bytes)>,
    /// A socket serves the link now.
    attached: bool,
    /// When the last socket left.
    detached_at: Instant,
    /// Dropped (queue full, events missed, or expired): the socket closes.
    closed: bool,
}

/// What a reconnecting client gets.
pub enum Resumed {
    /// The link, and the written events to send again first.
    Link(Arc<Link>, Vec<Utf8Bytes>),
    /// Nothing to resume: a new connection.
    Lost,
}

impl Link {
    /// The frames to write now (moved to the dead queue); None once the link is closed.
    pub fn take(&self) -> Option<Vec<Utf8Bytes>> {
        let mut q = self.queues.lock().ok()?;
        if q.closed {
            return None;
        }
        let out: Vec<(i64, Utf8Bytes)> = q.pending.drain(..).collect();
        for item in &out {
            if q.dead.len() == DEAD_QUEUE {
                q.dead.pop_front();
            }
            q.dead.push_back(item.clone());
        }
        Some(out.into_iter().map(|(_, f)| f).collect())
    }

    /// Records what the `presence` action says: the channel shown, or the channel of the
    /// thread open beside it (`is_thread_view` false) or in its own view (true).
    pub fn set_presence(&self, data: &Value) {
        let Ok(mut p) = self.presence.lock() else {
            return;
        };
        if let Some(channel) = data["channel_id"].as_str() {
            p.channel = Some(channel.to_owned());
        }
        if let Some(channel) = data["thread_channel_id"].as_str() {
            if data["is_thread_view"].as_bool() == Some(true) {
                p.thread_view_channel = Some(channel.to_owned());
            } else {
                p.thread_channel = Some(channel.to_owned());
            }
        }
    }

    /// Mattermost's event scope (FeatureFlags.WebSocketEventScope, on by default): typing
    /// and reactions of a channel the client shows nowhere are not sent to it.
    fn out_of_scope(&self, event: &Event) -> bool {
        let scoped = matches!(
            event.event.as_str(),
            "typing" | "reaction_added" | "reaction_removed"
        );
        let channel = &event.broadcast.channel_id;
        if !scoped || channel.is_empty() {
            return false;
        }
        let Ok(p) = self.presence.lock() else {
            return false;
        };
        let elsewhere =
            |c: &Option<String>| c.as_ref().is_some_and(|c| !c.is_empty() && c != channel);
        elsewhere(&p.channel) && elsewhere(&p.thread_channel) && elsewhere(&p.thread_view_channel)
    }

    /// The socket left; the link waits for a resume.
    pub fn detach(&self) {
        if let Ok(mut q) = self.queues.lock() {
            q.attached = false;
            q.detached_at = Instant::now();
        }
    }

    fn queue(&self, frame: impl FnOnce(i64) -> String) -> bool {
        let Ok(mut q) = self.queues.lock() else {
            return false;
        };
        if q.closed {
            return false;
        }
        if q.pending.len() >= SEND_QUEUE {
            q.closed = true;
            return false;
        }
        let seq = q.next_seq;
        q.next_seq += 1;
        q.pending.push_back((seq, frame(seq).into()));
        true
    }

    fn close(&self) {
        if let Ok(mut q) = self.queues.lock() {
            q.closed = true;
        }
        self.wake.notify_one();
    }

    fn expired(&self) -> bool {
        self.queues
            .lock()
            .map(|q| q.closed || (!q.attached && q.detached_at.elapsed() > RESUME_WINDOW))
            .unwrap_or(true)
    }
}

/// What a connection receives: its caller (with the session), whether they may see admin
/// copies, and whether it asked for `should_ack`.
pub struct Filter {
    pub caller: Arc<Caller>,
    pub admin: bool,
    pub posted_ack: bool,
}

impl Registry {
    /// A new connection for the caller (who has a session): `hello` is queued as event 0,
    /// then whatever is published from now on that is for them.
    pub fn register(
        &self,
        filter: Filter,
        id: String,
        hello: impl FnOnce(i64) -> String,
    ) -> Option<Arc<Link>> {
        let user_id = filter.caller.session.as_ref()?.user_id.clone();
        let link = Arc::new(Link {
            id: id.clone(),
            user_id,
            queues: Mutex::new(Queues {
                next_seq: 0,
                dead: VecDeque::new(),
                pending: VecDeque::new(),
                attached: true,
                detached_at: Instant::now(),
                closed: false,
            }),
            wake: Notify::new(),
            presence: Mutex::default(),
        });
        let events = filter.caller.state.events().subscribe();
        link.queue(hello);
        link.wake.notify_one();
        self.links.lock().ok()?.insert(id, link.clone());
        tokio::spawn(pump(filter, link.clone(), events));
        Some(link)
    }

    /// The connection `id` of `user_id`, if it waits for its client: the events from
    /// `seq` on are sent again (those written before) or simply continue (none lost).
    /// Anything else means loss: the old connection is dropped.
    pub fn resume(&self, id: &str, user_id: &str, seq: i64) -> Resumed {
        let Some(link) = self.links.lock().ok().and_then(|l| l.get(id).cloned()) else {
            return Resumed::Lost;
        };
        if link.user_id != user_id {
            return Resumed::Lost;
        }
        let Ok(mut q) = link.queues.lock() else {
            return Resumed::Lost;
        };
        let next_unwritten = q.pending.front().map_or(q.next_seq, |(s, _)| *s);
        let in_dead =
            q.dead.front().is_some_and(|(first, _)| *first <= seq) && seq < next_unwritten;
        if q.attached || q.closed || seq <= 0 || !(in_dead || seq == next_unwritten) {
            q.closed = true;
            drop(q);
            link.wake.notify_one();
            self.forget(id);
            return Resumed::Lost;
        }
        q.attached = true;
        let again = q
            .dead
            .iter()
            .filter(|(s, _)| *s >= seq)
            .map(|(_, f)| f.clone())
            .collect();
        drop(q);
        link.wake.notify_one();
        Resumed::Link(link.clone(), again)
    }

    fn forget(&self, id: &str) {
        if let Ok(mut links) = self.links.lock() {
            links.remove(id);
        }
    }
}

/// Filters, numbers and queues the events for one connection until it is dropped.
async fn pump(
    filter: Filter,
    link: Arc<Link>,
    mut events: tokio::sync::broadcast::Receiver<Arc<Event>>,
) {
    let mut check = tokio::time::interval(Duration::from_secs(30));
    let mut session_checked = None;
    loop {
        // Events first: the timer is polled only when none is waiting.
        tokio::select! {
            biased;
            published = events.recv() => {
                let event = match published {
                    Ok(event) if event.event == crate::fanout::RESYNC => break,
                    Ok(event) => event,
                    // Events went by unseen: the client must resync.
                    Err(_) => break,
                };
                // A session revoked (logout, deactivation, ...) stops receiving at once.
                // Boxed, as the filtering below: an idle pump holds only its loop.
                if !filter.session_unchanged(session_checked)
                    && !Box::pin(filter.session_alive(&mut session_checked)).await
                {
                    break;
                }
                if link.out_of_scope(&event) {
                    continue;
                }
                if let Some(frame) = Box::pin(filter.frame_for(&event)).await {
                    if !link.queue(|seq| frame_with_seq(frame, seq)) {
                        break;
                    }
                    link.wake.notify_one();
                }
            }
            _ = check.tick() => {
                if link.expired() {
                    break;
                }
            }
        }
    }
    link.close();
    filter.caller.state.realtime().forget(&link.id);
}

/// A frame for one connection, without its number: the serialized object with its
/// closing brace cut, shared by every connection that receives it as is, or its own.
pub enum Frame {
    Shared(Arc<str>),
    Own(Box<str>),
}

/// `{...}` without the final brace, so that the number can follow.
fn open_object(mut text: String) -> String {
    text.pop();
    text
}

fn frame_with_seq(frame: Frame, seq: i64) -> String {
    let open: &str = match &frame {
        Frame::Shared(text) => text,
        Frame::Own(text) => text,
    };
    format!("{open},\"seq\":{seq}}}")
}

/// The users an event for a channel or a team reaches: the channel's members, or the
/// team's active members (None when they cannot be read).
async fn audience(caller: &Caller, b: &Broadcast) -> Option<Arc<HashSet<String>>> {
    let db = caller.state.db();
    let ids: Result<Vec<String>, _> = if b.channel_id.is_empty() {
        team_member::Entity::find()
            .select_only()
            .column(team_member::Column::UserId)
            .filter(team_member::Column::TeamId.eq(b.team_id.clone()))
            .filter(team_member::Column::DeleteAt.eq(0))
            .into_tuple()
            .all(db)
            .await
    } else {
        channel_member::Entity::find()
            .select_only()
            .column(channel_member::Column::UserId)
            .filter(channel_member::Column::ChannelId.eq(b.channel_id.clone()))
            .into_tuple()
            .all(db)
            .await
    };
    Some(Arc::new(ids.ok()?.into_iter().collect()))
}

/// The broadcast as clients receive it: all six fields, the two flags only when set.
pub fn broadcast_json(b: &Broadcast) -> Value {
    let mut out = json!({
        "omit_users": b.omit_users,
        "user_id": b.user_id,
        "channel_id": b.channel_id,
        "team_id": b.team_id,
        "connection_id": "",
        "omit_connection_id": "",
    });
    if b.contains_sanitized_data {
        out["contains_sanitized_data"] = true.into();
    }
    if b.contains_sensitive_data {
        out["contains_sensitive_data"] = true.into();
    }
    out
}

impl Filter {
    /// Whether the user has manage_system (for sanitized and sensitive copies).
    pub async fn admin_of(caller: &Caller) -> bool {
        permissions::has_system(caller, perm::MANAGE_SYSTEM)
            .await
            .unwrap_or(false)
    }

    /// Whether the connection's session is known to hold without reading it: no cached
    /// session was removed or replaced since `checked` (the cache's epoch when it was last
    /// read) and it has not expired.
    fn session_unchanged(&self, checked: Option<u64>) -> bool {
        let Some(session) = &self.caller.session else {
            return false;
        };
        checked == Some(self.caller.state.sessions().epoch())
            && !session.is_expired(crate::ids::now_millis())
    }

    /// Whether the connection's session still holds, read through the session cache;
    /// `checked` becomes the epoch it was read at.
    async fn session_alive(&self, checked: &mut Option<u64>) -> bool {
        let Some(session) = &self.caller.session else {
            return false;
        };
        let state = &self.caller.state;
        let epoch = state.sessions().epoch();
        let alive = matches!(
            state.sessions().get(state, &session.token).await,
            Ok(Some(_))
        );
        *checked = Some(epoch);
        alive
    }

    /// The frame of `event` for this connection (without its number), or None when it is
    /// not for it.
    async fn frame_for(&self, event: &Event) -> Option<Frame> {
        let session = self.caller.session.as_ref()?;
        let b = &event.broadcast;
        if (b.contains_sanitized_data && self.admin) || (b.contains_sensitive_data && !self.admin) {
            return None;
        }
        let me = session.user_id.as_str();
        if !b.user_id.is_empty() {
            if b.user_id != me {
                return None;
            }
        } else {
            if b.omit_users.as_ref().is_some_and(|o| o.contains_key(me)) {
                return None;
            }
            if !(b.channel_id.is_empty() && b.team_id.is_empty()) {
                let members = event
                    .shared
                    .members
                    .get_or_init(|| audience(&self.caller, b))
                    .await;
                if !members.as_ref()?.contains(me) {
                    return None;
                }
            }
        }
        if b.user_id.is_empty() && b.channel_id.is_empty() && b.team_id.is_empty() {
            let about = match event.event.as_str() {
                "user_updated" => event.data.get("user").and_then(|u| u.get("id")),
                "new_user" => event.data.get("user_id"),
                _ => None,
            };
            let guest = session.role_names().any(|r| r == "system_guest");
            if let (true, Some(about)) = (guest, about.and_then(Value::as_str)) {
                crate::app::users::require_can_see(&self.caller, about)
                    .await
                    .ok()?;
            }
        }
        let mentioned = event.mentions.iter().any(|m| m == me);
        let following = event.followers.iter().any(|f| f == me);
        let ack = event.event == "posted" && self.posted_ack && {
            let author = event.shared.author.get_or_init(|| {
                event
                    .data
                    .get("post")
                    .and_then(Value::as_str)
                    .and_then(|p| serde_json::from_str::<Value>(p).ok())
                    .and_then(|p| p["user_id"].as_str().map(str::to_owned))
                    .unwrap_or_default()
            });
            let direct = event.data.get("channel_type").and_then(Value::as_str) == Some("D");
            author != me && (mentioned || following || direct)
        };
        if !(mentioned || following || ack) {
            let plain = event.shared.frame.get_or_init(|| {
                let frame = json!({
                    "event": event.event,
                    "data": event.data,
                    "broadcast": broadcast_json(b),
                });
                open_object(frame.to_string()).into()
            });
            return Some(Frame::Shared(plain.clone()));
        }
        let mut data = event.data.clone();
        if mentioned {
            data.insert("mentions".into(), json!([me]).to_string().into());
        }
        if following {
            data.insert("followers".into(), json!([me]).to_string().into());
        }
        if ack {
            data.insert("should_ack".into(), true.into());
        }
        let frame = json!({"event": event.event, "data": data, "broadcast": broadcast_json(b)});
        Some(Frame::Own(open_object(frame.to_string()).into()))
    }
}
