//! The shared tier of the verification cache: what several instances of an application share
//! (in Redis, through the `polyauth-redis` crate's `RedisSharedTier`).
//!
//! A [`VerifyCache`](super::VerifyCache) linked to a [`SharedCache`] looks in the shared tier
//! after an in-process miss and before calling the provider, writes every provider answer to
//! both tiers, lets only one instance call the provider for a new token (a short lease, taken
//! with `SET NX PX`; the others wait for its answer), and drops entries on **every** instance
//! when a token or a user is invalidated (the tier publishes the invalidation; every
//! instance's subscriber drops its in-process entries).
//!
//! Nothing in the shared tier is usable without the token:
//! - the key of a token is `HMAC-SHA256(key_secret, token)` ([`CacheId`]), with a secret of the
//!   deployment, never a bare digest anyone could compute from a guessed token;
//! - the value is sealed with ChaCha20-Poly1305 under a key derived from the token itself
//!   (HKDF-SHA256, the deployment secret as salt), with the namespace and the key as associated
//!   data, so a copy of the store reveals no profile, and a value moved under another key or
//!   altered fails to open (and counts as a miss).
//!
//! A failing shared tier never fails a request the provider can answer: the cache falls back
//! to the provider (one warning when the tier starts failing, one when it recovers, and a
//! counter, [`SharedCache::failures`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::{AccessToken, Secret};

/// A 32-byte identifier in the caches: the keyed hash of a token or of a user's subject.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheId(pub [u8; 32]);

impl CacheId {
    /// Lower-case hex (64 characters), as used in shared-tier keys and messages.
    pub fn to_hex(&self) -> String {
        use fmt::Write;
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }

    /// Parses [`to_hex`](Self::to_hex) output; `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(CacheId(out))
    }
}

impl fmt::Debug for CacheId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheId({}…)", &self.to_hex()[..12])
    }
}

/// What an invalidation drops, on every instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Invalidation {
    /// Every cached answer for one token (its [`SharedCache::token_id`]).
    Token(CacheId),
    /// Every cached answer for one user (its [`SharedCache::user_id`]).
    User(CacheId),
    /// Every in-process entry: sent to the local listeners by a tier whose subscription was
    /// interrupted, since invalidations may have been missed meanwhile. Never published.
    All,
}

impl Invalidation {
    /// The message a tier publishes: `t:<hex>`, `u:<hex>` or `*`.
    pub fn encode(&self) -> String {
        match self {
            Invalidation::Token(id) => format!("t:{}", id.to_hex()),
            Invalidation::User(id) => format!("u:{}", id.to_hex()),
            Invalidation::All => "*".to_owned(),
        }
    }

    /// Parses [`encode`](Self::encode) output; `None` for anything else (ignored by
    /// subscribers).
    pub fn decode(message: &str) -> Option<Self> {
        match message.split_once(':') {
            Some(("t", hex)) => CacheId::from_hex(hex).map(Invalidation::Token),
            Some(("u", hex)) => CacheId::from_hex(hex).map(Invalidation::User),
            _ if message == "*" => Some(Invalidation::All),
            _ => None,
        }
    }
}

/// What [`SharedTier::lookup`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lookup {
    /// The sealed value, when one is stored.
    pub value: Option<Vec<u8>>,
    /// Whether an instance holds the lease (is asking the provider right now).
    pub leased: bool,
}

/// What [`SharedTier::lease`] did and found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lease {
    /// Whether the caller took the lease (no other instance held it).
    pub taken: bool,
    /// The value, when one was stored meanwhile (read in the same round trip).
    pub value: Option<Vec<u8>>,
}

/// Receives the invalidations a [`SharedTier`] delivers (from any instance, its own
/// included).
#[async_trait]
pub trait InvalidationListener: Send + Sync + 'static {
    /// Drops what `what` names.
    async fn invalidated(&self, what: &Invalidation);
}

/// The listeners of a [`SharedTier`]: what [`SharedTier::subscribe`] adds to, and what the
/// tier hands each invalidation to.
#[derive(Default)]
pub struct InvalidationListeners(RwLock<Vec<Arc<dyn InvalidationListener>>>);

impl fmt::Debug for InvalidationListeners {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvalidationListeners")
            .finish_non_exhaustive()
    }
}

impl InvalidationListeners {
    /// Adds a listener.
    pub fn add(&self, listener: Arc<dyn InvalidationListener>) {
        match self.0.write() {
            Ok(mut l) => l.push(listener),
            Err(poisoned) => poisoned.into_inner().push(listener),
        }
    }

    /// Hands `what` to every listener, in the order they were added.
    pub async fn dispatch(&self, what: &Invalidation) {
        let listeners = match self.0.read() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for listener in listeners {
            listener.invalidated(what).await;
        }
    }
}

/// Storage of the shared tier: sealed values with a TTL under a namespace and a [`CacheId`],
/// a lease per entry, an index of entries per user, and invalidation messages to every
/// instance. `polyauth-redis`'s `RedisSharedTier` implements it on Redis (and Redis Cluster);
/// [`MemorySharedTier`] in one process.
///
/// Every method's errors are `Unavailable` (the store cannot be reached or does not answer
/// in time) or `Protocol` (it answered something unexpected); the cache degrades to the
/// provider on either.
#[async_trait]
pub trait SharedTier: Send + Sync + fmt::Debug + 'static {
    /// The value stored for `id` in `namespace`, and whether its lease is held, in one round
    /// trip.
    async fn lookup(&self, namespace: &str, id: &CacheId) -> Result<Lookup>;

    /// Takes the lease of `id` for `ttl` unless another instance holds it (`SET NX PX`), and
    /// reads the value in the same round trip: one stored since the caller's lookup is used
    /// instead of asking the provider again.
    async fn lease(&self, namespace: &str, id: &CacheId, ttl: Duration) -> Result<Lease>;

    /// Stores `value` for `ttl`, indexes it under `user` when given (for
    /// [`Invalidation::User`]), and releases the lease.
    async fn store(
        &self,
        namespace: &str,
        id: &CacheId,
        value: Vec<u8>,
        ttl: Duration,
        user: Option<&CacheId>,
    ) -> Result<()>;

    /// Releases the lease of `id` without a value (the provider call failed).
    async fn release(&self, namespace: &str, id: &CacheId) -> Result<()>;

    /// Deletes the entries `what` names in each of `namespaces`, then publishes `what` to every
    /// instance's listeners.
    async fn invalidate(&self, what: &Invalidation, namespaces: &[&str]) -> Result<()>;

    /// Registers a listener for published invalidations (and [`Invalidation::All`] after an
    /// interrupted subscription).
    fn subscribe(&self, listener: Arc<dyn InvalidationListener>);
}

/// Settings of a [`SharedCache`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedCacheConfig {
    /// The deployment's secret for keyed hashes (at least 32 bytes; every instance the same).
    pub key_secret: Secret,
    /// How long an instance may hold the lease of a new token while it asks the provider;
    /// the others wait at most this long before asking themselves. Make it at least the
    /// provider's request timeout. Default 10 s.
    pub lease_ttl: Duration,
}

impl SharedCacheConfig {
    /// The default lease (10 s).
    pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);

    /// Settings with `key_secret` and the default lease.
    pub fn new(key_secret: Secret) -> Self {
        SharedCacheConfig {
            key_secret,
            lease_ttl: Self::DEFAULT_LEASE_TTL,
        }
    }

    /// Checks the key secret (32 bytes or more) and the lease (1 ms to 5 minutes).
    ///
    /// Errors: `ConfigInvalid` naming `cache.key_secret` or `cache.lease_ttl_ms`.
    pub fn validate(&self) -> Result<()> {
        if self.key_secret.len() < 32 {
            return Err(Error::config(
                "`cache.key_secret` must be at least 32 bytes (every instance the same)",
            ));
        }
        crate::env::check_range(
            "cache.lease_ttl_ms",
            u64::try_from(self.lease_ttl.as_millis()).unwrap_or(u64::MAX),
            1..=300_000,
            "milliseconds",
        )
    }
}

/// One deployment's link to a [`SharedTier`]: the keyed hashes, the sealing, the lease
/// settings, and the in-process caches to drop entries from when an invalidation arrives.
/// Build one per process and hand it to every [`VerifyCache`](super::VerifyCache) (the
/// `polyauth` facade does, from its `[cache]` section). Cheap to clone.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use polyauth_core::cache::{MemorySharedTier, SharedCache, SharedCacheConfig};
/// use polyauth_core::{AccessToken, CacheConfig, Secret, VerifiedToken, VerifyCache};
///
/// let tier = Arc::new(MemorySharedTier::default()); // RedisSharedTier across instances
/// let shared = SharedCache::new(tier, SharedCacheConfig::new(Secret::new("k".repeat(32))))?;
/// // Two caches on one tier stand for two instances of an application.
/// let a: VerifyCache<VerifiedToken> = VerifyCache::shared(CacheConfig::default(), &shared, "demo");
/// let b: VerifyCache<VerifiedToken> = VerifyCache::shared(CacheConfig::default(), &shared, "demo");
/// let token = AccessToken::new("t1");
/// a.get_or_verify(&token, || async { Ok(VerifiedToken::new("u1")) }).await?;
/// // `b` finds the answer in the shared tier: its provider is never asked.
/// let v = b.get_or_verify(&token, || async { unreachable!() }).await?;
/// assert_eq!(v.subject, "u1");
/// // Invalidating the user drops it everywhere.
/// shared.invalidate_user("u1").await?;
/// assert!(b.get(&token).await.is_none());
/// # Ok::<_, polyauth_core::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct SharedCache {
    hub: Arc<Hub>,
}

struct Hub {
    tier: Arc<dyn SharedTier>,
    mac: Hmac<Sha256>,
    salt: Secret,
    lease_ttl: Duration,
    locals: RwLock<Vec<Weak<dyn LocalTier>>>,
    failures: AtomicU64,
    failing: AtomicBool,
}

/// An in-process tier registered with a [`SharedCache`].
#[async_trait]
pub(crate) trait LocalTier: Send + Sync + 'static {
    /// The namespace of its entries in the shared tier.
    fn namespace(&self) -> &str;
    /// Drops what `what` names from the in-process tier.
    async fn drop_local(&self, what: &Invalidation);
}

impl fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedCache")
            .field("tier", &self.hub.tier)
            .field("lease_ttl", &self.hub.lease_ttl)
            .field("failures", &self.failures())
            .finish_non_exhaustive()
    }
}

/// Forwards a tier's invalidations to the hub while it lives (a weak link: the tier holds
/// its listeners, the hub holds the tier).
struct Dispatcher(Weak<Hub>);

#[async_trait]
impl InvalidationListener for Dispatcher {
    async fn invalidated(&self, what: &Invalidation) {
        if let Some(hub) = self.0.upgrade() {
            hub.drop_local(what).await;
        }
    }
}

impl Hub {
    fn locals(&self) -> Vec<Arc<dyn LocalTier>> {
        let mut locals = match self.locals.write() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        locals.retain(|l| l.strong_count() > 0);
        locals.iter().filter_map(Weak::upgrade).collect()
    }

    async fn drop_local(&self, what: &Invalidation) {
        for local in self.locals() {
            local.drop_local(what).await;
        }
    }
}

impl SharedCache {
    /// A link to `tier` with `config`, subscribed to the tier's invalidations.
    ///
    /// Errors: `ConfigInvalid` as [`SharedCacheConfig::validate`].
    pub fn new(tier: Arc<dyn SharedTier>, config: SharedCacheConfig) -> Result<Self> {
        config.validate()?;
        let mac =
            <Hmac<Sha256> as Mac>::new_from_slice(config.key_secret.expose_secret().as_bytes())
                .map_err(|_| Error::config("`cache.key_secret` cannot key an HMAC"))?;
        let hub = Arc::new(Hub {
            tier,
            mac,
            salt: config.key_secret,
            lease_ttl: config.lease_ttl,
            locals: RwLock::new(Vec::new()),
            failures: AtomicU64::new(0),
            failing: AtomicBool::new(false),
        });
        hub.tier
            .subscribe(Arc::new(Dispatcher(Arc::downgrade(&hub))));
        Ok(SharedCache { hub })
    }

    /// The tier.
    pub fn tier(&self) -> &Arc<dyn SharedTier> {
        &self.hub.tier
    }

    /// The lease an instance holds while it asks the provider about a new token.
    pub fn lease_ttl(&self) -> Duration {
        self.hub.lease_ttl
    }

    /// How many shared-tier operations failed (and fell back to the provider) or found a
    /// value that did not open, since start.
    pub fn failures(&self) -> u64 {
        self.hub.failures.load(Ordering::Relaxed)
    }

    /// The identifier of `token` in every tier: `HMAC-SHA256(key_secret, token)`.
    pub fn token_id(&self, token: &AccessToken) -> CacheId {
        let mut mac = self.hub.mac.clone();
        mac.update(token.expose_secret().as_bytes());
        CacheId(mac.finalize().into_bytes().into())
    }

    /// The identifier of a user's subject: `HMAC-SHA256(key_secret, "user\0" + subject)`.
    pub fn user_id(&self, subject: &str) -> CacheId {
        let mut mac = self.hub.mac.clone();
        mac.update(b"user\0");
        mac.update(subject.as_bytes());
        CacheId(mac.finalize().into_bytes().into())
    }

    /// Drops every cached answer for `token` on every instance: in-process entries here at
    /// once, the shared entries, and (through the tier's publication) every other instance's
    /// in-process entries.
    ///
    /// Errors: `Unavailable` when the shared tier cannot be reached (this instance has dropped
    /// its own entries; the others may keep theirs until their TTL).
    pub async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        self.invalidate(Invalidation::Token(self.token_id(token)))
            .await
    }

    /// Drops every cached answer for the user `subject` (the id a provider's verification
    /// names as subject) on every instance. Errors: as
    /// [`invalidate_token`](Self::invalidate_token).
    pub async fn invalidate_user(&self, subject: &str) -> Result<()> {
        self.invalidate(Invalidation::User(self.user_id(subject)))
            .await
    }

    async fn invalidate(&self, what: Invalidation) -> Result<()> {
        self.hub.drop_local(&what).await;
        let locals = self.hub.locals();
        let mut namespaces: Vec<&str> = locals.iter().map(|l| l.namespace()).collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        self.hub.tier.invalidate(&what, &namespaces).await
    }

    pub(crate) fn register(&self, local: Weak<dyn LocalTier>) {
        match self.hub.locals.write() {
            Ok(mut l) => l.push(local),
            Err(poisoned) => poisoned.into_inner().push(local),
        }
    }

    /// Counts a shared-tier failure; warns when the tier starts failing.
    pub(crate) fn degraded(&self, operation: &'static str, error: &Error) {
        self.hub.failures.fetch_add(1, Ordering::Relaxed);
        if !self.hub.failing.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                operation,
                error = %error,
                "shared verification cache failing; asking the provider instead"
            );
        }
    }

    /// Notes a successful shared-tier operation; says so when the tier recovered.
    pub(crate) fn healthy(&self) {
        if self.hub.failing.load(Ordering::Relaxed)
            && self.hub.failing.swap(false, Ordering::Relaxed)
        {
            tracing::info!("shared verification cache recovered");
        }
    }

    /// Seals `entry` for `token` (see the module docs).
    pub(crate) fn seal(
        &self,
        token: &AccessToken,
        namespace: &str,
        id: &CacheId,
        entry: &Value,
    ) -> Result<Vec<u8>> {
        let plaintext = serde_json::to_vec(entry)
            .map_err(|e| Error::protocol("a cache entry could not be encoded").with_source(e))?;
        let cipher = self.cipher(token)?;
        let nonce_bytes: [u8; 12] = rand::random();
        let aad = aad(namespace, id);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce_bytes),
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| Error::protocol("a cache entry could not be sealed"))?;
        let mut out = Vec::with_capacity(1 + 12 + sealed.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a sealed value; `None` when it was not sealed for this token, namespace and key,
    /// was altered or truncated, or is not an entry.
    pub(crate) fn open(
        &self,
        token: &AccessToken,
        namespace: &str,
        id: &CacheId,
        sealed: &[u8],
    ) -> Option<Value> {
        let (&version, rest) = sealed.split_first()?;
        if version != SEAL_VERSION || rest.len() < 12 + 16 {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(12);
        let aad = aad(namespace, id);
        let plaintext = self
            .cipher(token)
            .ok()?
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .ok()?;
        serde_json::from_slice(&plaintext).ok()
    }

    fn cipher(&self, token: &AccessToken) -> Result<ChaCha20Poly1305> {
        let hkdf = Hkdf::<Sha256>::new(
            Some(self.hub.salt.expose_secret().as_bytes()),
            token.expose_secret().as_bytes(),
        );
        let mut key = [0u8; 32];
        hkdf.expand(b"polyauth verify cache v1", &mut key)
            .map_err(|_| Error::protocol("a cache key could not be derived"))?;
        Ok(ChaCha20Poly1305::new(Key::from_slice(&key)))
    }
}

const SEAL_VERSION: u8 = 1;

fn aad(namespace: &str, id: &CacheId) -> Vec<u8> {
    let mut aad = Vec::with_capacity(namespace.len() + 33);
    aad.extend_from_slice(namespace.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&id.0);
    aad
}

/// The envelope of a shared entry: until when it holds (Unix milliseconds) and the value or
/// the definite verification failure.
pub(crate) fn envelope(until: SystemTime, entry: std::result::Result<Value, &Error>) -> Value {
    let until = until
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    match entry {
        Ok(value) => json!({ "until": until, "ok": value }),
        Err(e) => json!({
            "until": until,
            "err": {
                "kind": e.kind().label(),
                "message": e.message(),
                "status": e.status(),
                "code": e.provider_code(),
                "provider_message": e.provider_message(),
            }
        }),
    }
}

/// Reads an envelope back: the time left and the value or the failure. `None` for an
/// envelope of another shape (or a failure of a kind that is never shared).
pub(crate) fn from_envelope(
    mut envelope: Value,
) -> Option<(Duration, std::result::Result<Value, Error>)> {
    let until = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_millis(envelope.get("until")?.as_u64()?))?;
    let left = until.duration_since(SystemTime::now()).ok()?;
    if let Some(value) = envelope.get_mut("ok") {
        return Some((left, Ok(value.take())));
    }
    let err = envelope.get("err")?;
    let kind = match err.get("kind")?.as_str()? {
        k if k == ErrorKind::InvalidToken.label() => ErrorKind::InvalidToken,
        k if k == ErrorKind::Unauthenticated.label() => ErrorKind::Unauthenticated,
        _ => return None,
    };
    let text = |k: &str| err.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut e = Error::new(kind, text("message").unwrap_or_default());
    if let Some(status) = err.get("status").and_then(Value::as_u64) {
        e = e.with_status(u16::try_from(status).unwrap_or(0));
    }
    if let Some(code) = text("code") {
        e = e.with_provider_code(code, text("provider_message").unwrap_or_default());
    }
    Some((left, Err(e)))
}

/// A [`SharedTier`] in process memory: what several [`SharedCache`]s in one process (tests,
/// a single-binary deployment running several providers) share. Entries expire with their
/// TTL; leases too. Invalidations reach every listener registered with it.
#[derive(Default)]
pub struct MemorySharedTier {
    entries: Mutex<HashMap<String, (Vec<u8>, Instant)>>,
    users: Mutex<HashMap<CacheId, std::collections::HashSet<String>>>,
    listeners: InvalidationListeners,
}

impl fmt::Debug for MemorySharedTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySharedTier").finish_non_exhaustive()
    }
}

impl MemorySharedTier {
    fn key(namespace: &str, id: &CacheId, lease: bool) -> String {
        format!(
            "{namespace}:{}{}",
            id.to_hex(),
            if lease { ":lease" } else { "" }
        )
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Vec<u8>, Instant)>> {
        match self.entries.lock() {
            Ok(e) => e,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn live(&self, key: &str) -> Option<Vec<u8>> {
        live_in(&mut self.entries(), key)
    }
}

/// The value under `key` unless it expired (an expired one is removed).
fn live_in(entries: &mut HashMap<String, (Vec<u8>, Instant)>, key: &str) -> Option<Vec<u8>> {
    match entries.get(key) {
        Some((v, until)) if *until > Instant::now() => Some(v.clone()),
        Some(_) => {
            entries.remove(key);
            None
        }
        None => None,
    }
}

/// When an entry stored now for `ttl` expires. Errors: `InvalidInput` for a TTL too large to
/// be a point in time.
fn until(ttl: Duration) -> Result<Instant> {
    Instant::now()
        .checked_add(ttl)
        .ok_or_else(|| Error::invalid_input("cache TTL is too large to be a point in time"))
}

#[async_trait]
impl SharedTier for MemorySharedTier {
    async fn lookup(&self, namespace: &str, id: &CacheId) -> Result<Lookup> {
        Ok(Lookup {
            value: self.live(&Self::key(namespace, id, false)),
            leased: self.live(&Self::key(namespace, id, true)).is_some(),
        })
    }

    async fn lease(&self, namespace: &str, id: &CacheId, ttl: Duration) -> Result<Lease> {
        let key = Self::key(namespace, id, true);
        // Under one lock: of concurrent callers, exactly one takes the lease.
        let mut entries = self.entries();
        let taken = live_in(&mut entries, &key).is_none();
        if taken {
            entries.insert(key, (Vec::new(), until(ttl)?));
        }
        Ok(Lease {
            taken,
            value: live_in(&mut entries, &Self::key(namespace, id, false)),
        })
    }

    async fn store(
        &self,
        namespace: &str,
        id: &CacheId,
        value: Vec<u8>,
        ttl: Duration,
        user: Option<&CacheId>,
    ) -> Result<()> {
        let key = Self::key(namespace, id, false);
        {
            let mut entries = self.entries();
            entries.remove(&Self::key(namespace, id, true));
            entries.insert(key.clone(), (value, until(ttl)?));
        }
        if let Some(user) = user {
            let mut users = match self.users.lock() {
                Ok(u) => u,
                Err(poisoned) => poisoned.into_inner(),
            };
            // Keys whose entries expired meanwhile leave the index here.
            let index = users.entry(*user).or_default();
            let mut entries = self.entries();
            index.retain(|k| live_in(&mut entries, k).is_some());
            index.insert(key);
        }
        Ok(())
    }

    async fn release(&self, namespace: &str, id: &CacheId) -> Result<()> {
        self.entries().remove(&Self::key(namespace, id, true));
        Ok(())
    }

    async fn invalidate(&self, what: &Invalidation, namespaces: &[&str]) -> Result<()> {
        let keys = match what {
            Invalidation::Token(id) => namespaces
                .iter()
                .map(|ns| Self::key(ns, id, false))
                .collect(),
            Invalidation::User(user) => match self.users.lock() {
                Ok(mut u) => u.remove(user).unwrap_or_default().into_iter().collect(),
                Err(poisoned) => poisoned
                    .into_inner()
                    .remove(user)
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            },
            Invalidation::All => Vec::new(),
        };
        {
            let mut entries = self.entries();
            for key in keys {
                entries.remove(&key);
            }
        }
        self.listeners.dispatch(what).await;
        Ok(())
    }

    fn subscribe(&self, listener: Arc<dyn InvalidationListener>) {
        self.listeners.add(listener);
    }
}
