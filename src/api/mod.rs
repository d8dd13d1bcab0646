//! Hand-written handlers: one module per spec tag, each implementing the generated route
//! trait on [`Api`]. A trait method left alone answers the generated 501.

mod actions;
mod bookmarks;
mod bots;
mod brand;
mod channels;
mod chatbots;
mod commands;
mod cookies;
mod corteza_applications;
mod corteza_auth;
mod corteza_automation;
mod corteza_organisations;
mod corteza_permissions;
mod corteza_reminders;
mod corteza_roles;
mod corteza_settings;
mod corteza_users;
mod data_retention;
mod emoji;
mod files;
mod notifications;
mod oauth;
mod plugins;
mod posts;
mod preferences;
mod reactions;
mod roles;
mod schemes;
mod sidebar;
mod slash;
mod status;
mod system;
mod teams;
mod terms;
mod threads;
mod uploads;
mod users;
mod webhooks;
mod websocket;

use crate::contract;

/// Mattermost's `{"status": "OK"}`.
fn ok() -> contract::types::StatusOk {
    contract::types::StatusOk {
        status: Some("OK".to_owned()),
    }
}

/// A body that lists ids: at least one, at most `max`, each well formed; 400 naming
/// `name` otherwise.
fn ids_body(ids: &[String], name: &str, max: usize) -> Result<(), crate::error::ApiError> {
    if ids.is_empty() || ids.len() > max || ids.iter().any(|id| !crate::ids::is_valid_id(id)) {
        Err(crate::error::ApiError::invalid_body_param(name))
    } else {
        Ok(())
    }
}

/// Publishes `user_updated` (three copies: administrators, everyone else, the user) for
/// a changed account.
fn publish_account(ctx: &crate::rt::Ctx, account: &crate::store::entity::user::Model) {
    let config = ctx.state.config();
    let copies = crate::app::events::user_updated(account, &config);
    ctx.state.events().publish_all(copies);
}

/// As [`publish_account`], for the account `user_id` as it is stored now.
async fn publish_account_of(
    ctx: &crate::rt::Ctx,
    user_id: &str,
) -> Result<(), crate::error::ApiError> {
    let account = crate::app::users::get(ctx.state.db(), user_id).await?;
    publish_account(ctx, &account);
    Ok(())
}

/// The implementor of every route trait (never constructed).
pub enum Api {}

impl contract::BleveApi for Api {}
impl contract::CloudApi for Api {}
impl contract::ClusterApi for Api {}
impl contract::ComplianceApi for Api {}
impl contract::ElasticsearchApi for Api {}
impl contract::ExportsApi for Api {}
impl contract::GroupsApi for Api {}
impl contract::ImportsApi for Api {}
impl contract::InternalApi for Api {}
impl contract::IpApi for Api {}
impl contract::JobsApi for Api {}
impl contract::LdapApi for Api {}
impl contract::PlaybookAutofollowsApi for Api {}
impl contract::PlaybookRunsApi for Api {}
impl contract::PlaybooksApi for Api {}
impl contract::ReportsApi for Api {}
impl contract::SamlApi for Api {}
impl contract::SharedChannelsApi for Api {}
impl contract::TimelineApi for Api {}
impl contract::UsageApi for Api {}
