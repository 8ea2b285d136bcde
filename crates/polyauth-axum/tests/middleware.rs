//! The middleware, extractors and guards driven through an axum `Router` with `oneshot`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions too

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::Extension;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use common::{TestProvider, get as req, json, send, text};
use http::{HeaderValue, StatusCode};
use polyauth_axum::{
    AuthLayer, AuthRejection, CurrentUser, ErrorResponder, MaybeUser, REDACTED, RequestRecord,
    require_all_permissions, require_any_role, require_permission, require_role,
};
use polyauth_core::{RequestContext, context};

const ALICE: (&str, &str) = ("authorization", "Bearer t-alice");
const BOB: (&str, &str) = ("authorization", "Bearer t-bob");

fn level3() -> Option<String> {
    context::current_user().map(|u| u.id.clone())
}

fn level2() -> Option<String> {
    level3()
}

async fn level1() -> Option<String> {
    tokio::task::yield_now().await;
    level2()
}

async fn whoami(user: CurrentUser) -> String {
    let deep = level1().await.unwrap_or_default();
    format!("{}:{}", user.id, deep)
}

async fn maybe(MaybeUser(user): MaybeUser) -> String {
    let deep = context::current_user().map(|u| u.id.clone());
    format!("{:?}/{:?}", user.map(|u| u.id.clone()), deep)
}

async fn ctx(Extension(ctx): Extension<Arc<RequestContext>>) -> Json<serde_json::Value> {
    let current = context::current().unwrap();
    assert!(Arc::ptr_eq(&ctx, &current));
    Json(serde_json::json!({
        "user": ctx.user.as_ref().map(|u| u.id.clone()),
        "request_id": ctx.request_id,
        "trace_id": ctx.trace_id,
        "client_ip": ctx.client_ip,
        "user_agent": ctx.user_agent,
        "method": ctx.method,
        "path": ctx.path,
        "has_token": ctx.token.is_some(),
    }))
}

fn routes() -> Router {
    Router::new()
        .route("/me", get(whoami))
        .route("/maybe", get(maybe))
        .route("/ctx", get(ctx))
        .route("/health", get(ctx))
        .route("/healthz", get(ctx))
        .route("/public/{*rest}", get(ctx))
        .route(
            "/admin",
            get(|| async { "admin" }).route_layer(require_role("admin")),
        )
        .route(
            "/staff",
            get(|| async { "staff" }).route_layer(require_any_role(["ops", "dev"])),
        )
        .route(
            "/orders",
            get(|| async { "orders" }).route_layer(require_permission("order:refund:approve")),
        )
        .route(
            "/report",
            get(|| async { "report" })
                .route_layer(require_all_permissions(["user:read", "order:read"])),
        )
}

fn setup(configure: impl FnOnce(AuthLayer) -> AuthLayer) -> (Router, Arc<TestProvider>) {
    let provider = Arc::new(TestProvider::new());
    let layer = configure(AuthLayer::new(provider.clone()));
    (routes().layer(layer), provider)
}

fn app() -> Router {
    setup(|l| l).0
}

async fn assert_rejected(response: axum::response::Response, status: u16, error: &str) {
    assert_eq!(response.status().as_u16(), status);
    let body = json(response).await;
    assert_eq!(body["code"], status);
    assert_eq!(body["error"], error, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn good_token_reaches_handler_and_context_three_calls_deep() {
    let response = send(&app(), req("/me", &[ALICE])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(text(response).await, "alice:alice");
    assert!(context::current().is_none());
}

#[tokio::test]
async fn context_is_filled_from_the_request() {
    let response = send(
        &app(),
        req(
            "/ctx?secret=1",
            &[BOB, ("user-agent", "tests/1.0"), ("x-request-id", "req-42")],
        ),
    )
    .await;
    assert_eq!(response.headers()["x-request-id"], "req-42");
    let body = json(response).await;
    assert_eq!(body["user"], "bob");
    assert_eq!(body["request_id"], "req-42");
    assert_eq!(body["trace_id"], "req-42");
    assert_eq!(body["user_agent"], "tests/1.0");
    assert_eq!(body["method"], "GET");
    assert_eq!(body["path"], "/ctx");
    assert_eq!(body["has_token"], true);
    assert_eq!(body["client_ip"], serde_json::Value::Null);
}

#[tokio::test]
async fn missing_token_is_401_with_challenge() {
    let response = send(&app(), req("/me", &[])).await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert!(response.headers().contains_key("x-request-id"));
    assert_rejected(response, 401, "missing_token").await;
    // An empty bearer token is a missing one.
    let response = send(&app(), req("/me", &[("authorization", "Bearer   ")])).await;
    assert_rejected(response, 401, "missing_token").await;
}

#[tokio::test]
async fn other_schemes_are_malformed() {
    let (app, provider) = setup(|l| l);
    let response = send(&app, req("/me", &[("authorization", "Basic xyz")])).await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body = json(response).await;
    assert_eq!(body["error"], "malformed_authorization");
    assert!(body["message"].as_str().unwrap().contains("malformed"));
    assert!(!body.to_string().contains("xyz"));
    assert_eq!(provider.calls(), 0);
}

#[tokio::test]
async fn two_authorization_headers_are_rejected_never_the_first_used() {
    let (app, provider) = setup(|l| l.allow_anonymous().token_from_header("x-access-token"));
    for headers in [
        [ALICE, ("authorization", "garbage")],
        [ALICE, ("authorization", "Bearer t-bob")],
        [ALICE, ALICE],
        [("authorization", "Bearer "), ALICE],
        [("x-access-token", "t-alice"), ("x-access-token", "garbage")],
    ] {
        let response = send(&app, req("/me", &headers)).await;
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body = json(response).await;
        assert_eq!(body["code"], 401, "{headers:?}");
        assert_eq!(body["error"], "malformed_authorization", "{headers:?}");
        assert!(
            body["message"].as_str().unwrap().contains("more than"),
            "{body}"
        );
        assert!(!body.to_string().contains("t-alice"));
    }
    assert_eq!(provider.calls(), 0, "no token was checked");
    // One of them alone passes.
    let response = send(&app, req("/me", &[ALICE])).await;
    assert_eq!(text(response).await, "alice:alice");
}

#[tokio::test]
async fn lowercase_scheme_and_extra_spaces_are_accepted() {
    let response = send(
        &app(),
        req("/me", &[("authorization", "bearer   t-alice  ")]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(text(response).await, "alice:alice");
}

#[tokio::test]
async fn non_utf8_authorization_is_malformed() {
    let mut request = req("/me", &[]);
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
    );
    let response = send(&app(), request).await;
    assert_rejected(response, 401, "malformed_authorization").await;
}

#[tokio::test]
async fn invalid_token_is_401_and_never_echoed() {
    let response = send(
        &app(),
        req("/me", &[("authorization", "Bearer s3cr3t-t0ken")]),
    )
    .await;
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let body = text(response).await;
    assert!(!body.contains("s3cr3t"), "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], 401);
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn provider_errors_map_to_403_503_500() {
    let app = app();
    let response = send(&app, req("/me", &[("authorization", "Bearer down")])).await;
    assert!(!response.headers().contains_key("www-authenticate"));
    assert_rejected(response, 503, "provider_unavailable").await;
    let response = send(&app, req("/me", &[("authorization", "Bearer denied")])).await;
    assert_rejected(response, 403, "forbidden").await;
    let response = send(&app, req("/me", &[("authorization", "Bearer weird")])).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = text(response).await;
    assert!(
        !body.contains("unsupported"),
        "internal detail leaked: {body}"
    );
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], 500);
    assert_eq!(body["error"], "internal_error");
}

#[tokio::test]
async fn excluded_paths_skip_the_provider_but_have_a_context() {
    let (app, provider) = setup(|l| l.exclude_path("/health").exclude_prefix("/public/"));
    for path in ["/health", "/public/a/b", "/health?x=1"] {
        let response = send(&app, req(path, &[ALICE, ("x-request-id", "r1")])).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = json(response).await;
        assert_eq!(body["user"], serde_json::Value::Null);
        assert_eq!(body["has_token"], false);
        assert_eq!(body["request_id"], "r1");
    }
    assert_eq!(provider.calls(), 0);
    // Exact means exact.
    let response = send(&app, req("/healthz", &[])).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = send(&app, req("/healthz", &[ALICE])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(provider.calls(), 1);
}

#[tokio::test]
async fn cookie_and_custom_header_sources() {
    let (app, _) = setup(|l| {
        l.token_from_cookie("sid")
            .token_from_header("X-Access-Token")
    });
    let response = send(&app, req("/me", &[("cookie", "theme=dark; sid=t-alice")])).await;
    assert_eq!(text(response).await, "alice:alice");
    let response = send(&app, req("/me", &[("x-access-token", "t-bob")])).await;
    assert_eq!(text(response).await, "bob:bob");
    // Authorization wins, then the sources in order.
    let both = [BOB, ("cookie", "sid=t-alice"), ("x-access-token", "nope")];
    assert_eq!(text(send(&app, req("/me", &both)).await).await, "bob:bob");
    let both = [("cookie", "sid=t-alice"), ("x-access-token", "t-bob")];
    assert_eq!(
        text(send(&app, req("/me", &both)).await).await,
        "alice:alice"
    );
    // Without the sources configured, cookies are not read.
    let response = send(&self::app(), req("/me", &[("cookie", "sid=t-alice")])).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn anonymous_requests_pass_when_allowed_but_bad_tokens_do_not() {
    let (app, _) = setup(AuthLayer::allow_anonymous);
    let response = send(&app, req("/maybe", &[])).await;
    assert_eq!(text(response).await, "None/None");
    let response = send(&app, req("/maybe", &[BOB])).await;
    assert_eq!(text(response).await, "Some(\"bob\")/Some(\"bob\")");
    let response = send(&app, req("/maybe", &[("authorization", "Bearer nope")])).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // `CurrentUser` still requires a user.
    let response = send(&app, req("/me", &[])).await;
    assert_rejected(response, 401, "missing_token").await;
}

#[tokio::test]
async fn guards_answer_401_403_or_pass() {
    let (app, _) = setup(AuthLayer::allow_anonymous);
    let response = send(&app, req("/admin", &[])).await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_rejected(response, 401, "missing_token").await;

    let response = send(&app, req("/admin", &[BOB])).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!response.headers().contains_key("www-authenticate"));
    assert_eq!(
        json(response).await,
        serde_json::json!({"code": 403, "error": "forbidden", "message": "requires role `admin`"})
    );
    assert_eq!(
        text(send(&app, req("/admin", &[ALICE])).await).await,
        "admin"
    );

    // any role
    assert_eq!(
        send(&app, req("/staff", &[BOB])).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        send(&app, req("/staff", &[ALICE])).await.status(),
        StatusCode::FORBIDDEN
    );
    // wildcard permission: alice holds `order:*`
    assert_eq!(
        send(&app, req("/orders", &[ALICE])).await.status(),
        StatusCode::OK
    );
    let response = send(&app, req("/orders", &[BOB])).await;
    assert_eq!(
        json(response).await["message"],
        "requires permission `order:refund:approve`"
    );
    // all permissions
    assert_eq!(
        send(&app, req("/report", &[ALICE])).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        send(&app, req("/report", &[BOB])).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn observer_sees_status_user_and_error() {
    let records: Arc<Mutex<Vec<RequestRecord>>> = Arc::default();
    let sink = records.clone();
    let (app, _) = setup(|l| {
        l.exclude_path("/health")
            .observer(Arc::new(move |r: RequestRecord| {
                sink.lock().unwrap().push(r)
            }))
    });
    send(&app, req("/me?x=1", &[ALICE])).await;
    send(&app, req("/me", &[("authorization", "Bearer down")])).await;
    send(&app, req("/admin", &[BOB])).await;
    send(&app, req("/health", &[])).await;

    let records = records.lock().unwrap();
    assert_eq!(records.len(), 4);
    let ok = &records[0];
    assert_eq!(
        (ok.method.as_str(), ok.path.as_str(), ok.status),
        ("GET", "/me", 200)
    );
    assert_eq!(ok.user_id.as_deref(), Some("alice"));
    assert_eq!(ok.error, None);
    assert_eq!(ok.context.user.as_ref().unwrap().id, "alice");
    let down = &records[1];
    assert_eq!(down.status, 503);
    assert_eq!(down.user_id, None);
    let error = down.error.as_deref().unwrap();
    assert!(error.starts_with("provider_unavailable: "), "{error}");
    assert!(!error.contains("down"), "token leaked: {error}");
    let forbidden = &records[2];
    assert_eq!(
        (forbidden.status, forbidden.user_id.as_deref()),
        (403, Some("bob"))
    );
    assert_eq!(
        (records[3].status, records[3].user_id.as_deref()),
        (200, None)
    );
}

#[tokio::test]
async fn observer_sees_query_and_headers_never_credentials() {
    let records: Arc<Mutex<Vec<RequestRecord>>> = Arc::default();
    let sink = records.clone();
    let (app, _) = setup(|l| {
        l.token_from_cookie("sid")
            .token_from_header("x-sid")
            .observer(Arc::new(move |r: RequestRecord| {
                sink.lock().unwrap().push(r)
            }))
    });
    let query = "/me?page=2&name=J%C3%B6rg+M&password=hunter2&access_token=qs-tok&tag=a&tag=b";
    let response = send(
        &app,
        req(
            query,
            &[
                ALICE,
                ("cookie", "sid=cookie-secret; theme=dark"),
                ("x-app-secret", "app-secret-1"),
                ("x-api-key", "key-secret-1"),
                ("accept", "application/json"),
            ],
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    // A rejected request is observed with its query and headers too.
    send(
        &app,
        req("/me?page=3", &[("authorization", "Bearer unknown-tok")]),
    )
    .await;
    // The token of a configured header is redacted whatever its name.
    send(&app, req("/me", &[("x-sid", "t-bob")])).await;

    let records = records.lock().unwrap();
    assert_eq!(records.len(), 3);
    let ok = &records[0];
    let q = |k: &str| -> Vec<&str> {
        ok.query
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(q("page"), ["2"]);
    assert_eq!(q("name"), ["Jörg M"]);
    assert_eq!(q("tag"), ["a", "b"]);
    assert_eq!(q("password"), [REDACTED]);
    assert_eq!(q("access_token"), [REDACTED]);
    let h = |k: &str| -> Vec<&str> {
        ok.headers
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(h("accept"), ["application/json"]);
    for name in ["authorization", "cookie", "x-app-secret", "x-api-key"] {
        assert_eq!(h(name), [REDACTED], "{name}");
    }
    for record in records.iter() {
        let text = format!("{:?} {:?}", record.query, record.headers);
        for secret in [
            "t-alice",
            "t-bob",
            "cookie-secret",
            "theme=dark",
            "app-secret-1",
            "key-secret-1",
            "hunter2",
            "qs-tok",
            "unknown-tok",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} reached the observer: {text}"
            );
        }
    }
    assert_eq!(records[1].status, 401);
    assert_eq!(records[1].query, [("page".to_owned(), "3".to_owned())]);
    assert_eq!(
        records[1].headers,
        [("authorization".to_owned(), REDACTED.to_owned())]
    );
    assert_eq!(records[2].user_id.as_deref(), Some("bob"));
    assert_eq!(
        records[2].headers,
        [("x-sid".to_owned(), REDACTED.to_owned())]
    );
}

#[tokio::test]
async fn observed_requests_keep_their_body_for_the_handler() {
    let records: Arc<Mutex<Vec<RequestRecord>>> = Arc::default();
    let sink = records.clone();
    let provider = Arc::new(common::TestProvider::new());
    let app = Router::new()
        .route(
            "/echo",
            axum::routing::post(|body: String| async move { body }),
        )
        .layer(
            AuthLayer::new(provider).observer(Arc::new(move |r: RequestRecord| {
                sink.lock().unwrap().push(r)
            })),
        );
    let request = http::Request::post("/echo?x=1")
        .header(ALICE.0, ALICE.1)
        .body(axum::body::Body::from("a body the layer must not read"))
        .unwrap();
    let response = send(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(text(response).await, "a body the layer must not read");
    let records = records.lock().unwrap();
    assert_eq!(records[0].query, [("x".to_owned(), "1".to_owned())]);
}

fn aigc_responder() -> ErrorResponder {
    Arc::new(|r: &AuthRejection| {
        let body = serde_json::json!({
            "code": r.status().as_u16(),
            "message": r.message(),
            "data": null,
        });
        (r.status(), Json(body)).into_response()
    })
}

#[tokio::test]
async fn custom_responder_shapes_layer_extractor_and_guard_rejections() {
    let (app, _) = setup(|l| l.allow_anonymous().error_responder(aigc_responder()));
    for (path, headers, status) in [
        ("/me", vec![("authorization", "Bearer nope")], 401), // layer
        ("/me", vec![], 401),                                 // CurrentUser extractor
        ("/admin", vec![BOB], 403),                           // guard
        ("/admin", vec![], 401),                              // guard without user
    ] {
        let response = send(&app, req(path, &headers)).await;
        assert_eq!(response.status().as_u16(), status);
        if status == 401 {
            assert!(response.headers().contains_key("www-authenticate"));
        }
        let body = json(response).await;
        assert_eq!(body["code"], status);
        assert!(body["message"].is_string());
        assert!(
            body.get("data").is_some() && body.get("error").is_none(),
            "{body}"
        );
    }

    // A guard's own responder wins over the layer's.
    let guard = require_role("admin").error_responder(Arc::new(|r: &AuthRejection| {
        (r.status(), "guarded").into_response()
    }));
    let app = Router::new()
        .route("/x", get(|| async { "x" }).route_layer(guard))
        .layer(AuthLayer::new(Arc::new(TestProvider::new())).error_responder(aigc_responder()));
    assert_eq!(text(send(&app, req("/x", &[BOB])).await).await, "guarded");
}

#[tokio::test]
async fn request_and_trace_ids() {
    let app = app();
    // Generated when absent: 32 hex digits, used as trace id too.
    let response = send(&app, req("/ctx", &[ALICE])).await;
    let echoed = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = json(response).await;
    assert_eq!(echoed.len(), 32);
    assert!(echoed.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(body["request_id"], echoed.as_str());
    assert_eq!(body["trace_id"], echoed.as_str());

    let traceparent = (
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    let body = json(send(&app, req("/ctx", &[ALICE, traceparent])).await).await;
    assert_eq!(body["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    let body = json(
        send(
            &app,
            req("/ctx", &[ALICE, traceparent, ("x-trace-id", "t-9")]),
        )
        .await,
    )
    .await;
    assert_eq!(body["trace_id"], "t-9");

    // Echoed on rejections too; junk ids are replaced.
    let response = send(&app, req("/ctx", &[("x-request-id", "mine")])).await;
    assert_eq!(response.headers()["x-request-id"], "mine");
    let junk = "x".repeat(200);
    let response = send(&app, req("/ctx", &[("x-request-id", &junk)])).await;
    assert_eq!(response.headers()["x-request-id"].len(), 32);
}

#[tokio::test]
async fn client_ip_from_trusted_proxy_headers_only() {
    let forwarded = ("x-forwarded-for", "203.0.113.7, 10.0.0.1");
    let (trusting, _) = setup(|l| l.trusted_proxy_headers(["X-Forwarded-For", "x-real-ip"]));
    let body = json(send(&trusting, req("/ctx", &[ALICE, forwarded])).await).await;
    assert_eq!(body["client_ip"], "203.0.113.7");
    let body = json(
        send(
            &trusting,
            req("/ctx", &[ALICE, ("x-real-ip", "198.51.100.2")]),
        )
        .await,
    )
    .await;
    assert_eq!(body["client_ip"], "198.51.100.2");
    // Not trusted: ignored.
    let body = json(send(&app(), req("/ctx", &[ALICE, forwarded])).await).await;
    assert_eq!(body["client_ip"], serde_json::Value::Null);
}

#[tokio::test]
async fn no_context_remains_after_the_request() {
    let spawned: Arc<Mutex<Option<tokio::task::JoinHandle<bool>>>> = Arc::default();
    let slot = spawned.clone();
    let handler = move |_: CurrentUser| async move {
        // A plain spawned task starts outside the request's context...
        let plain = tokio::spawn(async { context::current().is_some() });
        *slot.lock().unwrap() = Some(plain);
        // ...a propagated one inside it.
        tokio::spawn(context::propagate(async { level3() }))
            .await
            .unwrap()
            .unwrap_or_default()
    };
    let provider = Arc::new(TestProvider::new());
    let app = Router::new()
        .route("/spawn", get(handler))
        .layer(AuthLayer::new(provider));
    let response = send(&app, req("/spawn", &[ALICE])).await;
    assert_eq!(text(response).await, "alice");
    assert!(context::current().is_none());
    assert!(context::current_user().is_none());
    let plain = spawned.lock().unwrap().take().unwrap();
    assert!(!plain.await.unwrap());
}
