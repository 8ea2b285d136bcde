//! Opening what the `[state]` and `[cache]` sections describe: the state store and the
//! verification caches' setup (Redis with the `redis` feature, else process memory).

use std::sync::Arc;

use polyauth_core::cache::CacheSetup;
use polyauth_core::factory::{CacheSettings, StateConfig};
use polyauth_core::{Error, MemoryStateStore, Result, StateStore};

/// The message of a Redis setting without the `redis` feature.
#[cfg(not(feature = "redis"))]
fn needs_redis_feature(what: &str) -> Error {
    Error::config(format!(
        "{what} needs the cargo feature `redis` of the `polyauth` crate; enable it or remove \
         the Redis setting"
    ))
}

/// The state store `state` names: Redis when it has a `redis_url`, else a new in-process
/// [`MemoryStateStore`]. Errors: as `ProviderConfig::state_store`.
pub(crate) async fn state_store(state: &StateConfig) -> Result<Arc<dyn StateStore>> {
    let Some(url) = &state.redis_url else {
        return Ok(Arc::new(MemoryStateStore::default()));
    };
    #[cfg(feature = "redis")]
    {
        let options = polyauth_redis::RedisOptions::default().with_key_prefix(state.key_prefix());
        let store = polyauth_redis::RedisStateStore::connect_with(url.expose_secret(), options);
        Ok(Arc::new(store.await?))
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = url;
        Err(needs_redis_feature("a state `redis_url`"))
    }
}

/// The caches' setup `cache` describes, its shared tier in the Redis of `[cache] redis_url`
/// or else `[state] redis_url`. Errors: as `ProviderConfig::cache_setup`.
pub(crate) async fn cache_setup(cache: &CacheSettings, state: &StateConfig) -> Result<CacheSetup> {
    cache.validate()?;
    if !cache.shared {
        return Ok(CacheSetup::new(None, cache.overrides()));
    }
    let url = cache
        .redis_url
        .as_ref()
        .or(state.redis_url.as_ref())
        .ok_or_else(|| {
            Error::config(
                "`[cache] shared = true` needs a Redis URL: `[cache] redis_url` \
                 (POLYAUTH_CACHE_REDIS_URL) or `[state] redis_url` (POLYAUTH_REDIS_URL)",
            )
        })?;
    let secret = cache
        .key_secret
        .clone()
        .ok_or_else(|| Error::config("`[cache] shared = true` needs `key_secret`"))?;
    #[cfg(feature = "redis")]
    {
        let options = polyauth_redis::RedisOptions::default().with_key_prefix(cache.key_prefix());
        let tier = polyauth_redis::RedisSharedTier::connect(url.expose_secret(), options).await?;
        let shared = polyauth_core::SharedCache::new(Arc::new(tier), cache.shared_config(secret))?;
        Ok(CacheSetup::new(Some(shared), cache.overrides()))
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = (url, secret);
        Err(needs_redis_feature("`[cache] shared = true`"))
    }
}

#[cfg(all(test, feature = "jwt"))]
mod tests {
    use crate::ProviderConfig;
    use polyauth_core::ErrorKind;
    use polyauth_core::env::Env;
    use std::time::Duration;

    const JWT: &str = "provider = \"jwt\"\nsecret = \"s3cret-s3cret-s3cret-s3cret-s3cret\"\n";

    #[tokio::test]
    async fn the_cache_section_overrides_and_is_checked() {
        let c = ProviderConfig::from_toml_str(&format!(
            "{JWT}[cache]\nttl_seconds = 30\ncapacity = 500\n"
        ))
        .unwrap();
        let setup = c.cache_setup().await.unwrap();
        assert_eq!(setup.overrides().ttl, Some(Duration::from_secs(30)));
        assert_eq!(setup.overrides().capacity, Some(500));
        assert!(setup.shared().is_none());

        for (toml, named) in [
            ("[cache]\nttl_secs = 30\n", "ttl_secs"),
            ("[cache]\nttl_seconds = 90000\n", "cache.ttl_seconds"),
            ("[cache]\nshared = true\n", "key_secret"),
            (
                "[cache]\nshared = true\nkey_secret = \"short\"\n",
                "key_secret",
            ),
            (
                "[cache]\nshared = true\nkey_secret = \"0123456789abcdef0123456789abcdef\"\nkey_prefix = \"{x}\"\n",
                "key_prefix",
            ),
        ] {
            let e = ProviderConfig::from_toml_str(&format!("{JWT}{toml}")).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
            assert!(e.message().contains(named), "{named}: {e}");
            assert!(
                !e.message().contains("0123456789abcdef"),
                "never the secret: {e}"
            );
        }
        // Shared, but no Redis named anywhere.
        let c = ProviderConfig::from_toml_str(&format!(
            "{JWT}[cache]\nshared = true\nkey_secret = \"0123456789abcdef0123456789abcdef\"\n"
        ))
        .unwrap();
        let e = c.cache_setup().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains("Redis URL"), "{e}");
    }

    #[test]
    fn the_cache_section_has_environment_variables() {
        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "jwt"),
            ("POLYAUTH_JWT_SECRET", "s3cret-s3cret-s3cret-s3cret-s3cret"),
            ("POLYAUTH_CACHE_SHARED", "true"),
            (
                "POLYAUTH_CACHE_KEY_SECRET",
                "0123456789abcdef0123456789abcdef",
            ),
            ("POLYAUTH_CACHE_REDIS_URL", "redis://127.0.0.1:1/"),
            ("POLYAUTH_CACHE_NEGATIVE_TTL_SECONDS", "2"),
            ("POLYAUTH_CACHE_LEASE_MS", "2500"),
        ]);
        let c = ProviderConfig::from_env_with(&env).unwrap();
        assert!(c.cache().shared);
        assert_eq!(c.cache().negative_ttl_seconds, Some(2));
        assert_eq!(c.cache().lease_ms, Some(2500));
        let typo = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "jwt"),
            ("POLYAUTH_JWT_SECRET", "s3cret-s3cret-s3cret-s3cret-s3cret"),
            ("POLYAUTH_CACHE_SHARE", "true"),
        ]);
        let e = ProviderConfig::from_env_with(&typo).unwrap_err();
        assert!(e.message().contains("POLYAUTH_CACHE_SHARED"), "{e}");
    }
}
