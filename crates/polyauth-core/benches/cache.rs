//! VerifyCache hit cost (SHA-256 of the token + moka lookup + clone of an `Arc`).
//!
//! Run: `cargo bench -p polyauth-core --bench cache`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use polyauth_core::{AccessToken, CacheConfig, UserProfile, VerifyCache};

fn cache_hit(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let cache: VerifyCache<Arc<UserProfile>> = VerifyCache::new(CacheConfig::default());
    // A realistic token length (a signed JWT of ~500 bytes).
    let token = AccessToken::new("e".repeat(520));
    let profile = Arc::new(UserProfile::new("bench", "42").with_roles(["admin"]));
    rt.block_on(async {
        // Fill with other tokens too, so the lookup is not in a one-entry table.
        for i in 0..5_000 {
            let t = AccessToken::new(format!("{i}-{}", "x".repeat(500)));
            let p = profile.clone();
            cache.get_or_verify(&t, async move { Ok(p) }).await.unwrap();
        }
        let p = profile.clone();
        cache
            .get_or_verify(&token, async move { Ok(p) })
            .await
            .unwrap();
    });
    c.bench_function("VerifyCache hit (get_or_verify)", |b| {
        b.to_async(&rt).iter(|| async {
            cache
                .get_or_verify(black_box(&token), async { unreachable!("cached") })
                .await
                .unwrap()
        })
    });
    c.bench_function("SHA-256 cache key of a 520-byte token", |b| {
        b.iter(|| VerifyCache::<Arc<UserProfile>>::key(black_box(&token)))
    });
}

criterion_group!(benches, cache_hit);
criterion_main!(benches);
