//! Custom terms of service (users record the version they accepted on their own row).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TermsOfService {
    Table,
    Id,
    CreateAt,
    UserId,
    Text,
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
                .table(TermsOfService::Table)
                .col(string_len(TermsOfService::Id, 26).primary_key())
                .col(big_integer(TermsOfService::CreateAt))
                .col(string_len(TermsOfService::UserId, 26))
                .col(text(TermsOfService::Text))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TermsOfService::Table).to_owned())
            .await
    }
}
