//! JwtProvider against real keys, real tokens and a real JWKS server on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
    URL_SAFE_NO_PAD.encode(v.to_string())
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
        // Flip one bit of a decoded signature byte in the middle (not the last base64
        // character, whose low bits can be padding that decodes to the same bytes): the token
        // is still well-formed base64url, so only the signature check can reject it.
        let (signed, signature) = token.expose_secret().rsplit_once('.').unwrap();
        let mut sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(&sig), signature, "{alg:?}");
        let middle = sig.len() / 2;
        sig[middle] ^= 0x10;
        let tampered = AccessToken::new(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(&sig)));
        let e = p.verify(&tampered).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{alg:?} tampered: {e}");
        assert_eq!(
            e.message(),
            "the token's signature does not verify",
            "{alg:?} tampered: a signature failure, not a decoding one"
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
    // `exp` is whole seconds, checked against the current whole second: a token with `exp` E
    // verifies until E + 1 s and is rejected from then on. With E one second ahead, the two
    // verifications below have at least one second to run.
    let exp = now() + 1;
    let token = TokenIssuer::hs256(&secret)
        .issue(&TokenClaims::new("u").claim("exp", json!(exp)))
        .unwrap();
    assert!(p.verify(&token).await.is_ok());
    assert!(p.verify(&token).await.is_ok(), "cached");
    // Wait on the wall clock `exp` is measured against until the token is certainly expired
    // (1–2 s, instead of a fixed 2.1 s), then the cached success must not be handed out.
    let expired = UNIX_EPOCH + Duration::from_secs(exp + 1) + Duration::from_millis(20);
    while let Ok(left) = expired.duration_since(SystemTime::now()) {
        tokio::time::sleep(left).await;
    }
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

/// A cooldown no test run outlasts, so that "no refetch within the cooldown" holds however long
/// the machine stalls. Refetching *after* a cooldown is tested with a short one, asserting only
/// what must have happened once it has passed.
const LONG_COOLDOWN: Duration = Duration::from_secs(60);

/// 500 forged tokens with random unknown kids. One token signed by another key lends its
/// payload and signature to all (the kid lookup rejects them before any signature check, and
/// 500 RSA signatures would cost seconds in a debug build).
fn unknown_kid_tokens() -> Vec<AccessToken> {
    let signed = TokenIssuer::from_pem(Algorithm::RS256, RSA2_PRIVATE_PEM.as_bytes())
        .unwrap()
        .issue(&TokenClaims::new("u"))
        .unwrap();
    let (_, rest) = signed.expose_secret().split_once('.').unwrap();
    (0..500)
        .map(|i| {
            let header = b64(&json!({"alg": "RS256", "typ": "JWT", "kid": format!("random-{i}")}));
            AccessToken::new(format!("{header}.{rest}"))
        })
        .collect()
}

async fn storm(p: &Arc<JwtProvider>, tokens: Vec<AccessToken>) {
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let p = p.clone();
            tokio::spawn(async move { p.verify(&token).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(
            t.await.unwrap().unwrap_err().kind(),
            ErrorKind::InvalidToken
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_unknown_kid_storm_makes_one_fetch() {
    let k1 = rsa_key("k1");
    let server = JwksServer::start(std::slice::from_ref(&k1)).await;
    let p = Arc::new(jwks_provider(&server, LONG_COOLDOWN));
    // Nothing fetched yet: the whole storm makes one fetch (single flight).
    storm(&p, unknown_kid_tokens()).await;
    assert_eq!(server.fetches(), 1, "one fetch for the whole storm");

    // A published kid verifies from that fetch; known kids are lock-free, no refetch.
    let good = issuer_for(&k1).issue(&TokenClaims::new("u")).unwrap();
    for _ in 0..10 {
        assert!(p.verify(&good).await.is_ok());
    }
    assert_eq!(server.fetches(), 1, "known kid: lock-free, no refetch");

    // Another storm within the cooldown: no fetch at all.
    storm(&p, unknown_kid_tokens()).await;
    assert_eq!(server.fetches(), 1, "no refetch within the cooldown");
}

#[tokio::test]
async fn jwks_new_kid_within_the_cooldown_is_not_refetched() {
    let k1 = rsa_key("k1");
    let k2 = SigningKey::new("k2", Algorithm::ES256, EC_PRIVATE_PEM);
    let server = JwksServer::start(std::slice::from_ref(&k1)).await;
    let p = jwks_provider(&server, LONG_COOLDOWN);
    let t1 = issuer_for(&k1).issue(&TokenClaims::new("u1")).unwrap();
    assert!(p.verify(&t1).await.is_ok());
    // Rotation: within the cooldown the new kid is unknown, and asking again does not fetch.
    server.rotate(&[k1, k2.clone()]);
    let t2 = issuer_for(&k2).issue(&TokenClaims::new("u2")).unwrap();
    for _ in 0..3 {
        assert_eq!(
            p.verify(&t2).await.unwrap_err().kind(),
            ErrorKind::InvalidToken
        );
    }
    assert_eq!(server.fetches(), 1, "no refetch within the cooldown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_rotation_outage_and_garbage() {
    // A short cooldown; each step waits it out and asserts only what must follow.
    let cooldown = Duration::from_millis(50);
    let past_cooldown = || tokio::time::sleep(cooldown + Duration::from_millis(50));
    let k1 = rsa_key("k1");
    let k2 = SigningKey::new("k2", Algorithm::ES256, EC_PRIVATE_PEM);
    let server = JwksServer::start(std::slice::from_ref(&k1)).await;
    let p = jwks_provider(&server, cooldown);
    let t1 = issuer_for(&k1).issue(&TokenClaims::new("u1")).unwrap();
    assert!(p.verify(&t1).await.is_ok());
    assert_eq!(server.fetches(), 1);

    // Rotation: after the cooldown, the new kid triggers one refetch and verifies.
    server.rotate(&[k1.clone(), k2.clone()]);
    let t2 = issuer_for(&k2).issue(&TokenClaims::new("u2")).unwrap();
    past_cooldown().await;
    assert_eq!(p.verify(&t2).await.unwrap().subject, "u2");
    assert_eq!(server.fetches(), 2);

    // The JWKS endpoint goes down: cached keys keep working.
    server.emulator().inject(Fault::status(503));
    assert!(p.verify(&t1).await.is_ok());
    assert!(p.verify(&t2).await.is_ok());
    assert_eq!(server.fetches(), 2, "known kids never refetch");
    // An unknown kid while down is an outage (we could not ask), not a forged token.
    past_cooldown().await;
    let k3 = SigningKey::new("k3", Algorithm::RS256, RSA2_PRIVATE_PEM);
    let t3 = issuer_for(&k3).issue(&TokenClaims::new("u3")).unwrap();
    let e = p.verify(&t3).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(e.is_temporary());

    // Garbage JSON from the endpoint: typed error, keys kept.
    server.emulator().clear_faults();
    server.emulator().inject(Fault::new(FaultKind::Html));
    past_cooldown().await;
    let e = p.verify(&t3).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(p.verify(&t1).await.is_ok());

    // Recovery: the endpoint publishes k3; after the cooldown it verifies.
    server.emulator().clear_faults();
    server.rotate(&[k1, k2, k3]);
    past_cooldown().await;
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

/// A JWS built by hand (so the header can carry anything) and signed RS256 with the test key.
fn rs256_with_header(header: &serde_json::Value) -> AccessToken {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).unwrap();
    let claims = json!({"sub": "u1", "exp": now() + 600});
    let message = format!("{}.{}", b64(header), b64(&claims));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::RS256).unwrap();
    AccessToken::new(format!("{message}.{signature}"))
}

#[tokio::test]
async fn critical_header_extensions_are_rejected() {
    let p = JwtProvider::new(JwtConfig::public_key_pem(RSA_PUBLIC_PEM).with_cache(None)).unwrap();
    // The same signing path without `crit` verifies: the rejections below are about `crit`.
    let plain = rs256_with_header(&json!({"alg": "RS256", "typ": "JWT"}));
    assert_eq!(p.verify(&plain).await.unwrap().subject, "u1");

    // RFC 7515 §4.1.11: an extension the recipient does not understand must be refused.
    let cases = [
        (
            json!({"alg": "RS256", "crit": ["urn:x:must-understand"], "urn:x:must-understand": 1}),
            "urn:x:must-understand",
        ),
        // RFC 7797 unencoded payload: an extension too.
        (
            json!({"alg": "RS256", "crit": ["b64"], "b64": false}),
            "b64",
        ),
        (json!({"alg": "RS256", "crit": ["b64"], "b64": true}), "b64"),
        (json!({"alg": "RS256", "b64": false}), "b64"),
        // A `crit` that is not a non-empty array of names is malformed.
        (json!({"alg": "RS256", "crit": []}), "crit"),
        (json!({"alg": "RS256", "crit": "b64", "b64": false}), "crit"),
        (json!({"alg": "RS256", "crit": [1]}), "crit"),
        (json!({"alg": "RS256", "crit": null}), "crit"),
        (json!({"alg": "RS256", "crit": {"b64": true}}), "crit"),
    ];
    for (header, named) in cases {
        let e = p.verify(&rs256_with_header(&header)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{header}");
        assert!(e.to_string().contains(named), "{header}: {e}");
    }
    // Also when the extension is set through jsonwebtoken's own header type.
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.crit = Some(vec!["exp".into()]);
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).unwrap();
    let token =
        jsonwebtoken::encode(&header, &json!({"sub": "u1", "exp": now() + 600}), &key).unwrap();
    assert_eq!(
        kind_of(&p, &AccessToken::new(token)).await,
        ErrorKind::InvalidToken
    );
}

#[tokio::test]
async fn a_throttled_jwks_host_is_rate_limited_with_its_retry_after() {
    let server = JwksServer::start(&[rsa_key("k1")]).await;
    server
        .emulator()
        .inject(Fault::new(FaultKind::Status(429)).on_path("/.well-known/jwks.json"));
    let p = jwks_provider(&server, Duration::from_secs(30));
    let t = issuer_for(&rsa_key("k1"))
        .issue(&TokenClaims::new("u"))
        .unwrap();
    let e = p.verify(&t).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e:?}");
    assert_eq!(e.status(), Some(429));
}
