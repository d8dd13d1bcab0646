//! An authorization code an app has not exchanged yet (single use, ten minutes).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_auth_data")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub client_id: String,
    pub user_id: String,
    /// Seconds.
    pub expires_in: i64,
    pub create_at: i64,
    pub redirect_uri: String,
    pub state: String,
    pub scope: String,
    /// PKCE: the S256 challenge the exchange must answer; empty without PKCE.
    pub code_challenge: String,
    pub code_challenge_method: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
