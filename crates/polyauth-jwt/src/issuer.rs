//! [`TokenIssuer`]: mints tokens for development and tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use polyauth_core::{AccessToken, Error, Result, Secret};
use serde_json::{Map, Value};

/// The claims of a token to mint. Start with [`TokenClaims::new`] and chain setters.
///
/// ```
/// use std::time::Duration;
/// use polyauth_jwt::TokenClaims;
/// let claims = TokenClaims::new("42")
///     .username("demo")
///     .roles(["admin"])
///     .permissions(["user:read"])
///     .ttl(Duration::from_secs(3600));
/// assert_eq!(claims.subject(), "42");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TokenClaims {
    subject: String,
    ttl: Option<Duration>,
    claims: Map<String, Value>,
}

impl TokenClaims {
    /// Claims for subject `sub`.
    pub fn new(subject: impl Into<String>) -> Self {
        TokenClaims {
            subject: subject.into(),
            ttl: None,
            claims: Map::new(),
        }
    }

    /// The subject.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Sets `preferred_username`.
    pub fn username(self, username: impl Into<String>) -> Self {
        self.claim("preferred_username", Value::String(username.into()))
    }

    /// Sets `email`.
    pub fn email(self, email: impl Into<String>) -> Self {
        self.claim("email", Value::String(email.into()))
    }

    /// Sets `name`.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.claim("name", Value::String(name.into()))
    }

    /// Sets `roles` (an array).
    pub fn roles<I: IntoIterator<Item = S>, S: Into<String>>(self, roles: I) -> Self {
        self.claim("roles", strings(roles))
    }

    /// Sets `permissions` (an array).
    pub fn permissions<I: IntoIterator<Item = S>, S: Into<String>>(self, permissions: I) -> Self {
        self.claim("permissions", strings(permissions))
    }

    /// Sets `scope` (space-separated).
    pub fn scope(self, scope: impl Into<String>) -> Self {
        self.claim("scope", Value::String(scope.into()))
    }

    /// Lifetime from now (default: the issuer's TTL). Sets `exp`.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Sets any other claim (also overrides registered ones such as `exp`, `nbf`, `aud`).
    pub fn claim(mut self, name: impl Into<String>, value: Value) -> Self {
        self.claims.insert(name.into(), value);
        self
    }
}

fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::Array(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// Signs tokens that [`JwtProvider`](crate::JwtProvider) (or any JWT verifier) accepts: for the
/// development quickstart, for tests, for service-to-service tokens you mint yourself.
///
/// ```
/// use polyauth_core::Secret;
/// use polyauth_jwt::{TokenClaims, TokenIssuer};
/// let issuer = TokenIssuer::hs256(&Secret::new("a development secret of 32+ bytes!!"))
///     .with_issuer("https://dev.local/");
/// let token = issuer.issue(&TokenClaims::new("42").roles(["admin"])).unwrap();
/// assert_eq!(token.expose_secret().split('.').count(), 3);
/// ```
#[derive(Clone)]
pub struct TokenIssuer {
    key: EncodingKey,
    header: Header,
    issuer: Option<String>,
    audience: Option<String>,
    ttl: Duration,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("algorithm", &self.header.alg)
            .field("kid", &self.header.kid)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl TokenIssuer {
    fn with_key(key: EncodingKey, alg: Algorithm) -> Self {
        TokenIssuer {
            key,
            header: Header::new(alg),
            issuer: None,
            audience: None,
            ttl: Duration::from_secs(3600),
        }
    }

    /// An HS256 issuer with a shared secret.
    pub fn hs256(secret: &Secret) -> Self {
        Self::hmac(Algorithm::HS256, secret)
    }

    /// An HMAC issuer (HS256/384/512) with a shared secret. A non-HMAC `alg` is replaced by HS256.
    pub fn hmac(alg: Algorithm, secret: &Secret) -> Self {
        let alg = match alg {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => alg,
            _ => Algorithm::HS256,
        };
        Self::with_key(
            EncodingKey::from_secret(secret.expose_secret().as_bytes()),
            alg,
        )
    }

    /// An issuer with a private key PEM: RSA (PKCS#1 or PKCS#8) for RS*/PS*, EC (PKCS#8) for
    /// ES256/ES384, Ed25519 (PKCS#8) for EdDSA.
    ///
    /// Errors: `ConfigInvalid` when the PEM does not hold a key of the algorithm's family.
    pub fn from_pem(alg: Algorithm, private_key_pem: &[u8]) -> Result<Self> {
        use jsonwebtoken::AlgorithmFamily as F;
        let key = match alg.family() {
            F::Rsa => EncodingKey::from_rsa_pem(private_key_pem),
            F::Ec => EncodingKey::from_ec_pem(private_key_pem),
            F::Ed => EncodingKey::from_ed_pem(private_key_pem),
            F::Hmac => {
                return Err(Error::config(
                    "HMAC algorithms take a secret, not a PEM: use TokenIssuer::hmac",
                ));
            }
        }
        .map_err(|e| {
            Error::config(format!("the private key PEM does not fit {alg:?}")).with_source(e)
        })?;
        Ok(Self::with_key(key, alg))
    }

    /// Sets the `kid` header.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.header.kid = Some(kid.into());
        self
    }

    /// Sets the `iss` claim of every token.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sets the `aud` claim of every token.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets the default lifetime (default 1 h).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Signs a token with `sub`, `iat`, `exp` (now + TTL), `iss`/`aud` when set, and the given
    /// claims (which win over the defaults).
    ///
    /// Errors: `InvalidInput` when signing fails (a key that cannot sign).
    pub fn issue(&self, claims: &TokenClaims) -> Result<AccessToken> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let ttl = claims.ttl.unwrap_or(self.ttl).as_secs();
        let mut body = Map::new();
        body.insert("sub".into(), Value::String(claims.subject.clone()));
        body.insert("iat".into(), Value::from(now));
        body.insert("exp".into(), Value::from(now.saturating_add(ttl)));
        if let Some(iss) = &self.issuer {
            body.insert("iss".into(), Value::String(iss.clone()));
        }
        if let Some(aud) = &self.audience {
            body.insert("aud".into(), Value::String(aud.clone()));
        }
        for (k, v) in &claims.claims {
            body.insert(k.clone(), v.clone());
        }
        jsonwebtoken::encode(&self.header, &body, &self.key)
            .map(AccessToken::new)
            .map_err(|e| Error::invalid_input("the token could not be signed").with_source(e))
    }
}

/// A fresh random secret for HS256 development keys: 32 bytes from a CSPRNG (rand's thread
/// RNG, seeded by the operating system), base64url-encoded (43 characters).
pub fn generate_secret() -> Secret {
    Secret::new(polyauth_core::secret::random_base64url(32))
}
