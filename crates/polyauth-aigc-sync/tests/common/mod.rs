//! Shared by the CLI tests: legacy SQLite files, mapping files and running the binary.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use polyauth_testkit::aigc::AigcEmulator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use tempfile::TempDir;
use tokio::process::{Child, Command};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_aigc-legacy-sync");

/// The password hash every seeded user has (sent as it is, never checked by the emulator).
pub const HASH: &str = "$2b$04$abcdefghijklmnopqrstuu5s1Xyl3ZsZ4xtMDxHKAUFyiE2ZmQ1O2";

/// A correct mapping file for the [`Fixture`] table (without `database_url`).
pub const MAPPING: &str = r#"table = "users"
key_column = "id"
password_column = "password_hash"

[[mapping]]
auth = "username"
legacy = "login"
required = true

[[mapping]]
auth = "email"
legacy = "mail"

[[mapping]]
auth = "nickname"
legacy = "nick"
"#;

/// The legacy table of the tests.
pub const SCHEMA: &str = "CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login TEXT,
    mail TEXT,
    nick TEXT,
    password_hash TEXT
)";

static N: AtomicU64 = AtomicU64::new(0);

fn unique() -> u64 {
    N.fetch_add(1, Ordering::Relaxed)
}

/// A fresh directory (the binary's working directory) with a legacy SQLite file; the
/// directory is removed when the fixture drops.
pub struct Fixture {
    /// The directory.
    pub dir: TempDir,
    /// The SQLite file (with an empty `users` table).
    pub db: PathBuf,
}

impl Fixture {
    /// A new directory with `legacy.db` holding an empty [`SCHEMA`] table.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("legacy.db");
        let pool = open(&db, true).await;
        sqlx::query(SCHEMA).execute(&pool).await.unwrap();
        pool.close().await;
        Fixture { dir, db }
    }

    /// Writes a mapping file (`database_url` of this fixture's file first, then `text`) and
    /// returns its path.
    pub fn mapping(&self, text: &str) -> String {
        let path = self.dir.path().join(format!("sync-{}.toml", unique()));
        let url = format!("sqlite://{}", self.db.display());
        std::fs::write(&path, format!("database_url = {url:?}\n{text}")).unwrap();
        path.display().to_string()
    }

    /// Runs one statement on the legacy file.
    pub async fn exec(&self, sql: &str) {
        let pool = open(&self.db, false).await;
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn open(db: &std::path::Path, create: bool) -> SqlitePool {
    let opts = SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(create);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .unwrap()
}

/// Adds `n` users `user1`..`userN` (`userK@example.com`, `User K`, [`HASH`]).
pub async fn seed(db: &std::path::Path, n: u32) {
    let pool = open(db, false).await;
    sqlx::query(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1)
         INSERT INTO users (login, mail, nick, password_hash)
         SELECT 'user' || x, 'user' || x || '@example.com', 'User ' || x, ?2 FROM c",
    )
    .bind(n)
    .bind(HASH)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

/// The auth-center variables for `emu`.
pub fn aigc_env(emu: &AigcEmulator) -> Vec<(String, String)> {
    vec![
        ("AIGC_AUTH_APP_ID".into(), emu.app_id().into()),
        ("AIGC_AUTH_APP_SECRET".into(), emu.app_secret().into()),
        ("AIGC_AUTH_BASE_URL".into(), emu.base_url()),
        ("AIGC_AUTH_TIMEOUT_SECONDS".into(), "10".into()),
    ]
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// What a run of the binary printed and returned.
#[derive(Debug)]
pub struct Output {
    /// The exit status (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Starts the binary in `fx.dir` with `args` and `env`, and none of the caller's AIGC,
/// legacy-database or `RUST_LOG` variables.
pub fn spawn(fx: &Fixture, args: &[&str], env: &[(String, String)]) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(fx.dir.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, _) in std::env::vars() {
        if k.starts_with("AIGC_") || k.starts_with("LEGACY_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd.spawn().unwrap()
}

/// Waits (at most 2 minutes) for a spawned binary.
pub async fn finish(child: Child) -> Output {
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("the binary ran for more than 2 minutes")
        .unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary to its end.
pub async fn run(fx: &Fixture, args: &[&str], env: &[(String, String)]) -> Output {
    finish(spawn(fx, args, env)).await
}
