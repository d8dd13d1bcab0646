//! Post reminders: a user's request to be reminded of a post at a time (Unix seconds).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PostReminders {
    Table,
    PostId,
    UserId,
    TargetTime,
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
                .table(PostReminders::Table)
                .col(string_len(PostReminders::PostId, 26))
                .col(string_len(PostReminders::UserId, 26))
                .col(big_integer(PostReminders::TargetTime))
                .primary_key(
                    Index::create()
                        .col(PostReminders::PostId)
                        .col(PostReminders::UserId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_post_reminders_target_time")
                .table(PostReminders::Table)
                .col(PostReminders::TargetTime)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PostReminders::Table).to_owned())
            .await
    }
}
