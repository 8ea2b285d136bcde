//! JwtProvider verification cost against raw `jsonwebtoken::decode` on the same token.
//!
//! Run: `cargo bench -p polyauth-jwt --bench verify`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{DecodingKey, Validation};
use polyauth_core::{AccessToken, CacheConfig, IdentityProvider, Secret};
use polyauth_jwt::{Algorithm, JwtConfig, JwtProvider, TokenClaims, TokenIssuer};
use polyauth_testkit::keys::{RSA_PRIVATE_PEM, RSA_PUBLIC_PEM};
use serde_json::{Map, Value};

fn claims() -> TokenClaims {
    TokenClaims::new("user-42")
        .username("alice")
        .roles(["admin", "dev"])
        .permissions(["user:read"])
}

fn bench_pair(
    c: &mut Criterion,
    name: &str,
    token: AccessToken,
    key: DecodingKey,
    alg: Algorithm,
    config: JwtConfig,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut validation = Validation::new(alg);
    validation.leeway = 30;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp"]);
    let uncached = JwtProvider::new(config.clone().with_cache(None)).unwrap();
    let cached = JwtProvider::new(config.with_cache(Some(CacheConfig::default()))).unwrap();
    rt.block_on(async {
        uncached.verify(&token).await.unwrap();
        cached.verify(&token).await.unwrap();
    });

    let mut g = c.benchmark_group(name);
    g.bench_function("raw jsonwebtoken::decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<Map<String, Value>>(
                black_box(token.expose_secret()),
                &key,
                &validation,
            )
            .unwrap()
        })
    });
    g.bench_function("JwtProvider::verify (no cache)", |b| {
        b.to_async(&rt)
            .iter(|| async { uncached.verify(black_box(&token)).await.unwrap() })
    });
    g.bench_function("JwtProvider::user_info (no cache)", |b| {
        b.to_async(&rt)
            .iter(|| async { uncached.user_info(black_box(&token)).await.unwrap() })
    });
    g.bench_function("JwtProvider::user_info (cached)", |b| {
        b.to_async(&rt)
            .iter(|| async { cached.user_info(black_box(&token)).await.unwrap() })
    });
    g.finish();
}

fn verify(c: &mut Criterion) {
    let secret = Secret::new("a-benchmark-secret-of-32-bytes!!");
    let hs = TokenIssuer::hs256(&secret).issue(&claims()).unwrap();
    bench_pair(
        c,
        "HS256",
        hs,
        DecodingKey::from_secret(secret.expose_secret().as_bytes()),
        Algorithm::HS256,
        JwtConfig::hs256(secret.clone()),
    );
    let rs = TokenIssuer::from_pem(Algorithm::RS256, RSA_PRIVATE_PEM.as_bytes())
        .unwrap()
        .issue(&claims())
        .unwrap();
    bench_pair(
        c,
        "RS256",
        rs,
        DecodingKey::from_rsa_pem(RSA_PUBLIC_PEM.as_bytes()).unwrap(),
        Algorithm::RS256,
        JwtConfig::public_key_pem(RSA_PUBLIC_PEM),
    );
}

criterion_group!(benches, verify);
criterion_main!(benches);
