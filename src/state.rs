//! The state shared by every request: the database, the configuration and the caches.

use crate::app::server::ServerFacts;
use crate::auth::SessionCache;
use crate::auth::permissions::RoleCache;
use crate::config::Config;
use sea_orm::DatabaseConnection;
use std::sync::{Arc, RwLock};

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    facts: ServerFacts,
    /// Until when (seconds since the epoch) the server says it is busy; 0: not busy.
    busy_until: std::sync::atomic::AtomicI64,
    config: RwLock<Arc<Config>>,
    sessions: SessionCache,
    roles: RoleCache,
    accounts: crate::store::accounts::AccountCache,
    write_gate: crate::store::WriteGate,
    post_writer: std::sync::OnceLock<crate::app::posting::PostWriter>,
    events: crate::app::events::EventBus,
    realtime: crate::realtime::Registry,
    upload_locks: crate::app::uploads::UploadLocks,
    version_id: RwLock<String>,
}

/// `X-Version-Id`: version.build.configHash.licensed, as Mattermost sends it.
fn version_id(config: &Config) -> String {
    use sha2::Digest;
    let json = serde_json::to_vec(config).unwrap_or_default();
    let digest = sha2::Sha256::digest(&json);
    let hash: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}.{}.{hash}.false",
        crate::router::MATTERMOST_VERSION,
        crate::router::BUILD_NUMBER
    )
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config, facts: ServerFacts) -> Self {
        let write_gate = crate::store::WriteGate::for_backend(db.get_database_backend());
        Self(Arc::new(Inner {
            db,
            facts,
            busy_until: std::sync::atomic::AtomicI64::new(0),
            sessions: SessionCache::default(),
            roles: RoleCache::default(),
            accounts: crate::store::accounts::AccountCache::default(),
            write_gate,
            post_writer: std::sync::OnceLock::new(),
            events: crate::app::events::EventBus::default(),
            realtime: crate::realtime::Registry::default(),
            upload_locks: crate::app::uploads::UploadLocks::default(),
            version_id: RwLock::new(version_id(&config)),
            config: RwLock::new(Arc::new(config)),
        }))
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }

    /// Where operations publish their events (the websocket subscribes).
    pub fn events(&self) -> &crate::app::events::EventBus {
        &self.0.events
    }

    /// This node's websocket connections (src/realtime).
    pub fn realtime(&self) -> &crate::realtime::Registry {
        &self.0.realtime
    }

    /// The uploads receiving data on this node now.
    pub fn upload_locks(&self) -> &crate::app::uploads::UploadLocks {
        &self.0.upload_locks
    }

    /// The queue to the post writer (started on first use, on the current runtime).
    pub fn post_writer(&self) -> &crate::app::posting::PostWriter {
        self.0.post_writer.get_or_init(|| {
            crate::app::posting::PostWriter::start(self.0.db.clone(), self.0.write_gate.clone())
        })
    }

    /// Starts a transaction that writes (see [`crate::store::begin_write`]).
    pub async fn begin_write(&self) -> Result<crate::store::WriteTxn, sea_orm::DbErr> {
        crate::store::begin_write(&self.0.db, &self.0.write_gate).await
    }

    /// The configuration in force now.
    pub fn config(&self) -> Arc<Config> {
        self.0.config.read().map(|c| c.clone()).unwrap_or_default()
    }

    /// Replaces the configuration in force.
    pub fn set_config(&self, config: Config) {
        if let Ok(mut slot) = self.0.version_id.write() {
            *slot = version_id(&config);
        }
        if let Ok(mut slot) = self.0.config.write() {
            *slot = Arc::new(config);
        }
    }

    pub fn version_id(&self) -> String {
        self.0
            .version_id
            .read()
            .map(|v| v.clone())
            .unwrap_or_default()
    }

    /// The server's identity (diagnostic id, installation date, signing key).
    pub fn facts(&self) -> &ServerFacts {
        &self.0.facts
    }

    /// When the busy state ends (seconds since the epoch), while it lasts.
    pub fn busy_until(&self) -> Option<i64> {
        let until = self.0.busy_until.load(std::sync::atomic::Ordering::Relaxed);
        (until > crate::ids::now_millis() / 1000).then_some(until)
    }

    /// Marks the server busy until `until` (seconds since the epoch; 0 clears it).
    pub(crate) fn set_busy_until(&self, until: i64) {
        self.0
            .busy_until
            .store(until, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn sessions(&self) -> &SessionCache {
        &self.0.sessions
    }

    pub fn roles(&self) -> &RoleCache {
        &self.0.roles
    }

    /// Users and bots by id.
    pub fn accounts(&self) -> &crate::store::accounts::AccountCache {
        &self.0.accounts
    }

    /// Forgets the cached account `id` here and on every other node; call it once the
    /// change to the user or bot row is committed.
    pub async fn forget_account(&self, id: &str) -> Result<(), crate::error::ApiError> {
        self.invalidate(crate::cluster::Invalidation::Account(id.to_owned()))
            .await
    }
}
