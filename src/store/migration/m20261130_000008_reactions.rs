//! Reactions to posts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reactions {
    Table,
    PostId,
    UserId,
    EmojiName,
    ChannelId,
    CreateAt,
}

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait's expansion rejects SchemaManager<'_> (E0195)"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Reactions::Table)
                .col(string_len(Reactions::PostId, 26))
                .col(string_len(Reactions::UserId, 26))
                .col(string_len(Reactions::EmojiName, 64))
                .col(string_len(Reactions::ChannelId, 26))
                .col(big_integer(Reactions::CreateAt))
                .primary_key(
                    Index::create()
                        .col(Reactions::PostId)
                        .col(Reactions::UserId)
                        .col(Reactions::EmojiName),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Reactions::Table).to_owned())
            .await
    }
}
