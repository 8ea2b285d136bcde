#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::time::Duration;

use polyauth_core::Error;

mod cache;
mod conn;
mod state;

pub use cache::{DEFAULT_CACHE_KEY_PREFIX, RedisSharedTier};
pub use conn::{CLUSTER_SCHEME, SENTINEL_SCHEME};
pub use state::RedisStateStore;

/// The key prefix used unless [`RedisOptions::key_prefix`] says otherwise.
pub const DEFAULT_KEY_PREFIX: &str = "polyauth:state:";

/// Connection and key settings of a [`RedisStateStore`] or a [`RedisSharedTier`].
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

/// Maps a Redis error: a value of the wrong type is `Protocol`, everything else (connection
/// refused or dropped, timeouts, server errors such as `LOADING` or an unknown command) is
/// `Unavailable`. The Redis error is kept as the source; it names no URL or password.
pub(crate) fn redis_error(e: redis::RedisError, operation: &'static str) -> Error {
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
pub(crate) fn redact_url(url: &str) -> String {
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
    use polyauth_core::ErrorKind;

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
