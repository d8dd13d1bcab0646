//! Events too large for a PostgreSQL NOTIFY payload travel between nodes as rows of this
//! table, whose id is notified instead (src/fanout.rs). Rows are kept a minute.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClusterEvents {
    Table,
    Id,
    Payload,
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
                .table(ClusterEvents::Table)
                .col(
                    ColumnDef::new(ClusterEvents::Id)
                        .string_len(26)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(ClusterEvents::Payload).text().not_null())
                .col(
                    ColumnDef::new(ClusterEvents::CreateAt)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ClusterEvents::Table).to_owned())
            .await
    }
}
