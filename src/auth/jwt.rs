//! Corteza's JWTs over Mattermost's sessions. Corteza's clients take a token only when it
//! looks like Corteza's own (its JavaScript client refuses one of 100 characters or fewer),
//! and its web apps read the user and the roles from the token. So the `jwt` Corteza's
//! auth answers give is a JWT (HS256) carrying Corteza's claims (`userID`, `exp`,
//! `memberOf`) and the Mattermost session's token (`sid`). Whatever API it is sent to, the
//! session it names decides, as for the bare token: it stops working when the session ends.
//! The key is derived from the deployment's persisted secret, the same on every node.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// HMAC-SHA-256 of `message` under `key` (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0_u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The signing key: SHA-256 of a label and the deployment's secret.
fn key(secret: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"ferromost corteza jwt\0")
        .chain_update(secret.as_bytes())
        .finalize()
        .into()
}

/// Corteza's claims for a session.
pub struct Claims<'a> {
    /// The session's token (what the JWT stands for).
    pub session_token: &'a str,
    /// Corteza's numeric id of the account.
    pub user_id: i64,
    /// Seconds since the epoch.
    pub expires: i64,
    /// Corteza's numeric ids of the account's live roles, Everyone left out.
    pub member_of: &'a [String],
}

/// A signed JWT with `claims`.
pub fn issue(secret: &str, claims: &Claims<'_>) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let mut payload = json!({
        "userID": claims.user_id.to_string(),
        "exp": claims.expires,
        "sid": claims.session_token,
    });
    if !claims.member_of.is_empty() {
        payload["memberOf"] = Value::String(claims.member_of.join(" "));
    }
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signed = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(&key(secret), signed.as_bytes()));
    format!("{signed}.{signature}")
}

/// The session token a JWT of [`issue`] carries, when `token` is one signed with the
/// deployment's key; None for anything else (a bare session token is used as it is).
pub fn session_token(secret: &str, token: &str) -> Option<String> {
    let (signed, signature) = token.rsplit_once('.')?;
    let (_, payload) = signed.split_once('.')?;
    let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(&key(secret), signed.as_bytes()));
    // Compared in full whatever the first difference (no early exit on a mismatch).
    let same = expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return None;
    }
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims["sid"].as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::{Claims, hmac_sha256, issue, session_token};

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_jwt_carries_its_session_and_only_its_signer_reads_it() {
        let roles = ["2".to_owned(), "7".to_owned()];
        let claims = Claims {
            session_token: "abcdefghijklmnopqrstuvwxyz",
            user_id: 42,
            expires: 1_900_000_000,
            member_of: &roles,
        };
        let jwt = issue("secret", &claims);
        assert!(jwt.len() > 100, "Corteza's client takes only longer tokens");
        assert_eq!(
            session_token("secret", &jwt).as_deref(),
            Some("abcdefghijklmnopqrstuvwxyz")
        );
        assert_eq!(session_token("another secret", &jwt), None);
        let tampered = jwt.replacen('.', ".x", 1);
        assert_eq!(session_token("secret", &tampered), None);
        assert_eq!(session_token("secret", "abcdefghijklmnopqrstuvwxyz"), None);
    }
}
