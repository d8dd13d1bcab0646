//! What outlives a socket: each connection's queues, as Mattermost's hub keeps them. While
//! a socket serves a connection, its task filters the published events for it (§2.2 of
//! websocket.md), numbers them, queues them and writes them, keeping the last 128 written.
//! When the socket closes, the connection stays for 5 minutes, a pump task filtering and
//! queueing for it (at most 256 waiting; more drops the connection), so that a client
//! reconnecting with its `connection_id` and `sequence_number` gets what it missed, with
//! the original numbers and no new `hello`; the pump then hands the subscription back.

use crate::app::events::{Broadcast, Event};
use crate::auth::Caller;
use crate::auth::permissions::{self, ids as perm};
use crate::ids::IdSet;
use crate::store::entity::{channel_member, team_member};
use axum::extract::ws::Utf8Bytes;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Events kept after they were written, for a resume.
const DEAD_QUEUE: usize = 128;
/// Events waiting to be written; more closes the connection.
const SEND_QUEUE: usize = 256;
/// How long a closed connection waits for its client to come back.
const RESUME_WINDOW: Duration = Duration::from_secs(300);
/// How long a channel's or team's members, once read, serve its events while no
/// membership changed before they are read again (a change this process does not see,
/// such as a join on another node that announces nothing, shows after this and a read).
const AUDIENCE_TTL: Duration = Duration::from_secs(2);
/// Channels and teams whose members are kept at most (more: all are forgotten).
const AUDIENCES: usize = 1024;

/// Every connection of this node, by connection id.
#[derive(Default)]
pub struct Registry {
    links: Mutex<HashMap<String, Arc<Link>>>,
    /// Channel and team members, by `c:<channel id>` or `t:<team id>`.
    audiences: Mutex<HashMap<String, Audience>>,
}

/// Who was in a channel or team, when, and at which count of membership changes; and
/// whether it is being read again.
struct Audience {
    changes: u64,
    read_at: Instant,
    members: Arc<IdSet>,
    refreshing: bool,
}

/// One connection: what it receives, its queues, and whichever task feeds them now (the
/// socket's, or the pump's while no socket serves it).
pub struct Link {
    pub id: String,
    pub user_id: String,
    filter: Filter,
    queues: Mutex<Queues>,
    /// Wakes the socket when something was queued for it (or the link was closed).
    pub wake: Wake,
    /// Where the client says it is (the `presence` action).
    presence: Mutex<Presence>,
    /// Asks the pump to stop and hand the subscription back (a socket resumed).
    stop: Notify,
    /// The pump, while no socket serves the link; it ends with the subscription.
    pump: Mutex<Option<JoinHandle<Option<Events>>>>,
}

/// A connection's subscription to the node's events, with what its filtering reads for
/// every event, kept here (in the task that serves the connection, so in memory the task
/// touches anyway) rather than behind the link's pointers.
pub struct Events {
    rx: Receiver<Arc<Event>>,
    state: crate::state::AppState,
    user_id: String,
    /// The session cache's epoch when the session was last read (None: not yet), and the
    /// session's expiry as then read (0: none).
    session_checked: Option<u64>,
    expires_at: i64,
    /// The last channel or team members checked, and whether the user was among them:
    /// the events of one channel ask once while its members are unchanged. Weak: it keeps
    /// no members alive, and while it exists no other set can have its address.
    last_audience: Option<(Weak<IdSet>, bool)>,
}

impl Events {
    /// The next published event (or why there is none).
    pub async fn recv(&mut self) -> Result<Arc<Event>, RecvError> {
        self.rx.recv().await
    }

    /// Whether the connection's session is known to hold without reading it: no cached
    /// session was removed or replaced since it was last read, and it has not expired.
    fn session_unchanged(&self) -> bool {
        self.session_checked == Some(self.state.sessions().epoch())
            && !crate::auth::expired(self.expires_at, crate::ids::now_millis())
    }
}

/// The wake-up of the task serving a link (one waiter): a flag and that task's waker,
/// so that waiting costs no lock each time the task looks (a Notify takes one).
#[derive(Default)]
pub struct Wake {
    set: AtomicBool,
    waker: futures::task::AtomicWaker,
}

impl Wake {
    /// Wakes the waiting task, or the next one to wait.
    pub fn notify(&self) {
        self.set.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Ready once notified since the last time it was ready.
    pub fn poll_woken(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.set.swap(false, Ordering::AcqRel) {
            return std::task::Poll::Ready(());
        }
        self.waker.register(cx.waker());
        if self.set.swap(false, Ordering::AcqRel) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    }
}

/// What became of one published event.
pub enum Accepted {
    /// Numbered and kept for a resume: to be written now.
    Write(Utf8Bytes),
    /// Queued: there is something to write.
    Queued,
    /// Not for this connection.
    Skipped,
    /// The connection must end: events went by unseen, its session was revoked, its queue
    /// is full, or the node asks every client to resync.
    Closed,
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
    dead: VecDeque<(i64, Frame)>,
    /// Events not written yet.
    pending: VecDeque<(i64, Frame)>,
    /// A socket serves the link now.
    attached: bool,
    /// When the last socket left.
    detached_at: Instant,
    /// Dropped (queue full, events missed, or expired): the socket closes.
    closed: bool,
}

impl Queues {
    /// Numbers `frame` and queues it; false (and the link closed) when the send queue is
    /// full.
    fn enqueue(&mut self, frame: Frame) -> bool {
        if self.pending.len() >= SEND_QUEUE {
            self.closed = true;
            return false;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.pending.push_back((seq, frame));
        true
    }
}

/// Keeps a written frame for a resume (the last [`DEAD_QUEUE`] of them).
fn keep(dead: &mut VecDeque<(i64, Frame)>, seq: i64, frame: Frame) {
    if dead.len() == DEAD_QUEUE {
        dead.pop_front();
    }
    dead.push_back((seq, frame));
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
        let mut guard = self.queues.lock().ok()?;
        let q = &mut *guard;
        if q.closed {
            return None;
        }
        let dead = &mut q.dead;
        let out = q
            .pending
            .drain(..)
            .map(|(seq, frame)| {
                let text = frame_with_seq(&frame, seq);
                keep(dead, seq, frame);
                text
            })
            .collect();
        Some(out)
    }

    /// Filters and numbers one published event: for a socket serving the link with
    /// nothing queued before it (`direct`), the frame to write now; otherwise queued.
    pub async fn accept(
        &self,
        events: &mut Events,
        published: Result<Arc<Event>, RecvError>,
        direct: bool,
    ) -> Accepted {
        let event = match published {
            Ok(event) if event.event == crate::fanout::RESYNC => return Accepted::Closed,
            Ok(event) => event,
            // Events went by unseen: the client must resync.
            Err(_) => return Accepted::Closed,
        };
        // A session revoked (logout, deactivation, ...) stops receiving at once. Boxed (a
        // read, rare): an idle connection's task holds only its loop.
        if !events.session_unchanged() && !Box::pin(self.filter.session_alive(events)).await {
            return Accepted::Closed;
        }
        if self.out_of_scope(&event) || event.broadcast.omit_connection_id == self.id {
            return Accepted::Skipped;
        }
        let Some(frame) = self.filter.frame_for(&event, events).await else {
            return Accepted::Skipped;
        };
        if direct {
            return self.numbered(frame);
        }
        if self.queue(frame) {
            Accepted::Queued
        } else {
            Accepted::Closed
        }
    }

    /// The next frame numbered and kept for a resume, to be written at once; queued
    /// behind what already waits, if anything does.
    fn numbered(&self, frame: Frame) -> Accepted {
        let Ok(mut q) = self.queues.lock() else {
            return Accepted::Closed;
        };
        if q.closed {
            return Accepted::Closed;
        }
        if !q.pending.is_empty() {
            return if q.enqueue(frame) {
                Accepted::Queued
            } else {
                Accepted::Closed
            };
        }
        let seq = q.next_seq;
        q.next_seq += 1;
        let text = frame_with_seq(&frame, seq);
        keep(&mut q.dead, seq, frame);
        Accepted::Write(text)
    }

    /// The socket left: a pump keeps the link's queues filled until a socket resumes it
    /// or it expires. A closed link (or one without its subscription) goes at once.
    pub fn detach(self: &Arc<Self>, events: Option<Events>) {
        let closed = self.queues.lock().map(|q| q.closed).unwrap_or(true);
        let Some(events) = events.filter(|_| !closed) else {
            self.close();
            self.filter.caller.state.realtime().forget(&self.id);
            return;
        };
        // The pump is in place before the link is marked detached, so that a resume (which
        // needs it detached) always finds it.
        let pump = tokio::spawn(pump(self.clone(), events));
        if let Ok(mut slot) = self.pump.lock() {
            *slot = Some(pump);
        }
        if let Ok(mut q) = self.queues.lock() {
            q.attached = false;
            q.detached_at = Instant::now();
        }
    }

    /// For a resuming socket: the subscription back from the pump (None when the pump
    /// ended first: the link is lost).
    pub async fn reclaim(&self) -> Option<Events> {
        let pump = self.pump.lock().ok()?.take()?;
        self.stop.notify_one();
        pump.await.ok().flatten()
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

    fn queue(&self, frame: Frame) -> bool {
        let Ok(mut q) = self.queues.lock() else {
            return false;
        };
        !q.closed && q.enqueue(frame)
    }

    pub fn close(&self) {
        if let Ok(mut q) = self.queues.lock() {
            q.closed = true;
        }
        self.wake.notify();
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
    /// then whatever is published from now on that is for them, through the subscription
    /// returned with the link.
    pub fn register(
        &self,
        filter: Filter,
        id: String,
        hello: Frame,
    ) -> Option<(Arc<Link>, Events)> {
        let session = filter.caller.session.as_ref()?;
        let user_id = session.user_id.clone();
        let events = Events {
            rx: filter.caller.state.events().subscribe(),
            state: filter.caller.state.clone(),
            user_id: user_id.clone(),
            session_checked: None,
            expires_at: session.expires_at,
            last_audience: None,
        };
        let link = Arc::new(Link {
            id: id.clone(),
            user_id,
            filter,
            queues: Mutex::new(Queues {
                next_seq: 0,
                dead: VecDeque::new(),
                pending: VecDeque::new(),
                attached: true,
                detached_at: Instant::now(),
                closed: false,
            }),
            wake: Wake::default(),
            presence: Mutex::default(),
            stop: Notify::new(),
            pump: Mutex::new(None),
        });
        link.queue(hello);
        self.links.lock().ok()?.insert(id, link.clone());
        Some((link, events))
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
            link.wake.notify();
            self.forget(id);
            return Resumed::Lost;
        }
        q.attached = true;
        let again = q
            .dead
            .iter()
            .filter(|(s, _)| *s >= seq)
            .map(|(s, f)| frame_with_seq(f, *s))
            .collect();
        drop(q);
        link.wake.notify();
        Resumed::Link(link.clone(), again)
    }

    pub fn forget(&self, id: &str) {
        if let Ok(mut links) = self.links.lock() {
            links.remove(id);
        }
    }
}

/// While no socket serves the link: filters, numbers and queues its events until a socket
/// resumes it (the subscription is handed back) or it is dropped or expires.
async fn pump(link: Arc<Link>, mut events: Events) -> Option<Events> {
    let mut check = tokio::time::interval(Duration::from_secs(30));
    loop {
        tokio::select! {
            biased;
            () = link.stop.notified() => return Some(events),
            published = events.recv() => {
                if let Accepted::Closed = link.accept(&mut events, published, false).await {
                    break;
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
    link.filter.caller.state.realtime().forget(&link.id);
    None
}

/// A frame for one connection, without its number: the serialized object with its
/// closing brace cut, shared by every connection that receives it as is, or its own. The
/// queues keep frames so, and number them as they are written: a connection's 128 kept
/// events are mostly shared frames, not 128 copies.
pub type Frame = Arc<str>;

/// `{...}` without the final brace, so that the number can follow.
pub fn open_object(mut text: String) -> Frame {
    text.pop();
    text.into()
}

fn frame_with_seq(open: &str, seq: i64) -> Utf8Bytes {
    format!("{open},\"seq\":{seq}}}").into()
}

/// The users an event for a channel or a team reaches: the channel's members, or the
/// team's active members (None when they cannot be read). Kept for the next events while
/// no membership changed. Past [`AUDIENCE_TTL`] with no change seen here, what is kept
/// still serves while it is read again in the background (a change this process does not
/// see shows after the TTL and one read), so that no event waits for that read.
async fn audience(caller: &Caller, b: &Broadcast) -> Option<Arc<IdSet>> {
    let key = if b.channel_id.is_empty() {
        format!("t:{}", b.team_id)
    } else {
        format!("c:{}", b.channel_id)
    };
    let state = &caller.state;
    let registry = state.realtime();
    // Counted before reading: a change while reading makes what was read stale at once.
    let changes = crate::app::membership::changes();
    if let Some(known) = registry.audiences.lock().ok()?.get_mut(&key)
        && known.changes == changes
    {
        if known.read_at.elapsed() >= AUDIENCE_TTL && !known.refreshing {
            known.refreshing = true;
            tokio::spawn(refresh(state.clone(), b.clone(), key, changes));
        }
        return Some(known.members.clone());
    }
    let members = Arc::new(read_audience(state, b).await?);
    let mut audiences = registry.audiences.lock().ok()?;
    if audiences.len() >= AUDIENCES {
        audiences.clear();
    }
    audiences.insert(
        key,
        Audience {
            changes,
            read_at: Instant::now(),
            members: members.clone(),
            refreshing: false,
        },
    );
    Some(members)
}

/// Reads kept members again (see [`audience`]); the same set stays (the same `Arc`, which
/// connections remember their answer for) when nobody came or went.
async fn refresh(state: crate::state::AppState, b: Broadcast, key: String, changes: u64) {
    let read = read_audience(&state, &b).await;
    let Ok(mut audiences) = state.realtime().audiences.lock() else {
        return;
    };
    let Some(known) = audiences.get_mut(&key) else {
        return;
    };
    known.refreshing = false;
    // A change since: the next event reads for itself.
    let Some(read) = read.filter(|_| known.changes == changes) else {
        return;
    };
    known.read_at = Instant::now();
    if *known.members != read {
        known.members = Arc::new(read);
    }
}

async fn read_audience(state: &crate::state::AppState, b: &Broadcast) -> Option<IdSet> {
    let db = state.db();
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
    Some(ids.ok()?.into_iter().collect())
}

/// The broadcast as clients receive it: all six fields, the two flags only when set.
pub fn broadcast_json(b: &Broadcast) -> Value {
    let mut out = json!({
        "omit_users": b.omit_users,
        "user_id": b.user_id,
        "channel_id": b.channel_id,
        "team_id": b.team_id,
        "connection_id": "",
        "omit_connection_id": b.omit_connection_id,
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

    /// Whether the connection's session still holds, read through the session cache;
    /// the epoch it was read at and its expiry (which activity may have moved) are kept.
    async fn session_alive(&self, events: &mut Events) -> bool {
        let Some(session) = &self.caller.session else {
            return false;
        };
        let state = &self.caller.state;
        let epoch = state.sessions().epoch();
        let Ok(Some(now)) = state.sessions().get(state, &session.token).await else {
            return false;
        };
        events.session_checked = Some(epoch);
        events.expires_at = now.expires_at;
        !now.is_expired(crate::ids::now_millis())
    }

    /// The frame of `event` for this connection (without its number), or None when it is
    /// not for it.
    async fn frame_for(&self, event: &Event, events: &mut Events) -> Option<Frame> {
        let b = &event.broadcast;
        if (b.contains_sanitized_data && self.admin) || (b.contains_sensitive_data && !self.admin) {
            return None;
        }
        let me = events.user_id.as_str();
        if !b.user_id.is_empty() {
            if b.user_id != me {
                return None;
            }
        } else {
            if b.omit_users.as_ref().is_some_and(|o| o.contains_key(me)) {
                return None;
            }
            if !(b.channel_id.is_empty() && b.team_id.is_empty()) {
                // Read by the first connection the event reaches (boxed: rare, and the
                // task of an idle connection holds only its loop); the rest find it read.
                let members = match event.shared.members.get() {
                    Some(members) => members,
                    None => {
                        let read = event
                            .shared
                            .members
                            .get_or_init(|| audience(&self.caller, b));
                        Box::pin(read).await
                    }
                };
                let members = members.as_ref()?;
                let known = events.last_audience.as_ref().and_then(|(set, member)| {
                    std::ptr::eq(set.as_ptr(), Arc::as_ptr(members)).then_some(*member)
                });
                let member = known.unwrap_or_else(|| {
                    let member = members.contains(me);
                    events.last_audience = Some((Arc::downgrade(members), member));
                    member
                });
                if !member {
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
            let guest = self
                .caller
                .session
                .as_ref()?
                .role_names()
                .any(|r| r == "system_guest");
            if let (true, Some(about)) = (guest, about.and_then(Value::as_str)) {
                Box::pin(crate::app::users::require_can_see(&self.caller, about))
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
                open_object(frame.to_string())
            });
            return Some(plain.clone());
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
        Some(open_object(frame.to_string()))
    }
}
