//! One of a user's sidebar categories in a team: favorites, channels, direct messages (made
//! for everyone) or a custom one.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sidebar_categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub team_id: String,
    pub display_name: String,
    /// `favorites`, `channels`, `direct_messages` or `custom`.
    pub r#type: String,
    pub sort_order: i64,
    /// "", `manual`, `alpha` or `recent`.
    pub sorting: String,
    pub muted: bool,
    pub collapsed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
