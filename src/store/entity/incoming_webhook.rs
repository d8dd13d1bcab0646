//! An incoming webhook: a secret URL (its id) that posts into a channel as its owner.
//! Deleting one keeps the row with `delete_at` set.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incoming_webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    /// Whom its posts are by.
    pub user_id: String,
    pub channel_id: String,
    pub team_id: String,
    pub display_name: String,
    pub description: String,
    /// The name its posts show (with EnablePostUsernameOverride).
    pub username: String,
    pub icon_url: String,
    /// Posts only to its own channel.
    pub channel_locked: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
