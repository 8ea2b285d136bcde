//! [`RedisStateStore`]: one-time state (OAuth `state`, replay guards) in Redis.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use polyauth_core::{Error, ErrorKind, Result, StateStore};

use crate::conn::{RedisConnection, Target};
use crate::{RedisOptions, redact_url, redis_error};

/// A [`StateStore`] in Redis, shared by every application instance that connects to the same
/// database.
///
/// - `put` is `SET {prefix}{key} {value} PX {ttl in milliseconds} NX`: the TTL keeps
///   millisecond precision (a sub-millisecond TTL is rounded up to 1 ms) and `NX` refuses to
///   overwrite a live key (`ErrorKind::InvalidState`).
/// - `take` is `GETDEL {prefix}{key}` (Redis 6.2 or newer): one atomic command, so of any
///   number of concurrent takes of one key, across any number of instances, exactly one gets
///   the value.
/// - On one server the connection is a `redis` [`ConnectionManager`](redis::aio::ConnectionManager):
///   one multiplexed connection, cheap to clone, that reconnects by itself after Redis restarts
///   or the network drops (a cluster connection follows `MOVED`/`ASK` and reloads the slot map;
///   through Sentinel the client moves to the promoted master). While Redis is
///   unreachable every call fails with `ErrorKind::Unavailable` (temporary) carrying the Redis
///   error as its source; neither the URL nor its password appears in any message or `Debug`
///   output.
///
/// ```no_run
/// # async fn demo() -> polyauth_core::Result<()> {
/// use std::time::Duration;
/// use polyauth_core::StateStore;
/// use polyauth_redis::RedisStateStore;
///
/// let store = RedisStateStore::connect("redis://127.0.0.1:6379/").await?;
/// store.put("state-1", "{}", Duration::from_secs(300)).await?;
/// assert_eq!(store.take("state-1").await?.as_deref(), Some("{}"));
/// assert_eq!(store.take("state-1").await?, None);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStateStore {
    conn: RedisConnection,
    prefix: String,
    endpoint: String,
}

impl fmt::Debug for RedisStateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStateStore")
            .field("endpoint", &self.endpoint)
            .field("key_prefix", &self.prefix)
            .finish()
    }
}

impl RedisStateStore {
    /// Connects with the default [`RedisOptions`]. `url` is a Redis URL:
    /// `redis://[:password@]host[:port][/db]` (or `redis+unix:///path`), a Redis Cluster's
    /// seed nodes, `redis+cluster://[:password@]host:port,host:port/` (each key is one
    /// command, so every operation stays within one hash slot), or Sentinels and the name of
    /// the master they manage, `redis+sentinel://[:password@]host:port,host:port/<name>`.
    ///
    /// Errors: `ConfigInvalid` for a URL that does not parse, `Unavailable` when Redis cannot
    /// be reached within the connect timeout and retries.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects with the given options. Errors: as [`connect`](Self::connect).
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self> {
        let endpoint = redact_url(url);
        let conn = Target::parse(url)?.connect(&options).await?;
        let store = RedisStateStore {
            conn,
            prefix: options.key_prefix,
            endpoint,
        };
        store.probe_getdel().await?;
        Ok(store)
    }

    /// `take` needs `GETDEL` (Redis ≥ 6.2). Asking for a key that does not exist tells at
    /// start-up whether the server has it: an older server is a configuration error then,
    /// instead of an "outage" on every OAuth callback later.
    async fn probe_getdel(&self) -> Result<()> {
        let mut conn = self.conn.clone();
        let probe = format!("{}__polyauth_getdel_probe__", self.prefix);
        match redis::cmd("GETDEL")
            .arg(probe)
            .query_async::<Option<String>>(&mut conn)
            .await
        {
            Ok(_) => Ok(()),
            // The server answered with an error of its own (not a transport failure).
            Err(e) if e.code().is_some() && !e.is_io_error() && !e.is_timeout() => {
                Err(Error::config(
                    "the Redis server does not support GETDEL: Redis 6.2 or newer is needed",
                )
                .with_source(e)
                .with_context("redis", "connect"))
            }
            Err(e) => Err(redis_error(e, "connect")),
        }
    }

    /// The same connection with another key prefix (a second logical store).
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// Sends `PING`. Errors: `Unavailable` when Redis does not answer.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| redis_error(e, "ping"))
    }

    fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }
}

#[async_trait]
impl StateStore for RedisStateStore {
    /// `SET {prefix}{key} {value} PX {ttl_ms} NX`.
    ///
    /// Errors: `InvalidInput` for a zero TTL, `InvalidState` when the key is already stored,
    /// `Unavailable` when Redis cannot be reached or does not answer in time.
    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<()> {
        if ttl.is_zero() {
            return Err(Error::invalid_input("state TTL must be positive")
                .with_context("redis", "state_put"));
        }
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut conn = self.conn.clone();
        let stored: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(millis)
            .arg("NX")
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "state_put"))?;
        match stored {
            Some(_) => Ok(()),
            None => Err(Error::new(
                ErrorKind::InvalidState,
                "a state with this key is already stored",
            )
            .with_context("redis", "state_put")),
        }
    }

    /// `GETDEL {prefix}{key}`. Errors: `Unavailable` when Redis cannot be reached or does not
    /// answer in time, `Protocol` when the stored value is not UTF-8 text.
    async fn take(&self, key: &str) -> Result<Option<String>> {
        let mut conn = self.conn.clone();
        redis::cmd("GETDEL")
            .arg(self.key(key))
            .query_async::<Option<String>>(&mut conn)
            .await
            .map_err(|e| redis_error(e, "state_take"))
    }
}
