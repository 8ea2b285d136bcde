//! [`ShangCloudFactory`]: the ShangCloud backend as a registry entry
//! (`provider = "shangcloud"`).

use std::sync::Arc;

use polyauth_core::factory::{FnFactory, StateConfig};

use crate::{ShangCloudClient, ShangCloudConfig, ShangCloudProvider};

/// The key prefix of ShangCloud states when they are placed by the provider's own
/// `redis_url` key (kept so states in flight survive an upgrade).
pub const LEGACY_STATE_KEY_PREFIX: &str = "polyauth:shangcloud:state:";

/// The registry entry of the ShangCloud backend: a [`FnFactory`] over [`ShangCloudConfig`].
pub type ShangCloudFactory = FnFactory<ShangCloudConfig>;

/// Builds a [`ShangCloudProvider`] from `provider = "shangcloud"` configuration: the TOML keys
/// of [`crate::ShangCloudConfigFile`] or the `SHANGCLOUD_*` variables of
/// [`ShangCloudConfig::from_env`]. OAuth states go to the shared state store of the build
/// context; the provider's own `redis_url` / `redis_key_prefix` keys are aliases of the shared
/// `[state]` section (default prefix [`LEGACY_STATE_KEY_PREFIX`]).
pub const fn factory() -> ShangCloudFactory {
    FnFactory::new(
        crate::PROVIDER,
        ShangCloudConfig::from_env,
        |config, context| {
            let store = context.state_store().clone();
            let client = ShangCloudClient::with_state_store(config.clone(), store)?;
            let provider = ShangCloudProvider::from_client(client);
            Ok(Arc::new(provider.with_caches(context.caches())))
        },
    )
    .with_state_config(own_state_config)
    .with_env_keys(crate::config::ENV_KEYS)
}

fn own_state_config(config: &ShangCloudConfig) -> Option<StateConfig> {
    let prefix = config.redis_key_prefix.as_deref();
    Some(StateConfig {
        redis_url: Some(config.redis_url.clone()?),
        key_prefix: Some(prefix.unwrap_or(LEGACY_STATE_KEY_PREFIX).to_owned()),
    })
}
