//! Client authentication per endpoint: revocation (RFC 7009) and introspection (RFC 7662) use
//! their own `ClientAuth` when configured and the token endpoint's otherwise. A recording
//! server on loopback keeps what each call sent (the `Authorization` header and the form), so
//! every assertion reads the request as the server saw it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use base64::Engine as _;
use polyauth_core::http::{HttpClient, HttpConfig};
use polyauth_core::{
    AccessToken, ClientSecret, ErrorKind, IdToken, MemoryStateStore, RefreshToken,
};
use polyauth_oidc::{ClientAuth, IdTokenKeys, OAuthClient, OAuthClientConfig, ServerMetadata};
use polyauth_testkit::server::Emulator;
use serde_json::json;

const CLIENT: &str = "client-1";

/// One request as the server received it.
#[derive(Clone, Debug)]
struct Seen {
    path: &'static str,
    authorization: Option<String>,
    form: BTreeMap<String, String>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// A server whose `/revoke` and `/introspect` record each request; `/revoke` answers 400
/// `unsupported_token_type` for the token `refuse-me`, 200 otherwise.
async fn recording_server(log: Log) -> Emulator {
    fn seen(path: &'static str, headers: &HeaderMap, form: BTreeMap<String, String>) -> Seen {
        Seen {
            path,
            authorization: headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned()),
            form,
        }
    }
    async fn revoke(
        State(log): State<Log>,
        headers: HeaderMap,
        Form(form): Form<BTreeMap<String, String>>,
    ) -> impl IntoResponse {
        let refuse = form.get("token").map(String::as_str) == Some("refuse-me");
        log.lock().unwrap().push(seen("/revoke", &headers, form));
        if refuse {
            let body = json!({"error": "unsupported_token_type", "error_description": "no"});
            return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
        }
        StatusCode::OK.into_response()
    }
    async fn introspect(
        State(log): State<Log>,
        headers: HeaderMap,
        Form(form): Form<BTreeMap<String, String>>,
    ) -> impl IntoResponse {
        log.lock()
            .unwrap()
            .push(seen("/introspect", &headers, form));
        axum::Json(json!({"active": true, "sub": "u1"}))
    }
    let router = Router::new()
        .route("/revoke", post(revoke))
        .route("/introspect", post(introspect))
        .with_state(log);
    Emulator::serve(router).await
}

fn client(server: &Emulator, config: OAuthClientConfig, revocation: bool) -> OAuthClient {
    let base = server.base_url();
    let mut metadata = ServerMetadata::new(
        url::Url::parse("https://issuer.example/authorize").unwrap(),
        url::Url::parse(&format!("{base}/token")).unwrap(),
    )
    .with_introspection_endpoint(url::Url::parse(&format!("{base}/introspect")).unwrap());
    if revocation {
        metadata =
            metadata.with_revocation_endpoint(url::Url::parse(&format!("{base}/revoke")).unwrap());
    }
    OAuthClient::new(
        "test",
        HttpClient::new("test", HttpConfig::default()).unwrap(),
        metadata,
        config,
        Arc::new(MemoryStateStore::new(10)),
        IdTokenKeys::Discovered,
    )
    .unwrap()
}

fn basic(id: &str, secret: &str) -> String {
    let pair = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn token_auth() -> ClientAuth {
    ClientAuth::basic(ClientSecret::new("token-secret"))
}

#[tokio::test]
async fn revocation_uses_its_own_client_auth_and_introspection_falls_back() {
    let log = Log::default();
    let server = recording_server(log.clone()).await;
    let mut config = OAuthClientConfig::new(CLIENT, token_auth());
    config.revocation_auth = Some(ClientAuth::ClientSecretPost(ClientSecret::new(
        "revocation-secret",
    )));
    let client = client(&server, config, true);

    client.revoke(&RefreshToken::new("rt-1")).await.unwrap();
    let answer = client.introspect(&AccessToken::new("at-1")).await.unwrap();
    assert!(answer.active);

    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let revoke = &seen[0];
    assert_eq!(revoke.path, "/revoke");
    // client_secret_post: the credentials in the form, no Authorization header.
    assert_eq!(revoke.authorization, None);
    let expected: BTreeMap<String, String> = [
        ("client_id", CLIENT),
        ("client_secret", "revocation-secret"),
        ("token", "rt-1"),
        ("token_type_hint", "refresh_token"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(revoke.form, expected);

    // No introspection_auth: the token endpoint's client_secret_basic.
    let introspect = &seen[1];
    assert_eq!(introspect.path, "/introspect");
    assert_eq!(
        introspect.authorization.as_deref(),
        Some(basic(CLIENT, "token-secret").as_str())
    );
    assert_eq!(
        introspect.form.get("token").map(String::as_str),
        Some("at-1")
    );
    assert!(!introspect.form.contains_key("client_secret"));
}

#[tokio::test]
async fn introspection_uses_its_own_client_auth_and_revocation_falls_back() {
    let log = Log::default();
    let server = recording_server(log.clone()).await;
    let mut config = OAuthClientConfig::new(CLIENT, token_auth());
    config.introspection_auth = Some(ClientAuth::basic(ClientSecret::new("rs-secret")));
    config.token_type_hint = false;
    let client = client(&server, config, true);

    client.introspect(&AccessToken::new("at-2")).await.unwrap();
    client.revoke(&AccessToken::new("at-2")).await.unwrap();
    // RFC 7662 and RFC 7009 take access and refresh tokens: an id token is refused unsent.
    let id_token = IdToken::new("h.p.s");
    let e = client.introspect(&id_token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        client.revoke(&id_token).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(log.lock().unwrap().len(), 2, "nothing more was sent");

    let seen = log.lock().unwrap().clone();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(basic(CLIENT, "rs-secret").as_str())
    );
    assert_eq!(
        seen[1].authorization.as_deref(),
        Some(basic(CLIENT, "token-secret").as_str())
    );
    // Hints turned off: none sent.
    assert!(!seen[1].form.contains_key("token_type_hint"));
}

#[tokio::test]
async fn a_refused_revocation_keeps_the_servers_error_code() {
    let log = Log::default();
    let server = recording_server(log.clone()).await;
    let client = client(&server, OAuthClientConfig::new(CLIENT, token_auth()), true);

    let err = client
        .revoke(&AccessToken::new("refuse-me"))
        .await
        .unwrap_err();
    assert_eq!(err.provider_code(), Some("unsupported_token_type"));
    assert_ne!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn revocation_without_an_endpoint_is_unsupported_and_sends_nothing() {
    let log = Log::default();
    let server = recording_server(log.clone()).await;
    let client = client(&server, OAuthClientConfig::new(CLIENT, token_auth()), false);

    let err = client.revoke(&RefreshToken::new("rt-1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(log.lock().unwrap().is_empty());
}
