//! Tests of the in-process tier.

use super::*;
use crate::ErrorKind;
use crate::model::{UserProfile, VerifiedToken};
use std::sync::atomic::{AtomicUsize, Ordering};

fn cache(config: CacheConfig) -> VerifyCache<VerifiedToken> {
    VerifyCache::new(config)
}

/// Sends `requests` concurrent misses for `token`, spread round-robin over `caches`, each
/// verified by a 50 ms upstream call that answers subject `u`; checks every answer and
/// returns how many upstream calls were made.
pub(super) async fn upstream_calls_for_concurrent_misses(
    caches: &[VerifyCache<VerifiedToken>],
    requests: usize,
    token: &AccessToken,
) -> usize {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..requests {
        let (c, calls) = (caches[i % caches.len()].clone(), calls.clone());
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            c.get_or_verify(&token, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(VerifiedToken::new("u"))
            })
            .await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().subject, "u");
    }
    calls.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_make_one_call() {
    let c = cache(CacheConfig::default());
    let token = AccessToken::new("shared");
    assert_eq!(
        upstream_calls_for_concurrent_misses(&[c], 200, &token).await,
        1
    );
}

/// The TTL a success was cached with (not racing the clock: read the entry's own TTL).
async fn stored_ttl<V>(c: &VerifyCache<V>, token: &AccessToken) -> Duration
where
    V: CacheValue,
{
    match c.local.entries.get(&c.key(token)).await {
        Some(Cached::Valid(_, ttl, _)) => ttl,
        Some(Cached::Invalid(e, _)) => panic!("cached as invalid: {e}"),
        None => panic!("not cached"),
    }
}

#[tokio::test]
async fn outages_are_not_cached_but_invalid_tokens_are_briefly() {
    // A negative TTL no test run outlasts, so "answered from the cache" holds however long
    // the machine stalls; the TTL running out is tested below with a short one.
    let c = cache(CacheConfig {
        negative_ttl: Duration::from_secs(60),
        ..Default::default()
    });
    let token = AccessToken::new("t");
    let calls = AtomicUsize::new(0);
    let down = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err::<VerifiedToken, _>(Error::unavailable("down"))
    };
    assert!(c.get_or_verify(&token, down).await.is_err());
    assert!(c.get_or_verify(&token, down).await.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 2, "outage must not be cached");

    let bad = AccessToken::new("bad");
    let invalid = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err::<VerifiedToken, _>(Error::invalid_token("bad signature"))
    };
    let before = calls.load(Ordering::SeqCst);
    let e1 = c.get_or_verify(&bad, invalid).await.err();
    let e2 = c.get_or_verify(&bad, invalid).await.err();
    assert_eq!(calls.load(Ordering::SeqCst), before + 1);
    assert_eq!(e1.map(|e| e.kind()), Some(ErrorKind::InvalidToken));
    assert_eq!(e2.map(|e| e.kind()), Some(ErrorKind::InvalidToken));
    match c.local.entries.get(&c.key(&bad)).await {
        Some(Cached::Invalid(_, ttl)) => assert_eq!(ttl, Duration::from_secs(60)),
        _ => panic!("the invalid answer is cached for the negative TTL"),
    }

    // Once a (short) negative TTL has passed, the provider is asked again.
    let short = cache(CacheConfig {
        negative_ttl: Duration::from_millis(50),
        ..Default::default()
    });
    let before = calls.load(Ordering::SeqCst);
    let _ = short.get_or_verify(&bad, invalid).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = short.get_or_verify(&bad, invalid).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        before + 2,
        "negative TTL elapsed"
    );
}

#[tokio::test]
async fn ttl_is_capped_by_token_expiry_and_forget_works() {
    let c = cache(CacheConfig {
        ttl: Duration::from_secs(3600),
        ..Default::default()
    });
    // A token expiring in 60 s is cached for at most 60 s, not the configured hour.
    let token = AccessToken::new("short");
    let soon = SystemTime::now() + Duration::from_secs(60);
    let v = VerifiedToken::new("u").with_expires_at(Some(soon));
    c.get_or_verify(&token, || async { Ok(v) }).await.unwrap();
    let ttl = stored_ttl(&c, &token).await;
    assert!(
        ttl <= Duration::from_secs(60) && ttl > Duration::from_secs(50),
        "{ttl:?}"
    );
    // And the entry goes with the token: one expiring in 50 ms is gone 100 ms later.
    let brief = AccessToken::new("brief");
    let soon = SystemTime::now() + Duration::from_millis(50);
    let v = VerifiedToken::new("u").with_expires_at(Some(soon));
    c.get_or_verify(&brief, || async { Ok(v) }).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(c.get(&brief).await.is_none(), "expired with the token");

    let gone = AccessToken::new("expired");
    let expired = VerifiedToken::new("u").with_expires_at(Some(SystemTime::UNIX_EPOCH));
    let got = c.get_or_verify(&gone, || async { Ok(expired) }).await;
    assert!(got.is_ok(), "value still handed back");
    assert!(c.get(&gone).await.is_none(), "but not cached");

    let keep = AccessToken::new("keep");
    c.get_or_verify(&keep, || async { Ok(VerifiedToken::new("k")) })
        .await
        .ok();
    assert!(c.get(&keep).await.is_some());
    c.invalidate_token(&keep).await.unwrap();
    assert!(c.get(&keep).await.is_none());
}

#[tokio::test]
async fn a_jwt_is_never_cached_past_its_own_exp() {
    use base64::Engine;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let jwt = |exp: serde_json::Value| {
        AccessToken::new(format!(
            "{}.{}.sig",
            b64(serde_json::json!({"alg": "HS256"})),
            b64(serde_json::json!({"sub": "u", "exp": exp}))
        ))
    };
    let since_epoch = || {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
    };
    // A profile has no expiry of its own: the token's `exp` is the only cap.
    let cache: VerifyCache<Arc<UserProfile>> = VerifyCache::new(CacheConfig {
        ttl: Duration::from_secs(3600),
        ..Default::default()
    });
    let profile = Arc::new(UserProfile::new("t", "u"));

    // `exp` in 60 s: cached for at most 60 s, not the configured hour.
    let token = jwt(serde_json::json!(since_epoch().as_secs() + 60));
    let p = profile.clone();
    cache
        .get_or_verify(&token, || async { Ok(p) })
        .await
        .unwrap();
    let ttl = stored_ttl(&cache, &token).await;
    assert!(
        ttl <= Duration::from_secs(60) && ttl > Duration::from_secs(50),
        "{ttl:?}"
    );

    // `exp` already past: handed back, not cached.
    let token = jwt(serde_json::json!(since_epoch().as_secs() - 1));
    let p = profile.clone();
    cache
        .get_or_verify(&token, || async { Ok(p) })
        .await
        .unwrap();
    assert!(cache.get(&token).await.is_none(), "cached past its exp");

    // And the entry really goes at `exp` (a NumericDate may be fractional): 50 ms ahead,
    // gone 100 ms later.
    let token = jwt(serde_json::json!(since_epoch().as_secs_f64() + 0.05));
    let p = profile.clone();
    cache
        .get_or_verify(&token, || async { Ok(p) })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        cache.get(&token).await.is_none(),
        "outlived the token's exp"
    );

    // Opaque tokens and garbage keep the configured TTL.
    assert_eq!(unverified_jwt_expiry("opaque-token"), None);
    assert_eq!(unverified_jwt_expiry("a.b.c"), None);
    assert_eq!(
        unverified_jwt_expiry("a.eyJleHAiOjFlMzAwfQ.c"),
        None,
        "exp 1e300"
    );
}

#[test]
fn key_is_a_digest_not_the_token() {
    let c = cache(CacheConfig::default());
    let k = c.key(&AccessToken::new("secret-token"));
    let digest: [u8; 32] = Sha256::digest(b"secret-token").into();
    assert_eq!(k, CacheId(digest));
}
