//! A channel bookmark: a link or an uploaded file shown at the top of a channel, in
//! `sort_order`. Deleting or replacing one keeps the row with `delete_at` set.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_bookmarks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub channel_id: String,
    pub owner_id: String,
    /// Empty for a link.
    pub file_id: String,
    pub display_name: String,
    pub sort_order: i64,
    pub link_url: String,
    pub image_url: String,
    pub emoji: String,
    /// `link` or `file`.
    pub kind: String,
    /// The bookmark this one replaced when someone else edited it.
    pub original_id: String,
    pub parent_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
