//! A team: the unit of membership that channels, roles and invitations hang from.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "teams")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub display_name: String,
    /// The URL name: unique, lower case.
    #[sea_orm(unique)]
    pub name: String,
    pub description: String,
    pub email: String,
    /// `O` (open) or `I` (invite only).
    pub team_type: String,
    pub company_name: String,
    pub allowed_domains: String,
    #[sea_orm(indexed)]
    pub invite_id: String,
    pub allow_open_invite: bool,
    pub last_team_icon_update: i64,
    /// The team scheme whose roles replace the built-in team and channel roles ("" for none).
    pub scheme_id: String,
    pub group_constrained: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
