//! The legacy-sync application: an axum app in front of a real SQLite "legacy" user table
//! (bcrypt password hashes), kept in step with the AIGC auth center.
//!
//! - `GET /health`: public.
//! - `GET /me` (AIGC token or access key): sync-on-login for the caller
//!   ([`UserSyncService::sync_on_login`]): the legacy row is created the first time, its
//!   mapped columns are updated when they changed at the auth center, the password hash is
//!   never touched. Answers the legacy row and what the sync did.
//! - `GET /legacy/users` (authenticated): every legacy row, without password hashes.
//! - `POST /webhook/auth`: `polyauth-aigc`'s signed webhook receiver
//!   ([`webhook_router`]) with the [`UserSyncService`] as handler: `user.created`,
//!   `user.updated`, `user.login` create or update the row, `user.deleted` disables it
//!   (`active = 0`), `user.init_sync_auth` copies the legacy table to the auth center.
//!
//! Passwords: users the auth center creates in the legacy table get the bcrypt hash of a
//! random password generated at start-up and never shown (nobody can use it: those users log
//! in through the auth center). The initial sync to the auth center sends each legacy user's
//! own bcrypt hash as `password_hashed`, so legacy passwords keep working there.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use polyauth::axum::CurrentUser;
use polyauth::env::Env;
use polyauth::{Error, IdentityProvider, Password, Result, UserProfile};
use polyauth_aigc::config::{ENV_APP_ID, ENV_APP_SECRET, ENV_BASE_URL};
use polyauth_aigc::web::auth_layer;
use polyauth_aigc::webhook::WebhookReceiverConfig;
use polyauth_aigc::webhook::receiver::webhook_router;
use polyauth_aigc::{AigcClient, AigcConfig};
use polyauth_aigc_sync::{
    FieldMapping, SqlAdapter, SqlAdapterConfig, SyncConfig, SyncDirection, UserSyncService,
    create_default_field_mappings,
};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

/// The variable naming the legacy SQLite database (`sqlite://path/to/users.db`), the same as
/// the `aigc-legacy-sync` tool reads.
pub const LEGACY_DB_URL_ENV: &str = "LEGACY_DATABASE_URL";

/// The name this example used before (still read when [`LEGACY_DB_URL_ENV`] is not set).
pub const LEGACY_DB_URL_ALIAS: &str = "LEGACY_DB_URL";

/// The path of the webhook receiver.
pub const WEBHOOK_PATH: &str = "/webhook/auth";

/// bcrypt cost used by this demo (seeded users and users created by the sync): 4, the
/// lowest bcrypt allows, so the demo and its tests are fast. **Demo only**: a real table
/// keeps its own cost (the sync's default is
/// [`DEFAULT_BCRYPT_COST`](polyauth_aigc_sync::DEFAULT_BCRYPT_COST) = 12).
pub const DEMO_BCRYPT_COST: u32 = 4;

/// The legacy table: `users(id, username, email, display_name, password_hash, active)`.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT,
    display_name TEXT,
    password_hash TEXT,
    active INTEGER NOT NULL DEFAULT 1
)";

/// A user seeded into the legacy table (a pre-existing account of the legacy system).
#[derive(Clone, Copy, Debug)]
pub struct SeedUser {
    /// Login name.
    pub username: &'static str,
    /// E-mail.
    pub email: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// The legacy password, stored as a bcrypt hash (a demo value).
    pub password: &'static str,
}

/// The demo's pre-existing legacy users. Their passwords are demo values.
pub const SEED_USERS: [SeedUser; 2] = [
    SeedUser {
        username: "alice",
        email: "alice@legacy.example",
        display_name: "Alice (legacy)",
        password: "alice-legacy-password",
    },
    SeedUser {
        username: "bob",
        email: "bob@legacy.example",
        display_name: "Bob (legacy)",
        password: "bob-legacy-password",
    },
];

/// A legacy row as the app shows it: every column except the password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LegacyRow {
    /// Primary key.
    pub id: i64,
    /// Login name (the unique field of the sync).
    pub username: String,
    /// E-mail.
    pub email: Option<String>,
    /// Display name (the auth center's `nickname`).
    pub display_name: Option<String>,
    /// False once the auth center deleted the user.
    pub active: bool,
}

const SELECT_ROW: &str = "SELECT id, username, email, display_name, active FROM users";

fn db_error(op: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::unavailable(format!("legacy database error while {op}")).with_source(e)
}

/// The AIGC client from `AIGC_AUTH_APP_ID`, `AIGC_AUTH_APP_SECRET` and `AIGC_AUTH_BASE_URL`
/// (and the optional `AIGC_AUTH_*` tuning variables), or `None` when none of the three is set.
///
/// Errors: `ConfigInvalid` naming the variable when only some are set or one is invalid.
pub fn aigc_client_from_env(env: &Env) -> Result<Option<AigcClient>> {
    if [ENV_APP_ID, ENV_APP_SECRET, ENV_BASE_URL]
        .iter()
        .all(|k| env.get(k).is_none())
    {
        return Ok(None);
    }
    AigcClient::new(AigcConfig::from_env(env)?).map(Some)
}

/// The default database file: `polyauth-legacy-sync.db` in the system temp directory.
pub fn default_db_path() -> PathBuf {
    std::env::temp_dir().join("polyauth-legacy-sync.db")
}

/// Where the legacy database is: `LEGACY_DATABASE_URL` (`sqlite://path`, `sqlite:path`; the
/// old name `LEGACY_DB_URL` is an alias) or [`default_db_path`]. The file is created when
/// missing.
///
/// Errors: `ConfigInvalid` for a URL sqlx cannot read.
pub fn db_options_from_env(env: &Env) -> Result<SqliteConnectOptions> {
    let options = match env
        .get(LEGACY_DB_URL_ENV)
        .or_else(|| env.get(LEGACY_DB_URL_ALIAS))
    {
        Some(url) => SqliteConnectOptions::from_str(&url).map_err(|e| {
            Error::config(format!("{LEGACY_DB_URL_ENV} is not a SQLite URL")).with_source(e)
        })?,
        None => SqliteConnectOptions::new().filename(default_db_path()),
    };
    Ok(options.create_if_missing(true))
}

/// Opens the legacy database and creates the `users` table when it does not exist.
///
/// Errors: `Unavailable` when the database cannot be opened or the table created.
pub async fn open_legacy_db(options: SqliteConnectOptions) -> Result<SqlitePool> {
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(db_error("opening the database"))?;
    sqlx::query(SCHEMA)
        .execute(&pool)
        .await
        .map_err(db_error("creating the users table"))?;
    Ok(pool)
}

/// Inserts the `users` not yet in the table (by username), their passwords bcrypt-hashed at
/// `cost` on the blocking pool, never on the async runtime. Returns how many were inserted.
///
/// Errors: `InvalidInput` for a bcrypt cost outside 4..=31; `Unavailable` for a database
/// error.
pub async fn seed_legacy_users(pool: &SqlitePool, users: &[SeedUser], cost: u32) -> Result<usize> {
    let mut inserted = 0;
    for user in users {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = ?")
            .bind(user.username)
            .fetch_optional(pool)
            .await
            .map_err(db_error("reading a user"))?;
        if exists.is_some() {
            continue;
        }
        let password = user.password;
        let hash = tokio::task::spawn_blocking(move || bcrypt::hash(password, cost))
            .await
            .map_err(|_| Error::invalid_input("the password cannot be hashed"))?
            .map_err(|_| Error::invalid_input("the password cannot be hashed"))?;
        sqlx::query(
            "INSERT INTO users (username, email, display_name, password_hash, active)
             VALUES (?, ?, ?, ?, 1)",
        )
        .bind(user.username)
        .bind(user.email)
        .bind(user.display_name)
        .bind(hash)
        .execute(pool)
        .await
        .map_err(db_error("seeding a user"))?;
        inserted += 1;
    }
    Ok(inserted)
}

/// The field mappings of the legacy table: the default mappings
/// ([`create_default_field_mappings`]) restricted to the columns the table has, with the
/// auth center's `nickname` stored in `display_name`: `username` (required, the unique
/// field) → `username`, `email` → `email`, `nickname` → `display_name`.
pub fn legacy_field_mappings() -> Vec<FieldMapping> {
    create_default_field_mappings()
        .into_iter()
        .filter_map(|mut m| match m.auth_field.as_str() {
            "username" | "email" => Some(m),
            "nickname" => {
                m.legacy_field = "display_name".to_owned();
                Some(m)
            }
            _ => None,
        })
        .collect()
}

/// The legacy table's adapter and the sync over it.
#[derive(Clone, Debug)]
pub struct LegacySync {
    pool: SqlitePool,
    service: UserSyncService,
}

impl LegacySync {
    /// The sync over the `users` table of `pool`: [`legacy_field_mappings`], unique field
    /// `username`, bidirectional, `disable` = `active = 0`, plain passwords hashed with
    /// `bcrypt_cost` (on the blocking pool, by the adapter).
    ///
    /// Passwords of created users: a legacy user's own hash goes to the auth center as it is
    /// (`password_hashed`); a user the auth center creates here gets the hash of a random
    /// password generated now and never shown. `client` is used by the `user.init_sync_auth`
    /// webhook (the initial legacy → auth sync).
    ///
    /// Errors: `ConfigInvalid` for a bcrypt cost outside 4..=31.
    pub fn new(pool: SqlitePool, client: Option<AigcClient>, bcrypt_cost: u32) -> Result<Self> {
        let table =
            SqlAdapterConfig::new("users", &["username", "email", "display_name", "active"])
                .with_password_column("password_hash")
                .with_disabled_column("active", json!(0))
                .with_bcrypt_cost(bcrypt_cost);
        let adapter = SqlAdapter::from_sqlite(pool.clone(), table)?;
        let unusable = format!(
            "{:032x}{:032x}",
            rand::random::<u128>(),
            rand::random::<u128>()
        );
        // Custom mapping without a mapper: the adapter's password (the legacy bcrypt hash) is
        // sent as a hash; a user without one (created from the auth center) falls back to
        // the unified password, which the adapter bcrypt-hashes.
        let config = SyncConfig::new(SyncDirection::Bidirectional)
            .with_mappings(legacy_field_mappings())
            .with_unique_field("username")
            .with_unified_password(Password::new(unusable))
            .with_custom_passwords(None, true);
        let service = UserSyncService::new(Arc::new(adapter), config, client)?;
        Ok(LegacySync { pool, service })
    }

    /// The sync service (also the webhook handler).
    pub fn service(&self) -> &UserSyncService {
        &self.service
    }

    /// The legacy database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The row of `username`, without its password hash.
    ///
    /// Errors: `Unavailable` for a database error.
    pub async fn user(&self, username: &str) -> Result<Option<LegacyRow>> {
        sqlx::query_as(&format!("{SELECT_ROW} WHERE username = ?"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("reading a user"))
    }

    /// Every row in id order, without password hashes.
    ///
    /// Errors: `Unavailable` for a database error.
    pub async fn users(&self) -> Result<Vec<LegacyRow>> {
        sqlx::query_as(&format!("{SELECT_ROW} ORDER BY id"))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("reading users"))
    }
}

/// The application router: `/health` (public), `/me` and `/legacy/users` behind the AIGC
/// auth layer ([`auth_layer`]: `{code, message, data}` errors), and `POST /webhook/auth`
/// (signature-checked with `webhook`'s secret; no token needed). Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
pub fn router(
    provider: Arc<dyn IdentityProvider>,
    legacy: LegacySync,
    webhook: WebhookReceiverConfig,
) -> Router {
    let handler = Arc::new(legacy.service.clone());
    Router::new()
        .route("/health", get(health))
        .route("/me", get(me))
        .route("/legacy/users", get(list_users))
        .with_state(legacy)
        .merge(webhook_router("/webhook", webhook, handler))
        .layer(auth_layer(provider, &["/health", WEBHOOK_PATH], &[], None))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// An error as the AIGC middleware answers: `{code, message, data: null}`.
fn error_response(e: &Error) -> Response {
    let status =
        StatusCode::from_u16(e.kind().server_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    tracing::warn!(error = %e, "legacy sync request failed");
    let body = json!({ "code": status.as_u16(), "message": e.message(), "data": null });
    (status, Json(body)).into_response()
}

async fn me(State(legacy): State<LegacySync>, CurrentUser(user): CurrentUser) -> Response {
    match sync_and_read(&legacy, &user).await {
        Ok(body) => Json(body).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn sync_and_read(legacy: &LegacySync, user: &UserProfile) -> Result<Value> {
    let sync = legacy.service.sync_on_login(user).await?;
    let username = user
        .username
        .as_deref()
        .ok_or_else(|| Error::invalid_input("the user has no username"))?;
    let row = legacy.user(username).await?;
    Ok(json!({
        "legacy_user": row,
        "sync": {
            "created": sync["created"],
            "message": sync["message"],
            "updated_fields": sync["updated_fields"],
            "auth_user_id": sync["auth_user_id"],
        },
    }))
}

async fn list_users(State(legacy): State<LegacySync>, _user: CurrentUser) -> Response {
    match legacy.users().await {
        Ok(users) => Json(json!({ "users": users })).into_response(),
        Err(e) => error_response(&e),
    }
}
