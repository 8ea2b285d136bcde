//! Tests of the two-tier cache on the in-process [`MemorySharedTier`] (the Redis tier has its
//! own, against a real Redis, in `polyauth-redis`).

use super::*;
use crate::model::{UserProfile, VerifiedToken};
use crate::{ErrorKind, Secret};
use std::sync::atomic::{AtomicUsize, Ordering};

fn hub(tier: Arc<dyn SharedTier>) -> SharedCache {
    SharedCache::new(tier, SharedCacheConfig::new(Secret::new("k".repeat(32)))).unwrap()
}

/// `n` caches on one tier, each with its own hub: `n` instances of one application.
fn instances(n: usize) -> (Arc<MemorySharedTier>, Vec<VerifyCache<VerifiedToken>>) {
    let tier = Arc::new(MemorySharedTier::default());
    let caches = (0..n)
        .map(|_| VerifyCache::shared(CacheConfig::default(), &hub(tier.clone()), "test:verify"))
        .collect();
    (tier, caches)
}

/// A miss for `token` answered by the provider with subject `u`.
async fn verify_as_u(c: &VerifyCache<VerifiedToken>, token: &AccessToken) {
    let v = c
        .get_or_verify(token, || async { Ok(VerifiedToken::new("u")) })
        .await
        .unwrap();
    assert_eq!(v.subject, "u");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_one_upstream_call_per_new_token() {
    let (_, caches) = instances(3);
    let token = AccessToken::new("new-token");
    let calls = super::tests::upstream_calls_for_concurrent_misses(&caches, 300, &token).await;
    assert_eq!(calls, 1);
    for c in &caches {
        assert!(
            c.get(&token).await.is_some(),
            "every instance keeps it in process"
        );
    }
}

#[tokio::test]
async fn invalid_answers_are_shared_and_outages_are_not() {
    let (_, caches) = instances(2);
    let bad = AccessToken::new("bad");
    let e = caches[0]
        .get_or_verify(&bad, || async {
            Err(Error::invalid_token("revoked").with_status(401))
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    let e = caches[1]
        .get_or_verify(&bad, || async { unreachable!("shared negative entry") })
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.message(), e.status()),
        (ErrorKind::InvalidToken, "revoked", Some(401))
    );

    let down = AccessToken::new("down");
    let calls = AtomicUsize::new(0);
    for c in &caches {
        let r = c
            .get_or_verify(&down, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<VerifiedToken, _>(Error::unavailable("upstream down"))
            })
            .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "an outage is never shared");
}

#[tokio::test]
async fn invalidation_reaches_every_instance() {
    let (_, caches) = instances(3);
    let (t1, t2) = (AccessToken::new("t1"), AccessToken::new("t2"));
    for c in &caches {
        c.get_or_verify(&t1, || async { Ok(VerifiedToken::new("alice")) })
            .await
            .unwrap();
        c.get_or_verify(&t2, || async { Ok(VerifiedToken::new("bob")) })
            .await
            .unwrap();
    }
    caches[0].invalidate_user("alice").await.unwrap();
    for c in &caches {
        assert!(c.get(&t1).await.is_none(), "alice's token dropped");
        assert!(c.get(&t2).await.is_some(), "bob's token kept");
    }
    // Gone from the shared tier too: the next verification asks the provider.
    let asked = AtomicUsize::new(0);
    caches[2]
        .get_or_verify(&t1, || async {
            asked.fetch_add(1, Ordering::SeqCst);
            Ok(VerifiedToken::new("alice"))
        })
        .await
        .unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    caches[1].invalidate_token(&t2).await.unwrap();
    for c in &caches {
        assert!(c.get(&t2).await.is_none(), "bob's token dropped everywhere");
    }
}

#[tokio::test]
async fn a_value_sealed_for_another_token_or_altered_does_not_open() {
    let (tier, caches) = instances(2);
    let (mine, other) = (AccessToken::new("mine"), AccessToken::new("other"));
    caches[0]
        .get_or_verify(&other, || async { Ok(VerifiedToken::new("mallory")) })
        .await
        .unwrap();
    let hub = caches[0].shared_cache().unwrap();
    let (mine_id, other_id) = (hub.token_id(&mine), hub.token_id(&other));
    let sealed = tier
        .lookup("test:verify", &other_id)
        .await
        .unwrap()
        .value
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&sealed).contains("mallory"),
        "the profile is not readable at rest"
    );

    // Copied under my token's key: it does not open, so my token is verified upstream.
    tier.store(
        "test:verify",
        &mine_id,
        sealed.clone(),
        Duration::from_secs(60),
        None,
    )
    .await
    .unwrap();
    let failures = hub.failures();
    let v = caches[1]
        .get_or_verify(&mine, || async { Ok(VerifiedToken::new("me")) })
        .await
        .unwrap();
    assert_eq!(v.subject, "me");
    assert_eq!(hub.failures(), failures, "another hub counted it");
    assert!(caches[1].shared_cache().unwrap().failures() > 0);

    // Altered or truncated: the same.
    for broken in [sealed[..sealed.len() - 1].to_vec(), {
        let mut b = sealed.clone();
        b[20] ^= 1;
        b
    }] {
        let fresh = AccessToken::new(format!("fresh-{}", broken.len()));
        let id = hub.token_id(&fresh);
        tier.store("test:verify", &id, broken, Duration::from_secs(60), None)
            .await
            .unwrap();
        let v = caches[1]
            .get_or_verify(&fresh, || async { Ok(VerifiedToken::new("upstream")) })
            .await
            .unwrap();
        assert_eq!(v.subject, "upstream");
    }
}

/// A shared tier that cannot be reached (a Redis that is down), for the degrade path.
#[derive(Debug, Default)]
struct Unreachable(AtomicUsize);

#[async_trait::async_trait]
impl SharedTier for Unreachable {
    async fn lookup(&self, _: &str, _: &CacheId) -> Result<Lookup> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(Error::unavailable("down"))
    }
    async fn lease(&self, _: &str, _: &CacheId, _: Duration) -> Result<Lease> {
        Err(Error::unavailable("down"))
    }
    async fn store(
        &self,
        _: &str,
        _: &CacheId,
        _: Vec<u8>,
        _: Duration,
        _: Option<&CacheId>,
    ) -> Result<()> {
        Err(Error::unavailable("down"))
    }
    async fn release(&self, _: &str, _: &CacheId) -> Result<()> {
        Err(Error::unavailable("down"))
    }
    async fn invalidate(&self, _: &Invalidation, _: &[&str]) -> Result<()> {
        Err(Error::unavailable("down"))
    }
    fn subscribe(&self, _: Arc<dyn InvalidationListener>) {}
}

#[tokio::test]
async fn a_failing_shared_tier_degrades_to_the_provider() {
    let tier = Arc::new(Unreachable::default());
    let shared = hub(tier.clone());
    let c: VerifyCache<VerifiedToken> =
        VerifyCache::shared(CacheConfig::default(), &shared, "test:verify");
    let token = AccessToken::new("t");
    verify_as_u(&c, &token).await;
    assert!(shared.failures() >= 1);
    // Still cached in process: the next request does not touch the tier.
    let lookups = tier.0.load(Ordering::SeqCst);
    c.get_or_verify(&token, || async { unreachable!() })
        .await
        .unwrap();
    assert_eq!(tier.0.load(Ordering::SeqCst), lookups);
    // Invalidation says the tier failed, after dropping the local entry.
    let e = c.invalidate_token(&token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(c.get(&token).await.is_none());
}

#[test]
fn a_short_key_secret_is_refused_and_ids_round_trip() {
    let e = SharedCache::new(
        Arc::new(MemorySharedTier::default()),
        SharedCacheConfig::new(Secret::new("short")),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    let id = CacheId([0xab; 32]);
    assert_eq!(CacheId::from_hex(&id.to_hex()), Some(id));
    for what in [
        Invalidation::Token(id),
        Invalidation::User(id),
        Invalidation::All,
    ] {
        assert_eq!(Invalidation::decode(&what.encode()), Some(what));
    }
    assert_eq!(Invalidation::decode("t:zz"), None);
}

#[tokio::test]
async fn local_user_invalidation_without_a_shared_tier() {
    let c: VerifyCache<Arc<UserProfile>> = VerifyCache::new(CacheConfig::default());
    let token = AccessToken::new("t");
    c.get_or_verify(&token, || async {
        Ok(Arc::new(UserProfile::new("p", "alice")))
    })
    .await
    .unwrap();
    c.invalidate_user("bob").await.unwrap();
    assert!(c.get(&token).await.is_some());
    c.invalidate_user("alice").await.unwrap();
    assert!(c.get(&token).await.is_none());
}

#[tokio::test]
async fn a_ttl_too_large_for_the_clock_is_kept_in_process_not_a_panic() {
    let tier = Arc::new(MemorySharedTier::default());
    let config = CacheConfig {
        ttl: Duration::MAX,
        ..CacheConfig::default()
    };
    let c: VerifyCache<VerifiedToken> = VerifyCache::shared(config, &hub(tier.clone()), "huge");
    let token = AccessToken::new("t");
    verify_as_u(&c, &token).await;
    let id = c.key(&token);
    assert_eq!(
        tier.lookup("huge", &id).await.unwrap().value,
        None,
        "not shared"
    );
    let e = tier
        .store("huge", &id, vec![1], Duration::MAX, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}
