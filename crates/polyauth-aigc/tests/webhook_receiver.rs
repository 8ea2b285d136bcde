//! The webhook receiver (axum) and sender over loopback HTTP, with the emulator delivering
//! signed webhooks. The legacy-table handler (`UserSyncService`) is tested in
//! `polyauth-aigc-sync`; here the handler is a recorder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use polyauth_aigc::webhook::receiver::webhook_router;
use polyauth_aigc::webhook::{
    WebhookHandler, WebhookReceiverConfig, WebhookSender, sign_webhook, sign_webhook_timestamped,
};
use polyauth_core::{Error, Result, Secret, StateStore};
use polyauth_redis::{RedisOptions, RedisStateStore};
use polyauth_testkit::aigc::AigcEmulator;
use serde_json::{Value, json};

const SECRET: &str = "whsec_test";

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// Records the events it is given; fails (→ 500) an event whose data has no `username`.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<(String, Value)>>,
}

#[async_trait]
impl WebhookHandler for Recorder {
    async fn handle(&self, event: &str, data: &Value) -> Result<Value> {
        if data.get("username").and_then(Value::as_str).is_none() {
            return Err(Error::invalid_input("the user has no username"));
        }
        self.events
            .lock()
            .unwrap()
            .push((event.to_owned(), data.clone()));
        Ok(json!({ "success": true, "created": event == "user.created" }))
    }
}

impl Recorder {
    fn events(&self) -> Vec<(String, Value)> {
        self.events.lock().unwrap().clone()
    }
}

/// A receiver at `{base}/webhook/auth` with a [`Recorder`] as handler.
async fn recording_receiver(config: WebhookReceiverConfig) -> (String, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let base = serve(webhook_router("/webhook", config, recorder.clone())).await;
    (format!("{base}/webhook/auth"), recorder)
}

async fn post_raw(url: &str, body: &str, headers: &[(&str, String)]) -> (u16, Value) {
    let mut req = reqwest::Client::new().post(url).body(body.to_owned());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn emulator_webhooks_reach_the_handler_and_a_wrong_secret_is_refused() {
    let (url, recorder) = recording_receiver(WebhookReceiverConfig::new(Secret::new(SECRET))).await;
    let emu = AigcEmulator::start().await;
    let (status, body) = emu
        .deliver_webhook(
            &url,
            SECRET,
            "user.created",
            json!({"id": 7, "username": "alice", "email": "a@x.io"}),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body, json!({"success": true, "created": true}));
    let (status, _) = emu
        .deliver_webhook(&url, SECRET, "user.deleted", json!({"username": "alice"}))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        recorder.events(),
        [
            (
                "user.created".to_owned(),
                json!({"id": 7, "username": "alice", "email": "a@x.io"})
            ),
            ("user.deleted".to_owned(), json!({"username": "alice"})),
        ]
    );

    // Signed with another secret: refused, the handler never called.
    let (status, _) = emu
        .deliver_webhook(
            &url,
            "wrong",
            "user.created",
            json!({"username": "mallory"}),
        )
        .await
        .unwrap();
    assert_eq!(status, 401);
    assert_eq!(recorder.events().len(), 2);
}

#[tokio::test]
async fn reference_vector_tampering_bad_json_and_missing_signature() {
    let (url, recorder) = recording_receiver(WebhookReceiverConfig::new(Secret::new(SECRET))).await;
    let body = r#"{"event": "user.created", "data": {"username": "alice", "id": 7}}"#;
    let sig = "e9184d9f0f985814a0eac8d37fb5bdf3473ad35c6b9af13429beb0fc54554ee3";
    let (status, answer) = post_raw(&url, body, &[("X-Webhook-Signature", sig.to_owned())]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["created"], true);

    let tampered = body.replace("alice", "admin");
    let (status, answer) =
        post_raw(&url, &tampered, &[("X-Webhook-Signature", sig.to_owned())]).await;
    assert_eq!(
        (status, answer),
        (401, json!({"detail": "Invalid signature"}))
    );
    let (status, _) = post_raw(&url, body, &[]).await;
    assert_eq!(status, 401);

    let not_json = "{not json";
    let s = sign_webhook(&Secret::new(SECRET), not_json.as_bytes());
    let (status, answer) = post_raw(&url, not_json, &[("X-Webhook-Signature", s)]).await;
    assert_eq!(
        (status, answer),
        (400, json!({"detail": "Invalid JSON payload"}))
    );

    // The handler fails (no username): 500 with a safe message.
    let bad = r#"{"event": "user.created", "data": {"email": "x@y"}}"#;
    let s = sign_webhook(&Secret::new(SECRET), bad.as_bytes());
    let (status, answer) = post_raw(&url, bad, &[("X-Webhook-Signature", s)]).await;
    assert_eq!(
        (status, answer),
        (500, json!({"detail": "Webhook handler failed"}))
    );
    // Only the one authentic, well-formed delivery reached the handler.
    assert_eq!(
        recorder.events(),
        [(
            "user.created".to_owned(),
            json!({"username": "alice", "id": 7})
        )]
    );
}

#[tokio::test]
async fn no_secret_fails_closed() {
    let (url, recorder) = recording_receiver(WebhookReceiverConfig::default()).await;
    let body = r#"{"event": "user.created", "data": {"username": "x"}}"#;
    for sig in [
        String::new(),
        sign_webhook(&Secret::new(""), body.as_bytes()),
        "00".repeat(32),
    ] {
        let (status, _) = post_raw(&url, body, &[("X-Webhook-Signature", sig)]).await;
        assert_eq!(status, 401);
    }
    assert!(recorder.events().is_empty());
}

#[tokio::test]
async fn stricter_mode_refuses_stale_and_replayed_deliveries() {
    let cfg = WebhookReceiverConfig::new(Secret::new(SECRET)).strict(Duration::from_secs(60));
    let (url, recorder) = recording_receiver(cfg).await;
    let body = r#"{"event": "user.login", "data": {"username": "zoe"}}"#;
    let secret = Secret::new(SECRET);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let headers = |ts: u64| {
        vec![
            (
                "X-Webhook-Signature",
                sign_webhook_timestamped(&secret, ts, body.as_bytes()),
            ),
            ("X-Webhook-Timestamp", ts.to_string()),
        ]
    };
    let (status, _) = post_raw(&url, body, &headers(now)).await;
    assert_eq!(status, 200);
    let (status, answer) = post_raw(&url, body, &headers(now)).await;
    assert_eq!(
        (status, answer),
        (401, json!({"detail": "Replayed webhook"}))
    );
    let (status, answer) = post_raw(&url, body, &headers(now - 3600)).await;
    assert_eq!(
        (status, answer),
        (401, json!({"detail": "Invalid or expired timestamp"}))
    );
    // The reference-mode signature alone is not enough in the stricter mode.
    let plain = vec![(
        "X-Webhook-Signature",
        sign_webhook(&secret, body.as_bytes()),
    )];
    let (status, _) = post_raw(&url, body, &plain).await;
    assert_eq!(status, 401);
    assert_eq!(recorder.events().len(), 1, "accepted exactly once");
}

#[tokio::test]
async fn an_absurd_replay_window_is_a_config_error_and_never_a_handler_panic() {
    let env = polyauth_core::env::Env::from_pairs([
        ("AIGC_AUTH_WEBHOOK_SECRET", SECRET.to_owned()),
        (
            "AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS",
            u64::MAX.to_string(),
        ),
    ]);
    let e = WebhookReceiverConfig::from_env(&env).unwrap_err();
    assert_eq!(e.kind(), polyauth_core::ErrorKind::ConfigInvalid);
    assert!(
        e.message()
            .contains("AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS"),
        "{e}"
    );
    // Built in code, the same window: a correctly signed delivery is answered (refused, as
    // it cannot be remembered for that long), the handler task does not panic.
    let cfg = WebhookReceiverConfig::new(Secret::new(SECRET)).strict(Duration::MAX);
    let (url, recorder) = recording_receiver(cfg).await;
    let body = r#"{"event": "user.login", "data": {"username": "zoe"}}"#;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let headers = vec![
        (
            "X-Webhook-Signature",
            sign_webhook_timestamped(&Secret::new(SECRET), now, body.as_bytes()),
        ),
        ("X-Webhook-Timestamp", now.to_string()),
    ];
    let (status, _) = post_raw(&url, body, &headers).await;
    assert_eq!(status, 401);
    assert!(recorder.events().is_empty());
}

/// Two instances behind a load balancer, each with its own receiver and one Redis for the
/// replay guard: a delivery accepted by the first is refused by the second.
#[tokio::test]
async fn a_shared_replay_store_accepts_a_delivery_once_across_instances() {
    let redis_url = std::env::var("POLYAUTH_TEST_REDIS_URL").expect(
        "POLYAUTH_TEST_REDIS_URL is not set: run the tests through ./scripts/test.sh, which \
         starts a throwaway redis-server",
    );
    // A prefix of this test's own, so that runs against one server do not meet.
    let prefix = format!(
        "polyauth-test:webhook:{}:",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let store: Arc<dyn StateStore> = Arc::new(
        RedisStateStore::connect_with(&redis_url, RedisOptions::default().with_key_prefix(prefix))
            .await
            .unwrap(),
    );
    let cfg = WebhookReceiverConfig::new(Secret::new(SECRET))
        .strict(Duration::from_secs(60))
        .with_replay_store(store);
    let (url_a, recorder_a) = recording_receiver(cfg.clone()).await;
    let (url_b, recorder_b) = recording_receiver(cfg).await;

    let body = r#"{"event": "user.login", "data": {"username": "zoe"}}"#;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let headers = vec![
        (
            "X-Webhook-Signature",
            sign_webhook_timestamped(&Secret::new(SECRET), now, body.as_bytes()),
        ),
        ("X-Webhook-Timestamp", now.to_string()),
    ];
    assert_eq!(post_raw(&url_a, body, &headers).await.0, 200);
    assert_eq!(
        post_raw(&url_b, body, &headers).await,
        (401, json!({"detail": "Replayed webhook"}))
    );
    assert_eq!(recorder_a.events().len(), 1);
    assert!(recorder_b.events().is_empty(), "replayed to instance B");
}

/// Counts deliveries and fails (→ 500) the first `fail` ones.
struct Flaky {
    seen: AtomicU32,
    fail: u32,
}

#[async_trait]
impl WebhookHandler for Flaky {
    async fn handle(&self, event: &str, data: &Value) -> Result<Value> {
        let n = self.seen.fetch_add(1, Ordering::SeqCst);
        if n < self.fail {
            return Err(Error::unavailable("not yet"));
        }
        Ok(json!({ "event": event, "data": data }))
    }
}

#[tokio::test]
async fn sender_signs_and_retries_5xx_with_backoff() {
    let flaky = Arc::new(Flaky {
        seen: AtomicU32::new(0),
        fail: 2,
    });
    let base = serve(webhook_router(
        "",
        WebhookReceiverConfig::new(Secret::new(SECRET)),
        flaky.clone(),
    ))
    .await;
    let sender = WebhookSender::new(
        &format!("{base}/auth"),
        Some(Secret::new(SECRET)),
        3,
        Duration::from_secs(2),
    )
    .unwrap()
    .with_backoff(Duration::from_millis(5), Duration::from_millis(20));
    let attempts = sender
        .send("user.updated", &json!({"username": "bob"}))
        .await
        .unwrap();
    assert_eq!(attempts, 3, "two 500s, then success");
    assert_eq!(flaky.seen.load(Ordering::SeqCst), 3);

    // Every attempt failing: an error after exactly `attempts` tries.
    let always = Arc::new(Flaky {
        seen: AtomicU32::new(0),
        fail: 100,
    });
    let base = serve(webhook_router(
        "",
        WebhookReceiverConfig::new(Secret::new(SECRET)),
        always.clone(),
    ))
    .await;
    let sender = WebhookSender::new(
        &format!("{base}/auth"),
        Some(Secret::new(SECRET)),
        2,
        Duration::from_secs(2),
    )
    .unwrap()
    .with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let e = sender.send("user.updated", &json!({})).await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(always.seen.load(Ordering::SeqCst), 2);

    // Strict sender to a strict receiver.
    let ok = Arc::new(Flaky {
        seen: AtomicU32::new(0),
        fail: 0,
    });
    let cfg = WebhookReceiverConfig::new(Secret::new(SECRET)).strict(Duration::from_secs(60));
    let base = serve(webhook_router("/hooks", cfg, ok.clone())).await;
    let sender = WebhookSender::new(
        &format!("{base}/hooks/auth"),
        Some(Secret::new(SECRET)),
        1,
        Duration::from_secs(2),
    )
    .unwrap()
    .strict(true);
    assert_eq!(
        sender
            .send("user.login", &json!({"username": "c"}))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn sender_does_not_retry_4xx_and_accepts_any_2xx() {
    let hits = Arc::new(AtomicU32::new(0));
    let (h1, h2) = (hits.clone(), hits.clone());
    let router = Router::new()
        .route(
            "/gone",
            post(move || async move {
                h1.fetch_add(1, Ordering::SeqCst);
                StatusCode::GONE
            }),
        )
        .route(
            "/accepted",
            post(move || async move {
                h2.fetch_add(1, Ordering::SeqCst);
                StatusCode::ACCEPTED
            }),
        );
    let base = serve(router).await;
    let s = WebhookSender::new(
        &format!("{base}/gone"),
        Some(Secret::new(SECRET)),
        3,
        Duration::from_secs(2),
    )
    .unwrap();
    let e = s.send("user.created", &json!({})).await.unwrap_err();
    assert_eq!(e.status(), Some(410));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let s =
        WebhookSender::new(&format!("{base}/accepted"), None, 3, Duration::from_secs(2)).unwrap();
    assert_eq!(s.send("user.created", &json!({})).await.unwrap(), 1);
    // A refused connection is retried, then reported.
    let closed = WebhookSender::new("http://127.0.0.1:9/x", None, 2, Duration::from_millis(300))
        .unwrap()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(2));
    assert!(closed.send("user.created", &json!({})).await.is_err());
    assert!(WebhookSender::new("ftp://x", None, 1, Duration::from_secs(1)).is_err());
}
