//! User statuses.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Statuses {
    Table,
    UserId,
    Status,
    Manual,
    LastActivityAt,
    DndEndTime,
    PrevStatus,
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
                .table(Statuses::Table)
                .col(string_len(Statuses::UserId, 26).primary_key())
                .col(string_len(Statuses::Status, 32))
                .col(boolean(Statuses::Manual))
                .col(big_integer(Statuses::LastActivityAt))
                .col(big_integer(Statuses::DndEndTime))
                .col(string_len(Statuses::PrevStatus, 32))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Statuses::Table).to_owned())
            .await
    }
}
