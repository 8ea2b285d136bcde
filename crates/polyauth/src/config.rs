//! Configuration-driven provider selection: [`ProviderConfig`] and [`build`].

use std::path::Path;
use std::sync::Arc;

use polyauth_core::env::Env;
use polyauth_core::{Error, IdentityProvider, Result};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// Every provider name polyauth knows, compiled in or not.
pub const KNOWN_PROVIDERS: &[&str] = &["jwt", "aigc", "authing", "shangcloud"];

/// The provider names compiled into this build (by cargo feature).
pub fn compiled_providers() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "jwt") {
        names.push("jwt");
    }
    if cfg!(feature = "aigc") {
        names.push("aigc");
    }
    if cfg!(feature = "authing") {
        names.push("authing");
    }
    if cfg!(feature = "shangcloud") {
        names.push("shangcloud");
    }
    names
}

/// Which provider to use and its settings, tagged by `provider`.
///
/// Load it from TOML ([`ProviderConfig::from_toml_str`], [`ProviderConfig::from_toml_file`]),
/// from the environment ([`ProviderConfig::from_env`]: `POLYAUTH_PROVIDER` plus the backend's
/// variables, with `.env` support), or pick with [`ProviderConfig::load`]. Unknown keys are
/// errors that name the key; a provider whose cargo feature is not compiled in is a
/// `ConfigInvalid` error naming the feature.
///
/// ```
/// let config = polyauth::ProviderConfig::from_toml_str(r#"
///     provider = "jwt"
///     secret = "change-me-to-32-bytes-of-randomness"
///     audience = "my-api"
/// "#).unwrap();
/// assert_eq!(config.provider_name(), "jwt");
///
/// let typo = polyauth::ProviderConfig::from_toml_str(r#"
///     provider = "jwt"
///     secret = "x"
///     audiance = "my-api"
/// "#).unwrap_err();
/// assert!(typo.to_string().contains("audiance"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ProviderConfig {
    /// The local JWT provider (`provider = "jwt"`).
    #[cfg(feature = "jwt")]
    Jwt(polyauth_jwt::JwtConfig),
    /// The AIGC auth center (`provider = "aigc"`).
    #[cfg(feature = "aigc")]
    Aigc(polyauth_aigc::AigcConfig),
    /// ShangCloud OAuth 2.0 (`provider = "shangcloud"`; keys and `SHANGCLOUD_*` variables in
    /// `polyauth_shangcloud::ShangCloudConfig::from_env`). With `redis_url` set, OAuth states
    /// live in Redis (cargo feature `redis`).
    #[cfg(feature = "shangcloud")]
    ShangCloud(polyauth_shangcloud::ShangCloudConfig),
    /// Authing v2 (`provider = "authing"`; keys in `polyauth_authing::AuthingConfigFile`,
    /// `AUTHING_*` variables in `polyauth_authing::AuthingConfig::from_env`).
    #[cfg(feature = "authing")]
    Authing(polyauth_authing::AuthingConfig),
}

impl ProviderConfig {
    /// The provider name (`"jwt"`, ...).
    pub fn provider_name(&self) -> &'static str {
        match *self {
            #[cfg(feature = "jwt")]
            ProviderConfig::Jwt(_) => "jwt",
            #[cfg(feature = "aigc")]
            ProviderConfig::Aigc(_) => "aigc",
            #[cfg(feature = "shangcloud")]
            ProviderConfig::ShangCloud(_) => "shangcloud",
            #[cfg(feature = "authing")]
            ProviderConfig::Authing(_) => "authing",
        }
    }

    /// Parses a TOML document whose top level holds `provider = "..."` and the provider's keys.
    ///
    /// Errors: `ConfigInvalid` with the parser's message (which names unknown or mistyped
    /// keys), or for an unknown or not compiled-in provider.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let table: Map<String, Value> = toml::from_str(text).map_err(|e| {
            // The parser's Display quotes the offending source line, which may hold a secret:
            // report its message and line number only.
            let line = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| before.matches('\n').count() + 1);
            let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
            Error::config(format!(
                "invalid provider configuration{at}: {}",
                without_values(e.message())
            ))
        })?;
        Self::from_map(table)
    }

    /// Reads and parses a TOML file. Errors: as [`from_toml_str`](Self::from_toml_str), and
    /// `ConfigInvalid` when the file cannot be read.
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!("cannot read configuration file {}", path.display()))
                .with_source(e)
        })?;
        Self::from_toml_str(&text)
    }

    /// Builds the configuration from JSON-like data (any serde format can produce it).
    ///
    /// Errors: `ConfigInvalid` as for TOML.
    #[cfg_attr(not(feature = "jwt"), allow(unused_variables))]
    pub fn from_map(mut table: Map<String, Value>) -> Result<Self> {
        let name = match table.remove("provider") {
            Some(Value::String(name)) => name,
            Some(_) => return Err(Error::config("`provider` must be a string")),
            None => {
                return Err(Error::config(format!(
                    "the configuration does not say which provider to use: set `provider` to \
                     one of {}",
                    compiled_providers().join(", ")
                )));
            }
        };
        let body = Value::Object(table);
        let invalid = |e: serde_json::Error| {
            Error::config(format!(
                "invalid `{name}` provider configuration: {}",
                without_values(&e.to_string())
            ))
        };
        match name.as_str() {
            #[cfg(feature = "jwt")]
            "jwt" => {
                let file: polyauth_jwt::JwtConfigFile =
                    serde_json::from_value(body).map_err(invalid)?;
                Ok(ProviderConfig::Jwt(file.into_config()?))
            }
            #[cfg(feature = "aigc")]
            "aigc" => {
                let file: polyauth_aigc::AigcConfigFile =
                    serde_json::from_value(body).map_err(invalid)?;
                Ok(ProviderConfig::Aigc(file.into_config()?))
            }
            #[cfg(feature = "shangcloud")]
            "shangcloud" => {
                let file: polyauth_shangcloud::ShangCloudConfigFile =
                    serde_json::from_value(body).map_err(invalid)?;
                Ok(ProviderConfig::ShangCloud(file.into_config()?))
            }
            #[cfg(feature = "authing")]
            "authing" => {
                let file: polyauth_authing::AuthingConfigFile =
                    serde_json::from_value(body).map_err(invalid)?;
                Ok(ProviderConfig::Authing(file.into_config()?))
            }
            other => Err(not_compiled(other)),
        }
    }

    /// Reads `POLYAUTH_PROVIDER` and that provider's variables from `env`.
    ///
    /// Errors: `ConfigInvalid` when `POLYAUTH_PROVIDER` is unset, unknown or not compiled in,
    /// or the provider's own variables are missing or invalid (the error names the variable).
    pub fn from_env_with(env: &Env) -> Result<Self> {
        let name = env.required("POLYAUTH_PROVIDER")?.to_ascii_lowercase();
        match name.as_str() {
            #[cfg(feature = "jwt")]
            "jwt" => Ok(ProviderConfig::Jwt(polyauth_jwt::JwtConfig::from_env(env)?)),
            #[cfg(feature = "aigc")]
            "aigc" => Ok(ProviderConfig::Aigc(polyauth_aigc::AigcConfig::from_env(
                env,
            )?)),
            #[cfg(feature = "shangcloud")]
            "shangcloud" => Ok(ProviderConfig::ShangCloud(
                polyauth_shangcloud::ShangCloudConfig::from_env(env)?,
            )),
            #[cfg(feature = "authing")]
            "authing" => Ok(ProviderConfig::Authing(
                polyauth_authing::AuthingConfig::from_env(env)?,
            )),
            other => Err(not_compiled(other)),
        }
    }

    /// [`from_env_with`](Self::from_env_with) over the process environment, falling back to a
    /// `.env` file (the process environment is not modified).
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::dotenv()?)
    }

    /// The configuration an application should use, or `None` when none is given:
    /// the TOML file named by `POLYAUTH_CONFIG` if set, else the environment if
    /// `POLYAUTH_PROVIDER` is set (both read from the process environment or `.env`).
    ///
    /// Errors: as [`from_toml_file`](Self::from_toml_file) and [`from_env`](Self::from_env).
    pub fn load() -> Result<Option<Self>> {
        Self::load_from(&Env::dotenv()?)
    }

    /// [`load`](Self::load) from the given variables.
    pub fn load_from(env: &Env) -> Result<Option<Self>> {
        if let Some(path) = env.get("POLYAUTH_CONFIG") {
            return Self::from_toml_file(path).map(Some);
        }
        if env.get("POLYAUTH_PROVIDER").is_some() {
            return Self::from_env_with(env).map(Some);
        }
        Ok(None)
    }
}

impl<'de> Deserialize<'de> for ProviderConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let table = Map::<String, Value>::deserialize(deserializer)?;
        ProviderConfig::from_map(table).map_err(|e| D::Error::custom(e.message()))
    }
}

/// Drops the offending *value* from a serde type/value error ("invalid type: string
/// \"hunter2\", expected u64" → "invalid type: string, expected u64"), so a secret given in the
/// wrong shape never reaches a start-up log. Key names (unknown or missing fields) are kept.
fn without_values(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (unexpected, expected) = match rest.find(", expected") {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let kind = unexpected
                .split(['`', '"'])
                .next()
                .unwrap_or_default()
                .trim_end();
            return format!("{prefix}{kind}{expected}");
        }
    }
    message.to_owned()
}

fn not_compiled(name: &str) -> Error {
    let compiled = compiled_providers().join(", ");
    if KNOWN_PROVIDERS.contains(&name) {
        Error::config(format!(
            "provider `{name}` is not compiled in: enable the cargo feature `{name}` of the \
             `polyauth` crate (compiled-in providers: {compiled})"
        ))
    } else {
        Error::config(format!(
            "unknown provider `{name}` (known: {}; compiled in: {compiled})",
            KNOWN_PROVIDERS.join(", ")
        ))
    }
}

/// Builds the provider a configuration describes.
///
/// Async because some backends connect at start-up (a Redis state store); the JWT provider
/// makes no network call here.
///
/// Errors: `ConfigInvalid` for settings the backend rejects (unparsable keys, contradictory
/// algorithms), `Unavailable` when a backend's start-up connection fails.
pub async fn build(config: &ProviderConfig) -> Result<Arc<dyn IdentityProvider>> {
    match *config {
        #[cfg(feature = "jwt")]
        ProviderConfig::Jwt(ref c) => Ok(Arc::new(polyauth_jwt::JwtProvider::new(c.clone())?)),
        #[cfg(feature = "aigc")]
        ProviderConfig::Aigc(ref c) => Ok(Arc::new(polyauth_aigc::AigcProvider::new(c.clone())?)),
        #[cfg(feature = "shangcloud")]
        ProviderConfig::ShangCloud(ref c) => build_shangcloud(c).await,
        #[cfg(feature = "authing")]
        ProviderConfig::Authing(ref c) => {
            Ok(Arc::new(polyauth_authing::AuthingProvider::new(c.clone())?))
        }
    }
}

/// The ShangCloud provider, with its states in Redis when `redis_url` is set.
///
/// Errors: `ConfigInvalid` when `redis_url` is set but the `redis` feature is not compiled in
/// (the message names the feature) or the URL does not parse; `Unavailable` when Redis cannot
/// be reached at start-up.
#[cfg(feature = "shangcloud")]
async fn build_shangcloud(
    c: &polyauth_shangcloud::ShangCloudConfig,
) -> Result<Arc<dyn IdentityProvider>> {
    use polyauth_shangcloud::{ShangCloudClient, ShangCloudProvider};
    let client = match &c.redis_url {
        None => ShangCloudClient::new(c.clone())?,
        #[cfg(feature = "redis")]
        Some(url) => {
            let prefix = c
                .redis_key_prefix
                .clone()
                .unwrap_or_else(|| "polyauth:shangcloud:state:".to_owned());
            let store = polyauth_redis::RedisStateStore::connect_with(
                url.expose_secret(),
                polyauth_redis::RedisOptions::default().with_key_prefix(prefix),
            )
            .await?;
            ShangCloudClient::with_state_store(c.clone(), Arc::new(store))?
        }
        #[cfg(not(feature = "redis"))]
        Some(_) => {
            return Err(Error::config(
                "the shangcloud `redis_url` needs the cargo feature `redis` of the `polyauth` \
                 crate; enable it or remove `redis_url` to keep states in memory",
            ));
        }
    };
    Ok(Arc::new(ShangCloudProvider::from_client(client)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyauth_core::ErrorKind;

    #[test]
    fn missing_features_are_named() {
        let e = not_compiled("shangcloud");
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains("cargo feature `shangcloud`"), "{e}");
        assert!(e.message().contains("compiled-in providers: "), "{e}");
        let e = ProviderConfig::from_toml_str("provider = \"okta\"").unwrap_err();
        assert!(e.message().contains("unknown provider `okta`"), "{e}");
        let e = ProviderConfig::from_env_with(&Env::from_pairs([("X", "1")])).unwrap_err();
        assert!(e.message().contains("POLYAUTH_PROVIDER"), "{e}");
        // Through the real entry points, for every known provider this build lacks (CI also
        // runs this crate's tests with only the `jwt` feature, where all backends are missing).
        for name in KNOWN_PROVIDERS
            .iter()
            .filter(|p| !compiled_providers().contains(p))
        {
            let e = ProviderConfig::from_toml_str(&format!("provider = \"{name}\"")).unwrap_err();
            assert!(
                e.message().contains(&format!("cargo feature `{name}`")),
                "{e}"
            );
            let env = Env::from_pairs([("POLYAUTH_PROVIDER", *name)]);
            let e = ProviderConfig::from_env_with(&env).unwrap_err();
            assert!(
                e.message().contains(&format!("cargo feature `{name}`")),
                "{e}"
            );
        }
    }

    #[tokio::test]
    async fn jwt_from_env_builds() {
        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "JWT"),
            ("POLYAUTH_JWT_SECRET", "s3cret"),
            ("POLYAUTH_JWT_AUDIENCE", "api"),
        ]);
        let config = ProviderConfig::from_env_with(&env).unwrap();
        let p = build(&config).await.unwrap();
        assert_eq!(p.name(), "jwt");
        // Secrets do not show in Debug.
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[cfg(feature = "aigc")]
    #[tokio::test]
    async fn aigc_from_toml_and_env() {
        let c = ProviderConfig::from_toml_str(
            r#"
            provider = "aigc"
            app_id = "1001"
            app_secret = "aigc-s3cret"
            base_url = "http://127.0.0.1:9/api"
            cache_ttl_seconds = 30
        "#,
        )
        .unwrap();
        assert_eq!(c.provider_name(), "aigc");
        assert!(!format!("{c:?}").contains("aigc-s3cret"));
        let p = build(&c).await.unwrap();
        assert_eq!(p.name(), "aigc");
        let e = ProviderConfig::from_toml_str(
            "provider = \"aigc\"\napp_id = \"1\"\napp_secret = \"s\"\nbase_url = \"http://x\"\ntimeout = 3",
        )
        .unwrap_err();
        assert!(e.message().contains("timeout"), "{e}");

        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "aigc"),
            ("AIGC_AUTH_APP_ID", "1001"),
            ("AIGC_AUTH_APP_SECRET", "s"),
            ("AIGC_AUTH_BASE_URL", "http://127.0.0.1:9/api"),
            ("AIGC_AUTH_TIMEOUT_SECONDS", "4"),
        ]);
        match ProviderConfig::from_env_with(&env).unwrap() {
            ProviderConfig::Aigc(c) => {
                assert_eq!(c.app_id, "1001");
                assert_eq!(c.timeout, std::time::Duration::from_secs(4));
            }
            #[allow(unreachable_patterns)]
            other => panic!("expected aigc, got {other:?}"),
        }
        let missing = Env::from_pairs([("POLYAUTH_PROVIDER", "aigc"), ("AIGC_AUTH_APP_ID", "1")]);
        let e = ProviderConfig::from_env_with(&missing).unwrap_err();
        assert!(e.message().contains("AIGC_AUTH_APP_SECRET"), "{e}");
    }

    #[cfg(feature = "authing")]
    #[tokio::test]
    async fn authing_from_toml_and_env() {
        let c = ProviderConfig::from_toml_str(
            r#"
            provider = "authing"
            app_id = "app1"
            app_host = "https://app1.authing.cn"
            app_secret = "authing-s3cret"
            redirect_uri = "https://example.com/cb"
            verification = "auto"
            timeout_seconds = 3
        "#,
        )
        .unwrap();
        assert_eq!(c.provider_name(), "authing");
        assert!(!format!("{c:?}").contains("authing-s3cret"));
        let p = build(&c).await.unwrap();
        assert_eq!(p.name(), "authing");
        assert!(p.capabilities().authorization_code);
        let e = ProviderConfig::from_toml_str(
            "provider = \"authing\"\napp_id = \"a\"\napp_secret_typo = \"s\"",
        )
        .unwrap_err();
        assert!(e.message().contains("app_secret_typo"), "{e}");
        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "authing"),
            ("AUTHING_APP_ID", "app1"),
            ("AUTHING_USER_POOL_ID", "pool1"),
            ("AUTHING_POOL_SECRET", "pool-s3cret"),
            ("AUTHING_VERIFICATION", "online"),
            ("AUTHING_TIMEOUT_SECONDS", "4"),
        ]);
        let c = ProviderConfig::from_env_with(&env).unwrap();
        assert!(!format!("{c:?}").contains("pool-s3cret"));
        let p = build(&c).await.unwrap();
        assert!(p.directory().is_ok());
        let bad = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "authing"),
            ("AUTHING_APP_ID", "a"),
            ("AUTHING_VERIFICATION", "maybe"),
        ]);
        assert!(
            ProviderConfig::from_env_with(&bad)
                .unwrap_err()
                .message()
                .contains("maybe")
        );
        let missing = Env::from_pairs([("POLYAUTH_PROVIDER", "authing")]);
        assert!(
            ProviderConfig::from_env_with(&missing)
                .unwrap_err()
                .message()
                .contains("AUTHING_APP_ID")
        );
    }

    #[test]
    fn configuration_errors_never_quote_values() {
        // A secret given as a number: the type error names the key's problem, not the value.
        let e =
            ProviderConfig::from_toml_str("provider = \"jwt\"\nsecret = 987654321\n").unwrap_err();
        assert!(!e.to_string().contains("987654321"), "{e}");
        assert!(e.to_string().contains("invalid type"), "{e}");
        // A syntax error on a line holding a secret: the line is not quoted.
        let e = ProviderConfig::from_toml_str("provider = \"jwt\"\nsecret = \"s3cr3t-value\n")
            .unwrap_err();
        assert!(!e.to_string().contains("s3cr3t-value"), "{e}");
        assert!(e.to_string().contains("line 2"), "{e}");
        assert_eq!(
            without_values("invalid type: string \"hunter2\", expected u64"),
            "invalid type: string, expected u64"
        );
        assert_eq!(
            without_values("unknown field `audiance`, expected one of `secret`"),
            "unknown field `audiance`, expected one of `secret`"
        );
    }

    #[test]
    fn serde_entry_point_and_unknown_keys() {
        let c: ProviderConfig =
            serde_json::from_str(r#"{"provider": "jwt", "secret": "s", "leeway_seconds": 5}"#)
                .unwrap();
        assert_eq!(c.provider_name(), "jwt");
        let e = serde_json::from_str::<ProviderConfig>(r#"{"provider": "jwt", "secrett": "s"}"#)
            .unwrap_err();
        assert!(e.to_string().contains("secrett"), "{e}");
        let e = ProviderConfig::from_toml_str("provider = \"jwt\"").unwrap_err();
        assert!(e.message().contains("needs a key"), "{e}");
    }
    #[cfg(feature = "shangcloud")]
    #[tokio::test]
    async fn shangcloud_from_toml_and_env() {
        let c = ProviderConfig::from_toml_str(
            "provider = \"shangcloud\"\nclient_id = \"cid\"\nclient_secret = \"sc-secret\"\n\
             redirect_uri = \"https://app.example/cb\"\nscope = \"user:basic mmo\"\n\
             state_ttl_seconds = 120",
        )
        .unwrap();
        assert_eq!(c.provider_name(), "shangcloud");
        assert!(!format!("{c:?}").contains("sc-secret"));
        let p = build(&c).await.unwrap();
        assert_eq!(p.name(), "shangcloud");
        assert!(p.capabilities().authorization_code);
        let start = p.start_authorization(Default::default()).await.unwrap();
        assert!(
            start
                .url
                .as_str()
                .starts_with("https://api.yearnstudio.cn/oauth/authorize?")
        );

        let e = ProviderConfig::from_toml_str(
            "provider = \"shangcloud\"\nclient_id = \"c\"\nclient_secret = \"s\"\n\
             redirect_uri = \"https://a/cb\"\nscopes = \"x\"",
        )
        .unwrap_err();
        assert!(e.message().contains("scopes"), "{e}");

        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "shangcloud"),
            ("SHANGCLOUD_CLIENT_ID", "cid"),
            ("SHANGCLOUD_CLIENT_SECRET", "s"),
            ("SHANGCLOUD_REDIRECT_URI", "https://app.example/cb"),
        ]);
        let c = ProviderConfig::from_env_with(&env).unwrap();
        assert_eq!(c.provider_name(), "shangcloud");
        let env = Env::from_pairs([("POLYAUTH_PROVIDER", "shangcloud")]);
        let e = ProviderConfig::from_env_with(&env).unwrap_err();
        assert!(e.message().contains("SHANGCLOUD_CLIENT_ID"), "{e}");
    }

    #[cfg(all(feature = "shangcloud", not(feature = "redis")))]
    #[tokio::test]
    async fn shangcloud_redis_url_needs_the_redis_feature() {
        let c = ProviderConfig::from_toml_str(
            "provider = \"shangcloud\"\nclient_id = \"c\"\nclient_secret = \"s\"\n\
             redirect_uri = \"https://a/cb\"\nredis_url = \"redis://127.0.0.1:1/\"",
        )
        .unwrap();
        let e = build(&c).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains("cargo feature `redis`"), "{e}");
    }

    #[cfg(all(feature = "shangcloud", feature = "redis"))]
    #[tokio::test]
    async fn shangcloud_with_redis_url_keeps_states_in_redis() {
        let url = std::env::var("POLYAUTH_TEST_REDIS_URL").unwrap_or_else(|_| {
            panic!(
                "POLYAUTH_TEST_REDIS_URL is not set: run the tests through ./scripts/test.sh, \
                 which starts a throwaway redis-server"
            )
        });
        let toml = format!(
            "provider = \"shangcloud\"\nclient_id = \"c\"\nclient_secret = \"s\"\n\
             redirect_uri = \"https://a/cb\"\nbase_url = \"http://127.0.0.1:1\"\n\
             redis_url = \"{url}\"\nredis_key_prefix = \"polyauth-test:facade:\""
        );
        let c = ProviderConfig::from_toml_str(&toml).unwrap();
        let a = build(&c).await.unwrap();
        let b = build(&c).await.unwrap();
        let start = a.start_authorization(Default::default()).await.unwrap();
        // The state is visible to the second instance: it is consumed there (the code exchange
        // then fails to reach the closed loopback port: Unavailable, not InvalidState).
        let cb = polyauth_core::AuthorizationCallback::new("code", start.state.clone())
            .with_binding(start.binding.clone());
        let e = b.finish_authorization(cb.clone()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
        let e = a.finish_authorization(cb).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState);
        // A Redis that cannot be reached at start-up is Unavailable.
        let down = toml.replace(&url, "redis://127.0.0.1:1/");
        let e = build(&ProviderConfig::from_toml_str(&down).unwrap())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
    }
}
