//! [`JwtProvider`]: local verification of JWTs.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, Validation};
use polyauth_core::model::dedup;
use polyauth_core::{
    AccessToken, Capabilities, Error, IdentityProvider, Result, UserProfile, VerifiedToken,
    VerifiedUser, VerifyCache,
};
use serde_json::{Map, Value};

use crate::config::{ClaimNames, JwtConfig, KeySource};
use crate::keys::{self, KeyEntry, KeyStore};

pub(crate) const NAME: &str = "jwt";

/// Tokens longer than this are rejected before any parsing (bytes).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Verifies JWTs locally: HS256/384/512, RS256/384/512, PS256/384/512, ES256/384 and EdDSA,
/// with keys from a shared secret, a PEM, a JWK (Set) or a JWKS URL.
///
/// - Only the configured algorithms are accepted, and a key only verifies algorithms of its own
///   family (no algorithm confusion; `none` is never accepted).
/// - A header naming critical extensions (`crit`, RFC 7515 §4.1.11) is rejected: polyauth
///   understands none, so such a token is `InvalidToken` whatever its signature (so is
///   `b64: false`, RFC 7797).
/// - `exp` (required by default) and `nbf` are checked with a leeway; `iss` and `aud` when
///   configured.
/// - Claims map to a [`UserProfile`] through [`ClaimNames`]; permissions fall back to the
///   space-separated `scope`.
/// - Verified tokens are cached (SHA-256 key, TTL capped by `exp`) unless the cache is off.
///
/// `login`, OAuth flows, `refresh`, `logout` and `directory` are `Unsupported`: the provider
/// checks tokens, it does not issue them (see [`TokenIssuer`](crate::TokenIssuer) for tests and
/// development).
#[derive(Debug)]
pub struct JwtProvider {
    name: &'static str,
    keys: KeyStore,
    /// The `typ` header value tokens must carry (compared without case and without an
    /// `application/` prefix), when configured.
    token_type: Option<String>,
    /// One prepared `Validation` per accepted algorithm (cloning one per call would allocate).
    validations: Vec<(Algorithm, Validation)>,
    claims: ClaimNames,
    cache: Option<VerifyCache<Arc<VerifiedUser>>>,
}

impl JwtProvider {
    /// Builds the provider. No network call is made (a JWKS is fetched on first use).
    ///
    /// Errors: `ConfigInvalid` for unparsable key material, an algorithm that does not fit the
    /// key (for example `HS256` with an RSA key), or an empty algorithm list that cannot be
    /// derived, and for numbers outside their ranges (see [`JwtConfig::validate`]).
    pub fn new(config: JwtConfig) -> Result<Self> {
        config.validate()?;
        let (keys, families) = match &config.keys {
            KeySource::Secret(secret) => {
                if secret.is_empty() {
                    return Err(Error::config("the JWT secret is empty"));
                }
                let entry = KeyEntry {
                    kid: None,
                    key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
                    algorithm: None,
                };
                (
                    KeyStore::Static(vec![Arc::new(entry)]),
                    vec![AlgorithmFamily::Hmac],
                )
            }
            KeySource::Pem { pem, kid } => {
                let entry = keys::entry_from_pem(pem, kid.clone())?;
                let family = entry.key.family();
                (KeyStore::Static(vec![Arc::new(entry)]), vec![family])
            }
            KeySource::Jwk(json) => {
                let entries = keys::entries_from_jwk_json(json)?;
                if entries.is_empty() {
                    return Err(Error::config("the configured JWK Set holds no usable key"));
                }
                let families = entries.iter().map(|e| e.key.family()).collect();
                (
                    KeyStore::Static(entries.into_iter().map(Arc::new).collect()),
                    families,
                )
            }
            KeySource::JwksUrl(url) => (
                KeyStore::Jwks(Arc::new(keys::JwksCache::new(url.clone(), config.jwks)?)),
                vec![
                    AlgorithmFamily::Rsa,
                    AlgorithmFamily::Ec,
                    AlgorithmFamily::Ed,
                ],
            ),
        };
        let algorithms = if config.algorithms.is_empty() {
            let first = families.first().copied().unwrap_or(AlgorithmFamily::Rsa);
            vec![keys::default_algorithm(first)]
        } else {
            config.algorithms.clone()
        };
        for alg in &algorithms {
            if !families.contains(&alg.family()) {
                return Err(Error::config(format!(
                    "algorithm {alg:?} does not fit the configured key type"
                )));
            }
        }
        let validations = algorithms
            .iter()
            .map(|&alg| (alg, validation_for(alg, &config)))
            .collect();
        Ok(JwtProvider {
            name: NAME,
            keys,
            token_type: None,
            validations,
            claims: config.claims,
            cache: config.cache.map(VerifyCache::new),
        })
    }

    /// A second verifier over the **same keys** (one JWKS cache, one fetch budget) with the
    /// algorithms, issuers, audiences, leeway, claim names and cache of `config` (its key
    /// source is ignored): for example ID tokens and access tokens of one issuer, which need
    /// different audiences. Errors: `ConfigInvalid` as [`JwtProvider::new`] for algorithms.
    pub fn sharing_keys(&self, config: JwtConfig) -> Result<JwtProvider> {
        let algorithms = if config.algorithms.is_empty() {
            self.algorithms()
        } else {
            config.algorithms.clone()
        };
        let validations = algorithms
            .iter()
            .map(|&alg| (alg, validation_for(alg, &config)))
            .collect();
        Ok(JwtProvider {
            name: self.name,
            keys: self.keys.clone(),
            token_type: None,
            validations,
            claims: config.claims,
            cache: config.cache.map(VerifyCache::new),
        })
    }

    /// A verifier identical to this one (keys, algorithms, claims checks, name, `typ`
    /// requirement) **sharing its keys** (one JWKS cache) but without its verified-token
    /// cache: for a second use of the same verification, such as ID tokens of a login.
    pub fn uncached_copy(&self) -> JwtProvider {
        JwtProvider {
            name: self.name,
            keys: self.keys.clone(),
            token_type: self.token_type.clone(),
            validations: self.validations.clone(),
            claims: self.claims.clone(),
            cache: None,
        }
    }

    /// The same provider reporting `name` in errors and as [`UserProfile::provider`] (a
    /// provider built on this one, such as the OpenID Connect provider, uses its own name).
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// Requires the `typ` header to be `token_type` (case-insensitive, with or without the
    /// `application/` prefix), e.g. `at+jwt` for RFC 9068 access tokens, so that an ID token
    /// or another JWT of the same issuer is not accepted as an access token.
    pub fn with_token_type(mut self, token_type: impl Into<String>) -> Self {
        self.token_type = Some(token_type.into());
        self
    }

    /// The accepted algorithms.
    pub fn algorithms(&self) -> Vec<Algorithm> {
        self.validations.iter().map(|(a, _)| *a).collect()
    }

    /// Whether a key named `kid` is held now (for a JWKS: as last fetched; no network call).
    pub fn knows_kid(&self, kid: &str) -> bool {
        self.keys.knows_kid(kid)
    }

    /// How many JWKS fetches were made so far (0 for static keys).
    pub fn jwks_fetch_count(&self) -> u64 {
        match &self.keys {
            KeyStore::Jwks(c) => c.fetch_count(),
            KeyStore::Static(_) => 0,
        }
    }

    /// Verifies the signature and the registered claims, without the cache.
    async fn decode(&self, token: &AccessToken) -> Result<Map<String, Value>> {
        let raw = token.expose_secret();
        if raw.len() > MAX_TOKEN_BYTES {
            return Err(Error::invalid_token("the token is too long"));
        }
        let header = peek_header(raw, self.token_type.as_deref())?;
        let Some((_, validation)) = self.validations.iter().find(|(a, _)| *a == header.alg) else {
            return Err(Error::invalid_token(format!(
                "the token's algorithm {:?} is not accepted",
                header.alg
            )));
        };
        let entry = self.keys.key_for(header.kid.as_deref(), header.alg).await?;
        if !entry.accepts(header.alg) {
            return Err(Error::invalid_token(format!(
                "the token's algorithm {:?} does not fit its key",
                header.alg
            )));
        }
        let data = jsonwebtoken::decode::<Map<String, Value>>(raw, &entry.key, validation)
            .map_err(map_jwt_error)?;
        Ok(data.claims)
    }

    fn verified_token(&self, claims: Map<String, Value>) -> Result<VerifiedToken> {
        let subject = match lookup(&claims, &self.claims.subject) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(Error::invalid_token("the token has no subject")),
        };
        let time = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_u64)
                .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
        };
        let mut v = VerifiedToken::new(subject).with_expires_at(time("exp"));
        v.issued_at = time("iat");
        v.claims = claims;
        Ok(v)
    }

    async fn verify_uncached(&self, token: &AccessToken) -> Result<VerifiedToken> {
        let claims = self.decode(token).await?;
        self.verified_token(claims)
    }

    /// The verified token and its user's profile (claims mapped through the configured
    /// [`ClaimNames`]), from the cache when it holds them: what `verify` and `user_info` are
    /// made of, in one call.
    ///
    /// Errors: as [`IdentityProvider::verify`].
    pub async fn verified_user(&self, token: &AccessToken) -> Result<Arc<VerifiedUser>> {
        self.verified(token)
            .await
            .map_err(|e| e.with_context(self.name, "verify"))
    }

    async fn verified(&self, token: &AccessToken) -> Result<Arc<VerifiedUser>> {
        let build = || async {
            let token = self.verify_uncached(token).await?;
            let profile = Arc::new(profile_from_claims(self.name, &token, &self.claims));
            Ok(Arc::new(VerifiedUser { token, profile }))
        };
        match &self.cache {
            Some(cache) => cache.get_or_verify(token, build).await,
            None => build().await,
        }
    }
}

/// The header fields needed to choose a key.
struct HeaderPeek {
    alg: Algorithm,
    kid: Option<String>,
}

/// Room for a decoded JOSE header on the stack (a typical one is under 100 bytes); a larger
/// one is decoded on the heap.
const HEADER_STACK_BYTES: usize = 256;

/// Reads `alg`, `kid` and `typ` from the token's header to choose the key, without the full
/// `jsonwebtoken::Header` parse (`decode` parses and checks the whole header again, so
/// nothing is skipped). `InvalidToken` for an `alg` of `none` or any unknown name, and for a
/// header that uses an extension (RFC 7515 §4.1.11): polyauth understands no extension, so
/// any `crit` (which must be a non-empty array of names) is refused, naming its entries, and
/// so is `b64: false` (RFC 7797 unencoded payload), with or without `crit`. With
/// `expected_typ`, the `typ` header must name it (`application/` prefix optional, any case).
fn peek_header(token: &str, expected_typ: Option<&str>) -> Result<HeaderPeek> {
    #[derive(serde::Deserialize)]
    struct Peek<'a> {
        #[serde(borrow)]
        alg: std::borrow::Cow<'a, str>,
        #[serde(borrow, default)]
        kid: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default)]
        typ: Option<std::borrow::Cow<'a, str>>,
        /// Any JSON, so a `crit` of the wrong shape is reported as such; `Some(Null)` for
        /// `"crit": null`.
        #[serde(default, deserialize_with = "present")]
        crit: Option<Value>,
        #[serde(default)]
        b64: Option<Value>,
    }
    /// Keeps an explicit `null` apart from an absent field.
    fn present<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Option<Value>, D::Error> {
        serde::Deserialize::deserialize(d).map(Some)
    }
    let malformed = || Error::invalid_token("the token is not a well-formed JWT");
    let encoded = token.split('.').next().ok_or_else(malformed)?;
    let engine = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut stack = [0u8; HEADER_STACK_BYTES];
    let heap;
    let json: &[u8] = match engine.decode_slice(encoded, &mut stack) {
        Ok(len) => &stack[..len],
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            heap = engine.decode(encoded).map_err(|_| malformed())?;
            &heap
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => return Err(malformed()),
    };
    let peek: Peek<'_> = serde_json::from_slice(json).map_err(|_| malformed())?;
    if let Some(crit) = &peek.crit {
        return Err(critical_extensions(crit));
    }
    if peek.b64.is_some_and(|b| b != Value::Bool(true)) {
        return Err(Error::invalid_token(
            "the token uses the unencoded payload extension (b64), which is not supported",
        ));
    }
    let alg = peek.alg.parse::<Algorithm>().map_err(|_| {
        Error::invalid_token("the token's algorithm is not a supported signature algorithm")
    })?;
    if let Some(expected) = expected_typ {
        let typ = peek.typ.as_deref().unwrap_or_default();
        let typ = typ.strip_prefix("application/").unwrap_or(typ);
        if !typ.eq_ignore_ascii_case(expected) {
            return Err(Error::invalid_token(format!(
                "the token's type (typ header) is not {expected}"
            )));
        }
    }
    Ok(HeaderPeek {
        alg,
        kid: peek.kid.map(|k| k.into_owned()),
    })
}

/// The error for a header carrying `crit`: polyauth understands no JWS extension, so every
/// listed one is unknown (named, at most 5, each cut to 64 characters); a `crit` that is not
/// a non-empty array of strings is malformed (RFC 7515 §4.1.11).
fn critical_extensions(crit: &Value) -> Error {
    let names: Option<Vec<&str>> = match crit {
        Value::Array(items) if !items.is_empty() => items.iter().map(Value::as_str).collect(),
        _ => None,
    };
    let Some(names) = names else {
        return Error::invalid_token(
            "the token's crit header is malformed: it must be a non-empty array of names",
        );
    };
    let listed: Vec<String> = names
        .iter()
        .take(5)
        .map(|n| format!("{:?}", n.chars().take(64).collect::<String>()))
        .collect();
    let more = if names.len() > listed.len() {
        ", …"
    } else {
        ""
    };
    Error::invalid_token(format!(
        "the token requires JWS extensions polyauth does not understand (crit: {}{more})",
        listed.join(", ")
    ))
}

fn validation_for(alg: Algorithm, config: &JwtConfig) -> Validation {
    let mut v = Validation::new(alg);
    v.leeway = config.leeway_seconds;
    v.validate_exp = true;
    v.validate_nbf = true;
    let mut required: Vec<&str> = Vec::new();
    if config.require_exp {
        required.push("exp");
    }
    if !config.issuers.is_empty() {
        v.set_issuer(&config.issuers);
        required.push("iss");
    }
    if !config.audiences.is_empty() {
        v.set_audience(&config.audiences);
        required.push("aud");
    }
    v.set_required_spec_claims(&required);
    v
}

fn map_jwt_error(e: jsonwebtoken::errors::Error) -> Error {
    let message = match e.kind() {
        JwtErrorKind::ExpiredSignature => "the token has expired",
        JwtErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
        JwtErrorKind::InvalidSignature => "the token's signature does not verify",
        JwtErrorKind::InvalidIssuer => "the token's issuer is not accepted",
        JwtErrorKind::InvalidAudience => "the token's audience is not accepted",
        JwtErrorKind::InvalidAlgorithm => "the token's algorithm does not fit the key",
        JwtErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
        JwtErrorKind::InvalidClaimFormat(_) => "a registered claim of the token is malformed",
        _ => "the token is malformed",
    };
    Error::invalid_token(message).with_source(e)
}

/// Follows a dotted path into nested claim objects.
fn lookup<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    let mut parts = path.split('.');
    let mut current = claims.get(parts.next()?)?;
    for part in parts {
        current = current.get(part)?;
    }
    Some(current)
}

fn string_claim(claims: &Map<String, Value>, path: &str) -> Option<String> {
    match lookup(claims, path)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A list claim: an array of strings, or one string split on spaces and commas.
fn list_claim(claims: &Map<String, Value>, path: &str) -> Option<Vec<String>> {
    let items: Vec<String> = match lookup(claims, path)? {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Value::String(s) => s
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => return None,
    };
    Some(dedup(items))
}

/// Maps verified claims to the normalized profile of `provider` through `names` (dotted paths
/// reach nested claims, such as Keycloak's `realm_access.roles`; list claims are arrays or
/// space/comma-separated strings; permissions fall back to `scope`). The one claim mapping of
/// every JWT- or claims-based provider.
pub fn profile_from_claims(
    provider: &'static str,
    token: &VerifiedToken,
    names: &ClaimNames,
) -> UserProfile {
    let c = &token.claims;
    let mut p = UserProfile::new(provider, token.subject.clone());
    p.username = string_claim(c, &names.username).or_else(|| Some(token.subject.clone()));
    p.nickname = string_claim(c, &names.name);
    p.email = string_claim(c, &names.email);
    p.phone = string_claim(c, &names.phone);
    p.avatar = string_claim(c, &names.picture);
    p.roles = list_claim(c, &names.roles).unwrap_or_default();
    p.permissions = list_claim(c, &names.permissions)
        .or_else(|| list_claim(c, &names.scope))
        .unwrap_or_default();
    p.groups = list_claim(c, &names.groups).unwrap_or_default();
    p.is_admin = lookup(c, &names.is_admin)
        .and_then(Value::as_bool)
        .unwrap_or(false);
    p.raw = Value::Object(c.clone());
    p
}

#[async_trait]
impl IdentityProvider for JwtProvider {
    fn name(&self) -> &'static str {
        self.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            verify: true,
            user_info: true,
            roles: true,
            permissions: true,
            ..Default::default()
        }
    }

    /// Verifies signature, algorithm, `exp`/`nbf` (with leeway), `iss` and `aud`.
    ///
    /// Errors: `InvalidToken` (malformed, wrong signature or algorithm, expired, wrong
    /// issuer/audience, unknown `kid`, no `sub`, a `crit` header); `Unavailable` when the JWKS cannot be fetched
    /// and no cached key fits.
    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        let result = match &self.cache {
            Some(_) => self.verified(token).await.map(|v| v.token.clone()),
            None => self.verify_uncached(token).await,
        };
        result.map_err(|e| e.with_context(self.name, "verify"))
    }

    /// The profile mapped from the token's claims. Errors: as [`verify`](Self::verify).
    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        self.verified(token)
            .await
            .map(|v| v.profile.clone())
            .map_err(|e| e.with_context(self.name, "user_info"))
    }

    /// Drops the cached verification of `token` in this process. A JWT stays valid until its
    /// `exp` whatever any cache says: this only makes the next use verify it again.
    async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        match &self.cache {
            Some(c) => c.invalidate_token(token).await,
            None => Ok(()),
        }
    }

    /// Drops the cached verifications of `subject`'s tokens in this process (as
    /// [`invalidate_token`](Self::invalidate_token), a JWT stays valid until its `exp`).
    async fn invalidate_user(&self, subject: &str) -> Result<()> {
        match &self.cache {
            Some(c) => c.invalidate_user(subject).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_mapping() {
        let claims: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "sub": "u1",
            "email": "a@example.com",
            "realm_access": {"roles": ["admin", "dev", "admin"]},
            "scope": "user:read  user:write",
            "is_admin": true
        }))
        .unwrap();
        let names = ClaimNames {
            roles: "realm_access.roles".into(),
            ..Default::default()
        };
        let token = VerifiedToken::new("u1").with_claims(claims);
        let p = profile_from_claims(NAME, &token, &names);
        assert_eq!(p.username.as_deref(), Some("u1"), "falls back to sub");
        assert_eq!(p.roles, vec!["admin", "dev"]);
        assert_eq!(p.permissions, vec!["user:read", "user:write"], "from scope");
        assert!(p.is_admin);
        assert_eq!(p.provider, "jwt");
        assert_eq!(p.raw["email"], "a@example.com");
    }
}
