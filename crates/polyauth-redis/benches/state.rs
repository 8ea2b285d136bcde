#![allow(clippy::unwrap_used, clippy::expect_used)]
//! State put + take round trips per second: MemoryStateStore vs RedisStateStore.
//!
//! Needs a Redis: `POLYAUTH_TEST_REDIS_URL=redis://127.0.0.1:PORT/` (scripts/test.sh starts
//! one for tests; for the benchmark start `redis-server --port PORT --save '' --appendonly no`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polyauth_core::{MemoryStateStore, StateStore};
use polyauth_redis::{RedisOptions, RedisStateStore};

static N: AtomicU64 = AtomicU64::new(0);

async fn round_trip<S: StateStore>(s: &S) {
    let key = format!("bench-{}", N.fetch_add(1, Ordering::Relaxed));
    s.put(&key, "{\"pkce\":\"verifier\"}", Duration::from_secs(300))
        .await
        .unwrap();
    assert!(s.take(&key).await.unwrap().is_some());
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = std::env::var("POLYAUTH_TEST_REDIS_URL")
        .expect("set POLYAUTH_TEST_REDIS_URL=redis://127.0.0.1:PORT/ to a throwaway Redis");
    let redis = rt
        .block_on(RedisStateStore::connect_with(
            &url,
            RedisOptions::default().with_key_prefix("polyauth-bench:"),
        ))
        .unwrap();
    let memory = MemoryStateStore::new(100_000);

    let mut g = c.benchmark_group("state_put_take");
    g.throughput(Throughput::Elements(1));
    g.bench_function("memory", |b| b.to_async(&rt).iter(|| round_trip(&memory)));
    g.bench_function("redis", |b| b.to_async(&rt).iter(|| round_trip(&redis)));
    // 64 round trips in flight at once over the one multiplexed connection.
    g.throughput(Throughput::Elements(64));
    g.bench_function("redis_64_concurrent", |b| {
        b.to_async(&rt).iter(|| async {
            let tasks: Vec<_> = (0..64)
                .map(|_| {
                    let r = redis.clone();
                    tokio::spawn(async move { round_trip(&r).await })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
