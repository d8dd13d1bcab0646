//! Channels and channel memberships.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    CreateAt,
    UpdateAt,
    DeleteAt,
    TeamId,
    ChannelType,
    DisplayName,
    Name,
    Header,
    Purpose,
    LastPostAt,
    TotalMsgCount,
    TotalMsgCountRoot,
    LastRootPostAt,
    ExtraUpdateAt,
    CreatorId,
    SchemeId,
    GroupConstrained,
}

#[derive(DeriveIden)]
enum ChannelMembers {
    Table,
    ChannelId,
    UserId,
    Roles,
    LastViewedAt,
    MsgCount,
    MsgCountRoot,
    MentionCount,
    MentionCountRoot,
    UrgentMentionCount,
    NotifyProps,
    LastUpdateAt,
    SchemeGuest,
    SchemeUser,
    SchemeAdmin,
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
                .table(Channels::Table)
                .col(string_len(Channels::Id, 26).primary_key())
                .col(big_integer(Channels::CreateAt))
                .col(big_integer(Channels::UpdateAt))
                .col(big_integer(Channels::DeleteAt))
                .col(string_len(Channels::TeamId, 26))
                .col(string_len(Channels::ChannelType, 1))
                .col(string_len(Channels::DisplayName, 64))
                .col(string_len(Channels::Name, 64))
                .col(string_len(Channels::Header, 1024))
                .col(string_len(Channels::Purpose, 250))
                .col(big_integer(Channels::LastPostAt))
                .col(big_integer(Channels::TotalMsgCount))
                .col(big_integer(Channels::TotalMsgCountRoot))
                .col(big_integer(Channels::LastRootPostAt))
                .col(big_integer(Channels::ExtraUpdateAt))
                .col(string_len(Channels::CreatorId, 26))
                .col(string_len(Channels::SchemeId, 26))
                .col(boolean(Channels::GroupConstrained))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_channels_team_id_name")
                .table(Channels::Table)
                .col(Channels::TeamId)
                .col(Channels::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ChannelMembers::Table)
                .col(string_len(ChannelMembers::ChannelId, 26))
                .col(string_len(ChannelMembers::UserId, 26))
                .col(string_len(ChannelMembers::Roles, 256))
                .col(big_integer(ChannelMembers::LastViewedAt))
                .col(big_integer(ChannelMembers::MsgCount))
                .col(big_integer(ChannelMembers::MsgCountRoot))
                .col(big_integer(ChannelMembers::MentionCount))
                .col(big_integer(ChannelMembers::MentionCountRoot))
                .col(big_integer(ChannelMembers::UrgentMentionCount))
                .col(text(ChannelMembers::NotifyProps))
                .col(big_integer(ChannelMembers::LastUpdateAt))
                .col(boolean(ChannelMembers::SchemeGuest))
                .col(boolean(ChannelMembers::SchemeUser))
                .col(boolean(ChannelMembers::SchemeAdmin))
                .primary_key(
                    Index::create()
                        .col(ChannelMembers::ChannelId)
                        .col(ChannelMembers::UserId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_channel_members_user_id")
                .table(ChannelMembers::Table)
                .col(ChannelMembers::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChannelMembers::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Channels::Table).to_owned())
            .await
    }
}
