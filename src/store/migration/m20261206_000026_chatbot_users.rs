//! ChatCaptain's chatbot users: the accounts granted access to a bot (a chatbot) in a team
//! (a workspace), with the per-chatbot roles they hold there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChatbotUsers {
    Table,
    TeamId,
    BotId,
    UserId,
    Roles,
    AddedBy,
    CreateAt,
    UpdateAt,
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
                .table(ChatbotUsers::Table)
                .col(string_len(ChatbotUsers::TeamId, 26))
                .col(string_len(ChatbotUsers::BotId, 26))
                .col(string_len(ChatbotUsers::UserId, 26))
                .col(string_len(ChatbotUsers::Roles, 256))
                .col(string_len(ChatbotUsers::AddedBy, 26))
                .col(big_integer(ChatbotUsers::CreateAt))
                .col(big_integer(ChatbotUsers::UpdateAt))
                .primary_key(
                    Index::create()
                        .col(ChatbotUsers::TeamId)
                        .col(ChatbotUsers::BotId)
                        .col(ChatbotUsers::UserId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_chatbot_users_user_id")
                .table(ChatbotUsers::Table)
                .col(ChatbotUsers::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChatbotUsers::Table).to_owned())
            .await
    }
}
