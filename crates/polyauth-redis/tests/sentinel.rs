//! The state store and the shared verification cache through Redis Sentinel
//! (`redis+sentinel://`): a private master, its replica and a Sentinel; the master is killed,
//! the Sentinel promotes the replica, and the clients follow it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use polyauth_core::cache::SharedCacheConfig;
use polyauth_core::{
    AccessToken, CacheConfig, ErrorKind, Secret, SharedCache, StateStore, UserProfile, VerifyCache,
};
use polyauth_redis::{RedisSharedTier, RedisStateStore};
use support::{RedisProcess, fast_options, free_port, unique_prefix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_follow_a_sentinel_failover() {
    let dir = tempfile::tempdir().unwrap();
    let (master_port, replica_port, sentinel_port) = (free_port(), free_port(), free_port());
    let mut master = RedisProcess::start(master_port);
    let _replica = RedisProcess::start_with(
        replica_port,
        &[
            "--save",
            "",
            "--appendonly",
            "no",
            "--replicaof",
            "127.0.0.1",
            &master_port.to_string(),
        ],
        None,
    );
    let _sentinel = RedisProcess::start_sentinel(sentinel_port, master_port, dir.path());
    let url = format!("redis+sentinel://127.0.0.1:{sentinel_port}/mymaster");
    let prefix = unique_prefix("sentinel");

    let store = RedisStateStore::connect_with(&url, fast_options(&prefix))
        .await
        .unwrap();
    let tier = RedisSharedTier::connect(&url, fast_options(&format!("{prefix}cache:")))
        .await
        .unwrap();
    let shared = SharedCache::new(
        Arc::new(tier),
        SharedCacheConfig::new(Secret::new("a-deployment-secret-of-32-bytes!")),
    )
    .unwrap();
    let cache: VerifyCache<Arc<UserProfile>> =
        VerifyCache::shared(CacheConfig::default(), &shared, "sentinel:user");
    let minute = Duration::from_secs(60);
    for i in 0..20 {
        store.put(&format!("s{i}"), "v", minute).await.unwrap();
    }
    // Acknowledged by the replica too (replication is asynchronous: wait for it here).
    let direct = redis::Client::open(master.url()).unwrap();
    let mut direct = direct.get_multiplexed_async_connection().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Short waits: the connection's own response timeout is shorter than a long WAIT.
        let replicas: i64 = redis::cmd("WAIT")
            .arg(1)
            .arg(200)
            .query_async(&mut direct)
            .await
            .unwrap();
        if replicas == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the replica never caught up");
    }

    master.stop();
    let started = Instant::now();
    let mut refused = 0;
    loop {
        match store.put("after-failover", "v", minute).await {
            Ok(()) => break,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
                refused += 1;
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "no failover: {e:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        // Verifications are answered all along (by the provider while Redis is away).
        let token = AccessToken::new(format!("during-failover-{refused}"));
        cache
            .get_or_verify(&token, || async {
                Ok(Arc::new(UserProfile::new("test", "u")))
            })
            .await
            .unwrap();
    }
    eprintln!(
        "failover followed after {:?} ({refused} refused puts)",
        started.elapsed()
    );
    for i in 0..20 {
        assert_eq!(
            store.take(&format!("s{i}")).await.unwrap().as_deref(),
            Some("v")
        );
    }
    // The shared tier writes to the new master too.
    let token = AccessToken::new("after-failover");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        cache
            .get_or_verify(&token, || async {
                Ok(Arc::new(UserProfile::new("test", "v")))
            })
            .await
            .unwrap();
        let mut new_master = redis::Client::open(format!("redis://127.0.0.1:{replica_port}/"))
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}cache:*sentinel:user"))
            .query_async(&mut new_master)
            .await
            .unwrap();
        if !keys.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the shared tier never wrote to the new master"
        );
        cache.clear();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
