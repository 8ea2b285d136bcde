//! What `AuthLayer` adds to a request: in-process `oneshot` to a hello handler, with and
//! without the layer, on a token the JWT provider has cached.
//!
//! Run: `cargo bench -p polyauth-axum --bench layer`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use polyauth_axum::{AuthLayer, CurrentUser};
use polyauth_core::{IdentityProvider, Secret};
use polyauth_jwt::{JwtConfig, JwtProvider, TokenClaims, TokenIssuer};
use tower::ServiceExt;

fn layer_overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let secret = Secret::new("a-benchmark-secret-of-32-bytes!!");
    let provider: Arc<dyn IdentityProvider> =
        Arc::new(JwtProvider::new(JwtConfig::hs256(secret.clone())).unwrap());
    let token = TokenIssuer::hs256(&secret)
        .issue(&TokenClaims::new("42").username("alice").roles(["admin"]))
        .unwrap();
    let bearer = format!("Bearer {}", token.expose_secret());
    rt.block_on(async { provider.user_info(&token).await.unwrap() }); // warm the cache

    let plain = Router::new().route("/hello", get(|| async { "hello" }));
    let guarded = Router::new()
        .route("/hello", get(|| async { "hello" }))
        .layer(AuthLayer::new(provider.clone()));
    let guarded_user = Router::new()
        .route("/hello", get(|_u: CurrentUser| async { "hello" }))
        .layer(AuthLayer::new(provider));

    let request = || {
        Request::get("/hello")
            .header("authorization", bearer.as_str())
            .body(Body::empty())
            .unwrap()
    };
    let mut g = c.benchmark_group("AuthLayer");
    g.bench_function("without layer", |b| {
        b.to_async(&rt).iter(|| async {
            let r = plain.clone().oneshot(black_box(request())).await.unwrap();
            assert_eq!(r.status(), 200);
        })
    });
    g.bench_function("with layer (cached token)", |b| {
        b.to_async(&rt).iter(|| async {
            let r = guarded.clone().oneshot(black_box(request())).await.unwrap();
            assert_eq!(r.status(), 200);
        })
    });
    g.bench_function("with layer + CurrentUser extractor", |b| {
        b.to_async(&rt).iter(|| async {
            let r = guarded_user
                .clone()
                .oneshot(black_box(request()))
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        })
    });
    g.finish();
}

criterion_group!(benches, layer_overhead);
criterion_main!(benches);
