//! Sidebar categories: each user's categories per team, and the channels placed in one
//! explicitly (the rest fall in the default category of their kind).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SidebarCategories {
    Table,
    Id,
    UserId,
    TeamId,
    DisplayName,
    Type,
    SortOrder,
    Sorting,
    Muted,
    Collapsed,
}

#[derive(DeriveIden)]
enum SidebarChannels {
    Table,
    UserId,
    TeamId,
    ChannelId,
    CategoryId,
    SortOrder,
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
                .table(SidebarCategories::Table)
                .col(string_len(SidebarCategories::Id, 128).primary_key())
                .col(string_len(SidebarCategories::UserId, 26))
                .col(string_len(SidebarCategories::TeamId, 26))
                .col(string_len(SidebarCategories::DisplayName, 64))
                .col(string_len(SidebarCategories::Type, 32))
                .col(big_integer(SidebarCategories::SortOrder))
                .col(string_len(SidebarCategories::Sorting, 64))
                .col(boolean(SidebarCategories::Muted))
                .col(boolean(SidebarCategories::Collapsed))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sidebar_categories_user_team")
                .table(SidebarCategories::Table)
                .col(SidebarCategories::UserId)
                .col(SidebarCategories::TeamId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SidebarChannels::Table)
                .col(string_len(SidebarChannels::UserId, 26))
                .col(string_len(SidebarChannels::TeamId, 26))
                .col(string_len(SidebarChannels::ChannelId, 26))
                .col(string_len(SidebarChannels::CategoryId, 128))
                .col(big_integer(SidebarChannels::SortOrder))
                .primary_key(
                    Index::create()
                        .col(SidebarChannels::UserId)
                        .col(SidebarChannels::TeamId)
                        .col(SidebarChannels::ChannelId),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SidebarChannels::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SidebarCategories::Table).to_owned())
            .await
    }
}
