//! A Corteza reminder: about `resource`, for the user `assigned_to` (numeric ids), due at
//! `remind_at` (0: unscheduled); `payload` is raw JSON text.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "corteza_reminders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub resource: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub snooze_count: i64,
    pub assigned_to: i64,
    pub assigned_by: i64,
    pub assigned_at: i64,
    pub dismissed_by: i64,
    pub dismissed_at: i64,
    pub remind_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
