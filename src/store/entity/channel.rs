//! A channel: public (`O`) or private (`P`) within a team, or a direct (`D`) or group (`G`)
//! message channel outside any team.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    /// "" for direct and group channels.
    #[sea_orm(indexed)]
    pub team_id: String,
    pub channel_type: String,
    pub display_name: String,
    /// Unique within the team (direct and group channels: unique among themselves).
    pub name: String,
    pub header: String,
    pub purpose: String,
    pub last_post_at: i64,
    pub total_msg_count: i64,
    pub total_msg_count_root: i64,
    pub last_root_post_at: i64,
    pub extra_update_at: i64,
    pub creator_id: String,
    /// A channel scheme whose roles replace the team's channel roles ("" for none).
    pub scheme_id: String,
    pub group_constrained: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
