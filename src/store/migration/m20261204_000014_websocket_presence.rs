//! Which nodes hold websocket connections of which users, so that a user goes offline only
//! when their last connection on any node closes (src/store/connections.rs). Only nodes
//! sharing a PostgreSQL database write it; each refreshes its rows, and rows of a node
//! that stopped refreshing are swept.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebsocketPresence {
    Table,
    NodeId,
    UserId,
    SeenAt,
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
                .table(WebsocketPresence::Table)
                .col(
                    ColumnDef::new(WebsocketPresence::NodeId)
                        .string_len(26)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebsocketPresence::UserId)
                        .string_len(26)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebsocketPresence::SeenAt)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(WebsocketPresence::NodeId)
                        .col(WebsocketPresence::UserId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_websocket_presence_user")
                .table(WebsocketPresence::Table)
                .col(WebsocketPresence::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebsocketPresence::Table).to_owned())
            .await
    }
}
