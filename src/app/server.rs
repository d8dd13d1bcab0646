//! The server's own identity, made once on first start and kept in the `systems` table (the
//! diagnostic id, the installation date, the asymmetric signing key), and the client
//! configuration built from it and from the configuration in force.

use crate::config::Config;
use crate::config::client::{KEYS, Source};
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use crate::store::entity::{system, user};
use base64::Engine;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::Value;
use std::collections::HashMap;

/// What a server is, whichever node answers: made by the first node that starts on a
/// database and read by every later one.
#[derive(Debug, Clone, Default)]
pub struct ServerFacts {
    /// A 26-character id, the server's telemetry id in Mattermost.
    pub diagnostic_id: String,
    /// Milliseconds since the epoch of the first start.
    pub installation_date: i64,
    /// Base64 of the DER (SubjectPublicKeyInfo) of the server's ECDSA P-256 public key.
    pub signing_public_key: String,
    /// How many schema migrations the database has had.
    pub schema_version: usize,
    /// Salts public file links when `FileSettings.PublicLinkSalt` is empty.
    pub link_salt: String,
    /// The PKCS#8 document of the server's ECDSA P-256 key pair (signs trigger ids).
    pub signing_pkcs8: std::sync::Arc<Vec<u8>>,
    /// The AES-256 key that seals the cookies of interactive message buttons.
    pub action_cookie_key: std::sync::Arc<Vec<u8>>,
}

const DIAGNOSTIC_ID: &str = "DiagnosticId";
const INSTALLATION_DATE: &str = "InstallationDate";
const SIGNING_KEY: &str = "AsymmetricSigningKey";
const LINK_SALT: &str = "PublicLinkSalt";
const ACTION_COOKIE_KEY: &str = "PostActionCookieSecret";

/// The DER header of a P-256 SubjectPublicKeyInfo, before the 65-byte uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// Reads the server's identity, making each part that is missing. Nodes starting together
/// on one database agree: the first insert of each fact wins and everyone reads it back.
pub async fn ensure_facts(
    db: &impl ConnectionTrait,
    schema_version: usize,
) -> Result<ServerFacts, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = || -> Result<String, String> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .map_err(|e| format!("making the signing key: {e}"))?;
        Ok(b64.encode(pkcs8.as_ref()))
    };
    let diagnostic_id = fact(db, DIAGNOSTIC_ID, new_id()).await?;
    let installation_date = fact(db, INSTALLATION_DATE, now_millis().to_string()).await?;
    let pkcs8 = fact(db, SIGNING_KEY, key()?).await?;
    let link_salt = fact(db, LINK_SALT, format!("{}{}", new_id(), new_id())).await?;
    let cookie_key = {
        let mut key = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key)
            .map_err(|e| format!("making the action cookie key: {e}"))?;
        fact(db, ACTION_COOKIE_KEY, b64.encode(key)).await?
    };
    let action_cookie_key = b64
        .decode(cookie_key)
        .map_err(|e| format!("the stored action cookie key: {e}"))?;
    let pkcs8 = b64
        .decode(pkcs8)
        .map_err(|e| format!("the stored signing key: {e}"))?;
    let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &pkcs8,
        &ring::rand::SystemRandom::new(),
    )
    .map_err(|e| format!("the stored signing key: {e}"))?;
    let mut spki = P256_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(ring::signature::KeyPair::public_key(&pair).as_ref());
    Ok(ServerFacts {
        diagnostic_id,
        installation_date: installation_date.parse().unwrap_or_default(),
        signing_public_key: b64.encode(spki),
        schema_version,
        link_salt,
        signing_pkcs8: std::sync::Arc::new(pkcs8),
        action_cookie_key: std::sync::Arc::new(action_cookie_key),
    })
}

/// The stored value of `name`, storing `value` first when there is none.
async fn fact(db: &impl ConnectionTrait, name: &str, value: String) -> Result<String, String> {
    let row = system::Model {
        name: name.to_owned(),
        value,
    };
    system::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(system::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map_err(|e| format!("storing {name}: {e}"))?;
    system::Entity::find_by_id(name.to_owned())
        .one(db)
        .await
        .map_err(|e| format!("reading {name}: {e}"))?
        .map(|r| r.value)
        .ok_or_else(|| format!("{name} vanished"))
}

/// `MM_SERVICEENVIRONMENT` when it names one Mattermost knows, else production.
fn service_environment() -> String {
    match std::env::var("MM_SERVICEENVIRONMENT").as_deref() {
        Ok(env @ ("production" | "test" | "dev")) => env.to_owned(),
        _ => "production".to_owned(),
    }
}

/// A setting as the client config shows it: booleans and numbers as text, lists joined
/// with commas, URLs without a trailing slash.
fn as_client_string(key: &str, value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| as_client_string("", Some(v)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    };
    if matches!(key, "SiteURL" | "WebsocketURL") {
        text.trim_end_matches('/').to_owned()
    } else {
        text
    }
}

/// `GET /config/client?format=old`: the limited map for anonymous callers, the full one
/// for callers with a session, each with the computed keys Mattermost adds.
pub async fn client_config(
    db: &impl ConnectionTrait,
    config: &Config,
    facts: &ServerFacts,
    with_session: bool,
) -> Result<HashMap<String, String>, ApiError> {
    let settings = serde_json::to_value(config).map_err(ApiError::internal)?;
    let setting = |section: &str, name: &str| settings.get(section).and_then(|s| s.get(name));
    let no_accounts = user::Entity::find().one(db).await?.is_none();
    let flag = |b: bool| if b { "true" } else { "false" }.to_owned();
    let mut out = HashMap::new();
    for (key, full_only, source) in KEYS {
        if *full_only && !with_session {
            continue;
        }
        let value = match source {
            Source::Setting(section, name) => as_client_string(key, setting(section, name)),
            // Callers with a session see the customer portal's address.
            Source::Fixed(_) if *key == "CWSURL" && with_session => {
                as_client_string(key, setting("CloudSettings", "CWSURL"))
            }
            Source::Fixed(value) => (*value).to_owned(),
            Source::Computed => match *key {
                "Version" => crate::router::MATTERMOST_VERSION.to_owned(),
                "BuildNumber" => crate::router::BUILD_NUMBER.to_owned(),
                "BuildDate" => "n/a".to_owned(),
                "BuildHash" => env!("CARGO_PKG_VERSION").to_owned(),
                "BuildHashEnterprise" => "none".to_owned(),
                "BuildEnterpriseReady" => "false".to_owned(),
                "ServiceEnvironment" => service_environment(),
                "DiagnosticId" | "TelemetryId" => facts.diagnostic_id.clone(),
                "NoAccounts" => flag(no_accounts),
                "AsymmetricSigningPublicKey" => facts.signing_public_key.clone(),
                "MaxPostSize" => crate::app::posts::MAX_MESSAGE_RUNES.to_string(),
                "UpgradedFromTE" => "false".to_owned(),
                "InstallationDate" => facts.installation_date.to_string(),
                "SchemaVersion" => facts.schema_version.to_string(),
                "IsDefaultMarketplace" => flag(
                    setting("PluginSettings", "MarketplaceURL").and_then(Value::as_str)
                        == Some("https://api.integrations.mattermost.com"),
                ),
                _ => String::new(),
            },
        };
        out.insert((*key).to_owned(), value);
    }
    Ok(out)
}

/// Whether the database answers a trivial query.
pub async fn database_healthy(caller: &crate::auth::Caller) -> bool {
    caller
        .state
        .db()
        .execute_unprepared("SELECT 1")
        .await
        .is_ok()
}

/// The `Systems` row recording that an admin has opened the plugin marketplace.
pub const FIRST_ADMIN_VISIT_MARKETPLACE: &str = "FirstAdminVisitMarketplace";

/// Whether an admin has opened the plugin marketplace yet: `"true"` or `"false"`.
pub async fn first_admin_visit_marketplace(db: &impl ConnectionTrait) -> Result<String, ApiError> {
    Ok(
        system::Entity::find_by_id(FIRST_ADMIN_VISIT_MARKETPLACE.to_owned())
            .one(db)
            .await?
            .map_or_else(|| "false".to_owned(), |row| row.value),
    )
}

/// Records that an admin has opened the plugin marketplace (whatever was sent, as in
/// Mattermost) and tells every connected client.
pub async fn set_first_admin_visit_marketplace(
    caller: &crate::auth::Caller,
) -> Result<(), ApiError> {
    let row = system::Model {
        name: FIRST_ADMIN_VISIT_MARKETPLACE.to_owned(),
        value: "true".to_owned(),
    };
    system::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(system::Column::Name)
                .update_column(system::Column::Value)
                .to_owned(),
        )
        .exec_without_returning(caller.state.db())
        .await?;
    let event = super::events::Event::new(
        "first_admin_visit_marketplace_status_received",
        super::events::Broadcast::default(),
    )
    .with("firstAdminVisitMarketplaceStatus", "true");
    caller.state.events().publish(event);
    Ok(())
}
