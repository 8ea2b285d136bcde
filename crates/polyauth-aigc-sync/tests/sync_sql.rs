//! The legacy sync over a real SQLite file and the AIGC emulator on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyauth_aigc::{AigcClient, AigcConfig};
use polyauth_aigc_sync::{
    FieldMapping, InitialSyncOptions, LegacySystemAdapter, SqlAdapter, SqlAdapterConfig,
    StopReason, SyncConfig, SyncDirection, SyncProgress, Transform, UserSyncService,
    create_default_field_mappings,
};
use polyauth_core::{ClientSecret, ErrorKind, Password, UserProfile};
use polyauth_testkit::aigc::AigcEmulator;
use polyauth_testkit::server::Fault;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use tempfile::TempDir;

const SCHEMA: &str = "CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT UNIQUE,
    email TEXT,
    nickname TEXT,
    phone TEXT,
    password_hash TEXT,
    is_active INTEGER NOT NULL DEFAULT 1
)";

/// A new SQLite file holding an empty [`SCHEMA`] table, in a directory removed when the
/// returned [`TempDir`] drops (keep it alive as long as the pool).
async fn legacy_db() -> (SqlitePool, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let opts = SqliteConnectOptions::new()
        .filename(dir.path().join("legacy.db"))
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(opts)
        .await
        .unwrap();
    sqlx::query(SCHEMA).execute(&pool).await.unwrap();
    (pool, dir)
}

fn table() -> SqlAdapterConfig {
    SqlAdapterConfig::new(
        "users",
        &["username", "email", "nickname", "phone", "is_active"],
    )
    .with_password_column("password_hash")
    .with_disabled_column("is_active", json!(0))
    .with_bcrypt_cost(4)
}

fn client(emu: &AigcEmulator) -> AigcClient {
    let c = AigcConfig::new(
        emu.app_id(),
        ClientSecret::new(emu.app_secret()),
        &emu.base_url(),
    )
    .unwrap()
    .with_timeout(Duration::from_secs(5));
    AigcClient::new(c).unwrap()
}

fn service(pool: &SqlitePool, config: SyncConfig, client: Option<AigcClient>) -> UserSyncService {
    let adapter = SqlAdapter::from_sqlite(pool.clone(), table()).unwrap();
    UserSyncService::new(Arc::new(adapter), config, client).unwrap()
}

fn login_config() -> SyncConfig {
    SyncConfig::new(SyncDirection::Bidirectional).with_unified_password(Password::new("Init@2024"))
}

fn profile(username: &str, email: &str) -> UserProfile {
    let mut p = UserProfile::new("aigc", "42");
    p.username = Some(username.into());
    p.email = Some(email.into());
    p.nickname = Some(format!("{username} nick"));
    p
}

async fn row(
    pool: &SqlitePool,
    username: &str,
) -> Option<(i64, Option<String>, Option<String>, Option<String>, i64)> {
    sqlx::query_as(
        "SELECT id, email, nickname, password_hash, is_active FROM users WHERE username = ?",
    )
    .bind(username)
    .fetch_optional(pool)
    .await
    .unwrap()
}

async fn count(pool: &SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn login_creates_a_missing_user_with_a_bcrypt_of_the_unified_password() {
    let (pool, _dir) = legacy_db().await;
    let svc = service(&pool, login_config(), None);
    let r = svc
        .sync_on_login(&profile("alice", "alice@example.com"))
        .await
        .unwrap();
    assert_eq!(r["success"], true);
    assert_eq!(r["created"], true);
    assert_eq!(r["message"], "User created");
    assert_eq!(r["auth_user_id"], "42");
    let (id, email, nick, hash, active) = row(&pool, "alice").await.unwrap();
    assert_eq!(r["legacy_user_id"], json!(id));
    assert_eq!(email.as_deref(), Some("alice@example.com"));
    assert_eq!(nick.as_deref(), Some("alice nick"));
    assert_eq!(active, 1);
    let hash = hash.unwrap();
    assert!(
        hash.starts_with("$2"),
        "stored as a bcrypt hash, not plain text"
    );
    assert!(bcrypt::verify("Init@2024", &hash).unwrap());
}

#[tokio::test]
async fn login_updates_changed_fields_and_never_the_password() {
    let (pool, _dir) = legacy_db().await;
    let original = bcrypt::hash("users-own-password", 4).unwrap();
    sqlx::query("INSERT INTO users (username, email, nickname, password_hash) VALUES ('bob', 'old@example.com', 'bob nick', ?)")
        .bind(&original)
        .execute(&pool)
        .await
        .unwrap();
    let svc = service(&pool, login_config(), None);
    let r = svc
        .sync_on_login(&profile("bob", "new@example.com"))
        .await
        .unwrap();
    assert_eq!(r["created"], false);
    assert_eq!(r["message"], "User updated");
    assert_eq!(r["updated_fields"], json!(["email"]));
    let (_, email, _, hash, _) = row(&pool, "bob").await.unwrap();
    assert_eq!(email.as_deref(), Some("new@example.com"));
    assert_eq!(hash.as_deref(), Some(original.as_str()));
    // Nothing changed: nothing written.
    let again = svc
        .sync_on_login(&profile("bob", "new@example.com"))
        .await
        .unwrap();
    assert_eq!(again["message"], "User unchanged");
    assert_eq!(again["updated_fields"], json!([]));
    assert_eq!(count(&pool).await, 1);
}

#[tokio::test]
async fn the_unique_field_is_honoured() {
    let (pool, _dir) = legacy_db().await;
    sqlx::query("INSERT INTO users (username, email) VALUES ('old_name', 'carol@example.com')")
        .execute(&pool)
        .await
        .unwrap();
    let config = login_config().with_unique_field("email");
    let svc = service(&pool, config, None);
    let r = svc
        .sync_on_login(&profile("carol", "carol@example.com"))
        .await
        .unwrap();
    assert_eq!(r["created"], false, "matched by e-mail, not by username");
    assert!(
        r["updated_fields"]
            .as_array()
            .unwrap()
            .contains(&json!("username"))
    );
    assert!(row(&pool, "carol").await.is_some());
    assert_eq!(count(&pool).await, 1);
}

#[tokio::test]
async fn sync_direction_is_honoured() {
    let (pool, _dir) = legacy_db().await;
    let emu = AigcEmulator::start().await;
    // Legacy → auth only: logins and webhooks leave the table alone.
    let cfg =
        SyncConfig::new(SyncDirection::LegacyToAuth).with_unified_password(Password::new("x1"));
    let svc = service(&pool, cfg, Some(client(&emu)));
    let r = svc
        .sync_on_login(&profile("dave", "d@example.com"))
        .await
        .unwrap();
    assert_eq!(r["skipped"], true);
    let r = svc
        .handle_webhook("user.created", &json!({"username": "dave"}))
        .await
        .unwrap();
    assert_eq!(r["skipped"], true);
    assert_eq!(count(&pool).await, 0);
    // Auth → legacy only: the initial sync to the auth center is skipped.
    sqlx::query("INSERT INTO users (username) VALUES ('erin')")
        .execute(&pool)
        .await
        .unwrap();
    let cfg =
        SyncConfig::new(SyncDirection::AuthToLegacy).with_unified_password(Password::new("x1"));
    let svc = service(&pool, cfg, Some(client(&emu)));
    let rep = svc
        .initial_sync(&InitialSyncOptions::default(), None)
        .await
        .unwrap();
    assert!(rep.skipped_by_direction);
    assert_eq!(rep.total, 0);
    let r = svc
        .handle_webhook("user.init_sync_auth", &json!({}))
        .await
        .unwrap();
    assert_eq!(r["skipped"], true);
    assert_eq!(emu.calls("/sync/batch") + emu.calls("/sync/user"), 0);
    assert!(emu.user("erin").is_none());
}

#[tokio::test]
async fn every_webhook_event() {
    let (pool, _dir) = legacy_db().await;
    let emu = AigcEmulator::start().await;
    let svc = service(&pool, login_config(), Some(client(&emu)));

    // user.created
    let r = svc
        .handle_webhook(
            "user.created",
            &json!({"id": 9, "username": "frank", "email": "f@x.io"}),
        )
        .await
        .unwrap();
    assert_eq!(r["success"], true);
    assert_eq!(r["message"], "User created");
    assert_eq!(r["created"], true);
    let (id, _, _, hash, _) = row(&pool, "frank").await.unwrap();
    assert_eq!(r["user_id"], json!(id));
    // The user changes their legacy password afterwards.
    let own = bcrypt::hash("franks-own", 4).unwrap();
    sqlx::query("UPDATE users SET password_hash = ? WHERE username = 'frank'")
        .bind(&own)
        .execute(&pool)
        .await
        .unwrap();
    assert_ne!(hash.as_deref(), Some(own.as_str()));

    // user.updated: fields change; the reference would reset the password to the unified
    // one here, polyauth does not.
    let r = svc
        .handle_webhook(
            "user.updated",
            &json!({"username": "frank", "email": "frank@x.io", "updatedFields": ["email"]}),
        )
        .await
        .unwrap();
    assert_eq!(r["message"], "User updated");
    assert_eq!(r["created"], false);
    assert_eq!(r["updated_fields"], json!(["email"]));
    let (_, email, _, hash, _) = row(&pool, "frank").await.unwrap();
    assert_eq!(email.as_deref(), Some("frank@x.io"));
    assert_eq!(hash.as_deref(), Some(own.as_str()), "legacy password kept");
    assert!(!bcrypt::verify("Init@2024", hash.as_deref().unwrap()).unwrap());

    // user.login for an unknown user creates them.
    let r = svc
        .handle_webhook("user.login", &json!({"username": "gina"}))
        .await
        .unwrap();
    assert_eq!(r["created"], true);
    assert!(row(&pool, "gina").await.is_some());

    // user.deleted disables.
    let r = svc
        .handle_webhook("user.deleted", &json!({"username": "frank"}))
        .await
        .unwrap();
    assert_eq!(
        r,
        json!({"success": true, "message": "User disabled", "found": true})
    );
    assert_eq!(row(&pool, "frank").await.unwrap().4, 0);
    let r = svc
        .handle_webhook("user.deleted", &json!({"id": 3}))
        .await
        .unwrap();
    assert_eq!(r["success"], false);
    assert_eq!(r["message"], "username is required for user.deleted event");

    // user.init_sync_auth sends the legacy table to the auth center.
    let r = svc
        .handle_webhook("user.init_sync_auth", &json!({}))
        .await
        .unwrap();
    assert_eq!(r["success"], true);
    assert_eq!(
        r["message"],
        "Batch sync completed: 2 created, 0 skipped, 0 failed"
    );
    assert_eq!(r["results"]["total"], 2);
    assert!(emu.user("gina").is_some() && emu.user("frank").is_some());
    let r = svc
        .handle_webhook("user.init_sync_auth", &json!({}))
        .await
        .unwrap();
    assert_eq!(
        r["message"],
        "Batch sync completed: 0 created, 2 skipped, 0 failed"
    );

    // Without a client.
    let no_client = service(&pool, login_config(), None);
    let r = no_client
        .handle_webhook("user.init_sync_auth", &json!({}))
        .await
        .unwrap();
    assert_eq!(r["success"], false);

    // Anything else.
    let r = svc
        .handle_webhook("user.renamed", &json!({}))
        .await
        .unwrap();
    assert_eq!(r, json!({"success": true, "message": "Event ignored"}));
    // Bad data is an error (the receiver answers 500).
    assert!(
        svc.handle_webhook("user.created", &json!("alice"))
            .await
            .is_err()
    );
    assert!(
        svc.handle_webhook("user.created", &json!({"email": "x"}))
            .await
            .is_err()
    );
}

async fn seed_users(pool: &SqlitePool, n: u32, hash: &str) {
    sqlx::query(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1)
         INSERT INTO users (username, email, nickname, password_hash)
         SELECT 'user' || x, 'user' || x || '@example.com', 'User ' || x, ?2 FROM c",
    )
    .bind(n)
    .bind(hash)
    .execute(pool)
    .await
    .unwrap();
}

fn initial_config() -> SyncConfig {
    SyncConfig::new(SyncDirection::LegacyToAuth).with_custom_passwords(None, true)
}

#[tokio::test]
async fn initial_sync_of_ten_thousand_users_then_a_rerun_skips_them_all() {
    let (pool, _dir) = legacy_db().await;
    let hash = bcrypt::hash("secret", 4).unwrap();
    seed_users(&pool, 10_000, &hash).await;
    let emu = AigcEmulator::start().await;
    let svc = service(&pool, initial_config(), Some(client(&emu)));
    let seen = Arc::new(Mutex::new(Vec::<SyncProgress>::new()));
    let sink = seen.clone();
    let progress = move |p: &SyncProgress| sink.lock().unwrap().push(*p);
    let rep = svc
        .initial_sync(&InitialSyncOptions::default(), Some(&progress))
        .await
        .unwrap();
    assert_eq!(
        (rep.total, rep.created, rep.skipped, rep.failed),
        (10_000, 10_000, 0, 0)
    );
    assert!(rep.errors.is_empty());
    assert_eq!(emu.calls("/sync/batch"), 100);
    assert_eq!(emu.calls("/sync/user"), 0);
    assert_eq!(emu.user_count(), 10_000);
    assert_eq!(
        emu.synced_password("user777"),
        Some(("password_hashed".to_owned(), hash.clone())),
        "the stored hash is sent as it is"
    );
    let u = emu.user("user777").unwrap();
    assert_eq!(u.email.as_deref(), Some("user777@example.com"));
    let seen = seen.lock().unwrap().clone();
    let last = seen.last().unwrap();
    assert_eq!((last.read, last.created), (10_000, 10_000));
    assert!(seen.windows(2).all(|w| w[0].created <= w[1].created));

    let again = svc
        .initial_sync(&InitialSyncOptions::default(), None)
        .await
        .unwrap();
    assert_eq!(
        (again.total, again.created, again.skipped, again.failed),
        (10_000, 0, 10_000, 0)
    );
    assert_eq!(emu.user_count(), 10_000);
}

#[tokio::test]
async fn bad_rows_are_per_user_errors_and_the_rest_goes_on() {
    let (pool, _dir) = legacy_db().await;
    seed_users(
        &pool,
        250,
        "$2b$04$abcdefghijklmnopqrstuu5s1Xyl3ZsZ4xtMDxHKAUFyiE2ZmQ1O2",
    )
    .await;
    // Invalid UTF-8, an over-long nickname, no username, no password hash.
    sqlx::query("INSERT INTO users (username, nickname, password_hash) VALUES ('bad_utf8', CAST(X'C328FF' AS TEXT), 'h')")
        .execute(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO users (username, nickname, password_hash) VALUES ('too_long', ?, 'h')",
    )
    .bind("n".repeat(2000))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO users (email, password_hash) VALUES ('nobody@example.com', 'h')")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO users (username) VALUES ('no_password')")
        .execute(&pool)
        .await
        .unwrap();
    // A transform that fails on one row: phone must be an integer.
    sqlx::query(
        "INSERT INTO users (username, phone, password_hash) VALUES ('bad_phone', 'call me', 'h')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut mappings = create_default_field_mappings();
    for m in &mut mappings {
        if m.auth_field == "phone" {
            *m = FieldMapping::new("phone", "phone")
                .with_transform_to_auth(Transform::named("integer").unwrap());
        }
    }
    let emu = AigcEmulator::start().await;
    let svc = service(
        &pool,
        initial_config().with_mappings(mappings),
        Some(client(&emu)),
    );
    let rep = svc
        .initial_sync(
            &InitialSyncOptions::default()
                .with_page_size(7)
                .with_batch_size(50),
            None,
        )
        .await
        .unwrap();
    assert_eq!(rep.total, 255);
    assert_eq!(rep.created, 250);
    assert_eq!(rep.failed, 5, "{:?}", rep.errors);
    let err = |user: &str| {
        rep.errors
            .iter()
            .find(|e| e.user == user)
            .map(|e| e.error.clone())
            .unwrap_or_default()
    };
    assert!(
        err("251").contains("invalid UTF-8"),
        "keyed by id: {:?}",
        rep.errors
    );
    assert!(err("too_long").contains("longer than 1024"));
    assert!(err("253").contains("'username' is missing"), "keyed by id");
    assert!(err("no_password").contains("no password"));
    assert!(err("bad_phone").contains("transform 'integer'"));
    assert_eq!(emu.user_count(), 250);
}

#[tokio::test]
async fn a_failing_batch_falls_back_to_one_call_per_user() {
    let (pool, _dir) = legacy_db().await;
    seed_users(&pool, 300, "$2b$04$hash").await;
    let emu = AigcEmulator::start().await;
    emu.server().inject(
        Fault::status(500)
            .on_path(AigcEmulator::path("/sync/batch"))
            .times(2),
    );
    let svc = service(&pool, initial_config(), Some(client(&emu)));
    let rep = svc
        .initial_sync(&InitialSyncOptions::default(), None)
        .await
        .unwrap();
    assert_eq!((rep.total, rep.created, rep.failed), (300, 300, 0));
    assert_eq!(rep.batch_fallbacks, 2);
    assert_eq!(emu.calls("/sync/user"), 200);
    assert_eq!(emu.user_count(), 300);
}

#[tokio::test]
async fn a_rate_limited_batch_is_sent_again_after_a_wait_not_replayed_per_user() {
    let (pool, _dir) = legacy_db().await;
    seed_users(&pool, 300, "$2b$04$hash").await;
    let emu = AigcEmulator::start().await;
    emu.server().inject(
        Fault::status(429)
            .on_path(AigcEmulator::path("/sync/batch"))
            .times(1),
    );
    let svc = service(&pool, initial_config(), Some(client(&emu)));
    // A limit of 1 would stop the sync at the first failure: a 429 is not one.
    let opts = InitialSyncOptions::default().with_max_consecutive_failures(1);
    let rep = svc.initial_sync(&opts, None).await.unwrap();
    assert!(rep.stopped.is_none(), "{:?}", rep.stopped);
    assert_eq!((rep.total, rep.created, rep.failed), (300, 300, 0));
    assert_eq!(rep.batch_fallbacks, 0);
    assert_eq!(emu.calls("/sync/user"), 0);
    // Three batches of 100, one of them sent twice.
    assert_eq!(emu.calls("/sync/batch"), 4);
    assert_eq!(emu.user_count(), 300);
}

#[tokio::test]
async fn an_auth_center_failing_mid_sync_loses_and_duplicates_nothing_on_rerun() {
    let (pool, _dir) = legacy_db().await;
    seed_users(&pool, 500, "$2b$04$hash").await;
    let emu = AigcEmulator::start().await;
    // The second batch call and the first 60 single calls of the fallback fail.
    let svc = service(&pool, initial_config(), Some(client(&emu)));
    emu.server().inject(
        Fault::status(503)
            .on_path(AigcEmulator::path("/sync/batch"))
            .times(1),
    );
    emu.server().inject(
        Fault::status(503)
            .on_path(AigcEmulator::path("/sync/user"))
            .times(60),
    );
    // 61 failures in a row would stop the sync at the default limit of 10
    // (`consecutive_network_failures_stop_the_sync`): allow them here.
    let opts = InitialSyncOptions::default()
        .with_concurrency(1)
        .with_max_consecutive_failures(100);
    let rep = svc.initial_sync(&opts, None).await.unwrap();
    assert!(rep.stopped.is_none());
    assert_eq!(rep.total, 500);
    assert_eq!(rep.failed, 60);
    assert_eq!(rep.created, 440);
    assert_eq!(rep.errors.len(), 60);
    assert!(rep.errors.iter().all(|e| e.user.starts_with("user")));
    let rerun = svc.initial_sync(&opts, None).await.unwrap();
    assert_eq!((rerun.created, rerun.skipped, rerun.failed), (60, 440, 0));
    assert_eq!(emu.user_count(), 500);
}

#[tokio::test]
async fn dry_run_sends_nothing() {
    let (pool, _dir) = legacy_db().await;
    seed_users(&pool, 120, "$2b$04$hash").await;
    let svc = service(&pool, initial_config(), None);
    let rep = svc
        .initial_sync(&InitialSyncOptions::default().with_dry_run(true), None)
        .await
        .unwrap();
    assert!(rep.dry_run);
    assert_eq!(
        (rep.total, rep.prepared, rep.created, rep.failed),
        (120, 120, 0, 0)
    );
}

#[tokio::test]
async fn table_and_column_names_must_be_plain_identifiers() {
    let (pool, _dir) = legacy_db().await;
    for bad in ["users; DROP TABLE users", "1users", "us\"ers", ""] {
        let cfg = SqlAdapterConfig::new(bad, &["username"]);
        assert!(
            SqlAdapter::from_sqlite(pool.clone(), cfg).is_err(),
            "{bad:?}"
        );
    }
    let cfg = SqlAdapterConfig::new("users", &["username", "email--"]);
    assert!(SqlAdapter::from_sqlite(pool.clone(), cfg).is_err());
    // A mapping to a column name that is not an identifier is an error, not SQL.
    let svc = service(
        &pool,
        login_config().with_unique_field("x").with_mappings(vec![
            FieldMapping::new("username", "username").required(),
            FieldMapping::new("x", "bad name"),
        ]),
        None,
    );
    let e = svc
        .handle_webhook("user.created", &json!({"username": "z", "x": "1"}))
        .await
        .unwrap_err();
    assert!(e.message().contains("not a plain SQL identifier"));
    let _: Value = json!(count(&pool).await);
}

#[tokio::test]
async fn consecutive_network_failures_stop_the_sync() {
    let (pool, _dir) = legacy_db().await;
    seed_users(&pool, 500, "$2b$04$hash").await;
    let emu = AigcEmulator::start().await;
    emu.server().inject(
        Fault::status(503)
            .on_path(AigcEmulator::path("/sync/batch"))
            .times(1),
    );
    emu.server().inject(
        Fault::status(503)
            .on_path(AigcEmulator::path("/sync/user"))
            .times(60),
    );
    let svc = service(&pool, initial_config(), Some(client(&emu)));
    let opts = InitialSyncOptions::default().with_concurrency(1);
    let rep = svc.initial_sync(&opts, None).await.unwrap();
    let stop = rep.stopped.clone().expect("stopped");
    assert_eq!(
        stop.reason,
        StopReason::Unreachable {
            consecutive_failures: 10
        }
    );
    assert!(stop.error.contains("503"), "{stop}");
    // The failed batch and nine single calls; nothing read or sent after them.
    assert_eq!(emu.calls("/sync/batch"), 1);
    assert_eq!(emu.calls("/sync/user"), 9);
    assert_eq!(
        (rep.total, rep.created, rep.failed, rep.not_sent),
        (100, 0, 9, 91)
    );
    // A re-run resumes once the auth center is back.
    emu.server().clear_faults();
    let rerun = svc.initial_sync(&opts, None).await.unwrap();
    assert!(rerun.stopped.is_none());
    assert_eq!((rerun.total, rerun.created, rerun.failed), (500, 500, 0));
}

#[tokio::test]
async fn an_answer_resets_the_consecutive_failure_count() {
    let (pool, _dir) = legacy_db().await;
    seed_users(&pool, 500, "$2b$04$hash").await;
    let emu = AigcEmulator::start().await;
    // Nine failures in a row, then answers: below the limit of 10, the sync goes on.
    emu.server().inject(
        Fault::status(503)
            .on_path(AigcEmulator::path("/sync/batch"))
            .times(1),
    );
    emu.server().inject(
        Fault::status(503)
            .on_path(AigcEmulator::path("/sync/user"))
            .times(8),
    );
    let svc = service(&pool, initial_config(), Some(client(&emu)));
    let opts = InitialSyncOptions::default().with_concurrency(1);
    let rep = svc.initial_sync(&opts, None).await.unwrap();
    assert!(rep.stopped.is_none(), "{:?}", rep.stopped);
    assert_eq!((rep.total, rep.created, rep.failed), (500, 492, 8));
}

#[tokio::test]
async fn rejected_app_credentials_stop_the_sync_at_once() {
    let (pool, _dir) = legacy_db().await;
    seed_users(&pool, 1_000, "$2b$04$hash").await;
    let emu = AigcEmulator::start_with("1001", "the-real-secret").await;
    let wrong = AigcClient::new(
        AigcConfig::new("1001", ClientSecret::new("a-wrong-secret"), &emu.base_url()).unwrap(),
    )
    .unwrap();
    let svc = service(&pool, initial_config(), Some(wrong));
    let rep = svc
        .initial_sync(&InitialSyncOptions::default(), None)
        .await
        .unwrap();
    let stop = rep.stopped.clone().expect("stopped");
    assert_eq!(stop.reason, StopReason::AuthRejected);
    assert!(
        stop.to_string()
            .contains("rejected the application's credentials")
    );
    assert_eq!(rep.failed, 0, "no per-user failures: {:?}", rep.errors);
    assert_eq!((rep.created, rep.not_sent), (0, rep.prepared));
    assert!(rep.total < 1_000, "stopped reading: {}", rep.total);
    assert!(emu.calls("/sync/batch") <= 4);
    assert_eq!(emu.calls("/sync/user"), 0);
    assert_eq!(emu.user_count(), 0);
    // The init_sync_auth webhook says so.
    let r = svc
        .handle_webhook("user.init_sync_auth", &json!({}))
        .await
        .unwrap();
    assert_eq!(r["success"], false);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .starts_with("Batch sync stopped: the auth center rejected"),
        "{r}"
    );
}

#[tokio::test]
async fn unknown_columns_are_refused_before_any_row_is_read() {
    let (pool, _dir) = legacy_db().await;
    seed_users(&pool, 50, "$2b$04$hash").await;
    let emu = AigcEmulator::start().await;
    // A misspelt mapped column: SQLite would read "usrname" as the string 'usrname'.
    let misspelt =
        SqlAdapterConfig::new("users", &["usrname", "email"]).with_password_column("password_hash");
    let adapter = SqlAdapter::from_sqlite(pool.clone(), misspelt.clone()).unwrap();
    let e = adapter.count().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    assert!(
        e.message().contains(
            "table users: unknown column \"usrname\" (a mapped column); the table's columns \
             are: id, username, email, nickname, phone, password_hash, is_active"
        ),
        "{e}"
    );
    assert!(e.message().contains("legacy.db"), "names the database: {e}");
    let config = initial_config().with_mappings(vec![
        FieldMapping::new("username", "usrname").required(),
        FieldMapping::new("email", "email"),
    ]);
    let svc = UserSyncService::new(Arc::new(adapter), config, Some(client(&emu))).unwrap();
    for dry in [false, true] {
        let e = svc
            .initial_sync(&InitialSyncOptions::default().with_dry_run(dry), None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{e}");
    }
    assert_eq!(emu.calls("/sync/batch") + emu.calls("/sync/user"), 0);
    // A wrong key column and a wrong password column, with connect() too.
    let path = pool.connect_options().get_filename().display().to_string();
    for (cfg, needle) in [
        (table().with_key_column("uid"), "\"uid\" (the key column)"),
        (
            SqlAdapterConfig::new("users", &["username"]).with_password_column("passwd"),
            "\"passwd\" (the password column)",
        ),
        (
            SqlAdapterConfig::new("users", &["username"]).with_disabled_column("active", json!(0)),
            "\"active\" (the disabled column)",
        ),
    ] {
        let e = SqlAdapter::connect(&format!("sqlite://{path}"), cfg)
            .await
            .unwrap_err();
        assert!(e.message().contains(needle), "{e}");
    }
    // Field arguments are checked too: a name that is no column never reaches SQL.
    let ok = SqlAdapter::from_sqlite(pool.clone(), table()).unwrap();
    let e = ok.find_user("usrname", &json!("user1")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("no column \"usrname\""), "{e}");
    assert!(
        ok.find_user("USERNAME", &json!("user1"))
            .await
            .unwrap()
            .is_some()
    );
}
