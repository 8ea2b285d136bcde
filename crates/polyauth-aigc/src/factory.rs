//! [`AigcFactory`]: the AIGC auth center as a registry entry (`provider = "aigc"`).

use std::sync::Arc;

use polyauth_core::env::Env;
use polyauth_core::factory::{BuildContext, ProviderFactory};
use polyauth_core::{IdentityProvider, Result, async_trait};

use crate::{AigcConfig, AigcProvider};

/// Builds an [`AigcProvider`] from `provider = "aigc"` configuration: the TOML keys of
/// [`crate::AigcConfigFile`] or the variables of [`AigcConfig::from_env`] (the reference SDK's
/// `AIGC_AUTH_*` included). Token verification keeps no OAuth state; a webhook receiver takes
/// the shared store from the application (`ProviderConfig::state_store` in the facade).
#[derive(Clone, Copy, Debug, Default)]
pub struct AigcFactory;

#[async_trait]
impl ProviderFactory for AigcFactory {
    type Config = AigcConfig;

    fn name(&self) -> &'static str {
        crate::PROVIDER
    }

    fn config_from_env(&self, env: &Env) -> Result<AigcConfig> {
        AigcConfig::from_env(env)
    }

    async fn build(
        &self,
        config: &AigcConfig,
        _context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>> {
        Ok(Arc::new(AigcProvider::new(config.clone())?))
    }
}
