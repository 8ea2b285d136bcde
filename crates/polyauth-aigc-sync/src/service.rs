//! [`UserSyncService`]: sync-on-login, webhook events and the initial legacy → auth sync.

use std::sync::Arc;

use async_trait::async_trait;
use polyauth_core::{Error, Password, Result, UserProfile};
use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use polyauth_aigc::webhook::WebhookHandler;
use polyauth_aigc::{AigcClient, MAX_BATCH, SyncPassword, SyncUser};

use crate::adapter::{LegacyPassword, LegacySystemAdapter, LegacyUser};
use crate::config::{PasswordMode, SyncConfig};
use crate::mapping::{Record, map_auth_to_legacy, map_legacy_to_auth};

/// The webhook events [`UserSyncService::handle_webhook`] acts on.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "user.created",
    "user.updated",
    "user.deleted",
    "user.login",
    "user.init_sync_auth",
];

/// Settings of [`UserSyncService::initial_sync`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InitialSyncOptions {
    /// Legacy users read per page (default 500).
    pub page_size: usize,
    /// Users per `/sync/batch` call (default and maximum [`MAX_BATCH`] = 100).
    pub batch_size: usize,
    /// Batch calls in flight at once (default 4).
    pub concurrency: usize,
    /// Map and check every user but send nothing (default false).
    pub dry_run: bool,
}

impl Default for InitialSyncOptions {
    fn default() -> Self {
        InitialSyncOptions {
            page_size: 500,
            batch_size: MAX_BATCH,
            concurrency: 4,
            dry_run: false,
        }
    }
}

impl InitialSyncOptions {
    /// Sets the users per batch call (clamped to 1..=[`MAX_BATCH`]).
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.clamp(1, MAX_BATCH);
        self
    }

    /// Sets the batch calls in flight (at least 1).
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sets the legacy page size (at least 1).
    pub fn with_page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Sets dry-run mode.
    pub fn with_dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// One user the sync could not carry over.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserSyncError {
    /// The user's username (or, when unreadable, its legacy key).
    pub user: String,
    /// Why (never holds a password).
    pub error: String,
}

/// Counters passed to the progress callback after every page and every finished batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncProgress {
    /// Legacy rows read so far.
    pub read: u64,
    /// Users created in the auth center so far.
    pub created: u64,
    /// Users that already existed.
    pub skipped: u64,
    /// Users that failed.
    pub failed: u64,
}

/// The outcome of [`UserSyncService::initial_sync`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InitialSyncReport {
    /// Legacy rows read.
    pub total: u64,
    /// Users created in the auth center.
    pub created: u64,
    /// Users that already existed there (a re-run skips everything it created before).
    pub skipped: u64,
    /// Users that failed: unreadable rows, mapping errors, auth-center refusals.
    pub failed: u64,
    /// Users mapped and ready to send (in a dry run: the users that would be sent).
    pub prepared: u64,
    /// One entry per failed user.
    pub errors: Vec<UserSyncError>,
    /// Batch calls that failed as a whole and were replayed one call per user.
    pub batch_fallbacks: u64,
    /// True when the configured direction forbids legacy → auth writes: nothing was read.
    pub skipped_by_direction: bool,
    /// True for a dry run.
    pub dry_run: bool,
}

impl InitialSyncReport {
    /// The reference's `results` object: `{total, success, failed, skipped, errors: [{user,
    /// error}]}` (`success` = created).
    pub fn to_json(&self) -> Value {
        json!({
            "total": self.total,
            "success": self.created,
            "failed": self.failed,
            "skipped": self.skipped,
            "errors": self.errors.iter()
                .map(|e| json!({ "user": e.user, "error": e.error }))
                .collect::<Vec<_>>(),
        })
    }

    fn fail(&mut self, user: impl Into<String>, error: &Error) {
        self.failed += 1;
        self.errors.push(UserSyncError {
            user: user.into(),
            error: error.message().to_owned(),
        });
    }

    fn progress(&self) -> SyncProgress {
        SyncProgress {
            read: self.total,
            created: self.created,
            skipped: self.skipped,
            failed: self.failed,
        }
    }

    fn merge(&mut self, chunk: ChunkOutcome) {
        self.created += chunk.created;
        self.skipped += chunk.skipped;
        self.failed += chunk.failed;
        self.errors.extend(chunk.errors);
        self.batch_fallbacks += u64::from(chunk.fell_back);
    }
}

/// A progress callback of [`UserSyncService::initial_sync`].
pub type ProgressFn = dyn Fn(&SyncProgress) + Send + Sync;

/// The sync between the auth center and a legacy user table (the reference's
/// `UserSyncService` plus the adapter's `handle_webhook` and `batch_sync_to_auth`).
///
/// Cheap to clone.
#[derive(Clone)]
pub struct UserSyncService {
    adapter: Arc<dyn LegacySystemAdapter>,
    config: Arc<SyncConfig>,
    client: Option<AigcClient>,
}

impl std::fmt::Debug for UserSyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSyncService")
            .field("config", &self.config)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl UserSyncService {
    /// A service over `adapter`. `client` is needed by the initial sync (and the
    /// `user.init_sync_auth` event) only.
    ///
    /// Errors: `ConfigInvalid` from [`SyncConfig::validate`].
    pub fn new(
        adapter: Arc<dyn LegacySystemAdapter>,
        config: SyncConfig,
        client: Option<AigcClient>,
    ) -> Result<Self> {
        config.validate()?;
        Ok(UserSyncService {
            adapter,
            config: Arc::new(config),
            client,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// Brings the legacy table up to date with a user who just logged in at the auth center.
    ///
    /// Creates the user when missing (with the configured password); when present, updates
    /// the mapped columns whose values differ (the reference never updates on login). The
    /// legacy password is never changed on update. No call to the auth center is made.
    ///
    /// Returns `{"success": true, "auth_user_id", "legacy_user_id", "created", "message":
    /// "User created" | "User updated" | "User unchanged", "updated_fields": [...]}`;
    /// `{"success": true, "message": "Sync disabled"}` when disabled; `{"success": true,
    /// "skipped": true, "message"}` when the direction forbids writing the legacy table.
    ///
    /// Errors: `InvalidInput` for a missing required field, a failing transform, an over-long
    /// value or a missing unique field; the adapter's errors.
    pub async fn sync_on_login(&self, user: &UserProfile) -> Result<Value> {
        if !self.config.enabled {
            return Ok(json!({ "success": true, "message": "Sync disabled" }));
        }
        if let Some(skip) = self.skip_legacy_write() {
            return Ok(skip);
        }
        let auth = profile_record(user);
        let up = self.upsert(&auth).await?;
        let message = match (up.created, up.updated.is_empty()) {
            (true, _) => "User created",
            (false, false) => "User updated",
            (false, true) => "User unchanged",
        };
        Ok(json!({
            "success": true,
            "auth_user_id": user.id,
            "legacy_user_id": up.user_id,
            "created": up.created,
            "message": message,
            "updated_fields": up.updated,
        }))
    }

    /// Handles one webhook event; `data` is the payload's `data` object in auth field names.
    ///
    /// - `user.created`, `user.updated`, `user.login`: create or update as
    ///   [`sync_on_login`](Self::sync_on_login) → `{"success": true, "message": "User
    ///   created" | "User updated", "created", "user_id", "updated_fields"}`. Unlike the
    ///   reference, an update never resets the legacy password.
    /// - `user.deleted`: disables the user found by the unique field → `{"success": true,
    ///   "message": "User disabled", "found"}`, or `{"success": false, "message": "<field> is
    ///   required for user.deleted event"}` without it.
    /// - `user.init_sync_auth`: [`initial_sync`](Self::initial_sync) with default options →
    ///   `{"success": true, "message": "Batch sync completed: N created, N skipped, N failed",
    ///   "results": {total, success, failed, skipped, errors}}`; `{"success": false, ...}`
    ///   without a client.
    /// - a write the direction forbids → `{"success": true, "skipped": true, "message"}`;
    ///   sync disabled → `{"success": true, "message": "Sync disabled"}`;
    /// - any other event → `{"success": true, "message": "Event ignored"}`.
    ///
    /// Errors: `InvalidInput` when `data` is not an object or a user cannot be mapped; the
    /// adapter's and the initial sync's errors.
    pub async fn handle_webhook(&self, event: &str, data: &Value) -> Result<Value> {
        if !WEBHOOK_EVENTS.contains(&event) {
            return Ok(json!({ "success": true, "message": "Event ignored" }));
        }
        if !self.config.enabled {
            return Ok(json!({ "success": true, "message": "Sync disabled" }));
        }
        let Some(obj) = data.as_object() else {
            return Err(Error::invalid_input(
                "the webhook's data is not a JSON object",
            ));
        };
        match event {
            "user.deleted" => {
                if let Some(skip) = self.skip_legacy_write() {
                    return Ok(skip);
                }
                let unique = &self.config.unique_field;
                let Some(value) = self.unique_legacy_value(obj)? else {
                    return Ok(json!({
                        "success": false,
                        "message": format!("{unique} is required for user.deleted event"),
                    }));
                };
                let found = self
                    .adapter
                    .disable_user(self.config.unique_legacy_field(), &value)
                    .await?;
                Ok(json!({ "success": true, "message": "User disabled", "found": found }))
            }
            "user.init_sync_auth" => {
                if self.client.is_none() {
                    return Ok(json!({
                        "success": false,
                        "message": "auth_client is required for init_sync_auth event",
                    }));
                }
                let r = self
                    .initial_sync(&InitialSyncOptions::default(), None)
                    .await?;
                if r.skipped_by_direction {
                    return Ok(json!({
                        "success": true,
                        "skipped": true,
                        "message": format!(
                            "Skipped: sync direction {} does not write the auth center",
                            self.config.direction.as_str()
                        ),
                    }));
                }
                Ok(json!({
                    "success": true,
                    "message": format!(
                        "Batch sync completed: {} created, {} skipped, {} failed",
                        r.created, r.skipped, r.failed
                    ),
                    "results": r.to_json(),
                }))
            }
            _ => {
                if let Some(skip) = self.skip_legacy_write() {
                    return Ok(skip);
                }
                let up = self.upsert(obj).await?;
                Ok(json!({
                    "success": true,
                    "message": if up.created { "User created" } else { "User updated" },
                    "created": up.created,
                    "user_id": up.user_id,
                    "updated_fields": up.updated,
                }))
            }
        }
    }

    fn skip_legacy_write(&self) -> Option<Value> {
        (!self.config.direction.allows_auth_to_legacy()).then(|| {
            json!({
                "success": true,
                "skipped": true,
                "message": format!(
                    "Skipped: sync direction {} does not write the legacy system",
                    self.config.direction.as_str()
                ),
            })
        })
    }

    /// The legacy value of the unique field in an auth-side object (after the mapping's
    /// transform), or `None` when absent.
    fn unique_legacy_value(&self, auth: &Record) -> Result<Option<Value>> {
        let unique = &self.config.unique_field;
        let Some(raw) = auth.get(unique).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let mapping = self
            .config
            .field_mappings
            .iter()
            .find(|m| &m.auth_field == unique);
        let value = match mapping.and_then(|m| m.transform_to_legacy.as_ref()) {
            Some(t) => t.apply(raw.clone()).map_err(|msg| {
                Error::invalid_input(format!(
                    "transform '{}' of field '{unique}' failed: {msg}",
                    t.name()
                ))
            })?,
            None => raw.clone(),
        };
        Ok(Some(value).filter(|v| !v.is_null()))
    }

    /// Creates the legacy user or updates its changed mapped columns (never the password).
    async fn upsert(&self, auth: &Record) -> Result<Upsert> {
        let legacy = map_auth_to_legacy(&self.config.field_mappings, auth)?;
        check_lengths(&legacy, self.config.max_field_chars)?;
        let key = self.config.unique_legacy_field();
        let value = legacy.get(key).cloned().ok_or_else(|| {
            Error::invalid_input(format!(
                "the unique field '{}' is missing",
                self.config.unique_field
            ))
        })?;
        match self.adapter.find_user(key, &value).await? {
            Some(existing) => {
                let changes: Record = legacy
                    .iter()
                    .filter(|(k, v)| k.as_str() != key && existing.fields.get(*k) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if !changes.is_empty() {
                    self.adapter.update_user(key, &value, &changes).await?;
                }
                Ok(Upsert {
                    created: false,
                    user_id: self.adapter.user_id(&existing),
                    updated: changes.keys().cloned().collect(),
                })
            }
            None => {
                let password = self.password_for(&LegacyUser::new(legacy.clone()))?;
                let id = self.adapter.create_user(&legacy, Some(&password)).await?;
                Ok(Upsert {
                    created: true,
                    user_id: id,
                    updated: Vec::new(),
                })
            }
        }
    }

    /// The password of a user created on the other side, per [`PasswordMode`].
    ///
    /// Errors: `InvalidInput` when there is none (custom mapping without a mapper result, a
    /// stored password or a unified fallback) or it is empty; the mapper's own errors.
    pub fn password_for(&self, user: &LegacyUser) -> Result<LegacyPassword> {
        let c = &self.config;
        if c.password_mode == PasswordMode::CustomMapping {
            let custom = match &c.password_mapper {
                Some(mapper) => mapper.call(user)?,
                None => user.password.clone(),
            };
            if let Some(p) = custom.filter(|p| !p.is_empty()) {
                return Ok(if c.password_is_hashed {
                    LegacyPassword::Hashed(p)
                } else {
                    LegacyPassword::Plain(Password::new(p.expose_secret()))
                });
            }
        }
        match c.unified_password.as_ref().filter(|p| !p.is_empty()) {
            Some(p) => Ok(LegacyPassword::Plain(p.clone())),
            None => Err(Error::invalid_input(
                "the user has no password to sync and no unified password is configured",
            )),
        }
    }

    /// The auth-center user for a legacy user: mapped fields, length checks and the password
    /// (`password_hashed` when hashed). This is what the initial sync sends.
    ///
    /// Errors: `InvalidInput` for a missing required or `username` field, a failing
    /// transform, an over-long value or no password.
    pub fn prepare_auth_user(&self, user: &LegacyUser) -> Result<SyncUser> {
        let mut auth = map_legacy_to_auth(&self.config.field_mappings, &user.fields)?;
        check_lengths(&auth, self.config.max_field_chars)?;
        let username = match auth.remove("username") {
            Some(Value::String(s)) if !s.trim().is_empty() => s,
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(Error::invalid_input("the user has no username")),
        };
        let password = match self.password_for(user)? {
            LegacyPassword::Plain(p) => SyncPassword::Plain(p),
            LegacyPassword::Hashed(h) => SyncPassword::Hashed(h),
        };
        let mut out = SyncUser::new(username, password);
        out.fields = auth;
        Ok(out)
    }

    /// Copies every legacy user to the auth center: reads the legacy table page by page,
    /// maps each user, and sends them through `POST /sdk/sync/batch` in chunks of
    /// `batch_size` with at most `concurrency` calls in flight. A chunk whose batch call fails
    /// is replayed through `POST /sdk/sync/user` one user at a time. Re-runnable: users the
    /// auth center already has are counted as skipped.
    ///
    /// Unreadable rows, mapping errors and auth-center refusals are per-user errors in the
    /// report; the sync goes on. `progress` is called after each page and each finished batch.
    /// When the direction forbids legacy → auth, nothing is read and the report says
    /// `skipped_by_direction`.
    ///
    /// Errors: `ConfigInvalid` without a client (unless a dry run); an adapter error while
    /// reading a page ends the sync (after the batches in flight finish) with that error.
    pub async fn initial_sync(
        &self,
        options: &InitialSyncOptions,
        progress: Option<&ProgressFn>,
    ) -> Result<InitialSyncReport> {
        let mut report = InitialSyncReport {
            dry_run: options.dry_run,
            ..InitialSyncReport::default()
        };
        if !self.config.direction.allows_legacy_to_auth() {
            report.skipped_by_direction = true;
            return Ok(report);
        }
        let client = match (&self.client, options.dry_run) {
            (Some(c), _) => Some(c.clone()),
            (None, true) => None,
            (None, false) => {
                return Err(Error::config(
                    "the initial sync needs an AIGC client to write the auth center",
                ));
            }
        };
        let batch_size = options.batch_size.clamp(1, MAX_BATCH);
        let concurrency = options.concurrency.max(1);
        let mut in_flight: JoinSet<ChunkOutcome> = JoinSet::new();
        let mut chunk: Vec<SyncUser> = Vec::with_capacity(batch_size);
        let mut cursor: Option<Value> = None;
        let report_progress = |r: &InitialSyncReport| {
            if let Some(p) = progress {
                p(&r.progress());
            }
        };
        let read_error = loop {
            let page = match self
                .adapter
                .fetch_page(cursor.as_ref(), options.page_size.max(1))
                .await
            {
                Ok(p) => p,
                Err(e) => break Some(e),
            };
            let empty = page.rows.is_empty();
            for row in page.rows {
                report.total += 1;
                let user = match row {
                    Ok(u) => u,
                    Err(bad) => {
                        report.fail(bad.key, &bad.error);
                        continue;
                    }
                };
                match self.prepare_auth_user(&user) {
                    Ok(u) => {
                        report.prepared += 1;
                        if client.is_some() && !options.dry_run {
                            chunk.push(u);
                        }
                    }
                    Err(e) => report.fail(self.display_key(&user), &e),
                }
                if chunk.len() >= batch_size
                    && let Some(c) = &client
                {
                    let users = std::mem::replace(&mut chunk, Vec::with_capacity(batch_size));
                    in_flight.spawn(send_chunk(c.clone(), users));
                    while in_flight.len() >= concurrency {
                        if let Some(done) = in_flight.join_next().await {
                            report.merge(joined(done));
                            report_progress(&report);
                        }
                    }
                }
            }
            report_progress(&report);
            match page.next {
                Some(next) if !empty => cursor = Some(next),
                _ => break None,
            }
        };
        if let (Some(c), false) = (&client, chunk.is_empty()) {
            in_flight.spawn(send_chunk(c.clone(), std::mem::take(&mut chunk)));
        }
        while let Some(done) = in_flight.join_next().await {
            report.merge(joined(done));
            report_progress(&report);
        }
        match read_error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// How a legacy user is named in the report: its username column, else its unique
    /// column, else its id.
    fn display_key(&self, user: &LegacyUser) -> String {
        let username_col = self
            .config
            .field_mappings
            .iter()
            .find(|m| m.auth_field == "username")
            .map(|m| m.legacy_field.as_str());
        let v = username_col
            .and_then(|c| user.fields.get(c))
            .filter(|v| !v.is_null())
            .or_else(|| user.fields.get(self.config.unique_legacy_field()))
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| self.adapter.user_id(user));
        match v {
            Value::String(s) => s.chars().take(200).collect(),
            other => other.to_string(),
        }
    }
}

#[async_trait]
impl WebhookHandler for UserSyncService {
    async fn handle(&self, event: &str, data: &Value) -> Result<Value> {
        self.handle_webhook(event, data).await
    }
}

struct Upsert {
    created: bool,
    user_id: Value,
    updated: Vec<String>,
}

#[derive(Default)]
struct ChunkOutcome {
    created: u64,
    skipped: u64,
    failed: u64,
    errors: Vec<UserSyncError>,
    fell_back: bool,
}

fn joined(r: std::result::Result<ChunkOutcome, tokio::task::JoinError>) -> ChunkOutcome {
    r.unwrap_or_else(|e| ChunkOutcome {
        failed: 0,
        errors: vec![UserSyncError {
            user: String::new(),
            error: format!("a batch task ended abnormally: {e}"),
        }],
        ..ChunkOutcome::default()
    })
}

/// Sends one chunk through `/sync/batch`, falling back to `/sync/user` per user.
async fn send_chunk(client: AigcClient, users: Vec<SyncUser>) -> ChunkOutcome {
    let mut out = ChunkOutcome::default();
    match client.batch_sync_users_to_auth(&users, None).await {
        Ok(b) => {
            out.created = b.success;
            out.skipped = b.skipped;
            out.failed = b.failed;
            out.errors = b.errors.iter().map(batch_error).collect();
            // A server that counts fewer users than it was sent leaves the rest unaccounted:
            // report them as failed rather than losing them.
            let counted = b.success + b.skipped + b.failed;
            let sent = users.len() as u64;
            if counted < sent {
                out.failed += sent - counted;
                out.errors.push(UserSyncError {
                    user: String::new(),
                    error: format!("the auth center accounted for {counted} of {sent} users"),
                });
            }
        }
        Err(e) => {
            tracing::warn!(
                error = %e.message(),
                users = users.len(),
                "AIGC /sync/batch failed; replaying the chunk one user at a time"
            );
            out.fell_back = true;
            for u in &users {
                match client.sync_user_to_auth(u, None).await {
                    Ok(o) if o.success && o.created => out.created += 1,
                    Ok(o) if o.success => out.skipped += 1,
                    Ok(o) => {
                        out.failed += 1;
                        out.errors.push(UserSyncError {
                            user: u.username.clone(),
                            error: o.message.unwrap_or_else(|| "sync failed".to_owned()),
                        });
                    }
                    Err(e) => {
                        out.failed += 1;
                        out.errors.push(UserSyncError {
                            user: u.username.clone(),
                            error: e.message().to_owned(),
                        });
                    }
                }
            }
        }
    }
    out
}

fn batch_error(v: &Value) -> UserSyncError {
    let text = |k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let user = ["user", "username"]
        .iter()
        .map(|k| text(k))
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let error = ["error", "message"]
        .iter()
        .map(|k| text(k))
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "sync failed".to_owned());
    UserSyncError { user, error }
}

/// Errors: `InvalidInput` naming the first text value longer than `max` characters.
fn check_lengths(record: &Record, max: usize) -> Result<()> {
    for (k, v) in record {
        if let Value::String(s) = v
            && s.chars().count() > max
        {
            return Err(Error::invalid_input(format!(
                "field '{k}' is longer than {max} characters"
            )));
        }
    }
    Ok(())
}

/// The reference's auth dict of a logged-in user.
fn profile_record(u: &UserProfile) -> Record {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(u.id.clone()));
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    m.insert("username".into(), opt(&u.username));
    m.insert("nickname".into(), opt(&u.nickname));
    m.insert("email".into(), opt(&u.email));
    m.insert("phone".into(), opt(&u.phone));
    m.insert("avatar".into(), opt(&u.avatar));
    m.insert("roles".into(), json!(u.roles));
    m.insert("permissions".into(), json!(u.permissions));
    m.insert("department".into(), opt(&u.department));
    m.insert("company".into(), opt(&u.company));
    m.insert("is_admin".into(), Value::Bool(u.is_admin));
    m.insert("status".into(), opt(&u.status));
    m
}
