//! What Corteza keeps of a role beside Mattermost's row: its handle as Corteza shows it
//! (Mattermost's role names are narrower) and when it was archived.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CortezaRoles {
    Table,
    Name,
    Handle,
    ArchivedAt,
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
                .table(CortezaRoles::Table)
                .col(string_len(CortezaRoles::Name, 64).primary_key())
                .col(string_len(CortezaRoles::Handle, 64))
                .col(big_integer(CortezaRoles::ArchivedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CortezaRoles::Table).to_owned())
            .await
    }
}
