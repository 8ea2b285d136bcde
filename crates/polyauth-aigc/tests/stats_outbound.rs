//! The statistics collector and the outbound client over loopback HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::any;
use polyauth_aigc::stats::REDACTED;
use polyauth_aigc::{
    AigcConfig, ApiStat, AuthRequestClient, OutboundConfig, StatsCollector, StatsConfig, context,
};
use polyauth_core::{AccessToken, ClientSecret, ErrorKind, RequestContext, UserProfile};
use polyauth_testkit::aigc::AigcEmulator;
use polyauth_testkit::server::Emulator;
use serde_json::{Value, json};

fn config(emu: &AigcEmulator) -> AigcConfig {
    AigcConfig::new(
        emu.app_id(),
        ClientSecret::new(emu.app_secret()),
        &emu.base_url(),
    )
    .unwrap()
}

fn stat(path: &str, status: u16, token: &str) -> ApiStat {
    ApiStat::new(path, "POST", status, Duration::from_millis(12))
        .with_token(Some(AccessToken::new(token)))
}

#[tokio::test]
async fn stats_arrive_batched_grouped_and_redacted() {
    let emu = AigcEmulator::start().await;
    let stats = StatsCollector::start(
        StatsConfig::for_client(&config(&emu))
            .with_batch_size(3)
            .with_flush_interval(Duration::from_secs(3600)),
    )
    .unwrap();
    let params = json!({
        "headers": {"Authorization": "Bearer user-token-1", "cookie": "sid=abc",
                    "X-App-Secret": "shh", "accept": "application/json"},
        "request_body": {"username": "u", "password": "hunter2", "nested": {"old_pwd": "x1"}},
    });
    stats.record(stat("/a", 200, "tok-A").with_params(params));
    stats.record(stat("/b", 404, "tok-B").with_error("not found"));
    stats.record(stat("/redirect", 302, "tok-A"));
    stats.record(stat("/anon", 401, ""));
    stats.record(stat("/c", 500, "tok-A"));
    // Batch size 3 reached by the 3 records kept (no 3xx, no 401, no record without a
    // token): one flush, one POST per token.
    for _ in 0..100 {
        if emu.stats_reports().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reports = emu.stats_reports();
    assert_eq!(reports.len(), 2, "{reports:?}");
    let a = reports
        .iter()
        .find(|r| r.authorization.as_deref() == Some("Bearer tok-A"))
        .unwrap();
    assert_eq!(a.app_id.as_deref(), Some(emu.app_id()));
    let items = a.body["stats"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["api_path"], "/a");
    assert_eq!(items[0]["status_code"], 200);
    assert!((items[0]["response_time"].as_f64().unwrap() - 0.012).abs() < 1e-9);
    assert!(items[0].get("token").is_none());
    let text = a.body.to_string();
    for secret in ["user-token-1", "sid=abc", "shh", "hunter2", "x1"] {
        assert!(!text.contains(secret), "{secret} uploaded: {text}");
    }
    assert_eq!(
        items[0]["request_params"]["headers"]["Authorization"],
        REDACTED
    );
    assert_eq!(
        items[0]["request_params"]["headers"]["accept"],
        "application/json"
    );
    let c = stats.counters();
    assert_eq!(c.skipped, 2, "the 3xx and the 401 without a token");
    assert_eq!(c.uploaded, 3);
    assert_eq!(c.discarded, 0);
    stats.shutdown().await;
}

#[tokio::test]
async fn bad_tokens_cost_no_upload() {
    let emu = AigcEmulator::start().await;
    let stats = StatsCollector::start(
        StatsConfig::for_client(&config(&emu))
            .with_batch_size(10)
            .with_flush_interval(Duration::from_millis(50)),
    )
    .unwrap();
    // 100 rejected requests, each with its own random token: no record, no POST.
    for i in 0..100 {
        stats.record(stat("/me", 401, &format!("garbage-{i}-{}", i * 7919)));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stats.shutdown().await;
    assert!(emu.stats_reports().is_empty(), "{:?}", emu.stats_reports());
    let c = stats.counters();
    assert_eq!((c.skipped, c.queued, c.uploaded), (100, 0, 0));
}

#[tokio::test]
async fn distinct_tokens_per_flush_are_capped() {
    let emu = AigcEmulator::start().await;
    let stats = StatsCollector::start(
        StatsConfig::for_client(&config(&emu))
            .with_batch_size(1000)
            .with_flush_interval(Duration::from_secs(3600))
            .with_max_tokens_per_flush(5),
    )
    .unwrap();
    for i in 0..20 {
        stats.record(stat("/x", 200, &format!("tok-{i}")));
        stats.record(stat("/y", 200, &format!("tok-{i}")));
    }
    stats.shutdown().await;
    let reports = emu.stats_reports();
    assert_eq!(
        reports.len(),
        5,
        "one POST per token, for the first 5 tokens only"
    );
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.authorization, Some(format!("Bearer tok-{i}")));
        assert_eq!(r.body["stats"].as_array().unwrap().len(), 2);
    }
    let c = stats.counters();
    assert_eq!(c.uploaded, 10);
    assert_eq!(
        c.discarded, 30,
        "the records of the other 15 tokens are dropped and counted"
    );
}

#[tokio::test]
async fn interval_flush_and_shutdown_flush() {
    let emu = AigcEmulator::start().await;
    let stats = StatsCollector::start(
        StatsConfig::for_client(&config(&emu))
            .with_batch_size(1000)
            .with_flush_interval(Duration::from_millis(100)),
    )
    .unwrap();
    stats.record(stat("/tick", 200, "t1"));
    // Far below the batch size: only the 100 ms interval can flush it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while emu.stats_reports().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(emu.stats_reports().len(), 1, "flushed by interval");

    let slow = StatsCollector::start(
        StatsConfig::for_client(&config(&emu))
            .with_batch_size(1000)
            .with_flush_interval(Duration::from_secs(3600)),
    )
    .unwrap();
    for i in 0..25 {
        slow.record(stat(&format!("/q{i}"), 200, "t2"));
    }
    slow.shutdown().await;
    let reports = emu.stats_reports();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[1].body["stats"].as_array().unwrap().len(), 25);
    // After shutdown, records are dropped and counted.
    slow.record(stat("/late", 200, "t2"));
    assert_eq!(slow.counters().dropped, 1);
    stats.shutdown().await;
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_without_blocking() {
    let emu = AigcEmulator::start().await;
    // Uploads stall, so the queue fills.
    emu.server().inject(polyauth_testkit::server::Fault::new(
        polyauth_testkit::server::FaultKind::Delay(Duration::from_secs(2)),
    ));
    let stats = StatsCollector::start(
        StatsConfig::for_client(&config(&emu))
            .with_batch_size(1)
            .with_queue_capacity(8),
    )
    .unwrap();
    let started = std::time::Instant::now();
    for i in 0..1000 {
        stats.record(stat(&format!("/{i}"), 200, "t"));
    }
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "record never blocks"
    );
    let c = stats.counters();
    assert!(c.dropped >= 900, "{c:?}");
    assert_eq!(c.queued + c.dropped, 1000);
    let disabled =
        StatsCollector::start(StatsConfig::for_client(&config(&emu)).with_enabled(false)).unwrap();
    disabled.record(stat("/x", 200, "t"));
    assert_eq!(disabled.counters().queued, 0);
    assert!(!disabled.is_enabled());
}

/// A loopback server that answers with the headers it received.
async fn echo() -> Emulator {
    Emulator::serve(Router::new().route(
        "/{*rest}",
        any(|headers: HeaderMap| async move {
            let map: serde_json::Map<String, Value> = headers
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap_or(""))))
                .collect();
            axum::Json(Value::Object(map))
        }),
    ))
    .await
}

fn request_context(token: &str) -> RequestContext {
    RequestContext {
        user: Some(std::sync::Arc::new(UserProfile::new("aigc", "7"))),
        token: Some(AccessToken::new(token)),
        client_ip: Some("203.0.113.9".into()),
        user_agent: Some("caller-agent/1".into()),
        trace_id: Some("trace-out-1".into()),
        ..Default::default()
    }
}

async fn call(client: &AuthRequestClient, url: &str) -> Value {
    client
        .get(url)
        .unwrap()
        .send()
        .await
        .unwrap()
        .json()
        .unwrap()
}

#[tokio::test]
async fn outbound_headers_go_only_to_allowed_origins() {
    let server = echo().await;
    let port = server.addr().port();
    let emu = AigcEmulator::start().await;
    let cfg = config(&emu);
    let echo_origin = format!("http://127.0.0.1:{port}");
    let allowed =
        AuthRequestClient::new(OutboundConfig::for_client(&cfg).allow_origin(&echo_origin))
            .unwrap();
    // The base URL's origin only: the same host on another port gets no credentials.
    let base_only = AuthRequestClient::new(OutboundConfig::for_client(&cfg)).unwrap();
    // The echo's host and port, but https: a plain-http call gets no credentials.
    let https_only = AuthRequestClient::new(
        OutboundConfig::for_client(&cfg).allow_origin(format!("https://127.0.0.1:{port}")),
    )
    .unwrap();

    let (to_allowed, to_other_host, to_other_port, to_http) =
        context::scope(request_context("user-tok"), async {
            let a: Value = allowed
                .get(&format!("{echo_origin}/api/x"))
                .unwrap()
                .header(
                    http::header::USER_AGENT,
                    http::HeaderValue::from_static("overridden"),
                )
                .send()
                .await
                .unwrap()
                .json()
                .unwrap();
            // `localhost` is not on the list (only 127.0.0.1 is).
            let b = call(&allowed, &format!("http://localhost:{port}/api/y")).await;
            let c = call(&base_only, &format!("{echo_origin}/api/z")).await;
            let d = call(&https_only, &format!("{echo_origin}/api/w")).await;
            (a, b, c, d)
        })
        .await;
    assert_eq!(to_allowed["x-app-id"], emu.app_id());
    assert_eq!(to_allowed["x-app-secret"], emu.app_secret());
    assert_eq!(to_allowed["authorization"], "Bearer user-tok");
    assert_eq!(to_allowed["x-real-ip"], "203.0.113.9");
    assert_eq!(to_allowed["user-agent"], "caller-agent/1");
    assert_eq!(to_allowed["x-trace-id"], "trace-out-1");
    for (what, seen) in [
        ("another host", &to_other_host),
        ("another port of the allowed host", &to_other_port),
        ("http when https is allowed", &to_http),
    ] {
        for h in ["x-app-id", "x-app-secret", "authorization"] {
            assert!(seen.get(h).is_none(), "{h} sent to {what}: {seen}");
        }
        assert_eq!(seen["x-trace-id"], "trace-out-1", "{what}");
    }

    let e = allowed.get("not a url").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // Credentials never go in clear text to a host that is not loopback.
    let e = AuthRequestClient::new(
        OutboundConfig::for_client(&cfg).allow_origin("http://auth.example.com"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
}

#[tokio::test]
async fn outbound_calls_are_recorded_and_time_out() {
    let server = echo().await;
    let port = server.addr().port();
    let emu = AigcEmulator::start().await;
    let cfg = config(&emu);
    let stats = StatsCollector::start(StatsConfig::for_client(&cfg).with_batch_size(1)).unwrap();
    let client = AuthRequestClient::new(
        OutboundConfig::for_client(&cfg)
            .allow_origin(format!("http://127.0.0.1:{port}"))
            .with_timeout(Duration::from_millis(300)),
    )
    .unwrap()
    .with_stats(stats.clone());
    let echoed: Value = context::scope(request_context("rec-tok"), async {
        client
            .post(&format!("http://127.0.0.1:{port}/api/charge"))
            .unwrap()
            .query(&[("q", "1")])
            .json(json!({"amount": 3, "password": "pw-out"}))
            .send()
            .await
            .unwrap()
            .json()
            .unwrap()
    })
    .await;
    assert_eq!(
        echoed["authorization"], "Bearer rec-tok",
        "credentials were sent"
    );
    stats.shutdown().await;
    let reports = emu.stats_reports();
    assert_eq!(reports.len(), 1);
    let item = &reports[0].body["stats"][0];
    assert_eq!(
        item["api_path"],
        format!("http://127.0.0.1:{port}/api/charge")
    );
    assert_eq!(item["request_params"]["query_params"]["q"], "1");
    assert_eq!(item["request_params"]["request_body"]["amount"], 3);
    let text = reports[0].body.to_string();
    for secret in ["pw-out", emu.app_secret(), "rec-tok"] {
        assert!(!text.contains(secret), "{secret} uploaded: {text}");
    }
    assert_eq!(item["request_params"]["headers"]["X-App-Secret"], REDACTED);

    // Timeout: a typed error.
    let stall = Emulator::serve(Router::new().route(
        "/slow",
        any(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    ))
    .await;
    let started = std::time::Instant::now();
    let e = client
        .get(&format!("{}/slow", stall.base_url()))
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.operation(), Some("outbound_request"));
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// A loopback server that answers with what it received: headers, query string and body.
async fn mirror() -> Emulator {
    Emulator::serve(Router::new().route(
        "/{*rest}",
        any(
            |uri: axum::http::Uri, headers: HeaderMap, body: String| async move {
                let map: serde_json::Map<String, Value> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap_or(""))))
                    .collect();
                axum::Json(json!({"headers": map, "query": uri.query(), "body": body}))
            },
        ),
    ))
    .await
}

/// The reference's plain `auth_request`: identity headers only (the user agent included),
/// to any target, from an identity-only client or per request from a client with an
/// allow-list; and its `data={...}` form body.
#[tokio::test]
async fn identity_only_requests_and_form_bodies() {
    let server = mirror().await;
    let origin = server.base_url();
    let emu = AigcEmulator::start().await;
    let cfg = config(&emu);
    let plain = AuthRequestClient::new(OutboundConfig::identity_only()).unwrap();
    let with_creds =
        AuthRequestClient::new(OutboundConfig::for_client(&cfg).allow_origin(&origin)).unwrap();

    let (form, per_request, allowed) = context::scope(request_context("id-tok"), async {
        let form: Value = plain
            .post(&format!("{origin}/submit"))
            .unwrap()
            .query(&[("page", 1)])
            .query(&[("tags", json!(["a", "b"])), ("none", Value::Null)])
            .form(&[("field1", "value1"), ("field2", "value 2&more")])
            .send()
            .await
            .unwrap()
            .json()
            .unwrap();
        let per_request: Value = with_creds
            .get(&format!("{origin}/third"))
            .unwrap()
            .identity_only()
            .send()
            .await
            .unwrap()
            .json()
            .unwrap();
        let allowed: Value = with_creds
            .get(&format!("{origin}/own"))
            .unwrap()
            .send()
            .await
            .unwrap()
            .json()
            .unwrap();
        (form, per_request, allowed)
    })
    .await;
    for (what, seen) in [
        ("identity-only client", &form),
        ("per request", &per_request),
    ] {
        let headers = &seen["headers"];
        for h in ["x-app-id", "x-app-secret", "authorization"] {
            assert!(headers.get(h).is_none(), "{h} sent ({what}): {seen}");
        }
        assert_eq!(headers["x-real-ip"], "203.0.113.9", "{what}");
        assert_eq!(headers["user-agent"], "caller-agent/1", "{what}");
        assert_eq!(headers["x-trace-id"], "trace-out-1", "{what}");
    }
    // The allow-list is not widened or narrowed by the per-request mode.
    assert_eq!(allowed["headers"]["authorization"], "Bearer id-tok");
    assert_eq!(
        form["headers"]["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(form["body"], "field1=value1&field2=value+2%26more");
    assert_eq!(form["query"], "page=1&tags=a&tags=b");

    // An identity-only client takes no allow-list.
    let mut refused = OutboundConfig::identity_only();
    refused.allowed_origins.push(origin.clone());
    let e = AuthRequestClient::new(refused).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    assert!(!OutboundConfig::identity_only().is_allowed(&url::Url::parse(&origin).unwrap()));
}

/// Statistics of outbound calls in the reference's shape: query values as given, the added
/// headers under the reference's names, `form_params` for a form, no `request_body` key
/// without a body.
#[tokio::test]
async fn outbound_stats_keep_the_reference_request_params() {
    let server = mirror().await;
    let origin = server.base_url();
    let emu = AigcEmulator::start().await;
    let stats = StatsCollector::start(StatsConfig::for_client(&config(&emu))).unwrap();
    let plain = AuthRequestClient::new(OutboundConfig::identity_only())
        .unwrap()
        .with_stats(stats.clone());
    context::scope(request_context("st-tok"), async {
        plain
            .get(&format!("{origin}/list"))
            .unwrap()
            .query(&[("page", 2)])
            .send()
            .await
            .unwrap();
        plain
            .post(&format!("{origin}/form"))
            .unwrap()
            .form(&[("field1", "value1")])
            .send()
            .await
            .unwrap();
        plain
            .post(&format!("{origin}/empty"))
            .unwrap()
            .json(json!({}))
            .send()
            .await
            .unwrap();
    })
    .await;
    stats.shutdown().await;
    let reports = emu.stats_reports();
    assert_eq!(reports.len(), 1, "one token, one upload");
    let items = reports[0].body["stats"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    let list = &items[0]["request_params"];
    assert_eq!(
        list,
        &json!({
            "query_params": {"page": 2},
            "headers": {
                "x-real-ip": "203.0.113.9",
                "user-agent": "caller-agent/1",
                "X-Trace-ID": "trace-out-1",
            },
        })
    );
    assert_eq!(
        items[1]["request_params"]["form_params"],
        json!({"field1": "value1"})
    );
    assert!(items[1]["request_params"].get("request_body").is_none());
    // `{}` is false to Python: no `request_body`, as the reference's `if json_data:`.
    assert!(items[2]["request_params"].get("request_body").is_none());
    assert!(items[2]["request_params"].get("form_params").is_none());
}
