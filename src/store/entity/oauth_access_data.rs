//! A user's grant to an app: the OAuth session's token and the refresh token that
//! replaces it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_access_data")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    pub client_id: String,
    pub user_id: String,
    /// Empty for a public client (no refresh tokens) and the implicit flow.
    pub refresh_token: String,
    pub redirect_uri: String,
    pub expires_at: i64,
    pub scope: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
