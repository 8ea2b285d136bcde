//! The state store and the shared verification cache on a Redis Cluster: the local
//! three-master cluster `scripts/test.sh` starts (POLYAUTH_TEST_REDIS_CLUSTER_URL), and a
//! private one whose master is killed mid-run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use polyauth_core::cache::SharedCacheConfig;
use polyauth_core::{
    AccessToken, CacheConfig, ErrorKind, Secret, SharedCache, StateStore, UserProfile, VerifyCache,
};
use polyauth_redis::{RedisSharedTier, RedisStateStore};
use polyauth_testkit::{shared_state_store_conformance, state_store_conformance};
use support::{RedisCluster, fast_options, unique_prefix};

fn cluster_url() -> String {
    std::env::var("POLYAUTH_TEST_REDIS_CLUSTER_URL").unwrap_or_else(|_| {
        panic!(
            "POLYAUTH_TEST_REDIS_CLUSTER_URL is not set: these tests need a local Redis Cluster. \
             Run them through ./scripts/test.sh (it starts one)"
        )
    })
}

async fn cache_instance(url: &str, prefix: &str) -> VerifyCache<Arc<UserProfile>> {
    let tier = RedisSharedTier::connect(url, fast_options(prefix))
        .await
        .unwrap();
    let config = SharedCacheConfig::new(Secret::new("a-deployment-secret-of-32-bytes!"));
    let shared = SharedCache::new(Arc::new(tier), config).unwrap();
    VerifyCache::shared(CacheConfig::default(), &shared, "cluster:user")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cluster_passes_the_state_store_conformance_suites() {
    let prefix = unique_prefix("cluster-conformance");
    let a = RedisStateStore::connect_with(&cluster_url(), fast_options(&prefix))
        .await
        .unwrap();
    let report = state_store_conformance(&a, "").await;
    assert!(report.contains("concurrent_take"));
    let b = RedisStateStore::connect_with(&cluster_url(), fast_options(&prefix))
        .await
        .unwrap();
    let report = shared_state_store_conformance(&a, &b, "two:").await;
    assert!(report.contains("shared"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_shared_cache_works_across_the_cluster() {
    let prefix = unique_prefix("cluster-cache");
    let mut caches = Vec::new();
    for _ in 0..3 {
        caches.push(cache_instance(&cluster_url(), &prefix).await);
    }
    // Many tokens, so their keys land on every master; each one new for all instances.
    let calls = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for t in 0..30 {
        for i in 0..30 {
            let (c, calls) = (caches[i % 3].clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                let token = AccessToken::new(format!("cluster-token-{t}"));
                c.get_or_verify(&token, || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(Arc::new(UserProfile::new(
                        "test",
                        format!("user-{}", t % 5),
                    )))
                })
                .await
                .unwrap()
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        30,
        "one call per token across 3 instances"
    );

    // A user's tokens (in several slots) are dropped on every instance.
    let started = Instant::now();
    caches[0].invalidate_user("user-3").await.unwrap();
    for c in &caches {
        for t in (0..30).filter(|t| t % 5 == 3) {
            let token = AccessToken::new(format!("cluster-token-{t}"));
            while c.get(&token).await.is_some() {
                assert!(started.elapsed() < Duration::from_millis(100));
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        assert!(c.get(&AccessToken::new("cluster-token-1")).await.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_master_is_a_typed_outage_and_nothing_acknowledged_is_lost() {
    let mut cluster = RedisCluster::start();
    let prefix = unique_prefix("cluster-kill");
    let store = RedisStateStore::connect_with(&cluster.url(), fast_options(&prefix))
        .await
        .unwrap();
    let cache = cache_instance(&cluster.url(), &prefix).await;
    let minute = Duration::from_secs(60);
    // Acknowledged states, spread over the three masters.
    for i in 0..60 {
        store.put(&format!("s{i}"), "v", minute).await.unwrap();
    }

    cluster.kill(1);
    let (mut failed, mut served) = (0, 0);
    for i in 60..120 {
        match store.put(&format!("s{i}"), "v", minute).await {
            Ok(()) => served += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
                failed += 1;
            }
        }
    }
    assert!(failed > 0, "the killed master's slots fail");
    eprintln!("with a master down: {served} puts served, {failed} refused as Unavailable");
    // The cache degrades to the provider: every verification is answered.
    for t in 0..20 {
        let token = AccessToken::new(format!("kill-token-{t}"));
        let p = cache
            .get_or_verify(&token, || async {
                Ok(Arc::new(UserProfile::new("test", "u")))
            })
            .await
            .unwrap();
        assert_eq!(p.id, "u");
    }

    cluster.restart(1);
    let deadline = Instant::now() + Duration::from_secs(30);
    for i in 0..60 {
        let taken = loop {
            match store.take(&format!("s{i}")).await {
                Ok(taken) => break taken,
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
                    assert!(
                        Instant::now() < deadline,
                        "no recovery after the restart: {e:?}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        assert_eq!(
            taken.as_deref(),
            Some("v"),
            "acknowledged state s{i} was lost"
        );
    }
    store.put("after-restart", "v", minute).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resharding_under_load_loses_nothing_and_errors_are_typed() {
    let cluster = Arc::new(RedisCluster::start());
    let prefix = unique_prefix("cluster-reshard");
    let store = RedisStateStore::connect_with(&cluster.url(), fast_options(&prefix))
        .await
        .unwrap();
    let cache = cache_instance(&cluster.url(), &prefix).await;
    let minute = Duration::from_secs(60);
    // Slots move from node 0 to node 2 while states are stored and tokens verified: the
    // clients follow MOVED and ASK redirections.
    let mover = {
        let cluster = cluster.clone();
        tokio::task::spawn_blocking(move || cluster.reshard(0, 2, 3000))
    };
    let (mut stored, mut refused) = (Vec::new(), 0);
    let mut i = 0;
    while !mover.is_finished() || i < 200 {
        let key = format!("r{i}");
        match store.put(&key, "v", minute).await {
            Ok(()) => stored.push(key),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
                refused += 1;
            }
        }
        let token = AccessToken::new(format!("reshard-token-{}", i % 50));
        cache
            .get_or_verify(&token, || async {
                Ok(Arc::new(UserProfile::new("test", "u")))
            })
            .await
            .unwrap();
        i += 1;
    }
    mover.await.unwrap();
    eprintln!(
        "during the reshard: {} puts stored, {refused} refused",
        stored.len()
    );
    assert!(
        stored.len() > refused * 10,
        "most operations are served while slots move"
    );
    for key in &stored {
        assert_eq!(
            store.take(key).await.unwrap().as_deref(),
            Some("v"),
            "{key} was lost"
        );
    }
}
