#![allow(clippy::unwrap_used, clippy::expect_used)]
//! RedisStateStore against a real redis-server: the shared conformance suites, several
//! instances sharing one Redis, an outage and the recovery after it.

mod support;

use std::time::{Duration, Instant};

use polyauth_core::{ErrorKind, MemoryStateStore, StateStore};
use polyauth_redis::{RedisOptions, RedisStateStore};
use polyauth_testkit::{shared_state_store_conformance, state_store_conformance};
use support::{RedisProcess, free_port, redis_url, unique_prefix};

async fn store(prefix: &str) -> RedisStateStore {
    RedisStateStore::connect_with(
        &redis_url(),
        RedisOptions::default().with_key_prefix(prefix),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_passes_the_state_store_conformance_suite() {
    let s = store(&unique_prefix("conformance")).await;
    let report = state_store_conformance(&s, "").await;
    for trial in [
        "round_trip",
        "one_time",
        "no_overwrite",
        "zero_ttl",
        "expiry",
        "concurrent_take",
    ] {
        assert!(report.contains(trial), "{trial} did not run");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_passes_the_same_suite() {
    let report = state_store_conformance(&MemoryStateStore::new(10_000), "mem:").await;
    assert!(report.contains("concurrent_take"));
}

#[tokio::test]
async fn two_instances_share_one_redis() {
    let prefix = unique_prefix("shared");
    // Two separate connections, as two application instances would have.
    let a = store(&prefix).await;
    let b = store(&prefix).await;
    let report = shared_state_store_conformance(&a, &b, "").await;
    assert!(report.contains("shared"));
    // And in the other direction, with many concurrent takers spread over both instances.
    b.put("race", "v", Duration::from_secs(60)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { s.take("race").await.unwrap() }));
    }
    let mut winners = 0;
    for t in tasks {
        if t.await.unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn prefixes_separate_stores_and_sub_second_ttls_work() {
    let prefix = unique_prefix("prefix");
    let a = store(&format!("{prefix}a:")).await;
    let b = a.clone().with_key_prefix(format!("{prefix}b:"));
    assert_eq!(b.key_prefix(), format!("{prefix}b:"));
    a.put("k", "in-a", Duration::from_secs(60)).await.unwrap();
    assert_eq!(b.take("k").await.unwrap(), None);
    b.put("k", "in-b", Duration::from_secs(60)).await.unwrap();
    assert_eq!(a.take("k").await.unwrap().as_deref(), Some("in-a"));
    assert_eq!(b.take("k").await.unwrap().as_deref(), Some("in-b"));
    // PX keeps millisecond precision: a 50 ms state is gone 100 ms later (a TTL rounded up
    // to whole seconds would still be there).
    a.put("short", "v", Duration::from_millis(50))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(a.take("short").await.unwrap(), None);
    a.ping().await.unwrap();
}

#[tokio::test]
async fn a_stopped_redis_is_unavailable_and_recovers_after_restart() {
    let port = free_port();
    let mut server = RedisProcess::start(port);
    let options = RedisOptions {
        key_prefix: unique_prefix("outage"),
        connect_timeout: Duration::from_millis(500),
        response_timeout: Duration::from_millis(500),
        reconnect_retries: 1,
    };
    let s = RedisStateStore::connect_with(&server.url(), options)
        .await
        .unwrap();
    s.put("before", "v", Duration::from_secs(60)).await.unwrap();

    server.stop();
    let started = Instant::now();
    let e = s.take("before").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert!(e.is_temporary());
    assert!(
        std::error::Error::source(&e).is_some(),
        "the Redis error is the source"
    );
    let e = s
        .put("during", "v", Duration::from_secs(60))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "an outage must fail fast, took {:?}",
        started.elapsed()
    );

    // Same port again: the connection manager reconnects without a new store.
    let _server = RedisProcess::start(port);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match s.put("after", "v2", Duration::from_secs(60)).await {
            Ok(()) => break,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
                assert!(Instant::now() < deadline, "no recovery within 15 s: {e:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    assert_eq!(s.take("after").await.unwrap().as_deref(), Some("v2"));
    assert_eq!(s.take("after").await.unwrap(), None);
}

#[tokio::test]
async fn unreachable_at_start_is_unavailable_and_passwords_never_leak() {
    let port = free_port();
    let options = RedisOptions {
        connect_timeout: Duration::from_millis(300),
        reconnect_retries: 0,
        ..RedisOptions::default()
    };
    let e = RedisStateStore::connect_with(
        &format!("redis://:hunter2-secret@127.0.0.1:{port}/"),
        options.clone(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    let mut chain = format!("{e} {e:?}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        chain.push_str(&format!(" {s} {s:?}"));
        src = s.source();
    }
    assert!(!chain.contains("hunter2-secret"), "{chain}");

    // A password the server does not expect: refused, and still not in any message.
    let url = redis_url().replacen("redis://", "redis://:hunter2-secret@", 1);
    let e = RedisStateStore::connect_with(&url, options)
        .await
        .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("hunter2-secret"), "{e:?}");
    let s = store("x:").await;
    assert!(!format!("{s:?}").contains("hunter2"));
}
