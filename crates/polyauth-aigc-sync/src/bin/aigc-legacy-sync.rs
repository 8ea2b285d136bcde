//! `aigc-legacy-sync`: copies the users of a legacy SQL table to the AIGC auth center
//! (feature `cli` of `polyauth-aigc-sync`).
//!
//! ```text
//! aigc-legacy-sync --mapping sync.toml [--database-url sqlite://legacy.db] [--dry-run]
//!                  [--batch-size 100] [--concurrency 4] [--page-size 500]
//!                  [--max-network-failures 10]
//! ```
//!
//! The auth center comes from the environment (`AIGC_AUTH_APP_ID`, `AIGC_AUTH_APP_SECRET`,
//! `AIGC_AUTH_BASE_URL`, or a `.env` file); a dry run needs none. Before any row is read, the
//! table and every column the mapping file names (mapped columns, `key_column`,
//! `password_column`) are checked against the real table, in a dry run too.
//!
//! Exit status:
//! - 0: every user was created or already existed;
//! - 1: some users failed (listed; the others were synced);
//! - 2: the sync could not run (mapping file, database, a table or column that does not exist,
//!   auth-center configuration); nothing was sent;
//! - 3: a systemic failure stopped the sync (the auth center rejected the application's
//!   credentials, or `--max-network-failures` calls in a row failed); the summary says what
//!   was done, and running the same command again resumes (users already in the auth center
//!   are skipped).
//!
//! Logs go to standard error through `tracing`, filtered by `RUST_LOG` (default `warn`; e.g.
//! `RUST_LOG=info` or `RUST_LOG=polyauth_aigc_sync=debug`); the progress bar stays.
//!
//! The mapping file (TOML):
//!
//! ```toml
//! database_url = "sqlite://legacy.db"    # or --database-url / LEGACY_DATABASE_URL
//! table = "users"
//! key_column = "id"                     # keyset pagination column (default "id")
//! password_column = "password_hash"     # bcrypt hashes, sent as password_hashed
//! unique_field = "username"             # default "username"
//!
//! [[mapping]]
//! auth = "username"
//! legacy = "login"
//! required = true
//! to_auth = "lowercase"
//!
//! [[mapping]]
//! auth = "email"
//! legacy = "mail"
//! ```
//!
//! Without a `password_column`, every user gets the unified password from
//! `AIGC_SYNC_UNIFIED_PASSWORD`.

#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use polyauth_aigc::AigcClient;
use polyauth_aigc_sync::{
    DEFAULT_MAX_CONSECUTIVE_FAILURES, FieldMapping, FieldMappingSpec, InitialSyncOptions,
    InitialSyncReport, SqlAdapter, SqlAdapterConfig, StopReason, SyncConfig, SyncDirection,
    SyncProgress, UserSyncService,
};
use polyauth_core::env::Env;
use polyauth_core::{Error, Password, Result};
use serde::Deserialize;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Some users failed; the others were synced.
const EXIT_USERS_FAILED: u8 = 1;
/// The sync could not run; nothing was sent.
const EXIT_CANNOT_RUN: u8 = 2;
/// A systemic failure stopped the sync; a re-run resumes.
const EXIT_STOPPED: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "aigc-legacy-sync",
    about = "Copy legacy SQL users to the AIGC auth center",
    after_help = "Exit status: 0 all synced, 1 some users failed, 2 could not run (nothing sent), \
                  3 stopped by a systemic failure (re-run to resume). Logs: RUST_LOG."
)]
struct Args {
    /// The TOML mapping file.
    #[arg(long)]
    mapping: PathBuf,
    /// The legacy database URL (sqlite:... or postgres://...); overrides the file.
    #[arg(long)]
    database_url: Option<String>,
    /// Read, check and map every user, send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Users per /sync/batch call (1..=100).
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Batch calls in flight.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Legacy rows read per page.
    #[arg(long, default_value_t = 500)]
    page_size: usize,
    /// Calls to the auth center failing in a row (no answer) that stop the sync (exit 3).
    #[arg(long, default_value_t = DEFAULT_MAX_CONSECUTIVE_FAILURES,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_network_failures: u32,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    database_url: Option<String>,
    table: String,
    #[serde(default = "default_key")]
    key_column: String,
    password_column: Option<String>,
    #[serde(default = "default_unique")]
    unique_field: String,
    mapping: Vec<FieldMappingSpec>,
}

fn default_key() -> String {
    "id".to_owned()
}

fn default_unique() -> String {
    "username".to_owned()
}

/// Standard error, with the progress bar cleared while a log line is written.
#[derive(Clone)]
struct LogWriter(ProgressBar);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.suspend(|| std::io::stderr().write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Logs to standard error, filtered by `RUST_LOG` (default `warn`).
fn init_tracing(bar: &ProgressBar) {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::WARN.into())
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LogWriter(bar.clone()))
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let bar = ProgressBar::new(0);
    init_tracing(&bar);
    match run(args, &bar).await {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            bar.finish_and_clear();
            eprintln!("aigc-legacy-sync: {e}");
            eprintln!("aigc-legacy-sync: nothing was sent to the auth center");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

async fn run(args: Args, bar: &ProgressBar) -> Result<u8> {
    let text = std::fs::read_to_string(&args.mapping).map_err(|e| {
        Error::config(format!(
            "cannot read the mapping file {}: {e}",
            args.mapping.display()
        ))
    })?;
    let file: MappingFile = toml::from_str(&text)
        .map_err(|e| Error::config(format!("{}: {e}", args.mapping.display())))?;
    let env = Env::dotenv()?;
    let url = args
        .database_url
        .or_else(|| env.get("LEGACY_DATABASE_URL"))
        .or(file.database_url)
        .ok_or_else(|| {
            Error::config(
                "no database URL (--database-url, LEGACY_DATABASE_URL or database_url in the \
                 mapping file)",
            )
        })?;
    let mappings = file
        .mapping
        .into_iter()
        .map(FieldMappingSpec::into_mapping)
        .collect::<Result<Vec<FieldMapping>>>()
        .map_err(|e| Error::config(format!("{}: {}", args.mapping.display(), e.message())))?;
    let mut columns: Vec<&str> = mappings.iter().map(|m| m.legacy_field.as_str()).collect();
    columns.sort_unstable();
    columns.dedup();
    let table_name = file.table.clone();
    let mut table = SqlAdapterConfig::new(file.table, &columns).with_key_column(file.key_column);
    let mut sync = SyncConfig::new(SyncDirection::LegacyToAuth)
        .with_mappings(mappings)
        .with_unique_field(file.unique_field);
    match file.password_column {
        Some(col) => {
            table = table.with_password_column(col);
            sync = sync.with_custom_passwords(None, true);
        }
        None => {
            let p = env.secret("AIGC_SYNC_UNIFIED_PASSWORD").ok_or_else(|| {
                Error::config("no password_column and no AIGC_SYNC_UNIFIED_PASSWORD")
            })?;
            sync = sync.with_unified_password(Password::new(p.expose_secret()));
        }
    }
    // Connecting checks the table and every configured column against the database.
    let adapter = SqlAdapter::connect(&url, table).await?;
    let total = adapter.count().await?;
    tracing::info!(
        database = adapter.database(),
        table = %table_name,
        rows = total,
        "legacy table checked"
    );
    let client = if args.dry_run {
        None
    } else {
        let c = AigcClient::from_env_with(&env)?;
        tracing::info!(base_url = %c.config().base_url, app_id = c.app_id(), "auth center");
        Some(c)
    };
    let service = UserSyncService::new(Arc::new(adapter), sync, client)?;
    bar.set_length(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} read  {msg}",
        )
        .map_err(|e| Error::config(e.to_string()))?,
    );
    let progress_bar = bar.clone();
    let progress = move |p: &SyncProgress| {
        progress_bar.set_position(p.read);
        progress_bar.set_message(format!(
            "{} created, {} skipped, {} failed",
            p.created, p.skipped, p.failed
        ));
    };
    let options = InitialSyncOptions::default()
        .with_batch_size(args.batch_size)
        .with_concurrency(args.concurrency)
        .with_page_size(args.page_size)
        .with_dry_run(args.dry_run)
        .with_max_consecutive_failures(args.max_network_failures);
    let report = service.initial_sync(&options, Some(&progress)).await;
    bar.finish_and_clear();
    let report = report?;
    print_summary(&report, total);
    if let Some(stop) = &report.stopped {
        eprintln!("aigc-legacy-sync: stopped: {stop}");
        let hint = match stop.reason {
            StopReason::AuthRejected => "check AIGC_AUTH_APP_ID and AIGC_AUTH_APP_SECRET",
            _ => "check AIGC_AUTH_BASE_URL and that the auth center is up",
        };
        eprintln!(
            "aigc-legacy-sync: nothing more was sent; {hint}, then run the same command again: \
             users already in the auth center are skipped"
        );
        return Ok(EXIT_STOPPED);
    }
    Ok(if report.failed > 0 {
        EXIT_USERS_FAILED
    } else {
        0
    })
}

fn print_summary(report: &InitialSyncReport, total: u64) {
    if report.dry_run {
        println!(
            "dry run: {} users read, {} ready to sync, {} failed",
            report.total, report.prepared, report.failed
        );
    } else if report.stopped.is_some() {
        println!(
            "stopped after reading {} of {total} users: {} created, {} already present, {} failed, \
             {} not sent",
            report.total, report.created, report.skipped, report.failed, report.not_sent
        );
    } else {
        println!(
            "{} users read: {} created, {} already present, {} failed ({} batch calls replayed per user)",
            report.total, report.created, report.skipped, report.failed, report.batch_fallbacks
        );
    }
    for e in report.errors.iter().take(50) {
        println!("  failed: {}: {}", e.user, e.error);
    }
    if report.errors.len() > 50 {
        println!("  ... and {} more", report.errors.len() - 50);
    }
}
