//! [`JwtFactory`]: the local JWT provider as a registry entry (`provider = "jwt"`).

use std::sync::Arc;

use polyauth_core::env::Env;
use polyauth_core::factory::{BuildContext, ProviderFactory};
use polyauth_core::{IdentityProvider, Result, async_trait};

use crate::{JwtConfig, JwtProvider};

/// Builds a [`JwtProvider`] from `provider = "jwt"` configuration: the TOML keys of
/// [`crate::JwtConfigFile`] or the `POLYAUTH_JWT_*` variables of [`JwtConfig::from_env`]. The
/// provider keeps no OAuth state, so the shared state store is not used.
#[derive(Clone, Copy, Debug, Default)]
pub struct JwtFactory;

#[async_trait]
impl ProviderFactory for JwtFactory {
    type Config = JwtConfig;

    fn name(&self) -> &'static str {
        crate::provider::NAME
    }

    fn config_from_env(&self, env: &Env) -> Result<JwtConfig> {
        JwtConfig::from_env(env)
    }

    async fn build(
        &self,
        config: &JwtConfig,
        _context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>> {
        Ok(Arc::new(JwtProvider::new(config.clone())?))
    }
}
