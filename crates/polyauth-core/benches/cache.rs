//! VerifyCache hit cost: the token's key (SHA-256, or HMAC-SHA256 when the cache is linked to
//! a shared tier) + moka lookup + clone of an `Arc`. The shared tier is never on this path.
//!
//! Run: `cargo bench -p polyauth-core --bench cache`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use polyauth_core::cache::{MemorySharedTier, SharedCacheConfig};
use polyauth_core::{AccessToken, CacheConfig, Secret, SharedCache, UserProfile, VerifyCache};

/// Fills `cache` with 5,000 other tokens and `token`, then measures a hit on `token`.
fn bench_hit(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    cache: VerifyCache<Arc<UserProfile>>,
) {
    // A realistic token length (a signed JWT of ~500 bytes).
    let token = AccessToken::new("e".repeat(520));
    let profile = Arc::new(UserProfile::new("bench", "42").with_roles(["admin"]));
    rt.block_on(async {
        // Fill with other tokens too, so the lookup is not in a one-entry table.
        for i in 0..5_000 {
            let t = AccessToken::new(format!("{i}-{}", "x".repeat(500)));
            let p = profile.clone();
            cache
                .get_or_verify(&t, move || async move { Ok(p) })
                .await
                .unwrap();
        }
        let p = profile.clone();
        cache
            .get_or_verify(&token, move || async move { Ok(p) })
            .await
            .unwrap();
    });
    c.bench_function(name, |b| {
        b.to_async(rt).iter(|| async {
            cache
                .get_or_verify(black_box(&token), || async { unreachable!("cached") })
                .await
                .unwrap()
        })
    });
    c.bench_function(&format!("{name}: key of a 520-byte token"), |b| {
        b.iter(|| cache.key(black_box(&token)))
    });
}

fn cache_hit(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    bench_hit(
        c,
        &rt,
        "VerifyCache hit (get_or_verify)",
        VerifyCache::new(CacheConfig::default()),
    );
    let shared = SharedCache::new(
        Arc::new(MemorySharedTier::default()),
        SharedCacheConfig::new(Secret::new("k".repeat(32))),
    )
    .unwrap();
    bench_hit(
        c,
        &rt,
        "VerifyCache hit in process, shared tier linked",
        VerifyCache::shared(CacheConfig::default(), &shared, "bench"),
    );
}

criterion_group!(benches, cache_hit);
criterion_main!(benches);
