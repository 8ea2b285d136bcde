//! [`ShangCloudFactory`]: the ShangCloud backend as a registry entry
//! (`provider = "shangcloud"`).

use std::sync::Arc;

use polyauth_core::env::Env;
use polyauth_core::factory::{BuildContext, ProviderFactory, StateConfig};
use polyauth_core::{IdentityProvider, Result, async_trait};

use crate::{ShangCloudClient, ShangCloudConfig, ShangCloudProvider};

/// The key prefix of ShangCloud states when they are placed by the provider's own
/// `redis_url` key (kept so states in flight survive an upgrade).
pub const LEGACY_STATE_KEY_PREFIX: &str = "polyauth:shangcloud:state:";

/// Builds a [`ShangCloudProvider`] from `provider = "shangcloud"` configuration: the TOML keys
/// of [`crate::ShangCloudConfigFile`] or the `SHANGCLOUD_*` variables of
/// [`ShangCloudConfig::from_env`]. OAuth states go to the shared state store of the
/// [`BuildContext`]; the provider's own `redis_url` / `redis_key_prefix` keys are aliases of
/// the shared `[state]` section (default prefix [`LEGACY_STATE_KEY_PREFIX`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct ShangCloudFactory;

#[async_trait]
impl ProviderFactory for ShangCloudFactory {
    type Config = ShangCloudConfig;

    fn name(&self) -> &'static str {
        crate::PROVIDER
    }

    fn config_from_env(&self, env: &Env) -> Result<ShangCloudConfig> {
        ShangCloudConfig::from_env(env)
    }

    fn state_config(&self, config: &ShangCloudConfig) -> Option<StateConfig> {
        let url = config.redis_url.clone()?;
        Some(StateConfig {
            redis_url: Some(url),
            key_prefix: Some(
                config
                    .redis_key_prefix
                    .clone()
                    .unwrap_or_else(|| LEGACY_STATE_KEY_PREFIX.to_owned()),
            ),
        })
    }

    async fn build(
        &self,
        config: &ShangCloudConfig,
        context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>> {
        let client =
            ShangCloudClient::with_state_store(config.clone(), context.state_store().clone())?;
        Ok(Arc::new(ShangCloudProvider::from_client(client)))
    }
}
