//! [`AuthingFactory`]: the Authing backend as a registry entry (`provider = "authing"`).

use std::sync::Arc;

use polyauth_core::factory::FnFactory;

use crate::{AuthingConfig, AuthingProvider};

/// The registry entry of the Authing backend: a [`FnFactory`] over [`AuthingConfig`].
pub type AuthingFactory = FnFactory<AuthingConfig>;

/// Builds an [`AuthingProvider`] from `provider = "authing"` configuration: the TOML keys of
/// [`crate::AuthingConfigFile`] or the `AUTHING_*` variables of [`AuthingConfig::from_env`].
/// The authorization-code login keeps its `state` records in the shared state store of the
/// build context, so with `[state] redis_url` a login started on one instance completes on
/// another.
pub const fn factory() -> AuthingFactory {
    FnFactory::new(
        crate::transport::PROVIDER,
        AuthingConfig::from_env,
        |config, context| {
            let provider = AuthingProvider::new(config.clone())?;
            Ok(Arc::new(
                provider
                    .with_state_store(context.state_store().clone())
                    .with_caches(context.caches()),
            ))
        },
    )
    .with_env_keys(crate::config::ENV_KEYS)
}
