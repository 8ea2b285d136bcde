//! Webhooks between the auth center and an application: signature checks, the receiver
//! (feature `axum`: [`receiver::webhook_router`]) and [`WebhookSender`].
//!
//! Wire format (compatible with the reference SDK): the body is the JSON object
//! `{"event": "<name>", "data": {...}}`; the header `X-Webhook-Signature` is the lower-case
//! hex of HMAC-SHA256(key = the secret's UTF-8 bytes, message = the raw body bytes); the header
//! `X-Webhook-Event` repeats the event name.
//!
//! Opt-in stricter mode (both ends must use it): the header `X-Webhook-Timestamp` carries
//! the sending time in Unix **seconds**, the signature covers `"{timestamp}." + body`, and
//! the receiver refuses timestamps outside its replay window and signatures it has already
//! accepted within the window.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use polyauth_core::env::Env;
use polyauth_core::http::{HttpClient, HttpConfig, Idempotency, RetryPolicy};
use polyauth_core::secret::constant_time_eq;
use polyauth_core::{Error, ErrorKind, Result, Secret, StateStore};
use serde_json::Value;
use sha2::Sha256;

use crate::PROVIDER;

mod invalidate;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod receiver;

pub use invalidate::{INVALIDATING_EVENTS, InvalidatingHandler};

/// The signature header: lower-case hex HMAC-SHA256.
pub const SIGNATURE_HEADER: &str = "x-webhook-signature";
/// The event-name header.
pub const EVENT_HEADER: &str = "x-webhook-event";
/// The timestamp header of the stricter mode (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-webhook-timestamp";
/// The environment variable holding the receiver's secret.
pub const WEBHOOK_SECRET_ENV: &str = "AIGC_AUTH_WEBHOOK_SECRET";
/// The environment variable turning on the stricter mode with a replay window, in seconds.
pub const WEBHOOK_REPLAY_WINDOW_ENV: &str = "AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &Secret) -> Option<HmacSha256> {
    if secret.is_empty() {
        return None;
    }
    HmacSha256::new_from_slice(secret.expose_secret().as_bytes()).ok()
}

/// The signature of `body`: lower-case hex HMAC-SHA256(secret, body), 64 characters.
/// An empty secret gives the empty string (as the reference's sender does).
pub fn sign_webhook(secret: &Secret, body: &[u8]) -> String {
    match mac(secret) {
        Some(mut m) => {
            m.update(body);
            hex::encode(m.finalize().into_bytes())
        }
        None => String::new(),
    }
}

/// Whether `signature` (as found in `X-Webhook-Signature`) is exactly [`sign_webhook`] of
/// `body` under `secret`: the 64 lower-case hex digits of the HMAC-SHA256, compared as text
/// the way the reference does (`hmac.compare_digest(hexdigest, header)`), so upper-case hex
/// or surrounding spaces do not verify. The comparison is constant-time. Fails closed: an
/// empty secret or an empty signature never verify.
pub fn verify_webhook_signature(secret: &Secret, body: &[u8], signature: &str) -> bool {
    let expected = sign_webhook(secret, body);
    !expected.is_empty() && constant_time_eq(&expected, signature)
}

/// The stricter mode's signature: lower-case hex HMAC-SHA256 of `"{timestamp}." + body`,
/// `timestamp` in Unix seconds.
pub fn sign_webhook_timestamped(secret: &Secret, timestamp: u64, body: &[u8]) -> String {
    sign_webhook(secret, &timestamped(timestamp, body))
}

fn timestamped(timestamp: u64, body: &[u8]) -> Vec<u8> {
    let mut msg = format!("{timestamp}.").into_bytes();
    msg.extend_from_slice(body);
    msg
}

/// Why a webhook was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// No secret is configured: every webhook is refused (fail closed).
    NoSecret,
    /// The signature is missing or wrong.
    BadSignature,
    /// Stricter mode: the timestamp is missing, not a number, or outside the window.
    BadTimestamp,
    /// Stricter mode: this signature was already accepted within the window.
    Replayed,
}

impl Rejection {
    /// A message safe to send back (says nothing about the secret).
    pub fn message(self) -> &'static str {
        match self {
            Rejection::NoSecret | Rejection::BadSignature => "Invalid signature",
            Rejection::BadTimestamp => "Invalid or expired timestamp",
            Rejection::Replayed => "Replayed webhook",
        }
    }
}

/// Checks a stricter-mode webhook: `timestamp` (the `X-Webhook-Timestamp` header, Unix
/// seconds) within `window` of `now` either way, and `signature` over `"{timestamp}." + body`.
/// Replay detection of identical deliveries is the receiver's job (see
/// [`receiver::webhook_router`]).
///
/// Errors: [`Rejection::NoSecret`], [`Rejection::BadTimestamp`], [`Rejection::BadSignature`].
pub fn verify_webhook_timestamped(
    secret: &Secret,
    body: &[u8],
    signature: &str,
    timestamp: Option<&str>,
    now: SystemTime,
    window: Duration,
) -> std::result::Result<u64, Rejection> {
    if secret.is_empty() {
        return Err(Rejection::NoSecret);
    }
    let ts: u64 = timestamp
        .and_then(|t| t.trim().parse().ok())
        .ok_or(Rejection::BadTimestamp)?;
    let now_s = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if now_s.abs_diff(ts) > window.as_secs() {
        return Err(Rejection::BadTimestamp);
    }
    if !verify_webhook_signature(secret, &timestamped(ts, body), signature) {
        return Err(Rejection::BadSignature);
    }
    Ok(ts)
}

/// Receiver settings: the secret and, optionally, the stricter mode and where it remembers
/// accepted deliveries.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct WebhookReceiverConfig {
    /// The HMAC key. `None` or empty: every webhook is refused with 401 (fail closed, as the
    /// reference's FastAPI receiver; its Flask receiver fails open).
    pub secret: Option<Secret>,
    /// `Some(window)` turns on the stricter mode: a timestamp header within `window` is
    /// required and a delivery is accepted once.
    pub replay_window: Option<Duration>,
    /// Where the stricter mode remembers accepted signatures (keys `aigc-webhook:<signature>`,
    /// kept twice the window). `None`: an in-process store of at most 100,000 signatures, so a
    /// delivery replayed to another instance is accepted there. Give every instance the same
    /// shared store (the facade's `ProviderConfig::state_store`, a `RedisStateStore`) to
    /// accept each delivery once across instances.
    pub replay_store: Option<Arc<dyn StateStore>>,
}

impl WebhookReceiverConfig {
    /// A receiver checking signatures under `secret` (reference-compatible mode).
    pub fn new(secret: Secret) -> Self {
        WebhookReceiverConfig {
            secret: Some(secret),
            replay_window: None,
            replay_store: None,
        }
    }

    /// Turns on the stricter mode with a replay window.
    pub fn strict(mut self, window: Duration) -> Self {
        self.replay_window = Some(window);
        self
    }

    /// Remembers accepted deliveries in `store` (see [`replay_store`](Self::replay_store)):
    /// with a shared store, the stricter mode accepts a delivery once across all instances.
    /// Without [`strict`](Self::strict) nothing is remembered.
    pub fn with_replay_store(mut self, store: Arc<dyn StateStore>) -> Self {
        self.replay_store = Some(store);
        self
    }

    /// From the environment: the secret from `AIGC_AUTH_WEBHOOK_SECRET`, the stricter mode
    /// when `AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS` (integer seconds) is set.
    ///
    /// Errors: `ConfigInvalid` when the window is not an integer between 1 and 86,400
    /// seconds.
    pub fn from_env(env: &Env) -> Result<Self> {
        let window: Option<u64> = env.parse(WEBHOOK_REPLAY_WINDOW_ENV)?;
        if let Some(seconds) = window {
            polyauth_core::env::check_range(
                WEBHOOK_REPLAY_WINDOW_ENV,
                seconds,
                1..=86_400,
                "seconds",
            )?;
        }
        Ok(WebhookReceiverConfig {
            secret: env.secret(WEBHOOK_SECRET_ENV).filter(|s| !s.is_empty()),
            replay_window: window.map(Duration::from_secs),
            replay_store: None,
        })
    }

    /// This configuration, taking the secret from `AIGC_AUTH_WEBHOOK_SECRET` in `env` when it
    /// has none.
    pub fn or_env(mut self, env: &Env) -> Self {
        if self.secret.as_ref().is_none_or(Secret::is_empty) {
            self.secret = env.secret(WEBHOOK_SECRET_ENV).filter(|s| !s.is_empty());
        }
        self
    }
}

/// What the receiver calls with each verified webhook: `event` is the payload's `event`,
/// `data` its `data` (an empty object when absent). The returned JSON is the 200 answer; an
/// error becomes a 500 with a generic message (the error is logged, not sent).
/// `polyauth_aigc_sync::UserSyncService` (crate `polyauth-aigc-sync`) implements it: its
/// `user.*` events keep a legacy user table in step.
#[async_trait]
pub trait WebhookHandler: Send + Sync {
    /// Handles one event.
    async fn handle(&self, event: &str, data: &Value) -> Result<Value>;
}

/// The body of a webhook delivery, as the reference's `WebhookSender` writes it with
/// `json.dumps({"event": event, "data": data}, ensure_ascii=False)`: `event` first, `", "`
/// between items and `": "` after keys, non-ASCII text as UTF-8, floats as Python writes them
/// ([`polyauth_core::pyjson`]). The signature covers these bytes, so the same event and data
/// give the reference's signature (for the same key order in `data`: a `serde_json::Map`
/// keeps its keys sorted unless serde_json's `preserve_order` is on).
pub fn webhook_body(event: &str, data: &Value) -> Vec<u8> {
    use polyauth_core::pyjson::{dumps_str, dumps_unicode};
    format!(
        "{{\"event\": {}, \"data\": {}}}",
        dumps_str(event, false),
        dumps_unicode(data)
    )
    .into_bytes()
}

/// Posts webhooks `{event, data}` to one URL (the reference's `WebhookSender`).
///
/// Each delivery is signed (`X-Webhook-Signature`, and `X-Webhook-Timestamp` in the stricter
/// mode) and names its event (`X-Webhook-Event`). Any 2xx answer is success (the reference
/// wants exactly 200). A 5xx answer, a timeout or a refused connection is retried with
/// exponential backoff and jitter (default 200 ms doubling up to 5 s) until the attempts are
/// used up; other answers (4xx) are not retried.
#[derive(Clone, Debug)]
pub struct WebhookSender {
    url: String,
    secret: Option<Secret>,
    attempts: u32,
    backoff: RetryPolicy,
    strict: bool,
    http: HttpClient,
}

impl WebhookSender {
    /// A sender to `url` with `attempts` tries (at least 1) of at most `timeout` each.
    /// Without a secret the signature header is empty (as the reference does) and strict
    /// receivers refuse the delivery.
    ///
    /// Errors: `ConfigInvalid` for a URL that is not http(s) or an HTTP client that cannot be
    /// built.
    pub fn new(
        url: &str,
        secret: Option<Secret>,
        attempts: u32,
        timeout: Duration,
    ) -> Result<Self> {
        let parsed = url::Url::parse(url)
            .map_err(|_| Error::config("the webhook URL is not a valid URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::config("the webhook URL must be http or https"));
        }
        let http = HttpClient::new(
            PROVIDER,
            HttpConfig {
                connect_timeout: timeout,
                timeout,
                retry: RetryPolicy::none(),
                ..HttpConfig::default()
            },
        )?;
        Ok(WebhookSender {
            url: url.to_owned(),
            secret: secret.filter(|s| !s.is_empty()),
            attempts: attempts.max(1),
            backoff: RetryPolicy {
                max_retries: 0,
                initial_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(5),
            },
            strict: false,
            http,
        })
    }

    /// Sets the backoff between attempts: the first at most `initial`, doubling, capped at
    /// `max` (full jitter below the bound).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff.initial_backoff = initial;
        self.backoff.max_backoff = max;
        self
    }

    /// Uses the stricter mode (timestamp header, timestamp in the signature).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Posts `{"event": event, "data": data}`, serialized byte for byte as the reference's
    /// `json.dumps(..., ensure_ascii=False)` ([`webhook_body`]); returns the attempts it took.
    ///
    /// Errors: `Unavailable` (with the last HTTP status when there was one) when every attempt
    /// failed or the receiver answered a non-2xx status that is not retried.
    pub async fn send(&self, event: &str, data: &Value) -> Result<u32> {
        const OP: &str = "webhook_send";
        let body = webhook_body(event, data);
        let mut last: Option<Error> = None;
        for attempt in 1..=self.attempts {
            if attempt > 1 {
                tokio::time::sleep(self.backoff.backoff(attempt - 1)).await;
            }
            let (signature, timestamp) = match (&self.secret, self.strict) {
                (Some(s), true) => {
                    let ts = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    (sign_webhook_timestamped(s, ts, &body), Some(ts))
                }
                (Some(s), false) => (sign_webhook(s, &body), None),
                (None, _) => (String::new(), None),
            };
            let mut request = self
                .http
                .reqwest()
                .post(&self.url)
                .header(http::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, signature)
                .header(EVENT_HEADER, event)
                .body(body.clone());
            if let Some(ts) = timestamp {
                request = request.header(TIMESTAMP_HEADER, ts.to_string());
            }
            match self
                .http
                .send(OP, request, Idempotency::NonIdempotent)
                .await
            {
                Ok(r) if r.is_success() => return Ok(attempt),
                Ok(r) => {
                    let e = Error::unavailable(format!(
                        "the webhook receiver answered HTTP {}",
                        r.status
                    ))
                    .with_status(r.status)
                    .with_context(PROVIDER, OP);
                    if r.status < 500 {
                        return Err(e);
                    }
                    last = Some(e);
                }
                Err(e) if e.kind() == ErrorKind::Unavailable => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        let status = last.as_ref().and_then(Error::status);
        let detail = last.map_or_else(String::new, |e| format!(": {}", e.message()));
        let mut e = Error::unavailable(format!(
            "webhook delivery failed after {} attempts{detail}",
            self.attempts
        ));
        if let Some(s) = status {
            e = e.with_status(s);
        }
        Err(e.with_context(PROVIDER, OP))
    }
}
