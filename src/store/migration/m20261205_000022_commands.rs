//! Slash commands: a team's custom commands, and the response URLs given to the
//! integrations they call (for answers sent later).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Commands {
    Table,
    Id,
    Token,
    CreateAt,
    UpdateAt,
    DeleteAt,
    CreatorId,
    TeamId,
    Trigger,
    Method,
    Username,
    IconUrl,
    AutoComplete,
    AutoCompleteDesc,
    AutoCompleteHint,
    DisplayName,
    Description,
    Url,
    PluginId,
}

#[derive(DeriveIden)]
enum CommandWebhooks {
    Table,
    Id,
    CreateAt,
    CommandId,
    UserId,
    ChannelId,
    RootId,
    UseCount,
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
                .table(Commands::Table)
                .col(string_len(Commands::Id, 26).primary_key())
                .col(string_len(Commands::Token, 26))
                .col(big_integer(Commands::CreateAt))
                .col(big_integer(Commands::UpdateAt))
                .col(big_integer(Commands::DeleteAt))
                .col(string_len(Commands::CreatorId, 26))
                .col(string_len(Commands::TeamId, 26))
                .col(string_len(Commands::Trigger, 128))
                .col(string_len(Commands::Method, 1))
                .col(string_len(Commands::Username, 64))
                .col(text(Commands::IconUrl))
                .col(boolean(Commands::AutoComplete))
                .col(text(Commands::AutoCompleteDesc))
                .col(text(Commands::AutoCompleteHint))
                .col(string_len(Commands::DisplayName, 64))
                .col(string_len(Commands::Description, 128))
                .col(text(Commands::Url))
                .col(string_len(Commands::PluginId, 190))
                .to_owned(),
        )
        .await?;
        // One live command a trigger in a team, also when two creations race (a deleted
        // one keeps its delete time).
        m.create_index(
            Index::create()
                .name("idx_commands_team_trigger")
                .table(Commands::Table)
                .col(Commands::TeamId)
                .col(Commands::Trigger)
                .col(Commands::DeleteAt)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CommandWebhooks::Table)
                .col(string_len(CommandWebhooks::Id, 26).primary_key())
                .col(big_integer(CommandWebhooks::CreateAt))
                .col(string_len(CommandWebhooks::CommandId, 26))
                .col(string_len(CommandWebhooks::UserId, 26))
                .col(string_len(CommandWebhooks::ChannelId, 26))
                .col(string_len(CommandWebhooks::RootId, 26))
                .col(integer(CommandWebhooks::UseCount))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_command_webhooks_create_at")
                .table(CommandWebhooks::Table)
                .col(CommandWebhooks::CreateAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CommandWebhooks::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Commands::Table).to_owned())
            .await
    }
}
