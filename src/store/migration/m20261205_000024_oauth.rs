//! The OAuth 2.0 provider: registered apps, authorization codes waiting to be exchanged,
//! and the access data (an OAuth session's token and its refresh token) of each grant.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OauthApps {
    Table,
    Id,
    CreatorId,
    CreateAt,
    UpdateAt,
    ClientSecret,
    Name,
    Description,
    IconUrl,
    CallbackUrls,
    Homepage,
    IsTrusted,
    MattermostAppId,
    IsPublic,
}

#[derive(DeriveIden)]
enum OauthAuthData {
    Table,
    Code,
    ClientId,
    UserId,
    ExpiresIn,
    CreateAt,
    RedirectUri,
    State,
    Scope,
    CodeChallenge,
    CodeChallengeMethod,
}

#[derive(DeriveIden)]
enum OauthAccessData {
    Table,
    Token,
    ClientId,
    UserId,
    RefreshToken,
    RedirectUri,
    ExpiresAt,
    Scope,
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
                .table(OauthApps::Table)
                .col(string_len(OauthApps::Id, 26).primary_key())
                .col(string_len(OauthApps::CreatorId, 26))
                .col(big_integer(OauthApps::CreateAt))
                .col(big_integer(OauthApps::UpdateAt))
                .col(string_len(OauthApps::ClientSecret, 128))
                .col(string_len(OauthApps::Name, 64))
                .col(text(OauthApps::Description))
                .col(text(OauthApps::IconUrl))
                .col(text(OauthApps::CallbackUrls))
                .col(text(OauthApps::Homepage))
                .col(boolean(OauthApps::IsTrusted))
                .col(string_len(OauthApps::MattermostAppId, 32))
                .col(boolean(OauthApps::IsPublic))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_oauth_apps_creator_id")
                .table(OauthApps::Table)
                .col(OauthApps::CreatorId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OauthAuthData::Table)
                .col(string_len(OauthAuthData::Code, 128).primary_key())
                .col(string_len(OauthAuthData::ClientId, 26))
                .col(string_len(OauthAuthData::UserId, 26))
                .col(big_integer(OauthAuthData::ExpiresIn))
                .col(big_integer(OauthAuthData::CreateAt))
                .col(text(OauthAuthData::RedirectUri))
                .col(text(OauthAuthData::State))
                .col(string_len(OauthAuthData::Scope, 128))
                .col(string_len(OauthAuthData::CodeChallenge, 128))
                .col(string_len(OauthAuthData::CodeChallengeMethod, 16))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_oauth_auth_data_client_user")
                .table(OauthAuthData::Table)
                .col(OauthAuthData::ClientId)
                .col(OauthAuthData::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OauthAccessData::Table)
                .col(string_len(OauthAccessData::Token, 26).primary_key())
                .col(string_len(OauthAccessData::ClientId, 26))
                .col(string_len(OauthAccessData::UserId, 26))
                .col(string_len(OauthAccessData::RefreshToken, 26))
                .col(text(OauthAccessData::RedirectUri))
                .col(big_integer(OauthAccessData::ExpiresAt))
                .col(string_len(OauthAccessData::Scope, 128))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_oauth_access_data_client_user")
                .table(OauthAccessData::Table)
                .col(OauthAccessData::ClientId)
                .col(OauthAccessData::UserId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_oauth_access_data_refresh_token")
                .table(OauthAccessData::Table)
                .col(OauthAccessData::RefreshToken)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OauthAccessData::Table.into_iden(),
            OauthAuthData::Table.into_iden(),
            OauthApps::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
