//! The `system` tag: liveness, configuration.

use super::Api;
use crate::app::audits;
use crate::app::settings;
use crate::auth::permissions::ids::MANAGE_SYSTEM;
use crate::auth::permissions::{
    SYSCONSOLE_READ, SYSCONSOLE_WRITE, has_system, require_system, require_system_any,
};
use crate::contract::{
    self, GetAuditsQuery, GetClientConfigQuery, GetClientLicenseQuery, GetPingQuery, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;
use axum::http::StatusCode;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

/// Mattermost's permission to reload the configuration from its store.
const RELOAD_CONFIG: &str = "reload_config";

/// Mattermost's rule for `?format=` on the client config and licence: only "old" exists;
/// without it 501, with another value 400.
fn old_format(format: Option<&str>, id: &'static str) -> Result<(), ApiError> {
    match format {
        None | Some("") => Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            id,
            "Only format=old is supported; give it in the query string.",
        )),
        Some("old") => Ok(()),
        Some(_) => Err(ApiError::invalid_param("format")),
    }
}

/// Which settings the caller may `kind` ("read" or "write"): everything with
/// manage_system, else those of the areas whose `sysconsole_<kind>_<area>` they hold.
async fn console_access(
    ctx: &Ctx,
    kind: &str,
) -> Result<impl Fn(&str, &str) -> bool + use<>, ApiError> {
    let all = has_system(ctx, MANAGE_SYSTEM).await?;
    let mut areas = std::collections::HashSet::new();
    if !all {
        let prefix = format!("sysconsole_{kind}_");
        for permission in crate::auth::permissions::ALL_PERMISSIONS.iter() {
            if let Some(area) = permission.strip_prefix(prefix.as_str())
                && has_system(ctx, permission).await?
            {
                areas.insert(area.to_owned());
            }
        }
    }
    Ok(move |section: &str, setting: &str| {
        all || settings::area(section, setting).is_some_and(|a| areas.contains(a))
    })
}

/// UpdateConfig and PatchConfig: `wanted` merged over the configuration in force, within
/// what the caller may write; validated, saved, audited; answered as GetConfig answers.
async fn write_config(ctx: &Ctx, wanted: serde_json::Value) -> Result<types::Config, ApiError> {
    require_system_any(ctx, &SYSCONSOLE_WRITE).await?;
    let may_write = console_access(ctx, "write").await?;
    let current = ctx.state.config();
    let config = settings::settle(&current, wanted, |s, k| may_write(s, k))?;
    settings::save(&ctx.state, config).await?;
    audits::record(ctx, &ctx.session()?.user_id, "config updated").await;
    let may_read = console_access(ctx, "read").await?;
    let shown = settings::shown(&ctx.state.config(), |s, k| may_read(s, k));
    serde_json::from_value(shown).map_err(ApiError::internal)
}

impl contract::SystemApi for Api {
    /// `GET /api/v4/system/ping`: no permission. With `get_server_status`, the database is
    /// checked too; an unhealthy server answers 500 unless `use_rest_semantics` is set.
    async fn get_ping(
        ctx: &Ctx,
        query: GetPingQuery,
    ) -> Result<types::SystemStatusResponse, ApiError> {
        let mut reply = types::SystemStatusResponse {
            android_latest_version: Some(String::new()),
            android_min_version: Some(String::new()),
            desktop_latest_version: Some(String::new()),
            desktop_min_version: Some(String::new()),
            ios_latest_version: Some(String::new()),
            ios_min_version: Some(String::new()),
            status: Some("OK".to_owned()),
            ..Default::default()
        };
        if query.get_server_status == Some(true) {
            let healthy = ctx.state.db().execute_unprepared("SELECT 1").await.is_ok();
            reply.database_status = Some(if healthy { "OK" } else { "UNHEALTHY" }.to_owned());
            reply.filestore_status = Some("OK".to_owned());
            if !healthy {
                reply.status = Some("UNHEALTHY".to_owned());
                if query.use_rest_semantics != Some(true) {
                    ctx.set_status(StatusCode::INTERNAL_SERVER_ERROR);
                }
            }
        }
        Ok(reply)
    }

    /// `GET /api/v4/audits`: permission: manage_system. Every user's, newest first.
    async fn get_audits(ctx: &Ctx, query: GetAuditsQuery) -> Result<Vec<types::Audit>, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        audits::list(ctx, None, query.page, query.per_page).await
    }

    /// `GET /api/v4/config`: any sysconsole_read_* permission. Secrets are masked, and
    /// the settings of areas the caller may not read show their type's zero value.
    async fn get_config(ctx: &Ctx) -> Result<types::Config, ApiError> {
        require_system_any(ctx, &SYSCONSOLE_READ).await?;
        let may_read = console_access(ctx, "read").await?;
        let shown = settings::shown(&ctx.state.config(), |s, k| may_read(s, k));
        serde_json::from_value(shown).map_err(ApiError::internal)
    }

    /// `PUT /api/v4/config`: any sysconsole_write_* permission; the caller changes only the
    /// settings of the areas they may write (`manage_system`: all).
    async fn update_config(ctx: &Ctx, body: types::Config) -> Result<types::Config, ApiError> {
        write_config(ctx, serde_json::to_value(body).map_err(ApiError::internal)?).await
    }

    /// `PUT /api/v4/config/patch`: as UpdateConfig, for the settings sent only.
    async fn patch_config(ctx: &Ctx, body: types::Config) -> Result<types::Config, ApiError> {
        write_config(ctx, serde_json::to_value(body).map_err(ApiError::internal)?).await
    }

    /// `POST /api/v4/config/reload`: reload_config. The config file is read again.
    async fn reload_config(ctx: &Ctx) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, RELOAD_CONFIG).await?;
        settings::reload(&ctx.state)?;
        audits::record(ctx, &ctx.session()?.user_id, "config reloaded").await;
        Ok(super::ok())
    }

    /// `GET /api/v4/config/environment`: any sysconsole_read_* permission; the settings
    /// that `MM_*` variables set, among those the caller may read.
    async fn get_environment_config(ctx: &Ctx) -> Result<types::EnvironmentConfig, ApiError> {
        require_system_any(ctx, &SYSCONSOLE_READ).await?;
        let may_read = console_access(ctx, "read").await?;
        let env = settings::environment(&ctx.state.config(), |s, k| may_read(s, k));
        serde_json::from_value(env).map_err(ApiError::internal)
    }

    /// `GET /api/v4/license/client?format=old`: no permission. ferromost needs no licence
    /// and holds none, so clients see an unlicensed server (what they read at start-up).
    async fn get_client_license(
        _ctx: &Ctx,
        query: GetClientLicenseQuery,
    ) -> Result<HashMap<String, String>, ApiError> {
        old_format(
            query.format.as_deref(),
            "api.license.client.old_format.app_error",
        )?;
        Ok(HashMap::from([(
            "IsLicensed".to_owned(),
            "false".to_owned(),
        )]))
    }

    /// `GET /api/v4/config/client?format=old`: no permission. Anonymous callers (an invalid
    /// token counts as none) get the limited map, callers with a session the full one; both
    /// with the computed keys (`NoAccounts` while no account exists).
    async fn get_client_config(
        ctx: &Ctx,
        query: GetClientConfigQuery,
    ) -> Result<HashMap<String, String>, ApiError> {
        old_format(
            query.format.as_deref(),
            "api.config.client.old_format.app_error",
        )?;
        let config = ctx.state.config();
        crate::app::server::client_config(
            ctx.state.db(),
            &config,
            ctx.state.facts(),
            ctx.session.is_some(),
        )
        .await
    }
}
