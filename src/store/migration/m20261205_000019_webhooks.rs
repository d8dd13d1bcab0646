//! Incoming webhooks: a URL that posts into a channel as its owner.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IncomingWebhooks {
    Table,
    Id,
    CreateAt,
    UpdateAt,
    DeleteAt,
    UserId,
    ChannelId,
    TeamId,
    DisplayName,
    Description,
    Username,
    IconUrl,
    ChannelLocked,
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
                .table(IncomingWebhooks::Table)
                .col(string_len(IncomingWebhooks::Id, 26).primary_key())
                .col(big_integer(IncomingWebhooks::CreateAt))
                .col(big_integer(IncomingWebhooks::UpdateAt))
                .col(big_integer(IncomingWebhooks::DeleteAt))
                .col(string_len(IncomingWebhooks::UserId, 26))
                .col(string_len(IncomingWebhooks::ChannelId, 26))
                .col(string_len(IncomingWebhooks::TeamId, 26))
                .col(string_len(IncomingWebhooks::DisplayName, 64))
                .col(string_len(IncomingWebhooks::Description, 500))
                .col(string_len(IncomingWebhooks::Username, 255))
                .col(text(IncomingWebhooks::IconUrl))
                .col(boolean(IncomingWebhooks::ChannelLocked))
                .to_owned(),
        )
        .await?;
        for (name, column) in [
            ("idx_incoming_webhooks_team_id", IncomingWebhooks::TeamId),
            ("idx_incoming_webhooks_user_id", IncomingWebhooks::UserId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(IncomingWebhooks::Table)
                    .col(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IncomingWebhooks::Table).to_owned())
            .await
    }
}
