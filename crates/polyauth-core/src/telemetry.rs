//! Observability: the metrics polyauth records (through the [`metrics`] facade, so no
//! exporter is forced on anyone) and [`Instrumented`], which gives every trait call a
//! `tracing` span.
//!
//! # Metrics
//!
//! Recorded only when the application installs a recorder (such as
//! `metrics-exporter-prometheus`); without one every call is a cheap no-op.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `polyauth_verifications_total` | counter | `provider`, `operation` (`verify`, `user_info`), `outcome` | token checks through [`Instrumented`], by result: `ok` or the error kind ([`kind_label`]) |
//! | `polyauth_verification_duration_seconds` | histogram | `provider`, `operation` | their duration, cache hits included |
//! | `polyauth_cache_requests_total` | counter | `outcome` | verification-cache lookups: `hit`, `negative` (a cached invalid-token answer), `wait` (joined another caller's single-flight), `miss` (asked the provider), `shared_hit` (answered by the shared tier), `shared_wait` (waited for another instance's answer) |
//! | `polyauth_cache_evictions_total` | counter | `cause` (`expired`, `size`, `explicit`, `replaced`) | entries leaving the in-process caches |
//! | `polyauth_cache_entries` | gauge | | entries in all in-process verification caches |
//! | `polyauth_upstream_requests_total` | counter | `provider`, `operation`, `result` | HTTP calls to providers: `ok` (2xx), `status_4xx`, `status_5xx`, or a transport error kind |
//! | `polyauth_upstream_duration_seconds` | histogram | `provider`, `operation` | their duration, each attempt separately |
//! | `polyauth_state_operations_total` | counter | `operation` (`put`, `take`), `result` (`ok`, `missing`, or an error kind) | OAuth state store calls of the login engine |
//! | `polyauth_stats_dropped_total` | counter | `provider` | API statistics records dropped because the upload queue was full |
//!
//! [`describe`] registers the descriptions and units with the installed recorder.
//!
//! # Spans
//!
//! [`Instrumented`] opens a `debug` span per trait call, named `polyauth.verify`,
//! `polyauth.user_info`, `polyauth.roles`, … with the fields `provider`, `cache` (the cache
//! outcome above, when a cache answered or was asked) and `outcome`, `elapsed_ms` on return. The
//! spans nest under the caller's span: the axum layer's `polyauth.request` span carries the
//! request id, so one request's lines can be followed. Upstream HTTP calls are
//! `polyauth.call` spans below them; cache hits and local JWT verifications are `trace` events.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use tracing::Instrument as _;

use crate::error::{ErrorKind, Result};
use crate::model::{
    AuthorizationCallback, AuthorizationRequest, AuthorizationStart, Credentials, Session,
    TokenSet, UserProfile, VerifiedToken,
};
use crate::provider::{Capabilities, IdentityProvider, UserDirectory};
use crate::secret::{AccessToken, RefreshToken};

/// Counter: verifications by provider, operation and outcome.
pub const VERIFICATIONS: &str = "polyauth_verifications_total";
/// Histogram (seconds): duration of verifications.
pub const VERIFICATION_SECONDS: &str = "polyauth_verification_duration_seconds";
/// Counter: verification-cache lookups by outcome.
pub const CACHE_REQUESTS: &str = "polyauth_cache_requests_total";
/// Counter: in-process cache evictions by cause.
pub const CACHE_EVICTIONS: &str = "polyauth_cache_evictions_total";
/// Gauge: entries in the in-process verification caches.
pub const CACHE_ENTRIES: &str = "polyauth_cache_entries";
/// Counter: upstream HTTP calls by provider, operation and result.
pub const UPSTREAM_REQUESTS: &str = "polyauth_upstream_requests_total";
/// Histogram (seconds): duration of upstream HTTP calls.
pub const UPSTREAM_SECONDS: &str = "polyauth_upstream_duration_seconds";
/// Counter: OAuth state-store operations by operation and result.
pub const STATE_OPERATIONS: &str = "polyauth_state_operations_total";
/// Counter: API statistics records dropped on a full queue.
pub const STATS_DROPPED: &str = "polyauth_stats_dropped_total";

/// Registers the description and unit of every metric above with the installed recorder
/// (call it once, after installing one; harmless without).
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        VERIFICATIONS,
        "Token verifications by provider, operation and outcome"
    );
    describe_histogram!(
        VERIFICATION_SECONDS,
        Unit::Seconds,
        "Duration of token verifications"
    );
    describe_counter!(CACHE_REQUESTS, "Verification-cache lookups by outcome");
    describe_counter!(
        CACHE_EVICTIONS,
        "In-process verification-cache evictions by cause"
    );
    describe_gauge!(
        CACHE_ENTRIES,
        "Entries in the in-process verification caches"
    );
    describe_counter!(
        UPSTREAM_REQUESTS,
        "HTTP calls to identity providers by result"
    );
    describe_histogram!(
        UPSTREAM_SECONDS,
        Unit::Seconds,
        "Duration of HTTP calls to identity providers"
    );
    describe_counter!(STATE_OPERATIONS, "OAuth state-store operations by result");
    describe_counter!(
        STATS_DROPPED,
        "API statistics records dropped because the queue was full"
    );
}

/// The snake_case label of an error kind in metrics: `unauthenticated`, `invalid_token`,
/// `permission_denied`, `not_found`, `invalid_input`, `unsupported`, `config_invalid`,
/// `invalid_state`, `provider`, `rate_limited`, `unavailable` or `protocol`.
pub fn kind_label(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Unauthenticated => "unauthenticated",
        ErrorKind::InvalidToken => "invalid_token",
        ErrorKind::PermissionDenied => "permission_denied",
        ErrorKind::NotFound => "not_found",
        ErrorKind::InvalidInput => "invalid_input",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::ConfigInvalid => "config_invalid",
        ErrorKind::InvalidState => "invalid_state",
        ErrorKind::Provider => "provider",
        ErrorKind::RateLimited => "rate_limited",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::Protocol => "protocol",
    }
}

/// Counts one OAuth state-store call in [`STATE_OPERATIONS`]: `operation` is `put` or
/// `take`; `result` is `Ok(true)` for success, `Ok(false)` for a take that found nothing
/// (`missing`), or the error.
pub fn count_state_operation(
    operation: &'static str,
    result: std::result::Result<bool, &crate::Error>,
) {
    let result = match result {
        Ok(true) => "ok",
        Ok(false) => "missing",
        Err(e) => kind_label(e.kind()),
    };
    metrics::counter!(STATE_OPERATIONS, "operation" => operation, "result" => result).increment(1);
}

/// Counts one API statistics record dropped on a full (or closed) upload queue in
/// [`STATS_DROPPED`].
pub fn count_stats_dropped(provider: &'static str) {
    metrics::counter!(STATS_DROPPED, "provider" => provider).increment(1);
}

/// Notes a verification-cache outcome on the current span (field `cache`) and in
/// [`CACHE_REQUESTS`].
pub(crate) fn cache_outcome(outcome: &'static str) {
    tracing::Span::current().record("cache", outcome);
    tracing::trace!(outcome, "verification cache");
    metrics::counter!(CACHE_REQUESTS, "outcome" => outcome).increment(1);
}

/// An [`IdentityProvider`] that records a `debug` span and, for `verify` and `user_info`, the
/// verification metrics around every call of the provider it wraps (see the module docs).
/// [`polyauth::build`](https://docs.rs/polyauth) wraps every configured provider in one;
/// wrap providers you construct yourself:
///
/// ```
/// # use std::sync::Arc;
/// # fn provider() -> Arc<dyn polyauth_core::IdentityProvider> { unimplemented!() }
/// # fn demo() {
/// use polyauth_core::telemetry::Instrumented;
/// let provider: Arc<dyn polyauth_core::IdentityProvider> = Arc::new(Instrumented::new(provider()));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Instrumented<P> {
    inner: P,
}

impl<P: IdentityProvider> Instrumented<P> {
    /// Wraps `inner`.
    pub fn new(inner: P) -> Self {
        Instrumented { inner }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }
}

/// Runs `call` inside `span`, then records the outcome and duration on it (and, for token
/// checks, in the verification metrics).
async fn observed<T>(
    span: tracing::Span,
    provider: &'static str,
    operation: &'static str,
    verification: bool,
    call: impl Future<Output = Result<T>>,
) -> Result<T> {
    let started = Instant::now();
    let result = call.instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let outcome = match &result {
        Ok(_) => "ok",
        Err(e) => kind_label(e.kind()),
    };
    span.record("outcome", outcome);
    span.record("elapsed_ms", elapsed.as_secs_f64() * 1000.0);
    if verification {
        metrics::counter!(VERIFICATIONS, "provider" => provider, "operation" => operation, "outcome" => outcome)
            .increment(1);
        metrics::histogram!(VERIFICATION_SECONDS, "provider" => provider, "operation" => operation)
            .record(elapsed.as_secs_f64());
    }
    result
}

/// A `debug` span named `polyauth.<operation>` with the common fields.
macro_rules! call_span {
    ($name:literal, $provider:expr) => {
        tracing::debug_span!(
            $name,
            provider = $provider,
            cache = tracing::field::Empty,
            outcome = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        )
    };
}

#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl<P: IdentityProvider> IdentityProvider for Instrumented<P> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        let name = self.inner.name();
        let span = call_span!("polyauth.verify", name);
        observed(span, name, "verify", true, self.inner.verify(token)).await
    }
    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        let name = self.inner.name();
        let span = call_span!("polyauth.user_info", name);
        observed(span, name, "user_info", true, self.inner.user_info(token)).await
    }
    async fn roles(&self, token: &AccessToken) -> Result<Vec<String>> {
        let name = self.inner.name();
        let span = call_span!("polyauth.roles", name);
        observed(span, name, "roles", false, self.inner.roles(token)).await
    }
    async fn permissions(&self, token: &AccessToken) -> Result<Vec<String>> {
        let name = self.inner.name();
        let span = call_span!("polyauth.permissions", name);
        observed(
            span,
            name,
            "permissions",
            false,
            self.inner.permissions(token),
        )
        .await
    }
    async fn login(&self, credentials: Credentials) -> Result<Session> {
        let name = self.inner.name();
        let span = call_span!("polyauth.login", name);
        observed(span, name, "login", false, self.inner.login(credentials)).await
    }
    async fn start_authorization(
        &self,
        request: AuthorizationRequest,
    ) -> Result<AuthorizationStart> {
        let name = self.inner.name();
        let span = call_span!("polyauth.start_authorization", name);
        let call = self.inner.start_authorization(request);
        observed(span, name, "start_authorization", false, call).await
    }
    async fn finish_authorization(&self, callback: AuthorizationCallback) -> Result<Session> {
        let name = self.inner.name();
        let span = call_span!("polyauth.finish_authorization", name);
        let call = self.inner.finish_authorization(callback);
        observed(span, name, "finish_authorization", false, call).await
    }
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        let name = self.inner.name();
        let span = call_span!("polyauth.refresh", name);
        observed(
            span,
            name,
            "refresh",
            false,
            self.inner.refresh(refresh_token),
        )
        .await
    }
    async fn logout(&self, token: &AccessToken) -> Result<()> {
        let name = self.inner.name();
        let span = call_span!("polyauth.logout", name);
        observed(span, name, "logout", false, self.inner.logout(token)).await
    }
    fn directory(&self) -> Result<&dyn UserDirectory> {
        self.inner.directory()
    }
    async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        let name = self.inner.name();
        let span = call_span!("polyauth.invalidate_token", name);
        let call = self.inner.invalidate_token(token);
        observed(span, name, "invalidate_token", false, call).await
    }
    async fn invalidate_user(&self, subject: &str) -> Result<()> {
        let name = self.inner.name();
        let span = call_span!("polyauth.invalidate_user", name);
        let call = self.inner.invalidate_user(subject);
        observed(span, name, "invalidate_user", false, call).await
    }
}
