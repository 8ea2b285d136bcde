//! One-time state storage for OAuth 2.0 `state` values and other short-lived records.
//!
//! [`StateStore`] is deliberately tiny: `put` with a TTL (refusing to overwrite), and an
//! atomic `take` that fetches *and deletes*, so a stored state can be consumed exactly once even
//! when many requests race for it. [`MemoryStateStore`] serves one process; the
//! `polyauth-redis` crate's `RedisStateStore` serves several instances sharing one Redis.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use moka::Expiry;
use moka::policy::EvictionPolicy;

use crate::error::{Error, ErrorKind, Result};

/// Where one-time values (OAuth `state`, PKCE verifiers, nonces) wait for their callback.
///
/// Implementations must make [`take`](StateStore::take) atomic: of any number of concurrent
/// `take`s of one key, exactly one gets the value.
#[async_trait]
pub trait StateStore: Send + Sync + Debug + 'static {
    /// Stores `value` under `key` for `ttl` (a zero TTL, or one too large to add to the
    /// clock, is `InvalidInput`).
    ///
    /// Errors: `InvalidState` when the key is already present (states are never overwritten),
    /// `Unavailable` when the store cannot be reached, `RateLimited` when a bounded store is
    /// full of live entries.
    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<()>;

    /// Removes and returns the value under `key`; `Ok(None)` when it is missing, expired or
    /// already taken. Errors: `Unavailable` when the store cannot be reached.
    async fn take(&self, key: &str) -> Result<Option<String>>;
}

#[async_trait]
impl<T: StateStore + ?Sized> StateStore for Arc<T> {
    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<()> {
        (**self).put(key, value, ttl).await
    }
    async fn take(&self, key: &str) -> Result<Option<String>> {
        (**self).take(key).await
    }
}

#[derive(Debug)]
struct StateEntry {
    value: String,
    expires_at: Instant,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<String, Arc<StateEntry>> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Arc<StateEntry>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// An in-process [`StateStore`] on a bounded moka cache.
///
/// Each entry expires after its own TTL (expired entries are swept by the cache's
/// maintenance and are never returned). The store holds at most `max_entries` entries; when it
/// is full the least recently stored entries are evicted first, so a flood of abandoned logins
/// cannot grow memory without bound. `take` is atomic.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use polyauth_core::{MemoryStateStore, StateStore};
/// let store = MemoryStateStore::new(10_000);
/// store.put("s1", "{\"pkce\":\"v\"}", Duration::from_secs(300)).await?;
/// assert_eq!(store.take("s1").await?.as_deref(), Some("{\"pkce\":\"v\"}"));
/// assert_eq!(store.take("s1").await?, None); // a state is usable once
/// # Ok::<_, polyauth_core::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct MemoryStateStore {
    entries: moka::future::Cache<String, Arc<StateEntry>>,
    max_entries: u64,
}

impl Debug for MemoryStateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStateStore")
            .field("entries", &self.entries.entry_count())
            .field("max_entries", &self.max_entries)
            .finish()
    }
}

impl Default for MemoryStateStore {
    /// A store for up to 100,000 entries.
    fn default() -> Self {
        MemoryStateStore::new(100_000)
    }
}

impl MemoryStateStore {
    /// A store holding at most `max_entries` live entries (least recently stored evicted first).
    pub fn new(max_entries: u64) -> Self {
        let entries = moka::future::Cache::builder()
            .max_capacity(max_entries)
            .eviction_policy(EvictionPolicy::lru())
            .expire_after(PerEntryTtl)
            .build();
        MemoryStateStore {
            entries,
            max_entries,
        }
    }

    /// Number of entries currently held (approximate: expired entries count until swept).
    pub fn len(&self) -> u64 {
        self.entries.entry_count()
    }

    /// Whether the store holds no entries (approximate, as [`len`](Self::len)).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs the pending maintenance now: sweeps expired entries and applies evictions.
    pub async fn sweep(&self) {
        self.entries.run_pending_tasks().await;
    }
}

#[async_trait]
impl StateStore for MemoryStateStore {
    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<()> {
        if ttl.is_zero() {
            return Err(Error::invalid_input("state TTL must be positive"));
        }
        let expires_at = Instant::now()
            .checked_add(ttl)
            .ok_or_else(|| Error::invalid_input("state TTL is too large to be a point in time"))?;
        let entry = Arc::new(StateEntry {
            value: value.to_owned(),
            expires_at,
            ttl,
        });
        let stored = self
            .entries
            .entry(key.to_owned())
            .or_insert_with(async move { entry })
            .await;
        if stored.is_fresh() {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::InvalidState,
                "a state with this key is already stored",
            ))
        }
    }

    async fn take(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .entries
            .remove(key)
            .await
            .filter(|e| e.expires_at > Instant::now())
            .map(|e| e.value.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_ttl_too_large_for_the_clock_is_refused_not_a_panic() {
        let store = MemoryStateStore::new(10);
        let e = store.put("s", "v", Duration::MAX).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = store
            .put("s", "v", Duration::from_secs(i64::MAX as u64))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        store.put("s", "v", Duration::from_secs(60)).await.unwrap();
    }
}
