//! TOTP multi-factor authentication as Mattermost's authenticator apps expect it: a 160-bit
//! secret in base32, SHA-1, six digits, 30-second steps, one step of clock skew either way.
//! A code is accepted once: the caller records the step a code matched and refuses any
//! step not after it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use totp_rs::{Builder, Secret, Totp};

/// A new secret: 20 random bytes, base32 without padding (32 characters).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str, account: &str, issuer: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    let issuer = (!issuer.is_empty()).then(|| issuer.replace(':', ""));
    Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', ""))
        .with_issuer(issuer)
        .build()
        .ok()
}

/// The QR code an authenticator app scans, as a base64 PNG (what Mattermost returns).
pub fn qr_code_png_base64(secret: &str, account: &str, issuer: &str) -> Option<String> {
    let png = totp(secret, account, issuer)?.to_qr_png().ok()?;
    Some(STANDARD.encode(png))
}

/// The step `code` matches at `unix_seconds`, if it is valid for `secret`.
pub fn matching_step(secret: &str, code: &str, unix_seconds: u64) -> Option<u64> {
    totp(secret, "", "")?.check(code.trim(), unix_seconds)
}

/// The code an authenticator shows for `secret` at `unix_seconds`.
pub fn code_at(secret: &str, unix_seconds: u64) -> Option<String> {
    Some(totp(secret, "", "")?.generate(unix_seconds).to_string())
}

/// Seconds since the Unix epoch.
pub fn unix_seconds() -> u64 {
    u64::try_from(crate::ids::now_millis() / 1000).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_neighbours_only() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let t = 1_800_000_000;
        let code = code_at(&secret, t).unwrap();
        assert_eq!(code.len(), 6);
        assert_eq!(matching_step(&secret, &code, t), Some(t / 30));
        assert_eq!(
            matching_step(&secret, &code, t + 30),
            Some(t / 30),
            "one step of skew"
        );
        assert_eq!(matching_step(&secret, &code, t + 90), None);
        assert_eq!(matching_step("not base32!", &code, t), None);
        let qr = qr_code_png_base64(&secret, "user@example.com", "Mattermost").unwrap();
        assert!(STANDARD.decode(qr).unwrap().starts_with(b"\x89PNG"));
    }
}
