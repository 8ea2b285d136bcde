//! [`AuthingFactory`]: the Authing backend as a registry entry (`provider = "authing"`).

use std::sync::Arc;

use polyauth_core::env::Env;
use polyauth_core::factory::{BuildContext, ProviderFactory};
use polyauth_core::{IdentityProvider, Result, async_trait};

use crate::{AuthingConfig, AuthingProvider};

/// Builds an [`AuthingProvider`] from `provider = "authing"` configuration: the TOML keys of
/// [`crate::AuthingConfigFile`] or the `AUTHING_*` variables of [`AuthingConfig::from_env`].
/// The authorization-code login keeps its `state` records in the shared state store of the
/// [`BuildContext`], so with `[state] redis_url` a login started on one instance completes on
/// another.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuthingFactory;

#[async_trait]
impl ProviderFactory for AuthingFactory {
    type Config = AuthingConfig;

    fn name(&self) -> &'static str {
        crate::transport::PROVIDER
    }

    fn config_from_env(&self, env: &Env) -> Result<AuthingConfig> {
        AuthingConfig::from_env(env)
    }

    async fn build(
        &self,
        config: &AuthingConfig,
        context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>> {
        Ok(Arc::new(
            AuthingProvider::new(config.clone())?.with_state_store(context.state_store().clone()),
        ))
    }
}
