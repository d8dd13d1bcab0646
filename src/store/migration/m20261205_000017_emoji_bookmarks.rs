//! Custom emoji (one live row per name) and channel bookmarks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Emoji {
    Table,
    Id,
    CreateAt,
    UpdateAt,
    DeleteAt,
    CreatorId,
    Name,
}

#[derive(DeriveIden)]
enum ChannelBookmarks {
    Table,
    Id,
    CreateAt,
    UpdateAt,
    DeleteAt,
    ChannelId,
    OwnerId,
    FileId,
    DisplayName,
    SortOrder,
    LinkUrl,
    ImageUrl,
    Emoji,
    Kind,
    OriginalId,
    ParentId,
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
                .table(Emoji::Table)
                .col(string_len(Emoji::Id, 26).primary_key())
                .col(big_integer(Emoji::CreateAt))
                .col(big_integer(Emoji::UpdateAt))
                .col(big_integer(Emoji::DeleteAt))
                .col(string_len(Emoji::CreatorId, 26))
                .col(string_len(Emoji::Name, 64))
                .to_owned(),
        )
        .await?;
        // Two creations of one name at once: the second is refused by the database.
        m.create_index(
            Index::create()
                .name("idx_emoji_name_delete_at")
                .table(Emoji::Table)
                .col(Emoji::Name)
                .col(Emoji::DeleteAt)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ChannelBookmarks::Table)
                .col(string_len(ChannelBookmarks::Id, 26).primary_key())
                .col(big_integer(ChannelBookmarks::CreateAt))
                .col(big_integer(ChannelBookmarks::UpdateAt))
                .col(big_integer(ChannelBookmarks::DeleteAt))
                .col(string_len(ChannelBookmarks::ChannelId, 26))
                .col(string_len(ChannelBookmarks::OwnerId, 26))
                .col(string_len(ChannelBookmarks::FileId, 26))
                .col(text(ChannelBookmarks::DisplayName))
                .col(big_integer(ChannelBookmarks::SortOrder))
                .col(text(ChannelBookmarks::LinkUrl))
                .col(text(ChannelBookmarks::ImageUrl))
                .col(text(ChannelBookmarks::Emoji))
                .col(string_len(ChannelBookmarks::Kind, 8))
                .col(string_len(ChannelBookmarks::OriginalId, 26))
                .col(string_len(ChannelBookmarks::ParentId, 26))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_channel_bookmarks_channel_id")
                .table(ChannelBookmarks::Table)
                .col(ChannelBookmarks::ChannelId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChannelBookmarks::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Emoji::Table).to_owned())
            .await
    }
}
