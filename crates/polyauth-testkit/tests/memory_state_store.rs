//! The state-store conformance suite against the in-memory store, plus its bound.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use polyauth_core::{MemoryStateStore, StateStore};
use polyauth_testkit::conformance::state_store_conformance;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_state_store_conforms() {
    let store = MemoryStateStore::new(10_000);
    let report = state_store_conformance(&store, "t:").await;
    for trial in [
        "round_trip",
        "one_time",
        "missing",
        "no_overwrite",
        "zero_ttl",
        "expiry",
        "concurrent_take",
    ] {
        assert!(report.contains(trial), "{trial} did not run");
    }
}

#[tokio::test]
async fn memory_state_store_is_bounded() {
    let store = MemoryStateStore::new(100);
    for i in 0..1_000 {
        store
            .put(&format!("k{i}"), "v", Duration::from_secs(60))
            .await
            .unwrap();
    }
    store.sweep().await;
    assert!(store.len() <= 100, "holds {} entries", store.len());
    // The newest entries survive eviction.
    assert_eq!(store.take("k999").await.unwrap().as_deref(), Some("v"));
}
