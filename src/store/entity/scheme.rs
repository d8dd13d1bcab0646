//! A permission scheme: a named set of team and channel roles that overrides the built-in
//! ones for the teams or channels that use it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schemes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub description: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    /// `team` or `channel`.
    pub scope: String,
    pub default_team_admin_role: String,
    pub default_team_user_role: String,
    pub default_team_guest_role: String,
    pub default_channel_admin_role: String,
    pub default_channel_user_role: String,
    pub default_channel_guest_role: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
