//! The `aigc-legacy-sync` binary end to end: real SQLite files, the AIGC emulator on loopback
//! as the auth center, exit codes, standard output and standard error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Fixture, MAPPING, aigc_env, closed_port, run, seed};
use polyauth_testkit::aigc::AigcEmulator;
use polyauth_testkit::server::{Fault, FaultKind};

const USERS: u32 = 5_000;

#[tokio::test(flavor = "multi_thread")]
async fn syncs_every_user_then_a_rerun_skips_them_all() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    let emu = AigcEmulator::start().await;
    let mapping = fx.mapping(MAPPING);
    let r = run(&fx, &["--mapping", &mapping], &aigc_env(&emu)).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("5000 users read: 5000 created, 0 already present, 0 failed"),
        "{r:?}"
    );
    assert_eq!(emu.user_count(), 5_000);
    let u = emu.user("user4321").unwrap();
    assert_eq!(u.email.as_deref(), Some("user4321@example.com"));
    assert_eq!(u.nickname.as_deref(), Some("User 4321"));
    assert_eq!(
        emu.synced_password("user4321"),
        Some(("password_hashed".to_owned(), common::HASH.to_owned()))
    );
    let again = run(&fx, &["--mapping", &mapping], &aigc_env(&emu)).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again
            .stdout
            .contains("5000 users read: 0 created, 5000 already present, 0 failed"),
        "{again:?}"
    );
    assert_eq!(emu.user_count(), 5_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dry_run_reads_and_maps_every_user_and_sends_nothing() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    let emu = AigcEmulator::start().await;
    let mapping = fx.mapping(MAPPING);
    let r = run(&fx, &["--mapping", &mapping, "--dry-run"], &aigc_env(&emu)).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("dry run: 5000 users read, 5000 ready to sync, 0 failed"),
        "{r:?}"
    );
    assert_eq!(emu.calls("/sync/batch") + emu.calls("/sync/user"), 0);
    // Without any auth-center configuration at all.
    let r = run(&fx, &["--mapping", &mapping, "--dry-run"], &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
}

/// A run and a dry run of `mapping`: both exit 2 before reading a row, with `needles` in the
/// error, nothing on standard output and nothing sent.
async fn refused(fx: &Fixture, mapping: &str, needles: &[&str]) {
    let emu = AigcEmulator::start().await;
    let mapping = fx.mapping(mapping);
    for dry in [false, true] {
        let mut args = vec!["--mapping", mapping.as_str()];
        if dry {
            args.push("--dry-run");
        }
        let r = run(fx, &args, &aigc_env(&emu)).await;
        assert_eq!(r.code, 2, "dry run {dry}: {r:?}");
        for n in needles {
            assert!(r.stderr.contains(n), "dry run {dry}: {n:?} missing: {r:?}");
        }
        assert!(r.stdout.is_empty(), "no summary: {r:?}");
    }
    assert_eq!(emu.calls("/sync/batch") + emu.calls("/sync/user"), 0);
    assert_eq!(emu.user_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misspelt_mapped_column_is_refused_before_any_row_is_read() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    // SQLite reads the quoted unknown identifier "loginname" as the string 'loginname': the
    // old tool created one user literally named loginname.
    let db = fx.db.display().to_string();
    refused(
        &fx,
        &MAPPING.replace("legacy = \"login\"", "legacy = \"loginname\""),
        &[
            "unknown column \"loginname\" (a mapped column)",
            "the table's columns are: id, login, mail, nick, password_hash",
            &format!("legacy database {db}, table users"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_column_is_refused() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    refused(
        &fx,
        &MAPPING.replace("key_column = \"id\"", "key_column = \"uid\""),
        &["unknown column \"uid\" (the key column)", "id, login, mail"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_column_is_refused_by_the_dry_run_too() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    refused(
        &fx,
        &MAPPING.replace("\"password_hash\"", "\"passwd\""),
        &["unknown column \"passwd\" (the password column)"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn several_mistakes_are_named_together_and_a_missing_table_lists_the_tables() {
    let fx = Fixture::new().await;
    seed(&fx.db, 10).await;
    refused(
        &fx,
        &MAPPING
            .replace("legacy = \"mail\"", "legacy = \"email\"")
            .replace("key_column = \"id\"", "key_column = \"uid\""),
        &[
            "unknown columns \"uid\" (the key column), \"email\" (a mapped column)",
            "id, login, mail, nick, password_hash",
        ],
    )
    .await;
    refused(
        &fx,
        &MAPPING.replace("table = \"users\"", "table = \"user\""),
        &["no table \"user\"; its tables are: users"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_database_file_is_named_with_the_cause() {
    let fx = Fixture::new().await;
    let missing = fx.dir.path().join("no-such-dir").join("legacy.db");
    let url = format!("sqlite://{}", missing.display());
    let mapping = fx.mapping(MAPPING);
    let r = run(
        &fx,
        &["--mapping", &mapping, "--database-url", &url, "--dry-run"],
        &[],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "legacy database {}: cannot open it: the file does not exist",
            missing.display()
        )),
        "{r:?}"
    );
    // A relative path is shown absolute.
    let r = run(
        &fx,
        &["--mapping", &mapping, "--database-url", "sqlite://gone.db"],
        &[],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "{}: cannot open it",
            fx.dir.path().join("gone.db").display()
        )),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_url_is_shown_without_its_password() {
    let fx = Fixture::new().await;
    let port = closed_port();
    let url = format!("postgres://app:hunter2@127.0.0.1:{port}/legacy");
    let mapping = fx.mapping(MAPPING);
    let r = run(
        &fx,
        &["--mapping", &mapping, "--database-url", &url, "--dry-run"],
        &[],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "legacy database postgres://app@127.0.0.1:{port}/legacy: cannot connect"
        )),
        "{r:?}"
    );
    assert!(
        r.stderr.to_lowercase().contains("refused"),
        "the cause: {r:?}"
    );
    assert!(!r.stderr.contains("hunter2"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_app_secret_stops_at_once_with_exit_3() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    let emu = AigcEmulator::start().await;
    let mut env = aigc_env(&emu);
    env.retain(|(k, _)| k != "AIGC_AUTH_APP_SECRET");
    env.push(("AIGC_AUTH_APP_SECRET".into(), "not-the-secret".into()));
    let mapping = fx.mapping(MAPPING);
    let r = run(&fx, &["--mapping", &mapping], &env).await;
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr
            .contains("stopped: the auth center rejected the application's credentials"),
        "{r:?}"
    );
    assert!(r.stderr.contains("AIGC_AUTH_APP_SECRET"), "a hint: {r:?}");
    assert!(r.stdout.contains("stopped after reading"), "{r:?}");
    assert!(
        r.stdout.contains("0 created, 0 already present, 0 failed"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("failed:"), "no per-user failures: {r:?}");
    // At most one batch call per slot in flight; no per-user replay.
    assert!(
        emu.calls("/sync/batch") <= 4,
        "{}",
        emu.calls("/sync/batch")
    );
    assert_eq!(emu.calls("/sync/user"), 0);
    assert_eq!(emu.user_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_auth_center_stops_after_consecutive_failures_with_exit_3() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    let base = format!("http://127.0.0.1:{}", closed_port());
    let env = vec![
        ("AIGC_AUTH_APP_ID".to_owned(), "1001".to_owned()),
        ("AIGC_AUTH_APP_SECRET".to_owned(), "secret".to_owned()),
        ("AIGC_AUTH_BASE_URL".to_owned(), base),
    ];
    let mapping = fx.mapping(MAPPING);
    let r = run(&fx, &["--mapping", &mapping], &env).await;
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr
            .contains("stopped: 10 calls in a row to the auth center failed"),
        "{r:?}"
    );
    assert!(r.stderr.contains("AIGC_AUTH_BASE_URL"), "a hint: {r:?}");
    let failures = r.stdout.matches("  failed: ").count();
    // At most the limit, plus calls of other batches already in flight at the stop.
    assert!(failures < 20, "not one failure per user: {failures}: {r:?}");
    // Configurable.
    let r = run(
        &fx,
        &[
            "--mapping",
            &mapping,
            "--max-network-failures",
            "3",
            "--concurrency",
            "1",
        ],
        &env,
    )
    .await;
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("3 calls in a row"), "{r:?}");
    assert!(r.stdout.matches("  failed: ").count() <= 2, "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn per_user_failures_stay_per_user_with_exit_1() {
    let fx = Fixture::new().await;
    seed(&fx.db, 300).await;
    fx.exec("INSERT INTO users (login, mail, password_hash) VALUES (NULL, 'x@example.com', 'h')")
        .await;
    fx.exec("INSERT INTO users (login, mail, password_hash) VALUES ('nopassword', 'y@example.com', NULL)")
        .await;
    let emu = AigcEmulator::start().await;
    let mapping = fx.mapping(MAPPING);
    let r = run(&fx, &["--mapping", &mapping], &aigc_env(&emu)).await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .contains("302 users read: 300 created, 0 already present, 2 failed"),
        "{r:?}"
    );
    assert!(r.stdout.contains("failed: nopassword: "), "{r:?}");
    assert_eq!(emu.user_count(), 300);
    // The dry run reports them too, and says so in its exit status.
    let r = run(&fx, &["--mapping", &mapping, "--dry-run"], &[]).await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .contains("302 users read, 300 ready to sync, 2 failed"),
        "{r:?}"
    );
}

/// Waits until the emulator holds at least `n` users.
async fn until_users(emu: &AigcEmulator, n: usize) {
    for _ in 0..600 {
        if emu.user_count() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the emulator never held {n} users ({})", emu.user_count());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_stopped_by_an_outage_resumes_on_a_rerun() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    let emu = AigcEmulator::start().await;
    // Slow batches, so the outage starts mid-run.
    emu.server().inject(
        Fault::new(FaultKind::Delay(Duration::from_millis(40)))
            .on_path(AigcEmulator::path("/sync/batch")),
    );
    let mapping = fx.mapping(MAPPING);
    let child = common::spawn(
        &fx,
        &["--mapping", &mapping, "--concurrency", "1"],
        &aigc_env(&emu),
    );
    until_users(&emu, 1_000).await;
    emu.server().clear_faults();
    emu.server().inject(Fault::status(503));
    let r = common::finish(child).await;
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("10 calls in a row"), "{r:?}");
    let done = emu.user_count();
    assert!((1_000..5_000).contains(&done), "{done}");
    assert!(
        r.stdout
            .contains(&format!("{done} created, 0 already present")),
        "the summary says what was done: {r:?}"
    );
    emu.server().clear_faults();
    let again = run(&fx, &["--mapping", &mapping], &aigc_env(&emu)).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains(&format!(
            "5000 users read: {} created, {done} already present, 0 failed",
            5_000 - done
        )),
        "{again:?}"
    );
    assert_eq!(emu.user_count(), 5_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_run_resumes_on_a_rerun() {
    let fx = Fixture::new().await;
    seed(&fx.db, USERS).await;
    let emu = AigcEmulator::start().await;
    emu.server().inject(
        Fault::new(FaultKind::Delay(Duration::from_millis(40)))
            .on_path(AigcEmulator::path("/sync/batch")),
    );
    let mapping = fx.mapping(MAPPING);
    let mut child = common::spawn(
        &fx,
        &["--mapping", &mapping, "--concurrency", "2"],
        &aigc_env(&emu),
    );
    until_users(&emu, 500).await;
    child.kill().await.unwrap();
    emu.server().clear_faults();
    // A batch the server was delaying may still land: wait until the count settles.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let done = emu.user_count();
    assert!(done < 5_000);
    let again = run(&fx, &["--mapping", &mapping], &aigc_env(&emu)).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains(&format!(
            "5000 users read: {} created, {done} already present, 0 failed",
            5_000 - done
        )),
        "{again:?}"
    );
    assert_eq!(emu.user_count(), 5_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn rust_log_is_honoured_and_the_default_is_quiet() {
    let fx = Fixture::new().await;
    seed(&fx.db, 1_200).await;
    let mapping = fx.mapping(MAPPING);
    let args = ["--mapping", mapping.as_str(), "--dry-run"];
    let quiet = run(&fx, &args, &[]).await;
    assert_eq!(quiet.code, 0, "{quiet:?}");
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
    let info = run(&fx, &args, &[("RUST_LOG".into(), "info".into())]).await;
    assert_eq!(info.code, 0, "{info:?}");
    assert!(info.stderr.contains("INFO"), "{info:?}");
    assert!(info.stderr.contains("legacy table checked"), "{info:?}");
    assert!(info.stderr.contains("rows=1200"), "{info:?}");
    assert!(
        !info.stderr.contains("read a page of legacy users"),
        "{info:?}"
    );
    let debug = run(
        &fx,
        &args,
        &[("RUST_LOG".into(), "polyauth_aigc_sync=debug".into())],
    )
    .await;
    assert_eq!(debug.code, 0, "{debug:?}");
    assert_eq!(
        debug.stderr.matches("read a page of legacy users").count(),
        3,
        "pages of 500, 500 and 200: {debug:?}"
    );
    assert!(
        debug.stderr.contains("every configured column exists"),
        "{debug:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_and_mapping_file_errors_exit_2() {
    let fx = Fixture::new().await;
    let r = run(&fx, &["--mapping", "missing.toml", "--dry-run"], &[]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("cannot read the mapping file missing.toml"),
        "{r:?}"
    );
    let bad = fx.mapping("table = 'users'\nbogus = 1\n");
    let r = run(&fx, &["--mapping", &bad, "--dry-run"], &[]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("bogus"), "{r:?}");
    let r = run(
        &fx,
        &["--mapping", &bad, "--max-network-failures", "0"],
        &[],
    )
    .await;
    assert_eq!(r.code, 2, "{r:?}");
}
