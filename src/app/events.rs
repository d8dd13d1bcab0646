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

    /// The members of a channel.
    pub fn channel(channel_id: &str) -> Self {
        Self {
            channel_id: channel_id.to_owned(),
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
}

impl Event {
    pub fn new(event: &str, broadcast: Broadcast) -> Self {
        Self {
            event: event.to_owned(),
            data: Map::new(),
            broadcast,
            mentions: Vec::new(),
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
}

/// Events kept for a slow subscriber.
const CAPACITY: usize = 1024;

impl Default for EventBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            forward: std::sync::OnceLock::new(),
            connections: std::sync::Mutex::default(),
        }
    }
}

impl EventBus {
    /// Publishes `event` to this node's subscribers (none is fine) and, when nodes share
    /// the database, to the other nodes'.
    pub fn publish(&self, event: Event) {
        let event = Arc::new(event);
        if let Some(forward) = self.forward.get() {
            let _ = forward.send(event.clone());
        }
        let _ = self.sender.send(event);
    }

    /// Publishes an event another node published, on this node only.
    pub fn deliver(&self, event: Event) {
        let _ = self.sender.send(Arc::new(event));
    }

    /// Sends every event published from now on to `forward` as well (once).
    pub fn forward_to(&self, forward: tokio::sync::mpsc::UnboundedSender<Arc<Event>>) {
        let _ = self.forward.set(forward);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    /// A websocket connection of `user_id` opened.
    pub fn connection_opened(&self, user_id: &str) {
        if let Ok(mut open) = self.connections.lock() {
            *open.entry(user_id.to_owned()).or_default() += 1;
        }
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
