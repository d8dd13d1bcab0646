//! Events across nodes: several ferromost nodes on one PostgreSQL database deliver every
//! event to the websocket clients of every node. Each node forwards what its operations
//! publish, in order, through a [`Transport`]; each node delivers what the others sent
//! to its own subscribers. The transport here is PostgreSQL's NOTIFY (nothing more to run;
//! ordered per sender); a payload over NOTIFY's 8,000 bytes travels as a row of
//! `cluster_events` whose id is notified. A node that loses its listening connection may
//! have missed events: it tells its websocket clients to resync. SQLite is single-node.

use crate::app::events::{Broadcast, Event};
use crate::ids::{new_id, now_millis};
use crate::state::AppState;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// The notification channel of events.
const CHANNEL: &str = "ferromost_events";
/// The largest payload sent inline (NOTIFY refuses 8,000 bytes and more).
const INLINE_MAX: usize = 7_900;
/// The event a node delivers to its own connections after it may have missed some.
pub const RESYNC: &str = "ferromost_resync";

/// An event on the wire between nodes.
#[derive(Serialize, Deserialize)]
struct Wire {
    node: String,
    event: String,
    data: Map<String, Value>,
    broadcast: Broadcast,
    mentions: Vec<String>,
    #[serde(default)]
    followers: Vec<String>,
}

/// How events travel between nodes: PostgreSQL NOTIFY here; a broker could take its place.
trait Transport: Send + Sync + 'static {
    /// Sends one encoded event to every node (this one included).
    fn send(
        &self,
        payload: String,
    ) -> impl std::future::Future<Output = Result<(), sea_orm::DbErr>> + Send;
}

/// NOTIFY on the shared database; large payloads as `cluster_events` rows.
struct Notify {
    state: AppState,
}

impl Transport for Notify {
    async fn send(&self, payload: String) -> Result<(), sea_orm::DbErr> {
        let db = self.state.db();
        let note = if payload.len() <= INLINE_MAX {
            format!("i:{payload}")
        } else {
            let id = new_id();
            let now = now_millis();
            db.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "INSERT INTO cluster_events (id, payload, create_at) VALUES ($1, $2, $3)",
                [id.clone().into(), payload.into(), now.into()],
            ))
            .await?;
            db.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "DELETE FROM cluster_events WHERE create_at < $1",
                [(now - 60_000).into()],
            ))
            .await?;
            format!("r:{id}")
        };
        db.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), note.into()],
        ))
        .await?;
        Ok(())
    }
}

/// On PostgreSQL, forwards this node's events to the others and delivers theirs here.
pub fn start(state: &AppState) {
    if state.db().get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let node = state.events().node().to_owned();
    let (forward, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<Arc<Event>>();
    state.events().forward_to(forward);
    let transport = Notify {
        state: state.clone(),
    };
    let sender_node = node.clone();
    tokio::spawn(async move {
        while let Some(event) = outgoing.recv().await {
            let wire = Wire {
                node: sender_node.clone(),
                event: event.event.clone(),
                data: event.data.clone(),
                broadcast: event.broadcast.clone(),
                mentions: event.mentions.clone(),
                followers: event.followers.clone(),
            };
            let Ok(payload) = serde_json::to_string(&wire) else {
                continue;
            };
            if let Err(e) = transport.send(payload).await {
                tracing::warn!(error = %e, "forwarding an event to the other nodes");
            }
        }
    });
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = listen_once(&state, &node).await {
                tracing::warn!(error = %e, "event listener; retrying");
            }
            // Events may have been missed: every client here starts afresh.
            state
                .events()
                .deliver(Event::new(RESYNC, Broadcast::default()));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen_once(state: &AppState, node: &str) -> Result<(), sea_orm::sqlx::Error> {
    let pool = state.db().get_postgres_connection_pool();
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    while let Some(note) = listener.try_recv().await? {
        let payload = match note.payload().split_once(':') {
            Some(("i", inline)) => inline.to_owned(),
            Some(("r", id)) => {
                let row: Option<(String,)> =
                    sea_orm::sqlx::query_as("SELECT payload FROM cluster_events WHERE id = $1")
                        .bind(id)
                        .fetch_optional(pool)
                        .await?;
                match row {
                    Some((payload,)) => payload,
                    None => continue,
                }
            }
            _ => continue,
        };
        let Ok(wire) = serde_json::from_str::<Wire>(&payload) else {
            continue;
        };
        if wire.node == node {
            continue;
        }
        let mut event = Event::new(&wire.event, wire.broadcast);
        event.data = wire.data;
        event.mentions = wire.mentions;
        event.followers = wire.followers;
        state.events().deliver(event);
    }
    Ok(())
}
