//! The objects only Corteza's system API has: applications, reminders, organisations,
//! settings (key/value, global or owned by a user), the files settings point at, and the
//! organisation a role was moved to.
//! Times are milliseconds since the epoch (0: never); users are named by their numeric
//! Corteza ids (`numeric_ids`), which stay one-to-one with the accounts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CortezaApplications {
    Table,
    Id,
    Name,
    OwnerId,
    Enabled,
    Unify,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum CortezaReminders {
    Table,
    Id,
    Resource,
    Payload,
    SnoozeCount,
    AssignedTo,
    AssignedBy,
    AssignedAt,
    DismissedBy,
    DismissedAt,
    RemindAt,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum CortezaOrganisations {
    Table,
    Id,
    Fqn,
    Name,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum CortezaSettings {
    Table,
    Name,
    OwnedBy,
    Value,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum CortezaRoles {
    Table,
    OrganisationId,
}

#[derive(DeriveIden)]
enum CortezaAttachments {
    Table,
    Id,
    OwnerId,
    Kind,
    Name,
    Path,
    Size,
    Mimetype,
    CreatedAt,
    DeletedAt,
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
                .table(CortezaApplications::Table)
                .col(big_integer(CortezaApplications::Id).primary_key())
                .col(string_len(CortezaApplications::Name, 255))
                .col(big_integer(CortezaApplications::OwnerId))
                .col(boolean(CortezaApplications::Enabled))
                .col(text_null(CortezaApplications::Unify))
                .col(big_integer(CortezaApplications::CreatedAt))
                .col(big_integer(CortezaApplications::UpdatedAt))
                .col(big_integer(CortezaApplications::DeletedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CortezaReminders::Table)
                .col(big_integer(CortezaReminders::Id).primary_key())
                .col(text(CortezaReminders::Resource))
                .col(text(CortezaReminders::Payload))
                .col(big_integer(CortezaReminders::SnoozeCount))
                .col(big_integer(CortezaReminders::AssignedTo))
                .col(big_integer(CortezaReminders::AssignedBy))
                .col(big_integer(CortezaReminders::AssignedAt))
                .col(big_integer(CortezaReminders::DismissedBy))
                .col(big_integer(CortezaReminders::DismissedAt))
                .col(big_integer(CortezaReminders::RemindAt))
                .col(big_integer(CortezaReminders::CreatedAt))
                .col(big_integer(CortezaReminders::UpdatedAt))
                .col(big_integer(CortezaReminders::DeletedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CortezaOrganisations::Table)
                .col(big_integer(CortezaOrganisations::Id).primary_key())
                .col(string_len(CortezaOrganisations::Fqn, 255))
                .col(string_len(CortezaOrganisations::Name, 255))
                .col(big_integer(CortezaOrganisations::CreatedAt))
                .col(big_integer(CortezaOrganisations::UpdatedAt))
                .col(big_integer(CortezaOrganisations::ArchivedAt))
                .col(big_integer(CortezaOrganisations::DeletedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CortezaSettings::Table)
                .col(string_len(CortezaSettings::Name, 512))
                .col(big_integer(CortezaSettings::OwnedBy))
                .col(text(CortezaSettings::Value))
                .col(big_integer(CortezaSettings::UpdatedAt))
                .col(big_integer(CortezaSettings::UpdatedBy))
                .primary_key(
                    Index::create()
                        .col(CortezaSettings::Name)
                        .col(CortezaSettings::OwnedBy),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CortezaAttachments::Table)
                .col(big_integer(CortezaAttachments::Id).primary_key())
                .col(big_integer(CortezaAttachments::OwnerId))
                .col(string_len(CortezaAttachments::Kind, 64))
                .col(string_len(CortezaAttachments::Name, 255))
                .col(text(CortezaAttachments::Path))
                .col(big_integer(CortezaAttachments::Size))
                .col(string_len(CortezaAttachments::Mimetype, 255))
                .col(big_integer(CortezaAttachments::CreatedAt))
                .col(big_integer(CortezaAttachments::DeletedAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(CortezaRoles::Table)
                .add_column(big_integer(CortezaRoles::OrganisationId).default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(CortezaRoles::Table)
                .drop_column(CortezaRoles::OrganisationId)
                .to_owned(),
        )
        .await?;
        for table in [
            CortezaAttachments::Table.into_iden(),
            CortezaSettings::Table.into_iden(),
            CortezaOrganisations::Table.into_iden(),
            CortezaReminders::Table.into_iden(),
            CortezaApplications::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
