//! An outgoing webhook: posts in a team's public channels that match it are sent to its
//! URLs, and what they answer is posted back. Deleting one keeps the row with `delete_at`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outgoing_webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Sent with every request, so the integration knows it is this server.
    pub token: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub creator_id: String,
    /// Empty: any public channel of the team (by trigger word).
    pub channel_id: String,
    pub team_id: String,
    /// A JSON array of strings.
    pub trigger_words: String,
    /// 0: the first word is a trigger word; 1: it starts with one.
    pub trigger_when: i32,
    /// A JSON array of URLs.
    pub callback_urls: String,
    pub display_name: String,
    pub description: String,
    /// `application/json`, else a form.
    pub content_type: String,
    pub username: String,
    pub icon_url: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
