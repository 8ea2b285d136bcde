//! Secret newtypes: every password, secret and token in polyauth is one of these.
//!
//! Each type wraps a [`secrecy::SecretString`] (zeroized on drop). `Debug` prints
//! `TypeName([redacted])`, there is no `Display`, and the only way to the text is the explicit
//! [`expose_secret`](AccessToken::expose_secret). So `#[derive(Debug)]` on a config or session that
//! holds them is safe, and a `tracing` field or a panic message never shows the value. They
//! deserialize from a plain string (for configuration files) but do not serialize: write the
//! exposed value explicitly where persistence needs it.
//!
//! Equality compares in constant time (through SHA-256 digests), so comparing a presented
//! secret with a stored one leaks no timing.

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a value. The value is moved into zeroizing storage.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The secret text. Every call site is a place where the secret leaves its
            /// wrapper: send it where it belongs, never to a log or an error message.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }

            /// Whether the value is the empty string.
            pub fn is_empty(&self) -> bool {
                self.0.expose_secret().is_empty()
            }

            /// Length of the value in bytes.
            pub fn len(&self) -> usize {
                self.0.expose_secret().len()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                constant_time_eq(self.expose_secret(), other.expose_secret())
            }
        }

        impl Eq for $name {}

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_type!(
    /// An OAuth 2.0 access token, a bearer token, or a provider's session token.
    AccessToken
);
secret_type!(
    /// An OAuth 2.0 refresh token.
    RefreshToken
);
secret_type!(
    /// An OpenID Connect id token (a JWT).
    IdToken
);
secret_type!(
    /// An OAuth 2.0 client secret, or an application secret such as AIGC's `X-App-Secret`.
    ClientSecret
);
secret_type!(
    /// A user's password.
    Password
);
secret_type!(
    /// A one-time verification code sent by SMS or e-mail.
    VerificationCode
);
secret_type!(
    /// An OAuth 2.0 authorization code, as returned on the redirect URI: a short-lived
    /// credential that buys tokens, so it is redacted like one.
    AuthorizationCode
);
secret_type!(
    /// Any other secret: an HMAC key, a webhook secret, a JWT signing secret.
    Secret
);

/// A borrowed token of one of the OAuth 2.0 / OpenID Connect kinds, for the calls that take
/// several kinds (revocation, introspection, online validation): the kind travels with the
/// value, so such a call knows what it holds (`token_type_hint`, `id_token=` or
/// `access_token=`) without a separate flag that could contradict it. Made from `&AccessToken`, `&RefreshToken` or
/// `&IdToken` by `From`; `Debug` redacts the value as the token types do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRef<'a> {
    /// An access token.
    Access(&'a AccessToken),
    /// A refresh token.
    Refresh(&'a RefreshToken),
    /// An OpenID Connect id token.
    Id(&'a IdToken),
}

impl<'a> TokenRef<'a> {
    /// The token text; as [`AccessToken::expose_secret`], send it where it belongs only.
    pub fn expose_secret(&self) -> &'a str {
        match self {
            TokenRef::Access(t) => t.expose_secret(),
            TokenRef::Refresh(t) => t.expose_secret(),
            TokenRef::Id(t) => t.expose_secret(),
        }
    }

    /// The kind's name in OAuth 2.0 parameters (`token_type_hint`, RFC 7009 §2.1, and the
    /// token-exchange type names): `access_token`, `refresh_token` or `id_token`.
    pub fn type_hint(&self) -> &'static str {
        match self {
            TokenRef::Access(_) => "access_token",
            TokenRef::Refresh(_) => "refresh_token",
            TokenRef::Id(_) => "id_token",
        }
    }
}

impl<'a> From<&'a AccessToken> for TokenRef<'a> {
    fn from(token: &'a AccessToken) -> Self {
        TokenRef::Access(token)
    }
}

impl<'a> From<&'a RefreshToken> for TokenRef<'a> {
    fn from(token: &'a RefreshToken) -> Self {
        TokenRef::Refresh(token)
    }
}

impl<'a> From<&'a IdToken> for TokenRef<'a> {
    fn from(token: &'a IdToken) -> Self {
        TokenRef::Id(token)
    }
}

/// `bytes` fresh random bytes, base64url without padding (43 characters for 32 bytes): the
/// one generator of every random value polyauth hands out or compares later (OAuth `state`,
/// `nonce` and PKCE verifier, user-agent bindings, development signing secrets, assertion
/// `jti`s). The bytes come from rand's thread-local CSPRNG (ChaCha, seeded and reseeded
/// from the operating system).
pub fn random_base64url(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Compares two strings without an early exit on the first differing byte.
///
/// Both sides are hashed with SHA-256 first, so neither the position of the first difference
/// nor (for the fixed-size digests) the length of either value shows in the timing.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (da, db) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    da.iter()
        .zip(db.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_ref_knows_its_kind_and_hides_its_value() {
        let (a, r, i) = (
            AccessToken::new("at-hunter2"),
            RefreshToken::new("rt-hunter2"),
            IdToken::new("id-hunter2"),
        );
        let refs = [TokenRef::from(&a), TokenRef::from(&r), TokenRef::from(&i)];
        let hints = refs.map(|t| t.type_hint());
        assert_eq!(hints, ["access_token", "refresh_token", "id_token"]);
        let texts = refs.map(|t| t.expose_secret());
        assert_eq!(texts, ["at-hunter2", "rt-hunter2", "id-hunter2"]);
        for t in refs {
            assert!(!format!("{t:?}").contains("hunter2"));
        }
    }

    #[test]
    fn random_values_have_the_length_of_their_bytes_and_differ() {
        for (bytes, chars) in [(16, 22), (32, 43), (0, 0)] {
            let v = random_base64url(bytes);
            assert_eq!(v.len(), chars);
            assert!(
                v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
        assert_ne!(random_base64url(32), random_base64url(32));
    }

    macro_rules! redaction_test {
        ($test:ident, $ty:ident) => {
            #[test]
            fn $test() {
                let s = $ty::new("hunter2-super-secret");
                let debug = format!("{s:?}");
                assert_eq!(debug, concat!(stringify!($ty), "([redacted])"));
                assert!(!debug.contains("hunter2"));
                // Nested in a derived Debug, still redacted.
                #[derive(Debug)]
                #[allow(dead_code)]
                struct Holder {
                    inner: $ty,
                }
                let nested = format!("{:?}", Holder { inner: s.clone() });
                assert!(!nested.contains("hunter2"), "{nested}");
                assert_eq!(s.expose_secret(), "hunter2-super-secret");
                let parsed: $ty = serde_json::from_str("\"from-config\"").unwrap();
                assert_eq!(parsed.expose_secret(), "from-config");
            }
        };
    }

    redaction_test!(access_token_is_redacted, AccessToken);
    redaction_test!(refresh_token_is_redacted, RefreshToken);
    redaction_test!(id_token_is_redacted, IdToken);
    redaction_test!(client_secret_is_redacted, ClientSecret);
    redaction_test!(password_is_redacted, Password);
    redaction_test!(verification_code_is_redacted, VerificationCode);
    redaction_test!(authorization_code_is_redacted, AuthorizationCode);
    redaction_test!(secret_is_redacted, Secret);

    #[test]
    fn equality_is_by_value() {
        assert_eq!(Secret::new("a"), Secret::new("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert!(constant_time_eq("", ""));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
