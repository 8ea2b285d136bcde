//! [`UserSyncService::initial_sync`]: the batched legacy → auth copy, its options, progress
//! and report, and the circuit breaker that stops it on a systemic failure.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyauth_core::{Error, ErrorKind, Result};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use polyauth_aigc::{AigcClient, MAX_BATCH, SyncUser};

use crate::service::UserSyncService;

/// Default of [`InitialSyncOptions::max_consecutive_failures`].
pub const DEFAULT_MAX_CONSECUTIVE_FAILURES: u32 = 10;

/// How many times one call answered with HTTP 429 (`RateLimited`) is sent again after waiting
/// before the 429 counts as a failure.
pub const MAX_RATE_LIMIT_WAITS: u32 = 5;

/// The longest wait before sending a rate-limited call again: a longer `Retry-After` is cut to
/// this. Without `Retry-After` the waits are 1 s, 2 s, 4 s, ….
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

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
    /// Calls to the auth center that fail in a row for want of an answer (connection refused,
    /// timeout, HTTP 5xx, a garbled answer) before the sync stops
    /// ([`StopReason::Unreachable`]); any answer resets the count (default
    /// [`DEFAULT_MAX_CONSECUTIVE_FAILURES`] = 10, at least 1). An HTTP 429 is not a failure
    /// until the call has been sent again [`MAX_RATE_LIMIT_WAITS`] times, each after the
    /// server's `Retry-After` (at most [`MAX_RATE_LIMIT_WAIT`]).
    pub max_consecutive_failures: u32,
}

impl Default for InitialSyncOptions {
    fn default() -> Self {
        InitialSyncOptions {
            page_size: 500,
            batch_size: MAX_BATCH,
            concurrency: 4,
            dry_run: false,
            max_consecutive_failures: DEFAULT_MAX_CONSECUTIVE_FAILURES,
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

    /// Sets the consecutive network failures that stop the sync (at least 1).
    pub fn with_max_consecutive_failures(mut self, n: u32) -> Self {
        self.max_consecutive_failures = n.max(1);
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

/// Why an initial sync stopped before the end of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The auth center rejected the application's credentials (a wrong app id or secret:
    /// `Unauthenticated`, or an application not allowed to sync: `PermissionDenied`).
    AuthRejected,
    /// This many calls in a row got no answer ([`InitialSyncOptions::max_consecutive_failures`]).
    Unreachable {
        /// The consecutive failures counted.
        consecutive_failures: u32,
    },
}

/// A systemic failure that stopped an initial sync: nothing more was sent after it. The
/// users created before it stay created; a re-run skips them and carries on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncStop {
    /// Why.
    pub reason: StopReason,
    /// The auth center's (or the connection's) error that triggered the stop.
    pub error: String,
}

impl fmt::Display for SyncStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            StopReason::AuthRejected => write!(
                f,
                "the auth center rejected the application's credentials: {}",
                self.error
            ),
            StopReason::Unreachable {
                consecutive_failures,
            } => write!(
                f,
                "{consecutive_failures} calls in a row to the auth center failed; the last: {}",
                self.error
            ),
        }
    }
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
    /// Users read and mapped but never sent because the sync [`stopped`](Self::stopped).
    pub not_sent: u64,
    /// One entry per failed user.
    pub errors: Vec<UserSyncError>,
    /// Batch calls that failed as a whole and were replayed one call per user.
    pub batch_fallbacks: u64,
    /// True when the configured direction forbids legacy → auth writes: nothing was read.
    pub skipped_by_direction: bool,
    /// True for a dry run.
    pub dry_run: bool,
    /// `Some` when a systemic failure stopped the sync before the end of the table (the
    /// counters say what was done until then).
    pub stopped: Option<SyncStop>,
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
        self.not_sent += chunk.not_sent;
        self.errors.extend(chunk.errors);
        self.batch_fallbacks += u64::from(chunk.fell_back);
    }
}

/// A progress callback of [`UserSyncService::initial_sync`].
pub type ProgressFn = dyn Fn(&SyncProgress) + Send + Sync;

impl UserSyncService {
    /// Copies every legacy user to the auth center: reads the legacy table page by page,
    /// maps each user, and sends them through `POST /sdk/sync/batch` in chunks of
    /// `batch_size` with at most `concurrency` calls in flight. A chunk whose batch call fails
    /// is replayed through `POST /sdk/sync/user` one user at a time. Re-runnable: users the
    /// auth center already has are counted as skipped.
    ///
    /// Unreadable rows, mapping errors and auth-center refusals of a user are per-user errors
    /// in the report; the sync goes on. A systemic failure stops it: the auth center
    /// rejecting the application's credentials, or
    /// [`max_consecutive_failures`](InitialSyncOptions::max_consecutive_failures) calls in a
    /// row without an answer. Then nothing more is read or sent, the calls in flight finish,
    /// and the report says [`stopped`](InitialSyncReport::stopped) (with the users created so
    /// far and those [`not_sent`](InitialSyncReport::not_sent)); a re-run resumes, skipping
    /// the users already created. `progress` is called after each page and each finished
    /// batch. When the direction forbids legacy → auth, nothing is read and the report says
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
            (_, true) => None,
            (Some(c), false) => Some(c.clone()),
            (None, false) => {
                return Err(Error::config(
                    "the initial sync needs an AIGC client to write the auth center",
                ));
            }
        };
        let breaker = Arc::new(Breaker::new(options.max_consecutive_failures));
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
        let read_error = 'pages: loop {
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
                if breaker.stopped() {
                    break 'pages None;
                }
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
                        if client.is_some() {
                            chunk.push(u);
                        }
                    }
                    Err(e) => report.fail(self.display_key(&user), &e),
                }
                if chunk.len() >= batch_size
                    && let Some(c) = &client
                {
                    let users = std::mem::replace(&mut chunk, Vec::with_capacity(batch_size));
                    in_flight.spawn(send_chunk(c.clone(), users, breaker.clone()));
                    while in_flight.len() >= concurrency {
                        if let Some(done) = in_flight.join_next().await {
                            report.merge(joined(done));
                            report_progress(&report);
                        }
                    }
                }
            }
            report_progress(&report);
            if breaker.stopped() {
                break None;
            }
            match page.next {
                Some(next) if !empty => cursor = Some(next),
                _ => break None,
            }
        };
        if let (Some(c), false) = (&client, chunk.is_empty()) {
            in_flight.spawn(send_chunk(
                c.clone(),
                std::mem::take(&mut chunk),
                breaker.clone(),
            ));
        }
        while let Some(done) = in_flight.join_next().await {
            report.merge(joined(done));
            report_progress(&report);
        }
        report.stopped = breaker.stop();
        if let Some(stop) = &report.stopped {
            tracing::error!(
                read = report.total,
                created = report.created,
                skipped = report.skipped,
                failed = report.failed,
                not_sent = report.not_sent,
                "initial sync stopped: {stop}"
            );
        }
        match read_error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }
}

/// What an error from the auth center means for the whole sync.
enum Verdict {
    /// Credentials rejected: stop now.
    AuthRejected,
    /// No usable answer: counts towards the consecutive-failure limit.
    NoAnswer,
    /// The auth center answered (a refusal of this user or this batch).
    Answered,
}

fn verdict(e: &Error) -> Verdict {
    match e.kind() {
        ErrorKind::Unauthenticated | ErrorKind::PermissionDenied | ErrorKind::InvalidToken => {
            Verdict::AuthRejected
        }
        ErrorKind::Unavailable | ErrorKind::RateLimited | ErrorKind::Protocol => Verdict::NoAnswer,
        _ => Verdict::Answered,
    }
}

/// Shared by the batch tasks of one sync: counts calls that failed in a row and holds the
/// stop, once there is one.
#[derive(Debug)]
struct Breaker {
    limit: u32,
    consecutive: AtomicU32,
    stop: Mutex<Option<SyncStop>>,
}

impl Breaker {
    fn new(limit: u32) -> Self {
        Breaker {
            limit: limit.max(1),
            consecutive: AtomicU32::new(0),
            stop: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<SyncStop>> {
        self.stop.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stopped(&self) -> bool {
        self.lock().is_some()
    }

    fn stop(&self) -> Option<SyncStop> {
        self.lock().clone()
    }

    fn answered(&self) {
        self.consecutive.store(0, Ordering::Relaxed);
    }

    fn halt(&self, reason: StopReason, e: &Error) {
        let mut stop = self.lock();
        if stop.is_none() {
            *stop = Some(SyncStop {
                reason,
                error: e.to_string(),
            });
        }
    }

    /// Records a failed call; true when it stops the sync.
    fn failed(&self, e: &Error) -> bool {
        match verdict(e) {
            Verdict::AuthRejected => self.halt(StopReason::AuthRejected, e),
            Verdict::NoAnswer => {
                let n = self.consecutive.fetch_add(1, Ordering::Relaxed) + 1;
                if n >= self.limit {
                    self.halt(
                        StopReason::Unreachable {
                            consecutive_failures: n,
                        },
                        e,
                    );
                }
            }
            Verdict::Answered => self.answered(),
        }
        self.stopped()
    }
}

#[derive(Default)]
struct ChunkOutcome {
    created: u64,
    skipped: u64,
    failed: u64,
    not_sent: u64,
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

/// Sends one chunk through `/sync/batch`, falling back to `/sync/user` per user; sends
/// nothing once `breaker` has stopped the sync.
async fn send_chunk(
    client: AigcClient,
    users: Vec<SyncUser>,
    breaker: Arc<Breaker>,
) -> ChunkOutcome {
    let mut out = ChunkOutcome::default();
    let sent = users.len() as u64;
    if breaker.stopped() {
        out.not_sent = sent;
        return out;
    }
    match patiently(&breaker, || client.batch_sync_users_to_auth(&users, None)).await {
        Ok(b) => {
            breaker.answered();
            out.created = b.success;
            out.skipped = b.skipped;
            out.failed = b.failed;
            out.errors = b.errors.iter().map(batch_error).collect();
            // A server that counts fewer users than it was sent leaves the rest unaccounted:
            // report them as failed rather than losing them.
            let counted = b.success + b.skipped + b.failed;
            if counted < sent {
                out.failed += sent - counted;
                out.errors.push(UserSyncError {
                    user: String::new(),
                    error: format!("the auth center accounted for {counted} of {sent} users"),
                });
            }
        }
        Err(e) => {
            if breaker.failed(&e) {
                out.not_sent = sent;
                return out;
            }
            tracing::warn!(
                error = %e,
                users = users.len(),
                "AIGC /sync/batch failed; replaying the chunk one user at a time"
            );
            out.fell_back = true;
            for (i, u) in users.iter().enumerate() {
                if breaker.stopped() {
                    out.not_sent += (users.len() - i) as u64;
                    break;
                }
                match patiently(&breaker, || client.sync_user_to_auth(u, None)).await {
                    Ok(o) => {
                        breaker.answered();
                        if o.success && o.created {
                            out.created += 1;
                        } else if o.success {
                            out.skipped += 1;
                        } else {
                            out.failed += 1;
                            out.errors.push(UserSyncError {
                                user: u.username.clone(),
                                error: o.message.unwrap_or_else(|| "sync failed".to_owned()),
                            });
                        }
                    }
                    Err(e) => {
                        let auth = matches!(verdict(&e), Verdict::AuthRejected);
                        if breaker.failed(&e) && auth {
                            // Refused for the application's sake, not this user's.
                            out.not_sent += (users.len() - i) as u64;
                            break;
                        }
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

/// Runs `call`, and again while the auth center answers HTTP 429 (`RateLimited`) and the sync
/// has not stopped: after the `Retry-After` it sends (at most [`MAX_RATE_LIMIT_WAIT`]), else
/// after 1 s, 2 s, 4 s, …, up to [`MAX_RATE_LIMIT_WAITS`] times; then the last answer is
/// returned as it is. A 429 means the request was not processed, so sending it again creates
/// nobody twice, and slowing down is what the server asked for.
async fn patiently<T, F, Fut>(breaker: &Breaker, mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut fallback = Duration::from_secs(1);
    for _ in 0..MAX_RATE_LIMIT_WAITS {
        match call().await {
            Err(e) if e.kind() == ErrorKind::RateLimited && !breaker.stopped() => {
                let wait = e.retry_after().unwrap_or(fallback).min(MAX_RATE_LIMIT_WAIT);
                tracing::info!(
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "the AIGC auth center asked to slow down (HTTP 429); sending again after a wait"
                );
                tokio::time::sleep(wait).await;
                fallback = fallback.saturating_mul(2);
            }
            answer => return answer,
        }
    }
    call().await
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
