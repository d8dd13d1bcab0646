//! Corteza's side of a role (`name` is the Mattermost role's name): the handle Corteza
//! shows, when it was archived (0: not) and its organisation.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "corteza_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub handle: String,
    pub archived_at: i64,
    /// The organisation the role was moved to (numeric id; 0: none).
    pub organisation_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
