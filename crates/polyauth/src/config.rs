//! Configuration-driven provider selection: [`ProviderConfig`] and [`build`].

use std::path::Path;
use std::sync::Arc;

use polyauth_core::cache::CacheSetup;
use polyauth_core::env::Env;
use polyauth_core::factory::{BuildContext, CacheSettings, ProviderFactory, StateConfig};
use polyauth_core::{Error, IdentityProvider, Result, StateStore};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::registry::{
    AnyConfig, EXEMPT_ENV_PREFIXES, ErasedFactory, OWNED_ENV_PREFIXES, Registry, split_section,
    without_values,
};

/// Which provider to use, its settings, and the shared state every provider uses.
///
/// A configuration names a provider registered in a [`Registry`] (the built-in backends
/// compiled in by cargo feature, and any provider the application registered with
/// [`crate::register_provider`]); that provider's factory parses the rest. Load it from TOML
/// ([`ProviderConfig::from_toml_str`], [`ProviderConfig::from_toml_file`]), from the
/// environment ([`ProviderConfig::from_env`]: `POLYAUTH_CONFIG` naming a TOML file, else
/// `POLYAUTH_PROVIDER` plus the provider's variables, with `.env` support), or pick with
/// [`ProviderConfig::load`]. Unknown keys are errors that name the key; a built-in provider
/// whose cargo feature is not compiled in is a `ConfigInvalid` error naming the feature.
///
/// The shared state (OAuth `state` records, replay guards) is configured once for every
/// provider: `[state] redis_url = "..."` in TOML, `POLYAUTH_REDIS_URL` in the environment
/// (see [`StateConfig`]); without it, state lives in process memory. So are the verification
/// caches: `[cache]` in TOML, `POLYAUTH_CACHE_*` in the environment (see [`CacheSettings`]:
/// overrides of every provider's cache settings, and the shared tier in Redis).
///
/// ```
/// let config = polyauth::ProviderConfig::from_toml_str(r#"
///     provider = "jwt"
///     secret = "change-me-to-32-bytes-of-randomness"
///     audience = "my-api"
/// "#).unwrap();
/// assert_eq!(config.provider_name(), "jwt");
/// let jwt: &polyauth::jwt::JwtConfig = config.settings().unwrap();
/// assert_eq!(jwt.audiences, ["my-api"]);
///
/// let typo = polyauth::ProviderConfig::from_toml_str(r#"
///     provider = "jwt"
///     secret = "x"
///     audiance = "my-api"
/// "#).unwrap_err();
/// assert!(typo.to_string().contains("audiance"));
/// ```
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    factory: Arc<dyn ErasedFactory>,
    settings: Arc<dyn AnyConfig>,
    state: StateConfig,
    cache: CacheSettings,
}

impl ProviderConfig {
    /// A configuration built in code: `factory`'s provider with `settings`, and the state in
    /// process memory (change it with [`with_state`](Self::with_state)).
    pub fn new<F: ProviderFactory>(factory: F, settings: F::Config) -> Self {
        let factory: Arc<dyn ErasedFactory> = Arc::new(crate::registry::erase(factory));
        ProviderConfig {
            factory,
            settings: Arc::new(settings),
            state: StateConfig::default(),
            cache: CacheSettings::default(),
        }
    }

    /// Replaces the `[cache]` settings.
    ///
    /// Errors: `ConfigInvalid` as [`CacheSettings::validate`].
    pub fn with_cache(mut self, cache: CacheSettings) -> Result<Self> {
        cache.validate()?;
        self.cache = cache;
        Ok(self)
    }

    /// The `[cache]` settings.
    pub fn cache(&self) -> &CacheSettings {
        &self.cache
    }

    /// Builds what [`cache`](Self::cache) describes: the overrides, and with `shared` the
    /// shared tier's connection (a new `RedisSharedTier` per call). [`build`] hands it to the
    /// provider.
    ///
    /// Errors: `ConfigInvalid` when `shared` is set without the cargo feature `redis` or
    /// without a Redis URL (neither `[cache]` nor `[state]` names one); `Unavailable` when
    /// Redis cannot be reached.
    pub async fn cache_setup(&self) -> Result<CacheSetup> {
        // Boxed: connecting (a Redis Cluster, Sentinel) nests deep futures; it runs once.
        Box::pin(crate::shared::cache_setup(&self.cache, &self.state)).await
    }

    /// Replaces the shared-state configuration.
    pub fn with_state(mut self, state: StateConfig) -> Self {
        self.state = state;
        self
    }

    /// The provider name (`"jwt"`, `"authing"`, `"my-idp"`).
    pub fn provider_name(&self) -> &'static str {
        self.factory.name()
    }

    /// The provider's own settings as their type (`polyauth::jwt::JwtConfig`, an application's
    /// config type), or `None` when they are of another type.
    pub fn settings<T: 'static>(&self) -> Option<&T> {
        // Deref first: the `Arc` itself would also answer `as_any` (as the `Arc`).
        let settings: &dyn AnyConfig = &*self.settings;
        settings.as_any().downcast_ref::<T>()
    }

    /// Where shared state lives: the `[state]` section, or, without one, the provider's own
    /// legacy keys (ShangCloud's `redis_url`).
    pub fn state(&self) -> &StateConfig {
        &self.state
    }

    /// Opens the state store [`state`](Self::state) names: Redis when a `redis_url` is set
    /// (each call opens a new connection manager), else a new in-process
    /// [`MemoryStateStore`](polyauth_core::MemoryStateStore). [`build`] hands it to the provider; call this to give the same
    /// store to components the application builds itself (an AIGC webhook receiver's replay
    /// guard).
    ///
    /// Errors: `ConfigInvalid` when a `redis_url` is set but the cargo feature `redis` of the
    /// `polyauth` crate is not compiled in (the message names the feature) or the URL does not
    /// parse; `Unavailable` when Redis cannot be reached.
    pub async fn state_store(&self) -> Result<Arc<dyn StateStore>> {
        Box::pin(crate::shared::state_store(&self.state)).await
    }

    /// Parses a TOML document whose top level holds `provider = "..."`, the provider's keys
    /// and an optional `[state]` section, with the [global registry](Registry::global).
    ///
    /// Errors: `ConfigInvalid` with the parser's message (which names unknown or mistyped
    /// keys, never their values), or for an unknown or not compiled-in provider.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        Registry::global().config_from_toml_str(text)
    }

    /// Reads and parses a TOML file. Errors: as [`from_toml_str`](Self::from_toml_str), and
    /// `ConfigInvalid` when the file cannot be read.
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Self> {
        Registry::global().config_from_toml_file(path)
    }

    /// Builds the configuration from JSON-like data (any serde format can produce it).
    ///
    /// Errors: `ConfigInvalid` as for TOML.
    pub fn from_map(table: Map<String, Value>) -> Result<Self> {
        Registry::global().config_from_map(table)
    }

    /// The configuration the environment describes, with the global registry: the TOML file
    /// named by `POLYAUTH_CONFIG` when set, else `POLYAUTH_PROVIDER` with that provider's
    /// variables and `POLYAUTH_REDIS_URL` / `POLYAUTH_STATE_KEY_PREFIX` for the shared state.
    ///
    /// Errors: `ConfigInvalid` when neither is set, the provider is unknown or not compiled
    /// in, or the provider's own variables are missing or invalid (the error names the
    /// variable); as [`from_toml_file`](Self::from_toml_file) for `POLYAUTH_CONFIG`.
    pub fn from_env_with(env: &Env) -> Result<Self> {
        Registry::global().config_from_env(env)
    }

    /// [`from_env_with`](Self::from_env_with) over the process environment, falling back to a
    /// `.env` file (the process environment is not modified).
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::dotenv()?)
    }

    /// The configuration an application should use, or `None` when none is given (neither
    /// `POLYAUTH_CONFIG` nor `POLYAUTH_PROVIDER` is set), read from the process environment
    /// or `.env`.
    ///
    /// Errors: as [`from_env`](Self::from_env).
    pub fn load() -> Result<Option<Self>> {
        Self::load_from(&Env::dotenv()?)
    }

    /// [`load`](Self::load) from the given variables.
    pub fn load_from(env: &Env) -> Result<Option<Self>> {
        if env.get("POLYAUTH_CONFIG").is_none() && env.get("POLYAUTH_PROVIDER").is_none() {
            return Ok(None);
        }
        Self::from_env_with(env).map(Some)
    }
}

impl Registry {
    /// [`ProviderConfig::from_toml_str`] with this registry.
    pub fn config_from_toml_str(&self, text: &str) -> Result<ProviderConfig> {
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
        self.config_from_map(table)
    }

    /// [`ProviderConfig::from_toml_file`] with this registry.
    pub fn config_from_toml_file(&self, path: impl AsRef<Path>) -> Result<ProviderConfig> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!("cannot read configuration file {}", path.display()))
                .with_source(e)
        })?;
        self.config_from_toml_str(&text)
    }

    /// [`ProviderConfig::from_map`] with this registry.
    pub fn config_from_map(&self, mut table: Map<String, Value>) -> Result<ProviderConfig> {
        let name = match table.remove("provider") {
            Some(Value::String(name)) => name,
            Some(_) => return Err(Error::config("`provider` must be a string")),
            None => {
                return Err(Error::config(format!(
                    "the configuration does not say which provider to use: set `provider` to \
                     one of {}",
                    self.names().join(", ")
                )));
            }
        };
        let factory = self.factory(&name)?;
        let state = split_section(&mut table, "state")?;
        let cache = split_section(&mut table, "cache")?;
        let settings = factory.config_from_value(Value::Object(table))?;
        ProviderConfig::assemble(factory, settings, state, cache)
    }

    /// [`ProviderConfig::from_env_with`] with this registry.
    pub fn config_from_env(&self, env: &Env) -> Result<ProviderConfig> {
        let known = self.env_keys();
        env.reject_unknown(OWNED_ENV_PREFIXES, EXEMPT_ENV_PREFIXES, &known)?;
        if let Some(path) = env.get("POLYAUTH_CONFIG") {
            return self.config_from_toml_file(path);
        }
        let name = env.get("POLYAUTH_PROVIDER").ok_or_else(|| {
            Error::config(format!(
                "no provider configured: set POLYAUTH_PROVIDER (one of {}) or POLYAUTH_CONFIG \
                 (a TOML file)",
                self.names().join(", ")
            ))
        })?;
        let factory = self.factory(&name)?;
        let settings = factory.config_from_env(env)?;
        ProviderConfig::assemble(
            factory,
            settings,
            StateConfig::from_env(env),
            CacheSettings::from_env(env)?,
        )
    }
}

impl ProviderConfig {
    fn assemble(
        factory: Arc<dyn ErasedFactory>,
        settings: Arc<dyn AnyConfig>,
        state: StateConfig,
        cache: CacheSettings,
    ) -> Result<Self> {
        let state = state.or(factory.state_config(settings.as_ref()))?;
        cache.validate()?;
        Ok(ProviderConfig {
            factory,
            settings,
            state,
            cache,
        })
    }
}

impl<'de> Deserialize<'de> for ProviderConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let table = Map::<String, Value>::deserialize(deserializer)?;
        ProviderConfig::from_map(table).map_err(|e| D::Error::custom(e.message()))
    }
}

/// Builds the provider a configuration describes, handing it the shared state store
/// ([`ProviderConfig::state_store`]) and its caches' setup ([`ProviderConfig::cache_setup`]).
///
/// Async because some backends connect at start-up (a Redis state store); the JWT provider
/// makes no network call here. The provider comes wrapped in
/// [`Instrumented`](polyauth_core::telemetry::Instrumented): a `tracing` span per call and the
/// verification metrics (see [`telemetry`](polyauth_core::telemetry)).
///
/// Errors: `ConfigInvalid` for settings the backend rejects (unparsable keys, contradictory
/// algorithms) or a Redis state store without the `redis` feature, `Unavailable` when a
/// start-up connection fails.
pub async fn build(config: &ProviderConfig) -> Result<Arc<dyn IdentityProvider>> {
    let context =
        BuildContext::new(config.state_store().await?).with_caches(config.cache_setup().await?);
    let provider = config
        .factory
        .build(config.settings.as_ref(), &context)
        .await?;
    Ok(Arc::new(polyauth_core::telemetry::Instrumented::new(
        provider,
    )))
}

/// Registers an application's provider in the [global registry](Registry::global), so that
/// `provider = "<name>"` in TOML or `POLYAUTH_PROVIDER=<name>` selects it exactly like a
/// built-in one. Call it once at start-up, before loading the configuration.
///
/// Errors: as [`Registry::register`] (an invalid or already registered name).
pub fn register_provider<F: ProviderFactory>(factory: F) -> Result<()> {
    Registry::global().register(factory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KNOWN_PROVIDERS, compiled_providers};
    use polyauth_core::ErrorKind;

    #[test]
    #[cfg(feature = "jwt")]
    fn a_misspelt_variable_is_an_error_that_names_the_right_one() {
        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "jwt"),
            ("POLYAUTH_JWT_SECRET", "s3cret-s3cret-s3cret-s3cret-s3cret"),
            ("POLYAUTH_JWT_AUDIANCE", "my-api"),
        ]);
        let e = ProviderConfig::from_env_with(&env).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains("POLYAUTH_JWT_AUDIANCE"), "{e}");
        assert!(
            e.message().contains("did you mean POLYAUTH_JWT_AUDIENCE"),
            "{e}"
        );
        assert!(!e.to_string().contains("my-api"), "never the value: {e}");
        // Known variables of other providers, the reference SDK's, and the test suite's pass.
        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "jwt"),
            ("POLYAUTH_JWT_SECRET", "s3cret-s3cret-s3cret-s3cret-s3cret"),
            ("POLYAUTH_TEST_ANYTHING", "x"),
            ("OTHER_APP_SETTING", "x"),
        ]);
        ProviderConfig::from_env_with(&env).unwrap();
        // Something no provider knows, far from every known name: named, no guess.
        let env = Env::from_pairs([("POLYAUTH_PROVIDER", "jwt"), ("SHANGCLOUD_XYZZY", "1")]);
        let e = ProviderConfig::from_env_with(&env).unwrap_err();
        assert!(e.message().contains("SHANGCLOUD_XYZZY"), "{e}");
        assert!(!e.message().contains("did you mean"), "{e}");
    }

    #[test]
    fn missing_features_are_named() {
        let e = Registry::empty()
            .config_from_toml_str("provider = \"shangcloud\"")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains("cargo feature `shangcloud`"), "{e}");
        assert!(e.message().contains("compiled-in providers: "), "{e}");
        let e = ProviderConfig::from_toml_str("provider = \"okta\"").unwrap_err();
        assert!(e.message().contains("unknown provider `okta`"), "{e}");
        let e = ProviderConfig::from_env_with(&Env::from_pairs([("X", "1")])).unwrap_err();
        assert!(e.message().contains("POLYAUTH_PROVIDER"), "{e}");
        assert!(e.message().contains("POLYAUTH_CONFIG"), "{e}");
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
        let config = ProviderConfig::from_env_with(&env).unwrap();
        let c: &polyauth_aigc::AigcConfig = config.settings().unwrap();
        assert_eq!(c.app_id, "1001");
        assert_eq!(c.timeout, std::time::Duration::from_secs(4));
        assert!(config.settings::<String>().is_none());
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

    #[cfg(not(feature = "redis"))]
    #[tokio::test]
    async fn a_shared_state_section_needs_the_redis_feature() {
        let c = ProviderConfig::from_toml_str(
            "provider = \"jwt\"\nsecret = \"s\"\n[state]\nredis_url = \"redis://127.0.0.1:1/\"",
        )
        .unwrap();
        let e = build(&c).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains("cargo feature `redis`"), "{e}");
        assert!(!e.to_string().contains("127.0.0.1"), "{e}");
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

    #[test]
    fn the_state_section_is_shared_and_checked() {
        let c = ProviderConfig::from_toml_str(
            "provider = \"jwt\"\nsecret = \"s\"\n[state]\nredis_url = \"redis://:pw-9@127.0.0.1:6379/\"\nkey_prefix = \"app:\"",
        )
        .unwrap();
        assert!(c.state().is_shared());
        assert_eq!(c.state().key_prefix(), "app:");
        assert!(!format!("{c:?}").contains("pw-9"), "{c:?}");
        let e = ProviderConfig::from_toml_str(
            "provider = \"jwt\"\nsecret = \"s\"\n[state]\nredis_uri = \"redis://x/\"",
        )
        .unwrap_err();
        assert!(e.message().contains("redis_uri"), "{e}");
        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "jwt"),
            ("POLYAUTH_JWT_SECRET", "s"),
            ("POLYAUTH_REDIS_URL", "redis://127.0.0.1:6379/"),
        ]);
        let c = ProviderConfig::from_env_with(&env).unwrap();
        assert!(c.state().is_shared());
        assert_eq!(c.state().key_prefix(), StateConfig::DEFAULT_KEY_PREFIX);
    }

    #[test]
    fn polyauth_config_names_a_toml_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("polyauth.toml");
        std::fs::write(
            &path,
            "provider = \"jwt\"\nsecret = \"s\"\naudience = \"api\"\n",
        )
        .unwrap();
        let env = Env::from_pairs([("POLYAUTH_CONFIG", path.to_str().unwrap())]);
        let c = ProviderConfig::from_env_with(&env).unwrap();
        assert_eq!(c.provider_name(), "jwt");
        assert!(ProviderConfig::load_from(&env).unwrap().is_some());
        assert!(
            ProviderConfig::load_from(&Env::from_pairs([("X", "1")]))
                .unwrap()
                .is_none()
        );
    }
}
