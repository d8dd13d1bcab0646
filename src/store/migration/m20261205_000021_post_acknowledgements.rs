//! Acknowledgements of posts: who acknowledged which post, and when.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PostAcknowledgements {
    Table,
    PostId,
    UserId,
    ChannelId,
    AcknowledgedAt,
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
                .table(PostAcknowledgements::Table)
                .col(string_len(PostAcknowledgements::PostId, 26))
                .col(string_len(PostAcknowledgements::UserId, 26))
                .col(string_len(PostAcknowledgements::ChannelId, 26))
                .col(big_integer(PostAcknowledgements::AcknowledgedAt))
                .primary_key(
                    Index::create()
                        .col(PostAcknowledgements::PostId)
                        .col(PostAcknowledgements::UserId),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PostAcknowledgements::Table).to_owned())
            .await
    }
}
