//! A Corteza application: a name, whether it is enabled and how Corteza's app list shows it
//! (`unify`, raw JSON text; None: not given).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "corteza_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
    pub enabled: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub unify: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
