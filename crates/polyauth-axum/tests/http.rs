//! End to end over real HTTP on loopback: `axum::serve` with `ConnectInfo`, and reqwest.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions too

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use common::TestProvider;
use polyauth_axum::{AuthLayer, CurrentUser, require_role};
use polyauth_core::{UserProfile, context};

const USERS: usize = 200;

async fn whoami(user: CurrentUser) -> String {
    // Interleave with the other requests before reading the context again.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let deep = context::current_user()
        .map(|u| u.id.clone())
        .unwrap_or_default();
    let ip = context::client_ip().unwrap_or_default();
    format!("{}|{}|{}", user.id, deep, ip)
}

async fn start() -> String {
    let mut provider = TestProvider::new();
    for i in 0..USERS {
        let profile = UserProfile::new("test", format!("user-{i}"));
        provider = provider.with_user(&format!("token-{i}"), profile);
    }
    let app = Router::new()
        .route("/me", get(whoami))
        .route(
            "/admin",
            get(|| async { "admin" }).route_layer(require_role("admin")),
        )
        .layer(AuthLayer::new(Arc::new(provider)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).await.unwrap();
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_and_success_over_http() {
    let base = start().await;
    let client = reqwest::Client::new();

    let response = client.get(format!("{base}/me")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert!(response.headers().contains_key("x-request-id"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "missing_token");

    let response = client
        .get(format!("{base}/me"))
        .bearer_auth("t-alice")
        .header("x-request-id", "e2e-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "e2e-1");
    // The peer address is the client IP when no proxy header is trusted.
    assert_eq!(response.text().await.unwrap(), "alice|alice|127.0.0.1");

    let response = client
        .get(format!("{base}/admin"))
        .bearer_auth("t-bob")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    let response = client
        .get(format!("{base}/me"))
        .bearer_auth("down")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_authorization_headers_on_the_wire_are_401() {
    let base = start().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/me"))
        .header("authorization", "Bearer t-alice")
        .header("authorization", "garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "malformed_authorization");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_each_see_their_own_user() {
    let base = start().await;
    let client = reqwest::Client::new();
    let tasks: Vec<_> = (0..USERS)
        .map(|i| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let response = client
                    .get(format!("{base}/me"))
                    .bearer_auth(format!("token-{i}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                let body = response.text().await.unwrap();
                assert_eq!(body, format!("user-{i}|user-{i}|127.0.0.1"));
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}
