//! The `system` tag: liveness, configuration.

use super::Api;
use crate::app::audits;
use crate::app::outbound;
use crate::app::settings;
use crate::auth::permissions::ids::MANAGE_SYSTEM;
use crate::auth::permissions::{
    SYSCONSOLE_READ, SYSCONSOLE_WRITE, has_system, require_system, require_system_any,
};
use crate::cluster::Invalidation;
use crate::contract::{
    self, GetAnalyticsOldQuery, GetAuditsQuery, GetClientConfigQuery, GetClientLicenseQuery,
    GetImageByUrlQuery, GetLogsQuery, GetNoticesPath, GetNoticesQuery, GetPingQuery,
    GetRedirectLocationQuery, SetServerBusyQuery, types,
};
use crate::error::ApiError;
use crate::rt::Ctx;
use crate::rt::{Binary, Multipart};
use axum::http::StatusCode;
use std::collections::HashMap;

/// Mattermost's permission to reload the configuration from its store.
const RELOAD_CONFIG: &str = "reload_config";
const TEST_EMAIL: &str = "test_email";
const TEST_SITE_URL: &str = "test_site_url";
const TEST_S3: &str = "test_s3";
const INVALIDATE_CACHES: &str = "invalidate_caches";
const GET_LOGS: &str = "get_logs";
const GET_ANALYTICS: &str = "get_analytics";
const READ_SITE_STATISTICS: &str = "sysconsole_read_reporting_site_statistics";
const READ_TEAM_STATISTICS: &str = "sysconsole_read_reporting_team_statistics";
const MANAGE_LICENSE: &str = "manage_license_information";
const WRITE_LICENSE: &str = "sysconsole_write_about_edition_and_license";

/// The IANA time zones (GetSupportedTimezone).
const TIMEZONES: &str = include_str!("../app/timezones.txt");

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
/// `config_changed` to everyone: the client config as a signed-in client reads it.
async fn publish_config(ctx: &Ctx) -> Result<(), ApiError> {
    let state = &ctx.state;
    let config = state.config();
    let shown = crate::app::server::client_config(state.db(), &config, state.facts(), true).await?;
    let event = crate::app::events::Event::new("config_changed", Default::default()).with(
        "config",
        serde_json::to_value(shown).map_err(ApiError::internal)?,
    );
    state.events().publish(event);
    Ok(())
}

async fn write_config(ctx: &Ctx, wanted: serde_json::Value) -> Result<types::Config, ApiError> {
    require_system_any(ctx, &SYSCONSOLE_WRITE).await?;
    let may_write = console_access(ctx, "write").await?;
    let current = ctx.state.config();
    let config = settings::settle(&current, wanted, |s, k| may_write(s, k))?;
    settings::save(&ctx.state, config).await?;
    audits::record(ctx, &ctx.session()?.user_id, "config updated").await;
    publish_config(ctx).await?;
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
            let healthy = crate::app::server::database_healthy(ctx).await;
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
        publish_config(ctx).await?;
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

    /// `GET /api/v4/system/timezones`: a session. The IANA time zones clients offer.
    async fn get_supported_timezone(ctx: &Ctx) -> Result<Vec<String>, ApiError> {
        ctx.session()?;
        Ok(TIMEZONES.lines().map(str::to_owned).collect())
    }

    /// `GET /api/v4/system/notices/{teamId}`: a session. Product notices come from
    /// Mattermost's notice feed, which ferromost does not read: there are none.
    async fn get_notices(
        ctx: &Ctx,
        _path: GetNoticesPath,
        _query: GetNoticesQuery,
    ) -> Result<Vec<types::Notice>, ApiError> {
        ctx.session()?;
        Ok(Vec::new())
    }

    /// `PUT /api/v4/system/notices/view`: a session; nothing to mark (no notices).
    async fn mark_notices_viewed(
        ctx: &Ctx,
        _body: Vec<String>,
    ) -> Result<types::StatusOk, ApiError> {
        ctx.session()?;
        Ok(super::ok())
    }

    /// `POST /api/v4/email/test`: test_email. Sends a message to the caller with the
    /// email settings given (merged over those in force; a masked password means the
    /// stored one).
    async fn test_email(ctx: &Ctx, body: types::Config) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, TEST_EMAIL).await?;
        let current = ctx.state.config();
        let wanted = serde_json::to_value(body).map_err(ApiError::internal)?;
        let config = settings::settle(&current, wanted, |_, _| true)?;
        if config.email_settings.smtp_server.is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.admin.test_email.missing_server",
                "SMTP Server is required",
            ));
        }
        let me = crate::app::users::get(ctx.state.db(), &ctx.session()?.user_id).await?;
        // The settings under test are the caller's: when they do not work, that is a 400
        // (Mattermost answers 500 with the same id), never a server error.
        crate::app::mail::send(
            &config,
            &me.email,
            "Mattermost - Testing Email Settings",
            "It appears your Mattermost email is setup correctly!".to_owned(),
            "app.admin.test_email.failure",
        )
        .await
        .map_err(|mut e| {
            e.status = StatusCode::BAD_REQUEST;
            e
        })?;
        Ok(super::ok())
    }

    /// `POST /api/v4/file/s3_test`: test_s3. Tries the file store the body's FileSettings
    /// describe (a masked secret means the stored one) without putting them in force.
    async fn test_s3_connection(
        ctx: &Ctx,
        body: types::Config,
    ) -> Result<types::StatusOk, ApiError> {
        let body = serde_json::to_value(body).map_err(ApiError::internal)?;
        let wanted = settings::file_settings_under_test(&body).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.file.test_connection_s3_settings_nil.app_error",
                "File storage settings has unset values.",
            )
        })?;
        require_system(ctx, TEST_S3).await?;
        let config = settings::settle(&ctx.state.config(), wanted, |_, _| true)?;
        crate::app::filestore::test_connection(&config).await?;
        Ok(super::ok())
    }

    /// `POST /api/v4/plugins/marketplace/first_admin_visit`: manage_system. Records that an
    /// admin has opened the plugin marketplace (the body is not read, as in Mattermost).
    async fn update_marketplace_visited_by_admin(
        ctx: &Ctx,
        _body: types::System,
    ) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        crate::app::server::set_first_admin_visit_marketplace(ctx).await?;
        let caller = ctx.session()?.user_id.clone();
        audits::record(ctx, &caller, "success").await;
        Ok(super::ok())
    }

    /// `POST /api/v4/site_url/test`: test_site_url. The URL must answer this API's ping.
    async fn test_site_url(
        ctx: &Ctx,
        body: types::TestSiteUrlBody,
    ) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, TEST_SITE_URL).await?;
        if body.site_url.is_empty() {
            return Err(ApiError::invalid_body_param("site_url"));
        }
        let failure = || {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "app.admin.test_site_url.failure",
                "This is not a valid live URL",
            )
        };
        let ping = format!("{}/api/v4/system/ping", body.site_url.trim_end_matches('/'));
        let client = outbound::client(std::time::Duration::from_secs(10))?;
        let answer = client
            .get(&ping)
            .send()
            .await
            .map_err(|e| failure().detail(e.to_string()))?;
        if answer.status() != StatusCode::OK {
            return Err(failure().detail(format!("{ping} answered {}", answer.status())));
        }
        Ok(super::ok())
    }

    /// `POST /api/v4/caches/invalidate`: invalidate_caches. Every node forgets its cached
    /// sessions and roles.
    async fn invalidate_caches(ctx: &Ctx) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, INVALIDATE_CACHES).await?;
        ctx.state.invalidate(Invalidation::AllSessions).await?;
        ctx.state.invalidate(Invalidation::Roles).await?;
        Ok(super::ok())
    }

    /// `GET /api/v4/logs`: get_logs. This node's latest log lines, JSON each, paged from
    /// the newest (`logs_per_page`, 10,000 by default).
    async fn get_logs(ctx: &Ctx, query: GetLogsQuery) -> Result<Vec<String>, ApiError> {
        require_system(ctx, GET_LOGS).await?;
        let per_page = match query.logs_per_page.as_deref() {
            None | Some("") => 10_000,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ApiError::invalid_param("logs_per_page"))?,
        };
        let page = usize::try_from(query.page).unwrap_or(0);
        Ok(crate::logs::page(page, per_page))
    }

    /// `POST /api/v4/logs`: a client's line in the server's log. Without
    /// ServiceSettings.EnableDeveloper it takes a session, and only manage_system logs an
    /// ERROR as one (everyone else's lines are debug).
    async fn post_log(
        ctx: &Ctx,
        body: types::PostLogBody,
    ) -> Result<HashMap<String, String>, ApiError> {
        let mut as_debug = false;
        if !ctx.state.config().service_settings.enable_developer {
            if ctx.session.is_none() {
                return Err(ApiError::forbidden());
            }
            as_debug = !has_system(ctx, MANAGE_SYSTEM).await?;
        }
        let message: String = body.message.chars().take(400).collect();
        if body.level.eq_ignore_ascii_case("ERROR") && !as_debug {
            tracing::error!(client_side = true, "{message}");
        } else {
            tracing::debug!(client_side = true, "{message}");
        }
        Ok(HashMap::from([
            ("level".to_owned(), body.level),
            ("message".to_owned(), message),
        ]))
    }

    /// `GET /api/v4/analytics/old`: get_analytics (or the console's statistics reading).
    /// `standard` (the default), `post_counts_day`, `user_counts_with_posts_day`,
    /// `extra_counts`; of one team with `team_id`.
    async fn get_analytics_old(
        ctx: &Ctx,
        query: GetAnalyticsOldQuery,
    ) -> Result<Vec<types::GetAnalyticsOldResponseItem>, ApiError> {
        require_system_any(
            ctx,
            &[GET_ANALYTICS, READ_SITE_STATISTICS, READ_TEAM_STATISTICS],
        )
        .await?;
        let team_id = query.team_id.as_deref().filter(|t| !t.is_empty());
        if team_id.is_some_and(|t| !crate::ids::is_valid_id(t)) {
            return Err(ApiError::invalid_param("team_id"));
        }
        let connections = u64::from(ctx.state.config().sql_settings.max_open_conns);
        crate::app::analytics::rows(
            ctx.state.db(),
            query.name.as_deref().unwrap_or_default(),
            team_id,
            connections,
        )
        .await
    }

    /// `POST /api/v4/server_busy`: manage_system. Busy for `seconds` (3,600 by default,
    /// at most a day): searches answer 503 meanwhile, on every node.
    async fn set_server_busy(
        ctx: &Ctx,
        query: SetServerBusyQuery,
    ) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        let seconds = match query.seconds.as_deref() {
            None | Some("") => 3600,
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|s| (1..=86_400).contains(s))
                .ok_or_else(|| ApiError::invalid_url_param("seconds must be 1 - 86400"))?,
        };
        let until = crate::ids::now_millis() / 1000 + seconds;
        ctx.state.invalidate(Invalidation::Busy(until)).await?;
        Ok(super::ok())
    }

    /// `GET /api/v4/server_busy`: manage_system. Whether busy, and until when (seconds).
    async fn get_server_busy_expires(ctx: &Ctx) -> Result<types::ServerBusy, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        let until = ctx.state.busy_until();
        Ok(types::ServerBusy {
            busy: Some(until.is_some()),
            expires: Some(until.unwrap_or(0)),
        })
    }

    /// `DELETE /api/v4/server_busy`: manage_system.
    async fn clear_server_busy(ctx: &Ctx) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, MANAGE_SYSTEM).await?;
        ctx.state.invalidate(Invalidation::Busy(0)).await?;
        Ok(super::ok())
    }

    /// `GET /api/v4/redirect_location?url=`: a session. Where a link redirects to (one
    /// hop), for link previews; empty while ServiceSettings.EnableLinkPreviews is off, or
    /// when the link does not redirect, cannot be reached, or points inside this network.
    async fn get_redirect_location(
        ctx: &Ctx,
        query: GetRedirectLocationQuery,
    ) -> Result<types::GetRedirectLocationResponse, ApiError> {
        ctx.session()?;
        if query.url.is_empty() {
            return Err(ApiError::invalid_param("url"));
        }
        let config = ctx.state.config();
        let previews = config.flag("ServiceSettings", "EnableLinkPreviews", true);
        let mut location = String::new();
        if previews
            && let Ok(url) = reqwest::Url::parse(&query.url)
            && let Some(client) =
                outbound::guarded_client(&config, &url, std::time::Duration::from_secs(5)).await?
            && let Ok(answer) = client.head(url).send().await
            && answer.status().is_redirection()
            && let Some(to) = answer.headers().get(axum::http::header::LOCATION)
        {
            location = to.to_str().unwrap_or_default().to_owned();
        }
        Ok(types::GetRedirectLocationResponse {
            location: Some(location),
        })
    }

    /// `GET /api/v4/image?url=`: a session. With the image proxy off (ferromost has
    /// none), a redirect to the image itself; a relative URL is taken against the site.
    async fn get_image_by_url(ctx: &Ctx, query: GetImageByUrlQuery) -> Result<Binary, ApiError> {
        ctx.session()?;
        let unparsable = || {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.image.get.app_error",
                "Requested image url cannot be parsed.",
            )
        };
        let url = query.url.trim();
        let absolute = if url.starts_with("http://") || url.starts_with("https://") {
            url.to_owned()
        } else if url.starts_with('/') {
            format!(
                "{}{url}",
                ctx.state
                    .config()
                    .service_settings
                    .site_url
                    .trim_end_matches('/')
            )
        } else {
            return Err(unparsable());
        };
        let location = axum::http::HeaderValue::from_str(&absolute).map_err(|_| unparsable())?;
        ctx.set_header(axum::http::header::LOCATION, location);
        Ok(Binary::bytes(
            "text/html; charset=utf-8",
            bytes::Bytes::new(),
        ))
    }

    /// `POST /api/v4/license`: manage_license_information. ferromost needs no licence and
    /// takes none: every file is refused as an invalid licence.
    async fn upload_license_file(
        ctx: &Ctx,
        mut body: Multipart,
    ) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, MANAGE_LICENSE).await?;
        let mut found = false;
        while let Ok(Some(field)) = body.next_field().await {
            found |= field.name() == Some("license");
        }
        if !found {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "api.license.add_license.no_file.app_error",
                "No file under 'license' in request.",
            ));
        }
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "api.license.add_license.invalid.app_error",
            "Invalid license file.",
        ))
    }

    /// `DELETE /api/v4/license`: manage_license_information; there is none to remove.
    async fn remove_license_file(ctx: &Ctx) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, MANAGE_LICENSE).await?;
        Ok(super::ok())
    }

    /// `GET /api/v4/license/renewal`: an unlicensed server has nothing to renew.
    async fn request_license_renewal_link(
        ctx: &Ctx,
    ) -> Result<types::LicenseRenewalLink, ApiError> {
        require_system(ctx, WRITE_LICENSE).await?;
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "api.license.request_renewal_link.app_error",
            "Error getting the license renewal link",
        ))
    }

    /// `POST /api/v4/trial-license`: trials come from Mattermost's licence server, which
    /// this server does not use.
    async fn request_trial_license(
        ctx: &Ctx,
        _body: types::RequestTrialLicenseBody,
    ) -> Result<types::StatusOk, ApiError> {
        require_system(ctx, MANAGE_LICENSE).await?;
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "api.license.request_trial_license.app_error",
            "Unable to get a trial license.",
        ))
    }

    /// `GET /api/v4/trial-license/prev`: as a Team Edition server answers (no licence
    /// manager).
    async fn get_prev_trial_license(ctx: &Ctx) -> Result<HashMap<String, String>, ApiError> {
        require_system(ctx, MANAGE_LICENSE).await?;
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "api.license.upgrade_needed.app_error",
            "Feature requires an upgrade to Enterprise Edition.",
        ))
    }
}
