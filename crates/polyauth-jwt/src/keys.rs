//! Verification keys: static keys, and a JWKS cache with lock-free reads.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use arc_swap::ArcSwap;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use polyauth_core::http::{HttpClient, HttpConfig, Idempotency, RetryPolicy};
use polyauth_core::{Error, ErrorKind, Result};

use crate::config::JwksOptions;

/// One verification key.
#[derive(Clone)]
pub(crate) struct KeyEntry {
    pub(crate) kid: Option<String>,
    pub(crate) key: DecodingKey,
    /// The algorithm the key is pinned to (a JWK's `alg`), if any.
    pub(crate) algorithm: Option<Algorithm>,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("kid", &self.kid)
            .field("family", &self.key.family())
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl KeyEntry {
    /// Whether this key may verify a token signed with `alg`: same family, and the pinned
    /// algorithm (if any) equal. This is what stops algorithm confusion (an HS256 token
    /// "signed" with an RSA public key never meets an HMAC key).
    pub(crate) fn accepts(&self, alg: Algorithm) -> bool {
        self.key.family() == alg.family() && self.algorithm.is_none_or(|a| a == alg)
    }
}

/// Parses JWKs into key entries, skipping keys that are not for signatures or of an
/// unsupported type.
pub(crate) fn entries_from_jwks(set: &JwkSet) -> Vec<KeyEntry> {
    set.keys.iter().filter_map(entry_from_jwk).collect()
}

fn entry_from_jwk(jwk: &Jwk) -> Option<KeyEntry> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) || !jwk.is_supported()
    {
        return None;
    }
    // A key pinned to a non-signature algorithm (RSA-OAEP, ...) is not ours to use.
    let algorithm = match jwk.common.key_algorithm {
        Some(a) => Some(format!("{a:?}").parse::<Algorithm>().ok()?),
        None => None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(KeyEntry {
        kid: jwk.common.key_id.clone(),
        key,
        algorithm,
    })
}

/// Parses a JWK or a JWK Set from JSON text.
pub(crate) fn entries_from_jwk_json(json: &str) -> Result<Vec<KeyEntry>> {
    if let Ok(set) = serde_json::from_str::<JwkSet>(json) {
        return Ok(entries_from_jwks(&set));
    }
    let jwk: Jwk = serde_json::from_str(json).map_err(|e| {
        Error::config("the configured JWK is not valid JSON Web Key JSON").with_source(e)
    })?;
    entry_from_jwk(&jwk)
        .map(|e| vec![e])
        .ok_or_else(|| Error::config("the configured JWK is not a supported signature key"))
}

/// Parses a public key PEM of any supported type.
pub(crate) fn entry_from_pem(pem: &str, kid: Option<String>) -> Result<KeyEntry> {
    let bytes = pem.as_bytes();
    let key = DecodingKey::from_rsa_pem(bytes)
        .or_else(|_| DecodingKey::from_ec_pem(bytes))
        .or_else(|_| DecodingKey::from_ed_pem(bytes))
        .map_err(|e| {
            Error::config("the public key PEM is not an RSA, EC or Ed25519 public key")
                .with_source(e)
        })?;
    Ok(KeyEntry {
        kid,
        key,
        algorithm: None,
    })
}

/// The default algorithm for a key family.
pub(crate) fn default_algorithm(family: AlgorithmFamily) -> Algorithm {
    match family {
        AlgorithmFamily::Hmac => Algorithm::HS256,
        AlgorithmFamily::Rsa => Algorithm::RS256,
        AlgorithmFamily::Ec => Algorithm::ES256,
        AlgorithmFamily::Ed => Algorithm::EdDSA,
    }
}

/// Picks the key for a token from a set of entries: by `kid` when the token names one,
/// otherwise the only entry that accepts the algorithm.
fn pick<'a>(
    entries: impl Iterator<Item = &'a Arc<KeyEntry>>,
    kid: Option<&str>,
    alg: Algorithm,
) -> Pick {
    let mut candidates = entries.filter(|e| match kid {
        Some(kid) => e.kid.as_deref() == Some(kid),
        None => true,
    });
    let first = candidates.next();
    match (first, kid) {
        (None, _) => Pick::None,
        (Some(e), Some(_)) => Pick::One(e.clone()),
        (Some(e), None) => {
            // Without a kid, only an unambiguous key is used.
            let rest: Vec<_> = candidates.filter(|c| c.accepts(alg)).collect();
            match (e.accepts(alg), rest.len()) {
                (true, 0) => Pick::One(e.clone()),
                (false, 1) => Pick::One(rest[0].clone()),
                (false, 0) => Pick::None,
                _ => Pick::Ambiguous,
            }
        }
    }
}

enum Pick {
    One(Arc<KeyEntry>),
    None,
    Ambiguous,
}

/// Where the provider gets its keys.
#[derive(Clone, Debug)]
pub(crate) enum KeyStore {
    Static(Vec<Arc<KeyEntry>>),
    Jwks(Arc<JwksCache>),
}

impl KeyStore {
    /// Whether a key named `kid` is held now (the JWKS as last fetched; no fetch).
    pub(crate) fn knows_kid(&self, kid: &str) -> bool {
        match self {
            KeyStore::Static(entries) => entries.iter().any(|e| e.kid.as_deref() == Some(kid)),
            KeyStore::Jwks(cache) => cache.snapshot.load().keys.contains_key(kid),
        }
    }

    /// The key for a token with header `kid` and `alg`.
    ///
    /// Errors: `InvalidToken` for an unknown `kid` or an ambiguous `kid`-less token;
    /// `Unavailable` when a JWKS is needed and cannot be fetched.
    pub(crate) async fn key_for(&self, kid: Option<&str>, alg: Algorithm) -> Result<Arc<KeyEntry>> {
        match self {
            KeyStore::Static(entries) => match pick(entries.iter(), kid, alg) {
                Pick::One(e) => Ok(e),
                Pick::None => Err(Error::invalid_token(match kid {
                    Some(_) => "the token's key id is unknown",
                    None => "no configured key matches the token's algorithm",
                })),
                Pick::Ambiguous => Err(Error::invalid_token(
                    "the token has no key id and several keys could match",
                )),
            },
            KeyStore::Jwks(cache) => cache.key_for(kid, alg).await,
        }
    }
}

#[derive(Debug, Default)]
struct Snapshot {
    keys: HashMap<String, Arc<KeyEntry>>,
    unnamed: Vec<Arc<KeyEntry>>,
    fetched_at: Option<Instant>,
}

impl Snapshot {
    fn from_entries(entries: Vec<KeyEntry>) -> Snapshot {
        let mut snap = Snapshot {
            fetched_at: Some(Instant::now()),
            ..Default::default()
        };
        for e in entries {
            match e.kid.clone() {
                Some(kid) => {
                    snap.keys.insert(kid, Arc::new(e));
                }
                None => snap.unnamed.push(Arc::new(e)),
            }
        }
        snap
    }

    fn pick(&self, kid: Option<&str>, alg: Algorithm) -> Pick {
        match kid {
            Some(kid) => match self.keys.get(kid) {
                Some(e) => Pick::One(e.clone()),
                None => Pick::None,
            },
            None => pick(self.keys.values().chain(self.unnamed.iter()), None, alg),
        }
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.unnamed.is_empty()
    }
}

#[derive(Debug, Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    last_error: Option<Error>,
}

/// A JWKS cached behind an [`ArcSwap`]: verification reads a snapshot without a lock. A miss
/// on `kid` triggers one refetch per cooldown (single-flight through an async mutex that only
/// refetchers touch); a failed fetch keeps the previous keys.
#[derive(Debug)]
pub(crate) struct JwksCache {
    url: url::Url,
    http: HttpClient,
    options: JwksOptions,
    snapshot: ArcSwap<Snapshot>,
    fetch: tokio::sync::Mutex<FetchState>,
    background: AtomicBool,
    fetches: AtomicU64,
}

impl JwksCache {
    pub(crate) fn new(url: url::Url, options: JwksOptions) -> Result<Self> {
        let http = HttpClient::new(
            "jwt",
            HttpConfig {
                timeout: options.timeout,
                connect_timeout: options.timeout,
                retry: RetryPolicy::none(),
                ..HttpConfig::default()
            },
        )?;
        Ok(JwksCache {
            url,
            http,
            options,
            snapshot: ArcSwap::from_pointee(Snapshot::default()),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
            background: AtomicBool::new(false),
            fetches: AtomicU64::new(0),
        })
    }

    /// How many JWKS fetches were made (for tests and metrics).
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    async fn key_for(self: &Arc<Self>, kid: Option<&str>, alg: Algorithm) -> Result<Arc<KeyEntry>> {
        let snap = self.snapshot.load();
        if let Pick::One(e) = snap.pick(kid, alg) {
            if snap
                .fetched_at
                .is_some_and(|t| t.elapsed() > self.options.max_age)
            {
                self.refresh_in_background();
            }
            return Ok(e);
        }
        drop(snap);
        // Unknown kid (or nothing fetched yet): refetch, at most once per cooldown.
        let fetch_error = self.refetch().await.err();
        let snap = self.snapshot.load();
        match snap.pick(kid, alg) {
            Pick::One(e) => Ok(e),
            Pick::Ambiguous => Err(Error::invalid_token(
                "the token has no key id and several JWKS keys could match",
            )),
            Pick::None => match fetch_error {
                // The key may exist upstream; we could not ask. Not the caller's fault.
                Some(e) => Err(e),
                None if snap.is_empty() => Err(Error::unavailable(
                    "no JWKS keys are available (the last fetch failed)",
                )),
                None => Err(Error::invalid_token(
                    "the token's key id is not in the JWKS",
                )),
            },
        }
    }

    /// Refetches unless a fetch was attempted within the cooldown. Concurrent callers queue on
    /// the mutex; the first fetches, the rest find the attempt fresh and return at once.
    /// Returns the fetch's error, or the previous one while an empty cache is in cooldown.
    async fn refetch(&self) -> Result<()> {
        let mut state = self.fetch.lock().await;
        if let Some(t) = state.last_attempt
            && t.elapsed() < self.options.cooldown
        {
            return match (&state.last_error, self.snapshot.load().is_empty()) {
                (Some(e), true) => Err(e.clone()),
                _ => Ok(()),
            };
        }
        state.last_attempt = Some(Instant::now());
        match self.fetch_once().await {
            Ok(snapshot) => {
                self.snapshot.store(Arc::new(snapshot));
                state.last_error = None;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "JWKS fetch failed; keeping the cached keys");
                state.last_error = Some(e.clone());
                Err(e)
            }
        }
    }

    fn refresh_in_background(self: &Arc<Self>) {
        if self.background.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let _ = this.refetch().await;
            this.background.store(false, Ordering::Release);
        });
    }

    async fn fetch_once(&self) -> Result<Snapshot> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let request = self.http.reqwest().get(self.url.clone());
        let response = self
            .http
            .send("fetch_jwks", request, Idempotency::Idempotent)
            .await?;
        if !response.is_success() {
            let e = response.status_error();
            if response.status == 429 {
                // Throttled: RateLimited, with the host's Retry-After when it sends one.
                return Err(e.with_context("jwt", "fetch_jwks"));
            }
            // Whatever else the JWKS host says, it is an outage for us, not a bad token.
            return Err(
                Error::unavailable(format!("JWKS endpoint answered: {}", e.message()))
                    .with_status(response.status)
                    .with_context("jwt", "fetch_jwks"),
            );
        }
        let set: JwkSet = response
            .json()
            .map_err(|e| e.with_context("jwt", "fetch_jwks"))?;
        let entries = entries_from_jwks(&set);
        if entries.is_empty() {
            return Err(Error::new(
                ErrorKind::Protocol,
                "the JWKS holds no usable signature key",
            )
            .with_context("jwt", "fetch_jwks"));
        }
        Ok(Snapshot::from_entries(entries))
    }
}
