//! A resumable upload: the file it will be, and how many of its bytes have arrived.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "upload_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `attachment` (the only kind clients may create here).
    pub kind: String,
    pub create_at: i64,
    pub user_id: String,
    pub channel_id: String,
    pub filename: String,
    /// Where the bytes go in the file store.
    pub path: String,
    pub file_size: i64,
    pub file_offset: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
