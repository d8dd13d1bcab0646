//! Permission schemes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Schemes {
    Table,
    Id,
    Name,
    Description,
    CreateAt,
    UpdateAt,
    DeleteAt,
    Scope,
    DefaultTeamAdminRole,
    DefaultTeamUserRole,
    DefaultTeamGuestRole,
    DefaultChannelAdminRole,
    DefaultChannelUserRole,
    DefaultChannelGuestRole,
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
                .table(Schemes::Table)
                .col(string_len(Schemes::Id, 26).primary_key())
                .col(string_len(Schemes::Name, 64))
                .col(text(Schemes::Description))
                .col(big_integer(Schemes::CreateAt))
                .col(big_integer(Schemes::UpdateAt))
                .col(big_integer(Schemes::DeleteAt))
                .col(string_len(Schemes::Scope, 32))
                .col(string_len(Schemes::DefaultTeamAdminRole, 64))
                .col(string_len(Schemes::DefaultTeamUserRole, 64))
                .col(string_len(Schemes::DefaultTeamGuestRole, 64))
                .col(string_len(Schemes::DefaultChannelAdminRole, 64))
                .col(string_len(Schemes::DefaultChannelUserRole, 64))
                .col(string_len(Schemes::DefaultChannelGuestRole, 64))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Schemes::Table).to_owned())
            .await
    }
}
