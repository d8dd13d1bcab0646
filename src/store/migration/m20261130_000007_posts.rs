//! Posts, threads and thread memberships.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    CreateAt,
    UpdateAt,
    EditAt,
    DeleteAt,
    IsPinned,
    UserId,
    ChannelId,
    RootId,
    OriginalId,
    Message,
    PostType,
    Props,
    Hashtags,
    FileIds,
    PendingPostId,
}

#[derive(DeriveIden)]
enum Threads {
    Table,
    PostId,
    ChannelId,
    ReplyCount,
    LastReplyAt,
    Participants,
    DeleteAt,
}

#[derive(DeriveIden)]
enum ThreadMemberships {
    Table,
    PostId,
    UserId,
    Following,
    LastViewed,
    LastUpdated,
    UnreadMentions,
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
                .table(Posts::Table)
                .col(string_len(Posts::Id, 26).primary_key())
                .col(big_integer(Posts::CreateAt))
                .col(big_integer(Posts::UpdateAt))
                .col(big_integer(Posts::EditAt))
                .col(big_integer(Posts::DeleteAt))
                .col(boolean(Posts::IsPinned))
                .col(string_len(Posts::UserId, 26))
                .col(string_len(Posts::ChannelId, 26))
                .col(string_len(Posts::RootId, 26))
                .col(string_len(Posts::OriginalId, 26))
                .col(text(Posts::Message))
                .col(string_len(Posts::PostType, 64))
                .col(text(Posts::Props))
                .col(string_len(Posts::Hashtags, 1000))
                .col(text(Posts::FileIds))
                .col(string_len(Posts::PendingPostId, 64))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_posts_channel_id_create_at", Posts::ChannelId),
            ("idx_posts_root_id", Posts::RootId),
        ] {
            let mut index = Index::create();
            index.name(name).table(Posts::Table).col(col);
            if matches!(name, "idx_posts_channel_id_create_at") {
                index.col(Posts::CreateAt);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(Threads::Table)
                .col(string_len(Threads::PostId, 26).primary_key())
                .col(string_len(Threads::ChannelId, 26))
                .col(big_integer(Threads::ReplyCount))
                .col(big_integer(Threads::LastReplyAt))
                .col(text(Threads::Participants))
                .col(big_integer(Threads::DeleteAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_threads_channel_id")
                .table(Threads::Table)
                .col(Threads::ChannelId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ThreadMemberships::Table)
                .col(string_len(ThreadMemberships::PostId, 26))
                .col(string_len(ThreadMemberships::UserId, 26))
                .col(boolean(ThreadMemberships::Following))
                .col(big_integer(ThreadMemberships::LastViewed))
                .col(big_integer(ThreadMemberships::LastUpdated))
                .col(big_integer(ThreadMemberships::UnreadMentions))
                .primary_key(
                    Index::create()
                        .col(ThreadMemberships::PostId)
                        .col(ThreadMemberships::UserId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_thread_memberships_user_id")
                .table(ThreadMemberships::Table)
                .col(ThreadMemberships::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ThreadMemberships::Table.into_iden(),
            Threads::Table.into_iden(),
            Posts::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
