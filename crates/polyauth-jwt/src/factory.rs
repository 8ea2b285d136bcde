//! [`JwtFactory`]: the local JWT provider as a registry entry (`provider = "jwt"`).

use std::sync::Arc;

use polyauth_core::factory::FnFactory;

use crate::{JwtConfig, JwtProvider};

/// The registry entry of the local JWT provider: a [`FnFactory`] over [`JwtConfig`].
pub type JwtFactory = FnFactory<JwtConfig>;

/// Builds a [`JwtProvider`] from `provider = "jwt"` configuration: the TOML keys of
/// [`crate::JwtConfigFile`] or the `POLYAUTH_JWT_*` variables of [`JwtConfig::from_env`]. The
/// provider keeps no OAuth state, so the shared state store is not used.
pub const fn factory() -> JwtFactory {
    FnFactory::new(crate::provider::NAME, JwtConfig::from_env, |config, _| {
        Ok(Arc::new(JwtProvider::new(config.clone())?))
    })
    .with_env_keys(crate::config::ENV_KEYS)
}
