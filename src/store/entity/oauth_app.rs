//! An app registered with the OAuth 2.0 provider; its id is the client id.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_apps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub creator_id: String,
    pub create_at: i64,
    pub update_at: i64,
    /// Empty for a public client.
    pub client_secret: String,
    pub name: String,
    pub description: String,
    pub icon_url: String,
    /// JSON array of the exact redirect URLs allowed.
    pub callback_urls: String,
    pub homepage: String,
    pub is_trusted: bool,
    pub mattermost_app_id: String,
    pub is_public: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
