//! A user account (Mattermost's Users table); bots are users with a row in `bots`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub password: String,
    #[sea_orm(unique)]
    pub auth_data: Option<String>,
    pub auth_service: String,
    #[sea_orm(unique)]
    pub email: String,
    pub email_verified: bool,
    pub nickname: String,
    pub first_name: String,
    pub last_name: String,
    pub position: String,
    /// Space-separated role names, as Mattermost stores them.
    pub roles: String,
    pub allow_marketing: bool,
    /// JSON object.
    pub props: String,
    /// JSON object.
    pub notify_props: String,
    pub last_password_update: i64,
    pub last_picture_update: i64,
    pub failed_attempts: i64,
    pub locale: String,
    /// JSON object.
    pub timezone: String,
    pub mfa_active: bool,
    pub mfa_secret: String,
    /// The time step of the last accepted MFA code, so that a code works once.
    pub mfa_used_step: i64,
    pub remote_id: Option<String>,
    pub last_activity_at: i64,
    pub last_login: i64,
    pub terms_of_service_id: String,
    pub terms_of_service_create_at: i64,
    pub disable_welcome_email: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
