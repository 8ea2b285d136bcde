//! Unit tests of the outbound client.

use super::*;
use std::sync::Arc;

use polyauth_core::{AccessToken, RequestContext, UserProfile};

fn config(origins: &[&str]) -> OutboundConfig {
    OutboundConfig {
        app_id: "a".into(),
        app_secret: ClientSecret::new("s"),
        allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
        timeout: DEFAULT_OUTBOUND_TIMEOUT,
        max_response_bytes: DEFAULT_OUTBOUND_MAX_RESPONSE_BYTES,
        identity_only: false,
    }
}

fn allowed(c: &OutboundConfig, url: &str) -> bool {
    c.is_allowed(&Url::parse(url).unwrap())
}

#[test]
fn allow_list_entries_are_origins() {
    let c = config(&[
        "https://api.example.com",
        "https://*.internal.test:8443/",
        "http://127.0.0.1:9000",
    ]);
    assert!(allowed(&c, "https://API.example.com/x?y=1"));
    assert!(allowed(&c, "https://api.example.com:443/x"));
    // Same host, other scheme or port: no credentials.
    assert!(!allowed(&c, "http://api.example.com/x"));
    assert!(!allowed(&c, "http://api.example.com:8080/x"));
    assert!(!allowed(&c, "https://api.example.com:8443/x"));
    // Wildcards: subdomains only, same scheme and port.
    assert!(allowed(&c, "https://x.internal.test:8443/"));
    assert!(allowed(&c, "https://a.b.internal.test:8443/"));
    assert!(!allowed(&c, "https://x.internal.test/"));
    assert!(!allowed(&c, "http://x.internal.test:8443/"));
    assert!(!allowed(&c, "https://internal.test:8443/"));
    assert!(!allowed(&c, "https://evilinternal.test:8443/"));
    assert!(!allowed(&c, "https://api.example.com.evil.test/"));
    // Plain http: loopback only.
    assert!(allowed(&c, "http://127.0.0.1:9000/"));
    assert!(!allowed(&c, "http://127.0.0.1:9001/"));
    assert!(!allowed(
        &config(&["http://auth.example.com"]),
        "http://auth.example.com/"
    ));
}

#[test]
fn bad_or_cleartext_entries_are_refused() {
    for entry in [
        "api.example.com",
        "https://api.example.com/path",
        "https://u:p@api.example.com",
        "ftp://api.example.com",
        "https://*.127.0.0.1",
        "http://auth.example.com",
        "http://*.example.com",
    ] {
        let e = AuthRequestClient::new(config(&[entry])).unwrap_err();
        assert_eq!(e.kind(), polyauth_core::ErrorKind::ConfigInvalid, "{entry}");
    }
    for entry in [
        "http://localhost:8080",
        "http://[::1]:1",
        "https://*.example.com",
    ] {
        AuthRequestClient::new(config(&[entry])).unwrap();
    }
    // The auth center's origin, when it may carry credentials.
    let aigc = |base: &str| AigcConfig::new("1", ClientSecret::new("s"), base).unwrap();
    let c = OutboundConfig::for_client(&aigc("https://auth.example.com/aigc-auth"));
    assert_eq!(c.allowed_origins, vec!["https://auth.example.com"]);
    assert!(!allowed(&c, "http://auth.example.com:8080/"));
    let c = OutboundConfig::for_client(&aigc("http://auth.example.com/aigc-auth"));
    assert!(c.allowed_origins.is_empty());
    AuthRequestClient::new(c).unwrap();
}

#[test]
fn request_debug_shows_no_values() {
    let client = AuthRequestClient::new(config(&[])).unwrap();
    let req = client
        .post("https://u:pw-in-url@api.example.com/x?token=q-secret")
        .unwrap()
        .header(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Bearer hdr-secret"),
        )
        .query(&[("password", "query-secret")])
        .json(serde_json::json!({"password": "body-secret"}));
    let text = format!("{req:?}");
    for secret in [
        "pw-in-url",
        "q-secret",
        "hdr-secret",
        "query-secret",
        "body-secret",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains("api.example.com/x"), "{text}");
    assert!(text.contains("authorization"), "{text}");
}

/// A real call over loopback: the record queued for the statistics holds neither the app
/// secret nor the caller's token, in its parameters or its `Debug`.
#[tokio::test]
async fn recorded_outbound_calls_hold_no_credentials() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(None::<http::HeaderMap>));
    let sink = seen.clone();
    let app = axum::Router::new().route(
        "/charge",
        axum::routing::post(move |headers: http::HeaderMap| {
            let sink = sink.clone();
            async move {
                *sink.lock().unwrap() = Some(headers);
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut cfg = config(&[origin.as_str()]);
    cfg.app_secret = ClientSecret::new("app-secret-value");
    let (stats, mut queued) = StatsCollector::capture(8);
    let client = AuthRequestClient::new(cfg).unwrap().with_stats(stats);
    let ctx = RequestContext {
        user: Some(Arc::new(UserProfile::new("aigc", "7"))),
        token: Some(AccessToken::new("user-token-value")),
        ..Default::default()
    };
    let response = context::scope(ctx, async {
        client
            .post(&format!("{origin}/charge"))
            .unwrap()
            .query(&[("access_token", "user-token-value")])
            .json(serde_json::json!({"amount": 3, "password": "pw-body"}))
            .send()
            .await
            .unwrap()
    })
    .await;
    assert_eq!(response.status, 200);
    let sent = seen.lock().unwrap().clone().unwrap();
    assert_eq!(
        sent["x-app-secret"], "app-secret-value",
        "credentials were sent"
    );
    assert_eq!(sent["authorization"], "Bearer user-token-value");

    let stat = queued.try_recv().unwrap();
    let debug = format!("{stat:?}");
    let params = stat.request_params.clone().unwrap().to_string();
    for secret in ["app-secret-value", "user-token-value", "pw-body"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
        assert!(!params.contains(secret), "{secret} in {params}");
    }
    assert_eq!(
        stat.request_params.unwrap()["headers"]["X-App-Secret"],
        REDACTED
    );
}
