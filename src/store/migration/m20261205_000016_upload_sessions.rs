//! Resumable uploads: what each expects and how much of it has arrived.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UploadSessions {
    Table,
    Id,
    Kind,
    CreateAt,
    UserId,
    ChannelId,
    Filename,
    Path,
    FileSize,
    FileOffset,
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
                .table(UploadSessions::Table)
                .col(string_len(UploadSessions::Id, 26).primary_key())
                .col(string_len(UploadSessions::Kind, 32))
                .col(big_integer(UploadSessions::CreateAt))
                .col(string_len(UploadSessions::UserId, 26))
                .col(string_len(UploadSessions::ChannelId, 26))
                .col(string_len(UploadSessions::Filename, 256))
                .col(string_len(UploadSessions::Path, 512))
                .col(big_integer(UploadSessions::FileSize))
                .col(big_integer(UploadSessions::FileOffset))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_upload_sessions_user_id")
                .table(UploadSessions::Table)
                .col(UploadSessions::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UploadSessions::Table).to_owned())
            .await
    }
}
