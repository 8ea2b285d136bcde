//! The quickstart router with the AIGC provider, configured by `POLYAUTH_PROVIDER=aigc` and
//! pointed at the testkit's AIGC emulator, over real HTTP on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use polyauth::IdentityProvider;
use polyauth::env::Env;
use polyauth_examples::quickstart;
use polyauth_testkit::aigc::AigcEmulator;
use polyauth_testkit::server::{Fault, FaultKind};
use reqwest::StatusCode;
use serde_json::Value;

async fn provider_for(emu: &AigcEmulator, extra: &[(&str, &str)]) -> Arc<dyn IdentityProvider> {
    let mut pairs = vec![
        ("POLYAUTH_PROVIDER".to_owned(), "aigc".to_owned()),
        ("AIGC_AUTH_APP_ID".to_owned(), emu.app_id().to_owned()),
        (
            "AIGC_AUTH_APP_SECRET".to_owned(),
            emu.app_secret().to_owned(),
        ),
        ("AIGC_AUTH_BASE_URL".to_owned(), emu.base_url()),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    quickstart::configured_provider_from(&Env::from_pairs(pairs))
        .await
        .unwrap()
        .expect("a provider is configured")
}

async fn serve(provider: Arc<dyn IdentityProvider>) -> String {
    let app = quickstart::router(provider);
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

async fn get(client: &reqwest::Client, url: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn quickstart_with_aigc() {
    let emu = AigcEmulator::start().await;
    emu.add_user("demo", &["admin"], &["user:read"]);
    emu.add_user("guest", &[], &[]);
    let demo = emu.issue_token("demo").unwrap();
    let guest = emu.issue_token("guest").unwrap();
    let provider = provider_for(&emu, &[]).await;
    assert_eq!(provider.name(), "aigc");
    let base = serve(provider).await;
    let c = reqwest::Client::new();

    let (status, me) = get(&c, &format!("{base}/me"), Some(&demo)).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "demo");
    assert_eq!(me["provider"], "aigc");
    assert_eq!(get(&c, &format!("{base}/admin"), Some(&demo)).await.0, 200);
    assert_eq!(get(&c, &format!("{base}/users"), Some(&demo)).await.0, 200);
    assert_eq!(get(&c, &format!("{base}/admin"), Some(&guest)).await.0, 403);
    assert_eq!(get(&c, &format!("{base}/users"), Some(&guest)).await.0, 403);
    let (status, deep) = get(&c, &format!("{base}/whoami-deep"), Some(&demo)).await;
    assert_eq!(status, 200);
    assert_eq!(deep["username"], "demo");
    assert_eq!(get(&c, &format!("{base}/me"), Some("forged")).await.0, 401);
    assert_eq!(get(&c, &format!("{base}/me"), None).await.0, 401);
    assert_eq!(get(&c, &format!("{base}/health"), None).await.0, 200);
    // Access keys work through the same router.
    let key = emu.add_access_key("user", None, Some("demo"));
    assert_eq!(
        get(&c, &format!("{base}/me"), Some(&key)).await.1["username"],
        "demo"
    );
    let foreign = emu.add_access_key("app", Some("999"), None);
    assert_eq!(get(&c, &format!("{base}/me"), Some(&foreign)).await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_new_token_one_upstream_call_for_1000_concurrent_requests() {
    let emu = AigcEmulator::start().await;
    emu.add_user("demo", &["admin"], &["user:read"]);
    let token = emu.issue_token("demo").unwrap();
    // Slow the first lookup down so the 1000 requests really overlap.
    emu.server().inject(
        Fault::new(FaultKind::Delay(Duration::from_millis(200)))
            .on_path(AigcEmulator::path("/user/info"))
            .times(1),
    );
    let base = serve(provider_for(&emu, &[]).await).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (c, url, t) = (client.clone(), format!("{base}/me"), token.clone());
            tokio::spawn(async move { get(&c, &url, Some(&t)).await.0 })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(emu.calls("/user/info"), 1);
}

#[tokio::test]
async fn auth_center_down_or_broken_gives_503() {
    let emu = AigcEmulator::start().await;
    emu.add_user("demo", &[], &[]);
    let provider = provider_for(&emu, &[("AIGC_AUTH_TIMEOUT_SECONDS", "1")]).await;
    let base = serve(provider.clone()).await;
    let c = reqwest::Client::new();
    let url = format!("{base}/me");
    let path = AigcEmulator::path("/user/info");

    for fault in [
        Fault::status(500),
        Fault::new(FaultKind::Html),
        Fault::new(FaultKind::MalformedJson),
        Fault::new(FaultKind::HugeBody(50 * 1024 * 1024)),
        Fault::new(FaultKind::CloseConnection),
        Fault::new(FaultKind::Delay(Duration::from_secs(3))),
    ] {
        let token = emu.issue_token("demo").unwrap();
        emu.server().inject(fault.clone().on_path(&path).times(1));
        let started = std::time::Instant::now();
        let (status, _) = get(&c, &url, Some(&token)).await;
        assert_eq!(status, 503, "{fault:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "{fault:?}");
        // The failure was not cached: the same token works once the fault is gone.
        assert_eq!(get(&c, &url, Some(&token)).await.0, 200, "{fault:?}");
    }

    // Emulator gone entirely.
    let token = emu.issue_token("demo").unwrap();
    emu.server().shutdown().await;
    assert_eq!(get(&c, &url, Some(&token)).await.0, 503);
}
