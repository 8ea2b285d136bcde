//! Middleware and context parity through polyauth-axum (feature `axum`), over real HTTP.

#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use polyauth_aigc::stats::REDACTED;
use polyauth_aigc::{AigcConfig, AigcProvider, StatsCollector, StatsConfig, context, web};
use polyauth_axum::{CurrentUser, require_any_permission};
use polyauth_core::ClientSecret;
use polyauth_testkit::aigc::AigcEmulator;
use serde_json::{Value, json};

async fn whoami(CurrentUser(user): CurrentUser) -> axum::Json<Value> {
    // Read through the context, two calls deep, after a yield.
    tokio::task::yield_now().await;
    axum::Json(json!({
        "id": context::current_user_id(),
        "username": context::current_username(),
        "roles": context::current_roles(),
        "permissions": context::current_permissions(),
        "is_admin": context::is_current_user_admin(),
        "app_id": context::current_app_id(),
        "client_ip": context::client_ip(),
        "user_agent": context::user_agent(),
        "request_id": context::request_id(),
        "trace_id": context::trace_id(),
        "token_seen": context::request_token().is_some(),
        "extractor_username": user.username,
    }))
}

async fn serve(emu: &AigcEmulator, stats: Option<StatsCollector>) -> String {
    serve_with(emu, stats, &[], SHORT_TIMEOUT).await
}

/// The provider's call timeout of most tests: short, so that the upstream-delay test ends
/// quickly.
const SHORT_TIMEOUT: Duration = Duration::from_millis(500);

/// Serves the test app behind `web::auth_layer`, trusting `proxy_headers` for the client IP,
/// with `timeout` for each call to the auth center.
async fn serve_with(
    emu: &AigcEmulator,
    stats: Option<StatsCollector>,
    proxy_headers: &[&str],
    timeout: Duration,
) -> String {
    let config = AigcConfig::new(
        emu.app_id(),
        ClientSecret::new(emu.app_secret()),
        &emu.base_url(),
    )
    .unwrap()
    .with_timeout(timeout);
    let provider = Arc::new(AigcProvider::new(config).unwrap());
    let app = Router::new()
        .route("/me", get(whoami))
        .route("/health", get(|| async { "ok" }))
        // The reference's `require_auth(client, permissions, any_permission=True)`.
        .route(
            "/reports",
            get(|| async { "reports" })
                .route_layer(require_any_permission(["report:read", "user:read"])),
        )
        .route(
            "/billing",
            get(|| async { "billing" })
                .route_layer(require_any_permission(["billing:write", "billing:admin"])),
        )
        .route(
            "/refunds",
            get(|| async { "refunds" }).route_layer(require_any_permission(["order:refund"])),
        )
        .route(
            "/app",
            get(|| async { axum::Json(json!({"app_code": context::current_app_code()})) }),
        )
        .route(
            "/public/info",
            get(|| async { axum::Json(json!({"user": context::current_user_id()})) }),
        )
        .layer(
            web::auth_layer(provider, &["/health"], &["/public/"], stats)
                .trusted_proxy_headers(proxy_headers),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    base
}

async fn get_json(url: &str, token: Option<&str>, trace: Option<&str>) -> (u16, Value) {
    get_json_with(url, token, trace, &[]).await
}

async fn get_json_with(
    url: &str,
    token: Option<&str>,
    trace: Option<&str>,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .get(url)
        .header("user-agent", "test-agent/2");
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(t) = trace {
        req = req.header("x-trace-id", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn middleware_parity() {
    let emu = AigcEmulator::start().await;
    emu.add_user("alice", &["admin"], &["user:read"]);
    let token = emu.issue_token("alice").unwrap();
    let base = serve(&emu, None).await;

    let (status, body) = get_json(&format!("{base}/me"), Some(&token), Some("tr-9")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], "alice");
    assert_eq!(body["extractor_username"], "alice");
    assert_eq!(body["roles"], json!(["admin"]));
    assert_eq!(body["app_id"], emu.app_id());
    assert_eq!(body["user_agent"], "test-agent/2");
    assert_eq!(body["client_ip"], "127.0.0.1");
    assert_eq!(body["trace_id"], "tr-9");
    assert_eq!(body["token_seen"], true);
    assert_eq!(
        emu.trace_ids(),
        vec!["tr-9"],
        "trace id forwarded to the auth center"
    );

    // 401 with the reference body.
    let (status, body) = get_json(&format!("{base}/me"), None, None).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"code": 401, "message": "未提供认证信息", "data": null})
    );
    let (status, body) = get_json(&format!("{base}/me"), Some("bogus"), None).await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Token 无效或已过期");
    assert_eq!(body["data"], Value::Null);

    // Exclusions: exact path and prefix; no user in the context there.
    assert_eq!(get_json(&format!("{base}/health"), None, None).await.0, 200);
    let (status, body) = get_json(&format!("{base}/public/info"), Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"], Value::Null);

    // App-key mismatch: 403 with the server-side message.
    let foreign = emu.add_access_key("app", Some("31337"), None);
    let (status, body) = get_json(&format!("{base}/me"), Some(&foreign), None).await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], 403);
    assert_eq!(body["message"], "访问密钥与应用不匹配");
    let global = emu.add_access_key("global", None, None);
    let (status, body) = get_json(&format!("{base}/me"), Some(&global), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["is_admin"], true);

    // Auth center failing: 503, not 401.
    emu.server()
        .inject(polyauth_testkit::server::Fault::status(500));
    let fresh = emu.issue_token("alice").unwrap();
    let (status, body) = get_json(&format!("{base}/me"), Some(&fresh), None).await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], 503);
    emu.server().clear_faults();
    emu.server().inject(polyauth_testkit::server::Fault::new(
        polyauth_testkit::server::FaultKind::Delay(Duration::from_secs(3)),
    ));
    let fresh = emu.issue_token("alice").unwrap();
    assert_eq!(
        get_json(&format!("{base}/me"), Some(&fresh), None).await.0,
        503
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_leakage_between_concurrent_requests() {
    let emu = AigcEmulator::start().await;
    let mut tokens = Vec::new();
    for i in 0..20 {
        let name = format!("user{i}");
        emu.add_user(&name, &[], &[]);
        tokens.push((name.clone(), emu.issue_token(&name).unwrap()));
    }
    // 200 requests at once on a loaded machine: a call may take longer than the usual 500 ms,
    // and this test is about contexts, not timeouts.
    let base = serve_with(&emu, None, &[], Duration::from_secs(10)).await;
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (name, token) = tokens[i % tokens.len()].clone();
            let url = format!("{base}/me");
            tokio::spawn(async move {
                let (status, body) = get_json(&url, Some(&token), Some(&format!("t-{i}"))).await;
                assert_eq!(status, 200);
                assert_eq!(body["username"], name.as_str());
                assert_eq!(body["trace_id"], format!("t-{i}"));
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert!(context::current_user().is_none());
}

#[tokio::test]
async fn layer_requests_are_recorded_as_stats() {
    let emu = AigcEmulator::start().await;
    emu.add_user("alice", &[], &[]);
    let token = emu.issue_token("alice").unwrap();
    let config = AigcConfig::new(
        emu.app_id(),
        ClientSecret::new(emu.app_secret()),
        &emu.base_url(),
    )
    .unwrap();
    let stats =
        StatsCollector::start(StatsConfig::for_client(&config).with_batch_size(100)).unwrap();
    let base = serve(&emu, Some(stats.clone())).await;
    for _ in 0..3 {
        assert_eq!(
            get_json(&format!("{base}/me"), Some(&token), None).await.0,
            200
        );
    }
    assert_eq!(get_json(&format!("{base}/me"), None, None).await.0, 401);
    stats.shutdown().await;
    let reports = emu.stats_reports();
    assert_eq!(reports.len(), 1, "one POST for the one token");
    assert_eq!(reports[0].authorization, Some(format!("Bearer {token}")));
    let items = reports[0].body["stats"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["api_path"], "/me");
    assert_eq!(items[0]["api_method"], "GET");
    assert_eq!(
        items[0]["request_params"]["headers"]["user-agent"],
        "test-agent/2"
    );
    assert_eq!(stats.counters().skipped, 1, "the 401 is not kept");
    assert_eq!(stats.counters().discarded, 0);
}

#[tokio::test]
async fn layer_stats_carry_query_and_headers_without_credentials() {
    let emu = AigcEmulator::start().await;
    emu.add_user("alice", &[], &[]);
    let token = emu.issue_token("alice").unwrap();
    let config = AigcConfig::new(
        emu.app_id(),
        ClientSecret::new(emu.app_secret()),
        &emu.base_url(),
    )
    .unwrap();
    let stats =
        StatsCollector::start(StatsConfig::for_client(&config).with_batch_size(100)).unwrap();
    let base = serve(&emu, Some(stats.clone())).await;
    let (status, _) = get_json_with(
        &format!("{base}/me?page=2&password=hunter2&q=J%C3%B6rg+M"),
        Some(&token),
        Some("trace-q-1"),
        &[
            ("cookie", "session=cookie-value-42; theme=dark"),
            ("x-app-secret", "caller-app-secret"),
            ("accept-language", "zh-CN"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    stats.shutdown().await;
    let reports = emu.stats_reports();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let item = &reports[0].body["stats"][0];
    assert_eq!(item["api_path"], "/me");
    let params = &item["request_params"];
    assert_eq!(params["query_params"]["page"], "2");
    assert_eq!(params["query_params"]["q"], "Jörg M");
    assert_eq!(params["query_params"]["password"], REDACTED);
    let headers = &params["headers"];
    assert_eq!(headers["accept-language"], "zh-CN");
    assert_eq!(headers["user-agent"], "test-agent/2");
    assert_eq!(headers["x-trace-id"], "trace-q-1");
    assert!(
        headers["x-request-id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    for name in ["authorization", "cookie", "x-app-secret"] {
        assert_eq!(headers[name], REDACTED, "{name}");
    }
    let uploaded = reports[0].body.to_string();
    for secret in [
        "hunter2",
        "cookie-value-42",
        "theme=dark",
        "caller-app-secret",
        token.as_str(),
    ] {
        assert!(!uploaded.contains(secret), "{secret} uploaded: {uploaded}");
    }
}

#[tokio::test]
async fn random_bad_tokens_cause_no_stats_upload() {
    let emu = AigcEmulator::start().await;
    let config = AigcConfig::new(
        emu.app_id(),
        ClientSecret::new(emu.app_secret()),
        &emu.base_url(),
    )
    .unwrap();
    let stats = StatsCollector::start(
        StatsConfig::for_client(&config)
            .with_batch_size(10)
            .with_flush_interval(Duration::from_millis(50)),
    )
    .unwrap();
    let base = serve(&emu, Some(stats.clone())).await;
    for i in 0..100 {
        let token = format!("random-{i}-{}", i * 104_729);
        assert_eq!(
            get_json(&format!("{base}/me"), Some(&token), None).await.0,
            401
        );
    }
    // Excluded paths with a token are not authenticated either.
    assert_eq!(
        get_json(&format!("{base}/health"), Some("random-x"), None)
            .await
            .0,
        200
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    stats.shutdown().await;
    assert!(emu.stats_reports().is_empty(), "{:?}", emu.stats_reports());
    assert_eq!(stats.counters().skipped, 101);
}

#[tokio::test]
async fn proxy_headers_are_not_trusted_unless_configured() {
    let emu = AigcEmulator::start().await;
    emu.add_user("alice", &[], &[]);
    let token = emu.issue_token("alice").unwrap();
    let spoof = [
        ("x-forwarded-for", "203.0.113.66, 10.0.0.1"),
        ("x-real-ip", "198.51.100.7"),
    ];
    // The preset: the peer address, whatever the client claims.
    let base = serve(&emu, None).await;
    let (status, body) = get_json_with(&format!("{base}/me"), Some(&token), None, &spoof).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_ip"], "127.0.0.1");
    // Behind your own proxy, opt in by naming its headers.
    let proxied = serve_with(&emu, None, &["x-forwarded-for", "x-real-ip"], SHORT_TIMEOUT).await;
    let (status, body) = get_json_with(&format!("{proxied}/me"), Some(&token), None, &spoof).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_ip"], "203.0.113.66");
}

/// `require_any_permission` behind the AIGC `AuthLayer`: one held permission of the list is
/// enough (wildcards count), none is a 403 in the reference's `{code, message, data}` shape,
/// no token a 401 before the guard runs.
#[tokio::test]
async fn require_any_permission_through_the_auth_layer() {
    let emu = AigcEmulator::start().await;
    emu.add_user("alice", &[], &["user:read"]);
    emu.add_user("olga", &[], &["order:*"]);
    let alice = emu.issue_token("alice").unwrap();
    let olga = emu.issue_token("olga").unwrap();
    let base = serve(&emu, None).await;
    let status = |path: &str, token: Option<&str>| {
        let url = format!("{base}{path}");
        let token = token.map(str::to_owned);
        async move { get_json(&url, token.as_deref(), None).await }
    };

    // One of the two is enough.
    assert_eq!(status("/reports", Some(&alice)).await.0, 200);
    // A held wildcard grants a listed permission.
    assert_eq!(status("/refunds", Some(&olga)).await.0, 200);
    // None of the listed permissions: 403, in the AIGC body.
    for (path, token) in [("/billing", &alice), ("/reports", &olga)] {
        let (code, body) = status(path, Some(token)).await;
        assert_eq!(code, 403, "{path}: {body}");
        assert_eq!(body["code"], 403);
        assert_eq!(body["data"], Value::Null);
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // No token: the layer answers 401 before the guard.
    let (code, body) = status("/reports", None).await;
    assert_eq!(code, 401);
    assert_eq!(body["message"], "未提供认证信息");
    assert_eq!(
        emu.calls("/permission/check"),
        0,
        "checked locally, on the user info"
    );
}

/// `get_current_app_code` through the layer: the code of the user's `/user/info` answer, and
/// `None` when the answer has none (the 1.1.45 server's).
#[tokio::test]
async fn current_app_code_comes_from_the_user_info() {
    let emu = AigcEmulator::start().await;
    emu.add_user("alice", &[], &[]);
    let base = serve(&emu, None).await;
    let token = emu.issue_token("alice").unwrap();
    let (code, body) = get_json(&format!("{base}/app"), Some(&token), None).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["app_code"], Value::Null);

    emu.set_app_code(Some("wire-app-code"));
    let fresh = emu.issue_token("alice").unwrap();
    let (code, body) = get_json(&format!("{base}/app"), Some(&fresh), None).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["app_code"], "wire-app-code");
}
