//! An outgoing OAuth connection: how ferromost gets a token for requests to its audiences.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outgoing_oauth_connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub creator_id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    /// Set for the password grant only.
    pub credentials_username: Option<String>,
    pub credentials_password: Option<String>,
    pub oauth_token_url: String,
    /// `client_credentials` or `password`.
    pub grant_type: String,
    /// JSON array of the audience URLs, in the order given.
    pub audiences: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
