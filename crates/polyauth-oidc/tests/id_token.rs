//! ID token validation through the whole callback: a scripted token endpoint answers with ID
//! tokens crafted to fail one check each (OIDC Core §3.1.3.7), signed by keys a real JWKS
//! server publishes. Each must be refused as `InvalidToken`, and the good one accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::post;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use polyauth_core::http::{HttpClient, HttpConfig};
use polyauth_core::{
    AuthorizationCallback, AuthorizationRequest, ClientSecret, ErrorKind, MemoryStateStore,
};
use polyauth_oidc::{
    ClientAuth, Expect, IdTokenKeys, OAuthClient, OAuthClientConfig, ServerMetadata,
};
use polyauth_testkit::jwks::{JwksServer, SigningKey};
use polyauth_testkit::keys::{EC_PRIVATE_PEM, RSA_PRIVATE_PEM, RSA2_PRIVATE_PEM};
use polyauth_testkit::server::Emulator;
use serde_json::{Value, json};
use sha2::Digest;

const ISSUER: &str = "https://issuer.example";
const CLIENT: &str = "client-1";
const ACCESS_TOKEN: &str = "access-token-1";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn at_hash(token: &str) -> String {
    let digest = sha2::Sha256::digest(token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

fn sign(claims: &Value, kid: &str, alg: Algorithm, pem: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        Algorithm::HS256 => EncodingKey::from_secret(pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// A token endpoint answering with whatever ID token the test put in `slot`.
async fn token_endpoint(slot: Arc<Mutex<Option<String>>>) -> Emulator {
    let router = Router::new().route(
        "/token",
        post(move || {
            let slot = slot.clone();
            async move {
                let id_token = slot.lock().unwrap().clone();
                let mut body =
                    json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 60});
                if let Some(id_token) = id_token {
                    body["id_token"] = json!(id_token);
                }
                axum::Json(body)
            }
        }),
    );
    Emulator::serve(router).await
}

#[tokio::test]
async fn every_id_token_check_refuses_its_defect() {
    let key = SigningKey::new("k1", Algorithm::RS256, RSA_PRIVATE_PEM);
    let jwks = JwksServer::start(std::slice::from_ref(&key)).await;
    let slot = Arc::new(Mutex::new(None));
    let server = token_endpoint(slot.clone()).await;
    let metadata = ServerMetadata::new(
        url::Url::parse("https://issuer.example/authorize").unwrap(),
        url::Url::parse(&format!("{}/token", server.base_url())).unwrap(),
    )
    .with_issuer(ISSUER)
    .with_jwks_uri(jwks.url());
    let config = OAuthClientConfig::new(CLIENT, ClientAuth::basic(ClientSecret::new("s")))
        .with_redirect_uri(url::Url::parse("https://app.example/cb").unwrap())
        .with_scopes(["openid"]);
    let states = Arc::new(MemoryStateStore::new(100));
    let http = HttpClient::new("test", HttpConfig::default()).unwrap();
    let client = OAuthClient::new(
        "test",
        http,
        metadata,
        config,
        states,
        IdTokenKeys::Discovered,
    )
    .unwrap();

    let good = |nonce: &str| {
        json!({
            "iss": ISSUER, "sub": "u1", "aud": CLIENT, "iat": now(), "exp": now() + 300,
            "nonce": nonce, "at_hash": at_hash(ACCESS_TOKEN),
        })
    };
    type Defect = Box<dyn Fn(&str) -> String>;
    let rsa = |c: Value| sign(&c, "k1", Algorithm::RS256, RSA_PRIVATE_PEM);
    let with = move |nonce: &str, key: &str, value: Value| {
        let mut c = good(nonce);
        c[key] = value;
        c
    };
    let cases: Vec<(&str, Defect)> = vec![
        (
            "wrong nonce",
            Box::new(move |n| rsa(with(n, "nonce", json!("other")))),
        ),
        (
            "no nonce",
            Box::new(move |n| {
                let mut c = good(n);
                c.as_object_mut().unwrap().remove("nonce");
                rsa(c)
            }),
        ),
        (
            "wrong issuer",
            Box::new(move |n| rsa(with(n, "iss", json!("https://evil.example")))),
        ),
        (
            "wrong audience",
            Box::new(move |n| rsa(with(n, "aud", json!("client-2")))),
        ),
        (
            "several audiences, no azp",
            Box::new(move |n| rsa(with(n, "aud", json!([CLIENT, "client-2"])))),
        ),
        (
            "azp of another client",
            Box::new(move |n| rsa(with(n, "azp", json!("client-2")))),
        ),
        (
            "expired",
            Box::new(move |n| rsa(with(n, "exp", json!(now() - 3600)))),
        ),
        (
            "no iat",
            Box::new(move |n| {
                let mut c = good(n);
                c.as_object_mut().unwrap().remove("iat");
                rsa(c)
            }),
        ),
        (
            "at_hash of another token",
            Box::new(move |n| rsa(with(n, "at_hash", json!(at_hash("other"))))),
        ),
        (
            "signed by an unpublished key",
            Box::new(move |n| sign(&good(n), "k1", Algorithm::RS256, RSA2_PRIVATE_PEM)),
        ),
        (
            "HS256 with the public key as secret",
            Box::new(move |n| sign(&good(n), "k1", Algorithm::HS256, "secret")),
        ),
        (
            "another algorithm family",
            Box::new(move |n| sign(&good(n), "k1", Algorithm::ES256, EC_PRIVATE_PEM)),
        ),
        ("not a JWT", Box::new(|_| "not.a.jwt".to_owned())),
    ];
    let login = |client: OAuthClient| async move {
        let (url, state) = client
            .start_unbound(AuthorizationRequest::default())
            .await
            .unwrap();
        let nonce = url
            .query_pairs()
            .find(|(k, _)| k == "nonce")
            .map(|(_, v)| v.into_owned())
            .expect("an OpenID Connect login sends a nonce");
        (state, nonce)
    };
    for (what, make) in &cases {
        let (state, nonce) = login(client.clone()).await;
        *slot.lock().unwrap() = Some(make(&nonce));
        let e = client
            .finish(&AuthorizationCallback::new("code", state), Expect::Unbound)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{what}: {e}");
        assert!(
            !e.to_string().contains("eyJ"),
            "{what}: no token text in errors: {e}"
        );
    }
    // No ID token at all in an OpenID Connect login.
    let (state, _) = login(client.clone()).await;
    *slot.lock().unwrap() = None;
    let e = client
        .finish(&AuthorizationCallback::new("code", state), Expect::Unbound)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    // The good one.
    let (state, nonce) = login(client.clone()).await;
    *slot.lock().unwrap() = Some(rsa(good(&nonce)));
    let done = client
        .finish(&AuthorizationCallback::new("code", state), Expect::Unbound)
        .await
        .unwrap();
    assert_eq!(done.id_token_claims.unwrap()["sub"], json!("u1"));
}
