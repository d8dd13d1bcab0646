//! Configuration with Mattermost's names: a `config.json` of `Section.Setting` values, each
//! overridable by the environment variable `MM_<SECTION>_<SETTING>` (upper case).
//!
//! Settings this server does not use yet are kept as they are read (`extra`), so a
//! Mattermost config.json loads and round-trips.

pub mod client;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

macro_rules! section {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty = $default:expr),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
        #[serde(rename_all = "PascalCase", default)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Settings of this section that ferromost does not read, kept as given.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
        impl Default for $name {
            fn default() -> Self {
                Self { $($field: $default,)* extra: Map::new() }
            }
        }
    };
}

section!(ServiceSettings {
    #[serde(rename = "SiteURL")]
    site_url: String = String::new(),
    listen_address: String = "127.0.0.1:8065".to_owned(),
    maximum_payload_size_bytes: usize = 300_000,
    maximum_login_attempts: i64 = 10,
    enable_user_access_tokens: bool = false,
    enable_bot_account_creation: bool = false,
    enable_email_invitations: bool = false,
    enable_multifactor_authentication: bool = false,
    enforce_multifactor_authentication: bool = false,
    session_length_web_in_hours: i64 = 720,
    session_length_mobile_in_hours: i64 = 720,
    #[serde(rename = "SessionLengthSSOInHours")]
    session_length_sso_in_hours: i64 = 720,
    session_idle_timeout_in_minutes: i64 = 43_200,
    session_cache_in_minutes: i64 = 10,
    extend_session_length_with_activity: bool = true,
    #[serde(rename = "ExperimentalStrictCSRFEnforcement")]
    experimental_strict_csrf_enforcement: bool = false,
    #[serde(rename = "EnableAPIUserDeletion")]
    enable_api_user_deletion: bool = false,
    #[serde(rename = "EnableAPITeamDeletion")]
    enable_api_team_deletion: bool = false,
    enable_developer: bool = false,
    enable_custom_emoji: bool = true,
    enable_incoming_webhooks: bool = true,
    enable_outgoing_webhooks: bool = true,
    enable_post_username_override: bool = false,
    enable_post_icon_override: bool = false,
    #[serde(rename = "TLSStrictTransport")]
    tls_strict_transport: bool = false,
    #[serde(rename = "TLSStrictTransportMaxAge")]
    tls_strict_transport_max_age: i64 = 63_072_000,
    /// mmctl's local mode: a Unix socket whose requests are fully authorised.
    enable_local_mode: bool = false,
    local_mode_socket_location: String = "/var/tmp/mattermost_local.socket".to_owned(),
});

section!(TeamSettings {
    site_name: String = "Mattermost".to_owned(),
    enable_user_creation: bool = true,
    enable_open_server: bool = false,
    restrict_creation_to_domains: String = String::new(),
    max_users_per_team: i64 = 50,
    enable_user_deactivation: bool = false,
    enable_custom_user_statuses: bool = true,
});

section!(SqlSettings {
    driver_name: String = "sqlite3".to_owned(),
    data_source: String = "./data/ferromost.db".to_owned(),
    max_open_conns: u32 = 100,
});

section!(PasswordSettings {
    minimum_length: usize = 8,
    lowercase: bool = false,
    number: bool = false,
    uppercase: bool = false,
    symbol: bool = false,
    /// PBKDF2 rounds for new password hashes; Mattermost v11 uses 600,000.
    #[serde(rename = "PBKDF2Iterations")]
    pbkdf2_iterations: u32 = 600_000,
});

section!(EmailSettings {
    enable_sign_up_with_email: bool = true,
    enable_sign_in_with_email: bool = true,
    enable_sign_in_with_username: bool = true,
    send_email_notifications: bool = true,
    require_email_verification: bool = false,
    feedback_name: String = String::new(),
    feedback_email: String = "test@example.com".to_owned(),
    #[serde(rename = "SMTPServer")]
    smtp_server: String = "localhost".to_owned(),
    #[serde(rename = "SMTPPort")]
    smtp_port: String = "10025".to_owned(),
    /// "" (plain SMTP), "STARTTLS" (upgrade required) or "TLS" (TLS from the start).
    connection_security: String = String::new(),
    /// Accept any certificate from the SMTP server (self-signed test servers only).
    skip_server_certificate_verification: bool = false,
    #[serde(rename = "EnableSMTPAuth")]
    enable_smtp_auth: bool = false,
    #[serde(rename = "SMTPUsername")]
    smtp_username: String = String::new(),
    #[serde(rename = "SMTPPassword")]
    smtp_password: String = String::new(),
    #[serde(rename = "SMTPServerTimeout")]
    smtp_server_timeout: u64 = 10,
});

section!(GuestAccountsSettings {
    enable: bool = false,
    restrict_creation_to_domains: String = String::new(),
});

section!(FileSettings {
    max_file_size: usize = 104_857_600,
    directory: String = "./data/".to_owned(),
    /// `local` (under `Directory`) or `amazons3` (the `AmazonS3*` settings).
    driver_name: String = "local".to_owned(),
    enable_file_attachments: bool = true,
    enable_public_link: bool = false,
    /// Salts public links' hashes; empty: a salt generated once and kept in the database.
    public_link_salt: String = String::new(),
    /// The most pixels an uploaded image may have.
    max_image_resolution: i64 = 33_177_600,
    /// The `amazons3` driver's service: any S3-compatible endpoint (host[:port]).
    amazon_s3_endpoint: String = "s3.amazonaws.com".to_owned(),
    amazon_s3_bucket: String = String::new(),
    amazon_s3_region: String = String::new(),
    amazon_s3_access_key_id: String = String::new(),
    amazon_s3_secret_access_key: String = String::new(),
    /// Prepended to every key in the bucket.
    amazon_s3_path_prefix: String = String::new(),
    #[serde(rename = "AmazonS3SSL")]
    amazon_s3_ssl: bool = true,
    amazon_s3_request_timeout_milliseconds: u64 = 30_000,
});

section!(PrivacySettings {
    show_email_address: bool = true,
    show_full_name: bool = true,
});

section!(LogSettings {
    console_level: String = "INFO".to_owned(),
    console_json: bool = false,
});

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Config {
    pub service_settings: ServiceSettings,
    pub team_settings: TeamSettings,
    pub sql_settings: SqlSettings,
    pub password_settings: PasswordSettings,
    pub email_settings: EmailSettings,
    pub file_settings: FileSettings,
    pub guest_accounts_settings: GuestAccountsSettings,
    pub privacy_settings: PrivacySettings,
    pub log_settings: LogSettings,
    /// Sections ferromost does not read, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The `(Section, Setting)` pairs set by `MM_*` environment variables: the config API
    /// leaves them as they are and lists them (GetEnvironmentConfig).
    #[serde(skip)]
    pub environment: BTreeSet<(String, String)>,
    /// The config.json this configuration was read from, which the config API rewrites.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// Mattermost's defaults: the typed sections' own, and [`client::DEFAULTS`] for the settings
/// behind the client config that ferromost does not read itself.
impl Default for Config {
    fn default() -> Self {
        // Each section on its own: deserialising a whole Config would ask for its default.
        let typed_names = [
            "ServiceSettings",
            "TeamSettings",
            "SqlSettings",
            "PasswordSettings",
            "EmailSettings",
            "FileSettings",
            "GuestAccountsSettings",
            "PrivacySettings",
            "LogSettings",
        ];
        let mut extra = Value::Object(Map::new());
        fill_defaults(&mut extra);
        let mut extra = match extra {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        extra.retain(|name, _| !typed_names.contains(&name.as_str()));
        Self {
            service_settings: with_defaults(ServiceSettings::default(), "ServiceSettings"),
            team_settings: with_defaults(TeamSettings::default(), "TeamSettings"),
            sql_settings: with_defaults(SqlSettings::default(), "SqlSettings"),
            password_settings: with_defaults(PasswordSettings::default(), "PasswordSettings"),
            email_settings: with_defaults(EmailSettings::default(), "EmailSettings"),
            file_settings: with_defaults(FileSettings::default(), "FileSettings"),
            guest_accounts_settings: with_defaults(
                GuestAccountsSettings::default(),
                "GuestAccountsSettings",
            ),
            privacy_settings: with_defaults(PrivacySettings::default(), "PrivacySettings"),
            log_settings: with_defaults(LogSettings::default(), "LogSettings"),
            extra,
            environment: BTreeSet::new(),
            file: None,
        }
    }
}

/// A typed section with the [`client::DEFAULTS`] of `name` added to its untyped settings.
fn with_defaults<T: Serialize + serde::de::DeserializeOwned>(section: T, name: &str) -> T {
    let Ok(value) = serde_json::to_value(&section) else {
        return section;
    };
    let mut whole = Value::Object(Map::from_iter([(name.to_owned(), value)]));
    fill_defaults(&mut whole);
    match whole.get_mut(name).map(Value::take) {
        Some(value) => serde_json::from_value(value).unwrap_or(section),
        None => section,
    }
}

/// Adds each setting of [`client::DEFAULTS`] that `value` lacks.
fn fill_defaults(value: &mut Value) {
    let Some(root) = value.as_object_mut() else {
        return;
    };
    for (section, setting, default) in client::DEFAULTS {
        let Ok(default) = serde_json::from_str::<Value>(default) else {
            continue;
        };
        let entry = root
            .entry((*section).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(section) = entry.as_object_mut() {
            section.entry((*setting).to_owned()).or_insert(default);
        }
    }
}

/// Settings whose values are secrets: blanked in what GET /config returns.
pub const SECRETS: [(&str, &str); 16] = [
    ("SqlSettings", "DataSource"),
    ("SqlSettings", "AtRestEncryptKey"),
    ("EmailSettings", "SMTPPassword"),
    ("EmailSettings", "InviteSalt"),
    ("EmailSettings", "PasswordResetSalt"),
    ("FileSettings", "PublicLinkSalt"),
    ("FileSettings", "AmazonS3SecretAccessKey"),
    ("GitLabSettings", "Secret"),
    ("GoogleSettings", "Secret"),
    ("Office365Settings", "Secret"),
    ("OpenIdSettings", "Secret"),
    ("LdapSettings", "BindPassword"),
    ("ElasticsearchSettings", "Password"),
    ("ServiceSettings", "SplitKey"),
    ("ServiceSettings", "GiphySecretKey"),
    ("ServiceSettings", "GfycatAPISecret"),
];

/// What GET /config puts where a secret was.
pub const FAKE_SETTING: &str = "********************************";

impl Config {
    /// Reads `path` if it exists (defaults otherwise), then applies `MM_*` overrides from
    /// `env`. A malformed file or override is an error, never silently ignored.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, String> {
        let value = match path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("reading {}: {e}", p.display()))?;
                serde_json::from_str(&text).map_err(|e| format!("parsing {}: {e}", p.display()))?
            }
            _ => serde_json::to_value(Config::default()).map_err(|e| e.to_string())?,
        };
        let mut config = Self::from_value(value, env)?;
        config.file = path.map(Path::to_owned);
        Ok(config)
    }

    /// A configuration from its JSON (a file's, or one saved over the API): Mattermost's
    /// defaults fill what it lacks, then `MM_*` overrides from `env` apply.
    pub fn from_value(
        mut value: Value,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, String> {
        fill_defaults(&mut value);
        let defaults = serde_json::to_value(Config::default()).map_err(|e| e.to_string())?;
        let environment = apply_env(&mut value, &defaults, env)?;
        let mut config: Self =
            serde_json::from_value(value).map_err(|e| format!("configuration: {e}"))?;
        config.environment = environment;
        Ok(config)
    }

    /// The configuration as GET /config shows it: secrets replaced.
    pub fn sanitized(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        for (section, setting) in SECRETS {
            if let Some(v) = value.get_mut(section).and_then(|s| s.get_mut(setting))
                && v.as_str().is_some_and(|s| !s.is_empty())
            {
                *v = Value::String(FAKE_SETTING.to_owned());
            }
        }
        value
    }

    /// A setting by its Mattermost names, typed or not.
    pub fn setting(&self, section: &str, setting: &str) -> Option<Value> {
        let value = serde_json::to_value(self).ok()?;
        value.get(section)?.get(setting).cloned()
    }

    /// A boolean setting (`section.setting`), or `default` when unset or not a boolean.
    pub fn flag(&self, section: &str, setting: &str, default: bool) -> bool {
        self.setting(section, setting)
            .and_then(|v| v.as_bool())
            .unwrap_or(default)
    }

    /// True when the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.sql_settings.driver_name == "postgres"
            || self.sql_settings.data_source.starts_with("postgres")
    }
}

/// Applies `MM_SECTION_SETTING=value` to the matching setting. The value is read as JSON
/// when the setting is not a string (numbers, booleans, arrays, objects).
fn apply_env(
    value: &mut Value,
    defaults: &Value,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<BTreeSet<(String, String)>, String> {
    let mut applied = BTreeSet::new();
    let Some(root) = value.as_object_mut() else {
        return Err("configuration must be a JSON object".to_owned());
    };
    for (key, raw) in env {
        let Some(rest) = key.strip_prefix("MM_") else {
            continue;
        };
        let Some((section_key, setting_key)) = rest.split_once('_') else {
            continue;
        };
        let Some((section, default_section)) = defaults
            .as_object()
            .into_iter()
            .flatten()
            .find(|(name, _)| name.to_uppercase() == section_key)
        else {
            continue;
        };
        let Some((setting, default)) = default_section
            .as_object()
            .into_iter()
            .flatten()
            .find(|(name, _)| name.to_uppercase() == setting_key)
        else {
            continue;
        };
        let parsed = match default {
            Value::String(_) => Value::String(raw.clone()),
            _ => serde_json::from_str(&raw).map_err(|e| format!("{key}: {e}"))?,
        };
        let section_name = section.clone();
        let section = root
            .entry(section.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(section_map) = section.as_object_mut() {
            section_map.insert(setting.clone(), parsed);
        }
        applied.insert((section_name.clone(), setting.clone()));
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_use_mattermost_names() {
        let env = [
            (
                "MM_SERVICESETTINGS_SITEURL".to_owned(),
                "https://chat.example.com".to_owned(),
            ),
            (
                "MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS".to_owned(),
                "true".to_owned(),
            ),
            ("MM_SQLSETTINGS_MAXOPENCONNS".to_owned(), "7".to_owned()),
            ("MM_UNKNOWN_THING".to_owned(), "x".to_owned()),
        ];
        let c = Config::load(None, env).unwrap();
        assert_eq!(c.service_settings.site_url, "https://chat.example.com");
        assert!(c.service_settings.enable_user_access_tokens);
        assert_eq!(c.sql_settings.max_open_conns, 7);
    }

    #[test]
    fn a_malformed_override_is_an_error() {
        let env = [("MM_SQLSETTINGS_MAXOPENCONNS".to_owned(), "many".to_owned())];
        assert!(Config::load(None, env).is_err());
    }

    #[test]
    fn unknown_settings_round_trip_and_secrets_are_hidden() {
        let dir = std::env::temp_dir().join(format!("ferromost-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(
            &path,
            r#"{"SqlSettings":{"DataSource":"postgres://u:p@h/db"},"PluginSettings":{"Enable":true},
                "ServiceSettings":{"EnableLinkPreviews":true}}"#,
        )
        .unwrap();
        let c = Config::load(Some(&path), []).unwrap();
        assert!(c.is_postgres());
        let shown = c.sanitized();
        assert_eq!(shown["SqlSettings"]["DataSource"], FAKE_SETTING);
        assert_eq!(shown["PluginSettings"]["Enable"], true);
        assert_eq!(shown["ServiceSettings"]["EnableLinkPreviews"], true);
        assert_eq!(shown["ServiceSettings"]["SiteURL"], "");
    }
}
