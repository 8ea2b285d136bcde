//! Configuration of the AIGC client and provider: [`AigcConfig`], its file form
//! [`AigcConfigFile`], and [`AigcConfig::from_env`].

use std::time::Duration;

use polyauth_core::env::Env;
use polyauth_core::{CacheConfig, ClientSecret, Error, Result};
use serde::Deserialize;

/// Environment variable of the application id (the reference SDK's name).
pub const ENV_APP_ID: &str = "AIGC_AUTH_APP_ID";
/// Environment variable of the application secret (the reference SDK's name).
pub const ENV_APP_SECRET: &str = "AIGC_AUTH_APP_SECRET";
/// Environment variable of the API prefix, such as `https://host/aigc-auth` (the reference
/// SDK's name). Routes live at `{base_url}/sdk/...`.
pub const ENV_BASE_URL: &str = "AIGC_AUTH_BASE_URL";
/// Request timeout in seconds (polyauth's own variable).
pub const ENV_TIMEOUT_SECONDS: &str = "AIGC_AUTH_TIMEOUT_SECONDS";
/// Positive cache TTL in seconds; `0` disables the cache (polyauth's own variable).
pub const ENV_CACHE_TTL_SECONDS: &str = "AIGC_AUTH_CACHE_TTL_SECONDS";
/// Negative (invalid-token) cache TTL in seconds (polyauth's own variable).
pub const ENV_NEGATIVE_CACHE_TTL_SECONDS: &str = "AIGC_AUTH_NEGATIVE_CACHE_TTL_SECONDS";
/// Maximum number of cached tokens (polyauth's own variable).
pub const ENV_CACHE_CAPACITY: &str = "AIGC_AUTH_CACHE_CAPACITY";
/// Retries of read-only calls after a transport error or a 502/503/504 (polyauth's own
/// variable).
pub const ENV_MAX_RETRIES: &str = "AIGC_AUTH_MAX_RETRIES";
/// The variable of the response-body cap, in bytes.
pub const ENV_MAX_RESPONSE_BYTES: &str = "AIGC_AUTH_MAX_RESPONSE_BYTES";

/// Default request timeout: 10 s (the reference uses 30 s; a request waiting on the
/// middleware should fail sooner).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default positive cache TTL: 60 s. The reference keeps answers 300 s, so a revoked token
/// keeps working for five minutes; 60 s bounds that window while still absorbing bursts.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(60);
/// Default negative TTL for a definite "invalid token" answer: 5 s (a client hammering a bad
/// token does not hammer the auth center; a token that becomes valid is seen within 5 s).
pub const DEFAULT_NEGATIVE_CACHE_TTL: Duration = Duration::from_secs(5);
/// Default cache capacity: 10,000 tokens (least recently used evicted first).
pub const DEFAULT_CACHE_CAPACITY: u64 = 10_000;
/// Every environment variable the AIGC backend reads ([`AigcConfig::from_env`] and the webhook
/// receiver's), plus the reference SDK's own variables that polyauth accepts without using
/// (`AIGC_AUTH_SYNC_ENABLED`, `AIGC_AUTH_SYNC_PASSWORD`, `AIGC_AUTH_WEBHOOK_URL`: its legacy
/// sync, configured in `polyauth-aigc-sync` by a mapping file). The `polyauth` facade refuses
/// other `AIGC_AUTH_` variables, so that a typo cannot turn a setting off.
pub const ENV_KEYS: &[&str] = &[
    ENV_APP_ID,
    ENV_APP_SECRET,
    ENV_BASE_URL,
    ENV_TIMEOUT_SECONDS,
    ENV_CACHE_TTL_SECONDS,
    ENV_NEGATIVE_CACHE_TTL_SECONDS,
    ENV_CACHE_CAPACITY,
    ENV_MAX_RETRIES,
    ENV_MAX_RESPONSE_BYTES,
    "AIGC_AUTH_WEBHOOK_SECRET",
    "AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS",
    "AIGC_AUTH_SYNC_ENABLED",
    "AIGC_AUTH_SYNC_PASSWORD",
    "AIGC_AUTH_WEBHOOK_URL",
];

/// Default response-body cap: 2 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 2 * 1024 * 1024;

/// Everything the AIGC client needs.
///
/// Build it with [`AigcConfig::new`] and the `with_*` methods, from the environment
/// ([`AigcConfig::from_env`]) or from a configuration file ([`AigcConfigFile`]).
/// `Debug` never shows the secret.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(try_from = "AigcConfigFile")]
#[non_exhaustive]
pub struct AigcConfig {
    /// The application id (`X-App-ID`).
    pub app_id: String,
    /// The application secret (`X-App-Secret`), sent on every call to the auth center.
    pub app_secret: ClientSecret,
    /// The API prefix (`https://host/aigc-auth`); calls go to `{base_url}/sdk/...`. A
    /// trailing slash is removed.
    pub base_url: url::Url,
    /// Timeout of one call (connect, send, whole answer). Default [`DEFAULT_TIMEOUT`].
    pub timeout: Duration,
    /// The verification cache in front of `verify_token` and `get_user_info` (access-key
    /// checks are never cached, as in the reference); `None` disables it. Default: TTL [`DEFAULT_CACHE_TTL`], negative TTL
    /// [`DEFAULT_NEGATIVE_CACHE_TTL`], capacity [`DEFAULT_CACHE_CAPACITY`].
    pub cache: Option<CacheConfig>,
    /// Retries of read-only calls (verify, user info, batch reads, lists) after a transport
    /// error or a 502/503/504. Default 0: each retry can add a whole timeout to a request
    /// waiting in the middleware.
    pub max_retries: u32,
    /// Largest answer accepted, in bytes; larger ones are `Protocol` errors. Default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`].
    pub max_response_bytes: usize,
}

impl AigcConfig {
    /// A configuration with the defaults. Errors: `ConfigInvalid` when `app_id` or
    /// `app_secret` is empty or `base_url` is not an absolute `http(s)` URL.
    pub fn new(
        app_id: impl Into<String>,
        app_secret: ClientSecret,
        base_url: &str,
    ) -> Result<Self> {
        let app_id = app_id.into().trim().to_owned();
        if app_id.is_empty() {
            return Err(Error::config("the AIGC app id is empty"));
        }
        if app_secret.is_empty() {
            return Err(Error::config("the AIGC app secret is empty"));
        }
        Ok(AigcConfig {
            app_id,
            app_secret,
            base_url: parse_base_url(base_url)?,
            timeout: DEFAULT_TIMEOUT,
            cache: Some(CacheConfig {
                ttl: DEFAULT_CACHE_TTL,
                negative_ttl: DEFAULT_NEGATIVE_CACHE_TTL,
                capacity: DEFAULT_CACHE_CAPACITY,
            }),
            max_retries: 0,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        })
    }

    /// Sets the timeout of one call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the cache (`None` disables it).
    pub fn with_cache(mut self, cache: Option<CacheConfig>) -> Self {
        self.cache = cache;
        self
    }

    /// Sets the retries of read-only calls.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the response-body cap in bytes.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The URL of an endpoint: `{base_url}/sdk{path}` (`path` starts with `/`). Built from
    /// the parsed base URL (only the path is parsed again: this runs on every call).
    pub fn endpoint(&self, path: &str) -> url::Url {
        let mut url = self.base_url.clone();
        let base = url.path().trim_end_matches('/');
        let full = format!("{base}/sdk{path}");
        url.set_path(&full);
        url
    }

    /// Reads [`ENV_APP_ID`], [`ENV_APP_SECRET`] and [`ENV_BASE_URL`] (required), and
    /// [`ENV_TIMEOUT_SECONDS`], [`ENV_CACHE_TTL_SECONDS`], [`ENV_NEGATIVE_CACHE_TTL_SECONDS`],
    /// [`ENV_CACHE_CAPACITY`], [`ENV_MAX_RETRIES`], [`ENV_MAX_RESPONSE_BYTES`] (optional) from `env`:
    /// every key of [`AigcConfigFile`] has its variable.
    ///
    /// Errors: `ConfigInvalid` naming the variable that is missing or invalid. Unlike the
    /// reference, a missing base URL is an error here, not a client that fails every call.
    pub fn from_env(env: &Env) -> Result<Self> {
        let file = AigcConfigFile {
            app_id: env.required(ENV_APP_ID)?,
            app_secret: ClientSecret::new(env.required(ENV_APP_SECRET)?),
            base_url: env.required(ENV_BASE_URL)?,
            timeout_seconds: env.parse(ENV_TIMEOUT_SECONDS)?,
            cache_ttl_seconds: env.parse(ENV_CACHE_TTL_SECONDS)?,
            negative_cache_ttl_seconds: env.parse(ENV_NEGATIVE_CACHE_TTL_SECONDS)?,
            cache_capacity: env.parse(ENV_CACHE_CAPACITY)?,
            max_retries: env.parse(ENV_MAX_RETRIES)?,
            max_response_bytes: env.parse(ENV_MAX_RESPONSE_BYTES)?,
        };
        file.into_config()
    }
}

impl AigcConfig {
    /// Checks the numbers against their documented ranges: `timeout_seconds` 1–300, the cache
    /// (`cache_ttl_seconds`, `negative_cache_ttl_seconds` at most 86,400, `cache_capacity`;
    /// see [`CacheConfig::validate`]), `max_retries` 0–10, `max_response_bytes` 1 KiB–64 MiB.
    ///
    /// Errors: `ConfigInvalid` naming the key and its range.
    pub fn validate(&self) -> Result<()> {
        use polyauth_core::env::{check_duration, check_range};
        check_duration("timeout_seconds", self.timeout, Duration::from_secs(300))?;
        if let Some(cache) = &self.cache {
            cache.validate("cache")?;
        }
        check_range("max_retries", self.max_retries.into(), 0..=10, "retries")?;
        let bytes = u64::try_from(self.max_response_bytes).unwrap_or(u64::MAX);
        check_range(
            "max_response_bytes",
            bytes,
            1_024..=64 * 1_024 * 1_024,
            "bytes",
        )
    }
}

fn parse_base_url(text: &str) -> Result<url::Url> {
    let trimmed = text.trim().trim_end_matches('/');
    let url = url::Url::parse(trimmed).map_err(|_| {
        Error::config(
            "the AIGC base URL is not a valid absolute URL (expected https://host/prefix)",
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::config(
            "the AIGC base URL must be an http(s) URL with a host",
        ));
    }
    Ok(url)
}

/// The configuration-file form of [`AigcConfig`] (TOML or JSON, unknown keys rejected).
///
/// ```toml
/// provider = "aigc"            # in the polyauth facade's configuration
/// app_id = "my-app"
/// app_secret = "..."
/// base_url = "https://auth.example.com/aigc-auth"
/// timeout_seconds = 10         # optional, seconds
/// cache_ttl_seconds = 60       # optional, seconds; 0 disables the cache
/// negative_cache_ttl_seconds = 5
/// cache_capacity = 10000
/// max_retries = 0
/// max_response_bytes = 2097152
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AigcConfigFile {
    /// The application id.
    pub app_id: String,
    /// The application secret.
    pub app_secret: ClientSecret,
    /// The API prefix (`{base_url}/sdk/...`).
    pub base_url: String,
    /// Timeout of one call, in seconds.
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// Positive cache TTL in seconds; 0 disables the cache.
    #[serde(default)]
    pub cache_ttl_seconds: Option<u64>,
    /// Negative cache TTL in seconds; 0 disables negative caching.
    #[serde(default)]
    pub negative_cache_ttl_seconds: Option<u64>,
    /// Maximum number of cached tokens.
    #[serde(default)]
    pub cache_capacity: Option<u64>,
    /// Retries of read-only calls.
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// Response-body cap in bytes.
    #[serde(default)]
    pub max_response_bytes: Option<usize>,
}

impl TryFrom<AigcConfigFile> for AigcConfig {
    type Error = polyauth_core::Error;

    /// [`AigcConfigFile::into_config`]: a AigcConfig deserializes through its file form, so the
    /// checks of the file form apply to every serde source.
    fn try_from(file: AigcConfigFile) -> std::result::Result<Self, Self::Error> {
        file.into_config()
    }
}

impl AigcConfigFile {
    /// The configuration this file describes. Errors: `ConfigInvalid` as [`AigcConfig::new`]
    /// and [`AigcConfig::validate`].
    pub fn into_config(self) -> Result<AigcConfig> {
        let mut config = AigcConfig::new(self.app_id, self.app_secret, &self.base_url)?;
        if let Some(seconds) = self.timeout_seconds {
            config.timeout = Duration::from_secs(seconds);
        }
        let mut cache = config.cache.unwrap_or_default();
        if let Some(s) = self.cache_ttl_seconds {
            cache.ttl = Duration::from_secs(s);
        }
        if let Some(s) = self.negative_cache_ttl_seconds {
            cache.negative_ttl = Duration::from_secs(s);
        }
        if let Some(n) = self.cache_capacity {
            cache.capacity = n;
        }
        config.cache = (!cache.ttl.is_zero() && cache.capacity > 0).then_some(cache);
        if let Some(n) = self.max_retries {
            config.max_retries = n;
        }
        if let Some(n) = self.max_response_bytes {
            config.max_response_bytes = n;
        }
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyauth_core::ErrorKind;

    #[test]
    fn numbers_outside_their_ranges_are_config_errors_naming_the_key() {
        for (key, value, named) in [
            (
                "AIGC_AUTH_TIMEOUT_SECONDS",
                u64::MAX.to_string(),
                "timeout_seconds",
            ),
            (
                "AIGC_AUTH_TIMEOUT_SECONDS",
                "0".to_owned(),
                "timeout_seconds",
            ),
            (
                "AIGC_AUTH_CACHE_TTL_SECONDS",
                i64::MAX.to_string(),
                "cache_ttl_seconds",
            ),
            ("AIGC_AUTH_MAX_RETRIES", "1000".to_owned(), "max_retries"),
        ] {
            let env = Env::from_pairs([
                ("AIGC_AUTH_APP_ID", "1"),
                ("AIGC_AUTH_APP_SECRET", "s"),
                ("AIGC_AUTH_BASE_URL", "http://127.0.0.1:9/api"),
                (key, value.as_str()),
            ]);
            let e = AigcConfig::from_env(&env).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{key}: {e}");
            assert!(e.message().contains(named), "{key}: {e}");
        }
        let mut config =
            AigcConfig::new("1", ClientSecret::new("s"), "http://127.0.0.1:9/api").unwrap();
        config.timeout = Duration::MAX;
        assert!(
            crate::AigcClient::new(config).is_err(),
            "code-built configs are checked too"
        );
    }

    #[test]
    fn env_reads_reference_names_and_validates() {
        let env = Env::from_pairs([
            (ENV_APP_ID, "app1"),
            (ENV_APP_SECRET, "s3cret"),
            (ENV_BASE_URL, "http://127.0.0.1:9/api/"),
            (ENV_CACHE_TTL_SECONDS, "0"),
            (ENV_TIMEOUT_SECONDS, "3"),
        ]);
        let c = AigcConfig::from_env(&env).unwrap();
        assert_eq!(c.app_id, "app1");
        assert_eq!(
            c.endpoint("/user/info").as_str(),
            "http://127.0.0.1:9/api/sdk/user/info"
        );
        assert!(c.cache.is_none());
        assert_eq!(c.timeout, Duration::from_secs(3));
        assert!(!format!("{c:?}").contains("s3cret"));

        let e = AigcConfig::from_env(&Env::from_pairs([(ENV_APP_ID, "a")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains(ENV_APP_SECRET), "{e}");
        let e = AigcConfig::new("a", ClientSecret::new("s"), "None").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    }

    #[test]
    fn file_rejects_unknown_keys() {
        let e = serde_json::from_str::<AigcConfigFile>(
            r#"{"app_id":"a","app_secret":"s","base_url":"http://x","cache_tll_seconds":1}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("cache_tll_seconds"));
    }
}
