//! Schema migrations in sea-query's portable DSL, one module per change, applied in order.

use sea_orm_migration::prelude::*;

mod m20261124_000001_identity_tables;
mod m20261124_000002_tokens;
mod m20261124_000003_terms_of_service;
mod m20261124_000004_schemes;
mod m20261130_000005_teams;
mod m20261130_000006_channels;
mod m20261130_000007_posts;
mod m20261130_000008_reactions;
mod m20261130_000009_statuses;
mod m20261202_000010_sidebar;
mod m20261202_000011_search;
mod m20261204_000012_name_search;
mod m20261204_000013_cluster_events;
mod m20261204_000014_websocket_presence;
mod m20261205_000015_files;
mod m20261205_000016_upload_sessions;
mod m20261205_000017_emoji_bookmarks;
mod m20261205_000018_file_search;
mod m20261205_000019_webhooks;
mod m20261205_000020_outgoing_webhooks;
mod m20261205_000021_post_acknowledgements;
mod m20261205_000022_commands;
mod m20261205_000023_post_reminders;
mod m20261205_000024_oauth;
mod m20261205_000025_outgoing_oauth;
mod m20261206_000026_chatbot_users;
mod m20261206_000027_corteza;
mod m20261206_000028_corteza_roles;
mod m20261206_000029_corteza_objects;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_identity_tables::Migration),
            Box::new(m20261124_000002_tokens::Migration),
            Box::new(m20261124_000003_terms_of_service::Migration),
            Box::new(m20261124_000004_schemes::Migration),
            Box::new(m20261130_000005_teams::Migration),
            Box::new(m20261130_000006_channels::Migration),
            Box::new(m20261130_000007_posts::Migration),
            Box::new(m20261130_000008_reactions::Migration),
            Box::new(m20261130_000009_statuses::Migration),
            Box::new(m20261202_000010_sidebar::Migration),
            Box::new(m20261202_000011_search::Migration),
            Box::new(m20261204_000012_name_search::Migration),
            Box::new(m20261204_000013_cluster_events::Migration),
            Box::new(m20261204_000014_websocket_presence::Migration),
            Box::new(m20261205_000015_files::Migration),
            Box::new(m20261205_000016_upload_sessions::Migration),
            Box::new(m20261205_000017_emoji_bookmarks::Migration),
            Box::new(m20261205_000018_file_search::Migration),
            Box::new(m20261205_000019_webhooks::Migration),
            Box::new(m20261205_000020_outgoing_webhooks::Migration),
            Box::new(m20261205_000021_post_acknowledgements::Migration),
            Box::new(m20261205_000022_commands::Migration),
            Box::new(m20261205_000023_post_reminders::Migration),
            Box::new(m20261205_000024_oauth::Migration),
            Box::new(m20261205_000025_outgoing_oauth::Migration),
            Box::new(m20261206_000026_chatbot_users::Migration),
            Box::new(m20261206_000027_corteza::Migration),
            Box::new(m20261206_000028_corteza_roles::Migration),
            Box::new(m20261206_000029_corteza_objects::Migration),
        ]
    }
}
