//! Shared HTTP plumbing for every remote backend, written once.
//!
//! [`HttpClient`] wraps a `reqwest::Client` (rustls) with:
//! - connect and whole-request timeouts;
//! - a response-size cap (a provider, or something pretending to be one, cannot make us buffer
//!   50 MB);
//! - retries with exponential backoff and full jitter, **only** for calls the caller marks
//!   idempotent, on connect errors, timeouts, 429, 502, 503 and 504; a `Retry-After` the
//!   server sends is honoured (see [`RetryPolicy`]);
//! - a `tracing` span per provider call (`polyauth.call` with `provider`, `operation`,
//!   `attempt`, `status`, `elapsed_ms`), which records the host but never a path, query string or
//!   header, so tokens in URLs never reach a log;
//! - error mapping: transport failures become `Unavailable` (temporary) with the reqwest error,
//!   stripped of its URL, as the source; HTTP statuses map through
//!   [`ErrorKind::from_http_status`].
//!
//! Redirects are not followed: a provider API that redirects is answering with something other
//! than its protocol, and following would send credentials to another place.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::AccessToken;
use crate::telemetry;

mod envelope;

pub use envelope::{Envelope, EnvelopeCode};

/// Retry settings for idempotent calls.
///
/// A retried answer (429, 502, 503, 504) that carries `Retry-After` is believed: the retry
/// waits the delay the server asked for instead of the random backoff. A delay longer than
/// `max_backoff` is not waited for inside the call: the answer goes back to the caller at
/// once, and its error ([`HttpResponse::status_error`]) carries the delay as
/// [`Error::retry_after`], for the caller to schedule (a batch job can wait, a request
/// handler should not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Upper bound of the first backoff; doubles per retry (full jitter below the bound).
    pub initial_backoff: Duration,
    /// Cap of any single backoff, and the longest `Retry-After` waited for before a retry.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, 100 ms initial backoff, 2 s cap.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Default::default()
        }
    }

    /// The backoff before retry number `retry` (1-based): uniformly random in
    /// `[0, min(max_backoff, initial_backoff * 2^(retry-1))]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let bound = exp.min(self.max_backoff);
        let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(0..=millis))
    }
}

/// Settings of an [`HttpClient`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (connect, send, receive the full body), per attempt.
    pub timeout: Duration,
    /// Largest response body accepted, in bytes; larger answers are `Protocol` errors.
    pub max_response_bytes: usize,
    /// Retry policy for idempotent calls.
    pub retry: RetryPolicy,
    /// `User-Agent` header value.
    pub user_agent: String,
}

impl Default for HttpConfig {
    /// 5 s connect timeout, 10 s request timeout, 2 MiB body cap, default retries.
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            max_response_bytes: 2 * 1024 * 1024,
            retry: RetryPolicy::default(),
            user_agent: concat!("polyauth/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl HttpConfig {
    /// The defaults with a different request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Whether a call may be sent again after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads and other calls with no side effect: retried per the [`RetryPolicy`].
    Idempotent,
    /// Calls that change state (login, create, send a code): sent once.
    NonIdempotent,
}

/// A fully read, size-checked response.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body (at most `max_response_bytes`).
    pub body: Bytes,
}

impl HttpResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Parses the body as JSON. Errors: `Protocol` naming the expected type, with the serde error
    /// (which quotes no body text beyond a position) as the source.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::protocol(format!(
                "response body is not the expected JSON ({})",
                short_type_name::<T>()
            ))
            .with_status(self.status)
            .with_source(e)
        })
    }

    /// The body as text, cut to `max_chars` characters, for error messages.
    pub fn snippet(&self, max_chars: usize) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut out: String = text.chars().take(max_chars).collect();
        if text.chars().count() > max_chars {
            out.push('…');
        }
        out
    }

    /// The error a non-2xx answer stands for, the one HTTP-status rule of every backend: kind by
    /// [`ErrorKind::from_http_status`] (429 `RateLimited`, 5xx `Unavailable`, a 4xx never
    /// `Unavailable`), the status recorded, a `Retry-After` header (delta-seconds or HTTP date)
    /// readable as [`Error::retry_after`], 408 marked temporary, and the server's message (a
    /// JSON `message`, `error_description`, `error` or `msg` field, else a short text snippet)
    /// kept in the message. Backends add the provider's own code with
    /// [`Error::with_provider_code`] when the body carries one.
    pub fn status_error(&self) -> Error {
        let server_message = serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| {
                ["message", "error_description", "error", "msg"]
                    .iter()
                    .find_map(|k| v.get(k).and_then(|m| m.as_str()).map(str::to_owned))
            })
            .unwrap_or_else(|| self.snippet(200));
        let kind = ErrorKind::from_http_status(self.status);
        let message = if server_message.is_empty() {
            format!("HTTP {}", self.status)
        } else {
            format!("HTTP {}: {}", self.status, server_message)
        };
        let mut error = Error::new(kind, message).with_status(self.status);
        if self.status == 408 {
            error = error.set_temporary(true);
        }
        match self.retry_after() {
            Some(delay) => error.with_retry_after(delay),
            None => error,
        }
    }

    /// The `Retry-After` header as a delay from now: delta-seconds, or an HTTP date (a date in
    /// the past is a zero delay). `None` when absent or unparsable.
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self
            .headers
            .get(http::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        let at = httpdate::parse_http_date(value).ok()?;
        Some(
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    }
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// An `Authorization: Bearer` header value marked sensitive (hyper and reqwest then keep it out
/// of their debug output). Errors: `InvalidInput` when the token has bytes a header cannot
/// carry.
pub fn bearer_header(token: &AccessToken) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .map_err(|_| Error::invalid_input("token contains characters not allowed in a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// A sensitive header value from a secret (for `X-App-Secret` and the like).
/// Errors: `InvalidInput` when the value has bytes a header cannot carry.
pub fn sensitive_header(value: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| Error::invalid_input("secret contains characters not allowed in a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// The shared HTTP client of a backend. Cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    config: HttpConfig,
    provider: &'static str,
}

impl HttpClient {
    /// A client for `provider` (the name stamped on errors and spans).
    /// Errors: `ConfigInvalid` when the TLS backend cannot be initialised.
    pub fn new(provider: &'static str, config: HttpConfig) -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::config("could not build the HTTP client")
                    .with_source(e.without_url())
                    .with_context(provider, "http_client")
            })?;
        Ok(HttpClient {
            client,
            config,
            provider,
        })
    }

    /// The underlying reqwest client, to build requests with.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    /// The settings.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// The provider name stamped on errors.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// Sends `request` and reads the whole body (up to the cap). Non-2xx statuses are returned,
    /// not turned into errors: the caller knows the provider's error envelope. Idempotent
    /// requests are retried on transport errors and on 429/502/503/504, after the server's
    /// `Retry-After` when it sends one of at most `max_backoff` (a longer one returns the
    /// answer without retrying; see [`RetryPolicy`]).
    ///
    /// Errors (with provider and `operation` as context): `Unavailable` for connect errors and
    /// timeouts (the message says which and after how long), `Protocol` for an oversized body,
    /// `InvalidInput` for a request that cannot be built.
    pub async fn send(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
        idempotency: Idempotency,
    ) -> Result<HttpResponse> {
        let span = tracing::debug_span!(
            "polyauth.call",
            provider = self.provider,
            operation,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        self.send_inner(operation, request, idempotency)
            .instrument(span)
            .await
            .map_err(|e| e.with_context(self.provider, operation))
    }

    async fn send_inner(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
        idempotency: Idempotency,
    ) -> Result<HttpResponse> {
        let retries = match idempotency {
            Idempotency::Idempotent => self.config.retry.max_retries,
            Idempotency::NonIdempotent => 0,
        };
        let span = tracing::Span::current();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            // The last attempt consumes the request; a request whose body cannot be cloned (a
            // stream) is sent once.
            let retry_copy = if attempt <= retries {
                request.try_clone()
            } else {
                None
            };
            let Some(builder) = retry_copy else {
                return self.attempt(operation, request).await.map_err(|f| f.error);
            };
            let outcome = self.attempt(operation, builder).await;
            let retry = match &outcome {
                Ok(resp) => matches!(resp.status, 429 | 502 | 503 | 504),
                Err(failure) => failure.retryable,
            };
            if !retry {
                return outcome.map_err(|f| f.error);
            }
            let wait = match outcome.as_ref().ok().and_then(HttpResponse::retry_after) {
                // Longer than this call should wait: the caller gets the answer and the delay.
                Some(asked) if asked > self.config.retry.max_backoff => {
                    return outcome.map_err(|f| f.error);
                }
                Some(asked) => asked,
                None => self.config.retry.backoff(attempt),
            };
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt, counted in [`telemetry::UPSTREAM_REQUESTS`] and timed in
    /// [`telemetry::UPSTREAM_SECONDS`].
    async fn attempt(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<HttpResponse, Failure> {
        let started = Instant::now();
        let outcome = self.send_once(request).await;
        let result = match &outcome {
            Ok(response) => match response.status {
                200..=299 => "ok",
                400..=499 => "status_4xx",
                500..=599 => "status_5xx",
                _ => "status_other",
            },
            Err(failure) => telemetry::kind_label(failure.error.kind()),
        };
        let provider = self.provider;
        metrics::counter!(telemetry::UPSTREAM_REQUESTS, "provider" => provider, "operation" => operation, "result" => result)
            .increment(1);
        metrics::histogram!(telemetry::UPSTREAM_SECONDS, "provider" => provider, "operation" => operation)
            .record(started.elapsed().as_secs_f64());
        outcome
    }

    async fn send_once(&self, request: reqwest::RequestBuilder) -> Result<HttpResponse, Failure> {
        let started = Instant::now();
        let mut response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let span = tracing::Span::current();
        span.record("status", status);
        let headers = std::mem::take(response.headers_mut());
        let cap = self.config.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > cap as u64)
        {
            return Err(Failure::final_(too_large(cap, status)));
        }
        // Most answers arrive as one chunk: kept as it is; only a second chunk makes a copy.
        let mut first = Bytes::new();
        let mut rest = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if first.len() + rest.len() + chunk.len() > cap {
                return Err(Failure::final_(too_large(cap, status)));
            }
            if first.is_empty() && rest.is_empty() {
                first = chunk;
            } else {
                if rest.is_empty() {
                    rest.extend_from_slice(&first);
                }
                rest.extend_from_slice(&chunk);
            }
        }
        let body = if rest.is_empty() {
            first
        } else {
            rest.freeze()
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        span.record("elapsed_ms", elapsed_ms);
        tracing::debug!(status, elapsed_ms, "provider answered");
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    /// Sends a plain `http::Request` and returns a plain `http::Response`, through the same
    /// timeouts, body cap, retries and tracing as [`send`](Self::send). This is the bridge for
    /// crates that speak `http` types, such as the `oauth2` crate's `AsyncHttpClient`
    /// (wrap it in a closure: `|req| client.execute("exchange_code", req, Idempotency::NonIdempotent)`).
    ///
    /// Errors: as [`send`](Self::send); `InvalidInput` when the request cannot be converted.
    pub async fn execute(
        &self,
        operation: &'static str,
        request: http::Request<Vec<u8>>,
        idempotency: Idempotency,
    ) -> Result<http::Response<Vec<u8>>> {
        let request = reqwest::Request::try_from(request).map_err(|e| {
            Error::invalid_input("the request could not be converted")
                .with_source(e.without_url())
                .with_context(self.provider, operation)
        })?;
        let builder = reqwest::RequestBuilder::from_parts(self.client.clone(), request);
        let response = self.send(operation, builder, idempotency).await?;
        let mut out = http::Response::new(response.body.to_vec());
        *out.status_mut() =
            http::StatusCode::from_u16(response.status).unwrap_or(http::StatusCode::BAD_GATEWAY);
        *out.headers_mut() = response.headers;
        Ok(out)
    }

    /// A transport failure. Connect errors and connections dropped mid-answer may be retried
    /// (for idempotent calls); a timeout is final, so a stalled provider costs one timeout, not
    /// one per retry.
    fn transport_error(&self, e: reqwest::Error) -> Failure {
        let (what, retryable) = if e.is_timeout() {
            (
                format!(
                    "request timed out (timeout {} ms)",
                    self.config.timeout.as_millis()
                ),
                false,
            )
        } else if e.is_connect() {
            ("could not connect to the provider".to_owned(), true)
        } else if e.is_body() || e.is_decode() {
            (
                "the connection failed while reading the response".to_owned(),
                true,
            )
        } else if e.is_builder() {
            return Failure::final_(
                Error::invalid_input("the request could not be built").with_source(e.without_url()),
            );
        } else {
            ("the request failed".to_owned(), true)
        };
        Failure {
            error: Error::unavailable(what).with_source(e.without_url()),
            retryable,
        }
    }
}

/// A failed attempt and whether another attempt may help.
struct Failure {
    error: Error,
    retryable: bool,
}

impl Failure {
    fn final_(error: Error) -> Self {
        Failure {
            error,
            retryable: false,
        }
    }
}

fn too_large(cap: usize, status: u16) -> Error {
    Error::protocol(format!("response body larger than {cap} bytes")).with_status(status)
}

#[cfg(test)]
mod tests;
