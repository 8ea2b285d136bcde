//! The verification cache that sits in front of remote token checks.
//!
//! Remote providers (AIGC, ShangCloud, Authing's online check) cost a network round trip per
//! verification. [`VerifyCache`] remembers successful answers for a bounded time, keyed by the
//! SHA-256 of the token (the raw token is never stored as a key), and collapses concurrent
//! misses for one token into a single upstream call (single-flight). An entry never outlives
//! the token: its TTL is capped by the value's own expiry ([`Expiring`]) and, when the token is
//! a JWT, by the token's `exp` claim (read without verification — it can only shorten the
//! TTL, never extend it). Errors are not cached,
//! except a definite "invalid token" answer, which is remembered for a short negative TTL so a
//! client hammering a bad token does not hammer the provider.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use moka::Expiry;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{UserProfile, VerifiedToken};
use crate::secret::AccessToken;

/// Settings of a [`VerifyCache`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    /// How long a successful verification is reused. Also capped by the token's own expiry.
    /// This is how long a revoked token keeps working: choose with care.
    pub ttl: Duration,
    /// How long a definite `InvalidToken`/`Unauthenticated` answer is reused. Zero disables
    /// negative caching.
    pub negative_ttl: Duration,
    /// Maximum number of cached tokens (least recently used evicted first).
    pub capacity: u64,
}

impl CacheConfig {
    /// Checks the documented ranges: `ttl` and `negative_ttl` at most one day (86,400
    /// seconds), `capacity` at most 100 million entries. `prefix` names the keys in the error
    /// (`cache_ttl_seconds`, …), as the backend's configuration spells them.
    ///
    /// Errors: `ConfigInvalid` naming the key and its range.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        use crate::env::{check_range, check_seconds};
        check_seconds(&format!("{prefix}_ttl_seconds"), self.ttl, 0..=86_400)?;
        check_seconds(
            &format!("negative_{prefix}_ttl_seconds"),
            self.negative_ttl,
            0..=86_400,
        )?;
        check_range(
            &format!("{prefix}_capacity"),
            self.capacity,
            0..=100_000_000,
            "entries",
        )
    }
}

impl Default for CacheConfig {
    /// 60 s TTL, 5 s negative TTL, 10,000 tokens.
    fn default() -> Self {
        CacheConfig {
            ttl: Duration::from_secs(60),
            negative_ttl: Duration::from_secs(5),
            capacity: 10_000,
        }
    }
}

/// Something whose freshness ends at a known time (a token's expiry).
pub trait Expiring {
    /// When the value stops being valid, if known.
    fn expires_at(&self) -> Option<SystemTime> {
        None
    }
}

impl Expiring for VerifiedToken {
    fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }
}

impl Expiring for UserProfile {}

/// A verified token with the profile mapped from it: what a provider that maps claims to
/// profiles caches per token (expires with the token).
#[derive(Debug)]
pub struct VerifiedUser {
    /// The verified token.
    pub token: VerifiedToken,
    /// Its user's profile.
    pub profile: std::sync::Arc<UserProfile>,
}

impl Expiring for VerifiedUser {
    fn expires_at(&self) -> Option<SystemTime> {
        self.token.expires_at
    }
}

impl<T: Expiring + ?Sized> Expiring for Arc<T> {
    fn expires_at(&self) -> Option<SystemTime> {
        (**self).expires_at()
    }
}

impl<A: Expiring, B: Expiring> Expiring for (A, B) {
    fn expires_at(&self) -> Option<SystemTime> {
        match (self.0.expires_at(), self.1.expires_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Clone)]
enum Cached<V> {
    Valid(V, Duration),
    Invalid(Error, Duration),
}

struct CachedTtl;

impl<V> Expiry<[u8; 32], Cached<V>> for CachedTtl {
    fn expire_after_create(
        &self,
        _key: &[u8; 32],
        value: &Cached<V>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(match value {
            Cached::Valid(_, ttl) | Cached::Invalid(_, ttl) => *ttl,
        })
    }
}

/// A bounded, TTL-limited, single-flight cache of verification results.
///
/// `V` is what a verification yields (a `VerifiedToken`, an `Arc<UserProfile>`, or a tuple of
/// both); it must be cheap to clone (wrap large values in `Arc`).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use polyauth_core::{AccessToken, CacheConfig, VerifiedToken, VerifyCache};
/// let cache: VerifyCache<VerifiedToken> = VerifyCache::new(CacheConfig::default());
/// let token = AccessToken::new("t1");
/// let v = cache.get_or_verify(&token, async { Ok(VerifiedToken::new("u1")) }).await?;
/// assert_eq!(v.subject, "u1");
/// // The second call is answered from the cache; the closure's future is never awaited.
/// let again = cache.get_or_verify(&token, async { unreachable!() }).await?;
/// assert_eq!(again.subject, "u1");
/// # Ok::<_, polyauth_core::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct VerifyCache<V> {
    inner: moka::future::Cache<[u8; 32], Cached<V>>,
    config: CacheConfig,
}

impl<V> fmt::Debug for VerifyCache<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyCache")
            .field("config", &self.config)
            .field("entries", &self.inner.entry_count())
            .finish()
    }
}

impl<V> VerifyCache<V>
where
    V: Expiring + Clone + Send + Sync + 'static,
{
    /// A cache with the given settings.
    pub fn new(config: CacheConfig) -> Self {
        let inner = moka::future::Cache::builder()
            .max_capacity(config.capacity)
            .expire_after(CachedTtl)
            .build();
        VerifyCache { inner, config }
    }

    /// The settings this cache was built with.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The cache key of a token: its SHA-256 digest.
    pub fn key(token: &AccessToken) -> [u8; 32] {
        Sha256::digest(token.expose_secret().as_bytes()).into()
    }

    /// The cached result for `token`, if any: `Some(Ok)` for a cached success, `Some(Err)` for
    /// a cached invalid-token answer, `None` on a miss.
    pub async fn get(&self, token: &AccessToken) -> Option<Result<V>> {
        self.inner.get(&Self::key(token)).await.map(|c| match c {
            Cached::Valid(v, _) => Ok(v),
            Cached::Invalid(e, _) => Err(e),
        })
    }

    /// Returns the cached result for `token`, or awaits `verify` to produce it.
    ///
    /// Concurrent callers missing on the same token share one `verify` (the others wait for
    /// its result). A success is cached for the configured TTL, capped by the value's own
    /// expiry (an already-expired value is returned but not cached). An `InvalidToken` or
    /// `Unauthenticated` error is cached for the negative TTL; every other error is returned
    /// to all waiters and not cached, so the next call retries.
    pub async fn get_or_verify<F>(&self, token: &AccessToken, verify: F) -> Result<V>
    where
        F: Future<Output = Result<V>> + Send,
    {
        let config = self.config;
        let init = async move {
            match verify.await {
                Ok(v) => {
                    // Only on a miss: a hit must stay a hash and a lookup.
                    let token_exp = unverified_jwt_expiry(token.expose_secret());
                    let expiry = match (v.expires_at(), token_exp) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    let ttl = match expiry {
                        Some(at) => at
                            .duration_since(SystemTime::now())
                            .unwrap_or_default()
                            .min(config.ttl),
                        None => config.ttl,
                    };
                    if ttl.is_zero() {
                        // Nothing to cache, but the waiters still deserve the value: hand it
                        // through the error path's sibling, an uncached success.
                        Err(Uncached::Valid(v))
                    } else {
                        Ok(Cached::Valid(v, ttl))
                    }
                }
                Err(e) if e.kind().is_auth_failure() && !config.negative_ttl.is_zero() => {
                    Ok(Cached::Invalid(e, config.negative_ttl))
                }
                Err(e) => Err(Uncached::Failed(e)),
            }
        };
        match self.inner.try_get_with(Self::key(token), init).await {
            Ok(Cached::Valid(v, _)) => Ok(v),
            Ok(Cached::Invalid(e, _)) => Err(e),
            Err(shared) => match &*shared {
                Uncached::Valid(v) => Ok(v.clone()),
                Uncached::Failed(e) => Err(e.clone()),
            },
        }
    }

    /// Forgets `token` (after a logout or a revocation webhook).
    pub async fn forget(&self, token: &AccessToken) {
        self.inner.invalidate(&Self::key(token)).await;
    }

    /// Forgets every token.
    pub fn clear(&self) {
        self.inner.invalidate_all();
    }

    /// Number of cached entries (approximate until maintenance runs).
    pub fn len(&self) -> u64 {
        self.inner.entry_count()
    }

    /// Whether the cache holds nothing (approximate).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The `exp` claim of a JWT-shaped token, read WITHOUT verifying anything; `None` for opaque
/// tokens or anything that does not parse. Only ever used to *shorten* a cache entry's life.
fn unverified_jwt_expiry(token: &str) -> Option<SystemTime> {
    use base64::Engine;
    #[derive(serde::Deserialize)]
    struct Exp {
        exp: Option<f64>,
    }
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    // A JWT has three parts, a JWE five.
    if token.len() > 16 * 1024 || parts.next().is_none() {
        return None;
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let exp = serde_json::from_slice::<Exp>(&json).ok()?.exp?;
    if !exp.is_finite() || exp < 0.0 {
        return None;
    }
    let secs = Duration::try_from_secs_f64(exp).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(secs)
}

/// Why a single-flight init produced no cache entry.
enum Uncached<V> {
    Valid(V),
    Failed(Error),
}

impl<V> fmt::Debug for Uncached<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uncached::Valid(_) => f.write_str("Uncached::Valid"),
            Uncached::Failed(e) => write!(f, "Uncached::Failed({e:?})"),
        }
    }
}

impl<V> fmt::Display for Uncached<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uncached::Valid(_) => f.write_str("value not cached"),
            Uncached::Failed(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<V> std::error::Error for Uncached<V> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn cache(config: CacheConfig) -> VerifyCache<VerifiedToken> {
        VerifyCache::new(config)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_make_one_call() {
        let c = cache(CacheConfig::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let token = AccessToken::new("shared");
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (c, calls, token) = (c.clone(), calls.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                c.get_or_verify(&token, async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(VerifiedToken::new("u"))
                })
                .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().subject, "u");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    /// The TTL a success was cached with (not racing the clock: read the entry's own TTL).
    async fn stored_ttl<V>(c: &VerifyCache<V>, token: &AccessToken) -> Duration
    where
        V: Expiring + Clone + Send + Sync + 'static,
    {
        match c.inner.get(&VerifyCache::<V>::key(token)).await {
            Some(Cached::Valid(_, ttl)) => ttl,
            Some(Cached::Invalid(e, _)) => panic!("cached as invalid: {e}"),
            None => panic!("not cached"),
        }
    }

    #[tokio::test]
    async fn outages_are_not_cached_but_invalid_tokens_are_briefly() {
        // A negative TTL no test run outlasts, so "answered from the cache" holds however long
        // the machine stalls; the TTL running out is tested below with a short one.
        let c = cache(CacheConfig {
            negative_ttl: Duration::from_secs(60),
            ..Default::default()
        });
        let token = AccessToken::new("t");
        let calls = AtomicUsize::new(0);
        let down = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<VerifiedToken, _>(Error::unavailable("down"))
        };
        assert!(c.get_or_verify(&token, down()).await.is_err());
        assert!(c.get_or_verify(&token, down()).await.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 2, "outage must not be cached");

        let bad = AccessToken::new("bad");
        let invalid = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<VerifiedToken, _>(Error::invalid_token("bad signature"))
        };
        let before = calls.load(Ordering::SeqCst);
        let e1 = c.get_or_verify(&bad, invalid()).await.err();
        let e2 = c.get_or_verify(&bad, invalid()).await.err();
        assert_eq!(calls.load(Ordering::SeqCst), before + 1);
        assert_eq!(e1.map(|e| e.kind()), Some(ErrorKind::InvalidToken));
        assert_eq!(e2.map(|e| e.kind()), Some(ErrorKind::InvalidToken));
        match c.inner.get(&VerifyCache::<VerifiedToken>::key(&bad)).await {
            Some(Cached::Invalid(_, ttl)) => assert_eq!(ttl, Duration::from_secs(60)),
            _ => panic!("the invalid answer is cached for the negative TTL"),
        }

        // Once a (short) negative TTL has passed, the provider is asked again.
        let short = cache(CacheConfig {
            negative_ttl: Duration::from_millis(50),
            ..Default::default()
        });
        let before = calls.load(Ordering::SeqCst);
        let _ = short.get_or_verify(&bad, invalid()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = short.get_or_verify(&bad, invalid()).await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            before + 2,
            "negative TTL elapsed"
        );
    }

    #[tokio::test]
    async fn ttl_is_capped_by_token_expiry_and_forget_works() {
        let c = cache(CacheConfig {
            ttl: Duration::from_secs(3600),
            ..Default::default()
        });
        // A token expiring in 60 s is cached for at most 60 s, not the configured hour.
        let token = AccessToken::new("short");
        let soon = SystemTime::now() + Duration::from_secs(60);
        let v = VerifiedToken::new("u").with_expires_at(Some(soon));
        c.get_or_verify(&token, async { Ok(v) }).await.unwrap();
        let ttl = stored_ttl(&c, &token).await;
        assert!(
            ttl <= Duration::from_secs(60) && ttl > Duration::from_secs(50),
            "{ttl:?}"
        );
        // And the entry goes with the token: one expiring in 50 ms is gone 100 ms later.
        let brief = AccessToken::new("brief");
        let soon = SystemTime::now() + Duration::from_millis(50);
        let v = VerifiedToken::new("u").with_expires_at(Some(soon));
        c.get_or_verify(&brief, async { Ok(v) }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(c.get(&brief).await.is_none(), "expired with the token");

        let gone = AccessToken::new("expired");
        let expired = VerifiedToken::new("u").with_expires_at(Some(SystemTime::UNIX_EPOCH));
        let got = c.get_or_verify(&gone, async { Ok(expired) }).await;
        assert!(got.is_ok(), "value still handed back");
        assert!(c.get(&gone).await.is_none(), "but not cached");

        let keep = AccessToken::new("keep");
        c.get_or_verify(&keep, async { Ok(VerifiedToken::new("k")) })
            .await
            .ok();
        assert!(c.get(&keep).await.is_some());
        c.forget(&keep).await;
        assert!(c.get(&keep).await.is_none());
    }

    #[tokio::test]
    async fn a_jwt_is_never_cached_past_its_own_exp() {
        use base64::Engine;
        let b64 = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let jwt = |exp: serde_json::Value| {
            AccessToken::new(format!(
                "{}.{}.sig",
                b64(serde_json::json!({"alg": "HS256"})),
                b64(serde_json::json!({"sub": "u", "exp": exp}))
            ))
        };
        let since_epoch = || {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
        };
        // A profile has no expiry of its own: the token's `exp` is the only cap.
        let cache: VerifyCache<Arc<UserProfile>> = VerifyCache::new(CacheConfig {
            ttl: Duration::from_secs(3600),
            ..Default::default()
        });
        let profile = Arc::new(UserProfile::new("t", "u"));

        // `exp` in 60 s: cached for at most 60 s, not the configured hour.
        let token = jwt(serde_json::json!(since_epoch().as_secs() + 60));
        let p = profile.clone();
        cache.get_or_verify(&token, async { Ok(p) }).await.unwrap();
        let ttl = stored_ttl(&cache, &token).await;
        assert!(
            ttl <= Duration::from_secs(60) && ttl > Duration::from_secs(50),
            "{ttl:?}"
        );

        // `exp` already past: handed back, not cached.
        let token = jwt(serde_json::json!(since_epoch().as_secs() - 1));
        let p = profile.clone();
        cache.get_or_verify(&token, async { Ok(p) }).await.unwrap();
        assert!(cache.get(&token).await.is_none(), "cached past its exp");

        // And the entry really goes at `exp` (a NumericDate may be fractional): 50 ms ahead,
        // gone 100 ms later.
        let token = jwt(serde_json::json!(since_epoch().as_secs_f64() + 0.05));
        let p = profile.clone();
        cache.get_or_verify(&token, async { Ok(p) }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            cache.get(&token).await.is_none(),
            "outlived the token's exp"
        );

        // Opaque tokens and garbage keep the configured TTL.
        assert_eq!(unverified_jwt_expiry("opaque-token"), None);
        assert_eq!(unverified_jwt_expiry("a.b.c"), None);
        assert_eq!(
            unverified_jwt_expiry("a.eyJleHAiOjFlMzAwfQ.c"),
            None,
            "exp 1e300"
        );
    }

    #[test]
    fn key_is_a_digest_not_the_token() {
        let k = VerifyCache::<VerifiedToken>::key(&AccessToken::new("secret-token"));
        let digest: [u8; 32] = Sha256::digest(b"secret-token").into();
        assert_eq!(k, digest);
    }
}
