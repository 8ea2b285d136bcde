#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The shared verification cache on loopback Redis: a hit in the shared tier (another
//! instance's answer: keyed hash, `MGET`, open the sealed value, decode the profile), and the
//! cost the shared tier adds to a new token (lookup, lease, store, release: the provider's
//! answer itself is free here).
//!
//! Needs a Redis: `POLYAUTH_TEST_REDIS_URL=redis://127.0.0.1:PORT/`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use polyauth_core::cache::SharedCacheConfig;
use polyauth_core::{AccessToken, CacheConfig, Secret, SharedCache, UserProfile, VerifyCache};
use polyauth_redis::{RedisOptions, RedisSharedTier};

static N: AtomicU64 = AtomicU64::new(0);

async fn instance(url: &str, capacity: u64) -> VerifyCache<Arc<UserProfile>> {
    let options = RedisOptions::default().with_key_prefix("polyauth-bench:cache:");
    let tier = RedisSharedTier::connect(url, options).await.unwrap();
    let secret = Secret::new("a-deployment-secret-of-32-bytes!");
    let shared = SharedCache::new(Arc::new(tier), SharedCacheConfig::new(secret)).unwrap();
    let config = CacheConfig {
        capacity,
        ..CacheConfig::default()
    };
    VerifyCache::shared(config, &shared, "bench:user")
}

fn profile() -> Arc<UserProfile> {
    Arc::new(
        UserProfile::new("bench", "42")
            .with_roles(["admin", "viewer"])
            .with_permissions(["user:read", "user:write"]),
    )
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = std::env::var("POLYAUTH_TEST_REDIS_URL")
        .expect("set POLYAUTH_TEST_REDIS_URL=redis://127.0.0.1:PORT/ to a throwaway Redis");
    let (writer, reader) = rt.block_on(async {
        // The reader keeps nothing in process (capacity 0): every call reads Redis.
        (instance(&url, 10_000).await, instance(&url, 0).await)
    });
    let token = AccessToken::new("e".repeat(520));
    rt.block_on(async {
        writer
            .get_or_verify(&token, || async { Ok(profile()) })
            .await
            .unwrap()
    });

    let mut g = c.benchmark_group("shared_cache");
    g.bench_function("shared-tier hit (another instance's answer)", |b| {
        b.to_async(&rt).iter(|| async {
            reader
                .get_or_verify(&token, || async { unreachable!("in the shared tier") })
                .await
                .unwrap()
        })
    });
    g.bench_function(
        "new token: provider answer written through the shared tier",
        |b| {
            b.to_async(&rt).iter(|| async {
                let t = AccessToken::new(format!("new-{}", N.fetch_add(1, Ordering::Relaxed)));
                writer
                    .get_or_verify(&t, || async { Ok(profile()) })
                    .await
                    .unwrap()
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
