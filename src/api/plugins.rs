//! The `plugins` tag. ferromost runs no plugins, so none is ever installed: the lists are
//! empty and an operation on a plugin finds none, answered as Mattermost answers for a
//! plugin it does not have. With `PluginSettings.Enable` off everything is 501
//! `app.plugin.disabled.app_error`, as in Mattermost. Uploading and installing (and the
//! marketplace's list) are not implemented; whether an admin has opened the marketplace is
//! kept, as Mattermost keeps it.

use super::Api;
use crate::app::server;
use crate::auth::permissions::{ids::MANAGE_SYSTEM, require_system};
use crate::contract::{self, DisablePluginPath, EnablePluginPath, RemovePluginPath, types};
use crate::error::ApiError;
use crate::rt::Ctx;
use axum::http::StatusCode;

const READ_PLUGINS: &str = "sysconsole_read_plugins";
const WRITE_PLUGINS: &str = "sysconsole_write_plugins";

/// 501 `app.plugin.disabled.app_error` while `PluginSettings.Enable` is off.
fn require_enabled(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.state.config().flag("PluginSettings", "Enable", true) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "app.plugin.disabled.app_error",
        "Plugins have been disabled. Please check your logs for details.",
    ))
}

/// Mattermost's plugin id rule: 3 to 190 of letters, digits, `-`, `_` and `.`.
fn is_plugin_id(id: &str) -> bool {
    (3..=190).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The checks of an operation on one plugin (its id, plugins on, `sysconsole_write_plugins`),
/// then the answer for a plugin that is not installed, which every plugin is here.
async fn on_one_plugin(ctx: &Ctx, plugin_id: &str) -> Result<types::StatusOk, ApiError> {
    if !is_plugin_id(plugin_id) {
        return Err(ApiError::invalid_url_param("plugin_id"));
    }
    require_enabled(ctx)?;
    require_system(ctx, WRITE_PLUGINS).await?;
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "app.plugin.not_installed.app_error",
        "Plugin is not installed.",
    )
    .detail(format!("no plugin {plugin_id}")))
}

impl contract::PluginsApi for Api {
    /// `GET /api/v4/plugins`: sysconsole_read_plugins. The installed plugins, active and
    /// inactive: none.
    async fn get_plugins(ctx: &Ctx) -> Result<types::GetPluginsResponse, ApiError> {
        require_enabled(ctx)?;
        require_system(ctx, READ_PLUGINS).await?;
        Ok(types::GetPluginsResponse {
            active: Vec::new(),
            inactive: Vec::new(),
        })
    }

    /// `GET /api/v4/plugins/statuses`: sysconsole_read_plugins. Each node's plugins: none.
    async fn get_plugin_statuses(ctx: &Ctx) -> Result<Vec<types::PluginStatus>, ApiError> {
        require_enabled(ctx)?;
        require_system(ctx, READ_PLUGINS).await?;
        Ok(Vec::new())
    }

    /// `GET /api/v4/plugins/webapp`: anyone (the web app asks before signing in). The
    /// active plugins' web app parts: none.
    async fn get_webapp_plugins(ctx: &Ctx) -> Result<Vec<types::PluginManifestWebapp>, ApiError> {
        require_enabled(ctx)?;
        Ok(Vec::new())
    }

    /// `GET /api/v4/plugins/marketplace/first_admin_visit`: manage_system. Whether an admin
    /// has opened the marketplace yet.
    async fn get_marketplace_visited_by_admin(ctx: &Ctx) -> Result<types::System, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        let value = server::first_admin_visit_marketplace(ctx.state.db()).await?;
        Ok(types::System {
            name: Some(server::FIRST_ADMIN_VISIT_MARKETPLACE.to_owned()),
            value: Some(value),
        })
    }

    /// `DELETE /api/v4/plugins/{plugin_id}`: sysconsole_write_plugins.
    async fn remove_plugin(ctx: &Ctx, path: RemovePluginPath) -> Result<types::StatusOk, ApiError> {
        on_one_plugin(ctx, &path.plugin_id).await
    }

    /// `POST /api/v4/plugins/{plugin_id}/disable`: sysconsole_write_plugins.
    async fn disable_plugin(
        ctx: &Ctx,
        path: DisablePluginPath,
    ) -> Result<types::StatusOk, ApiError> {
        on_one_plugin(ctx, &path.plugin_id).await
    }

    /// `POST /api/v4/plugins/{plugin_id}/enable`: sysconsole_write_plugins.
    async fn enable_plugin(ctx: &Ctx, path: EnablePluginPath) -> Result<types::StatusOk, ApiError> {
        on_one_plugin(ctx, &path.plugin_id).await
    }
}
