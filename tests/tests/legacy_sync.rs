#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The legacy-sync example's router over real HTTP on loopback: a real SQLite file in a temp
//! directory, the AIGC emulator as the auth center, sync-on-login and signed webhooks.

use std::net::SocketAddr;
use std::sync::Arc;

use polyauth::Secret;
use polyauth::aigc::AigcProvider;
use polyauth::aigc::webhook::{WebhookReceiverConfig, sign_webhook};
use polyauth::env::Env;
use polyauth_examples::legacy_sync::{
    self, DEMO_BCRYPT_COST, LegacySync, SEED_USERS, WEBHOOK_PATH,
};
use polyauth_testkit::aigc::{AigcEmulator, EmulatedUser};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::sqlite::SqlitePool;
use tempfile::TempDir;

const WEBHOOK_SECRET: &str = "whsec_legacy_sync_test";

struct App {
    base: String,
    emu: AigcEmulator,
    pool: SqlitePool,
    http: reqwest::Client,
    /// Holds the SQLite file; removed when the app drops.
    _dir: TempDir,
}

fn emulated(username: &str, nickname: &str, email: &str) -> EmulatedUser {
    EmulatedUser {
        id: 0,
        username: username.to_owned(),
        nickname: Some(nickname.to_owned()),
        email: Some(email.to_owned()),
        roles: vec!["user".to_owned()],
        permissions: vec![],
        is_admin: false,
        status: "active".to_owned(),
    }
}

/// The example's app, configured the way its `main` does it (from variables), served on
/// loopback over a fresh SQLite file seeded with the legacy users.
async fn start() -> App {
    let emu = AigcEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([
        ("AIGC_AUTH_APP_ID", emu.app_id().to_owned()),
        ("AIGC_AUTH_APP_SECRET", emu.app_secret().to_owned()),
        ("AIGC_AUTH_BASE_URL", emu.base_url()),
        ("AIGC_AUTH_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        (
            "LEGACY_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("legacy.db").display()),
        ),
    ]);
    let client = legacy_sync::aigc_client_from_env(&env)
        .unwrap()
        .expect("the auth center is configured");
    let pool = legacy_sync::open_legacy_db(legacy_sync::db_options_from_env(&env).unwrap())
        .await
        .unwrap();
    let seeded = legacy_sync::seed_legacy_users(&pool, &SEED_USERS, DEMO_BCRYPT_COST)
        .await
        .unwrap();
    assert_eq!(seeded, 2);
    let legacy = LegacySync::new(pool.clone(), Some(client.clone()), DEMO_BCRYPT_COST).unwrap();
    let webhook = WebhookReceiverConfig::from_env(&env).unwrap();
    let app = legacy_sync::router(Arc::new(AigcProvider::from_client(client)), legacy, webhook);
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
    App {
        base,
        emu,
        pool,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl App {
    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn post_webhook(&self, body: &str, signature: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}{WEBHOOK_PATH}", self.base))
            .header("Content-Type", "application/json")
            .header("X-Webhook-Signature", signature)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn deliver(&self, secret: &str, event: &str, data: Value) -> (u16, Value) {
        let (status, body) = self
            .emu
            .deliver_webhook(&format!("{}{WEBHOOK_PATH}", self.base), secret, event, data)
            .await
            .unwrap();
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// (email, display_name, password_hash, active) straight from the SQLite file.
    async fn row(&self, username: &str) -> Option<(Option<String>, Option<String>, String, i64)> {
        sqlx::query_as(
            "SELECT email, display_name, password_hash, active FROM users WHERE username = ?",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .unwrap()
    }

    async fn count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn first_login_creates_the_row_later_logins_update_it_and_never_the_password() {
    let app = start().await;
    app.emu
        .upsert_user(emulated("carol", "Carol", "carol@example.com"));
    let token = app.emu.issue_token("carol").unwrap();
    assert!(app.row("carol").await.is_none());

    // First login: the legacy row is created with the auth center's fields.
    let (status, me) = app.get("/me", Some(&token)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["sync"]["created"], true);
    assert_eq!(me["sync"]["message"], "User created");
    assert_eq!(me["legacy_user"]["username"], "carol");
    assert_eq!(me["legacy_user"]["email"], "carol@example.com");
    assert_eq!(me["legacy_user"]["display_name"], "Carol");
    assert_eq!(me["legacy_user"]["active"], true);
    assert!(me["legacy_user"].get("password_hash").is_none());
    let (email, name, hash, active) = app.row("carol").await.unwrap();
    assert_eq!(
        (email.as_deref(), name.as_deref(), active),
        (Some("carol@example.com"), Some("Carol"), 1)
    );
    assert!(hash.starts_with("$2"), "a bcrypt hash, not plain text");
    assert!(
        hash.starts_with(&format!("$2b${DEMO_BCRYPT_COST:02}$")),
        "{hash}"
    );

    // Same login again: nothing to change.
    let (status, me) = app.get("/me", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(me["sync"]["created"], false);
    assert_eq!(me["sync"]["message"], "User unchanged");
    assert_eq!(me["sync"]["updated_fields"], json!([]));

    // The nickname and e-mail change at the auth center; the next login updates the row.
    app.emu
        .upsert_user(emulated("carol", "Carol Renamed", "carol@new.example"));
    let token = app.emu.issue_token("carol").unwrap();
    let (status, me) = app.get("/me", Some(&token)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["sync"]["message"], "User updated");
    let mut fields: Vec<String> =
        serde_json::from_value(me["sync"]["updated_fields"].clone()).unwrap();
    fields.sort();
    assert_eq!(fields, ["display_name", "email"]);
    assert_eq!(me["legacy_user"]["display_name"], "Carol Renamed");
    let (email, name, hash_after, _) = app.row("carol").await.unwrap();
    assert_eq!(
        (email.as_deref(), name.as_deref()),
        (Some("carol@new.example"), Some("Carol Renamed"))
    );
    assert_eq!(hash_after, hash, "the password hash is never touched");
    assert_eq!(app.count().await, 3);
}

#[tokio::test]
async fn an_existing_legacy_user_keeps_its_bcrypt_password() {
    let app = start().await;
    let alice = SEED_USERS[0];
    let (_, _, original, _) = app.row("alice").await.unwrap();
    assert!(bcrypt::verify(alice.password, &original).unwrap());

    app.emu
        .upsert_user(emulated("alice", "Alice A.", "alice@auth.example"));
    let token = app.emu.issue_token("alice").unwrap();
    let (status, me) = app.get("/me", Some(&token)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["sync"]["created"], false);
    assert_eq!(me["sync"]["message"], "User updated");
    assert_eq!(me["legacy_user"]["display_name"], "Alice A.");
    assert_eq!(me["legacy_user"]["email"], "alice@auth.example");

    let (_, _, hash, active) = app.row("alice").await.unwrap();
    assert_eq!(hash, original);
    assert!(
        bcrypt::verify(alice.password, &hash).unwrap(),
        "the legacy password still works in the legacy system"
    );
    assert_eq!(active, 1);
    assert_eq!(app.count().await, 2, "no row created for an existing user");
}

#[tokio::test]
async fn signed_webhooks_update_and_disable_tampered_ones_change_nothing() {
    let app = start().await;
    let (_, _, hash, _) = app.row("bob").await.unwrap();

    // The auth center (emulator) signs a user.updated event: the row follows.
    let (status, answer) = app
        .deliver(
            WEBHOOK_SECRET,
            "user.updated",
            json!({ "username": "bob", "nickname": "Robert", "email": "robert@example.com",
                    "updatedFields": ["nickname", "email"] }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["success"], true);
    assert_eq!(answer["message"], "User updated");
    let (email, name, hash_after, active) = app.row("bob").await.unwrap();
    assert_eq!(
        (email.as_deref(), name.as_deref(), active),
        (Some("robert@example.com"), Some("Robert"), 1)
    );
    assert_eq!(hash_after, hash, "webhooks never reset the password");

    // A tampered body under the original signature: 401, nothing written.
    let body = r#"{"event":"user.updated","data":{"username":"bob","nickname":"Bobby"}}"#;
    let signature = sign_webhook(&Secret::new(WEBHOOK_SECRET), body.as_bytes());
    let tampered = body.replace("Bobby", "Mallory");
    let (status, answer) = app.post_webhook(&tampered, &signature).await;
    assert_eq!(status, 401);
    assert_eq!(answer, json!({ "detail": "Invalid signature" }));
    // Signed with another secret, or not signed at all: 401 as well.
    let (status, _) = app
        .deliver(
            "not-the-secret",
            "user.created",
            json!({ "username": "mallory" }),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app.post_webhook(body, "").await;
    assert_eq!(status, 401);
    let (_, name, hash_after, _) = app.row("bob").await.unwrap();
    assert_eq!(name.as_deref(), Some("Robert"));
    assert_eq!(hash_after, hash);
    assert!(app.row("mallory").await.is_none());
    assert_eq!(app.count().await, 2);

    // The untampered body with its signature goes through (no token needed on this path).
    let (status, answer) = app.post_webhook(body, &signature).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(app.row("bob").await.unwrap().1.as_deref(), Some("Bobby"));

    // user.deleted disables the row (it is kept, with active = 0).
    let (status, answer) = app
        .deliver(WEBHOOK_SECRET, "user.deleted", json!({ "username": "bob" }))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["message"], "User disabled");
    assert_eq!(answer["found"], true);
    let (_, _, hash_after, active) = app.row("bob").await.unwrap();
    assert_eq!(active, 0);
    assert_eq!(hash_after, hash);

    app.emu.add_user("viewer", &[], &[]);
    let token = app.emu.issue_token("viewer").unwrap();
    let (status, list) = app.get("/legacy/users", Some(&token)).await;
    assert_eq!(status, 200);
    let bob = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "bob")
        .unwrap();
    assert_eq!(bob["active"], false);
}

#[tokio::test]
async fn legacy_users_needs_a_token_and_never_shows_password_hashes() {
    let app = start().await;
    assert_eq!(app.get("/health", None).await.0, 200);

    let (status, body) = app.get("/legacy/users", None).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], 401);
    assert_eq!(app.get("/me", None).await.0, 401);
    assert_eq!(app.get("/legacy/users", Some("forged")).await.0, 401);

    app.emu.add_user("viewer", &[], &[]);
    let token = app.emu.issue_token("viewer").unwrap();
    let (status, list) = app.get("/legacy/users", Some(&token)).await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    let text = list.to_string();
    assert!(!text.contains("password"), "{text}");
    assert!(!text.contains("$2b$"), "{text}");
    for u in list["users"].as_array().unwrap() {
        let mut keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["active", "display_name", "email", "id", "username"],
            "{u}"
        );
    }
}

#[tokio::test]
async fn without_a_webhook_secret_every_webhook_is_refused() {
    let app = start().await;
    // A second router over the same table, with no secret configured.
    let client = legacy_sync::aigc_client_from_env(&Env::from_pairs([
        ("AIGC_AUTH_APP_ID", app.emu.app_id().to_owned()),
        ("AIGC_AUTH_APP_SECRET", app.emu.app_secret().to_owned()),
        ("AIGC_AUTH_BASE_URL", app.emu.base_url()),
    ]))
    .unwrap()
    .unwrap();
    let legacy = LegacySync::new(app.pool.clone(), None, DEMO_BCRYPT_COST).unwrap();
    let router = legacy_sync::router(
        Arc::new(AigcProvider::from_client(client)),
        legacy,
        WebhookReceiverConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (status, _) = app
        .emu
        .deliver_webhook(&url, "", "user.deleted", json!({ "username": "alice" }))
        .await
        .unwrap();
    assert_eq!(status, 401);
    assert_eq!(app.row("alice").await.unwrap().3, 1);

    // No auth-center variables at all: no client (the example then starts the emulator).
    assert!(
        legacy_sync::aigc_client_from_env(&Env::from_pairs(Vec::<(String, String)>::new()))
            .unwrap()
            .is_none()
    );
}
