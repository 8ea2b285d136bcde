//! The provider registry: which [`ProviderFactory`] answers to which name.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use polyauth_core::env::Env;
use polyauth_core::factory::{BuildContext, ProviderFactory, StateConfig};
use polyauth_core::{Error, IdentityProvider, Result, async_trait};
use serde_json::{Map, Value};

/// The built-in providers, compiled in or not, with the cargo feature of the `polyauth` crate
/// that compiles each in.
pub const KNOWN_PROVIDERS: &[&str] = &["jwt", "aigc", "authing", "shangcloud", "oidc"];

/// The prefixes of the environment variables polyauth owns: a variable with one of them that no
/// registered provider reads is a configuration error (a typo must not turn a check off).
pub const OWNED_ENV_PREFIXES: &[&str] = &["POLYAUTH_", "AIGC_AUTH_", "AUTHING_", "SHANGCLOUD_"];

/// Variables with polyauth's prefixes that are not configuration: `POLYAUTH_TEST_*` belong to
/// the test suite.
pub const EXEMPT_ENV_PREFIXES: &[&str] = &["POLYAUTH_TEST_"];

/// The facade's own variables.
const FACADE_ENV_KEYS: &[&str] = &[
    "POLYAUTH_PROVIDER",
    "POLYAUTH_CONFIG",
    "POLYAUTH_REDIS_URL",
    "POLYAUTH_STATE_KEY_PREFIX",
];

/// The built-in provider names compiled into this build (by cargo feature).
pub fn compiled_providers() -> Vec<&'static str> {
    Registry::with_builtins().names()
}

/// A set of provider factories keyed by name: the built-in backends compiled into this build
/// and any the application registers. Configuration picks one by its `provider` key (TOML) or
/// `POLYAUTH_PROVIDER` (environment).
///
/// [`Registry::global`] is the process-wide registry that [`crate::ProviderConfig`]'s
/// constructors read; register an application provider there once at start-up with
/// [`crate::register_provider`]. An explicit `Registry` serves tests and programs that want
/// no global state.
///
/// ```
/// # use polyauth::Registry;
/// let registry = Registry::with_builtins();
/// assert!(registry.names().contains(&"jwt"));
/// let config = registry.config_from_toml_str("provider = \"jwt\"\nsecret = \"s\"").unwrap();
/// assert_eq!(config.provider_name(), "jwt");
/// ```
#[derive(Debug, Default)]
pub struct Registry {
    factories: RwLock<BTreeMap<&'static str, Arc<dyn ErasedFactory>>>,
}

static GLOBAL: LazyLock<Registry> = LazyLock::new(Registry::with_builtins);

impl Registry {
    /// A registry with no provider at all.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// A registry holding the built-in backends compiled into this build: the one list of
    /// them, one line per cargo feature.
    pub fn with_builtins() -> Self {
        let registry = Registry::empty();
        #[cfg(feature = "jwt")]
        registry.insert(polyauth_jwt::factory());
        #[cfg(feature = "aigc")]
        registry.insert(polyauth_aigc::factory());
        #[cfg(feature = "authing")]
        registry.insert(polyauth_authing::factory());
        #[cfg(feature = "shangcloud")]
        registry.insert(polyauth_shangcloud::factory());
        #[cfg(feature = "oidc")]
        registry.insert(polyauth_oidc::OidcFactory);
        registry
    }

    /// The process-wide registry: the compiled-in backends plus whatever the application
    /// registered with [`crate::register_provider`].
    pub fn global() -> &'static Registry {
        &GLOBAL
    }

    /// Adds `factory` under its [`ProviderFactory::name`].
    ///
    /// Errors: `ConfigInvalid` when the name is not lowercase ASCII letters, digits, `-` and
    /// `_`, or a provider of that name is already registered (a built-in one included: pick
    /// another name rather than shadow a backend).
    pub fn register<F: ProviderFactory>(&self, factory: F) -> Result<()> {
        let name = factory.name();
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid {
            return Err(Error::config(format!(
                "provider name `{name}` is not lowercase ASCII letters, digits, `-` and `_`"
            )));
        }
        let mut factories = self
            .factories
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if factories.contains_key(name) {
            return Err(Error::config(format!(
                "a provider named `{name}` is already registered"
            )));
        }
        factories.insert(name, Arc::new(Erased(factory)));
        Ok(())
    }

    #[cfg_attr(
        not(any(
            feature = "jwt",
            feature = "aigc",
            feature = "authing",
            feature = "shangcloud",
            feature = "oidc"
        )),
        allow(dead_code)
    )]
    fn insert<F: ProviderFactory>(&self, factory: F) {
        let mut factories = self
            .factories
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        factories.insert(factory.name(), Arc::new(Erased(factory)));
    }

    /// The registered provider names, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let factories = self
            .factories
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        factories.keys().copied().collect()
    }

    /// Every environment variable a registered provider reads, plus the facade's own.
    pub fn env_keys(&self) -> Vec<&'static str> {
        let factories = self
            .factories
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let mut keys: Vec<&'static str> = FACADE_ENV_KEYS.to_vec();
        keys.extend(polyauth_core::CacheSettings::ENV_KEYS);
        keys.extend(
            factories
                .values()
                .flat_map(|f| f.env_keys().iter().copied()),
        );
        keys
    }

    /// The factory registered under `name` (ASCII case-insensitive).
    ///
    /// Errors: `ConfigInvalid` that lists the registered providers, and for a built-in
    /// provider whose feature is not compiled in, names the cargo feature to enable.
    pub(crate) fn factory(&self, name: &str) -> Result<Arc<dyn ErasedFactory>> {
        let name = name.to_ascii_lowercase();
        let factories = self
            .factories
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(factory) = factories.get(name.as_str()) {
            return Ok(factory.clone());
        }
        let registered = factories.keys().copied().collect::<Vec<_>>().join(", ");
        Err(if KNOWN_PROVIDERS.contains(&name.as_str()) {
            Error::config(format!(
                "provider `{name}` is not compiled in: enable the cargo feature `{name}` of the \
                 `polyauth` crate (compiled-in providers: {registered})"
            ))
        } else {
            Error::config(format!(
                "unknown provider `{name}` (registered: {registered}; built in: {})",
                KNOWN_PROVIDERS.join(", ")
            ))
        })
    }
}

/// A configuration value of some factory's `Config` type, kept behind `dyn`.
pub(crate) trait AnyConfig: Any + Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any + Debug + Send + Sync> AnyConfig for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// [`ProviderFactory`] with its `Config` type erased, so factories of different configuration
/// types live in one map.
#[async_trait]
pub(crate) trait ErasedFactory: Debug + Send + Sync {
    fn name(&self) -> &'static str;
    fn config_from_value(&self, value: Value) -> Result<Arc<dyn AnyConfig>>;
    fn config_from_env(&self, env: &Env) -> Result<Arc<dyn AnyConfig>>;
    fn env_keys(&self) -> &'static [&'static str];
    fn state_config(&self, config: &dyn AnyConfig) -> Option<StateConfig>;
    async fn build(
        &self,
        config: &dyn AnyConfig,
        context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>>;
}

#[derive(Debug)]
struct Erased<F>(F);

/// `factory` behind the erased interface.
pub(crate) fn erase<F: ProviderFactory>(factory: F) -> impl ErasedFactory {
    Erased(factory)
}

impl<F: ProviderFactory> Erased<F> {
    fn typed<'a>(&self, config: &'a dyn AnyConfig) -> Result<&'a F::Config> {
        config.as_any().downcast_ref::<F::Config>().ok_or_else(|| {
            Error::config(format!(
                "the configuration given to provider `{}` is not its own",
                self.0.name()
            ))
        })
    }
}

#[async_trait]
impl<F: ProviderFactory> ErasedFactory for Erased<F> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn config_from_value(&self, value: Value) -> Result<Arc<dyn AnyConfig>> {
        let config: F::Config = serde_json::from_value(value).map_err(|e| {
            Error::config(format!(
                "invalid `{}` provider configuration: {}",
                self.0.name(),
                without_values(&e.to_string())
            ))
        })?;
        self.0.validate(&config)?;
        Ok(Arc::new(config))
    }

    fn config_from_env(&self, env: &Env) -> Result<Arc<dyn AnyConfig>> {
        Ok(Arc::new(self.0.config_from_env(env)?))
    }

    fn env_keys(&self) -> &'static [&'static str] {
        self.0.env_keys()
    }

    fn state_config(&self, config: &dyn AnyConfig) -> Option<StateConfig> {
        self.typed(config)
            .ok()
            .and_then(|config| self.0.state_config(config))
    }

    async fn build(
        &self,
        config: &dyn AnyConfig,
        context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>> {
        self.0.build(self.typed(config)?, context).await
    }
}

/// Takes the shared section `name` (`[state]`, `[cache]`) out of a configuration table,
/// leaving the provider's own keys. Errors: `ConfigInvalid` when it is not a table or has
/// unknown or mistyped keys (named, never their values).
pub(crate) fn split_section<T: serde::de::DeserializeOwned + Default>(
    table: &mut Map<String, Value>,
    name: &str,
) -> Result<T> {
    match table.remove(name) {
        None => Ok(T::default()),
        Some(value @ Value::Object(_)) => serde_json::from_value(value).map_err(|e| {
            Error::config(format!(
                "invalid `[{name}]` configuration: {}",
                without_values(&e.to_string())
            ))
        }),
        Some(_) => Err(Error::config(format!(
            "`{name}` must be a table (`[{name}]`)"
        ))),
    }
}

/// Drops the offending *value* from a serde type/value error ("invalid type: string
/// \"hunter2\", expected u64" → "invalid type: string, expected u64"), so a secret given in the
/// wrong shape never reaches a start-up log. Key names (unknown or missing fields) are kept.
pub(crate) fn without_values(message: &str) -> String {
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
