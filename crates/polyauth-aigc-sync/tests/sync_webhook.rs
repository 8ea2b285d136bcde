//! `UserSyncService` as the handler of `polyauth-aigc`'s signed webhook receiver over loopback
//! HTTP: the emulator (or a `WebhookSender` built from a `SyncConfig`) delivers signed webhooks
//! into a real SQLite legacy table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use polyauth_aigc::webhook::receiver::webhook_router;
use polyauth_aigc::webhook::{WebhookReceiverConfig, sign_webhook};
use polyauth_aigc_sync::{
    SqlAdapter, SqlAdapterConfig, SyncConfig, SyncDirection, UserSyncService,
};
use polyauth_core::{ErrorKind, Password, Secret};
use polyauth_testkit::aigc::AigcEmulator;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use tempfile::TempDir;

const SECRET: &str = "whsec_test";

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// A new SQLite legacy table, in a directory removed when the returned [`TempDir`] drops.
async fn legacy_db() -> (SqlitePool, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let opts = SqliteConnectOptions::new()
        .filename(dir.path().join("legacy.db"))
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new().connect_with(opts).await.unwrap();
    sqlx::query(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT,
         nickname TEXT, password_hash TEXT, is_active INTEGER NOT NULL DEFAULT 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    (pool, dir)
}

/// The receiver's URL, the legacy pool and the directory that holds its file.
async fn sync_receiver(config: WebhookReceiverConfig) -> (String, SqlitePool, TempDir) {
    let (pool, dir) = legacy_db().await;
    let table = SqlAdapterConfig::new("users", &["username", "email", "nickname", "is_active"])
        .with_password_column("password_hash")
        .with_disabled_column("is_active", json!(0))
        .with_bcrypt_cost(4);
    let adapter = SqlAdapter::from_sqlite(pool.clone(), table).unwrap();
    let sync = SyncConfig::new(SyncDirection::AuthToLegacy)
        .with_unified_password(Password::new("Init@2024"));
    let svc = UserSyncService::new(Arc::new(adapter), sync, None).unwrap();
    let base = serve(webhook_router("/webhook", config, Arc::new(svc))).await;
    (format!("{base}/webhook/auth"), pool, dir)
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
async fn emulator_webhooks_drive_the_legacy_table() {
    let (url, pool, _dir) = sync_receiver(WebhookReceiverConfig::new(Secret::new(SECRET))).await;
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
    assert_eq!(body["message"], "User created");
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE username = 'alice'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(email, "a@x.io");

    let (status, _) = emu
        .deliver_webhook(
            &url,
            SECRET,
            "user.updated",
            json!({"username": "alice", "email": "alice@x.io", "updatedFields": ["email"]}),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let (status, _) = emu
        .deliver_webhook(&url, SECRET, "user.deleted", json!({"username": "alice"}))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let (email, active): (String, i64) =
        sqlx::query_as("SELECT email, is_active FROM users WHERE username = 'alice'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((email.as_str(), active), ("alice@x.io", 0));

    // Signed with another secret: refused, nothing written.
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
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

/// What the sync handler adds to the receiver (whose signature, JSON and error answers are
/// tested in `polyauth-aigc`): the reference SDK's signed vector creates the legacy user, and
/// an event the service cannot apply is a 500 with a safe message, writing nothing.
#[tokio::test]
async fn reference_vector_creates_the_user_and_a_bad_event_writes_nothing() {
    let (url, pool, _dir) = sync_receiver(WebhookReceiverConfig::new(Secret::new(SECRET))).await;
    let body = r#"{"event": "user.created", "data": {"username": "alice", "id": 7}}"#;
    let sig = "e9184d9f0f985814a0eac8d37fb5bdf3473ad35c6b9af13429beb0fc54554ee3";
    let (status, answer) = post_raw(&url, body, &[("X-Webhook-Signature", sig.to_owned())]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["created"], true);

    // No username: the service refuses it.
    let bad = r#"{"event": "user.created", "data": {"email": "x@y"}}"#;
    let s = sign_webhook(&Secret::new(SECRET), bad.as_bytes());
    let (status, answer) = post_raw(&url, bad, &[("X-Webhook-Signature", s)]).await;
    assert_eq!(
        (status, answer),
        (500, json!({"detail": "Webhook handler failed"}))
    );
    let users: Vec<String> = sqlx::query_scalar("SELECT username FROM users")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(users, ["alice"]);
}
#[tokio::test]
async fn a_sync_configs_webhook_sender_reaches_a_sync_receiver() {
    let (url, pool, _dir) = sync_receiver(WebhookReceiverConfig::new(Secret::new(SECRET))).await;

    // No URL: no sender; a URL that is not http(s): a configuration error.
    assert!(SyncConfig::default().webhook_sender().unwrap().is_none());
    let bad = SyncConfig::default().with_webhook("ftp://x", None);
    assert_eq!(
        bad.webhook_sender().unwrap_err().kind(),
        ErrorKind::ConfigInvalid
    );

    // The sending side's configuration makes the signed sender (attempts and timeout too).
    let mut sending = SyncConfig::default().with_webhook(&url, Some(Secret::new(SECRET)));
    sending.webhook_retry_count = 2;
    sending.webhook_timeout = Duration::from_secs(5);
    let sender = sending.webhook_sender().unwrap().unwrap();
    let attempts = sender
        .send(
            "user.created",
            &json!({"username": "dave", "email": "dave@x.io"}),
        )
        .await
        .unwrap();
    assert_eq!(attempts, 1);
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE username = 'dave'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(email, "dave@x.io");

    // Signed with another secret: the receiver refuses it (401, not retried).
    let wrong = SyncConfig::default()
        .with_webhook(&url, Some(Secret::new("wrong")))
        .webhook_sender()
        .unwrap()
        .unwrap();
    let e = wrong
        .send("user.deleted", &json!({"username": "dave"}))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_active = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}
