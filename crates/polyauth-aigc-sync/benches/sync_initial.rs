//! Initial legacy → auth sync of 100,000 SQLite users against the loopback AIGC emulator:
//! polyauth's batched sync (`/sync/batch`, 100 per call, 4 in flight) against a
//! one-call-per-user loop (`/sync/user`, the reference's `batch_sync_to_auth`), in one run.
//!
//! `cargo bench -p polyauth-aigc-sync --features sql --bench sync_initial`
//! (`POLYAUTH_SYNC_BENCH_USERS=20000` for a smaller table).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use polyauth_aigc::{AigcClient, AigcConfig};
use polyauth_aigc_sync::{
    InitialSyncOptions, LegacySystemAdapter, SqlAdapter, SqlAdapterConfig, SyncConfig,
    SyncDirection, UserSyncService,
};
use polyauth_core::ClientSecret;
use polyauth_testkit::aigc::AigcEmulator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

fn client(emu: &AigcEmulator) -> AigcClient {
    let c = AigcConfig::new(
        emu.app_id(),
        ClientSecret::new(emu.app_secret()),
        &emu.base_url(),
    )
    .unwrap()
    .with_timeout(Duration::from_secs(30));
    AigcClient::new(c).unwrap()
}

fn main() {
    let users: u32 = std::env::var("POLYAUTH_SYNC_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(users));
}

async fn run(users: u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.db");
    let opts = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(opts)
        .await
        .unwrap();
    sqlx::query(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT,
         nickname TEXT, password_hash TEXT)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let hash = bcrypt::hash("bench-password", 4).unwrap();
    sqlx::query(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1)
         INSERT INTO users (username, email, nickname, password_hash)
         SELECT 'user' || x, 'user' || x || '@example.com', 'User ' || x, ?2 FROM c",
    )
    .bind(users)
    .bind(&hash)
    .execute(&pool)
    .await
    .unwrap();
    let table = SqlAdapterConfig::new("users", &["username", "email", "nickname"])
        .with_password_column("password_hash");
    let adapter = Arc::new(SqlAdapter::from_sqlite(pool.clone(), table).unwrap());
    let config = SyncConfig::new(SyncDirection::LegacyToAuth).with_custom_passwords(None, true);
    println!("initial sync of {users} SQLite users against the loopback AIGC emulator");

    // polyauth: batched, bounded concurrency.
    let emu = AigcEmulator::start().await;
    let svc = UserSyncService::new(adapter.clone(), config.clone(), Some(client(&emu))).unwrap();
    let t = Instant::now();
    let rep = svc
        .initial_sync(&InitialSyncOptions::default(), None)
        .await
        .unwrap();
    let batched = t.elapsed();
    assert_eq!((rep.created, rep.failed), (u64::from(users), 0));
    let batched_rate = f64::from(users) / batched.as_secs_f64();
    println!(
        "polyauth batched (/sync/batch x100, 4 in flight): {:>8.2} s  {:>10.0} users/s  ({} calls)",
        batched.as_secs_f64(),
        batched_rate,
        emu.calls("/sync/batch")
    );

    // The reference's way: one /sync/user call per user, in order.
    let emu = AigcEmulator::start().await;
    let c = client(&emu);
    let svc = UserSyncService::new(adapter.clone(), config, None).unwrap();
    let t = Instant::now();
    let (mut created, mut cursor) = (0u64, None);
    loop {
        let page = adapter.fetch_page(cursor.as_ref(), 500).await.unwrap();
        for row in page.rows {
            let user = svc.prepare_auth_user(&row.unwrap()).unwrap();
            if c.sync_user_to_auth(&user, None).await.unwrap().created {
                created += 1;
            }
        }
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let single = t.elapsed();
    assert_eq!(created, u64::from(users));
    let single_rate = f64::from(users) / single.as_secs_f64();
    println!(
        "one call per user (/sync/user, reference):        {:>8.2} s  {:>10.0} users/s  ({} calls)",
        single.as_secs_f64(),
        single_rate,
        emu.calls("/sync/user")
    );
    println!("speed-up: {:.1}x", batched_rate / single_rate);
}
