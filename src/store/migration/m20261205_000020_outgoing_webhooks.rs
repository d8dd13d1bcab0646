//! Outgoing webhooks: posts in a team's public channels sent to an integration's URLs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutgoingWebhooks {
    Table,
    Id,
    Token,
    CreateAt,
    UpdateAt,
    DeleteAt,
    CreatorId,
    ChannelId,
    TeamId,
    TriggerWords,
    TriggerWhen,
    CallbackUrls,
    DisplayName,
    Description,
    ContentType,
    Username,
    IconUrl,
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
                .table(OutgoingWebhooks::Table)
                .col(string_len(OutgoingWebhooks::Id, 26).primary_key())
                .col(string_len(OutgoingWebhooks::Token, 26))
                .col(big_integer(OutgoingWebhooks::CreateAt))
                .col(big_integer(OutgoingWebhooks::UpdateAt))
                .col(big_integer(OutgoingWebhooks::DeleteAt))
                .col(string_len(OutgoingWebhooks::CreatorId, 26))
                .col(string_len(OutgoingWebhooks::ChannelId, 26))
                .col(string_len(OutgoingWebhooks::TeamId, 26))
                .col(text(OutgoingWebhooks::TriggerWords))
                .col(integer(OutgoingWebhooks::TriggerWhen))
                .col(text(OutgoingWebhooks::CallbackUrls))
                .col(string_len(OutgoingWebhooks::DisplayName, 64))
                .col(string_len(OutgoingWebhooks::Description, 500))
                .col(string_len(OutgoingWebhooks::ContentType, 128))
                .col(string_len(OutgoingWebhooks::Username, 64))
                .col(text(OutgoingWebhooks::IconUrl))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outgoing_webhooks_team_id")
                .table(OutgoingWebhooks::Table)
                .col(OutgoingWebhooks::TeamId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OutgoingWebhooks::Table).to_owned())
            .await
    }
}
