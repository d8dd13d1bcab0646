//! The publish seam: what the app layer tells connected clients, as Mattermost's websocket
//! events (`event`, `data`, `broadcast`; see ../shared/reference/mattermost-server/
//! websocket.md). Operations publish after their change is committed; a transport (the
//! websocket) subscribes and decides per connection who receives what, from the broadcast
//! and the per-recipient parts (`mentions`) an event carries beside it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;
use tokio::sync::broadcast;

/// Who an event is for, as Mattermost's `WebsocketBroadcast` names it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Broadcast {
    pub omit_users: Option<Map<String, Value>>,
    pub user_id: String,
    pub channel_id: String,
    pub team_id: String,
    /// The connection that made the change, which does not hear of it (the requester's
    /// `Connection-Id` header, as Mattermost's `omit_connection_id`).
    #[serde(default)]
    pub omit_connection_id: String,
    /// Only for those without manage_system.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contains_sanitized_data: bool,
    /// Only for those with manage_system.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contains_sensitive_data: bool,
}

impl Broadcast {
    /// One user's connections.
    pub fn user(user_id: &str) -> Self {
        Self {
            user_id: user_id.to_owned(),
            ..Self::default()
        }
    }

    /// The members of a team.
    pub fn team(team_id: &str) -> Self {
        Self {
            team_id: team_id.to_owned(),
            ..Self::default()
        }
    }

    /// The members of a channel.
    pub fn channel(channel_id: &str) -> Self {
        Self {
            channel_id: channel_id.to_owned(),
            ..Self::default()
        }
    }

    /// The members of a channel but the connection `omit` (empty: none left out).
    pub fn channel_but(channel_id: &str, omit: &str) -> Self {
        Self {
            channel_id: channel_id.to_owned(),
            omit_connection_id: omit.to_owned(),
            ..Self::default()
        }
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub event: String,
    pub data: Map<String, Value>,
    pub broadcast: Broadcast,
    /// Users this event mentions: each receives `mentions` = `["<their id>"]` in `data`
    /// (Mattermost's `add_mentions` hook); never sent as is.
    #[serde(skip)]
    pub mentions: Vec<String>,
    /// Thread followers to notify: each receives `followers` = `["<their id>"]` (the
    /// `add_followers` hook); never sent as is.
    #[serde(skip)]
    pub followers: Vec<String>,
    /// What the transport works out once for all its connections (see src/realtime).
    #[serde(skip)]
    pub shared: Shared,
}

/// Per-event facts a transport computes once however many connections it serves: the
/// members of the event's channel or team, and the frame as sent to those with no part
/// of their own. Never compared, cloned empty.
#[derive(Debug, Default)]
pub struct Shared {
    pub members: tokio::sync::OnceCell<Option<Arc<crate::ids::IdSet>>>,
    pub frame: std::sync::OnceLock<Arc<str>>,
    /// The author of a `posted` event's post.
    pub author: std::sync::OnceLock<String>,
}

impl Clone for Shared {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for Shared {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Event {
    pub fn new(event: &str, broadcast: Broadcast) -> Self {
        Self {
            event: event.to_owned(),
            data: Map::new(),
            broadcast,
            mentions: Vec::new(),
            followers: Vec::new(),
            shared: Shared::default(),
        }
    }

    /// Adds `data[key]`.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_owned(), value.into());
        self
    }

    /// Adds `data[key]` as Mattermost sends objects in events: a JSON string.
    pub fn with_json(self, key: &str, value: &impl Serialize) -> Self {
        let text = serde_json::to_string(value).unwrap_or_default();
        self.with(key, text)
    }
}

/// Where published events go: every subscriber gets each event published after it
/// subscribed (a subscriber that falls more than the capacity behind loses the oldest).
pub struct EventBus {
    sender: broadcast::Sender<Arc<Event>>,
    /// Where events go to reach the other nodes (set on PostgreSQL, see src/cluster.rs).
    forward: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Arc<Event>>>,
    /// Open websocket connections per user, on this node.
    connections: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    /// This node's id among the nodes sharing a database.
    node: String,
    /// Users this node found (or made) online by no choice of theirs, and when: a post
    /// within [`ONLINE_MEMO_MS`] of it need not read their status again.
    online_memo: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

/// How long a user found online is taken to still be (another node's change of their
/// status is seen after at most this long).
pub const ONLINE_MEMO_MS: i64 = 60_000;

/// Events kept for a slow subscriber.
const CAPACITY: usize = 1024;

impl Default for EventBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            forward: std::sync::OnceLock::new(),
            connections: std::sync::Mutex::default(),
            node: crate::ids::new_id(),
            online_memo: std::sync::Mutex::default(),
        }
    }
}

impl EventBus {
    /// Publishes `event` to this node's subscribers (none is fine) and, when nodes share
    /// the database, to the other nodes'.
    pub fn publish(&self, event: Event) {
        super::membership::count_if_announced(&event.event);
        let event = Arc::new(event);
        if let Some(forward) = self.forward.get() {
            let _ = forward.send(event.clone());
        }
        let _ = self.sender.send(event);
    }

    /// Publishes an event another node published, on this node only.
    pub fn deliver(&self, event: Event) {
        super::membership::count_if_announced(&event.event);
        let _ = self.sender.send(Arc::new(event));
    }

    /// Sends every event published from now on to `forward` as well (once).
    pub fn forward_to(&self, forward: tokio::sync::mpsc::UnboundedSender<Arc<Event>>) {
        let _ = self.forward.set(forward);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    /// This node's id (events it forwards carry it; its presence rows are keyed by it).
    pub fn node(&self) -> &str {
        &self.node
    }

    /// A websocket connection of `user_id` opened; true when it is their first here.
    pub fn connection_opened(&self, user_id: &str) -> bool {
        let Ok(mut open) = self.connections.lock() else {
            return false;
        };
        let count = open.entry(user_id.to_owned()).or_default();
        *count += 1;
        *count == 1
    }

    /// Whether `user_id` was found online (by no choice of theirs) within the memo's time.
    pub fn recently_online(&self, user_id: &str, now: i64) -> bool {
        self.online_memo
            .lock()
            .ok()
            .and_then(|memo| memo.get(user_id).copied())
            .is_some_and(|at| now - at < ONLINE_MEMO_MS)
    }

    /// Remembers that `user_id` is online (Some time) or forgets it (None).
    pub fn note_online(&self, user_id: &str, at: Option<i64>) {
        if let Ok(mut memo) = self.online_memo.lock() {
            match at {
                Some(at) => {
                    if memo.len() > 100_000 {
                        memo.retain(|_, seen| at - *seen < ONLINE_MEMO_MS);
                    }
                    memo.insert(user_id.to_owned(), at);
                }
                None => {
                    memo.remove(user_id);
                }
            }
        }
    }

    /// The users with a connection open on this node.
    pub fn connected_users(&self) -> Vec<String> {
        self.connections
            .lock()
            .map(|open| open.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// A connection of `user_id` closed; how many they still have open.
    pub fn connection_closed(&self, user_id: &str) -> usize {
        let Ok(mut open) = self.connections.lock() else {
            return 0;
        };
        let left = open.get(user_id).map_or(0, |n| n.saturating_sub(1));
        if left == 0 {
            open.remove(user_id);
        } else {
            open.insert(user_id.to_owned(), left);
        }
        left
    }

    /// Whether anyone listens here or on another node (an event nobody receives need not
    /// be built).
    pub fn has_subscribers(&self) -> bool {
        self.forward.get().is_some() || self.sender.receiver_count() > 0
    }
}

/// `post_edited`: the post as it is now, to the channel's members.
pub fn post_edited(channel_id: &str, post: &impl Serialize) -> Event {
    Event::new("post_edited", Broadcast::channel(channel_id)).with_json("post", post)
}

/// `post_deleted`, twice as Mattermost sends it: to the channel's members without
/// manage_system, and to those with it, who also learn who deleted it.
pub fn post_deleted(channel_id: &str, post: &impl Serialize, deleted_by: &str) -> [Event; 2] {
    let sanitized = Broadcast {
        contains_sanitized_data: true,
        ..Broadcast::channel(channel_id)
    };
    let sensitive = Broadcast {
        contains_sensitive_data: true,
        ..Broadcast::channel(channel_id)
    };
    [
        Event::new("post_deleted", sanitized).with_json("post", post),
        Event::new("post_deleted", sensitive)
            .with_json("post", post)
            .with("delete_by", deleted_by.to_owned()),
    ]
}

/// `reaction_added` or `reaction_removed`, to the channel's members.
pub fn reaction(event: &'static str, channel_id: &str, reaction: &impl Serialize) -> Event {
    Event::new(event, Broadcast::channel(channel_id)).with_json("reaction", reaction)
}

fn omit(user_id: &str) -> Option<Map<String, Value>> {
    let mut users = Map::new();
    users.insert(user_id.to_owned(), Value::Bool(true));
    Some(users)
}

/// Channel events go to the team when the channel is public, else to its members.
fn channel_or_team(channel_type: &str, channel_id: &str, team_id: &str) -> Broadcast {
    if channel_type == "O" {
        Broadcast::team(team_id)
    } else {
        Broadcast::channel(channel_id)
    }
}

/// `channel_created`: to its creator only.
pub fn channel_created(user_id: &str, channel_id: &str, team_id: &str) -> Event {
    Event::new("channel_created", Broadcast::user(user_id))
        .with("channel_id", channel_id.to_owned())
        .with("team_id", team_id.to_owned())
}

/// `channel_updated`: the channel as it is now, to its members.
pub fn channel_updated(channel_id: &str, channel: &impl Serialize) -> Event {
    Event::new("channel_updated", Broadcast::channel(channel_id)).with_json("channel", channel)
}

/// `channel_converted`: a channel's privacy changed, to its team.
pub fn channel_converted(channel_id: &str, team_id: &str) -> Event {
    Event::new("channel_converted", Broadcast::team(team_id))
        .with("channel_id", channel_id.to_owned())
}

/// `channel_deleted` (archived): to the team for a public channel, else to its members.
pub fn channel_deleted(channel_type: &str, channel_id: &str, team_id: &str, at: i64) -> Event {
    Event::new(
        "channel_deleted",
        channel_or_team(channel_type, channel_id, team_id),
    )
    .with("channel_id", channel_id.to_owned())
    .with("delete_at", at)
}

/// `channel_restored`: as `channel_deleted`.
pub fn channel_restored(channel_type: &str, channel_id: &str, team_id: &str) -> Event {
    Event::new(
        "channel_restored",
        channel_or_team(channel_type, channel_id, team_id),
    )
    .with("channel_id", channel_id.to_owned())
}

/// `user_added`, twice as Mattermost sends it: to the channel's other members, and to the
/// added user (with the channel in the broadcast).
pub fn user_added(channel_id: &str, team_id: &str, user_id: &str) -> [Event; 2] {
    let members = Broadcast {
        omit_users: omit(user_id),
        ..Broadcast::channel(channel_id)
    };
    let added = Broadcast {
        channel_id: channel_id.to_owned(),
        ..Broadcast::user(user_id)
    };
    let event = |b| {
        Event::new("user_added", b)
            .with("user_id", user_id.to_owned())
            .with("team_id", team_id.to_owned())
    };
    [event(members), event(added)]
}

/// `user_removed`, twice: to the remaining members (who was removed, by whom) and to the
/// removed user (from which channel).
pub fn user_removed(channel_id: &str, user_id: &str, remover_id: &str) -> [Event; 2] {
    [
        Event::new("user_removed", Broadcast::channel(channel_id))
            .with("user_id", user_id.to_owned())
            .with("remover_id", remover_id.to_owned()),
        Event::new("user_removed", Broadcast::user(user_id))
            .with("channel_id", channel_id.to_owned())
            .with("remover_id", remover_id.to_owned()),
    ]
}

/// `added_to_team`: to the user who joined.
pub fn added_to_team(team_id: &str, user_id: &str) -> Event {
    Event::new("added_to_team", Broadcast::user(user_id))
        .with("team_id", team_id.to_owned())
        .with("user_id", user_id.to_owned())
}

/// `leave_team`, twice: to the team's other members and to the user who left.
pub fn leave_team(team_id: &str, user_id: &str) -> [Event; 2] {
    let team = Broadcast {
        omit_users: omit(user_id),
        ..Broadcast::team(team_id)
    };
    let event = |b| {
        Event::new("leave_team", b)
            .with("user_id", user_id.to_owned())
            .with("team_id", team_id.to_owned())
    };
    [event(team), event(Broadcast::user(user_id))]
}

/// `update_team`, `delete_team` or `restore_team`: the team (without its email and invite
/// id) to its members.
pub fn team_event(event: &str, team_id: &str, team: &impl Serialize) -> Event {
    let mut shown = serde_json::to_value(team).unwrap_or_default();
    if let Some(fields) = shown.as_object_mut() {
        fields.insert("email".into(), "".into());
        fields.insert("invite_id".into(), "".into());
    }
    Event::new(event, Broadcast::team(team_id)).with_json("team", &shown)
}

/// `user_role_updated`: to the user whose system roles changed.
pub fn user_role_updated(user_id: &str, roles: &str) -> Event {
    Event::new("user_role_updated", Broadcast::user(user_id))
        .with("user_id", user_id.to_owned())
        .with("roles", roles.to_owned())
}

impl EventBus {
    /// Publishes each of `events`.
    pub fn publish_all(&self, events: impl IntoIterator<Item = Event>) {
        for event in events {
            self.publish(event);
        }
    }
}

/// `direct_added`: a new direct channel, to both its members.
pub fn direct_added(channel_id: &str, creator_id: &str, teammate_id: &str) -> Event {
    Event::new("direct_added", Broadcast::channel(channel_id))
        .with("creator_id", creator_id.to_owned())
        .with("teammate_id", teammate_id.to_owned())
}

/// `group_added`: a new group channel, one copy to each member (with the channel in the
/// broadcast), naming every member.
pub fn group_added(channel_id: &str, member_ids: &[String]) -> Vec<Event> {
    member_ids
        .iter()
        .map(|id| {
            let to = Broadcast {
                channel_id: channel_id.to_owned(),
                ..Broadcast::user(id)
            };
            Event::new("group_added", to).with_json("teammate_ids", &member_ids)
        })
        .collect()
}

/// `multiple_channels_viewed`: when the user read channels, to their other sessions.
pub fn channels_viewed(user_id: &str, times: &Map<String, Value>) -> Event {
    Event::new("multiple_channels_viewed", Broadcast::user(user_id))
        .with("channel_times", Value::Object(times.clone()))
}

/// `channel_member_updated`: a membership's roles or settings, to that member.
pub fn channel_member_updated(user_id: &str, member: &impl Serialize) -> Event {
    Event::new("channel_member_updated", Broadcast::user(user_id))
        .with_json("channelMember", member)
}

/// `memberrole_updated`: a team membership's roles, to that member.
pub fn team_member_updated(user_id: &str, member: &impl Serialize) -> Event {
    Event::new("memberrole_updated", Broadcast::user(user_id)).with_json("member", member)
}

/// `new_user`: an account was created, to everyone (a guest only if they can see it).
pub fn new_user(user_id: &str) -> Event {
    Event::new("new_user", Broadcast::default()).with("user_id", user_id.to_owned())
}

/// `user_activation_status_change`: an account was activated or deactivated, to everyone.
pub fn activation_changed() -> Event {
    Event::new("user_activation_status_change", Broadcast::default())
}

/// `user_updated`, three times as Mattermost sends it: to administrators (no secrets,
/// verification or login times), to everyone else (the profile as privacy settings show
/// it), and to the user themself; the `user` is an object, not a JSON string.
pub fn user_updated(
    account: &crate::store::entity::user::Model,
    config: &crate::config::Config,
) -> [Event; 3] {
    use super::users::{View, to_api};
    let own = to_api(account, View::Full, config, None);
    let mut admins = own.clone();
    admins.email_verified = None;
    admins.last_password_update = None;
    let others = to_api(account, View::Profile, config, None);
    let everyone_but_them = || Broadcast {
        omit_users: omit(&account.id),
        ..Broadcast::default()
    };
    let value = |u: &crate::contract::types::User| serde_json::to_value(u).unwrap_or_default();
    [
        Event::new(
            "user_updated",
            Broadcast {
                contains_sensitive_data: true,
                ..everyone_but_them()
            },
        )
        .with("user", value(&admins)),
        Event::new(
            "user_updated",
            Broadcast {
                contains_sanitized_data: true,
                ..everyone_but_them()
            },
        )
        .with("user", value(&others)),
        Event::new("user_updated", Broadcast::user(&account.id)).with("user", value(&own)),
    ]
}

fn to_user_in_team(user_id: &str, team_id: &str) -> Broadcast {
    Broadcast {
        team_id: team_id.to_owned(),
        ..Broadcast::user(user_id)
    }
}

/// `thread_follow_changed`: the user followed or stopped following a thread.
pub fn thread_follow_changed(
    user_id: &str,
    team_id: &str,
    thread_id: &str,
    following: bool,
    reply_count: i64,
) -> Event {
    Event::new("thread_follow_changed", to_user_in_team(user_id, team_id))
        .with("thread_id", thread_id.to_owned())
        .with("state", following)
        .with("reply_count", reply_count)
}

/// What a thread's unread state was and is, for `thread_read_changed`.
pub struct ThreadRead<'a> {
    pub thread_id: &'a str,
    pub channel_id: &'a str,
    pub timestamp: i64,
    /// (mentions, replies) before and after.
    pub before: (i64, i64),
    pub after: (i64, i64),
}

/// `thread_read_changed` for one thread.
pub fn thread_read_changed(user_id: &str, team_id: &str, read: &ThreadRead<'_>) -> Event {
    Event::new("thread_read_changed", to_user_in_team(user_id, team_id))
        .with("thread_id", read.thread_id.to_owned())
        .with("timestamp", read.timestamp)
        .with("unread_mentions", read.after.0)
        .with("unread_replies", read.after.1)
        .with("previous_unread_mentions", read.before.0)
        .with("previous_unread_replies", read.before.1)
        .with("channel_id", read.channel_id.to_owned())
}

/// `thread_read_changed` with no data: every thread of the team was read.
pub fn threads_read(user_id: &str, team_id: &str) -> Event {
    Event::new("thread_read_changed", to_user_in_team(user_id, team_id))
}

/// `thread_updated`: a thread the user follows changed (a new reply), to that user, with
/// the thread as they see it and what was unread before.
pub fn thread_updated(
    user_id: &str,
    team_id: &str,
    thread: &impl Serialize,
    previous: (i64, i64),
) -> Event {
    Event::new("thread_updated", to_user_in_team(user_id, team_id))
        .with_json("thread", thread)
        .with("previous_unread_mentions", previous.0)
        .with("previous_unread_replies", previous.1)
}

/// What a channel's unread state is after SetPostUnread, for `post_unread`.
pub struct ChannelUnread<'a> {
    pub team_id: &'a str,
    pub channel_id: &'a str,
    pub post_id: &'a str,
    pub msg_count: i64,
    pub msg_count_root: i64,
    pub mention_count: i64,
    pub mention_count_root: i64,
    pub last_viewed_at: i64,
}

/// `post_unread`: the user marked a channel unread from a post, to their sessions.
pub fn post_unread(user_id: &str, unread: &ChannelUnread<'_>) -> Event {
    let to = Broadcast {
        team_id: unread.team_id.to_owned(),
        channel_id: unread.channel_id.to_owned(),
        ..Broadcast::user(user_id)
    };
    Event::new("post_unread", to)
        .with("msg_count", unread.msg_count)
        .with("msg_count_root", unread.msg_count_root)
        .with("mention_count", unread.mention_count)
        .with("mention_count_root", unread.mention_count_root)
        .with("urgent_mention_count", 0)
        .with("last_viewed_at", unread.last_viewed_at)
        .with("post_id", unread.post_id.to_owned())
}

/// `user_updated` for a new or removed profile picture: one copy, to everyone, with the
/// profile as privacy settings show it (Mattermost sends no admin or own copy for it).
pub fn picture_updated(
    account: &crate::store::entity::user::Model,
    config: &crate::config::Config,
) -> Event {
    use super::users::{View, to_api};
    let shown = to_api(account, View::Profile, config, None);
    Event::new("user_updated", Broadcast::default())
        .with("user", serde_json::to_value(&shown).unwrap_or_default())
}

/// `role_updated` to one audience (see `roles::audiences`).
pub fn role_updated(to: Broadcast, role: &impl Serialize) -> Event {
    Event::new("role_updated", to).with_json("role", role)
}

/// `sidebar_category_created`, to the user in the team.
pub fn category_created(user_id: &str, team_id: &str, category_id: &str) -> Event {
    Event::new(
        "sidebar_category_created",
        to_user_in_team(user_id, team_id),
    )
    .with("category_id", category_id.to_owned())
}

/// `sidebar_category_updated` with the categories as they are now.
pub fn categories_updated(user_id: &str, team_id: &str, categories: &impl Serialize) -> Event {
    Event::new(
        "sidebar_category_updated",
        to_user_in_team(user_id, team_id),
    )
    .with_json("updatedCategories", categories)
}

/// `sidebar_category_order_updated`, the order as an array (not a string).
pub fn category_order_updated(user_id: &str, team_id: &str, order: &[String]) -> Event {
    Event::new(
        "sidebar_category_order_updated",
        to_user_in_team(user_id, team_id),
    )
    .with("order", order.to_vec())
}

/// `sidebar_category_deleted`.
pub fn category_deleted(user_id: &str, team_id: &str, category_id: &str) -> Event {
    Event::new(
        "sidebar_category_deleted",
        to_user_in_team(user_id, team_id),
    )
    .with("category_id", category_id.to_owned())
}
