//! The Postgres path of `SqlAdapter` and of the `aigc-legacy-sync` binary, against a real
//! PostgreSQL server: `POLYAUTH_TEST_POSTGRES_URL` (scripts/test.sh starts a throwaway one).
//! Every test fails, never skips, without it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{Fixture, HASH, MAPPING, aigc_env, run};
use polyauth_aigc::{AigcClient, AigcConfig};
use polyauth_aigc_sync::{
    InitialSyncOptions, LegacySystemAdapter, SqlAdapter, SqlAdapterConfig, SyncConfig,
    SyncDirection, UserSyncService,
};
use polyauth_core::{ClientSecret, ErrorKind, Password, UserProfile};
use polyauth_testkit::aigc::AigcEmulator;
use serde_json::json;
use sqlx::postgres::{PgPool, PgPoolOptions};

fn url() -> String {
    std::env::var("POLYAUTH_TEST_POSTGRES_URL").expect(
        "POLYAUTH_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which \
         starts a throwaway PostgreSQL (or point it at a database the tests may create tables in)",
    )
}

/// A table of its own for one test (dropped at the end of the test when it passes).
struct Table {
    pool: PgPool,
    name: String,
}

impl Table {
    async fn new(seed: u32) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "legacy_users_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect(&url())
            .await
            .unwrap();
        sqlx::query(&format!("DROP TABLE IF EXISTS {name}"))
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(&format!(
            "CREATE TABLE {name} (
                id BIGSERIAL PRIMARY KEY,
                login TEXT UNIQUE,
                mail TEXT,
                nick TEXT,
                password_hash TEXT,
                active INTEGER NOT NULL DEFAULT 1
            )"
        ))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(&format!(
            "INSERT INTO {name} (login, mail, nick, password_hash)
             SELECT 'user' || x, 'user' || x || '@example.com', 'User ' || x, $1
             FROM generate_series(1, $2) AS x"
        ))
        .bind(HASH)
        .bind(i64::from(seed))
        .execute(&pool)
        .await
        .unwrap();
        Table { pool, name }
    }

    fn config(&self) -> SqlAdapterConfig {
        SqlAdapterConfig::new(&self.name, &["login", "mail", "nick", "active"])
            .with_password_column("password_hash")
            .with_disabled_column("active", json!(0))
            .with_bcrypt_cost(4)
    }

    async fn drop_table(self) {
        sqlx::query(&format!("DROP TABLE {}", self.name))
            .execute(&self.pool)
            .await
            .unwrap();
    }
}

fn mappings() -> Vec<polyauth_aigc_sync::FieldMapping> {
    use polyauth_aigc_sync::FieldMapping;
    vec![
        FieldMapping::new("username", "login").required(),
        FieldMapping::new("email", "mail"),
        FieldMapping::new("nickname", "nick"),
    ]
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

#[tokio::test(flavor = "multi_thread")]
async fn postgres_columns_are_checked_against_information_schema() {
    let t = Table::new(3).await;
    // connect() checks at once, naming every unknown column and listing the real ones.
    let bad = SqlAdapterConfig::new(&t.name, &["loginname", "mail"])
        .with_key_column("uid")
        .with_password_column("password_hash");
    let e = SqlAdapter::connect(&url(), bad.clone()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    let msg = e.message();
    assert!(
        msg.contains(&format!("table {}: unknown columns", t.name)),
        "{msg}"
    );
    assert!(
        msg.contains("\"uid\" (the key column), \"loginname\" (a mapped column)"),
        "{msg}"
    );
    assert!(
        msg.contains("the table's columns are: id, login, mail, nick, password_hash, active"),
        "{msg}"
    );
    assert!(msg.contains("postgres://postgres@127.0.0.1:"), "{msg}");
    // Postgres compares quoted identifiers exactly.
    let e = SqlAdapter::connect(&url(), SqlAdapterConfig::new(&t.name, &["Login"]))
        .await
        .unwrap_err();
    assert!(e.message().contains("\"Login\" (a mapped column)"), "{e}");
    // A table that does not exist.
    let e = SqlAdapter::connect(&url(), SqlAdapterConfig::new("no_such_table", &["login"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    assert!(e.message().contains("no table \"no_such_table\""), "{e}");
    assert!(e.message().contains(&t.name), "lists the tables: {e}");
    // from_postgres checks on first use: nothing is read with an unchecked name.
    let lazy = SqlAdapter::from_postgres(t.pool.clone(), bad).unwrap();
    let e = lazy.fetch_page(None, 10).await.unwrap_err();
    assert!(e.message().contains("\"loginname\""), "{e}");
    let ok = SqlAdapter::from_postgres(t.pool.clone(), t.config()).unwrap();
    assert_eq!(ok.check_schema().await.unwrap().len(), 6);
    // A field argument that is no column of the table is refused, not interpolated.
    let e = ok
        .find_user("loginname", &json!("user1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("no column \"loginname\""), "{e}");
    assert_eq!(ok.count().await.unwrap(), 3);
    t.drop_table().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_initial_sync_then_a_rerun_skips_everyone() {
    let t = Table::new(1_234).await;
    let adapter = SqlAdapter::connect(&url(), t.config()).await.unwrap();
    let emu = AigcEmulator::start().await;
    let config = SyncConfig::new(SyncDirection::LegacyToAuth)
        .with_mappings(mappings())
        .with_custom_passwords(None, true);
    let svc = UserSyncService::new(Arc::new(adapter), config, Some(client(&emu))).unwrap();
    let opts = InitialSyncOptions::default().with_page_size(200);
    let rep = svc.initial_sync(&opts, None).await.unwrap();
    assert_eq!(
        (rep.total, rep.created, rep.skipped, rep.failed),
        (1_234, 1_234, 0, 0),
        "{:?}",
        rep.errors
    );
    assert!(rep.stopped.is_none());
    assert_eq!(emu.user_count(), 1_234);
    assert_eq!(
        emu.synced_password("user1000"),
        Some(("password_hashed".to_owned(), HASH.to_owned()))
    );
    assert_eq!(
        emu.user("user77").unwrap().email.as_deref(),
        Some("user77@example.com")
    );
    let again = svc.initial_sync(&opts, None).await.unwrap();
    assert_eq!((again.created, again.skipped), (0, 1_234));
    t.drop_table().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_sync_on_login_creates_updates_and_disables() {
    let t = Table::new(0).await;
    let adapter = SqlAdapter::connect(&url(), t.config()).await.unwrap();
    let config = SyncConfig::new(SyncDirection::Bidirectional)
        .with_mappings(mappings())
        .with_unified_password(Password::new("Init@2024"));
    let svc = UserSyncService::new(Arc::new(adapter), config, None).unwrap();
    let mut alice = UserProfile::new("aigc", "7").with_username("alice");
    alice.email = Some("alice@example.com".into());
    let r = svc.sync_on_login(&alice).await.unwrap();
    assert_eq!(r["message"], "User created");
    let (id, mail, hash, active): (i64, Option<String>, Option<String>, i32) =
        sqlx::query_as(&format!(
            "SELECT id, mail, password_hash, active FROM {} WHERE login = 'alice'",
            t.name
        ))
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(r["legacy_user_id"], json!(id));
    assert_eq!(mail.as_deref(), Some("alice@example.com"));
    assert!(bcrypt::verify("Init@2024", hash.as_deref().unwrap()).unwrap());
    assert_eq!(active, 1);
    alice.email = Some("new@example.com".into());
    let r = svc.sync_on_login(&alice).await.unwrap();
    assert_eq!(r["updated_fields"], json!(["mail"]));
    let r = svc
        .handle_webhook("user.deleted", &json!({"username": "alice"}))
        .await
        .unwrap();
    assert_eq!(r["found"], true);
    let (mail, active): (Option<String>, i32) = sqlx::query_as(&format!(
        "SELECT mail, active FROM {} WHERE login = 'alice'",
        t.name
    ))
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!((mail.as_deref(), active), (Some("new@example.com"), 0));
    t.drop_table().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_syncs_a_postgres_table_and_refuses_a_misspelt_column() {
    let t = Table::new(2_500).await;
    let fx = Fixture::new().await;
    let emu = AigcEmulator::start().await;
    let mapping = MAPPING.replace("table = \"users\"", &format!("table = \"{}\"", t.name));
    let good = fx.mapping(&mapping);
    let pg = url();
    let r = run(
        &fx,
        &["--mapping", &good, "--database-url", &pg],
        &aigc_env(&emu),
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("2500 users read: 2500 created, 0 already present, 0 failed"),
        "{r:?}"
    );
    assert_eq!(emu.user_count(), 2_500);
    let bad = fx.mapping(&mapping.replace("legacy = \"login\"", "legacy = \"loginname\""));
    for dry in [false, true] {
        let mut args = vec!["--mapping", bad.as_str(), "--database-url", pg.as_str()];
        if dry {
            args.push("--dry-run");
        }
        let r = run(&fx, &args, &aigc_env(&emu)).await;
        assert_eq!(r.code, 2, "{r:?}");
        assert!(
            r.stderr.contains(&format!(
                "table {}: unknown column \"loginname\" (a mapped column); the table's columns \
                 are: id, login, mail, nick, password_hash, active",
                t.name
            )),
            "{r:?}"
        );
    }
    assert_eq!(emu.user_count(), 2_500);
    assert!(emu.user("loginname").is_none());
    t.drop_table().await;
}
