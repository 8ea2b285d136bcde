//! The per-request hook for statistics: [`RequestObserver`] and [`RequestRecord`].

use std::sync::Arc;
use std::time::Duration;

use polyauth_core::RequestContext;

/// What happened to one request, handed to a [`RequestObserver`].
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
}

/// A hook called once per request that reaches the [`AuthLayer`](crate::AuthLayer), after the
/// response is ready (rejections included), with a [`RequestRecord`]; for API statistics
/// collectors.
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
