//! Binding an OAuth 2.0 `state` to the user agent that started the login (RFC 6749 §10.12).
//!
//! A stored `state` proves that *some* login was started here, not that *this browser* started
//! it: any unused state is accepted from anyone, so an attacker can send a victim their own
//! `?code=..&state=..` callback and log the victim in as the attacker (login CSRF). The defence
//! is a second secret, the *binding*, that only the starting user agent holds (in a cookie) and
//! whose SHA-256 is stored with the state.
//!
//! Every provider uses the same three helpers, so the rules are the same everywhere:
//!
//! - [`new_binding`] on start: 32 CSPRNG bytes, base64url, handed to the application in
//!   [`AuthorizationStart::binding`](crate::AuthorizationStart::binding);
//! - [`binding_digest`] of it is what the provider stores with the state (never the binding);
//! - [`check_binding`] on finish, **after** the atomic `take` of the state (so the state is
//!   consumed whatever the outcome) and **before** any token request.
//!
//! ```
//! use polyauth_core::binding::{binding_digest, check_binding, new_binding};
//! use polyauth_core::{ErrorKind, Secret};
//!
//! let binding = new_binding();
//! let stored = binding_digest(&binding); // kept with the state
//! assert!(check_binding(Some(&stored), Some(&binding)).is_ok());
//! let forged = Secret::new("forged");
//! let e = check_binding(Some(&stored), Some(&forged)).unwrap_err();
//! assert_eq!(e.kind(), ErrorKind::InvalidState);
//! assert!(check_binding(Some(&stored), None).is_err()); // no cookie
//! assert!(check_binding(None, Some(&binding)).is_err()); // state started unbound
//! ```

use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};
use crate::secret::{Secret, constant_time_eq, random_base64url};

/// Bytes of CSPRNG output in a binding (base64url without padding: 43 characters, 256 bits).
pub const BINDING_BYTES: usize = 32;

/// Longest binding [`check_binding`] looks at; a longer one is refused unread (an issued
/// binding is 43 characters).
pub const MAX_BINDING_LEN: usize = 512;

/// A fresh user-agent binding: [`BINDING_BYTES`] bytes of the thread-local CSPRNG (ChaCha,
/// seeded from the operating system), base64url without padding.
pub fn new_binding() -> Secret {
    Secret::new(random_base64url(BINDING_BYTES))
}

/// What a provider stores of a binding: its SHA-256, lowercase hex (64 characters).
pub fn binding_digest(binding: &Secret) -> String {
    hex_sha256(binding.expose_secret())
}

fn hex_sha256(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(value.as_bytes());
    let mut out = String::with_capacity(digest.len() * 2);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// Checks the binding a callback presents against the digest stored with its state.
///
/// `Ok(())` only when a digest was stored and a non-empty binding (at most
/// [`MAX_BINDING_LEN`] bytes) was presented whose [`binding_digest`] equals it, compared in
/// constant time ([`constant_time_eq`]). Call it after taking the state and before the token
/// request.
///
/// Errors: `InvalidState` when the binding is missing, empty, oversized or wrong (the callback
/// was opened in another browser), or when no digest was stored (the state was not started
/// bound). The message never contains the binding or the digest.
pub fn check_binding(stored_digest: Option<&str>, presented: Option<&Secret>) -> Result<()> {
    let Some(stored) = stored_digest.filter(|d| !d.is_empty()) else {
        return Err(Error::new(
            ErrorKind::InvalidState,
            "the OAuth state was not bound to a user agent when the login started",
        ));
    };
    let matches = match presented {
        Some(p) if !p.is_empty() && p.len() <= MAX_BINDING_LEN => {
            // Both sides are hashed again inside, so neither the timing nor the length says
            // anything about the stored digest.
            constant_time_eq(stored, &binding_digest(p))
        }
        _ => false,
    };
    if matches {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidState,
            "the OAuth state was not issued to this user agent (its login binding is missing or \
             does not match): start the login again from this browser",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_long_random_and_url_safe() {
        let a = new_binding();
        assert_eq!(a.len(), 43);
        assert!(
            a.expose_secret()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(a, new_binding());
        assert_eq!(format!("{a:?}"), "Secret([redacted])");
    }

    #[test]
    fn the_digest_is_sha256_hex() {
        assert_eq!(
            binding_digest(&Secret::new("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn only_the_issued_binding_passes() {
        let b = new_binding();
        let d = binding_digest(&b);
        assert!(check_binding(Some(&d), Some(&b)).is_ok());
        let cases: [(Option<&str>, Option<Secret>); 6] = [
            (Some(&d), None),
            (Some(&d), Some(Secret::new(""))),
            (Some(&d), Some(Secret::new("forged"))),
            (Some(&d), Some(Secret::new("x".repeat(MAX_BINDING_LEN + 1)))),
            (None, Some(b.clone())),
            (Some(""), Some(Secret::new(""))),
        ];
        for (stored, presented) in cases {
            let e = check_binding(stored, presented.as_ref()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidState);
            assert!(!e.to_string().contains(b.expose_secret()));
            assert!(!e.to_string().contains(&d));
        }
        // The digest itself is not a binding.
        let as_binding = Secret::new(d.clone());
        assert!(check_binding(Some(&d), Some(&as_binding)).is_err());
    }
}
