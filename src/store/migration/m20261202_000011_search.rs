//! Post search through a full-text index, and the indexes the hot post queries need.
//!
//! SQLite: a contentless FTS5 table over `posts.message`, kept in step by triggers. PostgreSQL: a generated `tsvector` column with a GIN
//! index. Both use a plain tokenizer (no stemming, no stop words), as the two must agree.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    ChannelId,
    UpdateAt,
    UserId,
}

// The posts' own rowids are not stable (VACUUM may renumber a table without an INTEGER
// PRIMARY KEY), so the index is keyed by a number of its own, mapped to the post id.
const SQLITE_UP: &[&str] = &[
    "CREATE TABLE posts_fts_ids (rowid INTEGER PRIMARY KEY, post_id TEXT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE posts_fts USING fts5(message, content='', contentless_delete=1, \
       tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO posts_fts_ids (post_id) SELECT id FROM posts ORDER BY create_at",
    "INSERT INTO posts_fts (rowid, message) \
       SELECT i.rowid, p.message FROM posts_fts_ids i JOIN posts p ON p.id = i.post_id",
    "CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN \
       INSERT INTO posts_fts_ids (post_id) VALUES (new.id); \
       INSERT INTO posts_fts (rowid, message) VALUES (last_insert_rowid(), new.message); END",
    "CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN \
       DELETE FROM posts_fts WHERE rowid = (SELECT rowid FROM posts_fts_ids WHERE post_id = old.id); \
       DELETE FROM posts_fts_ids WHERE post_id = old.id; END",
    "CREATE TRIGGER posts_fts_update AFTER UPDATE OF message ON posts BEGIN \
       DELETE FROM posts_fts WHERE rowid = (SELECT rowid FROM posts_fts_ids WHERE post_id = old.id); \
       INSERT INTO posts_fts (rowid, message) \
         SELECT rowid, new.message FROM posts_fts_ids WHERE post_id = new.id; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS posts_fts_update",
    "DROP TRIGGER IF EXISTS posts_fts_delete",
    "DROP TRIGGER IF EXISTS posts_fts_insert",
    "DROP TABLE IF EXISTS posts_fts",
    "DROP TABLE IF EXISTS posts_fts_ids",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE posts ADD COLUMN message_tsv tsvector \
       GENERATED ALWAYS AS (to_tsvector('simple', message)) STORED",
    "CREATE INDEX idx_posts_message_tsv ON posts USING GIN (message_tsv)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_posts_message_tsv",
    "ALTER TABLE posts DROP COLUMN IF EXISTS message_tsv",
];

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait's expansion rejects SchemaManager<'_> (E0195)"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let statements = match db.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        // `since` answers (posts changed after a time) and a user's posts.
        m.create_index(
            Index::create()
                .name("idx_posts_channel_id_update_at")
                .table(Posts::Table)
                .col(Posts::ChannelId)
                .col(Posts::UpdateAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_posts_user_id")
                .table(Posts::Table)
                .col(Posts::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_posts_user_id", "idx_posts_channel_id_update_at"] {
            m.drop_index(Index::drop().name(name).table(Posts::Table).to_owned())
                .await?;
        }
        let db = m.get_connection();
        let statements = match db.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
