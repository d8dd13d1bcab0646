//! A user's access to a chatbot (a bot) in a workspace (a team), with the per-chatbot
//! roles they hold there, space-separated.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chatbot_users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bot_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub roles: String,
    pub added_by: String,
    pub create_at: i64,
    pub update_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
