//! Configuration of the ShangCloud backend.

use std::time::Duration;

use polyauth_core::env::Env;
use polyauth_core::http::HttpConfig;
use polyauth_core::{CacheConfig, ClientSecret, Error, Result, Secret};
use serde::Deserialize;

/// The ShangCloud API host the reference SDK uses.
pub const DEFAULT_BASE_URL: &str = "https://api.yearnstudio.cn";
/// The scope the reference SDK asks for by default.
pub const DEFAULT_SCOPE: &str = "user:basic";
/// How long a `state` waits for its callback unless configured otherwise.
pub const DEFAULT_STATE_TTL: Duration = Duration::from_secs(300);

/// Every environment variable [`ShangCloudConfig::from_env`] reads (the `polyauth` facade
/// refuses other `SHANGCLOUD_` variables, so that a typo cannot turn a setting off).
pub const ENV_KEYS: &[&str] = &[
    "SHANGCLOUD_CLIENT_ID",
    "SHANGCLOUD_CLIENT_SECRET",
    "SHANGCLOUD_REDIRECT_URI",
    "SHANGCLOUD_SCOPE",
    "SHANGCLOUD_BASE_URL",
    "SHANGCLOUD_STATE_TTL_SECONDS",
    "SHANGCLOUD_TIMEOUT_SECONDS",
    "SHANGCLOUD_CACHE_TTL_SECONDS",
    "SHANGCLOUD_PKCE",
    "SHANGCLOUD_REFRESH",
    "SHANGCLOUD_REDIS_URL",
    "SHANGCLOUD_REDIS_KEY_PREFIX",
];

/// Everything the ShangCloud client needs. Build it with [`ShangCloudConfig::new`] and the
/// `with_*` methods, from TOML / JSON ([`ShangCloudConfigFile`]) or from the environment
/// ([`ShangCloudConfig::from_env`]).
///
/// `Debug` shows no secret (the client secret and the Redis URL, which may hold a password,
/// print as `[redacted]`).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(try_from = "ShangCloudConfigFile")]
#[non_exhaustive]
pub struct ShangCloudConfig {
    /// OAuth 2.0 `client_id`.
    pub client_id: String,
    /// OAuth 2.0 client secret (sent with HTTP Basic authentication to the token endpoint).
    pub client_secret: ClientSecret,
    /// The `redirect_uri` registered for the client (your callback route).
    pub redirect_uri: url::Url,
    /// Space-separated scopes (default `user:basic`; add `var:io` for variables and `mmo` for
    /// MMO rooms).
    pub scope: String,
    /// API base URL (default `https://api.yearnstudio.cn`); routes are appended to it.
    pub base_url: url::Url,
    /// How long a `state` stays valid between `authorization_url` and the callback
    /// (default 300 s).
    pub state_ttl: Duration,
    /// Whether to send a PKCE S256 challenge (RFC 7636) and its verifier (default off: the
    /// reference server's PKCE support is not documented).
    pub pkce: bool,
    /// Whether the refresh-token grant is offered (default on). It is the standard RFC 6749 §6
    /// grant, **not observed in the reference SDK** (which never refreshes): turn it off for a
    /// server that lacks it, and `refresh` becomes `Unsupported` (the provider's capabilities
    /// say `refresh: false`).
    pub refresh: bool,
    /// Timeouts, body cap and retries of the HTTP client (request timeout 10 s, as the
    /// reference SDK).
    pub http: HttpConfig,
    /// Cache of `user_info` / `verify` results of the provider (keyed by SHA-256 of the token);
    /// `None` disables it. Default 60 s TTL.
    pub cache: Option<CacheConfig>,
    /// A Redis URL for the state store, used by the `polyauth` facade's `build` when it is
    /// compiled with its `redis` feature (the client itself takes any `StateStore`).
    pub redis_url: Option<Secret>,
    /// Key prefix of that Redis state store (default `polyauth:shangcloud:state:`).
    pub redis_key_prefix: Option<String>,
}

impl ShangCloudConfig {
    /// A configuration with the reference SDK's defaults (scope `user:basic`, base URL
    /// `https://api.yearnstudio.cn`) and a 300 s state TTL.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: ClientSecret,
        redirect_uri: url::Url,
    ) -> Self {
        ShangCloudConfig {
            client_id: client_id.into(),
            client_secret,
            redirect_uri,
            scope: DEFAULT_SCOPE.to_owned(),
            base_url: default_base_url(),
            state_ttl: DEFAULT_STATE_TTL,
            pkce: false,
            refresh: true,
            http: HttpConfig::default(),
            cache: Some(CacheConfig::default()),
            redis_url: None,
            redis_key_prefix: None,
        }
    }

    /// Sets the API base URL (an emulator's, in tests).
    pub fn with_base_url(mut self, base_url: url::Url) -> Self {
        self.base_url = base_url;
        self
    }

    /// Replaces the scope (space-separated).
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Sets the state TTL.
    pub fn with_state_ttl(mut self, ttl: Duration) -> Self {
        self.state_ttl = ttl;
        self
    }

    /// Turns PKCE (S256) on or off.
    pub fn with_pkce(mut self, pkce: bool) -> Self {
        self.pkce = pkce;
        self
    }

    /// Turns the refresh-token grant on (the default) or off.
    pub fn with_refresh(mut self, refresh: bool) -> Self {
        self.refresh = refresh;
        self
    }

    /// Sets the HTTP settings.
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Sets (or with `None` disables) the provider's verification cache.
    pub fn with_cache(mut self, cache: Option<CacheConfig>) -> Self {
        self.cache = cache;
        self
    }

    /// Checks the settings. Errors: `ConfigInvalid` for an empty client id or secret, a client
    /// id containing `:` (HTTP Basic authentication cannot carry it unencoded), a base URL that
    /// is not http(s), and numbers outside their documented ranges (`state_ttl_seconds`
    /// 1–86,400, `timeout_seconds` 1–300, the cache as [`CacheConfig::validate`]), naming the
    /// key and the range.
    pub fn validate(&self) -> Result<()> {
        if self.client_id.trim().is_empty() {
            return Err(Error::config("ShangCloud needs a client_id"));
        }
        if self.client_id.contains(':') {
            return Err(Error::config(
                "ShangCloud client_id must not contain `:` (sent raw in HTTP Basic authentication)",
            ));
        }
        if self.client_secret.is_empty() {
            return Err(Error::config("ShangCloud needs a client_secret"));
        }
        {
            use polyauth_core::env::check_duration;
            check_duration(
                "state_ttl_seconds",
                self.state_ttl,
                Duration::from_secs(86_400),
            )?;
            check_duration(
                "timeout_seconds",
                self.http.timeout,
                Duration::from_secs(300),
            )?;
            if let Some(cache) = &self.cache {
                cache.validate("cache")?;
            }
        }
        if !matches!(self.base_url.scheme(), "http" | "https") {
            return Err(Error::config("ShangCloud base_url must be an http(s) URL"));
        }
        Ok(())
    }

    /// Reads the configuration from environment variables:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `SHANGCLOUD_CLIENT_ID` | OAuth client id (required) |
    /// | `SHANGCLOUD_CLIENT_SECRET` | OAuth client secret (required) |
    /// | `SHANGCLOUD_REDIRECT_URI` | your callback URL (required) |
    /// | `SHANGCLOUD_SCOPE` | space-separated scopes (default `user:basic`) |
    /// | `SHANGCLOUD_BASE_URL` | API base URL (default `https://api.yearnstudio.cn`) |
    /// | `SHANGCLOUD_STATE_TTL_SECONDS` | state lifetime in seconds (default 300) |
    /// | `SHANGCLOUD_PKCE` | `true` to send a PKCE S256 challenge (default false) |
    /// | `SHANGCLOUD_REFRESH` | `false` when the server has no refresh-token grant (default true) |
    /// | `SHANGCLOUD_TIMEOUT_SECONDS` | HTTP request timeout in seconds (default 10) |
    /// | `SHANGCLOUD_CACHE_TTL_SECONDS` | user-info cache TTL in seconds (default 60, 0 disables) |
    /// | `SHANGCLOUD_REDIS_URL` | Redis URL for the state store (facade feature `redis`) |
    /// | `SHANGCLOUD_REDIS_KEY_PREFIX` | key prefix in that Redis |
    ///
    /// Errors: `ConfigInvalid` naming the variable when a required one is missing or a value
    /// does not parse.
    pub fn from_env(env: &Env) -> Result<Self> {
        ShangCloudConfigFile {
            client_id: env.required("SHANGCLOUD_CLIENT_ID")?,
            client_secret: ClientSecret::new(env.required("SHANGCLOUD_CLIENT_SECRET")?),
            redirect_uri: env
                .parse("SHANGCLOUD_REDIRECT_URI")?
                .ok_or_else(|| Error::config("SHANGCLOUD_REDIRECT_URI is not set"))?,
            scope: env.get("SHANGCLOUD_SCOPE"),
            base_url: env.parse("SHANGCLOUD_BASE_URL")?,
            state_ttl_seconds: env.parse("SHANGCLOUD_STATE_TTL_SECONDS")?,
            pkce: env.bool("SHANGCLOUD_PKCE")?,
            refresh: env.bool("SHANGCLOUD_REFRESH")?,
            timeout_seconds: env.parse("SHANGCLOUD_TIMEOUT_SECONDS")?,
            cache_ttl_seconds: env.parse("SHANGCLOUD_CACHE_TTL_SECONDS")?,
            redis_url: env.secret("SHANGCLOUD_REDIS_URL"),
            redis_key_prefix: env.get("SHANGCLOUD_REDIS_KEY_PREFIX"),
        }
        .into_config()
    }
}

#[allow(clippy::expect_used)] // a constant, checked by the `default_base_url_parses` test
fn default_base_url() -> url::Url {
    url::Url::parse(DEFAULT_BASE_URL).expect("DEFAULT_BASE_URL is a valid URL")
}

/// The file / serde form of [`ShangCloudConfig`] (TOML, JSON, the facade's
/// `provider = "shangcloud"` section). Unknown keys are errors.
///
/// ```toml
/// provider = "shangcloud"          # in the facade's ProviderConfig
/// client_id = "your-client-id"
/// client_secret = "your-client-secret"
/// redirect_uri = "https://app.example.com/oauth/callback"
/// scope = "user:basic var:io"      # default "user:basic"
/// base_url = "https://api.yearnstudio.cn"
/// state_ttl_seconds = 300
/// pkce = false
/// refresh = true                   # false when the server has no refresh_token grant
/// timeout_seconds = 10
/// cache_ttl_seconds = 60           # 0 disables the user-info cache
/// redis_url = "redis://127.0.0.1:6379/0"   # state store in Redis (facade feature `redis`)
/// redis_key_prefix = "myapp:state:"
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShangCloudConfigFile {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: ClientSecret,
    /// Callback URL.
    pub redirect_uri: url::Url,
    /// Space-separated scopes (default `user:basic`).
    #[serde(default)]
    pub scope: Option<String>,
    /// API base URL.
    #[serde(default)]
    pub base_url: Option<url::Url>,
    /// State lifetime in seconds (default 300).
    #[serde(default)]
    pub state_ttl_seconds: Option<u64>,
    /// PKCE S256 on (default false).
    #[serde(default)]
    pub pkce: Option<bool>,
    /// Refresh-token grant offered (default true; the reference SDK never refreshes).
    #[serde(default)]
    pub refresh: Option<bool>,
    /// HTTP request timeout in seconds (default 10).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// User-info cache TTL in seconds (default 60; 0 disables the cache).
    #[serde(default)]
    pub cache_ttl_seconds: Option<u64>,
    /// Redis URL for the state store.
    #[serde(default)]
    pub redis_url: Option<Secret>,
    /// Key prefix in that Redis.
    #[serde(default)]
    pub redis_key_prefix: Option<String>,
}

impl TryFrom<ShangCloudConfigFile> for ShangCloudConfig {
    type Error = polyauth_core::Error;

    /// [`ShangCloudConfigFile::into_config`]: a ShangCloudConfig deserializes through its file form, so the
    /// checks of the file form apply to every serde source.
    fn try_from(file: ShangCloudConfigFile) -> std::result::Result<Self, Self::Error> {
        file.into_config()
    }
}

impl ShangCloudConfigFile {
    /// Validates and converts into a [`ShangCloudConfig`].
    /// Errors: `ConfigInvalid` as [`ShangCloudConfig::validate`].
    pub fn into_config(self) -> Result<ShangCloudConfig> {
        let mut c = ShangCloudConfig::new(self.client_id, self.client_secret, self.redirect_uri);
        if let Some(scope) = self.scope {
            c.scope = scope;
        }
        if let Some(base) = self.base_url {
            c.base_url = base;
        }
        if let Some(ttl) = self.state_ttl_seconds {
            c.state_ttl = Duration::from_secs(ttl);
        }
        c.pkce = self.pkce.unwrap_or(false);
        c.refresh = self.refresh.unwrap_or(true);
        if let Some(t) = self.timeout_seconds {
            if t == 0 {
                return Err(Error::config("ShangCloud timeout_seconds must be positive"));
            }
            c.http = c.http.with_timeout(Duration::from_secs(t));
        }
        match self.cache_ttl_seconds {
            Some(0) => c.cache = None,
            Some(ttl) => {
                if let Some(cache) = c.cache.as_mut() {
                    cache.ttl = Duration::from_secs(ttl);
                }
            }
            None => {}
        }
        c.redis_url = self.redis_url;
        c.redis_key_prefix = self.redis_key_prefix;
        c.validate()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyauth_core::ErrorKind;

    #[test]
    fn numbers_outside_their_ranges_are_config_errors_naming_the_key() {
        for key in ["state_ttl_seconds", "timeout_seconds", "cache_ttl_seconds"] {
            let file: ShangCloudConfigFile = serde_json::from_value(serde_json::json!({
                "client_id": "c", "client_secret": "s",
                "redirect_uri": "https://app.example/cb", key: i64::MAX,
            }))
            .unwrap();
            let e = file.into_config().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{key}: {e}");
            assert!(e.message().contains(key), "{e}");
        }
    }

    #[test]
    fn default_base_url_parses() {
        assert_eq!(default_base_url().as_str(), "https://api.yearnstudio.cn/");
    }

    #[test]
    fn env_reads_every_variable_and_names_missing_ones() {
        let e = ShangCloudConfig::from_env(&Env::from_pairs([("X", "1")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains("SHANGCLOUD_CLIENT_ID"), "{e}");
        let c = ShangCloudConfig::from_env(&Env::from_pairs([
            ("SHANGCLOUD_CLIENT_ID", "cid"),
            ("SHANGCLOUD_CLIENT_SECRET", "top-secret"),
            ("SHANGCLOUD_REDIRECT_URI", "https://app.example/cb"),
            ("SHANGCLOUD_SCOPE", "user:basic mmo"),
            ("SHANGCLOUD_STATE_TTL_SECONDS", "120"),
            ("SHANGCLOUD_PKCE", "yes"),
            ("SHANGCLOUD_REFRESH", "false"),
            ("SHANGCLOUD_TIMEOUT_SECONDS", "3"),
            ("SHANGCLOUD_CACHE_TTL_SECONDS", "0"),
            ("SHANGCLOUD_REDIS_URL", "redis://:pw-123@127.0.0.1/"),
        ]))
        .unwrap();
        assert_eq!(c.scope, "user:basic mmo");
        assert_eq!(c.state_ttl, Duration::from_secs(120));
        assert!(c.pkce);
        assert!(!c.refresh);
        assert_eq!(c.http.timeout, Duration::from_secs(3));
        assert!(c.cache.is_none());
        assert_eq!(c.base_url.as_str(), "https://api.yearnstudio.cn/");
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("top-secret") && !debug.contains("pw-123"),
            "{debug}"
        );
        let e = ShangCloudConfig::from_env(&Env::from_pairs([
            ("SHANGCLOUD_CLIENT_ID", "cid"),
            ("SHANGCLOUD_CLIENT_SECRET", "s"),
            ("SHANGCLOUD_REDIRECT_URI", "https://app.example/cb"),
            ("SHANGCLOUD_STATE_TTL_SECONDS", "soon"),
        ]))
        .unwrap_err();
        assert!(e.message().contains("SHANGCLOUD_STATE_TTL_SECONDS"), "{e}");
    }

    #[test]
    fn refresh_is_on_by_default_and_can_be_turned_off() {
        let f = |extra: &str| {
            serde_json::from_str::<ShangCloudConfigFile>(&format!(
                r#"{{"client_id":"c","client_secret":"s","redirect_uri":"https://a/cb"{extra}}}"#
            ))
            .unwrap()
            .into_config()
            .unwrap()
        };
        assert!(f("").refresh);
        assert!(!f(r#","refresh":false"#).refresh);
        let c = ShangCloudConfig::from_env(&Env::from_pairs([
            ("SHANGCLOUD_CLIENT_ID", "cid"),
            ("SHANGCLOUD_CLIENT_SECRET", "s"),
            ("SHANGCLOUD_REDIRECT_URI", "https://app.example/cb"),
        ]))
        .unwrap();
        assert!(c.refresh);
    }

    #[test]
    fn a_client_id_with_a_colon_is_refused() {
        let c = ShangCloudConfig::new(
            "a:b",
            ClientSecret::new("s"),
            url::Url::parse("https://a/cb").unwrap(),
        );
        assert_eq!(c.validate().unwrap_err().kind(), ErrorKind::ConfigInvalid);
    }

    #[test]
    fn file_form_rejects_unknown_keys_and_zero_ttls() {
        let e = serde_json::from_str::<ShangCloudConfigFile>(
            r#"{"client_id":"c","client_secret":"s","redirect_uri":"https://a/cb","scopes":"x"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("scopes"), "{e}");
        let f: ShangCloudConfigFile = serde_json::from_str(
            r#"{"client_id":"c","client_secret":"s","redirect_uri":"https://a/cb","state_ttl_seconds":0}"#,
        )
        .unwrap();
        assert_eq!(
            f.into_config().unwrap_err().kind(),
            ErrorKind::ConfigInvalid
        );
    }
}
