//! JwtProvider against real keys, real tokens and a real JWKS server on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use polyauth_core::{AccessToken, ErrorKind, IdentityProvider, Secret};
use polyauth_jwt::{
    Algorithm, JwksOptions, JwtConfig, JwtProvider, TokenClaims, TokenIssuer, generate_secret,
};
use polyauth_testkit::conformance::{ConformanceHarness, TestUser, provider_conformance};
use polyauth_testkit::jwks::{JwksServer, SigningKey};
use polyauth_testkit::keys::*;
use polyauth_testkit::server::{Fault, FaultKind};
use serde_json::json;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64(v: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn kind_of(p: &JwtProvider, token: &AccessToken) -> ErrorKind {
    p.verify(token).await.unwrap_err().kind()
}

#[tokio::test]
async fn every_algorithm_round_trips() {
    let cases: Vec<(Algorithm, TokenIssuer, JwtConfig)> = vec![
        (
            Algorithm::HS256,
            TokenIssuer::hmac(
                Algorithm::HS256,
                &Secret::new("s3cret-s3cret-s3cret-s3cret-32b!"),
            ),
            JwtConfig::hs256(Secret::new("s3cret-s3cret-s3cret-s3cret-32b!")),
        ),
        (
            Algorithm::HS384,
            TokenIssuer::hmac(Algorithm::HS384, &Secret::new("k")),
            JwtConfig::hs256(Secret::new("k")).with_algorithms([Algorithm::HS384]),
        ),
        (
            Algorithm::HS512,
            TokenIssuer::hmac(Algorithm::HS512, &Secret::new("k")),
            JwtConfig::hs256(Secret::new("k")).with_algorithms([Algorithm::HS512]),
        ),
    ]
    .into_iter()
    .chain(
        [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ]
        .into_iter()
        .map(|alg| {
            (
                alg,
                TokenIssuer::from_pem(alg, RSA_PRIVATE_PEM.as_bytes()).unwrap(),
                JwtConfig::public_key_pem(RSA_PUBLIC_PEM).with_algorithms([alg]),
            )
        }),
    )
    .chain([
        (
            Algorithm::ES256,
            TokenIssuer::from_pem(Algorithm::ES256, EC_PRIVATE_PEM.as_bytes()).unwrap(),
            JwtConfig::public_key_pem(EC_PUBLIC_PEM),
        ),
        (
            Algorithm::EdDSA,
            TokenIssuer::from_pem(Algorithm::EdDSA, ED_PRIVATE_PEM.as_bytes()).unwrap(),
            JwtConfig::public_key_pem(ED_PUBLIC_PEM),
        ),
    ])
    .collect();
    for (alg, issuer, config) in cases {
        let p = JwtProvider::new(config.with_cache(None)).unwrap();
        let token = issuer
            .issue(&TokenClaims::new("u1").username("alice").roles(["admin"]))
            .unwrap();
        let me = p
            .user_info(&token)
            .await
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(me.username.as_deref(), Some("alice"), "{alg:?}");
        assert!(me.has_role("admin"));
        // Flip one signature character: rejected.
        let mut raw = token.expose_secret().to_owned();
        let last = raw.pop().unwrap();
        raw.push(if last == 'A' { 'B' } else { 'A' });
        assert!(
            p.verify(&AccessToken::new(raw))
                .await
                .unwrap_err()
                .kind()
                .is_auth_failure(),
            "{alg:?} tampered"
        );
    }
}

#[tokio::test]
async fn registered_claims_are_enforced() {
    let secret = generate_secret();
    let p = JwtProvider::new(
        JwtConfig::hs256(secret.clone())
            .with_issuer("https://issuer.test/")
            .with_audience("api")
            .with_leeway_seconds(5)
            .with_cache(None),
    )
    .unwrap();
    let good = TokenIssuer::hs256(&secret)
        .with_issuer("https://issuer.test/")
        .with_audience("api");
    assert!(
        p.verify(&good.issue(&TokenClaims::new("u")).unwrap())
            .await
            .is_ok()
    );

    let expired = good
        .issue(&TokenClaims::new("u").claim("exp", json!(now() - 60)))
        .unwrap();
    let e = p.verify(&expired).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    assert!(e.message().contains("expired"), "{e}");
    // Within the leeway: accepted.
    let just = good
        .issue(&TokenClaims::new("u").claim("exp", json!(now() - 2)))
        .unwrap();
    assert!(p.verify(&just).await.is_ok());

    let early = good
        .issue(&TokenClaims::new("u").claim("nbf", json!(now() + 600)))
        .unwrap();
    assert_eq!(kind_of(&p, &early).await, ErrorKind::InvalidToken);

    let wrong_aud = TokenIssuer::hs256(&secret)
        .with_issuer("https://issuer.test/")
        .with_audience("other");
    assert_eq!(
        kind_of(&p, &wrong_aud.issue(&TokenClaims::new("u")).unwrap()).await,
        ErrorKind::InvalidToken
    );
    let wrong_iss = TokenIssuer::hs256(&secret)
        .with_issuer("https://evil.test/")
        .with_audience("api");
    assert_eq!(
        kind_of(&p, &wrong_iss.issue(&TokenClaims::new("u")).unwrap()).await,
        ErrorKind::InvalidToken
    );
    let no_aud = TokenIssuer::hs256(&secret).with_issuer("https://issuer.test/");
    assert_eq!(
        kind_of(&p, &no_aud.issue(&TokenClaims::new("u")).unwrap()).await,
        ErrorKind::InvalidToken
    );
    let no_exp = good
        .issue(&TokenClaims::new("u").claim("exp", json!(null)))
        .unwrap();
    assert_eq!(kind_of(&p, &no_exp).await, ErrorKind::InvalidToken);
    let no_sub = good
        .issue(&TokenClaims::new("").claim("sub", json!(null)))
        .unwrap();
    assert_eq!(kind_of(&p, &no_sub).await, ErrorKind::InvalidToken);
}

#[tokio::test]
async fn algorithm_confusion_and_none_are_rejected() {
    // Provider accepts RS256 only, with the RSA public key.
    let p = JwtProvider::new(JwtConfig::public_key_pem(RSA_PUBLIC_PEM).with_cache(None)).unwrap();
    assert_eq!(p.algorithms(), vec![Algorithm::RS256]);

    // Classic confusion: HS256 "signed" with the RSA public key PEM as the HMAC secret.
    let forged = TokenIssuer::hs256(&Secret::new(RSA_PUBLIC_PEM))
        .issue(&TokenClaims::new("attacker").roles(["admin"]))
        .unwrap();
    assert_eq!(kind_of(&p, &forged).await, ErrorKind::InvalidToken);

    // Even a provider that allows both families keeps HS256 away from the RSA key.
    assert!(
        JwtProvider::new(
            JwtConfig::public_key_pem(RSA_PUBLIC_PEM)
                .with_algorithms([Algorithm::RS256, Algorithm::HS256])
        )
        .is_err(),
        "an HMAC algorithm with an RSA key is a configuration error"
    );

    // alg: none with no signature.
    let header = b64(&json!({"alg": "none", "typ": "JWT"}));
    let body = b64(&json!({"sub": "attacker", "exp": now() + 600}));
    for token in [format!("{header}.{body}."), format!("{header}.{body}")] {
        assert_eq!(
            kind_of(&p, &AccessToken::new(token)).await,
            ErrorKind::InvalidToken
        );
    }
    // Another RSA key's signature.
    let other = TokenIssuer::from_pem(Algorithm::RS256, RSA2_PRIVATE_PEM.as_bytes()).unwrap();
    assert_eq!(
        kind_of(&p, &other.issue(&TokenClaims::new("u")).unwrap()).await,
        ErrorKind::InvalidToken
    );
}

#[tokio::test]
async fn malformed_tokens_are_typed_errors() {
    let p = JwtProvider::new(JwtConfig::hs256(Secret::new("k"))).unwrap();
    let issuer = TokenIssuer::hs256(&Secret::new("k"));
    let good = issuer.issue(&TokenClaims::new("u")).unwrap();
    let truncated = &good.expose_secret()[..good.len() / 2];
    let huge = "a".repeat(2 * 1024 * 1024);
    let bad_json = format!("{}.{}.sig", b64(&json!({"alg": "HS256"})), "bm90IGpzb24");
    for t in [
        "",
        ".",
        "..",
        "a.b",
        "a.b.c.d",
        truncated,
        huge.as_str(),
        "é.é.é",
        bad_json.as_str(),
    ] {
        let e = p.verify(&AccessToken::new(t)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{t:.40}");
        assert_eq!(e.provider(), Some("jwt"));
        assert!(!e.to_string().contains(good.expose_secret()));
    }
}

#[tokio::test]
async fn cache_caps_ttl_by_expiry() {
    let secret = generate_secret();
    let p = JwtProvider::new(JwtConfig::hs256(secret.clone()).with_leeway_seconds(0)).unwrap();
    let token = TokenIssuer::hs256(&secret)
        .issue(&TokenClaims::new("u").ttl(Duration::from_secs(1)))
        .unwrap();
    assert!(p.verify(&token).await.is_ok());
    assert!(p.verify(&token).await.is_ok(), "cached");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        kind_of(&p, &token).await,
        ErrorKind::InvalidToken,
        "cache must not outlive exp"
    );
}

fn rsa_key(kid: &str) -> SigningKey {
    SigningKey::new(kid, Algorithm::RS256, RSA_PRIVATE_PEM)
}

fn issuer_for(key: &SigningKey) -> TokenIssuer {
    TokenIssuer::from_pem(key.alg, key.private_pem.as_bytes())
        .unwrap()
        .with_kid(key.kid.clone())
}

fn jwks_provider(server: &JwksServer, cooldown: Duration) -> JwtProvider {
    JwtProvider::new(
        JwtConfig::jwks_url(server.url())
            .with_algorithms([Algorithm::RS256, Algorithm::ES256])
            .with_cache(None)
            .with_jwks_options(JwksOptions {
                cooldown,
                timeout: Duration::from_millis(500),
                ..JwksOptions::default()
            }),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_unknown_kid_storm_makes_one_fetch() {
    let k1 = rsa_key("k1");
    let server = JwksServer::start(std::slice::from_ref(&k1)).await;
    let cooldown = Duration::from_secs(1);
    let p = Arc::new(jwks_provider(&server, cooldown));
    let good = issuer_for(&k1).issue(&TokenClaims::new("u")).unwrap();
    assert!(p.verify(&good).await.is_ok());
    assert_eq!(server.fetches(), 1);
    for _ in 0..10 {
        assert!(p.verify(&good).await.is_ok());
    }
    assert_eq!(server.fetches(), 1, "known kid: lock-free, no refetch");

    // 500 concurrent tokens with random unknown kids, once the cooldown since the first
    // fetch has passed: the whole storm makes one refetch.
    let forged: Vec<AccessToken> = (0..500)
        .map(|i| {
            TokenIssuer::from_pem(Algorithm::RS256, RSA2_PRIVATE_PEM.as_bytes())
                .unwrap()
                .with_kid(format!("random-{i}"))
                .issue(&TokenClaims::new("u"))
                .unwrap()
        })
        .collect();
    tokio::time::sleep(cooldown + Duration::from_millis(100)).await;
    let mut tasks = Vec::new();
    for token in forged {
        let p = p.clone();
        tasks.push(tokio::spawn(async move { p.verify(&token).await }));
    }
    for t in tasks {
        assert_eq!(
            t.await.unwrap().unwrap_err().kind(),
            ErrorKind::InvalidToken
        );
    }
    assert_eq!(server.fetches(), 2, "one refetch for the whole storm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_rotation_outage_and_garbage() {
    let k1 = rsa_key("k1");
    let k2 = SigningKey::new("k2", Algorithm::ES256, EC_PRIVATE_PEM);
    let server = JwksServer::start(std::slice::from_ref(&k1)).await;
    let p = jwks_provider(&server, Duration::from_millis(200));
    let t1 = issuer_for(&k1).issue(&TokenClaims::new("u1")).unwrap();
    assert!(p.verify(&t1).await.is_ok());

    // Rotation: within the cooldown a new kid is unknown; after it, the kid triggers one
    // refetch and verifies.
    server.rotate(&[k1.clone(), k2.clone()]);
    let t2 = issuer_for(&k2).issue(&TokenClaims::new("u2")).unwrap();
    assert_eq!(
        p.verify(&t2).await.unwrap_err().kind(),
        ErrorKind::InvalidToken
    );
    assert_eq!(server.fetches(), 1, "no refetch within the cooldown");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(p.verify(&t2).await.unwrap().subject, "u2");
    assert_eq!(server.fetches(), 2);

    // The JWKS endpoint goes down: cached keys keep working.
    server.emulator().inject(Fault::status(503));
    assert!(p.verify(&t1).await.is_ok());
    assert!(p.verify(&t2).await.is_ok());
    // An unknown kid while down is an outage (we could not ask), not a forged token.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let k3 = SigningKey::new("k3", Algorithm::RS256, RSA2_PRIVATE_PEM);
    let t3 = issuer_for(&k3).issue(&TokenClaims::new("u3")).unwrap();
    let e = p.verify(&t3).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(e.is_temporary());

    // Garbage JSON from the endpoint: typed error, keys kept.
    server.emulator().clear_faults();
    server.emulator().inject(Fault::new(FaultKind::Html));
    tokio::time::sleep(Duration::from_millis(250)).await;
    let e = p.verify(&t3).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(p.verify(&t1).await.is_ok());

    // Recovery: the endpoint publishes k3; after the cooldown it verifies.
    server.emulator().clear_faults();
    server.rotate(&[k1, k2, k3]);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(p.verify(&t3).await.unwrap().subject, "u3");
}

#[tokio::test]
async fn jwks_down_from_the_start_is_unavailable() {
    let server = JwksServer::start(&[rsa_key("k1")]).await;
    server
        .emulator()
        .inject(Fault::new(FaultKind::Delay(Duration::from_secs(3))));
    let p = jwks_provider(&server, Duration::from_secs(30));
    let t = issuer_for(&rsa_key("k1"))
        .issue(&TokenClaims::new("u"))
        .unwrap();
    let started = std::time::Instant::now();
    let e = p.verify(&t).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "bounded by the JWKS timeout"
    );
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    // Still in cooldown, nothing cached: still an outage, and no second fetch.
    let e = p.verify(&t).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(p.jwks_fetch_count(), 1);
}

#[tokio::test]
async fn static_jwk_set_config() {
    let k1 = rsa_key("k1");
    let k2 = SigningKey::new("k2", Algorithm::EdDSA, ED_PRIVATE_PEM);
    let set = json!({"keys": [k1.public_jwk(), k2.public_jwk()]}).to_string();
    let p = JwtProvider::new(
        JwtConfig::jwk_json(set).with_algorithms([Algorithm::RS256, Algorithm::EdDSA]),
    )
    .unwrap();
    for key in [&k1, &k2] {
        let t = issuer_for(key)
            .issue(&TokenClaims::new(key.kid.clone()))
            .unwrap();
        assert_eq!(p.verify(&t).await.unwrap().subject, key.kid);
    }
    // A kid-less token is ambiguous with two keys.
    let t = TokenIssuer::from_pem(Algorithm::RS256, RSA_PRIVATE_PEM.as_bytes())
        .unwrap()
        .issue(&TokenClaims::new("u"))
        .unwrap();
    // RS256 narrows the candidates to one key: accepted.
    assert!(p.verify(&t).await.is_ok());
}

struct JwtHarness {
    provider: Arc<dyn IdentityProvider>,
    issuer: TokenIssuer,
}

#[polyauth_core::async_trait]
impl ConformanceHarness for JwtHarness {
    fn provider(&self) -> Arc<dyn IdentityProvider> {
        self.provider.clone()
    }
    async fn token_for(&self, user: &TestUser) -> AccessToken {
        self.issuer
            .issue(
                &TokenClaims::new(format!("id-{}", user.username))
                    .username(user.username.clone())
                    .roles(user.roles.clone())
                    .permissions(user.permissions.clone()),
            )
            .unwrap()
    }
    async fn expired_token(&self, user: &TestUser) -> Option<AccessToken> {
        Some(
            self.issuer
                .issue(
                    &TokenClaims::new(format!("id-{}", user.username))
                        .username(user.username.clone())
                        .claim("exp", json!(now() - 3600)),
                )
                .unwrap(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_provider_conforms() {
    let secret = generate_secret();
    let harness = JwtHarness {
        provider: Arc::new(JwtProvider::new(JwtConfig::hs256(secret.clone())).unwrap()),
        issuer: TokenIssuer::hs256(&secret),
    };
    let report = provider_conformance(&harness).await;
    for trial in [
        "verify_rejects_garbage",
        "verify_valid",
        "user_info",
        "roles",
        "permissions",
        "concurrent_user_info",
        "expired_token",
        "login_unsupported",
        "authorization_code_unsupported",
        "refresh_unsupported",
        "logout_unsupported",
        "directory_unsupported",
    ] {
        assert!(report.contains(trial), "{trial} did not run: {report:?}");
    }

    // And with RS256 keys from a JWKS.
    let k = rsa_key("conf");
    let server = JwksServer::start(std::slice::from_ref(&k)).await;
    let harness = JwtHarness {
        provider: Arc::new(JwtProvider::new(JwtConfig::jwks_url(server.url())).unwrap()),
        issuer: issuer_for(&k),
    };
    provider_conformance(&harness).await;
    assert_eq!(server.fetches(), 1);
}
