//! The API statistics collector: records requests and uploads them in batches to
//! `POST {base_url}/sdk/stats/report/batch`.
//!
//! Recording never blocks and never slows a request: [`StatsCollector::record`] does a
//! `try_send` into a bounded queue and, when the queue is full, drops the record and counts it
//! ([`StatsCounters::dropped`]). A background tokio task batches the records and uploads them
//! when `batch_size` records are waiting or every `flush_interval`, one POST per distinct
//! token (the token travels as `Authorization: Bearer`), at most
//! [`max_tokens_per_flush`](StatsConfig::max_tokens_per_flush) distinct tokens per flush (the
//! records of further tokens are dropped and counted as discarded).
//! [`StatsCollector::shutdown`] uploads everything still queued, then stops the task.
//!
//! Only calls of authenticated users are kept: records without a token, and 401 answers
//! (whatever token the caller presented), are skipped when recorded, so requests with random
//! bad tokens cost no upload at all. The `AuthLayer` observer passes the token only for
//! requests whose user was authenticated.
//!
//! Request parameters are redacted when recorded, before they are queued ([`redact`]:
//! `Authorization`, `Cookie`, `Set-Cookie`, `X-App-Secret`, `Proxy-Authorization`, and any key
//! that looks like a password, secret, token or key), so neither the queue nor an
//! [`ApiStat`]'s `Debug` holds a credential; before upload they are capped in size
//! (`max_params_bytes`). 3xx answers are not recorded.
//!
//! Upload body (one per token): `{"stats": [{"api_path", "api_method", "status_code",
//! "response_time" (seconds, float), "error_message", "request_params"}, ...]}` with headers
//! `X-App-Id`, `X-App-Secret`, `Authorization: Bearer <token>`, `Content-Type:
//! application/json`. Failed uploads are counted and dropped (no retry).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use polyauth_core::http::{
    HttpClient, HttpConfig, Idempotency, RetryPolicy, bearer_header, sensitive_header,
};
use polyauth_core::{AccessToken, ClientSecret, Error, Result};
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::PROVIDER;
use crate::config::AigcConfig;

/// Text that replaces redacted values.
pub const REDACTED: &str = "[redacted]";

/// Settings of a [`StatsCollector`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StatsConfig {
    /// Whether to collect at all; a disabled collector accepts and discards records.
    pub enabled: bool,
    /// The upload URL (`{base_url}/sdk/stats/report/batch`).
    pub endpoint: String,
    /// The application id (`X-App-Id`).
    pub app_id: String,
    /// The application secret (`X-App-Secret`).
    pub app_secret: ClientSecret,
    /// Upload when this many records wait. Default 10 (the reference middleware's value).
    pub batch_size: usize,
    /// Upload what waits at least this often. Default 5 s.
    pub flush_interval: Duration,
    /// Records the queue holds; more are dropped and counted. Default 10,000.
    pub queue_capacity: usize,
    /// Largest serialized `request_params` per record, in bytes; beyond it the body is cut
    /// first, then the headers are left out. Default 8 KiB.
    pub max_params_bytes: usize,
    /// Timeout of one upload. Default 5 s.
    pub timeout: Duration,
    /// Most distinct tokens uploaded per flush (one POST each, sent one after another);
    /// records of further tokens are dropped and counted as discarded. Default 50.
    pub max_tokens_per_flush: usize,
}

impl StatsConfig {
    /// Settings for the auth center of `config`, with the defaults.
    pub fn for_client(config: &AigcConfig) -> Self {
        StatsConfig {
            enabled: true,
            endpoint: config.endpoint("/stats/report/batch").into(),
            app_id: config.app_id.clone(),
            app_secret: config.app_secret.clone(),
            batch_size: 10,
            flush_interval: Duration::from_secs(5),
            queue_capacity: 10_000,
            max_params_bytes: 8 * 1024,
            timeout: Duration::from_secs(5),
            max_tokens_per_flush: 50,
        }
    }

    /// Sets the batch size (at least 1).
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// Sets the flush interval.
    pub fn with_flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Sets the queue capacity (at least 1).
    pub fn with_queue_capacity(mut self, n: usize) -> Self {
        self.queue_capacity = n.max(1);
        self
    }

    /// Sets the per-record parameter cap in bytes.
    pub fn with_max_params_bytes(mut self, n: usize) -> Self {
        self.max_params_bytes = n;
        self
    }

    /// Sets the most distinct tokens uploaded per flush (at least 1).
    pub fn with_max_tokens_per_flush(mut self, n: usize) -> Self {
        self.max_tokens_per_flush = n.max(1);
        self
    }

    /// Enables or disables collection.
    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }
}

/// One recorded call.
///
/// `Debug` shows the parameters redacted ([`redact`]) and never the token.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiStat {
    /// The path (for outbound calls `scheme://host/path`, without the query).
    pub path: String,
    /// HTTP method.
    pub method: String,
    /// Response status.
    pub status: u16,
    /// How long the call took.
    pub duration: Duration,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Request parameters (headers, query, body). [`with_params`](Self::with_params) and
    /// [`StatsCollector::record`] redact them; they are capped before upload.
    pub request_params: Option<Value>,
    /// The caller's token; records are uploaded grouped by it, and dropped without one.
    pub token: Option<AccessToken>,
}

impl ApiStat {
    /// A record of a call.
    pub fn new(
        path: impl Into<String>,
        method: impl Into<String>,
        status: u16,
        duration: Duration,
    ) -> Self {
        ApiStat {
            path: path.into(),
            method: method.into(),
            status,
            duration,
            error: None,
            request_params: None,
            token: None,
        }
    }

    /// Sets the error message.
    pub fn with_error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }

    /// Sets the request parameters, redacted ([`redact`]).
    pub fn with_params(mut self, mut params: Value) -> Self {
        redact(&mut params);
        self.request_params = Some(params);
        self
    }

    /// Sets the token.
    pub fn with_token(mut self, token: Option<AccessToken>) -> Self {
        self.token = token;
        self
    }
}

impl fmt::Debug for ApiStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The field is public and may have been set without `with_params`: redact a copy.
        let params = self.request_params.clone().map(|mut p| {
            redact(&mut p);
            p
        });
        f.debug_struct("ApiStat")
            .field("path", &self.path)
            .field("method", &self.method)
            .field("status", &self.status)
            .field("duration", &self.duration)
            .field("error", &self.error)
            .field("request_params", &params)
            .field("token", &self.token)
            .finish()
    }
}

/// Counters of a [`StatsCollector`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsCounters {
    /// Records accepted into the queue.
    pub queued: u64,
    /// Records dropped because the queue was full or the collector shut down.
    pub dropped: u64,
    /// Records skipped when recorded: 3xx answers, 401 answers and records without a token.
    pub skipped: u64,
    /// Records uploaded (the auth center answered 2xx).
    pub uploaded: u64,
    /// Records lost to failed uploads, or dropped because their flush already had
    /// [`max_tokens_per_flush`](StatsConfig::max_tokens_per_flush) distinct tokens.
    pub discarded: u64,
}

#[derive(Default)]
struct Counters {
    queued: AtomicU64,
    dropped: AtomicU64,
    skipped: AtomicU64,
    uploaded: AtomicU64,
    discarded: AtomicU64,
}

struct Shared {
    enabled: bool,
    tx: Option<mpsc::Sender<ApiStat>>,
    closed: AtomicBool,
    counters: Arc<Counters>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

/// The collector. Cheap to clone (clones share the queue and the background task).
#[derive(Clone)]
pub struct StatsCollector {
    shared: Arc<Shared>,
}

impl fmt::Debug for StatsCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatsCollector")
            .field("enabled", &self.shared.enabled)
            .field("counters", &self.counters())
            .finish()
    }
}

impl StatsCollector {
    /// Starts a collector and its background task on the current tokio runtime. A disabled
    /// config gives a collector that discards everything (no task).
    ///
    /// Errors: `ConfigInvalid` when called outside a tokio runtime, or when the credentials
    /// cannot be sent as headers.
    pub fn start(config: StatsConfig) -> Result<Self> {
        if !config.enabled {
            return Ok(StatsCollector::disabled());
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::config("the stats collector must be started inside a tokio runtime")
        })?;
        let http = HttpClient::new(
            PROVIDER,
            HttpConfig {
                connect_timeout: config.timeout,
                timeout: config.timeout,
                max_response_bytes: 64 * 1024,
                retry: RetryPolicy::none(),
                ..HttpConfig::default()
            },
        )?;
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-app-id"),
            HeaderValue::from_str(&config.app_id)
                .map_err(|_| Error::config("the app id cannot be sent as a header"))?,
        );
        headers.insert(
            HeaderName::from_static("x-app-secret"),
            sensitive_header(config.app_secret.expose_secret())?,
        );
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let (stop_tx, stop_rx) = oneshot::channel();
        let counters = Arc::new(Counters::default());
        let worker = Worker {
            rx,
            stop: stop_rx,
            http,
            headers,
            endpoint: config.endpoint.clone(),
            batch_size: config.batch_size.max(1),
            flush_interval: config.flush_interval.max(Duration::from_millis(1)),
            max_params_bytes: config.max_params_bytes,
            max_tokens: config.max_tokens_per_flush.max(1),
            counters: counters.clone(),
        };
        let handle = runtime.spawn(worker.run());
        Ok(StatsCollector {
            shared: Arc::new(Shared {
                enabled: true,
                tx: Some(tx),
                closed: AtomicBool::new(false),
                counters,
                stop: Mutex::new(Some(stop_tx)),
                worker: Mutex::new(Some(handle)),
            }),
        })
    }

    /// A collector without a worker whose queue the test reads: what `record` queued.
    #[cfg(test)]
    pub(crate) fn capture(capacity: usize) -> (Self, mpsc::Receiver<ApiStat>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let collector = StatsCollector {
            shared: Arc::new(Shared {
                enabled: true,
                tx: Some(tx),
                closed: AtomicBool::new(false),
                counters: Arc::new(Counters::default()),
                stop: Mutex::new(None),
                worker: Mutex::new(None),
            }),
        };
        (collector, rx)
    }

    /// A collector that discards every record.
    pub fn disabled() -> Self {
        StatsCollector {
            shared: Arc::new(Shared {
                enabled: false,
                tx: None,
                closed: AtomicBool::new(true),
                counters: Arc::new(Counters::default()),
                stop: Mutex::new(None),
                worker: Mutex::new(None),
            }),
        }
    }

    /// Whether records are collected.
    pub fn is_enabled(&self) -> bool {
        self.shared.enabled
    }

    /// Queues a record without waiting. 3xx and 401 answers and records without a token are
    /// skipped (counted); the parameters of the others are redacted ([`redact`]) before they
    /// are queued. When the queue is full or the collector is shut down, the record is
    /// dropped and counted.
    pub fn record(&self, mut stat: ApiStat) {
        let shared = &self.shared;
        let Some(tx) = &shared.tx else {
            return;
        };
        if is_skipped(&stat) {
            shared.counters.skipped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if let Some(params) = &mut stat.request_params {
            redact(params);
        }
        if shared.closed.load(Ordering::Acquire) || tx.try_send(stat).is_err() {
            shared.counters.dropped.fetch_add(1, Ordering::Relaxed);
            polyauth_core::telemetry::count_stats_dropped("aigc");
            return;
        }
        shared.counters.queued.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters so far.
    pub fn counters(&self) -> StatsCounters {
        let c = &self.shared.counters;
        StatsCounters {
            queued: c.queued.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            skipped: c.skipped.load(Ordering::Relaxed),
            uploaded: c.uploaded.load(Ordering::Relaxed),
            discarded: c.discarded.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting records, uploads everything queued, and waits for the background task
    /// to end. Calling it again does nothing.
    pub async fn shutdown(&self) {
        self.shared.closed.store(true, Ordering::Release);
        let stop = self
            .shared
            .stop
            .lock()
            .map(|mut s| s.take())
            .unwrap_or(None);
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        let worker = self
            .shared
            .worker
            .lock()
            .map(|mut w| w.take())
            .unwrap_or(None);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
    }
}

/// Whether [`StatsCollector::record`] skips `stat`: a 3xx or 401 answer, or no token.
fn is_skipped(stat: &ApiStat) -> bool {
    let anonymous = stat.token.as_ref().is_none_or(|t| t.is_empty());
    (300..400).contains(&stat.status) || stat.status == 401 || anonymous
}

struct Worker {
    rx: mpsc::Receiver<ApiStat>,
    stop: oneshot::Receiver<()>,
    http: HttpClient,
    headers: HeaderMap,
    endpoint: String,
    batch_size: usize,
    flush_interval: Duration,
    max_params_bytes: usize,
    max_tokens: usize,
    counters: Arc<Counters>,
}

impl Worker {
    async fn run(mut self) {
        let mut buffer: Vec<ApiStat> = Vec::new();
        let mut tick = tokio::time::interval(self.flush_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                biased;
                _ = &mut self.stop => {
                    self.rx.close();
                    while let Ok(stat) = self.rx.try_recv() {
                        buffer.push(stat);
                    }
                    self.flush(&mut buffer).await;
                    return;
                }
                item = self.rx.recv() => match item {
                    Some(stat) => {
                        buffer.push(stat);
                        if buffer.len() >= self.batch_size {
                            self.flush(&mut buffer).await;
                        }
                    }
                    None => {
                        self.flush(&mut buffer).await;
                        return;
                    }
                },
                _ = tick.tick() => {
                    if !buffer.is_empty() {
                        self.flush(&mut buffer).await;
                    }
                }
            }
        }
    }

    async fn flush(&self, buffer: &mut Vec<ApiStat>) {
        // Groups in order of first appearance; at most `max_tokens` of them, since each costs
        // one sequential POST.
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<(AccessToken, Vec<Value>)> = Vec::new();
        let mut excess = 0u64;
        for stat in buffer.drain(..) {
            let Some(token) = stat.token.clone().filter(|t| !t.is_empty()) else {
                self.counters.discarded.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let slot = match index.get(token.expose_secret()) {
                Some(&i) => i,
                None if groups.len() < self.max_tokens => {
                    index.insert(token.expose_secret().to_owned(), groups.len());
                    groups.push((token, Vec::new()));
                    groups.len() - 1
                }
                None => {
                    excess += 1;
                    continue;
                }
            };
            groups[slot]
                .1
                .push(upload_item(stat, self.max_params_bytes));
        }
        if excess > 0 {
            tracing::debug!(
                dropped = excess,
                max_tokens = self.max_tokens,
                "API statistics: too many distinct tokens in one flush, records dropped"
            );
            self.counters.discarded.fetch_add(excess, Ordering::Relaxed);
        }
        for (token, items) in groups {
            let n = items.len() as u64;
            match self.upload(&token, items).await {
                Ok(()) => self.counters.uploaded.fetch_add(n, Ordering::Relaxed),
                Err(e) => {
                    tracing::debug!(error = %e, "API statistics upload failed");
                    self.counters.discarded.fetch_add(n, Ordering::Relaxed)
                }
            };
        }
    }

    async fn upload(&self, token: &AccessToken, items: Vec<Value>) -> Result<()> {
        let mut headers = self.headers.clone();
        headers.insert(http::header::AUTHORIZATION, bearer_header(token)?);
        let request = self
            .http
            .reqwest()
            .post(&self.endpoint)
            .headers(headers)
            .json(&json!({ "stats": items }));
        let response = self
            .http
            .send("report_stats", request, Idempotency::NonIdempotent)
            .await?;
        if response.is_success() {
            Ok(())
        } else {
            Err(response.status_error())
        }
    }
}

/// The upload form of a record (its parameters were redacted by [`StatsCollector::record`]).
fn upload_item(stat: ApiStat, max_params_bytes: usize) -> Value {
    let params = stat.request_params.map(|p| cap_params(p, max_params_bytes));
    let error = stat.error.map(|e| truncate(&e, 1024));
    json!({
        "api_path": stat.path,
        "api_method": stat.method,
        "status_code": stat.status,
        "response_time": stat.duration.as_secs_f64(),
        "error_message": error,
        "request_params": params,
    })
}

/// Whether a header or field name holds a credential: `authorization`, `cookie`,
/// `set-cookie`, `x-app-secret`, `proxy-authorization`, or any name containing `password`,
/// `passwd`, `pwd`, `secret`, `token`, `api_key`/`apikey`/`api-key`, `access_key`/`accesskey`,
/// `private_key` or `credential` (case-insensitive).
pub fn is_sensitive_key(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "cookie" | "set-cookie" | "x-app-secret" | "proxy-authorization"
    ) || [
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "api-key",
        "access_key",
        "accesskey",
        "access-key",
        "private_key",
        "credential",
    ]
    .iter()
    .any(|p| n.contains(p))
}

/// Replaces, at any depth, the values of sensitive keys ([`is_sensitive_key`]) with
/// [`REDACTED`].
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_sensitive_key(key) {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Cuts `params` to about `max` serialized bytes: first the `request_body` (replaced by its
/// text cut to fit, with `"truncated": true`), then the `headers` (left out, with
/// `"truncated": true`, so the query parameters survive large request headers), then
/// everything (`{"truncated": true}`).
fn cap_params(mut params: Value, max: usize) -> Value {
    let size = |v: &Value| serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX);
    if size(&params) <= max {
        return params;
    }
    if let Value::Object(map) = &mut params
        && let Some(body) = map.remove("request_body")
    {
        let text = match body {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let rest = size(&Value::Object(map.clone()));
        let budget = max.saturating_sub(rest + 64);
        map.insert(
            "request_body".into(),
            Value::String(truncate(&text, budget)),
        );
        map.insert("truncated".into(), Value::Bool(true));
        if size(&params) <= max {
            return params;
        }
    }
    if let Value::Object(map) = &mut params
        && map.remove("headers").is_some()
    {
        map.insert("truncated".into(), Value::Bool(true));
        if size(&params) <= max {
            return params;
        }
    }
    let mut m = Map::new();
    m.insert("truncated".into(), Value::Bool(true));
    Value::Object(m)
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(feature = "axum")]
mod observe {
    use polyauth_axum::{RequestObserver, RequestRecord};
    use polyauth_core::RequestContext;
    use serde_json::{Map, Value};

    use super::{ApiStat, StatsCollector, is_skipped};

    /// Records every request of an authenticated user the `AuthLayer` sees (rejected and
    /// anonymous requests carry no token and are skipped), with `request_params` in the shape
    /// of the reference's FastAPI middleware:
    ///
    /// - `headers`: the request's headers as the layer captured them (lower-case names,
    ///   credentials already redacted by the layer; repeated headers joined with `", "`), plus
    ///   what the request context knows when the request did not send it: `user-agent`,
    ///   `x-real-ip` (the client IP), `x-request-id` and `x-trace-id`;
    /// - `query_params`: `{name: value}`, the last value of a repeated name.
    ///
    /// Both are redacted again by [`StatsCollector::record`] and capped before upload. The
    /// layer captures no body (it would have to buffer it) and no path parameters (it runs
    /// before routing), so there is no `request_body`, `form_params` or `view_params`: a
    /// handler that wants its body in the statistics records an [`ApiStat`] directly.
    impl RequestObserver for StatsCollector {
        fn observe(&self, record: RequestRecord) {
            // Only an authenticated user's token: a rejected caller's token is not theirs to
            // spend uploads with.
            let token = record.user_id.as_ref().and(record.context.token.clone());
            let mut stat = ApiStat::new(record.path, record.method, record.status, record.duration)
                .with_token(token);
            stat.error = record.error;
            // A record that will be skipped (a 401, no token) costs no parameter building.
            if !is_skipped(&stat) {
                stat.request_params = Some(request_params(
                    &record.context,
                    record.headers,
                    record.query,
                ));
            }
            // `record` redacts the parameters before queueing them.
            self.record(stat);
        }
    }

    /// `{"headers": {..}, "query_params": {..}}` of a layer record.
    fn request_params(
        ctx: &RequestContext,
        captured_headers: Vec<(String, String)>,
        captured_query: Vec<(String, String)>,
    ) -> Value {
        let mut headers = Map::new();
        for (name, value) in captured_headers {
            match headers.get_mut(&name) {
                Some(Value::String(seen)) => {
                    seen.push_str(", ");
                    seen.push_str(&value);
                }
                _ => {
                    headers.insert(name, Value::String(value));
                }
            }
        }
        for (name, value) in [
            ("user-agent", &ctx.user_agent),
            ("x-real-ip", &ctx.client_ip),
            ("x-request-id", &ctx.request_id),
            ("x-trace-id", &ctx.trace_id),
        ] {
            if let Some(v) = value
                && !headers.contains_key(name)
            {
                headers.insert(name.into(), Value::String(v.clone()));
            }
        }
        let query: Map<String, Value> = captured_query
            .into_iter()
            .map(|(name, value)| (name, Value::String(value)))
            .collect();
        let mut params = Map::new();
        params.insert("headers".into(), Value::Object(headers));
        params.insert("query_params".into(), Value::Object(query));
        Value::Object(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_is_deep_and_case_insensitive() {
        let mut v = json!({
            "headers": {"Authorization": "Bearer abc", "Cookie": "s=1", "X-App-Secret": "x",
                        "accept": "json"},
            "request_body": {"user": {"Password": "p", "name": "n"}, "list": [{"api_key": "k"}]},
            "form_params": {"new_password": "q"}
        });
        redact(&mut v);
        let text = v.to_string();
        for secret in ["abc", "s=1", "\"x\"", "\"p\"", "\"k\"", "\"q\""] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(v["headers"]["accept"], "json");
        assert_eq!(v["request_body"]["user"]["name"], "n");
    }

    #[test]
    fn record_skips_unauthenticated_and_redacts_before_queueing() {
        let (stats, mut queued) = StatsCollector::capture(8);
        let t = |v: &str| Some(AccessToken::new(v));
        let d = Duration::from_millis(1);
        stats.record(ApiStat::new("/a", "GET", 401, d).with_token(t("garbage")));
        stats.record(ApiStat::new("/b", "GET", 200, d));
        stats.record(ApiStat::new("/c", "GET", 200, d).with_token(t("")));
        let mut direct = ApiStat::new("/d", "GET", 200, d).with_token(t("good"));
        direct.request_params = Some(json!({"headers": {"x-app-secret": "direct-secret"}}));
        assert!(!format!("{direct:?}").contains("direct-secret"));
        stats.record(direct);
        assert_eq!(stats.counters().skipped, 3);
        let queued_stat = queued.try_recv().unwrap();
        assert_eq!(queued_stat.path, "/d");
        assert_eq!(
            queued_stat.request_params.unwrap()["headers"]["x-app-secret"],
            REDACTED
        );
        assert!(queued.try_recv().is_err());
    }

    #[test]
    fn params_are_capped() {
        let big = json!({"headers": {}, "request_body": "é".repeat(10_000)});
        let capped = cap_params(big, 1024);
        assert!(serde_json::to_vec(&capped).unwrap().len() <= 1024);
        assert_eq!(capped["truncated"], true);
        let huge_headers =
            json!({"headers": {"x": "y".repeat(5000)}, "query_params": {"page": "2"}});
        assert_eq!(
            cap_params(huge_headers, 100),
            json!({"query_params": {"page": "2"}, "truncated": true})
        );
        let huge_query = json!({"headers": {}, "query_params": {"q": "y".repeat(5000)}});
        assert_eq!(cap_params(huge_query, 100), json!({"truncated": true}));
    }
}
