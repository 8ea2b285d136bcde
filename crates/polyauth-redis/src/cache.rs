//! [`RedisSharedTier`]: the verification cache's shared tier in Redis or a Redis Cluster.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use polyauth_core::cache::{
    CacheId, Invalidation, InvalidationListener, InvalidationListeners, Lease, Lookup, SharedTier,
};
use polyauth_core::{Error, Result};
use tokio::sync::oneshot;

use crate::conn::{RedisConnection, Target};
use crate::{RedisOptions, redact_url, redis_error};

/// The key prefix of the shared verification cache unless configured otherwise.
pub const DEFAULT_CACHE_KEY_PREFIX: &str = "polyauth:cache:";

/// How long a user's index of cached entries lives after its last write: the longest TTL a
/// cache entry may have (one day).
const USER_INDEX_TTL_MS: u64 = 86_400_000;

/// The shared tier of polyauth's verification cache ([`SharedTier`]) in Redis: every
/// instance of an application connected to the same Redis (or Redis Cluster) shares the
/// verification answers, one upstream call per new token, and invalidations.
///
/// | operation | Redis |
/// |---|---|
/// | lookup | `MGET {p}{<id>}:<ns> {p}{<id>}:<ns>:lease` (one slot: the id is the hash tag) |
/// | lease | `SET {p}{<id>}:<ns>:lease 1 NX PX <lease ms>` and `GET {p}{<id>}:<ns>` (one pipeline: a value stored since the lookup is used) |
/// | store | `SET {p}{<id>}:<ns> <sealed> PX <ttl ms>` and `DEL …:lease` (one pipeline); `SADD {p}u:{<user>} <key>` and `PEXPIRE` one day (another) |
/// | release | `DEL {p}{<id>}:<ns>:lease` |
/// | invalidate a token | `DEL` of its key in each namespace (one slot), then `PUBLISH {p}invalidate t:<id>` |
/// | invalidate a user | `SMEMBERS {p}u:{<user>}`, `DEL` of each key and of the index, then `PUBLISH {p}invalidate u:<user>` |
///
/// `{p}` is the key prefix (default [`DEFAULT_CACHE_KEY_PREFIX`]); ids are the keyed hashes
/// of [`polyauth_core::SharedCache`], values are sealed by it: nothing stored here reveals a
/// token or a profile. A subscriber task receives the published invalidations and hands them
/// to the listeners; when its connection drops it reconnects (through each seed node of a
/// cluster in turn) and then tells the listeners to drop everything in process, since
/// invalidations may have been missed meanwhile. The task stops when the tier is dropped.
///
/// ```no_run
/// # async fn demo() -> polyauth_core::Result<()> {
/// use std::sync::Arc;
/// use polyauth_core::cache::SharedCacheConfig;
/// use polyauth_core::{CacheConfig, Secret, SharedCache, VerifiedToken, VerifyCache};
/// use polyauth_redis::{RedisOptions, RedisSharedTier};
///
/// let tier = RedisSharedTier::connect("redis://127.0.0.1:6379/", RedisOptions::default()).await?;
/// let secret = Secret::new(std::env::var("CACHE_KEY_SECRET").unwrap_or_default());
/// let shared = SharedCache::new(Arc::new(tier), SharedCacheConfig::new(secret))?;
/// let cache: VerifyCache<VerifiedToken> =
///     VerifyCache::shared(CacheConfig::default(), &shared, "my-idp:verify");
/// # let _ = cache; Ok(()) }
/// ```
pub struct RedisSharedTier {
    conn: RedisConnection,
    prefix: String,
    channel: String,
    endpoint: String,
    listeners: Arc<InvalidationListeners>,
    /// Dropping it stops the subscriber task.
    _stop: oneshot::Sender<()>,
}

impl fmt::Debug for RedisSharedTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSharedTier")
            .field("endpoint", &self.endpoint)
            .field("key_prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisSharedTier {
    /// Connects to `url` (as [`crate::RedisStateStore::connect`]: a single server or
    /// `redis+cluster://` seed nodes) with `options` (its key prefix should differ from the
    /// state store's: use [`DEFAULT_CACHE_KEY_PREFIX`] unless several applications share
    /// one Redis), and subscribes to invalidations before it returns.
    ///
    /// Errors: `ConfigInvalid` for a URL that does not parse; `Unavailable` when Redis cannot
    /// be reached or the subscription fails.
    pub async fn connect(url: &str, options: RedisOptions) -> Result<Self> {
        let target = Target::parse(url)?;
        let conn = target.connect(&options).await?;
        let prefix = options.key_prefix;
        let channel = format!("{prefix}invalidate");
        let listeners: Arc<InvalidationListeners> = Arc::default();
        let first = subscribe(&target, 0, &channel).await?;
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(listen(
            target,
            channel.clone(),
            Arc::downgrade(&listeners),
            first,
            stopped,
        ));
        Ok(RedisSharedTier {
            conn,
            prefix,
            channel,
            endpoint: redact_url(url),
            listeners,
            _stop: stop,
        })
    }

    fn key(&self, namespace: &str, id: &CacheId) -> String {
        format!("{}{{{}}}:{namespace}", self.prefix, id.to_hex())
    }

    fn lease_key(&self, namespace: &str, id: &CacheId) -> String {
        format!("{}:lease", self.key(namespace, id))
    }

    fn user_key(&self, user: &CacheId) -> String {
        format!("{}u:{{{}}}", self.prefix, user.to_hex())
    }

    async fn pipeline(&self, pipe: &redis::Pipeline, operation: &'static str) -> Result<()> {
        let mut conn = self.conn.clone();
        pipe.query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, operation))
    }

    async fn query<T: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
        operation: &'static str,
    ) -> Result<T> {
        let mut conn = self.conn.clone();
        cmd.query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, operation))
    }
}

/// Subscribes to `channel` through the first client (from `start`, in turn) that answers.
async fn subscribe(target: &Target, start: usize, channel: &str) -> Result<redis::aio::PubSub> {
    let mut last = None;
    for i in 0..target.subscribe_choices() {
        let client = target.subscribe_client(start + i).await?;
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(channel).await {
                Ok(()) => return Ok(pubsub),
                Err(e) => last = Some(e),
            },
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => redis_error(e, "subscribe"),
        None => Error::config("no Redis node to subscribe through"),
    })
}

/// The subscriber task: hands each published invalidation to the listeners; after a dropped
/// connection, resubscribes (backing off up to 2 s) and has the listeners drop everything.
async fn listen(
    target: Target,
    channel: String,
    listeners: std::sync::Weak<InvalidationListeners>,
    first: redis::aio::PubSub,
    mut stop: oneshot::Receiver<()>,
) {
    let mut pubsub = Some(first);
    let mut attempt = 0usize;
    loop {
        if let Some(current) = pubsub.take() {
            let mut messages = current.into_on_message();
            loop {
                tokio::select! {
                    _ = &mut stop => return,
                    message = messages.next() => match message {
                        Some(message) => {
                            let Ok(text) = message.get_payload::<String>() else { continue };
                            if let Some(what) = Invalidation::decode(&text)
                                && !dispatch(&listeners, &what).await
                            {
                                return;
                            }
                        }
                        None => break,
                    },
                }
            }
            tracing::warn!("the shared cache's invalidation subscription dropped; resubscribing");
        }
        let pause =
            Duration::from_millis(50 * 2u64.pow(attempt.min(5) as u32)).min(Duration::from_secs(2));
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(pause) => {}
        }
        match subscribe(&target, attempt, &channel).await {
            Ok(resubscribed) => {
                attempt = 0;
                tracing::info!("the shared cache's invalidation subscription is back");
                // Invalidations published meanwhile were missed: drop everything in process.
                if !dispatch(&listeners, &Invalidation::All).await {
                    return;
                }
                pubsub = Some(resubscribed);
            }
            Err(_) => attempt += 1,
        }
    }
}

/// Hands `what` to every listener; `false` once the tier is gone.
async fn dispatch(listeners: &std::sync::Weak<InvalidationListeners>, what: &Invalidation) -> bool {
    match listeners.upgrade() {
        Some(listeners) => {
            listeners.dispatch(what).await;
            true
        }
        None => false,
    }
}

#[async_trait]
impl SharedTier for RedisSharedTier {
    async fn lookup(&self, namespace: &str, id: &CacheId) -> Result<Lookup> {
        let mut cmd = redis::cmd("MGET");
        cmd.arg(self.key(namespace, id))
            .arg(self.lease_key(namespace, id));
        let (value, lease): (Option<Vec<u8>>, Option<Vec<u8>>) =
            self.query(&cmd, "cache_lookup").await?;
        Ok(Lookup {
            value,
            leased: lease.is_some(),
        })
    }

    async fn lease(&self, namespace: &str, id: &CacheId, ttl: Duration) -> Result<Lease> {
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(self.lease_key(namespace, id))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .cmd("GET")
            .arg(self.key(namespace, id));
        let mut conn = self.conn.clone();
        let (taken, value): (Option<String>, Option<Vec<u8>>) =
            pipe.query_async(&mut conn)
                .await
                .map_err(|e| redis_error(e, "cache_lease"))?;
        Ok(Lease {
            taken: taken.is_some(),
            value,
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
        let key = self.key(namespace, id);
        // One round trip (both keys share the token's slot), the value before the lease: a
        // waiter that sees the lease gone finds the value.
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(&key)
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .ignore()
            .cmd("DEL")
            .arg(self.lease_key(namespace, id))
            .ignore();
        self.pipeline(&pipe, "cache_store").await?;
        if let Some(user) = user {
            let index = self.user_key(user);
            let mut pipe = redis::pipe();
            pipe.cmd("SADD")
                .arg(&index)
                .arg(&key)
                .ignore()
                .cmd("PEXPIRE")
                .arg(&index)
                .arg(USER_INDEX_TTL_MS)
                .ignore();
            self.pipeline(&pipe, "cache_store").await?;
        }
        Ok(())
    }

    async fn release(&self, namespace: &str, id: &CacheId) -> Result<()> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.lease_key(namespace, id));
        self.query(&cmd, "cache_release").await
    }

    async fn invalidate(&self, what: &Invalidation, namespaces: &[&str]) -> Result<()> {
        match what {
            Invalidation::Token(id) if !namespaces.is_empty() => {
                // Every key of one token shares its hash slot: one DEL.
                let mut cmd = redis::cmd("DEL");
                for ns in namespaces {
                    cmd.arg(self.key(ns, id));
                }
                self.query::<()>(&cmd, "cache_invalidate").await?;
            }
            Invalidation::User(user) => {
                let index = self.user_key(user);
                let mut members = redis::cmd("SMEMBERS");
                members.arg(&index);
                let keys: Vec<String> = self.query(&members, "cache_invalidate").await?;
                // The keys lie in other slots than the index (and each other): one DEL each.
                let deletes = keys.iter().chain(std::iter::once(&index)).map(|key| {
                    let mut cmd = redis::cmd("DEL");
                    cmd.arg(key);
                    async move { self.query::<()>(&cmd, "cache_invalidate").await }
                });
                for result in futures::future::join_all(deletes).await {
                    result?;
                }
            }
            // `All` is never published (it stands for missed messages); other kinds may come.
            Invalidation::Token(_) => {}
            _ => return Ok(()),
        }
        let mut publish = redis::cmd("PUBLISH");
        publish.arg(&self.channel).arg(what.encode());
        self.query(&publish, "cache_publish").await
    }

    fn subscribe(&self, listener: Arc<dyn InvalidationListener>) {
        self.listeners.add(listener);
    }
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}
