//! Tests of the HTTP plumbing against loopback servers.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

fn client(config: HttpConfig) -> HttpClient {
    HttpClient::new("test", config).unwrap()
}

#[tokio::test]
async fn retries_idempotent_5xx_only() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let base = serve(Router::new().route(
        "/flaky",
        get(move || {
            let n = h.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    (StatusCode::SERVICE_UNAVAILABLE, "busy")
                } else {
                    (StatusCode::OK, "ok")
                }
            }
        }),
    ))
    .await;
    let c = client(HttpConfig {
        retry: RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(10),
        },
        ..Default::default()
    });
    let url = format!("{base}/flaky");
    let r = c
        .send("flaky", c.reqwest().get(&url), Idempotency::Idempotent)
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    hits.store(0, Ordering::SeqCst);
    let r = c
        .send("flaky", c.reqwest().get(&url), Idempotency::NonIdempotent)
        .await
        .unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(hits.load(Ordering::SeqCst), 1, "non-idempotent sent once");
    let e = r.status_error();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.status(), Some(503));
    assert!(e.message().contains("busy"));
}

/// `/limited` answers 429 with `Retry-After: {secs}` on its first call, 200 afterwards.
async fn rate_limited_once(secs: u64, hits: Arc<AtomicUsize>) -> String {
    serve(Router::new().route(
        "/limited",
        get(move || {
            let n = hits.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    let retry_after = [(http::header::RETRY_AFTER, secs.to_string())];
                    (StatusCode::TOO_MANY_REQUESTS, retry_after, "slow down").into_response()
                } else {
                    (StatusCode::OK, "ok").into_response()
                }
            }
        }),
    ))
    .await
}

/// Two retries; the random backoff stays under 5 ms, `Retry-After` is waited up to 2 s.
fn retrying_within_2s() -> HttpClient {
    client(HttpConfig {
        retry: RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_secs(2),
        },
        ..Default::default()
    })
}

async fn get_limited(c: &HttpClient, base: &str) -> HttpResponse {
    let request = c.reqwest().get(format!("{base}/limited"));
    c.send("limited", request, Idempotency::Idempotent)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_waits_the_retry_after_the_server_asks_for() {
    let hits = Arc::new(AtomicUsize::new(0));
    let base = rate_limited_once(1, hits.clone()).await;
    let c = retrying_within_2s();
    let started = Instant::now();
    let r = get_limited(&c, &base).await;
    assert_eq!(r.status, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retried before Retry-After"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_cap_goes_back_to_the_caller() {
    let hits = Arc::new(AtomicUsize::new(0));
    let base = rate_limited_once(30, hits.clone()).await;
    let c = retrying_within_2s();
    let r = get_limited(&c, &base).await;
    assert_eq!(r.status, 429);
    assert_eq!(hits.load(Ordering::SeqCst), 1, "not retried");
    let e = r.status_error();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn oversized_bodies_and_timeouts_are_typed() {
    let base = serve(
        Router::new()
            .route("/big", get(|| async { "x".repeat(4096) }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            ),
    )
    .await;
    let c = client(HttpConfig {
        max_response_bytes: 1024,
        timeout: Duration::from_millis(200),
        retry: RetryPolicy::none(),
        ..Default::default()
    });
    let e = c
        .send(
            "big",
            c.reqwest().get(format!("{base}/big")),
            Idempotency::Idempotent,
        )
        .await
        .err();
    assert_eq!(e.as_ref().map(|e| e.kind()), Some(ErrorKind::Protocol));

    let started = Instant::now();
    let e = c
        .send(
            "slow",
            c.reqwest().get(format!("{base}/slow?token=SECRET")),
            Idempotency::Idempotent,
        )
        .await
        .err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let e = e.expect("expected a timeout");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_temporary());
    assert_eq!(e.operation(), Some("slow"));
    // No URL (and so no token in a query string) anywhere in the error chain.
    let mut chain = format!("{e} {e:?}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        chain.push_str(&format!(" {s} {s:?}"));
        src = s.source();
    }
    assert!(!chain.contains("SECRET"), "{chain}");
}

#[tokio::test]
async fn a_timeout_is_not_retried() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let base = serve(Router::new().route(
        "/stall",
        get(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }
        }),
    ))
    .await;
    let c = client(HttpConfig {
        timeout: Duration::from_millis(200),
        retry: RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        },
        ..Default::default()
    });
    let started = Instant::now();
    let e = c
        .send(
            "stall",
            c.reqwest().get(format!("{base}/stall")),
            Idempotency::Idempotent,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.message().contains("timed out"), "{e}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "one timeout, not one per retry"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    // Bind then drop to get a port nobody listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").ok();
    let port = l
        .as_ref()
        .and_then(|l| l.local_addr().ok())
        .map(|a| a.port())
        .unwrap_or(9);
    drop(l);
    let c = client(HttpConfig {
        retry: RetryPolicy::none(),
        ..Default::default()
    });
    let e = c
        .send(
            "down",
            c.reqwest().get(format!("http://127.0.0.1:{port}/")),
            Idempotency::Idempotent,
        )
        .await
        .err();
    assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::Unavailable));
}

#[tokio::test]
async fn execute_bridges_http_types() {
    let base = serve(Router::new().route(
        "/echo",
        axum::routing::post(|body: String| async move { (StatusCode::CREATED, body) }),
    ))
    .await;
    let c = client(HttpConfig::default());
    let req = http::Request::post(format!("{base}/echo"))
        .header("content-type", "text/plain")
        .body(b"ping".to_vec())
        .unwrap();
    let resp = c
        .execute("echo", req, Idempotency::NonIdempotent)
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.body(), b"ping");
}

#[test]
fn garbage_json_is_a_protocol_error() {
    let r = HttpResponse {
        status: 200,
        headers: HeaderMap::new(),
        body: Bytes::from_static(b"<html>oops</html>"),
    };
    let e = r.json::<serde_json::Value>().err();
    assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::Protocol));
}

#[test]
fn backoff_is_bounded() {
    let p = RetryPolicy::default();
    for retry in 1..40 {
        assert!(p.backoff(retry) <= p.max_backoff);
    }
}

#[test]
fn bearer_header_is_sensitive() {
    let v = bearer_header(&AccessToken::new("abc")).unwrap();
    assert!(v.is_sensitive());
    assert!(bearer_header(&AccessToken::new("a\nb")).is_err());
}
