//! The per-request hook for statistics: [`RequestObserver`] and [`RequestRecord`].

use std::sync::Arc;
use std::time::Duration;

use polyauth_core::RequestContext;

/// The text that replaces the value of a sensitive header or query parameter in a
/// [`RequestRecord`].
pub const REDACTED: &str = "[redacted]";

/// What happened to one request, handed to a [`RequestObserver`].
///
/// Besides the outcome, it carries the request's query parameters and headers, captured by
/// the layer only when an observer is configured. Credentials are redacted when they are
/// captured, so no observer ever sees them: the value of `Authorization`,
/// `Proxy-Authorization`, `Cookie`, `Set-Cookie`, `X-App-Secret`, of the headers configured
/// with [`token_from_header`](crate::AuthLayer::token_from_header), and of any header or query
/// parameter whose name contains `token`, `secret`, `password`, `passwd`, `pwd`,
/// `key`, `credential` or `session` (case-insensitive) is replaced by [`REDACTED`].
///
/// Request bodies are not captured: reading one would mean buffering it before the handler
/// runs, which changes streaming semantics. A handler that wants its body in the statistics
/// records it through its collector directly.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RequestRecord {
    /// HTTP method, such as `GET`.
    pub method: String,
    /// Request path without the query string.
    pub path: String,
    /// The response status code.
    pub status: u16,
    /// Time from the request entering the [`AuthLayer`](crate::AuthLayer) until the response
    /// head was ready (streaming of the body is not included).
    pub duration: Duration,
    /// The authenticated user's id, if any.
    pub user_id: Option<String>,
    /// Why the layer failed the request, as `"{reason}: {detail}"` (for a rejection, such as
    /// `invalid_token: jwt verify: invalid token: expired`, or `service_error` when the inner
    /// service failed); `None` when the inner service answered, whatever its status. Never
    /// contains the token.
    pub error: Option<String>,
    /// The request's context (user, client IP, request and trace ids, ...). Its token field,
    /// set for authenticated requests, is redacted in `Debug`; do not log its exposed value.
    pub context: Arc<RequestContext>,
    /// The query parameters, percent-decoded (`+` as space; invalid UTF-8 replaced), in
    /// request order, repeats kept. At most 64 pairs; names are cut to 256 bytes and values to
    /// 1,024. Sensitive names have the value [`REDACTED`] (see above).
    pub query: Vec<(String, String)>,
    /// The request headers as received by the layer: lower-case names, in order, repeats kept.
    /// Values that are not UTF-8 are left out; at most 64 headers, values cut to 1,024 bytes.
    /// Credentials have the value [`REDACTED`] (see above).
    pub headers: Vec<(String, String)>,
}

/// A hook called once per request that reaches the [`AuthLayer`](crate::AuthLayer), after the
/// response is ready (rejections included), with a [`RequestRecord`]; for API statistics
/// collectors.
///
/// The record's query parameters and headers are captured before the request goes to the
/// inner service, with credentials already redacted; the body is not captured (see
/// [`RequestRecord`]). Without an observer the layer captures nothing.
///
/// It runs inline, on the request's task, before the response is returned: it must be cheap
/// and must never block (no I/O, no blocking locks held for long). Hand records to a channel
/// or an atomic counter and do the work elsewhere. It is not called for a request whose future
/// is dropped before completing (a client that went away).
///
/// Closures `Fn(RequestRecord) + Send + Sync` are observers:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use polyauth_axum::{RequestObserver, RequestRecord};
///
/// let errors = Arc::new(AtomicU64::new(0));
/// let counter = errors.clone();
/// let observer: Arc<dyn RequestObserver> = Arc::new(move |record: RequestRecord| {
///     if record.status >= 400 {
///         counter.fetch_add(1, Ordering::Relaxed);
///     }
/// });
/// ```
pub trait RequestObserver: Send + Sync + 'static {
    /// Records one finished request.
    fn observe(&self, record: RequestRecord);
}

impl<F> RequestObserver for F
where
    F: Fn(RequestRecord) + Send + Sync + 'static,
{
    fn observe(&self, record: RequestRecord) {
        self(record)
    }
}
