//! Teams and team memberships.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    CreateAt,
    UpdateAt,
    DeleteAt,
    DisplayName,
    Name,
    Description,
    Email,
    TeamType,
    CompanyName,
    AllowedDomains,
    InviteId,
    AllowOpenInvite,
    LastTeamIconUpdate,
    SchemeId,
    GroupConstrained,
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    TeamId,
    UserId,
    Roles,
    DeleteAt,
    SchemeGuest,
    SchemeUser,
    SchemeAdmin,
    CreateAt,
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
                .table(Teams::Table)
                .col(string_len(Teams::Id, 26).primary_key())
                .col(big_integer(Teams::CreateAt))
                .col(big_integer(Teams::UpdateAt))
                .col(big_integer(Teams::DeleteAt))
                .col(string_len(Teams::DisplayName, 256))
                .col(string_len_uniq(Teams::Name, 64))
                .col(string_len(Teams::Description, 255))
                .col(string_len(Teams::Email, 128))
                .col(string_len(Teams::TeamType, 8))
                .col(string_len(Teams::CompanyName, 64))
                .col(string_len(Teams::AllowedDomains, 1000))
                .col(string_len(Teams::InviteId, 32))
                .col(boolean(Teams::AllowOpenInvite))
                .col(big_integer(Teams::LastTeamIconUpdate))
                .col(string_len(Teams::SchemeId, 26))
                .col(boolean(Teams::GroupConstrained))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_teams_invite_id")
                .table(Teams::Table)
                .col(Teams::InviteId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TeamMembers::Table)
                .col(string_len(TeamMembers::TeamId, 26))
                .col(string_len(TeamMembers::UserId, 26))
                .col(string_len(TeamMembers::Roles, 256))
                .col(big_integer(TeamMembers::DeleteAt))
                .col(boolean(TeamMembers::SchemeGuest))
                .col(boolean(TeamMembers::SchemeUser))
                .col(boolean(TeamMembers::SchemeAdmin))
                .col(big_integer(TeamMembers::CreateAt))
                .primary_key(
                    Index::create()
                        .col(TeamMembers::TeamId)
                        .col(TeamMembers::UserId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_team_members_user_id")
                .table(TeamMembers::Table)
                .col(TeamMembers::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TeamMembers::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Teams::Table).to_owned())
            .await
    }
}
