#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use polyauth_core::{Error, ErrorKind, Result, StateStore};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The key prefix used unless [`RedisOptions::key_prefix`] says otherwise.
pub const DEFAULT_KEY_PREFIX: &str = "polyauth:state:";

/// Connection and key settings of a [`RedisStateStore`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisOptions {
    /// Prepended to every key (default [`DEFAULT_KEY_PREFIX`]), so several applications or
    /// test runs can share one Redis database.
    pub key_prefix: String,
    /// Timeout of one TCP connect to Redis (default 2 s).
    pub connect_timeout: Duration,
    /// Timeout of one command's answer (default 2 s). A Redis that stops answering fails the
    /// call with `Unavailable` after this long instead of hanging the request.
    pub response_timeout: Duration,
    /// How many times the connection manager retries a failed (re)connect before it reports
    /// the failure (default 2). Between calls it keeps reconnecting in the background.
    pub reconnect_retries: usize,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(2),
            reconnect_retries: 2,
        }
    }
}

impl RedisOptions {
    /// The defaults with another key prefix.
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }
}

/// A [`StateStore`] in Redis, shared by every application instance that connects to the same
/// database.
///
/// - `put` is `SET {prefix}{key} {value} PX {ttl in milliseconds} NX`: the TTL keeps
///   millisecond precision (a sub-millisecond TTL is rounded up to 1 ms) and `NX` refuses to
///   overwrite a live key (`ErrorKind::InvalidState`).
/// - `take` is `GETDEL {prefix}{key}` (Redis 6.2 or newer): one atomic command, so of any
///   number of concurrent takes of one key, across any number of instances, exactly one gets
///   the value.
/// - The connection is a `redis` [`ConnectionManager`]: one multiplexed connection, cheap to
///   clone, that reconnects by itself after Redis restarts or the network drops. While Redis is
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
    conn: ConnectionManager,
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
    /// `redis://[:password@]host[:port][/db]` (or `redis+unix:///path`).
    ///
    /// Errors: `ConfigInvalid` for a URL that does not parse, `Unavailable` when Redis cannot
    /// be reached within the connect timeout and retries.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects with the given options. Errors: as [`connect`](Self::connect).
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self> {
        let endpoint = redact_url(url);
        let client = redis::Client::open(url).map_err(|e| {
            Error::config("the Redis URL is not valid (expected redis://host:port/db)")
                .with_source(e)
                .with_context("redis", "connect")
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.response_timeout))
            .set_number_of_retries(options.reconnect_retries)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| redis_error(e, "connect"))?;
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

/// Maps a Redis error: a value of the wrong type is `Protocol`, everything else (connection
/// refused or dropped, timeouts, server errors such as `LOADING` or an unknown command) is
/// `Unavailable`. The Redis error is kept as the source; it names no URL or password.
fn redis_error(e: redis::RedisError, operation: &'static str) -> Error {
    let err = match e.kind() {
        redis::ErrorKind::UnexpectedReturnType | redis::ErrorKind::Parse => {
            Error::protocol("Redis answered with an unexpected value")
        }
        redis::ErrorKind::AuthenticationFailed | redis::ErrorKind::InvalidClientConfig => {
            Error::config("Redis refused the credentials or the client configuration")
        }
        _ if e.is_timeout() => Error::unavailable("Redis did not answer in time"),
        _ if e.is_connection_refusal() || e.is_io_error() || e.is_connection_dropped() => {
            Error::unavailable("Redis cannot be reached")
        }
        _ => Error::unavailable("the Redis command failed"),
    };
    err.with_source(e).with_context("redis", operation)
}

/// A URL for `Debug` output with any user name and password removed.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://[redacted]@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("redis://:hunter2@10.0.0.1:6379/0"),
            "redis://[redacted]@10.0.0.1:6379/0"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379/"),
            "redis://127.0.0.1:6379/"
        );
    }

    /// A server that answers every command with an error, as a Redis older than 6.2 answers
    /// `GETDEL`: connecting is a configuration error, not an outage.
    #[tokio::test]
    async fn a_server_without_getdel_is_a_configuration_error() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        // One error reply per command in the read (RESP arrays start with '*').
                        let commands = buf[..n].iter().filter(|b| **b == b'*').count().max(1);
                        for _ in 0..commands {
                            if socket.write_all(b"-ERR unknown command\r\n").await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        let e = RedisStateStore::connect(&format!("redis://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{e:?}");
        assert!(e.message().contains("GETDEL"), "{e}");
    }

    #[tokio::test]
    async fn bad_urls_are_config_errors() {
        let e = RedisStateStore::connect("http://:hunter2@nowhere/")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(!format!("{e} {e:?}").contains("hunter2"));
    }
}
