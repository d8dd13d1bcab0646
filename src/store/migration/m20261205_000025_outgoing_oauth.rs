//! Outgoing OAuth connections: the credentials ferromost uses to get a token for an
//! integration's requests, and the audience URLs they serve, each URL served by at most one
//! connection (the unique key makes racing saves of one audience end with one winner).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutgoingOauthConnections {
    Table,
    Id,
    CreatorId,
    CreateAt,
    UpdateAt,
    Name,
    ClientId,
    ClientSecret,
    CredentialsUsername,
    CredentialsPassword,
    OauthTokenUrl,
    GrantType,
    Audiences,
}

#[derive(DeriveIden)]
enum OutgoingOauthAudiences {
    Table,
    Audience,
    ConnectionId,
}

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait's expansion rejects SchemaManager<'_> (E0195)"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use OutgoingOauthConnections as C;
        m.create_table(
            Table::create()
                .table(C::Table)
                .col(string_len(C::Id, 26).primary_key())
                .col(string_len(C::CreatorId, 26))
                .col(big_integer(C::CreateAt))
                .col(big_integer(C::UpdateAt))
                .col(string_len(C::Name, 64))
                .col(string_len(C::ClientId, 255))
                .col(string_len(C::ClientSecret, 255))
                .col(string_len_null(C::CredentialsUsername, 255))
                .col(string_len_null(C::CredentialsPassword, 255))
                .col(string_len(C::OauthTokenUrl, 256))
                .col(string_len(C::GrantType, 32))
                .col(text(C::Audiences))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OutgoingOauthAudiences::Table)
                .col(string_len(OutgoingOauthAudiences::Audience, 1024).primary_key())
                .col(string_len(OutgoingOauthAudiences::ConnectionId, 26))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outgoing_oauth_audiences_connection")
                .table(OutgoingOauthAudiences::Table)
                .col(OutgoingOauthAudiences::ConnectionId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutgoingOauthAudiences::Table.into_iden(),
            OutgoingOauthConnections::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
