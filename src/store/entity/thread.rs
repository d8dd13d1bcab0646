//! A thread: a root post that has replies, with its reply count and participants.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "threads")]
pub struct Model {
    /// The root post's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub post_id: String,
    #[sea_orm(indexed)]
    pub channel_id: String,
    pub reply_count: i64,
    pub last_reply_at: i64,
    /// The ids of those who replied, oldest first, as a JSON array.
    pub participants: String,
    pub delete_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
