//! A user's presence: online, away, offline or do-not-disturb, and whether they set it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statuses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub status: String,
    pub manual: bool,
    pub last_activity_at: i64,
    /// When a do-not-disturb status ends (0: when the user changes it).
    pub dnd_end_time: i64,
    /// The status before do-not-disturb, restored when it ends.
    pub prev_status: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
