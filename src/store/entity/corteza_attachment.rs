//! A file Corteza keeps (kind `settings`: set through `POST /settings/{key}`): its bytes at
//! `path` in the file store, uploaded by `owner_id` (numeric id).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "corteza_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub owner_id: i64,
    pub kind: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub path: String,
    pub size: i64,
    pub mimetype: String,
    pub created_at: i64,
    pub deleted_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
