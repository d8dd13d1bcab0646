//! File search through a full-text index over file names, as post search has one.
//!
//! Names are split into words at anything but letters and digits (`holiday_photo.png` is
//! `holiday photo png`) on both databases. SQLite: a contentless FTS5 table over
//! `file_infos.name` (its unicode61 tokenizer splits there), kept in step by triggers.
//! PostgreSQL: a generated `tsvector` of the name with those characters made spaces, with a
//! GIN index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE file_infos_fts_ids (rowid INTEGER PRIMARY KEY, file_id TEXT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE file_infos_fts USING fts5(name, content='', contentless_delete=1, \
       tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO file_infos_fts_ids (file_id) SELECT id FROM file_infos ORDER BY create_at",
    "INSERT INTO file_infos_fts (rowid, name) \
       SELECT i.rowid, f.name FROM file_infos_fts_ids i JOIN file_infos f ON f.id = i.file_id",
    "CREATE TRIGGER file_infos_fts_insert AFTER INSERT ON file_infos BEGIN \
       INSERT INTO file_infos_fts_ids (file_id) VALUES (new.id); \
       INSERT INTO file_infos_fts (rowid, name) VALUES (last_insert_rowid(), new.name); END",
    "CREATE TRIGGER file_infos_fts_delete AFTER DELETE ON file_infos BEGIN \
       DELETE FROM file_infos_fts WHERE rowid = \
         (SELECT rowid FROM file_infos_fts_ids WHERE file_id = old.id); \
       DELETE FROM file_infos_fts_ids WHERE file_id = old.id; END",
    "CREATE TRIGGER file_infos_fts_update AFTER UPDATE OF name ON file_infos BEGIN \
       DELETE FROM file_infos_fts WHERE rowid = \
         (SELECT rowid FROM file_infos_fts_ids WHERE file_id = old.id); \
       INSERT INTO file_infos_fts (rowid, name) \
         SELECT rowid, new.name FROM file_infos_fts_ids WHERE file_id = new.id; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS file_infos_fts_update",
    "DROP TRIGGER IF EXISTS file_infos_fts_delete",
    "DROP TRIGGER IF EXISTS file_infos_fts_insert",
    "DROP TABLE IF EXISTS file_infos_fts",
    "DROP TABLE IF EXISTS file_infos_fts_ids",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE file_infos ADD COLUMN name_tsv tsvector GENERATED ALWAYS AS \
       (to_tsvector('simple', regexp_replace(name, '[^[:alnum:]]+', ' ', 'g'))) STORED",
    "CREATE INDEX idx_file_infos_name_tsv ON file_infos USING GIN (name_tsv)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_file_infos_name_tsv",
    "ALTER TABLE file_infos DROP COLUMN IF EXISTS name_tsv",
];

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait's expansion rejects SchemaManager<'_> (E0195)"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run(m, POSTGRES_UP, SQLITE_UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run(m, POSTGRES_DOWN, SQLITE_DOWN).await
    }
}

async fn run(m: &SchemaManager<'_>, postgres: &[&str], sqlite: &[&str]) -> Result<(), DbErr> {
    let db = m.get_connection();
    let statements = match db.get_database_backend() {
        DatabaseBackend::Postgres => postgres,
        _ => sqlite,
    };
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}
