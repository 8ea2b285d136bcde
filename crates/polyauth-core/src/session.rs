//! Keeping users' tokens between requests: [`SessionPersistence`], a store of [`TokenSet`]s
//! keyed by the application's own session id, and [`MemorySessionStore`], a bounded in-process
//! implementation.
//!
//! A backend whose native client hands out sessions (e.g. `polyauth-shangcloud`'s
//! `UserSession::save` and `ShangCloudClient::load_session`) saves and loads through this
//! trait; the application decides where the tokens live (a database, an encrypted cookie, a
//! cache).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::error::{Error, ErrorKind, Result};
use crate::model::TokenSet;

/// Where an application keeps its users' tokens between requests (a database, a cookie store,
/// a cache). Keys are the application's own session ids.
///
/// Implementations store the tokens as they like; [`TokenSet`]'s secrets expose their text
/// only through `expose_secret`, so writing them is always an explicit choice.
#[async_trait]
pub trait SessionPersistence: Send + Sync + fmt::Debug + 'static {
    /// Stores (or replaces) the tokens under `id`.
    async fn save(&self, id: &str, tokens: &TokenSet) -> Result<()>;
    /// The tokens under `id`, if any.
    async fn load(&self, id: &str) -> Result<Option<TokenSet>>;
    /// Forgets `id` (logging out). Removing an unknown id is not an error.
    async fn remove(&self, id: &str) -> Result<()>;
}

#[async_trait]
impl<T: SessionPersistence + ?Sized> SessionPersistence for Arc<T> {
    async fn save(&self, id: &str, tokens: &TokenSet) -> Result<()> {
        (**self).save(id, tokens).await
    }
    async fn load(&self, id: &str) -> Result<Option<TokenSet>> {
        (**self).load(id).await
    }
    async fn remove(&self, id: &str) -> Result<()> {
        (**self).remove(id).await
    }
}

/// An in-process [`SessionPersistence`] holding at most `capacity` sessions. When full,
/// sessions whose access token has expired and that have no refresh token are dropped first;
/// if all are live, `save` of a new id fails with `RateLimited` (replacing a stored id always
/// succeeds).
#[derive(Debug)]
pub struct MemorySessionStore {
    sessions: Mutex<HashMap<String, TokenSet>>,
    capacity: usize,
}

impl Default for MemorySessionStore {
    /// Up to 100,000 sessions.
    fn default() -> Self {
        MemorySessionStore::new(100_000)
    }
}

impl MemorySessionStore {
    /// A store for up to `capacity` sessions.
    pub fn new(capacity: usize) -> Self {
        MemorySessionStore {
            sessions: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// Number of stored sessions.
    pub fn len(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl SessionPersistence for MemorySessionStore {
    async fn save(&self, id: &str, tokens: &TokenSet) -> Result<()> {
        let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(id) && map.len() >= self.capacity {
            map.retain(|_, t| t.refresh_token.is_some() || !t.is_expired(Duration::ZERO));
            if map.len() >= self.capacity {
                return Err(Error::new(
                    ErrorKind::RateLimited,
                    "the session store is full",
                ));
            }
        }
        map.insert(id.to_owned(), tokens.clone());
        Ok(())
    }

    async fn load(&self, id: &str) -> Result<Option<TokenSet>> {
        Ok(self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned())
    }

    async fn remove(&self, id: &str) -> Result<()> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::secret::{AccessToken, RefreshToken};

    fn live(token: &str) -> TokenSet {
        TokenSet::bearer(AccessToken::new(token)).with_expires_in(3600)
    }

    fn expired(token: &str) -> TokenSet {
        let mut t = TokenSet::bearer(AccessToken::new(token));
        t.expires_at = Some(SystemTime::UNIX_EPOCH);
        t
    }

    #[tokio::test]
    async fn saves_loads_replaces_and_removes() {
        let store = MemorySessionStore::new(2);
        assert!(store.is_empty());
        store.save("a", &live("a1")).await.unwrap();
        store.save("a", &live("a2")).await.unwrap();
        let loaded = store.load("a").await.unwrap().unwrap();
        assert_eq!(loaded.access_token.expose_secret(), "a2");
        assert_eq!(store.len(), 1);
        store.remove("a").await.unwrap();
        store.remove("unknown").await.unwrap();
        assert!(store.load("a").await.unwrap().is_none());
        assert!(store.is_empty());
    }

    #[tokio::test]
    async fn when_full_expired_sessions_without_refresh_token_go_first() {
        let store = MemorySessionStore::new(3);
        store.save("live", &live("l")).await.unwrap();
        store.save("dead", &expired("d")).await.unwrap();
        let mut refreshable = expired("r");
        refreshable.refresh_token = Some(RefreshToken::new("rt"));
        store.save("refreshable", &refreshable).await.unwrap();

        // Full: the expired session without a refresh token makes room.
        store.save("new", &live("n")).await.unwrap();
        assert_eq!(store.len(), 3);
        assert!(store.load("dead").await.unwrap().is_none());
        assert!(store.load("refreshable").await.unwrap().is_some());
        assert!(store.load("live").await.unwrap().is_some());

        // All live: a new id is refused, replacing a stored one still works.
        let err = store.save("another", &live("x")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        assert!(store.load("another").await.unwrap().is_none());
        store.save("live", &live("l2")).await.unwrap();
        assert_eq!(store.len(), 3);
    }

    #[tokio::test]
    async fn arc_forwards() {
        let store: Arc<dyn SessionPersistence> = Arc::new(MemorySessionStore::new(1));
        store.save("a", &live("a")).await.unwrap();
        assert!(store.load("a").await.unwrap().is_some());
        store.remove("a").await.unwrap();
        assert!(store.load("a").await.unwrap().is_none());
    }
}
