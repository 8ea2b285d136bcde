//! The shared verification cache on a real Redis: several "instances" (each its own Redis
//! connections, subscriber and in-process tier) share answers, make one upstream call per new
//! token, and drop invalidated entries everywhere; Redis faults degrade to the provider.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use polyauth_core::cache::SharedCacheConfig;
use polyauth_core::{
    AccessToken, CacheConfig, Error, ErrorKind, Secret, SharedCache, UserProfile, VerifyCache,
};
use polyauth_redis::RedisSharedTier;
use support::{RedisProcess, fast_options, free_port, redis_url, unique_prefix};

const NS: &str = "test:user";

/// One application instance: its own tier connection, link and cache.
async fn instance(url: &str, prefix: &str, lease: Duration) -> VerifyCache<Arc<UserProfile>> {
    let tier = RedisSharedTier::connect(url, fast_options(prefix))
        .await
        .unwrap();
    let config = SharedCacheConfig {
        key_secret: Secret::new("a-deployment-secret-of-32-bytes!"),
        lease_ttl: lease,
    };
    let shared = SharedCache::new(Arc::new(tier), config).unwrap();
    VerifyCache::shared(CacheConfig::default(), &shared, NS)
}

async fn instances(n: usize, prefix: &str) -> Vec<VerifyCache<Arc<UserProfile>>> {
    let mut all = Vec::new();
    for _ in 0..n {
        all.push(instance(&redis_url(), prefix, Duration::from_secs(5)).await);
    }
    all
}

fn profile(id: &str) -> Arc<UserProfile> {
    Arc::new(UserProfile::new("test", id).with_roles(["viewer"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_times_300_requests_make_one_upstream_call() {
    let caches = instances(3, &unique_prefix("herd")).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let token = AccessToken::new("a-new-token");
    let mut tasks = Vec::new();
    for i in 0..900 {
        let (c, calls, token) = (caches[i % 3].clone(), calls.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            c.get_or_verify(&token, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok(profile("alice"))
            })
            .await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().id, "alice");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one upstream call in all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidated_user_is_dropped_on_every_instance_within_100_ms() {
    let caches = instances(3, &unique_prefix("invalidate")).await;
    let (alice, bob) = (
        AccessToken::new("alice-token"),
        AccessToken::new("bob-token"),
    );
    for c in &caches {
        c.get_or_verify(&alice, || async { Ok(profile("alice")) })
            .await
            .unwrap();
        c.get_or_verify(&bob, || async { Ok(profile("bob")) })
            .await
            .unwrap();
    }
    let started = Instant::now();
    caches[0].invalidate_user("alice").await.unwrap();
    for c in &caches[1..] {
        while c.get(&alice).await.is_some() {
            assert!(
                started.elapsed() < Duration::from_millis(100),
                "still cached after 100 ms"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let took = started.elapsed();
    for c in &caches {
        assert!(c.get(&bob).await.is_some(), "bob is untouched");
    }
    // Gone from Redis too: the next instance to see the token asks the provider.
    let asked = AtomicUsize::new(0);
    caches[2]
        .get_or_verify(&alice, || async {
            asked.fetch_add(1, Ordering::SeqCst);
            Err(Error::invalid_token("revoked"))
        })
        .await
        .unwrap_err();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    eprintln!("user invalidation reached every instance in {took:?}");

    // A token invalidation too.
    let started = Instant::now();
    caches[1].invalidate_token(&bob).await.unwrap();
    for c in &caches {
        while c.get(&bob).await.is_some() {
            assert!(started.elapsed() < Duration::from_millis(100));
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

#[tokio::test]
async fn values_at_rest_reveal_nothing_and_tampering_is_a_miss() {
    let prefix = unique_prefix("at-rest");
    let caches = instances(2, &prefix).await;
    let token = AccessToken::new("secret-bearer-token");
    caches[0]
        .get_or_verify(&token, || async { Ok(profile("carol-the-user")) })
        .await
        .unwrap();
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let value_key = keys
        .iter()
        .find(|k| k.ends_with(NS))
        .expect("the value's key")
        .clone();
    for key in &keys {
        assert!(
            !key.contains("secret-bearer-token") && !key.contains("carol"),
            "{key}"
        );
    }
    let raw: Vec<u8> = redis::cmd("GET")
        .arg(&value_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !text.contains("carol") && !text.contains("viewer"),
        "{text}"
    );

    // Tampered, truncated and garbage values: the provider is asked, nothing panics.
    let mut flipped = raw.clone();
    flipped[30] ^= 0x01;
    for bad in [flipped, raw[..10].to_vec(), b"not a sealed value".to_vec()] {
        let _: () = redis::cmd("SET")
            .arg(&value_key)
            .arg(bad)
            .query_async(&mut conn)
            .await
            .unwrap();
        caches[1].clear();
        let asked = AtomicUsize::new(0);
        let p = caches[1]
            .get_or_verify(&token, || async {
                asked.fetch_add(1, Ordering::SeqCst);
                Ok(profile("from-upstream"))
            })
            .await
            .unwrap();
        assert_eq!(p.id, "from-upstream");
        assert_eq!(asked.load(Ordering::SeqCst), 1);
    }
    assert!(caches[1].shared_cache().unwrap().failures() >= 3);
}

#[tokio::test]
async fn a_lease_holder_that_vanishes_delays_the_others_at_most_the_lease() {
    let prefix = unique_prefix("lease");
    let lease = Duration::from_millis(300);
    let cache = instance(&redis_url(), &prefix, lease).await;
    let token = AccessToken::new("orphaned");
    // Another instance took the lease and died: its key stays until the lease runs out.
    let id = cache.key(&token).to_hex();
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}{{{id}}}:{NS}:lease"))
        .arg(1)
        .arg("PX")
        .arg(300)
        .query_async(&mut conn)
        .await
        .unwrap();
    let started = Instant::now();
    let p = cache
        .get_or_verify(&token, || async { Ok(profile("dave")) })
        .await
        .unwrap();
    assert_eq!(p.id, "dave");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(200),
        "it waited for the holder: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(3),
        "bounded by the lease: {waited:?}"
    );
}

#[tokio::test]
async fn a_redis_outage_degrades_to_the_provider_and_heals() {
    let port = free_port();
    let mut server = RedisProcess::start(port);
    let prefix = unique_prefix("outage");
    let a = instance(&server.url(), &prefix, Duration::from_secs(1)).await;
    let b = instance(&server.url(), &prefix, Duration::from_secs(1)).await;

    server.stop();
    let calls = AtomicUsize::new(0);
    let verify = |id: &'static str| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move { Ok(profile(id)) }
    };
    let t1 = AccessToken::new("during-outage");
    assert_eq!(
        a.get_or_verify(&t1, || verify("erin")).await.unwrap().id,
        "erin"
    );
    assert_eq!(
        b.get_or_verify(&t1, || verify("erin")).await.unwrap().id,
        "erin"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "each instance asked the provider"
    );
    assert!(a.shared_cache().unwrap().failures() > 0);
    let e = a.invalidate_user("erin").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);

    // Redis back on the same port: sharing resumes without a restart.
    let _server = RedisProcess::start(port);
    let t2 = AccessToken::new("after-outage");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        a.get_or_verify(&t2, || async { Ok(profile("frank")) })
            .await
            .unwrap();
        let shared = b
            .get_or_verify(&t2, || async {
                Err(Error::unavailable("not asked when shared"))
            })
            .await;
        if shared.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery within 15 s");
        a.clear();
        a.invalidate_token(&t2).await.ok();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // And invalidations reach the other instance again (its subscriber resubscribed).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        a.invalidate_user("frank").await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        if b.get(&t2).await.is_none() {
            break;
        }
        assert!(Instant::now() < deadline, "no invalidation after recovery");
    }
}

#[tokio::test]
async fn a_frozen_redis_costs_a_timeout_not_a_failure() {
    let port = free_port();
    let server = RedisProcess::start(port);
    let prefix = unique_prefix("frozen");
    let cache = instance(&server.url(), &prefix, Duration::from_secs(1)).await;
    server.signal("-STOP");
    let started = Instant::now();
    let p = cache
        .get_or_verify(&AccessToken::new("while-frozen"), || async {
            Ok(profile("gina"))
        })
        .await
        .unwrap();
    assert_eq!(p.id, "gina");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "bounded by the response timeout: {took:?}"
    );
    assert!(cache.shared_cache().unwrap().failures() > 0);
    server.signal("-CONT");
    // Thawed: the shared tier answers again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = cache.shared_cache().unwrap().failures();
        let t = AccessToken::new(format!("thawed-{}", started.elapsed().as_nanos()));
        cache
            .get_or_verify(&t, || async { Ok(profile("gina")) })
            .await
            .unwrap();
        if cache.shared_cache().unwrap().failures() == before {
            break;
        }
        assert!(Instant::now() < deadline, "the tier did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
