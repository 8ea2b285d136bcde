//! `aigc-legacy-sync`: copies the users of a legacy SQL table to the AIGC auth center
//! (feature `cli` of `polyauth-aigc-sync`).
//!
//! ```text
//! aigc-legacy-sync --mapping sync.toml [--database-url sqlite://legacy.db] [--dry-run]
//!                  [--batch-size 100] [--concurrency 4] [--page-size 500]
//! ```
//!
//! The auth center comes from the environment (`AIGC_AUTH_APP_ID`, `AIGC_AUTH_APP_SECRET`,
//! `AIGC_AUTH_BASE_URL`, or a `.env` file); a dry run needs none. Exit status: 0 when every
//! user was created or already existed, 1 when any user failed, 2 when the sync could not run.
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

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use polyauth_aigc::AigcClient;
use polyauth_aigc_sync::{
    FieldMapping, FieldMappingSpec, InitialSyncOptions, SqlAdapter, SqlAdapterConfig, SyncConfig,
    SyncDirection, SyncProgress, UserSyncService,
};
use polyauth_core::env::Env;
use polyauth_core::{Error, Password, Result};
use serde::Deserialize;

#[derive(Parser, Debug)]
#[command(
    name = "aigc-legacy-sync",
    about = "Copy legacy SQL users to the AIGC auth center"
)]
struct Args {
    /// The TOML mapping file.
    #[arg(long)]
    mapping: PathBuf,
    /// The legacy database URL (sqlite:... or postgres://...); overrides the file.
    #[arg(long)]
    database_url: Option<String>,
    /// Read and map every user, send nothing.
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

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("aigc-legacy-sync: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<u64> {
    let text = std::fs::read_to_string(&args.mapping)
        .map_err(|e| Error::config(format!("cannot read {}: {e}", args.mapping.display())))?;
    let file: MappingFile = toml::from_str(&text)
        .map_err(|e| Error::config(format!("{}: {e}", args.mapping.display())))?;
    let env = Env::dotenv()?;
    let url = args
        .database_url
        .or_else(|| env.get("LEGACY_DATABASE_URL"))
        .or(file.database_url)
        .ok_or_else(|| Error::config("no database URL (--database-url or database_url)"))?;
    let mappings = file
        .mapping
        .into_iter()
        .map(FieldMappingSpec::into_mapping)
        .collect::<Result<Vec<FieldMapping>>>()?;
    let mut columns: Vec<&str> = mappings.iter().map(|m| m.legacy_field.as_str()).collect();
    columns.sort_unstable();
    columns.dedup();
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
    let adapter = SqlAdapter::connect(&url, table).await?;
    let total = adapter.count().await?;
    let client = if args.dry_run {
        None
    } else {
        Some(AigcClient::from_env_with(&env)?)
    };
    let service = UserSyncService::new(Arc::new(adapter), sync, client)?;
    let bar = ProgressBar::new(total);
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
        .with_dry_run(args.dry_run);
    let report = service.initial_sync(&options, Some(&progress)).await;
    bar.finish_and_clear();
    let report = report?;
    if report.dry_run {
        println!(
            "dry run: {} users read, {} ready to sync, {} failed",
            report.total, report.prepared, report.failed
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
    Ok(report.failed)
}
