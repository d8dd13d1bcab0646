//! Mattermost's ids and clock: 26-character base32 ids of 128 random bits, and timestamps in
//! milliseconds since the epoch.

use rand::RngCore;

/// Mattermost's base32 alphabet (lower case, no padding).
const ALPHABET: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

/// A new random id: 16 bytes from a CSPRNG (rand's ChaCha thread generator, seeded by the OS), base32-encoded to 26 characters. Also used
/// for session tokens and access tokens (128 bits each).
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let mut out = String::with_capacity(26);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// True for a well-formed id: 26 characters, letters and digits only (Mattermost's IsValidId).
pub fn is_valid_id(id: &str) -> bool {
    id.len() == 26 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_26_characters_of_the_alphabet_and_distinct() {
        let a = new_id();
        assert_eq!(a.len(), 26);
        assert!(a.bytes().all(|b| ALPHABET.contains(&b)));
        assert!(is_valid_id(&a));
        assert_ne!(a, new_id());
        assert!(!is_valid_id("junk"));
        assert!(!is_valid_id("abcdefghijklmnopqrstuvwxy!"));
    }
}

/// A hasher for sets of ids this server made (random, so there is no flooding to defend
/// against): FxHash's word-at-a-time mix, several times cheaper than the default SipHash.
/// The websocket checks one such set per connection per event.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut w = [0_u8; 8];
            w.copy_from_slice(word);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in words.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set of ids hashed with [`IdHasher`].
pub type IdSet = std::collections::HashSet<String, std::hash::BuildHasherDefault<IdHasher>>;
