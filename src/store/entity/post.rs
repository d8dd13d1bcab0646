//! A message in a channel: a root post or, with `root_id`, a reply in its thread.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub edit_at: i64,
    pub delete_at: i64,
    pub is_pinned: bool,
    pub user_id: String,
    #[sea_orm(indexed)]
    pub channel_id: String,
    /// The thread's root post ("" for a root post).
    #[sea_orm(indexed)]
    pub root_id: String,
    pub original_id: String,
    pub message: String,
    /// "" for a user's message; `system_…` for the server's own.
    pub post_type: String,
    /// The post's props, as JSON.
    pub props: String,
    pub hashtags: String,
    /// The attached file ids, as a JSON array.
    pub file_ids: String,
    pub pending_post_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
