//! The verification cache that sits in front of remote token checks.
//!
//! Remote providers (AIGC, ShangCloud, Authing's online check, OIDC introspection) cost a
//! network round trip per verification. [`VerifyCache`] remembers successful answers for a
//! bounded time, keyed by a digest of the token (the raw token is never stored as a key), and
//! collapses concurrent misses for one token into a single upstream call (single-flight).
//! Linked to a [`SharedCache`] it has a second tier shared by every instance (Redis), with
//! one upstream call per new token across instances and invalidation everywhere (see
//! [`shared`]). An entry never outlives
//! the token: its TTL is capped by the value's own expiry ([`Expiring`]) and, when the token is
//! a JWT, by the token's `exp` claim (read without verification — it can only shorten the
//! TTL, never extend it). Errors are not cached,
//! except a definite "invalid token" answer, which is remembered for a short negative TTL so a
//! client hammering a bad token does not hammer the provider.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, SystemTime};

use moka::Expiry;
use sha2::{Digest, Sha256};

pub mod shared;
mod value;

use shared::LocalTier;
pub use shared::{
    CacheId, Invalidation, InvalidationListener, InvalidationListeners, Lease, Lookup,
    MemorySharedTier, SharedCache, SharedCacheConfig, SharedTier,
};

use crate::error::{Error, Result};
use crate::secret::AccessToken;
use crate::telemetry;
pub use value::{CacheValue, Expiring, VerifiedUser};

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

/// Settings the application gives every provider's caches at once (the `polyauth` facade's
/// `[cache]` section): each one, when set, replaces the provider's own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheOverrides {
    /// Replaces [`CacheConfig::ttl`].
    pub ttl: Option<Duration>,
    /// Replaces [`CacheConfig::negative_ttl`].
    pub negative_ttl: Option<Duration>,
    /// Replaces [`CacheConfig::capacity`].
    pub capacity: Option<u64>,
}

impl CacheOverrides {
    /// `config` with the overrides applied.
    pub fn apply(&self, config: CacheConfig) -> CacheConfig {
        CacheConfig {
            ttl: self.ttl.unwrap_or(config.ttl),
            negative_ttl: self.negative_ttl.unwrap_or(config.negative_ttl),
            capacity: self.capacity.unwrap_or(config.capacity),
        }
    }
}

/// How a provider builds its verification caches: with the application's overrides and,
/// when configured, linked to the shared tier. Backends receive it in their
/// [`BuildContext`](crate::BuildContext); the default is in process with no overrides.
#[derive(Clone, Debug, Default)]
pub struct CacheSetup {
    shared: Option<SharedCache>,
    overrides: CacheOverrides,
}

impl CacheSetup {
    /// Caches linked to `shared` (when given) with `overrides`.
    pub fn new(shared: Option<SharedCache>, overrides: CacheOverrides) -> Self {
        CacheSetup { shared, overrides }
    }

    /// The shared tier's link, when configured (for [`SharedCache::invalidate_user`] from
    /// application code, such as a webhook).
    pub fn shared(&self) -> Option<&SharedCache> {
        self.shared.as_ref()
    }

    /// The overrides.
    pub fn overrides(&self) -> &CacheOverrides {
        &self.overrides
    }

    /// The cache for `own` settings (`None`: the provider caches nothing, and neither does
    /// this) under `namespace` in the shared tier (see [`VerifyCache::shared`]:
    /// `"aigc:user:<app id>"`, the backend, the kind of value and what tells two
    /// configurations of the backend apart).
    pub fn build<V: CacheValue>(
        &self,
        own: Option<CacheConfig>,
        namespace: impl Into<Arc<str>>,
    ) -> Option<VerifyCache<V>> {
        let config = self.overrides.apply(own?);
        Some(match &self.shared {
            Some(shared) => VerifyCache::shared(config, shared, namespace),
            None => VerifyCache::new(config),
        })
    }
}

#[derive(Clone)]
enum Cached<V> {
    /// A success, its TTL, and its user's [`CacheId`] (for user invalidation).
    Valid(V, Duration, Option<CacheId>),
    Invalid(Error, Duration),
}

struct CachedTtl;

impl<V> Expiry<CacheId, Cached<V>> for CachedTtl {
    fn expire_after_create(
        &self,
        _key: &CacheId,
        value: &Cached<V>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(match value {
            Cached::Valid(_, ttl, _) | Cached::Invalid(_, ttl) => *ttl,
        })
    }
}

/// A bounded, TTL-limited, single-flight cache of verification results, in process and,
/// when linked to a [`SharedCache`], in a tier shared by every instance (Redis).
///
/// `V` is what a verification yields (a `VerifiedToken`, an `Arc<UserProfile>`, an
/// `Arc<VerifiedUser>`); it must be cheap to clone (wrap large values in `Arc`).
///
/// A hit in process is a keyed hash and a lookup; the shared tier is asked only on an
/// in-process miss (see [`shared`] for what it stores and how instances agree).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use polyauth_core::{AccessToken, CacheConfig, VerifiedToken, VerifyCache};
/// let cache: VerifyCache<VerifiedToken> = VerifyCache::new(CacheConfig::default());
/// let token = AccessToken::new("t1");
/// let v = cache.get_or_verify(&token, || async { Ok(VerifiedToken::new("u1")) }).await?;
/// assert_eq!(v.subject, "u1");
/// // The second call is answered from the cache; the closure's future is never awaited.
/// let again = cache.get_or_verify(&token, || async { unreachable!() }).await?;
/// assert_eq!(again.subject, "u1");
/// # Ok::<_, polyauth_core::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct VerifyCache<V> {
    local: Arc<Local<V>>,
    config: CacheConfig,
    shared: Option<SharedCache>,
}

struct Local<V> {
    entries: moka::future::Cache<CacheId, Cached<V>>,
    namespace: Arc<str>,
}

#[async_trait::async_trait]
impl<V: CacheValue> LocalTier for Local<V> {
    fn namespace(&self) -> &str {
        &self.namespace
    }

    async fn drop_local(&self, what: &Invalidation) {
        match *what {
            Invalidation::Token(id) => self.entries.invalidate(&id).await,
            Invalidation::User(user) => {
                // Matching entries are never returned again; moka removes them in the
                // background. Registration fails only without invalidation closures, which
                // every cache here is built with.
                let _ = self.entries.invalidate_entries_if(
                    move |_, cached| matches!(cached, Cached::Valid(_, _, Some(u)) if *u == user),
                );
            }
            Invalidation::All => self.entries.invalidate_all(),
        }
    }
}

impl<V> fmt::Debug for VerifyCache<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyCache")
            .field("config", &self.config)
            .field("entries", &self.local.entries.entry_count())
            .field(
                "shared",
                &self.shared.as_ref().map(|_| &self.local.namespace),
            )
            .finish()
    }
}

impl<V: CacheValue> VerifyCache<V> {
    /// A cache in process memory only, with the given settings.
    pub fn new(config: CacheConfig) -> Self {
        VerifyCache {
            local: Arc::new(Local {
                entries: Self::moka(&config),
                namespace: Arc::from(""),
            }),
            config,
            shared: None,
        }
    }

    /// A two-tier cache: in process, and in `shared`'s tier under `namespace`: one per
    /// provider configuration and kind of value, the same on every instance, such as
    /// `"aigc:user:<app id>"` (two providers must never share one: a token one of them
    /// accepted would be accepted by the other). Invalidations through `shared` reach this
    /// cache on every instance.
    pub fn shared(
        config: CacheConfig,
        shared: &SharedCache,
        namespace: impl Into<Arc<str>>,
    ) -> Self {
        let local = Arc::new(Local {
            entries: Self::moka(&config),
            namespace: namespace.into(),
        });
        let weak: std::sync::Weak<Local<V>> = Arc::downgrade(&local);
        shared.register(weak);
        VerifyCache {
            local,
            config,
            shared: Some(shared.clone()),
        }
    }

    fn moka(config: &CacheConfig) -> moka::future::Cache<CacheId, Cached<V>> {
        moka::future::Cache::builder()
            .max_capacity(config.capacity)
            .expire_after(CachedTtl)
            .support_invalidation_closures()
            .eviction_listener(|_, _, cause| {
                let cause = match cause {
                    moka::notification::RemovalCause::Expired => "expired",
                    moka::notification::RemovalCause::Explicit => "explicit",
                    moka::notification::RemovalCause::Replaced => "replaced",
                    moka::notification::RemovalCause::Size => "size",
                };
                metrics::counter!(telemetry::CACHE_EVICTIONS, "cause" => cause).increment(1);
                metrics::gauge!(telemetry::CACHE_ENTRIES).decrement(1.0);
            })
            .build()
    }

    /// The settings this cache was built with.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The shared tier this cache is linked to, if any.
    pub fn shared_cache(&self) -> Option<&SharedCache> {
        self.shared.as_ref()
    }

    /// The cache key of a token: with a shared tier its [`SharedCache::token_id`] (a keyed
    /// hash), else its SHA-256 digest.
    pub fn key(&self, token: &AccessToken) -> CacheId {
        match &self.shared {
            Some(shared) => shared.token_id(token),
            None => CacheId(Sha256::digest(token.expose_secret().as_bytes()).into()),
        }
    }

    fn user_key(&self, subject: &str) -> CacheId {
        match &self.shared {
            Some(shared) => shared.user_id(subject),
            None => {
                let mut digest = Sha256::new();
                digest.update(b"user\0");
                digest.update(subject.as_bytes());
                CacheId(digest.finalize().into())
            }
        }
    }

    /// The cached result for `token` in process, if any: `Some(Ok)` for a cached success,
    /// `Some(Err)` for a cached invalid-token answer, `None` on a miss. The shared tier is not
    /// asked.
    pub async fn get(&self, token: &AccessToken) -> Option<Result<V>> {
        self.local
            .entries
            .get(&self.key(token))
            .await
            .map(|c| match c {
                Cached::Valid(v, _, _) => Ok(v),
                Cached::Invalid(e, _) => Err(e),
            })
    }

    /// Returns the cached result for `token`, or calls `verify` and awaits the future it
    /// returns to produce it.
    ///
    /// `verify` is called on a miss only, so the hit path neither builds nor carries the
    /// verification future: pass a closure (`|| self.fetch(token)`), not a future.
    ///
    /// Concurrent callers missing on the same token share one `verify` (the others wait for
    /// its result); with a shared tier, instances share one too: the tier is asked first, and
    /// of the instances missing there only the one holding the lease calls `verify` while the
    /// others wait for its answer (at most the lease TTL; they call `verify` themselves when
    /// the holder fails or vanishes). A success is cached for the configured TTL, capped by
    /// the value's own expiry and a JWT's `exp` (an already-expired value is returned but
    /// not cached). An `InvalidToken` or `Unauthenticated` error is cached for the negative
    /// TTL; every other error is returned to all waiters and not cached, so the next call
    /// retries. A failing shared tier is skipped, never an error of this call.
    pub async fn get_or_verify<F, Fut>(&self, token: &AccessToken, verify: F) -> Result<V>
    where
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<V>> + Send,
    {
        let key = self.key(token);
        if let Some(cached) = self.local.entries.get(&key).await {
            return match cached {
                Cached::Valid(v, _, _) => {
                    telemetry::cache_outcome("hit");
                    Ok(v)
                }
                Cached::Invalid(e, _) => {
                    telemetry::cache_outcome("negative");
                    Err(e)
                }
            };
        }
        // Boxed: the miss path (single-flight, the shared tier, the provider's call) is a large
        // future; keeping it out of this one keeps the hit path's future small, and so cheap
        // to move into the boxed futures of the provider trait.
        Box::pin(self.miss(token, key, verify)).await
    }

    /// [`Self::get_or_verify`] after an in-process miss.
    async fn miss<F, Fut>(&self, token: &AccessToken, key: CacheId, verify: F) -> Result<V>
    where
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<V>> + Send,
    {
        // Which way this call's own init went; left at `wait` when another caller's init
        // answered it (single-flight).
        let asked = AtomicU8::new(Asked::Wait as u8);
        let init = async {
            match &self.shared {
                Some(shared) => self.two_tier(shared, token, key, verify, &asked).await,
                None => {
                    asked.store(Asked::Miss as u8, Ordering::Relaxed);
                    let user = |v: &V| v.subject().map(|s| self.user_key(s));
                    compute(&self.config, token, &user, verify).await
                }
            }
        };
        let result = self.local.entries.try_get_with(key, init).await;
        let asked = Asked::from(asked.load(Ordering::Relaxed));
        telemetry::cache_outcome(asked.label());
        if asked != Asked::Wait && result.is_ok() {
            metrics::gauge!(telemetry::CACHE_ENTRIES).increment(1.0);
        }
        match result {
            Ok(Cached::Valid(v, _, _)) => Ok(v),
            Ok(Cached::Invalid(e, _)) => Err(e),
            Err(shared) => match &*shared {
                Uncached::Valid(v) => Ok(v.clone()),
                Uncached::Failed(e) => Err(e.clone()),
            },
        }
    }

    /// The in-process miss path with a shared tier: read it, else lead (lease) or follow.
    async fn two_tier<F, Fut>(
        &self,
        shared: &SharedCache,
        token: &AccessToken,
        id: CacheId,
        verify: F,
        asked: &AtomicU8,
    ) -> std::result::Result<Cached<V>, Uncached<V>>
    where
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<V>> + Send,
    {
        let answered = |how: Asked| asked.store(how as u8, Ordering::Relaxed);
        answered(Asked::Miss);
        let ns = &*self.local.namespace;
        let tier = shared.tier();
        let user = |v: &V| v.subject().map(|s| self.user_key(s));
        match tier.lookup(ns, &id).await {
            Ok(found) => {
                shared.healthy();
                if let Some(hit) = found.value.and_then(|b| self.open(shared, token, &id, &b)) {
                    answered(Asked::SharedHit);
                    return Ok(hit);
                }
            }
            Err(e) => {
                shared.degraded("lookup", &e);
                return compute(&self.config, token, &user, verify).await;
            }
        }
        let lead = match tier.lease(ns, &id, shared.lease_ttl()).await {
            Ok(lease) => {
                let stored =
                    (lease.value.as_deref()).and_then(|b| self.open(shared, token, &id, b));
                if let Some(hit) = stored {
                    // Stored since the lookup (its holder finished meanwhile): use it, and
                    // free the lease if this call took it.
                    if lease.taken
                        && let Err(e) = tier.release(ns, &id).await
                    {
                        shared.degraded("release", &e);
                    }
                    answered(Asked::SharedHit);
                    return Ok(hit);
                }
                if lease.taken {
                    true
                } else {
                    match self.follow(shared, token, &id).await {
                        Some(hit) => {
                            answered(Asked::SharedWait);
                            return Ok(hit);
                        }
                        None => false,
                    }
                }
            }
            Err(e) => {
                shared.degraded("lease", &e);
                return compute(&self.config, token, &user, verify).await;
            }
        };
        let outcome = compute(&self.config, token, &user, verify).await;
        let written = match &outcome {
            Ok(cached) => match self.seal(shared, token, &id, cached) {
                Some((sealed, ttl, user)) => tier.store(ns, &id, sealed, ttl, user.as_ref()).await,
                None if lead => tier.release(ns, &id).await,
                None => Ok(()),
            },
            Err(_) if lead => tier.release(ns, &id).await,
            Err(_) => Ok(()),
        };
        if let Err(e) = written {
            shared.degraded("store", &e);
        }
        outcome
    }

    /// Waits for the lease holder's answer: polls the tier (5 ms, doubling to 50 ms) until a
    /// value appears, the lease is gone without one, or the lease TTL has passed. `None`: ask
    /// the provider.
    async fn follow(
        &self,
        shared: &SharedCache,
        token: &AccessToken,
        id: &CacheId,
    ) -> Option<Cached<V>> {
        let deadline = tokio::time::Instant::now() + shared.lease_ttl();
        let mut pause = Duration::from_millis(5);
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
            match shared.tier().lookup(&self.local.namespace, id).await {
                Ok(found) => {
                    if let Some(hit) = found.value.and_then(|b| self.open(shared, token, id, &b)) {
                        return Some(hit);
                    }
                    if !found.leased {
                        return None;
                    }
                }
                Err(e) => {
                    shared.degraded("lookup", &e);
                    return None;
                }
            }
        }
        None
    }

    /// A shared entry as an in-process entry (its TTL is what it has left, at most the
    /// configured one); `None` when it does not open (counted as a failure) or has expired.
    fn open(
        &self,
        shared: &SharedCache,
        token: &AccessToken,
        id: &CacheId,
        sealed: &[u8],
    ) -> Option<Cached<V>> {
        let Some(envelope) = shared.open(token, &self.local.namespace, id, sealed) else {
            shared.degraded(
                "open",
                &Error::protocol("a shared cache value did not open for this token"),
            );
            return None;
        };
        let (left, entry) = shared::from_envelope(envelope)?;
        match entry {
            Ok(value) => {
                let value = V::from_json(value)?;
                let user = value.subject().map(|s| self.user_key(s));
                let ttl = left.min(self.config.ttl);
                (!ttl.is_zero()).then_some(Cached::Valid(value, ttl, user))
            }
            Err(e) => {
                let ttl = left.min(self.config.negative_ttl);
                (!ttl.is_zero()).then_some(Cached::Invalid(e, ttl))
            }
        }
    }

    /// The sealed form of an in-process entry, its TTL and its user; `None` for a value that
    /// is not shared.
    fn seal(
        &self,
        shared: &SharedCache,
        token: &AccessToken,
        id: &CacheId,
        cached: &Cached<V>,
    ) -> Option<(Vec<u8>, Duration, Option<CacheId>)> {
        let (entry, ttl, user) = match cached {
            Cached::Valid(v, ttl, user) => (Ok(v.to_json()?), *ttl, *user),
            Cached::Invalid(e, ttl) => (Err(e), *ttl, None),
        };
        // A TTL too large to be a point in time (a hand-built config) is not shared.
        let envelope = shared::envelope(SystemTime::now().checked_add(ttl)?, entry);
        match shared.seal(token, &self.local.namespace, id, &envelope) {
            Ok(sealed) => Some((sealed, ttl, user)),
            Err(e) => {
                shared.degraded("seal", &e);
                None
            }
        }
    }

    /// Drops the cached answers for `token`: here, and with a shared tier in it and on every
    /// instance (through [`SharedCache::invalidate_token`], so every cache linked to it drops
    /// the token too). Use it after a logout or a revocation.
    ///
    /// Errors: `Unavailable` when the shared tier cannot be reached (the in-process entry is
    /// gone; other instances may keep theirs until their TTL).
    pub async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        match &self.shared {
            Some(shared) => shared.invalidate_token(token).await,
            None => {
                self.local.entries.invalidate(&self.key(token)).await;
                Ok(())
            }
        }
    }

    /// Drops every cached answer of the user `subject` (the subject id verifications name):
    /// here, and with a shared tier on every instance. Use it when a user is deleted,
    /// disabled, or their roles change.
    ///
    /// Errors: as [`invalidate_token`](Self::invalidate_token).
    pub async fn invalidate_user(&self, subject: &str) -> Result<()> {
        match &self.shared {
            Some(shared) => shared.invalidate_user(subject).await,
            None => {
                let user = self.user_key(subject);
                self.local.drop_local(&Invalidation::User(user)).await;
                Ok(())
            }
        }
    }

    /// Forgets every token in this process (the shared tier keeps its entries).
    pub fn clear(&self) {
        self.local.entries.invalidate_all();
    }

    /// Number of cached entries in process (approximate until maintenance runs).
    pub fn len(&self) -> u64 {
        self.local.entries.entry_count()
    }

    /// Whether the cache holds nothing in process (approximate).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Asks the provider and turns its answer into an in-process entry (or the reason for none).
async fn compute<V, F, Fut>(
    config: &CacheConfig,
    token: &AccessToken,
    user: &(dyn Fn(&V) -> Option<CacheId> + Sync),
    verify: F,
) -> std::result::Result<Cached<V>, Uncached<V>>
where
    V: CacheValue,
    F: FnOnce() -> Fut + Send,
    Fut: Future<Output = Result<V>> + Send,
{
    match verify().await {
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
                let user = user(&v);
                Ok(Cached::Valid(v, ttl, user))
            }
        }
        Err(e) if e.kind().is_auth_failure() && !config.negative_ttl.is_zero() => {
            Ok(Cached::Invalid(e, config.negative_ttl))
        }
        Err(e) => Err(Uncached::Failed(e)),
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

/// How a lookup that missed in process was answered (the `outcome` label of
/// [`telemetry::CACHE_REQUESTS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Asked {
    /// Another caller's single-flight init answered.
    Wait,
    /// This call asked the provider.
    Miss,
    /// The shared tier had the answer.
    SharedHit,
    /// Another instance's answer, waited for through the shared tier.
    SharedWait,
}

impl Asked {
    fn from(code: u8) -> Asked {
        [
            Asked::Wait,
            Asked::Miss,
            Asked::SharedHit,
            Asked::SharedWait,
        ]
        .into_iter()
        .find(|a| *a as u8 == code)
        .unwrap_or(Asked::Wait)
    }

    fn label(self) -> &'static str {
        match self {
            Asked::Wait => "wait",
            Asked::Miss => "miss",
            Asked::SharedHit => "shared_hit",
            Asked::SharedWait => "shared_wait",
        }
    }
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
mod shared_tests;
#[cfg(test)]
mod tests;
