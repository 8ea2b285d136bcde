//! How a provider is built from configuration: [`ProviderFactory`], the one contract every
//! backend (and every application provider) implements to be chosen by name, and the shared
//! pieces a factory receives ([`BuildContext`]) or may ask for ([`StateConfig`]).
//!
//! The `polyauth` facade keeps a registry of factories keyed by [`ProviderFactory::name`]:
//! `provider = "my-idp"` in TOML or `POLYAUTH_PROVIDER=my-idp` picks the factory, which parses
//! its own keys (serde, `deny_unknown_fields`) or variables, and then builds the provider with
//! the state store configured once for every provider.
//!
//! ```
//! use std::sync::Arc;
//! use polyauth_core::env::Env;
//! use polyauth_core::factory::{BuildContext, ProviderFactory};
//! use polyauth_core::{
//!     async_trait, AccessToken, Capabilities, Error, IdentityProvider, Result, UserProfile,
//!     VerifiedToken,
//! };
//!
//! /// The provider: one fixed API key.
//! #[derive(Debug)]
//! struct OneKey { key: String, user: String }
//!
//! #[async_trait]
//! impl IdentityProvider for OneKey {
//!     fn name(&self) -> &'static str { "one-key" }
//!     fn capabilities(&self) -> Capabilities {
//!         Capabilities { verify: true, user_info: true, ..Default::default() }
//!     }
//!     async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
//!         if token.expose_secret() == self.key {
//!             Ok(VerifiedToken::new(self.user.clone()))
//!         } else {
//!             Err(Error::invalid_token("unknown key").with_context("one-key", "verify"))
//!         }
//!     }
//!     async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
//!         let id = self.verify(token).await?.subject;
//!         Ok(Arc::new(UserProfile::new("one-key", id)))
//!     }
//! }
//!
//! /// Its configuration: the keys of `provider = "one-key"`.
//! #[derive(Clone, Debug, serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct OneKeyConfig { key: String, user: String }
//!
//! /// The factory the registry holds.
//! #[derive(Debug)]
//! struct OneKeyFactory;
//!
//! #[async_trait]
//! impl ProviderFactory for OneKeyFactory {
//!     type Config = OneKeyConfig;
//!     fn name(&self) -> &'static str { "one-key" }
//!     fn config_from_env(&self, env: &Env) -> Result<OneKeyConfig> {
//!         Ok(OneKeyConfig { key: env.required("ONE_KEY")?, user: env.required("ONE_KEY_USER")? })
//!     }
//!     async fn build(&self, config: &OneKeyConfig, _: &BuildContext)
//!         -> Result<Arc<dyn IdentityProvider>>
//!     {
//!         Ok(Arc::new(OneKey { key: config.key.clone(), user: config.user.clone() }))
//!     }
//! }
//! # let _ = OneKeyFactory;
//! ```

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::cache::{CacheOverrides, CacheSetup, SharedCacheConfig};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::provider::IdentityProvider;
use crate::secret::Secret;
use crate::state::{MemoryStateStore, StateStore};

/// Builds one kind of provider from configuration: the unit the `polyauth` facade's registry
/// holds, for the built-in backends and for an application's own provider alike.
///
/// A factory has a name (the value of `provider = "..."` / `POLYAUTH_PROVIDER`), a typed
/// configuration read from a TOML table (serde; use `#[serde(deny_unknown_fields)]` so a typo
/// fails at start-up, naming the key) or from environment variables, and an async `build`.
#[async_trait]
pub trait ProviderFactory: Send + Sync + Debug + 'static {
    /// The provider's configuration, deserialized from the provider's TOML keys (all the
    /// top-level keys except `provider` and the shared `[state]` section).
    type Config: DeserializeOwned + Clone + Debug + Send + Sync + 'static;

    /// The name configuration selects this provider by (`"jwt"`, `"authing"`, `"my-idp"`):
    /// lowercase ASCII letters, digits, `-` and `_`.
    fn name(&self) -> &'static str;

    /// Reads the configuration from environment variables (or a `.env` file, through `env`).
    ///
    /// Errors: `ConfigInvalid` naming the missing or invalid variable (never its value).
    fn config_from_env(&self, env: &Env) -> Result<Self::Config>;

    /// Every environment variable [`config_from_env`](Self::config_from_env) reads. The
    /// `polyauth` facade refuses variables with polyauth's prefixes (`POLYAUTH_`,
    /// `AIGC_AUTH_`, `AUTHING_`, `SHANGCLOUD_`) that no registered provider knows, so a
    /// provider of your own that reads such variables lists them here. Default: none.
    fn env_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Checks a configuration read from TOML (or any serde source) beyond what serde checks:
    /// key material that must parse, contradictory settings. The default accepts it.
    ///
    /// Errors: `ConfigInvalid` naming the key.
    fn validate(&self, config: &Self::Config) -> Result<()> {
        let _ = config;
        Ok(())
    }

    /// Where this provider's *own* keys place the shared state, for backends that had such
    /// keys before the shared `[state]` section existed (ShangCloud's `redis_url`). Used only
    /// when `[state]` names no store. The default is `None`.
    fn state_config(&self, config: &Self::Config) -> Option<StateConfig> {
        let _ = config;
        None
    }

    /// Builds the provider. `context` carries what is configured once for every provider
    /// (the state store for OAuth `state` values and replay guards).
    ///
    /// Errors: `ConfigInvalid` for settings the backend rejects; `Unavailable` when a start-up
    /// connection fails.
    async fn build(
        &self,
        config: &Self::Config,
        context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>>;
}

/// Builds a provider synchronously from its configuration and the shared build context.
pub type BuildFn<C> = fn(&C, &BuildContext) -> Result<Arc<dyn IdentityProvider>>;

/// A [`ProviderFactory`] made of plain functions: the name, how to read the configuration
/// from the environment, and how to build the provider from it. The built-in backends are
/// such factories; a provider whose construction must await (discovery, a start-up
/// connection) implements [`ProviderFactory`] itself.
///
/// ```
/// use std::sync::Arc;
/// use polyauth_core::env::Env;
/// use polyauth_core::factory::FnFactory;
/// # use polyauth_core::{async_trait, AccessToken, Capabilities, IdentityProvider, Result, UserProfile, VerifiedToken};
/// # #[derive(Debug)] struct Fixed(String);
/// # #[async_trait] impl IdentityProvider for Fixed {
/// #     fn name(&self) -> &'static str { "fixed" }
/// #     fn capabilities(&self) -> Capabilities { Capabilities::default() }
/// #     async fn verify(&self, _: &AccessToken) -> Result<VerifiedToken> { Ok(VerifiedToken::new(self.0.clone())) }
/// #     async fn user_info(&self, _: &AccessToken) -> Result<Arc<UserProfile>> { Ok(Arc::new(UserProfile::new("fixed", self.0.clone()))) }
/// # }
/// #[derive(Clone, Debug, serde::Deserialize)]
/// struct FixedConfig { user: String }
///
/// let factory: FnFactory<FixedConfig> = FnFactory::new(
///     "fixed",
///     |env: &Env| Ok(FixedConfig { user: env.required("FIXED_USER")? }),
///     |config, _context| Ok(Arc::new(Fixed(config.user.clone()))),
/// );
/// # let _ = factory;
/// ```
pub struct FnFactory<C> {
    name: &'static str,
    from_env: fn(&Env) -> Result<C>,
    build: BuildFn<C>,
    state_config: fn(&C) -> Option<StateConfig>,
    env_keys: &'static [&'static str],
}

impl<C> FnFactory<C> {
    /// A factory named `name` (the value of `provider = "..."`) that reads its configuration
    /// with `from_env` and builds the provider with `build`.
    pub const fn new(
        name: &'static str,
        from_env: fn(&Env) -> Result<C>,
        build: BuildFn<C>,
    ) -> Self {
        FnFactory {
            name,
            from_env,
            build,
            state_config: |_| None,
            env_keys: &[],
        }
    }

    /// The same factory, declaring the environment variables `from_env` reads (see
    /// [`ProviderFactory::env_keys`]).
    pub const fn with_env_keys(mut self, env_keys: &'static [&'static str]) -> Self {
        self.env_keys = env_keys;
        self
    }

    /// The same factory, whose own configuration keys may place the shared state
    /// (see [`ProviderFactory::state_config`]).
    pub const fn with_state_config(mut self, state_config: fn(&C) -> Option<StateConfig>) -> Self {
        self.state_config = state_config;
        self
    }
}

impl<C> Debug for FnFactory<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnFactory")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<C> ProviderFactory for FnFactory<C>
where
    C: DeserializeOwned + Clone + Debug + Send + Sync + 'static,
{
    type Config = C;

    fn name(&self) -> &'static str {
        self.name
    }

    fn config_from_env(&self, env: &Env) -> Result<C> {
        (self.from_env)(env)
    }

    fn state_config(&self, config: &C) -> Option<StateConfig> {
        (self.state_config)(config)
    }

    fn env_keys(&self) -> &'static [&'static str] {
        self.env_keys
    }

    async fn build(&self, config: &C, context: &BuildContext) -> Result<Arc<dyn IdentityProvider>> {
        (self.build)(config, context)
    }
}

/// What every factory receives at build time: the pieces configured once for all providers.
#[derive(Clone, Debug)]
pub struct BuildContext {
    state_store: Arc<dyn StateStore>,
    caches: CacheSetup,
}

impl BuildContext {
    /// A context whose state store is `state_store` (a `MemoryStateStore` for one instance, a
    /// `RedisStateStore` shared by every instance).
    pub fn new(state_store: Arc<dyn StateStore>) -> Self {
        BuildContext {
            state_store,
            caches: CacheSetup::default(),
        }
    }

    /// The same context whose providers build their verification caches with `caches`
    /// (shared tier, overrides).
    pub fn with_caches(mut self, caches: CacheSetup) -> Self {
        self.caches = caches;
        self
    }

    /// How providers build their verification caches: with the shared tier (when configured)
    /// and the application's overrides. Backends with a cache must build it here.
    pub fn caches(&self) -> &CacheSetup {
        &self.caches
    }

    /// Where OAuth `state` values, PKCE verifiers and webhook replay guards are kept. Backends
    /// that log users in or guard against replays must use this store rather than make their
    /// own, so one setting moves all of them to Redis.
    pub fn state_store(&self) -> &Arc<dyn StateStore> {
        &self.state_store
    }
}

impl Default for BuildContext {
    /// A context with an in-process [`MemoryStateStore`] (default bounds).
    fn default() -> Self {
        BuildContext::new(Arc::new(MemoryStateStore::default()))
    }
}

/// The shared-state section of the configuration, valid for every provider: `[state]` in
/// TOML, `POLYAUTH_REDIS_URL` / `POLYAUTH_STATE_KEY_PREFIX` in the environment.
///
/// With no `redis_url` the state lives in process memory (one instance); with one, in Redis,
/// so a login started on one instance completes on another (the `polyauth` facade's `redis`
/// feature provides the connection).
///
/// ```toml
/// provider = "authing"
/// # ... the provider's keys ...
/// [state]
/// redis_url = "redis://127.0.0.1:6379/0"
/// key_prefix = "myapp:state:"      # optional; default "polyauth:state:"
/// ```
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// The Redis URL (may carry a password: it is a secret and never printed).
    pub redis_url: Option<Secret>,
    /// The prefix of every key polyauth writes to Redis. Default: [`StateConfig::DEFAULT_KEY_PREFIX`].
    pub key_prefix: Option<String>,
}

impl StateConfig {
    /// The key prefix used when none is configured.
    pub const DEFAULT_KEY_PREFIX: &'static str = "polyauth:state:";

    /// Reads `POLYAUTH_REDIS_URL` and `POLYAUTH_STATE_KEY_PREFIX` (both optional).
    pub fn from_env(env: &Env) -> Self {
        StateConfig {
            redis_url: env.secret("POLYAUTH_REDIS_URL"),
            key_prefix: env.get("POLYAUTH_STATE_KEY_PREFIX"),
        }
    }

    /// Whether a shared store (Redis) is configured.
    pub fn is_shared(&self) -> bool {
        self.redis_url.is_some()
    }

    /// The key prefix, or [`StateConfig::DEFAULT_KEY_PREFIX`].
    pub fn key_prefix(&self) -> &str {
        self.key_prefix
            .as_deref()
            .unwrap_or(StateConfig::DEFAULT_KEY_PREFIX)
    }

    /// `self` where it names a store, else `fallback`.
    ///
    /// Errors: `ConfigInvalid` when both name a Redis URL and the two differ (the shared
    /// `[state]` section and a provider's own `redis_url` contradict each other).
    pub fn or(self, fallback: Option<StateConfig>) -> Result<StateConfig> {
        match (self.is_shared(), fallback) {
            (_, None) => Ok(self),
            (false, Some(fallback)) => Ok(fallback),
            (true, Some(fallback))
                if !fallback.is_shared() || fallback.redis_url == self.redis_url =>
            {
                Ok(self)
            }
            (true, Some(_)) => Err(Error::config(
                "the shared `[state] redis_url` and the provider's own `redis_url` name different \
                 stores: keep one",
            )),
        }
    }
}

/// The `[cache]` section of the configuration, valid for every provider with a verification
/// cache (AIGC, Authing's online mode, ShangCloud, OIDC introspection and UserInfo modes):
/// `[cache]` in TOML, `POLYAUTH_CACHE_*` in the environment.
///
/// - `ttl_seconds`, `negative_ttl_seconds`, `capacity`, when set, replace the provider's own
///   cache settings ([`CacheOverrides`]).
/// - `shared = true` adds the shared tier in Redis (the `polyauth` facade's `redis` feature):
///   every instance shares verification answers, makes one upstream call per new token, and
///   drops invalidated tokens and users at once. It needs `key_secret` (32 bytes or more, the
///   same on every instance: it keys the hashes stored in Redis) and a Redis URL: `redis_url`,
///   or else the `[state]` section's.
///
/// ```toml
/// [cache]
/// shared = true
/// key_secret = "at-least-32-bytes-of-random-secret"
/// ttl_seconds = 60
/// # redis_url = "redis+cluster://10.0.0.1:7000,10.0.0.2:7000/"   # default: [state] redis_url
/// # key_prefix = "polyauth:cache:"
/// # lease_ms = 10000
/// ```
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSettings {
    /// Whether the shared tier (Redis) is used. Default `false`.
    #[serde(default)]
    pub shared: bool,
    /// The shared tier's Redis URL (a secret); default: `[state] redis_url`.
    pub redis_url: Option<Secret>,
    /// The deployment's key for the keyed hashes in the shared tier (32 bytes or more).
    pub key_secret: Option<Secret>,
    /// The prefix of the shared tier's keys; default `polyauth:cache:`.
    pub key_prefix: Option<String>,
    /// Replaces every provider's cache TTL, in seconds (at most 86,400).
    pub ttl_seconds: Option<u64>,
    /// Replaces every provider's negative TTL (invalid tokens), in seconds (at most 86,400).
    pub negative_ttl_seconds: Option<u64>,
    /// Replaces every provider's cache capacity, in entries.
    pub capacity: Option<u64>,
    /// How long one instance may hold the lease of a new token while it asks the provider,
    /// in milliseconds (default 10,000; at least the provider's request timeout).
    pub lease_ms: Option<u64>,
}

impl CacheSettings {
    /// Every environment variable [`from_env`](Self::from_env) reads.
    pub const ENV_KEYS: &'static [&'static str] = &[
        "POLYAUTH_CACHE_SHARED",
        "POLYAUTH_CACHE_REDIS_URL",
        "POLYAUTH_CACHE_KEY_SECRET",
        "POLYAUTH_CACHE_KEY_PREFIX",
        "POLYAUTH_CACHE_TTL_SECONDS",
        "POLYAUTH_CACHE_NEGATIVE_TTL_SECONDS",
        "POLYAUTH_CACHE_CAPACITY",
        "POLYAUTH_CACHE_LEASE_MS",
    ];

    /// Reads `POLYAUTH_CACHE_SHARED` (`true`/`false`), `POLYAUTH_CACHE_REDIS_URL`,
    /// `POLYAUTH_CACHE_KEY_SECRET`, `POLYAUTH_CACHE_KEY_PREFIX`, `POLYAUTH_CACHE_TTL_SECONDS`,
    /// `POLYAUTH_CACHE_NEGATIVE_TTL_SECONDS`, `POLYAUTH_CACHE_CAPACITY` and
    /// `POLYAUTH_CACHE_LEASE_MS` (all optional).
    ///
    /// Errors: `ConfigInvalid` naming a variable that does not parse.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(CacheSettings {
            shared: env.bool("POLYAUTH_CACHE_SHARED")?.unwrap_or(false),
            redis_url: env.secret("POLYAUTH_CACHE_REDIS_URL"),
            key_secret: env.secret("POLYAUTH_CACHE_KEY_SECRET"),
            key_prefix: env.get("POLYAUTH_CACHE_KEY_PREFIX"),
            ttl_seconds: env.parse("POLYAUTH_CACHE_TTL_SECONDS")?,
            negative_ttl_seconds: env.parse("POLYAUTH_CACHE_NEGATIVE_TTL_SECONDS")?,
            capacity: env.parse("POLYAUTH_CACHE_CAPACITY")?,
            lease_ms: env.parse("POLYAUTH_CACHE_LEASE_MS")?,
        })
    }

    /// Checks the ranges (TTLs at most 86,400 s, capacity at most 100 million, lease 1 ms to
    /// 5 minutes) and, with `shared`, the key secret (32 bytes or more) and a key prefix
    /// without `{` or `}` (they would change the keys' hash slots in a cluster).
    ///
    /// Errors: `ConfigInvalid` naming the key.
    pub fn validate(&self) -> Result<()> {
        use crate::env::check_range;
        for (key, value) in [
            ("cache.ttl_seconds", self.ttl_seconds),
            ("cache.negative_ttl_seconds", self.negative_ttl_seconds),
        ] {
            if let Some(v) = value {
                check_range(key, v, 0..=86_400, "seconds")?;
            }
        }
        if let Some(capacity) = self.capacity {
            check_range("cache.capacity", capacity, 0..=100_000_000, "entries")?;
        }
        if self.shared {
            let secret = self.key_secret.clone().ok_or_else(|| {
                Error::config(
                    "`[cache] shared = true` needs `key_secret` (POLYAUTH_CACHE_KEY_SECRET): 32                      bytes or more, the same on every instance",
                )
            })?;
            self.shared_config(secret).validate()?;
            if self.key_prefix().contains(['{', '}']) {
                return Err(Error::config(
                    "`cache.key_prefix` must not contain `{` or `}`",
                ));
            }
        }
        Ok(())
    }

    /// The overrides of every provider's cache settings.
    pub fn overrides(&self) -> CacheOverrides {
        CacheOverrides {
            ttl: self.ttl_seconds.map(std::time::Duration::from_secs),
            negative_ttl: self
                .negative_ttl_seconds
                .map(std::time::Duration::from_secs),
            capacity: self.capacity,
        }
    }

    /// The shared tier's key prefix, or `polyauth:cache:`.
    pub fn key_prefix(&self) -> &str {
        self.key_prefix.as_deref().unwrap_or("polyauth:cache:")
    }

    /// The [`SharedCacheConfig`] with `key_secret` and the configured lease.
    pub fn shared_config(&self, key_secret: Secret) -> SharedCacheConfig {
        let mut config = SharedCacheConfig::new(key_secret);
        if let Some(ms) = self.lease_ms {
            config.lease_ttl = std::time::Duration::from_millis(ms);
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_config_prefers_the_shared_section_and_refuses_contradictions() {
        let shared = StateConfig {
            redis_url: Some(Secret::new("redis://a/")),
            key_prefix: None,
        };
        let own = StateConfig {
            redis_url: Some(Secret::new("redis://b/")),
            key_prefix: Some("p:".into()),
        };
        assert_eq!(StateConfig::default().or(Some(own.clone())).unwrap(), own);
        assert_eq!(shared.clone().or(None).unwrap(), shared);
        let e = shared.or(Some(own)).unwrap_err();
        assert!(!e.to_string().contains("redis://"), "{e}");
        assert_eq!(StateConfig::default().key_prefix(), "polyauth:state:");
    }
}
