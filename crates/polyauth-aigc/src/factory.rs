//! [`AigcFactory`]: the AIGC auth center as a registry entry (`provider = "aigc"`).

use std::sync::Arc;

use polyauth_core::factory::FnFactory;

use crate::{AigcConfig, AigcProvider};

/// The registry entry of the AIGC auth center: a [`FnFactory`] over [`AigcConfig`].
pub type AigcFactory = FnFactory<AigcConfig>;

/// Builds an [`AigcProvider`] from `provider = "aigc"` configuration: the TOML keys of
/// [`crate::AigcConfigFile`] or the variables of [`AigcConfig::from_env`] (the reference SDK's
/// `AIGC_AUTH_*` included). Token verification keeps no OAuth state; a webhook receiver takes
/// the shared store from the application (`ProviderConfig::state_store` in the facade).
pub const fn factory() -> AigcFactory {
    FnFactory::new(crate::PROVIDER, AigcConfig::from_env, |config, context| {
        let provider = AigcProvider::new(config.clone())?;
        Ok(Arc::new(provider.with_caches(context.caches())))
    })
    .with_env_keys(crate::config::ENV_KEYS)
}
