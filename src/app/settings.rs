//! Changing the configuration over the API, as Mattermost's config endpoints do: who may
//! read and write which settings, validation with Mattermost's error ids, secrets kept when
//! their mask is sent back, settings fixed by `MM_*` variables left alone, and saving (the
//! config file rewritten atomically, the database told, every node applying it at once).

use crate::config::{Config, FAKE_SETTING, SECRETS};
use crate::error::ApiError;
use crate::ids::now_millis;
use crate::state::AppState;
use crate::store::entity::system;
use axum::http::StatusCode;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::{Map, Value};

/// The `systems` row holding the configuration last saved over the API.
const SAVED: &str = "ConfigSavedOverApi";

/// The System Console area of a setting: `sysconsole_read_<area>` lets a session read it,
/// `sysconsole_write_<area>` change it. `None`: only `manage_system` (settings the console
/// does not show, such as jobs and cloud). Mattermost tags each setting; ferromost follows
/// its tags for the settings it knows and the section's area for the rest.
pub fn area(section: &str, setting: &str) -> Option<&'static str> {
    Some(match (section, setting) {
        ("ServiceSettings", s) => match s {
            "EnableMultifactorAuthentication" | "EnforceMultifactorAuthentication" => {
                "authentication_mfa"
            }
            "EnableUserAccessTokens"
            | "EnableIncomingWebhooks"
            | "EnableOutgoingWebhooks"
            | "EnableCommands"
            | "EnablePostUsernameOverride"
            | "EnablePostIconOverride"
            | "EnableOAuthServiceProvider"
            | "EnableOutgoingOAuthConnections" => "integrations_integration_management",
            "EnableBotAccountCreation" | "DisableBotsWhenOwnerIsDeactivated" => {
                "integrations_bot_accounts"
            }
            "EnableGifPicker" | "GiphySdkKey" => "integrations_gif",
            "AllowCorsFrom" | "CorsExposedHeaders" | "CorsAllowCredentials" | "CorsDebug" => {
                "integrations_cors"
            }
            "EnableEmailInvitations" => "authentication_signup",
            "EnableCustomEmoji" | "EnableEmojiPicker" => "site_emoji",
            "EnableLinkPreviews"
            | "EnablePermalinkPreviews"
            | "PostEditTimeLimit"
            | "EnableSVGs"
            | "EnableLatex"
            | "EnableInlineLatex"
            | "CollapsedThreads"
            | "ThreadAutoFollow"
            | "PostPriority"
            | "AllowPersistentNotifications"
            | "UniqueEmojiReactionLimitPerPost" => "site_posts",
            "EnableUserStatuses"
            | "EnableUserTypingMessages"
            | "EnableChannelViewedMessages"
            | "AllowSyncedDrafts" => "site_users_and_teams",
            "EnableTesting" | "EnableDeveloper" | "EnableClientPerformanceDebugging" => {
                "environment_developer"
            }
            s if s.starts_with("SessionLength")
                || s.starts_with("SessionIdle")
                || s == "SessionCacheInMinutes"
                || s == "ExtendSessionLengthWithActivity" =>
            {
                "environment_session_lengths"
            }
            _ => "environment_web_server",
        },
        ("TeamSettings", s) => match s {
            "SiteName" | "EnableCustomBrand" | "CustomBrandText" | "CustomDescriptionText" => {
                "site_customization"
            }
            "EnableUserCreation" | "EnableOpenServer" | "RestrictCreationToDomains" => {
                "authentication_signup"
            }
            _ => "site_users_and_teams",
        },
        ("EmailSettings", s) => match s {
            "EnableSignUpWithEmail"
            | "EnableSignInWithEmail"
            | "EnableSignInWithUsername"
            | "RequireEmailVerification" => "authentication_email",
            s if s.starts_with("SMTP")
                || s == "ConnectionSecurity"
                || s == "EnableSMTPAuth"
                || s == "SkipServerCertificateVerification" =>
            {
                "environment_smtp"
            }
            s if s.contains("Push") => "environment_push_notification_server",
            _ => "site_notifications",
        },
        ("FileSettings", s) => match s {
            "EnablePublicLink" | "PublicLinkSalt" => "site_public_links",
            "EnableFileAttachments" | "EnableMobileUpload" | "EnableMobileDownload" => {
                "site_file_sharing_and_downloads"
            }
            _ => "environment_file_storage",
        },
        ("SupportSettings", s) if s.starts_with("CustomTermsOfService") => {
            "compliance_custom_terms_of_service"
        }
        ("AnnouncementSettings", s) if s.contains("Notices") => "site_notices",
        ("SqlSettings", _) => "environment_database",
        ("LogSettings" | "NotificationLogSettings", _) => "environment_logging",
        ("PasswordSettings", _) => "authentication_password",
        ("RateLimitSettings", _) => "environment_rate_limiting",
        ("PrivacySettings", _) => "site_users_and_teams",
        ("SupportSettings" | "ThemeSettings" | "NativeAppSettings", _) => "site_customization",
        ("AnnouncementSettings", _) => "site_announcement_banner",
        ("GitLabSettings" | "GoogleSettings" | "Office365Settings" | "OpenIdSettings", _) => {
            "authentication_openid"
        }
        ("LdapSettings", _) => "authentication_ldap",
        ("SamlSettings", _) => "authentication_saml",
        ("GuestAccountsSettings", _) => "authentication_guest_access",
        ("ComplianceSettings", _) => "compliance_compliance_monitoring",
        ("MessageExportSettings", _) => "compliance_compliance_export",
        ("DataRetentionSettings", _) => "compliance_data_retention_policy",
        ("LocalizationSettings", _) => "site_localization",
        ("DisplaySettings" | "WranglerSettings", _) => "site_posts",
        ("ClusterSettings", _) => "environment_high_availability",
        ("MetricsSettings", _) => "environment_performance_monitoring",
        ("ElasticsearchSettings", _) => "environment_elasticsearch",
        ("BleveSettings", _) => "experimental_bleve",
        ("ImageProxySettings", _) => "environment_image_proxy",
        ("ExperimentalSettings" | "ExperimentalAuditSettings", _) => "experimental_features",
        ("FeatureFlags", _) => "experimental_feature_flags",
        ("PluginSettings", _) => "plugins",
        ("AnalyticsSettings", _) => "reporting_site_statistics",
        _ => return None,
    })
}

/// Calls `f` with each `(section, setting, value)` of a configuration's JSON.
fn each_setting(value: &mut Value, mut f: impl FnMut(&str, &str, &mut Value)) {
    let Some(root) = value.as_object_mut() else {
        return;
    };
    for (section, settings) in root.iter_mut() {
        if let Some(settings) = settings.as_object_mut() {
            for (name, v) in settings.iter_mut() {
                f(section, name, v);
            }
        }
    }
}

/// The zero value of a setting's type, which Mattermost shows for what a caller may not read.
fn zero(v: &Value) -> Value {
    match v {
        Value::Bool(_) => Value::Bool(false),
        Value::Number(_) => Value::from(0),
        Value::String(_) => Value::String(String::new()),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(_) => Value::Object(Map::new()),
        Value::Null => Value::Null,
    }
}

/// The configuration as a caller sees it: secrets masked, and the settings `may_read`
/// refuses shown as their type's zero value.
pub fn shown(config: &Config, may_read: impl Fn(&str, &str) -> bool) -> Value {
    let mut value = config.sanitized();
    each_setting(&mut value, |section, name, v| {
        if !may_read(section, name) {
            *v = zero(v);
        }
    });
    value
}

/// `{Section: {Setting: true}}` for the settings set by `MM_*` variables that `may_read`
/// allows (GetEnvironmentConfig).
pub fn environment(config: &Config, may_read: impl Fn(&str, &str) -> bool) -> Value {
    let mut out = Map::new();
    for (section, setting) in &config.environment {
        if may_read(section, setting) {
            let entry = out
                .entry(section.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(entry) = entry.as_object_mut() {
                entry.insert(setting.clone(), Value::Bool(true));
            }
        }
    }
    Value::Object(out)
}

/// JSON merge: the objects of `patch` merged into `base`, anything else replacing.
pub fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (k, v) in patch {
                match base.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        base.insert(k, v);
                    }
                }
            }
        }
        (base, patch) => *base = patch,
    }
}

/// The configuration `wanted` asks for, made safe to save over `current`: the settings the
/// caller may not write, those fixed by `MM_*` variables and plugin uploads keep their
/// values; a masked secret keeps the stored one; and every setting must keep its type.
pub fn settle(
    current: &Config,
    mut wanted: Value,
    may_write: impl Fn(&str, &str) -> bool,
) -> Result<Config, ApiError> {
    let now = serde_json::to_value(current).map_err(ApiError::internal)?;
    let fixed = |section: &str, name: &str| {
        !may_write(section, name)
            || current
                .environment
                .contains(&(section.to_owned(), name.to_owned()))
            || (section == "PluginSettings"
                && matches!(
                    name,
                    "EnableUploads" | "RequirePluginSignature" | "SignaturePublicKeyFiles"
                ))
    };
    let mut wrong_type = None;
    let mut dropped = Vec::new();
    each_setting(&mut wanted, |section, name, v| {
        let old = now.get(section).and_then(|s| s.get(name));
        let masked = v.as_str() == Some(FAKE_SETTING) && SECRETS.contains(&(section, name));
        match old {
            Some(old) if fixed(section, name) || masked => *v = old.clone(),
            Some(old) if !same_type(old, v) => wrong_type = Some(format!("{section}.{name}")),
            Some(_) => {}
            // A setting the configuration does not have yet: only who may write it adds it.
            None if fixed(section, name) => dropped.push((section.to_owned(), name.to_owned())),
            None => {}
        }
    });
    for (section, name) in dropped {
        if let Some(settings) = wanted.get_mut(&section).and_then(Value::as_object_mut) {
            settings.remove(&name);
        }
    }
    // Whatever is not a section of settings is not configuration.
    if let Some(root) = wanted.as_object_mut() {
        root.retain(|_, v| v.is_object());
    }
    if let Some(name) = wrong_type {
        return Err(
            ApiError::invalid_body_param("config").detail(format!("{name} has the wrong type"))
        );
    }
    // Sections and settings the caller may not write and did not send stay as they are.
    let mut merged = now;
    merge(&mut merged, wanted);
    let mut config: Config = serde_json::from_value(merged)
        .map_err(|e| ApiError::invalid_body_param("config").detail(e.to_string()))?;
    config.environment.clone_from(&current.environment);
    config.file.clone_from(&current.file);
    if !current.service_settings.site_url.is_empty() && config.service_settings.site_url.is_empty()
    {
        return Err(invalid(
            "api.config.update_config.clear_siteurl.app_error",
            "Site URL cannot be cleared.",
        ));
    }
    validate(&config)?;
    Ok(config)
}

/// The file store settings a connection test reads.
const FILE_STORE_SETTINGS: [&str; 9] = [
    "DriverName",
    "Directory",
    "AmazonS3Bucket",
    "AmazonS3Endpoint",
    "AmazonS3Region",
    "AmazonS3AccessKeyId",
    "AmazonS3SecretAccessKey",
    "AmazonS3PathPrefix",
    "AmazonS3SSL",
];

/// `{"FileSettings": …}` of a configuration sent to be tested, when it sets every file store
/// setting (Mattermost refuses a test with any of them unset or null); None otherwise.
pub fn file_settings_under_test(body: &Value) -> Option<Value> {
    let section = body.get("FileSettings")?.as_object()?;
    FILE_STORE_SETTINGS
        .iter()
        .all(|name| section.get(*name).is_some_and(|v| !v.is_null()))
        .then(|| serde_json::json!({ "FileSettings": section }))
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b) || a.is_null() || b.is_null()
}

fn invalid(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message.to_owned())
}

/// Mattermost's `Config.IsValid` for the settings ferromost acts on.
pub fn validate(c: &Config) -> Result<(), ApiError> {
    let s = &c.service_settings;
    let site = s.site_url.as_str();
    if !site.is_empty() && !is_http_url(site) {
        return Err(invalid(
            "model.config.is_valid.site_url.app_error",
            "Site URL must be a valid URL and start with http:// or https://.",
        ));
    }
    if s.listen_address.is_empty() {
        return Err(invalid(
            "model.config.is_valid.listen_address.app_error",
            "Invalid listen address for service settings Must be set.",
        ));
    }
    if s.maximum_login_attempts <= 0 {
        return Err(invalid(
            "model.config.is_valid.login_attempts.app_error",
            "Invalid maximum login attempts for service settings. Must be a positive number.",
        ));
    }
    if s.maximum_payload_size_bytes == 0 {
        return Err(invalid(
            "model.config.is_valid.max_payload_size.app_error",
            "Invalid max payload size for service settings. Must be a whole number greater than zero.",
        ));
    }
    let t = &c.team_settings;
    if t.max_users_per_team <= 0 {
        return Err(invalid(
            "model.config.is_valid.max_users.app_error",
            "Invalid maximum users per team for team settings. Must be a positive number.",
        ));
    }
    if t.site_name.chars().count() > 30 {
        return Err(invalid(
            "model.config.is_valid.sitename_length.app_error",
            "Site name must be less than or equal to 30 characters.",
        ));
    }
    let p = &c.password_settings;
    if !(5..=72).contains(&p.minimum_length) {
        return Err(invalid(
            "model.config.is_valid.password_length.app_error",
            "Minimum password length must be a whole number greater than or equal to 5 and less than or equal to 72.",
        ));
    }
    if c.file_settings.max_file_size == 0 {
        return Err(invalid(
            "model.config.is_valid.max_file_size.app_error",
            "Invalid max file size for file settings. Must be a whole number greater than zero.",
        ));
    }
    if c.file_settings.directory.is_empty() {
        return Err(invalid(
            "model.config.is_valid.directory.app_error",
            "Invalid Local Storage Directory. Must be a non-empty string.",
        ));
    }
    if !matches!(
        c.email_settings.connection_security.as_str(),
        "" | "TLS" | "STARTTLS"
    ) {
        return Err(invalid(
            "model.config.is_valid.email_security.app_error",
            "Invalid connection security for email settings. Must be '', 'TLS', or 'STARTTLS'.",
        ));
    }
    if c.sql_settings.data_source.is_empty() {
        return Err(invalid(
            "model.config.is_valid.sql_data_src.app_error",
            "Invalid data source for SQL settings. Must be set.",
        ));
    }
    if c.sql_settings.max_open_conns == 0 {
        return Err(invalid(
            "model.config.is_valid.sql_max_conn.app_error",
            "Invalid maximum open connection for SQL settings. Must be a positive number.",
        ));
    }
    let all = serde_json::to_value(c).map_err(ApiError::internal)?;
    let setting = |section: &str, name: &str| all.get(section).and_then(|s| s.get(name));
    let text = |section: &str, name: &str| {
        setting(section, name)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let number =
        |section: &str, name: &str| setting(section, name).and_then(Value::as_i64).unwrap_or(1);
    let one_of = |section: &str, name: &str, allowed: &[&str]| {
        allowed.contains(&text(section, name).as_str())
    };
    let rules: [(bool, &'static str, &str); 7] = [
        (
            one_of("TeamSettings", "RestrictDirectMessage", &["any", "team"]),
            "model.config.is_valid.restrict_direct_message.app_error",
            "Invalid direct message restriction. Must be 'any', or 'team'.",
        ),
        (
            number("TeamSettings", "MaxNotificationsPerChannel") > 0,
            "model.config.is_valid.max_notify_per_channel.app_error",
            "Invalid maximum notifications per channel for team settings. Must be a positive number.",
        ),
        (
            number("TeamSettings", "MaxChannelsPerTeam") > 0,
            "model.config.is_valid.max_channels.app_error",
            "Invalid maximum channels per team for team settings. Must be a positive number.",
        ),
        (
            one_of(
                "ServiceSettings",
                "ExperimentalGroupUnreadChannels",
                &["disabled", "default_on", "default_off"],
            ),
            "model.config.is_valid.group_unread_channels.app_error",
            "Invalid group unread channels for service settings. Must be 'disabled', 'default_on', or 'default_off'.",
        ),
        (
            one_of(
                "ServiceSettings",
                "CollapsedThreads",
                &["disabled", "default_on", "default_off", "always_on"],
            ),
            "model.config.is_valid.collapsed_threads.app_error",
            "CollapsedThreads setting must be either disabled,default_on or default_off",
        ),
        (
            one_of(
                "EmailSettings",
                "EmailNotificationContentsType",
                &["full", "generic"],
            ),
            "model.config.is_valid.email_notification_contents_type.app_error",
            "Invalid email notification contents type for email settings. Must be one of either 'full' or 'generic'.",
        ),
        (
            {
                let available = text("LocalizationSettings", "AvailableLocales");
                let default = text("LocalizationSettings", "DefaultClientLocale");
                available.is_empty() || available.split(',').any(|l| l == default)
            },
            "model.config.is_valid.localization.available_locales.app_error",
            "Available Languages must contain Default Client Language.",
        ),
    ];
    match rules.into_iter().find(|(ok, ..)| !ok) {
        Some((_, id, message)) => Err(invalid(id, message)),
        None => Ok(()),
    }
}

fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|host| {
        let host = host.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !host.contains(char::is_whitespace)
    })
}

/// The configuration as its file holds it: settings fixed by `MM_*` variables keep what the
/// file had (or are left out), so the environment never leaks into the file.
fn file_form(config: &Config) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(config).map_err(ApiError::internal)?;
    let on_disk: Value = config
        .file
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    for (section, setting) in &config.environment {
        let before = on_disk.get(section).and_then(|s| s.get(setting)).cloned();
        if let Some(settings) = value.get_mut(section).and_then(Value::as_object_mut) {
            match before {
                Some(v) => {
                    settings.insert(setting.clone(), v);
                }
                None => {
                    settings.remove(setting);
                }
            }
        }
    }
    Ok(value)
}

/// Writes `value` to `path` whole or not at all: a temporary file beside it, then a rename.
fn write_atomically(path: &std::path::Path, value: &Value) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(value).map_err(ApiError::internal)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(ApiError::internal)?;
    }
    let tmp = path.with_extension(format!("json.{}.tmp", crate::ids::new_id()));
    std::fs::write(&tmp, text).map_err(ApiError::internal)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ApiError::internal(e)
    })
}

/// Puts `config` in force: its file rewritten, the database holding it for the other nodes
/// (who are told to apply it), and this node using it from the next request.
pub async fn save(state: &AppState, config: Config) -> Result<(), ApiError> {
    let form = file_form(&config)?;
    let at = now_millis();
    if let Some(path) = &config.file {
        write_atomically(path, &form)?;
    }
    let row = system::Model {
        name: SAVED.to_owned(),
        value: serde_json::json!({"saved_at": at, "config": form}).to_string(),
    };
    system::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(system::Column::Name)
                .update_column(system::Column::Value)
                .to_owned(),
        )
        .exec_without_returning(state.db())
        .await?;
    state.set_config(config);
    state.invalidate(crate::cluster::Invalidation::Config).await
}

/// The configuration last saved over the API, with when, if any.
async fn saved(db: &impl ConnectionTrait) -> Result<Option<(i64, Value)>, ApiError> {
    let Some(row) = system::Entity::find_by_id(SAVED.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let mut value: Value = serde_json::from_str(&row.value).map_err(ApiError::internal)?;
    let at = value["saved_at"].as_i64().unwrap_or_default();
    Ok(Some((at, value["config"].take())))
}

/// A saved configuration as this node runs it: the settings this node's `MM_*` variables
/// set keep the values they have here, and the config file stays this node's.
fn as_here(saved: Value, current: &Config) -> Result<Config, ApiError> {
    let mut value = saved;
    let here = serde_json::to_value(current).map_err(ApiError::internal)?;
    for (section, setting) in &current.environment {
        if let Some(v) = here.get(section).and_then(|s| s.get(setting))
            && let Some(s) = value.get_mut(section).and_then(Value::as_object_mut)
        {
            s.insert(setting.clone(), v.clone());
        }
    }
    let mut config = Config::from_value(value, std::iter::empty()).map_err(ApiError::internal)?;
    config.environment.clone_from(&current.environment);
    config.file.clone_from(&current.file);
    Ok(config)
}

/// Applies what another node saved.
pub async fn apply_saved(state: &AppState) -> Result<(), ApiError> {
    let Some((_, value)) = saved(state.db()).await? else {
        return Ok(());
    };
    let config = as_here(value, &state.config())?;
    state.set_config(config);
    Ok(())
}

/// At start: a configuration saved over the API after the config file was last written
/// (on another node, say) is newer than the file, so it wins and the file is brought up to
/// date.
pub async fn adopt_newer_saved(state: &AppState) -> Result<(), ApiError> {
    let Some((at, value)) = saved(state.db()).await? else {
        return Ok(());
    };
    let current = state.config();
    let file_time = current
        .file
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    if file_time.is_some_and(|t| t >= at) {
        return Ok(());
    }
    let config = as_here(value, &current)?;
    if let Some(path) = &config.file {
        write_atomically(path, &file_form(&config)?)?;
    }
    state.set_config(config);
    Ok(())
}

/// ReloadConfig: the config file read again (with this process's `MM_*` variables).
pub fn reload(state: &AppState) -> Result<(), ApiError> {
    let current = state.config();
    let Some(path) = current.file.clone().filter(|p| p.exists()) else {
        return Ok(());
    };
    let config = Config::load(Some(&path), std::env::vars()).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api.config.reload_config.app_error",
            "Failed to reload config.",
        )
        .detail(e)
    })?;
    validate(&config)?;
    state.set_config(config);
    Ok(())
}
