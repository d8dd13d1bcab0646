//! Indexes for name searches (users, teams, channels): each searched column lower-cased,
//! in byte order, as store::prefix queries them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column) pairs searched by prefix.
const SEARCHED: &[(&str, &str)] = &[
    ("users", "username"),
    ("users", "first_name"),
    ("users", "last_name"),
    ("users", "nickname"),
    ("users", "email"),
    ("teams", "name"),
    ("teams", "display_name"),
    ("channels", "name"),
    ("channels", "display_name"),
];

fn index_name(table: &str, column: &str) -> String {
    format!("idx_{table}_lower_{column}")
}

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait's expansion rejects SchemaManager<'_> (E0195)"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let collate = match db.get_database_backend() {
            DatabaseBackend::Postgres => " COLLATE \"C\"",
            _ => "",
        };
        for (table, column) in SEARCHED {
            let name = index_name(table, column);
            let sql = format!("CREATE INDEX {name} ON {table} ((lower({column}){collate}))");
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (table, column) in SEARCHED {
            let sql = format!("DROP INDEX IF EXISTS {}", index_name(table, column));
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
