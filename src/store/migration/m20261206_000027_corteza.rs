//! What Corteza's system API needs beside Mattermost's rows: the stable numeric ids it
//! shows for Mattermost's objects, the Corteza states of an account (suspended, deleted),
//! and Corteza's permission rules, seeded with the grants of a fresh Corteza 2020.9.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NumericIds {
    Table,
    Id,
    Kind,
    Target,
}

#[derive(DeriveIden)]
enum CortezaUserStates {
    Table,
    UserId,
    SuspendedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum CortezaRules {
    Table,
    RoleId,
    Resource,
    Operation,
    Access,
}

/// Corteza's two seeded roles, by the Mattermost role each one is: Everyone (1) is what
/// every account holds, Administrators (2) the system admins.
const SEEDED: [(i64, &str); 2] = [(1, "system_user"), (2, "system_admin")];

/// Corteza 2020.9's default rules (provision/system/src/0000_access_control.yaml).
const DEFAULT_RULES: &[(i64, &str, &[&str])] = &[
    (1, "system:user:*", &["read"]),
    (1, "system:application:*", &["read"]),
    (1, "system:role:*", &["read"]),
    (
        2,
        "system",
        &[
            "access",
            "grant",
            "settings.read",
            "settings.manage",
            "organisation.create",
            "application.create",
            "user.create",
            "role.create",
            "reminder.assign",
        ],
    ),
    (2, "system:application:*", &["read", "update", "delete"]),
    (
        2,
        "system:user:*",
        &[
            "read",
            "update",
            "suspend",
            "unsuspend",
            "delete",
            "unmask.email",
            "unmask.name",
        ],
    ),
    (
        2,
        "system:role:*",
        &["read", "update", "delete", "members.manage"],
    ),
];

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait's expansion rejects SchemaManager<'_> (E0195)"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NumericIds::Table)
                .col(big_integer(NumericIds::Id).primary_key())
                .col(string_len(NumericIds::Kind, 16))
                .col(string_len(NumericIds::Target, 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_numeric_ids_kind_target")
                .table(NumericIds::Table)
                .col(NumericIds::Kind)
                .col(NumericIds::Target)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CortezaUserStates::Table)
                .col(string_len(CortezaUserStates::UserId, 26).primary_key())
                .col(big_integer(CortezaUserStates::SuspendedAt))
                .col(big_integer(CortezaUserStates::DeletedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CortezaRules::Table)
                .col(big_integer(CortezaRules::RoleId))
                .col(string_len(CortezaRules::Resource, 128))
                .col(string_len(CortezaRules::Operation, 64))
                .col(string_len(CortezaRules::Access, 8))
                .primary_key(
                    Index::create()
                        .col(CortezaRules::RoleId)
                        .col(CortezaRules::Resource)
                        .col(CortezaRules::Operation),
                )
                .to_owned(),
        )
        .await?;
        let mut ids = Query::insert()
            .into_table(NumericIds::Table)
            .columns([NumericIds::Id, NumericIds::Kind, NumericIds::Target])
            .to_owned();
        for (id, role) in SEEDED {
            ids.values_panic([id.into(), "role".into(), role.into()]);
        }
        m.exec_stmt(ids).await?;
        let mut rules = Query::insert()
            .into_table(CortezaRules::Table)
            .columns([
                CortezaRules::RoleId,
                CortezaRules::Resource,
                CortezaRules::Operation,
                CortezaRules::Access,
            ])
            .to_owned();
        for (role, resource, operations) in DEFAULT_RULES {
            for operation in *operations {
                rules.values_panic([
                    (*role).into(),
                    (*resource).into(),
                    (*operation).into(),
                    "allow".into(),
                ]);
            }
        }
        m.exec_stmt(rules).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NumericIds::Table.into_iden(),
            CortezaUserStates::Table.into_iden(),
            CortezaRules::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
