//! A single-use token sent by email (password reset, email verification).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    pub create_at: i64,
    /// `password_recovery` or `verify_email`, as Mattermost names them.
    #[sea_orm(column_name = "type")]
    pub kind: String,
    /// JSON: the user id and email address the token was made for.
    pub extra: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
