//! The `system` tag: liveness, configuration.

use super::Api;
use crate::app::audits;
use crate::auth::permissions::ids::MANAGE_SYSTEM;
use crate::auth::permissions::{SYSCONSOLE_READ, require_system, require_system_any};
use crate::contract::{
    self, GetAuditsQuery, GetClientConfigQuery, GetClientLicenseQuery, GetPingQuery, types,
};
use crate::error::ApiError;
use crate::router::{BUILD_NUMBER, MATTERMOST_VERSION};
use crate::rt::Ctx;
use axum::http::StatusCode;
use sea_orm::ConnectionTrait;

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

    /// `GET /api/v4/config`: permission: any sysconsole_read_* permission. Secrets are
    /// replaced.
    async fn get_config(ctx: &Ctx) -> Result<types::Config, ApiError> {
        require_system_any(ctx, &SYSCONSOLE_READ).await?;
        serde_json::from_value(ctx.state.config().sanitized()).map_err(ApiError::internal)
    }

    /// `GET /api/v4/license/client?format=old`: no permission. ferromost needs no licence
    /// and holds none, so clients see an unlicensed server (what they read at start-up).
    async fn get_client_license(
        _ctx: &Ctx,
        query: GetClientLicenseQuery,
    ) -> Result<serde_json::Value, ApiError> {
        if query.format != "old" {
            return Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "api.license.client.old_format.app_error",
                "Only format=old is supported for the client license.",
            ));
        }
        Ok(serde_json::json!({"IsLicensed": "false"}))
    }

    /// `GET /api/v4/config/client?format=old`: no permission. The subset of settings that
    /// clients read before logging in, as strings.
    async fn get_client_config(
        ctx: &Ctx,
        query: GetClientConfigQuery,
    ) -> Result<serde_json::Value, ApiError> {
        if query.format != "old" {
            return Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "api.config.client.old_format.app_error",
                "Only format=old is supported for the client configuration.",
            ));
        }
        let c = ctx.state.config();
        let flag = |b: bool| if b { "true" } else { "false" };
        Ok(serde_json::json!({
            "Version": MATTERMOST_VERSION,
            "BuildNumber": BUILD_NUMBER,
            "BuildHash": env!("CARGO_PKG_VERSION"),
            "BuildEnterpriseReady": "false",
            "SiteURL": c.service_settings.site_url,
            "SiteName": c.team_settings.site_name,
            "EnableUserCreation": flag(c.team_settings.enable_user_creation),
            "EnableOpenServer": flag(c.team_settings.enable_open_server),
            "EnableSignUpWithEmail": flag(c.email_settings.enable_sign_up_with_email),
            "EnableSignInWithEmail": flag(c.email_settings.enable_sign_in_with_email),
            "EnableSignInWithUsername": flag(c.email_settings.enable_sign_in_with_username),
            "RequireEmailVerification": flag(c.email_settings.require_email_verification),
            "EnableMultifactorAuthentication":
                flag(c.service_settings.enable_multifactor_authentication),
            "EnforceMultifactorAuthentication":
                flag(c.service_settings.enforce_multifactor_authentication),
            "EnableUserAccessTokens": flag(c.service_settings.enable_user_access_tokens),
            "EnableBotAccountCreation": flag(c.service_settings.enable_bot_account_creation),
            "PasswordMinimumLength": c.password_settings.minimum_length.to_string(),
            "PasswordRequireLowercase": flag(c.password_settings.lowercase),
            "PasswordRequireUppercase": flag(c.password_settings.uppercase),
            "PasswordRequireNumber": flag(c.password_settings.number),
            "PasswordRequireSymbol": flag(c.password_settings.symbol),
            "ShowEmailAddress": flag(c.privacy_settings.show_email_address),
            "ShowFullName": flag(c.privacy_settings.show_full_name),
            "MaxFileSize": c.file_settings.max_file_size.to_string(),
            "ExperimentalStrictCSRFEnforcement":
                flag(c.service_settings.experimental_strict_csrf_enforcement),
        }))
    }
}
