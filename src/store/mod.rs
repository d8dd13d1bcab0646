//! Storage: connecting to SQLite (the embedded default) or PostgreSQL, migrating, and the
//! entities. Queries live beside the code that needs them and take `&impl ConnectionTrait`,
//! so the same function runs inside a transaction.

pub mod accounts;
pub mod entity;
pub mod member_roles;
pub mod migration;

use crate::config::Config;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::path::Path;

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
        .max_connections(config.sql_settings.max_open_conns.max(1))
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

/// Starts a transaction that writes. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): writers queue on the busy timeout instead of one of them failing
/// with "database is locked" when its read turns into a write. PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
