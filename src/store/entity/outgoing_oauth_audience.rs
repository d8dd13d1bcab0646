//! One audience URL and the outgoing OAuth connection that serves it (at most one).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outgoing_oauth_audiences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub audience: String,
    pub connection_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
