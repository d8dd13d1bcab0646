//! Storage: connecting to SQLite (the embedded default) or PostgreSQL, migrating, and the
//! entities. Queries live beside the code that needs them and take `&impl ConnectionTrait`,
//! so the same function runs inside a transaction.

pub mod accounts;
pub mod connections;
pub mod entity;
pub mod member_roles;
pub mod migration;
pub mod preferences;
pub mod prefix;

use crate::config::Config;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::path::Path;
use std::sync::Arc;

/// How many schema migrations ferromost has (all applied once [`open`] returns).
pub fn schema_version() -> usize {
    migration::Migrator::migrations().len()
}

/// Opens the configured database, creating a SQLite file (and its folder) on first start,
/// and applies every pending migration and the built-in roles.
pub async fn open(config: &Config) -> Result<DatabaseConnection, String> {
    let source = &config.sql_settings.data_source;
    let url = if config.is_postgres() {
        source.clone()
    } else {
        let path = source.strip_prefix("sqlite://").unwrap_or(source);
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        format!("sqlite://{path}?mode=rwc")
    };
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(pool_size(config))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10))
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
    let db = Database::connect(options)
        .await
        .map_err(|e| format!("connecting: {e}"))?;
    migration::Migrator::up(&db, None)
        .await
        .map_err(|e| format!("migrating: {e}"))?;
    crate::auth::permissions::seed_roles(&db)
        .await
        .map_err(|e| format!("seeding roles: {e}"))?;
    Ok(db)
}

/// Serialises SQLite's writers in this process, first come first served: one write
/// transaction at a time holds it, the others wait their turn in a queue instead of
/// polling SQLite's busy handler (whose back-off is what made write latency spiky).
/// PostgreSQL has no gate: its row locks let writers run side by side.
#[derive(Clone, Default)]
pub struct WriteGate(Option<Arc<tokio::sync::Mutex<()>>>);

impl WriteGate {
    /// The gate for `db`: a real one for SQLite, none for PostgreSQL.
    pub fn for_backend(backend: DatabaseBackend) -> Self {
        Self((backend == DatabaseBackend::Sqlite).then(Arc::default))
    }
}

/// A transaction that writes, holding the write gate until it ends.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTxn {
    /// Commits; the gate opens for the next writer.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

/// SqlSettings.MaxOpenConns, except that SQLite gets at most two connections per core: one
/// file serves one writer at a time, and every connection is a thread of its own, so more
/// only add switching between them (measured: 4 connections answer about a fifth more
/// posts per second than 300 on 2 cores).
fn pool_size(config: &Config) -> u32 {
    let wanted = config.sql_settings.max_open_conns.max(1);
    if config.is_postgres() {
        return wanted;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    wanted.min(u32::try_from(cores * 2).unwrap_or(u32::MAX))
}

/// Starts a transaction that writes, after waiting for the write gate. On SQLite it takes
/// the write lock at once (`BEGIN IMMEDIATE`), so a writer outside the gate (a single
/// autocommit statement) queues on the busy timeout instead of one of them failing with
/// "database is locked" when its read turns into a write. PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection, gate: &WriteGate) -> Result<WriteTxn, DbErr> {
    let turn = match &gate.0 {
        Some(gate) => Some(gate.clone().lock_owned().await),
        None => None,
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Ok(WriteTxn { txn, _turn: turn })
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}
