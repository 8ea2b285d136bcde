//! An issuer that moves its keys to a new `jwks_uri`: the provider, built on the old discovery
//! document, re-reads it when a token names a key it cannot find, switches, and accepts the
//! token without a restart. A token with a key no document leads to stays refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use polyauth_core::{AccessToken, ErrorKind, IdentityProvider, MemoryStateStore};
use polyauth_jwt::{Algorithm, TokenClaims, TokenIssuer};
use polyauth_oidc::{OidcConfig, OidcProvider};
use polyauth_testkit::jwks::{JwksServer, SigningKey};
use polyauth_testkit::keys::{EC_PRIVATE_PEM, RSA_PRIVATE_PEM, RSA2_PRIVATE_PEM};
use polyauth_testkit::server::Emulator;
use serde_json::json;

const API: &str = "https://api.example";

/// A discovery endpoint whose `jwks_uri` the test changes.
async fn discovery(jwks_uri: Arc<Mutex<String>>) -> Emulator {
    let issuer = Arc::new(Mutex::new(String::new()));
    let issuer_in_route = issuer.clone();
    let router = Router::new().route(
        "/.well-known/openid-configuration",
        get(move || {
            let (jwks_uri, issuer) = (jwks_uri.clone(), issuer_in_route.clone());
            async move {
                let issuer = issuer.lock().unwrap().clone();
                axum::Json(json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{issuer}/auth"),
                    "token_endpoint": format!("{issuer}/token"),
                    "jwks_uri": *jwks_uri.lock().unwrap(),
                }))
            }
        }),
    );
    let server = Emulator::serve(router).await;
    *issuer.lock().unwrap() = server.base_url();
    server
}

fn token(issuer: &str, kid: &str, alg: Algorithm, pem: &str) -> AccessToken {
    TokenIssuer::from_pem(alg, pem.as_bytes())
        .unwrap()
        .with_kid(kid)
        .with_issuer(issuer)
        .with_audience(API)
        .issue(&TokenClaims::new("u1"))
        .unwrap()
}

#[tokio::test]
async fn a_moved_jwks_is_found_by_reading_the_discovery_document_again() {
    let old = SigningKey::new("old-1", Algorithm::RS256, RSA_PRIVATE_PEM);
    let new = SigningKey::new("new-1", Algorithm::RS256, RSA2_PRIVATE_PEM);
    let old_jwks = JwksServer::start(std::slice::from_ref(&old)).await;
    let new_jwks = JwksServer::start(std::slice::from_ref(&new)).await;
    let jwks_uri = Arc::new(Mutex::new(old_jwks.url().to_string()));
    let server = discovery(jwks_uri.clone()).await;
    let issuer = server.base_url();

    let mut config = OidcConfig::new(&issuer, "").with_audience(API);
    config.access_token_type = "none".into();
    config.jwks_cooldown_seconds = 0;
    let p = OidcProvider::discover(config, Arc::new(MemoryStateStore::new(10)))
        .await
        .unwrap();
    let before = token(&issuer, "old-1", Algorithm::RS256, RSA_PRIVATE_PEM);
    assert_eq!(p.verify(&before).await.unwrap().subject, "u1");
    assert_eq!(server.calls("/.well-known/openid-configuration"), 1);

    // The issuer moves its keys; the next token names the new key.
    *jwks_uri.lock().unwrap() = new_jwks.url().to_string();
    let after = token(&issuer, "new-1", Algorithm::RS256, RSA2_PRIVATE_PEM);
    assert_eq!(p.verify(&after).await.unwrap().subject, "u1");
    assert_eq!(server.calls("/.well-known/openid-configuration"), 2);
    assert_eq!(
        p.client()
            .metadata()
            .jwks_uri
            .as_ref()
            .map(url::Url::as_str),
        Some(new_jwks.url().as_str())
    );
    assert_eq!(p.user_info(&after).await.unwrap().id, "u1");

    // A key that no document leads to: refused, the document read again but not switched.
    let stray = token(&issuer, "stray", Algorithm::ES256, EC_PRIVATE_PEM);
    let e = p.verify(&stray).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
    assert_eq!(server.calls("/.well-known/openid-configuration"), 3);
    assert_eq!(p.verify(&after).await.unwrap().subject, "u1");
}
