//! [`AuthingConfig`]: settings of [`AuthingProvider`](crate::AuthingProvider), from code,
//! TOML/JSON ([`AuthingConfigFile`]) or the environment ([`AuthingConfig::from_env`]).

use std::time::Duration;

use polyauth_core::env::Env;
use polyauth_core::{CacheConfig, ClientSecret, Error, Result, Secret};
use serde::Deserialize;

use crate::auth::{DEFAULT_HOST, TokenEndpointAuthMethod};

/// How [`AuthingProvider::verify`](crate::AuthingProvider) checks tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VerificationMode {
    /// Always online (GraphQL `checkLoginStatus`): sees logouts at once, costs a round trip.
    Online,
    /// Locally only: RS256 through `{app_host}/oidc/.well-known/jwks.json` (audience =
    /// app id) or HS256 with `jwt_secret`; tokens that cannot be checked locally are rejected.
    Local,
    /// Locally when the token's algorithm has a configured key, else online. The default.
    #[default]
    Auto,
}

impl VerificationMode {
    /// Parses `online`, `local` or `auto`. Errors: `ConfigInvalid`.
    pub fn parse(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "online" => Ok(Self::Online),
            "local" => Ok(Self::Local),
            "auto" => Ok(Self::Auto),
            other => Err(Error::config(format!(
                "unknown Authing verification mode `{other}` (online, local, auto)"
            ))),
        }
    }
}

/// Every environment variable [`AuthingConfig::from_env`] reads (the `polyauth` facade refuses
/// other `AUTHING_` variables, so that a typo cannot turn a setting off).
pub const ENV_KEYS: &[&str] = &[
    "AUTHING_APP_ID",
    "AUTHING_USER_POOL_ID",
    "AUTHING_HOST",
    "AUTHING_APP_HOST",
    "AUTHING_APP_SECRET",
    "AUTHING_POOL_SECRET",
    "AUTHING_REDIRECT_URI",
    "AUTHING_SCOPES",
    "AUTHING_ENC_PUBLIC_KEY",
    "AUTHING_LANG",
    "AUTHING_VERIFICATION",
    "AUTHING_JWT_SECRET",
    "AUTHING_TOKEN_ENDPOINT_AUTH_METHOD",
    "AUTHING_TIMEOUT_SECONDS",
    "AUTHING_CACHE_TTL_SECONDS",
    "AUTHING_CACHE_CAPACITY",
    "AUTHING_STATE_TTL_SECONDS",
    "AUTHING_PERMISSION_NAMESPACE",
];

/// Everything [`AuthingProvider`](crate::AuthingProvider) needs.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(try_from = "AuthingConfigFile")]
#[non_exhaustive]
pub struct AuthingConfig {
    /// Application id (required).
    pub app_id: String,
    /// User pool id (required for the directory).
    pub user_pool_id: Option<String>,
    /// API host (default `https://core.authing.cn`).
    pub host: String,
    /// The application host (`https://{app}.authing.cn`); needed for the OIDC flow and local
    /// RS256 verification.
    pub app_host: Option<String>,
    /// Application secret (OIDC client secret).
    pub app_secret: Option<ClientSecret>,
    /// User pool secret; with `user_pool_id` it enables the directory (management client).
    pub pool_secret: Option<ClientSecret>,
    /// Redirect URI of the authorization-code flow.
    pub redirect_uri: Option<String>,
    /// Scopes of the authorization-code flow (default `openid profile email phone
    /// offline_access`).
    pub scopes: Vec<String>,
    /// Password-encryption public key PEM (default Authing's published key).
    pub enc_public_key: Option<String>,
    /// `x-authing-lang`.
    pub lang: Option<String>,
    /// Token verification mode.
    pub verification: VerificationMode,
    /// HS256 secret of the pool's user tokens (the pool's `jwtSecret`), for local checks.
    pub jwt_secret: Option<Secret>,
    /// Client authentication at the token endpoint (default `client_secret_post`).
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Cache of profiles by token (`None` disables it).
    pub cache: Option<CacheConfig>,
    /// How long an OAuth `state` stays valid.
    pub state_ttl: Duration,
    /// The resource namespace whose authorized actions become permissions (default
    /// `default`).
    pub permission_namespace: String,
}

impl AuthingConfig {
    /// Checks the numbers against their documented ranges: `timeout_seconds` 1–300, the cache
    /// (see [`CacheConfig::validate`]) and `state_ttl_seconds` 1–86,400.
    ///
    /// Errors: `ConfigInvalid` naming the key and its range.
    pub fn validate(&self) -> Result<()> {
        use polyauth_core::env::check_duration;
        check_duration("timeout_seconds", self.timeout, Duration::from_secs(300))?;
        if let Some(cache) = &self.cache {
            cache.validate("cache")?;
        }
        check_duration(
            "state_ttl_seconds",
            self.state_ttl,
            Duration::from_secs(86_400),
        )
    }

    /// A configuration for an application with defaults for everything else.
    pub fn new(app_id: impl Into<String>) -> Self {
        AuthingConfig {
            app_id: app_id.into(),
            user_pool_id: None,
            host: DEFAULT_HOST.to_owned(),
            app_host: None,
            app_secret: None,
            pool_secret: None,
            redirect_uri: None,
            scopes: default_scopes(),
            enc_public_key: None,
            lang: None,
            verification: VerificationMode::Auto,
            jwt_secret: None,
            token_endpoint_auth_method: TokenEndpointAuthMethod::ClientSecretPost,
            timeout: Duration::from_secs(10),
            cache: Some(CacheConfig::default()),
            state_ttl: Duration::from_secs(600),
            permission_namespace: "default".to_owned(),
        }
    }

    /// Reads `AUTHING_*` variables:
    ///
    /// | variable | field |
    /// |---|---|
    /// | `AUTHING_APP_ID` (required) | `app_id` |
    /// | `AUTHING_USER_POOL_ID` | `user_pool_id` |
    /// | `AUTHING_HOST` | `host` |
    /// | `AUTHING_APP_HOST` | `app_host` |
    /// | `AUTHING_APP_SECRET` | `app_secret` |
    /// | `AUTHING_POOL_SECRET` | `pool_secret` |
    /// | `AUTHING_REDIRECT_URI` | `redirect_uri` |
    /// | `AUTHING_SCOPES` (space or comma separated) | `scopes` |
    /// | `AUTHING_ENC_PUBLIC_KEY` (PEM text) | `enc_public_key` |
    /// | `AUTHING_LANG` | `lang` |
    /// | `AUTHING_VERIFICATION` (`online`, `local`, `auto`) | `verification` |
    /// | `AUTHING_JWT_SECRET` | `jwt_secret` |
    /// | `AUTHING_TOKEN_ENDPOINT_AUTH_METHOD` | `token_endpoint_auth_method` |
    /// | `AUTHING_TIMEOUT_SECONDS` | `timeout` |
    /// | `AUTHING_CACHE_TTL_SECONDS` (0 disables) | `cache.ttl` |
    /// | `AUTHING_CACHE_CAPACITY` | `cache.capacity` |
    /// | `AUTHING_STATE_TTL_SECONDS` | `state_ttl` |
    /// | `AUTHING_PERMISSION_NAMESPACE` | `permission_namespace` |
    ///
    /// Errors: `ConfigInvalid` naming the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let file = AuthingConfigFile {
            app_id: env.required("AUTHING_APP_ID")?,
            user_pool_id: env.get("AUTHING_USER_POOL_ID"),
            host: env.get("AUTHING_HOST"),
            app_host: env.get("AUTHING_APP_HOST"),
            app_secret: env.get("AUTHING_APP_SECRET").map(ClientSecret::new),
            pool_secret: env.get("AUTHING_POOL_SECRET").map(ClientSecret::new),
            redirect_uri: env.get("AUTHING_REDIRECT_URI"),
            scopes: env.get("AUTHING_SCOPES").map(|s| {
                s.split([' ', ','])
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
            enc_public_key: env.get("AUTHING_ENC_PUBLIC_KEY"),
            lang: env.get("AUTHING_LANG"),
            verification: env.get("AUTHING_VERIFICATION"),
            jwt_secret: env.secret("AUTHING_JWT_SECRET"),
            token_endpoint_auth_method: env.get("AUTHING_TOKEN_ENDPOINT_AUTH_METHOD"),
            timeout_seconds: env.parse("AUTHING_TIMEOUT_SECONDS")?,
            cache_ttl_seconds: env.parse("AUTHING_CACHE_TTL_SECONDS")?,
            cache_capacity: env.parse("AUTHING_CACHE_CAPACITY")?,
            state_ttl_seconds: env.parse("AUTHING_STATE_TTL_SECONDS")?,
            permission_namespace: env.get("AUTHING_PERMISSION_NAMESPACE"),
        };
        file.into_config()
    }
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email", "phone", "offline_access"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The file form of [`AuthingConfig`] (TOML/JSON keys; unknown keys are errors). Durations
/// are whole seconds.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthingConfigFile {
    /// Application id (required).
    pub app_id: String,
    /// User pool id.
    #[serde(default)]
    pub user_pool_id: Option<String>,
    /// API host.
    #[serde(default)]
    pub host: Option<String>,
    /// Application host.
    #[serde(default)]
    pub app_host: Option<String>,
    /// Application secret.
    #[serde(default)]
    pub app_secret: Option<ClientSecret>,
    /// User pool secret (enables the directory).
    #[serde(default)]
    pub pool_secret: Option<ClientSecret>,
    /// Redirect URI.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// Scopes.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Password-encryption public key PEM.
    #[serde(default)]
    pub enc_public_key: Option<String>,
    /// `x-authing-lang`.
    #[serde(default)]
    pub lang: Option<String>,
    /// `online`, `local` or `auto`.
    #[serde(default)]
    pub verification: Option<String>,
    /// HS256 secret of user tokens.
    #[serde(default)]
    pub jwt_secret: Option<Secret>,
    /// `client_secret_post`, `client_secret_basic` or `none`.
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// Per-request timeout, seconds (default 10).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// Profile cache TTL, seconds (default 60; 0 disables the cache).
    #[serde(default)]
    pub cache_ttl_seconds: Option<u64>,
    /// Profile cache capacity, tokens (default 10,000).
    #[serde(default)]
    pub cache_capacity: Option<u64>,
    /// OAuth state lifetime, seconds (default 600).
    #[serde(default)]
    pub state_ttl_seconds: Option<u64>,
    /// Namespace of the permissions (default `default`).
    #[serde(default)]
    pub permission_namespace: Option<String>,
}

impl TryFrom<AuthingConfigFile> for AuthingConfig {
    type Error = polyauth_core::Error;

    /// [`AuthingConfigFile::into_config`]: a AuthingConfig deserializes through its file form, so the
    /// checks of the file form apply to every serde source.
    fn try_from(file: AuthingConfigFile) -> std::result::Result<Self, Self::Error> {
        file.into_config()
    }
}

impl AuthingConfigFile {
    /// Checks and converts. Errors: `ConfigInvalid` for an empty app id, an unknown
    /// verification mode or auth method, a zero timeout.
    pub fn into_config(self) -> Result<AuthingConfig> {
        if self.app_id.trim().is_empty() {
            return Err(Error::config("the Authing app_id is empty"));
        }
        let mut c = AuthingConfig::new(self.app_id);
        c.user_pool_id = self.user_pool_id;
        if let Some(h) = self.host {
            c.host = h;
        }
        c.app_host = self.app_host;
        c.app_secret = self.app_secret;
        c.pool_secret = self.pool_secret;
        c.redirect_uri = self.redirect_uri;
        if let Some(s) = self.scopes {
            c.scopes = s;
        }
        c.enc_public_key = self.enc_public_key;
        c.lang = self.lang;
        if let Some(v) = self.verification {
            c.verification = VerificationMode::parse(&v)?;
        }
        c.jwt_secret = self.jwt_secret;
        if let Some(m) = self.token_endpoint_auth_method {
            c.token_endpoint_auth_method = TokenEndpointAuthMethod::parse(&m)?;
        }
        if let Some(t) = self.timeout_seconds {
            c.timeout = Duration::from_secs(t);
        }
        match self.cache_ttl_seconds {
            Some(0) => c.cache = None,
            Some(ttl) => {
                c.cache = Some(CacheConfig {
                    ttl: Duration::from_secs(ttl),
                    ..CacheConfig::default()
                })
            }
            None => {}
        }
        if let (Some(cap), Some(cache)) = (self.cache_capacity, c.cache.as_mut()) {
            cache.capacity = cap;
        }
        if let Some(s) = self.state_ttl_seconds {
            c.state_ttl = Duration::from_secs(s);
        }
        if let Some(ns) = self.permission_namespace {
            c.permission_namespace = ns;
        }
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
            let file: AuthingConfigFile =
                serde_json::from_value(serde_json::json!({"app_id": "a", key: i64::MAX})).unwrap();
            let e = file.into_config().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{key}: {e}");
            assert!(e.message().contains(key), "{e}");
        }
        let mut config = AuthingConfig::new("a");
        config.state_ttl = Duration::MAX;
        assert!(
            crate::AuthingProvider::new(config).is_err(),
            "code-built configs too"
        );
    }
}
