//! The canonical-JSON body hash that tells a provider's retry from a different event.
//!
//! Asserts: any bytes hash without panicking, to 64 lower-case hex digits; a text that is not one
//! JSON value is hashed as its bytes; the same JSON spelled otherwise (keys in another order,
//! other whitespace, other string escapes) hashes alike; changing one string's content changes it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use webhook_fuzz::{respell, Spelling};
use webhook_payload::body_sha256;

fuzz_target!(|body: &[u8]| {
    let hash = body_sha256(body);
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    let text = std::str::from_utf8(body).ok();
    let is_json = text.is_some_and(|t| serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok());
    if !is_json {
        assert_eq!(hash, bytes_hash(body), "not JSON, so hashed as bytes");
        return;
    }
    let text = text.unwrap();
    let loose = respell(text, Spelling::Loose);
    let escaped = respell(text, Spelling::Escaped);
    for respelled in [&loose, &escaped].into_iter().flatten() {
        assert_eq!(
            body_sha256(respelled.as_bytes()),
            hash,
            "{text}\n{respelled}"
        );
    }
    // One value more in any string is another body.
    if let Some(loose) = loose {
        if let Some(quote) = loose.find('"') {
            let mut changed = loose.clone();
            changed.insert(quote + 1, '\u{2022}');
            assert_ne!(body_sha256(changed.as_bytes()), hash, "{loose}\n{changed}");
        }
    }
});

fn bytes_hash(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
