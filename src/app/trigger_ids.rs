//! Trigger ids, as Mattermost makes them: what a slash command or a button press hands its
//! integration so that it may open a dialog for that user, shortly after (within
//! `OutgoingIntegrationRequestsTimeout`). Base64 of
//! `client_id:user_id:millis:` followed by the base64 ECDSA P-256 (SHA-256, ASN.1)
//! signature of that text by the server's signing key, so any node can check one.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::ids::{new_id, now_millis};
use axum::http::StatusCode;
use base64::Engine;
use ring::signature::{self, EcdsaKeyPair, KeyPair};

pub mod ids {
    pub const DECODE: &str = "interactive_message.decode_trigger_id.base64_decode_failed";
    pub const MISSING: &str = "interactive_message.decode_trigger_id.missing_data";
    pub const EXPIRED: &str = "interactive_message.decode_trigger_id.expired";
    pub const SIGNATURE_BASE64: &str =
        "interactive_message.decode_trigger_id.base64_decode_failed_signature";
    pub const VERIFY: &str = "interactive_message.decode_trigger_id.verify_signature_failed";
}

fn key_pair(caller: &Caller) -> Result<EcdsaKeyPair, ApiError> {
    EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &caller.state.facts().signing_pkcs8,
        &ring::rand::SystemRandom::new(),
    )
    .map_err(|e| ApiError::internal(format!("the signing key: {e}")))
}

/// A new trigger id for `user_id`: (the id the client is shown, the signed trigger id).
pub fn generate(caller: &Caller, user_id: &str) -> Result<(String, String), ApiError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let client_id = new_id();
    let data = format!("{client_id}:{user_id}:{}:", now_millis());
    let pair = key_pair(caller)?;
    let signed = pair
        .sign(&ring::rand::SystemRandom::new(), data.as_bytes())
        .map_err(|e| ApiError::internal(format!("signing a trigger id: {e}")))?;
    let whole = format!("{data}{}", b64.encode(signed.as_ref()));
    Ok((client_id, b64.encode(whole)))
}

fn bad(id: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, id, message)
}

/// Checks `trigger_id`: well formed, signed by this server, no older than `max_age_millis`.
/// (The client id it carries, the user it was made for.)
pub fn verify(
    caller: &Caller,
    trigger_id: &str,
    max_age_millis: i64,
) -> Result<(String, String), ApiError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let decoded = b64
        .decode(trigger_id)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| bad(ids::DECODE, "The trigger id is not base64."))?;
    let parts: Vec<&str> = decoded.split(':').collect();
    let [client_id, owner, millis, sig] = parts.as_slice() else {
        return Err(bad(ids::MISSING, "The trigger id is incomplete."));
    };
    let at: i64 = millis.parse().unwrap_or_default();
    if now_millis() - at > max_age_millis {
        return Err(bad(ids::EXPIRED, "The trigger id has expired."));
    }
    let sig = b64.decode(sig).map_err(|_| {
        bad(
            ids::SIGNATURE_BASE64,
            "The trigger id's signature is not base64.",
        )
    })?;
    let data = format!("{client_id}:{owner}:{millis}:");
    let pair = key_pair(caller)?;
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, pair.public_key())
        .verify(data.as_bytes(), &sig)
        .map_err(|_| bad(ids::VERIFY, "The trigger id's signature does not match."))?;
    Ok(((*client_id).to_owned(), (*owner).to_owned()))
}
