//! The identity tables: users, sessions, access tokens, bots, roles, preferences, systems
//! and audits.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    CreateAt,
    UpdateAt,
    DeleteAt,
    Username,
    Password,
    AuthData,
    AuthService,
    Email,
    EmailVerified,
    Nickname,
    FirstName,
    LastName,
    Position,
    Roles,
    AllowMarketing,
    Props,
    NotifyProps,
    LastPasswordUpdate,
    LastPictureUpdate,
    FailedAttempts,
    Locale,
    Timezone,
    MfaActive,
    MfaSecret,
    MfaUsedStep,
    RemoteId,
    LastActivityAt,
    LastLogin,
    TermsOfServiceId,
    TermsOfServiceCreateAt,
    DisableWelcomeEmail,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Token,
    CreateAt,
    ExpiresAt,
    LastActivityAt,
    UserId,
    DeviceId,
    Roles,
    IsOauth,
    ExpiredNotify,
    Props,
}

#[derive(DeriveIden)]
enum UserAccessTokens {
    Table,
    Id,
    Token,
    UserId,
    Description,
    IsActive,
}

#[derive(DeriveIden)]
enum Bots {
    Table,
    UserId,
    Description,
    OwnerId,
    LastIconUpdate,
    CreateAt,
    UpdateAt,
    DeleteAt,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    Name,
    DisplayName,
    Description,
    CreateAt,
    UpdateAt,
    DeleteAt,
    Permissions,
    SchemeManaged,
    BuiltIn,
}

#[derive(DeriveIden)]
enum Preferences {
    Table,
    UserId,
    Category,
    Name,
    Value,
}

#[derive(DeriveIden)]
enum Systems {
    Table,
    Name,
    Value,
}

#[derive(DeriveIden)]
enum Audits {
    Table,
    Id,
    CreateAt,
    UserId,
    Action,
    ExtraInfo,
    IpAddress,
    SessionId,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    string_len(col, 26)
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
                .table(Users::Table)
                .col(id(Users::Id).primary_key())
                .col(big_integer(Users::CreateAt))
                .col(big_integer(Users::UpdateAt))
                .col(big_integer(Users::DeleteAt))
                .col(string_len_uniq(Users::Username, 64))
                .col(string_len(Users::Password, 256))
                .col(string_len_null(Users::AuthData, 128).unique_key())
                .col(string_len(Users::AuthService, 32))
                .col(string_len_uniq(Users::Email, 128))
                .col(boolean(Users::EmailVerified))
                .col(string_len(Users::Nickname, 64))
                .col(string_len(Users::FirstName, 64))
                .col(string_len(Users::LastName, 64))
                .col(string_len(Users::Position, 128))
                .col(string_len(Users::Roles, 256))
                .col(boolean(Users::AllowMarketing))
                .col(text(Users::Props))
                .col(text(Users::NotifyProps))
                .col(big_integer(Users::LastPasswordUpdate))
                .col(big_integer(Users::LastPictureUpdate))
                .col(big_integer(Users::FailedAttempts))
                .col(string_len(Users::Locale, 5))
                .col(text(Users::Timezone))
                .col(boolean(Users::MfaActive))
                .col(string_len(Users::MfaSecret, 128))
                .col(big_integer(Users::MfaUsedStep))
                .col(string_len_null(Users::RemoteId, 26))
                .col(big_integer(Users::LastActivityAt))
                .col(big_integer(Users::LastLogin))
                .col(string_len(Users::TermsOfServiceId, 26))
                .col(big_integer(Users::TermsOfServiceCreateAt))
                .col(boolean(Users::DisableWelcomeEmail))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(id(Sessions::Id).primary_key())
                .col(string_len_uniq(Sessions::Token, 64))
                .col(big_integer(Sessions::CreateAt))
                .col(big_integer(Sessions::ExpiresAt))
                .col(big_integer(Sessions::LastActivityAt))
                .col(id(Sessions::UserId))
                .col(string_len(Sessions::DeviceId, 512))
                .col(string_len(Sessions::Roles, 256))
                .col(boolean(Sessions::IsOauth))
                .col(boolean(Sessions::ExpiredNotify))
                .col(text(Sessions::Props))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sessions_user_id")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserAccessTokens::Table)
                .col(id(UserAccessTokens::Id).primary_key())
                .col(string_len_uniq(UserAccessTokens::Token, 64))
                .col(id(UserAccessTokens::UserId))
                .col(string_len(UserAccessTokens::Description, 512))
                .col(boolean(UserAccessTokens::IsActive))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_user_access_tokens_user_id")
                .table(UserAccessTokens::Table)
                .col(UserAccessTokens::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Bots::Table)
                .col(id(Bots::UserId).primary_key())
                .col(string_len(Bots::Description, 1024))
                .col(id(Bots::OwnerId))
                .col(big_integer(Bots::LastIconUpdate))
                .col(big_integer(Bots::CreateAt))
                .col(big_integer(Bots::UpdateAt))
                .col(big_integer(Bots::DeleteAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_bots_owner_id")
                .table(Bots::Table)
                .col(Bots::OwnerId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Roles::Table)
                .col(id(Roles::Id).primary_key())
                .col(string_len_uniq(Roles::Name, 64))
                .col(string_len(Roles::DisplayName, 128))
                .col(text(Roles::Description))
                .col(big_integer(Roles::CreateAt))
                .col(big_integer(Roles::UpdateAt))
                .col(big_integer(Roles::DeleteAt))
                .col(text(Roles::Permissions))
                .col(boolean(Roles::SchemeManaged))
                .col(boolean(Roles::BuiltIn))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Preferences::Table)
                .col(id(Preferences::UserId))
                .col(string_len(Preferences::Category, 32))
                .col(string_len(Preferences::Name, 32))
                .col(text(Preferences::Value))
                .primary_key(
                    Index::create()
                        .col(Preferences::UserId)
                        .col(Preferences::Category)
                        .col(Preferences::Name),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Systems::Table)
                .col(string_len(Systems::Name, 64).primary_key())
                .col(text(Systems::Value))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Audits::Table)
                .col(id(Audits::Id).primary_key())
                .col(big_integer(Audits::CreateAt))
                .col(id(Audits::UserId))
                .col(string_len(Audits::Action, 512))
                .col(text(Audits::ExtraInfo))
                .col(string_len(Audits::IpAddress, 64))
                .col(string_len(Audits::SessionId, 26))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audits_user_id")
                .table(Audits::Table)
                .col(Audits::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Audits::Table.into_iden(),
            Systems::Table.into_iden(),
            Preferences::Table.into_iden(),
            Roles::Table.into_iden(),
            Bots::Table.into_iden(),
            UserAccessTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
