//! Single-use tokens sent by email.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tokens {
    Table,
    Token,
    CreateAt,
    Type,
    Extra,
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
                .table(Tokens::Table)
                .col(string_len(Tokens::Token, 64).primary_key())
                .col(big_integer(Tokens::CreateAt))
                .col(string_len(Tokens::Type, 64))
                .col(text(Tokens::Extra))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Tokens::Table).to_owned())
            .await
    }
}
