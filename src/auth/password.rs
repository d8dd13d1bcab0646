//! Password hashing as Mattermost v11 does it: PBKDF2-HMAC-SHA256 in the PHC string
//! `$pbkdf2$f=SHA256,w=<rounds>,l=32$<salt>$<hash>` (unpadded standard base64), and bcrypt
//! hashes from older servers still verify (the caller re-hashes them after a success).

use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rand::RngCore;
use subtle::ConstantTimeEq;

const KEY_LEN: usize = 32;
const SALT_LEN: usize = 16;

/// [`hash`] on a blocking thread: it takes long enough to stall the async workers.
pub async fn hash_off_thread(password: String, rounds: u32) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash(&password, rounds))
        .await
        .map_err(ApiError::internal)
}

/// [`verify`] on a blocking thread.
pub async fn verify_off_thread(
    password: String,
    stored: String,
    rounds: u32,
) -> Result<Verdict, ApiError> {
    tokio::task::spawn_blocking(move || verify(&password, &stored, rounds))
        .await
        .map_err(ApiError::internal)
}

/// Hashes `password` with `rounds` PBKDF2 iterations and a fresh 16-byte salt.
pub fn hash(password: &str, rounds: u32) -> String {
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    let key = derive(password, &salt, rounds);
    format!(
        "$pbkdf2$f=SHA256,w={rounds},l={KEY_LEN}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(key)
    )
}

fn derive(password: &str, salt: &[u8], rounds: u32) -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt, rounds, &mut key);
    key
}

/// What checking a password against a stored hash found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Mismatch,
    Match,
    /// Matched a legacy (bcrypt) or weaker hash: store a new one.
    MatchNeedsRehash,
}

/// Checks `password` against a stored hash of either kind.
pub fn verify(password: &str, stored: &str, rounds_wanted: u32) -> Verdict {
    if stored.starts_with("$2") {
        return match bcrypt::verify(password, stored) {
            Ok(true) => Verdict::MatchNeedsRehash,
            _ => Verdict::Mismatch,
        };
    }
    let Some((rounds, salt, key)) = parse_phc(stored) else {
        return Verdict::Mismatch;
    };
    if key.len() != KEY_LEN {
        return Verdict::Mismatch;
    }
    let derived = derive(password, &salt, rounds);
    if !bool::from(derived.ct_eq(key.as_slice())) {
        Verdict::Mismatch
    } else if rounds < rounds_wanted {
        Verdict::MatchNeedsRehash
    } else {
        Verdict::Match
    }
}

fn parse_phc(stored: &str) -> Option<(u32, Vec<u8>, Vec<u8>)> {
    let mut parts = stored.strip_prefix("$pbkdf2$")?.split('$');
    let params = parts.next()?;
    let salt = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
    let key = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
    let mut rounds = None;
    for p in params.split(',') {
        match p.split_once('=')? {
            ("f", f) if f != "SHA256" => return None,
            ("w", w) => rounds = w.parse().ok(),
            _ => {}
        }
    }
    Some((rounds?, salt, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_round_trip_and_format() {
        let h = hash("Sup3r-secret", 1000);
        assert!(h.starts_with("$pbkdf2$f=SHA256,w=1000,l=32$"));
        assert_eq!(verify("Sup3r-secret", &h, 1000), Verdict::Match);
        assert_eq!(verify("sup3r-secret", &h, 1000), Verdict::Mismatch);
        assert_eq!(verify("Sup3r-secret", &h, 2000), Verdict::MatchNeedsRehash);
        assert_eq!(verify("x", "garbage", 1000), Verdict::Mismatch);
    }

    #[test]
    fn bcrypt_hashes_verify_and_ask_for_a_rehash() {
        let legacy = bcrypt::hash("old-password", 4).unwrap();
        assert_eq!(
            verify("old-password", &legacy, 1000),
            Verdict::MatchNeedsRehash
        );
        assert_eq!(verify("other", &legacy, 1000), Verdict::Mismatch);
    }
}
