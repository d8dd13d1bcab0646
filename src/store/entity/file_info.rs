//! An uploaded file's info (the bytes are in the file store under `path`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "file_infos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub creator_id: String,
    /// Empty until a post of the creator takes the file.
    pub post_id: String,
    pub channel_id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub path: String,
    /// Empty when the file has no thumbnail (not an image, or too large to decode).
    pub thumbnail_path: String,
    pub preview_path: String,
    pub name: String,
    pub extension: String,
    pub size: i64,
    pub mime_type: String,
    pub width: i32,
    pub height: i32,
    pub has_preview_image: bool,
    pub mini_preview: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
